#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Stress: 10,000 SUSPEND/RESUME cycles on one port while two other ports
carry traffic at full rate.

vucheck cycles the tested port (traffic to and from it through its peer,
fewer frames per suspension than the backlog bound: none may be lost).
testpmd C sends to D as fast as it can, through the same PMD lcore.
Afterwards: vucheck passes with zero loss, the switch counted every
handshake and no failure, C->D kept flowing, every frame C sent is
accounted for, and the mbuf pool's in-use count is back to its baseline.
"""
import re

import harness as h

MAC_C = "02:00:00:00:00:0c"
MAC_D = "02:00:00:00:00:0d"
CYCLES = 10000


def body(env):
    t, p, c_sock, d_sock = (env.sock(n) for n in ("tested", "peer", "c", "d"))
    sw = h.Switch(env, [t, p, c_sock, d_sock])
    c = h.VM(env, "vm-c", c_sock, MAC_C)
    d = h.VM(env, "vm-d", d_sock, MAC_D)
    sw.wait_state(2, "running")
    sw.wait_state(3, "running")
    baseline = sw.tel("/vuswitch/mempool")["in_use"]
    h.log("mbufs in use at rest: %d" % baseline)
    for vm in (c, d):
        vm.setup("rxonly")
        vm.start()
    h.learn(sw, d, 3)
    c.halt()
    c.setup("txonly", peer=MAC_D)
    c.start()

    rc, out = env.run(["taskset", "-c", "0", env.vucheck, "--socket", t,
                       "--peer", p, "--checks", "latency", "--cycles",
                       str(CYCLES), "--timeout-ms", "5000"], timeout=900)
    print(out)
    c.halt()
    lat = re.search(r"^PASS latency: .*", out, re.M)
    h.check(rc == 0 and lat, "vucheck: %d cycles pass (rc %d)" % (CYCLES, rc))
    m = re.search(r"frames to the tested port sent (\d+), received (\d+), lost (\d+)",
                  out)
    h.check(m and int(m.group(3)) == 0 and int(m.group(1)) > 0,
            "no frame lost towards the suspended port: %s" % (m and m.group(0)))
    m = re.search(r"tested->peer sent (\d+), lost (\d+)", out)
    h.check(m and int(m.group(2)) == 0, "no frame lost from it: %s" % (m and m.group(0)))
    info = sw.port(0)
    h.check(info["suspends"] >= CYCLES and info["suspend_failures"] == 0,
            "switch: %d handshakes, %d failures, max %d us"
            % (info["suspends"], info["suspend_failures"], info["max_handshake_us"]))

    sent = h.burst(sw, c, MAC_D, 0.1, 2) and c.tx()
    p2, p3 = sw.port(2), sw.port(3)
    h.check(p2["rx_packets"] == sent,
            "switch received every frame C sent (%d)" % sent)
    # Port 3 also got vucheck's two learning broadcasts (flooded).
    to_d = p3["tx_packets"] + h.drops(p3, h.TX_DROPS)
    h.check(sent <= to_d <= sent + 2,
            "every frame C sent reached D or was counted (%d + %d for %d)"
            % (p3["tx_packets"], h.drops(p3, h.TX_DROPS), sent))
    h.check(p3["drop_suspended"] == 0 and p3["drop_port_down"] == 0,
            "no C->D frame dropped for SUSPEND reasons")
    h.delivered(sw, d, 3)
    h.wait_for(lambda: sw.tel("/vuswitch/mempool")["in_use"] == baseline, 10,
               "mbufs in use back to %d" % baseline)
    h.check(True, "no mbuf leaked: in use back to %d" % baseline)


if __name__ == "__main__":
    h.main("stress-suspend", body, need=("vuswitch", "testpmd", "vucheck"))
