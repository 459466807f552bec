#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/,
and the hand-written crash reproducers: tests/fuzz/crashes/<target>/.

Each seed is a small meaningful input in the target's input format (see
the comment at the top of tests/fuzz/fuzz_<target>.c): the message
sequence QEMU sends when a guest starts, a ring restart, a memory table
change, an ARP broadcast, a unicast burst... libFuzzer mutates from them.

    tests/fuzz/corpus.py            rewrite every target's seeds
    tests/fuzz/corpus.py vport_fw   only these targets'
    tests/fuzz/corpus.py --check    exit 1 if the committed seeds differ

A seed's file name says what it is. Seeds are deterministic, so the
committed corpus can be checked against this script (--check).
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(v):
    return struct.pack("<B", v)


def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


# ---------------------------------------------------------------- vport_fw

# Message ids (lib/vhu/vsw_vhu.h).
GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER = 1, 2, 3, 4
SET_MEM_TABLE, SET_LOG_BASE, SET_LOG_FD = 5, 6, 7
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM = 15, 16, 17
SET_VRING_ENABLE, SEND_RARP, NET_SET_MTU, SET_BACKEND_REQ_FD = 18, 19, 20, 21
IOTLB_MSG, POSTCOPY_ADVISE, GET_INFLIGHT_FD, SET_INFLIGHT_FD = 22, 28, 31, 32
SET_STATUS, GET_STATUS, SUSPEND, RESUME = 39, 40, 41, 42

V1 = 0x1            # header version 1
NEED_REPLY = 0x8
NOFD = 1 << 8

# What vuswitch offers (virtio-net through rte_vhost, with checksum and
# TSO offloads, without GSO, ECN and UFO; lib/vport/vport_offload.c), and
# its protocol features.
F_PROTOCOL_FEATURES = 1 << 30
OFFERED = ((1 << 0) | (1 << 1) | (1 << 7) | (1 << 8) | (1 << 11) |
           (1 << 12) |
           (1 << 15) | (1 << 17) | (1 << 21) | (1 << 22) | (1 << 26) |
           (1 << 28) | (1 << 29) | F_PROTOCOL_FEATURES | (1 << 32) |
           (1 << 34) | (1 << 35))
PF_MQ, PF_LOG_SHMFD, PF_RARP, PF_REPLY_ACK, PF_NET_MTU = 0, 1, 2, 3, 4
PF_STATUS, PF_SUSPEND = 16, 18
OFFERED_PF = sum(1 << b for b in (PF_MQ, PF_LOG_SHMFD, PF_RARP,
                                  PF_REPLY_ACK, PF_NET_MTU, PF_STATUS,
                                  PF_SUSPEND))
QEMU_FEATURES = (1 << 15) | (1 << 32) | F_PROTOCOL_FEATURES
QEMU_PF = OFFERED_PF & ~(1 << PF_SUSPEND)

# The fake descriptor table: index -> (kind, blk, size). Kinds: 1 regular
# file, 2 eventfd, 3 socket, 4 other (a pipe); blk: log2 of st_blksize.
FD_MEM, FD_HUGE, FD_KICK, FD_CALL, FD_SOCK, FD_PIPE = range(6)
FDS = [
    (1, 12, 4 << 30),   # memfd, 4 GiB, 4 KiB pages
    (1, 21, 2 << 30),   # hugetlbfs file, 2 GiB, 2 MiB pages
    (2, 0, 0),          # eventfd
    (2, 0, 0),          # eventfd
    (3, 0, 0),          # socket
    (4, 0, 0),          # pipe
]


def fw_header(offered=OFFERED, offered_pf=OFFERED_PF):
    out = u64(offered) + u64(offered_pf)
    for kind, blk, size in FDS:
        out += u8(kind) + u8(blk) + u64(size)
    return out


