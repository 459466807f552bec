#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Port mirroring (vuswitch-ctl mirror SRC[,SRC...] to OUT): a tap uplink
watched live from its kernel interface.

The switch runs in a network namespace of the test with ports up0
(eth:net_tap0, the mirror output), a and b (testpmd virtio-user VMs) and
c (a vhost-user port nobody connects to). A raw AF_PACKET socket on the
tap's kernel interface counts, by source and destination MAC, every
frame the switch sends to the tap. Then:

- bad requests change nothing: an unknown port, the output among the
  sources, a bad direction, an output captured in its tx direction;
- mirror a to up0 (both directions): the frames A and B exchange are on
  the tap, each once, A's as received and B's as delivered to A, counted
  exactly and equal to the mirror's and the ports' counters; a broadcast
  from A is there once (mirrored, not flooded: the output is no flood
  destination); frames the kernel sends into the tap are dropped and
  counted as mirror-out, and reach no VM;
- while it exists: a second mirror of a's rx, up0 as another mirror's
  output or source, a as an output, a tx capture of up0, all refused;
- mirror-stop: nothing more is mirrored, and up0 is a flood destination
  again;
- mirror b's tx only: what is delivered to b is there, what b sends is
  not; b suspended, frames for it are mirrored when they are delivered
  after RESUME, not while held;
- an output that cannot take the frames (c, not connected) counts them
  lost; removing the output ends its mirror, removing the sources one by
  one ends theirs, and del-port says so.
"""
import json
import os
import select
import subprocess
import time

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_K = "02:00:00:00:00:ee"   # the kernel side's frames (injected)
BCAST = "ff:ff:ff:ff:ff:ff"
BURST = 32                    # testpmd's frames per burst

# Counts, by "src>dst", the frames the tap's interface receives (what
# the switch sent to the tap); "send N" injects N broadcast frames from
# MAC_K into the switch; every command answers the counts since the
# last one (after draining the socket).
SNIFF = r"""
import json, select, socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind((sys.argv[1], 0))
s.setblocking(False)
counts = {}
def drain():
    while True:
        try:
            d, addr = s.recvfrom(65535)
        except BlockingIOError:
            return
        if addr[2] == 4:        # PACKET_OUTGOING: our own injections
            continue
        k = "%s>%s" % (d[6:12].hex(":"), d[0:6].hex(":"))
        counts[k] = counts.get(k, 0) + 1
print("ready", flush=True)
while True:
    r, _, _ = select.select([s, sys.stdin], [], [])
    drain()
    if sys.stdin in r:
        line = sys.stdin.readline()
        if not line:
            break
        w = line.split()
        if w[0] == "send":
            src = bytes.fromhex(sys.argv[2].replace(":", ""))
            for i in range(int(w[1])):
                s.send(b"\xff" * 6 + src + b"\x88\xb5" + bytes(50))
        drain()
        print(json.dumps(counts), flush=True)
        counts = {}
"""


class Sniffer:
    """The SNIFF process, in the namespace, on the tap's interface."""

    def __init__(self, ns, tap):
        argv = ns.prefix() + ["python3", "-c", SNIFF, tap, MAC_K]
        h.log("start sniffer on %s" % tap)
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  preexec_fn=h._die_with_parent)
        h.check(self.line(10) == "ready", "sniffer ready on %s" % tap)

    def line(self, timeout):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            raise h.TestFailure("sniffer: no answer in %d s" % timeout)
        return self.p.stdout.readline().decode().strip()

    def cmd(self, text):
        self.p.stdin.write((text + "\n").encode())
        self.p.stdin.flush()
        out = self.line(10)
        try:
            return json.loads(out)
        except ValueError:
            raise h.TestFailure("sniffer: %s" % out)

    def counts(self, want=None, timeout=3):
        """Counts since the last call; with @p want (a total), wait up
        to @p timeout for that many, then a little more for extras."""
        got = {}
        end = time.monotonic() + timeout
        while True:
            for k, v in self.cmd("count").items():
                got[k] = got.get(k, 0) + v
            if want is None or sum(got.values()) >= want or \
                    time.monotonic() > end:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        for k, v in self.cmd("count").items():
            got[k] = got.get(k, 0) + v
        return got

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(timeout=10)


