// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: options set through the library and read back
 * with getsockopt(2) on a handed-off socket, priority and TOS, the
 * inactivity timeout.
 *
 * They need /dev/sockobj, and the module feature they use, and skip
 * without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static int sockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -errno;
	return v;
}

/*
 * Options set through the library, read back with getsockopt(2) on the
 * socket the object hands off; then the connection works as a socket.
 */
static int test_options_handoff(void)
{
	const uint64_t opts = SOCKOBJ_CFG_NODELAY | SOCKOBJ_CFG_KEEPALIVE |
		SOCKOBJ_CFG_TOS | SOCKOBJ_CFG_PRIORITY | SOCKOBJ_CFG_SNDBUF |
		SOCKOBJ_CFG_RCVBUF | SOCKOBJ_CFG_USER_TIMEOUT |
		SOCKOBJ_CFG_INACTIVITY | SOCKOBJ_CFG_SENT_THRESHOLD;
	struct sockaddr_storage ss;
	struct sockobj_config cfg;
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	char buf[32];
	size_t got;
	socklen_t len;
	int lfd, afd, id, fd;

	NEED_FEATURE(SOCKOBJ_FEAT_OPTIONS);
	NEED_FEATURE(SOCKOBJ_FEAT_HANDOFF);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x0b);
	CHECK(id > 0);

	/* Misuse and ranges. */
	CHECK_RET(sockobj_set_keepalive(ctx, id, 0, 10, 0, 0), -EINVAL);
	CHECK_RET(sockobj_set_keepalive(ctx, id, 1,
					SOCKOBJ_KEEPIDLE_MAX_S + 1, 0, 0),
		  -EINVAL);
	CHECK_RET(sockobj_set_tos(ctx, id, 256), -EINVAL);
	CHECK_RET(sockobj_set_broadcast(ctx, id, 1), -EINVAL);
	CHECK_RET(sockobj_set_recv_any(ctx, id, 1), -EINVAL);
	CHECK_RET(sockobj_set_inactivity(ctx, id,
					 SOCKOBJ_INACTIVITY_MAX_S + 1), -EINVAL);
	CHECK_RET(sockobj_set_nodelay(ctx, id + 1000, 1), -ENOENT);
	CHECK_RET(sockobj_handoff(ctx, id, 0), -ENOTCONN);
	CHECK_RET(sockobj_handoff(ctx, id, ~0U), -EINVAL);
	CHECK_RET(sockobj_handoff(ctx, id + 1000, 0), -ENOENT);

	CHECK_OK(sockobj_set_nodelay(ctx, id, 5));	/* any non-zero: on */
	CHECK_OK(sockobj_set_keepalive(ctx, id, 1, 30, 5, 3));
	CHECK_OK(sockobj_set_tos(ctx, id, 0x10));
	CHECK_OK(sockobj_set_priority(ctx, id, 3));	/* see priority_tos */
	CHECK_OK(sockobj_set_bufsizes(ctx, id, 32768, 65536));
	CHECK_OK(sockobj_set_user_timeout(ctx, id, 5000));
	CHECK_OK(sockobj_set_inactivity(ctx, id, 3600));
	CHECK_OK(sockobj_set_sent_threshold(ctx, id, 1));
	CHECK_OK(sockobj_get_config(ctx, id, &cfg));
	CHECK_EQ(cfg.mask, opts);
	CHECK_EQ(cfg.nodelay, 1);
	CHECK_EQ(cfg.keepalive, 1);
	CHECK_EQ(cfg.keepidle_s, 30);
	CHECK_EQ(cfg.keepintvl_s, 5);
	CHECK_EQ(cfg.keepcnt, 3);
	CHECK_EQ(cfg.tos, 0x10);
	CHECK_EQ(cfg.priority, 3);
	CHECK_EQ(cfg.sndbuf, 32768);
	CHECK_EQ(cfg.rcvbuf, 65536);
	CHECK_EQ(cfg.user_timeout_ms, 5000);
	CHECK_EQ(cfg.inactivity_s, 3600);
	CHECK_EQ(cfg.sent_threshold, 1);

	/* 0 unsets, the others keep their value; then set again. */
	CHECK_OK(sockobj_set_tos(ctx, id, 0));
	CHECK_OK(sockobj_set_bufsizes(ctx, id, 0, 0));
	CHECK_OK(sockobj_get_config(ctx, id, &cfg));
	CHECK_EQ(cfg.mask, opts & ~(SOCKOBJ_CFG_TOS | SOCKOBJ_CFG_SNDBUF |
				    SOCKOBJ_CFG_RCVBUF));
	CHECK_EQ(cfg.keepidle_s, 30);
	CHECK_OK(sockobj_set_tos(ctx, id, 0x10));
	CHECK_OK(sockobj_set_bufsizes(ctx, id, 32768, 65536));

	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, NULL));
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	/* Only the SENT threshold may change once open. */
	CHECK_RET(sockobj_set_nodelay(ctx, id, 0), -EISCONN);
	CHECK_OK(sockobj_set_sent_threshold(ctx, id, 100));
	CHECK_RET(sockobj_send(ctx, id, "via object;", 11), 11);

	fd = sockobj_handoff(ctx, id, 0);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK_RET(sockobj_get_info(ctx, id, &info), -ENOENT);
	CHECK_RET(sockobj_handoff(ctx, id, 0), -ENOENT);
	CHECK_EQ(sockobj_queued_events(ctx), 0);

	CHECK_EQ(sockopt_int(fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	CHECK_EQ(sockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE), 30);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL), 5);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
	CHECK_EQ(sockopt_int(fd, IPPROTO_IP, IP_TOS), 0x10);
	CHECK(sockopt_int(fd, SOL_SOCKET, SO_PRIORITY) >= 0);
	CHECK_EQ(sockopt_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 5000);
	/* The kernel doubles the sizes (socket(7)), capped by [rw]mem_max. */
	printf("    handed-off fd: SO_SNDBUF %d SO_RCVBUF %d\n",
	       sockopt_int(fd, SOL_SOCKET, SO_SNDBUF),
	       sockopt_int(fd, SOL_SOCKET, SO_RCVBUF));
	CHECK(sockopt_int(fd, SOL_SOCKET, SO_SNDBUF) >= 32768);
	CHECK(sockopt_int(fd, SOL_SOCKET, SO_RCVBUF) >= 65536);

	/* The same connection, now an ordinary socket. */
	CHECK_EQ(write(fd, "via fd", 6), 6);
	CHECK_EQ(write(afd, "back", 4), 4);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "back", 4));
	CHECK_EQ(shutdown(fd, SHUT_WR), 0);
	for (got = 0; got < 17;) {
		ssize_t r = read(afd, buf + got, sizeof(buf) - got);

		CHECK(r > 0);
		got += (size_t)r;
	}
	CHECK(!memcmp(buf, "via object;via fd", 17));
	CHECK_EQ(read(afd, buf, sizeof(buf)), 0);
	close(fd);
	close(afd);

	/* SOCKOBJ_HANDOFF_NONBLOCK. */
	id = tcp_pair(ctx, lfd, &ss, len, 0x0d, &afd);
	CHECK(id > 0);
	fd = sockobj_handoff(ctx, id, SOCKOBJ_HANDOFF_NONBLOCK);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_EQ(read(fd, buf, sizeof(buf)), -1);
	CHECK_EQ(errno, EAGAIN);
	close(fd);
	close(afd);

	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * Priority and TOS are two properties: both must hold on the socket,
 * whatever order setsockopt() is called in (IP_TOS also sets the
 * priority, rt_tos2priority(), so it must come before SO_PRIORITY).
 */
