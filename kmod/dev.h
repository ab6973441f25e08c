/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_DEV_H
#define _SOCKOBJ_DEV_H

int sockobj_dev_init(void);
void sockobj_dev_uninit(void);

#endif /* _SOCKOBJ_DEV_H */
