#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""--config FILE: ports added and removed at run time are written back.

1. The switch starts from a file with one port (vm1) and one more port on
   the command line (cli). vm2 (queues=2, pmd=1), vm3 and an ethdev
   trunk up0 (eth:net_null0, trunks=10:20-22, native=5, offload=0) are
   added, vm2 and vm3 set on VLAN 7, and vm1 removed at run time. The file then has
   [port vm2], [port vm3] and [port up0], with their keys (up0's device
   as eth = ...), and not vm1 or the command-line port; its [eal] and
   [switch] sections are as they were.
2. A file that cannot be written back (FILE.tmp is a directory, so the
   temporary file cannot be created, even as root): add-port, set-port and
   del-port fail with -EIO and say so, and nothing changes: not the ports, not the
   file, and no socket appears.
3. Restart from the file alone: the same ports are back, with the same
   names, paths and options, and two VMs forward through them.
"""
import os
import shutil

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
EIO = 5


def ports(sw):
    return {v["name"]: v for v in sw.pages("/vuswitch/ports").values()}


def sections(path):
    """{section: {key: value}} of an INI file (our own reading)."""
    out, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.split(";")[0].strip()
            if line.startswith("["):
                cur = line[1:-1]
                out[cur] = {}
            elif "=" in line and cur is not None:
                k, v = line.split("=", 1)
                out[cur][k.strip()] = v.strip()
    return out


def switch_from(env, conf, name, extra=()):
    argv = [env.vuswitch, "--config", conf] + list(extra)
    sw = h.Switch.__new__(h.Switch)
    sw.prefix = env.prefix(name)
    sw.ports = []
    h.Proc.__init__(sw, env, name, argv)
    sw._tel = None
    sw.expect_log(r"press Ctrl-C to stop", 30)
    return sw


def write_conf(env, prefix):
    conf = os.path.join(env.dir, "vuswitch.conf")
    with open(conf, "w") as f:
        f.write("; test_config_writeback.py\n[eal]\n"
                "args = --lcores 0@0,1@1 --no-huge -m 512 --no-pci "
                "--file-prefix %s --log-level lib.vhost.config:warning\n"
                "[switch]\nstats = 0\nmac-aging = 120\n"
                "[port vm1]\npath = %s\n" % (prefix, env.sock("vm1")))
    return conf


def body(env):
    prefix = env.prefix("sw1")
    conf = write_conf(env, prefix)
    sw = switch_from(env, conf, "sw1", ["--port", env.sock("cli")])
    sw.prefix = prefix
    h.check(sorted(ports(sw)) == ["cli", "vm1"], "file and command-line ports")
    r = sw.tel("/vuswitch/add_port", env.sock("vm2") + ",queues=2,pmd=1")
    h.check(r["result"] == 0, "vm2 added: %s" % r)
    r = sw.tel("/vuswitch/add_port", env.sock("x") + ",name=vm3,suspend=0")
    h.check(r["result"] == 0, "vm3 added: %s" % r)
    r = sw.tel("/vuswitch/add_port",
               "eth:net_null0,name=up0,trunks=10:20-22,offload=0,native=5")
    h.check(r["result"] == 0, "up0 (an ethdev trunk) added: %s" % r)
    for name in ("vm2", "vm3"):
        r = sw.tel("/vuswitch/set_port", name + ",vlan=7")
        h.check(r["result"] == 0, "set-port %s vlan=7: %s" % (name, r))
    r = sw.tel("/vuswitch/del_port", "vm1")
    h.check(r["result"] == 0, "vm1 removed: %s" % r)

    s = sections(conf)
    h.check(s.get("eal", {}).get("args", "").endswith(
        "lib.vhost.config:warning") and s.get("switch") ==
        {"stats": "0", "mac-aging": "120"}, "[eal] and [switch] kept: %s" % s)
    h.check(s.get("port vm2") == {"path": env.sock("vm2"), "queues": "2",
                                  "pmd": "1", "vlan": "7"},
            "[port vm2]: %s" % s)
    h.check(s.get("port vm3") == {"path": env.sock("x"), "suspend": "0",
                                  "vlan": "7"}, "[port vm3]: %s" % s)
    h.check(s.get("port up0") == {"eth": "net_null0", "trunks": "10:20-22",
                                  "native": "5", "offload": "0"},
            "[port up0]: %s" % s)
    h.check(sorted(k for k in s if k.startswith("port")) ==
            ["port up0", "port vm2", "port vm3"],
            "no vm1, no command-line port: %s" % s)
    h.check(not os.path.exists(conf + ".tmp"), "no temporary file left")

    # The file cannot be written: commands fail and change nothing.
    os.mkdir(conf + ".tmp")
    with open(conf) as f:
        text = f.read()
    before = ports(sw)
    r = sw.tel("/vuswitch/add_port", env.sock("vm4"))
    h.check(r["result"] == -EIO and "not added: config write-back failed"
            in r["error"], "add-port fails when the file cannot be written: %s"
            % r)
    r = sw.tel("/vuswitch/del_port", "vm2")
    h.check(r["result"] == -EIO and "not removed: config write-back" in
            r["error"],
            "del-port fails too: %s" % r)
    r = sw.tel("/vuswitch/set_port", "vm3,vlan=8")
    h.check(r["result"] == -EIO and "not changed: config write-back" in
            r["error"] and sw.port("vm3")["vlan"] == 7,
            "set-port fails too, and vm3 stays on VLAN 7: %s" % r)
    h.check(ports(sw) == before, "the ports are unchanged")
    h.check(not os.path.exists(env.sock("vm4")), "no socket for vm4")
    with open(conf) as f:
        h.check(f.read() == text, "the file is unchanged")
    os.rmdir(conf + ".tmp")
    # A command-line port is not in the file: removing it writes nothing new.
    h.check(sw.tel("/vuswitch/del_port", "cli")["result"] == 0, "cli removed")
    rc = sw.stop()
    h.check(rc == 0, "switch stopped (rc %s)" % rc)

    # Restart from the file alone: the same ports.
    sw = switch_from(env, conf, "sw2")
    sw.prefix = prefix
    p = ports(sw)
    h.check(sorted(p) == ["up0", "vm2", "vm3"], "the ports are back: %s" % p)
    u = sw.port("up0")
    h.check(u["mode"] == "eth" and u["path"] == "eth:net_null0" and
            u["trunks"] == "10:20-22" and u["native"] == 5 and
            u["offload_offered"] == 0 and u["offloads"] == 0,
            "up0: the same device, trunk and native VLAN, offload=0")
    h.check(sw.port("vm2")["vlan"] == 7 and sw.port("vm3")["vlan"] == 7,
            "vm2 and vm3 on VLAN 7")
    h.check(p["vm2"]["path"] == env.sock("vm2") and p["vm2"]["queues"] == 2
            and p["vm2"]["pmds"] == "1" and p["vm3"]["path"] == env.sock("x"),
            "with their options: %s" % p)
    h.check(sw.port("vm3")["suspend_advertised"] == 0, "vm3 keeps suspend=0")
    a, _ = h.stream(sw, env, "vm2", "vm3", MAC_A, MAC_B)
    a.halt()
    shutil.copy(conf, os.path.join(env.dir, "kept.conf"))


if __name__ == "__main__":
    h.main("config-writeback", body)
