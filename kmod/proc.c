// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/sockobj: every object of every open file, one line each, like ss.
 * Readable by root only: it shows every user's connections.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/socket.h>
#include <linux/xarray.h>
#include <linux/sockobj.h>

#include "compat.h"
#include "config.h"
#include "conn.h"
#include "file.h"
#include "fsm.h"
#include "object.h"
#include "proc.h"

static void show_addr(struct seq_file *m, const struct sockobj_addr *a)
{
	union sockobj_sockaddr ss = {};
	int len;

	if (sockobj_config_addr_to_sockaddr(a, false, &ss, &len))
		seq_puts(m, " -");
	else
		seq_printf(m, " %pISpc", &ss);
}

static int show_file(struct sockobj_file *file, void *arg)
{
	struct seq_file *m = arg;
	struct sockobj_info info;
	struct sockobj_obj *obj;
	unsigned long id;

	xa_for_each(&file->objects, id, obj) {
		obj = sockobj_object_lookup(file, id);
		if (!obj)
			continue;
		memset(&info, 0, sizeof(info));
		if (!sockobj_conn_get_info(obj, &info)) {
			seq_printf(m, "%lu %d %s %s %s %d", id, file->tgid,
				   info.proto == SOCKOBJ_PROTO_TCP ? "tcp" : "udp",
				   sockobj_fsm_state_name(info.state),
				   info.state == SOCKOBJ_STATE_CLOSED ?
				   sockobj_fsm_reason_name(info.reason) : "-",
				   info.error);
			show_addr(m, &info.local);
			show_addr(m, &info.remote);
			seq_printf(m, " %llu %llu\n", info.bytes_sent,
				   info.bytes_received);
		}
		sockobj_object_put(obj);
	}
	return 0;
}

static int proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "id pid proto state reason error local remote sent received\n");
	return sockobj_file_for_each(show_file, m);
}

/**
 * sockobj_proc_init() - create /proc/sockobj (mode 0400)
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int sockobj_proc_init(void)
{
	return proc_create_single("sockobj", 0400, NULL, proc_show) ? 0 : -ENOMEM;
}

/**
 * sockobj_proc_uninit() - remove /proc/sockobj, waiting for its readers
 *
 * Context: module exit.
 */
void sockobj_proc_uninit(void)
{
	remove_proc_entry("sockobj", NULL);
}
