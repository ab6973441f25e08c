#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the sockobj selftests and summarise them.
#
#   selftests/run.sh                 every program of TEST_GEN_PROGS, then
#                                    every script of TEST_PROGS (Makefile)
#   selftests/run.sh PROG...         only those (names or paths)
#
# Each program prints its own KTAP (kselftest harness); its output is
# streamed as it runs. A program gets `timeout=` seconds from ./settings
# (SOCKOBJ_TEST_TIMEOUT overrides it); when it overruns, it and everything it
# started (the harness forks one process group per test, all in the
# program's session) are killed.
#
# The last line is "selftests: N passed, N failed, N skipped", counting the
# individual test cases (the harness's "ok", "not ok" and "ok ... # SKIP"
# lines). A program that crashes, times out, exits non-zero without a
# failing case, or reports fewer cases than it planned counts as one more
# failure. The exit status is 0 only when nothing failed.
#
# Needs root, the sockobj module loaded, ip(8) and nft(8).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

timeout_s=${SOCKOBJ_TEST_TIMEOUT:-}
if [ -z "$timeout_s" ] && [ -r "$here/settings" ]; then
	timeout_s=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' "$here/settings")
fi
timeout_s=${timeout_s:-300}

if [ $# -gt 0 ]; then
	progs=("$@")
else
	# the programs built, then the scripts (kselftest's TEST_PROGS)
	read -r -a progs <<<"$(sed -n 's/^TEST\(_GEN\)\?_PROGS[[:space:]]*:\?=[[:space:]]*//p' \
		"$here/Makefile" | tr '\n' ' ')"
fi
if [ ${#progs[@]} -eq 0 ]; then
	echo "run.sh: no test programs" >&2
	exit 2
fi

logdir=$(mktemp -d "${TMPDIR:-/tmp}/sockobj-selftests.XXXXXX") || exit 2
trap 'rm -rf "$logdir"' EXIT

# Kill every process of session $1 (the program and what it forked).
kill_session() {
	local sid=$1 d s pids=()

	for d in /proc/[0-9]*; do
		# read is a builtin: a $(cat) per process forks and execs,
		# which took about a minute per program on the debug kernel
		read -r s 2>/dev/null <"$d/stat" || continue
		s=${s##*) }             # after the command name
		set -- $s               # state ppid pgrp session ...
		[ "${4:-}" = "$sid" ] && pids+=("${d#/proc/}")
	done
	[ ${#pids[@]} -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null
	return 0
}

total_pass=0
total_fail=0
total_skip=0
bad_progs=()

for prog in "${progs[@]}"; do
	case $prog in
	*/*) path=$prog ;;
	*) path=$here/$prog ;;
	esac
	name=$(basename "$prog")
	log=$logdir/$name.log

	echo "# selftests: sockobj: $name"
	if [ ! -x "$path" ]; then
		echo "# $name: not found or not executable: $path (build with make KSRC=...)"
		total_fail=$((total_fail + 1))
		bad_progs+=("$name(missing)")
		continue
	fi

	# In a script, a background job is not a process-group leader, so
	# setsid(1) calls setsid() itself and execs the program: $! is both the
	# program's pid and its session id.
	: >"$log"
	setsid "$path" >>"$log" 2>&1 </dev/null &
	pid=$!
	tail -n +1 -s 0.2 -f --pid="$pid" "$log" &
	tailpid=$!

	# bash reports a job killed by a signal ("Killed", "Segmentation
	# fault") on its stderr: the summary below says it better
	exec 3>&2 2>/dev/null
	timed_out=0
	deadline=$((SECONDS + timeout_s))
	while kill -0 "$pid" 2>/dev/null; do
		if [ $SECONDS -ge $deadline ]; then
			timed_out=1
			kill_session "$pid"
			break
		fi
		sleep 0.2
	done
	wait "$pid"
	rc=$?
	exec 2>&3 3>&-
	# leftovers of the program (servers, stuck test children)
	kill_session "$pid"
	wait "$tailpid" 2>/dev/null

	pass=$(grep -cE '^ok [0-9]+( |$)' "$log" | head -n1)
	skip=$(grep -cE '^ok [0-9]+ # SKIP' "$log" | head -n1)
	fail=$(grep -cE '^not ok [0-9]+( |$)' "$log" | head -n1)
	pass=$((pass - skip))
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$log" | head -n1)
	seen=$((pass + skip + fail))

	problem=""
	if [ $timed_out = 1 ]; then
		problem="timed out after ${timeout_s}s"
	elif [ $rc -gt 128 ]; then
		problem="killed by signal $((rc - 128))"
	elif [ -z "$plan" ]; then
		problem="printed no KTAP plan (exit status $rc)"
	elif [ "$seen" -lt "$plan" ]; then
		problem="reported $seen of $plan test cases (exit status $rc)"
	elif [ $rc -ne 0 ] && [ $rc -ne 4 ] && [ "$fail" -eq 0 ]; then
		problem="exit status $rc without a failing test case"
	elif [ $rc -eq 4 ] && [ "$pass" -ne 0 ]; then
		problem="exit status 4 (skip) with passing test cases"
	fi
	if [ -n "$problem" ]; then
		echo "# $name: FAILED: $problem"
		fail=$((fail + 1))
		bad_progs+=("$name")
	elif [ "$fail" -gt 0 ]; then
		bad_progs+=("$name")
	fi
	echo "# $name: $pass passed, $fail failed, $skip skipped (exit status $rc)"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
done

[ ${#bad_progs[@]} -gt 0 ] && echo "# failing programs: ${bad_progs[*]}"
echo "selftests: $total_pass passed, $total_fail failed, $total_skip skipped"
[ $total_fail -eq 0 ]
