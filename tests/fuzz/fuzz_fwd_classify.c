/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the frame classifier (lib/fwd/fwd_classify.c, and
 * lib/fwd/fwd_vlan.c when ports have VLANs) with the MAC learning table
 * it uses (lib/mac/mac_table.c).
 *
 * One input is a run of bursts on one switch: the mode, which ports are
 * live, perhaps the ports' VLANs, then bursts received on some port,
 * each a handful of frames of 0 to 511 bytes, some in chained mbufs,
 * whose bytes come from the input. The MAC table lives across the bursts
 * of an input (so learning on one burst steers the next) and is emptied
 * after it (by ageing it all, and flushing one port, both checked).
 *
 * A frame's data is either a malloc() block of exactly each segment's
 * length, attached to the mbuf as an external buffer, so that
 * AddressSanitizer sees a read one byte past a frame (the mbuf pool's
 * own memory is DPDK's and invisible to it), or the pool's own buffer
 * ("direct"), which the VLAN classifier may change in place (pop and
 * push tags); a frame may be shared (a second reference held here).
 *
 * Every burst is classified twice, on two switches in lockstep (pool,
 * MAC table, burst, the same view): as received, and as a twin whose
 * consecutive frames never repeat each other's 14 header bytes (every
 * other frame has its EtherType changed, never to or from 802.1Q where
 * that matters), so that the repeat fast path (fwd_repeat()) never
 * fires in the twin. Checked after every burst, abort() when broken:
 *
 *   - every frame is either in some destination array or counted in one
 *     rx drop counter, and the return value is the number dropped (a
 *     flooded frame whose tagged copy found no mbuf may be counted
 *     no-mbuf and still reach its untagged members, only when mbufs were
 *     held back);
 *   - no frame goes back to its ingress port, or to a port not live, and
 *     none appears twice in one array; every entry is one of the burst's
 *     frames or one of the burst's copies (b->extra) of one;
 *   - frames keep their order in each array; counts stay within
 *     VSW_BURST; every slot in use has frames, and slot[] and
 *     dst_port[] agree;
 *   - learn mode, against a model of the ports' VLANs written here (not
 *     from fwd_vlan.c): a frame shorter than an Ethernet header (or, when
 *     ports have VLANs, tagged and shorter than 18 bytes) is dropped as
 *     malformed; a frame tagged with a VLAN its ingress port does not
 *     carry (or untagged on a trunk without a native VLAN) is dropped
 *     and counted vlan; every other frame goes only to live ports of its
 *     VLAN: a group address to every one of them but the ingress, a
 *     unicast one to one of them, or all of them, or none;
 *   - each port gets the frame as the model says: untagged or tagged
 *     with (ingress priority, VLAN) as the port wants, its bytes those
 *     received with the ingress tag popped, and m->vlan_tci the VLAN the
 *     ingress decided (unchanged on ports without VLANs); a frame the
 *     classifier did not own alone (shared, or an external buffer) is
 *     never written;
 *   - when nothing failed to learn and no frame lacked an mbuf, every
 *     source is found on the ingress port under its (VLAN, MAC) key;
 *   - xconnect: all frames to the peer (in ^ 1), as they came, if it is
 *     live, else all dropped;
 *   - the twin gets the same destinations, drops, learning counts and
 *     copies frame by frame (each side checked against the model with
 *     its own bytes), and its MAC table the same counts;
 *   - the MAC table stays within its capacity and per-port limit;
 *   - fwd_burst_reset() restores the between-bursts invariant (all
 *     counts zero), and after the frames are freed every mbuf is back
 *     in its pool and every data block freed (LeakSanitizer).
 *
 * VSW_FUZZ_TRACE=1 prints every burst as classified (to read a crash).
 *
 * Input format (integers little-endian; past its end the input reads as
 * zeros; tests/fuzz/corpus.py writes seeds):
 *
 *   u8  cfg        bit 0: xconnect (else learn); bit 1: the small MAC
 *                  table (SMALL_CAPACITY entries, SMALL_PORT_LIMIT a
 *                  port); bit 2: VLANs, the section below follows now
 *   u64 live       which of ports 0-63 are live (RUN or PARK); the
 *                  rest of the switch's VSW_MAX_PORTS are down
 *   u32 now        seconds, the MAC clock
 *   [VLANs, cfg bit 2:
 *     NB_PAL x u16 the input's VLANs: 1 + v % VSW_VLAN_MAX each
 *     u8 spare     free mbufs each pool keeps for copies once a burst's
 *                  frames are built (the rest are held back), so that
 *                  copies may fail; COPY_ROOM or more: all of them
 *     u8 nb        port VLAN settings that follow, % (MAX_VSET + 1)
 *     nb x vset ]  (without it: pal[] all VLAN 1, no mbuf shortage,
 *                  no port with VLANs until a burst's vset)
 *   then bursts until the input ends (at most MAX_BURSTS):
 *     u8 in        bits 0-5: ingress port; bit 6: a vset follows (a
 *                  port's VLANs change before the burst; its MAC
 *                  entries stay, as in vsw_fwd_port_vlan())
 *     [vset]
 *     u8 n         frames: 1 + n % VSW_BURST
 *     u8 op        bits 1-7: seconds the clock advances before the
 *                  burst; bit 0: run vsw_mac_age() first, with
 *     [u8 idle]    max idle seconds (only when bit 0 is set)
 *     n x {
 *       u16 lenseg bits 0-8: length (0-511); bits 9-10: segments - 1;
 *                  bit 11: direct (data in the pool's buffer); bit 12:
 *                  shared (a second reference); bit 13: direct with no
 *                  headroom (a tag cannot be pushed in place)
 *       (segments - 1) x u8   segment length, % (bytes left + 1)
 *       length bytes          the frame
 *     }
 *
 *   vset: u8 port (% FZ_PORTS)
 *         u8 how   bits 0-1: 0 no VLANs, 1 access, 2 or 3 trunk;
 *                  bits 2-3: the pal[] index of the access VLAN or the
 *                  native one; bit 4: a trunk has that native VLAN
 *         u8 carry trunk: bits 0-3, which pal[] VLANs it carries;
 *                  bit 4: and every VLAN from pal[0] to pal[1]
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
#include "unit_fwd.h"
#include "vsw_mac.h"

#define MAX_BURSTS 16
#define MAX_SEGS 4
#define MAX_LEN 511
#define COPY_ROOM (2 * VSW_BURST)        /* copies one burst may make */
#define POOL_SIZE (VSW_BURST * MAX_SEGS + COPY_ROOM)
#define SMALL_CAPACITY 16
#define SMALL_PORT_LIMIT 4
#define LARGE_CAPACITY 1024
#define LARGE_PORT_LIMIT 256
#define NB_PAL 4
#define MAX_VSET 16
#define IN_VSET 0x40
#define FR_DIRECT (1u << 11)
#define FR_SHARED (1u << 12)
#define FR_NO_HEADROOM (1u << 13)
#define TPID 0x8100
#define TAGGED_HDR_LEN (RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)
/* The ports the inputs use: live ones are described by a 64-bit mask. */
#define FZ_PORTS 64

static const uint32_t port_limit[2] = { LARGE_PORT_LIMIT, SMALL_PORT_LIMIT };
static const uint32_t capacity[2] = { LARGE_CAPACITY, SMALL_CAPACITY };

/* A frame as the input gives it. */
struct spec {
	uint16_t len;
	uint16_t flags;                 /* FR_* */
	uint8_t nseg;
	uint16_t seg[MAX_SEGS];         /* segment lengths */
	uint8_t data[MAX_LEN];
};

/* What the model says of a frame. */
enum verdict { V_MALFORMED, V_VLAN, V_IN };

struct expect {
	enum verdict verdict;
	uint16_t vlan;
	uint16_t tci;                   /* the m->vlan_tci it leaves with */
	uint16_t len;                   /* in the switch: tag popped */
	uint8_t data[MAX_LEN];
};

/* One of the two switches: the burst as received, or its twin. */
struct side {
	struct rte_mempool *pool;
	struct vsw_mac_table *tables[2];
	struct fwd_burst burst;
	struct spec spec[VSW_BURST];
	struct expect exp[VSW_BURST];
	struct rte_mbuf *pkts[VSW_BURST];
	struct rte_mbuf *held[POOL_SIZE];
	unsigned int nb_held;
	uint16_t dropped;
	uint64_t occ[VSW_BURST];        /* ports each frame went to */
	struct rte_mbuf *got[VSW_BURST][FZ_PORTS];
};

/* The model of a port's VLANs (not the view's). */
struct mport {
	uint8_t mode;                   /* enum vsw_vlan_mode */
	uint16_t vlan;                  /* access VLAN, trunk native or 0 */
	uint8_t carry;                  /* trunk: which pal[] it carries */
	bool range;                     /* trunk: and pal[0]..pal[1] */
};

/* One input's run: the switch the sides share. */
struct run {
	enum vsw_fwd_mode mode;
	unsigned int which;             /* the table: large or small */
	uint64_t live;
	uint64_t ingress;               /* ports that received */
	uint16_t pal[NB_PAL];
	unsigned int spare;             /* mbufs left for copies */
	bool short_mbufs;               /* spare < COPY_ROOM */
	bool changed;                   /* VLANs changed under entries */
	struct mport mport[FZ_PORTS];
	uint64_t trunks[FZ_PORTS][VSW_VLAN_WORDS];
};

static struct side sides[2];
static struct fwd_view view;
static struct run run;
static bool trace;              /* VSW_FUZZ_TRACE: print every burst */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char * const names[2] = { "fz_pool", "fz_twin" };
	unsigned int s;

	fz_eal_init((*argv)[0]);
	(void)argc;
	trace = getenv("VSW_FUZZ_TRACE") != NULL;
	for (s = 0; s < 2; s++) {
		sides[s].pool = rte_pktmbuf_pool_create(names[s], POOL_SIZE,
			0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		if (sides[s].pool == NULL) {
			fprintf(stderr, "mbuf pool: %s\n",
				rte_strerror(rte_errno));
			exit(2);
		}
		sides[s].tables[0] = unit_mac_table(LARGE_CAPACITY,
			LARGE_PORT_LIMIT, VSW_MAX_PORTS);
		sides[s].tables[1] = unit_mac_table(SMALL_CAPACITY,
			SMALL_PORT_LIMIT, VSW_MAX_PORTS);
	}
	return 0;
}

/* --- the model of the ports' VLANs ------------------------------------ */

/* Does trunk @p p carry @p vid tagged (its list, not its native VLAN)? */
static bool
m_listed(const struct mport *p, uint16_t vid)
{
	uint16_t lo = RTE_MIN(run.pal[0], run.pal[1]);
	uint16_t hi = RTE_MAX(run.pal[0], run.pal[1]);
	unsigned int j;

	if (p->range && vid >= lo && vid <= hi)
		return true;
	for (j = 0; j < NB_PAL; j++)
		if (((p->carry >> j) & 1) && run.pal[j] == vid)
			return true;
	return false;
}

/* The VLAN port @p p sends and receives untagged; -1: none. */
static int
m_untagged(const struct mport *p)
{
	if (p->mode == VSW_VLAN_NONE)
		return 0;
	return p->vlan != 0 ? p->vlan : -1;
}

/* Does @p p carry VLAN @p vid (1-4094) tagged? Only trunks do. */
static bool
m_tagged(const struct mport *p, uint16_t vid)
{
	return p->mode == VSW_VLAN_TRUNK && vid != 0 &&
		(vid == p->vlan || m_listed(p, vid));
}

/* The VLAN of a frame port @p p receives; -1: it does not carry it. */
static int
m_vin(const struct mport *p, bool tagged, uint16_t vid)
{
	if (p->mode == VSW_VLAN_NONE)
		return 0;               /* tags are payload */
	if (!tagged || vid == 0)        /* untagged or priority-tagged */
		return m_untagged(p);
	return m_tagged(p, vid) ? vid : -1;
}

/* How @p p sends a frame of VLAN @p vlan. */
static enum fwd_vlan_out
m_vout(const struct mport *p, uint16_t vlan)
{
	if (m_untagged(p) == (int)vlan)
		return FWD_VLAN_AS_IS;
	return m_tagged(p, vlan) ? FWD_VLAN_TAGGED : FWD_VLAN_NO;
}

/*
 * The live ports but @p in that carry @p vlan, and of those the ones
 * that want it tagged.
 */
static void
m_members(uint16_t in, uint16_t vlan, uint64_t *all, uint64_t *tagged)
{
	uint64_t live = run.live & ~(1ULL << in);
	enum fwd_vlan_out o;

	*all = 0;
	*tagged = 0;
	while (live != 0) {
		unsigned int p = (unsigned int)__builtin_ctzll(live);

		o = m_vout(&run.mport[p], vlan);
		*all |= (uint64_t)(o != FWD_VLAN_NO) << p;
		*tagged |= (uint64_t)(o == FWD_VLAN_TAGGED) << p;
		live &= live - 1;
	}
}

/* What the switch should make of frame @p s received on @p in. */
static void
m_expect(const struct spec *s, uint16_t in, struct expect *e)
{
	const uint8_t *d = s->data;
	uint16_t tci = 0;
	bool tagged;
	int v;

	e->verdict = V_IN;
	e->vlan = 0;
	e->tci = 0;
	e->len = s->len;
	memcpy(e->data, d, s->len);
	if (run.mode == VSW_FWD_XCONNECT)
		return;
	if (s->seg[0] < RTE_ETHER_HDR_LEN) {
		e->verdict = V_MALFORMED;
		return;
	}
	if (view.nb_vlan == 0)
		return;
	tagged = ((d[12] << 8) | d[13]) == TPID;
	if (tagged && s->seg[0] < TAGGED_HDR_LEN) {
		e->verdict = V_MALFORMED;
		return;
	}
	if (tagged)
		tci = (uint16_t)((d[14] << 8) | d[15]);
	v = m_vin(&run.mport[in], tagged, tci & 0xfff);
	if (v < 0) {
		e->verdict = V_VLAN;
		return;
	}
	e->vlan = (uint16_t)v;
	if (run.mport[in].mode == VSW_VLAN_NONE)
		return;                 /* VLAN 0: as it came */
	e->tci = (uint16_t)((tci & 0xf000) | v);
	if (tagged) {
		memcpy(e->data + 12, d + 16, s->len - 16);
		e->len -= RTE_VLAN_HLEN;
	}
}

/* --- VLAN settings ---------------------------------------------------- */

/* One vset: a port's VLANs, in the view and in the model. */
static void
vset_read(struct fz_in *in)
{
	uint16_t port = fz_u8(in) % FZ_PORTS, vid, lo, hi;
	uint8_t how = fz_u8(in), carry = fz_u8(in);
	struct mport *p = &run.mport[port];
	uint64_t *bm = run.trunks[port];
	unsigned int j;

	memset(p, 0, sizeof(*p));
	memset(bm, 0, sizeof(run.trunks[port]));
	p->mode = (how & 3) == 0 ? VSW_VLAN_NONE : (how & 3) == 1 ?
		VSW_VLAN_ACCESS : VSW_VLAN_TRUNK;
	if (p->mode == VSW_VLAN_ACCESS || (how & 0x10))
		p->vlan = run.pal[(how >> 2) & 3];
	if (p->mode == VSW_VLAN_TRUNK) {
		p->carry = carry & 0xf;
		p->range = (carry & 0x10) != 0;
		for (j = 0; j < NB_PAL; j++)
			if ((p->carry >> j) & 1)
				bm[run.pal[j] / 64] |= 1ULL << (run.pal[j] % 64);
		lo = RTE_MIN(run.pal[0], run.pal[1]);
		hi = RTE_MAX(run.pal[0], run.pal[1]);
		for (vid = lo; p->range && vid <= hi; vid++)
			bm[vid / 64] |= 1ULL << (vid % 64);
	}
	fwd_view_vlan_set(&view, port, p->mode, p->vlan,
		p->mode == VSW_VLAN_TRUNK ? bm : NULL);
}

/* The VLAN section of the input (cfg bit 2). */
static void
vlans_read(struct fz_in *in)
{
	unsigned int j, nb;

	for (j = 0; j < NB_PAL; j++)
		run.pal[j] = (uint16_t)(1 + fz_u16(in) % VSW_VLAN_MAX);
	run.spare = fz_u8(in);
	run.short_mbufs = run.spare < COPY_ROOM;
	nb = fz_u8(in) % (MAX_VSET + 1);
	for (j = 0; j < nb; j++)
		vset_read(in);
}

/* The view counts the ports with VLANs as the model does. */
static void
check_nb_vlan(void)
{
	unsigned int p, nb = 0;

	for (p = 0; p < FZ_PORTS; p++)
		nb += run.mport[p].mode != VSW_VLAN_NONE;
	FZ_ASSERT(view.nb_vlan == nb, "view has %u ports with VLANs, the "
		"model %u", view.nb_vlan, nb);
}

/* --- frames ----------------------------------------------------------- */

static void
ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

/* One external segment: a malloc() block of exactly @p len bytes. */
static void
seg_attach(struct rte_mbuf *m, const uint8_t *bytes, uint16_t len)
{
	struct rte_mbuf_ext_shared_info *sh;
	uint8_t *buf;

	buf = malloc(len);
	sh = malloc(sizeof(*sh));
	FZ_ASSERT(buf != NULL && sh != NULL, "out of memory");
	memcpy(buf, bytes, len);
	sh->free_cb = ext_free;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, 0, len, sh);
	m->data_off = 0;
}

/* One segment of @p len bytes from @p pool, as @p flags say. */
static struct rte_mbuf *
seg_new(struct rte_mempool *pool, const uint8_t *bytes, uint16_t len,
	uint16_t flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	FZ_ASSERT(m != NULL, "mbuf pool empty: mbufs leaked");
	if (!(flags & FR_DIRECT)) {
		seg_attach(m, bytes, len);
	} else {
		if (flags & FR_NO_HEADROOM)
			m->data_off = 0;
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), bytes, len);
	}
	m->data_len = len;
	m->pkt_len = len;
	return m;
}

