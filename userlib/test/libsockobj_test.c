// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests, through the public header only.
 *
 * The first group needs nothing (names, addresses, resolution of numeric
 * addresses and failures that need no DNS, versions, argument checks).
 * The second needs /dev/sockobj and skips without it; it runs in a network
 * namespace of its own (unshare(CLONE_NEWNET), lo up) so that its
 * listeners and closed ports cannot meet anything else, and falls back to
 * the current namespace when it may not create one. Its data-path tests
 * (library 0.2) skip when the module lacks the feature they need: TCP
 * round trips driven by READABLE/WRITABLE records, UDP (datagrams,
 * truncation, ICMP errors, recv_any), options read back with getsockopt()
 * on a handed-off socket, wait_state() among data records, inactivity.
 *
 * Prints one line per test and ends with
 *	libsockobj: N passed, N failed, N skipped
 * Exit status: 0 when nothing failed, 1 otherwise.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sockobj.h>

/* The uapi layout is ABI: these sizes never change. */
_Static_assert(sizeof(struct sockobj_api) == 56, "sockobj_api size");
_Static_assert(sizeof(struct sockobj_addr) == 24, "sockobj_addr size");
_Static_assert(sizeof(struct sockobj_create) == 40, "sockobj_create size");
_Static_assert(sizeof(struct sockobj_config) == 152, "sockobj_config size");
_Static_assert(sizeof(struct sockobj_op) == 24, "sockobj_op size");
_Static_assert(sizeof(struct sockobj_info) == 168, "sockobj_info size");
_Static_assert(sizeof(struct sockobj_event) == 64, "sockobj_event size");

enum { T_PASS, T_FAIL, T_SKIP };

#define WAIT_MS		5000

static int n_pass, n_fail, n_skip;
static char skip_why[256];

#define FAILED(fmt, ...) do {						\
	printf("    %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
	return T_FAIL;							\
} while (0)

#define CHECK(cond) do {						\
	if (!(cond))							\
		FAILED("check failed: %s", #cond);			\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_)							\
		FAILED("%s == %lld, expected %s == %lld", #a, a_, #b, b_); \
} while (0)

/* A library call's return value, described on failure. */
#define CHECK_RET(expr, want) do {					\
	int r_ = (expr), w_ = (want);					\
	if (r_ != w_)							\
		FAILED("%s returned %d (%s), expected %d (%s)", #expr,	\
		       r_, sockobj_strerror(r_), w_, sockobj_strerror(w_)); \
} while (0)

#define CHECK_OK(expr) do {						\
	int r_ = (expr);						\
	if (r_ < 0)							\
		FAILED("%s failed: %d (%s)", #expr, r_,			\
		       sockobj_strerror(r_));				\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (!a_ || strcmp(a_, b_))					\
		FAILED("%s is \"%s\", expected \"%s\"", #a,		\
		       a_ ? a_ : "(null)", b_);				\
} while (0)

static int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_why, sizeof(skip_why), fmt, ap);
	va_end(ap);
	return T_SKIP;
}

static void run(const char *name, int (*fn)(void))
{
	int ret;

	skip_why[0] = '\0';
	fflush(stdout);
	ret = fn();
	switch (ret) {
	case T_PASS:
		n_pass++;
		printf("ok   %s\n", name);
		break;
	case T_SKIP:
		n_skip++;
		printf("skip %s: %s\n", name, skip_why);
		break;
	default:
		n_fail++;
		printf("FAIL %s\n", name);
		break;
	}
	fflush(stdout);
}

/* ---- tests that need no module ---- */

static int test_version(void)
{
	CHECK_EQ(SOCKOBJ_LIB_VERSION_MAJOR, 0);
	CHECK_EQ(SOCKOBJ_LIB_VERSION_MINOR, 2);
	CHECK_EQ(sockobj_lib_version(), SOCKOBJ_LIB_VERSION);
	CHECK_EQ(sockobj_lib_version(), SOCKOBJ_LIB_VERSION_NUM(0, 2));
	CHECK(SOCKOBJ_LIB_VERSION_NUM(0, 2) > SOCKOBJ_LIB_VERSION_NUM(0, 1));
	CHECK(SOCKOBJ_LIB_VERSION_NUM(1, 0) > SOCKOBJ_LIB_VERSION_NUM(0, 99));
	return T_PASS;
}

static int test_names(void)
{
	static const char *const states[] = {
		"CLOSED", "CONNECTING", "ESTABLISHED", "PEER_CLOSING",
		"CLOSING",
	};
	unsigned int i, j;

	CHECK_EQ(sizeof(states) / sizeof(states[0]), SOCKOBJ_STATE_COUNT);
	for (i = 0; i < SOCKOBJ_STATE_COUNT; i++)
		CHECK_STR(sockobj_state_name(i), states[i]);
	CHECK_STR(sockobj_state_name(SOCKOBJ_STATE_COUNT), "unknown");
	CHECK_STR(sockobj_state_name(~0U), "unknown");

	for (i = 0; i < SOCKOBJ_REASON_COUNT; i++) {
		CHECK(strcmp(sockobj_reason_name(i), "unknown"));
		CHECK(strcmp(sockobj_reason_describe(i), "unknown"));
		CHECK(strlen(sockobj_reason_describe(i)) > 10);
		for (j = 0; j < i; j++) {
			CHECK(strcmp(sockobj_reason_name(i),
				     sockobj_reason_name(j)));
			CHECK(strcmp(sockobj_reason_describe(i),
				     sockobj_reason_describe(j)));
		}
	}
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_NONE), "NONE");
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_REFUSED), "REFUSED");
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_CONNECT_TIMEOUT),
		  "CONNECT_TIMEOUT");
	CHECK_STR(sockobj_reason_describe(SOCKOBJ_REASON_REFUSED),
		  "connection refused by the peer");
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_INACTIVITY), "INACTIVITY");
	CHECK_STR(sockobj_reason_describe(SOCKOBJ_REASON_INACTIVITY),
		  "no data moved either way for too long");
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_COUNT), "unknown");
	CHECK_STR(sockobj_reason_describe(SOCKOBJ_REASON_COUNT), "unknown");

	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_STATE), "STATE");
	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_READABLE), "READABLE");
	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_WRITABLE), "WRITABLE");
	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_SENT), "SENT");
	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_ERROR), "ERROR");
	CHECK_STR(sockobj_event_type_name(0), "unknown");
	CHECK_STR(sockobj_event_type_name(1000), "unknown");
	return T_PASS;
}

static int test_strerror(void)
{
	CHECK(SOCKOBJ_ENAME > SOCKOBJ_ERRNO_MAX);
	CHECK_STR(sockobj_strerror(-ENOENT), strerror(ENOENT));
	CHECK_STR(sockobj_strerror(ENOENT), strerror(ENOENT));
	CHECK(strlen(sockobj_strerror(-SOCKOBJ_ENAME)) > 0);
	CHECK(strcmp(sockobj_strerror(-SOCKOBJ_ENAME),
		     strerror(SOCKOBJ_ENAME)));
	CHECK(strcmp(sockobj_strerror(-SOCKOBJ_ENAME), strerror(ENOENT)));
	return T_PASS;
}

static int fmt_is(const struct sockobj_addr *a, const char *want)
{
	char buf[SOCKOBJ_ADDRSTRLEN];
	int n = sockobj_addr_format(a, buf, sizeof(buf));

	if (n < 0 || (size_t)n != strlen(want) || strcmp(buf, want)) {
		printf("    format gave %d \"%s\", expected \"%s\"\n", n,
		       n < 0 ? "" : buf, want);
		return 0;
	}
	return 1;
}

static int test_addr_format(void)
{
	struct sockobj_addr a;
	char buf[SOCKOBJ_ADDRSTRLEN], want[64];
	unsigned int lo = if_nametoindex("lo");

	memset(&a, 0, sizeof(a));
	CHECK(fmt_is(&a, "none"));

	a.family = AF_INET;
	a.port = 80;
	inet_pton(AF_INET, "1.2.3.4", a.addr);
	CHECK(fmt_is(&a, "1.2.3.4:80"));

	/* Exactly the room needed, then one byte less. */
	CHECK_RET(sockobj_addr_format(&a, buf, 11), 10);
	CHECK_RET(sockobj_addr_format(&a, buf, 10), -ENOSPC);
	CHECK_STR(buf, "");
	CHECK_RET(sockobj_addr_format(&a, NULL, 0), -ENOSPC);

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	a.port = 80;
	inet_pton(AF_INET6, "::1", a.addr);
	CHECK(fmt_is(&a, "[::1]:80"));

	inet_pton(AF_INET6, "fe80::1", a.addr);
	a.port = 65535;
	a.scope_id = 4000000000U;	/* no such interface: the number */
	CHECK(fmt_is(&a, "[fe80::1%4000000000]:65535"));
	if (lo) {
		a.scope_id = lo;
		a.port = 80;
		CHECK(fmt_is(&a, "[fe80::1%lo]:80"));
	}

	/* The longest form fits SOCKOBJ_ADDRSTRLEN. */
	memset(a.addr, 0xff, 16);
	a.addr[10] = 0x12;
	a.scope_id = 4294967295U;
	snprintf(want, sizeof(want),
		 "[ffff:ffff:ffff:ffff:ffff:12ff:ffff:ffff%%4294967295]:65535");
	a.port = 65535;
	CHECK(fmt_is(&a, want));
	CHECK(strlen(want) < SOCKOBJ_ADDRSTRLEN);

	a.family = 99;
	CHECK_RET(sockobj_addr_format(&a, buf, sizeof(buf)), -EAFNOSUPPORT);
	return T_PASS;
}

