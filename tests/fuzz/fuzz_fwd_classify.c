/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the frame classifier (lib/fwd/fwd_classify.c) with
 * the MAC learning table it uses (lib/mac/mac_table.c).
 *
 * One input is a run of bursts on one switch: the mode, which ports are
 * live, then bursts received on some port, each a handful of frames of
 * 0 to 511 bytes, some in chained mbufs, whose bytes come from the input.
 * The MAC table lives across the bursts of an input (so learning on one
 * burst steers the next) and is emptied after it (by ageing it all,
 * and flushing one port, both checked).
 *
 * Every segment's data is its own malloc() block of exactly its length,
 * attached to the mbuf as an external buffer, so AddressSanitizer sees a
 * read one byte past a frame (the mbuf pool's own memory is DPDK's and
 * invisible to it). Checked after every burst, abort() when broken:
 *
 *   - every frame is either in some destination array or counted in one
 *     rx drop counter, and the return value is the number dropped;
 *   - no frame goes back to its ingress port, or to a port not live, and
 *     none appears twice in one array or is not one of the burst's;
 *   - frames keep their order in each array; counts stay within
 *     VSW_BURST; every slot in use has frames, and slot[] and
 *     dst_port[] agree;
 *   - learn mode: a frame shorter than an Ethernet header is dropped as
 *     malformed; a group address goes to every live port but the
 *     ingress; a unicast one to one port, or flooded, or dropped;
 *     xconnect: all frames to the peer (in ^ 1) if it is live, else all
 *     dropped;
 *   - the MAC table stays within its capacity and per-port limit;
 *   - fwd_burst_reset() restores the between-bursts invariant (all
 *     counts zero), and after the frames are freed every mbuf is back
 *     in the pool and every data block freed (LeakSanitizer).
 *
 * Input format (integers little-endian; past its end the input reads as
 * zeros; tests/fuzz/corpus.py writes seeds):
 *
 *   u8  cfg        bit 0: xconnect (else learn); bit 1: the small MAC
 *                  table (SMALL_CAPACITY entries, SMALL_PORT_LIMIT a port)
 *   u64 live       which of ports 0-63 are live (RUN or PARK); the
 *                  rest of the switch's VSW_MAX_PORTS are down
 *   u32 now        seconds, the MAC clock
 *   then bursts until the input ends (at most MAX_BURSTS):
 *     u8 in        ingress port, % FZ_PORTS
 *     u8 n         frames: 1 + n % VSW_BURST
 *     u8 op        bits 1-7: seconds the clock advances before the
 *                  burst; bit 0: run vsw_mac_age() first, with
 *     [u8 idle]    max idle seconds (only when bit 0 is set)
 *     n x {
 *       u16 lenseg bits 0-8: length (0-511); bits 9-10: segments - 1
 *       (segments - 1) x u8   segment length, % (bytes left + 1)
 *       length bytes          the frame
 *     }
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fuzz.h"
#include "fwd_classify.h"
#include "vsw_mac.h"

#define MAX_BURSTS 16
#define MAX_SEGS 4
#define MAX_LEN 511
#define POOL_SIZE (VSW_BURST * MAX_SEGS)
#define SMALL_CAPACITY 16
#define SMALL_PORT_LIMIT 4
#define LARGE_CAPACITY 1024
#define LARGE_PORT_LIMIT 256

static struct rte_mempool *pool;
static struct vsw_mac_table *tables[2];
static const uint32_t port_limit[2] = { LARGE_PORT_LIMIT, SMALL_PORT_LIMIT };
static const uint32_t capacity[2] = { LARGE_CAPACITY, SMALL_CAPACITY };
static struct fwd_burst burst;
/* The ports the inputs use: live ones are described by a 64-bit mask. */
#define FZ_PORTS 64

static struct fwd_view view;
static uint64_t live_mask;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vsw_mac_table *
mk_table(uint32_t cap, uint32_t limit)
{
	struct vsw_mac_params p = {
		.capacity = cap,
		.port_limit = limit,
		.nb_ports = VSW_MAX_PORTS,
		.socket_id = SOCKET_ID_ANY,
	};
	struct vsw_mac_table *t = vsw_mac_create(&p);

	if (t == NULL) {
		fprintf(stderr, "vsw_mac_create: %s\n", rte_strerror(rte_errno));
		exit(2);
	}
	return t;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_eal_init((*argv)[0]);
	(void)argc;
	pool = rte_pktmbuf_pool_create("fz_pool", POOL_SIZE, 0, 0, 0,
		SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		exit(2);
	}
	tables[0] = mk_table(LARGE_CAPACITY, LARGE_PORT_LIMIT);
	tables[1] = mk_table(SMALL_CAPACITY, SMALL_PORT_LIMIT);
	return 0;
}

/* --- frames ----------------------------------------------------------- */

static void
ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