def msg(req, payload=b"", fds=(), flags=V1, fail=False, size=None):
    """One message; size None: the protocol's own (size byte 0)."""
    if size is None:
        sz = u8(0)
    elif size < 254:
        sz = u8(size + 1)
    else:
        sz = u8(255) + u16(size)
    ctl = len(fds) | (0x10 if fail else 0)
    return (u8(req) + u8(flags) + sz + u8(ctl) + u8(len(payload)) +
            payload + b"".join(u8(f) for f in fds))


def state(index, num):
    return u32(index) + u32(num)


def region(gpa, size, uaddr, offset):
    return u64(gpa) + u64(size) + u64(uaddr) + u64(offset)


def mem_table(regions):
    return u32(len(regions)) + u32(0) + b"".join(regions)


def vring_addr(index, base):
    return (u32(index) + u32(0) + u64(base) + u64(base + 0x1000) +
            u64(base + 0x2000) + u64(0))


ONE_GIB = mem_table([region(0, 1 << 30, 0x7f0000000000, 0)])
TWO_REGIONS = mem_table([
    region(0, 0xc0000000, 0x7f0000000000, 0),
    region(0x100000000, 0x40000000, 0x7f00c0000000, 0xc0000000)])


def negotiate(features=QEMU_FEATURES, pf=QEMU_PF):
    return (msg(GET_FEATURES) + msg(GET_PROTOCOL_FEATURES) +
            msg(SET_PROTOCOL_FEATURES, u64(pf)) +
            msg(GET_QUEUE_NUM) + msg(SET_OWNER) +
            msg(SET_FEATURES, u64(features)))


def ring_up(v, num=256, enable=True):
    out = (msg(SET_VRING_NUM, state(v, num)) +
           msg(SET_VRING_BASE, state(v, 0)) +
           msg(SET_VRING_ADDR, vring_addr(v, 0x10000 * (v + 1))) +
           msg(SET_VRING_KICK, u64(v), fds=[FD_KICK]) +
           msg(SET_VRING_CALL, u64(v), fds=[FD_CALL]))
    if enable:
        out += msg(SET_VRING_ENABLE, state(v, 1))
    return out


def qemu_start(mem=ONE_GIB, fd_list=(FD_MEM,)):
    return (negotiate() + msg(SET_MEM_TABLE, mem, fds=list(fd_list)) +
            ring_up(0) + ring_up(1))


