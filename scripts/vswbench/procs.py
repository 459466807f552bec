# SPDX-License-Identifier: BSD-3-Clause
"""Child processes: log files, ptys, testpmd's prompt, vuswitch-ctl."""

import importlib.machinery
import importlib.util
import os
import pty
import re
import select
import signal
import subprocess
import time

from .common import SRC, BenchError


def load_script(name):
    """scripts/@p name, a Python script without a .py suffix, as a
    module."""
    path = os.path.join(SRC, "scripts", name)
    modname = name.replace("-", "_")
    loader = importlib.machinery.SourceFileLoader(modname, path)
    spec = importlib.util.spec_from_loader(modname, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def load_ctl():
    """scripts/vuswitch-ctl as a module (its Telemetry client)."""
    return load_script("vuswitch-ctl")


class ChildProcess:
    """A child process, shared by the bench and the integration tests.

    Output goes to a log file, or through a pty for interactive ones. Every
    wait is bounded; the process is stopped by PID only. Errors are raised
    as self.Error (the tests use their own failure type)."""

    Error = BenchError

    def __init__(self, name, argv, logpath, interactive=False, env=None,
                 cwd=None, nice=0, log=None, rt_prio=0):
        self.name = name
        self.argv = argv
        self.buf = b""
        self.fd = None
        self.frozen = False
        self.logpath = logpath
        self.logf = open(logpath, "wb")
        self.log = log or (lambda msg: None)
        pre = sched_setup(nice, rt_prio) if nice or rt_prio else None
        if interactive:
            master, slave = pty.openpty()
            self.fd = master
            self.p = subprocess.Popen(argv, stdin=slave, stdout=slave,
                                      stderr=slave, close_fds=True,
                                      start_new_session=True, env=env,
                                      cwd=cwd, preexec_fn=pre)
            os.close(slave)
        else:
            self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=self.logf, stderr=self.logf,
                                      close_fds=True, start_new_session=True,
                                      env=env, cwd=cwd, preexec_fn=pre)
        self.log("started %s (pid %d): %s" % (name, self.p.pid,
                                              " ".join(argv)))

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def pump(self, timeout=0.0):
        if self.fd is None:
            return False
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            os.close(self.fd)
            self.fd = None
            return False
        self.buf += data
        self.logf.write(data)
        self.logf.flush()
        return True

    def sleep(self, seconds):
        """Sleep, reading output meanwhile."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            if self.fd is None:
                time.sleep(min(left, 0.1))
            else:
                self.pump(min(left, 0.1))

    def output(self):
        """Everything the process printed so far."""
        while self.pump(0):
            pass
        if self.buf:
            return self.buf.decode(errors="replace")
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def tail(self, n=1500):
        return self.output()[-n:]

    def expect(self, pattern, timeout, start=0):
        """Wait until pattern matches the pty output after offset start."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str)
                        else pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf, start)
            if m:
                return m
            left = end - time.monotonic()
            if left <= 0 or (self.fd is None and not self.alive()):
                raise self.Error("%s: no '%s' after %.0f s; output tail:\n%s"
                                 % (self.name, pattern, timeout, self.tail()))
            self.pump(min(left, 0.2))

    def expect_log(self, pattern, timeout):
        """expect() for a process whose output goes to its log file."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.output())
            if m:
                return m
            if not self.alive():
                raise self.Error("%s exited (%s); log tail:\n%s" % (
                    self.name, self.p.returncode, self.tail()))
            if time.monotonic() > end:
                raise self.Error("%s: no '%s' after %.0f s; log tail:\n%s"
                                 % (self.name, pattern, timeout, self.tail()))
            time.sleep(0.1)

    def wait(self, timeout):
        end = time.monotonic() + timeout
        while self.p.poll() is None and time.monotonic() < end:
            if self.fd is not None:
                self.pump(0.1)
            else:
                time.sleep(0.05)
        return self.p.poll()

    def freeze(self):
        """SIGSTOP: the process keeps its state and its CPUs go idle."""
        if self.alive():
            os.kill(self.p.pid, signal.SIGSTOP)
            self.frozen = True

    def thaw(self):
        if self.alive() and self.frozen:
            os.kill(self.p.pid, signal.SIGCONT)
        self.frozen = False

    def stop(self, sig=signal.SIGINT, timeout=15):
        """Stop by PID: sig, then SIGKILL after timeout. Returns the exit
        code."""
        self.thaw()
        if self.alive():
            try:
                os.kill(self.p.pid, sig)
            except ProcessLookupError:
                pass
            if self.wait(timeout) is None:
                self.log("%s did not exit on signal %d; SIGKILL pid %d"
                         % (self.name, sig, self.p.pid))
                try:
                    os.kill(self.p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    self.p.wait(10)
                except subprocess.TimeoutExpired:
                    pass
        while self.fd is not None and self.pump(0):
            pass
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if not self.logf.closed:
            self.logf.close()
        return self.p.returncode


class TestpmdPrompt:
    """Mixin: dpdk-testpmd driven through its interactive prompt."""

    PROMPT = b"testpmd> "

    def ready(self, timeout=60):
        self.expect(re.escape(self.PROMPT), timeout)

    def cmd(self, line, timeout=20):
        """Run one testpmd command; return its output."""
        start = len(self.buf)
        os.write(self.fd, line.encode() + b"\n")
        m = self.expect(re.escape(self.PROMPT), timeout, start + len(line))
        return self.buf[start:m.start()].decode(errors="replace")

    def stop(self, sig=signal.SIGINT, timeout=15):
        """'quit' first; signals only if testpmd does not go."""
        self.thaw()
        if self.alive() and self.fd is not None:
            try:
                os.write(self.fd, b"quit\n")
                self.wait(timeout)
            except OSError:
                pass
        return super().stop(sig, timeout)


def sched_setup(nice, rt_prio):
    """A preexec function: nice value, then SCHED_FIFO @p rt_prio if
    non-zero."""
    def pre():
        if nice:
            os.nice(nice)
        if rt_prio:
            os.sched_setscheduler(0, os.SCHED_FIFO,
                                  os.sched_param(rt_prio))
    return pre


class Proc(ChildProcess):
    """A process of the bench: logs in the run's folder, its environment."""

    def __init__(self, ctx, name, argv, interactive=False, env=None, nice=0,
                 rt_prio=0):
        self.ctx = ctx
        penv = dict(os.environ)
        penv.update(ctx.env)
        if env:
            penv.update(env)
        logpath = os.path.join(ctx.tmp, "%02d-%s.log" % (len(ctx.procs),
                                                         name))
        super().__init__(name, argv, logpath, interactive=interactive,
                         env=penv, cwd=ctx.cwd, nice=nice, log=ctx.log,
                         rt_prio=rt_prio)
        ctx.procs.append(self)


