// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: sockobj_lookup_start(), _result() and
 * _free(), names resolved without blocking the caller's loop, against a
 * DNS server of the test's own (helpers.c): a name's IPv6 and IPv4
 * addresses; a slow name, during which the loop goes on and an object's
 * records come through sockobj_fd() before the lookup's end makes it
 * readable; a name that does not exist (-SOCKOBJ_ENAME) and one whose
 * server fails (-SOCKOBJ_ENAMEAGAIN); a lookup freed while at work; bad
 * arguments.
 *
 * Every case needs /dev/sockobj (a context); all but bad_args the DNS
 * server, which needs root.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether sockobj_fd() becomes readable within ms. */
static int readable(struct sockobj_ctx *ctx, int ms)
{
	struct pollfd pfd = { .fd = sockobj_fd(ctx), .events = POLLIN };

	return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN);
}

/* Waits on sockobj_fd() as a loop would, then takes the result. */
static int result_wait(struct sockobj_ctx *ctx, struct sockobj_lookup *l,
		       struct sockobj_addr *addrs, unsigned int max)
{
	int64_t end = now_ms() + WAIT_MS;
	int ret;

	do {
		readable(ctx, 100);
		ret = sockobj_lookup_result(ctx, l, addrs, max);
	} while (ret == -EINPROGRESS && now_ms() < end);
	return ret;
}

static int has(const struct sockobj_addr *addrs, int n, const char *want)
{
	char buf[SOCKOBJ_ADDRSTRLEN];
	int i;

	for (i = 0; i < n; i++)
		if (sockobj_addr_format(&addrs[i], buf, sizeof(buf)) > 0 &&
		    !strcmp(buf, want))
			return 1;
	return 0;
}

static int test_bad_args(void)
{
	struct sockobj_lookup *l = NULL;
	struct sockobj_addr a[1];
	struct sockobj_ctx *ctx;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_RET(sockobj_lookup_start(NULL, "x", AF_UNSPEC, &l), -EINVAL);
	CHECK_RET(sockobj_lookup_start(ctx, NULL, AF_UNSPEC, &l), -EINVAL);
	CHECK_RET(sockobj_lookup_start(ctx, "", AF_UNSPEC, &l), -EINVAL);
	CHECK_RET(sockobj_lookup_start(ctx, "x", AF_UNSPEC, NULL), -EINVAL);
	CHECK_RET(sockobj_lookup_start(ctx, "x", AF_UNIX, &l), -EAFNOSUPPORT);
	CHECK(l == NULL);
	/* a name of 1024 bytes is taken, one of 1025 is refused */
	{
		char name[1026];

		memset(name, 'a', sizeof(name));
		name[1025] = '\0';
		CHECK_RET(sockobj_lookup_start(ctx, name, AF_UNSPEC, &l),
			  -EINVAL);
		name[1024] = '\0';
		CHECK_OK(sockobj_lookup_start(ctx, name, AF_UNSPEC, &l));
		sockobj_lookup_free(ctx, l);
		l = NULL;
	}
	/* A numeric address needs no server, and gives itself. */
	CHECK_OK(sockobj_lookup_start(ctx, "[::1]", AF_UNSPEC, &l));
	CHECK_RET(sockobj_lookup_result(ctx, l, NULL, 1), -EINVAL);
	CHECK_RET(sockobj_lookup_result(ctx, l, a, 0), -EINVAL);
	CHECK_RET(result_wait(ctx, l, a, 1), 1);
	CHECK(fmt_is(&a[0], "[::1]:0"));
	sockobj_lookup_free(ctx, l);
	sockobj_lookup_free(ctx, NULL);
	CHECK(!readable(ctx, 0));
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/*
 * A name of both families: both addresses; sockobj_fd() readable at the
 * end, and quiet once the result is taken, which may be taken again.
 */
static int test_fast(void)
{
	struct sockobj_addr a[4];
	struct sockobj_lookup *l;
	struct sockobj_ctx *ctx;
	int n;

	if (need_module() || dns_setup())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_lookup_start(ctx, "fast.sockobj.test", AF_UNSPEC, &l));
	CHECK(readable(ctx, WAIT_MS));
	n = sockobj_lookup_result(ctx, l, a, 4);
	CHECK_RET(n, 2);
	CHECK(has(a, n, "[::1]:0") && has(a, n, "127.0.0.1:0"));
	CHECK(!readable(ctx, 0));
	CHECK_RET(sockobj_lookup_result(ctx, l, a, 1), 1);
	sockobj_lookup_free(ctx, l);

	/* One family asked for: that one only. */
	CHECK_OK(sockobj_lookup_start(ctx, "fast.sockobj.test", AF_INET, &l));
	CHECK_RET(result_wait(ctx, l, a, 4), 1);
	CHECK(fmt_is(&a[0], "127.0.0.1:0"));
	sockobj_lookup_free(ctx, l);
	CHECK_OK(sockobj_lookup_start(ctx, "v4.sockobj.test", AF_INET6, &l));
	CHECK_RET(result_wait(ctx, l, a, 4), -SOCKOBJ_ENAME);
	sockobj_lookup_free(ctx, l);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/*
 * The proof: a slow name does not block the loop. The start
 * returns at once; while the server sits on the answer, the loop's ticks
 * go on, sockobj_fd() brings an object's records (a connection made
 * meanwhile), and the lookup is still in progress; the answer then makes
 * sockobj_fd() readable, DNS_SLOW_MS or more after the start.
 */
static int test_slow(void)
{
	struct sockaddr_storage ss;
	struct sockobj_event ev;
	struct sockobj_addr a[4], target;
	struct sockobj_lookup *l;
	struct sockobj_ctx *ctx;
	int64_t t0, took_start, done_at = 0;
	int lfd, id, ticks = 0, records = 0, n = -EINPROGRESS;
	socklen_t len;

	if (need_module() || dns_setup())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(sockobj_addr_from_sockaddr(&target, (struct sockaddr *)&ss,
					    len));
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));

	t0 = now_ms();
	CHECK_OK(sockobj_lookup_start(ctx, "slow.sockobj.test", AF_UNSPEC, &l));
	took_start = now_ms() - t0;
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x51);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target_addr(ctx, id, &target));
	CHECK_OK(sockobj_connect(ctx, id));

	while (n == -EINPROGRESS && now_ms() - t0 < WAIT_MS) {
		if (!readable(ctx, 50)) {
			ticks++;	/* the loop's own work */
			continue;
		}
		while (sockobj_read_events(ctx, &ev, 1) == 1) {
			CHECK_EQ(ev.id, id);
			records++;
		}
		n = sockobj_lookup_result(ctx, l, a, 4);
		if (n != -EINPROGRESS)
			done_at = now_ms() - t0;
	}
	printf("    start took %lld ms; answer after %lld ms, %d idle ticks "
	       "of 50 ms and %d records of another object meanwhile\n",
	       (long long)took_start, (long long)done_at, ticks, records);
	CHECK(took_start < 100);
	CHECK_RET(n, 2);
	CHECK(has(a, n, "[::1]:0") && has(a, n, "127.0.0.1:0"));
	CHECK(done_at >= DNS_SLOW_MS - 10);
	CHECK(ticks >= (DNS_SLOW_MS / 50) / 2);
	CHECK_EQ(records, 2);	/* CONNECTING, ESTABLISHED */
	CHECK(!readable(ctx, 0));
	sockobj_lookup_free(ctx, l);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/* A name that does not exist, and one whose server fails: distinct. */
