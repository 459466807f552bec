/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of packet capture (lib/capture), the main thread playing
 * lcore 0:
 *
 * - bad specs are refused and change nothing (no file is made);
 * - a capture's file: a section header, one interface block per port
 *   (named after it, nanosecond time stamps), one packet block per frame
 *   on the right interface with its direction, in order;
 * - only the captured ports and directions are copied; --snaplen cuts;
 *   --vlan keeps one 802.1Q VLAN and counts the rest;
 * - --count writes exactly that many frames and ends the capture;
 * - frames of an ended capture, or taken with a stale tap (an older
 *   generation of the slot), never reach another capture's file, and
 *   every frame's reference is let go (the pool is whole at the end);
 * - at most VSW_CAPTURE_MAX captures run at once.
 *
 * The files are read back by a small pcapng reader of the test's own.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>

#include <rte_ring_elem.h>

#include "capture.h"
#include "unit.h"

#define MAX_FRAMES 64

static struct rte_mempool *pool;
static char dir[] = "/tmp/vsw-unit-capture-XXXXXX";

/* What the test's reader finds in a file. */
struct pfile {
	unsigned int nb_shb, nb_idb, nb_epb;
	char if_name[4][64];
	uint8_t tsresol[4];
	uint32_t iface[MAX_FRAMES];
	uint32_t flags[MAX_FRAMES];     /* 1 inbound, 2 outbound */
	uint32_t caplen[MAX_FRAMES];
	uint32_t origlen[MAX_FRAMES];
	uint8_t tag[MAX_FRAMES];        /* byte 14 of the frame */
	uint64_t ts[MAX_FRAMES];
};

static void
read_opts(const uint8_t *p, const uint8_t *end, struct pfile *f,
	bool idb, unsigned int k)
{
	while (p + 4 <= end) {
		uint16_t code, len;

		memcpy(&code, p, 2);
		memcpy(&len, p + 2, 2);
		if (code == 0 || p + 4 + len > end)
			return;
		if (idb && code == 2 && k < 4)
			snprintf(f->if_name[k], sizeof(f->if_name[k]), "%.*s",
				(int)len, (const char *)p + 4);
		if (idb && code == 9 && k < 4)
			f->tsresol[k] = p[4];
		if (!idb && code == 2 && len == 4 && k < MAX_FRAMES)
			memcpy(&f->flags[k], p + 4, 4);
		p += 4 + RTE_ALIGN(len, 4);
	}
}

static void
read_epb(const uint8_t *b, uint32_t len, struct pfile *f)
{
	unsigned int k = f->nb_epb++;
	uint32_t hi, lo, cap;

	if (k >= MAX_FRAMES)
		return;
	memcpy(&f->iface[k], b + 8, 4);
	memcpy(&hi, b + 12, 4);
	memcpy(&lo, b + 16, 4);
	f->ts[k] = (uint64_t)hi << 32 | lo;
	memcpy(&cap, b + 20, 4);
	f->caplen[k] = cap;
	memcpy(&f->origlen[k], b + 24, 4);
	f->tag[k] = cap > 14 ? b[28 + 14] : 0;
	read_opts(b + 28 + RTE_ALIGN(cap, 4), b + len - 4, f, false, k);
}

/* 0, or -1 if the file is not a sequence of well-formed blocks. */
static int
read_pcapng(const char *path, struct pfile *f)
{
	static uint8_t buf[1 << 20];
	FILE *fp = fopen(path, "rb");
	size_t n, off = 0;

	memset(f, 0, sizeof(*f));
	if (fp == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	while (off + 12 <= n) {
		uint32_t type, len, len2;

		memcpy(&type, buf + off, 4);
		memcpy(&len, buf + off + 4, 4);
		if (len < 12 || len % 4 || off + len > n)
			return -1;
		memcpy(&len2, buf + off + len - 4, 4);
		if (len2 != len)
			return -1;
		if (type == 0x0a0d0d0a)
			f->nb_shb++;
		else if (type == 1)
			read_opts(buf + off + 16, buf + off + len - 4, f, true,
				f->nb_idb++);
		else if (type == 6)
			read_epb(buf + off, len, f);
		off += len;
	}
	return off == n && f->nb_shb == 1 ? 0 : -1;
}

static char *
path_of(const char *name)
{
	static char p[8][256];
	static unsigned int k;
	char *s = p[k++ % 8];

	snprintf(s, 256, "%s/%s", dir, name);
	return s;
}

/* @p n frames tagged @p tag (byte 14), @p vlan >= 0: 802.1Q tagged. */
static unsigned int
make(struct rte_mbuf **m, unsigned int n, uint8_t tag, int vlan,
	uint16_t len)
{
	struct rte_ether_addr a = unit_mac(2, 0, 0, 0, 0, 1);
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t *d;

		m[i] = unit_mbuf_eth(pool, &a, &a, len);
		if (m[i] == NULL)
			return i;
		d = rte_pktmbuf_mtod(m[i], uint8_t *);
		if (vlan >= 0) {
			d[12] = 0x81;
			d[13] = 0x00;
			d[14] = (uint8_t)(vlan >> 8);
			d[15] = (uint8_t)vlan;
		} else {
			d[14] = tag;
		}
	}
	return n;
}