def vport_fw_seeds():
    s = {}
    h = fw_header()
    s["qemu-start"] = h + qemu_start()
    s["qemu-start-two-regions"] = h + qemu_start(TWO_REGIONS,
                                                 (FD_MEM, FD_MEM))
    s["qemu-start-hugepages"] = h + (
        negotiate() +
        msg(SET_MEM_TABLE, mem_table([region(0, 1 << 30, 0x7f0000000000,
                                             1 << 21)]), fds=[FD_HUGE]) +
        ring_up(0) + ring_up(1))
    # QEMU's stop: GET_VRING_BASE on each ring, then start again.
    s["vring-restart"] = h + (
        qemu_start() +
        msg(GET_VRING_BASE, state(0, 0)) + msg(GET_VRING_BASE, state(1, 0)) +
        ring_up(0, 512) + ring_up(1, 512))
    # A restart that forgets SET_VRING_NUM (refused).
    s["vring-restart-no-num"] = h + (
        qemu_start() + msg(GET_VRING_BASE, state(0, 0)) +
        msg(SET_VRING_ADDR, vring_addr(0, 0x10000)) +
        msg(SET_VRING_KICK, u64(0), fds=[FD_KICK]))
    # Memory change: refused while rings run, allowed once disabled.
    s["mem-table-change"] = h + (
        qemu_start() +
        msg(SET_MEM_TABLE, TWO_REGIONS, fds=[FD_MEM, FD_MEM]) +
        msg(SET_VRING_ENABLE, state(0, 0)) +
        msg(SET_VRING_ENABLE, state(1, 0)) +
        msg(SET_MEM_TABLE, TWO_REGIONS, fds=[FD_MEM, FD_MEM]) +
        msg(SET_VRING_ENABLE, state(0, 1)) +
        msg(SET_VRING_ENABLE, state(1, 1)))
    # A memory table rte_vhost fails to map: rings must stay off.
    s["mem-table-fails"] = h + (
        negotiate() + msg(SET_MEM_TABLE, ONE_GIB, fds=[FD_MEM]) +
        ring_up(0, enable=False) +
        msg(SET_MEM_TABLE, TWO_REGIONS, fds=[FD_MEM, FD_MEM], fail=True) +
        msg(SET_VRING_ENABLE, state(0, 1)) +
        msg(SET_MEM_TABLE, ONE_GIB, fds=[FD_MEM]) +
        msg(SET_VRING_ENABLE, state(0, 1)))
    # Without protocol features a kick starts the ring.
    s["legacy-no-protocol-features"] = h + (
        msg(GET_FEATURES) + msg(SET_OWNER) +
        msg(SET_FEATURES, u64((1 << 15) | (1 << 32))) +
        msg(SET_MEM_TABLE, ONE_GIB, fds=[FD_MEM]) +
        ring_up(0, enable=False) + ring_up(1, enable=False) +
        msg(SET_MEM_TABLE, ONE_GIB, fds=[FD_MEM]) +
        msg(RESET_OWNER) + msg(SET_MEM_TABLE, ONE_GIB, fds=[FD_MEM]))
    # Dirty logging for migration.
    s["migration-log"] = h + (
        qemu_start() +
        msg(SET_LOG_BASE, u64(1 << 20) + u64(0), fds=[FD_MEM]) +
        msg(SET_LOG_FD, b"", fds=[FD_CALL]) +
        msg(SET_FEATURES, u64(QEMU_FEATURES | (1 << 26))) +
        msg(SEND_RARP, bytes([2, 0, 0, 0, 0, 1, 0, 0])))
    # The rest of the table, with REPLY_ACK (and BACKEND_REQ offered).
    s["misc-with-reply"] = fw_header(offered_pf=OFFERED_PF | 1 << 5) + (
        negotiate(pf=QEMU_PF | 1 << 5) +
        msg(NET_SET_MTU, u64(1500), flags=V1 | NEED_REPLY) +
        msg(SET_STATUS, u64(0x0f), flags=V1 | NEED_REPLY) +
        msg(GET_STATUS) +
        msg(SET_BACKEND_REQ_FD, b"", fds=[FD_SOCK]) +
        msg(SET_VRING_CALL, u64(0 | NOFD)) +
        msg(SET_VRING_ERR, u64(1), fds=[FD_CALL]) +
        msg(SET_VRING_NUM, state(2, 1024)) +
        msg(SET_VRING_BASE, state(2, 7)))
    # SUSPEND/RESUME draft around a running device.
    s["suspend-resume"] = h + (
        negotiate(pf=OFFERED_PF) + msg(SET_MEM_TABLE, ONE_GIB, fds=[FD_MEM]) +
        ring_up(0) + msg(SUSPEND, flags=V1 | NEED_REPLY) +
        msg(RESUME, flags=V1 | NEED_REPLY))
    # What the firewall refuses: never offered, bad header, bad fds.
    s["refused"] = h + (
        negotiate() +
        msg(GET_INFLIGHT_FD, u64(1 << 34) + u64(0) + u16(2) + u16(256),
            size=20) +
        msg(SET_INFLIGHT_FD, u64(4096) + u64(0) + u16(2) + u16(256),
            fds=[FD_MEM], size=20) +
        msg(POSTCOPY_ADVISE) + msg(IOTLB_MSG, bytes(24), size=24) +
        msg(47) +
        msg(GET_FEATURES, flags=0x2) + msg(GET_FEATURES, flags=V1 | 0x4) +
        msg(SET_MEM_TABLE, ONE_GIB, fds=[FD_PIPE]) +
        msg(SET_MEM_TABLE, mem_table([region(0, 8 << 30, 0x7f0000000000,
                                             0)]), fds=[FD_MEM]) +
        msg(SET_VRING_NUM, state(0, 1000)) +
        msg(SET_VRING_KICK, u64(0), fds=[FD_PIPE]) +
        msg(SET_VRING_NUM, state(300, 256)))
    return s


