# SPDX-License-Identifier: BSD-3-Clause
"""Integration-test harness: real vuswitch and dpdk-testpmd "VMs".

Every process gets a unique --file-prefix and lives in a temporary socket
directory; every process is stopped by PID at the end, whatever happens;
every wait has a deadline. Python stdlib only (meson already needs python3).

Exit codes follow meson: 0 pass, 1 fail, 77 skip.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SKIP = 77

# The process layer is shared with scripts/bench.
sys.path.insert(0, os.path.join(SRC, "scripts"))
from vswbench import common, procs  # noqa: E402
from vswbench.host import runtime_dir  # noqa: E402
import vhu_fe  # noqa: E402  (this folder)

ctl = procs.load_ctl()

# A sanitizer's report (ASan, LSan, UBSan) in the output of a process a
# test started fails the test, even where that process then exited as
# the test expected (see docs/testing.md).
SANITIZER_REPORT = re.compile(
    r"ERROR: (?:Address|Leak|Memory|Thread)Sanitizer|runtime error: |"
    r"SUMMARY: (?:Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer")


def sanitizer_report(text, limit=8000):
    """The first sanitizer report in text (from the start of its line),
    or None."""
    m = SANITIZER_REPORT.search(text)
    if not m:
        return None
    start = text.rfind("\n", 0, m.start()) + 1
    return text[start:start + limit]


class TestFailure(Exception):
    pass


def log(msg):
    print("[%7.2f] %s" % (time.monotonic() - _T0, msg), flush=True)


_T0 = time.monotonic()


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)
    log("ok: " + msg)


def wait_for(pred, timeout, what, interval=0.1):
    """Poll pred() until it returns a true value or timeout seconds pass."""
    return common.wait_for(pred, timeout, what, interval, error=TestFailure)


def find_binary(env_name, build_rel, fallback=None):
    p = os.environ.get(env_name)
    if p and os.access(p, os.X_OK):
        return p
    build = os.environ.get("VSW_BUILD", os.path.join(SRC, "build"))
    p = os.path.join(build, build_rel)
    if os.access(p, os.X_OK):
        return p
    if fallback:
        return shutil.which(fallback)
    return None


class Proc(procs.ChildProcess):
    """A child process of a test: its log in the test's temporary folder,
    failures raised as TestFailure, stopped by PID at cleanup."""

    Error = TestFailure

    def __init__(self, env, name, argv, interactive=False):
        self.env = env
        self.stopped = False   # stop() was called, by the test or cleanup
        super().__init__(name, argv, os.path.join(env.dir, name + ".log"),
                         interactive=interactive, log=log)
        env.procs.append(self)

    def stop(self, sig=signal.SIGINT, timeout=15):
        self.stopped = True
        return super().stop(sig, timeout)


class Testpmd(procs.TestpmdPrompt, Proc):
    """Any dpdk-testpmd of a test, driven through its prompt (cmd())."""

    def __init__(self, env, name, argv):
        super().__init__(env, name, argv, interactive=True)


class Switch(Proc):
    """A vuswitch process. PMD on CPU 1; main and control threads on CPU 0."""

    def __init__(self, env, ports, args=(), lcores="0@0,1@1", name="vuswitch",
                 wait_ready=True, mem=512, netns=None):
        self.prefix = env.prefix(name)
        self.ports = list(ports)
        # In a network namespace (a NetNs), the taps it makes are there.
        argv = netns.prefix() if netns else []
        argv += [env.vuswitch, "--lcores", lcores, "--no-huge", "-m", str(mem),
                 "--no-pci", "--file-prefix", self.prefix,
                 "--log-level", "lib.vhost.config:warning", "--"]
        for p in self.ports:
            argv += ["--port", p]
        argv += list(args)
        super().__init__(env, name, argv)
        self._tel = None
        if wait_ready:
            self.expect_log(r"press Ctrl-C to stop", 30)

    def tel(self, cmd, params=None):
        if self._tel is None:
            path = os.path.join(runtime_dir(self.prefix), ctl.TELEMETRY_SOCK)
            wait_for(lambda: os.path.exists(path), 10, "telemetry socket")
            self._tel = ctl.Telemetry(path)
        return self._tel.cmd(cmd, params)

    def tel_ok(self, cmd, params=None):
        """tel(), and a TestFailure unless the answer has result 0."""
        r = self.tel(cmd, params)
        if not isinstance(r, dict) or r.get("result") != 0:
            raise TestFailure("%s,%s failed: %s" % (cmd, params, r))
        return r

    def port(self, p):
        return self.tel("/vuswitch/port", str(p))

    def pages(self, cmd):
        """Every page of a paged list (/vuswitch/ports, pmd_rxq_show):
        the pages' entries merged, without their "next" keys."""
        out, start = {}, 0
        for _ in range(1000):
            page = self.tel(cmd, str(start))
            nxt = page.pop("next", None)
            out.update(page)
            if nxt is None:
                return out
            start = nxt
        raise TestFailure("%s: more than 1000 pages" % cmd)

    def state(self, p):
        return self.port(p)["state"]

    def wait_state(self, p, state, timeout=20):
        wait_for(lambda: self.state(p) == state, timeout,
                 "port %s to be %s" % (p, state))

    def suspend(self, p):
        return self.tel("/vuswitch/suspend", str(p))

    def resume(self, p):
        return self.tel("/vuswitch/resume", str(p))

    def rt_threads(self):
        """[(thread name, scheduling policy, rt priority)] of the
        switch's threads that do not have the normal policy."""
        out = []
        task = "/proc/%d/task" % self.pid
        for tid in os.listdir(task):
            try:
                with open(os.path.join(task, tid, "stat")) as f:
                    st = f.read()
            except OSError:
                continue  # the thread ended meanwhile
            comm = st[st.index("(") + 1:st.rindex(")")]
            fields = st[st.rindex(")") + 2:].split()
            # proc(5): rt_priority and policy are fields 40 and 41.
            prio, policy = int(fields[37]), int(fields[38])
            if policy != 0:
                out.append((comm, policy, prio))
        return out

    def stop(self, sig=signal.SIGINT, timeout=30):
        if self._tel is not None:
            try:
                self._tel.close()
            except OSError:
                pass
            self._tel = None
        return super().stop(sig, timeout)


