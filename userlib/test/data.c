// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: the TCP data path, a round trip driven by
 * READABLE and WRITABLE records, receiving after a disconnect.
 *
 * They need /dev/sockobj, and the module feature they use, and skip
 * without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + (i >> 8) * 13 + 1);
}

/*
 * A round trip through an echo peer written here: TOTAL bytes sent through
 * the object are read by the peer and sent back, received through the
 * object and compared. Small buffers force partial sends and -EAGAIN, so
 * that the loop lives on WRITABLE and READABLE records; a stall (an edge
 * that never came) fails the test instead of spinning.
 */
#define TOTAL		(512 * 1024)
#define ECHO_BUF	(64 * 1024)

static int test_tcp_round_trip(void)
{
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_info info;
	struct sockobj_event ev;
	struct sockobj_recv_info ri;
	static unsigned char echo[ECHO_BUF], in[16384], out[16384];
	size_t sent = 0, rcvd = 0, e_len = 0, e_off = 0, i;
	int can_send = 1, can_recv = 1, peer_eof = 0;
	int n_readable = 0, n_writable = 0, n_again = 0, n_partial = 0;
	socklen_t len;
	int lfd, afd, id, ret;

	NEED_FEATURE(SOCKOBJ_FEAT_DATA);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0x55);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_bufsizes(ctx, id, 4096, 4096));
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_RET(sockobj_send(ctx, id, "x", 1), -ENOTCONN);
	CHECK_RET(sockobj_recv(ctx, id, in, 1, 0, NULL), -ENOTCONN);
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	set_nonblock(afd);

	while (rcvd < TOTAL) {
		struct pollfd pfd[2];
		int progress = 0;

		/* The object: send what fits, receive what came. */
		while (can_send && sent < TOTAL) {
			size_t n = TOTAL - sent < sizeof(out) ?
				   TOTAL - sent : sizeof(out);

			for (i = 0; i < n; i++)
				out[i] = pattern(sent + i);
			ret = sockobj_send(ctx, id, out, n);
			if (ret == -EAGAIN) {
				n_again++;
				can_send = 0;
				break;
			}
			CHECK(ret > 0);
			if ((size_t)ret < n) {
				n_partial++;
				can_send = 0;
			}
			sent += (size_t)ret;
			progress = 1;
		}
		while (can_recv) {
			ret = sockobj_recv(ctx, id, in, sizeof(in), 0, &ri);
			if (ret == -EAGAIN) {
				can_recv = 0;
				break;
			}
			CHECK(ret > 0);
			CHECK(addr_is(&ri.source, &ss, len));
			CHECK_EQ(ri.full_len, ret);
			CHECK_EQ(ri.truncated, 0);
			for (i = 0; i < (size_t)ret; i++)
				if (in[i] != pattern(rcvd + i))
					FAILED("byte %zu differs", rcvd + i);
			rcvd += (size_t)ret;
			progress = 1;
		}
		/* The echo peer. */
		if (!peer_eof && e_len < sizeof(echo)) {
			ssize_t r = read(afd, echo + e_len, sizeof(echo) - e_len);

			if (r > 0) {
				e_len += (size_t)r;
				progress = 1;
			} else if (r == 0) {
				peer_eof = 1;
			}
		}
		if (e_off < e_len) {
			ssize_t w = write(afd, echo + e_off, e_len - e_off);

			if (w > 0) {
				e_off += (size_t)w;
				progress = 1;
			}
			if (e_off == e_len)
				e_off = e_len = 0;
		}
		/* Records: only edges, after -EAGAIN or a partial send. */
		while ((ret = sockobj_read_events(ctx, &ev, 1)) == 1) {
			CHECK_EQ(ev.id, id);
			CHECK_EQ(ev.cookie, 0x55);
			if (ev.type == SOCKOBJ_EV_READABLE) {
				n_readable++;
				can_recv = 1;
			} else if (ev.type == SOCKOBJ_EV_WRITABLE) {
				n_writable++;
				can_send = 1;
			} else {
				print_event("unexpected", &ev);
				FAILED("unexpected record of type %s",
				       sockobj_event_type_name(ev.type));
			}
			CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
			CHECK(ev.merged >= 1);
			progress = 1;
		}
		CHECK_RET(ret, -EAGAIN);
		if (progress)
			continue;
		pfd[0].fd = sockobj_fd(ctx);
		pfd[0].events = POLLIN;
		pfd[1].fd = afd;
		pfd[1].events = (e_len < sizeof(echo) ? POLLIN : 0) |
				(e_off < e_len ? POLLOUT : 0);
		if (poll(pfd, 2, WAIT_MS) <= 0)
			FAILED("stalled: sent %zu received %zu, can_send %d "
			       "can_recv %d", sent, rcvd, can_send, can_recv);
	}
	printf("    %d bytes each way: %d READABLE, %d WRITABLE, %d EAGAIN, "
	       "%d partial sends\n", TOTAL, n_readable, n_writable, n_again,
	       n_partial);
	CHECK_EQ(sent, TOTAL);
	CHECK(n_readable > 0);
	CHECK(n_writable > 0);
	CHECK(n_writable <= n_again + n_partial);

	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.bytes_sent, TOTAL);
	CHECK_EQ(info.bytes_received, TOTAL);
	CHECK_EQ(info.rx_queued, 0);

	/* Peek leaves the data queued. */
	CHECK_EQ(write(afd, "peek", 4), 4);
	for (i = 0; i < WAIT_MS / 10; i++) {
		ret = sockobj_recv(ctx, id, in, 2, SOCKOBJ_IO_PEEK, NULL);
		if (ret != -EAGAIN)
			break;
		usleep(10000);
	}
	CHECK_RET(ret, 2);
	CHECK(!memcmp(in, "pe", 2));
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), 0, NULL), 4);
	CHECK(!memcmp(in, "peek", 4));
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), ~0U, NULL), -EINVAL);

	/* The peer's EOF: PEER_CLOSING, then recv returns 0, again. */
	close(afd);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_PEER_CLOSING), WAIT_MS,
			&ev));
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), 0, NULL), 0);
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), 0, NULL), 0);
	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_PEER_CLOSED);
	CHECK_RET(sockobj_recv(ctx, id, in, sizeof(in), 0, NULL), -ENOTCONN);
	CHECK_RET(sockobj_send(ctx, id, "x", 1), -ENOTCONN);
	CHECK_RET(sockobj_send(ctx, id + 1000, "x", 1), -ENOENT);

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * Our FIN first: the peer then answers and closes. What it sent after
 * our disconnect must still be receivable (RECV is allowed in CLOSING),
 * even when it arrives together with its FIN before we read it.
 */
