// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: UDP objects (datagrams, truncation,
 * ICMP errors, recv_any).
 *
 * They need /dev/sockobj, and the module feature they use, and skip
 * without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

/* A UDP socket of the test, on 127.0.0.1, any port. */
static int udp_socket(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	int fd;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*len = sizeof(*sin);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)ss, *len) < 0 ||
	    getsockname(fd, (struct sockaddr *)ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static ssize_t recv_wait(int fd, void *buf, size_t len,
			 struct sockaddr_storage *from, socklen_t *fromlen)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, WAIT_MS) != 1)
		return -1;
	*fromlen = sizeof(*from);
	return recvfrom(fd, buf, len, 0, (struct sockaddr *)from, fromlen);
}

/* Waits for the next data record of id of the given type. */
static int wait_data(struct sockobj_ctx *ctx, unsigned int id,
		     unsigned int type, struct sockobj_event *ev)
{
	int ret;

	for (;;) {
		ret = next_event(ctx, ev, WAIT_MS);
		if (ret != 1)
			return ret < 0 ? ret : -ETIME;
		if (ev->id == id && ev->type == type)
			return 0;
		print_event("skipped", ev);
	}
}

static int test_udp(void)
{
	struct sockaddr_storage srv, from, other_ss, local_ss;
	struct sockobj_recv_info ri;
	struct sockobj_ctx *ctx;
	struct sockobj_info info;
	struct sockobj_event ev;
	socklen_t srv_len, from_len, other_len, local_len;
	char buf[256], big[100];
	int sfd, ofd, id, id2, cfd;

	NEED_FEATURE(SOCKOBJ_FEAT_UDP);
	sfd = udp_socket(&srv, &srv_len);
	CHECK(sfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_UDP, 0xd);
	CHECK(id > 0);
	/* TCP-only options are refused for UDP, and the other way round. */
	CHECK_RET(sockobj_set_nodelay(ctx, id, 1), -EINVAL);
	CHECK_RET(sockobj_set_sent_threshold(ctx, id, 100), -EINVAL);
	CHECK_OK(sockobj_set_broadcast(ctx, id, 1));
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&srv,
				    srv_len));
	CHECK_OK(sockobj_connect(ctx, id));
	/* No handshake: ESTABLISHED at once. */
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 0, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.proto, SOCKOBJ_PROTO_UDP);
	CHECK(info.local.port > 0);

	/* One send, one datagram; it comes from the object's address. */
	CHECK_RET(sockobj_send(ctx, id, "ping", 4), 4);
	CHECK_RET(sockobj_send(ctx, id, "", 0), 0);
	CHECK_EQ(recv_wait(sfd, buf, sizeof(buf), &from, &from_len), 4);
	CHECK(!memcmp(buf, "ping", 4));
	CHECK(addr_is(&info.local, &from, from_len));
	CHECK_EQ(recv_wait(sfd, buf, sizeof(buf), &from, &from_len), 0);

	/* Replies: a datagram, a truncated one, an empty one. */
	CHECK_EQ(sendto(sfd, "pong", 4, 0, (struct sockaddr *)&from,
			from_len), 4);
	CHECK_OK(wait_data(ctx, id, SOCKOBJ_EV_READABLE, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	memset(&ri, 0xaa, sizeof(ri));
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, &ri), 4);
	CHECK(!memcmp(buf, "pong", 4));
	CHECK(addr_is(&ri.source, &srv, srv_len));
	CHECK_EQ(ri.full_len, 4);
	CHECK_EQ(ri.truncated, 0);
	CHECK_EQ(ri.pad, 0);
	CHECK_EQ(ri.reserved[0], 0);
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, &ri), -EAGAIN);

	memset(big, 'b', sizeof(big));
	CHECK_EQ(sendto(sfd, big, sizeof(big), 0, (struct sockaddr *)&from,
			from_len), (ssize_t)sizeof(big));
	CHECK_EQ(sendto(sfd, "", 0, 0, (struct sockaddr *)&from, from_len), 0);
	CHECK_OK(wait_data(ctx, id, SOCKOBJ_EV_READABLE, &ev));
	CHECK_RET(sockobj_recv(ctx, id, buf, 10, SOCKOBJ_IO_PEEK, &ri), 10);
	CHECK_EQ(ri.full_len, sizeof(big));
	CHECK_RET(sockobj_recv(ctx, id, buf, 10, 0, &ri), 10);
	CHECK_EQ(ri.full_len, sizeof(big));
	CHECK_EQ(ri.truncated, 1);
	CHECK_RET(sockobj_recv(ctx, id, buf, sizeof(buf), 0, &ri), 0);
	CHECK_EQ(ri.full_len, 0);
	CHECK_EQ(ri.truncated, 0);

	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.bytes_sent, 4);
	CHECK_EQ(info.bytes_received, 4 + 10);

	/* A port where nothing listens: a soft error, the object stays. */
	close(sfd);
	CHECK_RET(sockobj_send(ctx, id, "anyone?", 7), 7);
	CHECK_OK(wait_data(ctx, id, SOCKOBJ_EV_ERROR, &ev));
	print_event("icmp", &ev);
	CHECK_EQ(ev.error, ECONNREFUSED);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.state, SOCKOBJ_STATE_ESTABLISHED);

	/* No closing handshake: CLOSED at once, closed by us. */
	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 0, &ev));
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_LOCAL_CLOSED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_ESTABLISHED);

	/*
	 * recv_any: bound to a port of ours, it takes datagrams from any
	 * source and still sends to its target.
	 */
	sfd = udp_socket(&srv, &srv_len);
	ofd = udp_socket(&other_ss, &other_len);
	cfd = udp_socket(&local_ss, &local_len);	/* a free port */
	CHECK(sfd >= 0 && ofd >= 0 && cfd >= 0);
	close(cfd);
	id2 = sockobj_create(ctx, SOCKOBJ_PROTO_UDP, 0xe);
	CHECK(id2 > 0);
	CHECK_OK(sockobj_set_recv_any(ctx, id2, 1));
	CHECK_OK(sockobj_set_local(ctx, id2, (struct sockaddr *)&local_ss,
				   local_len));
	CHECK_OK(sockobj_set_target(ctx, id2, (struct sockaddr *)&srv,
				    srv_len));
	CHECK_OK(sockobj_connect(ctx, id2));
	CHECK_OK(sockobj_wait_state(ctx, id2,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), 0, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(sendto(ofd, "stranger", 8, 0, (struct sockaddr *)&local_ss,
			local_len), 8);
	CHECK_OK(wait_data(ctx, id2, SOCKOBJ_EV_READABLE, &ev));
	CHECK_RET(sockobj_recv(ctx, id2, buf, sizeof(buf), 0, &ri), 8);
	CHECK(!memcmp(buf, "stranger", 8));
	CHECK(addr_is(&ri.source, &other_ss, other_len));
	CHECK_RET(sockobj_send(ctx, id2, "to target", 9), 9);
	CHECK_EQ(recv_wait(sfd, buf, sizeof(buf), &from, &from_len), 9);
	CHECK(addr_is(&ri.source, &other_ss, other_len));
	CHECK_EQ(port_of(&from), port_of(&local_ss));

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	CHECK_OK(sockobj_destroy(ctx, id2, 0));
	sockobj_close(ctx);
	close(sfd);
	close(ofd);
	return T_EXIT_PASS;
}

int main(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	/*
	 * Loopback queues a send on the sending CPU's backlog: one socket's
	 * datagrams, which the test reads in order, keep their order only
	 * if the task stays on one CPU.
	 */
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);	/* best effort */
	}
	t_init();
	module_setup();
	t_run("udp", test_udp);
	return t_exit();
}