static void
spec_read(struct fz_in *in, struct spec *s)
{
	uint16_t lenseg = fz_u16(in), left;
	uint8_t cut[MAX_SEGS];
	unsigned int i;

	s->len = lenseg & 0x1ff;
	s->nseg = (uint8_t)(1 + ((lenseg >> 9) & 3));
	s->flags = lenseg & (FR_DIRECT | FR_SHARED | FR_NO_HEADROOM);
	for (i = 0; i + 1 < s->nseg; i++)
		cut[i] = fz_u8(in);
	fz_bytes(in, s->data, s->len);
	left = s->len;
	for (i = 0; i < s->nseg; i++) {
		s->seg[i] = i + 1 < s->nseg ? cut[i] % (left + 1) : left;
		left -= s->seg[i];
	}
}

/*
 * The twin of frame @p i: every other frame with its EtherType changed,
 * so that no two in a row share their 14 header bytes, never to or from
 * 802.1Q when ports have VLANs (it decides the frame's VLAN there).
 */
static void
spec_twin(const struct spec *s, struct spec *t, unsigned int i)
{
	uint16_t type;

	*t = *s;
	if ((i & 1) == 0 || s->len < RTE_ETHER_HDR_LEN)
		return;
	type = (uint16_t)((s->data[12] << 8) | s->data[13]);
	if (view.nb_vlan != 0 && type == TPID)
		return;
	type ^= (type ^ 1) == TPID ? 2 : 1;
	t->data[12] = (uint8_t)(type >> 8);
	t->data[13] = (uint8_t)type;
}

