// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: resolution of numeric addresses, failures that
 * need no DNS, numeric services out of range, the local host name, reverse
 * lookups.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

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
	return T_EXIT_PASS;
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
	if (ret == -SOCKOBJ_ENAMEAGAIN)
		printf("    note: no DNS reachable, .invalid gave -SOCKOBJ_ENAMEAGAIN\n");
	else
		CHECK_RET(ret, -SOCKOBJ_ENAME);
	return T_EXIT_PASS;
}

/* Numeric services are ports 1 to 65535; getaddrinfo() would wrap them. */
static int test_resolve_ports(void)
{
	static const char *const bad[] = {
		"0", "00", "65536", "99999", "4294967297", "18446744073709551616",
		"", "-1", "+80", " 80", "-0", "80 ", "8 0", " ",
	};
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		printf("    service \"%s\"\n", bad[i]);
		CHECK_RET(sockobj_resolve("127.0.0.1", bad[i], AF_UNSPEC, &ss,
					  &len), -EINVAL);
		CHECK_RET(sockobj_resolve("::1", bad[i], AF_INET6, &ss, &len),
			  -EINVAL);
	}
	CHECK_OK(sockobj_resolve("127.0.0.1", "65535", AF_UNSPEC, &ss, &len));
	CHECK_EQ(ntohs(sin->sin_port), 65535);
	CHECK_OK(sockobj_resolve("127.0.0.1", "1", AF_UNSPEC, &ss, &len));
	CHECK_EQ(ntohs(sin->sin_port), 1);
	CHECK_OK(sockobj_resolve("127.0.0.1", "08080", AF_UNSPEC, &ss, &len));
	CHECK_EQ(ntohs(sin->sin_port), 8080);
	CHECK_OK(sockobj_resolve("[::1]", "65535", AF_UNSPEC, &ss, &len));
	CHECK_EQ(ntohs(sin6->sin6_port), 65535);
	/* Not a number: a service name. */
	CHECK_RET(sockobj_resolve("127.0.0.1", "0x50", AF_UNSPEC, &ss, &len),
		  -SOCKOBJ_ENAME);
	return T_EXIT_PASS;
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
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	t_run("resolve_numeric", test_resolve_numeric);
	t_run("resolve_failure", test_resolve_failure);
	t_run("resolve_ports", test_resolve_ports);
	t_run("host_names", test_host_names);
	return t_exit();
}
