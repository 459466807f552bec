# SPDX-License-Identifier: BSD-3-Clause
"""One measurement: a system under test, the generator, a window of
counter readings."""

import subprocess
import time

from .common import LABELS, BenchError, fmt, percentile, progress
from .ctx import wait_quiet
from .host import c2c_probe, cpu_ticks
from .systems import Generator, Vuswitch, make_system


def snap(ctx, gen, system):
    s = {"t": time.monotonic(), "cpu": cpu_ticks()}
    s["gen"] = gen.stats()
    s["t"] = (s["t"] + time.monotonic()) / 2
    s["sw"] = system.snapshot()
    return s


def sample_window(gen, s0, duration, step):
    """Read the generator's counters every @p step seconds for
    @p duration seconds; returns [(t, total rx)] starting at s0."""
    out = [(s0["t"], sum(v[0] for v in s0["gen"].values()))]
    end = s0["t"] + duration
    while True:
        nxt = out[-1][0] + step
        if nxt >= end - step / 2:
            gen.tp.sleep(max(0.0, end - time.monotonic()))
            return out
        gen.tp.sleep(max(0.0, nxt - time.monotonic()))
        t = time.monotonic()
        st = gen.stats()
        out.append(((t + time.monotonic()) / 2,
                    sum(v[0] for v in st.values())))


def steal_pct(c0, c1, cpu):
    if cpu not in c0 or cpu not in c1:
        return None
    tot = c1[cpu][2] - c0[cpu][2]
    return 100.0 * (c1[cpu][1] - c0[cpu][1]) / tot if tot > 0 else 0.0


def vsw_delta(s0, s1, system, dt, pkts):
    r = {}
    busy = idle = 0
    for a, b in zip(s0["pmd"], s1["pmd"]):
        busy += b["busy_cycles"] - a["busy_cycles"]
        idle += b["idle_cycles"] - a["idle_cycles"]
    if busy + idle:
        r["switch_busy_pct"] = 100.0 * busy / (busy + idle)
    if pkts:
        r["switch_own_cycles_per_pkt"] = busy / pkts
    drops = 0
    for a, b in zip(s0["ports"], s1["ports"]):
        for k in b:
            if k.startswith("drop_"):
                drops += b[k] - a[k]
    r["switch_drops"] = drops
    r["switch_rx"] = sum(b["rx_packets"] - a["rx_packets"]
                         for a, b in zip(s0["ports"], s1["ports"]))
    return r


def close_record(ctx, rec, gen_cpu, switch_cpu):
    """After a measurement: the c2c probe, foreign processes, and whether
    the machine stayed quiet throughout."""
    rec["c2c_ns_after"] = c2c_probe(ctx, gen_cpu, switch_cpu)
    rec["foreign_after"] = ctx.foreign_procs()
    rec["quiet"] = not any(rec.get(k) for k in (
        "foreign_before", "foreign_s0", "foreign_s1", "foreign_after"))


