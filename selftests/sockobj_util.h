/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the sockobj selftests.
 *
 * This header includes the kselftest harness (from $KSRC, see the
 * Makefile); the assertion helpers take the harness's _metadata and use its
 * ASSERT and EXPECT macros.
 *
 * Contents:
 *  - device access and raw ioctl wrappers (so_create(), so_connect(), ...),
 *    all returning 0 or -errno;
 *  - struct sockobj_addr from "1.2.3.4" / "::1" strings and comparisons
 *    with struct sockaddr;
 *  - event reading with a poll timeout, with a per-fd stash so that events
 *    of other objects read on the way are kept for later;
 *  - ASSERT_EVENTS(): the exact sequence of records of one object;
 *  - running a command (ip, nft, sysctl), in this or a named namespace;
 *  - network namespaces: a fresh one for the test, named peers, veth pairs;
 *  - TCP listeners and accept with a timeout, in any namespace;
 *  - module parameters; SOCKOBJ_HARNESS_MAIN (exit code 4 when every test
 *    was skipped because /dev/sockobj is absent).
 */
#ifndef SOCKOBJ_SELFTEST_UTIL_H
#define SOCKOBJ_SELFTEST_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* unshare(), setns(), accept4() */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockobj.h>

/*
 * The 6.1 harness has an unused parameter (__timeout_handler's ucontext),
 * which -Wextra -Werror would reject: silence that one warning for the
 * harness's own definitions only.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define SO_DEV_PATH		"/dev/" SOCKOBJ_DEVICE_NAME
#define SO_PARAM_DIR		"/sys/module/sockobj/parameters"
#define SO_EV_SIZE		((ssize_t)sizeof(struct sockobj_event))

/*
 * The uapi constants are plain int while the struct fields are unsigned:
 * compare like with like (-Wsign-compare) in EXPECT_EQ(U32(...), field).
 */
#define U32(x)			((__u32)(x))
#define U64(x)			((__u64)(x))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * Feature bits and record types this header knows of. The tests cover the
 * version 1 contract (TCP objects and their state records); later
 * additions to the header are tolerated where they cannot matter.
 */
#define SO_FEAT_KNOWN	(SOCKOBJ_FEAT_TCP | SOCKOBJ_FEAT_IPV6 |		\
			 SOCKOBJ_FEAT_EVENTS | SO_FEAT_LATER | SOCKOBJ_FEAT_BATCH)
#define SO_FEAT_LATER	(SO_FEAT_(UDP) | SO_FEAT_(DATA) |		\
			 SO_FEAT_(OPTIONS) | SO_FEAT_(HANDOFF))
#define SO_FEAT_(name)	SO_FEAT_##name##_
#ifdef SOCKOBJ_FEAT_UDP
#define SO_FEAT_UDP_		SOCKOBJ_FEAT_UDP
#else
#define SO_FEAT_UDP_		0ULL
#endif
#ifdef SOCKOBJ_FEAT_DATA
#define SO_FEAT_DATA_		SOCKOBJ_FEAT_DATA
#else
#define SO_FEAT_DATA_		0ULL
#endif
#ifdef SOCKOBJ_FEAT_OPTIONS
#define SO_FEAT_OPTIONS_	SOCKOBJ_FEAT_OPTIONS
#else
#define SO_FEAT_OPTIONS_	0ULL
#endif
#ifdef SOCKOBJ_FEAT_HANDOFF
#define SO_FEAT_HANDOFF_	SOCKOBJ_FEAT_HANDOFF
#else
#define SO_FEAT_HANDOFF_	0ULL
#endif

/* The properties of the version 1 contract */
#define SO_CFG_V1	(SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_LOCAL |		\
			 SOCKOBJ_CFG_IFACE | SOCKOBJ_CFG_CONNECT_TIMEOUT)

/*
 * A record about data rather than state (types added after version 1):
 * state assertions step over them.
 */
