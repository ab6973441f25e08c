// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring passthrough: one batch op per IORING_OP_URING_CMD SQE on the
 * device's fd, its result as the CQE's res. Records stay on the file's
 * own channel (read(), poll()).
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/errno.h>
#include <linux/string.h>
#include <linux/sockobj.h>

#include "compat.h"
#include "ioctl.h"
#include "uring.h"

/**
 * sockobj_uring_cmd() - the device's ->uring_cmd: run one op of an SQE
 * @cmd: the command; cmd->file is the device's file
 * @issue_flags: io_uring's IO_URING_F_* for this issue
 *
 * Description: the SQE's command area (struct sockobj_uring_cmd) is
 * copied once, as userspace may rewrite a ring's SQE at any time (SQPOLL
 * reads it while the program runs), then checked and run by
 * sockobj_ioctl_batch_op() with the file's objects, so with the opener's
 * identity whatever task issues it.
 *
 * Context: process: the submitter's io_uring_enter(), the ring's SQPOLL
 * thread or an io-wq worker (IOSQE_ASYNC), each with the ring's memory.
 * Return: the op's result for io_uring to complete the SQE with; -ENOTTY
 * for a cmd_op other than SOCKOBJ_URING_OP; -EINVAL for a 64-byte SQE or a
 * command that is not valid; -EOPNOTSUPP on a polled ring; -EIOCBQUEUED
 * once the SQE is completed here (see below).
 */
int sockobj_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct sockobj_uring_cmd c;
	long ret;

	if (cmd->cmd_op != SOCKOBJ_URING_OP)
		return -ENOTTY;
	/* a 64-byte SQE holds 16 bytes of command: not ours to read further */
	if (!(issue_flags & IO_URING_F_SQE128))
		return -EINVAL;
	/*
	 * No kernel tested passes this to a file without ->uring_cmd_iopoll:
	 * 6.1 and 6.12 fail such an SQE with EOPNOTSUPP themselves, 7.2 issues
	 * it as on any ring. Nothing here can be polled for.
	 */
	if (issue_flags & IO_URING_F_IOPOLL)
		return -EOPNOTSUPP;
	memcpy(&c, sockobj_uring_payload(cmd), sizeof(c));
	if (c.op.result || memchr_inv(c.reserved, 0, sizeof(c.reserved)))
		return -EINVAL;
	ret = sockobj_ioctl_batch_op(cmd->file->private_data, &c.op,
				     sockobj_uring_compat(issue_flags));
	/*
	 * io_uring takes -EAGAIN returned from here for "try again in io-wq":
	 * an op's -EAGAIN (nothing to receive, no room to send) is its result,
	 * so it completes the SQE here, as does a result above 0 where
	 * returning one would mark the SQE failed (compat.h).
	 */
	if (ret == -EAGAIN || (ret > 0 && !SOCKOBJ_URING_RETURNS_POSITIVE)) {
		sockobj_uring_cmd_done(cmd, ret, issue_flags);
		return -EIOCBQUEUED;
	}
	return ret;
}
