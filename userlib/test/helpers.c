// SPDX-License-Identifier: MIT
/*
 * Description: the helpers of the libsockobj tests, compiled once and
 * linked into every test program: running a case and counting results,
 * the module check and the network namespace of the cases that need
 * /dev/sockobj, listeners, TCP pairs and event printing.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static int n_pass, n_fail, n_skip;
static char skip_why[256];

int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_why, sizeof(skip_why), fmt, ap);
	va_end(ap);
	return T_EXIT_SKIP;
}

void t_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(120);	/* a hang is a failure, not a stuck CI job */
}

void t_run(const char *name, int (*fn)(void))
{
	int ret;

	skip_why[0] = '\0';
	fflush(stdout);
	ret = fn();
	switch (ret) {
	case T_EXIT_PASS:
		n_pass++;
		printf("ok   %s\n", name);
		break;
	case T_EXIT_SKIP:
		n_skip++;
		printf("skip %s: %s\n", name, skip_why);
		break;
	default:
		n_fail++;
		printf("FAIL %s\n", name);
		break;
	}
	fflush(stdout);
}

int t_exit(void)
{
	if (n_fail)
		return T_EXIT_FAIL;
	if (!n_pass && n_skip)
		return T_EXIT_SKIP;
	return T_EXIT_PASS;
}

int fmt_is(const struct sockobj_addr *a, const char *want)
{
	char buf[SOCKOBJ_ADDRSTRLEN];
	int n = sockobj_addr_format(a, buf, sizeof(buf));

	if (n < 0 || (size_t)n != strlen(want) || strcmp(buf, want)) {
		printf("    format gave %d \"%s\", expected \"%s\"\n", n,
		       n < 0 ? "" : buf, want);
		return 0;
	}
	return 1;
}

static int have_module = -1;	/* -1: not checked, 0: absent, 1: present */
static char module_why[128];

int need_module(void)
{
	return have_module == 1 ? T_EXIT_PASS : skip("%s", module_why);
}

