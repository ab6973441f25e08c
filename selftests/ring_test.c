// SPDX-License-Identifier: GPL-2.0
/*
 * The mapped record ring (API version 11, SOCKOBJ_FEAT_EVENT_RING): one
 * test per sentence of the contract's "Mapped record ring" section that a
 * program can check, with real TCP connections on loopback.
 *
 * - SOCKOBJ_IOC_RING_SETUP: entries a power of two from 1 to
 *   SOCKOBJ_RING_MAX_ENTRIES, flags, pad and reserved zero (EINVAL
 *   otherwise, and a good setup still works after), one ring per file
 *   (EBUSY), the size and offsets it writes back.
 * - mmap(): ENODEV before the setup; EINVAL for an offset, a length above
 *   size, a private mapping; as often as wanted; the mapping outlives the
 *   file; a forked child sees the same ring.
 * - The records of a connection's life in the ring are those read() of
 *   another file gives, in the same order, with the same fields, taken by
 *   a process that can make no system call but write and exit (seccomp).
 * - Overflow: a ring of 1 or 2 slots, many transitions, PENDING set,
 *   poll() with a timeout of 0 moves the waiting records in, nothing lost.
 * - read() and SOCKOBJ_IOC_BATCH's events take from the ring's head and
 *   advance it, moving the waiting records in first; read() blocks, and a
 *   batch's SOCKOBJ_BATCH_WAIT waits, while the ring is empty and none
 *   wait.
 * - A head out of range stops delivery: read() and a batch's events get
 *   EINVAL (the batch's ops run, their results written back), tail stays,
 *   PENDING is set; a head written back resumes, nothing lost.
 * - A mapping holds the file: closed while mapped, its objects live on.
 * - Records in the ring stay when their object is destroyed or handed off.
 * - poll() and level-triggered epoll report EPOLLIN while the ring holds
 *   a record or one waits, and not once they are taken.
 * - PENDING is cleared once no record waits, a DESTROY that discards the
 *   last waiting ones included.
 * - A state seen in the ring is the object's state already (a send made
 *   at once after CLOSED is refused ENOTCONN).
 *
 * Each test runs in a private network namespace (loopback only).
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "sotest.h"

#define IP		"127.0.0.1"
#define PORT		5300
#define NOBJ		6U	/* objects of the overflow tests */

FIXTURE(mapped) {
	int fd;		/* O_NONBLOCK */
	int lfd;	/* a listener at IP:PORT */
};

FIXTURE_SETUP(mapped)
{
	self->fd = -1;
	self->lfd = -1;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	self->lfd = so_listen(IP, PORT);
	ASSERT_LE(0, self->lfd);
	self->fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mapped)
{
	so_close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
}

/* A ring as the program sees it */
struct ring {
	struct sockobj_ring_setup rs;
	char *map;
	__u32 *head;
	__u32 *tail;
	__u32 *flags;
	struct sockobj_event *slots;
	__u32 mask;
};

static int ring_setup(int fd, __u32 entries, struct sockobj_ring_setup *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->entries = entries;
	return so_ioctl(fd, SOCKOBJ_IOC_RING_SETUP, rs);
}

/* mmap() of the whole ring rs describes; 0 or -errno */
static int ring_map(int fd, struct ring *r)
{
	char *p = mmap(NULL, r->rs.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	r->map = p;
	r->head = (__u32 *)(void *)(p + r->rs.head_off);
	r->tail = (__u32 *)(void *)(p + r->rs.tail_off);
	r->flags = (__u32 *)(void *)(p + r->rs.flags_off);
	r->slots = (struct sockobj_event *)(void *)(p + r->rs.events_off);
	r->mask = r->rs.entries - 1;
	return 0;
}

static void ring_unmap(struct ring *r)
{
	if (r->map)
		munmap(r->map, r->rs.size);
	r->map = NULL;
}

static __u32 ld_tail(const struct ring *r)
{
	return __atomic_load_n(r->tail, __ATOMIC_ACQUIRE);
}

static __u32 ld_head(const struct ring *r)
{
	return __atomic_load_n(r->head, __ATOMIC_RELAXED);
}

static void st_head(struct ring *r, __u32 head)
{
	__atomic_store_n(r->head, head, __ATOMIC_RELEASE);
}

static int pending(const struct ring *r)
{
	return !!(__atomic_load_n(r->flags, __ATOMIC_ACQUIRE) &
		  SOCKOBJ_RING_PENDING);
}

/*
 * The records from head to tail, at most max, copied to out, then head
 * advanced past them: the program's side of the contract, no system call.
 */
static unsigned int ring_take(struct ring *r, struct sockobj_event *out,
			      unsigned int max)
{
	__u32 tail = ld_tail(r), head = ld_head(r), n = 0;

	while (head + n != tail && n < max) {
		out[n] = r->slots[(head + n) & r->mask];
		n++;
	}
	st_head(r, head + n);
	return n;
}

/* Until the ring holds n records (sleeping, no call on the file) */
static int ring_wait(const struct ring *r, __u32 n, int tmo_ms)
{
	uint64_t end = so_now_ns() + (uint64_t)tmo_ms * 1000000ULL;

	while (ld_tail(r) - ld_head(r) < n) {
		if (so_now_ns() > end)
			return -ETIMEDOUT;
		so_sleep_ms(2);
	}
	return 0;
}

/* Set up and map a ring of @entries on @fd */
#define RING_OPEN(fd, entries, r) do {					\
	memset(r, 0, sizeof(*(r)));					\
	ASSERT_EQ(0, ring_setup(fd, entries, &(r)->rs));		\
	ASSERT_EQ(0, ring_map(fd, r));					\
} while (0)

