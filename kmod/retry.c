// SPDX-License-Identifier: GPL-2.0
/*
 * The retry policy of a sock object: which closes it retries, how long it
 * waits before each new attempt (exponential backoff with jitter), and when
 * a due attempt may start (only when its records fit). The attempts
 * themselves are started by conn.c from the object's work item; the wait is
 * timed by timers.c.
 *
 * Locking: the policy changes only while the object is CLOSED, under its
 * lock and the file's lock; the run (struct sockobj_retry_run) changes
 * under the file's lock, in any context, because a socket callback decides
 * the fate of a close in softirq. Nothing here allocates or sleeps.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/sockobj.h>

#include "compat.h"
#include "event.h"
#include "file.h"
#include "object.h"
#include "retry.h"
#include "timers.h"

#define FACTOR_MIN_PCT	100
#define FACTOR_MAX_PCT	1000

/**
 * sockobj_retry_parse() - validate a policy as SOCKOBJ_IOC_SET_RETRY gives it
 * @u: the request (its id, pad and reserved bytes already checked)
 * @p: the policy, written only on success
 *
 * Context: any.
 * Return: 0 or -EINVAL.
 */
int sockobj_retry_parse(const struct sockobj_retry *u,
			struct sockobj_retry_policy *p)
{
	u64 reasons = u->reasons ? u->reasons : SOCKOBJ_RETRY_REASONS_DEFAULT;

	if (!u->max_attempts) {
		/* No policy: nothing else may say otherwise. */
		if (u->flags || u->delay_ms || u->max_delay_ms ||
		    u->factor_pct || u->jitter || u->reasons)
			return -EINVAL;
		*p = (struct sockobj_retry_policy){};
		return 0;
	}
	if ((u->flags & ~SOCKOBJ_RETRY_F_ALL) ||
	    !u->delay_ms || u->delay_ms > SOCKOBJ_RETRY_DELAY_MAX_MS ||
	    u->max_delay_ms < u->delay_ms ||
	    u->max_delay_ms > SOCKOBJ_RETRY_DELAY_MAX_MS ||
	    u->factor_pct < FACTOR_MIN_PCT || u->factor_pct > FACTOR_MAX_PCT ||
	    u->jitter > SOCKOBJ_JITTER_EQUAL ||
	    (reasons & ~SOCKOBJ_RETRY_REASONS_ALL))
		return -EINVAL;
	*p = (struct sockobj_retry_policy){
		.max_attempts = u->max_attempts,
		.delay_ms = u->delay_ms,
		.max_delay_ms = u->max_delay_ms,
		.factor_pct = u->factor_pct,
		.jitter = u->jitter,
		.flags = u->flags,
		.reasons = reasons,
	};
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_retry_parse);

/**
 * sockobj_retry_export() - a policy as SOCKOBJ_IOC_GET_RETRY returns it
 * @p: the policy
 * @u: filled in, but for @u->id
 *
 * Context: any.
 */
void sockobj_retry_export(const struct sockobj_retry_policy *p,
			  struct sockobj_retry *u)
{
	u->flags = p->flags;
	u->max_attempts = p->max_attempts;
	u->delay_ms = p->delay_ms;
	u->max_delay_ms = p->max_delay_ms;
	u->factor_pct = p->factor_pct;
	u->jitter = p->jitter;
	u->reasons = p->reasons;
}

/**
 * sockobj_retry_wanted() - whether a policy retries a close
 * @p: the policy
 * @phase: the state the close happened in
 * @reason: its SOCKOBJ_REASON_*
 *
 * A failed connect is retried for the reasons of the policy; a connection
 * lost once established only with SOCKOBJ_RETRY_LOST as well. A close in
 * CLOSING was asked for by the application, as are ABORTED and CANCELLED,
 * which no policy can name.
 *
 * Context: any.
 * Return: true to retry.
 */
bool sockobj_retry_wanted(const struct sockobj_retry_policy *p,
			  unsigned int phase, unsigned int reason)
{
	if (!p->max_attempts || reason >= 64 || !(p->reasons & BIT_ULL(reason)))
		return false;
	if (phase == SOCKOBJ_STATE_CONNECTING)
		return true;
	return (phase == SOCKOBJ_STATE_ESTABLISHED ||
		phase == SOCKOBJ_STATE_PEER_CLOSING) &&
	       (p->flags & SOCKOBJ_RETRY_LOST);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_retry_wanted);

/* A uniform value in [0, n) from 32 random bits, without division. */
static u32 scale(u32 rnd, u32 n)
{
	return ((u64)rnd * n) >> 32;
}

/**
 * sockobj_retry_wait_ms() - draw one wait from the backoff
 * @p: the policy
 * @backoff_ms: the backoff of this wait
 * @rnd: 32 random bits
 *
 * Context: any.
 * Return: the wait in ms: @backoff_ms without jitter, uniform in
 * [0, @backoff_ms] with full jitter, in [@backoff_ms / 2 rounded up,
 * @backoff_ms] with equal jitter.
 */
u32 sockobj_retry_wait_ms(const struct sockobj_retry_policy *p, u32 backoff_ms,
			  u32 rnd)
{
	u32 half = backoff_ms / 2;

	switch (p->jitter) {
	case SOCKOBJ_JITTER_FULL:
		return scale(rnd, backoff_ms + 1);
	case SOCKOBJ_JITTER_EQUAL:
		return backoff_ms - half + scale(rnd, half + 1);
	default:
		return backoff_ms;
	}
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_retry_wait_ms);

