// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring passthrough (API version 10): batch ops as IORING_OP_URING_CMD
 * SQEs on the device's fd, end to end, with real peers.
 *
 * - The feature bit and the version.
 * - CREATE, CONFIGURE, CONNECT as SQEs, then the records on read().
 * - SEND and RECV round trips with a peer; SENDV and RECVV.
 * - A RECV with nothing queued completes with -EAGAIN in the same submit,
 *   without an io-wq worker (io_uring would punt a returned -EAGAIN to
 *   one); forced to io-wq (IOSQE_ASYNC), ops run there and give the same
 *   results; an SQPOLL ring runs them with no system call.
 * - A SEND's positive result does not cancel the SQE linked after it.
 * - A registered file (IOSQE_FIXED_FILE); a SEND with no room is -EAGAIN
 *   at once, not a wait; ops use the opener's network namespace, not the
 *   submitter's; no CQE carries a record.
 * - Bad input: each its errno, nothing done. A polled ring (IOPOLL):
 *   EOPNOTSUPP from io_uring itself on 6.1 and 6.12, run as on any ring
 *   on 7.2.
 * - Closing the ring and the fd in either order, with objects and
 *   completed SQEs, leaves nothing (the debug kernel's kmemleak checks).
 *
 * io_uring unavailable (ENOSYS, or EPERM from kernel.io_uring_disabled):
 * the program skips, saying so. Each test runs in a private network
 * namespace (loopback only).
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/utsname.h>
#include <liburing.h>

#include "sotest.h"

#define PORT		5200
#define ENTRIES		16

FIXTURE(uring) {
	int fd;
	struct io_uring ring;
	int have_ring;
};

/* A ring of 128-byte SQEs with @flags; 0 or -errno */
static int ring_init(struct io_uring *ring, unsigned int flags)
{
	struct io_uring_params p = { .flags = flags, .sq_thread_idle = 1000 };

	return io_uring_queue_init_params(ENTRIES, ring, &p);
}

FIXTURE_SETUP(uring)
{
	int ret;

	self->fd = -1;
	self->have_ring = 0;
	SO_REQUIRE_DEVICE();
	ret = ring_init(&self->ring, IORING_SETUP_SQE128);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(so_skip_exit(), "io_uring is unavailable: %s%s",
		     strerror(-ret), ret == -EPERM ?
		     " (kernel.io_uring_disabled?)" : "");
	ASSERT_EQ(0, ret) TH_LOG("io_uring_queue_init: %s", strerror(-ret));
	self->have_ring = 1;
	ASSERT_EQ(0, so_netns_private());
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(uring)
{
	if (self->have_ring)
		io_uring_queue_exit(&self->ring);
	so_close(self->fd);
}

/* The SQE for @op on @fd: the whole 128 bytes written */
static struct io_uring_sqe *prep_op(struct io_uring *ring, int fd,
				    const struct sockobj_batch_op *op,
				    __u32 cmd_op, __u64 data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct sockobj_uring_cmd c = { .op = *op };

	if (!sqe)
		return NULL;
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = cmd_op;
	sqe->user_data = data;
	memcpy(sqe->cmd, &c, sizeof(c));
	return sqe;
}

/*
 * Submit the SQEs prepared and wait for @n completions with one
 * io_uring_submit_and_wait(); their res by user_data (0..n-1) in res[].
 * Return: 0, or -1 when a CQE was not there.
 */
static int reap(struct io_uring *ring, unsigned int n, int *res)
{
	struct io_uring_cqe *cqe;
	unsigned int k;
	int ret;

	ret = io_uring_submit_and_wait(ring, n);
	if (ret < 0)
		return ret;
	for (k = 0; k < n; k++) {
		if (io_uring_peek_cqe(ring, &cqe))
			return -1;
		if (cqe->user_data < n)
			res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	return 0;
}

/* One op through @ring, with @sqe_flags: the CQE's res */
static int run_op_flags(struct __test_metadata *_metadata,
			struct io_uring *ring, int fd,
			const struct sockobj_batch_op *op, __u32 cmd_op,
			unsigned int sqe_flags)
{
	struct io_uring_sqe *sqe = prep_op(ring, fd, op, cmd_op, 0);
	int res = -12345;

	if (!sqe) {
		ASSERT_NE(NULL, sqe);
		return res;
	}
	sqe->flags |= sqe_flags;
	EXPECT_EQ(0, reap(ring, 1, &res));
	return res;
}

#define RUN_OP(op) run_op_flags(_metadata, &self->ring, self->fd, op, \
				SOCKOBJ_URING_OP, 0)

static struct sockobj_batch_op io_op(__u32 op, __u32 id, const void *buf,
				     __u64 len)
{
	return (struct sockobj_batch_op){
		.op = op, .id = id, .arg = U64((uintptr_t)buf), .len = len,
	};
}

static void pattern(unsigned char *buf, size_t len, int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + seed);
}

/* io-wq workers of this process ("iou-wrk-*" threads) */
static int iowq_workers(void)
{
	char path[300], comm[64];
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc/self/task");

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-wrk-", 8))
			n++;
		fclose(f);
	}
	closedir(dir);
	return n;
}

