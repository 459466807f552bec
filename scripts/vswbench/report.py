# SPDX-License-Identifier: BSD-3-Clause
"""Summary, targets, tables, Markdown and CSV."""

import csv
import json
import sys

from .common import (ALL_SYSTEMS, INTERVAL, LABELS, REFERENCE, c2c_states,
                     fmt, median, percentile, suspend_tag)
from .interleave import ab_summary, interleave_ratios, interleave_summary, \
    state_ratio
from .idle_ports import idle_ports_markdown
from .pvp import pvp_markdown, pvp_summary


def usable(r):
    return r.get("ok") and not r.get("discarded")


def classify_states(recs):
    """Runs of the throughput and scale phases marked near/far/mixed by
    their c2c readings (common.c2c_states)."""
    c2c_states([r for r in recs
                if r.get("phase") in ("throughput", "scale")])


def round_key(r):
    return (r["phase"], r["size"], r["ports"], r["pmds"], r["round"])


def same_round_ratios(recs, a, b, key_filter=None):
    """mpps(a)/mpps(b) for every round that measured both (usable runs)."""
    by = {}
    for r in recs:
        if not usable(r) or r.get("phase") not in ("throughput", "scale"):
            continue
        k = round_key(r)
        if key_filter and not key_filter(k):
            continue
        by.setdefault(k, {})[r["system"]] = r
    out = []
    for d in by.values():
        if a in d and b in d and d[b]["mpps"]:
            out.append(d[a]["mpps"] / d[b]["mpps"])
    return out


def summarize(recs):
    classify_states(recs)
    ref = {round_key(r): r["mpps"] for r in recs
           if usable(r) and r.get("phase") in ("throughput", "scale") and
           r["system"] == REFERENCE}
    for r in recs:
        if r.get("phase") in ("throughput", "scale") and usable(r):
            v = ref.get(round_key(r))
            r["ref_mpps_same_round"] = v
            r["ratio_to_ref"] = r["mpps"] / v if v else None
    groups = {}
    for r in recs:
        if r.get("phase") not in ("throughput", "scale") or not usable(r):
            continue
        k = (r["phase"], r["ports"], r["pmds"], r["size"], r["system"])
        groups.setdefault(k, []).append(r)
    rows = [summary_row(recs, k, groups[k]) for k in sorted(
        groups, key=lambda k: (k[0] != "throughput", k[1], k[2], k[3],
                               ALL_SYSTEMS.index(k[4])))]
    for row in rows:
        ref_row = [x for x in rows if x["phase"] == row["phase"] and
                   x["ports"] == row["ports"] and x["pmds"] == row["pmds"] and
                   x["size"] == row["size"] and x["system"] == REFERENCE]
        rf = ref_row[0]["mpps_p90_interval"] if ref_row else None
        row["ratio_p90_interval"] = (row["mpps_p90_interval"] / rf
                                     if rf and row["mpps_p90_interval"]
                                     else None)
    return rows


def summary_row(recs, k, g):
    """The summary of the usable runs @p g of one (phase, ports, pmds,
    size, system) @p k."""
    mp = [r["mpps"] for r in g]
    iv = [x for r in g for x in (r.get("interval_mpps") or [])]

    def filt(rk, k=k):
        return rk[0] == k[0] and rk[2] == k[1] and rk[3] == k[2] and \
            rk[1] == k[3]
    ratios = same_round_ratios(recs, k[4], REFERENCE, filt)
    return {
        "phase": k[0], "ports": k[1], "pmds": k[2], "size": k[3],
        "system": k[4], "label": LABELS[k[4]], "n": len(g),
        "mpps_median": median(mp), "mpps_min": min(mp),
        "mpps_max": max(mp),
        "gbps_median": median([r["gbps"] for r in g]),
        "ratio_median": median(ratios), "n_ratios": len(ratios),
        "n_intervals": len(iv), "mpps_p90_interval": percentile(iv, 90),
        "gen_loss_total": sum(r["gen_loss"] for r in g),
        "gen_tx_total": sum(r["gen_tx"] for r in g),
        "switch_core_cycles_per_pkt_median": median(
            [r["switch_core_cycles_per_pkt"] for r in g
             if r.get("switch_core_cycles_per_pkt")]),
        "switch_busy_cycles_per_pkt_median": median(
            [r["switch_own_cycles_per_pkt"] for r in g
             if r.get("switch_own_cycles_per_pkt")]),
        "gen_cycles_per_pkt_median": median(
            [r["gen_cycles_per_pkt"] for r in g
             if r.get("gen_cycles_per_pkt")]),
        "switch_busy_pct_median": median(
            [r["switch_busy_pct"] for r in g
             if r.get("switch_busy_pct") is not None]),
        "quiet": all(r.get("quiet") for r in g),
    }