class Testpmd(TestpmdPrompt, Proc):
    """A dpdk-testpmd of the bench."""

    def __init__(self, ctx, name, argv, env=None, nice=0):
        super().__init__(ctx, name, argv, interactive=True, env=env,
                         nice=nice)
        self.ready()

    def port_stats(self):
        """{port: (rx, tx, rx_missed, rx_errors, tx_errors)}"""
        out = self.cmd("show port stats all")
        stats = {}
        for blk in re.split(r"#+ NIC statistics for port ", out)[1:]:
            port = int(re.match(r"(\d+)", blk).group(1))

            def num(key):
                m = re.search(r"%s:\s*(\d+)" % key, blk)
                return int(m.group(1)) if m else 0
            stats[port] = (num("RX-packets"), num("TX-packets"),
                           num("RX-missed"), num("RX-errors"),
                           num("TX-errors"))
        return stats

    def links_up(self, nports):
        out = self.cmd("show port info all")
        return len(re.findall(r"Link status: up", out)) >= nports

    def halt(self):
        """testpmd 'stop': returns (cycles/packet or None, fwd tx-dropped)."""
        out = self.cmd("stop", timeout=30)
        m = re.findall(r"CPU cycles/packet=([\d.]+)", out)
        cpp = float(m[-1]) if m else None
        acc = out.split("Accumulated forward statistics")
        dropped = 0
        if len(acc) > 1:
            d = re.search(r"TX-dropped:\s*(\d+)", acc[-1])
            r = re.search(r"RX-dropped:\s*(\d+)", acc[-1])
            dropped = (int(d.group(1)) if d else 0) + \
                (int(r.group(1)) if r else 0)
        return cpp, dropped
