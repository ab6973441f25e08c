#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The sockobj command's own checks, which need no module (make check):
# its man page renders without a warning; --version, --help and every
# command's --help succeed; --version and the man page give VERSION; bad
# ports, port lists and ranges and numbers are usage errors (64) with a
# message (with --json, a JSON object), before any device or resolver is involved; and, where
# the module is not loaded, every command says so in a sentence (71); with
# no DNS server, connect reports a temporary failure in name resolution (2).
# One line per check, then "sockobj: N passed, N failed, N skipped".
set -u

cd "$(dirname "$0")" || exit 1

passed=0
failed=0
skipped=0

ok() {
	passed=$((passed + 1))
	echo "ok   $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL $*"
}

# expect STATUS PATTERN ARGS...: sockobj ARGS exits STATUS and its stderr
# holds the fixed string PATTERN (none when empty).
expect() {
	local want=$1 pattern=$2 out rc
	shift 2
	out=$(./sockobj "$@" 2>&1 >/dev/null </dev/null)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "sockobj $* exits $rc, not $want: $out"
	elif [ -n "$pattern" ] && ! grep -qF -- "$pattern" <<<"$out"; then
		fail "sockobj $* says '$out', not '$pattern'"
	else
		ok "sockobj $* (exit $want${pattern:+: $pattern})"
	fi
}

out=$(man --warnings -l -E UTF-8 sockobj.8 2>&1 >/dev/null)
if [ -z "$out" ]; then
	ok "sockobj.8 renders without warnings"
else
	fail "sockobj.8: $out"
fi

expect 0 "" --version
# One version: VERSION's, the library's MAJOR.MINOR of it, the man page's.
v=$(cat ../../VERSION)
want="sockobj $v (libsockobj ${v%.*})"
got=$(./sockobj --version)
if [ "$got" = "$want" ]; then
	ok "sockobj --version says '$want'"
else
	fail "sockobj --version says '$got', not '$want'"
fi
if grep -q "^\.TH sockobj 8 \"[^\"]*\" \"sockobj-$v\" " sockobj.8; then
	ok "sockobj.8 is that of sockobj-$v"
else
	fail "sockobj.8's .TH does not say sockobj-$v"
fi
expect 0 "" --help
for cmd in api connect stat probe watch; do
	expect 0 "" "$cmd" --help
done

for port in 0 65536 99999 4294967297 "" " 80" +80; do
	expect 64 "bad port '$port'" connect 127.0.0.1 "$port"
	expect 64 "bad port '$port'" probe 127.0.0.1 "$port"
done
expect 64 "bad port 'http'" probe 127.0.0.1 http
# Lists and ranges: each bad item named, with the list it is in.
expect 64 "bad port '99999' in '22,99999'" probe 127.0.0.1 22,99999
expect 64 "bad port '' in '22,,80'" probe 127.0.0.1 22,,80
expect 64 "bad port '' in '22,'" probe 127.0.0.1 22,
expect 64 "bad port range '100-20' (the first port is above the last)" probe 127.0.0.1 100-20
expect 64 "bad port range '1-65536'" probe 127.0.0.1 1-65536
expect 64 "bad port range '0-10'" probe 127.0.0.1 0-10
expect 64 "bad port range '-5'" probe 127.0.0.1 -- -5
expect 64 "bad port range '8000-'" probe -p 22,8000- 127.0.0.1
expect 64 "bad port 'x'" probe -p x 127.0.0.1
expect 64 "too many targets" probe -p 1-65535 a b c d e f g h i j k l m n o p q
expect 64 "bad number '0' for --concurrency" probe -c 0 127.0.0.1 80
expect 64 "bad number '0' for --timeout" probe --timeout 0 127.0.0.1 80
expect 64 "bad number '1.5' for --timeout" connect --timeout 1.5 127.0.0.1 80
expect 64 "bad interval '5' for -i" watch -i 5
expect 64 "bad count '0' for -n" watch -n 0
expect 64 "unexpected argument 'x'" watch x
expect 64 "bad local address ':65536'" connect -b :65536 127.0.0.1 80
expect 64 "bad local address ':-1'" connect -b :-1 127.0.0.1 80
expect 64 "bad number 'x' for -t" probe -t x 127.0.0.1 80
expect 64 "bad number '-1' for -w" probe -w -1 127.0.0.1 80
expect 64 "bad number '1x' for -t" connect -t 1x 127.0.0.1 80

# --json: every line on stderr is a JSON object, even a usage error's.
json_ok() {
	python3 -c 'import json, sys
lines = sys.stdin.read().splitlines()
assert lines, "no output"
for l in lines:
    assert isinstance(json.loads(l), dict), l' 2>/dev/null
}
for args in "probe --json 127.0.0.1 99999" "probe --json -x 127.0.0.1 80" \
	    "connect --json -t x 127.0.0.1 80" "watch --json -i 1" "api --json x" \
	    "stat --json x" "probe --json -p 1-70000 a" "connect --json 127.0.0.1" \
	    "listen --json" "probe --json 127.0.0.1" "nosuch --json"; do
	# shellcheck disable=SC2086 # one word per argument
	out=$(./sockobj $args 2>&1 >/dev/null </dev/null)
	rc=$?
	if [ "$rc" -eq 64 ] && json_ok <<<"$out"; then
		ok "sockobj $args: exit 64, stderr is JSON"
	else
		fail "sockobj $args: exit $rc, stderr not JSON Lines: $out"
	fi
done

if [ ! -e /dev/sockobj ]; then
	msg="sockobj: /dev/sockobj not found: is the sockobj module loaded?"
	expect 71 "$msg" api
	expect 71 "$msg" connect 127.0.0.1 65535
	expect 71 "$msg" connect 127.0.0.1 1
	expect 71 "$msg" probe 127.0.0.1 1 65535
	expect 71 "$msg" probe -p 22,8000-8100 127.0.0.1 ::1
	out=$(./sockobj api --json 2>&1 >/dev/null)
	if [ "$out" = '{"error":"/dev/sockobj not found: is the sockobj module loaded?"}' ]; then
		ok "sockobj api --json without the module: $out"
	else
		fail "sockobj api --json without the module says: $out"
	fi
fi
if [ ! -e /proc/net/sockobj ]; then
	expect 71 "sockobj: /proc/net/sockobj not found: is the sockobj module loaded?" stat
	expect 71 "sockobj: /proc/net/sockobj not found: is the sockobj module loaded?" watch
fi

# A temporary resolver failure, for real: in a private mount namespace
# (root), /etc/resolv.conf names a server on 127.0.0.2 that does not exist,
# so glibc gives EAI_AGAIN, and the command must say so (status 2), not
# "Resource temporarily unavailable". Skipped without unshare(1) rights.
resolv=$(mktemp) || exit 1
trap 'rm -f "$resolv"' EXIT
printf 'nameserver 127.0.0.2\noptions timeout:1 attempts:1\n' >"$resolv"
# shellcheck disable=SC2016 # the inner shell's variables
out=$(unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
	./sockobj connect sockobj-test.invalid 80 </dev/null 2>&1; echo "exit $?"' sh "$resolv" 2>/dev/null)
case $out in
*"sockobj-test.invalid port 80: temporary failure in name resolution"*"exit 2")
	ok "sockobj connect with no DNS server (exit 2: temporary failure in name resolution)" ;;
*"exit "*)
	fail "sockobj connect with no DNS server says: $out" ;;
*)
	skipped=$((skipped + 1))
	echo "skip temporary name failure: no private mount namespace (unshare -m needs root)" ;;
esac

echo "sockobj: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
