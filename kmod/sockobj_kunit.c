// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites over sockobj's pure logic: the state machine, the mapping
 * of errors to close reasons, the event ring and configuration validation.
 * The networking itself is proven by the selftests in a real VM.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <linux/sockobj.h>

#include "compat.h"
#include "config.h"
#include "data.h"
#include "event.h"
#include "file.h"
#include "fsm.h"
#include "object.h"
#include "retry.h"

/* --- the state machine ------------------------------------------------ */

struct legal {
	unsigned int from;
	enum sockobj_fsm_input in;
	unsigned int to;
};

static const struct legal legal[] = {
	{ SOCKOBJ_STATE_CLOSED, SOCKOBJ_IN_CONNECT, SOCKOBJ_STATE_CONNECTING },
	{ SOCKOBJ_STATE_CONNECTING, SOCKOBJ_IN_ESTABLISHED, SOCKOBJ_STATE_ESTABLISHED },
	{ SOCKOBJ_STATE_CONNECTING, SOCKOBJ_IN_CLOSED, SOCKOBJ_STATE_CLOSED },
	{ SOCKOBJ_STATE_ESTABLISHED, SOCKOBJ_IN_PEER_FIN, SOCKOBJ_STATE_PEER_CLOSING },
	{ SOCKOBJ_STATE_ESTABLISHED, SOCKOBJ_IN_DISCONNECT, SOCKOBJ_STATE_CLOSING },
	{ SOCKOBJ_STATE_ESTABLISHED, SOCKOBJ_IN_CLOSED, SOCKOBJ_STATE_CLOSED },
	{ SOCKOBJ_STATE_PEER_CLOSING, SOCKOBJ_IN_DISCONNECT, SOCKOBJ_STATE_CLOSING },
	{ SOCKOBJ_STATE_PEER_CLOSING, SOCKOBJ_IN_CLOSED, SOCKOBJ_STATE_CLOSED },
	{ SOCKOBJ_STATE_CLOSING, SOCKOBJ_IN_CLOSED, SOCKOBJ_STATE_CLOSED },
	{ SOCKOBJ_STATE_RETRY_WAIT, SOCKOBJ_IN_CONNECT, SOCKOBJ_STATE_CONNECTING },
	{ SOCKOBJ_STATE_RETRY_WAIT, SOCKOBJ_IN_DISCONNECT, SOCKOBJ_STATE_CLOSED },
	{ SOCKOBJ_STATE_CLOSED, SOCKOBJ_IN_LISTEN, SOCKOBJ_STATE_LISTENING },
	{ SOCKOBJ_STATE_LISTENING, SOCKOBJ_IN_INCOMING, SOCKOBJ_STATE_PASSIVE_OPENING },
	{ SOCKOBJ_STATE_LISTENING, SOCKOBJ_IN_DISCONNECT, SOCKOBJ_STATE_CLOSED },
	{ SOCKOBJ_STATE_PASSIVE_OPENING, SOCKOBJ_IN_ESTABLISHED, SOCKOBJ_STATE_ESTABLISHED },
	{ SOCKOBJ_STATE_PASSIVE_OPENING, SOCKOBJ_IN_CLOSED, SOCKOBJ_STATE_CLOSED },
};

static int expected_next(unsigned int from, enum sockobj_fsm_input in)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(legal); i++)
		if (legal[i].from == from && legal[i].in == in)
			return legal[i].to;
	return -EINVAL;
}

static void fsm_every_pair_matches_the_diagram(struct kunit *test)
{
	unsigned int s;
	int in;

	for (s = 0; s < SOCKOBJ_STATE_COUNT; s++)
		for (in = 0; in < SOCKOBJ_IN_COUNT; in++)
			KUNIT_EXPECT_EQ_MSG(test, sockobj_fsm_next(s, in),
					    expected_next(s, in),
					    "state %s input %d",
					    sockobj_fsm_state_name(s), in);
}

static void fsm_rejects_out_of_range(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sockobj_fsm_next(SOCKOBJ_STATE_COUNT,
					       SOCKOBJ_IN_CONNECT), -EINVAL);
	KUNIT_EXPECT_EQ(test, sockobj_fsm_next(SOCKOBJ_STATE_CLOSED,
					       SOCKOBJ_IN_COUNT), -EINVAL);
	KUNIT_EXPECT_EQ(test, sockobj_fsm_next(~0U, SOCKOBJ_IN_CLOSED), -EINVAL);
}

/* The user connects from CLOSED; only the retry policy from RETRY_WAIT. */
static void fsm_connect_only_from_closed(struct kunit *test)
{
	unsigned int s;

	for (s = 1; s < SOCKOBJ_STATE_COUNT; s++)
		if (s != SOCKOBJ_STATE_RETRY_WAIT)
			KUNIT_EXPECT_LT(test, sockobj_fsm_next(s, SOCKOBJ_IN_CONNECT), 0);
}

/* No socket of ours is open while the policy waits: callbacks are void. */
static void fsm_retry_wait_ignores_the_network(struct kunit *test)
{
	KUNIT_EXPECT_LT(test, sockobj_fsm_next(SOCKOBJ_STATE_RETRY_WAIT,
					       SOCKOBJ_IN_CLOSED), 0);
	KUNIT_EXPECT_LT(test, sockobj_fsm_next(SOCKOBJ_STATE_RETRY_WAIT,
					       SOCKOBJ_IN_ESTABLISHED), 0);
	KUNIT_EXPECT_LT(test, sockobj_fsm_next(SOCKOBJ_STATE_RETRY_WAIT,
					       SOCKOBJ_IN_PEER_FIN), 0);
	KUNIT_EXPECT_STREQ(test, sockobj_fsm_state_name(SOCKOBJ_STATE_RETRY_WAIT),
			   "RETRY_WAIT");
}

static void fsm_a_full_lifecycle_fits_the_transition_bound(struct kunit *test)
{
	static const enum sockobj_fsm_input path[] = {
		SOCKOBJ_IN_CONNECT, SOCKOBJ_IN_ESTABLISHED, SOCKOBJ_IN_PEER_FIN,
		SOCKOBJ_IN_DISCONNECT, SOCKOBJ_IN_CLOSED,
	};
	unsigned int s = SOCKOBJ_STATE_CLOSED;
	size_t i;
	int next;

	for (i = 0; i < ARRAY_SIZE(path); i++) {
		next = sockobj_fsm_next(s, path[i]);
		KUNIT_ASSERT_GE(test, next, 0);
		s = next;
	}
	KUNIT_EXPECT_EQ(test, s, SOCKOBJ_STATE_CLOSED);
	/* The longest path is the bound the uapi promises. */
	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(path), SOCKOBJ_TRANSITIONS_MAX);
}

/*
 * A passive attempt: its LISTENING record comes first, and from the
 * incoming connection on it takes no more records than an active one.
 */
