/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path: the PMD lcore loop, transmission and the suspended-port
 * backlogs. Nothing here takes a lock of ours or allocates memory.
 */

#include <errno.h>
#include <sys/prctl.h>
#include <time.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_prefetch.h>
#include <rte_vhost.h>

#include "fwd.h"

/* Guest RX vring this lcore uses for @p port, or UINT16_MAX if none. */
static inline uint16_t
pick_txq(struct pmd_ctx *pc, uint16_t port)
{
	uint32_t mask = __atomic_load_n(&pc->f->shared[port].vring_mask,
		__ATOMIC_RELAXED) & VRING_MASK_GUEST_RX;
	unsigned int n, k;

	if (likely(mask == pc->txq_mask[port]))
		return pc->txq[port];
	pc->txq_mask[port] = mask;
	n = __builtin_popcount(mask);
	if (n == 0) {
		pc->txq[port] = UINT16_MAX;
		return UINT16_MAX;
	}
	for (k = pc->idx % n; k > 0; k--)
		mask &= mask - 1;
	pc->txq[port] = (uint16_t)__builtin_ctz(mask);
	return pc->txq[port];
}

/*
 * Send @p n frames, whose references stay the caller's, to mirror output
 * @p out; returns how many it took. A vhost-user output copies them
 * during the call; an ethdev gets a reference of its own on each, as in
 * tx_eth(). An output that is not running (a suspended one's guest
 * memory is not touched), or whose link is down, takes none.
 */
static uint16_t
mirror_tx(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t out,
	struct rte_mbuf **pkts, uint16_t n)
{
	const struct fwd_view_port *vp = &v->port[out];
	uint16_t q, sent, i;

	if (vp->state != VSW_FWD_RUN || n == 0)
		return 0;
	if (vp->kind == VSW_FWD_ETH) {
		if (vp->link_down)
			return 0;
		for (i = 0; i < n; i++)
			rte_pktmbuf_refcnt_update(pkts[i], 1);
		sent = rte_eth_tx_burst((uint16_t)vp->vid, pc->idx, pkts, n);
		if (sent < n)
			rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		return sent;
	}
	q = pick_txq(pc, out);
	return q != UINT16_MAX ? rte_vhost_enqueue_burst(vp->vid, q, pkts, n) :
		0;
}

/*
 * A copy of @p m for a mirror, without its offload flags (the requests
 * were made of the switch, not of the mirror's output), or NULL.
 */
static struct rte_mbuf *
mirror_copy(struct pmd_ctx *pc, const struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(m, pc->mir_pool, 0, UINT32_MAX);

	if (c != NULL) {
		c->ol_flags &= ~(FWD_OL_RX_FLAGS | FWD_OL_TX_FLAGS);
		c->packet_type = 0;
	}
	return c;
}

/*
 * Mirror @p n frames (any number) to mirror @p mi's output, a burst at a
 * time: by reference, or as a copy those with one of @p copy_flags (an
 * offload request, which other destinations may complete in place
 * later), and, for an ethdev output (which may hold what it sends for a
 * while), segments of the lcore's small segmentation pools. What the
 * output does not take is counted as lost.
 */
static void __rte_noinline
mirror_burst(struct pmd_ctx *pc, const struct fwd_view *v, unsigned int mi,
	uint64_t copy_flags, struct rte_mbuf **pkts, uint16_t n)
{
	struct fwd_mirror_stats *ms = &pc->mirror[mi];
	struct vsw_port_stats *ps = &pc->port_stats[v->mirror_out[mi]];
	const struct rte_mempool *segs =
		v->port[v->mirror_out[mi]].kind == VSW_FWD_ETH ?
		pc->gso.ctx.direct_pool : NULL;
	struct rte_mbuf *tx[VSW_BURST], *copy[VSW_BURST], *m;
	uint16_t done, chunk, k, nc, sent, i;
	uint64_t bytes;

	for (done = 0; done < n; done += chunk) {
		chunk = RTE_MIN(n - done, VSW_BURST);
		for (i = 0, k = 0, nc = 0; i < chunk; i++) {
			m = pkts[done + i];
			if (unlikely((m->ol_flags & copy_flags) ||
					m->pool == segs)) {
				m = mirror_copy(pc, m);
				if (m == NULL)
					continue;	/* lost */
				copy[nc++] = m;
			}
			tx[k++] = m;
		}
		sent = mirror_tx(pc, v, v->mirror_out[mi], tx, k);
		for (i = 0, bytes = 0; i < sent; i++)
			bytes += rte_pktmbuf_pkt_len(tx[i]);
		if (nc != 0)
			rte_pktmbuf_free_bulk(copy, nc);
		ms->frames += sent;
		ms->bytes += bytes;
		ms->lost += chunk - sent;
		ps->tx_pkts += sent;
		ps->tx_bytes += bytes;
	}
}

