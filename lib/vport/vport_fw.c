/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user message firewall: what each message may carry, and in
 * which state of the connection. See vport_fw.h for the model and
 * docs/security.md for the rules and the failures they prevent.
 */

#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_vhost.h>
#include <linux/vhost_types.h>
#include <linux/virtio_config.h>

#include "vport_fw.h"

/* Payload sizes. */
#define SZ_U64 sizeof(uint64_t)
#define SZ_STATE sizeof(struct vsw_vhu_vring_state)
#define SZ_ADDR sizeof(struct vsw_vhu_vring_addr)
#define SZ_LOG sizeof(struct vsw_vhu_log)
#define SZ_MEM_HDR offsetof(struct vsw_vhu_mem_table, regions)

#define FD_ANY (-1)      /* the message's own check counts fds */
#define NO_FEATURE 0xff  /* needs no feature bit */

/* What a message id may carry and what it needs. */
struct msg_rule {
	const char *name;
	uint16_t min_size;
	uint16_t max_size;
	int8_t fds;            /* exact count, or FD_ANY */
	uint8_t pf_bit;        /* protocol feature needed, or NO_FEATURE */
	bool supported;        /* false: refused whatever it carries */
};

#define RULE(id, nm, lo, hi, nfd, pf) \
	[VSW_VHU_ ## id] = { nm, lo, hi, nfd, pf, true }
#define REFUSED(id, nm) [VSW_VHU_ ## id] = { nm, 0, 0, 0, NO_FEATURE, false }

static const struct msg_rule rules[VSW_VHU_REQUEST_MAX] = {
	RULE(GET_FEATURES, "GET_FEATURES", 0, 0, 0, NO_FEATURE),
	RULE(SET_FEATURES, "SET_FEATURES", SZ_U64, SZ_U64, 0, NO_FEATURE),
	RULE(SET_OWNER, "SET_OWNER", 0, 0, 0, NO_FEATURE),
	RULE(RESET_OWNER, "RESET_OWNER", 0, 0, 0, NO_FEATURE),
	RULE(SET_MEM_TABLE, "SET_MEM_TABLE", SZ_MEM_HDR,
		sizeof(struct vsw_vhu_mem_table), FD_ANY, NO_FEATURE),
	RULE(SET_LOG_BASE, "SET_LOG_BASE", SZ_LOG, SZ_LOG, 1,
		VHOST_USER_PROTOCOL_F_LOG_SHMFD),
	RULE(SET_LOG_FD, "SET_LOG_FD", 0, SZ_U64, 1, NO_FEATURE),
	RULE(SET_VRING_NUM, "SET_VRING_NUM", SZ_STATE, SZ_STATE, 0,
		NO_FEATURE),
	RULE(SET_VRING_ADDR, "SET_VRING_ADDR", SZ_ADDR, SZ_ADDR, 0,
		NO_FEATURE),
	RULE(SET_VRING_BASE, "SET_VRING_BASE", SZ_STATE, SZ_STATE, 0,
		NO_FEATURE),
	RULE(GET_VRING_BASE, "GET_VRING_BASE", SZ_STATE, SZ_STATE, 0,
		NO_FEATURE),
	RULE(SET_VRING_KICK, "SET_VRING_KICK", SZ_U64, SZ_U64, FD_ANY,
		NO_FEATURE),
	RULE(SET_VRING_CALL, "SET_VRING_CALL", SZ_U64, SZ_U64, FD_ANY,
		NO_FEATURE),
	RULE(SET_VRING_ERR, "SET_VRING_ERR", SZ_U64, SZ_U64, FD_ANY,
		NO_FEATURE),
	RULE(GET_PROTOCOL_FEATURES, "GET_PROTOCOL_FEATURES", 0, 0, 0,
		NO_FEATURE),
	RULE(SET_PROTOCOL_FEATURES, "SET_PROTOCOL_FEATURES", SZ_U64, SZ_U64,
		0, NO_FEATURE),
	RULE(GET_QUEUE_NUM, "GET_QUEUE_NUM", 0, 0, 0,
		VHOST_USER_PROTOCOL_F_MQ),
	RULE(SET_VRING_ENABLE, "SET_VRING_ENABLE", SZ_STATE, SZ_STATE, 0,
		NO_FEATURE),
	RULE(SEND_RARP, "SEND_RARP", SZ_U64, SZ_U64, 0,
		VHOST_USER_PROTOCOL_F_RARP),
	RULE(NET_SET_MTU, "NET_SET_MTU", SZ_U64, SZ_U64, 0,
		VHOST_USER_PROTOCOL_F_NET_MTU),
	RULE(SET_BACKEND_REQ_FD, "SET_BACKEND_REQ_FD", 0, 0, 1,
		VPORT_DPDK_PF_BACKEND_REQ),
	RULE(SET_STATUS, "SET_STATUS", SZ_U64, SZ_U64, 0,
		VHOST_USER_PROTOCOL_F_STATUS),
	RULE(GET_STATUS, "GET_STATUS", 0, 0, 0,
		VHOST_USER_PROTOCOL_F_STATUS),
	/* Checked by the SUSPEND/RESUME handler itself. */
	RULE(SUSPEND, "SUSPEND", 0, UINT16_MAX, FD_ANY, NO_FEATURE),
	RULE(RESUME, "RESUME", 0, UINT16_MAX, FD_ANY, NO_FEATURE),
	/* Features vuswitch never offers: see vport_ctl.c. */
	REFUSED(IOTLB_MSG, "IOTLB_MSG"),
	REFUSED(SET_VRING_ENDIAN, "SET_VRING_ENDIAN"),
	REFUSED(GET_CONFIG, "GET_CONFIG"),
	REFUSED(SET_CONFIG, "SET_CONFIG"),
	REFUSED(CREATE_CRYPTO_SESSION, "CREATE_CRYPTO_SESSION"),
	REFUSED(CLOSE_CRYPTO_SESSION, "CLOSE_CRYPTO_SESSION"),
	REFUSED(POSTCOPY_ADVISE, "POSTCOPY_ADVISE"),
	REFUSED(POSTCOPY_LISTEN, "POSTCOPY_LISTEN"),
	REFUSED(POSTCOPY_END, "POSTCOPY_END"),
	REFUSED(GET_INFLIGHT_FD, "GET_INFLIGHT_FD"),
	REFUSED(SET_INFLIGHT_FD, "SET_INFLIGHT_FD"),
	REFUSED(GPU_SET_SOCKET, "GPU_SET_SOCKET"),
	REFUSED(RESET_DEVICE, "RESET_DEVICE"),
	REFUSED(VRING_KICK, "VRING_KICK"),
	REFUSED(GET_MAX_MEM_SLOTS, "GET_MAX_MEM_SLOTS"),
	REFUSED(ADD_MEM_REG, "ADD_MEM_REG"),
	REFUSED(REM_MEM_REG, "REM_MEM_REG"),
};

#define REFUSE(why, text) do { *detail = (text); return (why); } while (0)

const char *
vport_fw_msg_name(uint32_t request)
{
	if (request < VSW_VHU_REQUEST_MAX && rules[request].name != NULL)
		return rules[request].name;
	return "unknown";
}

void
vport_fw_init(struct vport_fw *fw, uint64_t offered, uint64_t offered_pf,
	vport_fw_fdinfo_t fdinfo)
{
	memset(fw, 0, sizeof(*fw));
	fw->offered = offered;
	fw->offered_pf = offered_pf;
	fw->fdinfo = fdinfo;
}

static bool
fd_is(const struct vport_fw *fw, int fd, enum vport_fw_fd_kind kind,
	struct vport_fw_fd *info)
{
	struct vport_fw_fd tmp;

	if (info == NULL)
		info = &tmp;
	return fw->fdinfo(fd, info) == 0 && info->kind == kind;
}

/* A ring whose addresses may be translated and that may be enabled. */
static bool
any_ring_live(const struct vport_fw *fw)
{
	unsigned int i;

	for (i = 0; i < VPORT_FW_VRINGS_MAX; i++)
		if ((fw->vring[i] & VPORT_FW_VR_MAYADDR) &&
				(fw->vring[i] & VPORT_FW_VR_MAYON))
			return true;
	return false;
}

static uint32_t
ring_entries_except(const struct vport_fw *fw, unsigned int skip)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < VPORT_FW_VRINGS_MAX; i++)
		if (i != skip && (fw->vring[i] & VPORT_FW_VR_NUM))
			sum += fw->vring_num[i];
	return sum;
}

