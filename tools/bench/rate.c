// SPDX-License-Identifier: MIT
/*
 * sockobj-bench, figure 1: connection establishment rate.
 *
 * N active opens are started at once and the clock runs from the first
 * request until the application has learned that the last of them is
 * ESTABLISHED (rate = N / that time). Per method:
 *
 *  sockobj       one SOCKOBJ_IOC_BATCH of N x (CREATE, CONFIGURE target,
 *                CONNECT) (N <= 21845; larger N in several batches), then
 *                read() of up to 4096 records at a time until N
 *                ESTABLISHED records have been seen (the CONNECTING records
 *                are read too).
 *  sockobj-ring  the same batch on a file with a mapped record ring (API
 *                version 11) of RRING_ENTRIES slots, the records taken from
 *                the ring, poll() while it is empty: no read().
 *  sockobj-reuse objects made and configured once per test, on a file of
 *                their own, and connected again in every repetition: one
 *                SOCKOBJ_IOC_BATCH of N x CONNECT (an id each), then read()
 *                as sockobj. Untimed after each repetition: a batch of N x
 *                ABORT and the CLOSED records read, so that the objects are
 *                CLOSED with their configuration for the next one. What a
 *                program pays per connection that keeps its objects (a
 *                pool it reconnects, or an object per peer), against
 *                epoll's socket per connection; not a replacement for
 *                sockobj's figure, which makes every object anew.
 *  sockobj-reuse-ring  the same with the records taken from a mapped ring
 *                on that file, as sockobj-ring takes them.
 *  epoll         N x (socket(SOCK_NONBLOCK), connect() -> EINPROGRESS,
 *                epoll_ctl(ADD, EPOLLOUT|EPOLLET)), then epoll_wait() for up
 *                to 1024 events and getsockopt(SO_ERROR) per event (what an
 *                application must do to know the outcome).
 *  io_uring      N x socket(), N x IORING_OP_CONNECT in one submission (a
 *                ring of 16384 entries kept for the whole test), then the
 *                CQEs.
 *  io_uring+sock N x (IORING_OP_SOCKET into a registered direct descriptor,
 *                linked IORING_OP_CONNECT on it): no per-connection system
 *                call at all, the closest io_uring analogue of a sockobj
 *                batch.
 *  ref:blocking  N x (socket(), blocking connect()) in sequence: no event
 *                mechanism (a reference, not a method to beat).
 *  ref:kernel    N x (sock_create_kern(), blocking kernel_connect()) in one
 *                write() to the bench-only module tools/bench/kref: the
 *                limit, what the TCP work itself costs.
 *
 * "submit%" is the share of the time spent before the method starts
 * waiting for / reading completions (sockobj: the batch ioctl, inside which
 * loopback and veth handshakes already complete; epoll: the socket(),
 * connect(), epoll_ctl() loop; io_uring: socket() calls and the submission).
 *
 * N = 1: each repetition is the median of 15 single-connection trials, the
 * methods alternating trial by trial.
 *
 * The connect-with-timeout test (test_connto(), "connto") runs the same
 * establishment with a connect timeout of CONNTO_MS per connection, armed
 * as each method's expert would arm it, next to the same methods without
 * one in the same repetitions (the pair gives the cost of arming and
 * disarming the timeout; the peer answers, so no timeout fires and one
 * that did would end the run):
 *
 *  sockobj+timeout      the CONFIGURE op of the batch also sets
 *                       SOCKOBJ_CFG_CONNECT_TIMEOUT (the module's per-object
 *                       timer, armed at connect, stopped at ESTABLISHED).
 *  epoll+timer          a deadline per connection from one cached clock
 *                       reading per loop iteration (as libuv's loop time):
 *                       the timeouts are all equal, so the deadline heap is
 *                       a FIFO in connect order; each epoll_wait() sleeps
 *                       until the earliest deadline of a connection still
 *                       pending (one clock reading per wait) and an expired
 *                       one fails the connection.
 *  io_uring+linktimeout each IORING_OP_CONNECT is linked to an
 *                       IORING_OP_LINK_TIMEOUT; both CQEs are reaped (the
 *                       timeout's with -ECANCELED once the connect is done).
 *
 * Untimed: the peer accepts every connection (backlog 65535, somaxconn and
 * tcp_max_syn_backlog raised in its namespace); the connections are then
 * reset (no TIME_WAIT anywhere) and the next repetition starts after a
 * short pause, so deferred frees do not land in the next measurement.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	R_SOCKOBJ, R_EPOLL, R_URING, R_URING_SOCK, R_BLOCK, R_KERNEL, R_RING,
	R_REUSE, R_REUSE_RING, R_SOCKOBJ_TO, R_EPOLL_TO, R_URING_TO, R_METHODS
};
static const char *const rname[R_METHODS] = {
	"sockobj", "epoll", "io_uring", "io_uring+sock", "ref:blocking", "ref:kernel",
	"sockobj-ring", "sockobj-reuse", "sockobj-reuse-ring",
	"sockobj+timeout", "epoll+timer", "io_uring+linktimeout",
};
/* The connect timeout of test_connto(): long enough never to fire. */
#define CONNTO_MS 10000u
static uint64_t *deadline;	/* epoll+timer: per connection, ns */
static bool *pending;		/* epoll+timer: not yet connected */
static int kref_fd = -1;	/* /sys/kernel/debug/sobench_kref, if loaded */