/* An object established with the listener lfd, peer socket in *srv */
static __u32 established(struct __test_metadata *_metadata, int fd, int lfd,
			 __u64 cookie, int *srv)
{
	return so_establish(_metadata, fd, lfd, "127.0.0.1", PORT, cookie, srv);
}

/* The peer sends @len bytes of @data; the object has them queued. */
static void peer_sends(struct __test_metadata *_metadata, int fd, __u32 id,
		       int srv, const void *data, size_t len)
{
	struct sockobj_info info;

	ASSERT_EQ((ssize_t)len, send(srv, data, len, 0));
	ASSERT_EQ(0, WAIT_INFO(fd, id, info, info.rx_queued == len,
			       so_tmo(5000)));
}

TEST_F(uring, the_feature_bit_and_version_10_on)
{
	struct sockobj_api api;

	ASSERT_EQ(0, so_get_api(self->fd, &api));
	EXPECT_LE(10U, api.api_version);
	EXPECT_NE(0ULL, api.features & SOCKOBJ_FEAT_URING_CMD);
	EXPECT_EQ(80U, sizeof(struct sockobj_uring_cmd));
}

TEST_F(uring, create_configure_connect_then_the_records_on_read)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 7 };
	struct sockobj_config cfg = { .mask = SOCKOBJ_CFG_TARGET };
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CREATE,
				       .arg = U64((uintptr_t)&cr) };
	struct io_uring_cqe *cqe;
	struct sockobj_info info;
	int lfd, srv, id;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = RUN_OP(&op);
	ASSERT_LT(0, id);
	ASSERT_EQ(0, so_get_info(self->fd, (__u32)id, &info));
	EXPECT_EQ(7ULL, info.cookie);
	ASSERT_EQ(0, so_addr(&cfg.target, "127.0.0.1", PORT));
	cfg.id = (__u32)id;
	op = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_CONFIGURE, .id = (__u32)id,
					.arg = U64((uintptr_t)&cfg) };
	EXPECT_EQ(0, RUN_OP(&op));
	op = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_CONNECT, .id = (__u32)id };
	EXPECT_EQ(0, RUN_OP(&op));
	ASSERT_EVENTS(self->fd, (__u32)id, 7, so_tmo(5000),
		      EV(CONNECTING, CLOSED), EV(ESTABLISHED, CONNECTING));
	/* no CQE carries a record: each SQE had its one CQE, no more */
	EXPECT_EQ(-EAGAIN, io_uring_peek_cqe(&self->ring, &cqe));
	srv = so_accept(lfd, so_tmo(5000));
	EXPECT_LE(0, srv);
	/* DISCONNECT, then DESTROY: the id is gone */
	op = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_DISCONNECT, .id = (__u32)id };
	EXPECT_EQ(0, RUN_OP(&op));
	op = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_DESTROY, .id = (__u32)id };
	EXPECT_EQ(0, RUN_OP(&op));
	EXPECT_EQ(-ENOENT, so_get_info(self->fd, (__u32)id, &info));
	close(srv);
	close(lfd);
}

