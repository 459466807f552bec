/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path of packet capture: copy the frames of a captured port into
 * the calling lcore's ring. Called only while a capture runs; takes no
 * lock, never waits, and drops (and counts) a copy rather than delay the
 * frame it copies.
 */

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>

#include "capture.h"

/* Does @p m carry an outer 802.1Q tag with VLAN id @p vlan? */
static inline bool
vlan_match(const struct rte_mbuf *m, int32_t vlan)
{
	const struct rte_vlan_hdr *vh;
	const struct rte_ether_hdr *eh;

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*vh))
		return false;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN))
		return false;
	vh = (const struct rte_vlan_hdr *)(eh + 1);
	return (rte_be_to_cpu_16(vh->vlan_tci) & 0xfff) == (uint16_t)vlan;
}

void
vsw_capture_burst(struct vsw_capture *c, uint16_t lcore, uint16_t port,
	unsigned int dir, struct rte_mbuf *const *pkts, uint16_t n)
{
	uint64_t tap = __atomic_load_n(&c->tap[port], __ATOMIC_ACQUIRE);
	struct rte_mbuf *copy[VSW_BURST];
	const struct cap_slot_dp *sd;
	struct cap_lcore *lc;
	unsigned int slot, k = 0, q;
	uint64_t tsc;
	uint32_t tag;
	uint16_t i;

	if (likely((TAP_DIR(tap) & dir) == 0))
		return;
	n = RTE_MIN(n, (uint16_t)RTE_DIM(copy));
	slot = TAP_SLOT(tap);
	sd = &c->slot_dp[slot];
	lc = &c->lc[lcore];
	tag = TAG_MAKE(slot, TAP_GEN(tap));
	tsc = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct rte_mbuf *mc;
		struct cap_epb *epb;

		if (sd->vlan >= 0 && !vlan_match(pkts[i], sd->vlan)) {
			lc->cnt[slot][CNT_FILTERED]++;
			continue;
		}
		mc = cap_pcapng_copy(port, pkts[i], c->pool, sd->snaplen, tsc,
			dir == VSW_CAPTURE_RX ? RTE_PCAPNG_DIRECTION_IN :
			RTE_PCAPNG_DIRECTION_OUT);
		if (unlikely(mc == NULL)) {
			lc->cnt[slot][CNT_NOMBUF]++;
			continue;
		}
		/* The writer fills in the file's interface and time. */
		epb = rte_pktmbuf_mtod(mc, struct cap_epb *);
		epb->interface_id = TAP_IFACE(tap);
		epb->timestamp_hi = (uint32_t)(tsc >> 32);
		epb->timestamp_lo = (uint32_t)tsc;
		mc->hash.usr = tag;
		copy[k++] = mc;
	}
	if (k == 0)
		return;
	q = rte_ring_sp_enqueue_burst(lc->ring, (void *const *)copy, k, NULL);
	if (unlikely(q < k)) {
		rte_pktmbuf_free_bulk(copy + q, k - q);
		lc->cnt[slot][CNT_RING] += k - q;
	}
	lc->cnt[slot][CNT_COPIED] += q;
}
