// SPDX-License-Identifier: GPL-2.0
/*
 * The sock object state machine, kept free of sockets and locks so that
 * every legal and illegal transition can be checked by KUnit.
 *
 *   CLOSED --connect--> CONNECTING --handshake--> ESTABLISHED
 *   ESTABLISHED --peer FIN--> PEER_CLOSING
 *   ESTABLISHED | PEER_CLOSING --disconnect--> CLOSING
 *   CONNECTING | ESTABLISHED | PEER_CLOSING | CLOSING --closed--> CLOSED
 *   RETRY_WAIT --connect (the policy's next attempt)--> CONNECTING
 *   RETRY_WAIT --disconnect (cancel)--> CLOSED
 *   CLOSED --listen--> LISTENING --incoming--> PASSIVE_OPENING
 *   PASSIVE_OPENING --socket taken, handshake done--> ESTABLISHED
 *   PASSIVE_OPENING --closed (reset before it was taken)--> CLOSED
 *   LISTENING --disconnect (cancel)--> CLOSED
 *
 * A close that the object's retry policy retries (retry.c) enters
 * RETRY_WAIT instead of CLOSED. In RETRY_WAIT no socket of ours is open:
 * a late callback of the last one changes nothing.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <net/tcp_states.h>
#include <linux/sockobj.h>

#include "compat.h"
#include "fsm.h"

#define NONE (-EINVAL)

/* Every entry spelled out: a missing one would read as CLOSED. */
static const s8 next_state[SOCKOBJ_STATE_COUNT][SOCKOBJ_IN_COUNT] = {
	[SOCKOBJ_STATE_CLOSED] = {
		[SOCKOBJ_IN_CONNECT] = SOCKOBJ_STATE_CONNECTING,
		[SOCKOBJ_IN_ESTABLISHED] = NONE,
		[SOCKOBJ_IN_PEER_FIN] = NONE,
		[SOCKOBJ_IN_DISCONNECT] = NONE,
		[SOCKOBJ_IN_CLOSED] = NONE,
		[SOCKOBJ_IN_LISTEN] = SOCKOBJ_STATE_LISTENING,
		[SOCKOBJ_IN_INCOMING] = NONE,
	},
	[SOCKOBJ_STATE_CONNECTING] = {
		[SOCKOBJ_IN_CONNECT] = NONE,
		[SOCKOBJ_IN_ESTABLISHED] = SOCKOBJ_STATE_ESTABLISHED,
		[SOCKOBJ_IN_PEER_FIN] = NONE,
		[SOCKOBJ_IN_DISCONNECT] = NONE,
		[SOCKOBJ_IN_CLOSED] = SOCKOBJ_STATE_CLOSED,
		[SOCKOBJ_IN_LISTEN] = NONE,
		[SOCKOBJ_IN_INCOMING] = NONE,
	},
	[SOCKOBJ_STATE_ESTABLISHED] = {
		[SOCKOBJ_IN_CONNECT] = NONE,
		[SOCKOBJ_IN_ESTABLISHED] = NONE,
		[SOCKOBJ_IN_PEER_FIN] = SOCKOBJ_STATE_PEER_CLOSING,
		[SOCKOBJ_IN_DISCONNECT] = SOCKOBJ_STATE_CLOSING,
		[SOCKOBJ_IN_CLOSED] = SOCKOBJ_STATE_CLOSED,
		[SOCKOBJ_IN_LISTEN] = NONE,
		[SOCKOBJ_IN_INCOMING] = NONE,
	},
	[SOCKOBJ_STATE_PEER_CLOSING] = {
		[SOCKOBJ_IN_CONNECT] = NONE,
		[SOCKOBJ_IN_ESTABLISHED] = NONE,
		[SOCKOBJ_IN_PEER_FIN] = NONE,
		[SOCKOBJ_IN_DISCONNECT] = SOCKOBJ_STATE_CLOSING,
		[SOCKOBJ_IN_CLOSED] = SOCKOBJ_STATE_CLOSED,
		[SOCKOBJ_IN_LISTEN] = NONE,
		[SOCKOBJ_IN_INCOMING] = NONE,
	},
	[SOCKOBJ_STATE_CLOSING] = {
		[SOCKOBJ_IN_CONNECT] = NONE,
		[SOCKOBJ_IN_ESTABLISHED] = NONE,
		[SOCKOBJ_IN_PEER_FIN] = NONE,
		[SOCKOBJ_IN_DISCONNECT] = NONE,
		[SOCKOBJ_IN_CLOSED] = SOCKOBJ_STATE_CLOSED,
		[SOCKOBJ_IN_LISTEN] = NONE,
		[SOCKOBJ_IN_INCOMING] = NONE,
	},
	[SOCKOBJ_STATE_RETRY_WAIT] = {
		[SOCKOBJ_IN_CONNECT] = SOCKOBJ_STATE_CONNECTING,
		[SOCKOBJ_IN_ESTABLISHED] = NONE,
		[SOCKOBJ_IN_PEER_FIN] = NONE,
		[SOCKOBJ_IN_DISCONNECT] = SOCKOBJ_STATE_CLOSED,
		[SOCKOBJ_IN_CLOSED] = NONE,
		[SOCKOBJ_IN_LISTEN] = NONE,
		[SOCKOBJ_IN_INCOMING] = NONE,
	},
	[SOCKOBJ_STATE_LISTENING] = {
		[SOCKOBJ_IN_CONNECT] = NONE,
		[SOCKOBJ_IN_ESTABLISHED] = NONE,
		[SOCKOBJ_IN_PEER_FIN] = NONE,
		[SOCKOBJ_IN_DISCONNECT] = SOCKOBJ_STATE_CLOSED,
		[SOCKOBJ_IN_CLOSED] = NONE,
		[SOCKOBJ_IN_LISTEN] = NONE,
		[SOCKOBJ_IN_INCOMING] = SOCKOBJ_STATE_PASSIVE_OPENING,
	},
	[SOCKOBJ_STATE_PASSIVE_OPENING] = {
		[SOCKOBJ_IN_CONNECT] = NONE,
		[SOCKOBJ_IN_ESTABLISHED] = SOCKOBJ_STATE_ESTABLISHED,
		[SOCKOBJ_IN_PEER_FIN] = NONE,
		[SOCKOBJ_IN_DISCONNECT] = NONE,
		[SOCKOBJ_IN_CLOSED] = SOCKOBJ_STATE_CLOSED,
		[SOCKOBJ_IN_LISTEN] = NONE,
		[SOCKOBJ_IN_INCOMING] = NONE,
	},
};

