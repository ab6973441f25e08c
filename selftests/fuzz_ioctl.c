// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: structured random calls of every ioctl, read(), poll()
 * and close()/open(), from several threads on one file and on several
 * files, while real connections come and go.
 *
 *   fuzz_ioctl [-n ITERATIONS] [-s SEED] [-t THREADS] [-f FILES]
 *              [-T SECONDS] [-v]
 *
 * The seed is printed first; the same seed replays the same choices of
 * every thread (the interleaving of the threads is the scheduler's, so a
 * violation also dumps the last operations of every thread, in time order,
 * and the kernel's own record of the ids involved: the sockobj_id_publish
 * and sockobj_id_release tracepoints, enabled for the run when tracefs is
 * there). The random run gets SECONDS (default: 580 per 100,000
 * iterations) before it is declared hung.
 *
 * The peers: a TCP listener (v4 and v6) that echoes, closes, resets or
 * holds connections at random, UDP echo sockets, a port with no listener
 * (refused), a port where nftables drops SYNs (stays CONNECTING), a dummy
 * interface whose subnet swallows everything, destinations without a route
 * (v4 and v6), link-local and broadcast targets, garbage.
 *
 * Checked for every call: the return is 0 (a positive fd for HANDOFF) or an
 * errno the contract documents for that ioctl (uapi/linux/sockobj.h), its
 * outputs are sane (reserved bytes zero, ids in range, done <= len...).
 * Checked for every record read: well formed; its cookie names an object
 * of this file with this id; it was not read by a read() that started
 * after the object's DESTROY (or HANDOFF, or the file's close) returned;
 * per object seq strictly increases and no seq of the file appears twice;
 * per object the state records chain (prev_state == the last state) along
 * legal transitions, and a data record carries the current state.
 * Checked at the end, after every object was aborted and every record
 * read: each object's last records agree with GET_INFO (state, reason,
 * phase, error and the connect/established/closed timestamps), so no
 * record of a live object was lost; /proc/sockobj lists nothing of ours
 * once the files are closed.
 *
 * Kernel splats and leaks are caught by tools/vm-run.
 *
 * A second test races HANDOFF against the other ioctls on the same object.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "robust_util.h"

/* ---------------------------------------------------------------------- */
/* Options                                                                */
/* ---------------------------------------------------------------------- */

#define DEFAULT_ITERATIONS	100000

static long opt_iters = -1;
static uint64_t opt_seed;
static int opt_threads = 4;
static int opt_files = 3;
static int opt_verbose;
static long opt_budget_s;

static int parse_opts(int argc, char **argv)
{
	int c;

	opt_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt(argc, argv, "n:s:t:f:T:vh")) != -1) {
		switch (c) {
		case 'n':
			opt_iters = strtol(optarg, NULL, 0);
			break;
		case 's':
			opt_seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			opt_threads = atoi(optarg);
			break;
		case 'f':
			opt_files = atoi(optarg);
			break;
		case 'T':
			opt_budget_s = strtol(optarg, NULL, 0);
			if (opt_budget_s <= 0)
				opt_budget_s = -1;
			break;
		case 'v':
			opt_verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-n ITERATIONS] [-s SEED] "
				"[-t THREADS 1..16] [-f FILES 1..8] "
				"[-T SECONDS] [-v]\n", argv[0]);
			return 1;
		}
	}
	if (opt_threads < 1 || opt_threads > 16 || opt_files < 1 ||
	    opt_files > 8 || opt_iters == 0 || opt_iters < -1 ||
	    opt_budget_s < 0) {
		fprintf(stderr, "%s: bad option value\n", argv[0]);
		return 1;
	}
	if (opt_iters < 0)
		opt_iters = DEFAULT_ITERATIONS;
	/* the debug kernel does about 1,800 iterations a second */
	if (!opt_budget_s)
		opt_budget_s = 580 * ((opt_iters + DEFAULT_ITERATIONS - 1) /
				      DEFAULT_ITERATIONS);
	optind = 1;
	/* first line: how to reproduce */
	printf("# fuzz_ioctl: seed 0x%llx iterations %ld threads %d files %d "
	       "(replay: fuzz_ioctl -s 0x%llx -n %ld)\n",
	       (unsigned long long)opt_seed, opt_iters, opt_threads,
	       opt_files, (unsigned long long)opt_seed, opt_iters);
	return 0;
}

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
};

/* Targets for CONFIGURE (filled in setup). */
enum {
	T_LISTEN4, T_LISTEN6, T_UDP4, T_UDP6, T_REFUSED4, T_REFUSED6,
	T_DROP4, T_DUMMY4, T_NOROUTE4, T_NOROUTE6, T_LL6, T_BCAST4,
	T_UDPCLOSED4, T_NTARGETS
};

enum op {
	OP_CREATE, OP_CONFIGURE, OP_GET_CONFIG, OP_CONNECT, OP_DISCONNECT,
	OP_ABORT, OP_DESTROY, OP_GET_INFO, OP_SEND, OP_RECV, OP_HANDOFF,
	OP_BATCH, OP_GET_API, OP_BAD_CMD, OP_READ, OP_POLL, OP_REOPEN,
	OP_PROC, OP_PARAM, OP_IFACE, OP_NOPS
};

static const char *const op_names[OP_NOPS] = {
	"create", "configure", "get_config", "connect", "disconnect",
	"abort", "destroy", "get_info", "send", "recv", "handoff", "batch",
	"get_api", "bad_cmd", "read", "poll", "reopen", "proc", "param",
	"iface",
};

/* Relative weights of the operations. */
static const unsigned int op_weight[OP_NOPS] = {
	[OP_CREATE] = 90, [OP_CONFIGURE] = 110, [OP_GET_CONFIG] = 40,
	[OP_CONNECT] = 90, [OP_DISCONNECT] = 45, [OP_ABORT] = 30,
	[OP_DESTROY] = 70, [OP_GET_INFO] = 60, [OP_SEND] = 80,
	[OP_RECV] = 80, [OP_HANDOFF] = 15, [OP_BATCH] = 30,
	[OP_GET_API] = 10, [OP_BAD_CMD] = 50, [OP_READ] = 120,
	[OP_POLL] = 30, [OP_REOPEN] = 1, [OP_PROC] = 2, [OP_PARAM] = 2,
	[OP_IFACE] = 2,
};

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
	atomic_long merged_records;
	atomic_int stop;
	uint64_t t0;
	pthread_mutex_t print_lock;
	struct worker *workers;
	int nworkers;
	char tracing[64];		/* tracefs with our id events, or "" */
	long orig_max_objects, orig_max_user_objects;
	struct peer peer;
};

static struct fz *FZ;

#define VIOL(w, fmt, ...) violation(w, __LINE__, fmt, ##__VA_ARGS__)

struct worker;
static void violation(struct worker *w, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct worker {
	int idx;
	pthread_t thread;
	struct rnd r;
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
};

/* What the running operation acted on and what it got. */
static void note(struct worker *w, uint32_t id, uint32_t serial, int ret)
{
	if (!w->cur)
		return;
	w->cur->id = id;
	w->cur->serial = serial;
	w->cur->ret = ret;
}

/* A copy of one entry: the workers go on writing theirs meanwhile. */
struct oplog_snap {
	struct oplog l;
	int tid;
};

static int oplog_cmp(const void *a, const void *b)
{
	const struct oplog_snap *x = a, *y = b;

	return x->l.t0 < y->l.t0 ? -1 : x->l.t0 > y->l.t0;
}

/*
 * Every worker's last operations in start order: the interleaving a seed
 * cannot replay. Copied while the others run: an entry being rewritten may
 * come out torn, which its times make visible. print_lock held.
 */
static void dump_oplogs(void)
{
	static struct oplog_snap all[16 * OPLOG_LEN];
	size_t n = 0, i;
	int t, k;

	for (t = 0; FZ->workers && t < FZ->nworkers; t++)
		for (k = 0; k < OPLOG_LEN; k++) {
			all[n].l = FZ->workers[t].log[k];
			all[n].tid = t;
			if (all[n].l.t0)
				n++;
		}
	qsort(all, n, sizeof(all[0]), oplog_cmp);
	fprintf(stderr, "# the last operations of every thread (times in us "
		"from the start of the run; serial -1: none):\n");
	for (i = 0; i < n; i++) {
		const struct oplog *l = &all[i].l;

		fprintf(stderr, "#   %10llu..%-10llu thr %d iter %ld %s file %u "
			"id %u serial %d ret %d %.*s\n",
			(unsigned long long)(l->t0 - FZ->t0) / 1000,
			l->t1 ? (unsigned long long)(l->t1 - FZ->t0) / 1000 : 0,
			all[i].tid, l->iter, l->op < OP_NOPS ? op_names[l->op] : "?",
			l->slot, l->id, (int)l->serial, l->ret,
			(int)sizeof(l->detail), l->detail);
	}
}

static void violation(struct worker *w, int line, const char *fmt, ...)
{
	long n = atomic_fetch_add(&FZ->violations, 1);
	va_list ap;

	if (n >= 40)
		return;
	pthread_mutex_lock(&FZ->print_lock);
	fprintf(stderr, "# VIOLATION (line %d, thread %d, iteration %ld, %s): ",
		line, w ? w->idx : -1, w ? w->iter : -1L,
		w && w->what ? w->what : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (n == 0)
		dump_oplogs();
	pthread_mutex_unlock(&FZ->print_lock);
}

/* Check a return value against the errno list of the call. */
static int check_ret(struct worker *w, const char *name, int ret,
		     const int *errs)
{
	if (ret >= 0)
		return ret;
	if (!so_err_allowed(errs, -ret))
		VIOL(w, "%s returned undocumented errno %d (%s)", name, -ret,
		     strerror(-ret));
	return ret;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	long r = syscall(SYS_ioctl, fd, cmd, arg);

	return r < 0 ? -errno : (int)r;
}

/* ---------------------------------------------------------------------- */
/* Objects bookkeeping                                                    */
/* ---------------------------------------------------------------------- */

static uint32_t new_serial(struct slot *s, uint8_t proto)
{
	uint32_t n = atomic_fetch_add(&FZ->nserial, 1);
	struct fobj *o;

	if (n >= FZ->cap)
		return UINT32_MAX;
	o = &FZ->objs[n];
	o->slot = (uint8_t)s->idx;
	o->gen = s->gen;
	o->proto = proto;
	o->last_state = SOCKOBJ_STATE_CLOSED;
	o->made_ns = so_now_ns();
	return n;
}

static __u64 cookie_of(uint32_t serial)
{
	return FZ->cookie_base + serial;
}

/*
 * Slot mu held. line, and by (the serial whose CREATE returned the id, or
 * UINT32_MAX): how it was learnt, for the violation reports.
 */
static void mark_gone_at(struct slot *s, uint32_t serial, int line,
			 uint32_t by)
{
	struct fobj *o = &FZ->objs[serial];
	int i;

	if (!atomic_load(&o->gone_ns)) {
		atomic_store(&o->gone_line, line);
		atomic_store(&o->gone_by, by);
		atomic_store(&o->gone_ns, so_now_ns());
	}
	if (!o->live)
		return;
	o->live = 0;
	for (i = 0; i < s->nlive; i++)
		if (s->live[i] == serial) {
			s->live[i] = s->live[--s->nlive];
			break;
		}
	s->recent_dead[s->ndead++ % ARRAY_SIZE(s->recent_dead)] =
		atomic_load(&o->id);
}

#define mark_gone_locked(s, serial) \
	mark_gone_at(s, serial, __LINE__, UINT32_MAX)

/*
 * What the kernel did with an id, from the sockobj_id_* tracepoints: the
 * last publications and releases of @id in any file, with the serial each
 * cookie stands for. The trace is read, not consumed.
 */
static void dump_id_trace(uint32_t id)
{
	char path[96], line[256], want[24], last[24][256];
	unsigned int n = 0, i;
	FILE *f;

	if (!FZ->tracing[0])
		return;
	snprintf(path, sizeof(path), "%s/trace", FZ->tracing);
	f = fopen(path, "re");
	if (!f)
		return;
	snprintf(want, sizeof(want), " id=%u ", id);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "sockobj_id_") && strstr(line, want))
			snprintf(last[n++ % 24], sizeof(last[0]), "%s", line);
	fclose(f);
	printf("#   the kernel's last %u publications/releases of id %u:\n",
	       n < 24 ? n : 24, id);
	for (i = n > 24 ? n - 24 : 0; i < n; i++) {
		const char *c = strstr(last[i % 24], "cookie=");
		unsigned long long cookie = c ? strtoull(c + 7, NULL, 16) : 0;

		printf("#     %.*s (serial %lld)\n",
		       (int)strcspn(last[i % 24], "\n"), last[i % 24],
		       cookie >= FZ->cookie_base ?
		       (long long)(cookie - FZ->cookie_base) : -1LL);
	}
}

