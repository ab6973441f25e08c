// SPDX-License-Identifier: GPL-2.0
/*
 * SOCKOBJ_IOC_BATCH and multi-record read(), end to end.
 *
 * - Many objects created, configured and connected by one ioctl (id 0 =
 *   the object the batch created last), all their records read back by
 *   one read().
 * - A batch with one invalid op runs nothing; SOCKOBJ_BATCH_STOP stops
 *   after the first failed op and done says how many ran.
 * - Consecutive SEND ops on one TCP object are queued by one sendmsg()
 *   (uapi doc): the peer receives every op's bytes, in order, including
 *   when ops of two objects interleave; when the send buffer fills up, the
 *   results are the lengths, one partial count, then -EAGAIN, exactly the
 *   bytes the peer receives; a faulting buffer fails its own op only.
 * - RECV ops (API version 7): consecutive ones on one TCP object fill their
 *   buffers in order (one recvmsg()), across the kernel's chunks of ops,
 *   then the part that was queued, then -EAGAIN; after the peer's FIN, 0;
 *   a peek leaves the data for the next op; a faulting buffer fails its
 *   own op and the data stays for the next; a UDP op gets one datagram
 *   and its real length.
 * - SENDV and RECVV (API version 9): not joined with the SEND and RECV ops
 *   around them; the array read only when the op runs; a RECVV buffer
 *   that faults loses no data.
 * - Records in the same call (API version 8): the ops' own records, a wait
 *   that a record ends, a signal that ends it after the ops (their
 *   results kept), nevents up to SOCKOBJ_BATCH_EVENTS_MAX, a read() and a
 *   batch in two threads sharing the records, none twice, none lost.
 *
 * Each test runs in a private network namespace (loopback only).
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "sotest.h"

#define PORT		5100
#define NOBJ		200	/* objects of the connect batch */
#define NOBJ_DEBUG	50	/* on a debug kernel (KASAN under TCG) */
/* An address outside user memory: the top of a 64-bit space is the kernel's */
#define KERNEL_ADDR	0xffff888000000000ULL

FIXTURE(batch) {
	int fd;
};

FIXTURE_SETUP(batch)
{
	self->fd = -1;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(batch)
{
	so_close(self->fd);
}

/* Run a batch; the ioctl's 0 or -errno, *done the ops that ran. */
static int run_batch(int fd, struct sockobj_batch_op *ops, __u32 count,
		     __u32 flags, __u32 *done)
{
	struct sockobj_batch b = {
		.ops = U64((uintptr_t)ops),
		.count = count,
		.flags = flags,
	};
	int ret = so_ioctl(fd, SOCKOBJ_IOC_BATCH, &b);

	if (done)
		*done = b.done;
	return ret;
}

static void send_op(struct sockobj_batch_op *o, __u32 id, const void *buf,
		    size_t len)
{
	memset(o, 0, sizeof(*o));
	o->op = SOCKOBJ_OP_SEND;
	o->id = id;
	o->arg = U64((uintptr_t)buf);
	o->len = len;
	o->result = -12345;	/* must be overwritten */
}

static void recv_op(struct sockobj_batch_op *o, __u32 id, void *buf,
		    size_t len, __u32 flags)
{
	memset(o, 0, sizeof(*o));
	o->op = SOCKOBJ_OP_RECV;
	o->id = id;
	o->flags = flags;
	o->arg = U64((uintptr_t)buf);
	o->len = len;
	o->result = -12345;	/* must be overwritten */
}

/* Nothing more arrives on a socket within ms. */
static void expect_quiet(struct __test_metadata *_metadata, int fd, int ms)
{
	char c;

	EXPECT_EQ(-ETIMEDOUT, so_recv(fd, &c, 1, ms));
}

TEST_F(batch, connect_many_with_one_call_and_read_them_with_one_read)
{
	unsigned int nobj = so_debug_kernel() ? NOBJ_DEBUG : NOBJ;
	struct sockobj_create *cr = calloc(nobj, sizeof(*cr));
	struct sockobj_batch_op *ops = calloc(3 * nobj, sizeof(*ops));
	struct sockobj_event *ev = calloc(4 * nobj, sizeof(*ev));
	unsigned char *seen = calloc(nobj, 1);
	struct sockobj_config cfg = { .mask = SOCKOBJ_CFG_TARGET };
	unsigned int i, established = 0, connecting = 0;
	__u32 done = 0, id;
	ssize_t n;
	int lfd;

	ASSERT_TRUE(cr && ops && ev && seen);
	lfd = so_listen_in(NULL, "127.0.0.1", PORT, 1024);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_addr(&cfg.target, "127.0.0.1", PORT));
	for (i = 0; i < nobj; i++) {
		cr[i].proto = SOCKOBJ_PROTO_TCP;
		cr[i].cookie = 1000 + i;
		ops[3 * i] = (struct sockobj_batch_op){
			.op = SOCKOBJ_OP_CREATE, .arg = U64((uintptr_t)&cr[i]) };
		ops[3 * i + 1] = (struct sockobj_batch_op){
			.op = SOCKOBJ_OP_CONFIGURE, .arg = U64((uintptr_t)&cfg) };
		ops[3 * i + 2] = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_CONNECT };
	}
	ASSERT_EQ(0, run_batch(self->fd, ops, 3 * nobj, SOCKOBJ_BATCH_STOP, &done));
	ASSERT_EQ(3 * nobj, done);
	for (i = 0; i < nobj; i++) {
		ASSERT_LT(0, ops[3 * i].result) TH_LOG("create %u", i);
		ASSERT_EQ(0, ops[3 * i + 1].result) TH_LOG("configure %u", i);
		ASSERT_EQ(0, ops[3 * i + 2].result) TH_LOG("connect %u", i);
		if (i)
			ASSERT_NE(ops[3 * i].result, ops[3 * (i - 1)].result);
	}
	/* Wait for the outcome without reading, then read it all at once. */
	for (i = 0; i < nobj; i++) {
		id = (__u32)ops[3 * i].result;
		ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_ESTABLISHED,
					   so_tmo(20000))) TH_LOG("object %u", id);
	}
	n = read(self->fd, ev, 4 * nobj * sizeof(*ev));
	ASSERT_EQ((ssize_t)(2 * nobj * sizeof(*ev)), n)
		TH_LOG("read() returned %zd, %u objects", n, nobj);
	/* Per object: CONNECTING, then ESTABLISHED. */
	for (i = 0; i < 2 * nobj; i++) {
		unsigned int obj = (unsigned int)(ev[i].cookie - 1000);

		ASSERT_EQ(U32(SOCKOBJ_EV_STATE), ev[i].type);
		ASSERT_GT(nobj, obj);
		if (ev[i].state == SOCKOBJ_STATE_CONNECTING) {
			ASSERT_EQ(0, seen[obj]);
			connecting++;
		} else {
			ASSERT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), ev[i].state);
			ASSERT_EQ(1, seen[obj]);
			established++;
		}
		seen[obj]++;
	}
	EXPECT_EQ(nobj, connecting);
	EXPECT_EQ(nobj, established);
	close(lfd);
	free(cr);
	free(ops);
	free(ev);
	free(seen);
}

TEST_F(batch, an_invalid_op_runs_nothing)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 1 };
	struct sockobj_batch_op ops[3] = {
		{ .op = SOCKOBJ_OP_CREATE, .arg = U64((uintptr_t)&cr), .result = 77 },
		{ .op = SOCKOBJ_OP_CONNECT, .result = 77 },
		{ .op = 99, .result = 77 },
	};
	struct sockobj_info info;
	__u32 id;

	ASSERT_EQ(-EINVAL, run_batch(self->fd, ops, 3, 0, NULL));
	EXPECT_EQ(77, ops[0].result);
	EXPECT_EQ(77, ops[1].result);
	/* A create in a bad batch made nothing: the next id is the first. */
	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, 2, &id));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U64(2), info.cookie);
	for (__u32 other = 1; other < id + 8; other++)
		if (other != id)
			EXPECT_EQ(-ENOENT, so_get_info(self->fd, other, &info));
	/* A flag an op does not take is just as invalid. */
	ops[2].op = SOCKOBJ_OP_CONNECT;
	ops[2].flags = 1;
	EXPECT_EQ(-EINVAL, run_batch(self->fd, ops, 3, 0, NULL));
	EXPECT_EQ(-EINVAL, run_batch(self->fd, ops, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, run_batch(self->fd, ops, 1, 1u << 7, NULL));
}

TEST_F(batch, stop_ends_the_batch_at_the_first_failed_op)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 5 };
	struct sockobj_batch_op ops[3];
	__u32 done = 99;

	/* CONNECT without a target fails; the next CREATE must not run. */
	memset(ops, 0, sizeof(ops));
	ops[0] = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_CREATE,
					    .arg = U64((uintptr_t)&cr) };
	ops[1] = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_CONNECT };
	ops[2] = ops[0];
	ops[2].result = 77;
	ASSERT_EQ(0, run_batch(self->fd, ops, 3, SOCKOBJ_BATCH_STOP, &done));
	EXPECT_EQ(U32(2), done);
	EXPECT_LT(0, ops[0].result);
	EXPECT_GT(0, ops[1].result);
	EXPECT_EQ(77, ops[2].result);

	/* Without STOP every op runs. */
	ops[2].result = 77;
	ASSERT_EQ(0, run_batch(self->fd, ops, 3, 0, &done));
	EXPECT_EQ(U32(3), done);
	EXPECT_GT(0, ops[1].result);
	EXPECT_LT(0, ops[2].result);
	EXPECT_NE(ops[0].result, ops[2].result);
}

/* Fill buf with a pattern that tells every byte's position and stream. */
static void pattern(unsigned char *buf, size_t len, size_t off, int stream)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)((off + i) * 7 + (off + i) / 251 + stream * 101);
}

