/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the data-path selftests (data_test, udp_test, options_test,
 * handoff_test), on top of sockobj_util.h.
 *
 * Contents:
 *  - SHA-256 (FIPS 180-4), to check what crossed a connection;
 *  - a seeded pseudo-random generator (xorshift64*), the seed printed so a
 *    failing run can be repeated with SOCKOBJ_SEED=<seed>;
 *  - SOCKOBJ_IOC_SEND / SOCKOBJ_IOC_RECV wrappers returning 0 or -errno;
 *  - the next record of one object whatever its type, and assertions on
 *    data records (READABLE, WRITABLE, SENT, ERROR);
 *  - peer processes (python3, sh) started in this or a named namespace,
 *    with their stdout readable line by line, killed with the test;
 *  - plain sockets for peers: UDP sockets, a send/recv with a timeout,
 *    draining a socket;
 *  - an AF_PACKET capture of IPv4/IPv6 packets on one interface, to see
 *    what the object's socket puts on the wire.
 */
#ifndef SOCKOBJ_SELFTEST_DATA_UTIL_H
#define SOCKOBJ_SELFTEST_DATA_UTIL_H

#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "sockobj_util.h"

/* ---------------------------------------------------------------------- */
/* SHA-256                                                                */
/* ---------------------------------------------------------------------- */

struct du_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned int fill;
	uint8_t block[64];
};

/* FIPS 180-4, 4.2.2: the round constants */
static const uint32_t du_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t du_ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

#define DU_BSIG0(x)	(du_ror32(x, 2) ^ du_ror32(x, 13) ^ du_ror32(x, 22))
#define DU_BSIG1(x)	(du_ror32(x, 6) ^ du_ror32(x, 11) ^ du_ror32(x, 25))
#define DU_SSIG0(x)	(du_ror32(x, 7) ^ du_ror32(x, 18) ^ ((x) >> 3))
#define DU_SSIG1(x)	(du_ror32(x, 17) ^ du_ror32(x, 19) ^ ((x) >> 10))
#define DU_CH(x, y, z)	((z) ^ ((x) & ((y) ^ (z))))
#define DU_MAJ(x, y, z)	(((x) & (y)) | ((z) & ((x) | (y))))

/*
 * One round; the callers rotate the names of the eight working variables
 * instead of moving their values.
 */
#define DU_ROUND(a, b, c, d, e, f, g, h, i) do {			\
	uint32_t __t1 = h + DU_BSIG1(e) + DU_CH(e, f, g) +		\
			du_sha256_k[i] + w[i];				\
	d += __t1;							\
	h = __t1 + DU_BSIG0(a) + DU_MAJ(a, b, c);			\
} while (0)

/*
 * Unrolled, this runs about twice as fast under TCG emulation, where the
 * integrity tests hash hundreds of MiB.
 */