/*
 * After a violation about an object wrongly thought gone: when a CREATE's
 * returned id is what said so, the rest of the story.
 */
static void print_gone_story(uint32_t serial)
{
	const struct fobj *o = &FZ->objs[serial], *b;
	uint64_t gone = atomic_load(&o->gone_ns);
	uint32_t by = atomic_load(&o->gone_by);

	if (!gone || by == UINT32_MAX)
		return;
	b = &FZ->objs[by];
	printf("#   serial %u made %llu us, registered %llu us before gone; "
	       "gone by the CREATE of serial %u (made at line %d, %llu us "
	       "before; uncertain %d, gone %d)\n", serial,
	       (unsigned long long)(gone - o->made_ns) / 1000,
	       (unsigned long long)(gone - o->registered_ns) / 1000, by,
	       b->made_line, (unsigned long long)(gone - b->made_ns) / 1000,
	       atomic_load(&b->uncertain), atomic_load(&b->gone_ns) != 0);
	dump_id_trace(atomic_load(&o->id));
}

/* Record the id a CREATE returned (slot mu held). */
static void register_locked(struct worker *w, struct slot *s, uint32_t serial,
			    uint32_t id)
{
	struct fobj *o = &FZ->objs[serial];
	unsigned int expect = 0;
	int i;

	if (!atomic_compare_exchange_strong(&o->id, &expect, id) &&
	    expect != id)
		VIOL(w, "object serial %u: CREATE returned id %u, its records "
		     "said %u", serial, id, expect);
	o->registered_ns = so_now_ns();
	/* an id is reused only once free: its previous holder is gone */
	for (i = 0; i < s->nlive; i++) {
		struct fobj *p = &FZ->objs[s->live[i]];

		if (atomic_load(&p->id) == id) {
			mark_gone_at(s, s->live[i], __LINE__, serial);
			i--;
		}
	}
	if (s->nlive < MAX_LIVE) {
		s->live[s->nlive++] = serial;
		o->live = 1;
	} else {
		/* untracked from now on: it may live, or not */
		atomic_store(&o->uncertain, 1);
	}
}

/* A live object of the slot, or UINT32_MAX (slot mu held). */
static uint32_t pick_live_locked(struct worker *w, struct slot *s)
{
	if (!s->nlive)
		return UINT32_MAX;
	return s->live[rnd_below(&w->r, (uint32_t)s->nlive)];
}

static uint32_t live_by_id_locked(struct slot *s, uint32_t id)
{
	int i;

	for (i = 0; i < s->nlive; i++)
		if (atomic_load(&FZ->objs[s->live[i]].id) == id)
			return s->live[i];
	return UINT32_MAX;
}

/*
 * An id to act on: mostly a live object, else a destroyed one's, a small
 * random one or a wild one. *serial is the live object picked (or
 * UINT32_MAX). Slot mu held.
 */
static uint32_t pick_id_locked(struct worker *w, struct slot *s,
			       uint32_t *serial)
{
	uint32_t roll = rnd_below(&w->r, 100);

	*serial = UINT32_MAX;
	if (roll < 80 && s->nlive) {
		*serial = pick_live_locked(w, s);
		return atomic_load(&FZ->objs[*serial].id);
	}
	if (roll < 90 && s->ndead) {
		unsigned int n = s->ndead < ARRAY_SIZE(s->recent_dead) ?
				 s->ndead : ARRAY_SIZE(s->recent_dead);

		return s->recent_dead[rnd_below(&w->r, n)];
	}
	if (roll < 97)
		return rnd_below(&w->r, 130);
	return (uint32_t)rnd_next(&w->r);
}

/* ---------------------------------------------------------------------- */
/* Records                                                                */
/* ---------------------------------------------------------------------- */

static int legal_transition(uint32_t from, uint32_t to, uint8_t proto)
{
	switch (from) {
	case SOCKOBJ_STATE_CLOSED:
		return to == SOCKOBJ_STATE_CONNECTING;
	case SOCKOBJ_STATE_CONNECTING:
		return to == SOCKOBJ_STATE_ESTABLISHED ||
		       to == SOCKOBJ_STATE_CLOSED;
	case SOCKOBJ_STATE_ESTABLISHED:
		if (proto == SOCKOBJ_PROTO_UDP)
			return to == SOCKOBJ_STATE_CLOSED;
		return to == SOCKOBJ_STATE_PEER_CLOSING ||
		       to == SOCKOBJ_STATE_CLOSING ||
		       to == SOCKOBJ_STATE_CLOSED;
	case SOCKOBJ_STATE_PEER_CLOSING:
		return to == SOCKOBJ_STATE_CLOSING ||
		       to == SOCKOBJ_STATE_CLOSED;
	case SOCKOBJ_STATE_CLOSING:
		return to == SOCKOBJ_STATE_CLOSED;
	}
	return 0;
}

/* The reason/phase/error rules of the contract for a CLOSED record. */
static const char *closed_record_problem(const struct sockobj_event *e)
{
	if (e->reason == SOCKOBJ_REASON_NONE || e->reason > 12)
		return "reason out of range";
	if (e->error < 0 || e->error > 4095)
		return "error out of range";
	if (e->merged == 1 && e->phase != e->prev_state)
		return "phase is not the state left";
	switch (e->reason) {
	case SOCKOBJ_REASON_CANCELLED:
	case SOCKOBJ_REASON_CONNECT_TIMEOUT:
	case SOCKOBJ_REASON_REFUSED:
		if (e->phase != SOCKOBJ_STATE_CONNECTING)
			return "reason only possible while CONNECTING";
		break;
	case SOCKOBJ_REASON_INACTIVITY:
		if (e->phase != SOCKOBJ_STATE_ESTABLISHED)
			return "INACTIVITY outside ESTABLISHED";
		break;
	}
	switch (e->reason) {
	case SOCKOBJ_REASON_CONNECT_TIMEOUT:
	case SOCKOBJ_REASON_RETRANS_TIMEOUT:
		if (e->error != ETIMEDOUT)
			return "timeout without ETIMEDOUT";
		break;
	case SOCKOBJ_REASON_HOST_UNREACH:
		if (e->error != EHOSTUNREACH && e->error != EHOSTDOWN)
			return "HOST_UNREACH without EHOSTUNREACH/EHOSTDOWN";
		break;
	case SOCKOBJ_REASON_NET_UNREACH:
		if (e->error != ENETUNREACH && e->error != ENETDOWN)
			return "NET_UNREACH without ENETUNREACH/ENETDOWN";
		break;
	case SOCKOBJ_REASON_REFUSED:
		if (e->error != ECONNREFUSED)
			return "REFUSED without ECONNREFUSED";
		break;
	}
	return NULL;
}

static int seen_test_and_set(struct slot *s, uint64_t seq)
{
	size_t byte = (size_t)(seq / 8);
	int bit = (int)(seq % 8), was;

	if (byte >= s->seen_bytes) {
		size_t n = (byte + 1) * 2;
		uint8_t *p = realloc(s->seen, n);

		if (!p)
			return 0;
		memset(p + s->seen_bytes, 0, n - s->seen_bytes);
		s->seen = p;
		s->seen_bytes = n;
	}
	was = (s->seen[byte] >> bit) & 1;
	s->seen[byte] |= (uint8_t)(1 << bit);
	return was;
}

/* One record read from slot s by a read() that started at t_read. rd held */
static void check_record(struct worker *w, struct slot *s,
			 const struct sockobj_event *e, uint64_t t_read)
{
	uint64_t serial = e->cookie - FZ->cookie_base, gone, now;
	unsigned int expect;
	struct fobj *o;

	atomic_fetch_add(&FZ->records, 1);
	s->records++;
	if (!e->id || e->type < SOCKOBJ_EV_STATE || e->type > SOCKOBJ_EV_ERROR ||
	    e->reserved[0] || e->reserved[1] || !e->merged ||
	    e->state >= SOCKOBJ_STATE_COUNT ||
	    e->prev_state >= SOCKOBJ_STATE_COUNT || !e->seq) {
		VIOL(w, "malformed record: id %u type %u seq %llu state %u "
		     "prev %u merged %u reserved %u,%u", e->id, e->type,
		     (unsigned long long)e->seq, e->state, e->prev_state,
		     e->merged, e->reserved[0], e->reserved[1]);
		return;
	}
	if (e->merged > 1 && e->type == SOCKOBJ_EV_STATE)
		atomic_fetch_add(&FZ->merged_records, 1);
	if (e->cookie < FZ->cookie_base || serial >= atomic_load(&FZ->nserial) ||
	    serial >= FZ->cap) {
		VIOL(w, "record of id %u with unknown cookie 0x%llx", e->id,
		     (unsigned long long)e->cookie);
		return;
	}
	o = &FZ->objs[serial];
	if (o->slot != s->idx || o->gen != s->gen) {
		VIOL(w, "record of id %u (serial %llu) belongs to file %u gen "
		     "%u, read from file %d gen %u", e->id,
		     (unsigned long long)serial, o->slot, o->gen, s->idx, s->gen);
		return;
	}
	expect = 0;
	if (!atomic_compare_exchange_strong(&o->id, &expect, e->id) &&
	    expect != e->id) {
		VIOL(w, "record id %u, but the object (serial %llu) is id %u",
		     e->id, (unsigned long long)serial, expect);
		return;
	}
	gone = atomic_load(&o->gone_ns);
	if (gone && gone < t_read) {
		VIOL(w, "record (id %u type %u seq %llu state %s) read by a "
		     "read() that started %llu us after the object was "
		     "destroyed/handed off (serial %llu, gone at line %d)",
		     e->id, e->type, (unsigned long long)e->seq,
		     so_state_name(e->state),
		     (unsigned long long)(t_read - gone) / 1000,
		     (unsigned long long)serial, atomic_load(&o->gone_line));
		print_gone_story((uint32_t)serial);
	}
	if (e->seq <= o->last_seq)
		VIOL(w, "id %u: seq %llu after seq %llu", e->id,
		     (unsigned long long)e->seq,
		     (unsigned long long)o->last_seq);
	if (seen_test_and_set(s, e->seq))
		VIOL(w, "seq %llu delivered twice in file %d",
		     (unsigned long long)e->seq, s->idx);
	now = so_now_ns();
	if (e->timestamp_ns < o->last_ts || e->timestamp_ns > now)
		VIOL(w, "id %u: timestamp %llu (last %llu, now %llu)", e->id,
		     (unsigned long long)e->timestamp_ns,
		     (unsigned long long)o->last_ts, (unsigned long long)now);
	o->last_seq = e->seq;
	o->last_ts = e->timestamp_ns;

	if (e->type != SOCKOBJ_EV_STATE) {
		if (e->state != e->prev_state || e->state != o->last_state ||
		    e->reason || e->phase)
			VIOL(w, "id %u: data record type %u state %s prev %s "
			     "reason %u phase %u, object is %s", e->id,
			     e->type, so_state_name(e->state),
			     so_state_name(e->prev_state), e->reason, e->phase,
			     so_state_name(o->last_state));
		if ((e->type == SOCKOBJ_EV_ERROR) != (e->error != 0))
			VIOL(w, "id %u: data record type %u with error %d",
			     e->id, e->type, e->error);
		if ((e->type == SOCKOBJ_EV_ERROR &&
		     o->proto != SOCKOBJ_PROTO_UDP) ||
		    (e->type == SOCKOBJ_EV_SENT &&
		     o->proto != SOCKOBJ_PROTO_TCP))
			VIOL(w, "id %u: record type %u for protocol %u", e->id,
			     e->type, o->proto);
		return;
	}
	o->nstate++;
	if (e->prev_state != o->last_state)
		VIOL(w, "id %u: record %s <- %s, but the last record left it "
		     "%s (a transition record is missing)", e->id,
		     so_state_name(e->state), so_state_name(e->prev_state),
		     so_state_name(o->last_state));
	else if (e->merged == 1 &&
		 !legal_transition(e->prev_state, e->state, o->proto))
		VIOL(w, "id %u (proto %u): illegal transition %s -> %s", e->id,
		     o->proto, so_state_name(e->prev_state),
		     so_state_name(e->state));
	if (e->state == SOCKOBJ_STATE_CLOSED) {
		const char *p = closed_record_problem(e);

		if (p)
			VIOL(w, "id %u: CLOSED record reason %s phase %s error "
			     "%d: %s", e->id, so_reason_name(e->reason),
			     so_state_name(e->phase), e->error, p);
		o->closed_ts = e->timestamp_ns;
		o->closed_reason = e->reason;
		o->closed_phase = e->phase;
		o->closed_error = e->error;
	} else if (e->reason || e->phase || e->error) {
		VIOL(w, "id %u: %s record with reason %u phase %u error %d",
		     e->id, so_state_name(e->state), e->reason, e->phase,
		     e->error);
	}
	if (e->state == SOCKOBJ_STATE_CONNECTING) {
		o->connect_ts = e->timestamp_ns;
		o->established_ts = 0;
	} else if (e->state == SOCKOBJ_STATE_ESTABLISHED) {
		o->established_ts = e->timestamp_ns;
	}
	o->last_state = (uint8_t)e->state;
}

