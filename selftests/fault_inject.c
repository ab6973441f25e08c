// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: memory allocation failures in every path.
 *
 * failslab and fail_page_alloc (debugfs) are limited to the test's own
 * thread: the kernel of this test has no FAULT_INJECTION_STACKTRACE_FILTER
 * (require-start/require-end), so the faults are aimed at the calls into
 * the module instead:
 *  - systematically, with /proc/thread-self/fail-nth: for one call at a
 *    time (open, CREATE, CONFIGURE, CONNECT to a listener / a closed port /
 *    a destination without a route / UDP / with every option and a local
 *    bind, SEND, RECV, DISCONNECT, ABORT, DESTROY, HANDOFF, BATCH, a
 *    BATCH of RECV ops, read, close), the 1st, 2nd, 3rd... allocation the call makes (the module's
 *    own and those of the socket layer below it) fails, until the call
 *    makes no more;
 *  - at random, with task-filter and /proc/thread-self/make-it-fail set
 *    around each call of a random workload (probability 10%).
 * Each call must return 0 or an errno its contract documents; a CONNECT
 * that returned 0 must produce CONNECTING and then ESTABLISHED or a clean
 * CLOSED (a reason, the errno in range), one that failed must leave the
 * object CLOSED with no record; objects stay usable (GET_INFO, DESTROY)
 * and the byte counters agree with what SEND/RECV reported.
 * The number of faults injected (the failslab and fail_page_alloc "times"
 * counters, and the kernel log's FAULT_INJECTION lines, which are rate
 * limited) is printed and must be > 0. Leaks are kmemleak's
 * (tools/testing/vm-run).
 *
 * Without fault injection in the kernel (the stock Debian kernel) the test
 * skips.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>

#include "sotest.h"

#define FS	"/sys/kernel/debug/failslab"
#define FPA	"/sys/kernel/debug/fail_page_alloc"
#define TIMES	1000000L

static int debug_fs_ok(void)
{
	return !access(FS "/times", W_OK) && !access(FPA "/times", W_OK) &&
	       !access("/proc/thread-self/fail-nth", W_OK);
}

/* Saved debugfs settings, restored at the end. */
static const char *const knobs[] = {
	FS "/probability", FS "/interval", FS "/times", FS "/space",
	FS "/verbose", FS "/task-filter", FS "/ignore-gfp-wait",
	FS "/cache-filter",
	FPA "/probability", FPA "/interval", FPA "/times", FPA "/space",
	FPA "/verbose", FPA "/task-filter", FPA "/ignore-gfp-wait",
	FPA "/ignore-gfp-highmem", FPA "/min-order",
};
static char saved[ARRAY_SIZE(knobs)][32];

static int knob_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

static void fi_save(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		knob_read(knobs[i], saved[i], sizeof(saved[i]));
}

static void fi_restore(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		if (saved[i][0])
			so_write_file(knobs[i], saved[i]);
}

/* Faults only when asked: by fail-nth, or by make-it-fail + probability. */
static int fi_configure(int probability)
{
	static const char *const dirs[] = { FS, FPA };
	char path[128], v[16];
	size_t i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
#define SET(k, val) do {						\
		snprintf(path, sizeof(path), "%s/%s", dirs[i], k);	\
		ret |= so_write_file(path, val);			\
	} while (0)
		snprintf(v, sizeof(v), "%d", probability);
		SET("task-filter", "Y");
		SET("probability", v);
		SET("interval", "1");
		SET("space", "0");
		SET("verbose", "1");
		/* GFP_KERNEL allocations too (the default skips them) */
		SET("ignore-gfp-wait", "N");
		if (i == 1) {
			SET("ignore-gfp-highmem", "N");
			SET("min-order", "0");
		}
#undef SET
	}
	return ret;
}

static long times_left(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/times", dir);
	return so_read_long(path, TIMES);
}

static long injected_total(void)
{
	return (TIMES - times_left(FS)) + (TIMES - times_left(FPA));
}

/* ---------------------------------------------------------------------- */
/* fail-nth and make-it-fail of this thread                               */
/* ---------------------------------------------------------------------- */

static int nth_fd = -1, mif_fd = -1;

static void nth_arm(unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(nth_fd, b, (size_t)len, 0) != len)
		abort();
}

/* Disarm; 1 if the n-th allocation was reached (and failed). */
static int nth_disarm(void)
{
	char b[16] = "";
	long left;

	if (pread(nth_fd, b, sizeof(b) - 1, 0) <= 0)
		abort();
	left = strtol(b, NULL, 10);
	if (left && pwrite(nth_fd, "0", 1, 0) != 1)
		abort();
	return left == 0;
}

static void mif(int on)
{
	if (pwrite(mif_fd, on ? "1" : "0", 1, 0) != 1)
		abort();
}

/* ---------------------------------------------------------------------- */
/* The cases                                                              */
/* ---------------------------------------------------------------------- */

