/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_RETRY_H
#define _SOCKOBJ_RETRY_H

#include <linux/types.h>

struct sockobj_obj;
struct sockobj_record;
struct sockobj_retry;

/**
 * struct sockobj_retry_policy - a validated retry policy
 * @max_attempts: attempts of a run, SOCKOBJ_RETRY_UNLIMITED, or 0 for none
 * @delay_ms: the first wait
 * @max_delay_ms: the longest wait
 * @factor_pct: growth of the wait per failed attempt, in percent
 * @jitter: SOCKOBJ_JITTER_*
 * @flags: SOCKOBJ_RETRY_*
 * @reasons: bits 1 << SOCKOBJ_REASON_* retried (never 0 with a policy)
 */
struct sockobj_retry_policy {
	u32 max_attempts;
	u32 delay_ms;
	u32 max_delay_ms;
	u32 factor_pct;
	u32 jitter;
	u32 flags;
	u64 reasons;
};

/**
 * struct sockobj_retry_run - where a run of attempts stands
 * @failures: failed attempts of the run (saturating)
 * @backoff_ms: the backoff the next wait is drawn from
 * @due: jiffies when the next attempt is due (in RETRY_WAIT)
 * @due_ns: the same on CLOCK_MONOTONIC, for GET_INFO
 * @paused: the attempt is due but waits for room in the object's records
 *
 * Under the file's lock: closes decide here in any context.
 */
struct sockobj_retry_run {
	u32 failures;
	u32 backoff_ms;
	unsigned long due;
	u64 due_ns;
	bool paused;
};

int sockobj_retry_parse(const struct sockobj_retry *u,
			struct sockobj_retry_policy *p);
void sockobj_retry_export(const struct sockobj_retry_policy *p,
			  struct sockobj_retry *u);
bool sockobj_retry_wanted(const struct sockobj_retry_policy *p,
			  unsigned int phase, unsigned int reason);
u32 sockobj_retry_wait_ms(const struct sockobj_retry_policy *p, u32 backoff_ms,
			  u32 rnd);
u32 sockobj_retry_next_backoff(const struct sockobj_retry_policy *p,
			       u32 backoff_ms);
void sockobj_retry_begin(struct sockobj_obj *obj);
unsigned int sockobj_retry_closed(struct sockobj_obj *obj, unsigned int reason,
				  struct sockobj_record *r);
void sockobj_retry_established(struct sockobj_obj *obj);
void sockobj_retry_room(struct sockobj_obj *obj);
bool sockobj_retry_start(struct sockobj_obj *obj, u32 *late_ms);

#endif /* _SOCKOBJ_RETRY_H */
