#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""No file descriptor a front-end sends stays open in the switch.

rte_vhost (22.11 and 24.11) drops a vring message whose index is 256 or
more before any hook sees it, and closes the connection, but keeps the
message's file descriptors open. A front-end repeating that would run the
switch out of descriptors. vuswitch closes them when the connection ends
(lib/vport/vport_dpdk_compat.h, point 4).

Also: fds on messages the firewall refuses, and on messages the firewall
passes to rte_vhost, come back to the baseline.
"""
import os
import struct

import harness as h
import vhu_fe

ROUNDS = 20


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def memfds(n):
    fds = []
    for i in range(n):
        fd = os.memfd_create("fd-leak-%d" % i)
        os.ftruncate(fd, 4096)
        fds.append(fd)
    return fds


def attack(path, req, payload, nfds):
    """Connect, negotiate, send one message with nfds memfds, wait for the
    switch to answer or hang up, close everything."""
    fe = h.MiniFrontend(path)
    fe.negotiate(1 << fe.F_REPLY_ACK)
    fds = memfds(nfds)
    try:
        fe.send(req, payload, need_reply=True, fds=fds)
        try:
            fe.reply_u64(req)
        except Exception:
            pass  # hung up on: fine
    finally:
        for fd in fds:
            os.close(fd)
        fe.close()


def settle(sw, want, what):
    h.wait_for(lambda: open_fds(sw.pid) <= want, 10,
               "%s: switch back to %d open fds (now %d)"
               % (what, want, open_fds(sw.pid)))


def body(env):
    a, b = env.sock("a"), env.sock("b")
    sw = h.Switch(env, [a, b])
    # One well-behaved connection first, so that whatever the first
    # connection opens for good is in the baseline.
    attack(a, vhu_fe.GET_FEATURES, b"", 0)
    h.wait_for(lambda: sw.state(0) == "disconnected", 10, "port 0 free")
    base = open_fds(sw.pid)
    h.log("baseline: %d open fds" % base)

    bad_index = struct.pack("<II", 300, 256)        # SET_VRING_NUM idx 300
    for i in range(ROUNDS):
        attack(a, vhu_fe.SET_VRING_NUM, bad_index, 4)
    settle(sw, base, "vring index 300 with 4 fds, %d times" % ROUNDS)

    for i in range(ROUNDS):                         # firewall: bad-fd
        attack(a, vhu_fe.SET_OWNER, b"", 3)
    settle(sw, base, "SET_OWNER with 3 fds, %d times" % ROUNDS)

    for i in range(ROUNDS):                         # id 44: unknown
        attack(a, 44, b"", 2)
    settle(sw, base, "unknown id 44 with 2 fds, %d times" % ROUNDS)
    h.check(sw.stop() == 0, "vuswitch exits 0")


if __name__ == "__main__":
    h.main("fd-leak", body, need=("vuswitch",))