static int test_addr_sockaddr(void)
{
	struct sockaddr_in sin, *sinp;
	struct sockaddr_in6 sin6, *sin6p;
	struct sockaddr_storage ss;
	struct sockaddr sa;
	struct sockobj_addr a;
	socklen_t len;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(8080);
	inet_pton(AF_INET, "100.50.200.5", &sin.sin_addr);
	CHECK_OK(sockobj_addr_from_sockaddr(&a, (struct sockaddr *)&sin,
					    sizeof(sin)));
	CHECK_EQ(a.family, AF_INET);
	CHECK_EQ(a.port, 8080);
	CHECK_EQ(a.scope_id, 0);
	CHECK(!memcmp(a.addr, &sin.sin_addr, 4));
	CHECK(fmt_is(&a, "100.50.200.5:8080"));
	CHECK_OK(sockobj_addr_to_sockaddr(&a, &ss, &len));
	CHECK_EQ(len, sizeof(sin));
	sinp = (struct sockaddr_in *)&ss;
	CHECK(!memcmp(sinp, &sin, sizeof(sin)));

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(443);
	sin6.sin6_scope_id = 7;
	inet_pton(AF_INET6, "fe80::abcd", &sin6.sin6_addr);
	CHECK_OK(sockobj_addr_from_sockaddr(&a, (struct sockaddr *)&sin6,
					    sizeof(sin6)));
	CHECK_EQ(a.family, AF_INET6);
	CHECK_EQ(a.port, 443);
	CHECK_EQ(a.scope_id, 7);
	CHECK_OK(sockobj_addr_to_sockaddr(&a, &ss, &len));
	CHECK_EQ(len, sizeof(sin6));
	sin6p = (struct sockaddr_in6 *)&ss;
	CHECK(!memcmp(sin6p, &sin6, sizeof(sin6)));

	/* Short lengths, other families, the unset address. */
	CHECK_RET(sockobj_addr_from_sockaddr(&a, (struct sockaddr *)&sin,
					     sizeof(sin) - 1), -EINVAL);
	CHECK_RET(sockobj_addr_from_sockaddr(&a, (struct sockaddr *)&sin6,
					     sizeof(sin6) - 1), -EINVAL);
	CHECK_RET(sockobj_addr_from_sockaddr(&a, NULL, 0), -EINVAL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	CHECK_RET(sockobj_addr_from_sockaddr(&a, &sa, sizeof(sa)),
		  -EAFNOSUPPORT);
	sa.sa_family = AF_UNSPEC;
	CHECK_OK(sockobj_addr_from_sockaddr(&a, &sa, sizeof(sa)));
	CHECK_EQ(a.family, 0);
	CHECK_RET(sockobj_addr_to_sockaddr(&a, &ss, &len), -EAFNOSUPPORT);
	return T_PASS;
}

/* format -> parse -> format gives the same struct and string. */
static int test_addr_round_trip(void)
{
	static const char *const strs[] = {
		"none", "0.0.0.0:0", "1.2.3.4:80", "255.255.255.255:65535",
		"[::]:0", "[::1]:80", "[2001:db8::1]:443",
		"[::ffff:1.2.3.4]:8", "[fe80::1%4000000000]:1",
	};
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1",
		"1.2.3.4:8x", "[::1", "[::1]x", "[::1]:", "[1.2.3.4]:80",
		"[fe80::1%]:1", "::1:80:", "host:80", " 1.2.3.4",
	};
	char buf[SOCKOBJ_ADDRSTRLEN];
	struct sockobj_addr a, b;
	unsigned int i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		memset(&a, 0xaa, sizeof(a));
		CHECK_OK(sockobj_addr_parse(&a, strs[i]));
		CHECK(fmt_is(&a, strs[i]));
		CHECK_OK(sockobj_addr_format(&a, buf, sizeof(buf)));
		CHECK_OK(sockobj_addr_parse(&b, buf));
		CHECK(!memcmp(&a, &b, sizeof(a)));
	}

	/* Defaults and the unbracketed IPv6 form. */
	CHECK_OK(sockobj_addr_parse(&a, "10.0.0.1"));
	CHECK(fmt_is(&a, "10.0.0.1:0"));
	CHECK_OK(sockobj_addr_parse(&a, "fe80::2"));
	CHECK(fmt_is(&a, "[fe80::2]:0"));
	if (if_nametoindex("lo")) {
		CHECK_OK(sockobj_addr_parse(&a, "[fe80::1%lo]:22"));
		CHECK_EQ(a.scope_id, if_nametoindex("lo"));
		CHECK(fmt_is(&a, "[fe80::1%lo]:22"));
	}
	CHECK_RET(sockobj_addr_parse(&a, "[fe80::1%nosuchif0]:1"), -ENODEV);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = sockobj_addr_parse(&a, bad[i]);

		if (r != -EINVAL)
			FAILED("parse(\"%s\") returned %d, expected -EINVAL",
			       bad[i], r);
	}
	return T_PASS;
}

static int test_resolve_numeric(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockobj_addr addrs[4];
	socklen_t len;
	char buf[64];

	CHECK_OK(sockobj_resolve("100.50.200.5", "80", AF_UNSPEC, &ss, &len));
	CHECK_EQ(ss.ss_family, AF_INET);
	CHECK_EQ(len, sizeof(*sin));
	CHECK_EQ(ntohs(sin->sin_port), 80);
	inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
	CHECK_STR(buf, "100.50.200.5");

	CHECK_OK(sockobj_resolve("100.50.200.5", NULL, AF_INET, &ss, &len));
	CHECK_EQ(ntohs(sin->sin_port), 0);

	CHECK_OK(sockobj_resolve("::1", "443", AF_UNSPEC, &ss, &len));
	CHECK_EQ(ss.ss_family, AF_INET6);
	CHECK_EQ(len, sizeof(*sin6));
	CHECK_EQ(ntohs(sin6->sin6_port), 443);
	CHECK(!memcmp(&sin6->sin6_addr, &in6addr_loopback, 16));

	CHECK_OK(sockobj_resolve("[2001:db8::5]", "1", AF_INET6, &ss, &len));
	inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
	CHECK_STR(buf, "2001:db8::5");

	CHECK_RET(sockobj_host_by_name("127.0.0.1", AF_UNSPEC, addrs, 4), 1);
	CHECK(fmt_is(&addrs[0], "127.0.0.1:0"));
	CHECK_RET(sockobj_host_by_name("::1", AF_INET6, addrs, 4), 1);
	CHECK(fmt_is(&addrs[0], "[::1]:0"));

	/* Misuse. */
	CHECK_RET(sockobj_resolve(NULL, "80", AF_UNSPEC, &ss, &len), -EINVAL);
	CHECK_RET(sockobj_resolve("", "80", AF_UNSPEC, &ss, &len), -EINVAL);
	CHECK_RET(sockobj_resolve("::1", "80", AF_UNIX, &ss, &len),
		  -EAFNOSUPPORT);
	CHECK_RET(sockobj_host_by_name("::1", AF_UNSPEC, addrs, 0), -EINVAL);
	return T_PASS;
}

static int test_resolve_failure(void)
{
	struct sockaddr_storage ss;
	struct sockobj_addr a;
	socklen_t len = 0;
	int ret;

	/* None of these needs DNS to fail. */
	CHECK_RET(sockobj_resolve("100.50.200.5", "80", AF_INET6, &ss, &len),
		  -SOCKOBJ_ENAME);
	CHECK_RET(sockobj_resolve("::1", "80", AF_INET, &ss, &len),
		  -SOCKOBJ_ENAME);
	CHECK_RET(sockobj_resolve("127.0.0.1", "no-such-service-sockobj",
				  AF_UNSPEC, &ss, &len), -SOCKOBJ_ENAME);
	CHECK_RET(sockobj_resolve("bad..name", "80", AF_UNSPEC, &ss, &len),
		  -SOCKOBJ_ENAME);
	CHECK_RET(sockobj_host_by_name("bad..name", AF_UNSPEC, &a, 1),
		  -SOCKOBJ_ENAME);

	/* RFC 6761: .invalid never resolves; without DNS it cannot be said. */
	ret = sockobj_resolve("sockobj-test.invalid", "80", AF_UNSPEC, &ss,
			      &len);
	if (ret == -EAGAIN)
		printf("    note: no DNS reachable, .invalid gave -EAGAIN\n");
	else
		CHECK_RET(ret, -SOCKOBJ_ENAME);
	return T_PASS;
}

