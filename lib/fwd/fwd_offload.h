/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/fwd: checksum and segmentation offloads on the data path.
 * Shared by fwd_lcore.c and the unit tests.
 *
 * A guest that negotiated VIRTIO_NET_F_CSUM or HOST_TSO4/6 may hand
 * rte_vhost frames with a partial TCP/UDP checksum, or whole TCP streams
 * of up to 64 KB to be cut into MSS-sized segments. rte_vhost (registered
 * with RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS) turns the virtio-net header
 * into receive flags on dequeue: RTE_MBUF_F_RX_L4_CKSUM_NONE for a partial
 * checksum, RTE_MBUF_F_RX_LRO with tso_segsz for a segmentation request.
 * On enqueue it writes a virtio-net header from the transmit flags
 * (RTE_MBUF_F_TX_TCP_SEG, RTE_MBUF_F_TX_TCP_CKSUM, ...), whatever the
 * guest negotiated.
 *
 * So the switch:
 * 1. on ingress (fwd_ol_prepare()), checks every frame that carries such
 *    flags, drops the malformed ones, and records what the frame asks for
 *    in the mbuf (header lengths, packet_type, and the transmit flags that
 *    hand the request on unchanged);
 * 2. per destination (fwd_ol_action(), the one place that decides), sends
 *    the frame as it is to a port that negotiated the offload, or completes
 *    the checksum (fwd_ol_csum()), or segments it (fwd_gso_segment():
 *    rte_gso for TCP/IPv4, our own for TCP/IPv6, which rte_gso lacks in
 *    DPDK 22.11 and 24.11) for a port that did not.
 *
 * A frame flooded to several ports is one mbuf in several destination
 * arrays: every destination sets the mbuf's transmit flags for itself
 * right before its enqueue (rte_vhost copies the frame during the call),
 * and segments carry copies of the headers, so no destination sees what
 * another one did. An ethdev keeps what it sends until its DMA is done,
 * so it gets a frame with a request as segments or as a copy with its own
 * headers (fwd_ol_hdr_copy()), never the shared frame.
 *
 * An ethdev port maps its device's transmit offloads onto the same
 * VSW_FWD_OL_TX_* bits (lib/vport), so fwd_ol_action() decides for it
 * too.
 */
#ifndef FWD_OFFLOAD_H
#define FWD_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_gso.h>
#include <rte_mbuf.h>

#include "vsw_fwd.h"

/*
 * Most segments one frame may be cut into (a 64 KB frame with an MSS of
 * 128 bytes). A request for more is refused as malformed.
 */
#define FWD_GSO_MAX_SEGS 512

/*
 * Longest header a segment copies: Ethernet, two VLAN tags, IPv4 with
 * options, TCP with options (IPv6 with extension headers is refused).
 */
#define FWD_OL_HDR_MAX (RTE_ETHER_HDR_LEN + 2 * 4 + 60 + 60)

/* Receive flags rte_vhost sets for an offload request. */
#define FWD_OL_RX_FLAGS (RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_MASK)

/* Transmit flags vuswitch sets (and clears) on frames it sends. */
#define FWD_OL_TX_FLAGS (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK | \
	RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_IP_CKSUM)

/* What a frame asks of the switch. */
enum fwd_ol_kind {
	FWD_OL_NONE = 0, /* nothing */
	FWD_OL_CSUM,     /* complete its TCP or UDP checksum */
	FWD_OL_TSO4,     /* segment its TCP/IPv4 payload */
	FWD_OL_TSO6,     /* segment its TCP/IPv6 payload */
};

/* What to do with a frame for one destination. */
enum fwd_ol_action {
	FWD_OL_PASS = 0,    /* send it as it is, its request intact */
	FWD_OL_SW_CSUM,     /* complete the checksum, send a plain frame */
	FWD_OL_SEG_PARTIAL, /* segment; leave each checksum partial */
	FWD_OL_SEG_FULL,    /* segment; complete every checksum */
};

/* The request a frame carries, once fwd_ol_prepare() accepted it. */
static inline enum fwd_ol_kind
fwd_ol_kind(const struct rte_mbuf *m)
{
	if (likely(!(m->ol_flags & FWD_OL_RX_FLAGS)))
		return FWD_OL_NONE;
	if (!(m->ol_flags & RTE_MBUF_F_RX_LRO))
		return FWD_OL_CSUM;
	return RTE_ETH_IS_IPV4_HDR(m->packet_type) ? FWD_OL_TSO4 :
		FWD_OL_TSO6;
}

