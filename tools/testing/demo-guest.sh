#!/bin/sh
# The demo scenario, run inside the VM by tools/testing/demo.sh (the guest sees the
# host's files read-only; /tmp is its own).
#
# Real servers nobody here wrote are started in the VM: python3's
# http.server, redis-server, and socat as a UDP echo server and as a TCP
# sink. Every exchange with them goes through `sockobj connect`, the
# netcat-like client of this project, which drives a sock object of the
# module through libsockobj. Then refused, unreachable and timed-out
# attempts, each with its close reason and exit status.
#
# Each claim is checked; the end says what was shown and how many checks
# passed. Exit status 1 when one failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
so=$PWD/tools/sockobj/sockobj
work=$(mktemp -d /tmp/sockobj-demo.XXXXXX)
passed=0
failed=0
servers=

step() { printf '\n---- %s\n' "$*"; }
# The command about to run, as a user would type it.
show() { printf '$ %s\n' "$*"; }
check() {
	what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		printf '  [ok] %s\n' "$what"
	else
		failed=$((failed + 1))
		printf '  [FAILED] %s\n' "$what"
	fi
}
# A file as text: CR removed, indented.
view() { tr -d '\r' <"$1" | sed 's/^/    | /'; }

step "The device and the module's API (SOCKOBJ_IOC_GET_API)"
ls -l /dev/sockobj
$so api

step "Real servers, started in the VM"
mkdir "$work/www"
{
	echo '<html><body><pre>'
	seq -f 'line %g of a page served by python3 -m http.server' 1 3000
	echo '</pre></body></html>'
} >"$work/www/page.html"
head -c 8M /dev/urandom >"$work/www/data.bin"
echo "python3 -m http.server on 127.0.0.1:8000, serving page.html ($(wc -c <"$work/www/page.html") bytes) and data.bin ($(wc -c <"$work/www/data.bin") random bytes)"
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" 8000 \
	>"$work/http.log" 2>&1 &
servers="$servers $!"
echo "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:6379"
redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$work" --logfile "$work/redis.log" --daemonize no &
servers="$servers $!"
echo "socat UDP echo server on 127.0.0.1:7001 (UDP-RECVFROM,fork EXEC:cat)"
socat UDP-RECVFROM:7001,bind=127.0.0.1,fork EXEC:cat &
servers="$servers $!"
echo "socat TCP sink on 127.0.0.1:7002 (one connection, written to a file)"
socat -u TCP-LISTEN:7002,bind=127.0.0.1,reuseaddr OPEN:"$work/upload",creat,trunc &
sink=$!
echo "socat on 127.0.0.1:7000: says hello, then closes"
socat TCP-LISTEN:7000,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo hello from socat' &
servers="$servers $!"
# Ready when they accept connections (the probe goes through the module too).
i=0
until $so probe -t 500 127.0.0.1 8000 6379 7000 >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "the servers did not start" >&2; exit 1; }
	sleep 0.2
done
# A stdin that never ends and never has data, for sessions the peer ends.
mkfifo "$work/idle"
exec 3<>"$work/idle"

step "HTTP: fetch 8 MiB from python3 http.server (HTTP/1.0 GET on stdin)"
echo "Our FIN follows the request at once; the response and the server's FIN then complete"
echo "the close (LOCAL_CLOSED) before the command has read them all: what is still queued"
echo "stays readable in CLOSED, and the command writes every byte before it exits."
show "printf 'GET /data.bin HTTP/1.0\\r\\n\\r\\n' | sockobj connect -v 127.0.0.1 8000 >response"
printf 'GET /data.bin HTTP/1.0\r\nHost: 127.0.0.1:8000\r\n\r\n' |
	$so connect -v 127.0.0.1 8000 >"$work/response"