/* The size and offsets SOCKOBJ_IOC_RING_SETUP wrote back make sense. */
static void check_layout(struct __test_metadata *_metadata,
			 const struct sockobj_ring_setup *rs, __u32 entries)
{
	__u64 slots_end = (__u64)rs->events_off +
			  (__u64)entries * sizeof(struct sockobj_event);
	__u32 w[3] = { rs->head_off, rs->tail_off, rs->flags_off };
	int i, j;

	EXPECT_EQ(entries, rs->entries);
	EXPECT_EQ(0U, rs->flags);
	EXPECT_EQ(0U, rs->pad);
	EXPECT_EQ(0ULL, rs->reserved[0]);
	EXPECT_EQ(0ULL, rs->reserved[1]);
	EXPECT_GE((__u64)rs->size, slots_end);
	EXPECT_EQ(0U, rs->events_off % 8);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0U, w[i] % 4);
		EXPECT_GE(rs->size, w[i] + 4);
		/* not inside the slots */
		EXPECT_TRUE(w[i] + 4 <= rs->events_off || w[i] >= slots_end)
			TH_LOG("word %d at %u, slots at %u..%llu", i, w[i],
			       rs->events_off, (unsigned long long)slots_end);
		for (j = 0; j < i; j++)
			EXPECT_TRUE(w[i] + 4 <= w[j] || w[j] + 4 <= w[i])
				TH_LOG("words %d and %d overlap: %u, %u", j, i,
				       w[j], w[i]);
	}
}

/* Object id reaches state within 5 s (scaled), by GET_INFO */
#define WAIT_STATE(fd, id, st) do {					\
	struct sockobj_info __i;					\
	ASSERT_EQ(0, WAIT_INFO(fd, id, __i,				\
			       __i.state == SOCKOBJ_STATE_##st,		\
			       so_tmo(5000)))				\
		TH_LOG("object %u did not reach %s", id, #st);		\
} while (0)

/*
 * A connection and its end, without reading a record: CONNECTING,
 * ESTABLISHED, ABORTED (3 records). The peer's socket is closed.
 */
static __u32 connect_abort(struct __test_metadata *_metadata, int fd, int lfd,
			   __u64 cookie)
{
	__u32 id = 0;
	int srv;

	ASSERT_EQ(0, so_new(fd, cookie, IP, PORT, &id));
	ASSERT_EQ(0, so_connect(fd, id));
	WAIT_STATE(fd, id, ESTABLISHED);
	srv = so_accept(lfd, so_tmo(5000));
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, so_abort(fd, id));
	WAIT_STATE(fd, id, CLOSED);
	close(srv);
	return id;
}

/* evs[0..2] are the 3 records connect_abort() makes of object id */
static void expect_connect_abort(struct __test_metadata *_metadata,
				 const struct sockobj_event *evs, __u32 id,
				 __u64 cookie)
{
	static const __u32 st[3][2] = {
		{ SOCKOBJ_STATE_CONNECTING, SOCKOBJ_STATE_CLOSED },
		{ SOCKOBJ_STATE_ESTABLISHED, SOCKOBJ_STATE_CONNECTING },
		{ SOCKOBJ_STATE_CLOSED, SOCKOBJ_STATE_ESTABLISHED },
	};
	int i;

	for (i = 0; i < 3; i++) {
		const struct sockobj_event *e = &evs[i];

		if (e->id != id || e->type != SOCKOBJ_EV_STATE ||
		    e->cookie != cookie || e->state != st[i][0] ||
		    e->prev_state != st[i][1] || e->merged != 1 ||
		    (i == 2 && (e->reason != SOCKOBJ_REASON_ABORTED ||
				e->phase != SOCKOBJ_STATE_ESTABLISHED)) ||
		    (i && e->seq <= evs[i - 1].seq)) {
			TH_LOG("record %d of object %u:", i, id);
			so_log_event(_metadata, "  got", e);
			EXPECT_TRUE(0);
		}
	}
}

TEST_F(mapped, api_version_11_and_the_feature_bit)
{
	struct sockobj_api api;

	ASSERT_EQ(0, so_get_api(self->fd, &api));
	EXPECT_LE(11U, api.api_version);
	EXPECT_NE(0ULL, api.features & SOCKOBJ_FEAT_EVENT_RING);
	EXPECT_EQ(1ULL << 16, SOCKOBJ_FEAT_EVENT_RING);
	EXPECT_EQ(48U, sizeof(struct sockobj_ring_setup));
}

/* Bad entries, flags, pad, reserved: EINVAL, no ring; a good one after */
TEST_F(mapped, setup_rejects_bad_input_then_works)
{
	static const __u32 bad_entries[] = {
		0, 3, 6, 12, 65535, 65537, 131072, 1U << 31, 0xffffffffU,
	};
	struct sockobj_ring_setup rs;
	struct ring r = { 0 };
	unsigned int i;
	void *p;

	for (i = 0; i < ARRAY_SIZE(bad_entries); i++)
		EXPECT_EQ(-EINVAL, ring_setup(self->fd, bad_entries[i], &rs))
			TH_LOG("entries %u", bad_entries[i]);
	for (i = 0; i < 32; i++) {
		memset(&rs, 0, sizeof(rs));
		rs.entries = 4;
		rs.flags = 1U << i;
		EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_RING_SETUP, &rs))
			TH_LOG("flags 0x%x", rs.flags);
	}
	memset(&rs, 0, sizeof(rs));
	rs.entries = 4;
	rs.pad = 1;
	EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_RING_SETUP, &rs));
	for (i = 0; i < 2; i++) {
		memset(&rs, 0, sizeof(rs));
		rs.entries = 4;
		rs.reserved[i] = 1ULL << 63;
		EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_RING_SETUP, &rs))
			TH_LOG("reserved[%u]", i);
	}
	EXPECT_EQ(-EFAULT, so_ioctl(self->fd, SOCKOBJ_IOC_RING_SETUP, NULL));
	/* none of them gave the file a ring */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);

	RING_OPEN(self->fd, 2, &r);
	check_layout(_metadata, &r.rs, 2);
	EXPECT_EQ(0U, *r.head);
	EXPECT_EQ(0U, *r.tail);
	EXPECT_EQ(0U, *r.flags);
	ring_unmap(&r);
}

/* 1 and SOCKOBJ_RING_MAX_ENTRIES, the bounds, are good */
TEST_F(mapped, setup_of_1_and_of_the_maximum)
{
	struct ring r1, rmax;
	int fd2 = so_open(0);

	ASSERT_LE(0, fd2);
	EXPECT_EQ(65536U, SOCKOBJ_RING_MAX_ENTRIES);
	RING_OPEN(self->fd, 1, &r1);
	check_layout(_metadata, &r1.rs, 1);
	RING_OPEN(fd2, SOCKOBJ_RING_MAX_ENTRIES, &rmax);
	check_layout(_metadata, &rmax.rs, SOCKOBJ_RING_MAX_ENTRIES);
	/* every slot of the largest is there to be read and written */
	rmax.slots[SOCKOBJ_RING_MAX_ENTRIES - 1].id = 0;
	EXPECT_EQ(0U, *rmax.tail);
	ring_unmap(&r1);
	ring_unmap(&rmax);
	close(fd2);
}

