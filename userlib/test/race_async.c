// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: Happy Eyeballs v2 in the caller's loop,
 * sockobj_race_start(), _start_host(), _step(), _outcomes() and _free().
 * The loop polls sockobj_fd() alone and steps the race on its readiness:
 * with IPv6 blackholed (its SYNs dropped) and IPv4 answering, IPv4 is
 * connected within 300 ms of the start, IPv6 reported CANCELLED, while
 * another object's records reach the loop and none of the attempts' do;
 * by name, through the test's DNS server (helpers.c), the same after a
 * slow lookup; a name that does not exist and one whose server fails end
 * the race with distinct errors; a race freed early leaves no object.
 *
 * Every case needs /dev/sockobj; the cases by name the DNS server (root).
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

#define RACE_COOKIE	0x4ebeULL

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
 * [::1]:port with its SYNs dropped: a listener with a backlog of 0 whose
 * one queue slot is taken by a connection nobody accepts (port 0: any).
 */
static int blackhole6(unsigned int port, struct sockobj_addr *a, int *cfd)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(port),
				     .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(sin6);
	int lfd;

	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin6, len) < 0 ||
	    listen(lfd, 0) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin6, &len) < 0)
		return -1;
	*cfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*cfd < 0 || connect(*cfd, (struct sockaddr *)&sin6, len) < 0)
		return -1;
	usleep(50000);	/* the handshake lands in the accept queue */
	if (sockobj_addr_from_sockaddr(a, (struct sockaddr *)&sin6, len) < 0)
		return -1;
	return lfd;
}

/* What starting one attempt costs on this kernel (tens of ms on debug). */
static int64_t start_cost(struct sockobj_ctx *ctx,
			  const struct sockobj_addr *addr)
{
	int64_t t0 = now_ms();
	int id;

	if (sockobj_connect_many(ctx, SOCKOBJ_PROTO_TCP, addr, 1, NULL, NULL,
				 &id) != 1)
		return -1;
	t0 = now_ms() - t0;
	sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT);
	return t0;
}

/*
 * The caller's loop: poll sockobj_fd() alone, step the race on each
 * readiness, then read the other records, which must not be the race's
 * (its attempts carry RACE_COOKIE). Counts the records of other objects
 * in *others; *resolved_at is when the race first had addresses.
 */
static int run_loop(struct sockobj_ctx *ctx, struct sockobj_race *race,
		    int *others, int64_t *resolved_at)
{
	struct pollfd pfd = { .fd = sockobj_fd(ctx), .events = POLLIN };
	struct sockobj_event evs[8];
	int64_t end = now_ms() + WAIT_MS;
	int ret, n, i;

	for (;;) {
		ret = sockobj_race_step(ctx, race);
		if (*resolved_at < 0 &&
		    sockobj_race_outcomes(race, NULL, NULL, 0) > 0)
			*resolved_at = now_ms();
		while ((n = sockobj_read_events(ctx, evs, 8)) > 0) {
			for (i = 0; i < n; i++) {
				if (evs[i].cookie == RACE_COOKIE &&
				    evs[i].type == SOCKOBJ_EV_STATE) {
					print_event("leaked", &evs[i]);
					return -EPROTO;
				}
				if (evs[i].cookie != RACE_COOKIE)
					(*others)++;
			}
		}
		if (ret)
			return ret;
		if (now_ms() > end)
			return -ETIME;
		poll(&pfd, 1, 1000);
	}
}