static int sofd = -1;
static uint64_t t_phase;	/* ns until the method started waiting/reading */
static uint32_t *ids;
static int *fds;
static struct sockobj_event *evbuf;
#define EVBUF 4096
/*
 * sockobj-ring's file and ring (rfd -1: the module has none). Room for the
 * two records of 16,384 connections: at N = 10,000 the batch establishes
 * every connection before the first record is taken (loopback and veth
 * handshakes complete inside it), and what finds no room waits in the
 * module until a poll() moves it in.
 */
static int rfd = -1;
static struct so_ring rring;
#define RRING_ENTRIES 32768

static void abort_close(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Count the ESTABLISHED records among @k, dying on a CLOSED one. */
static int count_established(const struct sockobj_event *ev, int k)
{
	int est = 0, i;

	for (i = 0; i < k; i++) {
		if (ev[i].type != SOCKOBJ_EV_STATE)
			continue;
		if (ev[i].state == SOCKOBJ_STATE_ESTABLISHED)
			est++;
		else if (ev[i].state == SOCKOBJ_STATE_CLOSED)
			die("sockobj connect failed: reason %u error %d",
			    ev[i].reason, ev[i].error);
	}
	return est;
}

static uint64_t rate_sockobj(const struct net *net, struct peer *p, int n, uint32_t to_ms)
{
	uint64_t t0, t1;
	int est = 0, k;

	prof_on();
	t0 = now_ns();
	so_open_many(sofd, &net->dst, n, O.chunk, ids, 0, to_ms);
	t_phase = now_ns() - t0;
	while (est < n) {
		k = so_read(sofd, evbuf, EVBUF);
		if (k < 0)
			die("read /dev/sockobj: %s", strerror(-k));
		est += count_established(evbuf, k);
	}
	t1 = now_ns();
	prof_off((uint64_t)n);
	peer_wait_accepted(p, n, 60000);
	so_destroy_many(sofd, ids, n);
	peer_close_all(p);
	return t1 - t0;
}

static uint64_t rate_sockobj_ring(const struct net *net, struct peer *p, int n)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	uint64_t t0, t1;
	bool pending = false;
	int est = 0, k;

	prof_on();
	t0 = now_ns();
	so_open_many(rfd, &net->dst, n, O.chunk, ids, 0, 0);
	t_phase = now_ns() - t0;
	while (est < n) {
		k = so_ring_take(&rring, evbuf, EVBUF, &pending);
		if (!k) {
			/* empty: poll() waits, and moves what waits for room */
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				die("poll /dev/sockobj: %s", strerror(errno));
			continue;
		}
		est += count_established(evbuf, k);
	}
	t1 = now_ns();
	prof_off((uint64_t)n);
	peer_wait_accepted(p, n, 60000);
	so_destroy_many(rfd, ids, n);
	/* what the ring still holds is of the objects just destroyed */
	while (so_ring_take(&rring, evbuf, EVBUF, &pending) || pending)
		if (pending && poll(&pfd, 1, 0) < 0 && errno != EINTR)
			die("poll /dev/sockobj: %s", strerror(errno));
	peer_close_all(p);
	return t1 - t0;
}

/*
 * sockobj-reuse's and sockobj-reuse-ring's files, each with its objects
 * (ids[0, n), CLOSED between repetitions); the second has a mapped ring.
 */
struct reuse {
	int fd;
	uint32_t *ids;
	int n;
	bool ring;
	struct so_ring r;
};
static struct reuse reuse[2];
static struct sockobj_batch_op *uops;

/* One op per object of the first @n of u's, in one batch. */
static void reuse_batch(struct reuse *u, uint32_t op, int n)
{
	uint32_t done;
	int i, ret;

	memset(uops, 0, (size_t)n * sizeof(*uops));
	for (i = 0; i < n; i++) {
		uops[i].op = op;
		uops[i].id = u->ids[i];
	}
	ret = so_batch(u->fd, uops, (uint32_t)n, &done);
	if (ret)
		die("SOCKOBJ_IOC_BATCH: %s", strerror(-ret));
	for (i = 0; i < n; i++)
		if (uops[i].result < 0)
			die("sockobj-reuse: op %u on object %u: %s", op, u->ids[i],
			    strerror(-uops[i].result));
}