def pair_ratio(recs, a, b, size, phase="throughput", ports=2, pmds=1):
    """(median of same-round ratios a/b, rounds, ratio of the two systems'
    90th-percentile interval rates)."""
    def filt(k):
        return k[0] == phase and k[1] == size and k[2] == ports and \
            k[3] == pmds
    v = same_round_ratios(recs, a, b, filt)

    def p90(sysname):
        iv = [x for r in recs if usable(r) and r.get("phase") == phase and
              r["system"] == sysname and r["size"] == size and
              r["ports"] == ports and r["pmds"] == pmds
              for x in (r.get("interval_mpps") or [])]
        return percentile(iv, 90)
    pa, pb = p90(a), p90(b)
    return median(v), len(v), (pa / pb if pa and pb else None)


def targets(recs, susps):
    t = []

    def add(name, value, limit, op, n=None, note=""):
        met = None if value is None else (value >= limit if op == ">=" else
                                          value <= limit)
        t.append({"target": name, "value": value, "limit": limit, "op": op,
                  "met": met, "n": n, "note": note})
    for a, b, lim, name in (
            ("learn", "testpmd", 0.95, "64B learn / testpmd net_vhost io"),
            ("learn", "ovs", 1.4, "64B learn / OVS-DPDK NORMAL"),
            ("xconnect", "testpmd", 1.0,
             "64B xconnect / testpmd net_vhost io")):
        v, n, p = pair_ratio(recs, a, b, 64)
        iv = interleave_ratios(recs, a, b, 64)
        runs = ("median of %d same-round ratios of runs %s; ratio of p90 "
                "interval rates %s" % (n, fmt(v, "%.3f"), fmt(p, "%.3f"))
                if n else "runs not measured")
        if iv:
            sv, sn, what = state_ratio(recs, a, b, 64)
            near = interleave_ratios(recs, a, b, 64, "near")
            far = interleave_ratios(recs, a, b, 64, "far")
            add(name, sv, lim, ">=", sn,
                "median of %s interleaved cycles; near-state: %d cycles "
                "%s; far-state: %d cycles %s; all: %d cycles %.3f "
                "(quartiles %.3f..%.3f); %s"
                % (what, len(near), fmt(median(near) if near else None,
                                        "%.3f"),
                   len(far), fmt(median(far) if far else None, "%.3f"),
                   len(iv), median(iv), percentile(iv, 25),
                   percentile(iv, 75), runs))
        else:
            add(name, v, lim, ">=", n, runs if n else "not measured")
        t[-1]["ratio_p90_interval"] = p
        t[-1]["ratio_runs_median"] = v
    for sp in susps:
        tag = suspend_tag(sp)
        if sp.get("ok"):
            add("SUSPEND ack p99 under load, %s (us)" % tag,
                sp["suspend_ack_us"]["p99"], 100.0, "<=", sp["cycles"],
                "%d cycles" % sp["cycles"])
            add("frames lost across SUSPEND/RESUME, %s" % tag,
                sp["frames_lost"], 0, "<=", sp["cycles"],
                "%d cycles" % sp["cycles"])
        else:
            add("SUSPEND ack p99 under load, %s (us)" % tag, None, 100.0,
                "<=", 0, "failed")
    if not susps:
        add("SUSPEND ack p99 under load (us)", None, 100.0, "<=", 0,
            "not measured")
    return t


