/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the vhost-user message firewall (lib/vport/vport_fw.c).
 *
 * One input is one connection: the features the port offers, a table of
 * fake file descriptors, then a sequence of messages. Each message goes
 * through vport_fw_check() as the pre-message hook does; a message that
 * passes is then "handled by rte_vhost", successfully or not (a bit of
 * the input decides), and vport_fw_done() runs only on success, as the
 * post-message hook does. No real descriptor is touched: the firewall's
 * fd inspector answers from the input's table.
 *
 * Next to the firewall the target keeps its own model of what rte_vhost
 * (22.11 and 24.11, lib/vhost/vhost_user.c) may have done with the
 * messages let through so far. It is written from the protocol and from
 * rte_vhost's handlers, not from vport_fw.c, and it is pessimistic: a
 * message that rte_vhost failed may have changed whatever its handler
 * changes before it can fail. After every message the target aborts when
 * one of these breaks (the names are what VSW_FUZZ_SKIP takes):
 *
 *   size      a message passed only with the size, fd count and
 *             negotiated protocol feature the protocol gives it, and
 *             never one vuswitch does not take (INFLIGHT, POSTCOPY, ...);
 *   beyond    the verdict and the firewall's state do not depend on
 *             payload bytes past the message's size (rte_vhost leaves
 *             them uninitialised): the message is checked twice, with
 *             those bytes zero and with the input's bytes;
 *   memlive   SET_MEM_TABLE never passes while a ring may be live (its
 *             addresses may be translated and it may be enabled);
 *   num       SET_VRING_ADDR and SET_VRING_KICK pass only for a vring
 *             with a valid SET_VRING_NUM handled since it was stopped;
 *   numfail   ... and only if the last SET_VRING_NUM let through did not
 *             fail (rte_vhost stores the new size and frees the ring's
 *             arrays before the allocation that can fail);
 *   numlive   SET_VRING_NUM never passes for a ring that was set up
 *             (SET_VRING_ADDR succeeded) since it was last stopped;
 *   memfail   no ring may be live while the last memory table failed to
 *             map;
 *   region    a memory table or log that passed lies inside its files,
 *             page-aligned, within the caps (checked without overflow);
 *   fdkind    fds passed are of the kind the message needs;
 *   values    features within what was offered, vring indexes, sizes,
 *             MTU, status, enable and vring-fd bits in range;
 *   entries   ring entries rte_vhost holds stay within the cap.
 *
 * Address and undefined-behaviour sanitizers catch the rest (reads out
 * of bounds, overflows). Set VSW_FUZZ_SKIP=name,name to stop checking
 * named invariants (to keep fuzzing past a known, reported bug), and
 * VSW_FUZZ_TRACE=1 to print each message and its verdict (to read what
 * a crashing input does: fuzz_vport_fw CRASH-FILE).
 *
 * Input format (integers little-endian; past its end the input reads as
 * zeros, so any input is valid; tests/fuzz/corpus.py writes seeds):
 *
 *   u64 offered          virtio features the port offers
 *   u64 offered_pf       protocol features it offers
 *   NB_FAKE_FDS x {      fake descriptor FAKE_FD_BASE + i
 *     u8  kind           % 5: enum vport_fw_fd_kind
 *     u8  blk            st_blksize: 255 -> 0, else 1 << (blk % 31)
 *     u64 size           st_size (masked to what off_t holds)
 *   }
 *   then, until the input ends (at most MAX_MSGS):
 *     u8 req             request id, % 48
 *     u8 flags           header flags
 *     u8 size            0: the protocol's size for the message;
 *                        255: a u16 follows (% 633); else size - 1
 *     u8 ctl             bits 0-3: fd count, 9-15: the protocol's count;
 *                        bit 4: rte_vhost fails the message
 *     u8 plen            payload bytes that follow (may exceed the size)
 *     plen bytes         the payload
 *     one u8 per fd      fake descriptor index (>= NB_FAKE_FDS: an fd the
 *                        inspector cannot describe)
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_vhost.h>