STATS_RX = re.compile(rb"RX-packets:\s*(\d+)")
STATS_TX = re.compile(rb"TX-packets:\s*(\d+)")


class VM(Testpmd):
    """A dpdk-testpmd with one net_virtio_user port, driven interactively.

    By default the VM is a vhost-user client of the switch's socket;
    server=True makes it listen (for the switch's client mode).
    """

    def __init__(self, env, name, sock, mac, queues=1, server=False,
                 cpu=0, extra_vdev="", wait_ready=True, extra_args=(),
                 vdev=None):
        self.prefix = env.prefix(name)
        self.mac = mac
        if vdev is None:   # else another device: a memif peer, say
            vdev = "net_virtio_user0,path=%s,queues=%d,mac=%s" % (
                sock, queues, mac)
            if server:
                vdev += ",server=1"
            if extra_vdev:
                vdev += "," + extra_vdev
        argv = [env.testpmd, "--lcores", "0@%d,1@%d" % (cpu, cpu),
                "--no-pci", "--no-huge", "-m", "256", "--single-file-segments",
                "--file-prefix", self.prefix, "--vdev", vdev,
                "--log-level", "pmd.net.virtio.*:warning", "--",
                "-i", "--total-num-mbufs=8192", "--nb-cores=1",
                "--rxq=%d" % queues, "--txq=%d" % queues,
                "--no-lsc-interrupt"] + list(extra_args)
        super().__init__(env, name, argv)
        if wait_ready:
            self.ready()

    def stats(self):
        out = self.cmd("show port stats 0").encode()
        rx, tx = STATS_RX.search(out), STATS_TX.search(out)
        if not rx or not tx:
            raise TestFailure("%s: cannot parse port stats:\n%s" % (self.name, out))
        return int(rx.group(1)), int(tx.group(1))

    def rx(self):
        return self.stats()[0]

    def tx(self):
        return self.stats()[1]

    def xstat(self, name):
        out = self.cmd("show port xstats 0")
        m = re.search(r"\b%s:\s*(\d+)" % re.escape(name), out)
        return int(m.group(1)) if m else None

    def setup(self, fwd, peer=None):
        self.cmd("set fwd %s" % fwd)
        if peer:
            self.cmd("set eth-peer 0 %s" % peer)

    def start(self, tx_first=None):
        self.cmd("start" if tx_first is None else "start tx_first %d" % tx_first)

    def halt(self):
        """testpmd's 'stop' (forwarding only; the process stays)."""
        return self.cmd("stop")


