#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the figures of one sockobj-bench run against the issue's targets.

usage: tools/bench/targets.py BENCH.JSON

Prints one line per target and case: the figure (a same-run ratio, median
of the repetitions, with the range of the per-repetition ratios where the
benchmark has it), the target, and "met" or "MISSED by X". Informative
only: the exit status is 0 whatever the figures (timings are not tests).
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def find(results, **kw):
    for r in results:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def spread(r):
    rr = r.get("rep_ratio_vs_epoll")
    if not rr:
        return ""
    return "[%.2f..%.2f]" % (rr["min"], rr["max"])


def verdict(value, target, higher_is_better=True, unit=None):
    ok = value >= target if higher_is_better else value <= target
    if ok:
        return "met"
    if unit:
        return "MISSED by %.0f %s" % (abs(value - target), unit)
    return "MISSED by %.1f%%" % (100.0 * abs(value - target) / target)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    d = load(argv[1])
    res = d["results"]
    out = []

    def row(target, case, fig, rng, v):
        out.append("%-34s %-34s %9s %-14s %s" % (target, case, fig, rng, v))

    out.append("== Targets (this run; ratios are same-run medians, [per-rep ratio range])")
    out.append("%-34s %-34s %9s %-14s %s" % ("target", "case", "figure", "[range]", "verdict"))
    nets = sorted({r["net"] for r in res if r["test"] == "rate"}, key=lambda n: n != "lo")

    # 1. Establishment rate: >= 1.2x epoll and not below io_uring.
    for net in nets:
        for n in (1000, 10000):
            so = find(res, test="rate", net=net, n=n, method="sockobj")
            if not so:
                continue
            row("rate >= 1.2x epoll", "%s N=%d" % (net, n),
                "%.2f" % so["ratio_vs_epoll"], spread(so),
                verdict(so["ratio_vs_epoll"], 1.2))
            for um in ("io_uring", "io_uring+sock"):
                u = find(res, test="rate", net=net, n=n, method=um)
                if not u or not u["value"]["median"]:
                    continue
                x = so["value"]["median"] / u["value"]["median"]
                row("rate >= io_uring" + ("" if um == "io_uring" else " (info: +sock)"),
                    "%s N=%d, sockobj/%s" % (net, n, um), "%.2f" % x, "",
                    verdict(x, 1.0))

    # 3. Throughput: 16/64 KiB >= 0.95x; 64 B with batching >= 1.5x.
    for net in nets:
        for dr in ("send", "recv"):
            for conns in (1, 64):
                for size in (16384, 65536):
                    r = find(res, test="tput", net=net, dir=dr, conns=conns,
                             size=size, method="sockobj")
                    if r:
                        row("tput 16/64 KiB >= 0.95x", "%s %s %d conn %d B" %
                            (net, dr, conns, size), "%.2f" % r["ratio_vs_epoll"],
                            spread(r), verdict(r["ratio_vs_epoll"], 0.95))
        for conns in (1, 64):
            r = find(res, test="tput", net=net, dir="send", conns=conns, size=64,
                     method="sockobj-batch")
            if r:
                row("tput 64 B batch >= 1.5x", "%s send %d conn 64 B" % (net, conns),
                    "%.2f" % r["ratio_vs_epoll"], spread(r),
                    verdict(r["ratio_vs_epoll"], 1.5))

    # 4. Memory: sockobj <= plain socket + 512 B (client side).
    so = find(res, test="mem", method="sockobj")
    pl = find(res, test="mem", method="plain")
    pe = find(res, test="mem", method="plain+epoll")
    if so and pl:
        x = so["client"]["median"] - pl["client"]["median"]
        row("mem <= plain + 512 B", "sockobj - plain, per conn", "%+.0f B" % x,
            "", verdict(x, 512, False, "B"))
        if pe:
            x = so["client"]["median"] - pe["client"]["median"]
            row("(info)", "sockobj - plain+epoll", "%+.0f B" % x, "", "")

    # 5. Scaling: cost per event within 20% of K=10 up to K=10,000.
    for active in ("10", "all"):
        worst = None
        for r in res:
            if r["test"] == "scale" and r["method"] == "sockobj" and r["active"] == active:
                if worst is None or r["ratio_vs_k10"] > worst["ratio_vs_k10"]:
                    worst = r
        if worst:
            ep = find(res, test="scale", method="epoll", active=active, k=worst["k"])
            row("event cost <= 1.2x K=10", "active %s, worst K=%d (epoll %.2f)" %
                (active, worst["k"], ep["ratio_vs_k10"] if ep else float("nan")),
                "%.2f" % worst["ratio_vs_k10"], "by min %.2f" % worst["ratio_vs_k10_of_min"],
                verdict(worst["ratio_vs_k10"], 1.2, False))

    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
