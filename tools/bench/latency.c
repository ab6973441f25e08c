// SPDX-License-Identifier: MIT
/*
 * sockobj-bench, figure 2: event latency, one connection at a time, the
 * client idle in its blocking wait when the packet arrives.
 *
 * SYN-ACK -> "ESTABLISHED learned". A netem qdisc delays the peer's
 * packets by 2 ms (veth: the peer's egress only; lo: all packets), so the
 * SYN-ACK arrives while the client sleeps in its wait call (without it
 * the handshake completes inside connect() itself on these links). The
 * reference is the kernel's own TCP transition of the client socket
 * SYN_SENT -> ESTABLISHED (tcp_finish_connect(), in the SYN-ACK's
 * processing), taken from the sock:inet_sock_set_state tracepoint with the
 * x86-tsc trace clock, i.e. the same TSC the application reads with rdtsc
 * when it has learned the outcome:
 *   sockobj   blocking read() of /dev/sockobj returned the ESTABLISHED
 *             record (also reported against the record's own
 *             timestamp_ns, CLOCK_MONOTONIC of the sockobj transition);
 *   sockobj-ring  poll() of /dev/sockobj returned, then the ESTABLISHED
 *             record was taken from the file's mapped record ring (API
 *             version 11) instead of read();
 *   epoll     blocking epoll_wait() returned EPOLLOUT without
 *             EPOLLERR/EPOLLHUP (getsockopt(SO_ERROR) only then);
 *   io_uring  io_uring_enter() waiting for the IORING_OP_CONNECT CQE (res 0);
 *   ref:blocking  a blocking connect() returned 0: no event mechanism (the
 *             reference of issue 18's latency target).
 *
 * Peer RST -> "reset learned". The peer accepts, sleeps 5 ms (the client is
 * then waiting), reads the TSC right before close() with SO_LINGER {1, 0},
 * which sends the RST. The client learns:
 *   sockobj   blocking read() returned the CLOSED record (reason RESET);
 *   sockobj-ring  poll() returned, the CLOSED record taken from the ring;
 *   epoll     epoll_wait() returned EPOLLERR|EPOLLHUP and
 *             getsockopt(SO_ERROR) said ECONNRESET;
 *   io_uring  a pending IORING_OP_RECV completed with -ECONNRESET;
 *   ref:blocking  a blocking recv() of 1 byte failed with ECONNRESET.
 * Reported against the peer's pre-close TSC (includes the close() path up
 * to the RST), and against the client socket's ESTABLISHED -> CLOSE
 * tracepoint (the RST's arrival).
 *
 * Sample i of every method is taken in round i (methods rotated per
 * round), so rounds pair them: "x epoll" and "x ref:blocking" are the
 * medians of the per-round ratios with their sign-test CI, like the other
 * tests' ratios; the median's own CI is in the JSON (value_ci).
 *
 * The tracepoint is enabled only during this test and costs every method
 * the same. Unless --no-spin, a SCHED_IDLE busy loop keeps the client's
 * vCPU out of HLT (see spinner()).
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "bench.h"

#include <ctype.h>
#include <math.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { L_SOCKOBJ, L_EPOLL, L_URING, L_BLOCK, L_RING, L_METHODS };
static const char *const lname[L_METHODS] = { "sockobj", "epoll", "io_uring", "ref:blocking",
					      "sockobj-ring" };

static char tdir[64];
static int pipe_fd = -1;		/* trace_pipe, O_NONBLOCK */

/*
 * A SCHED_IDLE busy loop on the client's CPU while the client waits: the
 * vCPU then never halts, so a wakeup is not delayed by the emulated HLT
 * exit and the host rescheduling qemu's vCPU thread (milliseconds on a busy
 * host, and a property of the platform, not of the method). The client
 * preempts it at once on wakeup (SCHED_IDLE loses to any normal task).
 */
static atomic_bool spin_stop;

static void *spinner(void *arg)
{
	struct sched_param sp = { 0 };

	pin_cpu((int)(intptr_t)arg);
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp))
		warnx("cannot make the spinner SCHED_IDLE");
	while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
		__asm__ __volatile__("pause");
	return NULL;
}