def topology(env, macs, args=()):
    """A switch with one port per MAC, a testpmd VM on each, every port
    running and every VM receiving (rxonly). Returns (switch, [VMs])."""
    names = [chr(ord("a") + i) for i in range(len(macs))]
    socks = [env.sock(n) for n in names]
    sw = Switch(env, socks, args=args)
    vms = [VM(env, "vm-" + n, s, m) for n, s, m in zip(names, socks, macs)]
    for i, vm in enumerate(vms):
        sw.wait_state(i, "running")
        vm.setup("rxonly")
        vm.start()
    return sw, vms


def stream(sw, env, a_port, b_port, mac_a, mac_b):
    """VMs on ports a_port and b_port (names), A streaming to B (txonly to
    rxonly) once both ports run. Returns (A, B)."""
    a = VM(env, "vm-a", sw.port(a_port)["path"], mac_a)
    b = VM(env, "vm-b", sw.port(b_port)["path"], mac_b)
    sw.wait_state(a_port, "running")
    sw.wait_state(b_port, "running")
    b.setup("rxonly")
    b.start()
    a.setup("txonly", peer=mac_b)
    a.start()
    wait_for(lambda: b.rx() > 1000, 10, "B to receive A's stream")
    return a, b


def stream_for(a, b, seconds):
    """B receiving (rxonly), A streaming to B's MAC (txonly) for @p
    seconds, then halted. Returns the number of frames A sent."""
    b.setup("rxonly")
    b.start()
    a.setup("txonly", peer=b.mac)
    a.start()
    time.sleep(seconds)
    a.halt()
    return a.tx()


def drops(port, kinds):
    """Sum of a switch port's drop counters (telemetry names)."""
    return sum(port["drop_" + k] for k in kinds)


RX_DROPS = ("own_port", "no_dest", "malformed", "bad_offload", "vlan",
            "no_mbuf", "mirror_out")
TX_DROPS = ("ring_full", "suspended", "port_down", "gso_nomem")


def burst(sw, vm, peer, seconds, in_port):
    """VM sends txonly frames to peer for a while; wait until the switch
    has taken them all. Returns the number of frames the VM sent."""
    vm.halt()
    before = vm.tx()
    vm.setup("txonly", peer=peer)
    vm.start()
    time.sleep(seconds)
    vm.halt()
    sent = vm.tx() - before
    base = sw.port(in_port)["rx_packets"]
    # The switch's rx counter only grows; wait until it stops growing.
    last = [base, time.monotonic()]

    def settled():
        cur = sw.port(in_port)["rx_packets"]
        if cur != last[0]:
            last[0], last[1] = cur, time.monotonic()
        return time.monotonic() - last[1] > 0.5
    wait_for(settled, 15, "switch port %d rx to settle" % in_port)
    return sent


def send_counted(sw, vm, dst, seconds, in_port, out_ports):
    """vm sends to dst for a while (see burst). Returns (sent, {port:
    (frames the switch put in that port's ring, frames it dropped for it
    at transmission)}) over the burst."""
    before = {i: sw.port(i) for i in out_ports}
    sent = burst(sw, vm, dst, seconds, in_port)
    out = {}
    for i in out_ports:
        after = sw.port(i)
        out[i] = (after["tx_packets"] - before[i]["tx_packets"],
                  drops(after, TX_DROPS) - drops(before[i], TX_DROPS))
    return sent, out


