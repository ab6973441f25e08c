// SPDX-License-Identifier: MIT
/*
 * libsockobj: connecting to the first of several addresses that answers,
 * as Happy Eyeballs version 2 (RFC 8305, sections 4 and 5) does it. The
 * addresses are interleaved by family, IPv6 first; each attempt is an
 * object of its own, started a delay after the one before, or at once when
 * every attempt started so far has failed; the first ESTABLISHED wins and
 * the others are cancelled. The wait is the library's own: records of
 * other objects read meanwhile are kept in the queue, as by
 * sockobj_wait_state().
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

#define RACE_BATCH	64

struct attempt {
	unsigned int idx;	/* in the caller's addrs[] and outcomes[] */
	unsigned int id;	/* 0: not started, or over */
};

/*
 * The order of the attempts: IPv6 and IPv4 alternate, IPv6 first when
 * there is one, each family in the order given (RFC 8305 section 4, a
 * First Address Family Count of 1).
 */
static void interleave(const struct sockobj_addr *addrs, unsigned int n,
		       struct attempt *at)
{
	unsigned int i6 = 0, i4 = 0, k = 0;
	int want6 = 1;

	while (k < n) {
		unsigned int *i = want6 ? &i6 : &i4;
		int fam = want6 ? AF_INET6 : AF_INET;

		while (*i < n && addrs[*i].family != fam)
			(*i)++;
		if (*i < n) {
			at[k].idx = (*i)++;
			at[k++].id = 0;
		}
		/* Once a family is used up, the other follows alone. */
		want6 = !want6;
	}
}

/* Creates, configures and connects one attempt's object in one batch. */
static int start(struct sockobj_ctx *ctx, const struct sockobj_addr *addr,
		 const struct sockobj_config *tmpl, uint64_t cookie)
{
	struct sockobj_batch_op ops[3];
	struct sockobj_create cr;
	struct sockobj_config cfg;
	int ret, k;

	if (tmpl)
		cfg = *tmpl;
	else
		memset(&cfg, 0, sizeof(cfg));
	cfg.id = 0;
	cfg.mask |= SOCKOBJ_CFG_TARGET;
	cfg.target = *addr;
	sockobj_prep_create(&ops[0], &cr, SOCKOBJ_PROTO_TCP, cookie);
	sockobj_prep_configure(&ops[1], 0, &cfg);
	sockobj_prep_connect(&ops[2], 0);
	ret = sockobj_submit(ctx, ops, 3, SOCKOBJ_BATCH_STOP);
	if (ret < 0)
		return ret;
	for (k = 0; k < ret; k++)
		if (ops[k].result < 0)
			break;
	if (k == 3)
		return ops[0].result;
	if (ops[0].result > 0)
		sockobj_destroy(ctx, (unsigned int)ops[0].result, 0);
	return k < ret ? ops[k].result : -EIO;
}

/* An attempt that is not over: cancelled, its last state its outcome. */
static void cancel(struct sockobj_ctx *ctx, struct attempt *a,
		   struct sockobj_event *out)
{
	struct sockobj_info info;

	sockobj_abort(ctx, a->id);
	if (sockobj_get_info(ctx, a->id, &info) == 0) {
		__sockobj_event_from_info(out, &info);
		/* As the transition record it stands for: from the phase. */
		if (info.state == SOCKOBJ_STATE_CLOSED)
			out->prev_state = info.phase;
	}
	sockobj_destroy(ctx, a->id, 0);
	a->id = 0;
}

/**
 * sockobj_connect_race() - connect to the first of several addresses that
 *	answers (Happy Eyeballs v2)
 * @ctx: the context
 * @addrs: the addresses, in the order of preference of each family
 * @n: their number, 1..SOCKOBJ_RACE_MAX
 * @tmpl: the other properties of each attempt's object, or NULL
 * @cookie: the cookie of every attempt's object
 * @delay_ms: the delay between attempts, 0 for SOCKOBJ_RACE_DELAY_MS
 * @timeout_ms: the limit for the whole race; negative waits forever
 * @outcomes: out: n records, the last of each address's attempt
 *
 * Context: process. Keeps the records of other objects it reads.
 * Return: the id of the ESTABLISHED object that won, or -ETIME, or the
 * negative errno of the last attempt that failed, or another negative
 * errno.
 */