struct ctx {
	int fd;			/* device file of the case */
	__u32 id;
	int lfd;		/* the accepted peer socket, or -1 */
	int hfd;		/* a handed-off socket, or -1 */
	__u64 sent;		/* what SEND said */
	__u64 received;
	struct sockobj_ring_setup ring;	/* what RING_SETUP answered */
	char buf[4096];
};

struct env {
	__u16 lport, uport, closed_port;
	int listener4, listener6, udp;
	long violations, calls, faults_seen;
	int maxn;
};

static struct env E;

#define BAD(fmt, ...) do {						\
	E.violations++;							\
	fprintf(stderr, "# VIOLATION: " fmt "\n", ##__VA_ARGS__);	\
} while (0)

enum kind {
	K_OPEN, K_CREATE_TCP, K_CREATE_UDP, K_CONFIGURE, K_GET_INFO,
	K_CONNECT4, K_CONNECT6, K_CONNECT_REFUSED, K_CONNECT_NOROUTE,
	K_CONNECT_UDP, K_CONNECT_OPTS, K_SEND_TCP, K_SEND_UDP, K_RECV_TCP,
	K_RECV_UDP, K_DISCONNECT, K_ABORT, K_DESTROY, K_DESTROY_ABORT,
	K_HANDOFF, K_BATCH, K_BATCH_RECV, K_BATCH_RECVV, K_READ, K_RING_SETUP,
	K_CLOSE, K_N
};

static const char *const kname[K_N] = {
	"open", "create tcp", "create udp", "configure", "get_info",
	"connect tcp4 listener", "connect tcp6 listener", "connect refused",
	"connect no route", "connect udp", "connect with options+bind",
	"send tcp", "send udp", "recv tcp", "recv udp", "disconnect",
	"abort", "destroy", "destroy abort", "handoff", "batch", "batch recv",
	"batch recvv", "read", "ring setup",
	"close with objects",
};

static const int *const kerrs[K_N] = {
	[K_CREATE_TCP] = so_errs_create, [K_CREATE_UDP] = so_errs_create,
	[K_CONFIGURE] = so_errs_configure, [K_GET_INFO] = so_errs_get_info,
	[K_CONNECT4] = so_errs_connect, [K_CONNECT6] = so_errs_connect,
	[K_CONNECT_REFUSED] = so_errs_connect,
	[K_CONNECT_NOROUTE] = so_errs_connect, [K_CONNECT_UDP] = so_errs_connect,
	[K_CONNECT_OPTS] = so_errs_connect, [K_SEND_TCP] = so_errs_send,
	[K_SEND_UDP] = so_errs_send, [K_RECV_TCP] = so_errs_recv,
	[K_RECV_UDP] = so_errs_recv, [K_DISCONNECT] = so_errs_disconnect,
	[K_ABORT] = so_errs_abort, [K_DESTROY] = so_errs_destroy,
	[K_DESTROY_ABORT] = so_errs_destroy, [K_HANDOFF] = so_errs_handoff,
	[K_BATCH] = so_errs_batch,
	[K_BATCH_RECV] = so_errs_batch, [K_BATCH_RECVV] = so_errs_batch,
	[K_READ] = so_errs_read, [K_RING_SETUP] = so_errs_ring_setup,
};

/* open(2) of the device may fail with ENOMEM (or ENFILE) */
static const int errs_open[] = { ENOMEM, ENFILE, 0 };

/*
 * Wait for the records of an attempt: CONNECTING, then ESTABLISHED or a
 * clean CLOSED. Returns the state reached, or -1.
 */
static int attempt_outcome(int fd, __u32 id, int want_connecting)
{
	struct sockobj_event e;
	int r, state = -1, prev = SOCKOBJ_STATE_CLOSED;

	if (want_connecting) {
		r = so_next_state_event(fd, id, &e, so_tmo(5000));
		if (r != 1 || e.state != SOCKOBJ_STATE_CONNECTING ||
		    e.prev_state != SOCKOBJ_STATE_CLOSED) {
			BAD("id %u: CONNECT returned 0 but no CONNECTING record "
			    "(%d, state %u)", id, r, r == 1 ? e.state : 99);
			return -1;
		}
		prev = SOCKOBJ_STATE_CONNECTING;
	}
	r = so_next_state_event(fd, id, &e, so_tmo(8000));
	if (r != 1) {
		BAD("id %u: no outcome record after CONNECTING", id);
		return -1;
	}
	if ((int)e.prev_state != prev || e.merged != 1)
		BAD("id %u: record %s <- %s after %s", id,
		    so_state_name(e.state), so_state_name(e.prev_state),
		    so_state_name((__u32)prev));
	state = (int)e.state;
	if (state == SOCKOBJ_STATE_CLOSED &&
	    (e.reason == SOCKOBJ_REASON_NONE || e.reason > 12 || e.error < 0 ||
	     e.error > 4095))
		BAD("id %u: unclean CLOSED record: reason %u error %d", id,
		    e.reason, e.error);
	if (state != SOCKOBJ_STATE_CLOSED && state != SOCKOBJ_STATE_ESTABLISHED)
		BAD("id %u: attempt went to %s", id, so_state_name(e.state));
	return state;
}

