// SPDX-License-Identifier: MIT
/*
 * sockobj probe: active opens to many ports at once, each one's outcome
 * and time.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sockobj.h>

#include "cmd.h"

struct target {
	unsigned int port;
	int id;
	int state;
	struct sockobj_info info;
	int error;		/* a local error before any event */
};

static void probe_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " probe [-4|-6] [-t MS] [-i IFACE] [-w MS] [-v] HOST PORT...\n\n"
		"Start active opens to every PORT of HOST at once through /dev/sockobj and\n"
		"print, per port, the outcome (open, or the close reason) and the time it\n"
		"took. Open connections are then closed gracefully.\n\n"
		"  -4, -6      resolve HOST to IPv4 or IPv6 only\n"
		"  -t MS       connect timeout per attempt (default: the kernel's SYN retries)\n"
		"  -i IFACE    the connections must go out through IFACE\n"
		"  -w MS       keep open connections up to MS for the peer to close first\n"
		"  -v          print every state transition as it happens (stderr)\n\n"
		"PORT is a number from 1 to 65535.\n\n"
		"Exit status: 0 if every port opened, 1 if one did not, 2 if HOST does not\n"
		"resolve (or a temporary failure in name resolution), 64 usage, 71 device\n"
		"or module error (no module loaded).\n");
}

static void print_event(const struct sockobj_event *ev, const struct target *t,
			uint64_t t0)
{
	fprintf(stderr, "%9.3f ms  port %-5u %s -> %s", ms_since(t0, ev->timestamp_ns),
		t ? t->port : 0, sockobj_state_name(ev->prev_state),
		sockobj_state_name(ev->state));
	if (ev->state == SOCKOBJ_STATE_CLOSED)
		fprintf(stderr, " (%s%s%s)", sockobj_reason_name(ev->reason),
			ev->error ? ", " : "", ev->error ? strerror(ev->error) : "");
	fputc('\n', stderr);
}