/* ---------------------------------------------------------------------- */
/* Memory for bad pointers                                                */
/* ---------------------------------------------------------------------- */

static const uintptr_t wild_ptrs[] = {
	0, 1, 0x1000, 0xffff888000000000ULL, 0xffffffffff600000ULL,
	0x8000000000000000ULL, 0x7ffffffff000ULL, (uintptr_t)-1,
};

enum ptr_kind { P_GOOD, P_NULL, P_WILD, P_STRADDLE, P_GUARD, P_RO };

/*
 * Where to put an ioctl argument of size len: its address (the caller
 * writes the struct there unless it is P_RO, where the content is copied
 * now), and the kind.
 */
static void *arg_place(struct worker *w, void *good, size_t len,
		       enum ptr_kind *kind)
{
	uint32_t roll = rnd_below(&w->r, 1000);
	long page = sysconf(_SC_PAGESIZE);

	if (roll < 940) {
		*kind = P_GOOD;
		return good;
	}
	if (roll < 950) {
		*kind = P_NULL;
		return NULL;
	}
	if (roll < 965) {
		*kind = P_WILD;
		return (void *)wild_ptrs[rnd_below(&w->r, ARRAY_SIZE(wild_ptrs))];
	}
	if (roll < 980) {
		/* the struct's tail runs into the PROT_NONE page */
		size_t cut = 1 + rnd_below(&w->r, (uint32_t)len - 1);

		*kind = P_STRADDLE;
		memcpy(w->guard + page - (long)cut, good, cut);
		return w->guard + page - (long)cut;
	}
	if (roll < 985) {
		*kind = P_GUARD;
		return w->guard + page;
	}
	/* readable but not writable: in-only copies work, out copies fault */
	*kind = P_RO;
	mprotect(w->ro, (size_t)page, PROT_READ | PROT_WRITE);
	memcpy(w->ro, good, len);
	mprotect(w->ro, (size_t)page, PROT_READ);
	return w->ro;
}

/* Flip some bytes of a struct now and then (reserved, pad, flags...). */
static void maybe_corrupt(struct worker *w, void *p, size_t len,
			  unsigned int pct)
{
	if (rnd_pct(&w->r, pct)) {
		uint8_t *b = p;
		int n = 1 + (int)rnd_below(&w->r, 3);

		while (n--)
			b[rnd_below(&w->r, (uint32_t)len)] ^=
				(uint8_t)(1 + rnd_below(&w->r, 255));
	}
}

/* Flip bytes of p[from, to) only (fields whose change is harmless). */
static void maybe_corrupt_range(struct worker *w, void *p, size_t from,
				size_t to, unsigned int pct)
{
	maybe_corrupt(w, (char *)p + from, to - from, pct);
}

/* ---------------------------------------------------------------------- */
/* Generators                                                             */
/* ---------------------------------------------------------------------- */

static void gen_target(struct worker *w, struct sockobj_addr *a, uint8_t proto)
{
	uint32_t roll = rnd_below(&w->r, 100);
	int t;

	if (roll < 3) {
		rnd_fill(&w->r, a, sizeof(*a));
		if (rnd_pct(&w->r, 50))
			a->family = rnd_pct(&w->r, 50) ? AF_INET : AF_INET6;
		return;
	}
	if (proto == SOCKOBJ_PROTO_UDP && roll < 60)
		t = rnd_pct(&w->r, 80) ? (rnd_pct(&w->r, 50) ? T_UDP4 : T_UDP6) :
		    (rnd_pct(&w->r, 50) ? T_UDPCLOSED4 : T_BCAST4);
	else if (roll < 55)
		t = rnd_pct(&w->r, 60) ? T_LISTEN4 : T_LISTEN6;
	else
		t = (int)rnd_below(&w->r, T_NTARGETS);
	if (!FZ->have_target[t])
		t = T_LISTEN4;
	*a = FZ->targets[t];
}

static void gen_local(struct worker *w, struct sockobj_addr *a,
		      const struct sockobj_addr *target)
{
	int v6 = target->family == AF_INET6;
	uint32_t roll = rnd_below(&w->r, 100);

	memset(a, 0, sizeof(*a));
	if (roll < 10)
		return;				/* family 0: unset */
	so_addr(a, v6 ? "::1" : "127.0.0.1", 0);
	if (roll < 30)
		a->port = (__u16)(40000 + rnd_below(&w->r, 64));  /* clashes */
	else if (roll < 40)
		a->port = (__u16)(1 + rnd_below(&w->r, 1023));	   /* low */
	else if (roll < 55)
		so_addr(a, v6 ? "::" : "0.0.0.0",
			(__u16)(41000 + rnd_below(&w->r, 64)));
	else if (roll < 65)
		so_addr(a, v6 ? "2001:db8::99" : "192.0.2.99", 0); /* not ours */
	else if (roll < 72)
		so_addr(a, v6 ? "127.0.0.1" : "::1", 0);	   /* mismatch */
	else if (roll < 75)
		rnd_fill(&w->r, a, sizeof(*a));
}

static uint32_t gen_opt(struct worker *w, uint32_t lo, uint32_t hi)
{
	uint32_t roll = rnd_below(&w->r, 100);

	if (roll < 15)
		return 0;
	if (roll < 80)
		return lo + rnd_below(&w->r, hi - lo + 1);
	return rnd_u32_edgy(&w->r);
}

static void gen_config(struct worker *w, struct sockobj_config *c, uint32_t id,
		       uint8_t proto)
{
	uint64_t mask = 0;
	uint32_t roll;

	memset(c, 0, sizeof(*c));
	c->id = id;
	if (rnd_pct(&w->r, 75))
		mask |= SOCKOBJ_CFG_TARGET;
	while (rnd_pct(&w->r, 45))
		mask |= 1ULL << rnd_below(&w->r, 15);
	if (rnd_pct(&w->r, 2))
		mask |= 1ULL << (15 + rnd_below(&w->r, 49));	/* unknown */
	if (rnd_pct(&w->r, 2))
		mask = 0;
	c->mask = mask;
	if (mask & SOCKOBJ_CFG_TARGET)
		gen_target(w, &c->target, proto);
	if (mask & SOCKOBJ_CFG_LOCAL)
		gen_local(w, &c->local, &c->target);
	if (mask & SOCKOBJ_CFG_IFACE) {
		roll = rnd_below(&w->r, 100);
		if (roll < 30)
			c->ifindex = (uint32_t)FZ->lo_index;
		else if (roll < 50 && FZ->dummy_index)
			c->ifindex = (uint32_t)FZ->dummy_index;
		else if (roll < 60)
			strcpy(c->ifname, "lo");
		else if (roll < 70)
			strcpy(c->ifname, "fz0");
		else if (roll < 75)
			strcpy(c->ifname, "nosuch0");
		else if (roll < 80)
			memset(c->ifname, 'x', sizeof(c->ifname));  /* no NUL */
		else if (roll < 90)
			c->ifindex = rnd_u32_edgy(&w->r);
		/* else: 0, unset */
	}
	if (mask & SOCKOBJ_CFG_CONNECT_TIMEOUT)
		c->connect_timeout_ms = rnd_pct(&w->r, 80) ?
			30 + rnd_below(&w->r, 400) : rnd_u32_edgy(&w->r);
	if (mask & SOCKOBJ_CFG_NODELAY)
		c->nodelay = gen_opt(w, 1, 1);
	if (mask & SOCKOBJ_CFG_KEEPALIVE) {
		c->keepalive = gen_opt(w, 1, 1);
		c->keepidle_s = gen_opt(w, 1, SOCKOBJ_KEEPIDLE_MAX_S);
		c->keepintvl_s = gen_opt(w, 1, SOCKOBJ_KEEPINTVL_MAX_S);
		c->keepcnt = gen_opt(w, 1, SOCKOBJ_KEEPCNT_MAX);
	}
	if (mask & SOCKOBJ_CFG_TOS)
		c->tos = gen_opt(w, 1, 255);
	if (mask & SOCKOBJ_CFG_PRIORITY)
		c->priority = gen_opt(w, 1, 10);
	if (mask & SOCKOBJ_CFG_SNDBUF)
		c->sndbuf = gen_opt(w, 1, 1 << 20);
	if (mask & SOCKOBJ_CFG_RCVBUF)
		c->rcvbuf = gen_opt(w, 1, 1 << 20);
	if (mask & SOCKOBJ_CFG_USER_TIMEOUT)
		c->user_timeout_ms = gen_opt(w, 1, 2000);
	if (mask & SOCKOBJ_CFG_INACTIVITY)
		c->inactivity_s = gen_opt(w, 1, 2);
	if (mask & SOCKOBJ_CFG_SENT_THRESHOLD)
		c->sent_threshold = gen_opt(w, 1, 100000);
	if (mask & SOCKOBJ_CFG_BROADCAST)
		c->broadcast = gen_opt(w, 1, 1);
	if (mask & SOCKOBJ_CFG_RECV_ANY)
		c->recv_any = gen_opt(w, 1, 1);
	/* values outside the mask, flags, reserved */
	maybe_corrupt(w, c, sizeof(*c), 6);
	if (rnd_pct(&w->r, 2))
		c->id = id;		/* keep the id most of the time */
}

/* A data buffer for SEND/RECV: address and length. */
static void gen_buffer(struct worker *w, int recv, __u64 *buf, __u64 *len)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t roll = rnd_below(&w->r, 100);

	if (roll < 80) {
		*len = rnd_pct(&w->r, 70) ? rnd_below(&w->r, 4096) :
					    rnd_below(&w->r, 131072);
		*buf = (uintptr_t)w->buf;
		if (!recv)
			rnd_fill(&w->r, w->buf, *len > 64 ? 64 : *len);
	} else if (roll < 84) {
		*buf = 0;
		*len = rnd_pct(&w->r, 50) ? 0 : 1 + rnd_below(&w->r, 100);
	} else if (roll < 90) {
		/* runs into the PROT_NONE page */
		uint32_t before = 1 + rnd_below(&w->r, (uint32_t)page);

		*buf = (uintptr_t)(w->guard + page - before);
		*len = before + rnd_below(&w->r, 4096);
	} else if (roll < 94) {
		*buf = (uintptr_t)w->ro;	/* recv: not writable */
		*len = 1 + rnd_below(&w->r, (uint32_t)page);
	} else if (roll < 97) {
		*buf = wild_ptrs[rnd_below(&w->r, ARRAY_SIZE(wild_ptrs))];
		*len = 1 + rnd_below(&w->r, 4096);
	} else {
		/* huge: the copy runs into the PROT_NONE page */
		*buf = (uintptr_t)(w->guard + page - 64);
		*len = rnd_pct(&w->r, 50) ? (1ULL << 40) : ~0ULL;
	}
}

/* ---------------------------------------------------------------------- */
/* Operations                                                             */
/* ---------------------------------------------------------------------- */

