/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sockobj selftests' library: libsotest.a, built once from the .c
 * files of lib/, with this one header and one prefix (so_, and SO_ for
 * constants and macros).
 *
 * This header includes the kselftest harness (from $KSRC, see the
 * Makefile); the assertion helpers take the harness's _metadata and use its
 * ASSERT and EXPECT macros.
 *
 *  - sys.c: time, timeouts scaled for the kernel flavour, module
 *    parameters, files, rlimits, watching a test's child process;
 *  - device.c: /dev/sockobj and raw ioctl wrappers (so_create(),
 *    so_connect(), so_io_send(), ...), all returning 0 or -errno; struct
 *    sockobj_addr from "1.2.3.4" / "::1" strings and comparisons with
 *    struct sockaddr; the errno contract of every ioctl, as lists;
 *  - events.c: event reading with a poll timeout, with a per-fd stash so
 *    that events of other objects read on the way are kept for later; the
 *    assertions on state and data records (ASSERT_EVENTS() and the like)
 *    are in this header, as they use the harness;
 *  - netns.c: running a command (nft, sysctl), in this or a named
 *    namespace; network namespaces: a fresh one for the test, named ones;
 *    veth pairs, dummy links and addresses over rtnetlink; nft rules;
 *  - peer.c: the peer side: TCP listeners and accept with a timeout, UDP
 *    sockets, peer processes (python3, sh) with their stdout read line by
 *    line, an AF_PACKET capture of what the object's socket puts on the
 *    wire;
 *  - chaos.c: the "chaos peer", one thread serving TCP listeners (echo,
 *    FIN or RST at random, or exact echo for byte accounting) and UDP echo
 *    sockets;
 *  - rand.c: the seedable PRNG (splitmix64), one state per user;
 *  - sha256.c: SHA-256 (FIPS 180-4), to check what crossed a connection;
 *  - ksft.c: for the kselftest runner, why a program cannot run here (it
 *    then skips as a whole, saying why) and no process outliving it.
 *
 * main(): SO_HARNESS_MAIN, or SO_HARNESS_MAIN_OPTS(name, parse) for an
 * option parser and a last line "<name>: N passed, N failed, N skipped".
 */
#ifndef SOCKOBJ_SOTEST_H
#define SOCKOBJ_SOTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* unshare(), setns(), accept4(), pipe2() */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockobj.h>

/*
 * The harness, in the test programs only: the 6.1 harness defines global
 * functions (__run_test...), so it can be in one file of a program only.
 * The library's files define SO_NO_HARNESS; so does any other file of a
 * program of several files.
 *
 * The 6.1 harness has an unused parameter (__timeout_handler's ucontext),
 * which -Wextra -Werror would reject: silence that one warning for the
 * harness's own definitions only.
 *
 * The 6.12 harness keeps `pid_t child` across setjmp() in the TEST_F()
 * wrapper it expands in every test program (__TEST_F_IMPL), which gcc 12
 * calls possibly clobbered (-Wclobbered, in -Wextra) although nothing
 * changes it between setjmp() and longjmp(). That warning is issued at the
 * end of the expanded function, outside any push/pop around the include,
 * so it is off for the whole of a test program; no sockobj test calls
 * setjmp() or vfork() itself, which is all it would catch.
 */
#ifndef SO_NO_HARNESS
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

/*
 * The harness's record of the current test's result, which changed in
 * v6.9 ("selftests: kselftest_harness: use KSFT_* exit codes"): up to then
 * struct __test_metadata has `int passed` (1 until an assertion fails) and a
 * test process that skips exits 255; since then it has `int exit_code`, a
 * KSFT_* code (KSFT_FAIL after a failed assertion), and a skipping test
 * process exits KSFT_SKIP (4), 255 now being a failure. The Makefile tests
 * which member this tree's kselftest_harness.h has and defines
 * SO_HARNESS_EXIT_CODE for the newer one.
 *
 * SO_TEST_PASSING(m): the test has not failed (so far); SO_TEST_SKIPPED(m):
 * SKIP() was called; SO_SKIP_STATUS: the exit status of a test process that
 * skips. Tests use these, never the members.
 */
