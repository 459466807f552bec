/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the burst classifier (lib/fwd, fwd_classify() and
 * fwd_burst_reset()).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "fwd_classify.h"
#include "vsw_mac.h"
#include "unit.h"
#include "unit_fwd.h"

#define NB_PORTS 8
#define NOW 100

static struct rte_mempool *pool;
static struct fwd_burst burst;  /* zero: the between-bursts invariant */

/* Stations: 02:00:00:00:00:<n>. */
static struct rte_ether_addr
sta(uint8_t n)
{
	return unit_mac(0x02, 0, 0, 0, 0, n);
}

static const struct rte_ether_addr bcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr mcast = {
	.addr_bytes = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };

static struct rte_mbuf *
frame(const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	uint16_t len)
{
	struct rte_mbuf *m = unit_mbuf_eth(pool, dst, src, len);

	if (m == NULL) {
		fprintf(stderr, "mbuf pool empty\n");
		exit(2);
	}
	return m;
}

/* A unicast frame between two stations. */
static struct rte_mbuf *
uframe(uint8_t dst, uint8_t src)
{
	struct rte_ether_addr d = sta(dst), s = sta(src);

	return frame(&d, &s, 64);
}

static void
free_pkts(struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
}

/* A view with the given per-port states; live = RUN or PARK. */
static void
set_view(struct fwd_view *v, const uint8_t state[NB_PORTS])
{
	unsigned int i;

	unit_view_init(v);
	/* In reverse, so that fwd_view_set() must keep live[] sorted. */
	for (i = NB_PORTS; i-- > 0;)
		fwd_view_set(v, (uint16_t)i, state[i],
			state[i] == VSW_FWD_DOWN ? -1 : (int)i);
}

static void
view_all(struct fwd_view *v, uint8_t st)
{
	uint8_t s[NB_PORTS];

	memset(s, st, sizeof(s));
	set_view(v, s);
}

/* The destinations of a burst, as a mask (the tests use ports < 64). */
static uint64_t
dst_mask(const struct fwd_burst *b)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < b->nb_dst; i++)
		m |= 1ULL << b->dst_port[i];
	return m;
}

/* Sum of the rx drop counters of the burst. */
static unsigned int
drops(const struct fwd_burst *b)
{
	unsigned int i, n = 0;

	for (i = 0; i < VSW_DROP_MAX; i++)
		n += b->drop[i];
	return n;
}

/* Destination @p port holds exactly @p want, in this order. */
#define CHECK_DST(b, port, ...) do { \
	struct rte_mbuf *want_[] = { __VA_ARGS__ }; \
	check_dst(__LINE__, (b), (port), want_, RTE_DIM(want_)); \
} while (0)

static void
check_dst(int line, const struct fwd_burst *b, uint16_t port,
	struct rte_mbuf **want, unsigned int n)
{
	unsigned int i;

	uint16_t s = b->slot[port];

	if (!unit_report(fwd_burst_nb(b, port) == n, __FILE__, line,
			"nb[%u] == %u (got %u)", port, n,
			fwd_burst_nb(b, port)))
		return;
	if (!unit_report(s != 0 && b->dst_port[s - 1] == port, __FILE__,
			line, "port %u has a slot (mask 0x%llx)", port,
			(unsigned long long)dst_mask(b)))
		return;
	for (i = 0; i < n; i++)
		unit_report(b->dst_pkts[s - 1][i] == want[i], __FILE__, line,
			"pkts[%u][%u] is frame %p (got %p)", port, i,
			(void *)want[i], (void *)b->dst_pkts[s - 1][i]);
}

/* The burst is in its between-bursts state. */
static void
check_clean(const struct fwd_burst *b)
{
	unsigned int i, bad_nb = 0;

	for (i = 0; i < VSW_MAX_PORTS; i++)
		bad_nb += b->slot[i] != 0 || b->dst_nb[i] != 0;
	UNIT_EQ(bad_nb, 0);
	UNIT_EQ(b->nb_dst, 0);
	UNIT_EQ(drops(b), 0);
	UNIT_EQ(b->learn_table_full, 0);
	UNIT_EQ(b->learn_port_limit, 0);
	UNIT_EQ(b->mac_moves, 0);
}

