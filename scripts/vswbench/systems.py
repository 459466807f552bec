# SPDX-License-Identifier: BSD-3-Clause
"""Systems under test (vuswitch, testpmd net_vhost, OVS-DPDK) and the
generator."""

import os
import re
import statistics
import subprocess
import tempfile

from .common import (GEN_QUEUE_SIZE, TXFIRST_BURSTS, VARIANTS, BenchError,
                     progress, wait_for)
from .host import runtime_dir
from .procs import Proc, Testpmd


def lcores(helper, cpus):
    """EAL --lcores: lcore 0 on @p helper, lcores 1.. on @p cpus."""
    s = ["0@%d" % helper]
    s += ["%d@%d" % (i + 1, c) for i, c in enumerate(cpus)]
    return ",".join(s)


class System:
    name = "?"

    def __init__(self, ctx, nports, npmd, cpus, tag):
        self.ctx = ctx
        self.nports = nports
        self.npmd = npmd
        self.helper, self.pmd_cpus = cpus
        self.dir = tempfile.mkdtemp(prefix=tag + "-", dir=ctx.tmp)
        self.socks = [os.path.join(self.dir, "p%d.sock" % i)
                      for i in range(nports)]
        self.procs = []

    def lcores(self):
        return lcores(self.helper, self.pmd_cpus)

    def start(self):
        raise NotImplementedError

    def ready(self, timeout=30):
        pass

    def go(self):
        pass

    def snapshot(self):
        return {}

    def finish(self):
        return {}

    def stop(self):
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception as e:
                self.ctx.log("stop %s: %s" % (p.name, e))


def port_state(entry):
    """A port's state in /vuswitch/ports: an entry with "state" (runtime
    ports), or the state string itself (builds before them, measured
    with --build-b)."""
    return entry.get("state") if isinstance(entry, dict) else entry


class Vuswitch(System):
    def __init__(self, ctx, nports, npmd, cpus, mode, extra=(), binary=None):
        super().__init__(ctx, nports, npmd, cpus, "vsw")
        self.mode = mode
        self.name = mode
        self.extra = list(extra)
        self.tel = None
        self.binary = binary or ctx.vuswitch

    def start(self):
        c = self.ctx
        self.prefix = c.prefix("vsw")
        argv = [self.binary, "--lcores", self.lcores(), "--no-huge",
                "-m", "512", "--no-pci", "--file-prefix", self.prefix,
                "--log-level", "lib.vhost.config:warning"] + c.eal_extra
        argv += ["--"] + self.port_args()
        argv += ["--mode", self.mode] + self.extra
        self.proc = Proc(c, self.proc_name(), argv)
        self.procs.append(self.proc)
        self.proc.expect_log(r"press Ctrl-C to stop", 30)
        path = os.path.join(runtime_dir(self.prefix), c.ctl.TELEMETRY_SOCK)
        wait_for(lambda: os.path.exists(path), 10, "vuswitch telemetry")
        self.tel = c.ctl.Telemetry(path)

    def port_args(self):
        """The --port options, one a socket."""
        return [a for s in self.socks for a in ("--port", s)]

    def proc_name(self):
        return "vuswitch-" + self.mode

    def cmd(self, command, params=None):
        return self.tel.cmd(command, params)

    def ready(self, timeout=30, nports=None):
        n = self.nports if nports is None else nports

        def up():
            st = self.cmd("/vuswitch/ports") or {}
            return all(port_state(st.get(str(i))) == "running"
                       for i in range(n))
        wait_for(up, timeout, "every vuswitch port to be running", 0.1)

    def snapshot(self):
        s = {"pmd": [], "ports": []}
        for k in range(self.npmd):
            s["pmd"].append(self.cmd("/vuswitch/pmd", str(k)))
        for i in range(self.nports):
            s["ports"].append(self.cmd("/vuswitch/port", str(i)))
        return s

    def stop(self):
        if self.tel is not None:
            try:
                self.tel.close()
            except OSError:
                pass
            self.tel = None
        super().stop()


