#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Churn: 1000 times, a port is added, a front-end connects and runs, a
frame goes each way through it, and the port is removed (issue 9).

Each cycle:
  - add-port (the same socket path every time, a new MAC every cycle);
  - a Python front-end (vhu_fe.Frontend: features, memory table, both
    rings, enabled) connects, and the port must reach "running";
  - it sends one frame to a fixed peer port P, which receives it, and P
    answers it: the new port's MAC was learned and frames go both ways;
  - then one cycle in three closes the front-end and removes the port
    once the switch has seen it go; one removes it with its front-end
    connected (the switch hangs up); and one suspends it (telemetry's
    suspend), has P send it 3 frames, which are held, and removes it
    suspended;
  - del-port's final counters show the frame in, the frame out and the
    held frames counted port-down, and the port's MAC is gone from the
    table.

At the end the switch holds what it held after a warm-up of 20 cycles:
the same mbufs in use (exactly), the same open file descriptors
(exactly), the same DPDK heap allocations (exactly, where the release has
/eal/heap_info), and an RSS at most RSS_SLACK_KB above it: glibc keeps
some freed memory in its arenas and rte_vhost's per-device memory comes
and goes with mmap, so a few hundred KiB of noise is expected; a leak of
one front-end's memory table (1.1 MiB) per cycle would be 1 GiB. The RSS
is printed every 100 cycles, and its growth over the second half of the
run is held to the same slack. Under AddressSanitizer the RSS is printed,
not checked (freed memory waits in its quarantine; LeakSanitizer checks
at exit). Every wait is bounded; the time per cycle
is printed (median, 99th percentile, max, and the time spent in add-port,
getting to running and del-port).
"""
import os
import statistics
import time

from frames import seq_frame as frame
import harness as h
import vhu_fe

CYCLES = 1000
WARMUP = 20
RSS_SLACK_KB = 2048
HELD = 3
MAC_P = "02:00:00:00:01:00"


def churn_mac(i):
    return "02:00:00:01:%02x:%02x" % ((i >> 8) & 0xff, i & 0xff)


def receive(fe, want, timeout=5):
    """Wait (bounded) until fe has received exactly the frame want."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = fe.rx()
        if got:
            if got != [want]:
                raise h.TestFailure("expected one frame %r, got %r"
                                    % (want[:16], got))
            return
        time.sleep(0.0002)
    raise h.TestFailure("frame %r not received within %d s"
                        % (want[:16], timeout))


def resources(sw):
    """mbufs in use, open fds, RSS (KiB) and DPDK heap allocations."""
    with open("/proc/%d/status" % sw.pid) as f:
        rss = next(int(line.split()[1]) for line in f
                   if line.startswith("VmRSS:"))
    heap = sw.tel("/eal/heap_info", "0")
    return {"mbufs": sw.tel("/vuswitch/mempool")["in_use"],
            "fds": len(os.listdir("/proc/%d/fd" % sw.pid)),
            "rss_kb": rss,
            "heap_allocs": heap.get("Alloc_count") if isinstance(heap, dict)
            else None}


def asan(sw):
    """Whether the switch runs with AddressSanitizer."""
    with open("/proc/%d/maps" % sw.pid) as f:
        return any("libasan" in line for line in f)


