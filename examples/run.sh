#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs each example against a real local peer: socat, python3's
# http.server, openssl s_server with a throwaway self-signed certificate
# made here. Needs root, the sockobj module loaded, the examples built
# (make -C examples), socat, python3, openssl, ip and nft; make check runs
# it in a VM (tools/testing/vm-run -- examples/run.sh). Everything happens
# in a private network namespace and mount namespace (unshare -n -m): the
# nft rule, the route and the hosts file it sets up vanish with it.
#
#   health_*   21 targets at once: up (IPv4, IPv6, a name), refused,
#              dropped SYNs (CONNECT_TIMEOUT), an unreachable route; each
#              reason checked
#   fetch_*    a name with an IPv6 and an IPv4 address, the server on IPv4
#              only: the IPv6 attempt is refused (then, with nft dropping
#              its SYNs, raced and cancelled), the IPv4 one fetches a
#              file whose size is checked; a name that does not resolve
#   keepup_*   an echo server killed and restarted 1 s later: the program
#              reconnects (refused attempts retried by the kernel) and
#              pings through the second connection
#   tls_*      a handshake verified against the certificate, the same
#              with the wrong name (must fail), a refused port
#
# One line per case ("ok   NAME", "FAIL NAME: why", "skip NAME: why"),
# then "examples: N passed, N failed, N skipped". Exit status 0 when
# nothing failed. About 20 s in the stock-kernel VM.
set -u

cd "$(dirname "$0")" || exit 1
here=$(pwd)

if [ "${SOCKOBJ_EXAMPLES_NS:-}" != 1 ]; then
	if [ ! -e /dev/sockobj ]; then
		echo "skip examples: /dev/sockobj is absent (sockobj not loaded)"
		echo "examples: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
	SOCKOBJ_EXAMPLES_NS=1 exec unshare -n -m "$here/run.sh"
	echo "examples: 0 passed, 1 failed, 0 skipped (unshare -n -m failed)"
	exit 1
fi

passed=0
failed=0
skipped=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
skip() { skipped=$((skipped + 1)); echo "skip $*"; }