/* A failed call left the object as it was: CLOSED, no record. */
static void untouched(int fd, __u32 id, const char *what)
{
	struct sockobj_info info;
	struct sockobj_event e;
	int r = so_get_info(fd, id, &info);

	if (r) {
		BAD("%s failed, then GET_INFO: %s", what, strerror(-r));
		return;
	}
	if (info.state != SOCKOBJ_STATE_CLOSED || info.pending)
		BAD("%s failed but the object is %s with %u records pending",
		    what, so_state_name(info.state), info.pending);
	if (so_next_state_event(fd, id, &e, 0) == 1)
		BAD("%s failed but a record arrived (%s)", what,
		    so_state_name(e.state));
}

static __u32 new_tcp(int fd, const char *ip, __u16 port)
{
	__u32 id = 0;

	if (so_new(fd, 1, ip, port, &id))
		BAD("setup: create/configure failed");
	return id;
}

/* An ESTABLISHED object with its peer accepted (no faults). */
static int establish(struct ctx *c, int proto)
{
	struct sockobj_event e;

	if (proto == SOCKOBJ_PROTO_UDP) {
		if (so_create(c->fd, SOCKOBJ_PROTO_UDP, 1, &c->id) ||
		    so_set_target(c->fd, c->id, "127.0.0.1", E.uport) ||
		    so_connect(c->fd, c->id))
			return -1;
	} else {
		int stale;

		/* connections earlier cases left in the accept queue */
		while ((stale = so_accept(E.listener4, 0)) >= 0)
			close(stale);
		c->id = new_tcp(c->fd, "127.0.0.1", E.lport);
		if (so_connect(c->fd, c->id))
			return -1;
		c->lfd = so_accept(E.listener4, so_tmo(5000));
		if (c->lfd < 0)
			return -1;
	}
	while (so_next_state_event(c->fd, c->id, &e, so_tmo(3000)) == 1)
		if (e.state == SOCKOBJ_STATE_ESTABLISHED)
			return 0;
	return -1;
}

static void prefault(struct ctx *c)
{
	memset(c->buf, 'p', sizeof(c->buf));
}

/*
 * More RECV ops than the kernel's chunk on the stack (8), so the first
 * allocation of the call is the chunk's: failing it must only shorten the
 * coalesced runs. The call fails only with EINVAL or EFAULT, and the ops'
 * results are what they would be one by one: 64 while the 1,000 queued
 * bytes last, then the rest, then -EAGAIN.
 */
static int batch_recv(struct ctx *c)
{
	enum { NOPS = 20, SZ = 64 };
	struct sockobj_batch_op ops[NOPS] = {};
	struct sockobj_batch b = { .ops = (uintptr_t)ops, .count = NOPS };
	__u64 got = 0;
	int i, ret;

	memset(c->buf, 0, NOPS * SZ);
	for (i = 0; i < NOPS; i++) {
		ops[i].op = SOCKOBJ_OP_RECV;
		ops[i].id = c->id;
		ops[i].arg = (uintptr_t)(c->buf + i * SZ);
		ops[i].len = SZ;
	}
	ret = so_ioctl(c->fd, SOCKOBJ_IOC_BATCH, &b);
	if (ret)
		return ret;
	if (b.done != NOPS)
		BAD("batch recv: %u of %d ops ran", b.done, NOPS);
	for (i = 0; i < (int)b.done; i++) {
		int r = ops[i].result;
		/* full ops while data lasts, then at most one part, then EAGAIN */
		bool ok = got == (__u64)i * SZ ? (r > 0 && r <= SZ) || r == -EAGAIN :
						  r == -EAGAIN;

		if (!ok || got + (r > 0 ? r : 0) > 1000)
			BAD("batch recv op %d: %d after %llu bytes", i, r,
			    (unsigned long long)got);
		if (r > 0)
			got += r;
	}
	for (i = 0; i < (int)got; i++)
		if (c->buf[i] != 'p') {
			BAD("batch recv: byte %d is %#x", i, c->buf[i]);
			break;
		}
	c->received = got;
	return 0;
}

/*
 * One RECVV op over 20 iovecs of 64 B: more than the 8 the kernel copies to
 * its stack, so the array goes to the file's kept one, allocated on first
 * use, or to an allocation of its own: -ENOMEM when neither can be had.
 */
static int batch_recvv(struct ctx *c)
{
	enum { NIOV = 20, SZ = 64 };
	struct iovec iov[NIOV];
	struct sockobj_batch_op op = {
		.op = SOCKOBJ_OP_RECVV, .id = c->id,
		.arg = (uintptr_t)iov, .len = NIOV,
	};
	struct sockobj_batch b = { .ops = (uintptr_t)&op, .count = 1 };
	int i, ret;

	memset(c->buf, 0, NIOV * SZ);
	for (i = 0; i < NIOV; i++) {
		iov[i].iov_base = c->buf + i * SZ;
		iov[i].iov_len = SZ;
	}
	ret = so_ioctl(c->fd, SOCKOBJ_IOC_BATCH, &b);
	if (ret)
		return ret;
	if (b.done != 1 || !(op.result == -EAGAIN || op.result == -ENOMEM ||
			     (op.result > 0 && op.result <= 1000)))
		BAD("batch recvv: %u ops ran, result %d", b.done, op.result);
	c->received = op.result > 0 ? op.result : 0;
	for (i = 0; i < (int)c->received; i++)
		if (c->buf[i] != 'p') {
			BAD("batch recvv: byte %d is %#x", i, c->buf[i]);
			break;
		}
	return 0;
}

