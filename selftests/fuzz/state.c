// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioctl: Options, the run's state, violation reports and the objects'
 * bookkeeping.
 */
#define SO_NO_HARNESS
#include "fuzz.h"

long opt_iters = -1;
uint64_t opt_seed;
int opt_threads = 4;
int opt_files = 3;
int opt_verbose;
long opt_budget_s;

int parse_opts(int argc, char **argv)
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

struct fz *FZ;

const char *const op_names[OP_NOPS] = {
	"create", "configure", "get_config", "connect", "disconnect",
	"abort", "destroy", "get_info", "send", "recv", "handoff", "batch",
	"get_api", "bad_cmd", "read", "poll", "reopen", "proc", "param",
	"iface", "retry", "listen", "ring",
};

/* Relative weights of the operations. */
const unsigned int op_weight[OP_NOPS] = {
	[OP_CREATE] = 90, [OP_CONFIGURE] = 110, [OP_GET_CONFIG] = 40,
	[OP_CONNECT] = 90, [OP_DISCONNECT] = 45, [OP_ABORT] = 30,
	[OP_DESTROY] = 70, [OP_GET_INFO] = 60, [OP_SEND] = 80,
	[OP_RECV] = 80, [OP_HANDOFF] = 15, [OP_BATCH] = 30,
	[OP_GET_API] = 10, [OP_BAD_CMD] = 50, [OP_READ] = 120,
	[OP_POLL] = 30, [OP_REOPEN] = 1, [OP_PROC] = 2, [OP_PARAM] = 2,
	[OP_IFACE] = 2, [OP_RETRY] = 20, [OP_LISTEN] = 40, [OP_RING] = 40,
};

/* What the running operation acted on and what it got. */
void note(struct worker *w, uint32_t id, uint32_t serial, int ret)
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

void violation(struct worker *w, int line, const char *fmt, ...)
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
int check_ret(struct worker *w, const char *name, int ret,
	      const int *errs)
{
	if (ret >= 0)
		return ret;
	if (!so_err_allowed(errs, -ret))
		VIOL(w, "%s returned undocumented errno %d (%s)", name, -ret,
		     strerror(-ret));
	return ret;
}

int xioctl(int fd, unsigned long cmd, void *arg)
{
	long r = syscall(SYS_ioctl, fd, cmd, arg);

	return r < 0 ? -errno : (int)r;
}

/* ---------------------------------------------------------------------- */
/* Objects bookkeeping                                                    */
/* ---------------------------------------------------------------------- */

uint32_t new_serial(struct slot *s, uint8_t proto)
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

__u64 cookie_of(uint32_t serial)
{
	return FZ->cookie_base + serial;
}

/*
 * Slot mu held. line, and by (the serial whose CREATE returned the id, or
 * UINT32_MAX): how it was learnt, for the violation reports.
 */
void mark_gone_at(struct slot *s, uint32_t serial, int line,
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

/* The trace of the run's tracing instance, for reading (not consuming). */
static FILE *trace_open(void)
{
	char path[96];

	if (!FZ->tracing[0])
		return NULL;
	snprintf(path, sizeof(path), "%s/trace", FZ->tracing);
	return fopen(path, "re");
}

/*
 * What the kernel did with an id, from the sockobj_id_* tracepoints: the
 * last publications and releases of @id in any file, with the serial each
 * cookie stands for. The trace is read, not consumed.
 */
static void dump_id_trace(uint32_t id)
{
	char line[256], want[24], last[24][256];
	unsigned int n = 0, i;
	FILE *f = trace_open();

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
 * Every publication and release of the objects of two serials (by cookie),
 * wherever they fall in the trace: the id's last events may all be later.
 */
static void dump_serials_trace(uint32_t a, uint32_t b)
{
	char line[256], ca[32], cb[32];
	unsigned int n = 0;
	FILE *f = trace_open();

	if (!f)
		return;
	snprintf(ca, sizeof(ca), "cookie=0x%llx ", (unsigned long long)cookie_of(a));
	snprintf(cb, sizeof(cb), "cookie=0x%llx ", (unsigned long long)cookie_of(b));
	printf("#   the kernel's publications/releases of serials %u and %u:\n",
	       a, b);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "sockobj_id_") &&
		    (strstr(line, ca) || strstr(line, cb)) && n++ < 16)
			printf("#     %.*s\n", (int)strcspn(line, "\n"), line);
	fclose(f);
	if (!n)
		printf("#     (none left in the trace buffer)\n");
}

/*
 * After a violation about an object wrongly thought gone: when a CREATE's
 * returned id is what said so, the rest of the story.
 */
void print_gone_story(uint32_t serial)
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
	dump_serials_trace(serial, by);
	dump_id_trace(atomic_load(&o->id));
}

/* Record the id a CREATE returned (slot mu held). */
void register_locked(struct worker *w, struct slot *s, uint32_t serial,
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
	return s->live[so_rnd_below(&w->r, (uint32_t)s->nlive)];
}

uint32_t live_by_id_locked(struct slot *s, uint32_t id)
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
uint32_t pick_id_locked(struct worker *w, struct slot *s,
			uint32_t *serial)
{
	uint32_t roll = so_rnd_below(&w->r, 100);

	*serial = UINT32_MAX;
	if (roll < 80 && s->nlive) {
		*serial = pick_live_locked(w, s);
		return atomic_load(&FZ->objs[*serial].id);
	}
	if (roll < 90 && s->ndead) {
		unsigned int n = s->ndead < ARRAY_SIZE(s->recent_dead) ?
				 s->ndead : ARRAY_SIZE(s->recent_dead);

		return s->recent_dead[so_rnd_below(&w->r, n)];
	}
	if (roll < 97)
		return so_rnd_below(&w->r, 130);
	return (uint32_t)so_rnd_next(&w->r);
}