def print_interleave(rows, out):
    if not rows:
        return
    print("\ninterleave: 1 PMD lcore; every system running, one "
          "at a time, in turns of short windows; ratio: median (and "
          "quartiles) of per-cycle ratios to %s" % LABELS[REFERENCE],
          file=out)
    print("  %-22s %5s %5s %3s %8s %17s %7s %11s | %3s %8s %6s | %3s %8s "
          "%6s" % ("system", "ports", "size", "n", "Mpps", "min..max", "ratio",
             "quartiles", "n", "Mpps", "ratio", "n", "Mpps", "ratio"),
          file=out)
    print("  %87s | %19s | %19s" % ("all cycles", "near (c2c) state",
                                    "far (c2c) state"), file=out)
    for r in rows:
        print("  %-22s %5d %5d %3d %8.3f %8.3f..%-8.3f %7s %11s | %3d %8s "
              "%6s | %3d %8s %6s" % (
                  r["label"], r["ports"], r["size"], r["n"], r["mpps_median"],
                  r["mpps_min"], r["mpps_max"],
                  fmt(r["ratio_median"], "%.3f"),
                  "%s..%s" % (fmt(r["ratio_p25"], "%.2f"),
                              fmt(r["ratio_p75"], "%.2f")),
                  r["n_near"], fmt(r["mpps_median_near"], "%.3f"),
                  fmt(r["ratio_median_near"], "%.3f"), r["n_far"],
                  fmt(r["mpps_median_far"], "%.3f"),
                  fmt(r["ratio_median_far"], "%.3f")), file=out)


def ab_cells(r, spec):
    return (r["label"], r["ports"], r["size"], r["n"],
            fmt(r["ratio_median"], spec),
            "%s..%s" % (fmt(r["ratio_p25"], spec), fmt(r["ratio_p75"], spec)),
            r["n_near"], fmt(r["ratio_median_near"], spec), r["n_far"],
            fmt(r["ratio_median_far"], spec))


def print_ab(rows, out):
    """--build-b: each system against its -b build, cycle by cycle."""
    if not rows:
        return
    print("\nA/B (--build-b): median (and quartiles) of per-cycle ratios of "
          "each system to its --build-b build; near/far: cycles whose every "
          "window was in that state", file=out)
    for r in rows:
        print("  %-45s %d ports %4d B: %3d cycles %s (%s) | near %3d %s | "
              "far %3d %s" % ab_cells(r, "%.3f"), file=out)


def ab_markdown(rows):
    if not rows:
        return []
    lines = ["", "| A / B | ports | frame | cycles | ratio (per cycle) | "
             "quartiles | near: cycles | near: ratio | far: cycles | "
             "far: ratio |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %d | %d B | %d | %s | %s | %d | %s | %d | %s |"
                     % ab_cells(r, "%.3f"))
    return lines


def print_tables(rows, susps, tgts, meta, interval=INTERVAL, runs=None):
    """The tables on stdout; @p interval: the seconds between counter
    readings (--sample)."""
    out = sys.stdout
    print("", file=out)
    print("vuswitch bench  %s  (%d CPUs: %s; DPDK %s; %s)" % (
        meta["date"], meta["cpus"], meta["cpu_model"], meta["dpdk"],
        "machine quiet" if meta["quiet"] else "OTHER BENCH PROCESSES SEEN"),
        file=out)
    print_rows(rows, interval, out)
    print_interleave(interleave_summary(runs or []), out)
    print_ab(ab_summary(runs or []), out)
    for susp in susps:
        print_suspend(susp, out)
    print("\nTargets:", file=out)
    for t in tgts:
        st = "n/a" if t["met"] is None else ("MET" if t["met"] else "MISSED")
        print("  %-52s %9s  (%s %s)  %s  %s" % (
            t["target"], fmt(t["value"], "%.3f"), t["op"], t["limit"], st,
            t["note"]), file=out)
    out.flush()