static int twrite(const char *file, const char *val, bool trunc)
{
	char path[160];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", tdir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | (trunc ? O_TRUNC : 0));
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static bool trace_setup(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	char path[160], clocks[512];
	size_t i;
	ssize_t n;
	int fd;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/trace_clock", dirs[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, clocks, sizeof(clocks) - 1);
		close(fd);
		if (n <= 0)
			continue;
		clocks[n] = 0;
		if (!strstr(clocks, "x86-tsc"))
			continue;
		snprintf(tdir, sizeof(tdir), "%s", dirs[i]);
		if (twrite("tracing_on", "0", false) ||
		    twrite("trace_clock", "x86-tsc", false) ||
		    twrite("events/sock/inet_sock_set_state/filter",
			   "oldstate == 2 || newstate == 7", false) ||
		    twrite("events/sock/inet_sock_set_state/enable", "1", false) ||
		    twrite("trace", "", true) ||
		    twrite("tracing_on", "1", false)) {
			warnx("cannot set up the inet_sock_set_state tracepoint in %s", tdir);
			return false;
		}
		return true;
	}
	warnx("no tracefs with the x86-tsc clock: latency against the TCP transition skipped");
	return false;
}

static void trace_off(void)
{
	twrite("tracing_on", "0", false);
	if (pipe_fd >= 0)
		close(pipe_fd);
	pipe_fd = -1;
	twrite("events/sock/inet_sock_set_state/enable", "0", false);
	twrite("events/sock/inet_sock_set_state/filter", "0", true);
	twrite("trace_clock", "local", false);
	twrite("trace", "", true);
}

/*
 * The TSC of the client socket's transition (@old_s -> @new_s by name) with
 * source port @port, from what trace_pipe has now (consumed: the ring
 * buffer is never reset, which would wait for an RCU grace period). 0 if
 * none.
 */
