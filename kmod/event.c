// SPDX-License-Identifier: GPL-2.0
/*
 * The event queue of an open file.
 *
 * Every object owns a ring of SOCKOBJ_OBJ_RECORDS preallocated records; an
 * object with records waiting is linked on its file's ready list. Producers
 * (socket callbacks in softirq, ioctls, work items) append under the file's
 * lock and never allocate. read() is the only consumer; it is serialised by
 * the file's read mutex and copies a record out before removing it (peek,
 * copy_to_user, commit), so a fault in the copy loses nothing.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "compat.h"
#include "event.h"
#include "file.h"
#include "object.h"

/**
 * sockobj_event_ring_push() - append a record, merging when full
 * @ring: the object's ring
 * @r: the record to append
 *
 * A full ring cannot grow (we may be in softirq), so the newest record
 * absorbs the transition: it takes the new state, reason, error, time and
 * seq, keeps its prev_state, and counts one more merged transition.
 *
 * Context: the owning file's lock held.
 * Return: true if @r was merged into the newest record.
 */
bool sockobj_event_ring_push(struct sockobj_ring *ring,
			     const struct sockobj_record *r)
{
	struct sockobj_record *last;

	if (ring->count < SOCKOBJ_OBJ_RECORDS) {
		ring->rec[(ring->head + ring->count) % SOCKOBJ_OBJ_RECORDS] = *r;
		ring->count++;
		return false;
	}
	last = &ring->rec[(ring->head + ring->count - 1) % SOCKOBJ_OBJ_RECORDS];
	last->seq = r->seq;
	last->time_ns = r->time_ns;
	last->state = r->state;
	last->reason = r->reason;
	last->phase = r->phase;
	last->error = r->error;
	last->merged += r->merged;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_ring_push);

/**
 * sockobj_event_ring_peek() - the oldest record
 * @ring: the object's ring
 *
 * Context: the owning file's lock held.
 * Return: the oldest record, or NULL when the ring is empty.
 */
const struct sockobj_record *sockobj_event_ring_peek(const struct sockobj_ring *ring)
{
	return ring->count ? &ring->rec[ring->head] : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_ring_peek);

/**
 * sockobj_event_ring_pop() - drop the oldest record
 * @ring: the object's ring, not empty
 *
 * Context: the owning file's lock held.
 */
void sockobj_event_ring_pop(struct sockobj_ring *ring)
{
	if (WARN_ON_ONCE(!ring->count))
		return;
	ring->head = (ring->head + 1) % SOCKOBJ_OBJ_RECORDS;
	ring->count--;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_ring_pop);

/**
 * sockobj_event_post() - queue a record of an object and wake readers
 * @obj: the object
 * @r: the record
 *
 * Context: any, including softirq; @obj's file lock held.
 */
void sockobj_event_post(struct sockobj_obj *obj, const struct sockobj_record *r)
{
	struct sockobj_file *file = obj->file;

	lockdep_assert_held(&file->lock);
	sockobj_event_ring_push(&obj->ring, r);
	if (list_empty(&obj->ready_node))
		list_add_tail(&obj->ready_node, &file->ready);
	wake_up_interruptible_poll(&file->wq, EPOLLIN | EPOLLRDNORM);
}

/**
 * sockobj_event_discard() - forget an object's undelivered records
 * @obj: the object being destroyed
 *
 * Context: @obj's file lock held.
 */
void sockobj_event_discard(struct sockobj_obj *obj)
{
	lockdep_assert_held(&obj->file->lock);
	obj->ring.count = 0;
	list_del_init(&obj->ready_node);
}

static bool pending(struct sockobj_file *file)
{
	bool ret;

	spin_lock_bh(&file->lock);
	ret = !list_empty(&file->ready);
	spin_unlock_bh(&file->lock);
	return ret;
}

/**
 * sockobj_event_poll() - poll() of the device file
 * @file: the open context
 * @filp: the file
 * @pt: the poll table
 *
 * Context: process.
 * Return: EPOLLIN | EPOLLRDNORM while records are pending.
 */
__poll_t sockobj_event_poll(struct sockobj_file *file, struct file *filp,
			    poll_table *pt)
{
	poll_wait(filp, &file->wq, pt);
	return pending(file) ? EPOLLIN | EPOLLRDNORM : 0;
}

/**
 * sockobj_event_wait() - sleep until a record is pending
 * @file: the open context
 *
 * Context: process, the file's read mutex held.
 * Return: 0, or -ERESTARTSYS when a signal arrived.
 */
int sockobj_event_wait(struct sockobj_file *file)
{
	return wait_event_interruptible(file->wq, pending(file));
}

/**
 * sockobj_event_peek() - the oldest record of the first ready object
 * @file: the open context
 * @ev: filled with the record in its uapi form
 * @objp: set to the object, with a reference the caller gives back through
 *	sockobj_event_commit()
 *
 * Context: process, the file's read mutex held.
 * Return: 0, or -EAGAIN when nothing is pending.
 */
int sockobj_event_peek(struct sockobj_file *file, struct sockobj_event *ev,
		       struct sockobj_obj **objp)
{
	const struct sockobj_record *r;
	struct sockobj_obj *obj;

	spin_lock_bh(&file->lock);
	obj = list_first_entry_or_null(&file->ready, struct sockobj_obj,
				       ready_node);
	if (!obj) {
		spin_unlock_bh(&file->lock);
		return -EAGAIN;
	}
	r = sockobj_event_ring_peek(&obj->ring);
	memset(ev, 0, sizeof(*ev));
	ev->id = obj->id;
	ev->type = SOCKOBJ_EV_STATE;
	ev->cookie = obj->cookie;
	ev->seq = r->seq;
	ev->timestamp_ns = r->time_ns;
	ev->state = r->state;
	ev->prev_state = r->prev_state;
	ev->reason = r->reason;
	ev->phase = r->phase;
	ev->error = r->error;
	ev->merged = r->merged;
	sockobj_obj_get(obj);
	spin_unlock_bh(&file->lock);
	*objp = obj;
	return 0;
}

/**
 * sockobj_event_commit() - remove the record sockobj_event_peek() returned
 * @file: the open context
 * @obj: the object sockobj_event_peek() returned; its reference is dropped
 *
 * Only readers remove records and they are serialised, so the oldest record
 * is still the one peeked, unless the object was destroyed meanwhile (its
 * records are then gone already).
 *
 * Context: process, the file's read mutex held.
 */
void sockobj_event_commit(struct sockobj_file *file, struct sockobj_obj *obj)
{
	spin_lock_bh(&file->lock);
	if (!obj->dead && obj->ring.count) {
		sockobj_event_ring_pop(&obj->ring);
		if (!obj->ring.count)
			list_del_init(&obj->ready_node);
	}
	spin_unlock_bh(&file->lock);
	sockobj_obj_put(obj);
}