/* Header: version 1, not a reply, no undefined flag bits. */
static enum vsw_vport_reject
check_header(const struct vport_dpdk_msg *m, const char **detail)
{
	const uint32_t known = VSW_VHU_VERSION_MASK | VSW_VHU_FLAG_REPLY |
		VSW_VHU_FLAG_NEED_REPLY;

	if ((m->flags & VSW_VHU_VERSION_MASK) != VSW_VHU_VERSION)
		REFUSE(VSW_REJECT_BAD_HEADER, "protocol version is not 1");
	if (m->flags & VSW_VHU_FLAG_REPLY)
		REFUSE(VSW_REJECT_BAD_HEADER, "a front-end message marked as a reply");
	if (m->flags & ~known)
		REFUSE(VSW_REJECT_BAD_HEADER, "undefined flag bits set");
	return VSW_REJECT_NONE;
}

/* Id, size, fd count and feature of @p m, from the rule table. */
static enum vsw_vport_reject
check_rule(const struct vport_fw *fw, const struct vport_dpdk_msg *m,
	const char **detail)
{
	const struct msg_rule *r;

	if (m->request >= VSW_VHU_REQUEST_MAX ||
			rules[m->request].name == NULL)
		REFUSE(VSW_REJECT_UNKNOWN, "no such message");
	r = &rules[m->request];
	if (!r->supported)
		REFUSE(VSW_REJECT_NOT_NEGOTIATED,
			"its feature is never offered by vuswitch");
	if (r->pf_bit != NO_FEATURE && !(fw->pf & (1ULL << r->pf_bit)))
		REFUSE(VSW_REJECT_NOT_NEGOTIATED,
			"its protocol feature was not negotiated");
	if (m->size < r->min_size || m->size > r->max_size)
		REFUSE(VSW_REJECT_BAD_SIZE, "payload size wrong for this message");
	if (r->fds != FD_ANY && m->fd_num != r->fds)
		REFUSE(VSW_REJECT_BAD_FD, "wrong number of file descriptors");
	return VSW_REJECT_NONE;
}

