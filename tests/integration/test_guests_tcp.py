#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two real guests exchange a TCP stream through the switch: QEMU (TCG
here) with Debian's cloud kernel and its virtio-net driver, from
scripts/guest-image (built once, then cached).

vuswitch (learn mode) has two server ports. Guest A sends NBYTES of a
deterministic pseudo-random stream (tests/guest/vswtcp) over TCP to guest
B, which prints the length and SHA-256 of what it got; this test computes
both from the seed on its own side and compares them. Then:

  - offloads on (the default): each guest negotiated CSUM, GUEST_CSUM,
    HOST_TSO4 and GUEST_TSO4 (and mergeable RX buffers), as its own
    /sys/bus/virtio/devices/*/features says and as the switch saw them;
    the switch's port counters show frames larger than 1514 bytes crossed
    both ways (A's TSO frames in, to B unsegmented), with no bad-offload
    or malformed drops;
  - --no-offload: none of those features, every frame at most 1514 bytes,
    the stream still intact.

Skips (77) only when the guest image cannot be built for want of
packages or network, saying why.
"""
import sys
import time

import harness as h
from vswbench import guests as g

NBYTES = 32 * g.MIB
SEED = 20261130
MAC_A, MAC_B = "02:00:00:00:0a:01", "02:00:00:00:0a:02"
IP_A, IP_B = "10.0.0.1", "10.0.0.2"
GUESTS_S = 180         # bound for both guests to boot, transfer, power off
MAX_FRAME = 1514       # the guests' MTU 1500, plus the Ethernet header
NO_DROPS = ("bad_offload", "malformed")


class Guest(h.Proc):
    """A QEMU guest; its console is its output."""

    def console(self):
        return g.parse_console(self.output())


def watch(sw, guests, timeout):
    """Wait for the guests to power off. Returns the last telemetry of
    each switch port taken while it was running (negotiated features)."""
    seen = {}
    end = time.monotonic() + timeout
    while any(q.alive() for q in guests):
        if time.monotonic() > end:
            raise h.TestFailure("guests still running after %d s" % timeout)
        for p in (0, 1):
            st = sw.port(p)
            if st["state"] == "running":
                seen[p] = st
        time.sleep(0.3)
    return seen


def run_pair(env, img, tag, args):
    """Switch, guest B (receives, hashes), guest A (sends). Returns
    (A's console, B's console, ports while running, ports at the end)."""
    socks = [env.sock(tag + "-a"), env.sock(tag + "-b")]
    sw = h.Switch(env, socks, args=["--mode", "learn"] + g.switch_args() +
                  args, name="vuswitch-" + tag)
    mem = g.memory_mb("send", NBYTES)
    b = Guest(env, tag + "-guest-b", g.qemu_argv(
        img, socks[1], MAC_B, g.params("recv", IP_B + "/24", nbytes=NBYTES,
                                       hashed=True), mem, cpu=0))
    a = Guest(env, tag + "-guest-a", g.qemu_argv(
        img, socks[0], MAC_A, g.params("send", IP_A + "/24", IP_B, NBYTES,
                                       SEED), mem, cpu=0))
    t0 = time.monotonic()
    seen = watch(sw, (a, b), GUESTS_S)
    h.log("%s: guests done in %.1f s" % (tag, time.monotonic() - t0))
    ends = [sw.port(0), sw.port(1)]
    h.check(sw.stop() == 0, "%s: switch exits 0" % tag)
    h.check(sorted(seen) == [0, 1], "%s: both ports were running" % tag)
    return a.console(), b.console(), seen, ends


def check_stream(tag, ca, cb, want):
    for name, c in (("A", ca), ("B", cb)):
        h.check(c["done"] and not c["errors"], "%s: guest %s ran to its end "
                "without errors (%s)" % (tag, name, c["errors"]))
    h.check([r.get("sent") for r in ca["results"]] == [NBYTES],
            "%s: A sent %d bytes (%s)" % (tag, NBYTES, ca["results"]))
    rb = cb["results"]
    h.check(len(rb) == 1 and rb[0].get("received") == want[0],
            "%s: B received %d bytes (%s)" % (tag, want[0], rb))
    h.check(rb[0].get("sha256") == want[1], "%s: B's SHA-256 is the "
            "stream's: %s" % (tag, want[1]))
    usec = max(1, rb[0]["usec"])
    h.log("%s: %.1f Mbit/s by the guest's clock (%s)"
          % (tag, NBYTES * 8 / usec, cb["clocksource"]))


def check_features(tag, c, name, port, offload):
    """The offloads guest @p name negotiated, by its own account and by
    the switch's (@p port: its telemetry while running)."""
    feats = list(c["features"].values())
    h.check(len(feats) == 1, "%s: guest %s has one virtio-net device"
            % (tag, name))
    mine = g.offloads_present(feats[0])
    sws = g.offloads_present(port["features"])
    if offload:
        h.check(not g.missing_offloads(feats[0]), "%s: guest %s negotiated "
                "%s (missing %s)" % (tag, name, ", ".join(g.OFFLOADS),
                                     g.missing_offloads(feats[0])))
        h.check(feats[0] >> g.F_MRG_RXBUF & 1, "%s: guest %s negotiated "
                "mergeable RX buffers" % (tag, name))
        h.check(port["offloads"] != 0, "%s: the switch uses offloads on "
                "%s's port (0x%x)" % (tag, name, port["offloads"]))
    else:
        h.check(mine == [] and not feats[0] >> g.F_HOST_TSO6 & 1 and
                not feats[0] >> g.F_GUEST_TSO6 & 1,
                "%s: guest %s negotiated no offload (%s)" % (tag, name, mine))
        h.check(port["offloads"] == 0, "%s: no offload on %s's port"
                % (tag, name))
    h.check(sws == mine, "%s: the switch saw the same offloads on %s's "
            "port (%s)" % (tag, name, sws))


def check_frames(tag, ends, offload):
    """A's port received the stream, B's port sent it; their mean frame
    sizes say whether large frames crossed."""
    pa, pb = ends
    h.check(pa["rx_bytes"] >= NBYTES and pb["tx_bytes"] >= NBYTES,
            "%s: the stream crossed the switch (%d bytes in, %d out)"
            % (tag, pa["rx_bytes"], pb["tx_bytes"]))
    mean_in = pa["rx_bytes"] / max(1, pa["rx_packets"])
    mean_out = pb["tx_bytes"] / max(1, pb["tx_packets"])
    if offload:
        h.check(mean_in > MAX_FRAME and mean_out > MAX_FRAME,
                "%s: frames larger than %d bytes crossed (mean %.0f in "
                "from A, %.0f out to B)" % (tag, MAX_FRAME, mean_in,
                                            mean_out))
    else:
        h.check(mean_in <= MAX_FRAME and mean_out <= MAX_FRAME,
                "%s: no frame larger than %d bytes (mean %.0f in, %.0f "
                "out)" % (tag, MAX_FRAME, mean_in, mean_out))
    for p, st in enumerate(ends):
        h.check(h.drops(st, NO_DROPS) == 0, "%s: port %d: no bad-offload or "
                "malformed drops" % (tag, p))


def body(env, img):
    want = g.expected(NBYTES, SEED)
    for tag, args, offload in (("offload", [], True),
                               ("no-offload", ["--no-offload"], False)):
        ca, cb, seen, ends = run_pair(env, img, tag, args)
        check_stream(tag, ca, cb, want)
        check_features(tag, ca, "A", seen[0], offload)
        check_features(tag, cb, "B", seen[1], offload)
        check_frames(tag, ends, offload)


if __name__ == "__main__":
    try:
        image = g.image()
    except g.GuestSkip as e:
        print("SKIP: %s" % e, flush=True)
        sys.exit(h.SKIP)
    if g.qemu_binary() is None:
        print("SKIP: no qemu-system-x86_64", flush=True)
        sys.exit(h.SKIP)
    h.main("guests-tcp", lambda env: body(env, image), need=("vuswitch",))
