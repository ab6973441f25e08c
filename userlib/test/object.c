// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: the errors of object creation, configuration
 * and destruction.
 *
 * They need /dev/sockobj and skip without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static int test_object_errors(void)
{
	struct sockobj_ctx *ctx;
	struct sockobj_config cfg;
	struct sockobj_info info;
	struct sockobj_event ev;
	int id;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	CHECK_RET(sockobj_create(ctx, 0, 0), -EPROTONOSUPPORT);
	CHECK_RET(sockobj_create(ctx, SOCKOBJ_PROTO_UDP + 1, 0),
		  -EPROTONOSUPPORT);
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 77);
	CHECK(id > 0);

	CHECK_OK(sockobj_get_info(ctx, id, &info));
	CHECK_EQ(info.id, id);
	CHECK_EQ(info.proto, SOCKOBJ_PROTO_TCP);
	CHECK_EQ(info.cookie, 77);
	CHECK_EQ(info.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(info.reason, SOCKOBJ_REASON_NONE);
	CHECK_EQ(info.pending, 0);

	CHECK_RET(sockobj_get_info(ctx, id + 1000, &info), -ENOENT);
	CHECK_RET(sockobj_connect(ctx, id + 1000), -ENOENT);
	CHECK_RET(sockobj_connect(ctx, id), -EDESTADDRREQ);
	CHECK_RET(sockobj_disconnect(ctx, id), -ENOTCONN);
	CHECK_RET(sockobj_abort(ctx, id), -ENOTCONN);
	CHECK_RET(sockobj_set_iface(ctx, id, "nosuchif0", 0), -ENODEV);
	CHECK_RET(sockobj_set_iface(ctx, id, "lo", 1), -EINVAL);
	CHECK_RET(sockobj_set_iface(ctx, id, "0123456789abcdef", 0), -EINVAL);
	CHECK_RET(sockobj_set_connect_timeout(ctx, id,
					      SOCKOBJ_CONNECT_TIMEOUT_MAX_MS + 1),
		  -EINVAL);
	CHECK_RET(sockobj_destroy(ctx, id, ~0U), -EINVAL);

	/* One property per call; the others keep their value. */
	CHECK_OK(sockobj_set_connect_timeout(ctx, id, 1234));
	CHECK_OK(sockobj_set_iface(ctx, id, "lo", 0));
	CHECK_RET(sockobj_set_target_host(ctx, id, "bad..name", 80, AF_UNSPEC),
		  -SOCKOBJ_ENAME);
	CHECK_RET(sockobj_set_target_host(ctx, id, "127.0.0.1", 65536,
					  AF_UNSPEC), -EINVAL);
	CHECK_RET(sockobj_set_target_host(ctx, id, "127.0.0.1", 99999,
					  AF_UNSPEC), -EINVAL);
	CHECK_RET(sockobj_set_target_host(ctx, id, "127.0.0.1", 0,
					  AF_UNSPEC), -EINVAL);
	CHECK_OK(sockobj_set_target_host(ctx, id, "127.0.0.1", 9, AF_INET));
	CHECK_OK(sockobj_get_config(ctx, id, &cfg));
	CHECK_EQ(cfg.id, id);
	CHECK_EQ(cfg.mask, SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_IFACE |
		 SOCKOBJ_CFG_CONNECT_TIMEOUT);
	CHECK_EQ(cfg.connect_timeout_ms, 1234);
	CHECK(cfg.ifindex > 0);
	CHECK_STR(cfg.ifname, "lo");
	CHECK(fmt_is(&cfg.target, "127.0.0.1:9"));
	CHECK_EQ(cfg.local.family, 0);

	/* Raw form: unset the interface binding. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_IFACE;
	CHECK_OK(sockobj_configure(ctx, &cfg));
	CHECK_OK(sockobj_get_config(ctx, id, &cfg));
	CHECK_EQ(cfg.ifindex, 0);
	cfg.reserved[0] = 1;
	CHECK_RET(sockobj_configure(ctx, &cfg), -EINVAL);

	/* Already CLOSED with nothing pending: at once, synthesized. */
	memset(&ev, 0xaa, sizeof(ev));
	CHECK_OK(sockobj_wait_state(ctx, id,
				    SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED),
				    0, &ev));
	CHECK_EQ(ev.id, id);
	CHECK_EQ(ev.cookie, 77);
	CHECK_EQ(ev.state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(ev.merged, 0);
	CHECK_EQ(ev.seq, 0);
	CHECK_RET(sockobj_wait_state(ctx, id,
			SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED), 50, &ev),
		  -ETIME);
	CHECK_RET(sockobj_wait_state(ctx, id, 0, 0, &ev), -EINVAL);
	CHECK_RET(sockobj_wait_state(ctx, id, 1U << SOCKOBJ_STATE_COUNT, 0,
				     &ev), -EINVAL);
	CHECK_RET(sockobj_wait_state(ctx, id + 1000,
			SOCKOBJ_STATE_MASK_ALL, 0, &ev), -ENOENT);

	CHECK_OK(sockobj_destroy(ctx, id, 0));
	CHECK_RET(sockobj_get_info(ctx, id, &info), -ENOENT);
	CHECK_RET(sockobj_destroy(ctx, id, 0), -ENOENT);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("object_errors", test_object_errors);
	return t_exit();
}
