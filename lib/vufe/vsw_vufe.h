/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_VUFE_H
#define VSW_VUFE_H

/**
 * @file
 * vufe: a minimal vhost-user front-end, for testing vhost-user back-ends.
 *
 * This module plays the part QEMU plays for a vhost-user back-end such as
 * vuswitch or testpmd's net_vhost: it connects to the back-end's unix
 * socket (or listens and accepts, for a back-end in client mode),
 * negotiates features, shares one memfd-backed region of "guest" memory
 * with SET_MEM_TABLE, and sets up one queue pair of split virtqueues
 * (vring 0: guest RX, vring 1: guest TX) with eventfds for kicks and
 * calls. It then lets the caller drive traffic by hand (post RX buffers
 * and TX frames, kick, harvest the used rings), send any front-end
 * message (SUSPEND, RESUME, GET_VRING_BASE, or a raw message with an
 * arbitrary payload and file descriptors, for negative tests), and look
 * at what the back-end did to guest memory (each ring's used index, a
 * checksum of all guest memory, whether a call eventfd was signalled).
 *
 * Nothing the back-end sends is trusted: every reply is checked (request
 * id, REPLY flag, version, size), and every used-ring entry is checked
 * (descriptor id in range and owned by the device, length in range).
 * A reply that does not match, or that does not come within the timeout,
 * leaves the connection marked broken: later requests fail with -EPIPE,
 * since the message stream can no longer be trusted.
 *
 * It needs no DPDK EAL: it uses plain sockets, memfd, mmap and eventfd.
 * It never prints; functions return 0 or a negative errno value
 * (constructors return NULL and set errno) and keep a one-line
 * description of the last error, see vsw_vufe_last_error().
 *
 * Thread safety: a handle is not thread-safe; use each handle from one
 * thread at a time (distinct handles are independent and may be used
 * from different threads). There is no global state. The back-end runs
 * concurrently with the caller and may write guest memory (used rings,
 * RX buffers) at any time while its rings are running: the functions that
 * read those areas use acquire loads and tolerate concurrent writes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsw_vhu.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Index of the guest RX vring (the back-end writes frames into it). */
#define VSW_VUFE_RX_RING 0
/** Index of the guest TX vring (the back-end reads frames from it). */
#define VSW_VUFE_TX_RING 1
/** Number of vrings (one queue pair). */
#define VSW_VUFE_NB_RINGS 2

/** Size of the virtio_net_hdr_v1 in front of every frame. */
#define VSW_VUFE_NET_HDR_LEN 12
/** Longest Ethernet frame (without FCS) a buffer holds. */
#define VSW_VUFE_FRAME_MAX 1518
/** Default and largest ring sizes. */
#define VSW_VUFE_RING_SIZE_DEFAULT 256
#define VSW_VUFE_RING_SIZE_MAX 1024
/** Default bound for every wait on the back-end, in milliseconds. */
#define VSW_VUFE_TIMEOUT_MS_DEFAULT 2000
/** Largest payload vsw_vufe_request() sends. */
#define VSW_VUFE_PAYLOAD_MAX 1024

/*
 * Message ids, flags and feature bits: lib/vhu/vsw_vhu.h (VSW_VHU_*);
 * VIRTIO_F_VERSION_1 from <linux/virtio_config.h>.
 */

/** How to reach the back-end, and what to negotiate. */
struct vsw_vufe_params {
	const char *path;        /**< Unix socket path. */
	bool listen;             /**< Listen on path and accept one
				  *   back-end (client-mode back-ends). */
	uint16_t ring_size;      /**< Power of two; 0 means the default. */
	unsigned int timeout_ms; /**< Bound for each wait; 0 = default. */
	bool want_suspend;       /**< Negotiate PROTOCOL_F_SUSPEND if
				  *   the back-end offers it. */
};

/** Feature sets, as offered by the back-end and as acknowledged. */
struct vsw_vufe_features {
	uint64_t offered;           /**< GET_FEATURES answer. */
	uint64_t acked;             /**< What SET_FEATURES sent. */
	uint64_t protocol_offered;  /**< GET_PROTOCOL_FEATURES answer. */
	uint64_t protocol_acked;    /**< What SET_PROTOCOL_FEATURES sent. */
};

