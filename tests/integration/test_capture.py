#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Packet capture (vuswitch-ctl capture): pcapng files tshark and tcpdump
read, with each frame's port and direction.

A switch with three ports (a, b, c) and Python front-ends on a and b, so
that every frame is known:
  - bad requests change nothing: an unknown port, a missing directory,
    a port already captured, the file of a running capture (not even
    truncated);
  - two captures at once (a both ways; b delivered only): frames A sends
    to B are in a's file as inbound on interface "a" and in b's as
    outbound on "b"; figures agree with the switch's counters, tshark's
    and tcpdump's counts;
  - --count ends a capture by itself, --seconds too; --snaplen cuts
    frames; --vlan keeps one 802.1Q VLAN;
  - a suspended port's frames are captured when delivered, not when held;
  - removing a captured port closes its capture; the file stays readable;
  - a capture into a pipe nobody reads (a stalled disk) drops copies and
    counts them while testpmd VMs keep forwarding at full rate; once the
    pipe is read the file is complete;
  - a capture running when the switch stops is closed cleanly.
"""
import os
import shutil
import subprocess
import threading
import time

import harness as h
import vhu_fe

MAC_A = bytes.fromhex("02000000000a")
MAC_B = bytes.fromhex("02000000000b")
MAC_C = "02:00:00:00:00:0c"
MAC_D = "02:00:00:00:00:0d"
ETH_TEST = b"\x88\xb5"


def frames(dst, src, n, tag=0, size=64, vlan=None):
    out = []
    for i in range(n):
        hdr = dst + src
        if vlan is not None:
            hdr += b"\x81\x00" + vlan.to_bytes(2, "big")
        body = bytes([tag, i & 0xff]) * ((size - len(hdr) - 2) // 2)
        out.append(hdr + ETH_TEST + body)
    return out


def tshark(env, path, fields):
    """One tuple of @p fields per frame of a pcapng file (tshark -T
    fields); fails the test if tshark cannot read it."""
    argv = ["tshark", "-r", path, "-T", "fields"]
    for f in fields:
        argv += ["-e", f]
    rc, out = env.run(argv, timeout=60)
    if rc != 0:
        raise h.TestFailure("tshark -r %s: exit %d: %s" % (path, rc, out[-800:]))
    return [tuple(l.split("\t")) for l in out.splitlines()
            if l and not l.startswith("Running as user")]


def tcpdump_count(env, path):
    rc, out = env.run(["tcpdump", "-n", "-r", path], timeout=60)
    if rc != 0:
        raise h.TestFailure("tcpdump -r %s: exit %d: %s" % (path, rc, out[-800:]))
    return sum(1 for l in out.splitlines() if " > " in l)


def inbound(rows):
    return sum(1 for r in rows if int(r[1], 16) & 3 == 1)


def outbound(rows):
    return sum(1 for r in rows if int(r[1], 16) & 3 == 2)


class Sw:
    """The switch's capture commands, as vuswitch-ctl sends them."""

    def __init__(self, sw):
        self.sw = sw

    def start(self, ports, path, **kw):
        words = ["port=%s" % p for p in ports]
        words += ["%s=%s" % (k, v) for k, v in kw.items()]
        return self.sw.tel("/vuswitch/capture",
                           " ".join(words + ["file=" + path]))

    def stop(self, what=None):
        return self.sw.tel("/vuswitch/capture_stop", what)

    def all(self):
        return self.sw.tel("/vuswitch/captures")

    def status(self, cid):
        return self.all()["capture_%d" % cid]


def started(r, what):
    if r["result"] != 0:
        raise h.TestFailure("%s: capture refused: %s" % (what, r["error"]))
    st = [v for k, v in r.items() if k.startswith("capture_")][0]
    h.log("capture %d started: %s" % (st["id"], what))
    return st["id"]


def pump(fe_rx, want, timeout=10):
    """Frames a front-end receives until it has @p want of them."""
    got = []
    h.wait_for(lambda: got.extend(fe_rx.rx()) or len(got) >= want, timeout,
               "%d frames" % want, interval=0.02)
    return got


def without_time(captures):
    return {k: {f: v for f, v in st.items() if f != "elapsed_ms"}
            for k, st in captures.items()}


