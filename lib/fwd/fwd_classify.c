/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path: turn one received burst into per-destination arrays.
 */

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "fwd.h"

const char * const vsw_drop_names[VSW_DROP_MAX] = {
	[VSW_DROP_OWN_PORT] = "own-port",
	[VSW_DROP_NO_DEST] = "no-dest",
	[VSW_DROP_MALFORMED] = "malformed",
	[VSW_DROP_RING_FULL] = "ring-full",
	[VSW_DROP_SUSPENDED] = "suspended",
	[VSW_DROP_PORT_DOWN] = "port-down",
};

static inline void
add_dst(struct fwd_burst *b, uint16_t port, struct rte_mbuf *m)
{
	b->pkts[port][b->nb[port]++] = m;
	b->dst_mask |= 1ULL << port;
}

static inline void
add_flood(struct fwd_burst *b, uint64_t mask, struct rte_mbuf *m)
{
	if (unlikely(mask == 0)) {
		b->drop[VSW_DROP_NO_DEST]++;
		return;
	}
	do {
		add_dst(b, (uint16_t)__builtin_ctzll(mask), m);
		mask &= mask - 1;
	} while (mask != 0);
}

static inline void
count_learn(struct fwd_burst *b, enum vsw_mac_learn_result r)
{
	switch (r) {
	case VSW_MAC_LEARN_MOVED:
		b->mac_moves++;
		break;
	case VSW_MAC_LEARN_TABLE_FULL:
		b->learn_table_full++;
		break;
	case VSW_MAC_LEARN_PORT_LIMIT:
		b->learn_port_limit++;
		break;
	default:
		break;
	}
}

static uint16_t
classify_xconnect(struct fwd_burst *b, const struct fwd_view *v,
	uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t peer = in ^ 1;
	uint16_t i;

	if (unlikely(peer >= VSW_MAX_PORTS ||
			!(v->live_mask & (1ULL << peer)))) {
		b->drop[VSW_DROP_NO_DEST] += n;
		return n;
	}
	for (i = 0; i < n; i++)
		b->pkts[peer][i] = pkts[i];
	b->nb[peer] = n;
	b->dst_mask = 1ULL << peer;
	return 0;
}

uint16_t
fwd_classify(struct fwd_burst *b, const struct fwd_view *v,
	enum vsw_fwd_mode mode, struct vsw_mac_table *mac, uint16_t in,
	struct rte_mbuf **pkts, uint16_t n, uint32_t now)
{
	uint64_t flood = v->live_mask & ~(1ULL << in);
	uint64_t last_src = UINT64_MAX, last_dst = UINT64_MAX;
	uint16_t last_port = VSW_MAC_PORT_NONE;
	uint16_t i, dropped = 0;

	if (mode == VSW_FWD_XCONNECT)
		return classify_xconnect(b, v, in, pkts, n);

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;
		uint64_t src, dst;
		uint16_t port;

		if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
			b->drop[VSW_DROP_MALFORMED]++;
			dropped++;
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		src = vsw_mac_key(&eth->src_addr);
		dst = vsw_mac_key(&eth->dst_addr);

		/* Frames of one burst usually share their addresses. */
		if (src != last_src) {
			count_learn(b, vsw_mac_learn(mac, src, in, now));
			last_src = src;
		}
		if (vsw_mac_is_group(dst)) {
			dropped += flood == 0;
			add_flood(b, flood, m);
			continue;
		}
		if (dst != last_dst) {
			last_port = vsw_mac_lookup(mac, dst);
			last_dst = dst;
		}
		port = last_port;
		if (port == VSW_MAC_PORT_NONE) {
			dropped += flood == 0;
			add_flood(b, flood, m);
		} else if (unlikely(port == in)) {
			b->drop[VSW_DROP_OWN_PORT]++;
			dropped++;
		} else if (unlikely(!(v->live_mask & (1ULL << port)))) {
			b->drop[VSW_DROP_NO_DEST]++;
			dropped++;
		} else {
			add_dst(b, port, m);
		}
	}
	return dropped;
}