static void fsm_a_passive_lifecycle_fits_the_transition_bound(struct kunit *test)
{
	static const enum sockobj_fsm_input path[] = {
		SOCKOBJ_IN_INCOMING, SOCKOBJ_IN_ESTABLISHED, SOCKOBJ_IN_PEER_FIN,
		SOCKOBJ_IN_DISCONNECT, SOCKOBJ_IN_CLOSED,
	};
	int s = sockobj_fsm_next(SOCKOBJ_STATE_CLOSED, SOCKOBJ_IN_LISTEN);
	size_t i;

	KUNIT_ASSERT_EQ(test, s, SOCKOBJ_STATE_LISTENING);
	for (i = 0; i < ARRAY_SIZE(path); i++) {
		s = sockobj_fsm_next(s, path[i]);
		KUNIT_ASSERT_GE(test, s, 0);
	}
	KUNIT_EXPECT_EQ(test, s, SOCKOBJ_STATE_CLOSED);
	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(path), SOCKOBJ_TRANSITIONS_MAX);
	/* Only the user listens, and only from CLOSED. */
	for (s = 1; s < SOCKOBJ_STATE_COUNT; s++)
		KUNIT_EXPECT_LT(test, sockobj_fsm_next(s, SOCKOBJ_IN_LISTEN), 0);
}

static void fsm_tcp_states_map_to_inputs(struct kunit *test)
{
	int st;

	KUNIT_EXPECT_EQ(test, sockobj_fsm_tcp_input(TCP_ESTABLISHED),
			SOCKOBJ_IN_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, sockobj_fsm_tcp_input(TCP_CLOSE_WAIT),
			SOCKOBJ_IN_PEER_FIN);
	KUNIT_EXPECT_EQ(test, sockobj_fsm_tcp_input(TCP_CLOSE), SOCKOBJ_IN_CLOSED);
	for (st = TCP_ESTABLISHED; st < TCP_MAX_STATES; st++) {
		if (st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT || st == TCP_CLOSE)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, sockobj_fsm_tcp_input(st), -EINVAL,
				    "tcp state %d", st);
	}
}

/* --- errno to close reason -------------------------------------------- */

struct reason_case {
	unsigned int phase;
	int err;
	bool peer_fin;
	unsigned int reason;
};

static const struct reason_case reasons[] = {
	{ SOCKOBJ_STATE_CONNECTING, ECONNREFUSED, false, SOCKOBJ_REASON_REFUSED },
	{ SOCKOBJ_STATE_ESTABLISHED, ECONNREFUSED, false, SOCKOBJ_REASON_RESET },
	{ SOCKOBJ_STATE_CONNECTING, ECONNRESET, false, SOCKOBJ_REASON_RESET },
	{ SOCKOBJ_STATE_ESTABLISHED, ECONNRESET, false, SOCKOBJ_REASON_RESET },
	{ SOCKOBJ_STATE_CLOSING, ECONNRESET, false, SOCKOBJ_REASON_RESET },
	{ SOCKOBJ_STATE_PEER_CLOSING, EPIPE, true, SOCKOBJ_REASON_RESET },
	{ SOCKOBJ_STATE_CONNECTING, ETIMEDOUT, false, SOCKOBJ_REASON_CONNECT_TIMEOUT },
	{ SOCKOBJ_STATE_ESTABLISHED, ETIMEDOUT, false, SOCKOBJ_REASON_RETRANS_TIMEOUT },
	{ SOCKOBJ_STATE_CLOSING, ETIMEDOUT, false, SOCKOBJ_REASON_RETRANS_TIMEOUT },
	{ SOCKOBJ_STATE_CONNECTING, EHOSTUNREACH, false, SOCKOBJ_REASON_HOST_UNREACH },
	{ SOCKOBJ_STATE_CONNECTING, EHOSTDOWN, false, SOCKOBJ_REASON_HOST_UNREACH },
	{ SOCKOBJ_STATE_CONNECTING, ENETUNREACH, false, SOCKOBJ_REASON_NET_UNREACH },
	{ SOCKOBJ_STATE_CONNECTING, ENETDOWN, false, SOCKOBJ_REASON_NET_UNREACH },
	{ SOCKOBJ_STATE_CONNECTING, EACCES, false, SOCKOBJ_REASON_ERROR },
	{ SOCKOBJ_STATE_CONNECTING, EPERM, false, SOCKOBJ_REASON_ERROR },
	{ SOCKOBJ_STATE_CONNECTING, 0, false, SOCKOBJ_REASON_ERROR },
	{ SOCKOBJ_STATE_PASSIVE_OPENING, ECONNRESET, false, SOCKOBJ_REASON_RESET },
	{ SOCKOBJ_STATE_PASSIVE_OPENING, 0, false, SOCKOBJ_REASON_ERROR },
	{ SOCKOBJ_STATE_CLOSING, 0, false, SOCKOBJ_REASON_LOCAL_CLOSED },
	{ SOCKOBJ_STATE_CLOSING, 0, true, SOCKOBJ_REASON_PEER_CLOSED },
	{ SOCKOBJ_STATE_PEER_CLOSING, 0, true, SOCKOBJ_REASON_PEER_CLOSED },
};

static void reason_from_errno_and_phase(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reasons); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    sockobj_fsm_close_reason(reasons[i].phase,
							     reasons[i].err,
							     reasons[i].peer_fin),
				    reasons[i].reason, "case %zu: phase %s errno %d",
				    i, sockobj_fsm_state_name(reasons[i].phase),
				    reasons[i].err);
}

static void reason_names_are_complete(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < SOCKOBJ_REASON_COUNT; i++)
		KUNIT_EXPECT_STRNEQ(test, sockobj_fsm_reason_name(i), "?");
	KUNIT_EXPECT_STREQ(test, sockobj_fsm_reason_name(SOCKOBJ_REASON_COUNT), "?");
	for (i = 0; i < SOCKOBJ_STATE_COUNT; i++)
		KUNIT_EXPECT_STRNEQ(test, sockobj_fsm_state_name(i), "?");
}

static struct kunit_case fsm_cases[] = {
	KUNIT_CASE(fsm_every_pair_matches_the_diagram),
	KUNIT_CASE(fsm_rejects_out_of_range),
	KUNIT_CASE(fsm_connect_only_from_closed),
	KUNIT_CASE(fsm_retry_wait_ignores_the_network),
	KUNIT_CASE(fsm_a_full_lifecycle_fits_the_transition_bound),
	KUNIT_CASE(fsm_a_passive_lifecycle_fits_the_transition_bound),
	KUNIT_CASE(fsm_tcp_states_map_to_inputs),
	KUNIT_CASE(reason_from_errno_and_phase),
	KUNIT_CASE(reason_names_are_complete),
	{}
};

static struct kunit_suite fsm_suite = {
	.name = "sockobj_fsm",
	.test_cases = fsm_cases,
};

/* --- the event ring --------------------------------------------------- */

static struct sockobj_record rec(u64 seq, u8 prev, u8 state)
{
	return (struct sockobj_record){
		.seq = seq, .time_ns = seq * 10, .prev_state = prev,
		.state = state, .merged = 1,
	};
}

