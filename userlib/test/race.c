// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: sockobj_connect_race(), Happy Eyeballs v2
 * over given addresses. IPv6 is tried first; with its SYNs dropped (a
 * listener whose accept queue is full drops them) the IPv4 attempt
 * starts after the delay and wins within 300 ms, the IPv6 one reported
 * CANCELLED; a refused attempt starts the next at once; when all fail,
 * each reason is reported; other objects' records are kept; bad
 * arguments change nothing.
 *
 * All but the first need /dev/sockobj and skip without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static int64_t ms_of(uint64_t ns)
{
	return (int64_t)(ns / 1000000);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int addr_of(struct sockobj_addr *a, const struct sockaddr_storage *ss,
		   socklen_t len)
{
	return sockobj_addr_from_sockaddr(a, (const struct sockaddr *)ss, len);
}

/*
 * An IPv6 loopback port whose SYNs are dropped: a listener with a backlog
 * of 0 whose one queue slot is taken by a connection nobody accepts.
 * Returns the listener; *cfd is the connection that fills it.
 */
static int blackhole6(struct sockobj_addr *a, int *cfd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd;

	lfd = listener(AF_INET6, &ss, &len, 0);
	if (lfd < 0 || listen(lfd, 0) < 0)
		return -1;
	*cfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*cfd < 0 || connect(*cfd, (struct sockaddr *)&ss, len) < 0)
		return -1;
	usleep(50000);	/* the handshake lands in the accept queue */
	if (addr_of(a, &ss, len) < 0)
		return -1;
	return lfd;
}

/* The interleaving needs no module: bad arguments are refused first. */
static int test_bad_args(void)
{
	struct sockobj_addr a[2];
	struct sockobj_event out[2];

	memset(a, 0, sizeof(a));
	CHECK_RET(sockobj_connect_race(NULL, NULL, 1, NULL, 0, 0, 100, out),
		  -EINVAL);
	CHECK_RET(sockobj_connect_race(NULL, a, 0, NULL, 0, 0, 100, out),
		  -EINVAL);
	CHECK_RET(sockobj_connect_race(NULL, a, SOCKOBJ_RACE_MAX + 1, NULL,
				       0, 0, 100, out), -EINVAL);
	CHECK_RET(sockobj_connect_race(NULL, a, 1, NULL, 0, 0, 100, NULL),
		  -EINVAL);
	/* Family 0: not an address to connect to. */
	CHECK_RET(sockobj_connect_race(NULL, a, 1, NULL, 0, 0, 100, out),
		  -EINVAL);
	CHECK_OK(sockobj_addr_parse(&a[0], "127.0.0.1:1"));
	CHECK_RET(sockobj_connect_race(NULL, a, 1, NULL, 0,
				       SOCKOBJ_RACE_DELAY_MIN_MS - 1, 100, out),
		  -EINVAL);
	CHECK_RET(sockobj_connect_race(NULL, a, 1, NULL, 0,
				       SOCKOBJ_RACE_DELAY_MAX_MS + 1, 100, out),
		  -EINVAL);
	return T_EXIT_PASS;
}

/*
 * The proof: IPv6 blackholed, IPv4 answering, given IPv4 first:
 * IPv6 is still tried first, IPv4 250 ms later, connected within 300 ms;
 * the IPv6 attempt is cancelled and reported so.
 */