#include "fuzz.h"
#include "vport_fw.h"

#define NB_FAKE_FDS 6
#define FAKE_FD_BASE 100
#define MAX_MSGS 64
#define NB_REQ 48

#define PF(bit) (1ULL << (bit))

/* --- the fake fd inspector ------------------------------------------ */

static struct vport_fw_fd fake_fd[NB_FAKE_FDS];

static int
fake_fdinfo(int fd, struct vport_fw_fd *out)
{
	memset(out, 0, sizeof(*out));
	if (fd < FAKE_FD_BASE || fd >= FAKE_FD_BASE + NB_FAKE_FDS)
		return -1;
	*out = fake_fd[fd - FAKE_FD_BASE];
	return 0;
}

static const struct vport_fw_fd *
fake(int fd)
{
	if (fd < FAKE_FD_BASE || fd >= FAKE_FD_BASE + NB_FAKE_FDS)
		return NULL;
	return &fake_fd[fd - FAKE_FD_BASE];
}

/* --- what the protocol says each message carries ---------------------- */

enum fds_rule { FDS_NONE, FDS_ONE, FDS_VRING, FDS_REGIONS, FDS_ANY };

struct spec {
	bool taken;       /* vuswitch takes it (the rest must never pass) */
	uint16_t lo, hi;  /* payload size */
	enum fds_rule fds;
	int pf;           /* protocol feature it needs, or -1 */
};

#define TAKE(id, l, h, f, p) [VSW_VHU_ ## id] = { true, l, h, f, p }

static const struct spec spec[NB_REQ] = {
	TAKE(GET_FEATURES, 0, 0, FDS_NONE, -1),
	TAKE(SET_FEATURES, 8, 8, FDS_NONE, -1),
	TAKE(SET_OWNER, 0, 0, FDS_NONE, -1),
	TAKE(RESET_OWNER, 0, 0, FDS_NONE, -1),
	/* nregions, padding, then 32 bytes per region, one fd each */
	TAKE(SET_MEM_TABLE, 8 + 32, 8 + 8 * 32, FDS_REGIONS, -1),
	TAKE(SET_LOG_BASE, 16, 16, FDS_ONE, VHOST_USER_PROTOCOL_F_LOG_SHMFD),
	TAKE(SET_LOG_FD, 0, 8, FDS_ONE, -1),
	TAKE(SET_VRING_NUM, 8, 8, FDS_NONE, -1),
	TAKE(SET_VRING_ADDR, 40, 40, FDS_NONE, -1),
	TAKE(SET_VRING_BASE, 8, 8, FDS_NONE, -1),
	TAKE(GET_VRING_BASE, 8, 8, FDS_NONE, -1),
	TAKE(SET_VRING_KICK, 8, 8, FDS_VRING, -1),
	TAKE(SET_VRING_CALL, 8, 8, FDS_VRING, -1),
	TAKE(SET_VRING_ERR, 8, 8, FDS_VRING, -1),
	TAKE(GET_PROTOCOL_FEATURES, 0, 0, FDS_NONE, -1),
	TAKE(SET_PROTOCOL_FEATURES, 8, 8, FDS_NONE, -1),
	TAKE(GET_QUEUE_NUM, 0, 0, FDS_NONE, VHOST_USER_PROTOCOL_F_MQ),
	TAKE(SET_VRING_ENABLE, 8, 8, FDS_NONE, -1),
	TAKE(SEND_RARP, 8, 8, FDS_NONE, VHOST_USER_PROTOCOL_F_RARP),
	TAKE(NET_SET_MTU, 8, 8, FDS_NONE, VHOST_USER_PROTOCOL_F_NET_MTU),
	TAKE(SET_BACKEND_REQ_FD, 0, 0, FDS_ONE, 5 /* SLAVE/BACKEND_REQ */),
	TAKE(SET_STATUS, 8, 8, FDS_NONE, VHOST_USER_PROTOCOL_F_STATUS),
	TAKE(GET_STATUS, 0, 0, FDS_NONE, VHOST_USER_PROTOCOL_F_STATUS),
	/* the SUSPEND/RESUME handler checks these itself */
	TAKE(SUSPEND, 0, VPORT_DPDK_PAYLOAD_SIZE, FDS_ANY, -1),
	TAKE(RESUME, 0, VPORT_DPDK_PAYLOAD_SIZE, FDS_ANY, -1),
};