static int test_host_names(void)
{
	struct sockobj_addr a;
	char name[256], tiny[1];
	int ret;

	CHECK_OK(sockobj_local_host_name(name, sizeof(name)));
	CHECK(strlen(name) > 0);
	CHECK_RET(sockobj_local_host_name(tiny, sizeof(tiny)), -ENAMETOOLONG);
	CHECK_RET(sockobj_local_host_name(NULL, 0), -EINVAL);

	/* 127.0.0.1 is normally "localhost" through /etc/hosts. */
	CHECK_OK(sockobj_addr_parse(&a, "127.0.0.1"));
	ret = sockobj_host_by_addr(&a, name, sizeof(name));
	if (ret == 0)
		CHECK(strlen(name) > 0);
	else
		CHECK_RET(ret, -SOCKOBJ_ENAME);
	memset(&a, 0, sizeof(a));
	CHECK_RET(sockobj_host_by_addr(&a, name, sizeof(name)),
		  -EAFNOSUPPORT);
	return T_PASS;
}

static int test_open_args(void)
{
	struct sockobj_ctx *ctx = NULL;

	CHECK_RET(sockobj_open(NULL, 0), -EINVAL);
	CHECK_RET(sockobj_open(&ctx, ~SOCKOBJ_OPEN_F_ALL), -EINVAL);
	CHECK(ctx == NULL);
	sockobj_close(NULL);
	return T_PASS;
}

/* ---- tests that need /dev/sockobj ---- */

static int have_module = -1;	/* -1: not checked, 0: absent, 1: present */
static char module_why[128];

static int need_module(void)
{
	return have_module == 1 ? T_PASS : skip("%s", module_why);
}

static int open_ctx(struct sockobj_ctx **ctxp, unsigned int flags)
{
	int ret = sockobj_open(ctxp, flags);

	if (ret < 0)
		printf("    sockobj_open: %s\n", sockobj_strerror(ret));
	return ret;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

static void module_setup(void)
{
	struct sockobj_ctx *ctx;
	int ret;

	ret = sockobj_open(&ctx, 0);
	if (ret < 0) {
		have_module = 0;
		snprintf(module_why, sizeof(module_why),
			 "/dev/%s unavailable (%s): module not loaded",
			 SOCKOBJ_DEVICE_NAME, sockobj_strerror(ret));
		return;
	}
	sockobj_close(ctx);
	have_module = 1;

	/* Contexts opened from now on work in the new namespace. */
	if (unshare(CLONE_NEWNET) < 0) {
		printf("note: unshare(CLONE_NEWNET): %s; using the current "
		       "network namespace\n", strerror(errno));
		return;
	}
	if (lo_up() < 0)
		printf("note: cannot bring lo up: %s\n", strerror(errno));
}

/* A listening TCP socket on the loopback address of family. */
static int listener(int family, struct sockaddr_storage *ss, socklen_t *len,
		    int do_listen)
{
	int fd;

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
		*len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
		*len = sizeof(struct sockaddr_in6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)ss, *len) < 0 ||
	    (do_listen && listen(fd, 16) < 0) ||
	    getsockname(fd, (struct sockaddr *)ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static unsigned int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static int accept_wait(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	if (poll(&pfd, 1, WAIT_MS) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static void print_event(const char *what, const struct sockobj_event *ev)
{
	printf("    %s: id %u seq %llu %s %s -> %s reason %s phase %s error %d "
	       "merged %u\n", what, ev->id, (unsigned long long)ev->seq,
	       sockobj_event_type_name(ev->type),
	       sockobj_state_name(ev->prev_state),
	       sockobj_state_name(ev->state), sockobj_reason_name(ev->reason),
	       sockobj_state_name(ev->phase), ev->error, ev->merged);
}

static int test_api(void)
{
	struct sockobj_ctx *ctx;
	struct sockobj_api api;

	if (need_module())
		return T_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	CHECK(sockobj_fd(ctx) >= 0);
	CHECK(fcntl(sockobj_fd(ctx), F_GETFD) & FD_CLOEXEC);
	CHECK(!(fcntl(sockobj_fd(ctx), F_GETFL) & O_NONBLOCK));
	CHECK_OK(sockobj_get_api(ctx, &api));
	printf("    api_version %u event_size %u features %#llx "
	       "max_objects %u\n", api.api_version, api.event_size,
	       (unsigned long long)api.features, api.max_objects);
	CHECK_EQ(api.api_version, SOCKOBJ_API_VERSION);
	CHECK_EQ(api.event_size, sizeof(struct sockobj_event));
	CHECK(api.features & SOCKOBJ_FEAT_TCP);
	CHECK(api.features & SOCKOBJ_FEAT_EVENTS);
	CHECK(api.max_objects > 0);
	CHECK_OK(sockobj_check_api(ctx));
	CHECK_EQ(sockobj_queued_events(ctx), 0);
	sockobj_close(ctx);
	return T_PASS;
}

static int test_nonblock_empty(void)
{
	struct sockobj_ctx *ctx;
	struct sockobj_event evs[4];
	struct timespec t0, t1;
	long ms;

	if (need_module())
		return T_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK(fcntl(sockobj_fd(ctx), F_GETFL) & O_NONBLOCK);
	CHECK_RET(sockobj_read_events(ctx, evs, 4), -EAGAIN);
	CHECK_RET(sockobj_read_events(ctx, evs, 0), -EINVAL);
	CHECK_RET(sockobj_wait_events(ctx, evs, 4, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_RET(sockobj_wait_events(ctx, evs, 4, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= 90 && ms < 2000);
	sockobj_close(ctx);
	return T_PASS;
}

static int test_object_errors(void)
{
	struct sockobj_ctx *ctx;
	struct sockobj_config cfg;
	struct sockobj_info info;
	struct sockobj_event ev;
	int id;

	if (need_module())
		return T_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	CHECK_RET(sockobj_create(ctx, 0, 0), -EPROTONOSUPPORT);
	CHECK_RET(sockobj_create(ctx, SOCKOBJ_PROTO_UDP + 1, 0),
		  -EPROTONOSUPPORT);
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 77);
	CHECK(id > 0);

	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.id, id);
	CHECK_EQ(info.proto, SOCKOBJ_PROTO_TCP);
	CHECK_EQ(info.cookie, 77);
	CHECK_EQ(info.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(info.reason, SOCKOBJ_REASON_NONE);
	CHECK_EQ(info.pending, 0);

	CHECK_RET(sockobj_get_info(ctx, id + 1000, &info), -ENOENT);
	CHECK_RET(sockobj_connect(ctx, id + 1000), -ENOENT);
	CHECK_RET(sockobj_connect(ctx, id), -EDESTADDRREQ);
	CHECK_RET(sockobj_disconnect(ctx, id), -ENOTCONN);
	CHECK_RET(sockobj_abort(ctx, id), -ENOTCONN);
	CHECK_RET(sockobj_set_iface(ctx, id, "nosuchif0", 0), -ENODEV);
	CHECK_RET(sockobj_set_iface(ctx, id, "lo", 1), -EINVAL);
	CHECK_RET(sockobj_set_iface(ctx, id, "0123456789abcdef", 0), -EINVAL);
	CHECK_RET(sockobj_set_connect_timeout(ctx, id,
					      SOCKOBJ_CONNECT_TIMEOUT_MAX_MS + 1),
		  -EINVAL);
	CHECK_RET(sockobj_destroy(ctx, id, ~0U), -EINVAL);

	/* One property per call; the others keep their value. */
	CHECK_OK(sockobj_set_connect_timeout(ctx, id, 1234));
	CHECK_OK(sockobj_set_iface(ctx, id, "lo", 0));
	CHECK_RET(sockobj_set_target_host(ctx, id, "bad..name", 80, AF_UNSPEC),
		  -SOCKOBJ_ENAME);
	CHECK_RET(sockobj_set_target_host(ctx, id, "127.0.0.1", 65536,
					  AF_UNSPEC), -EINVAL);
	CHECK_OK(sockobj_set_target_host(ctx, id, "127.0.0.1", 9, AF_INET));
	CHECK_OK(sockobj_get_config(ctx, id, &cfg));
	CHECK_EQ(cfg.id, id);
	CHECK_EQ(cfg.mask, SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_IFACE |
		 SOCKOBJ_CFG_CONNECT_TIMEOUT);
	CHECK_EQ(cfg.connect_timeout_ms, 1234);
	CHECK(cfg.ifindex > 0);
	CHECK_STR(cfg.ifname, "lo");
	CHECK(fmt_is(&cfg.target, "127.0.0.1:9"));
	CHECK_EQ(cfg.local.family, 0);

	/* Raw form: unset the interface binding. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_IFACE;
	CHECK_OK(sockobj_configure(ctx, &cfg));
	CHECK_OK(sockobj_get_config(ctx, id, &cfg));
	CHECK_EQ(cfg.ifindex, 0);
	cfg.reserved[0] = 1;
	CHECK_RET(sockobj_configure(ctx, &cfg), -EINVAL);

	/* Already CLOSED with nothing pending: at once, synthesized. */
	memset(&ev, 0xaa, sizeof(ev));
	CHECK_OK(sockobj_wait_state(ctx, id,
				    SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED),
				    0, &ev));
	CHECK_EQ(ev.id, id);
	CHECK_EQ(ev.cookie, 77);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(ev.merged, 0);
	CHECK_EQ(ev.seq, 0);
	CHECK_RET(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED), 50, &ev),
		  -ETIME);
	CHECK_RET(sockobj_wait_state(ctx, id, 0, 0, &ev), -EINVAL);
	CHECK_RET(sockobj_wait_state(ctx, id, 1U << SOCKOBJ_STATE_COUNT, 0,
				     &ev), -EINVAL);
	CHECK_RET(sockobj_wait_state(ctx, id + 1000,
			SOCKOBJ_STATE_MASK_ALL, 0, &ev), -ENOENT);

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	CHECK_RET(sockobj_get_info(ctx, id, &info), -ENOENT);
	CHECK_RET(sockobj_destroy(ctx, id, 0), -ENOENT);
	sockobj_close(ctx);
	return T_PASS;
}

/* Connects, then closes from the peer side first (passive close). */
static int connect_passive_close(int family)
{
	const unsigned int est_or_closed =
		SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
		SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED);
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_info info;
	struct sockobj_event ev;
	char want[SOCKOBJ_ADDRSTRLEN];
	uint64_t seq;
	socklen_t len;
	int lfd, afd, id;

	lfd = listener(family, &ss, &len, 1);
	if (lfd < 0)
		return skip("no %s loopback listener: %s",
			    family == AF_INET ? "IPv4" : "IPv6",
			    strerror(errno));
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x1234);
	CHECK(id > 0);
	if (family == AF_INET)
		CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss,
					    len));
	else
		CHECK_OK(sockobj_set_target_host(ctx, id, "::1", port_of(&ss),
						 AF_INET6));
	CHECK_OK(sockobj_set_connect_timeout(ctx, id, WAIT_MS));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_RET(sockobj_connect(ctx, id), -EISCONN);
	CHECK_RET(sockobj_set_connect_timeout(ctx, id, 1), -EISCONN);

	CHECK_OK(sockobj_wait_state(ctx, id, est_or_closed, WAIT_MS, &ev));
	print_event("connected", &ev);
	CHECK_EQ(ev.id, id);
	CHECK_EQ(ev.type, SOCKOBJ_EV_STATE);
	CHECK_EQ(ev.cookie, 0x1234);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(ev.prev_state, SOCKOBJ_STATE_CONNECTING);
	CHECK_EQ(ev.merged, 1);
	CHECK(ev.seq > 0);
	CHECK(ev.timestamp_ns > 0);
	seq = ev.seq;

	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	snprintf(want, sizeof(want), family == AF_INET ? "127.0.0.1:%u" :
		 "[::1]:%u", port_of(&ss));
	CHECK(fmt_is(&info.remote, want));
	CHECK_EQ(info.local.family, family);
	CHECK(info.local.port > 0);
	CHECK(info.connect_ns > 0 && info.established_ns >= info.connect_ns);

	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	close(afd);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_PEER_CLOSING) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED),
			WAIT_MS, &ev));
	print_event("peer closed", &ev);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_PEER_CLOSING);
	CHECK(ev.seq > seq);
	seq = ev.seq;

	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	print_event("closed", &ev);
	CHECK(ev.seq > seq);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_PEER_CLOSED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_CLOSING);
	CHECK_EQ(ev.error, 0);
	/*
	 * The peer's FIN also made the object READABLE (EOF can be read):
	 * a data record, which the waits skipped and kept.
	 */
	CHECK_EQ(sockobj_queued_events(ctx), 1);
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), 1);
	CHECK_EQ(ev.type, SOCKOBJ_EV_READABLE);
	CHECK(ev.seq > seq);
	CHECK_EQ(sockobj_queued_events(ctx), 0);

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