/* Classify one frame; free it; reset the burst. */
static uint16_t
classify1(const struct fwd_view *v, struct vsw_mac_table *t,
	uint16_t in, struct rte_mbuf *m)
{
	uint16_t r = fwd_classify(&burst, v, VSW_FWD_LEARN, t, in, &m, 1,
		NOW);

	fwd_burst_reset(&burst);
	rte_pktmbuf_free(m);
	return r;
}

static void
test_flood_unknown(void)
{
	const uint8_t st[NB_PORTS] = { VSW_FWD_RUN, VSW_FWD_RUN, VSW_FWD_RUN,
		VSW_FWD_RUN, VSW_FWD_DOWN, VSW_FWD_PARK, VSW_FWD_DOWN,
		VSW_FWD_DOWN };
	struct vsw_mac_table *t = unit_mac_table(256, 256, NB_PORTS);
	struct fwd_view v;
	struct rte_mbuf *m[2];

	unit_case("flood: unknown unicast to every other live port");
	set_view(&v, st);
	m[0] = uframe(0xb, 0xa);
	m[1] = uframe(0xc, 0xa);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 2, NOW),
		0);
	/* Not the ingress (0), not the down ports (4, 6, 7); PARK (5) yes. */
	UNIT_EQ_HEX(dst_mask(&burst), (1u << 1) | (1u << 2) | (1u << 3) |
		(1u << 5));
	CHECK_DST(&burst, 1, m[0], m[1]);
	CHECK_DST(&burst, 2, m[0], m[1]);
	CHECK_DST(&burst, 3, m[0], m[1]);
	CHECK_DST(&burst, 5, m[0], m[1]);
	UNIT_EQ(fwd_burst_nb(&burst, 0), 0);
	UNIT_EQ(fwd_burst_nb(&burst, 4), 0);
	UNIT_EQ(drops(&burst), 0);
	/* The source was learned on the ingress port. */
	UNIT_EQ(vsw_mac_lookup(t, vsw_mac_key(&(struct rte_ether_addr){
		.addr_bytes = { 2, 0, 0, 0, 0, 0xa } })), 0);
	fwd_burst_reset(&burst);
	check_clean(&burst);
	free_pkts(m, 2);

	unit_case("flood: from another ingress port");
	m[0] = uframe(0xb, 0xd);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 3, m, 1, NOW),
		0);
	UNIT_EQ_HEX(dst_mask(&burst), (1u << 0) | (1u << 1) | (1u << 2) |
		(1u << 5));
	fwd_burst_reset(&burst);
	free_pkts(m, 1);
	vsw_mac_free(t);
}

static void
test_flood_group(void)
{
	const uint8_t st[NB_PORTS] = { VSW_FWD_RUN, VSW_FWD_RUN, VSW_FWD_DOWN,
		VSW_FWD_RUN, VSW_FWD_PARK, VSW_FWD_DOWN, VSW_FWD_DOWN,
		VSW_FWD_RUN };
	const uint64_t want = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 7);
	struct vsw_mac_table *t = unit_mac_table(256, 256, NB_PORTS);
	struct rte_ether_addr a = sta(0xa), b = sta(0xb);
	struct fwd_view v;
	struct rte_mbuf *m[3];

	unit_case("flood: broadcast and multicast");
	set_view(&v, st);
	/* Learn b on port 3 first: a group destination is never looked up. */
	UNIT_EQ(classify1(&v, t, 3, uframe(0xa, 0xb)), 0);
	m[0] = frame(&bcast, &a, 60);
	m[1] = frame(&mcast, &a, 60);
	m[2] = frame(&bcast, &b, 60);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 1, m, 3, NOW),
		0);
	UNIT_EQ_HEX(dst_mask(&burst), want);
	CHECK_DST(&burst, 0, m[0], m[1], m[2]);
	CHECK_DST(&burst, 3, m[0], m[1], m[2]);
	CHECK_DST(&burst, 4, m[0], m[1], m[2]);
	CHECK_DST(&burst, 7, m[0], m[1], m[2]);
	UNIT_EQ(burst.mac_moves, 1);   /* b moved from 3 to 1 */
	UNIT_EQ(vsw_mac_lookup(t, vsw_mac_key(&b)), 1);
	UNIT_EQ(drops(&burst), 0);
	fwd_burst_reset(&burst);
	free_pkts(m, 3);
	vsw_mac_free(t);
}

