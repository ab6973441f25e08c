// SPDX-License-Identifier: MIT
/*
 * libsockobj: the mapped record ring (module API version 11,
 * SOCKOBJ_FEAT_EVENT_RING), as liburing maps io_uring's completion queue.
 *
 * sockobj_ring_setup() gives the context's file a ring and maps it. From
 * then on the module moves each record into a slot of the ring as soon as
 * it is queued, if there is room, and the library's readers
 * (sockobj_read_events(), sockobj_wait_events(), sockobj_wait_state(),
 * sockobj_submit_and_wait(), a race's step) take what the ring holds
 * without a system call: read_records() of event.c comes here first. They
 * make the system call they made before when the ring is empty or the
 * module holds records for want of room (SOCKOBJ_RING_PENDING): read()
 * and SOCKOBJ_IOC_BATCH take from the ring's head too, first moving the
 * waiting records in, so the order is the module's whichever way a record
 * is taken. sockobj_ring_peek() and sockobj_ring_advance() are the same
 * for a program that runs its own loop over the slots.
 *
 * Memory ordering, as the uapi header gives it: tail is the module's,
 * read with a load-acquire (the slots up to it are then written); head is
 * the program's, written with a store-release once the slots are copied
 * (the module may then overwrite them). head is also advanced by the
 * kernel in the context's own read() and batch calls, which happen before
 * the next load here in program order: it is loaded each time, never
 * cached.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/*
 * Records from head to tail (a load-acquire of tail: the slots up to it
 * are written), head in *headp; more than entries only after a program
 * wrote a bad head.
 */
static uint32_t ring_ready(const struct sockobj_ring *ring, uint32_t *headp)
{
	uint32_t tail = __atomic_load_n(ring->tail, __ATOMIC_ACQUIRE);

	*headp = __atomic_load_n(ring->head, __ATOMIC_RELAXED);
	return tail - *headp;
}

/*
 * The records a reader may take, at most max, from *headp on: none while
 * head is out of range (read() then says EINVAL, the records wait in the
 * module).
 */
static uint32_t ring_takeable(const struct sockobj_ring *ring,
			      uint32_t *headp, uint32_t max)
{
	uint32_t n = ring_ready(ring, headp);

	if (n > ring->setup.entries)
		return 0;
	return n < max ? n : max;
}

/* Releases n slots to the module: a store-release, after their reads. */
static void ring_release(struct sockobj_ring *ring, uint32_t head, uint32_t n)
{
	__atomic_store_n(ring->head, head + n, __ATOMIC_RELEASE);
}

