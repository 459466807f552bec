# SPDX-License-Identifier: BSD-3-Clause
"""A vhost-user front-end in Python (stdlib only), with real rings.

Two layers:

- Conn: the control socket. Send any message (request id, flags, size,
  payload and file descriptors all chosen freely, a size that does not
  match the payload included) and read replies with their fds.
- Frontend: a well-behaved front-end on top of it. Guest memory is one
  memfd, laid out here: two split virtqueues (RX = vring 0, the device
  writes it; TX = vring 1, the device reads it), each with its descriptor
  table, avail ring and used ring on their own pages, then the frame
  buffers. It negotiates features, sends SET_MEM_TABLE and the vring
  setup, transmits frames behind a 12-byte virtio-net header (VERSION_1)
  and receives frames. Everything it writes into guest memory it can also
  write wrongly on purpose (Ring.set_desc, Ring.set_avail_idx).

The protocol numbers are written out here on purpose, not read from
lib/vhu/vsw_vhu.h: a wrong number on either side then fails a test.
Nothing here is thread-safe; one thread drives one Conn.
"""

import mmap
import os
import select
import socket
import struct
import time

# Front-end request ids (vhost-user specification; 41/42: SUSPEND draft).
GET_FEATURES = 1
SET_FEATURES = 2
SET_OWNER = 3
RESET_OWNER = 4
SET_MEM_TABLE = 5
SET_LOG_BASE = 6
SET_LOG_FD = 7
SET_VRING_NUM = 8
SET_VRING_ADDR = 9
SET_VRING_BASE = 10
GET_VRING_BASE = 11
SET_VRING_KICK = 12
SET_VRING_CALL = 13
SET_VRING_ERR = 14
GET_PROTOCOL_FEATURES = 15
SET_PROTOCOL_FEATURES = 16
GET_QUEUE_NUM = 17
SET_VRING_ENABLE = 18
SEND_RARP = 19
NET_SET_MTU = 20
SET_BACKEND_REQ_FD = 21
IOTLB_MSG = 22
SET_VRING_ENDIAN = 23
GET_CONFIG = 24
SET_CONFIG = 25
CREATE_CRYPTO_SESSION = 26
CLOSE_CRYPTO_SESSION = 27
POSTCOPY_ADVISE = 28
POSTCOPY_LISTEN = 29
POSTCOPY_END = 30
GET_INFLIGHT_FD = 31
SET_INFLIGHT_FD = 32
GPU_SET_SOCKET = 33
RESET_DEVICE = 34
VRING_KICK = 35
GET_MAX_MEM_SLOTS = 36
ADD_MEM_REG = 37
REM_MEM_REG = 38
SET_STATUS = 39
GET_STATUS = 40
SUSPEND = 41
RESUME = 42
REQUEST_MAX = 43

# Header flags.
VERSION = 0x1
VERSION_MASK = 0x3
FLAG_REPLY = 0x4
FLAG_NEED_REPLY = 0x8

# Virtio feature bits.
F_CSUM = 0
F_GUEST_CSUM = 1
F_GSO = 6
F_GUEST_TSO4 = 7
F_GUEST_TSO6 = 8
F_GUEST_ECN = 9
F_GUEST_UFO = 10
F_HOST_TSO4 = 11
F_HOST_TSO6 = 12
F_HOST_ECN = 13
F_HOST_UFO = 14
F_MRG_RXBUF = 15
F_LOG_ALL = 26
F_INDIRECT_DESC = 28
F_EVENT_IDX = 29
F_PROTOCOL_FEATURES = 30
F_VERSION_1 = 32
F_RING_PACKED = 34

# Protocol feature bits.
PF_MQ = 0
PF_LOG_SHMFD = 1
PF_RARP = 2
PF_REPLY_ACK = 3
PF_MTU = 4
PF_BACKEND_REQ = 5
PF_PAGEFAULT = 8
PF_CONFIG = 9
PF_INFLIGHT_SHMFD = 12
PF_STATUS = 16
PF_SUSPEND = 18