static int test_connect_v4(void)
{
	if (need_module())
		return T_SKIP;
	return connect_passive_close(AF_INET);
}

static int test_connect_v6(void)
{
	struct sockobj_ctx *ctx;
	struct sockobj_api api;

	if (need_module())
		return T_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	CHECK_OK(sockobj_get_api(ctx, &api));
	sockobj_close(ctx);
	if (!(api.features & SOCKOBJ_FEAT_IPV6))
		return skip("the module has no SOCKOBJ_FEAT_IPV6");
	return connect_passive_close(AF_INET6);
}

/* Disconnect first (active close), then abort on a second connection. */
static int test_local_close_abort(void)
{
	const unsigned int closed = SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED);
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_event ev;
	char c;
	socklen_t len;
	int lfd, afd, id;

	if (need_module())
		return T_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 1);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) | closed,
			WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);

	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_RET(sockobj_disconnect(ctx, id), -EALREADY);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSING) | closed,
			WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSING);
	/* The peer sees EOF, then closes its side: the close completes. */
	CHECK_EQ(read(afd, &c, 1), 0);
	close(afd);
	CHECK_OK(sockobj_wait_state(ctx, id, closed, WAIT_MS, &ev));
	print_event("local close", &ev);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_LOCAL_CLOSED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_CLOSING);

	/* Connect the same object again, then abort. */
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) | closed,
			WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	CHECK_OK(sockobj_abort(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id, closed, 0, &ev));
	print_event("abort", &ev);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_ABORTED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_ESTABLISHED);
	CHECK(ev.merged >= 1);
	close(afd);

	CHECK_OK(sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT));
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), -EAGAIN);
	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

static int test_refused(void)
{
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_info info;
	struct sockobj_event ev;
	socklen_t len;
	int fd, id;

	if (need_module())
		return T_SKIP;
	/* Bound, never listening: the port answers SYN with RST. */
	fd = listener(AF_INET, &ss, &len, 0);
	CHECK(fd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 2);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	print_event("refused", &ev);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_REFUSED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_CONNECTING);
	CHECK_EQ(ev.error, ECONNREFUSED);
	CHECK_EQ(ev.cookie, 2);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(info.reason, SOCKOBJ_REASON_REFUSED);
	CHECK_EQ(info.pending, 0);
	CHECK_STR(sockobj_reason_describe(ev.reason),
		  "connection refused by the peer");
	CHECK_OK(sockobj_destroy(ctx, id, 0));
	sockobj_close(ctx);
	close(fd);
	return T_PASS;
}

/*
 * Waiting for A must keep the records of B that it reads: B connects
 * first, so its CONNECTING record is read before A's ESTABLISHED.
 */