/* Frame @p id of @p sd's burst, as its spec says. */
static struct rte_mbuf *
frame_new(struct side *sd, unsigned int id)
{
	const struct spec *s = &sd->spec[id];
	struct rte_mbuf *head = NULL, *m;
	uint16_t off = 0;
	unsigned int i;

	for (i = 0; i < s->nseg; i++) {
		m = seg_new(sd->pool, s->data + off, s->seg[i], s->flags);
		if (head == NULL) {
			head = m;
		} else {
			FZ_ASSERT(rte_pktmbuf_chain(head, m) == 0, "chain");
		}
		off += s->seg[i];
	}
	FZ_ASSERT(head->pkt_len == s->len && head->nb_segs == s->nseg,
		"built %u bytes in %u segments", head->pkt_len, head->nb_segs);
	head->hash.usr = id;            /* copies keep it */
	if (s->flags & FR_SHARED)
		rte_pktmbuf_refcnt_update(head, 1);
	return head;
}

/* Build @p sd's @p n frames; hold back free mbufs but run.spare. */
static void
side_build(struct side *sd, uint16_t in, uint16_t n)
{
	unsigned int i, hold;

	for (i = 0; i < n; i++) {
		sd->pkts[i] = frame_new(sd, i);
		m_expect(&sd->spec[i], in, &sd->exp[i]);
	}
	hold = rte_mempool_avail_count(sd->pool);
	hold = run.short_mbufs && hold > run.spare ? hold - run.spare : 0;
	FZ_ASSERT(hold == 0 || rte_pktmbuf_alloc_bulk(sd->pool, sd->held,
		hold) == 0, "holding %u mbufs", hold);
	sd->nb_held = hold;
}

