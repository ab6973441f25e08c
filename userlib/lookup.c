// SPDX-License-Identifier: MIT
/*
 * libsockobj: name resolution that does not block the caller's loop.
 *
 * getaddrinfo(3) blocks, for seconds when a server is slow, and glibc's
 * getaddrinfo_a(3) reports its end through a signal or a thread of its
 * own choosing. Each lookup here runs sockobj_host_by_name() in a
 * detached thread of the library, which, done, writes an eventfd that sits
 * in the context's epoll set: the descriptor of sockobj_fd() becomes
 * readable, and the caller's loop, which polls nothing else, learns of it
 * with its other events. getaddrinfo() cannot be interrupted, so a lookup
 * freed before its end leaves the thread to finish alone: the thread and
 * the caller each hold a reference, and the last to let go frees.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

struct sockobj_lookup {
	atomic_int refs;
	atomic_bool done;	/* release: the result below is complete */
	int efd;
	int pollfd;		/* the context's epoll set, holding efd */
	int family;
	int result;		/* the count of addrs, or -errno */
	struct sockobj_addr addrs[SOCKOBJ_LOOKUP_MAX];
	char host[];
};

static void lookup_put(struct sockobj_lookup *l)
{
	if (atomic_fetch_sub(&l->refs, 1) == 1) {
		close(l->efd);
		free(l);
	}
}

static void *lookup_thread(void *arg)
{
	struct sockobj_lookup *l = arg;
	uint64_t one = 1;

	l->result = sockobj_host_by_name(l->host, l->family, l->addrs,
					 SOCKOBJ_LOOKUP_MAX);
	atomic_store_explicit(&l->done, true, memory_order_release);
	/* Cannot fail: one write of 1 to a fresh eventfd. */
	if (write(l->efd, &one, sizeof(one)) != sizeof(one))
		abort();
	lookup_put(l);
	return NULL;
}

/*
 * The thread takes no signal: the application's handlers expect them in
 * its own threads.
 */
static int lookup_spawn(struct sockobj_lookup *l)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int ret;

	ret = pthread_attr_init(&attr);
	if (ret)
		return -ret;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&t, &attr, lookup_thread, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -ret;
}

/**
 * sockobj_lookup_start() - start resolving a host name without blocking
 * @ctx: the context whose sockobj_fd() tells the end
 * @host: a name or a numeric address, IPv6 possibly in brackets
 * @family: AF_UNSPEC, AF_INET or AF_INET6
 * @lookupp: where the new lookup is stored
 *
 * Context: process. Starts a thread of the library; sockobj_fd() is
 * readable from the lookup's end until sockobj_lookup_result() or
 * sockobj_lookup_free().
 * Return: 0 with *@lookupp set, or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_lookup_start(struct sockobj_ctx *ctx,
					const char *host, int family,
					struct sockobj_lookup **lookupp)
{
	struct epoll_event ee = { .events = EPOLLIN };
	struct sockobj_lookup *l;
	size_t len;
	int ret;

	if (!ctx || !host || !*host || !lookupp)
		return -EINVAL;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	len = strlen(host);
	if (len > 1024)	/* NI_MAXHOST (1025) holds no longer name */
		return -EINVAL;

	l = calloc(1, sizeof(*l) + len + 1);
	if (!l)
		return -ENOMEM;
	memcpy(l->host, host, len + 1);
	l->family = family;
	l->pollfd = ctx->pollfd;
	atomic_init(&l->refs, 2);
	atomic_init(&l->done, false);
	l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->efd < 0) {
		ret = -errno;
		free(l);
		return ret;
	}
	ee.data.fd = l->efd;
	if (epoll_ctl(ctx->pollfd, EPOLL_CTL_ADD, l->efd, &ee) < 0) {
		ret = -errno;
		goto fail;
	}
	ret = lookup_spawn(l);
	if (ret < 0) {
		epoll_ctl(ctx->pollfd, EPOLL_CTL_DEL, l->efd, NULL);
		goto fail;
	}
	*lookupp = l;
	return 0;
fail:
	close(l->efd);
	free(l);
	return ret;
}

static bool lookup_done(const struct sockobj_lookup *l)
{
	return atomic_load_explicit(&l->done, memory_order_acquire);
}

/**
 * sockobj_lookup_result() - the addresses a lookup found, once it is over
 * @ctx: the context of sockobj_lookup_start()
 * @lookup: the lookup
 * @addrs: the distinct addresses found, port 0, in the resolver's order
 * @max: room in @addrs
 *
 * Context: any thread of the context's owner; never blocks. Once over,
 * the lookup no longer makes sockobj_fd() readable; the call may be
 * repeated and gives the same result.
 * Return: the number of addresses stored (> 0), -EINPROGRESS while the
 * resolver works, -SOCKOBJ_ENAME, -SOCKOBJ_ENAMEAGAIN (a temporary
 * failure) or another negative errno.
 */
SOCKOBJ_EXPORT int sockobj_lookup_result(struct sockobj_ctx *ctx,
					 struct sockobj_lookup *lookup,
					 struct sockobj_addr *addrs,
					 unsigned int max)
{
	uint64_t v;
	int n;

	if (!ctx || !lookup || lookup->pollfd != ctx->pollfd || !addrs ||
	    !max || max > INT_MAX)
		return -EINVAL;
	if (!lookup_done(lookup))
		return -EINPROGRESS;
	/* Quiet from now on: a read of a zero counter changes nothing. */
	if (read(lookup->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	if (lookup->result < 0)
		return lookup->result;
	n = lookup->result < (int)max ? lookup->result : (int)max;
	memcpy(addrs, lookup->addrs, (size_t)n * sizeof(*addrs));
	return n;
}

/**
 * sockobj_lookup_free() - forget a lookup, over or not
 * @ctx: the context of sockobj_lookup_start()
 * @lookup: the lookup, or NULL
 *
 * Context: process. A resolver still at work finishes in the background;
 * its end no longer reaches sockobj_fd().
 */
SOCKOBJ_EXPORT void sockobj_lookup_free(struct sockobj_ctx *ctx,
					struct sockobj_lookup *lookup)
{
	if (!lookup)
		return;
	if (ctx)
		epoll_ctl(ctx->pollfd, EPOLL_CTL_DEL, lookup->efd, NULL);
	lookup_put(lookup);
}
