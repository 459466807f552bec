#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A front-end disconnects and reconnects while the other ports forward.

A streams to B. C quits: its port goes down and its MAC entries are
flushed, while B keeps receiving. A new C connects to the same socket:
the port comes back and receives A's broadcast.
"""
import time

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_C = "02:00:00:00:00:0c"


def growing(vm, seconds=1.0):
    r0 = vm.rx()
    time.sleep(seconds)
    return vm.rx() - r0


def body(env):
    sw, (a, b, c) = h.topology(env, (MAC_A, MAC_B, MAC_C))
    h.learn(sw, b, 1)
    h.learn(sw, c, 2)

    a.halt()
    a.setup("txonly", peer=MAC_B)
    a.start()
    h.check(growing(b) > 0, "B receives A's stream")

    rc = c.stop()
    h.check(rc == 0, "VM C quit (rc %s)" % rc)
    sw.wait_state(2, "disconnected")
    h.check(sw.state(0) == "running" and sw.state(1) == "running",
            "ports 0 and 1 stay running")
    h.check(sw.tel("/vuswitch/mac").get("2", []) == [],
            "C's MAC entries were flushed")
    h.check(growing(b) > 0, "B keeps receiving while C is gone")

    c2 = h.VM(env, "vm-c2", env.sock("c"), MAC_C)
    sw.wait_state(2, "running")
    h.check(growing(b) > 0, "B kept receiving while C reconnected")
    a.halt()
    c2.setup("rxonly")
    c2.start()
    sent, got = h.send_counted(sw, a, "ff:ff:ff:ff:ff:ff", 1.0, 0, (2,))
    tx, txd = got[2]
    h.check(tx > 0 and tx + txd == sent,
            "reconnected C gets A's broadcast (%d + %d dropped of %d)"
            % (tx, txd, sent))
    h.wait_for(lambda: c2.rx() == tx, 10, "C to poll what it was sent")
    h.check(c2.rx() == tx, "C received %d frames" % tx)


if __name__ == "__main__":
    h.main("reconnect", body)
