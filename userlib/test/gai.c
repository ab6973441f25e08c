// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: every getaddrinfo(3) and getnameinfo(3)
 * failure and the code the library returns for it, with both functions
 * replaced by this program's (a definition in the executable comes first
 * for the shared library's calls), so that no resolver is needed; numeric
 * services out of range never reach getaddrinfo().
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <netdb.h>

#include "helpers.h"

static int fake_gai;		/* what the next getaddrinfo() returns */
static int fake_errno;		/* errno for EAI_SYSTEM */
static unsigned int gai_calls;

int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	*res = NULL;
	gai_calls++;
	errno = fake_errno;
	return fake_gai;
}

void freeaddrinfo(struct addrinfo *res)
{
	(void)res;
}

int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
		socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	(void)sa;
	(void)salen;
	(void)host;
	(void)hostlen;
	(void)serv;
	(void)servlen;
	(void)flags;
	errno = fake_errno;
	return fake_gai;
}

static const struct {
	int gai;
	int want;
} codes[] = {
	{ EAI_AGAIN, -SOCKOBJ_ENAMEAGAIN },
	{ EAI_NONAME, -SOCKOBJ_ENAME },
	{ EAI_NODATA, -SOCKOBJ_ENAME },
	{ EAI_ADDRFAMILY, -SOCKOBJ_ENAME },
	{ EAI_SERVICE, -SOCKOBJ_ENAME },
	{ EAI_FAIL, -SOCKOBJ_ENAME },
	{ EAI_MEMORY, -ENOMEM },
	{ EAI_FAMILY, -EAFNOSUPPORT },
	{ EAI_OVERFLOW, -ENOSPC },
	{ EAI_INTR, -EINTR },
	{ EAI_BADFLAGS, -EINVAL },
	{ EAI_SOCKTYPE, -EINVAL },
};

static int test_gai_codes(void)
{
	struct sockaddr_storage ss;
	struct sockobj_addr addrs[2];
	socklen_t len;
	char name[64];
	unsigned int i;

	CHECK_OK(sockobj_addr_parse(&addrs[1], "192.0.2.1"));
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		printf("    %s\n", gai_strerror(codes[i].gai));
		fake_gai = codes[i].gai;
		fake_errno = 0;
		CHECK_RET(sockobj_resolve("host.example", "80", AF_UNSPEC, &ss,
					  &len), codes[i].want);
		CHECK_RET(sockobj_host_by_name("host.example", AF_UNSPEC,
					       addrs, 1), codes[i].want);
		CHECK_RET(sockobj_host_by_addr(&addrs[1], name, sizeof(name)),
			  codes[i].want);
	}
	fake_gai = EAI_SYSTEM;
	fake_errno = EMFILE;
	CHECK_RET(sockobj_resolve("host.example", "80", AF_UNSPEC, &ss, &len),
		  -EMFILE);
	fake_errno = 0;
	CHECK_RET(sockobj_resolve("host.example", "80", AF_UNSPEC, &ss, &len),
		  -EIO);
	/* An empty answer is no address. */
	fake_gai = 0;
	CHECK_RET(sockobj_resolve("host.example", "80", AF_UNSPEC, &ss, &len),
		  -SOCKOBJ_ENAME);
	return T_EXIT_PASS;
}

/* The temporary failure is told apart from "no room" and from "no name". */
static int test_name_again(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int ret;

	fake_gai = EAI_AGAIN;
	ret = sockobj_resolve("host.example", "http", AF_INET, &ss, &len);
	CHECK_RET(ret, -SOCKOBJ_ENAMEAGAIN);
	CHECK(ret != -EAGAIN && ret != -SOCKOBJ_ENAME);
	CHECK(-ret > SOCKOBJ_ERRNO_MAX);
	CHECK_STR(sockobj_strerror(ret), "Temporary failure in name resolution");
	return T_EXIT_PASS;
}

/* Bad numeric services are refused before any lookup. */
static int test_ports_before_lookup(void)
{
	static const char *const bad[] = {
		"0", "65536", "99999", "", "-1", "+80", " 80", "80 ", "8 0",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned int i, before;

	fake_gai = EAI_AGAIN;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		before = gai_calls;
		CHECK_RET(sockobj_resolve("host.example", bad[i], AF_UNSPEC,
					  &ss, &len), -EINVAL);
		CHECK_EQ(gai_calls, before);
	}
	before = gai_calls;
	CHECK_RET(sockobj_resolve("host.example", "65535", AF_UNSPEC, &ss,
				  &len), -SOCKOBJ_ENAMEAGAIN);
	CHECK(gai_calls > before);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	t_run("gai_codes", test_gai_codes);
	t_run("name_again", test_name_again);
	t_run("ports_before_lookup", test_ports_before_lookup);
	return t_exit();
}
