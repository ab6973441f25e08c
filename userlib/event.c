// SPDX-License-Identifier: MIT
/*
 * libsockobj: event records.
 *
 * The kernel hands each record out once. sockobj_wait_state() reads
 * records until the object it waits for reaches a wanted state; the records
 * of other objects it reads meanwhile, and those of its object that follow
 * the one it returns, go to a per-context queue that sockobj_read_events()
 * and sockobj_wait_events() drain before reading the fd again. Records of
 * one object therefore still come out in seq order, and none is dropped:
 * the wait reads no more records than the queue has room for and returns
 * -ENOBUFS when it has none. Only the waited-for object's state records up
 * to the one returned are consumed by the wait.
 *
 * The queue and the descriptor agree: sockobj_fd() is an epoll instance
 * over the device and an eventfd that is readable while the queue holds a
 * record, so that a loop that polls it and then drains
 * sockobj_read_events() never sleeps on a record the library holds.
 *
 * Data records (SOCKOBJ_EV_READABLE, _WRITABLE, _SENT, _ERROR) are never
 * consumed by a wait, whatever their object: they are edge-triggered, and
 * the kernel signals each edge once, so one swallowed here would leave
 * the application waiting for data that is already there. Nor do they
 * satisfy a wait, although they carry the object's state: only a
 * transition (SOCKOBJ_EV_STATE) does.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Records read at once by the wait functions (4 KiB on the stack). */
#define WAIT_BATCH	64
/* Largest read() of sockobj_read_events(); the kernel caps it anyway. */
#define READ_MAX	(1U << 16)

static bool state_in(unsigned int mask, unsigned int state)
{
	return state < SOCKOBJ_STATE_COUNT && (mask & SOCKOBJ_STATE_BIT(state));
}

/* A transition record of @id: the only kind a wait consumes. */
static bool is_state_of(const struct sockobj_event *ev, unsigned int id)
{
	return ev->id == id && ev->type == SOCKOBJ_EV_STATE;
}

void __sockobj_queue_free(struct sockobj_queue *queue)
{
	free(queue->q);
	queue->q = NULL;
	queue->head = queue->len = queue->cap = 0;
}

/*
 * Makes the eventfd readable exactly while records are queued. Neither
 * call can fail on a valid non-blocking eventfd: one write of 1 cannot
 * overflow the counter, and a read of a zero counter (EAGAIN) leaves it
 * as wanted.
 */
static void queue_update(struct sockobj_queue *queue)
{
	uint64_t v = 1;

	if (queue->len && !queue->signalled) {
		if (write(queue->efd, &v, sizeof(v)) == sizeof(v))
			queue->signalled = true;
	} else if (!queue->len && queue->signalled) {
		if (read(queue->efd, &v, sizeof(v)) == sizeof(v) ||
		    errno == EAGAIN)
			queue->signalled = false;
	}
}

/* Space for n more records at the tail; n <= SOCKOBJ_QUEUE_MAX - len. */
static int queue_reserve(struct sockobj_queue *queue, unsigned int n)
{
	struct sockobj_event *q;
	unsigned int cap;

	if (queue->cap - queue->head - queue->len >= n)
		return 0;
	if (queue->head) {
		memmove(queue->q, queue->q + queue->head,
			queue->len * sizeof(*queue->q));
		queue->head = 0;
		if (queue->cap - queue->len >= n)
			return 0;
	}
	cap = queue->cap ? queue->cap : WAIT_BATCH;
	while (cap - queue->len < n)
		cap *= 2;
	if (cap > SOCKOBJ_QUEUE_MAX)
		cap = SOCKOBJ_QUEUE_MAX;
	q = realloc(queue->q, cap * sizeof(*q));
	if (!q)
		return -ENOMEM;
	queue->q = q;
	queue->cap = cap;
	return 0;
}

/* Only after queue_reserve(). */
static void queue_push(struct sockobj_queue *queue,
		       const struct sockobj_event *ev)
{
	queue->q[queue->head + queue->len++] = *ev;
}

static unsigned int queue_pop(struct sockobj_queue *queue,
			      struct sockobj_event *evs, unsigned int max)
{
	unsigned int n = queue->len < max ? queue->len : max;

	memcpy(evs, queue->q + queue->head, n * sizeof(*evs));
	queue->head += n;
	queue->len -= n;
	if (!queue->len)
		queue->head = 0;
	queue_update(queue);
	return n;
}

/*
 * Removes the state records of @id up to and including the first whose
 * state is in @mask, copied to *@ev; returns whether there was one.
 * Without one, every state record of @id is removed (all older than the
 * object's state). Data records stay, in their order.
 */
