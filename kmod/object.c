// SPDX-License-Identifier: GPL-2.0
/*
 * Sock objects: their lifetime, their socket and its callbacks.
 *
 * Locking, outermost first:
 *   obj->lock (mutex)          process context: ioctls and the work item
 *   the socket lock            taken inside kernel_*() and sock_*() helpers
 *   sk->sk_callback_lock       _bh; guards sk_user_data and our callbacks
 *   file->lock (spinlock)      _bh; object state, rings, the ready list
 *
 * The state callback runs in softirq, or in process context from
 * release_sock() with BH enabled, and also synchronously inside
 * kernel_connect() and kernel_sock_shutdown(); so file->lock is never held
 * across a call into the socket layer, and everything the callback does is
 * record, queue work and wake. Only process context (the caller's ioctl, or
 * the work item for follow-ups) creates, binds, shuts down or releases a
 * socket, and sockets are created and bound in the caller's ioctl so that
 * the caller's credentials, cgroup and limits apply.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/bitops.h>
#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/xarray.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "file.h"
#include "fsm.h"
#include "object.h"
#include "data.h"
#include "sockopt.h"
#include "trace.h"
#include "user.h"

enum sockobj_work_bit {
	SOCKOBJ_WORK_RELEASE,	/* the connection closed: release the socket */
	SOCKOBJ_WORK_TIMEOUT,	/* the connect timer fired */
	SOCKOBJ_WORK_IDLE,	/* the inactivity timer fired */
};

static struct workqueue_struct *sockobj_wq;
/* Objects have their own cache: exact size, accounted, visible in slabinfo. */
static struct kmem_cache *sockobj_cache;

/**
 * sockobj_obj_put() - drop a reference, freeing the object with the last
 * @obj: the object
 *
 * Context: any; the last reference is only ever dropped in process context.
 */
void sockobj_obj_put(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;

	if (!refcount_dec_and_test(&obj->ref))
		return;
	mutex_destroy(&obj->lock);
	kmem_cache_free(sockobj_cache, obj);
	sockobj_file_put(file);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_obj_put);

static void queue_obj_work(struct sockobj_obj *obj, enum sockobj_work_bit bit)
{
	set_bit(bit, &obj->work_bits);
	sockobj_obj_get(obj);
	if (!queue_work(sockobj_wq, &obj->work))
		sockobj_obj_put(obj);
}

/* Record a transition and queue its record. Caller holds file->lock. */
static void transition(struct sockobj_obj *obj, unsigned int next,
		       unsigned int reason, int err)
{
	struct sockobj_record r = {
		.state = next,
		.prev_state = obj->state,
		.merged = 1,
	};

	lockdep_assert_held(&obj->file->lock);
	if (next == SOCKOBJ_STATE_CLOSED) {
		r.reason = reason;
		r.phase = obj->state;
		r.error = err;
	}
	sockobj_event_post(obj, &r);
	trace_sockobj_state(obj->id, r.seq, obj->state, next, r.reason, err);
	switch (next) {
	case SOCKOBJ_STATE_CLOSED:
		obj->reason = reason;
		obj->phase = obj->state;
		obj->error = err;
		obj->closed_ns = r.time_ns;
		obj->readable_armed = false;
		obj->writable_armed = false;
		obj->sent_armed = false;
		break;
	case SOCKOBJ_STATE_CONNECTING:
		obj->reason = SOCKOBJ_REASON_NONE;
		obj->phase = SOCKOBJ_STATE_CLOSED;
		obj->error = 0;
		obj->peer_fin = false;
		obj->connect_ns = r.time_ns;
		obj->established_ns = 0;
		/* The first data to arrive is signalled. */
		obj->readable_armed = true;
		break;
	case SOCKOBJ_STATE_ESTABLISHED:
		obj->established_ns = r.time_ns;
		WRITE_ONCE(obj->last_activity, jiffies);
		if (obj->idle_jiffies)
			mod_timer(&obj->idle_timer, jiffies + obj->idle_jiffies);
		break;
	case SOCKOBJ_STATE_PEER_CLOSING:
		obj->peer_fin = true;
		break;
	}
	obj->state = next;
}

/* What a TCP state change means for the object; any context. */
static void tcp_changed(struct sockobj_obj *obj, int tcp_state, int err)
{
	struct sockobj_file *file = obj->file;
	int input = sockobj_fsm_tcp_input(tcp_state);
	int next;

	if (input < 0)
		return;
	spin_lock_bh(&file->lock);
	next = sockobj_fsm_next(obj->state, input);
	if (next == SOCKOBJ_STATE_CLOSED) {
		transition(obj, next,
			   sockobj_fsm_close_reason(obj->state, err, obj->peer_fin),
			   err);
		queue_obj_work(obj, SOCKOBJ_WORK_RELEASE);
	} else if (next >= 0) {
		transition(obj, next, 0, 0);
	}
	spin_unlock_bh(&file->lock);
	if (next == SOCKOBJ_STATE_ESTABLISHED || next == SOCKOBJ_STATE_CLOSED)
		timer_delete(&obj->timer);
	if (next == SOCKOBJ_STATE_CLOSED)
		timer_delete(&obj->idle_timer);
}