/*
 * While a capture runs or a mirror exists (pc->tap_on): @p pkts were
 * delivered to @p port. The caller's references keep them readable.
 */
static void __rte_noinline
observe_tx(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	struct rte_mbuf **pkts, uint16_t n)
{
	uint8_t mi = v->port[port].mir_tx;

	if (*pc->cap_on)
		vsw_capture_burst(pc->f->p.capture, pc->idx, port,
			VSW_CAPTURE_TX, pkts, n);
	if (mi != 0)
		mirror_burst(pc, v, mi - 1u, FWD_OL_RX_FLAGS | FWD_OL_TX_FLAGS,
			pkts, n);
}

/*
 * Send to an ethdev port on this lcore's own TX queue. The device takes
 * ownership of what it sends, and the caller keeps its reference to
 * every frame (the burst is freed once, after every destination), so
 * each frame gets a reference of its own first; the unsent give theirs
 * back. Link down: every frame is dropped and counted as port-down,
 * and reported as taken (nothing for the caller to count).
 */
static uint16_t __rte_noinline
tx_eth(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	struct rte_mbuf **pkts, uint16_t n)
{
	struct vsw_port_stats *ps = &pc->port_stats[port];
	uint16_t sent, i;
	uint64_t bytes = 0;

	if (unlikely(v->port[port].link_down)) {
		ps->drop[VSW_DROP_PORT_DOWN] += n;
		return n;
	}
	for (i = 0; i < n; i++)
		rte_pktmbuf_refcnt_update(pkts[i], 1);
	sent = rte_eth_tx_burst((uint16_t)v->port[port].vid, pc->idx, pkts, n);
	if (unlikely(sent < n))
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	/* The caller's reference keeps what was sent readable. */
	if (unlikely(pc->tap_on) && sent != 0)	/* delivered: observe */
		observe_tx(pc, v, port, pkts, sent);
	for (i = 0; i < sent; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	ps->tx_pkts += sent;
	ps->tx_bytes += bytes;
	return sent;
}

/*
 * Send @p n frames whose references are the caller's to give to ethdev
 * @p port (sole_eth_dest()): what the device did not take is freed here
 * and counted as ring-full.
 */
static void __rte_noinline
tx_eth_owned(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	struct rte_mbuf **pkts, uint16_t n)
{
	struct vsw_port_stats *ps = &pc->port_stats[port];
	uint64_t bytes = 0;
	uint16_t sent, i;

	for (i = 0; i < n; i++)	/* sent frames are the device's after */
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	sent = rte_eth_tx_burst((uint16_t)v->port[port].vid, pc->idx, pkts, n);
	for (i = sent; i < n; i++)
		bytes -= rte_pktmbuf_pkt_len(pkts[i]);
	if (unlikely(sent < n)) {
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		ps->drop[VSW_DROP_RING_FULL] += n - sent;
	}
	ps->tx_pkts += sent;
	ps->tx_bytes += bytes;
}

/*
 * Send to a running port; returns how many it took. The caller's
 * references are left alone: rte_vhost copies, tx_eth() takes its own.
 */
static inline uint16_t
tx_enqueue(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	struct rte_mbuf **pkts, uint16_t n)
{
	struct vsw_port_stats *ps = &pc->port_stats[port];
	uint16_t q, sent, i;
	uint64_t bytes = 0;

	if (unlikely(v->port[port].kind == VSW_FWD_ETH))
		return tx_eth(pc, v, port, pkts, n);
	q = pick_txq(pc, port);
	sent = likely(q != UINT16_MAX) ?
		rte_vhost_enqueue_burst(v->port[port].vid, q, pkts, n) : 0;
	if (unlikely(pc->tap_on) && sent != 0)	/* delivered: observe */
		observe_tx(pc, v, port, pkts, sent);
	for (i = 0; i < sent; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	ps->tx_pkts += sent;
	ps->tx_bytes += bytes;
	return sent;
}

/*
 * Send a segmented frame's segments (g->out[0 .. n)) in bursts and free
 * them all. Returns how many the guest took; when it took some but not
 * all, the rest are counted as ring-full (when it took none, the frame
 * is the caller's to count or keep).
 */
static uint16_t
send_segments(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	uint16_t n)
{
	struct rte_mbuf **segs = pc->gso.out;
	uint16_t done = 0, sent = 0, k;

	while (done < n) {
		k = RTE_MIN(n - done, VSW_BURST);
		sent = tx_enqueue(pc, v, port, segs + done, k);
		done += sent;
		if (sent < k)
			break;
	}
	if (done != 0)
		pc->port_stats[port].drop[VSW_DROP_RING_FULL] += n - done;
	rte_pktmbuf_free_bulk(segs, n);
	return done;
}

/*
 * Make frame @p m, whose headers are its own, ready for ethdev @p eth's
 * offloads as DPDK asks of an application: the IPv4 header checksum
 * offloaded along with TSO (every segment needs its own), the
 * pseudo-header sum in the TCP or UDP checksum field
 * (rte_net_intel_cksum_prepare(): without the length for TSO), then
 * what the PMD itself checks or needs (rte_eth_tx_prepare()). Returns 0,
 * or -1 when the device refuses the request.
 */
static int
eth_ol_ready(struct rte_mbuf *m, uint16_t eth, uint16_t q)
{
	m->ol_flags &= ~FWD_OL_RX_FLAGS;
	if (!(m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)))
		return 0;
	if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
			(m->ol_flags & RTE_MBUF_F_TX_IPV4))
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	if (rte_net_intel_cksum_prepare(m) != 0)
		return -1;
	return rte_eth_tx_prepare(eth, q, &m, 1) == 1 ? 0 : -1;
}

