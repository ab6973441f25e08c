// SPDX-License-Identifier: MIT
/*
 * sockobj-bench: raw ioctls on /dev/sockobj (no library in the way).
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int so_open(void)
{
	struct sockobj_api api;
	int fd = open("/dev/sockobj", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open /dev/sockobj: %s (is the module loaded?)", strerror(errno));
	memset(&api, 0, sizeof(api));
	if (ioctl(fd, SOCKOBJ_IOC_GET_API, &api))
		die("SOCKOBJ_IOC_GET_API: %s", strerror(errno));
	if (api.event_size != sizeof(struct sockobj_event) ||
	    !(api.features & SOCKOBJ_FEAT_BATCH) || !(api.features & SOCKOBJ_FEAT_DATA))
		die("the module lacks batch/data support or has another event size");
	return fd;
}

uint64_t so_features(int fd)
{
	struct sockobj_api api;

	memset(&api, 0, sizeof(api));
	if (ioctl(fd, SOCKOBJ_IOC_GET_API, &api))
		die("SOCKOBJ_IOC_GET_API: %s", strerror(errno));
	return api.features;
}

int so_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int so_batch(int fd, struct sockobj_batch_op *ops, uint32_t count, uint32_t *done)
{
	return so_batch_flags(fd, ops, count, 0, done);
}

int so_batch_flags(int fd, struct sockobj_batch_op *ops, uint32_t count, uint32_t flags,
		   uint32_t *done)
{
	struct sockobj_batch b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.ops = (uintptr_t)ops;
	b.count = count;
	b.flags = flags;
	ret = so_ioctl(fd, SOCKOBJ_IOC_BATCH, &b);
	if (done)
		*done = b.done;
	return ret;
}

void so_addr(struct sockobj_addr *a, const struct sockaddr_in *sin)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->port = ntohs(sin->sin_port);
	memcpy(a->addr, &sin->sin_addr, 4);
}

int so_read(int fd, struct sockobj_event *ev, int cap)
{
	ssize_t n = read(fd, ev, (size_t)cap * sizeof(*ev));

	if (n < 0)
		return -errno;
	return (int)(n / (ssize_t)sizeof(*ev));
}

int so_send(int fd, uint32_t id, const void *buf, size_t len, size_t *done)
{
	struct sockobj_io io;
	int ret;

	memset(&io, 0, sizeof(io));
	io.id = id;
	io.buf = (uintptr_t)buf;
	io.len = len;
	ret = so_ioctl(fd, SOCKOBJ_IOC_SEND, &io);
	*done = ret ? 0 : io.done;
	return ret;
}

int so_recv(int fd, uint32_t id, void *buf, size_t len, size_t *done)
{
	struct sockobj_io io;
	int ret;

	memset(&io, 0, sizeof(io));
	io.id = id;
	io.buf = (uintptr_t)buf;
	io.len = len;
	ret = so_ioctl(fd, SOCKOBJ_IOC_RECV, &io);
	*done = ret ? 0 : io.done;
	return ret;
}

int so_info(int fd, uint32_t id, struct sockobj_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = id;
	return so_ioctl(fd, SOCKOBJ_IOC_GET_INFO, info);
}

/* Op arrays are reused between calls (the benchmark is single-client). */
static struct sockobj_batch_op *ops_buf;
static struct sockobj_create *create_buf;
static size_t ops_cap, create_cap;

static struct sockobj_batch_op *get_ops(size_t n)
{
	if (n > ops_cap) {
		free(ops_buf);
		ops_buf = calloc(n, sizeof(*ops_buf));
		if (!ops_buf)
			die("calloc ops");
		ops_cap = n;
	}
	return ops_buf;
}

static struct sockobj_create *get_creates(size_t n)
{
	if (n > create_cap) {
		free(create_buf);
		create_buf = calloc(n, sizeof(*create_buf));
		if (!create_buf)
			die("calloc creates");
		create_cap = n;
	}
	return create_buf;
}

/*
 * @n objects made and configured with the target @dst (nodelay and a
 * connect timeout if given), and connected when @connect, in batches of
 * (CREATE, CONFIGURE[, CONNECT]) per object; their ids into @ids. Building
 * the op arrays is part of the timed work in the rate test (it is cheap
 * next to the ioctl, and an application has to do it too).
 */