def send(vm, peer, bursts):
    """vm sends bursts * 32 frames to peer (testpmd tx_first, then
    rxonly); returns how many it sent."""
    vm.halt()
    t0 = vm.tx()
    vm.setup("rxonly", peer=peer)
    vm.start(tx_first=bursts)
    h.wait_for(lambda: vm.tx() - t0 >= bursts * BURST, 5,
               "%s to send %d frames" % (vm.name, bursts * BURST))
    return vm.tx() - t0


def exchange(sw, a, b, bursts=2):
    """A sends to B, then B to A, each waiting for the other's frames.
    Returns (frames A sent, frames B sent)."""
    rb, ra = b.rx(), a.rx()
    na = send(a, MAC_B, bursts)
    h.wait_for(lambda: b.rx() - rb >= na, 10, "B to get A's %d" % na)
    nb = send(b, MAC_A, bursts)
    h.wait_for(lambda: a.rx() - ra >= nb, 10, "A to get B's %d" % nb)
    h.check(b.rx() - rb == na and a.rx() - ra == nb,
            "B got A's %d frames, A got B's %d" % (na, nb))
    return na, nb


def mirror(sw, srcs, out, direction="both"):
    words = ["src=%s" % s for s in srcs] + ["out=%s" % out,
                                            "dir=%s" % direction]
    return sw.tel("/vuswitch/mirror", " ".join(words))


def entry(r):
    return [v for k, v in r.items() if k.startswith("mirror_")][0]


def bad_requests(env, sw):
    cases = [
        (["nosuch"], "up0", "both", "no port 'nosuch'"),
        (["a"], "nosuch", "both", "no port 'nosuch'"),
        (["a", "up0"], "up0", "both", "cannot be a source of its own"),
        (["a", "a"], "up0", "both", "port 1 is given twice"),
        (["a"], "up0", "sideways", "dir must be rx, tx or both"),
    ]
    for srcs, out, d, want in cases:
        r = mirror(sw, srcs, out, d)
        h.check(r["result"] != 0 and want in r["error"],
                "refused: %s to %s (%s): %s" % (srcs, out, d, r["error"]))
    r = sw.tel("/vuswitch/mirror", "src=a")
    h.check(r["result"] != 0 and "out=PORT" in r["error"], "no out= refused")
    pcap = os.path.join(env.dir, "up0.pcapng")
    r = sw.tel("/vuswitch/capture", "port=up0 file=" + pcap)
    h.check(r["result"] == 0, "capture of up0, both directions")
    r = mirror(sw, ["a"], "up0")
    h.check(r["result"] != 0 and "is captured with dir both" in r["error"],
            "a mirror to a port captured in its tx refused: %s" % r["error"])
    h.check(sw.tel("/vuswitch/capture_stop", "up0")["result"] == 0,
            "capture stopped")
    h.check(sw.tel("/vuswitch/mirrors") == {}, "no mirror was made")


def reserved(sw, sn, a, b, sniffed_a):
    """While up0 is an output: a broadcast from A is on the tap once;
    what the kernel sends into the tap is dropped, counted, seen by no
    VM, and not learned."""
    ra, rb = a.rx(), b.rx()
    n = send(a, BCAST, 1)
    got = sn.counts(n)
    h.check(got == {"%s>%s" % (MAC_A, BCAST): n},
            "A's %d broadcasts on the tap once each (mirrored, not "
            "flooded): %s" % (n, got))
    h.wait_for(lambda: b.rx() - rb == n, 10, "B to get the broadcasts")
    before = sw.port(0)
    sn.cmd("send 10")
    h.wait_for(lambda: sw.port(0)["drop_mirror_out"] -
               before["drop_mirror_out"] == 10, 10,
               "10 frames from the kernel dropped as mirror-out")
    after = sw.port(0)
    h.check(after["rx_packets"] - before["rx_packets"] == 10,
            "and counted received on up0")
    time.sleep(0.3)
    h.check(a.rx() == ra and b.rx() == rb + n,
            "no VM got the kernel's frames")
    h.check(MAC_K not in json.dumps(sw.tel("/vuswitch/mac")),
            "the kernel's MAC was not learned")
    sniffed_a[0] += n