class TestpmdVhost(System):
    name = "testpmd"

    def start(self):
        c = self.ctx
        prefix = c.prefix("tpv")
        argv = [c.testpmd, "--lcores", self.lcores(), "--no-pci",
                "--no-huge", "-m", "512", "--file-prefix", prefix,
                "--log-level", "lib.vhost.config:warning"] + c.eal_extra
        for i, s in enumerate(self.socks):
            argv += ["--vdev", "net_vhost%d,iface=%s,queues=1" % (i, s)]
        argv += ["--", "-i", "--nb-cores=%d" % self.npmd,
                 "--total-num-mbufs=%d" % (16384 + 4096 * self.nports),
                 "--no-lsc-interrupt", "--record-core-cycles",
                 "--disable-link-check"]
        self.tp = Testpmd(c, "testpmd-vhost", argv)
        self.procs.append(self.tp)

    def ready(self, timeout=30):
        wait_for(lambda: self.tp.links_up(self.nports), timeout,
                 "net_vhost links up", 0.2)

    def go(self):
        self.tp.cmd("set fwd io")
        self.tp.cmd("start")

    def snapshot(self):
        return {"ports": self.tp.port_stats()}

    def finish(self):
        cpp, dropped = self.tp.halt()
        return {"switch_own_cycles_per_pkt": cpp,
                "switch_fwd_dropped": dropped}


class Ovs(System):
    name = "ovs"

    def start(self):
        d = self.dir
        self.env = {"OVS_RUNDIR": d, "OVS_DBDIR": d, "OVS_LOGDIR": d,
                    "OVS_SYSCONFDIR": d, "OVS_PKGDATADIR": d}
        self.db = "unix:" + os.path.join(d, "db.sock")
        self.vsctl_base = [self.ctx.ovs["ovs-vsctl"], "--db=" + self.db,
                           "--timeout=20"]
        self.appctl = os.path.join(d, "ovs-vswitchd.ctl")
        self.start_ovsdb()
        self.configure()
        self.start_vswitchd()
        self.add_ports()
        self.pin_threads()

    def start_ovsdb(self):
        c = self.ctx
        o = c.ovs
        d = self.dir
        conf = os.path.join(d, "conf.db")
        self.run([o["ovsdb-tool"], "create", conf, o["schema"]])
        self.dbp = Proc(c, "ovsdb-server", [
            o["ovsdb-server"], conf,
            "--remote=punix:" + os.path.join(d, "db.sock"),
            "--unixctl=" + os.path.join(d, "ovsdb-server.ctl"),
            "--pidfile=" + os.path.join(d, "ovsdb-server.pid"),
            "--log-file=" + os.path.join(d, "ovsdb-server.log")],
            env=self.env)
        self.procs.append(self.dbp)
        wait_for(lambda: os.path.exists(os.path.join(d, "db.sock")), 20,
                 "ovsdb-server socket")

    def configure(self):
        c = self.ctx
        prefix = c.prefix("ovs")
        # per-port-memory: one mempool of ~10k mbufs per port (8 ports
        # need more than 512 MB).
        mem = 512 if self.nports <= 4 else 1024
        extra = ["--no-pci", "--no-huge", "-m", str(mem), "--legacy-mem",
                 "--file-prefix=" + prefix] + c.eal_extra
        mask = sum(1 << cpu for cpu in self.pmd_cpus)
        self.vsctl("--no-wait", "init")
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:dpdk-init=true",
                   "other_config:dpdk-extra=%s" % " ".join(extra),
                   "other_config:per-port-memory=true",
                   "other_config:dpdk-lcore-mask=0x%x" % (1 << self.helper),
                   "other_config:pmd-cpu-mask=0x%x" % mask,
                   "other_config:vhost-iommu-support=false")

    def start_vswitchd(self):
        d = self.dir
        self.sw = Proc(self.ctx, "ovs-vswitchd", [
            self.ctx.ovs["vswitchd"], self.db,
            "--unixctl=" + self.appctl,
            "--pidfile=" + os.path.join(d, "ovs-vswitchd.pid"),
            "--log-file=" + os.path.join(d, "ovs-vswitchd.log"),
            "-vconsole:warn"], env=self.env)
        self.procs.append(self.sw)
        wait_for(lambda: os.path.exists(self.appctl), 60,
                 "ovs-vswitchd control socket")

    def add_bridge(self):
        self.vsctl("add-br", "br0", "--", "set", "bridge", "br0",
                   "datapath_type=netdev")

    def add_ports(self):
        self.add_bridge()
        for i in range(self.nports):
            self.vsctl("add-port", "br0", "vhu%d" % i, "--", "set",
                       "Interface", "vhu%d" % i, "type=dpdkvhostuser",
                       "ofport_request=%d" % (i + 1))
        self.socks = [os.path.join(self.dir, "vhu%d" % i)
                      for i in range(self.nports)]
        wait_for(lambda: all(os.path.exists(s) for s in self.socks), 30,
                 "OVS vhost-user sockets")

    def pin_threads(self):
        """Keep every thread but the PMDs on the helper CPU."""
        base = "/proc/%d/task" % self.sw.pid
        for tid in os.listdir(base):
            try:
                with open(os.path.join(base, tid, "comm")) as f:
                    comm = f.read().strip()
                if not comm.startswith("pmd"):
                    os.sched_setaffinity(int(tid), {self.helper})
            except OSError:
                pass

    def run(self, argv, timeout=30):
        env = dict(os.environ)
        env.update(self.ctx.env)
        env.update(getattr(self, "env", {}))
        r = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout,
                           stdin=subprocess.DEVNULL, env=env)
        out = r.stdout.decode(errors="replace")
        self.ctx.log("run %s -> %d %s" % (" ".join(argv), r.returncode,
                                          out.strip()[:300]))
        if r.returncode != 0:
            raise BenchError("%s failed (%d): %s" % (argv[0], r.returncode,
                                                     out.strip()[-500:]))
        return out

    def vsctl(self, *a):
        return self.run(self.vsctl_base + list(a))

    def appctl_cmd(self, *a):
        return self.run([self.ctx.ovs["ovs-appctl"], "-t", self.appctl] +
                        list(a))

    def ready(self, timeout=30):
        def up():
            out = self.vsctl("--columns=name,link_state", "list",
                             "Interface")
            return out.count('"up"') + out.count(": up") >= self.nports
        wait_for(up, timeout, "OVS vhost-user links up", 0.5)
        self.pin_threads()

    def go(self):
        self.appctl_cmd("dpif-netdev/pmd-stats-clear")

    def finish(self):
        out = self.appctl_cmd("dpif-netdev/pmd-stats-show")
        r = {}
        m = re.findall(r"avg processing cycles per packet:\s*([\d.]+)", out)
        if m:
            r["switch_own_cycles_per_pkt"] = statistics.mean(
                float(x) for x in m)
        m = re.findall(r"processing cycles:\s*\d+\s*\(([\d.]+)%\)", out)
        if m:
            r["switch_busy_pct"] = statistics.mean(float(x) for x in m)
        m = re.findall(r"(megaflow|emc|smc) hits:\s*(\d+)", out, re.I)
        if m:
            r["ovs_hits"] = {k.lower(): int(v) for k, v in m}
        r["ovs_pmd_stats"] = out[-3000:]
        return r