static int test_wait_state_keeps_others(void)
{
	const unsigned int est = SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
				 SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED);
	struct sockaddr_storage ss;
	struct sockobj_event ev, evs[16];
	struct sockobj_ctx *ctx;
	int lfd, a, b, c, n, i, got_b = 0;
	uint64_t b_seq = 0;
	socklen_t len;

	if (need_module())
		return T_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	a = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xa);
	b = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xb);
	c = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xc);
	CHECK(a > 0 && b > 0 && c > 0);
	CHECK(a != b && b != c && a != c);
	CHECK_OK(sockobj_set_target(ctx, a, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_set_target(ctx, b, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_set_target(ctx, c, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, b));
	CHECK_OK(sockobj_connect(ctx, c));
	CHECK_OK(sockobj_connect(ctx, a));

	CHECK_OK(sockobj_wait_state(ctx, a, est, WAIT_MS, &ev));
	CHECK_EQ(ev.id, a);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	printf("    %d records of other objects queued\n",
	       sockobj_queued_events(ctx));
	CHECK(sockobj_queued_events(ctx) >= 2);

	/* Destroying C drops its queued records with it. */
	CHECK_OK(sockobj_destroy(ctx, c, SOCKOBJ_DESTROY_ABORT));

	/* B's records, all of them, in order, queued ones first. */
	while (got_b < 2) {
		n = sockobj_wait_events(ctx, evs, 16, WAIT_MS);
		CHECK(n > 0);
		for (i = 0; i < n; i++) {
			print_event("read", &evs[i]);
			CHECK(evs[i].id != (unsigned int)c);
			CHECK(evs[i].id == (unsigned int)b);
			CHECK(evs[i].seq > b_seq);
			b_seq = evs[i].seq;
			CHECK_EQ(evs[i].cookie, 0xb);
			if (got_b == 0) {
				CHECK_EQ(evs[i].prev_state,
					 SOCKOBJ_STATE_CLOSED);
				CHECK_EQ(evs[i].state,
					 SOCKOBJ_STATE_CONNECTING);
			} else {
				CHECK_EQ(evs[i].state,
					 SOCKOBJ_STATE_ESTABLISHED);
			}
			got_b++;
		}
	}
	CHECK_EQ(sockobj_queued_events(ctx), 0);

	/* B is ESTABLISHED with nothing pending: no wait. */
	CHECK_OK(sockobj_wait_state(ctx, b, est, 0, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(ev.merged, 0);

	CHECK_OK(sockobj_destroy(ctx, a, SOCKOBJ_DESTROY_ABORT));
	CHECK_OK(sockobj_destroy(ctx, b, SOCKOBJ_DESTROY_ABORT));
	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

/*
 * Records of the waited-for object that follow the one returned are kept
 * too: wait for CONNECTING once the object is already ESTABLISHED.
 */
static int test_wait_state_keeps_later(void)
{
	struct sockaddr_storage ss;
	struct sockobj_event ev, evs[4];
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	socklen_t len;
	int lfd, id, i;

	if (need_module())
		return T_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 3);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	for (i = 0; i < WAIT_MS / 10; i++) {
		CHECK_OK(sockobj_get_info(ctx, id, &info));
		if (info.state != SOCKOBJ_STATE_CONNECTING)
			break;
		usleep(10000);
	}
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(info.pending, 2);

	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CONNECTING), 0, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CONNECTING);
	CHECK_EQ(ev.merged, 1);
	CHECK_EQ(sockobj_queued_events(ctx), 1);
	CHECK_RET(sockobj_read_events(ctx, evs, 4), 1);
	CHECK_EQ(evs[0].id, id);
	CHECK_EQ(evs[0].state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK(evs[0].seq > ev.seq);
	CHECK_RET(sockobj_read_events(ctx, evs, 4), -EAGAIN);

	CHECK_OK(sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT));
	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* A child that sends SIGUSR1 to the caller after ms. */
static pid_t signal_later(int ms)
{
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid == 0) {
		usleep(ms * 1000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	return pid;
}

/*
 * The EINTR policy: the wait functions restart with the time left, a
 * blocking read is not restarted. The handler has no SA_RESTART.
 */
static int test_eintr(void)
{
	struct sigaction sa, old;
	struct sockobj_ctx *ctx;
	struct sockobj_event evs[2];
	struct timespec t0, t1;
	pid_t pid;
	long ms;
	int ret;

	if (need_module())
		return T_SKIP;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, &old) == 0);
	CHECK_OK(open_ctx(&ctx, 0));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = signal_later(50);
	CHECK(pid > 0);
	CHECK_RET(sockobj_wait_events(ctx, evs, 2, 300), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(pid, NULL, 0);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= 290 && ms < 3000);

	pid = signal_later(50);
	CHECK(pid > 0);
	ret = sockobj_read_events(ctx, evs, 2);
	waitpid(pid, NULL, 0);
	CHECK_RET(ret, -EINTR);

	sockobj_close(ctx);
	sigaction(SIGUSR1, &old, NULL);
	return T_PASS;
}

/* ---- the data path (library 0.2) ---- */

static int need_feature(uint64_t bit, const char *name)
{
	struct sockobj_ctx *ctx;
	struct sockobj_api api;
	int ret;

	if (need_module())
		return T_SKIP;
	ret = sockobj_open(&ctx, 0);
	if (ret < 0)
		return skip("sockobj_open: %s", sockobj_strerror(ret));
	ret = sockobj_get_api(ctx, &api);
	sockobj_close(ctx);
	if (ret < 0)
		return skip("sockobj_get_api: %s", sockobj_strerror(ret));
	if (!(api.features & bit))
		return skip("the module has no %s", name);
	return T_PASS;
}

#define NEED_FEATURE(bit) do {						\
	if (need_feature(bit, #bit))					\
		return T_SKIP;						\
} while (0)

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int addr_is(const struct sockobj_addr *a,
		   const struct sockaddr_storage *ss, socklen_t len)
{
	struct sockobj_addr b;

	return sockobj_addr_from_sockaddr(&b, (const struct sockaddr *)ss,
					  len) == 0 &&
	       !memcmp(a, &b, sizeof(b));
}

/* A TCP object connected to a listener of lfd's; the peer end in *afd. */
static int tcp_pair(struct sockobj_ctx *ctx, int lfd,
		    const struct sockaddr_storage *ss, socklen_t len,
		    uint64_t cookie, int *afd)
{
	struct sockobj_event ev;
	int id, ret;

	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, cookie);
	if (id < 0)
		return id;
	ret = sockobj_set_target(ctx, id, (const struct sockaddr *)ss, len);
	if (ret == 0)
		ret = sockobj_connect(ctx, id);
	if (ret == 0)
		ret = sockobj_wait_state(ctx, id,
				SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
				SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED),
				WAIT_MS, &ev);
	if (ret == 0 && ev.state != SOCKOBJ_STATE_ESTABLISHED)
		ret = -ECONNREFUSED;
	if (ret == 0) {
		*afd = accept_wait(lfd);
		if (*afd < 0)
			ret = -ETIMEDOUT;
	}
	if (ret < 0) {
		printf("    tcp_pair: %s\n", sockobj_strerror(ret));
		sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT);
		return ret;
	}
	return id;
}

/*
 * The next record of the context, from the library's queue or the fd;
 * 0 when none came within ms.
 */
static int next_event(struct sockobj_ctx *ctx, struct sockobj_event *ev,
		      int ms)
{
	return sockobj_wait_events(ctx, ev, 1, ms);
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + (i >> 8) * 13 + 1);
}

/*
 * A round trip through an echo peer written here: TOTAL bytes sent through
 * the object are read by the peer and sent back, received through the
 * object and compared. Small buffers force partial sends and -EAGAIN, so
 * that the loop lives on WRITABLE and READABLE records; a stall (an edge
 * that never came) fails the test instead of spinning.
 */
#define TOTAL		(512 * 1024)
#define ECHO_BUF	(64 * 1024)