# ------------------------------------------------------------ fwd_classify

XCONNECT, SMALL_TABLE, VLANS = 0x1, 0x2, 0x4
# Frame flags (bits of lenseg): data in the pool's buffer, a second
# reference held, no headroom.
DIRECT, SHARED, NO_HEADROOM = 1 << 11, 1 << 12, 1 << 13
IN_VSET = 0x40
NONE, ACCESS, TRUNK = 0, 1, 2
VLAN_MAX = 4094


def mac(*b):
    return bytes(b)


BCAST = mac(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)


def sta(n):
    return mac(0x02, 0, 0, 0, 0, n)


def eth(dst, src, ethertype=0x0800, body=b""):
    return dst + src + struct.pack(">H", ethertype) + body


def arp_request(src, ip_src, ip_dst):
    body = (struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + src + ip_src +
            bytes(6) + ip_dst)
    return eth(BCAST, src, 0x0806, body)


def tagged(dst, src, tci, ethertype=0x0800, body=b""):
    return dst + src + struct.pack(">HHH", 0x8100, tci, ethertype) + body


def frame(data, cuts=(), flags=0):
    """A frame, in len(cuts) + 1 segments of the given lengths."""
    assert len(data) < 512 and len(cuts) < 4
    return (u16(len(data) | (len(cuts) << 9) | flags) +
            b"".join(u8(c) for c in cuts) + data)


def burst(port, frames, advance=0, age=None, vset=None):
    """Frames received on a port; vset: change a port's VLANs first."""
    op = (advance << 1) | (1 if age is not None else 0)
    out = u8(port | (IN_VSET if vset is not None else 0))
    out += (vset or b"") + u8(len(frames) - 1) + u8(op)
    if age is not None:
        out += u8(age)
    return out + b"".join(frames)


def cl_header(cfg=0, live=0xf, now=1000):
    return u8(cfg) + u64(live) + u32(now)


def vset(port, mode, index=0, native=False, carry=0, span=False):
    """A port's VLANs: index is the pal[] entry of its access or native
    VLAN, carry the pal[] entries a trunk carries (a bit each), span:
    and every VLAN from pal[0] to pal[1]."""
    return (u8(port) + u8(mode | (index << 2) | (0x10 if native else 0)) +
            u8(carry | (0x10 if span else 0)))


def vlans(pal, sets, spare=255):
    """The VLAN section: pal (four VLANs, 1-4094), the mbufs left for
    copies (64 or more: no shortage), the port settings."""
    assert len(pal) == 4 and all(1 <= v <= VLAN_MAX for v in pal)
    return (b"".join(u16(v - 1) for v in pal) + u8(spare) +
            u8(len(sets)) + b"".join(sets))


def payload(n):
    return bytes((i * 7) & 0xff for i in range(n))