static __attribute__((optimize("O3", "unroll-loops"), noinline, unused)) void
du_sha256_compress(uint32_t st[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;
	unsigned int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + DU_SSIG0(w[i - 15]) + w[i - 7] +
		       DU_SSIG1(w[i - 2]);
	a = st[0]; b = st[1]; c = st[2]; d = st[3];
	e = st[4]; f = st[5]; g = st[6]; h = st[7];
	for (i = 0; i < 64; i += 8) {
		DU_ROUND(a, b, c, d, e, f, g, h, i);
		DU_ROUND(h, a, b, c, d, e, f, g, i + 1);
		DU_ROUND(g, h, a, b, c, d, e, f, i + 2);
		DU_ROUND(f, g, h, a, b, c, d, e, i + 3);
		DU_ROUND(e, f, g, h, a, b, c, d, i + 4);
		DU_ROUND(d, e, f, g, h, a, b, c, i + 5);
		DU_ROUND(c, d, e, f, g, h, a, b, i + 6);
		DU_ROUND(b, c, d, e, f, g, h, a, i + 7);
	}
	st[0] += a; st[1] += b; st[2] += c; st[3] += d;
	st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

static inline void du_sha256_init(struct du_sha256 *s)
{
	/* FIPS 180-4, 5.3.3 */
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
	s->fill = 0;
}

static inline void du_sha256_update(struct du_sha256 *s, const void *data,
				    size_t len)
{
	const uint8_t *p = data;

	s->bytes += len;
	if (s->fill) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->block + s->fill, p, n);
		s->fill += (unsigned int)n;
		p += n;
		len -= n;
		if (s->fill < 64)
			return;
		du_sha256_compress(s->h, s->block);
		s->fill = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		du_sha256_compress(s->h, p);
	memcpy(s->block, p, len);
	s->fill = (unsigned int)len;
}

/* The digest as 64 lower-case hex digits and a NUL */
static inline void du_sha256_hex(struct du_sha256 *s, char hex[65])
{
	uint64_t bits = s->bytes * 8;
	uint8_t pad[72];
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
	unsigned int i;

	memset(pad, 0, sizeof(pad));
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	du_sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
}

/* ---------------------------------------------------------------------- */
/* Pseudo-random numbers                                                  */
/* ---------------------------------------------------------------------- */

static inline uint64_t du_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform enough in [lo, hi] */
static inline size_t du_rand_between(uint64_t *s, size_t lo, size_t hi)
{
	return lo + (size_t)(du_rand(s) % (uint64_t)(hi - lo + 1));
}

/* SOCKOBJ_SEED from the environment, else from the clock; never 0 */
static inline uint64_t du_seed(void)
{
	const char *env = getenv("SOCKOBJ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) :
			so_now_ns() ^ ((uint64_t)getpid() << 32);

	return seed ? seed : 1;
}

static inline void du_fill_random(uint64_t *s, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t r = du_rand(s);

		memcpy(p + i, &r, 8);
	}
	for (; i < len; i++)
		p[i] = (uint8_t)du_rand(s);
}

/* ---------------------------------------------------------------------- */
/* SEND / RECV                                                            */
/* ---------------------------------------------------------------------- */

static inline int du_io(int fd, unsigned long req, __u32 id, const void *buf,
			size_t len, __u32 flags, struct sockobj_io *io)
{
	memset(io, 0, sizeof(*io));
	io->id = id;
	io->flags = flags;
	io->buf = (__u64)(uintptr_t)buf;
	io->len = len;
	return so_ioctl(fd, req, io);
}

/* SOCKOBJ_IOC_SEND: 0 with *done set, or -errno */
static inline int du_send(int fd, __u32 id, const void *buf, size_t len,
			  size_t *done)
{
	struct sockobj_io io;
	int ret = du_io(fd, SOCKOBJ_IOC_SEND, id, buf, len, 0, &io);

	if (!ret && done)
		*done = (size_t)io.done;
	return ret;
}

/* SOCKOBJ_IOC_RECV: 0 with *done set, or -errno */
static inline int du_recv(int fd, __u32 id, void *buf, size_t len,
			  size_t *done)
{
	struct sockobj_io io;
	int ret = du_io(fd, SOCKOBJ_IOC_RECV, id, buf, len, 0, &io);

	if (!ret && done)
		*done = (size_t)io.done;
	return ret;
}

/* SOCKOBJ_IOC_HANDOFF: the new fd, or -errno */
static inline int du_handoff(int fd, __u32 id, __u32 flags)
{
	struct sockobj_op op = { .id = id, .flags = flags };
	int ret = ioctl(fd, SOCKOBJ_IOC_HANDOFF, &op);

	return ret < 0 ? -errno : ret;
}

/* getsockopt() of an int option: its value, or INT_MIN on error */
static inline int du_getint(int sfd, int level, int name)
{
	int v = 0;
	socklen_t l = sizeof(v);

	return getsockopt(sfd, level, name, &v, &l) ? INT32_MIN : v;
}

/* ---------------------------------------------------------------------- */
/* Records of any type                                                    */
/* ---------------------------------------------------------------------- */

static inline const char *du_type_name(__u32 t)
{
	switch (t) {
	case SOCKOBJ_EV_STATE: return "STATE";
	case SOCKOBJ_EV_READABLE: return "READABLE";
	case SOCKOBJ_EV_WRITABLE: return "WRITABLE";
	case SOCKOBJ_EV_SENT: return "SENT";
	case SOCKOBJ_EV_ERROR: return "ERROR";
	}
	return "?";
}

static inline void du_log_event(struct __test_metadata *_metadata,
				const char *what, const struct sockobj_event *e)
{
	TH_LOG("%s: id %u %s seq %llu state %s prev %s reason %u phase %s "
	       "error %d merged %u", what, e->id, du_type_name(e->type),
	       (unsigned long long)e->seq, so_state_name(e->state),
	       so_state_name(e->prev_state), e->reason,
	       so_state_name(e->phase), e->error, e->merged);
}

/* Any state (for du_expect_data()) */
#define DU_ANY_STATE	0xffffffffU

/*
 * The next record of object id is a data record of type (and err for
 * SOCKOBJ_EV_ERROR), within tmo ms: cookie, merged >= 1, reason and phase
 * 0, reserved 0 and, unless state is DU_ANY_STATE, the object's state.
 * Returns the record in *out when out is not NULL.
 */
static inline void du_expect_data(struct __test_metadata *_metadata, int fd,
				  __u32 id, __u64 cookie, __u32 type,
				  __u32 state, __s32 err, int tmo,
				  struct sockobj_event *out)
{
	struct sockobj_event e;
	int ret = so_next_event(fd, id, &e, tmo);

	if (ret != 1)
		TH_LOG("object %u: no %s record within %d ms (%d)", id,
		       du_type_name(type), tmo, ret);
	ASSERT_EQ(1, ret);
	if (e.type != type || e.cookie != cookie || !e.merged ||
	    e.reason || e.phase || e.error != err || e.reserved[0] ||
	    e.reserved[1] ||
	    (state != DU_ANY_STATE && (e.state != state ||
				      e.prev_state != state))) {
		TH_LOG("object %u: expected %s (state %s, error %d)", id,
		       du_type_name(type),
		       state == DU_ANY_STATE ? "any" : so_state_name(state),
		       err);
		du_log_event(_metadata, "got", &e);
		ASSERT_TRUE(0);
	}
	if (out)
		*out = e;
}

#define EXPECT_DATA_EV(fd, id, cookie, type, tmo)			\
	du_expect_data(_metadata, fd, id, cookie, SOCKOBJ_EV_##type,	\
		       DU_ANY_STATE, 0, tmo, NULL)

/* No record at all of object id (0: any) arrives within ms */
#define ASSERT_NO_RECORD(fd, id, ms) do {				\
	struct sockobj_event __e;					\
	int __r = so_next_event(fd, id, &__e, ms);			\
	if (__r > 0)							\
		du_log_event(_metadata, "unexpected record", &__e);	\
	ASSERT_EQ(0, __r);						\
} while (0)

