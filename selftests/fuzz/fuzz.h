/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_ioctl's own declarations, shared by its files:
 *
 *  - state.c: options, the run's state, violation reports, the objects'
 *    bookkeeping;
 *  - records.c: checking every record read;
 *  - ops.c: bad pointers, generators, the operations and the workers;
 *  - end.c: tracing ids, draining, the final checks and the statistics;
 *  - slowpage.c: buffers whose pages come late (userfaultfd);
 *  - ring.c: the mapped record ring;
 *  - fuzz_ioctl.c: the tests (setup, the random run, the other races) and
 *    main(); the only file that includes the harness.
 */
#ifndef SOCKOBJ_FUZZ_H
#define SOCKOBJ_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "sotest.h"

#define DEFAULT_ITERATIONS	100000

extern long opt_iters;
extern uint64_t opt_seed;
extern int opt_threads;
extern int opt_files;
extern int opt_verbose;
extern long opt_budget_s;

/* ---------------------------------------------------------------------- */
/* State                                                                  */
/* ---------------------------------------------------------------------- */

#define MAX_FILES	8
#define MAX_LIVE	96	/* objects tracked per file */
#define LIVE_HIGH	40	/* above this, destroy more than create */

/* Everything known of one created object (by serial = cookie - base). */
struct fobj {
	atomic_uint id;			/* 0 until known */
	uint8_t slot;
	uint8_t proto;
	uint32_t gen;			/* the file generation */
	atomic_ullong gone_ns;		/* when it was known gone, else 0 */
	atomic_int gone_line;		/* the line that said so */
	atomic_uint gone_by;		/* the serial whose CREATE said so,
					 * else UINT32_MAX */
	int made_line;			/* where it was created */
	uint64_t made_ns, registered_ns;
	atomic_int uncertain;		/* may be gone without our knowing */
	int live;			/* in its slot's live list (slot mu) */
	/* records (slot rd mutex) */
	uint64_t last_seq;
	uint64_t last_ts;
	uint8_t last_state;
	uint32_t nstate;
	uint64_t connect_ts, established_ts, closed_ts;
	uint32_t closed_reason, closed_phase;
	int32_t closed_error;
	uint32_t attempt;		/* of the last unmerged record */
};

struct slot {
	int idx;
	pthread_rwlock_t rw;		/* rd: using fd; wr: close/reopen */
	int fd;
	uint32_t gen;
	pthread_mutex_t mu;		/* live list, pending creates */
	uint32_t live[MAX_LIVE];	/* serials */
	int nlive;
	int pending;			/* creates between start and register */
	uint32_t recent_dead[32];	/* ids of destroyed objects */
	unsigned int ndead;
	pthread_mutex_t rd;		/* read() and record checks */
	uint8_t *seen;			/* seq bitmap of this generation */
	size_t seen_bytes;
	unsigned long records;
	/*
	 * The shortest connect and inactivity timeouts any configuration
	 * passed to this file ever asked for (UINT32_MAX: none), or unknown
	 * when a corrupted batch may have configured from stray memory: no
	 * attempt may time out sooner than these.
	 */
	atomic_uint min_connect_timeout_ms;
	atomic_uint min_inactivity_s;
	atomic_int timeouts_unknown;
	/*
	 * The mapped record ring (ring.c; rd mutex): 0 none, 1 set up and
	 * mapped, -1 set up but not mapped (its geometry unknown).
	 */
	int has_ring;
	char *rmap;
	size_t rsize;
	uint32_t rmask;			/* entries - 1 */
	uint32_t *rhead, *rtail, *rflags;
	struct sockobj_event *rslots;
	uint32_t rtail_seen;		/* tail at the last load */
	uint64_t rt_seen;		/* so_now_ns() right before it */
	uint64_t *rlow;			/* per slot: its record came after */
};

/* Targets for CONFIGURE (filled in setup). */
enum {
	T_LISTEN4, T_LISTEN6, T_UDP4, T_UDP6, T_REFUSED4, T_REFUSED6,
	T_DROP4, T_DUMMY4, T_NOROUTE4, T_NOROUTE6, T_LL6, T_BCAST4,
	T_UDPCLOSED4, T_OBJ4, T_NTARGETS
};

enum op {
	OP_CREATE, OP_CONFIGURE, OP_GET_CONFIG, OP_CONNECT, OP_DISCONNECT,
	OP_ABORT, OP_DESTROY, OP_GET_INFO, OP_SEND, OP_RECV, OP_HANDOFF,
	OP_BATCH, OP_GET_API, OP_BAD_CMD, OP_READ, OP_POLL, OP_REOPEN,
	OP_PROC, OP_PARAM, OP_IFACE, OP_RETRY, OP_LISTEN, OP_RING, OP_NOPS
};

extern const char *const op_names[OP_NOPS];