def fwd_classify_seeds():
    s = {}
    ip = lambda n: bytes([10, 0, 0, n])
    # ARP who-has from station 1 on port 0, reply from 2 on port 1, then
    # unicast both ways (learned, so no flooding).
    s["arp-then-unicast"] = cl_header() + (
        burst(0, [frame(arp_request(sta(1), ip(1), ip(2)))]) +
        burst(1, [frame(eth(sta(1), sta(2), 0x0806, payload(28)))]) +
        burst(0, [frame(eth(sta(2), sta(1), body=payload(50)))] * 4) +
        burst(1, [frame(eth(sta(1), sta(2), body=payload(50)))] * 4))
    # A full burst of unicast to an unknown station (flooded), then known.
    s["unicast-burst"] = cl_header(live=0xff) + (
        burst(2, [frame(eth(sta(9), sta(3), body=payload(46)))] * 32) +
        burst(4, [frame(eth(sta(3), sta(9), body=payload(46)))]) +
        burst(2, [frame(eth(sta(9), sta(3), body=payload(46)))] * 32))
    # Mixed: broadcast, multicast, runts, to own port, chained mbufs.
    s["mixed"] = cl_header(live=0x7) + (
        burst(0, [frame(eth(sta(1), sta(1), body=payload(50)))]) +
        burst(0, [
            frame(eth(BCAST, sta(1), body=payload(50))),
            frame(eth(mac(0x01, 0, 0x5e, 0, 0, 1), sta(1), body=payload(50))),
            frame(eth(sta(1), sta(5), body=payload(50))),
            frame(bytes(13)),
            frame(b""),
            frame(eth(sta(2), sta(1), body=payload(100)), cuts=(14,)),
            frame(eth(sta(2), sta(1), body=payload(100)), cuts=(10, 20)),
            frame(eth(sta(2), sta(1), body=payload(300)), cuts=(100, 100, 50)),
        ]))
    # A station moving between ports, ageing, a small full table.
    s["move-and-age"] = cl_header(cfg=SMALL_TABLE, live=0x3f) + (
        burst(0, [frame(eth(BCAST, sta(i), body=payload(46)))
                  for i in range(1, 9)]) +
        burst(1, [frame(eth(sta(2), sta(1), body=payload(46)))]) +
        burst(3, [frame(eth(sta(1), sta(7), body=payload(46)))],
              advance=100, age=30) +
        burst(5, [frame(eth(BCAST, sta(i), body=payload(46)))
                  for i in range(20, 40)]))
    # The small table full: four sources on each of four ports (the
    # per-port limit), then more on a fifth.
    s["table-full"] = cl_header(cfg=SMALL_TABLE, live=0x3f) + b"".join(
        burst(p, [frame(eth(BCAST, sta(16 * p + i), body=payload(46)))
                  for i in range(6)]) for p in range(5))
    # Ports 0<->1 and 2<->3 patched; 5's peer 4 is down.
    s["xconnect"] = cl_header(cfg=XCONNECT, live=0x2f) + (
        burst(0, [frame(eth(sta(2), sta(1), body=payload(46)))] * 3) +
        burst(3, [frame(b""), frame(bytes(60))]) +
        burst(5, [frame(eth(BCAST, sta(1), body=payload(46)))]))
    # Repeats of a unicast frame after a flood gave every port a slot:
    # each repeat goes to the port the first one went to.
    s["repeat-after-flood"] = cl_header() + (
        burst(2, [frame(eth(BCAST, sta(2), body=payload(46)))]) +
        burst(0, [frame(eth(BCAST, sta(1), body=payload(46)))] +
              [frame(eth(sta(2), sta(1), body=payload(46)))] * 3))
    # Only the ingress port is live: nothing to flood to.
    s["alone"] = cl_header(live=0x1) + (
        burst(0, [frame(eth(BCAST, sta(1), body=payload(46))),
                  frame(eth(sta(3), sta(1), body=payload(46)))]))
    s.update(fwd_classify_vlan_seeds())
    return s


# VLANs 10, 20, 30, 100 (pal[0..3]); ports as tests/unit/test_fwd_vlan.c:
# 0, 1 no VLAN; 2, 3 access 10; 4 access 20; 5 trunk 10, 20, 30;
# 6 trunk 10, 20 native 30; 7 trunk 20 native 10.
PAL = (10, 20, 30, 100)
V10, V20, V30 = 0b0001, 0b0010, 0b0100
PORTS8 = [vset(2, ACCESS, 0), vset(3, ACCESS, 0), vset(4, ACCESS, 1),
          vset(5, TRUNK, carry=V10 | V20 | V30),
          vset(6, TRUNK, 2, native=True, carry=V10 | V20),
          vset(7, TRUNK, 0, native=True, carry=V20)]


