// SPDX-License-Identifier: MIT
/*
 * keepup: an epoll loop that keeps one connection up, whatever the server
 * does, and pings through it.
 *
 *   keepup [-n ROUNDS] HOST PORT
 *
 * Connects to an echo server and sends "ping C.S\n" every 200 ms (C: the
 * connection's number, S: the ping's), printing each echo. Two mechanisms
 * keep the connection up:
 *  - the kernel's retry policy (sockobj_set_retry): a refused or timed-out
 *    attempt, or a connection lost to a reset or a timeout
 *    (SOCKOBJ_RETRY_LOST), is retried by the module itself after an
 *    exponential backoff with jitter; the program only sees RETRY_WAIT and
 *    CONNECTING records go by;
 *  - a graceful close by the server (its FIN) is not the kernel's to
 *    retry: the program closes its side and calls sockobj_connect()
 *    again, which starts a new run of the policy.
 * Every state record is printed as sockobj_event_describe() writes it.
 * With -n ROUNDS, ends (status 0) once connection number ROUNDS has
 * echoed a ping; otherwise runs until killed.
 *
 * The loop: epoll over the sockobj descriptor and a timerfd. The
 * descriptor is readable while any record waits, in the kernel or in the
 * library's queue, so draining sockobj_read_events() until -EAGAIN on each
 * wakeup is all the loop needs.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <sockobj.h>

#define PING_MS		200

struct keepup {
	struct sockobj_ctx *ctx;
	unsigned int id;
	unsigned int conn;		/* connections made so far */
	unsigned int ping;		/* pings sent on this one */
	unsigned int rounds;		/* -n, 0 without */
	int established;
	int done;			/* -n reached: closing for good */
	char in[4096];
	size_t in_len;
};

static void send_ping(struct keepup *k)
{
	char line[64];
	int len, ret;

	len = snprintf(line, sizeof(line), "ping %u.%u\n", k->conn, ++k->ping);
	ret = sockobj_send(k->ctx, k->id, line, (size_t)len);
	/* Full (-EAGAIN) or just broken: the next tick or record will tell. */
	if (ret >= 0 && ret < len)
		fprintf(stderr, "keepup: partial ping\n");
}

/* Echoed lines: "ping C.S"; the first of connection -n ends the run. */
static void take_line(struct keepup *k, const char *line)
{
	unsigned int c, s;

	printf("echo %s\n", line);
	if (sscanf(line, "ping %u.%u", &c, &s) == 2 && k->rounds &&
	    c >= k->rounds && !k->done) {
		k->done = 1;
		sockobj_disconnect(k->ctx, k->id);
	}
}

static int receive(struct keepup *k)
{
	char *nl;
	int ret;

	for (;;) {
		ret = sockobj_recv(k->ctx, k->id, k->in + k->in_len,
				   sizeof(k->in) - 1 - k->in_len, 0, NULL);
		if (ret <= 0)
			return ret == -EAGAIN || ret == 0 || ret == -ENOTCONN ? 0 : ret;
		k->in_len += (size_t)ret;
		k->in[k->in_len] = '\0';
		while ((nl = strchr(k->in, '\n'))) {
			*nl = '\0';
			take_line(k, k->in);
			k->in_len -= (size_t)(nl + 1 - k->in);
			memmove(k->in, nl + 1, k->in_len + 1);
		}
		if (k->in_len == sizeof(k->in) - 1)
			k->in_len = 0;	/* no line that long in this protocol */
	}
}

/* One record. Returns 1 when the program is to end, -1 on failure. */
static int take_event(struct keepup *k, const struct sockobj_event *ev)
{
	char text[SOCKOBJ_EVENT_STRLEN];
	int ret;

	if (ev->id != k->id)
		return 0;
	if (ev->type == SOCKOBJ_EV_READABLE)
		return receive(k) < 0 ? -1 : 0;
	if (ev->type != SOCKOBJ_EV_STATE)
		return 0;
	sockobj_event_describe(ev, text, sizeof(text));
	printf("event %s\n", text);
	fflush(stdout);

	switch (ev->state) {
	case SOCKOBJ_STATE_ESTABLISHED:
		k->established = 1;
		k->conn++;
		k->ping = 0;
		k->in_len = 0;
		printf("connected %u\n", k->conn);
		send_ping(k);
		/* Data may have come with the handshake's end. */
		return receive(k) < 0 ? -1 : 0;
	case SOCKOBJ_STATE_PEER_CLOSING:
		/* The server closed: read what is left, close our side. */
		k->established = 0;
		if (receive(k) < 0)
			return -1;
		sockobj_disconnect(k->ctx, k->id);
		return 0;
	case SOCKOBJ_STATE_CLOSED:
		k->established = 0;
		if (k->done)
			return 1;
		if (ev->reason != SOCKOBJ_REASON_LOCAL_CLOSED &&
		    ev->reason != SOCKOBJ_REASON_PEER_CLOSED) {
			/* A reason the policy does not retry (aborted...). */
			fprintf(stderr, "keepup: giving up: %s\n", text);
			return -1;
		}
		/* A graceful close: reconnect; the policy covers the attempts. */
		ret = sockobj_connect(k->ctx, k->id);
		if (ret < 0) {
			fprintf(stderr, "keepup: reconnect: %s\n", sockobj_strerror(ret));
			return -1;
		}
		return 0;
	default:
		/* CONNECTING, RETRY_WAIT, CLOSING: nothing to do but wait. */
		k->established = ev->state == SOCKOBJ_STATE_CLOSING ? 0 : k->established;
		return 0;
	}
}