/* Prepare a case (no faults). 0, or -1 to skip this round. */
static int case_setup(enum kind k, struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->lfd = c->hfd = -1;
	c->fd = so_open(O_NONBLOCK);
	if (c->fd < 0)
		return -1;
	prefault(c);
	switch (k) {
	case K_OPEN:
	case K_CREATE_TCP:
	case K_CREATE_UDP:
	case K_BATCH:
		return 0;
	case K_CONFIGURE:
	case K_GET_INFO:
	case K_CONNECT4:
		c->id = new_tcp(c->fd, "127.0.0.1", E.lport);
		return 0;
	case K_CONNECT6:
		c->id = new_tcp(c->fd, "::1", E.lport);
		return 0;
	case K_CONNECT_REFUSED:
		c->id = new_tcp(c->fd, "127.0.0.1", E.closed_port);
		return 0;
	case K_CONNECT_NOROUTE:
		c->id = new_tcp(c->fd, "10.255.0.1", 80);
		return 0;
	case K_CONNECT_UDP:
		if (so_create(c->fd, SOCKOBJ_PROTO_UDP, 1, &c->id) ||
		    so_set_target(c->fd, c->id, "127.0.0.1", E.uport))
			return -1;
		return 0;
	case K_CONNECT_OPTS: {
		struct sockobj_config cfg = {
			.mask = SOCKOBJ_CFG_LOCAL | SOCKOBJ_CFG_IFACE |
				SOCKOBJ_CFG_CONNECT_TIMEOUT |
				SOCKOBJ_CFG_NODELAY | SOCKOBJ_CFG_KEEPALIVE |
				SOCKOBJ_CFG_TOS | SOCKOBJ_CFG_PRIORITY |
				SOCKOBJ_CFG_SNDBUF | SOCKOBJ_CFG_RCVBUF |
				SOCKOBJ_CFG_USER_TIMEOUT |
				SOCKOBJ_CFG_INACTIVITY |
				SOCKOBJ_CFG_SENT_THRESHOLD,
			.ifindex = if_nametoindex("lo"),
			.connect_timeout_ms = 5000, .nodelay = 1,
			.keepalive = 1, .keepidle_s = 5, .keepintvl_s = 5,
			.keepcnt = 3, .tos = 0x10, .priority = 3,
			.sndbuf = 65536, .rcvbuf = 65536,
			.user_timeout_ms = 5000, .inactivity_s = 30,
			.sent_threshold = 1,
		};

		c->id = new_tcp(c->fd, "127.0.0.1", E.lport);
		cfg.id = c->id;
		so_addr(&cfg.local, "127.0.0.1", 0);
		return so_configure(c->fd, &cfg) ? -1 : 0;
	}
	case K_SEND_TCP:
	case K_RECV_TCP:
	case K_BATCH_RECV:
	case K_BATCH_RECVV:
	case K_DISCONNECT:
	case K_ABORT:
	case K_DESTROY:
	case K_DESTROY_ABORT:
	case K_HANDOFF:
	case K_READ:
	case K_RING_SETUP:
	case K_CLOSE:
		if (establish(c, SOCKOBJ_PROTO_TCP))
			return -1;
		if (k == K_RECV_TCP || k == K_BATCH_RECV || k == K_BATCH_RECVV ||
		    k == K_DESTROY || k == K_CLOSE) {
			/* data waiting for us */
			if (write(c->lfd, c->buf, 1000) != 1000)
				return -1;
			so_sleep_ms(so_debug_kernel() ? 50 : 5);
		}
		if (k == K_READ || k == K_RING_SETUP) {
			/* records waiting: a refused attempt of another object */
			__u32 id2 = new_tcp(c->fd, "127.0.0.1", E.closed_port);

			so_connect(c->fd, id2);
			so_sleep_ms(so_debug_kernel() ? 50 : 5);
		}
		return 0;
	case K_SEND_UDP:
	case K_RECV_UDP:
		if (establish(c, SOCKOBJ_PROTO_UDP))
			return -1;
		if (k == K_RECV_UDP) {
			struct sockobj_io io = { .id = c->id,
						 .buf = (uintptr_t)c->buf,
						 .len = 100 };

			/* the echo of a datagram */
			if (so_ioctl(c->fd, SOCKOBJ_IOC_SEND, &io))
				return -1;
			c->sent = io.done;
			so_sleep_ms(so_debug_kernel() ? 100 : 10);
		}
		return 0;
	default:
		return -1;
	}
}

