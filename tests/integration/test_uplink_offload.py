#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Offloaded frames from a VM reach the host kernel through tap ports.

The switch runs in a network namespace of the test with two net_tap
ports, T1 (the device's offloads: net_tap's checksum offload; its TSO is
not used, see vport_offload.c) and T2 (offload=0: every frame finished by
the switch), and a Python front-end A that negotiated every offload and
writes virtio-net headers. A sends, to an unknown MAC (flooded to both
taps):

  - a 64 KB TSO frame, TCP/IPv4 (MSS 1448) and TCP/IPv6 (MSS 1428);
  - partial checksums: UDP/IPv4 and TCP/IPv6.

A raw socket on each tap in the namespace captures what the kernel got,
and this file checks, with its own checksum code (test_offload.py's):
every frame a valid Ethernet frame no longer than the MTU allows, IPv4
header checksums, TCP and UDP checksums, lengths, sequence numbers, and
the payload whole and in order. Telemetry says which offloads each port
uses, and the switch counts every segment sent and no drop.

Then T1 becomes a trunk of VLAN 10 and A an access port of VLAN 10: the
TSO frame reaches T1 as tagged segments (the tag pushed before the
segmentation, each segment carries it), all valid.
"""
import base64
import json
import os
import struct
import time

import harness as h
import test_offload as ol
import vhu_fe as fe

MAC_A = "02:00:00:00:00:0a"
UNKNOWN = "02:00:00:00:00:ee"
MSS4, MSS6 = 1448, 1428
OL_TX_CSUM = 1
TSO_CAPA = 1 << 5            # RTE_ETH_TX_OFFLOAD_TCP_TSO
MULTI_SEGS = 1 << 15         # RTE_ETH_TX_OFFLOAD_MULTI_SEGS

# Capture frames from SRC on the interfaces given, for at most SECS
# seconds or until each has N frames; the tag the kernel took off into
# PACKET_AUXDATA is put back. Prints one JSON object.
SNIFF = """
import base64, json, select, socket, struct, sys, time
src = bytes(int(x, 16) for x in sys.argv[1].split(":"))
n, secs, ifs = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
socks = {}
for i in ifs:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((i, 0))
    s.setsockopt(263, 8, 1)        # SOL_PACKET, PACKET_AUXDATA
    socks[s] = i
got = {i: [] for i in ifs}
print("ready", flush=True)
end = time.monotonic() + secs
while time.monotonic() < end and any(len(v) < n for v in got.values()):
    r, _, _ = select.select(list(socks), [], [], 0.1)
    for s in r:
        d, anc, _, addr = s.recvmsg(70000, 64)
        if d[6:12] != src or addr[2] == socket.PACKET_OUTGOING:
            continue
        for lvl, typ, data in anc:
            if lvl == 263 and typ == 8:
                st, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH",
                                                          data[:20])
                if st & 0x10:
                    d = d[:12] + struct.pack("!HH", tpid or 0x8100,
                                             tci) + d[12:]
        got[socks[s]].append(base64.b64encode(d).decode())
