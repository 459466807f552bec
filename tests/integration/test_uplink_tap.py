#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The host kernel talks to a VM through a net_tap port.

The switch runs in a network namespace of the test, with an ethdev port
eth:net_tap0,iface=TAP (so the tap is there) and two vhost-user ports
whose "VMs" are Python front-ends: A answers ARP and ping for 10.99.0.2,
B only listens. The tap gets 10.99.0.1/24. Then:

- ping 10.99.0.2 from the namespace gets its replies; B saw the ARP
  request (flooded) but none of the pings (unicast to A once learned);
- 100 UDP datagrams from a kernel socket reach A, and 100 that A sends
  reach a kernel socket: both directions, counted by the switch's own
  counters and the ethdev's;
- A suspended: 100 more from the host wait in its backlog, none dropped
  or delivered, and all arrive in order on RESUME;
- the tap's interface set down: the port shows link-down, and frames
  towards it are dropped and counted as port-down; up again: running;
- the tap port removed and another added while A streams to B in lock
  step: B gets every frame, and the interface goes and comes back;
- bad requests each get an error and change nothing: a driver that does
  not exist, no device, a vhost-only key, a device that is a port
  already, SUSPEND of an ethdev port;
- kernel VLANs: the tap a trunk of VLANs 10 and 20, A on access VLAN 10,
  B on 20. The host's vsw0.10 pings A; its vsw0.20 never reaches A, and
  reaches B (the ARP request).
