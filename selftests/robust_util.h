/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the robustness selftests (fuzz_ioctl, fault_inject, stress,
 * privilege_test), on top of sockobj_util.h:
 *
 *  - ROBUST_HARNESS_MAIN(name, parse): the harness's main() plus an option
 *    parser, and a last line "<name>: N passed, N failed, N skipped";
 *  - a small, seedable PRNG (splitmix64), one state per thread;
 *  - the errno contract of every ioctl (uapi/linux/sockobj.h), as lists;
 *  - a "chaos peer": one thread serving TCP listeners (echo, FIN or RST at
 *    random, or exact echo for byte accounting) and UDP echo sockets.
 */
#ifndef SOCKOBJ_ROBUST_UTIL_H
#define SOCKOBJ_ROBUST_UTIL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "sockobj_util.h"

/* ---------------------------------------------------------------------- */
/* main() and the summary line                                            */
/* ---------------------------------------------------------------------- */

static const char *robust_prog_name = "robust";
static pid_t robust_main_pid;

static inline void robust_summary(void)
{
	if (getpid() != robust_main_pid)
		return;
	printf("%s: %d passed, %d failed, %d skipped\n", robust_prog_name,
	       ksft_get_pass_cnt(), ksft_get_fail_cnt() + ksft_get_error_cnt(),
	       ksft_get_xskip_cnt());
	fflush(stdout);
}

/*
 * TEST_HARNESS_MAIN with an option parser (argc, argv -> 0, or non-zero to
 * exit 2), the "device absent: skip" rule of SOCKOBJ_HARNESS_MAIN and the
 * summary line. Test children must leave with _exit() (the harness does).
 */
#define ROBUST_HARNESS_MAIN(name, parse)				\
	static void __attribute__((constructor))			\
	__constructor_order_last(void)					\
	{								\
		if (!__constructor_order)				\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	}								\
	int main(int argc, char **argv)					\
	{								\
		robust_prog_name = name;				\
		robust_main_pid = getpid();				\
		setvbuf(stdout, NULL, _IOLBF, 0);			\
		if (parse(argc, argv))					\
			return 2;					\
		atexit(robust_summary);					\
		if (!so_device_present()) {				\
			so_main_device_absent = 1;			\
			atexit(so_main_atexit);				\
		}							\
		return test_harness_run(argc, argv);			\
	}

/* /proc/sys/kernel/tainted, or 0 */
static inline unsigned long robust_tainted(void)
{
	char buf[32];
	ssize_t n;
	int fd = open("/proc/sys/kernel/tainted", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoul(buf, NULL, 10);
}

#define ROBUST_TAINT_DIE	(1UL << 7)	/* 'D': an oops happened */

/*
 * Wait for child pid for up to timeout_s. A kernel oops leaves the tasks
 * of the test blocked for ever in the kernel (a mutex held by the task
 * that died): the test then fails at once instead of hanging the whole
 * run. Returns the wait status, or -1 (oops or timeout; the child is
 * SIGKILLed and left behind if it cannot die).
 */
static inline int robust_wait_child(pid_t pid, int timeout_s, const char *what)
{
	uint64_t end = so_now_ns() + (uint64_t)timeout_s * 1000000000ULL;
	unsigned long taint0 = robust_tainted();
	int st = 0, i;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		if ((robust_tainted() & ~taint0) & ROBUST_TAINT_DIE) {
			fprintf(stderr, "# %s: the kernel oopsed (taint D): see "
				"the kernel log; giving up on the test\n", what);
			break;
		}
		if (so_now_ns() > end) {
			fprintf(stderr, "# %s: did not finish within %d s\n",
				what, timeout_s);
			break;
		}
		so_sleep_ms(100);
	}
	kill(pid, SIGKILL);
	for (i = 0; i < 30; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -1;
		so_sleep_ms(100);
	}
	fprintf(stderr, "# %s: pid %d cannot even be killed: it is stuck in "
		"the kernel\n", what, (int)pid);
	return -1;
}

/*
 * Run the statements in a child process (ASSERT/EXPECT usable there),
 * watched by robust_wait_child(); the test fails unless the child passed.
 */
