# SPDX-License-Identifier: BSD-3-Clause
"""The guests-tcp phase: TCP throughput between two real QEMU guests
(scripts/guest-image: Debian's cloud kernel, its virtio-net driver, TCG
here) through each system, same guests, same transfer:

- vsw-offload: vuswitch learn, offloads on (the default);
- vsw-no-offload: vuswitch learn --no-offload;
- testpmd-tso: dpdk-testpmd with two net_vhost ports with tso=1, io
  forwarding (port 0 <-> port 1);
- ovs-tso (where OVS-DPDK is installed): OVS-DPDK, a netdev bridge,
  NORMAL, other_config:userspace-tso-enable=true. OVS 3.1 offers TSO only
  on dpdkvhostuserclient ports, so these guests' QEMU listens on the
  sockets (server=on) and OVS connects.

Each round boots, for each system in turn (the order rotated every
round), guest B (receiver) and guest A (sender) and lets A send
--guest-transfers streams of --guest-bytes to B over one TCP connection
each (tests/guest/vswtcp: A generates its stream before it connects, B
discards what it reads). The figure of a transfer is its length over the
time B took to read it, from accept() to the end, by B's clock (the
guests' TSC; checked against the host's: within 1 %). Both guests run on
the generator's CPU, the switch's PMD on its own, as in every phase. A
system whose transfers do not complete is reported as failed (with what
its log says) and left out of the later rounds. Then
tests/perf/gso-bench on the switch's CPU: the cost of the software
fallback per 64 KB frame.
"""

import os
import re
import subprocess
import time

from .common import BenchError, median, percentile, progress
from .host import c2c_probe
from .procs import Proc, Testpmd
from .systems import OvsUserspaceTso, TestpmdVhost, Vuswitch
from . import guests as g
from .tcp import gso_bench

REF = "vsw-offload"
MAC_A, MAC_B = "02:00:00:00:0b:01", "02:00:00:00:0b:02"
IP_A, IP_B = "10.0.1.1", "10.0.1.2"
SEED = 11
BOOT_S = 90              # bound: both guests booted and connected
MIN_RATE = 2e6           # bytes/s: below this a transfer counts as failed
WARMUP = 1               # transfers per boot not counted (the first is slow)

# name: label
GUEST_SYSTEMS = {
    "vsw-offload": "vuswitch, offloads (default)",
    "vsw-no-offload": "vuswitch --no-offload",
    "testpmd-tso": "testpmd net_vhost tso=1, io",
    "ovs-tso": "OVS-DPDK userspace TSO, NORMAL",
}
DEFAULT_GUEST_SYSTEMS = tuple(GUEST_SYSTEMS)


class TestpmdTso(TestpmdVhost):
    """testpmd net_vhost io forwarding with tso=1 on both ports."""
    name = "testpmd-tso"

    def start(self):
        c = self.ctx
        argv = [c.testpmd, "--lcores", self.lcores(), "--no-pci",
                "--no-huge", "-m", "1024", "--file-prefix",
                c.prefix("tpt"), "--log-level",
                "lib.vhost.config:warning"] + c.eal_extra
        for i, s in enumerate(self.socks):
            argv += ["--vdev", "net_vhost%d,iface=%s,queues=1,tso=1"
                     % (i, s)]
        argv += ["--", "-i", "--nb-cores=1", "--forward-mode=io",
                 "--total-num-mbufs=65536", "--no-lsc-interrupt",
                 "--record-core-cycles", "--disable-link-check"]
        self.tp = Testpmd(c, "testpmd-tso", argv)
        self.procs.append(self.tp)

    def ready(self, timeout=30):
        pass

    def go(self):
        self.tp.cmd("start")

    def counters(self):
        out = self.tp.cmd("show port stats all")
        rx = [int(x) for x in re.findall(r"RX-packets:\s*(\d+)", out)]
        rxb = [int(x) for x in re.findall(r"RX-bytes:\s*(\d+)", out)]
        return {"rx_packets": rx, "rx_bytes": rxb,
                "datapath_frames": sum(rx),
                "mean_frame_in": rxb[0] / max(1, rx[0]) if rx and rxb
                else None}


