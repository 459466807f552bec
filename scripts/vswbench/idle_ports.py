# SPDX-License-Identifier: BSD-3-Clause
"""The idle-ports phase: what connected idle ports cost a busy pair.

One vuswitch (learn, 1 PMD lcore) starts with no ports. Two busy ports
(ids 0 and 1) connect to the generator (testpmd net_virtio_user with
server=1: the switch's ports are client=1 ports). Idle ports are added
one at a time with add-port (client=1); for each one a front-end in one
Python process (idle_ports_fe.py: vhu_fe.Frontend) accepts the switch's
connection, negotiates, sends its memory table and sets up and enables
both rings, and then sends nothing. At each count of --idle-ports,
going up and then down again (del-port), the phase measures:

- with the generator stopped: the PMD's TSC cycles per loop iteration
  (every queue polled, all of them empty), hence the cost of one idle
  queue's poll;
- with the generator's closed loop running (64 B, io, as in the
  throughput phase): --idle-ports-windows windows, each classed near/far by
  c2c-probe with everything frozen, of the busy pair's rate (the
  generator's received frames), the PMD's busy cycles per frame and its
  cycles per iteration, and the CPU time of the switch's threads;
- the switch's RSS and open file descriptors;
- how long each add-port (del-port) call took, and how long from the
  add-port call until the front-end had both rings running.

Client ports because of rte_vhost's fdset (lib/vhost/fd_man.h, MAX_FDS
1024 entries): a connected server port takes two (listening socket and
connection), a client port one. On DPDK 22.11 the fdset's own pipe takes
one more, so at most 1023 client ports are connected at once.
"""

import os
import select
import signal
import subprocess
import sys
import time

from .common import SRC, BenchError, c2c_states, fmt, median, percentile, \
    progress, wait_for
from .host import c2c_probe
from .systems import Generator, Vuswitch

BUSY = 2
SETTLE_S = 0.3
IDLE_FE = os.path.join(SRC, "scripts", "vswbench", "idle_ports_fe.py")
UP_TIMEOUT_S = 10.0


class Frontends:
    """The idle front-ends' process (idle_ports_fe.py), driven by lines."""

    def __init__(self, ctx):
        self.name = "idle-ports-fe"
        self.log = open(os.path.join(ctx.tmp, "idle-ports-fe.log"), "wb")
        self.p = subprocess.Popen([sys.executable, IDLE_FE],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.log,
                                  close_fds=True, start_new_session=True)
        self.buf = b""
        self.events = {}
        ctx.procs.append(self)

    @property
    def pid(self):
        return self.p.pid

    def send(self, line):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()

    def pump(self, timeout):
        poll = select.poll()
        poll.register(self.p.stdout.fileno(), select.POLLIN)
        if not poll.poll(max(0, int(timeout * 1000))):
            return
        data = os.read(self.p.stdout.fileno(), 65536)
        if not data:
            raise BenchError("idle front-ends exited (%s)"
                             % self.p.poll())
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            w = line.decode(errors="replace").split(" ", 2)
            if len(w) >= 2:
                self.events[w[1]] = (w[0], w[2] if len(w) > 2 else "")

    def wait(self, path, kinds, timeout):
        """(kind, rest) of @p path's line among @p kinds, or None."""
        end = time.monotonic() + timeout
        while True:
            ev = self.events.get(path)
            if ev and ev[0] in kinds:
                return self.events.pop(path)
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.pump(left)

    def listen(self, path):
        self.send("listen " + path)
        ev = self.wait(path, ("ok", "error"), 10)
        if not ev or ev[0] != "ok":
            raise BenchError("idle front-ends cannot listen on %s: %s"
                             % (path, ev))

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
            except OSError:
                pass
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.p.pid, signal.SIGKILL)
                self.p.wait(10)
        if not self.log.closed:
            self.log.close()
        return self.p.returncode


