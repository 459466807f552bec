# SPDX-License-Identifier: BSD-3-Clause
"""The sleep phase: what --pmd-sleep-max saves and costs on an idle switch.

For each bound (--sleep-values, rotated each round): a vuswitch with two
ports and tests/perf/vuping's two front-ends on them (on the generator's
CPU). While the front-ends are connected and idle, the switch's CPU use
(its threads' user + system time from /proc) and its PMD lcore's
busy/idle/sleep split; then vuping's ping-pong at a low rate (one round
trip per --ping-interval): the round trip's percentiles. The added
latency of a bound is its round trip less that of busy polling (0), per
round."""

import json
import os
import time

from .common import BenchError, median, progress
from .procs import Proc
from .systems import Vuswitch


def cpu_seconds(pid):
    """utime + stime of a whole process, in seconds (proc(5))."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    fields = st[st.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pmd_split(system):
    p = system.cmd("/vuswitch/pmd", "0")
    return [p[k] for k in ("busy_cycles", "idle_cycles", "sleep_cycles",
                           "sleeps")]


def one(ctx, us, rnd):
    a = ctx.args
    helper, pmd_cpus, gen_cpus = ctx.layout(1, 1, 1)
    rec = {"phase": "sleep", "sleep_max_us": us, "round": rnd,
           "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "foreign_before": ctx.foreign_procs()}
    system = Vuswitch(ctx, 2, 1, (helper, pmd_cpus), "learn",
                      ["--pmd-sleep-max", str(us)])
    vp = None
    idle_ms = int((a.sleep_seconds + 1.0) * 1000)
    try:
        if not ctx.vuping or not os.access(ctx.vuping, os.X_OK):
            raise BenchError("no tests/perf/vuping in the build")
        system.start()
        vp = Proc(ctx, "vuping", ["taskset", "-c", str(gen_cpus[0]),
                                  ctx.vuping, system.socks[0],
                                  system.socks[1], str(a.pings),
                                  str(a.ping_interval), "1000", str(idle_ms)])
        vp.expect_log(r"vuping: connected", 30)
        system.ready()
        time.sleep(0.5)
        s0, c0, t0 = pmd_split(system), cpu_seconds(system.proc.pid), \
            time.monotonic()
        time.sleep(a.sleep_seconds)
        s1, c1, t1 = pmd_split(system), cpu_seconds(system.proc.pid), \
            time.monotonic()
        busy, idle, slept, n = (y - x for x, y in zip(s0, s1))
        rec["idle_cpu"] = (c1 - c0) / (t1 - t0)
        rec["sleep_share"] = slept / float(max(1, busy + idle + slept))
        rec["sleeps_per_s"] = n / (t1 - t0)
        bound = idle_ms / 1000.0 + a.pings * (a.ping_interval / 1e6 + 0.01) \
            + 30
        vp.wait(bound)
        line = [l for l in vp.output().splitlines() if l.startswith("{")]
        if vp.p.returncode != 0 or not line:
            raise BenchError("vuping failed: %s" % vp.tail(500))
        rec["rtt_us"] = json.loads(line[-1])
        rec["ok"] = True
    except (BenchError, OSError, ValueError) as e:
        rec["ok"] = False
        rec["error"] = str(e)[-2000:]
        progress("  sleep %d us: FAILED: %s" % (us, str(e).splitlines()[0]))
    finally:
        if vp is not None:
            vp.stop()
        system.stop()
    if rec["ok"] and us > 0:
        rec["floor_cpu"] = sleep_floor(ctx, us, pmd_cpus[0])
    if rec["ok"]:
        r = rec["rtt_us"]
        progress("  sleep, --pmd-sleep-max %d: CPU %.1f%% of one, asleep "
                 "%.1f%%, %d sleeps/s; round trip p50 %.1f us, p99 %.1f us"
                 % (us, 100 * rec["idle_cpu"], 100 * rec["sleep_share"],
                    rec["sleeps_per_s"], r["p50_us"], r["p99_us"]))
    return rec


def sleep_floor(ctx, us, cpu):
    """CPU share of a bare nanosleep(@p us) loop on @p cpu, or None."""
    if not ctx.sleep_floor or not os.access(ctx.sleep_floor, os.X_OK):
        return None
    p = Proc(ctx, "sleep-floor", ["taskset", "-c", str(cpu),
                                  ctx.sleep_floor, str(us),
                                  str(ctx.args.sleep_seconds)])
    p.wait(ctx.args.sleep_seconds + 30)
    line = [l for l in p.output().splitlines() if l.startswith("{")]
    p.stop()
    return json.loads(line[-1])["cpu"] if line else None


def phase_sleep(ctx):
    a = ctx.args
    values = a.sleep_values
    progress("phase sleep: --pmd-sleep-max %s, %d round(s), %d pings %d us "
             "apart" % (",".join(map(str, values)), a.sleep_rounds, a.pings,
                        a.ping_interval))
    recs = []
    for r in range(a.sleep_rounds):
        k = r % len(values)
        for us in values[k:] + values[:k]:
            recs.append(one(ctx, us, r))
    return recs


def sleep_summary(recs):
    """One row per bound: medians over rounds of the idle CPU and of the
    round trip's p50 and p99, and of each round's difference from busy
    polling (0) in the same round."""
    ok = [r for r in recs if r.get("ok")]
    base = {r["round"]: r["rtt_us"] for r in ok if r["sleep_max_us"] == 0}
    rows = []
    for us in sorted({r["sleep_max_us"] for r in ok}):
        mine = [r for r in ok if r["sleep_max_us"] == us]
        floor = [r["floor_cpu"] for r in mine if r.get("floor_cpu")]
        add50 = [r["rtt_us"]["p50_us"] - base[r["round"]]["p50_us"]
                 for r in mine if r["round"] in base]
        add99 = [r["rtt_us"]["p99_us"] - base[r["round"]]["p99_us"]
                 for r in mine if r["round"] in base]
        rows.append({
            "sleep_max_us": us, "n": len(mine),
            "idle_cpu_pct": 100 * median([r["idle_cpu"] for r in mine]),
            "sleep_pct": 100 * median([r["sleep_share"] for r in mine]),
            "sleeps_per_s": median([r["sleeps_per_s"] for r in mine]),
            "floor_cpu_pct": (100 * median(floor) if floor else None),
            "rtt_p50_us": median([r["rtt_us"]["p50_us"] for r in mine]),
            "rtt_p99_us": median([r["rtt_us"]["p99_us"] for r in mine]),
            "added_p50_us": median(add50) if add50 else None,
            "added_p99_us": median(add99) if add99 else None,
        })
    return rows


def print_sleep(rows, out):
    if not rows:
        return
    print("\nsleep: a 2-port switch, front-ends connected and idle; round "
          "trips through it at a low rate (medians over rounds; added: "
          "less busy polling's, same round)", file=out)
    print("  %14s %3s %9s %7s %9s %9s %9s %9s %10s %10s" % (
        "pmd-sleep-max", "n", "CPU %", "asleep", "sleeps/s", "floor %",
        "rtt p50", "rtt p99", "added p50", "added p99"), file=out)
    for r in rows:
        print("  %11d us %3d %9.1f %6.1f%% %9.0f %9s %9.1f %9.1f %10s %10s"
              % (r["sleep_max_us"], r["n"], r["idle_cpu_pct"], r["sleep_pct"],
            r["sleeps_per_s"], "-" if r["floor_cpu_pct"] is None else
            "%.1f" % r["floor_cpu_pct"], r["rtt_p50_us"], r["rtt_p99_us"],
            "-" if r["added_p50_us"] is None else "%.1f" % r["added_p50_us"],
            "-" if r["added_p99_us"] is None else "%.1f" % r["added_p99_us"]),
            file=out)


def print_variants(recs, out):
    """Interleaved ratios of learn's variants (capture, sleep) to learn,
    and of learn to learn-b (a second build), per size."""
    from .interleave import interleave_ratios
    from .common import LABELS, percentile
    pairs = [(v, "learn") for v in ("learn-cap", "learn-s50", "learn-s100",
                                    "learn-s500")] + [("learn", "learn-b")]
    rows = []
    sizes = sorted({r["size"] for r in recs if r.get("phase") == "interleave"})
    for a, b in pairs:
        for size in sizes:
            v = interleave_ratios(recs, a, b, size)
            if v:
                rows.append((a, b, size, len(v), median(v),
                             percentile(v, 25), percentile(v, 75)))
    if not rows:
        return
    print("\ninterleave, same run: median (quartiles) of per-cycle ratios",
          file=out)
    for a, b, size, n, m, q1, q3 in rows:
        print("  %-30s / %-22s %5d B %3d cycles %.3f (%.3f..%.3f)" % (
            LABELS[a], LABELS[b], size, n, m, q1, q3), file=out)
