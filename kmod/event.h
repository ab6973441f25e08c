/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_EVENT_H
#define _SOCKOBJ_EVENT_H

#include <linux/poll.h>
#include <linux/types.h>
#include <linux/sockobj.h>

struct sockobj_file;
struct sockobj_obj;

/**
 * struct sockobj_record - one state transition waiting to be read
 * @seq: per-file sequence number of the (last merged) transition
 * @time_ns: CLOCK_MONOTONIC time of the transition
 * @state: the new SOCKOBJ_STATE_*
 * @prev_state: the state before the (first merged) transition
 * @reason: SOCKOBJ_REASON_* when @state is CLOSED
 * @phase: the state the close happened in when @state is CLOSED
 * @error: positive errno, or 0
 * @merged: transitions this record stands for
 * @attempt: the connection attempt it belongs to
 * @retry_ms: see struct sockobj_event
 */
struct sockobj_record {
	u64 seq;
	u64 time_ns;
	u8 state;
	u8 prev_state;
	u8 reason;
	u8 phase;
	u16 error;
	u16 merged;
	u32 attempt;
	u32 retry_ms;
};

/**
 * struct sockobj_ring - an object's preallocated, bounded record queue
 * @rec: the records, oldest at @head
 * @head: index of the oldest record
 * @count: number of records queued
 */
struct sockobj_ring {
	struct sockobj_record rec[SOCKOBJ_OBJ_RECORDS];
	u8 head;
	u8 count;
};

bool sockobj_event_ring_push(struct sockobj_ring *ring,
			     const struct sockobj_record *r);
const struct sockobj_record *sockobj_event_ring_peek(const struct sockobj_ring *ring);
void sockobj_event_ring_pop(struct sockobj_ring *ring);

/**
 * sockobj_event_ring_space() - records an object can still queue unmerged
 * @ring: the ring
 *
 * Context: the owning file's lock held.
 * Return: free slots.
 */
static inline unsigned int sockobj_event_ring_space(const struct sockobj_ring *ring)
{
	return SOCKOBJ_OBJ_RECORDS - ring->count;
}

/* Data events: one pending flag per type and object, coalesced. */
#define SOCKOBJ_DATA_EVENTS	(SOCKOBJ_EV_ERROR - SOCKOBJ_EV_READABLE + 1)

/**
 * struct sockobj_data_events - an object's pending data events
 * @pending: BIT(type - SOCKOBJ_EV_READABLE) for each pending type
 * @seq: sequence number of each pending event
 * @time_ns: time of each pending event
 * @state: the object's state when each pending event was signalled
 * @merged: notifications each pending event stands for (saturating: an
 *	unread UDP socket can take ICMP errors without end)
 * @error: the errno of a pending SOCKOBJ_EV_ERROR (the latest)
 * @attempt: the connection attempt each pending event was signalled in
 */
struct sockobj_data_events {
	u64 seq[SOCKOBJ_DATA_EVENTS];
	u64 time_ns[SOCKOBJ_DATA_EVENTS];
	u32 merged[SOCKOBJ_DATA_EVENTS];
	u32 attempt[SOCKOBJ_DATA_EVENTS];
	int error;
	u8 pending;
	u8 state[SOCKOBJ_DATA_EVENTS];
};

void sockobj_event_stamp(struct sockobj_obj *obj, struct sockobj_record *r);
void sockobj_event_post(struct sockobj_obj *obj, const struct sockobj_record *r);
void sockobj_event_deliver(struct sockobj_file *file);
void sockobj_event_post_data(struct sockobj_obj *obj, unsigned int type, int err);
void sockobj_event_discard(struct sockobj_obj *obj);
__poll_t sockobj_event_poll(struct sockobj_file *file, struct file *filp,
			    poll_table *pt);
int sockobj_event_peek(struct sockobj_file *file, struct sockobj_event *ev,
		       struct sockobj_obj **objp);
void sockobj_event_commit(struct sockobj_file *file, struct sockobj_obj *obj,
			  const struct sockobj_event *ev);
int sockobj_event_wait(struct sockobj_file *file);
long sockobj_event_wait_timeout(struct sockobj_file *file, long timeout);

struct vm_area_struct;
struct sockobj_mring;
struct sockobj_mring *sockobj_event_mring_create(struct sockobj_file *file,
						 struct sockobj_ring_setup *rs);
void sockobj_event_mring_destroy(struct sockobj_mring *m);
int sockobj_event_mring_install(struct sockobj_file *file,
				struct sockobj_mring *m);
int sockobj_event_mring_mmap(struct sockobj_file *file,
			     struct vm_area_struct *vma);
int sockobj_event_mring_take(struct sockobj_file *file,
			     struct sockobj_event *ev, u32 *head);
void sockobj_event_mring_advance(struct sockobj_file *file, u32 head);
void sockobj_event_mring_free(struct sockobj_file *file);

#endif /* _SOCKOBJ_EVENT_H */