int open_ctx(struct sockobj_ctx **ctxp, unsigned int flags)
{
	int ret = sockobj_open(ctxp, flags);

	if (ret < 0)
		printf("    sockobj_open: %s\n", sockobj_strerror(ret));
	return ret;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/*
 * Called before the cases that need /dev/sockobj: they skip without it.
 * With it, the program moves to a network namespace of its own
 * (unshare(CLONE_NEWNET), lo up) so that its listeners and closed ports
 * cannot meet anything else, and stays in the current namespace when it
 * may not create one.
 */
void module_setup(void)
{
	struct sockobj_ctx *ctx;
	int ret;

	ret = sockobj_open(&ctx, 0);
	if (ret < 0) {
		have_module = 0;
		snprintf(module_why, sizeof(module_why),
			 "/dev/%s unavailable (%s): module not loaded",
			 SOCKOBJ_DEVICE_NAME, sockobj_strerror(ret));
		return;
	}
	sockobj_close(ctx);
	have_module = 1;

	/* Contexts opened from now on work in the new namespace. */
	if (unshare(CLONE_NEWNET) < 0) {
		printf("note: unshare(CLONE_NEWNET): %s; using the current "
		       "network namespace\n", strerror(errno));
		return;
	}
	if (lo_up() < 0)
		printf("note: cannot bring lo up: %s\n", strerror(errno));
}

/* A listening TCP socket on the loopback address of family. */
int listener(int family, struct sockaddr_storage *ss, socklen_t *len,
	     int do_listen)
{
	int fd;

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
		*len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
		*len = sizeof(struct sockaddr_in6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)ss, *len) < 0 ||
	    (do_listen && listen(fd, 16) < 0) ||
	    getsockname(fd, (struct sockaddr *)ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

unsigned int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

int accept_wait(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	if (poll(&pfd, 1, WAIT_MS) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

void print_event(const char *what, const struct sockobj_event *ev)
{
	printf("    %s: id %u seq %llu %s %s -> %s reason %s phase %s error %d "
	       "merged %u\n", what, ev->id, (unsigned long long)ev->seq,
	       sockobj_event_type_name(ev->type),
	       sockobj_state_name(ev->prev_state),
	       sockobj_state_name(ev->state), sockobj_reason_name(ev->reason),
	       sockobj_state_name(ev->phase), ev->error, ev->merged);
}

int need_feature(uint64_t bit, const char *name)
{
	struct sockobj_ctx *ctx;
	struct sockobj_api api;
	int ret;

	if (need_module())
		return T_EXIT_SKIP;
	ret = sockobj_open(&ctx, 0);
	if (ret < 0)
		return skip("sockobj_open: %s", sockobj_strerror(ret));
	ret = sockobj_get_api(ctx, &api);
	sockobj_close(ctx);
	if (ret < 0)
		return skip("sockobj_get_api: %s", sockobj_strerror(ret));
	if (!(api.features & bit))
		return skip("the module has no %s", name);
	return T_EXIT_PASS;
}

int addr_is(const struct sockobj_addr *a,
	    const struct sockaddr_storage *ss, socklen_t len)
{
	struct sockobj_addr b;

	return sockobj_addr_from_sockaddr(&b, (const struct sockaddr *)ss,
					  len) == 0 &&
	       !memcmp(a, &b, sizeof(b));
}

/* A TCP object connected to a listener of lfd's; the peer end in *afd. */
int tcp_pair(struct sockobj_ctx *ctx, int lfd,
	     const struct sockaddr_storage *ss, socklen_t len,
	     uint64_t cookie, int *afd)
{
	struct sockobj_event ev;
	int id, ret;

	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, cookie);
	if (id < 0)
		return id;
	ret = sockobj_set_target(ctx, id, (const struct sockaddr *)ss, len);
	if (ret == 0)
		ret = sockobj_connect(ctx, id);
	if (ret == 0)
		ret = sockobj_wait_state(ctx, id,
				SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
				SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED),
				WAIT_MS, &ev);
	if (ret == 0 && ev.state != SOCKOBJ_STATE_ESTABLISHED)
		ret = -ECONNREFUSED;
	if (ret == 0) {
		*afd = accept_wait(lfd);
		if (*afd < 0)
			ret = -ETIMEDOUT;
	}
	if (ret < 0) {
		printf("    tcp_pair: %s\n", sockobj_strerror(ret));
		sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT);
		return ret;
	}
	return id;
}

/*
 * The next record of the context, from the library's queue or the fd;
 * 0 when none came within ms.
 */
int next_event(struct sockobj_ctx *ctx, struct sockobj_event *ev, int ms)
{
	return sockobj_wait_events(ctx, ev, 1, ms);
}

/*
 * A DNS server of the tests' own, for the lookups (dns_setup()): UDP on
 * 127.0.0.1:53 of the program's network namespace, answering
 *	fast.sockobj.test	AAAA ::1, A 127.0.0.1, at once
 *	slow.sockobj.test	the same, DNS_SLOW_MS late
 *	v4.sockobj.test		A 127.0.0.1 only
 *	fail.sockobj.test	SERVFAIL (a temporary failure)
 *	anything else		NXDOMAIN
 * Queries waiting for their slow answer do not hold the others up.
 */
#define DNS_PENDING	16

struct dns_pending {
	int64_t due;
	struct sockaddr_in from;
	size_t len;
	unsigned char buf[512];
};

static int64_t dns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The question's name in dotted form; its end in *qend. */
static int dns_qname(const unsigned char *q, size_t len, char *name,
		     size_t *qend)
{
	size_t i = 12, o = 0;

	while (i < len && q[i]) {
		size_t l = q[i++];

		if (l > 63 || i + l > len || o + l + 2 > 256)
			return -1;
		if (o)
			name[o++] = '.';
		memcpy(name + o, q + i, l);
		o += l;
		i += l;
	}
	if (i + 5 > len)
		return -1;
	name[o] = '\0';
	*qend = i + 5;	/* the root label, QTYPE, QCLASS */
	return 0;
}

static void dns_rr(unsigned char *r, size_t *n, unsigned int type,
		   const void *data, unsigned int dlen)
{
	unsigned char rr[12] = { 0xc0, 12, 0, (unsigned char)type, 0, 1,
				 0, 0, 0, 60, 0, (unsigned char)dlen };

	memcpy(r + *n, rr, sizeof(rr));
	memcpy(r + *n + sizeof(rr), data, dlen);
	*n += sizeof(rr) + dlen;
	r[7]++;		/* ANCOUNT, below 256 */
}

/* Turns the query in p->buf into its answer; returns its delay in ms. */
static int dns_answer(struct dns_pending *p)
{
	static const unsigned char a4[4] = { 127, 0, 0, 1 };
	unsigned char *r = p->buf;
	unsigned int qtype;
	char name[256];
	size_t qend;
	int delay = 0, rcode = 0;

	if (p->len < 12 || dns_qname(r, p->len, name, &qend) < 0 ||
	    r[4] || r[5] != 1)
		return -1;
	qtype = (unsigned int)r[qend - 4] << 8 | r[qend - 3];
	r[2] = 0x84 | (r[2] & 0x01);	/* QR, AA, the query's RD */
	r[3] = 0x80;			/* RA */
	memset(r + 6, 0, 6);		/* no answer, authority, additional */
	p->len = qend;
	if (!strcasecmp(name, "slow.sockobj.test"))
		delay = DNS_SLOW_MS;
	if (!strcasecmp(name, "fast.sockobj.test") || delay) {
		if (qtype == 28)
			dns_rr(r, &p->len, 28, &in6addr_loopback, 16);
		else if (qtype == 1)
			dns_rr(r, &p->len, 1, a4, 4);
	} else if (!strcasecmp(name, "v4.sockobj.test")) {
		if (qtype == 1)
			dns_rr(r, &p->len, 1, a4, 4);
	} else if (!strcasecmp(name, "fail.sockobj.test")) {
		rcode = 2;
	} else {
		rcode = 3;
	}
	r[3] |= rcode;
	return delay;
}

static void __attribute__((noreturn)) dns_serve(int fd)
{
	struct dns_pending pend[DNS_PENDING], in;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	socklen_t fl;
	int64_t now, next;
	ssize_t n;
	int i, delay, timeout;

	memset(pend, 0, sizeof(pend));
	for (;;) {
		now = dns_now();
		next = -1;
		for (i = 0; i < DNS_PENDING; i++) {
			if (!pend[i].due)
				continue;
			if (pend[i].due <= now) {
				sendto(fd, pend[i].buf, pend[i].len, 0,
				       (struct sockaddr *)&pend[i].from,
				       sizeof(pend[i].from));
				pend[i].due = 0;
			} else if (next < 0 || pend[i].due < next) {
				next = pend[i].due;
			}
		}
		timeout = next < 0 ? -1 : (int)(next - now);
		if (poll(&pfd, 1, timeout) <= 0)
			continue;
		fl = sizeof(in.from);
		n = recvfrom(fd, in.buf, sizeof(in.buf), 0,
			     (struct sockaddr *)&in.from, &fl);
		if (n <= 0)
			continue;
		in.len = (size_t)n;
		delay = dns_answer(&in);
		if (delay < 0)
			continue;
		if (!delay) {
			sendto(fd, in.buf, in.len, 0,
			       (struct sockaddr *)&in.from, sizeof(in.from));
			continue;
		}
		for (i = 0; i < DNS_PENDING && pend[i].due; i++)
			;
		if (i < DNS_PENDING) {
			pend[i] = in;
			pend[i].due = dns_now() + delay;
		}
	}
}

/* Bind-mounts a file of the given text over path, in our mount namespace. */
static int bind_text(const char *path, const char *text)
{
	char tmp[] = "/tmp/sockobj-dns.XXXXXX";
	int fd, ret;

	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	ret = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	if (!ret)
		ret = mount(tmp, path, NULL, MS_BIND, NULL);
	unlink(tmp);
	return ret;
}

/*
 * After module_setup(), in the program's network namespace: the DNS
 * server above in a child process, and the program's resolver pointed at
 * it alone (a mount namespace of its own, with /etc/resolv.conf and
 * /etc/nsswitch.conf bind-mounted over), before any lookup. Returns 0 or
 * skips with the reason (not root, no namespace).
 */
int dns_setup(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(53) };
	static int done;
	pid_t pid;
	int fd;

	if (done)
		return done > 0 ? T_EXIT_PASS : skip("no DNS server of ours");
	done = -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return skip("DNS server on 127.0.0.1:53: %s", strerror(errno));
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return skip("mount namespace: %s", strerror(errno));
	if (bind_text("/etc/resolv.conf", "nameserver 127.0.0.1\n"
		      "options timeout:5 attempts:1\n") < 0 ||
	    bind_text("/etc/nsswitch.conf", "hosts: files dns\n") < 0)
		return skip("resolver files: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return skip("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Not holding the runner's pipe open, and gone with us. */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dns_serve(fd);
	}
	close(fd);
	done = 1;
	return T_EXIT_PASS;
}
