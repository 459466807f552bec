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
 *
 * An ethdev port uses its device's transmit checksum and TSO offloads
 * (vsw_vport_eth_offloads()) unless it says offload=0; it makes no
 * requests of its own (its frames come whole). net_tap (22.11 and
 * 24.11) offers TCP_TSO, but refuses a TSO frame whose segments,
 * Ethernet header included, exceed the MTU (every full-sized one: it
 * compares the whole frame with the MTU) and does not segment IPv6 at
 * all; it gets checksum offload only, and TSO frames towards it are
 * segmented by the switch.
 */

#include <string.h>

#include <linux/virtio_net.h>

#include <rte_ethdev.h>

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

/* Drivers whose TSO is not used. */
static bool
tso_broken(const char *driver)
{
	return driver != NULL && strcmp(driver, "net_tap") == 0;
}

uint8_t
vsw_vport_eth_offloads(const char *driver, uint64_t capa, uint64_t *enable)
{
	const uint64_t csum = RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	uint8_t ol;

	*enable = capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (!(capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) || (capa & csum) != csum)
		return 0;
	ol = VSW_FWD_OL_TX_CSUM;
	*enable |= csum | (capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	if (!(capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) || tso_broken(driver))
		return ol;
	*enable |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	ol |= VSW_FWD_OL_TX_TSO6;
	if (capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		ol |= VSW_FWD_OL_TX_TSO4;
	return ol;
}