class OvsUserspaceTso(Ovs):
    """OVS with userspace TSO (other_config:userspace-tso-enable=true).
    OVS 3.1 offers TSO only on dpdkvhostuserclient ports, whose peers
    listen (add_client_ports)."""
    name = "ovs-tso"

    def configure(self):
        super().configure()
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:userspace-tso-enable=true")

    def add_client_ports(self, n):
        """Bridge br0 with @p n dpdkvhostuserclient ports vhu0.. (OpenFlow
        ports 1..) on the sockets g0.sock.. that their peers listen on;
        the sockets' paths."""
        self.add_bridge()
        socks = [os.path.join(self.dir, "g%d.sock" % i) for i in range(n)]
        for i, s in enumerate(socks):
            self.vsctl("add-port", "br0", "vhu%d" % i, "--", "set",
                       "Interface", "vhu%d" % i, "type=dpdkvhostuserclient",
                       "options:vhost-server-path=%s" % s,
                       "ofport_request=%d" % (i + 1))
        return socks


class CapturingVuswitch(Vuswitch):
    """vuswitch learn with a capture of port 0, both ways, running: every
    frame of a 2-port loop is copied once. Into /dev/null: the cost of the
    copies and of the writer thread, not of a disk."""

    def start(self):
        super().start()
        r = self.cmd("/vuswitch/capture", "port=0 dir=both file=/dev/null")
        if not isinstance(r, dict) or r.get("result") != 0:
            raise BenchError("cannot start the capture: %s" % r)
        self.name = "learn-cap"

    def snapshot(self):
        s = super().snapshot()
        s["captures"] = self.cmd("/vuswitch/captures")
        return s

    def stop(self):
        """Say how much of the traffic the capture took and wrote."""
        try:
            st = (self.cmd("/vuswitch/captures") or {}).get("capture_0", {})
            rx = sum(self.cmd("/vuswitch/port", str(i))["rx_packets"]
                     for i in range(self.nports))
            self.ctx.log("capture: %d frames through the switch; the "
                         "capture took %d, left out %d (ring full), wrote "
                         "%d" % (rx, st.get("copied", 0),
                                 st.get("dropped_ring_full", 0),
                                 st.get("written", 0)))
            progress("  learn-cap: of %d frames through the switch, the "
                     "capture took %.1f%% and wrote %.1f%%"
                     % (rx, 100.0 * st.get("copied", 0) / max(1, rx),
                        100.0 * st.get("written", 0) / max(1, rx)))
        except (OSError, ValueError, TypeError, KeyError):
            pass
        super().stop()