static void
burst(struct vsw_capture *c, uint16_t port, unsigned int d, unsigned int n,
	uint8_t tag, int vlan, uint16_t len)
{
	struct rte_mbuf *m[VSW_BURST];
	unsigned int k = make(m, RTE_MIN(n, (unsigned int)VSW_BURST), tag,
		vlan, len);

	vsw_capture_burst(c, 0, port, d, m, (uint16_t)k);
	rte_pktmbuf_free_bulk(m, k);
}

static struct vsw_capture_spec
spec(const char *file, uint16_t port, unsigned int d)
{
	struct vsw_capture_spec s = {
		.file = file, .nb_ports = 1, .port = { port },
		.name = { "p" }, .dir = d, .vlan = -1,
	};

	return s;
}

static void
test_bad_specs(struct vsw_capture *c)
{
	struct vsw_capture_spec s = spec(path_of("bad"), 1, VSW_CAPTURE_RX);
	char err[128];

	unit_case("bad specs are refused; nothing is made");
	s.nb_ports = 0;
	UNIT_EQ(vsw_capture_start(c, &s, err, sizeof(err)), -EINVAL);
	s.nb_ports = 2;
	s.port[1] = 1;
	UNIT_EQ(vsw_capture_start(c, &s, err, sizeof(err)), -EINVAL);
	s = spec(path_of("bad"), VSW_MAX_PORTS, VSW_CAPTURE_RX);
	UNIT_EQ(vsw_capture_start(c, &s, err, sizeof(err)), -EINVAL);
	s = spec(path_of("bad"), 1, 4);
	UNIT_EQ(vsw_capture_start(c, &s, err, sizeof(err)), -EINVAL);
	s = spec(path_of("bad"), 1, VSW_CAPTURE_RX);
	s.vlan = 4096;
	UNIT_EQ(vsw_capture_start(c, &s, err, sizeof(err)), -EINVAL);
	s = spec(path_of("nodir/bad"), 1, VSW_CAPTURE_RX);
	UNIT_EQ(vsw_capture_start(c, &s, err, sizeof(err)), -ENOENT);
	UNIT_CHECK(strstr(err, "does not exist") != NULL);
	UNIT_CHECK(access(path_of("bad"), F_OK) != 0);
	UNIT_EQ(__atomic_load_n(vsw_capture_active_flag(c), __ATOMIC_RELAXED),
		0);
}

