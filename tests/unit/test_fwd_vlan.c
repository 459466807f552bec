/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of 802.1Q VLANs in the classifier (lib/fwd): the per-port
 * decisions (fwd_vlan_in(), fwd_vlan_out()) and fwd_classify() on views
 * where ports have VLANs: membership, flooding within a VLAN, learning by
 * (VLAN, MAC), tags popped and pushed (in place or on one copy), the
 * drops, and that every copy is given back.
 *
 * The ports of the view:
 *   0, 1  no VLAN (VLAN 0, frames as they are)
 *   2, 3  access VLAN 10          4  access VLAN 20
 *   5     trunk 10, 20, 30        6  trunk 10, 20, native 30
 *   7     trunk 20, native 10
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
#define NO_TAG (-1)

static struct rte_mempool *pool;
static struct fwd_burst burst;
static struct fwd_view view;
static uint64_t trunks[NB_PORTS][VSW_VLAN_WORDS];

static struct rte_ether_addr
sta(uint8_t n)
{
	return unit_mac(0x02, 0, 0, 0, 0, n);
}

static const struct rte_ether_addr bcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

/*
 * A 64-byte frame from station @p src to @p dst (NULL: broadcast), with
 * an outer tag of TCI @p tci (NO_TAG: none); the rest is filler.
 */
static struct rte_mbuf *
frame(const struct rte_ether_addr *dst, uint8_t src, int tci)
{
	struct rte_ether_addr s = sta(src);
	struct rte_mbuf *m = unit_mbuf_eth(pool, dst ? dst : &bcast, &s, 64);

	if (m == NULL) {
		fprintf(stderr, "mbuf pool empty\n");
		exit(2);
	}
	if (tci != NO_TAG) {
		m->vlan_tci = (uint16_t)tci;
		if (rte_vlan_insert(&m) != 0) {
			fprintf(stderr, "cannot tag a test frame\n");
			exit(2);
		}
	}
	m->vlan_tci = 0;
	return m;
}

static struct rte_mbuf *
uframe(uint8_t dst, uint8_t src, int tci)
{
	struct rte_ether_addr d = sta(dst);

	return frame(&d, src, tci);
}

/* The outer tag's TCI of @p m, or NO_TAG. */
static int
tag_of(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN))
		return NO_TAG;
	return rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(eh + 1))->
		vlan_tci);
}

static void
set_port(uint16_t port, uint8_t mode, uint16_t vlan, const uint16_t *carry,
	unsigned int n)
{
	unsigned int i;

	memset(trunks[port], 0, sizeof(trunks[port]));
	for (i = 0; i < n; i++)
		trunks[port][carry[i] / 64] |= 1ULL << (carry[i] % 64);
	fwd_view_vlan_set(&view, port, mode, vlan, trunks[port]);
}

static void
make_view(void)
{
	static const uint16_t t5[] = { 10, 20, 30 }, t6[] = { 10, 20 },
		t7[] = { 20 };
	uint16_t i;

	unit_view_init(&view);
	for (i = 0; i < NB_PORTS; i++)
		fwd_view_set(&view, i, VSW_FWD_RUN, i);
	set_port(2, VSW_VLAN_ACCESS, 10, NULL, 0);
	set_port(3, VSW_VLAN_ACCESS, 10, NULL, 0);
	set_port(4, VSW_VLAN_ACCESS, 20, NULL, 0);
	set_port(5, VSW_VLAN_TRUNK, 0, t5, RTE_DIM(t5));
	set_port(6, VSW_VLAN_TRUNK, 30, t6, RTE_DIM(t6));
	set_port(7, VSW_VLAN_TRUNK, 10, t7, RTE_DIM(t7));
}

/* Frames port @p port got from the burst (NULL-terminated copy). */
static unsigned int
got(uint16_t port, struct rte_mbuf **out)
{
	uint16_t s = burst.slot[port], i;

	if (s == 0)
		return 0;
	for (i = 0; i < burst.dst_nb[s - 1]; i++)
		out[i] = burst.dst_pkts[s - 1][i];
	return burst.dst_nb[s - 1];
}