static int test_tcp_round_trip(void)
{
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_info info;
	struct sockobj_event ev;
	struct sockobj_recv_info ri;
	static unsigned char echo[ECHO_BUF], in[16384], out[16384];
	size_t sent = 0, rcvd = 0, e_len = 0, e_off = 0, i;
	int can_send = 1, can_recv = 1, peer_eof = 0;
	int n_readable = 0, n_writable = 0, n_again = 0, n_partial = 0;
	socklen_t len;
	int lfd, afd, id, ret;

	NEED_FEATURE(SOCKOBJ_FEAT_DATA);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x55);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_bufsizes(ctx, id, 4096, 4096));
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_RET(sockobj_send(ctx, id, "x", 1), -ENOTCONN);
	CHECK_RET(sockobj_recv(ctx, id, in, 1, 0, NULL), -ENOTCONN);
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	set_nonblock(afd);

	while (rcvd < TOTAL) {
		struct pollfd pfd[2];
		int progress = 0;

		/* The object: send what fits, receive what came. */
		while (can_send && sent < TOTAL) {
			size_t n = TOTAL - sent < sizeof(out) ?
				   TOTAL - sent : sizeof(out);

			for (i = 0; i < n; i++)
				out[i] = pattern(sent + i);
			ret = sockobj_send(ctx, id, out, n);
			if (ret == -EAGAIN) {
				n_again++;
				can_send = 0;
				break;
			}
			CHECK(ret > 0);
			if ((size_t)ret < n) {
				n_partial++;
				can_send = 0;
			}
			sent += (size_t)ret;
			progress = 1;
		}
		while (can_recv) {
			ret = sockobj_recv(ctx, id, in, sizeof(in), 0, &ri);
			if (ret == -EAGAIN) {
				can_recv = 0;
				break;
			}
			CHECK(ret > 0);
			CHECK(addr_is(&ri.source, &ss, len));
			CHECK_EQ(ri.full_len, ret);
			CHECK_EQ(ri.truncated, 0);
			for (i = 0; i < (size_t)ret; i++)
				if (in[i] != pattern(rcvd + i))
					FAILED("byte %zu differs", rcvd + i);
			rcvd += (size_t)ret;
			progress = 1;
		}
		/* The echo peer. */
		if (!peer_eof && e_len < sizeof(echo)) {
			ssize_t r = read(afd, echo + e_len, sizeof(echo) - e_len);

			if (r > 0) {
				e_len += (size_t)r;
				progress = 1;
			} else if (r == 0) {
				peer_eof = 1;
			}
		}
		if (e_off < e_len) {
			ssize_t w = write(afd, echo + e_off, e_len - e_off);

			if (w > 0) {
				e_off += (size_t)w;
				progress = 1;
			}
			if (e_off == e_len)
				e_off = e_len = 0;
		}
		/* Records: only edges, after -EAGAIN or a partial send. */
		while ((ret = sockobj_read_events(ctx, &ev, 1)) == 1) {
			CHECK_EQ(ev.id, id);
			CHECK_EQ(ev.cookie, 0x55);
			if (ev.type == SOCKOBJ_EV_READABLE) {
				n_readable++;
				can_recv = 1;
			} else if (ev.type == SOCKOBJ_EV_WRITABLE) {
				n_writable++;
				can_send = 1;
			} else {
				print_event("unexpected", &ev);
				FAILED("unexpected record of type %s",
				       sockobj_event_type_name(ev.type));
			}
			CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
			CHECK(ev.merged >= 1);
			progress = 1;
		}
		CHECK_RET(ret, -EAGAIN);
		if (progress)
			continue;
		pfd[0].fd = sockobj_fd(ctx);
		pfd[0].events = POLLIN;
		pfd[1].fd = afd;
		pfd[1].events = (e_len < sizeof(echo) ? POLLIN : 0) |
				(e_off < e_len ? POLLOUT : 0);
		if (poll(pfd, 2, WAIT_MS) <= 0)
			FAILED("stalled: sent %zu received %zu, can_send %d "
			       "can_recv %d", sent, rcvd, can_send, can_recv);
	}
	printf("    %d bytes each way: %d READABLE, %d WRITABLE, %d EAGAIN, "
	       "%d partial sends\n", TOTAL, n_readable, n_writable, n_again,
	       n_partial);
	CHECK_EQ(sent, TOTAL);
	CHECK(n_readable > 0);
	CHECK(n_writable > 0);
	CHECK(n_writable <= n_again + n_partial);

	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.bytes_sent, TOTAL);
	CHECK_EQ(info.bytes_received, TOTAL);
	CHECK_EQ(info.rx_queued, 0);

	/* Peek leaves the data queued. */
	CHECK_EQ(write(afd, "peek", 4), 4);
	for (i = 0; i < WAIT_MS / 10; i++) {
		ret = sockobj_recv(ctx, id, in, 2, SOCKOBJ_IO_PEEK, NULL);
		if (ret != -EAGAIN)
			break;
		usleep(10000);
	}
	CHECK_RET(ret, 2);
	CHECK(!memcmp(in, "pe", 2));
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), 0, NULL), 4);
	CHECK(!memcmp(in, "peek", 4));
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), ~0U, NULL), -EINVAL);

	/* The peer's EOF: PEER_CLOSING, then recv returns 0, again. */
	close(afd);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_PEER_CLOSING), WAIT_MS,
			&ev));
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), 0, NULL), 0);
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), 0, NULL), 0);
	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_PEER_CLOSED);
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), 0, NULL), -ENOTCONN);
	CHECK_RET(sockobj_send(ctx, id, "x", 1), -ENOTCONN);
	CHECK_RET(sockobj_send(ctx, id + 1000, "x", 1), -ENOENT);

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

/*
 * Our FIN first: the peer then answers and closes. What it sent after
 * our disconnect must still be receivable (RECV is allowed in CLOSING),
 * even when it arrives together with its FIN before we read it.
 */
static int test_tcp_recv_after_disconnect(void)
{
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_event ev;
	char buf[64];
	int lfd, afd, id, ret, i;
	socklen_t len;

	NEED_FEATURE(SOCKOBJ_FEAT_DATA);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = tcp_pair(ctx, lfd, &ss, len, 9, &afd);
	CHECK(id > 0);
	CHECK_RET(sockobj_send(ctx, id, "request", 7), 7);
	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_RET(sockobj_send(ctx, id, "x", 1), -EPIPE);
	/* The peer reads the request and EOF, answers, closes. */
	for (i = 0; i < 2; i++) {
		ret = (int)read(afd, buf, sizeof(buf));
		if (ret == 0)
			break;
		CHECK(ret > 0);
	}
	CHECK_EQ(write(afd, "answer", 6), 6);
	close(afd);

	/* READABLE comes before the CLOSED record; read it when it does. */
	for (;;) {
		CHECK_RET(next_event(ctx, &ev, WAIT_MS), 1);
		print_event("after disconnect", &ev);
		if (ev.type == SOCKOBJ_EV_READABLE)
			break;
		if (ev.type == SOCKOBJ_EV_STATE &&
		    ev.state == SOCKOBJ_STATE_CLOSED)
			FAILED("CLOSED before any READABLE record");
	}
	ret = sockobj_recv(ctx, id, buf, sizeof(buf), 0, NULL);
	if (ret != 6)
		FAILED("recv after the peer's answer and FIN returned %d (%s), "
		       "expected the 6 bytes \"answer\"", ret,
		       ret < 0 ? sockobj_strerror(ret) : "short");
	CHECK(!memcmp(buf, "answer", 6));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_LOCAL_CLOSED);
	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

/* A UDP socket of the test, on 127.0.0.1, any port. */
static int udp_socket(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	int fd;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*len = sizeof(*sin);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)ss, *len) < 0 ||
	    getsockname(fd, (struct sockaddr *)ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static ssize_t recv_wait(int fd, void *buf, size_t len,
			 struct sockaddr_storage *from, socklen_t *fromlen)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, WAIT_MS) != 1)
		return -1;
	*fromlen = sizeof(*from);
	return recvfrom(fd, buf, len, 0, (struct sockaddr *)from, fromlen);
}

/* Waits for the next data record of id of the given type. */
static int wait_data(struct sockobj_ctx *ctx, unsigned int id,
		     unsigned int type, struct sockobj_event *ev)
{
	int ret;

	for (;;) {
		ret = next_event(ctx, ev, WAIT_MS);
		if (ret != 1)
			return ret < 0 ? ret : -ETIME;
		if (ev->id == id && ev->type == type)
			return 0;
		print_event("skipped", ev);
	}
}