/* Free @p sd's frames (both references of shared ones) and held mbufs. */
static void
side_free(struct side *sd, uint16_t n)
{
	unsigned int i;

	rte_pktmbuf_free_bulk(sd->held, sd->nb_held);
	rte_pktmbuf_free_bulk(sd->pkts, n);
	for (i = 0; i < n; i++)
		if (sd->spec[i].flags & FR_SHARED)
			rte_pktmbuf_free(sd->pkts[i]);
	FZ_ASSERT(rte_mempool_avail_count(sd->pool) == POOL_SIZE,
		"%u mbufs not back in the pool",
		POOL_SIZE - rte_mempool_avail_count(sd->pool));
}

/* --- checks ----------------------------------------------------------- */

/* Is @p m one of the copies @p b made? */
static bool
is_extra(const struct fwd_burst *b, const struct rte_mbuf *m)
{
	unsigned int k;

	for (k = 0; k < b->nb_extra; k++)
		if (b->extra[k] == m)
			return true;
	return false;
}

/*
 * The frames of slot @p s: one of the burst's (or a copy of one), each
 * at most once, in order. Records them in occ[] and got[].
 */
static void
collect_slot(struct side *sd, unsigned int s, uint16_t n)
{
	const struct fwd_burst *b = &sd->burst;
	unsigned int p = b->dst_port[s], j, i;
	int last = -1;

	for (j = 0; j < b->dst_nb[s]; j++) {
		struct rte_mbuf *m = b->dst_pkts[s][j];

		i = m->hash.usr;
		FZ_ASSERT(i < n && (m == sd->pkts[i] || is_extra(b, m)),
			"port %u has a frame not received", p);
		FZ_ASSERT(!(sd->occ[i] & (1ULL << p)),
			"frame %u twice for port %u", i, p);
		FZ_ASSERT((int)i > last, "port %u: frame %u after %d",
			p, i, last);
		last = (int)i;
		sd->occ[i] |= 1ULL << p;
		sd->got[i][p] = m;
	}
}

