// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: TCP connections over IPv4 and IPv6 closed by
 * the peer, by us and by an abort; a refused connection.
 *
 * They need /dev/sockobj and skip without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

/* Connects, then closes from the peer side first (passive close). */
static int connect_passive_close(int family)
{
	const unsigned int est_or_closed =
		SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
		SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED);
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_info info;
	struct sockobj_event ev;
	char want[SOCKOBJ_ADDRSTRLEN];
	uint64_t seq;
	socklen_t len;
	int lfd, afd, id;

	lfd = listener(family, &ss, &len, 1);
	if (lfd < 0)
		return skip("no %s loopback listener: %s",
			    family == AF_INET ? "IPv4" : "IPv6",
			    strerror(errno));
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x1234);
	CHECK(id > 0);
	if (family == AF_INET)
		CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss,
					    len));
	else
		CHECK_OK(sockobj_set_target_host(ctx, id, "::1", port_of(&ss),
						 AF_INET6));
	CHECK_OK(sockobj_set_connect_timeout(ctx, id, WAIT_MS));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_RET(sockobj_connect(ctx, id), -EISCONN);
	CHECK_RET(sockobj_set_connect_timeout(ctx, id, 1), -EISCONN);

	CHECK_OK(sockobj_wait_state(ctx, id, est_or_closed, WAIT_MS, &ev));
	print_event("connected", &ev);
	CHECK_EQ(ev.id, id);
	CHECK_EQ(ev.type, SOCKOBJ_EV_STATE);
	CHECK_EQ(ev.cookie, 0x1234);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(ev.prev_state, SOCKOBJ_STATE_CONNECTING);
	CHECK_EQ(ev.merged, 1);
	CHECK(ev.seq > 0);
	CHECK(ev.timestamp_ns > 0);
	seq = ev.seq;

	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);
	snprintf(want, sizeof(want), family == AF_INET ? "127.0.0.1:%u" :
		 "[::1]:%u", port_of(&ss));
	CHECK(fmt_is(&info.remote, want));
	CHECK_EQ(info.local.family, family);
	CHECK(info.local.port > 0);
	CHECK(info.connect_ns > 0 && info.established_ns >= info.connect_ns);

	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	close(afd);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_PEER_CLOSING) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED),
			WAIT_MS, &ev));
	print_event("peer closed", &ev);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_PEER_CLOSING);
	CHECK(ev.seq > seq);
	seq = ev.seq;

	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	print_event("closed", &ev);
	CHECK(ev.seq > seq);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_PEER_CLOSED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_CLOSING);
	CHECK_EQ(ev.error, 0);
	/*
	 * The peer's FIN also made the object READABLE (EOF can be read):
	 * a data record, which the waits skipped and kept.
	 */
	CHECK_EQ(sockobj_queued_events(ctx), 1);
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), 1);
	CHECK_EQ(ev.type, SOCKOBJ_EV_READABLE);
	CHECK(ev.seq > seq);
	CHECK_EQ(sockobj_queued_events(ctx), 0);

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

static int test_connect_v4(void)
{
	if (need_module())
		return T_EXIT_SKIP;
	return connect_passive_close(AF_INET);
}

static int test_connect_v6(void)
{
	struct sockobj_ctx *ctx;
	struct sockobj_api api;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	CHECK_OK(sockobj_get_api(ctx, &api));
	sockobj_close(ctx);
	if (!(api.features & SOCKOBJ_FEAT_IPV6))
		return skip("the module has no SOCKOBJ_FEAT_IPV6");
	return connect_passive_close(AF_INET6);
}

/* Disconnect first (active close), then abort on a second connection. */
static int test_local_close_abort(void)
{
	const unsigned int closed = SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED);
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_event ev;
	char c;
	socklen_t len;
	int lfd, afd, id;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 1);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) | closed,
			WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);

	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_RET(sockobj_disconnect(ctx, id), -EALREADY);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSING) | closed,
			WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSING);
	/* The peer sees EOF, then closes its side: the close completes. */
	CHECK_EQ(read(afd, &c, 1), 0);
	close(afd);
	CHECK_OK(sockobj_wait_state(ctx, id, closed, WAIT_MS, &ev));
	print_event("local close", &ev);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_LOCAL_CLOSED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_CLOSING);

	/* Connect the same object again, then abort. */
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) | closed,
			WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	CHECK_OK(sockobj_abort(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id, closed, 0, &ev));
	print_event("abort", &ev);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_ABORTED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_ESTABLISHED);
	CHECK(ev.merged >= 1);
	close(afd);

	CHECK_OK(sockobj_destroy(ctx, id, SOCKOBJ_DESTROY_ABORT));
	CHECK_RET(sockobj_read_events(ctx, &ev, 1), -EAGAIN);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

static int test_refused(void)
{
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_info info;
	struct sockobj_event ev;
	socklen_t len;
	int fd, id;

	if (need_module())
		return T_EXIT_SKIP;
	/* Bound, never listening: the port answers SYN with RST. */
	fd = listener(AF_INET, &ss, &len, 0);
	CHECK(fd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 2);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	print_event("refused", &ev);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_REFUSED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_CONNECTING);
	CHECK_EQ(ev.error, ECONNREFUSED);
	CHECK_EQ(ev.cookie, 2);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(info.reason, SOCKOBJ_REASON_REFUSED);
	CHECK_EQ(info.pending, 0);
	CHECK_STR(sockobj_reason_describe(ev.reason),
		  "connection refused by the peer");
	CHECK_OK(sockobj_destroy(ctx, id, 0));
	sockobj_close(ctx);
	close(fd);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("connect_v4", test_connect_v4);
	t_run("connect_v6", test_connect_v6);
	t_run("local_close_abort", test_local_close_abort);
	t_run("refused", test_refused);
	return t_exit();
}