static enum vsw_vport_reject
check_features(const struct vport_fw *fw, const struct vport_dpdk_msg *m,
	const char **detail)
{
	uint64_t v = m->payload.u64;

	if (m->request == VSW_VHU_SET_FEATURES && (v & ~fw->offered))
		REFUSE(VSW_REJECT_NOT_NEGOTIATED, "features that were not offered");
	if (m->request == VSW_VHU_SET_PROTOCOL_FEATURES &&
			(v & ~fw->offered_pf))
		REFUSE(VSW_REJECT_NOT_NEGOTIATED,
			"protocol features that were not offered");
	return VSW_REJECT_NONE;
}

/* One memory region against its file. */
static enum vsw_vport_reject
check_region(const struct vport_fw *fw, const struct vsw_vhu_mem_region *r,
	int fd, uint64_t *pages, const char **detail)
{
	struct vport_fw_fd info;
	uint64_t end;

	if (!fd_is(fw, fd, VPORT_FW_FD_FILE, &info))
		REFUSE(VSW_REJECT_BAD_FD, "a region's fd is not a regular file");
	if (r->memory_size == 0)
		REFUSE(VSW_REJECT_BAD_MEM, "an empty region");
	if (r->guest_phys_addr + r->memory_size < r->guest_phys_addr ||
			r->userspace_addr + r->memory_size <
				r->userspace_addr ||
			r->mmap_offset + r->memory_size < r->mmap_offset)
		REFUSE(VSW_REJECT_BAD_MEM, "a region wraps around");
	end = r->mmap_offset + r->memory_size;
	if (end > info.size)
		REFUSE(VSW_REJECT_BAD_MEM, "a region runs past the end of its file");
	if (info.blksize == 0 || (r->mmap_offset % info.blksize) != 0)
		REFUSE(VSW_REJECT_BAD_MEM, "a region's offset is not page-aligned");
	*pages += RTE_ALIGN_CEIL(end, info.blksize) / info.blksize;
	return VSW_REJECT_NONE;
}

