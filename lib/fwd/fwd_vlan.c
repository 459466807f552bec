/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path: classifying a burst when some port has VLANs.
 *
 * A frame's VLAN comes from its ingress port and outer tag
 * (fwd_vlan_in()). On a VLAN port its tag, if any, is popped at once, so
 * that inside the switch every frame of a VLAN is untagged, its VLAN and
 * priority kept in m->vlan_tci; frames of VLAN 0 (ports without VLANs)
 * are never touched. A destination that wants the frame tagged
 * (fwd_vlan_out()) gets it with the tag pushed: in place when the frame
 * has that one destination, else on one copy per frame shared by every
 * trunk that wants it. A frame we change in place must be ours alone:
 * frames fresh from a receive burst are (one reference, direct), and one
 * that is not is copied first.
 *
 * Offload requests (fwd_offload.h) compose with tags: a frame's header
 * lengths follow its tag as it is popped and pushed (rte_vlan_insert()
 * adds the tag to l2_len), and the per-destination checksum or
 * segmentation runs on the frame as the destination gets it, tagged or
 * not, so that each segment carries the tag.
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "fwd.h"

#define VLAN_TPID RTE_BE16(RTE_ETHER_TYPE_VLAN)
#define TCI_PRIO_MASK 0xf000   /* PCP and DEI: kept from the ingress tag */
#define TCI_VID_MASK 0x0fff

/* A copy of @p m the burst owns, or NULL. */
static struct rte_mbuf *
burst_copy(struct fwd_burst *b, struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

	if (c != NULL)
		b->extra[b->nb_extra++] = c;
	return c;
}

/* @p m, or a copy when it is not ours alone to change. */
static inline struct rte_mbuf *
writable(struct fwd_burst *b, struct rte_mbuf *m)
{
	if (likely(RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1))
		return m;
	return burst_copy(b, m);
}

/*
 * Take the outer tag off @p m (at least 18 bytes in its first segment).
 * A frame with an offload request had its header lengths measured with
 * the tag (fwd_ol_prepare() runs first): its l2_len loses the tag too,
 * as rte_vlan_insert() adds it again on the way out. Checksums and
 * segmentation for the destination come after the tag is right, so
 * every segment carries the destination's tag.
 */
