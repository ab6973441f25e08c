// SPDX-License-Identifier: GPL-2.0
/*
 * The per-open context: it records who opened the device and where, owns
 * the objects and outlives them (each object references it), so work still
 * queued after close(2) finds it intact.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "file.h"
#include "object.h"
#include "user.h"

#define MAX_OBJECTS_LIMIT BIT(20)

/* Every open file, for reporting; never touched from softirq. */
static LIST_HEAD(files);
static DEFINE_MUTEX(files_lock);

static unsigned int max_objects = 16384;

static int max_objects_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	if (n < 1 || n > MAX_OBJECTS_LIMIT)
		return -EINVAL;
	WRITE_ONCE(max_objects, n);
	return 0;
}

static const struct kernel_param_ops max_objects_ops = {
	.set = max_objects_set,
	.get = param_get_uint,
};

module_param_cb(max_objects, &max_objects_ops, &max_objects, 0644);
MODULE_PARM_DESC(max_objects,
		 "Objects one open file may hold (1..1048576, default 16384)");

/**
 * sockobj_file_max_objects() - the per-file object limit now
 *
 * Context: any.
 * Return: the limit.
 */
unsigned int sockobj_file_max_objects(void)
{
	return READ_ONCE(max_objects);
}

/**
 * sockobj_file_create() - a context for a new open
 *
 * Description: records the opener's network namespace and credentials:
 * every socket of the file is created in that namespace with those
 * credentials, whoever uses the file later.
 *
 * Context: process (open(2)).
 * Return: the context or ERR_PTR(-ENOMEM).
 */
struct sockobj_file *sockobj_file_create(void)
{
	struct sockobj_file *file;

	file = kzalloc(sizeof(*file), GFP_KERNEL_ACCOUNT);
	if (!file)
		return ERR_PTR(-ENOMEM);
	file->user = sockobj_user_get(current_euid());
	if (!file->user) {
		kfree(file);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&file->ref);
	spin_lock_init(&file->lock);
	init_waitqueue_head(&file->wq);
	INIT_LIST_HEAD(&file->ready);
	mutex_init(&file->read_mutex);
	mutex_init(&file->listen_lock);
	INIT_LIST_HEAD(&file->listeners);
	xa_init_flags(&file->objects, XA_FLAGS_ALLOC1);
	file->net = get_net(current->nsproxy->net_ns);
	file->cred = get_current_cred();
	file->pid = get_pid(task_tgid(current));
	mutex_lock(&files_lock);
	list_add_tail(&file->node, &files);
	mutex_unlock(&files_lock);
	return file;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_file_create);

/**
 * sockobj_file_get() - take a reference
 * @file: the context
 *
 * Context: any.
 */
void sockobj_file_get(struct sockobj_file *file)
{
	kref_get(&file->ref);
}

static void file_free(struct kref *ref)
{
	struct sockobj_file *file = container_of(ref, struct sockobj_file, ref);

	put_net(file->net);
	put_cred(file->cred);
	put_pid(file->pid);
	sockobj_user_put(file->user);
	mutex_destroy(&file->read_mutex);
	kfree(file->batch_chunk);
	kfree(file->batch_iov);
	sockobj_event_mring_free(file);
	kfree(file);
}

/**
 * sockobj_file_put() - drop a reference
 * @file: the context
 *
 * Context: any.
 */
void sockobj_file_put(struct sockobj_file *file)
{
	kref_put(&file->ref, file_free);
}

/**
 * sockobj_file_release() - the last close of the file
 * @file: the context
 *
 * Destroys every object, whatever its state: open connections are closed
 * gracefully in the background by the kernel, as SOCKOBJ_IOC_DESTROY
 * without flags closes them (FIN after the queued data, received data
 * left unread discarded; see sockobj_socket_release()).
 * Runs possibly after the task lost its namespaces (exit), so it only uses
 * what the file recorded at open.
 *
 * Context: process.
 */
void sockobj_file_release(struct sockobj_file *file)
{
	struct sockobj_obj *obj;
	unsigned long id;

	mutex_lock(&files_lock);
	list_del(&file->node);
	mutex_unlock(&files_lock);
	xa_for_each(&file->objects, id, obj)
		sockobj_object_remove(file, id, 0);
	xa_destroy(&file->objects);
	sockobj_file_put(file);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_file_release);

/**
 * sockobj_file_for_each() - call a function for every open file
 * @fn: the function; a non-zero return stops the walk
 * @arg: its argument
 *
 * The files cannot be released while @fn runs (their release waits for
 * the lock held here).
 *
 * Context: process.
 * Return: 0, or what @fn returned to stop.
 */
int sockobj_file_for_each(int (*fn)(struct sockobj_file *file, void *arg),
			  void *arg)
{
	struct sockobj_file *file;
	int ret = 0;

	mutex_lock(&files_lock);
	list_for_each_entry(file, &files, node) {
		ret = fn(file, arg);
		if (ret)
			break;
	}
	mutex_unlock(&files_lock);
	return ret;
}
