// SPDX-License-Identifier: MIT
/*
 * sockobj probe: active opens to many ports of many hosts, each one's
 * outcome and time.
 *
 * Each host is resolved once (its first address of the family asked for),
 * the hosts at the same time; every port of it then reuses that address. At most -c objects exist at a
 * time: the targets that fit in the free slots are started together by
 * sockobj_connect_many() (create, configure and connect in one batch), and
 * each object is destroyed as soon as its outcome is known, so a scan of
 * 65535 ports stays within the module's per-file and per-user object
 * limits.
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

/* Targets in one run at most (hosts times ports). */
#define PROBE_MAX_TARGETS	(1U << 20)
#define PROBE_DEFAULT_CONC	256
/* Names resolved at the same time at most. */
#define PROBE_LOOKUPS		16
/* Targets started by one sockobj_connect_many() at most. */
#define PROBE_START_MAX		1024U

struct target {
	unsigned int host;	/* index in hosts[] */
	unsigned int port;
	unsigned int id;	/* 0: no object (not started, or finished) */
	int state;		/* -1 until started */
	int done;
	int error;		/* a local error before any event */
	uint64_t started_ns, established_ns;
	struct sockobj_info info;
};

struct probe {
	struct sockobj_ctx *ctx;
	char **hosts;
	struct sockobj_addr *addrs;	/* hosts[i] resolved, port 0 */
	unsigned int nhosts;
	unsigned int *ports;
	size_t nports, cap_ports;
	struct target *targets;
	size_t n;
	unsigned int timeout_ms, linger_ms, conc;
	const char *iface;
	int verbose;
	uint64_t t0;
	/* sockobj_connect_many()'s arrays, PROBE_START_MAX each. */
	struct sockobj_addr *start_addrs;
	uint64_t *start_cookies;
	int *start_ids;
};

static void probe_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " probe [options] HOST PORTS...\n"
		"       " PROG " probe [options] -p PORTS HOST...\n"
		"options: [-4|-6] [-t MS|--timeout SEC] [-i IFACE] [-w MS] [-c N] [-v] [--json]\n\n"
		"Start active opens to every port of every host through /dev/sockobj and\n"
		"print, per port, the outcome (open, or the close reason) and the time it\n"
		"took. Open connections are then closed gracefully.\n\n"
		"PORTS is a port from 1 to 65535, a range (8000-8100) or a comma-separated\n"
		"list of both (22,80,8000-8100); without -p, the first argument is the only\n"
		"host and every later one is such a list. Each host is resolved once,\n"
		"up to 16 at the same time.\n\n"
		"  -p, --ports PORTS\n"
		"              the ports to probe on every HOST (several -p add up)\n"
		"  -4, -6      resolve each HOST to IPv4 or IPv6 only\n"
		"  -t MS       connect timeout per attempt (default: the kernel's SYN retries)\n"
		"  --timeout SEC\n"
		"              the same in seconds (as nc -w)\n"
		"  -i IFACE    the connections must go out through IFACE\n"
		"  -w MS       keep open connections up to MS for the peer to close first\n"
		"  -c, --concurrency N\n"
		"              at most N connections at a time (default %u)\n"
		"  -v          print every state transition as it happens (stderr)\n"
		"  --json      one JSON object per target on stdout, as each one ends:\n"
		"              host, address, port, outcome, time_ms, reason, errno,\n"
		"              error, detail; -v transitions as JSON objects on stderr\n\n"
		"Exit status: 0 if every port opened, 1 if one did not, 2 if a HOST does\n"
		"not resolve (or a temporary failure in name resolution), 64 usage, 71\n"
		"device or module error (no module loaded).\n", PROBE_DEFAULT_CONC);
}

static int add_port(struct probe *p, unsigned int port)
{
	unsigned int *np;

	if (p->nports == p->cap_ports) {
		p->cap_ports = p->cap_ports ? p->cap_ports * 2 : 64;
		np = realloc(p->ports, p->cap_ports * sizeof(*np));
		if (!np)
			return -ENOMEM;
		p->ports = np;
	}
	p->ports[p->nports++] = port;
	return 0;
}

