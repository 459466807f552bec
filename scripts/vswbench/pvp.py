# SPDX-License-Identifier: BSD-3-Clause
"""The pvp phase: physical-virtual-physical through an ethdev port.

The "wire" is a net_memif pair: the switch has eth:net_memif0 (server) and
a vhost-user port; the generator is one testpmd with the other memif end
(its port 0, client) and a net_virtio_user port on the switch's vhost port
(its port 1, the "VM"), forwarding io between them. Frames injected on
each side (tx_first) go round: generator memif -> switch -> vhost -> the
VM side -> the generator forwards them out of memif again, and the other
way, so the switch carries ethdev -> vhost and vhost -> ethdev at once,
as in a PVP test where a VM loops frames back to the wire. (On this
machine the generator and the VM must share one CPU; one process doing
both is the cheapest way.) The rate is the generator's received frames.

Systems, run interleaved like the interleave phase (all started, all but
one frozen, a window each per cycle):

  pvp-learn       vuswitch learn
  pvp-learn-vlan  vuswitch learn, both ports access ports of VLAN 10
  pvp-xconnect    vuswitch xconnect (memif patched to the vhost port)
  pvp-testpmd     testpmd io-fwd between net_memif and net_vhost
  pvp-ovs         OVS-DPDK NORMAL: type=dpdk with the memif server's
                  dpdk-devargs (Debian's OVS loads DPDK's net_memif
                  plugin), and a dpdkvhostuser port

Queue pairs (--pvp-queues, the same on both ports of every system and of
the generator): OVS gives each thread that sends a TX queue of its own,
so its PMD thread sends on memif TX queue 1, which a peer with one queue
pair does not connect: OVS needs two (it moves nothing with one). With
two, the systems spread their frames over the queues differently, so the
comparisons without OVS are made with one (docs/performance.md).
"""

import os
import time

from .common import GEN_QUEUE_SIZE, c2c_states, median, progress, wait_for
from .interleave import Setup, cycle_ratios, cycles_bound, run_case
from .procs import Testpmd
from .systems import Generator, Ovs, System, Vuswitch, generator_eal, vm_mac

PVP_SYSTEMS = ("pvp-learn", "pvp-learn-vlan", "pvp-xconnect", "pvp-testpmd",
               "pvp-ovs")
PVP_REFERENCE = "pvp-testpmd"
PVP_LABELS = {
    "pvp-learn": "vuswitch learn",
    "pvp-learn-vlan": "vuswitch learn, VLAN 10 on both ports",
    "pvp-xconnect": "vuswitch xconnect",
    "pvp-testpmd": "testpmd io (net_memif + net_vhost)",
    "pvp-ovs": "OVS-DPDK NORMAL (dpdk net_memif + dpdkvhostuser)",
}
PVP_COLORS = {"pvp-learn": "#4c72b0", "pvp-learn-vlan": "#dd8452",
              "pvp-xconnect": "#55a868", "pvp-testpmd": "#8c8c8c",
              "pvp-ovs": "#c44e52"}
VLAN_KEYS = ",vlan=10"


def memif_sock(system):
    return os.path.join(system.dir, "wire.sock")


class PvpVuswitch(Vuswitch):
    """vuswitch with eth:net_memif0 (server) as port 0 and a vhost-user
    port 1."""

    def __init__(self, ctx, cpus, name):
        mode = "xconnect" if name == "pvp-xconnect" else "learn"
        super().__init__(ctx, 2, 1, cpus, mode)
        self.name = name
        self.keys = VLAN_KEYS if name == "pvp-learn-vlan" else ""

    def port_args(self):
        q = ",queues=%d" % self.ctx.args.pvp_queues
        return ["--port", "eth:net_memif0,role=server,socket=%s%s%s"
                % (memif_sock(self), q, self.keys),
                "--port", self.socks[1] + q + self.keys]

    def proc_name(self):
        return "vuswitch-" + self.name


class PvpTestpmd(System):
    """testpmd io between net_memif0 (server) and net_vhost0."""

    name = "pvp-testpmd"

    def start(self):
        c = self.ctx
        argv = [c.testpmd, "--lcores", self.lcores(), "--no-pci",
                "--no-huge", "-m", "512", "--file-prefix", c.prefix("tpv"),
                "--log-level", "lib.vhost.config:warning"] + c.eal_extra
        q = c.args.pvp_queues
        argv += ["--vdev", "net_memif0,role=server,socket=%s"
                 % memif_sock(self),
                 "--vdev", "net_vhost0,iface=%s,queues=%d" % (self.socks[1],
                                                             q)]
        argv += ["--", "-i", "--nb-cores=1", "--total-num-mbufs=32768",
                 "--rxq=%d" % q, "--txq=%d" % q,
                 "--no-lsc-interrupt", "--disable-link-check"]
        self.tp = Testpmd(c, "testpmd-pvp", argv)
        self.procs.append(self.tp)

    def ready(self, timeout=30):
        wait_for(lambda: self.tp.links_up(2), timeout, "testpmd links up",
                 0.2)

    def go(self):
        self.tp.cmd("set fwd io")
        self.tp.cmd("start")


