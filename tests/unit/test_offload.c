/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the offload path (lib/fwd/fwd_offload.c): the decision
 * per destination, the checks of a guest's request, checksum completion
 * and segmentation; that they compose with 802.1Q tags popped and pushed
 * by the classifier; and of lib/vport's feature mapping. Checksums are
 * verified with this file's own one's complement sum, not DPDK's.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_net.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "fwd_classify.h"
#include "fwd_offload.h"
#include "vsw_mac.h"
#include "vsw_vport.h"
#include "unit.h"
#include "unit_fwd.h"

#define ALL_RX VSW_FWD_OL_RX_ALL
#define MSS 1448
#define SEQ0 0xfffff000u	/* wraps within a 64 KB frame */
#define IPID0 0xfffe		/* wraps too */

static struct rte_mempool *pool;

/* A frame to build: what goes where. */
struct spec {
	bool v6;
	bool udp;
	int vlans;          /* 0..2 tags */
	uint16_t ip_opt;    /* IPv4 option bytes (multiple of 4) */
	uint16_t tcp_opt;   /* TCP option bytes (multiple of 4) */
	uint32_t payload;
	uint8_t tcp_flags;
	uint16_t seg_room;  /* bytes per input mbuf: chains like rte_vhost */
};

/* The frame's bytes, built flat first. */
static uint8_t frame_buf[70000];

static uint16_t
hdr_len(const struct spec *s)
{
	return RTE_ETHER_HDR_LEN + 4 * s->vlans +
		(s->v6 ? 40 : 20 + s->ip_opt) + (s->udp ? 8 : 20 + s->tcp_opt);
}

static uint8_t
pattern(uint32_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) * 13 + 1);
}

static uint32_t
build_flat(const struct spec *s)
{
	uint8_t *p = frame_buf;
	uint16_t off = 12, l3, l4 = 0;
	uint32_t i, total = hdr_len(s) + s->payload;
	int v;

	memset(p, 0, hdr_len(s));
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	for (v = 0; v < s->vlans; v++) {
		p[off] = v == 0 && s->vlans == 2 ? 0x88 : 0x81;
		p[off + 1] = v == 0 && s->vlans == 2 ? 0xa8 : 0x00;
		p[off + 3] = (uint8_t)(10 + v);
		off += 4;
	}
	p[off] = s->v6 ? 0x86 : 0x08;
	p[off + 1] = s->v6 ? 0xdd : 0x00;
	l3 = off + 2;
	if (s->v6) {
		struct rte_ipv6_hdr *ip = (void *)(p + l3);

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(total - l3 - 40);
		ip->proto = s->udp ? IPPROTO_UDP : IPPROTO_TCP;
		ip->hop_limits = 64;
		/* Byte offsets: the address type changed in DPDK 24.11. */
		p[l3 + 8] = 0xfd;
		p[l3 + 8 + 15] = 1;
		p[l3 + 24] = 0xfd;
		p[l3 + 24 + 15] = 2;
		l4 = l3 + 40;
	} else {
		struct rte_ipv4_hdr *ip = (void *)(p + l3);

		ip->version_ihl = 0x40 | (uint8_t)((20 + s->ip_opt) / 4);
		ip->total_length = rte_cpu_to_be_16(total - l3);
		ip->packet_id = rte_cpu_to_be_16(IPID0);
		ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = s->udp ? IPPROTO_UDP : IPPROTO_TCP;
		ip->src_addr = RTE_BE32(0x0a000001);
		ip->dst_addr = RTE_BE32(0x0a000002);
		for (i = 0; i < s->ip_opt; i++)
			p[l3 + 20 + i] = 1;	/* NOP options */
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		l4 = l3 + 20 + s->ip_opt;
	}
	if (s->udp) {
		struct rte_udp_hdr *uh = (void *)(p + l4);

		uh->src_port = RTE_BE16(1000);
		uh->dst_port = RTE_BE16(2000);
		uh->dgram_len = rte_cpu_to_be_16(total - l4);
	} else {
		struct rte_tcp_hdr *th = (void *)(p + l4);

		th->src_port = RTE_BE16(1000);
		th->dst_port = RTE_BE16(2000);
		th->sent_seq = rte_cpu_to_be_32(SEQ0);
		th->data_off = (uint8_t)(((20 + s->tcp_opt) / 4) << 4);
		th->tcp_flags = s->tcp_flags;
		th->rx_win = RTE_BE16(1000);
		for (i = 0; i < s->tcp_opt; i++)
			p[l4 + 20 + i] = 1;
	}
	for (i = 0; i < s->payload; i++)
		p[hdr_len(s) + i] = pattern(i);
	return total;
}

/* @p len bytes of frame_buf as a chain of mbufs of @p room bytes each. */
static struct rte_mbuf *
to_mbuf(uint32_t len, uint16_t room)
{
	struct rte_mbuf *m = unit_mbuf_chain(pool, frame_buf, len, room);

	if (m == NULL) {
		fprintf(stderr, "mbuf pool empty\n");
		exit(2);
	}
	return m;
}

