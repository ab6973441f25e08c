/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_FSM_H
#define _SOCKOBJ_FSM_H

#include <linux/types.h>

/**
 * enum sockobj_fsm_input - what can happen to a sock object
 * @SOCKOBJ_IN_CONNECT: the user started an active open
 * @SOCKOBJ_IN_ESTABLISHED: the three-way handshake completed
 * @SOCKOBJ_IN_PEER_FIN: the peer sent its FIN (passive close begins)
 * @SOCKOBJ_IN_DISCONNECT: the user asked for a graceful close
 * @SOCKOBJ_IN_CLOSED: the connection is gone (failure, abort, close done)
 * @SOCKOBJ_IN_LISTEN: the user started a passive open
 * @SOCKOBJ_IN_INCOMING: an incoming connection was given to the object
 * @SOCKOBJ_IN_COUNT: number of inputs
 */
enum sockobj_fsm_input {
	SOCKOBJ_IN_CONNECT,
	SOCKOBJ_IN_ESTABLISHED,
	SOCKOBJ_IN_PEER_FIN,
	SOCKOBJ_IN_DISCONNECT,
	SOCKOBJ_IN_CLOSED,
	SOCKOBJ_IN_LISTEN,
	SOCKOBJ_IN_INCOMING,
	SOCKOBJ_IN_COUNT
};

int sockobj_fsm_next(unsigned int state, enum sockobj_fsm_input input);
unsigned int sockobj_fsm_close_reason(unsigned int phase, int err,
				      bool peer_fin);
int sockobj_fsm_tcp_input(int tcp_state);
const char *sockobj_fsm_state_name(unsigned int state);
const char *sockobj_fsm_reason_name(unsigned int reason);

#endif /* _SOCKOBJ_FSM_H */
