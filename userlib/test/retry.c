// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: the retry policy through the library:
 * set and read back, refused attempts retried until a listener appears,
 * a cancel while the policy waits.
 *
 * They need /dev/sockobj and SOCKOBJ_FEAT_RETRY, and skip without them.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static const struct sockobj_retry policy = {
	.max_attempts = 50,
	.delay_ms = 100,
	.max_delay_ms = 100,
	.factor_pct = 100,
	.jitter = SOCKOBJ_JITTER_NONE,
};

/* Set, read back, refused; removed with NULL. */
static int test_set_get(void)
{
	struct sockobj_retry r = policy, g;
	struct sockobj_ctx *ctx;
	int id;

	NEED_FEATURE(SOCKOBJ_FEAT_RETRY);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 1);
	CHECK(id > 0);
	r.id = 12345;	/* ignored */
	CHECK_OK(sockobj_set_retry(ctx, id, &r));
	CHECK_OK(sockobj_get_retry(ctx, id, &g));
	CHECK_EQ(g.id, (unsigned int)id);
	CHECK_EQ(g.max_attempts, 50U);
	CHECK_EQ(g.reasons, (uint64_t)SOCKOBJ_RETRY_REASONS_DEFAULT);
	r.factor_pct = 50;
	CHECK_RET(sockobj_set_retry(ctx, id, &r), -EINVAL);
	CHECK_RET(sockobj_set_retry(ctx, id + 1, &policy), -ENOENT);
	CHECK_OK(sockobj_set_retry(ctx, id, NULL));
	CHECK_OK(sockobj_get_retry(ctx, id, &g));
	CHECK_EQ(g.max_attempts, 0U);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* Nothing listens at first: RETRY_WAIT records until a listener appears. */
static int test_until_listening(void)
{
	struct sockaddr_storage ss;
	struct sockobj_event ev;
	struct sockobj_info info;
	struct sockobj_ctx *ctx;
	socklen_t len;
	int lfd, id, afd;

	NEED_FEATURE(SOCKOBJ_FEAT_RETRY);
	/* A port nobody listens on: bind one, learn it, close it. */
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	close(lfd);
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 2);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_set_retry(ctx, id, &policy));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_RETRY_WAIT), WAIT_MS, &ev));
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_REFUSED);
	CHECK_EQ(ev.retry_ms, 100U);
	CHECK_EQ(ev.attempt, 1U);
	CHECK_STR(sockobj_state_name(ev.state), "RETRY_WAIT");

	/* Listen on that port again: a later attempt gets through. */
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	CHECK(lfd >= 0);
	CHECK_EQ(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 },
			    sizeof(int)), 0);
	CHECK_EQ(bind(lfd, (struct sockaddr *)&ss, len), 0);
	CHECK_EQ(listen(lfd, 4), 0);
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED), WAIT_MS, &ev));
	CHECK(ev.attempt >= 2);
	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.attempt, ev.attempt);
	CHECK_EQ(info.retries, ev.attempt - 1);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	close(afd);
	close(lfd);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* A wait cancelled by sockobj_disconnect(): CLOSED, CANCELLED at once. */
static int test_cancel(void)
{
	struct sockobj_retry r = policy;
	struct sockaddr_storage ss;
	struct sockobj_event ev;
	struct sockobj_ctx *ctx;
	socklen_t len;
	int lfd, id;

	NEED_FEATURE(SOCKOBJ_FEAT_RETRY);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	close(lfd);
	r.delay_ms = r.max_delay_ms = 60000;
	CHECK_OK(open_ctx(&ctx, 0));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 3);
	CHECK(id > 0);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_set_retry(ctx, id, &r));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_RETRY_WAIT), WAIT_MS, &ev));
	CHECK_RET(sockobj_connect(ctx, id), -EISCONN);
	CHECK_OK(sockobj_disconnect(ctx, id));
	CHECK_OK(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED), WAIT_MS, &ev));
	CHECK_EQ(ev.reason, SOCKOBJ_REASON_CANCELLED);
	CHECK_EQ(ev.phase, SOCKOBJ_STATE_RETRY_WAIT);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("set_get", test_set_get);
	t_run("until_listening", test_until_listening);
	t_run("cancel", test_cancel);
	return t_exit();
}