/* Records of u's file into evbuf, waiting for at least one: how many. */
static int reuse_records(struct reuse *u)
{
	struct pollfd pfd = { .fd = u->fd, .events = POLLIN };
	bool pending = false;
	int k;

	if (!u->ring) {
		k = so_read(u->fd, evbuf, EVBUF);
		if (k < 0)
			die("read /dev/sockobj: %s", strerror(-k));
		return k;
	}
	/* empty: poll() waits, and moves what waits for room */
	while (!(k = so_ring_take(&u->r, evbuf, EVBUF, &pending)))
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll /dev/sockobj: %s", strerror(errno));
	return k;
}

static uint64_t rate_sockobj_reuse(const struct net *net, struct peer *p, int n,
				   struct reuse *u)
{
	uint64_t t0, t1;
	int est = 0, closed = 0, i, k;

	if (n > u->n) {	/* untimed: the objects this N needs more */
		so_open_many_configured(u->fd, &net->dst, n - u->n, u->ids + u->n);
		u->n = n;
	}
	prof_on();
	t0 = now_ns();
	reuse_batch(u, SOCKOBJ_OP_CONNECT, n);
	t_phase = now_ns() - t0;
	while (est < n)
		est += count_established(evbuf, reuse_records(u));
	t1 = now_ns();
	prof_off((uint64_t)n);
	peer_wait_accepted(p, n, 60000);
	reuse_batch(u, SOCKOBJ_OP_ABORT, n);
	while (closed < n) {
		k = reuse_records(u);
		for (i = 0; i < k; i++)
			closed += evbuf[i].type == SOCKOBJ_EV_STATE &&
				  evbuf[i].state == SOCKOBJ_STATE_CLOSED;
	}
	peer_close_all(p);
	return t1 - t0;
}

/*
 * epoll+timer: the epoll_wait() timeout (ms, rounded up) until the earliest
 * deadline of a connection still pending, from *head on (the FIFO's head);
 * dies once one has expired. 30 s without a timeout.
 */
static int epoll_timer_wait_ms(int n, int *head, uint64_t to_ns)
{
	uint64_t now;

	if (!to_ns)
		return 30000;
	while (*head < n && !pending[*head])
		(*head)++;
	if (*head == n)
		return 30000;
	now = now_ns();
	if (now >= deadline[*head])
		die("epoll+timer: connection %d timed out", *head);
	return (int)((deadline[*head] - now + 999999) / 1000000);
}

static uint64_t rate_epoll(const struct net *net, struct peer *p, int n, uint32_t to_ms)
{
	struct epoll_event *evs = (struct epoll_event *)evbuf;	/* 4096 x 64 B */
	int ep = epoll_create1(EPOLL_CLOEXEC), est = 0, i, k, err, head = 0;
	uint64_t t0, t1, loop_now, to_ns = (uint64_t)to_ms * 1000000;
	socklen_t sl;

	if (ep < 0)
		die("epoll_create1: %s", strerror(errno));
	if (to_ns)
		memset(pending, 1, (size_t)n * sizeof(*pending));
	prof_on();
	t0 = now_ns();
	loop_now = to_ns ? now_ns() : 0;
	for (i = 0; i < n; i++) {
		struct epoll_event ev = { EPOLLOUT | EPOLLET, { .u32 = (uint32_t)i } };

		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[i] < 0)
			die("socket: %s", strerror(errno));
		if (connect(fds[i], (const struct sockaddr *)&net->dst, sizeof(net->dst))) {
			if (errno != EINPROGRESS)
				die("connect: %s", strerror(errno));
		}
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev))
			die("epoll_ctl: %s", strerror(errno));
		if (to_ns)
			deadline[i] = loop_now + to_ns;
	}
	t_phase = now_ns() - t0;
	while (est < n) {
		k = ep_wait(ep, evs, 1024, epoll_timer_wait_ms(n, &head, to_ns));
		if (!k && !to_ns)
			die("epoll: timeout with %d of %d connected", est, n);
		for (i = 0; i < k; i++) {
			/*
			 * EPOLLOUT alone means connected: SO_ERROR is only
			 * read, as an expert would, when the connect failed.
			 */
			if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
				sl = sizeof(err);
				if (getsockopt(fds[evs[i].data.u32], SOL_SOCKET, SO_ERROR,
					       &err, &sl))
					die("getsockopt: %s", strerror(errno));
				die("epoll connect failed: %s", strerror(err));
			}
			if (to_ns)
				pending[evs[i].data.u32] = false;
			est++;
		}
	}
	t1 = now_ns();
	prof_off((uint64_t)n);
	peer_wait_accepted(p, n, 60000);
	for (i = 0; i < n; i++)
		abort_close(fds[i]);
	close(ep);
	peer_close_all(p);
	return t1 - t0;
}

unsigned int uring_flags;	/* the setup flags the last uring_init() got */
bool uring_regfd;		/* and whether its fd was registered */

/*
 * A ring set up as an expert sets one up for a single thread:
 * SINGLE_ISSUER, DEFER_TASKRUN (completion task work runs when this thread
 * waits for completions, never interrupting it), COOP_TASKRUN (no IPI to
 * post task work) and the ring's fd registered (io_uring_enter() skips the
 * fd lookup). A kernel that refuses a flag gets the ring without it.
 */