class OvsGuestTso(OvsUserspaceTso):
    """OVS with userspace TSO and two dpdkvhostuserclient ports: the
    guests' QEMU listens."""

    def add_ports(self):
        self.socks = self.add_client_ports(self.nports)

    def ready(self, timeout=30):
        pass

    def counters(self):
        """Interface statistics and the log's warnings."""
        out = {}
        try:
            # The vhost ports' own counters are gone once the guests
            # have left; the datapath's lookups count every frame (both
            # directions) that crossed.
            dp = self.appctl_cmd("dpctl/show", "-s")
            m = re.search(r"lookups: hit:(\d+) missed:(\d+)", dp)
            if m:
                out["datapath_frames"] = int(m.group(1)) + int(m.group(2))
            out["dpctl"] = dp[-2000:]
        except BenchError as e:
            out["dpctl"] = str(e)[-300:]
        try:
            with open(os.path.join(self.dir, "ovs-vswitchd.log")) as f:
                warn = [x for x in f.read().splitlines()
                        if "|WARN|" in x or "|ERR|" in x]
            out["log_warnings"] = warn[-10:]
        except OSError:
            pass
        return out


def make_system(ctx, name, helper, pmd_cpus):
    cpus = (helper, pmd_cpus)
    if name == "vsw-offload":
        s = Vuswitch(ctx, 2, 1, cpus, "learn", g.switch_args())
    elif name == "vsw-no-offload":
        s = Vuswitch(ctx, 2, 1, cpus, "learn",
                     g.switch_args() + ["--no-offload"])
    elif name == "testpmd-tso":
        return TestpmdTso(ctx, 2, 1, cpus, "tpt")
    elif name == "ovs-tso":
        return OvsGuestTso(ctx, 2, 1, cpus, "ovs")
    else:
        raise BenchError("unknown guests-tcp system " + name)
    s.name = name
    return s


def start_guests(ctx, img, system, nbytes, count, cpu):
    """Guest B (receiver), then guest A (sender), on @p cpu."""
    server = isinstance(system, OvsGuestTso)
    out = []
    for tag, sock, mac, vsw, role in (
            ("b", system.socks[1], MAC_B,
             g.params("recv", IP_B + "/24", nbytes=nbytes, count=count),
             "recv"),
            ("a", system.socks[0], MAC_A,
             g.params("send", IP_A + "/24", IP_B, nbytes, SEED, count),
             "send")):
        argv = g.qemu_argv(img, sock, mac, vsw, g.memory_mb(role, nbytes),
                           server=server, cpu=cpu)
        out.append(Proc(ctx, "guest-%s-%s" % (tag, system.name), argv))
    return out


def wait_guests(ctx, guests, bound):
    end = time.monotonic() + bound
    while any(q.alive() for q in guests):
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True


def guest_results(rec, a, b, nbytes, count):
    """The consoles' results into @p rec; True when every transfer
    completed whole."""
    ca, cb = g.parse_console(a.output()), g.parse_console(b.output())
    rec["features"] = {k: g.offloads_present(next(iter(c["features"].values()),
                                                  0))
                       for k, c in (("a", ca), ("b", cb))}
    rec["clocksource"] = cb["clocksource"]
    rec["interrupts"] = {"a": ca["interrupts"], "b": cb["interrupts"]}
    rec["guest_errors"] = ca["errors"] + cb["errors"]
    got = [r for r in cb["results"] if "received" in r]
    rec["transfers"] = [{"bytes": r["received"], "usec": r["usec"],
                         "mbps": r["received"] * 8 / max(1, r["usec"]),
                         "warmup": i < WARMUP}
                        for i, r in enumerate(got)]
    whole = len(got) == count and all(r["received"] == nbytes for r in got)
    sent = [r.get("sent") for r in ca["results"]]
    return whole and sent == [nbytes] * count