static inline int so_is_data_record(__u32 type)
{
	static const __u32 data_types[] = {
#ifdef SOCKOBJ_EV_READABLE
		SOCKOBJ_EV_READABLE,
#endif
#ifdef SOCKOBJ_EV_WRITABLE
		SOCKOBJ_EV_WRITABLE,
#endif
#ifdef SOCKOBJ_EV_SENT
		SOCKOBJ_EV_SENT,
#endif
#ifdef SOCKOBJ_EV_ERROR
		SOCKOBJ_EV_ERROR,
#endif
		SOCKOBJ_EV_STATE,	/* end marker, never a data type */
	};
	unsigned int i;

	for (i = 0; data_types[i] != SOCKOBJ_EV_STATE; i++)
		if (data_types[i] == type)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The uapi layout is part of the contract: identical on 32 and 64 bits.  */
/* ---------------------------------------------------------------------- */

_Static_assert(sizeof(struct sockobj_api) == 56, "sockobj_api size");
_Static_assert(sizeof(struct sockobj_addr) == 24, "sockobj_addr size");
_Static_assert(sizeof(struct sockobj_create) == 40, "sockobj_create size");
_Static_assert(sizeof(struct sockobj_config) == 152, "sockobj_config size");
_Static_assert(sizeof(struct sockobj_op) == 24, "sockobj_op size");
_Static_assert(sizeof(struct sockobj_info) == 168, "sockobj_info size");
_Static_assert(sizeof(struct sockobj_event) == 64, "sockobj_event size");

/* ---------------------------------------------------------------------- */
/* Time                                                                   */
/* ---------------------------------------------------------------------- */

static inline uint64_t so_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void so_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* SOCKOBJ_KERNEL=debug: the KASAN/lockdep kernel, about 25x slower. */
static inline int so_debug_kernel(void)
{
	const char *k = getenv("SOCKOBJ_KERNEL");

	return k && !strcmp(k, "debug");
}

/* A timeout scaled for the kernel flavour (ms). */
static inline int so_tmo(int ms)
{
	return so_debug_kernel() ? ms * 5 : ms;
}

/* ---------------------------------------------------------------------- */
/* Names, for messages                                                    */
/* ---------------------------------------------------------------------- */

static inline const char *so_state_name(__u32 s)
{
	static const char *const n[] = {
		"CLOSED", "CONNECTING", "ESTABLISHED", "PEER_CLOSING", "CLOSING",
	};

	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

static inline const char *so_reason_name(__u32 r)
{
	static const char *const n[] = {
		"NONE", "PEER_CLOSED", "LOCAL_CLOSED", "REFUSED", "RESET",
		"CONNECT_TIMEOUT", "RETRANS_TIMEOUT", "HOST_UNREACH",
		"NET_UNREACH", "ABORTED", "CANCELLED", "ERROR", "INACTIVITY",
	};

	return r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}

/* ---------------------------------------------------------------------- */
/* Device and ioctls                                                      */
/* ---------------------------------------------------------------------- */

static inline int so_device_present(void)
{
	return access(SO_DEV_PATH, F_OK) == 0;
}

static inline int so_open(int extra_flags)
{
	return open(SO_DEV_PATH, O_RDWR | O_CLOEXEC | extra_flags);
}

/*
 * Skip the current test when the module is not loaded, and only then.
 * The 6.1 harness runs the test body even after SKIP() in a fixture setup,
 * so the forked test ends here with the harness's skip status (255).
 */
static inline void so_skip_exit(void)
{
	fflush(NULL);
	_exit(255);
}

#define SO_REQUIRE_DEVICE() do {					\
	if (!so_device_present())					\
		SKIP(so_skip_exit(), "%s is absent (sockobj not loaded)", \
		     SO_DEV_PATH);					\
} while (0)

/* ioctl returning 0 or -errno */
static inline int so_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static inline int so_get_api(int fd, struct sockobj_api *api)
{
	memset(api, 0, sizeof(*api));
	return so_ioctl(fd, SOCKOBJ_IOC_GET_API, api);
}

static inline int so_create(int fd, __u32 proto, __u64 cookie, __u32 *id)
{
	struct sockobj_create c = { .proto = proto, .cookie = cookie };
	int ret = so_ioctl(fd, SOCKOBJ_IOC_CREATE, &c);

	if (!ret && id)
		*id = c.id;
	return ret;
}

static inline int so_op(int fd, unsigned long req, __u32 id, __u32 flags)
{
	struct sockobj_op op = { .id = id, .flags = flags };

	return so_ioctl(fd, req, &op);
}

static inline int so_connect(int fd, __u32 id)
{
	return so_op(fd, SOCKOBJ_IOC_CONNECT, id, 0);
}

static inline int so_disconnect(int fd, __u32 id)
{
	return so_op(fd, SOCKOBJ_IOC_DISCONNECT, id, 0);
}

static inline int so_abort(int fd, __u32 id)
{
	return so_op(fd, SOCKOBJ_IOC_ABORT, id, 0);
}

static inline int so_destroy(int fd, __u32 id, __u32 flags)
{
	return so_op(fd, SOCKOBJ_IOC_DESTROY, id, flags);
}

static inline int so_get_info(int fd, __u32 id, struct sockobj_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = id;
	return so_ioctl(fd, SOCKOBJ_IOC_GET_INFO, info);
}

static inline int so_get_config(int fd, __u32 id, struct sockobj_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = id;
	return so_ioctl(fd, SOCKOBJ_IOC_GET_CONFIG, cfg);
}

static inline int so_configure(int fd, struct sockobj_config *cfg)
{
	return so_ioctl(fd, SOCKOBJ_IOC_CONFIGURE, cfg);
}

/* ---------------------------------------------------------------------- */
/* Addresses                                                              */
/* ---------------------------------------------------------------------- */

static inline int so_family_of(const char *str)
{
	return strchr(str, ':') ? AF_INET6 : AF_INET;
}

/* "1.2.3.4" or "::1" and a host-order port; 0 or -EINVAL. */
static inline int so_addr(struct sockobj_addr *a, const char *str, __u16 port)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	if (inet_pton(AF_INET, str, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, str, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static inline void so_addr_from_sockaddr(struct sockobj_addr *a,
					 const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		a->family = AF_INET;
		a->port = ntohs(in->sin_port);
		memcpy(a->addr, &in->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		a->family = AF_INET6;
		a->port = ntohs(in6->sin6_port);
		a->scope_id = in6->sin6_scope_id;
		memcpy(a->addr, &in6->sin6_addr, 16);
	}
}

static inline socklen_t so_sockaddr(struct sockaddr_storage *ss,
				    const struct sockobj_addr *a)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (void *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(a->port);
		memcpy(&in->sin_addr, a->addr, 4);
		return sizeof(*in);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a->port);
		in6->sin6_scope_id = a->scope_id;
		memcpy(&in6->sin6_addr, a->addr, 16);
		return sizeof(*in6);
	}
	return 0;
}

static inline const char *so_addr_str(const struct sockobj_addr *a,
				      char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->family == AF_INET || a->family == AF_INET6)
		inet_ntop(a->family, a->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s%s%s:%u%%%u (family %u)",
		 a->family == AF_INET6 ? "[" : "", ip,
		 a->family == AF_INET6 ? "]" : "", a->port, a->scope_id,
		 a->family);
	return buf;
}

