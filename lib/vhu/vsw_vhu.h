/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_VHU_H
#define VSW_VHU_H

/**
 * @file
 * The vhost-user wire protocol: message ids, header flags, payload
 * layouts and limits, as the vhost-user specification (QEMU's
 * docs/interop/vhost-user.rst) defines them, plus the SUSPEND/RESUME
 * draft this project implements.
 *
 * This is the one home of these numbers in vuswitch. Both sides use it:
 * the back-end (lib/vport, which sees every message first through
 * rte_vhost's external message hook) and the test front-end (lib/vufe).
 * DPDK does not install its own copy (lib/vhost/vhost_user.h is private),
 * and what rte_vhost adds around a message when it hands it to a hook is
 * a DPDK internal, mirrored in lib/vport/vport_dpdk_compat.h, not here.
 *
 * Protocol feature bit numbers that DPDK's public rte_vhost.h already
 * defines (VHOST_USER_PROTOCOL_F_*) are used from there; only the draft's
 * bit lives here.
 *
 * Thread safety: constants and plain types only.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Front-end request ids (the "request" field of the header). */
enum vsw_vhu_request {
	VSW_VHU_NONE = 0,
	VSW_VHU_GET_FEATURES = 1,
	VSW_VHU_SET_FEATURES = 2,
	VSW_VHU_SET_OWNER = 3,
	VSW_VHU_RESET_OWNER = 4,
	VSW_VHU_SET_MEM_TABLE = 5,
	VSW_VHU_SET_LOG_BASE = 6,
	VSW_VHU_SET_LOG_FD = 7,
	VSW_VHU_SET_VRING_NUM = 8,
	VSW_VHU_SET_VRING_ADDR = 9,
	VSW_VHU_SET_VRING_BASE = 10,
	VSW_VHU_GET_VRING_BASE = 11,
	VSW_VHU_SET_VRING_KICK = 12,
	VSW_VHU_SET_VRING_CALL = 13,
	VSW_VHU_SET_VRING_ERR = 14,
	VSW_VHU_GET_PROTOCOL_FEATURES = 15,
	VSW_VHU_SET_PROTOCOL_FEATURES = 16,
	VSW_VHU_GET_QUEUE_NUM = 17,
	VSW_VHU_SET_VRING_ENABLE = 18,
	VSW_VHU_SEND_RARP = 19,
	VSW_VHU_NET_SET_MTU = 20,
	VSW_VHU_SET_BACKEND_REQ_FD = 21,
	VSW_VHU_IOTLB_MSG = 22,
	VSW_VHU_SET_VRING_ENDIAN = 23,
	VSW_VHU_GET_CONFIG = 24,
	VSW_VHU_SET_CONFIG = 25,
	VSW_VHU_CREATE_CRYPTO_SESSION = 26,
	VSW_VHU_CLOSE_CRYPTO_SESSION = 27,
	VSW_VHU_POSTCOPY_ADVISE = 28,
	VSW_VHU_POSTCOPY_LISTEN = 29,
	VSW_VHU_POSTCOPY_END = 30,
	VSW_VHU_GET_INFLIGHT_FD = 31,
	VSW_VHU_SET_INFLIGHT_FD = 32,
	VSW_VHU_GPU_SET_SOCKET = 33,
	VSW_VHU_RESET_DEVICE = 34,
	VSW_VHU_VRING_KICK = 35,
	VSW_VHU_GET_MAX_MEM_SLOTS = 36,
	VSW_VHU_ADD_MEM_REG = 37,
	VSW_VHU_REM_MEM_REG = 38,
	VSW_VHU_SET_STATUS = 39,
	VSW_VHU_GET_STATUS = 40,
	/**
	 * Draft SUSPEND, no payload. QEMU 8.2 and later send id 41 as
	 * GET_SHARED_OBJECT, with a 16-byte UUID payload.
	 */
	VSW_VHU_SUSPEND = 41,
	/**
	 * Draft RESUME, no payload. QEMU 8.2 and later send id 42 as
	 * SET_DEVICE_STATE_FD, with a payload and an fd.
	 */
	VSW_VHU_RESUME = 42,
	VSW_VHU_REQUEST_MAX
};

/** Header flags. */
#define VSW_VHU_VERSION_MASK 0x3u     /**< Protocol version bits. */
#define VSW_VHU_VERSION 0x1u          /**< The only version there is. */
#define VSW_VHU_FLAG_REPLY (1u << 2)  /**< This message is a reply. */
#define VSW_VHU_FLAG_NEED_REPLY (1u << 3) /**< Ack with a u64 (REPLY_ACK). */

/**
 * Virtio feature bit a vhost-user back-end offers when it speaks the
 * protocol-feature extension (GET/SET_PROTOCOL_FEATURES).
 */
#define VSW_VHU_F_PROTOCOL_FEATURES 30

/**
 * Protocol feature bit REPLY_ACK. DPDK's rte_vhost.h has it too
 * (VHOST_USER_PROTOCOL_F_REPLY_ACK), which the back-end uses; this one
 * is for code that does not use DPDK (the test front-end, lib/vufe).
 */
#define VSW_VHU_PROTOCOL_F_REPLY_ACK 3

/**
 * Protocol feature bit of the SUSPEND/RESUME draft (messages 41 and 42).
 * QEMU 8.2 and later use this bit for F_SHARED_OBJECT, which is why a
 * back-end must be able not to advertise it.
 */
#define VSW_VHU_PROTOCOL_F_SUSPEND 18

/** Size of the message header (request, flags, size). */
#define VSW_VHU_HDR_SIZE 12
/** Most file descriptors one message carries (SCM_RIGHTS). */
#define VSW_VHU_MAX_FDS 8
/** Most memory regions in one SET_MEM_TABLE. */
#define VSW_VHU_MAX_MEM_REGIONS 8
/** Largest vring size the specification allows. */
#define VSW_VHU_VRING_SIZE_MAX 32768
/** In a vring index payload: the vring number bits. */
#define VSW_VHU_VRING_IDX_MASK 0xffu
/** In SET_VRING_KICK/CALL/ERR: no file descriptor is attached. */
#define VSW_VHU_VRING_NOFD_MASK (1u << 8)

/**
 * Longest unix socket path a port can have: struct sockaddr_un's
 * sun_path (108 bytes on Linux), less the terminating NUL.
 */
#define VSW_VHU_PATH_MAX 107

/** Payload of SET/GET_VRING_NUM, _BASE, _ENABLE. */
struct vsw_vhu_vring_state {
	uint32_t index;
	uint32_t num;
};

/** Payload of SET_VRING_ADDR. */
struct vsw_vhu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

/** One region of SET_MEM_TABLE (and of ADD/REM_MEM_REG, after a u64). */
struct vsw_vhu_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

/** Payload of SET_MEM_TABLE: one fd per region. */
struct vsw_vhu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vsw_vhu_mem_region regions[VSW_VHU_MAX_MEM_REGIONS];
};

/** Payload of SET_LOG_BASE: one fd. */
struct vsw_vhu_log {
	uint64_t mmap_size;
	uint64_t mmap_offset;
};

/** Payload of GET/SET_INFLIGHT_FD. */
struct vsw_vhu_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
};

#ifdef __cplusplus
}
#endif

#endif /* VSW_VHU_H */