pids=
work=$(mktemp -d /tmp/sockobj-examples.XXXXXX) || exit 1
cleanup() {
	# shellcheck disable=SC2086 # a list of pids
	[ -n "$pids" ] && kill $pids 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

for prog in health fetch keepup tls; do
	if [ ! -x "./$prog" ]; then
		fail "$prog: not built (make -C examples)"
	fi
done

ip link set lo up || exit 1
has() { command -v "$1" >/dev/null; }

# wait_port PORT: something listens on TCP PORT (any address), within 10 s.
wait_port() {
	hex=$(printf ':%04X' "$1")
	i=0
	while [ $i -lt 100 ]; do
		awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
			END { exit !f }' /proc/net/tcp /proc/net/tcp6 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# has_line FILE PATTERN: FILE has a line matching the extended regex.
has_line() { grep -Eq -- "$2" "$1"; }
count() { grep -Ec -- "$2" "$1"; }

# ---- health -------------------------------------------------------------

if has socat && has nft; then
	socat TCP-LISTEN:7401,bind=127.0.0.1,reuseaddr,fork SYSTEM:true 2>/dev/null &
	pids="$pids $!"
	socat 'TCP6-LISTEN:7402,bind=[::1],reuseaddr,fork' SYSTEM:true 2>/dev/null &
	pids="$pids $!"
	nft add table inet ex && nft add chain inet ex input \
		'{ type filter hook input priority 0; }' &&
		nft add rule inet ex input tcp dport 7403 drop
	ip route add unreachable 198.51.100.0/24
	wait_port 7401 && wait_port 7402
	set -- 127.0.0.1:7401 '[::1]:7402' localhost:7401 127.0.0.1:7403 198.51.100.7:80
	port=7410
	while [ $port -lt 7426 ]; do
		set -- "$@" "127.0.0.1:$port"
		port=$((port + 1))
	done
	timeout 30 ./health -t 500 "$@" >"$work/health" 2>&1
	rc=$?
	cat "$work/health"
	if [ $rc -eq 1 ] && [ "$(count "$work/health" '^[^ ]+ +up ')" -eq 3 ] &&
	   has_line "$work/health" '^localhost:7401 +up ' &&
	   has_line "$work/health" '^127\.0\.0\.1:7403 +down +CONNECT_TIMEOUT' &&
	   has_line "$work/health" '^198\.51\.100\.7:80 +down .*(HOST_UNREACH|NET_UNREACH|unreachable)' &&
	   [ "$(count "$work/health" '^127\.0\.0\.1:74(1[0-9]|2[0-5]) +down +REFUSED \(Connection refused\)')" -eq 16 ]; then
		ok "health_reasons: 3 up, 16 refused, a connect timeout, an unreachable route"
	else
		fail "health_reasons: exit $rc (want 1), output above"
	fi
	timeout 30 ./health 127.0.0.1:7401 localhost:7401 >"$work/health" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ "$(count "$work/health" ' up ')" -eq 2 ]; then
		ok "health_all_up: exit 0"
	else
		fail "health_all_up: exit $rc: $(cat "$work/health")"
	fi
else
	skip "health: no socat or nft"
fi

# ---- fetch --------------------------------------------------------------

if has python3; then
	mkdir "$work/www"
	head -c 100000 /dev/urandom >"$work/www/f"
	python3 -m http.server --bind 127.0.0.1 --directory "$work/www" 7500 \
		>"$work/http.log" 2>&1 &
	pids="$pids $!"
	# A name with both families, in this mount namespace only.
	printf '::1 sockobj-example.test\n127.0.0.1 sockobj-example.test\n127.0.0.1 localhost\n' \
		>"$work/hosts"
	mount --bind "$work/hosts" /etc/hosts
	if wait_port 7500; then
		timeout 30 ./fetch sockobj-example.test 7500 /f >"$work/out" 2>"$work/err"
		rc=$?
		cat "$work/err"
		if [ $rc -eq 0 ] && [ "$(cat "$work/out")" = "HTTP/1.0 200 OK" ] &&
		   has_line "$work/err" '^fetch: 100000 bytes of body$' &&
		   has_line "$work/err" '^fetch: \[::1\]:7500: .*REFUSED' &&
		   has_line "$work/err" '^fetch: connected to 127\.0\.0\.1:7500$'; then
			ok "fetch_fallback: [::1] refused, 127.0.0.1 gave 200 and 100000 bytes"
		else
			fail "fetch_fallback: exit $rc, status '$(cat "$work/out")'"
		fi
		timeout 30 ./fetch sockobj-example.test 7500 /missing >"$work/out" 2>"$work/err"
		rc=$?
		if [ $rc -eq 0 ] && [ "$(cat "$work/out")" = "HTTP/1.0 404 File not found" ]; then
			ok "fetch_404: the status line of a missing file"
		else
			fail "fetch_404: exit $rc, status '$(cat "$work/out")': $(cat "$work/err")"
		fi
		# Happy Eyeballs: [::1] now drops SYNs. Tried one after the
		# other, it would end in CONNECT_TIMEOUT after 2 s; raced, it is
		# cancelled once 127.0.0.1, started 250 ms later, connects.
		if has nft && nft add table inet ex && nft add chain inet ex input \
			'{ type filter hook input priority 0; }' &&
		   nft add rule inet ex input ip6 daddr ::1 tcp dport 7500 drop; then
			t0=$(date +%s%N)
			timeout 30 ./fetch sockobj-example.test 7500 /f >"$work/out" 2>"$work/err"
			rc=$?
			ms=$((($(date +%s%N) - t0) / 1000000))
			cat "$work/err"
			if [ $rc -eq 0 ] && [ "$(cat "$work/out")" = "HTTP/1.0 200 OK" ] &&
			   has_line "$work/err" '^fetch: \[::1\]:7500: .*CONNECTING -> CLOSED: CANCELLED' &&
			   has_line "$work/err" '^fetch: connected to 127\.0\.0\.1:7500$'; then
				ok "fetch_happy_eyeballs: [::1] dropped and cancelled, 127.0.0.1 gave 200 ($ms ms in all)"
			else
				fail "fetch_happy_eyeballs: exit $rc, status '$(cat "$work/out")' ($ms ms)"
			fi
		else
			skip "fetch_happy_eyeballs: no nft rule"
		fi
	else
		fail "fetch: python3 http.server did not start: $(cat "$work/http.log")"
	fi
	timeout 30 ./fetch no-such-host.invalid 80 >/dev/null 2>"$work/err"
	rc=$?
	if [ $rc -eq 2 ] && has_line "$work/err" '^fetch: no-such-host\.invalid: '; then
		ok "fetch_bad_name: exit 2"
	else
		fail "fetch_bad_name: exit $rc: $(cat "$work/err")"
	fi
else
	skip "fetch: no python3"
fi

# ---- keepup -------------------------------------------------------------

if has socat; then
	# One connection per socat: killing it ends the connection.
	socat TCP-LISTEN:7600,bind=127.0.0.1,reuseaddr PIPE 2>/dev/null &
	server=$!
	wait_port 7600
	timeout 30 ./keepup -n 2 127.0.0.1 7600 >"$work/keepup" 2>&1 &
	kpid=$!
	i=0
	while [ $i -lt 100 ] && ! has_line "$work/keepup" '^echo ping 1\.'; do
		sleep 0.1
		i=$((i + 1))
	done
	kill "$server"
	wait "$server" 2>/dev/null
	sleep 1
	socat TCP-LISTEN:7600,bind=127.0.0.1,reuseaddr PIPE 2>/dev/null &
	server=$!
	pids="$pids $server"
	wait "$kpid"
	rc=$?
	cat "$work/keepup"
	if [ $rc -eq 0 ] && has_line "$work/keepup" '^echo ping 1\.1$' &&
	   has_line "$work/keepup" '^connected 2$' &&
	   has_line "$work/keepup" '^echo ping 2\.1$' &&
	   has_line "$work/keepup" 'CONNECTING -> RETRY_WAIT: REFUSED'; then
		ok "keepup_reconnect: $(count "$work/keepup" 'RETRY_WAIT: REFUSED') refused attempts retried by the kernel, then connection 2 echoed"
	else
		fail "keepup_reconnect: exit $rc, output above"
	fi
else
	skip "keepup: no socat"
fi

# ---- tls ----------------------------------------------------------------

if has openssl; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
		-subj /CN=localhost -addext subjectAltName=DNS:localhost \
		>"$work/openssl.log" 2>&1
	openssl s_server -accept 127.0.0.1:7700 -cert "$work/cert.pem" \
		-key "$work/key.pem" -www -quiet >>"$work/openssl.log" 2>&1 &
	pids="$pids $!"
	if wait_port 7700; then
		timeout 30 ./tls localhost 7700 "$work/cert.pem" >"$work/out" 2>"$work/err"
		rc=$?
		cat "$work/err"
		if [ $rc -eq 0 ] && [ "$(cat "$work/out")" = "HTTP/1.0 200 ok" ] &&
		   has_line "$work/err" 'certificate of localhost verified'; then
			ok "tls_handoff: handshake verified, 'HTTP/1.0 200 ok' over TLS"
		else
			fail "tls_handoff: exit $rc, answer '$(cat "$work/out")'"
		fi
		timeout 30 ./tls localhost 7700 "$work/cert.pem" other.example >"$work/out" 2>"$work/err"
		rc=$?
		if [ $rc -eq 4 ] && has_line "$work/err" 'hostname mismatch' && [ ! -s "$work/out" ]; then
			ok "tls_wrong_name: refused (hostname mismatch), exit 4"
		else
			fail "tls_wrong_name: exit $rc: $(cat "$work/err")"
		fi
	else
		fail "tls: openssl s_server did not start: $(cat "$work/openssl.log")"
	fi
	timeout 30 ./tls 127.0.0.1 7701 "$work/cert.pem" >/dev/null 2>"$work/err"
	rc=$?
	if [ $rc -eq 1 ] && has_line "$work/err" 'CLOSED: REFUSED'; then
		ok "tls_refused: exit 1, the exact reason"
	else
		fail "tls_refused: exit $rc: $(cat "$work/err")"
	fi
else
	skip "tls: no openssl"
fi

echo "examples: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