static void ring_is_fifo(struct kunit *test)
{
	struct sockobj_ring *ring = kunit_kzalloc(test, sizeof(*ring), GFP_KERNEL);
	const struct sockobj_record *r;
	u64 i;

	KUNIT_ASSERT_NOT_NULL(test, ring);
	KUNIT_EXPECT_NULL(test, sockobj_event_ring_peek(ring));
	for (i = 1; i <= 3; i++) {
		struct sockobj_record n = rec(i, i - 1, i);

		KUNIT_EXPECT_FALSE(test, sockobj_event_ring_push(ring, &n));
	}
	KUNIT_EXPECT_EQ(test, sockobj_event_ring_space(ring),
			SOCKOBJ_OBJ_RECORDS - 3);
	for (i = 1; i <= 3; i++) {
		r = sockobj_event_ring_peek(ring);
		KUNIT_ASSERT_NOT_NULL(test, r);
		KUNIT_EXPECT_EQ(test, r->seq, i);
		KUNIT_EXPECT_EQ(test, r->merged, 1);
		sockobj_event_ring_pop(ring);
	}
	KUNIT_EXPECT_NULL(test, sockobj_event_ring_peek(ring));
}

static void ring_wraps_around(struct kunit *test)
{
	struct sockobj_ring *ring = kunit_kzalloc(test, sizeof(*ring), GFP_KERNEL);
	u64 seq = 0, next = 1;
	int round;

	KUNIT_ASSERT_NOT_NULL(test, ring);
	/* Push 5, pop 5, many times: indexes wrap, order never breaks. */
	for (round = 0; round < 10; round++) {
		int k;

		for (k = 0; k < SOCKOBJ_TRANSITIONS_MAX; k++) {
			struct sockobj_record n = rec(++seq, 0, 1);

			KUNIT_EXPECT_FALSE(test, sockobj_event_ring_push(ring, &n));
		}
		for (k = 0; k < SOCKOBJ_TRANSITIONS_MAX; k++) {
			const struct sockobj_record *r = sockobj_event_ring_peek(ring);

			KUNIT_ASSERT_NOT_NULL(test, r);
			KUNIT_EXPECT_EQ(test, r->seq, next++);
			sockobj_event_ring_pop(ring);
		}
	}
}

static void ring_merges_when_full_and_counts(struct kunit *test)
{
	struct sockobj_ring *ring = kunit_kzalloc(test, sizeof(*ring), GFP_KERNEL);
	const struct sockobj_record *r;
	u64 seq, merged_total = 0, read = 0;
	struct sockobj_record n;

	KUNIT_ASSERT_NOT_NULL(test, ring);
	for (seq = 1; seq <= SOCKOBJ_OBJ_RECORDS; seq++) {
		n = rec(seq, seq - 1, seq % SOCKOBJ_STATE_COUNT);
		KUNIT_EXPECT_FALSE(test, sockobj_event_ring_push(ring, &n));
	}
	KUNIT_EXPECT_EQ(test, sockobj_event_ring_space(ring), 0);
	/* Three more transitions fold into the newest record. */
	for (; seq <= SOCKOBJ_OBJ_RECORDS + 3; seq++) {
		n = rec(seq, 77, SOCKOBJ_STATE_CLOSED);
		n.reason = SOCKOBJ_REASON_RESET;
		n.error = ECONNRESET;
		KUNIT_EXPECT_TRUE(test, sockobj_event_ring_push(ring, &n));
	}
	while ((r = sockobj_event_ring_peek(ring))) {
		read++;
		merged_total += r->merged;
		if (read == SOCKOBJ_OBJ_RECORDS) {
			KUNIT_EXPECT_EQ(test, r->merged, 4);
			KUNIT_EXPECT_EQ(test, r->seq, (u64)SOCKOBJ_OBJ_RECORDS + 3);
			KUNIT_EXPECT_EQ(test, r->state, SOCKOBJ_STATE_CLOSED);
			KUNIT_EXPECT_EQ(test, r->reason, SOCKOBJ_REASON_RESET);
			KUNIT_EXPECT_EQ(test, r->error, ECONNRESET);
			/* prev_state stays that of the first merged transition */
			KUNIT_EXPECT_EQ(test, r->prev_state, SOCKOBJ_OBJ_RECORDS - 1);
		} else {
			KUNIT_EXPECT_EQ(test, r->merged, 1);
		}
		sockobj_event_ring_pop(ring);
	}
	KUNIT_EXPECT_EQ(test, read, (u64)SOCKOBJ_OBJ_RECORDS);
	/* Sum of merged == transitions == sequence numbers consumed. */
	KUNIT_EXPECT_EQ(test, merged_total, seq - 1);
}

static struct kunit_case event_cases[] = {
	KUNIT_CASE(ring_is_fifo),
	KUNIT_CASE(ring_wraps_around),
	KUNIT_CASE(ring_merges_when_full_and_counts),
	{}
};

static struct kunit_suite event_suite = {
	.name = "sockobj_event",
	.test_cases = event_cases,
};

/* --- configuration validation ----------------------------------------- */

static void v4(struct sockobj_addr *a, u8 a0, u8 a1, u8 a2, u8 a3, u16 port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->port = port;
	a->addr[0] = a0;
	a->addr[1] = a1;
	a->addr[2] = a2;
	a->addr[3] = a3;
}

static struct sockobj_config *cfg_req(struct kunit *test, u64 mask)
{
	struct sockobj_config *u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, u);
	u->id = 1;
	u->mask = mask;
	return u;
}

/* Apply a request that must fail with -EINVAL and leave @cfg unchanged. */
static void expect_rejected(struct kunit *test, struct sockobj_cfg *cfg,
			    const struct sockobj_config *u, const char *what)
{
	struct sockobj_cfg before = *cfg;

	KUNIT_EXPECT_EQ_MSG(test, sockobj_config_merge(cfg, u, SOCKOBJ_PROTO_TCP),
			    -EINVAL, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(&before, cfg, sizeof(before)), 0,
			    "%s changed the configuration", what);
}