/* One segment whose data is a malloc() block of exactly @p len bytes. */
static struct rte_mbuf *
seg_new(const uint8_t *bytes, uint16_t len)
{
	struct rte_mbuf_ext_shared_info *sh;
	struct rte_mbuf *m;
	uint8_t *buf;

	m = rte_pktmbuf_alloc(pool);
	FZ_ASSERT(m != NULL, "mbuf pool empty: mbufs leaked");
	buf = malloc(len);
	sh = malloc(sizeof(*sh));
	FZ_ASSERT(buf != NULL && sh != NULL, "out of memory");
	memcpy(buf, bytes, len);
	sh->free_cb = ext_free;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, 0, len, sh);
	m->data_off = 0;
	m->data_len = len;
	m->pkt_len = len;
	return m;
}

static struct rte_mbuf *
frame_new(struct fz_in *in)
{
	static uint8_t bytes[MAX_LEN];
	uint16_t lenseg = fz_u16(in);
	uint16_t len = lenseg & 0x1ff, left, off = 0, sl;
	unsigned int nseg = 1 + ((lenseg >> 9) & 3), i;
	uint8_t cut[MAX_SEGS];
	struct rte_mbuf *head = NULL, *m;

	for (i = 0; i + 1 < nseg; i++)
		cut[i] = fz_u8(in);
	fz_bytes(in, bytes, len);
	left = len;
	for (i = 0; i < nseg; i++) {
		sl = i + 1 < nseg ? cut[i] % (left + 1) : left;
		m = seg_new(bytes + off, sl);
		if (head == NULL) {
			head = m;
		} else {
			FZ_ASSERT(rte_pktmbuf_chain(head, m) == 0, "chain");
		}
		off += sl;
		left -= sl;
	}
	FZ_ASSERT(head->pkt_len == len && head->nb_segs == nseg,
		"built %u bytes in %u segments", head->pkt_len, head->nb_segs);
	return head;
}

/* --- checks ----------------------------------------------------------- */

/*
 * The destination arrays: counts, order, only the burst's frames, each
 * at most once per port. Sets @p occ[i] to the ports frame i goes to.
 */
static void
collect_dests(const struct fwd_burst *b, uint16_t in,
	struct rte_mbuf **pkts, uint16_t n, uint64_t *occ)
{
	unsigned int s, p, j, i;
	uint64_t dst_mask = 0;

	for (s = 0; s < b->nb_dst; s++) {
		int last = -1;

		p = b->dst_port[s];
		FZ_ASSERT(p < FZ_PORTS && b->slot[p] == s + 1, "slot %u is "
			"port %u, whose slot is %u", s, p,
			p < VSW_MAX_PORTS ? b->slot[p] : 0);
		FZ_ASSERT(b->dst_nb[s] != 0 && b->dst_nb[s] <= VSW_BURST,
			"%u frames for port %u", b->dst_nb[s], p);
		dst_mask |= 1ULL << p;
		for (j = 0; j < b->dst_nb[s]; j++) {
			for (i = 0; i < n && pkts[i] != b->dst_pkts[s][j]; i++)
				;
			FZ_ASSERT(i < n, "port %u has a frame not received", p);
			FZ_ASSERT(!(occ[i] & (1ULL << p)),
				"frame %u twice for port %u", i, p);
			FZ_ASSERT((int)i > last, "port %u: frame %u after %d",
				p, i, last);
			last = (int)i;
			occ[i] |= 1ULL << p;
		}
	}
	FZ_ASSERT(!(dst_mask & (1ULL << in)), "a frame back to its "
		"ingress port %u", in);
	FZ_ASSERT(!(dst_mask & ~live_mask), "frames for ports not "
		"live: %#llx", (unsigned long long)(dst_mask & ~live_mask));
}

static void
check_burst(const struct fwd_burst *b, enum vsw_fwd_mode mode,
	uint16_t in, struct rte_mbuf **pkts, uint16_t n, uint16_t dropped)
{
	uint64_t flood = live_mask & ~(1ULL << in);
	uint64_t occ[VSW_BURST] = { 0 };
	unsigned int i, nodest = 0, drops = 0, malformed = 0;

	collect_dests(b, in, pkts, n, occ);
	for (i = 0; i < VSW_DROP_MAX; i++)
		drops += b->drop[i];
	FZ_ASSERT(b->drop[VSW_DROP_RING_FULL] == 0 &&
		b->drop[VSW_DROP_SUSPENDED] == 0 &&
		b->drop[VSW_DROP_PORT_DOWN] == 0, "tx drops counted in rx");

	for (i = 0; i < n; i++) {
		const uint8_t *d;
		bool group;

		nodest += occ[i] == 0;
		if (mode == VSW_FWD_XCONNECT) {
			uint64_t want = (live_mask >> (in ^ 1)) & 1 ?
				1ULL << (in ^ 1) : 0;

			FZ_ASSERT(occ[i] == want, "xconnect frame %u to %#llx",
				i, (unsigned long long)occ[i]);
			continue;
		}
		if (rte_pktmbuf_data_len(pkts[i]) < RTE_ETHER_HDR_LEN) {
			malformed++;
			FZ_ASSERT(occ[i] == 0, "short frame %u forwarded", i);
			continue;
		}
		d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		group = d[0] & 1;
		if (group)
			FZ_ASSERT(occ[i] == flood, "group frame %u to %#llx, "
				"flood %#llx", i, (unsigned long long)occ[i],
				(unsigned long long)flood);
		else
			FZ_ASSERT(occ[i] == 0 || occ[i] == flood ||
				(occ[i] & (occ[i] - 1)) == 0,
				"unicast frame %u to %#llx", i,
				(unsigned long long)occ[i]);
	}
	FZ_ASSERT(drops == nodest && dropped == nodest, "%u frames without a "
		"destination, %u counted, %u returned", nodest, drops, dropped);
	if (mode == VSW_FWD_LEARN)
		FZ_ASSERT(b->drop[VSW_DROP_MALFORMED] == malformed,
			"%u short frames, %u counted malformed", malformed,
			b->drop[VSW_DROP_MALFORMED]);
}

