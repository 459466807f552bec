# SPDX-License-Identifier: BSD-3-Clause
"""A dpdk-testpmd with several net_virtio_user ports, one forwarding
lcore polling them all, and the closed loop the load tests run on it.

Why one process for a pair: on a 2-CPU machine the switch's PMD lcore
has CPU 1 and every "VM" shares CPU 0. Two testpmd processes, a txonly
sender and an rxonly receiver, take turns on that CPU in scheduler
slices of milliseconds; while the sender runs, the receiver's RX ring
(256 descriptors) fills within microseconds and the switch must drop
(ring-full) whatever the sender sends next. Such a pair loses frames
with no help from the switch. One testpmd that polls both ports never
leaves one of them unserved while it sends on the other.

The loop (PortsVM.loop): testpmd's 'mac' engine forwards what port 0
receives out of port 1 and what port 1 receives out of port 0, with the
destination rewritten to the other port's MAC; 'start tx_first N' puts
N bursts of 32 frames per direction into it. Frames then go round as
fast as testpmd and the switch move them, and their number (the window)
never grows: it stays below the RX rings' size, so a switch that loses
nothing never has a reason to drop one (see PortsVM.settle_and_drain for
the accounting).
"""

import re

import harness as h

# Frames per burst: testpmd's default, and what tx_first sends per burst.
BURST = 32


class PortsVM(h.Testpmd):
    """One dpdk-testpmd, ports 0.. on the given (socket, MAC)s."""

    def __init__(self, env, name, ports, cpu=0, queue_size=256):
        self.prefix = env.prefix(name)
        self.macs = [m for _, m in ports]
        argv = [env.testpmd, "--lcores", "0@%d,1@%d" % (cpu, cpu),
                "--no-pci", "--no-huge", "-m", "512",
                "--single-file-segments", "--file-prefix", self.prefix]
        for i, (sock, mac) in enumerate(ports):
            argv += ["--vdev", "net_virtio_user%d,path=%s,queues=1,mac=%s,"
                     "queue_size=%d" % (i, sock, mac, queue_size)]
        argv += ["--log-level", "pmd.net.virtio.*:warning", "--",
                 "-i", "--total-num-mbufs=16384", "--nb-cores=1",
                 "--rxq=1", "--txq=1", "--no-lsc-interrupt"]
        super().__init__(env, name, argv)
        self.ready()

    def stats(self, port):
        """(RX-packets, TX-packets) of one port."""
        out = self.cmd("show port stats %d" % port).encode()
        rx, tx = h.STATS_RX.search(out), h.STATS_TX.search(out)
        if not rx or not tx:
            raise h.TestFailure("%s: cannot parse port %d stats:\n%s"
                                % (self.name, port, out))
        return int(rx.group(1)), int(tx.group(1))

    def xstat(self, port, name):
        out = self.cmd("show port xstats %d" % port)
        m = re.search(r"\b%s:\s*(\d+)" % re.escape(name), out)
        if m is None:
            raise h.TestFailure("%s: no xstat %s on port %d"
                                % (self.name, name, port))
        return int(m.group(1))

    def rx64(self, port):
        """Frames of exactly 64 bytes (testpmd's txonly frames, unless
        'set txpkts' says otherwise) received on a port."""
        return self.xstat(port, "rx_q0_size_64_packets")

    def learn(self, sw, ids):
        """Make the switch learn every port's MAC without a flood: each
        port sends one burst to its own MAC (learned, then dropped as
        own-port)."""
        self.cmd("stop")
        for i, mac in enumerate(self.macs):
            self.cmd("set eth-peer %d %s" % (i, mac))
        self.cmd("set fwd rxonly")
        self.cmd("start tx_first 1")
        for mac, port in zip(self.macs, ids):
            h.wait_for(lambda: mac in sw.tel("/vuswitch/mac").get(str(port),
                                                                  []),
                       10, "%s learned on port %d" % (mac, port))
        self.cmd("stop")

    def loop(self, bursts, txpkts=None):
        """Ports 0 and 1 in a closed loop (see the module's docstring),
        bursts*32 frames per direction."""
        self.cmd("stop")
        self.cmd("set eth-peer 0 %s" % self.macs[1])
        self.cmd("set eth-peer 1 %s" % self.macs[0])
        if txpkts is not None:
            self.cmd("set txpkts %d" % txpkts)
        self.cmd("set fwd mac")
        self.cmd("start tx_first %d" % bursts)