static void config_accepts_a_valid_target(struct kunit *test)
{
	struct sockobj_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	struct sockobj_config *u = cfg_req(test, SOCKOBJ_CFG_TARGET);
	struct sockobj_config *out = cfg_req(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	v4(&u->target, 127, 0, 0, 1, 8080);
	KUNIT_ASSERT_EQ(test, sockobj_config_merge(cfg, u, SOCKOBJ_PROTO_TCP), 0);
	KUNIT_EXPECT_EQ(test, cfg->mask, SOCKOBJ_CFG_TARGET);
	KUNIT_EXPECT_EQ(test, cfg->target_len, (int)sizeof(struct sockaddr_in));
	sockobj_config_export(cfg, out);
	KUNIT_EXPECT_EQ(test, memcmp(&out->target, &u->target, sizeof(u->target)), 0);
}

static void config_rejects_bad_values_and_changes_nothing(struct kunit *test)
{
	struct sockobj_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	struct sockobj_config *u;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	u = cfg_req(test, SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_CONNECT_TIMEOUT);
	v4(&u->target, 10, 0, 0, 1, 80);
	u->connect_timeout_ms = 500;
	KUNIT_ASSERT_EQ(test, sockobj_config_merge(cfg, u, SOCKOBJ_PROTO_TCP), 0);

	u = cfg_req(test, SOCKOBJ_CFG_TARGET);
	v4(&u->target, 10, 0, 0, 2, 80);
	u->target.family = 99;
	expect_rejected(test, cfg, u, "unknown family");

	u = cfg_req(test, SOCKOBJ_CFG_TARGET);
	v4(&u->target, 10, 0, 0, 2, 80);
	u->target.addr[7] = 1;
	expect_rejected(test, cfg, u, "IPv4 with trailing bytes");

	u = cfg_req(test, SOCKOBJ_CFG_TARGET);
	v4(&u->target, 10, 0, 0, 2, 0);
	expect_rejected(test, cfg, u, "target port 0");

	u = cfg_req(test, SOCKOBJ_CFG_TARGET);
	v4(&u->target, 0, 0, 0, 0, 80);
	expect_rejected(test, cfg, u, "unspecified target");

	u = cfg_req(test, SOCKOBJ_CFG_TARGET);
	v4(&u->target, 10, 0, 0, 2, 80);
	u->target.scope_id = 3;
	expect_rejected(test, cfg, u, "IPv4 with a scope id");

	u = cfg_req(test, SOCKOBJ_CFG_TARGET);
	u->target.family = AF_INET6;
	u->target.port = 80;
	u->target.addr[0] = 0xfe;
	u->target.addr[1] = 0x80;
	u->target.addr[15] = 1;
	expect_rejected(test, cfg, u, "link-local without scope");

	u = cfg_req(test, SOCKOBJ_CFG_LOCAL);
	u->local.family = AF_INET6;
	u->local.addr[15] = 1;
	expect_rejected(test, cfg, u, "local family differs from target");

	u = cfg_req(test, SOCKOBJ_CFG_ALL + 1);
	expect_rejected(test, cfg, u, "unknown mask bit");

	u = cfg_req(test, 0);
	expect_rejected(test, cfg, u, "empty mask");

	u = cfg_req(test, SOCKOBJ_CFG_CONNECT_TIMEOUT);
	u->connect_timeout_ms = SOCKOBJ_CONNECT_TIMEOUT_MAX_MS + 1;
	expect_rejected(test, cfg, u, "timeout above the maximum");

	u = cfg_req(test, SOCKOBJ_CFG_CONNECT_TIMEOUT);
	u->connect_timeout_ms = 1;
	u->flags = 1;
	expect_rejected(test, cfg, u, "flags");

	u = cfg_req(test, SOCKOBJ_CFG_CONNECT_TIMEOUT);
	u->connect_timeout_ms = 1;
	u->reserved[0] = 1;
	expect_rejected(test, cfg, u, "reserved");

	u = cfg_req(test, SOCKOBJ_CFG_CONNECT_TIMEOUT);
	u->connect_timeout_ms = 1;
	v4(&u->target, 10, 0, 0, 3, 80);
	expect_rejected(test, cfg, u, "a value outside the mask");

	u = cfg_req(test, SOCKOBJ_CFG_IFACE);
	memset(u->ifname, 'a', sizeof(u->ifname));
	expect_rejected(test, cfg, u, "interface name without NUL");

	u = cfg_req(test, SOCKOBJ_CFG_IFACE);
	u->ifindex = 2;
	strscpy(u->ifname, "lo", sizeof(u->ifname));
	expect_rejected(test, cfg, u, "both ifindex and ifname");

	u = cfg_req(test, SOCKOBJ_CFG_IFACE);
	strscpy(u->ifname, "lo", sizeof(u->ifname));
	u->ifname[5] = 'x';
	expect_rejected(test, cfg, u, "bytes after the name's NUL");
}

static void config_unsets_with_zero(struct kunit *test)
{
	struct sockobj_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	struct sockobj_config *u;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	u = cfg_req(test, SOCKOBJ_CFG_LOCAL | SOCKOBJ_CFG_CONNECT_TIMEOUT |
			  SOCKOBJ_CFG_IFACE);
	v4(&u->local, 0, 0, 0, 0, 4000);
	u->connect_timeout_ms = 100;
	u->ifindex = 1;
	KUNIT_ASSERT_EQ(test, sockobj_config_merge(cfg, u, SOCKOBJ_PROTO_TCP), 0);
	KUNIT_EXPECT_EQ(test, cfg->mask, SOCKOBJ_CFG_LOCAL |
			SOCKOBJ_CFG_CONNECT_TIMEOUT | SOCKOBJ_CFG_IFACE);

	u = cfg_req(test, SOCKOBJ_CFG_LOCAL | SOCKOBJ_CFG_CONNECT_TIMEOUT |
			  SOCKOBJ_CFG_IFACE);
	KUNIT_ASSERT_EQ(test, sockobj_config_merge(cfg, u, SOCKOBJ_PROTO_TCP), 0);
	KUNIT_EXPECT_EQ(test, cfg->mask, 0);
	KUNIT_EXPECT_EQ(test, cfg->local_len, 0);
	KUNIT_EXPECT_EQ(test, cfg->ifindex, 0);
}

static void config_ipv6_link_local_with_scope(struct kunit *test)
{
	struct sockobj_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	struct sockobj_config *u = cfg_req(test, SOCKOBJ_CFG_TARGET);
	struct sockobj_addr back;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	u->target.family = AF_INET6;
	u->target.port = 443;
	u->target.scope_id = 2;
	u->target.addr[0] = 0xfe;
	u->target.addr[1] = 0x80;
	u->target.addr[15] = 1;
	KUNIT_ASSERT_EQ(test, sockobj_config_merge(cfg, u, SOCKOBJ_PROTO_TCP), 0);
	KUNIT_EXPECT_EQ(test, cfg->target_len, (int)sizeof(struct sockaddr_in6));
	sockobj_config_addr_from_sockaddr(&cfg->target, &back);
	KUNIT_EXPECT_EQ(test, memcmp(&back, &u->target, sizeof(back)), 0);
}

static struct kunit_case config_cases[] = {
	KUNIT_CASE(config_accepts_a_valid_target),
	KUNIT_CASE(config_rejects_bad_values_and_changes_nothing),
	KUNIT_CASE(config_unsets_with_zero),
	KUNIT_CASE(config_ipv6_link_local_with_scope),
	{}
};

static struct kunit_suite config_suite = {
	.name = "sockobj_config",
	.test_cases = config_cases,
};

/* --- options ----------------------------------------------------------- */

struct opt_case {
	const char *what;
	u64 mask;
	size_t offset;
	u32 value;
	u32 proto;
	int ret;
};

#define OC(w, m, f, v, p, r) { w, SOCKOBJ_CFG_##m, \
			       offsetof(struct sockobj_config, f), v, \
			       SOCKOBJ_PROTO_##p, r }

static const struct opt_case opt_cases[] = {
	OC("nodelay", NODELAY, nodelay, 1, TCP, 0),
	OC("nodelay 2", NODELAY, nodelay, 2, TCP, -EINVAL),
	OC("nodelay on UDP", NODELAY, nodelay, 1, UDP, -EINVAL),
	OC("keepalive", KEEPALIVE, keepalive, 1, TCP, 0),
	OC("keepidle max", KEEPALIVE, keepidle_s, SOCKOBJ_KEEPIDLE_MAX_S, TCP, 0),
	OC("keepidle over max", KEEPALIVE, keepidle_s,
	   SOCKOBJ_KEEPIDLE_MAX_S + 1, TCP, -EINVAL),
	OC("keepintvl over max", KEEPALIVE, keepintvl_s,
	   SOCKOBJ_KEEPINTVL_MAX_S + 1, TCP, -EINVAL),
	OC("keepcnt max", KEEPALIVE, keepcnt, SOCKOBJ_KEEPCNT_MAX, TCP, 0),
	OC("keepcnt 128", KEEPALIVE, keepcnt, SOCKOBJ_KEEPCNT_MAX + 1, TCP, -EINVAL),
	OC("tos 255", TOS, tos, 255, UDP, 0),
	OC("tos 256", TOS, tos, 256, TCP, -EINVAL),
	OC("priority", PRIORITY, priority, 7, TCP, 0),
	OC("sndbuf", SNDBUF, sndbuf, 65536, UDP, 0),
	OC("sndbuf huge", SNDBUF, sndbuf, 0x80000000U, TCP, -EINVAL),
	OC("rcvbuf", RCVBUF, rcvbuf, 4096, TCP, 0),
	OC("user timeout max", USER_TIMEOUT, user_timeout_ms,
	   SOCKOBJ_USER_TIMEOUT_MAX_MS, TCP, 0),
	OC("user timeout over max", USER_TIMEOUT, user_timeout_ms,
	   SOCKOBJ_USER_TIMEOUT_MAX_MS + 1, TCP, -EINVAL),
	OC("user timeout on UDP", USER_TIMEOUT, user_timeout_ms, 100, UDP, -EINVAL),
	OC("inactivity max", INACTIVITY, inactivity_s, SOCKOBJ_INACTIVITY_MAX_S, UDP, 0),
	OC("inactivity over max", INACTIVITY, inactivity_s,
	   SOCKOBJ_INACTIVITY_MAX_S + 1, TCP, -EINVAL),
	OC("sent threshold", SENT_THRESHOLD, sent_threshold, 1, TCP, 0),
	OC("sent threshold on UDP", SENT_THRESHOLD, sent_threshold, 1, UDP, -EINVAL),
	OC("broadcast", BROADCAST, broadcast, 1, UDP, 0),
	OC("broadcast on TCP", BROADCAST, broadcast, 1, TCP, -EINVAL),
	OC("recv_any", RECV_ANY, recv_any, 1, UDP, 0),
	OC("recv_any on TCP", RECV_ANY, recv_any, 1, TCP, -EINVAL),
	OC("value outside the mask", NODELAY, keepcnt, 3, TCP, -EINVAL),
};

static void options_validated_by_range_and_protocol(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opt_cases); i++) {
		const struct opt_case *c = &opt_cases[i];
		struct sockobj_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
		struct sockobj_config *u = cfg_req(test, c->mask);
		struct sockobj_cfg before;

		KUNIT_ASSERT_NOT_NULL(test, cfg);
		*(u32 *)((u8 *)u + c->offset) = c->value;
		before = *cfg;
		KUNIT_EXPECT_EQ_MSG(test, sockobj_config_merge(cfg, u, c->proto),
				    c->ret, "%s", c->what);
		if (c->ret) {
			KUNIT_EXPECT_EQ_MSG(test, memcmp(&before, cfg, sizeof(before)), 0,
					    "%s changed the configuration", c->what);
		} else {
			struct sockobj_config *out = cfg_req(test, 0);

			KUNIT_EXPECT_EQ_MSG(test, cfg->mask, c->mask, "%s", c->what);
			sockobj_config_export(cfg, out);
			KUNIT_EXPECT_EQ_MSG(test, *(u32 *)((u8 *)out + c->offset),
					    c->value, "%s round trip", c->what);
		}
	}
}