/* One port of a list: 1..65535, digits only. Returns it, or 0. */
static unsigned int port_item(const char *s, size_t len)
{
	char buf[16];
	int v;

	if (!len || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = port_arg(buf, 0);
	return v > 0 ? (unsigned int)v : 0;
}

/*
 * A PORTS argument: "22", "8000-8100", "22,80,8000-8100". Says what is
 * wrong with it and returns -1, or adds its ports.
 */
static int parse_ports(struct probe *p, const char *spec)
{
	const char *item = spec, *end, *dash;
	unsigned int lo, hi, port;

	for (;;) {
		end = strchr(item, ',');
		if (!end)
			end = item + strlen(item);
		dash = memchr(item, '-', (size_t)(end - item));
		if (!dash) {
			lo = port_item(item, (size_t)(end - item));
			hi = lo;
			if (!lo) {
				errorf("bad port '%.*s'%s%s%s (a number from 1 to "
				       "65535, a range such as 8000-8100, or a "
				       "comma-separated list of them)",
				       (int)(end - item), item,
				       strcmp(item, spec) || *end ? " in '" : "",
				       strcmp(item, spec) || *end ? spec : "",
				       strcmp(item, spec) || *end ? "'" : "");
				return -1;
			}
		} else {
			lo = port_item(item, (size_t)(dash - item));
			hi = port_item(dash + 1, (size_t)(end - dash - 1));
			if (!lo || !hi) {
				errorf("bad port range '%.*s' (FIRST-LAST, both "
				       "from 1 to 65535)", (int)(end - item), item);
				return -1;
			}
			if (lo > hi) {
				errorf("bad port range '%.*s' (the first port is "
				       "above the last)", (int)(end - item), item);
				return -1;
			}
		}
		for (port = lo; port <= hi; port++)
			if (add_port(p, port) < 0) {
				errorf("out of memory");
				return -1;
			}
		if (!*end)
			return 0;
		item = end + 1;
	}
}

static const char *target_host(const struct probe *p, const struct target *t)
{
	return p->hosts[t->host];
}

static void print_event(const struct probe *p, const struct sockobj_event *ev,
			const struct target *t)
{
	double ms = ms_since(p->t0, ev->timestamp_ns);
	struct json j;

	if (json_mode) {
		json_begin(&j, stderr);
		json_ms(&j, "time_ms", ms);
		json_str(&j, "host", t ? target_host(p, t) : NULL);
		json_uint(&j, "port", t ? t->port : 0);
		json_uint(&j, "id", ev->id);
		json_str(&j, "type", sockobj_event_type_name(ev->type));
		json_str(&j, "prev_state", sockobj_state_name(ev->prev_state));
		json_str(&j, "state", sockobj_state_name(ev->state));
		json_str(&j, "reason", ev->state == SOCKOBJ_STATE_CLOSED ?
			 sockobj_reason_name(ev->reason) : NULL);
		json_errno(&j, "error", ev->error);
		json_end(&j);
		return;
	}
	fprintf(stderr, "%9.3f ms  ", ms);
	if (p->nhosts > 1)
		fprintf(stderr, "%s ", t ? target_host(p, t) : "?");
	/* A data record (READABLE...) is no transition: say what it is. */
	if (ev->type != SOCKOBJ_EV_STATE)
		fprintf(stderr, "port %-5u %s in %s", t ? t->port : 0,
			sockobj_event_type_name(ev->type),
			sockobj_state_name(ev->state));
	else
		fprintf(stderr, "port %-5u %s -> %s", t ? t->port : 0,
			sockobj_state_name(ev->prev_state),
			sockobj_state_name(ev->state));
	if (ev->state == SOCKOBJ_STATE_CLOSED)
		fprintf(stderr, " (%s%s%s)", sockobj_reason_name(ev->reason),
			ev->error ? ", " : "", ev->error ? strerror(ev->error) : "");
	fputc('\n', stderr);
}

/* The outcome of a finished target: its name, time and detail. */
static const char *outcome(const struct target *t, double *ms, char *detail,
			   size_t len)
{
	*ms = 0;
	detail[0] = '\0';
	if (t->error) {
		snprintf(detail, len, "%s", strerror(t->error));
		return "error";
	}
	if (t->info.established_ns) {
		*ms = ms_since(t->info.connect_ns, t->info.established_ns);
		if (t->state == SOCKOBJ_STATE_CLOSED)
			snprintf(detail, len, "then closed: %s",
				 sockobj_reason_name(t->info.reason));
		return "open";
	}
	if (t->state == SOCKOBJ_STATE_CLOSED) {
		*ms = ms_since(t->info.connect_ns, t->info.closed_ns);
		snprintf(detail, len, "%s%s%s",
			 sockobj_reason_describe(t->info.reason),
			 t->info.error ? ": " : "",
			 t->info.error ? strerror(t->info.error) : "");
		return sockobj_reason_name(t->info.reason);
	}
	snprintf(detail, len, "still %s when the probe gave up",
		 t->state < 0 ? "unstarted" : sockobj_state_name((unsigned int)t->state));
	return "pending";
}

static void print_json(const struct probe *p, const struct target *t)
{
	char detail[160], addr[SOCKOBJ_ADDRSTRLEN];
	struct sockobj_addr a = p->addrs[t->host];
	const char *out;
	struct json j;
	double ms;

	out = outcome(t, &ms, detail, sizeof(detail));
	a.port = (uint16_t)t->port;
	sockobj_addr_format(&a, addr, sizeof(addr));
	json_begin(&j, stdout);
	json_str(&j, "host", target_host(p, t));
	json_str(&j, "address", addr);
	json_uint(&j, "port", t->port);
	json_str(&j, "outcome", out);
	json_ms(&j, "time_ms", ms);
	json_str(&j, "reason", t->state == SOCKOBJ_STATE_CLOSED && !t->error ?
		 sockobj_reason_name(t->info.reason) : NULL);
	json_errno(&j, "error", t->error ? t->error : t->info.error);
	json_str(&j, "detail", detail);
	json_end(&j);
}

/* The target is over: its outcome is kept, its object destroyed. */
static void finish(struct probe *p, struct target *t)
{
	struct sockobj_info last;

	if (t->id && sockobj_get_info(p->ctx, t->id, &last) == 0) {
		if (!t->info.established_ns)
			t->info = last;
		t->info.reason = last.reason;
		t->info.error = last.error;
		t->info.closed_ns = last.closed_ns;
	}
	if (t->id)
		sockobj_destroy(p->ctx, t->id, 0);
	t->id = 0;
	t->done = 1;
	if (json_mode)
		print_json(p, t);
}

/*
 * Starts targets [first, first + n) with one sockobj_connect_many(); a
 * target that cannot start is finished with its error. Returns how many
 * started.
 */
static unsigned int start_many(struct probe *p, size_t first, unsigned int n)
{
	struct sockobj_config tmpl;
	unsigned int i, started = 0;
	struct target *t;
	uint64_t now;
	int ret;

	memset(&tmpl, 0, sizeof(tmpl));
	if (p->timeout_ms) {
		tmpl.mask |= SOCKOBJ_CFG_CONNECT_TIMEOUT;
		tmpl.connect_timeout_ms = p->timeout_ms;
	}
	if (p->iface) {
		tmpl.mask |= SOCKOBJ_CFG_IFACE;
		strncpy(tmpl.ifname, p->iface, sizeof(tmpl.ifname) - 1);
	}
	for (i = 0; i < n; i++) {
		t = &p->targets[first + i];
		p->start_addrs[i] = p->addrs[t->host];
		p->start_addrs[i].port = (uint16_t)t->port;
		p->start_cookies[i] = first + i;
	}
	now = now_ns();
	/* A name sockobj_set_iface() would refuse fails every target alike. */
	if (p->iface && strlen(p->iface) >= sizeof(tmpl.ifname))
		ret = -EINVAL;
	else
		ret = sockobj_connect_many(p->ctx, SOCKOBJ_PROTO_TCP,
					   p->start_addrs, n, &tmpl,
					   p->start_cookies, p->start_ids);
	for (i = 0; i < n; i++) {
		t = &p->targets[first + i];
		t->started_ns = now;
		t->state = SOCKOBJ_STATE_CLOSED;
		if (ret >= 0 && p->start_ids[i] > 0) {
			t->id = (unsigned int)p->start_ids[i];
			t->state = SOCKOBJ_STATE_CONNECTING;
			started++;
			continue;
		}
		t->error = ret < 0 ? -ret : -p->start_ids[i];
		finish(p, t);
	}
	return started;
}

static void take_event(struct probe *p, const struct sockobj_event *ev,
		       unsigned int *active, unsigned int *open_count)
{
	struct target *t = NULL;

	if (ev->cookie < p->n)
		t = &p->targets[ev->cookie];
	if (p->verbose)
		print_event(p, ev, t);
	if (!t || ev->id != t->id || t->done ||
	    ev->type != SOCKOBJ_EV_STATE)
		return;
	t->state = (int)ev->state;
	if (t->state == SOCKOBJ_STATE_ESTABLISHED) {
		(*open_count)++;
		t->established_ns = now_ns();
		sockobj_get_info(p->ctx, t->id, &t->info);
		if (!p->linger_ms)
			sockobj_disconnect(p->ctx, t->id);
	} else if (t->state == SOCKOBJ_STATE_PEER_CLOSING) {
		sockobj_disconnect(p->ctx, t->id);
	} else if (t->state == SOCKOBJ_STATE_CLOSED) {
		finish(p, t);
		(*active)--;
	}
}

static void print_table(const struct probe *p)
{
	char detail[160];
	const char *out;
	size_t i, w = 4;
	double ms;

	if (p->nhosts > 1) {
		for (i = 0; i < p->nhosts; i++)
			if (strlen(p->hosts[i]) > w)
				w = strlen(p->hosts[i]);
		printf("%-*s  ", (int)w, "HOST");
	}
	printf("%-6s %-16s %10s  %s\n", "PORT", "OUTCOME", "TIME(ms)", "DETAIL");
	for (i = 0; i < p->n; i++) {
		const struct target *t = &p->targets[i];

		out = outcome(t, &ms, detail, sizeof(detail));
		if (p->nhosts > 1)
			printf("%-*s  ", (int)w, target_host(p, t));
		printf("%-6u %-16s %10.3f  %s\n", t->port, out, ms, detail);
	}
}

static void name_error(const char *host, int ret)
{
	errorf("%s: %s", host, ret == -SOCKOBJ_ENAMEAGAIN ?
	       "temporary failure in name resolution" : sockobj_strerror(ret));
}

/*
 * Resolves every host once, up to PROBE_LOOKUPS at a time in the
 * library's threads (sockobj_lookup_start()): a list of slow names costs
 * the slowest, not their sum. Prints why a host does not resolve (the
 * first to fail) and returns -1; the lookups still at work are dropped.
 */
static int resolve_hosts(struct probe *p, int family)
{
	struct sockobj_lookup *l[PROBE_LOOKUPS] = { NULL };
	struct pollfd pfd = { .fd = sockobj_fd(p->ctx), .events = POLLIN };
	unsigned int host[PROBE_LOOKUPS], next = 0, busy = 0, i;
	int ret, bad = 0;

	while (!bad && (next < p->nhosts || busy)) {
		for (i = 0; i < PROBE_LOOKUPS && next < p->nhosts; i++) {
			if (l[i])
				continue;
			ret = sockobj_lookup_start(p->ctx, p->hosts[next],
						   family, &l[i]);
			if (ret < 0) {
				name_error(p->hosts[next], ret);
				bad = 1;
				break;
			}
			host[i] = next++;
			busy++;
		}
		if (bad)
			break;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			err("waiting for the resolver", -errno);
			bad = 1;
			break;
		}
		for (i = 0; i < PROBE_LOOKUPS && !bad; i++) {
			if (!l[i])
				continue;
			ret = sockobj_lookup_result(p->ctx, l[i],
						    &p->addrs[host[i]], 1);
			if (ret == -EINPROGRESS)
				continue;
			sockobj_lookup_free(p->ctx, l[i]);
			l[i] = NULL;
			busy--;
			if (ret < 0) {
				name_error(p->hosts[host[i]], ret);
				bad = 1;
			}
		}
	}
	for (i = 0; i < PROBE_LOOKUPS; i++)
		sockobj_lookup_free(p->ctx, l[i]);
	return bad ? -1 : 0;
}

