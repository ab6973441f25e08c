#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Build the module (stock kernel) and the benchmark, run the benchmark in a
# stock-kernel VM (TCG), then plot on the host.
#
#   tools/bench/run.sh [--out DIR] [--module KO] [--wall] [--no-mitigations]
#                      [--mem MB] [SOCKOBJ-BENCH ARGS...]
#
# By default the VM runs in cost mode (vm-run --cost: one vCPU, QEMU counts
# instructions, guest time is 1 ns per instruction whatever the host's load)
# with the kernel's default CPU mitigations. --wall: the normal two-vCPU TCG
# guest, timed by the host's clock (figures move with the host's load).
# --no-mitigations: boot with mitigations=off (a second table: what the
# syscall entry costs without them).
# --mem MB: the guest's memory (vm-run's default: 2048; TCP's memory
# limits, tcp_mem, scale with it).
# --module KO: load this sockobj.ko instead of building the working tree's
# module (e.g. one built from a commit while kmod/ is being edited).
# DIR (default build/bench) receives: table.txt (the table), bench.json,
# bench.png, vm.log (the whole guest console), host-load.txt; the targets
# of the issue are checked (tools/bench/targets.py) and appended to the
# table. Extra
# arguments go to sockobj-bench (e.g. --quick, --reps 7, --tests rate,tput,
# --nets lo). About 1.5 hours with the defaults, 20 minutes with --quick.
set -eu
cd "$(dirname "$0")/../.."
repo=$PWD

out=$repo/build/bench
module=
mode=--cost
mitig=--mitigations
mem=
while [ $# -ge 1 ]; do
    case $1 in
    --out) [ $# -ge 2 ] || break; out=$(realpath -m "$2"); shift ;;
    --module) [ $# -ge 2 ] || break; module=$(realpath "$2"); shift ;;
    --wall) mode= ;;
    --no-mitigations) mitig= ;;
    --mem) [ $# -ge 2 ] || break; mem="--mem $2"; shift ;;
    *) break ;;
    esac
    shift
done
echo "run.sh: module ${module:-built from the working tree (build/stock)}" >&2
what="wall-clock mode (two vCPUs)"
[ -z "$mode" ] || what="cost mode (one vCPU, instruction-counted guest time)"
if [ -n "$mitig" ]; then what="$what, default mitigations"; else what="$what, mitigations=off"; fi
echo "run.sh: $what" >&2
mkdir -p "$out"
rm -f "$out/table.txt" "$out/bench.json" "$out/bench.png" "$out/status"

tools/testing/deps.sh
modopt=
if [ -n "$module" ]; then
    case $module in *[[:space:]]*) echo "run.sh: no spaces in KO's path" >&2; exit 2 ;; esac
    modopt="--no-module --module $module"
else
    tools/testing/build-module.sh stock
fi
make -s -C tools/bench
# ref:kernel's module (tools/bench/kref), built in build/bench-kref with Kbuild
# against the stock kernel's headers, loaded after sockobj.ko.
rm -rf build/bench-kref
mkdir -p build/bench-kref
cp tools/bench/kref/Kbuild tools/bench/kref/sobench_kref.c build/bench-kref/
make -s -C "$(tools/testing/kernel/stock.sh build)" M="$repo/build/bench-kref" modules
modopt="$modopt --module $repo/build/bench-kref/sobench_kref.ko"

# In wall-clock mode the guest's clock runs on while the host deschedules a
# vCPU: other load on the host (other VMs) adds noise. Record it (in cost
# mode it only tells how long the run took).
{ echo "before: $(cat /proc/loadavg)"; } >"$out/host-load.txt"
load=$(cut -d' ' -f1 /proc/loadavg)
if [ -z "$mode" ] && awk -v l="$load" 'BEGIN { exit !(l > 1.0) }'; then
    echo "run.sh: warning: host load average is $load: figures will be noisy" >&2
fi

echo "run.sh: running the benchmark in a VM (output in $out)" >&2
set +e
# The table goes to $out/table.txt; the console (kernel log included) to
# vm.log, of which only the benchmark's own lines are echoed here.
# The VM's limit is wall time: a whole default run takes about 1.5 hours
# (the throughput test alone about 50 minutes), more on a loaded host, so
# 3 hours; a stalled test is ended sooner by the benchmark's watchdog.
# shellcheck disable=SC2016  # the script runs in the guest's sh
# shellcheck disable=SC2086  # $modopt $mode $mitig $mem: options, split on purpose
tools/testing/vm-run --kernel stock --timeout 10800 --out "$out" $mode $mitig $mem $modopt -- \
    sh -c 'b=$1; o=$2; shift 2
           { "$b" --json "$o/bench.json" "$@"; echo $? >"$o/status"; } | tee "$o/table.txt"
           exit "$(cat "$o/status")"' \
    sh "$repo/tools/bench/sockobj-bench" "$out" "$@" >"$out/vm.log" 2>&1 &
vm=$!
tail -n +1 -f "$out/vm.log" --pid=$vm 2>/dev/null \
    | grep --line-buffered -v -E '^\[ *[0-9]+\.[0-9]+\]|^vm-guest|SeaBIOS|Booting from|Probing EDD' &
tailer=$!
wait $vm
st=$?
sleep 1
kill $tailer 2>/dev/null
wait $tailer 2>/dev/null
set -e
echo "after: $(cat /proc/loadavg)" >>"$out/host-load.txt"
grep '^vm-run:' "$out/vm.log" >&2 || true
if [ $st -ne 0 ] || [ ! -s "$out/bench.json" ]; then
    echo "run.sh: the benchmark failed (status $st); see $out/vm.log" >&2
    exit 1
fi

tools/bench/plot.py "$out/bench.json" "$out/bench.png"
# The issue's targets, met or missed (informative: never a failure).
echo
tools/bench/targets.py "$out/bench.json" | tee -a "$out/table.txt"
echo "run.sh: table $out/table.txt" >&2
echo "run.sh: JSON  $out/bench.json" >&2
echo "run.sh: plot  $out/bench.png" >&2
