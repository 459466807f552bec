# SPDX-License-Identifier: BSD-3-Clause
"""The phases: throughput, scale, suspend; each one bounded in time."""

import json
import os
import signal
import subprocess
import time

from .common import BenchError, progress, suspend_tag
from .host import c2c_probe
from .measure import close_record, measure_quiet, snap, vsw_delta
from .procs import Proc
from .systems import VUCHECK_MAC, VUCHECK_PEER_MAC, Generator, Vuswitch


class Phase:
    def __init__(self, name, n, per_item):
        self.name = name
        self.budget = n * per_item + 60
        self.deadline = time.monotonic() + self.budget
        progress("phase %s: %d measurement(s), bounded to %.0f s"
                 % (name, n, self.budget))

    def expired(self):
        if time.monotonic() > self.deadline:
            progress("phase %s: time budget spent; skipping the rest"
                     % self.name)
            return True
        return False


def per_item_bound(args):
    return args.warmup + args.duration + 120


def rotated(seq, k):
    k %= len(seq)
    return list(seq[k:]) + list(seq[:k])


def phase_throughput(ctx, systems, runs):
    a = ctx.args
    n = runs * len(a.sizes) * len(systems)
    ph = Phase("throughput", n, per_item_bound(a))
    recs = []
    for r in range(runs):
        for size in a.sizes:
            for s in rotated(systems, r):
                if ph.expired():
                    return recs
                for rec in measure_quiet(ctx, s, 2, size, 1, 1, 1, a.warmup,
                                         a.duration, "run %d/%d"
                                         % (r + 1, runs)):
                    rec.update(phase="throughput", round=r)
                    recs.append(rec)
    return recs


