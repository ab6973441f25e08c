// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: the character device itself.
 *
 * open/close, SOCKOBJ_IOC_GET_API, the ioctl numbers (API version 1's still
 * served), every validation error of the ioctls
 * (reserved and pad bytes, unknown flags, bad pointers, unknown ioctls,
 * unknown ids), read() semantics (short buffer, O_NONBLOCK, signals, partial
 * reads, -EFAULT keeps the record), many files at once, and closing a file
 * while other threads read from it or hammer it with ioctls.
 *
 * Each test runs in its own network namespace with lo up; records are
 * produced by connecting to a port of 127.0.0.1 that has no listener
 * (CONNECTING, then CLOSED/REFUSED).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <termios.h>

#include "sotest.h"

#define REFUSED_PORT	9	/* nothing listens there */
#define COOKIE		0x5eed0000cafe0001ULL

/* Every ioctl of the contract, with its argument size. */
static const struct {
	const char *name;
	unsigned long cmd;
	size_t size;
} all_ioctls[] = {
	{ "GET_API", SOCKOBJ_IOC_GET_API, sizeof(struct sockobj_api) },
	{ "CREATE", SOCKOBJ_IOC_CREATE, sizeof(struct sockobj_create) },
	{ "DESTROY", SOCKOBJ_IOC_DESTROY, sizeof(struct sockobj_op) },
	{ "CONFIGURE", SOCKOBJ_IOC_CONFIGURE, sizeof(struct sockobj_config) },
	{ "GET_CONFIG", SOCKOBJ_IOC_GET_CONFIG, sizeof(struct sockobj_config) },
	{ "CONNECT", SOCKOBJ_IOC_CONNECT, sizeof(struct sockobj_op) },
	{ "DISCONNECT", SOCKOBJ_IOC_DISCONNECT, sizeof(struct sockobj_op) },
	{ "ABORT", SOCKOBJ_IOC_ABORT, sizeof(struct sockobj_op) },
	{ "GET_INFO", SOCKOBJ_IOC_GET_INFO, sizeof(struct sockobj_info) },
#ifdef SOCKOBJ_IOC_SEND
	{ "SEND", SOCKOBJ_IOC_SEND, sizeof(struct sockobj_io) },
#endif
#ifdef SOCKOBJ_IOC_RECV
	{ "RECV", SOCKOBJ_IOC_RECV, sizeof(struct sockobj_io) },
#endif
#ifdef SOCKOBJ_IOC_HANDOFF
	{ "HANDOFF", SOCKOBJ_IOC_HANDOFF, sizeof(struct sockobj_op) },
#endif
};

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = -1;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", SO_DEV_PATH,
				      strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	so_close(self->fd);
}

/* An object targeting a closed port of 127.0.0.1 */
static __u32 new_refused(struct __test_metadata *_metadata, int fd,
			 __u64 cookie)
{
	__u32 id = 0;

	ASSERT_EQ(0, so_new(fd, cookie, "127.0.0.1", REFUSED_PORT, &id));
	ASSERT_NE(0U, id);
	return id;
}

/* Connect it and wait until CLOSED, without reading: 2 records pending */
static void refused_attempt(struct __test_metadata *_metadata, int fd,
			    __u32 id)
{
	ASSERT_EQ(0, so_connect(fd, id));
	ASSERT_EQ(0, so_wait_state(fd, id, SOCKOBJ_STATE_CLOSED, so_tmo(5000)));
}

#define EXPECT_REFUSED_EVENTS(fd, id, cookie)				\
	ASSERT_EVENTS(fd, id, cookie, so_tmo(5000),			\
		      EV(CONNECTING, CLOSED),				\
		      EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED))

/* --------------------------------------------------------------------- */

TEST_F(dev, struct_layout)
{
	/* sizes (also static asserts in lib/sotest.h) */
	EXPECT_EQ(56UL, sizeof(struct sockobj_api));
	EXPECT_EQ(24UL, sizeof(struct sockobj_addr));
	EXPECT_EQ(40UL, sizeof(struct sockobj_create));
	EXPECT_EQ(152UL, sizeof(struct sockobj_config));
	EXPECT_EQ(24UL, sizeof(struct sockobj_op));
	EXPECT_EQ(168UL, sizeof(struct sockobj_info));
	EXPECT_EQ(64UL, sizeof(struct sockobj_event));
	/* a few offsets that would move with implicit padding */
	EXPECT_EQ(8UL, offsetof(struct sockobj_api, features));
	EXPECT_EQ(32UL, offsetof(struct sockobj_api, reserved[1]));
	EXPECT_EQ(8UL, offsetof(struct sockobj_create, cookie));
	EXPECT_EQ(16UL, offsetof(struct sockobj_create, id));
	EXPECT_EQ(16UL, offsetof(struct sockobj_config, target));
	EXPECT_EQ(40UL, offsetof(struct sockobj_config, local));
	EXPECT_EQ(64UL, offsetof(struct sockobj_config, ifindex));
	EXPECT_EQ(72UL, offsetof(struct sockobj_config, ifname));
	EXPECT_EQ(8UL, offsetof(struct sockobj_op, reserved));
	EXPECT_EQ(32UL, offsetof(struct sockobj_info, local));
	EXPECT_EQ(80UL, offsetof(struct sockobj_info, ifindex));
	EXPECT_EQ(88UL, offsetof(struct sockobj_info, created_ns));
	EXPECT_EQ(16UL, offsetof(struct sockobj_event, seq));
	EXPECT_EQ(32UL, offsetof(struct sockobj_event, state));
	EXPECT_EQ(52UL, offsetof(struct sockobj_event, merged));
	EXPECT_EQ(56UL, offsetof(struct sockobj_event, attempt));
	EXPECT_EQ(60UL, offsetof(struct sockobj_event, retry_ms));
	EXPECT_EQ(152UL, offsetof(struct sockobj_info, retry_at_ns));
	EXPECT_EQ(164UL, offsetof(struct sockobj_info, retries));
	EXPECT_EQ(40UL, offsetof(struct sockobj_retry, reserved));
	/* the last field closes every struct: nothing (no padding) after it */
	EXPECT_EQ(sizeof(struct sockobj_api),
		  offsetof(struct sockobj_api, reserved) +
		  sizeof(((struct sockobj_api *)0)->reserved));
	EXPECT_EQ(sizeof(struct sockobj_create),
		  offsetof(struct sockobj_create, reserved) +
		  sizeof(((struct sockobj_create *)0)->reserved));
	EXPECT_EQ(sizeof(struct sockobj_config),
		  offsetof(struct sockobj_config, reserved) +
		  sizeof(((struct sockobj_config *)0)->reserved));
	EXPECT_EQ(sizeof(struct sockobj_op),
		  offsetof(struct sockobj_op, reserved) +
		  sizeof(((struct sockobj_op *)0)->reserved));
	EXPECT_EQ(sizeof(struct sockobj_info),
		  offsetof(struct sockobj_info, retries) + sizeof(__u32));
	EXPECT_EQ(sizeof(struct sockobj_event),
		  offsetof(struct sockobj_event, retry_ms) + sizeof(__u32));
	EXPECT_EQ(sizeof(struct sockobj_retry),
		  offsetof(struct sockobj_retry, reserved) +
		  sizeof(((struct sockobj_retry *)0)->reserved));
	/* ioctl numbers are fixed forever: GET_API's since version 1 */
	EXPECT_EQ(0xC038B800UL, (unsigned long)SOCKOBJ_IOC_GET_API);
	EXPECT_EQ(0xB8U, _IOC_TYPE(SOCKOBJ_IOC_GET_API));
	EXPECT_EQ(0x00U, _IOC_NR(SOCKOBJ_IOC_GET_API));
	EXPECT_EQ(0xBBU, _IOC_TYPE(SOCKOBJ_IOC_GET_INFO));
	EXPECT_EQ(0x08U, _IOC_NR(SOCKOBJ_IOC_GET_INFO));
}

