/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path: checking offload requests on ingress, completing checksums
 * and segmenting frames for destinations without the offload. See
 * fwd_offload.h.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "fwd_offload.h"
#include "vsw_capture.h"

/* mbufs of a segment's header copy: headroom, then the headers. */
#define GSO_DIRECT_ROOM (RTE_PKTMBUF_HEADROOM + 256)
_Static_assert(FWD_OL_HDR_MAX <= GSO_DIRECT_ROOM - RTE_PKTMBUF_HEADROOM,
	"a segment's header copy must fit its mbuf");
#define GSO_CACHE 64

/* TCP flags rte_tcp.h names by bit. */
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* Where the headers of a frame end, as fwd_ol_prepare() finds them. */
struct ol_hdrs {
	uint16_t l2, l3, l4;  /* lengths */
	uint32_t ip_end;      /* offset of the end of the IP packet */
	uint8_t proto;        /* IPPROTO_TCP or IPPROTO_UDP */
	bool v4;
};

/* Ethernet and up to two VLAN tags; false if not IP. */
static bool
parse_l2(const uint8_t *p, uint16_t len, struct ol_hdrs *h)
{
	uint16_t off = RTE_ETHER_HDR_LEN, type, tags;

	if (len < RTE_ETHER_HDR_LEN)
		return false;
	/* Loads by memcpy(): the frame's bytes need not be aligned. */
	memcpy(&type, p + offsetof(struct rte_ether_hdr, ether_type),
		sizeof(type));
	for (tags = 0; tags < 2 &&
			(type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
			 type == RTE_BE16(RTE_ETHER_TYPE_QINQ)); tags++) {
		if (off + sizeof(struct rte_vlan_hdr) > len)
			return false;
		memcpy(&type, p + off + offsetof(struct rte_vlan_hdr,
			eth_proto), sizeof(type));
		off += sizeof(struct rte_vlan_hdr);
	}
	h->l2 = off;
	h->v4 = type == RTE_BE16(RTE_ETHER_TYPE_IPV4);
	return h->v4 || type == RTE_BE16(RTE_ETHER_TYPE_IPV6);
}

/*
 * IPv4 (no fragment) or IPv6 (no extension header, no jumbogram), whose
 * header lies in the first segment and whose end lies in the frame.
 */
static bool
parse_l3(const uint8_t *p, uint16_t len, uint32_t pkt_len, struct ol_hdrs *h)
{
	if (h->v4) {
		const struct rte_ipv4_hdr *ip = (const void *)(p + h->l2);
		uint16_t tot;

		if (h->l2 + sizeof(*ip) > len ||
				(ip->version_ihl >> 4) != 4 ||
				rte_ipv4_hdr_len(ip) < sizeof(*ip) ||
				h->l2 + rte_ipv4_hdr_len(ip) > len)
			return false;
		if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
				RTE_IPV4_HDR_OFFSET_MASK))
			return false;
		h->l3 = rte_ipv4_hdr_len(ip);
		tot = rte_be_to_cpu_16(ip->total_length);
		if (tot < h->l3)
			return false;
		h->ip_end = h->l2 + (uint32_t)tot;
		h->proto = ip->next_proto_id;
	} else {
		const struct rte_ipv6_hdr *ip = (const void *)(p + h->l2);
		uint16_t plen;

		if (h->l2 + sizeof(*ip) > len ||
				(rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
			return false;
		plen = rte_be_to_cpu_16(ip->payload_len);
		if (plen == 0)
			return false;
		h->l3 = sizeof(*ip);
		h->ip_end = h->l2 + h->l3 + (uint32_t)plen;
		h->proto = ip->proto;
	}
	return h->ip_end <= pkt_len;
}

/* A TCP or UDP header within the first segment and the IP packet. */
static bool
parse_l4(const uint8_t *p, uint16_t len, struct ol_hdrs *h)
{
	uint32_t off = h->l2 + h->l3;

	if (h->proto == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th = (const void *)(p + off);

		if (off + sizeof(*th) > RTE_MIN((uint32_t)len, h->ip_end))
			return false;
		h->l4 = (th->data_off >> 4) * 4;
		return h->l4 >= sizeof(*th) &&
			off + h->l4 <= RTE_MIN((uint32_t)len, h->ip_end);
	}
	if (h->proto == IPPROTO_UDP) {
		const struct rte_udp_hdr *uh = (const void *)(p + off);

		if (off + sizeof(*uh) > RTE_MIN((uint32_t)len, h->ip_end))
			return false;
		h->l4 = sizeof(*uh);
		return rte_be_to_cpu_16(uh->dgram_len) == h->ip_end - off;
	}
	return false;
}

/*
 * Raw one's complement sum of @p len bytes of chain @p m from @p off on.
 * rte_raw_cksum_mbuf() (22.11 and 24.11) gets pieces that start at an
 * odd offset wrong (it byte-swaps a sum before folding it), so each piece
 * is folded first here.
 */
static uint16_t
raw_cksum_chain(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t sum = 0, done = 0, n;
	uint16_t part;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && done < len) {
		n = RTE_MIN(len - done, (uint32_t)m->data_len - off);
		part = rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *,
			off), n);
		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
		off = 0;
		m = m->next;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)((sum & 0xffff) + (sum >> 16));
}