/*
 * What ethdev @p eth, with transmit offloads @p tx, gets for frame @p m
 * that carries an offload request, in pc->gso.out: segments, or one copy
 * with headers of its own (fwd_ol_hdr_copy()), never @p m itself: the
 * device reads what it sends after tx_burst returns, while the other
 * destinations of @p m may still write its headers. A request the device
 * refuses is done in software. Returns how many, or -ENOMEM.
 */
static int
eth_ol_frames(struct pmd_ctx *pc, uint16_t eth, uint8_t tx,
	struct rte_mbuf *m)
{
	struct fwd_gso *g = &pc->gso;
	enum fwd_ol_action a = fwd_ol_action(fwd_ol_kind(m), tx);
	int i, n;

	if (a == FWD_OL_SEG_PARTIAL || a == FWD_OL_SEG_FULL) {
		n = fwd_gso_segment(g, m, a == FWD_OL_SEG_PARTIAL);
		for (i = 0; i < n; i++) {
			if (eth_ol_ready(g->out[i], eth, pc->idx) == 0)
				continue;
			fwd_ol_csum(g->out[i]);
			g->out[i]->ol_flags &= ~FWD_OL_TX_FLAGS;
		}
		return n;
	}
	g->out[0] = fwd_ol_hdr_copy(g, m);
	if (g->out[0] == NULL)
		return -ENOMEM;
	fwd_ol_apply(g->out[0], tx);
	/* Without offloads the copy is a plain frame, sent as such. */
	if (eth_ol_ready(g->out[0], eth, pc->idx) == 0 || tx == 0)
		return 1;
	rte_pktmbuf_free(g->out[0]);
	return eth_ol_frames(pc, eth, 0, m);
}

