#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Three ports: learned unicast goes only where it should; broadcast and
unknown unicast reach every other port; a frame for its own ingress port
is dropped and counted.

For each kind of traffic A sends for a while, then every frame is
accounted for: frames that reached B (or C) == what the switch sent there,
and what the switch received == what it sent + counted drops.
"""
import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_C = "02:00:00:00:00:0c"


def vm_rx(sw, vms):
    for i in (1, 2):
        h.delivered(sw, vms[i], i)
    return [vm.rx() for vm in vms]


def body(env):
    sw, vms = h.topology(env, (MAC_A, MAC_B, MAC_C))
    a, b, c = vms
    h.learn(sw, b, 1)
    h.learn(sw, c, 2)

    cases = [
        ("unicast to B", MAC_B, {1}),
        ("broadcast", "ff:ff:ff:ff:ff:ff", {1, 2}),
        ("unknown unicast", "02:00:00:00:00:99", {1, 2}),
        ("multicast", "01:00:5e:00:00:01", {1, 2}),
        ("A's own MAC", MAC_A, set()),
    ]
    for name, dst, targets in cases:
        rx0, p0 = vm_rx(sw, vms), sw.port(0)
        sent, got = h.send_counted(sw, a, dst, 1.5, 0, (1, 2))
        rx1, p1 = vm_rx(sw, vms), sw.port(0)
        h.check(sent > 100, "%s: A sent %d frames" % (name, sent))
        h.check(p1["rx_packets"] - p0["rx_packets"] == sent,
                "%s: switch received all %d" % (name, sent))
        for i in (1, 2):
            tx, txd = got[i]
            h.check(rx1[i] - rx0[i] == tx, "%s: VM %d received what the "
                    "switch sent (%d == %d)" % (name, i, rx1[i] - rx0[i], tx))
            if i in targets:
                h.check(tx + txd == sent and tx > 0,
                        "%s: port %d got every frame (%d sent + %d ring-full)"
                        % (name, i, tx, txd))
            else:
                h.check(tx + txd == 0, "%s: nothing for port %d" % (name, i))
        own = p1["drop_own_port"] - p0["drop_own_port"]
        h.check(own == (sent if not targets else 0),
                "%s: own-port drops on port 0: %d" % (name, own))
    mac = sw.tel("/vuswitch/mac")
    h.check(mac.get("0") == [MAC_A] and mac.get("1") == [MAC_B] and
            mac.get("2") == [MAC_C], "MAC table: %s" % mac)


if __name__ == "__main__":
    h.main("three-ports", body)
