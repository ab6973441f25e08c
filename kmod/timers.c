// SPDX-License-Identifier: GPL-2.0
/*
 * The connect timeout, the inactivity timeout, the end of a retry wait and
 * the work item that follows callbacks and timers up in process context.
 * Callers only tell what happened (sockobj_timers_established(),
 * _data_moved(), _retry_wait()...): no other file touches a timer or
 * queues the work.
 *
 * An object has one timer for the three: an attempt needs at most one at a
 * time (the connect timeout while CONNECTING, the inactivity timeout while
 * ESTABLISHED, the retry wait's end in RETRY_WAIT), so each arming just
 * replaces the last, and obj->timer_use says which one it is.
 *
 * Locking: the timer is armed, and obj->timer_use set with it, under the
 * file's lock, which its callback takes to read what it is for and queue
 * the work (so an arming and a firing never cross); the work's request
 * bits are lockless. The work item try-locks obj->lock (never
 * waits for it: a SEND or RECV may hold it across a user copy that does
 * not end) and then acts as an ioctl would; every request it acts on must
 * still hold for the current attempt (see struct sockobj_attempt). sockobj_timers_established() and
 * sockobj_timers_conn_closed() run under file->lock, in any context; the
 * sync stops run under obj->lock, which the timer callback does not take;
 * sockobj_timers_cancel_work() runs without obj->lock, which the work
 * takes. A queued work item holds a reference to its object, and the
 * timer is stopped before the object's last reference goes.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#include "compat.h"
#include "conn.h"
#include "file.h"
#include "listen.h"
#include "object.h"
#include "socket.h"
#include "timers.h"

static struct workqueue_struct *sockobj_wq;

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Test builds only (a kernel with KUnit): hold each work item back between
 * taking its requests and locking the object, so that a test can start the
 * next attempt in between, as a busy system would.
 */
static unsigned int work_delay_ms;
module_param(work_delay_ms, uint, 0600);
MODULE_PARM_DESC(work_delay_ms,
		 "test builds: delay each work item by this many ms (races)");

static void work_delay(void)
{
	unsigned int ms = READ_ONCE(work_delay_ms);

	if (ms)
		msleep(ms);
}
#else
static inline void work_delay(void) { }
#endif

/*
 * Ask the work item to act. A timer's request names the attempt it was
 * made for: its timer is stopped and waited for before the next attempt
 * moves att.gen on, so the number read here is the timer's own.
 */
static void queue_obj_work(struct sockobj_obj *obj, enum sockobj_work_bit bit)
{
	WRITE_ONCE(obj->work_attempt[bit], READ_ONCE(obj->att.gen));
	set_bit(bit, &obj->work_bits);
	sockobj_object_get(obj);
	/* Now, even if a retry was planned for later: one reference each. */
	if (mod_delayed_work(sockobj_wq, &obj->work, 0))
		sockobj_object_put(obj);
}

/*
 * Ask the work item to act within a jiffy; sooner if it is queued
 * already, or is asked to act now meanwhile.
 */
static void queue_obj_work_soon(struct sockobj_obj *obj,
				enum sockobj_work_bit bit)
{
	WRITE_ONCE(obj->work_attempt[bit], READ_ONCE(obj->att.gen));
	set_bit(bit, &obj->work_bits);
	sockobj_object_get(obj);
	if (!queue_delayed_work(sockobj_wq, &obj->work, 1))
		sockobj_object_put(obj);
}

/*
 * The object's lock is held by a SEND or RECV for as long as its user copy
 * takes, which a buffer whose page never comes (FUSE, userfaultfd) makes
 * forever: a worker never waits for it, it hands the requests back and
 * tries again a little later, so one stuck object holds no worker and
 * delays no other object's work.
 */
#define LOCK_RETRY_DELAY	(HZ / 20)

static void retry_later(struct sockobj_obj *obj, unsigned long bits)
{
	unsigned int bit;

	for_each_set_bit(bit, &bits, SOCKOBJ_WORK_COUNT)
		set_bit(bit, &obj->work_bits);
	/* The running item's reference passes to the next run. */
	if (!queue_delayed_work(sockobj_wq, &obj->work, LOCK_RETRY_DELAY))
		sockobj_object_put(obj);	/* queued meanwhile, with its own */
}

/* Arm the timer for @use, due at @expires. The file's lock is held. */
static void arm(struct sockobj_obj *obj, enum sockobj_timer_use use,
		unsigned long expires)
{
	lockdep_assert_held(&obj->file->lock);
	obj->timer_use = use;
	mod_timer(&obj->timer, expires);
}

/* Stop a connect or inactivity timeout, not a retry wait's end. */
static void disarm_attempt(struct sockobj_obj *obj)
{
	lockdep_assert_held(&obj->file->lock);
	if (obj->timer_use != SOCKOBJ_TIMER_RETRY)
		timer_delete(&obj->timer);
}

