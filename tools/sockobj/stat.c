// SPDX-License-Identifier: MIT
/*
 * sockobj stat: every object of this network namespace, from /proc/net/sockobj
 * (root of the namespace).
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sockobj.h>

#include "cmd.h"

#define PROC_PATH	"/proc/net/sockobj"

static void stat_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " stat\n\n"
		"List every sock object of every process, from " PROC_PATH " (like ss):\n"
		"id, owner pid and command, protocol, state, close reason (with the\n"
		"error), local and remote address, bytes sent and received.\n"
		PROC_PATH " is readable by root only: it shows every user's connections.\n\n"
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

static void pid_command(const char *pid, char *buf, size_t len)
{
	char path[64], comm[32] = "?";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(buf, len, "%s/%s", pid, comm);
}

/* One line of /proc/net/sockobj: id pid proto state reason error local remote sent received */
static int stat_parse(char *line, struct stat_row *row)
{
	char *f[10], *save = NULL, *tok;
	struct sockobj_addr a;
	int n = 0, e;

	for (tok = strtok_r(line, " \t\n", &save); tok && n < 10;
	     tok = strtok_r(NULL, " \t\n", &save))
		f[n++] = tok;
	if (n != 10 || tok)
		return -1;
	snprintf(row->col[0], sizeof(row->col[0]), "%s", f[0]);
	pid_command(f[1], row->col[1], sizeof(row->col[1]));
	snprintf(row->col[2], sizeof(row->col[2]), "%s", f[2]);
	snprintf(row->col[3], sizeof(row->col[3]), "%s", f[3]);
	e = atoi(f[5]);
	if (e && strerrorname_np(e))
		snprintf(row->col[4], sizeof(row->col[4]), "%s/%s", f[4],
			 strerrorname_np(e));
	else
		snprintf(row->col[4], sizeof(row->col[4]), "%s", f[4]);
	/* The addresses as the library formats them (same as the module's). */
	if (strcmp(f[6], "-") && sockobj_addr_parse(&a, f[6]) == 0)
		sockobj_addr_format(&a, row->col[5], sizeof(row->col[5]));
	else
		snprintf(row->col[5], sizeof(row->col[5]), "%s", f[6]);
	if (strcmp(f[7], "-") && sockobj_addr_parse(&a, f[7]) == 0)
		sockobj_addr_format(&a, row->col[6], sizeof(row->col[6]));
	else
		snprintf(row->col[6], sizeof(row->col[6]), "%s", f[7]);
	snprintf(row->col[7], sizeof(row->col[7]), "%s", f[8]);
	snprintf(row->col[8], sizeof(row->col[8]), "%s", f[9]);
	return 0;
}

int cmd_stat(int argc, char **argv)
{
	struct stat_row *rows = NULL, *r;
	size_t n = 0, cap = 0, w[STAT_COLS], i, j;
	char line[512];
	FILE *f;
	int e;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			stat_usage(stdout);
			return EXIT_OK;
		}
		stat_usage(stderr);
		return EXIT_USAGE;
	}
	f = fopen(PROC_PATH, "re");
	if (!f) {
		e = errno;
		if (e == EACCES || e == EPERM) {
			fprintf(stderr, PROG " stat: " PROC_PATH " is readable by root "
				"only (it lists every user's connections): run as root\n");
			return EXIT_NOPERM;
		}
		if (e == ENOENT)
			fprintf(stderr, PROG ": " PROC_PATH " not found: is the "
				"sockobj module loaded?\n");
		else
			fprintf(stderr, PROG " stat: cannot open " PROC_PATH ": %s\n",
				strerror(e));
		return EXIT_SYSTEM;
	}
	if (!fgets(line, sizeof(line), f) || strncmp(line, "id pid proto ", 13)) {
		fprintf(stderr, PROG " stat: " PROC_PATH " has an unknown format\n");
		fclose(f);
		return EXIT_SYSTEM;
	}
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			r = realloc(rows, cap * sizeof(*rows));
			if (!r) {
				fclose(f);
				free(rows);
				return EXIT_SYSTEM;
			}
			rows = r;
		}
		if (stat_parse(line, &rows[n]) == 0)
			n++;
	}
	fclose(f);

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