/* The faulted call. Returns its result (>= 0 or -errno). */
static int case_call(enum kind k, struct ctx *c)
{
	struct sockobj_io io = { .id = c->id, .buf = (uintptr_t)c->buf,
				 .len = sizeof(c->buf) };
	struct sockobj_config cfg = { .id = c->id };
	struct sockobj_info info;
	int ret;

	switch (k) {
	case K_OPEN:
		ret = open(SO_DEV_PATH, O_RDWR | O_CLOEXEC);
		return ret < 0 ? -errno : ret;
	case K_CREATE_TCP:
		return so_create(c->fd, SOCKOBJ_PROTO_TCP, 7, &c->id);
	case K_CREATE_UDP:
		return so_create(c->fd, SOCKOBJ_PROTO_UDP, 7, &c->id);
	case K_CONFIGURE:
		cfg.mask = SOCKOBJ_CFG_IFACE | SOCKOBJ_CFG_NODELAY |
			   SOCKOBJ_CFG_TOS;
		strcpy(cfg.ifname, "lo");
		cfg.nodelay = 1;
		cfg.tos = 4;
		return so_configure(c->fd, &cfg);
	case K_GET_INFO:
		return so_get_info(c->fd, c->id, &info);
	case K_CONNECT4:
	case K_CONNECT6:
	case K_CONNECT_REFUSED:
	case K_CONNECT_NOROUTE:
	case K_CONNECT_UDP:
	case K_CONNECT_OPTS:
		return so_connect(c->fd, c->id);
	case K_SEND_TCP:
	case K_SEND_UDP:
		io.len = k == K_SEND_UDP ? 512 : sizeof(c->buf);
		ret = so_ioctl(c->fd, SOCKOBJ_IOC_SEND, &io);
		if (!ret)
			c->sent = io.done;
		return ret;
	case K_RECV_TCP:
	case K_RECV_UDP:
		ret = so_ioctl(c->fd, SOCKOBJ_IOC_RECV, &io);
		if (!ret)
			c->received = io.done;
		return ret;
	case K_DISCONNECT:
		return so_disconnect(c->fd, c->id);
	case K_ABORT:
		return so_abort(c->fd, c->id);
	case K_DESTROY:
		return so_destroy(c->fd, c->id, 0);
	case K_DESTROY_ABORT:
		return so_destroy(c->fd, c->id, SOCKOBJ_DESTROY_ABORT);
	case K_HANDOFF:
		ret = so_handoff(c->fd, c->id, 0);
		if (ret >= 0)
			c->hfd = ret;
		return ret;
	case K_BATCH: {
		static struct sockobj_create cr = { .proto = SOCKOBJ_PROTO_TCP,
						    .cookie = 9 };
		static struct sockobj_config bc = { .mask = SOCKOBJ_CFG_TARGET };
		struct sockobj_batch_op ops[3] = {
			{ .op = SOCKOBJ_OP_CREATE, .arg = (uintptr_t)&cr },
			{ .op = SOCKOBJ_OP_CONFIGURE, .arg = (uintptr_t)&bc },
			{ .op = SOCKOBJ_OP_CONNECT },
		};
		struct sockobj_batch b = { .ops = (uintptr_t)ops, .count = 3,
					   .flags = SOCKOBJ_BATCH_STOP };

		so_addr(&bc.target, "127.0.0.1", E.lport);
		ret = so_ioctl(c->fd, SOCKOBJ_IOC_BATCH, &b);
		if (!ret) {
			int i;

			for (i = 0; i < (int)b.done; i++)
				if (ops[i].result < 0 &&
				    !so_err_allowed(i == 0 ? so_errs_create :
						    i == 1 ? so_errs_configure :
						    so_errs_connect, -ops[i].result))
					BAD("batch op %d: undocumented %s", i,
					    strerror(-ops[i].result));
			c->id = ops[0].result > 0 ? (__u32)ops[0].result : 0;
			/* connect ran and succeeded: an attempt follows */
			c->sent = b.done == 3 && ops[2].result == 0;
		}
		return ret;
	}
	case K_BATCH_RECV:
		return batch_recv(c);
	case K_BATCH_RECVV:
		return batch_recvv(c);
	case K_READ: {
		struct sockobj_event ev[8];
		ssize_t n = read(c->fd, ev, sizeof(ev));

		return n < 0 ? -errno : (int)n;
	}
	case K_RING_SETUP: {
		/* 512 slots: 33 pages, each an allocation that can fail */
		struct sockobj_ring_setup rs = { .entries = 512 };

		ret = so_ioctl(c->fd, SOCKOBJ_IOC_RING_SETUP, &rs);
		c->ring = rs;
		return ret;
	}
	case K_CLOSE:
		close(c->fd);
		c->fd = -1;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * A ring set up under faults is whole: mapped, it holds the records that
 * were pending (a refused attempt: CONNECTING, CLOSED) and a second setup
 * is EBUSY; a setup that failed left no ring (mmap() ENODEV) and read()
 * still has those records.
 */
static void ring_check(struct ctx *c, int ret)
{
	struct sockobj_ring_setup rs = { .entries = 1 };
	struct sockobj_event ev[8];
	const __u32 *tail;
	void *map;
	ssize_t n;

	if (ret) {
		map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, c->fd, 0);
		if (map != MAP_FAILED || errno != ENODEV)
			BAD("ring setup failed with %s, yet mmap() gives %s",
			    strerror(-ret), map == MAP_FAILED ?
			    strerror(errno) : "a mapping");
		if (map != MAP_FAILED)
			munmap(map, 4096);
		n = read(c->fd, ev, sizeof(ev));
		if (n < (ssize_t)(2 * sizeof(ev[0])))
			BAD("ring setup failed, read() then gives %zd (%s)", n,
			    n < 0 ? strerror(errno) : "too few records");
		return;
	}
	if (so_ioctl(c->fd, SOCKOBJ_IOC_RING_SETUP, &rs) != -EBUSY)
		BAD("a second ring setup is not EBUSY");
	map = mmap(NULL, c->ring.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   c->fd, 0);
	if (map == MAP_FAILED) {
		BAD("ring set up, mmap(): %s", strerror(errno));
		return;
	}
	tail = (const __u32 *)((char *)map + c->ring.tail_off);
	if (__atomic_load_n(tail, __ATOMIC_ACQUIRE) < 2)
		BAD("ring set up, yet it holds %u records of the 2 pending",
		    *tail);
	munmap(map, c->ring.size);
}

/* After the call (no faults): is everything consistent? */
static void case_check(enum kind k, struct ctx *c, int ret)
{
	struct sockobj_info info;
	int r, state;

	switch (k) {
	case K_OPEN:
		if (ret >= 0) {
			__u32 id;

			if (so_create(ret, SOCKOBJ_PROTO_TCP, 1, &id))
				BAD("a file opened under faults is unusable");
			close(ret);
		}
		break;
	case K_CREATE_TCP:
	case K_CREATE_UDP:
		if (!ret && so_get_info(c->fd, c->id, &info))
			BAD("CREATE returned id %u, GET_INFO does not know it",
			    c->id);
		break;
	case K_CONNECT4:
	case K_CONNECT6:
	case K_CONNECT_REFUSED:
	case K_CONNECT_NOROUTE:
	case K_CONNECT_UDP:
	case K_CONNECT_OPTS:
		if (ret) {
			untouched(c->fd, c->id, kname[k]);
			break;
		}
		state = attempt_outcome(c->fd, c->id, 1);
		if (k == K_CONNECT_REFUSED && state == SOCKOBJ_STATE_ESTABLISHED)
			BAD("connected to a closed port");
		/* the listener's side, if it got that far */
		if (k == K_CONNECT4 || k == K_CONNECT_OPTS || k == K_CONNECT6) {
			int s = so_accept(k == K_CONNECT6 ? E.listener6 :
					  E.listener4, 0);

			if (s >= 0)
				close(s);
		}
		break;
	case K_SEND_TCP:
	case K_SEND_UDP:
	case K_RECV_TCP:
	case K_RECV_UDP:
	case K_BATCH_RECV:
	case K_BATCH_RECVV:
		r = so_get_info(c->fd, c->id, &info);
		if (r)
			BAD("%s: GET_INFO afterwards: %s", kname[k], strerror(-r));
		else if (info.bytes_sent != c->sent ||
			 info.bytes_received != c->received)
			BAD("%s: counters say %llu sent %llu received, the calls "
			    "%llu and %llu", kname[k],
			    (unsigned long long)info.bytes_sent,
			    (unsigned long long)info.bytes_received,
			    (unsigned long long)c->sent,
			    (unsigned long long)c->received);
		break;
	case K_DISCONNECT:
	case K_ABORT:
		if (!ret) {
			struct sockobj_event e;

			/* the peer closes too, so that the close completes */
			if (c->lfd >= 0) {
				close(c->lfd);
				c->lfd = -1;
			}

			/* it closes: the last record is a clean CLOSED */
			while ((r = so_next_state_event(c->fd, c->id, &e,
							so_tmo(8000))) == 1 &&
			       e.state != SOCKOBJ_STATE_CLOSED)
				;
			if (r != 1)
				BAD("%s returned 0 but no CLOSED record", kname[k]);
			else if (e.reason == SOCKOBJ_REASON_NONE)
				BAD("%s: CLOSED without a reason", kname[k]);
		}
		break;
	case K_DESTROY:
	case K_DESTROY_ABORT:
		if (!ret && !so_get_info(c->fd, c->id, &info))
			BAD("DESTROY returned 0 but the object is still there");
		break;
	case K_HANDOFF:
		if (ret >= 0) {
			if (write(c->hfd, "x", 1) != 1)
				BAD("handed-off socket unusable: %s",
				    strerror(errno));
			close(c->hfd);
		}
		/* handed off, or failed with the object gone or unchanged */
		r = so_get_info(c->fd, c->id, &info);
		if (ret >= 0 && !r)
			BAD("HANDOFF returned an fd but the object is still there");
		if ((ret == -ENFILE || ret == -ENOMEM) && !r)
			BAD("HANDOFF failed with %s: the object must be gone",
			    strerror(-ret));
		break;
	case K_BATCH:
		if (!ret && c->sent)
			attempt_outcome(c->fd, c->id, 1);
		break;
	case K_RING_SETUP:
		ring_check(c, ret);
		break;
	default:
		break;
	}
}

static void case_cleanup(struct ctx *c)
{
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->fd >= 0)
		so_close(c->fd);
	c->fd = c->lfd = -1;
}