/* A dequeued frame as rte_vhost hands it over with these flags. */
static struct rte_mbuf *
mk(const struct spec *s, bool lro, uint16_t mss)
{
	struct rte_mbuf *m = to_mbuf(build_flat(s), s->seg_room);

	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE |
		(lro ? RTE_MBUF_F_RX_LRO : 0);
	m->tso_segsz = lro ? mss : 0;
	return m;
}

/* The whole frame, flat. */
static uint32_t
flatten(const struct rte_mbuf *m, uint8_t *out)
{
	uint32_t n = 0;

	for (; m != NULL; m = m->next) {
		memcpy(out + n, rte_pktmbuf_mtod(m, const void *), m->data_len);
		n += m->data_len;
	}
	return n;
}

/* One's complement sum of @p len bytes, big-endian words. */
static uint32_t
sum16(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Is the L4 checksum of flat frame @p p right? With @p partial, the field
 * holds the pseudo-header sum a receiver completes over [l4, end).
 */
static bool
l4_ok(const uint8_t *p, uint16_t l3, bool v6, uint32_t len, bool partial)
{
	uint32_t l4 = l3 + (v6 ? 40 : (p[l3] & 0xf) * 4u), sum = 0;
	uint32_t l4len = len - l4;
	uint8_t proto = v6 ? p[l3 + 6] : p[l3 + 9];
	uint8_t field = proto == IPPROTO_TCP ? 16 : 6;
	uint16_t ck = (uint16_t)(p[l4 + field] << 8 | p[l4 + field + 1]);
	uint32_t ph;

	ph = v6 ? sum16(p + l3 + 8, 32, 0) : sum16(p + l3 + 12, 8, 0);
	ph += proto + l4len;
	if (partial)	/* the field must be the folded pseudo-header sum */
		return ck == fold(ph) && ck != 0;
	sum = sum16(p + l4, l4len, ph);
	return fold(sum) == 0xffff;
}

static bool
ip4_ok(const uint8_t *p, uint16_t l3)
{
	return fold(sum16(p + l3, (p[l3] & 0xf) * 4u, 0)) == 0xffff;
}

static void
test_action(void)
{
	unit_case("the decision per destination");
	UNIT_EQ(fwd_ol_action(FWD_OL_NONE, 0), FWD_OL_PASS);
	UNIT_EQ(fwd_ol_action(FWD_OL_CSUM, 0), FWD_OL_SW_CSUM);
	UNIT_EQ(fwd_ol_action(FWD_OL_CSUM, VSW_FWD_OL_TX_TSO4),
		FWD_OL_SW_CSUM);
	UNIT_EQ(fwd_ol_action(FWD_OL_CSUM, VSW_FWD_OL_TX_CSUM), FWD_OL_PASS);
	UNIT_EQ(fwd_ol_action(FWD_OL_TSO4, 0), FWD_OL_SEG_FULL);
	UNIT_EQ(fwd_ol_action(FWD_OL_TSO4, VSW_FWD_OL_TX_CSUM),
		FWD_OL_SEG_PARTIAL);
	UNIT_EQ(fwd_ol_action(FWD_OL_TSO4, VSW_FWD_OL_TX_CSUM |
		VSW_FWD_OL_TX_TSO6), FWD_OL_SEG_PARTIAL);
	UNIT_EQ(fwd_ol_action(FWD_OL_TSO4, VSW_FWD_OL_TX_TSO4),
		FWD_OL_SEG_FULL);
	UNIT_EQ(fwd_ol_action(FWD_OL_TSO4, VSW_FWD_OL_TX_CSUM |
		VSW_FWD_OL_TX_TSO4), FWD_OL_PASS);
	UNIT_EQ(fwd_ol_action(FWD_OL_TSO6, VSW_FWD_OL_TX_CSUM |
		VSW_FWD_OL_TX_TSO4), FWD_OL_SEG_PARTIAL);
	UNIT_EQ(fwd_ol_action(FWD_OL_TSO6, VSW_FWD_OL_TX_ALL), FWD_OL_PASS);
	UNIT_EQ(fwd_ol_action(FWD_OL_TSO6, VSW_FWD_OL_RX_ALL),
		FWD_OL_SEG_FULL);
}

static void
test_features(void)
{
	uint64_t all = (1ULL << VIRTIO_NET_F_CSUM) |
		(1ULL << VIRTIO_NET_F_GUEST_CSUM) |
		(1ULL << VIRTIO_NET_F_HOST_TSO4) |
		(1ULL << VIRTIO_NET_F_HOST_TSO6) |
		(1ULL << VIRTIO_NET_F_GUEST_TSO4) |
		(1ULL << VIRTIO_NET_F_GUEST_TSO6);
	uint64_t dis_on = vsw_vport_features_disabled(true);
	uint64_t dis_off = vsw_vport_features_disabled(false);

	unit_case("virtio-net features offered and their meaning");
	UNIT_EQ_HEX(dis_on & all, 0);
	UNIT_EQ_HEX(dis_off & all, all);
	UNIT_CHECK(dis_on & (1ULL << VIRTIO_NET_F_HOST_ECN));
	UNIT_CHECK(dis_on & (1ULL << VIRTIO_NET_F_HOST_UFO));
	UNIT_CHECK(dis_on & (1ULL << VIRTIO_NET_F_GUEST_UFO));
	UNIT_CHECK(dis_on & (1ULL << VIRTIO_NET_F_GUEST_ECN));
	UNIT_CHECK(dis_on & (1ULL << VIRTIO_NET_F_GSO));
	/* Mergeable buffers and indirect descriptors stay offered. */
	UNIT_EQ_HEX((dis_on | dis_off) & ((1ULL << VIRTIO_NET_F_MRG_RXBUF) |
		(1ULL << 28 /* VIRTIO_RING_F_INDIRECT_DESC */)), 0);
	UNIT_EQ(vsw_vport_offloads(0), 0);
	UNIT_EQ(vsw_vport_offloads(all), VSW_FWD_OL_TX_ALL | VSW_FWD_OL_RX_ALL);
	UNIT_EQ(vsw_vport_offloads(1ULL << VIRTIO_NET_F_GUEST_CSUM),
		VSW_FWD_OL_TX_CSUM);
	UNIT_EQ(vsw_vport_offloads((1ULL << VIRTIO_NET_F_CSUM) |
		(1ULL << VIRTIO_NET_F_HOST_TSO6)),
		VSW_FWD_OL_RX_CSUM | VSW_FWD_OL_RX_TSO6);
	/* TSO without checksum offload in that direction does not count. */
	UNIT_EQ(vsw_vport_offloads((1ULL << VIRTIO_NET_F_GUEST_TSO4) |
		(1ULL << VIRTIO_NET_F_HOST_TSO4)), 0);
}

static void
test_eth_features(void)
{
	const uint64_t ms = RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
		tcp = RTE_ETH_TX_OFFLOAD_TCP_CKSUM,
		udp = RTE_ETH_TX_OFFLOAD_UDP_CKSUM,
		ip4 = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM,
		tso = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		vlan = RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	uint64_t en;

	unit_case("ethdev transmit offloads used, and configured");
	/* What net_tap reports in 22.11 and 24.11: no TSO used. */
	UNIT_EQ(vsw_vport_eth_offloads("net_tap", ms | ip4 | udp | tcp | tso,
		&en), VSW_FWD_OL_TX_CSUM);
	UNIT_EQ_HEX(en, ms | ip4 | udp | tcp);
	/* The same capabilities on another driver: TSO both ways. */
	UNIT_EQ(vsw_vport_eth_offloads("net_ice", ms | ip4 | udp | tcp | tso |
		vlan, &en), VSW_FWD_OL_TX_ALL);
	UNIT_EQ_HEX(en, ms | ip4 | udp | tcp | tso);
	/* net_memif: multi-segment only. */
	UNIT_EQ(vsw_vport_eth_offloads("net_memif", ms, &en), 0);
	UNIT_EQ_HEX(en, ms);
	UNIT_EQ(vsw_vport_eth_offloads("x", ms | tcp | tso, &en), 0);
	UNIT_EQ_HEX(en, ms);
	UNIT_EQ(vsw_vport_eth_offloads("x", ip4 | udp | tcp | tso, &en), 0);
	UNIT_EQ_HEX(en, 0);
	/* No IPv4 header checksum: TSO for IPv6 only. */
	UNIT_EQ(vsw_vport_eth_offloads("x", ms | udp | tcp | tso, &en),
		VSW_FWD_OL_TX_CSUM | VSW_FWD_OL_TX_TSO6);
	UNIT_EQ(vsw_vport_eth_offloads(NULL, ms | udp | tcp, &en),
		VSW_FWD_OL_TX_CSUM);
}

/* Prepare must refuse @p m (and free it). */
static void
refuse(struct rte_mbuf *m, uint8_t rx, const char *why)
{
	bool ok = fwd_ol_prepare(m, rx) != 0;

	unit_report(ok, __FILE__, __LINE__, "refused: %s", why);
	rte_pktmbuf_free(m);
}

static void
test_prepare_good(void)
{
	struct spec s = { .payload = 20000, .tcp_opt = 12 };
	struct rte_mbuf *m;

	unit_case("good requests are prepared");
	m = mk(&s, true, MSS);
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
	UNIT_EQ(fwd_ol_kind(m), FWD_OL_TSO4);
	UNIT_EQ(m->l2_len, 14);
	UNIT_EQ(m->l3_len, 20);
	UNIT_EQ(m->l4_len, 32);
	UNIT_EQ_HEX(m->ol_flags & FWD_OL_TX_FLAGS, RTE_MBUF_F_TX_IPV4 |
		RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM);
	rte_pktmbuf_free(m);

	s = (struct spec){ .v6 = true, .vlans = 2, .payload = 9000 };
	m = mk(&s, true, 1000);
	UNIT_EQ(fwd_ol_prepare(m, VSW_FWD_OL_RX_CSUM | VSW_FWD_OL_RX_TSO6), 0);
	UNIT_EQ(fwd_ol_kind(m), FWD_OL_TSO6);
	UNIT_EQ(m->l2_len, 22);
	UNIT_EQ_HEX(m->ol_flags & FWD_OL_TX_FLAGS, RTE_MBUF_F_TX_IPV6 |
		RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM);
	rte_pktmbuf_free(m);

	/* A payload that fits one segment is a checksum request. */
	s = (struct spec){ .payload = MSS };
	m = mk(&s, true, MSS);
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
	UNIT_EQ(fwd_ol_kind(m), FWD_OL_CSUM);
	UNIT_EQ_HEX(m->ol_flags & FWD_OL_TX_FLAGS, RTE_MBUF_F_TX_IPV4 |
		RTE_MBUF_F_TX_TCP_CKSUM);
	rte_pktmbuf_free(m);

	s = (struct spec){ .udp = true, .v6 = true, .payload = 100 };
	m = mk(&s, false, 0);
	UNIT_EQ(fwd_ol_prepare(m, VSW_FWD_OL_RX_CSUM), 0);
	UNIT_EQ(fwd_ol_kind(m), FWD_OL_CSUM);
	UNIT_EQ(m->l4_len, 8);
	UNIT_EQ_HEX(m->ol_flags & FWD_OL_TX_FLAGS, RTE_MBUF_F_TX_IPV6 |
		RTE_MBUF_F_TX_UDP_CKSUM);
	rte_pktmbuf_free(m);

	/* Frames without a request are not touched. */
	s = (struct spec){ .payload = 10 };
	m = mk(&s, false, 0);
	m->ol_flags = 0;
	UNIT_EQ(fwd_ol_prepare(m, 0), 0);
	UNIT_EQ(m->l2_len, 0);
	UNIT_EQ(fwd_ol_kind(m), FWD_OL_NONE);
	rte_pktmbuf_free(m);
}

static void
test_prepare_bad(void)
{
	struct spec tso4 = { .payload = 20000 }, s;
	struct rte_mbuf *m;

	unit_case("malformed or unnegotiated requests are refused");
	refuse(mk(&tso4, true, MSS), VSW_FWD_OL_RX_CSUM, "TSO not negotiated");
	refuse(mk(&tso4, true, MSS), VSW_FWD_OL_RX_CSUM | VSW_FWD_OL_RX_TSO6,
		"TSO4 when only TSO6 was negotiated");
	refuse(mk(&tso4, false, 0), VSW_FWD_OL_RX_TSO4, "checksum not negotiated");
	refuse(mk(&tso4, true, 0), ALL_RX, "segment size 0");
	refuse(mk(&tso4, true, 20000 / FWD_GSO_MAX_SEGS - 1), ALL_RX,
		"more segments than FWD_GSO_MAX_SEGS");

	s = (struct spec){ .udp = true, .payload = 20000 };
	refuse(mk(&s, true, MSS), ALL_RX, "UDP segmentation (UFO)");

	m = mk(&tso4, true, MSS);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->total_length =
		RTE_BE16(1000);
	refuse(m, ALL_RX, "IPv4 total length short of the frame");

	m = mk(&tso4, true, MSS);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->total_length =
		RTE_BE16(65000);
	refuse(m, ALL_RX, "IPv4 total length beyond the frame");

	s = (struct spec){ .payload = 500 };
	m = mk(&s, false, 0);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
		14)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	refuse(m, ALL_RX, "IPv4 fragment");

	s = (struct spec){ .payload = 20 };
	m = mk(&s, false, 0);
	rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 34)->data_off = 0xf0;
	refuse(m, ALL_RX, "TCP header length beyond the frame");

	m = mk(&s, false, 0);
	rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 34)->data_off = 0x40;
	refuse(m, ALL_RX, "TCP header shorter than 20 bytes");

	m = mk(&s, false, 0);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->version_ihl =
		0x44;
	refuse(m, ALL_RX, "IPv4 header shorter than 20 bytes");

	m = mk(&s, false, 0);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->next_proto_id =
		IPPROTO_SCTP;
	refuse(m, ALL_RX, "SCTP checksum request");

	s = (struct spec){ .v6 = true, .payload = 20 };
	m = mk(&s, false, 0);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->proto = 0;
	refuse(m, ALL_RX, "IPv6 extension header");

	m = mk(&s, false, 0);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->payload_len = 0;
	refuse(m, ALL_RX, "IPv6 jumbogram");

	s = (struct spec){ .udp = true, .payload = 20 };
	m = mk(&s, false, 0);
	rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34)->dgram_len =
		RTE_BE16(9);
	refuse(m, ALL_RX, "UDP length that is not the IP payload's");

	m = mk(&s, false, 0);
	rte_pktmbuf_mtod_offset(m, struct rte_ether_hdr *, 0)->ether_type =
		RTE_BE16(RTE_ETHER_TYPE_ARP);
	refuse(m, ALL_RX, "not IP");

	m = mk(&s, false, 0);
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - 30);
	refuse(m, ALL_RX, "truncated IP header");

	m = mk(&s, false, 0);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_BAD;
	refuse(m, ALL_RX, "receive flags rte_vhost does not set");
}

