#!/bin/bash
# make check: the one test command.
#
# Installs what is missing, builds everything for the stock Debian kernel and
# for the debug kernel (built once, cached outside the checkout), then runs in
# VMs: the KUnit suites on the debug kernel, the selftests on both kernels
# (the kselftest target drivers/sockobj, installed with the kernel tree's
# run_kselftest.sh, which runs them; counted from its TAP),
# the library tests, the examples and the Python binding's tests on the stock
# kernel; on the host: the library's and the sockobj
# command's own check targets, lint, the install and in-tree checks. Each VM
# run also fails on any kernel splat, kmemleak report or failed rmmod. Then
# tools/testing/check-kernels.sh: the module, KUnit where there is KUnit and
# a named subset of the selftests on Debian's 6.1 PREEMPT_RT kernel and on
# Linux 6.12 and 7.2 built from Debian's sources (cached like the debug
# kernel). Ends with "N passed, N failed, N skipped".
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD
LOGDIR=$REPO/build/check
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"

passed=0
failed=0
skipped=0
failures=()

say() { printf '\n==> %s\n' "$*"; }
die() { echo "check: $*" >&2; exit 1; }

# Count "<name>: N passed, N failed, N skipped" lines of a log.
count_summary() {
	local log=$1 name=$2 line p f s
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?" "$log" | tail -n 1)
	if [ -z "$line" ]; then
		return 1
	fi
	p=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
	[ "$f" -eq 0 ] || failures+=("$name ($f failed, see ${log#"$REPO"/})")
	return 0
}

# The selftests in a VM, run by the kernel's kselftest runner
# (selftests/run.sh): the counts come from the TAP the runner printed,
# saved through vm-run --out and read by tools/testing/ksft-count.awk; a
# VM-level failure (splat, rmmod, timeout, crash) counts as one more
# failure.
ksft_step() {
	local title=$1 tag=$2 out=$LOGDIR/$2
	shift 2
	say "$title"
	mkdir -p "$out"
	tools/testing/vm-run --out "$out" "$@" 2>&1 | tee "$LOGDIR/$tag.log"
	local rc=${PIPESTATUS[0]}
	if [ ! -s "$out/kselftest.tap" ]; then
		failed=$((failed + 1))
		failures+=("$title: the runner printed no TAP (exit $rc, see build/check/$tag.log)")
		return
	fi
	awk -f tools/testing/ksft-count.awk "$out/kselftest.tap" >"$LOGDIR/$tag.count"
	echo "counted from ${out#"$REPO"/}/kselftest.tap:"
	cat "$LOGDIR/$tag.count"
	if ! count_summary "$LOGDIR/$tag.count" selftests; then
		failed=$((failed + 1))
		failures+=("$title: no count (see build/check/$tag.count)")
	elif [ "$rc" -ne 0 ] && ! grep -qE "^selftests: [0-9]+ passed, [1-9]" "$LOGDIR/$tag.count"; then
		failed=$((failed + 1))
		failures+=("$title: VM run failed with status $rc (see build/check/$tag.log)")
	fi
}

# Run a step in a VM; its own counts come from its summary line; a VM-level
# failure (splat, rmmod, timeout, crash) counts as one more failure.
vm_step() {
	local title=$1 name=$2 log=$LOGDIR/$3
	shift 3
	say "$title"
	tools/testing/vm-run "$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	if ! count_summary "$log" "$name"; then
		failed=$((failed + 1))
		failures+=("$title: no result line (exit $rc, see ${log#"$REPO"/})")
	elif [ "$rc" -ne 0 ] && ! grep -qE "^$name: [0-9]+ passed, [1-9]" "$log"; then
		failed=$((failed + 1))
		failures+=("$title: VM run failed with status $rc (see ${log#"$REPO"/})")
	fi
}

# A step on the host with its own "<name>: N passed, N failed" line.
host_step() {
	local title=$1 name=$2 log=$LOGDIR/$3
	shift 3
	say "$title"
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	if ! count_summary "$log" "$name"; then
		failed=$((failed + 1))
		failures+=("$title: no result line (exit $rc, see ${log#"$REPO"/})")
	elif [ "$rc" -ne 0 ] && ! grep -qE "^$name: [0-9]+ passed, [1-9]" "$log"; then
		failed=$((failed + 1))
		failures+=("$title: failed with status $rc (see ${log#"$REPO"/})")
	fi
}

SECONDS=0
say "Installing missing Debian packages (quiet when all are there)"
tools/testing/deps.sh || die "package installation failed"

say "Debug kernel (KASAN, lockdep, kmemleak, KUnit): the first build takes about 8 minutes on 2 cores, later runs use the cache"
DEBUG_TREE=$(tools/testing/kernel/build-debug.sh) || die "debug kernel build failed"
STOCK_KDIR=$(tools/testing/kernel/stock.sh build) || die "no stock kernel headers"
echo "debug tree: $DEBUG_TREE"
echo "stock kernel build dir: $STOCK_KDIR"

