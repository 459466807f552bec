#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Idle front-ends for the bench's idle-ports phase: one process holding many
vhost-user connections, each negotiated, with guest memory mapped and
both rings set up and enabled, sending nothing.

The front-ends listen (the switch's ports are client=1 ports, which take
one entry of rte_vhost's fdset each, where a server port takes two) and
are tests/integration/vhu_fe.py's Frontend on the accepted socket.

Protocol, one line each way:
  stdin  "listen PATH"  listen on PATH (a new socket); answers "ok PATH"
         or "error PATH WHY"
  stdout "up PATH T0 T1"  the switch connected to PATH at monotonic T0
         and the front-end had set up both rings (and the switch had
         answered a GET_FEATURES after that) at T1
  stdout "fail PATH WHY"  the switch connected but the set-up failed
EOF on stdin (or SIGTERM): close everything and exit 0.
"""

import os
import resource
import selectors
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), "tests", "integration"))

import vhu_fe  # noqa: E402

FDS_PER_PORT = 8   # listener, connection, memfd, 4 eventfds, and spare
RING_SIZE = 256


class AcceptedFrontend(vhu_fe.Frontend):
    """vhu_fe.Frontend on a connection the switch made to us."""

    def __init__(self, sock, ring_size=RING_SIZE, timeout=10.0):
        self._sock = sock
        super().__init__(None, ring_size, timeout)

    def connect_control(self, path, timeout):
        self.s = self._sock
        self.timeout = timeout
        self.s.settimeout(timeout)


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def on_command(sel, line):
    cmd, _, path = line.strip().partition(" ")
    if cmd != "listen" or not path:
        say("error %s unknown command" % (path or "-"))
        return
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(4)
    except OSError as e:
        say("error %s %s" % (path, e.strerror))
        return
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, path)
    say("ok " + path)


def on_connect(sel, lsock, path, fes):
    """The switch connected: set the front-end up, stop listening."""
    try:
        conn, _ = lsock.accept()
    except BlockingIOError:
        return
    t0 = time.monotonic()
    sel.unregister(lsock)
    lsock.close()
    conn.setblocking(True)
    try:
        fe = AcceptedFrontend(conn)
        fe.start()
    except (vhu_fe.FrontendError, OSError) as e:
        conn.close()
        say("fail %s %s" % (path, str(e).replace("\n", " ")))
        return
    fes.append(fe)
    say("up %s %.6f %.6f" % (path, t0, time.monotonic()))


def main():
    raise_fd_limit(FDS_PER_PORT * 1100 + 64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sel = selectors.DefaultSelector()
    sel.register(0, selectors.EVENT_READ, None)
    fes, buf = [], b""
    try:
        while True:
            for key, _ in sel.select():
                if key.data is not None:
                    on_connect(sel, key.fileobj, key.data, fes)
                    continue
                data = os.read(0, 65536)
                if not data:
                    return 0
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    on_command(sel, line.decode(errors="replace"))
    finally:
        for fe in fes:
            fe.close()


if __name__ == "__main__":
    sys.exit(main())
