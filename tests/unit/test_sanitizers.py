#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Sanitizer builds only: the sanitizers are live and the harness sees them.

Runs sanitizer-canary once per deliberate bug (heap and stack overflow,
leak: ASan and LSan; signed overflow, shift: UBSan) with the options the
tests use, and checks that each one ends the process with a non-zero
status and a report that the integration harness recognises; and that
the clean run exits 0 with no report.

Usage: test_sanitizers.py CANARY SANITIZERS (meson's b_sanitize, e.g.
address,undefined: the bugs of the sanitizers not in it are not run)
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness as h  # noqa: E402

# command: (the b_sanitize word that enables it, what the report says)
BUGS = {
    "heap-overflow": ("address",
                      "ERROR: AddressSanitizer: heap-buffer-overflow"),
    "stack-overflow": ("address",
                       "ERROR: AddressSanitizer: stack-buffer-overflow"),
    "leak": ("address", "ERROR: LeakSanitizer: detected memory leaks"),
    "overflow": ("undefined", "runtime error: signed integer overflow"),
    "shift": ("undefined", "runtime error: shift exponent 32 is too large"),
}


def run(canary, cmd):
    r = subprocess.run([canary, cmd], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout.decode(errors="replace")


def main():
    canary, enabled = sys.argv[1], sys.argv[2].split(",")
    failures = 0

    def check(cond, what, out=""):
        nonlocal failures
        print("%s: %s" % ("ok" if cond else "FAIL", what))
        if not cond:
            failures += 1
            print(out[-3000:])

    rc, out = run(canary, "clean")
    check(rc == 0 and h.sanitizer_report(out) is None,
          "clean run: exit 0, no report (rc %d)" % rc, out)
    for cmd, (san, want) in BUGS.items():
        if san not in enabled:
            continue
        rc, out = run(canary, cmd)
        rep = h.sanitizer_report(out)
        check(rc != 0, "%s: the process fails (rc %d)" % (cmd, rc), out)
        check(rep is not None and want in rep,
              "%s: the harness finds '%s'" % (cmd, want), out)
    print("test_sanitizers: %d checks failed: %s"
          % (failures, "FAIL" if failures else "PASS"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
