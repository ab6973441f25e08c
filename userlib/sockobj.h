/* SPDX-License-Identifier: MIT */
/*
 * libsockobj: the userspace library of sockobj.
 *
 * Copyright (C) 2026 The sockobj authors.
 *
 * Conventions (those of liburing):
 *  - every function returning int returns a value >= 0 on success and a
 *    negative error code on failure; errno is never the carrier of the
 *    result and its value after a call is unspecified;
 *  - the error codes are negative errno values, plus the library's own
 *    codes above SOCKOBJ_ERRNO_MAX (SOCKOBJ_ENAME, SOCKOBJ_ENAMEAGAIN),
 *    which can never be confused with an errno; sockobj_strerror()
 *    describes both;
 *  - one function per operation; the context (struct sockobj_ctx) is
 *    opaque and must not be used by several threads at the same time
 *    without a lock of the caller's.
 *
 * In-tree builds use -I<repo>/uapi. Installed, this header is
 * <sockobj/sockobj.h> and the kernel contract it includes is installed as
 * $(includedir)/sockobj/linux/sockobj.h; "pkg-config --cflags sockobj"
 * gives -I$(includedir)/sockobj so that <linux/sockobj.h> resolves to it,
 * whatever the system's linux-libc-dev provides.
 *
 * The man pages (sockobj(7) for the model, one page per function) are the
 * reference; the comments below are a summary.
 */
#ifndef _SOCKOBJ_SOCKOBJ_H
#define _SOCKOBJ_SOCKOBJ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/sockobj.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOCKOBJ_LIB_VERSION_MAJOR	0
#define SOCKOBJ_LIB_VERSION_MINOR	10

/* The value sockobj_lib_version() returns for a given version. */
#define SOCKOBJ_LIB_VERSION_NUM(major, minor)	(((major) << 16) | (minor))
#define SOCKOBJ_LIB_VERSION \
	SOCKOBJ_LIB_VERSION_NUM(SOCKOBJ_LIB_VERSION_MAJOR, SOCKOBJ_LIB_VERSION_MINOR)

/*
 * Library error codes. The kernel never uses an errno above 4095
 * (MAX_ERRNO), so these cannot collide with one. Functions return them
 * negated, like errno values.
 */
#define SOCKOBJ_ERRNO_MAX	4095
#define SOCKOBJ_ENAME		4096	/* a name did not resolve */
#define SOCKOBJ_ENAMEAGAIN	4097	/* temporary failure in name resolution */

/* sockobj_open() flags. */
#define SOCKOBJ_OPEN_NONBLOCK	(1U << 0)
#define SOCKOBJ_OPEN_F_ALL	SOCKOBJ_OPEN_NONBLOCK

/* A state_mask bit for sockobj_wait_state(). */
#define SOCKOBJ_STATE_BIT(state)	(1U << (state))
#define SOCKOBJ_STATE_MASK_ALL		((1U << SOCKOBJ_STATE_COUNT) - 1)

/*
 * Room sockobj_addr_format() needs for any address, NUL included:
 * "[" IPv6 (45) "%" interface name (15) "]:" port (5) NUL.
 */
#define SOCKOBJ_ADDRSTRLEN	72

/*
 * Room sockobj_event_describe() needs for any record, NUL included: the
 * longest line (every number at its largest, glibc's longest error text)
 * is under 200 bytes.
 */
#define SOCKOBJ_EVENT_STRLEN	256

/* Most records sockobj_wait_state() keeps for sockobj_read_events(). */
#define SOCKOBJ_QUEUE_MAX	4096

/*
 * sockobj_connect_race(): most addresses, and the delay between attempts
 * (RFC 8305's Connection Attempt Delay: its recommended value, bounds).
 */
#define SOCKOBJ_RACE_MAX		64
#define SOCKOBJ_RACE_DELAY_MS		250
#define SOCKOBJ_RACE_DELAY_MIN_MS	10
#define SOCKOBJ_RACE_DELAY_MAX_MS	2000

