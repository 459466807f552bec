/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path of packet capture: hand the frames of a captured port, by
 * reference, to the writer through the calling lcore's ring. Called only
 * while a capture runs; takes no lock, never waits, copies nothing, and
 * leaves a frame out (counted) rather than delay it.
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

/* A reference of the capture's own on every segment of @p m. */
static inline void
hold(struct rte_mbuf *m)
{
	do {
		rte_mbuf_refcnt_update(m, 1);
		m = m->next;
	} while (m != NULL);
}

void
vsw_capture_burst(struct vsw_capture *c, uint16_t lcore, uint16_t port,
	unsigned int dir, struct rte_mbuf *const *pkts, uint16_t n)
{
	uint64_t tap = __atomic_load_n(&c->tap[port], __ATOMIC_ACQUIRE);
	struct cap_ref ref[VSW_BURST];
	const struct cap_slot_dp *sd;
	struct cap_lcore *lc;
	unsigned int slot, k = 0, room;
	uint64_t tsc;
	uint32_t tag;
	uint16_t i;

	if (likely((TAP_DIR(tap) & dir) == 0))
		return;
	slot = TAP_SLOT(tap);
	sd = &c->slot_dp[slot];
	lc = &c->lc[lcore];
	tag = TAG_MAKE(slot, TAP_GEN(tap));
	tsc = rte_rdtsc();
	/* Only this lcore produces: the room can only grow meanwhile. */
	room = rte_ring_free_count(lc->ring);
	n = RTE_MIN(n, (uint16_t)RTE_DIM(ref));
	for (i = 0; i < n; i++) {
		if (sd->vlan >= 0 && !vlan_match(pkts[i], sd->vlan)) {
			lc->cnt[slot][CNT_FILTERED]++;
			continue;
		}
		if (unlikely(k == room)) {
			lc->cnt[slot][CNT_RING]++;
			continue;
		}
		hold(pkts[i]);
		ref[k].m = pkts[i];
		ref[k].tsc = tsc;
		ref[k].tag = tag;
		ref[k].iface = TAP_IFACE(tap);
		ref[k].port = port;
		ref[k].dir = dir;
		k++;
	}
	if (k == 0)
		return;
	rte_ring_sp_enqueue_bulk_elem(lc->ring, ref, sizeof(ref[0]), k, NULL);
	lc->cnt[slot][CNT_COPIED] += k;
}
