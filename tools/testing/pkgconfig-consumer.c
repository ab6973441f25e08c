// SPDX-License-Identifier: MIT
/*
 * A program outside the source tree of libsockobj: tools/testing/check-install.sh
 * builds it against an installed copy of the library with nothing but the
 * flags "pkg-config --cflags --libs sockobj" gives, then runs it. It checks
 * that the installed headers compile (<sockobj/sockobj.h> pulling in the
 * installed <linux/sockobj.h>), that the library links and loads, and that
 * the library found at run time is the one the header describes.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <stdio.h>
#include <string.h>

#include <sockobj/sockobj.h>

int main(void)
{
	int v = sockobj_lib_version();
	const char *name = sockobj_state_name(SOCKOBJ_STATE_ESTABLISHED);

	printf("libsockobj %d.%d (header %d.%d), state %u is %s\n",
	       v >> 16, v & 0xffff, SOCKOBJ_LIB_VERSION_MAJOR,
	       SOCKOBJ_LIB_VERSION_MINOR, SOCKOBJ_STATE_ESTABLISHED, name);
	if (v != SOCKOBJ_LIB_VERSION) {
		fprintf(stderr, "library version %#x, header says %#x\n",
			(unsigned int)v, (unsigned int)SOCKOBJ_LIB_VERSION);
		return 1;
	}
	if (!name || strcmp(name, "unknown") == 0) {
		fprintf(stderr, "no name for SOCKOBJ_STATE_ESTABLISHED\n");
		return 1;
	}
	return 0;
}
