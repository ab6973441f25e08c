#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sockobj selftest: `sockobj connect` (tools/sockobj) against real peers
# nobody here wrote, each exchange checked by the SHA-256 of what arrived
# against what was sent (issue 19: the end of the peer's stream was lost
# when our input ended first, with exit status 0).
#
#   http_*     HTTP/1.0 GET of a 4 MiB and a 64 MiB file from
#              "${PY[@]}" -m http.server, through 127.0.0.1, ::1 and localhost;
#              stdin ends with the request, so our FIN goes out first and
#              the response and the server's FIN can complete the close
#              before the command has received them
#   socat_*    socat sends 4 MiB then closes; our input closed first
#              (</dev/null) and closed last (a FIFO held open)
#   redis_*    pipelined commands ending with QUIT against redis-server,
#              with the default shutdown at the end of input and with -k
#   quit_*     -q against a peer that never closes
#   stdout_*   stdout to a pipe closed early, and to /dev/full: status 74
#   retry_*    --retry: a peer that listens only after 1.5 s is reached,
#              the refused attempts reported by -v; a policy that runs out
#              ends with the refusal's status
#   json_*     --json: api, connect -v (every stderr line an object, the
#              last the result), stat, each checked by python3's json
#   probe_*    probe over two hosts and a port list with a range, each
#              target's outcome; -c 2 never has more than 2 in flight;
#              three names a DNS server of python3's answers 1 s late
#              are resolved at the same time (every query arrives before
#              the first answer leaves)
#   timeout_*  --timeout SEC (nc's -w) against SYNs nft drops
#   watch_*    watch --json sees another process's object appear, change
#              and go, and -p filters by process
#   listen_*   listen: socat connects (4 MiB each way), --from resets
#              another peer, -u answers a UDP peer, --reconnect host lets a
#              second client replace the first, a bad --reconnect
#
# KTAP on stdout, for the kselftest runner. Needs root, the sockobj module
# loaded, python3, socat, redis-server and nft (tools/testing/deps.sh), and
# the command: SOCKOBJ_CMD=<path>, else this repository's build (make
# tools), else the sockobj in PATH; without one of these it skips
# (KSFT_SKIP), saying which.
# Measured in the TCG VM: about 80 s on the stock kernel, 350 s on the
# debug kernel (where starting a process takes about 3 s; the three 64 MiB
# GETs are 120 s of it). The time of each case is printed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
so=${SOCKOBJ_CMD:-}
if [ -z "$so" ]; then
	so=$here/../tools/sockobj/sockobj
	[ -x "$so" ] || so=$(command -v sockobj) || so=
fi
# The debug kernel (KASAN, lockdep) is about 25x slower under TCG.
if [ "${SOCKOBJ_KERNEL:-}" = debug ]; then slow=20; else slow=1; fi

ntests=30
n=0
npass=0
nfail=0
nskip=0
pids=()

echo "TAP version 13"
# python3 for the peers and checks, which need only the standard library:
# isolated (-I) and without site (-S), a second or two less per start on
# the debug kernel under emulation.
PY=(python3 -I -S)
skip_all() { echo "1..0 # SKIP $*"; exit 4; }
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -e /dev/sockobj ] || skip_all "/dev/sockobj is absent: the sockobj module is not loaded"
if [ -z "$so" ] || [ ! -x "$so" ]; then
	skip_all "no sockobj command: ${SOCKOBJ_CMD:+SOCKOBJ_CMD=$SOCKOBJ_CMD is not executable, }build it (make tools), install it or set SOCKOBJ_CMD"
fi
for t in python3 socat redis-server nft; do
	command -v "$t" >/dev/null || skip_all "$t is not installed (tools/testing/deps.sh)"
done
echo "1..$ntests"

# Each case's time, so that the cost on each kernel shows.
t_case=$SECONDS
took() { echo "# $1: $((SECONDS - t_case)) s"; t_case=$SECONDS; }
ok() { took "$1"; n=$((n + 1)); npass=$((npass + 1)); echo "ok $n $1"; }
not_ok() {
	took "$1"
	n=$((n + 1))
	nfail=$((nfail + 1))
	echo "# $1: $2"
	echo "not ok $n $1"
}
skip() { n=$((n + 1)); nskip=$((nskip + 1)); echo "ok $n $1 # SKIP $2"; }

