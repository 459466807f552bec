# SPDX-License-Identifier: BSD-3-Clause
"""What the Python unit tests share (stdlib only): the source tree, and
checks that print what failed and keep it in @c failures; each test
exits non-zero when that list is not empty."""

import os

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

failures = []


def check_quiet(cond, what):
    """Record and print @p what when @p cond is false; nothing otherwise."""
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def check(cond, what):
    """check_quiet(), and an "ok: " line when @p cond is true."""
    check_quiet(cond, what)
    if cond:
        print("ok: " + what)
