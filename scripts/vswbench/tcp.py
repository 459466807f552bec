# SPDX-License-Identifier: BSD-3-Clause
"""The tcp phase: VM-to-VM TCP streams through the switch, with and
without checksum and segmentation offloads.

The guests are one testpmd with two net_virtio_user ports (VM A and VM
B, their own MACs, each the other's --eth-peer) in testpmd's csum
forwarding engine: every TCP frame one port receives goes out on the
other, so frames cross the switch A -> B -> A ... A guest uses what its
device offers, as a Linux guest does:

- offload: TSO and LRO (HOST_TSO4 and GUEST_TSO4, CSUM and GUEST_CSUM):
  a 64 KB frame crosses as one frame;
- fallback: TSO on transmit only; no receive offloads, testpmd's GRO on
  receive: the switch segments every frame and completes its checksums;
- no-offload (vuswitch --no-offload): the guests cut and checksum
  everything in software (testpmd's GSO at 1514 bytes and GRO);
- ovs-tso (only when named in --tcp-systems): OVS-DPDK, NORMAL,
  other_config:userspace-tso-enable=true, the guests as in "offload".
  Debian 12's OVS 3.1 does not carry these guests' TSO frames (it logs
  "Too big size ... max_packet_len 1518" and "No TCP checksum support"
  and drops them): the loop never starts and the system is reported as
  failed.

A Python front-end on a third port (tests/integration/vhu_fe.py) starts
each loop with one TCP stream's worth of 1502-byte frames (INJECT of
them, consecutive sequence numbers) and stays connected; the guests'
GRO (testpmd's, on in every mode) merges them, so that from the second
turn on they circulate as large TCP frames. testpmd's net_vhost cannot
be measured this way: its io forwarding pairs its ports, so a third
port's frames never join the loop. OVS 3.1 offers TSO only on
dpdkvhostuserclient ports (its dpdkvhostuser ports ask rte_vhost for
linear buffers without external ones, which turns host TSO off), so its
guests listen (virtio-user server=1).

Every system and its guests run at once, all but one frozen (SIGSTOP),
in rotating windows, as in the interleave phase. The figure is the L2
bytes both guests received per second (Gbit/s), and for vuswitch the
PMD's busy cycles per byte. The phase also runs tests/perf/gso-bench on
the switch's CPU: what segmentation and checksums cost per 64 KB frame.
"""

import os
import re
import struct
import subprocess
import sys
import time

from .common import SRC, BenchError, median, percentile, progress, \
    wait_for
from .host import c2c_probe
from .procs import Testpmd
from .systems import OvsUserspaceTso, Vuswitch, generator_eal, \
    vm_mac

sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import vhu_fe  # noqa: E402  (stdlib only)

MSS = 1448
INJECT = 720            # 1502-byte frames: about 16 frames of 64 KB
INJECT_MAC = "02:00:00:00:00:99"
SETTLE_S = 0.5
REF = "offload"
DEFAULT_SYSTEMS = ("offload", "fallback", "no-offload")

# name: (switch, switch options, guest offloads, label)
TCP_SYSTEMS = {
    "offload": ("learn", [], "tso", "vuswitch, guests with TSO/LRO"),
    "fallback": ("learn", [], "tx-tso",
                 "vuswitch, guests without receive offloads"),
    "no-offload": ("learn", ["--no-offload"], "none",
                   "vuswitch --no-offload"),
    "ovs-tso": ("ovs", [], "tso", "OVS-DPDK userspace TSO"),
}

# testpmd --rx-offloads, --tx-offloads (RTE_ETH_{RX,TX}_OFFLOAD_*):
# rx TCP_LRO 0x10 | TCP_CKSUM 0x8 | UDP_CKSUM 0x4; tx TCP_TSO 0x20 |
# TCP_CKSUM 0x8 | UDP_CKSUM 0x4.
GUEST_OFFLOADS = {"tso": ("0x1c", "0x2c"), "tx-tso": ("0x0", "0x2c"),
                  "none": ("0x0", "0x0")}


class OvsTso(OvsUserspaceTso):
    """OVS with userspace TSO; ports 0 and 1 dpdkvhostuserclient (the
    guests listen), port 2 dpdkvhostuser (the injector connects)."""

    def add_ports(self):
        socks = self.add_client_ports(2)
        self.vsctl("add-port", "br0", "vhu2", "--", "set", "Interface",
                   "vhu2", "type=dpdkvhostuser", "ofport_request=3")
        self.socks = socks + [os.path.join(self.dir, "vhu2")]
        wait_for(lambda: os.path.exists(self.socks[2]), 30,
                 "OVS vhost-user socket")