def mirror_both(env, sw, sn, a, b):
    r = mirror(sw, ["a"], "up0")
    h.check(r["result"] == 0, "mirror a to up0: %s" % r)
    m = entry(r)
    h.check(m["sources"] == "a" and m["out"] == "up0" and
            m["dir"] == "both", "the mirror: %s" % m)
    up0 = sw.port(0)
    na, nb = exchange(sw, a, b)
    got = sn.counts(na + nb)
    want = {"%s>%s" % (MAC_A, MAC_B): na, "%s>%s" % (MAC_B, MAC_A): nb}
    h.check(got == want, "the tap saw A's %d (rx of a) and B's %d (tx "
            "to a), each once: %s" % (na, nb, got))
    sniffed = [na + nb]
    reserved(sw, sn, a, b, sniffed)
    m = entry(sw.tel("/vuswitch/mirrors"))
    h.check(m["frames"] == sniffed[0] and m["lost"] == 0,
            "the mirror counted %d frames, none lost: %s" % (sniffed[0], m))
    h.check(sw.port(0)["tx_packets"] - up0["tx_packets"] == sniffed[0],
            "up0 counted them sent")

    before = sw.tel("/vuswitch/mirrors")
    cases = [
        (["a"], "c", "rx", "port 1's rx is mirrored already, by mirror 0"),
        (["b"], "up0", "both", "port 0 is already the output of mirror 0"),
        (["up0"], "c", "both", "port 0 is the output of mirror 0"),
        (["b"], "a", "both", "port 1 is a source of mirror 0"),
    ]
    for srcs, out, d, want in cases:
        r = mirror(sw, srcs, out, d)
        h.check(r["result"] != 0 and want in r["error"],
                "refused: %s to %s (%s): %s" % (srcs, out, d, r["error"]))
    pcap = os.path.join(env.dir, "x.pcapng")
    r = sw.tel("/vuswitch/capture", "port=up0 dir=tx file=" + pcap)
    h.check(r["result"] != 0 and "output of mirror 0" in r["error"],
            "a tx capture of the output refused: %s" % r["error"])
    r = sw.tel("/vuswitch/capture", "port=up0 dir=rx file=" + pcap)
    h.check(r["result"] == 0, "an rx capture of the output is fine")
    sw.tel("/vuswitch/capture_stop", "up0")
    after = sw.tel("/vuswitch/mirrors")
    h.check(after["mirror_0"]["frames"] == before["mirror_0"]["frames"] and
            set(after) == {"mirror_0"}, "nothing changed")

    r = sw.tel("/vuswitch/mirror_stop", "up0")
    h.check(r["result"] == 0 and r["mirror_0"]["frames"] == sniffed[0],
            "mirror-stop up0, with its final figures: %s" % r)
    h.check(sw.tel("/vuswitch/mirrors") == {}, "no mirror left")
    na, nb = exchange(sw, a, b)
    got = sn.counts()
    h.check(got == {}, "after mirror-stop the tap sees nothing: %s" % got)
    n = send(a, BCAST, 1)
    got = sn.counts(n)
    h.check(got == {"%s>%s" % (MAC_A, BCAST): n},
            "up0 is a flood destination again: %s" % got)