/*
 * The decision, per frame and destination: @p tx is the destination's
 * VSW_FWD_OL_TX_* bits: what a vhost-user front-end negotiated, or what
 * an ethdev's device offers.
 */
static inline enum fwd_ol_action
fwd_ol_action(enum fwd_ol_kind k, uint8_t tx)
{
	uint8_t tso;

	switch (k) {
	case FWD_OL_CSUM:
		return (tx & VSW_FWD_OL_TX_CSUM) ? FWD_OL_PASS : FWD_OL_SW_CSUM;
	case FWD_OL_TSO4:
	case FWD_OL_TSO6:
		tso = k == FWD_OL_TSO4 ? VSW_FWD_OL_TX_TSO4 :
			VSW_FWD_OL_TX_TSO6;
		/* A segmentation offload comes with checksum offload. */
		if ((tx & (tso | VSW_FWD_OL_TX_CSUM)) ==
				(tso | VSW_FWD_OL_TX_CSUM))
			return FWD_OL_PASS;
		return (tx & VSW_FWD_OL_TX_CSUM) ? FWD_OL_SEG_PARTIAL :
			FWD_OL_SEG_FULL;
	default:
		return FWD_OL_PASS;
	}
}

/*
 * Check the offload request of a frame just dequeued from a port whose
 * receive offloads are @p rx (VSW_FWD_OL_RX_* bits), and prepare it: header
 * lengths, packet_type, and the transmit flags that pass the request on.
 * A segmentation request whose payload fits one segment becomes a checksum
 * request. Frames without offload flags are not changed; but a frame whose
 * header asked for something rte_vhost did not turn into flags (its
 * packet_type set) must have a valid TCP or UDP checksum where it has one.
 *
 * @return 0, or -EINVAL for a request vuswitch refuses (the caller drops
 *   the frame): see the checks in fwd_offload.c.
 */
int
fwd_ol_prepare(struct rte_mbuf *m, uint8_t rx);

/*
 * Make a prepared frame ready for a destination with transmit offloads
 * @p tx: for FWD_OL_PASS set its transmit flags, for FWD_OL_SW_CSUM
 * complete its checksum and clear them. Segmentation is the caller's
 * (fwd_gso_segment()).
 *
 * @return The action fwd_ol_action() chose.
 */
enum fwd_ol_action
fwd_ol_apply(struct rte_mbuf *m, uint8_t tx);

/* Complete the TCP or UDP checksum of a prepared frame, in place. */
void
fwd_ol_csum(struct rte_mbuf *m);

/* One PMD lcore's segmentation: its mbuf pools and output array. */
struct fwd_gso {
	struct rte_gso_ctx ctx;      /* pools, TCP/IPv4 (rte_gso) */
	struct rte_mbuf *out[FWD_GSO_MAX_SEGS];
};

/*
 * Control: create @p g's pools on NUMA node @p socket; @p id makes their
 * names unique in the process.
 *
 * @return 0 or -ENOMEM.
 */
int
fwd_gso_init(struct fwd_gso *g, unsigned int id, int socket);

/* Control: free @p g's pools (no segment may be in use). */
void
fwd_gso_free(struct fwd_gso *g);

/*
 * Cut a prepared TSO4 or TSO6 frame into segments in g->out: each a copy
 * of the headers followed by indirect mbufs into @p m's payload, with
 * its own lengths, IPv4 id, sequence number and flags (FIN and PSH on the
 * last only, CWR on the first only; rte_gso leaves CWR alone), and its
 * checksums complete (@p partial false) or left partial for a destination
 * that takes partial checksums. @p m itself is not changed but for its
 * transmit flags.
 *
 * @return The number of segments, or -ENOMEM when the pools ran dry
 *   (nothing is left allocated).
 */
int
fwd_gso_segment(struct fwd_gso *g, struct rte_mbuf *m, bool partial);

/*
 * A copy of prepared frame @p m that shares its payload and has headers
 * of its own: a copy of @p m's Ethernet, IP and TCP or UDP headers in an
 * mbuf of @p g's, followed by indirect mbufs into @p m's payload, with
 * @p m's header lengths, packet type, segment size and offload flags.
 * For a destination that keeps frames after its send returns (an
 * ethdev), so that what other destinations write into @p m's headers
 * later (a completed checksum, rte_vhost's pseudo-header sum) does not
 * reach it, and what it needs written does not reach them.
 *
 * @return The copy, or NULL when @p g's pools ran dry.
 */
struct rte_mbuf *
fwd_ol_hdr_copy(struct fwd_gso *g, struct rte_mbuf *m);

#endif /* FWD_OFFLOAD_H */
