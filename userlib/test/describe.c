// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: sockobj_event_describe(), the one-line
 * description of a record: made-up records of every kind give exact lines,
 * the worst case fits SOCKOBJ_EVENT_STRLEN, a short buffer is -ENOSPC, and
 * the records of a real refused connect retried once read as expected.
 *
 * The last case needs /dev/sockobj and SOCKOBJ_FEAT_RETRY, and skips
 * without them; the others run anywhere.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <limits.h>

#include "helpers.h"

/* The description of ev is want, and its return value want's length. */
#define CHECK_DESCRIBES(ev, want) do {					\
	char b_[SOCKOBJ_EVENT_STRLEN];					\
	const char *w_ = (want);					\
	int n_;								\
									\
	memset(b_, 'x', sizeof(b_));					\
	n_ = sockobj_event_describe(ev, b_, sizeof(b_));		\
	if (n_ < 0 || strcmp(b_, w_) || (size_t)n_ != strlen(w_))	\
		FAILED("described as \"%s\" (%d), expected \"%s\"",	\
		       n_ < 0 ? "" : b_, n_, w_);			\
} while (0)

static struct sockobj_event state_ev(unsigned int id, unsigned int prev,
				     unsigned int state)
{
	struct sockobj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.id = id;
	ev.type = SOCKOBJ_EV_STATE;
	ev.prev_state = prev;
	ev.state = state;
	ev.phase = prev;
	ev.merged = 1;
	ev.attempt = 1;
	return ev;
}

static int test_state_records(void)
{
	struct sockobj_event ev;

	ev = state_ev(3, SOCKOBJ_STATE_CONNECTING, SOCKOBJ_STATE_RETRY_WAIT);
	ev.reason = SOCKOBJ_REASON_REFUSED;
	ev.error = ECONNREFUSED;
	ev.attempt = 2;
	ev.retry_ms = 400;
	CHECK_DESCRIBES(&ev, "id 3 CONNECTING -> RETRY_WAIT: REFUSED "
			"(Connection refused), attempt 2, next in 400 ms");

	ev = state_ev(1, SOCKOBJ_STATE_CLOSED, SOCKOBJ_STATE_CONNECTING);
	CHECK_DESCRIBES(&ev, "id 1 CLOSED -> CONNECTING, attempt 1");
	ev.attempt = 0;	/* a record before the first attempt */
	CHECK_DESCRIBES(&ev, "id 1 CLOSED -> CONNECTING");

	/* The retry policy's attempt that waited for room in the ring. */
	ev = state_ev(1, SOCKOBJ_STATE_RETRY_WAIT, SOCKOBJ_STATE_CONNECTING);
	ev.attempt = 3;
	ev.retry_ms = 25;
	CHECK_DESCRIBES(&ev, "id 1 RETRY_WAIT -> CONNECTING, attempt 3, "
			"started 25 ms late");

	ev = state_ev(7, SOCKOBJ_STATE_CONNECTING, SOCKOBJ_STATE_CLOSED);
	ev.reason = SOCKOBJ_REASON_CONNECT_TIMEOUT;
	ev.error = ETIMEDOUT;
	ev.attempt = 5;
	ev.retry_ms = SOCKOBJ_RETRY_EXHAUSTED;
	CHECK_DESCRIBES(&ev, "id 7 CONNECTING -> CLOSED: CONNECT_TIMEOUT "
			"(Connection timed out), attempt 5, no attempt left");

	ev = state_ev(2, SOCKOBJ_STATE_CLOSING, SOCKOBJ_STATE_CLOSED);
	ev.reason = SOCKOBJ_REASON_LOCAL_CLOSED;
	CHECK_DESCRIBES(&ev, "id 2 CLOSING -> CLOSED: LOCAL_CLOSED, attempt 1");

	/* A cancelled wait: phase RETRY_WAIT, the prev_state, not repeated. */
	ev = state_ev(2, SOCKOBJ_STATE_RETRY_WAIT, SOCKOBJ_STATE_CLOSED);
	ev.reason = SOCKOBJ_REASON_CANCELLED;
	CHECK_DESCRIBES(&ev, "id 2 RETRY_WAIT -> CLOSED: CANCELLED, attempt 1");

	/* A merged record: the phase differs from the first prev_state. */
	ev = state_ev(4, SOCKOBJ_STATE_ESTABLISHED, SOCKOBJ_STATE_CLOSED);
	ev.reason = SOCKOBJ_REASON_RESET;
	ev.phase = SOCKOBJ_STATE_PEER_CLOSING;
	ev.error = ECONNRESET;
	ev.merged = 3;
	CHECK_DESCRIBES(&ev, "id 4 ESTABLISHED -> CLOSED: RESET (Connection "
			"reset by peer), phase PEER_CLOSING, attempt 1, "
			"3 transitions");

	/* Reason and error of an open state mean nothing: not shown. */
	ev = state_ev(4, SOCKOBJ_STATE_CONNECTING, SOCKOBJ_STATE_ESTABLISHED);
	ev.reason = SOCKOBJ_REASON_ERROR;
	ev.error = EIO;
	CHECK_DESCRIBES(&ev, "id 4 CONNECTING -> ESTABLISHED, attempt 1");
	return T_EXIT_PASS;
}

