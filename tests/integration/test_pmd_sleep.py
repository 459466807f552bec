#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""PMD lcores that rest when idle (--pmd-sleep-max).

Two switches in turn, each with two PMD lcores (sharing CPU 1), two ports
and two testpmd VMs that are connected but idle:
  1. today's busy polling (no option): the idle switch's CPU use from
     /proc, and 40 admin SUSPEND handshakes (the switch's own
     last_handshake_us, as test_suspend reads it);
  2. --pmd-sleep-max 10000 (the longest sleeps): both PMD lcores sleep
     most of the time (telemetry's sleep/idle split), the switch uses a
     small fraction of the CPU, and the same 40 handshakes, with every
     PMD lcore asleep, take no longer than today's: a sleeping lcore is
     offline for RCU, so nothing waits for it to wake (waiting would cost
     up to 10 ms a handshake). Then
     frames still get through from the first one, and the bound can be
     changed at run time (/vuswitch/pmd_sleep_max).
"""
import os
import statistics
import time

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
CYCLES = 40
LCORES = "0@0,1@1,2@1"   # two PMD lcores, both on CPU 1
NB_PMD = 2


def cpu_seconds(pid):
    """utime + stime of a whole process, in seconds (proc(5))."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    fields = st[st.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_share(sw, seconds=3.0):
    c0, t0 = cpu_seconds(sw.pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(sw.pid) - c0) / (time.monotonic() - t0)


def handshakes(sw, port):
    out = []
    for _ in range(CYCLES):
        r = sw.suspend(port)
        if r["result"] != 0:
            raise h.TestFailure("SUSPEND failed: %s" % r)
        out.append(r["last_handshake_us"])
        if sw.resume(port)["result"] != 0:
            raise h.TestFailure("RESUME failed")
        time.sleep(0.02)   # let the lcore fall asleep again
    return out


def pmd_split(sw, pmd):
    p = sw.tel("/vuswitch/pmd", str(pmd))
    return p["busy_cycles"], p["idle_cycles"], p["sleep_cycles"], p["sleeps"]


def all_split(sw):
    return [pmd_split(sw, k) for k in range(NB_PMD)]


def start(env, tag, args):
    socks = [env.sock(tag + "a"), env.sock(tag + "b")]
    sw = h.Switch(env, socks, args=args, name="vuswitch-" + tag,
                  lcores=LCORES)
    vms = [h.VM(env, "vm-%sa" % tag, socks[0], MAC_A),
           h.VM(env, "vm-%sb" % tag, socks[1], MAC_B)]
    sw.wait_state(0, "running")
    sw.wait_state(1, "running")
    return sw, vms


def body(env):
    sw, vms = start(env, "busy", [])
    busy_cpu = cpu_share(sw)
    base = handshakes(sw, 0)
    h.check(all(b[3] == 0 for b in all_split(sw)), "busy polling: no sleeps")
    h.log("busy polling: idle switch uses %.0f%% of a CPU; handshakes "
          "median %d us, max %d us" % (100 * busy_cpu, statistics.median(base),
                                       max(base)))
    sw.stop()
    for vm in vms:
        vm.stop()

    sw, vms = start(env, "sleep", ["--pmd-sleep-max", "10000"])
    h.check(sw.tel("/vuswitch/pmd", "0")["sleep_max_us"] == 10000,
            "telemetry shows the bound")
    time.sleep(0.5)
    s0 = all_split(sw)
    sleep_cpu = cpu_share(sw)
    s1 = all_split(sw)
    for k in range(NB_PMD):
        busy, idle, slept, n = (y - x for x, y in zip(s0[k], s1[k]))
        share = slept / float(busy + idle + slept)
        h.check(n > 100 and share > 0.9, "idle PMD %d slept %d times, "
                "%.1f%% of the time" % (k, n, 100 * share))
    h.check(sleep_cpu < 0.2 and sleep_cpu < busy_cpu / 4,
            "idle switch uses %.1f%% of a CPU (busy polling: %.0f%%)"
            % (100 * sleep_cpu, 100 * busy_cpu))

    slow = handshakes(sw, 0)
    med, bmed = statistics.median(slow), statistics.median(base)
    h.log("asleep: handshakes median %d us, max %d us" % (med, max(slow)))
    # Busy polling here is two lcores taking turns on one CPU, whose
    # handshakes wait for the scheduler; asleep, nothing waits at all.
    h.check(med <= max(2 * bmed, bmed + 200) and med < 500,
            "SUSPEND with every PMD asleep: median %d us (busy polling: "
            "%d us)" % (med, bmed))
    h.check(max(slow) < 5000,
            "no handshake waited for a sleeping lcore (max %d us, sleeps "
            "of 10 ms)" % max(slow))

    # Frames still get through, starting with the first.
    vms[1].setup("rxonly")
    vms[1].start()
    sent, out = h.send_counted(sw, vms[0], MAC_B, 1.0, 0, [1])
    h.delivered(sw, vms[1], 1)
    h.check(sent > 1000 and out[1][0] + out[1][1] == sent,
            "A sent %d frames, the switch passed on %d, dropped %d"
            % (sent, out[1][0], out[1][1]))

    r = sw.tel("/vuswitch/pmd_sleep_max", "0")
    h.check(r == {"sleep_max_us": 0}, "bound set to 0 at run time: %s" % r)
    h.check(sw.tel("/vuswitch/pmd_sleep_max", "10001") is None,
            "a bound above 10000 is refused")
    time.sleep(0.3)
    n0 = [x[3] for x in all_split(sw)]
    time.sleep(0.5)
    h.check([x[3] for x in all_split(sw)] == n0,
            "no more sleeps once the bound is 0")
    out = sw.stop()
    h.check(out == 0, "switch stops cleanly")
    h.check("idle" in sw.output() and "sleep" in sw.output(),
            "final counters show the busy/idle/sleep split")


if __name__ == "__main__":
    h.main("pmd-sleep", body)
