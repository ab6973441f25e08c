// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: struct sockobj_addr formatted, converted from
 * and to struct sockaddr, parsed.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

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
	return T_EXIT_PASS;
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
	return T_EXIT_PASS;
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
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	t_run("addr_format", test_addr_format);
	t_run("addr_sockaddr", test_addr_sockaddr);
	t_run("addr_round_trip", test_addr_round_trip);
	return t_exit();
}