static int test_data_records(void)
{
	struct sockobj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.id = 5;
	ev.state = SOCKOBJ_STATE_ESTABLISHED;
	ev.merged = 1;
	ev.attempt = 1;
	ev.type = SOCKOBJ_EV_READABLE;
	CHECK_DESCRIBES(&ev, "id 5 READABLE");
	ev.type = SOCKOBJ_EV_WRITABLE;
	ev.merged = 4;
	CHECK_DESCRIBES(&ev, "id 5 WRITABLE, 4 signals");
	ev.type = SOCKOBJ_EV_SENT;
	ev.merged = 1;
	CHECK_DESCRIBES(&ev, "id 5 SENT");
	ev.type = SOCKOBJ_EV_ERROR;
	ev.error = ECONNREFUSED;
	CHECK_DESCRIBES(&ev, "id 5 ERROR (Connection refused)");
	return T_EXIT_PASS;
}

/* Values the library does not know are named, never dropped. */
static int test_unknown(void)
{
	struct sockobj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.id = 9;
	ev.type = 99;
	CHECK_DESCRIBES(&ev, "id 9 event type 99");

	ev = state_ev(9, 42, SOCKOBJ_STATE_CLOSED);
	ev.phase = 42;
	ev.reason = 77;
	ev.error = 4000;
	CHECK_DESCRIBES(&ev, "id 9 unknown -> CLOSED: unknown (error 4000), "
			"attempt 1");
	ev.error = -5;
	CHECK_DESCRIBES(&ev, "id 9 unknown -> CLOSED: unknown (error -5), "
			"attempt 1");
	return T_EXIT_PASS;
}

/* Every field at its longest, every error value: SOCKOBJ_EVENT_STRLEN. */
static int test_bound(void)
{
	static const unsigned int states[] = {
		SOCKOBJ_STATE_CLOSED, SOCKOBJ_STATE_RETRY_WAIT,
	};
	char buf[SOCKOBJ_EVENT_STRLEN];
	struct sockobj_event ev;
	int e, n, longest = 0;
	unsigned int s;

	for (s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		for (e = -1; e <= SOCKOBJ_ERRNO_MAX; e++) {
			ev = state_ev(UINT_MAX, SOCKOBJ_STATE_PEER_CLOSING,
				      states[s]);
			ev.phase = SOCKOBJ_STATE_ESTABLISHED;
			ev.reason = SOCKOBJ_REASON_CONNECT_TIMEOUT;
			ev.error = e ? e : INT_MIN;
			ev.attempt = UINT_MAX;
			ev.retry_ms = UINT_MAX - 1;
			ev.merged = UINT_MAX;
			n = sockobj_event_describe(&ev, buf, sizeof(buf));
			if (n < 0)
				FAILED("error %d: %d (%s)", ev.error, n,
				       sockobj_strerror(n));
			CHECK_EQ(strlen(buf), n);
			if (n > longest)
				longest = n;
		}
	}
	/* sockobj.h promises under 200 bytes: room for a longer error text. */
	if (longest >= 200)
		FAILED("the longest line has %d bytes", longest);
	return T_EXIT_PASS;
}

static int test_short_buffer(void)
{
	struct sockobj_event ev = state_ev(1, SOCKOBJ_STATE_CLOSED,
					   SOCKOBJ_STATE_CONNECTING);
	const char *want = "id 1 CLOSED -> CONNECTING, attempt 1";
	size_t len = strlen(want);
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	CHECK_RET(sockobj_event_describe(&ev, buf, len), -ENOSPC);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(buf[len], 'x');	/* nothing written past len */
	CHECK_RET(sockobj_event_describe(&ev, buf, len + 1), (int)len);
	CHECK_STR(buf, want);
	CHECK_RET(sockobj_event_describe(&ev, NULL, 0), -ENOSPC);
	CHECK_RET(sockobj_event_describe(&ev, NULL, 8), -EINVAL);
	CHECK_RET(sockobj_event_describe(NULL, buf, sizeof(buf)), -EINVAL);
	return T_EXIT_PASS;
}

/* The records of a refused connect retried once, as the kernel wrote them. */
static int test_real_records(void)
{
	static const struct sockobj_retry once = {
		.max_attempts = 2,
		.delay_ms = 100,
		.max_delay_ms = 100,
		.factor_pct = 100,
	};
	const char *want[] = {
		"CLOSED -> CONNECTING, attempt 1",
		"CONNECTING -> RETRY_WAIT: REFUSED (Connection refused), "
			"attempt 1, next in 100 ms",
		"RETRY_WAIT -> CONNECTING, attempt 2",
		"CONNECTING -> CLOSED: REFUSED (Connection refused), "
			"attempt 2, no attempt left",
	};
	char buf[SOCKOBJ_EVENT_STRLEN], line[SOCKOBJ_EVENT_STRLEN];
	struct sockaddr_storage ss;
	struct sockobj_event ev;
	struct sockobj_ctx *ctx;
	unsigned int i;
	socklen_t len;
	int lfd, id;

	NEED_FEATURE(SOCKOBJ_FEAT_RETRY);
	/* A port nobody listens on: bind one, learn it, close it. */
	lfd = listener(AF_INET, &ss, &len, 0);
	CHECK(lfd >= 0);
	close(lfd);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_set_retry(ctx, id, &once));
	CHECK_OK(sockobj_connect(ctx, id));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_RET(next_event(ctx, &ev, WAIT_MS), 1);
		CHECK(sockobj_event_describe(&ev, buf, sizeof(buf)) > 0);
		snprintf(line, sizeof(line), "id %d %s", id, want[i]);
		if (strcmp(buf, line)) {
			print_event("record", &ev);
			FAILED("described as \"%s\", expected \"%s\"", buf,
			       line);
		}
	}
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("state_records", test_state_records);
	t_run("data_records", test_data_records);
	t_run("unknown", test_unknown);
	t_run("bound", test_bound);
	t_run("short_buffer", test_short_buffer);
	t_run("real_records", test_real_records);
	return t_exit();
}
