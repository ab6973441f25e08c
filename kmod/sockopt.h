/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_SOCKOPT_H
#define _SOCKOBJ_SOCKOPT_H

#include <linux/types.h>

struct socket;
struct sockobj_cfg;

int sockobj_sockopt_apply(struct socket *sock, const struct sockobj_cfg *cfg,
			  u32 proto);

#endif /* _SOCKOBJ_SOCKOPT_H */
