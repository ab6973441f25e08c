/* SPDX-License-Identifier: MIT */
/*
 * What the subcommands of the sockobj command share: the program name, the
 * exit statuses, error reporting, argument parsing and the clock.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef SOCKOBJ_CMD_H
#define SOCKOBJ_CMD_H

#include <stdint.h>

#define PROG "sockobj"
#define DEV_PATH "/dev/" SOCKOBJ_DEVICE_NAME

/* Exit statuses (documented in the usage texts and sockobj(8)). */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_ANY = 1,	/* probe: a target did not open; connect: other */
	EXIT_NAME = 2,		/* HOST does not resolve */
	EXIT_REFUSED = 3,	/* connect: refused (TCP RST, ICMP port unreachable) */
	EXIT_TIMEOUT = 4,	/* connect: connect, retransmission or idle timeout */
	EXIT_UNREACH = 5,	/* connect: host or network unreachable */
	EXIT_RESET = 6,		/* connect: reset by the peer */
	EXIT_USAGE = 64,
	EXIT_SYSTEM = 71,	/* the device or the module failed us */
	EXIT_OUTPUT = 74,	/* connect: stdout did not take every byte received */
	EXIT_NOPERM = 77,	/* stat: /proc/net/sockobj is root's */
};

void err(const char *what, int e);
int err_open(int e);
int port_arg(const char *s, int name_ok);
int uint_arg(const char *s, unsigned int *v);
uint64_t now_ns(void);
double ms_since(uint64_t from, uint64_t to);

/* The subcommands: argv[0] is the subcommand's name; return an exit status. */
int cmd_api(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_probe(int argc, char **argv);

#endif /* SOCKOBJ_CMD_H */