static void idle_again(struct sockobj_obj *obj)
{
	spin_lock_bh(&obj->file->lock);
	if (obj->state == SOCKOBJ_STATE_ESTABLISHED && obj->att.idle)
		arm(obj, SOCKOBJ_TIMER_IDLE,
		    READ_ONCE(obj->att.last_activity) + obj->att.idle);
	spin_unlock_bh(&obj->file->lock);
}

/*
 * Whether a timer request of @bits still holds for the object now, under
 * its lock: made for the current attempt, and the condition true now (a
 * handshake or data may have come since the timer fired).
 */
static bool still_due(struct sockobj_obj *obj, unsigned long bits,
		      enum sockobj_work_bit bit)
{
	if (!(bits & BIT(bit)) ||
	    READ_ONCE(obj->work_attempt[bit]) != obj->att.gen)
		return false;
	if (bit == SOCKOBJ_WORK_TIMEOUT)
		return time_after_eq(jiffies, obj->att.deadline);
	if (bit == SOCKOBJ_WORK_NEXT_ATTEMPT)
		return true;	/* retry.c checks the rest under file->lock */
	return obj->att.idle &&
	       time_after_eq(jiffies, READ_ONCE(obj->att.last_activity) +
			     obj->att.idle);
}

static void obj_work(struct work_struct *work)
{
	struct sockobj_obj *obj = container_of(to_delayed_work(work),
					       struct sockobj_obj, work);
	unsigned long bits = xchg(&obj->work_bits, 0);
	unsigned int state;

	work_delay();
	if (!mutex_trylock(&obj->lock)) {
		retry_later(obj, bits);
		return;
	}
	if (obj->dead)
		goto out;
	state = sockobj_conn_state(obj, NULL);
	if (state == SOCKOBJ_STATE_RETRY_WAIT) {
		/* No data is readable after a close that is retried. */
		sockobj_socket_release(obj, false);
		if (still_due(obj, bits, SOCKOBJ_WORK_NEXT_ATTEMPT))
			sockobj_conn_retry(obj);
		goto out;
	}
	/* A passive connection with a reconmode ended, and its reconnects. */
	if (state == SOCKOBJ_STATE_CLOSED)
		sockobj_listen_leave(obj);
	if (!obj->sock)
		goto out;
	if (state == SOCKOBJ_STATE_CONNECTING &&
	    still_due(obj, bits, SOCKOBJ_WORK_TIMEOUT)) {
		sockobj_conn_close(obj, state, SOCKOBJ_REASON_CONNECT_TIMEOUT,
				   ETIMEDOUT);
	} else if (state == SOCKOBJ_STATE_ESTABLISHED &&
		   (bits & BIT(SOCKOBJ_WORK_IDLE))) {
		if (still_due(obj, bits, SOCKOBJ_WORK_IDLE))
			sockobj_conn_close(obj, state, SOCKOBJ_REASON_INACTIVITY,
					   ETIMEDOUT);
		else
			/* Data came after the timer fired: wait again. */
			idle_again(obj);
	} else if (state == SOCKOBJ_STATE_CLOSED &&
		   skb_queue_empty_lockless(&obj->sock->sk->sk_receive_queue)) {
		/* With data left (a close completed before it was read), the
		 * socket stays until a receive drains it, a connect or a destroy.
		 */
		sockobj_socket_release(obj, false);
	}
out:
	mutex_unlock(&obj->lock);
	sockobj_object_put(obj);
}

/*
 * A firing that crossed an arming for another use acts for the new one:
 * an early retry request finds the wait not over and arms the rest; a
 * request for a state the object left is void for the work item.
 */
static void timer_due(struct timer_list *t)
{
	struct sockobj_obj *obj = from_timer(obj, t, timer);
	struct sockobj_file *file = obj->file;
	unsigned long due;

	/* The timer is stopped before the object's last reference goes. */
	spin_lock_bh(&file->lock);
	switch (obj->timer_use) {
	case SOCKOBJ_TIMER_CONNECT:
		queue_obj_work(obj, SOCKOBJ_WORK_TIMEOUT);
		break;
	case SOCKOBJ_TIMER_IDLE:
		if (obj->dead)
			break;
		due = READ_ONCE(obj->att.last_activity) + obj->att.idle;
		if (time_before(jiffies, due))
			mod_timer(&obj->timer, due);
		else
			queue_obj_work(obj, SOCKOBJ_WORK_IDLE);
		break;
	case SOCKOBJ_TIMER_RETRY:
		queue_obj_work(obj, SOCKOBJ_WORK_NEXT_ATTEMPT);
		break;
	}
	spin_unlock_bh(&file->lock);
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
	BUILD_BUG_ON(SOCKOBJ_WORK_COUNT > BITS_PER_LONG);
	INIT_DELAYED_WORK(&obj->work, obj_work);
	timer_setup(&obj->timer, timer_due, 0);
}

