// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioctl: the mapped record ring (API version 11).
 *
 * OP_RING gives a file a ring (random sizes, some refused: EINVAL; a second
 * one: EBUSY; mmap() before it: ENODEV), maps it after mappings that must
 * fail (a non-zero offset, a length above size, MAP_PRIVATE: EINVAL), and
 * later takes records from it, maps it a second time, or writes a head out
 * of range (read() and a batch's events must then fail with EINVAL, and
 * nothing may come into the ring) before writing it back.
 *
 * From the setup on, a file's records are taken three ways, all under the
 * slot's rd mutex: straight from the ring (ring_take(), the event loop of
 * a program: load-acquire of tail, store-release of head; poll() first
 * when the ring is empty and SOCKOBJ_RING_PENDING is set), by read() and
 * by a batch's events, which take them from the ring's head too and must
 * advance head by exactly the records they return. Each is checked by
 * check_record() like a record read. Its check that no record of an
 * object comes after the object was gone needs the time the record
 * entered the ring (records in the ring at DESTROY stay there); it is
 * bounded from below by the time of the last load of tail that did not
 * include it yet (rlow[]).
 *
 * Also checked: tail never goes back nor more than entries ahead of head;
 * poll() reports POLLIN while the ring holds a record; the module writes
 * no slot the program has not released (the records taken are compared
 * with their slots again just before head is released), and every slot
 * below tail holds a record (slots taken are zeroed, which a record is
 * not, before head is released); the ring flags hold no unknown bit.
 */
#define SO_NO_HARNESS
#include <poll.h>

#include "fuzz.h"

/* read() and the batch's events must have taken records from the ring */
static const int errs_ring_setup[] = { EINVAL, EBUSY, ENOMEM, EFAULT, 0 };

static uint32_t ring_head(const struct slot *s)
{
	return __atomic_load_n(s->rhead, __ATOMIC_RELAXED);	/* ours */
}

/*
 * Load tail and note that the records new since the last load entered the
 * ring after that load. rd held, head in range. Returns tail.
 */
static uint32_t ring_observe(struct worker *w, struct slot *s)
{
	uint64_t t = so_now_ns();
	uint32_t tail = __atomic_load_n(s->rtail, __ATOMIC_ACQUIRE);
	uint32_t head = ring_head(s), j, flags;

	if ((int32_t)(tail - s->rtail_seen) < 0 || tail - head > s->rmask + 1) {
		VIOL(w, "file %d: ring tail %u after %u, head %u, %u entries",
		     s->idx, tail, s->rtail_seen, head, s->rmask + 1);
		return s->rtail_seen;
	}
	flags = __atomic_load_n(s->rflags, __ATOMIC_RELAXED);
	if (flags & ~SOCKOBJ_RING_PENDING)
		VIOL(w, "file %d: ring flags 0x%x", s->idx, flags);
	j = (int32_t)(head - s->rtail_seen) > 0 ? head : s->rtail_seen;
	for (; j != tail; j++)
		s->rlow[j & s->rmask] = s->rt_seen;
	s->rtail_seen = tail;
	s->rt_seen = t;
	return tail;
}

/*
 * The time after which the record at index i entered the ring, for
 * check_record()'s "read after the object was gone": a record below the
 * last tail loaded came after the load before; one above it, after that
 * last load.
 */
static uint64_t ring_bound(const struct slot *s, uint32_t i)
{
	return (int32_t)(i - s->rtail_seen) < 0 ? s->rlow[i & s->rmask] :
	       s->rt_seen;
}

/**
 * ring_pre_take() - before read() or a batch takes records of a file
 * @w: the worker
 * @s: the file's slot, rd held
 *
 * Return: the ring's head now (0 without a mapped ring).
 */
uint32_t ring_pre_take(struct worker *w, struct slot *s)
{
	if (s->has_ring <= 0)
		return 0;
	ring_observe(w, s);
	return ring_head(s);
}

/**
 * ring_t_read() - the bound check_record() gets for a record taken
 * @s: the file's slot, rd held
 * @h0: ring_pre_take()'s head
 * @k: the record's place among those the call took
 * @t0: when the call started
 *
 * Return: @t0 for a file without a ring; with one, when the record had
 * not entered the ring yet (0, no bound, for a ring set up by a call
 * whose result could not be written back, whose geometry is unknown).
 */
uint64_t ring_t_read(const struct slot *s, uint32_t h0, int k, uint64_t t0)
{
	if (!s->has_ring)
		return t0;
	if (s->has_ring < 0)
		return 0;
	return ring_bound(s, h0 + (uint32_t)k);
}

