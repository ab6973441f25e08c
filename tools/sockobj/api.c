// SPDX-License-Identifier: MIT
/*
 * sockobj api: the API version, features and limits of the loaded module.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <stdio.h>
#include <string.h>

#include <sockobj.h>

#include "cmd.h"

int cmd_api(int argc, char **argv)
{
	struct sockobj_api api;
	struct sockobj_ctx *ctx;
	int ret;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("usage: " PROG " api\n\n"
			       "Print the API version, features and limits of the loaded module.\n");
			return EXIT_OK;
		}
		fprintf(stderr, "usage: " PROG " api\n");
		return EXIT_USAGE;
	}
	ret = sockobj_open(&ctx, 0);
	if (ret < 0) {
		err("cannot open /dev/" SOCKOBJ_DEVICE_NAME, ret);
		return EXIT_SYSTEM;
	}
	ret = sockobj_get_api(ctx, &api);
	sockobj_close(ctx);
	if (ret < 0) {
		err("SOCKOBJ_IOC_GET_API", ret);
		return EXIT_SYSTEM;
	}
	printf("api_version %u\n", api.api_version);
	printf("features   ");
	if (api.features & SOCKOBJ_FEAT_TCP)
		printf(" tcp");
	if (api.features & SOCKOBJ_FEAT_IPV6)
		printf(" ipv6");
	if (api.features & SOCKOBJ_FEAT_EVENTS)
		printf(" events");
	if (api.features & SOCKOBJ_FEAT_UDP)
		printf(" udp");
	if (api.features & SOCKOBJ_FEAT_DATA)
		printf(" data");
	if (api.features & SOCKOBJ_FEAT_OPTIONS)
		printf(" options");
	if (api.features & SOCKOBJ_FEAT_HANDOFF)
		printf(" handoff");
	printf(" (0x%llx)\n", (unsigned long long)api.features);
	printf("max_objects %u\n", api.max_objects);
	printf("event_size  %u\n", api.event_size);
	return EXIT_OK;
}
