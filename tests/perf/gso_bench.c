/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What does the software fallback of the offloads cost?
 *
 * For a destination that did not negotiate TSO, vuswitch cuts a guest's
 * 64 KB TCP frame into MSS-sized segments (lib/fwd/fwd_offload.c:
 * rte_gso for IPv4, its own loop for IPv6) and completes each segment's
 * checksums, or leaves them partial for a destination that takes partial
 * checksums; for one without checksum offload it completes a frame's
 * checksum. This program times exactly those functions on frames laid
 * out as rte_vhost hands them over (a chain of 2 KB mbufs), segments
 * freed after each round as the switch frees them after the enqueue, and
 * a 64 KB memcpy for scale (rte_vhost copies every frame into the guest).
 *
 *   gso-bench [EAL options] [-- SECONDS]
 *
 * Prints, per case: frames per round, TSC cycles per input frame and per
 * input byte (median of 9 rounds of SECONDS / 9 each; default 1 s).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "fwd_offload.h"
#include "unit.h"

#define ROUNDS 9
#define ROOM 2048
#define MSS 1448

static struct rte_mempool *pool;
static struct fwd_gso gso;
static uint8_t flat[70000];

/* An Ethernet/IPv4|IPv6/TCP frame of @p payload bytes, chained. */
static struct rte_mbuf *
frame(bool v6, uint32_t payload, bool lro)
{
	uint16_t l3 = RTE_ETHER_HDR_LEN, l4 = l3 + (v6 ? 40 : 20);
	uint32_t len = l4 + 20 + payload, i;
	struct rte_mbuf *head;

	memset(flat, 0, l4 + 20);
	flat[12] = v6 ? 0x86 : 0x08;
	flat[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		struct rte_ipv6_hdr *ip = (void *)(flat + l3);

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(len - l4);
		ip->proto = IPPROTO_TCP;
		/* Byte offsets: the address type changed in DPDK 24.11. */
		flat[l3 + 8] = 0xfd;
		flat[l3 + 24 + 15] = 2;
	} else {
		struct rte_ipv4_hdr *ip = (void *)(flat + l3);

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(len - l3);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = RTE_BE32(0x0a000001);
		ip->dst_addr = RTE_BE32(0x0a000002);
	}
	((struct rte_tcp_hdr *)(flat + l4))->data_off = 0x50;
	for (i = 0; i < payload; i++)
		flat[l4 + 20 + i] = (uint8_t)i;
	head = unit_mbuf_chain(pool, flat, len, ROOM);
	if (head == NULL)
		rte_exit(1, "mbuf pool empty\n");
	head->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE |
		(lro ? RTE_MBUF_F_RX_LRO : 0);
	head->tso_segsz = lro ? MSS : 0;
	if (fwd_ol_prepare(head, VSW_FWD_OL_RX_ALL) != 0)
		rte_exit(1, "frame refused\n");
	return head;
}

enum op { SEG_FULL, SEG_PARTIAL, CSUM, COPY };

static uint64_t
one(struct rte_mbuf *m, enum op op, uint8_t *dst)
{
	uint64_t t0 = rte_rdtsc_precise();
	const struct rte_mbuf *s;
	uint32_t off = 0;
	int n;

	switch (op) {
	case SEG_FULL:
	case SEG_PARTIAL:
		n = fwd_gso_segment(&gso, m, op == SEG_PARTIAL);
		if (n <= 0)
			rte_exit(1, "segmentation failed: %d\n", n);
		rte_pktmbuf_free_bulk(gso.out, (unsigned int)n);
		break;
	case CSUM:
		fwd_ol_csum(m);
		break;
	case COPY:
		for (s = m; s != NULL; s = s->next) {
			memcpy(dst + off, rte_pktmbuf_mtod(s, const void *),
				s->data_len);
			off += s->data_len;
		}
		break;
	}
	return rte_rdtsc_precise() - t0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
run(const char *name, bool v6, uint32_t payload, bool lro, enum op op,
	double seconds)
{
	static uint8_t dst[70000];
	struct rte_mbuf *m = frame(v6, payload, lro);
	uint64_t per[ROUNDS], hz = rte_get_tsc_hz();
	unsigned int r;

	for (r = 0; r < ROUNDS; r++) {
		uint64_t end = rte_rdtsc() + (uint64_t)(seconds / ROUNDS * hz);
		uint64_t cycles = 0, frames = 0;

		while (rte_rdtsc() < end) {
			cycles += one(m, op, dst);
			frames++;
		}
		per[r] = cycles / frames;
	}
	qsort(per, ROUNDS, sizeof(per[0]), cmp_u64);
	printf("%-44s %6u B  %9" PRIu64 " cycles/frame  %6.3f cycles/byte\n",
		name, m->pkt_len, per[ROUNDS / 2],
		(double)per[ROUNDS / 2] / m->pkt_len);
	rte_pktmbuf_free(m);
}

int
main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);
	double seconds = 1.0;

	if (n < 0)
		rte_exit(1, "EAL init failed\n");
	if (argc - n > 1)
		seconds = atof(argv[n + 1]);
	if (seconds <= 0)
		seconds = 1.0;
	pool = rte_pktmbuf_pool_create("gso_bench", 1024, 0, 0,
		ROOM + RTE_PKTMBUF_HEADROOM, (int)rte_socket_id());
	if (pool == NULL || fwd_gso_init(&gso, 0, (int)rte_socket_id()) != 0)
		rte_exit(1, "no mbufs\n");
	printf("gso-bench: lcore %u, TSC %" PRIu64 " Hz, MSS %d, input in "
		"%d-byte mbufs\n", rte_lcore_id(), rte_get_tsc_hz(), MSS, ROOM);
	run("TCP/IPv4 64 KB: segment, full checksums", false, 65000, true,
		SEG_FULL, seconds);
	run("TCP/IPv4 64 KB: segment, partial checksums", false, 65000, true,
		SEG_PARTIAL, seconds);
	run("TCP/IPv6 64 KB: segment, full checksums", true, 64980, true,
		SEG_FULL, seconds);
	run("TCP/IPv6 64 KB: segment, partial checksums", true, 64980, true,
		SEG_PARTIAL, seconds);
	run("TCP/IPv4 64 KB: complete the checksum", false, 65000, false,
		CSUM, seconds);
	run("TCP/IPv4 1448 B: complete the checksum", false, MSS, false,
		CSUM, seconds);
	run("64 KB memcpy out of the chain (for scale)", false, 65000, false,
		COPY, seconds);
	fwd_gso_free(&gso);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
