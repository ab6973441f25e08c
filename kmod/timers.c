// SPDX-License-Identifier: GPL-2.0
/*
 * The connect timeout, the inactivity timeout and the work item that
 * follows callbacks and timers up in process context. Callers only tell
 * what happened (sockobj_timers_established(), _data_moved()...): no other
 * file touches a timer or queues the work.
 *
 * Locking: the timers and the work's request bits are lockless; a timer
 * callback only queues the work. The work item takes obj->lock and then
 * acts as an ioctl would. sockobj_timers_established() and
 * sockobj_timers_conn_closed() run under file->lock, in any context; the
 * sync stops run under obj->lock, which neither timer callback takes;
 * sockobj_timers_cancel_work() runs without obj->lock, which the work
 * takes. A queued work item holds a reference to its object, and the
 * timers are stopped before the object's last reference goes.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/bitops.h>
#include <linux/jiffies.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#include "compat.h"
#include "conn.h"
#include "object.h"
#include "socket.h"
#include "timers.h"

enum sockobj_work_bit {
	SOCKOBJ_WORK_RELEASE,	/* the connection closed: release the socket */
	SOCKOBJ_WORK_TIMEOUT,	/* the connect timer fired */
	SOCKOBJ_WORK_IDLE,	/* the inactivity timer fired */
};

static struct workqueue_struct *sockobj_wq;

static void queue_obj_work(struct sockobj_obj *obj, enum sockobj_work_bit bit)
{
	set_bit(bit, &obj->work_bits);
	sockobj_object_get(obj);
	if (!queue_work(sockobj_wq, &obj->work))
		sockobj_object_put(obj);
}