static inline void
vlan_pop(struct rte_mbuf *m)
{
	char *eh = rte_pktmbuf_mtod(m, char *);

	memmove(eh + RTE_VLAN_HLEN, eh, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(m, RTE_VLAN_HLEN);
	if (unlikely(fwd_ol_kind(m) != FWD_OL_NONE))
		m->l2_len -= RTE_VLAN_HLEN;
}

/* Tag @p m with its vlan_tci, in place if we may; NULL if we cannot. */
static struct rte_mbuf *
vlan_push(struct fwd_burst *b, struct rte_mbuf *m)
{
	struct rte_mbuf *t = m;

	if (rte_vlan_insert(&t) == 0)
		return t;
	t = burst_copy(b, m);
	if (t == NULL || rte_vlan_insert(&t) != 0)
		return NULL;
	return t;
}

/* A tagged copy of @p m for flooding, or NULL. */
static struct rte_mbuf *
tagged_copy(struct fwd_burst *b, struct rte_mbuf *m)
{
	struct rte_mbuf *t = burst_copy(b, m);

	if (t == NULL || rte_vlan_insert(&t) != 0)
		return NULL;
	return t;
}

/*
 * Every live port of @p vlan but @p in, tagged or not as each wants;
 * false if there is none, or no copy could be made.
 */
static bool
flood_vlan(struct fwd_burst *b, const struct fwd_view *v, uint16_t in,
	struct rte_mbuf *m, uint16_t vlan)
{
	struct rte_mbuf *tagged = NULL;
	uint16_t i, p, nb = 0;
	bool nomem = false;

	for (i = 0; i < v->nb_live; i++) {
		p = v->live[i];
		if (p == in)
			continue;
		switch (fwd_vlan_out(&v->port[p], vlan)) {
		case FWD_VLAN_AS_IS:
			fwd_burst_add(b, p, m);
			nb++;
			break;
		case FWD_VLAN_TAGGED:
			if (tagged == NULL && !nomem)
				tagged = tagged_copy(b, m);
			nomem = tagged == NULL;
			if (!nomem) {
				fwd_burst_add(b, p, tagged);
				nb++;
			}
			break;
		default:
			break;
		}
	}
	if (nomem)
		b->drop[VSW_DROP_NO_MBUF]++;
	else if (nb == 0)
		b->drop[VSW_DROP_NO_DEST]++;
	return nb != 0;
}

/* A frame of @p vlan for known port @p port; false if dropped. */
static bool
to_port(struct fwd_burst *b, const struct fwd_view *v, uint16_t in,
	uint16_t port, struct rte_mbuf *m, uint16_t vlan)
{
	if (unlikely(port == in)) {
		b->drop[VSW_DROP_OWN_PORT]++;
		return false;
	}
	if (unlikely(port >= VSW_MAX_PORTS || !fwd_view_live(v, port))) {
		b->drop[VSW_DROP_NO_DEST]++;
		return false;
	}
	switch (fwd_vlan_out(&v->port[port], vlan)) {
	case FWD_VLAN_AS_IS:
		break;
	case FWD_VLAN_TAGGED:
		m = vlan_push(b, m);
		if (m == NULL) {
			b->drop[VSW_DROP_NO_MBUF]++;
			return false;
		}
		break;
	default:	/* an entry from before the port changed VLANs */
		b->drop[VSW_DROP_VLAN]++;
		return false;
	}
	fwd_burst_add(b, port, m);
	return true;
}

/*
 * The VLAN of @p *mp received on @p ip, its tag popped (on a VLAN port);
 * -1 with the reason counted when it is dropped. *mp may become a copy.
 */
static int
ingress(struct fwd_burst *b, const struct fwd_view_port *ip,
	struct rte_mbuf **mp)
{
	struct rte_mbuf *m = *mp;
	const struct rte_ether_hdr *eth;
	uint16_t tci = 0;
	bool tagged;
	int vlan;

	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN))
		goto malformed;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	tagged = eth->ether_type == VLAN_TPID;
	if (tagged) {
		if (unlikely(rte_pktmbuf_data_len(m) <
				RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN))
			goto malformed;
		tci = rte_be_to_cpu_16(((const struct rte_vlan_hdr *)
			(eth + 1))->vlan_tci);
	}
	vlan = fwd_vlan_in(ip, tagged, tci & TCI_VID_MASK);
	if (vlan < 0) {
		b->drop[VSW_DROP_VLAN]++;
		return -1;
	}
	if (ip->vmode == VSW_VLAN_NONE)
		return 0;	/* VLAN 0: as it came */
	if (tagged) {
		m = writable(b, m);
		if (m == NULL) {
			b->drop[VSW_DROP_NO_MBUF]++;
			return -1;
		}
		vlan_pop(m);
		*mp = m;
	}
	m->vlan_tci = (tci & TCI_PRIO_MASK) | (uint16_t)vlan;
	return vlan;
malformed:
	b->drop[VSW_DROP_MALFORMED]++;
	return -1;
}

/*
 * Untagged @p m went to @p port as it came: a repeat of it can follow
 * (fwd_repeat()).
 */
static inline void
remember(const struct fwd_burst *b, struct fwd_prev *p, uint16_t port,
	const struct rte_mbuf *m)
{
	p->slot = b->slot[port];
	p->tci = m->vlan_tci;
}

uint16_t
fwd_classify_vlan(struct fwd_burst *b, const struct fwd_view *v,
	struct vsw_mac_table *mac, uint16_t in, struct rte_mbuf **pkts,
	uint16_t n, uint32_t now)
{
	uint64_t last_src = UINT64_MAX, last_dst = UINT64_MAX;
	uint16_t last_port = VSW_MAC_PORT_NONE;
	struct fwd_prev prev = { .slot = 0 };
	uint16_t i, dropped = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;
		uint64_t src, dst;
		int vlan;

		if (fwd_repeat(b, &prev, m, true))
			continue;
		vlan = ingress(b, &v->port[in], &m);
		if (vlan < 0) {
			dropped++;
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		src = vsw_mac_vkey(vsw_mac_key(&eth->src_addr), vlan);
		dst = vsw_mac_vkey(vsw_mac_key(&eth->dst_addr), vlan);
		if (src != last_src) {
			fwd_count_learn(b, vsw_mac_learn(mac, src, in, now));
			last_src = src;
		}
		if (vsw_mac_is_group(dst)) {
			dropped += !flood_vlan(b, v, in, m, vlan);
			continue;
		}
		if (dst != last_dst) {
			last_port = vsw_mac_lookup(mac, dst);
			last_dst = dst;
		}
		if (last_port == VSW_MAC_PORT_NONE)
			dropped += !flood_vlan(b, v, in, m, vlan);
		else if (!to_port(b, v, in, last_port, m, vlan))
			dropped++;
		else if (prev.type != VLAN_TPID && fwd_vlan_out(
				&v->port[last_port], vlan) == FWD_VLAN_AS_IS)
			remember(b, &prev, last_port, m);
	}
	return dropped;
}