"""
import json
import os
import threading
import time

import frames as fr
import harness as h
import vhu_fe

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
IP_HOST, IP_A = "10.99.0.1", "10.99.0.2"
EEXIST, EINVAL = 17, 22


def tap_mac(ns, tap):
    out = ns.ip("-j", "link", "show", tap)
    return json.loads(out)[0]["address"]


def serve(fe, mac, ip, seen):
    """Answer what A must answer; keep every other frame in seen."""
    for f in fe.rx():
        if f is None:
            continue
        reply = fr.answer(f, mac, ip)
        if reply is not None:
            fe.tx([reply])
        seen.append(f)


# ping(8) in Python (no iputils needed): 3 echo requests, raw socket.
PING = """
import os, socket, struct, sys, time
def csum(d):
    s = sum(struct.unpack("!%dH" % (len(d) // 2), d))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(0.2)
ident, got = os.getpid() & 0xffff, set()
for seq in range(1, 4):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"vsw-ping" * 4
    m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    s.sendto(m, (sys.argv[1], 0))
    end = time.monotonic() + float(sys.argv[2])
    while seq not in got and time.monotonic() < end:
        try:
            d = s.recv(2048)
        except socket.timeout:
            continue
        icmp = d[(d[0] & 15) * 4:]
        t, _, _, i, q = struct.unpack("!BBHHH", icmp[:8])
        if t == 0 and i == ident:
            got.add(q)
print("%d packets transmitted, %d received" % (3, len(got)))
sys.exit(0 if len(got) == 3 else 1)
"""


def run_serving(ns, argv, fe_a, fe_b, a_ips):
    """Run argv in the namespace (at most 20 s) while A answers for a_ips
    and B's frames are collected; returns (its output, frames A saw,
    frames B saw)."""
    seen_a, seen_b = [], []
    p = ns.popen(argv)
    deadline = time.monotonic() + 20
    while p.poll() is None and time.monotonic() < deadline:
        for a_ip in a_ips:
            serve(fe_a, MAC_A, a_ip, seen_a)
        seen_b += [f for f in fe_b.rx() if f is not None]
        time.sleep(0.002)
    if p.poll() is None:
        p.kill()
    out = p.communicate(timeout=10)[0].decode(errors="replace")
    h.log(out.strip())
    return out, seen_a, seen_b


def run_ping(ns, fe_a, fe_b, ip, a_ips, wait=2):
    """Ping ip from the namespace while A answers for a_ips; returns
    (ping's output, replies, frames A saw, frames B saw)."""
    out, seen_a, seen_b = run_serving(
        ns, ["python3", "-c", PING, ip, str(wait)], fe_a, fe_b, a_ips)
    n = int(out.split(" received")[0].split()[-1]) if " received" in out \
        else -1
    return out, n, seen_a, seen_b


def ping(env, ns, fe_a, fe_b):
    out, n, seen_a, seen_b = run_ping(ns, fe_a, fe_b, IP_A, [IP_A])
    h.check(n == 3, "ping from the host to VM A: 3 replies")
    parsed = [fr.Parsed(f) for f in seen_b]
    h.check(any(q.is_arp_request(IP_A) for q in parsed),
            "B saw the host's ARP request (flooded)")
    h.check(not any(q.is_echo_request(IP_A) for q in parsed),
            "B saw none of the pings (unicast to A)")


RECV = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("%s", 7778))
s.settimeout(3)
n = 0
print("ready", flush=True)
try:
    while True:
        d, a = s.recvfrom(2048)
        if d.startswith(b"vsw-up"):
            n += 1
except socket.timeout:
    pass
print("got", n, flush=True)
""" % IP_HOST

SEND = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(100):
    s.sendto(b"vsw-down-%%d" %% i, ("%s", 7777))
""" % IP_A


def udp_both_ways(env, ns, sw, fe_a, host_mac):
    before = sw.port(0)
    rc, out = ns.run(["python3", "-c", SEND], timeout=20)
    h.check(rc == 0, "the host sent 100 datagrams")
    got = []
    h.wait_for(lambda: got.extend(
        q for q in (fr.Parsed(f) for f in fe_a.rx() if f is not None)
        if q.dport == 7777 and q.payload.startswith(b"vsw-down")) or
        len(got) >= 100, 10, "100 datagrams at A")
    h.check(len(got) == 100 and all(q.dst == MAC_A and q.src == host_mac
                                    for q in got),
            "A got the 100 datagrams, from the tap's MAC")

    p = ns.popen(["python3", "-c", RECV])
    h.check(p.stdout.readline().strip() == b"ready", "host socket ready")
    sent = 0
    for i in range(100):
        f = fr.udp_frame(host_mac, MAC_A, IP_A, IP_HOST, 5555, 7778,
                         b"vsw-up-%d" % i)
        while fe_a.tx([f]) == 0:
            time.sleep(0.001)
        sent += 1
        if i % 16 == 15:
            time.sleep(0.005)
    out = p.communicate(timeout=20)[0].decode()
    h.check("got 100" in out, "the host got A's 100 datagrams (%s)"
            % out.strip())
    after = sw.port(0)
    h.check(after["tx_packets"] - before["tx_packets"] >= 100 and
            after["eth_opackets"] - before["eth_opackets"] >= 100,
            "port 0 counted them out: tx %d, ethdev %d" %
            (after["tx_packets"] - before["tx_packets"],
             after["eth_opackets"] - before["eth_opackets"]))
    h.check(after["rx_packets"] - before["rx_packets"] >= 100 and
            after["xstats"]["rx_good_packets"] >=
            before["xstats"]["rx_good_packets"] + 100,
            "and the host's in: rx %d" %
            (after["rx_packets"] - before["rx_packets"]))


def suspended_vm(env, ns, sw, fe_a, host_mac):
    """A suspended: the host's frames towards it wait in its backlog
    (none dropped, none delivered), and all arrive on RESUME."""
    r = sw.suspend(1)
    h.check(r["result"] == 0, "SUSPEND of A: %s" % r)
    fe_a.rx()   # what reached A before
    before = sw.port(1)
    rc, out = ns.run(["python3", "-c", SEND], timeout=20)
    h.check(rc == 0, "the host sent 100 datagrams")
    h.wait_for(lambda: sw.port(1)["backlog"] >= 100, 10,
               "100 frames held for A")
    h.check(not [f for f in fe_a.rx() if f is not None],
            "A got nothing while suspended")
    after = sw.port(1)
    h.check(h.drops(after, h.TX_DROPS) == h.drops(before, h.TX_DROPS),
            "no frame towards A dropped")
    r = sw.resume(1)
    h.check(r["result"] == 0, "RESUME of A: %s" % r)
    got = []
    h.wait_for(lambda: got.extend(
        q for q in (fr.Parsed(f) for f in fe_a.rx() if f is not None)
        if q.dport == 7777 and q.payload.startswith(b"vsw-down")) or
        len(got) >= 100, 10, "the 100 datagrams at A")
    h.check(len(got) == 100 and
            [q.payload for q in got] == [b"vsw-down-%d" % i
                                         for i in range(100)],
            "A got all 100 on RESUME, in order")
    h.check(sw.port(1)["backlog"] == 0, "A's backlog is empty")


def link_down(env, ns, sw, fe_a, tap, host_mac):
    ns.ip("link", "set", tap, "down")
    sw.wait_state(0, "link-down", timeout=5)
    h.check(sw.port(0)["link"] == "down", "telemetry: link down")
    before = sw.port(0)
    f = fr.udp_frame(host_mac, MAC_A, IP_A, IP_HOST, 5555, 7778, b"x")
    n = 0
    while n < 50:
        n += fe_a.tx([f] * (50 - n))
        time.sleep(0.01)
    h.wait_for(lambda: sw.port(0)["drop_port_down"] -
               before["drop_port_down"] == 50, 10,
               "50 frames towards the down link counted port-down")
    h.check(sw.port(0)["tx_packets"] == before["tx_packets"],
            "none was sent")
    ns.ip("link", "set", tap, "up")
    sw.wait_state(0, "running", timeout=5)
    h.check(sw.port(0)["link_changes"] >= 2, "two link changes counted")


class Stream(threading.Thread):
    """A streams to B in lock step (32 frames, then wait for them at B),
    so that nothing is lost for want of room; counts both ends."""

    def __init__(self, fe_a, fe_b):
        super().__init__(daemon=True)
        self.fe_a, self.fe_b = fe_a, fe_b
        self.stop = False
        self.sent = self.got = 0
        self.error = None

    def run(self):
        f = fr.udp_frame(MAC_B, MAC_A, IP_A, "10.99.0.3", 1, 2, b"s" * 40)
        src = fr.mac_bytes(MAC_A)   # B also gets the host's floods
        try:
            while not self.stop:
                self.sent += self.fe_a.tx([f] * 32)
                deadline = time.monotonic() + 2
                while self.got < self.sent and time.monotonic() < deadline:
                    self.got += sum(1 for x in self.fe_b.rx()
                                    if x and x[6:12] == src)
                if self.got < self.sent:
                    self.error = "B is missing frames"
                    return
        except Exception as e:  # reported by the main thread
            self.error = str(e)


def remove_and_add(env, ns, sw, fe_a, fe_b, tap):
    st = Stream(fe_a, fe_b)
    st.start()
    time.sleep(0.5)
    r = sw.tel("/vuswitch/del_port", "net_tap0")
    h.check(r["result"] == 0, "del-port net_tap0")
    h.wait_for(lambda: "does not exist" in ns.ip("link", "show", tap,
                                                 check=False),
               5, "the tap interface to go")
    r = sw.tel("/vuswitch/add_port", "eth:net_tap1,iface=%s,name=up1" % tap)
    h.check(r["result"] == 0 and r["id"] == 0 and r["name"] == "up1",
            "add-port eth:net_tap1 takes id 0 again: %s" % r)
    h.check(tap in ns.ip("link", "show", tap), "the interface is back")
    time.sleep(0.5)
    st.stop = True
    st.join(10)
    h.check(st.error is None and st.sent > 1000 and st.got == st.sent,
            "A -> B lost nothing meanwhile: %d sent, %d received (%s)"
            % (st.sent, st.got, st.error))
    pa, pb = sw.port(1), sw.port(2)
    h.check(pb["tx_packets"] >= st.got and
            h.drops(pb, h.TX_DROPS) == 0, "B's port counted no drop")
    h.check(pa["drop_no_dest"] == 0, "A's port: no no-dest drop")


def bad_requests(env, sw, tap):
    ports = sw.tel("/vuswitch/ports")
    cases = [
        ("no such driver", "eth:net_nosuch0", "cannot probe device"),
        ("no device", "eth:", "needs a device"),
        ("device string only keys", "eth:iface=x", "needs a device"),
        ("vhost-only key", "eth:net_tap7,iface=vswx7,client=1",
         "vhost-user port's key"),
        ("a device that is a port", "eth:net_tap1", "already port 0"),
        ("same device string", "eth:net_tap1,iface=%s" % tap,
         "already port 0"),
        ("queues out of range", "eth:net_tap7,queues=9",
         "queues must be 1 to 8"),
    ]
    for what, spec, msg in cases:
        r = sw.tel("/vuswitch/add_port", spec)
        h.check(r["result"] < 0 and msg in r["error"],
                "%s: refused (%s)" % (what, r["error"]))
    h.check(sw.tel("/vuswitch/ports") == ports, "nothing changed")
    r = sw.suspend(0)
    h.check(r["result"] != 0 and "ethdev" in r["error"],
            "SUSPEND of an ethdev port refused: %s" % r["error"])


# A host on VLAN VID of the tap, by raw socket (for kernels without
# 802.1Q): an ARP request for IP, then a ping of its answerer; prints
# what came back and with which tag (the kernel gives received tags in
# PACKET_AUXDATA, not in the frame).
RAWHOST = """
import socket, struct, sys, time
tap, vid, ip_src, ip_dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], \\
    sys.argv[4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((tap, 0))
s.setsockopt(263, 8, 1)        # SOL_PACKET, PACKET_AUXDATA
me = s.getsockname()[4]
def ip4(a):
    return bytes(int(x) for x in a.split("."))
def csum(d):
    t = sum(struct.unpack("!%dH" % (len(d) // 2), d))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
def send(dst, et, payload):
    s.send(dst + me + struct.pack("!HHH", 0x8100, vid, et) + payload)
def recv(want, secs):
    end = time.monotonic() + secs
    s.settimeout(0.1)
    while time.monotonic() < end:
        try:
            d, anc, _, _ = s.recvmsg(4096, 64)
        except socket.timeout:
            continue
        tag = None
        for lvl, typ, data in anc:
            if lvl == 263 and typ == 8:
                st, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", data[:20])
                if st & 0x10:
                    tag = tci & 0xfff
        if d[6:12] != me and want(d):
            return d, tag
    return None, None
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x800, 6, 4, 1, me, ip4(ip_src),
                  bytes(6), ip4(ip_dst))
send(b"\\xff" * 6, 0x806, arp)
d, tag = recv(lambda d: d[12:14] == b"\\x08\\x06" and d[20:22] == b"\\x00\\x02"
              and d[28:32] == ip4(ip_dst), 2)
if d is None:
    print("no arp reply")
    sys.exit(1)
print("arp reply vlan", tag)
icmp = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"vsw-vlan" * 4
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                  ip4(ip_src), ip4(ip_dst))
iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
send(d[6:12], 0x800, iph + icmp)
d, tag = recv(lambda d: d[12:14] == b"\\x08\\x00" and d[23] == 1 and
              d[34] == 0, 2)
print("echo reply vlan", tag if d is not None else "none")
"""


def host_vlans(env, ns, fe_a, fe_b, tap):
    """Sub-interfaces TAP.10 and TAP.20 (10.98.0.1, 10.97.0.1); None
    if the kernel has no 802.1Q."""
    for vid, net in ((10, "10.98.0"), (20, "10.97.0")):
        sub = "%s.%d" % (tap, vid)
        out = ns.ip("link", "add", "link", tap, "name", sub, "type", "vlan",
                    "id", str(vid), check=False)
        if "Unknown device type" in out:
            return None
        ns.ip("addr", "add", net + ".1/24", "dev", sub)
        ns.ip("link", "set", sub, "up")
    return True


def raw_host(ns, fe_a, fe_b, tap, vid, ip):
    """The RAWHOST exchange on VLAN vid with ip, A answering for both
    VLANs' addresses: (its output, frames A saw, frames B saw)."""
    src = "10.98.0.1" if vid == 10 else "10.97.0.1"
    return run_serving(ns, ["python3", "-c", RAWHOST, tap, str(vid), src,
                            ip], fe_a, fe_b, ("10.98.0.2", "10.97.0.2"))


def kernel_vlans(env, ns, sw, fe_a, fe_b, tap):
    """The tap a trunk of VLANs 10 and 20, A on 10, B on 20; the host's
    VLAN sub-interfaces reach A on VLAN 10, and not on VLAN 20."""
    for spec in ("up1,trunks=10:20", "a,vlan=10", "b,vlan=20"):
        r = sw.tel("/vuswitch/set_port", spec)
        h.check(r["result"] == 0, "set-port %s" % spec)
    if host_vlans(env, ns, fe_a, fe_b, tap) is None:
        h.log("this kernel has no 802.1Q (CONFIG_VLAN_8021Q): the host's "
              "VLANs are tagged frames from a raw socket on the tap")
        out, seen_a, seen_b = raw_host(ns, fe_a, fe_b, tap, 10, "10.98.0.2")
        h.check("arp reply vlan 10" in out and "echo reply vlan 10" in out,
                "tagged 10 from the host: A answers ARP and ping, tagged 10")
        h.check(all(fr.Parsed(f).vlan is None for f in seen_a),
                "A got its frames untagged")
        h.check(not any(fr.Parsed(f).is_arp_request("10.98.0.2")
                        for f in seen_b), "B on VLAN 20 saw none of it")
        out, seen_a, seen_b = raw_host(ns, fe_a, fe_b, tap, 20, "10.97.0.2")
        h.check("no arp reply" in out and not any(
            fr.Parsed(f).is_arp_request("10.97.0.2") for f in seen_a),
            "tagged 20 from the host: A, on VLAN 10, never sees it")
        h.check(any(fr.Parsed(f).is_arp_request("10.97.0.2")
                    for f in seen_b),
                "B, on VLAN 20, gets the ARP request, untagged")
        return
    out, n, seen_a, seen_b = run_ping(ns, fe_a, fe_b, "10.98.0.2",
                                      ["10.98.0.2", "10.97.0.2"])
    h.check(n == 3, "ping over %s.10 to A on VLAN 10: 3 replies" % tap)
    h.check(not any(fr.Parsed(f).is_arp_request("10.98.0.2") or
                    fr.Parsed(f).is_echo_request("10.98.0.2")
                    for f in seen_b), "B on VLAN 20 saw none of it")
    h.check(all(fr.Parsed(f).vlan is None for f in seen_a),
            "A got its frames untagged")
    out, n, seen_a, seen_b = run_ping(ns, fe_a, fe_b, "10.97.0.2",
                                      ["10.98.0.2", "10.97.0.2"], wait=0.5)
    h.check(n == 0 and not any(fr.Parsed(f).is_arp_request("10.97.0.2")
                               for f in seen_a),
            "ping over %s.20: A, on VLAN 10, never sees it" % tap)
    h.check(any(fr.Parsed(f).is_arp_request("10.97.0.2") for f in seen_b),
            "B, on VLAN 20, gets the ARP request, untagged")
    macs = sw.tel("/vuswitch/mac").get("0", [])
    h.check(any(m.endswith(" vlan 10") for m in macs) and
            any(m.endswith(" vlan 20") for m in macs),
            "the host's MAC learned on the tap in VLANs 10 and 20: %s" % macs)


def body(env):
    ns = h.NetNs(env, "tap")
    tap = "vswt%d" % (os.getpid() % 100000)
    a_sock, b_sock = env.sock("a"), env.sock("b")
    sw = h.Switch(env, ["eth:net_tap0,iface=%s" % tap, a_sock, b_sock],
                  netns=ns)
    fe_a, fe_b = vhu_fe.Frontend(a_sock), vhu_fe.Frontend(b_sock)
    fe_a.start()
    fe_b.start()
    sw.wait_state(1, "running")
    sw.wait_state(2, "running")
    p0 = sw.port(0)
    h.check(p0["mode"] == "eth" and p0["path"] == "eth:net_tap0,iface=" + tap
            and p0["link"] == "up" and p0["state"] == "running",
            "port 0 is the tap, link up")
    host_mac = tap_mac(ns, tap)
    ns.ip("addr", "add", IP_HOST + "/24", "dev", tap)
    ns.ip("link", "set", tap, "up")

    ping(env, ns, fe_a, fe_b)
    udp_both_ways(env, ns, sw, fe_a, host_mac)
    suspended_vm(env, ns, sw, fe_a, host_mac)
    link_down(env, ns, sw, fe_a, tap, host_mac)
    remove_and_add(env, ns, sw, fe_a, fe_b, tap)
    bad_requests(env, sw, tap)
    kernel_vlans(env, ns, sw, fe_a, fe_b, tap)
    fe_a.close()
    fe_b.close()


if __name__ == "__main__":
    h.main("uplink-tap", body, need=("vuswitch",))