TEST_F(uring, send_and_recv_round_trip)
{
	static unsigned char data[100], got[100], back[64];
	struct sockobj_batch_op op;
	int lfd, srv = -1, res[2];
	__u32 id;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = established(_metadata, self->fd, lfd, 1, &srv);
	pattern(data, sizeof(data), 1);
	/* two SENDs in one submit: both lengths, the bytes in order */
	op = io_op(SOCKOBJ_OP_SEND, id, data, 60);
	ASSERT_NE(NULL, prep_op(&self->ring, self->fd, &op, SOCKOBJ_URING_OP, 0));
	op = io_op(SOCKOBJ_OP_SEND, id, data + 60, 40);
	ASSERT_NE(NULL, prep_op(&self->ring, self->fd, &op, SOCKOBJ_URING_OP, 1));
	ASSERT_EQ(0, reap(&self->ring, 2, res));
	EXPECT_EQ(60, res[0]);
	EXPECT_EQ(40, res[1]);
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));

	peer_sends(_metadata, self->fd, id, srv, data, 50);
	op = io_op(SOCKOBJ_OP_RECV, id, back, sizeof(back));
	EXPECT_EQ(50, RUN_OP(&op));
	EXPECT_EQ(0, memcmp(data, back, 50));

	/* after the peer's FIN: 0 */
	ASSERT_EQ(0, shutdown(srv, SHUT_WR));
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_PEER_CLOSING,
				   so_tmo(5000)));
	EXPECT_EQ(0, RUN_OP(&op));
	close(srv);
	close(lfd);
}

TEST_F(uring, recv_with_nothing_queued_is_eagain_in_the_same_submit)
{
	static unsigned char buf[64];
	struct sockobj_batch_op op;
	struct io_uring_cqe *cqe;
	int lfd, srv = -1, ret;
	__u32 id;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = established(_metadata, self->fd, lfd, 2, &srv);
	ASSERT_EQ(0, iowq_workers());
	op = io_op(SOCKOBJ_OP_RECV, id, buf, sizeof(buf));
	ASSERT_NE(NULL, prep_op(&self->ring, self->fd, &op, SOCKOBJ_URING_OP, 0));
	/* submitted and completed by this one call, not later */
	ret = io_uring_submit_and_wait(&self->ring, 0);
	ASSERT_EQ(1, ret);
	ASSERT_EQ(0, io_uring_peek_cqe(&self->ring, &cqe))
		TH_LOG("no CQE right after the submit");
	EXPECT_EQ(-EAGAIN, cqe->res);
	io_uring_cqe_seen(&self->ring, cqe);
	/* and no io-wq worker was started for it */
	EXPECT_EQ(0, iowq_workers());
	close(srv);
	close(lfd);
}

TEST_F(uring, sendv_and_recvv)
{
	static unsigned char data[100], got[100], a[15], b[10], c[30];
	struct iovec siov[3] = {
		{ data, 10 }, { data + 10, 0 }, { data + 10, 60 },
	};
	struct iovec riov[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };
	struct sockobj_batch_op op;
	int lfd, srv = -1;
	__u32 id;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = established(_metadata, self->fd, lfd, 3, &srv);
	pattern(data, sizeof(data), 3);
	op = io_op(SOCKOBJ_OP_SENDV, id, siov, 3);
	EXPECT_EQ(70, RUN_OP(&op));
	ASSERT_EQ(70, so_recv_exact(srv, got, 70, so_tmo(5000)));
	EXPECT_EQ(0, memcmp(data, got, 70));

	peer_sends(_metadata, self->fd, id, srv, data, 40);
	op = io_op(SOCKOBJ_OP_RECVV, id, riov, 3);
	op.flags = SOCKOBJ_IO_PEEK;
	EXPECT_EQ(40, RUN_OP(&op));	/* a peek: the data stays */
	memset(a, 0, sizeof(a));
	op.flags = 0;
	EXPECT_EQ(40, RUN_OP(&op));
	EXPECT_EQ(0, memcmp(data, a, 15));
	EXPECT_EQ(0, memcmp(data + 15, b, 10));
	EXPECT_EQ(0, memcmp(data + 25, c, 15));
	EXPECT_EQ(-EAGAIN, RUN_OP(&op));
	/* an array that cannot be read: EFAULT; a length above SSIZE_MAX: EINVAL */
	op = io_op(SOCKOBJ_OP_SENDV, id, (void *)8, 2);
	EXPECT_EQ(-EFAULT, RUN_OP(&op));
	siov[1].iov_len = (size_t)-1;
	op = io_op(SOCKOBJ_OP_SENDV, id, siov, 3);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	close(srv);
	close(lfd);
}