/* Data arrived (or the peer's FIN, for UDP nothing else); any context. */
static void data_arrived(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;

	WRITE_ONCE(obj->last_activity, jiffies);
	spin_lock_bh(&file->lock);
	if (obj->readable_armed) {
		obj->readable_armed = false;
		sockobj_event_post_data(obj, SOCKOBJ_EV_READABLE, 0);
	}
	spin_unlock_bh(&file->lock);
}

static u32 tcp_unacked(struct sock *sk)
{
	return READ_ONCE(tcp_sk(sk)->write_seq) - READ_ONCE(tcp_sk(sk)->snd_una);
}

/*
 * Send space came back, or (TCP) an ACK arrived while we asked for write
 * space callbacks. Return whether to keep asking (SOCK_NOSPACE), which is
 * how the SENT threshold sees every ACK, as sunrpc does.
 */
static bool space_changed(struct sockobj_obj *obj, struct sock *sk)
{
	struct sockobj_file *file = obj->file;
	bool tcp = obj->proto == SOCKOBJ_PROTO_TCP;
	bool writable = tcp ? sk_stream_is_writeable(sk) : sock_writeable(sk);
	bool keep = false;

	spin_lock_bh(&file->lock);
	if (obj->writable_armed && writable) {
		obj->writable_armed = false;
		sockobj_event_post_data(obj, SOCKOBJ_EV_WRITABLE, 0);
	}
	if (tcp && obj->sent_armed) {
		if (tcp_unacked(sk) <= obj->sent_threshold) {
			obj->sent_armed = false;
			sockobj_event_post_data(obj, SOCKOBJ_EV_SENT, 0);
		} else {
			keep = true;
		}
	}
	spin_unlock_bh(&file->lock);
	if (tcp && !keep)
		WRITE_ONCE(obj->last_activity, jiffies);
	return keep;
}

static void cb_state_change(struct sock *sk)
{
	void (*next)(struct sock *sk);
	struct sockobj_obj *obj;

	read_lock_bh(&sk->sk_callback_lock);
	obj = sk->sk_user_data;
	if (obj) {
		next = obj->saved_state_change;
		tcp_changed(obj, READ_ONCE(sk->sk_state), READ_ONCE(sk->sk_err));
	} else {
		/* Restored under us: whatever is installed now is theirs. */
		next = sk->sk_state_change;
	}
	read_unlock_bh(&sk->sk_callback_lock);
	next(sk);
}

static void cb_data_ready(struct sock *sk)
{
	void (*next)(struct sock *sk);
	struct sockobj_obj *obj;

	read_lock_bh(&sk->sk_callback_lock);
	obj = sk->sk_user_data;
	if (obj) {
		next = obj->saved_data_ready;
		data_arrived(obj);
	} else {
		next = READ_ONCE(sk->sk_data_ready);
	}
	read_unlock_bh(&sk->sk_callback_lock);
	next(sk);
}

static void cb_write_space(struct sock *sk)
{
	void (*next)(struct sock *sk);
	struct sockobj_obj *obj;
	bool keep = false;

	read_lock_bh(&sk->sk_callback_lock);
	obj = sk->sk_user_data;
	if (obj) {
		next = obj->saved_write_space;
		keep = space_changed(obj, sk);
	} else {
		next = READ_ONCE(sk->sk_write_space);
	}
	read_unlock_bh(&sk->sk_callback_lock);
	next(sk);
	/* The default callback clears SOCK_NOSPACE once writable. */
	if (keep && sk->sk_socket)
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
}

/*
 * TCP reports its errors through the final state change. For UDP an ICMP
 * error (port unreachable...) is a soft error: it becomes an event and is
 * consumed here, so the object stays usable.
 */
static void cb_error_report(struct sock *sk)
{
	void (*next)(struct sock *sk);
	struct sockobj_obj *obj;
	int err;

	read_lock_bh(&sk->sk_callback_lock);
	obj = sk->sk_user_data;
	if (obj) {
		next = obj->saved_error_report;
		if (obj->proto == SOCKOBJ_PROTO_UDP) {
			err = -sock_error(sk);
			if (err) {
				spin_lock_bh(&obj->file->lock);
				sockobj_event_post_data(obj, SOCKOBJ_EV_ERROR, err);
				spin_unlock_bh(&obj->file->lock);
			}
		}
	} else {
		next = sk->sk_error_report;
	}
	read_unlock_bh(&sk->sk_callback_lock);
	next(sk);
}

