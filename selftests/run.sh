#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the installed sockobj selftests with the kernel's own runner, in a
# test VM (or on any machine as root with the module loaded):
#
#   tools/testing/vm-run --kernel K -- selftests/run.sh [PROG...]
#
# Every program of the kselftest target drivers/sockobj, or only those
# named (names or paths: the base name is taken). This only prepares the
# environment and calls run_kselftest.sh; what the runner does is its own:
# each program gets the timeout of ./settings, a program skipped as a whole
# exits KSFT_SKIP with its reason, the output is TAP. The kernel checks
# (splats, kmemleak, rmmod) are vm-run's.
#
# The installed tree is build/kselftest/<VERSION.PATCHLEVEL of the running
# kernel>/install/ (tools/testing/build-selftests.sh; make selftests for 6.1),
# or SOCKOBJ_KSFT_DIR. The environment: SOCKOBJ_CMD (cmd_test.sh's
# command) is this repository's tools/sockobj/sockobj unless set;
# SOCKOBJ_TEST_TIMEOUT overrides the timeout of ./settings with the
# runner's -o where it has one (6.12 and later). The runner's TAP is also
# written to $SOCKOBJ_OUT/kselftest.tap when vm-run has --out.
#
# The last line, from tools/testing/ksft-count.awk over that TAP, is
# "selftests: N passed, N failed, N skipped" (test cases); the exit status
# is 0 only when nothing failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
collection=drivers/sockobj

rel=$(uname -r)
ver=$(echo "$rel" | cut -d. -f1,2)
dir=${SOCKOBJ_KSFT_DIR:-$repo/build/kselftest/$ver/install}
if [ ! -x "$dir/run_kselftest.sh" ]; then
	echo "run.sh: no kselftest install for Linux $ver in $dir: tools/testing/build-selftests.sh ${SOCKOBJ_KERNEL:-$ver} (make selftests for 6.1)" >&2
	exit 2
fi

args=()
for p in "$@"; do
	args+=(-t "$collection:$(basename "$p")")
done
if [ -n "${SOCKOBJ_TEST_TIMEOUT:-}" ]; then
	if grep -q -- '--override-timeout' "$dir/run_kselftest.sh"; then
		args+=(-o "$SOCKOBJ_TEST_TIMEOUT")
	else
		echo "run.sh: this runner has no -o: SOCKOBJ_TEST_TIMEOUT ignored, the timeout is $dir/$collection/settings'" >&2
	fi
fi

# The in-place 6.1 build is installed by make selftests: say when a
# program was rebuilt since.
if [ "$ver" = 6.1 ] && [ -z "${SOCKOBJ_KSFT_DIR:-}" ]; then
	for f in "$dir/$collection"/*; do
		b=$here/${f##*/}
		if [ -f "$b" ] && [ "$b" -nt "$f" ]; then
			echo "run.sh: $b is newer than its installed copy: run make selftests (tools/testing/build-selftests.sh)" >&2
		fi
	done
fi

export SOCKOBJ_CMD=${SOCKOBJ_CMD:-$repo/tools/sockobj/sockobj}

if [ -n "${SOCKOBJ_OUT:-}" ]; then
	tap=$SOCKOBJ_OUT/kselftest.tap
else
	tap=$(mktemp "${TMPDIR:-/tmp}/sockobj-kselftest.XXXXXX") || exit 2
	trap 'rm -f "$tap"' EXIT
fi

# The runner's output into $tap unchanged and to the console, where each
# program's result line is followed by how long the program ran, and a
# test case's by how long it ran when that was 3 s or more: the budget of
# make check is spent per program and per case.
timed() {
	local line name start=$SECONDS case_start=$SECONDS
	: >"$tap"
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$tap"
		printf '%s\n' "$line"
		case $line in
		"# selftests: $collection: "*)
			start=$SECONDS ;;
		"ok "*" selftests: $collection: "* | "not ok "*" selftests: $collection: "*)
			name=${line#*"$collection: "}
			echo "# ${name%% *}: $((SECONDS - start)) s" ;;
		"# #  RUN "*)
			case_start=$SECONDS ;;
		"# ok "* | "# not ok "*)
			if [ $((SECONDS - case_start)) -ge 3 ]; then
				echo "# # (that case took $((SECONDS - case_start)) s)"
			fi
			case_start=$SECONDS ;;
		esac
	done
}

echo "run.sh: $dir/run_kselftest.sh ${args[*]} (Linux $rel)"
# Through a pipe: the 6.1 runner appends the programs' output to
# /dev/stdout, which, were it a file, it would reopen at another offset.
"$dir/run_kselftest.sh" "${args[@]}" 2>&1 | timed
awk -f "$repo/tools/testing/ksft-count.awk" "$tap"
