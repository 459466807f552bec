# SPDX-License-Identifier: BSD-3-Clause
"""--dpdk VERSION: the bench against the DPDK, testpmd and OVS of the
Debian release that ships that version. Here when this host is that
release; else in a fresh root of it (scripts/debroot), where the source
tree is copied, the dependencies and OVS are installed with apt, and
scripts/bench runs with the results folder bound in from this host."""

import os
import signal
import subprocess
import sys
import tempfile
import time

from .common import SRC, BenchError, progress

# Debian release of each supported DPDK version.
SUITES = {"22.11": "bookworm", "24.11": "trixie"}
DEBROOT = os.path.join(SRC, "scripts", "debroot")
ROOT_SRC = "/src/vuswitch"
ROOT_OUT = "/out"


def host_suite():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("VERSION_CODENAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return None


def needs_root(version, in_root):
    return in_root or SUITES[version] != host_suite()


def strip_options(argv):
    """argv less --dpdk V, --in-root and --out DIR (also in their --x=V
    and abbreviated forms, which argparse has already accepted)."""
    def is_opt(name, opt):
        return len(name) > 2 and opt.startswith(name)
    out, skip = [], False
    for x in argv:
        if skip:
            skip = False
            continue
        name = x.split("=", 1)[0] if x.startswith("--") else None
        if name and (is_opt(name, "--dpdk") or is_opt(name, "--out")):
            skip = "=" not in x
        elif not (name and is_opt(name, "--in-root")):
            out.append(x)
    return out


def host_dpdk_matches(version):
    """On the host itself: does pkg-config report DPDK @p version?"""
    try:
        r = subprocess.run(["pkg-config", "--modversion", "libdpdk"],
                           stdout=subprocess.PIPE, timeout=10)
        v = r.stdout.decode().strip()
    except (OSError, subprocess.SubprocessError):
        v = ""
    return v == version or v.startswith(version + "."), v


def copy_tree(dest):
    """What git tracks in SRC plus untracked files it does not ignore (no
    build folders, no .bench results) into @p dest."""
    os.makedirs(dest)
    try:
        r = subprocess.run(["git", "-C", SRC, "ls-files", "-z", "--cached",
                            "--others", "--exclude-standard"],
                           stdout=subprocess.PIPE, timeout=60, check=True)
        names = [n for n in r.stdout.split(b"\0")
                 if n and os.path.lexists(os.path.join(SRC.encode(), n))]
        tar = subprocess.Popen(["tar", "-C", SRC, "--null", "-T", "-",
                                "-cf", "-"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
    except (OSError, subprocess.SubprocessError):
        names = None
        tar = subprocess.Popen(["tar", "-C", SRC, "--exclude=./build*",
                                "--exclude=./.git", "--exclude=./.bench",
                                "-cf", "-", "."], stdout=subprocess.PIPE)
    untar = subprocess.Popen(["tar", "-C", dest, "-xf", "-"],
                             stdin=tar.stdout)
    tar.stdout.close()
    if names is not None:
        tar.stdin.write(b"\0".join(names) + b"\0")
        tar.stdin.close()
    if tar.wait(timeout=300) or untar.wait(timeout=300):
        raise BenchError("cannot copy the source tree into " + dest)


def git_rev():
    try:
        r = subprocess.run(["git", "-C", SRC, "rev-parse", "--short",
                            "HEAD"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=10)
        return r.stdout.decode().strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def inner_args(argv, systems):
    """The bench's arguments in the root: OVS is installed there too
    unless --systems leaves it out."""
    args = strip_options(argv)
    if (systems is None or "ovs" in systems) and "--with-ovs" not in args:
        args.append("--with-ovs")
    return args


def run_in_root(version, argv, systems, out):
    """Run the bench in a fresh root of the release shipping @p version;
    results go to @p out on this host. Returns the exit status."""
    suite = SUITES[version]
    out = os.path.abspath(out or os.path.join(
        SRC, ".bench", time.strftime("%Y%m%d-%H%M%S") + "-dpdk" + version))
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="vswb-dpdk%s-" % version)
    root = os.path.join(work, "root")
    script = ("cd %s && scripts/install-deps && "
              "VSW_BENCH_GIT=\"$0\" exec scripts/bench --dpdk %s --out %s "
              "\"$@\"" % (ROOT_SRC, version, ROOT_OUT))
    cmd = [DEBROOT, "run", root, "--bind", "%s:%s" % (out, ROOT_OUT), "--",
           "/bin/sh", "-c", script, git_rev() or ""] + \
        inner_args(argv, systems)
    child = None
    rc = 1
    try:
        progress("DPDK %s: a fresh %s root in %s" % (version, suite, root))
        if subprocess.run([DEBROOT, "create", root, "--suite", suite],
                          stdin=subprocess.DEVNULL).returncode != 0:
            raise BenchError("cannot create a %s root" % suite)
        copy_tree(root + ROOT_SRC)
        child = subprocess.Popen(cmd)
        rc = child.wait()
        child = None
        progress("DPDK %s in a %s root: exit status %d; results in %s"
                 % (version, suite, rc, out))
    except KeyboardInterrupt:
        progress("interrupted: stopping the run in the root")
        rc = 1
    except BenchError as e:
        print("bench: error: %s" % e, file=sys.stderr)
        rc = 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if os.path.exists(os.path.join(root, ".vuswitch-debroot")):
            subprocess.run([DEBROOT, "destroy", root])
        try:
            os.rmdir(work)
        except OSError:
            progress("left %s behind" % work)
    return rc