static int probe_run(struct probe *p)
{
	struct sockobj_event evs[64];
	unsigned int active = 0, open_count = 0;
	size_t next = 0, low = 0, i;
	uint64_t limit_ns;
	int k, got;

	/* Every attempt ends in ESTABLISHED-then-CLOSED or in CLOSED. */
	limit_ns = (uint64_t)(p->timeout_ms ? p->timeout_ms + 5000 : 180000) * 1000000ull;
	p->t0 = now_ns();
	while (low < p->n) {
		while (next < p->n && active < p->conc) {
			unsigned int k = p->conc - active;

			if (k > p->n - next)
				k = (unsigned int)(p->n - next);
			if (k > PROBE_START_MAX)
				k = PROBE_START_MAX;
			active += start_many(p, next, k);
			next += k;
		}
		got = sockobj_wait_events(p->ctx, evs, 64, active ? 100 : 0);
		if (got < 0 && got != -ETIMEDOUT && got != -EAGAIN) {
			err("reading events", got);
			return EXIT_SYSTEM;
		}
		for (k = 0; k < got; k++)
			take_event(p, &evs[k], &active, &open_count);
		/* Those in flight lie between low and next: linger, give up. */
		for (i = low; i < next; i++) {
			struct target *t = &p->targets[i];
			uint64_t now;

			if (t->done)
				continue;
			now = now_ns();
			if (t->state == SOCKOBJ_STATE_ESTABLISHED && p->linger_ms &&
			    now > t->established_ns + (uint64_t)p->linger_ms * 1000000ull)
				sockobj_disconnect(p->ctx, t->id);
			if (now > t->started_ns + limit_ns +
				  (uint64_t)p->linger_ms * 1000000ull) {
				/* Reported as pending: the state it was left in. */
				sockobj_get_info(p->ctx, t->id, &t->info);
				sockobj_destroy(p->ctx, t->id, 0);
				t->id = 0;
				t->done = 1;
				if (json_mode)
					print_json(p, t);
				active--;
			}
		}
		while (low < next && p->targets[low].done)
			low++;
	}
	if (!json_mode)
		print_table(p);
	return open_count == p->n ? EXIT_OK : EXIT_FAILURE_ANY;
}