static inline int so_addr_eq(const struct sockobj_addr *x,
			     const struct sockobj_addr *y)
{
	return !memcmp(x, y, sizeof(*x));
}

/* Fields of a sockobj_addr equal to what getsockname/getpeername said. */
#define EXPECT_ADDR_EQ(expected, seen) do {				\
	char __b1[96], __b2[96];					\
	if (!so_addr_eq(expected, seen))				\
		TH_LOG("address: expected %s, got %s",			\
		       so_addr_str(expected, __b1, sizeof(__b1)),	\
		       so_addr_str(seen, __b2, sizeof(__b2)));		\
	EXPECT_TRUE(so_addr_eq(expected, seen));			\
} while (0)

/* Configure target (and nothing else); 0 or -errno */
static inline int so_set_target(int fd, __u32 id, const char *ip, __u16 port)
{
	struct sockobj_config cfg = { .id = id, .mask = SOCKOBJ_CFG_TARGET };

	if (so_addr(&cfg.target, ip, port))
		return -EINVAL;
	return so_configure(fd, &cfg);
}

/* Create a TCP object with a target; 0 or -errno */
static inline int so_new(int fd, __u64 cookie, const char *ip, __u16 port,
			 __u32 *id)
{
	int ret = so_create(fd, SOCKOBJ_PROTO_TCP, cookie, id);

	return ret ? ret : so_set_target(fd, *id, ip, port);
}

