#!/bin/bash
# The kernels beyond stock and debug, for make check (or alone):
#
#   tools/testing/check-kernels.sh [KERNEL...]
#
# default: $SOCKOBJ_CHECK_KERNELS, else "rt 6.12 7.2" (SOCKOBJ_CHECK_KERNELS=
# (empty) runs none). make check runs it once per kernel of that list, two
# of them at the same time in its two VM lanes.
#
#   rt     Debian's 6.1 PREEMPT_RT kernel (linux-image-rt-amd64)
#   6.12   Linux 6.12 LTS, built from Debian 13's linux-source-6.12
#   7.2    Linux 7.2, built from sid's linux-source-7.2, PREEMPT_RT (with
#          lockdep, which Debian's rt kernel does not have)
#          (tools/testing/kernel/build-kernel.sh: debug.config without KASAN
#          and kmemleak, so with KUnit, lockdep and fault injection; built
#          once, cached outside the checkout)
#
# On each: the module built against it; the KUnit suites where the kernel
# has KUnit (6.12, 7.2); the selftests (all on the newest, 7.2; those of
# SELFTESTS below on the others), the kselftest
# target built against that tree's own lib.mk and harness and installed
# with its runner (rt: the 6.1 ones; tools/testing/build-selftests.sh), run
# by that runner in a VM that also fails on any kernel splat and on a
# failed rmmod, counted from the runner's TAP. Prints the time each kernel
# took and ends with "kernels: N passed, N failed, N skipped". Logs in
# build/check/kernels/. Needs the userspace built (make userlib tools) and,
# for rt, the 6.1 install (make selftests), as make check does before.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD
LOGDIR=$REPO/build/check/kernels
mkdir -p "$LOGDIR"

# The newest kernel runs the full suite, as stock and debug do. The others
# run every selftest program but the three longest (make check's time
# budget cannot pay them twice more): fuzz_ioctl (100,000 iterations),
# stress (10,000 objects) and cmd_test.sh (64 MiB transfers); and
# data_test with 32 MiB each way instead of 256.
NEWEST=7.2
SELFTESTS=(device_test config_test connect_test trace_test batch_test data_test
	udp_test options_test handoff_test fault_inject privilege_test retry_test listen_test
	uring_test ring_test)
NOT_HERE="fuzz_ioctl stress cmd_test.sh"
SUBSET_DATA_MIB=32