/* --- the model of rte_vhost's side ------------------------------------ */

struct shadow_vring {
	/* cleared when the ring stops (GET_VRING_BASE): */
	bool num_ok;    /* a SET_VRING_NUM since the stop succeeded */
	bool num_failed; /* the last SET_VRING_NUM let through failed */
	bool set_up;    /* SET_VRING_ADDR succeeded since the stop */
	bool addr_may;  /* addresses may be translated */
	/* kept: */
	bool on_may;    /* may be enabled */
	uint32_t held;  /* ring entries rte_vhost holds arrays for */
};

struct shadow {
	uint64_t pf;         /* protocol features surely negotiated */
	bool may_lack_pf;    /* features may lack PROTOCOL_FEATURES */
	bool mem_bad;        /* the last memory table may have failed */
	struct shadow_vring vr[VPORT_FW_VRINGS_MAX];
};

/* Invariants switched off by VSW_FUZZ_SKIP. */
static char skip_list[256];
/* VSW_FUZZ_TRACE: print every message and its verdict (to read a crash). */
static bool trace;

static bool
checking(const char *name)
{
	const char *p = skip_list;
	size_t n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == skip_list || p[-1] == ',') &&
				(p[n] == '\0' || p[n] == ','))
			return false;
		p += n;
	}
	return true;
}

#define CHECK(name, cond, ...) do { \
	if (checking(name)) \
		FZ_ASSERT(cond, "[" name "] " __VA_ARGS__); \
} while (0)

static bool
pow2_ring(uint32_t n)
{
	return n != 0 && n <= VSW_VHU_VRING_SIZE_MAX && (n & (n - 1)) == 0;
}

static uint32_t
vr_index(const struct vport_dpdk_msg *m)
{
	switch (m->request) {
	case VSW_VHU_SET_VRING_KICK:
	case VSW_VHU_SET_VRING_CALL:
	case VSW_VHU_SET_VRING_ERR:
		return (uint32_t)(m->payload.u64 & VSW_VHU_VRING_IDX_MASK);
	case VSW_VHU_SET_VRING_ADDR:
		return m->payload.addr.index;
	default:
		return m->payload.state.index;
	}
}

static bool
is_vring_msg(uint32_t req)
{
	return (req >= VSW_VHU_SET_VRING_NUM && req <= VSW_VHU_SET_VRING_ERR) ||
		req == VSW_VHU_SET_VRING_ENABLE;
}

static bool
any_live(const struct shadow *s)
{
	unsigned int i;

	for (i = 0; i < VPORT_FW_VRINGS_MAX; i++)
		if (s->vr[i].addr_may && s->vr[i].on_may)
			return true;
	return false;
}

static bool
fd_kind_is(int fd, enum vport_fw_fd_kind kind)
{
	const struct vport_fw_fd *f = fake(fd);

	return f != NULL && f->kind == kind;
}

