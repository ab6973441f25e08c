// SPDX-License-Identifier: MIT
/*
 * sockobj-bench: timing, statistics, namespaces, JSON.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

int verbose;
double tsc_per_ns = 1.0;
struct json J;

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("sockobj-bench: FATAL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void warnx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("sockobj-bench: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void vlog(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void table_row(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void tsc_calibrate(void)
{
	uint64_t t0 = now_ns(), c0 = rdtsc(), t1, c1;

	sleep_ms(200);
	t1 = now_ns();
	c1 = rdtsc();
	tsc_per_ns = (double)(c1 - c0) / (double)(t1 - t0);
	vlog("TSC: %.4f ticks/ns", tsc_per_ns);
}

void pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || sysconf(_SC_NPROCESSORS_ONLN) <= cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		warnx("cannot pin to CPU %d", cpu);
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void raise_nofile(unsigned long n)
{
	struct rlimit rl = { n, n };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE, %lu): %s", n, strerror(errno));
}

void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl O_NONBLOCK: %s", strerror(errno));
}

int run_cmd(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	vlog("+ %s", cmd);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int enter_netns(const char *name)
{
	char path[256];
	int fd, ret;

	if (!name)
		return 0;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	if (ret)
		die("setns %s: %s", name, strerror(errno));
	return 0;
}

unsigned int xrand(void)
{
	static uint64_t s = 88172645463325252ull;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (unsigned int)(s >> 11);
}

int ep_wait(int epfd, void *evs, int max, int ms)
{
	int n;

	do {
		n = epoll_wait(epfd, evs, max, ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		die("epoll_wait: %s", strerror(errno));
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile(const double *s, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)pos;
	double f = pos - i;

	if (i + 1 >= n)
		return s[n - 1];
	return s[i] * (1 - f) + s[i + 1] * f;
}

void stats(const double *v, int n, struct summary *st)
{
	double *s;
	double sum = 0;
	int i;

	memset(st, 0, sizeof(*st));
	if (n <= 0) {
		st->median = st->min = st->max = st->q1 = st->q3 = st->p99 = NAN;
		return;
	}
	s = malloc(n * sizeof(*s));
	if (!s)
		die("malloc");
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	for (i = 0; i < n; i++)
		sum += s[i];
	st->n = n;
	st->min = s[0];
	st->max = s[n - 1];
	st->median = quantile(s, n, 0.5);
	st->q1 = quantile(s, n, 0.25);
	st->q3 = quantile(s, n, 0.75);
	st->p99 = quantile(s, n, 0.99);
	st->mean = sum / n;
	free(s);
}

void settle(void)
{
	sleep_ms(SETTLE_MS);
}

/* P(Bin(n, 1/2) <= k) */
static double binom_cdf_half(int n, int k)
{
	double term = ldexp(1.0, -n), sum = 0;
	int i;

	for (i = 0; i <= k; i++) {
		sum += term;
		term = term * (n - i) / (i + 1);
	}
	return sum;
}

