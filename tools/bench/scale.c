// SPDX-License-Identifier: MIT
/*
 * sockobj-bench, figure 5: cost per event against the number of open
 * connections, K = 10, 100, 1,000, 10,000 (loopback).
 *
 * K connections are established and idle. One iteration: the client thread
 * sends 1 byte on the peer's end of a randomly chosen connection
 * (TCP_NODELAY; on loopback the segment is processed inside that send(), so
 * the event is pending when the wait starts), then learns which connection
 * is readable and receives the byte:
 *   sockobj  read() returns the READABLE record, SOCKOBJ_IOC_RECV of it
 *            (which drains the socket and re-arms READABLE);
 *   epoll    epoll_wait() (EPOLLIN|EPOLLET) returns the fd, recv() of it;
 *   sockobj-ring  as sockobj, but the READABLE record is taken from the
 *            file's mapped record ring (API version 11: a load-acquire of
 *            tail, a store-release of head, no system call); only when the
 *            ring is empty a read() (which moves records waiting in the
 *            module in and takes them from the ring), as the contract says;
 *   ref:direct  recv() on the connection's socket, known in advance: no
 *            event mechanism, the floor of the others.
 * All methods' K connections exist at the same time and the repetitions
 * (4 x --reps, at most 64, 1,000 iterations each) alternate methods and variants.
 * The figure is the time per iteration (send + delivery + receive, all on
 * the client's CPU, no sleeping), median of the repetitions; flatness is
 * t(K) / t(10) (also given for the minimum over the repetitions, which a
 * busy host disturbs least). Two variants:
 *   all      the connection is drawn from all K: the working set (sockets,
 *            objects, epoll items) grows with K, so cache and TLB misses
 *            grow too (under TCG a TLB miss is a software page walk);
 *   10-of-K  the connection is drawn from 10 fixed ones while K - 10 others
 *            stay idle: the cost of the event machinery itself against the
 *            number of objects (lists, id lookup), with a constant working
 *            set.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { S_SOCKOBJ, S_EPOLL, S_DIRECT, S_RING, S_METHODS };
static const char *const sname[S_METHODS] = { "sockobj", "epoll", "ref:direct",
					       "sockobj-ring" };

/* Ring slots of sockobj-ring's file: the scaling loop has one record out. */
#define S_RING_ENTRIES 1024

struct sctx {
	int K;
	int sofd, ep;
	uint32_t *ids;
	int nm;			/* methods run: S_RING without a ring */
	int rfd;		/* sockobj-ring's file, its ring, objects */
	struct so_ring ring;
	uint32_t *rids;
	long ring_events, ring_reads;	/* events; of them taken by read() */
	int *fds, *dfds;	/* epoll's sockets; ref:direct's */
	int pbase[S_METHODS];	/* first of the peer's fds of each method */
};

/* K connections of method @m; the peer's ends follow the ones it holds. */
static void s_setup(struct sctx *s, int m, const struct net *net, struct peer *p)
{
	int i, k, est = 0, before = atomic_load(&p->nfds);

	s->pbase[m] = before;
	if (m == S_SOCKOBJ || m == S_RING) {
		/* read() takes sockobj-ring's records from its ring too */
		int fd = m == S_RING ? s->rfd : s->sofd;
		struct sockobj_event ev[1024];

		so_open_many(fd, &net->dst, s->K, O.chunk, m == S_RING ? s->rids : s->ids, 0, 0);
		while (est < s->K) {
			k = so_read(fd, ev, 1024);
			if (k < 0)
				die("read: %s", strerror(-k));
			for (i = 0; i < k; i++)
				if (ev[i].type == SOCKOBJ_EV_STATE &&
				    ev[i].state == SOCKOBJ_STATE_ESTABLISHED)
					est++;
		}
	} else if (m == S_DIRECT) {
		for (i = 0; i < s->K; i++) {
			s->dfds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (s->dfds[i] < 0)
				die("socket: %s", strerror(errno));
			if (connect(s->dfds[i], (const struct sockaddr *)&net->dst,
				    sizeof(net->dst)) && errno != EINPROGRESS)
				die("connect: %s", strerror(errno));
		}
	} else {
		s->ep = epoll_create1(EPOLL_CLOEXEC);
		for (i = 0; i < s->K; i++) {
			struct epoll_event e = { EPOLLIN | EPOLLET, { .u32 = (uint32_t)i } };

			s->fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (s->fds[i] < 0)
				die("socket: %s", strerror(errno));
			if (connect(s->fds[i], (const struct sockaddr *)&net->dst,
				    sizeof(net->dst)) && errno != EINPROGRESS)
				die("connect: %s", strerror(errno));
			if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->fds[i], &e))
				die("epoll_ctl: %s", strerror(errno));
		}
	}
	/* All of this method's connections accepted before the next method's. */
	peer_wait_accepted(p, before + s->K, 60000);
}