/**
 * ring_post_take() - after read() or a batch took @n records of a file
 * @w: the worker
 * @s: the file's slot, rd held
 * @h0: ring_pre_take()'s head
 * @n: the records the call returned (0 when it failed)
 * @what: the call
 *
 * They were taken from the ring's head, which the call advanced by @n.
 */
void ring_post_take(struct worker *w, struct slot *s, uint32_t h0, int n,
		    const char *what)
{
	uint32_t h;

	if (s->has_ring <= 0)
		return;
	h = __atomic_load_n(s->rhead, __ATOMIC_ACQUIRE);
	atomic_fetch_add(&FZ->ring_syscall_records, n);
	if (h != h0 + (uint32_t)n)
		VIOL(w, "file %d: %s returned %d records, the ring's head went "
		     "from %u to %u", s->idx, what, n, h0, h);
}

/* The event loop's step: take records from the ring. rd held. */
static void ring_take(struct worker *w, struct slot *s)
{
	static __thread struct sockobj_event copy[64];
	uint32_t want = 1 + so_rnd_below(&w->r, 64), tail, head, n, i;
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	tail = ring_observe(w, s);
	head = ring_head(s);
	n = tail - head;
	if (n > s->rmask + 1)
		return;		/* said by ring_observe() */
	if (n && (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)))
		VIOL(w, "file %d: the ring holds %u records, poll() revents "
		     "0x%x", s->idx, n, p.revents);
	if (n > want)
		n = want;
	for (i = 0; i < n; i++)
		copy[i] = s->rslots[(head + i) & s->rmask];
	for (i = 0; i < n; i++)
		check_record(w, s, &copy[i], ring_bound(s, head + i));
	/* nothing wrote a slot we hold; zero them: tail must not pass them */
	for (i = 0; i < n; i++) {
		struct sockobj_event *e = &s->rslots[(head + i) & s->rmask];

		if (memcmp(e, &copy[i], sizeof(*e)))
			VIOL(w, "file %d: ring slot %u (head %u tail %u) changed "
			     "before head was released: id %u seq %llu, now id "
			     "%u seq %llu", s->idx, head + i, head, tail,
			     copy[i].id, (unsigned long long)copy[i].seq, e->id,
			     (unsigned long long)e->seq);
		memset(e, 0, sizeof(*e));
	}
	__atomic_store_n(s->rhead, head + n, __ATOMIC_RELEASE);
	atomic_fetch_add(&FZ->ring_records, n);
	/*
	 * Empty with records waiting: they come in on poll() (or read()...).
	 * (A DESTROY meanwhile may discard them: poll() may find none.)
	 */
	if (head + n == tail &&
	    (__atomic_load_n(s->rflags, __ATOMIC_ACQUIRE) & SOCKOBJ_RING_PENDING)) {
		atomic_fetch_add(&FZ->ring_pending_polls, 1);
		if (poll(&p, 1, 0) < 0 || (p.revents & ~(POLLIN | POLLRDNORM)))
			VIOL(w, "file %d: poll() of the ring: revents 0x%x (%s)",
			     s->idx, p.revents, strerror(errno));
	}
}

/*
 * A head the module could not have left: delivery stops, read() and a
 * batch's events fail with EINVAL, poll() stays sane; then head is
 * written back (and poll() moves in what waited). rd held.
 */
