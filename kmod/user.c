// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user accounting: the objects of all the files a user opened count
 * against one limit, so that opening many files does not multiply the
 * per-file limit. Kernel-held sockets do not count against RLIMIT_NOFILE
 * and a module cannot add a ucounts type, hence this small table.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "compat.h"
#include "user.h"

#define MAX_USER_OBJECTS_LIMIT BIT(24)

static unsigned int max_user_objects = 65536;

static int max_user_objects_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	if (n < 1 || n > MAX_USER_OBJECTS_LIMIT)
		return -EINVAL;
	WRITE_ONCE(max_user_objects, n);
	return 0;
}

static const struct kernel_param_ops max_user_objects_ops = {
	.set = max_user_objects_set,
	.get = param_get_uint,
};

module_param_cb(max_user_objects, &max_user_objects_ops, &max_user_objects, 0644);
MODULE_PARM_DESC(max_user_objects,
		 "Objects one user may hold over all its files (1..16777216, default 65536)");

/**
 * struct sockobj_user - the objects one user holds
 * @node: in the table, by uid
 * @uid: the user (the opener's effective uid)
 * @ref: the open files of the user
 * @objects: objects held
 */
struct sockobj_user {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_t objects;
};

static DEFINE_HASHTABLE(users, 6);
static DEFINE_MUTEX(users_lock);	/* the table and the refcounts reaching 0 */

/**
 * sockobj_user_get() - the accounting of a user, created on first use
 * @uid: the user
 *
 * Context: process (open(2)).
 * Return: the user's accounting with a reference, or NULL (no memory).
 */
struct sockobj_user *sockobj_user_get(kuid_t uid)
{
	u32 key = __kuid_val(uid);
	struct sockobj_user *user;

	mutex_lock(&users_lock);
	hash_for_each_possible(users, user, node, key) {
		if (uid_eq(user->uid, uid)) {
			refcount_inc(&user->ref);
			goto out;
		}
	}
	user = kzalloc(sizeof(*user), GFP_KERNEL_ACCOUNT);
	if (user) {
		user->uid = uid;
		refcount_set(&user->ref, 1);
		hash_add(users, &user->node, key);
	}
out:
	mutex_unlock(&users_lock);
	return user;
}

/**
 * sockobj_user_put() - drop a reference, freeing the accounting with the last
 * @user: the user's accounting
 *
 * Context: process.
 */
void sockobj_user_put(struct sockobj_user *user)
{
	if (!refcount_dec_and_mutex_lock(&user->ref, &users_lock))
		return;
	hash_del(&user->node);
	mutex_unlock(&users_lock);
	kfree(user);
}

/**
 * sockobj_user_charge() - count one more object for a user
 * @user: the user's accounting
 *
 * Context: any.
 * Return: 0, or -EDQUOT when the user holds max_user_objects already.
 */
int sockobj_user_charge(struct sockobj_user *user)
{
	if (atomic_inc_return(&user->objects) > READ_ONCE(max_user_objects)) {
		atomic_dec(&user->objects);
		return -EDQUOT;
	}
	return 0;
}

/**
 * sockobj_user_uncharge() - count one object less
 * @user: the user's accounting
 *
 * Context: any.
 */
void sockobj_user_uncharge(struct sockobj_user *user)
{
	atomic_dec(&user->objects);
}