void ratio_ci(const double *r, int n, struct ci *c)
{
	double *s;
	int k;

	memset(c, 0, sizeof(*c));
	c->n = n;
	if (n <= 0) {
		c->median = c->lo = c->hi = NAN;
		return;
	}
	s = malloc(n * sizeof(*s));
	if (!s)
		die("malloc");
	memcpy(s, r, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	c->median = quantile(s, n, 0.5);
	/* k: 1-based rank; the tail below rank k is P(Bin <= k - 1). */
	for (k = 1; k < (n + 1) / 2 && binom_cdf_half(n, k) <= 0.025; k++)
		;
	c->lo = s[k - 1];
	c->hi = s[n - k];
	c->conf = 1.0 - 2.0 * binom_cdf_half(n, k - 1);
	free(s);
}

const char *ci_str(const struct ci *c, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f [%.2f..%.2f]", c->median, c->lo, c->hi);
	return buf;
}

/* ------------------------------------------------------------------ JSON */

static void json_sep(struct json *j)
{
	if (j->f)
		fputs(", ", j->f);
}

static void json_key(struct json *j, const char *key)
{
	json_sep(j);
	fprintf(j->f, "\"%s\": ", key);
}

static void json_double(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.6g", v);
}

void json_open(struct json *j, const char *path)
{
	j->nrec = 0;
	j->f = NULL;
	if (!path)
		return;
	j->f = fopen(path, "w");
	if (!j->f)
		die("cannot write %s: %s", path, strerror(errno));
	fputs("{\"results\": [\n", j->f);
}

void json_begin(struct json *j, const char *kind)
{
	if (!j->f)
		return;
	fprintf(j->f, "%s  {\"test\": \"%s\"", j->nrec ? ",\n" : "", kind);
	j->nrec++;
}

void json_str(struct json *j, const char *key, const char *val)
{
	if (!j->f)
		return;
	json_key(j, key);
	fprintf(j->f, "\"%s\"", val);
}

void json_num(struct json *j, const char *key, double val)
{
	if (!j->f)
		return;
	json_key(j, key);
	json_double(j->f, val);
}

void json_int(struct json *j, const char *key, long long val)
{
	if (!j->f)
		return;
	json_key(j, key);
	fprintf(j->f, "%lld", val);
}

void json_stat(struct json *j, const char *key, const struct summary *s)
{
	if (!j->f)
		return;
	json_key(j, key);
	fprintf(j->f, "{\"n\": %d, \"median\": ", s->n);
	json_double(j->f, s->median);
	fputs(", \"min\": ", j->f);
	json_double(j->f, s->min);
	fputs(", \"max\": ", j->f);
	json_double(j->f, s->max);
	fputs(", \"q1\": ", j->f);
	json_double(j->f, s->q1);
	fputs(", \"q3\": ", j->f);
	json_double(j->f, s->q3);
	fputs(", \"p99\": ", j->f);
	json_double(j->f, s->p99);
	fputs("}", j->f);
}

void json_samples(struct json *j, const char *key, const double *v, int n)
{
	int i;

	if (!j->f)
		return;
	json_key(j, key);
	fputc('[', j->f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", j->f);
		json_double(j->f, v[i]);
	}
	fputc(']', j->f);
}

void json_ci(struct json *j, const char *key, const struct ci *c)
{
	if (!j->f)
		return;
	json_key(j, key);
	fprintf(j->f, "{\"n\": %d, \"median\": ", c->n);
	json_double(j->f, c->median);
	fputs(", \"lo\": ", j->f);
	json_double(j->f, c->lo);
	fputs(", \"hi\": ", j->f);
	json_double(j->f, c->hi);
	fputs(", \"conf\": ", j->f);
	json_double(j->f, c->conf);
	fputs("}", j->f);
}

void json_orders(struct json *j, const char *key, const char *const *names, const bool *use,
		 int nmeth, int reps)
{
	int r, k, first;

	if (!j->f)
		return;
	json_key(j, key);
	fputc('[', j->f);
	for (r = 0; r < reps; r++) {
		fputs(r ? ", [" : "[", j->f);
		first = 1;
		for (k = 0; k < nmeth; k++) {
			int m = rot(k, r, nmeth);

			if (use && !use[m])
				continue;
			fprintf(j->f, "%s\"%s\"", first ? "" : ", ", names[m]);
			first = 0;
		}
		fputc(']', j->f);
	}
	fputc(']', j->f);
}

void json_end(struct json *j)
{
	if (j->f)
		fputc('}', j->f);
}

void json_close(struct json *j, const char *meta)
{
	if (!j->f)
		return;
	fprintf(j->f, "\n], \"meta\": %s}\n", meta);
	if (fclose(j->f))
		die("writing the JSON file failed");
	j->f = NULL;
}

bool point_match(const char *test, long n, const char *method)
{
	char t[16], meth[32] = "";
	long v = 0;
	int k;

	if (!O.point)
		return true;
	k = sscanf(O.point, "%15[a-z]:%ld:%31s", t, &v, meth);
	if (k < 2 || strcmp(t, test))
		return false;
	return v == n && (!method || k < 3 || !strcmp(meth, method));
}

static const char *wd_what = "";

static void wd_fire(int sig)
{
	char msg[200];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "sockobj-bench: FATAL: watchdog: no progress in %s\n",
		     wd_what);
	if (write(2, msg, (size_t)n) < 0)
		_exit(3);
	_exit(3);
}

void watchdog(const char *what, unsigned int sec)
{
	static bool installed;

	if (!installed) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = wd_fire;
		sigaction(SIGALRM, &sa, NULL);
		installed = true;
	}
	wd_what = what;
	/*
	 * In cost mode the guest's clock skips idle time: while the guest
	 * waits for the host (the serial console draining the table, 9p), the
	 * clock leaps by whole timer periods, and alarm() counts that time.
	 * Minutes of it can pass in a second of real work; vm-run's own
	 * timeout (host time) still catches a real hang.
	 */
	alarm(O.cost ? sec * 20 : sec);
}

/*
 * Profiling (profile.sh): perf record runs with its events disabled (-D -1)
 * and a control FIFO (--control fifo:CTL,ACK) whose paths profile.sh
 * passes in SOBENCH_PERF_CTL and SOBENCH_PERF_ACK. The benchmark enables
 * the events for exactly the timed sections and counts the operations
 * done in them, so the profile can be given per operation.
 */
static int perf_ctl = -1, perf_ack = -1;
static uint64_t prof_ops;

static void prof_cmd(const char *cmd)
{
	char ack[8];

	if (perf_ctl < 0)
		return;
	if (write(perf_ctl, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		die("perf control: %s", strerror(errno));
	/* the events are on (off) only once perf has acknowledged */
	if (read(perf_ack, ack, sizeof(ack)) <= 0)
		die("perf control: no acknowledgement");
}

void prof_init(void)
{
	const char *ctl = getenv("SOBENCH_PERF_CTL"), *ack = getenv("SOBENCH_PERF_ACK");

	if (!ctl || !ack)
		return;
	perf_ctl = open(ctl, O_WRONLY | O_CLOEXEC);
	perf_ack = open(ack, O_RDONLY | O_CLOEXEC);
	if (perf_ctl < 0 || perf_ack < 0)
		die("perf control FIFOs %s, %s: %s", ctl, ack, strerror(errno));
}

void prof_on(void)
{
	prof_cmd("enable\n");
}

void prof_off(uint64_t ops)
{
	prof_cmd("disable\n");
	prof_ops += ops;
}

void prof_report(void)
{
	if (perf_ctl >= 0)
		printf("profiled-ops: %llu\n", (unsigned long long)prof_ops);
}
