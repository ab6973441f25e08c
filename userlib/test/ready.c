// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: the descriptor of sockobj_fd() is
 * readable exactly while the kernel or the library holds a record, so
 * that an epoll loop needs no special case for the records
 * sockobj_wait_state() kept; its O_NONBLOCK flag is the context's blocking
 * mode.
 *
 * They need /dev/sockobj and skip without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <sys/epoll.h>
#include <sys/select.h>

#include "helpers.h"

/* A loop that sleeps this long on a record it should have seen has hung. */
#define HANG_MS		2000

static const unsigned int est_or_closed =
	SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
	SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED);

/* Polls until the object is ESTABLISHED; its records stay undelivered. */
static int established(struct sockobj_ctx *ctx, int id)
{
	struct sockobj_info info;
	int i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		if (sockobj_get_info(ctx, id, &info) < 0)
			return 0;
		if (info.state != SOCKOBJ_STATE_CONNECTING)
			return info.state == SOCKOBJ_STATE_ESTABLISHED;
		usleep(10000);
	}
	return 0;
}

static unsigned int pending(struct sockobj_ctx *ctx, int id)
{
	struct sockobj_info info;

	return sockobj_get_info(ctx, id, &info) < 0 ? ~0U : info.pending;
}

/*
 * Objects a and b, both ESTABLISHED, b's CONNECTING and ESTABLISHED
 * records held by the library and nothing left in the kernel: the state
 * in which a loop that only polls the device would sleep forever.
 */
static int setup_held(struct sockobj_ctx *ctx,
		      const struct sockaddr_storage *ss, socklen_t len,
		      int *a, int *b)
{
	struct sockobj_event ev;

	*a = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xa);
	*b = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xb);
	CHECK(*a > 0 && *b > 0);
	CHECK_OK(sockobj_set_target(ctx, *a, (const struct sockaddr *)ss, len));
	CHECK_OK(sockobj_set_target(ctx, *b, (const struct sockaddr *)ss, len));
	CHECK_OK(sockobj_connect(ctx, *b));
	CHECK(established(ctx, *b));
	CHECK_OK(sockobj_connect(ctx, *a));
	CHECK(established(ctx, *a));
	CHECK_OK(sockobj_wait_state(ctx, *a, est_or_closed, WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(pending(ctx, *a), 0);
	CHECK_EQ(pending(ctx, *b), 0);
	CHECK_EQ(sockobj_queued_events(ctx), 2);
	return T_EXIT_PASS;
}

/* epoll_wait() on a set holding only sockobj_fd(): 1, 0 or -1. */
static int epoll_ready(int epfd, int fd, int ms)
{
	struct epoll_event ee;
	int n;

	n = epoll_wait(epfd, &ee, 1, ms);
	if (n == 1 && (ee.data.fd != fd || !(ee.events & EPOLLIN)))
		return -1;
	return n;
}

/*
 * The loop of a program that waited for one object with
 * sockobj_wait_state() and then serves all of them with epoll: it must
 * see b's records, which only the library holds. Without the contract,
 * epoll_wait() sleeps until HANG_MS and the case fails.
 */
static int test_epoll_loop_sees_held(void)
{
	struct sockaddr_storage ss;
	struct epoll_event ee = { .events = EPOLLIN };
	struct sockobj_event evs[8];
	struct sockobj_ctx *ctx;
	int lfd, epfd, fd, a, b, n, i, wakeups = 0, b_est = 0, ret;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	if (setup_held(ctx, &ss, len, &a, &b) != T_EXIT_PASS)
		return T_EXIT_FAIL;

	fd = sockobj_fd(ctx);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	CHECK(epfd >= 0);
	ee.data.fd = fd;
	CHECK_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ee), 0);

	while (!b_est) {
		n = epoll_ready(epfd, fd, HANG_MS);
		if (n == 0)
			FAILED("epoll_wait() slept %d ms with %d records held "
			       "by the library", HANG_MS,
			       sockobj_queued_events(ctx));
		CHECK_EQ(n, 1);
		wakeups++;
		while ((ret = sockobj_read_events(ctx, evs, 8)) > 0) {
			for (i = 0; i < ret; i++) {
				print_event("loop", &evs[i]);
				CHECK_EQ(evs[i].id, b);
				if (evs[i].state == SOCKOBJ_STATE_ESTABLISHED)
					b_est = 1;
			}
		}
		CHECK_RET(ret, -EAGAIN);
	}
	CHECK_EQ(wakeups, 1);
	/* Drained, in the kernel and the library: not readable any more. */
	CHECK_EQ(sockobj_queued_events(ctx), 0);
	CHECK_EQ(epoll_ready(epfd, fd, 0), 0);

	close(epfd);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * Readable while records are held, by poll(2), select(2) and epoll, and
 * not once the last one is read; a new record of the kernel makes it
 * readable again.
 */