void uring_init(struct io_uring *ring, unsigned int entries, unsigned int cq_entries)
{
	static const unsigned int tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_COOP_TASKRUN,
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	struct io_uring_params par;
	size_t i;
	int ret = -EINVAL;

	for (i = 0; i < ARRAY_SIZE(tries) && ret == -EINVAL; i++) {
		memset(&par, 0, sizeof(par));
		par.flags = IORING_SETUP_CQSIZE | tries[i];
		par.cq_entries = cq_entries;
		ret = io_uring_queue_init_params(entries, ring, &par);
		uring_flags = tries[i];
	}
	if (ret)
		die("io_uring_queue_init: %s", strerror(-ret));
	uring_regfd = io_uring_register_ring_fd(ring) == 1;
}

/*
 * ref:blocking: N x (socket(), blocking connect()), one after the other: no
 * event mechanism at all, and no concurrency either. On lo and veth the
 * handshake completes inside connect(), so this is the cost of the
 * sockets and handshakes themselves plus one syscall pair per connection.
 */
static uint64_t rate_blocking(const struct net *net, struct peer *p, int n)
{
	uint64_t t0, t1;
	int i;

	prof_on();
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0)
			die("socket: %s", strerror(errno));
		if (connect(fds[i], (const struct sockaddr *)&net->dst, sizeof(net->dst)))
			die("blocking connect: %s", strerror(errno));
	}
	t1 = now_ns();
	prof_off((uint64_t)n);
	t_phase = t1 - t0;
	peer_wait_accepted(p, n, 60000);
	for (i = 0; i < n; i++)
		abort_close(fds[i]);
	peer_close_all(p);
	return t1 - t0;
}

static void kref_cmd(const char *cmd)
{
	if (write(kref_fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		die("sobench_kref \"%s\": %s", cmd, strerror(errno));
}

/*
 * ref:kernel: the module tools/bench/kref creates and connects N sockets
 * in the kernel (sock_create_kern(), blocking kernel_connect()) within one
 * write(): the establishment limit, with no API cost at all.
 */
static uint64_t rate_kernel(const struct net *net, struct peer *p, int n)
{
	char cmd[64], a[INET_ADDRSTRLEN];
	uint64_t t0, t1;

	inet_ntop(AF_INET, &net->dst.sin_addr, a, sizeof(a));
	snprintf(cmd, sizeof(cmd), "%d %s %u", n, a, ntohs(net->dst.sin_port));
	prof_on();
	t0 = now_ns();
	kref_cmd(cmd);
	t1 = now_ns();
	prof_off((uint64_t)n);
	t_phase = t1 - t0;
	peer_wait_accepted(p, n, 60000);
	peer_close_all(p);	/* the peer resets: no TIME_WAIT */
	kref_cmd("release");
	return t1 - t0;
}

static void ring_init(struct io_uring *ring, unsigned int entries)
{
	uring_init(ring, entries, 2 * entries);
}

static struct io_uring_sqe *sqe_get(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			die("io_uring: no SQE");
	}
	return sqe;
}

/*
 * user_data: the connection's index, plus UD_SOCKET for IORING_OP_SOCKET's
 * CQE and UD_TIMEOUT for IORING_OP_LINK_TIMEOUT's.
 */
#define UD_SOCKET (1ull << 32)
#define UD_TIMEOUT (2ull << 32)

/*
 * Reap until @want connect CQEs and @want_to link-timeout CQEs have
 * arrived. A link timeout completes with -ECANCELED when its connect
 * completed first; -ETIME (it fired) ends the run like a failed connect.
 */
static void reap_connects(struct io_uring *ring, int want, int want_to)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen;
	int got = 0, got_to = 0, ret;

	while (got < want || got_to < want_to) {
		ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0 && ret != -EINTR)
			die("io_uring_submit_and_wait: %s", strerror(-ret));
		seen = 0;
		io_uring_for_each_cqe(ring, head, cqe) {
			seen++;
			if (cqe->user_data & UD_TIMEOUT) {
				if (cqe->res != -ECANCELED)
					die("io_uring link timeout: %s", strerror(-cqe->res));
				got_to++;
				continue;
			}
			if (cqe->res < 0)
				die("io_uring %s failed: %s",
				    cqe->user_data & UD_SOCKET ? "socket" : "connect",
				    strerror(-cqe->res));
			if (!(cqe->user_data & UD_SOCKET))
				got++;
		}
		io_uring_cq_advance(ring, seen);
	}
}

/*
 * The rings live for the whole test, as an application's would: created
 * and torn down per repetition, a ring's asynchronous teardown (io_uring's
 * exit work) would run into the next measurement.
 */
#define RING_ENTRIES 16384
static struct io_uring ring_c, ring_s;	/* connect; socket+connect */
static int *minus1;			/* RING_ENTRIES x -1 */

