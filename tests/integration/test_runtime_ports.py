#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Ports added and removed at run time, and the requests that must fail.

A switch starts with no ports. Two ports are added with vuswitch-ctl's
telemetry commands, two testpmd VMs connect and A streams to B. Then:

- Bad requests: each gets result < 0 and an error that says why, and
  changes nothing: the port list is the same, no socket file appears, and
  B keeps receiving. A path that is already a port (also spelled
  differently), a name that is taken, a directory that does not exist, a
  path too long, an unknown key, queues out of range, a pmd= lcore that is
  not a PMD lcore, an unknown port in del-port.
- Names and ids: a port is found by id, name or path; the default name
  comes from the socket's file name; the lowest free id is reused.
- Removal works in every state: never connected (its socket file goes),
  a client port with no front-end (it stops trying to connect: a
  listener that appears afterwards is never connected to), and a port
  whose VM is connected (the VM sees its link go down, and the port's MAC
  entries are gone).
- More than 1024 ports: the 1025th is refused with -ENOSPC (the 1022
  extra ports are client ports with no front-end, so that rte_vhost's
  fdset, which holds at most 1024 sockets, is not what refuses them).
"""
import os
import socket
import time

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAX_PORTS = 1024
ENOENT, EEXIST, EINVAL, ENOSPC, ENAMETOOLONG = 2, 17, 22, 28, 36


def add(sw, spec):
    return sw.tel("/vuswitch/add_port", spec)


def ports(sw):
    return sw.pages("/vuswitch/ports")


def bad_requests(env, sw, b):
    d = env.dir
    a_sock = env.sock("a")
    longp = os.path.join(d, "x" * 120 + ".sock")
    cases = [
        ("path that is a port", "add", a_sock, EEXIST, "is already port 0"),
        ("same path spelled differently", "add",
         os.path.join(d, ".", "a.sock"), EEXIST, "is already port 0"),
        ("name taken", "add", env.sock("n") + ",name=vma", EEXIST,
         "the name vma is taken by port 0"),
        ("default name taken is fine, but an explicit one is not", "add",
         env.sock("n") + ",name=b", EEXIST, "taken by port 1"),
        ("missing directory", "add", "/nonexistent-vsw/x.sock", ENOENT,
         "directory /nonexistent-vsw does not exist"),
        ("path too long", "add", longp, ENAMETOOLONG, "longer than 107"),
        ("unknown key", "add", env.sock("n") + ",speed=10", EINVAL,
         "unknown key 'speed'"),
        ("queues=0", "add", env.sock("n") + ",queues=0", EINVAL,
         "queues must be 1 to 8"),
        ("queues=9", "add", env.sock("n") + ",queues=9", EINVAL,
         "queues must be 1 to 8"),
        ("bad name", "add", env.sock("n") + ",name=a/b", EINVAL,
         "a port name has only"),
        ("pmd not a PMD lcore", "add", env.sock("n") + ",pmd=0", EINVAL,
         "lcore 0 is not a PMD lcore"),
        ("pmd beyond RTE_MAX_LCORE", "add", env.sock("n") + ",pmd=4000",
         EINVAL, "pmd must be lcore ids"),
        ("empty spec", "add", "", EINVAL, "missing socket path"),
        ("unknown port", "del", "nosuch", ENOENT, "no port 'nosuch'"),
        ("unknown id", "del", "77", ENOENT, "no port '77'"),
    ]
    before = ports(sw)
    files = sorted(os.listdir(d))
    rx0 = b.rx()
    for name, op, arg, err, text in cases:
        r = sw.tel("/vuswitch/%s_port" % op, arg)
        h.check(r["result"] == -err and text in r["error"],
                "%s: result %d, error '%s'" % (name, r["result"], r["error"]))
        h.check(ports(sw) == before, "%s: the ports are unchanged" % name)
    h.check(sorted(os.listdir(d)) == files, "no file appeared or went")
    h.wait_for(lambda: b.rx() > rx0, 5, "B to keep receiving")


def names_and_ids(env, sw):
    r = add(sw, env.sock("vm-c"))
    h.check(r["result"] == 0 and r["id"] == 2 and r["name"] == "vm-c",
            "default name from the socket file, lowest free id: %s" % r)
    for key in ("2", "vm-c", env.sock("vm-c")):
        h.check(sw.port(key)["id"] == 2, "port found by '%s'" % key)
    h.check(os.path.exists(env.sock("vm-c")), "its socket listens")
    # Never connected: removed, socket file gone, id free again.
    r = sw.tel("/vuswitch/del_port", "vm-c")
    h.check(r["result"] == 0 and r["id"] == 2, "vm-c removed: %s" % r)
    h.check(not os.path.exists(env.sock("vm-c")), "its socket file is gone")
    h.check("2" not in ports(sw), "port 2 is no longer listed")
    r = add(sw, env.sock("d") + ",name=vmd,queues=2")
    h.check(r["result"] == 0 and r["id"] == 2 and r["name"] == "vmd",
            "the freed id 2 is reused: %s" % r)
    h.check(sw.port("vmd")["queues"] == 2 and sw.port("vmd")["rx_packets"] == 0,
            "the new port 2 has its own queues and fresh counters")
    h.check(sw.tel("/vuswitch/del_port", "2")["result"] == 0, "removed by id")


def client_stops(env, sw):
    """A client port with no front-end is removed; it stops connecting."""
    path = env.sock("cl")
    r = add(sw, path + ",client=1")
    h.check(r["result"] == 0, "client port added: %s" % r)
    time.sleep(0.5)
    h.check(sw.tel("/vuswitch/del_port", path)["result"] == 0,
            "client port removed by path")
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lst.bind(path)
    lst.listen(4)
    lst.settimeout(3.0)   # rte_vhost retries about once a second
    try:
        conn, _ = lst.accept()
        conn.close()
        h.check(False, "a removed client port connected")
    except socket.timeout:
        h.log("ok: no connection attempt in 3 s after removal")
    finally:
        lst.close()
        os.unlink(path)


def connected_removed(env, sw, a, b):
    """Remove port 1 while A streams to B: B's link goes down."""
    h.learn(sw, b, 1)
    r = sw.tel("/vuswitch/del_port", "b")
    h.check(r["result"] == 0 and r["id"] == 1, "B's port removed: %s" % r)
    h.check("1" not in ports(sw) and sw.tel("/vuswitch/mac").get("1") is None,
            "port 1 and its MAC entries are gone")
    time.sleep(0.5)
    rx_b = b.rx()
    time.sleep(1)
    h.check(b.rx() == rx_b, "nothing reaches B after its port went")
    rx = sw.port(0)["rx_packets"]
    h.wait_for(lambda: sw.port(0)["rx_packets"] > rx, 5,
               "A's port to keep receiving A's stream")


