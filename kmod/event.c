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
 * A file may also have a mapped ring (the uapi's "Mapped record ring"):
 * then the producers themselves move each record into it as they queue it,
 * while it has room, and read() takes from the ring instead.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
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
 * The mapped ring. Its shared pages start with the program's head, the
 * module's tail and the flags, a cache line each (the two sides write
 * different lines), then the slots. The module keeps its own tail and
 * flags: it writes their shared copies but never reads them back, so what
 * a program writes there changes nothing but what it reads itself; head is
 * the one word it reads, and checks.
 */
#define MRING_HEAD_OFF		0
#define MRING_TAIL_OFF		64
#define MRING_FLAGS_OFF		128
#define MRING_EVENTS_OFF	256

/**
 * struct sockobj_mring - a file's mapped record ring
 * @pages: the shared pages, mapped by mmap() of the file
 * @npages: their number
 * @base: the pages, mapped contiguously in the kernel
 * @head: the shared head, in @base
 * @shared_tail: the shared tail, in @base
 * @shared_flags: the shared flags, in @base
 * @slots: the shared slots, in @base
 * @mask: slots - 1
 * @tail: the tail, as the module last published it
 * @waiting: records wait in the module for room (SOCKOBJ_RING_PENDING)
 *
 * @tail and @waiting change under the file's lock.
 */
struct sockobj_mring {
	struct page **pages;
	unsigned int npages;
	void *base;
	u32 *head;
	u32 *shared_tail;
	u32 *shared_flags;
	struct sockobj_event *slots;
	u32 mask;
	u32 tail;
	bool waiting;
};

static void fill_record(struct sockobj_obj *obj, struct sockobj_event *ev);
static void consume_record(struct sockobj_file *file, struct sockobj_obj *obj,
			   const struct sockobj_event *ev);

/*
 * Move records from the ready objects into the mapped ring while it has
 * room, oldest of the first ready object first, as read() would take them.
 * A head out of range (more than the ring's size behind tail, or ahead of
 * it) leaves no room: nothing is written until the program mends it.
 * Context: the file's lock held.
 */
static void mring_fill(struct sockobj_file *file)
{
	struct sockobj_mring *m = file->mring;
	/* Acquire: the program read the slots it released before this. */
	u32 head = smp_load_acquire(m->head);
	struct sockobj_obj *obj;
	struct sockobj_event ev;
	u32 tail = m->tail;

	lockdep_assert_held(&file->lock);
	while (tail - head <= m->mask &&
	       (obj = list_first_entry_or_null(&file->ready,
					       struct sockobj_obj, ready_node))) {
		fill_record(obj, &ev);
		m->slots[tail & m->mask] = ev;
		consume_record(file, obj, &ev);
		tail++;
	}
	if (tail != m->tail) {
		m->tail = tail;
		/* Release: the slots are written before the program sees them. */
		smp_store_release(m->shared_tail, tail);
	}
	m->waiting = !list_empty(&file->ready);
	WRITE_ONCE(*m->shared_flags, m->waiting ? SOCKOBJ_RING_PENDING : 0);
}

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
}

/*
 * The next slot of the mapped ring for a record queued now, or NULL. A
 * record goes straight into its slot only when none waits anywhere (the
 * ready list empty) and the ring has room: mring_fill() would then move it
 * there at once and alone, so writing it there directly gives the program
 * the same record at the same place, without the object's pending set or
 * record ring and the ready list in between (0.22 us of a data event's
 * 1.25 us of overhead in the benchmark's scale test). The caller fills the
 * slot, then publishes it with mring_publish().
 * Context: the file's lock held.
 */
static struct sockobj_event *mring_slot(struct sockobj_file *file)
{
	struct sockobj_mring *m = file->mring;

	if (!list_empty(&file->ready))
		return NULL;
	/* Acquire: the program read the slot it released before this. */
	if (m->tail - smp_load_acquire(m->head) > m->mask)
		return NULL;
	return &m->slots[m->tail & m->mask];
}

static void mring_publish(struct sockobj_file *file)
{
	struct sockobj_mring *m = file->mring;

	m->tail++;
	/* Release: the slot is written before the program sees it. */
	smp_store_release(m->shared_tail, m->tail);
}

/* A data event into its slot; file lock held, the event not pending. */
static bool mring_put_data(struct sockobj_file *file, struct sockobj_obj *obj,
			   unsigned int type)
{
	struct sockobj_event *slot = mring_slot(file);

	if (!slot)
		return false;
	*slot = (struct sockobj_event){
		.id = obj->id,
		.type = type,
		.cookie = obj->cookie,
		.seq = ++file->seq,
		.timestamp_ns = ktime_get_ns(),
		.state = obj->state,
		.prev_state = obj->state,
		.error = type == SOCKOBJ_EV_ERROR ? obj->data.error : 0,
		.merged = 1,
		.attempt = obj->att.gen,
	};
	mring_publish(file);
	return true;
}