/*
 * The destination arrays: counts, order, only the burst's frames, each
 * at most once per port, none to the ingress or a port not live.
 */
static void
collect_dests(struct side *sd, uint16_t in, uint16_t n)
{
	const struct fwd_burst *b = &sd->burst;
	uint64_t dst_mask = 0;
	unsigned int s, p;

	memset(sd->occ, 0, sizeof(sd->occ));
	FZ_ASSERT(b->nb_extra <= RTE_DIM(b->extra), "%u copies",
		b->nb_extra);
	for (s = 0; s < b->nb_dst; s++) {
		p = b->dst_port[s];
		FZ_ASSERT(p < FZ_PORTS && b->slot[p] == s + 1, "slot %u is "
			"port %u, whose slot is %u", s, p,
			p < VSW_MAX_PORTS ? b->slot[p] : 0);
		FZ_ASSERT(b->dst_nb[s] != 0 && b->dst_nb[s] <= VSW_BURST,
			"%u frames for port %u", b->dst_nb[s], p);
		dst_mask |= 1ULL << p;
		collect_slot(sd, s, n);
	}
	FZ_ASSERT(!(dst_mask & (1ULL << in)), "a frame back to its "
		"ingress port %u", in);
	FZ_ASSERT(!(dst_mask & ~run.live), "frames for ports not live: "
		"%#llx", (unsigned long long)(dst_mask & ~run.live));
}