/*
 * Does frame @p m go to @p port as it is, in a run of such frames? An
 * ethdev takes plain frames; a guest takes every frame that needs no
 * segmentation, its request applied (@p a: what fwd_ol_apply() did).
 * @p eth is a constant in each caller: this folds into its branch.
 */
static __rte_always_inline bool
ol_in_run(struct rte_mbuf *m, uint8_t tx, bool eth, enum fwd_ol_action *a)
{
	if (eth)
		return fwd_ol_kind(m) == FWD_OL_NONE;
	*a = fwd_ol_apply(m, tx);
	return *a == FWD_OL_PASS || *a == FWD_OL_SW_CSUM;
}

/*
 * The frames made of @p m, which is not in a run, in pc->gso.out: how
 * many, or < 0 for want of mbufs. An ethdev may still hold mbufs of the
 * segmentation pools it sent earlier: when they ran dry, it is asked to
 * free what it is done with, and the frame tried once more.
 */
static __rte_always_inline int
ol_frames(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	struct rte_mbuf *m, enum fwd_ol_action a, bool eth)
{
	uint16_t id = (uint16_t)v->port[port].vid;
	int nb;

	if (!eth)
		return fwd_gso_segment(&pc->gso, m, a == FWD_OL_SEG_PARTIAL);
	nb = eth_ol_frames(pc, id, v->port[port].ol, m);
	if (nb == -ENOMEM && rte_eth_tx_done_cleanup(id, pc->idx, 0) > 0)
		nb = eth_ol_frames(pc, id, v->port[port].ol, m);
	return nb;
}

/*
 * tx_offload() for one kind of port (@p eth: an ethdev, else a guest):
 * frames that go as they are in runs of one burst, each other frame
 * as ol_frames() makes it.
 */
static __rte_always_inline uint16_t
tx_runs(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	struct rte_mbuf **pkts, uint16_t n, bool eth)
{
	uint8_t tx = v->port[port].ol;
	enum fwd_ol_action a = FWD_OL_PASS;
	uint16_t i, start = 0, sent;
	int nb;

	for (i = 0; i < n; i++) {
		if (likely(ol_in_run(pkts[i], tx, eth, &a)))
			continue;
		if (i > start) {
			sent = tx_enqueue(pc, v, port, pkts + start, i - start);
			if (sent < i - start)
				return start + sent;
		}
		start = i + 1;
		nb = ol_frames(pc, v, port, pkts[i], a, eth);
		if (nb < 0) {
			pc->port_stats[port].drop[VSW_DROP_GSO_NOMEM]++;
			continue;
		}
		if (send_segments(pc, v, port, (uint16_t)nb) == 0)
			return i;
	}
	if (n > start)
		return start + tx_enqueue(pc, v, port, pkts + start, n - start);
	return n;
}

/*
 * Send frames of which some carry offload requests: each is handed on,
 * completed or segmented as @p port's offloads require (fwd_ol_apply(),
 * or eth_ol_frames() for an ethdev). Runs of frames that need no
 * segmentation go in one burst. Returns how many frames were consumed,
 * in order: sent, or segmented (their segments sent or counted), or
 * dropped for want of mbufs (counted); it stops at the first frame the
 * port did not take.
 */
static uint16_t __rte_noinline
tx_offload(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	struct rte_mbuf **pkts, uint16_t n)
{
	if (v->port[port].kind == VSW_FWD_ETH)
		return tx_runs(pc, v, port, pkts, n, true);
	return tx_runs(pc, v, port, pkts, n, false);
}

/* Send to a running port, with the offload path when it may be needed. */
static inline uint16_t
tx_send(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	struct rte_mbuf **pkts, uint16_t n, bool ol)
{
	if (likely(!ol))
		return tx_enqueue(pc, v, port, pkts, n);
	return tx_offload(pc, v, port, pkts, n);
}

/*
 * Hold frames for @p port; each held frame gets its own reference. Held
 * frames are sent through the offload path (backlog_drain()), which
 * reads receive flags as requests: in a burst without requests
 * (!pc->ol_burst) they are a device's verdicts (an ethdev's checksum
 * flags) and are taken off.
 */
