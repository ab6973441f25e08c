/* SPDX-License-Identifier: MIT */
/*
 * sockobj-bench: shared declarations.
 *
 * The benchmark runs as one process with two pinned threads: the client
 * (the method under test: sockobj, epoll, io_uring) on CPU 0 and the peer
 * (listener, data sink/source, resetter) on CPU 1. Each thread enters its
 * network namespace with setns() before it creates anything, so the same
 * code serves the loopback namespace and the veth pair between two
 * namespaces. See README.md for what each figure measures.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef SOCKOBJ_BENCH_H
#define SOCKOBJ_BENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <linux/sockobj.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CONNS 40000	/* the peer holds 4 x 10,000 in the scaling test */

/* ------------------------------------------------------------------ util.c */

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int verbose;

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

extern double tsc_per_ns;	/* calibrated by tsc_calibrate() */
void tsc_calibrate(void);
static inline double tsc_to_ns(int64_t d)
{
	return (double)d / tsc_per_ns;
}

void pin_cpu(int cpu);
void sleep_ms(unsigned int ms);
void raise_nofile(unsigned long n);
void set_nonblock(int fd);
int run_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int enter_netns(const char *name);	/* setns() for the calling thread */
unsigned int xrand(void);
/* Exit (status 3) unless called again within @sec seconds (0: off). */
void watchdog(const char *what, unsigned int sec);

/* statistics of repeated measurements */
struct summary {
	int n;
	double median, min, max, q1, q3, p99, mean;
};
void stats(const double *v, int n, struct summary *s);

/*
 * Paired comparison of two methods: the per-repetition ratios (method /
 * epoll of the same repetition), their median and the distribution-free
 * confidence interval of that median from the sign test: [r(k), r(n+1-k)]
 * of the sorted ratios, k the largest rank with P(Bin(n, 1/2) < k) <= 2.5%.
 * conf is the interval's exact coverage (>= 95% from n = 6 on; with fewer
 * repetitions no order statistic reaches 95%: then [min, max] and its
 * lower coverage, e.g. 93.8% at n = 5, 75% at n = 3).
 */
struct ci {
	int n;
	double median, lo, hi, conf;
};
void ratio_ci(const double *r, int n, struct ci *c);
/* "0.98 [0.96..1.01]" */
const char *ci_str(const struct ci *c, char *buf, size_t len);

/*
 * Method order: repetition @rep runs method (k + rep) % n as its k-th, so
 * that no method always follows the same one (whose deferred teardown work
 * would land in it).
 */
static inline int rot(int k, int rep, int n)
{
	return (k + rep) % n;
}
/*
 * Between two methods: 1.2 s without load. Longer than the deferred work a
 * teardown leaves: io_uring's fixed-file release (delayed by up to a
 * second, HZ jiffies, on 6.1) and the delayed_fput, RCU and TCP timer work
 * after it. In cost mode (vm-run --cost) the idle guest skips this time:
 * it costs no wall time there.
 */
#define SETTLE_MS 1200
void settle(void);

/* JSON output: a flat list of records, built as text */
struct json {
	FILE *f;
	int nrec;
};
void json_open(struct json *j, const char *path);
void json_begin(struct json *j, const char *kind);
void json_str(struct json *j, const char *key, const char *val);
void json_num(struct json *j, const char *key, double val);
void json_int(struct json *j, const char *key, long long val);
void json_stat(struct json *j, const char *key, const struct summary *s);
void json_samples(struct json *j, const char *key, const double *v, int n);
void json_ci(struct json *j, const char *key, const struct ci *c);
/* key: [[names of repetition 0 in order], ...] of the methods in @use */
void json_orders(struct json *j, const char *key, const char *const *names, const bool *use,
		 int nmeth, int reps);
void json_end(struct json *j);
void json_close(struct json *j, const char *meta);
extern struct json J;

/* --------------------------------------------------------------- sockobj.c */

