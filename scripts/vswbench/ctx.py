# SPDX-License-Identifier: BSD-3-Clause
"""The run context: temp dir, prefixes, binaries, CPUs, cleanup."""

import os
import shutil
import tempfile
import time

from .common import (OVS_BIN, OVS_SCHEMA, SRC, T0, WATCHED, BenchError,
                     progress)
from .host import runtime_dir, tsc_hz
from .kit import use_kit
from .procs import load_ctl


class Ctx:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="vswb-", dir="/tmp")
        self.procs = []
        self.prefixes = []
        self.env = {}
        self.eal_extra = []
        self.cwd = SRC
        self.logf = open(os.path.join(self.tmp, "bench.log"), "a")
        self.cleaned = False
        self.cpus = sorted(os.sched_getaffinity(0))
        self.helper_cpu = self.cpus[0]
        self.ctl = load_ctl()
        self.hz = tsc_hz()
        self.kit = None
        self.kit_note = None
        self.vuping = None
        self.sleep_floor = None
        self.find_binaries()
        if not os.access(self.c2c, os.X_OK):
            self.c2c = None

    def log(self, msg):
        self.logf.write("[%8.2f] %s\n" % (time.monotonic() - T0, msg))
        self.logf.flush()
        if self.args.verbose:
            progress(msg)

    def prefix(self, name):
        p = "vswb-%d-%s-%d" % (os.getpid(), name, len(self.prefixes))
        self.prefixes.append(p)
        return p

    def find_binaries(self):
        if self.args.kit:
            use_kit(self, self.args.kit)
        else:
            self.find_build_binaries()

    def find_build_binaries(self):
        build = os.path.abspath(self.args.build)
        self.vuswitch = os.path.join(build, "app/vuswitch/vuswitch")
        self.vucheck = os.path.join(build, "app/vucheck/vucheck")
        self.c2c = os.path.join(build, "tests/perf/c2c-probe")
        self.vuping = os.path.join(build, "tests/perf/vuping")
        self.sleep_floor = os.path.join(build, "tests/perf/sleep-floor")
        self.testpmd = shutil.which("dpdk-testpmd") or \
            "/usr/bin/dpdk-testpmd"
        self.ovs = {
            "vswitchd": OVS_BIN,
            "ovsdb-server": shutil.which("ovsdb-server") or
            "/usr/sbin/ovsdb-server",
            "ovsdb-tool": shutil.which("ovsdb-tool") or
            "/usr/bin/ovsdb-tool",
            "ovs-vsctl": shutil.which("ovs-vsctl") or "/usr/bin/ovs-vsctl",
            "ovs-appctl": shutil.which("ovs-appctl") or
            "/usr/bin/ovs-appctl",
            "schema": OVS_SCHEMA,
        }

    @property
    def vuswitch_b(self):
        if not self.args.build_b:
            raise BenchError("learn-b and xconnect-b need --build-b DIR")
        return os.path.join(os.path.abspath(self.args.build_b),
                            "app/vuswitch/vuswitch")

    def have_ovs(self):
        return all(os.access(self.ovs[k], os.X_OK) for k in
                   ("vswitchd", "ovsdb-server", "ovsdb-tool", "ovs-vsctl",
                    "ovs-appctl")) and os.path.exists(self.ovs["schema"])

    # CPU layout ----------------------------------------------------------

    def max_pmds(self, gen_cores):
        if len(self.cpus) <= 2:
            return 1
        return len(self.cpus) - 1 - gen_cores

    def layout(self, npmd, gen_cores, max_pmd):
        """(helper, [switch PMD CPUs], [generator CPUs]) for a run."""
        c = self.cpus
        if len(c) < 2:
            raise BenchError("need at least 2 CPUs")
        if len(c) == 2:
            if npmd != 1:
                raise BenchError("%d PMDs need more than 2 CPUs" % npmd)
            return c[0], [c[1]], [c[0]]
        need = 1 + max_pmd + gen_cores
        if len(c) < need:
            raise BenchError("%d PMDs and %d generator cores need %d CPUs, "
                             "have %d" % (max_pmd, gen_cores, need, len(c)))
        return c[0], c[1:1 + npmd], c[1 + max_pmd:1 + max_pmd + gen_cores]

    # Other processes ------------------------------------------------------

    def foreign_procs(self):
        """Benchmark-relevant processes that this run did not start."""
        mine = {p.pid for p in self.procs}
        found = []
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) in mine or int(d) == os.getpid():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if not argv or not argv[0]:
                continue
            base = os.path.basename(argv[0].decode(errors="replace"))
            if base in WATCHED:
                found.append("%s %s" % (d, base))
        return found

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        for p in reversed(self.procs):
            try:
                p.stop(timeout=10)
            except Exception as e:   # keep cleaning up
                self.log("cleanup of %s: %s" % (p.name, e))
        for pfx in self.prefixes:
            shutil.rmtree(runtime_dir(pfx), ignore_errors=True)
        keep = self.args.keep_logs
        if keep:
            progress("logs kept in " + self.tmp)
        else:
            self.logf.close()
            shutil.rmtree(self.tmp, ignore_errors=True)


def wait_quiet(ctx, limit):
    found = ctx.foreign_procs()
    if not found or limit <= 0:
        return not found, found
    progress("waiting (at most %d s) for other bench processes to end: %s"
             % (limit, ", ".join(found)))
    end = time.monotonic() + limit
    while found and time.monotonic() < end:
        time.sleep(min(30, max(1, end - time.monotonic())))
        found = ctx.foreign_procs()
    if found:
        progress("machine still busy, measuring anyway: " + ", ".join(found))
    return not found, found