/* Port @p p got frame @p i as the model says it should. */
static void
check_content(const struct side *sd, unsigned int i, unsigned int p,
	enum fwd_vlan_out out)
{
	const struct expect *e = &sd->exp[i];
	const struct rte_mbuf *m = sd->got[i][p];
	uint8_t want[MAX_LEN + RTE_VLAN_HLEN], buf[MAX_LEN + RTE_VLAN_HLEN];
	uint16_t len = e->len;
	const void *have;

	memcpy(want, e->data, e->len);
	if (out == FWD_VLAN_TAGGED) {
		memcpy(want + 16, e->data + 12, e->len - 12);
		want[12] = TPID >> 8;
		want[13] = TPID & 0xff;
		want[14] = (uint8_t)(e->tci >> 8);
		want[15] = (uint8_t)e->tci;
		len += RTE_VLAN_HLEN;
	}
	FZ_ASSERT(m->vlan_tci == e->tci, "frame %u to port %u: vlan_tci "
		"%#x, VLAN %u, want %#x", i, p, m->vlan_tci, e->vlan, e->tci);
	FZ_ASSERT(m->pkt_len == len, "frame %u to port %u: %u bytes, want "
		"%u (%s)", i, p, m->pkt_len, len,
		out == FWD_VLAN_TAGGED ? "tagged" : "untagged");
	have = rte_pktmbuf_read(m, 0, len, buf);
	FZ_ASSERT(have != NULL && memcmp(have, want, len) == 0,
		"frame %u to port %u: not the bytes received, %s", i, p,
		out == FWD_VLAN_TAGGED ? "tagged" : "untagged");
}

/* Learn mode: frame @p i went where its VLAN allows, as it should. */
static void
check_learn_frame(const struct side *sd, uint16_t in, unsigned int i)
{
	const struct expect *e = &sd->exp[i];
	uint64_t occ = sd->occ[i], all, tagged, part;
	bool group = e->data[0] & 1;
	uint64_t left;

	if (e->verdict != V_IN) {
		FZ_ASSERT(occ == 0, "frame %u forwarded, but it is %s", i,
			e->verdict == V_VLAN ? "of a VLAN its port does not "
			"carry" : "malformed");
		return;
	}
	m_members(in, e->vlan, &all, &tagged);
	/* Without mbufs for the tagged copy, the untagged members. */
	part = all & ~tagged;
	FZ_ASSERT((occ & ~all) == 0, "frame %u of VLAN %u to %#llx: "
		"outside the VLAN (%#llx)", i, e->vlan,
		(unsigned long long)occ, (unsigned long long)all);
	FZ_ASSERT(occ == all || (run.short_mbufs && (occ == part ||
		occ == 0)) || (!group && (occ & (occ - 1)) == 0),
		"%s frame %u of VLAN %u to %#llx, "
		"members %#llx", group ? "group" : "unicast", i, e->vlan,
		(unsigned long long)occ, (unsigned long long)all);
	for (left = occ; left != 0; left &= left - 1) {
		unsigned int p = (unsigned int)__builtin_ctzll(left);

		check_content(sd, i, p, m_vout(&run.mport[p], e->vlan));
	}
}

/* A frame the classifier did not own alone is as it came. */
static void
check_untouched(const struct side *sd, unsigned int i)
{
	const struct spec *s = &sd->spec[i];
	const struct rte_mbuf *m = sd->pkts[i];
	uint8_t buf[MAX_LEN];
	const void *have;

	if ((s->flags & FR_DIRECT) && !(s->flags & FR_SHARED))
		return;
	have = rte_pktmbuf_read(m, 0, s->len, buf);
	FZ_ASSERT(m->pkt_len == s->len && (s->len == 0 ||
		(have != NULL && memcmp(have, s->data, s->len) == 0)),
		"frame %u changed, but it was not the switch's alone", i);
}

/* Every frame, and the counts, of @p sd's burst. */
static void
check_frames(const struct side *sd, uint16_t in, uint16_t n)
{
	const struct fwd_burst *b = &sd->burst;
	unsigned int i, nodest = 0, drops = 0, count[V_IN] = { 0 };
	uint64_t peer = (run.live >> (in ^ 1)) & 1 ? 1ULL << (in ^ 1) : 0;

	for (i = 0; i < VSW_DROP_MAX; i++)
		drops += b->drop[i];
	FZ_ASSERT(b->drop[VSW_DROP_RING_FULL] == 0 &&
		b->drop[VSW_DROP_SUSPENDED] == 0 &&
		b->drop[VSW_DROP_PORT_DOWN] == 0 &&
		b->drop[VSW_DROP_GSO_NOMEM] == 0, "tx drops counted in rx");
	for (i = 0; i < n; i++) {
		nodest += sd->occ[i] == 0;
		check_untouched(sd, i);
		if (run.mode == VSW_FWD_XCONNECT) {
			FZ_ASSERT(sd->occ[i] == peer, "xconnect frame %u to "
				"%#llx", i, (unsigned long long)sd->occ[i]);
			if (peer != 0)
				check_content(sd, i, in ^ 1, FWD_VLAN_AS_IS);
			continue;
		}
		if (sd->exp[i].verdict != V_IN)
			count[sd->exp[i].verdict]++;
		check_learn_frame(sd, in, i);
	}
	FZ_ASSERT(sd->dropped == nodest, "%u frames without a destination, "
		"%u returned", nodest, sd->dropped);
	FZ_ASSERT(drops == nodest || (run.short_mbufs && drops > nodest &&
		drops - nodest <= b->drop[VSW_DROP_NO_MBUF]), "%u frames "
		"without a destination, %u counted", nodest, drops);
	FZ_ASSERT(b->drop[VSW_DROP_MALFORMED] == count[V_MALFORMED],
		"%u malformed frames, %u counted", count[V_MALFORMED],
		b->drop[VSW_DROP_MALFORMED]);
	FZ_ASSERT(b->drop[VSW_DROP_VLAN] == count[V_VLAN] || (run.changed &&
		b->drop[VSW_DROP_VLAN] > count[V_VLAN]), "%u frames of VLANs "
		"their port does not carry, %u counted vlan", count[V_VLAN],
		b->drop[VSW_DROP_VLAN]);
}