def system_counters(system):
    """What the system counted: the frames it received on both ports
    (datapath_frames), the mean size of those from A (mean_frame_in) where
    it says, vuswitch's drops."""
    if isinstance(system, Vuswitch):
        p = [system.cmd("/vuswitch/port", str(i)) for i in (0, 1)]
        pmd = system.cmd("/vuswitch/pmd", "0")
        return {"mean_frame_in": p[0]["rx_bytes"] /
                max(1, p[0]["rx_packets"]),
                "datapath_frames": p[0]["rx_packets"] + p[1]["rx_packets"],
                "pmd_busy_cycles": pmd["busy_cycles"],
                "tsc_hz": pmd["tsc_hz"],
                "drops": {"%d:%s" % (i, k): v for i in (0, 1)
                          for k, v in p[i].items()
                          if k.startswith("drop_") and v}}
    try:
        return system.counters()
    except (BenchError, OSError) as e:
        return {"error": str(e)[-300:]}


def switch_load(rec):
    """vuswitch's PMD: busy cycles per byte moved, and the share of the
    transfers' time it was busy (it polls only these two ports)."""
    c = rec.get("counters") or {}
    t = rec.get("transfers") or []
    if "pmd_busy_cycles" not in c or not t:
        return
    moved = sum(x["bytes"] for x in t)
    rec["switch_busy_cycles_per_byte"] = c["pmd_busy_cycles"] / max(1, moved)
    rec["switch_busy_share"] = c["pmd_busy_cycles"] / max(
        1, c["tsc_hz"] * sum(x["usec"] for x in t) / 1e6)


def run_one(ctx, img, name, rnd, nbytes, count):
    """One boot of the guests on system @p name: a record."""
    helper, pmd_cpus, gen_cpus = ctx.layout(1, 1, 1)
    rec = {"phase": "guests-tcp", "system": name, "round": rnd,
           "bytes": nbytes, "count": count,
           "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "foreign_before": ctx.foreign_procs(),
           "c2c_ns_before": c2c_probe(ctx, gen_cpus[0], pmd_cpus[0])}
    rec["quiet"] = not rec["foreign_before"]
    system = make_system(ctx, name, helper, pmd_cpus)
    guests = []
    t0 = time.monotonic()
    try:
        system.start()
        system.go()
        guests = start_guests(ctx, img, system, nbytes, count, gen_cpus[0])
        bound = BOOT_S + count * max(20.0, nbytes / MIN_RATE)
        done = wait_guests(ctx, guests, bound)
        rec["counters"] = system_counters(system)
        whole = guest_results(rec, guests[1], guests[0], nbytes, count)
        switch_load(rec)
        rec["guests_s"] = time.monotonic() - t0
        if not done:
            rec.update(ok=False, error="the transfers did not end within "
                       "%.0f s" % bound)
        elif not whole or rec["guest_errors"]:
            rec.update(ok=False, error="transfers incomplete: %s %s" % (
                rec["transfers"], rec["guest_errors"]))
        else:
            rec["ok"] = True
    except (BenchError, g.GuestError, OSError,
            subprocess.SubprocessError) as e:
        rec.update(ok=False, error=str(e)[-2000:])
    finally:
        for q in guests:
            q.stop()
        system.stop()
    rec["c2c_ns_after"] = c2c_probe(ctx, gen_cpus[0], pmd_cpus[0])
    return rec


def measured(rec):
    """Mbit/s of a record's transfers, less the warm-up."""
    return [t["mbps"] for t in rec.get("transfers", [])
            if not t.get("warmup")]