/* ---------------------------------------------------------------------- */
/* Events                                                                 */
/* ---------------------------------------------------------------------- */

/*
 * Records read from a file but not yet consumed by the test, so that
 * waiting for one object's records does not lose another's.
 */
#define SO_STASH_MAX	16384
#define SO_STASH_FILES	4

struct so_stash {
	int fd;
	unsigned int n;
	struct sockobj_event ev[SO_STASH_MAX];
};

static struct so_stash *so_stashes[SO_STASH_FILES];

static inline struct so_stash *so_stash_of(int fd)
{
	int i, free_slot = -1;

	for (i = 0; i < SO_STASH_FILES; i++) {
		if (so_stashes[i] && so_stashes[i]->fd == fd)
			return so_stashes[i];
		if (free_slot < 0 && (!so_stashes[i] || so_stashes[i]->fd < 0))
			free_slot = i;
	}
	if (free_slot < 0)
		free_slot = 0;	/* recycle: tests use at most a few files */
	if (!so_stashes[free_slot]) {
		so_stashes[free_slot] = malloc(sizeof(struct so_stash));
		if (!so_stashes[free_slot])
			abort();
	}
	so_stashes[free_slot]->fd = fd;
	so_stashes[free_slot]->n = 0;
	return so_stashes[free_slot];
}

/* Forget what was stashed for fd (call when closing it). */
static inline void so_stash_drop(int fd)
{
	int i;

	for (i = 0; i < SO_STASH_FILES; i++)
		if (so_stashes[i] && so_stashes[i]->fd == fd) {
			so_stashes[i]->fd = -1;
			so_stashes[i]->n = 0;
		}
}

/*
 * One read() of as many records as fit (up to max) after waiting up to
 * timeout_ms for POLLIN. Returns the number of records, 0 on timeout, or
 * -errno (-EPROTO for a size that is not a multiple of a record).
 */
static inline int so_read_events(int fd, struct sockobj_event *ev,
				 unsigned int max, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	n = read(fd, ev, (size_t)max * sizeof(*ev));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n % SO_EV_SIZE)
		return -EPROTO;
	return (int)(n / SO_EV_SIZE);
}

/* close() a sockobj fd and forget its stashed records */
static inline void so_close(int fd)
{
	if (fd >= 0) {
		so_stash_drop(fd);
		close(fd);
	}
}

/* Read everything pending without waiting into the stash; count or -errno */
static inline int so_stash_fill(int fd, int timeout_ms)
{
	struct so_stash *st = so_stash_of(fd);
	unsigned int room = SO_STASH_MAX - st->n;
	int n;

	if (!room)
		return -ENOSPC;
	if (room > 256)
		room = 256;
	n = so_read_events(fd, st->ev + st->n, room, timeout_ms);
	if (n > 0)
		st->n += (unsigned int)n;
	return n;
}

/*
 * Next record of object id (any object when id is 0), waiting up to
 * timeout_ms. 1 with *ev filled, 0 on timeout, -errno on a read error.
 */
static inline int so_next_event(int fd, __u32 id, struct sockobj_event *ev,
				int timeout_ms)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct so_stash *st = so_stash_of(fd);

	for (;;) {
		uint64_t now;
		unsigned int i;
		int n, left;

		for (i = 0; i < st->n; i++) {
			if (id && st->ev[i].id != id)
				continue;
			*ev = st->ev[i];
			memmove(st->ev + i, st->ev + i + 1,
				(st->n - i - 1) * sizeof(*ev));
			st->n--;
			return 1;
		}
		/* look at least once, even with no time left */
		now = so_now_ns();
		left = now >= deadline ? 0 :
		       (int)((deadline - now + 999999ULL) / 1000000ULL);
		n = so_stash_fill(fd, left);
		if (n < 0)
			return n;
		if (!n && !left)
			return 0;
	}
}

/*
 * Next state record of object id (0: any): like so_next_event(), but
 * records about data (so_is_data_record()) are consumed and skipped.
 */
static inline int so_next_state_event(int fd, __u32 id,
				      struct sockobj_event *ev, int timeout_ms)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int ret;

	for (;;) {
		uint64_t now = so_now_ns();
		int left = now >= deadline ? 0 :
			   (int)((deadline - now + 999999ULL) / 1000000ULL);

		ret = so_next_event(fd, id, ev, left);
		if (ret <= 0 || !so_is_data_record(ev->type))
			return ret;
	}
}