/* A frame with a complete checksum and no flags, as after rte_vhost. */
static struct rte_mbuf *
mk_done(const struct spec *s)
{
	struct rte_mbuf *m = mk(s, false, 0);

	fwd_ol_prepare(m, ALL_RX);
	fwd_ol_apply(m, 0);
	m->ol_flags = 0;
	m->l2_len = m->l3_len = m->l4_len = 0;
	return m;
}

static void
test_unflagged(void)
{
	struct spec tcp = { .payload = 300 }, udp = { .udp = true,
		.payload = 300 };
	uint32_t pt = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4;
	struct rte_mbuf *m;

	unit_case("a request rte_vhost did not flag leaves a valid sum");
	m = mk_done(&tcp);
	m->packet_type = pt | RTE_PTYPE_L4_TCP;
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
	UNIT_EQ(fwd_ol_kind(m), FWD_OL_NONE);
	/* The sum written at a csum_start inside the payload. */
	*rte_pktmbuf_mtod_offset(m, uint8_t *, 200) ^= 0x5a;
	refuse(m, ALL_RX, "TCP checksum wrong after an unflagged request");

	m = mk_done(&udp);
	m->packet_type = pt | RTE_PTYPE_L4_UDP;
	*rte_pktmbuf_mtod_offset(m, uint8_t *, 200) ^= 0x5a;
	refuse(m, ALL_RX, "UDP checksum wrong after an unflagged request");

	m = mk_done(&udp);
	m->packet_type = pt | RTE_PTYPE_L4_UDP;
	rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34)->dgram_cksum = 0;
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);	/* no checksum at all */
	rte_pktmbuf_free(m);

	/* Not TCP or UDP as rte_vhost parsed it: nothing to check. */
	m = mk_done(&tcp);
	m->packet_type = pt;
	*rte_pktmbuf_mtod_offset(m, uint8_t *, 200) ^= 0x5a;
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
	m->packet_type = 0;	/* an empty header: never looked at */
	UNIT_EQ(fwd_ol_prepare(m, 0), 0);
	rte_pktmbuf_free(m);
}