static void
hold_frames(struct pmd_ctx *pc, uint16_t port, struct rte_mbuf **pkts,
	uint16_t n, bool parked)
{
	struct vsw_fwd *f = pc->f;
	struct backlog *bl = &pc->backlog[port];
	uint16_t held, i;

	for (i = 0; i < n && !pc->ol_burst; i++)
		pkts[i]->ol_flags &= ~FWD_OL_RX_FLAGS;
	held = backlog_push(bl, f->backlog_ring_size - 1,
		&f->shared[port].backlog_count, f->p.backlog, pkts, n);
	if (held < n)
		pc->port_stats[port].drop[parked ? VSW_DROP_SUSPENDED :
			VSW_DROP_RING_FULL] += n - held;
	if (backlog_len(bl) != 0 && !vsw_bitmap_test(pc->backlogged, port)) {
		vsw_bitmap_set(pc->backlogged, port);
		pc->nb_backlogged++;
	}
}

static void
backlog_done(struct pmd_ctx *pc, uint16_t port)
{
	if (vsw_bitmap_test(pc->backlogged, port)) {
		vsw_bitmap_clear(pc->backlogged, port);
		pc->nb_backlogged--;
	}
}

static void
release_frames(struct pmd_ctx *pc, uint16_t port, uint32_t n)
{
	struct backlog *bl = &pc->backlog[port];

	backlog_release(bl, &pc->f->shared[port].backlog_count, n);
	if (backlog_len(bl) == 0)
		backlog_done(pc, port);
}

static void
discard_frames(struct pmd_ctx *pc, uint16_t port)
{
	struct backlog *bl = &pc->backlog[port];

	pc->port_stats[port].drop[VSW_DROP_PORT_DOWN] += backlog_flush(bl,
		pc->f->backlog_ring_size - 1,
		&pc->f->shared[port].backlog_count);
	backlog_done(pc, port);
}

/* Send held frames, oldest first, while the guest takes them. */
static void
backlog_drain(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port)
{
	struct backlog *bl = &pc->backlog[port];
	uint32_t mask = pc->f->backlog_ring_size - 1;
	struct rte_mbuf *burst[VSW_BURST];

	switch (v->port[port].state) {
	case VSW_FWD_PARK:
		return;
	case VSW_FWD_DOWN:
		discard_frames(pc, port);
		return;
	default:
		break;
	}
	while (backlog_len(bl) != 0) {
		uint32_t n = backlog_peek(bl, mask, burst, VSW_BURST);
		uint16_t sent;

		/* Held frames may carry offload requests: always check. */
		sent = tx_send(pc, v, port, burst, (uint16_t)n, true);
		rte_pktmbuf_free_bulk(burst, sent);
		release_frames(pc, port, sent);
		if (sent < n)
			break;
	}
}

/*
 * Call @p fn for every port with held frames (it may take a port off the
 * set, and only that one).
 */
static void
for_each_backlogged(struct pmd_ctx *pc, const struct fwd_view *v,
	void (*fn)(struct pmd_ctx *pc, const struct fwd_view *v,
		uint16_t port))
{
	unsigned int w;

	for (w = 0; w < RTE_DIM(pc->backlogged) && pc->nb_backlogged; w++) {
		uint64_t m = pc->backlogged[w];

		while (m != 0) {
			fn(pc, v, (uint16_t)(w * 64 + __builtin_ctzll(m)));
			m &= m - 1;
		}
	}
}

static void
discard_one(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port)
{
	RTE_SET_USED(v);
	discard_frames(pc, port);
}

void
fwd_backlog_discard_all(struct pmd_ctx *pc)
{
	for_each_backlogged(pc, NULL, discard_one);
}

static void
send_one(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t port,
	struct rte_mbuf **pkts, uint16_t n)
{
	uint8_t state = v->port[port].state;
	uint16_t sent;