/* A file has at most one ring, for its whole life */
TEST_F(mapped, second_setup_is_ebusy)
{
	struct sockobj_ring_setup rs;
	struct ring r;

	RING_OPEN(self->fd, 4, &r);
	EXPECT_EQ(-EBUSY, ring_setup(self->fd, 4, &rs));
	EXPECT_EQ(-EBUSY, ring_setup(self->fd, 8, &rs));
	EXPECT_EQ(-EBUSY, ring_setup(self->fd, 1, &rs));
	/* the first ring is still the one mapped */
	ring_unmap(&r);
	EXPECT_EQ(0, ring_map(self->fd, &r));
	EXPECT_EQ(0U, *r.tail);
	ring_unmap(&r);
}

TEST_F(mapped, mmap_before_setup_is_enodev)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
}

/* An offset, a length above size, a private mapping: EINVAL */
TEST_F(mapped, mmap_errors_then_as_often_as_wanted)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct ring r, r2;
	size_t above;
	char *p;

	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, ring_setup(self->fd, 256, &r.rs));
	check_layout(_metadata, &r.rs, 256);
	/* the smallest length that maps more pages than size needs */
	above = ((r.rs.size + pg - 1) / pg + 1) * pg;

	p = mmap(NULL, r.rs.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, pg);
	EXPECT_EQ(MAP_FAILED, (void *)p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, above, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, (void *)p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, r.rs.size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 self->fd, 0);
	EXPECT_EQ(MAP_FAILED, (void *)p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, r.rs.size, PROT_READ, MAP_PRIVATE, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, (void *)p);
	EXPECT_EQ(EINVAL, errno);

	/* twice, and a first page alone: the same memory */
	ASSERT_EQ(0, ring_map(self->fd, &r));
	r2.rs = r.rs;
	ASSERT_EQ(0, ring_map(self->fd, &r2));
	EXPECT_NE(r.map, r2.map);
	if ((size_t)pg < r.rs.size) {
		p = mmap(NULL, pg, PROT_READ, MAP_SHARED, self->fd, 0);
		ASSERT_NE(MAP_FAILED, (void *)p);
		munmap(p, pg);
	}
	connect_abort(_metadata, self->fd, self->lfd, 1);
	ASSERT_EQ(0, ring_wait(&r, 3, so_tmo(5000)));
	EXPECT_EQ(3U, ld_tail(&r2));
	EXPECT_EQ(0, memcmp(r.slots, r2.slots, 3 * sizeof(*r.slots)));
	st_head(&r2, 3);
	EXPECT_EQ(3U, ld_head(&r));
	ring_unmap(&r);
	ring_unmap(&r2);
}

/* The same fields, ignoring id (each file its own), seq and time */
static int same_record(const struct sockobj_event *a,
		       const struct sockobj_event *b)
{
	return a->type == b->type && a->cookie == b->cookie &&
	       a->state == b->state && a->prev_state == b->prev_state &&
	       a->reason == b->reason && a->phase == b->phase &&
	       a->error == b->error && a->merged == b->merged &&
	       a->attempt == b->attempt && a->retry_ms == b->retry_ms;
}

/*
 * A connection's life, records unread: CONNECTING, ESTABLISHED, data
 * from the peer (READABLE), the peer's FIN (PEER_CLOSING), our close.
 */
static __u32 a_life(struct __test_metadata *_metadata, int fd, int lfd,
		    __u64 cookie)
{
	struct sockobj_info info;
	__u32 id = 0;
	int srv;

	ASSERT_EQ(0, so_new(fd, cookie, IP, PORT, &id));
	ASSERT_EQ(0, so_connect(fd, id));
	WAIT_STATE(fd, id, ESTABLISHED);
	srv = so_accept(lfd, so_tmo(5000));
	ASSERT_LE(0, srv);
	ASSERT_EQ(3, send(srv, "abc", 3, 0));
	ASSERT_EQ(0, WAIT_INFO(fd, id, info, info.rx_queued == 3,
			       so_tmo(5000)));
	close(srv);
	WAIT_STATE(fd, id, PEER_CLOSING);
	ASSERT_EQ(0, so_disconnect(fd, id));
	WAIT_STATE(fd, id, CLOSED);
	return id;
}

#define MAX_LIFE	16

/* What the child that takes the records leaves for its parent */
struct taken {
	__u32 n;
	__u32 head;
	int filter;	/* 0 or the -errno of the seccomp filter's setup */
	struct sockobj_event ev[MAX_LIFE];
};

#define ALLOW_NR(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * From here on, any system call but these kills the process: a record
 * the caller gets can only come from memory.
 */
static int no_syscalls(void)
{
#ifdef __x86_64__
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		/* the clock, when the vDSO falls back, and sleeping */
		ALLOW_NR(__NR_clock_gettime),
		ALLOW_NR(__NR_clock_nanosleep),
		ALLOW_NR(__NR_nanosleep),
		ALLOW_NR(__NR_write),
		ALLOW_NR(__NR_exit_group),
		ALLOW_NR(__NR_exit),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -errno : 0;
#else
	return -EOPNOTSUPP;
#endif
}

/*
 * The records a's life makes, taken from the ring by a forked child that
 * shares the mapping (the same ring), match those read() of another file
 * gives for the same life: order, fields. The child closes its copy of
 * the file first: with no descriptor of it, memory is its only way to the
 * records. Where the kernel has seccomp (Debian's stock kernel; the debug,
 * 6.12 and 7.2 builds here have none), a filter also kills it on any
 * system call but those of its clock, sleep, write and exit.
 */
