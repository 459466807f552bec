#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""802.1Q VLANs between vhost-user ports.

Python front-ends on ports with every kind of VLAN setting:

  a, b  access 10        c  access 20        g  access 30
  d     trunk 10:20, native 30               f  trunk 10:20
  e, h  no VLAN (VLAN 0)

Checked, frame by frame (each front-end sees exactly what it should, in
the form it should: tagged or not, and with which VID):

- broadcast and unknown unicast stay in their VLAN; access ports get them
  untagged, trunks tagged (their native VLAN untagged);
- learned unicast goes to its port only, tag pushed or popped;
- the same MAC on two VLANs is two stations (each VLAN's frames go to its
  own port) and a move on one VLAN leaves the other;
- frames of VLANs a port does not carry are dropped and counted (vlan);
  a priority tag is accepted on an access port; a double tag passes
  trunk to trunk untouched (an access port gets the inner tag);
- VLAN 0 ports pass tagged frames as they are, among themselves only;
- set-port at run time moves a port to another VLAN and flushes its MAC
  entries; bad set-port and add-port requests (overlapping keys, bad
  VLAN lists, a key twice) change nothing; VLANs in xconnect mode are
  refused;
- testpmd VMs: a stream from an access port reaches a trunk VM tagged,
  which sends it back tagged (macswap) to the access port, counted frame
  for frame both ways, and none reaches a VM on another VLAN.
