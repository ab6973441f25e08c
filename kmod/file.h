/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_FILE_H
#define _SOCKOBJ_FILE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct cred;
struct net;
struct pid;
struct iovec;
struct sockobj_user;
struct sockobj_mring;

/**
 * struct sockobj_file - the context of one open of /dev/sockobj
 * @ref: the open file and each of its objects hold one
 * @lock: _bh; the ready list, @seq, and the state and rings of the objects
 * @wq: readers and pollers wait here for records
 * @ready: objects with undelivered records, in the order they got one
 * @seq: sequence number of the last transition
 * @read_mutex: one reader at a time, so that peek and commit pair up
 * @objects: id -> struct sockobj_obj
 * @nobjects: objects in @objects (and being created)
 * @net: the opener's network namespace: every socket lives there
 * @cred: the opener's credentials
 * @pid: the opener's process (thread group), for reporting
 * @node: on the list of all open files (for /proc/net/sockobj)
 * @user: the opener's per-user accounting
 * @listen_lock: @listeners and what each listener holds (listen.c)
 * @listeners: the file's listening sockets (struct sockobj_listener)
 * @batch_chunk: a batch chunk kept for the next SOCKOBJ_IOC_BATCH, or NULL
 *	(ioctl.c; taken and given back with xchg(), freed with the file)
 * @batch_iov: SOCKOBJ_BATCH_IOV_MAX iovecs kept for the next vectored op,
 *	or NULL (as @batch_chunk)
 * @mring: the mapped record ring, or NULL; set once, under @read_mutex
 *	and @lock, and freed with the file
 */
struct sockobj_file {
	struct kref ref;
	spinlock_t lock;		/* see the kernel-doc above */
	wait_queue_head_t wq;
	struct list_head ready;
	u64 seq;
	struct mutex read_mutex;	/* see the kernel-doc above */
	struct xarray objects;
	atomic_t nobjects;
	struct net *net;
	const struct cred *cred;
	struct pid *pid;
	struct list_head node;
	struct sockobj_user *user;
	struct mutex listen_lock;	/* see the kernel-doc above */
	struct list_head listeners;
	void *batch_chunk;
	struct iovec *batch_iov;
	struct sockobj_mring *mring;
};

struct sockobj_file *sockobj_file_create(void);
void sockobj_file_release(struct sockobj_file *file);
void sockobj_file_get(struct sockobj_file *file);
void sockobj_file_put(struct sockobj_file *file);
unsigned int sockobj_file_max_objects(void);
int sockobj_file_for_each(int (*fn)(struct sockobj_file *file, void *arg),
			  void *arg);

#endif /* _SOCKOBJ_FILE_H */