/* Maps the ring the kernel described in ring->setup. */
static int ring_map(struct sockobj_ctx *ctx)
{
	struct sockobj_ring *ring = &ctx->ring;
	const struct sockobj_ring_setup *rs = &ring->setup;
	size_t slots = (size_t)rs->entries * sizeof(struct sockobj_event);
	char *map;

	/*
	 * What the module said must lie within what it said to map, aligned:
	 * a module that said otherwise is not the one of this header.
	 */
	if (rs->size < sizeof(uint32_t) ||
	    rs->head_off > rs->size - sizeof(uint32_t) ||
	    rs->tail_off > rs->size - sizeof(uint32_t) ||
	    rs->flags_off > rs->size - sizeof(uint32_t) ||
	    rs->events_off > rs->size || slots > rs->size - rs->events_off ||
	    (rs->head_off | rs->tail_off | rs->flags_off) % sizeof(uint32_t) ||
	    rs->events_off % _Alignof(struct sockobj_event))
		return -EPROTO;
	map = mmap(NULL, rs->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   ctx->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	ring->map = map;
	ring->head = (uint32_t *)(void *)(map + rs->head_off);
	ring->tail = (const uint32_t *)(void *)(map + rs->tail_off);
	ring->flags = (const uint32_t *)(void *)(map + rs->flags_off);
	ring->slots = (const struct sockobj_event *)(void *)(map + rs->events_off);
	ring->mask = rs->entries - 1;
	return 0;
}

void __sockobj_ring_unmap(struct sockobj_ctx *ctx)
{
	if (ctx->ring.map)
		munmap(ctx->ring.map, ctx->ring.setup.size);
	ctx->ring.map = NULL;
}

unsigned int __sockobj_ring_take(struct sockobj_ctx *ctx,
				 struct sockobj_event *evs, unsigned int max)
{
	struct sockobj_ring *ring = &ctx->ring;
	uint32_t head, n, i;

	if (!ring->map)
		return 0;
	n = ring_takeable(ring, &head, max);
	for (i = 0; i < n; i++)
		evs[i] = ring->slots[(head + i) & ring->mask];
	if (n)
		ring_release(ring, head, n);
	return n;
}

unsigned int __sockobj_ring_ready(const struct sockobj_ctx *ctx)
{
	uint32_t head;

	if (!ctx->ring.map)
		return 0;
	return ring_takeable(&ctx->ring, &head, UINT32_MAX);
}

bool __sockobj_ring_pending(const struct sockobj_ctx *ctx)
{
	return ctx->ring.map &&
	       (__atomic_load_n(ctx->ring.flags, __ATOMIC_ACQUIRE) &
		SOCKOBJ_RING_PENDING);
}

/**
 * sockobj_ring_setup() - give the context a mapped record ring
 * @ctx: the context
 * @entries: slots, a power of two from 1 to SOCKOBJ_RING_MAX_ENTRIES
 *
 * Context: process. Needs module API version 11 (SOCKOBJ_FEAT_EVENT_RING).
 * After a failed mmap(), the file has its ring, unmapped: a second call
 * with the same @entries maps it.
 * Return: 0, or a negative errno (-EINVAL: bad @entries; -EBUSY: the
 * context has a ring; -ENOTTY: an older module; -ENOMEM; -EPROTO: the
 * module described a ring that does not fit its size).
 */
SOCKOBJ_EXPORT int sockobj_ring_setup(struct sockobj_ctx *ctx,
				      unsigned int entries)
{
	struct sockobj_ring *ring = &ctx->ring;
	struct sockobj_ring_setup rs;
	int ret;

	if (ring->map)
		return -EBUSY;
	if (ring->setup.entries)
		return entries == ring->setup.entries ? ring_map(ctx) : -EBUSY;
	memset(&rs, 0, sizeof(rs));
	rs.entries = entries;
	ret = do_ioctl(ctx, SOCKOBJ_IOC_RING_SETUP, &rs);
	if (ret < 0)
		return ret;
	if (rs.entries != entries)
		return -EPROTO;
	ring->setup = rs;
	return ring_map(ctx);
}

/**
 * sockobj_ring_peek() - the records in the ring, without taking them
 * @ctx: the context
 * @evs: out: pointers to the records, oldest first, into the ring
 * @max: room in @evs
 *
 * Context: any; no system call. The records stay valid, and in the ring,
 * until sockobj_ring_advance() releases them.
 * Return: the number of pointers stored (0: the ring is empty, or its
 * head is out of range), or -ENODEV when the context has no mapped ring.
 */
SOCKOBJ_EXPORT int sockobj_ring_peek(struct sockobj_ctx *ctx,
				     const struct sockobj_event **evs,
				     unsigned int max)
{
	const struct sockobj_ring *ring = &ctx->ring;
	uint32_t head, n, i;

	if (!ring->map)
		return -ENODEV;
	n = ring_takeable(ring, &head, max);
	for (i = 0; i < n; i++)
		evs[i] = &ring->slots[(head + i) & ring->mask];
	return (int)n;
}

/**
 * sockobj_ring_advance() - release records of the ring to the module
 * @ctx: the context
 * @n: how many, from the oldest
 *
 * Context: any; no system call (a store-release of the ring's head).
 * Return: 0, -EINVAL when the ring holds fewer than @n records, or
 * -ENODEV when the context has no mapped ring.
 */
SOCKOBJ_EXPORT int sockobj_ring_advance(struct sockobj_ctx *ctx,
					unsigned int n)
{
	struct sockobj_ring *ring = &ctx->ring;
	uint32_t head, ready;

	if (!ring->map)
		return -ENODEV;
	ready = ring_ready(ring, &head);
	if (ready > ring->setup.entries || n > ready)
		return -EINVAL;
	if (n)
		ring_release(ring, head, n);
	return 0;
}

/**
 * sockobj_ring_pending() - whether records wait in the module for room
 * @ctx: the context
 *
 * Context: any; no system call. Once the ring is empty, a program that
 * finds this set calls sockobj_read_events() or sockobj_wait_events()
 * before it waits on sockobj_fd(): their read() moves the records in (and
 * takes them), where no new record may come to wake the wait.
 * Return: 1 when SOCKOBJ_RING_PENDING is set, 0 when not, -ENODEV when the
 * context has no mapped ring.
 */
SOCKOBJ_EXPORT int sockobj_ring_pending(const struct sockobj_ctx *ctx)
{
	if (!ctx->ring.map)
		return -ENODEV;
	return __sockobj_ring_pending(ctx) ? 1 : 0;
}