TEST_F(batch, small_sends_arrive_whole_and_in_order)
{
	/* more than one chunk of the kernel's (512): two runs */
	enum { NOPS = 600, SZ = 16 };
	static unsigned char data[NOPS * SZ], got[NOPS * SZ];
	struct sockobj_batch_op ops[NOPS];
	struct sockobj_info info;
	int lfd, srv = -1, i;
	__u32 id, done = 0;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT, 9, &srv);
	pattern(data, sizeof(data), 0, 0);
	for (i = 0; i < NOPS; i++)
		send_op(&ops[i], id, data + i * SZ, SZ);
	ASSERT_EQ(0, run_batch(self->fd, ops, NOPS, 0, &done));
	ASSERT_EQ(U32(NOPS), done);
	for (i = 0; i < NOPS; i++)
		ASSERT_EQ(SZ, ops[i].result) TH_LOG("op %d", i);
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	ASSERT_EQ(0, memcmp(data, got, sizeof(got)));
	expect_quiet(_metadata, srv, 200);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(sizeof(data), info.bytes_sent);
	close(srv);
	close(lfd);
}

TEST_F(batch, interleaved_objects_each_get_their_own_bytes)
{
	/* A A B A B B ...: runs of one object, broken by the other. */
	static const char who[] = "AABABBBAAAABBABAAB";
	enum { SZ = 100, NOPS = sizeof(who) - 1 };
	static unsigned char data[2][NOPS * SZ], got[NOPS * SZ];
	struct sockobj_batch_op ops[NOPS];
	size_t off[2] = { 0, 0 };
	int lfd, srv[2] = { -1, -1 }, i, s;
	__u32 id[2], done = 0;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	for (s = 0; s < 2; s++) {
		id[s] = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT,
				     20 + s, &srv[s]);
		pattern(data[s], sizeof(data[s]), 0, s + 1);
	}
	for (i = 0; i < NOPS; i++) {
		s = who[i] - 'A';
		send_op(&ops[i], id[s], data[s] + off[s], SZ);
		off[s] += SZ;
	}
	ASSERT_EQ(0, run_batch(self->fd, ops, NOPS, 0, &done));
	ASSERT_EQ(U32(NOPS), done);
	for (i = 0; i < NOPS; i++)
		ASSERT_EQ(SZ, ops[i].result) TH_LOG("op %d", i);
	for (s = 0; s < 2; s++) {
		ASSERT_EQ((ssize_t)off[s], so_recv_exact(srv[s], got, off[s], so_tmo(5000)));
		ASSERT_EQ(0, memcmp(data[s], got, off[s])) TH_LOG("object %c", 'A' + s);
		expect_quiet(_metadata, srv[s], 100);
		close(srv[s]);
	}
	close(lfd);
}

TEST_F(batch, a_full_send_buffer_gives_lengths_a_part_then_eagain)
{
	enum { NOPS = 64, SZ = 16384 };
	struct sockobj_config cfg = { .mask = SOCKOBJ_CFG_SNDBUF | SOCKOBJ_CFG_TARGET,
				      .sndbuf = 16384 };
	unsigned char *data = malloc(NOPS * SZ), *got = malloc(NOPS * SZ);
	unsigned char *want = malloc(NOPS * SZ);
	struct sockobj_batch_op ops[NOPS];
	struct sockobj_event ev;
	int lfd, srv, i, small = 4096, partial = 0, eagain = 0, whole = 0;
	size_t sum = 0;
	__u32 id, done = 0;

	ASSERT_TRUE(data && got && want);
	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	/* Accepted sockets inherit it: the peer can hold little unread. */
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, 30, &id));
	cfg.id = id;
	ASSERT_EQ(0, so_addr(&cfg.target, "127.0.0.1", PORT));
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, 30, so_tmo(5000),
		      EV(CONNECTING, CLOSED), EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, so_tmo(5000));
	ASSERT_LE(0, srv);

	pattern(data, NOPS * SZ, 0, 3);
	for (i = 0; i < NOPS; i++)
		send_op(&ops[i], id, data + (size_t)i * SZ, SZ);
	ASSERT_EQ(0, run_batch(self->fd, ops, NOPS, 0, &done));
	ASSERT_EQ(U32(NOPS), done);
	/*
	 * Whole ops until the buffer filled: a part, then -EAGAIN (an op
	 * after that may still fit when ACKs freed room meanwhile, as with
	 * send(2) one by one). The stream is each op's accepted prefix.
	 */
	for (i = 0; i < NOPS; i++) {
		int r = ops[i].result;

		if (r == SZ) {
			whole++;
		} else if (r > 0 && r < SZ) {
			partial++;
		} else {
			ASSERT_EQ(-EAGAIN, r) TH_LOG("op %d", i);
			eagain++;
			continue;
		}
		memcpy(want + sum, data + (size_t)i * SZ, (size_t)r);
		sum += (size_t)r;
	}
	TH_LOG("%d whole, %d partial, %d -EAGAIN, %zu bytes queued", whole,
	       partial, eagain, sum);
	ASSERT_LT(0, eagain);
	ASSERT_LT(0, whole);
	ASSERT_EQ(-EAGAIN, ops[NOPS - 1].result);
	/* The peer gets exactly what the results say, then room returns. */
	ASSERT_EQ((ssize_t)sum, so_recv_exact(srv, got, sum, so_tmo(5000)));
	ASSERT_EQ(0, memcmp(want, got, sum));
	expect_quiet(_metadata, srv, 300);
	for (;;) {
		ASSERT_EQ(1, so_next_event(self->fd, id, &ev, so_tmo(5000)))
			TH_LOG("no WRITABLE after the peer read everything");
		if (ev.type == SOCKOBJ_EV_WRITABLE)
			break;
	}
	close(srv);
	close(lfd);
	free(data);
	free(got);
	free(want);
}

TEST_F(batch, a_bad_buffer_fails_only_its_own_op)
{
	enum { SZ = 64 };
	static unsigned char data[4 * SZ], got[3 * SZ];
	struct sockobj_batch_op ops[5];
	long page = sysconf(_SC_PAGESIZE);
	void *bad;
	int lfd, srv = -1;
	__u32 id, done = 0;

	bad = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT, 40, &srv);
	pattern(data, sizeof(data), 0, 4);
	send_op(&ops[0], id, data, SZ);
	send_op(&ops[1], id, data + SZ, SZ);
	send_op(&ops[2], id, bad, SZ);
	send_op(&ops[3], id, data + 2 * SZ, SZ);
	send_op(&ops[4], id, data + 3 * SZ, 0);	/* empty: 0 bytes */
	ASSERT_EQ(0, run_batch(self->fd, ops, 5, 0, &done));
	ASSERT_EQ(U32(5), done);
	EXPECT_EQ(SZ, ops[0].result);
	EXPECT_EQ(SZ, ops[1].result);
	EXPECT_EQ(-EFAULT, ops[2].result);
	EXPECT_EQ(SZ, ops[3].result);
	EXPECT_EQ(0, ops[4].result);
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));
	expect_quiet(_metadata, srv, 200);
	close(srv);
	close(lfd);
	munmap(bad, page);
}

/* An object whose peer srv has written len bytes, all queued on our side */
static __u32 queued_from_peer(struct __test_metadata *_metadata, int fd,
			      int lfd, __u64 cookie, const void *data,
			      size_t len, int *srv)
{
	struct sockobj_info info;
	__u32 id;

	id = so_establish(_metadata, fd, lfd, "127.0.0.1", PORT, cookie, srv);
	ASSERT_EQ((ssize_t)len, send(*srv, data, len, 0));
	ASSERT_EQ(0, WAIT_INFO(fd, id, info, info.rx_queued == len,
			       so_tmo(5000)));
	return id;
}

TEST_F(batch, recvs_fill_in_order_then_a_part_then_eagain)
{
	/*
	 * More ops than one chunk of the kernel's (512), so a run is cut in
	 * two; the last ones find nothing.
	 */
	enum { NOPS = 600, FULL = 560, SZ = 64, QUEUED = FULL * SZ + 30 };
	static unsigned char data[QUEUED], got[NOPS * SZ];
	struct sockobj_batch_op ops[NOPS];
	struct sockobj_info info;
	int lfd, srv = -1, i;
	__u32 id, done = 0;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	pattern(data, sizeof(data), 0, 5);
	id = queued_from_peer(_metadata, self->fd, lfd, 50, data, sizeof(data),
			      &srv);
	for (i = 0; i < NOPS; i++)
		recv_op(&ops[i], id, got + i * SZ, SZ, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, NOPS, 0, &done));
	ASSERT_EQ(U32(NOPS), done);
	for (i = 0; i < FULL; i++)
		ASSERT_EQ(SZ, ops[i].result) TH_LOG("op %d", i);
	EXPECT_EQ(30, ops[FULL].result);
	for (i = FULL + 1; i < NOPS; i++)
		EXPECT_EQ(-EAGAIN, ops[i].result) TH_LOG("op %d", i);
	EXPECT_EQ(0, memcmp(data, got, sizeof(data)));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(sizeof(data), info.bytes_received);
	EXPECT_EQ(0U, info.rx_queued);
	close(srv);
	close(lfd);
}

/* The least of three runs of fn, in ns. */
static __u64 least_of_3(int (*fn)(int fd, __u32 id, struct sockobj_batch_op *ops),
			int fd, __u32 id, struct sockobj_batch_op *ops, int *err)
{
	__u64 best = ~0ULL, t0, t;
	int i;

	for (i = 0; i < 3; i++) {
		t0 = so_now_ns();
		*err = *err ?: fn(fd, id, ops);
		t = so_now_ns() - t0;
		best = t < best ? t : best;
	}
	return best;
}

enum { TRAILING = 2048 };
static unsigned char trailing_buf[64];

