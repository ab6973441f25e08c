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
#include "retry.h"

/**
 * sockobj_event_ring_push() - append a record, merging when full
 * @ring: the object's ring
 * @r: the record to append
 *
 * A full ring cannot grow (we may be in softirq), so the newest record
 * absorbs the transition: it takes the new state, reason, error, attempt,
 * retry_ms, time and seq, keeps its prev_state, and counts one more merged
 * transition.
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
	last->attempt = r->attempt;
	last->retry_ms = r->retry_ms;
	last->merged = min_t(u32, last->merged + r->merged, U16_MAX);
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

/*
 * Records of a destroyed object are never queued again: its callbacks may
 * still fire between sockobj_event_discard() and their restoration, and a
 * re-linked dead object would stay on the ready list after its last put.
 * @dead is set under the file's lock, which every producer holds here.
 */
static void make_ready(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;

	if (list_empty(&obj->ready_node))
		list_add_tail(&obj->ready_node, &file->ready);
	wake_up_interruptible_poll(&file->wq, EPOLLIN | EPOLLRDNORM);
}

/**
 * sockobj_event_post() - queue a state record of an object, wake readers
 * @obj: the object
 * @r: the record; its seq and time are assigned here
 *
 * Nothing is queued for a destroyed object (see make_ready()).
 *
 * Context: any, including softirq; @obj's file lock held.
 */
void sockobj_event_post(struct sockobj_obj *obj, struct sockobj_record *r)
{
	struct sockobj_file *file = obj->file;

	lockdep_assert_held(&file->lock);
	if (obj->dead)
		return;
	r->seq = ++file->seq;
	r->time_ns = ktime_get_ns();
	sockobj_event_ring_push(&obj->ring, r);
	make_ready(obj);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_post);

/**
 * sockobj_event_post_data() - signal a data event of an object
 * @obj: the object
 * @type: SOCKOBJ_EV_READABLE, _WRITABLE, _SENT or _ERROR
 * @err: the errno of an SOCKOBJ_EV_ERROR, else 0
 *
 * A data event already pending absorbs the new one (its merged count
 * grows); it keeps its place in the order, so no allocation is ever needed.
 * Nothing is signalled for a destroyed object (see make_ready()).
 *
 * Context: any, including softirq; @obj's file lock held.
 */
void sockobj_event_post_data(struct sockobj_obj *obj, unsigned int type, int err)
{
	struct sockobj_data_events *d = &obj->data;
	unsigned int i = type - SOCKOBJ_EV_READABLE;

	lockdep_assert_held(&obj->file->lock);
	if (WARN_ON_ONCE(i >= SOCKOBJ_DATA_EVENTS) || obj->dead)
		return;
	if (err)
		d->error = err;
	if (d->pending & BIT(i)) {
		if (d->merged[i] < U32_MAX)
			d->merged[i]++;
		return;
	}
	d->pending |= BIT(i);
	d->seq[i] = ++obj->file->seq;
	d->time_ns[i] = ktime_get_ns();
	d->state[i] = obj->state;
	d->attempt[i] = obj->att.gen;
	d->merged[i] = 1;
	make_ready(obj);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_post_data);

/* The data event to deliver before @seq, as an index, or -1. */
static int first_data(const struct sockobj_data_events *d, u64 seq)
{
	int i, best = -1;

	for (i = 0; i < SOCKOBJ_DATA_EVENTS; i++)
		if ((d->pending & BIT(i)) && d->seq[i] < seq) {
			seq = d->seq[i];
			best = i;
		}
	return best;
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
	obj->data.pending = 0;
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
 * Context: process, without the file's read mutex.
 * Return: 0, or -ERESTARTSYS when a signal arrived.
 */
int sockobj_event_wait(struct sockobj_file *file)
{
	return wait_event_interruptible(file->wq, pending(file));
}

/**
 * sockobj_event_wait_timeout() - sleep until a record is pending, for a time
 * @file: the open context
 * @timeout: the longest sleep in jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Context: process, without the file's read mutex.
 * Return: the jiffies left (at least 1) once a record is pending, 0 when
 * the time ran out first, or -ERESTARTSYS when a signal arrived.
 */
long sockobj_event_wait_timeout(struct sockobj_file *file, long timeout)
{
	return wait_event_interruptible_timeout(file->wq, pending(file), timeout);
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
	int i;

	spin_lock_bh(&file->lock);
	obj = list_first_entry_or_null(&file->ready, struct sockobj_obj,
				       ready_node);
	if (!obj) {
		spin_unlock_bh(&file->lock);
		return -EAGAIN;
	}
	memset(ev, 0, sizeof(*ev));
	ev->id = obj->id;
	ev->cookie = obj->cookie;
	r = sockobj_event_ring_peek(&obj->ring);
	i = first_data(&obj->data, r ? r->seq : U64_MAX);
	if (i >= 0) {
		ev->type = SOCKOBJ_EV_READABLE + i;
		ev->seq = obj->data.seq[i];
		ev->timestamp_ns = obj->data.time_ns[i];
		ev->state = obj->data.state[i];
		ev->prev_state = obj->data.state[i];
		ev->merged = obj->data.merged[i];
		ev->attempt = obj->data.attempt[i];
		if (ev->type == SOCKOBJ_EV_ERROR)
			ev->error = obj->data.error;
	} else {
		ev->type = SOCKOBJ_EV_STATE;
		ev->seq = r->seq;
		ev->timestamp_ns = r->time_ns;
		ev->state = r->state;
		ev->prev_state = r->prev_state;
		ev->reason = r->reason;
		ev->phase = r->phase;
		ev->error = r->error;
		ev->merged = r->merged;
		ev->attempt = r->attempt;
		ev->retry_ms = r->retry_ms;
	}
	sockobj_object_get(obj);
	spin_unlock_bh(&file->lock);
	*objp = obj;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_peek);

/**
 * sockobj_event_commit() - remove the record sockobj_event_peek() returned
 * @file: the open context
 * @obj: the object sockobj_event_peek() returned; its reference is dropped
 * @ev: the record it returned
 *
 * Only readers remove records and they are serialised, so the record is
 * still queued, unless the object was destroyed meanwhile (its records are
 * then gone already). A data event signalled again between the peek and
 * now was merged into the one read after it was copied: what it added
 * (its count, a newer errno) stays pending as a new record, with the next
 * seq, the current state and the time of this commit.
 *
 * Context: process, the file's read mutex held.
 */
void sockobj_event_commit(struct sockobj_file *file, struct sockobj_obj *obj,
			  const struct sockobj_event *ev)
{
	const struct sockobj_record *r;

	spin_lock_bh(&file->lock);
	if (obj->dead)
		goto out;
	if (ev->type == SOCKOBJ_EV_STATE) {
		r = sockobj_event_ring_peek(&obj->ring);
		if (r && r->seq == ev->seq) {
			sockobj_event_ring_pop(&obj->ring);
			sockobj_retry_room(obj);
		}
	} else {
		struct sockobj_data_events *d = &obj->data;
		unsigned int i = ev->type - SOCKOBJ_EV_READABLE;

		if (d->merged[i] > ev->merged) {
			d->merged[i] -= ev->merged;
			d->seq[i] = ++file->seq;
			d->time_ns[i] = ktime_get_ns();
			d->state[i] = obj->state;
		} else {
			d->pending &= ~BIT(i);
		}
	}
	if (!obj->ring.count && !obj->data.pending)
		list_del_init(&obj->ready_node);
out:
	spin_unlock_bh(&file->lock);
	sockobj_object_put(obj);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_commit);
