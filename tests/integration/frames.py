# SPDX-License-Identifier: BSD-3-Clause
"""Ethernet, 802.1Q, ARP, IPv4, UDP and ICMP frames for the tests' Python
"VMs", and the little a VM needs to answer a host: ARP and ping.
Python stdlib only."""

import struct

ETH_ARP, ETH_IP, ETH_VLAN = 0x0806, 0x0800, 0x8100
ETH_LOCAL = 0x88B5          # IEEE local experimental
IP_ICMP, IP_UDP = 1, 17
BROADCAST = "ff:ff:ff:ff:ff:ff"


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def ip_bytes(ip):
    return bytes(int(x) for x in ip.split("."))


def ip_str(b):
    return ".".join(str(x) for x in b)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(dst, src, ethertype, payload, vlan=None, pcp=0):
    """An Ethernet frame; vlan: one 802.1Q tag (VID, 0 for priority)."""
    hdr = mac_bytes(dst) + mac_bytes(src)
    if vlan is not None:
        hdr += struct.pack("!HH", ETH_VLAN, (pcp << 13) | vlan)
    return hdr + struct.pack("!H", ethertype) + payload


def seq_frame(dst, src, seq=0):
    """A 64-byte frame of the local experimental EtherType whose payload
    starts with the 32-bit sequence number seq."""
    return eth(dst, src, ETH_LOCAL, struct.pack("!I", seq) + bytes(46))


def ipv4(src, dst, proto, payload, ident=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0,
                      64, proto, 0, ip_bytes(src), ip_bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(sport, dport, payload):
    """A UDP datagram without a checksum (0: none, valid in IPv4)."""
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def udp_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, payload,
              vlan=None):
    return eth(dst_mac, src_mac, ETH_IP,
               ipv4(src_ip, dst_ip, IP_UDP, udp(sport, dport, payload)),
               vlan=vlan)


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, op, mac_bytes(sha),
                       ip_bytes(spa), mac_bytes(tha), ip_bytes(tpa))


class Parsed:
    """What a test wants to know of a frame: addresses, its VLAN tag (or
    None), the ethertype after the tag, and for IPv4 the addresses,
    protocol, UDP ports and payload."""

    def __init__(self, f):
        self.raw = f
        self.dst, self.src = mac_str(f[0:6]), mac_str(f[6:12])
        self.vlan = None
        self.pcp = None
        et = struct.unpack("!H", f[12:14])[0]
        off = 14
        if et == ETH_VLAN and len(f) >= 18:
            tci = struct.unpack("!H", f[14:16])[0]
            self.vlan, self.pcp = tci & 0xfff, tci >> 13
            et = struct.unpack("!H", f[16:18])[0]
            off = 18
        self.type = et
        self.l3 = f[off:]
        self.proto = self.sport = self.dport = None
        self.payload = b""
        if et == ETH_IP and len(self.l3) >= 20:
            ihl = (self.l3[0] & 15) * 4
            self.proto = self.l3[9]
            self.ip_src, self.ip_dst = ip_str(self.l3[12:16]), \
                ip_str(self.l3[16:20])
            l4 = self.l3[ihl:]
            if self.proto == IP_UDP and len(l4) >= 8:
                self.sport, self.dport = struct.unpack("!HH", l4[:4])
                self.payload = l4[8:]
            elif self.proto == IP_ICMP:
                self.payload = l4

    def is_arp_request(self, ip):
        return (self.type == ETH_ARP and len(self.l3) >= 28 and
                struct.unpack("!H", self.l3[6:8])[0] == 1 and
                ip_str(self.l3[24:28]) == ip)

    def is_echo_request(self, ip):
        return (self.type == ETH_IP and self.proto == IP_ICMP and
                self.ip_dst == ip and self.payload[:1] == b"\x08")


def answer(frame, mac, ip):
    """The reply a host at (mac, ip) gives to frame: an ARP reply to a
    request for ip, an echo reply to a ping of ip (same VLAN tag), or
    None."""
    p = Parsed(frame)
    if p.is_arp_request(ip):
        sha, spa = mac_str(p.l3[8:14]), ip_str(p.l3[14:18])
        return eth(sha, mac, ETH_ARP, arp(2, mac, ip, sha, spa), vlan=p.vlan)
    if p.is_echo_request(ip):
        icmp = b"\x00\x00\x00\x00" + p.payload[4:]
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        return eth(p.src, mac, ETH_IP, ipv4(ip, p.ip_src, IP_ICMP, icmp),
                   vlan=p.vlan)
    return None