static uint64_t rate_uring(const struct net *net, struct peer *p, int n, uint32_t to_ms)
{
	/* read at submission (the linked timeout copies it then) */
	static struct __kernel_timespec ts;
	uint64_t t0, t1;
	int i;

	ts.tv_sec = to_ms / 1000;
	ts.tv_nsec = (long long)(to_ms % 1000) * 1000000;
	prof_on();
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe;

		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0)
			die("socket: %s", strerror(errno));
		/* A link pair must not straddle a submission. */
		if (to_ms && io_uring_sq_space_left(&ring_c) < 2)
			io_uring_submit(&ring_c);
		sqe = sqe_get(&ring_c);
		io_uring_prep_connect(sqe, fds[i], (const struct sockaddr *)&net->dst,
				      sizeof(net->dst));
		sqe->user_data = (uint64_t)i;
		if (!to_ms)
			continue;
		sqe->flags |= IOSQE_IO_LINK;
		sqe = sqe_get(&ring_c);
		io_uring_prep_link_timeout(sqe, &ts, 0);
		sqe->user_data = UD_TIMEOUT | (uint64_t)i;
	}
	io_uring_submit(&ring_c);
	t_phase = now_ns() - t0;
	reap_connects(&ring_c, n, to_ms ? n : 0);
	t1 = now_ns();
	prof_off((uint64_t)n);
	peer_wait_accepted(p, n, 60000);
	for (i = 0; i < n; i++)
		abort_close(fds[i]);
	peer_close_all(p);
	return t1 - t0;
}

static uint64_t rate_uring_sock(const struct net *net, struct peer *p, int n)
{
	uint64_t t0, t1;
	int i, ret;

	prof_on();
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe;

		/* A link pair must not straddle a submission. */
		if (io_uring_sq_space_left(&ring_s) < 2)
			io_uring_submit(&ring_s);
		sqe = sqe_get(&ring_s);
		io_uring_prep_socket_direct(sqe, AF_INET, SOCK_STREAM, 0,
					    (unsigned int)i, 0);
		sqe->flags |= IOSQE_IO_LINK;
		sqe->user_data = UD_SOCKET | (uint64_t)i;
		sqe = sqe_get(&ring_s);
		io_uring_prep_connect(sqe, i, (const struct sockaddr *)&net->dst,
				      sizeof(net->dst));
		sqe->flags |= IOSQE_FIXED_FILE;
		sqe->user_data = (uint64_t)i;
	}
	io_uring_submit(&ring_s);
	t_phase = now_ns() - t0;
	reap_connects(&ring_s, n, 0);
	t1 = now_ns();
	prof_off((uint64_t)n);
	peer_wait_accepted(p, n, 60000);
	/* Direct descriptors cannot take SO_LINGER on 6.1: the peer resets. */
	peer_close_all(p);
	ret = io_uring_register_files_update(&ring_s, 0, minus1, (unsigned int)n);
	if (ret < 0)
		die("io_uring_register_files_update: %s", strerror(-ret));
	return t1 - t0;
}

/*
 * Untimed, after a repetition of io_uring+sock: unregistering the table
 * waits for io_uring's deferred release of the removed files (otherwise up
 * to a second later, in the next method's time); a fresh sparse table
 * follows.
 */
static void uring_sock_flush(void)
{
	int ret;

	ret = io_uring_unregister_files(&ring_s);
	if (ret)
		die("io_uring_unregister_files: %s", strerror(-ret));
	ret = io_uring_register_files_sparse(&ring_s, RING_ENTRIES);
	if (ret)
		die("io_uring_register_files_sparse: %s", strerror(-ret));
}

static void rings_setup(bool with_sock)
{
	int i, ret;

	ring_init(&ring_c, RING_ENTRIES);
	if (!with_sock)
		return;
	ring_init(&ring_s, RING_ENTRIES);
	ret = io_uring_register_files_sparse(&ring_s, RING_ENTRIES);
	if (ret)
		die("io_uring_register_files_sparse: %s", strerror(-ret));
	minus1 = malloc(RING_ENTRIES * sizeof(*minus1));
	if (!minus1)
		die("out of memory");
	for (i = 0; i < RING_ENTRIES; i++)
		minus1[i] = -1;
}

static void rings_teardown(bool with_sock)
{
	io_uring_queue_exit(&ring_c);
	if (!with_sock)
		return;
	io_uring_unregister_files(&ring_s);
	io_uring_queue_exit(&ring_s);
	free(minus1);
	minus1 = NULL;
}

static bool uring_sock_ok(void)
{
	/* IORING_OP_SOCKET is 5.19+; probe once. */
	struct io_uring_probe *probe;
	bool ok;
	struct io_uring ring;

	ring_init(&ring, 8);
	probe = io_uring_get_probe_ring(&ring);
	ok = probe && io_uring_opcode_supported(probe, IORING_OP_SOCKET) &&
	     io_uring_opcode_supported(probe, IORING_OP_CONNECT);
	if (probe)
		io_uring_free_probe(probe);
	io_uring_queue_exit(&ring);
	return ok;
}