/*
 * Records of object id until one of type arrives (within tmo ms); the
 * others are counted in *skipped (may be NULL). 1, 0 on timeout, -errno.
 */
static inline int du_wait_type(int fd, __u32 id, __u32 type,
			       struct sockobj_event *e, int tmo,
			       unsigned int *skipped)
{
	uint64_t deadline = so_now_ns() + (uint64_t)tmo * 1000000ULL;
	int ret;

	for (;;) {
		uint64_t now = so_now_ns();
		int left = now >= deadline ? 0 :
			   (int)((deadline - now + 999999ULL) / 1000000ULL);

		ret = so_next_event(fd, id, e, left);
		if (ret <= 0 || e->type == type)
			return ret;
		if (skipped)
			(*skipped)++;
	}
}

/* ---------------------------------------------------------------------- */
/* Peer processes                                                         */
/* ---------------------------------------------------------------------- */

struct du_proc {
	pid_t pid;
	int out;	/* its stdout, or -1 */
	char buf[1024];	/* read ahead, up to len */
	size_t len;
};

/*
 * Start argv[0] (a path) with argv, in the named namespace ns (NULL: this
 * one), stdin from /dev/null, stdout to a pipe read with du_proc_line(),
 * stderr shared (the harness prints it). It dies with its parent.
 * 0 or -errno.
 */
