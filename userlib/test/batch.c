// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: batches. The prep helpers fill one op and
 * nothing else; sockobj_submit() runs a whole batch with per-op results,
 * chains id 0 to the last create, receives (a module of API version 7),
 * sends and receives over several buffers (version 9), stops with
 * SOCKOBJ_BATCH_STOP, refuses
 * bad input having run nothing, and drops the queued records of the
 * objects it destroys; sockobj_connect_many() starts one object per
 * target, reports each target's outcome and leaves no object behind for
 * a target that failed, over several ioctls when there are many.
 *
 * All but the first need /dev/sockobj and skip without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static const unsigned int est_or_closed =
	SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
	SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED);

static int all_bytes(const void *p, int c, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++ != (unsigned char)c)
			return 0;
	return 1;
}

/* The objects of a context, found by id (ids are small and reused). */
static int count_objects(struct sockobj_ctx *ctx)
{
	struct sockobj_info info;
	int id, n = 0;

	for (id = 1; id <= 4096; id++)
		if (sockobj_get_info(ctx, id, &info) == 0)
			n++;
	return n;
}

static int addr_of(struct sockobj_addr *a, const struct sockaddr_storage *ss,
		   socklen_t len)
{
	return sockobj_addr_from_sockaddr(a, (const struct sockaddr *)ss, len);
}

/* A loopback port with nothing listening: connects are refused. */
static int closed_port(struct sockobj_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = listener(AF_INET, &ss, &len, 0);

	if (fd < 0)
		return -1;
	close(fd);
	return addr_of(a, &ss, len);
}

/* The prep helpers write the op (and a create's argument), all of it. */
/*
 * Whether a prepared op holds exactly these fields, result 0 (each field
 * that differs is reported): 0, else T_EXIT_FAIL.
 */
static int op_is(const struct sockobj_batch_op *op, unsigned int code,
		 unsigned int id, const void *arg, uint64_t len,
		 unsigned int flags)
{
	CHECK_EQ(op->op, code);
	CHECK_EQ(op->id, id);
	CHECK(op->arg == (uint64_t)(uintptr_t)arg);
	CHECK(op->len == len);
	CHECK_EQ(op->flags, flags);
	CHECK_EQ(op->result, 0);
	return 0;
}

/* Read exactly want bytes from a socket (the peer's), waiting for each */
static int read_exact(int fd, char *buf, int want)
{
	int got = 0;

	while (got < want) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, WAIT_MS) != 1)
			break;
		r = read(fd, buf + got, (size_t)(want - got));
		if (r <= 0)
			break;
		got += (int)r;
	}
	return got;
}

static int test_prep(void)
{
	struct sockobj_batch_op op;
	struct sockobj_create cr;
	struct sockobj_config cfg;
	const char data[] = "abc";
	char rbuf[3];
	struct iovec iov[2];

	memset(&op, 0xa5, sizeof(op));
	memset(&cr, 0xa5, sizeof(cr));
	sockobj_prep_create(&op, &cr, SOCKOBJ_PROTO_UDP, 0x1122334455667788ULL);
	CHECK_EQ(op.op, SOCKOBJ_OP_CREATE);
	CHECK_EQ(op.id, 0);
	CHECK_EQ(op.flags, 0);
	CHECK_EQ(op.result, 0);
	CHECK(op.arg == (uint64_t)(uintptr_t)&cr);
	CHECK_EQ(op.len, 0);
	CHECK_EQ(cr.proto, SOCKOBJ_PROTO_UDP);
	CHECK(cr.cookie == 0x1122334455667788ULL);
	CHECK_EQ(cr.flags, 0);
	CHECK_EQ(cr.id, 0);
	CHECK_EQ(cr.pad, 0);
	CHECK(all_bytes(cr.reserved, 0, sizeof(cr.reserved)));

	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_configure(&op, 7, &cfg);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_CONFIGURE, 7, &cfg, 0, 0), 0);

	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_send(&op, 3, data, 3);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_SEND, 3, data, 3, 0), 0);

	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_recv(&op, 4, rbuf, 3, SOCKOBJ_IO_PEEK);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_RECV, 4, rbuf, 3, SOCKOBJ_IO_PEEK), 0);

	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_sendv(&op, 6, iov, 2);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_SENDV, 6, iov, 2, 0), 0);

	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_recvv(&op, 8, iov, SOCKOBJ_BATCH_IOV_MAX, SOCKOBJ_IO_PEEK);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_RECVV, 8, iov, SOCKOBJ_BATCH_IOV_MAX,
		       SOCKOBJ_IO_PEEK), 0);
	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_recvv(&op, 0, NULL, 0, 0);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_RECVV, 0, NULL, 0, 0), 0);

	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_destroy(&op, 9, SOCKOBJ_DESTROY_ABORT);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_DESTROY, 9, NULL, 0,
		       SOCKOBJ_DESTROY_ABORT), 0);

	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_connect(&op, 0);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_CONNECT, 0, NULL, 0, 0), 0);
	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_disconnect(&op, 4);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_DISCONNECT, 4, NULL, 0, 0), 0);
	memset(&op, 0xa5, sizeof(op));
	sockobj_prep_abort(&op, 5);
	CHECK_EQ(op_is(&op, SOCKOBJ_OP_ABORT, 5, NULL, 0, 0), 0);
	return T_EXIT_PASS;
}