static void
test_learned_unicast(void)
{
	struct vsw_mac_table *t = unit_mac_table(256, 256, NB_PORTS);
	struct fwd_view v;
	struct rte_mbuf *m[3];

	unit_case("unicast: after learning B, A->B goes only to B");
	view_all(&v, VSW_FWD_RUN);
	/* A (port 0) to unknown B: flood. */
	m[0] = uframe(0xb, 0xa);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 1, NOW),
		0);
	UNIT_EQ_HEX(dst_mask(&burst), 0xfe);
	fwd_burst_reset(&burst);
	free_pkts(m, 1);
	/* B answers from port 2: only A's port. */
	m[0] = uframe(0xa, 0xb);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 2, m, 1, NOW),
		0);
	UNIT_EQ_HEX(dst_mask(&burst), 1u << 0);
	CHECK_DST(&burst, 0, m[0]);
	fwd_burst_reset(&burst);
	free_pkts(m, 1);
	/* Now A->B: only port 2. */
	m[0] = uframe(0xb, 0xa);
	m[1] = uframe(0xb, 0xa);
	m[2] = uframe(0xb, 0xc);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 3, NOW),
		0);
	UNIT_EQ_HEX(dst_mask(&burst), 1u << 2);
	CHECK_DST(&burst, 2, m[0], m[1], m[2]);
	UNIT_EQ(drops(&burst), 0);
	fwd_burst_reset(&burst);
	free_pkts(m, 3);

	unit_case("unicast: a learned PARK port still gets its frames");
	v.port[2].state = VSW_FWD_PARK;   /* still live */
	m[0] = uframe(0xb, 0xa);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 1, NOW),
		0);
	UNIT_EQ_HEX(dst_mask(&burst), 1u << 2);
	CHECK_DST(&burst, 2, m[0]);
	fwd_burst_reset(&burst);
	free_pkts(m, 1);

	unit_case("unicast: destination on the ingress port -> OWN_PORT");
	/* C is learned on port 0 too (two stations behind one port). */
	UNIT_EQ(classify1(&v, t, 0, frame(&bcast,
		&(struct rte_ether_addr){ .addr_bytes = { 2, 0, 0, 0, 0, 0xc } },
		60)), 0);
	m[0] = uframe(0xc, 0xa);
	m[1] = uframe(0xa, 0xa);   /* to itself */
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 2, NOW),
		2);
	UNIT_EQ(burst.drop[VSW_DROP_OWN_PORT], 2);
	UNIT_EQ(drops(&burst), 2);
	UNIT_EQ_HEX(dst_mask(&burst), 0);
	fwd_burst_reset(&burst);
	free_pkts(m, 2);

	unit_case("unicast: destination's port is down -> NO_DEST");
	fwd_view_set(&v, 2, VSW_FWD_DOWN, -1);
	m[0] = uframe(0xb, 0xa);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 1, NOW),
		1);
	UNIT_EQ(burst.drop[VSW_DROP_NO_DEST], 1);
	UNIT_EQ(drops(&burst), 1);
	/* Not flooded either. */
	UNIT_EQ_HEX(dst_mask(&burst), 0);
	fwd_burst_reset(&burst);
	free_pkts(m, 1);
	vsw_mac_free(t);
}