static void options_zero_unsets_and_keepalive_shares_its_bit(struct kunit *test)
{
	struct sockobj_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	struct sockobj_config *u = cfg_req(test, SOCKOBJ_CFG_KEEPALIVE | SOCKOBJ_CFG_TOS);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	u->keepidle_s = 5;
	u->tos = 0x10;
	KUNIT_ASSERT_EQ(test, sockobj_config_merge(cfg, u, SOCKOBJ_PROTO_TCP), 0);
	KUNIT_EXPECT_EQ(test, cfg->mask, SOCKOBJ_CFG_KEEPALIVE | SOCKOBJ_CFG_TOS);

	u = cfg_req(test, SOCKOBJ_CFG_KEEPALIVE);
	KUNIT_ASSERT_EQ(test, sockobj_config_merge(cfg, u, SOCKOBJ_PROTO_TCP), 0);
	KUNIT_EXPECT_EQ(test, cfg->mask, SOCKOBJ_CFG_TOS);
	KUNIT_EXPECT_EQ(test, cfg->opt.keepidle_s, 0);
	KUNIT_EXPECT_EQ(test, cfg->opt.tos, 0x10);
}

static struct kunit_case options_cases[] = {
	KUNIT_CASE(options_validated_by_range_and_protocol),
	KUNIT_CASE(options_zero_unsets_and_keepalive_shares_its_bit),
	{}
};

static struct kunit_suite options_suite = {
	.name = "sockobj_options",
	.test_cases = options_cases,
};

/* --- the file's event queue, over real files and objects -------------- */

struct queue_fixture {
	struct sockobj_file *file;
};

static int queue_init(struct kunit *test)
{
	struct queue_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->file = sockobj_file_create();
	if (IS_ERR(f->file))
		return PTR_ERR(f->file);
	test->priv = f;
	return 0;
}

static void queue_exit(struct kunit *test)
{
	struct queue_fixture *f = test->priv;

	sockobj_file_release(f->file);
}

static struct sockobj_obj *new_obj(struct kunit *test, u64 cookie)
{
	struct queue_fixture *f = test->priv;
	struct sockobj_obj *obj;
	u32 id;

	KUNIT_ASSERT_EQ(test, sockobj_object_create(f->file, SOCKOBJ_PROTO_TCP,
						    cookie, &id), 0);
	obj = sockobj_object_lookup(f->file, id);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	sockobj_object_put(obj);	/* the file's table keeps it alive */
	return obj;
}

static void post_state(struct sockobj_obj *obj, u8 state)
{
	struct sockobj_record r = { .state = state, .prev_state = obj->state,
				    .merged = 1 };

	spin_lock_bh(&obj->file->lock);
	sockobj_event_stamp(obj, &r);
	obj->state = state;
	sockobj_event_post(obj, &r);
	spin_unlock_bh(&obj->file->lock);
}

static void post_data(struct sockobj_obj *obj, unsigned int type, int err)
{
	spin_lock_bh(&obj->file->lock);
	sockobj_event_post_data(obj, type, err);
	spin_unlock_bh(&obj->file->lock);
}