/**
 * sockobj_retry_next_backoff() - the backoff after one more failure
 * @p: the policy
 * @backoff_ms: the backoff of the wait just drawn
 *
 * Rounded up, so that a small backoff still grows with a small factor.
 *
 * Context: any.
 * Return: @backoff_ms times the factor, at most the policy's max_delay_ms.
 */
u32 sockobj_retry_next_backoff(const struct sockobj_retry_policy *p,
			       u32 backoff_ms)
{
	u64 next = DIV_ROUND_UP_ULL((u64)backoff_ms * p->factor_pct, 100);

	return min_t(u64, next, p->max_delay_ms);
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_retry_next_backoff);

/**
 * sockobj_retry_begin() - SOCKOBJ_IOC_CONNECT begins a run of attempts
 * @obj: the object, its file's lock held
 *
 * Context: any.
 */
void sockobj_retry_begin(struct sockobj_obj *obj)
{
	lockdep_assert_held(&obj->file->lock);
	obj->run = (struct sockobj_retry_run){
		.backoff_ms = obj->retry.delay_ms,
	};
}

/**
 * sockobj_retry_closed() - decide what a close of the current attempt leads to
 * @obj: the object, its file's lock held, still in the state it closes from
 * @reason: the SOCKOBJ_REASON_* of the close
 * @r: the record of the transition, whose retry_ms is set here
 *
 * A close the policy retries counts as a failure of the run and, unless
 * the run has had its attempts, enters RETRY_WAIT with the wait drawn and
 * the retry timer armed; the close that ends a run because of its limit
 * says so in its CLOSED record.
 *
 * Context: any, including softirq.
 * Return: SOCKOBJ_STATE_RETRY_WAIT or SOCKOBJ_STATE_CLOSED.
 */
unsigned int sockobj_retry_closed(struct sockobj_obj *obj, unsigned int reason,
				  struct sockobj_record *r)
{
	const struct sockobj_retry_policy *p = &obj->retry;
	struct sockobj_retry_run *run = &obj->run;
	u32 wait;

	lockdep_assert_held(&obj->file->lock);
	if (obj->dead || obj->att.passive ||
	    !sockobj_retry_wanted(p, obj->state, reason))
		return SOCKOBJ_STATE_CLOSED;
	if (run->failures < U32_MAX)
		run->failures++;
	if (p->max_attempts != SOCKOBJ_RETRY_UNLIMITED &&
	    run->failures >= p->max_attempts) {
		r->retry_ms = SOCKOBJ_RETRY_EXHAUSTED;
		return SOCKOBJ_STATE_CLOSED;
	}
	wait = sockobj_retry_wait_ms(p, run->backoff_ms, get_random_u32());
	run->backoff_ms = sockobj_retry_next_backoff(p, run->backoff_ms);
	run->due = jiffies + msecs_to_jiffies(wait);
	run->paused = false;
	r->retry_ms = wait;
	sockobj_timers_retry_wait(obj, run->due);
	return SOCKOBJ_STATE_RETRY_WAIT;
}

/**
 * sockobj_retry_established() - the current attempt got its connection
 * @obj: the object, its file's lock held
 *
 * With SOCKOBJ_RETRY_RESET_BACKOFF a connection ends the run: a later loss
 * starts a new one.
 *
 * Context: any, including softirq.
 */
void sockobj_retry_established(struct sockobj_obj *obj)
{
	lockdep_assert_held(&obj->file->lock);
	if (obj->retry.flags & SOCKOBJ_RETRY_RESET_BACKOFF)
		sockobj_retry_begin(obj);
}

/**
 * sockobj_retry_room() - a reader freed record slots of the object
 * @obj: the object, its file's lock held
 *
 * An attempt that came due while its records had no room starts now that
 * they have.
 *
 * Context: any (a reader, or a producer moving records into a mapped ring).
 */
void sockobj_retry_room(struct sockobj_obj *obj)
{
	lockdep_assert_held(&obj->file->lock);
	if (obj->state == SOCKOBJ_STATE_RETRY_WAIT && obj->run.paused &&
	    sockobj_event_ring_space(&obj->ring) >= SOCKOBJ_TRANSITIONS_MAX)
		sockobj_timers_retry_now(obj);
}

/**
 * sockobj_retry_start() - whether the attempt a retry request is for may
 * start now
 * @obj: the object, its lock held
 * @late_ms: set to how many ms late it starts for want of room (0 when on
 *	time) when it may
 *
 * Context: process (the object's work item).
 * Return: false when it may not: not in RETRY_WAIT any more, not due yet
 * (the timer is armed again for the rest), or no room for its records (it
 * then waits for a reader).
 */
bool sockobj_retry_start(struct sockobj_obj *obj, u32 *late_ms)
{
	struct sockobj_retry_run *run = &obj->run;
	bool start = false;
	u64 now;

	spin_lock_bh(&obj->file->lock);
	if (obj->state != SOCKOBJ_STATE_RETRY_WAIT ||
	    time_before(jiffies, run->due))
		goto out;
	/*
	 * The record promised CLOCK_MONOTONIC time: jiffies may lag it (a
	 * late tick), so a timer that fired on time by jiffies can be early.
	 */
	now = ktime_get_ns();
	if (now < run->due_ns) {
		run->due = jiffies + nsecs_to_jiffies(run->due_ns - now) + 1;
		sockobj_timers_retry_wait(obj, run->due);
		goto out;
	}
	if (sockobj_event_ring_space(&obj->ring) < SOCKOBJ_TRANSITIONS_MAX) {
		run->paused = true;
		goto out;
	}
	*late_ms = run->paused ? max(1U, jiffies_to_msecs(jiffies - run->due)) : 0;
	run->paused = false;
	start = true;
out:
	spin_unlock_bh(&obj->file->lock);
	return start;
}