static void
test_no_dest(void)
{
	const uint8_t st[NB_PORTS] = { VSW_FWD_RUN, VSW_FWD_DOWN, VSW_FWD_DOWN,
		VSW_FWD_DOWN, VSW_FWD_DOWN, VSW_FWD_DOWN, VSW_FWD_DOWN,
		VSW_FWD_DOWN };
	struct vsw_mac_table *t = unit_mac_table(256, 256, NB_PORTS);
	struct rte_ether_addr a = sta(0xa);
	struct fwd_view v;
	struct rte_mbuf *m[3];

	unit_case("flood with no other live port -> NO_DEST");
	set_view(&v, st);
	m[0] = uframe(0xb, 0xa);
	m[1] = frame(&bcast, &a, 60);
	m[2] = frame(&mcast, &a, 60);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 3, NOW),
		3);
	UNIT_EQ(burst.drop[VSW_DROP_NO_DEST], 3);
	UNIT_EQ(drops(&burst), 3);
	UNIT_EQ_HEX(dst_mask(&burst), 0);
	fwd_burst_reset(&burst);
	check_clean(&burst);
	/* Same with nothing live at all. */
	fwd_view_set(&v, 0, VSW_FWD_DOWN, -1);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 3, NOW),
		3);
	UNIT_EQ(burst.drop[VSW_DROP_NO_DEST], 3);
	UNIT_EQ_HEX(dst_mask(&burst), 0);
	fwd_burst_reset(&burst);
	free_pkts(m, 3);
	vsw_mac_free(t);
}

static void
test_malformed(void)
{
	struct vsw_mac_table *t = unit_mac_table(256, 256, NB_PORTS);
	struct rte_ether_addr a = sta(0xa), b = sta(0xb);
	struct fwd_view v;
	struct rte_mbuf *m[4];

	unit_case("runt frames -> MALFORMED");
	view_all(&v, VSW_FWD_RUN);
	m[0] = frame(&b, &a, RTE_ETHER_HDR_LEN - 1);
	m[1] = frame(&b, &a, 0);
	m[2] = frame(&b, &a, RTE_ETHER_HDR_LEN);   /* just long enough */
	m[3] = frame(&b, &a, 1);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 4, NOW),
		3);
	UNIT_EQ(burst.drop[VSW_DROP_MALFORMED], 3);
	UNIT_EQ(drops(&burst), 3);
	UNIT_EQ_HEX(dst_mask(&burst), 0xfe);
	CHECK_DST(&burst, 1, m[2]);
	CHECK_DST(&burst, 7, m[2]);
	/* Only the whole frame taught anything. */
	UNIT_EQ(vsw_mac_count(t, VSW_MAC_PORT_NONE), 1);
	fwd_burst_reset(&burst);
	free_pkts(m, 4);
	vsw_mac_free(t);
}

static void
test_xconnect(void)
{
	static const struct {
		uint16_t in, out;
	} pair[] = { { 0, 1 }, { 1, 0 }, { 2, 3 }, { 3, 2 }, { 6, 7 } };
	struct fwd_view v;
	struct rte_mbuf *m[3];
	unsigned int i;

	unit_case("xconnect: 0->1, 1->0, 2->3, ...");
	view_all(&v, VSW_FWD_RUN);
	for (i = 0; i < RTE_DIM(pair); i++) {
		m[0] = uframe(0xb, 0xa);
		m[1] = frame(&bcast, &(struct rte_ether_addr){
			.addr_bytes = { 2, 0, 0, 0, 0, 0xa } }, 60);
		m[2] = uframe(0xa, 0xb);
		/* No table: xconnect neither learns nor looks up. */
		UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_XCONNECT, NULL,
			pair[i].in, m, 3, NOW), 0);
		UNIT_EQ_HEX(dst_mask(&burst), 1ULL << pair[i].out);
		CHECK_DST(&burst, pair[i].out, m[0], m[1], m[2]);
		UNIT_EQ(drops(&burst), 0);
		fwd_burst_reset(&burst);
		check_clean(&burst);
		free_pkts(m, 3);
	}

	unit_case("xconnect: to a PARK peer is kept, to a down peer NO_DEST");
	fwd_view_set(&v, 3, VSW_FWD_PARK, 3);
	fwd_view_set(&v, 1, VSW_FWD_DOWN, -1);
	m[0] = uframe(0xb, 0xa);
	m[1] = uframe(0xb, 0xa);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_XCONNECT, NULL, 2, m, 2,
		NOW), 0);
	CHECK_DST(&burst, 3, m[0], m[1]);
	fwd_burst_reset(&burst);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_XCONNECT, NULL, 0, m, 2,
		NOW), 2);
	UNIT_EQ(burst.drop[VSW_DROP_NO_DEST], 2);
	UNIT_EQ(drops(&burst), 2);
	UNIT_EQ_HEX(dst_mask(&burst), 0);
	fwd_burst_reset(&burst);
	free_pkts(m, 2);
}

