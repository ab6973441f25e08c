// SPDX-License-Identifier: MIT
/*
 * libsockobj: names and descriptions of the uapi constants.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "internal.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const state_names[] = {
	[SOCKOBJ_STATE_CLOSED]		= "CLOSED",
	[SOCKOBJ_STATE_CONNECTING]	= "CONNECTING",
	[SOCKOBJ_STATE_ESTABLISHED]	= "ESTABLISHED",
	[SOCKOBJ_STATE_PEER_CLOSING]	= "PEER_CLOSING",
	[SOCKOBJ_STATE_CLOSING]		= "CLOSING",
	[SOCKOBJ_STATE_RETRY_WAIT]	= "RETRY_WAIT",
};
_Static_assert(ARRAY_SIZE(state_names) == SOCKOBJ_STATE_COUNT,
	       "a state has no name");

static const struct {
	const char *name;
	const char *text;
} reasons[] = {
	[SOCKOBJ_REASON_NONE] = {
		"NONE", "the object has never been connected" },
	[SOCKOBJ_REASON_PEER_CLOSED] = {
		"PEER_CLOSED",
		"the peer closed the connection, then our close completed" },
	[SOCKOBJ_REASON_LOCAL_CLOSED] = {
		"LOCAL_CLOSED", "our graceful disconnect completed" },
	[SOCKOBJ_REASON_REFUSED] = {
		"REFUSED", "connection refused by the peer" },
	[SOCKOBJ_REASON_RESET] = {
		"RESET", "connection reset by the peer" },
	[SOCKOBJ_REASON_CONNECT_TIMEOUT] = {
		"CONNECT_TIMEOUT", "the connection attempt timed out" },
	[SOCKOBJ_REASON_RETRANS_TIMEOUT] = {
		"RETRANS_TIMEOUT",
		"the peer stopped acknowledging data (retransmission timeout)" },
	[SOCKOBJ_REASON_HOST_UNREACH] = {
		"HOST_UNREACH", "the peer host is unreachable" },
	[SOCKOBJ_REASON_NET_UNREACH] = {
		"NET_UNREACH", "the peer network is unreachable" },
	[SOCKOBJ_REASON_ABORTED] = {
		"ABORTED", "the connection was aborted by us" },
	[SOCKOBJ_REASON_CANCELLED] = {
		"CANCELLED", "the connection attempt was cancelled by us" },
	[SOCKOBJ_REASON_ERROR] = {
		"ERROR", "the connection failed with another error" },
	[SOCKOBJ_REASON_INACTIVITY] = {
		"INACTIVITY", "no data moved either way for too long" },
};
_Static_assert(ARRAY_SIZE(reasons) == SOCKOBJ_REASON_COUNT,
	       "a reason has no name");

/**
 * sockobj_state_name() - name of a SOCKOBJ_STATE_* value
 * @state: the value
 *
 * Context: any.
 * Return: a static string, "unknown" for an unknown value.
 */
SOCKOBJ_EXPORT const char *sockobj_state_name(unsigned int state)
{
	return state < ARRAY_SIZE(state_names) ? state_names[state] :
						 "unknown";
}

/**
 * sockobj_reason_name() - name of a SOCKOBJ_REASON_* value
 * @reason: the value
 *
 * Context: any.
 * Return: a static string, "unknown" for an unknown value.
 */
SOCKOBJ_EXPORT const char *sockobj_reason_name(unsigned int reason)
{
	return reason < ARRAY_SIZE(reasons) ? reasons[reason].name : "unknown";
}

/**
 * sockobj_reason_describe() - a sentence explaining a close reason
 * @reason: a SOCKOBJ_REASON_* value
 *
 * Context: any.
 * Return: a static string, "unknown" for an unknown value.
 */
SOCKOBJ_EXPORT const char *sockobj_reason_describe(unsigned int reason)
{
	return reason < ARRAY_SIZE(reasons) ? reasons[reason].text : "unknown";
}

/**
 * sockobj_event_type_name() - name of a SOCKOBJ_EV_* value
 * @type: the value
 *
 * Context: any.
 * Return: a static string, "unknown" for an unknown value.
 */
SOCKOBJ_EXPORT const char *sockobj_event_type_name(unsigned int type)
{
	switch (type) {
	case SOCKOBJ_EV_STATE:
		return "STATE";
	case SOCKOBJ_EV_READABLE:
		return "READABLE";
	case SOCKOBJ_EV_WRITABLE:
		return "WRITABLE";
	case SOCKOBJ_EV_SENT:
		return "SENT";
	case SOCKOBJ_EV_ERROR:
		return "ERROR";
	default:
		return "unknown";
	}
}
