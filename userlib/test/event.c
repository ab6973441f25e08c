// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: sockobj_wait_state() keeps the records it does
 * not return, alone and among data records; the EINTR policy of the
 * wait functions.
 *
 * They need /dev/sockobj, and the module feature they use, and skip
 * without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* A child that sends SIGUSR1 to the caller after ms. */
static pid_t signal_later(int ms)
{
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid == 0) {
		usleep(ms * 1000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	return pid;
}

/*
 * Waiting for A must keep the records of B that it reads: B connects
 * first, so its CONNECTING record is read before A's ESTABLISHED.
 */
static int test_wait_state_keeps_others(void)
{
	const unsigned int est = SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
				 SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED);
	struct sockaddr_storage ss;
	struct sockobj_event ev, evs[16];
	struct sockobj_ctx *ctx;
	int lfd, a, b, c, n, i, got_b = 0;
	uint64_t b_seq = 0;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	a = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xa);
	b = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xb);
	c = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xc);
	CHECK(a > 0 && b > 0 && c > 0);
	CHECK(a != b && b != c && a != c);
	CHECK_OK(sockobj_set_target(ctx, a, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_set_target(ctx, b, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_set_target(ctx, c, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, b));
	CHECK_OK(sockobj_connect(ctx, c));
	CHECK_OK(sockobj_connect(ctx, a));

	CHECK_OK(sockobj_wait_state(ctx, a, est, WAIT_MS, &ev));
	CHECK_EQ(ev.id, a);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	printf("    %d records of other objects queued\n",
	       sockobj_queued_events(ctx));
	CHECK(sockobj_queued_events(ctx) >= 2);

	/* Destroying C drops its queued records with it. */
	CHECK_OK(sockobj_destroy(ctx, c, SOCKOBJ_DESTROY_ABORT));

	/* B's records, all of them, in order, queued ones first. */
	while (got_b < 2) {
		n = sockobj_wait_events(ctx, evs, 16, WAIT_MS);
		CHECK(n > 0);
		for (i = 0; i < n; i++) {
			print_event("read", &evs[i]);
			CHECK(evs[i].id != (unsigned int)c);
			CHECK(evs[i].id == (unsigned int)b);
			CHECK(evs[i].seq > b_seq);
			b_seq = evs[i].seq;
			CHECK_EQ(evs[i].cookie, 0xb);
			if (got_b == 0) {
				CHECK_EQ(evs[i].prev_state,
					 SOCKOBJ_STATE_CLOSED);
				CHECK_EQ(evs[i].state,
					 SOCKOBJ_STATE_CONNECTING);
			} else {
				CHECK_EQ(evs[i].state,
					 SOCKOBJ_STATE_ESTABLISHED);
			}
			got_b++;
		}
	}
	CHECK_EQ(sockobj_queued_events(ctx), 0);

	/* B is ESTABLISHED with nothing pending: no wait. */
	CHECK_OK(sockobj_wait_state(ctx, b, est, 0, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(ev.merged, 0);

	CHECK_OK(sockobj_destroy(ctx, a, SOCKOBJ_DESTROY_ABORT));
	CHECK_OK(sockobj_destroy(ctx, b, SOCKOBJ_DESTROY_ABORT));
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * Records of the waited-for object that follow the one returned are kept
 * too: wait for CONNECTING once the object is already ESTABLISHED.
 */
static int test_wait_state_keeps_later(void)
{
	struct sockaddr_storage ss;
	struct sockobj_event ev, evs[4];
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	socklen_t len;
	int lfd, id, i;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 3);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	for (i = 0; i < WAIT_MS / 10; i++) {
		CHECK_OK(sockobj_get_info(ctx, id, &info));
		if (info.state != SOCKOBJ_STATE_CONNECTING)
			break;
		usleep(10000);
	}
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(info.pending, 2);

	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CONNECTING), 0, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CONNECTING);
	CHECK_EQ(ev.merged, 1);
	CHECK_EQ(sockobj_queued_events(ctx), 1);
	CHECK_RET(sockobj_read_events(ctx, evs, 4), 1);
	CHECK_EQ(evs[0].id, id);
	CHECK_EQ(evs[0].state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK(evs[0].seq > ev.seq);
	CHECK_RET(sockobj_read_events(ctx, evs, 4), -EAGAIN);

	CHECK_OK(sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT));
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * The EINTR policy: the wait functions restart with the time left, a
 * blocking read is not restarted. The handler has no SA_RESTART.
 */
static int test_eintr(void)
{
	struct sigaction sa, old;
	struct sockobj_ctx *ctx;
	struct sockobj_event evs[2];
	struct timespec t0, t1;
	pid_t pid;
	long ms;
	int ret;

	if (need_module())
		return T_EXIT_SKIP;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, &old) == 0);
	CHECK_OK(open_ctx(&ctx, 0));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = signal_later(50);
	CHECK(pid > 0);
	CHECK_RET(sockobj_wait_events(ctx, evs, 2, 300), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(pid, NULL, 0);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= 290 && ms < 3000);

	pid = signal_later(50);
	CHECK(pid > 0);
	ret = sockobj_read_events(ctx, evs, 2);
	waitpid(pid, NULL, 0);
	CHECK_RET(ret, -EINTR);

	sockobj_close(ctx);
	sigaction(SIGUSR1, &old, NULL);
	return T_EXIT_PASS;
}