static void attach(struct sockobj_obj *obj, struct socket *sock)
{
	struct sock *sk = sock->sk;

	sockobj_obj_get(obj);	/* for sk_user_data */
	write_lock_bh(&sk->sk_callback_lock);
	obj->saved_state_change = sk->sk_state_change;
	obj->saved_data_ready = sk->sk_data_ready;
	obj->saved_write_space = sk->sk_write_space;
	obj->saved_error_report = sk->sk_error_report;
	sk->sk_user_data = obj;
	sk->sk_state_change = cb_state_change;
	WRITE_ONCE(sk->sk_data_ready, cb_data_ready);
	WRITE_ONCE(sk->sk_write_space, cb_write_space);
	sk->sk_error_report = cb_error_report;
	write_unlock_bh(&sk->sk_callback_lock);
	obj->sock = sock;
}

/*
 * After this returns no callback of ours runs or is running on the socket,
 * unless @obj is no longer in state @seen (then nothing changed and it
 * returns false): the callbacks move the state under sk_callback_lock,
 * so the check and the detach are one step for them.
 */
static bool detach_in(struct sockobj_obj *obj, unsigned int seen)
{
	struct sock *sk = obj->sock->sk;
	bool attached, moved;

	write_lock_bh(&sk->sk_callback_lock);
	spin_lock(&obj->file->lock);
	moved = seen != SOCKOBJ_STATE_COUNT && obj->state != seen;
	spin_unlock(&obj->file->lock);
	attached = !moved && sk->sk_user_data == obj;
	if (attached) {
		sk->sk_state_change = obj->saved_state_change;
		WRITE_ONCE(sk->sk_data_ready, obj->saved_data_ready);
		WRITE_ONCE(sk->sk_write_space, obj->saved_write_space);
		sk->sk_error_report = obj->saved_error_report;
		sk->sk_user_data = NULL;
	}
	write_unlock_bh(&sk->sk_callback_lock);
	if (attached)
		sockobj_obj_put(obj);	/* never the last: the caller has one */
	return !moved;
}

/* After this returns no callback of ours runs or is running on the socket. */
static void detach(struct sockobj_obj *obj)
{
	detach_in(obj, SOCKOBJ_STATE_COUNT);
}

static void snapshot_local(struct sockobj_obj *obj)
{
	union sockobj_sockaddr ss = {};

	if (kernel_getsockname(obj->sock, &ss.sa) >= 0)
		obj->laddr = ss;
	obj->bound_ifindex = READ_ONCE(obj->sock->sk->sk_bound_dev_if);
}

/*
 * tcp_close() resets a connection whose received data was never read; a
 * graceful release reads that data away first, so that the FIN still
 * follows the data queued to send.
 */
static void discard_unread(struct socket *sock)
{
	struct msghdr msg = {};

	do {
		iov_iter_discard(&msg.msg_iter, ITER_DEST, INT_MAX);
	} while (sock_recvmsg(sock, &msg, MSG_DONTWAIT) > 0);
}

/**
 * sockobj_obj_release_socket() - release the object's socket, if any
 * @obj: the object, its lock held
 * @rst: reset a connection still open and discard its queued data;
 *	otherwise the kernel closes it gracefully in the background (FIN
 *	after queued data), as close(2) would, even when received data was
 *	left unread (it is discarded)
 *
 * Context: process.
 */
void sockobj_obj_release_socket(struct sockobj_obj *obj, bool rst)
{
	lockdep_assert_held(&obj->lock);
	if (!obj->sock)
		return;
	detach(obj);
	if (rst)
		sock_no_linger(obj->sock->sk);
	else if (obj->proto == SOCKOBJ_PROTO_TCP)
		discard_unread(obj->sock);
	sock_release(obj->sock);
	obj->sock = NULL;
}

/*
 * Close the current attempt ourselves, with @reason, from process context,
 * if the object is still in state @seen. The reason was chosen for @seen
 * (a connect timeout or a cancel for CONNECTING, inactivity for
 * ESTABLISHED): a callback may have moved the object on since, and the
 * decision is then void. Return: whether it closed.
 */
static bool close_now(struct sockobj_obj *obj, unsigned int seen,
		      unsigned int reason, int err)
{
	struct sockobj_file *file = obj->file;

	lockdep_assert_held(&obj->lock);
	if (obj->sock && !detach_in(obj, seen))
		return false;
	timer_delete_sync(&obj->timer);
	timer_delete_sync(&obj->idle_timer);
	spin_lock_bh(&file->lock);
	if (obj->state != SOCKOBJ_STATE_CLOSED)
		transition(obj, SOCKOBJ_STATE_CLOSED, reason, err);
	spin_unlock_bh(&file->lock);
	sockobj_obj_release_socket(obj, true);
	return true;
}

static unsigned int state_of(struct sockobj_obj *obj, unsigned int *space)
{
	struct sockobj_file *file = obj->file;
	unsigned int state;

	spin_lock_bh(&file->lock);
	state = obj->state;
	if (space)
		*space = sockobj_event_ring_space(&obj->ring);
	spin_unlock_bh(&file->lock);
	return state;
}

