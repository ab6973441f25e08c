/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_OBJECT_H
#define _SOCKOBJ_OBJECT_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/sockobj.h>

#include "config.h"
#include "event.h"
#include "retry.h"

struct sock;
struct socket;
struct sockobj_file;
struct sockobj_listener;

/**
 * enum sockobj_work_bit - what the work item of an object is asked to do
 * @SOCKOBJ_WORK_TIMEOUT: the connect timer fired
 * @SOCKOBJ_WORK_IDLE: the inactivity timer fired
 * @SOCKOBJ_WORK_RELEASE: the connection closed: release the socket
 * @SOCKOBJ_WORK_NEXT_ATTEMPT: the retry wait is over, or its records found room
 * @SOCKOBJ_WORK_COUNT: the number of requests
 */
enum sockobj_work_bit {
	SOCKOBJ_WORK_TIMEOUT,
	SOCKOBJ_WORK_IDLE,
	SOCKOBJ_WORK_RELEASE,
	SOCKOBJ_WORK_NEXT_ATTEMPT,
	SOCKOBJ_WORK_COUNT
};

/**
 * enum sockobj_timer_use - what an object's one timer is armed for
 * @SOCKOBJ_TIMER_NONE: nothing yet
 * @SOCKOBJ_TIMER_CONNECT: the connect timeout (CONNECTING)
 * @SOCKOBJ_TIMER_IDLE: the inactivity timeout (ESTABLISHED)
 * @SOCKOBJ_TIMER_RETRY: the end of a retry wait (RETRY_WAIT)
 *
 * An attempt needs at most one of them at a time, one per state, so one
 * timer serves all three (see timers.c).
 */
enum sockobj_timer_use {
	SOCKOBJ_TIMER_NONE,
	SOCKOBJ_TIMER_CONNECT,
	SOCKOBJ_TIMER_IDLE,
	SOCKOBJ_TIMER_RETRY,
};

/**
 * struct sockobj_attempt - what belongs to one connection attempt
 * @gen: the attempt's number, counted from 1 over the object's life
 * @deadline: jiffies when its connect times out (valid with a connect timer)
 * @idle: its inactivity timeout in jiffies, 0 for none
 * @last_activity: jiffies of its last data either way (lockless)
 * @peer_fin: the peer sent its FIN
 * @readable_armed: the next data arrival posts SOCKOBJ_EV_READABLE
 * @writable_armed: returning send space posts SOCKOBJ_EV_WRITABLE
 * @sent_armed: unacked data falling to the threshold posts SOCKOBJ_EV_SENT
 * @passive: a passive open (SOCKOBJ_IOC_LISTEN): never retried
 *
 * A CONNECT starts a new attempt: the timer of the last one is stopped
 * and waited for, and everything here is reset with @gen moved on (under
 * the object's lock and the file's lock). A request that a timer of
 * attempt N queued for the work item names N, and the work does nothing
 * for it once attempt N+1 has begun; the armed flags are cleared when an
 * attempt closes and are only set again for an attempt still open.
 */
struct sockobj_attempt {
	u32 gen;
	unsigned long deadline;
	unsigned long idle;
	unsigned long last_activity;
	bool peer_fin;
	bool readable_armed;
	bool writable_armed;
	bool sent_armed;
	bool passive;
};

