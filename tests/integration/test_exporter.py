#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""scripts/vuswitch-exporter: Prometheus metrics that say what telemetry
says.

A switch with two ports (a, b) and testpmd VMs, A sending to B at full
rate, and the exporter on a free port:
  - it listens on 127.0.0.1 only, by default;
  - scraped during traffic, every port and PMD counter lies between the
    telemetry read just before and just after the scrape;
  - once traffic stops, the port counters, drops by reason, MAC entries,
    the mempool and the switch's SUSPEND figures (counts and the handshake
    histogram, after a few SUSPENDs) are equal to telemetry's; the backlog
    of a suspended port with frames held for it too;
  - a second exporter on the same port fails with a clear error and the
    first one goes on serving;
  - when the switch is gone, vuswitch_up is 0.
"""
import os
import re
import socket
import sys
import time
import urllib.request

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
EXPORTER = os.path.join(h.SRC, "scripts", "vuswitch-exporter")
LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
# At least these; the exporter must carry every drop_* counter there is.
DROPS = ("own_port", "no_dest", "malformed", "ring_full", "suspended",
         "port_down", "vlan", "mirror_out")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def scrape(port):
    """{(name, frozenset(labels)): value} of one scrape."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            raise h.TestFailure("not the text format: %r" % line)
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def get(metrics, name, **labels):
    key = (name, frozenset(labels.items()))
    if key not in metrics:
        raise h.TestFailure("no %s%s in the scrape" % (name, labels))
    return metrics[key]


def port_values(tel):
    """(metric, labels, telemetry value) of a port's counters."""
    n = tel["name"]
    out = [("vuswitch_port_rx_packets_total", {"port": n}, tel["rx_packets"]),
           ("vuswitch_port_rx_bytes_total", {"port": n}, tel["rx_bytes"]),
           ("vuswitch_port_tx_packets_total", {"port": n}, tel["tx_packets"]),
           ("vuswitch_port_tx_bytes_total", {"port": n}, tel["tx_bytes"]),
           ("vuswitch_port_mac_moves_total", {"port": n}, tel["mac_moves"])]
    reasons = sorted(k[5:] for k in tel if k.startswith("drop_"))
    if not set(DROPS) <= set(reasons):
        raise h.TestFailure("telemetry lacks drop reasons: %s"
                            % sorted(set(DROPS) - set(reasons)))
    for r in reasons:
        out.append(("vuswitch_port_drops_total", {"port": n, "reason": r},
                    tel["drop_" + r]))
    return out


def pmd_values(tel):
    lab = {"pmd": "0", "lcore": str(tel["lcore"])}
    return [("vuswitch_pmd_%s_total" % k, lab, tel[k])
            for k in ("busy_cycles", "idle_cycles", "rx_packets")]


def bracketed(sw, port):
    """Scrape between two telemetry reads: every counter in between."""
    before = [sw.port(0), sw.port(1), sw.tel("/vuswitch/pmd", "0")]
    m = scrape(port)
    after = [sw.port(0), sw.port(1), sw.tel("/vuswitch/pmd", "0")]
    checked = 0
    for b, a in zip(before, after):
        vb = port_values(b) if "rx_bytes" in b else pmd_values(b)
        va = port_values(a) if "rx_bytes" in a else pmd_values(a)
        for (name, lab, lo), (_, _, hi) in zip(vb, va):
            v = get(m, name, **lab)
            if not lo <= v <= hi:
                raise h.TestFailure("%s%s = %d, not within telemetry's "
                                    "%d .. %d" % (name, lab, v, lo, hi))
            checked += 1
    return checked


def listening_on(port):
    """Local addresses of the TCP sockets listening on @p port."""
    out = []
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for l in lines:
            local, st = l.split()[1], l.split()[3]
            addr, p = local.split(":")
            if int(p, 16) == port and st == "0A":
                out.append(addr)
    return out


