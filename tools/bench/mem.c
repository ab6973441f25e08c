// SPDX-License-Identifier: MIT
/*
 * sockobj-bench, figure 4: kernel memory per idle established connection,
 * 10,000 connections on loopback.
 *
 * Slab state is read from /proc/slabinfo (and /proc/meminfo) after the
 * system has settled (RCU-deferred frees done: snapshots repeated until
 * stable). Per cache, the bytes of a live object are its slab footprint:
 * pagesperslab * 4096 / objperslab (object size with SLUB's alignment and
 * metadata). For each method:
 *   A  before the connections;
 *   B  N connections established, the peer holding the N accepted sockets;
 *   C  after the client side is torn down (RST; the peer's accepted
 *      sockets are still held, so B - C is the client side only).
 * Reported per connection: the client side (B - C) and the pair with the
 * peer's accepted socket (B - A), and meminfo Slab (B - C).
 *   plain        socket() + connect(), registered in an epoll set to learn
 *                the completion; measured both with the epoll registrations
 *                ("plain+epoll", what an epoll application holds) and after
 *                closing the epoll set ("plain", the bare socket fd).
 *   sockobj      objects made with SOCKOBJ_IOC_BATCH, all records read.
 * The breakdown per slab cache of the client side is in the JSON.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CACHES 512

struct cache {
	char name[48];
	long active, objsize, objperslab, pagesperslab, slabs;
};

struct snap {
	int n;
	struct cache c[MAX_CACHES];
	long slab_kb, sunreclaim_kb;
};

static void snap_take(struct snap *s)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		die("/proc/slabinfo: %s (root needed)", strerror(errno));
	s->n = 0;
	while (fgets(line, sizeof(line), f)) {
		struct cache *c = &s->c[s->n];
		long num, tl, bc, sf, as;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%47s %ld %ld %ld %ld %ld : tunables %ld %ld %ld : slabdata %ld %ld",
			   c->name, &c->active, &num, &c->objsize, &c->objperslab,
			   &c->pagesperslab, &tl, &bc, &sf, &as, &c->slabs) != 11)
			continue;
		if (s->n < MAX_CACHES - 1)
			s->n++;
	}
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Slab: %ld kB", &s->slab_kb);
		sscanf(line, "SUnreclaim: %ld kB", &s->sunreclaim_kb);
	}
	fclose(f);
}

static double footprint(const struct cache *c)
{
	return c->objperslab ? (double)c->pagesperslab * 4096.0 / (double)c->objperslab : 0;
}

static const struct cache *find(const struct snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return &s->c[i];
	return NULL;
}

/* Total footprint bytes of b - a. */
static double delta(const struct snap *a, const struct snap *b)
{
	double sum = 0;
	int i;

	for (i = 0; i < b->n; i++) {
		const struct cache *x = find(a, b->c[i].name);

		sum += (double)(b->c[i].active - (x ? x->active : 0)) * footprint(&b->c[i]);
	}
	return sum;
}

/* Wait for deferred frees, then snapshot. */
static void snap_settle(struct snap *s)
{
	static struct snap prev;
	int i;

	sleep_ms(200);
	snap_take(&prev);
	for (i = 0; i < 30; i++) {
		double d;

		sleep_ms(100);
		snap_take(s);
		d = delta(&prev, s);
		if (d < 64 * 1024 && d > -64 * 1024)
			return;
		prev = *s;
	}
	warnx("slab usage did not settle");
}

static void breakdown(const char *method, const struct snap *c, const struct snap *b, int n)
{
	int i;

	json_begin(&J, "mem_breakdown");
	json_str(&J, "method", method);
	json_str(&J, "unit", "bytes per connection (client side)");
	for (i = 0; i < b->n; i++) {
		const struct cache *x = find(c, b->c[i].name);
		double per = (double)(b->c[i].active - (x ? x->active : 0)) *
			     footprint(&b->c[i]) / n;

		if (per >= 4 || per <= -4)
			json_num(&J, b->c[i].name, per);
	}
	json_end(&J);
	{
		char line[1024];
		int len = 0;

		len += snprintf(line + len, sizeof(line) - len, "    %-12s", method);
		for (i = 0; i < b->n && len < (int)sizeof(line) - 40; i++) {
			const struct cache *x = find(c, b->c[i].name);
			double per = (double)(b->c[i].active - (x ? x->active : 0)) *
				     footprint(&b->c[i]) / n;

			if (per >= 16)
				len += snprintf(line + len, sizeof(line) - len, " %s %.0f",
						b->c[i].name, per);
		}
		table_row("%s", line);
	}
}

/* Footprint bytes of cache @name in b - a (0 when absent or merged away). */
static double cache_delta(const struct snap *a, const struct snap *b, const char *name)
{
	const struct cache *x = find(a, name), *y = find(b, name);

	return y ? (double)(y->active - (x ? x->active : 0)) * footprint(y) : 0;
}

/*
 * ref:bare-socket: the plain socket without what only a file descriptor
 * needs (its struct file, "filp", and its dentry): the connected socket
 * alone, the floor any API that hands out in-kernel sockets pays.
 */
enum { M_PLAIN, M_PLAIN_EP, M_SOCKOBJ, M_BARE, M_METHODS };
static const char *const mname[M_METHODS] = { "plain", "plain+epoll", "sockobj",
					      "ref:bare-socket" };

