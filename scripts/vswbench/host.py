# SPDX-License-Identifier: BSD-3-Clause
"""Readings of this host, and the set-up steps around a run."""

import glob
import os
import platform
import re
import shutil
import subprocess

from .common import SRC, SYSTEM_PMD_GLOB, progress


def runtime_dir(prefix):
    """DPDK's runtime directory for a file prefix (eal_filesystem.h)."""
    if os.geteuid() == 0:
        return os.path.join("/var/run/dpdk", prefix)
    xdg = os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(xdg, "dpdk", prefix)


def cpu_ticks():
    """Per-CPU (busy, steal, total) jiffies from /proc/stat."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if not re.match(r"cpu\d+ ", line):
                continue
            p = line.split()
            v = [int(x) for x in p[1:]]
            steal = v[7] if len(v) > 7 else 0
            out[int(p[0][3:])] = (v[0] + v[1] + v[2], steal, sum(v[:8]))
    return out


def system_pmds():
    """(folder, plugins) of the installed DPDK's plugin folders that hold
    any."""
    out = []
    for d in sorted(glob.glob(SYSTEM_PMD_GLOB)):
        try:
            so = [f for f in os.listdir(d) if f.endswith(".so") or
                  ".so." in f]
        except OSError:
            continue
        if so:
            out.append((d, so))
    return out


def tsc_hz():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1]) * 1e6
    except OSError:
        pass
    return 0.0


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def c2c_probe(ctx, a, b, trips=5000):
    """Nanoseconds per round trip of a cache line between CPUs @p a and
    @p b (tests/perf/c2c-probe), or None without the tool. Only called
    while nothing of ours busy-polls there."""
    if not ctx.c2c or a == b:
        return None
    try:
        r = subprocess.run([ctx.c2c, str(a), str(b), str(trips)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           stdin=subprocess.DEVNULL, timeout=10)
        return float(r.stdout) if r.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def apt_install(pkg):
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    progress("installing %s with apt-get" % pkg)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for attempt in range(2):
        try:
            r = subprocess.run(["apt-get", "install", "-y", "-q", pkg],
                               timeout=600, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
            if r.returncode == 0:
                return True
            subprocess.run(["apt-get", "update", "-q"], timeout=300, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.STDOUT)
        except (OSError, subprocess.SubprocessError):
            return False
    return False


def dpdk_version(ctx):
    try:
        env = dict(os.environ)
        env.update(ctx.env)
        r = subprocess.run([ctx.testpmd, "-v", "--no-huge", "-m", "64",
                            "--no-pci", "--file-prefix",
                            ctx.prefix("ver"), "--", "--help"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30, env=env, stdin=subprocess.DEVNULL)
        m = re.search(r"RTE Version: '([^']+)'",
                      r.stdout.decode(errors="replace"))
        if m:
            return m.group(1)
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        r = subprocess.run(["pkg-config", "--modversion", "libdpdk"],
                           stdout=subprocess.PIPE, timeout=10)
        return "DPDK " + r.stdout.decode().strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def ensure_build(args):
    vsw = os.path.join(args.build, "app/vuswitch/vuswitch")
    vc = os.path.join(args.build, "app/vucheck/vucheck")
    if os.access(vsw, os.X_OK) and os.access(vc, os.X_OK):
        return
    progress("building vuswitch in %s" % args.build)
    if not os.path.exists(os.path.join(args.build, "build.ninja")):
        subprocess.run(["meson", "setup", args.build, SRC], check=True,
                       timeout=600, cwd=SRC)
    subprocess.run(["ninja", "-C", args.build], check=True, timeout=1200)