HDR = struct.Struct("<III")          # request, flags, size
VRING_STATE = struct.Struct("<II")   # index, num
VRING_ADDR = struct.Struct("<IIQQQQ")  # index, flags, desc, used, avail, log
MEM_REGION = struct.Struct("<QQQQ")  # gpa, size, uva, mmap offset
LOG = struct.Struct("<QQ")           # mmap size, mmap offset
INFLIGHT = struct.Struct("<QQHH4x")  # size, offset, queues, queue size
U64 = struct.Struct("<Q")
MAX_FDS = 8
MAX_REGIONS = 8
VRING_NOFD = 1 << 8

# Split virtqueue layout (virtio 1.x, 2.7).
DESC = struct.Struct("<QIHH")        # addr, len, flags, next
DESC_F_NEXT = 1
DESC_F_WRITE = 2
DESC_F_INDIRECT = 4
AVAIL_F_NO_INTERRUPT = 1
NET_HDR_LEN = 12                     # virtio_net_hdr_v1 (VERSION_1)
# flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers
NET_HDR = struct.Struct("<BBHHHHH")
HDR_F_NEEDS_CSUM = 1
GSO_NONE, GSO_TCPV4, GSO_UDP, GSO_TCPV6, GSO_ECN = 0, 1, 3, 4, 0x80
PAGE = 4096

RX, TX = 0, 1
BUF_SIZE = 2048
GPA_BASE = 0x40000000                # where guest memory starts (1 GiB)
UVA_BASE = 0x7e0000000000            # the front-end's "virtual" address


class FrontendError(Exception):
    """The back-end did something a front-end cannot go on with."""


class BackendClosed(FrontendError):
    """The back-end closed the connection."""


class FrontendTimeout(FrontendError):
    """No (complete) reply within the deadline."""


def net_hdr(flags=0, gso_type=GSO_NONE, hdr_len=0, gso_size=0,
            csum_start=0, csum_offset=0):
    """A virtio-net header (VERSION_1) with these fields."""
    return NET_HDR.pack(flags, gso_type, hdr_len, gso_size, csum_start,
                        csum_offset, 0)


def parse_net_hdr(b):
    """A virtio-net header's fields, as a dict."""
    keys = ("flags", "gso_type", "hdr_len", "gso_size", "csum_start",
            "csum_offset", "num_buffers")
    return dict(zip(keys, NET_HDR.unpack(b[:NET_HDR_LEN])))


def align(n, a=PAGE):
    return (n + a - 1) & ~(a - 1)


def u64(v):
    return U64.pack(v & (2 ** 64 - 1))


def vring_state(index, num):
    return VRING_STATE.pack(index & 0xffffffff, num & 0xffffffff)


def mem_region(gpa, size, uva, offset):
    m = 2 ** 64 - 1
    return MEM_REGION.pack(gpa & m, size & m, uva & m, offset & m)


def mem_table(regions, nregions=None):
    """SET_MEM_TABLE payload: [(gpa, size, uva, offset)], nregions as
    given or len(regions)."""
    n = len(regions) if nregions is None else nregions
    body = b"".join(mem_region(*r) for r in regions)
    return struct.pack("<II", n & 0xffffffff, 0) + body


