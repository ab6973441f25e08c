#!/bin/bash
# make check: the one test command.
#
# Installs what is missing and builds the userspace, the selftests and the
# stock module; then three lanes run at the same time, each step's output
# in its own log under build/check/ and one line per step on the console
# (when it starts, and its counts when it ends, with the time since the
# start):
#
#   kernels  builds the debug kernel (KUnit, KASAN, lockdep, kmemleak), then
#            Linux 7.2 and 6.12 from Debian's sources: once, cached outside
#            the checkout; nothing to do when cached;
#   stock    (one VM at a time) on the host, the library's and the sockobj
#            command's check targets and lint; in VMs on the stock kernel,
#            the selftests, the library tests, the examples and the Python
#            binding's tests;
#   debug    (one VM at a time) the module for the debug kernel once it is
#            built, KUnit and the selftests on it;
#
# and each VM lane, once done with its own steps, takes the next of the
# shared steps no lane has taken yet: Debian's 6.1 PREEMPT_RT kernel,
# Linux 7.2, the in-tree build with the install/DKMS check, Linux 6.12 (the
# other kernels through tools/testing/check-kernels.sh: the module, KUnit
# where there is KUnit, a named subset of the selftests).
#
# So at most two VMs run at once, and a lane that needs a kernel waits on
# the build's lock until the kernels lane has built it. The selftests (the
# kselftest target drivers/sockobj, installed with the kernel tree's
# run_kselftest.sh, which runs them) are counted from the TAP that runner
# printed. Each VM run also fails on any kernel splat, kmemleak report or
# failed rmmod. Ends with the time each step took, the failed steps with
# the end of their logs, and "N passed, N failed, N skipped".
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD
LOGDIR=$REPO/build/check
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
# One line per counted step: "passed failed skipped seconds title|log";
# one line per failure. The lanes are subshells: they append here.
COUNTS=$LOGDIR/counts
FAILURES=$LOGDIR/failures
: >"$COUNTS"
: >"$FAILURES"
T0=$(date +%s)

elapsed() {
	local t=$(($(date +%s) - T0))
	printf '%d:%02d' $((t / 60)) $((t % 60))
}
say() { printf '==> [%s] %s\n' "$(elapsed)" "$*"; }
die() { echo "check: $*" >&2; exit 1; }
rel() { echo "${1#"$REPO"/}"; }

# record LOG TITLE PASSED FAILED SKIPPED SECONDS [FAILURE...]
record() {
	local log=$1 title=$2 p=$3 f=$4 s=$5 t=$6
	shift 6
	printf '%s %s %s %s %s|%s\n' "$p" "$f" "$s" "$t" "$title" "$(rel "$log")" >>"$COUNTS"
	for m in "$@"; do
		printf '%s|%s\n' "$m" "$(rel "$log")" >>"$FAILURES"
	done
	printf '    [%s] %s: %s passed, %s failed, %s skipped (%s s, %s)\n' \
		"$(elapsed)" "$title" "$p" "$f" "$s" "$t" "$(rel "$log")"
}

# The counts of the last "<name>: N passed, N failed, N skipped" line of
# a log, as "P F S"; nothing when there is none.
summary() {
	grep -E "^$2: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?" "$1" | tail -n 1 |
		sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/' |
		awk '{ print $1, $2, ($3 == "" ? 0 : $3) }'
}

# Count a step from its log's summary line; a step with no such line, or
# whose command failed without a failed count, is one more failure.
count_step() {
	local log=$1 name=$2 title=$3 rc=$4 t=$5 p f s
	read -r p f s <<<"$(summary "$log" "$name")"
	if [ -z "${p:-}" ]; then
		record "$log" "$title" 0 1 0 "$t" "$title: no result line (exit $rc)"
	elif [ "$f" -gt 0 ]; then
		record "$log" "$title" "$p" "$f" "$s" "$t" "$title: $f failed"
	elif [ "$rc" -ne 0 ]; then
		record "$log" "$title" "$p" 1 "$s" "$t" "$title: failed with status $rc"
	else
		record "$log" "$title" "$p" 0 "$s" "$t"
	fi
}

# step NAME TITLE LOG CMD...: a command with its own "<NAME>: N passed,
# N failed" line (a VM run's, or a host check's).
step() {
	local name=$1 title=$2 log=$LOGDIR/$3 t
	shift 3
	say "$title"
	t=$SECONDS
	"$@" >"$log" 2>&1 </dev/null
	count_step "$log" "$name" "$title" $? $((SECONDS - t))
}

