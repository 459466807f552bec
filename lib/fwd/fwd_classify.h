/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/fwd: the view the lcores read, the per-destination
 * arrays a burst is classified into, and the classifier. Shared by the
 * data-path files and the unit tests, which drive the classifier with
 * hand-made views.
 */
#ifndef FWD_CLASSIFY_H
#define FWD_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "vsw_config.h"
#include "vsw_fwd.h"
#include "vsw_mac.h"

/**
 * Per-destination result of classifying one burst, also the scratch area
 * of one PMD lcore. Destinations get slots in the order they first occur,
 * so a burst for a few ports touches a few slots whatever the port ids
 * (a switch may have VSW_MAX_PORTS ports). slot[port] is the port's slot
 * plus one, 0 for none. The invariant between bursts is nb_dst zero and
 * slot[] all zero; fwd_burst_reset() restores it.
 */
struct fwd_burst {
	uint16_t nb_dst;                     /**< Slots in use. */
	uint16_t nb_extra;                   /**< Copies made (VLANs). */
	uint16_t drop[VSW_DROP_MAX];         /**< rx drops of this burst. */
	uint16_t learn_table_full;
	uint16_t learn_port_limit;
	uint16_t mac_moves;
	uint16_t slot[VSW_MAX_PORTS];        /**< Port -> slot + 1. */
	uint16_t dst_port[VSW_MAX_PORTS];    /**< Slot -> port. */
	uint16_t dst_nb[VSW_MAX_PORTS];      /**< Slot -> frames. */
	struct rte_mbuf *dst_pkts[VSW_MAX_PORTS][VSW_BURST];
	/**
	 * Copies the burst owns, freed with it by fwd_burst_reset(): a
	 * flooded frame's tagged copy, or a frame that was not ours to
	 * change in place. At most two per frame.
	 */
	struct rte_mbuf *extra[2 * VSW_BURST];
};

/** How the lcores see one port. */
struct fwd_view_port {
	int vid;             /**< rte_vhost vid, or ethdev port id */
	uint8_t state;       /**< enum vsw_fwd_port_state */
	uint8_t ol;          /**< VSW_FWD_OL_* of its connection */
	uint8_t kind;        /**< enum vsw_fwd_port_kind */
	uint8_t link_down;   /**< ethdev: frames to it are port-down */
	uint8_t vmode;       /**< enum vsw_vlan_mode */
	uint16_t vlan;       /**< access: its VLAN; trunk: native, or 0 */
	uint8_t mir_rx;      /**< mirror of what it sends us, + 1 (0: none) */
	uint8_t mir_tx;      /**< mirror of what we deliver to it, + 1 */
	uint8_t mir_out;     /**< a mirror's output: not in live[] */
	const uint64_t *trunks; /**< trunk: its VLANs (4096 bits) */
};

/**
 * A read-only picture of the ports, as the lcores see it. live[] lists
 * the ports in RUN or PARK (the flood targets) that are no mirror's
 * output, in ascending order; it is kept by fwd_view_set() and
 * fwd_view_mirror_out(), its only writers.
 */
struct fwd_view {
	uint16_t nb_vlan;    /**< Ports with a VLAN mode: none, and every
				  frame is on VLAN 0 (fwd_classify_vlan()
				  is not needed). */
	uint16_t nb_mirror;  /**< Mirrors (VSW_FWD_MIRROR_MAX at most). */
	uint16_t nb_live;
	uint16_t live[VSW_MAX_PORTS];
	struct fwd_view_port port[VSW_MAX_PORTS];
	uint16_t mirror_out[VSW_FWD_MIRROR_MAX]; /**< Mirror -> output. */
};

/** Is @p port a destination in view @p v (running or parked)? */
static inline bool
fwd_view_live(const struct fwd_view *v, uint16_t port)
{
	return v->port[port].state != VSW_FWD_DOWN;
}

/**
 * Set one port's state and vid in a view that is not published yet, and
 * keep its list of live ports in order.
 */
void
fwd_view_set(struct fwd_view *v, uint16_t port,
	enum vsw_fwd_port_state state, int vid);

/**
 * Make @p port a mirror's output (reserved: out of the flood list) or a
 * port like the others again, in a view that is not published yet.
 */
void
fwd_view_mirror_out(struct fwd_view *v, uint16_t port, bool out);

/**
 * Set one port's VLANs (enum vsw_vlan_mode @p mode, its VLAN or native
 * one, the trunk bitmap, which the view does not own) in a view that is
 * not published yet, and keep the count of ports with VLANs.
 */
void
fwd_view_vlan_set(struct fwd_view *v, uint16_t port, uint8_t mode,
	uint16_t vlan, const uint64_t *trunks);

/** Append frame @p m to port @p port's array in @p b. */
static inline void
fwd_burst_add(struct fwd_burst *b, uint16_t port, struct rte_mbuf *m)
{
	uint16_t s = b->slot[port];

	if (s == 0) {
		s = ++b->nb_dst;
		b->slot[port] = s;
		b->dst_port[s - 1] = port;
	}
	b->dst_pkts[s - 1][b->dst_nb[s - 1]++] = m;
}

/**
 * The first 14 bytes (addresses and EtherType) of the frame a classifier
 * handled last, and, when it went to one port as it was (untagged and
 * unchanged), that port's slot plus one (0: it did not).
 */