static void ring_bad_head(struct worker *w, struct slot *s)
{
	uint32_t entries = s->rmask + 1, head = ring_head(s), tail, bad, t1, t2;
	struct sockobj_event ev[2];
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	ssize_t n;

	/*
	 * Out of range whatever tail does meanwhile: a delivery that saw the
	 * old head stops at head + entries.
	 */
	tail = ring_observe(w, s);
	bad = so_rnd_pct(&w->r, 50) ? head + entries + 1 + so_rnd_below(&w->r, 1u << 20) :
	      tail - entries - 1 - so_rnd_below(&w->r, 1u << 20);
	__atomic_store_n(s->rhead, bad, __ATOMIC_RELEASE);
	atomic_fetch_add(&FZ->ring_bad_heads, 1);
	n = read(s->fd, ev, sizeof(ev));
	if (n >= 0 || errno != EINVAL)
		VIOL(w, "file %d: read() with the ring's head %u out of range "
		     "(tail %u, %u entries): %zd (%s)", s->idx, bad, tail,
		     entries, n, n < 0 ? strerror(errno) : "records");
	if (so_rnd_pct(&w->r, 50)) {
		struct sockobj_batch b = { .events = (uintptr_t)ev, .nevents = 2 };
		int ret = xioctl(s->fd, SOCKOBJ_IOC_BATCH, &b);

		if (ret != -EINVAL)
			VIOL(w, "file %d: a batch's events with the ring's head "
			     "out of range: %d, %u records", s->idx, ret,
			     b.nevents);
	}
	/*
	 * The read() that saw the head out of range is past any delivery
	 * that saw it in range: from now on tail stays where it is.
	 */
	t1 = __atomic_load_n(s->rtail, __ATOMIC_ACQUIRE);
	if (poll(&p, 1, 0) < 0 || (p.revents & ~(POLLIN | POLLRDNORM)))
		VIOL(w, "file %d: poll() with the ring's head out of range: "
		     "revents 0x%x (%s)", s->idx, p.revents, strerror(errno));
	if (so_rnd_pct(&w->r, 50))
		so_sleep_ms(so_rnd_below(&w->r, 3));
	t2 = __atomic_load_n(s->rtail, __ATOMIC_ACQUIRE);
	if (t2 != t1)
		VIOL(w, "file %d: with the ring's head %u out of range (tail "
		     "%u, %u entries) tail went from %u to %u", s->idx, bad,
		     tail, entries, t1, t2);
	__atomic_store_n(s->rhead, head, __ATOMIC_RELEASE);
	/* what waited comes in now */
	if (poll(&p, 1, 0) < 0)
		VIOL(w, "file %d: poll() after head was written back: %s",
		     s->idx, strerror(errno));
}

/* Map the ring again, a part of it or all, and see the same indexes. */
static void ring_map_again(struct worker *w, struct slot *s)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = so_rnd_pct(&w->r, 50) ? (size_t)page : s->rsize;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);

	if (m == MAP_FAILED) {
		if (errno != ENOMEM)
			VIOL(w, "file %d: a second mmap() of the ring (%zu bytes): "
			     "%s", s->idx, len, strerror(errno));
		return;
	}
	if ((size_t)((char *)s->rhead - s->rmap) + 4 <= len &&
	    *(uint32_t *)(m + ((char *)s->rhead - s->rmap)) != ring_head(s))
		VIOL(w, "file %d: two mappings of the ring disagree on head",
		     s->idx);
	munmap(m, len);
}

/* mmap() that must fail with @err (MAP_FAILED), else unmapped. */
static void ring_map_fails(struct worker *w, struct slot *s, size_t len,
			   int flags, off_t off, int err, const char *what)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, s->fd, off);

	if (m != MAP_FAILED) {
		VIOL(w, "file %d: mmap() %s succeeded", s->idx, what);
		munmap(m, len);
	} else if (errno != err) {
		VIOL(w, "file %d: mmap() %s: %s, not %s", s->idx, what,
		     strerror(errno), strerror(err));
	}
}

/* The outputs of a setup of @entries slots. */
static int ring_geometry_ok(struct worker *w, const struct sockobj_ring_setup *rs,
			    uint32_t entries)
{
	uint64_t slots = (uint64_t)entries * sizeof(struct sockobj_event);
	const uint32_t idx[3] = { rs->head_off, rs->tail_off, rs->flags_off };
	int i, j;

	if (rs->entries != entries || rs->flags || rs->pad || rs->reserved[0] ||
	    rs->reserved[1] || rs->events_off % 8 ||
	    rs->events_off + slots > rs->size)
		goto bad;
	for (i = 0; i < 3; i++) {
		if (idx[i] % 4 || idx[i] + 4ULL > rs->size ||
		    (idx[i] + 4ULL > rs->events_off && idx[i] < rs->events_off + slots))
			goto bad;
		for (j = 0; j < i; j++)
			if (idx[i] == idx[j])
				goto bad;
	}
	return 1;
bad:
	VIOL(w, "RING_SETUP of %u entries: size %u head %u tail %u flags_off "
	     "%u events %u, entries %u flags %u pad %u reserved %llx %llx",
	     entries, rs->size, rs->head_off, rs->tail_off, rs->flags_off,
	     rs->events_off, rs->entries, rs->flags, rs->pad,
	     (unsigned long long)rs->reserved[0],
	     (unsigned long long)rs->reserved[1]);
	return 0;
}

