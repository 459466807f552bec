#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What survives a pause.

MAC ageing is 2 s. C is suspended for 5 s while D sends to it: C's MAC
entry does not age out (A's, idle, does: ageing works), D's frames wait in
the backlog up to its bound and the rest are counted as 'suspended'. After
RESUME the held frames are delivered, C's counters carry on from where they
were, and D's next frames for C go to C alone: no re-learning flood.
"""
import time

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_C = "02:00:00:00:00:0c"
MAC_D = "02:00:00:00:00:0d"
BACKLOG = 512


def body(env):
    sw, vms = h.topology(env, (MAC_A, MAC_C, MAC_D),
                         args=["--mac-aging", "2", "--backlog", str(BACKLOG)])
    a, c, d = vms
    for i, vm in enumerate(vms):
        h.learn(sw, vm, i)
    h.delivered(sw, c, 1)
    c_before = sw.port(1)

    r = sw.suspend(1)
    h.check(r["result"] == 0 and r["state"] == "suspended", "C suspended")
    sent = h.burst(sw, d, MAC_C, 0.3, 2)
    held = sw.port(1)["backlog"]
    h.check(held == min(sent, BACKLOG), "%d of %d frames held for C" % (held, sent))
    h.check(sw.port(1)["drop_suspended"] == sent - held,
            "the other %d counted as 'suspended'" % (sent - held))
    time.sleep(5)
    mac = sw.tel("/vuswitch/mac")
    h.check(mac.get("1") == [MAC_C], "C's MAC survived 5 s of a 2 s ageing: %s" % mac)
    h.check(mac.get("0", []) == [], "A's idle MAC aged out meanwhile: %s" % mac)
    h.check(c.rx() == c_before["tx_packets"], "nothing reached C while suspended")

    a_tx0 = sw.port(0)["tx_packets"] + h.drops(sw.port(0), h.TX_DROPS)
    r = sw.resume(1)
    h.check(r["result"] == 0 and r["state"] == "running", "C resumed")
    h.wait_for(lambda: sw.port(1)["backlog"] == 0, 10, "backlog drained")
    h.delivered(sw, c, 1)
    after = sw.port(1)
    h.check(after["tx_packets"] == c_before["tx_packets"] + held,
            "the %d held frames were delivered; counters carried on (%d -> %d)"
            % (held, c_before["tx_packets"], after["tx_packets"]))
    sent2 = h.burst(sw, d, MAC_C, 0.3, 2)
    p1 = sw.port(1)
    h.check(p1["tx_packets"] + h.drops(p1, h.TX_DROPS) -
            after["tx_packets"] - h.drops(after, h.TX_DROPS) == sent2,
            "all %d new frames for C went to C" % sent2)
    h.check(sw.port(0)["tx_packets"] + h.drops(sw.port(0), h.TX_DROPS) == a_tx0,
            "none was flooded to A (no re-learning flood)")


if __name__ == "__main__":
    h.main("suspend-state", body)