rc=$?
tr -d '\r' <"$work/response" | sed -n '1,/^$/p' | sed 's/^/    | /'
size=$(wc -c <"$work/www/data.bin")
# The body: the last $size bytes, right after the header's blank line.
tail -c "$size" "$work/response" >"$work/body"
want=$(sha256sum <"$work/www/data.bin" | cut -d' ' -f1)
got=$(sha256sum <"$work/body" | cut -d' ' -f1)
echo "    sha256 of data.bin as served: $want"
echo "    sha256 of the body received:  $got"
check "exit status 0 (closed normally, every byte written)" [ $rc -eq 0 ]
# shellcheck disable=SC2016 # expanded by the inner sh
check "status line HTTP/1.0 200 OK" \
	sh -c 'head -n 1 "$1" | tr -d "\r" | grep -qx "HTTP/1.0 200 OK"' sh "$work/response"
# The header's blank line, then exactly the file.
body_ok() {
	[ "$got" = "$want" ] &&
		[ "$(tail -c $((size + 4)) "$work/response" | head -c 4 | od -An -tx1 | tr -d ' ')" = 0d0a0d0a ]
}
check "the whole response arrived ($(wc -c <"$work/response") bytes), the body's SHA-256 is the file's" \
	body_ok

step "Redis: PING, SET, GET, INCR, QUIT through sockobj connect"
echo "-k: our side stays open until redis closes after QUIT (redis ends a session when it"
echo "reads a FIN, dropping replies not yet written: a long pipeline needs -k)"
show "printf 'PING\\r\\nSET greeting \"hello from sockobj\"\\r\\nGET greeting\\r\\nINCR visits\\r\\nQUIT\\r\\n' | sockobj connect -k -v 127.0.0.1 6379"
printf 'PING\r\nSET greeting "hello from sockobj"\r\nGET greeting\r\nINCR visits\r\nQUIT\r\n' |
	$so connect -k -v 127.0.0.1 6379 >"$work/redis.out"
rc=$?
view "$work/redis.out"
# shellcheck disable=SC2016 # $18 is Redis's length prefix
printf '+PONG\r\n+OK\r\n$18\r\nhello from sockobj\r\n:1\r\n+OK\r\n' >"$work/redis.want"
check "exit status 0" [ $rc -eq 0 ]
check "the server's replies: +PONG, +OK, \$18 hello from sockobj, :1, +OK" \
	cmp -s "$work/redis.out" "$work/redis.want"
show "redis-cli -p 6379 GET greeting      # another client sees what we SET"
got=$(redis-cli -p 6379 GET greeting)
echo "    | $got"
check "redis-cli reads the value set through sockobj" [ "$got" = "hello from sockobj" ]

step "Upload: stdin to a TCP sink, then a graceful close at the end of stdin"
echo "Without -k: FIN after all stdin data is sent, then CLOSING until the peer closes: LOCAL_CLOSED"
show "sockobj connect -v 127.0.0.1 7002 <page.html"
$so connect -v 127.0.0.1 7002 <"$work/www/page.html"
rc=$?
# socat ends with the connection; should the connect have failed, end it.
[ $rc -eq 0 ] || kill $sink 2>/dev/null
wait $sink
check "exit status 0 (closed by us, gracefully)" [ $rc -eq 0 ]
check "the sink wrote exactly what was sent ($(wc -c <"$work/upload") bytes)" \
	cmp -s "$work/upload" "$work/www/page.html"

step "The peer closes first: PEER_CLOSING, then our close: PEER_CLOSED"
show "sockobj connect -v 127.0.0.1 7000 <idle-fifo"
$so connect -v 127.0.0.1 7000 <&3 >"$work/hello"
rc=$?
view "$work/hello"
# shellcheck disable=SC2016 # expanded by the inner sh
check "exit status 0, and socat's greeting received" \
	sh -c '[ "$1" -eq 0 ] && grep -qx "hello from socat" "$2"' sh $rc "$work/hello"

step "UDP: two datagrams to the socat echo server, each echoed back"
show "{ echo one; sleep 0.5; echo two; } | sockobj connect -u -v 127.0.0.1 7001"
{ echo one; sleep 0.5; echo two; } | $so connect -u -v 127.0.0.1 7001 >"$work/udp.out"
rc=$?
view "$work/udp.out"
check "exit status 0" [ $rc -eq 0 ]
check "both datagrams came back" [ "$(cat "$work/udp.out")" = "$(printf 'one\ntwo')" ]