/* Records of id still stashed or pending after waiting wait_ms. */
static inline int so_count_events(int fd, __u32 id, int wait_ms)
{
	struct so_stash *st;
	unsigned int i;
	int count = 0;

	if (wait_ms)
		so_sleep_ms((unsigned int)wait_ms);
	while (so_stash_fill(fd, 0) > 0)
		;
	st = so_stash_of(fd);
	for (i = 0; i < st->n; i++)
		if (!id || st->ev[i].id == id)
			count++;
	return count;
}

/* One expected record. phase, reason and error are 0 unless CLOSED. */
struct so_exp {
	__u32 state;
	__u32 prev;
	__u32 reason;
	__u32 phase;
	__s32 error;
};

#define EV(st, pv) ((struct so_exp){					\
	.state = SOCKOBJ_STATE_##st, .prev = SOCKOBJ_STATE_##pv })
/* A close: phase is the state it left (== prev_state) */
#define EV_CLOSED(pv, rsn, err) ((struct so_exp){			\
	.state = SOCKOBJ_STATE_CLOSED, .prev = SOCKOBJ_STATE_##pv,	\
	.reason = SOCKOBJ_REASON_##rsn, .phase = SOCKOBJ_STATE_##pv,	\
	.error = (err) })

static inline void so_log_event(struct __test_metadata *_metadata,
				const char *what,
				const struct sockobj_event *e)
{
	TH_LOG("%s: id %u type %u cookie %llu seq %llu ts %llu %s <- %s "
	       "reason %s phase %s error %d merged %u reserved %u,%u", what,
	       e->id, e->type, (unsigned long long)e->cookie,
	       (unsigned long long)e->seq,
	       (unsigned long long)e->timestamp_ns, so_state_name(e->state),
	       so_state_name(e->prev_state), so_reason_name(e->reason),
	       so_state_name(e->phase), e->error, e->merged, e->reserved[0],
	       e->reserved[1]);
}

static inline int so_event_matches(const struct sockobj_event *e, __u32 id,
				   __u64 cookie, const struct so_exp *x)
{
	return e->id == id && e->type == SOCKOBJ_EV_STATE &&
	       e->cookie == cookie && e->state == x->state &&
	       e->prev_state == x->prev && e->reason == x->reason &&
	       e->phase == x->phase && e->error == x->error &&
	       e->merged == 1 && !e->reserved[0] && !e->reserved[1];
}

/*
 * Wait for exactly the n expected records of object id (in that order),
 * within timeout_ms in total. Every field is checked: id, type, cookie,
 * state, prev_state, reason, phase, error, merged == 1, reserved == 0,
 * seq strictly increasing (and above *last_seq when given, which is
 * updated), timestamps non-decreasing and not in the future.
 * out (may be NULL) receives the n records.
 */
static inline void so_assert_events(struct __test_metadata *_metadata,
				    int fd, __u32 id, __u64 cookie,
				    const struct so_exp *exp, size_t n,
				    int timeout_ms, __u64 *last_seq,
				    struct sockobj_event *out)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	__u64 prev_seq = last_seq ? *last_seq : 0;
	struct sockobj_event got[16];
	__u64 prev_ts = 0;
	size_t i, j;
	int bad = 0;

	ASSERT_GE((size_t)16, n);
	for (i = 0; i < n; i++) {
		struct sockobj_event e;
		uint64_t now = so_now_ns();
		int left = now >= deadline ? 0 :
			   (int)((deadline - now) / 1000000ULL);
		int ret = so_next_state_event(fd, id, &e, left);

		if (ret <= 0) {
			TH_LOG("object %u: record %zu of %zu (%s <- %s) %s (%d)",
			       id, i + 1, n, so_state_name(exp[i].state),
			       so_state_name(exp[i].prev),
			       ret ? "read failed" : "did not arrive in time",
			       ret);
			for (j = 0; j < i; j++)
				so_log_event(_metadata, "  got", &got[j]);
			ASSERT_EQ(1, ret);
		}
		got[i] = e;
		if (out)
			out[i] = e;
		if (!so_event_matches(&e, id, cookie, &exp[i]) ||
		    e.seq <= prev_seq || e.timestamp_ns < prev_ts ||
		    e.timestamp_ns > so_now_ns()) {
			TH_LOG("object %u record %zu: expected %s <- %s reason %s "
			       "phase %s error %d cookie %llu merged 1, seq > %llu",
			       id, i + 1, so_state_name(exp[i].state),
			       so_state_name(exp[i].prev),
			       so_reason_name(exp[i].reason),
			       so_state_name(exp[i].phase), exp[i].error,
			       (unsigned long long)cookie,
			       (unsigned long long)prev_seq);
			so_log_event(_metadata, "  got", &e);
			bad = 1;
		}
		prev_seq = e.seq;
		prev_ts = e.timestamp_ns;
	}
	if (last_seq)
		*last_seq = prev_seq;
	ASSERT_EQ(0, bad);
}