static void op_create(struct worker *w, struct slot *s)
{
	struct sockobj_create c = { 0 };
	enum ptr_kind kind;
	uint32_t serial;
	uint8_t proto;
	void *arg;
	int ret;

	proto = rnd_pct(&w->r, 75) ? SOCKOBJ_PROTO_TCP : SOCKOBJ_PROTO_UDP;
	pthread_mutex_lock(&s->mu);
	if (s->nlive >= MAX_LIVE - 8) {
		pthread_mutex_unlock(&s->mu);
		return;
	}
	serial = new_serial(s, proto);
	if (serial == UINT32_MAX) {
		pthread_mutex_unlock(&s->mu);
		return;
	}
	FZ->objs[serial].made_line = __LINE__;
	s->pending++;
	pthread_mutex_unlock(&s->mu);

	c.proto = proto;
	c.cookie = cookie_of(serial);
	if (rnd_pct(&w->r, 3))
		c.proto = rnd_u32_edgy(&w->r);
	maybe_corrupt(w, &c, sizeof(c), 3);
	if (c.cookie != cookie_of(serial))
		c.cookie = cookie_of(serial);	/* keep records attributable */
	/*
	 * The edgy or corrupted proto can still be a valid one (1 or 2):
	 * book the object as what the kernel will create, before any of its
	 * records can be read.
	 */
	if (c.proto == SOCKOBJ_PROTO_TCP || c.proto == SOCKOBJ_PROTO_UDP)
		FZ->objs[serial].proto = (uint8_t)c.proto;
	arg = arg_place(w, &c, sizeof(c), &kind);
	ret = check_ret(w, "CREATE", xioctl(s->fd, SOCKOBJ_IOC_CREATE, arg),
			so_errs_create);

	note(w, ret == 0 ? c.id : 0, serial, ret);
	pthread_mutex_lock(&s->mu);
	s->pending--;
	if (ret == 0) {
		if (kind != P_GOOD)
			VIOL(w, "CREATE with a bad pointer (kind %d) succeeded",
			     kind);
		if (!c.id || c.id > INT32_MAX || c.pad || c.reserved[0] ||
		    c.reserved[1] || c.flags)
			VIOL(w, "CREATE returned id %u pad %u flags %u", c.id,
			     c.pad, c.flags);
		else
			register_locked(w, s, serial, c.id);
	} else {
		/* nothing was created (EFAULT: created and removed again) */
		mark_gone_locked(s, serial);
	}
	pthread_mutex_unlock(&s->mu);
}

static void op_configure(struct worker *w, struct slot *s)
{
	struct sockobj_config c;
	enum ptr_kind kind;
	uint32_t serial, id;
	uint8_t proto = SOCKOBJ_PROTO_TCP;
	void *arg;
	int ret;

	pthread_mutex_lock(&s->mu);
	id = pick_id_locked(w, s, &serial);
	if (serial != UINT32_MAX)
		proto = FZ->objs[serial].proto;
	pthread_mutex_unlock(&s->mu);
	gen_config(w, &c, id, proto);
	arg = arg_place(w, &c, sizeof(c), &kind);
	ret = check_ret(w, "CONFIGURE", xioctl(s->fd, SOCKOBJ_IOC_CONFIGURE, arg),
			so_errs_configure);
	if (ret == 0 && kind != P_GOOD && kind != P_RO)
		VIOL(w, "CONFIGURE with a bad pointer succeeded");
}

static void op_get_config(struct worker *w, struct slot *s)
{
	struct sockobj_config c;
	enum ptr_kind kind;
	uint32_t serial;
	void *arg;
	int ret;

	memset(&c, 0, sizeof(c));
	pthread_mutex_lock(&s->mu);
	c.id = pick_id_locked(w, s, &serial);
	pthread_mutex_unlock(&s->mu);
	maybe_corrupt(w, &c, sizeof(c), 5);
	arg = arg_place(w, &c, sizeof(c), &kind);
	ret = check_ret(w, "GET_CONFIG",
			xioctl(s->fd, SOCKOBJ_IOC_GET_CONFIG, arg),
			so_errs_get_config);
	if (ret == 0) {
		if (kind != P_GOOD)
			VIOL(w, "GET_CONFIG with a bad pointer succeeded");
		else if (c.flags || c.reserved[0] ||
			 (c.mask & ~(__u64)SOCKOBJ_CFG_ALL))
			VIOL(w, "GET_CONFIG output: flags %u reserved %llu "
			     "mask 0x%llx", c.flags,
			     (unsigned long long)c.reserved[0],
			     (unsigned long long)c.mask);
	}
}

static void op_simple(struct worker *w, struct slot *s, unsigned long cmd,
		      const char *name, const int *errs, uint32_t flags_ok)
{
	struct sockobj_op op = { 0 };
	enum ptr_kind kind;
	uint32_t serial;
	void *arg;
	int ret;

	pthread_mutex_lock(&s->mu);
	op.id = pick_id_locked(w, s, &serial);
	pthread_mutex_unlock(&s->mu);
	if (flags_ok && rnd_pct(&w->r, 50))
		op.flags = flags_ok;
	maybe_corrupt(w, &op, sizeof(op), 4);
	arg = arg_place(w, &op, sizeof(op), &kind);
	ret = check_ret(w, name, xioctl(s->fd, cmd, arg), errs);
	note(w, op.id, serial, ret);
	if (ret == 0 && kind != P_GOOD && kind != P_RO)
		VIOL(w, "%s with a bad pointer succeeded", name);
	if (ret == 0 && cmd == SOCKOBJ_IOC_CONNECT)
		atomic_fetch_add(&FZ->connects, 1);
}

/*
 * Whether a DESTROY or HANDOFF of an id could remove an object other than
 * the one we track under it (slot mu held). With no tracked holder, or one
 * that may be gone already (uncertain), the id may have been given to a
 * create still in flight: that object would be gone before we register it,
 * and its late registration would then "prove" the id's next holder gone.
 */
static int removal_may_hit_pending_locked(struct slot *s, uint32_t serial)
{
	return s->pending &&
	       (serial == UINT32_MAX || atomic_load(&FZ->objs[serial].uncertain));
}