static void
test_file(struct vsw_capture *c)
{
	struct vsw_capture_spec s = spec(path_of("two.pcapng"), 3,
		VSW_CAPTURE_RX | VSW_CAPTURE_TX);
	struct vsw_capture_status st;
	char err[128] = "";
	struct pfile f;
	uint64_t t0;
	int id;

	unit_case("a file with two interfaces, directions, order");
	s.nb_ports = 2;
	s.port[1] = 5;
	s.name[0] = "vm3";
	s.name[1] = "vm5";
	id = vsw_capture_start(c, &s, err, sizeof(err));
	if (!UNIT_CHECK(id >= 0))
		return;
	UNIT_EQ(*vsw_capture_active_flag(c), 1);
	t0 = (uint64_t)time(NULL) * 1000000000ull;
	burst(c, 3, VSW_CAPTURE_RX, 4, 1, -1, 100);  /* in on vm3 */
	burst(c, 4, VSW_CAPTURE_RX, 4, 9, -1, 100);  /* not captured */
	burst(c, 5, VSW_CAPTURE_TX, 3, 2, -1, 60);   /* out on vm5 */
	burst(c, 3, VSW_CAPTURE_TX, 2, 3, -1, 80);   /* out on vm3 */
	UNIT_EQ(vsw_capture_stop(c, id, 2000), 0);
	UNIT_EQ(*vsw_capture_active_flag(c), 0);
	UNIT_EQ(vsw_capture_status(c, id, &st), 0);
	UNIT_EQ(st.state, VSW_CAPTURE_DONE);
	UNIT_EQ(st.end, VSW_CAPTURE_END_STOP);
	UNIT_EQ(st.copied, 9);
	UNIT_EQ(st.written, 9);
	if (!UNIT_EQ(read_pcapng(s.file, &f), 0))
		return;
	UNIT_EQ(f.nb_idb, 2);
	UNIT_CHECK(strcmp(f.if_name[0], "vm3") == 0);
	UNIT_CHECK(strcmp(f.if_name[1], "vm5") == 0);
	UNIT_EQ(f.tsresol[0], 9);
	UNIT_EQ(f.nb_epb, 9);
	UNIT_EQ(f.iface[0], 0);
	UNIT_EQ(f.flags[0], 1);
	UNIT_EQ(f.tag[0], 1);
	UNIT_EQ(f.origlen[0], 100);
	UNIT_EQ(f.iface[4], 1);
	UNIT_EQ(f.flags[4], 2);
	UNIT_EQ(f.tag[4], 2);
	UNIT_EQ(f.iface[8], 0);
	UNIT_EQ(f.flags[8], 2);
	UNIT_EQ(f.tag[8], 3);
	/* Wall-clock nanoseconds, within a few seconds of now. */
	UNIT_CHECK(f.ts[0] + 5000000000ull > t0 && f.ts[0] < t0 + 5000000000ull);
	UNIT_CHECK(f.ts[8] >= f.ts[0]);
}

static void
test_filters(struct vsw_capture *c)
{
	struct vsw_capture_spec s = spec(path_of("filters.pcapng"), 7,
		VSW_CAPTURE_RX);
	struct vsw_capture_status st;
	char err[128] = "";
	struct pfile f;
	int id;

	unit_case("snaplen, vlan, direction");
	s.snaplen = 20;
	s.vlan = 100;
	id = vsw_capture_start(c, &s, err, sizeof(err));
	if (!UNIT_CHECK(id >= 0))
		return;
	burst(c, 7, VSW_CAPTURE_RX, 5, 0, 100, 300);
	burst(c, 7, VSW_CAPTURE_RX, 4, 0, 200, 300);
	burst(c, 7, VSW_CAPTURE_RX, 3, 0, -1, 300);
	burst(c, 7, VSW_CAPTURE_TX, 5, 0, 100, 300);  /* rx only */
	UNIT_EQ(vsw_capture_stop(c, id, 2000), 0);
	UNIT_EQ(vsw_capture_status(c, id, &st), 0);
	UNIT_EQ(st.written, 5);
	UNIT_EQ(st.filtered, 7);
	UNIT_EQ(read_pcapng(s.file, &f), 0);
	UNIT_EQ(f.nb_epb, 5);
	UNIT_EQ(f.caplen[0], 20);
	UNIT_EQ(f.origlen[0], 300);
}

static void
test_count(struct vsw_capture *c)
{
	struct vsw_capture_spec s = spec(path_of("count.pcapng"), 2,
		VSW_CAPTURE_RX);
	struct vsw_capture_status st;
	char err[128] = "";
	struct pfile f;
	int id, i;

	unit_case("count ends the capture with exactly that many frames");
	s.count = 7;
	id = vsw_capture_start(c, &s, err, sizeof(err));
	if (!UNIT_CHECK(id >= 0))
		return;
	burst(c, 2, VSW_CAPTURE_RX, 20, 0, -1, 64);
	for (i = 0; i < 2000 && (vsw_capture_status(c, id, &st) != 0 ||
			st.state != VSW_CAPTURE_DONE); i++)
		rte_delay_us_sleep(1000);
	UNIT_EQ(st.state, VSW_CAPTURE_DONE);
	UNIT_EQ(st.end, VSW_CAPTURE_END_COUNT);
	UNIT_EQ(st.written, 7);
	UNIT_EQ(read_pcapng(s.file, &f), 0);
	UNIT_EQ(f.nb_epb, 7);
	UNIT_EQ(vsw_capture_stop(c, id, 10), -ENOENT);
}

/* A frame tagged for slot @p slot, generation @p gen, into lcore 0's
 * ring, as vsw_capture_burst() would put it. */