/* TRAILING RECV ops of one batch, none finding data: 0 or what went wrong */
static int trailing_in_a_batch(int fd, __u32 id, struct sockobj_batch_op *ops)
{
	__u32 done = 0;
	int i, ret;

	for (i = 0; i < TRAILING; i++)
		recv_op(&ops[i], id, trailing_buf, sizeof(trailing_buf), 0);
	ret = run_batch(fd, ops, TRAILING, 0, &done);
	if (ret || done != TRAILING)
		return ret ?: -EPROTO;
	for (i = 0; i < TRAILING; i++)
		if (ops[i].result != -EAGAIN)
			return -EPROTO;
	return 0;
}

/* The same as TRAILING SOCKOBJ_IOC_RECV calls */
static int trailing_one_by_one(int fd, __u32 id, struct sockobj_batch_op *ops)
{
	size_t done;
	int i;

	(void)ops;
	for (i = 0; i < TRAILING; i++)
		if (so_io_recv(fd, id, trailing_buf, sizeof(trailing_buf),
			       &done) != -EAGAIN)
			return -EPROTO;
	return 0;
}

TEST_F(batch, ops_that_find_nothing_cost_what_they_would_one_by_one)
{
	/*
	 * Each RECV op after the data ran out costs about what the same
	 * RECV ioctl does: the batch does not try to join each of them with
	 * all the ops after it again (which grew with the square of the ops
	 * of a chunk: 2,048 such ops cost about five times their ioctls). A
	 * ratio of two timings of the same machine, the least of three runs
	 * each.
	 */
	static struct sockobj_batch_op ops[TRAILING];
	int lfd, srv = -1, err = 0;
	__u64 batch_ns, ioctl_ns;
	__u32 id;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT, 51,
			  &srv);
	batch_ns = least_of_3(trailing_in_a_batch, self->fd, id, ops, &err);
	ioctl_ns = least_of_3(trailing_one_by_one, self->fd, id, ops, &err);
	ASSERT_EQ(0, err);
	TH_LOG("%d RECV ops finding nothing: %llu us in one batch, %llu us as ioctls",
	       TRAILING, (unsigned long long)batch_ns / 1000,
	       (unsigned long long)ioctl_ns / 1000);
	EXPECT_LT(batch_ns, 2 * ioctl_ns);
	close(srv);
	close(lfd);
}

TEST_F(batch, recv_after_the_peers_fin_gives_the_rest_then_0)
{
	enum { SZ = 64 };
	static unsigned char data[100], got[3 * SZ];
	struct sockobj_batch_op ops[4];
	int lfd, srv = -1;
	__u32 id, done = 0;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	pattern(data, sizeof(data), 0, 6);
	id = queued_from_peer(_metadata, self->fd, lfd, 51, data, sizeof(data),
			      &srv);
	ASSERT_EQ(0, shutdown(srv, SHUT_WR));
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_PEER_CLOSING,
				   so_tmo(5000)));
	recv_op(&ops[0], id, got, SZ, 0);
	recv_op(&ops[1], id, got + SZ, SZ, 0);
	recv_op(&ops[2], id, got + 2 * SZ, SZ, 0);
	recv_op(&ops[3], id, got + 2 * SZ, SZ, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 4, 0, &done));
	ASSERT_EQ(U32(4), done);
	EXPECT_EQ(SZ, ops[0].result);
	EXPECT_EQ(36, ops[1].result);
	EXPECT_EQ(0, ops[2].result);
	EXPECT_EQ(0, ops[3].result);
	EXPECT_EQ(0, memcmp(data, got, sizeof(data)));
	close(srv);
	close(lfd);
}

TEST_F(batch, a_peek_leaves_the_data_for_the_next_op)
{
	static unsigned char data[40], got[4][40];
	struct sockobj_batch_op ops[4];
	int lfd, srv = -1;
	__u32 id, done = 0;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	pattern(data, sizeof(data), 0, 7);
	id = queued_from_peer(_metadata, self->fd, lfd, 52, data, sizeof(data),
			      &srv);
	recv_op(&ops[0], id, got[0], 10, SOCKOBJ_IO_PEEK);
	recv_op(&ops[1], id, got[1], 20, SOCKOBJ_IO_PEEK);
	recv_op(&ops[2], id, got[2], 15, 0);
	recv_op(&ops[3], id, got[3], 40, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 4, 0, &done));
	ASSERT_EQ(U32(4), done);
	EXPECT_EQ(10, ops[0].result);
	EXPECT_EQ(20, ops[1].result);
	EXPECT_EQ(15, ops[2].result);
	EXPECT_EQ(25, ops[3].result);
	EXPECT_EQ(0, memcmp(data, got[0], 10));
	EXPECT_EQ(0, memcmp(data, got[1], 20));
	EXPECT_EQ(0, memcmp(data, got[2], 15));
	EXPECT_EQ(0, memcmp(data + 15, got[3], 25));
	close(srv);
	close(lfd);
}

/*
 * Only each op's result is written back: the first op receives into the
 * second op's arg and len, which keep the bytes received (a whole op
 * written back from the kernel's copy would have put the old ones back).
 */
TEST_F(batch, only_the_results_are_written_back)
{
	static unsigned char data[16];
	struct sockobj_batch_op ops[2];
	int lfd, srv = -1;
	__u32 id, done = 0;
	char got[16];

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	pattern(data, sizeof(data), 0, 11);
	id = queued_from_peer(_metadata, self->fd, lfd, 53, data, sizeof(data),
			      &srv);
	recv_op(&ops[1], id, got, sizeof(got), 0);
	recv_op(&ops[0], id, &ops[1].arg, sizeof(ops[1].arg) + sizeof(ops[1].len),
		0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 2, 0, &done));
	ASSERT_EQ(U32(2), done);
	EXPECT_EQ(16, ops[0].result);
	EXPECT_EQ(-EAGAIN, ops[1].result);
	EXPECT_EQ(0, memcmp(data, &ops[1].arg, sizeof(data)));
	EXPECT_EQ(U32(SOCKOBJ_OP_RECV), ops[1].op);
	EXPECT_EQ(id, ops[1].id);
	EXPECT_EQ(U32(0), ops[1].flags);
	close(srv);
	close(lfd);
}

TEST_F(batch, a_bad_recv_buffer_fails_only_its_own_op)
{
	enum { SZ = 64 };
	static unsigned char data[3 * SZ], got[3][SZ];
	long page = sysconf(_SC_PAGESIZE);
	struct sockobj_batch_op ops[4];
	int lfd, srv = -1;
	__u32 id, done = 0;
	void *bad;

	bad = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	pattern(data, sizeof(data), 0, 8);
	id = queued_from_peer(_metadata, self->fd, lfd, 53, data, sizeof(data),
			      &srv);
	/* in the middle of a run, and a run's first op */
	recv_op(&ops[0], id, got[0], SZ, 0);
	recv_op(&ops[1], id, bad, SZ, 0);
	recv_op(&ops[2], id, got[1], SZ, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 3, 0, &done));
	ASSERT_EQ(U32(3), done);
	EXPECT_EQ(SZ, ops[0].result);
	EXPECT_EQ(-EFAULT, ops[1].result);
	EXPECT_EQ(SZ, ops[2].result);
	recv_op(&ops[0], id, bad, SZ, 0);
	recv_op(&ops[1], id, got[2], SZ, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 2, 0, &done));
	EXPECT_EQ(-EFAULT, ops[0].result);
	EXPECT_EQ(SZ, ops[1].result);
	EXPECT_EQ(0, memcmp(data, got, sizeof(data)));
	close(srv);
	close(lfd);
	munmap(bad, page);
}

/*
 * A UDP object of @fd aimed at the test's peer port, ESTABLISHED; its
 * local address into ss and sl, for the peer to send to.
 */
static __u32 udp_object(struct __test_metadata *_metadata, int fd,
			__u64 cookie, struct sockaddr_storage *ss,
			socklen_t *sl)
{
	struct sockobj_info info;
	__u32 id = 0;

	ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_UDP, cookie, &id));
	ASSERT_EQ(0, so_set_target(fd, id, "127.0.0.1", PORT));
	ASSERT_EQ(0, so_connect(fd, id));
	ASSERT_EQ(0, so_wait_state(fd, id, SOCKOBJ_STATE_ESTABLISHED,
				   so_tmo(5000)));
	ASSERT_EQ(0, so_get_info(fd, id, &info));
	*sl = so_sockaddr(ss, &info.local);
	return id;
}

TEST_F(batch, a_udp_recv_gets_one_datagram_and_its_length)
{
	static unsigned char big[100], small[10], got[2][64];
	struct sockobj_batch_op ops[2];
	struct sockaddr_storage ss;
	struct sockobj_info info;
	socklen_t sl;
	int peer;
	__u32 id, done = 0;

	peer = so_udp_in(NULL, "127.0.0.1", PORT);
	ASSERT_LE(0, peer);
	id = udp_object(_metadata, self->fd, 54, &ss, &sl);
	pattern(big, sizeof(big), 0, 9);
	pattern(small, sizeof(small), 0, 10);

	/* longer than the buffer: its start, and its real length */
	ASSERT_EQ((ssize_t)sizeof(big),
		  sendto(peer, big, sizeof(big), 0, (struct sockaddr *)&ss, sl));
	ASSERT_EQ(0, WAIT_INFO(self->fd, id, info, info.rx_queued == 100,
			       so_tmo(5000)));
	recv_op(&ops[0], id, got[0], 64, 0);
	recv_op(&ops[1], id, got[1], 64, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 2, 0, &done));
	ASSERT_EQ(U32(2), done);
	EXPECT_EQ(100, ops[0].result);
	EXPECT_EQ(-EAGAIN, ops[1].result);
	EXPECT_EQ(0, memcmp(big, got[0], 64));

	/* the rest of that datagram is gone: the next op gets the next one */
	ASSERT_EQ((ssize_t)sizeof(small),
		  sendto(peer, small, sizeof(small), 0, (struct sockaddr *)&ss, sl));
	ASSERT_EQ(0, WAIT_INFO(self->fd, id, info, info.rx_queued == 10,
			       so_tmo(5000)));
	recv_op(&ops[0], id, got[1], 64, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 1, 0, &done));
	EXPECT_EQ(10, ops[0].result);
	EXPECT_EQ(0, memcmp(small, got[1], 10));
	close(peer);
}

