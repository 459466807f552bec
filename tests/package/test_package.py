#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Debian package: build it, lint it, install it in a fresh root,
run its service's command line there, and remove it without a trace.

1. dpkg-buildpackage -us -uc -b on a copy of the working tree (tracked
   and untracked files git does not ignore), into a temporary directory.
2. lintian on the .deb: no errors (every tag is printed).
3. A fresh Debian root of the host's release (scripts/debroot, or the
   stand-in in rootfs.py): `apt install ./vuswitch_*.deb` first and alone,
   so that the package's own Depends must bring everything the switch
   needs.
4. inside.py, in the root: the unit's ExecStart with the installed
   conffile; only then the root's dpdk-dev (for dpdk-testpmd) and systemd
   (systemd-analyze verify of the unit); two testpmd VMs, frames
   forwarded, SIGTERM stop.
5. `apt purge vuswitch`: no process is left running in the root, and no
   file of the package is left in /usr or /etc.
6. Where systemd can run as PID 1 of an nspawn container of the root:
   the package again, and under_systemd.py there (systemctl start,
   restart, a crash, stop, and purge of the running service).

The release is the host's; VSW_PKG_SUITE=trixie (or bookworm) picks
another, and then the package is built and linted in a root of that
release as well. Needs root, git, dpkg-buildpackage, debhelper, lintian,
mmdebstrap and a Debian mirror; skips (77) when a tool is missing. Takes
about 2 minutes on the host's release; each step's time is printed.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness as h  # noqa: E402
import rootfs  # noqa: E402

SRC = rootfs.SRC
# The release to build for and install on: the host's, or VSW_PKG_SUITE
# (then the package is built in a root of that release too).
SUITE = os.environ.get("VSW_PKG_SUITE") or rootfs.host_suite()
TOOLS = ("git", "dpkg-buildpackage", "dh", "lintian", "mmdebstrap", "chroot")
TIMES = []


def step(name, t0):
    TIMES.append((name, time.monotonic() - t0))
    h.log("step %s: %.1f s" % (name, TIMES[-1][1]))


def sh(argv, log, timeout, cwd=None, env=None):
    """Run argv with output to log; fail with its tail if it fails."""
    with open(log, "wb") as f:
        r = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT,
                           cwd=cwd, env=env, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        with open(log, "rb") as f:
            tail = f.read()[-3000:].decode(errors="replace")
        raise h.TestFailure("%s: exit %d\n%s" % (" ".join(argv[:3]),
                                                   r.returncode, tail))
    with open(log, "rb") as f:
        return f.read().decode(errors="replace")


def copy_tree(dst):
    """The working tree as git sees it: tracked and not-ignored files."""
    out = subprocess.run(["git", "-C", SRC, "ls-files", "-co",
                          "--exclude-standard", "-z"], check=True,
                         stdout=subprocess.PIPE, timeout=60).stdout
    for rel in out.decode().split("\0"):
        if not rel or not os.path.lexists(os.path.join(SRC, rel)):
            continue
        os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
        shutil.copy2(os.path.join(SRC, rel), os.path.join(dst, rel),
                     follow_symlinks=False)


def build(work, build_root=None, suite=None):
    """dpkg-buildpackage on the host, or in @p build_root (a root of
    another release) after apt-get build-dep there."""
    t0 = time.monotonic()
    src = os.path.join(work, "vuswitch")
    copy_tree(src)
    opts = "parallel=%d" % os.cpu_count()
    if build_root is None:
        env = dict(os.environ, DEB_BUILD_OPTIONS=opts)
        sh(["dpkg-buildpackage", "-us", "-uc", "-b"],
           os.path.join(work, "build.log"), 600, cwd=src, env=env)
    else:
        rc = in_root(build_root, ["sh", "-c", APT +
                                  "cd /pkg/vuswitch && apt-get update -q && "
                                  "apt-get build-dep -y -q ./ && "
                                  "apt-get install -y -q "
                                  "--no-install-recommends lintian && "
                                  "DEB_BUILD_OPTIONS=%s dpkg-buildpackage "
                                  "-us -uc -b" % opts
                                  + " > /pkg/build.log 2>&1"],
                     binds=[work + ":/pkg"], suite=suite)
        if rc != 0:
            with open(os.path.join(work, "build.log"), "rb") as f:
                tail = f.read()[-3000:].decode(errors="replace")
            raise h.TestFailure("the %s build failed:\n%s" % (suite, tail))
    debs = [f for f in os.listdir(work) if f.startswith("vuswitch_")
            and f.endswith(".deb")]
    h.check(len(debs) == 1, "dpkg-buildpackage made %s" % debs)
    step("build", t0)
    return debs[0]


