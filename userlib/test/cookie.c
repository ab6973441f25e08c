// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: the cookie as a pointer,
 * sockobj_create_data(), sockobj_event_get_data() and
 * sockobj_info_get_data(): each record of two connections leads back to
 * its own structure, the info too, NULL stays NULL, and the cookie is the
 * one sockobj_create() would have given.
 *
 * The first case runs anywhere; the others need /dev/sockobj, and skip
 * without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

struct conn {
	const char *name;
	unsigned int state;
	unsigned int records;
};

/* The get functions read the cookie of a record as the kernel wrote it. */
static int test_get(void)
{
	struct sockobj_event ev;
	struct sockobj_info info;
	struct conn c;

	memset(&ev, 0, sizeof(ev));
	memset(&info, 0, sizeof(info));
	CHECK(sockobj_event_get_data(&ev) == NULL);
	CHECK(sockobj_info_get_data(&info) == NULL);
	ev.cookie = (uintptr_t)&c;
	info.cookie = (uintptr_t)&c;
	CHECK(sockobj_event_get_data(&ev) == &c);
	CHECK(sockobj_info_get_data(&info) == &c);
	return T_EXIT_PASS;
}

/* Two objects, two structures: every record finds its own. */
static int test_dispatch(void)
{
	struct conn conns[2] = { { .name = "a" }, { .name = "b" } };
	struct sockaddr_storage ss;
	struct sockobj_event evs[8];
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	int lfd, afd[2], ids[2], i, n;
	socklen_t len;

	if (need_module())
		return T_EXIT_SKIP;
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, 0));
	for (i = 0; i < 2; i++) {
		ids[i] = sockobj_create_data(ctx, SOCKOBJ_PROTO_TCP, &conns[i]);
		CHECK(ids[i] > 0);
		CHECK_OK(sockobj_set_target(ctx, ids[i],
					    (struct sockaddr *)&ss, len));
		CHECK_OK(sockobj_connect(ctx, ids[i]));
	}
	/* CONNECTING and ESTABLISHED of each, in whatever order. */
	while (conns[0].state != SOCKOBJ_STATE_ESTABLISHED ||
	       conns[1].state != SOCKOBJ_STATE_ESTABLISHED) {
		n = sockobj_wait_events(ctx, evs, 8, WAIT_MS);
		if (n < 0)
			FAILED("waiting: %s; states %s %s", sockobj_strerror(n),
			       sockobj_state_name(conns[0].state),
			       sockobj_state_name(conns[1].state));
		for (i = 0; i < n; i++) {
			struct conn *c = sockobj_event_get_data(&evs[i]);

			CHECK(c == &conns[0] || c == &conns[1]);
			CHECK_EQ(evs[i].id, ids[c - conns]);
			CHECK_EQ(evs[i].cookie, (uintptr_t)c);
			c->records++;
			if (evs[i].type == SOCKOBJ_EV_STATE)
				c->state = evs[i].state;
		}
	}
	for (i = 0; i < 2; i++) {
		CHECK(conns[i].records >= 2);
		CHECK_OK(sockobj_get_info(ctx, ids[i], &info));
		CHECK(sockobj_info_get_data(&info) == &conns[i]);
		afd[i] = accept_wait(lfd);
		CHECK(afd[i] >= 0);
	}
	close(afd[0]);
	close(afd[1]);
	close(lfd);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* NULL is a cookie of 0; create and create_data give the same cookie. */
static int test_same_cookie(void)
{
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	struct conn c;
	int id;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create_data(ctx, SOCKOBJ_PROTO_UDP, NULL);
	CHECK(id > 0);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.cookie, 0);
	CHECK(sockobj_info_get_data(&info) == NULL);

	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, (uintptr_t)&c);
	CHECK(id > 0);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK(sockobj_info_get_data(&info) == &c);

	CHECK_RET(sockobj_create_data(ctx, 99, &c), -EPROTONOSUPPORT);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("get", test_get);
	t_run("dispatch", test_dispatch);
	t_run("same_cookie", test_same_cookie);
	return t_exit();
}
