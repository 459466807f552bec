# SPDX-License-Identifier: BSD-3-Clause
"""The deck of hostile scenarios: what a compromised front-end sends.

Each scenario is a function scenario(rng, atk): everything it does
follows from rng (a random.Random of the round's seed), so one seed
replays the same messages, descriptors and choices (not the same
timing). atk is an Attack: the attacker's socket and tools (hostile_world
has the rest of the world). A scenario sets atk.variant to what it chose
and may stop early: the back-end closing the connection, or not
answering, ends it (the runner notes it); that is a correct answer to
most of what these send.

The classes follow the failure classes of issue 8:
  msg_table    the whole message table: bad sizes, flags, fds, orders
  mem_table    memory tables: bad fds, offsets, sizes (class 3)
  ring_order   vring setup in wrong orders, bad sizes (class 1)
  inflight     INFLIGHT messages never negotiated (class 2)
  postcopy     POSTCOPY messages never offered (class 5)
  log_base     SET_LOG_BASE past the end of its fd (class 3)
  remap        SET_MEM_TABLE that cannot be mapped, on a running
               device (class 4)
  descriptors  descriptor abuse on live rings
  partial      a message that never completes (class 6)
  disconnect   disconnects at any point, mid-message too
"""

import fcntl
import os
import socket
import struct
import time

import vhu_fe as fe
from vhu_fe import (GPA_BASE, PAGE, RX, TX, UVA_BASE, DESC_F_INDIRECT,
                    DESC_F_NEXT, DESC_F_WRITE, u64, vring_state, mem_table)

REPLY_ACK = 1 << fe.PF_REPLY_ACK
FD_KINDS = ("pipe", "eventfd", "socket", "devnull", "dir")
# Most a GET_INFLIGHT_FD of ours may ask the switch to allocate: enough to
# see it happen, not enough to hurt the machine.
INFLIGHT_CAP = 64 << 20
U32S = (0, 1, 2, 3, 7, 128, 255, 256, 257, 1024, 32767, 32768, 32769,
        65535, 65536, 0x7fffffff, 0xffffffff)
U64S = U32S + (GPA_BASE, UVA_BASE, 1 << 32, 1 << 47, 1 << 63, 2 ** 64 - 1,
               2 ** 64 - PAGE)
VRING_IDX = (0, 1, 2, 3, 255, 256, 0xffff, 0xffffffff)


class Attack:
    """The attacker's side of a round. Everything opened through it is
    closed by close(), at the end of the round."""

    def __init__(self, world, rng):
        self.world, self.rng = world, rng
        self.path = world.socks[world.PORT_X]
        self.variant = ""
        self.notes = []
        self.violations = []
        self._conns, self._fds = [], []

    def pick(self, choices):
        self.variant = self.rng.choice(choices)
        return self.variant

    def note(self, text):
        self.notes.append(text)

    def accepted(self, what):
        """The switch served a request it must refuse (issue 8: what was
        not offered or negotiated); a failure of its own kind."""
        self.violations.append(what)

    def conn(self, timeout=2.0):
        c = fe.Conn(self.path, timeout)
        self._conns.append(c)
        return c

    def frontend(self, ring_size=256):
        f = fe.Frontend(self.path, ring_size, timeout=2.0)
        self._conns.append(f)
        return f

    def started(self, protocol=REPLY_ACK, features=None):
        """A front-end with both rings running, traffic passed once."""
        f = self.frontend()
        f.start(protocol, features)
        self.world.wait_running(self.world.PORT_X, 2.0)
        self.pump(f, 0.05)
        return f

    def fd(self, kind, size=PAGE):
        fd, keep = fe.fd_of_kind(kind, size)
        self._fds += [fd] + keep
        return fd

    def memfd(self, size):
        return self.fd("memfd", size)

    def keep(self, fds):
        """Close these fds (the switch sent them) at the end."""
        self._fds += fds

    def pipe(self):
        """(read end, write end), both closed at the end of the round."""
        r, w = os.pipe()
        self._fds += [r, w]
        return r, w

    def pump(self, f, seconds=0.2, tx=True):
        """Traffic through the attacker's rings for a while: it sends
        junk towards the probe, the probe sends junk towards it."""
        junk = self.world.junk_frame()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if tx:
                f.tx([junk] * 8)
            f.rx()
            self.world.poke(8)
            self.world.drain_probe()
            time.sleep(0.002)

    def hold(self, seconds):
        time.sleep(seconds)

    def close(self):
        """Close everything, once (an fd number closed twice could be
        someone else's by then)."""
        conns, fds = self._conns, self._fds
        self._conns, self._fds = [], []
        for c in conns:
            try:
                c.close()
            except OSError:
                pass
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass


def ack(f, req, payload=b"", fds=()):
    """Send req with NEED_REPLY; its ack (0 = accepted)."""
    f.send(req, payload, need_reply=True, fds=fds)
    return f.reply_u64(req)


# --- the whole message table -------------------------------------------

def rand_u(rng, values, bits):
    return rng.choice(values) if rng.random() < 0.8 else rng.getrandbits(bits)


def rand_addr(rng, f):
    ring = f.rings[rng.choice((RX, TX))]
    return rng.choice((ring.addr("desc"), ring.addr("avail"),
                       ring.addr("used"), 0, UVA_BASE + f.mem.size,
                       UVA_BASE - PAGE, rng.getrandbits(64)))


def rand_region(rng, f):
    return (rand_u(rng, U64S + (GPA_BASE,) * 4, 64),
            rand_u(rng, U64S + (f.mem.size,) * 4, 64),
            rand_u(rng, U64S + (UVA_BASE,) * 4, 64),
            rand_u(rng, (0, 0, 0, 1, PAGE, f.mem.size, 2 ** 64 - PAGE), 64))


def structured_payload(rng, req, f):
    """A payload shaped like req's, with values from the edges."""
    if req in (fe.SET_VRING_NUM, fe.SET_VRING_BASE, fe.GET_VRING_BASE,
               fe.SET_VRING_ENABLE, fe.SET_VRING_ENDIAN):
        return vring_state(rng.choice(VRING_IDX), rand_u(rng, U32S, 32))
    if req in (fe.SET_VRING_KICK, fe.SET_VRING_CALL, fe.SET_VRING_ERR):
        return u64(rng.choice(VRING_IDX) | rng.choice((0, fe.VRING_NOFD)))
    if req == fe.SET_VRING_ADDR:
        return fe.VRING_ADDR.pack(rng.choice(VRING_IDX), rng.choice((0, 1)),
                                  rand_addr(rng, f), rand_addr(rng, f),
                                  rand_addr(rng, f), rand_addr(rng, f))
    if req in (fe.SET_MEM_TABLE,):
        regions = [rand_region(rng, f) for _ in range(rng.randint(0, 9))]
        return mem_table(regions, rand_u(rng, (len(regions),) * 5 + U32S,
                                         32))
    if req in (fe.ADD_MEM_REG, fe.REM_MEM_REG):
        return u64(0) + fe.mem_region(*rand_region(rng, f))
    if req == fe.SET_LOG_BASE:
        return fe.LOG.pack(rand_u(rng, U64S, 64), rand_u(rng, U64S, 64))
    if req in (fe.GET_INFLIGHT_FD, fe.SET_INFLIGHT_FD):
        return fe.INFLIGHT.pack(rand_u(rng, U64S, 64), rand_u(rng, U64S, 64),
                                rand_u(rng, U32S, 16) & 0xffff,
                                rand_u(rng, U32S, 16) & 0xffff)
    if req == fe.IOTLB_MSG:
        return struct.pack("<QQQBB6x", rand_u(rng, U64S, 64),
                           rand_u(rng, U64S, 64), rand_addr(rng, f),
                           rng.randint(0, 4), rng.randint(0, 5))
    if req in (fe.GET_CONFIG, fe.SET_CONFIG):
        n = rng.choice((0, 4, 8, 256, 300))
        return struct.pack("<III", rand_u(rng, U32S, 32), n & 0xffffffff,
                           rng.getrandbits(32)) + rng.randbytes(min(n, 256))
    return u64(rand_u(rng, U64S, 64))


def defuse(req, payload):
    """Cap what a GET_INFLIGHT_FD asks the switch to allocate (and
    memset): tens of GiB would take the machine down, not just the
    switch. The cap still shows whether a never-negotiated request is
    served."""
    if req != fe.GET_INFLIGHT_FD or len(payload) < 20:
        return payload
    size, off, nq, qs = struct.unpack_from("<QQHH", payload)
    while nq * (40 * qs + 128) > INFLIGHT_CAP:
        if nq > qs:
            nq //= 2
        else:
            qs //= 2
    return struct.pack("<QQHH", size, off, nq, qs) + payload[20:]


FLAGS = (fe.VERSION,) * 6 + (fe.VERSION | fe.FLAG_NEED_REPLY,) * 3 + (
    0, 2, 3, fe.VERSION | fe.FLAG_REPLY,
    fe.VERSION | fe.FLAG_REPLY | fe.FLAG_NEED_REPLY)