def print_rows(rows, interval, out):
    cur = None
    for r in rows:
        key = (r["phase"], r["ports"], r["pmds"])
        if key != cur:
            cur = key
            print("\n%s: %d ports, %d PMD lcore(s). Mpps: median of runs; "
                  "ratio: median of same-round ratios to %s; p90: 90th "
                  "percentile of the %.1f-s interval rates of all runs, and "
                  "its ratio" % (r["phase"], r["ports"], r["pmds"],
                                 LABELS[REFERENCE], interval), file=out)
            print("  %-22s %5s %3s %9s %17s %7s | %8s %7s | %7s %9s %7s"
                  % ("system", "size", "n", "Mpps", "min..max", "ratio",
                     "p90", "ratio", "Gbit/s", "loss", "sw cyc"),
                  file=out)
        print("  %-22s %5d %3d %9.3f %8.3f..%-8.3f %7s | %8s %7s | %7.2f "
              "%9d %7s" % (
                  r["label"], r["size"], r["n"], r["mpps_median"],
                  r["mpps_min"], r["mpps_max"], fmt(r["ratio_median"], "%.3f"),
                  fmt(r["mpps_p90_interval"], "%.3f"),
                  fmt(r.get("ratio_p90_interval"), "%.3f"), r["gbps_median"],
                  r["gen_loss_total"],
                  fmt(r["switch_core_cycles_per_pkt_median"])), file=out)


def print_suspend(susp, out):
    print("\nSUSPEND/RESUME under load, %s (vuswitch "
          "learn, 4 ports: the generator loads ports 0-1, vucheck cycles "
          "port 2 with port 3 as peer)" % suspend_tag(susp), file=out)
    if susp.get("ok"):
        s, rs = susp["suspend_ack_us"], susp["resume_ack_us"]
        print("  cycles %d; SUSPEND ack us: median %.1f  p99 %.1f  max "
              "%.1f;  RESUME ack us: median %.1f  p99 %.1f  max %.1f" % (
                  susp["cycles"], s["median"], s["p99"], s["max"],
                  rs["median"], rs["p99"], rs["max"]), file=out)
        print("  frames lost across cycles: %d (%.3f per cycle); to the "
              "tested port sent %d received %d" % (
                  susp["frames_lost"], susp["frames_lost_per_cycle"],
                  susp["frames_to_tested"].get("sent", 0),
                  susp["frames_to_tested"].get("received", 0)), file=out)
        h = susp["switch_handshake_us"]
        print("  switch side: %s suspends, %s failures, handshake last "
              "%s us, max %s us; load %.2f Mpps before, %.2f Mpps during "
              "(generator loss %d, switch drops %d)" % (
                  h["suspends"], h["failures"], h["last"], h["max"],
                  susp["load_mpps_before"], susp["load_mpps_during"],
                  susp["load_gen_loss"],
                  susp["load_switch_drops_all_ports"]), file=out)
    else:
        print("  FAILED: %s" % susp.get("error", "?").splitlines()[0],
              file=out)


def interleave_markdown(rows):
    if not rows:
        return []
    lines = ["", "**interleave, 1 PMD lcore**", "",
             "| system | ports | frame | windows | Mpps median | min..max | "
             "ratio (per cycle) | quartiles | near: windows | near: Mpps | "
             "near: ratio | far: windows | far: Mpps | far: ratio |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %d | %d B | %d | %.2f | %.2f..%.2f | %s | "
                     "%s..%s | %d | %s | %s | %d | %s | %s |" % (
                         r["label"], r["ports"], r["size"], r["n"], r["mpps_median"],
                         r["mpps_min"], r["mpps_max"],
                         fmt(r["ratio_median"], "%.2f"),
                         fmt(r["ratio_p25"], "%.2f"),
                         fmt(r["ratio_p75"], "%.2f"), r["n_near"],
                         fmt(r["mpps_median_near"], "%.2f"),
                         fmt(r["ratio_median_near"], "%.2f"), r["n_far"],
                         fmt(r["mpps_median_far"], "%.2f"),
                         fmt(r["ratio_median_far"], "%.2f")))
    return lines


