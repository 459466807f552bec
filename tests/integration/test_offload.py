#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checksum and TCP segmentation offloads, end to end.

Five Python front-ends (vhu_fe.Frontend, real rings, virtio-net headers
written and read here) on one switch:

  A  every offload (CSUM, GUEST_CSUM, HOST/GUEST_TSO4/6): the sender
  B  every offload: the capable peer
  C  none: the peer that needs every frame finished
  D  CSUM and GUEST_CSUM only: takes partial checksums, no TSO
  E  a port with offload=0: offered nothing

and checks, with this file's own checksum code:
  - the features each port offers (offload bits; mergeable buffers and
    indirect descriptors always) and what each negotiated (telemetry);
  - a 64 KB TSO frame (IPv4, IPv6) reaches B as one frame with its GSO
    header, reaches C as MSS-sized segments with valid IP and TCP
    checksums, consecutive sequence numbers, the right lengths, ids and
    flags, and the original payload, and reaches D as the same segments
    with partial checksums that complete to valid ones;
  - partial checksums (TCP, UDP; IPv4, IPv6) completed for C, handed on
    to B;
  - a TSO frame flooded to all of them, each getting its own form;
  - each malformed request dropped and counted as bad-offload, and
    nothing delivered; the requests rte_vhost absorbs itself are
    delivered as the guest's own bytes;
  - every mbuf back in the pool.
Then a switch with --no-offload offers no offload on any port, also on
one added at run time.
"""
import array
import struct
import sys
import time

import harness as h
import vhu_fe as fe

RING = 64                    # above a 64 KB frame's 45 segments
BUF = 70000                  # a 64 KB frame and its header, unmerged
MSS = 1448
MACS = ["02:00:00:00:00:%02x" % (0xa0 + i) for i in range(5)]
UNKNOWN = "02:00:00:00:00:ee"
SRC4, DST4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
SRC6 = bytes([0xfd] + [0] * 14 + [1])
DST6 = bytes([0xfd] + [0] * 14 + [2])
ETH, IP4, IP6, TCP, UDP = 14, 20, 40, 20, 8

OFFLOADS = [fe.F_CSUM, fe.F_GUEST_CSUM, fe.F_HOST_TSO4, fe.F_HOST_TSO6,
            fe.F_GUEST_TSO4, fe.F_GUEST_TSO6]
NEVER = [fe.F_GSO, fe.F_GUEST_ECN, fe.F_GUEST_UFO, fe.F_HOST_ECN,
         fe.F_HOST_UFO]
V1 = 1 << fe.F_VERSION_1
ALL = V1 | sum(1 << b for b in OFFLOADS)
CSUM_ONLY = V1 | (1 << fe.F_CSUM) | (1 << fe.F_GUEST_CSUM)
# vsw_fwd.h's VSW_FWD_OL_* bits, as telemetry reports them.
OL_TX_CSUM, OL_TX_TSO4, OL_TX_TSO6 = 1, 2, 4
OL_RX_CSUM, OL_RX_TSO4, OL_RX_TSO6 = 8, 16, 32


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def sum16(b):
    """One's complement sum of b, folded, big-endian words."""
    if len(b) % 2:
        b += b"\0"
    a = array.array("H", b)
    if sys.byteorder == "little":
        a.byteswap()
    s = sum(a)
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def fold_add(*vals):
    s = sum(vals)
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo(v6, l4len, proto):
    """Folded pseudo-header sum (uncomplemented)."""
    if v6:
        return fold_add(sum16(SRC6 + DST6), l4len >> 16, l4len & 0xffff,
                        proto)
    return fold_add(sum16(SRC4 + DST4), proto, l4len)


def build(v6=False, udp=False, payload=1000, seq=1000, flags=0x18,
          dst=MACS[1], src=MACS[0], proto=None, data_off=5, ext=b""):
    """An Ethernet/IP/TCP-or-UDP frame whose L4 checksum field holds the
    pseudo-header sum, as a guest with checksum offload leaves it.
    Returns (frame, l3 offset, l4 offset)."""
    body = bytes((i * 7 + (i >> 8) * 13 + 1) & 0xff for i in range(payload))
    if proto is None:
        proto = 17 if udp else 6
    if udp:
        l4 = struct.pack("!HHHH", 1000, 2000, UDP + payload, 0)
    else:
        l4 = struct.pack("!HHIIBBHHH", 1000, 2000, seq, 7, data_off << 4,
                         flags, 65535, 0, 0)
    l4len = len(l4) + payload
    if v6:
        nh = 0 if ext else proto
        l3 = struct.pack("!IHBB", 6 << 28, len(ext) + l4len, nh, 64) + \
            SRC6 + DST6 + ext
        etype = 0x86dd
    else:
        l3 = bytearray(struct.pack("!BBHHHBBH", 0x45, 0, IP4 + l4len, 0x1234,
                                   0x4000, 64, proto, 0) + SRC4 + DST4)
        l3[10:12] = struct.pack("!H", 0xffff - sum16(bytes(l3)))
        l3 = bytes(l3)
        etype = 0x0800
    field = 6 if udp else 16
    l4 = bytearray(l4)
    if len(l4) > field:
        l4[field:field + 2] = struct.pack("!H", pseudo(v6, l4len, proto))
    frame = mac(dst) + mac(src) + struct.pack("!H", etype) + l3 + bytes(l4) + body
    return frame, ETH, ETH + len(l3)


