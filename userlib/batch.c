// SPDX-License-Identifier: MIT
/*
 * libsockobj: batches (SOCKOBJ_IOC_BATCH), in liburing's manner: the
 * sockobj_prep_*() helpers only fill a struct sockobj_batch_op of the
 * caller's array, and one sockobj_submit() runs them all and leaves each
 * op's result in it. sockobj_connect_many() is the common case on top:
 * create, configure and connect N objects with one ioctl per chunk.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Targets of one sockobj_connect_many() ioctl: three ops, a create and a
 * config each, about 290 KiB for 1024; far below SOCKOBJ_BATCH_MAX / 3,
 * and enough that the ioctl's own cost is spread thin.
 */
#define MANY_CHUNK	1024U

static void prep(struct sockobj_batch_op *op, unsigned int code,
		 unsigned int id)
{
	memset(op, 0, sizeof(*op));
	op->op = code;
	op->id = id;
}

/**
 * sockobj_prep_create() - fill a batch op that creates an object
 * @op: the op
 * @cr: the argument the op points to, filled here; it must stay valid
 *	until the batch is submitted
 * @proto: SOCKOBJ_PROTO_TCP or SOCKOBJ_PROTO_UDP
 * @cookie: opaque value returned in the object's events
 *
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_create(struct sockobj_batch_op *op,
					struct sockobj_create *cr,
					unsigned int proto, uint64_t cookie)
{
	memset(cr, 0, sizeof(*cr));
	cr->proto = proto;
	cr->cookie = cookie;
	prep(op, SOCKOBJ_OP_CREATE, 0);
	op->arg = (uint64_t)(uintptr_t)cr;
}

/**
 * sockobj_prep_configure() - fill a batch op that configures an object
 * @op: the op
 * @id: the object, 0 for the one the batch created last
 * @cfg: the configuration (its id is not used); it must stay valid until
 *	the batch is submitted
 *
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_configure(struct sockobj_batch_op *op,
					   unsigned int id,
					   const struct sockobj_config *cfg)
{
	prep(op, SOCKOBJ_OP_CONFIGURE, id);
	op->arg = (uint64_t)(uintptr_t)cfg;
}

/**
 * sockobj_prep_connect() - fill a batch op that starts an active open
 * @op: the op
 * @id: the object, 0 for the one the batch created last
 *
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_connect(struct sockobj_batch_op *op,
					 unsigned int id)
{
	prep(op, SOCKOBJ_OP_CONNECT, id);
}

/**
 * sockobj_prep_send() - fill a batch op that sends data
 * @op: the op
 * @id: the object, 0 for the one the batch created last
 * @buf: the data; it must stay valid until the batch is submitted
 * @len: its length
 *
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_send(struct sockobj_batch_op *op,
				      unsigned int id, const void *buf,
				      size_t len)
{
	prep(op, SOCKOBJ_OP_SEND, id);
	op->arg = (uint64_t)(uintptr_t)buf;
	op->len = len;
}

/**
 * sockobj_prep_recv() - fill a batch op that receives data
 * @op: the op
 * @id: the object, 0 for the one the batch created last
 * @buf: where the data goes; it must stay valid until the batch is
 *	submitted
 * @len: its size
 * @flags: 0 or SOCKOBJ_IO_PEEK
 *
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_recv(struct sockobj_batch_op *op,
				      unsigned int id, void *buf, size_t len,
				      unsigned int flags)
{
	prep(op, SOCKOBJ_OP_RECV, id);
	op->flags = flags;
	op->arg = (uint64_t)(uintptr_t)buf;
	op->len = len;
}

/**
 * sockobj_prep_sendv() - fill a batch op that sends data from several
 *	buffers with one sendmsg()
 * @op: the op
 * @id: the object, 0 for the one the batch created last
 * @iov: the buffers, in order; the array and the data must stay valid
 *	until the batch is submitted
 * @iovcnt: their number, 0..SOCKOBJ_BATCH_IOV_MAX (the batch checks it)
 *
 * Needs module API version 9 (SOCKOBJ_FEAT_BATCH_VEC).
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_sendv(struct sockobj_batch_op *op,
				       unsigned int id,
				       const struct iovec *iov,
				       unsigned int iovcnt)
{
	prep(op, SOCKOBJ_OP_SENDV, id);
	op->arg = (uint64_t)(uintptr_t)iov;
	op->len = iovcnt;
}

/**
 * sockobj_prep_recvv() - fill a batch op that receives data into several
 *	buffers with one recvmsg()
 * @op: the op
 * @id: the object, 0 for the one the batch created last
 * @iov: where the data goes, in order; the array and the buffers must
 *	stay valid until the batch is submitted
 * @iovcnt: their number, 0..SOCKOBJ_BATCH_IOV_MAX (the batch checks it)
 * @flags: 0 or SOCKOBJ_IO_PEEK
 *
 * Needs module API version 9 (SOCKOBJ_FEAT_BATCH_VEC).
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_recvv(struct sockobj_batch_op *op,
				       unsigned int id, struct iovec *iov,
				       unsigned int iovcnt, unsigned int flags)
{
	prep(op, SOCKOBJ_OP_RECVV, id);
	op->flags = flags;
	op->arg = (uint64_t)(uintptr_t)iov;
	op->len = iovcnt;
}

/**
 * sockobj_prep_disconnect() - fill a batch op that closes gracefully
 * @op: the op
 * @id: the object, 0 for the one the batch created last
 *
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_disconnect(struct sockobj_batch_op *op,
					    unsigned int id)
{
	prep(op, SOCKOBJ_OP_DISCONNECT, id);
}

/**
 * sockobj_prep_abort() - fill a batch op that closes at once
 * @op: the op
 * @id: the object, 0 for the one the batch created last
 *
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_abort(struct sockobj_batch_op *op,
				       unsigned int id)
{
	prep(op, SOCKOBJ_OP_ABORT, id);
}

/**
 * sockobj_prep_destroy() - fill a batch op that destroys an object
 * @op: the op
 * @id: the object, 0 for the one the batch created last
 * @flags: 0 or SOCKOBJ_DESTROY_ABORT
 *
 * Context: any; no system call.
 */