def proc_status(pid):
    """{VmRSS, RssAnon, RssFile, RssShmem: kB} and open fds of @p pid."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                out[k] = int(v.split()[0])
    out["fds"] = len(os.listdir("/proc/%d/fd" % pid))
    return out


def thread_ticks(pid):
    """{thread name: utime + stime clock ticks} of @p pid's threads (the
    same name twice: summed)."""
    out = {}
    d = "/proc/%d/task" % pid
    for tid in os.listdir(d):
        try:
            with open("%s/%s/stat" % (d, tid)) as f:
                s = f.read()
        except OSError:
            continue
        name = s[s.index("(") + 1:s.rindex(")")]
        v = s[s.rindex(")") + 2:].split()
        out[name] = out.get(name, 0) + int(v[11]) + int(v[12])
    return out


def cpu_split(t0, t1, dt):
    """(PMD thread %, every other thread %, {thread: %}) between two
    thread_ticks(); the PMD lcore's thread is EAL's worker thread
    (lcore-worker-N on 22.11, dpdk-workerN on 24.11)."""
    hz = os.sysconf("SC_CLK_TCK")
    pmd = other = 0
    per = {}
    for name, v in t1.items():
        d = v - t0.get(name, 0)
        per[name] = 100.0 * d / hz / dt
        if "worker" in name:
            pmd += d
        else:
            other += d
    return 100.0 * pmd / hz / dt, 100.0 * other / hz / dt, per


class IdleRun:
    """The switch, the generator, the front-ends and the ports."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.helper, self.pmd_cpus, self.gen_cpus = ctx.layout(1, 1, 1)
        self.sw = Vuswitch(ctx, 0, 1, (self.helper, self.pmd_cpus), "learn")
        self.gen = None
        self.fe = None
        self.idle = []          # [(path, port id)], in the order added
        self.adds = []          # per add-port: (count before, s, up s)
        self.dels = []          # per del-port: (count before, s)

    def start(self):
        self.sw.start()
        self.fe = Frontends(self.ctx)
        busy = [os.path.join(self.sw.dir, "b%d.sock" % i)
                for i in range(BUSY)]
        for p in busy:
            self.add_port(p)
        # testpmd listens (server=1) on each socket in turn and blocks
        # until the switch, which retries about once a second, connects.
        self.gen = Generator(self.ctx, busy, self.helper, self.gen_cpus,
                             devargs="server=1")
        self.gen.wait_links()
        self.sw.ready(nports=BUSY)

    def add_port(self, path):
        r = self.sw.cmd("/vuswitch/add_port", path + ",client=1")
        if not isinstance(r, dict) or r.get("result") != 0:
            raise BenchError("add-port %s: %s" % (path, r))
        return r["id"]

    def add_idle(self, n):
        """Idle ports up to @p n; returns how many came up."""
        while len(self.idle) < n:
            k = len(self.idle)
            path = os.path.join(self.sw.dir, "i%04d.sock" % k)
            self.fe.listen(path)
            t0 = time.monotonic()
            pid = self.add_port(path)
            t1 = time.monotonic()
            ev = self.fe.wait(path, ("up", "fail"), UP_TIMEOUT_S)
            up = None
            if ev and ev[0] == "up":
                up = float(ev[1].split()[1]) - t0
            self.adds.append((k, t1 - t0, up))
            self.idle.append((path, pid, up is not None))
        return sum(1 for p in self.idle if p[2])

    def del_idle(self, n):
        while len(self.idle) > n:
            path, pid, _ = self.idle.pop()
            t0 = time.monotonic()
            r = self.sw.cmd("/vuswitch/del_port", str(pid))
            if not isinstance(r, dict) or r.get("result") != 0:
                raise BenchError("del-port %d: %s" % (pid, r))
            self.dels.append((len(self.idle), time.monotonic() - t0))
        return sum(1 for p in self.idle if p[2])

    def running(self):
        """How many of the switch's ports are running."""
        t = self.sw.tel
        out = self.ctx.ctl.all_pages(t, "/vuswitch/ports",
                                     t.cmd("/vuswitch/ports"))
        return sum(1 for v in out.values()
                   if isinstance(v, dict) and v.get("state") == "running")

    def freeze(self):
        self.gen.tp.freeze()
        self.sw.proc.freeze()

    def thaw(self):
        self.sw.proc.thaw()
        self.gen.tp.thaw()

    def c2c(self):
        """c2c-probe, everything frozen (it is, between windows)."""
        return c2c_probe(self.ctx, self.gen_cpus[0], self.pmd_cpus[0])

    def pmd(self):
        return self.sw.cmd("/vuswitch/pmd", "0")

    def stop(self):
        if self.gen is not None:
            self.gen.tp.thaw()
        if getattr(self.sw, "proc", None) is not None:
            self.sw.proc.thaw()
        for what in (self.gen, self.sw, self.fe):
            if what is None:
                continue
            try:
                what.stop()
            except Exception as e:   # keep stopping the others
                self.ctx.log("idle-ports: stop: %s" % e)