/* Most addresses sockobj_lookup_result() gives of one name (0.6). */
#define SOCKOBJ_LOOKUP_MAX		SOCKOBJ_RACE_MAX

struct sockobj_ctx;
struct sockobj_lookup;
struct sockobj_race;

/*
 * What sockobj_recv() tells besides the data. The library fills
 * every field, reserved ones with zeros.
 */
struct sockobj_recv_info {
	struct sockobj_addr source;	/* where the data came from */
	uint64_t full_len;		/* UDP: the datagram's real length */
	uint32_t truncated;		/* UDP: 1 if it was longer than len */
	uint32_t pad;
	uint64_t reserved[2];
};

/* Library version and module API. */
int sockobj_lib_version(void);
int sockobj_open(struct sockobj_ctx **ctxp, unsigned int flags);
void sockobj_close(struct sockobj_ctx *ctx);
/*
 * For poll(2)/epoll(7): readable while the kernel or the library's queue
 * holds a record, or a lookup or race has news (0.6); its O_NONBLOCK is
 * the context's blocking mode.
 */
int sockobj_fd(const struct sockobj_ctx *ctx);
int sockobj_get_api(struct sockobj_ctx *ctx, struct sockobj_api *api);
int sockobj_check_api(struct sockobj_ctx *ctx);

/* Objects: create returns the new id (> 0). */
int sockobj_create(struct sockobj_ctx *ctx, unsigned int proto,
		   uint64_t cookie);
/*
 * The cookie as a pointer, as liburing's io_uring_sqe_set_data() and
 * io_uring_cqe_get_data() carry user_data (0.3): create with a pointer,
 * get it back from each record and from the object's info.
 */
int sockobj_create_data(struct sockobj_ctx *ctx, unsigned int proto,
			void *data);
void *sockobj_event_get_data(const struct sockobj_event *ev);
void *sockobj_info_get_data(const struct sockobj_info *info);
int sockobj_destroy(struct sockobj_ctx *ctx, unsigned int id,
		    unsigned int flags);
int sockobj_connect(struct sockobj_ctx *ctx, unsigned int id);
int sockobj_disconnect(struct sockobj_ctx *ctx, unsigned int id);
int sockobj_abort(struct sockobj_ctx *ctx, unsigned int id);
int sockobj_get_info(struct sockobj_ctx *ctx, unsigned int id,
		     struct sockobj_info *info);

/* Configuration: one property per call, or the raw struct. */
int sockobj_configure(struct sockobj_ctx *ctx,
		      const struct sockobj_config *cfg);
int sockobj_get_config(struct sockobj_ctx *ctx, unsigned int id,
		       struct sockobj_config *cfg);
int sockobj_set_target(struct sockobj_ctx *ctx, unsigned int id,
		       const struct sockaddr *sa, socklen_t salen);
int sockobj_set_target_host(struct sockobj_ctx *ctx, unsigned int id,
			    const char *host, unsigned int port, int family);
/* The target as a struct sockobj_addr, port included (0.3). */
int sockobj_set_target_addr(struct sockobj_ctx *ctx, unsigned int id,
			    const struct sockobj_addr *addr);
int sockobj_set_local(struct sockobj_ctx *ctx, unsigned int id,
		      const struct sockaddr *sa, socklen_t salen);
int sockobj_set_iface(struct sockobj_ctx *ctx, unsigned int id,
		      const char *name, unsigned int ifindex);
int sockobj_set_connect_timeout(struct sockobj_ctx *ctx, unsigned int id,
				unsigned int timeout_ms);

/*
 * Passive opens (0.4): a CLOSED TCP object with a local port listens for
 * one incoming connection from the peers inconmode (SOCKOBJ_INCON_*)
 * admits.
 */