	if (likely(state == VSW_FWD_RUN &&
			!vsw_bitmap_test(pc->backlogged, port))) {
		sent = tx_send(pc, v, port, pkts, n, pc->ol_burst);
		pc->port_stats[port].drop[VSW_DROP_RING_FULL] += n - sent;
		return;
	}
	if (state == VSW_FWD_DOWN) {
		pc->port_stats[port].drop[VSW_DROP_PORT_DOWN] += n;
		return;
	}
	/* Parked, or running with older frames still held: keep order. */
	hold_frames(pc, port, pkts, n, state == VSW_FWD_PARK);
	if (state == VSW_FWD_RUN)
		backlog_drain(pc, v, port);
}

static void
account_rx(struct pmd_ctx *pc, uint16_t port, struct rte_mbuf **pkts,
	uint16_t n)
{
	struct vsw_port_stats *ps = &pc->port_stats[port];
	const struct fwd_burst *b = &pc->burst;
	uint64_t bytes = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	ps->rx_pkts += n;
	ps->rx_bytes += bytes;
	for (i = 0; i < VSW_DROP_MAX; i++)
		ps->drop[i] += b->drop[i];
	ps->learn_table_full += b->learn_table_full;
	ps->learn_port_limit += b->learn_port_limit;
	ps->mac_moves += b->mac_moves;
	pc->stats.rx_pkts += n;
}

/*
 * Check the offload requests of a burst from a port that may make them
 * (fwd_ol_prepare()). The refused frames move to the end of @p pkts and
 * are counted; returns how many remain in front. Sets pc->ol_burst when
 * any frame of the burst carries a request.
 */
static uint16_t __rte_noinline
rx_offload(struct pmd_ctx *pc, uint8_t rx, struct rte_mbuf **pkts,
	uint16_t n)
{
	struct rte_mbuf *bad[VSW_BURST];
	uint16_t i, k = 0, nb_bad = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (likely(!(m->ol_flags & FWD_OL_RX_FLAGS) &&
				m->packet_type == 0)) {
			pkts[k++] = m;
		} else if (fwd_ol_prepare(m, rx) == 0) {
			pc->ol_burst |= fwd_ol_kind(m) != FWD_OL_NONE;
			pkts[k++] = m;
		} else {
			bad[nb_bad++] = m;
		}
	}
	for (i = 0; i < nb_bad; i++)
		pkts[k + i] = bad[i];
	pc->burst.drop[VSW_DROP_BAD_OFFLOAD] += nb_bad;
	return k;
}

/*
 * Is the burst just classified (@p n frames in pc->rx) going, every
 * frame of it and nothing else, to one running ethdev port that can take
 * it as it is? Then the burst's references can go to the device
 * (tx_eth_owned()), without a reference of its own for each frame and
 * the atomic decrement that freeing a shared mbuf costs. Not with a
 * capture or a mirror (they read frames after they were sent), copies in the
 * burst (VLANs), offload requests, or frames held for the port.
 */
static inline bool
sole_eth_dest(const struct pmd_ctx *pc, const struct fwd_view *v,
	uint16_t n)
{
	const struct fwd_burst *b = &pc->burst;
	uint16_t port = b->dst_port[0];

	return b->nb_dst == 1 && b->dst_nb[0] == n && b->nb_extra == 0 &&
		v->port[port].kind == VSW_FWD_ETH &&
		v->port[port].state == VSW_FWD_RUN &&
		!v->port[port].link_down && !pc->ol_burst && !pc->tap_on &&
		!vsw_bitmap_test(pc->backlogged, port);
}

/*
 * While a capture runs or a mirror exists (pc->tap_on): the burst in
 * pc->rx (@p n frames) came from @p in. Returns true when it is done
 * with: a mirror's output is reserved, and what it receives is dropped.
 */
static bool __rte_noinline
observe_rx(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t in,
	uint16_t n)
{
	const struct fwd_view_port *vp = &v->port[in];

	if (*pc->cap_on)
		vsw_capture_burst(pc->f->p.capture, pc->idx, in,
			VSW_CAPTURE_RX, pc->rx, n);
	if (vp->mir_out) {
		pc->burst.drop[VSW_DROP_MIRROR_OUT] += n;
		account_rx(pc, in, pc->rx, n);
		fwd_burst_reset(&pc->burst);
		rte_pktmbuf_free_bulk(pc->rx, n);
		return true;
	}
	/* As received: the requests of a port that may make them are
	 * completed in place later, for some destinations. */
	if (vp->mir_rx != 0)
		mirror_burst(pc, v, vp->mir_rx - 1u, vp->ol & VSW_FWD_OL_RX_ALL ?
			FWD_OL_RX_FLAGS : 0, pc->rx, n);
	return false;
}