static bool
regions_overlap(const struct vsw_vhu_mem_table *t, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			const struct vsw_vhu_mem_region *a = &t->regions[i];
			const struct vsw_vhu_mem_region *b = &t->regions[j];

			if (a->guest_phys_addr < b->guest_phys_addr +
					b->memory_size &&
					b->guest_phys_addr <
					a->guest_phys_addr + a->memory_size)
				return true;
		}
	return false;
}

static enum vsw_vport_reject
check_mem_table(const struct vport_fw *fw, const struct vport_dpdk_msg *m,
	const char **detail)
{
	struct vsw_vhu_mem_table copy;     /* the payload is unaligned */
	const struct vsw_vhu_mem_table *t = &copy;
	uint64_t total = 0, pages = 0;
	enum vsw_vport_reject r;
	unsigned int i;

	memcpy(&copy, m->payload.raw, sizeof(copy));
	if (t->nregions == 0 || t->nregions > VSW_VHU_MAX_MEM_REGIONS)
		REFUSE(VSW_REJECT_BAD_MEM, "region count out of range");
	if (m->size < SZ_MEM_HDR + t->nregions * sizeof(t->regions[0]))
		REFUSE(VSW_REJECT_BAD_SIZE, "payload shorter than its regions");
	if (m->fd_num != (int)t->nregions)
		REFUSE(VSW_REJECT_BAD_FD, "not one fd per region");
	if (any_ring_live(fw))
		REFUSE(VSW_REJECT_BUSY, "rings are live: stop (GET_VRING_BASE) "
			"or disable them first");
	for (i = 0; i < t->nregions; i++) {
		r = check_region(fw, &t->regions[i], m->fds[i], &pages,
			detail);
		if (r != VSW_REJECT_NONE)
			return r;
		total += t->regions[i].memory_size;
		if (total > VPORT_FW_GUEST_MEM_MAX)
			REFUSE(VSW_REJECT_LIMIT, "more guest memory than allowed");
	}
	if (pages > VPORT_FW_GUEST_PAGES_MAX)
		REFUSE(VSW_REJECT_LIMIT, "more guest pages than allowed");
	if (regions_overlap(t, t->nregions))
		REFUSE(VSW_REJECT_BAD_MEM, "regions overlap");
	return VSW_REJECT_NONE;
}

static enum vsw_vport_reject
check_log_base(const struct vport_fw *fw, const struct vport_dpdk_msg *m,
	const char **detail)
{
	struct vsw_vhu_log copy;          /* the payload is unaligned */
	const struct vsw_vhu_log *l = &copy;
	struct vport_fw_fd info;

	memcpy(&copy, m->payload.raw, sizeof(copy));
	if (!fd_is(fw, m->fds[0], VPORT_FW_FD_FILE, &info))
		REFUSE(VSW_REJECT_BAD_FD, "the log's fd is not a regular file");
	if (l->mmap_size == 0 || l->mmap_size > VPORT_FW_LOG_MAX)
		REFUSE(VSW_REJECT_LIMIT, "log size out of range");
	if (l->mmap_offset + l->mmap_size < l->mmap_offset ||
			l->mmap_offset + l->mmap_size > info.size)
		REFUSE(VSW_REJECT_BAD_MEM, "the log runs past the end of its file");
	if (info.blksize == 0 || (l->mmap_offset % info.blksize) != 0)
		REFUSE(VSW_REJECT_BAD_MEM, "the log's offset is not page-aligned");
	return VSW_REJECT_NONE;
}