/* The mask of ports the burst sends to (ports < 64). */
static uint64_t
dst_mask(void)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < burst.nb_dst; i++)
		m |= 1ULL << burst.dst_port[i];
	return m;
}

static uint16_t
classify(struct vsw_mac_table *t, uint16_t in, struct rte_mbuf **m,
	uint16_t n)
{
	return fwd_classify(&burst, &view, VSW_FWD_LEARN, t, in, m, n, NOW);
}

static void
done(struct rte_mbuf **m, unsigned int n)
{
	fwd_burst_reset(&burst);
	rte_pktmbuf_free_bulk(m, n);
}

static void
test_decisions(void)
{
	const struct fwd_view_port *p = view.port;

	unit_case("decisions: the VLAN of a frame on each kind of port");
	UNIT_EQ(fwd_vlan_in(&p[0], false, 0), 0);
	UNIT_EQ(fwd_vlan_in(&p[0], true, 10), 0);     /* tags are payload */
	UNIT_EQ(fwd_vlan_in(&p[2], false, 0), 10);
	UNIT_EQ(fwd_vlan_in(&p[2], true, 0), 10);     /* priority tag */
	UNIT_EQ(fwd_vlan_in(&p[2], true, 10), -1);    /* tagged: no */
	UNIT_EQ(fwd_vlan_in(&p[2], true, 20), -1);
	UNIT_EQ(fwd_vlan_in(&p[5], false, 0), -1);    /* no native */
	UNIT_EQ(fwd_vlan_in(&p[5], true, 0), -1);
	UNIT_EQ(fwd_vlan_in(&p[5], true, 10), 10);
	UNIT_EQ(fwd_vlan_in(&p[5], true, 30), 30);
	UNIT_EQ(fwd_vlan_in(&p[5], true, 40), -1);
	UNIT_EQ(fwd_vlan_in(&p[5], true, 4095), -1);
	UNIT_EQ(fwd_vlan_in(&p[6], false, 0), 30);    /* native */
	UNIT_EQ(fwd_vlan_in(&p[6], true, 0), 30);
	UNIT_EQ(fwd_vlan_in(&p[6], true, 30), 30);    /* native, tagged */
	UNIT_EQ(fwd_vlan_in(&p[6], true, 20), 20);

	unit_case("decisions: how each kind of port sends a VLAN");
	UNIT_EQ(fwd_vlan_out(&p[0], 0), FWD_VLAN_AS_IS);
	UNIT_EQ(fwd_vlan_out(&p[0], 10), FWD_VLAN_NO);
	UNIT_EQ(fwd_vlan_out(&p[2], 10), FWD_VLAN_AS_IS);
	UNIT_EQ(fwd_vlan_out(&p[2], 20), FWD_VLAN_NO);
	UNIT_EQ(fwd_vlan_out(&p[2], 0), FWD_VLAN_NO);
	UNIT_EQ(fwd_vlan_out(&p[5], 10), FWD_VLAN_TAGGED);
	UNIT_EQ(fwd_vlan_out(&p[5], 0), FWD_VLAN_NO);
	UNIT_EQ(fwd_vlan_out(&p[5], 40), FWD_VLAN_NO);
	UNIT_EQ(fwd_vlan_out(&p[6], 30), FWD_VLAN_AS_IS);
	UNIT_EQ(fwd_vlan_out(&p[6], 10), FWD_VLAN_TAGGED);
	UNIT_EQ(fwd_vlan_out(&p[7], 10), FWD_VLAN_AS_IS);
	UNIT_EQ(fwd_vlan_out(&p[7], 20), FWD_VLAN_TAGGED);
	UNIT_EQ(fwd_vlan_out(&p[7], 30), FWD_VLAN_NO);
}