static int test_tcp_recv_after_disconnect(void)
{
	struct sockaddr_storage ss;
	struct sockobj_ctx *ctx;
	struct sockobj_event ev;
	char buf[64];
	int lfd, afd, id, ret, i;
	socklen_t len;

	NEED_FEATURE(SOCKOBJ_FEAT_DATA);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	id = tcp_pair(ctx, lfd, &ss, len, 9, &afd);
	CHECK(id > 0);
	CHECK_RET(sockobj_send(ctx, id, "request", 7), 7);
	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_RET(sockobj_send(ctx, id, "x", 1), -EPIPE);
	/* The peer reads the request and EOF, answers, closes. */
	for (i = 0; i < 2; i++) {
		ret = (int)read(afd, buf, sizeof(buf));
		if (ret == 0)
			break;
		CHECK(ret > 0);
	}
	CHECK_EQ(write(afd, "answer", 6), 6);
	close(afd);

	/* READABLE comes before the CLOSED record; read it when it does. */
	for (;;) {
		CHECK_RET(next_event(ctx, &ev, WAIT_MS), 1);
		print_event("after disconnect", &ev);
		if (ev.type == SOCKOBJ_EV_READABLE)
			break;
		if (ev.type == SOCKOBJ_EV_STATE &&
		    ev.state == SOCKOBJ_STATE_CLOSED)
			FAILED("CLOSED before any READABLE record");
	}
	ret = sockobj_recv(ctx, id, buf, sizeof(buf), 0, NULL);
	if (ret != 6)
		FAILED("recv after the peer's answer and FIN returned %d (%s), "
		       "expected the 6 bytes \"answer\"", ret,
		       ret < 0 ? sockobj_strerror(ret) : "short");
	CHECK(!memcmp(buf, "answer", 6));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_LOCAL_CLOSED);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("tcp_round_trip", test_tcp_round_trip);
	t_run("tcp_recv_after_disconnect", test_tcp_recv_after_disconnect);
	return t_exit();
}