def idle_loop(run, seconds=2.0):
    """With no traffic (the generator stopped and frozen): the PMD's
    cycles per loop iteration (every queue polled, all empty), its
    iterations per second, and the CPU % of the switch's threads other
    than the PMD's."""
    pid = run.sw.proc.pid
    t0, a, c0 = time.monotonic(), run.pmd(), thread_ticks(pid)
    time.sleep(seconds)
    t1, b, c1 = time.monotonic(), run.pmd(), thread_ticks(pid)
    it = b["iterations"] - a["iterations"]
    cyc = (b["busy_cycles"] - a["busy_cycles"] +
           b["idle_cycles"] - a["idle_cycles"])
    return {"idle_cycles_per_iteration": cyc / it if it else None,
            "idle_iterations_per_s": it / (t1 - t0),
            "idle_other_threads_cpu_pct": cpu_split(c0, c1, t1 - t0)[1]}


def gen_rx(run):
    return sum(v[0] for v in run.gen.stats().values())


def one_window(run, seconds):
    """Thaw, settle, measure, freeze: the window's figures."""
    run.thaw()
    try:
        run.gen.tp.sleep(SETTLE_S)
        t0, r0, p0 = time.monotonic(), gen_rx(run), run.pmd()
        c0 = thread_ticks(run.sw.proc.pid)
        run.gen.tp.sleep(seconds)
        t1, r1, p1 = time.monotonic(), gen_rx(run), run.pmd()
        c1 = thread_ticks(run.sw.proc.pid)
    finally:
        run.freeze()
    dt = t1 - t0
    d = {k: p1[k] - p0[k] for k in ("busy_cycles", "idle_cycles",
                                    "iterations", "rx_packets")}
    pmd_pct, other_pct, per = cpu_split(c0, c1, dt)
    return {
        "window_s": dt, "mpps": (r1 - r0) / dt / 1e6,
        "switch_rx_mpps": d["rx_packets"] / dt / 1e6,
        "busy_cycles_per_pkt": d["busy_cycles"] / d["rx_packets"]
        if d["rx_packets"] else None,
        "cycles_per_iteration": (d["busy_cycles"] + d["idle_cycles"]) /
        d["iterations"] if d["iterations"] else None,
        "pkts_per_iteration": d["rx_packets"] / d["iterations"]
        if d["iterations"] else None,
        "busy_pct": 100.0 * d["busy_cycles"] /
        (d["busy_cycles"] + d["idle_cycles"]) if d["iterations"] else None,
        "pmd_cpu_pct": pmd_pct, "other_threads_cpu_pct": other_pct,
        "threads_cpu_pct": per,
    }


def traffic_windows(run, nwin, seconds):
    """The generator's loop, @p nwin windows; each with the c2c reading
    before and after it."""
    run.gen.tp.thaw()
    run.gen.go(64)
    run.gen.tp.sleep(run.ctx.args.warmup)
    run.freeze()
    wins = []
    before = run.c2c()
    for _ in range(nwin):
        w = one_window(run, seconds)
        after = run.c2c()
        w.update(c2c_ns_before=before, c2c_ns_after=after)
        wins.append(w)
        before = after
    run.thaw()
    gen_cpp, _ = run.gen.halt()
    run.gen.tp.freeze()
    return wins, gen_cpp