SOCKOBJ_EXPORT void sockobj_prep_destroy(struct sockobj_batch_op *op,
					 unsigned int id, unsigned int flags)
{
	prep(op, SOCKOBJ_OP_DESTROY, id);
	op->flags = flags;
}

/*
 * A DESTROY that ran discarded its object's undelivered records; the
 * library's queue drops those it holds, as sockobj_destroy() does. An id
 * of 0 is resolved as the kernel resolves it: the nearest CREATE before.
 */
static void drop_destroyed(struct sockobj_ctx *ctx,
			   const struct sockobj_batch_op *ops,
			   unsigned int done)
{
	unsigned int i, last = 0, id;

	for (i = 0; i < done; i++) {
		if (ops[i].op == SOCKOBJ_OP_CREATE)
			last = ops[i].result > 0 ? (unsigned int)ops[i].result : 0;
		if (ops[i].op != SOCKOBJ_OP_DESTROY || ops[i].result < 0)
			continue;
		id = ops[i].id ? ops[i].id : last;
		if (id)
			__sockobj_queue_drop_id(ctx, id);
	}
}

/**
 * sockobj_submit() - run a batch of ops with one SOCKOBJ_IOC_BATCH
 * @ctx: the context
 * @ops: the ops, filled by the sockobj_prep_*() helpers
 * @count: their number, 1..SOCKOBJ_BATCH_MAX
 * @flags: 0 or SOCKOBJ_BATCH_STOP
 *
 * Context: process. Each op that ran has its result (>= 0, or -errno) in
 * its result field; the ops after those are left as they were.
 * Return: the number of ops that ran, or a negative errno (-EINVAL: bad
 * arguments or op, nothing ran).
 */
SOCKOBJ_EXPORT int sockobj_submit(struct sockobj_ctx *ctx,
				  struct sockobj_batch_op *ops,
				  unsigned int count, unsigned int flags)
{
	struct sockobj_batch b;
	int ret;

	if (!ops || !count || count > SOCKOBJ_BATCH_MAX ||
	    (flags & ~SOCKOBJ_BATCH_STOP))
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	b.ops = (uint64_t)(uintptr_t)ops;
	b.count = count;
	b.flags = flags;
	/*
	 * Not restarted on EINTR (see internal.h): only a fatal signal stops
	 * a batch, and ops that ran must not run twice.
	 */
	ret = do_ioctl(ctx, SOCKOBJ_IOC_BATCH, &b);
	if (b.done > count)
		return -EPROTO;
	drop_destroyed(ctx, ops, b.done);
	return ret < 0 ? ret : (int)b.done;
}

/*
 * One SOCKOBJ_IOC_BATCH of sockobj_submit_and_wait(): the ops (count may
 * be 0), then up to max records into evs, waiting up to wait_ms (< 0:
 * forever; 0: not at all) for the first. *ran and *got say what it did.
 */