/* Relative weights of the operations. */
extern const unsigned int op_weight[OP_NOPS];

/* One operation of a worker, kept to explain a violation. */
struct oplog {
	uint64_t t0, t1;		/* start and end, so_now_ns() */
	long iter;
	uint8_t op, slot;
	uint32_t id, serial;		/* the id acted on, our object */
	int ret;
	char detail[72];		/* a batch: its ops and results */
};

#define OPLOG_LEN	64

struct fz {
	uint64_t cookie_base;
	struct fobj *objs;
	uint32_t cap;			/* serials available */
	atomic_uint nserial;
	struct slot slots[MAX_FILES];
	int nslots;
	struct sockobj_addr targets[T_NTARGETS];
	int have_target[T_NTARGETS];
	int lo_index, dummy_index;
	atomic_long iter;
	atomic_long violations;
	atomic_long calls[OP_NOPS], ok[OP_NOPS];
	atomic_long records, fds_handed, connects, bytes_sent, bytes_recv;
	atomic_long uring_sqes, uring_async, uring_refused;	/* uring_ops() */
	atomic_long listens, passive_opens;	/* LISTENING, PASSIVE_OPENING records */
	atomic_long merged_records;
	int have_ring;			/* SOCKOBJ_FEAT_EVENT_RING */
	atomic_long ring_setups, ring_setups_unseen, ring_records;
	atomic_long ring_syscall_records, ring_pending_polls, ring_bad_heads;
	atomic_int stop;
	uint64_t t0;
	pthread_mutex_t print_lock;
	struct worker *workers;
	int nworkers;
	char tracing[64];		/* tracefs with our id events, or "" */
	long orig_max_objects, orig_max_user_objects;
	struct so_peer peer;
};

extern struct fz *FZ;

#define VIOL(w, fmt, ...) violation(w, __LINE__, fmt, ##__VA_ARGS__)

struct worker;
void violation(struct worker *w, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct worker {
	int idx;
	pthread_t thread;
	struct so_rnd r;
	long iter;			/* current global iteration */
	const char *what;		/* current operation */
	char *buf;			/* 128 KiB */
	char *guard;			/* a RW page followed by a PROT_NONE one */
	char *ro;			/* a read-only page */
	timer_t timer;
	int have_timer;
	struct oplog log[OPLOG_LEN];	/* the last operations, a ring */
	unsigned long nlog;
	struct oplog *cur;		/* the one running */
	struct io_uring *ring;		/* 128-byte SQEs, made on first use */
	int no_ring;			/* io_uring or the passthrough absent */
};

/* state.c */
void mark_gone_at(struct slot *s, uint32_t serial, int line,
		  uint32_t by);
#define mark_gone_locked(s, serial) \
	mark_gone_at(s, serial, __LINE__, UINT32_MAX)
int parse_opts(int argc, char **argv);
void note(struct worker *w, uint32_t id, uint32_t serial, int ret);
int check_ret(struct worker *w, const char *name, int ret,
	      const int *errs);
int xioctl(int fd, unsigned long cmd, void *arg);
uint32_t new_serial(struct slot *s, uint8_t proto);
__u64 cookie_of(uint32_t serial);
void print_gone_story(uint32_t serial);
void register_locked(struct worker *w, struct slot *s, uint32_t serial,
		     uint32_t id);
uint32_t live_by_id_locked(struct slot *s, uint32_t id);
uint32_t pick_id_locked(struct worker *w, struct slot *s,
			uint32_t *serial);

/* records.c: what the timeout checks need to know */
void note_config(struct slot *s, const struct sockobj_config *c);

/* slowpage.c */
int slowpage_start(uint64_t seed);
int slowpage_buf(struct so_rnd *r, __u64 *buf, __u64 *len);
long slowpage_stop(void);

/* records.c */
void check_record(struct worker *w, struct slot *s,
		  const struct sockobj_event *e, uint64_t t_read);

/* ops.c */
void sigusr1(int sig);
void *worker_main(void *arg);

/* ring.c */
void op_ring(struct worker *w, struct slot *s);
int ring_event_loop(struct worker *w, struct slot *s);
uint32_t ring_pre_take(struct worker *w, struct slot *s);
uint64_t ring_t_read(const struct slot *s, uint32_t h0, int k, uint64_t t0);
void ring_post_take(struct worker *w, struct slot *s, uint32_t h0, int n,
		    const char *what);
void ring_forget(struct worker *w, struct slot *s);

/* end.c */
void set_target(int t, const char *ip, __u16 port, __u32 scope);
void id_trace_start(void);
void id_trace_stop(void);
void fuzz_final_check(struct worker *w);
void check_proc_empty(struct worker *w);
void fuzz_print_stats(double secs);

#endif /* SOCKOBJ_FUZZ_H */