def phase_scale(ctx, systems, runs):
    a = ctx.args
    items = []
    for r in range(runs):
        for np_ in a.ports:
            items.append((r, np_, 1, 1))
    pmds = [p for p in a.pmds if p > 1]
    gen_cores = 4
    max_pmd = max(a.pmds) if a.pmds else 1
    if pmds:
        if len(ctx.cpus) < 1 + max_pmd + gen_cores:
            progress("scale: PMD scaling %s skipped: needs %d CPUs "
                     "(1 helper + %d PMD + %d generator), this machine "
                     "has %d" % (a.pmds, 1 + max_pmd + gen_cores, max_pmd,
                                 gen_cores, len(ctx.cpus)))
            pmds = []
    big = len(ctx.cpus) > 2 and len(ctx.cpus) >= 1 + max_pmd + gen_cores
    if pmds or big:
        for r in range(runs):
            for p in sorted(set([1] + pmds)):
                items.append((r, 8, p, gen_cores))
    ph = Phase("scale", len(items) * len(systems), per_item_bound(a))
    recs = []
    for (r, np_, p, g) in items:
        if len(ctx.cpus) == 2:
            g = 1
        else:
            g = min(g, max(1, np_ // 2))
        mp = max_pmd if len(ctx.cpus) > 2 else 1
        for s in rotated(systems, r):
            if ph.expired():
                return recs
            for rec in measure_quiet(ctx, s, np_, 64, p, mp, g, a.warmup,
                                     a.duration, "run %d/%d" % (r + 1, runs)):
                rec.update(phase="scale", round=r)
                recs.append(rec)
    return recs


def phase_suspend(ctx, nice, fe_rt_prio=0):
    """SUSPEND/RESUME cycles under load; the generator at @p nice, the
    front-end (vucheck) at SCHED_FIFO @p fe_rt_prio when non-zero."""
    a = ctx.args
    ph = Phase("suspend (%s)" % suspend_tag({"gen_nice": nice,
                                              "fe_rt_prio": fe_rt_prio}), 1,
               per_item_bound(a) + a.suspend_cycles * 0.05)
    helper, pmd_cpus, gen_cpus = ctx.layout(1, 1, 1)
    rec = {"phase": "suspend", "cycles_asked": a.suspend_cycles,
           "gen_nice": nice, "fe_rt_prio": fe_rt_prio,
           "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "foreign_before": ctx.foreign_procs(),
           "c2c_ns_before": c2c_probe(ctx, gen_cpus[0], pmd_cpus[0])}
    system = Vuswitch(ctx, 4, 1, (helper, pmd_cpus), "learn")
    gen = None
    jpath = os.path.join(ctx.tmp, "vucheck.json")
    try:
        if not os.access(ctx.vucheck, os.X_OK):
            raise BenchError("no vucheck binary at " + ctx.vucheck)
        system.start()
        gen = Generator(ctx, system.socks[:2], helper, gen_cpus, nice,
                        alone=False)
        rec["gen_fwd"] = gen.fwd
        gen.wait_links()
        system.ready(nports=2)
        gen.go(64)
        gen.tp.sleep(a.warmup)
        s0 = snap(ctx, gen, system)
        gen.tp.sleep(min(a.duration, 3))
        s1 = snap(ctx, gen, system)
        dt = s1["t"] - s0["t"]
        rec["load_mpps_before"] = sum(
            s1["gen"][p][0] - s0["gen"][p][0] for p in s1["gen"]) / dt / 1e6
        vc = run_vucheck(ctx, rec, gen, system, jpath)
        suspend_results(rec, jpath, vc)
    except (BenchError, OSError, subprocess.SubprocessError,
            ValueError, KeyError) as e:
        rec["ok"] = False
        rec["error"] = str(e)[-2000:]
        progress("  suspend: FAILED: %s" % str(e).splitlines()[0])
    finally:
        if gen is not None:
            gen.stop()
        system.stop()
    close_record(ctx, rec, gen_cpus[0], pmd_cpus[0])
    if rec.get("ok"):
        s = rec["suspend_ack_us"]
        progress("  suspend, %s: %d cycles: ack median %.1f us, p99 "
                 "%.1f us, max %.1f us; frames lost %d; load %.2f -> "
                 "%.2f Mpps" % (suspend_tag(rec), rec["cycles"],
                                s["median"], s["p99"], s["max"],
                                rec["frames_lost"], rec["load_mpps_before"],
                                rec["load_mpps_during"]))
    ph.expired()
    return rec


def run_vucheck(ctx, rec, gen, system, jpath):
    """vucheck's SUSPEND/RESUME cycles on port 2 (port 3 its peer) while
    the generator loads ports 0-1; the load meanwhile goes into @p rec."""
    a = ctx.args
    argv = [ctx.vucheck, "--socket", system.socks[2],
            "--peer", system.socks[3], "--checks", "latency",
            "--mac", VUCHECK_MAC, "--peer-mac", VUCHECK_PEER_MAC,
            "--cycles", str(a.suspend_cycles), "--json", jpath]
    vc = Proc(ctx, "vucheck", argv, env=None,
              rt_prio=rec.get("fe_rt_prio", 0))
    s2 = snap(ctx, gen, system)
    bound = 60 + a.suspend_cycles * 0.05
    end = time.monotonic() + bound
    while vc.alive() and time.monotonic() < end:
        gen.tp.sleep(0.2)
    if vc.alive():
        vc.stop(signal.SIGTERM, 5)
        raise BenchError("vucheck still running after %.0f s" % bound)
    s3 = snap(ctx, gen, system)
    rec["vucheck_exit"] = vc.p.returncode
    rec["vucheck_output"] = vc.tail(3000)
    dt = s3["t"] - s2["t"]
    rx = sum(s3["gen"][p][0] - s2["gen"][p][0] for p in s3["gen"])
    tx = sum(s3["gen"][p][1] - s2["gen"][p][1] for p in s3["gen"])
    rec["load_mpps_during"] = rx / dt / 1e6
    rec["load_gen_loss"] = tx - rx
    d = vsw_delta(s2["sw"], s3["sw"], system, dt, rx)
    rec["load_switch_drops_all_ports"] = d["switch_drops"]
    rec["switch_port_tested"] = s3["sw"]["ports"][2]
    return vc


def suspend_results(rec, jpath, vc):
    """vucheck's latency results (its JSON at @p jpath) and the switch's
    own handshake figures into @p rec."""
    with open(jpath) as f:
        vj = json.load(f)
    rec["vucheck"] = vj
    lat = vj.get("latency") or {}
    if lat:
        ft = lat.get("frames_to_tested", {})
        ff = lat.get("frames_from_tested", {})
        cyc = max(1, lat.get("cycles", 0))
        lost = ft.get("lost", 0) + ff.get("sent", 0) - \
            ff.get("received", 0)
        rec.update({
            "cycles": lat.get("cycles"),
            "suspend_ack_us": lat.get("suspend_ack_us"),
            "resume_ack_us": lat.get("resume_ack_us"),
            "suspend_samples_us": lat.get("suspend_ack_samples_us"),
            "resume_samples_us": lat.get("resume_ack_samples_us"),
            "frames_to_tested": ft, "frames_from_tested": ff,
            "frames_lost": lost, "frames_lost_per_cycle": lost / cyc,
            "violations": lat.get("violations"),
        })
    pt = rec["switch_port_tested"]
    rec["switch_handshake_us"] = {
        "last": pt.get("last_handshake_us"),
        "max": pt.get("max_handshake_us"),
        "suspends": pt.get("suspends"),
        "failures": pt.get("suspend_failures"),
    }
    rec["ok"] = rec.get("cycles") is not None
    if not rec["ok"]:
        rec["error"] = "vucheck gave no latency results: " + \
            vc.tail(800)
