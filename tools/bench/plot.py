#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Plot sockobj-bench results (the JSON written by sockobj-bench --json).

usage: tools/bench/plot.py BENCH.json OUT.png

Six panels: establishment rate against N (loopback and veth), the rate as
a ratio to epoll, the cost of a connect timeout (each method with one over
itself without), the cost per event against the number of open
connections, its flatness (t(K) / t(K=10)), and throughput as a ratio to
epoll. Absolute figures: median of the repetitions, error bars min..max.
Ratios: median of the per-repetition (paired) ratios, error bars its 95%
sign-test confidence interval (the JSON's *_ci records; [min..max] and
lower coverage with --quick's 5 or 3 repetitions).
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"ref:kernel": "black", "ref:blocking": "tab:gray", "ref:direct": "black",
          "sockobj": "tab:red", "epoll": "tab:blue", "io_uring": "tab:green",
          "io_uring+sock": "tab:olive", "sockobj-batch": "tab:purple",
          "sockobj-vec": "tab:pink", "sockobj-uring": "tab:brown", "ref:sendmsg512": "tab:gray",
          "sockobj-ring": "tab:orange"}
STYLES = {"lo": "-", "veth": "--"}
MARKS = {"lo": "o", "veth": "s"}


def errbar(ax, xs, recs, label, color, style, mark):
    med = [r["value"]["median"] for r in recs]
    lo = [r["value"]["median"] - r["value"]["min"] for r in recs]
    hi = [r["value"]["max"] - r["value"]["median"] for r in recs]
    ax.errorbar(xs, med, yerr=[lo, hi], label=label, color=color, linestyle=style,
                marker=mark, capsize=3, markersize=4, linewidth=1.3)