def too_many(env, sw):
    """Fill the switch to 1024 ports with client ports; the next fails."""
    have = len(ports(sw))
    cdir = os.path.join(env.dir, "c")
    os.mkdir(cdir)
    t0 = time.monotonic()
    for i in range(MAX_PORTS - have):
        r = add(sw, os.path.join(cdir, "p%d" % i) + ",client=1")
        if r["result"] != 0:
            h.check(False, "port %d of %d refused: %s" % (have + i + 1,
                                                       MAX_PORTS, r))
    h.log("ok: %d ports added in %.1f s" % (MAX_PORTS - have,
                                             time.monotonic() - t0))
    h.check(len(ports(sw)) == MAX_PORTS, "1024 ports listed, in pages")
    r = add(sw, env.sock("one-too-many"))
    h.check(r["result"] == -ENOSPC and "1024" in r["error"],
            "the 1025th port is refused: %s" % r)
    h.check(not os.path.exists(env.sock("one-too-many")), "and left nothing")


def body(env):
    sw = h.Switch(env, [])
    h.check(ports(sw) == {}, "no ports at start")
    r = add(sw, env.sock("a") + ",name=vma")
    h.check(r["result"] == 0 and r["id"] == 0 and r["name"] == "vma",
            "port vma added: %s" % r)
    r = add(sw, env.sock("b"))
    h.check(r["result"] == 0 and r["id"] == 1 and r["name"] == "b",
            "port b added: %s" % r)
    a, b = h.stream(sw, env, "vma", "b", MAC_A, MAC_B)

    bad_requests(env, sw, b)
    names_and_ids(env, sw)
    client_stops(env, sw)
    connected_removed(env, sw, a, b)
    a.halt()
    too_many(env, sw)
    rc = sw.stop()
    h.check(rc == 0, "switch stopped cleanly with 1024 ports (rc %s)" % rc)


if __name__ == "__main__":
    h.main("runtime-ports", body)