def vlan_header(sets=None, spare=255, cfg=0, live=0xff):
    return (cl_header(cfg=cfg | VLANS, live=live) +
            vlans(PAL, PORTS8 if sets is None else sets, spare))


def fwd_classify_vlan_seeds():
    s = {}
    body = payload(46)
    # Floods within a VLAN from an access port, a trunk and a native
    # VLAN; learned unicast both ways; what each port must drop.
    s["vlan-membership"] = vlan_header() + (
        burst(2, [frame(eth(BCAST, sta(1), body=body))]) +
        burst(5, [frame(tagged(BCAST, sta(2), 20, body=body))]) +
        burst(7, [frame(eth(BCAST, sta(3), body=body))]) +
        burst(6, [frame(eth(sta(1), sta(4), body=body))]) +
        burst(3, [frame(eth(sta(4), sta(5), body=body)),
                  frame(eth(sta(4), sta(1), body=body))]) +
        burst(5, [frame(tagged(sta(1), sta(6), 10, body=body)),
                  frame(tagged(sta(1), sta(6), 99, body=body)),
                  frame(eth(sta(1), sta(6), body=body))]) +
        burst(2, [frame(tagged(sta(6), sta(1), 0xa000, body=body)),
                  frame(tagged(sta(6), sta(1), 10, body=body))]) +
        burst(0, [frame(tagged(BCAST, sta(7), 10, body=body)),
                  frame(tagged(BCAST, sta(7), 10)[:16])]))
    # Repeats: a run of one unicast frame to an access port (the fast
    # path), then to a trunk (tagged: no fast path), then on a native
    # VLAN, interleaved with another station; a tagged frame with the
    # addresses of the frame before (no repeat: its EtherType differs).
    a = frame(eth(sta(8), sta(1), body=body))
    t = frame(eth(sta(6), sta(1), body=body))
    n = frame(eth(sta(3), sta(9), body=body))
    s["vlan-repeat"] = vlan_header() + (
        burst(3, [frame(eth(BCAST, sta(8), body=body))]) +
        burst(5, [frame(tagged(BCAST, sta(6), 10, body=body))]) +
        burst(2, [a] * 16 + [t] * 8 + [a] * 8) +
        burst(7, [n] * 4 + [frame(eth(sta(3), sta(9), 0x86dd, body))] +
              [n] * 4) +
        burst(2, [a, t] * 16) +
        burst(2, [a, frame(tagged(sta(8), sta(1), 20, body=body)), a]))
    # Frames in the pool's own buffers (popped and pushed in place),
    # shared ones (copied first), no headroom, tags across segments.
    d = tagged(sta(1), sta(6), 0x3014, body=payload(60))
    s["vlan-in-place"] = vlan_header() + (
        burst(2, [frame(eth(BCAST, sta(1), body=body), flags=DIRECT)]) +
        burst(5, [frame(d, flags=DIRECT), frame(d, flags=DIRECT | SHARED),
                  frame(d, flags=DIRECT | NO_HEADROOM),
                  frame(d, cuts=(16,), flags=DIRECT),
                  frame(d, cuts=(18, 30), flags=DIRECT),
                  frame(d, cuts=(40,))]) +
        burst(2, [frame(eth(sta(6), sta(1), body=body),
                        flags=DIRECT | NO_HEADROOM),
                  frame(eth(sta(6), sta(1), body=body), flags=SHARED)]) +
        burst(6, [frame(tagged(BCAST, sta(2), 20, body=body),
                        flags=DIRECT)] * 4))
    # Too few mbufs for the tagged copies of floods and pushes, and for
    # the copy of a shared frame: two left, then none.
    s["vlan-no-mbuf"] = vlan_header(spare=2) + (
        burst(2, [frame(eth(BCAST, sta(1), body=body))] * 4) +
        burst(5, [frame(tagged(BCAST, sta(2), 20, body=body))]) +
        burst(5, [frame(tagged(sta(1), sta(2), 10, body=body),
                        flags=SHARED)] * 3) +
        burst(2, [frame(eth(sta(2), sta(1), body=body))] * 3))
    # VLANs change under learned entries; a trunk of a span of VLANs.
    s["vlan-change"] = vlan_header() + (
        burst(3, [frame(eth(BCAST, sta(8), body=body))]) +
        burst(2, [frame(eth(sta(8), sta(1), body=body))]) +
        burst(2, [frame(eth(sta(8), sta(1), body=body))],
              vset=vset(3, ACCESS, 1)) +
        burst(5, [frame(tagged(BCAST, sta(4), 15, body=body))],
              vset=vset(5, TRUNK, carry=V30, span=True)) +
        burst(5, [frame(tagged(BCAST, sta(4), 15, body=body))],
              vset=vset(6, TRUNK, 2, native=True, span=True)) +
        burst(4, [frame(eth(sta(4), sta(2), body=body))],
              vset=vset(4, NONE)) +
        burst(0, [frame(eth(BCAST, sta(3), body=body))]))
    return s