#ifdef SO_HARNESS_EXIT_CODE
#define SO_TEST_PASSING(m)	((m)->exit_code != KSFT_FAIL &&		\
				 (m)->exit_code <= KSFT_SKIP)
#define SO_TEST_SKIPPED(m)	((m)->exit_code == KSFT_SKIP)
#define SO_SKIP_STATUS		4	/* KSFT_SKIP */
#else
#define SO_TEST_PASSING(m)	((m)->passed)
#define SO_TEST_SKIPPED(m)	((m)->skip)
#define SO_SKIP_STATUS		255
#endif

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
			 SOCKOBJ_FEAT_EVENTS | SO_FEAT_LATER | SOCKOBJ_FEAT_BATCH | \
			 SOCKOBJ_FEAT_RETRY | SOCKOBJ_FEAT_LISTEN |		\
			 SOCKOBJ_FEAT_RECONNECT | SOCKOBJ_FEAT_LISTEN_UDP |	\
			 SOCKOBJ_FEAT_BATCH_RECV | SOCKOBJ_FEAT_BATCH_WAIT | \
			 SOCKOBJ_FEAT_BATCH_VEC | SOCKOBJ_FEAT_URING_CMD |	\
			 SOCKOBJ_FEAT_EVENT_RING)
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
/* sys.c: time, parameters, files, processes                              */
/* ---------------------------------------------------------------------- */

uint64_t so_now_ns(void);
void so_sleep_ms(unsigned int ms);
int so_debug_kernel(void);
int so_tmo(int ms);
int so_param_read(const char *name, long *val);
int so_param_write(const char *name, long val);
int so_no_options(int argc, char **argv);
unsigned long so_tainted(void);
int so_wait_child(pid_t pid, int timeout_s, const char *what);
int so_raise_nofile(rlim_t want);
int so_write_file(const char *path, const char *val);
long so_read_long(const char *path, long dflt);
__u16 so_port(int k);
int so_count_fds(void);
int so_send_fd(int sock, int fd, __u32 tag);
int so_recv_fd(int sock, __u32 *tag);

#define SO_TAINT_DIE	(1UL << 7)	/* 'D': an oops happened */

/*
 * Run the statements in a child process (ASSERT/EXPECT usable there),
 * watched by so_wait_child(); the test fails unless the child passed.
 */
#define SO_IN_CHILD(timeout_s, ...) do {				\
	pid_t __pid;							\
	int __st;							\
									\
	fflush(NULL);							\
	__pid = fork();							\
	ASSERT_LE(0, __pid);						\
	if (__pid == 0) {						\
		__VA_ARGS__;						\
		fflush(NULL);						\
		_exit(SO_TEST_PASSING(_metadata) ? 0 : 1);		\
	}								\
	__st = so_wait_child(__pid, timeout_s, __func__);		\
	ASSERT_TRUE(__st != -1 && WIFEXITED(__st) &&			\
		    WEXITSTATUS(__st) == 0)				\
		TH_LOG("the test's process failed (status 0x%x)", __st); \
} while (0)

/* ---------------------------------------------------------------------- */
/* device.c: the device, ioctls, addresses                                */
/* ---------------------------------------------------------------------- */