/* State record @r of @obj in its uapi form, every other field zero. */
static void state_event(const struct sockobj_obj *obj,
			const struct sockobj_record *r, struct sockobj_event *ev)
{
	*ev = (struct sockobj_event){
		.id = obj->id,
		.type = SOCKOBJ_EV_STATE,
		.cookie = obj->cookie,
		.seq = r->seq,
		.timestamp_ns = r->time_ns,
		.state = r->state,
		.prev_state = r->prev_state,
		.reason = r->reason,
		.phase = r->phase,
		.error = r->error,
		.merged = r->merged,
		.attempt = r->attempt,
		.retry_ms = r->retry_ms,
	};
}

/*
 * A state record into its slot; file lock held. Its state is stored by
 * now (sockobj_event_post()), so a program acting on the record finds the
 * object in that state. The object's own records are all delivered (it is
 * not on the ready list), so they stay in order.
 */
static bool mring_put_state(struct sockobj_file *file, struct sockobj_obj *obj,
			    const struct sockobj_record *r)
{
	struct sockobj_event *slot = mring_slot(file);

	if (!slot)
		return false;
	state_event(obj, r, slot);
	mring_publish(file);
	return true;
}

static void wake_readers(struct sockobj_file *file)
{
	/*
	 * A reader that waits (prepare_to_wait(), poll_wait()) checks for
	 * records under this lock once queued: one that is not yet queued
	 * finds them, so only a queued one needs waking. The check (with its
	 * barrier) saves the wait queue's lock when none waits, as a reader
	 * of a mapped ring seldom does: 0.11 us an event in the benchmark's
	 * scale test.
	 */
	if (wq_has_sleeper(&file->wq))
		wake_up_interruptible_poll(&file->wq, EPOLLIN | EPOLLRDNORM);
}

/**
 * sockobj_event_deliver() - hand queued records to the readers
 * @file: the open context
 *
 * Moves them into the mapped ring, if the file has one, and wakes the
 * readers.
 *
 * Context: any, including softirq; @file's lock held.
 */
void sockobj_event_deliver(struct sockobj_file *file)
{
	lockdep_assert_held(&file->lock);
	if (file->mring)
		mring_fill(file);
	wake_readers(file);
}

/**
 * sockobj_event_stamp() - give a state record its seq and time
 * @obj: the object
 * @r: the record of a transition happening now
 *
 * Nothing for a destroyed object, whose records are never queued (see
 * make_ready()): its transitions take no seq.
 *
 * Context: any, including softirq; @obj's file lock held.
 */
void sockobj_event_stamp(struct sockobj_obj *obj, struct sockobj_record *r)
{
	lockdep_assert_held(&obj->file->lock);
	if (obj->dead)
		return;
	r->seq = ++obj->file->seq;
	r->time_ns = ktime_get_ns();
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_stamp);

/**
 * sockobj_event_post() - queue a state record of an object
 * @obj: the object
 * @r: the record, stamped by sockobj_event_stamp() under the same hold of
 *	the file's lock
 *
 * The caller has stored the state the record announces: a record in a
 * mapped ring is in the program's hands at once, and what it does next (a
 * send, say) must find the object in that state, whether it looks under
 * the file's lock or not. With a mapped ring and no record waiting, the
 * record goes straight into its slot; else it joins the object's records,
 * and the caller's sockobj_event_deliver() moves it on. Nothing is queued
 * for a destroyed object (see make_ready()).
 *
 * Context: any, including softirq; @obj's file lock held.
 */
void sockobj_event_post(struct sockobj_obj *obj, const struct sockobj_record *r)
{
	struct sockobj_file *file = obj->file;

	lockdep_assert_held(&file->lock);
	if (obj->dead)
		return;
	if (file->mring && mring_put_state(file, obj, r))
		return;
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
	struct sockobj_file *file = obj->file;
	unsigned int i = type - SOCKOBJ_EV_READABLE;

	lockdep_assert_held(&file->lock);
	if (WARN_ON_ONCE(i >= SOCKOBJ_DATA_EVENTS) || obj->dead)
		return;
	if (err)
		d->error = err;
	if (d->pending & BIT(i)) {
		if (d->merged[i] < U32_MAX)
			d->merged[i]++;
		return;
	}
	if (file->mring && mring_put_data(file, obj, type)) {
		wake_readers(file);
		return;
	}
	d->pending |= BIT(i);
	d->seq[i] = ++file->seq;
	d->time_ns[i] = ktime_get_ns();
	d->state[i] = obj->state;
	d->attempt[i] = obj->att.gen;
	d->merged[i] = 1;
	make_ready(obj);
	sockobj_event_deliver(file);
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
	struct sockobj_file *file = obj->file;

	lockdep_assert_held(&file->lock);
	obj->ring.count = 0;
	obj->data.pending = 0;
	list_del_init(&obj->ready_node);
	/* Its records may have been the ones waiting for room. */
	if (file->mring && list_empty(&file->ready))
		mring_fill(file);
}

