// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: passive opens through the library: an
 * object listens, a plain client connects, data goes both ways, the
 * object is armed again; a cancel; a reconnect from the same host that
 * replaces the connection (sockobj_listen_reconnect); the errors.
 *
 * They need /dev/sockobj and SOCKOBJ_FEAT_LISTEN, and skip without them.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

/* A TCP object on 127.0.0.1 and a free port (learnt from a socket). */
/* An object of proto bound to a free port of 127.0.0.1, its address in *a. */
static int object_on(struct sockobj_ctx *ctx, unsigned int proto,
		     struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int s = socket(AF_INET, (proto == SOCKOBJ_PROTO_TCP ? SOCK_STREAM :
				 SOCK_DGRAM) | SOCK_CLOEXEC, 0), id;

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)a, sizeof(*a)) ||
	    getsockname(s, (struct sockaddr *)a, &len)) {
		if (s >= 0)
			close(s);
		return -errno;
	}
	close(s);
	id = sockobj_create(ctx, proto, 7);
	if (id < 0)
		return id;
	s = sockobj_set_local(ctx, (unsigned int)id, (struct sockaddr *)a,
			      sizeof(*a));
	return s ? s : id;
}

static int listening_object(struct sockobj_ctx *ctx, struct sockaddr_in *a)
{
	return object_on(ctx, SOCKOBJ_PROTO_TCP, a);
}

static int test_accept_and_talk(void)
{
	struct sockobj_event ev;
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	struct sockaddr_in a;
	char buf[8] = { 0 };
	int id, c, n;

	NEED_FEATURE(SOCKOBJ_FEAT_LISTEN);
	CHECK_OK(open_ctx(&ctx, 0));
	id = listening_object(ctx, &a);
	CHECK(id > 0);
	CHECK_OK(sockobj_listen(ctx, id, SOCKOBJ_INCON_ANY, 0));
	CHECK_EQ(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_LISTENING), WAIT_MS, &ev), 0);
	CHECK_STR(sockobj_state_name(ev.state), "LISTENING");
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(c >= 0);
	CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof(a)));
	CHECK_EQ(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED), WAIT_MS, &ev), 0);
	CHECK_EQ(ev.prev_state, (uint32_t)SOCKOBJ_STATE_PASSIVE_OPENING);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.remote.family, (uint16_t)AF_INET);
	CHECK_EQ(info.local.port, ntohs(a.sin_port));
	CHECK_EQ(write(c, "ping", 4), 4);
	while ((n = sockobj_recv(ctx, id, buf, sizeof(buf), 0, NULL)) == -EAGAIN)
		usleep(1000);
	CHECK_EQ(n, 4);
	CHECK_STR(buf, "ping");
	CHECK_EQ(sockobj_send(ctx, id, "pong", 4), 4);
	CHECK_EQ(read(c, buf, 4), 4);
	CHECK(!memcmp(buf, "pong", 4));
	CHECK_OK(sockobj_abort(ctx, id));
	CHECK_EQ(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev), 0);
	CHECK_EQ(ev.reason, (uint32_t)SOCKOBJ_REASON_ABORTED);
	close(c);
	/* armed again */
	CHECK_OK(sockobj_listen(ctx, id, SOCKOBJ_INCON_ANY, 0));
	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_EQ(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev), 0);
	CHECK_EQ(ev.reason, (uint32_t)SOCKOBJ_REASON_CANCELLED);
	CHECK_EQ(ev.phase, (uint32_t)SOCKOBJ_STATE_LISTENING);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* A second client from the same host replaces the first one's connection. */
static int test_reconnect(void)
{
	struct sockobj_event ev;
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	struct sockaddr_in a, me;
	socklen_t len = sizeof(me);
	char b;
	int id, c1, c2;

	NEED_FEATURE(SOCKOBJ_FEAT_RECONNECT);
	CHECK_OK(open_ctx(&ctx, 0));
	id = listening_object(ctx, &a);
	CHECK(id > 0);
	CHECK_OK(sockobj_listen_reconnect(ctx, id, SOCKOBJ_INCON_ANY,
					  SOCKOBJ_RECON_SAME_HOST, 0));
	c1 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(c1 >= 0);
	CHECK_OK(connect(c1, (struct sockaddr *)&a, sizeof(a)));
	CHECK_EQ(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED), WAIT_MS, &ev), 0);
	c2 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(c2 >= 0);
	CHECK_OK(connect(c2, (struct sockaddr *)&a, sizeof(a)));
	CHECK_EQ(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev), 0);
	CHECK_EQ(ev.reason, (uint32_t)SOCKOBJ_REASON_REPLACED);
	CHECK_STR(sockobj_reason_name(ev.reason), "REPLACED");
	CHECK_EQ(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED), WAIT_MS, &ev), 0);
	CHECK_EQ(ev.attempt, 2U);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_OK(getsockname(c2, (struct sockaddr *)&me, &len));
	CHECK_EQ(info.remote.port, ntohs(me.sin_port));
	/* the first client was reset */
	CHECK_EQ(read(c1, &b, 1), -1);
	CHECK_EQ(errno, ECONNRESET);
	close(c1);
	close(c2);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* A UDP peer's first datagram makes a connection; replies go to it. */
