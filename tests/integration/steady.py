# SPDX-License-Identifier: BSD-3-Clause
"""The steady pair of the hostile run: two front-ends that stream
sequence-numbered frames at each other through the switch, and account
for every one of them.

Each frame carries its direction, round and sequence number, and a
payload and length that follow from them, so the receiver rebuilds the
exact frame it should get and compares it byte for byte. Per round and
direction it counts frames sent, received intact, corrupted (or
unrecognisable) and duplicated; lost = sent - received intact. The
sender keeps at most `window` frames in flight, less than the
receiver's RX ring, so a healthy switch never has a reason to drop one.

Thread safety: one Steady thread drives both front-ends' rings; begin()
and end() are called from another thread and take its lock.
"""

import collections
import random
import struct
import threading
import time

ETH_TYPE = 0x88B5          # IEEE local experimental
MAGIC = b"VSWH"
TAG = struct.Struct("<BIIH")  # direction, round, seq, payload length
HDR_LEN = 14 + len(MAGIC) + TAG.size
MAX_POLL_GAP = 0.25
PATTERN = bytes(random.Random(0x5EED).getrandbits(8) for _ in range(2048))


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def frame(dst, src, d, rnd, seq):
    """The frame number seq of direction d in round rnd: 64 to ~1500
    bytes, every byte determined by (d, rnd, seq)."""
    plen = 32 + (seq * 61 + rnd * 7) % 1440
    start = (seq * 7 + d * 101 + rnd) % 509
    return (dst + src + struct.pack("!H", ETH_TYPE) + MAGIC +
            TAG.pack(d, rnd, seq, plen) + PATTERN[start:start + plen])


class Stream:
    """One direction: tx front-end -> switch -> rx front-end."""

    def __init__(self, d, tx, rx, src, dst, window):
        self.d, self.tx, self.rx = d, tx, rx
        self.src, self.dst = mac(src), mac(dst)
        self.window = window
        self.seq = 0
        self.reset(0)

    def reset(self, rnd):
        self.rnd = rnd
        self.sent = 0
        self.first = self.seq
        self.got = collections.Counter()
        self.corrupt = 0
        self.late = 0
        self.last_poll = time.monotonic()
        self.waiting = 0.0
        self.gap = 0.0

    def account_wait(self, arrived):
        """Time spent polling in vain while frames were in flight. Only
        time this thread actually polled counts (at most MAX_POLL_GAP
        per poll), so a thread the machine did not schedule for a while
        does not see a stall that the switch did not cause."""
        now = time.monotonic()
        dt = min(now - self.last_poll, MAX_POLL_GAP)
        self.last_poll = now
        if arrived:
            self.gap = max(self.gap, self.waiting)
            self.waiting = 0.0
        elif self.inflight() > 0:
            self.waiting += dt

    def inflight(self):
        return self.sent - len(self.got)

    def check(self, f):
        """Account for one received frame."""
        if f is None or len(f) < HDR_LEN or f[12:18] != struct.pack(
                "!H", ETH_TYPE) + MAGIC:
            self.corrupt += 1
            return
        d, rnd, seq, _ = TAG.unpack_from(f, 18)
        if d != self.d or rnd > self.rnd or f != frame(self.dst, self.src,
                                                       d, rnd, seq):
            self.corrupt += 1
        elif rnd < self.rnd:
            self.late += 1
        elif not self.first <= seq < self.first + self.sent:
            self.corrupt += 1
        else:
            self.got[seq] += 1

    def step(self, sending):
        """Receive what arrived, send more if allowed; True if busy."""
        frames = self.rx.rx()
        self.account_wait(bool(frames))
        for f in frames:
            self.check(f)
        room = min(self.window - self.inflight(), 16) if sending else 0
        if room <= 0:
            return bool(frames)
        batch = [frame(self.dst, self.src, self.d, self.rnd, self.seq + i)
                 for i in range(room)]
        n = self.tx.tx(batch)
        self.seq += n
        self.sent += n
        return bool(frames) or n > 0

    def report(self):
        dup = sum(c - 1 for c in self.got.values())
        return {"dir": self.d, "sent": self.sent, "ok": len(self.got),
                "lost": self.sent - len(self.got), "corrupt": self.corrupt,
                "dup": dup, "late": self.late}


class Steady(threading.Thread):
    """Both directions of the steady pair, in a background thread."""

    def __init__(self, a, b, mac_a, mac_b, window=96):
        super().__init__(name="steady", daemon=True)
        self.streams = [Stream(0, a, b, mac_a, mac_b, window),
                        Stream(1, b, a, mac_b, mac_a, window)]
        self.lock = threading.Lock()
        self.sending = False
        self.quit = False

    def run(self):
        while not self.quit:
            with self.lock:
                busy = False
                for s in self.streams:
                    busy = s.step(self.sending) or busy
            time.sleep(0 if busy else 0.0005)

    def begin(self, rnd):
        """Start round rnd: new counters, frames tagged rnd."""
        with self.lock:
            for s in self.streams:
                s.reset(rnd)
            self.sending = True

    def sent(self):
        """Frames sent this round, per direction."""
        with self.lock:
            return [s.sent for s in self.streams]

    def wait_more(self, n, timeout):
        """Wait (bounded) until each direction has sent n more frames
        than now: proof that the data path moves at this moment."""
        base = self.sent()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(now >= b + n for now, b in zip(self.sent(), base)):
                return True
            time.sleep(0.01)
        return False

    def gap(self):
        """The longest time this round that frames were in flight and
        none arrived (the current wait included): a data-plane stall."""
        with self.lock:
            return max(max(s.gap, s.waiting) for s in self.streams)

    def end(self, drain):
        """Stop sending; wait up to drain seconds for every frame of the
        round. Returns one report per direction."""
        with self.lock:
            self.sending = False
        deadline = time.monotonic() + drain
        while time.monotonic() < deadline:
            with self.lock:
                if all(s.inflight() <= 0 for s in self.streams):
                    break
            time.sleep(0.01)
        with self.lock:
            return [s.report() for s in self.streams]

    def stop(self):
        self.quit = True
        if self.is_alive():
            self.join(5)