/** Counters kept by a handle. */
struct vsw_vufe_stats {
	uint64_t tx_posted;     /**< TX frames made available. */
	uint64_t tx_completed;  /**< TX descriptors the back-end used. */
	uint64_t rx_received;   /**< RX buffers the back-end filled. */
	uint64_t kicks;         /**< Kick eventfd writes. */
	uint64_t bad_used;      /**< Invalid used-ring entries seen. */
	uint64_t requests;      /**< Messages sent. */
};

/** One message for vsw_vufe_request(). */
struct vsw_vufe_req {
	uint32_t request;       /**< Request id. */
	uint32_t extra_flags;   /**< OR-ed into the flags (after version). */
	const void *payload;    /**< May be NULL when size is 0. */
	uint32_t size;          /**< Payload size, <= VSW_VUFE_PAYLOAD_MAX. */
	const int *fds;         /**< File descriptors to pass, or NULL. */
	unsigned int nb_fds;    /**< At most VSW_VHU_MAX_FDS. */
	bool need_reply;        /**< Set NEED_REPLY and wait for a u64. */
};

/** Opaque front-end handle. */
struct vsw_vufe;

/**
 * Callback for vsw_vufe_rx_harvest(): one received frame.
 *
 * @param arg   The caller's argument.
 * @param frame The Ethernet frame (the virtio-net header is stripped).
 *              Valid only during the call.
 * @param len   Frame length in bytes.
 */
typedef void (*vsw_vufe_rx_cb)(void *arg, const uint8_t *frame,
		uint32_t len);

/**
 * Connect to a back-end (or accept one) and create guest memory and
 * eventfds. No vhost-user message is sent yet.
 *
 * @param p      Connection parameters; p->path is copied.
 * @param err    If not NULL, receives a one-line error description.
 * @param errlen Size of err.
 * @return A handle, or NULL with errno set.
 */
struct vsw_vufe *
vsw_vufe_open(const struct vsw_vufe_params *p, char *err, size_t errlen);

/**
 * Close the connection and free everything. NULL is a no-op.
 */
void
vsw_vufe_close(struct vsw_vufe *fe);

/**
 * The last error this handle recorded, as one line ("" if none).
 */
const char *
vsw_vufe_last_error(const struct vsw_vufe *fe);

/**
 * Feature negotiation: GET_FEATURES, SET_FEATURES (VERSION_1 and
 * PROTOCOL_FEATURES only), GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES
 * (REPLY_ACK, and SUSPEND if wanted and offered), SET_OWNER.
 *
 * @return 0, -ENOTSUP if the back-end lacks VERSION_1,
 *   PROTOCOL_FEATURES or REPLY_ACK, or another negative errno.
 */
int
vsw_vufe_negotiate(struct vsw_vufe *fe);

/**
 * Only the first half of vsw_vufe_negotiate(): GET_FEATURES and
 * GET_PROTOCOL_FEATURES (when offered), to see what the back-end offers.
 *
 * @return 0 or a negative errno.
 */
int
vsw_vufe_query(struct vsw_vufe *fe);

/**
 * Copy out the feature sets seen and sent so far.
 */
void
vsw_vufe_get_features(const struct vsw_vufe *fe,
		struct vsw_vufe_features *out);

/**
 * Start the device: SET_MEM_TABLE, then for each vring SET_VRING_NUM,
 * BASE (0), ADDR, KICK and CALL, then SET_VRING_ENABLE for both; and make
 * every RX buffer available. Call after vsw_vufe_negotiate().
 *
 * @return 0 or a negative errno.
 */
int
vsw_vufe_start(struct vsw_vufe *fe);

/**
 * Set one vring up again after GET_VRING_BASE stopped it: SET_VRING_NUM,
 * SET_VRING_BASE (base), SET_VRING_ADDR, SET_VRING_KICK, SET_VRING_CALL
 * and SET_VRING_ENABLE (1). Ring contents and the front-end's indexes
 * are kept.
 *
 * @return 0 or a negative errno.
 */
int
vsw_vufe_ring_restart(struct vsw_vufe *fe, unsigned int ring,
		uint16_t base);

/**
 * Send one message and, if req->need_reply, wait for its u64 reply.
 *
 * The reply must carry the same request id, the REPLY flag, version 1
 * and an 8-byte payload. Without need_reply nothing is read: a reply the
 * back-end sends anyway is then taken for the answer to the next request,
 * which fails its checks and marks the connection broken.
 *
 * @param reply  If not NULL and a reply was awaited, the u64 reply.
 * @param rtt_ns If not NULL, nanoseconds from just before sending to the
 *               end of the reply (or of the send, without a reply).
 * @return 0 (whatever the u64 says), -ETIMEDOUT, -EPROTO for an invalid
 *   reply, -EPIPE if the connection is down or broken, -EINVAL.
 */