/* A SENDV or RECVV op over iov[0..n) */
static void vec_op(struct sockobj_batch_op *o, __u32 op, __u32 id,
		   struct iovec *iov, __u32 n, __u32 flags)
{
	memset(o, 0, sizeof(*o));
	o->op = op;
	o->id = id;
	o->flags = flags;
	o->arg = U64((uintptr_t)iov);
	o->len = n;
	o->result = -12345;	/* must be overwritten */
}

TEST_F(batch, sendv_sends_its_buffers_as_one_stream)
{
	static unsigned char data[100], got[100];
	struct sockobj_batch_op ops[3];
	struct iovec iov[3] = {
		{ data, 10 }, { data + 10, 0 }, { data + 10, 60 },
	};
	struct sockobj_info info;
	int lfd, srv = -1;
	__u32 id, done = 0;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT, 60, &srv);
	pattern(data, sizeof(data), 0, 12);
	vec_op(&ops[0], SOCKOBJ_OP_SENDV, id, iov, 3, 0);
	send_op(&ops[1], id, data + 70, 30);
	vec_op(&ops[2], SOCKOBJ_OP_SENDV, id, NULL, 0, 0);	/* nothing */
	ASSERT_EQ(0, run_batch(self->fd, ops, 3, 0, &done));
	ASSERT_EQ(U32(3), done);
	EXPECT_EQ(70, ops[0].result);
	EXPECT_EQ(30, ops[1].result);
	EXPECT_EQ(0, ops[2].result);
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));
	expect_quiet(_metadata, srv, 200);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(sizeof(data), info.bytes_sent);
	close(srv);
	close(lfd);
}

TEST_F(batch, recvv_fills_its_buffers_in_order)
{
	static unsigned char data[40], got[3][30];
	struct sockobj_batch_op ops[3];
	struct iovec iov[3] = {
		{ got[0], 15 }, { got[1], 10 }, { got[2], 30 },
	};
	int lfd, srv = -1;
	__u32 id, done = 0;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	pattern(data, sizeof(data), 0, 13);
	id = queued_from_peer(_metadata, self->fd, lfd, 61, data, sizeof(data),
			      &srv);
	/* a peek first: the same bytes stay for the receive after it */
	vec_op(&ops[0], SOCKOBJ_OP_RECVV, id, iov, 2, SOCKOBJ_IO_PEEK);
	vec_op(&ops[1], SOCKOBJ_OP_RECVV, id, iov, 3, 0);
	vec_op(&ops[2], SOCKOBJ_OP_RECVV, id, iov, 3, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 3, 0, &done));
	ASSERT_EQ(U32(3), done);
	EXPECT_EQ(25, ops[0].result);
	EXPECT_EQ(40, ops[1].result);
	EXPECT_EQ(-EAGAIN, ops[2].result);
	EXPECT_EQ(0, memcmp(data, got[0], 15));
	EXPECT_EQ(0, memcmp(data + 15, got[1], 10));
	EXPECT_EQ(0, memcmp(data + 25, got[2], 15));

	/* the peer's FIN: 0 */
	ASSERT_EQ(0, shutdown(srv, SHUT_WR));
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_PEER_CLOSING,
				   so_tmo(5000)));
	vec_op(&ops[0], SOCKOBJ_OP_RECVV, id, iov, 3, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 1, 0, &done));
	EXPECT_EQ(0, ops[0].result);
	close(srv);
	close(lfd);
}

/* One thread's vectored receives of its own object's stream, for below. */
struct vec_reader {
	int fd;
	__u32 id;
	int stream;
	size_t len;
	pthread_barrier_t *start;
	size_t got;		/* out: bytes received in order */
	int bad;		/* out: a result no receive may give, or 0 */
};

/*
 * One RECVV of 9 to 1024 buffers of 1-3 bytes (beyond the stack's 8),
 * checked against the stream from r->got: its length, or 0 when wrong.
 */
static size_t vec_read_once(struct vec_reader *r, unsigned int round,
			    __u32 flags)
{
	static __thread unsigned char buf[1024 * 3], want[1024 * 3];
	static __thread struct iovec iov[1024];
	__u32 n = 9 + (round * 37) % 1016, k, done = 0;
	struct sockobj_batch_op op;
	size_t room = 0;

	for (k = 0; k < n; k++) {
		iov[k].iov_base = buf + room;
		iov[k].iov_len = 1 + (k + round) % 3;
		room += iov[k].iov_len;
	}
	memset(buf, 0, room);
	vec_op(&op, SOCKOBJ_OP_RECVV, r->id, iov, n, flags);
	if (run_batch(r->fd, &op, 1, 0, &done) || done != 1 ||
	    op.result <= 0 || (size_t)op.result > room) {
		r->bad = op.result ?: -1;
		return 0;
	}
	pattern(want, (size_t)op.result, r->got, r->stream);
	if (memcmp(want, buf, (size_t)op.result)) {
		r->bad = -1;
		return 0;
	}
	return (size_t)op.result;
}

static void *vec_read_all(void *arg)
{
	struct vec_reader *r = arg;
	unsigned int round;
	size_t n = 1;

	pthread_barrier_wait(r->start);
	/* peeks first: as many ops as wanted, both threads at once */
	for (round = 0; round < 2000 && n; round++)
		n = vec_read_once(r, round, SOCKOBJ_IO_PEEK);
	for (; r->got < r->len && n; round++) {
		n = vec_read_once(r, round, 0);
		r->got += n;
	}
	return NULL;
}

TEST_F(batch, concurrent_vectored_receives_each_fill_their_own_buffers)
{
	/*
	 * Above 8 iovecs the kernel copies an op's array into the file's one
	 * kept array, or a transient one while another op holds it: two
	 * threads' receives on one file must each land in their own buffers.
	 */
	enum { LEN = 40000 };
	static unsigned char data[2][LEN];
	pthread_barrier_t start;
	struct vec_reader r[2];
	pthread_t th[2];
	int lfd, srv[2] = { -1, -1 }, i;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
	for (i = 0; i < 2; i++) {
		pattern(data[i], LEN, 0, 20 + i);
		memset(&r[i], 0, sizeof(r[i]));
		r[i].fd = self->fd;
		r[i].stream = 20 + i;
		r[i].len = LEN;
		r[i].start = &start;
		r[i].id = queued_from_peer(_metadata, self->fd, lfd, 70 + i,
					   data[i], LEN, &srv[i]);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, vec_read_all, &r[i]));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		EXPECT_EQ(0, r[i].bad) TH_LOG("reader %d after %zu bytes", i, r[i].got);
		EXPECT_EQ((size_t)LEN, r[i].got);
		close(srv[i]);
	}
	pthread_barrier_destroy(&start);
	close(lfd);
}

TEST_F(batch, a_full_send_buffer_takes_part_of_a_sendv_then_eagain)
{
	enum { NV = 64, SZ = 256 * 1024 };	/* 16 MiB: more than TCP takes */
	static unsigned char data[SZ];
	struct sockobj_batch_op ops[1];
	struct iovec iov[NV];
	int lfd, srv = -1, i;
	__u32 id, done = 0;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT, 62, &srv);
	for (i = 0; i < NV; i++) {
		iov[i].iov_base = data;
		iov[i].iov_len = SZ;
	}
	/*
	 * The peer reads nothing: each op takes what the send buffer has
	 * room for, never all 16 MiB, until one finds no room at all.
	 */
	for (i = 0; i < 64; i++) {
		vec_op(&ops[0], SOCKOBJ_OP_SENDV, id, iov, NV, 0);
		ASSERT_EQ(0, run_batch(self->fd, ops, 1, 0, &done));
		ASSERT_EQ(U32(1), done);
		if (ops[0].result == -EAGAIN)
			break;
		ASSERT_LT(0, ops[0].result) TH_LOG("op %d", i);
		ASSERT_GT(NV * SZ, ops[0].result) TH_LOG("op %d", i);
	}
	EXPECT_EQ(-EAGAIN, ops[0].result);
	EXPECT_LT(0, i);
	close(srv);
	close(lfd);
}

TEST_F(batch, a_udp_sendv_is_one_datagram_and_recvv_gets_its_length)
{
	static unsigned char out[50], big[100], got[2][20], huge[40000];
	struct sockobj_batch_op ops[2];
	struct iovec oiov[2] = { { out, 20 }, { out + 20, 30 } };
	/* 70,000 bytes: above the largest UDP datagram over IPv4 */
	struct iovec hiov[2] = { { huge, 40000 }, { huge, 30000 } };
	struct iovec iiov[2] = { { got[0], 20 }, { got[1], 20 } };
	struct sockaddr_storage ss;
	struct sockobj_info info;
	unsigned char in[200];
	socklen_t sl;
	int peer;
	__u32 id, done = 0;

	peer = so_udp_in(NULL, "127.0.0.1", PORT);
	ASSERT_LE(0, peer);
	id = udp_object(_metadata, self->fd, 63, &ss, &sl);
	pattern(out, sizeof(out), 0, 14);
	pattern(big, sizeof(big), 0, 15);

	/* the two buffers: one datagram of 50 bytes */
	vec_op(&ops[0], SOCKOBJ_OP_SENDV, id, oiov, 2, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 1, 0, &done));
	EXPECT_EQ(50, ops[0].result);
	EXPECT_EQ(50, so_recv(peer, in, sizeof(in), so_tmo(5000)));
	EXPECT_EQ(0, memcmp(out, in, 50));
	/* buffers that add up to more than a datagram holds: nothing sent */
	vec_op(&ops[0], SOCKOBJ_OP_SENDV, id, hiov, 2, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 1, 0, &done));
	EXPECT_EQ(-EMSGSIZE, ops[0].result);
	EXPECT_EQ(-ETIMEDOUT, so_recv(peer, in, sizeof(in), 200));

	/* 100 bytes into 40: its start, and its real length */
	ASSERT_EQ((ssize_t)sizeof(big),
		  sendto(peer, big, sizeof(big), 0, (struct sockaddr *)&ss, sl));
	ASSERT_EQ(0, WAIT_INFO(self->fd, id, info, info.rx_queued == 100,
			       so_tmo(5000)));
	vec_op(&ops[0], SOCKOBJ_OP_RECVV, id, iiov, 2, 0);
	vec_op(&ops[1], SOCKOBJ_OP_RECVV, id, iiov, 2, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 2, 0, &done));
	ASSERT_EQ(U32(2), done);
	EXPECT_EQ(100, ops[0].result);
	EXPECT_EQ(-EAGAIN, ops[1].result);
	EXPECT_EQ(0, memcmp(big, got[0], 20));
	EXPECT_EQ(0, memcmp(big + 20, got[1], 20));
	close(peer);
}

