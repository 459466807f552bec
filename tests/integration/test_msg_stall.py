#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A front-end that stalls the control thread mid-message.

rte_vhost reads every port's messages on one thread, and reads a
message's payload with a blocking read once its header has arrived. Two
hostile front-ends on port 0 try to hold that thread:

1. a header that promises an 8-byte payload that never comes;
2. a stream of requests whose replies it never reads, until its socket's
   send queue is full and every reply would block.

Meanwhile a well-behaved front-end on port 1 times GET_FEATURES round
trips. The switch bounds the first stall by the connection's receive timeout
(250 ms), and disconnects the second front-end before a reply blocks, so
port 1 is answered within a second, and within 200 ms in the second
case; port 0 takes a new front-end after.
"""
import socket
import struct
import threading
import time

import harness as h

BOUND = 1.0      # seconds another port may wait for an answer
# ...when the hostile front-end only fills its send queue: the switch
# sees that before any reply blocks (without that check, each blocked
# reply costs the 250 ms send timeout).
BOUND_UNREAD = 0.2


def worst_rtt(fe, seconds):
    """Largest GET_FEATURES round trip of front-end fe over a period of
    about `seconds`."""
    worst, end = 0.0, time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        fe.send(fe.GET_FEATURES)
        fe.reply_u64(fe.GET_FEATURES)
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.01)
    return worst


def partial_header(path):
    """Header of SET_FEATURES (size 8) and no payload; hold it open."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(struct.pack("<III", h.MiniFrontend.SET_FEATURES, 1, 8))
    return s


def unread_replies(path, stop, result):
    """GET_FEATURES as fast as possible, never reading a reply. Appends
    to result how many were sent and whether the switch hung up."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(2)
    hdr = struct.pack("<III", h.MiniFrontend.GET_FEATURES, 1, 0)
    sent, hung_up = 0, False
    try:
        while not stop.is_set():
            s.sendall(hdr * 64)
            sent += 64
    except OSError:
        hung_up = True  # what the switch should do
    s.close()
    result.append((sent, hung_up))


def body(env):
    a, b = env.sock("a"), env.sock("b")
    sw = h.Switch(env, [a, b])
    # Port 1's front-end is connected before the trouble starts, as other
    # VMs are. (rte_vhost may take up to its 1 s poll period to see the
    # first connection after start: that is not what is measured.)
    fe_b = h.MiniFrontend(b, timeout=10)
    worst_rtt(fe_b, 1.2)

    h.log("stall 1: a header without its payload on port 0")
    held = partial_header(a)
    worst = worst_rtt(fe_b, 3)
    h.log("worst GET_FEATURES round trip on port 1: %.0f ms" % (worst * 1e3))
    h.check(worst < BOUND, "port 1 answered within %.1f s while port 0 "
            "stalled mid-message (worst %.3f s)" % (BOUND, worst))
    held.settimeout(3)
    h.check(held.recv(1) == b"", "the stalled connection was closed")
    held.close()

    h.log("stall 2: a front-end that never reads its replies on port 0")
    stop, result = threading.Event(), []
    t = threading.Thread(target=unread_replies, args=(a, stop, result))
    t.start()
    worst = worst_rtt(fe_b, 4)
    stop.set()
    t.join(10)
    h.log("worst GET_FEATURES round trip on port 1: %.0f ms" % (worst * 1e3))
    h.check(not t.is_alive() and result and result[0][1],
            "the front-end that left its replies unread was disconnected "
            "(sent, hung up: %s)" % result)
    h.check(worst < BOUND_UNREAD, "port 1 answered within %.1f s while "
            "port 0 left its replies unread (worst %.3f s)"
            % (BOUND_UNREAD, worst))

    h.wait_for(lambda: sw.state(0) == "disconnected", 10, "port 0 free")
    fe = h.MiniFrontend(a)
    offered = fe.negotiate(1 << fe.F_REPLY_ACK)
    h.check(offered != 0, "port 0 takes a new front-end afterwards")
    fe.close()
    fe_b.close()
    h.check(sw.stop() == 0, "vuswitch exits 0")


if __name__ == "__main__":
    h.main("msg-stall", body, need=("vuswitch",))
