#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Ports come and go while a busy pair forwards at full rate, which loses
not one frame (issue 9).

The busy pair is one testpmd with ports A and B in a closed loop (see
portsvm.py for why one process, and not a txonly and an rxonly one: on
this 2-CPU machine such a pair loses ~99% of its frames to ring-full with
no help from the switch, so it could not tell a loss of the switch's
making). 4 bursts of 32 64-byte frames go round in each direction, as
fast as testpmd and the switch move them (3 to 12 Mpps through the
switch here, as CPU 0 is shared with more or fewer other "VMs").
Meanwhile, on other ports:

  (a) 100 ports are added and removed, one at a time;
  (b) port C is removed while a second testpmd loop (C <-> D, 128-byte
      frames) sends to it at full rate; then D;
  (c) port E, with a Python front-end, is suspended, F sends it frames
      that are held in its backlog, and E is removed: the held frames are
      counted port-down (in del-port's final counters) and their mbufs go
      back to the pool;
  (d) port G is added, a Python front-end connects, and frames go F -> G
      and G -> F, every one of them received.

Every learning frame is sent to the sender's own MAC (learned, then
dropped as own-port), so no flood reaches the pair. The one flood there
can be comes from (b): frames testpmd read from C's ring before C went
and sent out of D after C's MAC was flushed are unknown unicast, flooded
to A and B, and go round the loop from then on. They are 128 bytes long,
the pair's are 64, so they are counted apart.

The pair's accounting, over the whole run, from a quiet baseline to a
quiet end (the loop stopped, then what was in flight drained with rxonly):
  - what A and B sent, the switch received (testpmd TX == switch rx);
  - what the switch sent to A and B, they received (switch tx == RX);
  - no drop of any reason on ports A and B;
  - every 64-byte frame that went in is still there: exactly 4 * 32 * 2
    of them were drained at the end;
  - RX - TX over both ports == the 128-byte frames drained (each flood
    copy was received once more than it was sent on), so nothing of the
    pair's went anywhere else.
"""
import os
import statistics
import time

from frames import seq_frame as frame
import harness as h
import portsvm
import vhu_fe

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_C = "02:00:00:00:00:0c"
MAC_D = "02:00:00:00:00:0d"
MAC_E = "02:00:00:00:00:0e"
MAC_F = "02:00:00:00:00:0f"
MAC_G = "02:00:00:00:00:10"
A, B, C, D = 0, 1, 2, 3
LOOP_BURSTS = 4               # per direction: 4 * 32 = 128 frames < 256
WINDOW = LOOP_BURSTS * portsvm.BURST * 2
CD_LEN = 128                  # C <-> D frames: not the pair's length
CHURN = 100
HELD = 2000                   # frames held for E, < --backlog (4096)
EXCHANGE = 1000               # frames each way between F and G
# mbufs that the busy loop can have out of the pool at any instant: a
# burst being forwarded, with room for the lcore's cache to refill.
MBUF_NOISE = 128
def ms(t0):
    return (time.monotonic() - t0) * 1000


class Pair:
    """The busy pair: the switch's and testpmd's counters of A and B."""

    def __init__(self, sw, vm):
        self.sw, self.vm = sw, vm

    def snap(self):
        """Counters of a quiet pair (the loop stopped)."""
        s = {}
        for p in (A, B):
            s["sw", p] = self.sw.port(p)
            s["rx", p], s["tx", p] = self.vm.stats(p)
            s["rx64", p] = self.vm.rx64(p)
        return s

    def drops(self):
        """Every drop counter of A and B: {(port, name): count}."""
        out = {}
        for p in (A, B):
            info = self.sw.port(p)
            for k, v in info.items():
                if k.startswith("drop_"):
                    out[p, k] = v
        return out

    def rate(self, seconds=0.5):
        """Frames per second through the switch's A and B."""
        def rx():
            return sum(self.sw.port(p)["rx_packets"] for p in (A, B))
        r0, t0 = rx(), time.monotonic()
        time.sleep(seconds)
        return (rx() - r0) / (time.monotonic() - t0)

    def check_drops(self, base, what):
        now = self.drops()
        extra = {k: now[k] - base[k] for k in now if now[k] != base[k]}
        h.check(not extra, "the pair lost nothing during %s (drops: %s)"
                % (what, extra or "none"))

    def stop_and_drain(self):
        """Stop the loop, let the switch deliver what is in flight, drain
        it with rxonly. Returns (frames drained, 64-byte ones)."""
        vm, sw = self.vm, self.sw
        vm.cmd("stop")
        for p in (A, B):
            tx = vm.stats(p)[1]
            h.wait_for(lambda: sw.port(p)["rx_packets"] == tx, 10,
                       "the switch to take all port %d sent" % p)
        # ... and to finish sending the last burst it took.
        last = [None]

        def settled():
            now = sw.port(A)["tx_packets"] + sw.port(B)["tx_packets"]
            done, last[0] = now == last[0], now
            return done
        h.wait_for(settled, 10, "the switch's tx counters to settle",
                   interval=0.05)
        before = {p: vm.rx64(p) for p in (A, B)}
        rx0 = {p: vm.stats(p)[0] for p in (A, B)}
        vm.cmd("set fwd rxonly")
        vm.cmd("start")
        for p in (A, B):
            h.wait_for(lambda: vm.stats(p)[0] == sw.port(p)["tx_packets"],
                       10, "testpmd to drain port %d" % p)
        vm.cmd("stop")
        return (sum(vm.stats(p)[0] - rx0[p] for p in (A, B)),
                sum(vm.rx64(p) - before[p] for p in (A, B)))


