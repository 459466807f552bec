#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The package test's part inside the fresh root, where the .deb and the
root's own dpdk package are installed and systemd does not run.

It runs what vuswitch.service would: the exact ExecStart command line of
the installed unit, on the installed conffile adapted to a socket
directory and file prefix of its own (the unit's RuntimeDirectory= is
emulated by that directory). The switch starts before anything else is
installed, so what it needs must come from the package's Depends; then
the root's dpdk-dev (for dpdk-testpmd) and systemd (for systemd-analyze
verify of the unit) are installed. The conffile's client-mode ports connect to
two testpmd virtio-user VMs that listen (server=1); frames sent by one
must reach the other, counted by the installed vuswitch-ctl. Then
SIGTERM, as systemd's stop sends, must end the switch cleanly.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "integration"))
import harness as h  # noqa: E402

CONF = "/etc/vuswitch/vuswitch.conf"
MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def unit_file():
    out = subprocess.run(["dpkg", "-L", "vuswitch"], stdout=subprocess.PIPE,
                         check=True, timeout=30).stdout.decode()
    units = [l for l in out.splitlines()
             if l.endswith("/systemd/system/vuswitch.service")]
    h.check(len(units) == 1, "the package has vuswitch.service: %s" % units)
    return units[0]


def unit_keys(path):
    """[Service] key -> list of values (a unit key may repeat)."""
    keys, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif "=" in line and not line.startswith(("#", ";")) and \
                    section == "[Service]":
                k, v = line.split("=", 1)
                keys.setdefault(k.strip(), []).append(v.strip())
    return keys


def install_testpmd_and_verify_unit(env, unit):
    """The root's own dpdk-testpmd (package dpdk-dev) and virtio PMD, and
    systemd for `systemd-analyze verify` of the installed unit."""
    t0 = time.monotonic()
    virtio = subprocess.run(["apt-cache", "pkgnames", "librte-net-virtio"],
                            stdout=subprocess.PIPE, check=True,
                            timeout=60).stdout.decode().split()
    log = os.path.join(env.dir, "apt-testpmd.log")
    with open(log, "wb") as f:
        r = subprocess.run(["apt-get", "install", "-y", "-q",
                            "--no-install-recommends", "dpdk-dev",
                            "systemd"] + virtio,
                           stdout=f, stderr=subprocess.STDOUT, timeout=600,
                           env=dict(os.environ,
                                    DEBIAN_FRONTEND="noninteractive"))
    h.check(r.returncode == 0 and os.access("/usr/bin/dpdk-testpmd", os.X_OK),
            "the root's dpdk-testpmd, virtio PMD (%s) and systemd installed "
            "in %.0f s" % (" ".join(virtio), time.monotonic() - t0))
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", unit],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=120)
    out = r.stdout.decode(errors="replace").strip()
    h.check(r.returncode == 0 and not out,
            "systemd-analyze verify %s: no complaint%s" % (
                unit, ": " + out if out else ""))


def ctl(prefix, *args):
    """The installed vuswitch-ctl; returns its JSON answer."""
    r = subprocess.run(["vuswitch-ctl", "-p", prefix] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=20)
    if r.returncode != 0:
        raise h.TestFailure("vuswitch-ctl %s: exit %d: %s" % (
            " ".join(args), r.returncode, r.stderr.decode(errors="replace")))
    return json.loads(r.stdout)


def port(prefix, i):
    answer = ctl(prefix, "port", str(i))
    return answer.get("/vuswitch/port", answer)


def body(env):
    with open("/var/lib/dpkg/info/vuswitch.prerm") as f:
        prerm = f.read()
    h.check(re.search(r'"\$1" = remove[^\n]*\n\s*deb-systemd-invoke stop '
                      r'vuswitch.service', prerm),
            "removing the package stops the service (prerm, under systemd)")
    unit = unit_file()
    keys = unit_keys(unit)
    argv = shlex.split(keys["ExecStart"][0])
    h.check(argv[0] == "/usr/sbin/vuswitch" and os.access(argv[0], os.X_OK)
            and argv[1:] == ["--config", CONF],
            "ExecStart runs the installed switch on %s: %s" % (CONF, argv))
    with open(CONF) as f:
        conf = f.read()
    runtime = keys["RuntimeDirectory"][0].split()
    m = re.search(r"^args\s*=.*--file-prefix[\s=]+(\S+)", conf, re.M)
    socks = re.findall(r"^path\s*=\s*(\S+)", conf, re.M)
    h.check(m and "dpdk/" + m.group(1) in runtime,
            "the unit's RuntimeDirectory %s has the conffile's DPDK "
            "prefix" % runtime)
    h.check(len(socks) >= 2 and all(os.path.dirname(s) == "/run/" + runtime[0]
                                    for s in socks),
            "the conffile's sockets %s are in RuntimeDirectory" % socks)
    h.check(re.search(r"^client\s*=\s*1", conf, re.M),
            "the conffile's ports are client-mode ports")

    # The unit's RuntimeDirectory, emulated: a directory of this test.
    prefix = env.prefix("svc")
    conf = conf.replace("/run/%s/" % runtime[0], env.dir + "/")
    conf = conf.replace("--file-prefix " + m.group(1), "--file-prefix " + prefix)
    with open(CONF, "w") as f:
        f.write(conf)
    a_sock, b_sock = [os.path.join(env.dir, os.path.basename(s))
                      for s in socks[:2]]

    # The switch starts with nothing but the package and what its Depends
    # brought (EAL loads its plugins now); testpmd comes afterwards.
    sw = h.Proc(env, "vuswitch", argv)
    sw.expect_log(r"press Ctrl-C to stop", 30)
    install_testpmd_and_verify_unit(env, unit)
    a = h.VM(env, "vm-a", a_sock, MAC_A, server=True, wait_ready=False)
    b = h.VM(env, "vm-b", b_sock, MAC_B, server=True, wait_ready=False)
    a.ready(60)     # the switch's client ports retry about once a second
    b.ready(60)
    for i in (0, 1):
        h.wait_for(lambda: port(prefix, i)["state"] == "running", 30,
                   "port %d running" % i)
    sent = h.stream_for(a, b, 2)
    h.wait_for(lambda: port(prefix, 0)["rx_packets"] == sent, 15,
               "switch port 0 to take A's %d frames" % sent)
    time.sleep(0.5)
    p1 = port(prefix, 1)
    got = b.rx()
    h.check(sent > 1000 and got > 1000 and p1["tx_packets"] == got,
            "A sent %d frames, B received %d, the switch sent B %d"
            % (sent, got, p1["tx_packets"]))

    # systemctl stop: SIGTERM to the main PID, SIGKILL after TimeoutStopSec.
    stop_s = int(keys.get("TimeoutStopSec", ["90"])[0])
    t0 = time.monotonic()
    rc = sw.stop(h.signal.SIGTERM, timeout=stop_s)
    h.check(rc == 0 and "final counters" in sw.output(),
            "SIGTERM stops the switch cleanly in %.1f s (exit %s)"
            % (time.monotonic() - t0, rc))
    a.stop()
    b.stop()


if __name__ == "__main__":
    h.main("package-inside", body)