int
vsw_vufe_request(struct vsw_vufe *fe, const struct vsw_vufe_req *req,
		uint64_t *reply, uint64_t *rtt_ns);

/**
 * Send SUSPEND (id 41, no payload) with NEED_REPLY and wait for the ack.
 * See vsw_vufe_request() for the parameters and return values.
 */
int
vsw_vufe_suspend(struct vsw_vufe *fe, uint64_t *reply, uint64_t *rtt_ns);

/**
 * Send RESUME (id 42, no payload) with NEED_REPLY and wait for the ack.
 * See vsw_vufe_request() for the parameters and return values.
 */
int
vsw_vufe_resume(struct vsw_vufe *fe, uint64_t *reply, uint64_t *rtt_ns);

/**
 * Send GET_VRING_BASE for one vring and read the vring state reply.
 * The back-end stops the vring; see vsw_vufe_ring_restart().
 *
 * @param num Receives the index the back-end reports.
 * @return 0 or a negative errno (-EPROTO if the reply names another
 *   vring).
 */
int
vsw_vufe_get_vring_base(struct vsw_vufe *fe, unsigned int ring,
		uint32_t *num, uint64_t *rtt_ns);

/**
 * Send GET_FEATURES and read the answer: a cheap "is the connection
 * still up and in sync" probe.
 *
 * @return 0 or a negative errno.
 */
int
vsw_vufe_ping(struct vsw_vufe *fe, uint64_t *features);

/**
 * Copy one frame into a free TX buffer (behind a zeroed virtio-net
 * header) and make it available. Does not kick.
 *
 * @return 0, -ENOSPC if no TX descriptor is free (see
 *   vsw_vufe_tx_reclaim()), -EINVAL for a bad length.
 */
int
vsw_vufe_tx_post(struct vsw_vufe *fe, const void *frame, uint32_t len);

/**
 * Take back the TX descriptors the back-end has used.
 *
 * @return The number reclaimed, or -EPROTO for an invalid used entry.
 */
int
vsw_vufe_tx_reclaim(struct vsw_vufe *fe);

/**
 * Number of TX descriptors free for vsw_vufe_tx_post().
 */
unsigned int
vsw_vufe_tx_free(const struct vsw_vufe *fe);

/**
 * Harvest up to max filled RX buffers, hand each frame to cb, and make
 * the buffers available again (publishing the avail index once). Writes
 * guest memory only if at least one buffer was harvested.
 *
 * @return The number of frames harvested, or -EPROTO for an invalid
 *   used entry.
 */
int
vsw_vufe_rx_harvest(struct vsw_vufe *fe, unsigned int max,
		vsw_vufe_rx_cb cb, void *arg);

/**
 * Write the kick eventfd of one vring.
 *
 * @return 0 or a negative errno.
 */
int
vsw_vufe_kick(struct vsw_vufe *fe, unsigned int ring);

/**
 * Non-blocking read of one vring's call eventfd (this drains it).
 *
 * @return 1 if it had been signalled, 0 if not, or a negative errno.
 */
int
vsw_vufe_call_signalled(struct vsw_vufe *fe, unsigned int ring);

/**
 * The call eventfd of one vring (for poll()), or -1.
 */
int
vsw_vufe_call_fd(const struct vsw_vufe *fe, unsigned int ring);

/**
 * The used index the back-end last published on one vring.
 */
uint16_t
vsw_vufe_used_idx(const struct vsw_vufe *fe, unsigned int ring);

/**
 * The avail index the front-end last published on one vring.
 */
uint16_t
vsw_vufe_avail_idx(const struct vsw_vufe *fe, unsigned int ring);

/**
 * A 64-bit checksum of all guest memory (rings and buffers).
 */
uint64_t
vsw_vufe_mem_checksum(const struct vsw_vufe *fe);

/**
 * Size of guest memory in bytes.
 */
size_t
vsw_vufe_mem_size(const struct vsw_vufe *fe);

/**
 * The handle's counters.
 */
const struct vsw_vufe_stats *
vsw_vufe_get_stats(const struct vsw_vufe *fe);

#ifdef __cplusplus
}
#endif

#endif /* VSW_VUFE_H */