static void
forge(struct vsw_capture *c, unsigned int slot, uint32_t gen)
{
	struct cap_ref r = { .tsc = rte_rdtsc(), .tag = TAG_MAKE(slot, gen),
		.dir = VSW_CAPTURE_RX };

	if (make(&r.m, 1, 0xee, -1, 64) != 1)
		return;
	UNIT_EQ(rte_ring_sp_enqueue_elem(c->lc[0].ring, &r, sizeof(r)), 0);
}

static void
test_stale(struct vsw_capture *c)
{
	struct vsw_capture_spec s = spec(path_of("stale.pcapng"), 9,
		VSW_CAPTURE_RX);
	struct vsw_capture_status st;
	char err[128] = "";
	struct pfile f;
	unsigned int slot, other;
	uint32_t gen;
	int id;

	unit_case("stale copies never reach a file");
	id = vsw_capture_start(c, &s, err, sizeof(err));
	if (!UNIT_CHECK(id >= 0))
		return;
	slot = (unsigned int)id;
	other = (slot + 1) % VSW_CAPTURE_MAX;
	gen = c->slot[slot].gen;
	burst(c, 9, VSW_CAPTURE_RX, 2, 0x11, -1, 64);
	forge(c, slot, (gen - 1) & GEN_MASK);	/* an older capture's */
	forge(c, other, c->slot[other].gen);	/* an ended or free slot's */
	burst(c, 9, VSW_CAPTURE_RX, 1, 0x12, -1, 64);
	UNIT_EQ(vsw_capture_stop(c, id, 2000), 0);
	forge(c, slot, gen);			/* after its end */
	rte_delay_us_sleep(20000);
	UNIT_EQ(vsw_capture_status(c, id, &st), 0);
	UNIT_EQ(st.written, 3);
	UNIT_EQ(read_pcapng(s.file, &f), 0);
	UNIT_EQ(f.nb_epb, 3);
	UNIT_EQ(f.tag[2], 0x12);
}

static void
test_busy(struct vsw_capture *c)
{
	struct vsw_capture_spec s;
	char err[128], name[32];
	int ids[VSW_CAPTURE_MAX], i;

	unit_case("busy port, busy file, at most VSW_CAPTURE_MAX captures");
	for (i = 0; i < VSW_CAPTURE_MAX; i++) {
		snprintf(name, sizeof(name), "many%d.pcapng", i);
		s = spec(path_of(name), (uint16_t)(100 + i), VSW_CAPTURE_TX);
		ids[i] = vsw_capture_start(c, &s, err, sizeof(err));
		UNIT_CHECK(ids[i] >= 0);
	}
	s = spec(path_of("one-more.pcapng"), 200, VSW_CAPTURE_TX);
	UNIT_EQ(vsw_capture_start(c, &s, err, sizeof(err)), -ENOSPC);
	UNIT_EQ(vsw_capture_stop(c, ids[0], 2000), 0);
	s = spec(path_of("one-more.pcapng"), 101, VSW_CAPTURE_TX);
	UNIT_EQ(vsw_capture_start(c, &s, err, sizeof(err)), -EBUSY);
	s = spec(path_of("many1.pcapng"), 200, VSW_CAPTURE_TX);
	UNIT_EQ(vsw_capture_start(c, &s, err, sizeof(err)), -EBUSY);
	UNIT_EQ(vsw_capture_find(c, path_of("many2.pcapng"), -1), ids[2]);
	UNIT_EQ(vsw_capture_find(c, NULL, 103), ids[3]);
	UNIT_EQ(vsw_capture_find(c, NULL, 100), -ENOENT);
	/* The free() below ends the rest (shutdown). */
}

int
main(int argc, char **argv)
{
	struct vsw_capture_params p = { .nb_lcores = 1,
		.socket_id = SOCKET_ID_ANY };
	struct vsw_capture *c;
	char cmd[300];

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	unit_eal_init("test_capture");
	pool = unit_pool(1023);
	if (!UNIT_CHECK(pool != NULL) || !UNIT_CHECK(mkdtemp(dir) != NULL))
		return unit_finish("test_capture");
	c = vsw_capture_create(&p);
	if (UNIT_CHECK(c != NULL)) {
		test_bad_specs(c);
		test_file(c);
		test_filters(c);
		test_count(c);
		test_stale(c);
		test_busy(c);
	}
	vsw_capture_free(c);
	unit_case("every reference let go");
	UNIT_EQ(rte_mempool_in_use_count(pool), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", dir);
	rte_mempool_free(pool);
	return unit_finish("test_capture");
}
