// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj: asynchronous active opens through in-kernel socket objects.
 * This file only brings the subsystems up in order and down in reverse.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/module.h>

#include "compat.h"
#include "dev.h"
#include "object.h"
#include "proc.h"
#include "timers.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static int __init sockobj_init(void)
{
	int ret;

	ret = sockobj_object_init();
	if (ret)
		return ret;
	ret = sockobj_timers_init();
	if (ret)
		goto err_object;
	ret = sockobj_proc_init();
	if (ret)
		goto err_timers;
	ret = sockobj_dev_init();
	if (ret)
		goto err_proc;
	pr_debug("version %s loaded\n", SOCKOBJ_VERSION);
	return 0;

err_proc:
	sockobj_proc_uninit();
err_timers:
	sockobj_timers_uninit();
err_object:
	sockobj_object_uninit();
	return ret;
}

static void __exit sockobj_exit(void)
{
	sockobj_dev_uninit();
	sockobj_proc_uninit();
	sockobj_timers_uninit();
	sockobj_object_uninit();
	pr_debug("unloaded\n");
}

module_init(sockobj_init);
module_exit(sockobj_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Asynchronous active opens through in-kernel socket objects");
MODULE_AUTHOR("The sockobj authors");
MODULE_VERSION(SOCKOBJ_VERSION);