TEST_F(dev, open_close)
{
	struct sockobj_info info;
	int i, fd, fd2;
	__u32 id = 0;

	for (i = 0; i < 100; i++) {
		fd = so_open(0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, close(fd));
	}
	/* two files at once are independent contexts */
	fd = so_open(0);
	fd2 = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, 1, &id));
	/* the id of one file does not exist in the other, which has none */
	EXPECT_EQ(-ENOENT, so_get_info(fd2, id, &info));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, close(fd2));
}

TEST_F(dev, get_api)
{
	struct sockobj_api api;

	ASSERT_EQ(0, so_get_api(self->fd, &api));
	EXPECT_EQ(U32(SOCKOBJ_API_VERSION), api.api_version);
	EXPECT_EQ(11U, api.api_version);
	EXPECT_NE(0ULL, api.features & SOCKOBJ_FEAT_EVENT_RING);
	EXPECT_NE(0ULL, api.features & SOCKOBJ_FEAT_BATCH_RECV);
	EXPECT_NE(0ULL, api.features & SOCKOBJ_FEAT_BATCH_WAIT);
	EXPECT_NE(0ULL, api.features & SOCKOBJ_FEAT_BATCH_VEC);
	EXPECT_EQ(sizeof(struct sockobj_event), api.event_size);
	EXPECT_EQ(SOCKOBJ_FEAT_TCP | SOCKOBJ_FEAT_EVENTS,
		  api.features & (SOCKOBJ_FEAT_TCP | SOCKOBJ_FEAT_EVENTS));
	EXPECT_EQ(0ULL, api.features & ~SO_FEAT_KNOWN);
	EXPECT_LT(0U, api.max_objects);
	EXPECT_EQ(0U, api.pad);
	EXPECT_EQ(0ULL, api.reserved[0]);
	EXPECT_EQ(0ULL, api.reserved[1]);
	EXPECT_EQ(0ULL, api.reserved[2]);
	EXPECT_EQ(0ULL, api.reserved[3]);
}

/* GET_API: the caller zeroes the whole struct; any non-zero byte: EINVAL */
TEST_F(dev, get_api_nonzero_input)
{
	size_t off;

	for (off = 0; off < sizeof(struct sockobj_api); off++) {
		union {
			struct sockobj_api api;
			unsigned char b[sizeof(struct sockobj_api)];
		} u;

		memset(&u, 0, sizeof(u));
		u.b[off] = 0x01;
		EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_GET_API, &u))
			TH_LOG("non-zero byte at offset %zu", off);
	}
}

TEST_F(dev, create_and_info)
{
	struct sockobj_info info;
	uint64_t before = so_now_ns(), after;
	__u32 id = 0, id2 = 0;

	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, COOKIE, &id));
	after = so_now_ns();
	EXPECT_NE(0U, id);
	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, COOKIE + 1, &id2));
	EXPECT_NE(0U, id2);
	EXPECT_NE(id, id2);

	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(U32(SOCKOBJ_PROTO_TCP), info.proto);
	EXPECT_EQ(COOKIE, info.cookie);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), info.state);
	EXPECT_EQ(U32(SOCKOBJ_REASON_NONE), info.reason);
	EXPECT_EQ(0U, info.phase);
	EXPECT_EQ(0, info.error);
	EXPECT_EQ(0, info.local.family);
	EXPECT_EQ(0, info.remote.family);
	EXPECT_EQ(0U, info.ifindex);
	EXPECT_EQ(0U, info.pending);
	EXPECT_LE(before, info.created_ns);
	EXPECT_GE(after, info.created_ns);
	EXPECT_EQ(0ULL, info.connect_ns);
	EXPECT_EQ(0ULL, info.established_ns);
	EXPECT_EQ(0ULL, info.closed_ns);
	EXPECT_EQ(0ULL, info.retry_at_ns);
	EXPECT_EQ(0U, info.attempt);
	EXPECT_EQ(0U, info.retries);

	/* no record for a creation */
	ASSERT_NO_EVENT(self->fd, 0, 100);

	/* destroy releases the id */
	ASSERT_EQ(0, so_destroy(self->fd, id, 0));
	EXPECT_EQ(-ENOENT, so_get_info(self->fd, id, &info));
	EXPECT_EQ(-ENOENT, so_destroy(self->fd, id, 0));
	ASSERT_EQ(0, so_get_info(self->fd, id2, &info));
	EXPECT_EQ(COOKIE + 1, info.cookie);
}