# The selftests in a VM, run by the kernel's kselftest runner
# (selftests/run.sh): the counts come from the TAP the runner printed,
# saved through vm-run --out and read by tools/testing/ksft-count.awk; a
# VM-level failure (splat, rmmod, timeout, crash) counts as one more
# failure.
ksft_step() {
	local title=$1 tag=$2 out=$LOGDIR/$2 log=$LOGDIR/$2.log rc t
	shift 2
	say "$title"
	t=$SECONDS
	mkdir -p "$out"
	tools/testing/vm-run --out "$out" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	if [ ! -s "$out/kselftest.tap" ]; then
		record "$log" "$title" 0 1 0 $((SECONDS - t)) "$title: the runner printed no TAP (exit $rc)"
		return
	fi
	awk -f tools/testing/ksft-count.awk "$out/kselftest.tap" >"$LOGDIR/$tag.count"
	cat "$LOGDIR/$tag.count" >>"$log"
	count_step "$log" selftests "$title" "$rc" $((SECONDS - t))
}

# KUnit on the debug kernel (tools/testing/kunit-run.sh: in a VM, parsed
# by the tree's kunit.py)
kunit_step() {
	step kunit "KUnit on the debug kernel" kunit.log \
		tools/testing/kunit-run.sh debug "$1" "$LOGDIR/kunit"
}

# A build that must succeed for a lane to go on: its output in LOG, and a
# kernel build's progress (one line in four: every two minutes) on the
# console.
build() {
	local log=$LOGDIR/$1 title=$2 t
	shift 2
	t=$SECONDS
	"$@" 2>&1 </dev/null | tee "$log" |
		awk '/objects compiled/ && n++ % 4 == 0 { print "    " $0; fflush() }'
	if [ "${PIPESTATUS[0]}" -eq 0 ]; then
		return 0
	fi
	record "$log" "$title" 0 1 0 $((SECONDS - t)) "$title failed"
	return 1
}

read -r -a KERNELS <<<"${SOCKOBJ_CHECK_KERNELS-rt 6.12 7.2}"
want() {
	local k
	for k in "${KERNELS[@]}"; do [ "$k" = "$1" ] && return 0; done
	return 1
}
other_kernel() {
	want "$1" || return 0
	step kernels "Linux $1: module, KUnit where there is KUnit, selftests (check-kernels.sh)" \
		"kernels-$1.log" tools/testing/check-kernels.sh "$1"
}
for k in "${KERNELS[@]}"; do
	case $k in
	rt | 6.12 | 7.2) ;;
	*) die "unknown kernel '$k' in SOCKOBJ_CHECK_KERNELS (want rt, 6.12 or 7.2)" ;;
	esac
done

# The steps either VM lane may run: each lane, once its own steps are
# done, takes the next one no lane has taken (mkdir claims it), the longest
# first where a fresh machine allows: 7.2 (the slowest kernel) is built right
# after the debug kernel and 6.12 last, which the install check needs. The
# in-tree and install checks are one step: both run make in the checkout.
# With the kernels cached, the stock lane (about 12 minutes of its own)
# takes PREEMPT_RT and 7.2 while the debug lane runs the debug selftests
# (about 25), which then takes the last two.
shared_steps() {
	local s
	for s in rt 7.2 intree-install 6.12; do
		mkdir "$LOGDIR/claimed-$s" 2>/dev/null || continue
		case $s in
		intree-install)
			step intree "The module built inside the kernel tree (Kconfig, no M=), loaded in a VM" \
				intree.log tools/testing/check-intree.sh
			step install "make install / uninstall, pkg-config consumer, DKMS build (stock, 6.12) and modprobe in VMs" \
				install.log tools/testing/check-install.sh ;;
		*)
			other_kernel "$s" ;;
		esac
	done
}

lane_kernels() {
	local t=$SECONDS
	say "kernels lane: the debug kernel (about 8 minutes the first time, more while VMs run), then $(want 7.2 && echo "7.2 ")$(want 6.12 && echo "6.12 ")(10-15 minutes each the first time); cached outside the checkout"
	build build-debug.log "Debug kernel build" tools/testing/kernel/build-debug.sh || return
	for k in 7.2 6.12; do
		want "$k" || continue
		build "build-$k.log" "Linux $k build" tools/testing/kernel/build-kernel.sh "$k" || return
	done
	say "kernels lane: done in $((SECONDS - t)) s"
}