static void open_many(int fd, const struct sockaddr_in *dst, int n, int chunk, uint32_t *ids,
		      uint32_t nodelay, uint32_t connect_timeout_ms, bool connect)
{
	static struct sockobj_config cfg;
	int i, base, per = connect ? 3 : 2;
	struct sockobj_batch_op *ops;
	struct sockobj_create *cr;
	uint32_t done;

	if (chunk <= 0 || chunk > SOCKOBJ_BATCH_MAX / per)
		chunk = SOCKOBJ_BATCH_MAX / per;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_TARGET | (nodelay ? SOCKOBJ_CFG_NODELAY : 0) |
		   (connect_timeout_ms ? SOCKOBJ_CFG_CONNECT_TIMEOUT : 0);
	cfg.nodelay = nodelay;
	cfg.connect_timeout_ms = connect_timeout_ms;
	so_addr(&cfg.target, dst);
	ops = get_ops((size_t)per * chunk);
	cr = get_creates(chunk);
	for (base = 0; base < n; base += chunk) {
		int m = n - base < chunk ? n - base : chunk;
		int ret;

		memset(ops, 0, (size_t)per * m * sizeof(*ops));
		for (i = 0; i < m; i++) {
			memset(&cr[i], 0, sizeof(cr[i]));
			cr[i].proto = SOCKOBJ_PROTO_TCP;
			cr[i].cookie = base + i;
			ops[per * i].op = SOCKOBJ_OP_CREATE;
			ops[per * i].arg = (uintptr_t)&cr[i];
			ops[per * i + 1].op = SOCKOBJ_OP_CONFIGURE;
			ops[per * i + 1].arg = (uintptr_t)&cfg;
			if (connect)
				ops[per * i + 2].op = SOCKOBJ_OP_CONNECT;
		}
		ret = so_batch(fd, ops, (uint32_t)(per * m), &done);
		if (ret)
			die("SOCKOBJ_IOC_BATCH: %s", strerror(-ret));
		for (i = 0; i < m; i++) {
			int r0 = ops[per * i].result, r1 = ops[per * i + 1].result,
			    r2 = connect ? ops[per * i + 2].result : 0;

			ids[base + i] = r0 > 0 ? (uint32_t)r0 : 0;
			if (r0 <= 0 || r1 < 0 || r2 < 0)
				die("batch op of object %d failed: create %d configure %d connect %d",
				    base + i, r0, r1, r2);
		}
	}
}

int so_open_many(int fd, const struct sockaddr_in *dst, int n, int chunk,
		 uint32_t *ids, uint32_t nodelay, uint32_t connect_timeout_ms)
{
	open_many(fd, dst, n, chunk, ids, nodelay, connect_timeout_ms, true);
	return n;
}

void so_open_many_configured(int fd, const struct sockaddr_in *dst, int n, uint32_t *ids)
{
	open_many(fd, dst, n, 0, ids, 0, 0, false);
}

void so_destroy_many(int fd, const uint32_t *ids, int n)
{
	struct sockobj_batch_op *ops;
	int base, i, chunk = 8192;

	ops = get_ops(chunk);
	for (base = 0; base < n; base += chunk) {
		int m = n - base < chunk ? n - base : chunk, k = 0, ret;

		memset(ops, 0, (size_t)m * sizeof(*ops));
		for (i = 0; i < m; i++) {
			if (!ids[base + i])
				continue;
			ops[k].op = SOCKOBJ_OP_DESTROY;
			ops[k].id = ids[base + i];
			ops[k].flags = SOCKOBJ_DESTROY_ABORT;
			k++;
		}
		if (!k)
			continue;
		ret = so_batch(fd, ops, k, NULL);
		if (ret)
			die("SOCKOBJ_IOC_BATCH destroy: %s", strerror(-ret));
	}
}

void so_ring_setup(int fd, uint32_t entries, struct so_ring *r)
{
	struct sockobj_ring_setup rs;
	char *m;
	int ret;

	if (!(so_features(fd) & SOCKOBJ_FEAT_EVENT_RING))
		die("the module has no mapped record ring (API version 11)");
	memset(&rs, 0, sizeof(rs));
	rs.entries = entries;
	ret = so_ioctl(fd, SOCKOBJ_IOC_RING_SETUP, &rs);
	if (ret)
		die("SOCKOBJ_IOC_RING_SETUP: %s", strerror(-ret));
	m = mmap(NULL, rs.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap of the ring: %s", strerror(errno));
	r->map = m;
	r->size = rs.size;
	r->head = (uint32_t *)(m + rs.head_off);
	r->tail = (uint32_t *)(m + rs.tail_off);
	r->flags = (uint32_t *)(m + rs.flags_off);
	r->slots = (struct sockobj_event *)(m + rs.events_off);
	r->mask = entries - 1;
}

void so_ring_unmap(struct so_ring *r)
{
	if (r->map)
		munmap(r->map, r->size);
	memset(r, 0, sizeof(*r));
}