/* A memory table that passed: each region inside its file, caps. */
static void
check_mem_table(const struct vport_dpdk_msg *m)
{
	struct vsw_vhu_mem_table t;
	unsigned __int128 pages = 0, total = 0;
	unsigned int i, j;

	memcpy(&t, m->payload.raw, sizeof(t));
	CHECK("region", t.nregions >= 1 &&
		t.nregions <= VSW_VHU_MAX_MEM_REGIONS,
		"%u regions", t.nregions);
	CHECK("size", m->size >= 8 + 32 * t.nregions,
		"%u bytes for %u regions", m->size, t.nregions);
	CHECK("size", m->fd_num == (int)t.nregions,
		"%d fds for %u regions", m->fd_num, t.nregions);
	for (i = 0; i < t.nregions; i++) {
		const struct vsw_vhu_mem_region *r = &t.regions[i];
		const struct vport_fw_fd *f = fake(m->fds[i]);
		unsigned __int128 end;

		CHECK("fdkind", f != NULL && f->kind == VPORT_FW_FD_FILE,
			"region %u fd %d not a file", i, m->fds[i]);
		end = (unsigned __int128)r->mmap_offset + r->memory_size;
		CHECK("region", r->memory_size > 0, "empty region %u", i);
		CHECK("region", end <= f->size,
			"region %u ends at %#llx past its file (%#llx)", i,
			(unsigned long long)end, (unsigned long long)f->size);
		CHECK("region", f->blksize != 0 &&
			r->mmap_offset % f->blksize == 0,
			"region %u offset %#llx, page %llu", i,
			(unsigned long long)r->mmap_offset,
			(unsigned long long)f->blksize);
		CHECK("region", (unsigned __int128)r->guest_phys_addr +
			r->memory_size <= UINT64_MAX &&
			(unsigned __int128)r->userspace_addr +
			r->memory_size <= UINT64_MAX,
			"region %u wraps", i);
		total += r->memory_size;
		pages += (r->memory_size + (unsigned __int128)f->blksize - 1) /
			f->blksize;
		for (j = 0; j < i; j++) {
			const struct vsw_vhu_mem_region *o = &t.regions[j];

			CHECK("region", (unsigned __int128)r->guest_phys_addr +
				r->memory_size <= o->guest_phys_addr ||
				(unsigned __int128)o->guest_phys_addr +
				o->memory_size <= r->guest_phys_addr,
				"regions %u and %u overlap", j, i);
		}
	}
	CHECK("region", total <= VPORT_FW_GUEST_MEM_MAX,
		"%#llx bytes of guest memory", (unsigned long long)total);
	CHECK("region", pages <= VPORT_FW_GUEST_PAGES_MAX,
		"%#llx guest pages", (unsigned long long)pages);
}

static void
check_log_base(const struct vport_dpdk_msg *m)
{
	struct vsw_vhu_log l;
	const struct vport_fw_fd *f = fake(m->fds[0]);

	memcpy(&l, m->payload.raw, sizeof(l));
	CHECK("fdkind", f != NULL && f->kind == VPORT_FW_FD_FILE,
		"log fd %d not a file", m->fds[0]);
	CHECK("region", l.mmap_size > 0 && l.mmap_size <= VPORT_FW_LOG_MAX,
		"log size %#llx", (unsigned long long)l.mmap_size);
	CHECK("region", (unsigned __int128)l.mmap_offset + l.mmap_size <=
		f->size, "log past the end of its file");
	CHECK("region", f->blksize != 0 && l.mmap_offset % f->blksize == 0,
		"log offset not page-aligned");
}

/* A ring is set up or started only with a size rte_vhost took. */
static void
check_num(const struct shadow *s, uint32_t idx)
{
	CHECK("num", s->vr[idx].num_ok,
		"vring %u set up without a valid size since it stopped", idx);
	CHECK("numfail", !s->vr[idx].num_failed,
		"vring %u set up after its last SET_VRING_NUM failed in "
		"rte_vhost (size stored, arrays freed)", idx);
}