TEST_F(mapped, records_match_read_and_need_no_syscall_in_a_child)
{
	struct sockobj_event want[MAX_LIFE];
	struct taken *t;
	struct ring r;
	int fd2, n = 0, got, st, i;
	__u32 id, id2;
	pid_t pid;

	/* the reference: the same life on a file read with read() */
	fd2 = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd2);
	id2 = a_life(_metadata, fd2, self->lfd, 77);
	while ((got = so_read_events(fd2, want + n, MAX_LIFE - n, 0)) > 0)
		n += got;
	ASSERT_LE(4, n);
	ASSERT_GT(MAX_LIFE, n);
	so_close(fd2);

	RING_OPEN(self->fd, 64, &r);
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, (void *)t);
	memset(t, 0, sizeof(*t));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct timespec ts;
		uint64_t end;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		end = (uint64_t)ts.tv_sec + 30 * (so_debug_kernel() ? 5 : 1);
		close(self->fd);
		t->filter = no_syscalls();
		while (t->n < (__u32)n) {
			t->n += ring_take(&r, t->ev + t->n, MAX_LIFE - t->n);
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if ((uint64_t)ts.tv_sec > end)
				break;
			ts.tv_sec = 0;
			ts.tv_nsec = 1000000;
			nanosleep(&ts, NULL);
		}
		t->head = ld_head(&r);
		_exit(t->n == (__u32)n ? 0 : 2);
	}
	id = a_life(_metadata, self->fd, self->lfd, 77);
	st = so_wait_child(pid, 60, "the ring's reader");
	ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("the child: status 0x%x (%s), %u of %d records", st,
		       WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS ?
		       "a system call" : "-", t->n, n);
	if (t->filter)
		TH_LOG("no seccomp filter here (%s): the child had no "
		       "descriptor of the file, its calls were not checked",
		       strerror(-t->filter));
	for (i = 0; i < n; i++) {
		if (t->ev[i].id != id || want[i].id != id2 ||
		    !same_record(&t->ev[i], &want[i]) ||
		    (i && t->ev[i].seq <= t->ev[i - 1].seq) ||
		    (i && t->ev[i].timestamp_ns < t->ev[i - 1].timestamp_ns)) {
			TH_LOG("record %d differs (ring object %u, read %u)", i,
			       id, id2);
			so_log_event(_metadata, "  ring", &t->ev[i]);
			so_log_event(_metadata, "  read", &want[i]);
			EXPECT_TRUE(0);
		}
	}
	/* the child's head is the parent's: one ring */
	EXPECT_EQ((__u32)n, t->head);
	EXPECT_EQ((__u32)n, ld_head(&r));
	EXPECT_EQ((__u32)n, ld_tail(&r));
	EXPECT_EQ(0, pending(&r));
	/* and nothing else for read() */
	EXPECT_EQ(-1, read(self->fd, want, sizeof(want)));
	EXPECT_EQ(EAGAIN, errno);
	munmap(t, sizeof(*t));
	ring_unmap(&r);
}

/*
 * A ring of @entries, never read while NOBJ objects connect and abort
 * twice each: PENDING, then each poll(fd, 0) after the program empties
 * the ring moves the oldest waiting records in; every object's records
 * complete, in order, merged summing to its transitions.
 */
static void overflow(struct __test_metadata *_metadata, int fd, int lfd,
		     __u32 entries)
{
	struct sockobj_event evs[NOBJ * 8], *e;
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDNORM };
	__u32 ids[NOBJ], tail, moved;
	unsigned int n = 0, i, k, rounds = 0;
	int srv[NOBJ], round, seen[NOBJ] = { 0 };
	__u64 last_seq[NOBJ] = { 0 };
	struct ring r;

	RING_OPEN(fd, entries, &r);
	for (k = 0; k < NOBJ; k++)
		ASSERT_EQ(0, so_new(fd, 100 + k, IP, PORT, &ids[k]));
	for (round = 0; round < 2; round++) {
		for (k = 0; k < NOBJ; k++)
			ASSERT_EQ(0, so_connect(fd, ids[k]));
		for (k = 0; k < NOBJ; k++) {
			WAIT_STATE(fd, ids[k], ESTABLISHED);
			srv[k] = so_accept(lfd, so_tmo(5000));
			ASSERT_LE(0, srv[k]);
		}
		for (k = 0; k < NOBJ; k++)
			ASSERT_EQ(0, so_abort(fd, ids[k]));
		for (k = 0; k < NOBJ; k++) {
			WAIT_STATE(fd, ids[k], CLOSED);
			close(srv[k]);
		}
	}
	/* 6 records per object, and room for entries */
	EXPECT_EQ(entries, ld_tail(&r));
	EXPECT_EQ(0U, ld_head(&r));
	EXPECT_EQ(1, pending(&r));

	for (;;) {
		n += ring_take(&r, evs + n, ARRAY_SIZE(evs) - n);
		if (!pending(&r))
			break;
		ASSERT_GT(NOBJ * 6 * 2, ++rounds);
		tail = ld_tail(&r);
		ASSERT_EQ(1, poll(&pfd, 1, 0));
		EXPECT_EQ(POLLIN | POLLRDNORM, pfd.revents & (POLLIN | POLLRDNORM));
		moved = ld_tail(&r) - tail;
		/* the oldest waiting, as many as fit */
		EXPECT_LE(1U, moved);
		EXPECT_GE(entries, moved);
	}
	EXPECT_EQ(NOBJ * 6U, n);
	EXPECT_EQ(ld_head(&r), ld_tail(&r));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(0, pending(&r));

	for (i = 0; i < n; i++) {
		e = &evs[i];
		for (k = 0; k < NOBJ && ids[k] != e->id; k++)
			;
		ASSERT_GT(NOBJ, k) TH_LOG("a record of object %u", e->id);
		EXPECT_LT(last_seq[k], e->seq);
		last_seq[k] = e->seq;
		EXPECT_EQ(U32(SOCKOBJ_EV_STATE), e->type);
		EXPECT_EQ(100U + k, e->cookie);
		EXPECT_EQ(1U, e->merged);
		ASSERT_GT(6, seen[k]);
		switch (seen[k]++ % 3) {
		case 0:
			EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), e->state);
			EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), e->prev_state);
			break;
		case 1:
			EXPECT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), e->state);
			break;
		case 2:
			EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), e->state);
			EXPECT_EQ(U32(SOCKOBJ_REASON_ABORTED), e->reason);
			break;
		}
	}
	for (k = 0; k < NOBJ; k++)
		EXPECT_EQ(6, seen[k]) TH_LOG("the object of cookie %u", 100 + k);
	ring_unmap(&r);
}

