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

/* vm_flags became read-only, changed through vm_flags_set(), in 6.3. */
#include <linux/mm.h>
static inline void sockobj_vm_flags_set(struct vm_area_struct *vma,
					vm_flags_t flags)
{
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

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

/*
 * io_uring passthrough (uring.c), as the trees tested have it:
 * - the header: <linux/io_uring.h> in 6.1, <linux/io_uring/cmd.h> (split
 *   out in 6.7) later;
 * - the command area of the SQE: ioucmd->cmd in 6.1; the SQE itself from
 *   ioucmd->sqe later, through io_uring_sqe_cmd() (6.12) or, for the
 *   128-byte form, io_uring_sqe128_cmd() (7.2, where io_uring_sqe_cmd()
 *   checks the type's size against a 64-byte SQE);
 * - io_uring_cmd_done(): (cmd, ret, res2, issue_flags) up to 6.12,
 *   (cmd, ret, issue_flags) in 7.2 (io_uring_cmd_done32() has res2);
 * - IO_URING_F_COMPAT (the ring's task is a 32-bit one): in 6.12 and 7.2;
 *   6.1 has no such flag;
 * - a result above 0 returned from ->uring_cmd: 6.1's io_uring_cmd()
 *   hands it on as the issue's return, which io_issue_sqe() and
 *   io_queue_async() take for an error: the CQE's res is right but the
 *   request is marked failed (REQ_F_FAIL), which cancels the SQEs linked
 *   after it. 6.12 and 7.2 complete it as a success (IOU_OK,
 *   IOU_COMPLETE).
 * The 7.2 forms are chosen by the macro io_uring_sqe128_cmd(), the others
 * by the version of the header's split: between 6.1 and 6.12 only those
 * two trees were built against.
 */
#if IS_ENABLED(CONFIG_IO_URING)
#include <linux/sockobj.h>
#if KERNEL_VERSION(6, 7, 0) <= LINUX_VERSION_CODE
#include <linux/io_uring/cmd.h>

static inline const void *sockobj_uring_payload(struct io_uring_cmd *cmd)
{
#ifdef io_uring_sqe128_cmd
	return io_uring_sqe128_cmd(cmd->sqe, struct sockobj_uring_cmd);
#else
	return io_uring_sqe_cmd(cmd->sqe);
#endif
}

static inline bool sockobj_uring_compat(unsigned int issue_flags)
{
	return issue_flags & IO_URING_F_COMPAT;
}

#define SOCKOBJ_URING_RETURNS_POSITIVE true
#else
#include <linux/io_uring.h>

static inline const void *sockobj_uring_payload(struct io_uring_cmd *cmd)
{
	return cmd->cmd;
}

static inline bool sockobj_uring_compat(unsigned int issue_flags)
{
	return false;
}

#define SOCKOBJ_URING_RETURNS_POSITIVE false
#endif

static inline void sockobj_uring_cmd_done(struct io_uring_cmd *cmd, int ret,
					  unsigned int issue_flags)
{
#ifdef io_uring_sqe128_cmd
	io_uring_cmd_done(cmd, ret, issue_flags);
#else
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
#endif
}
#endif /* CONFIG_IO_URING */

#endif /* _SOCKOBJ_COMPAT_H */
