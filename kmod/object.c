// SPDX-License-Identifier: GPL-2.0
/*
 * Sock objects: their lifetime only. An object is allocated with its id
 * reserved, published in its file's table, found by id, removed and
 * destroyed; references keep it in memory until the last one goes.
 *
 * Locking, outermost first (the order of the whole module):
 *   obj->lock (mutex)          process context: ioctls and the work item
 *   the socket lock            taken inside kernel_*() and sock_*() helpers
 *   sk->sk_callback_lock       _bh; guards sk_user_data and our callbacks
 *   file->lock (spinlock)      _bh; object state, rings, the ready list
 * The file's table (file->objects) has its own xa_lock, taken alone.
 *
 * An object is dead once destroyed (obj->dead, set under obj->lock and
 * file->lock): sockobj_object_lock_live() refuses it from then on, so every
 * operation that locks it live sees it whole. The last reference is only
 * ever dropped in process context.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "compat.h"
#include "file.h"
#include "listen.h"
#include "object.h"
#include "socket.h"
#include "timers.h"
#include "trace.h"
#include "user.h"

/* Objects have their own cache: exact size, accounted, visible in slabinfo. */
static struct kmem_cache *sockobj_cache;

/**
 * sockobj_object_put() - drop a reference, freeing the object with the last
 * @obj: the object
 *
 * Context: any; the last reference is only ever dropped in process context.
 */
void sockobj_object_put(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;

	if (!refcount_dec_and_test(&obj->ref))
		return;
	if (obj->early) {
		skb_queue_purge(obj->early);	/* empty: went with the socket */
		kfree(obj->early);
	}
	mutex_destroy(&obj->lock);
	kmem_cache_free(sockobj_cache, obj);
	sockobj_file_put(file);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_object_put);

/**
 * sockobj_object_alloc() - make a CLOSED object and reserve its id
 * @file: the open context
 * @proto: SOCKOBJ_PROTO_*
 * @cookie: the user's cookie
 *
 * The id is reserved but the object is not in the table: no lookup finds
 * it until sockobj_object_publish(), so a caller that fails after this (it
 * could not tell userspace the id) undoes it with sockobj_object_discard()
 * and nobody can have acted on the object meanwhile.
 *
 * Context: process (the caller's ioctl).
 * Return: the object (its id in ->id), or ERR_PTR(-EPROTONOSUPPORT),
 * -EMFILE (per-file limit), -EDQUOT (per-user limit) or -ENOMEM.
 */