TEST_F(mapped, overflow_of_1_slot_pending_then_poll_moves_them_in)
{
	overflow(_metadata, self->fd, self->lfd, 1);
}

TEST_F(mapped, overflow_of_2_slots_pending_then_poll_moves_them_in)
{
	overflow(_metadata, self->fd, self->lfd, 2);
}

/* read() takes from the ring's head and advances it for the program */
TEST_F(mapped, read_takes_from_the_head_and_advances_it)
{
	struct sockobj_event snap[3], got[3];
	struct ring r;
	__u32 id;

	RING_OPEN(self->fd, 8, &r);
	id = connect_abort(_metadata, self->fd, self->lfd, 5);
	ASSERT_EQ(0, ring_wait(&r, 3, so_tmo(5000)));
	memcpy(snap, r.slots, sizeof(snap));
	expect_connect_abort(_metadata, snap, id, 5);

	EXPECT_EQ(2 * SO_EV_SIZE, read(self->fd, got, 2 * sizeof(got[0])));
	EXPECT_EQ(0, memcmp(snap, got, 2 * sizeof(got[0])));
	EXPECT_EQ(2U, ld_head(&r));
	EXPECT_EQ(3U, ld_tail(&r));
	EXPECT_EQ(SO_EV_SIZE, read(self->fd, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(&snap[2], got, sizeof(got[0])));
	EXPECT_EQ(3U, ld_head(&r));
	EXPECT_EQ(-1, read(self->fd, got, sizeof(got)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(3U, ld_head(&r));
	/* a buffer smaller than a record: EINVAL, as before */
	EXPECT_EQ(-1, read(self->fd, got, sizeof(got[0]) - 1));
	EXPECT_EQ(EINVAL, errno);
	ring_unmap(&r);
}

struct later {
	int fd;
	__u32 id;
};

static void *connect_later(void *arg)
{
	struct later *l = arg;

	so_sleep_ms(300);
	so_connect(l->fd, l->id);
	return NULL;
}

/* read() blocks while the ring is empty and none wait, as before */
TEST_F(mapped, blocking_read_waits_for_the_ring)
{
	struct sockobj_event got;
	struct later l;
	pthread_t th;
	struct ring r;
	int fd = so_open(0);

	ASSERT_LE(0, fd);
	RING_OPEN(fd, 4, &r);
	l.fd = fd;
	ASSERT_EQ(0, so_new(fd, 9, IP, PORT, &l.id));
	ASSERT_EQ(0, pthread_create(&th, NULL, connect_later, &l));
	EXPECT_EQ(SO_EV_SIZE, read(fd, &got, sizeof(got)));
	pthread_join(th, NULL);
	EXPECT_EQ(l.id, got.id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), got.state);
	EXPECT_EQ(1U, ld_head(&r));
	EXPECT_LE(1U, ld_tail(&r));
	ring_unmap(&r);
	so_close(fd);
}

static int batch_events(int fd, struct sockobj_event *evs, __u32 max,
			__u32 *got)
{
	struct sockobj_batch b = {
		.events = U64((uintptr_t)evs), .nevents = max,
	};
	int ret = so_ioctl(fd, SOCKOBJ_IOC_BATCH, &b);

	*got = b.nevents;
	return ret;
}

/* SOCKOBJ_IOC_BATCH's events likewise */
TEST_F(mapped, batch_events_take_from_the_head_and_advance_it)
{
	struct sockobj_event snap[3], got[3];
	struct ring r;
	__u32 id, n;

	RING_OPEN(self->fd, 4, &r);
	id = connect_abort(_metadata, self->fd, self->lfd, 6);
	ASSERT_EQ(0, ring_wait(&r, 3, so_tmo(5000)));
	memcpy(snap, r.slots, sizeof(snap));
	expect_connect_abort(_metadata, snap, id, 6);

	ASSERT_EQ(0, batch_events(self->fd, got, 2, &n));
	EXPECT_EQ(2U, n);
	EXPECT_EQ(0, memcmp(snap, got, 2 * sizeof(got[0])));
	EXPECT_EQ(2U, ld_head(&r));
	ASSERT_EQ(0, batch_events(self->fd, got, 3, &n));
	EXPECT_EQ(1U, n);
	EXPECT_EQ(0, memcmp(&snap[2], got, sizeof(got[0])));
	EXPECT_EQ(3U, ld_head(&r));
	ASSERT_EQ(0, batch_events(self->fd, got, 3, &n));
	EXPECT_EQ(0U, n);
	EXPECT_EQ(3U, ld_head(&r));
	ring_unmap(&r);
}

/*
 * A head the module could not have left: read() and a batch's events
 * EINVAL, tail stays while records wait (PENDING, EPOLLIN); the head
 * written back, they come, none lost.
 */
static void bad_head(struct __test_metadata *_metadata, int fd, int lfd,
		     __u32 bad)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDNORM };
	struct sockobj_create cr = { 0 };
	struct sockobj_batch_op op = { 0 };
	struct sockobj_batch b = { 0 };
	struct sockobj_event evs[4];
	struct sockobj_info info;
	struct ring r;
	__u32 id1, id2, n;

	RING_OPEN(fd, 4, &r);
	id1 = connect_abort(_metadata, fd, lfd, 1);
	ASSERT_EQ(0, ring_wait(&r, 3, so_tmo(5000)));
	ASSERT_EQ(3U, ring_take(&r, evs, 4));
	expect_connect_abort(_metadata, evs, id1, 1);
	ASSERT_EQ(3U, ld_head(&r));

	st_head(&r, bad);
	EXPECT_EQ(-1, read(fd, evs, sizeof(evs)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, batch_events(fd, evs, 4, &n));
	/* with an op: EINVAL after it ran, its result and done written back */
	cr.proto = SOCKOBJ_PROTO_TCP;
	cr.cookie = 9;
	op.op = SOCKOBJ_OP_CREATE;
	op.arg = U64((uintptr_t)&cr);
	op.result = -12345;
	b.ops = U64((uintptr_t)&op);
	b.count = 1;
	b.events = U64((uintptr_t)evs);
	b.nevents = 4;
	EXPECT_EQ(-EINVAL, so_ioctl(fd, SOCKOBJ_IOC_BATCH, &b));
	EXPECT_EQ(1U, b.done);
	ASSERT_LT(0, op.result);
	ASSERT_EQ(0, so_get_info(fd, (__u32)op.result, &info));
	EXPECT_EQ(9ULL, info.cookie);
	id2 = connect_abort(_metadata, fd, lfd, 2);
	so_sleep_ms(100);
	EXPECT_EQ(3U, ld_tail(&r));
	EXPECT_EQ(1, pending(&r));
	/* records wait: readable, and still nothing moves */
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(3U, ld_tail(&r));
	EXPECT_EQ(bad, ld_head(&r));
	EXPECT_EQ(-1, read(fd, evs, sizeof(evs)));
	EXPECT_EQ(EINVAL, errno);

	st_head(&r, 3);
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(6U, ld_tail(&r));
	ASSERT_EQ(3U, ring_take(&r, evs, 4));
	expect_connect_abort(_metadata, evs, id2, 2);
	EXPECT_EQ(0, pending(&r));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ring_unmap(&r);
}

TEST_F(mapped, head_ahead_of_tail_stops_delivery_until_written_back)
{
	bad_head(_metadata, self->fd, self->lfd, 3 + 5);
}

TEST_F(mapped, head_more_than_entries_behind_stops_delivery_until_written_back)
{
	bad_head(_metadata, self->fd, self->lfd, 3 - 4 - 1);
}

/*
 * A ring of 1, full, 5 records waiting (PENDING): read() (or a batch's
 * events, @batch) moves the waiting ones in, oldest first, and takes them
 * from the head; repeated until none is left, it gets all 6 in order, and
 * every one went through the ring (tail counts 6).
 */
static void drain_waiting(struct __test_metadata *_metadata, int fd, int lfd,
			  int batch)
{
	struct sockobj_event evs[8];
	unsigned int n = 0, turns = 0;
	struct ring r;
	__u32 id1, id2, got;
	ssize_t ret;

	RING_OPEN(fd, 1, &r);
	id1 = connect_abort(_metadata, fd, lfd, 1);
	id2 = connect_abort(_metadata, fd, lfd, 2);
	ASSERT_EQ(1U, ld_tail(&r));
	ASSERT_EQ(1, pending(&r));
	while (n < 6) {
		ASSERT_GT(20U, ++turns);
		if (batch) {
			ASSERT_EQ(0, batch_events(fd, evs + n, 8 - n, &got));
		} else {
			ret = read(fd, evs + n, (8 - n) * sizeof(evs[0]));
			ASSERT_LT(0, ret) TH_LOG("read(): %s after %u records",
						 strerror(errno), n);
			ASSERT_EQ(0, ret % SO_EV_SIZE);
			got = (__u32)(ret / SO_EV_SIZE);
		}
		ASSERT_LT(0U, got) TH_LOG("nothing after %u records, PENDING %d",
					  n, pending(&r));
		n += got;
	}
	EXPECT_EQ(6U, n);
	expect_connect_abort(_metadata, evs, id1, 1);
	expect_connect_abort(_metadata, evs + 3, id2, 2);
	EXPECT_EQ(6U, ld_tail(&r));
	EXPECT_EQ(6U, ld_head(&r));
	EXPECT_EQ(0, pending(&r));
	EXPECT_EQ(-1, read(fd, evs, sizeof(evs)));
	EXPECT_EQ(EAGAIN, errno);
	ring_unmap(&r);
}

TEST_F(mapped, read_moves_the_waiting_records_in)
{
	drain_waiting(_metadata, self->fd, self->lfd, 0);
}

TEST_F(mapped, batch_events_move_the_waiting_records_in)
{
	drain_waiting(_metadata, self->fd, self->lfd, 1);
}

/*
 * SOCKOBJ_BATCH_WAIT waits as before while the ring is empty: a record put
 * in the ring (another thread's CONNECT) wakes it long before wait_ms,
 * and the call takes it from the head.
 */
TEST_F(mapped, a_batch_wait_ends_when_a_record_enters_the_ring)
{
	__u32 wait_ms = (__u32)so_tmo(30000);
	struct sockobj_event got[4];
	struct sockobj_batch b = {
		.flags = SOCKOBJ_BATCH_WAIT, .wait_ms = wait_ms,
		.events = U64((uintptr_t)got), .nevents = ARRAY_SIZE(got),
	};
	struct later l = { .fd = self->fd };
	pthread_t th;
	struct ring r;
	__u64 t0, ms;

	RING_OPEN(self->fd, 4, &r);
	ASSERT_EQ(0, so_new(self->fd, 10, IP, PORT, &l.id));
	ASSERT_EQ(0, pthread_create(&th, NULL, connect_later, &l));
	t0 = so_now_ns();
	ASSERT_EQ(0, so_ioctl(self->fd, SOCKOBJ_IOC_BATCH, &b));
	ms = (so_now_ns() - t0) / 1000000;
	pthread_join(th, NULL);
	ASSERT_LE(1U, b.nevents);
	EXPECT_EQ(l.id, got[0].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), got[0].state);
	EXPECT_EQ(b.nevents, ld_head(&r));
	EXPECT_GT((__u64)wait_ms / 2, ms) TH_LOG("woken after %llu ms",
						 (unsigned long long)ms);
	ring_unmap(&r);
}