/* Read the next record, as read() does; false when none is pending. */
static bool next_event(struct kunit *test, struct sockobj_event *ev)
{
	struct queue_fixture *f = test->priv;
	struct sockobj_obj *obj;

	if (sockobj_event_peek(f->file, ev, &obj))
		return false;
	sockobj_event_commit(f->file, obj, ev);
	return true;
}

static void queue_orders_state_and_data_records_by_seq(struct kunit *test)
{
	struct sockobj_obj *obj = new_obj(test, 42);
	static const struct { u32 type; u32 state; } want[] = {
		{ SOCKOBJ_EV_STATE, SOCKOBJ_STATE_CONNECTING },
		{ SOCKOBJ_EV_STATE, SOCKOBJ_STATE_ESTABLISHED },
		{ SOCKOBJ_EV_READABLE, SOCKOBJ_STATE_ESTABLISHED },
		{ SOCKOBJ_EV_STATE, SOCKOBJ_STATE_PEER_CLOSING },
		{ SOCKOBJ_EV_WRITABLE, SOCKOBJ_STATE_PEER_CLOSING },
		{ SOCKOBJ_EV_STATE, SOCKOBJ_STATE_CLOSING },
	};
	struct sockobj_event ev;
	u64 last = 0;
	size_t i;

	post_state(obj, SOCKOBJ_STATE_CONNECTING);
	post_state(obj, SOCKOBJ_STATE_ESTABLISHED);
	post_data(obj, SOCKOBJ_EV_READABLE, 0);
	post_state(obj, SOCKOBJ_STATE_PEER_CLOSING);
	post_data(obj, SOCKOBJ_EV_WRITABLE, 0);
	post_state(obj, SOCKOBJ_STATE_CLOSING);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		KUNIT_ASSERT_TRUE(test, next_event(test, &ev));
		KUNIT_EXPECT_EQ_MSG(test, ev.type, want[i].type, "record %zu", i);
		KUNIT_EXPECT_EQ_MSG(test, ev.state, want[i].state, "record %zu", i);
		KUNIT_EXPECT_EQ(test, ev.cookie, 42);
		KUNIT_EXPECT_EQ(test, ev.merged, 1);
		KUNIT_EXPECT_EQ(test, ev.seq, last + 1);
		last = ev.seq;
	}
	KUNIT_EXPECT_FALSE(test, next_event(test, &ev));
}

static void queue_coalesces_data_events_and_keeps_their_place(struct kunit *test)
{
	struct sockobj_obj *obj = new_obj(test, 1);
	struct sockobj_event ev;

	post_data(obj, SOCKOBJ_EV_ERROR, ECONNREFUSED);
	post_state(obj, SOCKOBJ_STATE_CONNECTING);
	post_data(obj, SOCKOBJ_EV_ERROR, EHOSTUNREACH);
	post_data(obj, SOCKOBJ_EV_ERROR, ECONNREFUSED);

	KUNIT_ASSERT_TRUE(test, next_event(test, &ev));
	KUNIT_EXPECT_EQ(test, ev.type, SOCKOBJ_EV_ERROR);
	KUNIT_EXPECT_EQ(test, ev.merged, 3);
	KUNIT_EXPECT_EQ(test, ev.seq, 1);
	KUNIT_EXPECT_EQ(test, ev.error, ECONNREFUSED);	/* the latest */
	KUNIT_ASSERT_TRUE(test, next_event(test, &ev));
	KUNIT_EXPECT_EQ(test, ev.type, SOCKOBJ_EV_STATE);
	KUNIT_EXPECT_EQ(test, ev.seq, 2);
	/* Consumed: a new signal makes a new record with a new seq. */
	post_data(obj, SOCKOBJ_EV_ERROR, EHOSTUNREACH);
	KUNIT_ASSERT_TRUE(test, next_event(test, &ev));
	KUNIT_EXPECT_EQ(test, ev.merged, 1);
	KUNIT_EXPECT_EQ(test, ev.seq, 3);
	KUNIT_EXPECT_FALSE(test, next_event(test, &ev));
}

static void queue_keeps_each_objects_order_across_objects(struct kunit *test)
{
	struct sockobj_obj *a = new_obj(test, 1), *b = new_obj(test, 2);
	u64 last[3] = {};
	unsigned int n[3] = {}, total = 0;
	struct sockobj_event ev;

	post_state(a, SOCKOBJ_STATE_CONNECTING);
	post_state(b, SOCKOBJ_STATE_CONNECTING);
	post_state(a, SOCKOBJ_STATE_ESTABLISHED);
	post_state(b, SOCKOBJ_STATE_CLOSED);
	post_state(a, SOCKOBJ_STATE_CLOSING);
	while (next_event(test, &ev)) {
		KUNIT_ASSERT_LT(test, ev.cookie, 3);
		KUNIT_EXPECT_GT(test, ev.seq, last[ev.cookie]);
		last[ev.cookie] = ev.seq;
		n[ev.cookie]++;
		total++;
	}
	KUNIT_EXPECT_EQ(test, n[1], 3);
	KUNIT_EXPECT_EQ(test, n[2], 2);
	KUNIT_EXPECT_EQ(test, total, 5);
}

/*
 * A socket callback may run after DESTROY discarded an object's records and
 * before the callbacks are restored; it holds a reference (sk_user_data).
 * Its records must not reach the ready list: the object is freed at the
 * callback's put, and a linked freed object was read back by read().
 */
static void queue_ignores_records_of_a_destroyed_object(struct kunit *test)
{
	struct queue_fixture *f = test->priv;
	struct sockobj_obj *obj = new_obj(test, 7);
	struct sockobj_event ev;

	post_state(obj, SOCKOBJ_STATE_CONNECTING);
	post_data(obj, SOCKOBJ_EV_READABLE, 0);
	sockobj_object_get(obj);		/* the late callback's reference */
	KUNIT_ASSERT_EQ(test, sockobj_object_remove(f->file, obj->id, 0), 0);
	post_state(obj, SOCKOBJ_STATE_CLOSED);
	post_data(obj, SOCKOBJ_EV_WRITABLE, 0);
	post_data(obj, SOCKOBJ_EV_ERROR, ECONNRESET);
	KUNIT_EXPECT_EQ(test, obj->ring.count, 0);
	KUNIT_EXPECT_EQ(test, obj->data.pending, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&obj->ready_node));
	KUNIT_EXPECT_FALSE(test, next_event(test, &ev));
	sockobj_object_put(obj);		/* the last one: freed here */
	KUNIT_EXPECT_FALSE(test, next_event(test, &ev));
}

/*
 * A RECV that finds the connection broken by a RST (the socket's error set,
 * nothing left to read) says ENOTCONN, as documented, not the socket's
 * ECONNRESET: the state change that came with the RST reports why.
 */