#define ROBUST_IN_CHILD(timeout_s, ...) do {				\
	pid_t __pid;							\
	int __st;							\
									\
	fflush(NULL);							\
	__pid = fork();							\
	ASSERT_LE(0, __pid);						\
	if (__pid == 0) {						\
		__VA_ARGS__;						\
		fflush(NULL);						\
		_exit(_metadata->passed ? 0 : 1);			\
	}								\
	__st = robust_wait_child(__pid, timeout_s, __func__);		\
	ASSERT_TRUE(__st != -1 && WIFEXITED(__st) &&			\
		    WEXITSTATUS(__st) == 0)				\
		TH_LOG("the test's process failed (status 0x%x)", __st); \
} while (0)

static inline int robust_no_options(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "usage: %s (no options)\n", argv[0]);
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* PRNG                                                                   */
/* ---------------------------------------------------------------------- */

struct rnd {
	uint64_t s;
};

static inline uint64_t rnd_next(struct rnd *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) (n > 0) */
static inline uint32_t rnd_below(struct rnd *r, uint32_t n)
{
	return (uint32_t)(((rnd_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* true with probability pct % */
static inline int rnd_pct(struct rnd *r, unsigned int pct)
{
	return rnd_below(r, 100) < pct;
}

static inline void rnd_fill(struct rnd *r, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len >= 8) {
		uint64_t v = rnd_next(r);

		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t v = rnd_next(r);

		memcpy(p, &v, len);
	}
}

/* A value that is "interesting" more often than a uniform one. */
static inline uint32_t rnd_u32_edgy(struct rnd *r)
{
	static const uint32_t edges[] = {
		0, 1, 2, 6, 7, 127, 128, 255, 256, 1023, 1024, 32767, 32768,
		65535, 65536, 86400000, 86400001, 604800, 604801,
		0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xffffffff,
	};

	if (rnd_pct(r, 50))
		return edges[rnd_below(r, ARRAY_SIZE(edges))];
	return (uint32_t)rnd_next(r);
}

/* ---------------------------------------------------------------------- */
/* The errno contract                                                     */
/* ---------------------------------------------------------------------- */

/*
 * Errors each ioctl may return, from the doc block of uapi/linux/sockobj.h,
 * plus the rules of its preamble that apply to every ioctl: EFAULT for a
 * bad pointer. Lists end with 0.
 */
static const int so_errs_get_api[] = { EINVAL, EFAULT, 0 };
static const int so_errs_create[] = {
	EINVAL, EPROTONOSUPPORT, EMFILE, EDQUOT, ENOMEM, EFAULT, 0 };
static const int so_errs_configure[] = {
	ENOENT, EISCONN, EINVAL, ENODEV, EFAULT, 0 };
static const int so_errs_get_config[] = { ENOENT, EINVAL, EFAULT, 0 };
/*
 * CONNECT: its own list plus "another errno of socket(2)/bind(2)" (and of
 * the setsockopt(2) calls it makes as the caller): socket(2) EAFNOSUPPORT,
 * EPROTONOSUPPORT, EMFILE, ENFILE; network outcomes (ENETUNREACH,
 * ECONNREFUSED...) are events, never a return value.
 */
static const int so_errs_connect[] = {
	ENOENT, EISCONN, EDESTADDRREQ, EBUSY, EINVAL, EACCES, EADDRINUSE,
	EADDRNOTAVAIL, EPERM, ENODEV, ENOMEM, ENOBUFS, EAFNOSUPPORT,
	EPROTONOSUPPORT, EMFILE, ENFILE, EFAULT, 0 };
static const int so_errs_disconnect[] = {
	ENOENT, ENOTCONN, EALREADY, EINVAL, EFAULT, 0 };
static const int so_errs_abort[] = { ENOENT, ENOTCONN, EINVAL, EFAULT, 0 };
static const int so_errs_destroy[] = { ENOENT, EINVAL, EFAULT, 0 };
static const int so_errs_get_info[] = { ENOENT, EINVAL, EFAULT, 0 };
/*
 * SEND: its list plus "the socket's error": what a non-blocking
 * sendmsg(2) on a TCP or UDP socket reports for a connection that broke or
 * a datagram the network refused.
 */
static const int so_errs_send[] = {
	ENOENT, EINVAL, EFAULT, ENOTCONN, EPIPE, EAGAIN, EMSGSIZE,
	ECONNRESET, ECONNREFUSED, ECONNABORTED, ETIMEDOUT, EHOSTUNREACH,
	EHOSTDOWN, ENETUNREACH, ENETDOWN, EACCES, EPERM, ENOMEM, ENOBUFS, 0 };
static const int so_errs_recv[] = {
	ENOENT, EINVAL, EFAULT, ENOTCONN, EAGAIN, 0 };
static const int so_errs_handoff[] = {
	ENOENT, EINVAL, ENOTCONN, EMFILE, ENFILE, ENOMEM, EFAULT, 0 };
static const int so_errs_batch[] = { EINVAL, EFAULT, EINTR, 0 };
static const int so_errs_read[] = { EINVAL, EAGAIN, EINTR, EFAULT, 0 };
static const int so_errs_unknown[] = { ENOTTY, 0 };

static inline int so_err_allowed(const int *list, int err)
{
	for (; *list; list++)
		if (*list == err)
			return 1;
	return 0;
}

/* HANDOFF returns a new fd: so_op() would take it for an error. */
static inline int so_handoff(int fd, __u32 id, __u32 flags)
{
	struct sockobj_op op = { .id = id, .flags = flags };
	int ret = ioctl(fd, SOCKOBJ_IOC_HANDOFF, &op);

	return ret < 0 ? -errno : ret;
}

/* ---------------------------------------------------------------------- */
/* Misc                                                                   */
/* ---------------------------------------------------------------------- */

static inline int robust_raise_nofile(rlim_t want)
{
	struct rlimit rl = { want, want };

	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

static inline int robust_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n, len = (ssize_t)strlen(val);

	if (fd < 0)
		return -errno;
	n = write(fd, val, (size_t)len);
	n = n == len ? 0 : (n < 0 ? -errno : -EIO);
	close(fd);
	return (int)n;
}

static inline long robust_read_long(const char *path, long dflt)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

/* An ephemeral-looking port unlikely to collide, per process. */
static inline __u16 robust_port(int k)
{
	return (__u16)(20000 + ((getpid() * 16 + k) % 9000));
}

/* ---------------------------------------------------------------------- */
/* The chaos peer                                                         */
/* ---------------------------------------------------------------------- */

/*
 * What the peer does with an accepted connection (chosen at accept time
 * from the percentages below; the rest echo until our FIN, then close).
 */
enum peer_act {
	PEER_ECHO,		/* echo everything, close after our FIN */
	PEER_FIN_NOW,		/* close at once (FIN) */
	PEER_RST_NOW,		/* close at once with a RST */
	PEER_FIN_LATER,		/* echo, then close (FIN) after a delay */
	PEER_RST_LATER,		/* echo, then RST after a delay */
	PEER_SHUT_WR,		/* shutdown(SHUT_WR) at once, then echo */
	PEER_HOLD,		/* never read (our send buffer fills) */
	PEER_IDLE,		/* never read, never close (until peer_stop) */
	PEER_NACT,
};

struct peer_conn {
	int fd;
	uint8_t act;
	uint8_t eof;		/* we got the object's FIN */
	uint64_t deadline_ns;	/* for *_LATER and HOLD */
	char *out;		/* echo backlog */
	size_t out_len, out_cap;
};

struct peer {
	/* configuration (before peer_start) */
	unsigned int pct[PEER_NACT];	/* percent of each action */
	unsigned int later_ms;		/* max delay of *_LATER / HOLD */
	int listeners[16];
	int listen_act[16];		/* -1: at random, else enum peer_act */
	int nlisteners;
	int udp[8];
	int nudp;
	uint64_t seed;
	/* state */
	pthread_t thread;
	int running;
	atomic_int stop;
	struct peer_conn *conns;	/* indexed by fd */
	int maxfd;
	int epfd;
	/* statistics */
	atomic_ulong accepted, fins, rsts, echoed, dgrams;
};

static inline void peer_init(struct peer *p, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->seed = seed;
	p->later_ms = 200;
	p->epfd = -1;
	memset(p->listen_act, 0xff, sizeof(p->listen_act));
}

/*
 * Add a TCP listener on ip:port (0: any port) whose connections get act
 * (-1: one at random); returns the port or -errno.
 */
static inline int peer_add_tcp_act(struct peer *p, const char *ip, __u16 port,
				   int backlog, int act)
{
	struct sockaddr_storage ss;
	struct sockobj_addr a;
	socklen_t len;
	int fd, one = 1;

	if (p->nlisteners >= (int)ARRAY_SIZE(p->listeners) ||
	    so_addr(&a, ip, port))
		return -EINVAL;
	len = so_sockaddr(&ss, &a);
	fd = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a.family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, backlog)) {
		int err = -errno;

		close(fd);
		return err;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	p->listen_act[p->nlisteners] = act;
	p->listeners[p->nlisteners++] = fd;
	return ntohs(ss.ss_family == AF_INET ?
		     ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static inline int peer_add_tcp(struct peer *p, const char *ip, __u16 port,
			       int backlog)
{
	return peer_add_tcp_act(p, ip, port, backlog, -1);
}

/* Add a UDP echo socket on ip:port; returns the port or -errno */
static inline int peer_add_udp(struct peer *p, const char *ip, __u16 port)
{
	struct sockaddr_storage ss;
	struct sockobj_addr a;
	socklen_t len;
	int fd, one = 1;

	if (p->nudp >= (int)ARRAY_SIZE(p->udp) || so_addr(&a, ip, port))
		return -EINVAL;
	len = so_sockaddr(&ss, &a);
	fd = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (a.family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	p->udp[p->nudp++] = fd;
	return ntohs(ss.ss_family == AF_INET ?
		     ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static inline void peer_conn_close(struct peer *p, int fd, int rst)
{
	struct peer_conn *c = &p->conns[fd];

	epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (rst) {
		so_close_rst(fd);
		atomic_fetch_add(&p->rsts, 1);
	} else {
		close(fd);
		atomic_fetch_add(&p->fins, 1);
	}
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Flush the echo backlog; 0, or -1 when the connection is gone. */
static inline int peer_flush(struct peer *p, struct peer_conn *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		atomic_fetch_add(&p->echoed, (unsigned long)n);
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	return 0;
}

static inline void peer_conn_io(struct peer *p, int fd, uint32_t events)
{
	struct peer_conn *c = &p->conns[fd];
	char buf[65536];
	struct epoll_event ev = { .data.fd = fd };

	if ((c->act == PEER_HOLD || c->act == PEER_IDLE) &&
	    !(events & (EPOLLERR | EPOLLHUP)))
		return;
	while (!c->eof && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			if (n < 0) {	/* reset by the object */
				peer_conn_close(p, fd, 0);
				return;
			}
			c->eof = 1;
			break;
		}
		if (c->out_len + (size_t)n > c->out_cap) {
			size_t cap = (c->out_len + (size_t)n) * 2;
			char *o = realloc(c->out, cap);

			if (!o) {
				peer_conn_close(p, fd, 1);
				return;
			}
			c->out = o;
			c->out_cap = cap;
		}
		memcpy(c->out + c->out_len, buf, (size_t)n);
		c->out_len += (size_t)n;
	}
	if (peer_flush(p, c)) {
		peer_conn_close(p, fd, 0);
		return;
	}
	if (c->eof && !c->out_len) {
		peer_conn_close(p, fd, 0);
		return;
	}
	ev.events = (c->eof ? 0 : EPOLLIN) | (c->out_len ? EPOLLOUT : 0);
	epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static inline void peer_accept(struct peer *p, struct rnd *r, int k)
{
	int lfd = p->listeners[k];

	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		unsigned int roll, acc = 0;
		struct peer_conn *c;
		int fd, a;

		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		atomic_fetch_add(&p->accepted, 1);
		if (fd > p->maxfd) {
			close(fd);	/* cannot happen: maxfd is the rlimit */
			continue;
		}
		c = &p->conns[fd];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		roll = rnd_below(r, 100);
		c->act = PEER_ECHO;
		for (a = 0; a < PEER_NACT; a++) {
			acc += p->pct[a];
			if (roll < acc) {
				c->act = (uint8_t)a;
				break;
			}
		}
		if (p->listen_act[k] >= 0)
			c->act = (uint8_t)p->listen_act[k];
		if (c->act == PEER_FIN_NOW || c->act == PEER_RST_NOW) {
			c->fd = -1;
			if (c->act == PEER_RST_NOW) {
				so_close_rst(fd);
				atomic_fetch_add(&p->rsts, 1);
			} else {
				close(fd);
				atomic_fetch_add(&p->fins, 1);
			}
			continue;
		}
		if (c->act == PEER_SHUT_WR)
			shutdown(fd, SHUT_WR);
		if (c->act == PEER_IDLE || c->act == PEER_HOLD) {
			/* not read: watched for errors only */
			ev.events = 0;
		}
		c->deadline_ns = so_now_ns() + (uint64_t)(1 +
			rnd_below(r, p->later_ms ? p->later_ms : 1)) * 1000000ULL;
		ev.data.fd = fd;
		epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

static inline void peer_udp_io(struct peer *p, int fd)
{
	char buf[65536];

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&ss, &len);

		if (n < 0)
			return;
		atomic_fetch_add(&p->dgrams, 1);
		sendto(fd, buf, (size_t)n, MSG_DONTWAIT,
		       (struct sockaddr *)&ss, len);
	}
}

static inline void *peer_thread(void *arg)
{
	struct peer *p = arg;
	struct rnd r = { p->seed };
	struct epoll_event evs[256];
	uint64_t next_sweep = 0;
	int i;

	while (!atomic_load(&p->stop)) {
		int n = epoll_wait(p->epfd, evs, 256, 5);
		uint64_t now;

		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd, k, done = 0;

			for (k = 0; k < p->nlisteners && !done; k++)
				if (fd == p->listeners[k]) {
					peer_accept(p, &r, k);
					done = 1;
				}
			for (k = 0; k < p->nudp && !done; k++)
				if (fd == p->udp[k]) {
					peer_udp_io(p, fd);
					done = 1;
				}
			if (!done && fd <= p->maxfd && p->conns[fd].fd == fd)
				peer_conn_io(p, fd, evs[i].events);
		}
		now = so_now_ns();
		if (now < next_sweep)
			continue;
		next_sweep = now + 10000000ULL;
		for (i = 0; i <= p->maxfd; i++) {
			struct peer_conn *c = &p->conns[i];

			if (c->fd != i || !c->deadline_ns || now < c->deadline_ns ||
			    c->act == PEER_IDLE)
				continue;
			if (c->act == PEER_FIN_LATER)
				peer_conn_close(p, i, 0);
			else if (c->act == PEER_RST_LATER)
				peer_conn_close(p, i, 1);
			else if (c->act == PEER_HOLD)
				peer_conn_close(p, i, rnd_pct(&r, 50));
		}
	}
	return NULL;
}

static inline int peer_start(struct peer *p)
{
	struct rlimit rl;
	int i;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	p->maxfd = rl.rlim_cur > 1048576 ? 1048576 : (int)rl.rlim_cur;
	p->conns = calloc((size_t)p->maxfd + 1, sizeof(*p->conns));
	if (!p->conns)
		return -ENOMEM;
	for (i = 0; i <= p->maxfd; i++)
		p->conns[i].fd = -1;
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		return -errno;
	for (i = 0; i < p->nlisteners; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.fd = p->listeners[i] };

		epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->listeners[i], &ev);
	}
	for (i = 0; i < p->nudp; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.fd = p->udp[i] };

		epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->udp[i], &ev);
	}
	atomic_store(&p->stop, 0);
	if (pthread_create(&p->thread, NULL, peer_thread, p))
		return -EAGAIN;
	p->running = 1;
	return 0;
}

/* Stop the thread; with close_all, close every socket (accepted: RST). */
static inline void peer_stop(struct peer *p, int close_all)
{
	int i;

	if (p->running) {
		atomic_store(&p->stop, 1);
		pthread_join(p->thread, NULL);
		p->running = 0;
	}
	if (!close_all)
		return;
	for (i = 0; p->conns && i <= p->maxfd; i++)
		if (p->conns[i].fd == i)
			peer_conn_close(p, i, 1);
	for (i = 0; i < p->nlisteners; i++)
		close(p->listeners[i]);
	for (i = 0; i < p->nudp; i++)
		close(p->udp[i]);
	p->nlisteners = p->nudp = 0;
	if (p->epfd >= 0)
		close(p->epfd);
	p->epfd = -1;
	free(p->conns);
	p->conns = NULL;
}

#endif /* SOCKOBJ_ROBUST_UTIL_H */