/* Forward one burst received on @p in. */
static void
forward(struct pmd_ctx *pc, const struct fwd_view *v, uint16_t in,
	uint16_t n)
{
	struct vsw_fwd *f = pc->f;
	struct fwd_burst *b = &pc->burst;
	uint16_t i, nb_ok = n;

	if (unlikely(pc->tap_on) && observe_rx(pc, v, in, n))
		return;
	/* rte_vhost sets offload flags only for a port that negotiated. */
	if (unlikely(v->port[in].ol & VSW_FWD_OL_RX_ALL))
		nb_ok = rx_offload(pc, v->port[in].ol, pc->rx, n);
	fwd_classify(b, v, f->p.mode, f->p.mac, in, pc->rx, nb_ok, pc->now);
	account_rx(pc, in, pc->rx, n);
	if (sole_eth_dest(pc, v, n)) {
		tx_eth_owned(pc, v, b->dst_port[0], pc->rx, n);
		fwd_burst_reset(b);
		return;
	}
	for (i = 0; i < b->nb_dst; i++)
		send_one(pc, v, b->dst_port[i], b->dst_pkts[i], b->dst_nb[i]);
	/* rte_vhost copied what it took; held frames have their own ref. */
	rte_pktmbuf_free_bulk(pc->rx, n);
	fwd_burst_reset(b);
	pc->ol_burst = false;
}

/* Receive a burst from poll entry @p e of a running port into pc->rx. */
static inline uint16_t
rx_burst(struct pmd_ctx *pc, const struct fwd_view *v,
	const struct poll_entry *e)
{
	const struct fwd_view_port *vp = &v->port[e->port];
	struct vsw_fwd *f = pc->f;
	uint16_t vring = VRING_GUEST_TX(e->queue);

	if (unlikely(vp->kind == VSW_FWD_ETH))
		return rte_eth_rx_burst((uint16_t)vp->vid, e->queue, pc->rx,
			VSW_BURST);
	if (!(__atomic_load_n(&f->shared[e->port].vring_mask,
			__ATOMIC_RELAXED) & (1u << vring)))
		return 0;
	return rte_vhost_dequeue_burst(vp->vid, vring, f->pools[e->node],
		pc->rx, VSW_BURST);
}

static unsigned int
poll_once(struct pmd_ctx *pc, const struct fwd_snap *s)
{
	const struct fwd_view *v = &s->v;
	unsigned int work = 0;
	uint16_t i;

	/* Captures and mirrors: one flag for both, tested once a burst. */
	pc->tap_on = (*pc->cap_on | v->nb_mirror) != 0;
	if (unlikely(pc->nb_backlogged != 0))
		for_each_backlogged(pc, v, backlog_drain);

	for (i = s->poll_first[pc->idx]; i < s->poll_first[pc->idx + 1]; i++) {
		uint16_t port = s->polls[i].port;
		uint16_t queue = s->polls[i].queue;
		uint64_t t;
		uint16_t n;

		if (v->port[port].state != VSW_FWD_RUN)
			continue;
		n = rx_burst(pc, v, &s->polls[i]);
		if (n == 0)
			continue;
		forward(pc, v, port, n);
		work += n;
		/* Busy cycles of this queue, since the last attribution. */
		t = rte_rdtsc();
		pc->q_cycles[port][queue] += t - pc->tprev;
		pc->tprev = t;
	}
	return work;
}

static inline void
update_clock(struct pmd_ctx *pc, uint64_t tsc)
{
	const struct vsw_fwd *f = pc->f;

	if (likely(tsc < pc->next_sec_tsc))
		return;
	pc->now = (uint32_t)((tsc - f->tsc_base) / f->tsc_hz);
	pc->next_sec_tsc = f->tsc_base + (uint64_t)(pc->now + 1) * f->tsc_hz;
}