/*
 * With nothing failing to learn, every source of the burst is on the
 * ingress port under its (VLAN, MAC) key. (A frame that was to be
 * copied before its tag was popped, and found no mbuf, was dropped
 * before its source was learned.)
 */
static void
check_learned(const struct side *sd, uint16_t in, uint16_t n)
{
	const struct fwd_burst *b = &sd->burst;
	const struct vsw_mac_table *t = sd->tables[run.which];
	unsigned int i;

	if (run.mode != VSW_FWD_LEARN || b->learn_table_full != 0 ||
			b->learn_port_limit != 0 ||
			b->drop[VSW_DROP_NO_MBUF] != 0)
		return;
	for (i = 0; i < n; i++) {
		const struct expect *e = &sd->exp[i];
		struct rte_ether_addr src;
		uint64_t key;

		if (e->verdict != V_IN || (e->data[6] & 1))
			continue;
		memcpy(&src, e->data + RTE_ETHER_ADDR_LEN, sizeof(src));
		key = vsw_mac_vkey(vsw_mac_key(&src), e->vlan);
		FZ_ASSERT(vsw_mac_lookup(t, key) == in, "frame %u: source "
			"not learned on port %u in VLAN %u", i, in, e->vlan);
	}
}

static void
check_table(const struct vsw_mac_table *t)
{
	uint64_t ports = run.ingress;

	FZ_ASSERT(vsw_mac_count(t, VSW_MAC_PORT_NONE) <= capacity[run.which],
		"%u entries", vsw_mac_count(t, VSW_MAC_PORT_NONE));
	while (ports != 0) {
		uint16_t p = (uint16_t)__builtin_ctzll(ports);

		FZ_ASSERT(vsw_mac_count(t, p) <= port_limit[run.which],
			"%u entries on port %u", vsw_mac_count(t, p), p);
		ports &= ports - 1;
	}
}

/* The twin (no repeats) went as the burst did, frame by frame. */
static void
check_twins(uint16_t n)
{
	const struct side *a = &sides[0], *t = &sides[1];
	const struct fwd_burst *ba = &a->burst, *bt = &t->burst;
	uint64_t ports = run.ingress;
	unsigned int i;

	for (i = 0; i < n; i++)
		FZ_ASSERT(a->occ[i] == t->occ[i], "frame %u to %#llx, but to "
			"%#llx without the repeat path", i,
			(unsigned long long)a->occ[i],
			(unsigned long long)t->occ[i]);
	FZ_ASSERT(memcmp(ba->drop, bt->drop, sizeof(ba->drop)) == 0 &&
		a->dropped == t->dropped, "drops differ without the repeat "
		"path");
	FZ_ASSERT(ba->learn_table_full == bt->learn_table_full &&
		ba->learn_port_limit == bt->learn_port_limit &&
		ba->mac_moves == bt->mac_moves && ba->nb_extra == bt->nb_extra,
		"learning or copies differ without the repeat path");
	for (; ports != 0; ports &= ports - 1) {
		uint16_t p = (uint16_t)__builtin_ctzll(ports);

		FZ_ASSERT(vsw_mac_count(a->tables[run.which], p) ==
			vsw_mac_count(t->tables[run.which], p),
			"tables differ on port %u", p);
	}
}

static void
check_reset(const struct fwd_burst *b)
{
	unsigned int i;

	FZ_ASSERT(b->nb_dst == 0 && b->nb_extra == 0 &&
		b->learn_table_full == 0 && b->learn_port_limit == 0 &&
		b->mac_moves == 0, "reset");
	for (i = 0; i < VSW_MAX_PORTS; i++)
		FZ_ASSERT(b->slot[i] == 0 && b->dst_nb[i] == 0,
			"port/slot %u not reset", i);
	for (i = 0; i < VSW_DROP_MAX; i++)
		FZ_ASSERT(b->drop[i] == 0, "drop %u not reset", i);
}

/* --- bursts ----------------------------------------------------------- */