def bad_requests(env, cap):
    f = os.path.join(env.dir, "busy.pcapng")
    cid = started(cap.start(["a"], f), "a to busy.pcapng")
    size = os.path.getsize(f)
    before = cap.all()
    cases = [
        (["nosuch"], os.path.join(env.dir, "x.pcapng"), "no port 'nosuch'"),
        (["b"], os.path.join(env.dir, "no-such-dir", "x.pcapng"),
         "directory %s does not exist" % os.path.join(env.dir, "no-such-dir")),
        (["a"], os.path.join(env.dir, "y.pcapng"), "port 0 is already captured"),
        (["b"], f, "is the file of capture %d" % cid),
        (["b"], os.path.join(env.dir, ".", "busy.pcapng"),
         "is the file of capture %d" % cid),
    ]
    for ports, path, want in cases:
        r = cap.start(ports, path)
        h.check(r["result"] != 0 and want in r["error"],
                "refused: %s -> %s" % (ports, r["error"]))
    r = cap.start(["b"], f, dir="sideways")
    h.check(r["result"] != 0 and "dir must be" in r["error"], "bad dir refused")
    h.check(without_time(cap.all()) == without_time(before),
            "nothing changed: the same captures")
    h.check(os.path.getsize(f) == size and
            not os.path.exists(os.path.join(env.dir, "y.pcapng")) and
            not os.path.exists(os.path.join(env.dir, "x.pcapng")),
            "the running capture's file was not truncated, no file made")
    r = cap.stop("a")
    h.check(r["result"] == 0 and r["capture_%d" % cid]["state"] == "done",
            "capture-stop by port closes it")
    h.check(cap.stop("a")["result"] != 0, "a second stop finds nothing")


def two_captures(env, sw, cap, fa, fb):
    pa = os.path.join(env.dir, "a.pcapng")
    pb = os.path.join(env.dir, "b.pcapng")
    ca = started(cap.start(["a"], pa), "a both ways")
    cb = started(cap.start(["b"], pb, dir="tx"), "b delivered only")
    a0, b0 = sw.port(0), sw.port(1)
    t0 = time.time()
    n = 0
    for k in range(20):
        n += fa.tx(frames(MAC_B, MAC_A, 50, tag=k))
        pump(fb, 50)
        fb.tx(frames(MAC_A, MAC_B, 5, tag=100 + k))
        pump(fa, 5)
    h.check(n == 1000, "A sent 1000 frames to B, B 100 back")
    time.sleep(0.3)
    a1, b1 = sw.port(0), sw.port(1)
    ra, rb = cap.stop("a"), cap.stop("b")
    sa, sb = ra["capture_%d" % ca], rb["capture_%d" % cb]
    t1 = time.time()
    h.check(sa["copied"] == sa["written"] == 1100 and sa["dropped"] == 0,
            "a's capture wrote all %d copies" % sa["written"])
    h.check(a1["rx_packets"] - a0["rx_packets"] == 1000 and
            a1["tx_packets"] - a0["tx_packets"] == 100,
            "the switch counted the same on a")
    h.check(sb["written"] == b1["tx_packets"] - b0["tx_packets"] == 1000,
            "b's capture (tx only) wrote what the switch delivered to b")
    rows = tshark(env, pa, ["frame.interface_name",
                            "frame.packet_flags_direction",
                            "frame.time_epoch", "eth.src"])
    h.check(len(rows) == 1100 and all(r[0] == "a" for r in rows),
            "tshark reads 1100 frames of interface a")
    h.check(inbound(rows) == 1000 and outbound(rows) == 100,
            "1000 inbound (from A), 100 outbound (to A)")
    h.check(all(r[3] == "02:00:00:00:00:0a" for r in rows
                if int(r[1], 16) & 3 == 1), "inbound frames are A's")
    ts = [float(r[2]) for r in rows]
    h.check(t0 - 1 <= min(ts) and max(ts) <= t1 + 1,
            "time stamps within the run (%.3f .. %.3f)" % (min(ts) - t0,
                                                           max(ts) - t0))
    rows = tshark(env, pb, ["frame.interface_name",
                            "frame.packet_flags_direction"])
    h.check(len(rows) == 1000 and outbound(rows) == 1000 and
            all(r[0] == "b" for r in rows), "b's file: 1000 outbound on b")
    h.check(tcpdump_count(env, pa) == 1100 and tcpdump_count(env, pb) == 1000,
            "tcpdump -r reads both files")


