#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Runs every libsockobj test program (each *.c of this directory but
# helpers.c, built by `make -C userlib test`), or those named as
# arguments (runtests.sh race lookup), in name order, with its
# per-case output, then one line per program:
#	== NAME: pass|skip|FAIL (N passed, N failed, N skipped[, reason])
# and ends with the count of the cases of all programs:
#	libsockobj: N passed, N failed, N skipped
#
# A program exits 0 (pass), 1 (a case failed) or 77 (every case skipped);
# any other status (a crash, the alarm of a hang), a missing program or a
# status its case lines contradict counts as one more failed case.
# Exit status: 0 when nothing failed, 1 otherwise.
set -u

cd "$(dirname "$0")" || exit 1

T_EXIT_PASS=0
T_EXIT_FAIL=1
T_EXIT_SKIP=77

passed=0
failed=0
skipped=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

for src in *.c; do
	prog=${src%.c}
	[ "$prog" = helpers ] && continue
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qxF "$prog"; then
		continue
	fi
	if [ ! -x "$prog" ]; then
		echo "== $prog: FAIL (not built)"
		failed=$((failed + 1))
		continue
	fi
	"./$prog" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok   ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	s=$(grep -c '^skip ' "$out")
	why=
	case $rc in
	"$T_EXIT_PASS")
		[ "$f" -eq 0 ] && [ "$p" -gt 0 ] || why="exit $rc contradicts its cases" ;;
	"$T_EXIT_FAIL")
		[ "$f" -gt 0 ] || why="exit $rc without a failed case" ;;
	"$T_EXIT_SKIP")
		[ "$f" -eq 0 ] && [ "$p" -eq 0 ] && [ "$s" -gt 0 ] ||
			why="exit $rc contradicts its cases" ;;
	*)
		why="exit status $rc" ;;
	esac
	[ -z "$why" ] || f=$((f + 1))
	if [ "$f" -gt 0 ]; then
		result=FAIL
	elif [ "$p" -eq 0 ]; then
		result=skip
	else
		result=pass
	fi
	echo "== $prog: $result ($p passed, $f failed, $s skipped${why:+, $why})"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done

echo "libsockobj: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