static void
test_flood_in_vlan(void)
{
	struct vsw_mac_table *t = unit_mac_table(1024, 1024, NB_PORTS);
	struct rte_mbuf *m[2], *out[4], *copy;

	unit_case("flood: broadcast from an access port stays in its VLAN");
	m[0] = frame(NULL, 0xa, NO_TAG);
	UNIT_EQ(classify(t, 2, m, 1), 0);
	UNIT_EQ_HEX(dst_mask(), (1 << 3) | (1 << 5) | (1 << 6) | (1 << 7));
	UNIT_EQ(burst.nb_extra, 1);	/* one tagged copy for 5 and 6 */
	UNIT_EQ(got(3, out), 1);
	UNIT_CHECK(out[0] == m[0] && tag_of(m[0]) == NO_TAG);
	UNIT_EQ(got(7, out), 1);	/* native 10: untagged */
	UNIT_CHECK(out[0] == m[0]);
	UNIT_EQ(got(5, out), 1);
	copy = out[0];
	UNIT_CHECK(copy != m[0] && tag_of(copy) == 10);
	UNIT_EQ(rte_pktmbuf_pkt_len(copy), 68);
	UNIT_EQ(got(6, out), 1);
	UNIT_CHECK(out[0] == copy);
	done(m, 1);

	unit_case("flood: unknown unicast from a trunk, its tag popped in "
		"place, its priority kept");
	m[0] = uframe(0x77, 0xb, (5 << 13) | 20);
	UNIT_EQ(classify(t, 5, m, 1), 0);
	UNIT_EQ_HEX(dst_mask(), (1 << 4) | (1 << 6) | (1 << 7));
	UNIT_EQ(tag_of(m[0]), NO_TAG);
	UNIT_EQ(rte_pktmbuf_pkt_len(m[0]), 64);
	UNIT_EQ(got(4, out), 1);
	UNIT_CHECK(out[0] == m[0]);
	UNIT_EQ(got(6, out), 1);
	UNIT_EQ(tag_of(out[0]), (5 << 13) | 20);
	UNIT_EQ(got(7, out), 1);
	UNIT_EQ(tag_of(out[0]), (5 << 13) | 20);
	done(m, 1);

	unit_case("flood: a VLAN nobody else carries is no-dest");
	set_port(3, VSW_VLAN_ACCESS, 99, NULL, 0);
	m[0] = frame(NULL, 0xc, NO_TAG);
	m[1] = frame(NULL, 0xc, NO_TAG);
	UNIT_EQ(classify(t, 3, m, 2), 2);
	UNIT_EQ(burst.drop[VSW_DROP_NO_DEST], 2);
	UNIT_EQ(burst.nb_dst, 0);
	done(m, 2);
	set_port(3, VSW_VLAN_ACCESS, 10, NULL, 0);
	vsw_mac_free(t);
}