if [ $# -gt 0 ]; then
	kernels=("$@")
else
	read -r -a kernels <<<"${SOCKOBJ_CHECK_KERNELS-rt 6.12 7.2}"
fi

passed=0
failed=0
skipped=0
failures=()

say() { printf '\n==> %s\n' "$*"; }
fail() { failed=$((failed + 1)); failures+=("$*"); }

# Add the counts of the last "<name>: N passed, N failed, N skipped" line
# of log $1; 1 when there is none.
count() {
	local log=$1 name=$2 line p f s
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?" "$log" | tail -n 1)
	[ -n "$line" ] || return 1
	p=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
	[ "$f" -eq 0 ] || failures+=("$3 ($f failed, see ${log#"$REPO"/})")
	return 0
}

# KUnit on kernel $1 (tree $2): tools/testing/kunit-run.sh, counted
kunit() {
	local k=$1 log=$LOGDIR/kunit-$1.log
	say "KUnit on the $k kernel"
	tools/testing/kunit-run.sh "$k" "$2" "$LOGDIR/kunit-$k" 2>&1 | tee "$log"
	count "$log" kunit "KUnit on $k" || fail "KUnit on $k: no result line (see ${log#"$REPO"/})"
}

SECONDS=0
for k in "${kernels[@]}"; do
	t0=$SECONDS
	# only this kernel's logs: make check runs kernels at the same time
	rm -rf "$LOGDIR"/*-"$k" "$LOGDIR"/*-"$k".* "$LOGDIR"/*-"$k"-*
	tree=
	case $k in
	rt)
		say "Linux 6.1 PREEMPT_RT (Debian's linux-image-rt-amd64)"
		# The 6.1 selftests: make check builds them first; run alone,
		# build them here (never again: a VM may be running them).
		if [ ! -x "$REPO/build/kselftest/6.1/install/run_kselftest.sh" ] &&
		   ! tools/testing/build-selftests.sh rt >/dev/null; then
			fail "Linux 6.1 (rt): the selftests do not build against its kselftest"; continue
		fi ;;
	6.12 | 7.2)
		say "Linux $k from Debian's linux-source-$k: the first build takes 10-15 minutes on 2 cores (more while VMs run), later runs use the cache"
		if ! tree=$(tools/testing/kernel/build-kernel.sh "$k"); then
			fail "Linux $k: kernel build failed"; continue
		fi
		echo "$k tree: $tree"
		if ! tools/testing/build-selftests.sh "$k" >/dev/null; then
			fail "Linux $k: the selftests do not build against its kselftest"; continue
		fi ;;
	*)
		fail "unknown kernel '$k' (want rt, 6.12 or 7.2)"; continue ;;
	esac
	tb=$SECONDS
	say "Building the module for the $k kernel"
	if ! tools/testing/build-module.sh "$k" 2>&1 | tee "$LOGDIR/module-$k.log"; then
		fail "Linux $k: module build failed (see ${LOGDIR#"$REPO"/}/module-$k.log)"; continue
	fi
	if grep -q 'warning:' "$LOGDIR/module-$k.log"; then
		fail "Linux $k: the module build warns (see ${LOGDIR#"$REPO"/}/module-$k.log)"
	fi
	if [ -n "$tree" ]; then
		if [ -f "build/$k/kmod/sockobj_kunit.ko" ]; then
			kunit "$k" "$tree"
		else
			fail "Linux $k: sockobj_kunit.ko was not built"
		fi
	fi
	log=$LOGDIR/selftests-$k.log
	out=$LOGDIR/selftests-$k
	mkdir -p "$out"
	if [ "$k" = "$NEWEST" ]; then
		say "Selftests on the $k kernel, the newest: the full suite"
		tools/testing/vm-run --kernel "$k" --timeout 3600 --out "$out" \
			-- selftests/run.sh 2>&1 | tee "$log"
	else
		say "Selftests on the $k kernel: ${SELFTESTS[*]} (data_test with $SUBSET_DATA_MIB MiB; not here, for time: $NOT_HERE, which run on stock, debug and $NEWEST)"
		SOCKOBJ_DATA_MIB=$SUBSET_DATA_MIB \
			tools/testing/vm-run --kernel "$k" --timeout 2400 --out "$out" \
			-- selftests/run.sh "${SELFTESTS[@]}" 2>&1 | tee "$log"
	fi
	rc=${PIPESTATUS[0]}
	if [ ! -s "$out/kselftest.tap" ]; then
		fail "selftests on $k: the runner printed no TAP (exit $rc, see ${log#"$REPO"/})"
	else
		awk -f tools/testing/ksft-count.awk "$out/kselftest.tap" >"$out.count"
		echo "counted from ${out#"$REPO"/}/kselftest.tap:"
		cat "$out.count"
		if ! count "$out.count" selftests "selftests on $k"; then
			fail "selftests on $k: no count (see ${out#"$REPO"/}.count)"
		elif [ "$rc" -ne 0 ] && ! grep -qE "^selftests: [0-9]+ passed, [1-9]" "$out.count"; then
			fail "selftests on $k: VM run failed with status $rc (see ${log#"$REPO"/})"
		fi
	fi
	echo "Linux $k: kernel $((tb - t0)) s, module and tests $((SECONDS - tb)) s"
done

say "Other kernels: ${kernels[*]} ($((SECONDS / 60)) min $((SECONDS % 60)) s)"
for f in "${failures[@]}"; do
	echo "FAILED: $f"
done
echo "kernels: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