/* DESTROY and HANDOFF remove the object: done with the slot's mu held. */
static void op_remove(struct worker *w, struct slot *s, int handoff)
{
	struct sockobj_op op = { 0 };
	enum ptr_kind kind;
	uint32_t serial, victim;
	void *arg;
	int ret;

	pthread_mutex_lock(&s->mu);
	op.id = pick_id_locked(w, s, &serial);
	if (serial == UINT32_MAX)
		serial = live_by_id_locked(s, op.id);
	if (removal_may_hit_pending_locked(s, serial)) {
		pthread_mutex_unlock(&s->mu);
		return;
	}
	if (handoff) {
		if (rnd_pct(&w->r, 50))
			op.flags = SOCKOBJ_HANDOFF_NONBLOCK;
	} else if (rnd_pct(&w->r, 50)) {
		op.flags = SOCKOBJ_DESTROY_ABORT;
	}
	/* not the id: the object removed must be the one we track */
	maybe_corrupt_range(w, &op, offsetof(struct sockobj_op, flags),
			    sizeof(op), 4);
	arg = arg_place(w, &op, sizeof(op), &kind);
	ret = xioctl(s->fd, handoff ? SOCKOBJ_IOC_HANDOFF : SOCKOBJ_IOC_DESTROY,
		     arg);
	check_ret(w, handoff ? "HANDOFF" : "DESTROY", ret,
		  handoff ? so_errs_handoff : so_errs_destroy);
	note(w, op.id, serial, ret);
	victim = live_by_id_locked(s, op.id);
	if (ret >= 0 || (handoff && (ret == -ENFILE || ret == -ENOMEM))) {
		if (kind != P_GOOD && kind != P_RO)
			VIOL(w, "%s with a bad pointer succeeded",
			     handoff ? "HANDOFF" : "DESTROY");
		if (victim != UINT32_MAX)
			mark_gone_locked(s, victim);
	}
	pthread_mutex_unlock(&s->mu);
	if (handoff && ret >= 0) {
		struct stat st;
		char b[256];

		atomic_fetch_add(&FZ->fds_handed, 1);
		if (fstat(ret, &st) || !S_ISSOCK(st.st_mode) ||
		    !(fcntl(ret, F_GETFD) & FD_CLOEXEC) ||
		    !(fcntl(ret, F_GETFL) & O_NONBLOCK) !=
		    !(op.flags & SOCKOBJ_HANDOFF_NONBLOCK))
			VIOL(w, "HANDOFF fd %d: not a close-on-exec socket with "
			     "the requested O_NONBLOCK", ret);
		if (rnd_pct(&w->r, 50))
			send(ret, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		recv(ret, b, sizeof(b), MSG_DONTWAIT);
		if (rnd_pct(&w->r, 30))
			so_close_rst(ret);
		else
			close(ret);
	}
}

static void op_get_info(struct worker *w, struct slot *s)
{
	struct sockobj_info info;
	enum ptr_kind kind;
	uint32_t serial;
	uint64_t t0 = so_now_ns();
	void *arg;
	int ret;

	memset(&info, 0, sizeof(info));
	pthread_mutex_lock(&s->mu);
	info.id = pick_id_locked(w, s, &serial);
	pthread_mutex_unlock(&s->mu);
	maybe_corrupt(w, &info, sizeof(info), 4);
	arg = arg_place(w, &info, sizeof(info), &kind);
	ret = check_ret(w, "GET_INFO", xioctl(s->fd, SOCKOBJ_IOC_GET_INFO, arg),
			so_errs_get_info);
	note(w, info.id, serial, ret);
	if (ret || kind != P_GOOD) {
		if (ret == 0)
			VIOL(w, "GET_INFO with a bad pointer succeeded");
		return;
	}
	if (info.state >= SOCKOBJ_STATE_COUNT || info.reason > 12 ||
	    info.phase >= SOCKOBJ_STATE_COUNT || info.pad ||
	    info.reserved[0] || info.reserved[1] ||
	    (info.proto != SOCKOBJ_PROTO_TCP && info.proto != SOCKOBJ_PROTO_UDP) ||
	    info.pending > SOCKOBJ_OBJ_RECORDS + 4 || !info.created_ns)
		VIOL(w, "GET_INFO(%u) output: state %u reason %u phase %u pad "
		     "%u reserved %llu,%llu proto %u pending %u", info.id,
		     info.state, info.reason, info.phase, info.pad,
		     (unsigned long long)info.reserved[0],
		     (unsigned long long)info.reserved[1], info.proto,
		     info.pending);
	/* the cookie is one of ours, of this file, with this id */
	if (info.cookie - FZ->cookie_base >= atomic_load(&FZ->nserial)) {
		VIOL(w, "GET_INFO(%u): unknown cookie 0x%llx", info.id,
		     (unsigned long long)info.cookie);
	} else {
		struct fobj *o = &FZ->objs[info.cookie - FZ->cookie_base];
		unsigned int oid = atomic_load(&o->id);
		uint64_t gone = atomic_load(&o->gone_ns);

		if (o->slot != s->idx || o->gen != s->gen ||
		    (oid && oid != info.id) || (gone && gone < t0)) {
			VIOL(w, "GET_INFO(%u) answered for another object "
			     "(cookie of id %u file %u gen %u, gone %d at "
			     "line %d)", info.id, oid, o->slot, o->gen,
			     gone && gone < t0, atomic_load(&o->gone_line));
			print_gone_story((uint32_t)(info.cookie -
						    FZ->cookie_base));
		}
	}
}

static void op_io(struct worker *w, struct slot *s, int recv)
{
	struct sockobj_io io = { 0 };
	enum ptr_kind kind;
	uint32_t serial;
	__u64 buf, len;
	void *arg;
	int ret;

	pthread_mutex_lock(&s->mu);
	io.id = pick_id_locked(w, s, &serial);
	pthread_mutex_unlock(&s->mu);
	gen_buffer(w, recv, &io.buf, &io.len);
	if (recv && rnd_pct(&w->r, 20))
		io.flags = SOCKOBJ_IO_PEEK;
	if (rnd_pct(&w->r, 20))		/* outputs: their input is ignored */
		io.done = io.full_len = rnd_next(&w->r);
	buf = io.buf;
	len = io.len;
	maybe_corrupt(w, &io, sizeof(io), 3);
	/*
	 * A receive writes where buf and len say: a flipped byte there could
	 * aim it at our own heap or stack (gen_buffer() has the bad buffers
	 * that are safe to receive into).
	 */
	if (recv) {
		io.buf = buf;
		io.len = len;
	}
	arg = arg_place(w, &io, sizeof(io), &kind);
	ret = check_ret(w, recv ? "RECV" : "SEND",
			xioctl(s->fd, recv ? SOCKOBJ_IOC_RECV : SOCKOBJ_IOC_SEND,
			       arg),
			recv ? so_errs_recv : so_errs_send);
	if (ret || kind != P_GOOD)
		return;
	if (io.done > io.len || (io.done > INT32_MAX) || io.reserved[0] ||
	    io.reserved[1] || (io.flags & ~(__u32)(SOCKOBJ_IO_F_ALL |
						  SOCKOBJ_IO_TRUNC)) ||
	    (!recv && (io.full_len || io.flags & SOCKOBJ_IO_TRUNC)))
		VIOL(w, "%s(%u) output: done %llu of %llu, full_len %llu, "
		     "flags 0x%x", recv ? "RECV" : "SEND", io.id,
		     (unsigned long long)io.done, (unsigned long long)io.len,
		     (unsigned long long)io.full_len, io.flags);
	atomic_fetch_add(recv ? &FZ->bytes_recv : &FZ->bytes_sent,
			 (long)io.done);
}

/* SOCKOBJ_IOC_BATCH: a few random ops. */
static void op_batch(struct worker *w, struct slot *s)
{
	struct sockobj_batch_op ops[10];
	struct sockobj_create creates[10];
	struct sockobj_config cfgs[10];
	uint32_t serials[10], targets[10];
	struct sockobj_batch b = { 0 };
	uint32_t i, n = 1 + rnd_below(&w->r, 8), last_create = UINT32_MAX;
	enum ptr_kind kind;
	int ret, has_destroy = 0, ncreate = 0;
	void *arg;

	memset(ops, 0, sizeof(ops));
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < n; i++) {
		struct sockobj_batch_op *o = &ops[i];
		uint32_t serial;

		serials[i] = targets[i] = UINT32_MAX;
		o->op = 1 + rnd_below(&w->r, 7);
		if (rnd_pct(&w->r, 3))
			o->op = rnd_u32_edgy(&w->r);
		if (o->op == SOCKOBJ_OP_CREATE) {
			uint8_t proto = rnd_pct(&w->r, 75) ? SOCKOBJ_PROTO_TCP :
							     SOCKOBJ_PROTO_UDP;

			if (s->nlive + ncreate >= MAX_LIVE - 8)
				o->op = SOCKOBJ_OP_CONNECT;
			else
				serials[i] = new_serial(s, proto);
			if (serials[i] == UINT32_MAX) {
				o->op = SOCKOBJ_OP_CONNECT;
			} else {
				FZ->objs[serials[i]].made_line = __LINE__;
				memset(&creates[i], 0, sizeof(creates[i]));
				creates[i].proto = proto;
				creates[i].cookie = cookie_of(serials[i]);
				o->arg = (uintptr_t)&creates[i];
				ncreate++;
				last_create = serials[i];
				continue;
			}
		}
		o->id = rnd_pct(&w->r, 40) ? 0 : pick_id_locked(w, s, &serial);
		if (o->id)
			targets[i] = serial != UINT32_MAX ? serial :
				     live_by_id_locked(s, o->id);
		else if (last_create != UINT32_MAX)
			targets[i] = last_create | 0x80000000u;	/* by serial */
		switch (o->op) {
		case SOCKOBJ_OP_CONFIGURE:
			gen_config(w, &cfgs[i], 0,
				   last_create != UINT32_MAX && !o->id ?
				   FZ->objs[last_create].proto :
				   SOCKOBJ_PROTO_TCP);
			cfgs[i].id = 0;
			o->arg = (uintptr_t)&cfgs[i];
			break;
		case SOCKOBJ_OP_SEND:
			gen_buffer(w, 0, &o->arg, &o->len);
			break;
		case SOCKOBJ_OP_DESTROY:
			has_destroy = 1;
			if (rnd_pct(&w->r, 50))
				o->flags = SOCKOBJ_DESTROY_ABORT;
			break;
		}
	}
	/* a destroy of an untracked id could hit a pending create */
	for (i = 0; has_destroy && i < n; i++)
		if (ops[i].op == SOCKOBJ_OP_DESTROY && ops[i].id &&
		    removal_may_hit_pending_locked(s, targets[i]))
			ops[i].op = SOCKOBJ_OP_ABORT;
	s->pending += ncreate;
	if (!has_destroy)
		pthread_mutex_unlock(&s->mu);

	/*
	 * Not op and id: a destroy of an object we do not know of would
	 * leave our books wrong.
	 */
	if (rnd_pct(&w->r, 3)) {
		uint32_t k = rnd_below(&w->r, n);
		__u64 create_arg = ops[k].arg;

		maybe_corrupt_range(w, &ops[k],
				    offsetof(struct sockobj_batch_op, flags),
				    sizeof(ops[k]), 100);
		/*
		 * Nor a CREATE's argument: a flipped low byte can aim it at
		 * another struct sockobj_create of ours (this batch's, or a
		 * stale one of an earlier batch in creates[]), making an
		 * object with another serial's cookie.
		 */
		if (ops[k].op == SOCKOBJ_OP_CREATE)
			ops[k].arg = create_arg;
		if (ops[k].op == SOCKOBJ_OP_DESTROY && ops[k].id &&
		    removal_may_hit_pending_locked(s, targets[k]))
			ops[k].flags |= 0x80;	/* invalid: nothing runs */
	}
	b.count = n;
	b.ops = (uintptr_t)ops;
	if (rnd_pct(&w->r, 30))
		b.flags = SOCKOBJ_BATCH_STOP;
	if (rnd_pct(&w->r, 2))
		b.count = rnd_pct(&w->r, 50) ? 0 : SOCKOBJ_BATCH_MAX + 1;
	if (rnd_pct(&w->r, 2))
		b.ops = wild_ptrs[rnd_below(&w->r, ARRAY_SIZE(wild_ptrs))];
	/* flags, done, pad, reserved; never count (our array has 10) */
	maybe_corrupt_range(w, &b, offsetof(struct sockobj_batch, flags),
			    sizeof(b), 2);
	arg = arg_place(w, &b, sizeof(b), &kind);
	ret = check_ret(w, "BATCH", xioctl(s->fd, SOCKOBJ_IOC_BATCH, arg),
			so_errs_batch);

	if (w->cur) {
		size_t off = 0;

		/* op letter, id (0: the last created), result when known */
		for (i = 0; i < n && off < sizeof(w->cur->detail); i++)
			off += (size_t)snprintf(w->cur->detail + off,
						sizeof(w->cur->detail) - off,
						"%c%u=%d ", "?CFNSDAX"[ops[i].op < 8 ?
								    ops[i].op : 0],
						ops[i].id, ops[i].result);
		note(w, n, UINT32_MAX, ret);
	}
	if (has_destroy == 0)
		pthread_mutex_lock(&s->mu);
	s->pending -= ncreate;
	if (ret == 0 && kind == P_GOOD && b.ops == (uintptr_t)ops &&
	    b.count == n) {
		if (b.done > n)
			VIOL(w, "BATCH done %u of %u", b.done, n);
		for (i = 0; i < n && i < b.done; i++) {
			struct sockobj_batch_op *o = &ops[i];
			static const int *const errs[8] = {
				NULL, so_errs_create, so_errs_configure,
				so_errs_connect, so_errs_send,
				so_errs_disconnect, so_errs_abort,
				so_errs_destroy,
			};
			uint32_t t = targets[i];

			if (o->op < 1 || o->op > 7) {
				VIOL(w, "BATCH ran unknown op %u", o->op);
				continue;
			}
			if (o->result < 0)
				check_ret(w, "BATCH op", o->result, errs[o->op]);
			if (o->op == SOCKOBJ_OP_CREATE && serials[i] != UINT32_MAX) {
				if (o->result > 0)
					register_locked(w, s, serials[i],
							(uint32_t)o->result);
				else
					mark_gone_locked(s, serials[i]);
				serials[i] = UINT32_MAX;
				continue;
			}
			if (o->op == SOCKOBJ_OP_DESTROY && o->result == 0) {
				if (t != UINT32_MAX && (t & 0x80000000u))
					t &= 0x7fffffffu;
				else
					t = live_by_id_locked(s, o->id ? o->id : 0);
				if (t != UINT32_MAX)
					mark_gone_locked(s, t);
			}
			if (o->op == SOCKOBJ_OP_CONNECT && o->result == 0)
				atomic_fetch_add(&FZ->connects, 1);
		}
		/* creates that did not run */
		for (i = 0; i < n; i++)
			if (serials[i] != UINT32_MAX)
				mark_gone_locked(s, serials[i]);
	} else {
		/*
		 * Unknown outcome (EFAULT after some ops ran, or a corrupted
		 * array): objects created are untracked orphans (their
		 * records are still attributable by cookie); objects named
		 * may have been destroyed.
		 */
		for (i = 0; i < n; i++) {
			uint32_t t = targets[i];

			if (t != UINT32_MAX && !(t & 0x80000000u))
				atomic_store(&FZ->objs[t].uncertain, 1);
		}
		if (ret == -EINVAL && b.done == 0 && kind == P_GOOD)
			for (i = 0; i < n; i++)
				if (serials[i] != UINT32_MAX)
					mark_gone_locked(s, serials[i]);
	}
	pthread_mutex_unlock(&s->mu);
}

static void op_get_api(struct worker *w, struct slot *s)
{
	struct sockobj_api api;
	enum ptr_kind kind;
	void *arg;
	int ret;

	memset(&api, 0, sizeof(api));
	maybe_corrupt(w, &api, sizeof(api), 20);
	arg = arg_place(w, &api, sizeof(api), &kind);
	ret = check_ret(w, "GET_API", xioctl(s->fd, SOCKOBJ_IOC_GET_API, arg),
			so_errs_get_api);
	if (ret == 0 && (kind != P_GOOD || api.api_version != SOCKOBJ_API_VERSION ||
			 api.event_size != sizeof(struct sockobj_event) ||
			 api.pad || api.reserved[0] || !api.max_objects))
		VIOL(w, "GET_API output: version %u event_size %u (kind %d)",
		     api.api_version, api.event_size, kind);
}

/* Commands the VFS handles itself (do_vfs_ioctl): not ours to judge. */
static int vfs_cmd(unsigned long cmd)
{
	unsigned long type = _IOC_TYPE(cmd);

	/* FIO*, TC* ('T'), FS_IOC_* ('f'), FIFREEZE/FSXATTR ('X'), FICLONE
	 * (0x94), FIBMAP and FIGETBSZ (type 0, numbers 1 and 2)
	 */
	return type == 'T' || type == 'f' || type == 'X' || type == 0x94 ||
	       (type == 0 && (_IOC_NR(cmd) == 1 || _IOC_NR(cmd) == 2));
}

static const unsigned long known_cmds[] = {
	SOCKOBJ_IOC_GET_API, SOCKOBJ_IOC_CREATE, SOCKOBJ_IOC_DESTROY,
	SOCKOBJ_IOC_CONFIGURE, SOCKOBJ_IOC_GET_CONFIG, SOCKOBJ_IOC_CONNECT,
	SOCKOBJ_IOC_DISCONNECT, SOCKOBJ_IOC_ABORT, SOCKOBJ_IOC_GET_INFO,
	SOCKOBJ_IOC_SEND, SOCKOBJ_IOC_RECV, SOCKOBJ_IOC_HANDOFF,
	SOCKOBJ_IOC_BATCH,
};

/*
 * A command that is not one of ours: another magic, an unused number, or
 * one of ours with the wrong size or direction. Expect ENOTTY; the
 * argument is a buffer of junk (nothing may be read or written).
 */
static void op_bad_cmd(struct worker *w, struct slot *s)
{
	unsigned long cmd, base;
	uint32_t roll = rnd_below(&w->r, 100);
	size_t i;
	int ret;

	base = known_cmds[rnd_below(&w->r, ARRAY_SIZE(known_cmds))];
	if (roll < 40) {
		/* our magic and number, another size */
		unsigned long size = _IOC_SIZE(base);

		do {
			size = rnd_pct(&w->r, 50) ? size + 1 + rnd_below(&w->r, 64) :
			       rnd_below(&w->r, (uint32_t)_IOC_SIZE(base));
		} while (size == _IOC_SIZE(base));
		cmd = _IOC(_IOC_DIR(base), SOCKOBJ_IOC_MAGIC, _IOC_NR(base),
			   size & _IOC_SIZEMASK);
	} else if (roll < 55) {
		/* another direction */
		unsigned long dir = rnd_below(&w->r, 4);

		if (dir == _IOC_DIR(base))
			dir ^= 1;
		cmd = _IOC(dir, SOCKOBJ_IOC_MAGIC, _IOC_NR(base),
			   _IOC_SIZE(base));
	} else if (roll < 80) {
		/* a number of ours we do not use (yet) */
		cmd = _IOC(rnd_below(&w->r, 4), SOCKOBJ_IOC_MAGIC,
			   0x0D + rnd_below(&w->r, 0xF3),
			   rnd_below(&w->r, 512));
	} else {
		cmd = (uint32_t)rnd_next(&w->r);
	}
	for (i = 0; i < ARRAY_SIZE(known_cmds); i++)
		if (cmd == known_cmds[i])
			return;		/* rolled a real one: skip */
	if (vfs_cmd(cmd))
		return;
	memset(w->buf, 0xa5, 4096);
	ret = xioctl(s->fd, cmd, rnd_pct(&w->r, 80) ? (void *)w->buf : NULL);
	if (ret != -ENOTTY)
		VIOL(w, "unknown ioctl 0x%lx returned %d, not -ENOTTY", cmd, ret);
}

