// SPDX-License-Identifier: MIT
/*
 * libsockobj: names and descriptions of the uapi constants.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const state_names[] = {
	[SOCKOBJ_STATE_CLOSED]		= "CLOSED",
	[SOCKOBJ_STATE_CONNECTING]	= "CONNECTING",
	[SOCKOBJ_STATE_ESTABLISHED]	= "ESTABLISHED",
	[SOCKOBJ_STATE_PEER_CLOSING]	= "PEER_CLOSING",
	[SOCKOBJ_STATE_CLOSING]		= "CLOSING",
	[SOCKOBJ_STATE_RETRY_WAIT]	= "RETRY_WAIT",
	[SOCKOBJ_STATE_LISTENING]	= "LISTENING",
	[SOCKOBJ_STATE_PASSIVE_OPENING]	= "PASSIVE_OPENING",
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
	[SOCKOBJ_REASON_REPLACED] = {
		"REPLACED", "a reconnect from the peer replaced the connection" },
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

/* A line being written: pos counts what the whole line needs so far. */
struct line {
	char *buf;
	size_t len;
	size_t pos;
};

static void __attribute__((format(printf, 2, 3)))
line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (l->pos < l->len)
		n = vsnprintf(l->buf + l->pos, l->len - l->pos, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->pos += (size_t)n;
}

/*
 * An errno as text: the English description of strerrordesc_np() rather
 * than strerror(3)'s translation, so that a line reads the same in every
 * locale (as the state and reason names beside it do) and its length is
 * bounded, which SOCKOBJ_EVENT_STRLEN promises; it is also thread-safe,
 * where strerror() of an unknown value is not everywhere.
 */
static void line_error(struct line *l, int error)
{
	const char *text = strerrordesc_np(error);

	if (text)
		line_add(l, " (%s)", text);
	else
		line_add(l, " (error %d)", error);
}

static void describe_state(struct line *l, const struct sockobj_event *ev)
{
	bool closed = ev->state == SOCKOBJ_STATE_CLOSED;
	bool waits = ev->state == SOCKOBJ_STATE_RETRY_WAIT;

	line_add(l, " %s -> %s", sockobj_state_name(ev->prev_state),
		 sockobj_state_name(ev->state));
	/* Reason, phase and error mean something in these two states only. */
	if (closed || waits) {
		line_add(l, ": %s", sockobj_reason_name(ev->reason));
		if (ev->error)
			line_error(l, ev->error);
		/*
		 * The phase is the state left, prev_state unless the record
		 * stands for several transitions: say it only then.
		 */
		if (ev->phase != ev->prev_state)
			line_add(l, ", phase %s", sockobj_state_name(ev->phase));
	}
	if (ev->attempt)
		line_add(l, ", attempt %u", ev->attempt);
	if (waits)
		line_add(l, ", next in %u ms", ev->retry_ms);
	else if (closed && ev->retry_ms == SOCKOBJ_RETRY_EXHAUSTED)
		line_add(l, ", no attempt left");
	else if (ev->state == SOCKOBJ_STATE_CONNECTING && ev->retry_ms)
		line_add(l, ", started %u ms late", ev->retry_ms);
	if (ev->merged > 1)
		line_add(l, ", %u transitions", ev->merged);
}

/**
 * sockobj_event_describe() - one line telling what an event record says
 * @ev: the record
 * @buf: the line, NUL-terminated, without a newline
 * @len: size of @buf; SOCKOBJ_EVENT_STRLEN always suffices
 *
 * Context: any thread.
 * Return: the length written (without the NUL), -ENOSPC (@buf then holds
 * an empty string) or -EINVAL.
 */
SOCKOBJ_EXPORT int sockobj_event_describe(const struct sockobj_event *ev,
					  char *buf, size_t len)
{
	struct line l = { .buf = buf, .len = len };

	if (!ev || (!buf && len))
		return -EINVAL;
	line_add(&l, "id %u", ev->id);
	switch (ev->type) {
	case SOCKOBJ_EV_STATE:
		describe_state(&l, ev);
		break;
	case SOCKOBJ_EV_READABLE:
	case SOCKOBJ_EV_WRITABLE:
	case SOCKOBJ_EV_SENT:
	case SOCKOBJ_EV_ERROR:
		line_add(&l, " %s", sockobj_event_type_name(ev->type));
		if (ev->error)
			line_error(&l, ev->error);
		/* Data records are coalesced: merged counts the signals. */
		if (ev->merged > 1)
			line_add(&l, ", %u signals", ev->merged);
		break;
	default:
		line_add(&l, " event type %u", ev->type);
		break;
	}
	if (l.pos >= len || l.pos > INT_MAX) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)l.pos;
}
