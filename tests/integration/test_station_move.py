#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A station moves from port B to port C, and traffic follows it.

VMs B and C both use MAC X. B speaks first, so X is learned on port 1 and
A's frames for X go only to B. Then C speaks: X moves to port 2 (counted
as a MAC move on port 2), and A's frames for X go only to C.
"""
import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_X = "02:00:00:00:00:77"


def send_and_count(sw, a, b, c):
    h.delivered(sw, b, 1)
    h.delivered(sw, c, 2)
    rx = {1: b.rx(), 2: c.rx()}
    sent, got = h.send_counted(sw, a, MAC_X, 1.5, 0, (1, 2))
    for i, vm in ((1, b), (2, c)):
        h.delivered(sw, vm, i)
        h.check(vm.rx() - rx[i] == got[i][0],
                "port %d: VM received what was sent" % i)
    return sent, {i: tx + txd for i, (tx, txd) in got.items()}


def body(env):
    sw, (a, b, c) = h.topology(env, (MAC_A, MAC_X, MAC_X))

    h.learn(sw, b, 1)
    sent, got = send_and_count(sw, a, b, c)
    h.check(got[1] == sent and got[2] == 0,
            "before the move: all %d frames for X go to port 1 (%s)" % (sent, got))

    moves = sw.port(2)["mac_moves"]
    h.learn(sw, c, 2)
    mac = sw.tel("/vuswitch/mac")
    h.check(MAC_X not in mac.get("1", []), "X no longer on port 1: %s" % mac)
    h.check(sw.port(2)["mac_moves"] == moves + 1, "one MAC move counted on port 2")
    sent, got = send_and_count(sw, a, b, c)
    h.check(got[2] == sent and got[1] == 0,
            "after the move: all %d frames for X go to port 2 (%s)" % (sent, got))


if __name__ == "__main__":
    h.main("station-move", body)