/**
 * sockobj_fsm_next() - the state an input leads to
 * @state: the current SOCKOBJ_STATE_*
 * @input: what happened
 *
 * Context: any.
 * Return: the next SOCKOBJ_STATE_*, or -EINVAL when @input is not legal in
 * @state (the caller then ignores the input or refuses the request).
 */
int sockobj_fsm_next(unsigned int state, enum sockobj_fsm_input input)
{
	if (state >= SOCKOBJ_STATE_COUNT || (unsigned int)input >= SOCKOBJ_IN_COUNT)
		return -EINVAL;
	return next_state[state][input];
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_fsm_next);

/**
 * sockobj_fsm_close_reason() - why a connection closed on its own
 * @phase: the SOCKOBJ_STATE_* the object was in when it closed
 * @err: the positive errno the stack reported (sk_err), or 0
 * @peer_fin: whether the peer had sent its FIN first
 *
 * Closes that we cause ourselves (abort, cancel, connect timeout) carry
 * their reason directly; this maps what the network did.
 *
 * Context: any.
 * Return: a SOCKOBJ_REASON_*.
 */
unsigned int sockobj_fsm_close_reason(unsigned int phase, int err,
				      bool peer_fin)
{
	switch (err) {
	case 0:
		if (phase == SOCKOBJ_STATE_CONNECTING ||
		    phase == SOCKOBJ_STATE_PASSIVE_OPENING)
			return SOCKOBJ_REASON_ERROR;
		return peer_fin ? SOCKOBJ_REASON_PEER_CLOSED :
				  SOCKOBJ_REASON_LOCAL_CLOSED;
	case ECONNREFUSED:
		/* An RST answering our SYN: TCP's definition of refusal. */
		return phase == SOCKOBJ_STATE_CONNECTING ?
			SOCKOBJ_REASON_REFUSED : SOCKOBJ_REASON_RESET;
	case ECONNRESET:
	case EPIPE:
		return SOCKOBJ_REASON_RESET;
	case ETIMEDOUT:
		return phase == SOCKOBJ_STATE_CONNECTING ?
			SOCKOBJ_REASON_CONNECT_TIMEOUT :
			SOCKOBJ_REASON_RETRANS_TIMEOUT;
	case EHOSTUNREACH:
	case EHOSTDOWN:
		return SOCKOBJ_REASON_HOST_UNREACH;
	case ENETUNREACH:
	case ENETDOWN:
		return SOCKOBJ_REASON_NET_UNREACH;
	default:
		return SOCKOBJ_REASON_ERROR;
	}
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_fsm_close_reason);