def lint(work, deb, build_root=None, suite=None):
    t0 = time.monotonic()
    log = os.path.join(work, "lintian.log")
    cmd = "lintian -I --pedantic /pkg/%s > /pkg/lintian.log 2>&1" % deb
    if build_root is None:
        subprocess.run(["sh", "-c", cmd.replace("/pkg", work)], timeout=300,
                       stdin=subprocess.DEVNULL)
    else:
        in_root(build_root, ["sh", "-c", cmd], binds=[work + ":/pkg"],
                suite=suite)
    with open(log) as f:
        tags = [l.strip() for l in f if l[:2] in ("E:", "W:", "I:", "P:",
                                                  "X:")]
    for t in tags:
        h.log("lintian: " + t)
    errors = [t for t in tags if t.startswith("E:")]
    h.check(not errors, "lintian: no errors (%d tags)" % len(tags))
    step("lintian", t0)


def in_root(root, cmd, timeout=600, binds=(), suite=None):
    """CMD in the root. apt's downloads are kept between runs (only the
    .deb files: apt still installs every package in every fresh root)."""
    cache = os.path.join(rootfs.CACHE, "apt-" + (suite or SUITE))
    os.makedirs(os.path.join(cache, "partial"), exist_ok=True)
    binds = list(binds) + [cache + ":/var/cache/apt/archives"]
    args = ["run", root]
    for b in binds:
        args += ["--bind", b]
    return rootfs.debroot(args + ["--"] + cmd, timeout=timeout, log=h.log)