int so_open(void);			/* O_RDWR|O_CLOEXEC; dies when absent */
uint64_t so_features(int fd);		/* SOCKOBJ_FEAT_* of the module */
int so_ioctl(int fd, unsigned long cmd, void *arg);	/* 0 or -errno */
int so_batch(int fd, struct sockobj_batch_op *ops, uint32_t count, uint32_t *done);
int so_batch_flags(int fd, struct sockobj_batch_op *ops, uint32_t count, uint32_t flags,
		   uint32_t *done);
void so_addr(struct sockobj_addr *a, const struct sockaddr_in *sin);
/* Read events into @ev (capacity @cap); nonblocking when @nb. */
int so_read(int fd, struct sockobj_event *ev, int cap);
int so_send(int fd, uint32_t id, const void *buf, size_t len, size_t *done);
int so_recv(int fd, uint32_t id, void *buf, size_t len, size_t *done);
int so_info(int fd, uint32_t id, struct sockobj_info *info);
/*
 * Create, configure (target, and a connect timeout unless 0) and connect
 * @n TCP objects with batches of at most @chunk objects (3 ops each);
 * ids[i] receives the id of object i (cookie i). Returns the number of
 * objects whose connect started.
 */
int so_open_many(int fd, const struct sockaddr_in *dst, int n, int chunk,
		 uint32_t *ids, uint32_t nodelay, uint32_t connect_timeout_ms);
/* The same without the connect: @n CLOSED objects with their target. */
void so_open_many_configured(int fd, const struct sockaddr_in *dst, int n, uint32_t *ids);
/* Destroy @n objects (SOCKOBJ_DESTROY_ABORT) with batches. */
void so_destroy_many(int fd, const uint32_t *ids, int n);

/*
 * The mapped record ring (API version 11), raw: SOCKOBJ_IOC_RING_SETUP and
 * mmap() as uapi/linux/sockobj.h describes them, no library.
 */
struct so_ring {
	uint32_t *head, *tail, *flags;	/* in the mapping */
	struct sockobj_event *slots;
	uint32_t mask;
	void *map;
	size_t size;
};
/* Give @fd a ring of @entries slots and map it; dies when that fails. */
void so_ring_setup(int fd, uint32_t entries, struct so_ring *r);
void so_ring_unmap(struct so_ring *r);
/*
 * Take up to @cap records from the ring (no system call): 0 when it is
 * empty, and then *pending says whether records wait in the module
 * (SOCKOBJ_RING_PENDING: a poll() or read() moves them in).
 */
static inline int so_ring_take(struct so_ring *r, struct sockobj_event *ev, int cap,
			       bool *pending)
{
	uint32_t tail = __atomic_load_n(r->tail, __ATOMIC_ACQUIRE);
	uint32_t head = __atomic_load_n(r->head, __ATOMIC_RELAXED);	/* ours */
	uint32_t n = tail - head, i;

	if (!n) {
		*pending = __atomic_load_n(r->flags, __ATOMIC_ACQUIRE) & SOCKOBJ_RING_PENDING;
		return 0;
	}
	if (n > (uint32_t)cap)
		n = (uint32_t)cap;
	for (i = 0; i < n; i++)
		ev[i] = r->slots[(head + i) & r->mask];
	__atomic_store_n(r->head, head + n, __ATOMIC_RELEASE);
	return (int)n;
}

/* ---------------------------------------------------------------- peer.c */

enum peer_mode {
	PEER_HOLD,	/* accept and keep the connections */
	PEER_SINK,	/* accept, drain everything received (count rx) */
	PEER_SOURCE,	/* accept, send as fast as possible (count tx) */
	PEER_RESET,	/* accept, wait rst_delay_us, timestamp, abort (RST) */
};

struct peer {
	const char *ns;			/* netns name (NULL: the caller's) */
	int cpu;
	struct sockaddr_in addr;	/* listen address (port set at start) */
	int nodelay;			/* TCP_NODELAY on accepted sockets */