static void s_teardown(struct sctx *s, struct peer *p)
{
	struct linger lg = { 1, 0 };
	int i;

	so_destroy_many(s->sofd, s->ids, s->K);
	so_destroy_many(s->rfd, s->rids, s->K);
	for (i = 0; i < s->K; i++) {
		setsockopt(s->fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(s->fds[i]);
		setsockopt(s->dfds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(s->dfds[i]);
	}
	close(s->ep);
	peer_close_all(p);
	sleep_ms(50);
}

/*
 * @iters iterations, each on a random one of the first @active of the
 * method's connections; returns ns per iteration.
 */
static double s_loop(struct sctx *s, int m, struct peer *p, int iters, int active)
{
	const int *pfd = p->fds + s->pbase[m];
	char buf[64];
	/* every method runs at every K: profile only the one --point names */
	bool prof = point_match("scale", s->K, sname[m]);
	uint64_t t0, t1;
	int it;

	if (prof)
		prof_on();
	t0 = now_ns();

	for (it = 0; it < iters; it++) {
		int j = (int)(xrand() % (unsigned int)active);

		if (send(pfd[j], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
			die("scale: peer send: %s", strerror(errno));
		if (m == S_DIRECT) {
			/* the floor: no event mechanism, the socket is known */
			if (recv(s->dfds[j], buf, sizeof(buf), MSG_DONTWAIT) != 1)
				die("scale: direct recv: %s", strerror(errno));
		} else if (m == S_SOCKOBJ) {
			struct sockobj_event ev[4];
			size_t done;
			int k, i, r;

			k = so_read(s->sofd, ev, 4);
			if (k < 1)
				die("scale: read: %d", k);
			for (i = 0; i < k; i++) {
				if (ev[i].type != SOCKOBJ_EV_READABLE)
					die("scale: unexpected record type %u", ev[i].type);
				r = so_recv(s->sofd, ev[i].id, buf, sizeof(buf), &done);
				if (r || done != 1)
					die("scale: SOCKOBJ_IOC_RECV %d done %zu", r, done);
			}
		} else if (m == S_RING) {
			struct sockobj_event ev[4];
			bool pending;
			size_t done;
			int k, i, r;

			k = so_ring_take(&s->ring, ev, 4, &pending);
			if (!k) {
				/*
				 * Empty (the record waits in the module, or is
				 * not there yet): read() moves it in, takes it
				 * from the ring, and blocks until there is one.
				 */
				k = so_read(s->rfd, ev, 4);
				if (k < 1)
					die("scale: ring read: %d", k);
				s->ring_reads++;
			}
			s->ring_events += k;
			for (i = 0; i < k; i++) {
				if (ev[i].type != SOCKOBJ_EV_READABLE)
					die("scale: unexpected ring record type %u", ev[i].type);
				r = so_recv(s->rfd, ev[i].id, buf, sizeof(buf), &done);
				if (r || done != 1)
					die("scale: SOCKOBJ_IOC_RECV (ring) %d done %zu", r, done);
			}
		} else {
			struct epoll_event ev[4];
			int k, i;

			k = ep_wait(s->ep, ev, 4, 5000);
			if (k < 1)
				die("scale: epoll_wait timed out");
			for (i = 0; i < k; i++)
				if (recv(s->fds[ev[i].data.u32], buf, sizeof(buf), MSG_DONTWAIT) != 1)
					die("scale: recv: %s", strerror(errno));
		}
	}
	t1 = now_ns();
	if (prof)
		prof_off((uint64_t)iters);
	return (double)(t1 - t0) / iters;
}

void test_scale(const struct net *net, struct peer *p)
{
	static const int Ks[] = { 10, 100, 1000, 10000 };
	int iters = O.quick ? 300 : 1000, reps = O.quick ? O.reps : 4 * O.reps, k, m, r;
	double base[2][S_METHODS] = { { 0 } }, bmin[2][S_METHODS] = { { 0 } };
	static double bsam[2][S_METHODS][64];	/* K = 10's repetitions */
	struct sctx s;
	size_t ki;

	if (reps > 64)
		reps = 64;
	memset(&s, 0, sizeof(s));
	s.ids = calloc(MAX_CONNS, sizeof(*s.ids));
	s.fds = calloc(MAX_CONNS, sizeof(*s.fds));
	s.dfds = calloc(MAX_CONNS, sizeof(*s.dfds));
	s.rids = calloc(MAX_CONNS, sizeof(*s.rids));
	s.sofd = so_open();
	s.rfd = so_open();
	/* an older module (--module) has no ring: no sockobj-ring */
	s.nm = so_features(s.rfd) & SOCKOBJ_FEAT_EVENT_RING ? S_METHODS : S_RING;
	if (s.nm == S_METHODS)
		so_ring_setup(s.rfd, S_RING_ENTRIES, &s.ring);
	if (!s.ids || !s.fds || !s.dfds || !s.rids)
		die("out of memory");
	p->nodelay = 1;
	peer_mode(p, PEER_HOLD);

	table_row("\n== 5. Cost per event vs open connections (%s): us per event (1-byte send on a random connection + learn + receive), %d iterations x %d reps",
		  net->name, iters, reps);
	table_row("x K=10 and x epoll: median of the per-rep ratios [CI] (rep r of K over rep r of K = 10 of this run; over epoll's rep r), conf%% the CI's coverage");
	table_row("%-7s %-8s %-12s %10s %20s %22s %10s %22s %5s", "K", "active", "method",
		  "us/event", "[min..max]", "x K=10 [CI]", "(by min)", "x epoll [CI]", "conf%");
	for (ki = 0; ki < ARRAY_SIZE(Ks); ki++) {
		double v[2][S_METHODS][64];
		struct summary st[2][S_METHODS];
		int var;

		s.K = Ks[ki];
		if (!point_match("scale", s.K, NULL))
			continue;
		/*
		 * Both methods' connections exist together and the repetitions
		 * alternate method and variant, so that a burst of host load hits
		 * them alike (the peer holds 4 K connections).
		 */
		watchdog("scaling", 240);
		for (m = 0; m < s.nm; m++)
			s_setup(&s, m, net, p);
		/*
		 * Warm-up: one whole rotation of untimed repetitions. With a
		 * quarter of a loop per method at K, and still with five loops
		 * in the first repetition's order, the first two repetitions
		 * of K = 100 (all active) came out off the later ones for
		 * every method, while the later ones repeated with the
		 * rotation's period (README, "Session 20").
		 */
		for (r = 0; r < s.nm; r++) {
			for (k = 0; k < s.nm; k++) {
				m = rot(k, r, s.nm);
				s_loop(&s, m, p, iters, s.K);
				s_loop(&s, m, p, iters, 10);
			}
		}
		for (r = 0; r < reps; r++) {
			watchdog("scaling", 240);
			for (k = 0; k < s.nm; k++) {
				m = rot(k, r, s.nm);
				v[0][m][r] = s_loop(&s, m, p, iters, s.K) / 1e3;
				v[1][m][r] = s_loop(&s, m, p, iters, 10) / 1e3;
			}
		}
		s_teardown(&s, p);
		for (var = 0; var < 2; var++) {
			for (m = 0; m < s.nm; m++) {
				stats(v[var][m], reps, &st[var][m]);
				if (ki == 0) {
					base[var][m] = st[var][m].median;
					bmin[var][m] = st[var][m].min;
					memcpy(bsam[var][m], v[var][m], sizeof(bsam[var][m]));
				}
			}
		}
		for (var = 0; var < 2; var++) {
			for (m = 0; m < s.nm; m++) {
				char range[48], kr[48], er[48];
				const struct summary *x = &st[var][m];
				double rk[64], re[64];
				struct ci ck, ce;

				/*
				 * Paired with repetition r of K = 10 in this run,
				 * and with epoll's repetition r at this K.
				 */
				for (r = 0; r < reps; r++) {
					rk[r] = v[var][m][r] / bsam[var][m][r];
					re[r] = v[var][m][r] / v[var][S_EPOLL][r];
				}
				ratio_ci(rk, reps, &ck);
				ratio_ci(re, reps, &ce);
				snprintf(range, sizeof(range), "[%.2f..%.2f]", x->min, x->max);
				table_row("%-7d %-8s %-12s %10.2f %20s %22s %10.2f %22s %5.1f", s.K,
					  var ? "10" : "all", sname[m], x->median, range,
					  ci_str(&ck, kr, sizeof(kr)), x->min / bmin[var][m],
					  ci_str(&ce, er, sizeof(er)), 100 * ce.conf);
				json_begin(&J, "scale");
				json_str(&J, "net", net->name);
				json_str(&J, "method", sname[m]);
				json_str(&J, "active", var ? "10" : "all");
				json_int(&J, "k", s.K);
				json_str(&J, "unit", "us per event");
				json_stat(&J, "value", x);
				json_num(&J, "ratio_vs_k10", x->median / base[var][m]);
				json_num(&J, "ratio_vs_k10_of_min", x->min / bmin[var][m]);
				json_num(&J, "ratio_vs_epoll", x->median / st[var][S_EPOLL].median);
				json_ci(&J, "ratio_vs_k10_ci", &ck);
				json_samples(&J, "rep_ratios_vs_k10", rk, reps);
				json_ci(&J, "ratio_ci", &ce);
				json_samples(&J, "rep_ratios", re, reps);
				json_orders(&J, "order", sname, NULL, s.nm, reps);
				json_samples(&J, "samples", v[var][m], reps);
				json_end(&J);
			}
		}
	}
	/* whether sockobj-ring's events came from the ring (warm-ups included) */
	if (s.nm == S_METHODS)
		table_row("sockobj-ring: %ld of %ld events taken by read() (the ring empty), the rest from the ring",
			  s.ring_reads, s.ring_events);
	watchdog("", 0);
	p->nodelay = 0;
	so_ring_unmap(&s.ring);
	close(s.rfd);
	free(s.rids);
	free(s.ids);
	free(s.fds);
	free(s.dfds);
	close(s.sofd);
}
