# SPDX-License-Identifier: BSD-3-Clause
"""The world a hostile round runs in, and the checks after each round.

One vuswitch in xconnect mode with four ports:

  port 0 (a) <-> port 1 (b)   the steady pair: two vhu_fe front-ends
                              streaming checked frames (steady.py)
  port 2 (x) <-> port 3 (p)   x: the attacker's socket; p: the probe, a
                              well-behaved front-end that sends frames
                              towards x (so the switch writes x's RX
                              ring), receives what x sends, and times
                              GET_FEATURES on its own connection all the
                              time (the control plane of another port)

xconnect keeps the two pairs apart: nothing the attacker sends can reach
the steady pair, so any steady frame lost or changed is the switch's
doing. Everything is bounded in time; the switch is stopped by PID.
"""

import os
import struct
import threading
import time

import harness as h
import steady
import vhu_fe as fe

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_X = "02:00:00:00:00:0e"
MAC_P = "02:00:00:00:00:0f"
PORT_A, PORT_B, PORT_X, PORT_P = range(4)
ETH_RECOVER = 0x88B6
ETH_JUNK = 0x88B7


class Bounds:
    """Time limits of the checks (seconds)."""
    tel = 2.0        # a telemetry answer
    ctrl = 2.0       # a GET_FEATURES answer on the probe's port
    data = 1.0       # steady frames in flight and none arriving
    drain = 3.0      # the last steady frames of a round
    recover = 4.0    # each step of the attacker port's recovery
    hold = 4.0       # how long a partial message is held open


class Prober(threading.Thread):
    """Times GET_FEATURES on the probe's connection, back to back."""

    def __init__(self, conn, interval=0.05):
        super().__init__(name="prober", daemon=True)
        self.conn, self.interval = conn, interval
        self.lock = threading.Lock()
        self.pending = None
        self.worst = 0.0
        self.count = 0
        self.error = None
        self.quit = False

    def run(self):
        while not self.quit:
            t0 = time.monotonic()
            self.pending = t0
            try:
                self.conn.get_u64(fe.GET_FEATURES, timeout=600)
            except (fe.FrontendError, OSError) as e:
                self.error = str(e) or type(e).__name__
                self.pending = None
                return
            with self.lock:
                self.pending = None
                self.worst = max(self.worst, time.monotonic() - t0)
                self.count += 1
            time.sleep(self.interval)

    def begin(self):
        with self.lock:
            self.worst, self.count = 0.0, 0

    def stall(self):
        """Longest wait for an answer since begin(), the one still
        pending included."""
        with self.lock:
            p = self.pending
            now = time.monotonic()
            return max(self.worst, now - p if p is not None else 0.0)

    def settle(self, bound):
        """Wait (up to bound) for a pending request; its stall."""
        end = time.monotonic() + bound
        while self.pending is not None and time.monotonic() < end \
                and self.error is None:
            time.sleep(0.01)
        return self.stall()


