/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_USER_H
#define _SOCKOBJ_USER_H

#include <linux/uidgid.h>

struct sockobj_user;

struct sockobj_user *sockobj_user_get(kuid_t uid);
void sockobj_user_put(struct sockobj_user *user);
int sockobj_user_charge(struct sockobj_user *user);
void sockobj_user_uncharge(struct sockobj_user *user);

#endif /* _SOCKOBJ_USER_H */
