#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sockobj's KUnit suites on a kernel that has KUnit, in a VM, counted:
#
#   tools/testing/kunit-run.sh KERNEL TREE DIR
#
# KERNEL is a vm-run kernel with KUnit (debug, 6.12, 7.2) for which
# build/KERNEL/kmod/sockobj_kunit.ko is built, TREE its source tree (whose
# tools/testing/kunit/kunit.py parses the results). The suites run when
# sockobj_kunit.ko loads; the KTAP they printed is read back from debugfs
# into DIR/results.ktap, merged into one document (kunit-merge.awk) in
# DIR.ktap and parsed into DIR-parse.txt. The VM's output and the parse go
# to stdout. The last line is "kunit: N passed, N failed, N skipped" (a
# crashed test counts as failed, and so does a VM run or a parse that
# failed, or a run where no test passed); the exit status is 0 only when
# nothing failed. make check (check.sh) and check-kernels.sh both run it.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
if [ $# -ne 3 ]; then
	echo "usage: tools/testing/kunit-run.sh KERNEL TREE DIR" >&2
	exit 2
fi
k=$1 tree=$2
# Absolute: the guest writes there, from its own working directory.
dir=$(realpath -m -- "$3")
mkdir -p "$dir"
# The suites take seconds and the whole run under half a minute; a guest
# that hangs fails in 10 minutes rather than at vm-run's default 25.
# shellcheck disable=SC2016 # the guest's script
tools/testing/vm-run --kernel "$k" --module "build/$k/kmod/sockobj_kunit.ko" \
	--timeout 600 --out "$dir" -- sh -c \
	'cat /sys/kernel/debug/kunit/sockobj*/results > "$1/results.ktap"' sh "$dir" \
	</dev/null 2>&1
rc=$?
awk -f tools/testing/kunit-merge.awk "$dir/results.ktap" >"$dir.ktap" 2>/dev/null
/usr/bin/python3 "$tree/tools/testing/kunit/kunit.py" parse "$dir.ktap" 2>&1 |
	sed 's/\x1b\[[0-9;]*m//g' | tee "$dir-parse.txt"
prc=${PIPESTATUS[0]}

# kunit.py's last line: "Testing complete. Ran N tests: passed: P,
# failed: F, crashed: C, skipped: S" (the zero counts left out)
line=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$dir-parse.txt" | tail -n 1)
num() { sed -nE "s/.*$1: ([0-9]+).*/\\1/p" <<<"$line"; }
p=$(num passed)
f=$(num failed)
c=$(num crashed)
s=$(num skipped)
p=${p:-0} s=${s:-0} f=$((${f:-0} + ${c:-0}))
if [ -z "$line" ]; then
	echo "kunit-run: no KTAP result on $k (vm status $rc)"
	f=1
elif [ "$f" -eq 0 ] && { [ "$p" -eq 0 ] || [ "$rc" -ne 0 ] || [ "$prc" -ne 0 ]; }; then
	echo "kunit-run: no test passed on $k, or the VM run or the parse failed (vm $rc, parse $prc)"
	f=1
fi
echo "kunit: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