int cmd_probe(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ "ports", required_argument, NULL, 'p' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe p = { .conc = PROBE_DEFAULT_CONC };
	int family = AF_UNSPEC, opt, ret, with_p = 0, i;
	unsigned int secs, h, k;
	size_t t;

	while ((opt = getopt_long(argc, argv, "46t:i:w:vp:c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 't':
		case 'w':
			if (uint_arg(optarg, opt == 't' ? &p.timeout_ms : &p.linger_ms)) {
				errorf("bad number '%s' for -%c", optarg, opt);
				return EXIT_USAGE;
			}
			break;
		case 'T':
			if (uint_arg(optarg, &secs) || !secs || secs > UINT_MAX / 1000) {
				errorf("bad number '%s' for --timeout (seconds, 1 "
				       "to %u)", optarg, UINT_MAX / 1000);
				return EXIT_USAGE;
			}
			p.timeout_ms = secs * 1000;
			break;
		case 'c':
			if (uint_arg(optarg, &p.conc) || !p.conc) {
				errorf("bad number '%s' for --concurrency (at least 1)",
				       optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			with_p = 1;
			if (parse_ports(&p, optarg) < 0)
				goto usage;
			break;
		case 'i':
			p.iface = optarg;
			break;
		case 'v':
			p.verbose = 1;
			break;
		case 'J':
			break;
		case 'h':
			probe_usage(stdout);
			return EXIT_OK;
		default:
			return bad_option(probe_usage);
		}
	}
	if (argc - optind < (with_p ? 1 : 2)) {
		bad_args(probe_usage, with_p ? "probe -p takes HOST..." :
						"probe takes HOST and PORTS");
		goto usage;
	}
	if (with_p) {
		p.hosts = argv + optind;
		p.nhosts = (unsigned int)(argc - optind);
	} else {
		p.hosts = argv + optind;
		p.nhosts = 1;
		for (i = optind + 1; i < argc; i++)
			if (parse_ports(&p, argv[i]) < 0)
				goto usage;
	}
	if ((uint64_t)p.nhosts * p.nports > PROBE_MAX_TARGETS) {
		errorf("%u hosts times %zu ports is too many targets (at most %u "
		       "in one run)", p.nhosts, p.nports, PROBE_MAX_TARGETS);
		goto usage;
	}
	p.n = (size_t)p.nhosts * p.nports;
	p.targets = calloc(p.n, sizeof(*p.targets));
	p.addrs = calloc(p.nhosts, sizeof(*p.addrs));
	p.start_addrs = calloc(PROBE_START_MAX, sizeof(*p.start_addrs));
	p.start_cookies = calloc(PROBE_START_MAX, sizeof(*p.start_cookies));
	p.start_ids = calloc(PROBE_START_MAX, sizeof(*p.start_ids));
	if (!p.targets || !p.addrs || !p.start_addrs || !p.start_cookies ||
	    !p.start_ids) {
		errorf("out of memory for %zu targets", p.n);
		ret = EXIT_SYSTEM;
		goto out;
	}
	for (h = 0, t = 0; h < p.nhosts; h++)
		for (k = 0; k < p.nports; k++, t++) {
			p.targets[t].host = h;
			p.targets[t].port = p.ports[k];
			p.targets[t].state = -1;
		}

	/* The module first: a missing one says so before any resolver wait. */
	ret = sockobj_open(&p.ctx, 0);
	if (ret < 0) {
		ret = err_open(ret);
		goto out;
	}
	if (resolve_hosts(&p, family) < 0)
		ret = EXIT_NAME;
	else
		ret = probe_run(&p);
	sockobj_close(p.ctx);
out:
	free(p.targets);
	free(p.addrs);
	free(p.start_addrs);
	free(p.start_cookies);
	free(p.start_ids);
	free(p.ports);
	return ret;
usage:
	free(p.ports);
	return EXIT_USAGE;
}