def markdown(res):
    """The tables of docs/performance.md, from a results.json."""
    from .guests_tcp import guests_table
    from .tcp import tcp_table
    lines = [tcp_table(res["runs"], md=True),
             guests_table(res["runs"], md=True)]
    cur = None
    rows = summarize(res["runs"])
    for r in rows:
        key = (r["phase"], r["ports"], r["pmds"])
        if key != cur:
            cur = key
            lines += ["", "**%s, %d ports, %d PMD lcore(s)**" % key, "",
                      "| system | frame | runs | Mpps median | min..max | "
                      "ratio (same round) | p90 of 0.5 s | p90 ratio | "
                      "Gbit/s | gen. loss | switch-core cycles/frame | "
                      "switch busy cycles/frame |",
                      "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        lines.append("| %s | %d B | %d | %.2f | %.2f..%.2f | %s | %s | %s | "
                     "%.1f | %d of %d | %s | %s |" % (
                         r["label"], r["size"], r["n"], r["mpps_median"],
                         r["mpps_min"], r["mpps_max"],
                         fmt(r["ratio_median"], "%.2f"),
                         fmt(r["mpps_p90_interval"], "%.2f"),
                         fmt(r.get("ratio_p90_interval"), "%.2f"),
                         r["gbps_median"], r["gen_loss_total"],
                         r["gen_tx_total"],
                         fmt(r["switch_core_cycles_per_pkt_median"]),
                         fmt(r["switch_busy_cycles_per_pkt_median"])))
    lines += interleave_markdown(interleave_summary(res["runs"]))
    lines += ab_markdown(ab_summary(res["runs"]))
    lines += idle_ports_markdown(res.get("idle_ports") or [])
    lines += pvp_markdown(pvp_summary(res.get("pvp") or []))
    sps = res.get("suspend") or []
    if sps:
        lines += ["", "| scheduling | cycles | SUSPEND ack median | p99 | max | "
                  "RESUME ack median | p99 | frames lost | switch handshake "
                  "max | load before / during |", "|---|---|---|---|---|---|"
                  "---|---|---|---|"]
        for sp in sps:
            if not sp.get("ok"):
                lines.append("| %s | failed: %s |" % (
                    suspend_tag(sp), sp.get("error", "?").splitlines()[0]))
                continue
            st, rs = sp["suspend_ack_us"], sp["resume_ack_us"]
            lines.append("| %s | %d | %.1f us | %.1f us | %.1f us | "
                         "%.1f us | %.1f us | %d | %s us | %.2f / %.2f Mpps |"
                         % (suspend_tag(sp), sp["cycles"], st["median"],
                            st["p99"], st["max"], rs["median"], rs["p99"],
                            sp["frames_lost"],
                            sp["switch_handshake_us"]["max"],
                            sp["load_mpps_before"], sp["load_mpps_during"]))
    lines += ["", "| target | measured | limit | met |", "|---|---|---|---|"]
    for t in targets(res["runs"], res.get("suspend") or []):
        lines.append("| %s | %s | %s %s | %s |" % (
            t["target"] + (" (%s)" % t["note"] if t["note"] else ""),
            fmt(t["value"], "%.3f"), t["op"], t["limit"],
            "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")))
    return "\n".join(lines) + "\n"


def write_csv(path, recs):
    skip = {"vucheck", "suspend_samples_us", "resume_samples_us",
            "vucheck_output", "switch_port_tested"}
    keys = []
    for r in recs:
        for k in r:
            if k not in keys and k not in skip:
                keys.append(k)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r in recs:
            w.writerow({k: (json.dumps(v) if isinstance(v, (dict, list))
                            else v) for k, v in r.items() if k in keys})