/* A message passed: one vuswitch takes, as the protocol shapes it. */
static bool
check_shape(const struct shadow *s, const struct vport_dpdk_msg *m)
{
	const struct spec *sp = m->request < NB_REQ ? &spec[m->request] : NULL;
	uint64_t v = m->payload.u64;
	int want_fds;

	if (sp == NULL || !sp->taken) {
		CHECK("size", false, "message %u passed", m->request);
		return false;
	}
	CHECK("size", m->size >= sp->lo && m->size <= sp->hi,
		"%s with %u bytes", vport_fw_msg_name(m->request), m->size);
	CHECK("size", sp->pf < 0 || (s->pf & PF(sp->pf)),
		"%s without its protocol feature",
		vport_fw_msg_name(m->request));
	CHECK("size", (m->flags & VSW_VHU_VERSION_MASK) == VSW_VHU_VERSION &&
		!(m->flags & VSW_VHU_FLAG_REPLY) &&
		!(m->flags & ~(uint32_t)(VSW_VHU_VERSION_MASK |
			VSW_VHU_FLAG_NEED_REPLY)),
		"flags %#x", m->flags);
	switch (sp->fds) {
	case FDS_NONE:
		want_fds = 0;
		break;
	case FDS_ONE:
		want_fds = 1;
		break;
	case FDS_VRING:
		want_fds = (v & VSW_VHU_VRING_NOFD_MASK) ? 0 : 1;
		break;
	default:
		want_fds = m->fd_num;  /* checked below, or by the handler */
		break;
	}
	CHECK("size", m->fd_num == want_fds, "%s with %d fds",
		vport_fw_msg_name(m->request), m->fd_num);
	return true;
}

/* A vring message passed, for vring @p idx. */
static void
check_passed_vring(const struct shadow *s, const struct vport_dpdk_msg *m,
	uint32_t idx)
{
	uint64_t v = m->payload.u64;

	switch (m->request) {
	case VSW_VHU_SET_VRING_NUM:
		CHECK("values", pow2_ring(m->payload.state.num),
			"ring size %u", m->payload.state.num);
		CHECK("numlive", !s->vr[idx].set_up,
			"vring %u resized while set up", idx);
		break;
	case VSW_VHU_SET_VRING_KICK:
	case VSW_VHU_SET_VRING_CALL:
	case VSW_VHU_SET_VRING_ERR:
		CHECK("values", !(v & ~(uint64_t)(VSW_VHU_VRING_IDX_MASK |
			VSW_VHU_VRING_NOFD_MASK)), "vring fd payload %#llx",
			(unsigned long long)v);
		if (m->fd_num == 1)
			CHECK("fdkind", fd_kind_is(m->fds[0],
				VPORT_FW_FD_EVENTFD), "vring fd not an eventfd");
		if (m->request == VSW_VHU_SET_VRING_KICK)
			check_num(s, idx);
		break;
	case VSW_VHU_SET_VRING_ADDR:
		check_num(s, idx);
		break;
	case VSW_VHU_SET_VRING_ENABLE:
		CHECK("values", m->payload.state.num <= 1, "enable %u",
			m->payload.state.num);
		break;
	default:
		break;
	}
}

/* What must hold of a message the firewall let through. */
static void
check_passed(const struct vport_fw *fw, const struct shadow *s,
	const struct vport_dpdk_msg *m)
{
	uint32_t idx = vr_index(m);
	uint64_t v = m->payload.u64;

	if (!check_shape(s, m))
		return;
	if (is_vring_msg(m->request))
		CHECK("values", idx < VPORT_FW_VRINGS_MAX, "vring %u", idx);

	switch (m->request) {
	case VSW_VHU_SET_FEATURES:
		CHECK("values", !(v & ~fw->offered), "features %#llx",
			(unsigned long long)v);
		break;
	case VSW_VHU_SET_PROTOCOL_FEATURES:
		CHECK("values", !(v & ~fw->offered_pf), "protocol features "
			"%#llx", (unsigned long long)v);
		break;
	case VSW_VHU_SET_MEM_TABLE:
		CHECK("memlive", !any_live(s),
			"memory table changed under a live ring");
		check_mem_table(m);
		break;
	case VSW_VHU_SET_LOG_BASE:
		check_log_base(m);
		break;
	case VSW_VHU_SET_LOG_FD:
		CHECK("fdkind", fd_kind_is(m->fds[0], VPORT_FW_FD_EVENTFD),
			"log fd not an eventfd");
		break;
	case VSW_VHU_SET_BACKEND_REQ_FD:
		CHECK("fdkind", fd_kind_is(m->fds[0], VPORT_FW_FD_SOCKET),
			"back-end channel not a socket");
		break;
	case VSW_VHU_SET_VRING_NUM:
	case VSW_VHU_SET_VRING_KICK:
	case VSW_VHU_SET_VRING_CALL:
	case VSW_VHU_SET_VRING_ERR:
	case VSW_VHU_SET_VRING_ADDR:
	case VSW_VHU_SET_VRING_ENABLE:
		if (idx < VPORT_FW_VRINGS_MAX)
			check_passed_vring(s, m, idx);
		break;
	case VSW_VHU_NET_SET_MTU:
		CHECK("values", v >= VPORT_FW_MTU_MIN && v <= VPORT_FW_MTU_MAX,
			"MTU %llu", (unsigned long long)v);
		break;
	case VSW_VHU_SET_STATUS:
		CHECK("values", v <= UINT8_MAX, "status %#llx",
			(unsigned long long)v);
		break;
	default:
		break;
	}
}