static int test_v6_blackholed(void)
{
	struct sockaddr_storage ss;
	struct sockobj_addr addrs[2];
	struct sockobj_event out[2];
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	int lfd4, lfd6, cfd6, id;
	int64_t t0, took, started, handshake, cost;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd4 = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd4 >= 0);
	CHECK_OK(addr_of(&addrs[0], &ss, len));
	lfd6 = blackhole6(&addrs[1], &cfd6);
	if (lfd6 < 0)
		return skip("no IPv6 loopback: %s", strerror(errno));
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));

	/*
	 * What starting one attempt costs on this kernel (a debug kernel's
	 * is tens of ms): the IPv4 attempt is due 250 ms after the IPv6 one
	 * has started, i.e. that long after the call began.
	 */
	t0 = now_ms();
	CHECK_RET(sockobj_connect_many(ctx, SOCKOBJ_PROTO_TCP, &addrs[0], 1,
				       NULL, NULL, &id), 1);
	cost = now_ms() - t0;
	CHECK_OK(sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT));

	t0 = now_ms();
	id = sockobj_connect_race(ctx, addrs, 2, NULL, 0x4e, 0, WAIT_MS, out);
	took = now_ms() - t0;
	print_event("v4", &out[0]);
	print_event("v6", &out[1]);
	CHECK(id > 0);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	started = ms_of(info.connect_ns) - t0;
	handshake = ms_of(info.established_ns - info.connect_ns);
	printf("    connected in %lld ms: IPv4 started at %lld ms, its "
	       "handshake took %lld ms; starting an attempt takes %lld ms\n",
	       (long long)took, (long long)started, (long long)handshake,
	       (long long)cost);
	CHECK(started >= SOCKOBJ_RACE_DELAY_MS - 5 &&
	      started < SOCKOBJ_RACE_DELAY_MS + cost + 40);
	CHECK(took < 300 + cost);
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(info.remote.family, AF_INET);
	CHECK_EQ(info.cookie, 0x4e);
	CHECK_EQ(out[0].id, id);
	CHECK_EQ(out[0].state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(out[1].state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(out[1].reason, SOCKOBJ_REASON_CANCELLED);
	CHECK_EQ(out[1].phase, SOCKOBJ_STATE_CONNECTING);
	CHECK_EQ(out[1].prev_state, SOCKOBJ_STATE_CONNECTING);
	/* The loser is gone, and none of its records or the winner's waits. */
	CHECK_RET(sockobj_get_info(ctx, out[1].id, &info), -ENOENT);
	CHECK_EQ(sockobj_queued_events(ctx), 0);
	{
		struct sockobj_event ev;

		CHECK_RET(sockobj_read_events(ctx, &ev, 1), -EAGAIN);
	}

	sockobj_close(ctx);
	close(cfd6);
	close(lfd6);
	close(lfd4);
	return T_EXIT_PASS;
}

/*
 * Both answer: IPv6 wins, and IPv4 is never started. A refused IPv6
 * attempt starts IPv4 at once, long before the delay.
 */
static int test_v6_first_and_refused(void)
{
	struct sockaddr_storage ss;
	struct sockobj_addr addrs[2];
	struct sockobj_event out[2];
	struct sockobj_ctx *ctx;
	int lfd4, lfd6, id;
	int64_t t0, took;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd4 = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd4 >= 0);
	CHECK_OK(addr_of(&addrs[0], &ss, len));
	lfd6 = listener(AF_INET6, &ss, &len, 1);
	if (lfd6 < 0)
		return skip("no IPv6 loopback: %s", strerror(errno));
	CHECK_OK(addr_of(&addrs[1], &ss, len));
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));

	id = sockobj_connect_race(ctx, addrs, 2, NULL, 1, 0, WAIT_MS, out);
	CHECK(id > 0);
	CHECK_EQ(out[1].id, id);
	CHECK_EQ(out[1].state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(out[0].type, 0);	/* never started */
	CHECK_EQ(out[0].id, 0);
	CHECK_OK(sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT));

	/* IPv6 refused: IPv4 follows at once (a 2 s delay would show). */
	close(lfd6);
	t0 = now_ms();
	id = sockobj_connect_race(ctx, addrs, 2, NULL, 2,
				  SOCKOBJ_RACE_DELAY_MAX_MS, WAIT_MS, out);
	took = now_ms() - t0;
	printf("    refused IPv6, then IPv4 in %lld ms\n", (long long)took);
	CHECK(id > 0);
	CHECK(took < SOCKOBJ_RACE_DELAY_MAX_MS / 2);
	CHECK_EQ(out[1].state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(out[1].reason, SOCKOBJ_REASON_REFUSED);
	CHECK_EQ(out[1].error, ECONNREFUSED);
	CHECK_EQ(out[0].id, id);
	CHECK_EQ(out[0].state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK(ms_of(out[0].timestamp_ns) >= ms_of(out[1].timestamp_ns));

	sockobj_close(ctx);
	close(lfd4);
	return T_EXIT_PASS;
}

/*
 * Every attempt fails: the last failure's errno is returned, every
 * attempt's reason reported, no object left. An address the kernel
 * refuses to configure is reported with its errno, type 0. With the
 * time out first: -ETIME, the attempt cancelled.
 */
static int test_all_fail_and_timeout(void)
{
	struct sockaddr_storage ss;
	struct sockobj_addr addrs[3];
	struct sockobj_event out[3];
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	int lfd, lfd6, cfd6, id, ret;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 0);	/* bound, not listening */
	CHECK(lfd >= 0);
	/* Tried in the order 2 (IPv6), 0, 1: the last failure is a refusal. */
	CHECK_OK(addr_of(&addrs[1], &ss, len));
	addrs[0] = addrs[1];
	addrs[0].port = 0;		/* CONFIGURE refuses it */
	CHECK_OK(sockobj_addr_parse(&addrs[2], "[::1]:1"));
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));

	ret = sockobj_connect_race(ctx, addrs, 3, NULL, 3, 0, WAIT_MS, out);
	print_event("1", &out[1]);
	print_event("2", &out[2]);
	CHECK_RET(ret, -ECONNREFUSED);
	CHECK_EQ(out[0].type, 0);
	CHECK_EQ(out[0].error, EINVAL);
	CHECK_EQ(out[1].reason, SOCKOBJ_REASON_REFUSED);
	CHECK_EQ(out[2].reason, SOCKOBJ_REASON_REFUSED);
	CHECK(out[1].timestamp_ns > out[2].timestamp_ns);
	for (id = 1; id < 16; id++)
		CHECK_RET(sockobj_get_info(ctx, id, &info), -ENOENT);

	lfd6 = blackhole6(&addrs[0], &cfd6);
	if (lfd6 < 0)
		return skip("no IPv6 loopback: %s", strerror(errno));
	ret = sockobj_connect_race(ctx, addrs, 1, NULL, 4, 0, 200, out);
	CHECK_RET(ret, -ETIME);
	CHECK_EQ(out[0].state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(out[0].reason, SOCKOBJ_REASON_CANCELLED);
	for (id = 1; id < 16; id++)
		CHECK_RET(sockobj_get_info(ctx, id, &info), -ENOENT);

	sockobj_close(ctx);
	close(cfd6);
	close(lfd6);
	close(lfd);
	return T_EXIT_PASS;
}