TEST_F(dev, create_validation)
{
	/* UDP is reserved unless GET_API advertises it (later versions) */
	static __u32 bad_protos[] = { 0, 3, 255, 0xffffffff,
				      SOCKOBJ_PROTO_UDP };
	unsigned int i, nbad = ARRAY_SIZE(bad_protos);
	struct sockobj_create c;
	struct sockobj_info info;
	struct sockobj_api api;

	ASSERT_EQ(0, so_get_api(self->fd, &api));
	if (api.features & SO_FEAT_UDP_)
		nbad--;

	for (i = 0; i < 32; i++) {
		memset(&c, 0, sizeof(c));
		c.proto = SOCKOBJ_PROTO_TCP;
		c.flags = 1U << i;
		EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_CREATE, &c))
			TH_LOG("flags bit %u", i);
	}
	memset(&c, 0, sizeof(c));
	c.proto = SOCKOBJ_PROTO_TCP;
	c.pad = 1;
	EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_CREATE, &c));
	for (i = 0; i < 2; i++) {
		memset(&c, 0, sizeof(c));
		c.proto = SOCKOBJ_PROTO_TCP;
		c.reserved[i] = 1ULL << 63;
		EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_CREATE, &c))
			TH_LOG("reserved[%u]", i);
	}
	for (i = 0; i < nbad; i++) {
		memset(&c, 0, sizeof(c));
		c.proto = bad_protos[i];
		EXPECT_EQ(-EPROTONOSUPPORT,
			  so_ioctl(self->fd, SOCKOBJ_IOC_CREATE, &c))
			TH_LOG("proto %u", bad_protos[i]);
	}
	/* A request that fails changes nothing: no object came to life. */
	for (i = 1; i <= 1024; i++)
		ASSERT_EQ(-ENOENT, so_get_info(self->fd, i, &info))
			TH_LOG("object %u exists after failed creates", i);
}

/*
 * CREATE ignores what its output field, id, holds on input: one struct
 * makes object after object as it comes back.
 */
TEST_F(dev, create_ignores_the_id_it_is_given)
{
	struct sockobj_create c = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 5 };
	struct sockobj_info info;
	__u32 first;

	c.id = 0xdeadbeef;
	ASSERT_EQ(0, so_ioctl(self->fd, SOCKOBJ_IOC_CREATE, &c));
	ASSERT_NE(0U, c.id);
	ASSERT_NE(0xdeadbeefU, c.id);
	first = c.id;
	ASSERT_EQ(0, so_ioctl(self->fd, SOCKOBJ_IOC_CREATE, &c));
	ASSERT_NE(0U, c.id);
	EXPECT_NE(first, c.id);
	ASSERT_EQ(0, so_get_info(self->fd, first, &info));
	EXPECT_EQ(5ULL, info.cookie);
	ASSERT_EQ(0, so_get_info(self->fd, c.id, &info));
	EXPECT_EQ(5ULL, info.cookie);
	EXPECT_EQ(-ENOENT, so_get_info(self->fd, 0xdeadbeef, &info));
}

/* CONFIGURE / GET_CONFIG: flags and reserved */
TEST_F(dev, config_validation)
{
	struct sockobj_config cfg, before, after;
	__u32 id = new_refused(_metadata, self->fd, COOKIE);
	union {
		struct sockobj_config c;
		unsigned char b[sizeof(struct sockobj_config)];
	} u;
	unsigned int i;
	size_t off;

	ASSERT_EQ(0, so_get_config(self->fd, id, &before));

	/* nothing to set */
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	EXPECT_EQ(-EINVAL, so_configure(self->fd, &cfg));

	for (i = 0; i < 32; i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.id = id;
		cfg.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
		cfg.connect_timeout_ms = 1234;
		cfg.flags = 1U << i;
		EXPECT_EQ(-EINVAL, so_configure(self->fd, &cfg))
			TH_LOG("flags bit %u", i);
	}
	for (i = 0; i < ARRAY_SIZE(cfg.reserved); i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.id = id;
		cfg.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
		cfg.connect_timeout_ms = 1234;
		cfg.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, so_configure(self->fd, &cfg))
			TH_LOG("reserved[%u]", i);
	}
	ASSERT_EQ(0, so_get_config(self->fd, id, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));

	/* GET_CONFIG: id in, everything else zero */
	for (off = sizeof(__u32); off < sizeof(u); off++) {
		memset(&u, 0, sizeof(u));
		u.c.id = id;
		u.b[off] = 0x01;
		EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_GET_CONFIG,
					    &u))
			TH_LOG("GET_CONFIG non-zero byte at %zu", off);
	}
}

