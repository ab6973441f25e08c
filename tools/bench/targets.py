#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the figures of one sockobj-bench run against the issue's targets.

usage: tools/bench/targets.py BENCH.JSON

Every figure is a paired comparison: the per-repetition ratio (or byte
difference) of sockobj to the other method in the same repetition, its
median and the sign-test confidence interval of that median (the order
statistics [r(k), r(n+1-k)], k the largest rank with P(Bin(n, 1/2) < k)
<= 2.5%; the same rule as the benchmark's ratio_ci()). The verdict comes
from the interval, never from the point estimate:

    met          the whole interval is on the right side of the target
    missed       the whole interval is on the wrong side
    unresolved   the interval contains the target

The coverage of each interval is printed: from 6 repetitions on it is at
least 95%; fewer (--quick) give [min..max] at a lower coverage (93.8% for 5,
75% for 3). Informative only: the exit status is 0 whatever the figures
(timings are not tests).
"""
import json
import math
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def find(results, **kw):
    for r in results:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def binom_cdf_half(n, k):
    """P(Bin(n, 1/2) <= k)"""
    return sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n


def median_ci(values):
    """-> (median, lo, hi, coverage) of the sign-test interval of the median."""
    s = sorted(v for v in values if v is not None and not math.isnan(v))
    n = len(s)
    if not n:
        return None
    mid = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0
    k = 1
    while k < (n + 1) // 2 and binom_cdf_half(n, k) <= 0.025:
        k += 1
    return mid, s[k - 1], s[n - k], 1.0 - 2.0 * binom_cdf_half(n, k - 1)


def paired(a, b, op):
    """Per-repetition op(a[r], b[r]) of two records' samples."""
    sa, sb = a.get("samples") or [], b.get("samples") or []
    return [op(x, y) for x, y in zip(sa, sb) if x is not None and y]


def rotation_blocks(order):
    """Repetitions grouped in whole rotations, or None.

    order[r] lists the methods in the order repetition r ran them. A block
    is a run of consecutive repetitions, as many as there are methods, in
    which every method ran once at every position. In cost mode a method's
    time depends, to a few hundredths of a microsecond, on which method ran
    before it (every method's samples repeat with the rotation's period),
    so a figure made of three methods' samples compares like with like only
    over such blocks. A trailing partial block is left out.
    """
    if not order or not order[0]:
        return None
    m = len(order[0])
    blocks = []
    for b in range(0, len(order) - m + 1, m):
        reps = list(range(b, b + m))
        for name in order[b]:
            if sorted(order[r].index(name) if name in order[r] else -1
                      for r in reps) != list(range(m)):
                return None
        blocks.append(reps)
    return blocks or None


def verdict(ci, target, higher_is_better=True):
    _, lo, hi, _ = ci
    if higher_is_better:
        return "met" if lo >= target else "missed" if hi < target else "unresolved"
    return "met" if hi <= target else "missed" if lo > target else "unresolved"


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    d = load(argv[1])
    res = d["results"]
    out = []
    fmt = "%-34s %-38s %-24s %6s %s"

    def row(target, case, ci, goal, higher=True, unit="%.2f"):
        if ci is None:
            return
        fig = (unit + " [" + unit + ".." + unit + "]") % ci[:3]
        out.append(fmt % (target, case, fig, "%.1f" % (100 * ci[3]),
                          verdict(ci, goal, higher)))

    out.append("== Targets (this run): median of the paired per-rep figures [CI]; "
               "verdict from the CI")
    out.append(fmt % ("target", "case", "figure [CI]", "conf%", "verdict"))
    nets = sorted({r["net"] for r in res if "net" in r}, key=lambda n: n != "lo")

    def ratios(r):
        return r.get("rep_ratios") or []

    # 1. Establishment rate: >= 1.2x epoll and not below io_uring.
    for net in nets:
        for n in (1000, 10000):
            so = find(res, test="rate", net=net, n=n, method="sockobj")
            if not so:
                continue
            row("rate >= 1.2x epoll", "%s N=%d" % (net, n), median_ci(ratios(so)), 1.2)
            for um in ("io_uring", "io_uring+sock"):
                u = find(res, test="rate", net=net, n=n, method=um)
                if not u:
                    continue
                row("rate >= io_uring" + ("" if um == "io_uring" else " (info: +sock)"),
                    "%s N=%d, sockobj/%s" % (net, n, um),
                    median_ci(paired(so, u, lambda x, y: x / y)), 1.0)

    # Issue 18: establishment >= 1.04x epoll, >= 1.02x io_uring, >= 0.97x
    # ref:kernel, at N = 1,000 and 10,000, by read() and by the mapped ring,
    # and with objects kept and connected again (sockobj-reuse: no object
    # made per connection; a figure of its own, not sockobj's).
    for net in nets:
        for n in (1000, 10000):
            for m in ("sockobj", "sockobj-ring", "sockobj-reuse", "sockobj-reuse-ring"):
                so = find(res, test="rate", net=net, n=n, method=m)
                if not so:
                    continue
                for ref, goal in (("epoll", 1.04), ("io_uring", 1.02),
                                  ("ref:kernel", 0.97)):
                    b = find(res, test="rate", net=net, n=n, method=ref)
                    if b:
                        row("(18) rate >= %.2fx %s" % (goal, ref),
                            "%s N=%d %s" % (net, n, m),
                            median_ci(paired(so, b, lambda x, y: x / y)), goal)

    # (info) Establishment against the limit, ref:kernel of the same reps:
    # the fraction of its rate, and the API's cost per connection, the time
    # over the kernel's, (t - t_kernel) / N in us.
    for net in nets:
        for n in (1, 1000, 10000):
            k = find(res, test="rate", net=net, n=n, method="ref:kernel")
            if not k:
                continue
            for m in ("sockobj", "sockobj-ring", "sockobj-reuse", "sockobj-reuse-ring",
                      "epoll", "io_uring", "io_uring+sock", "ref:blocking"):
                r = find(res, test="rate", net=net, n=n, method=m)
                if not r:
                    continue
                fr = median_ci(paired(r, k, lambda x, y: x / y))
                ov = median_ci(paired(r, k, lambda x, y: 1e6 / x - 1e6 / y))
                out.append(fmt % ("(info) rate / ref:kernel", "%s N=%d %s" % (net, n, m),
                                  "%.2f [%.2f..%.2f]" % fr[:3], "%.1f" % (100 * fr[3]), ""))
                out.append(fmt % ("(info) us/conn over kernel", "%s N=%d %s" % (net, n, m),
                                  "%.2f [%.2f..%.2f]" % ov[:3], "%.1f" % (100 * ov[3]), ""))

    # (info) Connect with a timeout per connection (no target): what arming
    # it costs each method, us per connection over its untimed twin of the
    # same reps, and each timed method's rate over epoll+timer's.
    twins = {"sockobj+timeout": "sockobj", "epoll+timer": "epoll",
             "io_uring+linktimeout": "io_uring"}
    for net in nets:
        for n in (1, 1000, 10000):
            et = find(res, test="connto", net=net, n=n, method="epoll+timer")
            for m, u in twins.items():
                r = find(res, test="connto", net=net, n=n, method=m)
                b = find(res, test="connto", net=net, n=n, method=u)
                if not r or not b:
                    continue
                ov = median_ci(paired(r, b, lambda x, y: 1e6 / x - 1e6 / y))
                out.append(fmt % ("(info) timeout us/conn", "%s N=%d %s" % (net, n, m),
                                  "%.3f [%.3f..%.3f]" % ov[:3], "%.1f" % (100 * ov[3]), ""))
                if et and m != "epoll+timer":
                    fr = median_ci(paired(r, et, lambda x, y: x / y))
                    out.append(fmt % ("(info) rate / epoll+timer", "%s N=%d %s" % (net, n, m),
                                      "%.2f [%.2f..%.2f]" % fr[:3], "%.1f" % (100 * fr[3]),
                                      ""))

    # 3. Throughput: 16/64 KiB >= 0.95x; 64 B with batching >= 1.5x.
    for net in nets:
        for dr in ("send", "recv"):
            for conns in (1, 64):
                for size in (16384, 65536):
                    r = find(res, test="tput", net=net, dir=dr, conns=conns,
                             size=size, method="sockobj")
                    if r:
                        row("tput 16/64 KiB >= 0.95x", "%s %s %d conn %d B" %
                            (net, dr, conns, size), median_ci(ratios(r)), 0.95)
        for conns in (1, 64):
            r = find(res, test="tput", net=net, dir="send", conns=conns, size=64,
                     method="sockobj-batch")
            if r:
                row("tput 64 B batch >= 1.5x", "%s send %d conn 64 B" % (net, conns),
                    median_ci(ratios(r)), 1.5)
            # Issue 18: 64 B receives batched >= 2x epoll's recv(64).
            r = find(res, test="tput", net=net, dir="recv", conns=conns, size=64,
                     method="sockobj-batch")
            if r:
                row("(18) recv 64 B batch >= 2x epoll", "%s recv %d conn 64 B" % (net, conns),
                    median_ci(ratios(r)), 2.0)

    # 64 B against the limits of the same reps (paired ratios): sends over
    # ref:sendmsg512 (one writev-like call of 512 x 64 B), receives over
    # ref:bulkrecv (one 256 KiB recv() per call: 64 B messages drained as
    # fast as a receiver can). The bytes are the same stream, so the ratio
    # of MB/s is the ratio of 64 B messages per second.
    # Receives also over ref:recvmsg512 (one recvmsg() into 512 x 64 B
    # iovecs, sockobj-batch's buffers): what its one-call runs can approach.
    limits = [("send", "ref:sendmsg512"), ("recv", "ref:bulkrecv"),
              ("recv", "ref:recvmsg512")]
    for net in nets:
        for dr, lim in limits:
            for conns in (1, 64):
                ref = find(res, test="tput", net=net, dir=dr, conns=conns, size=64,
                           method=lim)
                if not ref:
                    continue
                for r in res:
                    if r.get("test") != "tput" or (r.get("net"), r.get("dir"),
                                                   r.get("conns"), r.get("size")) \
                            != (net, dr, conns, 64) or r["method"] == lim:
                        continue
                    fr = median_ci(paired(r, ref, lambda x, y: x / y))
                    if fr is None:
                        continue
                    out.append(fmt % ("(info) 64 B / " + lim, "%s %s %d conn %s" %
                                      (net, dr, conns, r["method"]),
                                      "%.3f [%.3f..%.3f]" % fr[:3], "%.1f" % (100 * fr[3]),
                                      ""))
            # Issue 18: 64 B sends batched >= 0.8x ref:writev (ref:sendmsg512,
            # the same 512 messages in one writev-like call; one connection
            # only, see below) and >= 1.3x
            # batched io_uring (ref:uring512), judged on each batched send
            # method of the run.
            if lim == "ref:sendmsg512":
                for conns in (1, 64):
                    ref = find(res, test="tput", net=net, dir="send", conns=conns,
                               size=64, method=lim)
                    uring = find(res, test="tput", net=net, dir="send", conns=conns,
                                 size=64, method="ref:uring512")
                    for m in ("sockobj-batch", "sockobj-vec", "sockobj-uring"):
                        b = find(res, test="tput", net=net, dir="send", conns=conns,
                                 size=64, method=m)
                        case = "%s send %d conn %s" % (net, conns, m)
                        # Judged where the messages per connection are
                        # the same: ref:sendmsg512 gives each call's
                        # connection all 512, the batched methods spread
                        # them over the open connections (8 each at 64).
                        if b and ref and conns == 1:
                            row("(18) send 64 B batch >= 0.8x writev", case +
                                " / ref:sendmsg512",
                                median_ci(paired(b, ref, lambda x, y: x / y)), 0.8)
                        if b and uring:
                            row("(18) send 64 B batch >= 1.3x uring", case +
                                " / ref:uring512",
                                median_ci(paired(b, uring, lambda x, y: x / y)), 1.3)
            # Issue 18: 64 B receives batched >= 0.6x the bulk-recv limit,
            # judged on the batched receive method ("sockobj-batch" with
            # dir "recv") when the run has one.
            if lim != "ref:bulkrecv":
                continue
            for conns in (1, 64):
                ref = find(res, test="tput", net=net, dir="recv", conns=conns, size=64,
                           method=lim)
                if not ref:
                    continue
                case = "%s recv %d conn 64 B" % (net, conns)
                b = find(res, test="tput", net=net, dir="recv", conns=conns, size=64,
                         method="sockobj-batch")
                v = find(res, test="tput", net=net, dir="recv", conns=conns, size=64,
                         method="sockobj-vec")
                if b:
                    row("(18) recv 64 B batch >= 0.6x bulk", case + " / ref:bulkrecv",
                        median_ci(paired(b, ref, lambda x, y: x / y)), 0.6)
                if v:
                    row("(18) recv 64 B batch >= 0.6x bulk", case + " sockobj-vec / ref:bulkrecv",
                        median_ci(paired(v, ref, lambda x, y: x / y)), 0.6)
                u = find(res, test="tput", net=net, dir="recv", conns=conns, size=64,
                         method="sockobj-uring")
                if u:
                    row("(18) recv 64 B batch >= 0.6x bulk", case + " sockobj-uring / ref:bulkrecv",
                        median_ci(paired(u, ref, lambda x, y: x / y)), 0.6)
                if not b and not v:
                    out.append(fmt % ("(18) recv 64 B batch >= 0.6x bulk", case,
                                      "-", "", "no batched 64 B recv in this run"))

    # Issue 18: event latency <= 0.9x epoll and <= 1.15x ref:blocking, from
    # the per-round paired ratios (sample i of every method is taken in
    # round i), for each sockobj method that learns events (sockobj-ring:
    # from the mapped record ring).
    for net in nets:
        for r in res:
            if r.get("test") != "latency" or r.get("net") != net or \
                    r.get("method") not in ("sockobj", "sockobj-ring") or \
                    r.get("reference") == "sockobj timestamp_ns":
                continue
            short = {"TCP transition (trace)": "TCP transition",
                     "peer before close()": "peer's close()"}
            case = "%s %s from %s" % (net, r["event"], short.get(r["reference"],
                                                                 r["reference"]))
            if r["method"] != "sockobj":
                case += " " + r["method"]
            row("(18) latency <= 0.9x epoll", case, median_ci(r.get("rep_ratios") or []),
                0.9, False)
            row("(18) latency <= 1.15x ref:blocking", case,
                median_ci(r.get("rep_ratios_vs_blocking") or []), 1.15, False)

    # 4. Memory: sockobj <= plain socket + 512 B (client side), paired by rep.
    so = find(res, test="mem", method="sockobj")
    for base, goal in (("plain", 512), ("plain+epoll", None)):
        pl = find(res, test="mem", method=base)
        if not so or not pl:
            continue
        diff = [x - y for x, y in zip(so.get("client_samples") or [],
                                      pl.get("client_samples") or [])]
        ci = median_ci(diff)
        if ci is None:
            continue
        if goal is None:
            out.append(fmt % ("(info)", "sockobj - %s, B per conn" % base,
                              "%+.0f [%+.0f..%+.0f]" % ci[:3], "%.1f" % (100 * ci[3]), ""))
        else:
            row("mem <= %s + %d B" % (base, goal), "sockobj - %s, B per conn" % base,
                ci, goal, False, "%+.0f")

    # 5. Scaling: cost per event within 20% of K=10 at every K, paired with
    # K = 10's repetitions of the same run.
    scale_methods = ("sockobj", "sockobj-ring")
    for active in ("10", "all"):
        for r in res:
            if r["test"] == "scale" and r["method"] in scale_methods and \
                    r["active"] == active and r["k"] != 10:
                row("event cost <= 1.2x K=10", "active %s, K=%d%s" %
                    (active, r["k"], "" if r["method"] == "sockobj" else " " + r["method"]),
                    median_ci(r.get("rep_ratios_vs_k10") or []), 1.2, False)

    # Issue 18: the event machinery's cost over the floor, (t - t_direct),
    # <= 0.8x epoll's (t_epoll - t_direct), per repetition (every method
    # runs in every repetition at the same K and variant).
    for r in res:
        if r.get("test") != "scale" or r["method"] not in scale_methods:
            continue
        kw = dict(test="scale", net=r["net"], k=r["k"], active=r["active"])
        e = find(res, method="epoll", **kw)
        d = find(res, method="ref:direct", **kw)
        if not e or not d:
            continue
        sx, sy, sz = (r.get("samples") or [], e.get("samples") or [],
                      d.get("samples") or [])
        blocks = rotation_blocks(r.get("order"))
        if blocks and max(max(b) for b in blocks) < min(map(len, (sx, sy, sz))):
            # per whole rotation: the three methods at every position alike
            def mean(v, b):
                return sum(v[i] for i in b) / len(b)
            tri = [(mean(sx, b), mean(sy, b), mean(sz, b)) for b in blocks]
            unit = "rotation"
        else:
            tri = list(zip(sx, sy, sz))
            unit = "rep"
        ov = [(x - z) / (y - z) for x, y, z in tri if y - z > 0]
        row("(18) event overhead <= 0.8x epoll",
            "%s K=%d active %s %s (per %s)" % (r["net"], r["k"], r["active"],
                                              r["method"], unit),
            median_ci(ov), 0.8, False)

    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