/* Records of another object read during the race are kept, in order. */
static int test_keeps_others(void)
{
	struct sockaddr_storage ss;
	struct sockobj_addr addr;
	struct sockobj_event out[1], evs[4];
	struct sockobj_ctx *ctx;
	int lfd, other, id;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(addr_of(&addr, &ss, len));
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	other = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x07);
	CHECK(other > 0);
	CHECK_OK(sockobj_set_target_addr(ctx, other, &addr));
	CHECK_OK(sockobj_connect(ctx, other));
	usleep(100000);	/* its two records wait in the kernel */

	id = sockobj_connect_race(ctx, &addr, 1, NULL, 5, 0, WAIT_MS, out);
	CHECK(id > 0 && id != other);
	CHECK_EQ(sockobj_queued_events(ctx), 2);
	CHECK_RET(sockobj_read_events(ctx, evs, 4), 2);
	CHECK_EQ(evs[0].id, other);
	CHECK_EQ(evs[0].state, SOCKOBJ_STATE_CONNECTING);
	CHECK_EQ(evs[1].id, other);
	CHECK_EQ(evs[1].state, SOCKOBJ_STATE_ESTABLISHED);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	t_run("bad_args", test_bad_args);
	module_setup();
	t_run("v6_blackholed", test_v6_blackholed);
	t_run("v6_first_and_refused", test_v6_first_and_refused);
	t_run("all_fail_and_timeout", test_all_fail_and_timeout);
	t_run("keeps_others", test_keeps_others);
	return t_exit();
}
