// SPDX-License-Identifier: GPL-2.0
/*
 * sobench_kref: the establishment limit for sockobj-bench (ref:kernel).
 *
 * Writing "N A.B.C.D PORT" to /sys/kernel/debug/sobench_kref creates N TCP
 * sockets with sock_create_kern() in the writer's network namespace and
 * connects each with a blocking kernel_connect(): what establishing N
 * connections costs with no API at all (no file, no syscall per socket,
 * no event delivery). On lo and veth the handshake completes inside the
 * connect, so the write returns when all N are established; it returns the
 * length written or the first error. Writing "release" releases them. The
 * benchmark times the first write; nothing else uses this module.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <linux/debugfs.h>
#include <linux/in.h>
#include <linux/inet.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#define KREF_MAX 30000

static DEFINE_MUTEX(kref_lock);
static struct socket **kref_socks;
static int kref_n;
static struct dentry *kref_dentry;

static void kref_release_all(void)
{
	while (kref_n > 0)
		sock_release(kref_socks[--kref_n]);
}

static int kref_connect(int n, const struct sockaddr_in *dst)
{
	struct net *net = current->nsproxy->net_ns;
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = sock_create_kern(net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
				       &kref_socks[kref_n]);
		if (ret)
			return ret;
		kref_n++;
		ret = kernel_connect(kref_socks[kref_n - 1], (struct sockaddr *)dst,
				     sizeof(*dst), 0);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

static ssize_t kref_write(struct file *file, const char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	char buf[64], addr[20];
	unsigned int port;
	int n, ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	mutex_lock(&kref_lock);
	if (sysfs_streq(buf, "release")) {
		kref_release_all();
		ret = 0;
	} else if (sscanf(buf, "%d %19s %u", &n, addr, &port) != 3 || n < 1 ||
		   n > KREF_MAX - kref_n || port > 65535 ||
		   !in4_pton(addr, -1, (u8 *)&dst.sin_addr.s_addr, -1, NULL)) {
		ret = -EINVAL;
	} else {
		dst.sin_port = htons(port);
		ret = kref_connect(n, &dst);
	}
	mutex_unlock(&kref_lock);
	return ret ? ret : len;
}

static const struct file_operations kref_fops = {
	.owner = THIS_MODULE,
	.write = kref_write,
	.llseek = noop_llseek,
};

static int __init sobench_kref_init(void)
{
	kref_socks = kvcalloc(KREF_MAX, sizeof(*kref_socks), GFP_KERNEL);
	if (!kref_socks)
		return -ENOMEM;
	kref_dentry = debugfs_create_file("sobench_kref", 0200, NULL, NULL, &kref_fops);
	return 0;
}

static void __exit sobench_kref_exit(void)
{
	debugfs_remove(kref_dentry);
	mutex_lock(&kref_lock);
	kref_release_all();
	mutex_unlock(&kref_lock);
	kvfree(kref_socks);
}

module_init(sobench_kref_init);
module_exit(sobench_kref_exit);
MODULE_DESCRIPTION("sockobj-bench: in-kernel connection establishment reference");
MODULE_AUTHOR("The sockobj authors");
MODULE_LICENSE("GPL");