static void
test_unicast(void)
{
	struct vsw_mac_table *t = unit_mac_table(1024, 1024, NB_PORTS);
	struct rte_mbuf *m[1], *out[2];

	/* A (0xa) on access port 2, B (0xb) on trunk 5, both VLAN 10. */
	m[0] = frame(NULL, 0xa, NO_TAG);
	classify(t, 2, m, 1);
	done(m, 1);
	m[0] = frame(NULL, 0xb, 10);
	classify(t, 5, m, 1);
	done(m, 1);

	unit_case("unicast: trunk to access, the tag popped in place");
	m[0] = uframe(0xa, 0xb, 10);
	UNIT_EQ(classify(t, 5, m, 1), 0);
	UNIT_EQ_HEX(dst_mask(), 1 << 2);
	UNIT_EQ(got(2, out), 1);
	UNIT_CHECK(out[0] == m[0] && tag_of(m[0]) == NO_TAG);
	UNIT_EQ(burst.nb_extra, 0);
	done(m, 1);

	unit_case("unicast: access to trunk, the tag pushed in place");
	m[0] = uframe(0xb, 0xa, NO_TAG);
	UNIT_EQ(classify(t, 2, m, 1), 0);
	UNIT_EQ_HEX(dst_mask(), 1 << 5);
	UNIT_EQ(got(5, out), 1);
	UNIT_CHECK(out[0] == m[0] && tag_of(m[0]) == 10);
	UNIT_EQ(burst.nb_extra, 0);
	done(m, 1);

	unit_case("unicast: repeated addresses, each frame tagged as its own");
	{
		struct rte_mbuf *r[6], *o[6];
		int k;

		m[0] = frame(NULL, 0xc, NO_TAG);	/* C (0xc) on port 3 */
		classify(t, 3, m, 1);
		done(m, 1);
		r[0] = uframe(0xc, 0xa, NO_TAG);	/* -> 3, as it is */
		r[1] = uframe(0xc, 0xa, NO_TAG);
		r[2] = uframe(0xb, 0xa, NO_TAG);	/* -> 5, tagged */
		r[3] = uframe(0xb, 0xa, NO_TAG);
		r[4] = uframe(0xc, 0xa, (5 << 13) | 0);	/* priority tag */
		r[5] = uframe(0xc, 0xa, NO_TAG);
		UNIT_EQ(classify(t, 2, r, 6), 0);
		UNIT_EQ(got(3, o), 4);
		for (k = 0; k < 4; k++)
			UNIT_CHECK(tag_of(o[k]) == NO_TAG);
		UNIT_CHECK(o[0] == r[0] && o[1] == r[1] && o[2] == r[4] &&
			o[3] == r[5]);
		UNIT_EQ(got(5, o), 2);
		UNIT_CHECK(o[0] == r[2] && o[1] == r[3] && tag_of(o[0]) == 10 &&
			tag_of(o[1]) == 10);
		UNIT_EQ(r[5]->vlan_tci, 10);
		done(r, 6);
	}

	unit_case("unicast: the same MAC on two VLANs is two stations");
	m[0] = frame(NULL, 0xa, 20);	/* A again, on VLAN 20, via trunk 5 */
	classify(t, 5, m, 1);
	UNIT_EQ(burst.mac_moves, 0);
	done(m, 1);
	UNIT_EQ(vsw_mac_lookup(t, vsw_mac_vkey(0x02000000000aULL, 10)), 2);
	UNIT_EQ(vsw_mac_lookup(t, vsw_mac_vkey(0x02000000000aULL, 20)), 5);
	m[0] = uframe(0xa, 0xd, NO_TAG);	/* from port 4, VLAN 20 */
	UNIT_EQ(classify(t, 4, m, 1), 0);
	UNIT_EQ_HEX(dst_mask(), 1 << 5);
	done(m, 1);
	m[0] = uframe(0xa, 0xd, NO_TAG);	/* from port 3, VLAN 10 */
	UNIT_EQ(classify(t, 3, m, 1), 0);
	UNIT_EQ_HEX(dst_mask(), 1 << 2);
	done(m, 1);

	unit_case("unicast: to a port that no longer carries the VLAN");
	set_port(2, VSW_VLAN_ACCESS, 11, NULL, 0);
	m[0] = uframe(0xa, 0xb, 10);
	UNIT_EQ(classify(t, 5, m, 1), 1);
	UNIT_EQ(burst.drop[VSW_DROP_VLAN], 1);
	done(m, 1);
	set_port(2, VSW_VLAN_ACCESS, 10, NULL, 0);
	vsw_mac_free(t);
}

static void
test_drops(void)
{
	struct vsw_mac_table *t = unit_mac_table(1024, 1024, NB_PORTS);
	struct rte_mbuf *m[6];

	unit_case("drops: VLANs a port does not carry, counted as vlan");
	m[0] = frame(NULL, 1, 10);	/* tagged on access 2 */
	m[1] = frame(NULL, 1, 20);
	UNIT_EQ(classify(t, 2, m, 2), 2);
	UNIT_EQ(burst.drop[VSW_DROP_VLAN], 2);
	UNIT_EQ(burst.nb_dst, 0);
	done(m, 2);
	m[0] = frame(NULL, 1, NO_TAG);	/* untagged on trunk 5, no native */
	m[1] = frame(NULL, 1, 40);	/* a VLAN trunk 6 does not carry */
	m[2] = frame(NULL, 1, 4095);
	UNIT_EQ(classify(t, 5, m, 1), 1);
	UNIT_EQ(classify(t, 6, m + 1, 2), 2);
	UNIT_EQ(burst.drop[VSW_DROP_VLAN], 3);
	done(m, 3);
	UNIT_EQ(vsw_mac_count(t, VSW_MAC_PORT_NONE), 0);   /* none learned */

	unit_case("drops: a tag cut short is malformed");
	m[0] = frame(NULL, 1, 10);
	rte_pktmbuf_trim(m[0], rte_pktmbuf_pkt_len(m[0]) - 16);
	UNIT_EQ(classify(t, 5, m, 1), 1);
	UNIT_EQ(burst.drop[VSW_DROP_MALFORMED], 1);
	done(m, 1);
	vsw_mac_free(t);
}