/* VSW_FUZZ_TRACE: what @p sd's burst became (to read a crash). */
static void
side_trace(const struct side *sd, unsigned int s, uint16_t in, uint16_t n)
{
	static const char * const verdict[] = { "malformed", "vlan", "in" };
	const struct fwd_burst *b = &sd->burst;
	unsigned int i;

	fprintf(stderr, "%s: port %u (vlans %u), %u frames, %u dropped, "
		"%u copies; drops:", s == 0 ? "burst" : "twin", in,
		view.nb_vlan, n, sd->dropped, b->nb_extra);
	for (i = 0; i < VSW_DROP_MAX; i++)
		if (b->drop[i] != 0)
			fprintf(stderr, " %s %u", vsw_drop_names[i], b->drop[i]);
	fputc('\n', stderr);
	for (i = 0; i < n; i++)
		fprintf(stderr, "  %2u: %3u bytes%s, %s VLAN %u tci %#x -> "
			"%#llx\n", i, sd->spec[i].len, sd->spec[i].flags ?
			" (flags)" : "", verdict[sd->exp[i].verdict],
			sd->exp[i].vlan, sd->exp[i].tci,
			(unsigned long long)sd->occ[i]);
}

/* Classify @p sd's burst and check it against the model. */
static void
side_classify(struct side *sd, uint16_t in, uint16_t n, uint32_t now)
{
	sd->dropped = fwd_classify(&sd->burst, &view, run.mode,
		sd->tables[run.which], in, sd->pkts, n, now);
	collect_dests(sd, in, n);
	if (trace)
		side_trace(sd, (unsigned int)(sd - sides), in, n);
	check_frames(sd, in, n);
	check_learned(sd, in, n);
	check_table(sd->tables[run.which]);
}

/* One burst: build it and its twin, classify both, check, free them. */
static void
run_burst(struct fz_in *in, uint32_t *now)
{
	uint8_t inb = fz_u8(in), op;
	uint16_t port = inb % FZ_PORTS, n, i;
	unsigned int s;

	if (inb & IN_VSET) {
		vset_read(in);
		run.changed = true;
		check_nb_vlan();
	}
	n = 1 + fz_u8(in) % VSW_BURST;
	op = fz_u8(in);
	*now += op >> 1;
	if (op & 1) {
		uint8_t idle = fz_u8(in);

		for (s = 0; s < 2; s++)
			vsw_mac_age(sides[s].tables[run.which], *now, idle,
				NULL);
	}
	for (i = 0; i < n; i++) {
		spec_read(in, &sides[0].spec[i]);
		spec_twin(&sides[0].spec[i], &sides[1].spec[i], i);
	}
	run.ingress |= 1ULL << port;
	for (s = 0; s < 2; s++) {
		side_build(&sides[s], port, n);
		side_classify(&sides[s], port, n, *now);
	}
	check_twins(n);
	for (s = 0; s < 2; s++) {
		fwd_burst_reset(&sides[s].burst);
		check_reset(&sides[s].burst);
		side_free(&sides[s], n);
	}
}

/*
 * Empty the tables for the next input: every entry was last seen at or
 * before now, so ageing at now + 1 with no idle time allowed removes
 * them all, in one pass. A port flush (a pass per port) empties one
 * port, checked on the first ingress port.
 */
static void
tables_empty(uint32_t now)
{
	unsigned int s;

	for (s = 0; s < 2; s++) {
		struct vsw_mac_table *t = sides[s].tables[run.which];

		if (run.ingress != 0) {
			uint16_t p = (uint16_t)__builtin_ctzll(run.ingress);
			uint32_t had = vsw_mac_count(t, p);

			FZ_ASSERT(vsw_mac_flush_port(t, p) == had &&
				vsw_mac_count(t, p) == 0, "flush of port %u",
				p);
		}
		vsw_mac_age(t, now + 1, 0, NULL);
		FZ_ASSERT(vsw_mac_count(t, VSW_MAC_PORT_NONE) == 0,
			"%u entries left after ageing everything",
			vsw_mac_count(t, VSW_MAC_PORT_NONE));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned int k, i;
	uint32_t now;
	uint8_t cfg;

	memset(&run, 0, sizeof(run));
	for (i = 0; i < NB_PAL; i++)
		run.pal[i] = 1;         /* as a VLAN section of zeros reads */
	cfg = fz_u8(&in);
	run.mode = (cfg & 1) ? VSW_FWD_XCONNECT : VSW_FWD_LEARN;
	run.which = (cfg >> 1) & 1;
	unit_view_init(&view);
	run.live = fz_u64(&in);
	for (i = 0; i < FZ_PORTS; i++)
		if ((run.live >> i) & 1)
			fwd_view_set(&view, (uint16_t)i, VSW_FWD_RUN, (int)i);
	now = fz_u32(&in);
	if (cfg & 4)
		vlans_read(&in);
	check_nb_vlan();

	for (k = 0; k < MAX_BURSTS && !fz_empty(&in); k++)
		run_burst(&in, &now);
	tables_empty(now);
	return 0;
}
