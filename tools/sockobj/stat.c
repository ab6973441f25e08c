// SPDX-License-Identifier: MIT
/*
 * sockobj stat: every object of this network namespace, from /proc/net/sockobj
 * (root of the namespace).
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sockobj.h>

#include "cmd.h"

static void stat_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " stat [--json]\n\n"
		"List every sock object of every process, from " PROC_PATH " (like ss):\n"
		"id, owner pid and command, protocol, state, close reason (with the\n"
		"error), local and remote address, bytes sent and received.\n"
		PROC_PATH " is readable by root only: it shows every user's connections.\n\n"
		"  --json      one JSON object per object: id, pid, command, proto, state,\n"
		"              reason (null when not closed), errno and error (its name),\n"
		"              local, remote (null when none), sent, received\n\n"
		"Exit status: 0, 71 when the module is not loaded, 77 when not root.\n");
}

#define STAT_COLS	9

static const char *const stat_heads[STAT_COLS] = {
	"ID", "PID/COMMAND", "PROTO", "STATE", "REASON", "LOCAL", "REMOTE",
	"SENT", "RECEIVED",
};

struct stat_row {
	char col[STAT_COLS][80];
};

static void stat_row(const struct proc_obj *o, struct stat_row *r)
{
	snprintf(r->col[0], sizeof(r->col[0]), "%lu", o->id);
	snprintf(r->col[1], sizeof(r->col[1]), "%ld/%s", o->pid, o->comm);
	snprintf(r->col[2], sizeof(r->col[2]), "%s", o->proto);
	snprintf(r->col[3], sizeof(r->col[3]), "%s", o->state);
	proc_reason(o, r->col[4], sizeof(r->col[4]));
	snprintf(r->col[5], sizeof(r->col[5]), "%s", o->local);
	snprintf(r->col[6], sizeof(r->col[6]), "%s", o->remote);
	snprintf(r->col[7], sizeof(r->col[7]), "%llu", o->sent);
	snprintf(r->col[8], sizeof(r->col[8]), "%llu", o->received);
}

int cmd_stat(int argc, char **argv)
{
	struct proc_obj *objs = NULL;
	struct stat_row *rows;
	size_t n = 0, w[STAT_COLS], i, j;
	struct json js;
	int ret, k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
			stat_usage(stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[k], "--json")) {
			errorf("stat: unknown argument '%s'", argv[k]);
			if (!json_mode)
				stat_usage(stderr);
			return EXIT_USAGE;
		}
	}
	ret = proc_read(&objs, &n);
	if (ret < 0)
		return err_proc("stat", ret);
	for (i = 0; i < n; i++)
		proc_comm(objs[i].pid, objs[i].comm, sizeof(objs[i].comm));
	if (json_mode) {
		for (i = 0; i < n; i++) {
			json_begin(&js, stdout);
			proc_json(&js, &objs[i]);
			json_end(&js);
		}
		free(objs);
		return EXIT_OK;
	}
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		free(objs);
		return EXIT_SYSTEM;
	}
	for (i = 0; i < n; i++)
		stat_row(&objs[i], &rows[i]);
	free(objs);

	for (j = 0; j < STAT_COLS; j++)
		w[j] = strlen(stat_heads[j]);
	for (i = 0; i < n; i++)
		for (j = 0; j < STAT_COLS; j++)
			if (strlen(rows[i].col[j]) > w[j])
				w[j] = strlen(rows[i].col[j]);
	for (j = 0; j < STAT_COLS; j++)
		printf(j >= 7 ? "%*s%s" : "%-*s%s", (int)w[j], stat_heads[j],
		       j + 1 < STAT_COLS ? "  " : "\n");
	for (i = 0; i < n; i++)
		for (j = 0; j < STAT_COLS; j++)
			printf(j >= 7 ? "%*s%s" : "%-*s%s", (int)w[j], rows[i].col[j],
			       j + 1 < STAT_COLS ? "  " : "\n");
	if (!n)
		printf("(no sock object)\n");
	free(rows);
	return EXIT_OK;
}