def vport_fw_reproducers():
    """Hand-written reproducers of firewall bugs (tests/fuzz/crashes/)."""
    s = {}
    # A ring size the firewall keeps after rte_vhost failed to take a new
    # one (size stored, arrays freed): the ring starts with no arrays.
    s["num-failed-then-start"] = fw_header() + (
        negotiate() + msg(SET_MEM_TABLE, ONE_GIB, fds=[FD_MEM]) +
        msg(SET_VRING_NUM, state(0, 256)) +
        msg(SET_VRING_NUM, state(0, 32768), fail=True) +
        msg(SET_VRING_BASE, state(0, 0)) +
        msg(SET_VRING_ADDR, vring_addr(0, 0x10000)) +
        msg(SET_VRING_KICK, u64(0), fds=[FD_KICK]) +
        msg(SET_VRING_CALL, u64(0), fds=[FD_CALL]) +
        msg(SET_VRING_ENABLE, state(0, 1)))
    return s


TARGETS = {
    "vport_fw": vport_fw_seeds,
    "fwd_classify": fwd_classify_seeds,
}

# Written to tests/fuzz/crashes/<target>/ (besides inputs the fuzzer
# found, which are kept as they came).
REPRODUCERS = {
    "vport_fw": vport_fw_reproducers,
}


def main(argv):
    check = "--check" in argv
    names = [a for a in argv if not a.startswith("--")] or list(TARGETS)
    bad = 0
    for name in names:
        if name not in TARGETS:
            print("corpus.py: no target %s (have: %s)" %
                  (name, " ".join(TARGETS)), file=sys.stderr)
            return 2
        sets = [("corpus", TARGETS[name]())]
        if name in REPRODUCERS:
            sets.append(("crashes", REPRODUCERS[name]()))
        for sub, inputs in sets:
            bad |= write(os.path.join(HERE, sub, name), inputs, check)
    return bad


def write(d, inputs, check):
    if check:
        bad = 0
        for fn, data in inputs.items():
            p = os.path.join(d, fn)
            if not os.path.exists(p) or open(p, "rb").read() != data:
                print("corpus.py: %s differs from what the script "
                      "writes" % p, file=sys.stderr)
                bad = 1
        return bad
    os.makedirs(d, exist_ok=True)
    for fn, data in inputs.items():
        with open(os.path.join(d, fn), "wb") as f:
            f.write(data)
    print("%d inputs in %s" % (len(inputs), os.path.relpath(d)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
