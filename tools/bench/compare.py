#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare two sockobj-bench runs figure by figure (determinism check).

usage: tools/bench/compare.py A.JSON B.JSON

For every record of A that B has too (keyed by test, net, method, N, dir,
conns, size, K, active, event, reference): |B / A - 1| of the median value
(memory: the client-side bytes) and of the median ratio to epoll. Prints,
per test, how many agree within 1% and 3% and the largest difference, then
the largest differences overall. Exit status 0 whatever the figures.
"""
import json
import sys
from collections import defaultdict

KEYS = ("test", "net", "method", "n", "dir", "conns", "size", "k", "active",
        "event", "reference")


def records(path):
    with open(path) as f:
        res = json.load(f)["results"]
    return {tuple((k, r[k]) for k in KEYS if k in r): r for r in res}


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    a, b = records(argv[1]), records(argv[2])
    per_test = defaultdict(list)
    diffs = []
    for key, ra in a.items():
        rb = b.get(key)
        if not rb:
            continue
        test = dict(key)["test"]
        for field in ("value", "client", "ratio_ci"):
            x = (ra.get(field) or {}).get("median")
            y = (rb.get(field) or {}).get("median")
            if x and y is not None:
                d = y / x - 1
                kind = "ratio" if field == "ratio_ci" else "value"
                per_test[(test, kind)].append(abs(d))
                diffs.append((abs(d), d, kind, key))
    print("%-8s %-6s %5s %10s %10s %9s" % ("test", "figure", "n", "within 1%",
                                           "within 3%", "largest"))
    for (test, kind), v in sorted(per_test.items()):
        print("%-8s %-6s %5d %10d %10d %8.2f%%" % (test, kind, len(v),
                                                 sum(x <= 0.01 for x in v),
                                                 sum(x <= 0.03 for x in v),
                                                 100 * max(v)))
    diffs.sort()
    print("largest differences:")
    for _, d, kind, key in diffs[-10:]:
        print("  %+6.2f%% %-5s %s" % (100 * d, kind, " ".join("%s=%s" % kv for kv in key)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