/* Complete the checksum of a frame and check it independently. */
static void
csum_case(const struct spec *s, const char *what)
{
	struct rte_mbuf *m = mk(s, false, 0);
	static uint8_t out[70000];
	uint16_t l3 = RTE_ETHER_HDR_LEN + 4 * s->vlans;
	uint32_t len;

	if (!UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0)) {
		rte_pktmbuf_free(m);
		return;
	}
	UNIT_EQ(fwd_ol_apply(m, VSW_FWD_OL_TX_CSUM), FWD_OL_PASS);
	UNIT_CHECK(m->ol_flags & RTE_MBUF_F_TX_L4_MASK);
	/* Whatever the guest left in the field (a pseudo-header sum). */
	*rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len + m->l3_len +
		(s->udp ? 6 : 16)) = 0xa5;
	UNIT_EQ(fwd_ol_apply(m, VSW_FWD_OL_TX_TSO4 | VSW_FWD_OL_TX_TSO6),
		FWD_OL_SW_CSUM);
	UNIT_EQ_HEX(m->ol_flags & FWD_OL_TX_FLAGS, 0);
	len = flatten(m, out);
	unit_report(l4_ok(out, l3, s->v6, len, false), __FILE__, __LINE__,
		"checksum completed: %s", what);
	/* A second destination without the offload gets the same sum. */
	UNIT_EQ(fwd_ol_apply(m, 0), FWD_OL_SW_CSUM);
	flatten(m, out);
	unit_report(l4_ok(out, l3, s->v6, len, false), __FILE__, __LINE__,
		"checksum completed twice: %s", what);
	rte_pktmbuf_free(m);
}