class TcpGuests:
    """testpmd with two net_virtio_user ports in csum forwarding."""

    def __init__(self, ctx, socks, helper, cores, mode, server=False):
        self.mode = mode
        rxo, txo = GUEST_OFFLOADS[mode]
        argv = generator_eal(ctx, helper, cores, "tcpgen", 1024)
        for i, s in enumerate(socks):
            argv += ["--vdev", "net_virtio_user%d,path=%s,queues=1,"
                     "queue_size=1024,mac=%s%s" % (i, s, vm_mac(i),
                                                   ",server=1" if server
                                                   else "")]
        argv += ["--", "-i", "--nb-cores=1", "--rxd=1024", "--txd=1024",
                 "--total-num-mbufs=65536", "--no-lsc-interrupt",
                 "--enable-scatter", "--rx-offloads=" + rxo,
                 "--tx-offloads=" + txo]
        for i in range(len(socks)):
            argv.append("--eth-peer=%d,%s" % (i, vm_mac(i ^ 1)))
        self.n = len(socks)
        self.tp = Testpmd(ctx, "tcp-guests-" + mode, argv)

    def wait_links(self, timeout=30):
        wait_for(lambda: self.tp.links_up(self.n), timeout,
                 "guest links up", 0.2)

    def go(self):
        self.tp.cmd("set fwd csum")
        for p in range(self.n):
            if self.mode in ("tso", "tx-tso"):
                self.tp.cmd("port stop %d" % p)
                self.tp.cmd("csum set tcp hw %d" % p)
                out = self.tp.cmd("tso set %d %d" % (MSS, p))
                if "TSO segment size" not in out:
                    raise BenchError("testpmd: tso set: " + out.strip())
                out = self.tp.cmd("port start %d" % p)
                if "Fail" in out:
                    raise BenchError("testpmd: port start: " + out.strip())
            self.tp.cmd("set port %d gro on" % p)
            if self.mode == "none":
                self.tp.cmd("set port %d gso on" % p)
        if self.mode == "none":
            self.tp.cmd("set gso segsz 1514")
        self.tp.cmd("start")

    def rx_bytes(self):
        out = self.tp.cmd("show port stats all")
        return sum(int(x) for x in re.findall(r"RX-bytes:\s*(\d+)", out))

    def stop(self):
        self.tp.stop()