#define ASSERT_EVENTS_SEQ(fd, id, cookie, tmo, last_seq, out, ...) do {	\
	const struct so_exp __exp[] = { __VA_ARGS__ };			\
	so_assert_events(_metadata, fd, id, cookie, __exp,		\
			 sizeof(__exp) / sizeof(__exp[0]), tmo, last_seq, out); \
} while (0)

/* The exact records of object id, in order, within tmo ms. */
#define ASSERT_EVENTS(fd, id, cookie, tmo, ...)				\
	ASSERT_EVENTS_SEQ(fd, id, cookie, tmo, NULL, NULL, __VA_ARGS__)

/* No state record of id (0: of any object) arrives within wait_ms. */
#define ASSERT_NO_EVENT(fd, id, wait_ms) do {				\
	struct sockobj_event __e;					\
	int __r = so_next_state_event(fd, id, &__e, wait_ms);		\
	if (__r > 0)							\
		so_log_event(_metadata, "unexpected record", &__e);	\
	ASSERT_EQ(0, __r);						\
} while (0)

/* GET_INFO state, reason, phase and error of object id */
static inline void so_expect_info(struct __test_metadata *_metadata, int fd,
				  __u32 id, __u32 state, __u32 reason,
				  __u32 phase, __s32 error)
{
	struct sockobj_info info;

	ASSERT_EQ(0, so_get_info(fd, id, &info));
	EXPECT_EQ(state, info.state)
		TH_LOG("object %u: state %s, expected %s", id,
		       so_state_name(info.state), so_state_name(state));
	if (state != SOCKOBJ_STATE_CLOSED)
		return;
	EXPECT_EQ(reason, info.reason)
		TH_LOG("object %u: reason %s, expected %s", id,
		       so_reason_name(info.reason), so_reason_name(reason));
	EXPECT_EQ(phase, info.phase)
		TH_LOG("object %u: phase %s, expected %s", id,
		       so_state_name(info.phase), so_state_name(phase));
	EXPECT_EQ(error, info.error);
}

#define EXPECT_INFO(fd, id, st, rsn, ph, err)				\
	so_expect_info(_metadata, fd, id, SOCKOBJ_STATE_##st,		\
		       SOCKOBJ_REASON_##rsn, SOCKOBJ_STATE_##ph, err)

/*
 * Poll GET_INFO until the object is in state (it does not read events).
 * 0 when reached, -ETIMEDOUT, or the ioctl's -errno.
 */
static inline int so_wait_state(int fd, __u32 id, __u32 state, int timeout_ms)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct sockobj_info info;
	int ret;

	for (;;) {
		ret = so_get_info(fd, id, &info);
		if (ret)
			return ret;
		if (info.state == state)
			return 0;
		if (so_now_ns() >= deadline)
			return -ETIMEDOUT;
		so_sleep_ms(5);
	}
}

/* ---------------------------------------------------------------------- */
/* Commands and namespaces                                                */
/* ---------------------------------------------------------------------- */

/*
 * Run "sh -c CMD" in the network namespace ns (NULL: the caller's), its
 * stdout sent to stderr so that it cannot disturb the KTAP output.
 * Returns the exit status, or -1 if it did not exit normally.
 */