def tso_hdr(v6, l4off, mss=MSS, gso=None, csum_start=None):
    return fe.net_hdr(flags=fe.HDR_F_NEEDS_CSUM,
                      gso_type=gso if gso is not None else
                      (fe.GSO_TCPV6 if v6 else fe.GSO_TCPV4),
                      hdr_len=l4off + TCP, gso_size=mss,
                      csum_start=l4off if csum_start is None else csum_start,
                      csum_offset=16)


def csum_hdr(l4off, udp=False, csum_start=None):
    return fe.net_hdr(flags=fe.HDR_F_NEEDS_CSUM,
                      csum_start=l4off if csum_start is None else csum_start,
                      csum_offset=6 if udp else 16)


def l4_valid(frame, l3, l4, v6):
    """Is the TCP/UDP checksum of frame right?"""
    if v6:
        l4len = struct.unpack("!H", frame[l3 + 4:l3 + 6])[0]
        proto = frame[l3 + 6]
    else:
        l4len = struct.unpack("!H", frame[l3 + 2:l3 + 4])[0] - (l4 - l3)
        proto = frame[l3 + 9]
    return fold_add(pseudo(v6, l4len, proto),
                    sum16(frame[l4:l4 + l4len])) == 0xffff


def complete(frame, hdr):
    """What a receiver does with a partial checksum (virtio-net)."""
    f = bytearray(frame)
    start, off = hdr["csum_start"], hdr["csum_offset"]
    s = sum16(bytes(f[start:]))
    f[start + off:start + off + 2] = struct.pack("!H", 0xffff - s)
    return bytes(f)


def collect(fes, n, timeout=10):
    """Frames (header dict, frame) each front-end received: n[i] each,
    then 0.3 s more to catch extra ones."""
    got = [[] for _ in fes]
    end = time.monotonic() + timeout
    while time.monotonic() < end and any(len(g) < k for g, k in zip(got, n)):
        for g, f in zip(got, fes):
            for x in f.rx(with_hdr=True):
                if x is None:
                    raise h.TestFailure("a broken used entry")
                g.append((fe.parse_net_hdr(x[0]), x[1]))
        time.sleep(0.005)
    time.sleep(0.3)
    for g, f in zip(got, fes):
        for x in f.rx(with_hdr=True):
            if x is None:
                raise h.TestFailure("a broken used entry")
            g.append((fe.parse_net_hdr(x[0]), x[1]))
    return got


def send(f, hdr, frame):
    h.check(f.tx([(hdr, frame)]) == 1, "posted a %d-byte frame" % len(frame))


class Rig:
    def __init__(self, env):
        socks = [env.sock(n) for n in "abcde"]
        self.sw = h.Switch(env, socks[:4] + [socks[4] + ",offload=0"])
        self.fes = []
        for s, feats in zip(socks, [ALL, ALL, V1, CSUM_ONLY, ALL]):
            f = fe.Frontend(s, ring_size=RING, buf_size=BUF, timeout=10)
            env.closers.append(f.close)
            f.start(features=feats)
            self.fes.append(f)
        for i in range(5):
            self.sw.wait_state(i, "running")
        self.a, self.b, self.c, self.d, self.e = self.fes

    def learn(self):
        """Each front-end sends a broadcast from its MAC; the switch
        learns them all; the flooded copies are read and dropped."""
        for f, m in zip(self.fes, MACS):
            f.tx([mac("ff:ff:ff:ff:ff:ff") + mac(m) + b"\x88\xb5" +
                  bytes(50)])
        h.wait_for(lambda: sum(len(v) for v in
                               self.sw.tel("/vuswitch/mac").values()) == 5,
                   10, "five MACs learned")
        collect(self.fes, [4] * 5)

    def bad_offload(self, port=0):
        return self.sw.port(port)["drop_bad_offload"]


