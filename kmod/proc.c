// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/sockobj: every object whose sockets live in the reader's
 * network namespace (the namespace its file was opened in), one line each,
 * like ss. Readable by the namespace's root only (root of the user
 * namespace that owns it): it shows every user's connections there. The
 * pid column is the opener's process id as the reader's pid namespace sees
 * it (0 when it does not see it).
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/uidgid.h>
#include <net/net_namespace.h>
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

struct show_ctx {
	struct seq_file *m;
	struct net *net;
	struct pid_namespace *pid_ns;
};

static int show_file(struct sockobj_file *file, void *arg)
{
	struct show_ctx *ctx = arg;
	struct seq_file *m = ctx->m;
	struct sockobj_info info;
	struct sockobj_obj *obj;
	unsigned long id;
	pid_t pid;

	if (!net_eq(file->net, ctx->net))
		return 0;
	pid = pid_nr_ns(file->pid, ctx->pid_ns);
	xa_for_each(&file->objects, id, obj) {
		obj = sockobj_object_lookup(file, id);
		if (!obj)
			continue;
		memset(&info, 0, sizeof(info));
		if (!sockobj_conn_get_info(obj, &info)) {
			seq_printf(m, "%lu %d %s %s %s %d", id, pid,
				   info.proto == SOCKOBJ_PROTO_TCP ? "tcp" : "udp",
				   sockobj_fsm_state_name(info.state),
				   (info.state == SOCKOBJ_STATE_CLOSED ||
				    info.state == SOCKOBJ_STATE_RETRY_WAIT) ?
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
	struct show_ctx ctx = {
		.m = m,
		.net = seq_file_single_net(m),
		.pid_ns = task_active_pid_ns(current),
	};

	seq_puts(m, "id pid proto state reason error local remote sent received\n");
	return sockobj_file_for_each(show_file, &ctx);
}

/* Owned by the namespace's root, as its /proc/net directory is. */
static int __net_init proc_net_init(struct net *net)
{
	kuid_t uid = make_kuid(net->user_ns, 0);
	kgid_t gid = make_kgid(net->user_ns, 0);
	struct proc_dir_entry *pde;

	pde = proc_create_net_single("sockobj", 0400, net->proc_net, proc_show,
				     NULL);
	if (!pde)
		return -ENOMEM;
	if (uid_valid(uid) && gid_valid(gid))
		proc_set_user(pde, uid, gid);
	return 0;
}

static void __net_exit proc_net_exit(struct net *net)
{
	remove_proc_entry("sockobj", net->proc_net);
}

static struct pernet_operations proc_net_ops = {
	.init = proc_net_init,
	.exit = proc_net_exit,
};

/**
 * sockobj_proc_init() - create /proc/net/sockobj (mode 0400) in every
 * network namespace, present and future
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int sockobj_proc_init(void)
{
	return register_pernet_subsys(&proc_net_ops);
}

/**
 * sockobj_proc_uninit() - remove /proc/net/sockobj, waiting for its readers
 *
 * Context: module exit.
 */
void sockobj_proc_uninit(void)
{
	unregister_pernet_subsys(&proc_net_ops);
}