static int test_bad_args(void)
{
	struct sockobj_addr a[2];
	struct sockobj_race *race = NULL;
	struct sockobj_ctx *ctx;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	memset(a, 0, sizeof(a));
	CHECK_RET(sockobj_race_start(ctx, a, 1, NULL, 0, 0, &race), -EINVAL);
	CHECK_OK(sockobj_addr_parse(&a[0], "127.0.0.1:1"));
	CHECK_RET(sockobj_race_start(NULL, a, 1, NULL, 0, 0, &race), -EINVAL);
	CHECK_RET(sockobj_race_start(ctx, NULL, 1, NULL, 0, 0, &race), -EINVAL);
	CHECK_RET(sockobj_race_start(ctx, a, 0, NULL, 0, 0, &race), -EINVAL);
	CHECK_RET(sockobj_race_start(ctx, a, SOCKOBJ_RACE_MAX + 1, NULL, 0, 0,
				     &race), -EINVAL);
	CHECK_RET(sockobj_race_start(ctx, a, 1, NULL, 0, 0, NULL), -EINVAL);
	CHECK_RET(sockobj_race_start(ctx, a, 1, NULL, 0,
				     SOCKOBJ_RACE_DELAY_MIN_MS - 1, &race),
		  -EINVAL);
	CHECK_RET(sockobj_race_start_host(ctx, "localhost", 0, AF_UNSPEC,
					  NULL, 0, 0, &race), -EINVAL);
	CHECK_RET(sockobj_race_start_host(ctx, "localhost", 65536, AF_UNSPEC,
					  NULL, 0, 0, &race), -EINVAL);
	CHECK_RET(sockobj_race_start_host(ctx, "localhost", 1, AF_UNIX,
					  NULL, 0, 0, &race), -EAFNOSUPPORT);
	CHECK(race == NULL);
	CHECK_RET(sockobj_race_step(ctx, NULL), -EINVAL);
	CHECK_RET(sockobj_race_outcomes(NULL, NULL, NULL, 0), -EINVAL);
	sockobj_race_free(ctx, NULL);
	/* Nothing was created, and nothing is to be read. */
	CHECK(!poll(&(struct pollfd){ .fd = sockobj_fd(ctx),
				      .events = POLLIN }, 1, 0));
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/*
 * The proof, in the caller's loop: IPv6 blackholed, IPv4
 * answering, given IPv4 first: IPv6 is tried first, IPv4 250 ms later,
 * connected within 300 ms; IPv6 CANCELLED; another object's records
 * (connected meanwhile) reach the loop, the attempts' do not.
 */
static int test_v6_blackholed(void)
{
	struct sockaddr_storage ss;
	struct sockobj_addr addrs[2], got[2];
	struct sockobj_event out[2];
	struct sockobj_info info;
	struct sockobj_race *race;
	struct sockobj_ctx *ctx;
	int lfd4, lfd6, cfd6, other, id, others = 0;
	int64_t t0, took, cost, resolved = -1;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd4 = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd4 >= 0);
	CHECK_OK(addr_of(&addrs[0], &ss, len));
	lfd6 = blackhole6(0, &addrs[1], &cfd6);
	if (lfd6 < 0)
		return skip("no IPv6 loopback: %s", strerror(errno));
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	cost = start_cost(ctx, &addrs[0]);
	CHECK(cost >= 0);
	while (sockobj_read_events(ctx, out, 2) > 0)
		;

	t0 = now_ms();
	CHECK_OK(sockobj_race_start(ctx, addrs, 2, NULL, RACE_COOKIE, 0,
				    &race));
	other = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x07);
	CHECK(other > 0);
	CHECK_OK(sockobj_set_target_addr(ctx, other, &addrs[0]));
	CHECK_OK(sockobj_connect(ctx, other));
	id = run_loop(ctx, race, &others, &resolved);
	took = now_ms() - t0;
	CHECK_RET(sockobj_race_outcomes(race, got, out, 2), 2);
	print_event("v4", &out[0]);
	print_event("v6", &out[1]);
	printf("    connected in %lld ms (an attempt costs %lld ms), %d "
	       "records of another object meanwhile\n", (long long)took,
	       (long long)cost, others);
	CHECK(id > 0);
	CHECK(took < 300 + cost);
	CHECK(took >= SOCKOBJ_RACE_DELAY_MS - 5);
	CHECK(!memcmp(got, addrs, sizeof(got)));
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(info.remote.family, AF_INET);
	CHECK_EQ(out[0].id, id);
	CHECK_EQ(out[0].state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(out[1].state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(out[1].reason, SOCKOBJ_REASON_CANCELLED);
	CHECK_RET(sockobj_get_info(ctx, out[1].id, &info), -ENOENT);
	CHECK(others >= 2);
	/* Over: the same answer, and the race's descriptors are quiet. */
	CHECK_RET(sockobj_race_step(ctx, race), id);
	sockobj_race_free(ctx, race);
	CHECK(!poll(&(struct pollfd){ .fd = sockobj_fd(ctx),
				      .events = POLLIN }, 1, 0));

	sockobj_close(ctx);
	close(cfd6);
	close(lfd6);
	close(lfd4);
	return T_EXIT_PASS;
}

/*
 * By name: slow.sockobj.test is ::1 and 127.0.0.1, the same port on each,
 * IPv6 blackholed; the lookup takes DNS_SLOW_MS, during which the step
 * says "running" and the loop turns; then IPv4 wins within 300 ms of the
 * addresses' arrival.
 */
static int test_by_name(void)
{
	struct sockaddr_storage ss;
	struct sockobj_addr got[4], a6;
	struct sockobj_event out[4];
	struct sockobj_race *race;
	struct sockobj_ctx *ctx;
	int lfd4, lfd6, cfd6, id, n, others = 0;
	int64_t t0, resolved = -1, done, cost;
	socklen_t len;

	if (need_module() || dns_setup())
		return T_EXIT_SKIP;
	lfd4 = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd4 >= 0);
	lfd6 = blackhole6(port_of(&ss), &a6, &cfd6);
	if (lfd6 < 0)
		return skip("no IPv6 loopback: %s", strerror(errno));
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_addr_from_sockaddr(&got[0], (struct sockaddr *)&ss,
					    len));
	cost = start_cost(ctx, &got[0]);
	CHECK(cost >= 0);
	while (sockobj_read_events(ctx, out, 4) > 0)
		;

	t0 = now_ms();
	CHECK_OK(sockobj_race_start_host(ctx, "slow.sockobj.test",
					 port_of(&ss), AF_UNSPEC, NULL,
					 RACE_COOKIE, 0, &race));
	CHECK(now_ms() - t0 < 100);
	CHECK_RET(sockobj_race_step(ctx, race), 0);
	CHECK_RET(sockobj_race_outcomes(race, got, out, 4), 0);
	id = run_loop(ctx, race, &others, &resolved);
	done = now_ms();
	n = sockobj_race_outcomes(race, got, out, 4);
	print_event("first", &out[0]);
	print_event("second", &out[1]);
	printf("    resolved after %lld ms, connected %lld ms later (an "
	       "attempt costs %lld ms)\n", (long long)(resolved - t0),
	       (long long)(done - resolved), (long long)cost);
	CHECK_RET(n, 2);
	CHECK(id > 0);
	CHECK(resolved - t0 >= DNS_SLOW_MS - 10);
	CHECK(done - resolved < 300 + cost);
	/* Whatever the resolver's order, IPv6 went first and lost. */
	{
		int i6 = got[0].family == AF_INET6 ? 0 : 1;

		CHECK_EQ(got[i6].family, AF_INET6);
		CHECK_EQ(got[i6].port, port_of(&ss));
		CHECK_EQ(out[i6].reason, SOCKOBJ_REASON_CANCELLED);
		CHECK_EQ(out[1 - i6].id, id);
		CHECK_EQ(out[1 - i6].state, SOCKOBJ_STATE_ESTABLISHED);
	}
	sockobj_race_free(ctx, race);
	sockobj_close(ctx);
	close(cfd6);
	close(lfd6);
	close(lfd4);
	return T_EXIT_PASS;
}