static int test_udp(void)
{
	struct sockaddr_storage srv, from, other_ss, local_ss;
	struct sockobj_recv_info ri;
	struct sockobj_ctx *ctx;
	struct sockobj_info info;
	struct sockobj_event ev;
	socklen_t srv_len, from_len, other_len, local_len;
	char buf[256], big[100];
	int sfd, ofd, id, id2, cfd;

	NEED_FEATURE(SOCKOBJ_FEAT_UDP);
	sfd = udp_socket(&srv, &srv_len);
	CHECK(sfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_UDP, 0xd);
	CHECK(id > 0);
	/* TCP-only options are refused for UDP, and the other way round. */
	CHECK_RET(sockobj_set_nodelay(ctx, id, 1), -EINVAL);
	CHECK_RET(sockobj_set_sent_threshold(ctx, id, 100), -EINVAL);
	CHECK_OK(sockobj_set_broadcast(ctx, id, 1));
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&srv,
				    srv_len));
	CHECK_OK(sockobj_connect(ctx, id));
	/* No handshake: ESTABLISHED at once. */
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 0, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.proto, SOCKOBJ_PROTO_UDP);
	CHECK(info.local.port > 0);

	/* One send, one datagram; it comes from the object's address. */
	CHECK_RET(sockobj_send(ctx, id, "ping", 4), 4);
	CHECK_RET(sockobj_send(ctx, id, "", 0), 0);
	CHECK_EQ(recv_wait(sfd, buf, sizeof(buf), &from, &from_len), 4);
	CHECK(!memcmp(buf, "ping", 4));
	CHECK(addr_is(&info.local, &from, from_len));
	CHECK_EQ(recv_wait(sfd, buf, sizeof(buf), &from, &from_len), 0);

	/* Replies: a datagram, a truncated one, an empty one. */
	CHECK_EQ(sendto(sfd, "pong", 4, 0, (struct sockaddr *)&from,
			from_len), 4);
	CHECK_OK(wait_data(ctx, id, SOCKOBJ_EV_READABLE, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	memset(&ri, 0xaa, sizeof(ri));
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, &ri), 4);
	CHECK(!memcmp(buf, "pong", 4));
	CHECK(addr_is(&ri.source, &srv, srv_len));
	CHECK_EQ(ri.full_len, 4);
	CHECK_EQ(ri.truncated, 0);
	CHECK_EQ(ri.pad, 0);
	CHECK_EQ(ri.reserved[0], 0);
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, &ri), -EAGAIN);

	memset(big, 'b', sizeof(big));
	CHECK_EQ(sendto(sfd, big, sizeof(big), 0, (struct sockaddr *)&from,
			from_len), (ssize_t)sizeof(big));
	CHECK_EQ(sendto(sfd, "", 0, 0, (struct sockaddr *)&from, from_len), 0);
	CHECK_OK(wait_data(ctx, id, SOCKOBJ_EV_READABLE, &ev));
	CHECK_RET(sockobj_recv(ctx, id, buf, 10, SOCKOBJ_IO_PEEK, &ri), 10);
	CHECK_EQ(ri.full_len, sizeof(big));
	CHECK_RET(sockobj_recv(ctx, id, buf, 10, 0, &ri), 10);
	CHECK_EQ(ri.full_len, sizeof(big));
	CHECK_EQ(ri.truncated, 1);
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, &ri), 0);
	CHECK_EQ(ri.full_len, 0);
	CHECK_EQ(ri.truncated, 0);

	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.bytes_sent, 4);
	CHECK_EQ(info.bytes_received, 4 + 10);

	/* A port where nothing listens: a soft error, the object stays. */
	close(sfd);
	CHECK_RET(sockobj_send(ctx, id, "anyone?", 7), 7);
	CHECK_OK(wait_data(ctx, id, SOCKOBJ_EV_ERROR, &ev));
	print_event("icmp", &ev);
	CHECK_EQ(ev.error, ECONNREFUSED);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);

	/* No closing handshake: CLOSED at once, closed by us. */
	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 0, &ev));
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_LOCAL_CLOSED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_ESTABLISHED);

	/*
	 * recv_any: bound to a port of ours, it takes datagrams from any
	 * source and still sends to its target.
	 */
	sfd = udp_socket(&srv, &srv_len);
	ofd = udp_socket(&other_ss, &other_len);
	cfd = udp_socket(&local_ss, &local_len);	/* a free port */
	CHECK(sfd >= 0 && ofd >= 0 && cfd >= 0);
	close(cfd);
	id2 = sockobj_create(ctx, SOCKOBJ_PROTO_UDP, 0xe);
	CHECK(id2 > 0);
	CHECK_OK(sockobj_set_recv_any(ctx, id2, 1));
	CHECK_OK(sockobj_set_local(ctx, id2, (struct sockaddr *)&local_ss,
				   local_len));
	CHECK_OK(sockobj_set_target(ctx, id2, (struct sockaddr *)&srv,
				    srv_len));
	CHECK_OK(sockobj_connect(ctx, id2));
	CHECK_OK(sockobj_wait_state(ctx, id2,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 0, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(sendto(ofd, "stranger", 8, 0, (struct sockaddr *)&local_ss,
			local_len), 8);
	CHECK_OK(wait_data(ctx, id2, SOCKOBJ_EV_READABLE, &ev));
	CHECK_RET(sockobj_recv(ctx, id2, buf, sizeof(buf), 0, &ri), 8);
	CHECK(!memcmp(buf, "stranger", 8));
	CHECK(addr_is(&ri.source, &other_ss, other_len));
	CHECK_RET(sockobj_send(ctx, id2, "to target", 9), 9);
	CHECK_EQ(recv_wait(sfd, buf, sizeof(buf), &from, &from_len), 9);
	CHECK(addr_is(&ri.source, &other_ss, other_len));
	CHECK_EQ(port_of(&from), port_of(&local_ss));

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	CHECK_OK(sockobj_destroy(ctx, id2, 0));
	sockobj_close(ctx);
	close(sfd);
	close(ofd);
	return T_PASS;
}

static int sockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -errno;
	return v;
}

/*
 * Options set through the library, read back with getsockopt(2) on the
 * socket the object hands off; then the connection works as a socket.
 */
static int test_options_handoff(void)
{
	const uint64_t opts = SOCKOBJ_CFG_NODELAY | SOCKOBJ_CFG_KEEPALIVE |
		SOCKOBJ_CFG_TOS | SOCKOBJ_CFG_PRIORITY | SOCKOBJ_CFG_SNDBUF |
		SOCKOBJ_CFG_RCVBUF | SOCKOBJ_CFG_USER_TIMEOUT |
		SOCKOBJ_CFG_INACTIVITY | SOCKOBJ_CFG_SENT_THRESHOLD;
	struct sockaddr_storage ss;
	struct sockobj_config cfg;
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	char buf[32];
	size_t got;
	socklen_t len;
	int lfd, afd, id, fd;

	NEED_FEATURE(SOCKOBJ_FEAT_OPTIONS);
	NEED_FEATURE(SOCKOBJ_FEAT_HANDOFF);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x0b);
	CHECK(id > 0);

	/* Misuse and ranges. */
	CHECK_RET(sockobj_set_keepalive(ctx, id, 0, 10, 0, 0), -EINVAL);
	CHECK_RET(sockobj_set_keepalive(ctx, id, 1,
					SOCKOBJ_KEEPIDLE_MAX_S + 1, 0, 0),
		  -EINVAL);
	CHECK_RET(sockobj_set_tos(ctx, id, 256), -EINVAL);
	CHECK_RET(sockobj_set_broadcast(ctx, id, 1), -EINVAL);
	CHECK_RET(sockobj_set_recv_any(ctx, id, 1), -EINVAL);
	CHECK_RET(sockobj_set_inactivity(ctx, id,
					 SOCKOBJ_INACTIVITY_MAX_S + 1), -EINVAL);
	CHECK_RET(sockobj_set_nodelay(ctx, id + 1000, 1), -ENOENT);
	CHECK_RET(sockobj_handoff(ctx, id, 0), -ENOTCONN);
	CHECK_RET(sockobj_handoff(ctx, id, ~0U), -EINVAL);
	CHECK_RET(sockobj_handoff(ctx, id + 1000, 0), -ENOENT);

	CHECK_OK(sockobj_set_nodelay(ctx, id, 5));	/* any non-zero: on */
	CHECK_OK(sockobj_set_keepalive(ctx, id, 1, 30, 5, 3));
	CHECK_OK(sockobj_set_tos(ctx, id, 0x10));
	CHECK_OK(sockobj_set_priority(ctx, id, 3));	/* see priority_tos */
	CHECK_OK(sockobj_set_bufsizes(ctx, id, 32768, 65536));
	CHECK_OK(sockobj_set_user_timeout(ctx, id, 5000));
	CHECK_OK(sockobj_set_inactivity(ctx, id, 3600));
	CHECK_OK(sockobj_set_sent_threshold(ctx, id, 1));
	CHECK_OK(sockobj_get_config(ctx, id, &cfg));
	CHECK_EQ(cfg.mask, opts);
	CHECK_EQ(cfg.nodelay, 1);
	CHECK_EQ(cfg.keepalive, 1);
	CHECK_EQ(cfg.keepidle_s, 30);
	CHECK_EQ(cfg.keepintvl_s, 5);
	CHECK_EQ(cfg.keepcnt, 3);
	CHECK_EQ(cfg.tos, 0x10);
	CHECK_EQ(cfg.priority, 3);
	CHECK_EQ(cfg.sndbuf, 32768);
	CHECK_EQ(cfg.rcvbuf, 65536);
	CHECK_EQ(cfg.user_timeout_ms, 5000);
	CHECK_EQ(cfg.inactivity_s, 3600);
	CHECK_EQ(cfg.sent_threshold, 1);

	/* 0 unsets, the others keep their value; then set again. */
	CHECK_OK(sockobj_set_tos(ctx, id, 0));
	CHECK_OK(sockobj_set_bufsizes(ctx, id, 0, 0));
	CHECK_OK(sockobj_get_config(ctx, id, &cfg));
	CHECK_EQ(cfg.mask, opts & ~(SOCKOBJ_CFG_TOS | SOCKOBJ_CFG_SNDBUF |
				    SOCKOBJ_CFG_RCVBUF));
	CHECK_EQ(cfg.keepidle_s, 30);
	CHECK_OK(sockobj_set_tos(ctx, id, 0x10));
	CHECK_OK(sockobj_set_bufsizes(ctx, id, 32768, 65536));

	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, NULL));
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	/* Only the SENT threshold may change once open. */
	CHECK_RET(sockobj_set_nodelay(ctx, id, 0), -EISCONN);
	CHECK_OK(sockobj_set_sent_threshold(ctx, id, 100));
	CHECK_RET(sockobj_send(ctx, id, "via object;", 11), 11);

	fd = sockobj_handoff(ctx, id, 0);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK_RET(sockobj_get_info(ctx, id, &info), -ENOENT);
	CHECK_RET(sockobj_handoff(ctx, id, 0), -ENOENT);
	CHECK_EQ(sockobj_queued_events(ctx), 0);

	CHECK_EQ(sockopt_int(fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	CHECK_EQ(sockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE), 30);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL), 5);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
	CHECK_EQ(sockopt_int(fd, IPPROTO_IP, IP_TOS), 0x10);
	CHECK(sockopt_int(fd, SOL_SOCKET, SO_PRIORITY) >= 0);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 5000);
	/* The kernel doubles the sizes (socket(7)), capped by [rw]mem_max. */
	printf("    handed-off fd: SO_SNDBUF %d SO_RCVBUF %d\n",
	       sockopt_int(fd, SOL_SOCKET, SO_SNDBUF),
	       sockopt_int(fd, SOL_SOCKET, SO_RCVBUF));
	CHECK(sockopt_int(fd, SOL_SOCKET, SO_SNDBUF) >= 32768);
	CHECK(sockopt_int(fd, SOL_SOCKET, SO_RCVBUF) >= 65536);

	/* The same connection, now an ordinary socket. */
	CHECK_EQ(write(fd, "via fd", 6), 6);
	CHECK_EQ(write(afd, "back", 4), 4);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "back", 4));
	CHECK_EQ(shutdown(fd, SHUT_WR), 0);
	for (got = 0; got < 17;) {
		ssize_t r = read(afd, buf + got, sizeof(buf) - got);

		CHECK(r > 0);
		got += (size_t)r;
	}
	CHECK(!memcmp(buf, "via object;via fd", 17));
	CHECK_EQ(read(afd, buf, sizeof(buf)), 0);
	close(fd);
	close(afd);

	/* SOCKOBJ_HANDOFF_NONBLOCK. */
	id = tcp_pair(ctx, lfd, &ss, len, 0x0d, &afd);
	CHECK(id > 0);
	fd = sockobj_handoff(ctx, id, SOCKOBJ_HANDOFF_NONBLOCK);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_EQ(read(fd, buf, sizeof(buf)), -1);
	CHECK_EQ(errno, EAGAIN);
	close(fd);
	close(afd);

	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

