# SPDX-License-Identifier: BSD-3-Clause
"""The interleave phase: every system and its generator run at once, all
but one frozen (SIGSTOP), and the bench takes turns of short windows.

Why: this host's speed flips between a fast and a slow state within
seconds, so two runs taken a minute apart often compare different
machines. Here each cycle measures every system once within a few
seconds, in a rotating order, with the same processes (no start-up in
between), and the ratio of a system to the reference is taken per cycle.
A frozen process keeps its vhost-user connection and its rings; frozen
frames stay in the rings, and the loop resumes when both sides are
thawed. While one system runs, the others use no CPU."""

import subprocess
import time

from .common import ALL_SYSTEMS, LABELS, REFERENCE, BenchError, \
    c2c_states, median, percentile, progress
from .host import c2c_probe
from .systems import Generator, make_system

SETTLE_S = 0.3   # after a thaw, before the window opens
MIN_STATE_CYCLES = 5  # fewest cycles of one state that make a ratio


class Setup:
    """One system under test and its own generator, started, then frozen
    and thawed together. Subclasses pick other systems and generators
    (make_system, make_generator: pvp.PvpSetup)."""

    def __init__(self, ctx, name, nports, size):
        helper, pmd_cpus, gen_cpus = ctx.layout(1, 1, 1)
        self.name = name
        self.system = self.make_system(ctx, name, nports, (helper, pmd_cpus))
        self.gen = None
        try:
            self.system.start()
            self.gen = self.make_generator(ctx, helper, gen_cpus)
            self.gen.wait_links()
            self.system.ready()
            self.system.go()
            self.gen.go(size)
        except Exception:
            self.stop()
            raise

    def make_system(self, ctx, name, nports, cpus):
        return make_system(ctx, name, nports, 1, cpus)

    def make_generator(self, ctx, helper, cpus):
        return Generator(ctx, self.system.socks, helper, cpus)

    def freeze(self):
        """The generator first, so that the switch drains what it can."""
        if self.gen:
            self.gen.tp.freeze()
        for p in self.system.procs:
            p.freeze()

    def thaw(self):
        for p in self.system.procs:
            p.thaw()
        if self.gen:
            self.gen.tp.thaw()

    def rx_total(self):
        return sum(v[0] for v in self.gen.stats().values())

    def window(self, seconds):
        """(Mpps over a window of @p seconds, seconds measured)."""
        t0 = time.monotonic()
        r0 = self.rx_total()
        t0 = (t0 + time.monotonic()) / 2
        self.gen.tp.sleep(seconds)
        t1 = time.monotonic()
        r1 = self.rx_total()
        t1 = (t1 + time.monotonic()) / 2
        return (r1 - r0) / (t1 - t0) / 1e6, t1 - t0

    def stop(self):
        self.thaw()
        if self.gen is not None:
            self.gen.stop()
        self.system.stop()


def start_all(ctx, names, make, what):
    """make(name) for each of @p names, warmed up (--warmup) and frozen; one
    that fails to start is reported ("  <what name>: FAILED to start")
    and left out."""
    setups = []
    for name in names:
        try:
            s = make(name)
        except (BenchError, OSError, subprocess.SubprocessError) as e:
            progress("  %s: FAILED to start: %s"
                     % (what(name), str(e).splitlines()[0]))
            continue
        s.gen.tp.sleep(ctx.args.warmup)
        s.freeze()
        setups.append(s)
    return setups


def cycles_bound(ctx, ncases, nsystems, cycles, window):
    """Seconds a phase of @p ncases cases of interleaved cycles may take:
    a minute and the warm-up to start each system, two seconds beyond
    each window, a minute more."""
    return ncases * (nsystems * (60 + ctx.args.warmup) +
                     cycles * nsystems * (window + 2)) + 60


