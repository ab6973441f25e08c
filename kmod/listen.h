/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_LISTEN_H
#define _SOCKOBJ_LISTEN_H

#include <linux/types.h>

#include "config.h"

struct sockobj_obj;

int sockobj_listen_join(struct sockobj_obj *obj, u32 backlog,
			union sockobj_sockaddr *local);
void sockobj_listen_leave(struct sockobj_obj *obj);

#endif /* _SOCKOBJ_LISTEN_H */