/* CONNECT, DISCONNECT, ABORT, DESTROY: unknown flags and reserved */
TEST_F(dev, op_validation)
{
	static const struct {
		const char *name;
		unsigned long cmd;
		__u32 valid_flags;
	} ops[] = {
		{ "CONNECT", SOCKOBJ_IOC_CONNECT, 0 },
		{ "DISCONNECT", SOCKOBJ_IOC_DISCONNECT, 0 },
		{ "ABORT", SOCKOBJ_IOC_ABORT, 0 },
		{ "DESTROY", SOCKOBJ_IOC_DESTROY, SOCKOBJ_DESTROY_F_ALL },
	};
	__u32 id = new_refused(_metadata, self->fd, COOKIE);
	struct sockobj_info info;
	struct sockobj_op op;
	unsigned int i, b;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (b = 0; b < 32; b++) {
			if (ops[i].valid_flags & (1U << b))
				continue;
			memset(&op, 0, sizeof(op));
			op.id = id;
			op.flags = 1U << b;
			EXPECT_EQ(-EINVAL, so_ioctl(self->fd, ops[i].cmd, &op))
				TH_LOG("%s flags bit %u", ops[i].name, b);
		}
		for (b = 0; b < 2; b++) {
			memset(&op, 0, sizeof(op));
			op.id = id;
			op.reserved[b] = 1;
			EXPECT_EQ(-EINVAL, so_ioctl(self->fd, ops[i].cmd, &op))
				TH_LOG("%s reserved[%u]", ops[i].name, b);
		}
	}
	/* nothing happened: still CLOSED/NONE, no record, still there */
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), info.state);
	EXPECT_EQ(U32(SOCKOBJ_REASON_NONE), info.reason);
	EXPECT_EQ(0ULL, info.connect_ns);
	ASSERT_NO_EVENT(self->fd, 0, 200);
}

TEST_F(dev, info_validation)
{
	__u32 id = new_refused(_metadata, self->fd, COOKIE);
	struct sockobj_info info;
	unsigned int i;

	/* Every field but id is output: any non-zero byte is refused. */
	for (i = 0; i < sizeof(info); i++) {
		memset(&info, 0, sizeof(info));
		info.id = id;
		if (i < sizeof(info.id))
			continue;
		((unsigned char *)&info)[i] = 1;
		EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_GET_INFO,
					    &info))
			TH_LOG("byte %u", i);
	}
}

/* NULL, unmapped, partially mapped and read-only arguments: EFAULT */
TEST_F(dev, bad_pointers)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct sockobj_info info, *p;
	struct sockobj_create *c;
	unsigned char *map, *ro;
	unsigned int i;
	__u32 id;

	/* page 0 read-write, page 1 PROT_NONE */
	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + pg, pg, PROT_NONE));
	memset(map, 0, pg);
	/* a zeroed read-only page */
	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);

	for (i = 0; i < sizeof(all_ioctls) / sizeof(all_ioctls[0]); i++) {
		unsigned long cmd = all_ioctls[i].cmd;
		size_t sz = all_ioctls[i].size;

		EXPECT_EQ(-EFAULT, so_ioctl(self->fd, cmd, NULL))
			TH_LOG("%s NULL", all_ioctls[i].name);
		EXPECT_EQ(-EFAULT, so_ioctl(self->fd, cmd, map + pg))
			TH_LOG("%s PROT_NONE", all_ioctls[i].name);
		/* the struct straddles the end of the readable page */
		EXPECT_EQ(-EFAULT, so_ioctl(self->fd, cmd, map + pg - sz / 2))
			TH_LOG("%s straddling", all_ioctls[i].name);
		EXPECT_EQ(-EFAULT, so_ioctl(self->fd, cmd,
					    (void *)-4096L))
			TH_LOG("%s kernel address", all_ioctls[i].name);
	}

	/* the struct is readable but the result cannot be written back */
	EXPECT_EQ(-EFAULT, so_ioctl(self->fd, SOCKOBJ_IOC_GET_API, ro));

	/*
	 * CREATE into read-only memory holding a valid request: the object
	 * must not survive the failed copy of its id ("a request that fails
	 * changes nothing").
	 */
	c = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, c);
	memset(c, 0, sizeof(*c));
	c->proto = SOCKOBJ_PROTO_TCP;
	ASSERT_EQ(0, mprotect(c, pg, PROT_READ));
	EXPECT_EQ(-EFAULT, so_ioctl(self->fd, SOCKOBJ_IOC_CREATE, c));
	for (i = 1; i <= 1024; i++)
		ASSERT_EQ(-ENOENT, so_get_info(self->fd, i, &info))
			TH_LOG("object %u exists after a CREATE that failed with EFAULT",
			       i);
	munmap(c, pg);

	/* GET_INFO into read-only memory holding a valid request */
	id = new_refused(_metadata, self->fd, COOKIE);
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0, sizeof(*p));
	p->id = id;
	ASSERT_EQ(0, mprotect(p, pg, PROT_READ));
	EXPECT_EQ(-EFAULT, so_ioctl(self->fd, SOCKOBJ_IOC_GET_INFO, p));
	munmap(p, pg);

	/* the file still works */
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(COOKIE, info.cookie);
	munmap(map, 2 * pg);
	munmap(ro, pg);
}

/*
 * A program built for API version 1 used magic 0xB8 for every ioctl: the
 * same numbers, sizes and directions under it still work.
 */
#define V1(cmd) _IOC(_IOC_DIR(cmd), SOCKOBJ_IOC_API_MAGIC, _IOC_NR(cmd), \
		     _IOC_SIZE(cmd))

TEST_F(dev, api_version_1_numbers_still_work)
{
	struct sockobj_create c = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 7 };
	struct sockobj_info info = {};
	struct sockobj_op op = {};

	ASSERT_EQ(0, so_ioctl(self->fd, V1(SOCKOBJ_IOC_CREATE), &c));
	ASSERT_NE(0U, c.id);
	info.id = c.id;
	ASSERT_EQ(0, so_ioctl(self->fd, V1(SOCKOBJ_IOC_GET_INFO), &info));
	EXPECT_EQ(7ULL, info.cookie);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), info.state);
	op.id = c.id;
	EXPECT_EQ(-EDESTADDRREQ, so_ioctl(self->fd, V1(SOCKOBJ_IOC_CONNECT), &op));
	EXPECT_EQ(0, so_ioctl(self->fd, V1(SOCKOBJ_IOC_DESTROY), &op));
	EXPECT_EQ(-ENOENT, so_get_info(self->fd, c.id, &info));
}