static void obj_work(struct work_struct *work)
{
	struct sockobj_obj *obj = container_of(work, struct sockobj_obj, work);
	unsigned long bits = xchg(&obj->work_bits, 0);
	unsigned int state;

	mutex_lock(&obj->lock);
	if (obj->dead || !obj->sock)
		goto out;
	state = state_of(obj, NULL);
	/* Connected (or peer closing) just in time: no timeout then. */
	if ((bits & BIT(SOCKOBJ_WORK_TIMEOUT)) &&
	    state == SOCKOBJ_STATE_CONNECTING)
		close_now(obj, state, SOCKOBJ_REASON_CONNECT_TIMEOUT, ETIMEDOUT);
	else if ((bits & BIT(SOCKOBJ_WORK_IDLE)) &&
		 state == SOCKOBJ_STATE_ESTABLISHED)
		close_now(obj, state, SOCKOBJ_REASON_INACTIVITY, ETIMEDOUT);
	else if (state == SOCKOBJ_STATE_CLOSED &&
		 skb_queue_empty_lockless(&obj->sock->sk->sk_receive_queue))
		/* With data left (a close completed before it was read), the
		 * socket stays until a receive drains it, a connect or a destroy.
		 */
		sockobj_obj_release_socket(obj, false);
out:
	mutex_unlock(&obj->lock);
	sockobj_obj_put(obj);
}

static void connect_timeout(struct timer_list *t)
{
	struct sockobj_obj *obj = from_timer(obj, t, timer);

	/* The timer is stopped before the object's last reference goes. */
	queue_obj_work(obj, SOCKOBJ_WORK_TIMEOUT);
}

static void idle_timeout(struct timer_list *t)
{
	struct sockobj_obj *obj = from_timer(obj, t, idle_timer);
	unsigned long due = READ_ONCE(obj->last_activity) + obj->idle_jiffies;

	if (READ_ONCE(obj->dead))
		return;
	if (time_before(jiffies, due))
		mod_timer(&obj->idle_timer, due);
	else
		queue_obj_work(obj, SOCKOBJ_WORK_IDLE);
}

/**
 * sockobj_obj_alloc() - make a CLOSED object and reserve its id
 * @file: the open context
 * @proto: SOCKOBJ_PROTO_*
 * @cookie: the user's cookie
 *
 * The id is reserved but the object is not in the table: no lookup finds
 * it until sockobj_obj_publish(), so a caller that fails after this (it
 * could not tell userspace the id) undoes it with sockobj_obj_discard()
 * and nobody can have acted on the object meanwhile.
 *
 * Context: process (the caller's ioctl).
 * Return: the object (its id in ->id), or ERR_PTR(-EPROTONOSUPPORT),
 * -EMFILE (per-file limit), -EDQUOT (per-user limit) or -ENOMEM.
 */
