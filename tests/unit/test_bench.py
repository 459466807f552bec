#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of scripts/bench's analysis: the c2c host-state classes, the
interleave ratios per state and port count, the choice of the target
ratio, the A/B ratios of --build-b, the idle-ports phase's figures, the
SUSPEND setup parser, and c2c-probe's argument checks. No DPDK process is
started."""

import os
import subprocess
import sys

from unitcheck import SRC, failures
from unitcheck import check_quiet as check
sys.path.insert(0, os.path.join(SRC, "scripts"))

from vswbench.common import c2c_states  # noqa: E402
from vswbench.common import BenchError  # noqa: E402
from vswbench.idle_ports import (  # noqa: E402
    classify, cpu_split, idle_ports_markdown, step_times)
from vswbench.inroot import inner_args, strip_options  # noqa: E402
from vswbench.interleave import (  # noqa: E402
    MIN_STATE_CYCLES, ab_summary, interleave_ratios, interleave_summary,
    run_cycles, state_ratio)
from vswbench.procs import load_script  # noqa: E402
from vswbench.pvp import pvp_markdown, pvp_ratios, pvp_summary  # noqa: E402
from vswbench.report import targets  # noqa: E402
from vswbench.systems import port_state  # noqa: E402


def close(a, b):
    return a is not None and abs(a - b) < 1e-9


def window(system, cycle, mpps, c2c, ports=2, size=64):
    return {"ok": True, "phase": "interleave", "system": system,
            "cycle": cycle, "mpps": mpps, "ports": ports, "size": size,
            "c2c_ns_before": c2c, "c2c_ns_after": c2c}


def test_states():
    recs = [{"c2c_ns_before": 80, "c2c_ns_after": 90},
            {"c2c_ns_before": 330, "c2c_ns_after": 340},
            {"c2c_ns_before": 85, "c2c_ns_after": 335},
            {"c2c_ns_before": 80},
            {}]
    c2c_states(recs)
    got = [r["host_state"] for r in recs]
    check(got == ["near", "far", "mixed", None, None],
          "c2c states: %s" % got)


def cycles(n_near, n_far, near_ratio, far_ratio, ports=2):
    """learn/testpmd/ovs windows: learn/ovs = the given ratio per state."""
    recs = []
    for k in range(n_near + n_far):
        near = k < n_near
        c2c = 80 if near else 330
        ref = 15.0 if near else 7.0
        ovs = 10.0 if near else 6.0
        ratio = near_ratio if near else far_ratio
        recs += [window("testpmd", k, ref, c2c, ports),
                 window("ovs", k, ovs, c2c, ports),
                 window("learn", k, ovs * ratio, c2c, ports)]
    return recs


def test_ratios():
    recs = cycles(6, 4, 1.6, 1.2)
    near = interleave_ratios(recs, "learn", "ovs", 64, "near")
    far = interleave_ratios(recs, "learn", "ovs", 64, "far")
    every = interleave_ratios(recs, "learn", "ovs", 64)
    check(len(near) == 6 and all(close(x, 1.6) for x in near),
          "near ratios %s" % near)
    check(len(far) == 4 and all(close(x, 1.2) for x in far),
          "far ratios %s" % far)
    check(len(every) == 10, "all ratios %d" % len(every))
    check(interleave_ratios(recs, "learn", "ovs", 64, ports=8) == [],
          "ports filter")
    # A cycle with one far window is neither near nor far.
    mixed = cycles(1, 0, 1.6, 1.2)
    mixed[0]["c2c_ns_before"] = mixed[0]["c2c_ns_after"] = 330
    check(interleave_ratios(mixed, "learn", "ovs", 64, "near") == [],
          "a cycle with a far window counted as near")


def test_state_choice():
    v, n, what = state_ratio(cycles(MIN_STATE_CYCLES, 3, 1.6, 1.2),
                             "learn", "ovs", 64)
    check(close(v, 1.6) and n == MIN_STATE_CYCLES and "near" in what,
          "near state used: %s %s %s" % (v, n, what))
    v, n, what = state_ratio(cycles(MIN_STATE_CYCLES - 1, 3, 1.6, 1.2),
                             "learn", "ovs", 64)
    check(n == MIN_STATE_CYCLES + 2 and what == "all",
          "too few near cycles: all used: %s %s" % (n, what))
    t = {x["target"]: x for x in targets(cycles(8, 2, 1.3, 1.1), [])}
    ovs = t["64B learn / OVS-DPDK NORMAL"]
    check(ovs["met"] is False and close(ovs["value"], 1.3),
          "learn/OVS 1.3 must miss 1.4: %s" % ovs)
    t = {x["target"]: x for x in targets(cycles(8, 2, 1.5, 1.1), [])}
    check(t["64B learn / OVS-DPDK NORMAL"]["met"] is True,
          "learn/OVS 1.5 must meet 1.4")


def test_summary():
    rows = interleave_summary(cycles(6, 4, 1.6, 1.2) +
                              cycles(5, 0, 2.0, 1.0, ports=8))
    keys = [(r["ports"], r["system"]) for r in rows]
    check(keys == [(2, "learn"), (2, "testpmd"), (2, "ovs"),
                   (8, "learn"), (8, "testpmd"), (8, "ovs")],
          "summary rows %s" % keys)
    learn2 = rows[0]
    check(learn2["n_near"] == 6 and learn2["n_far"] == 4 and
          close(learn2["mpps_median_near"], 16.0),
          "learn 2-port row %s" % learn2)


class FakeCtx:
    c2c = None

    def foreign_procs(self):
        return []

    def layout(self, npmd, gen_cores, max_pmd):
        return 0, [1], [0]


class FakeSetup:
    """A system whose windows give @p rate, failing from window @p fail
    on (0: never)."""

    def __init__(self, name, rate, fail=0):
        self.name, self.rate, self.fail = name, rate, fail
        self.windows = 0
        self.frozen = True
        self.gen = self
        self.tp = self

    def sleep(self, s):
        pass

    def thaw(self):
        self.frozen = False

    def freeze(self):
        self.frozen = True

    def window(self, seconds):
        self.windows += 1
        if self.fail and self.windows >= self.fail:
            raise BenchError("%s died" % self.name)
        return self.rate, seconds


def test_run_cycles():
    good, bad = FakeSetup("testpmd", 10.0), FakeSetup("learn", 12.0, fail=2)
    recs = run_cycles(FakeCtx(), [good, bad], (2, 64), 4, 0.01, 1e18)
    failed = [r for r in recs if not r["ok"]]
    check(len(failed) == 1 and failed[0]["system"] == "learn",
          "one failed window recorded: %s" % failed)
    check(bad.windows == 2 and good.windows == 4,
          "a failed system is left out: %d, %d windows"
          % (bad.windows, good.windows))
    check(good.frozen and bad.frozen, "every system frozen after its turn")
    rows = interleave_summary(recs)
    check([r["n"] for r in rows] == [1, 4], "summary counts %s"
          % [(r["system"], r["n"]) for r in rows])


def test_suspend_setups():
    bench = load_script("bench")
    check(bench.parse_suspend_setups("0,0rt,19") ==
          [(0, 0), (0, 1), (19, 0)], "parse 0,0rt,19")
    for bad in ("x", "0,20", "rt", "0,,1", "-21"):
        try:
            bench.parse_suspend_setups(bad)
            check(False, "accepted --suspend-nice %r" % bad)
        except Exception:
            pass


def test_c2c_probe():
    probe = os.path.join(os.environ.get("VSW_BUILD", os.path.join(
        SRC, "build")), "tests", "perf", "c2c-probe")
    if not os.access(probe, os.X_OK):
        check(False, "no c2c-probe at " + probe)
        return
    for bad in ([], ["0"], ["0", "0"], ["0", "x"], ["0", "1", "0"],
                ["-1", "1"]):
        r = subprocess.run([probe] + bad, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=10)
        check(r.returncode == 1 and b"usage" in r.stderr,
              "c2c-probe %s: exit %d" % (bad, r.returncode))
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) >= 2:
        r = subprocess.run([probe, str(cpus[0]), str(cpus[1]), "2000"],
                           stdout=subprocess.PIPE, timeout=30)
        v = float(r.stdout) if r.returncode == 0 else -1
        check(0 < v < 1e6, "c2c-probe round trip %s" % v)


def test_ab():
    """learn against learn-b cycle by cycle, per state; a system without
    its -b build gets no row."""
    recs = []
    for k in range(8):
        c2c = 80 if k < 5 else 330
        ref = 15.0 if k < 5 else 7.0
        recs += [window("testpmd", k, ref, c2c),
                 window("learn", k, ref * (0.98 if k < 5 else 1.05), c2c),
                 window("learn-b", k, ref, c2c)]
    rows = ab_summary(recs)
    check([r["system"] for r in rows] == ["learn"], "A/B rows %s" % rows)
    r = rows[0]
    check(r["n"] == 8 and r["n_near"] == 5 and r["n_far"] == 3 and
          close(r["ratio_median_near"], 0.98) and
          close(r["ratio_median_far"], 1.05) and
          close(r["ratio_median"], 0.98), "A/B learn row %s" % r)
    check(ab_summary(cycles(6, 4, 1.6, 1.2)) == [], "A/B without -b builds")


def test_port_state():
    check(port_state({"state": "running", "name": "b0"}) == "running" and
          port_state("running") == "running" and port_state(None) is None,
          "port_state of a runtime-port entry, a string, nothing")


def idle_point(n, way, cpi, mpps, c2c):
    wins = [{"mpps": mpps + d, "busy_cycles_per_pkt": 100.0 + n,
             "cycles_per_iteration": cpi + 6000, "pkts_per_iteration": 62.0,
             "other_threads_cpu_pct": 1.0, "pmd_cpu_pct": 99.0,
             "c2c_ns_before": c2c, "c2c_ns_after": c2c}
            for d in (-0.1, 0.0, 0.1)]
    return {"ok": True, "phase": "idle-ports", "direction": way,
            "idle_asked": n, "idle_connected": n, "windows": wins,
            "idle_cycles_per_iteration": cpi,
            "idle_other_threads_cpu_pct": 0.0,
            "switch_mem": {"VmRSS": 1024 * (300 + n), "fds": 32 + 6 * n}}


def test_idle_ports():
    """Per-point medians by host state, and the cost of one idle queue
    against the 0-port point of the way up."""
    recs = [idle_point(0, "up", 2000.0, 19.0, 80),
            idle_point(100, "up", 6000.0, 12.0, 80),
            idle_point(100, "down", 6500.0, 6.0, 330),
            {"ok": False, "phase": "idle-ports", "error": "x"}]
    classify(recs)
    up, down = recs[1], recs[2]
    check(close(up["cycles_per_idle_queue"], 40.0) and
          close(down["cycles_per_idle_queue"], 45.0) and
          recs[0]["cycles_per_idle_queue"] is None,
          "cycles per idle queue %s %s" % (up["cycles_per_idle_queue"],
                                           down["cycles_per_idle_queue"]))
    check(up["near"]["windows"] == 3 and close(up["near"]["mpps"], 12.0) and
          up["far"]["windows"] == 0 and down["far"]["windows"] == 3 and
          close(down["far"]["mpps"], 6.0) and close(down["all"]["mpps"], 6.0),
          "idle point states %s %s" % (up["near"], down["far"]))
    md = idle_ports_markdown(recs)
    check(len(md) == 6 and "| 100 |" in md[4] and "| 40.0 |" in md[4],
          "idle-ports markdown %s" % md)
    t = step_times([(2, 0.001, 0.002), (3, 0.003, None),
                    (4, 0.002, 0.004)], "up")
    check(close(t["call_ms_median"], 2.0) and close(t["call_ms_max"], 3.0)
          and t["failed"] == 1 and close(t["up_ms_median"], 3.0),
          "add-port step times %s" % t)
    hz = os.sysconf("SC_CLK_TCK")
    pmd, other, per = cpu_split({"rte-worker-1": 0, "vuswitch": 0},
                                {"rte-worker-1": hz, "vuswitch": hz // 2,
                                 "vhost-events": hz // 4}, 1.0)
    check(close(pmd, 100.0) and
          close(other, 100.0 * (hz // 2 + hz // 4) / hz) and len(per) == 3,
          "thread CPU split %s %s" % (pmd, other))


def test_inroot_args():
    """--dpdk in a root: the bench there gets the same measurement
    options, its results folder is the bound-in one (no --out of the
    host's), and OVS is installed there unless --systems leaves it out."""
    argv = ["--quick", "--dpdk", "24.11", "--out", "/h/res", "--in-root",
            "--systems", "learn,ovs", "--ou=/h/x", "--dpd=24.11", "-v",
            "--sizes", "64"]
    got = strip_options(argv)
    check(got == ["--quick", "--systems", "learn,ovs", "-v", "--sizes",
                  "64"], "strip_options: %s" % got)
    got = inner_args(["--dpdk", "24.11", "--quick"], None)
    check(got == ["--quick", "--with-ovs"], "default systems: %s" % got)
    got = inner_args(["--systems", "learn,testpmd"], ["learn", "testpmd"])
    check("--with-ovs" not in got, "no ovs asked: %s" % got)
    got = inner_args(["--with-ovs", "--systems", "ovs"], ["ovs"])
    check(got.count("--with-ovs") == 1, "--with-ovs once: %s" % got)


def test_pvp():
    """The pvp phase's summary: per-state ratios to testpmd io, OVS and
    learn from same-cycle windows; failed windows left out."""
    recs = []
    for k in range(8):
        near = k < 5
        c2c = 80 if near else 330
        ref = 20.0 if near else 7.0
        for name, mpps in (("pvp-testpmd", ref), ("pvp-ovs", ref * 0.5),
                           ("pvp-learn", ref * (0.96 if near else 1.0)),
                           ("pvp-learn-vlan",
                            ref * (0.96 if near else 1.0) * 0.98)):
            w = window(name, k, mpps, c2c)
            w["phase"] = "pvp"
            recs.append(w)
    recs.append(dict(recs[0], ok=False, mpps=0.0, cycle=99))
    rows = {r["system"]: r for r in pvp_summary(recs)}
    learn, vlan = rows["pvp-learn"], rows["pvp-learn-vlan"]
    check(close(learn["ratio_testpmd_near"], 0.96) and
          learn["n_ratio_testpmd_near"] == 5 and
          close(learn["ratio_testpmd_far"], 1.0) and
          learn["n_ratio_testpmd_far"] == 3 and
          learn["n_ratio_testpmd"] == 8,
          "pvp learn / testpmd by state: %s" % learn)
    check(close(learn["ratio_ovs_near"], 1.92), "pvp learn / OVS %s"
          % learn["ratio_ovs_near"])
    check(close(vlan["ratio_learn"], 0.98) and "ratio_learn" not in learn,
          "pvp VLANs / learn %s" % vlan.get("ratio_learn"))
    check(learn["n"] == 8, "a failed window is left out: %d" % learn["n"])
    check(len(pvp_ratios(recs, "pvp-learn", "pvp-ovs", 1518)) == 0,
          "pvp ratios filter by size")
    md = pvp_markdown(pvp_summary(recs))
    check(len(md) == 3 + 4 and "0.960 (5)" in "".join(md),
          "pvp markdown: %s" % md)


for t in (test_states, test_ratios, test_state_choice, test_summary,
          test_run_cycles, test_suspend_setups, test_c2c_probe,
          test_inroot_args, test_ab, test_port_state, test_idle_ports,
          test_pvp):
    t()
print("bench: %d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