static int submit_records(struct sockobj_ctx *ctx, struct sockobj_batch_op *ops,
			  unsigned int count, unsigned int flags,
			  struct sockobj_event *evs, unsigned int max,
			  int64_t wait_ms, unsigned int *ran, unsigned int *got)
{
	struct sockobj_batch b;
	int ret;

	*ran = *got = 0;
	memset(&b, 0, sizeof(b));
	b.ops = (uint64_t)(uintptr_t)ops;
	b.count = count;
	b.flags = flags;
	/* No room left (kept records filled evs): the ops alone, no wait. */
	if (!max)
		wait_ms = 0;
	else {
		b.events = (uint64_t)(uintptr_t)evs;
		b.nevents = max;
	}
	if (wait_ms) {
		b.flags |= SOCKOBJ_BATCH_WAIT;
		b.wait_ms = wait_ms < 0 || wait_ms >= SOCKOBJ_WAIT_FOREVER ?
			    SOCKOBJ_WAIT_FOREVER : (uint32_t)wait_ms;
	}
	/* Not restarted on EINTR, as sockobj_submit(). */
	ret = do_ioctl(ctx, SOCKOBJ_IOC_BATCH, &b);
	/*
	 * A call that fails takes no record, and one that fails early does
	 * not write nevents back: it would still hold the room given.
	 */
	if (ret < 0)
		b.nevents = 0;
	if (b.done > count || b.nevents > max)
		return -EPROTO;
	drop_destroyed(ctx, ops, b.done);
	*ran = b.done;
	/* A race's attempts are the race's (race.c), as for a read(). */
	*got = b.nevents ? __sockobj_race_route(ctx, evs, b.nevents) : 0;
	if (ret < 0)
		return ret;
	return b.nevents && !*got ? -EAGAIN : 0;
}

/**
 * sockobj_submit_and_wait() - run a batch of ops, then take event records
 *	with the same system call, waiting for the first
 * @ctx: the context
 * @ops: the ops, filled by the sockobj_prep_*() helpers (NULL when @count
 *	is 0)
 * @count: their number, 0..SOCKOBJ_BATCH_MAX; 0 only takes records
 * @flags: 0 or SOCKOBJ_BATCH_STOP
 * @evs: the records
 * @nevs: in: room in @evs, 1..SOCKOBJ_BATCH_EVENTS_MAX; out: the records
 *	written, also when an error is returned
 * @timeout_ms: the longest wait for a first record; negative waits forever,
 *	0 does not wait
 *
 * Context: process. The records sockobj_wait_state() kept come first, then
 * those of the mapped ring (sockobj_ring_setup()), and when there are any
 * the call does not wait; with no op to run, it then makes no system call
 * unless the module holds records for want of room in the ring. It waits
 * for the device's records only (a lookup's end does not end it); a
 * signal ends the wait with no record.
 * Needs module API version 8 (SOCKOBJ_FEAT_BATCH_WAIT).
 * Return: the number of ops that ran, or a negative errno (-EINVAL: bad
 * arguments, or a module older than API version 8; nothing ran).
 */
SOCKOBJ_EXPORT int sockobj_submit_and_wait(struct sockobj_ctx *ctx,
					   struct sockobj_batch_op *ops,
					   unsigned int count,
					   unsigned int flags,
					   struct sockobj_event *evs,
					   unsigned int *nevs, int timeout_ms)
{
	unsigned int max, n, ran = 0, r, got;
	int64_t deadline, wait;
	int ret;

	if (!evs || !nevs || !*nevs || *nevs > SOCKOBJ_BATCH_EVENTS_MAX ||
	    (count && !ops) || count > SOCKOBJ_BATCH_MAX ||
	    (flags & ~SOCKOBJ_BATCH_STOP))
		return -EINVAL;
	max = *nevs;
	n = __sockobj_queue_take(ctx, evs, max);
	/*
	 * Then the mapped ring's, without a system call: the batch would
	 * take them from the same head, and would make one only to look for
	 * more while the module holds none for want of room.
	 */
	if (n < max) {
		got = __sockobj_ring_take(ctx, evs + n, max - n);
		n += __sockobj_race_route(ctx, evs + n, got);
	}
	*nevs = n;
	if (!count && (n == max ||
		       (n && ctx->ring.map && !__sockobj_ring_pending(ctx))))
		return 0;
	deadline = timeout_ms < 0 ? -1 : __sockobj_now_ms() + timeout_ms;
	wait = n ? 0 : timeout_ms;
	for (;;) {
		ret = submit_records(ctx, ops, count, flags, evs + n, max - n,
				     wait, &r, &got);
		if (count)
			ran = r;
		*nevs = n + got;
		/* Every record was a race's: wait on for the time left. */
		if (ret != -EAGAIN || !wait)
			break;
		ops = NULL;
		count = 0;
		if (deadline >= 0) {
			wait = deadline - __sockobj_now_ms();
			if (wait <= 0)
				break;
		}
	}
	if (ret < 0 && ret != -EAGAIN)
		return ret;
	return (int)ran;
}

