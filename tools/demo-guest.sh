#!/bin/sh
# The demo scenario, run inside the VM by tools/demo.sh.
set -eu
cd "$(dirname "$0")/.."
so=tools/sockobj
step() { printf '\n---- %s\n' "$*"; }

step "The device and its API (SOCKOBJ_IOC_GET_API)"
ls -l /dev/sockobj
$so api

step "Servers started in the VM: python3 http.server on 8000, socat on 7000 (answers, then closes)"
python3 -m http.server --bind 127.0.0.1 8000 >/dev/null 2>&1 &
socat TCP-LISTEN:7000,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo hello; sleep 0.5' &
sleep 1

step "A connection the peer closes first: CONNECTING, ESTABLISHED, PEER_CLOSING, CLOSING, CLOSED (closed by the peer)"
$so probe -v -w 3000 127.0.0.1 7000

step "A connection we close first: ... CLOSING, CLOSED (closed by us)"
$so probe -v 127.0.0.1 8000

step "A refused connection (nothing listens on 7999)"
$so probe -v 127.0.0.1 7999 || echo "(exit status $?: not every port opened)"

step "A timed-out connection: 10.77.0.2 lies behind a dummy interface that drops everything; timeout 1500 ms"
ip link add sodemo0 type dummy
ip addr add 10.77.0.1/24 dev sodemo0
ip link set sodemo0 up
$so probe -v -t 1500 10.77.0.2 80 || echo "(exit status $?: not every port opened)"

step "A network with no route at all: known at once, still reported as an event"
$so probe -v 192.0.2.1 80 || echo "(exit status $?: not every port opened)"

step "Three ports at once"
$so probe 127.0.0.1 8000 7000 7999 || echo "(exit status $?: not every port opened)"

kill %1 %2 2>/dev/null || true
step "Demo finished: the module's events showed every state and the reasons PEER_CLOSED, LOCAL_CLOSED, REFUSED, CONNECT_TIMEOUT and NET_UNREACH"