/*
 * A mixed burst: per-destination arrays keep the frames' order, and the
 * return value is exactly the number of frames dropped.
 */
static void
test_order_and_drops(void)
{
	const uint8_t st[NB_PORTS] = { VSW_FWD_RUN, VSW_FWD_RUN, VSW_FWD_RUN,
		VSW_FWD_PARK, VSW_FWD_DOWN, VSW_FWD_DOWN, VSW_FWD_DOWN,
		VSW_FWD_DOWN };
	struct vsw_mac_table *t = unit_mac_table(256, 256, NB_PORTS);
	struct rte_ether_addr a = sta(0xa), x = sta(0x9);
	struct fwd_view v;
	struct rte_mbuf *m[VSW_BURST];
	unsigned int i, placed = 0;

	unit_case("mixed burst: order kept per destination, drops returned");
	set_view(&v, st);
	/* B on 1, C on 2, D on 3 (parked), E on 4 (down), F on 0 (ingress). */
	UNIT_EQ(classify1(&v, t, 1, uframe(0xa, 0xb)), 0);
	UNIT_EQ(classify1(&v, t, 2, uframe(0xa, 0xc)), 0);
	UNIT_EQ(classify1(&v, t, 3, uframe(0xa, 0xd)), 0);
	UNIT_EQ(classify1(&v, t, 4, uframe(0xa, 0xe)), 0);
	UNIT_EQ(classify1(&v, t, 0, uframe(0xa, 0xf)), 0);

	m[0] = uframe(0xb, 0xa);        /* -> 1 */
	m[1] = uframe(0xc, 0xa);        /* -> 2 */
	m[2] = uframe(0xe, 0xa);        /* drop: no dest (port 4 down) */
	m[3] = uframe(0xb, 0x9);        /* -> 1 */
	m[4] = frame(&bcast, &a, 60);   /* -> 1, 2, 3 */
	m[5] = uframe(0xf, 0xa);        /* drop: own port */
	m[6] = frame(&x, &a, 10);       /* drop: malformed */
	m[7] = uframe(0xd, 0xa);        /* -> 3 (parked) */
	m[8] = uframe(0x55, 0xa);       /* unknown: -> 1, 2, 3 */
	m[9] = uframe(0xc, 0x9);        /* -> 2 */
	m[10] = uframe(0xc, 0x9);       /* -> 2 */
	m[11] = uframe(0xb, 0xa);       /* -> 1 */
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 12, NOW),
		3);
	UNIT_EQ(burst.drop[VSW_DROP_NO_DEST], 1);
	UNIT_EQ(burst.drop[VSW_DROP_OWN_PORT], 1);
	UNIT_EQ(burst.drop[VSW_DROP_MALFORMED], 1);
	UNIT_EQ(drops(&burst), 3);
	UNIT_EQ_HEX(dst_mask(&burst), 0xe);
	CHECK_DST(&burst, 1, m[0], m[3], m[4], m[8], m[11]);
	CHECK_DST(&burst, 2, m[1], m[4], m[8], m[9], m[10]);
	CHECK_DST(&burst, 3, m[4], m[7], m[8]);
	for (i = 0; i < VSW_MAX_PORTS; i++)
		placed += fwd_burst_nb(&burst, (uint16_t)i);
	/* 9 forwarded frames, two of them to 3 ports each. */
	UNIT_EQ(placed, 9 + 2 * 2);
	fwd_burst_reset(&burst);
	check_clean(&burst);
	free_pkts(m, 12);

	unit_case("repeated addresses: each frame the fate of its own kind");
	m[0] = uframe(0xb, 0xa);        /* -> 1 */
	m[1] = uframe(0xb, 0xa);        /* -> 1, as the one before */
	m[2] = frame(&bcast, &a, 60);   /* -> 1, 2, 3 */
	m[3] = frame(&bcast, &a, 60);   /* -> 1, 2, 3 again */
	m[4] = uframe(0xf, 0xa);        /* drop: own port */
	m[5] = uframe(0xf, 0xa);        /* dropped again */
	m[6] = uframe(0xc, 0xa);        /* -> 2 */
	m[7] = uframe(0xc, 0xa);        /* -> 2 */
	m[8] = uframe(0xb, 0xa);        /* -> 1 */
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 9, NOW), 2);
	UNIT_EQ(burst.drop[VSW_DROP_OWN_PORT], 2);
	CHECK_DST(&burst, 1, m[0], m[1], m[2], m[3], m[8]);
	CHECK_DST(&burst, 2, m[2], m[3], m[6], m[7]);
	CHECK_DST(&burst, 3, m[2], m[3]);
	fwd_burst_reset(&burst);
	check_clean(&burst);
	free_pkts(m, 9);

	unit_case("full burst: VSW_BURST frames to one port keep their order");
	for (i = 0; i < VSW_BURST; i++)
		m[i] = uframe(0xc, (uint8_t)(0x20 + i));
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 1, m,
		VSW_BURST, NOW), 0);
	UNIT_EQ_HEX(dst_mask(&burst), 1u << 2);
	UNIT_EQ(fwd_burst_nb(&burst, 2), VSW_BURST);
	for (i = 0; i < VSW_BURST; i++)
		UNIT_CHECK(burst.dst_pkts[burst.slot[2] - 1][i] == m[i]);
	UNIT_EQ(vsw_mac_count(t, 1), 1 + VSW_BURST);
	fwd_burst_reset(&burst);
	free_pkts(m, VSW_BURST);

	unit_case("empty burst");
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 0, NOW),
		0);
	check_clean(&burst);
	vsw_mac_free(t);
}