int cmd_probe(int argc, char **argv)
{
	unsigned int timeout_ms = 0, linger_ms = 0, open_count = 0, done = 0;
	const char *iface = NULL;
	int family = AF_UNSPEC, verbose = 0, opt, ret, i, n;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockobj_event evs[64];
	struct sockobj_ctx *ctx;
	struct target *targets;
	uint64_t t0, deadline;
	const char *host;

	while ((opt = getopt_long(argc, argv, "46t:i:w:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 't':
		case 'w':
			if (uint_arg(optarg, opt == 't' ? &timeout_ms : &linger_ms)) {
				fprintf(stderr, PROG ": bad number '%s' for -%c\n",
					optarg, opt);
				return EXIT_USAGE;
			}
			break;
		case 'i':
			iface = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			probe_usage(stdout);
			return EXIT_OK;
		default:
			probe_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		probe_usage(stderr);
		return EXIT_USAGE;
	}
	host = argv[optind++];
	n = argc - optind;
	targets = calloc((size_t)n, sizeof(*targets));
	if (!targets)
		return EXIT_SYSTEM;
	for (i = 0; i < n; i++) {
		int p = port_arg(argv[optind + i], 0);

		if (p <= 0) {
			fprintf(stderr, PROG ": bad port '%s' (a number from 1 to "
				"65535)\n", argv[optind + i]);
			free(targets);
			return EXIT_USAGE;
		}
		targets[i].port = (unsigned int)p;
	}

	ret = sockobj_open(&ctx, 0);
	if (ret < 0) {
		free(targets);
		return err_open(ret);
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct target *t = &targets[i];

		t->state = -1;
		t->id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, (uint64_t)i);
		ret = t->id;
		if (ret >= 0)
			ret = sockobj_set_target_host(ctx, (unsigned int)t->id, host,
						      t->port, family);
		if (ret == -SOCKOBJ_ENAME || ret == -SOCKOBJ_ENAMEAGAIN) {
			fprintf(stderr, PROG ": %s: %s\n", host,
				ret == -SOCKOBJ_ENAMEAGAIN ?
				"temporary failure in name resolution" :
				sockobj_strerror(ret));
			sockobj_close(ctx);
			free(targets);
			return EXIT_NAME;
		}
		if (ret >= 0 && timeout_ms)
			ret = sockobj_set_connect_timeout(ctx, (unsigned int)t->id,
							  timeout_ms);
		if (ret >= 0 && iface)
			ret = sockobj_set_iface(ctx, (unsigned int)t->id, iface, 0);
		if (ret >= 0)
			ret = sockobj_connect(ctx, (unsigned int)t->id);
		if (ret < 0) {
			t->error = -ret;
			t->state = SOCKOBJ_STATE_CLOSED;
			done++;
		}
	}

	/* Every attempt ends in ESTABLISHED-then-CLOSED or in CLOSED. */
	deadline = now_ns() + (uint64_t)(timeout_ms ? timeout_ms + 5000 : 180000) * 1000000ull
		   + (uint64_t)linger_ms * 1000000ull;
	while (done < (unsigned int)n && now_ns() < deadline) {
		int k, got = sockobj_wait_events(ctx, evs, 64, 200);

		if (got < 0) {
			err("reading events", got);
			break;
		}
		for (k = 0; k < got; k++) {
			struct target *t = NULL;

			if (evs[k].cookie < (uint64_t)n)
				t = &targets[evs[k].cookie];
			if (verbose)
				print_event(&evs[k], t, t0);
			if (!t || (int)evs[k].id != t->id)
				continue;
			t->state = (int)evs[k].state;
			if (t->state == SOCKOBJ_STATE_ESTABLISHED) {
				open_count++;
				sockobj_get_info(ctx, (unsigned int)t->id, &t->info);
				if (!linger_ms)
					sockobj_disconnect(ctx, (unsigned int)t->id);
			} else if (t->state == SOCKOBJ_STATE_PEER_CLOSING) {
				sockobj_disconnect(ctx, (unsigned int)t->id);
			} else if (t->state == SOCKOBJ_STATE_CLOSED) {
				struct sockobj_info last;

				if (sockobj_get_info(ctx, (unsigned int)t->id, &last) == 0) {
					if (!t->info.established_ns)
						t->info = last;
					t->info.reason = last.reason;
					t->info.error = last.error;
					t->info.closed_ns = last.closed_ns;
				}
				done++;
			}
		}
		if (linger_ms && now_ns() > t0 + (uint64_t)linger_ms * 1000000ull)
			for (i = 0; i < n; i++)
				if (targets[i].state == SOCKOBJ_STATE_ESTABLISHED)
					sockobj_disconnect(ctx, (unsigned int)targets[i].id);
	}

	printf("%-6s %-16s %10s  %s\n", "PORT", "OUTCOME", "TIME(ms)", "DETAIL");
	for (i = 0; i < n; i++) {
		struct target *t = &targets[i];
		const char *outcome;
		char detail[128] = "";
		double ms = 0;

		if (t->error) {
			outcome = "error";
			snprintf(detail, sizeof(detail), "%s", strerror(t->error));
		} else if (t->info.established_ns) {
			outcome = "open";
			ms = ms_since(t->info.connect_ns, t->info.established_ns);
			if (t->state == SOCKOBJ_STATE_CLOSED)
				snprintf(detail, sizeof(detail), "then closed: %s",
					 sockobj_reason_name(t->info.reason));
		} else if (t->state == SOCKOBJ_STATE_CLOSED) {
			outcome = sockobj_reason_name(t->info.reason);
			ms = ms_since(t->info.connect_ns, t->info.closed_ns);
			snprintf(detail, sizeof(detail), "%s%s%s",
				 sockobj_reason_describe(t->info.reason),
				 t->info.error ? ": " : "",
				 t->info.error ? strerror(t->info.error) : "");
		} else {
			outcome = "pending";
			snprintf(detail, sizeof(detail), "still %s when the probe gave up",
				 sockobj_state_name((unsigned int)t->state));
		}
		printf("%-6u %-16s %10.3f  %s\n", t->port, outcome, ms, detail);
	}
	sockobj_close(ctx);
	free(targets);
	return open_count == (unsigned int)n ? EXIT_OK : EXIT_FAILURE_ANY;
}