/*
 * The folded one's complement sum of the pseudo-header and the TCP or UDP
 * header and payload of @p m, as they are, over the L4 length its IP
 * header (at @p l2, @p l3 bytes long) gives.
 */
static uint16_t
l4_sum(const struct rte_mbuf *m, uint16_t l2, uint16_t l3, bool v4)
{
	const void *ip = rte_pktmbuf_mtod_offset(m, const void *, l2);
	uint32_t len, sum;

	if (v4) {
		len = rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)
			ip)->total_length) - l3;
		sum = rte_ipv4_phdr_cksum(ip, 0);
	} else {
		len = rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)
			ip)->payload_len);
		sum = rte_ipv6_phdr_cksum(ip, 0);
	}
	sum += raw_cksum_chain(m, l2 + l3, len);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)((sum & 0xffff) + (sum >> 16));
}

/* The checksum of prepared frame or segment @p m, its field zero. */
static uint16_t
l4_cksum(const struct rte_mbuf *m, bool udp)
{
	uint16_t ck = (uint16_t)~l4_sum(m, m->l2_len, m->l3_len,
		RTE_ETH_IS_IPV4_HDR(m->packet_type));

	/* A UDP checksum of zero means none: send all ones (RFC 768). */
	return (ck == 0 && udp) ? 0xffff : ck;
}

