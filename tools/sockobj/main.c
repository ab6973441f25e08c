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
 *   sockobj probe [options] HOST PORTS...
 *   sockobj probe [options] -p PORTS HOST...
 *                                     active opens to many ports of many
 *                                     hosts, each one's outcome and time
 *   sockobj watch [options]           changes of every object of this
 *                                     network namespace, from
 *                                     /proc/net/sockobj polled (root)
 *
 * Every subcommand takes --json: one JSON object per line (json.c).
 *
 * Everything goes through libsockobj; the only other interface read is
 * the module's /proc/net/sockobj text file (stat, watch). Each subcommand
 * is in its own file; this one dispatches.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
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

int json_mode;

/*
 * A message for stderr: "sockobj: TEXT", or with --json the object
 * {"error":"TEXT"}, so that stderr stays JSON Lines too.
 */
void errorf(const char *fmt, ...)
{
	struct json j;
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!json_mode) {
		fprintf(stderr, PROG ": %s\n", buf);
		return;
	}
	json_begin(&j, stderr);
	json_str(&j, "error", buf);
	json_end(&j);
}

void err(const char *what, int e)
{
	errorf("%s: %s", what, sockobj_strerror(e));
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
		errorf(DEV_PATH " not found: is the sockobj module loaded?");
		break;
	case EACCES:
	case EPERM:
		errorf("cannot open " DEV_PATH ": %s (root only, or the group "
		       "the udev rule names)", sockobj_strerror(e));
		break;
	default:
		err("cannot open " DEV_PATH, e);
		break;
	}
	return EXIT_SYSTEM;
}

/*
 * getopt() refused an option: the usage text, or with --json (where
 * getopt() itself stays quiet) one message. Returns the exit status.
 */
int bad_option(void (*usage)(FILE *f))
{
	if (json_mode)
		errorf("unknown option or missing argument (see --help)");
	else
		usage(stderr);
	return EXIT_USAGE;
}

/*
 * Arguments the command cannot take (@what says how): the usage text, or
 * with --json one message. Returns the exit status.
 */
int bad_args(void (*usage)(FILE *f), const char *what)
{
	if (json_mode)
		errorf("%s (see --help)", what);
	else
		usage(stderr);
	return EXIT_USAGE;
}

/*
 * A failed open of /proc/net/sockobj by @cmd (stat, watch): not root, or
 * no module. Returns the exit status.
 */
int err_proc(const char *cmd, int e)
{
	switch (-e) {
	case EACCES:
	case EPERM:
		errorf("%s: " PROC_PATH " is readable by root only (it lists "
		       "every user's connections): run as root", cmd);
		return EXIT_NOPERM;
	case ENOENT:
		errorf(PROC_PATH " not found: is the sockobj module loaded?");
		return EXIT_SYSTEM;
	case EPROTO:
		errorf("%s: " PROC_PATH " has an unknown format", cmd);
		return EXIT_SYSTEM;
	default:
		errorf("%s: cannot read " PROC_PATH ": %s", cmd, strerror(-e));
		return EXIT_SYSTEM;
	}
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
	{ "listen", cmd_listen, "netcat -l: wait for one connection, then as connect" },
	{ "stat", cmd_stat, "list every sock object of this network namespace (root)" },
	{ "probe", cmd_probe, "open many connections at once and report each outcome" },
	{ "watch", cmd_watch, "print the changes of every sock object as they happen (root)" },
};

/*
 * --json among the subcommand's arguments, before a "--" that ends the
 * options: set before the subcommand runs, so that even its first
 * complaint about an argument is a JSON object.
 */
static int wants_json(int argc, char **argv)
{
	int i;

	for (i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			return 1;
	return 0;
}

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
	json_mode = wants_json(argc, argv);
	opterr = !json_mode;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	errorf("unknown command '%s'", argv[1]);
	if (!json_mode)
		usage(stderr);
	return EXIT_USAGE;
}
