// SPDX-License-Identifier: GPL-2.0
/*
 * The peer side: TCP and UDP sockets, peer processes, packet capture.
 */
#define SO_NO_HARNESS

#include "sotest.h"

struct so_listen_args {
	const char *ip;
	__u16 port;
	int backlog;
};

struct so_udp_args {
	const char *ip;
	__u16 port;
};

struct so_cap_args {
	const char *ifname;
};

static int so_listen_fn(void *p)
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
int so_listen_in(const char *ns, const char *ip, __u16 port,
		 int backlog)
{
	struct so_listen_args a = { ip, port, backlog };

	return so_in_netns(ns, so_listen_fn, &a);
}

int so_listen(const char *ip, __u16 port)
{
	return so_listen_in(NULL, ip, port, 128);
}

/* accept() within timeout_ms: the socket, or -errno (-ETIMEDOUT) */
int so_accept(int lfd, int timeout_ms)
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
int so_recv(int fd, void *buf, size_t len, int timeout_ms)
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
void so_close_rst(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

int so_sockname(int fd, struct sockobj_addr *a, int peer)
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

static int so_udp_fn(void *arg)
{
	const struct so_udp_args *a = arg;
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
int so_udp_in(const char *ns, const char *ip, __u16 port)
{
	struct so_udp_args a = { ip, port };

	return so_in_netns(ns, so_udp_fn, &a);
}

/* sendto() ip:port; bytes or -errno */
int so_sendto(int fd, const void *buf, size_t len,
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
int so_send_all(int fd, const void *buf, size_t len)
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
ssize_t so_recv_exact(int fd, void *buf, size_t len,
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
int so_inq(int fd)
{
	int n = -1;

	return ioctl(fd, FIONREAD, &n) ? -errno : n;
}

/*
 * Start argv[0] (a path) with argv, in the named namespace ns (NULL: this
 * one), stdin from /dev/null, stdout to a pipe read with so_proc_line(),
 * stderr shared (the harness prints it). It dies with its parent.
 * 0 or -errno.
 */
int so_spawn(struct so_proc *p, const char *ns,
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
int so_proc_line(struct so_proc *p, char *line, size_t size,
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
int so_proc_wait(struct so_proc *p, int timeout_ms)
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

void so_proc_kill(struct so_proc *p)
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

static int so_cap_fn(void *arg)
{
	const struct so_cap_args *a = arg;
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
int so_capture_open(const char *ns, const char *ifname)
{
	struct so_cap_args a = { ifname };

	return so_in_netns(ns, so_cap_fn, &a);
}

/*
 * The next packet of a capture within timeout_ms: 1 with *pk filled, 0 on
 * timeout, -errno. Packets other than IPv4/IPv6 are skipped.
 */
int so_capture_next(int fd, struct so_pkt *pk, int timeout_ms)
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