int sockobj_listen(struct sockobj_ctx *ctx, unsigned int id,
		   unsigned int inconmode, unsigned int backlog);
/* ... whose connection a reconnect (SOCKOBJ_RECON_*) may replace (0.5). */
int sockobj_listen_reconnect(struct sockobj_ctx *ctx, unsigned int id,
			     unsigned int inconmode, unsigned int reconmode,
			     unsigned int backlog);

/* The retry policy: the kernel reconnects with backoff (0.3). */
int sockobj_set_retry(struct sockobj_ctx *ctx, unsigned int id,
		      const struct sockobj_retry *policy);
int sockobj_get_retry(struct sockobj_ctx *ctx, unsigned int id,
		      struct sockobj_retry *policy);

/*
 * Socket options: one SOCKOBJ_CFG_* property per call, applied at
 * the next connect; 0 (or off) unsets, leaving the kernel's default.
 * Only the SENT threshold may change while the object is open.
 */
int sockobj_set_nodelay(struct sockobj_ctx *ctx, unsigned int id, int on);
int sockobj_set_keepalive(struct sockobj_ctx *ctx, unsigned int id, int on,
			  unsigned int idle_s, unsigned int intvl_s,
			  unsigned int cnt);
int sockobj_set_tos(struct sockobj_ctx *ctx, unsigned int id,
		    unsigned int tos);
int sockobj_set_priority(struct sockobj_ctx *ctx, unsigned int id,
			 unsigned int priority);
int sockobj_set_bufsizes(struct sockobj_ctx *ctx, unsigned int id,
			 unsigned int sndbuf, unsigned int rcvbuf);
int sockobj_set_user_timeout(struct sockobj_ctx *ctx, unsigned int id,
			     unsigned int timeout_ms);
int sockobj_set_inactivity(struct sockobj_ctx *ctx, unsigned int id,
			   unsigned int timeout_s);
int sockobj_set_sent_threshold(struct sockobj_ctx *ctx, unsigned int id,
			       unsigned int bytes);
int sockobj_set_broadcast(struct sockobj_ctx *ctx, unsigned int id, int on);
int sockobj_set_recv_any(struct sockobj_ctx *ctx, unsigned int id, int on);

/*
 * Data, never blocking: bytes moved (> 0, or 0: TCP EOF, empty UDP
 * datagram) or a negative errno, -EAGAIN when the matching data event
 * (SOCKOBJ_EV_WRITABLE, SOCKOBJ_EV_READABLE) is to be waited for.
 */
int sockobj_send(struct sockobj_ctx *ctx, unsigned int id, const void *buf,
		 size_t len);
int sockobj_recv(struct sockobj_ctx *ctx, unsigned int id, void *buf,
		 size_t len, unsigned int flags, struct sockobj_recv_info *ri);

/*
 * Batches (0.5), as liburing does it: the prep helpers only fill an op of
 * the caller's array (the arguments they point to must live until the
 * submit), sockobj_submit() runs them with one SOCKOBJ_IOC_BATCH and
 * returns how many ran, each op's result in its result field. An id of 0
 * is the object the batch created last.
 */
void sockobj_prep_create(struct sockobj_batch_op *op,
			 struct sockobj_create *cr, unsigned int proto,
			 uint64_t cookie);
void sockobj_prep_configure(struct sockobj_batch_op *op, unsigned int id,
			    const struct sockobj_config *cfg);
void sockobj_prep_connect(struct sockobj_batch_op *op, unsigned int id);
void sockobj_prep_send(struct sockobj_batch_op *op, unsigned int id,
		       const void *buf, size_t len);
/* Module API version 7 and later (SOCKOBJ_FEAT_BATCH_RECV) (0.7) */
void sockobj_prep_recv(struct sockobj_batch_op *op, unsigned int id,
		       void *buf, size_t len, unsigned int flags);