static void
test_csum(void)
{
	struct spec s;

	unit_case("checksums completed in software");
	s = (struct spec){ .payload = 1000 };
	csum_case(&s, "TCP/IPv4");
	s = (struct spec){ .payload = 20001, .ip_opt = 8, .vlans = 1,
		.seg_room = 1000 };
	csum_case(&s, "TCP/IPv4, options, VLAN, odd length, chained");
	s = (struct spec){ .payload = 9000, .seg_room = 777 };
	csum_case(&s, "TCP/IPv4, chained in odd-sized pieces");
	s = (struct spec){ .udp = true, .payload = 333 };
	csum_case(&s, "UDP/IPv4");
	s = (struct spec){ .v6 = true, .payload = 5000, .seg_room = 700 };
	csum_case(&s, "TCP/IPv6, chained");
	s = (struct spec){ .v6 = true, .udp = true, .payload = 61 };
	csum_case(&s, "UDP/IPv6");
}

/* Segment a frame and check every segment against the original. */
static void
seg_case(const struct spec *s, uint16_t mss, bool partial, const char *what)
{
	static struct fwd_gso g;
	static unsigned int id;
	static uint8_t orig[70000], seg[70000];
	uint16_t l3 = RTE_ETHER_HDR_LEN + 4 * s->vlans, hdr = hdr_len(s);
	uint32_t len = build_flat(s), off = 0, seq = SEQ0, seglen;
	unsigned int avail_d, avail_i, before = rte_mempool_avail_count(pool);
	struct rte_mbuf *m;
	bool ok = true;
	int i, n;

	memcpy(orig, frame_buf, len);
	if (fwd_gso_init(&g, 1000 + id++, SOCKET_ID_ANY) != 0) {
		UNIT_CHECK(!"fwd_gso_init");
		return;
	}
	avail_d = rte_mempool_avail_count(g.ctx.direct_pool);
	avail_i = rte_mempool_avail_count(g.ctx.indirect_pool);
	m = mk(s, true, mss);
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
	UNIT_EQ(fwd_ol_apply(m, partial ? VSW_FWD_OL_TX_CSUM : 0),
		partial ? FWD_OL_SEG_PARTIAL : FWD_OL_SEG_FULL);
	n = fwd_gso_segment(&g, m, partial);
	UNIT_EQ(n, (int)((s->payload + mss - 1) / mss));
	for (i = 0; i < n && ok; i++) {
		struct rte_mbuf *x = g.out[i];
		uint32_t want = RTE_MIN((uint32_t)mss, s->payload - off);
		const uint8_t *th;
		uint32_t seq_be;

		seglen = flatten(x, seg);
		ok &= unit_report(seglen == hdr + want && x->pkt_len == seglen,
			__FILE__, __LINE__, "%s: segment %d is %u bytes", what,
			i, seglen);
		ok &= UNIT_EQ(memcmp(seg + hdr, orig + hdr + off, want), 0);
		/* Headers: the original's but for lengths, ids, sums, flags. */
		ok &= UNIT_EQ(memcmp(seg, orig, l3), 0);
		th = seg + hdr - 20 - s->tcp_opt;
		memcpy(&seq_be, th + 4, sizeof(seq_be));	/* unaligned */
		ok &= UNIT_EQ(rte_be_to_cpu_32(seq_be), seq);
		ok &= UNIT_EQ(th[13] & 0x09, i == n - 1 ? s->tcp_flags & 0x09 : 0);
		ok &= UNIT_EQ(th[13] & 0x80, i == 0 ? s->tcp_flags & 0x80 : 0);
		if (s->v6) {
			ok &= UNIT_EQ(seg[l3 + 4] << 8 | seg[l3 + 5],
				seglen - l3 - 40);
		} else {
			ok &= UNIT_EQ(seg[l3 + 2] << 8 | seg[l3 + 3],
				seglen - l3);
			ok &= UNIT_EQ(seg[l3 + 4] << 8 | seg[l3 + 5],
				(IPID0 + i) & 0xffff);
			ok &= UNIT_CHECK(ip4_ok(seg, l3));
		}
		if (partial) {
			ok &= UNIT_EQ_HEX(x->ol_flags & RTE_MBUF_F_TX_L4_MASK,
				RTE_MBUF_F_TX_TCP_CKSUM);
			/* rte_vhost writes the pseudo-header sum; so do we. */
			rte_net_intel_cksum_prepare(x);
			flatten(x, seg);
		} else {
			ok &= UNIT_EQ_HEX(x->ol_flags & FWD_OL_TX_FLAGS, 0);
		}
		ok &= unit_report(l4_ok(seg, l3, s->v6, seglen, partial),
			__FILE__, __LINE__, "%s: segment %d checksum", what, i);
		off += want;
		seq += want;
	}
	UNIT_EQ(off, s->payload);
	if (n > 0)
		rte_pktmbuf_free_bulk(g.out, n);
	/* The original is intact and every mbuf is back. */
	flatten(m, seg);
	UNIT_EQ(memcmp(seg + hdr, orig + hdr, len - hdr), 0);
	rte_pktmbuf_free(m);
	UNIT_EQ(rte_mempool_avail_count(g.ctx.direct_pool), avail_d);
	UNIT_EQ(rte_mempool_avail_count(g.ctx.indirect_pool), avail_i);
	UNIT_EQ(rte_mempool_avail_count(pool), before);
	fwd_gso_free(&g);
}