"""
import os
import struct
import time

import frames as fr
import harness as h
import vhu_fe

PORTS = {   # name: its VLAN keys
    "a": "vlan=10", "b": "vlan=10", "c": "vlan=20", "d": "trunks=10:20,native=30",
    "e": "", "f": "trunks=10:20", "g": "vlan=30", "h": "",
}
ORDER = sorted(PORTS)
BCAST = fr.BROADCAST


def mac(n):
    return "02:00:00:00:01:%02x" % n


class Fe:
    """A Python front-end on one port: sends, and collects what it gets."""

    def __init__(self, env, name):
        self.name = name
        self.fe = vhu_fe.Frontend(env.sock(name))
        self.fe.start()

    def send(self, frames):
        n = 0
        deadline = time.monotonic() + 5
        while n < len(frames) and time.monotonic() < deadline:
            n += self.fe.tx(frames[n:])
        if n < len(frames):
            raise h.TestFailure("%s could not send" % self.name)

    def take(self):
        return [fr.Parsed(f) for f in self.fe.rx() if f is not None]


def exchange(fes, src, frames, want, what, settle=0.3):
    """src sends frames; then every front-end must have got exactly what
    want says: {name: [(payload tag, vlan or None)]}, the others nothing.
    Frames are told apart by their last 8 bytes."""
    for f in fes.values():
        f.take()
    fes[src].send(frames)
    got = {n: [] for n in fes}
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        for n, f in fes.items():
            got[n] += [(p.raw[-8:], p.vlan) for p in f.take()]
        time.sleep(0.01)
    bad = {n: sorted(got[n]) for n in fes
           if sorted(got[n]) != sorted(want.get(n, []))}
    h.check(not bad, "%s: %s, nobody else (wrong: %s)" % (
        what, ", ".join("%s %s" % (n, v) for n, v in sorted(want.items()))
        or "nobody", bad))


def tagged(dst, src, vlan, tag, pcp=0):
    """A frame dst <- src, tagged vlan (None: untagged), ending in tag."""
    payload = b"\0" * 40 + tag
    return fr.eth(dst, src, 0x88b5, payload, vlan=vlan, pcp=pcp)


def t8(s):
    return s.encode().ljust(8, b".")[:8]


def flooding(sw, fes):
    x = t8("bc-a")
    exchange(fes, "a", [tagged(BCAST, mac(1), None, x)],
             {"b": [(x, None)], "d": [(x, 10)], "f": [(x, 10)]},
             "broadcast from access 10")
    x = t8("uu-c")
    exchange(fes, "c", [tagged(mac(0x99), mac(3), None, x)],
             {"d": [(x, 20)], "f": [(x, 20)]},
             "unknown unicast from access 20")
    x = t8("bc-d30")
    exchange(fes, "d", [tagged(BCAST, mac(4), None, x)], {"g": [(x, None)]},
             "untagged on trunk d: its native VLAN 30")
    x = t8("bc-g")
    exchange(fes, "g", [tagged(BCAST, mac(7), None, x)], {"d": [(x, None)]},
             "access 30 to trunk d: native, untagged")
    x = t8("bc-d20")
    exchange(fes, "d", [tagged(BCAST, mac(4), 20, x, pcp=5)],
             {"c": [(x, None)], "f": [(x, 20)]},
             "tagged 20 on trunk d")
    x = t8("prio-a")
    exchange(fes, "a", [tagged(BCAST, mac(1), 0, x, pcp=3)],
             {"b": [(x, None)], "d": [(x, 10)], "f": [(x, 10)]},
             "a priority tag on an access port")
    x = t8("vlan0")
    exchange(fes, "e", [tagged(BCAST, mac(5), 77, x)], {"h": [(x, 77)]},
             "VLAN 0 passes a tagged frame as it is, to VLAN 0 only")


def unicast(sw, fes):
    # Everyone is known by now but b and f's station.
    fes["b"].send([tagged(BCAST, mac(2), None, t8("learn"))])
    time.sleep(0.2)
    x = t8("a-b")
    exchange(fes, "a", [tagged(mac(2), mac(1), None, x)], {"b": [(x, None)]},
             "learned unicast a -> b")
    x = t8("d-b")
    exchange(fes, "d", [tagged(mac(2), mac(4), 10, x)], {"b": [(x, None)]},
             "learned unicast from trunk d, popped")
    x = t8("b-d")
    exchange(fes, "b", [tagged(mac(4), mac(2), None, x)], {"d": [(x, 10)]},
             "learned unicast to trunk d, pushed")

    # Station X (0x58) on trunk f in VLAN 10 and VLAN 20.
    fes["f"].send([tagged(BCAST, mac(0x58), 10, t8("x10")),
                   tagged(BCAST, mac(0x58), 20, t8("x20"))])
    time.sleep(0.3)
    macs = sw.tel("/vuswitch/mac").get(str(ORDER.index("f")), [])
    h.check(mac(0x58) + " vlan 10" in macs and mac(0x58) + " vlan 20" in macs,
            "X learned on f twice, VLANs 10 and 20: %s" % macs)
    x = t8("a-x")
    exchange(fes, "a", [tagged(mac(0x58), mac(1), None, x)],
             {"f": [(x, 10)]}, "a -> X: to f, VLAN 10")
    x = t8("c-x")
    exchange(fes, "c", [tagged(mac(0x58), mac(3), None, x)],
             {"f": [(x, 20)]}, "c -> X: to f, VLAN 20")
    # X moves to trunk d, on VLAN 20 only.
    fes["d"].send([tagged(BCAST, mac(0x58), 20, t8("x-move"))])
    time.sleep(0.3)
    x = t8("c-x2")
    exchange(fes, "c", [tagged(mac(0x58), mac(3), None, x)],
             {"d": [(x, 20)]}, "after the move on VLAN 20, c -> X: to d")
    x = t8("a-x2")
    exchange(fes, "a", [tagged(mac(0x58), mac(1), None, x)],
             {"f": [(x, 10)]}, "a -> X on VLAN 10: still f")


def double_tags(fes):
    """Outer tag 20, inner 99, from trunk d: trunk f gets the frame byte
    for byte; access c (VLAN 20) gets it with the inner tag left."""
    x = t8("qinq")
    inner = tagged(BCAST, mac(4), 99, x)
    frame = inner[:12] + struct.pack("!HH", fr.ETH_VLAN, 20) + inner[12:]
    for f in fes.values():
        f.take()
    fes["d"].send([frame])
    got = {n: [] for n in fes}
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline:
        for n, f in fes.items():
            got[n] += [p.raw for p in f.take()]
        time.sleep(0.01)
    h.check(got["f"] == [frame], "double tag: trunk f got it untouched")
    h.check(got["c"] == [inner], "double tag: access c got it with its "
            "inner tag (99) only")
    h.check(all(not v for n, v in got.items() if n not in ("c", "f")),
            "double tag: nobody else got it: %s" % {n: len(v) for n, v in
                                                   got.items()})


def drops(sw, fes):
    before = {n: sw.port(n)["drop_vlan"] for n in ("a", "d", "f")}
    exchange(fes, "a", [tagged(BCAST, mac(1), 20, t8("bad-a"))], {},
             "tagged 20 on access a: dropped")
    exchange(fes, "d", [tagged(BCAST, mac(4), 40, t8("bad-d"))], {},
             "tagged 40 on trunk d: dropped")
    exchange(fes, "f", [tagged(BCAST, mac(6), None, t8("bad-f"))], {},
             "untagged on trunk f (no native): dropped")
    after = {n: sw.port(n)["drop_vlan"] for n in ("a", "d", "f")}
    h.check(all(after[n] - before[n] == 1 for n in after),
            "each counted once as vlan: %s -> %s" % (before, after))


def set_port(env, sw, fes):
    r = sw.tel("/vuswitch/set_port", "b,vlan=20")
    h.check(r["result"] == 0 and r["vlan_mode"] == "access" and
            r["vlan"] == 20, "set-port b vlan=20: %s" % r)
    h.check(sw.port("b")["mac_entries"] == 0, "b's MAC entries flushed")
    x = t8("a-b-moved")
    exchange(fes, "a", [tagged(mac(2), mac(1), None, x)],
             {"d": [(x, 10)], "f": [(x, 10)]},
             "a -> b's old MAC: now unknown on VLAN 10")
    x = t8("c-bc")
    exchange(fes, "c", [tagged(BCAST, mac(3), None, x)],
             {"b": [(x, None)], "d": [(x, 20)], "f": [(x, 20)]},
             "VLAN 20 broadcast now reaches b")
    r = sw.tel("/vuswitch/set_port", "d,trunks=20:40-42")
    h.check(r["result"] == 0 and r["trunks"] == "20:40-42" and
            r["native"] == 0, "set-port d trunks=20:40-42: %s" % r)
    before = sw.port("d")
    bad = [
        ("b,vlan=10,trunks=20", "cannot both be given"),
        ("b,native=5", "native= needs trunks="),
        ("b,trunks=10:20,native=20", "also in trunks="),
        ("b,trunks=0", "trunks must be VLANs 1-4094"),
        ("b,trunks=30-20", "trunks must be VLANs"),
        ("b,vlan=4095", "vlan must be a VLAN"),
        ("b,vlan=10,vlan=20", "vlan= given twice"),
        ("b,client=1", "set-port changes vlan="),
        ("nosuch,vlan=1", "no port 'nosuch'"),
        ("b", "set-port PORT KEY=VALUE"),
    ]
    for spec, msg in bad:
        r = sw.tel("/vuswitch/set_port", spec)
        h.check(r["result"] < 0 and msg in r["error"],
                "set-port %s refused: %s" % (spec, r["error"]))
    h.check(sw.port("b")["vlan"] == 20 and sw.port("d")["trunks"] ==
            before["trunks"], "and nothing changed")
    ports = sw.tel("/vuswitch/ports")
    x = env.sock("x")
    for spec, msg in ((x + ",vlan=10,trunks=20", "cannot both be given"),
                      (x + ",trunks=10,20", "'20' is not key=value"),
                      (x + ",trunks=10:20,native=10", "also in trunks="),
                      (x + ",native=3", "native= needs trunks="),
                      (x + ",trunks=1-4095", "trunks must be VLANs"),
                      (x + ",trunks=5,trunks=6", "trunks= given twice")):
        r = sw.tel("/vuswitch/add_port", spec)
        h.check(r["result"] < 0 and msg in r["error"],
                "add-port %s refused: %s" % (spec, r["error"]))
    h.check(sw.tel("/vuswitch/ports") == ports and not os.path.exists(x),
            "no port added, no socket made")
    r = sw.tel("/vuswitch/set_port", "b,vlan=0")
    h.check(r["result"] == 0 and r["vlan_mode"] == "none",
            "set-port b vlan=0: no VLAN again")


def testpmd_stream(env):
    """testpmd VMs: A (access 10) streams to B (trunk 10:20), which gets
    every frame tagged 10 and sends each back, still tagged (macswap):
    the switch pops the tag on the way to A. Counted frame for frame;
    C (access 20) gets none. (testpmd's own tx_vlan needs tx_prepare,
    which its txonly engine does not call, so virtio-user sends the frames
    untagged: the switch does the tagging here.)"""
    names = ("b-trunk", "a-v10", "c-v20")
    socks = [env.sock("t-" + n) for n in names]
    sw = h.Switch(env, [socks[0] + ",trunks=10:20", socks[1] + ",vlan=10",
                        socks[2] + ",vlan=20"], name="sw-testpmd")
    b, a, c = [h.VM(env, "tvm-" + n, s, "02:00:00:00:02:%02x" % i)
               for i, (n, s) in enumerate(zip(names, socks))]
    for i in range(3):
        sw.wait_state(i, "running")
    c.setup("rxonly")
    c.start()
    b.setup("macswap")
    b.start()
    sent = h.burst(sw, a, b.mac, 2, 1)
    h.check(sent > 10000, "A sent %d frames" % sent)
    b.halt()
    time.sleep(0.5)
    pb, pa, pc = sw.port(0), sw.port(1), sw.port(2)
    b_rx, b_tx = b.stats()
    h.check(pa["rx_packets"] == sent and pb["tx_packets"] == b_rx and
            pb["tx_packets"] + h.drops(pb, h.TX_DROPS) == sent,
            "VLAN 10 to the trunk: %d sent = %d at B + %d dropped" %
            (sent, b_rx, h.drops(pb, h.TX_DROPS)))
    h.check(b_tx > 1000 and pb["rx_packets"] == b_tx and
            pb["drop_vlan"] == 0,
            "B sent %d tagged frames back; the trunk took them all as "
            "VLAN 10" % b_tx)
    h.check(pa["tx_packets"] + h.drops(pa, h.TX_DROPS) == b_tx,
            "to A, untagged: %d delivered + %d dropped = %d" %
            (pa["tx_packets"], h.drops(pa, h.TX_DROPS), b_tx))
    h.check(c.rx() == 0 and pc["tx_packets"] == 0, "VLAN 20's VM got none")


def body(env):
    specs = [env.sock(n) + ("," + PORTS[n] if PORTS[n] else "")
             for n in ORDER]
    sw = h.Switch(env, specs)
    fes = {n: Fe(env, n) for n in ORDER}
    for i in range(len(ORDER)):
        sw.wait_state(i, "running")
    p = sw.port("d")
    h.check(p["vlan_mode"] == "trunk" and p["trunks"] == "10:20" and
            p["native"] == 30, "telemetry: d is a trunk 10:20 native 30")
    h.check(sw.port("a")["vlan_mode"] == "access" and
            sw.port("e")["vlan_mode"] == "none", "a access, e none")
    flooding(sw, fes)
    unicast(sw, fes)
    drops(sw, fes)
    double_tags(fes)
    set_port(env, sw, fes)
    for f in fes.values():
        f.fe.close()
    sw.stop()

    rc, out = env.run([env.vuswitch, "--no-huge", "-m", "256", "--no-pci",
                       "--lcores", "0@0,1@1", "--", "--mode", "xconnect",
                       "--port", env.sock("x") + ",vlan=10"])
    h.check(rc == 2 and "VLANs need --mode learn" in out,
            "VLANs in xconnect mode: exit 2, said why")
    testpmd_stream(env)


if __name__ == "__main__":
    h.main("vlan", body)
