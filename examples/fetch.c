// SPDX-License-Identifier: MIT
/*
 * fetch: an HTTP/1.0 GET by host name, printing the status line.
 *
 *   fetch HOST PORT [PATH]
 *
 * The name is resolved once (every address, in the resolver's order) and
 * the addresses are raced as Happy Eyeballs v2 does (RFC 8305,
 * sockobj_connect_race): IPv6 first, the next attempt 250 ms later or as
 * soon as the last one failed, the first connection wins and the others
 * are cancelled; every attempt is reported with its exact outcome. An
 * address that drops SYNs costs 250 ms, not its connect timeout.
 *
 * The data moves through the module (sockobj_send, sockobj_recv), which
 * never block: the program waits for the WRITABLE and READABLE records.
 * Prints the status line on stdout and the size of the body on stderr.
 * Exit status: 0 for a response whose status line was read, 1 when no
 * address connected or the connection broke, 2 usage or resolution, 3
 * /dev/sockobj.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sockobj.h>

#define CONNECT_TIMEOUT_MS	2000
#define IO_TIMEOUT_MS		10000
#define MAX_ADDRS		16

/*
 * Waits for a record of object @id of type @type (READABLE, WRITABLE), or
 * its end: returns 1 when it came, 0 when the object is CLOSED, or a
 * negative errno. Other records (of this example's one object) are
 * dropped: nothing else is waited for.
 */
static int wait_for(struct sockobj_ctx *ctx, unsigned int id, unsigned int type)
{
	struct sockobj_event ev;
	int ret;

	for (;;) {
		ret = sockobj_wait_events(ctx, &ev, 1, IO_TIMEOUT_MS);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return -ETIMEDOUT;
		if (ev.id != id)
			continue;
		if (ev.type == type)
			return 1;
		if (ev.type == SOCKOBJ_EV_STATE && ev.state == SOCKOBJ_STATE_CLOSED)
			return 0;
	}
}

/*
 * Races the addresses; returns the winner's id or a negative errno, having
 * said what became of each attempt.
 */
static int race(struct sockobj_ctx *ctx, const struct sockobj_addr *addrs,
		int n)
{
	char where[SOCKOBJ_ADDRSTRLEN], why[SOCKOBJ_EVENT_STRLEN];
	struct sockobj_event out[MAX_ADDRS];
	struct sockobj_config tmpl;
	int i, id;

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
	tmpl.connect_timeout_ms = CONNECT_TIMEOUT_MS;
	id = sockobj_connect_race(ctx, addrs, (unsigned int)n, &tmpl, 0, 0,
				  CONNECT_TIMEOUT_MS + 5000, out);
	for (i = 0; i < n; i++) {
		sockobj_addr_format(&addrs[i], where, sizeof(where));
		if (out[i].type == SOCKOBJ_EV_STATE &&
		    out[i].state == SOCKOBJ_STATE_ESTABLISHED) {
			fprintf(stderr, "fetch: connected to %s\n", where);
		} else if (out[i].type == SOCKOBJ_EV_STATE) {
			/* The record of the failure says exactly what happened. */
			sockobj_event_describe(&out[i], why, sizeof(why));
			fprintf(stderr, "fetch: %s: %s\n", where, why);
		} else if (out[i].error) {
			fprintf(stderr, "fetch: %s: %s\n", where,
				sockobj_strerror(-out[i].error));
		} else {
			fprintf(stderr, "fetch: %s: not tried\n", where);
		}
	}
	if (id < 0)
		fprintf(stderr, "fetch: %s\n", sockobj_strerror(id));
	return id;
}