/*
 * A mapping holds the file: closed while mapped, the file keeps its
 * objects (the connection stays open, the peer's data and FIN still make
 * records, which come into the ring); once the last mapping is gone the
 * file closes, its connection with it.
 */
TEST_F(mapped, objects_live_until_the_last_mapping_is_gone)
{
	struct sockobj_event evs[8];
	unsigned int n = 0, k;
	int closing = 0;
	struct ring r;
	uint64_t end;
	char buf[8];
	__u32 id;
	int fd = so_open(0), srv, ret;

	ASSERT_LE(0, fd);
	RING_OPEN(fd, 8, &r);
	ASSERT_EQ(0, so_new(fd, 11, IP, PORT, &id));
	ASSERT_EQ(0, so_connect(fd, id));
	WAIT_STATE(fd, id, ESTABLISHED);
	srv = so_accept(self->lfd, so_tmo(5000));
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, ring_wait(&r, 2, so_tmo(5000)));
	ASSERT_EQ(2U, ring_take(&r, evs, 2));
	so_close(fd);

	ASSERT_EQ(3, send(srv, "abc", 3, 0));
	ASSERT_EQ(0, shutdown(srv, SHUT_WR));
	end = so_now_ns() + (uint64_t)so_tmo(5000) * 1000000ULL;
	while (!closing && so_now_ns() < end) {
		k = ring_take(&r, evs + n, 8 - n);
		for (; k; k--, n++)
			if (evs[n].type == SOCKOBJ_EV_STATE &&
			    evs[n].state == SOCKOBJ_STATE_PEER_CLOSING)
				closing = 1;
		if (n == 8)
			break;
		so_sleep_ms(2);
	}
	EXPECT_TRUE(closing)
		TH_LOG("no PEER_CLOSING record after close(), %u records", n);
	for (k = 0; k < n; k++)
		EXPECT_EQ(id, evs[k].id);
	/* the connection is open: nothing has come to the peer */
	EXPECT_EQ(-ETIMEDOUT, so_recv(srv, buf, sizeof(buf), 200));

	ring_unmap(&r);
	ret = so_recv(srv, buf, sizeof(buf), so_tmo(5000));
	EXPECT_TRUE(ret == 0 || ret == -ECONNRESET) TH_LOG("peer: %d", ret);
	close(srv);
}