static void recv_of_a_broken_connection_is_enotconn(struct kunit *test)
{
	struct queue_fixture *f = test->priv;
	struct sockobj_obj *obj = new_obj(test, 9);
	struct sockobj_io_result res = {};
	struct socket *sock;
	struct iov_iter iter;
	struct kvec kv;
	char buf[16];

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, AF_INET, SOCK_STREAM,
					       IPPROTO_TCP, &sock), 0);
	post_state(obj, SOCKOBJ_STATE_CONNECTING);
	post_state(obj, SOCKOBJ_STATE_ESTABLISHED);
	mutex_lock(&obj->lock);
	spin_lock_bh(&f->file->lock);
	obj->sock = sock;	/* not attached: no callback of ours runs */
	spin_unlock_bh(&f->file->lock);
	mutex_unlock(&obj->lock);
	WRITE_ONCE(sock->sk->sk_err, ECONNRESET);
	kv.iov_base = buf;
	kv.iov_len = sizeof(buf);
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, sizeof(buf));
	KUNIT_EXPECT_EQ(test, sockobj_data_recv(obj, &iter, false, &res),
			-ENOTCONN);
	KUNIT_EXPECT_EQ(test, res.done, 0);
	KUNIT_EXPECT_EQ(test, sockobj_object_remove(f->file, obj->id,
						    SOCKOBJ_DESTROY_ABORT), 0);
}

/*
 * CREATE reserves the id, tells it to the caller, and only then makes the
 * object findable. A CREATE that cannot tell the id (EFAULT) discards its
 * object unseen. When the object was findable first and removed by id
 * afterwards, a DESTROY of the guessed id by another thread followed by a
 * create reusing it made that removal destroy the third object.
 */
static void create_is_unseen_until_published(struct kunit *test)
{
	struct queue_fixture *f = test->priv;
	struct sockobj_obj *a, *b;
	u32 id_a, id_b, id_c;

	a = sockobj_object_alloc(f->file, SOCKOBJ_PROTO_TCP, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	id_a = a->id;
	KUNIT_EXPECT_NULL(test, sockobj_object_lookup(f->file, id_a));
	KUNIT_EXPECT_EQ(test, sockobj_object_remove(f->file, id_a, 0), -ENOENT);
	KUNIT_ASSERT_EQ(test, sockobj_object_create(f->file, SOCKOBJ_PROTO_UDP,
						    2, &id_b), 0);
	KUNIT_EXPECT_NE(test, id_b, id_a);
	sockobj_object_discard(a);
	KUNIT_EXPECT_NULL(test, sockobj_object_lookup(f->file, id_a));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->file->nobjects), 1);
	/* the id is free again, and the other object untouched */
	KUNIT_ASSERT_EQ(test, sockobj_object_create(f->file, SOCKOBJ_PROTO_TCP,
						    3, &id_c), 0);
	KUNIT_EXPECT_EQ(test, id_c, id_a);
	b = sockobj_object_lookup(f->file, id_b);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, b->cookie, 2);
	sockobj_object_put(b);
}

/*
 * A UDP socket nobody reads can take ICMP errors without end: the count of
 * one pending ERROR record must not wrap (it was 16 bits: 70,000 signals
 * read as 4464).
 */
static void queue_data_merged_count_does_not_wrap(struct kunit *test)
{
	struct sockobj_obj *obj = new_obj(test, 11);
	struct sockobj_event ev;
	int i;

	for (i = 0; i < 70000; i++)
		post_data(obj, SOCKOBJ_EV_ERROR, i < 69999 ? ECONNREFUSED :
			  EHOSTUNREACH);
	KUNIT_ASSERT_TRUE(test, next_event(test, &ev));
	KUNIT_EXPECT_EQ(test, ev.type, SOCKOBJ_EV_ERROR);
	KUNIT_EXPECT_EQ(test, ev.merged, 70000);
	KUNIT_EXPECT_EQ(test, ev.error, EHOSTUNREACH);
	KUNIT_EXPECT_FALSE(test, next_event(test, &ev));
}

/*
 * A data event signalled again while a reader copies the pending one out
 * (between peek and commit) is not lost with it: the rest comes as a new
 * record, with a later seq and the newer errno.
 */
static void queue_data_signalled_during_a_read_is_kept(struct kunit *test)
{
	struct queue_fixture *f = test->priv;
	struct sockobj_obj *obj = new_obj(test, 12), *o;
	struct sockobj_event ev, ev2;

	post_data(obj, SOCKOBJ_EV_ERROR, ECONNREFUSED);
	post_data(obj, SOCKOBJ_EV_ERROR, ECONNREFUSED);
	KUNIT_ASSERT_EQ(test, sockobj_event_peek(f->file, &ev, &o), 0);
	KUNIT_EXPECT_EQ(test, ev.merged, 2);
	post_data(obj, SOCKOBJ_EV_ERROR, EHOSTUNREACH);	/* during the copy */
	sockobj_event_commit(f->file, o, &ev);
	KUNIT_ASSERT_TRUE(test, next_event(test, &ev2));
	KUNIT_EXPECT_EQ(test, ev2.type, SOCKOBJ_EV_ERROR);
	KUNIT_EXPECT_EQ(test, ev2.merged, 1);
	KUNIT_EXPECT_EQ(test, ev2.error, EHOSTUNREACH);
	KUNIT_EXPECT_GT(test, ev2.seq, ev.seq);
	KUNIT_EXPECT_FALSE(test, next_event(test, &ev2));
	/* without a signal in between, the commit removes it */
	post_data(obj, SOCKOBJ_EV_READABLE, 0);
	KUNIT_ASSERT_TRUE(test, next_event(test, &ev));
	KUNIT_EXPECT_FALSE(test, next_event(test, &ev));
}

static struct kunit_case queue_cases[] = {
	KUNIT_CASE(create_is_unseen_until_published),
	KUNIT_CASE(queue_data_merged_count_does_not_wrap),
	KUNIT_CASE(queue_data_signalled_during_a_read_is_kept),
	KUNIT_CASE(queue_orders_state_and_data_records_by_seq),
	KUNIT_CASE(queue_coalesces_data_events_and_keeps_their_place),
	KUNIT_CASE(queue_keeps_each_objects_order_across_objects),
	KUNIT_CASE(queue_ignores_records_of_a_destroyed_object),
	KUNIT_CASE(recv_of_a_broken_connection_is_enotconn),
	{}
};

static struct kunit_suite queue_suite = {
	.name = "sockobj_queue",
	.init = queue_init,
	.exit = queue_exit,
	.test_cases = queue_cases,
};

/* --- the retry policy -------------------------------------------------- */

static const struct sockobj_retry good_retry = {
	.max_attempts = 5,
	.delay_ms = 100,
	.max_delay_ms = 1000,
	.factor_pct = 200,
	.jitter = SOCKOBJ_JITTER_NONE,
};

static void retry_parse_fills_the_default_reasons(struct kunit *test)
{
	struct sockobj_retry_policy p;

	KUNIT_ASSERT_EQ(test, sockobj_retry_parse(&good_retry, &p), 0);
	KUNIT_EXPECT_EQ(test, p.reasons, SOCKOBJ_RETRY_REASONS_DEFAULT);
	KUNIT_EXPECT_EQ(test, p.max_attempts, 5U);
	KUNIT_EXPECT_EQ(test, p.delay_ms, 100U);
}

#define GOOD_RETRY .max_attempts = 5, .delay_ms = 100, .max_delay_ms = 1000, \
		   .factor_pct = 200