def measure_point(run, target, direction):
    """Every figure at one idle-port count."""
    ctx = run.ctx
    a = ctx.args
    if direction == "up":
        t0 = len(run.adds)
        connected = run.add_idle(target)
        steps = run.adds[t0:]
    else:
        t0 = len(run.dels)
        connected = run.del_idle(target)
        steps = run.dels[t0:]
    rec = {"phase": "idle-ports", "direction": direction, "idle_asked": target,
           "idle_connected": connected, "time":
           time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    rec["running"] = wait_running(run, BUSY + connected)
    rec["step_calls"] = len(steps)
    rec["calls"] = [list(s) for s in steps]
    rec.update(step_times(steps, direction))
    # rte_vhost's "failed to add fd N into vhost server fdset" (22.11)
    # or "failed to insert fdset entry" (24.11): the fdset is full.
    rec["fdset_errors"] = sum(1 for line in run.sw.proc.output().split(
        "\n") if "fdset" in line and "fail" in line)
    rec["pmd_polls"] = run.pmd().get("polls")
    rec.update(idle_loop(run))
    rec["switch_mem"] = proc_status(run.sw.proc.pid)
    rec["frontends_mem"] = proc_status(run.fe.pid)
    rec["windows"], rec["gen_cycles_per_pkt"] = traffic_windows(
        run, a.idle_ports_windows, a.idle_ports_window)
    rec["switch_mem_after"] = proc_status(run.sw.proc.pid)
    rec["ok"] = True
    return rec


def wait_running(run, want):
    """Ports running (bounded wait for @p want of them)."""
    n = [0]

    def enough():
        n[0] = run.running()
        return n[0] >= want
    try:
        wait_for(enough, 20, "%d ports running" % want, 0.5)
    except BenchError:
        progress("  idle-ports: only %d of %d ports running" % (n[0], want))
    return n[0]


def step_times(steps, direction):
    """add-port (del-port) call times of one step, and add-port to
    running, in ms."""
    if not steps:
        return {}
    calls = [1e3 * s[1] for s in steps]
    out = {"call_ms_median": median(calls),
           "call_ms_p90": percentile(calls, 90), "call_ms_max": max(calls)}
    if direction == "up":
        ups = [1e3 * s[2] for s in steps if s[2] is not None]
        out["failed"] = sum(1 for s in steps if s[2] is None)
        if ups:
            out.update(up_ms_median=median(ups),
                       up_ms_p90=percentile(ups, 90), up_ms_max=max(ups))
    return out


def phase_idle_ports(ctx):
    """The idle-ports phase: --idle-ports up, then down again."""
    a = ctx.args
    counts = sorted(set(a.idle_ports))
    plan = [(n, "up") for n in counts] + \
        [(n, "down") for n in reversed(counts[:-1])]
    bound = 120 + len(plan) * (a.warmup + a.idle_ports_windows *
                               (a.idle_ports_window + 1) + 10) + \
        2 * max(counts) * 0.2
    progress("phase idle-ports: %s idle ports up and down, %d windows of %.1f s "
             "each, bounded to %.0f s" % (",".join(map(str, counts)),
                                          a.idle_ports_windows, a.idle_ports_window,
                                          bound))
    deadline = time.monotonic() + bound
    run = IdleRun(ctx)
    recs = []
    try:
        run.start()
        run.gen.tp.freeze()
        for n, direction in plan:
            if time.monotonic() > deadline:
                progress("phase idle-ports: time budget spent; skipping the rest")
                break
            rec = measure_point(run, n, direction)
            recs.append(rec)
            progress("  idle-ports %-4s %4d (%d connected): %s"
                     % (direction, n, rec["idle_connected"],
                        point_line(rec)))
    except (BenchError, OSError, subprocess.SubprocessError) as e:
        recs.append({"phase": "idle-ports", "ok": False, "error": str(e)[-2000:]})
        progress("  idle-ports: FAILED: %s" % str(e).splitlines()[0])
    finally:
        run.stop()
    classify(recs)
    return recs



def classify(recs):
    """Each window near/far/mixed (common.c2c_states over the run), and
    each point's medians: all windows, near ones, far ones."""
    wins = [w for r in recs if r.get("ok") for w in r["windows"]]
    c2c_states(wins)
    for r in recs:
        if not r.get("ok"):
            continue
        for state in (None, "near", "far"):
            ws = [w for w in r["windows"]
                  if state is None or w.get("host_state") == state]
            key = "all" if state is None else state
            r[key] = {"windows": len(ws)}
            for k in ("mpps", "busy_cycles_per_pkt", "cycles_per_iteration",
                      "pkts_per_iteration"):
                v = [w[k] for w in ws if w.get(k) is not None]
                r[key][k] = median(v)
            for k in ("other_threads_cpu_pct", "pmd_cpu_pct"):
                v = [w[k] for w in ws if w.get(k) is not None]
                r[key][k] = sum(v) / len(v) if v else None
    base = [r for r in recs if r.get("ok") and r["idle_connected"] == 0 and
            r["direction"] == "up"]
    cpi0 = base[0]["idle_cycles_per_iteration"] if base else None
    for r in recs:
        n, cpi = r.get("idle_connected"), r.get("idle_cycles_per_iteration")
        r["cycles_per_idle_queue"] = (cpi - cpi0) / n \
            if n and cpi is not None and cpi0 is not None else None


def point_line(r):
    m = r.get("switch_mem", {})
    return ("idle loop %s cyc/iter; busy pair %s Mpps (windows: %s), "
            "%s busy cyc/pkt; RSS %s MB, %s fds; other threads %s %% CPU; "
            "%s %s ms median, %s max" % (
                fmt(r["idle_cycles_per_iteration"]),
                fmt(median([w["mpps"] for w in r["windows"]]), "%.2f"),
                " ".join("%.2f" % w["mpps"] for w in r["windows"]),
                fmt(median([w["busy_cycles_per_pkt"] for w in r["windows"]
                            if w["busy_cycles_per_pkt"]])),
                fmt(m.get("VmRSS", 0) / 1024.0, "%.1f"), m.get("fds"),
                fmt(median([w["other_threads_cpu_pct"]
                            for w in r["windows"]]), "%.1f"),
                "add-port" if r["direction"] == "up" else "del-port",
                fmt(r.get("call_ms_median"), "%.1f"),
                fmt(r.get("call_ms_max"), "%.1f")))


IDLE_COLUMNS = (
    ("idle ports", lambda r: "%d%s" % (r["idle_connected"], "" if
                                       r["idle_connected"] ==
                                       r["idle_asked"] else
                                       " of %d" % r["idle_asked"])),
    ("fdset full", lambda r: str(r.get("fdset_errors", "-"))),
    ("way", lambda r: r["direction"]),
    ("Mpps all", lambda r: fmt(r["all"]["mpps"], "%.2f")),
    ("Mpps near (n)", lambda r: "%s (%d)" % (fmt(r["near"]["mpps"], "%.2f"),
                                            r["near"]["windows"])),
    ("Mpps far (n)", lambda r: "%s (%d)" % (fmt(r["far"]["mpps"], "%.2f"),
                                           r["far"]["windows"])),
    ("c2c ns", lambda r: fmt(median([w[k] for w in r["windows"]
                                     for k in ("c2c_ns_before",
                                               "c2c_ns_after") if w.get(k)]))),
    ("busy cyc/pkt near", lambda r: fmt(r["near"]["busy_cycles_per_pkt"])),
    ("busy cyc/pkt far", lambda r: fmt(r["far"]["busy_cycles_per_pkt"])),
    ("pkts/iter", lambda r: fmt(r["all"]["pkts_per_iteration"], "%.1f")),
    ("idle cyc/iter", lambda r: fmt(r["idle_cycles_per_iteration"])),
    ("cyc/idle queue", lambda r: fmt(r["cycles_per_idle_queue"], "%.1f")),
    ("RSS MB", lambda r: fmt(r["switch_mem"].get("VmRSS", 0) / 1024.0,
                             "%.1f")),
    ("fds", lambda r: str(r["switch_mem"].get("fds"))),
    ("other threads CPU % (no traffic)", lambda r: "%s (%s)" % (
        fmt(r["all"]["other_threads_cpu_pct"], "%.1f"),
        fmt(r["idle_other_threads_cpu_pct"], "%.1f"))),
    ("call ms med/p90/max", lambda r: "%s/%s/%s" % (
        fmt(r.get("call_ms_median"), "%.1f"),
        fmt(r.get("call_ms_p90"), "%.1f"),
        fmt(r.get("call_ms_max"), "%.1f"))),
    ("add->running ms med/max", lambda r: "%s/%s" % (
        fmt(r.get("up_ms_median"), "%.1f"), fmt(r.get("up_ms_max"), "%.1f"))
        if r["direction"] == "up" else "-"),
)


def idle_rows(recs):
    return [[f(r) for _, f in IDLE_COLUMNS] for r in recs if r.get("ok")]


def print_idle_ports(recs, out):
    """The idle-ports phase's table on @p out."""
    if not recs:
        return
    print("\nidle-ports: 2 busy ports (learn, 64 B, 1 PMD lcore) and N connected "
          "idle ports (client=1); call ms: the add-port (up) or del-port "
          "(down) calls of the step to N", file=out)
    for r in recs:
        if not r.get("ok"):
            print("  FAILED: %s" % r.get("error", "?").splitlines()[0],
                  file=out)
    rows = [[c for c, _ in IDLE_COLUMNS]] + idle_rows(recs)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(v.rjust(w) for v, w in zip(row, widths)),
              file=out)


def idle_ports_markdown(recs):
    """The idle table as Markdown lines."""
    if not any(r.get("ok") for r in recs):
        return []
    head = [c for c, _ in IDLE_COLUMNS]
    lines = ["", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in idle_rows(recs)]
    return lines