TEST_F(batch, bad_vectors_fail_as_documented)
{
	static unsigned char data[64], got[64];
	struct sockobj_batch_op ops[4];
	long page = sysconf(_SC_PAGESIZE);
	struct iovec iov[2] = { { data, 32 }, { data + 32, 32 } };
	struct iovec huge[1] = { { data, SIZE_MAX } };
	struct iovec ro[1] = { { NULL, 16 } };
	struct iovec kern[2], *edge;
	struct sockobj_info info;
	void *bad, *rdonly;
	char *two;
	int lfd, srv = -1;
	__u32 id, done = 7;

	bad = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	rdonly = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rdonly);
	ro[0].iov_base = rdonly;
	/* an array whose second iovec is on a page that cannot be read */
	two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, mprotect(two + page, page, PROT_NONE));
	edge = (struct iovec *)(two + page - sizeof(*edge));
	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT, 64, &srv);
	pattern(data, sizeof(data), 0, 16);

	/* more iovecs than SOCKOBJ_BATCH_IOV_MAX: nothing runs */
	send_op(&ops[0], id, data, 8);
	vec_op(&ops[1], SOCKOBJ_OP_SENDV, id, iov, SOCKOBJ_BATCH_IOV_MAX + 1, 0);
	EXPECT_EQ(-EINVAL, run_batch(self->fd, ops, 2, 0, &done));
	/* a SENDV does not peek: nothing runs */
	vec_op(&ops[1], SOCKOBJ_OP_SENDV, id, iov, 2, SOCKOBJ_IO_PEEK);
	EXPECT_EQ(-EINVAL, run_batch(self->fd, ops, 2, 0, &done));
	expect_quiet(_metadata, srv, 200);

	/* each its own error; the ops around them run */
	vec_op(&ops[0], SOCKOBJ_OP_SENDV, id, bad, 2, 0);
	vec_op(&ops[1], SOCKOBJ_OP_SENDV, id, huge, 1, 0);
	vec_op(&ops[2], SOCKOBJ_OP_SENDV, id, iov, 2, 0);
	vec_op(&ops[3], SOCKOBJ_OP_SENDV, id, iov, SOCKOBJ_BATCH_IOV_MAX, 0);
	ops[3].arg = U64((uintptr_t)bad);
	ASSERT_EQ(0, run_batch(self->fd, ops, 4, 0, &done));
	ASSERT_EQ(U32(4), done);
	EXPECT_EQ(-EFAULT, ops[0].result);
	EXPECT_EQ(-EINVAL, ops[1].result);
	EXPECT_EQ(64, ops[2].result);
	EXPECT_EQ(-EFAULT, ops[3].result);
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));
	expect_quiet(_metadata, srv, 200);

	/*
	 * In readv(2)'s order, wherever each is in the array: an array that
	 * cannot be read is EFAULT, then a length above SSIZE_MAX EINVAL,
	 * then a buffer outside user memory EFAULT; nothing is sent.
	 */
	kern[0].iov_base = (void *)(uintptr_t)KERNEL_ADDR;
	kern[0].iov_len = 16;
	kern[1].iov_base = data;
	kern[1].iov_len = SIZE_MAX;
	vec_op(&ops[0], SOCKOBJ_OP_SENDV, id, kern, 1, 0);
	vec_op(&ops[1], SOCKOBJ_OP_SENDV, id, kern, 2, 0);
	edge[0].iov_base = data;
	edge[0].iov_len = SIZE_MAX;
	vec_op(&ops[2], SOCKOBJ_OP_SENDV, id, edge, 2, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 3, 0, &done));
	ASSERT_EQ(U32(3), done);
	EXPECT_EQ(-EFAULT, ops[0].result);
	EXPECT_EQ(-EINVAL, ops[1].result);
	EXPECT_EQ(-EFAULT, ops[2].result);
	expect_quiet(_metadata, srv, 200);

	/*
	 * A buffer that faults after a good one: what TCP queued before the
	 * fault (its copies go a chunk at a time, so that may be nothing:
	 * EFAULT), and the peer gets exactly that.
	 */
	iov[0].iov_len = 10;
	iov[1].iov_base = bad;
	iov[1].iov_len = 16;
	vec_op(&ops[0], SOCKOBJ_OP_SENDV, id, iov, 2, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 1, 0, &done));
	if (ops[0].result != -EFAULT) {
		EXPECT_EQ(10, ops[0].result);
		ASSERT_EQ(10, so_recv_exact(srv, got, 10, so_tmo(5000)));
		EXPECT_EQ(0, memcmp(data, got, 10));
	}
	expect_quiet(_metadata, srv, 200);

	/* a receive into memory it cannot write: EFAULT, the data stays */
	ASSERT_EQ(16, send(srv, data, 16, 0));
	ASSERT_EQ(0, WAIT_INFO(self->fd, id, info, info.rx_queued == 16,
			       so_tmo(5000)));
	vec_op(&ops[0], SOCKOBJ_OP_RECVV, id, ro, 1, 0);
	iov[0].iov_base = got;
	iov[0].iov_len = 16;
	vec_op(&ops[1], SOCKOBJ_OP_RECVV, id, iov, 1, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 2, 0, &done));
	EXPECT_EQ(-EFAULT, ops[0].result);
	EXPECT_EQ(16, ops[1].result);
	EXPECT_EQ(0, memcmp(data, got, 16));
	close(srv);
	close(lfd);
	munmap(bad, page);
	munmap(rdonly, page);
	munmap(two, 2 * page);
}

TEST_F(batch, a_recv_op_takes_only_the_peek_flag)
{
	static unsigned char buf[8];
	struct sockobj_batch_op ops[1];
	__u32 id;

	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, 55, &id));
	recv_op(&ops[0], id, buf, sizeof(buf), SOCKOBJ_IO_TRUNC);
	EXPECT_EQ(-EINVAL, run_batch(self->fd, ops, 1, 0, NULL));
	EXPECT_EQ(-12345, ops[0].result);
	recv_op(&ops[0], id, buf, sizeof(buf), 1u << 1);
	EXPECT_EQ(-EINVAL, run_batch(self->fd, ops, 1, 0, NULL));
	/* valid: the object's own error */
	recv_op(&ops[0], id, buf, sizeof(buf), SOCKOBJ_IO_PEEK);
	EXPECT_EQ(0, run_batch(self->fd, ops, 1, 0, NULL));
	EXPECT_EQ(-ENOTCONN, ops[0].result);
}

SO_HARNESS_MAIN

/* A batch that also takes records (API version 8); *nev in and out. */
static int run_batch_events(int fd, struct sockobj_batch_op *ops, __u32 count,
			    __u32 flags, __u32 wait_ms,
			    struct sockobj_event *ev, __u32 *nev, __u32 *done)
{
	struct sockobj_batch b = {
		.ops = U64((uintptr_t)ops),
		.count = count,
		.flags = flags,
		.wait_ms = wait_ms,
		.events = U64((uintptr_t)ev),
		.nevents = *nev,
	};
	int ret = so_ioctl(fd, SOCKOBJ_IOC_BATCH, &b);

	*nev = b.nevents;
	if (done)
		*done = b.done;
	return ret;
}

static __u64 ms_since(__u64 t0_ns)
{
	return (so_now_ns() - t0_ns) / 1000000;
}

TEST_F(batch, connect_then_wait_returns_the_records_in_the_same_call)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 60 };
	struct sockobj_config cfg = { .mask = SOCKOBJ_CFG_TARGET };
	struct sockobj_batch_op ops[3] = {
		{ .op = SOCKOBJ_OP_CREATE, .arg = U64((uintptr_t)&cr) },
		{ .op = SOCKOBJ_OP_CONFIGURE, .arg = U64((uintptr_t)&cfg) },
		{ .op = SOCKOBJ_OP_CONNECT },
	};
	struct sockobj_event ev[8];
	__u32 nev = ARRAY_SIZE(ev), done = 0, id, seen = 0, i;
	int lfd, ret;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	so_addr(&cfg.target, "127.0.0.1", PORT);
	ASSERT_EQ(0, run_batch_events(self->fd, ops, 3, SOCKOBJ_BATCH_WAIT,
				      so_tmo(5000), ev, &nev, &done));
	ASSERT_EQ(U32(3), done);
	ASSERT_LT(0, ops[0].result);
	id = (__u32)ops[0].result;
	EXPECT_EQ(0, ops[1].result);
	EXPECT_EQ(0, ops[2].result);
	/* the CONNECTING record at least, then ESTABLISHED, in one call or more */
	ASSERT_LE(U32(1), nev);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].state);
	for (;;) {
		for (i = 0; i < nev; i++) {
			EXPECT_EQ(id, ev[i].id);
			EXPECT_EQ(60ULL, ev[i].cookie);
			if (ev[i].state == SOCKOBJ_STATE_ESTABLISHED)
				seen = 1;
		}
		if (seen)
			break;
		nev = ARRAY_SIZE(ev);
		/* count 0: a batch that only waits for records */
		ret = run_batch_events(self->fd, NULL, 0, SOCKOBJ_BATCH_WAIT,
				       so_tmo(5000), ev, &nev, &done);
		ASSERT_EQ(0, ret);
		ASSERT_EQ(U32(0), done);
		ASSERT_LE(U32(1), nev) TH_LOG("no ESTABLISHED record within 5 s");
	}
	close(lfd);
}