def tcp_frames(dst, src, n):
    """@p n frames of one TCP stream, 1514 bytes, consecutive sequence
    numbers, every checksum right."""
    def mac(x):
        return bytes(int(b, 16) for b in x.split(":"))

    def fold(v):
        while v >> 16:
            v = (v & 0xffff) + (v >> 16)
        return v

    def words(b):
        return sum(struct.unpack("!%dH" % (len(b) // 2), b))
    sip, dip = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + MSS, 1,
                               0x4000, 64, 6, 0, sip, dip))
    ip[10:12] = struct.pack("!H", 0xffff - fold(words(bytes(ip))))
    data = bytes(i & 0xff for i in range(MSS))
    base = words(sip + dip) + 6 + 20 + MSS + words(data)
    out = []
    for k in range(n):
        tcp = bytearray(struct.pack("!HHIIBBHHH", 5001, 5002, 1 + k * MSS, 0,
                                    0x50, 0x10, 65535, 0, 0))
        tcp[16:18] = struct.pack("!H", 0xffff - fold(base + words(
            bytes(tcp))))
        out.append(mac(dst) + mac(src) + b"\x08\x00" + bytes(ip) +
                   bytes(tcp) + data)
    return out


def inject(sock):
    """A front-end on @p sock that puts one stream's INJECT frames into
    the loop; kept open."""
    fe = vhu_fe.Frontend(sock, ring_size=256, timeout=10)
    fe.start(features=1 << vhu_fe.F_VERSION_1)
    frames = tcp_frames(vm_mac(0), INJECT_MAC, INJECT)
    end = time.monotonic() + 10
    while frames and time.monotonic() < end:
        n = fe.tx(frames[:64])
        frames = frames[n:]
        if frames:
            time.sleep(0.01)
    if frames:
        fe.close()
        raise BenchError("could not post the first frames")
    return fe


class TcpSetup:
    """One system, its two guests and the injecting front-end."""

    def __init__(self, ctx, name):
        switch, extra, mode, _ = TCP_SYSTEMS[name]
        helper, pmd_cpus, gen_cpus = ctx.layout(1, 1, 1)
        self.ctx, self.name = ctx, name
        self.gen_cpu, self.pmd_cpu = gen_cpus[0], pmd_cpus[0]
        if switch == "learn":
            self.system = Vuswitch(ctx, 3, 1, (helper, pmd_cpus), "learn",
                                   extra)
        else:
            self.system = OvsTso(ctx, 3, 1, (helper, pmd_cpus), "ovs")
        self.guests = self.fe = None
        try:
            self.system.start()
            self.guests = TcpGuests(ctx, self.system.socks[:2], helper,
                                    gen_cpus, mode,
                                    server=isinstance(self.system, OvsTso))
            self.guests.wait_links()
            self.system.go()
            self.guests.go()
            self.fe = inject(self.system.socks[2])
            self.system.ready()
        except Exception:
            self.stop()
            raise

    def procs(self):
        return [self.guests.tp] + list(self.system.procs)

    def freeze(self):
        for p in self.procs():
            p.freeze()

    def thaw(self):
        for p in reversed(self.procs()):
            p.thaw()

    def busy(self):
        """The vuswitch PMD's busy cycles, or None (OVS)."""
        if not isinstance(self.system, Vuswitch):
            return None
        return self.system.cmd("/vuswitch/pmd", "0")["busy_cycles"]

    def window(self, seconds):
        """(Gbit/s, switch busy cycles per byte or None, seconds)."""
        b0, c0, t0 = self.guests.rx_bytes(), self.busy(), time.monotonic()
        self.guests.tp.sleep(seconds)
        b1, c1, t1 = self.guests.rx_bytes(), self.busy(), time.monotonic()
        n = b1 - b0
        cpb = (c1 - c0) / n if c0 is not None and n > 0 else None
        return n * 8 / (t1 - t0) / 1e9, cpb, t1 - t0

    def stop(self):
        for p in self.procs() if self.guests else self.system.procs:
            p.thaw()
        if self.guests is not None:
            self.guests.stop()
        if self.fe is not None:
            self.fe.close()
        self.system.stop()


def start_setups(ctx, names):
    setups = []
    for name in names:
        try:
            s = TcpSetup(ctx, name)
        except (BenchError, OSError, subprocess.SubprocessError,
                vhu_fe.FrontendError) as e:
            progress("  tcp: %s: FAILED to start: %s"
                     % (name, str(e).splitlines()[0]))
            continue
        s.guests.tp.sleep(ctx.args.warmup)
        s.freeze()
        setups.append(s)
    return setups


def one_window(ctx, s, window):
    before = c2c_probe(ctx, s.gen_cpu, s.pmd_cpu)
    s.thaw()
    try:
        s.guests.tp.sleep(SETTLE_S)
        gbps, cpb, dt = s.window(window)
    finally:
        s.freeze()
    return gbps, cpb, dt, before, c2c_probe(ctx, s.gen_cpu, s.pmd_cpu)


def gso_bench(ctx, cpu):
    """tests/perf/gso-bench on @p cpu: its lines, or None."""
    path = os.path.join(os.path.dirname(ctx.vuswitch), "..", "..",
                        "tests", "perf", "gso-bench")
    if not os.access(path, os.X_OK):
        progress("  tcp: no gso-bench at %s" % path)
        return None
    argv = [path, "-l", str(cpu), "--no-huge", "-m", "256", "--no-pci",
            "--no-shconf", "--no-telemetry", "--file-prefix",
            ctx.prefix("gsob"), "--log-level", "lib.eal:error", "--", "1"]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=120, stdin=subprocess.DEVNULL)
    out = r.stdout.decode(errors="replace").splitlines()
    return out if r.returncode == 0 else None