SIZES = (0, 1, 4, 7, 8, 12, 16, 20, 24, 40, 264, 265, 300, 1024)


def random_message(rng, atk, f):
    """(request, flags, payload, fds, size) anywhere in the table."""
    if rng.random() < 0.9:
        req = rng.randrange(0, fe.REQUEST_MAX + 2)
    else:
        req = rng.choice((0xff, 0x100, 0xffffffff, rng.getrandbits(32)))
    if rng.random() < 0.75:
        payload = structured_payload(rng, req, f)
    else:
        payload = rng.randbytes(rng.choice(SIZES))
    payload = defuse(req, payload)
    if f.protocol & REPLY_ACK and rng.random() < 0.7:
        # An error with NEED_REPLY is acked, not a disconnect: deeper.
        flags = fe.VERSION | fe.FLAG_NEED_REPLY
    elif rng.random() < 0.9:
        flags = rng.choice(FLAGS)
    else:
        flags = rng.getrandbits(32)
    size = len(payload) if rng.random() < 0.85 else \
        rng.randint(0, len(payload))
    fds = []
    if rng.random() < 0.25:
        kinds = FD_KINDS + ("memfd",) * 3
        fds = [atk.fd(rng.choice(kinds)) for _ in range(rng.randint(1, 10))]
    return req, flags, payload, fds, size


def msg_table_conn(rng, atk, stage):
    """A front-end at the given stage: fresh, negotiated or running."""
    f = atk.frontend()
    if stage == "negotiated":
        f.negotiate(REPLY_ACK)
    elif stage == "running":
        f.start()
        atk.pump(f, 0.05)
    return f


def scn_msg_table(rng, atk):
    """The whole message table with bad sizes, flags, fds and orders.

    Any request id (unknown ones too), a payload shaped like the
    request's with edge values or random bytes, any flags (no version,
    REPLY set; NEED_REPLY mostly, where REPLY_ACK is negotiated, so that
    an error is acked and the sequence goes on), up to 10 fds of any
    kind on any message, and a header size that may be shorter than what
    follows (the rest is read as the next header), never longer (that is
    `partial`). On a fresh connection, a negotiated one, or a running
    device; when the switch closes the connection, up to three more."""
    stage = atk.pick(("fresh", "negotiated", "running"))
    for _ in range(4):
        f = msg_table_conn(rng, atk, stage)
        for k in range(rng.randint(4, 24)):
            req, flags, payload, fds, size = random_message(rng, atk, f)
            atk.note("%d/%#x/%d%s" % (req, flags, size,
                                      "+%dfd" % len(fds) if fds else ""))
            f.send(req, payload, flags=flags, fds=fds, size=size)
            time.sleep(0.002)
            if not f.drain():
                atk.note("closed by the switch")
                break
            if stage == "running" and rng.random() < 0.3:
                atk.pump(f, 0.05)
        else:
            break
    if stage == "running":
        atk.pump(f, 0.1)


# --- memory tables -------------------------------------------------------