class Conn:
    """A vhost-user control connection with raw access to the wire."""

    Error = FrontendError

    def __init__(self, path, timeout=5.0):
        self.connect_control(path, timeout)

    def connect_control(self, path, timeout):
        """Connect to the back-end's socket at path. A subclass may take
        a connection made otherwise instead (one it accepted from a
        back-end in client mode)."""
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.timeout = timeout
        self.s.settimeout(timeout)
        try:
            self.s.connect(path)
        except OSError:
            self.s.close()
            raise

    def send_raw(self, data, fds=()):
        """Write bytes (and fds with the first of them), nothing else."""
        try:
            n = socket.send_fds(self.s, [data], list(fds)) if fds else \
                self.s.send(data)
            if n < len(data):
                self.s.sendall(data[n:])
        except (BrokenPipeError, ConnectionResetError) as e:
            raise BackendClosed("send: %s" % e) from None
        except socket.timeout:
            raise FrontendTimeout("send timed out") from None

    def send(self, req, payload=b"", need_reply=False, flags=None, fds=(),
             size=None):
        """One message. flags defaults to version 1 (plus NEED_REPLY);
        size defaults to len(payload) and may lie."""
        if flags is None:
            flags = VERSION | (FLAG_NEED_REPLY if need_reply else 0)
        if size is None:
            size = len(payload)
        hdr = HDR.pack(req & 0xffffffff, flags & 0xffffffff,
                       size & 0xffffffff)
        self.send_raw(hdr + payload, fds)

    def _recv(self, n, deadline, fds):
        buf = b""
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FrontendTimeout("reply: %d of %d bytes" % (len(buf), n))
            self.s.settimeout(left)
            try:
                data, got, _, _ = socket.recv_fds(self.s, n - len(buf),
                                                  MAX_FDS)
            except socket.timeout:
                raise FrontendTimeout("reply: %d of %d bytes"
                                      % (len(buf), n)) from None
            except ConnectionResetError:
                data, got = b"", []
            finally:
                self.s.settimeout(self.timeout)
            fds.extend(got)
            if not data:
                raise BackendClosed("back-end closed the connection")
            buf += data
        return buf

    def recv_msg(self, timeout=None):
        """Read one message: (request, flags, payload, fds)."""
        deadline = time.monotonic() + (self.timeout if timeout is None
                                       else max(timeout, 0.001))
        fds = []
        req, flags, size = HDR.unpack(self._recv(HDR.size, deadline, fds))
        body = self._recv(size, deadline, fds) if size else b""
        return req, flags, body, fds

    def reply(self, req, timeout=None):
        """The reply to req: (payload, fds). Checks request and flags."""
        r, flags, body, fds = self.recv_msg(timeout)
        if r != req or not flags & FLAG_REPLY:
            for fd in fds:
                os.close(fd)
            raise self.Error("bad reply %d/%#x/%d to %d"
                             % (r, flags, len(body), req))
        return body, fds

    def reply_u64(self, req, timeout=None):
        body, fds = self.reply(req, timeout)
        for fd in fds:
            os.close(fd)
        if len(body) != 8:
            raise self.Error("reply to %d: %d bytes, not a u64"
                             % (req, len(body)))
        return U64.unpack(body)[0]

    def get_u64(self, req, timeout=None):
        self.send(req)
        return self.reply_u64(req, timeout)

    def request(self, req, payload=b"", fds=()):
        """Send req with NEED_REPLY; return (u64 ack, seconds)."""
        t0 = time.monotonic()
        self.send(req, payload, need_reply=True, fds=fds)
        return self.reply_u64(req), time.monotonic() - t0

    def negotiate(self, protocol_features, features=(1 << F_VERSION_1)):
        """GET/SET_FEATURES (features and PROTOCOL_FEATURES, as offered),
        GET/SET_PROTOCOL_FEATURES (protocol_features & offered), and
        SET_OWNER acked. Returns the offered protocol features."""
        feats = self.get_u64(GET_FEATURES)
        self.features = feats & (features | (1 << F_PROTOCOL_FEATURES))
        self.send(SET_FEATURES, u64(self.features))
        offered = self.get_u64(GET_PROTOCOL_FEATURES)
        self.protocol = offered & protocol_features
        self.send(SET_PROTOCOL_FEATURES, u64(self.protocol))
        self.offered, self.protocol_offered = feats, offered
        self.send(SET_OWNER, need_reply=True)
        if self.reply_u64(SET_OWNER) != 0:
            raise self.Error("SET_OWNER refused")
        return offered

    def drain(self):
        """Read and drop whatever the back-end sent; False once it has
        closed the connection."""
        while True:
            r, _, _ = select.select([self.s], [], [], 0)
            if not r:
                return True
            try:
                data, fds, _, _ = socket.recv_fds(self.s, 4096, MAX_FDS)
            except OSError:
                return False
            for fd in fds:
                os.close(fd)
            if not data:
                return False

    def closed_by_peer(self, timeout=0.0):
        """Whether the back-end has closed (EOF within timeout)."""
        end = time.monotonic() + timeout
        while True:
            if not self.drain():
                return True
            left = end - time.monotonic()
            if left <= 0:
                return False
            select.select([self.s], [], [], left)

    def close(self):
        self.s.close()