/* The file has a ring of @rs's geometry, set up at @t: map it. rd held. */
static void ring_map(struct worker *w, struct slot *s,
		     const struct sockobj_ring_setup *rs, uint64_t t)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = ((size_t)rs->size + (size_t)page - 1) & ~((size_t)page - 1);
	char *m;

	if (so_rnd_pct(&w->r, 30))
		ring_map_fails(w, s, pages + (size_t)page, MAP_SHARED, 0, EINVAL,
			       "longer than size");
	if (so_rnd_pct(&w->r, 30))
		ring_map_fails(w, s, (size_t)page, MAP_SHARED, page, EINVAL,
			       "at a non-zero offset");
	if (so_rnd_pct(&w->r, 30))
		ring_map_fails(w, s, rs->size, MAP_PRIVATE, 0, EINVAL, "private");
	m = mmap(NULL, rs->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	s->rlow = calloc(rs->entries, sizeof(*s->rlow));
	if (m == MAP_FAILED || !s->rlow) {
		if (m == MAP_FAILED && errno != ENOMEM)
			VIOL(w, "file %d: mmap() of the ring: %s", s->idx,
			     strerror(errno));
		if (m != MAP_FAILED)
			munmap(m, rs->size);
		free(s->rlow);
		s->rlow = NULL;
		s->has_ring = -1;	/* read() takes from an unseen ring */
		return;
	}
	s->rmap = m;
	s->rsize = rs->size;
	s->rmask = rs->entries - 1;
	s->rhead = (uint32_t *)(m + rs->head_off);
	s->rtail = (uint32_t *)(m + rs->tail_off);
	s->rflags = (uint32_t *)(m + rs->flags_off);
	s->rslots = (struct sockobj_event *)(m + rs->events_off);
	/* both indexes count from the setup: records below tail came after t */
	s->rtail_seen = 0;
	s->rt_seen = t;
	s->has_ring = 1;
	if (ring_head(s))
		VIOL(w, "file %d: a new ring's head is %u", s->idx, ring_head(s));
	ring_observe(w, s);
}

/* SOCKOBJ_IOC_RING_SETUP, good and bad. rd held. */
static void ring_setup(struct worker *w, struct slot *s)
{
	static const uint32_t bad_entries[] = {
		0, 3, 6, 100, 65537, 131072, 1u << 31, UINT32_MAX, 0x10001,
	};
	struct sockobj_ring_setup rs;
	uint32_t roll = so_rnd_below(&w->r, 100), entries;
	int valid, ret, ptr = 0;	/* 0 good, 1 unreadable, 2 read-only */
	long page = sysconf(_SC_PAGESIZE);
	void *arg = &rs;
	uint64_t t;

	if (!s->has_ring && so_rnd_pct(&w->r, 20))
		ring_map_fails(w, s, (size_t)page, MAP_SHARED, 0, ENODEV,
			       "without a ring");
	memset(&rs, 0, sizeof(rs));
	if (roll < 50)
		entries = 1u << so_rnd_below(&w->r, 7);		/* 1..64 */
	else if (roll < 70)
		entries = 1u << (7 + so_rnd_below(&w->r, 4));	/* ..1024 */
	else if (roll < 73)
		entries = SOCKOBJ_RING_MAX_ENTRIES;
	else if (roll < 80)
		entries = (uint32_t)so_rnd_next(&w->r) >> so_rnd_below(&w->r, 32);
	else
		entries = bad_entries[so_rnd_below(&w->r, ARRAY_SIZE(bad_entries))];
	rs.entries = entries;
	roll = so_rnd_below(&w->r, 100);
	if (roll < 5)
		rs.flags = 1u << so_rnd_below(&w->r, 32);
	else if (roll < 8)
		rs.pad = 1 + so_rnd_below(&w->r, 1000);
	else if (roll < 11)
		rs.reserved[so_rnd_below(&w->r, 2)] = 1ULL << so_rnd_below(&w->r, 64);
	else if (roll < 14)
		rs.size = rs.head_off = so_rnd_next(&w->r);	/* outputs: ignored */
	valid = entries && !(entries & (entries - 1)) &&
		entries <= SOCKOBJ_RING_MAX_ENTRIES && !rs.flags && !rs.pad &&
		!rs.reserved[0] && !rs.reserved[1];
	roll = so_rnd_below(&w->r, 100);
	if (roll < 4) {
		arg = NULL;
		ptr = 1;
	} else if (roll < 7) {
		arg = w->guard + page;		/* PROT_NONE */
		ptr = 1;
	} else if (roll < 10) {
		/* read, and the result cannot be written back */
		mprotect(w->ro, (size_t)page, PROT_READ | PROT_WRITE);
		memcpy(w->ro, &rs, sizeof(rs));
		mprotect(w->ro, (size_t)page, PROT_READ);
		arg = w->ro;
		ptr = 2;
	}
	t = so_now_ns();
	ret = check_ret(w, "RING_SETUP", xioctl(s->fd, SOCKOBJ_IOC_RING_SETUP, arg),
			errs_ring_setup);
	if (ret == -ENOMEM)
		return;
	if (ptr == 1 && ret != -EFAULT)
		VIOL(w, "RING_SETUP from an unreadable argument: %d", ret);
	else if (!ptr && ret == 0 && (!valid || s->has_ring))
		VIOL(w, "RING_SETUP of %u entries flags %u pad %u reserved %llx "
		     "%llx succeeded%s", entries, rs.flags, rs.pad,
		     (unsigned long long)rs.reserved[0],
		     (unsigned long long)rs.reserved[1],
		     s->has_ring ? " on a file with a ring" : "");
	else if (!ptr && ret == -EINVAL && valid)
		VIOL(w, "RING_SETUP of %u entries: EINVAL", entries);
	else if (ret == -EBUSY && !s->has_ring)
		VIOL(w, "RING_SETUP: EBUSY on a file without a ring");
	else if (ret == -EFAULT && !ptr)
		VIOL(w, "RING_SETUP: EFAULT from a good argument");
	else if (ptr == 2 && ret == 0)
		VIOL(w, "RING_SETUP wrote its result to a read-only page");
	if (s->has_ring)
		return;
	if (ptr == 2 && ret == -EFAULT) {
		/*
		 * Whether a setup whose result could not be written back left
		 * a ring (the contract does not say): a second one tells.
		 */
		memset(&rs, 0, sizeof(rs));
		rs.entries = entries = 1;
		t = so_now_ns();
		ret = xioctl(s->fd, SOCKOBJ_IOC_RING_SETUP, &rs);
		if (ret == -EBUSY) {
			atomic_fetch_add(&FZ->ring_setups_unseen, 1);
			s->has_ring = -1;
			return;
		}
		if (ret)
			return;
	}
	if (ret == 0 && ring_geometry_ok(w, &rs, entries)) {
		atomic_fetch_add(&FZ->ring_setups, 1);
		ring_map(w, s, &rs, t);
	} else if (ret == 0) {
		s->has_ring = -1;
	}
}

