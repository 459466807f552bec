#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Sixteen ports.

One testpmd plays sixteen VMs: sixteen net_virtio_user ports, each with its
own MAC. First every port sends one burst while testpmd only receives
(rxonly): the switch learns all sixteen MACs, and the floods of that burst
are consumed, not forwarded. Then the ports are paired (0-1, 2-3, ...) and
io-forward, started with tx_first, so every pair keeps frames circulating
through the switch. Every port must receive and transmit, every MAC must
stay on its own port, and unicast must stay unicast: exactly what one side
of a pair sent reached the other side.
"""
import time

import harness as h

N = 16


def mac(i):
    return "02:00:00:00:01:%02x" % i


def body(env):
    socks = [env.sock("p%02d" % i) for i in range(N)]
    sw = h.Switch(env, socks, args=["--backlog", "1024"])
    prefix = env.prefix("vms")
    argv = [env.testpmd, "--lcores", "0@0,1@0", "--no-pci", "--no-huge",
            "-m", "512", "--single-file-segments", "--file-prefix", prefix,
            "--log-level", "pmd.net.virtio.*:warning"]
    for i, s in enumerate(socks):
        argv += ["--vdev", "net_virtio_user%d,path=%s,queues=1,mac=%s"
                 % (i, s, mac(i))]
    argv += ["--", "-i", "--total-num-mbufs=32768", "--nb-cores=1",
             "--forward-mode=io", "--no-lsc-interrupt"]
    for i in range(N):
        argv.append("--eth-peer=%d,%s" % (i, mac(i ^ 1)))
    vms = h.Testpmd(env, "vms", argv)
    vms.ready(60)
    cmd = vms.cmd

    for i in range(N):
        sw.wait_state(i, "running")
    cmd("set fwd rxonly")
    cmd("start tx_first")
    h.wait_for(lambda: sum(len(v) for v in sw.tel("/vuswitch/mac").values()) == N,
               10, "all %d MACs learned" % N)
    time.sleep(0.5)
    cmd("stop")
    time.sleep(0.5)
    before = [sw.port(i) for i in range(N)]
    cmd("set fwd io")
    cmd("start tx_first")
    time.sleep(3)
    cmd("stop")
    time.sleep(0.5)

    macs = sw.tel("/vuswitch/mac")
    for i in range(N):
        p = sw.port(i)
        h.check(p["rx_packets"] > 0 and p["tx_packets"] > 0,
                "port %d forwards: rx %d tx %d" % (i, p["rx_packets"], p["tx_packets"]))
        h.check(macs.get(str(i)) == [mac(i)], "port %d learned only %s" % (i, mac(i)))
        h.check(h.drops(p, h.RX_DROPS) == 0, "port %d: no rx drops" % i)
    # Each pair only talks to itself: what one side sent, the other got.
    after = [sw.port(i) for i in range(N)]

    def delta(i, key):
        return after[i][key] - before[i][key]
    for i in range(N):
        j = i ^ 1
        to_j = delta(j, "tx_packets") + h.drops(after[j], h.TX_DROPS) - \
            h.drops(before[j], h.TX_DROPS)
        h.check(delta(i, "rx_packets") == to_j and to_j > 0,
                "all %d frames from port %d went to port %d" % (to_j, i, j))
    h.check(sw.stop() == 0, "switch with %d ports stops cleanly" % N)


if __name__ == "__main__":
    h.main("sixteen-ports", body)