struct fwd_prev {
	uint64_t hi;
	uint32_t lo;
	uint16_t type;
	uint16_t slot;
	uint16_t tci;   /**< its vlan_tci (VLAN classifier) */
};

/**
 * Frames of a burst usually share their addresses. Does @p m repeat the
 * frame before (@p p), which went to one port as it was? Then it goes
 * there too, with that frame's vlan_tci when @p set_tci, and the caller
 * is done with it (its source was learned with the frame before).
 * Otherwise @p p becomes @p m's, with no port yet.
 */
static inline bool
fwd_repeat(struct fwd_burst *b, struct fwd_prev *p, struct rte_mbuf *m,
	bool set_tci)
{
	const uint8_t *h = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t hi;
	uint32_t lo;
	uint16_t type;

	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
		p->slot = 0;
		return false;
	}
	memcpy(&hi, h, sizeof(hi));
	memcpy(&lo, h + sizeof(hi), sizeof(lo));
	memcpy(&type, h + 2 * RTE_ETHER_ADDR_LEN, sizeof(type));
	if (hi == p->hi && lo == p->lo && type == p->type && p->slot != 0) {
		if (set_tci)
			m->vlan_tci = p->tci;
		b->dst_pkts[p->slot - 1][b->dst_nb[p->slot - 1]++] = m;
		return true;
	}
	p->hi = hi;
	p->lo = lo;
	p->type = type;
	p->slot = 0;
	return false;
}

/** Count what vsw_mac_learn() said, in @p b. */
static inline void
fwd_count_learn(struct fwd_burst *b, enum vsw_mac_learn_result r)
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

/** What a port does with a frame of some VLAN (fwd_vlan_out()). */
enum fwd_vlan_out {
	FWD_VLAN_NO = 0,      /**< not a member: it must not get it */
	FWD_VLAN_AS_IS,       /**< untagged, or on VLAN 0 as it came */
	FWD_VLAN_TAGGED,      /**< tagged with the VLAN */
};

/**
 * The VLAN of a frame received on port @p p, or -1 if the port does not
 * carry it. @p tagged: the frame has an outer 802.1Q tag, with VID @p vid
 * (0: priority tag only).
 */
static inline int
fwd_vlan_in(const struct fwd_view_port *p, bool tagged, uint16_t vid)
{
	switch (p->vmode) {
	case VSW_VLAN_ACCESS:
		return !tagged || vid == 0 ? p->vlan : -1;
	case VSW_VLAN_TRUNK:
		if (!tagged || vid == 0)
			return p->vlan != 0 ? p->vlan : -1;
		if (vid == p->vlan || (vid <= VSW_VLAN_MAX &&
				(p->trunks[vid / 64] >> (vid % 64)) & 1))
			return vid;
		return -1;
	default:
		return 0;	/* VLAN 0: tags are payload */
	}
}

/** How port @p p sends a frame of VLAN @p vlan (0..4094). */
static inline enum fwd_vlan_out
fwd_vlan_out(const struct fwd_view_port *p, uint16_t vlan)
{
	switch (p->vmode) {
	case VSW_VLAN_ACCESS:
		return vlan == p->vlan ? FWD_VLAN_AS_IS : FWD_VLAN_NO;
	case VSW_VLAN_TRUNK:
		if (vlan == 0)
			return FWD_VLAN_NO;
		if (vlan == p->vlan)
			return FWD_VLAN_AS_IS;
		return (p->trunks[vlan / 64] >> (vlan % 64)) & 1 ?
			FWD_VLAN_TAGGED : FWD_VLAN_NO;
	default:
		return vlan == 0 ? FWD_VLAN_AS_IS : FWD_VLAN_NO;
	}
}

/**
 * fwd_classify() for a view where some port has VLANs (fwd_vlan.c):
 * frames are classified into VLANs, learned and looked up by (VLAN, MAC),
 * flooded within their VLAN; a frame's tag is popped on a VLAN port's
 * ingress (in place: the frame is the burst's) and pushed towards a
 * trunk (in place for one destination, on one copy per flooded frame).
 * The copies are the burst's (b->extra).
 */
uint16_t
fwd_classify_vlan(struct fwd_burst *b, const struct fwd_view *v,
	struct vsw_mac_table *mac, uint16_t in, struct rte_mbuf **pkts,
	uint16_t n, uint32_t now);

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

/** Frames of @p b for @p port (0 if it is no destination). */
static inline uint16_t
fwd_burst_nb(const struct fwd_burst *b, uint16_t port)
{
	uint16_t s = b->slot[port];

	return s == 0 ? 0 : b->dst_nb[s - 1];
}

/** Clear a burst after its destinations were sent; free its copies. */
static inline void
fwd_burst_reset(struct fwd_burst *b)
{
	unsigned int i;

	if (unlikely(b->nb_extra != 0)) {
		rte_pktmbuf_free_bulk(b->extra, b->nb_extra);
		b->nb_extra = 0;
	}
	for (i = 0; i < b->nb_dst; i++) {
		b->slot[b->dst_port[i]] = 0;
		b->dst_nb[i] = 0;
	}
	b->nb_dst = 0;
	for (i = 0; i < VSW_DROP_MAX; i++)
		b->drop[i] = 0;
	b->learn_table_full = 0;
	b->learn_port_limit = 0;
	b->mac_moves = 0;
}

#endif /* FWD_CLASSIFY_H */
