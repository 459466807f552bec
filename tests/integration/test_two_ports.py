#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two ports: frames VM A sends reach VM B, and every counter agrees.

A runs testpmd txonly towards B's MAC, B runs rxonly. Afterwards:
  A's TX-packets       == switch port 0 rx_packets
  switch port 1 tx     == B's RX-packets
  switch port 0 rx     == port 1 tx + port 1 tx drops + port 0 rx drops
rte_vhost's message thread, alone, has real-time priority 1.
Then SIGINT stops the switch: exit code 0, sockets removed, final counters.
"""
import os
import signal
import time

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def drops(port, kinds):
    return sum(port["drop_" + k] for k in kinds)


def body(env):
    a_sock, b_sock = env.sock("a"), env.sock("b")
    sw = h.Switch(env, [a_sock, b_sock])
    vm_a = h.VM(env, "vm-a", a_sock, MAC_A)
    vm_b = h.VM(env, "vm-b", b_sock, MAC_B)
    sw.wait_state(0, "running")
    sw.wait_state(1, "running")
    # --ctrl-priority 1 (the default): rte_vhost's message thread, and
    # nothing else, runs SCHED_FIFO (policy 1) at priority 1, whatever
    # the DPDK release calls that thread.
    rt = sw.rt_threads()
    h.check(len(rt) == 1 and rt[0][1:] == (1, 1) and "vhost" in rt[0][0],
            "one SCHED_FIFO 1 thread, rte_vhost's: %s" % rt)

    a_tx = h.stream_for(vm_a, vm_b, 3)
    h.check(a_tx > 1000, "VM A sent %d frames" % a_tx)
    h.wait_for(lambda: sw.port(0)["rx_packets"] == a_tx, 10,
               "switch port 0 rx to reach A's tx (%d)" % a_tx)
    # Let the switch finish sending what it dequeued, then compare.
    time.sleep(0.5)
    p0, p1 = sw.port(0), sw.port(1)
    b_rx = vm_b.rx()
    h.check(b_rx > 1000, "VM B received %d frames" % b_rx)
    h.check(p1["tx_packets"] == b_rx,
            "switch port 1 tx (%d) == B rx (%d)" % (p1["tx_packets"], b_rx))
    tx_drops = drops(p1, ["ring_full", "suspended", "port_down"])
    rx_drops = drops(p0, ["own_port", "no_dest", "malformed"])
    h.check(p0["rx_packets"] == p1["tx_packets"] + tx_drops + rx_drops,
            "port 0 rx (%d) == port 1 tx (%d) + tx drops (%d) + rx drops (%d)"
            % (p0["rx_packets"], p1["tx_packets"], tx_drops, rx_drops))
    h.check(rx_drops == 0, "no rx drops on port 0")
    h.check(p0["rx_bytes"] == 64 * p0["rx_packets"],
            "rx bytes count 64-byte frames (%d bytes)" % p0["rx_bytes"])
    mac = sw.tel("/vuswitch/mac")
    h.check(MAC_A in mac.get("0", []), "A's MAC learned on port 0: %s" % mac)
    h.check(sw.port(1)["tx_packets"] == b_rx, "B's counters are stable")
    for port in (0, 1):
        counters = {k: v for k, v in sw.port(port).items()
                    if k.startswith("rejected_")}
        h.check(len(counters) == 9, "nine refusal counters: %s" % counters)
        refused = {k: v for k, v in counters.items() if v}
        h.check(not refused, "the firewall refused nothing from testpmd "
                "on port %d: %s" % (port, refused))

    rc = sw.stop(signal.SIGINT)
    out = sw.output()
    h.check(rc == 0, "vuswitch exits 0 on SIGINT (got %s)" % rc)
    h.check("final counters" in out, "final counters printed")
    h.check(not os.path.exists(a_sock) and not os.path.exists(b_sock),
            "socket files removed")


if __name__ == "__main__":
    h.main("two-ports", body)