struct sockobj_obj *sockobj_obj_alloc(struct sockobj_file *file, u32 proto,
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
	INIT_LIST_HEAD(&obj->ready_node);
	INIT_WORK(&obj->work, obj_work);
	timer_setup(&obj->timer, connect_timeout, 0);
	timer_setup(&obj->idle_timer, idle_timeout, 0);
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
EXPORT_SYMBOL_IF_KUNIT(sockobj_obj_alloc);

/**
 * sockobj_obj_publish() - make an object from sockobj_obj_alloc() findable
 * @obj: the object; the table takes over the caller's reference
 *
 * Context: process.
 */
void sockobj_obj_publish(struct sockobj_obj *obj)
{
	/* Replacing the reserved entry needs no allocation: cannot fail. */
	xa_store(&obj->file->objects, obj->id, obj, GFP_KERNEL_ACCOUNT);
	trace_sockobj_id_publish(obj->file, obj->id, obj->cookie,
				 obj->created_ns);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_obj_publish);

/**
 * sockobj_obj_discard() - undo sockobj_obj_alloc() of an unpublished object
 * @obj: the object, never published
 *
 * Frees the object and its id, and gives back what it was charged.
 *
 * Context: process.
 */
void sockobj_obj_discard(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;

	xa_erase(&file->objects, obj->id);
	sockobj_user_uncharge(file->user);
	atomic_dec(&file->nobjects);
	sockobj_obj_put(obj);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_obj_discard);

/**
 * sockobj_obj_create() - create a CLOSED object in a file, findable at once
 * @file: the open context
 * @proto: SOCKOBJ_PROTO_*
 * @cookie: the user's cookie
 * @id: set to the new object's id
 *
 * Context: process (the caller's ioctl).
 * Return: 0, -EPROTONOSUPPORT, -EMFILE (per-file limit), -EDQUOT (per-user
 * limit) or -ENOMEM.
 */
int sockobj_obj_create(struct sockobj_file *file, u32 proto, u64 cookie,
		       u32 *id)
{
	struct sockobj_obj *obj = sockobj_obj_alloc(file, proto, cookie);

	if (IS_ERR(obj))
		return PTR_ERR(obj);
	*id = obj->id;
	sockobj_obj_publish(obj);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_obj_create);

/**
 * sockobj_obj_lookup() - find an object by id
 * @file: the open context
 * @id: the id
 *
 * Context: process.
 * Return: the object with a reference, or NULL.
 */
struct sockobj_obj *sockobj_obj_lookup(struct sockobj_file *file, u32 id)
{
	struct sockobj_obj *obj;

	xa_lock(&file->objects);
	obj = xa_load(&file->objects, id);
	if (obj)
		sockobj_obj_get(obj);
	xa_unlock(&file->objects);
	return obj;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_obj_lookup);

/**
 * sockobj_obj_destroy() - tear an object down
 * @obj: an object already removed from its file's table; the table's
 *	reference passes to this function
 * @flags: SOCKOBJ_DESTROY_*
 *
 * Its records are discarded, its callbacks restored and its socket
 * released: gracefully unless @flags has SOCKOBJ_DESTROY_ABORT.
 *
 * Context: process.
 */
void sockobj_obj_destroy(struct sockobj_obj *obj, u32 flags)
{
	struct sockobj_file *file = obj->file;

	mutex_lock(&obj->lock);
	spin_lock_bh(&file->lock);
	WRITE_ONCE(obj->dead, true);
	sockobj_event_discard(obj);
	spin_unlock_bh(&file->lock);
	sockobj_obj_release_socket(obj, flags & SOCKOBJ_DESTROY_ABORT);
	timer_delete_sync(&obj->timer);
	timer_delete_sync(&obj->idle_timer);
	mutex_unlock(&obj->lock);
	if (cancel_work_sync(&obj->work))
		sockobj_obj_put(obj);
	sockobj_user_uncharge(file->user);
	atomic_dec(&file->nobjects);
	sockobj_obj_put(obj);
}

/**
 * sockobj_obj_remove() - remove an object from its file and destroy it
 * @file: the open context
 * @id: the object's id
 * @flags: SOCKOBJ_DESTROY_*
 *
 * Context: process.
 * Return: 0 or -ENOENT.
 */
int sockobj_obj_remove(struct sockobj_file *file, u32 id, u32 flags)
{
	struct sockobj_obj *obj;

	/* xa_load() skips an id still reserved by a create in progress. */
	xa_lock(&file->objects);
	obj = xa_load(&file->objects, id);
	if (obj)
		__xa_erase(&file->objects, id);
	xa_unlock(&file->objects);
	if (!obj)
		return -ENOENT;
	trace_sockobj_id_release(file, id, obj->cookie, obj->created_ns);
	sockobj_obj_destroy(obj, flags);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_obj_remove);

/**
 * sockobj_obj_lock_live() - lock an object that has not been destroyed
 * @obj: the object
 *
 * Context: process.
 * Return: 0 with the object's lock held, or -ENOENT (not locked).
 */
int sockobj_obj_lock_live(struct sockobj_obj *obj)
{
	mutex_lock(&obj->lock);
	if (obj->dead) {
		mutex_unlock(&obj->lock);
		return -ENOENT;
	}
	return 0;
}

static int resolve_iface(struct net *net, struct sockobj_cfg *cfg)
{
	struct net_device *dev;
	int ret = 0;

	if (!cfg->ifindex && !cfg->ifname[0])
		return 0;
	rcu_read_lock();
	if (cfg->ifindex)
		dev = dev_get_by_index_rcu(net, cfg->ifindex);
	else
		dev = dev_get_by_name_rcu(net, cfg->ifname);
	if (dev) {
		cfg->ifindex = dev->ifindex;
		strscpy(cfg->ifname, dev->name, sizeof(cfg->ifname));
	} else {
		ret = -ENODEV;
	}
	rcu_read_unlock();
	return ret;
}

/**
 * sockobj_obj_configure() - change properties of a CLOSED object
 * @obj: the object
 * @u: the request (validated here as a whole)
 *
 * Context: process.
 * Return: 0, -ENOENT, -EISCONN (not CLOSED), -EINVAL or -ENODEV; nothing
 * changes on error.
 */
int sockobj_obj_configure(struct sockobj_obj *obj, const struct sockobj_config *u)
{
	struct sockobj_cfg cfg;
	int ret;

	ret = sockobj_obj_lock_live(obj);
	if (ret)
		return ret;
	cfg = obj->cfg;
	ret = sockobj_config_merge(&cfg, u, obj->proto);
	if (!ret && (u->mask & SOCKOBJ_CFG_IFACE))
		ret = resolve_iface(obj->file->net, &cfg);
	if (!ret && (u->mask & ~SOCKOBJ_CFG_ANY_STATE) &&
	    state_of(obj, NULL) != SOCKOBJ_STATE_CLOSED)
		ret = -EISCONN;
	if (!ret) {
		obj->cfg = cfg;
		spin_lock_bh(&obj->file->lock);
		obj->sent_threshold = cfg.opt.sent_threshold;
		if (!obj->sent_threshold)
			obj->sent_armed = false;
		spin_unlock_bh(&obj->file->lock);
	}
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_obj_get_config() - read an object's configuration
 * @obj: the object
 * @u: filled in
 *
 * Context: process.
 * Return: 0 or -ENOENT.
 */
int sockobj_obj_get_config(struct sockobj_obj *obj, struct sockobj_config *u)
{
	int ret = sockobj_obj_lock_live(obj);

	if (ret)
		return ret;
	sockobj_config_export(&obj->cfg, u);
	mutex_unlock(&obj->lock);
	return 0;
}

/* Create, bind and attach the socket of a new attempt, as the caller. */
static int open_socket(struct sockobj_obj *obj)
{
	struct sockobj_cfg *cfg = &obj->cfg;
	struct socket *sock;
	int ret;
	bool tcp = obj->proto == SOCKOBJ_PROTO_TCP;

	ret = __sock_create(obj->file->net, cfg->target.sa.sa_family,
			    tcp ? SOCK_STREAM : SOCK_DGRAM,
			    tcp ? IPPROTO_TCP : IPPROTO_UDP, &sock, 0);
	if (ret)
		return ret;
	ret = sockobj_sockopt_apply(sock, cfg, obj->proto);
	if (ret)
		goto err_release;
	if (cfg->ifindex) {
		ret = sock_bindtoindex(sock->sk, cfg->ifindex, true);
		if (ret)
			goto err_release;
	}
	if (cfg->local_len) {
		ret = sockobj_kernel_bind(sock, &cfg->local, cfg->local_len);
		if (ret)
			goto err_release;
	}
	attach(obj, sock);
	return 0;

err_release:
	sock_release(sock);
	return ret;
}

/**
 * sockobj_obj_connect() - start an asynchronous active open
 * @obj: a CLOSED object with a target
 *
 * The socket is created, bound and configured here, in the caller's
 * context, so the caller's privileges decide. From the moment the state is
 * CONNECTING the callbacks own the outcome: on loopback the handshake or
 * the refusal usually completes inside kernel_connect() itself.
 *
 * Context: process (the caller's ioctl).
 * Return: 0 once the attempt started (its outcome arrives as events),
 * -ENOENT, -EISCONN, -EDESTADDRREQ, -EBUSY (undelivered records), or the
 * error socket(2), bind(2) or SO_BINDTODEVICE gave the caller.
 */
int sockobj_obj_connect(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;
	unsigned int space;
	int ret;

	ret = sockobj_obj_lock_live(obj);
	if (ret)
		return ret;
	if (state_of(obj, &space) != SOCKOBJ_STATE_CLOSED) {
		ret = -EISCONN;
		goto out;
	}
	if (!(obj->cfg.mask & SOCKOBJ_CFG_TARGET)) {
		ret = -EDESTADDRREQ;
		goto out;
	}
	if (space < SOCKOBJ_TRANSITIONS_MAX) {
		ret = -EBUSY;
		goto out;
	}
	/* The last attempt's socket, if its release work has not run yet. */
	sockobj_obj_release_socket(obj, false);
	/* A timeout of an earlier attempt must not hit this one. */
	timer_delete_sync(&obj->timer);
	clear_bit(SOCKOBJ_WORK_TIMEOUT, &obj->work_bits);

	ret = open_socket(obj);
	if (ret)
		goto out;
	obj->raddr = obj->cfg.target;
	memset(&obj->laddr, 0, sizeof(obj->laddr));

	spin_lock_bh(&file->lock);
	transition(obj, SOCKOBJ_STATE_CONNECTING, 0, 0);
	spin_unlock_bh(&file->lock);
	obj->idle_jiffies = obj->cfg.opt.inactivity_s * HZ;
	if (obj->cfg.connect_timeout_ms && obj->proto == SOCKOBJ_PROTO_TCP)
		mod_timer(&obj->timer, jiffies +
			  msecs_to_jiffies(obj->cfg.connect_timeout_ms));

	if (obj->proto == SOCKOBJ_PROTO_UDP && obj->cfg.opt.recv_any)
		ret = 0;	/* sends go to the target with sendto() */
	else
		ret = sockobj_kernel_connect(obj->sock, &obj->cfg.target,
					     obj->cfg.target_len, O_NONBLOCK);
	snapshot_local(obj);
	trace_sockobj_connect(obj->id, obj->proto, &obj->cfg.target, ret);
	if (ret != 0 && ret != -EINPROGRESS) {
		/*
		 * Known at once (no route...): still an event, not an error.
		 * Already CLOSED by a callback, the release work frees it.
		 */
		close_now(obj, SOCKOBJ_STATE_CONNECTING,
			  sockobj_fsm_close_reason(SOCKOBJ_STATE_CONNECTING,
						   -ret, false), -ret);
	} else if (obj->proto == SOCKOBJ_PROTO_UDP) {
		/* A UDP "connect" resolved the route: nothing to wait for. */
		spin_lock_bh(&file->lock);
		if (obj->state == SOCKOBJ_STATE_CONNECTING)
			transition(obj, SOCKOBJ_STATE_ESTABLISHED, 0, 0);
		spin_unlock_bh(&file->lock);
	}
	ret = 0;
out:
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_obj_disconnect() - graceful close, or cancel while connecting
 * @obj: the object
 *
 * Context: process.
 * Return: 0, -ENOENT, -ENOTCONN (CLOSED) or -EALREADY (CLOSING).
 */
int sockobj_obj_disconnect(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;
	unsigned int state;
	int ret;

	ret = sockobj_obj_lock_live(obj);
	if (ret)
		return ret;
again:
	spin_lock_bh(&file->lock);
	state = obj->state;
	if (sockobj_fsm_next(state, SOCKOBJ_IN_DISCONNECT) >= 0 &&
	    obj->proto == SOCKOBJ_PROTO_TCP)
		transition(obj, SOCKOBJ_STATE_CLOSING, 0, 0);
	spin_unlock_bh(&file->lock);

	switch (state) {
	case SOCKOBJ_STATE_CONNECTING:
		/* The handshake may complete first: then close gracefully. */
		if (!close_now(obj, state, SOCKOBJ_REASON_CANCELLED, 0))
			goto again;
		break;
	case SOCKOBJ_STATE_ESTABLISHED:
		if (obj->proto == SOCKOBJ_PROTO_UDP) {
			/* No closing handshake: the close completes now. */
			close_now(obj, state, SOCKOBJ_REASON_LOCAL_CLOSED, 0);
			break;
		}
		fallthrough;
	case SOCKOBJ_STATE_PEER_CLOSING:
		/*
		 * FIN after the queued data. If the connection died meanwhile
		 * this fails and the callback has reported why.
		 */
		kernel_sock_shutdown(obj->sock, SHUT_WR);
		break;
	case SOCKOBJ_STATE_CLOSING:
		ret = -EALREADY;
		break;
	default:
		ret = -ENOTCONN;
		break;
	}
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_obj_abort() - reset the connection now
 * @obj: the object
 *
 * Context: process.
 * Return: 0 (the object is CLOSED), -ENOENT or -ENOTCONN (already CLOSED).
 */
int sockobj_obj_abort(struct sockobj_obj *obj)
{
	unsigned int state;
	int ret;

	ret = sockobj_obj_lock_live(obj);
	if (ret)
		return ret;
	/* Until the state it was decided for holds: it only moves forward. */
	do {
		state = state_of(obj, NULL);
		if (state == SOCKOBJ_STATE_CLOSED) {
			ret = -ENOTCONN;
			break;
		}
	} while (!close_now(obj, state, state == SOCKOBJ_STATE_CONNECTING ?
			    SOCKOBJ_REASON_CANCELLED : SOCKOBJ_REASON_ABORTED,
			    0));
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_obj_get_info() - report an object's state
 * @obj: the object
 * @info: filled in (id and reserved are left to the caller)
 *
 * Context: process.
 * Return: 0 or -ENOENT.
 */
int sockobj_obj_get_info(struct sockobj_obj *obj, struct sockobj_info *info)
{
	struct sockobj_file *file = obj->file;
	int ret = sockobj_obj_lock_live(obj);

	if (ret)
		return ret;
	info->proto = obj->proto;
	info->cookie = obj->cookie;
	sockobj_config_addr_from_sockaddr(&obj->laddr, &info->local);
	sockobj_config_addr_from_sockaddr(&obj->raddr, &info->remote);
	info->ifindex = obj->bound_ifindex;
	info->bytes_sent = obj->bytes_sent;
	info->bytes_received = obj->bytes_received;
	if (obj->sock)
		sockobj_data_counters(obj, info);
	spin_lock_bh(&file->lock);
	info->state = obj->state;
	info->reason = obj->reason;
	info->phase = obj->phase;
	info->error = obj->error;
	/* The state records and the data records (one per pending type). */
	info->pending = obj->ring.count + hweight8(obj->data.pending);
	info->created_ns = obj->created_ns;
	info->connect_ns = obj->connect_ns;
	info->established_ns = obj->established_ns;
	info->closed_ns = obj->closed_ns;
	spin_unlock_bh(&file->lock);
	/*
	 * A closed connection sends nothing more, whether or not its socket
	 * is released yet (the release is queued work): the answer must not
	 * depend on when that work ran.
	 */
	if (info->state == SOCKOBJ_STATE_CLOSED) {
		info->tx_unacked = 0;
		info->tx_space = 0;
	}
	mutex_unlock(&obj->lock);
	return 0;
}

/**
 * sockobj_obj_arm() - ask for a data event once the condition holds
 * @obj: the object, its lock held, with a socket
 * @type: SOCKOBJ_EV_READABLE, SOCKOBJ_EV_WRITABLE or SOCKOBJ_EV_SENT
 *
 * Data events are edge-triggered: armed when a receive finds nothing (or
 * drains the queue), a send finds no room, or a send leaves more than the
 * threshold unacknowledged. The condition is checked again after arming,
 * so an edge that came between the failed call and the arming is not
 * missed.
 *
 * Context: process.
 */
void sockobj_obj_arm(struct sockobj_obj *obj, unsigned int type)
{
	struct sockobj_file *file = obj->file;
	struct socket *sock = obj->sock;

	lockdep_assert_held(&obj->lock);
	spin_lock_bh(&file->lock);
	if (type == SOCKOBJ_EV_READABLE)
		obj->readable_armed = true;
	else if (type == SOCKOBJ_EV_WRITABLE)
		obj->writable_armed = true;
	else if (type == SOCKOBJ_EV_SENT && obj->sent_threshold)
		obj->sent_armed = true;
	spin_unlock_bh(&file->lock);

	if (type == SOCKOBJ_EV_SENT) {
		/* Ask TCP to call write_space on every ACK from now on. */
		set_bit(SOCK_NOSPACE, &sock->flags);
		space_changed(obj, sock->sk);
		return;
	}
	if (type == SOCKOBJ_EV_READABLE && sockobj_data_readable(obj))
		data_arrived(obj);
	else if (type == SOCKOBJ_EV_WRITABLE && sockobj_data_writable(obj))
		space_changed(obj, sock->sk);
}

static void remove_if_current(struct sockobj_file *file, struct sockobj_obj *obj)
{
	bool removed = false;

	xa_lock(&file->objects);
	if (xa_load(&file->objects, obj->id) == obj) {
		__xa_erase(&file->objects, obj->id);
		removed = true;
	}
	xa_unlock(&file->objects);
	if (!removed)
		return;
	trace_sockobj_id_release(file, obj->id, obj->cookie, obj->created_ns);
	sockobj_obj_destroy(obj, 0);
}

/**
 * sockobj_obj_handoff() - turn an open connection into a socket fd
 * @file: the open context
 * @id: the object, ESTABLISHED or PEER_CLOSING
 * @flags: SOCKOBJ_HANDOFF_*
 *
 * The socket leaves the object with our callbacks restored, becomes an
 * ordinary socket file of the caller (close-on-exec), and the object is
 * destroyed, its undelivered events with it.
 *
 * Context: process (the caller's ioctl).
 * Return: the new fd, -ENOENT, -ENOTCONN (not open), -EMFILE (no fd left,
 * nothing changed), or -ENFILE/-ENOMEM from the file allocation (the
 * connection is then closed).
 */
int sockobj_obj_handoff(struct sockobj_file *file, u32 id, u32 flags)
{
	struct sockobj_obj *obj;
	struct socket *sock;
	struct file *filp;
	unsigned int state;
	int fd, ret;

	obj = sockobj_obj_lookup(file, id);
	if (!obj)
		return -ENOENT;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_put;
	}
	ret = sockobj_obj_lock_live(obj);
	if (ret)
		goto err_fd;
	state = state_of(obj, NULL);
	if (state != SOCKOBJ_STATE_ESTABLISHED &&
	    state != SOCKOBJ_STATE_PEER_CLOSING) {
		mutex_unlock(&obj->lock);
		ret = -ENOTCONN;
		goto err_fd;
	}
	detach(obj);
	timer_delete_sync(&obj->idle_timer);
	sock = obj->sock;
	obj->sock = NULL;
	/*
	 * The object is gone for every other caller from here on, as after a
	 * destroy: one that locked it before remove_if_current() would find
	 * an open state without a socket.
	 */
	spin_lock_bh(&file->lock);
	WRITE_ONCE(obj->dead, true);
	sockobj_event_discard(obj);
	spin_unlock_bh(&file->lock);
	mutex_unlock(&obj->lock);
	remove_if_current(file, obj);
	sockobj_obj_put(obj);

	filp = sock_alloc_file(sock, (flags & SOCKOBJ_HANDOFF_NONBLOCK) ?
			       O_NONBLOCK : 0, NULL);
	if (IS_ERR(filp)) {
		/* sock_alloc_file() released the socket. */
		put_unused_fd(fd);
		return PTR_ERR(filp);
	}
	fd_install(fd, filp);
	return fd;

err_fd:
	put_unused_fd(fd);
err_put:
	sockobj_obj_put(obj);
	return ret;
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
	sockobj_wq = alloc_workqueue("sockobj", WQ_UNBOUND, 0);
	if (!sockobj_wq) {
		kmem_cache_destroy(sockobj_cache);
		return -ENOMEM;
	}
	return 0;
}

/**
 * sockobj_object_uninit() - wait for all object work and free what
 * objects share
 *
 * Context: module exit, after the device is gone (no file, no object left
 * but work items still holding the last references).
 */
void sockobj_object_uninit(void)
{
	destroy_workqueue(sockobj_wq);
	kmem_cache_destroy(sockobj_cache);
}
