/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path: turn one received burst into per-destination arrays.
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "fwd.h"

const char * const vsw_drop_names[VSW_DROP_MAX] = {
	[VSW_DROP_OWN_PORT] = "own-port",
	[VSW_DROP_NO_DEST] = "no-dest",
	[VSW_DROP_MALFORMED] = "malformed",
	[VSW_DROP_BAD_OFFLOAD] = "bad-offload",
	[VSW_DROP_VLAN] = "vlan",
	[VSW_DROP_NO_MBUF] = "no-mbuf",
	[VSW_DROP_MIRROR_OUT] = "mirror-out",
	[VSW_DROP_RING_FULL] = "ring-full",
	[VSW_DROP_SUSPENDED] = "suspended",
	[VSW_DROP_PORT_DOWN] = "port-down",
	[VSW_DROP_GSO_NOMEM] = "gso-nomem",
};

/* Is @p port in @p v's flood list (live, and no mirror's output)? */
static inline bool
listed(const struct fwd_view *v, uint16_t port)
{
	return fwd_view_live(v, port) && !v->port[port].mir_out;
}

/* Put @p port in the flood list or take it out, as it now @p is. */
static void
list_update(struct fwd_view *v, uint16_t port, bool was, bool is)
{
	uint16_t i = 0;

	if (was == is)
		return;
	while (i < v->nb_live && v->live[i] < port)
		i++;
	if (is) {
		memmove(&v->live[i + 1], &v->live[i],
			(v->nb_live - i) * sizeof(v->live[0]));
		v->live[i] = port;
		v->nb_live++;
	} else {
		memmove(&v->live[i], &v->live[i + 1],
			(v->nb_live - i - 1) * sizeof(v->live[0]));
		v->nb_live--;
	}
}

void
fwd_view_set(struct fwd_view *v, uint16_t port,
	enum vsw_fwd_port_state state, int vid)
{
	bool was = listed(v, port);

	v->port[port].state = (uint8_t)state;
	v->port[port].vid = vid;
	list_update(v, port, was, listed(v, port));
}

void
fwd_view_mirror_out(struct fwd_view *v, uint16_t port, bool out)
{
	bool was = listed(v, port);

	v->port[port].mir_out = out;
	list_update(v, port, was, listed(v, port));
}

void
fwd_view_vlan_set(struct fwd_view *v, uint16_t port, uint8_t mode,
	uint16_t vlan, const uint64_t *trunks)
{
	struct fwd_view_port *vp = &v->port[port];

	v->nb_vlan -= vp->vmode != VSW_VLAN_NONE;
	v->nb_vlan += mode != VSW_VLAN_NONE;
	vp->vmode = mode;
	vp->vlan = vlan;
	vp->trunks = trunks;
}

/* Every live port but @p in; false if there is none. */
static inline bool
add_flood(struct fwd_burst *b, const struct fwd_view *v, uint16_t in,
	struct rte_mbuf *m)
{
	uint16_t i, nb = v->nb_live;

	if (unlikely(nb <= 1 && (nb == 0 || v->live[0] == in))) {
		b->drop[VSW_DROP_NO_DEST]++;
		return false;
	}
	for (i = 0; i < nb; i++)
		if (v->live[i] != in)
			fwd_burst_add(b, v->live[i], m);
	return true;
}

static uint16_t
classify_xconnect(struct fwd_burst *b, const struct fwd_view *v,
	uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t peer = in ^ 1;
	uint16_t i;

	if (unlikely(peer >= VSW_MAX_PORTS || !fwd_view_live(v, peer))) {
		b->drop[VSW_DROP_NO_DEST] += n;
		return n;
	}
	for (i = 0; i < n; i++)
		fwd_burst_add(b, peer, pkts[i]);
	return 0;
}

uint16_t
fwd_classify(struct fwd_burst *b, const struct fwd_view *v,
	enum vsw_fwd_mode mode, struct vsw_mac_table *mac, uint16_t in,
	struct rte_mbuf **pkts, uint16_t n, uint32_t now)
{
	uint64_t last_src = UINT64_MAX, last_dst = UINT64_MAX;
	uint16_t last_port = VSW_MAC_PORT_NONE;
	struct fwd_prev prev = { .slot = 0 };
	uint16_t i, dropped = 0;

	if (mode == VSW_FWD_XCONNECT)
		return classify_xconnect(b, v, in, pkts, n);
	if (unlikely(v->nb_vlan != 0))
		return fwd_classify_vlan(b, v, mac, in, pkts, n, now);

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;
		uint64_t src, dst;
		uint16_t port;

		if (fwd_repeat(b, &prev, m, false))
			continue;
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
			fwd_count_learn(b, vsw_mac_learn(mac, src, in, now));
			last_src = src;
		}
		if (vsw_mac_is_group(dst)) {
			dropped += !add_flood(b, v, in, m);
			continue;
		}
		if (dst != last_dst) {
			last_port = vsw_mac_lookup(mac, dst);
			last_dst = dst;
		}
		port = last_port;
		if (port == VSW_MAC_PORT_NONE) {
			dropped += !add_flood(b, v, in, m);
		} else if (unlikely(port == in)) {
			b->drop[VSW_DROP_OWN_PORT]++;
			dropped++;
		} else if (unlikely(port >= VSW_MAX_PORTS ||
				!fwd_view_live(v, port))) {
			b->drop[VSW_DROP_NO_DEST]++;
			dropped++;
		} else {
			fwd_burst_add(b, port, m);
			prev.slot = b->slot[port];
		}
	}
	return dropped;
}