static const struct sockobj_retry bad_retries[] = {
	{ GOOD_RETRY, .flags = 1U << 7 },
	{ GOOD_RETRY, .delay_ms = 0 },
	{ GOOD_RETRY, .delay_ms = SOCKOBJ_RETRY_DELAY_MAX_MS + 1,
	  .max_delay_ms = SOCKOBJ_RETRY_DELAY_MAX_MS + 1 },
	{ GOOD_RETRY, .max_delay_ms = 99 },
	{ GOOD_RETRY, .max_delay_ms = SOCKOBJ_RETRY_DELAY_MAX_MS + 1 },
	{ GOOD_RETRY, .factor_pct = 99 },
	{ GOOD_RETRY, .factor_pct = 1001 },
	{ GOOD_RETRY, .jitter = SOCKOBJ_JITTER_EQUAL + 1 },
	{ GOOD_RETRY, .reasons = 1ULL << SOCKOBJ_REASON_ABORTED },
	{ GOOD_RETRY, .reasons = 1ULL << SOCKOBJ_REASON_CANCELLED },
	/* no policy, yet other fields set */
	{ GOOD_RETRY, .max_attempts = 0 },
};

static void retry_parse_rejects_bad_values_and_changes_nothing(struct kunit *test)
{
	struct sockobj_retry_policy p = { .max_attempts = 42 };
	struct sockobj_retry none = {};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_retries); i++) {
		KUNIT_EXPECT_EQ_MSG(test, sockobj_retry_parse(&bad_retries[i], &p),
				    -EINVAL, "case %zu", i);
		KUNIT_EXPECT_EQ(test, p.max_attempts, 42U);
	}
	KUNIT_EXPECT_EQ(test, sockobj_retry_parse(&none, &p), 0);
	KUNIT_EXPECT_EQ(test, p.max_attempts, 0U);
}

static void retry_wanted_by_reason_and_phase(struct kunit *test)
{
	struct sockobj_retry_policy p;
	struct sockobj_retry u = good_retry;

	KUNIT_ASSERT_EQ(test, sockobj_retry_parse(&u, &p), 0);
	KUNIT_EXPECT_TRUE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_CONNECTING,
						     SOCKOBJ_REASON_REFUSED));
	KUNIT_EXPECT_TRUE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_CONNECTING,
						     SOCKOBJ_REASON_NET_UNREACH));
	KUNIT_EXPECT_FALSE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_CONNECTING,
						      SOCKOBJ_REASON_ERROR));
	KUNIT_EXPECT_FALSE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_CONNECTING,
						      SOCKOBJ_REASON_CANCELLED));
	/* A lost connection needs SOCKOBJ_RETRY_LOST. */
	KUNIT_EXPECT_FALSE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_ESTABLISHED,
						      SOCKOBJ_REASON_RESET));
	u.flags = SOCKOBJ_RETRY_LOST;
	KUNIT_ASSERT_EQ(test, sockobj_retry_parse(&u, &p), 0);
	KUNIT_EXPECT_TRUE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_ESTABLISHED,
						     SOCKOBJ_REASON_RESET));
	KUNIT_EXPECT_TRUE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_PEER_CLOSING,
						     SOCKOBJ_REASON_RESET));
	/* What the application asked for is never retried. */
	KUNIT_EXPECT_FALSE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_CLOSING,
						      SOCKOBJ_REASON_RESET));
	KUNIT_EXPECT_FALSE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_ESTABLISHED,
						      SOCKOBJ_REASON_ABORTED));
	KUNIT_EXPECT_FALSE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_RETRY_WAIT,
						      SOCKOBJ_REASON_CANCELLED));
	p.max_attempts = 0;
	KUNIT_EXPECT_FALSE(test, sockobj_retry_wanted(&p, SOCKOBJ_STATE_CONNECTING,
						      SOCKOBJ_REASON_REFUSED));
}

static void retry_backoff_grows_to_its_cap(struct kunit *test)
{
	static const u32 want[] = { 100, 200, 400, 800, 1000, 1000 };
	struct sockobj_retry_policy p;
	u32 b;
	size_t i;

	KUNIT_ASSERT_EQ(test, sockobj_retry_parse(&good_retry, &p), 0);
	b = p.delay_ms;
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		KUNIT_EXPECT_EQ(test, sockobj_retry_wait_ms(&p, b, 0x12345678), want[i]);
		b = sockobj_retry_next_backoff(&p, b);
	}
	/* A small backoff still grows with a small factor (rounded up). */
	p.factor_pct = 110;
	KUNIT_EXPECT_EQ(test, sockobj_retry_next_backoff(&p, 1), 2U);
	p.factor_pct = 100;
	KUNIT_EXPECT_EQ(test, sockobj_retry_next_backoff(&p, 7), 7U);
	/* No overflow at the largest values. */
	p.factor_pct = 1000;
	p.max_delay_ms = SOCKOBJ_RETRY_DELAY_MAX_MS;
	KUNIT_EXPECT_EQ(test, sockobj_retry_next_backoff(&p, SOCKOBJ_RETRY_DELAY_MAX_MS),
			SOCKOBJ_RETRY_DELAY_MAX_MS);
}

static void retry_jitter_stays_in_its_range(struct kunit *test)
{
	static const u32 rnd[] = { 0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
	struct sockobj_retry_policy p;
	u32 w, lo_full = ~0U, hi_full = 0;
	size_t i;

	KUNIT_ASSERT_EQ(test, sockobj_retry_parse(&good_retry, &p), 0);
	for (i = 0; i < ARRAY_SIZE(rnd); i++) {
		p.jitter = SOCKOBJ_JITTER_FULL;
		w = sockobj_retry_wait_ms(&p, 1000, rnd[i]);
		KUNIT_EXPECT_LE(test, w, 1000U);
		lo_full = min(lo_full, w);
		hi_full = max(hi_full, w);
		p.jitter = SOCKOBJ_JITTER_EQUAL;
		w = sockobj_retry_wait_ms(&p, 1001, rnd[i]);
		KUNIT_EXPECT_GE(test, w, 501U);
		KUNIT_EXPECT_LE(test, w, 1001U);
	}
	/* The whole range is reachable: both ends. */
	KUNIT_EXPECT_EQ(test, lo_full, 0U);
	KUNIT_EXPECT_EQ(test, hi_full, 1000U);
}

static struct kunit_case retry_cases[] = {
	KUNIT_CASE(retry_parse_fills_the_default_reasons),
	KUNIT_CASE(retry_parse_rejects_bad_values_and_changes_nothing),
	KUNIT_CASE(retry_wanted_by_reason_and_phase),
	KUNIT_CASE(retry_backoff_grows_to_its_cap),
	KUNIT_CASE(retry_jitter_stays_in_its_range),
	{}
};

static struct kunit_suite retry_suite = {
	.name = "sockobj_retry",
	.test_cases = retry_cases,
};

kunit_test_suites(&fsm_suite, &event_suite, &config_suite, &options_suite,
		  &queue_suite, &retry_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for sockobj");
SOCKOBJ_IMPORT_KUNIT_NS();