def fe_port(env, sw, name, mac_addr):
    """Add a port, connect a Python front-end with running rings, learn
    its MAC without a flood. Returns (id, front-end)."""
    path = env.sock(name)
    t0 = time.monotonic()
    r = sw.tel_ok("/vuswitch/add_port", "%s,name=%s" % (path, name))
    h.log("add-port %s: id %d in %.1f ms" % (name, r["id"], ms(t0)))
    fe = vhu_fe.Frontend(path)
    env.fes.append(fe)
    fe.start()
    sw.wait_state(r["id"], "running", 10)
    fe.tx([frame(mac_addr, mac_addr)])
    h.wait_for(lambda: mac_addr in sw.tel("/vuswitch/mac").get(str(r["id"]),
                                                               []),
               10, "%s learned on port %d" % (mac_addr, r["id"]))
    return r["id"], fe


def send(fe, frames, timeout=10):
    """Post every frame on fe's TX ring, as fast as the ring frees up."""
    end, i = time.monotonic() + timeout, 0
    while i < len(frames):
        if time.monotonic() > end:
            raise h.TestFailure("%d of %d frames posted" % (i, len(frames)))
        n = fe.tx(frames[i:i + 64])
        i += n
        if n == 0:
            time.sleep(0.0005)

    def taken():
        fe.reap_tx()
        return len(fe.tx_free) == fe.n
    h.wait_for(taken, timeout, "the switch to take every frame")


def exchange(src, dst, src_mac, dst_mac, n, timeout=20):
    """src sends n numbered frames to dst, which gets each exactly once,
    in order."""
    frames = [frame(dst_mac, src_mac, i) for i in range(n)]
    got, i = [], 0
    end = time.monotonic() + timeout
    while len(got) < n:
        if time.monotonic() > end:
            raise h.TestFailure("%d of %d frames %s -> %s arrived"
                                % (len(got), n, src_mac, dst_mac))
        # At most 64 in flight, well under dst's ring: a slow receiver
        # (a sanitizer build) must not make the switch drop for ring-full.
        if i < n and i - len(got) < 64:
            i += src.tx(frames[i:i + 32])
        got += dst.rx()
        if i == n:
            time.sleep(0.0005)
    h.check(got == frames, "%d frames %s -> %s all arrived, in order"
            % (n, src_mac, dst_mac))


def churn(env, sw, first_free):
    """(a): 100 ports added and removed, one at a time."""
    adds, dels = [], []
    for i in range(CHURN):
        path = env.sock("churn%d" % i)
        t0 = time.monotonic()
        r = sw.tel_ok("/vuswitch/add_port", path)
        adds.append(ms(t0))
        if r["id"] != first_free or not os.path.exists(path):
            raise h.TestFailure("port %d: id %d (not the lowest free, %d) or "
                                "no socket" % (i, r["id"], first_free))
        t0 = time.monotonic()
        sw.tel_ok("/vuswitch/del_port", r["name"])
        dels.append(ms(t0))
        if os.path.exists(path):
            raise h.TestFailure("%s left behind by del-port" % path)
    h.check(True, "%d ports added (id %d each time) and removed" %
            (CHURN, first_free))
    for what, t in (("add-port", adds), ("del-port", dels)):
        h.log("%s: median %.2f ms, max %.2f ms" % (what, statistics.median(t),
                                                   max(t)))


def remove_while_flowing(sw, cd):
    """(b): C goes while D sends to it, then D."""
    c0 = sw.port(C)["tx_packets"]
    time.sleep(0.2)
    rate = (sw.port(C)["tx_packets"] - c0) / 0.2
    h.check(rate > 10000, "frames flow towards C: %.2f Mpps" % (rate / 1e6))
    t0 = time.monotonic()
    r = sw.tel_ok("/vuswitch/del_port", "c")
    h.log("del-port c under traffic: %.1f ms, final counters %s"
          % (ms(t0), {k: v for k, v in r.items() if k.startswith(("rx_",
                                                                 "tx_",
                                                                 "drop_"))}))
    mac_table = sw.tel("/vuswitch/mac")
    h.check(MAC_C not in sum(mac_table.values(), []),
            "C's MAC flushed: %s" % mac_table)
    sw.tel_ok("/vuswitch/del_port", "d")
    cd.stop()


