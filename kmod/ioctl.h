/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_IOCTL_H
#define _SOCKOBJ_IOCTL_H

#include <linux/compiler.h>
#include <linux/types.h>

struct sockobj_batch_op;
struct sockobj_file;

long sockobj_ioctl_dispatch(struct sockobj_file *file, unsigned int cmd,
			    unsigned long arg);
ssize_t sockobj_ioctl_read(struct sockobj_file *file, char __user *buf,
			   size_t count, bool nonblock);
long sockobj_ioctl_batch_op(struct sockobj_file *file,
			    const struct sockobj_batch_op *o, bool compat);

#endif /* _SOCKOBJ_IOCTL_H */