/**
 * op_ring() - OP_RING: set a ring up, take from it, map it again, or
 * write its head out of range and back
 * @w: the worker
 * @s: the file's slot (rw read-locked)
 */
void op_ring(struct worker *w, struct slot *s)
{
	uint32_t roll = so_rnd_below(&w->r, 100);

	if (!FZ->have_ring) {
		/* a module before version 11: no such ioctl, no mmap() */
		struct sockobj_ring_setup rs = { .entries = 1 };
		int ret = xioctl(s->fd, SOCKOBJ_IOC_RING_SETUP, &rs);

		if (ret != -ENOTTY)
			VIOL(w, "RING_SETUP without SOCKOBJ_FEAT_EVENT_RING: %d", ret);
		ring_map_fails(w, s, 4096, MAP_SHARED, 0, ENODEV, "before version 11");
		return;
	}
	pthread_mutex_lock(&s->rd);
	if (s->has_ring <= 0 || roll < 10)
		ring_setup(w, s);
	else if (roll < 70)
		ring_take(w, s);
	else if (roll < 85)
		ring_bad_head(w, s);
	else
		ring_map_again(w, s);
	pthread_mutex_unlock(&s->rd);
}

/**
 * ring_event_loop() - take records the way a program's event loop would
 * @w: the worker
 * @s: the file's slot, rd held
 *
 * Return: 1 if the file has a mapped ring and records were looked for
 * there, 0 if the caller should read() instead.
 */
int ring_event_loop(struct worker *w, struct slot *s)
{
	if (s->has_ring <= 0)
		return 0;
	ring_take(w, s);
	return 1;
}

/**
 * ring_forget() - the file is closed: unmap its ring (the mapping outlives
 * the file; it is read once more first)
 * @w: the worker
 * @s: the slot, rw write-locked or single-threaded
 */
void ring_forget(struct worker *w, struct slot *s)
{
	if (s->has_ring > 0) {
		uint32_t tail = __atomic_load_n(s->rtail, __ATOMIC_ACQUIRE);

		if (tail - ring_head(s) > s->rmask + 1)
			VIOL(w, "file %d: the closed file's ring: tail %u head %u",
			     s->idx, tail, ring_head(s));
		munmap(s->rmap, s->rsize);
	}
	free(s->rlow);
	s->rlow = NULL;
	s->rmap = NULL;
	s->has_ring = 0;
}