TEST_F(batch, a_wait_with_nothing_to_come_ends_at_wait_ms)
{
	struct sockobj_event ev[2];
	__u32 nev = ARRAY_SIZE(ev), done = 99;
	__u64 t0 = so_now_ns(), ms;

	ASSERT_EQ(0, run_batch_events(self->fd, NULL, 0, SOCKOBJ_BATCH_WAIT,
				      300, ev, &nev, &done));
	ms = ms_since(t0);
	EXPECT_EQ(U32(0), nev);
	EXPECT_EQ(U32(0), done);
	EXPECT_LE(290ULL, ms);
	EXPECT_GT(U64(so_tmo(5000)), ms);
	/* without the flag (or with wait_ms 0) it does not wait at all */
	nev = ARRAY_SIZE(ev);
	t0 = so_now_ns();
	ASSERT_EQ(0, run_batch_events(self->fd, NULL, 0, 0, 0, ev, &nev, NULL));
	EXPECT_EQ(U32(0), nev);
	nev = ARRAY_SIZE(ev);
	ASSERT_EQ(0, run_batch_events(self->fd, NULL, 0, SOCKOBJ_BATCH_WAIT, 0,
				      ev, &nev, NULL));
	EXPECT_EQ(U32(0), nev);
	EXPECT_GT(U64(so_tmo(250)), ms_since(t0));
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * SIGALRM 200 ms from now and every 200 ms after, until alarms_off(): a
 * test descheduled past the first one (a loaded debug kernel) still has
 * its wait ended by the next, where a single alarm would leave a wait
 * without a limit waiting for ever. Return: 0 or -1.
 */
static int alarms_every_200ms(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = {
		.it_interval = { .tv_usec = 200000 },
		.it_value = { .tv_usec = 200000 },
	};

	alarms = 0;
	if (sigaction(SIGALRM, &sa, NULL))
		return -1;
	return setitimer(ITIMER_REAL, &it, NULL);
}

static void alarms_off(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
}

TEST_F(batch, a_signal_ends_a_wait_forever_with_no_records)
{
	struct sockobj_event ev[2];
	__u32 nev = ARRAY_SIZE(ev);
	__u64 t0 = so_now_ns(), ms;
	int ret;

	ASSERT_EQ(0, alarms_every_200ms());
	ret = run_batch_events(self->fd, NULL, 0, SOCKOBJ_BATCH_WAIT,
			       SOCKOBJ_WAIT_FOREVER, ev, &nev, NULL);
	ms = ms_since(t0);
	alarms_off();
	ASSERT_EQ(0, ret);
	EXPECT_EQ(U32(0), nev);
	/* it waited: the first alarm came 200 ms after t0 */
	EXPECT_LE(150ULL, ms);
	EXPECT_LT(0, alarms);
}

TEST_F(batch, stop_skips_the_wait_and_nevents_bounds_what_is_taken)
{
	struct sockobj_batch_op ops[2] = {
		{ .op = SOCKOBJ_OP_DESTROY, .id = 999 },
		{ .op = SOCKOBJ_OP_CONNECT, .id = 999 },
	};
	struct sockobj_event ev[2], rest[8];
	struct sockobj_info info;
	__u32 nev = 1, done = 0, id[3];
	__u64 t0;
	int i;

	/* three refused attempts: three CONNECTING and three CLOSED records */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, so_new(self->fd, 70 + i, "127.0.0.1", PORT + 9, &id[i]));
		ASSERT_EQ(0, so_connect(self->fd, id[i]));
	}
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, WAIT_INFO(self->fd, id[i], info,
				       info.state == SOCKOBJ_STATE_CLOSED,
				       so_tmo(5000)));
	/* STOP cut the batch short: no wait, but the records still come */
	t0 = so_now_ns();
	ASSERT_EQ(0, run_batch_events(self->fd, ops, 2,
				      SOCKOBJ_BATCH_STOP | SOCKOBJ_BATCH_WAIT,
				      SOCKOBJ_WAIT_FOREVER, ev, &nev, &done));
	EXPECT_GT(U64(so_tmo(2000)), ms_since(t0));
	EXPECT_EQ(U32(1), done);
	EXPECT_EQ(-ENOENT, ops[0].result);
	ASSERT_EQ(U32(1), nev);
	EXPECT_EQ(id[0], ev[0].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].state);
	/* the other five stay for read(), each delivered once */
	EXPECT_EQ((ssize_t)(5 * sizeof(rest[0])),
		  read(self->fd, rest, sizeof(rest)));
	for (i = 0; i < 5; i++)
		EXPECT_FALSE(rest[i].id == id[0] &&
			     rest[i].state == SOCKOBJ_STATE_CONNECTING);
}

TEST_F(batch, bad_event_fields_run_nothing)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP };
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CREATE,
				       .arg = U64((uintptr_t)&cr) };
	struct sockobj_event ev[2];
	struct {
		__u32 count, flags, wait_ms, nevents, reserved;
		__u64 events;
	} bad[] = {
		{ 1, 0, 0, 2, 0, 0 },			/* nevents, no events */
		{ 1, 0, 0, 0, 0, 1 },			/* events, no nevents */
		{ 1, 0, 0, SOCKOBJ_BATCH_EVENTS_MAX + 1, 0, 1 },
		{ 1, SOCKOBJ_BATCH_WAIT, 100, 0, 0, 0 },	/* wait, no events */
		{ 1, 0, 100, 2, 0, 1 },			/* wait_ms, no WAIT */
		{ 0, 0, 0, 0, 0, 0 },			/* no ops, no events */
		{ 1, 0, 0, 2, 1, 1 },			/* reserved */
		{ 1, 1U << 2, 0, 2, 0, 1 },		/* unknown flag */
	};
	struct sockobj_info info;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct sockobj_batch b = {
			.ops = U64((uintptr_t)&op), .count = bad[i].count,
			.flags = bad[i].flags, .wait_ms = bad[i].wait_ms,
			.events = bad[i].events ? U64((uintptr_t)ev) : 0,
			.nevents = bad[i].nevents, .reserved = bad[i].reserved,
		};

		op.result = -12345;
		EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_BATCH, &b))
			TH_LOG("case %zu", i);
		EXPECT_EQ(-12345, op.result) TH_LOG("case %zu", i);
	}
	/* nothing was created: the first id is still free */
	EXPECT_EQ(-ENOENT, so_get_info(self->fd, 1, &info));
}

/*
 * A batch ignores what its outputs (done, each op's result) hold on
 * input: the same structs, passed again as they came back, run again.
 */
TEST_F(batch, a_batch_passed_again_as_it_came_back_runs_again)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_UDP, .cookie = 3 };
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CREATE,
				       .arg = U64((uintptr_t)&cr) };
	struct sockobj_batch b = { .ops = U64((uintptr_t)&op), .count = 1 };
	struct sockobj_info info;
	__u32 first;

	ASSERT_EQ(0, so_ioctl(self->fd, SOCKOBJ_IOC_BATCH, &b));
	ASSERT_EQ(U32(1), b.done);
	ASSERT_LT(0, op.result);
	first = (__u32)op.result;
	ASSERT_EQ(0, so_ioctl(self->fd, SOCKOBJ_IOC_BATCH, &b));
	ASSERT_EQ(U32(1), b.done);
	ASSERT_LT(0, op.result);
	EXPECT_NE(first, (__u32)op.result);
	ASSERT_EQ(0, so_get_info(self->fd, (__u32)op.result, &info));
	EXPECT_EQ(3ULL, info.cookie);
	ASSERT_EQ(0, so_get_info(self->fd, first, &info));
}

/*
 * A batch that fails after its ops ran (their results cannot be written
 * back) takes no record, and says so: nevents comes back 0, not the room
 * it was given.
 */
TEST_F(batch, a_failed_batch_reports_no_record_taken)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP };
	long page = sysconf(_SC_PAGESIZE);
	struct sockobj_batch_op *op;
	struct sockobj_event ev[4];
	struct sockobj_batch b;
	struct sockobj_info info;

	op = mmap(NULL, page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, op);
	memset(op, 0, sizeof(*op));
	op->op = SOCKOBJ_OP_CREATE;
	op->arg = U64((uintptr_t)&cr);
	ASSERT_EQ(0, mprotect(op, page, PROT_READ));
	memset(&b, 0, sizeof(b));
	b.ops = U64((uintptr_t)op);
	b.count = 1;
	b.events = U64((uintptr_t)ev);
	b.nevents = 4;
	EXPECT_EQ(-EFAULT, so_ioctl(self->fd, SOCKOBJ_IOC_BATCH, &b));
	EXPECT_EQ(U32(1), b.done);
	EXPECT_EQ(U32(0), b.nevents);
	/* the op ran: its object is there */
	EXPECT_EQ(0, so_get_info(self->fd, 1, &info));
	munmap(op, page);
}

