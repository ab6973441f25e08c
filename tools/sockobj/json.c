// SPDX-License-Identifier: MIT
/*
 * --json: one JSON object per line (JSON Lines), written member by member.
 *
 * Strings are escaped as RFC 8259 asks (quote, backslash, control
 * characters); every byte outside printable ASCII is written as \u00XX,
 * so that a line stays valid UTF-8 whatever a process name or a resolver
 * gave us. A line is flushed as soon as it is complete, so that a reader
 * of a stream (connect -v, probe, watch) gets each record at once.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static void json_sep(struct json *j, const char *key)
{
	if (j->members++)
		fputc(',', j->f);
	json_string(j->f, key);
	fputc(':', j->f);
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p > 0x7e)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
			break;
		}
	}
	fputc('"', f);
}

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->members = 0;
	fputc('{', f);
}

void json_end(struct json *j)
{
	fputs("}\n", j->f);
	fflush(j->f);
}

/* A string member; NULL is written as null. */
void json_str(struct json *j, const char *key, const char *val)
{
	json_sep(j, key);
	if (val)
		json_string(j->f, val);
	else
		fputs("null", j->f);
}

void json_strf(struct json *j, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_str(j, key, buf);
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
	json_sep(j, key);
	fprintf(j->f, "%llu", v);
}

void json_int(struct json *j, const char *key, long long v)
{
	json_sep(j, key);
	fprintf(j->f, "%lld", v);
}

/* Milliseconds with microsecond precision. */
void json_ms(struct json *j, const char *key, double ms)
{
	json_sep(j, key);
	fprintf(j->f, "%.3f", ms);
}

void json_bool(struct json *j, const char *key, int v)
{
	json_sep(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_sep(j, key);
	fputs("null", j->f);
}

/* An array of @n strings. */
void json_strv(struct json *j, const char *key, const char *const *v, size_t n)
{
	size_t i;

	json_sep(j, key);
	fputc('[', j->f);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', j->f);
		json_string(j->f, v[i]);
	}
	fputc(']', j->f);
}

/*
 * An errno as two members: "errno" (the number, 0 for none) and @key (its
 * name, e.g. "ECONNREFUSED", or null for none).
 */
void json_errno(struct json *j, const char *key, int e)
{
	json_int(j, "errno", e);
	if (e && strerrorname_np(e))
		json_str(j, key, strerrorname_np(e));
	else
		json_null(j, key);
}

/* A wall-clock time as seconds since the epoch, to the microsecond. */
void json_time(struct json *j, const char *key, long long sec, long usec)
{
	json_sep(j, key);
	fprintf(j->f, "%lld.%06ld", sec, usec);
}
