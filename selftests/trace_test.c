// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints under events/sockobj/: a connection's transitions appear
 * in order (sockobj_state), with its connect attempt (sockobj_connect) and
 * the delivery of each record to userspace (sockobj_deliver); the retry
 * policy's waits and attempts (sockobj_retry_wait, sockobj_retry_start);
 * what became of each incoming connection of a listener (sockobj_incoming).
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include "sotest.h"

#define PORT 45871

static const char *tracing_dir(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events/sockobj/enable", dirs[i]);
		if (!access(path, W_OK))
			return dirs[i];
	}
	return NULL;
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[160];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -errno;
	close(fd);
	return ret;
}

/* The trace buffer, NUL-terminated, in a malloc()ed buffer. */
static char *read_trace(const char *dir)
{
	size_t len = 0, size = 1 << 16;
	char path[160], *buf = malloc(size);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, size - len - 1)) > 0) {
		len += n;
		if (size - len < 4096) {
			char *more = realloc(buf, size * 2);

			if (!more)
				break;
			buf = more;
			size *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

FIXTURE(trace) {
	const char *dir;
	int fd;
	int lfd;
};

FIXTURE_SETUP(trace)
{
	SO_REQUIRE_DEVICE();
	self->fd = -1;
	self->lfd = -1;
	self->dir = tracing_dir();
	if (!self->dir)
		SKIP(return, "no events/sockobj in tracefs");
	ASSERT_EQ(0, so_netns_private());
	ASSERT_EQ(0, write_file(self->dir, "events/sockobj/enable", "0"));
	ASSERT_EQ(0, write_file(self->dir, "trace", ""));
	ASSERT_EQ(0, write_file(self->dir, "events/sockobj/enable", "1"));
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
	self->lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(trace)
{
	if (self->dir)
		write_file(self->dir, "events/sockobj/enable", "0");
	if (self->lfd >= 0)
		close(self->lfd);
	if (self->fd >= 0)
		so_close(self->fd);
}

TEST_F(trace, connection_transitions_in_order)
{
	static const char *const want[] = {
		"CLOSED -> CONNECTING reason=NONE",
		"CONNECTING -> ESTABLISHED reason=NONE",
		"ESTABLISHED -> PEER_CLOSING reason=NONE",
		"PEER_CLOSING -> CLOSING reason=NONE",
		"CLOSING -> CLOSED reason=PEER_CLOSED",
	};
	char needle[64], connect_line[96], *trace, *p, *line;
	struct sockobj_event ev;
	unsigned int delivered = 0;
	size_t next = 0;
	__u32 id;
	int srv;

	ASSERT_EQ(0, so_new(self->fd, 7, "127.0.0.1", PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	srv = so_accept(self->lfd, so_tmo(5000));
	ASSERT_LE(0, srv);
	ASSERT_EQ(1, so_next_state_event(self->fd, id, &ev, so_tmo(5000)));
	ASSERT_EQ(1, so_next_state_event(self->fd, id, &ev, so_tmo(5000)));
	ASSERT_EQ((__u32)SOCKOBJ_STATE_ESTABLISHED, ev.state);
	close(srv);
	ASSERT_EQ(1, so_next_state_event(self->fd, id, &ev, so_tmo(5000)));
	ASSERT_EQ((__u32)SOCKOBJ_STATE_PEER_CLOSING, ev.state);
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EQ(1, so_next_state_event(self->fd, id, &ev, so_tmo(5000)));
	ASSERT_EQ(1, so_next_state_event(self->fd, id, &ev, so_tmo(5000)));
	ASSERT_EQ((__u32)SOCKOBJ_STATE_CLOSED, ev.state);
	ASSERT_EQ(0, write_file(self->dir, "events/sockobj/enable", "0"));

	trace = read_trace(self->dir);
	ASSERT_NE(NULL, trace);
	snprintf(needle, sizeof(needle), "sockobj_state: id=%u ", id);
	snprintf(connect_line, sizeof(connect_line),
		 "sockobj_connect: id=%u proto=tcp dst=127.0.0.1:%u", id, PORT);
	for (line = strtok_r(trace, "\n", &p); line; line = strtok_r(NULL, "\n", &p)) {
		if (strstr(line, needle)) {
			ASSERT_GT(ARRAY_SIZE(want), next) TH_LOG("extra: %s", line);
			EXPECT_NE(NULL, strstr(line, want[next]))
				TH_LOG("transition %zu: want '%s' in '%s'", next,
				       want[next], line);
			next++;
		} else if (strstr(line, "sockobj_deliver: id=") &&
			   strtoul(strstr(line, "id=") + 3, NULL, 10) == id) {
			delivered++;
		} else if (strstr(line, connect_line)) {
			connect_line[0] = '\0';	/* seen */
		}
	}
	free(trace);
	EXPECT_EQ(ARRAY_SIZE(want), next);
	EXPECT_EQ('\0', connect_line[0]) TH_LOG("no sockobj_connect line");
	/* Every state record (and the READABLE of the EOF) was delivered. */
	EXPECT_LE(ARRAY_SIZE(want), delivered);
}

/* The retry policy: each wait (its attempt, reason, wait) and each attempt */
TEST_F(trace, retry_waits_and_attempts)
{
	struct sockobj_retry r = {
		.max_attempts = 3, .delay_ms = 20, .max_delay_ms = 20,
		.factor_pct = 100,
	};
	char want[4][96], *trace, *p, *line;
	struct sockobj_event ev;
	size_t next = 0;
	__u32 id;

	ASSERT_EQ(0, so_new(self->fd, 8, "127.0.0.1", PORT + 1, &id));
	ASSERT_EQ(0, so_set_retry(self->fd, id, &r));
	ASSERT_EQ(0, so_connect(self->fd, id));
	/* read the records: an attempt starts only when its records fit */
	do {
		ASSERT_EQ(1, so_next_state_event(self->fd, id, &ev, so_tmo(5000)));
	} while (ev.state != SOCKOBJ_STATE_CLOSED);
	ASSERT_EQ(0, write_file(self->dir, "events/sockobj/enable", "0"));
	snprintf(want[0], sizeof(want[0]),
		 "sockobj_retry_wait: id=%u attempt=1 reason=REFUSED wait_ms=20", id);
	/*
	 * late_ms is not checked: an attempt waits (late_ms > 0) when its
	 * records would not fit, which a reader slowed by the host's load
	 * causes (52 ms seen on PREEMPT_RT beside another VM).
	 */
	snprintf(want[1], sizeof(want[1]),
		 "sockobj_retry_start: id=%u attempt=2 late_ms=", id);
	snprintf(want[2], sizeof(want[2]),
		 "sockobj_retry_wait: id=%u attempt=2 reason=REFUSED wait_ms=20", id);
	snprintf(want[3], sizeof(want[3]),
		 "sockobj_retry_start: id=%u attempt=3 late_ms=", id);
	trace = read_trace(self->dir);
	ASSERT_NE(NULL, trace);
	for (line = strtok_r(trace, "\n", &p); line; line = strtok_r(NULL, "\n", &p)) {
		if (!strstr(line, "sockobj_retry_"))
			continue;
		ASSERT_GT(ARRAY_SIZE(want), next) TH_LOG("extra: %s", line);
		EXPECT_NE(NULL, strstr(line, want[next]))
			TH_LOG("event %zu: want '%s' in '%s'", next, want[next], line);
		if (strstr(want[next], "retry_start"))
			EXPECT_NE(NULL, strstr(line, " ret=0"))
				TH_LOG("event %zu: want ret=0 in '%s'", next, line);
		next++;
	}
	free(trace);
	EXPECT_EQ(ARRAY_SIZE(want), next);
}

/* A plain TCP client from src:sport to 127.0.0.1:port; the fd or -errno. */
static int client_from(const char *src, __u16 sport, __u16 port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(sport);
	inet_pton(AF_INET, src, &a.sin_addr);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)))
		goto fail;
	a.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)))
		goto fail;
	return s;