class PvpOvs(Ovs):
    """OVS-DPDK, NORMAL flow, with the same wire: a type=dpdk interface
    whose dpdk-devargs are the memif server's (Debian's OVS links
    Debian's shared DPDK, whose EAL loads the net_memif plugin), and a
    dpdkvhostuser port."""

    def __init__(self, ctx, cpus):
        super().__init__(ctx, 2, 1, cpus, "ovs")
        self.name = "pvp-ovs"

    def add_ports(self):
        self.add_bridge()
        self.vsctl("add-port", "br0", "wire", "--", "set", "Interface",
                   "wire", "type=dpdk",
                   "options:dpdk-devargs=net_memif0,role=server,socket=%s"
                   % memif_sock(self),
                   "options:n_rxq=%d" % self.ctx.args.pvp_queues,
                   "ofport_request=1")
        self.vsctl("add-port", "br0", "vhu1", "--", "set", "Interface",
                   "vhu1", "type=dpdkvhostuser", "ofport_request=2")
        self.socks = [None, os.path.join(self.dir, "vhu1")]
        wait_for(lambda: os.path.exists(self.socks[1]), 30,
                 "OVS vhost-user socket")


class PvpGenerator(Generator):
    """One testpmd: port 0 the memif client (the wire), port 1 a
    net_virtio_user on the switch's vhost port (the VM); io between
    them."""

    def __init__(self, ctx, system, helper, cores):
        self.ctx = ctx
        self.n = 2
        self.fwd = "io"
        argv = generator_eal(ctx, helper, cores)
        argv += ["--vdev", "net_memif0,role=client,socket=%s,mac=%s"
                 % (memif_sock(system), vm_mac(0))]
        extra = ctx.args.gen_virtio
        q = ctx.args.pvp_queues
        argv += ["--vdev", "net_virtio_user1,path=%s,queues=%d,queue_size=%d,"
                 "mac=%s%s" % (system.socks[1], q, GEN_QUEUE_SIZE, vm_mac(1),
                               "," + extra if extra else "")]
        argv += ["--", "-i", "--nb-cores=%d" % len(cores),
                 "--rxq=%d" % q, "--txq=%d" % q,
                 "--rxd=%d" % GEN_QUEUE_SIZE, "--txd=%d" % GEN_QUEUE_SIZE,
                 "--total-num-mbufs=32768", "--no-lsc-interrupt",
                 "--burst=%d" % ctx.args.gen_burst,
                 "--eth-peer=0,%s" % vm_mac(1), "--eth-peer=1,%s" % vm_mac(0)]
        self.tp = Testpmd(ctx, "generator-pvp", argv)


class PvpSetup(Setup):
    """One PVP system and its generator, frozen and thawed as the
    interleave phase's."""

    def __init__(self, ctx, name, size):
        super().__init__(ctx, name, 2, size)

    def make_system(self, ctx, name, nports, cpus):
        if name == PVP_REFERENCE:
            return PvpTestpmd(ctx, 2, 1, cpus, "tpv")
        if name == "pvp-ovs":
            return PvpOvs(ctx, cpus)
        return PvpVuswitch(ctx, cpus, name)

    def make_generator(self, ctx, helper, cpus):
        return PvpGenerator(ctx, self.system, helper, cpus)


def phase_pvp(ctx, systems, cycles, window):
    """@p cycles turns of one @p window per PVP system, at every size."""
    a = ctx.args
    recs = []
    bound = cycles_bound(ctx, len(a.sizes), len(systems), cycles, window)
    deadline = time.monotonic() + bound
    progress("phase pvp: %d cycles x %d systems x %d sizes, %.1f s windows,"
             " bounded to %.0f s" % (cycles, len(systems), len(a.sizes),
                                      window, bound))
    for size in a.sizes:
        got = run_case(ctx, systems, lambda name: PvpSetup(ctx, name, size),
                       lambda name: "pvp: %s %dB" % (name, size), (2, size),
                       cycles, window, deadline, phase="pvp")
        for r in got:   # a loop that carries nothing has failed
            if r.get("ok") and not r.get("mpps"):
                r.update(ok=False, error="no frame went round")
        recs += got
    return recs