static uint64_t rate_once(int m, const struct net *net, struct peer *p, int n)
{
	switch (m) {
	case R_SOCKOBJ:
		return rate_sockobj(net, p, n, 0);
	case R_EPOLL:
		return rate_epoll(net, p, n, 0);
	case R_URING:
		return rate_uring(net, p, n, 0);
	case R_SOCKOBJ_TO:
		return rate_sockobj(net, p, n, CONNTO_MS);
	case R_EPOLL_TO:
		return rate_epoll(net, p, n, CONNTO_MS);
	case R_URING_TO:
		return rate_uring(net, p, n, CONNTO_MS);
	case R_BLOCK:
		return rate_blocking(net, p, n);
	case R_KERNEL:
		return rate_kernel(net, p, n);
	case R_RING:
		return rate_sockobj_ring(net, p, n);
	case R_REUSE:
		return rate_sockobj_reuse(net, p, n, &reuse[0]);
	case R_REUSE_RING:
		return rate_sockobj_reuse(net, p, n, &reuse[1]);
	default:
		return rate_uring_sock(net, p, n);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * One repetition of every method in @use, in the order of repetition @rep:
 * their times (ns) and submit shares. For N = 1 a single trial lasts a few
 * hundred microseconds, so one descheduling of the vCPU by a busy host
 * (wall-clock mode) would decide it: a repetition is then the median of 15
 * trials of the method, 2 ms apart. Methods are separated by settle().
 */
#define TRIALS 15
static void rate_round(const bool *use, const struct net *net, struct peer *p, int n, int rep,
		       uint64_t *ns_out, uint64_t *ph_out)
{
	uint64_t t[R_METHODS][TRIALS], ph[R_METHODS][TRIALS];
	int m, i, k, trials = n > 1 ? 1 : TRIALS, lst[R_METHODS], nu = 0;

	/* rotated among the methods in use (each test uses a subset) */
	for (m = 0; m < R_METHODS; m++)
		if (use[m])
			lst[nu++] = m;
	for (k = 0; k < nu; k++) {
		m = lst[rot(k, rep, nu)];
		for (i = 0; i < trials; i++) {
			t[m][i] = rate_once(m, net, p, n);
			ph[m][i] = t_phase;
			if (i + 1 < trials)
				sleep_ms(2);
		}
		if (m == R_URING_SOCK)
			uring_sock_flush();
		settle();
	}
	for (m = 0; m < R_METHODS; m++) {
		if (!use[m])
			continue;
		qsort(t[m], trials, sizeof(t[m][0]), cmp_u64);
		qsort(ph[m], trials, sizeof(ph[m][0]), cmp_u64);
		ns_out[m] = t[m][trials / 2];
		ph_out[m] = ph[m][trials / 2];
	}
}

/* The method of the pair without a timeout, for one with (else -1). */
static int untimed(int m)
{
	switch (m) {
	case R_SOCKOBJ_TO:
		return R_SOCKOBJ;
	case R_EPOLL_TO:
		return R_EPOLL;
	case R_URING_TO:
		return R_URING;
	default:
		return -1;
	}
}

/*
 * The establishment figures of one N: every method in @use, rotated per
 * repetition; ratios to epoll paired per repetition with their CIs. For
 * the connect-with-timeout test (@test "connto") also each method's ratio
 * to epoll+timer and, for a method with a timeout, the cost of arming it:
 * the ratio of its time to its untimed twin's and the difference per
 * connection, both paired per repetition, with their CIs.
 */
static void rate_n(const char *test, const bool *use, const struct net *net, struct peer *p,
		   int n, int reps)
{
	double *v[R_METHODS], *ratio[R_METHODS], *ph[R_METHODS], *tns[R_METHODS];
	bool connto = !strcmp(test, "connto");
	struct summary st[R_METHODS], rs;
	double *tmp = calloc(reps, sizeof(double));
	const char *used[R_METHODS];
	int m, r, nu = 0;

	if (!tmp)
		die("out of memory");
	for (m = 0; m < R_METHODS; m++) {
		v[m] = calloc(reps, sizeof(double));
		ratio[m] = calloc(reps, sizeof(double));
		ph[m] = calloc(reps, sizeof(double));
		tns[m] = calloc(reps, sizeof(double));
		if (!v[m] || !ratio[m] || !ph[m] || !tns[m])
			die("out of memory");
	}
	/* One warm-up round (not recorded), then interleaved reps. */
	for (r = n > 1000 ? 0 : -1; r < reps; r++) {
		uint64_t ns_taken[R_METHODS], phase[R_METHODS];

		watchdog(test, 180);
		rate_round(use, net, p, n, r < 0 ? reps - 1 : r, ns_taken, phase);
		for (m = 0; m < R_METHODS; m++) {
			if (!use[m] || r < 0)
				continue;
			v[m][r] = (double)n * 1e9 / (double)ns_taken[m];
			tns[m][r] = (double)ns_taken[m];
			ph[m][r] = 100.0 * (double)phase[m] / (double)ns_taken[m];
		}
	}
	for (r = 0; r < reps; r++)
		for (m = 0; m < R_METHODS; m++)
			ratio[m][r] = v[m][r] / v[R_EPOLL][r];
	for (m = 0; m < R_METHODS; m++) {
		stats(v[m], reps, &st[m]);
		if (use[m])
			used[nu++] = rname[m];
	}
	for (m = 0; m < R_METHODS; m++) {
		char range[64], rr[64], rt[64] = "", ra[64] = "", rd[64] = "";
		struct ci ci, ci_t, ci_a, ci_d;
		struct summary sph;
		int u = untimed(m);

		if (!use[m])
			continue;
		stats(ratio[m], reps, &rs);
		ratio_ci(ratio[m], reps, &ci);
		stats(ph[m], reps, &sph);
		snprintf(range, sizeof(range), "[%.0f..%.0f]", st[m].min, st[m].max);
		json_begin(&J, test);
		json_str(&J, "net", net->name);
		json_str(&J, "method", rname[m]);
		json_int(&J, "n", n);
		json_str(&J, "unit", "connections/s");
		json_stat(&J, "value", &st[m]);
		json_num(&J, "ratio_vs_epoll", st[m].median / st[R_EPOLL].median);
		json_stat(&J, "rep_ratio_vs_epoll", &rs);
		json_ci(&J, "ratio_ci", &ci);
		json_samples(&J, "rep_ratios", ratio[m], reps);
		json_orders(&J, "order", used, NULL, nu, reps);
		json_samples(&J, "samples", v[m], reps);
		json_num(&J, "submit_share_pct", sph.median);
		if (connto) {
			for (r = 0; r < reps; r++)
				tmp[r] = v[m][r] / v[R_EPOLL_TO][r];
			ratio_ci(tmp, reps, &ci_t);
			json_ci(&J, "ratio_vs_epoll_timer_ci", &ci_t);
			ci_str(&ci_t, rt, sizeof(rt));
		}
		if (connto && u >= 0 && use[u]) {
			/* rate ratio: < 1 when arming the timeout costs */
			for (r = 0; r < reps; r++)
				tmp[r] = v[m][r] / v[u][r];
			ratio_ci(tmp, reps, &ci_a);
			json_str(&J, "untimed", rname[u]);
			json_ci(&J, "ratio_vs_untimed_ci", &ci_a);
			/* ns per connection that the timeout adds */
			for (r = 0; r < reps; r++)
				tmp[r] = (tns[m][r] - tns[u][r]) / n;
			ratio_ci(tmp, reps, &ci_d);
			json_ci(&J, "timeout_ns_per_conn_ci", &ci_d);
			ci_str(&ci_a, ra, sizeof(ra));
			snprintf(rd, sizeof(rd), "%.0f [%.0f..%.0f]", ci_d.median, ci_d.lo, ci_d.hi);
		}
		json_end(&J);
		if (connto)
			table_row("%-7d %-20s %5d %10.0f %22s %22s %22s %22s %20s", n, rname[m],
				  reps, st[m].median, range, ci_str(&ci, rr, sizeof(rr)), rt, ra,
				  rd);
		else
			table_row("%-7d %-18s %5d %14.0f %22s %22s %5.1f %8.0f", n, rname[m], reps,
				  st[m].median, range, ci_str(&ci, rr, sizeof(rr)), 100 * ci.conf,
				  sph.median);
	}
	for (m = 0; m < R_METHODS; m++) {
		free(v[m]);
		free(ratio[m]);
		free(ph[m]);
		free(tns[m]);
	}
	free(tmp);
}

/* The state both establishment tests share: buffers, /dev/sockobj, rings. */
static bool rate_setup(struct peer *p)
{
	bool have_sock;

	if (!ids) {
		ids = calloc(MAX_CONNS, sizeof(*ids));
		fds = calloc(MAX_CONNS, sizeof(*fds));
		evbuf = calloc(EVBUF, sizeof(*evbuf));
		deadline = calloc(MAX_CONNS, sizeof(*deadline));
		pending = calloc(MAX_CONNS, sizeof(*pending));
		reuse[0].ids = calloc(MAX_CONNS, sizeof(*reuse[0].ids));
		reuse[1].ids = calloc(MAX_CONNS, sizeof(*reuse[1].ids));
		uops = calloc(MAX_CONNS, sizeof(*uops));
		if (!ids || !fds || !evbuf || !deadline || !pending || !reuse[0].ids ||
		    !reuse[1].ids || !uops)
			die("out of memory");
	}
	sofd = so_open();
	reuse[0].fd = so_open();
	reuse[0].n = 0;
	reuse[1].fd = -1;
	reuse[1].n = 0;
	rfd = -1;
	if (so_features(sofd) & SOCKOBJ_FEAT_EVENT_RING) {
		rfd = so_open();
		so_ring_setup(rfd, RRING_ENTRIES, &rring);
		reuse[1].fd = so_open();
		reuse[1].ring = true;
		so_ring_setup(reuse[1].fd, RRING_ENTRIES, &reuse[1].r);
	}
	kref_fd = open("/sys/kernel/debug/sobench_kref", O_WRONLY | O_CLOEXEC);
	have_sock = uring_sock_ok();
	rings_setup(have_sock);
	peer_mode(p, PEER_HOLD);
	return have_sock;
}

static void rate_teardown(bool have_sock)
{
	watchdog("", 0);
	rings_teardown(have_sock);
	close(sofd);
	sofd = -1;
	close(reuse[0].fd);	/* sockobj-reuse's objects go with it */
	reuse[0].fd = -1;
	if (reuse[1].fd >= 0) {
		so_ring_unmap(&reuse[1].r);
		close(reuse[1].fd);
		reuse[1].fd = -1;
	}
	if (rfd >= 0) {
		so_ring_unmap(&rring);
		close(rfd);
		rfd = -1;
	}
	if (kref_fd >= 0)
		close(kref_fd);
	kref_fd = -1;
}

static int rate_reps(const struct net *net, int n)
{
	return n < 10000 ? O.reps : strcmp(net->name, "veth") ? O.reps_big : O.reps_big_veth;
}

void test_rate(const struct net *net, struct peer *p)
{
	static const int ns[] = { 1, 100, 1000, 10000 };
	bool have_sock = rate_setup(p);
	size_t ni;
	int m;

	if (kref_fd < 0)
		warnx("sobench_kref not loaded: ref:kernel skipped");
	if (!have_sock)
		warnx("IORING_OP_SOCKET unsupported: io_uring+sock skipped");
	table_row("io_uring rings: setup flags%s%s%s, ring fd %sregistered",
		  uring_flags & IORING_SETUP_SINGLE_ISSUER ? " SINGLE_ISSUER" : "",
		  uring_flags & IORING_SETUP_DEFER_TASKRUN ? " DEFER_TASKRUN" : "",
		  uring_flags & IORING_SETUP_COOP_TASKRUN ? " COOP_TASKRUN" : " (none)",
		  uring_regfd ? "" : "not ");

	table_row("\n== 1. Establishment rate (%s): connections/s, median [min..max] of reps; x epoll = median of the per-rep ratios [CI of it], conf%% its coverage",
		  net->name);
	table_row("%-7s %-18s %5s %14s %22s %22s %5s %8s", "N", "method", "reps",
		  "conn/s", "[min..max]", "x epoll [CI]", "conf%", "submit%");
	for (ni = 0; ni < ARRAY_SIZE(ns); ni++) {
		bool use[R_METHODS];

		for (m = 0; m < R_METHODS; m++)
			use[m] = m < R_SOCKOBJ_TO && (m != R_URING_SOCK || have_sock) &&
				 (m != R_KERNEL || kref_fd >= 0) &&
				 ((m != R_RING && m != R_REUSE_RING) || rfd >= 0) &&
				 point_match("rate", ns[ni], rname[m]);
		if (point_match("rate", ns[ni], NULL))
			rate_n("rate", use, net, p, ns[ni], rate_reps(net, ns[ni]));
	}
	rate_teardown(have_sock);
}

/*
 * Figure 1b: establishment with a connect timeout per connection (see the
 * top of this file), N = 1, 1,000 and 10,000.
 */
void test_connto(const struct net *net, struct peer *p)
{
	static const int ns[] = { 1, 1000, 10000 };
	bool have_sock = rate_setup(p);
	size_t ni;
	int m;

	table_row("\n== 1b. Establishment with a %u ms connect timeout per connection (%s): connections/s, median [min..max]; x = median of the per-rep ratios [CI]; arming = x its untimed twin [CI], and +ns per connection [CI]",
		  CONNTO_MS, net->name);
	table_row("%-7s %-20s %5s %10s %22s %22s %22s %22s %20s", "N", "method", "reps",
		  "conn/s", "[min..max]", "x epoll [CI]", "x epoll+timer [CI]",
		  "arming: x untimed", "+ns/conn [CI]");
	for (ni = 0; ni < ARRAY_SIZE(ns); ni++) {
		bool use[R_METHODS] = { false };

		for (m = 0; m < R_METHODS; m++)
			use[m] = (m == R_SOCKOBJ || m == R_EPOLL || m == R_URING ||
				  m >= R_SOCKOBJ_TO) && point_match("connto", ns[ni], rname[m]);
		/* the ratios need both epolls (a --point profile only its method) */
		if (!O.point)
			use[R_EPOLL] = use[R_EPOLL_TO] = true;
		if (point_match("connto", ns[ni], NULL))
			rate_n("connto", use, net, p, ns[ni], rate_reps(net, ns[ni]));
	}
	rate_teardown(have_sock);
}