static void sigusr1(int sig)
{
	(void)sig;
}

/*
 * read(): sizes below, at and above a record, odd sizes, bad buffers;
 * sometimes blocking, interrupted by a timer signal (EINTR).
 */
static void op_read(struct worker *w, struct slot *s)
{
	static __thread struct sockobj_event ev[64];
	uint32_t roll = rnd_below(&w->r, 100);
	size_t size;
	void *buf = ev;
	uint64_t t0;
	ssize_t n;
	int block = 0, flags = 0, i;

	if (roll < 60)
		size = sizeof(ev);
	else if (roll < 75)
		size = (1 + rnd_below(&w->r, 64)) * sizeof(ev[0]) +
		       rnd_below(&w->r, 64);
	else if (roll < 85)
		size = rnd_below(&w->r, sizeof(ev[0]));	/* short: EINVAL */
	else if (roll < 92) {
		/* room for two records, the second one unmapped */
		long page = sysconf(_SC_PAGESIZE);

		buf = w->guard + page - sizeof(ev[0]);
		size = 2 * sizeof(ev[0]);
	} else if (roll < 95) {
		buf = w->ro;
		size = sizeof(ev[0]);
	} else {
		size = sizeof(ev);
		block = w->have_timer;
	}

	pthread_mutex_lock(&s->rd);
	if (block) {
		/*
		 * Periodic: a signal that lands before read() blocks must not
		 * leave it blocked for ever.
		 */
		struct itimerspec its = { .it_value.tv_nsec = 20000000,
					  .it_interval.tv_nsec = 20000000 };

		flags = fcntl(s->fd, F_GETFL);
		fcntl(s->fd, F_SETFL, flags & ~O_NONBLOCK);
		timer_settime(w->timer, 0, &its, NULL);
	}
	t0 = so_now_ns();
	n = read(s->fd, buf, size);
	if (n < 0)
		n = -errno;
	if (block) {
		struct itimerspec off = { 0 };

		timer_settime(w->timer, 0, &off, NULL);
		fcntl(s->fd, F_SETFL, flags);
	}
	if (n < 0) {
		check_ret(w, "read", (int)n, so_errs_read);
		if (n == -EINVAL && size >= sizeof(ev[0]))
			VIOL(w, "read of %zu bytes: EINVAL", size);
		if (n == -EINTR && !block)
			VIOL(w, "non-blocking read: EINTR");
	} else if (n % (ssize_t)sizeof(ev[0]) || (size_t)n > size ||
		   (n == 0)) {
		VIOL(w, "read of %zu bytes returned %zd", size, n);
	} else {
		for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++)
			check_record(w, s, (struct sockobj_event *)buf + i, t0);
	}
	pthread_mutex_unlock(&s->rd);
}

static void op_poll(struct worker *w, struct slot *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN | POLLOUT | POLLPRI };
	int ret = poll(&p, 1, (int)rnd_below(&w->r, 3));

	if (ret < 0 && errno != EINTR)	/* EINTR: a late timer signal */
		VIOL(w, "poll: %s", strerror(errno));
	else if (ret && (p.revents & ~(POLLIN | POLLRDNORM)))
		VIOL(w, "poll revents 0x%x", p.revents);
}

/* Close the file (every object goes) and open a new one (write lock). */
static void slot_reopen_locked(struct worker *w, struct slot *s)
{
	int i;

	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_lock(&s->mu);
	while (s->nlive)
		mark_gone_locked(s, s->live[0]);
	s->ndead = 0;
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_lock(&s->rd);
	memset(s->seen, 0, s->seen_bytes);
	s->gen++;
	pthread_mutex_unlock(&s->rd);
	s->fd = so_open(O_NONBLOCK);
	for (i = 0; s->fd < 0 && i < 100; i++) {
		so_sleep_ms(10);
		s->fd = so_open(O_NONBLOCK);
	}
	if (s->fd < 0)
		VIOL(w, "reopen %s: %s", SO_DEV_PATH, strerror(errno));
}

static void op_proc(struct worker *w)
{
	char buf[8192];
	int fd = open("/proc/sockobj", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		VIOL(w, "open /proc/sockobj: %s", strerror(errno));
		return;
	}
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* Lower a limit for a moment: creates meanwhile get EMFILE/EDQUOT. */
static void op_param(struct worker *w)
{
	int user = rnd_pct(&w->r, 50);
	const char *name = user ? "max_user_objects" : "max_objects";
	long orig = user ? FZ->orig_max_user_objects : FZ->orig_max_objects;
	long low = 1 + rnd_below(&w->r, 40);
	int i, ret;

	if (so_param_write(name, low))
		return;
	for (i = 0; i < 5; i++) {
		struct slot *s = &FZ->slots[rnd_below(&w->r, (uint32_t)FZ->nslots)];

		pthread_rwlock_rdlock(&s->rw);
		op_create(w, s);
		pthread_rwlock_unlock(&s->rw);
	}
	ret = so_param_write(name, orig);
	if (ret)
		VIOL(w, "restoring %s: %s", name, strerror(-ret));
	/* out-of-range values are refused */
	if (!so_param_write(name, 0))
		VIOL(w, "%s accepted 0", name);
	so_param_write(name, orig);
}

/* Flap the dummy interface (routes through it come and go). */
static void op_iface(struct worker *w)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "fz0");
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags = (short)(rnd_pct(&w->r, 50) ?
				ifr.ifr_flags & ~IFF_UP : ifr.ifr_flags | IFF_UP);
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

static enum op pick_op(struct worker *w)
{
	unsigned int i, roll, total = 0;

	for (i = 0; i < OP_NOPS; i++)
		total += op_weight[i];
	roll = rnd_below(&w->r, total);
	for (i = 0; i < OP_NOPS; i++) {
		if (roll < op_weight[i])
			return (enum op)i;
		roll -= op_weight[i];
	}
	return OP_GET_INFO;
}

static void run_op_on(struct worker *w, enum op op, struct slot *s);

static void run_op(struct worker *w, enum op op)
{
	struct slot *s = &FZ->slots[rnd_below(&w->r, (uint32_t)FZ->nslots)];
	struct oplog *l = &w->log[w->nlog++ % OPLOG_LEN];

	memset(l, 0, sizeof(*l));
	l->iter = w->iter;
	l->op = (uint8_t)op;
	l->slot = (uint8_t)s->idx;
	l->serial = UINT32_MAX;
	l->t0 = so_now_ns();
	w->cur = l;
	run_op_on(w, op, s);
	l->t1 = so_now_ns();
	w->cur = NULL;
}

static void run_op_on(struct worker *w, enum op op, struct slot *s)
{
	w->what = op_names[op];
	atomic_fetch_add(&FZ->calls[op], 1);
	switch (op) {
	case OP_REOPEN:
		pthread_rwlock_wrlock(&s->rw);
		slot_reopen_locked(w, s);
		pthread_rwlock_unlock(&s->rw);
		return;
	case OP_PROC:
		op_proc(w);
		return;
	case OP_PARAM:
		op_param(w);
		return;
	case OP_IFACE:
		op_iface(w);
		return;
	default:
		break;
	}
	/* crowded: destroy rather than create */
	if (op == OP_CREATE && s->nlive > LIVE_HIGH && rnd_pct(&w->r, 70))
		op = OP_DESTROY;
	if (w->cur)
		w->cur->op = (uint8_t)op;
	pthread_rwlock_rdlock(&s->rw);
	switch (op) {
	case OP_CREATE:
		op_create(w, s);
		break;
	case OP_CONFIGURE:
		op_configure(w, s);
		break;
	case OP_GET_CONFIG:
		op_get_config(w, s);
		break;
	case OP_CONNECT:
		op_simple(w, s, SOCKOBJ_IOC_CONNECT, "CONNECT", so_errs_connect, 0);
		break;
	case OP_DISCONNECT:
		op_simple(w, s, SOCKOBJ_IOC_DISCONNECT, "DISCONNECT",
			  so_errs_disconnect, 0);
		break;
	case OP_ABORT:
		op_simple(w, s, SOCKOBJ_IOC_ABORT, "ABORT", so_errs_abort, 0);
		break;
	case OP_DESTROY:
		op_remove(w, s, 0);
		break;
	case OP_GET_INFO:
		op_get_info(w, s);
		break;
	case OP_SEND:
		op_io(w, s, 0);
		break;
	case OP_RECV:
		op_io(w, s, 1);
		break;
	case OP_HANDOFF:
		op_remove(w, s, 1);
		break;
	case OP_BATCH:
		op_batch(w, s);
		break;
	case OP_GET_API:
		op_get_api(w, s);
		break;
	case OP_BAD_CMD:
		op_bad_cmd(w, s);
		break;
	case OP_READ:
		op_read(w, s);
		break;
	case OP_POLL:
		op_poll(w, s);
		break;
	default:
		break;
	}
	pthread_rwlock_unlock(&s->rw);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	long page = sysconf(_SC_PAGESIZE);
	struct sigevent sev = { 0 };

	w->buf = malloc(131072 + 64);
	w->guard = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w->ro = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!w->buf || w->guard == MAP_FAILED || w->ro == MAP_FAILED) {
		VIOL(w, "out of memory in the test");
		return NULL;
	}
	mprotect(w->guard + page, (size_t)page, PROT_NONE);
	mprotect(w->ro, (size_t)page, PROT_READ);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	w->have_timer = !timer_create(CLOCK_MONOTONIC, &sev, &w->timer);

	while (!atomic_load(&FZ->stop)) {
		w->iter = atomic_fetch_add(&FZ->iter, 1);
		if (w->iter >= opt_iters)
			break;
		run_op(w, pick_op(w));
		if (w->iter && w->iter % (opt_iters / 10 ? opt_iters / 10 : 1) == 0)
			printf("# ... %ld iterations after %.1f s, %ld records, "
			       "%ld violations\n", w->iter,
			       (double)(so_now_ns() - FZ->t0) / 1e9,
			       atomic_load(&FZ->records),
			       atomic_load(&FZ->violations));
	}
	if (w->have_timer)
		timer_delete(w->timer);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Setup and the end                                                      */
/* ---------------------------------------------------------------------- */

static void set_target(int t, const char *ip, __u16 port, __u32 scope)
{
	if (so_addr(&FZ->targets[t], ip, port))
		return;
	FZ->targets[t].scope_id = scope;
	FZ->have_target[t] = 1;
}

/* Write @val to tracefs file @name of FZ->tracing; 0 or -1. */
static int trace_write(const char *name, const char *val)
{
	char path[160];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", FZ->tracing, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * The kernel's record of every id given and taken back, for the reports:
 * on when tracefs has our events (a kernel with tracing), with room for
 * the last few hundred thousand of them.
 */
static void id_trace_start(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path),
			 "%s/events/sockobj/sockobj_id_publish/enable", dirs[i]);
		if (!access(path, W_OK)) {
			snprintf(FZ->tracing, sizeof(FZ->tracing), "%s", dirs[i]);
			break;
		}
	}
	if (!FZ->tracing[0])
		return;
	if (trace_write("buffer_size_kb", "8192") ||
	    trace_write("trace", "") ||
	    trace_write("events/sockobj/sockobj_id_publish/enable", "1") ||
	    trace_write("events/sockobj/sockobj_id_release/enable", "1") ||
	    trace_write("tracing_on", "1"))
		FZ->tracing[0] = 0;
}

static void id_trace_stop(void)
{
	if (!FZ->tracing[0])
		return;
	trace_write("events/sockobj/sockobj_id_publish/enable", "0");
	trace_write("events/sockobj/sockobj_id_release/enable", "0");
	trace_write("trace", "");
}

