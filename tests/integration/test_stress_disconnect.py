#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Stress: disconnect while suspended, then reconnect, several times.

C is suspended while D streams frames at it, so its backlog fills (the
excess is dropped as 'suspended'); then C's front-end quits. The held
frames are discarded and counted as 'port-down', no mbuf leaks, and a new
front-end on C's socket runs normally (a suspension ends with its
connection). The same through the protocol: a front-end that sent
SUSPEND and hung up leaves a port that is not suspended.
"""
import time

import harness as h

MAC_C = "02:00:00:00:00:0c"
MAC_D = "02:00:00:00:00:0d"
ROUNDS = 5
BACKLOG = 1024


def body(env):
    c_sock, d_sock, fe_sock = env.sock("c"), env.sock("d"), env.sock("fe")
    sw = h.Switch(env, [c_sock, d_sock, fe_sock],
                  args=["--backlog", str(BACKLOG)])
    d = h.VM(env, "vm-d", d_sock, MAC_D)
    sw.wait_state(1, "running")
    baseline = sw.tel("/vuswitch/mempool")["in_use"]
    for rnd in range(ROUNDS):
        c = h.VM(env, "vm-c%d" % rnd, c_sock, MAC_C)
        sw.wait_state(0, "running")
        c.setup("rxonly")
        c.start()
        h.learn(sw, c, 0)
        r = sw.suspend(0)
        h.check(r["result"] == 0 and r["state"] == "suspended",
                "round %d: C suspended" % rnd)
        before = sw.port(0)
        h.burst(sw, d, MAC_C, 0.5, 1)
        held = sw.port(0)["backlog"]
        h.check(held == BACKLOG, "round %d: backlog full (%d held)" % (rnd, held))
        c.stop()
        sw.wait_state(0, "disconnected")
        after = sw.port(0)
        h.check(after["backlog"] == 0 and
                after["drop_port_down"] - before["drop_port_down"] == held,
                "round %d: the %d held frames were dropped as port-down" % (rnd, held))
        h.check(after["drop_suspended"] > before["drop_suspended"],
                "round %d: overflow counted as suspended" % rnd)
        h.wait_for(lambda: sw.tel("/vuswitch/mempool")["in_use"] == baseline,
                   10, "mbufs in use back to %d" % baseline)
    h.check(True, "no mbuf leaked over %d rounds" % ROUNDS)
    c = h.VM(env, "vm-c-last", c_sock, MAC_C)
    sw.wait_state(0, "running")
    c.setup("rxonly")
    c.start()
    h.learn(sw, c, 0)
    tx0 = sw.port(0)["tx_packets"]
    h.burst(sw, d, MAC_C, 0.5, 1)
    h.check(sw.port(0)["tx_packets"] > tx0, "C forwards again after reconnecting")

    for rnd in range(ROUNDS):
        fe = h.MiniFrontend(fe_sock)
        fe.negotiate((1 << fe.F_REPLY_ACK) | (1 << fe.F_SUSPEND))
        v, _ = fe.request(fe.SUSPEND)
        h.check(v == 0 and sw.state(2) == "suspended",
                "protocol round %d: suspended" % rnd)
        fe.close()
        h.wait_for(lambda: sw.port(2)["connected"] == 0, 10, "disconnect seen")
        h.check(sw.state(2) == "disconnected",
                "protocol round %d: hang-up ends the suspension" % rnd)
    time.sleep(0.2)
    h.check(all(sw.state(i) != "suspended" for i in range(3)),
            "no port left suspended")


if __name__ == "__main__":
    h.main("stress-disconnect", body)