lane_stock() {
	step libsockobj "libsockobj on the host: header as C99 and C++, exports, man pages, the tests (those that need the module skip)" \
		userlib-check.log make -s -C userlib check
	step sockobj "The sockobj command: its man page, --version and every --help" \
		sockobj-check.log make -s -C tools/sockobj check
	step lint "Lint gates: checkpatch, sparse, kernel-doc, uapi header as C90 and C++, W=1, shellcheck, pyflakes3" \
		lint.log tools/testing/lint.sh
	ksft_step "Selftests on the stock kernel (run_kselftest.sh)" selftests-stock \
		--kernel stock --timeout 1800 -- selftests/run.sh
	step libsockobj "libsockobj tests on the stock kernel" libsockobj-stock.log \
		tools/testing/vm-run --kernel stock -- userlib/test/runtests.sh
	step examples "The examples against real peers on the stock kernel" examples-stock.log \
		tools/testing/vm-run --kernel stock -- examples/run.sh
	step python "The Python binding (asyncio) against python3's servers on the stock kernel" python-stock.log \
		tools/testing/vm-run --kernel stock -- python/test_sockobj.py
	shared_steps
	say "stock lane: done"
}

lane_debug() {
	local tree
	say "debug lane: waiting for the debug kernel, then the module for it"
	build module-debug.log "Module build for the debug kernel" tools/testing/build-module.sh debug || return
	tree=$(tools/testing/kernel/build-debug.sh 2>/dev/null)
	if [ ! -f build/debug/kmod/sockobj_kunit.ko ]; then
		record "$LOGDIR/module-debug.log" "KUnit module" 0 1 0 0 "sockobj_kunit.ko was not built against the debug kernel"
	else
		kunit_step "$tree"
	fi
	ksft_step "Selftests on the debug kernel (KASAN, lockdep, kmemleak; run_kselftest.sh)" selftests-debug \
		--kernel debug --timeout 3600 -- selftests/run.sh
	shared_steps
	say "debug lane: done"
}

SECONDS=0
say "Installing missing Debian packages (quiet when all are there)"
tools/testing/deps.sh || die "package installation failed"
STOCK_KDIR=$(tools/testing/kernel/stock.sh build) || die "no stock kernel headers"
echo "stock kernel build dir: $STOCK_KDIR"

say "Building the library, tools and selftests (the kselftest target, installed with the 6.1 tree's runner), the stock module"
make -s userlib tools examples || die "userspace build failed"
make -s selftests || die "selftests build failed"
make -s -C userlib test || die "library test build failed"
tools/testing/build-module.sh stock || die "module build for the stock kernel failed"

lane_kernels &
kpid=$!
lane_stock &
spid=$!
lane_debug &
dpid=$!
wait "$kpid" "$spid" "$dpid"

say "Steps (seconds)"
awk '{ split($0, a, "|"); sub(/^[0-9]+ [0-9]+ [0-9]+ [0-9]+ /, "", a[1]);
	printf "%6d  %-6s %s\n", $4, ($2 > 0 ? "FAILED" : ""), a[1] }' "$COUNTS"
# A missed expectation of the library's tests (its file:line, then FAIL)
# or of KUnit; kselftest's are found by failed_cases()'s RUN..FAIL blocks.
MISSED_RE='^FAIL |^ +[a-z_0-9]+\.c:[0-9]+: |(EXPECTATION|ASSERTION) FAILED'

# The lines of a log's failed kselftest cases: each failed case from its
# RUN line to its FAIL line (what it logged and the expectations it
# missed), the last 40 lines of each; then the other tests' misses,
# splats and the VM's own lines.
failed_cases() {
	awk '/#  RUN  /	{ n = 0 }
		{ buf[n++ % 40] = $0 }
		/  FAIL  / { for (i = (n > 40 ? n - 40 : 0); i < n; i++) print buf[i % 40]; n = 0 }' "$1"
	grep -E "$MISSED_RE|^not ok|^== .*: FAIL|WARNING|BUG|KASAN|kmemleak|vm-run:|kunit-run:|FAILED" "$1" |
		grep -v 'vm-run: lockdep tables' | tail -n 30
}

# What a failed step's log says: its failed cases, splats and VM errors,
# then its end (the CI keeps only this output, and may show only its
# beginning and its end: the missed expectations are repeated last).
while IFS='|' read -r msg log; do
	printf '\nFAILED: %s (%s):\n' "$msg" "$log"
	failed_cases "$REPO/$log" | tail -n 120 | sed 's/^/  | /'
	echo "  its last lines:"
	tail -n 25 "$REPO/$log" | sed 's/^/  | /'
done <"$FAILURES"
read -r passed failed skipped < <(awk '{ p += $1; f += $2; s += $3 } END { print p + 0, f + 0, s + 0 }' "$COUNTS")
say "Done"
while IFS='|' read -r msg log; do
	grep -E ":Expected |  FAIL  |Test failed at|$MISSED_RE" "$REPO/$log" | head -n 12 |
		sed "s|^|missed ($log): |"
done <"$FAILURES"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ -s "$COUNTS" ]