step "sockobj stat: every object of this network namespace, from /proc/net/sockobj"
$so connect 127.0.0.1 6379 <&3 >/dev/null &
held_tcp=$!
$so connect -u 127.0.0.1 7001 <&3 >/dev/null &
held_udp=$!
sleep 1
show "sockobj stat"
$so stat | tee "$work/stat"
check "it lists the open TCP connection to redis" \
	grep -Eq 'tcp +ESTABLISHED .*127\.0\.0\.1:6379' "$work/stat"
check "and the UDP object" grep -Eq 'udp +ESTABLISHED .*127\.0\.0\.1:7001' "$work/stat"
kill $held_tcp $held_udp 2>/dev/null
wait $held_tcp $held_udp 2>/dev/null
show "setpriv --reuid=nobody sockobj stat"
setpriv --reuid=65534 --regid=65534 --clear-groups "$so" stat
check "refused to a non-root user, exit status 77" [ $? -eq 77 ]

step "Failures, each with its close reason and exit status"
show "sockobj connect -v 127.0.0.1 7999      # nothing listens there"
$so connect -v 127.0.0.1 7999 </dev/null
check "refused (REFUSED): exit status 3" [ $? -eq 3 ]

show "echo ping | sockobj connect -u -v 127.0.0.1 7999"
echo ping | $so connect -u -v 127.0.0.1 7999
check "UDP: ICMP port unreachable: exit status 3" [ $? -eq 3 ]

show "sockobj connect -v 192.0.2.1 80      # no route at all in the VM"
$so connect -v 192.0.2.1 80 </dev/null
check "network unreachable (NET_UNREACH): exit status 5" [ $? -eq 5 ]

ip route add unreachable 198.51.100.0/24
show "sockobj connect -v 198.51.100.7 80      # after: ip route add unreachable 198.51.100.0/24"
$so connect -v 198.51.100.7 80 </dev/null
check "host unreachable (HOST_UNREACH): exit status 5" [ $? -eq 5 ]

ip link add sodemo0 type dummy
ip addr add 10.77.0.1/24 dev sodemo0
ip link set sodemo0 up
show "sockobj connect -v -t 1500 10.77.0.2 80      # behind a dummy interface that drops everything"
$so connect -v -t 1500 10.77.0.2 80 </dev/null
check "timed out after 1.5 s (CONNECT_TIMEOUT): exit status 4" [ $? -eq 4 ]

show "sockobj connect -v -I 1 127.0.0.1 6379 <idle-fifo      # nothing said for 1 s"
$so connect -v -I 1 127.0.0.1 6379 <&3
check "reset for inactivity (INACTIVITY): exit status 4" [ $? -eq 4 ]

show "sockobj connect no-such-host.invalid 80"
$so connect no-such-host.invalid 80 </dev/null
check "name resolution failure: exit status 2" [ $? -eq 2 ]

step "Three ports at once (sockobj probe)"
show "sockobj probe 127.0.0.1 8000 6379 7999"
$so probe 127.0.0.1 8000 6379 7999
check "two open, one refused: exit status 1" [ $? -eq 1 ]

exec 3>&-
# shellcheck disable=SC2086
kill $servers 2>/dev/null
# shellcheck disable=SC2086
wait $servers 2>/dev/null

step "Demo finished"
cat <<EOF
Through the module (sockobj connect, libsockobj, /dev/sockobj), against real servers:
  - fetched 8 MiB from python3 http.server, our FIN first, and checked its SHA-256;
  - talked to redis-server (PING, SET, GET, INCR, QUIT), and redis-cli saw the value;
  - uploaded a file to a socat sink, closing gracefully at the end of stdin (LOCAL_CLOSED);
  - was closed by the peer first (PEER_CLOSING, then PEER_CLOSED);
  - exchanged UDP datagrams with a socat echo server;
  - listed the open objects with sockobj stat (root only);
  - and showed refused (TCP and UDP), network and host unreachable, connect timeout,
    inactivity and name-resolution failures, each with its reason and exit status.
EOF
echo "demo: $passed passed, $failed failed"
[ $failed -eq 0 ]