TEST_F(batch, a_bad_events_buffer_leaves_the_records_queued)
{
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CONNECT };
	struct sockobj_event ev[4];
	long page = sysconf(_SC_PAGESIZE);
	void *bad = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	__u32 nev = 2, done = 0;
	ssize_t n;

	ASSERT_NE(MAP_FAILED, bad);
	ASSERT_EQ(0, so_new(self->fd, 80, "127.0.0.1", PORT + 9, &op.id));
	ASSERT_EQ(-EFAULT, run_batch_events(self->fd, &op, 1, 0, 0, bad, &nev,
					    &done));
	/* the op ran (its result and done came back); no record was lost */
	EXPECT_EQ(U32(1), done);
	EXPECT_EQ(0, op.result);
	n = read(self->fd, ev, sizeof(ev));
	ASSERT_LE((ssize_t)sizeof(ev[0]), n);
	EXPECT_EQ(op.id, ev[0].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].state);
	munmap(bad, page);
}

/*
 * Once the ops have run, the call takes the records they made: a CONNECT
 * and its CONNECTING record in one call, without SOCKOBJ_BATCH_WAIT.
 */
TEST_F(batch, the_records_of_the_ops_come_in_the_same_call)
{
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CONNECT, .result = 77 };
	struct sockobj_event ev[4];
	__u32 nev = ARRAY_SIZE(ev), done = 0;

	ASSERT_EQ(0, so_new(self->fd, 81, "127.0.0.1", PORT + 9, &op.id));
	ASSERT_EQ(0, run_batch_events(self->fd, &op, 1, 0, 0, ev, &nev, &done));
	ASSERT_EQ(U32(1), done);
	EXPECT_EQ(0, op.result);
	ASSERT_LE(U32(1), nev);
	EXPECT_EQ(op.id, ev[0].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].state);
	EXPECT_EQ(81ULL, ev[0].cookie);
}

/* Connects @id of @fd after @ms, from another thread (for the waits below) */
struct act_later {
	int fd;
	__u32 id;
	int srv;		/* or, when >= 0, shuts down this socket's sending */
	unsigned int ms;
};

static void *act_later(void *arg)
{
	struct act_later *a = arg;

	so_sleep_ms(a->ms);
	if (a->srv >= 0)
		shutdown(a->srv, SHUT_WR);
	else
		so_connect(a->fd, a->id);
	return NULL;
}

/*
 * A wait ends when a record comes, long before wait_ms: one made by an
 * ioctl of another thread (a CONNECT), then one made by the network (the
 * peer's FIN). Were the record already there when the call began, it
 * would return at once: the bound holds either way.
 */
TEST_F(batch, a_wait_ends_when_a_record_comes)
{
	struct act_later a = { .fd = self->fd, .srv = -1, .ms = 200 };
	__u32 wait_ms = (__u32)so_tmo(30000), nev, done = 99, i;
	struct sockobj_event ev[4];
	struct sockobj_info info;
	pthread_t th;
	int lfd, srv;
	__u64 t0, ms;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_new(self->fd, 82, "127.0.0.1", PORT, &a.id));
	ASSERT_EQ(0, pthread_create(&th, NULL, act_later, &a));
	nev = ARRAY_SIZE(ev);
	t0 = so_now_ns();
	ASSERT_EQ(0, run_batch_events(self->fd, NULL, 0, SOCKOBJ_BATCH_WAIT,
				      wait_ms, ev, &nev, &done));
	ms = ms_since(t0);
	pthread_join(th, NULL);
	EXPECT_EQ(U32(0), done);
	ASSERT_LE(U32(1), nev);
	EXPECT_EQ(a.id, ev[0].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].state);
	EXPECT_GT(U64(wait_ms / 2), ms) TH_LOG("woken after %llu ms",
					       (unsigned long long)ms);

	/* the ESTABLISHED record taken, the peer's FIN wakes the next wait */
	ASSERT_EQ(0, WAIT_INFO(self->fd, a.id, info,
			       info.state == SOCKOBJ_STATE_ESTABLISHED,
			       so_tmo(5000)));
	srv = so_accept(lfd, so_tmo(5000));
	ASSERT_LE(0, srv);
	for (i = 0; i < 4 && ev[nev - 1].state != SOCKOBJ_STATE_ESTABLISHED; i++) {
		nev = ARRAY_SIZE(ev);
		ASSERT_EQ(0, run_batch_events(self->fd, NULL, 0,
					      SOCKOBJ_BATCH_WAIT, so_tmo(5000),
					      ev, &nev, NULL));
		ASSERT_LE(U32(1), nev);
	}
	ASSERT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), ev[nev - 1].state);
	a.srv = srv;
	ASSERT_EQ(0, pthread_create(&th, NULL, act_later, &a));
	nev = ARRAY_SIZE(ev);
	t0 = so_now_ns();
	ASSERT_EQ(0, run_batch_events(self->fd, NULL, 0, SOCKOBJ_BATCH_WAIT,
				      wait_ms, ev, &nev, &done));
	ms = ms_since(t0);
	pthread_join(th, NULL);
	ASSERT_LE(U32(1), nev);
	for (i = 0; i < nev; i++)
		EXPECT_EQ(a.id, ev[i].id);
	EXPECT_GT(U64(wait_ms / 2), ms) TH_LOG("woken after %llu ms",
					       (unsigned long long)ms);
	close(srv);
	close(lfd);
}

/*
 * A signal that ends the wait leaves the call's 0, the ops' results and
 * done written back (and their effect), nevents 0.
 */
TEST_F(batch, a_signal_ends_the_wait_after_the_ops_with_their_results)
{
	struct sockobj_config cfg = { .mask = SOCKOBJ_CFG_TARGET }, got;
	struct sockobj_batch_op ops[2] = {
		{ .op = SOCKOBJ_OP_CONFIGURE, .arg = U64((uintptr_t)&cfg),
		  .result = 77 },
		{ .op = SOCKOBJ_OP_DESTROY, .id = 999, .result = 77 },
	};
	struct sockobj_event ev[2];
	__u32 nev = ARRAY_SIZE(ev), done = 0;
	__u64 t0, ms;
	int ret;

	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, 83, &ops[0].id));
	ASSERT_EQ(0, so_addr(&cfg.target, "127.0.0.1", PORT + 3));
	t0 = so_now_ns();
	ASSERT_EQ(0, alarms_every_200ms());
	ret = run_batch_events(self->fd, ops, 2, SOCKOBJ_BATCH_WAIT,
			       SOCKOBJ_WAIT_FOREVER, ev, &nev, &done);
	ms = ms_since(t0);
	alarms_off();
	ASSERT_EQ(0, ret);
	/* it waited: the first alarm came 200 ms after t0 */
	EXPECT_LE(150ULL, ms);
	EXPECT_LT(0, alarms);
	EXPECT_EQ(U32(2), done);
	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(-ENOENT, ops[1].result);
	EXPECT_EQ(U32(0), nev);
	ASSERT_EQ(0, so_get_config(self->fd, ops[0].id, &got));
	EXPECT_ADDR_EQ(&cfg.target, &got.target);
}

/* SOCKOBJ_BATCH_EVENTS_MAX itself is a good nevents */
TEST_F(batch, nevents_of_the_maximum_is_taken)
{
	struct sockobj_event *ev = calloc(SOCKOBJ_BATCH_EVENTS_MAX, sizeof(*ev));
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CONNECT, .result = 77 };
	__u32 nev = SOCKOBJ_BATCH_EVENTS_MAX, done = 0;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, so_new(self->fd, 84, "127.0.0.1", PORT + 9, &op.id));
	ASSERT_EQ(0, run_batch_events(self->fd, &op, 1, 0, 0, ev, &nev, &done));
	EXPECT_EQ(U32(1), done);
	EXPECT_EQ(0, op.result);
	ASSERT_LE(U32(1), nev);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[0].state);
	free(ev);
}

#define NRACE		200	/* objects of the next test, 2 records each */
#define NRACE_DEBUG	50

/* One thread of the next test: takes records until all were taken */
struct taker {
	int fd;			/* O_NONBLOCK */
	int batch;		/* 1: SOCKOBJ_IOC_BATCH's events, 0: read() */
	unsigned int total;	/* records to come */
	unsigned int *taken;	/* by both threads (atomic) */
	uint64_t end;		/* deadline, so_now_ns() */
	struct sockobj_event *ev;	/* 2 * NRACE */
	unsigned int n;		/* out: records taken */
	int bad;		/* out: an error, a part of a record */
};

