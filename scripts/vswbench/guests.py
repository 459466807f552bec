# SPDX-License-Identifier: BSD-3-Clause
"""QEMU guests with a real Linux kernel and its virtio-net driver, made by
scripts/guest-image: what the real-guest test
(tests/integration/test_guests_tcp.py) and the guests-tcp bench phase
share.

A guest boots Debian's cloud kernel with a busybox initramfs whose /init
(tests/guest/init) takes its role from the kernel command line, moves a
TCP stream with tests/guest/vswtcp, reports on the serial console (lines
that start with "vsw: ") and powers off, which ends QEMU. QEMU runs with
TCG here (see docs/testing.md): 1 vCPU, memory from a shared memfd (the
switch maps it), a virtio-net-pci device on a vhost-user socket, without
MSI-X (vectors=0: QEMU 7.2 under TCG crashes in vhost_net_start with it).
"""

import hashlib
import os
import random
import re
import shutil
import subprocess

from .common import SRC

# virtio-net feature bits (virtio spec 5.1.3)
F_CSUM, F_GUEST_CSUM = 0, 1
F_GUEST_TSO4, F_GUEST_TSO6 = 7, 8
F_HOST_TSO4, F_HOST_TSO6 = 11, 12
F_MRG_RXBUF = 15
OFFLOADS = {"CSUM": F_CSUM, "GUEST_CSUM": F_GUEST_CSUM,
            "HOST_TSO4": F_HOST_TSO4, "GUEST_TSO4": F_GUEST_TSO4}
PORT = 5001
MIB = 1 << 20


class GuestSkip(Exception):
    """The guest image cannot be built here (packages, network)."""


class GuestError(Exception):
    pass


def image(timeout=900):
    """The folder of the guest image (built by scripts/guest-image when
    missing). Raises GuestSkip when it cannot be built for want of
    packages or network, GuestError on other failures."""
    argv = [os.path.join(SRC, "scripts", "guest-image")]
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise GuestError("scripts/guest-image ran longer than %d s"
                         % timeout) from None
    err = r.stderr.decode(errors="replace").strip()
    if r.returncode == 77:
        raise GuestSkip(err.splitlines()[-1] if err else
                        "scripts/guest-image: exit status 77")
    out = r.stdout.decode(errors="replace").strip().splitlines()
    if r.returncode != 0 or not out or not os.path.isdir(out[-1]):
        raise GuestError("scripts/guest-image failed (%d): %s"
                         % (r.returncode, err[-1500:]))
    return out[-1]


def qemu_binary():
    return shutil.which("qemu-system-x86_64")


def qemu_version():
    """(major, minor) of qemu-system-x86_64, or None."""
    q = qemu_binary()
    if q is None:
        return None
    try:
        r = subprocess.run([q, "--version"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(rb"version (\d+)\.(\d+)", r.stdout)
    return (int(m.group(1)), int(m.group(2))) if m else None


def switch_args():
    """What vuswitch needs for this QEMU: --no-suspend from QEMU 8.2 on,
    where protocol feature bit 18 means F_SHARED_OBJECT, not SUSPEND
    (docs/usage.md)."""
    v = qemu_version()
    return ["--no-suspend"] if v is not None and v >= (8, 2) else []


def memory_mb(role, nbytes, hashed=False):
    """Guest memory: the kernel and busybox, plus what vswtcp keeps (the
    sender the whole stream, the receiver what came when it hashes)."""
    keep = nbytes if role == "send" or hashed else 0
    return 192 + -(-keep // MIB)


def params(role, ip, peer=None, nbytes=0, seed=1, count=1, hashed=False):
    """The vsw.* kernel parameters of tests/guest/init."""
    p = {"role": role, "ip": ip, "bytes": nbytes, "port": PORT,
         "count": count}
    if role == "send":
        p.update(peer=peer, seed=seed)
    if hashed:
        p["hash"] = 1
    return p


def qemu_argv(img, sock, mac, vsw, mem_mb, server=False, cpu=None):
    """QEMU's command line: @p vsw, the vsw.* parameters; @p server, QEMU
    listens on @p sock (the switch connects; QEMU waits for it before the
    guest starts); @p cpu, pinned there (taskset)."""
    q = qemu_binary()
    if q is None:
        raise GuestError("no qemu-system-x86_64 (qemu-system-x86)")
    append = "console=ttyS0 quiet panic=-1 " + " ".join(
        "vsw.%s=%s" % (k, v) for k, v in sorted(vsw.items()))
    argv = [] if cpu is None else ["taskset", "-c", str(cpu)]
    argv += [q, "-machine", "pc,accel=tcg", "-cpu", "max", "-smp", "1",
             "-m", "%dM" % mem_mb,
             "-object", "memory-backend-memfd,id=mem0,size=%dM,share=on"
             % mem_mb, "-numa", "node,memdev=mem0",
             "-chardev", "socket,id=vhu0,path=%s%s"
             % (sock, ",server=on,wait=on" if server else ""),
             "-netdev", "vhost-user,id=net0,chardev=vhu0",
             "-device", "virtio-net-pci,netdev=net0,mac=%s,vectors=0" % mac,
             "-kernel", os.path.join(img, "vmlinuz"),
             "-initrd", os.path.join(img, "initrd.img"),
             "-append", append, "-display", "none", "-nodefaults",
             "-no-reboot", "-serial", "stdio", "-monitor", "none"]
    return argv


RESULT = re.compile(r"^vsw: result (.*)$", re.M)


def features_int(bits):
    """/sys/bus/virtio/devices/*/features ('0'/'1', bit 0 first) -> int."""
    return sum(1 << i for i, c in enumerate(bits) if c == "1")


def parse_console(text):
    """What a guest reported on its console: {"features": {dev: bits},
    "results": [{"sent" or "received": n, "usec": t, ["sha256": h]}],
    "errors": [...], "clocksource": name, "interrupts": n, "ready": bool,
    "done": bool}."""
    out = {"features": {}, "results": [], "errors": [], "clocksource": None,
           "interrupts": None, "ready": False, "done": False}
    for line in text.replace("\r", "").splitlines():
        if not line.startswith("vsw: "):
            continue
        word, _, rest = line[5:].partition(" ")
        if word == "features":
            dev, _, bits = rest.partition(" ")
            out["features"][dev] = features_int(bits.strip())
        elif word == "result":
            r = {}
            for kv in rest.split():
                k, _, v = kv.partition("=")
                r[k] = v if k == "sha256" else int(v)
            out["results"].append(r)
        elif word == "error":
            out["errors"].append(rest)
        elif word == "clocksource":
            out["clocksource"] = rest.strip()
        elif word == "interrupts" and rest.strip().isdigit():
            out["interrupts"] = int(rest)
        elif word == "ready":
            out["ready"] = True
        elif word == "done":
            out["done"] = True
    return out


def expected(nbytes, seed):
    """(length, sha256) of the stream vswtcp sends: Python's
    random.Random(seed), as tests/guest/vswtcp.c says."""
    data = random.Random(seed).getrandbits(8 * nbytes).to_bytes(
        nbytes, "little") if nbytes else b""
    return len(data), hashlib.sha256(data).hexdigest()


def missing_offloads(features):
    """The names of OFFLOADS that @p features lacks."""
    return [n for n, b in OFFLOADS.items() if not features >> b & 1]


def offloads_present(features):
    """The names of OFFLOADS that @p features has."""
    return [n for n, b in OFFLOADS.items() if features >> b & 1]