static inline int du_spawn(struct du_proc *p, const char *ns,
			   char *const argv[])
{
	int pfd[2];

	p->pid = -1;
	p->out = -1;
	p->len = 0;
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		int err = -errno;

		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (p->pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (ns) {
			int nsfd = so_netns_fd(ns);

			if (nsfd < 0 || setns(nsfd, CLONE_NEWNET))
				_exit(126);
		}
		if (null < 0 || dup2(null, 0) < 0 || dup2(pfd[1], 1) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	p->out = pfd[0];
	return 0;
}

/*
 * One line of the process's output (without the newline) within
 * timeout_ms: its length, -ETIMEDOUT, or -EPIPE at end of output.
 */
static inline int du_proc_line(struct du_proc *p, char *line, size_t size,
			       int timeout_ms)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	for (;;) {
		char *nl = memchr(p->buf, '\n', p->len);
		struct pollfd pfd = { .fd = p->out, .events = POLLIN };
		uint64_t now;
		ssize_t n;
		int ret;

		if (nl) {
			size_t l = (size_t)(nl - p->buf);
			size_t c = l < size - 1 ? l : size - 1;

			memcpy(line, p->buf, c);
			line[c] = 0;
			memmove(p->buf, nl + 1, p->len - l - 1);
			p->len -= l + 1;
			return (int)c;
		}
		if (p->len == sizeof(p->buf))
			p->len = 0;	/* an absurd line: drop it */
		now = so_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		ret = poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret <= 0)
			continue;
		n = read(p->out, p->buf + p->len, sizeof(p->buf) - p->len);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n == 0)
			return -EPIPE;
		if (n > 0)
			p->len += (size_t)n;
	}
}

/* Wait for the process to exit: its status (waitpid), or -ETIMEDOUT */
static inline int du_proc_wait(struct du_proc *p, int timeout_ms)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int status;

	if (p->pid <= 0)
		return -ECHILD;
	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid) {
			p->pid = -1;
			return status;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (so_now_ns() >= deadline)
			return -ETIMEDOUT;
		so_sleep_ms(10);
	}
}

static inline void du_proc_kill(struct du_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		p->pid = -1;
	}
	if (p->out >= 0) {
		close(p->out);
		p->out = -1;
	}
}

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
/* Plain sockets for the peer side                                        */
/* ---------------------------------------------------------------------- */

struct du_udp_args {
	const char *ip;
	__u16 port;
};