/* Unknown ioctls: ENOTTY, whatever the argument */
TEST_F(dev, unknown_ioctls)
{
	static const struct {
		const char *what;
		unsigned long cmd;
	} bad[] = {
		/* same magic, unused numbers (from the top of 0x00-0x3F, which
		 * later versions fill from the bottom) */
		{ "nr 0x3e", _IOWR(SOCKOBJ_IOC_MAGIC, 0x3e, struct sockobj_op) },
		{ "nr 0x3d _IO", _IO(SOCKOBJ_IOC_MAGIC, 0x3d) },
		{ "nr 0x30", _IOR(SOCKOBJ_IOC_MAGIC, 0x30, __u32) },
		{ "nr 0x3f", _IOWR(SOCKOBJ_IOC_MAGIC, 0x3f, struct sockobj_info) },
		{ "nr 0x40", _IOWR(SOCKOBJ_IOC_MAGIC, 0x40, struct sockobj_api) },
		{ "nr 0xff", _IOW(SOCKOBJ_IOC_MAGIC, 0xff, struct sockobj_op) },
		/* other magic, known numbers and sizes */
		{ "magic 0xb7", _IOWR(0xB7, 0x00, struct sockobj_api) },
		{ "magic 0xb9", _IOWR(0xB9, 0x01, struct sockobj_create) },
		{ "magic 0xbb GET_API", _IOWR(SOCKOBJ_IOC_MAGIC, 0x00, struct sockobj_api) },
		/* API version 1's numbers: the same rules */
		{ "v1 nr 0x3e", _IOWR(SOCKOBJ_IOC_API_MAGIC, 0x3e, struct sockobj_op) },
		{ "v1 CREATE size", _IOWR(SOCKOBJ_IOC_API_MAGIC, 0x01, __u64) },
		{ "v1 CONNECT dir", _IOR(SOCKOBJ_IOC_API_MAGIC, 0x05, struct sockobj_op) },
		{ "magic T", _IOW('T', 0x05, struct sockobj_op) },
		{ "TCGETS", TCGETS },
		/* known numbers, wrong size */
		{ "GET_API size", _IOWR(SOCKOBJ_IOC_API_MAGIC, 0x00, struct sockobj_op) },
		{ "GET_API size 0", _IO(SOCKOBJ_IOC_API_MAGIC, 0x00) },
		{ "CREATE size", _IOWR(SOCKOBJ_IOC_MAGIC, 0x01, __u64) },
		{ "DESTROY size", _IOW(SOCKOBJ_IOC_MAGIC, 0x02, struct sockobj_api) },
		{ "CONFIGURE size", _IOW(SOCKOBJ_IOC_MAGIC, 0x03, struct sockobj_info) },
		{ "GET_CONFIG size", _IOWR(SOCKOBJ_IOC_MAGIC, 0x04, struct sockobj_op) },
		{ "CONNECT size", _IOW(SOCKOBJ_IOC_MAGIC, 0x05, struct sockobj_config) },
		{ "DISCONNECT size", _IOW(SOCKOBJ_IOC_MAGIC, 0x06, __u32) },
		{ "ABORT size", _IOW(SOCKOBJ_IOC_MAGIC, 0x07, struct sockobj_create) },
		{ "GET_INFO size", _IOWR(SOCKOBJ_IOC_MAGIC, 0x08, struct sockobj_config) },
		/* known numbers and sizes, wrong direction */
		{ "GET_API dir", _IOR(SOCKOBJ_IOC_API_MAGIC, 0x00, struct sockobj_api) },
		{ "CREATE dir", _IOW(SOCKOBJ_IOC_MAGIC, 0x01, struct sockobj_create) },
		{ "DESTROY dir", _IOWR(SOCKOBJ_IOC_MAGIC, 0x02, struct sockobj_op) },
		{ "CONNECT dir", _IOR(SOCKOBJ_IOC_MAGIC, 0x05, struct sockobj_op) },
		{ "GET_INFO dir", _IOW(SOCKOBJ_IOC_MAGIC, 0x08, struct sockobj_info) },
	};
	/* a zeroed argument big enough for anything */
	__u64 arg[64];
	struct sockobj_info info;
	unsigned int i;
	__u32 id = new_refused(_metadata, self->fd, COOKIE);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(arg, 0, sizeof(arg));
		EXPECT_EQ(-ENOTTY, so_ioctl(self->fd, bad[i].cmd, arg))
			TH_LOG("%s (0x%lx)", bad[i].what, bad[i].cmd);
		/* with an id in the first word too */
		arg[0] = id;
		EXPECT_EQ(-ENOTTY, so_ioctl(self->fd, bad[i].cmd, arg))
			TH_LOG("%s (0x%lx) with an id", bad[i].what, bad[i].cmd);
		EXPECT_EQ(-ENOTTY, so_ioctl(self->fd, bad[i].cmd, NULL))
			TH_LOG("%s (0x%lx) NULL", bad[i].what, bad[i].cmd);
	}
	EXPECT_EQ(0, isatty(self->fd));
	EXPECT_EQ(ENOTTY, errno);
	/* nothing happened to the object */
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), info.state);
	EXPECT_EQ(0ULL, info.connect_ns);
	ASSERT_NO_EVENT(self->fd, 0, 100);
}