TEST_F(uring, ops_forced_to_io_wq_give_the_same_results)
{
	static unsigned char data[64], got[64];
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 4 };
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CREATE,
				       .arg = U64((uintptr_t)&cr) };
	struct sockobj_info info;
	int lfd, srv = -1, id;
	__u32 eid;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = run_op_flags(_metadata, &self->ring, self->fd, &op,
			  SOCKOBJ_URING_OP, IOSQE_ASYNC);
	ASSERT_LT(0, id);
	ASSERT_EQ(0, so_get_info(self->fd, (__u32)id, &info));
	EXPECT_EQ(4ULL, info.cookie);
	/* the op ran in a worker of this process's io-wq */
	EXPECT_LE(1, iowq_workers());

	eid = established(_metadata, self->fd, lfd, 5, &srv);
	op = io_op(SOCKOBJ_OP_RECV, eid, got, sizeof(got));
	EXPECT_EQ(-EAGAIN, run_op_flags(_metadata, &self->ring, self->fd, &op,
					SOCKOBJ_URING_OP, IOSQE_ASYNC));
	pattern(data, sizeof(data), 4);
	op = io_op(SOCKOBJ_OP_SEND, eid, data, sizeof(data));
	EXPECT_EQ(64, run_op_flags(_metadata, &self->ring, self->fd, &op,
				   SOCKOBJ_URING_OP, IOSQE_ASYNC));
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));
	close(srv);
	close(lfd);
}

TEST_F(uring, an_sqpoll_ring_runs_ops)
{
	static unsigned char data[32], got[32];
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 6 };
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CREATE,
				       .arg = U64((uintptr_t)&cr) };
	struct sockobj_info info;
	struct io_uring sq;
	int lfd, srv = -1, id;
	__u32 eid;

	ASSERT_EQ(0, ring_init(&sq, IORING_SETUP_SQE128 | IORING_SETUP_SQPOLL));
	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = run_op_flags(_metadata, &sq, self->fd, &op, SOCKOBJ_URING_OP, 0);
	ASSERT_LT(0, id);
	ASSERT_EQ(0, so_get_info(self->fd, (__u32)id, &info));
	EXPECT_EQ(6ULL, info.cookie);
	eid = established(_metadata, self->fd, lfd, 7, &srv);
	pattern(data, sizeof(data), 6);
	op = io_op(SOCKOBJ_OP_SEND, eid, data, sizeof(data));
	EXPECT_EQ(32, run_op_flags(_metadata, &sq, self->fd, &op,
				   SOCKOBJ_URING_OP, 0));
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));
	op = io_op(SOCKOBJ_OP_RECV, eid, got, sizeof(got));
	EXPECT_EQ(-EAGAIN, run_op_flags(_metadata, &sq, self->fd, &op,
					SOCKOBJ_URING_OP, 0));
	io_uring_queue_exit(&sq);
	close(srv);
	close(lfd);
}

TEST_F(uring, a_send_result_does_not_cancel_the_linked_sqe)
{
	static unsigned char data[16], got[16];
	struct sockobj_batch_op op;
	struct io_uring_sqe *sqe;
	int lfd, srv = -1, res[2] = { -12345, -12345 };
	__u32 id;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = established(_metadata, self->fd, lfd, 8, &srv);
	op = io_op(SOCKOBJ_OP_SEND, id, data, sizeof(data));
	sqe = prep_op(&self->ring, self->fd, &op, SOCKOBJ_URING_OP, 0);
	ASSERT_NE(NULL, sqe);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	io_uring_prep_nop(sqe);
	sqe->user_data = 1;
	ASSERT_EQ(0, reap(&self->ring, 2, res));
	EXPECT_EQ(16, res[0]);
	EXPECT_EQ(0, res[1]) TH_LOG("the NOP linked after a SEND: %d", res[1]);
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	close(srv);
	close(lfd);
}