/*
 * Whether a reader has something to take. With a mapped ring, records that
 * waited for room move in first: poll() is one of the calls that do it.
 */
static bool pending(struct sockobj_file *file)
{
	struct sockobj_mring *m;
	bool ret;

	spin_lock_bh(&file->lock);
	m = file->mring;
	if (m) {
		if (m->waiting)
			mring_fill(file);
		ret = m->waiting || m->tail != READ_ONCE(*m->head);
	} else {
		ret = !list_empty(&file->ready);
	}
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
 * Return: EPOLLIN | EPOLLRDNORM while records are pending (with a mapped
 * ring: while it holds one, or one waits for room).
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

/* The oldest record of a ready object, in its uapi form; file lock held. */
static void fill_record(struct sockobj_obj *obj, struct sockobj_event *ev)
{
	const struct sockobj_record *r = sockobj_event_ring_peek(&obj->ring);
	int i = first_data(&obj->data, r ? r->seq : U64_MAX);

	if (i < 0) {
		state_event(obj, r, ev);
		return;
	}
	memset(ev, 0, sizeof(*ev));
	ev->id = obj->id;
	ev->cookie = obj->cookie;
	ev->type = SOCKOBJ_EV_READABLE + i;
	ev->seq = obj->data.seq[i];
	ev->timestamp_ns = obj->data.time_ns[i];
	ev->state = obj->data.state[i];
	ev->prev_state = obj->data.state[i];
	ev->merged = obj->data.merged[i];
	ev->attempt = obj->data.attempt[i];
	if (ev->type == SOCKOBJ_EV_ERROR)
		ev->error = obj->data.error;
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
	struct sockobj_obj *obj;

	spin_lock_bh(&file->lock);
	obj = list_first_entry_or_null(&file->ready, struct sockobj_obj,
				       ready_node);
	if (!obj) {
		spin_unlock_bh(&file->lock);
		return -EAGAIN;
	}
	fill_record(obj, ev);
	sockobj_object_get(obj);
	spin_unlock_bh(&file->lock);
	*objp = obj;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_peek);

/*
 * Remove the record @ev that fill_record() made of live @obj, unless it is
 * gone; file lock held (see sockobj_event_commit()).
 */
static void consume_record(struct sockobj_file *file, struct sockobj_obj *obj,
			   const struct sockobj_event *ev)
{
	const struct sockobj_record *r;

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
}

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
	spin_lock_bh(&file->lock);
	if (!obj->dead)
		consume_record(file, obj, ev);
	spin_unlock_bh(&file->lock);
	sockobj_object_put(obj);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_event_commit);

/**
 * sockobj_event_mring_create() - make a mapped ring for a file
 * @file: the open context
 * @rs: the request, checked: entries a power of two up to
 *	SOCKOBJ_RING_MAX_ENTRIES; size and the offsets are filled in
 *
 * The pages are allocated one by one (no high-order allocation, whatever
 * the size) and charged to the caller. The ring is the file's once
 * sockobj_event_mring_install() has put it there.
 *
 * Context: process.
 * Return: the ring, ERR_PTR(-EBUSY) (the file has one) or ERR_PTR(-ENOMEM).
 */
struct sockobj_mring *sockobj_event_mring_create(struct sockobj_file *file,
						 struct sockobj_ring_setup *rs)
{
	size_t size = MRING_EVENTS_OFF +
		      (size_t)rs->entries * sizeof(struct sockobj_event);
	struct sockobj_mring *m;
	unsigned int k;

	if (READ_ONCE(file->mring))
		return ERR_PTR(-EBUSY);
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->npages = DIV_ROUND_UP(size, PAGE_SIZE);
	m->pages = kvcalloc(m->npages, sizeof(*m->pages), GFP_KERNEL_ACCOUNT);
	if (!m->pages)
		goto nomem;
	for (k = 0; k < m->npages; k++) {
		m->pages[k] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!m->pages[k])
			goto nomem;
	}
	m->base = vmap(m->pages, m->npages, VM_MAP, PAGE_KERNEL);
	if (!m->base)
		goto nomem;
	m->head = m->base + MRING_HEAD_OFF;
	m->shared_tail = m->base + MRING_TAIL_OFF;
	m->shared_flags = m->base + MRING_FLAGS_OFF;
	m->slots = m->base + MRING_EVENTS_OFF;
	m->mask = rs->entries - 1;
	rs->size = m->npages * PAGE_SIZE;
	rs->head_off = MRING_HEAD_OFF;
	rs->tail_off = MRING_TAIL_OFF;
	rs->flags_off = MRING_FLAGS_OFF;
	rs->events_off = MRING_EVENTS_OFF;
	return m;