def pvp_windows(recs):
    """The measured windows of the pvp phase, each marked near/far/mixed
    by its c2c readings (common.c2c_states)."""
    return c2c_states([r for r in recs if r.get("phase") == "pvp" and
                       r.get("ok")])


def pvp_ratios(recs, a, b, size, state=None):
    """Per-cycle ratios mpps(a)/mpps(b) of the pvp phase at @p size; with
    @p state, only cycles whose every window was in that host state."""
    return cycle_ratios([r for r in pvp_windows(recs) if r["size"] == size],
                        a, b, state)


# The ratios a pvp row carries: (key, numerator is the row's system or a
# fixed one, denominator).
PVP_RATIOS = (("testpmd", PVP_REFERENCE), ("ovs", "pvp-ovs"),
              ("learn", "pvp-learn"))


def pvp_summary(recs):
    """One row per (size, system): Mpps (all windows, near, far), and the
    median per-cycle ratios to testpmd io, to OVS and to learn, over all
    cycles and over the cycles wholly in one host state."""
    rows = []
    wins = pvp_windows(recs)
    for size in sorted({r["size"] for r in wins}):
        for name in PVP_SYSTEMS:
            mine = [r for r in wins if r["size"] == size and
                    r["system"] == name]
            if not mine:
                continue
            v = [r["mpps"] for r in mine]
            row = {"phase": "pvp", "size": size, "system": name,
                   "label": PVP_LABELS[name], "n": len(v),
                   "mpps_median": median(v), "mpps_min": min(v),
                   "mpps_max": max(v)}
            for st in ("near", "far"):
                sv = [r["mpps"] for r in mine if r.get("host_state") == st]
                row["n_" + st] = len(sv)
                row["mpps_median_" + st] = median(sv) if sv else None
            for key, ref in PVP_RATIOS:
                if ref == name:
                    continue
                for st in (None, "near", "far"):
                    rr = pvp_ratios(recs, name, ref, size, st)
                    sfx = "" if st is None else "_" + st
                    row["ratio_%s%s" % (key, sfx)] = \
                        median(rr) if rr else None
                    row["n_ratio_%s%s" % (key, sfx)] = len(rr)
            rows.append(row)
    return rows


def fmt_ratio(row, key, st=None):
    sfx = "" if st is None else "_" + st
    v = row.get("ratio_%s%s" % (key, sfx))
    return "-" if v is None else "%.3f (%d)" % (
        v, row["n_ratio_%s%s" % (key, sfx)])


def print_pvp(recs):
    rows = pvp_summary(recs)
    if not rows:
        return
    progress("pvp (memif <-> vhost, interleaved; median per-cycle ratios, "
             "(cycles); near/far: cycles wholly in that host state):")
    for r in rows:
        progress("  %5dB %-52s %6.2f Mpps (%.2f..%.2f, %d windows; near "
                 "%s, far %s)" % (
                     r["size"], r["label"], r["mpps_median"], r["mpps_min"],
                     r["mpps_max"], r["n"],
                     "-" if r["mpps_median_near"] is None else
                     "%.2f" % r["mpps_median_near"],
                     "-" if r["mpps_median_far"] is None else
                     "%.2f" % r["mpps_median_far"]))
        for key, ref in PVP_RATIOS:
            if ref != r["system"] and r.get("n_ratio_" + key):
                progress("         / %-18s all %s  near %s  far %s" % (
                    PVP_LABELS[ref].split(" (")[0], fmt_ratio(r, key),
                    fmt_ratio(r, key, "near"), fmt_ratio(r, key, "far")))


def pvp_markdown(rows):
    """The pvp table of docs/performance.md."""
    if not rows:
        return []
    out = ["", "| frame | system | windows | Mpps median (near / far) | "
           "/ testpmd io: all, near, far (cycles) | / OVS NORMAL: all, near, "
           "far | / learn: all, near, far |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = []
        for key, ref in PVP_RATIOS:
            if ref == r["system"] or not r.get("n_ratio_" + key):
                cells.append("")
                continue
            cells.append("%s, %s, %s" % (fmt_ratio(r, key),
                                         fmt_ratio(r, key, "near"),
                                         fmt_ratio(r, key, "far")))
        out.append("| %d B | %s | %d | %.2f (%s / %s) | %s | %s | %s |" % (
            r["size"], r["label"], r["n"], r["mpps_median"],
            "-" if r["mpps_median_near"] is None else
            "%.2f" % r["mpps_median_near"],
            "-" if r["mpps_median_far"] is None else
            "%.2f" % r["mpps_median_far"], cells[0], cells[1], cells[2]))
    return out