static uint64_t trace_find(uint16_t port, const char *old_s, const char *new_s)
{
	static char buf[65536];
	static size_t have;
	char want[32];
	uint64_t ts = 0;
	ssize_t n;

	if (pipe_fd < 0) {
		char path[160];

		snprintf(path, sizeof(path), "%s/trace_pipe", tdir);
		pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (pipe_fd < 0)
			die("open %s: %s", path, strerror(errno));
	}
	snprintf(want, sizeof(want), "sport=%u ", port);
	for (;;) {
		char *line, *nl;

		n = read(pipe_fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = 0;
		line = buf;
		while ((nl = strchr(line, '\n'))) {
			char *p, *q, *o, *nw;

			*nl = 0;
			p = strstr(line, ": inet_sock_set_state:");
			if (p && strstr(p, want)) {
				o = strstr(p, "oldstate=");
				nw = strstr(p, "newstate=");
				if (o && nw && !strncmp(o + 9, old_s, strlen(old_s)) &&
				    !strncmp(nw + 9, new_s, strlen(new_s))) {
					q = p;
					while (q > line && isdigit((unsigned char)q[-1]))
						q--;
					ts = strtoull(q, NULL, 10);
				}
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line longer than the buffer: drop it */
	}
	return ts;
}

/* Consume whatever the trace holds now. */
static void trace_drain(void)
{
	trace_find(0, "-", "-");
}

/* One client connection of the method under test. */
struct lconn {
	int m;
	int sofd;
	int rfd;		/* sockobj-ring's file and its ring */
	struct so_ring sring;
	uint32_t id;
	int fd, ep;
	struct io_uring ring;
	uint16_t port;
	uint64_t ev_ts;		/* sockobj record timestamp_ns */
	uint64_t learn_mono;	/* CLOCK_MONOTONIC when learned (sockobj) */
};

/*
 * Records read but not consumed yet (a read may return ESTABLISHED and
 * CLOSED together), with the time of the read that returned them.
 */
static struct sockobj_event stash[16];
static int stash_n, stash_i;
static uint64_t stash_tsc, stash_mono;

/*
 * Until a STATE record of @c->id with @state: sockobj by blocking read(),
 * sockobj-ring from the ring, waiting in poll() while it is empty (a poll()
 * also moves records that wait in the module into the ring).
 */
static uint64_t so_wait_state(struct lconn *c, uint32_t state, uint32_t *reason)
{
	for (;;) {
		struct sockobj_event *ev;

		if (stash_i == stash_n && c->m == L_RING) {
			struct pollfd pfd = { .fd = c->rfd, .events = POLLIN };
			bool pending;
			int k = so_ring_take(&c->sring, stash, 16, &pending);

			if (!k) {
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					die("poll /dev/sockobj: %s", strerror(errno));
				continue;
			}
			stash_tsc = rdtsc();
			stash_mono = now_ns();
			stash_n = k;
			stash_i = 0;
			continue;
		}
		if (stash_i == stash_n) {
			int k = so_read(c->sofd, stash, 16);

			stash_tsc = rdtsc();
			stash_mono = now_ns();
			if (k < 0) {
				if (k == -EINTR)
					continue;
				die("read /dev/sockobj: %s", strerror(-k));
			}
			stash_n = k;
			stash_i = 0;
			continue;
		}
		ev = &stash[stash_i++];
		if (ev->id != c->id || ev->type != SOCKOBJ_EV_STATE)
			continue;
		if (ev->state == state) {
			c->ev_ts = ev->timestamp_ns;
			c->learn_mono = stash_mono;
			if (reason)
				*reason = ev->reason;
			return stash_tsc;
		}
		if (ev->state == SOCKOBJ_STATE_CLOSED)
			die("sockobj: object closed early (reason %u error %d)",
			    ev->reason, ev->error);
	}
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &sl))
		die("getsockname: %s", strerror(errno));
	return ntohs(sin.sin_port);
}

/* Start the connection and wait until the method reports it established. */
static uint64_t lconnect(struct lconn *c, const struct net *net)
{
	uint64_t t;

	switch (c->m) {
	case L_SOCKOBJ:
	case L_RING: {
		int fd = c->m == L_RING ? c->rfd : c->sofd;
		struct sockobj_info info;

		so_open_many(fd, &net->dst, 1, 1, &c->id, 0, 0);
		t = so_wait_state(c, SOCKOBJ_STATE_ESTABLISHED, NULL);
		if (so_info(fd, c->id, &info))
			die("SOCKOBJ_IOC_GET_INFO failed");
		c->port = info.local.port;
		return t;
	}
	case L_EPOLL: {
		struct epoll_event ev = { EPOLLOUT | EPOLLET, { .u32 = 0 } };
		socklen_t sl = sizeof(int);
		int err;

		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			die("socket: %s", strerror(errno));
		if (connect(c->fd, (const struct sockaddr *)&net->dst, sizeof(net->dst)) &&
		    errno != EINPROGRESS)
			die("connect: %s", strerror(errno));
		if (epoll_ctl(c->ep, EPOLL_CTL_ADD, c->fd, &ev))
			die("epoll_ctl: %s", strerror(errno));
		while (ep_wait(c->ep, &ev, 1, -1) < 1)
			;
		/* EPOLLOUT alone is success: SO_ERROR only for a failure. */
		err = 0;
		if (ev.events & (EPOLLERR | EPOLLHUP) &&
		    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl))
			die("getsockopt: %s", strerror(errno));
		t = rdtsc();
		if (err == ECONNRESET)
			return 0;	/* reset before we looked: no sample */
		if (err)
			die("epoll connect failed: %s", strerror(err));
		c->port = local_port(c->fd);
		return t;
	}
	case L_BLOCK:
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			die("socket: %s", strerror(errno));
		if (connect(c->fd, (const struct sockaddr *)&net->dst, sizeof(net->dst))) {
			if (errno == ECONNRESET)
				return 0;	/* reset before we looked: no sample */
			die("blocking connect: %s", strerror(errno));
		}
		t = rdtsc();
		c->port = local_port(c->fd);
		return t;
	default: {
		struct io_uring_sqe *sqe;
		struct io_uring_cqe *cqe;
		int ret;

		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			die("socket: %s", strerror(errno));
		sqe = io_uring_get_sqe(&c->ring);
		io_uring_prep_connect(sqe, c->fd, (const struct sockaddr *)&net->dst,
				      sizeof(net->dst));
		do {
			ret = io_uring_submit_and_wait(&c->ring, 1);
		} while (ret == -EINTR);
		if (ret < 0)
			die("io_uring_submit_and_wait: %s", strerror(-ret));
		t = rdtsc();
		if (io_uring_peek_cqe(&c->ring, &cqe))
			die("io_uring: no CQE");
		ret = cqe->res;
		io_uring_cqe_seen(&c->ring, cqe);
		if (ret == -ECONNRESET)
			return 0;	/* reset before we looked: no sample */
		if (ret)
			die("io_uring connect failed: %s", strerror(-ret));
		c->port = local_port(c->fd);
		return t;
	}
	}
}