static void
test_segment(void)
{
	struct spec s;

	unit_case("TCP segmentation in software");
	s = (struct spec){ .payload = 65000, .tcp_flags = 0x99 /* CWR PSH ACK FIN */ };
	seg_case(&s, MSS, false, "TCP/IPv4 64 KB, full checksums");
	seg_case(&s, MSS, true, "TCP/IPv4 64 KB, partial checksums");
	s = (struct spec){ .v6 = true, .payload = 65000, .tcp_flags = 0x99 };
	seg_case(&s, 1428, false, "TCP/IPv6 64 KB, full checksums");
	seg_case(&s, 1428, true, "TCP/IPv6 64 KB, partial checksums");
	s = (struct spec){ .payload = 7001, .vlans = 2, .ip_opt = 4,
		.tcp_opt = 12, .seg_room = 999, .tcp_flags = 0x18 };
	seg_case(&s, 500, false, "TCP/IPv4, options, QinQ, small input mbufs");
	s = (struct spec){ .v6 = true, .payload = 30000, .seg_room = 333,
		.tcp_flags = 0x10 };
	seg_case(&s, 4000, false, "TCP/IPv6, segments span many input mbufs");
	s = (struct spec){ .payload = 65400 };	/* 511 segments */
	seg_case(&s, 128, false, "a 64 KB frame cut at an MSS of 128");
}

