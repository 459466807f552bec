/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/vport: the vhost-user message firewall.
 *
 * rte_vhost trusts the front-end more than a switch shared by many VMs
 * can afford to: a malformed or out-of-order message has crashed or
 * frozen the whole process (docs/security.md lists the classes). Every
 * message reaches vuswitch's pre-message hook before rte_vhost handles
 * it, so the firewall checks it there, against the features this
 * connection actually negotiated and against what rte_vhost can safely
 * take, and refuses what fails. The hook then answers with an error (the
 * front-end asked for a reply) or rte_vhost closes the connection.
 *
 * The firewall keeps per-connection state: the features negotiated, the
 * memory table's fate and, per vring, what has been set up since its last
 * stop. State that makes later messages *allowed* (a valid ring size, a
 * mapped memory table) is recorded only once rte_vhost has handled the
 * message successfully (vport_fw_done(), from the post-message hook, which
 * rte_vhost calls only on success); state that makes the device *more
 * dangerous* (a ring that may be live) is recorded as soon as the message
 * is let through. A failure inside rte_vhost can therefore only make the
 * firewall stricter.
 *
 * This file and vport_fw.c are pure: no rte_vhost calls, no locks, no
 * I/O but what the fd inspector given to vport_fw_init() does. That is
 * what lets the unit tests and the fuzzer drive them directly.
 *
 * Thread safety: one struct vport_fw belongs to one connection, and only
 * rte_vhost's message thread (which runs both hooks for every socket)
 * calls vport_fw_check() and vport_fw_done() on it. vport_fw_init() runs
 * before the connection's first message.
 */
#ifndef VPORT_FW_H
#define VPORT_FW_H

#include <stdbool.h>
#include <stdint.h>

#include "vport_dpdk_compat.h"
#include "vsw_vport.h"

/* What an fd is, as far as the firewall cares. */
enum vport_fw_fd_kind {
	VPORT_FW_FD_INVALID = 0, /* not an open descriptor */
	VPORT_FW_FD_FILE,        /* regular file: memfd, tmpfs, hugetlbfs */
	VPORT_FW_FD_EVENTFD,
	VPORT_FW_FD_SOCKET,
	VPORT_FW_FD_OTHER,       /* pipe, device, directory, ... */
};

struct vport_fw_fd {
	enum vport_fw_fd_kind kind;
	uint64_t size;           /* bytes, for FILE */
	uint64_t blksize;        /* page size of its mapping, for FILE */
};

/* Describe @p fd; returns 0, or -1 if it cannot be inspected. */
typedef int (*vport_fw_fdinfo_t)(int fd, struct vport_fw_fd *out);

/*
 * Caps on what one front-end can make the switch allocate or map. Every
 * one is far above what QEMU or DPDK's virtio-user asks for, and bounds
 * what rte_vhost allocates per connection (it keeps an array entry per
 * guest page, and shadow arrays per ring entry).
 */
#define VPORT_FW_VRINGS_MAX 256            /* rte_vhost's VHOST_MAX_VRING */
#define VPORT_FW_RING_ENTRIES_MAX (1u << 20)  /* summed over vrings */
#define VPORT_FW_GUEST_MEM_MAX (1ULL << 42)   /* 4 TiB */
#define VPORT_FW_GUEST_PAGES_MAX (1ULL << 24) /* 64 GiB in 4 KiB pages */
#define VPORT_FW_LOG_MAX (1ULL << 30)         /* dirty log: 32 TiB guest */
#define VPORT_FW_MTU_MIN 68
#define VPORT_FW_MTU_MAX 65535

/* Per-vring set-up state since the ring's last stop (GET_VRING_BASE). */
#define VPORT_FW_VR_NUM     (1u << 0) /* valid SET_VRING_NUM handled */
#define VPORT_FW_VR_ADDR    (1u << 1) /* SET_VRING_ADDR handled */
#define VPORT_FW_VR_KICKED  (1u << 2) /* SET_VRING_KICK handled */
#define VPORT_FW_VR_MAYADDR (1u << 3) /* addresses may be translated */
#define VPORT_FW_VR_MAYON   (1u << 4) /* may be enabled */

enum vport_fw_mem {
	VPORT_FW_MEM_NONE = 0,  /* no table mapped */
	VPORT_FW_MEM_PENDING,   /* let through; rte_vhost's verdict unknown */
	VPORT_FW_MEM_OK,        /* mapped */
	VPORT_FW_MEM_FAILED,    /* rte_vhost failed to map it: rings stale */
};

struct vport_fw {
	vport_fw_fdinfo_t fdinfo;
	uint64_t offered;        /* virtio features the port offers */
	uint64_t offered_pf;     /* protocol features it offers */
	uint64_t features;       /* as set by SET_FEATURES */
	uint64_t pf;             /* as set by SET_PROTOCOL_FEATURES */
	enum vport_fw_mem mem;
	uint16_t vring_num[VPORT_FW_VRINGS_MAX];
	uint8_t vring[VPORT_FW_VRINGS_MAX];
};

/* Start a connection's state: nothing negotiated, nothing set up. */
void
vport_fw_init(struct vport_fw *fw, uint64_t offered, uint64_t offered_pf,
	vport_fw_fdinfo_t fdinfo);

/*
 * Check message @p m before rte_vhost sees it. Messages 41 and 42 (the
 * SUSPEND/RESUME draft) pass; their own handler checks them.
 *
 * @param why
 *   Set to the reason when the message is refused.
 * @param detail
 *   Set to a short explanation when the message is refused.
 * @return
 *   true to let the message through.
 */
bool
vport_fw_check(struct vport_fw *fw, const struct vport_dpdk_msg *m,
	enum vsw_vport_reject *why, const char **detail);

/* rte_vhost handled @p m successfully (from the post-message hook). */
void
vport_fw_done(struct vport_fw *fw, const struct vport_dpdk_msg *m);

/* "SET_MEM_TABLE", ...: a message id's name, or "unknown". */
const char *
vport_fw_msg_name(uint32_t request);

#endif /* VPORT_FW_H */