def legend(ax, **kw):
    """The legend of a panel that has labelled lines (an empty one has none)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kw)


def cibar(ax, xs, cis, label, color, style, mark):
    """A median ratio with its confidence interval as the error bar."""
    # a run restricted by --point may lack the pairing (K = 10 not run)
    keep = [(x, c) for x, c in zip(xs, cis)
            if c and None not in (c.get("median"), c.get("lo"), c.get("hi"))]
    if not keep:
        return
    xs, cis = [k[0] for k in keep], [k[1] for k in keep]
    med = [c["median"] for c in cis]
    lo = [c["median"] - c["lo"] for c in cis]
    hi = [c["hi"] - c["median"] for c in cis]
    ax.errorbar(xs, med, yerr=[lo, hi], label=label, color=color, linestyle=style,
                marker=mark, capsize=3, markersize=4, linewidth=1.3)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        doc = json.load(f)
    res = doc["results"]
    meta = doc.get("meta", {})

    fig, axes = plt.subplots(3, 2, figsize=(15, 16))
    (ax_rate, ax_ratio), (ax_connto, ax_tput), (ax_scale, ax_flat) = axes

    # 1. establishment rate
    rate = [r for r in res if r["test"] == "rate"]
    for net in ("lo", "veth"):
        for m in ("sockobj", "epoll", "io_uring", "io_uring+sock", "ref:blocking",
                  "ref:kernel"):
            recs = sorted((r for r in rate if r["net"] == net and r["method"] == m),
                          key=lambda r: r["n"])
            if not recs:
                continue
            errbar(ax_rate, [r["n"] for r in recs], recs, "%s (%s)" % (m, net),
                   COLORS.get(m, "gray"), STYLES[net], MARKS[net])
            if m != "epoll":
                cibar(ax_ratio, [r["n"] for r in recs], [r["ratio_ci"] for r in recs],
                      "%s (%s)" % (m, net), COLORS.get(m, "gray"), STYLES[net], MARKS[net])
    ax_rate.set_xscale("log")
    ax_rate.set_xlabel("connections in flight (N)")
    ax_rate.set_ylabel("connections / s (median, bars min..max)")
    ax_rate.set_title("1. Establishment rate")
    ax_rate.grid(True, which="both", alpha=0.3)
    legend(ax_rate, fontsize=8, ncol=2)

    ax_ratio.axhline(1.0, color="tab:blue", linewidth=0.8)
    ax_ratio.axhline(1.2, color="black", linewidth=0.8, linestyle=":",
                     label="target 1.2x (N >= 1000)")
    ax_ratio.set_xscale("log")
    ax_ratio.set_xlabel("connections in flight (N)")
    ax_ratio.set_ylabel("rate / epoll rate (median of paired ratios, bars 95% CI)")
    ax_ratio.set_title("1. Establishment rate relative to epoll, same run")
    ax_ratio.grid(True, which="both", alpha=0.3)
    legend(ax_ratio, fontsize=8, ncol=2)

    # 1b. connect with timeout: each method over its untimed twin
    connto = [r for r in res if r["test"] == "connto" and "ratio_vs_untimed_ci" in r]
    for net in ("lo", "veth"):
        for m in sorted({r["method"] for r in connto}):
            recs = sorted((r for r in connto if r["net"] == net and r["method"] == m),
                          key=lambda r: r["n"])
            if recs:
                base = m.split("+")[0]
                cibar(ax_connto, [r["n"] for r in recs],
                      [r["ratio_vs_untimed_ci"] for r in recs], "%s (%s)" % (m, net),
                      COLORS.get(base, "gray"), STYLES[net], MARKS[net])
    ax_connto.axhline(1.0, color="black", linewidth=0.8)
    ax_connto.set_xscale("log")
    ax_connto.set_xlabel("connections in flight (N)")
    ax_connto.set_ylabel("rate with / without the timeout (paired, bars 95% CI)")
    ax_connto.set_title("1b. Cost of a connect timeout per connection")
    ax_connto.grid(True, which="both", alpha=0.3)
    legend(ax_connto, fontsize=8, ncol=2)

    # 5. scaling
    scale = [r for r in res if r["test"] == "scale"]
    for active, style in (("all", "-"), ("10", "--")):
        for m in ("sockobj", "sockobj-ring", "epoll", "ref:direct"):
            recs = sorted((r for r in scale if r["method"] == m
                           and r.get("active", "all") == active), key=lambda r: r["k"])
            if not recs:
                continue
            errbar(ax_scale, [r["k"] for r in recs], recs,
                   "%s, data on %s" % (m, "a random one of all K" if active == "all"
                                       else "10 of the K"),
                   COLORS.get(m, "gray"), style, "o" if active == "all" else "^")
    ax_scale.set_xscale("log")
    ax_scale.set_ylim(bottom=0)
    base = [r for r in scale if r["method"] == "sockobj" and r["k"] == 10
            and r.get("active", "all") == "10"]
    if base:
        b = base[0]["value"]["median"]
        ax_scale.axhspan(b, 1.2 * b, color="tab:red", alpha=0.08,
                         label="sockobj K=10 (10 active) +20% (target band)")
    ax_scale.set_xlabel("open connections (K)")
    ax_scale.set_ylabel("us per event (send 1 B + learn + receive)")
    ax_scale.set_title("5. Cost per event vs open connections (loopback)")
    ax_scale.grid(True, which="both", alpha=0.3)
    legend(ax_scale, fontsize=8)

    # 5. flatness: t(K) / t(K = 10) of the same run, paired per repetition
    for active, style in (("all", "-"), ("10", "--")):
        for m in ("sockobj", "sockobj-ring", "epoll", "ref:direct"):
            recs = sorted((r for r in scale if r["method"] == m and "ratio_vs_k10_ci" in r
                           and r.get("active", "all") == active), key=lambda r: r["k"])
            if recs:
                cibar(ax_flat, [r["k"] for r in recs], [r["ratio_vs_k10_ci"] for r in recs],
                      "%s, %s active" % (m, "all K" if active == "all" else "10"),
                      COLORS.get(m, "gray"), style, "o" if active == "all" else "^")
    ax_flat.axhline(1.2, color="black", linewidth=0.8, linestyle=":", label="target 1.2x")
    ax_flat.set_xscale("log")
    ax_flat.set_xlabel("open connections (K)")
    ax_flat.set_ylabel("t(K) / t(K=10) (paired, bars 95% CI)")
    ax_flat.set_title("5. Flatness of the cost per event")
    ax_flat.grid(True, which="both", alpha=0.3)
    legend(ax_flat, fontsize=8)

    # 3. throughput ratios (the 64 B limits are far off scale: a note)
    limits = ("ref:sendmsg512", "ref:bulkrecv", "ref:recvmsg512")
    tput = [r for r in res if r["test"] == "tput" and r["method"] not in
            ("epoll",) + limits]
    refs = [r for r in res if r["test"] == "tput" and r["method"] in limits]
    if refs:
        ax_tput.text(0.25, 0.97, "limits, 64 B: sends, one sendmsg() of 512 iovecs;\n"
                     "receives, one recv() of 256 KiB, one recvmsg()\n"
                     "of 512 x 64 B iovecs:\n" +
                     "\n".join("  %s %s, %d conn: %.1fx epoll" % (r["dir"], r["net"],
                                                             r["conns"], r["ratio_vs_epoll"])
                               for r in refs),
                     transform=ax_tput.transAxes, fontsize=8, va="top",
                     bbox=dict(facecolor="white", alpha=0.8, edgecolor="gray"))
    sizes = sorted({r["size"] for r in tput})
    series = sorted({(r["net"], r["dir"], r["conns"], r["method"]) for r in tput})
    for net, d, c, m in series:
        recs = sorted((r for r in tput if (r["net"], r["dir"], r["conns"], r["method"])
                       == (net, d, c, m)), key=lambda r: r["size"])
        xs = [r["size"] for r in recs]
        if m == "sockobj":
            color = {("send", 1): "tab:red", ("send", 64): "tab:orange",
                     ("recv", 1): "tab:brown", ("recv", 64): "tab:pink"}[(d, c)]
        else:
            color = COLORS.get(m, "black")
        cibar(ax_tput, xs, [r["ratio_ci"] for r in recs],
              "%s %s %d conn (%s)" % (m, d, c, net), color, STYLES[net], MARKS[net])
    ax_tput.axhline(1.0, color="tab:blue", linewidth=0.8)
    ax_tput.axhline(0.95, color="black", linewidth=0.8, linestyle=":",
                    label="target 0.95x (16, 64 KiB)")
    ax_tput.plot([64], [1.5], marker="*", color="black", linestyle="none", markersize=10,
                 label="target 1.5x (64 B, batch)")
    ax_tput.set_xscale("log", base=2)
    if sizes:
        ax_tput.set_xticks(sizes)
        ax_tput.set_xticklabels(["%d" % s if s < 1024 else "%dK" % (s // 1024)
                                 for s in sizes])
    ax_tput.set_xlabel("message size (bytes)")
    ax_tput.set_ylabel("throughput / epoll (median of paired ratios, bars 95% CI)")
    ax_tput.set_ylim(bottom=0)
    ax_tput.set_title("3. Throughput relative to epoll, same run")
    ax_tput.grid(True, which="both", alpha=0.3)
    legend(ax_tput, fontsize=7, ncol=2, loc="lower right")

    fig.suptitle("sockobj-bench, kernel %s, %s CPUs (TCG), reps %s (10,000 cases %s, "
                 "rate on veth %s); interference probe max/min %s"
                 % (meta.get("kernel", "?"), meta.get("cpus", "?"), meta.get("reps", "?"),
                    meta.get("reps_big", "?"), meta.get("reps_big_veth", "?"),
                    " / ".join("%.1f" % x for x in meta.get("probe_max_over_min", []))))
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(argv[2], dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