static inline int so_vsh(const char *ns, const char *fmt, va_list ap)
{
	char cmd[2048];
	int status;
	pid_t pid;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (ns) {
			char path[256];
			int nsfd;

			snprintf(path, sizeof(path), "/run/netns/%s", ns);
			nsfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nsfd < 0 || setns(nsfd, CLONE_NEWNET)) {
				fprintf(stderr, "# cannot enter netns %s: %s\n",
					ns, strerror(errno));
				_exit(126);
			}
		}
		dup2(2, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "# command%s%s failed (status 0x%x): %s\n",
			ns ? " in netns " : "", ns ? ns : "", status, cmd);
		return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	return 0;
}

static inline __attribute__((format(printf, 1, 2)))
int so_sh(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = so_vsh(NULL, fmt, ap);
	va_end(ap);
	return ret;
}

static inline __attribute__((format(printf, 2, 3)))
int so_sh_ns(const char *ns, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = so_vsh(ns, fmt, ap);
	va_end(ap);
	return ret;
}

#define SH_OK(...)		ASSERT_EQ(0, so_sh(__VA_ARGS__))
#define SH_NS_OK(ns, ...)	ASSERT_EQ(0, so_sh_ns(ns, __VA_ARGS__))

/* Bring an interface of the current namespace up; 0 or -errno */
static inline int so_link_up(const char *ifname)
{
	struct ifreq ifr;
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			ret = -errno;
	}
	close(s);
	return ret;
}

/*
 * Move the calling test process into a new network namespace with lo up.
 * Open /dev/sockobj only afterwards: the module uses the opener's netns.
 */
static inline int so_netns_private(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return so_link_up("lo");
}

/* A unique name for a named namespace: sockobj-<pid>-<tag> */
static inline void so_netns_name(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "sockobj-%d-%s", (int)getpid(), tag);
}

/* `ip netns add NAME` and lo up in it; 0 or a command status */
static inline int so_netns_add(const char *name)
{
	int ret = so_sh("ip netns add %s", name);

	return ret ? ret : so_sh_ns(name, "ip link set lo up");
}

static inline void so_netns_del(const char *name)
{
	if (name && name[0])
		so_sh("ip netns del %s 2>/dev/null || true", name);
}