static void
test_learn_failures(void)
{
	struct vsw_mac_table *t = unit_mac_table(256, 2, NB_PORTS);
	struct fwd_view v;
	struct rte_mbuf *m[5];

	unit_case("learn failures: port limit counted, frames still flood");
	view_all(&v, VSW_FWD_RUN);
	m[0] = uframe(0x77, 0x1);   /* NEW */
	m[1] = uframe(0x77, 0x2);   /* NEW: port 0 now at its limit */
	m[2] = uframe(0x77, 0x3);   /* PORT_LIMIT */
	m[3] = uframe(0x77, 0x4);   /* PORT_LIMIT */
	m[4] = uframe(0x77, 0x1);   /* HIT */
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 0, m, 5, NOW),
		0);
	UNIT_EQ(burst.learn_port_limit, 2);
	UNIT_EQ(burst.learn_table_full, 0);
	UNIT_EQ(burst.mac_moves, 0);
	UNIT_EQ(fwd_burst_nb(&burst, 1), 5);
	UNIT_EQ(vsw_mac_count(t, 0), 2);
	fwd_burst_reset(&burst);
	check_clean(&burst);
	free_pkts(m, 5);
	vsw_mac_free(t);

	unit_case("learn failures: table full counted, frames still flood");
	t = unit_mac_table(2, 256, NB_PORTS);
	m[0] = uframe(0x77, 0x1);   /* NEW */
	m[1] = uframe(0x77, 0x2);   /* NEW: table full */
	m[2] = uframe(0x77, 0x3);   /* TABLE_FULL */
	m[3] = uframe(0x77, 0x4);   /* TABLE_FULL */
	m[4] = uframe(0x77, 0x5);   /* TABLE_FULL */
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 3, m, 5, NOW),
		0);
	UNIT_EQ(burst.learn_table_full, 3);
	UNIT_EQ(burst.learn_port_limit, 0);
	UNIT_EQ(fwd_burst_nb(&burst, 0), 5);
	UNIT_EQ(vsw_mac_count(t, VSW_MAC_PORT_NONE), 2);
	fwd_burst_reset(&burst);
	free_pkts(m, 5);

	unit_case("learn: moves counted");
	m[0] = uframe(0x77, 0x1);   /* moves 3 -> 5 */
	m[1] = uframe(0x77, 0x2);   /* moves 3 -> 5 */
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 5, m, 2, NOW),
		0);
	UNIT_EQ(burst.mac_moves, 2);
	UNIT_EQ(burst.learn_table_full, 0);
	UNIT_EQ(vsw_mac_count(t, 5), 2);
	fwd_burst_reset(&burst);
	check_clean(&burst);
	free_pkts(m, 2);
	vsw_mac_free(t);
}