/*
 * Fail the 1st, 2nd, ... allocation of the call until it makes no more
 * (or maxn). Returns the faults injected.
 */
static long run_case(enum kind k)
{
	long faults = 0;
	int n, ret, hit;
	struct ctx c;

	for (n = 1; n <= E.maxn; n++) {
		if (case_setup(k, &c)) {
			BAD("%s: setup failed (round %d)", kname[k], n);
			case_cleanup(&c);
			break;
		}
		nth_arm((unsigned int)n);
		ret = case_call(k, &c);
		hit = nth_disarm();
		E.calls++;
		faults += hit;
		if (ret < 0 && !so_err_allowed(k == K_OPEN ? errs_open : kerrs[k],
					       -ret))
			BAD("%s with allocation %d failing: undocumented errno "
			    "%d (%s)", kname[k], n, -ret, strerror(-ret));
		if (ret < 0 && !hit && ret != -EAGAIN)
			BAD("%s failed (%s) without a fault", kname[k],
			    strerror(-ret));
		case_check(k, &c, ret);
		case_cleanup(&c);
		if (!hit)
			break;
	}
	printf("# %-26s %3d allocations failed one by one (%ld)\n", kname[k],
	       n > E.maxn ? E.maxn : n - 1, faults);
	return faults;
}