static int fz_setup(struct __test_metadata *_metadata)
{
	__u16 base = robust_port(0);
	int i, lport4, lport6, uport4, uport6;
	struct rnd r = { opt_seed ^ 0x5eed };

	FZ = calloc(1, sizeof(*FZ));
	ASSERT_NE(NULL, FZ);
	pthread_mutex_init(&FZ->print_lock, NULL);
	FZ->cap = (uint32_t)(opt_iters + 4096);
	FZ->objs = calloc(FZ->cap, sizeof(*FZ->objs));
	ASSERT_NE(NULL, FZ->objs);
	FZ->cookie_base = 0x1000000000000000ULL |
			  (rnd_next(&r) & 0x0fffffff00000000ULL);
	EXPECT_EQ(0, so_param_read("max_objects", &FZ->orig_max_objects));
	EXPECT_EQ(0, so_param_read("max_user_objects",
				   &FZ->orig_max_user_objects));

	/* a network of our own */
	ASSERT_EQ(0, so_netns_private());
	FZ->lo_index = (int)if_nametoindex("lo");
	if (so_sh("ip link add fz0 type dummy && ip addr add 192.168.77.1/24 "
		  "dev fz0 && ip link set fz0 up") == 0)
		FZ->dummy_index = (int)if_nametoindex("fz0");
	else
		TH_LOG("no dummy interface: its targets are skipped");
	if (so_nft_input_rule(NULL, "tcp dport 7 drop"))
		TH_LOG("nft not usable: no silently dropping target");
	else
		set_target(T_DROP4, "127.0.0.1", 7, 0);
	ASSERT_EQ(0, robust_raise_nofile(8192));

	peer_init(&FZ->peer, opt_seed ^ 0x9eed);
	FZ->peer.pct[PEER_FIN_NOW] = 10;
	FZ->peer.pct[PEER_RST_NOW] = 10;
	FZ->peer.pct[PEER_FIN_LATER] = 15;
	FZ->peer.pct[PEER_RST_LATER] = 15;
	FZ->peer.pct[PEER_SHUT_WR] = 10;
	FZ->peer.pct[PEER_HOLD] = 10;
	FZ->peer.later_ms = 300;
	lport4 = peer_add_tcp(&FZ->peer, "127.0.0.1", base, 64);
	lport6 = peer_add_tcp(&FZ->peer, "::1", base, 64);
	uport4 = peer_add_udp(&FZ->peer, "127.0.0.1", (__u16)(base + 1));
	uport6 = peer_add_udp(&FZ->peer, "::1", (__u16)(base + 1));
	ASSERT_LT(0, lport4);
	ASSERT_LT(0, lport6);
	ASSERT_LT(0, uport4);
	ASSERT_LT(0, uport6);
	ASSERT_EQ(0, peer_start(&FZ->peer));
	set_target(T_LISTEN4, "127.0.0.1", (__u16)lport4, 0);
	set_target(T_LISTEN6, "::1", (__u16)lport6, 0);
	set_target(T_UDP4, "127.0.0.1", (__u16)uport4, 0);
	set_target(T_UDP6, "::1", (__u16)uport6, 0);
	set_target(T_REFUSED4, "127.0.0.1", (__u16)(base + 2), 0);
	set_target(T_REFUSED6, "::1", (__u16)(base + 2), 0);
	set_target(T_UDPCLOSED4, "127.0.0.1", (__u16)(base + 3), 0);
	if (FZ->dummy_index)
		set_target(T_DUMMY4, "192.168.77.2", 80, 0);
	set_target(T_NOROUTE4, "10.255.0.1", 80, 0);
	set_target(T_NOROUTE6, "2001:db8::1", 80, 0);
	set_target(T_LL6, "fe80::1", 80, (__u32)FZ->lo_index);
	set_target(T_BCAST4, "255.255.255.255", 9, 0);

	FZ->nslots = opt_files;
	for (i = 0; i < FZ->nslots; i++) {
		struct slot *s = &FZ->slots[i];

		s->idx = i;
		pthread_rwlock_init(&s->rw, NULL);
		pthread_mutex_init(&s->mu, NULL);
		pthread_mutex_init(&s->rd, NULL);
		s->seen_bytes = 4096;
		s->seen = calloc(1, s->seen_bytes);
		s->fd = so_open(O_NONBLOCK);
		ASSERT_LE(0, s->fd);
	}
	return 0;
}

/* Read every pending record of a slot (single-threaded by now). */
static void drain(struct worker *w, struct slot *s, int settle_ms)
{
	struct sockobj_event ev[128];
	uint64_t quiet_since = so_now_ns();
	long total = 0;

	for (;;) {
		uint64_t t0 = so_now_ns();
		ssize_t n = read(s->fd, ev, sizeof(ev));
		int i;

		if (n > 0) {
			for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++)
				check_record(w, s, &ev[i], t0);
			quiet_since = so_now_ns();
			total += n / (ssize_t)sizeof(ev[0]);
			if (total > 200000) {
				VIOL(w, "file %d: records never stop coming",
				     s->idx);
				return;
			}
			continue;
		}
		if (n < 0 && errno != EAGAIN) {
			VIOL(w, "drain read: %s", strerror(errno));
			return;
		}
		if (so_now_ns() - quiet_since > (uint64_t)settle_ms * 1000000ULL)
			return;
		so_sleep_ms(5);
	}
}

/* Abort everything, read everything, compare records with GET_INFO. */
static void fuzz_final_check(struct worker *w)
{
	int i, j;
	long checked = 0;

	w->what = "final check";
	for (i = 0; i < FZ->nslots; i++) {
		struct slot *s = &FZ->slots[i];

		for (j = 0; j < s->nlive; j++) {
			struct fobj *o = &FZ->objs[s->live[j]];
			int ret = so_abort(s->fd, atomic_load(&o->id));

			if (ret && ret != -ENOTCONN &&
			    !(ret == -ENOENT && atomic_load(&o->uncertain)))
				VIOL(w, "final ABORT(%u): %s", atomic_load(&o->id),
				     strerror(-ret));
		}
		drain(w, s, so_debug_kernel() ? 1000 : 300);
		for (j = 0; j < s->nlive; j++) {
			uint32_t serial = s->live[j];
			struct fobj *o = &FZ->objs[serial];
			uint32_t id = atomic_load(&o->id);
			struct sockobj_info info;
			int ret = so_get_info(s->fd, id, &info);

			if (ret) {
				if (!atomic_load(&o->uncertain))
					VIOL(w, "object %u (serial %u) vanished: "
					     "GET_INFO %s", id, serial,
					     strerror(-ret));
				continue;
			}
			if (info.cookie != cookie_of(serial)) {
				if (!atomic_load(&o->uncertain))
					VIOL(w, "id %u holds cookie 0x%llx, "
					     "expected 0x%llx", id,
					     (unsigned long long)info.cookie,
					     (unsigned long long)cookie_of(serial));
				continue;
			}
			checked++;
			if (info.state != SOCKOBJ_STATE_CLOSED || info.pending)
				VIOL(w, "id %u after ABORT and drain: state %s, "
				     "%u records pending", id,
				     so_state_name(info.state), info.pending);
			if (!o->nstate) {
				if (info.connect_ns || info.reason)
					VIOL(w, "id %u: connected (reason %s) but "
					     "no record was ever read", id,
					     so_reason_name(info.reason));
				continue;
			}
			if (o->last_state != info.state ||
			    o->closed_reason != info.reason ||
			    o->closed_phase != info.phase ||
			    o->closed_error != info.error ||
			    o->closed_ts != info.closed_ns ||
			    o->connect_ts != info.connect_ns ||
			    o->established_ts != info.established_ns)
				VIOL(w, "id %u: records and GET_INFO disagree "
				     "(a record was lost?): last record %s "
				     "reason %s phase %s error %d ts c/e/x "
				     "%llu/%llu/%llu; info %s reason %s phase "
				     "%s error %d ts %llu/%llu/%llu", id,
				     so_state_name(o->last_state),
				     so_reason_name(o->closed_reason),
				     so_state_name(o->closed_phase),
				     o->closed_error,
				     (unsigned long long)o->connect_ts,
				     (unsigned long long)o->established_ts,
				     (unsigned long long)o->closed_ts,
				     so_state_name(info.state),
				     so_reason_name(info.reason),
				     so_state_name(info.phase), info.error,
				     (unsigned long long)info.connect_ns,
				     (unsigned long long)info.established_ns,
				     (unsigned long long)info.closed_ns);
		}
	}
	printf("# final check: %ld live objects compared with their records\n",
	       checked);
}

/* After the files are closed, /proc/sockobj shows nothing of this process */
static void check_proc_empty(struct worker *w)
{
	char line[512], me[32];
	FILE *f = fopen("/proc/sockobj", "re");
	int n = 0;

	if (!f) {
		VIOL(w, "/proc/sockobj: %s", strerror(errno));
		return;
	}
	snprintf(me, sizeof(me), " %d ", (int)getpid());
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		if (sp && !strncmp(sp, me, strlen(me)) && n++ < 3)
			VIOL(w, "after close, /proc/sockobj still lists: %s", line);
	}
	fclose(f);
}

static void fuzz_print_stats(double secs)
{
	int i;

	printf("# fuzz: %ld iterations in %.1f s (%d threads, %d files), "
	       "%ld records checked (%ld state records merged), %ld CONNECTs started, "
	       "%ld fds handed off, %ld bytes sent, %ld received, peer: %lu "
	       "accepted, %lu FIN, %lu RST, %lu datagrams\n",
	       opt_iters, secs, opt_threads, FZ->nslots,
	       atomic_load(&FZ->records), atomic_load(&FZ->merged_records),
	       atomic_load(&FZ->connects), atomic_load(&FZ->fds_handed),
	       atomic_load(&FZ->bytes_sent), atomic_load(&FZ->bytes_recv),
	       atomic_load(&FZ->peer.accepted), atomic_load(&FZ->peer.fins),
	       atomic_load(&FZ->peer.rsts), atomic_load(&FZ->peer.dgrams));
	printf("# fuzz: calls:");
	for (i = 0; i < OP_NOPS; i++)
		printf(" %s=%ld", op_names[i], atomic_load(&FZ->calls[i]));
	printf("\n");
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	SO_REQUIRE_DEVICE();
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* The whole random run; see the top of the file. */
/* The budget is the child's, from -T or -n: the harness only backs it up. */
TEST_F_TIMEOUT(fuzz, random_calls, 7 * 24 * 3600)
{
	ROBUST_IN_CHILD((int)opt_budget_s, {
		struct sigaction sa = { .sa_handler = sigusr1 };  /* no SA_RESTART */
		struct worker *ws, main_w = { .idx = -1 };
		uint64_t t0;
		int i;

		sigaction(SIGUSR1, &sa, NULL);
		fz_setup(_metadata);
		ws = calloc((size_t)opt_threads, sizeof(*ws));
		ASSERT_NE(NULL, ws);
		FZ->workers = ws;
		FZ->nworkers = opt_threads;
		id_trace_start();
		t0 = so_now_ns();
		FZ->t0 = t0;
		for (i = 0; i < opt_threads; i++) {
			ws[i].idx = i;
			ws[i].r.s = opt_seed * 0x100000001b3ULL + (uint64_t)i;
			ASSERT_EQ(0, pthread_create(&ws[i].thread, NULL,
						    worker_main, &ws[i]));
		}
		for (i = 0; i < opt_threads; i++)
			pthread_join(ws[i].thread, NULL);
		fuzz_print_stats((double)(so_now_ns() - t0) / 1e9);
		id_trace_stop();

		fuzz_final_check(&main_w);
		for (i = 0; i < FZ->nslots; i++)
			if (FZ->slots[i].fd >= 0)
				close(FZ->slots[i].fd);
		check_proc_empty(&main_w);
		peer_stop(&FZ->peer, 1);
		so_param_write("max_objects", FZ->orig_max_objects);
		so_param_write("max_user_objects", FZ->orig_max_user_objects);
		printf("# fuzz: %ld violations of the contract (seed 0x%llx)\n",
		       atomic_load(&FZ->violations),
		       (unsigned long long)opt_seed);
		ASSERT_EQ(0, atomic_load(&FZ->violations));
	});
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = so_now_ns() + ns;

	while (so_now_ns() < end)
		;
}

/*
 * DESTROY while the connection changes state on its own: the peer closes
 * (FIN) or resets every connection as soon as it accepts it, and we destroy
 * the object a random moment (0..200 us) after CONNECT returned. Records
 * of the object pending at DESTROY are discarded and "no event of that id
 * follows": a read() after DESTROY returned must never see the object.
 */
static void destroy_races(struct __test_metadata *_metadata)
{
	int rounds = so_debug_kernel() ? 1500 : 6000, i, fd, pfin, prst;
	long late = 0, records = 0;
	uint64_t t0 = so_now_ns(), dmin = UINT64_MAX, dmax = 0, span;
	struct rnd r = { opt_seed ^ 0xde57 };
	struct peer p;

	ASSERT_EQ(0, so_netns_private());
	peer_init(&p, opt_seed);
	pfin = peer_add_tcp_act(&p, "127.0.0.1", 0, 1024, PEER_FIN_NOW);
	prst = peer_add_tcp_act(&p, "127.0.0.1", 0, 1024, PEER_RST_NOW);
	ASSERT_LT(0, pfin);
	ASSERT_LT(0, prst);
	ASSERT_EQ(0, peer_start(&p));
	fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd);
	/*
	 * When does the peer's FIN or RST reach the object after CONNECT
	 * returned? (record timestamps are CLOCK_MONOTONIC, like ours)
	 */
	for (i = 0; i < 20; i++) {
		struct sockobj_event e;
		uint64_t tc;
		__u32 id;

		ASSERT_EQ(0, so_new(fd, (__u64)i, "127.0.0.1",
				    (__u16)(i & 1 ? prst : pfin), &id));
		ASSERT_EQ(0, so_connect(fd, id));
		tc = so_now_ns();
		while (so_next_state_event(fd, id, &e, so_tmo(2000)) == 1)
			if (e.state == SOCKOBJ_STATE_PEER_CLOSING ||
			    e.state == SOCKOBJ_STATE_CLOSED) {
				uint64_t d = e.timestamp_ns > tc ?
					     e.timestamp_ns - tc : 0;

				dmin = d < dmin ? d : dmin;
				dmax = d > dmax ? d : dmax;
				break;
			}
		ASSERT_EQ(0, so_destroy(fd, id, SOCKOBJ_DESTROY_ABORT));
	}
	so_close(fd);
	fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd);
	if (dmin == UINT64_MAX)
		dmin = dmax = 100000;
	/* destroy anywhere from well before to well after the peer's close */
	if (dmax > 20000000)
		dmax = 20000000;
	if (dmin > dmax)
		dmin = dmax;
	span = dmax + dmax / 2 + 20000;
	for (i = 0; i < rounds; i++) {
		if (so_now_ns() - t0 > (so_debug_kernel() ? 20 : 12) * 1000000000ULL)
			break;		/* enough time spent */
		struct sockobj_event ev[64];
		__u32 id;
		int n, k, reads = 0;

		ASSERT_EQ(0, so_new(fd, (__u64)i, "127.0.0.1",
				    (__u16)(i & 1 ? prst : pfin), &id));
		ASSERT_EQ(0, so_connect(fd, id));
		spin_ns(dmin / 2 + rnd_below(&r, (uint32_t)span));
		ASSERT_EQ(0, so_destroy(fd, id, i & 2 ? SOCKOBJ_DESTROY_ABORT : 0));
		/* every record now is of an object already destroyed */
		while ((n = so_read_events(fd, ev, 64, 0)) > 0 && reads++ < 100) {
			records += n;
			for (k = 0; k < n; k++)
				if (late++ < 5)
					fprintf(stderr, "# record of id %u (cookie "
						"%llu) %s <- %s read after its "
						"DESTROY returned (round %d)\n",
						ev[k].id,
						(unsigned long long)ev[k].cookie,
						so_state_name(ev[k].state),
						so_state_name(ev[k].prev_state), i);
		}
		if (late > 100)
			break;		/* a stale record that never goes */
	}
	printf("# destroy races: %d rounds in %.1f s (the peer's FIN/RST came "
	       "%llu..%llu us after CONNECT), %ld records after DESTROY\n", i,
	       (double)(so_now_ns() - t0) / 1e9,
	       (unsigned long long)dmin / 1000, (unsigned long long)dmax / 1000,
	       records);
	close(fd);
	peer_stop(&p, 1);
	EXPECT_EQ(0, late);
}

