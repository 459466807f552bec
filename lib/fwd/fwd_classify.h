/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/fwd: the view the lcores read, the per-destination
 * arrays a burst is classified into, and the classifier. Shared by the
 * data-path files and the unit tests, which drive the classifier with
 * hand-made views.
 */
#ifndef FWD_CLASSIFY_H
#define FWD_CLASSIFY_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "vsw_config.h"
#include "vsw_fwd.h"
#include "vsw_mac.h"

/**
 * Per-destination result of classifying one burst, also the scratch area
 * of one PMD lcore. The invariant between bursts is nb[] all zero and
 * dst_mask zero; fwd_burst_reset() restores it.
 */
struct fwd_burst {
	uint64_t dst_mask;                   /**< Ports with frames. */
	uint16_t drop[VSW_DROP_MAX];         /**< rx drops of this burst. */
	uint16_t learn_table_full;
	uint16_t learn_port_limit;
	uint16_t mac_moves;
	uint16_t nb[VSW_MAX_PORTS];          /**< Frames per destination. */
	struct rte_mbuf *pkts[VSW_MAX_PORTS][VSW_BURST];
};

/** A read-only picture of the ports, as the lcores see it. */
struct fwd_view {
	uint64_t live_mask;  /**< Ports in RUN or PARK: flood targets. */
	struct {
		int vid;
		uint8_t state;   /**< enum vsw_fwd_port_state */
	} port[VSW_MAX_PORTS];
};

/**
 * Classify a burst received on @p in_port: learn sources, look up
 * destinations, and fill @p b. Does not free or send anything; every frame
 * of @p pkts is either in some destination array of @p b or counted in
 * b->drop. A frame flooded to k ports appears in k arrays.
 *
 * @return
 *   Number of frames dropped.
 */
uint16_t
fwd_classify(struct fwd_burst *b, const struct fwd_view *v,
	enum vsw_fwd_mode mode, struct vsw_mac_table *mac, uint16_t in_port,
	struct rte_mbuf **pkts, uint16_t n, uint32_t now);

/** Clear a burst after its destinations were sent. */
static inline void
fwd_burst_reset(struct fwd_burst *b)
{
	uint64_t m = b->dst_mask;
	unsigned int i;

	while (m != 0) {
		b->nb[__builtin_ctzll(m)] = 0;
		m &= m - 1;
	}
	b->dst_mask = 0;
	for (i = 0; i < VSW_DROP_MAX; i++)
		b->drop[i] = 0;
	b->learn_table_full = 0;
	b->learn_port_limit = 0;
	b->mac_moves = 0;
}

#endif /* FWD_CLASSIFY_H */