/* The transmit flags that hand request @p k of @p m on unchanged. */
static uint64_t
pass_flags(const struct rte_mbuf *m, enum fwd_ol_kind k)
{
	uint64_t f = RTE_ETH_IS_IPV4_HDR(m->packet_type) ?
		RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;

	if (k == FWD_OL_TSO4 || k == FWD_OL_TSO6)
		return f | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
	if ((m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP)
		return f | RTE_MBUF_F_TX_TCP_CKSUM;
	return f | RTE_MBUF_F_TX_UDP_CKSUM;
}

/* A segmentation request: check it, or turn it into a checksum one. */
static int
prepare_tso(struct rte_mbuf *m, const struct ol_hdrs *h, uint8_t rx)
{
	uint32_t hdr = h->l2 + h->l3 + h->l4, payload, mss = m->tso_segsz;

	/* No UDP segmentation (UFO) is offered; TSO only as negotiated. */
	if (h->proto != IPPROTO_TCP ||
			!(rx & (h->v4 ? VSW_FWD_OL_RX_TSO4 : VSW_FWD_OL_RX_TSO6)))
		return -EINVAL;
	/* The payload is the rest of the frame, and nothing follows it. */
	if (h->ip_end != m->pkt_len || mss == 0)
		return -EINVAL;
	payload = m->pkt_len - hdr;
	if (payload <= mss) {
		m->ol_flags &= ~RTE_MBUF_F_RX_LRO;
		return 0;
	}
	if ((payload + mss - 1) / mss > FWD_GSO_MAX_SEGS ||
			hdr + mss > UINT16_MAX)
		return -EINVAL;
	return 0;
}

/*
 * A frame whose virtio-net header asked for something (rte_vhost then
 * sets packet_type) that rte_vhost did not turn into flags: a checksum it
 * completed itself at the guest's csum_start (past the headers it knows:
 * a tunnel's inner header, or nonsense), or none at all (csum_start past
 * the frame), or a segmentation request it ignored. Where it parsed TCP
 * or UDP, the frame's checksum must now be right, or the request was
 * malformed.
 */
static int
check_unflagged(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	uint32_t l4 = m->packet_type & RTE_PTYPE_L4_MASK;
	struct ol_hdrs h;

	if (l4 != RTE_PTYPE_L4_TCP && l4 != RTE_PTYPE_L4_UDP)
		return 0;
	/* What vuswitch does not parse goes on as the guest made it. */
	if (!parse_l2(p, len, &h) || !parse_l3(p, len, m->pkt_len, &h) ||
			!parse_l4(p, len, &h))
		return 0;
	if (h.proto == IPPROTO_UDP && ((const struct rte_udp_hdr *)
			(p + h.l2 + h.l3))->dgram_cksum == 0)
		return 0;	/* no checksum (a tunnel's outer header) */
	return l4_sum(m, h.l2, h.l3, h.v4) == 0xffff ? 0 : -EINVAL;
}

int
fwd_ol_prepare(struct rte_mbuf *m, uint8_t rx)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	struct ol_hdrs h;

	if (!(m->ol_flags & FWD_OL_RX_FLAGS))
		return m->packet_type == 0 ? 0 : check_unflagged(m);
	/* Checksum requests only from a port that may make them. */
	if (!(rx & VSW_FWD_OL_RX_CSUM) ||
			(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
			RTE_MBUF_F_RX_L4_CKSUM_NONE)
		return -EINVAL;
	if (!parse_l2(p, len, &h) || !parse_l3(p, len, m->pkt_len, &h) ||
			!parse_l4(p, len, &h))
		return -EINVAL;
	m->l2_len = h.l2;
	m->l3_len = h.l3;
	m->l4_len = h.l4;
	m->packet_type = RTE_PTYPE_L2_ETHER |
		(h.v4 ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6) |
		(h.proto == IPPROTO_TCP ? RTE_PTYPE_L4_TCP : RTE_PTYPE_L4_UDP);
	if ((m->ol_flags & RTE_MBUF_F_RX_LRO) && prepare_tso(m, &h, rx) != 0)
		return -EINVAL;
	m->ol_flags = (m->ol_flags & ~FWD_OL_TX_FLAGS) |
		pass_flags(m, fwd_ol_kind(m));
	return 0;
}

void
fwd_ol_csum(struct rte_mbuf *m)
{
	uint16_t l4 = m->l2_len + m->l3_len;
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m,
		struct rte_tcp_hdr *, l4);
	struct rte_udp_hdr *uh = rte_pktmbuf_mtod_offset(m,
		struct rte_udp_hdr *, l4);
	bool tcp = (m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP;
	uint16_t ck;

	if (tcp)
		th->cksum = 0;
	else
		uh->dgram_cksum = 0;
	ck = l4_cksum(m, !tcp);
	if (tcp)
		th->cksum = ck;
	else
		uh->dgram_cksum = ck;
}

enum fwd_ol_action
fwd_ol_apply(struct rte_mbuf *m, uint8_t tx)
{
	enum fwd_ol_kind k = fwd_ol_kind(m);
	enum fwd_ol_action a;

	if (likely(k == FWD_OL_NONE))
		return FWD_OL_PASS;
	a = fwd_ol_action(k, tx);
	m->ol_flags &= ~FWD_OL_TX_FLAGS;
	if (a == FWD_OL_PASS) {
		m->ol_flags |= pass_flags(m, k);
	} else if (a == FWD_OL_SW_CSUM) {
		fwd_ol_csum(m);
	}
	return a;
}

int
fwd_gso_init(struct fwd_gso *g, unsigned int id, int socket)
{
	/* Every segment of one frame, what the lcore's cache holds, and
	 * the segments a capture may hold on to (they are captured as
	 * delivered, by reference). */
	unsigned int n = FWD_GSO_MAX_SEGS + VSW_CAPTURE_MBUFS_PER_LCORE +
		2 * GSO_CACHE;
	char name[RTE_MEMPOOL_NAMESIZE];

	memset(g, 0, sizeof(*g));
	snprintf(name, sizeof(name), "vsw_gsoh_%u", id);
	g->ctx.direct_pool = rte_pktmbuf_pool_create(name, n, GSO_CACHE, 0,
		GSO_DIRECT_ROOM, socket);
	/* Indirect: a segment's payload spans at most one more input mbuf
	 * than it has, and the input has at most 64 KB of them. */
	snprintf(name, sizeof(name), "vsw_gsoi_%u", id);
	g->ctx.indirect_pool = rte_pktmbuf_pool_create(name,
		2 * n + 64, GSO_CACHE, 0, 0, socket);
	if (g->ctx.direct_pool == NULL || g->ctx.indirect_pool == NULL) {
		fwd_gso_free(g);
		return -ENOMEM;
	}
	g->ctx.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	g->ctx.flag = 0;	/* IPv4 ids count up, as Linux's GSO does */
	return 0;
}

void
fwd_gso_free(struct fwd_gso *g)
{
	rte_mempool_free(g->ctx.direct_pool);
	rte_mempool_free(g->ctx.indirect_pool);
	g->ctx.direct_pool = NULL;
	g->ctx.indirect_pool = NULL;
}

/*
 * One segment: a copy of the first @p hdr bytes of @p m (its headers),
 * then indirect mbufs for @p len payload bytes from (*in, *in_off) on,
 * which move past them.
 */
static struct rte_mbuf *
hdr_segment(struct fwd_gso *g, const struct rte_mbuf *m, uint16_t hdr,
	struct rte_mbuf **in, uint32_t *in_off, uint32_t len)
{
	struct rte_mbuf *h = rte_pktmbuf_alloc(g->ctx.direct_pool);
	struct rte_mbuf *prev = h, *p;
	uint32_t take;

	if (h == NULL)
		return NULL;
	rte_memcpy(rte_pktmbuf_mtod(h, void *), rte_pktmbuf_mtod(m, void *),
		hdr);
	h->data_len = hdr;
	h->pkt_len = hdr;
	h->packet_type = m->packet_type;
	h->tx_offload = m->tx_offload;
	while (len > 0) {
		while (*in_off == (*in)->data_len) {
			*in = (*in)->next;
			*in_off = 0;
		}
		p = rte_pktmbuf_alloc(g->ctx.indirect_pool);
		if (p == NULL) {
			rte_pktmbuf_free(h);
			return NULL;
		}
		take = RTE_MIN(len, (uint32_t)(*in)->data_len - *in_off);
		rte_pktmbuf_attach(p, *in);
		p->data_off = (uint16_t)((*in)->data_off + *in_off);
		p->data_len = (uint16_t)take;
		p->pkt_len = take;
		prev->next = p;
		prev = p;
		h->nb_segs++;
		h->pkt_len += take;
		*in_off += take;
		len -= take;
	}
	return h;
}

/* rte_gso has no TCP/IPv6 (DPDK 22.11, 24.11): the same cut, here. */
static int
gso_tcp6(struct fwd_gso *g, struct rte_mbuf *m)
{
	uint16_t hdr = m->l2_len + m->l3_len + m->l4_len;
	uint32_t left = m->pkt_len - hdr, seq, len;
	struct rte_mbuf *in = m;
	uint32_t in_off = hdr;
	int n = 0;

	seq = rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(m,
		struct rte_tcp_hdr *, m->l2_len + m->l3_len)->sent_seq);
	while (left > 0) {
		struct rte_mbuf *s;
		struct rte_tcp_hdr *th;

		len = RTE_MIN(left, (uint32_t)m->tso_segsz);
		s = hdr_segment(g, m, hdr, &in, &in_off, len);
		if (s == NULL) {
			rte_pktmbuf_free_bulk(g->out, n);
			return -ENOMEM;
		}
		rte_pktmbuf_mtod_offset(s, struct rte_ipv6_hdr *,
			m->l2_len)->payload_len =
			rte_cpu_to_be_16(s->pkt_len - m->l2_len - m->l3_len);
		th = rte_pktmbuf_mtod_offset(s, struct rte_tcp_hdr *,
			m->l2_len + m->l3_len);
		th->sent_seq = rte_cpu_to_be_32(seq);
		left -= len;
		seq += len;
		if (left > 0)
			th->tcp_flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
		g->out[n++] = s;
	}
	return n;
}