/* The vring index a vring message names. */
static unsigned int
vring_index(const struct vport_dpdk_msg *m)
{
	switch (m->request) {
	case VSW_VHU_SET_VRING_KICK:
	case VSW_VHU_SET_VRING_CALL:
	case VSW_VHU_SET_VRING_ERR:
		return (unsigned int)(m->payload.u64 & VSW_VHU_VRING_IDX_MASK);
	case VSW_VHU_SET_VRING_ADDR:
		return m->payload.addr.index;
	default:
		return m->payload.state.index;
	}
}

/* KICK, CALL, ERR: u64 index (and NOFD bit), one eventfd unless NOFD. */
static enum vsw_vport_reject
check_vring_fd(const struct vport_fw *fw, const struct vport_dpdk_msg *m,
	const char **detail)
{
	uint64_t v = m->payload.u64;
	bool nofd = (v & VSW_VHU_VRING_NOFD_MASK) != 0;

	if (v & ~(uint64_t)(VSW_VHU_VRING_IDX_MASK | VSW_VHU_VRING_NOFD_MASK))
		REFUSE(VSW_REJECT_BAD_VRING, "undefined bits in the vring index");
	if (m->fd_num != (nofd ? 0 : 1))
		REFUSE(VSW_REJECT_BAD_FD, "fd count does not match the NOFD bit");
	/*
	 * rte_vhost writes call eventfds from the PMD lcores: a pipe or a
	 * socket there could block an lcore, so only eventfds are taken.
	 */
	if (!nofd && !fd_is(fw, m->fds[0], VPORT_FW_FD_EVENTFD, NULL))
		REFUSE(VSW_REJECT_BAD_FD, "a vring fd that is not an eventfd");
	return VSW_REJECT_NONE;
}

/* Set-up order of one vring, and the sizes it may have. */
static enum vsw_vport_reject
check_vring(const struct vport_fw *fw, const struct vport_dpdk_msg *m,
	unsigned int idx, const char **detail)
{
	uint8_t st = fw->vring[idx];
	uint32_t num = m->payload.state.num;
	bool started = st & (VPORT_FW_VR_MAYADDR | VPORT_FW_VR_KICKED);

	switch (m->request) {
	case VSW_VHU_SET_VRING_NUM:
		if (num == 0 || num > VSW_VHU_VRING_SIZE_MAX ||
				(num & (num - 1)) != 0)
			REFUSE(VSW_REJECT_BAD_VRING,
				"ring size not a power of two up to 32768");
		if (started)
			REFUSE(VSW_REJECT_BAD_VRING,
				"ring size changed while the ring is set up");
		if (ring_entries_except(fw, idx) + num >
				VPORT_FW_RING_ENTRIES_MAX)
			REFUSE(VSW_REJECT_LIMIT, "too many ring entries in all");
		break;
	case VSW_VHU_SET_VRING_ADDR:
	case VSW_VHU_SET_VRING_KICK:
		if (!(st & VPORT_FW_VR_NUM))
			REFUSE(VSW_REJECT_BAD_VRING,
				"no valid ring size since the ring stopped");
		if (m->request == VSW_VHU_SET_VRING_KICK &&
				!(st & VPORT_FW_VR_ADDR))
			REFUSE(VSW_REJECT_BAD_VRING,
				"ring started before its addresses were set");
		if (fw->mem != VPORT_FW_MEM_OK)
			REFUSE(VSW_REJECT_BAD_MEM, "no memory table is mapped");
		break;
	case VSW_VHU_SET_VRING_ENABLE:
		if (num > 1)
			REFUSE(VSW_REJECT_BAD_VRING, "enable is neither 0 nor 1");
		if (num == 1 && fw->mem == VPORT_FW_MEM_FAILED)
			REFUSE(VSW_REJECT_BAD_MEM,
				"the last memory table failed to map");
		break;
	default:
		break;
	}
	return VSW_REJECT_NONE;
}