static bool queue_take(struct sockobj_queue *queue, unsigned int id,
		       unsigned int mask, struct sockobj_event *ev)
{
	struct sockobj_event *q = queue->q + queue->head;
	unsigned int i, j;
	bool found = false;

	for (i = 0, j = 0; i < queue->len; i++) {
		if (!found && is_state_of(&q[i], id)) {
			if (state_in(mask, q[i].state)) {
				*ev = q[i];
				found = true;
			}
			continue;
		}
		q[j++] = q[i];
	}
	queue->len = j;
	if (!queue->len)
		queue->head = 0;
	queue_update(queue);
	return found;
}

/*
 * The records in the ring have left the module's queue: GET_INFO's
 * pending no longer counts them, and destroying their object does not
 * discard them. sockobj_wait_state() and __sockobj_queue_drop_id() move
 * them to the library's queue (no system call) before they look there;
 * -ENOBUFS when the queue cannot keep them all.
 */
static int ring_keep(struct sockobj_ctx *ctx)
{
	struct sockobj_queue *queue = &ctx->queue;
	struct sockobj_event evs[WAIT_BATCH];
	unsigned int room, n, i;
	int ret;

	for (;;) {
		room = SOCKOBJ_QUEUE_MAX - queue->len;
		if (!room)
			return __sockobj_ring_ready(ctx) ? -ENOBUFS : 0;
		if (room > WAIT_BATCH)
			room = WAIT_BATCH;
		ret = queue_reserve(queue, room);
		if (ret < 0)
			return ret;
		n = __sockobj_ring_take(ctx, evs, room);
		if (!n)
			return 0;
		n = __sockobj_race_route(ctx, evs, n);
		for (i = 0; i < n; i++)
			queue_push(queue, &evs[i]);
		queue_update(queue);
	}
}

/*
 * A destroyed or handed-off object: no record of its id follows, and the
 * id may be given to a later object. The records in the ring stay there
 * (they had been delivered): those go to the queue first, as wait_state()
 * takes them, and the id's go with the queue's. A queue too full to take
 * them all leaves the rest in the ring.
 */
void __sockobj_queue_drop_id(struct sockobj_ctx *ctx, unsigned int id)
{
	struct sockobj_queue *queue = &ctx->queue;
	struct sockobj_event *q;
	unsigned int i, j;

	ring_keep(ctx);
	q = queue->q + queue->head;
	for (i = 0, j = 0; i < queue->len; i++)
		if (q[i].id != id)
			q[j++] = q[i];
	queue->len = j;
	if (!queue->len)
		queue->head = 0;
	queue_update(queue);
}

/*
 * Records from the mapped ring first (ring.c), without a system call;
 * then one read() of the device, which never blocks (-EAGAIN when empty),
 * when the ring had none, or fewer than max while the module holds
 * records for want of room: read() moves those in and takes them, after
 * the ones taken here. The ring empty and nothing waiting, the read() is
 * the only way to know that nothing came since, so it is made.
 */
static int read_records(struct sockobj_ctx *ctx, struct sockobj_event *evs,
			unsigned int max)
{
	unsigned int n;
	ssize_t ret;

	if (max > READ_MAX)
		max = READ_MAX;
	n = __sockobj_ring_take(ctx, evs, max);
	if (n == max || (n && !__sockobj_ring_pending(ctx)))
		goto route;
	ret = read(ctx->fd, evs + n, (size_t)(max - n) * sizeof(*evs));
	if (ret < 0) {
		/* An error is left for the next call, which has no record. */
		if (!n)
			return -errno;
	} else if (ret == 0 || ret % sizeof(*evs)) {
		if (!n)
			return -EIO;	/* not the record size of this header */
	} else {
		n += (unsigned int)(ret / sizeof(*evs));
	}
route:
	/*
	 * A race's attempts are the race's (race.c), whoever reads: what is
	 * left may be nothing, which reads as no record yet.
	 */
	n = __sockobj_race_route(ctx, evs, n);
	return n ? (int)n : -EAGAIN;
}

/* Whether the ring can give records or has the module's waiting. */
static bool ring_has_records(const struct sockobj_ctx *ctx)
{
	return __sockobj_ring_ready(ctx) || __sockobj_ring_pending(ctx);
}

/* The blocking mode, O_NONBLOCK of sockobj_fd(), which fcntl() may change. */
static bool ctx_blocking(const struct sockobj_ctx *ctx)
{
	int fl = fcntl(ctx->pollfd, F_GETFL);

	return fl >= 0 && !(fl & O_NONBLOCK);
}

/*
 * read_records(), waiting for a first record in a blocking context. Not
 * restarted on EINTR: a blocking read interrupted by a signal returns
 * -EINTR to the caller, as read(2) of the device would.
 */