print(json.dumps(got), flush=True)
"""


def sniff_start(ns, ifs, n, secs):
    p = ns.popen(["python3", "-c", SNIFF, MAC_A, str(n), str(secs)] +
                 list(ifs))
    line = p.stdout.readline().strip()
    h.check(line == b"ready", "capture on %s ready (%s)" % (ifs, line))
    return p


def sniff_end(p, secs):
    out = p.communicate(timeout=secs + 20)[0].decode()
    lines = [x for x in out.splitlines() if x.startswith("{")]
    h.check(lines, "the capture printed its frames: %s" % out[-300:])
    return {k: [base64.b64decode(x) for x in v]
            for k, v in json.loads(lines[-1]).items()}


def frames_of(caught, v6, proto):
    """The captured frames of one IP version and protocol; tags off."""
    out = []
    for f in caught:
        vid = None
        if f[12:14] == b"\x81\x00":
            vid = struct.unpack("!H", f[14:16])[0] & 0xfff
            f = f[:12] + f[16:]
        et = f[12:14]
        if et == (b"\x86\xdd" if v6 else b"\x08\x00") and \
                f[14 + (6 if v6 else 9)] == proto:
            out.append((vid, f))
    return out


def of_stream(frames, frame, l4):
    """The frames of TCP stream `frame` (by sequence number)."""
    seq0 = struct.unpack("!I", frame[l4 + 4:l4 + 8])[0]
    return [(v, f) for v, f in frames
            if (struct.unpack("!I", f[l4 + 4:l4 + 8])[0] - seq0) % (1 << 32)
            < len(frame)]


def check_stream(name, segs, frame, l3, l4, v6, mss, vid):
    """The TSO frame's segments as the kernel got them."""
    payload = frame[l4 + ol.TCP:]
    want = (len(payload) + mss - 1) // mss
    h.check(len(segs) == want, "%s: %d segments (%d expected)"
            % (name, len(segs), want))
    seq0 = struct.unpack("!I", frame[l4 + 4:l4 + 8])[0]
    data, problems = b"", []
    for i, (tag, seg) in enumerate(segs):
        n = min(mss, len(payload) - len(data))
        if tag != vid:
            problems.append("segment %d tag %s" % (i, tag))
        if len(seg) != l4 + ol.TCP + n or len(seg) - l3 > 1500:
            problems.append("segment %d is %d bytes" % (i, len(seg)))
        if seg[:12] != frame[:12]:
            problems.append("segment %d addresses" % i)
        if not v6:
            tot = struct.unpack("!H", seg[l3 + 2:l3 + 4])[0]
            if tot != ol.IP4 + ol.TCP + n or ol.sum16(seg[l3:l4]) != 0xffff:
                problems.append("segment %d IPv4 length or checksum" % i)
        elif struct.unpack("!H", seg[l3 + 4:l3 + 6])[0] != ol.TCP + n:
            problems.append("segment %d IPv6 payload length" % i)
        if struct.unpack("!I", seg[l4 + 4:l4 + 8])[0] != \
                (seq0 + len(data)) & 0xffffffff:
            problems.append("segment %d sequence number" % i)
        if not ol.l4_valid(seg, l3, l4, v6):
            problems.append("segment %d TCP checksum" % i)
        data += seg[l4 + ol.TCP:]
    h.check(not problems, "%s: lengths, sequence numbers and checksums of "
            "every segment %s" % (name, problems[:5]))
    h.check(data == payload, "%s: the payload whole and in order" % name)


def send(a, hdr, frame):
    h.check(a.tx([(hdr, frame)]) == 1, "A posted a %d-byte frame"
            % len(frame))


def tso_frame(v6, mss):
    frame, l3, l4 = ol.build(v6=v6, payload=65000 - (ol.IP6 if v6 else
                                                     ol.IP4) - ol.TCP - 20,
                             seq=0xfffff000, flags=0x18, dst=UNKNOWN,
                             src=MAC_A)
    return frame, l3, l4, ol.tso_hdr(v6, l4, mss=mss)


def offloads(env, ns, sw, a, taps):
    sent = []
    for v6, mss in ((False, MSS4), (True, MSS6)):
        frame, l3, l4, hdr = tso_frame(v6, mss)
        sent.append(("TSO " + ("IPv6" if v6 else "IPv4"), frame, l3, l4,
                     v6, mss, hdr))
    csums = []
    for v6, udp in ((False, True), (True, False)):
        frame, l3, l4 = ol.build(v6=v6, udp=udp, payload=1201, dst=UNKNOWN,
                                 src=MAC_A, seq=0x40000000)
        csums.append(("partial %s/%s" % ("UDP" if udp else "TCP",
                                         "IPv6" if v6 else "IPv4"),
                      frame, l3, l4, v6, udp))
    nseg = sum((len(f) - l4 - ol.TCP + m - 1) // m
               for _, f, _, l4, _, m, _ in sent)
    before = [sw.port(0), sw.port(1)]
    p = sniff_start(ns, taps, nseg + len(csums), 15)
    for name, frame, l3, l4, v6, mss, hdr in sent:
        send(a, hdr, frame)
    for name, frame, l3, l4, v6, udp in csums:
        send(a, ol.csum_hdr(l4, udp), frame)
    caught = sniff_end(p, 15)
    for port, tap in enumerate(taps):
        what = "%s (%s)" % (tap, "offloads" if port == 0 else "offload=0")
        for name, frame, l3, l4, v6, mss, hdr in sent:
            check_stream("%s to %s" % (name, what),
                         of_stream(frames_of(caught[tap], v6, 6), frame, l4),
                         frame, l3, l4, v6, mss, None)
        for name, frame, l3, l4, v6, udp in csums:
            got = [f for _, f in frames_of(caught[tap], v6, 17 if udp else 6)
                   if len(f) == len(frame)]
            h.check(len(got) == 1 and ol.l4_valid(got[0], l3, l4, v6) and
                    got[0][l4 + 18 if not udp else l4 + 8:] ==
                    frame[l4 + 18 if not udp else l4 + 8:],
                    "%s to %s: one frame, its checksum complete"
                    % (name, what))
        after = sw.port(port)
        h.check(after["tx_packets"] - before[port]["tx_packets"] ==
                nseg + len(csums) and h.drops(after, h.TX_DROPS) == 0 and
                after["eth_oerrors"] == 0,
                "%s: the switch sent %d frames, no drop, no device error"
                % (what, after["tx_packets"] - before[port]["tx_packets"]))
    h.check(h.drops(sw.port(2), h.RX_DROPS) == 0, "A's port: no drop")