static void
test_tags(void)
{
	struct vsw_mac_table *t = unit_mac_table(1024, 1024, NB_PORTS);
	struct rte_mbuf *m[1], *out[2], *c;
	uint8_t before[72];

	unit_case("tags: VLAN 0 ports pass tagged frames as they are");
	m[0] = frame(NULL, 1, 77);
	UNIT_EQ(classify(t, 0, m, 1), 0);
	UNIT_EQ_HEX(dst_mask(), 1 << 1);
	UNIT_EQ(tag_of(m[0]), 77);
	done(m, 1);

	unit_case("tags: a priority tag on an access port is taken off");
	m[0] = frame(NULL, 2, (3 << 13) | 0);
	UNIT_EQ(classify(t, 2, m, 1), 0);
	UNIT_EQ(tag_of(m[0]), NO_TAG);
	UNIT_EQ(got(5, out), 1);
	UNIT_EQ(tag_of(out[0]), (3 << 13) | 10);
	done(m, 1);

	unit_case("tags: a double tag passes trunk to trunk untouched");
	m[0] = frame(NULL, 3, 99);	/* inner tag 99 */
	m[0]->vlan_tci = 20;
	UNIT_EQ(rte_vlan_insert(&m[0]), 0);	/* outer 20 */
	memcpy(before, rte_pktmbuf_mtod(m[0], void *), sizeof(before));
	UNIT_EQ(classify(t, 5, m, 1), 0);
	UNIT_EQ(got(7, out), 1);
	UNIT_EQ(rte_pktmbuf_pkt_len(out[0]), sizeof(before));
	UNIT_CHECK(memcmp(rte_pktmbuf_mtod(out[0], void *), before,
		sizeof(before)) == 0);
	UNIT_EQ(got(4, out), 1);	/* access 20: the inner tag stays */
	UNIT_EQ(tag_of(out[0]), 99);
	done(m, 1);

	unit_case("tags: a frame that is not ours alone is copied first");
	m[0] = frame(NULL, 4, 10);
	rte_mbuf_refcnt_update(m[0], 1);
	memcpy(before, rte_pktmbuf_mtod(m[0], void *), 68);
	UNIT_EQ(classify(t, 5, m, 1), 0);
	UNIT_CHECK(memcmp(rte_pktmbuf_mtod(m[0], void *), before, 68) == 0);
	UNIT_EQ(got(2, out), 1);
	c = out[0];
	UNIT_CHECK(c != m[0] && tag_of(c) == NO_TAG);
	UNIT_EQ(burst.nb_extra, 2);	/* the untagged copy, the tagged one */
	done(m, 1);
	rte_pktmbuf_free(m[0]);
	vsw_mac_free(t);
}

static void
test_no_vlans(void)
{
	struct vsw_mac_table *t = unit_mac_table(1024, 1024, NB_PORTS);
	struct rte_mbuf *m[1];
	uint16_t i;

	unit_case("no VLANs anywhere: every port gets tagged frames as they "
		"are");
	for (i = 2; i < NB_PORTS; i++)
		set_port(i, VSW_VLAN_NONE, 0, NULL, 0);
	UNIT_EQ(view.nb_vlan, 0);
	m[0] = frame(NULL, 1, 10);
	UNIT_EQ(classify(t, 5, m, 1), 0);
	UNIT_EQ(burst.nb_dst, NB_PORTS - 1);
	UNIT_EQ(tag_of(m[0]), 10);
	done(m, 1);
	vsw_mac_free(t);
}

static void
cases(void)
{
	make_view();
	test_decisions();
	test_flood_in_vlan();
	test_unicast();
	test_drops();
	test_tags();
	test_no_vlans();
}

/* Every mbuf and copy is given back. */
int
main(int argc, char **argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	return unit_main_pool("test_fwd_vlan", 511, &pool, cases);
}