def phase_tcp(ctx, names, cycles, window):
    """@p cycles turns of a @p window per system; one record per window,
    and one with gso-bench's lines."""
    recs = []
    bound = len(names) * 90 + cycles * len(names) * (window + 3) + 60
    deadline = time.monotonic() + bound
    progress("phase tcp: %d cycles x %d systems, %.1f s windows, bounded to "
             "%.0f s" % (cycles, len(names), window, bound))
    setups = start_setups(ctx, names)
    try:
        live = list(setups)
        for k in range(cycles):
            if time.monotonic() > deadline or not live:
                break
            got = {}
            for s in live[k % len(live):] + live[:k % len(live)]:
                rec = {"phase": "tcp", "system": s.name, "cycle": k,
                       "foreign_before": ctx.foreign_procs(),
                       "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
                rec["quiet"] = not rec["foreign_before"]
                try:
                    gbps, cpb, dt, c0, c1 = one_window(ctx, s, window)
                except (BenchError, OSError, subprocess.SubprocessError) as e:
                    rec.update(ok=False, error=str(e)[-2000:])
                    live.remove(s)
                    recs.append(rec)
                    continue
                if gbps == 0:
                    rec.update(ok=False, error="no traffic: the loop did "
                               "not start (see the switch's log)")
                    live.remove(s)
                    recs.append(rec)
                    progress("  tcp %s: FAILED: no traffic" % s.name)
                    continue
                rec.update(ok=True, gbps=gbps, switch_cycles_per_byte=cpb,
                           window_s=dt, c2c_ns_before=c0, c2c_ns_after=c1)
                recs.append(rec)
                got[s.name] = gbps
            progress("  tcp cycle %d/%d: %s" % (k + 1, cycles, "  ".join(
                "%s %.2f Gbit/s" % (n, v) for n, v in got.items())))
    finally:
        for s in setups:
            s.stop()
    helper, pmd_cpus, gen_cpus = ctx.layout(1, 1, 1)
    lines = gso_bench(ctx, pmd_cpus[0])
    recs.append({"phase": "gso-bench", "ok": lines is not None,
                 "lines": lines or []})
    return recs


def tcp_summary(recs):
    """Per system: windows, Gbit/s median/min/max, the median of the
    per-cycle ratios to REF, the switch's busy cycles per byte."""
    ok = [r for r in recs if r.get("phase") == "tcp" and r.get("ok")]
    by_cycle = {}
    for r in ok:
        by_cycle.setdefault(r["cycle"], {})[r["system"]] = r["gbps"]
    rows = []
    for name in TCP_SYSTEMS:
        g = [r["gbps"] for r in ok if r["system"] == name]
        if not g:
            continue
        ratios = [c[name] / c[REF] for c in by_cycle.values()
                  if name in c and c.get(REF)]
        cpb = [r["switch_cycles_per_byte"] for r in ok
               if r["system"] == name and r.get("switch_cycles_per_byte")]
        rows.append({"system": name, "label": TCP_SYSTEMS[name][3],
                     "windows": len(g), "gbps": median(g), "min": min(g),
                     "max": max(g), "ratio": median(ratios),
                     "ratio_q1": percentile(ratios, 25) if ratios else None,
                     "ratio_q3": percentile(ratios, 75) if ratios else None,
                     "cycles_per_byte": median(cpb)})
    return rows


def tcp_table(recs, md=False):
    """The phase's table (text, or Markdown), and gso-bench's lines."""
    rows = tcp_summary(recs)
    if not rows:
        return ""
    out = []
    if md:
        out.append("| system | windows | Gbit/s median | min..max | ratio "
                   "to offload (per cycle) | switch busy cycles/byte |")
        out.append("|---|---|---|---|---|---|")
    else:
        out.append("tcp: VM-to-VM TCP through the switch, 64 KB frames "
                   "circulating between two guests; Gbit/s of L2 bytes "
                   "received by both guests")
        out.append("  %-42s %4s %8s %15s %18s %10s" % (
            "system", "n", "Gbit/s", "min..max", "ratio (quartiles)",
            "cyc/byte"))
    for r in rows:
        cpb = "%.3f" % r["cycles_per_byte"] if r["cycles_per_byte"] \
            else "-"
        q = "%.2f (%.2f..%.2f)" % (r["ratio"], r["ratio_q1"], r["ratio_q3"]) \
            if r["ratio"] is not None else "-"
        if md:
            out.append("| %s | %d | %.2f | %.2f..%.2f | %s | %s |" % (
                r["label"], r["windows"], r["gbps"], r["min"], r["max"], q,
                cpb))
        else:
            out.append("  %-42s %4d %8.2f %7.2f..%-7.2f %18s %10s" % (
                r["label"], r["windows"], r["gbps"], r["min"], r["max"], q,
                cpb))
    for r in recs:
        if r.get("phase") == "gso-bench" and r.get("lines"):
            out.append("")
            out += ["    " + x for x in r["lines"]] if md else r["lines"]
    return "\n".join(out) + "\n"
