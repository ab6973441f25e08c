// SPDX-License-Identifier: GPL-2.0
/*
 * The chaos peer: one thread serving TCP listeners (echo, FIN or RST at
 * random, or exact echo for byte accounting) and UDP echo sockets.
 */
#define SO_NO_HARNESS

#include "sotest.h"

void so_peer_init(struct so_peer *p, uint64_t seed)
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
int so_peer_add_tcp_act(struct so_peer *p, const char *ip, __u16 port,
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

int so_peer_add_tcp(struct so_peer *p, const char *ip, __u16 port,
		    int backlog)
{
	return so_peer_add_tcp_act(p, ip, port, backlog, -1);
}

/* Add a UDP echo socket on ip:port; returns the port or -errno */
int so_peer_add_udp(struct so_peer *p, const char *ip, __u16 port)
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

static void so_peer_conn_close(struct so_peer *p, int fd, int rst)
{
	struct so_peer_conn *c = &p->conns[fd];

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
static int so_peer_flush(struct so_peer *p, struct so_peer_conn *c)
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

static void so_peer_conn_io(struct so_peer *p, int fd, uint32_t events)
{
	struct so_peer_conn *c = &p->conns[fd];
	char buf[65536];
	struct epoll_event ev = { .data.fd = fd };

	if ((c->act == SO_PEER_HOLD || c->act == SO_PEER_IDLE) &&
	    !(events & (EPOLLERR | EPOLLHUP)))
		return;
	while (!c->eof && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			if (n < 0) {	/* reset by the object */
				so_peer_conn_close(p, fd, 0);
				return;
			}
			c->eof = 1;
			break;
		}
		if (c->out_len + (size_t)n > c->out_cap) {
			size_t cap = (c->out_len + (size_t)n) * 2;
			char *o = realloc(c->out, cap);

			if (!o) {
				so_peer_conn_close(p, fd, 1);
				return;
			}
			c->out = o;
			c->out_cap = cap;
		}
		memcpy(c->out + c->out_len, buf, (size_t)n);
		c->out_len += (size_t)n;
	}
	if (so_peer_flush(p, c)) {
		so_peer_conn_close(p, fd, 0);
		return;
	}
	if (c->eof && !c->out_len) {
		so_peer_conn_close(p, fd, 0);
		return;
	}
	ev.events = (c->eof ? 0 : EPOLLIN) | (c->out_len ? EPOLLOUT : 0);
	epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void so_peer_accept(struct so_peer *p, struct so_rnd *r, int k)
{
	int lfd = p->listeners[k];

	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		unsigned int roll, acc = 0;
		struct so_peer_conn *c;
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
		roll = so_rnd_below(r, 100);
		c->act = SO_PEER_ECHO;
		for (a = 0; a < SO_PEER_NACT; a++) {
			acc += p->pct[a];
			if (roll < acc) {
				c->act = (uint8_t)a;
				break;
			}
		}
		if (p->listen_act[k] >= 0)
			c->act = (uint8_t)p->listen_act[k];
		if (c->act == SO_PEER_FIN_NOW || c->act == SO_PEER_RST_NOW) {
			c->fd = -1;
			if (c->act == SO_PEER_RST_NOW) {
				so_close_rst(fd);
				atomic_fetch_add(&p->rsts, 1);
			} else {
				close(fd);
				atomic_fetch_add(&p->fins, 1);
			}
			continue;
		}
		if (c->act == SO_PEER_SHUT_WR)
			shutdown(fd, SHUT_WR);
		if (c->act == SO_PEER_IDLE || c->act == SO_PEER_HOLD) {
			/* not read: watched for errors only */
			ev.events = 0;
		}
		c->deadline_ns = so_now_ns() + (uint64_t)(1 +
			so_rnd_below(r, p->later_ms ? p->later_ms : 1)) * 1000000ULL;
		ev.data.fd = fd;
		epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

static void so_peer_udp_io(struct so_peer *p, int fd)
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

static void *so_peer_thread(void *arg)
{
	struct so_peer *p = arg;
	struct so_rnd r = { p->seed };
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
					so_peer_accept(p, &r, k);
					done = 1;
				}
			for (k = 0; k < p->nudp && !done; k++)
				if (fd == p->udp[k]) {
					so_peer_udp_io(p, fd);
					done = 1;
				}
			if (!done && fd <= p->maxfd && p->conns[fd].fd == fd)
				so_peer_conn_io(p, fd, evs[i].events);
		}
		now = so_now_ns();
		if (now < next_sweep)
			continue;
		next_sweep = now + 10000000ULL;
		for (i = 0; i <= p->maxfd; i++) {
			struct so_peer_conn *c = &p->conns[i];

			if (c->fd != i || !c->deadline_ns || now < c->deadline_ns ||
			    c->act == SO_PEER_IDLE)
				continue;
			if (c->act == SO_PEER_FIN_LATER)
				so_peer_conn_close(p, i, 0);
			else if (c->act == SO_PEER_RST_LATER)
				so_peer_conn_close(p, i, 1);
			else if (c->act == SO_PEER_HOLD)
				so_peer_conn_close(p, i, so_rnd_pct(&r, 50));
		}
	}
	return NULL;
}

int so_peer_start(struct so_peer *p)
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
	if (pthread_create(&p->thread, NULL, so_peer_thread, p))
		return -EAGAIN;
	p->running = 1;
	return 0;
}

/* Stop the thread; with close_all, close every socket (accepted: RST). */
void so_peer_stop(struct so_peer *p, int close_all)
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
			so_peer_conn_close(p, i, 1);
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