def wait_running(sw, name, timeout=5):
    """Poll the port's state until it is running (bounded, fine-grained:
    this is on the cycle's critical path)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if sw.port(name)["state"] == "running":
            return
        time.sleep(0.0005)
    raise h.TestFailure("port %s not running within %d s: %s"
                        % (name, timeout, sw.port(name)))


def wait_gone(sw, name, timeout=5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not sw.port(name)["connected"]:
            return
        time.sleep(0.0005)
    raise h.TestFailure("port %s: the switch did not see its front-end go"
                        % name)


def hold(sw, peer, m, i):
    """Suspend the churned port and have HELD frames held for it."""
    r = sw.suspend("churn")
    if r.get("result") != 0 or r.get("state") != "suspended":
        raise h.TestFailure("cycle %d: suspend answered %s" % (i, r))
    peer.tx([frame(m, MAC_P, i)] * HELD)
    end = time.monotonic() + 5
    while sw.port("churn")["backlog"] != HELD:
        if time.monotonic() > end:
            raise h.TestFailure("cycle %d: %d frames held, not %d"
                                % (i, sw.port("churn")["backlog"], HELD))
        time.sleep(0.0005)


def cycle(env, sw, peer, i, path, times):
    """One cycle; how it ends depends on i % 3 (see the docstring)."""
    m, kind = churn_mac(i), i % 3
    t0 = time.monotonic()
    r = sw.tel_ok("/vuswitch/add_port", path + ",name=churn")
    t1 = time.monotonic()
    fe = vhu_fe.Frontend(path)
    try:
        fe.start()
        wait_running(sw, "churn")
        t2 = time.monotonic()
        out, back = frame(MAC_P, m, i), frame(m, MAC_P, i)
        fe.tx([out])
        receive(peer, out)
        peer.tx([back])
        receive(fe, back)
        if kind == 0:
            fe.close()
            wait_gone(sw, "churn")
        elif kind == 2:
            hold(sw, peer, m, i)
        t3 = time.monotonic()
        d = sw.tel_ok("/vuswitch/del_port", "churn")
        t4 = time.monotonic()
    finally:
        fe.close()
    held = HELD if kind == 2 else 0
    if d["id"] != r["id"] or d["rx_packets"] != 1 or \
            d["tx_packets"] != 1 or d["drop_port_down"] != held:
        raise h.TestFailure("cycle %d: del-port answered %s" % (i, d))
    if os.path.exists(path):
        raise h.TestFailure("cycle %d: socket left behind" % i)
    macs = sw.tel("/vuswitch/mac")
    if macs != {"0": [MAC_P]}:
        raise h.TestFailure("cycle %d: MAC table after del-port: %s"
                            % (i, macs))
    times.append((t4 - t0, t1 - t0, t2 - t1, t4 - t3))


def report(times):
    total = sorted(t[0] for t in times)
    h.log("per cycle: median %.1f ms, p99 %.1f ms, max %.1f ms; "
          "add-port median %.2f ms, to running %.1f ms, del-port %.2f ms "
          "(max %.1f ms)"
          % (statistics.median(total) * 1e3,
             total[int(len(total) * 0.99) - 1] * 1e3, total[-1] * 1e3,
             statistics.median(t[1] for t in times) * 1e3,
             statistics.median(t[2] for t in times) * 1e3,
             statistics.median(t[3] for t in times) * 1e3,
             max(t[3] for t in times) * 1e3))


def body(env):
    p_sock = env.sock("p")
    sw = h.Switch(env, [p_sock])
    peer = vhu_fe.Frontend(p_sock)
    try:
        peer.start()
        sw.wait_state(0, "running")
        peer.tx([frame(MAC_P, MAC_P, 0)])   # learned; dropped (own port)
        h.wait_for(lambda: sw.tel("/vuswitch/mac") == {"0": [MAC_P]}, 10,
                   "P's MAC learned")
        path = env.sock("churn")
        times, rss = [], []
        t_start = time.monotonic()
        for i in range(CYCLES):
            cycle(env, sw, peer, i, path, times)
            if i + 1 == WARMUP:
                base = resources(sw)
                h.log("after %d cycles: %s" % (WARMUP, base))
            if (i + 1) % 100 == 0:
                rss.append(resources(sw)["rss_kb"])
                h.log("%d cycles, %.1f s; RSS %d KiB" %
                      (i + 1, time.monotonic() - t_start, rss[-1]))
        elapsed = time.monotonic() - t_start
        h.check(True, "%d cycles in %.1f s (%.1f ms a cycle)"
                % (CYCLES, elapsed, elapsed / CYCLES * 1e3))
        report(times)
        end = resources(sw)
    finally:
        peer.close()
    h.log("at the end: %s" % end)
    h.check(end["mbufs"] == base["mbufs"],
            "mbufs in use back at %d (%d)" % (base["mbufs"], end["mbufs"]))
    h.check(end["fds"] == base["fds"],
            "open fds back at %d (%d)" % (base["fds"], end["fds"]))
    if base["heap_allocs"] is not None:
        h.check(end["heap_allocs"] == base["heap_allocs"],
                "DPDK heap allocations back at %d (%d)"
                % (base["heap_allocs"], end["heap_allocs"]))
    grown = end["rss_kb"] - base["rss_kb"]
    if asan(sw):
        # Freed memory waits in ASan's quarantine (256 MiB by default)
        # before it is reused; LeakSanitizer checks leaks at exit instead.
        h.log("RSS %d KiB -> %d KiB (%+d): not checked under "
              "AddressSanitizer" % (base["rss_kb"], end["rss_kb"], grown))
        return
    h.check(grown <= RSS_SLACK_KB, "RSS %d KiB -> %d KiB (%+d KiB, slack %d)"
            % (base["rss_kb"], end["rss_kb"], grown, RSS_SLACK_KB))
    half = len(rss) // 2 - 1
    h.check(rss[-1] - rss[half] <= RSS_SLACK_KB,
            "RSS over the second half: %d -> %d KiB (%+d)"
            % (rss[half], rss[-1], rss[-1] - rss[half]))


if __name__ == "__main__":
    h.main("port-churn", body)