/**
 * sockobj_timers_connect_requested() - a connect is about to open a socket
 * @obj: the object, its lock held, CLOSED
 *
 * A timer of an earlier attempt must not hit the new one: the timers are
 * stopped and waited for, and their pending requests forgotten (a work
 * item that took them already finds them made for another attempt).
 *
 * Context: process.
 */
void sockobj_timers_connect_requested(struct sockobj_obj *obj)
{
	sockobj_timers_stop(obj);
	clear_bit(SOCKOBJ_WORK_TIMEOUT, &obj->work_bits);
	clear_bit(SOCKOBJ_WORK_IDLE, &obj->work_bits);
	clear_bit(SOCKOBJ_WORK_NEXT_ATTEMPT, &obj->work_bits);
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
	unsigned long idle = obj->cfg.opt.inactivity_s * HZ;

	/* The callbacks read it under the file's lock (ESTABLISHED arms). */
	spin_lock_bh(&obj->file->lock);
	obj->att.idle = idle;
	/* A passive open's handshake is done before the object sees it. */
	if (obj->cfg.connect_timeout_ms && obj->proto == SOCKOBJ_PROTO_TCP &&
	    !obj->att.passive) {
		obj->att.deadline = jiffies +
				    msecs_to_jiffies(obj->cfg.connect_timeout_ms);
		arm(obj, SOCKOBJ_TIMER_CONNECT, obj->att.deadline);
	}
	spin_unlock_bh(&obj->file->lock);
}

/**
 * sockobj_timers_established() - the object became ESTABLISHED
 * @obj: the object, its file's lock held
 *
 * The connect timeout stops; inactivity counts from now, and its timeout
 * starts if there is one.
 *
 * Context: any.
 */
void sockobj_timers_established(struct sockobj_obj *obj)
{
	WRITE_ONCE(obj->att.last_activity, jiffies);
	if (obj->att.idle)
		arm(obj, SOCKOBJ_TIMER_IDLE, jiffies + obj->att.idle);
	else
		disarm_attempt(obj);
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
	WRITE_ONCE(obj->att.last_activity, jiffies);
}

/**
 * sockobj_timers_conn_closed() - a socket callback closed the connection
 * @obj: the object, its file's lock held, CLOSED or in RETRY_WAIT
 *
 * The attempt's connect or inactivity timeout stops (without waiting: the
 * callback may run in softirq; a retry wait's end stays). The work item
 * releases the socket from process context, a jiffy later:
 * the reader woken with the CLOSED record runs first. A worker woken in the
 * same softirq ran before that reader on a busy CPU and released the socket
 * in its way (the benchmark's RST latency: 7 us above epoll's on one CPU).
 *
 * Context: any.
 */
void sockobj_timers_conn_closed(struct sockobj_obj *obj)
{
	disarm_attempt(obj);
	queue_obj_work_soon(obj, SOCKOBJ_WORK_RELEASE);
}

/**
 * sockobj_timers_handed_off() - the socket is leaving the object (hand-off)
 * @obj: the object, its lock held, its callbacks detached
 *
 * Stops the inactivity timeout and waits for a running one.
 *
 * Context: process.
 */
void sockobj_timers_handed_off(struct sockobj_obj *obj)
{
	timer_delete_sync(&obj->timer);
}

/**
 * sockobj_timers_retry_wait() - a retry wait begins
 * @obj: the object, its file's lock held, entering RETRY_WAIT
 * @due: jiffies when the next attempt is due
 *
 * Context: any, including softirq.
 */
void sockobj_timers_retry_wait(struct sockobj_obj *obj, unsigned long due)
{
	arm(obj, SOCKOBJ_TIMER_RETRY, due);
}

/**
 * sockobj_timers_retry_now() - a due attempt may start now
 * @obj: the object, its file's lock held, in RETRY_WAIT
 *
 * Context: any.
 */
void sockobj_timers_retry_now(struct sockobj_obj *obj)
{
	queue_obj_work(obj, SOCKOBJ_WORK_NEXT_ATTEMPT);
}

/**
 * sockobj_timers_stop() - stop the timer and wait for a running one
 * @obj: the object, its lock held
 *
 * Context: process.
 */
void sockobj_timers_stop(struct sockobj_obj *obj)
{
	timer_delete_sync(&obj->timer);
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
	if (cancel_delayed_work_sync(&obj->work))
		sockobj_object_put(obj);
}

/**
 * sockobj_timers_queue_listener() - queue a listener's work on the
 * objects' workqueue
 * @work: the listener's work
 * @delay: in jiffies
 *
 * Module exit drains it with the rest.
 *
 * Context: any.
 * Return: false if it was queued already.
 */
bool sockobj_timers_queue_listener(struct delayed_work *work,
				   unsigned long delay)
{
	return queue_delayed_work(sockobj_wq, work, delay);
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