static int fi_env_setup(struct __test_metadata *_metadata)
{
	struct sockaddr_in sin = { 0 };

	ASSERT_EQ(0, so_netns_private());
	E.maxn = so_debug_kernel() ? 400 : 400;
	E.lport = so_port(3);
	E.uport = (__u16)(E.lport + 1);
	E.closed_port = (__u16)(E.lport + 2);
	E.listener4 = so_listen_in(NULL, "127.0.0.1", E.lport, 1024);
	E.listener6 = so_listen_in(NULL, "::1", E.lport, 1024);
	ASSERT_LE(0, E.listener4);
	ASSERT_LE(0, E.listener6);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(E.uport);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	E.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, E.udp);
	ASSERT_EQ(0, bind(E.udp, (struct sockaddr *)&sin, sizeof(sin)));
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	mif_fd = open("/proc/thread-self/make-it-fail", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth_fd);
	ASSERT_LE(0, mif_fd);
	return 0;
}

/* UDP echo for the UDP cases, in a thread of its own (never faulted). */
static void *udp_echo(void *arg)
{
	char buf[2048];

	(void)arg;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		ssize_t n = recvfrom(E.udp, buf, sizeof(buf), 0,
				     (struct sockaddr *)&ss, &len);

		if (n < 0)
			return NULL;
		sendto(E.udp, buf, (size_t)n, 0, (struct sockaddr *)&ss, len);
	}
}

FIXTURE(fi) {
	int kmsg;
	long injected0;
};

FIXTURE_SETUP(fi)
{
	self->kmsg = -1;
	SO_REQUIRE_DEVICE();
	if (!debug_fs_ok())
		SKIP(so_skip_exit(), "no fault injection in this kernel "
		     "(CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, "
		     "CONFIG_FAULT_INJECTION_DEBUG_FS): run it on the debug kernel");
	fi_save();
	ASSERT_EQ(0, so_write_file(FS "/times", "1000000"));
	ASSERT_EQ(0, so_write_file(FPA "/times", "1000000"));
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (self->kmsg >= 0)
		lseek(self->kmsg, 0, SEEK_END);
}