/**
 * struct sockobj_obj - one sock object
 * @ref: references: the file's table, the socket's sk_user_data while the
 *	callbacks are installed, a queued work item, a reader between peek
 *	and commit
 * @file: the open file owning the object (referenced)
 * @id: the object's id in @file
 * @proto: SOCKOBJ_PROTO_*
 * @cookie: the user's cookie
 * @lock: serialises process context (ioctls, work): @sock, @cfg, the
 *	saved callbacks and the address snapshots. A SEND or RECV holds it
 *	across its user copy, which may never end: only ioctls on this
 *	object wait for it, never a work item or a reporting path
 * @sock: the socket of the current or last attempt, or NULL (changed
 *	under @lock and the file's lock, as are @laddr, @raddr and
 *	@bound_ifindex, so that GET_INFO reads them under the latter alone)
 * @cfg: the configuration
 * @saved_state_change: the socket's callbacks before ours
 * @saved_data_ready: ditto
 * @saved_write_space: ditto
 * @saved_error_report: ditto
 * @laddr: local address of the current or last attempt
 * @raddr: remote address of the current or last attempt
 * @bytes_sent: bytes sent, all attempts (written under @lock)
 * @bytes_received: bytes received, all attempts (written under @lock)
 * @bytes_sync: lets GET_INFO read the two counters without @lock
 * @state: SOCKOBJ_STATE_* (under the file's lock, as all fields below)
 * @reason: SOCKOBJ_REASON_* of the last close
 * @phase: state in which the last close happened
 * @dead: destroyed; no new work, no events
 * @timer_use: SOCKOBJ_TIMER_* @timer was last armed for (set with it)
 * @error: positive errno of the last close
 * @bound_ifindex: interface the socket was bound to, or 0 (see @sock)
 * @ring: undelivered state records
 * @data: pending data events
 * @att: the current (or last) connection attempt
 * @retry: the retry policy (max_attempts 0 for none)
 * @run: where the policy's current run of attempts stands
 * @sent_threshold: the SOCKOBJ_CFG_SENT_THRESHOLD value
 * @ready_node: link on the file's ready list while @ring is not empty
 * @created_ns: creation time
 * @connect_ns: start of the last attempt
 * @established_ns: establishment time of the last attempt
 * @closed_ns: time of the last close
 * @work_bits: SOCKOBJ_WORK_* requests for @work
 * @work_attempt: the attempt each timer request of @work_bits was made for
 * @work: process-context follow-up of callbacks and timers
 * @timer: the connect timeout, the inactivity timeout or the end of a
 *	retry wait, as @timer_use says
 * @listener: the listener of a LISTENING object, or of one that holds a
 *	passive connection reconnects may replace; else NULL (under @lock
 *	and the file's listen_lock)
 * @listen_node: on the listener's objects (the file's listen_lock)
 * @inconmode: SOCKOBJ_INCON_* of the last SOCKOBJ_IOC_LISTEN
 * @reconmode: SOCKOBJ_RECON_* of the last SOCKOBJ_IOC_LISTEN
 * @early: a passive UDP connection's datagrams that came to the
 *	listening socket (its first, and those that came before its own
 *	socket was connected), read before its socket's; allocated with
 *	the first, for the object's life (changed under @lock)
 */
struct sockobj_obj {
	refcount_t ref;
	struct sockobj_file *file;
	u32 id;
	u32 proto;
	u64 cookie;

	struct mutex lock;		/* see the kernel-doc above */
	struct socket *sock;
	struct sockobj_cfg cfg;
	void (*saved_state_change)(struct sock *sk);
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_error_report)(struct sock *sk);
	struct sk_buff_head *early;
	union sockobj_sockaddr laddr;
	union sockobj_sockaddr raddr;
	u64_stats_t bytes_sent;
	u64_stats_t bytes_received;
	struct u64_stats_sync bytes_sync;

	u8 state;
	u8 reason;
	u8 phase;
	bool dead;
	u8 timer_use;
	int error;
	int bound_ifindex;
	struct sockobj_ring ring;
	struct sockobj_data_events data;
	struct sockobj_attempt att;
	struct sockobj_retry_policy retry;
	struct sockobj_retry_run run;
	u32 sent_threshold;
	struct list_head ready_node;
	u64 created_ns;
	u64 connect_ns;
	u64 established_ns;
	u64 closed_ns;

	unsigned long work_bits;
	u32 work_attempt[SOCKOBJ_WORK_COUNT];
	struct delayed_work work;
	struct timer_list timer;
	struct sockobj_listener *listener;
	struct list_head listen_node;
	u32 inconmode;
	u32 reconmode;
};

/**
 * sockobj_object_get() - take a reference
 * @obj: an object the caller already holds a reference to, or reaches
 *	under a lock that keeps it alive
 *
 * Context: any.
 */
static inline void sockobj_object_get(struct sockobj_obj *obj)
{
	refcount_inc(&obj->ref);
}

void sockobj_object_put(struct sockobj_obj *obj);
struct sockobj_obj *sockobj_object_alloc(struct sockobj_file *file, u32 proto,
					 u64 cookie);
void sockobj_object_publish(struct sockobj_obj *obj);
void sockobj_object_discard(struct sockobj_obj *obj);
int sockobj_object_create(struct sockobj_file *file, u32 proto, u64 cookie,
			  u32 *id);
struct sockobj_obj *sockobj_object_lookup(struct sockobj_file *file, u32 id);
int sockobj_object_lock_live(struct sockobj_obj *obj);
void sockobj_object_destroy(struct sockobj_obj *obj, u32 flags);
int sockobj_object_remove(struct sockobj_file *file, u32 id, u32 flags);
void sockobj_object_remove_if_current(struct sockobj_obj *obj);

int sockobj_object_init(void);
void sockobj_object_uninit(void);

#endif /* _SOCKOBJ_OBJECT_H */