def run_case(ctx, names, make, what, case, cycles, window, deadline,
             phase="interleave"):
    """Start a setup per system of @p names (start_all), run the cycles
    of one case (run_cycles) and stop them all; the records."""
    setups = start_all(ctx, names, make, what)
    try:
        return run_cycles(ctx, setups, case, cycles, window, deadline, phase)
    finally:
        for s in setups:
            s.stop()


def phase_interleave(ctx, systems, cycles, window):
    """@p cycles turns of one @p window (seconds) per system, for 2 ports
    at every size and for each of --interleave-ports at 64 bytes; returns
    one record per window."""
    a = ctx.args
    recs = []
    cases = [(2, s) for s in a.sizes] + [(n, 64) for n in
                                         a.interleave_ports if n != 2]
    bound = cycles_bound(ctx, len(cases), len(systems), cycles, window)
    deadline = time.monotonic() + bound
    progress("phase interleave: %d cycles x %d systems x %d cases, "
             "%.1f s windows, bounded to %.0f s"
             % (cycles, len(systems), len(cases), window, bound))
    for nports, size in cases:
        recs += run_case(
            ctx, systems,
            lambda name: Setup(ctx, name, nports, size),
            lambda name: "interleave: %s %d ports %dB" % (name, nports, size),
            (nports, size), cycles, window, deadline)
    return recs


def probe_c2c(ctx):
    """Cache-line round trip between the generator's and the switch's
    CPUs; only called while every process is frozen."""
    helper, pmd_cpus, gen_cpus = ctx.layout(1, 1, 1)
    return c2c_probe(ctx, gen_cpus[0], pmd_cpus[0])


def one_window(ctx, s, window):
    """Thaw @p s, measure a window, freeze it again; (Mpps, seconds,
    c2c before, c2c after)."""
    before = probe_c2c(ctx)
    s.thaw()
    try:
        s.gen.tp.sleep(SETTLE_S)
        mpps, dt = s.window(window)
    finally:
        s.freeze()
    return mpps, dt, before, probe_c2c(ctx)


