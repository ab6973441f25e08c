/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_PROC_H
#define _SOCKOBJ_PROC_H

int sockobj_proc_init(void);
void sockobj_proc_uninit(void);

#endif /* _SOCKOBJ_PROC_H */