def limits(env, sw, cap, fa, fb):
    p = os.path.join(env.dir, "count.pcapng")
    cid = started(cap.start(["a"], p, dir="rx", count=30), "a rx, count=30")
    fa.tx(frames(MAC_B, MAC_A, 50))
    pump(fb, 50)
    h.wait_for(lambda: cap.status(cid)["state"] == "done", 5,
               "the capture to end by itself")
    st = cap.status(cid)
    h.check(st["end"] == "count" and st["written"] == 30,
            "ended at its count: %s" % st)
    h.check(len(tshark(env, p, ["frame.len"])) == 30, "30 frames in the file")

    p = os.path.join(env.dir, "time.pcapng")
    t0 = time.monotonic()
    cid = started(cap.start(["a"], p, seconds=1), "a, seconds=1")
    h.wait_for(lambda: cap.status(cid)["state"] == "done", 5,
               "the timed capture to end")
    took = time.monotonic() - t0
    h.check(cap.status(cid)["end"] == "time" and 0.9 < took < 3,
            "ended by time after %.2f s" % took)
    h.check(tshark(env, p, ["frame.len"]) == [], "an empty capture reads")

    p = os.path.join(env.dir, "snap.pcapng")
    cid = started(cap.start(["a"], p, dir="rx", snaplen=20), "snaplen=20")
    fa.tx(frames(MAC_B, MAC_A, 10, size=200))
    pump(fb, 10)
    cap.stop("a")
    rows = tshark(env, p, ["frame.cap_len", "frame.len"])
    h.check(len(rows) == 10 and all(r == ("20", "200") for r in rows),
            "snaplen=20: 20 of 200 bytes kept")

    p = os.path.join(env.dir, "vlan.pcapng")
    cid = started(cap.start(["a"], p, dir="rx", vlan=100), "vlan=100")
    fa.tx(frames(MAC_B, MAC_A, 7, vlan=100) + frames(MAC_B, MAC_A, 5, vlan=200)
          + frames(MAC_B, MAC_A, 3))
    pump(fb, 15)
    st = cap.stop("a")["capture_%d" % cid]
    rows = tshark(env, p, ["vlan.id"])
    h.check(st["written"] == 7 and st["filtered"] == 8 and
            rows == [("100",)] * 7, "vlan=100: 7 kept, 8 filtered: %s" % rows)


def suspended(env, sw, cap, fa, fb):
    p = os.path.join(env.dir, "susp.pcapng")
    cid = started(cap.start(["b"], p, dir="tx"), "b tx, then suspend b")
    r = sw.suspend(1)
    h.check(r["result"] == 0, "b suspended")
    fa.tx(frames(MAC_B, MAC_A, 40))
    h.wait_for(lambda: sw.port(1)["backlog"] == 40, 5, "40 frames held for b")
    time.sleep(0.3)
    h.check(cap.status(cid)["copied"] == 0, "held frames are not captured")
    h.check(sw.resume(1)["result"] == 0, "b resumed")
    pump(fb, 40)
    h.wait_for(lambda: cap.status(cid)["written"] == 40, 5,
               "the 40 frames captured once delivered")
    cap.stop("b")
    h.check(len(tshark(env, p, ["frame.len"])) == 40, "40 frames in the file")


def port_removed(env, sw, cap):
    p = os.path.join(env.dir, "removed.pcapng")
    cid = started(cap.start(["c"], p), "c, then remove c")
    r = sw.tel("/vuswitch/del_port", "c")
    h.check(r["result"] == 0, "port c removed")
    st = cap.status(cid)
    h.check(st["state"] == "done" and st["end"] == "port-removed",
            "its capture ended with it: %s/%s" % (st["state"], st["end"]))
    h.check(tshark(env, p, ["frame.len"]) == [], "its file reads")


def reader(fd, out):
    """Read a pipe to its end (in a thread), then close it."""
    os.set_blocking(fd, True)
    chunks = []
    while True:
        b = os.read(fd, 1 << 16)
        if not b:
            break
        chunks.append(b)
    os.close(fd)
    out.append(b"".join(chunks))