class World:
    """Switch, steady pair and probe; restarted after a failed round."""

    PORT_X = PORT_X

    def __init__(self, env, bounds=None, log=print, switch_args=()):
        self.env, self.log = env, log
        self.bounds = bounds or Bounds()
        self.switch_args = list(switch_args)
        self.socks = [env.sock(n) for n in ("a", "b", "x", "p")]
        self.sw = None
        self.generation = 0
        self.tel_conn = None

    # --- life cycle ---------------------------------------------------

    def start(self):
        self.generation += 1
        self.sw = h.Switch(self.env, self.socks,
                           args=["--mode", "xconnect"] + self.switch_args,
                           name="vuswitch-%d" % self.generation)
        self.a = fe.Frontend(self.socks[PORT_A])
        self.b = fe.Frontend(self.socks[PORT_B])
        self.p = fe.Frontend(self.socks[PORT_P])
        for f in (self.a, self.b, self.p):
            f.start()
        for port in (PORT_A, PORT_B, PORT_P):
            h.wait_for(lambda: self.tel("/vuswitch/port", port)["state"] ==
                       "running", 10, "port %d running" % port)
        self.steady = steady.Steady(self.a, self.b, MAC_A, MAC_B)
        self.steady.start()
        self.prober = Prober(self.p)
        self.prober.start()
        self.baseline = self.resources()

    def stop(self):
        """Stop everything; the switch by PID (SIGINT, then SIGKILL after
        5 s: a frozen one does not exit on SIGINT). Its exit code."""
        self.steady.quit = self.prober.quit = True
        rc = self.sw.stop(timeout=5)
        self.steady.join(5)
        self.prober.join(5)
        for f in (self.a, self.b, self.p):
            f.close()
        if self.tel_conn is not None:
            self.tel_conn.close()
            self.tel_conn = None
        return rc

    def restart(self):
        self.stop()
        self.start()

    # --- observation --------------------------------------------------

    def alive(self):
        return self.sw.alive()

    def exit_status(self):
        rc = self.sw.p.poll()
        if rc is None:
            return "running"
        return "signal %d" % -rc if rc < 0 else "exit %d" % rc

    def tel(self, cmd, param=None, timeout=None):
        """A telemetry command, answered within timeout (self.bounds.tel)."""
        if self.tel_conn is None:
            path = os.path.join(h.runtime_dir(self.sw.prefix),
                                h.ctl.TELEMETRY_SOCK)
            h.wait_for(lambda: os.path.exists(path), 10, "telemetry socket")
            self.tel_conn = h.ctl.Telemetry(path, timeout=timeout or
                                            self.bounds.tel)
        self.tel_conn.sock.settimeout(timeout or self.bounds.tel)
        try:
            return self.tel_conn.cmd(cmd, None if param is None
                                     else str(param))
        except Exception:
            self.tel_conn.close()
            self.tel_conn = None
            raise

    def resources(self):
        """mbufs in use, open fds and RSS (KiB) of the switch."""
        pid = self.sw.pid
        rss = 0
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        return {"mbufs": self.tel("/vuswitch/mempool")["in_use"],
                "fds": len(os.listdir("/proc/%d/fd" % pid)),
                "rss_kb": rss}

    def pmd_moving(self):
        """Whether PMD 0 still iterates."""
        i0 = self.tel("/vuswitch/pmd", 0)["iterations"]
        time.sleep(0.2)
        return self.tel("/vuswitch/pmd", 0)["iterations"] != i0

    # --- the probe's data side (main thread only) ---------------------

    def poke(self, n=32):
        """The probe sends n junk frames towards the attacker's port."""
        f = steady.mac(MAC_X) + steady.mac(MAC_P) + \
            struct.pack("!H", ETH_JUNK) + bytes(50)
        self.p.tx([f] * n)
        self.p.rx()

    def drain_probe(self):
        self.p.rx()

    def junk_frame(self):
        """What the attacker sends: towards the probe, recognisably junk."""
        return steady.mac(MAC_P) + steady.mac(MAC_X) + \
            struct.pack("!H", ETH_JUNK) + bytes(50)

    def wait_running(self, port, timeout):
        """Wait (bounded) for a port to be running; False if it is not."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.tel("/vuswitch/port", port)["state"] == "running":
                return True
            time.sleep(0.02)
        return False

    # --- recovery of the attacker's port ------------------------------

    def wait_disconnected(self, port):
        h.wait_for(lambda: self.tel("/vuswitch/port", port)["connected"] == 0,
                   self.bounds.recover, "port %d to see its front-end go"
                   % port, interval=0.02)

    def recover(self, nframes=16):
        """A well-behaved front-end connects to the attacker's port and
        forwards both ways: nframes from it to the probe and back, every
        byte checked. Raises h.TestFailure (with what failed)."""
        self.wait_disconnected(PORT_X)
        good = fe.Frontend(self.socks[PORT_X], timeout=self.bounds.recover)
        try:
            good.start()
            if not self.wait_running(PORT_X, self.bounds.recover):
                raise h.TestFailure("attacker's port not running again")
            self.exchange(good, nframes)
        except fe.FrontendError as e:
            raise h.TestFailure("new front-end on the attacker's port: %s"
                                % e) from None
        finally:
            good.close()
        self.wait_disconnected(PORT_X)

    def exchange(self, good, nframes):
        """nframes each way between good (on x) and the probe."""
        nonce = os.urandom(8)
        to_p = [self.recover_frame(MAC_P, MAC_X, nonce, i)
                for i in range(nframes)]
        to_x = [self.recover_frame(MAC_X, MAC_P, nonce, i)
                for i in range(nframes)]
        self.drain_probe()
        want_p, want_x = set(to_p), set(to_x)
        end = time.monotonic() + self.bounds.recover
        resend = 0.0
        while (want_p or want_x) and time.monotonic() < end:
            if time.monotonic() >= resend:
                # The port's data path may lag its "running" state a
                # little: what did not arrive is sent again.
                good.tx(sorted(want_p))
                self.p.tx(sorted(want_x))
                resend = time.monotonic() + 0.2
            want_p.difference_update(self.p.rx())
            want_x.difference_update(good.rx())
            time.sleep(0.005)
        if want_p or want_x:
            raise h.TestFailure(
                "recovery traffic: %d of %d x->p and %d of %d p->x frames "
                "missing or changed" % (len(want_p), nframes, len(want_x),
                                        nframes))

    @staticmethod
    def recover_frame(dst, src, nonce, i):
        return steady.mac(dst) + steady.mac(src) + \
            struct.pack("!H", ETH_RECOVER) + nonce + \
            struct.pack("<I", i) + bytes(range(i, i + 48))
