/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which virtio-net offloads a port offers, and what the negotiated ones
 * mean to the forwarding engine. Pure: no EAL, no rte_vhost calls.
 *
 * Offered (unless the port says offload=0): checksum offload both ways
 * (CSUM: the guest may send partial checksums; GUEST_CSUM: it takes
 * them) and TCP segmentation both ways (HOST_TSO4/6: it may send 64 KB
 * TCP frames; GUEST_TSO4/6: it takes them). The engine hands a request on
 * to a destination that negotiated it and completes it in software for
 * any other.
 *
 * Never offered:
 * - HOST_UFO, GUEST_UFO: UDP fragmentation offload, which Linux guests no
 *   longer send, and which the engine does not segment;
 * - HOST_ECN, GUEST_ECN: rte_vhost drops the ECN bit of a guest's GSO
 *   type on dequeue and never sets it on enqueue, and rte_gso does not
 *   clear CWR on the later segments, so an ECN request cannot be handed
 *   on as it was made. Without HOST_ECN a Linux guest segments its few
 *   CWR-marked frames itself;
 * - GSO (bit 6), the legacy "any GSO type", which implies both of the
 *   above.
 */

#include <linux/virtio_net.h>

#include "vport.h"

/* vsw_vport.h spells the bits out, so that its users need no Linux
 * header: they must be these. */
_Static_assert(VSW_VPORT_OFFLOAD_FEATURES == ((1ULL << VIRTIO_NET_F_CSUM) |
	(1ULL << VIRTIO_NET_F_GUEST_CSUM) | (1ULL << VIRTIO_NET_F_HOST_TSO4) |
	(1ULL << VIRTIO_NET_F_HOST_TSO6) | (1ULL << VIRTIO_NET_F_GUEST_TSO4) |
	(1ULL << VIRTIO_NET_F_GUEST_TSO6)), "offload feature bits");
_Static_assert(VSW_VPORT_NEVER_FEATURES == ((1ULL << VIRTIO_NET_F_GSO) |
	(1ULL << VIRTIO_NET_F_GUEST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_UFO) |
	(1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO)),
	"never offered feature bits");

uint64_t
vsw_vport_features_disabled(bool offload)
{
	return VSW_VPORT_NEVER_FEATURES |
		(offload ? 0 : VSW_VPORT_OFFLOAD_FEATURES);
}

uint8_t
vsw_vport_offloads(uint64_t features)
{
	uint8_t ol = 0;

	/* The specification makes TSO depend on checksum offload. */
	if (features & (1ULL << VIRTIO_NET_F_GUEST_CSUM)) {
		ol |= VSW_FWD_OL_TX_CSUM;
		if (features & (1ULL << VIRTIO_NET_F_GUEST_TSO4))
			ol |= VSW_FWD_OL_TX_TSO4;
		if (features & (1ULL << VIRTIO_NET_F_GUEST_TSO6))
			ol |= VSW_FWD_OL_TX_TSO6;
	}
	if (features & (1ULL << VIRTIO_NET_F_CSUM)) {
		ol |= VSW_FWD_OL_RX_CSUM;
		if (features & (1ULL << VIRTIO_NET_F_HOST_TSO4))
			ol |= VSW_FWD_OL_RX_TSO4;
		if (features & (1ULL << VIRTIO_NET_F_HOST_TSO6))
			ol |= VSW_FWD_OL_RX_TSO6;
	}
	return ol;
}