/*
 * Finish segment @p s: its IPv4 header checksum, then its TCP checksum,
 * or the flags that make rte_vhost hand it on partial.
 */
static void
seg_finish(struct rte_mbuf *s, bool first, bool partial)
{
	bool v4 = RTE_ETH_IS_IPV4_HDR(s->packet_type);
	uint16_t l4 = s->l2_len + s->l3_len;
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(s,
		struct rte_tcp_hdr *, l4);
	void *ip = rte_pktmbuf_mtod_offset(s, void *, s->l2_len);

	s->ol_flags &= ~(FWD_OL_TX_FLAGS | FWD_OL_RX_FLAGS);
	if (!first)
		th->tcp_flags &= (uint8_t)~TCP_CWR;
	if (v4) {
		struct rte_ipv4_hdr *ip4 = ip;

		ip4->hdr_checksum = 0;
		ip4->hdr_checksum = rte_ipv4_cksum(ip4);
	}
	if (partial) {
		s->ol_flags |= (v4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6) |
			RTE_MBUF_F_TX_TCP_CKSUM;
		return;
	}
	th->cksum = 0;
	th->cksum = l4_cksum(s, false);
}

int
fwd_gso_segment(struct fwd_gso *g, struct rte_mbuf *m, bool partial)
{
	int i, n;

	m->ol_flags = (m->ol_flags & ~FWD_OL_TX_FLAGS) |
		pass_flags(m, fwd_ol_kind(m));
	if (RTE_ETH_IS_IPV4_HDR(m->packet_type)) {
		g->ctx.gso_size = (uint16_t)(m->l2_len + m->l3_len +
			m->l4_len + m->tso_segsz);
		n = rte_gso_segment(m, &g->ctx, g->out, FWD_GSO_MAX_SEGS);
		if (n <= 0)	/* 0, -EINVAL: fwd_ol_prepare() rules them out */
			return n == -ENOMEM ? -ENOMEM : -EINVAL;
	} else {
		n = gso_tcp6(g, m);
		if (n < 0)
			return n;
	}
	for (i = 0; i < n; i++)
		seg_finish(g->out[i], i == 0, partial);
	return n;
}

struct rte_mbuf *
fwd_ol_hdr_copy(struct fwd_gso *g, struct rte_mbuf *m)
{
	uint16_t hdr = m->l2_len + m->l3_len + m->l4_len;
	struct rte_mbuf *in = m, *c;
	uint32_t in_off = hdr;

	c = hdr_segment(g, m, hdr, &in, &in_off, m->pkt_len - hdr);
	if (c != NULL)
		c->ol_flags = m->ol_flags & (FWD_OL_RX_FLAGS | FWD_OL_TX_FLAGS);
	return c;
}
