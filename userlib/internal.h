/* SPDX-License-Identifier: MIT */
/*
 * libsockobj internals, shared by the library's .c files only.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_INTERNAL_H
#define _SOCKOBJ_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "sockobj.h"

/*
 * The library is built with -fvisibility=hidden; a public function is
 * marked at its definition, and libsockobj.map lists it as well.
 */
#define SOCKOBJ_EXPORT	__attribute__((visibility("default")))

/*
 * Records of other objects that sockobj_wait_state() read while waiting,
 * in the order read, kept for sockobj_read_events(): q[head .. head+len).
 * The array grows on demand up to SOCKOBJ_QUEUE_MAX records.
 *
 * efd is an eventfd that is readable exactly while len > 0 (signalled
 * says whether its counter is non-zero): every function that changes len
 * ends with queue_update(). It sits beside the device in the context's
 * epoll set, so that the descriptor users poll shows these records too.
 */
struct sockobj_queue {
	struct sockobj_event *q;
	unsigned int head;
	unsigned int len;
	unsigned int cap;
	int efd;
	bool signalled;
};

/*
 * The mapped record ring (ring.c, module API version 11): set up once
 * SOCKOBJ_IOC_RING_SETUP succeeded (setup.entries > 0: its answer, kept
 * so that a failed mmap() can be retried, the file having a ring for its
 * whole life), mapped once map is not NULL. head, tail and flags point
 * into the mapping. The module writes the slots, tail and flags; the
 * library writes head (as the kernel does for it in read() and a batch's
 * events, so head is loaded each time, never cached).
 */
struct sockobj_ring {
	struct sockobj_ring_setup setup;
	void *map;
	uint32_t *head;
	const uint32_t *tail;
	const uint32_t *flags;
	const struct sockobj_event *slots;
	uint32_t mask;
};

/*
 * fd is /dev/sockobj, always O_NONBLOCK: the library blocks in poll(),
 * never in read(), so that the blocking mode can live on pollfd. pollfd is
 * what sockobj_fd() gives: an epoll instance over fd and queue.efd, readable
 * while the kernel or the library holds a record, and whose O_NONBLOCK flag
 * is the context's blocking mode.
 */
struct sockobj_ctx {
	int fd;
	int pollfd;
	struct sockobj_queue queue;
	struct sockobj_race *races;	/* those running, see race.c */
	struct sockobj_ring ring;
};

/* event.c; hidden, but global in libsockobj.a: hence the prefix. */
void __sockobj_queue_free(struct sockobj_queue *queue);
void __sockobj_queue_drop_id(struct sockobj_ctx *ctx, unsigned int id);
int64_t __sockobj_now_ms(void);
void __sockobj_queue_keep(struct sockobj_ctx *ctx,
			  const struct sockobj_event *ev);
void __sockobj_event_from_info(struct sockobj_event *ev,
			       const struct sockobj_info *info);
int __sockobj_read_now(struct sockobj_ctx *ctx, struct sockobj_event *evs,
		       unsigned int max);
unsigned int __sockobj_queue_take(struct sockobj_ctx *ctx,
				  struct sockobj_event *evs, unsigned int max);

/*
 * ring.c: the records in the mapped ring, up to max copied to evs and
 * released (no system call; 0 without a mapping, or when head is out of
 * range, which only read() can report); how many it holds; whether the
 * module holds records for want of room (SOCKOBJ_RING_PENDING); the
 * unmapping, for sockobj_close().
 */
unsigned int __sockobj_ring_take(struct sockobj_ctx *ctx,
				 struct sockobj_event *evs, unsigned int max);
unsigned int __sockobj_ring_ready(const struct sockobj_ctx *ctx);
bool __sockobj_ring_pending(const struct sockobj_ctx *ctx);
void __sockobj_ring_unmap(struct sockobj_ctx *ctx);

/*
 * race.c: takes the records of the running races' attempts out of the n
 * read at evs, which it compacts; returns how many are left.
 */
unsigned int __sockobj_race_route(struct sockobj_ctx *ctx,
				  struct sockobj_event *evs, unsigned int n);

/*
 * EINTR policy. An ioctl that never sleeps waiting for an outside event
 * can only see EINTR from an interruptible lock or allocation, and the
 * contract guarantees that "a request that fails changes nothing": such a
 * call is simply restarted, so that a signal handler installed without
 * SA_RESTART does not turn into spurious failures. Every ioctl of API
 * version 1 is of that kind (SOCKOBJ_IOC_CONNECT returns once the attempt
 * has started). An ioctl added later that blocks until something happens
 * must not be listed in restartable(): -EINTR then reaches the caller,
 * which is the only one that can decide whether to wait again. The data
 * ioctls of 0.2 (SEND, RECV) never wait either (the kernel uses
 * MSG_DONTWAIT: no room or no data is -EAGAIN), nor does HANDOFF. read() of
 * events (event.c) follows the same rule: a blocking read is not restarted,
 * while the wait functions, which own their deadline, restart poll().
 */
static inline bool restartable(unsigned long cmd)
{
	switch (cmd) {
	case SOCKOBJ_IOC_GET_API:
	case SOCKOBJ_IOC_CREATE:
	case SOCKOBJ_IOC_DESTROY:
	case SOCKOBJ_IOC_CONFIGURE:
	case SOCKOBJ_IOC_GET_CONFIG:
	case SOCKOBJ_IOC_CONNECT:
	case SOCKOBJ_IOC_DISCONNECT:
	case SOCKOBJ_IOC_ABORT:
	case SOCKOBJ_IOC_GET_INFO:
	case SOCKOBJ_IOC_SEND:
	case SOCKOBJ_IOC_RECV:
	case SOCKOBJ_IOC_HANDOFF:
		return true;
	default:
		return false;
	}
}

/* Returns the ioctl's non-negative result or -errno; see the policy above. */
static inline int do_ioctl(const struct sockobj_ctx *ctx, unsigned long cmd,
			   void *arg)
{
	int ret;

	do {
		ret = ioctl(ctx->fd, cmd, arg);
	} while (ret < 0 && errno == EINTR && restartable(cmd));

	return ret < 0 ? -errno : ret;
}

#endif /* _SOCKOBJ_INTERNAL_H */