TEST_F_TIMEOUT(fuzz, destroy_races_callbacks, 150)
{
	ROBUST_IN_CHILD(130, destroy_races(_metadata));
}

/*
 * RECV while the peer resets the connection: RECV hammers an ESTABLISHED
 * object whose peer closes with a RST a moment later. RECV's documented
 * errors are ENOENT, EINVAL, EFAULT, ENOTCONN and EAGAIN (unlike SEND,
 * "the socket's error" is not among them).
 */
static void recv_vs_reset(struct __test_metadata *_metadata)
{
	int rounds = so_debug_kernel() ? 400 : 2000, i, fd, prst;
	long calls = 0, bad = 0, hist[256] = { 0 };
	uint64_t t0 = so_now_ns();
	struct peer p;
	char buf[256];

	ASSERT_EQ(0, so_netns_private());
	peer_init(&p, opt_seed);
	p.later_ms = 3;
	prst = peer_add_tcp_act(&p, "127.0.0.1", 0, 1024, PEER_RST_LATER);
	ASSERT_LT(0, prst);
	ASSERT_EQ(0, peer_start(&p));
	fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd);
	for (i = 0; i < rounds; i++) {
		struct sockobj_io io = { .buf = (uintptr_t)buf, .len = sizeof(buf) };
		struct sockobj_event ev[16];
		uint64_t end;
		int ret;

		if (so_now_ns() - t0 > (so_debug_kernel() ? 12 : 8) * 1000000000ULL)
			break;
		ASSERT_EQ(0, so_new(fd, (__u64)i, "127.0.0.1", (__u16)prst, &io.id));
		ASSERT_EQ(0, so_connect(fd, io.id));
		end = so_now_ns() + (uint64_t)so_tmo(1000) * 1000000ULL;
		do {
			ret = so_ioctl(fd, SOCKOBJ_IOC_RECV, &io);
			calls++;
			if (ret < 0 && -ret < 256)
				hist[-ret]++;
			if (ret < 0 && !so_err_allowed(so_errs_recv, -ret) &&
			    bad++ < 5)
				fprintf(stderr, "# RECV while the peer resets: "
					"undocumented errno %d (%s)\n", -ret,
					strerror(-ret));
		} while (ret != -ENOTCONN && so_now_ns() < end);
		so_destroy(fd, io.id, SOCKOBJ_DESTROY_ABORT);
		while (so_read_events(fd, ev, 16, 0) > 0)
			;
	}
	printf("# recv vs reset: %d connections reset under RECV, %ld RECV calls "
	       "(EAGAIN %ld, ENOTCONN %ld, ECONNRESET %ld), %ld undocumented\n",
	       i, calls, hist[EAGAIN], hist[ENOTCONN], hist[ECONNRESET], bad);
	close(fd);
	peer_stop(&p, 1);
	EXPECT_EQ(0, bad);
}

TEST_F_TIMEOUT(fuzz, recv_vs_reset, 100)
{
	ROBUST_IN_CHILD(80, recv_vs_reset(_metadata));
}

struct race {
	int fd;
	atomic_uint id;
	atomic_int stop;
	atomic_long delay_ns;		/* how long the racers wait */
	atomic_long calls, bad, hits;
	pthread_barrier_t bar;
};


/*
 * Racer 0 issues DISCONNECT, racer 1 a second HANDOFF, racer 2 SEND and
 * GET_INFO: each after a random delay in [0, delay_ns] from the start of
 * the main thread's HANDOFF, so that some arrive while HANDOFF holds the
 * object's lock and take it right after.
 */
struct racer {
	struct race *r;
	int role;
};

static void *race_thread(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;
	struct rnd rn = { (uint64_t)me->role * 7919 + 1 };
	char buf[64];

	for (;;) {
		struct sockobj_io io = { .buf = (uintptr_t)buf, .len = sizeof(buf) };
		struct sockobj_info info;
		const char *name;
		const int *errs;
		uint32_t id;
		int ret;

		pthread_barrier_wait(&r->bar);
		if (atomic_load(&r->stop))
			return NULL;
		id = atomic_load(&r->id);
		spin_ns(rnd_below(&rn, (uint32_t)atomic_load(&r->delay_ns) + 1));
		switch (me->role) {
		case 0:
			name = "DISCONNECT";
			errs = so_errs_disconnect;
			ret = so_disconnect(r->fd, id);
			break;
		case 1:
			name = "HANDOFF";
			errs = so_errs_handoff;
			ret = so_handoff(r->fd, id, 0);
			if (ret >= 0) {
				close(ret);
				atomic_fetch_add(&r->hits, 1);
				ret = 0;
			}
			break;
		default:
			io.id = id;
			name = "SEND";
			errs = so_errs_send;
			ret = so_ioctl(r->fd, SOCKOBJ_IOC_SEND, &io);
			if (!ret || ret == -EAGAIN) {
				name = "GET_INFO";
				errs = so_errs_get_info;
				ret = so_get_info(r->fd, id, &info);
			}
			break;
		}
		atomic_fetch_add(&r->calls, 1);
		if (ret < 0 && !so_err_allowed(errs, -ret)) {
			fprintf(stderr, "# %s racing HANDOFF: %s\n", name,
				strerror(-ret));
			atomic_fetch_add(&r->bad, 1);
		}
		pthread_barrier_wait(&r->bar);
	}
}

/*
 * HANDOFF releases the object's lock before the object leaves the table
 * and before it is marked dead; the object still says ESTABLISHED but has
 * no socket any more. DISCONNECT, a second HANDOFF and SEND/GET_INFO of
 * the same id race with it. Every call must return a documented errno,
 * at most one HANDOFF may succeed, and the kernel must survive.
 */
static void handoff_races(struct __test_metadata *_metadata)
{
	int rounds = so_debug_kernel() ? 400 : 600, round, fd, lport, hfd, i;
	struct racer racers[3];
	uint64_t total_ns = 0, tstart = so_now_ns();
	pthread_t th[3];
	struct race r;
	struct peer p;

	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, so_netns_private());
	peer_init(&p, opt_seed);
	lport = peer_add_tcp(&p, "127.0.0.1", 0, 256);
	ASSERT_LT(0, lport);
	ASSERT_EQ(0, peer_start(&p));
	fd = so_open(0);
	ASSERT_LE(0, fd);
	r.fd = fd;
	atomic_store(&r.delay_ns, 20000);
	ASSERT_EQ(0, pthread_barrier_init(&r.bar, NULL, 4));
	for (i = 0; i < 3; i++) {
		racers[i].r = &r;
		racers[i].role = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, race_thread,
					    &racers[i]));
	}
	for (round = 0; round < rounds; round++) {
		struct sockobj_event ev[16];
		uint64_t t0;

		if (so_now_ns() - tstart > (so_debug_kernel() ? 20 : 12) *
		    1000000000ULL)
			break;		/* enough time spent */
		__u32 id = 0;

		ASSERT_EQ(0, so_new(fd, 1000 + (__u64)round, "127.0.0.1",
				    (__u16)lport, &id));
		ASSERT_EQ(0, so_connect(fd, id));
		ASSERT_EQ(0, so_wait_state(fd, id, SOCKOBJ_STATE_ESTABLISHED,
					   so_tmo(5000)));
		while (so_read_events(fd, ev, 16, 0) > 0)
			;
		atomic_store(&r.id, id);
		pthread_barrier_wait(&r.bar);
		t0 = so_now_ns();
		hfd = so_handoff(fd, id, 0);
		total_ns += so_now_ns() - t0;
		/* the racers start within about twice a HANDOFF's time */
		atomic_store(&r.delay_ns, (long)(2 * total_ns / (uint64_t)(round + 1)));
		if (hfd >= 0) {
			close(hfd);
			atomic_fetch_add(&r.hits, 1);
		} else if (!so_err_allowed(so_errs_handoff, -hfd)) {
			fprintf(stderr, "# HANDOFF: %s\n", strerror(-hfd));
			atomic_fetch_add(&r.bad, 1);
		}
		pthread_barrier_wait(&r.bar);
		so_destroy(fd, id, SOCKOBJ_DESTROY_ABORT);
		while (so_read_events(fd, ev, 16, 0) > 0)
			;
	}
	atomic_store(&r.stop, 1);
	pthread_barrier_wait(&r.bar);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("# handoff races: %d rounds in %.1f s, %ld racing calls, %ld fds "
	       "handed off, HANDOFF takes %llu us on average\n", round,
	       (double)(so_now_ns() - tstart) / 1e9,
	       atomic_load(&r.calls), atomic_load(&r.hits),
	       (unsigned long long)(total_ns / (uint64_t)(round ? round : 1) / 1000));
	close(fd);
	peer_stop(&p, 1);
	EXPECT_EQ(0, atomic_load(&r.bad));
	EXPECT_GE(round, atomic_load(&r.hits));
}

TEST_F_TIMEOUT(fuzz, handoff_races, 150)
{
	ROBUST_IN_CHILD(130, handoff_races(_metadata));
}

ROBUST_HARNESS_MAIN("fuzz_ioctl", parse_opts)
