#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bad command lines: exit code 2, one clear error line, nothing left.

Each case runs vuswitch with a bad option and checks the exit code, that
stderr has exactly one 'vuswitch: error:' line naming the problem, and
that no socket file was left behind. Also: --help exits 0, and a stale
socket file (nobody listening) is replaced rather than refused.
"""
import os
import socket
import stat

import harness as h


def cases(env):
    d = env.dir
    a, b = os.path.join(d, "a.sock"), os.path.join(d, "b.sock")
    missing = os.path.join(d, "no-such-dir", "a.sock")
    regular = os.path.join(d, "regular-file")
    live = os.path.join(d, "live.sock")
    longp = os.path.join(d, "x" * 120 + ".sock")
    eal = ["--no-huge", "-m", "256", "--no-pci", "--lcores", "0@0,1@1"]
    return [
        ("no --", ["--port", a], "put them after '--'"),
        ("duplicate name", eal + ["--", "--port", a + ",name=vm1", "--port",
                                  b + ",name=vm1"], "two ports named vm1"),
        ("bad name", eal + ["--", "--port", a + ",name=vm/1"],
         "a port name has only letters"),
        ("numeric name", eal + ["--", "--port", a + ",name=12"],
         "not only digits"),
        ("bad pmd list", eal + ["--", "--port", a + ",pmd=1,,2"],
         "not key=value"),
        ("bad pmd range", eal + ["--", "--port", a + ",pmd=3-1"],
         "pmd must be lcore ids"),
        ("pmd not a PMD", eal + ["--file-prefix", env.prefix("pmd"), "--",
                                 "--port", a + ",pmd=0"],
         "lcore 0 is not a PMD lcore"),
        ("bad auto-lb load", eal + ["--", "--port", a, "--pmd-auto-lb-load",
                                    "5"], "--pmd-auto-lb-load must be a number"),
        ("unknown option", eal + ["--", "--port", a, "--bogus"],
         "unknown option '--bogus'"),
        ("missing value", eal + ["--", "--port"], "--port needs a value"),
        ("empty path", eal + ["--", "--port", ",queues=1"], "missing socket path"),
        ("queues=0", eal + ["--", "--port", a + ",queues=0"], "queues must be 1 to"),
        ("queues=9", eal + ["--", "--port", a + ",queues=9"], "queues must be 1 to"),
        ("client=2", eal + ["--", "--port", a + ",client=2"], "client must be 0 or 1"),
        ("unknown key", eal + ["--", "--port", a + ",speed=10"], "unknown key 'speed'"),
        ("not key=value", eal + ["--", "--port", a + ",fast"], "not key=value"),
        ("bad mode", eal + ["--", "--port", a, "--mode", "hub"],
         "--mode must be learn or xconnect"),
        ("bad stats", eal + ["--", "--port", a, "--stats", "1x"],
         "--stats must be a number"),
        ("negative aging", eal + ["--", "--port", a, "--mac-aging", "-5"],
         "--mac-aging must be a number"),
        ("bad ctrl priority", eal + ["--", "--port", a, "--ctrl-priority", "100"],
         "--ctrl-priority must be a number from 0 to 99"),
        ("negative pmd-sleep-max", eal + ["--", "--port", a,
                                          "--pmd-sleep-max", "-1"],
         "--pmd-sleep-max must be a number from 0 to 10000"),
        ("huge pmd-sleep-max", eal + ["--", "--port", a,
                                      "--pmd-sleep-max", "99999999999"],
         "--pmd-sleep-max must be a number from 0 to 10000"),
        ("bad suspend=", eal + ["--", "--port", a + ",suspend=yes"],
         "suspend must be 0 or 1"),
        ("duplicate path", eal + ["--", "--port", a, "--port",
                                  os.path.join(d, ".", "a.sock")],
         "duplicate socket path"),
        ("missing directory", eal + ["--", "--port", missing],
         "directory %s does not exist" % os.path.dirname(missing)),
        ("not a socket", eal + ["--", "--port", regular],
         "%s exists and is not a socket" % regular),
        ("socket in use", eal + ["--", "--port", live],
         "socket %s is in use" % live),
        ("path too long", eal + ["--", "--port", longp], "longer than 107"),
        ("stray argument", eal + ["--", "--port", a, "extra"],
         "unexpected argument 'extra'"),
        ("bad EAL option", ["--no-such-eal-option", "--", "--port", a],
         "EAL initialisation failed"),
        ("eth: without a device", eal + ["--", "--port", "eth:"],
         "needs a device"),
        ("eth: device keys only", eal + ["--", "--port", "eth:iface=x"],
         "needs a device"),
        ("eth: a vhost-user key", eal + ["--", "--port",
                                         "eth:net_null0,client=1"],
         "vhost-user port's key"),
        ("eth: queues=9", eal + ["--", "--port", "eth:net_null0,queues=9"],
         "queues must be 1 to"),
        ("eth: the same device twice", eal + ["--", "--port", "eth:net_null0",
                                              "--port", "eth:net_null0"],
         "duplicate device eth:net_null0"),
        ("vlan= and trunks=", eal + ["--", "--port",
                                     a + ",vlan=10,trunks=20"],
         "cannot both be given"),
        ("native= without trunks=", eal + ["--", "--port",
                                           "eth:net_null0,native=5"],
         "native= needs trunks="),
        ("native VLAN in trunks=", eal + ["--", "--port",
                                          a + ",trunks=10:20,native=20"],
         "native VLAN 20 is also in trunks="),
        ("VLAN list backwards", eal + ["--", "--port", a + ",trunks=30-20"],
         "trunks must be VLANs 1-4094 separated by ':'"),
        ("VLAN list with commas", eal + ["--", "--port", a + ",trunks=10,20"],
         "'20' is not key=value"),
        ("VLAN 4095", eal + ["--", "--port", a + ",vlan=4095"],
         "vlan must be a VLAN, 0 to 4094"),
        ("vlan= twice", eal + ["--", "--port", a + ",vlan=10,vlan=20"],
         "vlan= given twice"),
        ("eth: queues= twice", eal + ["--", "--port",
                                      "eth:net_null0,queues=2,queues=1"],
         "queues= given twice"),
        ("bad mtu", eal + ["--", "--port", a, "--mtu", "9001"],
         "--mtu must be a number from 68 to 9000"),
        ("eth: no such driver", eal + ["--file-prefix", env.prefix("nodrv"),
                                       "--", "--port", "eth:net_nosuch0",
                                       "--mbufs", "16384"],
         "cannot probe device 'net_nosuch0'"),
        ("eth: a key the device does not take",
         eal + ["--file-prefix", env.prefix("badkey"), "--", "--port",
                "eth:net_null0,bogus=1", "--mbufs", "16384"],
         "cannot probe device 'net_null0,bogus=1': the driver refused it"),
        ("eth: a PCI device that does not exist",
         eal + ["--file-prefix", env.prefix("nopci"), "--", "--port",
                "eth:0000:00:1f.7", "--mbufs", "16384"],
         "cannot probe device '0000:00:1f.7': No such device"),
        # net_memif frames are at most 1518 bytes (22.11 and 24.11;
        # 24.11's net_tap takes jumbo frames).
        ("eth: MTU the device cannot take",
         eal + ["--file-prefix", env.prefix("mtu"), "--", "--port",
                "eth:net_memif0,role=server,socket=%s"
                % os.path.join(d, "m.sock"),
                "--mtu", "9000", "--mbufs", "16384"], "takes an MTU of"),
        ("one lcore", ["--no-huge", "-m", "256", "--no-pci", "-l", "0",
                       "--file-prefix", env.prefix("one-lcore"), "--",
                       "--port", a, "--port", b], "no PMD lcore"),
    ]


def body(env):
    with open(os.path.join(env.dir, "regular-file"), "w") as f:
        f.write("not a socket\n")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.path.join(env.dir, "live.sock"))
    listener.listen(1)
    before = sorted(os.listdir(env.dir))

    for name, args, want in cases(env):
        r = h.subprocess.run([env.vuswitch] + args, stdout=h.subprocess.PIPE,
                             stderr=h.subprocess.PIPE, timeout=60,
                             stdin=h.subprocess.DEVNULL)
        err = r.stderr.decode(errors="replace")
        env.scan("vuswitch (%s)" % name, err)
        lines = [l for l in err.splitlines() if "vuswitch: error:" in l]
        h.check(r.returncode == 2, "%s: exit code 2 (got %d)" % (name, r.returncode))
        h.check(len(lines) == 1 and want in lines[0],
                "%s: one error line with '%s': %s" % (name, want, lines))
        h.check(sorted(os.listdir(env.dir)) == before,
                "%s: nothing left behind" % name)
    listener.close()

    rc, out = env.run([env.vuswitch, "--", "--help"])
    h.check(rc == 0 and "--port PATH" in out and "--mode" in out,
            "--help prints usage and exits 0")

    # A stale socket (nobody listening) is removed and replaced.
    stale = os.path.join(env.dir, "stale.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(stale)
    s.close()
    sw = h.Switch(env, [stale], name="stale")
    h.check(stat.S_ISSOCK(os.stat(stale).st_mode), "stale socket replaced")
    h.check(sw.stop() == 0 and not os.path.exists(stale),
            "switch on a stale path stops cleanly and removes it")


if __name__ == "__main__":
    h.main("bad-cmdline", body, need=("vuswitch",))