struct sockobj_obj *sockobj_object_alloc(struct sockobj_file *file, u32 proto,
					 u64 cookie)
{
	struct sockobj_obj *obj;
	int ret;

	if (proto != SOCKOBJ_PROTO_TCP && proto != SOCKOBJ_PROTO_UDP)
		return ERR_PTR(-EPROTONOSUPPORT);
	if (atomic_inc_return(&file->nobjects) > sockobj_file_max_objects()) {
		ret = -EMFILE;
		goto err_count;
	}
	ret = sockobj_user_charge(file->user);
	if (ret)
		goto err_count;
	obj = kmem_cache_zalloc(sockobj_cache, GFP_KERNEL_ACCOUNT);
	if (!obj) {
		ret = -ENOMEM;
		goto err_charge;
	}
	refcount_set(&obj->ref, 1);
	obj->file = file;
	obj->proto = proto;
	obj->cookie = cookie;
	mutex_init(&obj->lock);
	u64_stats_init(&obj->bytes_sync);
	INIT_LIST_HEAD(&obj->ready_node);
	INIT_LIST_HEAD(&obj->listen_node);
	sockobj_timers_setup(obj);
	obj->created_ns = ktime_get_ns();

	/* A reserved entry: xa_load() sees NULL, no other create takes it. */
	ret = xa_alloc(&file->objects, &obj->id, NULL, XA_LIMIT(1, INT_MAX),
		       GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_free;
	sockobj_file_get(file);
	return obj;

err_free:
	mutex_destroy(&obj->lock);
	kmem_cache_free(sockobj_cache, obj);
err_charge:
	sockobj_user_uncharge(file->user);
err_count:
	atomic_dec(&file->nobjects);
	return ERR_PTR(ret == -EBUSY ? -EMFILE : ret);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_object_alloc);

/**
 * sockobj_object_publish() - make an object from sockobj_object_alloc()
 * findable
 * @obj: the object; the table takes over the caller's reference
 *
 * Context: process.
 */
void sockobj_object_publish(struct sockobj_obj *obj)
{
	/* Replacing the reserved entry needs no allocation: cannot fail. */
	xa_store(&obj->file->objects, obj->id, obj, GFP_KERNEL_ACCOUNT);
	trace_sockobj_id_publish(obj->file, obj->id, obj->cookie,
				 obj->created_ns);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_object_publish);

/**
 * sockobj_object_discard() - undo sockobj_object_alloc() of an unpublished
 * object
 * @obj: the object, never published
 *
 * Frees the object and its id, and gives back what it was charged.
 *
 * Context: process.
 */
void sockobj_object_discard(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;

	xa_erase(&file->objects, obj->id);
	sockobj_user_uncharge(file->user);
	atomic_dec(&file->nobjects);
	sockobj_object_put(obj);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_object_discard);

/**
 * sockobj_object_create() - create a CLOSED object in a file, findable at
 * once
 * @file: the open context
 * @proto: SOCKOBJ_PROTO_*
 * @cookie: the user's cookie
 * @id: set to the new object's id
 *
 * Context: process (the caller's ioctl).
 * Return: 0, -EPROTONOSUPPORT, -EMFILE (per-file limit), -EDQUOT (per-user
 * limit) or -ENOMEM.
 */
int sockobj_object_create(struct sockobj_file *file, u32 proto, u64 cookie,
			  u32 *id)
{
	struct sockobj_obj *obj = sockobj_object_alloc(file, proto, cookie);

	if (IS_ERR(obj))
		return PTR_ERR(obj);
	*id = obj->id;
	sockobj_object_publish(obj);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_object_create);

/**
 * sockobj_object_lookup() - find an object by id
 * @file: the open context
 * @id: the id
 *
 * Context: process.
 * Return: the object with a reference, or NULL.
 */
struct sockobj_obj *sockobj_object_lookup(struct sockobj_file *file, u32 id)
{
	struct sockobj_obj *obj;

	xa_lock(&file->objects);
	obj = xa_load(&file->objects, id);
	if (obj)
		sockobj_object_get(obj);
	xa_unlock(&file->objects);
	return obj;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_object_lookup);

/**
 * sockobj_object_lock_live() - lock an object that has not been destroyed
 * @obj: the object
 *
 * Context: process.
 * Return: 0 with the object's lock held, or -ENOENT (not locked).
 */
int sockobj_object_lock_live(struct sockobj_obj *obj)
{
	mutex_lock(&obj->lock);
	if (obj->dead) {
		mutex_unlock(&obj->lock);
		return -ENOENT;
	}
	return 0;
}

/**
 * sockobj_object_destroy() - tear an object down
 * @obj: an object already removed from its file's table; the table's
 *	reference passes to this function
 * @flags: SOCKOBJ_DESTROY_*
 *
 * Its records are discarded, its callbacks restored and its socket
 * released: gracefully unless @flags has SOCKOBJ_DESTROY_ABORT.
 *
 * Context: process.
 */
void sockobj_object_destroy(struct sockobj_obj *obj, u32 flags)
{
	struct sockobj_file *file = obj->file;

	mutex_lock(&obj->lock);
	spin_lock_bh(&file->lock);
	WRITE_ONCE(obj->dead, true);
	sockobj_event_discard(obj);
	spin_unlock_bh(&file->lock);
	sockobj_listen_leave(obj);
	sockobj_socket_release(obj, flags & SOCKOBJ_DESTROY_ABORT);
	sockobj_timers_stop(obj);
	mutex_unlock(&obj->lock);
	sockobj_timers_cancel_work(obj);
	sockobj_user_uncharge(file->user);
	atomic_dec(&file->nobjects);
	sockobj_object_put(obj);
}

/*
 * Take the table's entry for @id out if it is @want, or whatever it is for
 * a NULL @want, and trace the release of the id. xa_load() skips an id
 * still reserved by a create in progress.
 */
static struct sockobj_obj *take(struct sockobj_file *file, u32 id,
				struct sockobj_obj *want)
{
	struct sockobj_obj *obj;

	xa_lock(&file->objects);
	obj = xa_load(&file->objects, id);
	if (obj && want && obj != want)
		obj = NULL;
	if (obj)
		__xa_erase(&file->objects, id);
	xa_unlock(&file->objects);
	if (obj)
		trace_sockobj_id_release(file, id, obj->cookie, obj->created_ns);
	return obj;
}

/**
 * sockobj_object_remove() - remove an object from its file and destroy it
 * @file: the open context
 * @id: the object's id
 * @flags: SOCKOBJ_DESTROY_*
 *
 * Context: process.
 * Return: 0 or -ENOENT.
 */
int sockobj_object_remove(struct sockobj_file *file, u32 id, u32 flags)
{
	struct sockobj_obj *obj = take(file, id, NULL);

	if (!obj)
		return -ENOENT;
	sockobj_object_destroy(obj, flags);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_object_remove);

/**
 * sockobj_object_remove_if_current() - remove an object from its file and
 * destroy it, unless it left the table already
 * @obj: the object; the caller's reference is its own
 *
 * Context: process.
 */
void sockobj_object_remove_if_current(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;

	if (take(file, obj->id, obj))
		sockobj_object_destroy(obj, 0);
}

/**
 * sockobj_object_init() - set up what objects share
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int sockobj_object_init(void)
{
	sockobj_cache = kmem_cache_create("sockobj_obj", sizeof(struct sockobj_obj),
					  0, SLAB_ACCOUNT, NULL);
	if (!sockobj_cache)
		return -ENOMEM;
	return 0;
}

/**
 * sockobj_object_uninit() - free what objects share
 *
 * Context: module exit, after sockobj_timers_uninit() (no object left).
 */
void sockobj_object_uninit(void)
{
	kmem_cache_destroy(sockobj_cache);
}