/* Records in the ring when their object goes had been delivered: stay */
TEST_F(mapped, records_of_a_destroyed_or_handed_off_object_stay)
{
	struct sockobj_event snap[5], got[5];
	struct ring r;
	__u32 id1, id2;
	int srv, sfd;

	RING_OPEN(self->fd, 8, &r);
	id1 = connect_abort(_metadata, self->fd, self->lfd, 1);
	ASSERT_EQ(0, so_new(self->fd, 2, IP, PORT, &id2));
	ASSERT_EQ(0, so_connect(self->fd, id2));
	WAIT_STATE(self->fd, id2, ESTABLISHED);
	srv = so_accept(self->lfd, so_tmo(5000));
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, ring_wait(&r, 5, so_tmo(5000)));
	memcpy(snap, r.slots, sizeof(snap));

	ASSERT_EQ(0, so_destroy(self->fd, id1, 0));
	sfd = so_handoff(self->fd, id2, 0);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(5U, ld_tail(&r));
	EXPECT_EQ(0, memcmp(snap, r.slots, sizeof(snap)));
	EXPECT_EQ(5 * SO_EV_SIZE, read(self->fd, got, sizeof(got)));
	expect_connect_abort(_metadata, got, id1, 1);
	EXPECT_EQ(id2, got[3].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), got[3].state);
	EXPECT_EQ(id2, got[4].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), got[4].state);
	EXPECT_EQ(5U, ld_head(&r));
	close(sfd);
	close(srv);
	ring_unmap(&r);
}

/* poll(): EPOLLIN while the ring holds a record, not once it is taken */
TEST_F(mapped, poll_reports_a_record_in_the_ring_until_taken)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN | POLLRDNORM };
	struct sockobj_event evs[4];
	struct ring r;
	__u32 id;

	RING_OPEN(self->fd, 4, &r);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, so_new(self->fd, 3, IP, PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EQ(0, ring_wait(&r, 1, so_tmo(5000)));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLRDNORM, pfd.revents);
	WAIT_STATE(self->fd, id, ESTABLISHED);
	ASSERT_EQ(0, ring_wait(&r, 2, so_tmo(5000)));
	EXPECT_EQ(2U, ring_take(&r, evs, 4));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* and again with the next */
	ASSERT_EQ(0, so_abort(self->fd, id));
	ASSERT_EQ(0, ring_wait(&r, 1, so_tmo(5000)));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(1U, ring_take(&r, evs, 4));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ring_unmap(&r);
}

/*
 * Level-triggered epoll on a ring of 1: each epoll_wait() reports
 * EPOLLIN while records wait and moves the next one in, until none is
 * left; then it reports nothing.
 */
TEST_F(mapped, epoll_level_triggered_across_pending)
{
	struct epoll_event ee = { .events = EPOLLIN }, out;
	struct sockobj_event evs[6];
	unsigned int n = 0, turns = 0;
	struct ring r;
	__u32 id1, id2;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ee));
	RING_OPEN(self->fd, 1, &r);
	id1 = connect_abort(_metadata, self->fd, self->lfd, 1);
	id2 = connect_abort(_metadata, self->fd, self->lfd, 2);
	EXPECT_EQ(1, pending(&r));
	while (n < 6) {
		ASSERT_GT(20U, ++turns);
		ASSERT_EQ(1, epoll_wait(ep, &out, 1, 0))
			TH_LOG("after %u records", n);
		EXPECT_NE(0U, out.events & EPOLLIN);
		EXPECT_EQ(1U, ld_tail(&r) - ld_head(&r));
		n += ring_take(&r, evs + n, 6 - n);
	}
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	EXPECT_EQ(0, pending(&r));
	expect_connect_abort(_metadata, evs, id1, 1);
	expect_connect_abort(_metadata, evs + 3, id2, 2);
	close(ep);
	ring_unmap(&r);
}

/*
 * The mapping lives until the file's last reference and mapping are gone:
 * after close(), the records are there and head can be written; munmap()
 * then frees it (the debug kernel's kmemleak checks that nothing stays).
 */
TEST_F(mapped, mapping_stays_valid_after_close)
{
	struct sockobj_event evs[3];
	struct ring r;
	__u32 id;
	int fd = so_open(0);

	ASSERT_LE(0, fd);
	RING_OPEN(fd, 4, &r);
	id = connect_abort(_metadata, fd, self->lfd, 4);
	ASSERT_EQ(0, ring_wait(&r, 3, so_tmo(5000)));
	so_close(fd);
	EXPECT_EQ(3U, ld_tail(&r));
	ASSERT_EQ(3U, ring_take(&r, evs, 3));
	expect_connect_abort(_metadata, evs, id, 4);
	EXPECT_EQ(3U, ld_head(&r));
	ring_unmap(&r);
}