def run_cycles(ctx, setups, case, cycles, window, deadline,
               phase="interleave"):
    """The cycles of one case; a system whose window fails is recorded
    as failed and left out of the following cycles. @p phase names the
    records (the pvp phase runs its cycles here too)."""
    nports, size = case
    recs = []
    live = list(setups)
    for k in range(cycles):
        if time.monotonic() > deadline or not live:
            progress("phase %s: %s" % (phase, "time budget spent" if live
                                          else "no system left"))
            break
        order = live[k % len(live):] + live[:k % len(live)]
        foreign = ctx.foreign_procs()
        got = {}
        for s in order:
            rec = {"phase": phase, "system": s.name, "size": size,
                   "ports": nports, "pmds": 1, "cycle": k,
                   "foreign_before": foreign, "quiet": not foreign,
                   "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            try:
                mpps, dt, before, after = one_window(ctx, s, window)
            except (BenchError, OSError, subprocess.SubprocessError) as e:
                rec.update(ok=False, error=str(e)[-2000:])
                recs.append(rec)
                live.remove(s)
                progress("  %s %s: FAILED: %s"
                         % (phase, s.name, str(e).splitlines()[0]))
                continue
            got[s.name] = mpps
            rec.update(ok=True, mpps=mpps, window_s=dt, c2c_ns_before=before,
                       c2c_ns_after=after)
            recs.append(rec)
        progress("  %s %d ports %dB cycle %d/%d: %s" % (
            phase, nports, size, k + 1, cycles, "  ".join(
                "%s %.2f" % (n, v) for n, v in got.items())))
    return recs


def classify_windows(recs):
    """The measured windows of the interleave phase, each marked
    near/far/mixed by its c2c readings (common.c2c_states)."""
    return c2c_states([r for r in recs if r.get("phase") == "interleave"
                       and r.get("ok")])


def cycle_ratios(windows, a, b, state=None):
    """Per-cycle ratios mpps(a)/mpps(b) over the classified @p windows of
    one case; with @p state, only cycles whose every window was in that
    host state."""
    by = {}
    for r in windows:
        by.setdefault(r["cycle"], {})[r["system"]] = r
    out = []
    for d in by.values():
        if a not in d or b not in d or d[b]["mpps"] <= 0:
            continue
        if state and any(r.get("host_state") != state for r in d.values()):
            continue
        out.append(d[a]["mpps"] / d[b]["mpps"])
    return out


def interleave_ratios(recs, a, b, size, state=None, ports=2):
    """Per-cycle ratios mpps(a)/mpps(b) of the interleave phase at @p size
    and @p ports; with @p state, only cycles whose every window was in
    that host state."""
    return cycle_ratios([r for r in classify_windows(recs)
                         if r["size"] == size and r["ports"] == ports],
                        a, b, state)


def state_ratio(recs, a, b, size):
    """(ratio, cycles, what): the median per-cycle ratio a/b over the
    cycles in the near host state when there are MIN_STATE_CYCLES of
    them, else over every cycle."""
    near = interleave_ratios(recs, a, b, size, "near")
    if len(near) >= MIN_STATE_CYCLES:
        return median(near), len(near), "the near-state"
    every = interleave_ratios(recs, a, b, size)
    return median(every), len(every), "all"


def interleave_summary(recs):
    """One row per (ports, size, system) of the interleave phase: Mpps and the
    ratio to the reference over all cycles, and over each host state."""
    rows = []
    iv = classify_windows(recs)
    keys = sorted({(r["ports"], r["size"], r["system"]) for r in iv},
                  key=lambda k: (k[0], k[1], ALL_SYSTEMS.index(k[2])))
    for ports, size, name in keys:
        mine = [r for r in iv if r["size"] == size and r["system"] == name
                and r["ports"] == ports]
        v = [r["mpps"] for r in mine]
        ratios = interleave_ratios(recs, name, REFERENCE, size, ports=ports)
        row = {"phase": "interleave", "size": size, "system": name,
               "ports": ports,
               "label": LABELS[name], "n": len(v),
               "mpps_median": median(v), "mpps_p90": percentile(v, 90),
               "mpps_min": min(v), "mpps_max": max(v),
               "ratio_median": median(ratios),
               "ratio_p25": percentile(ratios, 25),
               "ratio_p75": percentile(ratios, 75),
               "n_ratios": len(ratios)}
        for st in ("near", "far"):
            sv = [r["mpps"] for r in mine if r.get("host_state") == st]
            sr = interleave_ratios(recs, name, REFERENCE, size, st, ports)
            row["n_" + st] = len(sv)
            row["mpps_median_" + st] = median(sv) if sv else None
            row["ratio_median_" + st] = median(sr) if sr else None
            row["n_ratios_" + st] = len(sr)
        rows.append(row)
    return rows


def ab_summary(recs):
    """With --build-b: per-cycle ratios of each system to its -b build
    (learn / learn-b, xconnect / xconnect-b), over all cycles and over
    the near- and far-state ones; one row per (ports, size, system)."""
    iv = classify_windows(recs)
    rows = []
    for ports, size, name in sorted({(r["ports"], r["size"], r["system"])
                                     for r in iv}):
        if name + "-b" not in ALL_SYSTEMS or \
                not any(r["system"] == name + "-b" for r in iv):
            continue
        v = interleave_ratios(recs, name, name + "-b", size, ports=ports)
        row = {"ports": ports, "size": size, "system": name,
               "label": "%s / %s" % (LABELS[name], LABELS[name + "-b"]),
               "n": len(v), "ratio_median": median(v),
               "ratio_p25": percentile(v, 25),
               "ratio_p75": percentile(v, 75)}
        for st in ("near", "far"):
            sv = interleave_ratios(recs, name, name + "-b", size, st, ports)
            row["n_" + st] = len(sv)
            row["ratio_median_" + st] = median(sv) if sv else None
        rows.append(row)
    return rows