def remove_suspended(sw, e, f):
    """(c): E suspended with HELD frames in its backlog, then removed."""
    e_id, _ = e
    f_id, f_fe = f
    r = sw.suspend(e_id)
    h.check(r["result"] == 0 and r["state"] == "suspended", "E suspended")
    m0 = sw.tel("/vuswitch/mempool")["in_use"]
    send(f_fe, [frame(MAC_E, MAC_F, i) for i in range(HELD)])
    h.wait_for(lambda: sw.port(e_id)["backlog"] == HELD, 10,
               "%d frames held for E" % HELD)
    m1 = sw.tel("/vuswitch/mempool")["in_use"]
    h.check(m1 - m0 >= HELD - MBUF_NOISE,
            "the held frames keep %d mbufs out of the pool (%d -> %d)"
            % (m1 - m0, m0, m1))
    r = sw.tel_ok("/vuswitch/del_port", str(e_id))
    h.check(r.get("drop_port_down") == HELD,
            "del-port: its %d held frames counted port-down (%s)"
            % (HELD, r.get("drop_port_down")))
    m2 = sw.tel("/vuswitch/mempool")["in_use"]
    h.check(m2 <= m0 + MBUF_NOISE and m1 - m2 >= HELD - MBUF_NOISE,
            "their mbufs went back to the pool (in use %d -> %d -> %d)"
            % (m0, m1, m2))


def phase(pair, drops0, what, fn):
    t0 = time.monotonic()
    ret = fn()
    h.log("%s: %.1f ms; the pair forwards %.2f Mpps"
          % (what, ms(t0), pair.rate() / 1e6))
    pair.check_drops(drops0, what)
    return ret


def add_and_forward(env, sw, f):
    """(d): G added, a front-end connects, F -> G and G -> F; then both
    go."""
    f_id, f_fe = f
    g_id, g_fe = fe_port(env, sw, "g", MAC_G)
    exchange(f_fe, g_fe, MAC_F, MAC_G, EXCHANGE)
    exchange(g_fe, f_fe, MAC_G, MAC_F, EXCHANGE)
    g = sw.port(g_id)
    h.check(g["rx_packets"] == EXCHANGE + 1 and g["tx_packets"] == EXCHANGE,
            "the switch counted G's %d frames in and %d out"
            % (g["rx_packets"] - 1, g["tx_packets"]))
    for p in (f_id, g_id):
        sw.tel_ok("/vuswitch/del_port", str(p))


def body(env):
    env.fes = []
    socks = [env.sock(n) for n in ("a", "b", "c", "d")]
    sw = h.Switch(env, socks)
    ab = portsvm.PortsVM(env, "vm-ab", [(socks[A], MAC_A), (socks[B], MAC_B)])
    cd = portsvm.PortsVM(env, "vm-cd", [(socks[C], MAC_C), (socks[D], MAC_D)])
    for p in (A, B, C, D):
        sw.wait_state(p, "running")
    ab.learn(sw, [A, B])
    cd.learn(sw, [C, D])
    pair = Pair(sw, ab)
    base = pair.snap()
    drops0 = pair.drops()
    ab.loop(LOOP_BURSTS)
    cd.loop(1, txpkts=CD_LEN)
    h.log("the pair forwards %.2f Mpps" % (pair.rate() / 1e6))
    try:
        phase(pair, drops0, "(a) 100 ports added and removed",
              lambda: churn(env, sw, len(socks)))
        phase(pair, drops0, "(b) C removed under traffic, then D",
              lambda: remove_while_flowing(sw, cd))
        f = fe_port(env, sw, "f", MAC_F)
        phase(pair, drops0, "(c) a suspended port with a backlog removed",
              lambda: remove_suspended(sw, fe_port(env, sw, "e", MAC_E), f))
        phase(pair, drops0, "(d) G added and forwarding; F and G removed",
              lambda: add_and_forward(env, sw, f))
    finally:
        for fe in env.fes:
            fe.close()

    drained, drained64 = pair.stop_and_drain()
    end = pair.snap()

    def d(key, p, field=None):
        if field is None:
            return end[key, p] - base[key, p]
        return end[key, p][field] - base[key, p][field]

    for p, n in ((A, "A"), (B, "B")):
        h.check(d("tx", p) == d("sw", p, "rx_packets"),
                "%s sent %d, the switch received %d" %
                (n, d("tx", p), d("sw", p, "rx_packets")))
        h.check(d("sw", p, "tx_packets") == d("rx", p),
                "the switch sent %s %d, it received %d" %
                (n, d("sw", p, "tx_packets"), d("rx", p)))
    pair.check_drops(drops0, "the whole run")
    h.check(drained64 == WINDOW,
            "all %d frames of the loop were still there at the end (%d)"
            % (WINDOW, drained64))
    sent = d("tx", A) + d("tx", B)
    got = d("rx", A) + d("rx", B)
    h.check(got - sent == drained - drained64,
            "received - sent (%d) == the %d-byte flood copies from (b) "
            "drained at the end (%d): no frame of the pair's went elsewhere"
            % (got - sent, CD_LEN, drained - drained64))
    h.check(sent > 1000 * 1000,   # sanitizer builds move ~3 M
            "the pair moved %d frames through the switch and lost none"
            % sent)


if __name__ == "__main__":
    h.main("ports-under-load", body)