static int read_records_wait(struct sockobj_ctx *ctx,
			     struct sockobj_event *evs, unsigned int max)
{
	struct pollfd pfd = { .fd = ctx->fd, .events = POLLIN };
	int ret;

	for (;;) {
		ret = read_records(ctx, evs, max);
		if (ret != -EAGAIN || !ctx_blocking(ctx))
			return ret;
		if (poll(&pfd, 1, -1) < 0)
			return -errno;
		if (pfd.revents & POLLNVAL)
			return -EBADF;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits for the fd to be readable until @deadline (ms of now_ms(); < 0:
 * forever), restarting on EINTR with the time left. Returns 1 when
 * readable, 0 at the deadline, or -errno.
 */
static int wait_readable(struct sockobj_ctx *ctx, int64_t deadline)
{
	struct pollfd pfd = { .fd = ctx->fd, .events = POLLIN };
	int64_t left;
	int ret;

	for (;;) {
		left = -1;
		if (deadline >= 0) {
			left = deadline - now_ms();
			if (left < 0)
				left = 0;
			if (left > 0x7fffffff)
				left = 0x7fffffff;
		}
		ret = poll(&pfd, 1, (int)left);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (ret == 0)
			return 0;
		if (pfd.revents & POLLIN)
			return 1;
		if (pfd.revents & POLLNVAL)
			return -EBADF;
		return -EIO;
	}
}

static int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/**
 * sockobj_read_events() - read event records: queued ones first, then from the
 *	fd
 * @ctx: the context
 * @evs: the records
 * @max: room in @evs
 *
 * Context: process; blocks when nothing is queued and sockobj_fd() is
 * blocking.
 * Return: the number of records (> 0), -EAGAIN, -EINTR or another negative
 * errno.
 */
SOCKOBJ_EXPORT int sockobj_read_events(struct sockobj_ctx *ctx,
				       struct sockobj_event *evs,
				       unsigned int max)
{
	unsigned int n;
	int ret;

	if (!evs || !max || max > INT_MAX)
		return -EINVAL;

	n = queue_pop(&ctx->queue, evs, max);
	if (!n)
		return read_records_wait(ctx, evs, max);

	/*
	 * Top up from the device, which never blocks; an error is left for
	 * the next call, which has nothing queued.
	 */
	if (n < max) {
		ret = read_records(ctx, evs + n, max - n);
		if (ret > 0)
			n += ret;
	}
	return (int)n;
}

/**
 * sockobj_wait_events() - wait up to @timeout_ms for event records, then read
 *	them
 * @ctx: the context
 * @evs: the records
 * @max: room in @evs
 * @timeout_ms: the limit; negative waits forever
 *
 * Context: process; restarts after signals with the time left.
 * Return: the number of records, 0 when the time ran out, or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_wait_events(struct sockobj_ctx *ctx,
				       struct sockobj_event *evs,
				       unsigned int max, int timeout_ms)
{
	int64_t deadline;
	int ret;

	if (!evs || !max || max > INT_MAX)
		return -EINVAL;
	if (ctx->queue.len)
		return sockobj_read_events(ctx, evs, max);
	/* The ring's records need no poll() (nor a read() to take them). */
	if (ring_has_records(ctx)) {
		ret = read_records(ctx, evs, max);
		if (ret != -EAGAIN)
			return ret;
	}

	deadline = deadline_of(timeout_ms);
	for (;;) {
		ret = wait_readable(ctx, deadline);
		if (ret <= 0)
			return ret;
		ret = read_records(ctx, evs, max);
		/* Drained by another reader of the fd, or a signal: wait on. */
		if (ret == -EAGAIN || ret == -EINTR)
			continue;
		return ret;
	}
}

/* A record for an object already in a wanted state with nothing pending. */
void __sockobj_event_from_info(struct sockobj_event *ev,
			       const struct sockobj_info *info)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = info->id;
	ev->type = SOCKOBJ_EV_STATE;
	ev->cookie = info->cookie;
	ev->state = info->state;
	ev->prev_state = info->state;
	switch (info->state) {
	case SOCKOBJ_STATE_CLOSED:
		ev->reason = info->reason;
		ev->phase = info->phase;
		ev->error = info->error;
		ev->timestamp_ns = info->closed_ns ? info->closed_ns :
						     info->created_ns;
		break;
	case SOCKOBJ_STATE_CONNECTING:
		ev->timestamp_ns = info->connect_ns;
		break;
	case SOCKOBJ_STATE_ESTABLISHED:
		ev->timestamp_ns = info->established_ns;
		break;
	}
	/* seq 0 and merged 0: this stands for no transition. */
}