/*
 * VLANs and offloads together: ports 0 (access 10), 1 (trunk 10, 20),
 * 2 (access 10), 3 (trunk 10, native 20); station 2 (the frames'
 * destination) learned on @p dst_port, VLAN 10.
 */
static struct vsw_mac_table *
vlan_setup(struct fwd_view *v, uint64_t trunks[][VSW_VLAN_WORDS],
	uint16_t dst_port)
{
	static const uint8_t mode[4] = { VSW_VLAN_ACCESS, VSW_VLAN_TRUNK,
		VSW_VLAN_ACCESS, VSW_VLAN_TRUNK };
	static const uint16_t vlan[4] = { 10, 0, 10, 20 };
	struct vsw_mac_table *t = unit_mac_table(64, 64, 4);
	struct rte_ether_addr a = unit_mac(2, 0, 0, 0, 0, 2);
	uint16_t i;

	unit_view_init(v);
	for (i = 0; i < 4; i++) {
		fwd_view_set(v, i, VSW_FWD_RUN, i);
		memset(trunks[i], 0, sizeof(trunks[i]));
		trunks[i][0] = (1ULL << 10) | (1ULL << 20);
		fwd_view_vlan_set(v, i, mode[i], vlan[i], trunks[i]);
	}
	if (t != NULL && dst_port != UINT16_MAX)
		vsw_mac_learn(t, vsw_mac_vkey(vsw_mac_key(&a), 10), dst_port, 1);
	return t;
}

/* The frames @p b has for @p port (at most one expected). */
static struct rte_mbuf *
vlan_got(const struct fwd_burst *b, uint16_t port)
{
	uint16_t s = b->slot[port];

	return s == 0 || b->dst_nb[s - 1] != 1 ? NULL : b->dst_pkts[s - 1][0];
}

/*
 * Segment @p m for a destination without TSO (and with checksum offload
 * when @p partial) and check each segment: tag (@p vid, -1 for none),
 * IPv4 header and TCP checksums, lengths.
 */