/*
 * Record what rte_vhost may have done with a message let through:
 * everything its handler changes before it can fail happens even when
 * it fails (@p ok false). The handlers of RESET_OWNER and GET_VRING_BASE
 * have no error return: they always do all they do (the input may still
 * make the firewall believe they failed, which only makes it stricter).
 */
static void
shadow_note_vring(struct shadow_vring *vr, const struct shadow *s,
	const struct vport_dpdk_msg *m, bool ok)
{
	switch (m->request) {
	case VSW_VHU_SET_VRING_NUM:
		/* vq->size is stored first; the arrays are freed, then
		 * allocated again: a failure leaves them missing */
		vr->num_failed = !ok;
		if (ok) {
			vr->num_ok = true;
			vr->held = m->payload.state.num;
		}
		break;
	case VSW_VHU_GET_VRING_BASE:
		/* stops the ring: arrays freed, addresses invalidated */
		memset(vr, 0, offsetof(struct shadow_vring, on_may));
		vr->held = 0;
		break;
	case VSW_VHU_SET_VRING_ADDR:
		vr->addr_may = true;
		if (ok)
			vr->set_up = true;
		break;
	case VSW_VHU_SET_VRING_KICK:
		/* rte_vhost enables the ring before anything can fail */
		if (s->may_lack_pf)
			vr->on_may = true;
		break;
	case VSW_VHU_SET_VRING_ENABLE:
		if (m->payload.state.num != 0)
			vr->on_may = true;
		else if (ok)
			vr->on_may = false;
		break;
	default:
		break;
	}
}

static void
shadow_note(struct shadow *s, const struct vport_dpdk_msg *m, bool ok)
{
	uint32_t idx = vr_index(m);

	if (m->request == VSW_VHU_RESET_OWNER ||
			m->request == VSW_VHU_GET_VRING_BASE)
		ok = true;
	if (is_vring_msg(m->request)) {
		if (idx < VPORT_FW_VRINGS_MAX)  /* else check_passed() said */
			shadow_note_vring(&s->vr[idx], s, m, ok);
		return;
	}
	switch (m->request) {
	case VSW_VHU_SET_FEATURES:
		/* rte_vhost validates before it stores anything */
		if (ok)
			s->may_lack_pf = !(m->payload.u64 &
				(1ULL << VHOST_USER_F_PROTOCOL_FEATURES));
		break;
	case VSW_VHU_SET_PROTOCOL_FEATURES:
		if (ok)
			s->pf = m->payload.u64;
		break;
	case VSW_VHU_RESET_OWNER:
		/* destroy_device, then every ring and the memory go */
		memset(s, 0, sizeof(*s));
		s->may_lack_pf = true;
		break;
	case VSW_VHU_SET_MEM_TABLE:
		s->mem_bad = !ok;
		break;
	default:
		break;
	}
}