TEST_F(uring, bad_input_gives_its_errno_and_does_nothing)
{
	static unsigned char data[16];
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 9 };
	struct sockobj_batch_op create = { .op = SOCKOBJ_OP_CREATE,
					   .arg = U64((uintptr_t)&cr) };
	struct sockobj_batch_op op;
	struct sockobj_uring_cmd c = { .op = create };
	struct sockobj_info info;
	struct io_uring_sqe *sqe;
	struct io_uring small;
	int lfd, srv = -1, res = 0, id;
	__u32 eid, other;

	/* unknown cmd_op: as an unknown ioctl */
	EXPECT_EQ(-ENOTTY, run_op_flags(_metadata, &self->ring, self->fd,
					&create, 2, 0));
	EXPECT_EQ(-ENOTTY, run_op_flags(_metadata, &self->ring, self->fd,
					&create, 0, 0));
	/* a reserved word set */
	for (int k = 0; k < 6; k++) {
		sqe = prep_op(&self->ring, self->fd, &create, SOCKOBJ_URING_OP, 0);
		ASSERT_NE(NULL, sqe);
		c.reserved[k] = 1;
		memcpy(sqe->cmd, &c, sizeof(c));
		c.reserved[k] = 0;
		ASSERT_EQ(0, reap(&self->ring, 1, &res));
		EXPECT_EQ(-EINVAL, res) TH_LOG("reserved[%d]", k);
	}
	/* a result set */
	op = create;
	op.result = 1;
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	/* a ring of 64-byte SQEs: its SQE holds 16 bytes of command */
	ASSERT_EQ(0, io_uring_queue_init(ENTRIES, &small, 0));
	sqe = io_uring_get_sqe(&small);
	ASSERT_NE(NULL, sqe);
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = self->fd;
	sqe->cmd_op = SOCKOBJ_URING_OP;
	memcpy(sqe->cmd, &create, 16);
	ASSERT_EQ(0, reap(&small, 1, &res));
	EXPECT_EQ(-EINVAL, res);
	io_uring_queue_exit(&small);
	/* a CREATE without its arg */
	op = io_op(SOCKOBJ_OP_CREATE, 0, NULL, 0);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	/* no object was made: the next CREATE's id is the only one */
	id = RUN_OP(&create);
	ASSERT_LT(0, id);
	for (other = 1; other < (__u32)id + 8; other++)
		if (other != (__u32)id)
			EXPECT_EQ(-ENOENT, so_get_info(self->fd, other, &info));

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	eid = established(_metadata, self->fd, lfd, 10, &srv);
	/* unknown ops, a flag the op does not take, a len where none goes */
	op = io_op(0, eid, NULL, 0);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_RECVV + 1, eid, NULL, 0);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_SEND, eid, data, sizeof(data));
	op.flags = SOCKOBJ_IO_PEEK;
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_DISCONNECT, eid, NULL, 1);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_SENDV, eid, data, SOCKOBJ_BATCH_IOV_MAX + 1);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	/*
	 * With data from the peer queued (which a receive that ran would
	 * take): a RECVV of too many iovecs, an arg where the op takes none,
	 * a CONFIGURE without its arg.
	 */
	ASSERT_EQ(4, send(srv, "abcd", 4, 0));
	ASSERT_EQ(0, WAIT_INFO(self->fd, eid, info, info.rx_queued == 4,
			       so_tmo(5000)));
	op = io_op(SOCKOBJ_OP_RECVV, eid, data, SOCKOBJ_BATCH_IOV_MAX + 1);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_ABORT, eid, data, 0);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_DISCONNECT, eid, data, 0);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_CONNECT, eid, data, 0);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_CONFIGURE, eid, NULL, 0);
	EXPECT_EQ(-EINVAL, RUN_OP(&op));
	/* id 0: no object created last outside a batch */
	op = io_op(SOCKOBJ_OP_SEND, 0, data, sizeof(data));
	EXPECT_EQ(-ENOENT, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_SENDV, 0, NULL, 0);
	EXPECT_EQ(-ENOENT, RUN_OP(&op));
	op = io_op(SOCKOBJ_OP_ABORT, 0, NULL, 0);
	EXPECT_EQ(-ENOENT, RUN_OP(&op));
	/* none of it touched the connection */
	ASSERT_EQ(0, so_get_info(self->fd, eid, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), info.state);
	EXPECT_EQ(0ULL, info.bytes_sent);
	EXPECT_EQ(4U, info.rx_queued);
	EXPECT_EQ(0ULL, info.bytes_received);
	EXPECT_EQ(-ETIMEDOUT, so_recv(srv, data, 1, 200));
	close(srv);
	close(lfd);
}