/* Sends all of @buf, waiting for WRITABLE whenever the socket is full. */
static int send_all(struct sockobj_ctx *ctx, unsigned int id, const char *buf,
		    size_t len)
{
	int ret;

	while (len) {
		ret = sockobj_send(ctx, id, buf, len);
		if (ret == -EAGAIN) {
			ret = wait_for(ctx, id, SOCKOBJ_EV_WRITABLE);
			if (ret <= 0)
				return ret ? ret : -EPIPE;
			continue;
		}
		if (ret < 0)
			return ret;
		buf += ret;
		len -= (size_t)ret;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockobj_addr addrs[MAX_ADDRS];
	char req[1024], buf[16384], head[8192];
	unsigned long long body = 0, total = 0;
	size_t hlen = 0;
	int header_done = 0, closed = 0;
	struct sockobj_ctx *ctx;
	unsigned long port;
	int i, n, id = -1, ret;
	char *end;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: fetch HOST PORT [PATH]\n");
		return 2;
	}
	port = strtoul(argv[2], &end, 10);
	if (*end || !port || port > 65535) {
		fprintf(stderr, "fetch: bad port '%s'\n", argv[2]);
		return 2;
	}
	n = sockobj_host_by_name(argv[1], AF_UNSPEC, addrs, MAX_ADDRS);
	if (n < 0) {
		fprintf(stderr, "fetch: %s: %s\n", argv[1], sockobj_strerror(n));
		return 2;
	}
	ret = sockobj_open(&ctx, 0);
	if (ret < 0) {
		fprintf(stderr, "fetch: /dev/sockobj: %s\n", sockobj_strerror(ret));
		return 3;
	}
	for (i = 0; i < n; i++)
		addrs[i].port = (uint16_t)port;
	id = race(ctx, addrs, n);
	if (id < 0) {
		fprintf(stderr, "fetch: no address of %s accepted a connection\n",
			argv[1]);
		sockobj_close(ctx);
		return 1;
	}

	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
		 argc > 3 ? argv[3] : "/", argv[1]);
	ret = send_all(ctx, (unsigned int)id, req, strlen(req));
	if (ret < 0) {
		fprintf(stderr, "fetch: sending the request: %s\n", sockobj_strerror(ret));
		sockobj_close(ctx);
		return 1;
	}
	/* Our FIN after the request: HTTP/1.0 servers answer, then close. */
	sockobj_disconnect(ctx, (unsigned int)id);

	/*
	 * Read to the end of the stream: 0 from sockobj_recv. Data that
	 * arrived before the close completed stays readable in CLOSED, so
	 * once the CLOSED record came, -EAGAIN or -ENOTCONN is the end too.
	 */
	for (;;) {
		ret = sockobj_recv(ctx, (unsigned int)id, buf, sizeof(buf), 0, NULL);
		if (ret == -EAGAIN && !closed) {
			ret = wait_for(ctx, (unsigned int)id, SOCKOBJ_EV_READABLE);
			if (ret < 0)
				break;
			closed = ret == 0;
			continue;
		}
		if (ret == -EAGAIN || ret == -ENOTCONN)
			ret = 0;
		if (ret <= 0)
			break;
		total += (unsigned long long)ret;
		/* The header ends with a blank line; the body follows. */
		for (i = 0; i < ret && !header_done; i++) {
			if (hlen == sizeof(head) - 1)
				break;
			head[hlen++] = buf[i];
			header_done = hlen >= 4 && !memcmp(head + hlen - 4, "\r\n\r\n", 4);
		}
		if (header_done)
			body += (unsigned long long)(ret - i);
	}
	sockobj_close(ctx);
	if (ret < 0 && ret != -ENOTCONN) {
		fprintf(stderr, "fetch: receiving: %s\n", sockobj_strerror(ret));
		return 1;
	}
	head[hlen] = '\0';
	if (!header_done) {
		fprintf(stderr, "fetch: no complete response header in %llu bytes\n",
			total);
		return 1;
	}
	/* The status line: the header's first line. */
	printf("%.*s\n", (int)strcspn(head, "\r\n"), head);
	fprintf(stderr, "fetch: %llu bytes of body\n", body);
	return 0;
}
