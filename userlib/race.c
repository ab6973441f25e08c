// SPDX-License-Identifier: MIT
/*
 * libsockobj: connecting to the first of several addresses that answers,
 * as Happy Eyeballs version 2 (RFC 8305, sections 4 and 5) does it. The
 * addresses are interleaved by family, IPv6 first; each attempt is an
 * object of its own, started a delay after the one before, or at once when
 * every attempt started so far has failed; the first ESTABLISHED wins and
 * the others are cancelled.
 *
 * A race runs in the caller's loop. It is listed in its context, and
 * whoever reads the device (sockobj_read_events(), the waits, the race's
 * own step) hands the state records of its attempts to it, where they only
 * update its books, and signals its eventfd; a timerfd is due when the
 * next attempt is. Both sit in the context's epoll set, so sockobj_fd() is
 * readable whenever the race has something to do, which
 * sockobj_race_step() does: it destroys failed attempts, starts the next,
 * cancels the losers. A race by name first waits for its lookup (lookup.c)
 * in the same way. sockobj_connect_race() is a race stepped until it ends.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "internal.h"

#define RACE_BATCH	64

struct attempt {
	unsigned int idx;	/* in addrs[] and outcomes[] */
	unsigned int id;	/* 0: not started, or over */
	bool closed;		/* its CLOSED record came: to destroy */
};

struct sockobj_race {
	struct sockobj_race *next;	/* in ctx->races while running */
	struct sockobj_ctx *ctx;
	struct sockobj_lookup *lookup;	/* a race by name, until resolved */
	unsigned int port;
	struct sockobj_config tmpl;
	uint64_t cookie;
	unsigned int delay_ms;
	unsigned int n;			/* addresses */
	unsigned int started;		/* at[0 .. started) were started */
	unsigned int active;		/* started, not over */
	unsigned int winner;
	int result;			/* 0: running, or the step's return */
	int last_err;
	int64_t next_at;		/* when at[started] is due */
	int tfd;			/* timerfd, readable at next_at */
	int efd;			/* eventfd, readable after a record */
	bool listed;
	/*
	 * finish() runs: a destroy moves the mapped ring's records to the
	 * queue through __sockobj_race_route() (event.c), which must then
	 * not name a winner the end would not see.
	 */
	bool finishing;
	struct sockobj_addr addrs[SOCKOBJ_RACE_MAX];
	struct sockobj_event outcomes[SOCKOBJ_RACE_MAX];
	struct attempt at[SOCKOBJ_RACE_MAX];
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
			at[k].closed = false;
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

static int add_fd(struct sockobj_ctx *ctx, int fd)
{
	struct epoll_event ee = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ctx->pollfd, EPOLL_CTL_ADD, fd, &ee) < 0 ? -errno : 0;
}

static void drain(int fd)
{
	uint64_t v;

	/* Both are non-blocking: EAGAIN is the wanted state. */
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
}

static void unlist(struct sockobj_race *race)
{
	struct sockobj_race **p;

	for (p = &race->ctx->races; *p; p = &(*p)->next)
		if (*p == race) {
			*p = race->next;
			break;
		}
	race->listed = false;
}

/*
 * The end: every attempt still running cancelled (the winner's excepted),
 * the race off the context's list and out of its epoll set.
 */
static int finish(struct sockobj_race *race, int result)
{
	struct sockobj_ctx *ctx = race->ctx;
	unsigned int i;

	race->finishing = true;
	for (i = 0; i < race->started; i++) {
		struct attempt *a = &race->at[i];

		if (!a->id)
			continue;
		if (a->closed) {
			sockobj_destroy(ctx, a->id, 0);
			a->id = 0;
		} else {
			cancel(ctx, a, &race->outcomes[a->idx]);
		}
	}
	race->active = 0;
	if (race->listed)
		unlist(race);
	if (race->tfd >= 0) {
		close(race->tfd);
		race->tfd = -1;
	}
	if (race->efd >= 0) {
		close(race->efd);
		race->efd = -1;
	}
	sockobj_lookup_free(ctx, race->lookup);
	race->lookup = NULL;
	race->result = result;
	return result;
}

unsigned int __sockobj_race_route(struct sockobj_ctx *ctx,
				  struct sockobj_event *evs, unsigned int n)
{
	struct sockobj_race *race;
	unsigned int i, j, k;
	uint64_t one = 1;

