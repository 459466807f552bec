#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The man pages say what the programs accept: every long option that
`vuswitch --help` and `vucheck --help` print, every check vucheck names,
and every vuswitch-ctl command, appear in the man pages generated from
the docs (build/docs/*.[18]), and every long option of
vuswitch-exporter --help in its page. No DPDK process is started."""

import os
import re
import subprocess
import sys

from unitcheck import SRC, check, failures
BUILD = os.environ.get("VSW_BUILD", os.path.join(SRC, "build"))
sys.path.insert(0, os.path.join(SRC, "scripts"))

from vswbench.procs import load_script  # noqa: E402


def man(name):
    with open(os.path.join(BUILD, "docs", name)) as f:
        return f.read()


def help_text(prog):
    r = subprocess.run([prog, "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    return r.stdout.decode(errors="replace")


def long_options(text):
    return sorted(set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", text)))


def roff(word):
    return word.replace("-", "\\-")


def main():
    vuswitch = os.path.join(BUILD, "app", "vuswitch", "vuswitch")
    vucheck = os.path.join(BUILD, "app", "vucheck", "vucheck")
    page = man("vuswitch.8")
    opts = long_options(help_text(vuswitch))
    check(len(opts) >= 12, "vuswitch --help lists %d long options" % len(opts))
    for o in opts:
        check("\\-\\-" + roff(o) in page, "vuswitch(8) has --%s" % o)

    text = help_text(vucheck)
    page = man("vucheck.1")
    opts = long_options(text)
    check(len(opts) >= 10, "vucheck --help lists %d long options" % len(opts))
    for o in opts:
        check("\\-\\-" + roff(o) in page, "vucheck(1) has --%s" % o)
    checks = text.split("Checks:")[1].split("Output:")[0].split()
    check(len(checks) >= 12, "vucheck --help names %d checks" % len(checks))
    for c in checks:
        check("\\fB" + roff(c) + "\\fR" in page, "vucheck(1) has check %s" % c)

    ctl = load_script("vuswitch-ctl")
    page = man("vuswitch-ctl.8")
    cmds = sorted(set(ctl.COMMANDS) | {"raw"})
    for c in cmds:
        check(re.search(r"^\\fB%s( |\\fR)" % re.escape(roff(c)), page, re.M),
              "vuswitch-ctl(8) has command %s" % c)
    page = man("vuswitch-exporter.8")
    exporter = os.path.join(SRC, "scripts", "vuswitch-exporter")
    opts = long_options(help_text(exporter))
    check(len(opts) >= 4, "vuswitch-exporter --help lists %d long options"
          % len(opts))
    for o in opts:
        check("\\-\\-" + roff(o) in page, "vuswitch-exporter(8) has --%s" % o)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