def phase_guests_tcp(ctx, names, rounds, nbytes, transfers):
    """@p rounds rounds of every system in @p names (rotated), each boot
    with WARMUP + @p transfers transfers; one record per boot, and one
    with gso-bench's lines."""
    count = WARMUP + transfers
    try:
        img = g.image()
    except (g.GuestSkip, g.GuestError) as e:
        progress("phase guests-tcp: no guest image: %s" % e)
        return [{"phase": "guests-tcp", "system": "-", "ok": False,
                 "error": "no guest image: %s" % e}]
    per = BOOT_S + count * max(20.0, nbytes / MIN_RATE) + 30
    bound = rounds * len(names) * per + 60
    deadline = time.monotonic() + bound
    progress("phase guests-tcp: %d rounds x %d systems, %d x %d MiB per "
             "boot, bounded to %.0f s" % (rounds, len(names), count,
                                          nbytes >> 20, bound))
    recs, live = [], list(names)
    for rnd in range(rounds):
        order = live[rnd % len(live):] + live[:rnd % len(live)] \
            if live else []
        for name in order:
            if time.monotonic() > deadline:
                progress("phase guests-tcp: time budget spent")
                break
            rec = run_one(ctx, img, name, rnd, nbytes, count)
            recs.append(rec)
            if rec["ok"]:
                progress("  guests-tcp round %d/%d %s: %s Mbit/s" % (
                    rnd + 1, rounds, name, " ".join(
                        ("(%.0f)" if t["warmup"] else "%.0f") % t["mbps"]
                        for t in rec["transfers"])))
            else:
                progress("  guests-tcp round %d/%d %s: FAILED: %s" % (
                    rnd + 1, rounds, name, rec["error"].splitlines()[0]))
                live.remove(name)
    helper, pmd_cpus, gen_cpus = ctx.layout(1, 1, 1)
    lines = gso_bench(ctx, pmd_cpus[0])
    recs.append({"phase": "gso-bench", "ok": lines is not None,
                 "lines": lines or [], "quiet": not ctx.foreign_procs()})
    return recs


def by_round(recs):
    """{round: {system: median Mbit/s of that boot}} of the records that
    completed."""
    out = {}
    for r in recs:
        if r.get("phase") == "guests-tcp" and r.get("ok") and measured(r):
            out.setdefault(r["round"], {})[r["system"]] = median(measured(r))
    return out


def ratios(rounds, a, b):
    """a/b in every round that measured both."""
    return [c[a] / c[b] for c in rounds.values()
            if c.get(a) and c.get(b)]


def guests_summary(recs):
    """Per system: transfers, Mbit/s median/min/max, the median of the
    per-round ratios REF/this, frames crossed per MiB, failures."""
    ok = [r for r in recs if r.get("phase") == "guests-tcp" and r.get("ok")]
    rounds = by_round(recs)
    rows = []
    for name in GUEST_SYSTEMS:
        v = [x for r in ok if r["system"] == name for x in measured(r)]
        failed = [r for r in recs if r.get("phase") == "guests-tcp" and
                  r.get("system") == name and not r.get("ok")]
        if not v and not failed:
            continue
        feats = [r.get("features", {}).get("a") for r in ok + failed
                 if r["system"] == name]
        fpm = [r["counters"]["datapath_frames"] /
               (r["bytes"] * r["count"] / g.MIB) for r in ok
               if r["system"] == name and
               (r.get("counters") or {}).get("datapath_frames")]
        rows.append({"system": name, "label": GUEST_SYSTEMS[name],
                     "transfers": len(v), "mbps": median(v),
                     "min": min(v) if v else None,
                     "max": max(v) if v else None,
                     "ref_over": median(ratios(rounds, REF, name)),
                     "ref_q1": percentile(ratios(rounds, REF, name), 25),
                     "ref_q3": percentile(ratios(rounds, REF, name), 75),
                     "features": feats[0] if feats else None,
                     "frames_per_mib": median(fpm),
                     "busy_cpb": median([r["switch_busy_cycles_per_byte"]
                                         for r in ok if r["system"] == name
                                         and "switch_busy_cycles_per_byte"
                                         in r]),
                     "busy_share": median([r["switch_busy_share"]
                                           for r in ok
                                           if r["system"] == name and
                                           "switch_busy_share" in r]),
                     "failed": [r.get("error", "?").splitlines()[0]
                                for r in failed]})
    return rows