static enum vsw_vport_reject
check_vring_msg(const struct vport_fw *fw, const struct vport_dpdk_msg *m,
	const char **detail)
{
	unsigned int idx = vring_index(m);
	enum vsw_vport_reject r;

	if (idx >= VPORT_FW_VRINGS_MAX)
		REFUSE(VSW_REJECT_BAD_VRING, "vring index out of range");
	if (m->request == VSW_VHU_SET_VRING_KICK ||
			m->request == VSW_VHU_SET_VRING_CALL ||
			m->request == VSW_VHU_SET_VRING_ERR) {
		r = check_vring_fd(fw, m, detail);
		if (r != VSW_REJECT_NONE || m->request != VSW_VHU_SET_VRING_KICK)
			return r;
	}
	return check_vring(fw, m, idx, detail);
}

/* Checks that depend on the message id, past the rule table. */
static enum vsw_vport_reject
check_payload(const struct vport_fw *fw, const struct vport_dpdk_msg *m,
	const char **detail)
{
	switch (m->request) {
	case VSW_VHU_SET_FEATURES:
	case VSW_VHU_SET_PROTOCOL_FEATURES:
		return check_features(fw, m, detail);
	case VSW_VHU_SET_MEM_TABLE:
		return check_mem_table(fw, m, detail);
	case VSW_VHU_SET_LOG_BASE:
		return check_log_base(fw, m, detail);
	case VSW_VHU_SET_LOG_FD:
		if (!fd_is(fw, m->fds[0], VPORT_FW_FD_EVENTFD, NULL))
			REFUSE(VSW_REJECT_BAD_FD, "the log fd is not an eventfd");
		return VSW_REJECT_NONE;
	case VSW_VHU_SET_BACKEND_REQ_FD:
		if (!fd_is(fw, m->fds[0], VPORT_FW_FD_SOCKET, NULL))
			REFUSE(VSW_REJECT_BAD_FD, "the back-end channel is not a socket");
		return VSW_REJECT_NONE;
	case VSW_VHU_NET_SET_MTU:
		if (m->payload.u64 < VPORT_FW_MTU_MIN ||
				m->payload.u64 > VPORT_FW_MTU_MAX)
			REFUSE(VSW_REJECT_BAD_SIZE, "MTU out of range");
		return VSW_REJECT_NONE;
	case VSW_VHU_SET_STATUS:
		if (m->payload.u64 > UINT8_MAX)
			REFUSE(VSW_REJECT_BAD_SIZE, "status wider than a byte");
		return VSW_REJECT_NONE;
	case VSW_VHU_SET_VRING_NUM:
	case VSW_VHU_SET_VRING_ADDR:
	case VSW_VHU_SET_VRING_BASE:
	case VSW_VHU_GET_VRING_BASE:
	case VSW_VHU_SET_VRING_KICK:
	case VSW_VHU_SET_VRING_CALL:
	case VSW_VHU_SET_VRING_ERR:
	case VSW_VHU_SET_VRING_ENABLE:
		return check_vring_msg(fw, m, detail);
	default:
		return VSW_REJECT_NONE;
	}
}

/*
 * Record, on letting @p m through, what makes the device more dangerous
 * or less capable, whether or not rte_vhost then succeeds.
 */
static void
note_passed(struct vport_fw *fw, const struct vport_dpdk_msg *m)
{
	unsigned int i, idx;

	switch (m->request) {
	case VSW_VHU_SET_MEM_TABLE:
		fw->mem = VPORT_FW_MEM_PENDING;
		break;
	case VSW_VHU_RESET_OWNER:
		for (i = 0; i < VPORT_FW_VRINGS_MAX; i++)
			fw->vring[i] &= VPORT_FW_VR_MAYADDR | VPORT_FW_VR_MAYON;
		fw->features = 0;
		fw->pf = 0;
		break;
	case VSW_VHU_GET_VRING_BASE:
		idx = vring_index(m);
		fw->vring[idx] &= VPORT_FW_VR_MAYADDR | VPORT_FW_VR_MAYON;
		break;
	case VSW_VHU_SET_VRING_NUM:
		/* rte_vhost stores the size before it can fail: until it
		 * confirms, the ring has no valid size. */
		fw->vring[vring_index(m)] &= ~VPORT_FW_VR_NUM;
		break;
	case VSW_VHU_SET_VRING_ADDR:
		idx = vring_index(m);
		fw->vring[idx] |= VPORT_FW_VR_MAYADDR;
		fw->vring[idx] &= ~VPORT_FW_VR_ADDR;
		break;
	case VSW_VHU_SET_VRING_ENABLE:
		if (m->payload.state.num == 1)
			fw->vring[vring_index(m)] |= VPORT_FW_VR_MAYON;
		break;
	case VSW_VHU_SET_VRING_KICK:
		/* Without protocol features a started ring is enabled. */
		if (!(fw->features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)))
			fw->vring[vring_index(m)] |= VPORT_FW_VR_MAYON;
		break;
	default:
		break;
	}
}