/* Unknown ids, id 0 and destroyed ids: ENOENT from every per-object ioctl */
TEST_F(dev, unknown_ids)
{
	struct sockobj_config cfg;
	struct sockobj_info info;
	__u32 ids[4];
	unsigned int i;
	__u32 live = new_refused(_metadata, self->fd, COOKIE);
	__u32 dead = new_refused(_metadata, self->fd, COOKIE);

	ASSERT_EQ(0, so_destroy(self->fd, dead, 0));
	ids[0] = 0;
	ids[1] = dead;
	ids[2] = live + dead + 1000;
	ids[3] = 0xffffffff;

	for (i = 0; i < 4; i++) {
		__u32 id = ids[i];

		memset(&cfg, 0, sizeof(cfg));
		cfg.id = id;
		cfg.mask = SOCKOBJ_CFG_TARGET;
		ASSERT_EQ(0, so_addr(&cfg.target, "127.0.0.1", 80));
		EXPECT_EQ(-ENOENT, so_configure(self->fd, &cfg))
			TH_LOG("CONFIGURE id %u", id);
		EXPECT_EQ(-ENOENT, so_get_config(self->fd, id, &cfg))
			TH_LOG("GET_CONFIG id %u", id);
		EXPECT_EQ(-ENOENT, so_connect(self->fd, id))
			TH_LOG("CONNECT id %u", id);
		EXPECT_EQ(-ENOENT, so_disconnect(self->fd, id))
			TH_LOG("DISCONNECT id %u", id);
		EXPECT_EQ(-ENOENT, so_abort(self->fd, id))
			TH_LOG("ABORT id %u", id);
		EXPECT_EQ(-ENOENT, so_destroy(self->fd, id, 0))
			TH_LOG("DESTROY id %u", id);
		EXPECT_EQ(-ENOENT, so_destroy(self->fd, id,
					      SOCKOBJ_DESTROY_ABORT))
			TH_LOG("DESTROY(ABORT) id %u", id);
		EXPECT_EQ(-ENOENT, so_get_info(self->fd, id, &info))
			TH_LOG("GET_INFO id %u", id);
	}
	ASSERT_EQ(0, so_get_info(self->fd, live, &info));
	ASSERT_NO_EVENT(self->fd, 0, 100);
}

/* --------------------------------------------------------------------- */
/* read()                                                                 */
/* --------------------------------------------------------------------- */

TEST_F(dev, read_short_buffer)
{
	unsigned char buf[sizeof(struct sockobj_event)];
	__u32 id = new_refused(_metadata, self->fd, COOKIE);
	struct sockobj_info info;
	int fl;

	/* nothing pending, non-blocking: the size is wrong, not EAGAIN */
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf) - 1));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl));

	/* records pending: a short buffer still gets EINVAL and loses none */
	refused_attempt(_metadata, self->fd, id);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(2U, info.pending);
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, buf, 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf) - 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, buf, 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(2U, info.pending);
	EXPECT_REFUSED_EVENTS(self->fd, id, COOKIE);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(0U, info.pending);
}

TEST_F(dev, read_nonblock_empty)
{
	struct sockobj_event ev[2];
	struct pollfd pfd;
	int fd;

	fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, read(fd, ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	pfd.fd = fd;
	pfd.events = POLLIN | POLLRDNORM;
	pfd.revents = 0;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* and an fd made non-blocking with fcntl */
	errno = 0;
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(self->fd, ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	/* with an object that has produced nothing */
	new_refused(_metadata, fd, COOKIE);
	errno = 0;
	EXPECT_EQ(-1, read(fd, ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal++;
}

static void set_handler(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* SIGALRM in @ms, and with @every_ms again and again until disarmed */
static void arm_timer_ms(int ms, int every_ms)
{
	struct itimerval it = {
		{ every_ms / 1000, (every_ms % 1000) * 1000 },
		{ ms / 1000, (ms % 1000) * 1000 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * The alarm repeats: a test descheduled past the first one (a loaded debug
 * kernel) still has its read interrupted by the next, where a single one
 * would leave the read of an idle object waiting for ever.
 */
TEST_F(dev, read_interrupted)
{
	struct sockobj_event ev[4];
	uint64_t t0;
	ssize_t n;
	int err;

	new_refused(_metadata, self->fd, COOKIE);	/* idle object */
	got_signal = 0;
	set_handler(SIGALRM, 0);	/* no SA_RESTART */
	t0 = so_now_ns();
	arm_timer_ms(300, 300);
	errno = 0;
	n = read(self->fd, ev, sizeof(ev));
	err = errno;
	arm_timer_ms(0, 0);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINTR, err);
	EXPECT_LE(1, got_signal);
	EXPECT_LE(250000000ULL, so_now_ns() - t0);
}

struct delayed_connect {
	int fd;
	__u32 id;
	unsigned int delay_ms;
	int ret;
};

static void *delayed_connect_fn(void *p)
{
	struct delayed_connect *d = p;

	so_sleep_ms(d->delay_ms);
	d->ret = so_connect(d->fd, d->id);
	return NULL;
}

/* With SA_RESTART the read restarts and returns the record that follows */
TEST_F(dev, read_restarted)
{
	struct delayed_connect d = { .fd = self->fd, .delay_ms = 600 };
	struct sockobj_event ev[4];
	pthread_t th;
	ssize_t n;

	d.id = new_refused(_metadata, self->fd, COOKIE);
	got_signal = 0;
	set_handler(SIGALRM, SA_RESTART);
	ASSERT_EQ(0, pthread_create(&th, NULL, delayed_connect_fn, &d));
	arm_timer_ms(150, 0);
	n = read(self->fd, ev, sizeof(ev));
	pthread_join(th, NULL);
	ASSERT_EQ(0, d.ret);
	EXPECT_EQ(1, got_signal);
	ASSERT_LE(SO_EV_SIZE, n) TH_LOG("read: %s", strerror(errno));
	EXPECT_EQ(0, n % SO_EV_SIZE);
	EXPECT_EQ(d.id, ev[0].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].state);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), ev[0].prev_state);
}

/* A blocking read sleeps until the first record, then returns at once */
TEST_F(dev, read_blocks_until_record)
{
	struct delayed_connect d = { .fd = self->fd, .delay_ms = 300 };
	struct sockobj_event ev[8];
	pthread_t th;
	uint64_t t0;
	ssize_t n;

	d.id = new_refused(_metadata, self->fd, COOKIE);
	ASSERT_EQ(0, pthread_create(&th, NULL, delayed_connect_fn, &d));
	t0 = so_now_ns();
	n = read(self->fd, ev, sizeof(ev));
	pthread_join(th, NULL);
	ASSERT_EQ(0, d.ret);
	EXPECT_LE(250000000ULL, so_now_ns() - t0);
	/* CONNECTING at least; with loopback CLOSED may already be there */
	ASSERT_LE(SO_EV_SIZE, n);
	ASSERT_GE(2 * SO_EV_SIZE, n);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].state);
	if (n == SO_EV_SIZE)
		ASSERT_EVENTS(self->fd, d.id, COOKIE, so_tmo(5000),
			      EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED));
	else
		EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), ev[1].state);
}