def stalled_pipe(env):
    """A capture into a pipe the test opens but does not read."""
    c_sock, d_sock = env.sock("c2"), env.sock("d2")
    sw = h.Switch(env, [c_sock + ",name=c", d_sock + ",name=d"],
                  name="vuswitch-pipe")
    cap = Sw(sw)
    vc = h.VM(env, "vm-c", c_sock, MAC_C)
    vd = h.VM(env, "vm-d", d_sock, MAC_D)
    sw.wait_state(0, "running")
    sw.wait_state(1, "running")
    fifo = os.path.join(env.dir, "stall.fifo")
    os.mkfifo(fifo)
    r = cap.start(["c"], fifo)
    h.check(r["result"] != 0 and "pipe nobody reads" in r["error"],
            "a pipe without a reader is refused: %s" % r["error"])
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)   # a reader that stalls
    cid = started(cap.start(["c"], fifo, dir="rx"), "c rx into a stalled pipe")
    c_tx = h.stream_for(vc, vd, 2)
    h.wait_for(lambda: sw.port(0)["rx_packets"] == c_tx, 10,
               "the switch to take every frame C sent (%d)" % c_tx)
    st = cap.status(cid)
    d1 = sw.port(1)
    d_out = d1["tx_packets"] + h.drops(d1, h.TX_DROPS)
    h.check(c_tx > 200000 and d_out == c_tx,
            "forwarding went on: the switch took all %d frames C sent in "
            "2 s and passed each on to D's ring or counted it (D, on a "
            "shared CPU, took %d)" % (c_tx, d1["tx_packets"]))
    h.check(st["dropped_ring_full"] > 0 and
            st["copied"] + st["dropped_ring_full"] == c_tx,
            "the stalled pipe cost frames of the capture, counted: %d "
            "captured, %d not" % (st["copied"], st["dropped_ring_full"]))
    r = cap.stop("c")
    h.check(r["result"] != 0 and "still writing" in r["error"],
            "stop while the pipe is stalled: the file closes later")
    # The stalled reader itself reads on: a second reader opened after it
    # closed would leave the pipe without one for a moment, and a write
    # then fails (EPIPE), which fails the capture.
    out = []
    t = threading.Thread(target=reader, args=(fd, out))
    t.start()
    t.join(30)
    h.check(not t.is_alive(), "the pipe reaches its end once read")
    h.wait_for(lambda: cap.status(cid)["state"] in ("done", "failed"), 10,
               "the capture to end")
    st = cap.status(cid)
    h.check(st["state"] == "done", "it ended done: %s (%s)"
            % (st["state"], st["error"]))
    path = os.path.join(env.dir, "stall.pcapng")
    with open(path, "wb") as f:
        f.write(out[0])
    rows = tshark(env, path, ["frame.interface_name"])
    h.check(len(rows) == st["written"] == st["copied"] and st["written"] > 0,
            "what went through the pipe is a complete file: %d frames"
            % len(rows))
    # A capture still running when the switch stops.
    p = os.path.join(env.dir, "shutdown.pcapng")
    vc.setup("txonly", peer=MAC_D)
    vc.start()
    started(cap.start(["c"], p, dir="rx"), "c, then stop the switch")
    time.sleep(0.5)
    h.check(sw.stop() == 0, "the switch stops cleanly with a capture running")
    rows = tshark(env, p, ["frame.interface_name"])
    h.check(len(rows) > 1000, "its file reads: %d frames" % len(rows))


def body(env):
    for tool in ("tshark", "tcpdump"):
        if not shutil.which(tool):
            raise h.TestFailure("%s is missing (scripts/install-deps)" % tool)
    socks = [env.sock(n) for n in "abc"]
    sw = h.Switch(env, [s + ",name=" + n for s, n in zip(socks, "abc")])
    cap = Sw(sw)
    fa = vhu_fe.Frontend(socks[0])
    fa.start()
    fb = vhu_fe.Frontend(socks[1])
    fb.start()
    sw.wait_state(0, "running")
    sw.wait_state(1, "running")
    bad_requests(env, cap)
    two_captures(env, sw, cap, fa, fb)
    limits(env, sw, cap, fa, fb)
    suspended(env, sw, cap, fa, fb)
    port_removed(env, sw, cap)
    fa.close()
    fb.close()
    h.check(sw.stop() == 0, "switch stops cleanly")
    stalled_pipe(env)


if __name__ == "__main__":
    h.main("capture", body)