static void obj_work(struct work_struct *work)
{
	struct sockobj_obj *obj = container_of(work, struct sockobj_obj, work);
	unsigned long bits = xchg(&obj->work_bits, 0);
	unsigned int state;

	mutex_lock(&obj->lock);
	if (obj->dead || !obj->sock)
		goto out;
	state = sockobj_conn_state(obj, NULL);
	/* Connected (or peer closing) just in time: no timeout then. */
	if ((bits & BIT(SOCKOBJ_WORK_TIMEOUT)) &&
	    state == SOCKOBJ_STATE_CONNECTING)
		sockobj_conn_close(obj, state, SOCKOBJ_REASON_CONNECT_TIMEOUT,
				   ETIMEDOUT);
	else if ((bits & BIT(SOCKOBJ_WORK_IDLE)) &&
		 state == SOCKOBJ_STATE_ESTABLISHED)
		sockobj_conn_close(obj, state, SOCKOBJ_REASON_INACTIVITY,
				   ETIMEDOUT);
	else if (state == SOCKOBJ_STATE_CLOSED &&
		 skb_queue_empty_lockless(&obj->sock->sk->sk_receive_queue))
		/* With data left (a close completed before it was read), the
		 * socket stays until a receive drains it, a connect or a destroy.
		 */
		sockobj_socket_release(obj, false);
out:
	mutex_unlock(&obj->lock);
	sockobj_object_put(obj);
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
 * sockobj_timers_setup() - set up the timers and the work item of a new
 * object
 * @obj: the object, not yet findable
 *
 * Context: process.
 */
void sockobj_timers_setup(struct sockobj_obj *obj)
{
	INIT_WORK(&obj->work, obj_work);
	timer_setup(&obj->timer, connect_timeout, 0);
	timer_setup(&obj->idle_timer, idle_timeout, 0);
}

/**
 * sockobj_timers_connect_requested() - a connect is about to open a socket
 * @obj: the object, its lock held, CLOSED
 *
 * A timeout of an earlier attempt must not hit the new one: its timer is
 * stopped and its pending request forgotten.
 *
 * Context: process.
 */
void sockobj_timers_connect_requested(struct sockobj_obj *obj)
{
	timer_delete_sync(&obj->timer);
	clear_bit(SOCKOBJ_WORK_TIMEOUT, &obj->work_bits);
}

/**
 * sockobj_timers_connect_started() - the object is now CONNECTING
 * @obj: the object, its lock held
 *
 * Takes this attempt's inactivity timeout from the configuration and, for
 * TCP with a connect timeout, starts the connect timer.
 *
 * Context: process.
 */
void sockobj_timers_connect_started(struct sockobj_obj *obj)
{
	obj->idle_jiffies = obj->cfg.opt.inactivity_s * HZ;
	if (obj->cfg.connect_timeout_ms && obj->proto == SOCKOBJ_PROTO_TCP)
		mod_timer(&obj->timer, jiffies +
			  msecs_to_jiffies(obj->cfg.connect_timeout_ms));
}

/**
 * sockobj_timers_established() - the object became ESTABLISHED
 * @obj: the object, its file's lock held
 *
 * Inactivity counts from now; the inactivity timer starts if there is one.
 *
 * Context: any.
 */
void sockobj_timers_established(struct sockobj_obj *obj)
{
	WRITE_ONCE(obj->last_activity, jiffies);
	if (obj->idle_jiffies)
		mod_timer(&obj->idle_timer, jiffies + obj->idle_jiffies);
}

/**
 * sockobj_timers_data_moved() - data went either way (or was acknowledged)
 * @obj: the object
 *
 * Inactivity counts from now. Lockless.
 *
 * Context: any.
 */
void sockobj_timers_data_moved(struct sockobj_obj *obj)
{
	WRITE_ONCE(obj->last_activity, jiffies);
}

/**
 * sockobj_timers_conn_closed() - a socket callback closed the connection
 * @obj: the object, its file's lock held
 *
 * The work item releases the socket from process context.
 *
 * Context: any.
 */
void sockobj_timers_conn_closed(struct sockobj_obj *obj)
{
	queue_obj_work(obj, SOCKOBJ_WORK_RELEASE);
}

/**
 * sockobj_timers_state_changed() - a socket callback moved the object
 * @obj: the object, no lock of it held
 * @next: the state it moved to, or a negative errno when it did not move
 *
 * ESTABLISHED stops the connect timer; CLOSED stops both timers (without
 * waiting: a callback may run in softirq).
 *
 * Context: any.
 */
void sockobj_timers_state_changed(struct sockobj_obj *obj, int next)
{
	if (next == SOCKOBJ_STATE_ESTABLISHED || next == SOCKOBJ_STATE_CLOSED)
		timer_delete(&obj->timer);
	if (next == SOCKOBJ_STATE_CLOSED)
		timer_delete(&obj->idle_timer);
}

/**
 * sockobj_timers_handed_off() - the socket is leaving the object (hand-off)
 * @obj: the object, its lock held, its callbacks detached
 *
 * Stops the inactivity timer and waits for a running one.
 *
 * Context: process.
 */
void sockobj_timers_handed_off(struct sockobj_obj *obj)
{
	timer_delete_sync(&obj->idle_timer);
}

/**
 * sockobj_timers_stop() - stop both timers and wait for running ones
 * @obj: the object, its lock held
 *
 * Context: process.
 */
void sockobj_timers_stop(struct sockobj_obj *obj)
{
	timer_delete_sync(&obj->timer);
	timer_delete_sync(&obj->idle_timer);
}

/**
 * sockobj_timers_cancel_work() - cancel the object's queued work item
 * @obj: a dead object, its lock not held (the work takes it), its timers
 *	stopped
 *
 * A cancelled work item's reference is dropped here; after this no work
 * item of @obj runs or is queued.
 *
 * Context: process.
 */
void sockobj_timers_cancel_work(struct sockobj_obj *obj)
{
	if (cancel_work_sync(&obj->work))
		sockobj_object_put(obj);
}

/**
 * sockobj_timers_init() - set up the workqueue of all objects
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int sockobj_timers_init(void)
{
	sockobj_wq = alloc_workqueue("sockobj", WQ_UNBOUND, 0);
	if (!sockobj_wq)
		return -ENOMEM;
	return 0;
}

/**
 * sockobj_timers_uninit() - wait for all object work and free the workqueue
 *
 * Context: module exit, after the device is gone (no file, no object left
 * but work items still holding the last references).
 */
void sockobj_timers_uninit(void)
{
	destroy_workqueue(sockobj_wq);
}
