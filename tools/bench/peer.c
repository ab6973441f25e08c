// SPDX-License-Identifier: MIT
/*
 * sockobj-bench: the peer thread (listener side), pinned to its own CPU and
 * running in the peer's network namespace. It is plain epoll code and the
 * same for every method under test.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

enum { CMD_NONE, CMD_MODE, CMD_CLOSE_ALL, CMD_SYNC, CMD_STOP };

#define EV_LISTEN	(~0ull)
#define EV_CMD		(~0ull - 1)

static void abort_fd(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void drain(struct peer *p, int i)
{
	int fd = p->fds[i];
	ssize_t n;

	if (fd < 0)
		return;
	for (;;) {
		n = recv(fd, p->buf, p->bufsz, MSG_DONTWAIT);
		if (n > 0) {
			atomic_fetch_add_explicit(&p->rx_bytes, (uint64_t)n,
						  memory_order_relaxed);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN)
			epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
		return;
	}
}

static void pump(struct peer *p, int i)
{
	int fd = p->fds[i];
	ssize_t n;

	if (fd < 0)
		return;
	for (;;) {
		n = send(fd, p->buf, (size_t)p->chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			atomic_fetch_add_explicit(&p->tx_bytes, (uint64_t)n,
						  memory_order_relaxed);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
		return;
	}
}

static void on_accept(struct peer *p)
{
	struct sockaddr_in sin;
	socklen_t sl;
	int fd, i, one = 1;

	for (;;) {
		sl = sizeof(sin);
		fd = accept4(p->lfd, (struct sockaddr *)&sin, &sl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return;
			die("peer accept4: %s", strerror(errno));
		}
		i = atomic_load(&p->nfds);
		if (i >= MAX_CONNS)
			die("peer: more than %d connections", MAX_CONNS);
		if (p->nodelay)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		p->fds[i] = fd;
		switch (p->mode) {
		case PEER_HOLD:
			break;
		case PEER_SINK: {
			struct epoll_event ev = { EPOLLIN | EPOLLET, { .u64 = (uint64_t)i } };

			if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev))
				die("peer epoll_ctl: %s", strerror(errno));
			drain(p, i);
			break;
		}
		case PEER_SOURCE: {
			struct epoll_event ev = { EPOLLOUT | EPOLLET, { .u64 = (uint64_t)i } };

			if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev))
				die("peer epoll_ctl: %s", strerror(errno));
			pump(p, i);
			break;
		}
		case PEER_RESET:
			if (i < p->rst_cap) {
				p->rst_port[i] = ntohs(sin.sin_port);
				/* Let the client go idle in its wait first. */
				if (p->rst_delay_us) {
					struct timespec ts = { 0, (long)p->rst_delay_us * 1000 };

					nanosleep(&ts, NULL);
				}
				/* The reference: right before the call that sends the RST. */
				p->rst_tsc[i] = rdtsc();
			}
			abort_fd(fd);
			p->fds[i] = -1;
			break;
		}
		atomic_store_explicit(&p->nfds, i + 1, memory_order_release);
	}
}

static void do_close_all(struct peer *p)
{
	int i, n = atomic_load(&p->nfds);

	for (i = 0; i < n; i++) {
		if (p->fds[i] >= 0)
			abort_fd(p->fds[i]);
		p->fds[i] = -1;
	}
	atomic_store(&p->nfds, 0);
	atomic_store(&p->rx_bytes, 0);
	atomic_store(&p->tx_bytes, 0);
}

/*
 * Entering SINK or SOURCE puts the connections accepted so far to work
 * too (the client connects in HOLD mode, then starts the data).
 */
static void set_mode(struct peer *p, enum peer_mode m)
{
	int i, n = atomic_load(&p->nfds);

	p->mode = m;
	if (m != PEER_SINK && m != PEER_SOURCE)
		return;
	for (i = 0; i < n; i++) {
		struct epoll_event ev = {
			(m == PEER_SINK ? EPOLLIN : EPOLLOUT) | EPOLLET, { .u64 = (uint64_t)i }
		};

		if (p->fds[i] < 0)
			continue;
		if (m == PEER_SOURCE && (i < p->src_lo || i >= p->src_hi)) {
			/* out of the range: no data (ENOENT when not in the set) */
			epoll_ctl(p->epfd, EPOLL_CTL_DEL, p->fds[i], NULL);
			continue;
		}
		/* epoll reports the current readiness: the loop does the work. */
		if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->fds[i], &ev) &&
		    epoll_ctl(p->epfd, EPOLL_CTL_MOD, p->fds[i], &ev))
			die("peer epoll_ctl: %s", strerror(errno));
	}
}