int so_device_present(void);
int so_open(int extra_flags);
int so_nobody_node(char *node, size_t len);
void so_skip_exit(void);
int so_ioctl(int fd, unsigned long req, void *arg);
int so_get_api(int fd, struct sockobj_api *api);
int so_create(int fd, __u32 proto, __u64 cookie, __u32 *id);
int so_op(int fd, unsigned long req, __u32 id, __u32 flags);
int so_connect(int fd, __u32 id);
int so_disconnect(int fd, __u32 id);
int so_abort(int fd, __u32 id);
int so_destroy(int fd, __u32 id, __u32 flags);
int so_get_info(int fd, __u32 id, struct sockobj_info *info);
int so_get_config(int fd, __u32 id, struct sockobj_config *cfg);
int so_configure(int fd, struct sockobj_config *cfg);
int so_set_retry(int fd, __u32 id, struct sockobj_retry *r);
int so_get_retry(int fd, __u32 id, struct sockobj_retry *r);
int so_io(int fd, unsigned long req, __u32 id, const void *buf,
	  size_t len, __u32 flags, struct sockobj_io *io);
int so_io_send(int fd, __u32 id, const void *buf, size_t len,
	       size_t *done);
int so_io_recv(int fd, __u32 id, void *buf, size_t len,
	       size_t *done);
int so_handoff(int fd, __u32 id, __u32 flags);
int so_family_of(const char *str);
int so_addr(struct sockobj_addr *a, const char *str, __u16 port);
void so_addr_from_sockaddr(struct sockobj_addr *a,
			   const struct sockaddr_storage *ss);
socklen_t so_sockaddr(struct sockaddr_storage *ss,
		      const struct sockobj_addr *a);
const char *so_addr_str(const struct sockobj_addr *a,
			char *buf, size_t len);
int so_addr_eq(const struct sockobj_addr *x,
	       const struct sockobj_addr *y);
int so_set_target(int fd, __u32 id, const char *ip, __u16 port);
int so_new(int fd, __u64 cookie, const char *ip, __u16 port,
	   __u32 *id);
int so_getint(int sfd, int level, int name);

/*
 * Skip the current test when the module is not loaded, and only then,
 * with the harness's SKIP() (so_skip_exit() says why it exits).
 */
#define SO_REQUIRE_DEVICE() do {					\
	if (!so_device_present())					\
		SKIP(so_skip_exit(), "%s is absent (sockobj not loaded)", \
		     SO_DEV_PATH);					\
} while (0)

/* Fields of a sockobj_addr equal to what getsockname/getpeername said. */
#define EXPECT_ADDR_EQ(expected, seen) do {				\
	char __b1[96], __b2[96];					\
	if (!so_addr_eq(expected, seen))				\
		TH_LOG("address: expected %s, got %s",			\
		       so_addr_str(expected, __b1, sizeof(__b1)),	\
		       so_addr_str(seen, __b2, sizeof(__b2)));		\
	EXPECT_TRUE(so_addr_eq(expected, seen));			\
} while (0)

/*
 * Errors each ioctl may return, from the doc block of uapi/linux/sockobj.h,
 * plus the rules of its preamble that apply to every ioctl: EFAULT for a
 * bad pointer. Lists end with 0 (device.c says where each comes from).
 */
extern const int so_errs_get_api[], so_errs_create[], so_errs_configure[],
	so_errs_get_config[], so_errs_connect[], so_errs_disconnect[],
	so_errs_abort[], so_errs_destroy[], so_errs_get_info[], so_errs_send[],
	so_errs_recv[], so_errs_handoff[], so_errs_batch[], so_errs_read[],
	so_errs_ring_setup[],
	so_errs_set_retry[], so_errs_get_retry[], so_errs_listen[],
	so_errs_unknown[];
int so_err_allowed(const int *list, int err);

/* ---------------------------------------------------------------------- */
/* events.c: records and assertions on them                               */
/* ---------------------------------------------------------------------- */

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

/* Any state (for so_expect_data()) */
#define SO_ANY_STATE	0xffffffffU

const char *so_state_name(__u32 s);
const char *so_reason_name(__u32 r);
const char *so_type_name(__u32 t);
int so_is_data_record(__u32 type);
void so_stash_drop(int fd);
int so_read_events(int fd, struct sockobj_event *ev,
		   unsigned int max, int timeout_ms);
void so_close(int fd);
int so_stash_fill(int fd, int timeout_ms);
int so_next_event(int fd, __u32 id, struct sockobj_event *ev,
		  int timeout_ms);