def measure(ctx, sysname, nports, size, npmd, max_pmd, gen_cores, warmup,
            duration, tag):
    helper, pmd_cpus, gen_cpus = ctx.layout(npmd, gen_cores, max_pmd)
    rec = {"system": sysname, "size": size, "ports": nports, "pmds": npmd,
           "gen_cores": len(gen_cpus), "switch_cpus": pmd_cpus,
           "gen_cpus": gen_cpus, "warmup_s": warmup, "duration_s": duration,
           "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "foreign_before": ctx.foreign_procs(),
           "c2c_ns_before": c2c_probe(ctx, gen_cpus[0], pmd_cpus[0])}
    system = make_system(ctx, sysname, nports, npmd, (helper, pmd_cpus))
    gen = None
    try:
        system.start()
        gen = Generator(ctx, system.socks, helper, gen_cpus)
        rec["gen_fwd"] = gen.fwd
        gen.wait_links()
        system.ready()
        system.go()
        gen.go(size)
        gen.tp.sleep(warmup)
        rec["foreign_s0"] = ctx.foreign_procs()
        measure_window(ctx, rec, system, gen)
        rec["ok"] = True
    except (BenchError, OSError, subprocess.SubprocessError) as e:
        rec["ok"] = False
        rec["error"] = str(e)[-2000:]
        progress("  %s: FAILED: %s" % (tag, str(e).splitlines()[0]))
    finally:
        if gen is not None:
            gen.stop()
        system.stop()
    close_record(ctx, rec, gen_cpus[0], pmd_cpus[0])
    if rec["ok"]:
        progress("  %s: %-20s %5dB %d ports %d PMD: %7.3f Mpps  loss %d"
                 "  switch %s cyc/pkt  gen %s cyc/pkt" % (
                     tag, LABELS[sysname], size, nports, npmd, rec["mpps"],
                     rec["gen_loss"], fmt(rec["switch_core_cycles_per_pkt"]),
                     fmt(rec["gen_cycles_per_pkt"])))
    return rec


def measure_window(ctx, rec, system, gen):
    """The measurement window of a run in @p rec, traffic running: the
    generator's counters, its interval rates, the switch's own figures."""
    size, npmd = rec["size"], rec["pmds"]
    pmd_cpus, gen_cpus = rec["switch_cpus"], rec["gen_cpus"]
    s0 = snap(ctx, gen, system)
    samples = sample_window(gen, s0, rec["duration_s"], ctx.args.sample)
    s1 = snap(ctx, gen, system)
    samples.append((s1["t"], sum(v[0] for v in s1["gen"].values())))
    rates = [(b[1] - a[1]) / (b[0] - a[0]) / 1e6
             for a, b in zip(samples, samples[1:]) if b[0] > a[0]]
    rec["interval_s"] = ctx.args.sample
    rec["interval_mpps"] = rates
    rec["mpps_p90_interval"] = percentile(rates, 90)
    rec["foreign_s1"] = ctx.foreign_procs()
    dt = s1["t"] - s0["t"]
    rx = sum(s1["gen"][p][0] - s0["gen"][p][0] for p in s1["gen"])
    tx = sum(s1["gen"][p][1] - s0["gen"][p][1] for p in s1["gen"])
    gen_cpp, gen_dropped = gen.halt()
    rec.update({
        "window_s": dt, "gen_rx": rx, "gen_tx": tx,
        "mpps": rx / dt / 1e6,
        "gbps": rx * (size + 20) * 8 / dt / 1e9,
        "gen_loss": tx - rx,
        "gen_loss_ppm": 1e6 * (tx - rx) / tx if tx else None,
        "gen_fwd_dropped_total": gen_dropped,
        "gen_cycles_per_pkt": gen_cpp,
        "switch_core_cycles_per_pkt":
            ctx.hz * dt * npmd / rx if rx else None,
        "steal_pct_switch": steal_pct(s0["cpu"], s1["cpu"], pmd_cpus[0]),
        "steal_pct_gen": steal_pct(s0["cpu"], s1["cpu"], gen_cpus[0]),
    })
    if isinstance(system, Vuswitch):
        rec.update(vsw_delta(s0["sw"], s1["sw"], system, dt, rx))
    rec.update(system.finish())


def measure_quiet(ctx, *a, **kw):
    """measure(), again (bounded) when another bench process shared the
    machine: the noisy record is kept in the raw runs as discarded."""
    out = []
    tries = 1 + (ctx.args.retries if ctx.args.wait_quiet > 0 else 0)
    for k in range(tries):
        rec = measure(ctx, *a, **kw)
        out.append(rec)
        if rec["quiet"] or k == tries - 1:
            break
        rec["discarded"] = True
        progress("  other bench processes ran meanwhile; measuring again")
        wait_quiet(ctx, ctx.args.wait_quiet)
    return out