	pthread_t thr;
	_Atomic int tid;		/* the peer thread's, for -v diagnostics */
	int lfd, epfd, efd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int cmd, cmd_arg;
	unsigned long cmd_seq, done_seq;
	bool stop;
	enum peer_mode mode;
	int chunk;			/* PEER_SOURCE write size */
	/* PEER_SOURCE sends on the accepted connections [src_lo, src_hi) */
	int src_lo, src_hi;
	char *buf;
	size_t bufsz;

	int *fds;			/* accepted sockets, in order */
	_Atomic int nfds;
	_Atomic uint64_t rx_bytes, tx_bytes;

	/* PEER_RESET */
	unsigned int rst_delay_us;
	uint64_t *rst_tsc;		/* TSC right before close(), per accept */
	uint16_t *rst_port;		/* the peer's (client's) port, per accept */
	int rst_cap;
};

void peer_start(struct peer *p);
void peer_stop(struct peer *p);
/* Run a command in the peer's thread and wait for it. */
void peer_mode(struct peer *p, enum peer_mode m);
void peer_close_all(struct peer *p);	/* abort (RST) all, forget them */
void peer_sync(struct peer *p);		/* a barrier with the peer thread */
/*
 * PEER_SOURCE from the next peer_mode() on: only the connections accepted
 * as [@lo, @hi) (in accept order) get data; the others none (peer_start()
 * sets all).
 */
void peer_source_range(struct peer *p, int lo, int hi);
/* Wait until the peer has accepted @n connections (dies after @ms). */
void peer_wait_accepted(struct peer *p, int n, unsigned int ms);

/* ------------------------------------------------------------- the tests */

struct net {
	const char *name;		/* "lo" or "veth" */
	const char *cli_ns, *srv_ns;
	struct sockaddr_in dst;		/* the peer's address */
	/* where netem delays the peer's SYN-ACK in the latency test */
	const char *delay_ns, *delay_dev;
};

struct opts {
	int reps;
	int reps_big;			/* repetitions of the 10,000 cases */
	int reps_big_veth;		/* ditto, rate on veth (slower) */
	bool quick;
	bool cost;			/* cost mode: guest time counts instructions */
	unsigned int tput_ms, tput_warm_ms;
	int lat_samples;
	bool spin;			/* latency: keep the client vCPU busy */
	int chunk;			/* sockobj batch chunk (objects) */
	const char *only;		/* comma list of tests */
	/* tput: only this point, "DIR:CONNS:SIZE[:METHOD]" (for profiling) */
	const char *point;
	/* tput: the client's nice value in its windows (0: unchanged) */
	int tput_nice;
};
extern struct opts O;

void test_rate(const struct net *n, struct peer *p);
void test_connto(const struct net *n, struct peer *p);
void test_latency(const struct net *n, struct peer *p);
void test_tput(const struct net *n, struct peer *p);
void test_mem(const struct net *n, struct peer *p);
void test_scale(const struct net *n, struct peer *p);

/* rate.c: an io_uring ring with the flags an expert would use (see there) */
struct io_uring;
void uring_init(struct io_uring *ring, unsigned int entries, unsigned int cq_entries);
extern unsigned int uring_flags;
extern bool uring_regfd;

/* --point filter of rate ("rate:N[:METHOD]") and scale ("scale:K[:METHOD]") */
bool point_match(const char *test, long n, const char *method);

/*
 * Profiling by profile.sh (perf's control FIFOs from the environment; no-ops
 * without): prof_on() right before a timed section starts, prof_off(ops)
 * right after it ends, with the operations (connections, messages,
 * events) it did; prof_report() prints their total ("profiled-ops: N").
 */
void prof_init(void);
void prof_on(void);
void prof_off(uint64_t ops);
void prof_report(void);

/* table output (stdout) */
void table_row(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wait on an epoll fd or die on error. */
int ep_wait(int epfd, void *evs, int max, int ms);

#endif /* SOCKOBJ_BENCH_H */