static int test_failing(void)
{
	struct sockobj_addr a[4];
	struct sockobj_lookup *l;
	struct sockobj_ctx *ctx;

	if (need_module() || dns_setup())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_lookup_start(ctx, "nx.sockobj.test", AF_UNSPEC, &l));
	CHECK(readable(ctx, WAIT_MS));
	CHECK_RET(sockobj_lookup_result(ctx, l, a, 4), -SOCKOBJ_ENAME);
	CHECK(!readable(ctx, 0));
	sockobj_lookup_free(ctx, l);

	CHECK_OK(sockobj_lookup_start(ctx, "fail.sockobj.test", AF_UNSPEC,
				      &l));
	CHECK(readable(ctx, WAIT_MS));
	CHECK_RET(sockobj_lookup_result(ctx, l, a, 4), -SOCKOBJ_ENAMEAGAIN);
	sockobj_lookup_free(ctx, l);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/*
 * Freed while the server sits on the answer: the answer never reaches
 * sockobj_fd(), and the thread's end after the context's is harmless.
 */
static int test_free_early(void)
{
	struct sockobj_lookup *l;
	struct sockobj_ctx *ctx;

	if (need_module() || dns_setup())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_lookup_start(ctx, "slow.sockobj.test", AF_UNSPEC, &l));
	sockobj_lookup_free(ctx, l);
	CHECK(!readable(ctx, DNS_SLOW_MS + 300));

	CHECK_OK(sockobj_lookup_start(ctx, "slow.sockobj.test", AF_UNSPEC, &l));
	sockobj_lookup_free(ctx, l);
	sockobj_close(ctx);
	usleep((DNS_SLOW_MS + 300) * 1000);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	/* The resolver is ours before any lookup: bad_args has one. */
	t_run("fast", test_fast);
	t_run("slow", test_slow);
	t_run("failing", test_failing);
	t_run("free_early", test_free_early);
	t_run("bad_args", test_bad_args);
	return t_exit();
}