/* fd of a named namespace, or -errno */
static inline int so_netns_fd(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Run fn(arg) with the calling thread in namespace ns (NULL: stay), then
 * come back. Sockets created by fn stay in ns.
 */
static inline int so_in_netns(const char *ns, int (*fn)(void *), void *arg)
{
	int self, peer, ret, err;

	if (!ns)
		return fn(arg);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	peer = so_netns_fd(ns);
	if (peer < 0) {
		close(self);
		return peer;
	}
	if (setns(peer, CLONE_NEWNET)) {
		err = -errno;
		close(peer);
		close(self);
		return err;
	}
	ret = fn(arg);
	err = errno;
	if (setns(self, CLONE_NEWNET))
		abort();	/* would leave the test in the wrong netns */
	close(peer);
	close(self);
	errno = err;
	return ret;
}

/*
 * A veth pair from the current namespace (our_if, our_addr/prefix) to the
 * named namespace ns (peer_if, peer_addr/prefix), both ends up. IPv6
 * addresses skip DAD so that they work at once. 0 or a command status.
 */
static inline int so_veth_to_ns(const char *ns, const char *our_if,
				const char *peer_if, const char *our_addr,
				const char *peer_addr, int prefix)
{
	const char *nodad = strchr(our_addr, ':') ? " nodad" : "";
	int ret;

	ret = so_sh("ip link add %s type veth peer name %s netns %s && "
		    "ip addr add %s/%d dev %s%s && ip link set %s up",
		    our_if, peer_if, ns, our_addr, prefix, our_if, nodad,
		    our_if);
	if (ret)
		return ret;
	return so_sh_ns(ns, "ip addr add %s/%d dev %s%s && ip link set %s up",
			peer_addr, prefix, peer_if, nodad, peer_if);
}

/* ---------------------------------------------------------------------- */
/* TCP peers                                                              */
/* ---------------------------------------------------------------------- */

struct so_listen_args {
	const char *ip;
	__u16 port;
	int backlog;
};

static inline int so_listen_fn(void *p)
{
	const struct so_listen_args *a = p;
	struct sockaddr_storage ss;
	struct sockobj_addr sa;
	socklen_t len;
	int fd, one = 1, err;

	if (so_addr(&sa, a->ip, a->port))
		return -EINVAL;
	len = so_sockaddr(&ss, &sa);
	fd = socket(sa.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa.family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) ||
	    listen(fd, a->backlog)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* A listening TCP socket on ip:port in namespace ns (NULL: here). */
static inline int so_listen_in(const char *ns, const char *ip, __u16 port,
			       int backlog)
{
	struct so_listen_args a = { ip, port, backlog };

	return so_in_netns(ns, so_listen_fn, &a);
}

static inline int so_listen(const char *ip, __u16 port)
{
	return so_listen_in(NULL, ip, port, 128);
}

/* accept() within timeout_ms: the socket, or -errno (-ETIMEDOUT) */
static inline int so_accept(int lfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int ret, fd;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* recv() within timeout_ms: bytes, 0 on EOF, -errno, -ETIMEDOUT */
static inline int so_recv(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	n = recv(fd, buf, len, MSG_DONTWAIT);
	return n < 0 ? -errno : (int)n;
}

/* close() sending a RST (SO_LINGER {1, 0}) */
static inline void so_close_rst(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static inline int so_sockname(int fd, struct sockobj_addr *a, int peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret;

	memset(&ss, 0, sizeof(ss));
	ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		     getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ret)
		return -errno;
	so_addr_from_sockaddr(a, &ss);
	return 0;
}

/*
 * An nft table "sockobj" with an input chain in namespace ns (NULL: here)
 * holding one rule, e.g. "tcp dport 5000 drop".
 */
static inline int so_nft_input_rule(const char *ns, const char *rule)
{
	return so_sh_ns(ns,
		"nft add table inet sockobj && "
		"nft add chain inet sockobj input "
		"'{ type filter hook input priority 0; policy accept; }' && "
		"nft add rule inet sockobj input %s", rule);
}

/*
 * A new object connected to the listener lfd at ip:port: asserts the
 * records CONNECTING, ESTABLISHED and returns the id; *srv (when not NULL)
 * receives the accepted socket.
 */
static inline __u32 so_establish(struct __test_metadata *_metadata, int fd,
				 int lfd, const char *ip, __u16 port,
				 __u64 cookie, int *srv)
{
	__u32 id = 0;

	ASSERT_EQ(0, so_new(fd, cookie, ip, port, &id));
	ASSERT_EQ(0, so_connect(fd, id));
	ASSERT_EVENTS(fd, id, cookie, so_tmo(5000),
		      EV(CONNECTING, CLOSED), EV(ESTABLISHED, CONNECTING));
	if (srv) {
		*srv = so_accept(lfd, so_tmo(5000));
		ASSERT_LE(0, *srv);
	}
	return id;
}

/* ---------------------------------------------------------------------- */
/* Module parameters                                                      */
/* ---------------------------------------------------------------------- */

static inline int so_param_read(const char *name, long *val)
{
	char path[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SO_PARAM_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = 0;
	*val = strtol(buf, NULL, 0);
	return 0;
}

static inline int so_param_write(const char *name, long val)
{
	char path[256], buf[64];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), SO_PARAM_DIR "/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", val);
	if (write(fd, buf, (size_t)len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* main()                                                                 */
/* ---------------------------------------------------------------------- */

/*
 * TEST_HARNESS_MAIN, plus: when /dev/sockobj is absent every test skips
 * and the program exits with KSFT_SKIP (4) instead of 0.
 */
static int so_main_device_absent;

static inline void so_main_atexit(void)
{
	if (so_main_device_absent && !ksft_get_fail_cnt() &&
	    !ksft_get_pass_cnt()) {
		fflush(NULL);
		_exit(KSFT_SKIP);
	}
}

#define SOCKOBJ_HARNESS_MAIN						\
	static void __attribute__((constructor))			\
	__constructor_order_last(void)					\
	{								\
		if (!__constructor_order)				\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	}								\
	int main(int argc, char **argv)					\
	{								\
		if (!so_device_present()) {				\
			so_main_device_absent = 1;			\
			atexit(so_main_atexit);				\
		}							\
		return test_harness_run(argc, argv);			\
	}

#endif /* SOCKOBJ_SELFTEST_UTIL_H */