def guests_targets(recs):
    """vsw-offload over each of the other offloading systems (the median
    of the per-round ratios; the target holds against the one it beats
    least, the best of them), and over vsw-no-offload."""
    rounds = by_round(recs)
    others = {}
    for name in GUEST_SYSTEMS:
        if name not in (REF, "vsw-no-offload"):
            v = ratios(rounds, REF, name)
            if v:
                others[name] = (median(v), len(v))
    worst = min(others.items(), key=lambda kv: kv[1][0]) if others else None
    nooff = ratios(rounds, REF, "vsw-no-offload")
    t = [{"target": "vsw-offload / the best of the others (%s)"
          % (worst[0] if worst else "none measured"),
          "value": worst[1][0] if worst else None, "limit": 1.0,
          "n": worst[1][1] if worst else 0,
          "others": {k: v[0] for k, v in others.items()}},
         {"target": "vsw-offload / vsw-no-offload", "value": median(nooff),
          "limit": 1.4, "n": len(nooff)}]
    for x in t:
        x["met"] = None if x["value"] is None else x["value"] >= x["limit"]
    return t


def _fmt(v, spec):
    return "-" if v is None else spec % v


def guests_table(recs, md=False):
    """The phase's table (text or Markdown), its targets, gso-bench."""
    rows = guests_summary(recs)
    if not rows:
        return ""
    out = []
    if md:
        out += ["| system | transfers | Mbit/s median | min..max | "
                "vsw-offload / this (per round: median, quartiles) | "
                "frames crossed per MiB | vuswitch PMD: busy cycles/byte, "
                "busy share | offloads guest A negotiated |",
                "|---|---|---|---|---|---|---|---|"]
    else:
        out.append("guests-tcp: TCP between two QEMU guests (TCG), Mbit/s "
                   "of one stream by the receiver's clock")
        out.append("  %-34s %4s %8s %15s %18s %7s %13s  %s" % (
            "system", "n", "Mbit/s", "min..max", "vsw-offload/this",
            "fr/MiB", "PMD cyc/B,busy", "offloads"))
    for r in rows:
        feats = ",".join(r["features"]) if r["features"] else \
            ("none" if r["features"] == [] else "-")
        rng = "%s..%s" % (_fmt(r["min"], "%.0f"), _fmt(r["max"], "%.0f"))
        fpm = _fmt(r["frames_per_mib"], "%.0f")
        ref = _fmt(r["ref_over"], "%.2f")
        if r["system"] != REF and r["ref_q1"] is not None:
            ref += " (%.2f..%.2f)" % (r["ref_q1"], r["ref_q3"])
        busy = "-" if r["busy_cpb"] is None else "%.2f, %.0f %%" % (
            r["busy_cpb"], 100 * r["busy_share"])
        if md:
            out.append("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
                r["label"], r["transfers"], _fmt(r["mbps"], "%.0f"), rng,
                ref, fpm, busy, feats))
        else:
            out.append("  %-34s %4d %8s %15s %18s %7s %13s  %s" % (
                r["label"], r["transfers"], _fmt(r["mbps"], "%.0f"), rng,
                ref, fpm, busy, feats))
        for f in r["failed"]:
            out.append(("| %s | failed: %s |||||||" if md else
                        "    FAILED: %s: %s") % (r["label"], f))
    for t in guests_targets(recs):
        out.append(("%s- %s: %s (target >= %.1f, %d rounds): %s" if md else
                    "%s  target %s: %s (>= %.1f, %d rounds): %s") % (
            "" if md else "", t["target"], _fmt(t["value"], "%.2f"),
            t["limit"], t["n"], {True: "met", False: "NOT met",
                                 None: "not measured"}[t["met"]]))
    for r in recs:
        if r.get("phase") == "gso-bench" and r.get("lines"):
            out.append("")
            out += ["    " + x for x in r["lines"]] if md else r["lines"]
    return "\n".join(out) + "\n"
