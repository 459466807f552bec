#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""queues=2 ports, with one PMD lcore and with two.

A sends on both of its TX queues; the switch must poll both (its rx equals
everything A sent). With two PMD lcores each lcore transmits on its own
guest RX queue, so B receives on both of its queues, and both lcores work.
"""
import time

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def run(env, pmds):
    tag = "%d PMD" % pmds
    a_sock, b_sock = env.sock("a%d" % pmds), env.sock("b%d" % pmds)
    lcores = "0@0,1@1" if pmds == 1 else "0@0,1@1,2@1"
    sw = h.Switch(env, [a_sock + ",queues=2", b_sock + ",queues=2"],
                  lcores=lcores, name="vuswitch-%d" % pmds)
    a = h.VM(env, "vm-a%d" % pmds, a_sock, MAC_A, queues=2)
    b = h.VM(env, "vm-b%d" % pmds, b_sock, MAC_B, queues=2)
    sw.wait_state(0, "running")
    sw.wait_state(1, "running")
    polls = [sw.tel("/vuswitch/pmd", str(i))["polls"] for i in range(pmds)]
    h.check(sum(polls) == 4 and max(polls) - min(polls) == 0,
            "%s: 4 queues spread over the PMDs: %s" % (tag, polls))
    for vm in (a, b):
        vm.setup("rxonly")
        vm.start()
    h.learn(sw, b, 1)
    time.sleep(0.5)
    sent = h.burst(sw, a, MAC_B, 2.0, 0)
    for q in (0, 1):
        n = a.xstat("tx_q%d_good_packets" % q)
        h.check(n is not None and n > 0, "%s: A sent %s frames on queue %d"
                % (tag, n, q))
    p0, p1 = sw.port(0), sw.port(1)
    h.check(p0["rx_packets"] == a.tx(),
            "%s: switch received all %d frames of both queues" % (tag, a.tx()))
    h.delivered(sw, b, 1)
    h.check(p1["tx_packets"] + h.drops(p1, h.TX_DROPS) ==
            p0["rx_packets"] - h.drops(p0, h.RX_DROPS),
            "%s: every frame sent to B or counted" % tag)
    rxq = [b.xstat("rx_q%d_good_packets" % q) for q in (0, 1)]
    if pmds == 2:
        h.check(all(n and n > 0 for n in rxq),
                "%s: B received on both queues %s" % (tag, rxq))
        busy = [sw.tel("/vuswitch/pmd", str(i))["rx_packets"] for i in (0, 1)]
        h.check(all(n > 0 for n in busy), "%s: both PMDs forwarded %s"
                % (tag, busy))
    else:
        h.check(rxq[0] > 0, "%s: B received on queue 0 %s" % (tag, rxq))
    h.check(sent > 0, "%s: %d frames sent" % (tag, sent))
    for vm in (a, b):
        vm.stop()
    h.check(sw.stop() == 0, "%s: switch exits 0" % tag)


def body(env):
    run(env, 1)
    run(env, 2)


if __name__ == "__main__":
    h.main("multiqueue", body)