int so_next_state_event(int fd, __u32 id,
			struct sockobj_event *ev, int timeout_ms);
int so_count_events(int fd, __u32 id, int wait_ms);
int so_wait_type(int fd, __u32 id, __u32 type,
		 struct sockobj_event *e, int tmo,
		 unsigned int *skipped);
int so_wait_state(int fd, __u32 id, __u32 state, int timeout_ms);

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

#define EXPECT_INFO(fd, id, st, rsn, ph, err)				\
	so_expect_info(_metadata, fd, id, SOCKOBJ_STATE_##st,		\
		       SOCKOBJ_REASON_##rsn, SOCKOBJ_STATE_##ph, err)

#define EXPECT_DATA_EV(fd, id, cookie, type, tmo)			\
	so_expect_data(_metadata, fd, id, cookie, SOCKOBJ_EV_##type,	\
		       SO_ANY_STATE, 0, tmo, NULL)

/* No record at all of object id (0: any) arrives within ms */
#define ASSERT_NO_RECORD(fd, id, ms) do {				\
	struct sockobj_event __e;					\
	int __r = so_next_event(fd, id, &__e, ms);			\
	if (__r > 0)							\
		so_log_record(_metadata, "unexpected record", &__e);	\
	ASSERT_EQ(0, __r);						\
} while (0)

/* Poll GET_INFO until cond (an expression of info) holds: 0 or -ETIMEDOUT */
#define WAIT_INFO(fd, id, info, cond, tmo) ({				\
	uint64_t __dl = so_now_ns() + (uint64_t)(tmo) * 1000000ULL;	\
	int __r = -ETIMEDOUT;						\
	while (!so_get_info(fd, id, &(info))) {				\
		if (cond) {						\
			__r = 0;					\
			break;						\
		}							\
		if (so_now_ns() >= __dl)				\
			break;						\
		so_sleep_ms(5);						\
	}								\
	__r; })

/* ---------------------------------------------------------------------- */
/* netns.c: commands and network namespaces                               */
/* ---------------------------------------------------------------------- */

