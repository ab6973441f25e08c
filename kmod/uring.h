/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_URING_H
#define _SOCKOBJ_URING_H

struct io_uring_cmd;

int sockobj_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);

#endif /* _SOCKOBJ_URING_H */