/*
 * SOCKOBJ_RING_PENDING is cleared once no record waits, however they
 * stopped waiting: a DESTROY that discards the last waiting records (those
 * of its object) clears it; one that leaves another object's records
 * waiting does not.
 */
TEST_F(mapped, destroy_of_the_last_waiting_records_clears_pending)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN | POLLRDNORM };
	struct sockobj_event evs[2];
	struct ring r;
	__u32 id1, id2;

	RING_OPEN(self->fd, 1, &r);
	id1 = connect_abort(_metadata, self->fd, self->lfd, 1);
	id2 = connect_abort(_metadata, self->fd, self->lfd, 2);
	/* id1's CONNECTING in the ring, 2 of id1's and 3 of id2's waiting */
	EXPECT_EQ(1U, ld_tail(&r));
	EXPECT_EQ(1, pending(&r));

	ASSERT_EQ(0, so_destroy(self->fd, id1, 0));
	EXPECT_EQ(1, pending(&r)) TH_LOG("id2's records still wait");
	ASSERT_EQ(0, so_destroy(self->fd, id2, 0));
	EXPECT_EQ(0, pending(&r)) TH_LOG("no record waits any more");
	EXPECT_EQ(1U, ld_tail(&r));

	ASSERT_EQ(1U, ring_take(&r, evs, 2));
	EXPECT_EQ(id1, evs[0].id);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), evs[0].state);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(-1, read(self->fd, evs, sizeof(evs)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1U, ld_tail(&r));
	EXPECT_EQ(0, pending(&r));
	ring_unmap(&r);
}

#define SPIN_ROUNDS	200U

/* The spinning reader of the next test */
struct spinner {
	struct ring *r;
	int fd;
	__u32 done;		/* rounds whose send was made (atomic) */
	__u32 wrong;		/* sends not refused ENOTCONN */
	int last;		/* the last of those sends' results */
	__u32 stop;		/* atomic */
};

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
}

/*
 * Spins on tail (no sleep, no call on the file) and sends a byte the moment
 * an object's CLOSED record appears: the socket callback writes it on the
 * CPU where the peer's RST is processed (the main thread's), this thread
 * runs on the other one.
 */
static void *spin_and_send(void *arg)
{
	struct spinner *s = arg;
	struct sockobj_event ev;
	size_t done;
	int ret;

	pin_to_cpu(1);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (!ring_take(s->r, &ev, 1))
			continue;
		if (ev.type != SOCKOBJ_EV_STATE ||
		    ev.state != SOCKOBJ_STATE_CLOSED)
			continue;
		ret = so_io_send(s->fd, ev.id, "x", 1, &done);
		if (ret != -ENOTCONN) {
			s->wrong++;
			s->last = ret;
		}
		__atomic_add_fetch(&s->done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * A record is in the ring only once its state is the object's: a program
 * that sees CLOSED in the ring and sends at once is refused ENOTCONN, as a
 * CLOSED object's send is (were the object still ESTABLISHED, the send
 * would reach the reset socket: ECONNRESET or EPIPE). The peer's RST closes
 * the object in a socket callback, with no ioctl holding the object (a
 * connect's handshake on loopback completes inside its CONNECT, which holds
 * it). Many connections, each record seen by a thread spinning on tail: a
 * reversed order that leaves microseconds between record and state fails
 * it (a 30 us one: 24 sends in 200); one of a few instructions, shorter
 * than the other CPU's system call, does not.
 */
TEST_F(mapped, a_state_seen_in_the_ring_is_the_objects_state)
{
	struct spinner s = { .fd = self->fd };
	struct ring r;
	pthread_t th;
	unsigned int i;
	__u32 id;
	int srv;

	RING_OPEN(self->fd, 64, &r);
	s.r = &r;
	pin_to_cpu(0);
	ASSERT_EQ(0, pthread_create(&th, NULL, spin_and_send, &s));
	for (i = 0; i < SPIN_ROUNDS; i++) {
		ASSERT_EQ(0, so_new(self->fd, i, IP, PORT, &id));
		ASSERT_EQ(0, so_connect(self->fd, id));
		srv = so_accept(self->lfd, so_tmo(5000));
		ASSERT_LE(0, srv);
		WAIT_STATE(self->fd, id, ESTABLISHED);
		so_close_rst(srv);
		while (__atomic_load_n(&s.done, __ATOMIC_ACQUIRE) <= i)
			sched_yield();
		ASSERT_EQ(0, so_destroy(self->fd, id, 0));
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	EXPECT_EQ(0U, s.wrong)
		TH_LOG("of %u sends, the last: %d", SPIN_ROUNDS, s.last);
	ring_unmap(&r);
}

/* A forked child's mapping is the same ring, both ways */
TEST_F(mapped, a_forked_child_sees_the_same_ring)
{
	struct ring r;
	pid_t pid;
	int st;

	RING_OPEN(self->fd, 4, &r);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sockobj_event evs[4];

		/* its parent's records; then it takes them */
		if (ring_wait(&r, 3, so_tmo(10000)))
			_exit(2);
		_exit(ring_take(&r, evs, 4) == 3 &&
		      evs[2].reason == SOCKOBJ_REASON_ABORTED ? 0 : 1);
	}
	connect_abort(_metadata, self->fd, self->lfd, 8);
	st = so_wait_child(pid, 30, "the child");
	ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("child status 0x%x", st);
	EXPECT_EQ(3U, ld_head(&r));
	EXPECT_EQ(0, poll(&(struct pollfd){ .fd = self->fd, .events = POLLIN },
			  1, 0));
	ring_unmap(&r);
}

/* Records queued before the setup are not lost by it */
TEST_F(mapped, records_queued_before_the_setup_are_not_lost)
{
	struct sockobj_event evs[4];
	struct ring r;
	__u32 id;
	int n = 0, got;

	id = connect_abort(_metadata, self->fd, self->lfd, 3);
	RING_OPEN(self->fd, 4, &r);
	while (n < 4 && (got = so_read_events(self->fd, evs + n, 4 - n,
					      n ? 0 : so_tmo(2000))) > 0)
		n += got;
	ASSERT_EQ(3, n);
	expect_connect_abort(_metadata, evs, id, 3);
	ring_unmap(&r);
}

SO_HARNESS_MAIN