work=$(mktemp -d /tmp/sockobj-cmd-test.XXXXXX) || exit 1
# Every process this shell started and what those started in turn (the
# children socat forks, which outlive a killed socat): the kselftest runner
# reads our output until the last process holding its pipe has ended.
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local d st p c todo=($$) doomed=()
	local -A parent
	for d in /proc/[0-9]*; do
		read -r st 2>/dev/null <"$d/stat" || continue
		st=${st##*) }
		# shellcheck disable=SC2086 # state ppid pgrp session ...
		set -- $st
		parent[${d#/proc/}]=$2
	done
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		for c in "${!parent[@]}"; do
			[ "${parent[$c]}" = "$p" ] && doomed+=("$c") && todo+=("$c")
		done
	done
	[ ${#doomed[@]} -gt 0 ] && kill -KILL "${doomed[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
# the runner's timeout: the cleanup too
trap 'exit 143' TERM

echo "# command: $so ($("$so" --version))"

# Starting a process costs about 3 s on the debug kernel (exec over 9p,
# KASAN): the checks below use shell builtins where they can.

# The last command of a pipeline runs in this shell, so that read sets
# variables (the VM has no /dev/fd for process substitution).
shopt -s lastpipe
# The SHA-256 of stdin, in $got.
sha_in() { sha256sum | read -r got _; }
# Runs "$@" with stdout into a pipe to sha256sum: the status in $rc, the
# digest in $got, stderr in $work/err.
run_sha() {
	"$@" 2>"$work/err" | sha256sum | read -r got _
	rc=${PIPESTATUS[0]}
}
last_err() { local l e=; while read -r l; do e=$l; done <"$work/err"; echo "$e"; }
# Commands get this long before they count as hung: timeout(1) status 124.
tmo() { timeout $(($1 * slow)) "${@:2}"; }

# Wait until something listens on TCP port $1 (/proc/net/tcp*, state 0A):
# a connection would make the servers here start sending to it.
wait_port() {
	local i port st l
	port=$(printf ':%04X' "$1")
	for ((i = 0; i < 150 * slow; i++)); do
		for f in /proc/net/tcp /proc/net/tcp6; do
			while read -r _ l _ st _; do
				[ "$st" = 0A ] && [ "${l: -5}" = "$port" ] && return 0
			done <"$f"
		done
		sleep 0.2
	done
	return 1
}

# Wait until a UDP socket is bound to port $1 (/proc/net/udp*).
wait_udp_port() {
	local i port l
	port=$(printf ':%04X' "$1")
	for ((i = 0; i < 150 * slow; i++)); do
		for f in /proc/net/udp /proc/net/udp6; do
			while read -r _ l _; do
				[ "${l: -5}" = "$port" ] && return 0
			done <"$f"
		done
		sleep 0.2
	done
	return 1
}

head -c 4M /dev/urandom >"$work/f4"
head -c 64M /dev/urandom >"$work/f64"
# What must end an HTTP response: the header's blank line, then the file.
printf '\r\n\r\n' | cat - "$work/f4" | sha_in
want_f4=$got
printf '\r\n\r\n' | cat - "$work/f64" | sha_in
want_f64=$got
sha_in <"$work/f4"
sha4=$got
took "4 and 64 MiB of random data"

# ---- HTTP/1.0 GET from python3 http.server -----------------------------

# One GET of FILE through HOST: status 0, a 200 response whose last bytes
# are the header's blank line and exactly the file.
http_get() {
	local name=$1 host=$2 file=$3 size=$4 want=$5 rc status
	printf 'GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n' "$file" "$host" |
		tmo 120 "$so" connect "$host" 8000 >"$work/resp" 2>"$work/err"
	rc=$?
	tail -c $((size + 4)) "$work/resp" | sha_in
	read -r status <"$work/resp"
	if [ "$rc" -ne 0 ]; then
		not_ok "$name" "exit status $rc: $(last_err)"
	elif [ "$status" != $'HTTP/1.0 200 OK\r' ]; then
		not_ok "$name" "status line '$status'"
	elif [ "$got" != "$want" ]; then
		not_ok "$name" "received $(stat -c %s "$work/resp") bytes, SHA-256 of the last $((size + 4)): $got; sent $size (+4), SHA-256 $want"
	else
		ok "$name"
	fi
}

if ! command -v python3 >/dev/null; then
	for t in http_4MiB_ipv4 http_4MiB_ipv6 http_4MiB_localhost http_64MiB_ipv4 \
		 http_64MiB_ipv6 http_64MiB_localhost; do
		skip $t "no python3"
	done
else
	# Dual stack: "::" serves 127.0.0.1 and ::1.
	"${PY[@]}" -m http.server --bind :: --directory "$work" 8000 \
		>"$work/http.log" 2>&1 &
	pids+=($!)
	if ! wait_port 8000; then
		for t in http_4MiB_ipv4 http_4MiB_ipv6 http_4MiB_localhost \
			 http_64MiB_ipv4 http_64MiB_ipv6 http_64MiB_localhost; do
			not_ok $t "python3 http.server did not start"
		done
	else
		took "http.server started"
		http_get http_4MiB_ipv4 127.0.0.1 f4 $((4 << 20)) "$want_f4"
		http_get http_4MiB_ipv6 ::1 f4 $((4 << 20)) "$want_f4"
		http_get http_4MiB_localhost localhost f4 $((4 << 20)) "$want_f4"
		http_get http_64MiB_ipv4 127.0.0.1 f64 $((64 << 20)) "$want_f64"
		http_get http_64MiB_ipv6 ::1 f64 $((64 << 20)) "$want_f64"
		http_get http_64MiB_localhost localhost f64 $((64 << 20)) "$want_f64"
	fi
fi

# ---- socat sends 4 MiB, then closes ------------------------------------

socat_tests="socat_input_closed_first socat_input_closed_last stdout_pipe_closed_early stdout_dev_full"
if ! command -v socat >/dev/null; then
	for t in $socat_tests; do skip "$t" "no socat"; done
else
	# -U: from the file to each connection (fork), then close.
	socat -U TCP-LISTEN:7100,bind=127.0.0.1,reuseaddr,fork OPEN:"$work/f4" \
		2>/dev/null &
	pids+=($!)
	if ! wait_port 7100; then
		for t in $socat_tests; do not_ok "$t" "socat did not start"; done
	else
		took "socat started"
		run_sha tmo 60 "$so" connect 127.0.0.1 7100 </dev/null
		if [ "$rc" -eq 0 ] && [ "$got" = "$sha4" ]; then
			ok socat_input_closed_first
		else
			not_ok socat_input_closed_first "exit status $rc, SHA-256 $got, sent $sha4: $(last_err)"
		fi

		# Input still open after the peer's close: the peer closes first.
		rm -f "$work/idle"
		mkfifo "$work/idle"
		exec 3<>"$work/idle"
		run_sha tmo 60 "$so" connect 127.0.0.1 7100 <&3
		exec 3>&-
		if [ "$rc" -eq 0 ] && [ "$got" = "$sha4" ]; then
			ok socat_input_closed_last
		else
			not_ok socat_input_closed_last "exit status $rc, SHA-256 $got, sent $sha4: $(last_err)"
		fi

		# A reader that goes away: no SIGPIPE death, no status 0.
		tmo 60 "$so" connect 127.0.0.1 7100 </dev/null 2>"$work/err" |
			head -c 1000 >/dev/null
		rc=${PIPESTATUS[0]}
		if [ "$rc" -eq 74 ] && [[ "$(last_err)" == *"writing to standard output: Broken pipe"* ]]; then
			ok stdout_pipe_closed_early
		else
			not_ok stdout_pipe_closed_early "exit status $rc (want 74): $(last_err)"
		fi

		tmo 60 "$so" connect 127.0.0.1 7100 </dev/null >/dev/full 2>"$work/err"
		rc=$?
		if [ "$rc" -eq 74 ] && [[ "$(last_err)" == *"writing to standard output: No space left"* ]]; then
			ok stdout_dev_full
		else
			not_ok stdout_dev_full "exit status $rc (want 74): $(last_err)"
		fi
	fi
fi

# ---- redis-server: pipelined commands ending with QUIT ------------------

# The commands (redis.in) and the replies redis owes them (redis.want):
# SET of KEY to VALUE, COUNT times GET KEY and INCR KEY.n, then QUIT.
redis_session() {
	local key=$1 value=$2 count=$3 i
	{
		printf 'SET %s "%s"\r\n' "$key" "$value"
		for ((i = 1; i <= count; i++)); do printf 'GET %s\r\nINCR %s.n\r\n' "$key" "$key"; done
		printf 'QUIT\r\n'
	} >"$work/redis.in"
	{
		printf '+OK\r\n'
		for ((i = 1; i <= count; i++)); do
			printf '$%d\r\n%s\r\n:%d\r\n' ${#value} "$value" "$i"
		done
		printf '+OK\r\n'
	} >"$work/redis.want"
}

redis_test() {
	local name=$1 port=$2 want
	shift 2
	sha_in <"$work/redis.want"
	want=$got
	run_sha tmo 60 "$so" connect "$@" 127.0.0.1 "$port" <"$work/redis.in"
	if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "exit status $rc, SHA-256 $got, want $want: $(last_err)"
	fi
}

if ! command -v redis-server >/dev/null; then
	skip redis_pipeline_shutdown "no redis-server"
	skip redis_pipeline_keep_open "no redis-server"
else
	redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$work" --logfile "$work/redis.log" --daemonize no &
	pids+=($!)
	if ! wait_port 6390; then
		not_ok redis_pipeline_shutdown "redis-server did not start"
		not_ok redis_pipeline_keep_open "redis-server did not start"
	else
		took "redis-server started"
		# Our FIN follows the commands at once. redis frees a client
		# whose FIN it reads, replies still unwritten or not (nc -N
		# meets the same): 6 KB of replies, which redis writes in one go
		# after the one read that takes all the commands.
		redis_session small "hello from sockobj" 200
		redis_test redis_pipeline_shutdown 6390
		# -k: redis closes first, after the last of 1 MiB of replies.
		printf -v value '%1024s' ''
		redis_session big "${value// /x}" 1000
		redis_test redis_pipeline_keep_open 6390 -k
	fi
fi

# ---- -q: a peer that never closes ---------------------------------------

if ! command -v socat >/dev/null; then
	skip quit_after_input_end "no socat"
	skip quit_waits_without_q "no socat"
else
	# Says hello, then keeps its side open (-t: socat lingers after our
	# FIN for an hour; the child never ends its output).
	socat -t 3600 TCP-LISTEN:7101,bind=127.0.0.1,reuseaddr,fork \
		SYSTEM:'printf hello; exec sleep 3600' 2>/dev/null &
	pids+=($!)
	if ! wait_port 7101; then
		not_ok quit_after_input_end "socat did not start"
		not_ok quit_waits_without_q "socat did not start"
	else
		took "socat started"
		start=$SECONDS
		out=$(printf 'x' | tmo 30 "$so" connect -q 2 127.0.0.1 7101 2>"$work/err")
		rc=$?
		secs=$((SECONDS - start))
		if [ "$rc" -eq 0 ] && [ "$out" = hello ] && [ $secs -ge 2 ] &&
		   [ $secs -le $((2 + 5 * slow)) ]; then
			ok quit_after_input_end
		else
			not_ok quit_after_input_end "exit status $rc after $secs s, received '$out': $(last_err)"
		fi
		# The same without -q waits for the peer: killed by timeout(1).
		out=$(printf 'x' | timeout $((3 + slow / 3)) "$so" connect 127.0.0.1 7101 2>"$work/err")
		rc=$?
		if [ "$rc" -eq 124 ] && [ "$out" = hello ]; then
			ok quit_waits_without_q
		else
			not_ok quit_waits_without_q "exit status $rc (want 124: still waiting), received '$out'"
		fi
	fi
fi

# ---- --retry: the kernel reconnects ------------------------------------

if ! command -v socat >/dev/null; then
	skip retry_until_listening "no socat"
else
	# Nothing listens on 7102 for 1.5 s; the command keeps trying. -k:
	# our input is empty, and socat (-t 60) must not close on our FIN
	# before its child, slow to start on the debug kernel, said hello.
	(sleep 1.5; exec socat -t 60 TCP-LISTEN:7102,bind=127.0.0.1,reuseaddr \
		SYSTEM:'printf hello') 2>/dev/null &
	pids+=($!)
	out=$(tmo 60 "$so" connect -k -v --retry 100 --backoff 100:400 127.0.0.1 7102 \
	      </dev/null 2>"$work/err")
	rc=$?
	waits=0
	while read -r l; do
		[[ $l == *"-> RETRY_WAIT: REFUSED"* ]] && waits=$((waits + 1))
	done <"$work/err"
	if [ "$rc" -eq 0 ] && [ "$out" = hello ] && [ $waits -ge 2 ]; then
		ok retry_until_listening
	else
		not_ok retry_until_listening "exit status $rc, received '$out', $waits refused attempts: $(last_err)"
	fi
fi
out=$(tmo 60 "$so" connect -v --retry 2 --backoff 50 127.0.0.1 7103 </dev/null 2>"$work/err")
rc=$?
waits=0
left=0
while read -r l; do
	[[ $l == *"-> RETRY_WAIT: REFUSED"* ]] && waits=$((waits + 1))
	[[ $l == *"no attempt left (attempt 3)"* ]] && left=1
done <"$work/err"
if [ "$rc" -eq 3 ] && [ $waits -eq 2 ] && [ $left -eq 1 ]; then
	ok retry_exhausted
else
	not_ok retry_exhausted "exit status $rc (want 3), $waits waits (want 2), last attempt said: $left: $(last_err)"
fi

# ---- --json, probe lists and ranges, --timeout, watch --------------------

# JSONCHECK: a python3 program that reads JSON Lines on stdin and exits 0
# when its assertion (argv[1], over the list "o" of objects) holds; it
# prints why not otherwise.
jcheck() {
	"${PY[@]}" -c 'import json, sys
o = [json.loads(l) for l in sys.stdin.read().splitlines()]
assert all(isinstance(x, dict) for x in o), "not all objects"
ok = eval("(" + sys.argv[1] + ")")
if not ok:
    print("assertion failed over", o, file=sys.stderr)
sys.exit(0 if ok else 1)' "$1" 2>>"$work/err"
}

if ! command -v python3 >/dev/null || ! command -v socat >/dev/null; then
	for t in json_api json_connect_verbose json_stat probe_hosts_ranges \
		 probe_concurrency probe_names_at_once timeout_connect watch_other_process \
		 watch_pid_filter; do
		skip "$t" "no python3 or socat"
	done
else
	: >"$work/err"
	if "$so" api --json | jcheck 'len(o) == 1 and o[0]["api_version"] >= 3 and "tcp" in o[0]["features"]'; then
		ok json_api
	else
		not_ok json_api "$(last_err)"
	fi

	# Says hello5 and closes: the result must say 6 bytes, all written.
	# -k and socat -t 60: our FIN must not end the session before socat's
	# child, slow to start on the debug kernel, has said it.
	socat -t 60 TCP-LISTEN:7110,bind=127.0.0.1,reuseaddr,fork SYSTEM:'printf hello5' 2>/dev/null &
	pids+=($!)
	socat -t 60 'TCP6-LISTEN:7111,bind=[::1],reuseaddr,fork' SYSTEM:'printf hello6' 2>/dev/null &
	pids+=($!)
	wait_port 7110 && wait_port 7111
	: >"$work/err"
	out=$(tmo 30 "$so" connect --json -v -k 127.0.0.1 7110 </dev/null 2>"$work/json")
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$out" = hello5 ] &&
	   jcheck 'o[0]["state"] == "CONNECTING" and o[0]["target"] == "127.0.0.1:7110" and
any(x.get("state") == "ESTABLISHED" for x in o) and
o[-1]["result"] == "closed" and o[-1]["exit"] == 0 and o[-1]["received"] == 6 and o[-1]["written"] == 6' <"$work/json"; then
		ok json_connect_verbose
	else
		not_ok json_connect_verbose "exit $rc, '$out': $(last_err)"
	fi

	# 127.0.0.1 has 7110 open, ::1 has 7111 open: each the other refused.
	: >"$work/err"
	tmo 30 "$so" probe --json -p 7110-7111,7109 127.0.0.1 ::1 >"$work/json" 2>>"$work/err"
	rc=$?
	if [ "$rc" -eq 1 ] && jcheck '[(x["host"], x["port"], x["outcome"]) for x in sorted(o, key=lambda x: (x["host"], x["port"]))] ==
[("127.0.0.1", 7109, "REFUSED"), ("127.0.0.1", 7110, "open"), ("127.0.0.1", 7111, "REFUSED"),
 ("::1", 7109, "REFUSED"), ("::1", 7110, "REFUSED"), ("::1", 7111, "open")] and
all(x["error"] == "ECONNREFUSED" for x in o if x["outcome"] == "REFUSED") and
o[0]["address"] in ("127.0.0.1:7110", "127.0.0.1:7109", "127.0.0.1:7111", "[::1]:7109", "[::1]:7110", "[::1]:7111")' <"$work/json"; then
		ok probe_hosts_ranges
	else
		not_ok probe_hosts_ranges "exit $rc: $(last_err)"
	fi

	# SYNs to 7190-7198 are dropped (nft): --timeout 1 ends a connect as
	# nc -w 1 would; probe -c 2 -t 300 over six such ports never has more
	# than 2 in flight (its -v transitions), so it takes 3 rounds.
	nft add table inet h20cmd && nft add chain inet h20cmd input \
		'{ type filter hook input priority 0; }' &&
		nft add rule inet h20cmd input tcp dport 7190-7198 drop
	: >"$work/err"
	start=$SECONDS
	tmo 30 "$so" connect --json --timeout 1 127.0.0.1 7198 </dev/null 2>"$work/json"
	rc=$?
	secs=$((SECONDS - start))
	if [ "$rc" -eq 4 ] && [ $secs -le $((1 + 3 * slow)) ] &&
	   jcheck 'o[-1]["reason"] == "CONNECT_TIMEOUT" and o[-1]["exit"] == 4' <"$work/json"; then
		ok timeout_connect
	else
		not_ok timeout_connect "exit $rc after $secs s: $(last_err)"
	fi

	: >"$work/err"
	tmo 60 "$so" probe --json -v -c 2 -t 300 127.0.0.1 7190-7195 >"$work/json" 2>"$work/trans"
	rc=$?
	if [ "$rc" -eq 1 ] && jcheck 'len(o) == 6 and all(x["outcome"] == "CONNECT_TIMEOUT" for x in o)' <"$work/json" &&
	   jcheck 'max(__import__("itertools").accumulate(
    (1 if x["state"] == "CONNECTING" and x["prev_state"] == "CLOSED" else -1 if x["state"] == "CLOSED" else 0)
    for x in o)) == 2 and o[-1]["time_ms"] >= 900' <"$work/trans"; then
		ok probe_concurrency
	else
		not_ok probe_concurrency "exit $rc: $(last_err)"
	fi
	nft delete table inet h20cmd

	# A DNS server on 127.0.0.1:53 that answers slow*.sockobj.test
	# (127.0.0.1) 1 s late, each query in a thread, logging when each
	# query came and each answer left; probe resolves through it alone
	# (a mount namespace with its own resolv.conf). The lookups run at
	# the same time when every name's query came before the first
	# answer left, whatever the kernel's speed.
	cat >"$work/dns.py" <<'PYEOF'
import socket, sys, threading, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
log = open(sys.argv[1], "a", buffering=1)
log.write("ready - 0\n")
def answer(q, name, qtype, peer):
    time.sleep(1.0 if name.startswith("slow") else 0)
    known = name.endswith(".sockobj.test")
    an = known and qtype == 1
    r = q[:2] + bytes([0x84 | (q[2] & 1), 0x80 | (0 if known else 3)])
    r += b"\0\1" + (b"\0\1" if an else b"\0\0") + b"\0\0\0\0" + q[12:]
    if an:
        r += b"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4" + bytes([127, 0, 0, 1])
    log.write(f"answer {name} {time.monotonic():.3f}\n")
    s.sendto(r, peer)
while True:
    q, peer = s.recvfrom(512)
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode().lower())
        i += 1 + q[i]
    name = ".".join(labels)
    log.write(f"query {name} {time.monotonic():.3f}\n")
    threading.Thread(target=answer, args=(q[:i + 5], name,
                     int.from_bytes(q[i + 1:i + 3], "big"), peer)).start()
PYEOF
	: >"$work/dns.log"
	"${PY[@]}" "$work/dns.py" "$work/dns.log" 2>>"$work/err" &
	pids+=($!)
	for _ in $(seq $((100 * slow))); do
		[ -s "$work/dns.log" ] && break
		sleep 0.1
	done
	printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:1\n' >"$work/resolv.conf"
	: >"$work/err"
	# shellcheck disable=SC2016 # expanded by the inner sh
	tmo 60 unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" /etc/resolv.conf &&
		exec "$2" probe --json -4 -p 7110 slow1.sockobj.test slow2.sockobj.test slow3.sockobj.test' \
		sh "$work/resolv.conf" "$so" >"$work/json" 2>>"$work/err"
	rc=$?
	if [ "$rc" -eq 0 ] && jcheck 'len(o) == 3 and all(x["outcome"] == "open" for x in o)' <"$work/json" &&
	   "${PY[@]}" -c 'import sys
ev = [l.split() for l in open(sys.argv[1])]
first_answer = min(float(t) for k, n, t in ev if k == "answer")
early = {n for k, n, t in ev if k == "query" and float(t) < first_answer}
ok = early >= {"slow%d.sockobj.test" % i for i in (1, 2, 3)}
print("" if ok else "queries before the first answer: %s" % sorted(early), file=sys.stderr)
sys.exit(0 if ok else 1)' "$work/dns.log" 2>>"$work/err"; then
		ok probe_names_at_once
	else
		not_ok probe_names_at_once "exit $rc: $(last_err)"
	fi

	# Another process's connection to the never-closing peer (7101), held
	# open until stat has listed it: its standard input is a FIFO this
	# shell closes after stat (-q 0: it quits at that end of input). A
	# time window instead lost the race under load (the connection quit
	# before stat, slow to start, read the list). watch must see it
	# appear and go.
	: >"$work/err"
	"$so" watch --json -i 20 >"$work/watch" 2>>"$work/err" &
	wpid=$!
	"$so" watch --json -i 20 -p 1 >"$work/watch1" 2>>"$work/err" &
	wpid1=$!
	sleep $((1 + slow / 4))
	mkfifo "$work/hold"
	"$so" connect -q 0 127.0.0.1 7101 <"$work/hold" >/dev/null 2>&1 &
	cpid=$!
	exec 7>"$work/hold"
	# Until its object is listed (shell builtins: exec is slow on debug).
	for ((i = 0; i < 200 * slow; i++)); do
		found=0
		while read -r _ p _; do
			[ "$p" = "$cpid" ] && found=1
		done </proc/net/sockobj
		[ $found = 1 ] && break
		sleep 0.1
	done
	"$so" stat --json >"$work/stat" 2>>"$work/err"
	exec 7>&-
	wait $cpid
	sleep $((1 + slow / 10))
	kill $wpid $wpid1
	wait $wpid $wpid1
	if jcheck "any(x['pid'] == $cpid and x['remote'] == '127.0.0.1:7101' for x in o)" <"$work/stat"; then
		ok json_stat
	else
		not_ok json_stat "$(last_err)"
	fi
	if jcheck "[x['event'] for x in o if x['pid'] == $cpid][0] == 'new' and
[x['event'] for x in o if x['pid'] == $cpid][-1] == 'gone' and
all(x['command'] == 'sockobj' and x['remote'] == '127.0.0.1:7101' for x in o if x['pid'] == $cpid and x['event'] != 'new')" <"$work/watch"; then
		ok watch_other_process
	else
		not_ok watch_other_process "$(last_err)"
	fi
	# pid 1 owns no object: nothing to print.
	if [ ! -s "$work/watch1" ]; then
		ok watch_pid_filter
	else
		not_ok watch_pid_filter "watch -p 1 printed: $(cat "$work/watch1")"
	fi
fi

# ---- listen: netcat -l over a LISTENING object --------------------------

# socat connects; 4 MiB each way, both checked; both sides end.
"$so" listen 7300 <"$work/f4" >"$work/lout" 2>"$work/err" &
lpid=$!
pids+=("$lpid")
if ! wait_port 7300; then
	not_ok listen_socat "nothing listens on 7300"
else
	tmo 120 socat -t 60 TCP:127.0.0.1:7300 - <"$work/f4" >"$work/sout" 2>/dev/null
	src=$?
	wait "$lpid"
	rc=$?
	sha_in <"$work/lout"
	got_l=$got
	sha_in <"$work/sout"
	if [ "$rc" -eq 0 ] && [ "$src" -eq 0 ] && [ "$got_l" = "$sha4" ] &&
	   [ "$got" = "$sha4" ]; then
		ok listen_socat
	else
		not_ok listen_socat "listen exit $rc, socat exit $src: $(last_err)"
	fi
fi

# --from 127.0.0.2: a peer from 127.0.0.3 is reset, listen waits on; then
# 127.0.0.2's line comes out, and only it. The refused peer is a python3
# client that says whether it saw the reset (at connect or at recv): socat's
# exit status after a reset depends on when the reset came.
"$so" listen --from 127.0.0.2 7301 </dev/null >"$work/lout2" 2>"$work/err" &
lpid=$!
pids+=("$lpid")
if ! wait_port 7301; then
	not_ok listen_from_filter "nothing listens on 7301"
else
	tmo 60 "${PY[@]}" -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.3", 0))
s.settimeout(float(sys.argv[1]))
try:
    s.connect(("127.0.0.1", 7301))
    s.sendall(b"not you\n")
    sys.exit(0 if s.recv(16) else 2)
except ConnectionResetError:
    sys.exit(1)
except Exception:
    sys.exit(3)
' $((10 * slow)) >/dev/null 2>&1
	other=$?
	alive=0
	kill -0 "$lpid" 2>/dev/null && alive=1
	printf 'yes\n' | tmo 30 socat -t 10 - TCP:127.0.0.1:7301,bind=127.0.0.2 >/dev/null 2>&1
	wait "$lpid"
	rc=$?
	line=
	nlines=0
	while read -r l; do
		line=$l
		nlines=$((nlines + 1))
	done <"$work/lout2"
	if [ "$other" -eq 1 ] && [ "$alive" = 1 ] && [ "$rc" -eq 0 ] &&
	   [ "$nlines" = 1 ] && [ "$line" = yes ]; then
		ok listen_from_filter
	else
		not_ok listen_from_filter "other peer $other (1: reset), alive $alive, listen exit $rc, $nlines line(s), last '$line': $(last_err)"
	fi
fi

# -u: a UDP peer's first datagram makes the connection; the reply goes to
# it, its next datagram comes out too; the command ends after stdin's end
# and -w of quiet.
printf 'reply\n' | "$so" listen -u -w 1500 7310 >"$work/lout3" 2>"$work/err" &
lpid=$!
pids+=("$lpid")
if ! wait_udp_port 7310; then
	not_ok listen_udp "nothing bound to UDP 7310"
else
	tmo 60 "${PY[@]}" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(float(sys.argv[1]))
s.sendto(b"hello\n", ("127.0.0.1", 7310))
data, src = s.recvfrom(64)
s.sendto(b"more\n", ("127.0.0.1", 7310))
sys.exit(0 if data == b"reply\n" and src == ("127.0.0.1", 7310) else 1)
' $((10 * slow)) >/dev/null 2>&1
	cli=$?
	wait "$lpid"
	rc=$?
	got=$(tr '\n' ' ' <"$work/lout3")
	if [ "$cli" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$got" = "hello more " ]; then
		ok listen_udp
	else
		not_ok listen_udp "client $cli, listen exit $rc, received '$got': $(last_err)"
	fi
fi
# --reconnect host: a second client from the same host replaces the first
# (reset) once its line is out, and the session goes on with it.
"$so" listen --reconnect host -k 7312 </dev/null >"$work/lout4" 2>"$work/err" &
lpid=$!
pids+=("$lpid")
if ! wait_port 7312; then
	not_ok listen_reconnect "nothing listens on 7312"
else
	tmo 120 "${PY[@]}" -c '
import socket, sys, time
t, out = float(sys.argv[1]), sys.argv[2]
c1 = socket.create_connection(("127.0.0.1", 7312), timeout=t)
c1.sendall(b"one\n")
end = time.monotonic() + t
while open(out).read() != "one\n":
    if time.monotonic() > end:
        sys.exit(2)
    time.sleep(0.05)
c2 = socket.create_connection(("127.0.0.1", 7312), timeout=t)
try:
    reset = c1.recv(16) == b""
except ConnectionResetError:
    reset = True
c2.sendall(b"two\n")
c2.shutdown(socket.SHUT_WR)
sys.exit(0 if reset and c2.recv(16) == b"" else 1)
' $((10 * slow)) "$work/lout4" >/dev/null 2>&1
	cli=$?
	wait "$lpid"
	rc=$?
	got=$(tr '\n' ' ' <"$work/lout4")
	if [ "$cli" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$got" = "one two " ]; then
		ok listen_reconnect
	else
		not_ok listen_reconnect "client $cli, listen exit $rc, received '$got': $(last_err)"
	fi
fi
"$so" listen --reconnect sometimes 7311 </dev/null >/dev/null 2>"$work/err"
rc=$?
if [ "$rc" -eq 64 ] && grep -q 'bad --reconnect' "$work/err"; then
	ok listen_reconnect_usage
else
	not_ok listen_reconnect_usage "exit $rc: $(last_err)"
fi

echo "# Totals: pass:$npass fail:$nfail xfail:0 xpass:0 skip:$nskip error:0"
[ $nfail -eq 0 ] || exit 1
[ $npass -eq 0 ] && [ $nskip -gt 0 ] && exit 4
exit 0