class Memory:
    """Guest memory: one memfd, mapped here, at GPA_BASE / UVA_BASE.

    u16 and u32 are views of it as arrays of aligned 16- and 32-bit
    words: an index assignment or read through them is one load or store
    (struct.pack_into writes a 16-bit ring index byte by byte, and the
    switch, polling on another CPU, can read it half written)."""

    def __init__(self, size, name="vhu-fe-guest"):
        # Whole pages: rte_vhost 24.11 refuses a region whose mapping
        # (rounded up to the page) would pass the end of its file.
        size = (size + PAGE - 1) // PAGE * PAGE
        self.size = size
        self.fd = os.memfd_create(name, os.MFD_CLOEXEC)
        os.ftruncate(self.fd, size)
        self.mm = mmap.mmap(self.fd, size)
        self.u16 = memoryview(self.mm).cast("H")
        self.u32 = memoryview(self.mm).cast("I")
        self.gpa = GPA_BASE
        self.uva = UVA_BASE

    def region(self):
        """This memory as a SET_MEM_TABLE region."""
        return (self.gpa, self.size, self.uva, 0)

    def close(self):
        self.u16.release()
        self.u32.release()
        self.mm.close()
        os.close(self.fd)


class Ring:
    """A split virtqueue of n entries at offset off of mem. Indexes the
    device reads or writes while running (avail idx, avail ring, used
    idx, used ring) go through mem.u16/u32: single aligned accesses, in
    program order (x86 keeps stores in order; so does this CPU's
    Python)."""

    def __init__(self, mem, off, n):
        self.mem, self.mm, self.n = mem, mem.mm, n
        self.desc = off
        self.avail = off + align(16 * n)
        self.used = self.avail + align(6 + 2 * n)
        self.end = self.used + align(6 + 8 * n)
        self.avail_idx = 0
        self.last_used = 0
        self.kick = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.call = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.set_avail_flags(AVAIL_F_NO_INTERRUPT)

    def addr(self, which):
        """A ring part's front-end virtual address."""
        return self.mem.uva + getattr(self, which)

    def set_desc(self, i, addr, length, flags=0, nxt=0):
        """Write descriptor i (before it is made available)."""
        DESC.pack_into(self.mm, self.desc + 16 * (i % self.n),
                       addr & (2 ** 64 - 1), length & 0xffffffff,
                       flags & 0xffff, nxt & 0xffff)

    def set_avail_flags(self, flags):
        self.mem.u16[self.avail // 2] = flags & 0xffff

    def put(self, desc_id):
        """Make descriptor (chain) desc_id available (not yet published)."""
        slot = self.avail // 2 + 2 + self.avail_idx % self.n
        self.mem.u16[slot] = desc_id & 0xffff
        self.avail_idx = (self.avail_idx + 1) & 0xffff

    def publish(self):
        self.set_avail_idx(self.avail_idx)

    def set_avail_idx(self, idx):
        """Write avail->idx: any value, for abuse too."""
        self.mem.u16[self.avail // 2 + 1] = idx & 0xffff

    def used_idx(self):
        return self.mem.u16[self.used // 2 + 1]

    def used_elem(self, k):
        w = self.used // 4 + 1 + 2 * (k % self.n)
        return self.mem.u32[w], self.mem.u32[w + 1]

    def pop_used(self):
        """Used entries not seen yet: [(id, len)]."""
        out = []
        end = self.used_idx()
        while self.last_used != end:
            out.append(self.used_elem(self.last_used))
            self.last_used = (self.last_used + 1) & 0xffff
        return out

    def notify(self):
        try:
            os.eventfd_write(self.kick, 1)
        except OSError:
            pass

    def close(self):
        os.close(self.kick)
        os.close(self.call)


class Frontend(Conn):
    """A well-behaved front-end: guest memory, two rings, TX and RX.

    Descriptor i of a ring always points at buffer i of that ring
    (buf_size bytes, default BUF_SIZE, after the rings). RX descriptors go back to the
    device as soon as their frame is copied out; TX descriptors come
    from a free list and return to it when the device has used them.
    Only one thread may use its rings."""

    buf_size = BUF_SIZE

    def __init__(self, path, ring_size=256, timeout=5.0, buf_size=BUF_SIZE):
        super().__init__(path, timeout)
        self.n = ring_size
        self.buf_size = buf_size
        per_ring = align(16 * ring_size) + align(6 + 2 * ring_size) + \
            align(6 + 8 * ring_size)
        self.buf_off = 2 * per_ring
        self.mem = Memory(self.buf_off + 2 * ring_size * buf_size)
        self.rings = [Ring(self.mem, 0, ring_size),
                      Ring(self.mem, per_ring, ring_size)]
        self.tx_free = list(range(ring_size))
        self.protocol = 0

    def buf(self, ring, i):
        """Offset of buffer i of ring (RX or TX) in guest memory."""
        return self.buf_off + (ring * self.n + i) * self.buf_size

    def gpa(self, off):
        return self.mem.gpa + off

    def ring_messages(self, idx, base=0, num=None):
        """SET_VRING_NUM, BASE, ADDR, KICK, CALL of one ring (no enable),
        as [(request, payload, fds)]. num=None: the ring's size; False:
        no SET_VRING_NUM at all."""
        r = self.rings[idx]
        msgs = []
        if num is not False:
            msgs.append((SET_VRING_NUM, vring_state(idx, r.n if num is None
                                                    else num), []))
        msgs += [
            (SET_VRING_BASE, vring_state(idx, base), []),
            (SET_VRING_ADDR, VRING_ADDR.pack(idx, 0, r.addr("desc"),
                                             r.addr("used"),
                                             r.addr("avail"), 0), []),
            (SET_VRING_KICK, u64(idx), [r.kick]),
            (SET_VRING_CALL, u64(idx), [r.call])]
        return msgs

    def setup_messages(self):
        """What start() sends after negotiating: SET_MEM_TABLE, both
        rings' setup, both SET_VRING_ENABLEs."""
        msgs = [(SET_MEM_TABLE, mem_table([self.mem.region()]),
                 [self.mem.fd])]
        for i in (RX, TX):
            msgs += self.ring_messages(i)
        return msgs + [(SET_VRING_ENABLE, vring_state(i, 1), [])
                       for i in (RX, TX)]

    def send_all(self, msgs):
        for req, payload, fds in msgs:
            self.send(req, payload, fds=fds)

    def setup_ring(self, idx, base=0, num=None):
        self.send_all(self.ring_messages(idx, base, num))

    def enable(self, idx, on=True):
        self.send(SET_VRING_ENABLE, vring_state(idx, 1 if on else 0))

    def get_vring_base(self, idx):
        """GET_VRING_BASE (stops the ring); the base the device returns."""
        self.send(GET_VRING_BASE, vring_state(idx, 0))
        body, fds = self.reply(GET_VRING_BASE)
        for fd in fds:
            os.close(fd)
        return VRING_STATE.unpack(body)[1] if len(body) == 8 else None

    def fence(self, timeout=None):
        """Wait until the back-end has handled everything sent so far:
        messages are handled in order, so until a GET_FEATURES is
        answered. Replies to earlier requests that nobody read are
        dropped on the way."""
        self.send(GET_FEATURES)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            req, flags, body, fds = self.recv_msg(deadline -
                                                  time.monotonic())
            for fd in fds:
                os.close(fd)
            if req == GET_FEATURES and flags & FLAG_REPLY:
                return

    def post_rx(self):
        """Give the device every RX buffer (device-writable)."""
        rx = self.rings[RX]
        for i in range(self.n):
            rx.set_desc(i, self.gpa(self.buf(RX, i)), self.buf_size,
                        DESC_F_WRITE)
            rx.put(i)
        rx.publish()

    def start(self, protocol=(1 << PF_REPLY_ACK), features=None):
        """Negotiate, map memory, set up and enable both rings."""
        kw = {} if features is None else {"features": features}
        self.negotiate(protocol, **kw)
        self.post_rx()
        self.send_all(self.setup_messages())
        self.fence()

    def reap_tx(self):
        for desc_id, _ in self.rings[TX].pop_used():
            if desc_id < self.n:
                self.tx_free.append(desc_id)

    def tx(self, frames, kick=True):
        """Post frames (bytes, Ethernet header onwards, behind a zero
        virtio-net header; or (header, frame) pairs) on TX; returns how
        many were posted (the ring may be full)."""
        self.reap_tx()
        tx, n = self.rings[TX], 0
        for f in frames:
            if not self.tx_free:
                break
            i = self.tx_free.pop()
            off = self.buf(TX, i)
            data = f[0] + f[1] if isinstance(f, tuple) else \
                bytes(NET_HDR_LEN) + f
            self.mem.mm[off:off + len(data)] = data
            tx.set_desc(i, self.gpa(off), len(data))
            tx.put(i)
            n += 1
        if n:
            tx.publish()
            if kick:
                tx.notify()
        return n

    def rx(self, limit=None, with_hdr=False):
        """Frames the device wrote (Ethernet header onwards; with_hdr:
        (virtio-net header, frame) pairs); their buffers go back to the
        device."""
        rx, out = self.rings[RX], []
        for desc_id, length in rx.pop_used():
            if desc_id >= self.n or length < NET_HDR_LEN or \
                    length > self.buf_size:
                out.append(None)   # a broken used entry: the caller counts it
                continue
            off = self.buf(RX, desc_id)
            frame = bytes(self.mem.mm[off + NET_HDR_LEN:off + length])
            out.append((bytes(self.mem.mm[off:off + NET_HDR_LEN]), frame)
                       if with_hdr else frame)
            rx.set_desc(desc_id, self.gpa(off), self.buf_size, DESC_F_WRITE)
            rx.put(desc_id)
            if limit is not None and len(out) >= limit:
                break
        if out:
            rx.publish()
        return out

    def close(self):
        """Close the connection, the eventfds and the memory; once."""
        super().close()
        rings, self.rings = self.rings, []
        for r in rings:
            r.close()
        if self.mem is not None:
            self.mem.close()
            self.mem = None


def fd_of_kind(kind, size=PAGE):
    """An fd of some kind, for memory tables and logs: 'memfd' (size
    bytes), 'pipe', 'eventfd', 'socket', 'devnull', 'dir'. The caller
    closes it; pipe and socket also return their other end in a list
    (keep = [fds to close])."""
    keep = []
    if kind == "memfd":
        fd = os.memfd_create("vhu-fe-" + kind, os.MFD_CLOEXEC)
        os.ftruncate(fd, size)
    elif kind == "pipe":
        fd, w = os.pipe()
        keep.append(w)
    elif kind == "eventfd":
        fd = os.eventfd(0, os.EFD_CLOEXEC)
    elif kind == "socket":
        a, b = socket.socketpair()
        fd = a.detach()
        keep.append(b.detach())
    elif kind == "devnull":
        fd = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    elif kind == "dir":
        fd = os.open("/", os.O_RDONLY | os.O_CLOEXEC)
    else:
        raise ValueError(kind)
    return fd, keep