static void *take_all(void *arg)
{
	struct taker *t = arg;
	unsigned int turn;

	for (turn = 0; t->n < 2 * NRACE && so_now_ns() < t->end; turn++) {
		__u32 want = 1 + turn % 3, got;
		ssize_t r;

		if (__atomic_load_n(t->taken, __ATOMIC_ACQUIRE) >= t->total)
			break;

		if (want > 2 * NRACE - t->n)
			want = 2 * NRACE - t->n;
		if (t->batch) {
			got = want;
			if (run_batch_events(t->fd, NULL, 0, 0, 0, t->ev + t->n,
					     &got, NULL)) {
				t->bad = -1;
				break;
			}
		} else {
			r = read(t->fd, t->ev + t->n, want * sizeof(*t->ev));
			if (r < 0 && errno != EAGAIN) {
				t->bad = -errno;
				break;
			}
			if (r > 0 && r % SO_EV_SIZE) {
				t->bad = -2;
				break;
			}
			got = r > 0 ? (__u32)(r / SO_EV_SIZE) : 0;
		}
		if (!got) {
			sched_yield();
			continue;
		}
		t->n += got;
		__atomic_add_fetch(t->taken, got, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * A read() and a batch's events on the same file in two threads each get
 * whole records, none twice, none lost: while objects connect (to a port
 * that refuses them), the two take every object's CONNECTING and CLOSED
 * once between them, one thread or the other, and a thread that takes
 * both of an object's records gets them in order.
 */
TEST_F(batch, a_read_and_a_batch_in_two_threads_share_the_records)
{
	unsigned int nobj = so_debug_kernel() ? NRACE_DEBUG : NRACE;
	unsigned int i, k, obj, taken = 0;
	struct sockobj_info info;
	struct taker t[2];
	pthread_t th[2];
	__u32 *ids = calloc(nobj, sizeof(*ids));
	unsigned char (*seen)[2] = calloc(nobj, sizeof(*seen));
	__u64 (*seq)[2] = calloc(nobj, sizeof(*seq));

	ASSERT_TRUE(ids && seen && seq);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	for (i = 0; i < nobj; i++)
		ASSERT_EQ(0, so_new(self->fd, 5000 + i, "127.0.0.1", PORT + 9,
				    &ids[i]));
	for (k = 0; k < 2; k++) {
		memset(&t[k], 0, sizeof(t[k]));
		t[k].fd = self->fd;
		t[k].batch = (int)k;
		t[k].total = 2 * nobj;
		t[k].taken = &taken;
		t[k].end = so_now_ns() + (uint64_t)so_tmo(30000) * 1000000ULL;
		t[k].ev = calloc(2 * NRACE, sizeof(*t[k].ev));
		ASSERT_NE(NULL, t[k].ev);
	}
	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, pthread_create(&th[k], NULL, take_all, &t[k]));
	for (i = 0; i < nobj; i++)
		EXPECT_EQ(0, so_connect(self->fd, ids[i]));
	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, pthread_join(th[k], NULL));
	TH_LOG("read() took %u records, the batch %u", t[0].n, t[1].n);
	EXPECT_EQ(2 * nobj, t[0].n + t[1].n);
	for (k = 0; k < 2; k++) {
		EXPECT_EQ(0, t[k].bad) TH_LOG("thread %u", k);
		memset(seq, 0, nobj * sizeof(*seq));
		for (i = 0; i < t[k].n; i++) {
			const struct sockobj_event *e = &t[k].ev[i];

			obj = (unsigned int)(e->cookie - 5000);
			ASSERT_GT(nobj, obj) TH_LOG("thread %u record %u", k, i);
			EXPECT_EQ(ids[obj], e->id);
			EXPECT_EQ(U32(SOCKOBJ_EV_STATE), e->type);
			if (e->state == SOCKOBJ_STATE_CONNECTING) {
				seen[obj][0]++;
				seq[obj][0] = e->seq;
				EXPECT_EQ(0ULL, seq[obj][1])
					TH_LOG("object %u: CLOSED before CONNECTING",
					       ids[obj]);
			} else {
				EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), e->state);
				seen[obj][1]++;
				seq[obj][1] = e->seq;
			}
		}
		free(t[k].ev);
	}
	for (i = 0; i < nobj; i++) {
		EXPECT_EQ(1, seen[i][0]) TH_LOG("object %u's CONNECTING", ids[i]);
		EXPECT_EQ(1, seen[i][1]) TH_LOG("object %u's CLOSED", ids[i]);
	}
	/* every object did end: nothing is left to take */
	for (i = 0; i < nobj; i++)
		EXPECT_EQ(0, WAIT_INFO(self->fd, ids[i], info,
				       info.state == SOCKOBJ_STATE_CLOSED, 0));
	free(ids);
	free(seen);
	free(seq);
}

/*
 * A SENDV or RECVV runs on its own: the SEND or RECV ops around it are not
 * joined into one socket call past it; the bytes go in the ops' order.
 */
TEST_F(batch, a_vectored_op_is_not_joined_with_its_neighbours)
{
	static unsigned char data[60], got[60];
	struct iovec siov[2] = { { data + 10, 5 }, { data + 15, 15 } };
	struct iovec riov[2] = { { got + 10, 5 }, { got + 15, 15 } };
	struct sockobj_batch_op ops[3];
	struct sockobj_info info;
	int lfd, srv = -1;
	__u32 id, done = 0;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT, 85, &srv);
	pattern(data, sizeof(data), 0, 17);
	send_op(&ops[0], id, data, 10);
	vec_op(&ops[1], SOCKOBJ_OP_SENDV, id, siov, 2, 0);
	send_op(&ops[2], id, data + 30, 30);
	ASSERT_EQ(0, run_batch(self->fd, ops, 3, 0, &done));
	ASSERT_EQ(U32(3), done);
	EXPECT_EQ(10, ops[0].result);
	EXPECT_EQ(20, ops[1].result);
	EXPECT_EQ(30, ops[2].result);
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));

	pattern(data, sizeof(data), 0, 18);
	memset(got, 0, sizeof(got));
	ASSERT_EQ((ssize_t)sizeof(data), send(srv, data, sizeof(data), 0));
	ASSERT_EQ(0, WAIT_INFO(self->fd, id, info,
			       info.rx_queued == sizeof(data), so_tmo(5000)));
	recv_op(&ops[0], id, got, 10, 0);
	vec_op(&ops[1], SOCKOBJ_OP_RECVV, id, riov, 2, 0);
	recv_op(&ops[2], id, got + 30, 30, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 3, 0, &done));
	ASSERT_EQ(U32(3), done);
	EXPECT_EQ(10, ops[0].result);
	EXPECT_EQ(20, ops[1].result);
	EXPECT_EQ(30, ops[2].result);
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));
	close(srv);
	close(lfd);
}

/*
 * sockobj_prep_create(3): the kernel reads a vectored op's array only when
 * it runs the op. The op before it receives a new array over the old one
 * (whose buffer is outside memory): the SENDV sends from the new one.
 */
TEST_F(batch, a_vectored_ops_array_is_read_when_the_op_runs)
{
	static unsigned char data[16], got[16];
	long page = sysconf(_SC_PAGESIZE);
	struct iovec arr[1], good[1] = { { data, sizeof(data) } };
	struct sockobj_batch_op ops[2];
	struct sockobj_info info;
	int lfd, srv = -1;
	__u32 id, done = 0;
	void *bad;

	bad = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT, 86, &srv);
	pattern(data, sizeof(data), 0, 19);
	arr[0].iov_base = bad;
	arr[0].iov_len = sizeof(data);
	/* the peer sends the bytes of the good array */
	ASSERT_EQ((ssize_t)sizeof(good), send(srv, good, sizeof(good), 0));
	ASSERT_EQ(0, WAIT_INFO(self->fd, id, info,
			       info.rx_queued == sizeof(good), so_tmo(5000)));
	recv_op(&ops[0], id, arr, sizeof(arr), 0);
	vec_op(&ops[1], SOCKOBJ_OP_SENDV, id, arr, 1, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 2, 0, &done));
	ASSERT_EQ(U32(2), done);
	EXPECT_EQ((int)sizeof(arr), ops[0].result);
	EXPECT_EQ((int)sizeof(data), ops[1].result);
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));
	close(srv);
	close(lfd);
	munmap(bad, page);
}

/*
 * What the io_uring section says a batch refuses with EINVAL: a len or an
 * arg where the op takes none, no arg for CREATE or CONFIGURE. The whole
 * call fails and no op runs (the CREATE before the bad op made nothing).
 */
TEST_F(batch, an_arg_or_len_where_none_goes_runs_nothing)
{
	static unsigned char buf[8];
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 87 };
	struct sockobj_batch_op bad[] = {
		{ .op = SOCKOBJ_OP_CONNECT, .arg = U64((uintptr_t)buf) },
		{ .op = SOCKOBJ_OP_ABORT, .arg = U64((uintptr_t)buf) },
		{ .op = SOCKOBJ_OP_DESTROY, .len = 1 },
		{ .op = SOCKOBJ_OP_CREATE },
		{ .op = SOCKOBJ_OP_CONFIGURE },
	};
	struct sockobj_batch_op ops[2];
	struct sockobj_info info;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ops[0] = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_CREATE,
			.arg = U64((uintptr_t)&cr), .result = 77 };
		ops[1] = bad[i];
		ops[1].result = 77;
		EXPECT_EQ(-EINVAL, run_batch(self->fd, ops, 2, 0, NULL))
			TH_LOG("case %zu", i);
		EXPECT_EQ(77, ops[0].result) TH_LOG("case %zu", i);
		EXPECT_EQ(77, ops[1].result) TH_LOG("case %zu", i);
	}
	/* nothing was created: the first id is still free */
	EXPECT_EQ(-ENOENT, so_get_info(self->fd, 1, &info));
}

/*
 * A RECVV whose second buffer cannot be written: the bytes moved into the
 * first, or EFAULT when none were (TCP copies a chunk at a time, so that
 * may be nothing); either way no byte is lost: the next receive gets
 * exactly the rest.
 */
TEST_F(batch, a_recvv_buffer_that_faults_loses_no_data)
{
	static unsigned char data[26], got[26];
	long page = sysconf(_SC_PAGESIZE);
	struct sockobj_batch_op ops[2];
	struct iovec iov[2] = { { got, 10 }, { NULL, 16 } };
	int lfd, srv = -1, first;
	__u32 id, done = 0;
	void *ro;

	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	iov[1].iov_base = ro;
	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	pattern(data, sizeof(data), 0, 20);
	id = queued_from_peer(_metadata, self->fd, lfd, 88, data, sizeof(data),
			      &srv);
	vec_op(&ops[0], SOCKOBJ_OP_RECVV, id, iov, 2, 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 1, 0, &done));
	ASSERT_EQ(U32(1), done);
	first = ops[0].result;
	TH_LOG("a RECVV over a faulting second buffer: %d", first);
	ASSERT_TRUE(first == -EFAULT || first == 10);
	if (first < 0)
		first = 0;
	EXPECT_EQ(0, memcmp(data, got, (size_t)first));
	recv_op(&ops[0], id, got + first, sizeof(got) - (size_t)first, 0);
	recv_op(&ops[1], id, got, sizeof(got), 0);
	ASSERT_EQ(0, run_batch(self->fd, ops, 2, 0, &done));
	EXPECT_EQ((int)sizeof(data) - first, ops[0].result);
	EXPECT_EQ(-EAGAIN, ops[1].result);
	EXPECT_EQ(0, memcmp(data + first, got + first, sizeof(data) - (size_t)first));
	close(srv);
	close(lfd);
	munmap(ro, page);
}