def vlan_tso(env, ns, sw, a, taps):
    for spec in ("t1,trunks=10", "a,vlan=10"):
        r = sw.tel("/vuswitch/set_port", spec)
        h.check(r["result"] == 0, "set-port %s: %s" % (spec, r))
    frame, l3, l4, hdr = tso_frame(False, MSS4)
    nseg = (len(frame) - l4 - ol.TCP + MSS4 - 1) // MSS4
    p = sniff_start(ns, taps[:1], nseg, 15)
    send(a, hdr, frame)
    caught = sniff_end(p, 15)
    check_stream("TSO IPv4 from access VLAN 10 to trunk %s" % taps[0],
                 of_stream(frames_of(caught[taps[0]], False, 6), frame, l4),
                 frame, l3, l4, False, MSS4, 10)


def body(env):
    ns = h.NetNs(env, "tapol")
    base = "vswo%d" % (os.getpid() % 10000)
    taps = [base + "a", base + "b"]
    a_sock = env.sock("a")
    sw = h.Switch(env, ["eth:net_tap0,iface=%s,name=t1" % taps[0],
                        "eth:net_tap1,iface=%s,name=t2,offload=0" % taps[1],
                        a_sock], netns=ns)
    a = fe.Frontend(a_sock, ring_size=ol.RING, buf_size=ol.BUF, timeout=10)
    try:
        a.start(features=ol.ALL)
        run(env, ns, sw, a, taps)
    finally:
        a.close()


def run(env, ns, sw, a, taps):
    sw.wait_state(2, "running")
    for tap in taps:
        # No IPv6 on the taps: the kernel's router solicitations and MLD
        # reports would be flooded to the other tap and counted with
        # the frames under test (raw sockets still see every frame).
        rc, out = ns.run(["sh", "-c", "echo 1 > "
                          "/proc/sys/net/ipv6/conf/%s/disable_ipv6" % tap])
        h.check(rc == 0, "IPv6 off on %s: %s" % (tap, out.strip()))
        ns.ip("link", "set", tap, "up")
    t1, t2 = sw.port(0), sw.port(1)
    h.check(t1["tx_offload_capa"] & TSO_CAPA and
            t1["offloads"] == OL_TX_CSUM and t1["offload_offered"] == 1,
            "t1 uses net_tap's checksum offload, not its TSO: %s"
            % {k: t1[k] for k in ("tx_offload_capa", "tx_offloads",
                                  "offloads")})
    h.check(t2["offloads"] == 0 and t2["offload_offered"] == 0 and
            t2["tx_offloads"] & ~MULTI_SEGS == 0,
            "t2 (offload=0) uses none (multi-segment only): %#x"
            % t2["tx_offloads"])
    offloads(env, ns, sw, a, taps)
    vlan_tso(env, ns, sw, a, taps)


if __name__ == "__main__":
    h.main("uplink-offload", body, need=("vuswitch",))
