#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of the hostile test's own parts, without a switch: the
Python front-end's split rings (against a device played here, in
Python), the steady pair's accounting of lost, corrupted and duplicated
frames, the cap on what a GET_INFLIGHT_FD may ask for, and the order of
a round's verdicts. If these were wrong, the hostile run could pass a
switch that loses frames, or blame one that does not."""

import os
import struct
import sys

from unitcheck import SRC, check, failures
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))

import hostile  # noqa: E402
import hostile_run  # noqa: E402
import steady  # noqa: E402
import vhu_fe as fe  # noqa: E402


def device_move(src, dst):
    """Play the device: take every frame src made available on TX, put
    it in dst's RX buffers, mark both used. Returns frames moved."""
    tx, rx = src.rings[fe.TX], dst.rings[fe.RX]
    u16 = src.mem.u16
    moved = 0
    avail = u16[tx.avail // 2 + 1]
    seen = u16[tx.used // 2 + 1]
    while seen != avail:
        did = u16[tx.avail // 2 + 2 + seen % tx.n]
        addr, length, _, _ = fe.DESC.unpack_from(src.mem.mm,
                                                 tx.desc + 16 * did)
        off = addr - fe.GPA_BASE
        data = bytes(src.mem.mm[off:off + length])
        used_rx = dst.mem.u16[rx.used // 2 + 1]
        rid = dst.mem.u16[rx.avail // 2 + 2 + used_rx % rx.n]
        raddr, rlen, flags, _ = fe.DESC.unpack_from(dst.mem.mm,
                                                    rx.desc + 16 * rid)
        check_once(flags & fe.DESC_F_WRITE and rlen >= len(data),
                   "RX descriptors are device-writable and big enough")
        roff = raddr - fe.GPA_BASE
        dst.mem.mm[roff:roff + len(data)] = data
        w = rx.used // 4 + 1 + 2 * (used_rx % rx.n)
        dst.mem.u32[w], dst.mem.u32[w + 1] = rid, len(data)
        dst.mem.u16[rx.used // 2 + 1] = (used_rx + 1) & 0xffff
        w = tx.used // 4 + 1 + 2 * (seen % tx.n)
        src.mem.u32[w], src.mem.u32[w + 1] = did, 0
        seen = (seen + 1) & 0xffff
        u16[tx.used // 2 + 1] = seen
        moved += 1
    return moved


_once = set()


def check_once(cond, what):
    if not cond or what not in _once:
        _once.add(what)
        check(cond, what)


class Loopback(fe.Frontend):
    """A Frontend with its memory and rings, but no socket."""

    def __init__(self, ring_size=8):
        self.n = ring_size
        per_ring = fe.align(16 * ring_size) + fe.align(6 + 2 * ring_size) + \
            fe.align(6 + 8 * ring_size)
        self.buf_off = 2 * per_ring
        self.mem = fe.Memory(self.buf_off + 2 * ring_size * fe.BUF_SIZE)
        self.rings = [fe.Ring(self.mem, 0, ring_size),
                      fe.Ring(self.mem, per_ring, ring_size)]
        self.tx_free = list(range(ring_size))
        self.post_rx()

    def close(self):
        for r in self.rings:
            r.close()
        self.mem.close()


def test_rings():
    a, b = Loopback(), Loopback()
    frames = [bytes([i]) * (60 + i) for i in range(20)]
    got, sent = [], 0
    for _ in range(10):
        sent += a.tx(frames[sent:])
        device_move(a, b)
        got += b.rx()
    check(sent == 20, "20 frames sent through an 8-entry ring (%d)" % sent)
    check(got == frames, "they arrive in order, byte for byte")
    check(a.rings[fe.TX].avail_idx == 20 and
          struct.unpack_from("<H", a.mem.mm, a.rings[fe.TX].avail + 2)[0]
          == 20, "avail idx published as a little-endian u16")
    check(len(a.tx_free) == 8, "every TX descriptor came back")
    a.close()
    b.close()


class Queue:
    """Stand-in front-ends for Stream: tx() queues, rx() delivers."""

    def __init__(self):
        self.q = []

    def tx(self, frames):
        self.q += frames
        return len(frames)

    def rx(self):
        out, self.q = self.q, []
        return out


def test_accounting():
    link = Queue()
    s = steady.Stream(0, link, link, "02:00:00:00:00:0a",
                      "02:00:00:00:00:0b", window=16)
    s.reset(3)
    s.step(True)                    # sends 16 frames of round 3
    q = link.q
    check(len(q) == 16, "a window of 16 frames sent")
    bad = bytearray(q[7])
    bad[-1] ^= 1
    link.q = q[:3] + q[4:7] + [bytes(bad)] + q[8:] + [q[5]]
    s.step(False)
    r = s.report()
    check((r["sent"], r["ok"], r["lost"], r["corrupt"], r["dup"]) ==
          (16, 14, 2, 1, 1), "one dropped, one changed, one duplicated: "
          "%s" % r)
    s.reset(4)
    link.q = [steady.frame(s.dst, s.src, 0, 3, 0)]
    s.step(False)
    check(s.report()["late"] == 1 and s.report()["corrupt"] == 0,
          "a frame of an earlier round is late, not corrupt")
    for n in range(0, 3000, 61):
        f = steady.frame(s.dst, s.src, 1, 9, n)
        check_once(60 <= len(f) <= 1514, "frames are 60 to 1514 bytes")


def test_defuse():
    p = fe.INFLIGHT.pack(0, 0, 0xffff, 0xffff)
    size, off, nq, qs = struct.unpack_from("<QQHH", hostile.defuse(
        fe.GET_INFLIGHT_FD, p))
    check(nq * (40 * qs + 128) <= hostile.INFLIGHT_CAP and nq and qs,
          "a GET_INFLIGHT_FD is capped (%d queues of %d)" % (nq, qs))
    check(hostile.defuse(fe.SET_INFLIGHT_FD, p) == p,
          "other requests are left alone")


def test_verdicts():
    r = hostile_run.Round(0, 1, "x")
    check(r.ok and r.verdict == "ok", "a round with no finding is ok")
    r.fail("steady", "a")
    r.fail("crash", "b")
    r.fail("stall-ctrl", "c")
    check(r.verdict == "crash" and r.why == "b", "the worst finding wins")
    check(set(hostile_run.KILLED) <= set(hostile_run.VERDICTS),
          "every 'killed' verdict is a verdict")


def main():
    test_rings()
    test_accounting()
    test_defuse()
    test_verdicts()
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
