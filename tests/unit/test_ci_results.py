#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of .ci/sum-results: how CI turns the runs against each DPDK
version into its one last line and exit status. A run that printed no
result line, or exited non-zero with nothing counted as failed, must
fail CI; skips are carried; the combined line comes last."""

import os
import subprocess
import sys
import tempfile

from unitcheck import SRC, failures
from unitcheck import check_quiet as check
TOOL = os.path.join(SRC, ".ci", "sum-results")


def run(tmp, runs):
    """runs: [(name, output text, status)] -> (exit, stdout lines)."""
    argv = [sys.executable, TOOL]
    for i, (name, text, status) in enumerate(runs):
        path = os.path.join(tmp, "run%d.out" % i)
        if text is not None:
            with open(path, "w") as f:
                f.write(text)
        argv += [name, path, str(status)]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    return r.returncode, r.stdout.decode().splitlines()


MESON = "1/2 vuswitch:unit / mac OK 0.1s\n\nOk: 17\n"


def main():
    with tempfile.TemporaryDirectory(prefix="vsw-ci-results-") as tmp:
        rc, out = run(tmp, [("DPDK 22.11", MESON + "17 passed, 0 failed\n", 0),
                            ("DPDK 24.11", MESON + "16 passed, 0 failed, 1 skipped\n\n", 0)])
        check(rc == 0 and out[-1] == "33 passed, 0 failed, 1 skipped",
              "two passing runs add up, skips kept: %d %s" % (rc, out))
        check(out[:2] == ["DPDK 22.11: 17 passed, 0 failed",
                          "DPDK 24.11: 16 passed, 0 failed, 1 skipped"],
              "one line per run first: %s" % out)

        rc, out = run(tmp, [("a", "17 passed, 0 failed\n", 0),
                            ("b", "15 passed, 2 failed\n", 1)])
        check(rc == 1 and out[-1] == "32 passed, 2 failed",
              "a failing run fails the sum: %d %s" % (rc, out))

        rc, out = run(tmp, [("a", MESON + "17 passed, 0 failed\n", 0),
                            ("b", " 3/4 vuswitch:integration / vlan      FAIL     12.44s\n"
                             " 4/4 vuswitch:stress / port-churn  TIMEOUT  60.01s\n"
                             "\nSummary of Failures:\n\n"
                             " 3/4 vuswitch:integration / vlan      FAIL     12.44s\n"
                             "2 passed, 2 failed\n", 1)])
        check(rc == 1 and out[-1] == "19 passed, 2 failed" and
              out[2] == "b: not passed: vuswitch:integration / vlan (FAIL), "
              "vuswitch:stress / port-churn (TIMEOUT)" and len(out) == 4,
              "the tests that did not pass are named: %d %s" % (rc, out))

        rc, out = run(tmp, [("a", "17 passed, 0 failed\n", 0),
                            ("b", "E: Unable to locate package dpdk\n", 100)])
        check(rc == 1 and out[-1] == "17 passed, 1 failed",
              "a run with no result line counts one failure: %d %s" % (rc, out))

        rc, out = run(tmp, [("a", "17 passed, 0 failed\n", 0),
                            ("b", None, 1)])
        check(rc == 1 and out[-1] == "17 passed, 1 failed",
              "a run with no output file counts one failure: %d %s" % (rc, out))

        rc, out = run(tmp, [("a", "17 passed, 0 failed\n", 0),
                            ("b", "17 passed, 0 failed\n", 143)])
        check(rc == 1 and out[-1] == "34 passed, 1 failed",
              "a non-zero status with nothing failed counts one: %d %s" % (rc, out))

        rc, out = run(tmp, [("a", "17 passed, 0 failed\nscripts/test: more\n", 0)])
        check(rc == 1 and out[-1] == "0 passed, 1 failed",
              "the result must be the last line: %d %s" % (rc, out))

        rc, out = run(tmp, [("a", "0 passed, 0 failed\n", 0)])
        check(rc == 1 and out[-1] == "0 passed, 0 failed",
              "nothing passed is a failure: %d %s" % (rc, out))

        rc, out = run(tmp, [("a", "1 passed, 0 failed\n", 0)])
        check(rc == 0, "one passing run passes: %d %s" % (rc, out))

        r = subprocess.run([sys.executable, TOOL, "a", "x"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        check(r.returncode == 2, "usage error exits 2: %d" % r.returncode)

    print("ci-results: %s" % ("%d failed" % len(failures) if failures
                              else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