def make_system(ctx, name, nports, npmd, cpus, extra=()):
    if name in ("learn", "xconnect"):
        return Vuswitch(ctx, nports, npmd, cpus, name, extra)
    if name == "learn-cap":
        return CapturingVuswitch(ctx, nports, npmd, cpus, "learn", extra)
    if name in VARIANTS:
        s = Vuswitch(ctx, nports, npmd, cpus, "learn",
                     list(extra) + VARIANTS[name])
        s.name = name
        return s
    if name in ("learn-b", "xconnect-b"):
        return Vuswitch(ctx, nports, npmd, cpus, name[:-2], extra,
                        ctx.vuswitch_b)
    if name == "testpmd":
        return TestpmdVhost(ctx, nports, npmd, cpus, "tpv")
    if name == "ovs":
        return Ovs(ctx, nports, npmd, cpus, "ovs")
    raise BenchError("unknown system " + name)


# --------------------------------------------------------------------------
# The generator


def vm_mac(i):
    """Generator port i's MAC; vucheck's VMs use 02:00:00:00:0a:0x."""
    return "02:00:00:00:%02x:%02x" % ((i + 1) >> 8, (i + 1) & 0xff)


VUCHECK_MAC = "02:00:00:00:0a:01"
VUCHECK_PEER_MAC = "02:00:00:00:0a:02"


def generator_eal(ctx, helper, cores, tag="gen", mem=512):
    """The start of a generator testpmd's command line: the binary and its
    EAL options (lcore 0 on @p helper, the forwarding lcores on @p cores,
    @p mem MB without hugepages, a fresh --file-prefix from @p tag)."""
    return [ctx.testpmd, "--lcores", lcores(helper, cores), "--no-pci",
            "--no-huge", "-m", str(mem), "--single-file-segments",
            "--file-prefix", ctx.prefix(tag),
            "--log-level", "pmd.net.virtio.*:warning"] + ctx.eal_extra


class Generator:
    """One testpmd with a net_virtio_user port per switch port.

    Forwarding: --gen-fwd (io by default) when the generator owns both
    ports of a 2-port switch, "mac" otherwise. An io port forwards every
    frame it receives unchanged, so on a switch with other stations it
    bridges: a frame flooded to it re-enters the switch on its pair's
    port with a foreign source address, the switch learns that station
    there, and the two VMs become an L2 loop. "mac" rewrites both
    addresses of every frame, so nothing foreign comes back."""

    def __init__(self, ctx, socks, helper, cores, nice=0, alone=True,
                 devargs=""):
        self.ctx = ctx
        self.n = len(socks)
        self.fwd = ctx.args.gen_fwd if alone and self.n == 2 else "mac"
        argv = generator_eal(ctx, helper, cores)
        extra = ",".join(x for x in (ctx.args.gen_virtio, devargs) if x)
        for i, s in enumerate(socks):
            argv += ["--vdev", "net_virtio_user%d,path=%s,queues=1,"
                     "queue_size=%d,mac=%s%s" % (i, s, GEN_QUEUE_SIZE,
                                                 vm_mac(i),
                                                 "," + extra if extra
                                                 else "")]
        argv += ["--", "-i", "--nb-cores=%d" % len(cores),
                 "--rxd=%d" % GEN_QUEUE_SIZE, "--txd=%d" % GEN_QUEUE_SIZE,
                 "--total-num-mbufs=%d" % (16384 + 4096 * self.n),
                 "--no-lsc-interrupt", "--record-core-cycles",
                 "--burst=%d" % ctx.args.gen_burst]
        for i in range(self.n):
            argv.append("--eth-peer=%d,%s" % (i, vm_mac(i ^ 1)))
        self.tp = Testpmd(ctx, "generator", argv, nice=nice)

    def wait_links(self, timeout=30):
        wait_for(lambda: self.tp.links_up(self.n), timeout,
                 "generator links up", 0.2)

    def go(self, size):
        self.tp.cmd("set fwd %s" % self.fwd)
        self.tp.cmd("set txpkts %d" % size)
        self.tp.cmd("start tx_first %d" % TXFIRST_BURSTS)

    def stats(self):
        return self.tp.port_stats()

    def halt(self):
        return self.tp.halt()

    def stop(self):
        self.tp.stop()
