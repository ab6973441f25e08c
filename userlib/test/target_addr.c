// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: sockobj_set_target_addr(), the target
 * given as a struct sockobj_addr: read back as set (IPv4, IPv6), the
 * errors of the library and of the kernel, and connections made straight
 * from sockobj_host_by_name()'s results, without a sockaddr.
 *
 * They need /dev/sockobj, and skip without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static int test_read_back(void)
{
	static const char *const addrs[] = {
		"192.0.2.7:8080", "[2001:db8::1]:443",
	};
	struct sockobj_config cfg;
	struct sockobj_ctx *ctx;
	struct sockobj_addr a;
	unsigned int i;
	int id;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0);
	CHECK(id > 0);
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		CHECK_OK(sockobj_addr_parse(&a, addrs[i]));
		CHECK_OK(sockobj_set_target_addr(ctx, id, &a));
		CHECK_OK(sockobj_get_config(ctx, id, &cfg));
		CHECK(cfg.mask & SOCKOBJ_CFG_TARGET);
		CHECK(fmt_is(&cfg.target, addrs[i]));
		CHECK_EQ(memcmp(&cfg.target, &a, sizeof(a)), 0);
	}
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

static int test_errors(void)
{
	struct sockaddr_storage ss;
	struct sockobj_config cfg;
	struct sockobj_ctx *ctx;
	struct sockobj_addr a, good;
	socklen_t len;
	int lfd, afd, id;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0);
	CHECK(id > 0);
	CHECK_OK(sockobj_addr_parse(&good, "192.0.2.7:8080"));
	CHECK_OK(sockobj_set_target_addr(ctx, id, &good));

	/* Refused by the library. */
	CHECK_RET(sockobj_set_target_addr(ctx, id, NULL), -EINVAL);
	a = good;
	a.family = 0;
	CHECK_RET(sockobj_set_target_addr(ctx, id, &a), -EAFNOSUPPORT);
	a.family = AF_UNIX;
	CHECK_RET(sockobj_set_target_addr(ctx, id, &a), -EAFNOSUPPORT);
	/* sockobj_set_target() says the same of an unset address */
	memset(&ss, 0, sizeof(ss));
	CHECK_RET(sockobj_set_target(ctx, id, (struct sockaddr *)&ss,
				     sizeof(ss)), -EAFNOSUPPORT);
	CHECK_RET(sockobj_set_target(ctx, id, NULL, 0), -EINVAL);

	/* Refused by the kernel, which checks what the library passes on. */
	a = good;
	a.port = 0;
	CHECK_RET(sockobj_set_target_addr(ctx, id, &a), -EINVAL);
	CHECK_OK(sockobj_addr_parse(&a, "0.0.0.0:80"));
	CHECK_RET(sockobj_set_target_addr(ctx, id, &a), -EINVAL);
	a = good;
	a.addr[15] = 1;		/* beyond the 4 bytes of an IPv4 address */
	CHECK_RET(sockobj_set_target_addr(ctx, id, &a), -EINVAL);
	CHECK_RET(sockobj_set_target_addr(ctx, id + 1, &good), -ENOENT);

	/* A failed call changed nothing. */
	CHECK_OK(sockobj_get_config(ctx, id, &cfg));
	CHECK_EQ(memcmp(&cfg.target, &good, sizeof(good)), 0);

	/* Only while CLOSED. */
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	id = tcp_pair(ctx, lfd, &ss, len, 0, &afd);
	CHECK(id > 0);
	CHECK_RET(sockobj_set_target_addr(ctx, id, &good), -EISCONN);
	close(afd);
	close(lfd);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* host_by_name() then set_target_addr(): what the function is for. */
static int by_name(int family, const char *host)
{
	struct sockobj_addr addrs[4];
	struct sockaddr_storage ss;
	struct sockobj_event ev;
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	socklen_t len;
	int lfd, afd, id, n;

	lfd = listener(family, &ss, &len, 1);
	if (lfd < 0)
		return skip("no %s listener: %s", host, strerror(errno));
	n = sockobj_host_by_name(host, family, addrs, 4);
	CHECK_RET(n, 1);
	addrs[0].port = port_of(&ss);

	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target_addr(ctx, id, &addrs[0]));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	if (ev.state != SOCKOBJ_STATE_ESTABLISHED) {
		print_event("last", &ev);
		FAILED("not ESTABLISHED");
	}
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK(addr_is(&info.remote, &ss, len));
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	close(afd);
	close(lfd);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

static int test_by_name_ipv4(void)
{
	if (need_module())
		return T_EXIT_SKIP;
	return by_name(AF_INET, "127.0.0.1");
}

static int test_by_name_ipv6(void)
{
	if (need_module())
		return T_EXIT_SKIP;
	return by_name(AF_INET6, "::1");
}

int main(void)
{
	t_init();
	module_setup();
	t_run("read_back", test_read_back);
	t_run("errors", test_errors);
	t_run("by_name_ipv4", test_by_name_ipv4);
	t_run("by_name_ipv6", test_by_name_ipv6);
	return t_exit();
}
