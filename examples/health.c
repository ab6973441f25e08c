// SPDX-License-Identifier: MIT
/*
 * health: check that many TCP services accept connections, and say
 * exactly why each one that does not fails.
 *
 *   health [-t MS] TARGET...       TARGET: HOST:PORT, [IPV6]:PORT
 *
 * Every target gets a sock object; all the connects start at once, one
 * descriptor reports every outcome, and each object's closing record
 * carries the reason the kernel saw (REFUSED, CONNECT_TIMEOUT,
 * HOST_UNREACH...) instead of a bare errno from a failed connect(2).
 * Each host name is resolved once, in userspace, before anything starts.
 *
 * One line per target, in the order given:
 *   127.0.0.1:8080   up     0.213 ms
 *   127.0.0.1:8081   down   REFUSED (Connection refused) after 0.187 ms
 * Exit status: 0 when every target is up, 1 when one is down, 2 on a
 * usage or resolution error, 3 when /dev/sockobj cannot be used.
 *
 * With many thousands of targets, the raw SOCKOBJ_IOC_BATCH ioctl (see
 * uapi/linux/sockobj.h) saves the four ioctls per target made here; the
 * library has no wrapper for it yet.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sockobj.h>

struct target {
	const char *arg;		/* as given on the command line */
	struct sockobj_addr addr;	/* resolved, with its port */
	unsigned int id;
	int done, up;
	char why[SOCKOBJ_EVENT_STRLEN];	/* the closing record, described */
	uint64_t start_ns;		/* its CONNECTING record's time */
	double ms;			/* from there to the outcome */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * "HOST:PORT" or "[V6ADDR]:PORT": numeric addresses are parsed by the
 * library; a name is resolved (its first address) with the port added.
 */
static int resolve(const char *arg, struct sockobj_addr *addr)
{
	char host[256];
	const char *colon = strrchr(arg, ':');
	char *end;
	unsigned long port;
	int ret;

	if (sockobj_addr_parse(addr, arg) == 0 && addr->port)
		return 0;
	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(host))
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || colon[1] < '0' || colon[1] > '9' || !port || port > 65535)
		return -EINVAL;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	ret = sockobj_host_by_name(host, AF_UNSPEC, addr, 1);
	if (ret < 0)
		return ret;
	addr->port = (uint16_t)port;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int timeout_ms = 3000, left;
	struct sockobj_event evs[64];
	struct sockobj_ctx *ctx;
	struct target *t;
	int i, n, opt, ret, down = 0;
	uint64_t t0;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't' || !(timeout_ms = (unsigned int)atoi(optarg))) {
			fprintf(stderr, "usage: health [-t MS] HOST:PORT...\n");
			return 2;
		}
	}
	n = argc - optind;
	if (n < 1) {
		fprintf(stderr, "usage: health [-t MS] HOST:PORT...\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 3;
	for (i = 0; i < n; i++) {
		t[i].arg = argv[optind + i];
		ret = resolve(t[i].arg, &t[i].addr);
		if (ret < 0) {
			fprintf(stderr, "health: %s: %s\n", t[i].arg,
				ret == -EINVAL ? "not HOST:PORT" : sockobj_strerror(ret));
			return 2;
		}
	}

	ret = sockobj_open(&ctx, 0);
	if (ret < 0) {
		fprintf(stderr, "health: /dev/sockobj: %s\n", sockobj_strerror(ret));
		return 3;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		/* The cookie is the target itself: every record leads back to it. */
		ret = sockobj_create_data(ctx, SOCKOBJ_PROTO_TCP, &t[i]);
		if (ret < 0)
			break;
		t[i].id = (unsigned int)ret;
		ret = sockobj_set_target_addr(ctx, t[i].id, &t[i].addr);
		if (ret == 0)
			ret = sockobj_set_connect_timeout(ctx, t[i].id, timeout_ms);
		if (ret == 0)
			ret = sockobj_connect(ctx, t[i].id);
		if (ret < 0) {
			/* Refused at once (no route, say): no record will come. */
			snprintf(t[i].why, sizeof(t[i].why), "cannot connect: %s",
				 sockobj_strerror(ret));
			t[i].done = 1;
		}
	}
	if (ret < 0 && i < n && !t[i].done) {
		fprintf(stderr, "health: creating object %d: %s\n", i + 1,
			sockobj_strerror(ret));
		return 3;
	}

	/* Every attempt ends in CLOSED: after ESTABLISHED (we close it) or not. */
	for (left = 0, i = 0; i < n; i++)
		left += !t[i].done;
	while (left) {
		int k, got = sockobj_wait_events(ctx, evs, 64, (int)timeout_ms + 5000);

		if (got <= 0) {
			fprintf(stderr, "health: waiting for events: %s\n",
				got ? sockobj_strerror(got) : "no record for too long");
			return 3;
		}
		for (k = 0; k < got; k++) {
			struct target *x = sockobj_event_get_data(&evs[k]);

			if (evs[k].type != SOCKOBJ_EV_STATE || !x || x->done)
				continue;
			if (evs[k].state == SOCKOBJ_STATE_CONNECTING &&
			    !x->start_ns) {
				/* Records carry the kernel's CLOCK_MONOTONIC time. */
				x->start_ns = evs[k].timestamp_ns;
			} else if (evs[k].state == SOCKOBJ_STATE_ESTABLISHED) {
				/* Up: note the time, then close gracefully. */
				x->up = 1;
				x->ms = (double)(evs[k].timestamp_ns - x->start_ns) / 1e6;
				sockobj_disconnect(ctx, x->id);
			} else if (evs[k].state == SOCKOBJ_STATE_CLOSED) {
				if (!x->up) {
					x->ms = (double)(evs[k].timestamp_ns -
							 (x->start_ns ? x->start_ns : t0)) / 1e6;
					sockobj_event_describe(&evs[k], x->why,
							       sizeof(x->why));
				}
				x->done = 1;
				left--;
			}
		}
	}

	for (i = 0; i < n; i++) {
		if (t[i].up) {
			printf("%-24s up     %.3f ms\n", t[i].arg, t[i].ms);
			continue;
		}
		down++;
		/* "id 3 CONNECTING -> CLOSED: REFUSED (...)": keep from the reason. */
		printf("%-24s down   %s after %.3f ms\n", t[i].arg,
		       strstr(t[i].why, ": ") ? strstr(t[i].why, ": ") + 2 : t[i].why,
		       t[i].ms);
	}
	sockobj_close(ctx);
	free(t);
	return down ? 1 : 0;
}