static inline int du_udp_fn(void *arg)
{
	const struct du_udp_args *a = arg;
	struct sockaddr_storage ss;
	struct sockobj_addr sa;
	socklen_t len;
	int fd, one = 1, err;

	if (so_addr(&sa, a->ip, a->port))
		return -EINVAL;
	len = so_sockaddr(&ss, &sa);
	fd = socket(sa.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sa.family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* A UDP socket bound to ip:port in namespace ns (NULL: here); fd or -errno */
static inline int du_udp_in(const char *ns, const char *ip, __u16 port)
{
	struct du_udp_args a = { ip, port };

	return so_in_netns(ns, du_udp_fn, &a);
}

/* sendto() ip:port; bytes or -errno */
static inline int du_sendto(int fd, const void *buf, size_t len,
			    const char *ip, __u16 port)
{
	struct sockaddr_storage ss;
	struct sockobj_addr sa;
	socklen_t sl;
	ssize_t n;

	if (so_addr(&sa, ip, port))
		return -EINVAL;
	sl = so_sockaddr(&ss, &sa);
	n = sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl);
	return n < 0 ? -errno : (int)n;
}

/* write everything (blocking socket); 0 or -errno */
static inline int du_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read exactly len bytes (fewer at EOF), each wait at most timeout_ms:
 * the count read, or -errno (-ETIMEDOUT) when nothing more came.
 */
static inline ssize_t du_recv_exact(int fd, void *buf, size_t len,
				    int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		size_t want = len - got > (1U << 30) ? (1U << 30) : len - got;
		int n = so_recv(fd, (char *)buf + got, want, timeout_ms);

		if (n < 0)
			return got ? (ssize_t)got : n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Readable bytes of a socket (SIOCINQ / FIONREAD) */
static inline int du_inq(int fd)
{
	int n = -1;

	return ioctl(fd, FIONREAD, &n) ? -errno : n;
}

/* Open file descriptors of this process (to see that none leaked) */
static inline int du_count_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* ---------------------------------------------------------------------- */
/* Packet capture                                                         */
/* ---------------------------------------------------------------------- */

struct du_cap_args {
	const char *ifname;
};

static inline int du_cap_fn(void *arg)
{
	const struct du_cap_args *a = arg;
	struct sockaddr_ll sll;
	int fd, err, size = 4 << 20;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    htons(ETH_P_ALL));
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(a->ifname);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = sll.sll_ifindex ? -errno : -ENODEV;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * An AF_PACKET socket (non-blocking, network-layer packets) capturing
 * everything on interface ifname of namespace ns (NULL: here).
 */
static inline int du_capture_open(const char *ns, const char *ifname)
{
	struct du_cap_args a = { ifname };

	return so_in_netns(ns, du_cap_fn, &a);
}

/* One packet seen by a capture, parsed */
struct du_pkt {
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

/*
 * The next packet of a capture within timeout_ms: 1 with *pk filled, 0 on
 * timeout, -errno. Packets other than IPv4/IPv6 are skipped.
 */
static inline int du_capture_next(int fd, struct du_pkt *pk, int timeout_ms)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	uint8_t buf[2048];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		const uint8_t *l4;
		size_t l4len;
		uint64_t now;
		ssize_t n;

		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
			     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -errno;
			now = so_now_ns();
			if (now >= deadline)
				return 0;
			poll(&pfd, 1,
			     (int)((deadline - now) / 1000000ULL) + 1);
			continue;
		}
		if ((size_t)n > sizeof(buf))
			n = sizeof(buf);
		memset(pk, 0, sizeof(*pk));
		pk->pkttype = from.sll_pkttype;
		if (ntohs(from.sll_protocol) == ETH_P_IP && n >= 20) {
			size_t ihl = (size_t)(buf[0] & 0xf) * 4;
			size_t tot = (size_t)buf[2] << 8 | buf[3];

			if (ihl < 20 || tot > (size_t)n || tot < ihl)
				continue;
			pk->family = AF_INET;
			pk->tos = buf[1];
			pk->proto = buf[9];
			memcpy(pk->src, buf + 12, 4);
			memcpy(pk->dst, buf + 16, 4);
			l4 = buf + ihl;
			l4len = tot - ihl;
		} else if (ntohs(from.sll_protocol) == ETH_P_IPV6 && n >= 40) {
			size_t plen = (size_t)buf[4] << 8 | buf[5];

			if (40 + plen > (size_t)n)
				continue;
			pk->family = AF_INET6;
			pk->tos = (uint8_t)((buf[0] & 0xf) << 4 | buf[1] >> 4);
			pk->proto = buf[6];	/* no extension headers here */
			memcpy(pk->src, buf + 8, 16);
			memcpy(pk->dst, buf + 24, 16);
			l4 = buf + 40;
			l4len = plen;
		} else {
			continue;
		}
		if (pk->proto == IPPROTO_TCP && l4len >= 20) {
			size_t doff = (size_t)(l4[12] >> 4) * 4;

			pk->sport = (__u16)(l4[0] << 8 | l4[1]);
			pk->dport = (__u16)(l4[2] << 8 | l4[3]);
			pk->seq = (__u32)l4[4] << 24 | (__u32)l4[5] << 16 |
				  (__u32)l4[6] << 8 | l4[7];
			pk->tcp_flags = l4[13];
			pk->payload = l4len >= doff ? l4len - doff : 0;
		} else if (pk->proto == IPPROTO_UDP && l4len >= 8) {
			pk->sport = (__u16)(l4[0] << 8 | l4[1]);
			pk->dport = (__u16)(l4[2] << 8 | l4[3]);
			pk->payload = l4len - 8;
		}
		return 1;
	}
}

#define DU_TCP_FIN	0x01
#define DU_TCP_SYN	0x02
#define DU_TCP_RST	0x04
#define DU_TCP_ACK	0x10

#endif /* SOCKOBJ_SELFTEST_DATA_UTIL_H */