static void
check_table(const struct vsw_mac_table *t, unsigned int which,
	uint64_t ports)
{
	FZ_ASSERT(vsw_mac_count(t, VSW_MAC_PORT_NONE) <= capacity[which],
		"%u entries", vsw_mac_count(t, VSW_MAC_PORT_NONE));
	while (ports != 0) {
		uint16_t p = (uint16_t)__builtin_ctzll(ports);

		FZ_ASSERT(vsw_mac_count(t, p) <= port_limit[which],
			"%u entries on port %u", vsw_mac_count(t, p), p);
		ports &= ports - 1;
	}
}

static void
check_reset(const struct fwd_burst *b)
{
	unsigned int i;

	FZ_ASSERT(b->nb_dst == 0 && b->learn_table_full == 0 &&
		b->learn_port_limit == 0 && b->mac_moves == 0, "reset");
	for (i = 0; i < VSW_MAX_PORTS; i++)
		FZ_ASSERT(b->slot[i] == 0 && b->dst_nb[i] == 0,
			"port/slot %u not reset", i);
	for (i = 0; i < VSW_DROP_MAX; i++)
		FZ_ASSERT(b->drop[i] == 0, "drop %u not reset", i);
}

/* One burst: build it, classify it, check, free it. */
static void
run_burst(struct fz_in *in, enum vsw_fwd_mode mode, unsigned int which,
	uint32_t *now, uint64_t *ingress)
{
	struct vsw_mac_table *t = tables[which];
	uint16_t port = fz_u8(in) % FZ_PORTS, n, dropped, i;
	struct rte_mbuf *pkts[VSW_BURST];
	uint8_t op;

	n = 1 + fz_u8(in) % VSW_BURST;
	op = fz_u8(in);
	*now += op >> 1;
	if (op & 1)
		vsw_mac_age(t, *now, fz_u8(in), NULL);
	for (i = 0; i < n; i++)
		pkts[i] = frame_new(in);
	*ingress |= 1ULL << port;
	dropped = fwd_classify(&burst, &view, mode, t, port, pkts, n, *now);
	check_burst(&burst, mode, port, pkts, n, dropped);
	check_table(t, which, *ingress);
	fwd_burst_reset(&burst);
	check_reset(&burst);
	rte_pktmbuf_free_bulk(pkts, n);
	FZ_ASSERT(rte_mempool_avail_count(pool) == POOL_SIZE,
		"%u mbufs not back in the pool",
		POOL_SIZE - rte_mempool_avail_count(pool));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	enum vsw_fwd_mode mode;
	struct vsw_mac_table *t;
	uint64_t ingress = 0;
	unsigned int which, k, i;
	uint32_t now;
	uint8_t cfg;

	cfg = fz_u8(&in);
	mode = (cfg & 1) ? VSW_FWD_XCONNECT : VSW_FWD_LEARN;
	which = (cfg >> 1) & 1;
	t = tables[which];
	memset(&view, 0, sizeof(view));
	live_mask = fz_u64(&in);
	for (i = 0; i < VSW_MAX_PORTS; i++)
		view.port[i].vid = -1;
	for (i = 0; i < FZ_PORTS; i++)
		if ((live_mask >> i) & 1)
			fwd_view_set(&view, (uint16_t)i, VSW_FWD_RUN, (int)i);
	now = fz_u32(&in);

	for (k = 0; k < MAX_BURSTS && !fz_empty(&in); k++)
		run_burst(&in, mode, which, &now, &ingress);

	/*
	 * Empty the table for the next input: every entry was last seen at
	 * or before now, so ageing at now + 1 with no idle time allowed
	 * removes them all, in one pass. A port flush (a pass per port)
	 * empties one port, checked on the first ingress port.
	 */
	if (ingress != 0) {
		uint16_t p = (uint16_t)__builtin_ctzll(ingress);
		uint32_t had = vsw_mac_count(t, p);

		FZ_ASSERT(vsw_mac_flush_port(t, p) == had &&
			vsw_mac_count(t, p) == 0, "flush of port %u", p);
	}
	vsw_mac_age(t, now + 1, 0, NULL);
	FZ_ASSERT(vsw_mac_count(t, VSW_MAC_PORT_NONE) == 0,
		"%u entries left after ageing everything",
		vsw_mac_count(t, VSW_MAC_PORT_NONE));
	return 0;
}