FIXTURE_TEARDOWN(fi)
{
	fi_restore();
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/* "FAULT_INJECTION: forcing a failure" lines logged since setup */
static long kmsg_fault_lines(int kmsg)
{
	char rec[8192];
	long n = 0;
	ssize_t r;

	if (kmsg < 0)
		return -1;
	while ((r = read(kmsg, rec, sizeof(rec) - 1)) != 0) {
		if (r < 0) {
			if (errno == EPIPE)
				continue;	/* overwritten: go on */
			break;
		}
		rec[r] = 0;
		if (strstr(rec, "FAULT_INJECTION: forcing a failure"))
			n++;
	}
	return n;
}

TEST_F_TIMEOUT(fi, every_allocation_of_every_path, 860)
{
	SO_IN_CHILD(840, {
		pthread_t th;
		long faults = 0, before = injected_total(), logged;
		int k;

		fi_env_setup(_metadata);
		ASSERT_EQ(0, pthread_create(&th, NULL, udp_echo, NULL));
		ASSERT_EQ(0, fi_configure(0));
		for (k = 0; k < K_N; k++)
			faults += run_case((enum kind)k);
		logged = kmsg_fault_lines(self->kmsg);
		printf("# fail-nth: %ld calls, %ld faults injected (counters: "
		       "%ld; kernel log: %ld FAULT_INJECTION lines, rate "
		       "limited), %ld violations\n", E.calls, faults,
		       injected_total() - before, logged, E.violations);
		EXPECT_LT(0, faults);
		EXPECT_LT(0, injected_total() - before);
		EXPECT_EQ(0, E.violations);
	});
}

/*
 * A random workload with every module call made under make-it-fail at
 * 10% per allocation: objects come and go through every path.
 */
TEST_F_TIMEOUT(fi, random_faults, 400)
{
	SO_IN_CHILD(380, {
		int rounds = so_debug_kernel() ? 600 : 3000, i;
		struct so_rnd r = { (uint64_t)time(NULL) };
		long before = injected_total(), errors = 0, connects = 0;
		struct sockobj_event ev[64];
		pthread_t th;
		int fd = -1;
		__u32 ids[16] = { 0 };

		printf("# random faults: seed 0x%llx\n",
		       (unsigned long long)r.s);
		fi_env_setup(_metadata);
		ASSERT_EQ(0, pthread_create(&th, NULL, udp_echo, NULL));
		ASSERT_EQ(0, fi_configure(10));
		for (i = 0; i < rounds; i++) {
			uint32_t op = so_rnd_below(&r, 12), slot = so_rnd_below(&r, 16);
			struct sockobj_io io = { 0 };
			char buf[512];
			int ret = 0, s;
			const int *errs = NULL;

			if (!ids[slot] && so_rnd_pct(&r, 70))
				op = 0;		/* mostly act on objects */
			io.id = ids[slot];
			memset(buf, 'r', sizeof(buf));
			io.buf = (uintptr_t)buf;
			io.len = sizeof(buf);
			if (fd < 0) {
				mif(1);
				fd = so_open(O_NONBLOCK);
				mif(0);
				memset(ids, 0, sizeof(ids));
				if (fd < 0) {
					if (errno != ENOMEM)
						BAD("open: %s", strerror(errno));
					continue;
				}
			}
			mif(1);
			switch (op) {
			case 0:
				ret = so_create(fd, so_rnd_pct(&r, 70) ?
						SOCKOBJ_PROTO_TCP : SOCKOBJ_PROTO_UDP,
						1, &ids[slot]);
				errs = so_errs_create;
				if (ret)
					ids[slot] = 0;
				break;
			case 1: {
				static const char *const ips[] = {
					"127.0.0.1", "::1", "10.255.0.1" };
				struct sockobj_config c = { .id = ids[slot],
					.mask = SOCKOBJ_CFG_TARGET };
				int t = (int)so_rnd_below(&r, 3);

				so_addr(&c.target, ips[t],
					so_rnd_pct(&r, 70) ? E.lport : E.closed_port);
				ret = so_configure(fd, &c);
				errs = so_errs_configure;
				break;
			}
			case 2:
			case 3:
				ret = so_connect(fd, ids[slot]);
				errs = so_errs_connect;
				connects += !ret;
				break;
			case 4:
				ret = so_ioctl(fd, SOCKOBJ_IOC_SEND, &io);
				errs = so_errs_send;
				break;
			case 5:
				ret = so_ioctl(fd, SOCKOBJ_IOC_RECV, &io);
				errs = so_errs_recv;
				break;
			case 6:
				ret = so_disconnect(fd, ids[slot]);
				errs = so_errs_disconnect;
				break;
			case 7:
				ret = so_abort(fd, ids[slot]);
				errs = so_errs_abort;
				break;
			case 8:
				ret = so_destroy(fd, ids[slot], so_rnd_below(&r, 2));
				errs = so_errs_destroy;
				break;
			case 9:
				ret = so_handoff(fd, ids[slot], 0);
				errs = so_errs_handoff;
				if (ret >= 0) {
					close(ret);
					ret = 0;
				}
				break;
			case 10:
				ret = (int)read(fd, ev, sizeof(ev));
				ret = ret < 0 ? -errno : 0;
				errs = so_errs_read;
				break;
			default:
				if (so_rnd_pct(&r, 10)) {
					close(fd);
					fd = -1;
				}
				break;
			}
			mif(0);
			if (ret < 0 && errs && !so_err_allowed(errs, -ret)) {
				errors++;
				BAD("random op %u: undocumented %s", op,
				    strerror(-ret));
			}
			/* the listener's queue */
			while ((s = so_accept(E.listener4, 0)) >= 0)
				close(s);
			while ((s = so_accept(E.listener6, 0)) >= 0)
				close(s);
		}
		if (fd >= 0)
			close(fd);
		printf("# random faults: %d calls, %ld CONNECTs started, %ld "
		       "faults injected, %ld undocumented errors\n", rounds,
		       connects, injected_total() - before, errors);
		EXPECT_LT(0, injected_total() - before);
		EXPECT_EQ(0, E.violations);
	});
}

SO_HARNESS_MAIN_OPTS("fault_inject", so_no_options)