say "Building the library, tools and selftests (the kselftest target, installed with the 6.1 tree's runner)"
make -s userlib tools examples || die "userspace build failed"
make -s selftests KSRC="$DEBUG_TREE" || die "selftests build failed"
make -s -C userlib test || die "library test build failed"

say "Building the module for the stock kernel and the debug kernel (with the KUnit module)"
tools/testing/build-module.sh stock || die "module build for the stock kernel failed"
tools/testing/build-module.sh debug || die "module build for the debug kernel failed"
[ -f build/debug/kmod/sockobj_kunit.ko ] || die "sockobj_kunit.ko was not built against the debug kernel"

host_step "libsockobj on the host: header as C99 and C++, exports, man pages, the tests (those that need the module skip)" \
	libsockobj userlib-check.log make -s -C userlib check
host_step "The sockobj command: its man page, --version and every --help" \
	sockobj sockobj-check.log make -s -C tools/sockobj check

host_step "Lint gates: checkpatch, sparse, kernel-doc, uapi header as C90 and C++, W=1, shellcheck, pyflakes3" \
	lint lint.log tools/testing/lint.sh

# KUnit: the suites run when sockobj_kunit.ko is loaded; the KTAP the kernel
# printed is read back from debugfs and parsed with the tree's kunit.py.
say "KUnit on the debug kernel"
mkdir -p "$LOGDIR/kunit"
# shellcheck disable=SC2016 # the guest's script
tools/testing/vm-run --kernel debug --module build/debug/kmod/sockobj_kunit.ko \
	--out "$LOGDIR/kunit" -- sh -c \
	'cat /sys/kernel/debug/kunit/sockobj*/results > "$1/results.ktap"' sh "$LOGDIR/kunit" \
	2>&1 | tee "$LOGDIR/kunit-vm.log"
kunit_rc=${PIPESTATUS[0]}
awk -f tools/testing/kunit-merge.awk "$LOGDIR/kunit/results.ktap" >"$LOGDIR/kunit.ktap" 2>/dev/null
/usr/bin/python3 "$DEBUG_TREE/tools/testing/kunit/kunit.py" parse "$LOGDIR/kunit.ktap" \
	>"$LOGDIR/kunit-parse.log" 2>&1
parse_rc=$?
sed 's/\x1b\[[0-9;]*m//g' "$LOGDIR/kunit-parse.log" | tee "$LOGDIR/kunit-parse.txt"
kline=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$LOGDIR/kunit-parse.txt" | tail -n 1)
if [ -z "$kline" ]; then
	failed=$((failed + 1))
	failures+=("KUnit: no KTAP result (vm status $kunit_rc)")
else
	kp=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$kline")
	kf=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$kline")
	ks=$(sed -nE 's/.*skipped: ([0-9]+).*/\1/p' <<<"$kline")
	kcr=$(sed -nE 's/.*crashed: ([0-9]+).*/\1/p' <<<"$kline")
	passed=$((passed + ${kp:-0}))
	failed=$((failed + ${kf:-0} + ${kcr:-0}))
	skipped=$((skipped + ${ks:-0}))
	echo "kunit: ${kp:-0} passed, $((${kf:-0} + ${kcr:-0})) failed, ${ks:-0} skipped"
	[ "${kp:-0}" -gt 0 ] || { failed=$((failed + 1)); failures+=("KUnit: no test passed"); }
	[ $((${kf:-0} + ${kcr:-0})) -eq 0 ] || failures+=("KUnit failures (see build/check/kunit-parse.txt)")
	if [ "$kunit_rc" -ne 0 ] || [ "$parse_rc" -ne 0 ]; then
		failed=$((failed + 1))
		failures+=("KUnit VM run or parse failed (vm $kunit_rc, parse $parse_rc)")
	fi
fi

ksft_step "Selftests on the stock kernel (run_kselftest.sh)" selftests-stock \
	--kernel stock --timeout 1800 -- selftests/run.sh
ksft_step "Selftests on the debug kernel (KASAN, lockdep, kmemleak; run_kselftest.sh)" selftests-debug \
	--kernel debug --timeout 3600 -- selftests/run.sh
vm_step "libsockobj tests on the stock kernel" libsockobj libsockobj-stock.log \
	--kernel stock -- userlib/test/runtests.sh
vm_step "The examples against real peers on the stock kernel" examples examples-stock.log \
	--kernel stock -- examples/run.sh
vm_step "The Python binding (asyncio) against python3's servers on the stock kernel" python python-stock.log \
	--kernel stock -- python/test_sockobj.py

host_step "make install / uninstall, pkg-config consumer, DKMS build and modprobe in a VM" \
	install install.log tools/testing/check-install.sh
host_step "The module built inside the kernel tree (Kconfig, no M=), loaded in a VM" \
	intree intree.log tools/testing/check-intree.sh

host_step "Other kernels: 6.1 PREEMPT_RT, 6.12 LTS, 7.2 (module, KUnit, selftests but the longest; the first run builds 6.12 and 7.2, 10-15 minutes each)" \
	kernels kernels.log tools/testing/check-kernels.sh

say "Summary ($((SECONDS / 60)) min $((SECONDS % 60)) s)"
for f in "${failures[@]}"; do
	echo "FAILED: $f"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