/* Wait until the method reports the connection reset. */
static uint64_t lwait_reset(struct lconn *c)
{
	switch (c->m) {
	case L_SOCKOBJ:
	case L_RING: {
		uint32_t reason;
		uint64_t t = so_wait_state(c, SOCKOBJ_STATE_CLOSED, &reason);

		if (reason != SOCKOBJ_REASON_RESET)
			die("sockobj: closed with reason %u, not RESET", reason);
		return t;
	}
	case L_EPOLL: {
		struct epoll_event ev = { EPOLLIN | EPOLLRDHUP | EPOLLET, { .u32 = 0 } };
		socklen_t sl = sizeof(int);
		uint64_t t;
		int err;

		if (epoll_ctl(c->ep, EPOLL_CTL_MOD, c->fd, &ev))
			die("epoll_ctl: %s", strerror(errno));
		for (;;) {
			while (ep_wait(c->ep, &ev, 1, -1) < 1)
				;
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl))
				die("getsockopt: %s", strerror(errno));
			t = rdtsc();
			if (err == ECONNRESET)
				return t;
			if (err)
				die("epoll: unexpected error %s", strerror(err));
		}
	}
	case L_BLOCK: {
		char b;
		ssize_t n = recv(c->fd, &b, 1, 0);
		uint64_t t = rdtsc();

		if (n >= 0 || errno != ECONNRESET)
			die("blocking recv: %zd (%s), expected ECONNRESET", n,
			    n < 0 ? strerror(errno) : "no error");
		return t;
	}
	default: {
		static char b;
		struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);
		struct io_uring_cqe *cqe;
		uint64_t t;
		int ret;

		io_uring_prep_recv(sqe, c->fd, &b, 1, 0);
		do {
			ret = io_uring_submit_and_wait(&c->ring, 1);
		} while (ret == -EINTR);
		if (ret < 0)
			die("io_uring_submit_and_wait: %s", strerror(-ret));
		t = rdtsc();
		if (io_uring_peek_cqe(&c->ring, &cqe))
			die("io_uring: no CQE");
		if (cqe->res != -ECONNRESET)
			die("io_uring recv: %d, expected -ECONNRESET", cqe->res);
		io_uring_cqe_seen(&c->ring, cqe);
		return t;
	}
	}
}

static void lclose(struct lconn *c)
{
	if (c->m == L_SOCKOBJ || c->m == L_RING) {
		so_destroy_many(c->m == L_RING ? c->rfd : c->sofd, &c->id, 1);
		stash_n = stash_i = 0;
	} else {
		struct linger lg = { 1, 0 };

		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c->fd);
	}
}

/*
 * Per-round ratios a[i] / b[i] of the rounds where both have a sample
 * (NAN where a round gave none) into @r; their count.
 */
static int round_ratios(const double *a, const double *b, int rounds, double *r)
{
	int i, n = 0;

	for (i = 0; a && b && i < rounds; i++)
		if (!isnan(a[i]) && !isnan(b[i]) && b[i] > 0)
			r[n++] = a[i] / b[i];
	return n;
}

/*
 * One row: the method's samples @v (@n of them) and, for the paired
 * ratios, its samples by round @pv and epoll's @pe and ref:blocking's @pb
 * (NULL: no pairing; the ratio to epoll is then of the medians).
 */
static void report(const struct net *net, const char *what, const char *ref,
		   const char *method, double *v, int n, double epoll_median,
		   const double *pv, const double *pe, const double *pb, int rounds)
{
	double *re = calloc(rounds > 0 ? rounds : 1, sizeof(double));
	double *rb = calloc(rounds > 0 ? rounds : 1, sizeof(double));
	char ce[64], cb[64] = "-";
	struct ci vci, eci, bci;
	struct summary s;
	int ne, nb;

	if (!re || !rb)
		die("out of memory");
	stats(v, n, &s);
	ratio_ci(v, n, &vci);
	ne = round_ratios(pv, pe, rounds, re);
	nb = round_ratios(pv, pb, rounds, rb);
	ratio_ci(re, ne, &eci);
	ratio_ci(rb, nb, &bci);
	if (ne)
		ci_str(&eci, ce, sizeof(ce));
	else
		snprintf(ce, sizeof(ce), "%.2f", epoll_median > 0 ? s.median / epoll_median : 1.0);
	if (nb)
		ci_str(&bci, cb, sizeof(cb));
	table_row("%-8s %-22s %-12s %5d %10.1f %10.1f %10.1f %10.1f %22s %22s", what, ref,
		  method, s.n, s.median, s.p99, s.min, s.q1, ce, cb);
	json_begin(&J, "latency");
	json_str(&J, "net", net->name);
	json_str(&J, "event", what);
	json_str(&J, "reference", ref);
	json_str(&J, "method", method);
	json_str(&J, "unit", "us");
	json_stat(&J, "value", &s);
	json_ci(&J, "value_ci", &vci);
	json_num(&J, "ratio_vs_epoll", epoll_median > 0 ? s.median / epoll_median : 1.0);
	if (ne) {
		json_ci(&J, "ratio_ci", &eci);
		json_samples(&J, "rep_ratios", re, ne);
	}
	if (nb) {
		json_ci(&J, "ratio_vs_blocking_ci", &bci);
		json_samples(&J, "rep_ratios_vs_blocking", rb, nb);
	}
	json_end(&J);
	free(re);
	free(rb);
}