def body(env):
    a_sock, b_sock = env.sock("a"), env.sock("b")
    sw = h.Switch(env, [a_sock + ",name=a", b_sock + ",name=b"])
    vm_a = h.VM(env, "vm-a", a_sock, MAC_A)
    vm_b = h.VM(env, "vm-b", b_sock, MAC_B)
    sw.wait_state(0, "running")
    sw.wait_state(1, "running")
    port = free_port()
    ex = h.Proc(env, "exporter", [sys.executable, EXPORTER, "-p", sw.prefix,
                                  "--port", str(port)])
    ex.expect_log(r"serving http://127.0.0.1:%d/metrics" % port, 20)
    h.check(listening_on(port) == ["0100007F"],
            "listens on 127.0.0.1 only: %s" % listening_on(port))

    h.learn(sw, vm_b, 1)
    vm_b.halt()
    vm_b.setup("rxonly")
    vm_b.start()
    vm_a.setup("txonly", peer=MAC_B)
    vm_a.start()
    time.sleep(1)
    n = 0
    for _ in range(5):
        n += bracketed(sw, port)
    # Per scrape: 5 counters and every drop reason of each of 2 ports,
    # 3 of the PMD.
    reasons = [k for k in sw.port(0) if k.startswith("drop_")]
    want = 5 * (2 * (5 + len(reasons)) + 3)
    h.check(n == want and len(reasons) >= len(DROPS),
            "during traffic, %d counters (of %d, %d drop reasons) lie "
            "between the telemetry reads around their scrape"
            % (n, want, len(reasons)))
    vm_a.halt()
    h.wait_for(lambda: sw.port(0)["rx_packets"] == vm_a.tx(), 10,
               "the switch to take every frame A sent")
    time.sleep(0.5)

    for k in range(5):
        h.check(sw.suspend(1)["result"] == 0 and
                sw.resume(1)["result"] == 0, "SUSPEND/RESUME %d" % k)
    m = scrape(port)
    for i in (0, 1):
        t = sw.port(i)
        for name, lab, v in port_values(t):
            if get(m, name, **lab) != v:
                raise h.TestFailure("%s%s: %d, telemetry %d"
                                    % (name, lab, get(m, name, **lab), v))
        h.check(get(m, "vuswitch_mac_entries", port=t["name"]) ==
                t["mac_entries"], "port %s: rx %d, tx %d, drops, MAC "
                "entries %d: as telemetry" % (t["name"], t["rx_packets"],
                                               t["tx_packets"],
                                               t["mac_entries"]))
    t = sw.port(1)
    hs = "vuswitch_port_suspend_handshake_seconds"
    h.check(get(m, "vuswitch_port_suspends_total", port="b") == 5 ==
            t["suspends"] and get(m, hs + "_count", port="b") == 5 and
            get(m, hs + "_bucket", port="b", le="+Inf") == 5,
            "5 SUSPENDs, in the histogram's count and +Inf bucket")
    h.check(abs(get(m, hs + "_sum", port="b") - t["handshake_sum_us"] / 1e6)
            < 1e-9 and get(m, hs + "_bucket", port="b", le="0.0001") ==
            t["handshake_le_100_us"], "histogram sum and buckets as "
            "telemetry (%d within 100 us)" % t["handshake_le_100_us"])
    pool = sw.tel("/vuswitch/mempool")
    h.check(get(m, "vuswitch_mempool_mbufs", state="size") == pool["size"],
            "mempool size %d" % pool["size"])
    h.check(get(m, "vuswitch_up") == 1 and
            get(m, "vuswitch_port_info", port="a", id="0", path=a_sock,
                mode="server", state="running") == 1, "up, port info")

    # Frames held for a suspended port: the backlog.
    sw.suspend(1)
    vm_a.halt()
    vm_a.setup("rxonly")
    vm_a.start(tx_first=1)
    h.wait_for(lambda: sw.port(1)["backlog"] > 0, 10, "frames held for b")
    m = scrape(port)
    h.check(get(m, "vuswitch_port_backlog_frames", port="b") ==
            sw.port(1)["backlog"] > 0, "backlog %d, as telemetry"
            % sw.port(1)["backlog"])
    sw.resume(1)

    ex2 = h.Proc(env, "exporter-2", [sys.executable, EXPORTER, "-p",
                                     sw.prefix, "--port", str(port)])
    h.wait_for(lambda: not ex2.alive(), 20, "the second exporter to exit")
    rc = ex2.stop()
    h.check(rc == 1 and "cannot listen on 127.0.0.1 port %d" % port in
            ex2.output(), "a second exporter on a port in use: exit %s, %s"
            % (rc, ex2.output().strip().splitlines()[-1:]))
    h.check(get(scrape(port), "vuswitch_up") == 1, "the first one serves on")

    h.check(sw.stop() == 0, "switch stopped")
    h.check(get(scrape(port), "vuswitch_up") == 0,
            "without a switch, vuswitch_up is 0")
    ex.stop()


if __name__ == "__main__":
    h.main("exporter", body)