/*
 * Data records between state records: a wait for a state skips (and
 * keeps) them, and they carry the object's state without satisfying a
 * wait for it.
 */
static int test_wait_state_data_interleaved(void)
{
	const unsigned int est = SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED);
	struct sockaddr_storage ss;
	struct sockobj_event ev, evs[8];
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	char buf[64];
	socklen_t len;
	int lfd, afd, id, i, n;

	NEED_FEATURE(SOCKOBJ_FEAT_DATA);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	id = tcp_pair(ctx, lfd, &ss, len, 0x1d, &afd);
	CHECK(id > 0);

	/* READABLE (state ESTABLISHED), then PEER_CLOSING, both pending. */
	CHECK_EQ(write(afd, "data", 4), 4);
	shutdown(afd, SHUT_WR);
	for (i = 0; i < WAIT_MS / 10; i++) {
		CHECK_OK(sockobj_get_info(ctx, id, &info));
		if (info.state == SOCKOBJ_STATE_PEER_CLOSING)
			break;
		usleep(10000);
	}
	CHECK_EQ(info.state, SOCKOBJ_STATE_PEER_CLOSING);
	CHECK_EQ(info.pending, 2);	/* READABLE and PEER_CLOSING */

	/*
	 * Waiting for ESTABLISHED or PEER_CLOSING: the READABLE record,
	 * read first and carrying state ESTABLISHED, must not end the wait.
	 */
	CHECK_OK(sockobj_wait_state(ctx, id,
			est | SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_PEER_CLOSING),
			WAIT_MS, &ev));
	print_event("waited", &ev);
	CHECK_EQ(ev.type, SOCKOBJ_EV_STATE);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_PEER_CLOSING);
	CHECK_EQ(ev.prev_state, SOCKOBJ_STATE_ESTABLISHED);

	/* It is kept, still before anything newer. */
	CHECK_EQ(sockobj_queued_events(ctx), 1);
	CHECK_RET(sockobj_read_events(ctx, evs, 8), 1);
	CHECK_EQ(evs[0].type, SOCKOBJ_EV_READABLE);
	CHECK_EQ(evs[0].id, id);
	CHECK_EQ(evs[0].state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK(evs[0].seq < ev.seq);
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, NULL), 4);
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, NULL), 0);

	/*
	 * A SENT record (threshold 1: everything acknowledged) is kept by a
	 * wait for CLOSED that reads it.
	 */
	CHECK_OK(sockobj_set_sent_threshold(ctx, id, 1));
	CHECK_RET(sockobj_send(ctx, id, "reply", 5), 5);
	CHECK_EQ(read(afd, buf, sizeof(buf)), 5);
	for (i = 0; i < WAIT_MS / 10; i++) {
		struct pollfd pfd = { .fd = sockobj_fd(ctx), .events = POLLIN };

		if (poll(&pfd, 1, 10) == 1)
			break;
	}
	CHECK_OK(sockobj_disconnect(ctx, id));
	close(afd);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	CHECK_EQ(ev.type, SOCKOBJ_EV_STATE);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_PEER_CLOSED);
	n = sockobj_read_events(ctx, evs, 8);
	CHECK(n >= 1);
	for (i = 0; i < n; i++) {
		print_event("kept", &evs[i]);
		CHECK(evs[i].type != SOCKOBJ_EV_STATE);
	}
	CHECK_EQ(evs[0].type, SOCKOBJ_EV_SENT);
	CHECK(evs[0].seq < ev.seq);

	/* Already CLOSED, only data records pending: the wait is at once. */
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 0, &ev));
	CHECK_EQ(ev.seq, 0);

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("wait_state_keeps_others", test_wait_state_keeps_others);
	t_run("wait_state_keeps_later", test_wait_state_keeps_later);
	t_run("eintr", test_eintr);
	t_run("wait_state_data_interleaved", test_wait_state_data_interleaved);
	return t_exit();
}