/*
 * Priority and TOS are two properties: both must hold on the socket,
 * whatever order setsockopt() is called in (IP_TOS also sets the
 * priority, rt_tos2priority(), so it must come before SO_PRIORITY).
 */
static int test_priority_tos(void)
{
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	socklen_t len;
	int lfd, afd, id, fd, prio;

	NEED_FEATURE(SOCKOBJ_FEAT_OPTIONS);
	NEED_FEATURE(SOCKOBJ_FEAT_HANDOFF);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_priority(ctx, id, 3));
	CHECK_OK(sockobj_set_tos(ctx, id, 0x10));	/* IPTOS_LOWDELAY: 6 */
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, NULL));
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	fd = sockobj_handoff(ctx, id, 0);
	CHECK(fd >= 0);
	CHECK_EQ(sockopt_int(fd, IPPROTO_IP, IP_TOS), 0x10);
	prio = sockopt_int(fd, SOL_SOCKET, SO_PRIORITY);
	if (prio != 3)
		FAILED("SO_PRIORITY is %d, configured 3: the TOS (0x10, which "
		       "maps to priority 6) was applied after the priority",
		       prio);
	close(fd);
	close(afd);
	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

/*
 * Data records between state records: a wait for a state skips (and
 * keeps) them, and they carry the object's state without satisfying a
 * wait for it.
 */
static int test_wait_state_data_interleaved(void)
{
	const unsigned int est = SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED);
	struct sockaddr_storage ss;
	struct sockobj_event ev, evs[8];
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	char buf[64];
	socklen_t len;
	int lfd, afd, id, i, n;

	NEED_FEATURE(SOCKOBJ_FEAT_DATA);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	id = tcp_pair(ctx, lfd, &ss, len, 0x1d, &afd);
	CHECK(id > 0);

	/* READABLE (state ESTABLISHED), then PEER_CLOSING, both pending. */
	CHECK_EQ(write(afd, "data", 4), 4);
	shutdown(afd, SHUT_WR);
	for (i = 0; i < WAIT_MS / 10; i++) {
		CHECK_OK(sockobj_get_info(ctx, id, &info));
		if (info.state == SOCKOBJ_STATE_PEER_CLOSING)
			break;
		usleep(10000);
	}
	CHECK_EQ(info.state, SOCKOBJ_STATE_PEER_CLOSING);
	CHECK_EQ(info.pending, 2);	/* READABLE and PEER_CLOSING */

	/*
	 * Waiting for ESTABLISHED or PEER_CLOSING: the READABLE record,
	 * read first and carrying state ESTABLISHED, must not end the wait.
	 */
	CHECK_OK(sockobj_wait_state(ctx, id,
			est | SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_PEER_CLOSING),
			WAIT_MS, &ev));
	print_event("waited", &ev);
	CHECK_EQ(ev.type, SOCKOBJ_EV_STATE);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_PEER_CLOSING);
	CHECK_EQ(ev.prev_state, SOCKOBJ_STATE_ESTABLISHED);

	/* It is kept, still before anything newer. */
	CHECK_EQ(sockobj_queued_events(ctx), 1);
	CHECK_RET(sockobj_read_events(ctx, evs, 8), 1);
	CHECK_EQ(evs[0].type, SOCKOBJ_EV_READABLE);
	CHECK_EQ(evs[0].id, id);
	CHECK_EQ(evs[0].state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK(evs[0].seq < ev.seq);
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, NULL), 4);
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, NULL), 0);

	/*
	 * A SENT record (threshold 1: everything acknowledged) is kept by a
	 * wait for CLOSED that reads it.
	 */
	CHECK_OK(sockobj_set_sent_threshold(ctx, id, 1));
	CHECK_RET(sockobj_send(ctx, id, "reply", 5), 5);
	CHECK_EQ(read(afd, buf, sizeof(buf)), 5);
	for (i = 0; i < WAIT_MS / 10; i++) {
		struct pollfd pfd = { .fd = sockobj_fd(ctx), .events = POLLIN };

		if (poll(&pfd, 1, 10) == 1)
			break;
	}
	CHECK_OK(sockobj_disconnect(ctx, id));
	close(afd);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	CHECK_EQ(ev.type, SOCKOBJ_EV_STATE);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_PEER_CLOSED);
	n = sockobj_read_events(ctx, evs, 8);
	CHECK(n >= 1);
	for (i = 0; i < n; i++) {
		print_event("kept", &evs[i]);
		CHECK(evs[i].type != SOCKOBJ_EV_STATE);
	}
	CHECK_EQ(evs[0].type, SOCKOBJ_EV_SENT);
	CHECK(evs[0].seq < ev.seq);

	/* Already CLOSED, only data records pending: the wait is at once. */
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 0, &ev));
	CHECK_EQ(ev.seq, 0);

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

/* An idle connection is reset after the inactivity time. */
static int test_inactivity(void)
{
	struct sockaddr_storage ss;
	struct sockobj_event ev;
	struct sockobj_ctx *ctx;
	socklen_t len;
	int lfd, afd, id;
	char c;

	NEED_FEATURE(SOCKOBJ_FEAT_OPTIONS);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x1a);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_inactivity(ctx, id, 1));
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 4 * WAIT_MS,
			&ev));
	print_event("idle", &ev);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_INACTIVITY);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_STR(sockobj_reason_name(ev.reason), "INACTIVITY");
	/* It was a reset: the peer sees ECONNRESET. */
	CHECK_EQ(read(afd, &c, 1), -1);
	CHECK_EQ(errno, ECONNRESET);
	close(afd);
	sockobj_close(ctx);
	close(lfd);
	return T_PASS;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(120);	/* a hang is a failure, not a stuck CI job */

	run("version", test_version);
	run("names", test_names);
	run("strerror", test_strerror);
	run("addr_format", test_addr_format);
	run("addr_sockaddr", test_addr_sockaddr);
	run("addr_round_trip", test_addr_round_trip);
	run("resolve_numeric", test_resolve_numeric);
	run("resolve_failure", test_resolve_failure);
	run("host_names", test_host_names);
	run("open_args", test_open_args);

	module_setup();
	run("api", test_api);
	run("nonblock_empty", test_nonblock_empty);
	run("object_errors", test_object_errors);
	run("connect_v4", test_connect_v4);
	run("connect_v6", test_connect_v6);
	run("local_close_abort", test_local_close_abort);
	run("refused", test_refused);
	run("wait_state_keeps_others", test_wait_state_keeps_others);
	run("wait_state_keeps_later", test_wait_state_keeps_later);
	run("eintr", test_eintr);
	run("tcp_round_trip", test_tcp_round_trip);
	run("tcp_recv_after_disconnect", test_tcp_recv_after_disconnect);
	run("udp", test_udp);
	run("options_handoff", test_options_handoff);
	run("priority_tos", test_priority_tos);
	run("wait_state_data_interleaved", test_wait_state_data_interleaved);
	run("inactivity", test_inactivity);

	printf("libsockobj: %d passed, %d failed, %d skipped\n", n_pass,
	       n_fail, n_skip);
	return n_fail ? 1 : 0;
}