void test_mem(const struct net *net, struct peer *p)
{
	int N = 10000, reps = O.reps_big, r, m, i, k;
	double cli[M_METHODS][16], pair[M_METHODS][16], mi[M_METHODS][16];
	static struct snap A, B1, B2, C, Cp, B1p, B2p, Cs, Bs;
	int *fds = calloc(N, sizeof(int));
	uint32_t *ids = calloc(N, sizeof(uint32_t));
	struct sockobj_event *ev = calloc(4096, sizeof(*ev));
	struct epoll_event *eps = calloc(1024, sizeof(*eps));
	int sofd = so_open();

	if (!fds || !ids || !ev || !eps)
		die("out of memory");
	if (reps > 16)
		reps = 16;
	peer_mode(p, PEER_HOLD);
	for (r = 0; r < reps; r++) {
		watchdog("memory", 240);
		/* plain sockets */
		{
			int ep = epoll_create1(EPOLL_CLOEXEC), est = 0;
			struct linger lg = { 1, 0 };

			snap_settle(&A);
			for (i = 0; i < N; i++) {
				struct epoll_event e = { EPOLLOUT | EPOLLET, { .u32 = (uint32_t)i } };

				fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
				if (fds[i] < 0)
					die("socket: %s", strerror(errno));
				if (connect(fds[i], (const struct sockaddr *)&net->dst,
					    sizeof(net->dst)) && errno != EINPROGRESS)
					die("connect: %s", strerror(errno));
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e))
					die("epoll_ctl: %s", strerror(errno));
			}
			while (est < N) {
				k = ep_wait(ep, eps, 1024, 30000);
				if (!k)
					die("mem: connections did not complete");
				est += k;
			}
			peer_wait_accepted(p, N, 60000);
			snap_settle(&B1);
			close(ep);
			snap_settle(&B2);
			for (i = 0; i < N; i++) {
				setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
				close(fds[i]);
			}
			snap_settle(&C);
			cli[M_PLAIN][r] = delta(&C, &B2) / N;
			cli[M_PLAIN_EP][r] = delta(&C, &B1) / N;
			pair[M_PLAIN][r] = delta(&A, &B2) / N;
			pair[M_PLAIN_EP][r] = delta(&A, &B1) / N;
			mi[M_PLAIN][r] = (double)(B2.slab_kb - C.slab_kb) * 1024.0 / N;
			mi[M_PLAIN_EP][r] = (double)(B1.slab_kb - C.slab_kb) * 1024.0 / N;
			cli[M_BARE][r] = (delta(&C, &B2) - cache_delta(&C, &B2, "filp") -
					  cache_delta(&C, &B2, "dentry")) / N;
			pair[M_BARE][r] = pair[M_PLAIN][r] - (cli[M_PLAIN][r] - cli[M_BARE][r]);
			mi[M_BARE][r] = NAN;
			if (r == reps - 1) {
				Cp = C;
				B1p = B1;
				B2p = B2;
			}
			peer_close_all(p);
		}
		/* sockobj objects */
		{
			int est = 0;

			snap_settle(&A);
			so_open_many(sofd, &net->dst, N, O.chunk, ids, 0, 0);
			while (est < N) {
				k = so_read(sofd, ev, 4096);
				if (k < 0)
					die("read: %s", strerror(-k));
				for (i = 0; i < k; i++)
					if (ev[i].type == SOCKOBJ_EV_STATE &&
					    ev[i].state == SOCKOBJ_STATE_ESTABLISHED)
						est++;
			}
			peer_wait_accepted(p, N, 60000);
			snap_settle(&B1);
			so_destroy_many(sofd, ids, N);
			snap_settle(&C);
			cli[M_SOCKOBJ][r] = delta(&C, &B1) / N;
			pair[M_SOCKOBJ][r] = delta(&A, &B1) / N;
			mi[M_SOCKOBJ][r] = (double)(B1.slab_kb - C.slab_kb) * 1024.0 / N;
			if (r == reps - 1) {
				Cs = C;
				Bs = B1;
			}
			peer_close_all(p);
		}
	}

	table_row("\n== 4. Kernel memory per idle established connection (%s, N = %d, %d reps): bytes, median [min..max]",
		  net->name, N, reps);
	table_row("%-12s %10s %18s %10s %18s %12s %14s", "method", "client", "[min..max]",
		  "pair", "[min..max]", "meminfo", "sockobj minus");
	for (m = 0; m < M_METHODS; m++) {
		struct summary sc, sp, sm;
		char r1[48], r2[48], diff[32] = "";

		stats(cli[m], reps, &sc);
		stats(pair[m], reps, &sp);
		stats(mi[m], reps, &sm);
		snprintf(r1, sizeof(r1), "[%.0f..%.0f]", sc.min, sc.max);
		snprintf(r2, sizeof(r2), "[%.0f..%.0f]", sp.min, sp.max);
		if (m != M_SOCKOBJ) {
			struct summary so;

			stats(cli[M_SOCKOBJ], reps, &so);
			snprintf(diff, sizeof(diff), "%+.0f", so.median - sc.median);
		}
		table_row("%-12s %10.0f %18s %10.0f %18s %12.0f %14s", mname[m], sc.median, r1,
			  sp.median, r2, sm.median, diff);
		json_begin(&J, "mem");
		json_str(&J, "net", net->name);
		json_str(&J, "method", mname[m]);
		json_int(&J, "n", N);
		json_str(&J, "unit", "bytes per connection");
		json_stat(&J, "client", &sc);
		json_stat(&J, "pair", &sp);
		json_stat(&J, "meminfo_slab_client", &sm);
		json_samples(&J, "client_samples", cli[m], reps);
		json_end(&J);
	}
	watchdog("", 0);
	table_row("   client-side slab footprint by cache (bytes per connection, >= 16; last rep):");
	breakdown("plain+epoll", &Cp, &B1p, N);
	breakdown("plain", &Cp, &B2p, N);
	breakdown("sockobj", &Cs, &Bs, N);
	free(fds);
	free(ids);
	free(ev);
	free(eps);
	close(sofd);
}
