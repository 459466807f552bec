#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Client mode: the switch connects to a front-end that listens, and
reconnects after that front-end goes away and comes back.
"""
import os

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def check_traffic(sw, a, b, what):
    sent, got = h.send_counted(sw, a, MAC_B, 1.0, 0, (1,))
    tx, txd = got[1]
    h.check(sent > 0 and tx > 0 and tx + txd == sent,
            "%s: A's %d frames reach port 1 (%d sent, %d ring-full)"
            % (what, sent, tx, txd))


def body(env):
    a_sock, b_sock = env.sock("a"), env.sock("b")
    # A listens (virtio-user server=1) and blocks until the switch comes.
    a = h.VM(env, "vm-a", a_sock, MAC_A, server=True, wait_ready=False)
    h.wait_for(lambda: os.path.exists(a_sock), 30, "VM A to listen")
    sw = h.Switch(env, [a_sock + ",client=1", b_sock])
    a.ready()
    b = h.VM(env, "vm-b", b_sock, MAC_B)
    sw.wait_state(0, "running")
    sw.wait_state(1, "running")
    h.check(sw.port(0)["mode"] == "client", "port 0 is a client port")
    b.setup("rxonly")
    b.start()
    h.learn(sw, b, 1)
    check_traffic(sw, a, b, "first connection")

    a.stop()
    sw.wait_state(0, "disconnected")
    if os.path.exists(a_sock):
        os.unlink(a_sock)   # virtio-user leaves its listening socket
    a2 = h.VM(env, "vm-a2", a_sock, MAC_A, server=True, wait_ready=False)
    a2.ready(timeout=60)     # the switch retries about once a second
    sw.wait_state(0, "running")
    check_traffic(sw, a2, b, "after the front-end came back")
    rc = sw.stop(h.signal.SIGTERM)
    h.check(rc == 0, "switch exits 0 on SIGTERM")
    h.check("final counters" in sw.output(), "final counters printed")


if __name__ == "__main__":
    h.main("client-mode", body)