	if (!ctx->races)
		return n;
	for (i = 0, j = 0; i < n; i++) {
		const struct sockobj_event *ev = &evs[i];
		struct attempt *a = NULL;

		/* Data records are the caller's, whatever their object. */
		for (race = ctx->races; race && ev->type == SOCKOBJ_EV_STATE;
		     race = race->next) {
			for (k = 0; k < race->started; k++)
				if (race->at[k].id == ev->id)
					break;
			if (k < race->started) {
				a = &race->at[k];
				break;
			}
		}
		if (!a) {
			evs[j++] = *ev;
			continue;
		}
		/*
		 * After its CLOSED, nothing of an attempt is news, nor is
		 * anything of a loser: the step cancels it.
		 */
		if (!a->closed && !race->winner && !race->finishing) {
			race->outcomes[a->idx] = *ev;
			if (ev->state == SOCKOBJ_STATE_ESTABLISHED ||
			    ev->state == SOCKOBJ_STATE_PEER_CLOSING) {
				race->winner = a->id;
				a->id = 0;
			} else if (ev->state == SOCKOBJ_STATE_CLOSED) {
				a->closed = true;
			}
		}
		/* Cannot fail: one write of 1 to a non-blocking eventfd. */
		if (write(race->efd, &one, sizeof(one)) < 0)
			continue;
	}
	return j;
}

/*
 * A race from its addresses on: the order of the attempts and the first
 * one due now.
 */
static int race_begin(struct sockobj_race *race)
{
	unsigned int i;

	if (!race->n || race->n > SOCKOBJ_RACE_MAX)
		return -EINVAL;
	for (i = 0; i < race->n; i++)
		if (race->addrs[i].family != AF_INET &&
		    race->addrs[i].family != AF_INET6)
			return -EINVAL;
	interleave(race->addrs, race->n, race->at);
	race->next_at = __sockobj_now_ms();
	return 0;
}

/*
 * One turn of the race; *nobufs is set when the library's queue had no
 * room for other objects' records, which were left in the device.
 */
