# SPDX-License-Identifier: BSD-3-Clause
"""Fresh Debian roots for the package test: scripts/debroot when the tree
has it, else a minimal stand-in with the same three verbs.

  create DIR [--suite SUITE]   a fresh root from a cached base
  run DIR [--bind HOST:ROOT]... -- CMD...   mount, run CMD, unmount
  destroy DIR

The stand-in's base is `mmdebstrap --variant=apt SUITE` (Debian's
essential packages and apt, nothing of this project), cached as a tarball
in /var/cache/vuswitch-debroot for a week. Every root is a fresh copy of
it on a tmpfs, so the cache cannot stand in for an install step: whatever
the package needs comes from apt in each run.
"""

import os
import shutil
import subprocess
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEBROOT = os.path.join(SRC, "scripts", "debroot")
CACHE = "/var/cache/vuswitch-debroot"
CACHE_DAYS = 7


def host_suite():
    """The host's Debian codename (bookworm, trixie)."""
    with open("/etc/os-release") as f:
        for line in f:
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"')
    return "bookworm"


def _base(suite, log):
    os.makedirs(CACHE, exist_ok=True)
    tar = os.path.join(CACHE, suite + ".tar")
    if os.path.exists(tar) and \
            time.time() - os.stat(tar).st_mtime < CACHE_DAYS * 86400:
        return tar
    log("making the %s base (mmdebstrap --variant=apt)" % suite)
    tmp = "%s.tmp%d.tar" % (tar[:-4], os.getpid())   # mmdebstrap: .tar
    try:
        subprocess.run(["mmdebstrap", "--quiet", "--variant=apt", suite, tmp],
                       check=True, timeout=900, stdin=subprocess.DEVNULL)
        os.replace(tmp, tar)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return tar


def _create(root, suite, log):
    """The root lives in memory (a tmpfs): unpacking packages is quick, and
    destroying it is an unmount."""
    tar = _base(suite, log)
    os.makedirs(root)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4g,mode=0755",
                    "vuswitch-debroot", root], check=True, timeout=60)
    subprocess.run(["tar", "-xf", tar, "-C", root], check=True, timeout=300)


def _mounts(root, binds):
    """(source, target, mount options) in mounting order."""
    m = [("proc", "proc", ["-t", "proc"]),
         ("/sys", "sys", ["--rbind"]),
         ("/dev", "dev", ["--rbind"]),
         ("tmpfs", "run", ["-t", "tmpfs"])]
    for b in binds:
        host, inside = b.split(":", 1)
        m.append((host, inside.lstrip("/"), ["--bind"]))
    return [(s, os.path.join(root, t), o) for s, t, o in m]


def _umount(target):
    if subprocess.run(["umount", "-R", target], stderr=subprocess.DEVNULL,
                      timeout=60).returncode != 0:
        subprocess.run(["umount", "-lR", target], timeout=60)


def _run(root, binds, cmd, timeout):
    done = []
    try:
        for src, target, opts in _mounts(root, binds):
            os.makedirs(target, exist_ok=True)
            subprocess.run(["mount"] + opts + [src, target], check=True,
                           timeout=60)
            done.append(target)
            if "--rbind" in opts:
                subprocess.run(["mount", "--make-rslave", target], check=True,
                               timeout=60)
        shutil.copy("/etc/resolv.conf", os.path.join(root, "etc/resolv.conf"))
        return subprocess.run(["chroot", root] + cmd, timeout=timeout,
                              stdin=subprocess.DEVNULL).returncode
    finally:
        for target in reversed(done):
            _umount(target)


def _destroy(root):
    # Never delete through a mount that is still there.
    root = root.rstrip("/")
    with open("/proc/mounts") as f:
        points = [l.split()[1] for l in f]
    if any(p.startswith(root + "/") for p in points):
        raise RuntimeError("%s still has mounts; not removing it" % root)
    if root in points:
        subprocess.run(["umount", root], check=True, timeout=60)
    shutil.rmtree(root, ignore_errors=True)


def debroot(args, timeout=900, log=print):
    """scripts/debroot ARGS, or the stand-in. Returns the exit code."""
    if os.access(DEBROOT, os.X_OK):
        return subprocess.run([DEBROOT] + args, timeout=timeout,
                              stdin=subprocess.DEVNULL).returncode
    verb, root, rest = args[0], args[1], args[2:]
    if verb == "create":
        suite = rest[rest.index("--suite") + 1] if "--suite" in rest \
            else host_suite()
        _create(root, suite, log)
        return 0
    if verb == "run":
        dd = rest.index("--")
        binds = [rest[i + 1] for i in range(dd) if rest[i] == "--bind"]
        return _run(root, binds, rest[dd + 1:], timeout)
    if verb == "destroy":
        _destroy(root)
        return 0
    raise ValueError("unknown verb %s" % verb)