/* read() returns as many whole records as fit, and never blocks for more */
TEST_F(dev, read_partial)
{
	__u32 id = new_refused(_metadata, self->fd, COOKIE);
	struct sockobj_event ev[10];
	unsigned char buf[SO_EV_SIZE * 3 / 2];
	struct sockobj_event first;
	ssize_t n;

	refused_attempt(_metadata, self->fd, id);
	n = read(self->fd, buf, sizeof(buf));
	ASSERT_EQ(SO_EV_SIZE, n);
	memcpy(&first, buf, sizeof(first));
	EXPECT_EQ(id, first.id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), first.state);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), first.prev_state);
	EXPECT_EQ(COOKIE, first.cookie);
	EXPECT_EQ(1U, first.merged);
	/* blocking fd, room for 10, one pending: returns one at once */
	n = read(self->fd, ev, sizeof(ev));
	ASSERT_EQ(SO_EV_SIZE, n);
	EXPECT_EQ(id, ev[0].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), ev[0].state);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].prev_state);
	EXPECT_EQ(U32(SOCKOBJ_REASON_REFUSED), ev[0].reason);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].phase);
	EXPECT_EQ(ECONNREFUSED, ev[0].error);
	EXPECT_EQ(first.seq + 1, ev[0].seq);
	EXPECT_LE(first.timestamp_ns, ev[0].timestamp_ns);
	ASSERT_NO_EVENT(self->fd, 0, 50);
}

/* A failed copy to userspace loses nothing */
TEST_F(dev, read_efault_keeps_records)
{
	long pg = sysconf(_SC_PAGESIZE);
	__u32 id = new_refused(_metadata, self->fd, COOKIE);
	/* volatile: keep the compiler from seeing the NULL */
	void *volatile null_buf = NULL;
	struct sockobj_info info;
	void *none, *ro;

	none = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	ASSERT_NE(MAP_FAILED, ro);
	refused_attempt(_metadata, self->fd, id);

	errno = 0;
	EXPECT_EQ(-1, read(self->fd, null_buf, 4 * SO_EV_SIZE));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, none, 4 * SO_EV_SIZE));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, ro, 4 * SO_EV_SIZE));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(2U, info.pending);
	EXPECT_REFUSED_EVENTS(self->fd, id, COOKIE);
	munmap(none, pg);
	munmap(ro, pg);
}

/* DESTROY discards the undelivered records; no record of that id follows */
TEST_F(dev, destroy_discards_records)
{
	__u32 a = new_refused(_metadata, self->fd, COOKIE);
	__u32 b = new_refused(_metadata, self->fd, COOKIE + 1);
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct sockobj_info info;

	refused_attempt(_metadata, self->fd, a);
	refused_attempt(_metadata, self->fd, b);
	ASSERT_EQ(0, so_get_info(self->fd, a, &info));
	EXPECT_EQ(2U, info.pending);
	ASSERT_EQ(0, so_destroy(self->fd, a, 0));
	EXPECT_REFUSED_EVENTS(self->fd, b, COOKIE + 1);
	ASSERT_EQ(0, so_count_events(self->fd, 0, 100));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
}

/* --------------------------------------------------------------------- */
/* Many files, and closing a busy file                                    */
/* --------------------------------------------------------------------- */

#define MANY_FILES 512

TEST_F_TIMEOUT(dev, many_files, 120)
{
	static int fds[MANY_FILES];
	struct rlimit rl;
	struct sockobj_info info;
	int i, opened = 0;

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < MANY_FILES + 64) {
		rl.rlim_cur = MANY_FILES + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	}
	for (i = 0; i < MANY_FILES; i++) {
		__u32 id = 0;

		fds[i] = so_open(0);
		ASSERT_LE(0, fds[i]) TH_LOG("open #%d: %s", i, strerror(errno));
		opened++;
		ASSERT_EQ(0, so_create(fds[i], SOCKOBJ_PROTO_TCP, (__u64)i, &id))
			TH_LOG("create in file #%d", i);
		ASSERT_EQ(0, so_set_target(fds[i], id, "127.0.0.1",
					   REFUSED_PORT));
		/* every other one also has a finished connection attempt */
		if (i % 2 == 0)
			ASSERT_EQ(0, so_connect(fds[i], id));
		ASSERT_EQ(0, so_get_info(fds[i], id, &info));
		EXPECT_EQ((__u64)i, info.cookie);
	}
	for (i = 0; i < opened; i++)
		ASSERT_EQ(0, close(fds[i]));
	/* the device still works */
	i = so_open(0);
	ASSERT_LE(0, i);
	close(i);
}

struct reader {
	int fd;
	ssize_t ret;
	int err;
	atomic_int started;
};

static void *reader_fn(void *p)
{
	struct reader *r = p;
	struct sockobj_event ev[4];

	atomic_store(&r->started, 1);
	r->ret = read(r->fd, ev, sizeof(ev));
	r->err = errno;
	return NULL;
}

/*
 * close() while another thread sleeps in read(): close does not wake the
 * reader (its read holds the file), a signal does, and the file is then
 * released without trouble.
 */