def mirror_tx_suspended(sw, sn, a, b):
    r = mirror(sw, ["b"], "up0", "tx")
    h.check(r["result"] == 0, "mirror b's tx to up0: %s" % r)
    na, nb = exchange(sw, a, b)
    got = sn.counts(na)
    h.check(got == {"%s>%s" % (MAC_A, MAC_B): na},
            "only what was delivered to b (%d), not what b sent: %s"
            % (na, got))
    r = sw.suspend(2)
    h.check(r["result"] == 0, "b suspended: %s" % r)
    rb = b.rx()
    n = send(a, MAC_B, 2)
    h.wait_for(lambda: sw.port(2)["backlog"] == n, 10,
               "%d frames held for b" % n)
    time.sleep(0.3)
    got = sn.counts()
    h.check(got == {} and b.rx() == rb,
            "nothing mirrored while they are held: %s" % got)
    r = sw.resume(2)
    h.check(r["result"] == 0, "b resumed: %s" % r)
    h.wait_for(lambda: b.rx() - rb == n, 10, "b to get the %d" % n)
    got = sn.counts(n)
    h.check(got == {"%s>%s" % (MAC_A, MAC_B): n},
            "mirrored when delivered after RESUME: %s" % got)
    r = sw.tel("/vuswitch/mirror_stop")
    h.check(r["result"] == 0 and r["mirror_0"]["frames"] == na + n,
            "mirror-stop (every mirror): %s" % r)


def lost_and_removed(sw, sn, a, b):
    r = mirror(sw, ["a"], "c", "rx")
    h.check(r["result"] == 0, "mirror a's rx to c (not connected): %s" % r)
    na, nb = exchange(sw, a, b)
    m = entry(sw.tel("/vuswitch/mirrors"))
    h.check(m["lost"] == na and m["frames"] == 0,
            "c took none: %d lost: %s" % (na, m))
    r = sw.tel("/vuswitch/del_port", "c")
    h.check(r["result"] == 0 and "mirror 0 ended: its output went" in
            r["mirror"], "del-port c ends its mirror: %s" % r["mirror"])
    h.check(sw.tel("/vuswitch/mirrors") == {}, "no mirror left")
    r = mirror(sw, ["a", "b"], "up0")
    h.check(r["result"] == 0, "mirror a,b to up0")
    r = sw.tel("/vuswitch/del_port", "b")
    h.check(r["result"] == 0 and "goes on without" in r["mirror"],
            "del-port b: %s" % r["mirror"])
    h.check(entry(sw.tel("/vuswitch/mirrors"))["sources"] == "a",
            "the mirror goes on with a")
    r = sw.tel("/vuswitch/del_port", "a")
    h.check(r["result"] == 0 and "its last source went" in r["mirror"],
            "del-port a: %s" % r["mirror"])
    h.check(sw.tel("/vuswitch/mirrors") == {}, "no mirror left")


def body(env):
    ns = h.NetNs(env, "mirror")
    tap = "vswm%d" % (os.getpid() % 100000)
    socks = [env.sock(n) for n in ("a", "b", "c")]
    sw = h.Switch(env, ["eth:net_tap0,iface=%s,name=up0" % tap] + socks,
                  netns=ns)
    # No IPv6 and no address: the kernel sends nothing into the tap.
    rc, out = ns.run(["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/%s/"
                      "disable_ipv6" % tap])
    h.check(rc == 0, "IPv6 off on %s: %s" % (tap, out.strip()))
    ns.ip("link", "set", tap, "up")
    a = h.VM(env, "vm-a", socks[0], MAC_A)
    b = h.VM(env, "vm-b", socks[1], MAC_B)
    sw.wait_state(1, "running")
    sw.wait_state(2, "running")
    sn = Sniffer(ns, tap)
    try:
        for vm in (a, b):
            vm.setup("rxonly")
            vm.start()
        exchange(sw, a, b)      # both learned (A's first flooded)
        sn.counts()
        exchange(sw, a, b)
        got = sn.counts()
        h.check(got == {}, "no mirror: the tap sees no unicast: %s" % got)
        bad_requests(env, sw)
        mirror_both(env, sw, sn, a, b)
        mirror_tx_suspended(sw, sn, a, b)
        lost_and_removed(sw, sn, a, b)
    finally:
        sn.close()


if __name__ == "__main__":
    h.main("mirror", body)