int main(int argc, char **argv)
{
	struct sockobj_retry policy = {
		.max_attempts = SOCKOBJ_RETRY_UNLIMITED,
		.delay_ms = 100,		/* 100 ms, 200, 400... */
		.max_delay_ms = 2000,		/* ...up to 2 s */
		.factor_pct = 200,
		.jitter = SOCKOBJ_JITTER_EQUAL,	/* each wait in [b/2, b] */
		/* Lost connections too; a connection that worked resets the backoff. */
		.flags = SOCKOBJ_RETRY_LOST | SOCKOBJ_RETRY_RESET_BACKOFF,
	};
	struct itimerspec tick = {
		.it_interval = { 0, PING_MS * 1000000L },
		.it_value = { 0, PING_MS * 1000000L },
	};
	struct epoll_event ee, got[4];
	struct sockobj_event evs[32];
	struct sockobj_addr addr;
	struct keepup k = { 0 };
	int opt, ep, tfd, ret, i, n;
	unsigned long port;
	char *end;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || !(k.rounds = (unsigned int)atoi(optarg)))
			goto usage;
	}
	if (argc - optind != 2)
		goto usage;
	port = strtoul(argv[optind + 1], &end, 10);
	if (*end || !port || port > 65535)
		goto usage;
	ret = sockobj_host_by_name(argv[optind], AF_UNSPEC, &addr, 1);
	if (ret < 0) {
		fprintf(stderr, "keepup: %s: %s\n", argv[optind], sockobj_strerror(ret));
		return 2;
	}
	addr.port = (uint16_t)port;

	ret = sockobj_open(&k.ctx, SOCKOBJ_OPEN_NONBLOCK);
	if (ret < 0) {
		fprintf(stderr, "keepup: /dev/sockobj: %s\n", sockobj_strerror(ret));
		return 3;
	}
	ret = sockobj_create(k.ctx, SOCKOBJ_PROTO_TCP, 0);
	if (ret >= 0) {
		k.id = (unsigned int)ret;
		ret = sockobj_set_target_addr(k.ctx, k.id, &addr);
	}
	if (ret == 0)
		ret = sockobj_set_retry(k.ctx, k.id, &policy);
	if (ret == 0)
		ret = sockobj_connect(k.ctx, k.id);
	if (ret < 0) {
		fprintf(stderr, "keepup: %s\n", sockobj_strerror(ret));
		return 3;
	}

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep < 0 || tfd < 0 || timerfd_settime(tfd, 0, &tick, NULL) < 0) {
		perror("keepup: epoll/timerfd");
		return 3;
	}
	ee.events = EPOLLIN;
	ee.data.fd = sockobj_fd(k.ctx);
	epoll_ctl(ep, EPOLL_CTL_ADD, ee.data.fd, &ee);
	ee.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ee);

	for (;;) {
		n = epoll_wait(ep, got, 4, -1);
		if (n < 0 && errno != EINTR) {
			perror("keepup: epoll_wait");
			return 3;
		}
		for (i = 0; i < n; i++) {
			if (got[i].data.fd == tfd) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) > 0 &&
				    k.established && !k.done)
					send_ping(&k);
				continue;
			}
			/* Every record there is, until the descriptor is empty. */
			while ((ret = sockobj_read_events(k.ctx, evs, 32)) > 0) {
				int j, r;

				for (j = 0; j < ret; j++) {
					r = take_event(&k, &evs[j]);
					if (r)
						goto out;
				}
			}
			if (ret != -EAGAIN) {
				fprintf(stderr, "keepup: reading records: %s\n",
					sockobj_strerror(ret));
				return 3;
			}
		}
		fflush(stdout);
	}
out:
	fflush(stdout);
	sockobj_close(k.ctx);
	return k.done ? 0 : 1;
usage:
	fprintf(stderr, "usage: keepup [-n ROUNDS] HOST PORT\n");
	return 2;
}