/* The file as a registered file (IOSQE_FIXED_FILE, fd its index) */
TEST_F(uring, a_registered_file_takes_ops)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 14 };
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CREATE,
				       .arg = U64((uintptr_t)&cr) };
	struct sockobj_info info;
	struct io_uring_sqe *sqe;
	int res = -12345;

	ASSERT_EQ(0, io_uring_register_files(&self->ring, &self->fd, 1));
	/* index 0, not descriptor 0 (stdin, not the device) */
	ASSERT_NE(0, self->fd);
	sqe = prep_op(&self->ring, 0, &op, SOCKOBJ_URING_OP, 0);
	ASSERT_NE(NULL, sqe);
	sqe->flags |= IOSQE_FIXED_FILE;
	ASSERT_EQ(0, reap(&self->ring, 1, &res));
	ASSERT_LT(0, res);
	ASSERT_EQ(0, so_get_info(self->fd, (__u32)res, &info));
	EXPECT_EQ(14ULL, info.cookie);
}

/*
 * A SEND that finds no room completes with -EAGAIN, promptly, and is not
 * retried: each SEND's CQE comes within a bound, none is left waiting for
 * room, and no io-wq worker was started for them.
 */
TEST_F(uring, a_send_with_no_room_is_eagain_not_a_wait)
{
	enum { SZ = 256 * 1024 };
	static unsigned char data[SZ];
	struct __kernel_timespec ts = { .tv_sec = so_tmo(10000) / 1000 };
	struct io_uring_cqe *cqe;
	struct sockobj_batch_op op;
	int lfd, srv = -1, res = 0, i, ret;
	__u32 id;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = established(_metadata, self->fd, lfd, 15, &srv);
	/* the peer reads nothing: the send buffer fills up */
	for (i = 0; i < 256; i++) {
		op = io_op(SOCKOBJ_OP_SEND, id, data, sizeof(data));
		ASSERT_NE(NULL, prep_op(&self->ring, self->fd, &op,
					SOCKOBJ_URING_OP, 0));
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		ret = io_uring_wait_cqe_timeout(&self->ring, &cqe, &ts);
		ASSERT_EQ(0, ret) TH_LOG("send %d: no CQE within %lld s", i,
					 (long long)ts.tv_sec);
		res = cqe->res;
		io_uring_cqe_seen(&self->ring, cqe);
		if (res == -EAGAIN)
			break;
		ASSERT_LT(0, res) TH_LOG("send %d", i);
		ASSERT_GE(SZ, res);
	}
	EXPECT_EQ(-EAGAIN, res);
	EXPECT_LT(0, i);
	EXPECT_EQ(0, iowq_workers());
	close(srv);
	close(lfd);
}

/*
 * An op acts with the opener's network namespace, whatever the
 * submitter's: a program that moved to another namespace (lo down there)
 * after opening the file creates, configures and connects an object by
 * SQEs, and it connects to the listener of the opener's namespace; an
 * ABORT by SQE then ends it.
 */
TEST_F(uring, ops_use_the_openers_network_namespace)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 16 };
	struct sockobj_config cfg = { .mask = SOCKOBJ_CFG_TARGET };
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CREATE,
				       .arg = U64((uintptr_t)&cr) };
	struct sockobj_info info;
	int lfd, srv, id;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_addr(&cfg.target, "127.0.0.1", PORT));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	id = RUN_OP(&op);
	ASSERT_LT(0, id);
	cfg.id = (__u32)id;
	op = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_CONFIGURE, .id = (__u32)id,
					.arg = U64((uintptr_t)&cfg) };
	EXPECT_EQ(0, RUN_OP(&op));
	op = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_CONNECT, .id = (__u32)id };
	EXPECT_EQ(0, RUN_OP(&op));
	ASSERT_EQ(0, WAIT_INFO(self->fd, (__u32)id, info,
			       info.state != SOCKOBJ_STATE_CONNECTING,
			       so_tmo(5000)));
	ASSERT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), info.state)
		TH_LOG("state %s, reason %s, error %d", so_state_name(info.state),
		       so_reason_name(info.reason), info.error);
	srv = so_accept(lfd, so_tmo(5000));
	EXPECT_LE(0, srv);
	op = (struct sockobj_batch_op){ .op = SOCKOBJ_OP_ABORT, .id = (__u32)id };
	EXPECT_EQ(0, RUN_OP(&op));
	ASSERT_EQ(0, WAIT_INFO(self->fd, (__u32)id, info,
			       info.state == SOCKOBJ_STATE_CLOSED,
			       so_tmo(5000)));
	EXPECT_EQ(U32(SOCKOBJ_REASON_ABORTED), info.reason);
	if (srv >= 0)
		close(srv);
	close(lfd);
}