/*
 * One submit: create, configure (id 0: the object just created),
 * connect, then, once ESTABLISHED, two sends and a disconnect in a
 * second batch; each op's result, and the bytes at the peer.
 */
static int test_submit_chain(void)
{
	struct sockaddr_storage ss;
	struct sockobj_batch_op ops[4];
	struct sockobj_create cr;
	struct sockobj_config cfg;
	struct sockobj_event ev;
	struct sockobj_ctx *ctx;
	char buf[16];
	socklen_t len;
	int lfd, afd, id;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));

	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_NODELAY;
	cfg.nodelay = 1;
	CHECK_OK(addr_of(&cfg.target, &ss, len));
	sockobj_prep_create(&ops[0], &cr, SOCKOBJ_PROTO_TCP, 0xc0c);
	sockobj_prep_configure(&ops[1], 0, &cfg);
	sockobj_prep_connect(&ops[2], 0);
	CHECK_RET(sockobj_submit(ctx, ops, 3, 0), 3);
	id = ops[0].result;
	CHECK(id > 0);
	CHECK_EQ(ops[1].result, 0);
	CHECK_EQ(ops[2].result, 0);
	CHECK_OK(sockobj_wait_state(ctx, id, est_or_closed, WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(ev.cookie, 0xc0c);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);

	sockobj_prep_send(&ops[0], id, "hello ", 6);
	sockobj_prep_send(&ops[1], id, "batch", 5);
	sockobj_prep_disconnect(&ops[2], id);
	CHECK_RET(sockobj_submit(ctx, ops, 3, 0), 3);
	CHECK_EQ(ops[0].result, 6);
	CHECK_EQ(ops[1].result, 5);
	CHECK_EQ(ops[2].result, 0);
	CHECK_EQ(read_exact(afd, buf, 11), 11);
	CHECK(!memcmp(buf, "hello batch", 11));
	CHECK_EQ(read(afd, buf, sizeof(buf)), 0);	/* our FIN */

	close(afd);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * Receives in a batch (module API version 7): what the peer wrote, in
 * order, over three ops (a peek first), then -EAGAIN.
 */
static int test_submit_recv(void)
{
	struct sockobj_batch_op ops[4];
	struct sockobj_config cfg;
	struct sockobj_create cr;
	struct sockobj_event ev;
	struct sockaddr_storage ss;
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	char peek[5], buf[3][8];
	socklen_t len;
	int lfd, afd, id, tries;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	NEED_FEATURE(SOCKOBJ_FEAT_BATCH_RECV);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_TARGET;
	CHECK_OK(addr_of(&cfg.target, &ss, len));
	sockobj_prep_create(&ops[0], &cr, SOCKOBJ_PROTO_TCP, 0xbeef);
	sockobj_prep_configure(&ops[1], 0, &cfg);
	sockobj_prep_connect(&ops[2], 0);
	CHECK_RET(sockobj_submit(ctx, ops, 3, SOCKOBJ_BATCH_STOP), 3);
	id = ops[0].result;
	CHECK_OK(sockobj_wait_state(ctx, id, est_or_closed, WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	CHECK_EQ(write(afd, "receive in a batch", 18), 18);
	for (tries = 0; tries < WAIT_MS / 10; tries++) {
		CHECK_OK(sockobj_get_info(ctx, id, &info));
		if (info.rx_queued == 18)
			break;
		usleep(10000);
	}
	CHECK_EQ(info.rx_queued, 18);

	sockobj_prep_recv(&ops[0], id, peek, sizeof(peek), SOCKOBJ_IO_PEEK);
	sockobj_prep_recv(&ops[1], id, buf[0], sizeof(buf[0]), 0);
	sockobj_prep_recv(&ops[2], id, buf[1], sizeof(buf[1]), 0);
	sockobj_prep_recv(&ops[3], id, buf[2], sizeof(buf[2]), 0);
	CHECK_RET(sockobj_submit(ctx, ops, 4, 0), 4);
	CHECK_EQ(ops[0].result, 5);
	CHECK_EQ(ops[1].result, 8);
	CHECK_EQ(ops[2].result, 8);
	CHECK_EQ(ops[3].result, 2);
	CHECK(!memcmp(peek, "recei", 5));
	CHECK(!memcmp(buf, "receive in a batch", 18));
	sockobj_prep_recv(&ops[0], id, buf[0], sizeof(buf[0]), 0);
	CHECK_RET(sockobj_submit(ctx, ops, 1, 0), 1);
	CHECK_EQ(ops[0].result, -EAGAIN);

	close(afd);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * Sends and receives over several buffers in a batch (module API version
 * 9): three buffers of a SENDV, between two plain sends, arrive at the
 * peer as one stream in array order; a RECVV with SOCKOBJ_IO_PEEK leaves
 * the data queued, and one without fills its two buffers in order and
 * takes it; then -EAGAIN.
 */
static int test_submit_vec(void)
{
	static const char stream[] = "<vectored send, three buffers>";
	char sdata[] = "three buffers send, vectored";
	struct sockobj_batch_op ops[3];
	struct sockaddr_storage ss;
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	struct iovec siov[3], riov[2];
	char buf[64], peek[2][3], head[4], tail[16];
	socklen_t len;
	int lfd, afd, id, tries;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	NEED_FEATURE(SOCKOBJ_FEAT_BATCH_VEC);
	id = tcp_pair(ctx, lfd, &ss, len, 0x7ec, &afd);
	CHECK(id > 0);

	/* Buffers of the array out of memory order: the array's order counts. */
	siov[0].iov_base = sdata + 20;	/* "vectored" */
	siov[0].iov_len = 8;
	siov[1].iov_base = sdata + 13;	/* " send, " */
	siov[1].iov_len = 7;
	siov[2].iov_base = sdata;	/* "three buffers" */
	siov[2].iov_len = 13;
	sockobj_prep_send(&ops[0], id, "<", 1);
	sockobj_prep_sendv(&ops[1], id, siov, 3);
	sockobj_prep_send(&ops[2], id, ">", 1);
	CHECK_RET(sockobj_submit(ctx, ops, 3, SOCKOBJ_BATCH_STOP), 3);
	CHECK_EQ(ops[0].result, 1);
	CHECK_EQ(ops[1].result, 28);
	CHECK_EQ(ops[2].result, 1);
	CHECK_EQ(read_exact(afd, buf, 30), 30);
	CHECK(!memcmp(buf, stream, 30));

	CHECK_EQ(write(afd, "abcdefghijklm", 13), 13);
	for (tries = 0; tries < WAIT_MS / 10; tries++) {
		CHECK_OK(sockobj_get_info(ctx, id, &info));
		if (info.rx_queued == 13)
			break;
		usleep(10000);
	}
	CHECK_EQ(info.rx_queued, 13);
	riov[0].iov_base = peek[0];
	riov[0].iov_len = sizeof(peek[0]);
	riov[1].iov_base = peek[1];
	riov[1].iov_len = sizeof(peek[1]);
	sockobj_prep_recvv(&ops[0], id, riov, 2, SOCKOBJ_IO_PEEK);
	CHECK_RET(sockobj_submit(ctx, ops, 1, 0), 1);
	CHECK_EQ(ops[0].result, 6);
	CHECK(!memcmp(peek, "abcdef", 6));

	riov[0].iov_base = head;
	riov[0].iov_len = sizeof(head);
	riov[1].iov_base = tail;
	riov[1].iov_len = sizeof(tail);
	memset(tail, 0, sizeof(tail));
	sockobj_prep_recvv(&ops[0], id, riov, 2, 0);
	sockobj_prep_recvv(&ops[1], id, riov, 2, 0);
	CHECK_RET(sockobj_submit(ctx, ops, 2, 0), 2);
	CHECK_EQ(ops[0].result, 13);
	CHECK(!memcmp(head, "abcd", 4));
	CHECK(!memcmp(tail, "efghijklm", 10));
	CHECK_EQ(ops[1].result, -EAGAIN);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.rx_queued, 0);

	close(afd);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * SOCKOBJ_BATCH_STOP: the batch stops after the first op that fails, the
 * ops after it untouched; without it every op runs.
 */
static int test_submit_stop(void)
{
	struct sockobj_batch_op ops[3];
	struct sockobj_create cr;
	struct sockobj_ctx *ctx;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	sockobj_prep_create(&ops[0], &cr, SOCKOBJ_PROTO_TCP, 1);
	sockobj_prep_connect(&ops[1], 0);	/* no target */
	sockobj_prep_destroy(&ops[2], 0, 0);
	ops[2].result = 12345;
	CHECK_RET(sockobj_submit(ctx, ops, 3, SOCKOBJ_BATCH_STOP), 2);
	CHECK(ops[0].result > 0);
	CHECK_EQ(ops[1].result, -EDESTADDRREQ);
	CHECK_EQ(ops[2].result, 12345);
	CHECK_EQ(count_objects(ctx), 1);

	/* Without STOP the destroy runs too. */
	CHECK_RET(sockobj_submit(ctx, ops, 3, 0), 3);
	CHECK(ops[0].result > 0);
	CHECK_EQ(ops[1].result, -EDESTADDRREQ);
	CHECK_EQ(ops[2].result, 0);
	CHECK_EQ(count_objects(ctx), 1);

	/* A failed create: id 0 names no object. */
	sockobj_prep_create(&ops[0], &cr, 99, 1);
	sockobj_prep_destroy(&ops[1], 0, 0);
	CHECK_RET(sockobj_submit(ctx, ops, 2, 0), 2);
	CHECK_EQ(ops[0].result, -EPROTONOSUPPORT);
	CHECK_EQ(ops[1].result, -ENOENT);
	CHECK_EQ(count_objects(ctx), 1);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* Bad input: -EINVAL, and nothing ran. */
static int test_submit_bad(void)
{
	struct sockobj_batch_op ops[2];
	struct sockobj_create cr;
	struct sockobj_ctx *ctx;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	sockobj_prep_create(&ops[0], &cr, SOCKOBJ_PROTO_TCP, 1);
	sockobj_prep_create(&ops[1], &cr, SOCKOBJ_PROTO_TCP, 2);
	CHECK_RET(sockobj_submit(ctx, NULL, 1, 0), -EINVAL);
	CHECK_RET(sockobj_submit(ctx, ops, 0, 0), -EINVAL);
	CHECK_RET(sockobj_submit(ctx, ops, SOCKOBJ_BATCH_MAX + 1, 0), -EINVAL);
	CHECK_RET(sockobj_submit(ctx, ops, 2, 1U << 5), -EINVAL);
	/* An unknown op code, after a good op: the kernel runs neither. */
	ops[1].op = 77;
	CHECK_RET(sockobj_submit(ctx, ops, 2, 0), -EINVAL);
	CHECK_EQ(ops[0].result, 0);
	/* A flag an op does not take. */
	sockobj_prep_connect(&ops[1], 0);
	ops[1].flags = SOCKOBJ_DESTROY_ABORT;
	CHECK_RET(sockobj_submit(ctx, ops, 2, 0), -EINVAL);
	CHECK_EQ(count_objects(ctx), 0);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/*
 * A DESTROY in a batch drops the object's records the library holds, as
 * sockobj_destroy() does: none of them comes out later, and the
 * descriptor is no longer readable for them.
 */
static int test_submit_destroy_drops_queued(void)
{
	struct sockaddr_storage ss;
	struct sockobj_batch_op ops[2];
	struct sockobj_event ev;
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	struct pollfd pfd;
	socklen_t len;
	int lfd, a, b, i;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	a = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xa);
	b = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xb);
	CHECK(a > 0 && b > 0);
	CHECK_OK(sockobj_set_target(ctx, a, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_set_target(ctx, b, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, b));
	for (i = 0; i < WAIT_MS / 10; i++) {
		CHECK_OK(sockobj_get_info(ctx, b, &info));
		if (info.state != SOCKOBJ_STATE_CONNECTING)
			break;
		usleep(10000);
	}
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_OK(sockobj_connect(ctx, a));
	CHECK_OK(sockobj_wait_state(ctx, a, est_or_closed, WAIT_MS, &ev));
	CHECK_EQ(sockobj_queued_events(ctx), 2);	/* b's */

	sockobj_prep_destroy(&ops[0], b, SOCKOBJ_DESTROY_ABORT);
	sockobj_prep_abort(&ops[1], a);
	CHECK_RET(sockobj_submit(ctx, ops, 2, 0), 2);
	CHECK_EQ(ops[0].result, 0);
	CHECK_EQ(ops[1].result, 0);
	CHECK_EQ(sockobj_queued_events(ctx), 0);
	/* Only a's CLOSED is left, in the kernel. */
	pfd.fd = sockobj_fd(ctx);
	pfd.events = POLLIN;
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), 1);
	CHECK_EQ(ev.id, a);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSED);
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), -EAGAIN);
	CHECK_EQ(poll(&pfd, 1, 0), 0);

	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * Four targets: two listening, one refused, one that cannot be
 * configured (port 0). The three good ones start and end as their
 * targets say, with the template's options and their cookies; the bad
 * one reports its errno and leaves no object.
 */
static int test_connect_many(void)
{
	struct sockaddr_storage ss;
	struct sockobj_addr targets[4];
	struct sockobj_config tmpl, cfg;
	struct sockobj_event ev;
	struct sockobj_ctx *ctx;
	const uint64_t cookies[4] = { 100, 101, 102, 103 };
	int ids[4], lfd, i;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(addr_of(&targets[0], &ss, len));
	CHECK_OK(closed_port(&targets[1]));
	targets[2] = targets[0];
	targets[3] = targets[0];
	targets[3].port = 0;

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT | SOCKOBJ_CFG_NODELAY;
	tmpl.connect_timeout_ms = 3000;
	tmpl.nodelay = 1;
	CHECK_RET(sockobj_connect_many(ctx, SOCKOBJ_PROTO_TCP, targets, 4,
				       &tmpl, cookies, ids), 3);
	for (i = 0; i < 3; i++)
		CHECK(ids[i] > 0);
	CHECK_EQ(ids[3], -EINVAL);
	CHECK_EQ(count_objects(ctx), 3);

	for (i = 0; i < 3; i++) {
		CHECK_OK(sockobj_get_config(ctx, ids[i], &cfg));
		CHECK(cfg.mask & SOCKOBJ_CFG_TARGET);
		CHECK(!memcmp(&cfg.target, &targets[i], sizeof(cfg.target)));
		CHECK_EQ(cfg.connect_timeout_ms, 3000);
		CHECK_EQ(cfg.nodelay, 1);
		CHECK_OK(sockobj_wait_state(ctx, ids[i], est_or_closed,
					    WAIT_MS, &ev));
		print_event("many", &ev);
		CHECK_EQ(ev.cookie, cookies[i]);
		CHECK_EQ(ev.attempt, 1);
		if (i == 1) {
			CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSED);
			CHECK_EQ(ev.reason, SOCKOBJ_REASON_REFUSED);
		} else {
			CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
		}
	}

	/* Without a template or cookies: each cookie is the target's index. */
	CHECK_RET(sockobj_connect_many(ctx, SOCKOBJ_PROTO_TCP, targets, 3,
				       NULL, NULL, ids), 3);
	for (i = 0; i < 3; i++) {
		CHECK_OK(sockobj_get_config(ctx, ids[i], &cfg));
		CHECK_EQ(cfg.mask, SOCKOBJ_CFG_TARGET);
		CHECK_OK(sockobj_wait_state(ctx, ids[i], est_or_closed,
					    WAIT_MS, &ev));
		CHECK_EQ(ev.cookie, i);
	}
	CHECK_EQ(count_objects(ctx), 6);

	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * Bad arguments change nothing (-EINVAL); a template the kernel refuses
 * fails every target, and no object stays; an unknown protocol fails at
 * the create.
 */
static int test_connect_many_bad(void)
{
	struct sockobj_addr targets[2];
	struct sockobj_config tmpl;
	struct sockobj_ctx *ctx;
	int ids[2] = { 7, 7 };

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_addr_parse(&targets[0], "127.0.0.1:9"));
	targets[1] = targets[0];

	CHECK_RET(sockobj_connect_many(ctx, SOCKOBJ_PROTO_TCP, NULL, 2, NULL,
				       NULL, ids), -EINVAL);
	CHECK_RET(sockobj_connect_many(ctx, SOCKOBJ_PROTO_TCP, targets, 0,
				       NULL, NULL, ids), -EINVAL);
	CHECK_RET(sockobj_connect_many(ctx, SOCKOBJ_PROTO_TCP, targets, 2,
				       NULL, NULL, NULL), -EINVAL);
	CHECK_EQ(ids[0], 7);
	CHECK_EQ(ids[1], 7);
	CHECK_EQ(count_objects(ctx), 0);

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
	tmpl.connect_timeout_ms = SOCKOBJ_CONNECT_TIMEOUT_MAX_MS + 1;
	CHECK_RET(sockobj_connect_many(ctx, SOCKOBJ_PROTO_TCP, targets, 2,
				       &tmpl, NULL, ids), 0);
	CHECK_EQ(ids[0], -EINVAL);
	CHECK_EQ(ids[1], -EINVAL);
	CHECK_EQ(count_objects(ctx), 0);

	CHECK_RET(sockobj_connect_many(ctx, 99, targets, 2, NULL, NULL, ids), 0);
	CHECK_EQ(ids[0], -EPROTONOSUPPORT);
	CHECK_EQ(ids[1], -EPROTONOSUPPORT);
	CHECK_EQ(count_objects(ctx), 0);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/*
 * More targets than one ioctl takes (UDP: connecting sends nothing and
 * is ESTABLISHED at once): every one started, every id distinct, every
 * object's target and cookie its own.
 */
#define MANY	2100

static int test_connect_many_chunks(void)
{
	static struct sockobj_addr targets[MANY];
	static int ids[MANY];
	static unsigned char seen[4097];
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	int i;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	for (i = 0; i < MANY; i++) {
		CHECK_OK(sockobj_addr_parse(&targets[i], "127.0.0.1:9"));
		targets[i].port = (uint16_t)(10000 + i);
	}
	CHECK_RET(sockobj_connect_many(ctx, SOCKOBJ_PROTO_UDP, targets, MANY,
				       NULL, NULL, ids), MANY);
	for (i = 0; i < MANY; i++) {
		CHECK(ids[i] > 0 && ids[i] < (int)sizeof(seen));
		CHECK(!seen[ids[i]]);
		seen[ids[i]] = 1;
		CHECK_OK(sockobj_get_info(ctx, ids[i], &info));
		CHECK_EQ(info.cookie, i);
		CHECK_EQ(info.remote.port, 10000 + i);
		CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	}
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Ops and records in one call (module API version 8): a connect, then
 * its CONNECTING and ESTABLISHED records, waited for; a wait with nothing
 * to come ends at the timeout; bad arguments run nothing.
 */
static int test_submit_and_wait(void)
{
	struct sockobj_event evs[8];
	struct sockobj_batch_op ops[3];
	struct sockobj_config cfg;
	struct sockobj_create cr;
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	unsigned int n, i, est = 0;
	int64_t t0;
	socklen_t len;
	int lfd, id;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 4);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	NEED_FEATURE(SOCKOBJ_FEAT_BATCH_WAIT);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_TARGET;
	CHECK_OK(addr_of(&cfg.target, &ss, len));
	sockobj_prep_create(&ops[0], &cr, SOCKOBJ_PROTO_TCP, 0xcafe);
	sockobj_prep_configure(&ops[1], 0, &cfg);
	sockobj_prep_connect(&ops[2], 0);
	n = 8;
	CHECK_RET(sockobj_submit_and_wait(ctx, ops, 3, SOCKOBJ_BATCH_STOP, evs,
					  &n, WAIT_MS), 3);
	id = ops[0].result;
	CHECK(id > 0);
	CHECK(n >= 1);
	CHECK_EQ(evs[0].id, (unsigned int)id);
	CHECK_EQ(evs[0].state, SOCKOBJ_STATE_CONNECTING);
	for (;;) {
		for (i = 0; i < n; i++)
			if (evs[i].state == SOCKOBJ_STATE_ESTABLISHED)
				est = 1;
		if (est)
			break;
		n = 8;
		CHECK_RET(sockobj_submit_and_wait(ctx, NULL, 0, 0, evs, &n,
						  WAIT_MS), 0);
		CHECK(n >= 1);
	}

	/*
	 * Records sockobj_wait_state() kept fill evs: the ops still run
	 * (the call then takes no record from the module, and does not wait).
	 */
	{
		struct sockobj_event ev;
		struct sockobj_batch_op op;
		struct sockobj_info info;
		int id2, tries;

		sockobj_prep_create(&ops[0], &cr, SOCKOBJ_PROTO_TCP, 0xd00d);
		sockobj_prep_configure(&ops[1], 0, &cfg);
		sockobj_prep_connect(&ops[2], 0);
		CHECK_RET(sockobj_submit(ctx, ops, 3, SOCKOBJ_BATCH_STOP), 3);
		id2 = ops[0].result;
		for (tries = 0; tries < WAIT_MS / 10; tries++) {
			CHECK_OK(sockobj_get_info(ctx, id2, &info));
			if (info.state == SOCKOBJ_STATE_ESTABLISHED)
				break;
			usleep(10000);
		}
		/* id2's records are read with id's abort's, and kept */
		CHECK_OK(sockobj_abort(ctx, id));
		CHECK_OK(sockobj_wait_state(ctx, id, 1U << SOCKOBJ_STATE_CLOSED,
					    WAIT_MS, &ev));
		CHECK(sockobj_queued_events(ctx) >= 1);
		sockobj_prep_destroy(&op, id2, SOCKOBJ_DESTROY_ABORT);
		n = 1;
		CHECK_RET(sockobj_submit_and_wait(ctx, &op, 1, 0, evs, &n,
						  WAIT_MS), 1);
		CHECK_EQ(op.result, 0);
		CHECK_EQ(n, 1);
		CHECK_EQ(evs[0].id, (unsigned int)id2);
	}
	/* Its records go with it: nothing is left to come. */
	CHECK_OK(sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT));
	n = 8;
	t0 = now_ms();
	CHECK_RET(sockobj_submit_and_wait(ctx, NULL, 0, 0, evs, &n, 300), 0);
	CHECK_EQ(n, 0);
	CHECK(now_ms() - t0 >= 290);

	/* an op the module refuses: nothing ran, no record was written */
	memset(&ops[0], 0, sizeof(ops[0]));
	ops[0].op = 0xff;
	n = 8;
	CHECK_RET(sockobj_submit_and_wait(ctx, ops, 1, 0, evs, &n, 0), -EINVAL);
	CHECK_EQ(n, 0);

	n = 0;
	CHECK_RET(sockobj_submit_and_wait(ctx, NULL, 0, 0, evs, &n, 0), -EINVAL);
	n = 8;
	CHECK_RET(sockobj_submit_and_wait(ctx, NULL, 1, 0, evs, &n, 0), -EINVAL);
	CHECK_RET(sockobj_submit_and_wait(ctx, ops, 1, SOCKOBJ_BATCH_WAIT, evs,
					  &n, 0), -EINVAL);
	CHECK_RET(sockobj_submit(ctx, ops, 1, SOCKOBJ_BATCH_WAIT), -EINVAL);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	t_run("prep", test_prep);
	module_setup();
	t_run("submit_chain", test_submit_chain);
	t_run("submit_recv", test_submit_recv);
	t_run("submit_vec", test_submit_vec);
	t_run("submit_and_wait", test_submit_and_wait);
	t_run("submit_stop", test_submit_stop);
	t_run("submit_bad", test_submit_bad);
	t_run("submit_destroy_drops_queued", test_submit_destroy_drops_queued);
	t_run("connect_many", test_connect_many);
	t_run("connect_many_bad", test_connect_many_bad);
	t_run("connect_many_chunks", test_connect_many_chunks);
	return t_exit();
}