def delivered(sw, vm, port, timeout=10):
    """Wait until vm has polled every frame the switch put in its ring
    (its RX-packets equal the port's tx_packets: same connection)."""
    wait_for(lambda: vm.rx() == sw.port(port)["tx_packets"], timeout,
             "%s to receive all the switch sent on port %d" % (vm.name, port))


def learn(sw, vm, port, timeout=10):
    """Make the switch learn vm's MAC on port: one burst from the VM."""
    vm.halt()
    vm.setup("rxonly")
    vm.start(tx_first=1)
    wait_for(lambda: vm.mac in sw.tel("/vuswitch/mac").get(str(port), []),
             timeout, "%s learned on port %d" % (vm.mac, port))


class MiniFrontend(vhu_fe.Conn):
    """Just enough of a vhost-user front-end to negotiate features and send
    control messages (no memory, no rings; vhu_fe.Frontend has those).
    For protocol-level tests; failures raise TestFailure."""

    Error = TestFailure
    GET_FEATURES, SET_FEATURES, SET_OWNER = (
        vhu_fe.GET_FEATURES, vhu_fe.SET_FEATURES, vhu_fe.SET_OWNER)
    GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES = (
        vhu_fe.GET_PROTOCOL_FEATURES, vhu_fe.SET_PROTOCOL_FEATURES)
    SUSPEND, RESUME = vhu_fe.SUSPEND, vhu_fe.RESUME
    NEED_REPLY = vhu_fe.FLAG_NEED_REPLY
    F_REPLY_ACK, F_SUSPEND = vhu_fe.PF_REPLY_ACK, vhu_fe.PF_SUSPEND

    def __init__(self, path, timeout=10.0):
        super().__init__(path, timeout)

    def reply_u64(self, req, timeout=None):
        try:
            return super().reply_u64(req, timeout)
        except vhu_fe.FrontendError as e:
            raise TestFailure(str(e)) from None

    def negotiate(self, protocol_features,
                  features=(1 << vhu_fe.F_VERSION_1)):
        try:
            return super().negotiate(protocol_features, features)
        except vhu_fe.FrontendError as e:
            raise TestFailure(str(e)) from None


