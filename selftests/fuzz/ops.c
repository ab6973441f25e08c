// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioctl: Bad pointers, generators, the operations and the worker threads.
 */
#define SO_NO_HARNESS
#include <liburing.h>

#include "fuzz.h"

static const uintptr_t wild_ptrs[] = {
	0, 1, 0x1000, 0xffff888000000000ULL, 0xffffffffff600000ULL,
	0x8000000000000000ULL, 0x7ffffffff000ULL, (uintptr_t)-1,
};

enum ptr_kind { P_GOOD, P_NULL, P_WILD, P_STRADDLE, P_GUARD, P_RO };

/* The local ports LISTEN prefers and T_OBJ4 connects to. */
#define OBJ_PORTS	8

/*
 * Where to put an ioctl argument of size len: its address (the caller
 * writes the struct there unless it is P_RO, where the content is copied
 * now), and the kind.
 */
static void *arg_place(struct worker *w, void *good, size_t len,
		       enum ptr_kind *kind)
{
	uint32_t roll = so_rnd_below(&w->r, 1000);
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
		return (void *)wild_ptrs[so_rnd_below(&w->r, ARRAY_SIZE(wild_ptrs))];
	}
	if (roll < 980) {
		/* the struct's tail runs into the PROT_NONE page */
		size_t cut = 1 + so_rnd_below(&w->r, (uint32_t)len - 1);

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
	if (so_rnd_pct(&w->r, pct)) {
		uint8_t *b = p;
		int n = 1 + (int)so_rnd_below(&w->r, 3);

		while (n--)
			b[so_rnd_below(&w->r, (uint32_t)len)] ^=
				(uint8_t)(1 + so_rnd_below(&w->r, 255));
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
	uint32_t roll = so_rnd_below(&w->r, 100);
	int t;

	if (roll < 3) {
		so_rnd_fill(&w->r, a, sizeof(*a));
		if (so_rnd_pct(&w->r, 50))
			a->family = so_rnd_pct(&w->r, 50) ? AF_INET : AF_INET6;
		return;
	}
	if (proto == SOCKOBJ_PROTO_UDP && roll < 60)
		t = so_rnd_pct(&w->r, 80) ? (so_rnd_pct(&w->r, 50) ? T_UDP4 : T_UDP6) :
		    (so_rnd_pct(&w->r, 50) ? T_UDPCLOSED4 : T_BCAST4);
	else if (roll < 55)
		t = so_rnd_pct(&w->r, 60) ? T_LISTEN4 : T_LISTEN6;
	else if (roll < 65)
		t = T_OBJ4;	/* LISTENING objects, TCP or UDP */
	else
		t = (int)so_rnd_below(&w->r, T_NTARGETS);
	if (!FZ->have_target[t])
		t = T_LISTEN4;
	*a = FZ->targets[t];
	if (t == T_OBJ4)
		a->port = (__u16)(40000 + so_rnd_below(&w->r, OBJ_PORTS));
}

static void gen_local(struct worker *w, struct sockobj_addr *a,
		      const struct sockobj_addr *target)
{
	int v6 = target->family == AF_INET6;
	uint32_t roll = so_rnd_below(&w->r, 100);

	memset(a, 0, sizeof(*a));
	if (roll < 10)
		return;				/* family 0: unset */
	so_addr(a, v6 ? "::1" : "127.0.0.1", 0);
	if (roll < 30)
		a->port = (__u16)(40000 + so_rnd_below(&w->r, 64));  /* clashes */
	else if (roll < 40)
		a->port = (__u16)(1 + so_rnd_below(&w->r, 1023));	   /* low */
	else if (roll < 55)
		so_addr(a, v6 ? "::" : "0.0.0.0",
			(__u16)(41000 + so_rnd_below(&w->r, 64)));
	else if (roll < 65)
		so_addr(a, v6 ? "2001:db8::99" : "192.0.2.99", 0); /* not ours */
	else if (roll < 72)
		so_addr(a, v6 ? "127.0.0.1" : "::1", 0);	   /* mismatch */
	else if (roll < 75)
		so_rnd_fill(&w->r, a, sizeof(*a));
}

static uint32_t gen_opt(struct worker *w, uint32_t lo, uint32_t hi)
{
	uint32_t roll = so_rnd_below(&w->r, 100);

	if (roll < 15)
		return 0;
	if (roll < 80)
		return lo + so_rnd_below(&w->r, hi - lo + 1);
	return so_rnd_u32_edgy(&w->r);
}

static void gen_config(struct worker *w, struct sockobj_config *c, uint32_t id,
		       uint8_t proto)
{
	uint64_t mask = 0;
	uint32_t roll;

	memset(c, 0, sizeof(*c));
	c->id = id;
	if (so_rnd_pct(&w->r, 75))
		mask |= SOCKOBJ_CFG_TARGET;
	while (so_rnd_pct(&w->r, 45))
		mask |= 1ULL << so_rnd_below(&w->r, 15);
	if (so_rnd_pct(&w->r, 2))
		mask |= 1ULL << (15 + so_rnd_below(&w->r, 49));	/* unknown */
	if (so_rnd_pct(&w->r, 2))
		mask = 0;
	c->mask = mask;
	if (mask & SOCKOBJ_CFG_TARGET)
		gen_target(w, &c->target, proto);
	if (mask & SOCKOBJ_CFG_LOCAL)
		gen_local(w, &c->local, &c->target);
	if (mask & SOCKOBJ_CFG_IFACE) {
		roll = so_rnd_below(&w->r, 100);
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
			c->ifindex = so_rnd_u32_edgy(&w->r);
		/* else: 0, unset */
	}
	if (mask & SOCKOBJ_CFG_CONNECT_TIMEOUT)
		c->connect_timeout_ms = so_rnd_pct(&w->r, 80) ?
			30 + so_rnd_below(&w->r, 400) : so_rnd_u32_edgy(&w->r);
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
	if (so_rnd_pct(&w->r, 2))
		c->id = id;		/* keep the id most of the time */
}

/* A data buffer for SEND/RECV: address and length. */
static void gen_buffer(struct worker *w, int recv, __u64 *buf, __u64 *len)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t roll = so_rnd_below(&w->r, 100);

	/* pages that come late: the call waits inside its user copy */
	if (roll < 4 && slowpage_buf(&w->r, buf, len))
		return;
	if (roll < 80) {
		*len = so_rnd_pct(&w->r, 70) ? so_rnd_below(&w->r, 4096) :
					    so_rnd_below(&w->r, 131072);
		*buf = (uintptr_t)w->buf;
		if (!recv)
			so_rnd_fill(&w->r, w->buf, *len > 64 ? 64 : *len);
	} else if (roll < 84) {
		*buf = 0;
		*len = so_rnd_pct(&w->r, 50) ? 0 : 1 + so_rnd_below(&w->r, 100);
	} else if (roll < 90) {
		/* runs into the PROT_NONE page */
		uint32_t before = 1 + so_rnd_below(&w->r, (uint32_t)page);

		*buf = (uintptr_t)(w->guard + page - before);
		*len = before + so_rnd_below(&w->r, 4096);
	} else if (roll < 94) {
		*buf = (uintptr_t)w->ro;	/* recv: not writable */
		*len = 1 + so_rnd_below(&w->r, (uint32_t)page);
	} else if (roll < 97) {
		*buf = wild_ptrs[so_rnd_below(&w->r, ARRAY_SIZE(wild_ptrs))];
		*len = 1 + so_rnd_below(&w->r, 4096);
	} else {
		/* huge: the copy runs into the PROT_NONE page */
		*buf = (uintptr_t)(w->guard + page - 64);
		*len = so_rnd_pct(&w->r, 50) ? (1ULL << 40) : ~0ULL;
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

	proto = so_rnd_pct(&w->r, 75) ? SOCKOBJ_PROTO_TCP : SOCKOBJ_PROTO_UDP;
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
	if (so_rnd_pct(&w->r, 3))
		c.proto = so_rnd_u32_edgy(&w->r);
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
	note_config(s, &c);
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

/*
 * SET_RETRY and GET_RETRY: a valid policy (short waits, few or unlimited
 * attempts, any reasons and flags), no policy (all zero), or one wrong
 * three ways at once, so that no flipped byte makes it valid (EINVAL or
 * ENOENT, never 0). GET_RETRY reads a policy that parses, or zeros.
 */
static void op_retry(struct worker *w, struct slot *s)
{
	struct sockobj_retry r;
	enum ptr_kind kind;
	uint32_t serial;
	int set = so_rnd_pct(&w->r, 60), bad = 0;
	void *arg;
	int ret;

	memset(&r, 0, sizeof(r));
	pthread_mutex_lock(&s->mu);
	r.id = pick_id_locked(w, s, &serial);
	pthread_mutex_unlock(&s->mu);
	if (set && so_rnd_pct(&w->r, 40)) {
		r.max_attempts = so_rnd_pct(&w->r, 20) ? SOCKOBJ_RETRY_UNLIMITED :
				 1 + so_rnd_below(&w->r, 5);
		r.delay_ms = 1 + so_rnd_below(&w->r, 50);
		r.max_delay_ms = r.delay_ms + so_rnd_below(&w->r, 200);
		r.factor_pct = 100 + so_rnd_below(&w->r, 301);
		r.jitter = so_rnd_below(&w->r, 3);
		r.flags = so_rnd_below(&w->r, SOCKOBJ_RETRY_F_ALL + 1);
		if (so_rnd_pct(&w->r, 50))
			r.reasons = ((uint64_t)so_rnd_next(&w->r) &
				     SOCKOBJ_RETRY_REASONS_ALL) ?:
				    SOCKOBJ_RETRY_REASONS_DEFAULT;
	} else if (set && so_rnd_pct(&w->r, 60)) {
		bad = 1;
		r.max_attempts = so_rnd_next(&w->r);
		r.delay_ms = 0;
		r.factor_pct = so_rnd_below(&w->r, 100);
		r.jitter = 3 + so_rnd_below(&w->r, 100);
		r.max_delay_ms = so_rnd_next(&w->r);
		r.reasons = ((uint64_t)so_rnd_next(&w->r) << 32) | so_rnd_next(&w->r);
		r.flags = so_rnd_pct(&w->r, 50) ? so_rnd_next(&w->r) : 0;
		if (so_rnd_pct(&w->r, 10))
			r.pad = 1;
		if (so_rnd_pct(&w->r, 10))
			r.reserved[so_rnd_below(&w->r, 2)] = 1;
	} else if (!set && so_rnd_pct(&w->r, 5)) {
		bad = 1;	/* GET_RETRY with an input byte set */
		r.reasons = 1;
	}
	arg = arg_place(w, &r, sizeof(r), &kind);
	if (set) {
		ret = check_ret(w, "SET_RETRY",
				xioctl(s->fd, SOCKOBJ_IOC_SET_RETRY, arg),
				so_errs_set_retry);
		if (ret == 0 && (bad || (kind != P_GOOD && kind != P_RO)))
			VIOL(w, "SET_RETRY(%u) accepted %s", r.id,
			     bad ? "an invalid policy" : "a bad pointer");
		if (ret == -EINVAL && !bad && (kind == P_GOOD || kind == P_RO))
			VIOL(w, "SET_RETRY(%u) refused removing the policy", r.id);
		return;
	}
	ret = check_ret(w, "GET_RETRY", xioctl(s->fd, SOCKOBJ_IOC_GET_RETRY, arg),
			so_errs_get_retry);
	if (ret == 0 && (bad || kind != P_GOOD))
		VIOL(w, "GET_RETRY(%u) accepted %s", r.id,
		     bad ? "a non-zero input" : "a bad pointer");
	else if (ret == 0 && (r.pad || r.reserved[0] || r.reserved[1] ||
			      (r.max_attempts ?
			       (!r.delay_ms || r.max_delay_ms < r.delay_ms ||
				r.factor_pct < 100 || r.factor_pct > 1000 ||
				r.jitter > SOCKOBJ_JITTER_EQUAL ||
				!r.reasons ||
				(r.reasons & ~SOCKOBJ_RETRY_REASONS_ALL) ||
				(r.flags & ~SOCKOBJ_RETRY_F_ALL)) :
			       (r.delay_ms || r.max_delay_ms || r.factor_pct ||
				r.jitter || r.flags || r.reasons))))
		VIOL(w, "GET_RETRY(%u): a policy SET_RETRY cannot have set "
		     "(max %u delay %u..%u factor %u jitter %u flags 0x%x "
		     "reasons 0x%llx)", r.id, r.max_attempts, r.delay_ms,
		     r.max_delay_ms, r.factor_pct, r.jitter, r.flags,
		     (unsigned long long)r.reasons);
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
	if (flags_ok && so_rnd_pct(&w->r, 50))
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
		if (so_rnd_pct(&w->r, 50))
			op.flags = SOCKOBJ_HANDOFF_NONBLOCK;
	} else if (so_rnd_pct(&w->r, 50)) {
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
		if (so_rnd_pct(&w->r, 50))
			send(ret, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		recv(ret, b, sizeof(b), MSG_DONTWAIT);
		if (so_rnd_pct(&w->r, 30))
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
	    /* a time of the next attempt exactly while one is awaited */
	    (info.state == SOCKOBJ_STATE_RETRY_WAIT) != !!info.retry_at_ns ||
	    (info.proto != SOCKOBJ_PROTO_TCP && info.proto != SOCKOBJ_PROTO_UDP) ||
	    info.pending > SOCKOBJ_OBJ_RECORDS + 4 || !info.created_ns)
		VIOL(w, "GET_INFO(%u) output: state %u reason %u phase %u pad "
		     "%u retry_at %llu retries %u proto %u pending %u", info.id,
		     info.state, info.reason, info.phase, info.pad,
		     (unsigned long long)info.retry_at_ns, info.retries,
		     info.proto, info.pending);
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

/*
 * SOCKOBJ_IOC_LISTEN: objects whose local port is in gen_local()'s clash
 * range listen, and CONNECTs to T_OBJ4 reach them (object to object).
 */
static void op_listen(struct worker *w, struct slot *s)
{
	struct sockobj_listen l;
	enum ptr_kind kind;
	uint32_t serial;
	void *arg;
	int ret;

	memset(&l, 0, sizeof(l));
	pthread_mutex_lock(&s->mu);
	l.id = pick_id_locked(w, s, &serial);
	pthread_mutex_unlock(&s->mu);
	/* mostly on one of the few ports T_OBJ4 aims at */
	if (so_rnd_pct(&w->r, 60)) {
		struct sockobj_config c = { .id = l.id, .mask = SOCKOBJ_CFG_LOCAL };

		so_addr(&c.local, "127.0.0.1",
			(__u16)(40000 + so_rnd_below(&w->r, OBJ_PORTS)));
		xioctl(s->fd, SOCKOBJ_IOC_CONFIGURE, &c);
	}
	l.inconmode = so_rnd_pct(&w->r, 90) ? SOCKOBJ_INCON_ANY + so_rnd_below(&w->r, 3) :
		      so_rnd_u32_edgy(&w->r);
	if (so_rnd_pct(&w->r, 30))
		l.backlog = so_rnd_pct(&w->r, 50) ? so_rnd_below(&w->r, 8) :
			    so_rnd_next(&w->r);
	if (so_rnd_pct(&w->r, 50))
		l.reconmode = so_rnd_pct(&w->r, 95) ? so_rnd_below(&w->r, 4) :
			      so_rnd_u32_edgy(&w->r);
	maybe_corrupt(w, &l, sizeof(l), 3);
	arg = arg_place(w, &l, sizeof(l), &kind);
	ret = check_ret(w, "LISTEN", xioctl(s->fd, SOCKOBJ_IOC_LISTEN, arg),
			so_errs_listen);
	note(w, l.id, serial, ret);
	if (ret == 0 && kind != P_GOOD && kind != P_RO)
		VIOL(w, "LISTEN with a bad pointer succeeded");
	if (ret == 0 && (l.flags || l.pad || l.reserved ||
			 l.inconmode < SOCKOBJ_INCON_ANY ||
			 l.inconmode > SOCKOBJ_INCON_TARGET ||
			 l.reconmode > SOCKOBJ_RECON_ANY))
		VIOL(w, "LISTEN accepted flags 0x%x inconmode %u reconmode %u",
		     l.flags, l.inconmode, l.reconmode);
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
	if (recv && so_rnd_pct(&w->r, 20))
		io.flags = SOCKOBJ_IO_PEEK;
	if (so_rnd_pct(&w->r, 20))		/* outputs: their input is ignored */
		io.done = io.full_len = so_rnd_next(&w->r);
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

/*
 * The worker's io_uring of 128-byte SQEs (API version 10's passthrough),
 * made on first use; NULL when io_uring is unavailable or the module has
 * no passthrough (both said once by the run's own checks elsewhere).
 */
static struct io_uring *worker_ring(struct worker *w, int fd)
{
	struct sockobj_api api;
	struct io_uring *ring;

	if (w->ring || w->no_ring)
		return w->ring;
	w->no_ring = 1;
	if (so_get_api(fd, &api) || !(api.features & SOCKOBJ_FEAT_URING_CMD))
		return NULL;
	ring = calloc(1, sizeof(*ring));
	if (!ring || io_uring_queue_init(8, ring, IORING_SETUP_SQE128)) {
		free(ring);
		return NULL;
	}
	w->no_ring = 0;
	w->ring = ring;
	return ring;
}

/*
 * The ops of a batch as IORING_OP_URING_CMD SQEs on fd, one at a time in
 * order as a batch runs them, some through an io-wq worker (IOSQE_ASYNC),
 * their results into ops[].result. Some SQEs get a wrong cmd_op, result
 * or reserved word: each must give exactly -ENOTTY or -EINVAL (and so run
 * nothing), marked in skip[]; so is an op the kernel refused with
 * -EINVAL, as a batch holding it would have been. An id of 0 names no
 * object here (-ENOENT).
 */
static void uring_ops(struct worker *w, struct io_uring *ring, int fd,
		      struct sockobj_batch_op *ops, uint32_t n, int *skip)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct sockobj_uring_cmd c = { .op = ops[i] };
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
		struct io_uring_cqe *cqe;
		int want = 0, ret;

		skip[i] = 1;
		if (!sqe) {
			VIOL(w, "io_uring: no free SQE");
			continue;
		}
		c.op.result = 0;
		memset(sqe, 0, 2 * sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd;
		sqe->cmd_op = SOCKOBJ_URING_OP;
		if (so_rnd_pct(&w->r, 3)) {
			sqe->cmd_op = so_rnd_u32_edgy(&w->r);
			if (sqe->cmd_op != SOCKOBJ_URING_OP)
				want = -ENOTTY;
		} else if (so_rnd_pct(&w->r, 3)) {
			c.reserved[so_rnd_below(&w->r, 6)] =
				so_rnd_u32_edgy(&w->r) | 1;
			want = -EINVAL;
		} else if (so_rnd_pct(&w->r, 2)) {
			c.op.result = (__s32)(so_rnd_u32_edgy(&w->r) | 1);
			want = -EINVAL;
		}
		memcpy(sqe->cmd, &c, sizeof(c));
		if (so_rnd_pct(&w->r, 10)) {
			sqe->flags |= IOSQE_ASYNC;
			atomic_fetch_add(&FZ->uring_async, 1);
		}
		ret = io_uring_submit(ring);
		if (ret != 1) {
			VIOL(w, "io_uring_submit: %d", ret);
			continue;
		}
		/* the worker's timer signal may interrupt the wait */
		do
			ret = io_uring_wait_cqe(ring, &cqe);
		while (ret == -EINTR);
		if (ret) {
			VIOL(w, "io_uring_wait_cqe: %d", ret);
			continue;
		}
		ops[i].result = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		atomic_fetch_add(&FZ->uring_sqes, 1);
		if (want)
			atomic_fetch_add(&FZ->uring_refused, 1);
		if (want && ops[i].result != want)
			VIOL(w, "URING_CMD op %u: res %d where %d was due",
			     ops[i].op, ops[i].result, want);
		if (!want && ops[i].op != SOCKOBJ_OP_CREATE && !ops[i].id &&
		    ops[i].result != -ENOENT && ops[i].result != -EINVAL)
			VIOL(w, "URING_CMD op %u on id 0: res %d", ops[i].op,
			     ops[i].result);
		if (!want && (ops[i].op < 1 || ops[i].op > 10) &&
		    ops[i].result != -EINVAL)
			VIOL(w, "URING_CMD ran unknown op %u: res %d", ops[i].op,
			     ops[i].result);
		skip[i] = want || ops[i].result == -EINVAL;
	}
}

/* SOCKOBJ_IOC_BATCH: a few random ops. */
static void op_batch(struct worker *w, struct slot *s)
{
	struct sockobj_batch_op ops[10];
	struct sockobj_create creates[10];
	struct sockobj_config cfgs[10];
	struct iovec vecs[10][4];
	uint32_t serials[10], targets[10];
	static __thread struct sockobj_event evs[16];
	struct sockobj_batch b = { 0 };
	uint32_t i, n = 1 + so_rnd_below(&w->r, 8), last_create = UINT32_MAX;
	uint32_t pair_id = 0, pair_serial = UINT32_MAX, asked = 0, h0 = 0;
	int pairs = so_rnd_pct(&w->r, 15);
	/* records in the same call (API version 8): read in order, as read() */
	int take = so_rnd_pct(&w->r, 25);
	/* or each op as an io_uring SQE (API version 10), without records */
	struct io_uring *ring = so_rnd_pct(&w->r, 15) ?
				worker_ring(w, s->fd) : NULL;
	int skip[10] = { 0 };
	enum ptr_kind kind;
	int ret, has_destroy = 0, ncreate = 0;
	uint64_t t0 = 0;
	void *arg;

	if (ring)
		take = 0;
	memset(ops, 0, sizeof(ops));
	if (take)
		pthread_mutex_lock(&s->rd);	/* before mu, as op_read() */
	pthread_mutex_lock(&s->mu);
	/*
	 * One object closed and connected again, up to four times in one
	 * call: each new attempt begins while the timers and work of the one
	 * before may still be on their way (short timeouts come from
	 * gen_config()).
	 */
	if (pairs) {
		n = 2 * (1 + so_rnd_below(&w->r, 4));
		pair_id = pick_id_locked(w, s, &pair_serial);
		if (pair_id && pair_serial == UINT32_MAX)
			pair_serial = live_by_id_locked(s, pair_id);
	}
	for (i = 0; i < n; i++) {
		struct sockobj_batch_op *o = &ops[i];
		uint32_t serial;

		serials[i] = targets[i] = UINT32_MAX;
		if (pairs) {
			o->op = i % 2 ? SOCKOBJ_OP_CONNECT :
				so_rnd_pct(&w->r, 50) ? SOCKOBJ_OP_DISCONNECT :
							 SOCKOBJ_OP_ABORT;
			o->id = pair_id;
			targets[i] = pair_id ? pair_serial : UINT32_MAX;
			continue;
		}
		o->op = 1 + so_rnd_below(&w->r, 10);
		if (so_rnd_pct(&w->r, 3))
			o->op = so_rnd_u32_edgy(&w->r);
		if (o->op == SOCKOBJ_OP_CREATE) {
			uint8_t proto = so_rnd_pct(&w->r, 75) ? SOCKOBJ_PROTO_TCP :
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
		o->id = so_rnd_pct(&w->r, 40) ? 0 : pick_id_locked(w, s, &serial);
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
			note_config(s, &cfgs[i]);
			o->arg = (uintptr_t)&cfgs[i];
			break;
		case SOCKOBJ_OP_SEND:
			gen_buffer(w, 0, &o->arg, &o->len);
			break;
		case SOCKOBJ_OP_RECV:
			gen_buffer(w, 1, &o->arg, &o->len);
			if (so_rnd_pct(&w->r, 20))
				o->flags = SOCKOBJ_IO_PEEK;
			break;
		case SOCKOBJ_OP_SENDV:
		case SOCKOBJ_OP_RECVV: {
			/* 0..4 of gen_buffer()'s buffers, bad ones included */
			uint32_t k, nv = so_rnd_below(&w->r, 5);
			int recv = o->op == SOCKOBJ_OP_RECVV;

			for (k = 0; k < nv; k++) {
				__u64 base, len;

				gen_buffer(w, recv, &base, &len);
				vecs[i][k].iov_base = (void *)(uintptr_t)base;
				vecs[i][k].iov_len = (size_t)len;
			}
			o->arg = nv || so_rnd_pct(&w->r, 50) ? (uintptr_t)vecs[i] : 0;
			o->len = nv;
			if (recv && so_rnd_pct(&w->r, 20))
				o->flags = SOCKOBJ_IO_PEEK;
			break;
		}
		case SOCKOBJ_OP_DESTROY:
			has_destroy = 1;
			if (so_rnd_pct(&w->r, 50))
				o->flags = SOCKOBJ_DESTROY_ABORT;
			break;
		}
	}
	/*
	 * A destroy of an untracked id could hit a pending create; so could
	 * a second destroy of one id: the first frees it, and a create in
	 * flight (another thread's, or this batch's) may take it before the
	 * second runs, which would then remove that object while our books
	 * hold it live (seen: GET_INFO answered for an object "gone").
	 */
	for (i = 0; has_destroy && i < n; i++) {
		uint32_t k;

		if (ops[i].op != SOCKOBJ_OP_DESTROY || !ops[i].id)
			continue;
		for (k = 0; k < i; k++)
			if (ops[k].op == SOCKOBJ_OP_DESTROY &&
			    ops[k].id == ops[i].id)
				break;
		if (k < i || removal_may_hit_pending_locked(s, targets[i]))
			ops[i].op = SOCKOBJ_OP_ABORT;
	}
	s->pending += ncreate;
	if (!has_destroy)
		pthread_mutex_unlock(&s->mu);

	/*
	 * Not op and id: a destroy of an object we do not know of would
	 * leave our books wrong.
	 */
	if (so_rnd_pct(&w->r, 3)) {
		uint32_t k = so_rnd_below(&w->r, n);
		__u64 old_arg = ops[k].arg, old_len = ops[k].len;

		maybe_corrupt_range(w, &ops[k],
				    offsetof(struct sockobj_batch_op, flags),
				    sizeof(ops[k]), 100);
		/*
		 * A RECV writes where arg and len say: a flipped byte could aim
		 * it at our own heap or stack (gen_buffer() has the bad
		 * buffers that are safe to receive into).
		 */
		if (ops[k].op == SOCKOBJ_OP_RECV || ops[k].op == SOCKOBJ_OP_RECVV) {
			ops[k].arg = old_arg;
			ops[k].len = old_len;
		}
		/*
		 * Nor a CREATE's argument: a flipped low byte can aim it at
		 * another struct sockobj_create of ours (this batch's, or a
		 * stale one of an earlier batch in creates[]), making an
		 * object with another serial's cookie.
		 */
		if (ops[k].op == SOCKOBJ_OP_CREATE)
			ops[k].arg = old_arg;
		/* a configuration read from who knows where */
		if (ops[k].op == SOCKOBJ_OP_CONFIGURE)
			atomic_store(&s->timeouts_unknown, 1);
		if (ops[k].op == SOCKOBJ_OP_DESTROY && ops[k].id &&
		    removal_may_hit_pending_locked(s, targets[k]))
			ops[k].flags |= 0x80;	/* invalid: nothing runs */
	}
	b.count = n;
	b.ops = (uintptr_t)ops;
	if (so_rnd_pct(&w->r, 30))
		b.flags = SOCKOBJ_BATCH_STOP;
	/* count 0 is valid with events: never with them */
	if (so_rnd_pct(&w->r, 2))
		b.count = so_rnd_pct(&w->r, 50) && !take ? 0 : SOCKOBJ_BATCH_MAX + 1;
	if (so_rnd_pct(&w->r, 2))
		b.ops = wild_ptrs[so_rnd_below(&w->r, ARRAY_SIZE(wild_ptrs))];
	if (take) {
		b.events = (uintptr_t)evs;
		b.nevents = asked = 1 + so_rnd_below(&w->r, ARRAY_SIZE(evs));
		if (so_rnd_pct(&w->r, 50)) {
			b.flags |= SOCKOBJ_BATCH_WAIT;
			b.wait_ms = so_rnd_below(&w->r, 4);
		}
	}
	/* flags, done, wait_ms, events, nevents, reserved; never count */
	maybe_corrupt_range(w, &b, offsetof(struct sockobj_batch, flags),
			    sizeof(b), 2);
	/*
	 * The kernel writes records where events and nevents say: never into
	 * memory of ours other than evs, and never more than evs holds; nor
	 * a wait of minutes.
	 */
	if (b.events != (uintptr_t)evs)
		b.events = 0;
	if (b.nevents > ARRAY_SIZE(evs) && b.nevents <= SOCKOBJ_BATCH_EVENTS_MAX)
		b.nevents = ARRAY_SIZE(evs);
	if (b.wait_ms > 10)
		b.wait_ms = 10;
	asked = b.events ? b.nevents : 0;
	if (ring) {
		uring_ops(w, ring, s->fd, ops, n, skip);
		b = (struct sockobj_batch){ .ops = (uintptr_t)ops, .count = n,
					    .done = n };
		kind = P_GOOD;
		ret = 0;
	} else {
		arg = arg_place(w, &b, sizeof(b), &kind);
		h0 = take ? ring_pre_take(w, s) : 0;
		t0 = so_now_ns();
		ret = check_ret(w, "BATCH",
				xioctl(s->fd, SOCKOBJ_IOC_BATCH, arg),
				so_errs_batch);
	}
	if (take && ret == 0 && kind == P_GOOD) {
		if (b.nevents > asked) {
			VIOL(w, "BATCH took %u records, asked %u", b.nevents, asked);
		} else {
			for (i = 0; i < b.nevents; i++)
				check_record(w, s, &evs[i],
					     ring_t_read(s, h0, (int)i, t0));
			ring_post_take(w, s, h0, (int)b.nevents, "BATCH's events");
		}
	} else if (take && ret == -EINVAL && kind == P_GOOD) {
		ring_post_take(w, s, h0, 0, "a refused BATCH");
	}

	if (w->cur) {
		size_t off = 0;

		/* op letter, id (0: the last created), result when known */
		for (i = 0; i < n && off < sizeof(w->cur->detail); i++)
			off += (size_t)snprintf(w->cur->detail + off,
						sizeof(w->cur->detail) - off,
						"%c%u=%d ", "?CFNSDAXRsr"[ops[i].op < 11 ?
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
			/* an iovec array of more than 8 is allocated */
			static const int errs_recvv[] = {
				ENOENT, EINVAL, EFAULT, ENOTCONN, EAGAIN, ENOMEM, 0 };
			static const int *const errs[11] = {
				NULL, so_errs_create, so_errs_configure,
				so_errs_connect, so_errs_send,
				so_errs_disconnect, so_errs_abort,
				so_errs_destroy, so_errs_recv,
				so_errs_send, errs_recvv,
			};
			uint32_t t = targets[i];

			/* refused as a whole: ran nothing (uring_ops()) */
			if (skip[i])
				continue;
			if (o->op < 1 || o->op > 10) {
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
	if (take)
		pthread_mutex_unlock(&s->rd);
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
	SOCKOBJ_IOC_BATCH, SOCKOBJ_IOC_SET_RETRY, SOCKOBJ_IOC_GET_RETRY,
	SOCKOBJ_IOC_LISTEN, SOCKOBJ_IOC_RING_SETUP,
};

/*
 * A command that is not one of ours: another magic, an unused number, or
 * one of ours with the wrong size or direction. Expect ENOTTY; the
 * argument is a buffer of junk (nothing may be read or written).
 */
static void op_bad_cmd(struct worker *w, struct slot *s)
{
	unsigned long cmd, base;
	uint32_t roll = so_rnd_below(&w->r, 100);
	size_t i;
	int ret;

	base = known_cmds[so_rnd_below(&w->r, ARRAY_SIZE(known_cmds))];
	if (roll < 40) {
		/* our magic and number, another size */
		unsigned long size = _IOC_SIZE(base);

		do {
			size = so_rnd_pct(&w->r, 50) ? size + 1 + so_rnd_below(&w->r, 64) :
			       so_rnd_below(&w->r, (uint32_t)_IOC_SIZE(base));
		} while (size == _IOC_SIZE(base));
		cmd = _IOC(_IOC_DIR(base), SOCKOBJ_IOC_MAGIC, _IOC_NR(base),
			   size & _IOC_SIZEMASK);
	} else if (roll < 55) {
		/* another direction */
		unsigned long dir = so_rnd_below(&w->r, 4);

		if (dir == _IOC_DIR(base))
			dir ^= 1;
		cmd = _IOC(dir, SOCKOBJ_IOC_MAGIC, _IOC_NR(base),
			   _IOC_SIZE(base));
	} else if (roll < 80) {
		/* a number of ours we do not use (yet) */
		cmd = _IOC(so_rnd_below(&w->r, 4), SOCKOBJ_IOC_MAGIC,
			   0x11 + so_rnd_below(&w->r, 0xEF),
			   so_rnd_below(&w->r, 512));
	} else {
		cmd = (uint32_t)so_rnd_next(&w->r);
	}
	for (i = 0; i < ARRAY_SIZE(known_cmds); i++)
		if (cmd == known_cmds[i])
			return;		/* rolled a real one: skip */
	if (vfs_cmd(cmd))
		return;
	memset(w->buf, 0xa5, 4096);
	ret = xioctl(s->fd, cmd, so_rnd_pct(&w->r, 80) ? (void *)w->buf : NULL);
	if (ret != -ENOTTY)
		VIOL(w, "unknown ioctl 0x%lx returned %d, not -ENOTTY", cmd, ret);
}

void sigusr1(int sig)
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
	uint32_t roll = so_rnd_below(&w->r, 100);
	size_t size;
	void *buf = ev;
	uint64_t t0;
	ssize_t n;
	uint32_t h0;
	int block = 0, flags = 0, i;

	if (roll < 60)
		size = sizeof(ev);
	else if (roll < 75)
		size = (1 + so_rnd_below(&w->r, 64)) * sizeof(ev[0]) +
		       so_rnd_below(&w->r, 64);
	else if (roll < 85)
		size = so_rnd_below(&w->r, sizeof(ev[0]));	/* short: EINVAL */
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
	/* a file with a mapped ring: half the time, as an event loop would */
	if (so_rnd_pct(&w->r, 50) && ring_event_loop(w, s)) {
		pthread_mutex_unlock(&s->rd);
		return;
	}
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
	h0 = ring_pre_take(w, s);
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
			check_record(w, s, (struct sockobj_event *)buf + i,
				     ring_t_read(s, h0, i, t0));
	}
	ring_post_take(w, s, h0, n > 0 ? (int)(n / (ssize_t)sizeof(ev[0])) : 0,
		       "read()");
	pthread_mutex_unlock(&s->rd);
}

static void op_poll(struct worker *w, struct slot *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN | POLLOUT | POLLPRI };
	int ret = poll(&p, 1, (int)so_rnd_below(&w->r, 3));

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
	ring_forget(w, s);
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
	int fd = open("/proc/net/sockobj", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		VIOL(w, "open /proc/net/sockobj: %s", strerror(errno));
		return;
	}
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* Lower a limit for a moment: creates meanwhile get EMFILE/EDQUOT. */
static void op_param(struct worker *w)
{
	int user = so_rnd_pct(&w->r, 50);
	const char *name = user ? "max_user_objects" : "max_objects";
	long orig = user ? FZ->orig_max_user_objects : FZ->orig_max_objects;
	long low = 1 + so_rnd_below(&w->r, 40);
	int i, ret;

	if (so_param_write(name, low))
		return;
	for (i = 0; i < 5; i++) {
		struct slot *s = &FZ->slots[so_rnd_below(&w->r, (uint32_t)FZ->nslots)];

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
		ifr.ifr_flags = (short)(so_rnd_pct(&w->r, 50) ?
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
	roll = so_rnd_below(&w->r, total);
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
	struct slot *s = &FZ->slots[so_rnd_below(&w->r, (uint32_t)FZ->nslots)];
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
	if (op == OP_CREATE && s->nlive > LIVE_HIGH && so_rnd_pct(&w->r, 70))
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
	case OP_RETRY:
		op_retry(w, s);
		break;
	case OP_LISTEN:
		op_listen(w, s);
		break;
	case OP_RING:
		op_ring(w, s);
		break;
	default:
		break;
	}
	pthread_rwlock_unlock(&s->rw);
}

void *worker_main(void *arg)
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
	if (w->ring) {
		io_uring_queue_exit(w->ring);
		free(w->ring);
	}
	return NULL;
}
