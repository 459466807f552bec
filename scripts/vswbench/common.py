# SPDX-License-Identifier: BSD-3-Clause
"""Constants and small helpers shared by every part of bench."""

import os
import statistics
import sys
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
T0 = time.monotonic()
TXFIRST_BURSTS = 32          # "start tx_first 32": 32 bursts of 32 per port
GEN_QUEUE_SIZE = 1024        # virtio_user ring size of the generator
OVS_BIN = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
# EAL's built-in plugin folder: pmds-23.0 for DPDK 22.11, pmds-25.0 for 24.11
SYSTEM_PMD_GLOB = "/usr/lib/*/dpdk/pmds-*"
WATCHED = ("vuswitch", "dpdk-testpmd", "ovs-vswitchd", "ovs-vswitchd-dpdk",
           "vucheck", "ovsdb-server", "qemu-system-x86_64")
ALL_SYSTEMS = ("learn", "xconnect", "testpmd", "ovs", "learn-b",
               "xconnect-b", "learn-cap", "learn-s50", "learn-s100",
               "learn-s500")
# Variants of "learn": a capture running (port 0, both directions, into
# /dev/null), or --pmd-sleep-max N.
VARIANTS = {"learn-cap": [], "learn-s50": ["--pmd-sleep-max", "50"],
            "learn-s100": ["--pmd-sleep-max", "100"],
            "learn-s500": ["--pmd-sleep-max", "500"]}
REFERENCE = "testpmd"
INTERVAL = 0.5
COLORS = {"learn": "#4c72b0", "xconnect": "#55a868", "testpmd": "#8c8c8c",
          "ovs": "#c44e52", "learn-b": "#8172b2", "xconnect-b": "#64b5cd",
          "learn-cap": "#dd8452", "learn-s50": "#937860",
          "learn-s100": "#da8bc3", "learn-s500": "#ccb974"}
LABELS = {
    "learn": "vuswitch learn",
    "xconnect": "vuswitch xconnect",
    "testpmd": "testpmd net_vhost io",
    "ovs": "OVS-DPDK NORMAL",
    "learn-b": "learn (--build-b)",
    "xconnect-b": "xconnect (--build-b)",
    "learn-cap": "learn, capture running",
    "learn-s50": "learn, --pmd-sleep-max 50",
    "learn-s100": "learn, --pmd-sleep-max 100",
    "learn-s500": "learn, --pmd-sleep-max 500",
}


class BenchError(Exception):
    pass


def progress(msg):
    print("[bench %7.1fs] %s" % (time.monotonic() - T0, msg),
          file=sys.stderr, flush=True)


def wait_for(pred, timeout, what, interval=0.05, error=BenchError):
    """Poll pred() until it returns a true value, for at most timeout s."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise error("timed out after %.0f s waiting for %s"
                        % (timeout, what))
        time.sleep(interval)


def median(v):
    return statistics.median(v) if v else None


def percentile(v, p):
    if not v:
        return None
    d = sorted(v)
    k = max(0, min(len(d) - 1, int(round(p / 100.0 * (len(d) - 1)))))
    return d[k]


def fmt(v, spec="%.0f"):
    return "-" if v is None else spec % v


def suspend_tag(rec):
    """How a SUSPEND run was scheduled, for tables and plots."""
    tag = "generator nice %d" % rec["gen_nice"]
    if rec.get("fe_rt_prio"):
        tag += ", front-end SCHED_FIFO %d" % rec["fe_rt_prio"]
    return tag


NEAR_FACTOR = 1.6  # a c2c round trip within this factor of the best: near


def c2c_states(recs):
    """Mark each record 'near' when the c2c round trips before and after
    it were both within NEAR_FACTOR of the best among @p recs (the
    generator's and the switch's CPUs share a cache), 'far' when both
    were beyond, 'mixed' otherwise, None without two readings."""
    seen = [r[k] for r in recs for k in ("c2c_ns_before", "c2c_ns_after")
            if r.get(k)]
    best = min(seen) if seen else None
    for r in recs:
        ok = [r[k] <= best * NEAR_FACTOR
              for k in ("c2c_ns_before", "c2c_ns_after") if r.get(k)]
        if len(ok) < 2:
            r["host_state"] = None
        else:
            r["host_state"] = ("near" if all(ok) else
                               "far" if not any(ok) else "mixed")
    return recs