/* The running kernel's version as major * 1000 + minor */
static int kernel_version(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major * 1000 + minor;
}

TEST_F(uring, a_polled_ring_as_the_uapi_says)
{
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 13 };
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CREATE,
				       .arg = U64((uintptr_t)&cr) };
	struct io_uring_cqe *cqe = NULL;
	struct sockobj_info info;
	int v = kernel_version(), k, res;
	struct io_uring pr;

	ASSERT_EQ(0, ring_init(&pr, IORING_SETUP_SQE128 | IORING_SETUP_IOPOLL));
	ASSERT_NE(NULL, prep_op(&pr, self->fd, &op, SOCKOBJ_URING_OP, 0));
	ASSERT_EQ(1, io_uring_submit(&pr));
	/*
	 * Not io_uring_wait_cqe(): on a polled ring it polls for completions
	 * the file does not have. Both outcomes are posted by the submit.
	 */
	for (k = 0; k < 500 && io_uring_peek_cqe(&pr, &cqe); k++)
		so_sleep_ms(10);
	ASSERT_NE(NULL, cqe);
	res = cqe->res;
	io_uring_cqe_seen(&pr, cqe);
	io_uring_queue_exit(&pr);
	TH_LOG("Linux %d.%d: CREATE on a polled ring: %d", v / 1000, v % 1000,
	       res);
	if (v < 6013) {
		/* 6.1, 6.12: io_uring's own refusal */
		EXPECT_EQ(-EOPNOTSUPP, res);
	} else if (v >= 7002) {
		/* 7.2: as on any ring */
		ASSERT_LT(0, res);
		ASSERT_EQ(0, so_get_info(self->fd, (__u32)res, &info));
		EXPECT_EQ(13ULL, info.cookie);
	} else {
		EXPECT_TRUE(res == -EOPNOTSUPP || res > 0);
	}
}

/*
 * Objects, a connection with data both ways, and SQEs completed on a
 * ring; then the ring and the fd closed in the order @ring_first says.
 */
static void close_in_order(struct __test_metadata *_metadata, int ring_first)
{
	static unsigned char data[64], got[64];
	struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP, .cookie = 11 };
	struct sockobj_batch_op op = { .op = SOCKOBJ_OP_CREATE,
				       .arg = U64((uintptr_t)&cr) };
	struct io_uring ring;
	int fd, lfd, srv = -1, n;
	__u32 id;

	ASSERT_EQ(0, ring_init(&ring, IORING_SETUP_SQE128 | IORING_SETUP_SQPOLL));
	fd = so_open(0);
	ASSERT_LE(0, fd);
	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	EXPECT_LT(0, run_op_flags(_metadata, &ring, fd, &op, SOCKOBJ_URING_OP, 0));
	id = established(_metadata, fd, lfd, 12, &srv);
	op = io_op(SOCKOBJ_OP_SEND, id, data, sizeof(data));
	EXPECT_EQ(64, run_op_flags(_metadata, &ring, fd, &op, SOCKOBJ_URING_OP,
				   IOSQE_ASYNC));
	ASSERT_EQ((ssize_t)sizeof(got), so_recv_exact(srv, got, sizeof(got), so_tmo(5000)));
	/* data queued for the object, never read: its close resets */
	ASSERT_EQ((ssize_t)sizeof(data), send(srv, data, sizeof(data), 0));
	/* one more SQE left in the ring, not yet submitted */
	op = io_op(SOCKOBJ_OP_RECV, id, got, sizeof(got));
	ASSERT_NE(NULL, prep_op(&ring, fd, &op, SOCKOBJ_URING_OP, 0));
	if (ring_first) {
		io_uring_queue_exit(&ring);
		close(fd);
	} else {
		close(fd);
		io_uring_queue_exit(&ring);
	}
	/* the connection went with the fd: the peer sees its end */
	n = so_recv(srv, got, sizeof(got), so_tmo(5000));
	EXPECT_TRUE(n == 0 || n == -ECONNRESET) TH_LOG("peer: %d", n);
	close(srv);
	close(lfd);
}

TEST_F(uring, closing_the_ring_then_the_fd_leaves_nothing)
{
	close_in_order(_metadata, 1);
}

TEST_F(uring, closing_the_fd_then_the_ring_leaves_nothing)
{
	close_in_order(_metadata, 0);
}

TEST_HARNESS_MAIN
