/* SPDX-License-Identifier: MIT */
/*
 * What the subcommands of the sockobj command share: the program name, the
 * exit statuses, error reporting, argument parsing and the clock.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef SOCKOBJ_CMD_H
#define SOCKOBJ_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROG "sockobj"
#define DEV_PATH "/dev/" SOCKOBJ_DEVICE_NAME
#define PROC_PATH "/proc/net/sockobj"

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

/*
 * --json anywhere among a subcommand's options (main.c looks before the
 * subcommand parses them): every line the command writes, stdout and
 * stderr, is then one JSON object (json.c), messages included.
 */
extern int json_mode;

void err(const char *what, int e);
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int err_open(int e);
int bad_option(void (*usage)(FILE *f));
int bad_args(void (*usage)(FILE *f), const char *what);
int err_proc(const char *cmd, int e);
int port_arg(const char *s, int name_ok);
int uint_arg(const char *s, unsigned int *v);
uint64_t now_ns(void);
double ms_since(uint64_t from, uint64_t to);

/* JSON Lines output (json.c): json_begin(), members, json_end(). */
struct json {
	FILE *f;
	int members;
};

void json_string(FILE *f, const char *s);
void json_begin(struct json *j, FILE *f);
void json_end(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_strf(struct json *j, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_int(struct json *j, const char *key, long long v);
void json_ms(struct json *j, const char *key, double ms);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
void json_strv(struct json *j, const char *key, const char *const *v, size_t n);
void json_errno(struct json *j, const char *key, int e);
void json_time(struct json *j, const char *key, long long sec, long usec);

/* One line of /proc/net/sockobj (proc.c); comm is filled by proc_comm(). */
struct proc_obj {
	unsigned long id;
	long pid;
	char comm[32];
	char proto[8];
	char state[24];
	char reason[32];		/* "-" when not CLOSED nor RETRY_WAIT */
	int error;
	char local[72];			/* SOCKOBJ_ADDRSTRLEN, or "-" */
	char remote[72];
	unsigned long long sent, received;
};

int proc_read(struct proc_obj **objsp, size_t *np);
void proc_comm(long pid, char *buf, size_t len);
void proc_reason(const struct proc_obj *o, char *buf, size_t len);
void proc_json(struct json *j, const struct proc_obj *o);

/* The subcommands: argv[0] is the subcommand's name; return an exit status. */
int cmd_api(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif /* SOCKOBJ_CMD_H */