def check_segments(name, got, frame, l3, l4, v6, partial):
    """Segments of TSO frame `frame` as received: valid and complete."""
    payload = frame[l4 + TCP:]
    want = (len(payload) + MSS - 1) // MSS
    h.check(len(got) == want, "%s: %d segments (%d expected)"
            % (name, len(got), want))
    seq0 = struct.unpack("!I", frame[l4 + 4:l4 + 8])[0]
    id0 = struct.unpack("!H", frame[l3 + 4:l3 + 6])[0]
    data, problems = b"", []
    for i, (hdr, seg) in enumerate(got):
        if hdr["gso_type"] != fe.GSO_NONE:
            problems.append("segment %d has gso_type %d" % (i, hdr["gso_type"]))
        if partial:
            if hdr["flags"] != fe.HDR_F_NEEDS_CSUM or \
                    hdr["csum_start"] != l4 or hdr["csum_offset"] != 16:
                problems.append("segment %d header %s" % (i, hdr))
            seg = complete(seg, hdr)
        elif hdr["flags"] != 0:
            problems.append("segment %d flags %d" % (i, hdr["flags"]))
        n = min(MSS, len(payload) - len(data))
        if len(seg) != l4 + TCP + n:
            problems.append("segment %d is %d bytes" % (i, len(seg)))
        if seg[:l3] != frame[:l3]:
            problems.append("segment %d Ethernet header" % i)
        if v6:
            if struct.unpack("!H", seg[l3 + 4:l3 + 6])[0] != TCP + n:
                problems.append("segment %d payload length" % i)
        else:
            tot, ident = struct.unpack("!HH", seg[l3 + 2:l3 + 6])
            if tot != IP4 + TCP + n or ident != (id0 + i) & 0xffff:
                problems.append("segment %d IPv4 length %d id %d"
                                % (i, tot, ident))
            if sum16(seg[l3:l4]) != 0xffff:
                problems.append("segment %d IPv4 header checksum" % i)
        if struct.unpack("!I", seg[l4 + 4:l4 + 8])[0] != \
                (seq0 + len(data)) & 0xffffffff:
            problems.append("segment %d sequence number" % i)
        flags = seg[l4 + 13]
        last = i == len(got) - 1
        if (flags & 0x09) != ((frame[l4 + 13] & 0x09) if last else 0):
            problems.append("segment %d flags %#x" % (i, flags))
        if not l4_valid(seg, l3, l4, v6):
            problems.append("segment %d TCP checksum" % i)
        data += seg[l4 + TCP:]
    h.check(not problems, "%s: lengths, ids, sequence numbers, flags and "
            "checksums of every segment %s" % (name, problems[:5]))
    h.check(data == payload, "%s: the segments carry the payload, in order"
            % name)


def check_gso_frame(name, got, frame, l3, l4, v6):
    """The TSO frame as a capable peer receives it: one frame, its GSO
    header intact, its bytes the sender's but for the checksum field."""
    h.check(len(got) == 1, "%s: one frame (%d)" % (name, len(got)))
    hdr, f = got[0]
    want = {"flags": fe.HDR_F_NEEDS_CSUM, "gso_type": fe.GSO_TCPV6 if v6
            else fe.GSO_TCPV4, "hdr_len": l4 + TCP, "gso_size": MSS,
            "csum_start": l4, "csum_offset": 16}
    h.check(all(hdr[k] == v for k, v in want.items()),
            "%s: header %s" % (name, hdr))
    h.check(len(f) == len(frame) and f[:l4 + 16] == frame[:l4 + 16] and
            f[l4 + 18:] == frame[l4 + 18:], "%s: the sender's bytes" % name)
    # rte_vhost writes the pseudo-header sum without the length into a
    # GSO frame (as for an Intel NIC's TSO; see docs/architecture.md).
    field = struct.unpack("!H", f[l4 + 16:l4 + 18])[0]
    l4len = len(frame) - l4
    h.check(field in (pseudo(v6, 0, 6), pseudo(v6, l4len, 6)),
            "%s: checksum field %#x is a pseudo-header sum" % (name, field))