SOCKOBJ_EXPORT int sockobj_connect_race(struct sockobj_ctx *ctx,
					const struct sockobj_addr *addrs,
					unsigned int n,
					const struct sockobj_config *tmpl,
					uint64_t cookie, unsigned int delay_ms,
					int timeout_ms,
					struct sockobj_event *outcomes)
{
	struct sockobj_event evs[RACE_BATCH];
	struct attempt at[SOCKOBJ_RACE_MAX];
	unsigned int next = 0, active = 0, i, k, winner = 0;
	int64_t deadline, next_at, until;
	int ret, last_err = 0, got;

	if (!addrs || !outcomes || !n || n > SOCKOBJ_RACE_MAX)
		return -EINVAL;
	if (delay_ms && (delay_ms < SOCKOBJ_RACE_DELAY_MIN_MS ||
			 delay_ms > SOCKOBJ_RACE_DELAY_MAX_MS))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (addrs[i].family != AF_INET && addrs[i].family != AF_INET6)
			return -EINVAL;
	if (!delay_ms)
		delay_ms = SOCKOBJ_RACE_DELAY_MS;

	memset(outcomes, 0, n * sizeof(*outcomes));
	interleave(addrs, n, at);
	deadline = timeout_ms < 0 ? -1 : __sockobj_now_ms() + timeout_ms;
	next_at = __sockobj_now_ms();

	while (!winner) {
		/* The next attempt: its time has come, or none is running. */
		while (next < n && (!active || __sockobj_now_ms() >= next_at)) {
			struct attempt *a = &at[next++];

			ret = start(ctx, &addrs[a->idx], tmpl, cookie);
			if (ret < 0) {
				/* Not started: type 0, its errno. */
				outcomes[a->idx].error = -ret;
				last_err = ret;
				continue;
			}
			a->id = (unsigned int)ret;
			active++;
			next_at = __sockobj_now_ms() + delay_ms;
		}
		if (!active) {
			ret = last_err ? last_err : -EIO;
			goto out;
		}

		until = next < n ? next_at : -1;
		if (deadline >= 0 && (until < 0 || deadline < until))
			until = deadline;
		got = __sockobj_read_wait(ctx, evs, RACE_BATCH, until);
		if (got < 0) {
			ret = got;
			goto out;
		}
		if (!got && deadline >= 0 && __sockobj_now_ms() >= deadline) {
			ret = -ETIME;
			goto out;
		}
		for (k = 0; k < (unsigned int)got; k++) {
			const struct sockobj_event *ev = &evs[k];
			struct attempt *a = NULL;

			for (i = 0; i < next && ev->type == SOCKOBJ_EV_STATE; i++)
				if (at[i].id && at[i].id == ev->id)
					a = &at[i];
			/* Others' records, and every data record, are kept. */
			if (!a || winner) {
				__sockobj_queue_keep(ctx, ev);
				continue;
			}
			outcomes[a->idx] = *ev;
			if (ev->state == SOCKOBJ_STATE_ESTABLISHED ||
			    ev->state == SOCKOBJ_STATE_PEER_CLOSING) {
				winner = a->id;
				a->id = 0;
			} else if (ev->state == SOCKOBJ_STATE_CLOSED) {
				last_err = ev->error ? -ev->error : -ECONNABORTED;
				sockobj_destroy(ctx, a->id, 0);
				a->id = 0;
				active--;
			}
		}
	}
	ret = (int)winner;
out:
	/* The losers, and every attempt when there is no winner. */
	for (i = 0; i < next; i++)
		if (at[i].id)
			cancel(ctx, &at[i], &outcomes[at[i].idx]);
	return ret;
}