static int test_priority_tos(void)
{
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	socklen_t len;
	int lfd, afd, id, fd, prio;

	NEED_FEATURE(SOCKOBJ_FEAT_OPTIONS);
	NEED_FEATURE(SOCKOBJ_FEAT_HANDOFF);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_priority(ctx, id, 3));
	CHECK_OK(sockobj_set_tos(ctx, id, 0x10));	/* IPTOS_LOWDELAY: 6 */
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, NULL));
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	fd = sockobj_handoff(ctx, id, 0);
	CHECK(fd >= 0);
	CHECK_EQ(sockopt_int(fd, IPPROTO_IP, IP_TOS), 0x10);
	prio = sockopt_int(fd, SOL_SOCKET, SO_PRIORITY);
	if (prio != 3)
		FAILED("SO_PRIORITY is %d, configured 3: the TOS (0x10, which "
		       "maps to priority 6) was applied after the priority",
		       prio);
	close(fd);
	close(afd);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/* An idle connection is reset after the inactivity time. */
static int test_inactivity(void)
{
	struct sockaddr_storage ss;
	struct sockobj_event ev;
	struct sockobj_ctx *ctx;
	socklen_t len;
	int lfd, afd, id;
	char c;

	NEED_FEATURE(SOCKOBJ_FEAT_OPTIONS);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x1a);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_inactivity(ctx, id, 1));
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 4 * WAIT_MS,
			&ev));
	print_event("idle", &ev);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_INACTIVITY);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_STR(sockobj_reason_name(ev.reason), "INACTIVITY");
	/* It was a reset: the peer sees ECONNRESET. */
	CHECK_EQ(read(afd, &c, 1), -1);
	CHECK_EQ(errno, ECONNRESET);
	close(afd);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("options_handoff", test_options_handoff);
	t_run("priority_tos", test_priority_tos);
	t_run("inactivity", test_inactivity);
	return t_exit();
}