def procs_in(root):
    """PIDs of processes whose root directory is @p root."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/root" % pid) == root:
                pids.append(int(pid))
        except OSError:
            pass
    return pids


APT = "export DEBIAN_FRONTEND=noninteractive; "


def container_init(nspawn_pid, deadline):
    """PID (host's view) of the container's systemd, once it runs."""
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/task/%d/children" % (nspawn_pid,
                                                      nspawn_pid)) as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            return None
        for k in kids:
            try:
                with open("/proc/%d/comm" % k) as f:
                    if f.read().strip() == "systemd":
                        return k
            except OSError:
                pass
        time.sleep(0.2)
    return None


def booted(init, deadline):
    while time.monotonic() < deadline:
        r = subprocess.run(["nsenter", "-t", str(init), "-a", "systemctl",
                            "is-system-running"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30)
        state = r.stdout.decode().strip()
        if state in ("running", "degraded"):
            return state
        time.sleep(0.5)
    return None


def under_systemd(work, root, deb):
    """The package again, started by a real systemd: PID 1 of an nspawn
    container of the root. Where systemd cannot boot there (no
    systemd-nspawn, or a systemd that needs cgroup v2 on a v1 host), this
    part is left out, and the log says so."""
    if not shutil.which("systemd-nspawn"):
        h.log("NOT RUN: the part under a real systemd (no systemd-nspawn)")
        return
    t0 = time.monotonic()
    rc = in_root(root, ["sh", "-c", APT + "apt-get install -y -q "
                        "--no-install-recommends /pkg/" + deb],
                 binds=[work + ":/pkg"])
    h.check(rc == 0, "the package installed again")
    log = open(os.path.join(work, "nspawn.log"), "wb")
    ns = subprocess.Popen(["systemd-nspawn", "--quiet", "--register=no",
                           "--keep-unit", "-D", root, "--bind",
                           work + ":/pkg", "--boot", "--console=pipe"],
                          stdin=subprocess.DEVNULL, stdout=log,
                          stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        init = container_init(ns.pid, deadline)
        state = booted(init, deadline) if init else None
        if state is None:
            with open(os.path.join(work, "nspawn.log"), "rb") as f:
                tail = f.read()[-1500:].decode(errors="replace")
            h.log("NOT RUN: the part under a real systemd: systemd did not "
                  "come up in an nspawn container here:\n" + tail)
            return
        h.log("systemd is %s in the container (init pid %d)" % (state, init))
        r = subprocess.run(["nsenter", "-t", str(init), "-a", "env",
                            "VUSWITCH=/usr/sbin/vuswitch",
                            "TESTPMD=/usr/bin/dpdk-testpmd",
                            "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1",
                            "python3",
                            "/pkg/vuswitch/tests/package/under_systemd.py"],
                           timeout=400, stdin=subprocess.DEVNULL)
        h.check(r.returncode == 0, "under systemd: start, forward, restart, "
                "crash, stop and purge of the running service")
    finally:
        if ns.poll() is None:
            ns.send_signal(h.signal.SIGTERM)     # nspawn halts the container
            try:
                ns.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(ns.pid, h.signal.SIGKILL)
                ns.wait(10)
        log.close()
    step("under systemd", t0)


def body(env):
    if os.geteuid() != 0:
        print("SKIP: the package test needs root (chroot, mounts)")
        sys.exit(h.SKIP)
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        print("SKIP: missing %s (scripts/install-deps installs them)"
              % ", ".join(missing))
        sys.exit(h.SKIP)
    t_all = time.monotonic()
    work = env.dir
    if SUITE == rootfs.host_suite():
        deb = build(work)
        lint(work, deb)
    else:
        t0 = time.monotonic()
        broot = os.path.join(tempfile.mkdtemp(prefix="vsw-pkgbuild-"), "root")
        h.check(rootfs.debroot(["create", broot, "--suite", SUITE],
                               log=h.log) == 0, "a %s build root" % SUITE)
        step("build root", t0)
        try:
            deb = build(work, broot, SUITE)
            lint(work, deb, broot, SUITE)
        finally:
            if rootfs.debroot(["destroy", broot], log=h.log) == 0:
                os.rmdir(os.path.dirname(broot))

    t0 = time.monotonic()
    # Not under work: the harness removes work with rmtree, which must
    # never meet a mount; only the guarded destroy removes the root.
    root = os.path.join(tempfile.mkdtemp(prefix="vsw-pkgroot-"), "root")
    rc = rootfs.debroot(["create", root, "--suite", SUITE], log=h.log)
    h.check(rc == 0, "a fresh %s root" % SUITE)
    step("root", t0)
    try:
        t0 = time.monotonic()
        rc = in_root(root, ["sh", "-c", APT +
                            "apt-get update -q && apt-get install -y -q "
                            "--no-install-recommends /pkg/" + deb],
                     binds=[work + ":/pkg"])
        h.check(rc == 0, "apt install ./%s in the fresh root" % deb)
        step("install", t0)
        t0 = time.monotonic()
        rc = in_root(root, ["env", "VUSWITCH=/usr/sbin/vuswitch",
                            "TESTPMD=/usr/bin/dpdk-testpmd",
                            "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1",
                            "python3", "/pkg/vuswitch/tests/package/inside.py"],
                     timeout=600, binds=[work + ":/pkg"])
        h.check(rc == 0, "inside the root: the service's command line "
                "forwards between two testpmd VMs and stops on SIGTERM")
        step("run", t0)

        t0 = time.monotonic()
        listing = os.path.join(work, "files")
        rc = in_root(root, ["sh", "-c", "dpkg -L vuswitch > /pkg/files"],
                     binds=[work + ":/pkg"])
        with open(listing) as f:
            files = [l.strip() for l in f if l.strip()]
        h.check(rc == 0 and "/usr/sbin/vuswitch" in files,
                "dpkg -L vuswitch lists %d paths" % len(files))
        rc = in_root(root, ["sh", "-c", APT + "apt-get purge -y -q vuswitch"])
        h.check(rc == 0, "apt purge vuswitch")
        left = procs_in(root)
        h.check(not left, "nothing left running in the root: %s" % left)
        kept = [p for p in files if p.startswith(("/usr/", "/etc/", "/lib/"))
                and os.path.lexists(root + p)
                and not os.path.isdir(root + p)]
        h.check(not kept and not os.path.exists(root + "/etc/vuswitch"),
                "no file of the package is left in /usr, /lib or /etc: %s"
                % kept)
        step("purge", t0)
        under_systemd(work, root, deb)
        left = procs_in(root)
        h.check(not left, "nothing left running in the root: %s" % left)
    finally:
        left = procs_in(root)
        for pid in left:
            h.log("killing pid %d left in the root" % pid)
            try:
                os.kill(pid, h.signal.SIGKILL)
            except ProcessLookupError:
                pass
        if rootfs.debroot(["destroy", root], log=h.log) == 0:
            os.rmdir(os.path.dirname(root))
    h.log("package test: %.1f s in all (%s)" % (
        time.monotonic() - t_all,
        ", ".join("%s %.0f s" % t for t in TIMES)))


if __name__ == "__main__":
    h.main("package", body, need=())