static int test_level(void)
{
	struct sockaddr_storage ss;
	struct epoll_event ee = { .events = EPOLLIN };
	struct sockobj_event ev;
	struct sockobj_ctx *ctx;
	struct pollfd pfd;
	struct timeval tv = { 0, 0 };
	fd_set rfds;
	int lfd, epfd, fd, a, b;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	fd = sockobj_fd(ctx);
	pfd.fd = fd;
	pfd.events = POLLIN;
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	if (setup_held(ctx, &ss, len, &a, &b) != T_EXIT_PASS)
		return T_EXIT_FAIL;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	CHECK(epfd >= 0);
	ee.data.fd = fd;
	CHECK_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ee), 0);

	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK(pfd.revents & POLLIN);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	CHECK_EQ(select(fd + 1, &rfds, NULL, NULL, &tv), 1);
	CHECK_EQ(epoll_ready(epfd, fd, 0), 1);

	/* One of two read: still readable. */
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), 1);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CONNECTING);
	CHECK_EQ(sockobj_queued_events(ctx), 1);
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(epoll_ready(epfd, fd, 0), 1);

	/* The last one read: no longer, by any of the three. */
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), 1);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	CHECK_EQ(select(fd + 1, &rfds, NULL, NULL, &tv), 0);
	CHECK_EQ(epoll_ready(epfd, fd, 0), 0);
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), -EAGAIN);

	/* A record of the kernel: readable again, and within the wait. */
	CHECK_OK(sockobj_abort(ctx, a));
	CHECK_EQ(epoll_ready(epfd, fd, HANG_MS), 1);
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), 1);
	CHECK_EQ(ev.id, a);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(epoll_ready(epfd, fd, 0), 0);

	close(epfd);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/* Reads every pending edge of an edge-triggered set; 0 when none was left. */
static int drain_edges(int epfd, int fd)
{
	int i;

	for (i = 0; i < 8; i++)
		if (epoll_ready(epfd, fd, 0) == 0)
			return 0;
	return -1;
}

/*
 * Held records that vanish without a read (the destroy of their object)
 * leave the descriptor unreadable. An edge-triggered epoll gets an edge
 * when records come to be held, though the kernel then signals nothing:
 * the edges of the kernel's records are consumed before the wait reads
 * them.
 */
static int test_destroy_and_edge(void)
{
	struct sockaddr_storage ss;
	struct epoll_event ee = { .events = EPOLLIN | EPOLLET };
	struct sockobj_event ev;
	struct sockobj_ctx *ctx;
	struct pollfd pfd;
	int lfd, epfd, fd, a, b;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	fd = sockobj_fd(ctx);
	pfd.fd = fd;
	pfd.events = POLLIN;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	CHECK(epfd >= 0);
	ee.data.fd = fd;
	CHECK_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ee), 0);

	a = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xa);
	b = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xb);
	CHECK(a > 0 && b > 0);
	CHECK_OK(sockobj_set_target(ctx, a, (const struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_set_target(ctx, b, (const struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, b));
	CHECK(established(ctx, b));
	CHECK_OK(sockobj_connect(ctx, a));
	CHECK(established(ctx, a));
	CHECK_EQ(drain_edges(epfd, fd), 0);
	CHECK_OK(sockobj_wait_state(ctx, a, est_or_closed, WAIT_MS, &ev));
	CHECK_EQ(sockobj_queued_events(ctx), 2);
	CHECK_EQ(pending(ctx, b), 0);
	CHECK_EQ(epoll_ready(epfd, fd, HANG_MS), 1);
	CHECK_EQ(epoll_ready(epfd, fd, 0), 0);	/* one edge */
	CHECK_EQ(poll(&pfd, 1, 0), 1);

	/* Their object destroyed, nothing is held: not readable. */
	CHECK_OK(sockobj_destroy(ctx, b, SOCKOBJ_DESTROY_ABORT));
	CHECK_EQ(sockobj_queued_events(ctx), 0);
	CHECK_EQ(poll(&pfd, 1, 0), 0);

	/* Held again (a's CLOSED, read by a wait for another object). */
	b = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0xb);
	CHECK(b > 0);
	CHECK_OK(sockobj_set_target(ctx, b, (const struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_abort(ctx, a));
	CHECK_OK(sockobj_connect(ctx, b));
	CHECK(established(ctx, b));
	CHECK_EQ(drain_edges(epfd, fd), 0);
	CHECK_OK(sockobj_wait_state(ctx, b, est_or_closed, WAIT_MS, &ev));
	CHECK_EQ(sockobj_queued_events(ctx), 1);
	CHECK_EQ(epoll_ready(epfd, fd, HANG_MS), 1);
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), 1);
	CHECK_EQ(ev.id, a);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(poll(&pfd, 1, 0), 0);

	close(epfd);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * The blocking mode is sockobj_fd()'s O_NONBLOCK, as set at open or
 * later with fcntl(2); the descriptor is close-on-exec.
 */
static int test_blocking_mode(void)
{
	struct sockobj_ctx *ctx;
	struct sockobj_event ev;
	int fd, fl;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	fd = sockobj_fd(ctx);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	fl = fcntl(fd, F_GETFL);
	CHECK(fl >= 0 && !(fl & O_NONBLOCK));
	CHECK_EQ(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), -EAGAIN);
	sockobj_close(ctx);

	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	fd = sockobj_fd(ctx);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), -EAGAIN);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* A blocking read_events() wakes for a record of the kernel. */
static int test_blocking_read(void)
{
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_event ev;
	socklen_t len;
	int lfd, id;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 7);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (const struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), 1);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CONNECTING);
	/* ESTABLISHED may not have come yet: this read waits for it. */
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), 1);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("epoll_loop_sees_held", test_epoll_loop_sees_held);
	t_run("level", test_level);
	t_run("destroy_and_edge", test_destroy_and_edge);
	t_run("blocking_mode", test_blocking_mode);
	t_run("blocking_read", test_blocking_read);
	return t_exit();
}
