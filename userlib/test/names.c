// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests: the names and descriptions of states, close
 * reasons and event types; sockobj_strerror().
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "helpers.h"

static int test_names(void)
{
	static const char *const states[] = {
		"CLOSED", "CONNECTING", "ESTABLISHED", "PEER_CLOSING",
		"CLOSING", "RETRY_WAIT", "LISTENING", "PASSIVE_OPENING",
	};
	unsigned int i, j;

	CHECK_EQ(sizeof(states) / sizeof(states[0]), SOCKOBJ_STATE_COUNT);
	for (i = 0; i < SOCKOBJ_STATE_COUNT; i++)
		CHECK_STR(sockobj_state_name(i), states[i]);
	CHECK_STR(sockobj_state_name(SOCKOBJ_STATE_COUNT), "unknown");
	CHECK_STR(sockobj_state_name(~0U), "unknown");

	for (i = 0; i < SOCKOBJ_REASON_COUNT; i++) {
		CHECK(strcmp(sockobj_reason_name(i), "unknown"));
		CHECK(strcmp(sockobj_reason_describe(i), "unknown"));
		CHECK(strlen(sockobj_reason_describe(i)) > 10);
		for (j = 0; j < i; j++) {
			CHECK(strcmp(sockobj_reason_name(i),
				     sockobj_reason_name(j)));
			CHECK(strcmp(sockobj_reason_describe(i),
				     sockobj_reason_describe(j)));
		}
	}
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_NONE), "NONE");
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_REFUSED), "REFUSED");
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_CONNECT_TIMEOUT),
		  "CONNECT_TIMEOUT");
	CHECK_STR(sockobj_reason_describe(SOCKOBJ_REASON_REFUSED),
		  "connection refused by the peer");
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_INACTIVITY), "INACTIVITY");
	CHECK_STR(sockobj_reason_describe(SOCKOBJ_REASON_INACTIVITY),
		  "no data moved either way for too long");
	CHECK_STR(sockobj_reason_name(SOCKOBJ_REASON_COUNT), "unknown");
	CHECK_STR(sockobj_reason_describe(SOCKOBJ_REASON_COUNT), "unknown");

	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_STATE), "STATE");
	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_READABLE), "READABLE");
	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_WRITABLE), "WRITABLE");
	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_SENT), "SENT");
	CHECK_STR(sockobj_event_type_name(SOCKOBJ_EV_ERROR), "ERROR");
	CHECK_STR(sockobj_event_type_name(0), "unknown");
	CHECK_STR(sockobj_event_type_name(1000), "unknown");
	return T_EXIT_PASS;
}

static int test_strerror(void)
{
	CHECK(SOCKOBJ_ENAME > SOCKOBJ_ERRNO_MAX);
	CHECK_STR(sockobj_strerror(-ENOENT), strerror(ENOENT));
	CHECK_STR(sockobj_strerror(ENOENT), strerror(ENOENT));
	CHECK(strlen(sockobj_strerror(-SOCKOBJ_ENAME)) > 0);
	CHECK(strcmp(sockobj_strerror(-SOCKOBJ_ENAME),
		     strerror(SOCKOBJ_ENAME)));
	CHECK(strcmp(sockobj_strerror(-SOCKOBJ_ENAME), strerror(ENOENT)));
	/* A temporary name failure is neither EAGAIN nor SOCKOBJ_ENAME. */
	CHECK(SOCKOBJ_ENAMEAGAIN > SOCKOBJ_ERRNO_MAX);
	CHECK(SOCKOBJ_ENAMEAGAIN != SOCKOBJ_ENAME);
	CHECK_STR(sockobj_strerror(-SOCKOBJ_ENAMEAGAIN),
		  "Temporary failure in name resolution");
	CHECK_STR(sockobj_strerror(SOCKOBJ_ENAMEAGAIN),
		  "Temporary failure in name resolution");
	CHECK(strcmp(sockobj_strerror(-SOCKOBJ_ENAMEAGAIN), strerror(EAGAIN)));
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	t_run("names", test_names);
	t_run("strerror", test_strerror);
	return t_exit();
}
