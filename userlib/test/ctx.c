// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: the library version, sockobj_open() and its
 * arguments, the API the module reports, a non-blocking context with
 * nothing to read.
 *
 * The cases run after module_setup() need /dev/sockobj and skip
 * without it.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

/* The uapi layout is ABI: these sizes never change. */
_Static_assert(sizeof(struct sockobj_api) == 56, "sockobj_api size");
_Static_assert(sizeof(struct sockobj_addr) == 24, "sockobj_addr size");
_Static_assert(sizeof(struct sockobj_create) == 40, "sockobj_create size");
_Static_assert(sizeof(struct sockobj_config) == 152, "sockobj_config size");
_Static_assert(sizeof(struct sockobj_op) == 24, "sockobj_op size");
_Static_assert(sizeof(struct sockobj_info) == 168, "sockobj_info size");
_Static_assert(sizeof(struct sockobj_event) == 64, "sockobj_event size");

static int test_version(void)
{
	CHECK_EQ(SOCKOBJ_LIB_VERSION_MAJOR, 0);
	CHECK_EQ(SOCKOBJ_LIB_VERSION_MINOR, 10);
	CHECK_EQ(sockobj_lib_version(), SOCKOBJ_LIB_VERSION);
	CHECK_EQ(sockobj_lib_version(), SOCKOBJ_LIB_VERSION_NUM(0, 10));
	CHECK(SOCKOBJ_LIB_VERSION_NUM(0, 5) > SOCKOBJ_LIB_VERSION_NUM(0, 4));
	CHECK(SOCKOBJ_LIB_VERSION_NUM(1, 0) > SOCKOBJ_LIB_VERSION_NUM(0, 99));
	return T_EXIT_PASS;
}

static int test_open_args(void)
{
	struct sockobj_ctx *ctx = NULL;

	CHECK_RET(sockobj_open(NULL, 0), -EINVAL);
	CHECK_RET(sockobj_open(&ctx, ~SOCKOBJ_OPEN_F_ALL), -EINVAL);
	CHECK(ctx == NULL);
	sockobj_close(NULL);
	return T_EXIT_PASS;
}

static int test_api(void)
{
	struct sockobj_ctx *ctx;
	struct sockobj_api api;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, 0));
	CHECK(sockobj_fd(ctx) >= 0);
	CHECK(fcntl(sockobj_fd(ctx), F_GETFD) & FD_CLOEXEC);
	CHECK(!(fcntl(sockobj_fd(ctx), F_GETFL) & O_NONBLOCK));
	CHECK_OK(sockobj_get_api(ctx, &api));
	printf("    api_version %u event_size %u features %#llx "
	       "max_objects %u\n", api.api_version, api.event_size,
	       (unsigned long long)api.features, api.max_objects);
	CHECK_EQ(api.api_version, SOCKOBJ_API_VERSION);
	CHECK_EQ(api.event_size, sizeof(struct sockobj_event));
	CHECK(api.features & SOCKOBJ_FEAT_TCP);
	CHECK(api.features & SOCKOBJ_FEAT_EVENTS);
	CHECK(api.max_objects > 0);
	CHECK_OK(sockobj_check_api(ctx));
	CHECK_EQ(sockobj_queued_events(ctx), 0);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

static int test_nonblock_empty(void)
{
	struct sockobj_ctx *ctx;
	struct sockobj_event evs[4];
	struct timespec t0, t1;
	long ms;

	if (need_module())
		return T_EXIT_SKIP;
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK(fcntl(sockobj_fd(ctx), F_GETFL) & O_NONBLOCK);
	CHECK_RET(sockobj_read_events(ctx, evs, 4), -EAGAIN);
	CHECK_RET(sockobj_read_events(ctx, evs, 0), -EINVAL);
	CHECK_RET(sockobj_wait_events(ctx, evs, 4, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_RET(sockobj_wait_events(ctx, evs, 4, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= 90 && ms < 2000);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	t_run("version", test_version);
	t_run("open_args", test_open_args);
	module_setup();
	t_run("api", test_api);
	t_run("nonblock_empty", test_nonblock_empty);
	return t_exit();
}
