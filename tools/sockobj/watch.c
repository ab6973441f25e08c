// SPDX-License-Identifier: MIT
/*
 * sockobj watch: the changes of every object of this network namespace,
 * one line each, like ip monitor.
 *
 * The module delivers an object's records to the file that owns it only:
 * there is no interface to receive another process's records, and this
 * command does not invent one. What it can see is /proc/net/sockobj (root
 * of the namespace), a snapshot of every object's state, reason, error,
 * addresses and byte counts. It reads that file every -i MS and prints
 * what differs from the last read: an object that appeared, one whose
 * state, reason or addresses changed, one that is gone. A state held for
 * less than the interval can be missed (CONNECTING of a refused loopback
 * connect, typically): the owner's own records are the complete history,
 * this is a view from outside.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <sockobj.h>

#include "cmd.h"

static volatile sig_atomic_t watch_stop;

static void watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static void watch_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " watch [-i MS] [-p PID] [-n COUNT] [--json]\n\n"
		"Print a line whenever a sock object of this network namespace appears,\n"
		"changes state (or close reason, or address) or goes away, like ip monitor.\n"
		"The module gives an object's records to the file that owns it only, so\n"
		"this reads " PROC_PATH " (root only) every -i MS and prints the\n"
		"differences: a state held for less than that can be missed.\n\n"
		"  -i MS       the interval between two reads (default 100, at least 10)\n"
		"  -p PID      only the objects of process PID\n"
		"  -n COUNT    end after COUNT lines\n"
		"  --json      one JSON object per line: event (new, state, gone), time\n"
		"              (the wall clock, seconds since the epoch), prev_state, then\n"
		"              the members of stat --json\n\n"
		"Lines: TIME new|state|gone  id ID pid PID/COMMAND PROTO [PREV -> ]STATE\n"
		"       [REASON[/ERROR]] LOCAL -> REMOTE sent N received N\n"
		"The objects present at the start are not printed. Ends on SIGINT or\n"
		"SIGTERM (status 0).\n\n"
		"Exit status: 0, 64 usage, 71 when the module is not (or no longer)\n"
		"loaded, 77 when not root.\n");
}

static int obj_cmp(const void *a, const void *b)
{
	const struct proc_obj *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

static int obj_changed(const struct proc_obj *a, const struct proc_obj *b)
{
	return strcmp(a->state, b->state) || strcmp(a->reason, b->reason) ||
	       a->error != b->error || strcmp(a->local, b->local) ||
	       strcmp(a->remote, b->remote) || strcmp(a->proto, b->proto);
}

static void watch_print(const char *event, const struct proc_obj *o,
			const struct proc_obj *prev)
{
	struct timeval tv;
	char reason[64], when[32];
	struct json j;
	struct tm tm;

	gettimeofday(&tv, NULL);
	if (json_mode) {
		json_begin(&j, stdout);
		json_str(&j, "event", event);
		json_time(&j, "time", (long long)tv.tv_sec, (long)tv.tv_usec);
		json_str(&j, "prev_state", prev ? prev->state : NULL);
		proc_json(&j, o);
		json_end(&j);
		return;
	}
	localtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("%s.%03ld %-5s  id %lu pid %ld/%s %s ", when,
	       (long)tv.tv_usec / 1000, event, o->id, o->pid, o->comm, o->proto);
	if (prev)
		printf("%s -> ", prev->state);
	printf("%s", o->state);
	if (strcmp(o->reason, "-")) {
		proc_reason(o, reason, sizeof(reason));
		printf(" %s", reason);
	}
	printf(" %s -> %s sent %llu received %llu\n", o->local, o->remote,
	       o->sent, o->received);
	fflush(stdout);
}

static int watch_sleep(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	return nanosleep(&ts, NULL);
}

int cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct proc_obj *old = NULL, *cur = NULL;
	size_t nold = 0, ncur = 0, i, k;
	unsigned int interval = 100, pid = 0, count = 0, lines = 0;
	int opt, ret, has_pid = 0, first = 1;
	struct sigaction sa;

	while ((opt = getopt_long(argc, argv, "i:p:n:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (uint_arg(optarg, &interval) || interval < 10) {
				errorf("bad interval '%s' for -i (milliseconds, at "
				       "least 10)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			if (uint_arg(optarg, &pid) || !pid) {
				errorf("bad process id '%s' for -p", optarg);
				return EXIT_USAGE;
			}
			has_pid = 1;
			break;
		case 'n':
			if (uint_arg(optarg, &count) || !count) {
				errorf("bad count '%s' for -n (a number of lines, "
				       "at least 1)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'J':
			break;
		case 'h':
			watch_usage(stdout);
			return EXIT_OK;
		default:
			return bad_option(watch_usage);
		}
	}
	if (optind != argc) {
		errorf("watch: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watch_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	while (!watch_stop) {
		ret = proc_read(&cur, &ncur);
		if (ret < 0) {
			free(old);
			return err_proc("watch", ret);
		}
		if (has_pid) {
			for (i = k = 0; i < ncur; i++)
				if (cur[i].pid == (long)pid)
					cur[k++] = cur[i];
			ncur = k;
		}
		qsort(cur, ncur, sizeof(*cur), obj_cmp);
		/*
		 * Both sorted by (pid, id): one merge walk. Ids are unique
		 * per file, so two files of one process can share an id; such
		 * a pair is told apart by its order in the file only.
		 */
		for (i = k = 0; i < ncur || k < nold;) {
			int c = i == ncur ? 1 : k == nold ? -1 :
				obj_cmp(&cur[i], &old[k]);

			if (c < 0) {
				proc_comm(cur[i].pid, cur[i].comm, sizeof(cur[i].comm));
				if (!first) {
					watch_print("new", &cur[i], NULL);
					lines++;
				}
				i++;
			} else if (c > 0) {
				watch_print("gone", &old[k], NULL);
				lines++;
				k++;
			} else {
				memcpy(cur[i].comm, old[k].comm, sizeof(cur[i].comm));
				if (obj_changed(&cur[i], &old[k])) {
					watch_print("state", &cur[i], &old[k]);
					lines++;
				}
				i++;
				k++;
			}
			if (count && lines >= count)
				break;
		}
		free(old);
		old = cur;
		nold = ncur;
		cur = NULL;
		first = 0;
		if (count && lines >= count)
			break;
		if (watch_sleep(interval) < 0 && errno != EINTR)
			break;
	}
	free(old);
	return EXIT_OK;
}