static void
vlan_seg_check(struct fwd_gso *g, struct rte_mbuf *m, int vid, bool v6,
	bool partial, const char *what)
{
	static uint8_t seg[70000];
	uint16_t l3 = RTE_ETHER_HDR_LEN + (vid >= 0 ? 4 : 0);
	bool ok = true;
	uint32_t len;
	int i, n;

	UNIT_EQ(m->l2_len, l3);
	UNIT_EQ(fwd_ol_apply(m, partial ? VSW_FWD_OL_TX_CSUM : 0),
		partial ? FWD_OL_SEG_PARTIAL : FWD_OL_SEG_FULL);
	n = fwd_gso_segment(g, m, partial);
	ok &= unit_report(n > 1, __FILE__, __LINE__, "%s: %d segments", what,
		n);
	for (i = 0; i < n && ok; i++) {
		if (partial)
			rte_net_intel_cksum_prepare(g->out[i]);
		len = flatten(g->out[i], seg);
		ok &= UNIT_CHECK(len <= l3 + (v6 ? 40u : 20u) + 20 + MSS);
		if (vid >= 0)
			ok &= UNIT_EQ(seg[12] << 8 | seg[13], RTE_ETHER_TYPE_VLAN) &&
				UNIT_EQ((seg[14] << 8 | seg[15]) & 0xfff, vid);
		ok &= UNIT_EQ(seg[l3 - 2] << 8 | seg[l3 - 1], v6 ?
			RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
		if (!v6)
			ok &= UNIT_CHECK(ip4_ok(seg, l3));
		ok &= unit_report(l4_ok(seg, l3, v6, len, partial), __FILE__,
			__LINE__, "%s: segment %d checksum", what, i);
	}
	if (n > 0)
		rte_pktmbuf_free_bulk(g->out, n);
}

static void
test_vlan_compose(void)
{
	static uint64_t trunks[4][VSW_VLAN_WORDS];
	static struct fwd_burst b;
	static struct fwd_view v;
	static struct fwd_gso g;
	static uint8_t out[70000];
	struct spec s4 = { .payload = 20000 };
	struct spec s6t = { .v6 = true, .vlans = 1, .payload = 20000 };
	struct spec c4 = { .payload = 999, .seg_room = 500 };
	struct vsw_mac_table *t;
	struct rte_mbuf *m, *x;
	unsigned int before = rte_mempool_avail_count(pool);

	if (fwd_gso_init(&g, 3000, SOCKET_ID_ANY) != 0) {
		UNIT_CHECK(!"fwd_gso_init");
		return;
	}
	unit_case("VLAN push on a TSO frame: every segment tagged and valid");
	t = vlan_setup(&v, trunks, 1);
	m = mk(&s4, true, MSS);
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
	UNIT_EQ(fwd_classify(&b, &v, VSW_FWD_LEARN, t, 0, &m, 1, 1), 0);
	x = vlan_got(&b, 1);
	if (UNIT_CHECK(x != NULL))
		vlan_seg_check(&g, x, 10, false, false, "access to trunk");
	fwd_burst_reset(&b);
	rte_pktmbuf_free(m);
	vsw_mac_free(t);

	unit_case("VLAN pop on a TSO frame: segments untagged and valid");
	t = vlan_setup(&v, trunks, 2);
	m = mk(&s6t, true, MSS);	/* tagged VLAN 10 */
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
	UNIT_EQ(m->l2_len, 18);
	UNIT_EQ(fwd_classify(&b, &v, VSW_FWD_LEARN, t, 1, &m, 1, 1), 0);
	x = vlan_got(&b, 2);
	if (UNIT_CHECK(x != NULL))
		vlan_seg_check(&g, x, -1, true, true, "trunk to access");
	fwd_burst_reset(&b);
	rte_pktmbuf_free(m);
	vsw_mac_free(t);

	unit_case("VLAN flood of a TSO frame: the tagged copy and the "
		"untagged frame each right");
	t = vlan_setup(&v, trunks, UINT16_MAX);
	m = mk(&s4, true, MSS);
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
	UNIT_EQ(fwd_classify(&b, &v, VSW_FWD_LEARN, t, 0, &m, 1, 1), 0);
	UNIT_EQ(b.nb_dst, 3);	/* 1 and 3 tagged (one copy), 2 as is */
	x = vlan_got(&b, 3);
	UNIT_CHECK(x != NULL && x == vlan_got(&b, 1) && x != m);
	if (x != NULL)
		vlan_seg_check(&g, x, 10, false, true, "flood, trunk");
	x = vlan_got(&b, 2);
	if (UNIT_CHECK(x == m))
		vlan_seg_check(&g, x, -1, false, false, "flood, access");
	fwd_burst_reset(&b);
	rte_pktmbuf_free(m);
	vsw_mac_free(t);

	unit_case("VLAN push on a checksum request, completed or passed");
	t = vlan_setup(&v, trunks, 3);
	m = mk(&c4, false, 0);
	UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
	UNIT_EQ(fwd_classify(&b, &v, VSW_FWD_LEARN, t, 0, &m, 1, 1), 0);
	x = vlan_got(&b, 3);
	if (UNIT_CHECK(x != NULL)) {
		UNIT_EQ(x->l2_len, 18);
		UNIT_EQ(fwd_ol_apply(x, VSW_FWD_OL_TX_CSUM), FWD_OL_PASS);
		rte_net_intel_cksum_prepare(x);	/* as rte_vhost does */
		unit_report(l4_ok(out, 18, false, flatten(x, out), true),
			__FILE__, __LINE__, "partial sum behind the tag");
		UNIT_EQ(fwd_ol_apply(x, 0), FWD_OL_SW_CSUM);
		unit_report(l4_ok(out, 18, false, flatten(x, out), false),
			__FILE__, __LINE__, "sum completed behind the tag");
	}
	fwd_burst_reset(&b);
	rte_pktmbuf_free(m);
	vsw_mac_free(t);
	UNIT_EQ(rte_mempool_avail_count(pool), before);
	fwd_gso_free(&g);
}

/* Out of mbufs: -ENOMEM and nothing left allocated. */
static void
test_nomem(void)
{
	static struct fwd_gso g;
	static struct rte_mbuf *hold[8192];
	struct spec s4 = { .payload = 20000 }, s6 = { .v6 = true,
		.payload = 20000 };
	const struct spec *sp[] = { &s4, &s6 };
	unsigned int avail, k, n = 0;
	struct rte_mbuf *m;

	unit_case("segmentation without mbufs fails cleanly");
	if (fwd_gso_init(&g, 2000, SOCKET_ID_ANY) != 0) {
		UNIT_CHECK(!"fwd_gso_init");
		return;
	}
	avail = rte_mempool_avail_count(g.ctx.direct_pool);
	while (n < avail - 5 && n < RTE_DIM(hold))
		hold[n++] = rte_pktmbuf_alloc(g.ctx.direct_pool);
	for (k = 0; k < RTE_DIM(sp); k++) {
		m = mk(sp[k], true, MSS);
		UNIT_EQ(fwd_ol_prepare(m, ALL_RX), 0);
		UNIT_EQ(fwd_gso_segment(&g, m, false), -ENOMEM);
		UNIT_EQ(rte_mbuf_refcnt_read(m), 1);
		rte_pktmbuf_free(m);
	}
	rte_pktmbuf_free_bulk(hold, n);
	UNIT_EQ(rte_mempool_avail_count(g.ctx.direct_pool), avail);
	UNIT_EQ(rte_mempool_full(g.ctx.indirect_pool), 1);
	fwd_gso_free(&g);
}

int
main(int argc, char **argv)
{
	RTE_SET_USED(argc);
	unit_eal_init(argv[0]);
	pool = unit_pool(4096);
	if (pool == NULL) {
		fprintf(stderr, "no mbuf pool\n");
		return 2;
	}
	test_action();
	test_features();
	test_eth_features();
	test_prepare_good();
	test_prepare_bad();
	test_csum();
	test_unflagged();
	test_segment();
	test_vlan_compose();
	test_nomem();
	rte_mempool_free(pool);
	return unit_finish(argv[0]);
}
