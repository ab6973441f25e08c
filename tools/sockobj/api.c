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
	{ SOCKOBJ_FEAT_LISTEN, "listen" },
	{ SOCKOBJ_FEAT_RECONNECT, "reconnect" },
	{ SOCKOBJ_FEAT_LISTEN_UDP, "listen-udp" },
	{ SOCKOBJ_FEAT_BATCH_RECV, "batch-recv" },
	{ SOCKOBJ_FEAT_BATCH_WAIT, "batch-wait" },
	{ SOCKOBJ_FEAT_BATCH_VEC, "batch-vec" },
	{ SOCKOBJ_FEAT_URING_CMD, "uring-cmd" },
	{ SOCKOBJ_FEAT_EVENT_RING, "event-ring" },
};

int cmd_api(int argc, char **argv)
{
	const char *names[sizeof(features) / sizeof(features[0])];
	uint64_t known = 0;
	size_t i, n = 0;
	struct sockobj_api api;
	struct sockobj_ctx *ctx;
	struct json j;
	int ret, k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
			printf("usage: " PROG " api [--json]\n\n"
			       "Print the API version, features (tcp ipv6 events udp data options\n"
			       "handoff batch retry listen reconnect listen-udp batch-recv batch-wait\n"
			       "batch-vec uring-cmd event-ring) and\n"
			       "limits of the "
			       "loaded module.\n\n"
			       "  --json      one JSON object: api_version, features (an array of\n"
			       "              names), features_mask, unknown_features, max_objects,\n"
			       "              event_size\n\n"
			       "Exit status: 0, 71 when the module is not loaded or fails.\n");
			return EXIT_OK;
		}
		if (strcmp(argv[k], "--json")) {
			errorf("api: unknown argument '%s'", argv[k]);
			if (!json_mode)
				fprintf(stderr, "usage: " PROG " api [--json]\n");
			return EXIT_USAGE;
		}
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
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		known |= features[i].bit;
		if (api.features & features[i].bit)
			names[n++] = features[i].name;
	}
	if (json_mode) {
		json_begin(&j, stdout);
		json_uint(&j, "api_version", api.api_version);
		json_strv(&j, "features", names, n);
		json_uint(&j, "features_mask", api.features);
		json_uint(&j, "unknown_features", api.features & ~known);
		json_uint(&j, "max_objects", api.max_objects);
		json_uint(&j, "event_size", api.event_size);
		json_end(&j);
		return EXIT_OK;
	}
	printf("api_version %u\n", api.api_version);
	printf("features   ");
	for (i = 0; i < n; i++)
		printf(" %s", names[i]);
	/* A later module's features, by bit, until this command knows them. */
	if (api.features & ~known)
		printf(" unknown:0x%llx",
		       (unsigned long long)(api.features & ~known));
	printf(" (0x%llx)\n", (unsigned long long)api.features);
	printf("max_objects %u\n", api.max_objects);
	printf("event_size  %u\n", api.event_size);
	return EXIT_OK;
}