/* Fault injection: hold the current view without a quiescent state. */
static void __rte_noinline
stall(struct pmd_ctx *pc)
{
	uint32_t ms = __atomic_exchange_n(&pc->stall_ms, 0, __ATOMIC_RELAXED);

	FWD_LOG(WARNING, "PMD %u stalls for %u ms (debug request)\n",
		pc->idx, ms);
	rte_delay_us_block(ms * 1000);
}

/*
 * An empty poll with a sleep bound set: pause at first, then sleep,
 * longer each time. Asleep, the lcore is offline for RCU (it holds no
 * port reference here), so no grace period waits for it to wake; online
 * again, it re-reads the snapshot at the top of the loop. Returns the TSC
 * after the back-off.
 */
static uint64_t
idle_backoff(struct pmd_ctx *pc, uint32_t max_us, uint64_t idle_since,
	uint32_t *sleep_ns, uint64_t now)
{
	struct vsw_fwd *f = pc->f;
	struct timespec ts = { 0, 0 };
	uint64_t t;

	if (now - idle_since < f->spin_tsc) {
		rte_pause();
		return now;
	}
	*sleep_ns = *sleep_ns == 0 ? FWD_SLEEP_FIRST_NS :
		RTE_MIN(*sleep_ns * 2, max_us * 1000u);
	ts.tv_nsec = *sleep_ns;
	rte_rcu_qsbr_thread_offline(f->qsbr, pc->idx);
	nanosleep(&ts, NULL);
	rte_rcu_qsbr_thread_online(f->qsbr, pc->idx);
	t = rte_rdtsc();
	pc->stats.sleep_cycles += t - now;
	pc->stats.sleeps++;
	return t;
}

int
fwd_pmd_main(void *arg)
{
	struct pmd_ctx *pc = arg;
	struct vsw_fwd *f = pc->f;
	uint64_t t0, t1, idle_since;
	uint32_t sleep_ns = 0;     /* the last back-off sleep, 0: none yet */

	rte_rcu_qsbr_thread_register(f->qsbr, pc->idx);
	rte_rcu_qsbr_thread_online(f->qsbr, pc->idx);
	/* Short back-off sleeps must not be stretched by the timer slack. */
	prctl(PR_SET_TIMERSLACK, FWD_TIMER_SLACK_NS, 0, 0, 0);
	FWD_LOG(INFO, "PMD %u on lcore %u started\n", pc->idx, pc->lcore_id);

	t0 = rte_rdtsc();
	idle_since = t0;           /* the last poll that found work */
	update_clock(pc, t0);
	while (!__atomic_load_n(&f->quit, __ATOMIC_RELAXED)) {
		const struct fwd_snap *s;
		unsigned int work;
		uint32_t max_us;

		/* No port reference is held here: the snapshot is re-read. */
		rte_rcu_qsbr_quiescent(f->qsbr, pc->idx);
		s = __atomic_load_n(&f->snap, __ATOMIC_ACQUIRE);
		if (unlikely(__atomic_load_n(&pc->stall_ms, __ATOMIC_RELAXED)))
			stall(pc);
		pc->tprev = t0;
		work = poll_once(pc, s);

		t1 = rte_rdtsc();
		pc->stats.iterations++;
		update_clock(pc, t1);
		if (work != 0) {
			pc->stats.busy_cycles += t1 - t0;
			idle_since = t1;
			sleep_ns = 0;
			t0 = t1;
			continue;
		}
		pc->stats.idle_cycles += t1 - t0;
		max_us = __atomic_load_n(&f->sleep_max_us, __ATOMIC_RELAXED);
		t0 = max_us == 0 ? t1 : idle_backoff(pc, max_us, idle_since,
			&sleep_ns, t1);
	}
	fwd_backlog_discard_all(pc);
	rte_rcu_qsbr_thread_offline(f->qsbr, pc->idx);
	rte_rcu_qsbr_thread_unregister(f->qsbr, pc->idx);
	return 0;
}