def tso_cases(rig):
    a, b, c, d, e = rig.fes
    for v6 in (False, True):
        ip = "IPv6" if v6 else "IPv4"
        frame, l3, l4 = build(v6=v6, payload=65000 - (IP6 if v6 else IP4) -
                              TCP - 20, seq=0xfffff000, flags=0x19)
        hdr = tso_hdr(v6, l4)
        nseg = (len(frame) - l4 - TCP + MSS - 1) // MSS
        for dst, idx in ((b, 1), (c, 2), (d, 3), (e, 4)):
            f = bytearray(frame)
            f[:6] = mac(MACS[idx])
            f = bytes(f)
            send(a, hdr, f)
            want = 1 if dst is b else nseg
            got = collect(rig.fes, [want if x is dst else 0 for x in rig.fes])
            others = sum(len(g) for x, g in zip(rig.fes, got) if x is not dst)
            h.check(others == 0, "TSO %s to %s: nobody else got anything"
                    % (ip, "BCDE"[idx - 1]))
            mine = got[idx]
            if dst is b:
                check_gso_frame("TSO %s to B" % ip, mine, f, l3, l4, v6)
            else:
                check_segments("TSO %s to %s" % (ip, "BCDE"[idx - 1]), mine,
                               f, l3, l4, v6, partial=dst is d)


def csum_cases(rig):
    a, b, c, d, e = rig.fes
    for v6 in (False, True):
        for udp in (False, True):
            name = "%s/%s" % ("UDP" if udp else "TCP", "IPv6" if v6 else "IPv4")
            frame, l3, l4 = build(v6=v6, udp=udp, payload=1201,
                                  dst=UNKNOWN)
            send(a, csum_hdr(l4, udp), frame)
            got = collect(rig.fes, [0, 1, 1, 1, 1])
            (hb, fb), (hc, fc), (hd, fd), (he, fE) = [g[0] for g in got[1:]]
            h.check(hb["flags"] == fe.HDR_F_NEEDS_CSUM and
                    hb["csum_start"] == l4 and
                    hb["csum_offset"] == (6 if udp else 16) and
                    l4_valid(complete(fb, hb), l3, l4, v6),
                    "partial %s handed on to B, and it completes" % name)
            h.check(hd["flags"] == fe.HDR_F_NEEDS_CSUM and
                    l4_valid(complete(fd, hd), l3, l4, v6),
                    "partial %s handed on to D, and it completes" % name)
            fo = l4 + (6 if udp else 16)
            for n, hx, fx in (("C", hc, fc), ("E", he, fE)):
                h.check(hx["flags"] == 0 and l4_valid(fx, l3, l4, v6) and
                        fx[:fo] == frame[:fo] and fx[fo + 2:] == frame[fo + 2:],
                        "%s checksum completed for %s" % (name, n))


def flood_case(rig):
    a = rig.a
    frame, l3, l4 = build(payload=30000, dst=UNKNOWN, flags=0x18)
    send(a, tso_hdr(False, l4), frame)
    n = (30000 + MSS - 1) // MSS
    got = collect(rig.fes, [0, 1, n, n, n])
    h.check(not got[0], "flood: nothing back to A")
    check_gso_frame("flood to B", got[1], frame, l3, l4, False)
    check_segments("flood to C", got[2], frame, l3, l4, False, False)
    check_segments("flood to D", got[3], frame, l3, l4, False, True)
    check_segments("flood to E (offload=0)", got[4], frame, l3, l4, False,
                   False)


def bad(rig, src, name, hdr, frame):
    """A malformed request: dropped, counted once, nothing delivered."""
    port = rig.fes.index(src)
    before = rig.bad_offload(port)
    send(src, hdr, frame)
    h.wait_for(lambda: rig.bad_offload(port) > before, 5,
               "%s: counted as bad-offload" % name)
    got = collect(rig.fes, [0] * 5, timeout=0.2)
    h.check(rig.bad_offload(port) == before + 1 and
            not any(got), "%s: dropped, counted once, nothing delivered"
            % name)