/**
 * sockobj_fsm_tcp_input() - the input a TCP state change means
 * @tcp_state: sk->sk_state as seen by the state-change callback
 *
 * Only three TCP states matter: the handshake completing, the peer's FIN
 * and the final close. FIN_WAIT, LAST_ACK, TIME_WAIT and the like are steps
 * inside CLOSING or PEER_CLOSING.
 *
 * Context: any, including softirq.
 * Return: a SOCKOBJ_IN_* or -EINVAL for a state to ignore.
 */
int sockobj_fsm_tcp_input(int tcp_state)
{
	switch (tcp_state) {
	case TCP_ESTABLISHED:
		return SOCKOBJ_IN_ESTABLISHED;
	case TCP_CLOSE_WAIT:
		return SOCKOBJ_IN_PEER_FIN;
	case TCP_CLOSE:
		return SOCKOBJ_IN_CLOSED;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_fsm_tcp_input);

static const char *const state_names[SOCKOBJ_STATE_COUNT] = {
	[SOCKOBJ_STATE_CLOSED] = "CLOSED",
	[SOCKOBJ_STATE_CONNECTING] = "CONNECTING",
	[SOCKOBJ_STATE_ESTABLISHED] = "ESTABLISHED",
	[SOCKOBJ_STATE_PEER_CLOSING] = "PEER_CLOSING",
	[SOCKOBJ_STATE_CLOSING] = "CLOSING",
	[SOCKOBJ_STATE_RETRY_WAIT] = "RETRY_WAIT",
	[SOCKOBJ_STATE_LISTENING] = "LISTENING",
	[SOCKOBJ_STATE_PASSIVE_OPENING] = "PASSIVE_OPENING",
};

static const char *const reason_names[SOCKOBJ_REASON_COUNT] = {
	[SOCKOBJ_REASON_NONE] = "NONE",
	[SOCKOBJ_REASON_PEER_CLOSED] = "PEER_CLOSED",
	[SOCKOBJ_REASON_LOCAL_CLOSED] = "LOCAL_CLOSED",
	[SOCKOBJ_REASON_REFUSED] = "REFUSED",
	[SOCKOBJ_REASON_RESET] = "RESET",
	[SOCKOBJ_REASON_CONNECT_TIMEOUT] = "CONNECT_TIMEOUT",
	[SOCKOBJ_REASON_RETRANS_TIMEOUT] = "RETRANS_TIMEOUT",
	[SOCKOBJ_REASON_HOST_UNREACH] = "HOST_UNREACH",
	[SOCKOBJ_REASON_NET_UNREACH] = "NET_UNREACH",
	[SOCKOBJ_REASON_ABORTED] = "ABORTED",
	[SOCKOBJ_REASON_CANCELLED] = "CANCELLED",
	[SOCKOBJ_REASON_ERROR] = "ERROR",
	[SOCKOBJ_REASON_INACTIVITY] = "INACTIVITY",
	[SOCKOBJ_REASON_REPLACED] = "REPLACED",
};

/**
 * sockobj_fsm_state_name() - printable name of a state
 * @state: a SOCKOBJ_STATE_*
 *
 * Context: any.
 * Return: a static string, "?" for an unknown value.
 */
const char *sockobj_fsm_state_name(unsigned int state)
{
	return state < SOCKOBJ_STATE_COUNT ? state_names[state] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_fsm_state_name);

/**
 * sockobj_fsm_reason_name() - printable name of a close reason
 * @reason: a SOCKOBJ_REASON_*
 *
 * Context: any.
 * Return: a static string, "?" for an unknown value.
 */
const char *sockobj_fsm_reason_name(unsigned int reason)
{
	return reason < SOCKOBJ_REASON_COUNT ? reason_names[reason] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_fsm_reason_name);
