#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of the real guests' parts: tests/guest/vswtcp's stream is
Python's random.Random(seed) stream (the real-guest test computes the
expected hash from it), for lengths that are and are not multiples of 4
and for seeds of one and two 32-bit words; vswtcp refuses bad arguments;
the console parser and the feature bits of scripts/vswbench/guests.py;
the guests-tcp bench phase's figures and targets (guests_tcp.py) from
made-up records. No guest is started."""

import hashlib
import os
import random
import subprocess
import sys

from unitcheck import SRC, check, failures
sys.path.insert(0, os.path.join(SRC, "scripts"))

from vswbench import guests as g  # noqa: E402
from vswbench import guests_tcp as gt  # noqa: E402


def run(tool, *args):
    return subprocess.run([tool] + [str(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=30)


def stream(tool):
    for n, seed in ((0, 1), (1, 1), (3, 5), (4, 7), (1023, 42),
                    (100001, 2 ** 32 + 5), (65536, 0), (10, 2 ** 64 - 1),
                    (1 << 20, 20261130)):
        r = run(tool, "gen", n, seed)
        want = random.Random(seed).getrandbits(8 * n).to_bytes(n, "little") \
            if n else b""
        check(r.returncode == 0 and r.stdout == want,
              "vswtcp gen %d %d is Python's stream" % (n, seed))
        check(g.expected(n, seed) == (n, hashlib.sha256(want).hexdigest()),
              "guests.expected(%d, %d)" % (n, seed))
    a = run(tool, "gen", 4096, 1).stdout
    b = run(tool, "gen", 4096, 2).stdout
    check(a != b, "another seed, another stream")


def bad_args(tool):
    for args in (("gen", "-1", "1"), ("gen", "x", "1"), ("gen", "1"),
                 ("send", "10.0.0.1", "0", "1", "1"),
                 ("send", "10.0.0.1", "70000", "1", "1"),
                 ("recv", "-n", "2", "-o", "5001", "10"),
                 ("recv", "-n", "0", "5001", "10"), ("frob",), ()):
        r = run(tool, *args)
        check(r.returncode == 2 and b"usage" in r.stderr,
              "vswtcp %s: usage error" % " ".join(args))


CONSOLE = """\
[    1.234] some kernel line
vsw: features virtio0 1110010110011001111101010000110010000000000000000000000000000000
vsw: clocksource tsc\r
vsw: ready
vsw: result received=33554432 usec=586092 sha256=ffb6
vsw: result sent=5 usec=7
vsw: error vswtcp: connect: Connection timed out
vsw: interrupts 4242
vsw: done
"""


def console():
    c = g.parse_console(CONSOLE)
    f = c["features"].get("virtio0")
    check(f is not None and f & 1 and f >> 1 & 1 and f >> 7 & 1 and
          f >> 11 & 1 and f >> 15 & 1 and not f >> 3 & 1,
          "features: bit 0 first")
    check(g.missing_offloads(f) == [] and len(g.offloads_present(f)) == 4,
          "features: every offload the test asks for")
    check(g.offloads_present(1 << g.F_MRG_RXBUF) == [] and
          g.missing_offloads(1 << g.F_CSUM) == ["GUEST_CSUM", "HOST_TSO4",
                                                "GUEST_TSO4"],
          "features: the missing ones named")
    check(c["results"] == [{"received": 33554432, "usec": 586092,
                            "sha256": "ffb6"}, {"sent": 5, "usec": 7}],
          "results parsed")
    check(c["errors"] == ["vswtcp: connect: Connection timed out"],
          "errors parsed")
    check(c["clocksource"] == "tsc" and c["ready"] and c["done"] and
          c["interrupts"] == 4242, "clocksource, interrupts, ready, done")
    e = g.parse_console("booting\n")
    check(not e["done"] and not e["results"] and not e["features"],
          "an empty console")


def params():
    p = g.params("send", "10.0.0.1/24", "10.0.0.2", 100, 3)
    argv = g.qemu_argv("/img", "/s.sock", "02:00:00:00:00:01", p, 256,
                       server=True, cpu=0) if g.qemu_binary() else None
    if argv is not None:
        app = argv[argv.index("-append") + 1]
        check("vsw.peer=10.0.0.2" in app and "vsw.role=send" in app and
              argv[:3] == ["taskset", "-c", "0"] and
              any("server=on" in a for a in argv) and
              any("vectors=0" in a for a in argv),
              "QEMU's command line")
    check(g.memory_mb("recv", 64 << 20) < g.memory_mb("send", 64 << 20) ==
          g.memory_mb("recv", 64 << 20, hashed=True),
          "memory for what vswtcp keeps")


def rec(system, rnd, mbps, ok=True):
    """A made-up guests-tcp record: a warm-up transfer, then @p mbps."""
    t = [{"mbps": 1.0, "warmup": True}] + [{"mbps": v, "warmup": False}
                                          for v in mbps]
    return {"phase": "guests-tcp", "system": system, "round": rnd, "ok": ok,
            "transfers": t, "bytes": g.MIB, "count": len(t),
            "counters": {"datapath_frames": 30 * len(t)},
            "features": {"a": ["CSUM"]}, "error": "boom\nmore"}


def figures():
    recs = []
    for r, (ref, nooff, tp, ovs) in enumerate(((600, 300, 500, 400),
                                               (500, 200, 550, 450),
                                               (700, 250, 600, 800))):
        recs += [rec("vsw-offload", r, [ref, ref]),
                 rec("vsw-no-offload", r, [nooff - 10, nooff + 10]),
                 rec("testpmd-tso", r, [tp]), rec("ovs-tso", r, [ovs])]
    recs.append(rec("ovs-tso", 3, [], ok=False))
    rows = {x["system"]: x for x in gt.guests_summary(recs)}
    check(rows["vsw-offload"]["transfers"] == 6 and
          rows["vsw-offload"]["mbps"] == 600 and
          rows["vsw-offload"]["min"] == 500,
          "summary: the warm-up transfers are left out")
    check(abs(rows["testpmd-tso"]["ref_over"] - 700 / 600) < 1e-9,
          "summary: the median of the per-round ratios (1.2, 0.909, 1.167)")
    check(rows["ovs-tso"]["failed"] == ["boom"] and
          rows["ovs-tso"]["transfers"] == 3, "summary: a failed boot named")
    check(rows["vsw-offload"]["frames_per_mib"] == 30,
          "summary: frames per MiB")
    t = gt.guests_targets(recs)
    # per round: ref/tp 1.2, 0.909, 1.167 -> 1.167; ref/ovs 1.5, 1.11,
    # 0.875 -> 1.11: the best of the others is OVS.
    check("ovs-tso" in t[0]["target"] and abs(t[0]["value"] - 500 / 450)
          < 1e-9 and t[0]["met"] and t[0]["n"] == 3,
          "target: against the other the switch beats least")
    check(abs(t[1]["value"] - 2.5) < 1e-9 and t[1]["met"],
          "target: over --no-offload (2.0, 2.5, 2.8 -> 2.5)")
    slow = [x for x in recs if x["system"] != "vsw-offload"] + [
        rec("vsw-offload", r, [400]) for r in range(3)]
    t = gt.guests_targets(slow)
    check(t[0]["met"] is False and t[1]["met"] is True,
          "target: not met when another system is faster")
    check(gt.guests_targets([])[0]["met"] is None,
          "target: not measured without records")
    table = gt.guests_table(recs, md=True)
    check("| vuswitch, offloads (default) | 6 | 600 |" in table and
          "failed: boom" in table, "the Markdown table")


def main():
    tool = sys.argv[1]
    stream(tool)
    bad_args(tool)
    console()
    params()
    figures()
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