/**
 * sockobj_wait_state() - wait until an object reaches one of some states
 * @ctx: the context
 * @id: the object
 * @state_mask: SOCKOBJ_STATE_BIT() of the states waited for
 * @timeout_ms: the limit; negative waits forever
 * @last: the record of the transition into the state, or NULL
 *
 * Context: process. Keeps the other records it reads, data records of
 * @id included, for sockobj_read_events().
 * Return: 0, -ETIME when the time ran out, or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_wait_state(struct sockobj_ctx *ctx, unsigned int id,
				      unsigned int state_mask, int timeout_ms,
				      struct sockobj_event *last)
{
	struct sockobj_queue *queue = &ctx->queue;
	struct sockobj_event evs[WAIT_BATCH], ev;
	struct sockobj_info info;
	unsigned int room, i;
	int64_t deadline;
	bool found;
	int ret, n;

	if (!id || !state_mask || (state_mask & ~SOCKOBJ_STATE_MASK_ALL))
		return -EINVAL;

	for (;;) {
		ret = ring_keep(ctx);
		if (ret < 0)
			return ret;
		if (queue_take(queue, id, state_mask, &ev))
			goto out;

		ret = sockobj_get_info(ctx, id, &info);
		if (ret < 0)
			return ret;
		if (!state_in(state_mask, info.state) || info.pending)
			break;
		/*
		 * A record that reached the ring since ring_keep() is not
		 * pending either: take it, and look again.
		 */
		if (!__sockobj_ring_ready(ctx)) {
			__sockobj_event_from_info(&ev, &info);
			goto out;
		}
	}

	deadline = deadline_of(timeout_ms);
	for (;;) {
		/* Never read more than the queue can keep. */
		room = SOCKOBJ_QUEUE_MAX - queue->len;
		if (!room)
			return -ENOBUFS;
		if (room > WAIT_BATCH)
			room = WAIT_BATCH;
		ret = queue_reserve(queue, room);
		if (ret < 0)
			return ret;

		ret = wait_readable(ctx, deadline);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return -ETIME;
		n = read_records(ctx, evs, room);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0)
			return n;

		found = false;
		for (i = 0; i < (unsigned int)n; i++) {
			if (!found && is_state_of(&evs[i], id)) {
				if (state_in(state_mask, evs[i].state)) {
					ev = evs[i];
					found = true;
				}
				continue;
			}
			queue_push(queue, &evs[i]);
		}
		queue_update(queue);
		if (found)
			goto out;
	}
out:
	if (last)
		*last = ev;
	return 0;
}

int64_t __sockobj_now_ms(void)
{
	return now_ms();
}

/*
 * One read() of the device for a race's step (race.c), which never
 * blocks: no more records than the queue can keep, each
 * one the caller does not consume given to __sockobj_queue_keep(); -EAGAIN
 * when there is nothing to read, -ENOBUFS when the queue is full.
 */
int __sockobj_read_now(struct sockobj_ctx *ctx, struct sockobj_event *evs,
		       unsigned int max)
{
	struct sockobj_queue *queue = &ctx->queue;
	unsigned int room;
	int ret;

	room = SOCKOBJ_QUEUE_MAX - queue->len;
	if (!room)
		return -ENOBUFS;
	if (room > max)
		room = max;
	ret = queue_reserve(queue, room);
	if (ret < 0)
		return ret;
	return read_records(ctx, evs, room);
}

/* Records sockobj_wait_state() kept, oldest first: how many were moved. */
unsigned int __sockobj_queue_take(struct sockobj_ctx *ctx,
				  struct sockobj_event *evs, unsigned int max)
{
	return ctx->queue.len ? queue_pop(&ctx->queue, evs, max) : 0;
}

/* Only for the records of the last __sockobj_read_now(). */
void __sockobj_queue_keep(struct sockobj_ctx *ctx,
			  const struct sockobj_event *ev)
{
	queue_push(&ctx->queue, ev);
	queue_update(&ctx->queue);
}

/**
 * sockobj_queued_events() - how many records sockobj_wait_state() kept
 * @ctx: the context
 *
 * Context: any.
 * Return: the number of records held by the library.
 */
SOCKOBJ_EXPORT int sockobj_queued_events(const struct sockobj_ctx *ctx)
{
	return (int)ctx->queue.len;
}

/**
 * sockobj_event_get_data() - the pointer sockobj_create_data() was given
 * @ev: a record of the object
 *
 * Context: any.
 * Return: @ev->cookie as a pointer.
 */
SOCKOBJ_EXPORT void *sockobj_event_get_data(const struct sockobj_event *ev)
{
	/*
	 * On a 32-bit system the upper half of a cookie set by
	 * sockobj_create() is dropped: this reads back pointers only.
	 */
	return (void *)(uintptr_t)ev->cookie;
}