static int test_udp_peer(void)
{
	struct sockobj_recv_info ri;
	struct sockobj_event ev;
	struct sockobj_ctx *ctx;
	struct sockaddr_in a, me;
	socklen_t len = sizeof(me);
	char buf[8] = { 0 };
	int id, c, n;

	NEED_FEATURE(SOCKOBJ_FEAT_LISTEN_UDP);
	CHECK_OK(open_ctx(&ctx, 0));
	id = object_on(ctx, SOCKOBJ_PROTO_UDP, &a);
	CHECK(id > 0);
	CHECK_OK(sockobj_listen(ctx, id, SOCKOBJ_INCON_ANY, 0));
	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(c >= 0);
	CHECK_EQ(sendto(c, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a)), 4);
	CHECK_EQ(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED), WAIT_MS, &ev), 0);
	CHECK_EQ(ev.prev_state, (uint32_t)SOCKOBJ_STATE_PASSIVE_OPENING);
	CHECK_EQ(sockobj_recv(ctx, id, buf, sizeof(buf), 0, &ri), 4);
	CHECK_STR(buf, "ping");
	CHECK_OK(getsockname(c, (struct sockaddr *)&me, &len));
	CHECK_EQ(ri.source.port, ntohs(me.sin_port));
	CHECK_EQ(sockobj_send(ctx, id, "pong", 4), 4);
	CHECK_EQ(recv(c, buf, sizeof(buf), 0), 4);
	CHECK(!memcmp(buf, "pong", 4));
	while ((n = sockobj_recv(ctx, id, buf, sizeof(buf), 0, NULL)) != -EAGAIN)
		CHECK(n >= 0);
	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_EQ(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev), 0);
	close(c);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

static int test_errors(void)
{
	struct sockobj_ctx *ctx;
	struct sockaddr_in a;
	int id, udp;

	NEED_FEATURE(SOCKOBJ_FEAT_LISTEN);
	CHECK_OK(open_ctx(&ctx, 0));
	id = listening_object(ctx, &a);
	CHECK(id > 0);
	CHECK_RET(sockobj_listen(ctx, id, 0, 0), -EINVAL);
	CHECK_RET(sockobj_listen(ctx, id, SOCKOBJ_INCON_TARGET, 0), -EDESTADDRREQ);
	CHECK_RET(sockobj_listen(ctx, id + 100, SOCKOBJ_INCON_ANY, 0), -ENOENT);
	udp = sockobj_create(ctx, SOCKOBJ_PROTO_UDP, 8);
	CHECK(udp > 0);
	CHECK_RET(sockobj_listen(ctx, udp, SOCKOBJ_INCON_ANY, 0), -EDESTADDRREQ);
	CHECK_OK(sockobj_set_local(ctx, udp, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(sockobj_set_recv_any(ctx, udp, 1));
	CHECK_RET(sockobj_listen(ctx, udp, SOCKOBJ_INCON_ANY, 0), -EOPNOTSUPP);
	CHECK_RET(sockobj_listen_reconnect(ctx, id, SOCKOBJ_INCON_ANY,
					   SOCKOBJ_RECON_ANY + 1, 0), -EINVAL);
	CHECK_OK(sockobj_listen(ctx, id, SOCKOBJ_INCON_ANY, 0));
	CHECK_RET(sockobj_listen(ctx, id, SOCKOBJ_INCON_ANY, 0), -EISCONN);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("accept_and_talk", test_accept_and_talk);
	t_run("reconnect", test_reconnect);
	t_run("udp_peer", test_udp_peer);
	t_run("errors", test_errors);
	return t_exit();
}