fail:
	one = -errno;
	close(s);
	return one;
}

/*
 * Incoming connections of a listening object (sockobj_incoming): one
 * taken, one that replaced it (a reconnect from the same host), and one
 * from a host nothing admits, reset.
 */
TEST_F(trace, incoming_connections_and_what_became_of_them)
{
	struct sockobj_listen l = {
		.inconmode = SOCKOBJ_INCON_ANY,
		.reconmode = SOCKOBJ_RECON_SAME_HOST,
	};
	struct sockobj_config c = { .mask = SOCKOBJ_CFG_LOCAL };
	char want[3][96], *trace, *p, *line;
	struct sockobj_event ev;
	size_t next = 0;
	int a, b, r;

	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, 9, &l.id));
	c.id = l.id;
	ASSERT_EQ(0, so_addr(&c.local, "127.0.0.1", PORT + 2));
	ASSERT_EQ(0, so_configure(self->fd, &c));
	ASSERT_EQ(0, so_ioctl(self->fd, SOCKOBJ_IOC_LISTEN, &l));
	a = client_from("127.0.0.2", 5001, PORT + 2);
	ASSERT_LE(0, a);
	/* read: a reconnect needs room for its records */
	do {
		ASSERT_EQ(1, so_next_state_event(self->fd, l.id, &ev,
						 so_tmo(5000)));
	} while (ev.state != SOCKOBJ_STATE_ESTABLISHED);
	b = client_from("127.0.0.2", 5002, PORT + 2);
	ASSERT_LE(0, b);
	do {
		ASSERT_EQ(1, so_next_state_event(self->fd, l.id, &ev,
						 so_tmo(5000)));
	} while (ev.state != SOCKOBJ_STATE_CLOSED);
	ASSERT_EQ((__u32)SOCKOBJ_REASON_REPLACED, ev.reason);
	ASSERT_EQ(0, so_wait_state(self->fd, l.id, SOCKOBJ_STATE_ESTABLISHED,
				   so_tmo(5000)));
	/* another host: the connection is accepted, then reset */
	r = client_from("127.0.0.3", 5003, PORT + 2);
	if (r >= 0) {
		char x;

		EXPECT_EQ(-1, read(r, &x, 1));
		close(r);
	}
	ASSERT_EQ(0, write_file(self->dir, "events/sockobj/enable", "0"));
	snprintf(want[0], sizeof(want[0]),
		 "sockobj_incoming: lport=%u src=127.0.0.2:5001 taken id=%u",
		 PORT + 2, l.id);
	snprintf(want[1], sizeof(want[1]),
		 "sockobj_incoming: lport=%u src=127.0.0.2:5002 replaced id=%u",
		 PORT + 2, l.id);
	snprintf(want[2], sizeof(want[2]),
		 "sockobj_incoming: lport=%u src=127.0.0.3:5003 reset id=0",
		 PORT + 2);
	trace = read_trace(self->dir);
	ASSERT_NE(NULL, trace);
	for (line = strtok_r(trace, "\n", &p); line; line = strtok_r(NULL, "\n", &p)) {
		if (!strstr(line, "sockobj_incoming:"))
			continue;
		ASSERT_GT(ARRAY_SIZE(want), next) TH_LOG("extra: %s", line);
		EXPECT_NE(NULL, strstr(line, want[next]))
			TH_LOG("event %zu: want '%s' in '%s'", next, want[next], line);
		next++;
	}
	free(trace);
	EXPECT_EQ(ARRAY_SIZE(want), next);
	close(a);
	close(b);
}

TEST_HARNESS_MAIN