static bool on_cmd(struct peer *p)
{
	uint64_t v;
	bool stop = false;

	if (read(p->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		die("peer eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&p->mu);
	if (p->done_seq != p->cmd_seq) {
		switch (p->cmd) {
		case CMD_MODE:
			set_mode(p, (enum peer_mode)p->cmd_arg);
			break;
		case CMD_CLOSE_ALL:
			do_close_all(p);
			break;
		case CMD_STOP:
			stop = true;
			break;
		default:
			break;
		}
		p->done_seq = p->cmd_seq;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return stop;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	struct epoll_event evs[256], ev;
	int one = 1, i, n;
	socklen_t sl = sizeof(p->addr);

	atomic_store(&p->tid, (int)gettid());
	pin_cpu(p->cpu);
	enter_netns(p->ns);
	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->lfd < 0)
		die("peer socket: %s", strerror(errno));
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(p->lfd, (struct sockaddr *)&p->addr, sizeof(p->addr)))
		die("peer bind %s: %s", inet_ntoa(p->addr.sin_addr), strerror(errno));
	/* The backlog is capped by net.core.somaxconn, raised in the namespace. */
	if (listen(p->lfd, 65535))
		die("peer listen: %s", strerror(errno));
	if (getsockname(p->lfd, (struct sockaddr *)&p->addr, &sl))
		die("peer getsockname: %s", strerror(errno));
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.u64 = EV_LISTEN;
	epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->lfd, &ev);
	ev.data.u64 = EV_CMD;
	epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->efd, &ev);

	pthread_mutex_lock(&p->mu);
	p->done_seq = p->cmd_seq;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);

	for (;;) {
		n = ep_wait(p->epfd, evs, ARRAY_SIZE(evs), -1);
		for (i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;

			if (d == EV_LISTEN) {
				on_accept(p);
			} else if (d == EV_CMD) {
				if (on_cmd(p))
					goto out;
			} else if (p->mode == PEER_SINK) {
				drain(p, (int)d);
			} else if (p->mode == PEER_SOURCE && (int)d >= p->src_lo &&
				   (int)d < p->src_hi) {
				pump(p, (int)d);
			}
		}
	}
out:
	do_close_all(p);
	close(p->lfd);
	close(p->epfd);
	return NULL;
}

static void command(struct peer *p, int cmd, int arg)
{
	uint64_t one = 1;
	unsigned long seq;

	pthread_mutex_lock(&p->mu);
	p->cmd = cmd;
	p->cmd_arg = arg;
	seq = ++p->cmd_seq;
	if (write(p->efd, &one, sizeof(one)) != sizeof(one))
		die("eventfd write: %s", strerror(errno));
	while (p->done_seq != seq)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void peer_start(struct peer *p)
{
	p->fds = calloc(MAX_CONNS, sizeof(*p->fds));
	p->bufsz = 256 * 1024;
	p->buf = calloc(1, p->bufsz);
	p->rst_cap = 4096;
	p->rst_tsc = calloc(p->rst_cap, sizeof(*p->rst_tsc));
	p->rst_port = calloc(p->rst_cap, sizeof(*p->rst_port));
	if (!p->fds || !p->buf || !p->rst_tsc || !p->rst_port)
		die("peer: out of memory");
	for (int i = 0; i < MAX_CONNS; i++)
		p->fds[i] = -1;
	p->chunk = 65536;
	p->src_lo = 0;
	p->src_hi = MAX_CONNS;
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0)
		die("eventfd: %s", strerror(errno));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->cmd_seq = 1;
	p->done_seq = 0;
	if (pthread_create(&p->thr, NULL, peer_main, p))
		die("pthread_create");
	pthread_mutex_lock(&p->mu);
	while (p->done_seq != p->cmd_seq)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void peer_stop(struct peer *p)
{
	command(p, CMD_STOP, 0);
	pthread_join(p->thr, NULL);
	close(p->efd);
	free(p->fds);
	free(p->buf);
	free(p->rst_tsc);
	free(p->rst_port);
}

void peer_mode(struct peer *p, enum peer_mode m)
{
	command(p, CMD_MODE, (int)m);
}

void peer_source_range(struct peer *p, int lo, int hi)
{
	/* read by the peer's next set_mode(), under the same lock */
	pthread_mutex_lock(&p->mu);
	p->src_lo = lo;
	p->src_hi = hi;
	pthread_mutex_unlock(&p->mu);
}

void peer_close_all(struct peer *p)
{
	command(p, CMD_CLOSE_ALL, 0);
}

void peer_sync(struct peer *p)
{
	command(p, CMD_SYNC, 0);
}

void peer_wait_accepted(struct peer *p, int n, unsigned int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000ull;

	while (atomic_load_explicit(&p->nfds, memory_order_acquire) < n) {
		if (now_ns() > end) {
			fflush(stdout);
			run_cmd("ip netns exec %s nstat -az 2>/dev/null | grep -iE 'drop|overflow|syncookie|retrans' | grep -v ' 0 ' >&2",
				p->ns ? p->ns : "sobench_lo");
			die("peer accepted only %d of %d connections in %u ms",
			    atomic_load(&p->nfds), n, ms);
		}
		sleep_ms(1);
	}
	peer_sync(p);
}