/* What must hold between messages. */
static void
check_state(const struct shadow *s)
{
	uint64_t held = 0;
	unsigned int i;

	for (i = 0; i < VPORT_FW_VRINGS_MAX; i++) {
		held += s->vr[i].held;
		CHECK("memfail", !(s->mem_bad && s->vr[i].addr_may &&
			s->vr[i].on_may),
			"vring %u may be live on a memory table that failed", i);
	}
	CHECK("entries", held <= VPORT_FW_RING_ENTRIES_MAX,
		"%llu ring entries held", (unsigned long long)held);
}

/* --- decoding --------------------------------------------------------- */

/* The size the protocol gives a message, for the "0: natural" size. */
static uint32_t
natural_size(const struct vport_dpdk_msg *m)
{
	uint32_t n;

	if (m->request == VSW_VHU_SET_MEM_TABLE) {
		n = m->payload.mem.nregions;
		if (n > VSW_VHU_MAX_MEM_REGIONS)
			n = VSW_VHU_MAX_MEM_REGIONS;
		return 8 + 32 * n;
	}
	if (m->request < NB_REQ && spec[m->request].taken)
		return spec[m->request].lo;
	return 0;
}

static int
natural_fds(const struct vport_dpdk_msg *m)
{
	uint32_t n;

	if (m->request >= NB_REQ)
		return 0;
	switch (spec[m->request].fds) {
	case FDS_ONE:
		return 1;
	case FDS_VRING:
		return (m->payload.u64 & VSW_VHU_VRING_NOFD_MASK) ? 0 : 1;
	case FDS_REGIONS:
		n = m->payload.mem.nregions;
		return n > VSW_VHU_MAX_FDS ? VSW_VHU_MAX_FDS : (int)n;
	default:
		return 0;
	}
}

/*
 * Decode one message into @p in_bytes (payload as the input gives it,
 * also past the size) and @p zeroed (bytes past the size zero).
 * Returns false when rte_vhost is to fail it.
 */
static bool
decode_msg(struct fz_in *in, struct vport_dpdk_msg *in_bytes,
	struct vport_dpdk_msg *zeroed)
{
	struct vport_dpdk_msg *m = in_bytes;
	uint8_t sz, ctl, plen;
	int i, nfd;

	memset(m, 0, sizeof(*m));
	m->request = fz_u8(in) % NB_REQ;
	m->flags = fz_u8(in);
	sz = fz_u8(in);
	if (sz == 255)
		m->size = fz_u16(in) % (VPORT_DPDK_PAYLOAD_SIZE + 1);
	ctl = fz_u8(in);
	plen = fz_u8(in);
	fz_bytes(in, m->payload.raw, plen);
	if (sz == 0)
		m->size = natural_size(m);
	else if (sz != 255)
		m->size = sz - 1u;
	nfd = ctl & 0x0f;
	if (nfd > VSW_VHU_MAX_FDS)
		nfd = natural_fds(m);
	for (i = 0; i < VSW_VHU_MAX_FDS; i++)
		m->fds[i] = -1;
	for (i = 0; i < nfd; i++)
		m->fds[i] = FAKE_FD_BASE + fz_u8(in);
	m->fd_num = nfd;

	*zeroed = *m;
	memset(zeroed->payload.raw + m->size, 0,
		VPORT_DPDK_PAYLOAD_SIZE - m->size);
	return !(ctl & 0x10);
}

/* What rte_vhost's handler leaves in the message for the post hook. */
static void
as_handled(struct vport_dpdk_msg *m, const struct vport_fw *fw)
{
	int i;

	switch (m->request) {
	case VSW_VHU_GET_VRING_BASE:
		m->payload.state.num = 0x1234;  /* the last avail index */
		break;
	case VSW_VHU_GET_FEATURES:
		m->payload.u64 = fw->offered;
		break;
	case VSW_VHU_GET_PROTOCOL_FEATURES:
		m->payload.u64 = fw->offered_pf;
		break;
	case VSW_VHU_GET_QUEUE_NUM:
	case VSW_VHU_GET_STATUS:
		m->payload.u64 = 1;
		break;
	default:
		return;
	}
	m->size = sizeof(uint64_t);
	for (i = 0; i < VSW_VHU_MAX_FDS; i++)
		m->fds[i] = -1;
	m->fd_num = 0;
}