/*
 * Module API version 9 and later (SOCKOBJ_FEAT_BATCH_VEC) (0.9): a send or
 * a receive over iovcnt buffers (0..SOCKOBJ_BATCH_IOV_MAX), as writev()
 * and readv() take them, with one sendmsg() or recvmsg().
 */
void sockobj_prep_sendv(struct sockobj_batch_op *op, unsigned int id,
			const struct iovec *iov, unsigned int iovcnt);
void sockobj_prep_recvv(struct sockobj_batch_op *op, unsigned int id,
			struct iovec *iov, unsigned int iovcnt,
			unsigned int flags);
void sockobj_prep_disconnect(struct sockobj_batch_op *op, unsigned int id);
void sockobj_prep_abort(struct sockobj_batch_op *op, unsigned int id);
void sockobj_prep_destroy(struct sockobj_batch_op *op, unsigned int id,
			  unsigned int flags);
int sockobj_submit(struct sockobj_ctx *ctx, struct sockobj_batch_op *ops,
		   unsigned int count, unsigned int flags);
/*
 * Module API version 8 and later (SOCKOBJ_FEAT_BATCH_WAIT) (0.8): the ops,
 * then records, with one system call per turn of an event loop.
 */
int sockobj_submit_and_wait(struct sockobj_ctx *ctx,
			    struct sockobj_batch_op *ops, unsigned int count,
			    unsigned int flags, struct sockobj_event *evs,
			    unsigned int *nevs, int timeout_ms);
/*
 * The common case: an object per target, created, configured (tmpl, or
 * NULL, plus the target) and connected in batches; ids[i] is the id of
 * target i's object or the -errno that stopped it (no object left).
 * Returns how many started.
 */
int sockobj_connect_many(struct sockobj_ctx *ctx, unsigned int proto,
			 const struct sockobj_addr *targets, unsigned int n,
			 const struct sockobj_config *tmpl,
			 const uint64_t *cookies, int *ids);

/*
 * Happy Eyeballs v2 (RFC 8305): attempts to each address, IPv6 and IPv4
 * interleaved, IPv6 first, delay_ms apart (0: 250 ms) or at once when
 * the others failed; the first ESTABLISHED wins (its id is returned), the
 * others are cancelled; outcomes[i] is the last record of addrs[i]'s
 * attempt. Blocks up to timeout_ms, keeping other objects' records.
 */
int sockobj_connect_race(struct sockobj_ctx *ctx,
			 const struct sockobj_addr *addrs, unsigned int n,
			 const struct sockobj_config *tmpl, uint64_t cookie,
			 unsigned int delay_ms, int timeout_ms,
			 struct sockobj_event *outcomes);

/*
 * The same race in the caller's loop (0.6): start it (over addresses, or
 * over a name resolved without blocking), then on each readiness of
 * sockobj_fd() step it, until the step returns the winner's id (> 0) or
 * the error that ended it (< 0); 0: still running. Other objects' records
 * stay for sockobj_read_events(); the attempts' records are the race's.
 * Free every race and lookup before sockobj_close().
 */
int sockobj_race_start(struct sockobj_ctx *ctx,
		       const struct sockobj_addr *addrs, unsigned int n,
		       const struct sockobj_config *tmpl, uint64_t cookie,
		       unsigned int delay_ms, struct sockobj_race **racep);
int sockobj_race_start_host(struct sockobj_ctx *ctx, const char *host,
			    unsigned int port, int family,
			    const struct sockobj_config *tmpl, uint64_t cookie,
			    unsigned int delay_ms, struct sockobj_race **racep);
int sockobj_race_step(struct sockobj_ctx *ctx, struct sockobj_race *race);
/* The race's addresses and each one's last record; returns their count. */
int sockobj_race_outcomes(const struct sockobj_race *race,
			  struct sockobj_addr *addrs,
			  struct sockobj_event *outcomes, unsigned int max);
void sockobj_race_free(struct sockobj_ctx *ctx, struct sockobj_race *race);

