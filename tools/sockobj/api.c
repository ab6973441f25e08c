// SPDX-License-Identifier: MIT
/*
 * sockobj api: the API version, features and limits of the loaded module.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sockobj.h>

#include "cmd.h"

static const struct {
	uint64_t bit;
	const char *name;
} features[] = {
	{ SOCKOBJ_FEAT_TCP, "tcp" },
	{ SOCKOBJ_FEAT_IPV6, "ipv6" },
	{ SOCKOBJ_FEAT_EVENTS, "events" },
	{ SOCKOBJ_FEAT_UDP, "udp" },
	{ SOCKOBJ_FEAT_DATA, "data" },
	{ SOCKOBJ_FEAT_OPTIONS, "options" },
	{ SOCKOBJ_FEAT_HANDOFF, "handoff" },
	{ SOCKOBJ_FEAT_BATCH, "batch" },
	{ SOCKOBJ_FEAT_RETRY, "retry" },
};

int cmd_api(int argc, char **argv)
{
	uint64_t known = 0;
	size_t i;
	struct sockobj_api api;
	struct sockobj_ctx *ctx;
	int ret;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("usage: " PROG " api\n\n"
			       "Print the API version, features (tcp ipv6 events udp data options\n"
			       "handoff batch retry) and limits of the loaded module.\n\n"
			       "Exit status: 0, 71 when the module is not loaded or fails.\n");
			return EXIT_OK;
		}
		fprintf(stderr, "usage: " PROG " api\n");
		return EXIT_USAGE;
	}
	ret = sockobj_open(&ctx, 0);
	if (ret < 0)
		return err_open(ret);
	ret = sockobj_get_api(ctx, &api);
	sockobj_close(ctx);
	if (ret < 0) {
		err("SOCKOBJ_IOC_GET_API", ret);
		return EXIT_SYSTEM;
	}
	printf("api_version %u\n", api.api_version);
	printf("features   ");
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		known |= features[i].bit;
		if (api.features & features[i].bit)
			printf(" %s", features[i].name);
	}
	/* A later module's features, by bit, until this command knows them. */
	if (api.features & ~known)
		printf(" unknown:0x%llx",
		       (unsigned long long)(api.features & ~known));
	printf(" (0x%llx)\n", (unsigned long long)api.features);
	printf("max_objects %u\n", api.max_objects);
	printf("event_size  %u\n", api.event_size);
	return EXIT_OK;
}
