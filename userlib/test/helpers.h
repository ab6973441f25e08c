/* SPDX-License-Identifier: MIT */
/*
 * Description: what every libsockobj test program shares (helpers.c).
 *
 * One program per feature; each case is a function returning
 * T_EXIT_PASS, T_EXIT_FAIL or T_EXIT_SKIP (with the reason given to
 * skip()). main() calls t_init(), runs each case with t_run(), which
 * prints one line per case:
 *	ok   NAME
 *	skip NAME: WHY
 *	FAIL NAME
 * (details above it, indented), and returns t_exit(): T_EXIT_FAIL when a
 * case failed, T_EXIT_SKIP when every case skipped, T_EXIT_PASS otherwise.
 * runtests.sh runs every program and counts the cases.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef SOCKOBJ_TEST_HELPERS_H
#define SOCKOBJ_TEST_HELPERS_H

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
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sockobj.h>

/* Exit status of a program and result of a case. */
enum {
	T_EXIT_PASS = 0,
	T_EXIT_FAIL = 1,
	T_EXIT_SKIP = 77,
};

#define WAIT_MS		5000

#define FAILED(fmt, ...) do {						\
	printf("    %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
	return T_EXIT_FAIL;							\
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

void t_init(void);
void t_run(const char *name, int (*fn)(void));
int t_exit(void);
/* Records why the case skips; returns T_EXIT_SKIP. */
int skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when sockobj_addr_format() of a gives want, else prints both. */
int fmt_is(const struct sockobj_addr *a, const char *want);
/* Addresses and sockets. */
int addr_is(const struct sockobj_addr *a,
	    const struct sockaddr_storage *ss, socklen_t len);
int listener(int family, struct sockaddr_storage *ss, socklen_t *len,
	     int do_listen);
unsigned int port_of(const struct sockaddr_storage *ss);
int accept_wait(int lfd);

/* The module. */
void module_setup(void);
int need_module(void);
int need_feature(uint64_t bit, const char *name);
int open_ctx(struct sockobj_ctx **ctxp, unsigned int flags);
int tcp_pair(struct sockobj_ctx *ctx, int lfd,
	     const struct sockaddr_storage *ss, socklen_t len,
	     uint64_t cookie, int *afd);
int next_event(struct sockobj_ctx *ctx, struct sockobj_event *ev, int ms);
void print_event(const char *what, const struct sockobj_event *ev);

/*
 * The tests' DNS server and the resolver pointed at it (helpers.c tells
 * its names); after module_setup(). slow.sockobj.test answers this late.
 */
#define DNS_SLOW_MS	700
int dns_setup(void);

#define NEED_FEATURE(bit) do {						\
	if (need_feature(bit, #bit))					\
		return T_EXIT_SKIP;						\
} while (0)

#endif /* SOCKOBJ_TEST_HELPERS_H */