static struct vport_fw fw, fw_alt;
static struct shadow shadow;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *env = getenv("VSW_FUZZ_SKIP");

	(void)argc;
	(void)argv;
	if (env != NULL)
		snprintf(skip_list, sizeof(skip_list), "%s", env);
	trace = getenv("VSW_FUZZ_TRACE") != NULL;
	return 0;
}

/* The connection: what the port offers, and the fake descriptors. */
static void
decode_connection(struct fz_in *in)
{
	uint64_t offered, offered_pf;
	unsigned int i;

	offered = fz_u64(in);
	offered_pf = fz_u64(in);
	for (i = 0; i < NB_FAKE_FDS; i++) {
		uint8_t kind = fz_u8(in), blk = fz_u8(in);

		fake_fd[i].kind = (enum vport_fw_fd_kind)(kind % 5);
		/* st_blksize: a power of two (or 0), st_size: an off_t */
		fake_fd[i].blksize = blk == 255 ? 0 : 1ULL << (blk % 31);
		fake_fd[i].size = fz_u64(in) & INT64_MAX;
	}
	vport_fw_init(&fw, offered, offered_pf, fake_fdinfo);
	memset(&shadow, 0, sizeof(shadow));
	shadow.may_lack_pf = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct vport_dpdk_msg m, mz;
	unsigned int k;

	decode_connection(&in);

	for (k = 0; k < MAX_MSGS && !fz_empty(&in); k++) {
		enum vsw_vport_reject why = VSW_REJECT_NONE, why_alt;
		const char *detail = NULL, *detail_alt;
		bool ok, pass, pass_alt;

		ok = decode_msg(&in, &m, &mz);
		fw_alt = fw;
		why_alt = VSW_REJECT_NONE;
		pass = vport_fw_check(&fw, &m, &why, &detail);
		pass_alt = vport_fw_check(&fw_alt, &mz, &why_alt, &detail_alt);
		CHECK("beyond", pass == pass_alt && why == why_alt &&
			memcmp(&fw, &fw_alt, sizeof(fw)) == 0,
			"%s: payload bytes past its %u bytes change the verdict",
			vport_fw_msg_name(m.request), m.size);
		FZ_ASSERT(vport_fw_msg_name(m.request) != NULL, "no name");
		if (trace)
			fprintf(stderr, "msg %u: %s (%u), %u bytes, %d fds: %s%s%s"
				"%s\n", k, vport_fw_msg_name(m.request),
				m.request, m.size, m.fd_num,
				pass ? "passed" : vsw_vport_reject_name(why),
				pass ? "" : ": ", pass ? "" : detail,
				pass ? (ok ? ", rte_vhost succeeds" :
					", rte_vhost FAILS") : "");
		if (!pass) {
			FZ_ASSERT(why > VSW_REJECT_NONE && why < VSW_REJECT_MAX,
				"reason %d", (int)why);
			FZ_ASSERT(detail != NULL && detail[0] != '\0',
				"refused without a detail");
			FZ_ASSERT(vsw_vport_reject_name(why) != NULL, "name");
			continue;
		}
		check_passed(&fw, &shadow, &mz);
		shadow_note(&shadow, &mz, ok);
		if (ok) {
			as_handled(&m, &fw);
			as_handled(&mz, &fw);
			vport_fw_done(&fw, &m);
			vport_fw_done(&fw_alt, &mz);
			CHECK("beyond", memcmp(&fw, &fw_alt, sizeof(fw)) == 0,
				"%s: vport_fw_done() reads past the payload",
				vport_fw_msg_name(m.request));
		}
		check_state(&shadow);
	}
	return 0;
}