/* Where the ops of target i of a chunk failed: its result for the caller. */
static int many_result(const struct sockobj_batch_op *ops, unsigned int done,
		       unsigned int i)
{
	unsigned int k;

	for (k = 3 * i; k < 3 * i + 3; k++) {
		if (k >= done)
			return -EINTR;	/* a fatal signal stopped the batch */
		if (ops[k].result < 0)
			return ops[k].result;
	}
	return ops[3 * i].result > 0 ? ops[3 * i].result : -EPROTO;
}

/**
 * sockobj_connect_many() - create, configure and connect objects in batches
 * @ctx: the context
 * @proto: SOCKOBJ_PROTO_TCP or SOCKOBJ_PROTO_UDP
 * @targets: where each object connects to
 * @n: the number of targets, 1..INT_MAX
 * @tmpl: the other properties of every object, as for sockobj_configure()
 *	(its id and target are not used), or NULL
 * @cookies: the cookie of each object, or NULL for its index in @targets
 * @ids: out: for each target, the id of its object (> 0), connecting, or
 *	the -errno of the step that failed, no object left
 *
 * Context: process. One SOCKOBJ_IOC_BATCH per 1024 targets.
 * Return: the number of objects that started connecting, or a negative
 * errno (-EINVAL: bad arguments; -ENOMEM), nothing then done.
 */
SOCKOBJ_EXPORT int sockobj_connect_many(struct sockobj_ctx *ctx,
					unsigned int proto,
					const struct sockobj_addr *targets,
					unsigned int n,
					const struct sockobj_config *tmpl,
					const uint64_t *cookies, int *ids)
{
	struct sockobj_batch_op *ops, *dops;
	struct sockobj_create *crs;
	struct sockobj_config *cfgs;
	unsigned int base, m, i, nd, chunk;
	int started = 0, ret, r;

	if (!targets || !ids || !n || n > INT_MAX)
		return -EINVAL;
	chunk = n < MANY_CHUNK ? n : MANY_CHUNK;
	ops = calloc((size_t)chunk * 3, sizeof(*ops));
	dops = calloc(chunk, sizeof(*dops));
	crs = calloc(chunk, sizeof(*crs));
	cfgs = calloc(chunk, sizeof(*cfgs));
	if (!ops || !dops || !crs || !cfgs) {
		ret = -ENOMEM;
		goto out;
	}

	for (base = 0; base < n; base += m) {
		m = n - base < chunk ? n - base : chunk;
		for (i = 0; i < m; i++) {
			struct sockobj_config *cfg = &cfgs[i];

			if (tmpl)
				*cfg = *tmpl;
			else
				memset(cfg, 0, sizeof(*cfg));
			cfg->id = 0;
			cfg->mask |= SOCKOBJ_CFG_TARGET;
			cfg->target = targets[base + i];
			sockobj_prep_create(&ops[3 * i], &crs[i], proto,
					    cookies ? cookies[base + i] : base + i);
			sockobj_prep_configure(&ops[3 * i + 1], 0, cfg);
			sockobj_prep_connect(&ops[3 * i + 2], 0);
		}
		ret = sockobj_submit(ctx, ops, 3 * m, 0);
		if (ret < 0) {
			/* Our own ops and memory: only a bug gets here. */
			for (i = 0; i < m; i++)
				ids[base + i] = ret;
			continue;
		}

		/* A target that did not start leaves no object behind. */
		for (i = 0, nd = 0; i < m; i++) {
			r = many_result(ops, (unsigned int)ret, i);
			ids[base + i] = r;
			if (r > 0)
				started++;
			else if (ops[3 * i].result > 0 && 3 * i < (unsigned int)ret)
				sockobj_prep_destroy(&dops[nd++],
						     (unsigned int)ops[3 * i].result, 0);
		}
		if (nd)
			sockobj_submit(ctx, dops, nd, 0);
	}
	ret = started;
out:
	free(ops);
	free(dops);
	free(crs);
	free(cfgs);
	return ret;
}
