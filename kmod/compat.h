/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels sockobj builds for lives here,
 * so that the rest of the code is written against one API.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_COMPAT_H
#define _SOCKOBJ_COMPAT_H

#include <linux/version.h>
#include <linux/timer.h>

/* Present in every 6.1.y tree sockobj builds against. */
#include <kunit/visibility.h>

/* MODULE_IMPORT_NS() takes a string literal from 6.13 on. */
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define SOCKOBJ_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define SOCKOBJ_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

/* from_timer() became timer_container_of() in 6.16. */
#ifndef from_timer
#define from_timer(var, t, field) timer_container_of(var, t, field)
#endif

/*
 * kernel_connect() and kernel_bind() take a struct sockaddr_unsized from
 * 6.19 on; the casts happen in these two wrappers only.
 */
#include <linux/net.h>
union sockobj_sockaddr;
static inline int sockobj_kernel_connect(struct socket *sock,
					 union sockobj_sockaddr *ss, int len,
					 int flags)
{
	return kernel_connect(sock, (void *)ss, len, flags);
}

static inline int sockobj_kernel_bind(struct socket *sock,
				      union sockobj_sockaddr *ss, int len)
{
	return kernel_bind(sock, (void *)ss, len);
}

/*
 * A user buffer as an iov_iter: import_single_range() went away in 6.8 for
 * import_ubuf() (which needs no iovec).
 */
#include <linux/uio.h>
static inline int sockobj_import_user(int dir, void __user *buf, size_t len,
				      struct iovec *iov, struct iov_iter *iter)
{
#if KERNEL_VERSION(6, 8, 0) <= LINUX_VERSION_CODE
	return import_ubuf(dir, buf, len, iter);
#else
	return import_single_range(dir, buf, len, iov, iter);
#endif
}

/*
 * An int socket option, as setsockopt(2) would set it. From 6.12 (the
 * first tree tested that exports it; it appeared in 6.9) do_sock_setsockopt()
 * is the system call's own path: the LSM's socket_setsockopt hook and the
 * cgroup's BPF setsockopt programs run too. Before, the same handlers are
 * called directly: the same privilege checks and limits, not those hooks.
 */
#include <linux/sockptr.h>
#include <net/sock.h>
static inline int sockobj_setsockopt_int(struct socket *sock, int level,
					 int name, int *v)
{
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
	return do_sock_setsockopt(sock, false, level, name, KERNEL_SOCKPTR(v),
				  sizeof(*v));
#else
	if (level == SOL_SOCKET)
		return sock_setsockopt(sock, level, name, KERNEL_SOCKPTR(v),
				       sizeof(*v));
	return sock->ops->setsockopt(sock, level, name, KERNEL_SOCKPTR(v),
				     sizeof(*v));
#endif
}

#endif /* _SOCKOBJ_COMPAT_H */