bool
vport_fw_check(struct vport_fw *fw, const struct vport_dpdk_msg *m,
	enum vsw_vport_reject *why, const char **detail)
{
	enum vsw_vport_reject r;

	*detail = "";
	/* The memory table let through last time was never confirmed. */
	if (fw->mem == VPORT_FW_MEM_PENDING)
		fw->mem = VPORT_FW_MEM_FAILED;
	r = check_header(m, detail);
	if (r == VSW_REJECT_NONE)
		r = check_rule(fw, m, detail);
	if (r == VSW_REJECT_NONE)
		r = check_payload(fw, m, detail);
	if (r != VSW_REJECT_NONE) {
		*why = r;
		return false;
	}
	note_passed(fw, m);
	return true;
}

void
vport_fw_done(struct vport_fw *fw, const struct vport_dpdk_msg *m)
{
	unsigned int idx;

	switch (m->request) {
	case VSW_VHU_SET_FEATURES:
		fw->features = m->payload.u64;
		break;
	case VSW_VHU_SET_PROTOCOL_FEATURES:
		fw->pf = m->payload.u64;
		break;
	case VSW_VHU_SET_MEM_TABLE:
		fw->mem = VPORT_FW_MEM_OK;
		break;
	case VSW_VHU_RESET_OWNER:
		memset(fw->vring, 0, sizeof(fw->vring));
		fw->mem = VPORT_FW_MEM_NONE;
		break;
	case VSW_VHU_GET_VRING_BASE:
		/* rte_vhost invalidated the ring: no addresses left. */
		fw->vring[vring_index(m)] &= VPORT_FW_VR_MAYON;
		break;
	case VSW_VHU_SET_VRING_NUM:
		idx = vring_index(m);
		fw->vring[idx] |= VPORT_FW_VR_NUM;
		fw->vring_num[idx] = (uint16_t)m->payload.state.num;
		break;
	case VSW_VHU_SET_VRING_ADDR:
		fw->vring[vring_index(m)] |= VPORT_FW_VR_ADDR;
		break;
	case VSW_VHU_SET_VRING_KICK:
		fw->vring[vring_index(m)] |= VPORT_FW_VR_KICKED;
		break;
	case VSW_VHU_SET_VRING_ENABLE:
		if (m->payload.state.num == 0)
			fw->vring[vring_index(m)] &= ~VPORT_FW_VR_MAYON;
		break;
	default:
		break;
	}
}

static const char * const reject_names[VSW_REJECT_MAX] = {
	[VSW_REJECT_NONE] = "none",
	[VSW_REJECT_UNKNOWN] = "unknown",
	[VSW_REJECT_NOT_NEGOTIATED] = "not-negotiated",
	[VSW_REJECT_BAD_HEADER] = "bad-header",
	[VSW_REJECT_BAD_SIZE] = "bad-size",
	[VSW_REJECT_BAD_FD] = "bad-fd",
	[VSW_REJECT_BAD_VRING] = "bad-vring",
	[VSW_REJECT_BAD_MEM] = "bad-mem",
	[VSW_REJECT_BUSY] = "busy",
	[VSW_REJECT_LIMIT] = "limit",
};

const char *
vsw_vport_reject_name(enum vsw_vport_reject r)
{
	return (unsigned int)r < VSW_REJECT_MAX ? reject_names[r] : "?";
}
