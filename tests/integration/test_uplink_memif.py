#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Another DPDK application on the switch: a net_memif port.

The switch has eth:net_memif0,role=server,socket=M and a vhost-user port
with a testpmd VM; a testpmd "generator" is the memif client. Both ways,
in learn mode then in xconnect mode (the PVP patch):

  generator TX == switch port 0 rx == VM RX + ring-full drops (the
  generator and the VM share a CPU, so the VM falls behind), no other
  drop; and the other way, with the device's own opackets counted.

Then the memif port is removed at run time, and its peer goes.
"""
import time

import harness as h

MAC_GEN = "02:00:00:00:00:99"
MAC_VM = "02:00:00:00:00:0a"


def generator(env, sock):
    vdev = "net_memif0,role=client,socket=%s,mac=%s" % (sock, MAC_GEN)
    return h.VM(env, "gen", None, MAC_GEN, vdev=vdev)


def one_way(sw, src, dst, src_port, dst_port, what):
    """src sends txonly to dst for 2 s; every frame arrives and is counted
    the same everywhere."""
    before = {p: sw.port(p) for p in (src_port, dst_port)}
    dst_rx0, src_tx0 = dst.rx(), src.tx()
    dst.setup("rxonly")
    dst.start()
    src.setup("txonly", peer=dst.mac)
    src.start()
    time.sleep(2)
    src.halt()
    sent = src.tx() - src_tx0
    h.wait_for(lambda: sw.port(src_port)["rx_packets"] -
               before[src_port]["rx_packets"] == sent, 10,
               "%s: switch port %d rx to reach %d" % (what, src_port, sent))
    h.wait_for(lambda: dst.rx() - dst_rx0 == sw.port(dst_port)["tx_packets"]
               - before[dst_port]["tx_packets"], 10,
               "%s: the receiver to get what the switch sent" % what)
    dst.halt()
    got = dst.rx() - dst_rx0
    a, b = sw.port(src_port), sw.port(dst_port)
    rx_drops = h.drops(a, h.RX_DROPS) - h.drops(before[src_port], h.RX_DROPS)
    full = b["drop_ring_full"] - before[dst_port]["drop_ring_full"]
    other = h.drops(b, h.TX_DROPS) - h.drops(before[dst_port], h.TX_DROPS) \
        - full
    # The sender and the receiver share a CPU: a full receive ring is
    # the receiver's, and is counted.
    h.check(got > 10000 and rx_drops == 0 and other == 0 and
            got + full == sent,
            "%s: %d sent = %d received + %d ring-full" % (what, sent, got,
                                                          full))
    return a, b


def run(env, mode):
    m_sock, a_sock = env.sock("m-" + mode), env.sock("a-" + mode)
    sw = h.Switch(env, ["eth:net_memif0,role=server,socket=%s" % m_sock,
                        a_sock], args=["--mode", mode], name="sw-" + mode)
    vm = h.VM(env, "vm-" + mode, a_sock, MAC_VM)
    sw.wait_state(1, "running")
    gen = generator(env, m_sock)
    h.wait_for(lambda: sw.port(0)["link"] == "up", 10, "memif link up")
    h.check(sw.port(0)["state"] == "running", "%s: memif port running" % mode)

    one_way(sw, gen, vm, 0, 1, "%s memif -> vhost" % mode)
    before = sw.port(0)["eth_opackets"]
    p1, p0 = one_way(sw, vm, gen, 1, 0, "%s vhost -> memif" % mode)
    h.check(p0["eth_opackets"] - before > 10000,
            "%s: the device counted them out too" % mode)

    # The port goes before its peer: DPDK's net_memif unmaps a
    # connection's memory when the peer leaves, with no synchronisation
    # with a burst running on another thread (docs/usage.md).
    r = sw.tel("/vuswitch/del_port", "net_memif0")
    h.check(r["result"] == 0, "%s: del-port net_memif0" % mode)
    gen.stop()
    vm.stop()
    rc = sw.stop()
    h.check(rc == 0, "%s: switch exits 0" % mode)


def body(env):
    run(env, "learn")
    run(env, "xconnect")


if __name__ == "__main__":
    h.main("uplink-memif", body)