def malformed_cases(rig):
    a, d = rig.a, rig.d
    frame, l3, l4 = build(payload=20000)
    # The TCP header claims 60 bytes; the frame has 20 of them and 10 more.
    short, _, _ = build(payload=10, data_off=15)
    bad(rig, a, "TCP header length beyond the frame", tso_hdr(False, l4),
        short)
    f = bytearray(frame)
    f[l3 + 2:l3 + 4] = struct.pack("!H", 1000)
    bad(rig, a, "IPv4 total length short of the frame", tso_hdr(False, l4),
        bytes(f))
    small, _, _ = build(payload=10, data_off=2)
    bad(rig, a, "TCP header shorter than 20 bytes", csum_hdr(l4), small)
    ufo, _, ul4 = build(udp=True, payload=20000)
    bad(rig, a, "UDP segmentation (never offered)",
        fe.net_hdr(fe.HDR_F_NEEDS_CSUM, fe.GSO_UDP, ul4 + UDP, MSS, ul4, 6),
        ufo)
    bad(rig, a, "gso_size 1 (too many segments)", tso_hdr(False, l4, mss=1),
        frame)
    bad(rig, d, "TSO from a port that did not negotiate it",
        tso_hdr(False, l4), frame)
    sctp, _, _ = build(payload=100, proto=132)
    bad(rig, a, "SCTP checksum request", csum_hdr(l4), sctp)
    ext6, _, e4 = build(v6=True, payload=3000,
                        ext=bytes([6, 0, 1, 4, 0, 0, 0, 0]))
    bad(rig, a, "IPv6 extension header", tso_hdr(True, e4), ext6)
    plain, _, _ = build(payload=300)
    bad(rig, a, "csum_start inside the payload", csum_hdr(l4, csum_start=100),
        plain)
    bad(rig, a, "csum_start beyond the frame", csum_hdr(l4, csum_start=4000),
        plain)
    bad(rig, a, "TSO with csum_start beyond the frame",
        tso_hdr(False, l4, csum_start=60000), frame)
    # What rte_vhost absorbs itself: a GSO type on a frame without TCP is
    # ignored there, and the guest's bytes go on as a plain frame.
    arp = mac(MACS[1]) + mac(MACS[0]) + b"\x08\x06" + bytes(range(28))
    before = rig.bad_offload()
    send(a, fe.net_hdr(0, fe.GSO_TCPV4, 40, MSS, 0, 0), arp)
    got = collect(rig.fes, [0, 1, 0, 0, 0])
    h.check(len(got[1]) == 1 and got[1][0][1] == arp and
            got[1][0][0]["gso_type"] == 0 and rig.bad_offload() == before,
            "a GSO type on an ARP frame: rte_vhost ignores it, B gets the "
            "guest's bytes as a plain frame")


def features_cases(rig):
    for i, f in enumerate(rig.fes):
        offered = f.offered
        on = i != 4
        h.check(all(bool(offered & (1 << b)) == on for b in OFFLOADS),
                "port %d offers the offloads: %s" % (i, on))
        h.check(not any(offered & (1 << b) for b in NEVER),
                "port %d offers no GSO, ECN or UFO" % i)
        h.check(offered & (1 << fe.F_MRG_RXBUF) and
                offered & (1 << fe.F_INDIRECT_DESC),
                "port %d offers mergeable buffers and indirect descriptors" % i)
    want = [0x3f, 0x3f, 0, OL_TX_CSUM | OL_RX_CSUM, 0]
    for i, w in enumerate(want):
        p = rig.sw.port(i)
        h.check(p["offloads"] == w and p["offload_offered"] == (i != 4),
                "port %d: offloads %#x (%#x), offered %d" %
                (i, p["offloads"], w, p["offload_offered"]))


def body(env):
    env.closers = []
    try:
        rig = Rig(env)
        features_cases(rig)
        base = rig.sw.tel("/vuswitch/mempool")["in_use"]
        rig.learn()
        tso_cases(rig)
        csum_cases(rig)
        flood_case(rig)
        malformed_cases(rig)
        p0 = rig.sw.port(0)
        h.check(p0["drop_gso_nomem"] == 0 and
                sum(rig.sw.port(i)["drop_ring_full"] for i in range(5)) == 0,
                "no frame lost for mbufs or ring space")
        h.wait_for(lambda: rig.sw.tel("/vuswitch/mempool")["in_use"] == base,
                   10, "every mbuf back in the pool (%d in use)" % base)
        h.check(rig.sw.stop() == 0, "switch exits 0")
    finally:
        for c in env.closers:
            c()

    # --no-offload: no port offers any offload, not even one added later.
    s = env.sock("n")
    sw = h.Switch(env, [s, env.sock("m") + ",offload=1"],
                  args=["--no-offload"], name="vuswitch-nooff")
    r = sw.tel("/vuswitch/add_port", env.sock("k") + ",offload=1")
    h.check(r["result"] == 0 and sw.port(2)["offload_offered"] == 0,
            "--no-offload: a port added at run time offers none (%s)" % r)
    for path in (s, env.sock("m"), env.sock("k")):
        m = h.MiniFrontend(path)
        offered = m.get_u64(m.GET_FEATURES)
        m.close()
        h.check(not any(offered & (1 << b) for b in OFFLOADS + NEVER) and
                offered & (1 << fe.F_MRG_RXBUF),
                "--no-offload: %s offers no offload (%#x)" % (path, offered))
    h.check(sw.stop() == 0, "switch exits 0")


if __name__ == "__main__":
    h.main("offload", body)