static void
test_burst_reset(void)
{
	struct vsw_mac_table *t = unit_mac_table(2, 1, NB_PORTS);
	struct rte_ether_addr a = sta(0xa);
	struct fwd_view v;
	struct rte_mbuf *m[6];
	unsigned int i;

	unit_case("burst_reset: back to all-zero nb[], dst_mask, counters");
	view_all(&v, VSW_FWD_RUN);
	m[0] = frame(&bcast, &a, 60);      /* floods to 7 ports */
	m[1] = uframe(0xa, 0xa);           /* own port */
	m[2] = uframe(0xa, 0xb);           /* port limit, own port */
	m[3] = frame(&bcast, &a, 3);       /* malformed */
	m[4] = uframe(0x33, 0xc);          /* port limit, floods */
	m[5] = uframe(0x33, 0xa);
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 4, m, 6, NOW),
		3);
	UNIT_EQ_HEX(dst_mask(&burst), 0xef);
	UNIT_EQ(fwd_burst_nb(&burst, 0), 3);
	UNIT_EQ(burst.learn_port_limit, 2);
	UNIT_EQ(drops(&burst), 3);
	fwd_burst_reset(&burst);
	check_clean(&burst);
	/* The same burst again gives the same answer: nothing left over. */
	UNIT_EQ(fwd_classify(&burst, &v, VSW_FWD_LEARN, t, 4, m, 6, NOW),
		3);
	UNIT_EQ_HEX(dst_mask(&burst), 0xef);
	for (i = 0; i < NB_PORTS; i++)
		UNIT_EQ(fwd_burst_nb(&burst, (uint16_t)i), i == 4 ? 0 : 3);
	fwd_burst_reset(&burst);
	check_clean(&burst);
	/* High ports are cleared too. */
	burst.nb_dst = 2;
	burst.dst_port[0] = VSW_MAX_PORTS - 1;
	burst.slot[VSW_MAX_PORTS - 1] = 1;
	burst.dst_nb[0] = 5;
	burst.dst_port[1] = 40;
	burst.slot[40] = 2;
	burst.dst_nb[1] = 1;
	burst.drop[VSW_DROP_PORT_DOWN] = 4;
	burst.mac_moves = 2;
	fwd_burst_reset(&burst);
	check_clean(&burst);
	free_pkts(m, 6);
	vsw_mac_free(t);
}

static void
cases(void)
{
	check_clean(&burst);
	test_flood_unknown();
	test_flood_group();
	test_learned_unicast();
	test_no_dest();
	test_malformed();
	test_xconnect();
	test_order_and_drops();
	test_learn_failures();
	test_burst_reset();
}

/* The classifier neither frees nor keeps: every mbuf comes back. */
int
main(int argc, char **argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	return unit_main_pool("test_fwd", 511, &pool, cases);
}