/* Hand-off: the open connection as a socket fd; the object is gone. */
int sockobj_handoff(struct sockobj_ctx *ctx, unsigned int id,
		    unsigned int flags);

/* Addresses. format returns the length written, without the NUL. */
int sockobj_addr_from_sockaddr(struct sockobj_addr *addr,
			       const struct sockaddr *sa, socklen_t salen);
int sockobj_addr_to_sockaddr(const struct sockobj_addr *addr,
			     struct sockaddr_storage *ss, socklen_t *salenp);
int sockobj_addr_format(const struct sockobj_addr *addr, char *buf,
			size_t len);
int sockobj_addr_parse(struct sockobj_addr *addr, const char *str);

/* Names (userspace resolution: getaddrinfo(3), getnameinfo(3)). */
int sockobj_resolve(const char *host, const char *service, int family,
		    struct sockaddr_storage *ss, socklen_t *salenp);
int sockobj_host_by_name(const char *host, int family,
			 struct sockobj_addr *addrs, unsigned int max);
int sockobj_host_by_addr(const struct sockobj_addr *addr, char *host,
			 size_t len);
int sockobj_local_host_name(char *buf, size_t len);
/*
 * A name resolved in a thread of the library (0.6): its end makes
 * sockobj_fd() readable; the result is -EINPROGRESS until then.
 */
int sockobj_lookup_start(struct sockobj_ctx *ctx, const char *host,
			 int family, struct sockobj_lookup **lookupp);
int sockobj_lookup_result(struct sockobj_ctx *ctx,
			  struct sockobj_lookup *lookup,
			  struct sockobj_addr *addrs, unsigned int max);
void sockobj_lookup_free(struct sockobj_ctx *ctx,
			 struct sockobj_lookup *lookup);
const char *sockobj_strerror(int err);

/* Events. */
int sockobj_read_events(struct sockobj_ctx *ctx, struct sockobj_event *evs,
			unsigned int max);
int sockobj_wait_events(struct sockobj_ctx *ctx, struct sockobj_event *evs,
			unsigned int max, int timeout_ms);
int sockobj_wait_state(struct sockobj_ctx *ctx, unsigned int id,
		       unsigned int state_mask, int timeout_ms,
		       struct sockobj_event *last);
int sockobj_queued_events(const struct sockobj_ctx *ctx);
/*
 * The mapped record ring (0.10; module API version 11,
 * SOCKOBJ_FEAT_EVENT_RING): after sockobj_ring_setup(), the functions
 * above take the records the ring holds without a system call. For a
 * loop of the caller's own: pointers to the records in the ring, oldest
 * first, valid until sockobj_ring_advance() releases them; pending says
 * the module holds records for want of room (read them with
 * sockobj_read_events() before waiting).
 */
int sockobj_ring_setup(struct sockobj_ctx *ctx, unsigned int entries);
int sockobj_ring_peek(struct sockobj_ctx *ctx,
		      const struct sockobj_event **evs, unsigned int max);
int sockobj_ring_advance(struct sockobj_ctx *ctx, unsigned int n);
int sockobj_ring_pending(const struct sockobj_ctx *ctx);

/* Names of constants; "unknown" for a value the library does not know. */
const char *sockobj_state_name(unsigned int state);
const char *sockobj_reason_name(unsigned int reason);
const char *sockobj_reason_describe(unsigned int reason);
const char *sockobj_event_type_name(unsigned int type);

/*
 * One line telling what a record says (0.3), e.g. "id 3 CONNECTING ->
 * RETRY_WAIT: REFUSED (Connection refused), attempt 2, next in 400 ms";
 * returns the length written, without the NUL.
 */
int sockobj_event_describe(const struct sockobj_event *ev, char *buf,
			   size_t len);

#ifdef __cplusplus
}
#endif

#endif /* _SOCKOBJ_SOCKOBJ_H */