def bad_region_table(rng, atk, f, v):
    """(table payload, fds) for mem_table variant v."""
    m = f.mem
    gpa, size, uva = m.gpa, m.size, m.uva
    if v == "bad-fd":
        return mem_table([m.region()]), [atk.fd(rng.choice(FD_KINDS))]
    if v == "short-memfd":
        short = rng.choice((0, PAGE, size // 2))
        return mem_table([m.region()]), [atk.memfd(short)]
    if v == "past-eof":
        extra = PAGE * rng.choice((1, 16, 4096))
        return mem_table([(gpa, size + extra, uva, 0)]), [m.fd]
    if v == "offset":
        off = rng.choice((PAGE, 1, size - PAGE, size, 1 << 40))
        return mem_table([(gpa, size, uva, off)]), [m.fd]
    if v == "overflow":
        region = rng.choice(((gpa, 2 * PAGE, uva, 2 ** 64 - PAGE),
                             (2 ** 64 - PAGE, size, uva, 0),
                             (gpa, size, 2 ** 64 - PAGE, 0),
                             (gpa, 2 ** 64 - PAGE, uva, 0)))
        return mem_table([region]), [m.fd]
    if v == "count":
        n, nfds = rng.choice(((9, 1), (0, 1), (2, 1), (1, 2), (8, 8)))
        return mem_table([m.region()] * min(n, 8), n), [m.fd] * nfds
    if v == "overlap":
        other = atk.memfd(rng.choice((0, PAGE, size)))
        return mem_table([m.region(), (gpa + PAGE, size, uva + PAGE, 0)]), \
            [m.fd, other]
    size = rng.choice((1 << 40, 1 << 46, 2 ** 63))
    return mem_table([(gpa, size, uva, 0)]), [m.fd]


def point_past_eof(atk, f, n=8):
    """Make TX and RX descriptors point past the end of the memfd (a
    region declared larger than its file puts them there)."""
    end = f.gpa(f.mem.size)
    for i in range(n):
        f.rings[TX].set_desc(i, end + i * 2048, 60)
        f.rings[TX].put(i)
        f.rings[RX].set_desc(i, end + (n + i) * 2048, 2048, DESC_F_WRITE)
        f.rings[RX].put(i)
    for r in f.rings:
        r.publish()
        r.notify()


def scn_mem_table(rng, atk):
    """SET_MEM_TABLE with bad fds, offsets and sizes (failure class 3).

    fds that cannot be mapped (pipe, eventfd, socket, /dev/null, a
    directory), a memfd smaller than offset + size, a region declared
    past the end of its file, offsets and sizes that overflow or are
    huge, region counts that do not match the fds, overlapping regions.
    Most rounds then start the rings in that memory and pass traffic:
    a mapping past the end of its file only faults when it is touched."""
    f = atk.frontend()
    f.negotiate(REPLY_ACK)
    f.post_rx()
    v = atk.pick(("bad-fd", "short-memfd", "past-eof", "offset",
                  "overflow", "count", "overlap", "huge"))
    table, fds = bad_region_table(rng, atk, f, v)
    atk.note("ack %d" % ack(f, fe.SET_MEM_TABLE, table, fds))
    if rng.random() < 0.3:
        return
    f.send_all(f.setup_messages()[1:])
    f.fence()
    if v in ("past-eof", "huge", "overlap"):
        point_past_eof(atk, f)
    atk.pump(f, 0.3)


# --- vring setup order -----------------------------------------------------

BAD_NUMS = (0, 3, 100, 255, 257, 1000, 32769, 65536, 0xffffffff)


def scn_ring_order(rng, atk):
    """Vring setup in wrong orders and with bad sizes (failure class 1).

    After GET_VRING_BASE (which stops a ring and frees its shadow ring),
    restart it without SET_VRING_NUM, or after a SET_VRING_NUM that is
    not a power of two or is too large (acked as an error, but stored);
    change a live ring's size; set a ring up before the memory table;
    jump its base; give it addresses outside memory; use vring indexes
    past the two rings; give it a call fd that can block (a full pipe or
    socket) with interrupts requested."""
    f = atk.started()
    ring = rng.choice((RX, TX))
    v = atk.pick(("restart-no-num", "num-invalid-restart",
                  "num-invalid-live", "num-resize-live", "base-jump",
                  "addr-bad", "high-index", "callfd-full",
                  "before-mem"))
    f = RING_VARIANTS[v](rng, atk, f, ring) or f
    f.fence()
    atk.pump(f, 0.3)


def ring_restart_no_num(rng, atk, f, ring):
    base = f.get_vring_base(ring)
    f.setup_ring(ring, base or 0, num=False)
    f.enable(ring)


def ring_num_invalid_restart(rng, atk, f, ring):
    base = f.get_vring_base(ring)
    num = rng.choice(BAD_NUMS)
    atk.note("num %d ack %d" % (num, ack(f, fe.SET_VRING_NUM,
                                          vring_state(ring, num))))
    f.setup_ring(ring, base or 0, num=False)
    f.enable(ring)


def ring_num_invalid_live(rng, atk, f, ring):
    num = rng.choice(BAD_NUMS)
    atk.note("num %d ack %d" % (num, ack(f, fe.SET_VRING_NUM,
                                          vring_state(ring, num))))


def ring_num_resize_live(rng, atk, f, ring):
    num = rng.choice((1, 2, 64, 1024, 32768))
    atk.note("num %d ack %d" % (num, ack(f, fe.SET_VRING_NUM,
                                          vring_state(ring, num))))


def ring_base_jump(rng, atk, f, ring):
    f.get_vring_base(ring)
    f.setup_ring(ring, rng.getrandbits(16))
    f.enable(ring)


def ring_addr_bad(rng, atk, f, ring):
    f.get_vring_base(ring)
    r = f.rings[ring]
    addrs = [r.addr("desc"), r.addr("used"), r.addr("avail")]
    k = rng.randrange(3)
    addrs[k] = rng.choice((0, UVA_BASE - PAGE, UVA_BASE + f.mem.size - 8,
                           UVA_BASE + 1, 2 ** 64 - 8))
    f.setup_ring(ring)
    f.send(fe.SET_VRING_ADDR, fe.VRING_ADDR.pack(ring, 0, *addrs, 0))
    f.enable(ring)


def ring_high_index(rng, atk, f, ring):
    idx = rng.choice((2, 3, 100, 255))
    for req, payload in ((fe.SET_VRING_NUM, vring_state(idx, 256)),
                         (fe.SET_VRING_ENABLE, vring_state(idx, 1)),
                         (fe.SET_VRING_BASE, vring_state(idx, 5)),
                         (fe.GET_VRING_BASE, vring_state(idx, 0)),
                         (fe.SET_VRING_CALL, u64(idx | fe.VRING_NOFD))):
        if rng.random() < 0.7:
            f.send(req, payload)
    f.drain()


def full_fd(rng, atk):
    """A pipe's or a socket's write end that is already full: the next
    8-byte write to it blocks (the switch gets it as a call fd). Closing
    the other end later makes that write fail with EPIPE (and SIGPIPE)."""
    if rng.random() < 0.5:
        _, w = atk.pipe()
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, PAGE)
        os.write(w, bytes(PAGE))
        return w, "pipe"
    fd = atk.fd("socket")
    s = socket.socket(fileno=fd)
    s.setblocking(False)
    try:
        while True:
            s.send(bytes(256))
    except BlockingIOError:
        pass
    s.setblocking(True)
    s.detach()
    return fd, "socket"


def ring_callfd_full(rng, atk, f, ring):
    fd, kind = full_fd(rng, atk)
    atk.variant += "-" + kind
    f.send(fe.SET_VRING_CALL, u64(ring), fds=[fd])
    for r in f.rings:
        r.set_avail_flags(0)   # interrupts wanted
    atk.pump(f, 0.6)


def ring_before_mem(rng, atk, f, ring):
    """A new connection that sets its rings up (all but their addresses,
    which need memory) and enables them before the memory table."""
    f.close()
    g = atk.frontend()
    g.negotiate(REPLY_ACK)
    g.post_rx()
    msgs = g.setup_messages()
    early = [m for m in msgs[1:] if m[0] != fe.SET_VRING_ADDR]
    g.send_all(early)
    g.send_all(msgs[:1])
    g.send_all([m for m in msgs if m[0] == fe.SET_VRING_ADDR])
    return g


RING_VARIANTS = {
    "restart-no-num": ring_restart_no_num,
    "num-invalid-restart": ring_num_invalid_restart,
    "num-invalid-live": ring_num_invalid_live,
    "num-resize-live": ring_num_resize_live,
    "base-jump": ring_base_jump,
    "addr-bad": ring_addr_bad,
    "high-index": ring_high_index,
    "callfd-full": ring_callfd_full,
    "before-mem": ring_before_mem,
}


# --- INFLIGHT, POSTCOPY, log ------------------------------------------

def scn_inflight(rng, atk):
    """INFLIGHT messages, never negotiated (failure class 2).

    GET_INFLIGHT_FD asking for a big area (capped here at 64 MiB: the
    switch allocates and clears whatever is asked), SET_INFLIGHT_FD with
    a memfd smaller than its offset plus size, or an fd that cannot be
    mapped, before or after the rings run."""
    running = rng.random() < 0.5
    if running:
        f = atk.started()
    else:
        f = atk.frontend()
        f.negotiate(REPLY_ACK)
    v = atk.pick(("get-big", "set-short", "set-bad-fd", "get-then-set"))
    if v in ("get-big", "get-then-set"):
        nq, qs = rng.choice(((2, 32768), (64, 4096), (1024, 1024)))
        payload = defuse(fe.GET_INFLIGHT_FD, fe.INFLIGHT.pack(0, 0, nq, qs))
        f.send(fe.GET_INFLIGHT_FD, payload)
        body, fds = f.reply(fe.GET_INFLIGHT_FD)
        atk.keep(fds)
        atk.note("served: %d bytes, %d fd" % (len(body), len(fds)))
        if fds:
            atk.accepted("GET_INFLIGHT_FD served (INFLIGHT_SHMFD was never "
                         "negotiated)")
    if v != "get-big":
        fd = atk.fd(rng.choice(FD_KINDS)) if v == "set-bad-fd" else \
            atk.memfd(rng.choice((0, PAGE)))
        off = rng.choice((0, PAGE, 1 << 20))
        payload = fe.INFLIGHT.pack(PAGE * rng.choice((1, 4, 64)), off,
                                   rng.choice((1, 2)), 256)
        f.send(fe.SET_INFLIGHT_FD, payload, fds=[fd])
    f.fence()
    if running:
        atk.pump(f, 0.2)


def postcopy_listen(f, atk):
    """ADVISE (the switch answers with a userfaultfd), then LISTEN."""
    f.send(fe.POSTCOPY_ADVISE)
    body, fds = f.reply(fe.POSTCOPY_ADVISE)
    atk.keep(fds)
    atk.note("advise answered with %d fd" % len(fds))
    if fds:
        atk.accepted("POSTCOPY_ADVISE served with a userfaultfd (PAGEFAULT "
                     "was never offered)")
    f.send(fe.POSTCOPY_LISTEN)


def scn_postcopy(rng, atk):
    """POSTCOPY messages, though the feature was never offered (class 5).

    ADVISE alone; ADVISE, LISTEN, then a memory table: the switch sends
    the table back and waits for an ack; withheld (the control thread
    blocks), or given, after which the regions are registered with a
    userfaultfd nobody serves, and the first touch of a page not yet in
    the memfd (the used ring, an RX buffer) blocks that thread for good.
    END without ADVISE; LISTEN after the table."""
    f = atk.frontend()
    f.negotiate(REPLY_ACK)
    f.post_rx()
    v = atk.pick(("advise", "listen-noack", "listen-ack-run", "end-alone",
                  "listen-late"))
    if v == "advise":
        f.send(fe.POSTCOPY_ADVISE)
    elif v in ("listen-noack", "listen-ack-run"):
        postcopy_listen(f, atk)
        msgs = f.setup_messages()
        f.send_all(msgs[:1])
        body, _ = f.reply(fe.SET_MEM_TABLE)
        atk.note("table sent back (%d bytes)" % len(body))
        if v == "listen-noack":
            atk.hold(atk.world.bounds.hold)
            return
        f.send(fe.SET_MEM_TABLE)
        f.send_all(msgs[1:])
    elif v == "end-alone":
        f.send(fe.POSTCOPY_END)
    else:
        f.send_all(f.setup_messages())
        f.send(fe.POSTCOPY_LISTEN)
    f.fence()
    atk.pump(f, 0.3, tx=False)


def scn_log_base(rng, atk):
    """SET_LOG_BASE past the end of its fd (failure class 3).

    With VHOST_F_LOG_ALL negotiated (dirty logging, as in a live
    migration) the switch writes a dirty bit for every page it touches,
    into the log the front-end gave it: here a memfd of 0 or 4096 bytes
    mapped as 1 MiB or more, or at an offset past its end. Also fds that
    cannot be mapped and sizes that overflow."""
    feats = (1 << fe.F_VERSION_1) | (1 << fe.F_LOG_ALL)
    f = atk.started(REPLY_ACK | (1 << fe.PF_LOG_SHMFD), feats)
    v = atk.pick(("short", "past-offset", "huge", "bad-fd", "overflow"))
    size, off = 1 << 20, 0
    fd = None
    if v == "past-offset":
        off = PAGE * 16
    elif v == "huge":
        size = 1 << 40
    elif v == "bad-fd":
        fd = atk.fd(rng.choice(FD_KINDS))
    elif v == "overflow":
        size, off = 2 ** 64 - PAGE, 2 * PAGE
    if fd is None:
        fd = atk.memfd(rng.choice((0, PAGE)))
    f.send(fe.SET_LOG_BASE, fe.LOG.pack(size, off), fds=[fd])
    f.fence()
    atk.pump(f, 0.4)


# --- remap, descriptors --------------------------------------------------

def scn_remap(rng, atk):
    """A memory table that cannot be mapped, on a running device (class
    4): the old mapping is gone before the new one fails, and the rings
    still point into it. Also a valid remap (a second region added), which
    a healthy switch must take while forwarding."""
    f = atk.started()
    atk.pump(f, 0.1)
    v = atk.pick(("bad-fd", "huge", "overflow", "valid"))
    m = f.mem
    if v == "bad-fd":
        table = mem_table([(m.gpa, m.size + PAGE, m.uva, 0)])
        fds = [atk.fd(rng.choice(FD_KINDS))]
    elif v == "huge":
        table = mem_table([(m.gpa, 1 << 47, m.uva, 0)])
        fds = [m.fd]
    elif v == "overflow":
        table = mem_table([(m.gpa, m.size, m.uva, 2 ** 64 - PAGE)])
        fds = [m.fd]
    else:
        extra = (m.gpa + (1 << 30), PAGE * 16, m.uva + (1 << 30), 0)
        table = mem_table([m.region(), extra])
        fds = [m.fd, atk.memfd(PAGE * 16)]
    atk.note("ack %d" % ack(f, fe.SET_MEM_TABLE, table, fds))
    atk.pump(f, 0.4)


def abuse_tx(rng, f, kind):
    """Write one abusive TX descriptor (chain) and make it available."""
    tx, n = f.rings[TX], f.n
    i = rng.randrange(n)
    ok = f.gpa(f.buf(TX, i))
    if kind == "outside":
        tx.set_desc(i, rng.choice((0, GPA_BASE - PAGE, f.gpa(f.mem.size),
                                   2 ** 64 - 16, 1 << 63)), 64)
    elif kind == "len-zero":
        tx.set_desc(i, ok, 0)
    elif kind == "len-huge":
        tx.set_desc(i, ok, rng.choice((0xffffffff, f.mem.size, 1 << 16)))
    elif kind == "loop":
        j = rng.randrange(n)
        tx.set_desc(i, ok, 64, DESC_F_NEXT, j)
        tx.set_desc(j, ok, 64, DESC_F_NEXT, i)
    elif kind == "next-oob":
        tx.set_desc(i, ok, 64, DESC_F_NEXT, n + rng.randrange(1, 1000))
    elif kind == "long-chain":
        for k in range(n):
            tx.set_desc(k, ok, rng.choice((0, 1)), DESC_F_NEXT, (k + 1) % n)
    elif kind == "indirect":
        abuse_indirect(rng, f, i)
    tx.put(i)


def abuse_indirect(rng, f, i):
    """An indirect table of a few bad entries, itself maybe bad."""
    tx = f.rings[TX]
    table = f.buf(TX, (i + 1) % f.n)
    entries = rng.choice(((f.gpa(f.mem.size), 64, 0, 0),
                          (f.gpa(table), 16, DESC_F_INDIRECT, 0),
                          (f.gpa(table), 64, DESC_F_NEXT, 0),
                          (f.gpa(table), 0, 0, 0)))
    for k in range(4):
        fe.DESC.pack_into(f.mem.mm, table + 16 * k, *entries)
    length = rng.choice((64, 16, 0, 7, 0xfffffff0))
    addr = rng.choice((f.gpa(table),) * 3 + (0, f.gpa(f.mem.size)))
    tx.set_desc(i, addr, length, DESC_F_INDIRECT)


def abuse_rx(rng, f, kind):
    """One abusive RX descriptor: read-only, outside, tiny or looping."""
    rx, n = f.rings[RX], f.n
    i = rng.randrange(n)
    ok = f.gpa(f.buf(RX, i))
    if kind == "rx-readonly":
        rx.set_desc(i, ok, 2048, 0)
    elif kind == "rx-outside":
        rx.set_desc(i, rng.choice((0, f.gpa(f.mem.size), 2 ** 64 - 16)),
                    2048, DESC_F_WRITE)
    elif kind == "rx-tiny":
        rx.set_desc(i, ok, rng.randrange(12), DESC_F_WRITE)
    else:
        rx.set_desc(i, ok, 8, DESC_F_WRITE | DESC_F_NEXT, i)
    rx.put(i)


DESC_KINDS = ("outside", "len-zero", "len-huge", "loop", "next-oob",
              "long-chain", "indirect", "avail-jump", "avail-id-oob",
              "rx-readonly", "rx-outside", "rx-tiny", "rx-loop",
              "rx-avail-jump")


def abuse_one(rng, f, kind):
    if kind in ("avail-jump", "rx-avail-jump"):
        r = f.rings[RX if kind.startswith("rx") else TX]
        r.avail_idx = (r.avail_idx + rng.randint(f.n + 1, 65535)) & 0xffff
    elif kind == "avail-id-oob":
        f.rings[TX].put(f.n + rng.randrange(0, 65535 - f.n))
    elif kind.startswith("rx-"):
        abuse_rx(rng, f, kind)
    else:
        abuse_tx(rng, f, kind)
    for r in f.rings:
        r.publish()
        r.notify()


def scn_descriptors(rng, atk):
    """Descriptor abuse on live rings, TX and RX.

    Addresses outside guest memory, zero and huge lengths, chains that
    loop or name a descriptor past the ring, a chain through the whole
    ring, indirect tables that are outside, nested, misaligned or empty
    (with INDIRECT_DESC negotiated in half the rounds), avail index jumps
    past the ring size and avail entries past it; RX descriptors that
    are read-only, outside, too short for the header, or looping."""
    feats = (1 << fe.F_VERSION_1)
    if rng.random() < 0.5:
        feats |= 1 << fe.F_INDIRECT_DESC
    f = atk.started(features=feats)
    kinds = [rng.choice(DESC_KINDS) for _ in range(rng.randint(1, 6))]
    atk.variant = "+".join(sorted(set(kinds)))
    for kind in kinds:
        abuse_one(rng, f, kind)
        atk.pump(f, 0.08, tx=rng.random() < 0.5)
    atk.pump(f, 0.2, tx=False)


# --- partial messages, disconnects -------------------------------------

PARTIAL_MSGS = ((fe.SET_FEATURES, 8), (fe.SET_VRING_NUM, 8),
                (fe.SET_MEM_TABLE, 40), (fe.SET_VRING_ADDR, 40),
                (fe.SET_PROTOCOL_FEATURES, 8), (fe.GET_VRING_BASE, 8))


def scn_partial(rng, atk):
    """A partial message (failure class 6): a header promising a payload
    that never comes (or comes in part, or half a header), held open
    while the probe times its own control messages; then a mid-message
    disconnect, or the rest of the message after all."""
    v = atk.pick(("header-only", "part-payload", "part-header"))
    stage = rng.choice(("fresh", "negotiated", "running"))
    atk.variant += "/" + stage
    f = atk.started() if stage == "running" else atk.frontend()
    if stage == "negotiated":
        f.negotiate(REPLY_ACK)
    req, size = rng.choice(PARTIAL_MSGS)
    payload = u64(1 << fe.F_VERSION_1) if size == 8 else bytes(size)
    whole = fe.HDR.pack(req, fe.VERSION, size) + payload
    cut = {"header-only": fe.HDR.size,
           "part-payload": fe.HDR.size + rng.randrange(1, size),
           "part-header": rng.randrange(1, fe.HDR.size)}[v]
    f.send_raw(whole[:cut])
    atk.hold(atk.world.bounds.hold)
    if rng.random() < 0.3:
        atk.note("rest sent")
        f.send_raw(whole[cut:])
        f.drain()
    else:
        atk.note("disconnect mid-message")


def scn_disconnect(rng, atk):
    """Disconnects at any point: bursts of connect-and-close, a close
    after any step of the setup, a close with traffic flowing, before
    reading a reply, half-closed, reset (RST), mid-message, and a second
    front-end on a port that has one."""
    v = atk.pick(("burst", "mid-setup", "running", "before-reply",
                  "half-close", "reset", "mid-message", "second"))
    if v == "burst":
        for _ in range(rng.randint(2, 20)):
            atk.conn().close()
        return
    f = atk.started() if v in ("running", "second") else atk.frontend()
    if v == "mid-setup":
        f.negotiate(REPLY_ACK)
        msgs = f.setup_messages()
        f.send_all(msgs[:rng.randrange(len(msgs))])
    elif v == "running":
        atk.pump(f, rng.choice((0.05, 0.3)))
    elif v == "before-reply":
        f.send(rng.choice((fe.GET_FEATURES, fe.GET_PROTOCOL_FEATURES,
                           fe.GET_VRING_BASE)), vring_state(0, 0))
    elif v == "half-close":
        f.s.shutdown(socket.SHUT_WR)
        atk.hold(0.3)
    elif v == "reset":
        f.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                       struct.pack("ii", 1, 0))
    elif v == "mid-message":
        f.send_raw(fe.HDR.pack(fe.SET_MEM_TABLE, fe.VERSION, 40) + bytes(9))
    else:
        c = atk.conn()
        c.send(fe.GET_FEATURES)
        atk.note("second front-end %s" % (
            "closed" if c.closed_by_peer(1.0) else "kept"))
        atk.pump(f, 0.1)


DECK = {
    "msg_table": scn_msg_table,
    "mem_table": scn_mem_table,
    "ring_order": scn_ring_order,
    "inflight": scn_inflight,
    "postcopy": scn_postcopy,
    "log_base": scn_log_base,
    "remap": scn_remap,
    "descriptors": scn_descriptors,
    "partial": scn_partial,
    "disconnect": scn_disconnect,
}