def _die_with_parent():
    """In a child, before exec: SIGKILL when the test process dies."""
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class NetNs:
    """A network namespace of a test, held by a `sleep` process that
    unshare(1) started in it, entered with nsenter(1); gone at cleanup
    whatever happens (the holder is killed, and dies with the test
    process anyway), and the interfaces in it with it (or with the
    process that made them). Not `ip netns`: in a chroot (scripts/debroot)
    its mount namespace tricks fail ("mount --make-rslave /")."""

    def __init__(self, env, name):
        self.name = "vsw-%s-%d" % (name, os.getpid())
        self.env = env
        log("new network namespace %s" % self.name)
        self.holder = subprocess.Popen(
            ["unshare", "--net", "sleep", "100000"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        env.netns.append(self)
        mine = os.readlink("/proc/self/ns/net")
        self.path = "/proc/%d/ns/net" % self.holder.pid
        wait_for(lambda: self.holder.poll() is None and
                 os.readlink(self.path) != mine, 5,
                 "network namespace %s" % self.name, 0.01)
        self.ip("link", "set", "lo", "up")

    def prefix(self):
        """What runs a command in the namespace (it execs the command:
        the process keeps its PID)."""
        return ["nsenter", "--net=" + self.path]

    def ip(self, *args, check=True):
        """`ip ARGS` in the namespace; its output."""
        rc, out = self.env.run(self.prefix() + ["ip"] + list(args),
                               timeout=10)
        if check and rc != 0:
            raise TestFailure("ip %s (in %s): %s" % (" ".join(args),
                                                    self.name, out))
        return out

    def run(self, argv, timeout=60):
        """Run a command in the namespace (bounded): (rc, output)."""
        return self.env.run(self.prefix() + list(argv), timeout=timeout)

    def popen(self, argv):
        """Start a command in the namespace; the caller waits for it."""
        log("start in %s: %s" % (self.name, " ".join(argv)))
        return subprocess.Popen(self.prefix() + list(argv),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)

    def delete(self):
        if self.holder.poll() is None:
            self.holder.kill()
        self.holder.wait(timeout=10)


class Env:
    """Temporary directory, unique prefixes, and cleanup of everything."""

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="vsw-%s-" % name)
        self.procs = []
        self.prefixes = []
        self.netns = []
        self.problems = []   # found after the fact: see scan(), cleanup()
        self.vuswitch = find_binary("VUSWITCH", "app/vuswitch/vuswitch")
        self.vucheck = find_binary("VUCHECK", "app/vucheck/vucheck")
        self.testpmd = os.environ.get("TESTPMD") or shutil.which("dpdk-testpmd")

    def sock(self, name):
        return os.path.join(self.dir, name + ".sock")

    def prefix(self, name):
        p = "vsw-%s-%d-%s-%d" % (self.name, os.getpid(), name, len(self.prefixes))
        self.prefixes.append(p)
        return p

    def run(self, argv, timeout=60):
        """Run a command to completion (bounded); return (rc, output)."""
        log("run: " + " ".join(argv))
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        out = r.stdout.decode(errors="replace")
        self.scan(os.path.basename(argv[0]) if argv else "?", out)
        return r.returncode, out

    def scan(self, name, text):
        """Record a sanitizer report in a process's output as a problem."""
        rep = sanitizer_report(text)
        if rep is not None:
            self.problems.append("%s printed a sanitizer report:\n%s"
                                 % (name, rep))

    def cleanup(self):
        """Stop every process and remove what the test left. Returns the
        problems found meanwhile (a test with problems fails): a sanitizer
        report in any process's output; a switch that exited although the
        test had not stopped it; a switch that the cleanup stopped and
        that did not exit 0."""
        for p in reversed(self.procs):
            by_test, died = p.stopped, not p.alive() and not p.stopped
            try:
                rc = p.stop(timeout=15)
            except Exception as e:  # keep cleaning up
                log("cleanup of %s: %s" % (p.name, e))
                rc = None
            if isinstance(p, Switch) and died:
                self.problems.append("%s (pid %d) exited during the test "
                                     "(exit code %s)" % (p.name, p.pid, rc))
            elif isinstance(p, Switch) and not by_test and rc != 0:
                self.problems.append("%s (pid %d) exited with %s when the "
                                     "cleanup stopped it" % (p.name, p.pid, rc))
            self.scan("%s (pid %d)" % (p.name, p.pid), p.output())
        for ns in self.netns:
            ns.delete()
        for pfx in self.prefixes:
            shutil.rmtree(runtime_dir(pfx), ignore_errors=True)
        if os.environ.get("VSW_KEEP_LOGS"):
            log("logs kept in " + self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return self.problems

    def dump_logs(self):
        for p in self.procs:
            print("----- %s (pid %d) log tail -----" % (p.name, p.pid))
            print(p.output()[-3000:])


def main(name, body, need=("vuswitch", "testpmd")):
    """Run body(env) with cleanup; translate the outcome to an exit code."""
    env = Env(name)
    missing = [n for n in need if not getattr(env, n)]
    if missing:
        print("SKIP: missing %s" % ", ".join(missing))
        env.cleanup()
        sys.exit(SKIP)
    rc = 1
    try:
        body(env)
        rc = 0
    except TestFailure as e:
        log("FAIL %s: %s" % (name, e))
        env.dump_logs()
    except Exception:
        traceback.print_exc()
        env.dump_logs()
    finally:
        problems = env.cleanup()
    for p in problems:
        log("FAIL %s: %s" % (name, p))
        rc = 1
    if rc == 0:
        log("PASS " + name)
    sys.exit(rc)
