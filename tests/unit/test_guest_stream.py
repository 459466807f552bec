#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of the real guests' parts: tests/guest/vswtcp's stream is
Python's random.Random(seed) stream (the real-guest test computes the
expected hash from it), for lengths that are and are not multiples of 4
and for seeds of one and two 32-bit words; vswtcp refuses bad arguments;
the console parser and the feature bits of scripts/vswbench/guests.py.
No guest is started."""

import hashlib
import os
import random
import subprocess
import sys

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "scripts"))

from vswbench import guests as g  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    else:
        print("ok: " + what)


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
    check(c["clocksource"] == "tsc" and c["ready"] and c["done"],
          "clocksource, ready, done")
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


def main():
    tool = sys.argv[1]
    stream(tool)
    bad_args(tool)
    console()
    params()
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