TEST_F(dev, close_while_reading)
{
	struct reader r = { .fd = self->fd };
	pthread_t th;
	int fd;

	new_refused(_metadata, self->fd, COOKIE);
	set_handler(SIGUSR1, 0);
	ASSERT_EQ(0, pthread_create(&th, NULL, reader_fn, &r));
	while (!atomic_load(&r.started))
		so_sleep_ms(1);
	so_sleep_ms(200);
	ASSERT_EQ(0, close(self->fd));
	so_stash_drop(self->fd);
	self->fd = -1;
	so_sleep_ms(200);
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);

	fd = so_open(0);
	ASSERT_LE(0, fd);
	close(fd);
}

/*
 * A non-blocking read() never waits for a blocking one: with a reader
 * asleep on the empty queue, a read() of the same file made non-blocking
 * since returns EAGAIN at once (it used to wait for the sleeper's record,
 * which here comes only 2 s later).
 */
TEST_F(dev, read_nonblock_beside_a_blocked_reader)
{
	struct delayed_connect d = { .fd = self->fd, .delay_ms = 2000 };
	struct reader r = { .fd = self->fd };
	struct sockobj_event ev;
	pthread_t th, th2;
	uint64_t t0, took;
	ssize_t n;
	int err;

	d.id = new_refused(_metadata, self->fd, COOKIE);
	ASSERT_EQ(0, pthread_create(&th, NULL, reader_fn, &r));
	while (!atomic_load(&r.started))
		so_sleep_ms(1);
	so_sleep_ms(200);			/* asleep in read() */
	ASSERT_EQ(0, pthread_create(&th2, NULL, delayed_connect_fn, &d));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	t0 = so_now_ns();
	n = read(self->fd, &ev, sizeof(ev));
	err = errno;
	took = so_now_ns() - t0;
	pthread_join(th2, NULL);
	pthread_join(th, NULL);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, err);
	EXPECT_GT(500000000ULL, took)
		TH_LOG("the non-blocking read() took %llu ms",
		       (unsigned long long)(took / 1000000));
	/* the sleeper got the record that came */
	ASSERT_EQ(0, d.ret);
	EXPECT_LE((ssize_t)SO_EV_SIZE, r.ret);
}

struct hammer {
	int fd;
	int idx;
	atomic_int *stop;
	unsigned long ops;
	int bad_errno;
	const char *bad_op;
};

static int hammer_ok(int ret)
{
	switch (-ret) {
	case 0:
	case ENOENT:	/* another thread destroyed it */
	case EMFILE:	/* per-file limit */
	case EISCONN:	/* still connecting */
	case ENOTCONN:
	case EALREADY:
	case EBUSY:	/* records not read */
	case EBADF:	/* the fd was closed */
		return 1;
	}
	return 0;
}

#define HAMMER(op, expr) do {					\
	int __r = (expr);					\
	h->ops++;						\
	if (__r == -EBADF)					\
		return NULL;					\
	if (!hammer_ok(__r)) {					\
		h->bad_errno = -__r;				\
		h->bad_op = op;					\
		return NULL;					\
	}							\
} while (0)

static void *hammer_fn(void *p)
{
	struct hammer *h = p;
	struct sockobj_event ev[16];
	struct sockobj_config cfg;
	struct sockobj_info info;
	struct sockobj_api api;
	unsigned int i = 0;

	while (!atomic_load(h->stop)) {
		__u32 id = 0;
		int r;

		HAMMER("GET_API", so_get_api(h->fd, &api));
		r = so_create(h->fd, SOCKOBJ_PROTO_TCP, h->idx, &id);
		HAMMER("CREATE", r);
		if (r) {
			/* EMFILE: reclaim whatever ids we can guess */
			for (id = 1; id < 64; id++)
				HAMMER("DESTROY", so_destroy(h->fd, id, 0));
			continue;
		}
		HAMMER("CONFIGURE", so_set_target(h->fd, id, "127.0.0.1",
						  REFUSED_PORT));
		HAMMER("GET_CONFIG", so_get_config(h->fd, id, &cfg));
		HAMMER("CONNECT", so_connect(h->fd, id));
		HAMMER("GET_INFO", so_get_info(h->fd, id, &info));
		if (i % 3 == 0)
			HAMMER("ABORT", so_abort(h->fd, id));
		if (i % 3 == 1)
			HAMMER("DISCONNECT", so_disconnect(h->fd, id));
		r = read(h->fd, ev, sizeof(ev));
		if (r < 0 && errno == EBADF)
			return NULL;
		if (i % 2)
			HAMMER("DESTROY", so_destroy(h->fd, id,
					i % 4 == 1 ? SOCKOBJ_DESTROY_ABORT : 0));
		i++;
	}
	return NULL;
}

/*
 * close() while other threads hammer the same fd with every ioctl and
 * read(): nothing crashes, each call returns a normal result (or EBADF
 * once the descriptor is gone).
 */
TEST_F_TIMEOUT(dev, close_while_hammering, 60)
{
	struct hammer h[4];
	pthread_t th[4];
	atomic_int stop = 0;
	int i, round;

	for (round = 0; round < 5; round++) {
		int fd = so_open(O_NONBLOCK);

		ASSERT_LE(0, fd);
		for (i = 0; i < 4; i++) {
			memset(&h[i], 0, sizeof(h[i]));
			h[i].fd = fd;
			h[i].idx = i;
			h[i].stop = &stop;
			ASSERT_EQ(0, pthread_create(&th[i], NULL, hammer_fn,
						    &h[i]));
		}
		so_sleep_ms(200 + 50 * round);
		ASSERT_EQ(0, close(fd));
		/* no new descriptor may take fd's number while they run */
		so_sleep_ms(100);
		atomic_store(&stop, 1);
		for (i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			EXPECT_EQ(0, h[i].bad_errno)
				TH_LOG("round %d thread %d: %s returned %s",
				       round, i, h[i].bad_op,
				       strerror(h[i].bad_errno));
			EXPECT_LT(0UL, h[i].ops);
		}
		atomic_store(&stop, 0);
	}
	i = so_open(0);
	ASSERT_LE(0, i);
	close(i);
}

SO_HARNESS_MAIN