static int race_step(struct sockobj_ctx *ctx, struct sockobj_race *race,
		     bool *nobufs)
{
	struct sockobj_event evs[RACE_BATCH];
	struct itimerspec its;
	unsigned int i;
	int ret, k;

	if (race->result)
		return race->result;
	drain(race->efd);
	drain(race->tfd);

	if (race->lookup) {
		ret = sockobj_lookup_result(ctx, race->lookup, race->addrs,
					    SOCKOBJ_RACE_MAX);
		if (ret == -EINPROGRESS)
			return 0;
		if (ret < 0)
			return finish(race, ret);
		sockobj_lookup_free(ctx, race->lookup);
		race->lookup = NULL;
		race->n = (unsigned int)ret;
		for (i = 0; i < race->n; i++)
			race->addrs[i].port = race->port;
		ret = race_begin(race);
		if (ret < 0)
			return finish(race, ret);
	}

	/* Our records are routed by the read; the others are kept. */
	for (;;) {
		ret = __sockobj_read_now(ctx, evs, RACE_BATCH);
		if (ret == -EAGAIN)
			break;
		if (ret == -ENOBUFS) {
			*nobufs = true;
			break;
		}
		if (ret < 0)
			return finish(race, ret);
		for (k = 0; k < ret; k++)
			__sockobj_queue_keep(ctx, &evs[k]);
	}

	if (race->winner)
		return finish(race, (int)race->winner);
	for (i = 0; i < race->started; i++) {
		struct attempt *a = &race->at[i];
		const struct sockobj_event *out = &race->outcomes[a->idx];

		if (!a->id || !a->closed)
			continue;
		race->last_err = out->error ? -out->error : -ECONNABORTED;
		sockobj_destroy(ctx, a->id, 0);
		a->id = 0;
		race->active--;
	}
	/* A destroy routes the mapped ring's records: one may have won. */
	if (race->winner)
		return finish(race, (int)race->winner);

	/* The next attempt: its time has come, or none is running. */
	while (race->started < race->n &&
	       (!race->active || __sockobj_now_ms() >= race->next_at)) {
		struct attempt *a = &race->at[race->started++];

		ret = start(ctx, &race->addrs[a->idx], &race->tmpl,
			    race->cookie);
		if (ret < 0) {
			/* Not started: type 0, its errno. */
			race->outcomes[a->idx].error = -ret;
			race->last_err = ret;
			continue;
		}
		a->id = (unsigned int)ret;
		race->active++;
		race->next_at = __sockobj_now_ms() + race->delay_ms;
	}
	if (!race->active)
		return finish(race, race->last_err ? race->last_err : -EIO);

	memset(&its, 0, sizeof(its));
	if (race->started < race->n) {
		its.it_value.tv_sec = race->next_at / 1000;
		its.it_value.tv_nsec = (race->next_at % 1000) * 1000000;
	}
	if (timerfd_settime(race->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return finish(race, -errno);
	return 0;
}

static int race_new(struct sockobj_ctx *ctx, const struct sockobj_config *tmpl,
		    uint64_t cookie, unsigned int delay_ms,
		    struct sockobj_race **racep)
{
	struct sockobj_race *race;
	int ret;

	if (!ctx)
		return -EINVAL;
	if (delay_ms && (delay_ms < SOCKOBJ_RACE_DELAY_MIN_MS ||
			 delay_ms > SOCKOBJ_RACE_DELAY_MAX_MS))
		return -EINVAL;
	race = calloc(1, sizeof(*race));
	if (!race)
		return -ENOMEM;
	race->ctx = ctx;
	if (tmpl)
		race->tmpl = *tmpl;
	race->cookie = cookie;
	race->delay_ms = delay_ms ? delay_ms : SOCKOBJ_RACE_DELAY_MS;
	race->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	race->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (race->efd < 0 || race->tfd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = add_fd(ctx, race->efd);
	if (!ret)
		ret = add_fd(ctx, race->tfd);
	if (ret < 0)
		goto fail;
	race->next = ctx->races;
	ctx->races = race;
	race->listed = true;
	*racep = race;
	return 0;
fail:
	if (race->efd >= 0)
		close(race->efd);
	if (race->tfd >= 0)
		close(race->tfd);
	free(race);
	return ret;
}

/**
 * sockobj_race_start() - start a Happy Eyeballs v2 race over addresses,
 *	in the caller's loop
 * @ctx: the context
 * @addrs: the addresses, in the order of preference of each family
 * @n: their number, 1..SOCKOBJ_RACE_MAX
 * @tmpl: the other properties of each attempt's object, or NULL
 * @cookie: the cookie of every attempt's object
 * @delay_ms: the delay between attempts, 0 for SOCKOBJ_RACE_DELAY_MS
 * @racep: where the new race is stored
 *
 * Context: process. The first attempt starts before the call returns;
 * from then on sockobj_fd() is readable whenever the race has something
 * to do, and sockobj_race_step() does it.
 * Return: 0 with *@racep set, or a negative errno (nothing started).
 */
SOCKOBJ_EXPORT int sockobj_race_start(struct sockobj_ctx *ctx,
				      const struct sockobj_addr *addrs,
				      unsigned int n,
				      const struct sockobj_config *tmpl,
				      uint64_t cookie, unsigned int delay_ms,
				      struct sockobj_race **racep)
{
	struct sockobj_race *race;
	unsigned int i;
	bool nobufs = false;
	int ret;

	if (!addrs || !n || n > SOCKOBJ_RACE_MAX || !racep)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (addrs[i].family != AF_INET && addrs[i].family != AF_INET6)
			return -EINVAL;
	ret = race_new(ctx, tmpl, cookie, delay_ms, &race);
	if (ret < 0)
		return ret;
	memcpy(race->addrs, addrs, n * sizeof(*addrs));
	race->n = n;
	race_begin(race);
	race_step(ctx, race, &nobufs);
	*racep = race;
	return 0;
}

/**
 * sockobj_race_start_host() - resolve a host name without blocking, then
 *	race its addresses (Happy Eyeballs v2)
 * @ctx: the context
 * @host: a name or a numeric address, IPv6 possibly in brackets
 * @port: the port of every attempt, 1..65535
 * @family: AF_UNSPEC, AF_INET or AF_INET6
 * @tmpl: the other properties of each attempt's object, or NULL
 * @cookie: the cookie of every attempt's object
 * @delay_ms: the delay between attempts, 0 for SOCKOBJ_RACE_DELAY_MS
 * @racep: where the new race is stored
 *
 * Context: process. The lookup runs in a thread of the library
 * (sockobj_lookup_start()); its end makes sockobj_fd() readable, and the
 * sockobj_race_step() that follows starts the first attempt.
 * Return: 0 with *@racep set, or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_race_start_host(struct sockobj_ctx *ctx,
					   const char *host, unsigned int port,
					   int family,
					   const struct sockobj_config *tmpl,
					   uint64_t cookie,
					   unsigned int delay_ms,
					   struct sockobj_race **racep)
{
	struct sockobj_race *race;
	int ret;

	if (!port || port > 65535 || !racep)
		return -EINVAL;
	ret = race_new(ctx, tmpl, cookie, delay_ms, &race);
	if (ret < 0)
		return ret;
	race->port = port;
	ret = sockobj_lookup_start(ctx, host, family, &race->lookup);
	if (ret < 0) {
		finish(race, ret);
		free(race);
		return ret;
	}
	*racep = race;
	return 0;
}

/**
 * sockobj_race_step() - do what a race has to do, on sockobj_fd()'s
 *	readiness
 * @ctx: the context of the race
 * @race: the race
 *
 * Context: process; never blocks. Reads the device: the records of other
 * objects go to the library's queue, for sockobj_read_events().
 * Return: 0 while the race runs, the id of the ESTABLISHED object that
 * won, or the negative errno that ended it: the last failed attempt's, or
 * the lookup's (-SOCKOBJ_ENAME, -SOCKOBJ_ENAMEAGAIN). Once over, the same
 * value again.
 */
SOCKOBJ_EXPORT int sockobj_race_step(struct sockobj_ctx *ctx,
				     struct sockobj_race *race)
{
	bool nobufs = false;

	if (!ctx || !race || race->ctx != ctx)
		return -EINVAL;
	return race_step(ctx, race, &nobufs);
}

/**
 * sockobj_race_outcomes() - the addresses of a race and what became of
 *	each attempt
 * @race: the race
 * @addrs: out: the addresses, or NULL
 * @outcomes: out: the last record of each address's attempt, or NULL
 * @max: room in each of @addrs and @outcomes
 *
 * Context: any. An attempt never started is a record of type 0, its error
 * the errno that kept it from starting, if any; a cancelled one is CLOSED,
 * reason CANCELLED.
 * Return: the number of addresses of the race (0 while its lookup runs),
 * of which the first @max are stored, or -EINVAL.
 */
SOCKOBJ_EXPORT int sockobj_race_outcomes(const struct sockobj_race *race,
					 struct sockobj_addr *addrs,
					 struct sockobj_event *outcomes,
					 unsigned int max)
{
	unsigned int n;

	if (!race)
		return -EINVAL;
	n = race->n < max ? race->n : max;
	if (addrs)
		memcpy(addrs, race->addrs, n * sizeof(*addrs));
	if (outcomes)
		memcpy(outcomes, race->outcomes, n * sizeof(*outcomes));
	return (int)race->n;
}

/**
 * sockobj_race_free() - end a race, over or not, and free it
 * @ctx: the context of the race
 * @race: the race, or NULL
 *
 * Context: process. The attempts still running are cancelled; the winner
 * stays the caller's.
 */
SOCKOBJ_EXPORT void sockobj_race_free(struct sockobj_ctx *ctx,
				      struct sockobj_race *race)
{
	if (!ctx || !race || race->ctx != ctx)
		return;
	if (!race->result)
		finish(race, -ECANCELED);
	free(race);
}

/* Waits for the race's descriptors until @deadline; 0 at the deadline. */
static int race_wait(struct sockobj_ctx *ctx, struct sockobj_race *race,
		     int64_t deadline)
{
	struct pollfd pfd[3] = {
		{ .fd = ctx->fd, .events = POLLIN },
		{ .fd = race->tfd, .events = POLLIN },
		{ .fd = race->efd, .events = POLLIN },
	};
	int64_t left;
	int ret;

	do {
		left = -1;
		if (deadline >= 0) {
			left = deadline - __sockobj_now_ms();
			if (left < 0)
				left = 0;
			if (left > 0x7fffffff)
				left = 0x7fffffff;
		}
		ret = poll(pfd, 3, (int)left);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
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
 * Context: process; blocks. A race (sockobj_race_start()) stepped until it
 * ends. Keeps the records of other objects it reads.
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
	struct sockobj_race *race;
	bool nobufs = false;
	int64_t deadline;
	int ret;

	if (!outcomes)
		return -EINVAL;
	deadline = timeout_ms < 0 ? -1 : __sockobj_now_ms() + timeout_ms;
	ret = sockobj_race_start(ctx, addrs, n, tmpl, cookie, delay_ms, &race);
	if (ret < 0)
		return ret;
	for (;;) {
		ret = race_step(ctx, race, &nobufs);
		if (ret)
			break;
		if (nobufs) {
			ret = finish(race, -ENOBUFS);
			break;
		}
		ret = race_wait(ctx, race, deadline);
		if (ret < 0) {
			ret = finish(race, ret);
			break;
		}
		if (!ret) {
			ret = finish(race, -ETIME);
			break;
		}
	}
	sockobj_race_outcomes(race, NULL, outcomes, n);
	sockobj_race_free(ctx, race);
	return ret;
}