nomem:
	sockobj_event_mring_destroy(m);
	return ERR_PTR(-ENOMEM);
}

/**
 * sockobj_event_mring_destroy() - free a ring no file has
 * @m: the ring
 *
 * Context: process.
 */
void sockobj_event_mring_destroy(struct sockobj_mring *m)
{
	unsigned int k;

	if (m->base)
		vunmap(m->base);
	/* A ring whose creation failed has no pages, or some of them. */
	for (k = 0; m->pages && k < m->npages && m->pages[k]; k++)
		__free_page(m->pages[k]);
	kvfree(m->pages);
	kfree(m);
}

/**
 * sockobj_event_mring_install() - make a ring the file's
 * @file: the open context
 * @m: a ring from sockobj_event_mring_create(), consumed
 *
 * Records already pending move into the ring at once, so that it has them
 * in the order read() would have.
 *
 * Context: process, without the file's read mutex.
 * Return: 0, or -EBUSY when the file got a ring meanwhile (@m is freed).
 */
int sockobj_event_mring_install(struct sockobj_file *file,
				struct sockobj_mring *m)
{
	bool busy;

	/* No read() runs while records change their way out. */
	mutex_lock(&file->read_mutex);
	spin_lock_bh(&file->lock);
	busy = file->mring;
	if (!busy) {
		/* Release: mmap() reads it without the lock. */
		smp_store_release(&file->mring, m);
		mring_fill(file);
	}
	spin_unlock_bh(&file->lock);
	mutex_unlock(&file->read_mutex);
	if (!busy)
		return 0;
	sockobj_event_mring_destroy(m);
	return -EBUSY;
}

/**
 * sockobj_event_mring_mmap() - mmap() of the file: map its ring
 * @file: the open context
 * @vma: the mapping, at offset 0, shared, at most the ring's size
 *
 * A private mapping is refused: its first write by the program would
 * give it a copy that the module's writes no longer reach.
 *
 * Context: process, mmap lock held for writing.
 * Return: 0, -ENODEV (no ring), -EINVAL, or the error of vm_map_pages().
 */
int sockobj_event_mring_mmap(struct sockobj_file *file,
			     struct vm_area_struct *vma)
{
	/* Acquire: pairs with the install's release, the ring is whole. */
	struct sockobj_mring *m = smp_load_acquire(&file->mring);

	if (!m)
		return -ENODEV;
	if (vma->vm_pgoff || vma_pages(vma) > m->npages ||
	    !(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	sockobj_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return vm_map_pages(vma, m->pages, m->npages);
}

/**
 * sockobj_event_mring_take() - the record at the mapped ring's head
 * @file: the open context, with a ring
 * @ev: filled with a copy of the record
 * @head: set to the head it was found at, for sockobj_event_mring_advance()
 *
 * Records that waited for room move in first.
 *
 * Context: process, the file's read mutex held.
 * Return: 0, -EAGAIN (the ring is empty and none wait) or -EINVAL (the
 * program left head out of range).
 */
int sockobj_event_mring_take(struct sockobj_file *file,
			     struct sockobj_event *ev, u32 *head)
{
	struct sockobj_mring *m = file->mring;
	u32 tail;

	spin_lock_bh(&file->lock);
	if (m->waiting)
		mring_fill(file);
	tail = m->tail;
	spin_unlock_bh(&file->lock);
	/* Acquire: pairs with the release of head by the program. */
	*head = smp_load_acquire(m->head);
	if (tail - *head > m->mask + 1)
		return -EINVAL;
	if (tail == *head)
		return -EAGAIN;
	memcpy(ev, &m->slots[*head & m->mask], sizeof(*ev));
	return 0;
}

/**
 * sockobj_event_mring_advance() - release the record taken at @head
 * @file: the open context, with a ring
 * @head: what sockobj_event_mring_take() found
 *
 * Context: process, the file's read mutex held.
 */
void sockobj_event_mring_advance(struct sockobj_file *file, u32 head)
{
	/* Release: the slot was read before the module may write it again. */
	smp_store_release(file->mring->head, head + 1);
}

/**
 * sockobj_event_mring_free() - free a file's ring, if it has one
 * @file: the open context, being freed: it has no mapping left (each
 *	holds the struct file) and no object to post records
 *
 * Context: process.
 */
void sockobj_event_mring_free(struct sockobj_file *file)
{
	if (file->mring)
		sockobj_event_mring_destroy(file->mring);
}
