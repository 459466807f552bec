#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Frames bigger than an mbuf: 3000-byte frames arrive at the switch as
chains of mbufs. They must be forwarded intact (byte counts agree), held
for a suspended port and delivered after RESUME, and every mbuf of every
chain must go back to the pool (in-use count back to its baseline).
"""
import harness as h

MAC_C = "02:00:00:00:00:0c"
MAC_D = "02:00:00:00:00:0d"
SIZE = 3000
BIG = ["--max-pkt-len=9018", "--enable-scatter", "--mbuf-size=4096"]


def body(env):
    sw = h.Switch(env, [env.sock("c"), env.sock("d")],
                  args=["--backlog", "256", "--ctrl-priority", "0"])
    h.check(sw.rt_threads() == [], "--ctrl-priority 0: no real-time thread "
            "(%s)" % sw.rt_threads())
    c = h.VM(env, "vm-c", env.sock("c"), MAC_C, extra_args=BIG)
    d = h.VM(env, "vm-d", env.sock("d"), MAC_D, extra_args=BIG)
    sw.wait_state(0, "running")
    sw.wait_state(1, "running")
    baseline = sw.tel("/vuswitch/mempool")["in_use"]
    c.setup("rxonly")
    c.start()
    h.learn(sw, c, 0)
    d.cmd("set txpkts %d" % SIZE)

    p0 = sw.port(0)
    sent = h.burst(sw, d, MAC_C, 1.0, 1)
    h.delivered(sw, c, 0)
    p1 = sw.port(0)
    tx = p1["tx_packets"] - p0["tx_packets"]
    h.check(sent > 0 and tx > 0, "%d-byte frames forwarded (%d of %d)" % (SIZE, tx, sent))
    h.check(p1["tx_bytes"] - p0["tx_bytes"] == SIZE * tx,
            "tx bytes are %d per frame" % SIZE)
    out = c.cmd("show port stats 0")
    rx_bytes = int(h.re.search(r"RX-bytes:\s*(\d+)", out).group(1))
    h.check(rx_bytes == p1["tx_bytes"], "C got every byte the switch sent (%d)" % rx_bytes)

    for rnd in range(3):
        r = sw.suspend(0)
        h.check(r["result"] == 0, "round %d: C suspended" % rnd)
        h.burst(sw, d, MAC_C, 0.3, 1)
        held = sw.port(0)["backlog"]
        h.check(held == 256, "round %d: 256 chained frames held" % rnd)
        before = sw.port(0)["tx_bytes"]
        r = sw.resume(0)
        h.wait_for(lambda: sw.port(0)["backlog"] == 0, 10, "backlog drained")
        h.check(sw.port(0)["tx_bytes"] - before == SIZE * held,
                "round %d: held frames delivered whole" % rnd)
        h.delivered(sw, c, 0)
    h.wait_for(lambda: sw.tel("/vuswitch/mempool")["in_use"] == baseline, 10,
               "mbufs in use back to %d" % baseline)
    h.check(True, "every mbuf of every chain returned to the pool")
    h.check(sw.stop() == 0, "switch exits 0")


if __name__ == "__main__":
    h.main("jumbo", body)