static double median_of(double *v, int n)
{
	struct summary s;

	stats(v, n, &s);
	return s.median;
}

void test_latency(const struct net *net, struct peer *p)
{
	int S = O.lat_samples, m, i, j, k;
	double *syn[L_METHODS], *syn_ev, *rst_peer[L_METHODS], *rst_tr[L_METHODS];
	/* the same by round (NAN: no sample in that round), for the pairs */
	double *psyn[L_METHODS], *prst_peer[L_METHODS], *prst_tr[L_METHODS];
	int nsyn[L_METHODS] = { 0 }, nrst_tr[L_METHODS] = { 0 }, nrst[L_METHODS] = { 0 };
	int nsyn_ev = 0, skipped = 0;
	bool traced = trace_setup(), delayed;
	int nm;		/* methods run: L_RING without a ring */
	struct lconn c;
	pthread_t spin_thr;

	for (m = 0; m < L_METHODS; m++) {
		syn[m] = calloc(S, sizeof(double));
		rst_peer[m] = calloc(S, sizeof(double));
		rst_tr[m] = calloc(S, sizeof(double));
		psyn[m] = calloc(S, sizeof(double));
		prst_peer[m] = calloc(S, sizeof(double));
		prst_tr[m] = calloc(S, sizeof(double));
		if (!syn[m] || !rst_peer[m] || !rst_tr[m] || !psyn[m] || !prst_peer[m] ||
		    !prst_tr[m])
			die("out of memory");
		for (i = 0; i < S; i++)
			psyn[m][i] = prst_peer[m][i] = prst_tr[m][i] = NAN;
	}
	syn_ev = calloc(S, sizeof(double));

	table_row("\n== 2. Event latency (%s): us, %d samples per method, one connection at a time%s; x epoll, x ref:blocking = median of the per-round ratios [CI] (lower is better)",
		  net->name, S, O.spin ? ", SCHED_IDLE spinner on the client CPU" : "");
	table_row("%-8s %-22s %-12s %5s %10s %10s %10s %10s %22s %22s", "event", "reference",
		  "method", "n", "median", "p99", "min", "q1", "x epoll [CI]", "x ref:blocking [CI]");

	if (O.spin) {
		atomic_store(&spin_stop, false);
		if (pthread_create(&spin_thr, NULL, spinner, (void *)(intptr_t)0))
			die("pthread_create");
	}
	memset(&c, 0, sizeof(c));
	c.sofd = so_open();
	c.rfd = so_open();
	/* an older module (--module) has no ring: no sockobj-ring */
	nm = so_features(c.rfd) & SOCKOBJ_FEAT_EVENT_RING ? L_METHODS : L_RING;
	if (nm == L_METHODS)
		so_ring_setup(c.rfd, 64, &c.sring);
	c.ep = epoll_create1(EPOLL_CLOEXEC);
	uring_init(&c.ring, 8, 16);

	/* SYN-ACK: the peer's packets are delayed 2 ms by netem. */
	delayed = !run_cmd("ip netns exec %s tc qdisc add dev %s root netem delay 2ms",
			   net->delay_ns, net->delay_dev);
	if (!delayed)
		warnx("netem unavailable: SYN-ACK latency skipped");
	peer_mode(p, PEER_HOLD);
	for (i = 0; delayed && traced && i < S; i++) {
		for (k = 0; k < nm; k++) {
			uint64_t learn, ref, t_req;

			m = rot(k, i, nm);

			c.m = m;
			watchdog("latency (SYN-ACK)", 30);
			trace_drain();
			t_req = rdtsc();
			learn = lconnect(&c, net);
			if (!learn)
				die("SYN-ACK latency: connection reset");
			ref = trace_find(c.port, "TCP_SYN_SENT", "TCP_ESTABLISHED");
			vlog("SYN-ACK %s port %u: transition at +%.1f us, learned at +%.1f us",
			     lname[m], c.port, tsc_to_ns((int64_t)(ref - t_req)) / 1e3,
			     tsc_to_ns((int64_t)(learn - t_req)) / 1e3);
			if (ref && learn > ref)
				syn[m][nsyn[m]++] = psyn[m][i] =
					tsc_to_ns((int64_t)(learn - ref)) / 1e3;
			else
				vlog("no SYN_SENT->ESTABLISHED trace for port %u", c.port);
			if (m == L_SOCKOBJ)
				syn_ev[nsyn_ev++] = (double)(c.learn_mono - c.ev_ts) / 1e3;
			peer_wait_accepted(p, 1, 10000);
			lclose(&c);
			peer_close_all(p);
		}
	}
	if (delayed)
		run_cmd("ip netns exec %s tc qdisc del dev %s root", net->delay_ns,
			net->delay_dev);
	if (delayed && traced) {
		double em = median_of(syn[L_EPOLL], nsyn[L_EPOLL]);

		for (m = 0; m < nm; m++)
			report(net, "SYN-ACK", "TCP transition (trace)", lname[m], syn[m],
			       nsyn[m], em, psyn[m], psyn[L_EPOLL], psyn[L_BLOCK], S);
		report(net, "SYN-ACK", "sockobj timestamp_ns", "sockobj", syn_ev, nsyn_ev, em,
		       NULL, NULL, NULL, 0);
	}

	/* RST: the peer aborts 5 ms after accepting. */
	p->rst_delay_us = 5000;
	peer_mode(p, PEER_RESET);
	for (i = 0; i < S && i < p->rst_cap / nm; i++) {
		for (j = 0; j < nm; j++) {
			uint64_t learn, ref;
			int n0 = atomic_load(&p->nfds);

			m = rot(j, i, nm);
			c.m = m;
			watchdog("latency (RST)", 30);
			if (traced)
				trace_drain();
			if (!lconnect(&c, net)) {
				skipped++;
				peer_wait_accepted(p, n0 + 1, 10000);
				lclose(&c);
				continue;
			}
			learn = lwait_reset(&c);
			peer_wait_accepted(p, n0 + 1, 10000);
			for (k = n0; k >= 0; k--)
				if (p->rst_port[k] == c.port)
					break;
			if (k >= 0 && learn > p->rst_tsc[k])
				rst_peer[m][nrst[m]++] = prst_peer[m][i] =
					tsc_to_ns((int64_t)(learn - p->rst_tsc[k])) / 1e3;
			if (traced) {
				ref = trace_find(c.port, "TCP_ESTABLISHED", "TCP_CLOSE");
				if (ref && learn > ref)
					rst_tr[m][nrst_tr[m]++] = prst_tr[m][i] =
						tsc_to_ns((int64_t)(learn - ref)) / 1e3;
			}
			lclose(&c);
		}
	}
	peer_close_all(p);
	peer_mode(p, PEER_HOLD);
	if (skipped)
		table_row("(RST: %d samples dropped: the reset came before the client had learned ESTABLISHED)",
			  skipped);
	{
		double em = median_of(rst_peer[L_EPOLL], nrst[L_EPOLL]);

		for (m = 0; m < nm; m++)
			report(net, "RST", "peer before close()", lname[m], rst_peer[m],
			       nrst[m], em, prst_peer[m], prst_peer[L_EPOLL], prst_peer[L_BLOCK],
			       i);
		if (traced) {
			em = median_of(rst_tr[L_EPOLL], nrst_tr[L_EPOLL]);
			for (m = 0; m < nm; m++)
				report(net, "RST", "TCP transition (trace)", lname[m],
				       rst_tr[m], nrst_tr[m], em, prst_tr[m], prst_tr[L_EPOLL],
				       prst_tr[L_BLOCK], i);
		}
	}
	watchdog("", 0);
	if (O.spin) {
		atomic_store(&spin_stop, true);
		pthread_join(spin_thr, NULL);
	}
	if (traced)
		trace_off();
	io_uring_queue_exit(&c.ring);
	close(c.ep);
	close(c.sofd);
	so_ring_unmap(&c.sring);
	close(c.rfd);
	for (m = 0; m < L_METHODS; m++) {
		free(syn[m]);
		free(rst_peer[m]);
		free(rst_tr[m]);
		free(psyn[m]);
		free(prst_peer[m]);
		free(prst_tr[m]);
	}
	free(syn_ev);
}
