#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The package test's part under a real systemd: PID 1 of an nspawn
container of the fresh root, with the package, dpdk-dev and systemd
installed and the installed conffile unchanged.

`systemctl start vuswitch`; two testpmd VMs listen on the conffile's
client-mode sockets in /run/vuswitch and frames go from one to the other.
The switch runs in its sandbox: only CAP_SYS_NICE, no new privileges,
rte_vhost's message thread at SCHED_FIFO. `systemctl restart` and a
SIGKILL (Restart=on-failure) each bring the ports back with the VMs
untouched; `systemctl stop` ends it with exit status 0 and the final
counters in the journal. Last, `apt purge vuswitch` while it runs stops
it (the prerm) and leaves no file of the package.
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "integration"))
import harness as h  # noqa: E402

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
CAP_SYS_NICE = 23


def sh(*argv, timeout=120):
    r = subprocess.run(list(argv), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return r.returncode, r.stdout.decode(errors="replace")


def port(prefix, i):
    rc, out = sh("vuswitch-ctl", "-p", prefix, "port", str(i))
    if rc != 0:
        return {"state": "no answer"}
    d = json.loads(out)
    return d.get("/vuswitch/port", d)


def main_pid():
    return int(sh("systemctl", "show", "-p", "MainPID", "--value",
                  "vuswitch")[1].strip() or 0)


def wait_running(prefix, what):
    for i in (0, 1):
        h.wait_for(lambda: port(prefix, i)["state"] == "running", 30,
                   "port %d running %s" % (i, what))


class VM(h.VM):
    """A testpmd VM listening (server=1) with link-state interrupts on:
    virtio-user accepts a restarted back-end in its LSC handler."""

    def __init__(self, env, name, sock, mac):
        self.prefix = env.prefix(name)
        self.mac = mac
        argv = [env.testpmd, "--lcores", "0@0,1@0", "--no-pci", "--no-huge",
                "-m", "256", "--single-file-segments",
                "--file-prefix", self.prefix, "--vdev",
                "net_virtio_user0,path=%s,queues=1,mac=%s,server=1"
                % (sock, mac), "--log-level", "pmd.net.virtio.*:warning",
                "--", "-i", "--total-num-mbufs=8192", "--nb-cores=1"]
        h.Testpmd.__init__(self, env, name, argv)


def traffic(a, b, what):
    b.halt()
    b.setup("rxonly")
    b.start()
    before = b.rx()
    a.halt()
    a.setup("txonly", peer=MAC_B)
    a.start()
    time.sleep(2)
    a.halt()
    time.sleep(0.5)
    got = b.rx() - before
    h.check(got > 1000, "%s: B received %d frames from A" % (what, got))


def sandbox(pid):
    with open("/proc/%d/status" % pid) as f:
        status = f.read()
    eff = int(re.search(r"^CapEff:\s*(\w+)", status, re.M).group(1), 16)
    bnd = int(re.search(r"^CapBnd:\s*(\w+)", status, re.M).group(1), 16)
    nnp = re.search(r"^NoNewPrivs:\s*(\d)", status, re.M).group(1)
    h.check(eff == bnd == 1 << CAP_SYS_NICE and nnp == "1",
            "the switch has CAP_SYS_NICE only (%#x/%#x), no new privileges"
            % (eff, bnd))
    fifo = []
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
            comm = f.read().strip()
        with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
            stat = f.read().rsplit(")", 1)[1].split()
        if stat[38] == "1":           # policy (field 41): SCHED_FIFO
            fifo.append(comm)
    # Checked last, so that one run tells about everything else too.
    # "vhost-events" (22.11) or "dpdk-vhost-evt" (24.11): rte_vhost's
    # thread, and only it.
    return len(fifo) == 1 and "vhost" in fifo[0], fifo


def runtime_port(prefix):
    """add-port under the sandbox is written back to the conffile, and
    survives a restart; del-port takes it out again."""
    conf = "/etc/vuswitch/vuswitch.conf"
    rc, out = sh("vuswitch-ctl", "-p", prefix, "add-port",
                 "/run/vuswitch/vm9.sock,name=vm9")
    h.check(rc == 0 and json.loads(out)["name"] == "vm9",
            "vuswitch-ctl add-port under systemd: %s" % out.strip())
    with open(conf) as f:
        h.check("[port vm9]" in f.read(), "written back to %s" % conf)
    rc, out = sh("systemctl", "restart", "vuswitch")
    h.check(rc == 0, "systemctl restart")
    h.wait_for(lambda: sh("vuswitch-ctl", "-p", prefix, "port", "vm9")[0]
               == 0, 30, "vm9 to be back after the restart")
    rc, out = sh("vuswitch-ctl", "-p", prefix, "del-port", "vm9")
    h.check(rc == 0, "vuswitch-ctl del-port vm9: %s" % out.strip())
    with open(conf) as f:
        h.check("[port vm9]" not in f.read(), "and taken out of the file")
    wait_running(prefix, "after the add/restart/del round trip")


def body(env):
    with open("/etc/vuswitch/vuswitch.conf") as f:
        conf = f.read()
    prefix = re.search(r"^args\s*=.*--file-prefix[\s=]+(\S+)", conf,
                       re.M).group(1)
    socks = re.findall(r"^path\s*=\s*(\S+)", conf, re.M)[:2]
    for s in socks:                 # left by an earlier VM
        if os.path.exists(s):
            os.unlink(s)
    rc, out = sh("systemctl", "start", "vuswitch")
    h.check(rc == 0, "systemctl start vuswitch %s" % out.strip())
    a = VM(env, "vm-a", socks[0], MAC_A)
    b = VM(env, "vm-b", socks[1], MAC_B)
    a.ready(60)
    b.ready(60)
    wait_running(prefix, "after systemctl start")
    fifo_ok, fifo = sandbox(main_pid())
    traffic(a, b, "started by systemd")

    pid = main_pid()
    t0 = time.monotonic()
    rc, out = sh("systemctl", "restart", "vuswitch")
    h.check(rc == 0 and all(os.path.exists(s) for s in socks),
            "systemctl restart; the VMs' sockets stay in /run/vuswitch")
    wait_running(prefix, "after systemctl restart")
    h.check(main_pid() not in (0, pid), "ports back %.1f s after the "
            "restart, in a new process" % (time.monotonic() - t0))
    traffic(a, b, "after systemctl restart")

    pid = main_pid()
    os.kill(pid, h.signal.SIGKILL)
    h.wait_for(lambda: main_pid() not in (0, pid), 30,
               "Restart=on-failure to start a new switch")
    wait_running(prefix, "after SIGKILL")
    traffic(a, b, "after SIGKILL and Restart=on-failure")
    runtime_port(prefix)

    rc, out = sh("systemctl", "stop", "vuswitch")
    st = sh("systemctl", "show", "-p", "Result,ExecMainStatus", "vuswitch")[1]
    log = sh("journalctl", "-u", "vuswitch", "--no-pager", "-n", "60")[1]
    h.check(rc == 0 and "Result=success" in st and "ExecMainStatus=0" in st
            and "final counters" in log,
            "systemctl stop: exit status 0, final counters in the journal")

    rc, out = sh("systemctl", "start", "vuswitch")
    h.wait_for(lambda: main_pid() != 0, 30, "the switch to run again")
    pid = main_pid()
    files = sh("dpkg", "-L", "vuswitch")[1].split()
    rc, out = sh("apt-get", "purge", "-y", "-q", "vuswitch", timeout=300)
    h.check(rc == 0, "apt purge vuswitch while the service runs")
    h.wait_for(lambda: not os.path.exists("/proc/%d" % pid), 10,
               "the switch (pid %d) to be gone" % pid)
    h.check(sh("systemctl", "is-active", "vuswitch")[1].strip() != "active",
            "the service is no longer active")
    kept = [p for p in files if p.startswith(("/usr/", "/etc/", "/lib/"))
            and os.path.lexists(p) and not os.path.isdir(p)]
    h.check(not kept and not os.path.exists("/etc/vuswitch"),
            "no file of the package left: %s" % kept)
    a.stop()
    b.stop()
    h.check(fifo_ok, "rte_vhost's message thread ran SCHED_FIFO "
            "(--ctrl-priority): SCHED_FIFO threads %s" % fifo)


if __name__ == "__main__":
    h.main("under-systemd", body)