__attribute__((format(printf, 1, 2)))
int so_sh(const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
int so_sh_ns(const char *ns, const char *fmt, ...);
int so_link_up(const char *ifname);
int so_netns_private(void);
void so_netns_name(char *buf, size_t len, const char *tag);
int so_netns_add(const char *name);
void so_netns_del(const char *name);
int so_netns_fd(const char *name);
int so_in_netns(const char *ns, int (*fn)(void *), void *arg);
int so_veth_to_ns(const char *ns, const char *our_if,
		  const char *peer_if, const char *our_addr,
		  const char *peer_addr, int prefix);
int so_nft_input_rule(const char *ns, const char *rule);
int so_nft_delete(const char *ns);
int so_addr_add(const char *ns, const char *ifname, const char *addr,
		int prefix);
int so_dummy_add(const char *ifname, const char *addr, int prefix);
int so_link_del(const char *ifname);

#define SH_OK(...)		ASSERT_EQ(0, so_sh(__VA_ARGS__))
#define SH_NS_OK(ns, ...)	ASSERT_EQ(0, so_sh_ns(ns, __VA_ARGS__))

/* ---------------------------------------------------------------------- */
/* peer.c: sockets, processes and captures of the peer side               */
/* ---------------------------------------------------------------------- */

struct so_proc {
	pid_t pid;
	int out;	/* its stdout, or -1 */
	char buf[1024];	/* read ahead, up to len */
	size_t len;
};

/* One packet seen by a capture, parsed */
struct so_pkt {
	int pkttype;		/* PACKET_HOST, PACKET_OUTGOING, ... */
	int family;		/* AF_INET or AF_INET6 */
	__u8 tos;		/* IPv4 TOS or IPv6 traffic class */
	__u8 proto;		/* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 src[16], dst[16];
	__u16 sport, dport;	/* host order (TCP and UDP) */
	__u32 seq;		/* TCP */
	__u8 tcp_flags;		/* TCP */
	size_t payload;		/* bytes after the TCP/UDP header */
};

#define SO_TCP_FIN	0x01
#define SO_TCP_SYN	0x02
#define SO_TCP_RST	0x04
#define SO_TCP_ACK	0x10

int so_listen_in(const char *ns, const char *ip, __u16 port,
		 int backlog);
int so_listen(const char *ip, __u16 port);
int so_accept(int lfd, int timeout_ms);
int so_recv(int fd, void *buf, size_t len, int timeout_ms);
void so_close_rst(int fd);
int so_sockname(int fd, struct sockobj_addr *a, int peer);
int so_udp_in(const char *ns, const char *ip, __u16 port);
int so_sendto(int fd, const void *buf, size_t len,
	      const char *ip, __u16 port);
int so_send_all(int fd, const void *buf, size_t len);
ssize_t so_recv_exact(int fd, void *buf, size_t len,
		      int timeout_ms);
int so_inq(int fd);
int so_spawn(struct so_proc *p, const char *ns,
	     char *const argv[]);
int so_proc_line(struct so_proc *p, char *line, size_t size,
		 int timeout_ms);
int so_proc_wait(struct so_proc *p, int timeout_ms);
void so_proc_kill(struct so_proc *p);
int so_capture_open(const char *ns, const char *ifname);
int so_capture_next(int fd, struct so_pkt *pk, int timeout_ms);

/*
 * Assertion helpers: they take the harness's _metadata and use its
 * ASSERT, EXPECT and TH_LOG, so they are defined here, in the program.
 */
#ifndef SO_NO_HARNESS
static inline void so_log_event(struct __test_metadata *_metadata,
				const char *what,
				const struct sockobj_event *e)
{
	TH_LOG("%s: id %u type %u cookie %llu seq %llu ts %llu %s <- %s "
	       "reason %s phase %s error %d merged %u attempt %u retry_ms %u", what,
	       e->id, e->type, (unsigned long long)e->cookie,
	       (unsigned long long)e->seq,
	       (unsigned long long)e->timestamp_ns, so_state_name(e->state),
	       so_state_name(e->prev_state), so_reason_name(e->reason),
	       so_state_name(e->phase), e->error, e->merged, e->attempt,
	       e->retry_ms);
}

static inline void so_log_record(struct __test_metadata *_metadata,
				 const char *what, const struct sockobj_event *e)
{
	TH_LOG("%s: id %u %s seq %llu state %s prev %s reason %u phase %s "
	       "error %d merged %u", what, e->id, so_type_name(e->type),
	       (unsigned long long)e->seq, so_state_name(e->state),
	       so_state_name(e->prev_state), e->reason,
	       so_state_name(e->phase), e->error, e->merged);
}

static inline int so_event_matches(const struct sockobj_event *e, __u32 id,
				   __u64 cookie, const struct so_exp *x)
{
	return e->id == id && e->type == SOCKOBJ_EV_STATE &&
	       e->cookie == cookie && e->state == x->state &&
	       e->prev_state == x->prev && e->reason == x->reason &&
	       e->phase == x->phase && e->error == x->error &&
	       e->merged == 1 && e->attempt && !e->retry_ms;
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

/*
 * The next record of object id is a data record of type (and err for
 * SOCKOBJ_EV_ERROR), within tmo ms: cookie, merged >= 1, reason and phase
 * 0, reserved 0 and, unless state is SO_ANY_STATE, the object's state.
 * Returns the record in *out when out is not NULL.
 */
static inline void so_expect_data(struct __test_metadata *_metadata, int fd,
				  __u32 id, __u64 cookie, __u32 type,
				  __u32 state, __s32 err, int tmo,
				  struct sockobj_event *out)
{
	struct sockobj_event e;
	int ret = so_next_event(fd, id, &e, tmo);

	if (ret != 1)
		TH_LOG("object %u: no %s record within %d ms (%d)", id,
		       so_type_name(type), tmo, ret);
	ASSERT_EQ(1, ret);
	if (e.type != type || e.cookie != cookie || !e.merged ||
	    e.reason || e.phase || e.error != err || !e.attempt ||
	    e.retry_ms ||
	    (state != SO_ANY_STATE && (e.state != state ||
				      e.prev_state != state))) {
		TH_LOG("object %u: expected %s (state %s, error %d)", id,
		       so_type_name(type),
		       state == SO_ANY_STATE ? "any" : so_state_name(state),
		       err);
		so_log_record(_metadata, "got", &e);
		ASSERT_TRUE(0);
	}
	if (out)
		*out = e;
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
#endif /* SO_NO_HARNESS */

/* ---------------------------------------------------------------------- */
/* chaos.c: the chaos peer                                                */
/* ---------------------------------------------------------------------- */

/*
 * What the peer does with an accepted connection (chosen at accept time
 * from the percentages below; the rest echo until our FIN, then close).
 */
enum so_peer_act {
	SO_PEER_ECHO,		/* echo everything, close after our FIN */
	SO_PEER_FIN_NOW,		/* close at once (FIN) */
	SO_PEER_RST_NOW,		/* close at once with a RST */
	SO_PEER_FIN_LATER,		/* echo, then close (FIN) after a delay */
	SO_PEER_RST_LATER,		/* echo, then RST after a delay */
	SO_PEER_SHUT_WR,		/* shutdown(SHUT_WR) at once, then echo */
	SO_PEER_HOLD,		/* never read (our send buffer fills) */
	SO_PEER_IDLE,		/* never read, never close (until so_peer_stop) */
	SO_PEER_NACT,
};

struct so_peer_conn {
	int fd;
	uint8_t act;
	uint8_t eof;		/* we got the object's FIN */
	uint64_t deadline_ns;	/* for *_LATER and HOLD */
	char *out;		/* echo backlog */
	size_t out_len, out_cap;
};

struct so_peer {
	/* configuration (before so_peer_start) */
	unsigned int pct[SO_PEER_NACT];	/* percent of each action */
	unsigned int later_ms;		/* max delay of *_LATER / HOLD */
	int listeners[16];
	int listen_act[16];		/* -1: at random, else enum so_peer_act */
	int nlisteners;
	int udp[8];
	int nudp;
	uint64_t seed;
	/* state */
	pthread_t thread;
	int running;
	atomic_int stop;
	struct so_peer_conn *conns;	/* indexed by fd */
	int maxfd;
	int epfd;
	/* statistics */
	atomic_ulong accepted, fins, rsts, echoed, dgrams;
};

void so_peer_init(struct so_peer *p, uint64_t seed);
int so_peer_add_tcp_act(struct so_peer *p, const char *ip, __u16 port,
			int backlog, int act);
int so_peer_add_tcp(struct so_peer *p, const char *ip, __u16 port,
		    int backlog);
int so_peer_add_udp(struct so_peer *p, const char *ip, __u16 port);
int so_peer_start(struct so_peer *p);
void so_peer_stop(struct so_peer *p, int close_all);

/* ---------------------------------------------------------------------- */
/* rand.c: pseudo-random numbers (splitmix64)                             */
/* ---------------------------------------------------------------------- */

struct so_rnd {
	uint64_t s;
};

uint64_t so_rnd_next(struct so_rnd *r);
uint32_t so_rnd_below(struct so_rnd *r, uint32_t n);
int so_rnd_pct(struct so_rnd *r, unsigned int pct);
void so_rnd_fill(struct so_rnd *r, void *buf, size_t len);
uint32_t so_rnd_u32_edgy(struct so_rnd *r);
size_t so_rnd_between(struct so_rnd *r, size_t lo, size_t hi);
uint64_t so_seed(void);

/* ---------------------------------------------------------------------- */
/* sha256.c                                                               */
/* ---------------------------------------------------------------------- */

struct so_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned int fill;
	uint8_t block[64];
};

void so_sha256_init(struct so_sha256 *s);
void so_sha256_update(struct so_sha256 *s, const void *data,
		      size_t len);
void so_sha256_hex(struct so_sha256 *s, char hex[65]);

/* ---------------------------------------------------------------------- */
/* ksft.c: for the kselftest runner                                       */
/* ---------------------------------------------------------------------- */

int so_ksft_missing(char *why, size_t len);
void so_ksft_reaper(void);
void so_ksft_reap(void);

/* ---------------------------------------------------------------------- */
/* main()                                                                 */
/* ---------------------------------------------------------------------- */

#ifndef SO_NO_HARNESS
/*
 * TEST_HARNESS_MAIN, plus: when every test skipped (SKIP() with its
 * reason: no fault injection in this kernel, or /dev/sockobj gone, which
 * SO_REQUIRE_DEVICE() in the fixtures' setup checks), the program exits
 * with KSFT_SKIP (4) instead of 0, and the runner reports it skipped. These
 * read the harness's counters, which are the program's own: they are
 * defined in each program, not in the library.
 */
static int so_main_device_absent;
static const char *so_prog_name = "sotest";
static pid_t so_main_pid;

/*
 * Before main(), in every test program whatever its main(): a program that
 * cannot run here (not root, a kernel option of ./config or a tool
 * missing, the module not loaded) skips as a whole, in the kselftest way
 * ("1..0 # SKIP <reason>", exit status KSFT_SKIP), rather than failing
 * each test; one that runs leaves no process behind (lib/ksft.c).
 */
__attribute__((constructor)) static void so_ksft_init(void)
{
	char why[512];

	if (so_ksft_missing(why, sizeof(why))) {
		ksft_print_header();
		ksft_exit_skip("%s\n", why);
	}
	so_main_pid = getpid();
	so_ksft_reaper();
}

static inline void so_main_atexit(void)
{
	if (getpid() != so_main_pid)
		return;
	if ((so_main_device_absent || ksft_get_xskip_cnt()) &&
	    !ksft_get_fail_cnt() && !ksft_get_error_cnt() &&
	    !ksft_get_pass_cnt()) {
		fflush(NULL);
		/* _exit(): the reaper's atexit() would not run */
		so_ksft_reap();
		_exit(KSFT_SKIP);
	}
}

/* The last line "<name>: N passed, N failed, N skipped" */
static inline void so_summary(void)
{
	if (getpid() != so_main_pid)
		return;
	printf("%s: %d passed, %d failed, %d skipped\n", so_prog_name,
	       ksft_get_pass_cnt(), ksft_get_fail_cnt() + ksft_get_error_cnt(),
	       ksft_get_xskip_cnt());
	fflush(stdout);
}

static inline void so_main_start(void)
{
	so_main_device_absent = !so_device_present();
	atexit(so_main_atexit);
}

#define SO_HARNESS_MAIN							\
	int main(int argc, char **argv)					\
	{								\
		so_main_start();					\
		return test_harness_run(argc, argv);			\
	}

/*
 * SO_HARNESS_MAIN with an option parser (argc, argv -> 0, or non-zero to
 * exit 2) and the summary line. Test children must leave with _exit() (the
 * harness does).
 */
#define SO_HARNESS_MAIN_OPTS(name, parse)				\
	int main(int argc, char **argv)					\
	{								\
		so_prog_name = name;					\
		setvbuf(stdout, NULL, _IOLBF, 0);			\
		if (parse(argc, argv))					\
			return 2;					\
		so_main_start();					\
		atexit(so_summary);	/* runs before so_main_atexit() */ \
		return test_harness_run(argc, argv);			\
	}
#endif /* SO_NO_HARNESS */

#endif /* SOCKOBJ_SOTEST_H */
