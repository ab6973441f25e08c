// SPDX-License-Identifier: MIT
/*
 * /proc/net/sockobj, read whole: stat lists it, watch compares two reads.
 * The file is the module's one view of other processes' objects; its
 * format (first line "id pid proto state reason error local remote sent
 * received", then one line per object) is in kmod/proc.c.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sockobj.h>

#include "cmd.h"

/* An address column: "-" stays, else as the library formats it. */
static void proc_addr(const char *s, char *buf, size_t len)
{
	struct sockobj_addr a;

	if (strcmp(s, "-") && sockobj_addr_parse(&a, s) == 0)
		sockobj_addr_format(&a, buf, len);
	else
		snprintf(buf, len, "%s", s);
}

static int proc_parse(char *line, struct proc_obj *o)
{
	char *f[10], *save = NULL, *tok, *end;
	int n = 0;

	for (tok = strtok_r(line, " \t\n", &save); tok && n < 10;
	     tok = strtok_r(NULL, " \t\n", &save))
		f[n++] = tok;
	if (n != 10 || tok)
		return -1;
	memset(o, 0, sizeof(*o));
	o->id = strtoul(f[0], &end, 10);
	if (*end)
		return -1;
	o->pid = strtol(f[1], &end, 10);
	if (*end)
		return -1;
	snprintf(o->proto, sizeof(o->proto), "%s", f[2]);
	snprintf(o->state, sizeof(o->state), "%s", f[3]);
	snprintf(o->reason, sizeof(o->reason), "%s", f[4]);
	o->error = atoi(f[5]);
	proc_addr(f[6], o->local, sizeof(o->local));
	proc_addr(f[7], o->remote, sizeof(o->remote));
	o->sent = strtoull(f[8], NULL, 10);
	o->received = strtoull(f[9], NULL, 10);
	return 0;
}

/*
 * Reads every object into *objsp (*np of them; free() it). Returns 0, or
 * -errno of the open (-EACCES: not root; -ENOENT: no module), -EPROTO for
 * a header this command does not know, -ENOMEM.
 */
int proc_read(struct proc_obj **objsp, size_t *np)
{
	struct proc_obj *objs = NULL, *o;
	size_t n = 0, cap = 0;
	char line[512];
	FILE *f;

	f = fopen(PROC_PATH, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) || strncmp(line, "id pid proto ", 13)) {
		fclose(f);
		return -EPROTO;
	}
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			o = realloc(objs, cap * sizeof(*objs));
			if (!o) {
				fclose(f);
				free(objs);
				return -ENOMEM;
			}
			objs = o;
		}
		if (proc_parse(line, &objs[n]) == 0)
			n++;
	}
	fclose(f);
	*objsp = objs;
	*np = n;
	return 0;
}

/* The command of process @pid ("?" once it is gone). */
void proc_comm(long pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* The error column: "REASON" or "REASON/ENAME". */
void proc_reason(const struct proc_obj *o, char *buf, size_t len)
{
	if (o->error && strerrorname_np(o->error))
		snprintf(buf, len, "%s/%s", o->reason, strerrorname_np(o->error));
	else
		snprintf(buf, len, "%s", o->reason);
}

/* The members of one object, for stat --json and watch --json. */
void proc_json(struct json *j, const struct proc_obj *o)
{
	json_uint(j, "id", o->id);
	json_int(j, "pid", o->pid);
	json_str(j, "command", o->comm);
	json_str(j, "proto", o->proto);
	json_str(j, "state", o->state);
	json_str(j, "reason", strcmp(o->reason, "-") ? o->reason : NULL);
	json_errno(j, "error", o->error);
	json_str(j, "local", strcmp(o->local, "-") ? o->local : NULL);
	json_str(j, "remote", strcmp(o->remote, "-") ? o->remote : NULL);
	json_uint(j, "sent", o->sent);
	json_uint(j, "received", o->received);
}