/* A name that does not exist, and one whose server fails: distinct. */
static int test_bad_names(void)
{
	struct sockobj_race *race;
	struct sockobj_ctx *ctx;
	struct sockobj_info info;
	int others = 0, id;
	int64_t resolved = -1;

	if (need_module() || dns_setup())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_race_start_host(ctx, "nx.sockobj.test", 80,
					 AF_UNSPEC, NULL, RACE_COOKIE, 0,
					 &race));
	CHECK_RET(run_loop(ctx, race, &others, &resolved), -SOCKOBJ_ENAME);
	CHECK_RET(sockobj_race_outcomes(race, NULL, NULL, 0), 0);
	sockobj_race_free(ctx, race);
	CHECK_OK(sockobj_race_start_host(ctx, "fail.sockobj.test", 80,
					 AF_UNSPEC, NULL, RACE_COOKIE, 0,
					 &race));
	CHECK_RET(run_loop(ctx, race, &others, &resolved),
		  -SOCKOBJ_ENAMEAGAIN);
	sockobj_race_free(ctx, race);
	CHECK_EQ(others, 0);
	for (id = 1; id < 8; id++)
		CHECK_RET(sockobj_get_info(ctx, id, &info), -ENOENT);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* Freed while its attempt runs: cancelled, destroyed, quiet. */
static int test_free_early(void)
{
	struct sockobj_addr a;
	struct sockobj_event out;
	struct sockobj_info info;
	struct sockobj_race *race;
	struct sockobj_ctx *ctx;
	int lfd6, cfd6;

	if (need_module())
		return T_EXIT_SKIP;
	lfd6 = blackhole6(0, &a, &cfd6);
	if (lfd6 < 0)
		return skip("no IPv6 loopback: %s", strerror(errno));
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_race_start(ctx, &a, 1, NULL, RACE_COOKIE, 0, &race));
	usleep(100000);
	CHECK_RET(sockobj_race_step(ctx, race), 0);
	CHECK_RET(sockobj_race_outcomes(race, NULL, &out, 1), 1);
	CHECK_EQ(out.state, SOCKOBJ_STATE_CONNECTING);
	sockobj_race_free(ctx, race);
	CHECK_RET(sockobj_get_info(ctx, out.id, &info), -ENOENT);
	CHECK(!poll(&(struct pollfd){ .fd = sockobj_fd(ctx),
				      .events = POLLIN }, 1, 300));
	sockobj_close(ctx);
	close(cfd6);
	close(lfd6);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("v6_blackholed", test_v6_blackholed);
	t_run("by_name", test_by_name);
	t_run("bad_names", test_bad_names);
	t_run("free_early", test_free_early);
	t_run("bad_args", test_bad_args);
	return t_exit();
}
