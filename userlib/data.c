// SPDX-License-Identifier: MIT
/*
 * libsockobj: the data path (SOCKOBJ_IOC_SEND, SOCKOBJ_IOC_RECV) and the
 * hand-off of a connection to an ordinary socket (SOCKOBJ_IOC_HANDOFF).
 *
 * Nothing here blocks: a send that finds no room and a receive that finds
 * nothing return -EAGAIN, and the kernel then owes the caller one
 * SOCKOBJ_EV_WRITABLE or SOCKOBJ_EV_READABLE record (edge-triggered). The
 * library adds no buffering of its own, so that what the records say is
 * always what the socket holds.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/*
 * The kernel moves at most MAX_RW_COUNT (INT_MAX rounded down to a page)
 * bytes per call, so done always fits the int result; a larger len is
 * simply a partial transfer, as for write(2).
 */
static int io_done(const struct sockobj_io *io)
{
	return io->done > INT_MAX ? -EOVERFLOW : (int)io->done;
}

/**
 * sockobj_send() - queue data on an open object without blocking
 *	(SOCKOBJ_IOC_SEND)
 * @ctx: the context
 * @id: the object, ESTABLISHED (or, TCP, PEER_CLOSING)
 * @buf: the data
 * @len: its length; UDP sends it as one datagram
 *
 * Context: process. A partial send (TCP) or -EAGAIN is followed by a
 * SOCKOBJ_EV_WRITABLE record once there is room again.
 * Return: the number of bytes queued (TCP) or sent (UDP), -EAGAIN when
 * there was no room at all, or another negative errno.
 */
SOCKOBJ_EXPORT int sockobj_send(struct sockobj_ctx *ctx, unsigned int id,
				const void *buf, size_t len)
{
	struct sockobj_io io;
	int ret;

	memset(&io, 0, sizeof(io));
	io.id = id;
	io.buf = (uint64_t)(uintptr_t)buf;
	io.len = len;
	ret = do_ioctl(ctx, SOCKOBJ_IOC_SEND, &io);
	return ret < 0 ? ret : io_done(&io);
}

/**
 * sockobj_recv() - take received data from an open object without blocking
 *	(SOCKOBJ_IOC_RECV)
 * @ctx: the context
 * @id: the object, ESTABLISHED, PEER_CLOSING or CLOSING
 * @buf: where the data goes
 * @len: room in @buf; UDP receives one datagram per call
 * @flags: 0 or SOCKOBJ_IO_PEEK (leave the data queued)
 * @ri: where the source, the datagram's full length and whether it was
 *	truncated are stored, or NULL
 *
 * Context: process. -EAGAIN, or a receive that leaves the queue empty, is
 * followed by a SOCKOBJ_EV_READABLE record when data next arrives.
 * Return: the number of bytes received, 0 for the end of the peer's data
 * (TCP) or an empty datagram (UDP), -EAGAIN when nothing is queued, or
 * another negative errno.
 */
SOCKOBJ_EXPORT int sockobj_recv(struct sockobj_ctx *ctx, unsigned int id,
				void *buf, size_t len, unsigned int flags,
				struct sockobj_recv_info *ri)
{
	struct sockobj_io io;
	int ret;

	if (flags & ~SOCKOBJ_IO_F_ALL)
		return -EINVAL;
	memset(&io, 0, sizeof(io));
	io.id = id;
	io.flags = flags;
	io.buf = (uint64_t)(uintptr_t)buf;
	io.len = len;
	ret = do_ioctl(ctx, SOCKOBJ_IOC_RECV, &io);
	if (ret < 0)
		return ret;
	if (ri) {
		memset(ri, 0, sizeof(*ri));
		ri->source = io.addr;
		/* TCP reports no length of its own: what was received. */
		ri->full_len = io.full_len > io.done ? io.full_len : io.done;
		ri->truncated = !!(io.flags & SOCKOBJ_IO_TRUNC);
	}
	return io_done(&io);
}

/**
 * sockobj_handoff() - turn an open object into a socket file descriptor
 *	(SOCKOBJ_IOC_HANDOFF)
 * @ctx: the context
 * @id: the object, ESTABLISHED or PEER_CLOSING
 * @flags: 0 or SOCKOBJ_HANDOFF_NONBLOCK
 *
 * Context: process. On success the object no longer exists: its
 * undelivered records are gone, including those the library had queued.
 * Return: the new descriptor (close-on-exec), or a negative errno; after
 * -ENFILE or -ENOMEM the object is gone too (its connection closed).
 */
SOCKOBJ_EXPORT int sockobj_handoff(struct sockobj_ctx *ctx, unsigned int id,
				   unsigned int flags)
{
	struct sockobj_op op;
	int ret;

	memset(&op, 0, sizeof(op));
	op.id = id;
	op.flags = flags;
	ret = do_ioctl(ctx, SOCKOBJ_IOC_HANDOFF, &op);
	/*
	 * As for destroy: no record of the id may follow, and the id may be
	 * reused. ENFILE and ENOMEM come from the allocation of the file,
	 * after the object is gone (the connection closed with it).
	 */
	if (ret >= 0 || ret == -ENFILE || ret == -ENOMEM)
		__sockobj_queue_drop_id(ctx, id);
	return ret;
}
