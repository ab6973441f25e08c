#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Per method, where a peer's RST goes before the client learns it.

Reads `perf script -F comm,tid,cpu,time,event,trace --ns` of the latency
test (tools/bench/rst-trace.sh). A sample starts at the client socket's
ESTABLISHED -> CLOSE transition (sock:inet_sock_set_state, dport 9000) in
the peer thread's context (its close() sent the RST, loopback processed it
there) and ends when the client thread returns from its wait: read() of the
sockobj record, epoll_wait(), recv() (ref:blocking) or io_uring_enter().
Prints, per method, the median / min / max time from the transition to
each step, in us of guest time, and which threads ran in between.
"""
import collections
import re
import statistics
import sys

LINE = re.compile(r"\s*(.+?)\s+(\d+)\s+\[\d+\]\s+(\d+)\.(\d+):\s+(\S+):\s*(.*)")
# read() ends a sample as sockobj's only after a sockobj CLOSED record
WAITS = {"sys_exit_read": None, "sys_exit_epoll_wait": "epoll",
         "sys_exit_recvfrom": "ref:blocking", "sys_exit_io_uring_enter": "io_uring"}
STEPS = [("client woken", "wake"), ("sockobj record", "record"),
         ("work queued", "queued"), ("peer off the CPU", "peer_off"),
         ("kworker on the CPU", "kw_on"), ("work starts", "kw_start"),
         ("work ends", "kw_end"), ("kworker off the CPU", "kw_off"),
         ("client's wait returns", "ret")]


def main():
    ev = []
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if m:
                ev.append((m.group(1), int(m.group(2)),
                           int(m.group(3)) * 10**9 + int(m.group(4)[:9].ljust(9, "0")),
                           m.group(5).split(":")[-1], m.group(6)))
    rst = "oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE"
    peer = collections.Counter(e[1] for e in ev if e[3] == "inet_sock_set_state"
                               and "sport=9000 " in e[4] and rst in e[4])
    client = collections.Counter(e[1] for e in ev if e[3] == "sockobj_state"
                                 and "-> CONNECTING" in e[4])
    if not peer or not client:
        sys.exit("rst_trace.py: no RST samples in the trace")
    peer, client = peer.most_common(1)[0][0], client.most_common(1)[0][0]
    res = collections.defaultdict(list)
    ran = collections.defaultdict(collections.Counter)
    for i, (_, tid, t0, name, arg) in enumerate(ev):
        if not (name == "inet_sock_set_state" and tid == peer and
                "dport=9000 " in arg and rst in arg):
            continue
        d, method, between = {}, None, []
        for _, tid2, t, name2, arg2 in ev[i + 1:i + 200]:
            us = (t - t0) / 1000
            if name2 == "sched_wakeup" and "pid=%d " % client in arg2:
                d.setdefault("wake", us)
            elif name2 == "sockobj_state" and "-> CLOSED" in arg2:
                d.setdefault("record", us)
                method = "sockobj"
            elif name2 == "workqueue_queue_work":
                d.setdefault("queued", us)
            elif name2 == "workqueue_execute_start":
                d.setdefault("kw_start", us)
            elif name2 == "workqueue_execute_end":
                d.setdefault("kw_end", us)
            elif name2 == "sched_switch":
                nxt = re.search(r"next_comm=(\S+) next_pid=(\d+)", arg2)
                if "prev_pid=%d " % peer in arg2:
                    d.setdefault("peer_off", us)
                if "prev_comm=kworker" in arg2:
                    d.setdefault("kw_off", us)
                if nxt and nxt.group(1).startswith("kworker"):
                    d.setdefault("kw_on", us)
                if nxt and int(nxt.group(2)) not in (client, peer):
                    between.append(re.sub(r"[/:].*", "", nxt.group(1)))
            elif tid2 == client and name2 in WAITS:
                d["ret"] = us
                method = method or WAITS[name2]
                break
        if method and "ret" in d:
            res[method].append(d)
            for b in set(between):
                ran[method][b] += 1
    for method in ("sockobj", "epoll", "io_uring", "ref:blocking"):
        samples = res.get(method)
        if not samples:
            continue
        print("%s: %d samples; us after the client socket's ESTABLISHED -> CLOSE"
              " (median [min..max])" % (method, len(samples)))
        for label, key in STEPS:
            v = [s[key] for s in samples if key in s]
            if v:
                print("  %-24s %8.2f [%.2f..%.2f] (%d)" % (label, statistics.median(v),
                                                         min(v), max(v), len(v)))
        if ran[method]:
            print("  ran before the client: " + ", ".join(
                "%s in %d" % kv for kv in ran[method].most_common()))


if __name__ == "__main__":
    main()
