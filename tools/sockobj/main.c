// SPDX-License-Identifier: MIT
/*
 * sockobj: the command-line tool over libsockobj.
 *
 *   sockobj api                       what the loaded module offers
 *   sockobj connect [options] HOST PORT
 *                                     a netcat-like client: stdin to the
 *                                     connection, the connection to stdout
 *   sockobj stat                      every object of this network namespace,
 *                                     from /proc/net/sockobj (root)
 *   sockobj probe [options] HOST PORT...
 *                                     active opens to many ports at once,
 *                                     each one's outcome and time
 *
 * Everything goes through libsockobj; the only other interface read is
 * the module's /proc/net/sockobj text file (stat). Each subcommand is in its
 * own file; this one dispatches.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sockobj.h>

#include "cmd.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
};

void err(const char *what, int e)
{
	fprintf(stderr, PROG ": %s: %s\n", what, sockobj_strerror(e));
}

/*
 * A failed sockobj_open(): the module missing is the common case and gets
 * a plain sentence, not "No such file or directory". Returns the exit
 * status.
 */
int err_open(int e)
{
	switch (-e) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		fprintf(stderr, PROG ": " DEV_PATH " not found: is the "
			"sockobj module loaded?\n");
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr, PROG ": cannot open " DEV_PATH ": %s "
			"(root only, or the group the udev rule names)\n",
			sockobj_strerror(e));
		break;
	default:
		err("cannot open " DEV_PATH, e);
		break;
	}
	return EXIT_SYSTEM;
}

/*
 * A port argument: a decimal number from 1 to 65535, or with @name_ok a
 * service name for the resolver. Anything strtoul() would read whole as a
 * number ("99999", "-1", " 80", "") must be such a port: getaddrinfo()
 * would truncate it to 16 bits. Returns the port, 0 for a name, or -1.
 */
int port_arg(const char *s, int name_ok)
{
	unsigned long v;
	const char *p;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return name_ok ? 0 : -1;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	if (!*s || errno || !v || v > 65535)
		return -1;
	return (int)v;
}

/* A decimal option value up to UINT_MAX: 0, or -1 when it is not one. */
int uint_arg(const char *s, unsigned int *v)
{
	unsigned long n;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*end || errno || n > UINT_MAX)
		return -1;
	*v = (unsigned int)n;
	return 0;
}

double ms_since(uint64_t from, uint64_t to)
{
	return to > from ? (double)(to - from) / 1e6 : 0.0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const struct command commands[] = {
	{ "api", cmd_api, "show the loaded module's API version and limits" },
	{ "connect", cmd_connect, "a netcat-like client: stdin to a connection, it to stdout" },
	{ "stat", cmd_stat, "list every sock object of this network namespace (root)" },
	{ "probe", cmd_probe, "open many connections at once and report each outcome" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: " PROG " [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].description);
	fprintf(f, "\n'" PROG " COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf(PROG " %s (libsockobj %d.%d)\n", SOCKOBJ_VERSION,
		       SOCKOBJ_LIB_VERSION_MAJOR, SOCKOBJ_LIB_VERSION_MINOR);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, PROG ": unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
