/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of port mirroring's configuration (lib/fwd/fwd_mirror.c),
 * on a real engine whose PMD lcore is not launched (grace periods then
 * pass at once):
 *
 * - each bad mirror is refused with its errno and a message, and changes
 *   nothing (no view is published);
 * - a mirror reaches the view: each source's direction, the output out of
 *   the flood list (also when its state changes meanwhile), the output's
 *   learned addresses flushed;
 * - clashes: an output twice, an output as a source and the other way
 *   round, a source direction mirrored twice; rx and tx of one port may
 *   go to two mirrors;
 * - a port removed: a source leaves its mirror, which ends with its last
 *   source; an output's mirror ends; both through vsw_fwd_port_del();
 * - ending a mirror puts the output back; ids are reused; the table
 *   holds VSW_FWD_MIRROR_MAX mirrors;
 * - an engine in xconnect mode refuses mirrors.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "fwd.h"
#include "unit.h"

#define NB_PORTS 20

static struct rte_mempool *pool;
static struct vsw_mac_table *mac;

static struct vsw_fwd *
engine(enum vsw_fwd_mode mode)
{
	struct vsw_fwd_params p = {
		.mode = mode,
		.nb_pmd = 1,
		.pmd_lcore = { rte_get_main_lcore() },
		.backlog = 64,
		.pool = pool,
		.mac = mac,
		.socket_id = SOCKET_ID_ANY,
	};
	struct vsw_fwd_port_conf c = { .nb_queues = 1,
		.socket_id = SOCKET_ID_ANY };
	struct vsw_fwd *f = vsw_fwd_create(&p);
	uint16_t i;

	for (i = 0; f != NULL && i < NB_PORTS; i++)
		if (vsw_fwd_port_add(f, i, &c) != 0 ||
				vsw_fwd_port_publish(f, i, VSW_FWD_RUN, i) != 0)
			return NULL;
	return f;
}

static struct vsw_fwd_mirror
mk(uint16_t out, uint8_t dir, uint16_t nb, const uint16_t *src)
{
	struct vsw_fwd_mirror m = { .out = out, .nb_src = nb, .dir = dir };

	memcpy(m.src, src, nb * sizeof(src[0]));
	return m;
}

#define BOTH (VSW_FWD_MIRROR_RX | VSW_FWD_MIRROR_TX)

static bool
listed(const struct vsw_fwd *f, uint16_t port)
{
	const struct fwd_view *v = &f->snap->v;
	uint16_t i;

	for (i = 0; i < v->nb_live; i++)
		if (v->live[i] == port)
			return true;
	return false;
}

/* Adding @p m fails with @p want, says @p msg, and publishes nothing. */
static void
refused(struct vsw_fwd *f, const struct vsw_fwd_mirror *m, int want,
	const char *msg)
{
	const struct fwd_snap *before = f->snap;
	char err[128] = "";

	UNIT_EQ(vsw_fwd_mirror_add(f, m, err, sizeof(err)), want);
	if (!UNIT_CHECK(strstr(err, msg) != NULL))
		printf("  error was: %s\n", err);
	UNIT_CHECK(f->snap == before);
}

/* A mirror that must be refused, and why. */
struct bad {
	uint16_t out;
	uint8_t dir;
	uint16_t nb_src;
	uint16_t src[2];
	int err;
	const char *msg;
};

static void
refuse_all(struct vsw_fwd *f, const struct bad *b, unsigned int n)
{
	struct vsw_fwd_mirror m;
	unsigned int i;

	for (i = 0; i < n; i++) {
		m = mk(b[i].out, b[i].dir, RTE_MIN(b[i].nb_src, 2), b[i].src);
		m.nb_src = b[i].nb_src;
		refused(f, &m, b[i].err, b[i].msg);
	}
}

static void
test_bad(struct vsw_fwd *f)
{
	static const struct bad cases[] = {
		{ 2, BOTH, 0, { 1 }, -EINVAL, "1 to 16 sources" },
		{ 2, BOTH, VSW_FWD_MIRROR_MAX_SRC + 1, { 1 }, -EINVAL,
			"1 to 16 sources" },
		{ 2, 0, 1, { 1 }, -EINVAL, "rx, tx or both" },
		{ 2, 4, 1, { 1 }, -EINVAL, "rx, tx or both" },
		{ NB_PORTS, BOTH, 1, { 1 }, -EINVAL, "no port 20" },
		{ 2, BOTH, 1, { NB_PORTS }, -EINVAL, "no port 20" },
		{ 2, BOTH, 2, { 1, 1 }, -EINVAL, "port 1 is given twice" },
		{ 2, BOTH, 2, { 1, 2 }, -EINVAL, "source of its own mirror" },
	};

	unit_case("bad_mirrors");
	refuse_all(f, cases, RTE_DIM(cases));
	UNIT_EQ(f->snap->v.nb_mirror, 0);
	UNIT_EQ(vsw_fwd_mirror_add(f, NULL, NULL, 0), -EINVAL);
}

static void
test_view_and_clashes(struct vsw_fwd *f)
{
	static const struct bad clashes[] = {
		{ 2, BOTH, 1, { 3 }, -EBUSY,
			"port 2 is already the output of mirror 0" },
		{ 0, BOTH, 1, { 3 }, -EBUSY, "port 0 is a source of mirror 0" },
		{ 3, BOTH, 1, { 2 }, -EBUSY, "port 2 is the output of mirror 0" },
		{ 3, VSW_FWD_MIRROR_TX, 1, { 0 }, -EBUSY,
			"port 0's tx is mirrored already, by mirror 0" },
	};
	uint16_t s01[] = { 0, 1 };
	const struct fwd_view *v;
	struct rte_ether_addr ea = unit_mac(2, 0, 0, 0, 0, 0x22);
	uint64_t key = vsw_mac_key(&ea);
	struct vsw_fwd_mirror m;
	char err[128];

	unit_case("view_and_clashes");
	vsw_mac_learn(mac, key, 2, 1);
	UNIT_EQ(vsw_mac_lookup(mac, key), 2);
	m = mk(2, BOTH, 2, s01);
	UNIT_EQ(vsw_fwd_mirror_add(f, &m, err, sizeof(err)), 0);
	v = &f->snap->v;
	UNIT_EQ(v->nb_mirror, 1);
	UNIT_EQ(v->mirror_out[0], 2);
	UNIT_EQ(v->port[0].mir_rx, 1);
	UNIT_EQ(v->port[0].mir_tx, 1);
	UNIT_EQ(v->port[1].mir_rx, 1);
	UNIT_EQ(v->port[3].mir_rx, 0);
	UNIT_EQ(v->port[2].mir_out, 1);
	UNIT_CHECK(!listed(f, 2) && listed(f, 1) && listed(f, 3));
	UNIT_EQ(v->nb_live, NB_PORTS - 1);
	UNIT_EQ(vsw_mac_lookup(mac, key), VSW_MAC_PORT_NONE);
	/* The output's state changes: still no flood destination. */
	UNIT_EQ(vsw_fwd_port_publish(f, 2, VSW_FWD_PARK, 2), 0);
	UNIT_EQ(vsw_fwd_port_publish(f, 2, VSW_FWD_RUN, 2), 0);
	UNIT_CHECK(!listed(f, 2));
	UNIT_EQ(vsw_fwd_mirror_find(f, 2, 0), 0);
	UNIT_EQ(vsw_fwd_mirror_find(f, 0, VSW_FWD_MIRROR_TX), 0);
	UNIT_EQ(vsw_fwd_mirror_find(f, 0, 0), -ENOENT);
	UNIT_EQ(vsw_fwd_mirror_find(f, 3, BOTH), -ENOENT);

	refuse_all(f, clashes, RTE_DIM(clashes));
}

static void
test_split_and_removal(struct vsw_fwd *f)
{
	uint16_t s5[] = { 5 }, s4[] = { 4 };
	struct vsw_fwd_mirror_status st;
	struct vsw_fwd_mirror m;
	char err[128];

	unit_case("split_and_removal");
	/* Port 4's rx to port 6, its tx to port 7: two mirrors. */
	m = mk(6, VSW_FWD_MIRROR_RX, 1, s4);
	UNIT_EQ(vsw_fwd_mirror_add(f, &m, err, sizeof(err)), 1);
	m = mk(7, VSW_FWD_MIRROR_TX, 1, s4);
	UNIT_EQ(vsw_fwd_mirror_add(f, &m, err, sizeof(err)), 2);
	UNIT_EQ(f->snap->v.port[4].mir_rx, 2);
	UNIT_EQ(f->snap->v.port[4].mir_tx, 3);
	m = mk(8, VSW_FWD_MIRROR_RX, 1, s4);
	refused(f, &m, -EBUSY, "port 4's rx is mirrored already, by mirror 1");
	/* Port 4 goes: both mirrors end with their only source. */
	UNIT_EQ(vsw_fwd_mirror_port_removed(f, 4, &st), 2);
	UNIT_EQ(vsw_fwd_mirror_status(f, 1, &st), -ENOENT);
	UNIT_EQ(vsw_fwd_mirror_status(f, 2, &st), -ENOENT);
	UNIT_EQ(f->snap->v.port[4].mir_rx, 0);
	UNIT_EQ(f->snap->v.port[4].mir_tx, 0);
	UNIT_CHECK(listed(f, 6) && listed(f, 7));
	UNIT_EQ(f->snap->v.nb_mirror, 1);

	/* Mirror 0 (sources 0, 1 to 2) without port 1: it goes on. */
	UNIT_EQ(vsw_fwd_mirror_port_removed(f, 1, &st), 1);
	UNIT_EQ(vsw_fwd_mirror_status(f, 0, &st), 0);
	UNIT_EQ(st.conf.nb_src, 1);
	UNIT_EQ(st.conf.src[0], 0);
	UNIT_EQ(f->snap->v.port[1].mir_rx, 0);
	UNIT_EQ(f->snap->v.port[0].mir_rx, 1);
	UNIT_CHECK(!listed(f, 2));
	UNIT_EQ(vsw_fwd_mirror_port_removed(f, 9, &st), 0);

	/* Its output is removed from the engine: the mirror ends. */
	UNIT_EQ(vsw_fwd_port_del(f, 2), 0);
	UNIT_EQ(vsw_fwd_mirror_status(f, 0, &st), -ENOENT);
	UNIT_EQ(f->snap->v.nb_mirror, 0);
	UNIT_EQ(f->snap->v.port[0].mir_rx, 0);
	UNIT_EQ(f->snap->v.port[2].mir_out, 0);

	/* A source removed from the engine leaves its mirror too. */
	m = mk(6, BOTH, 1, s5);
	UNIT_EQ(vsw_fwd_mirror_add(f, &m, err, sizeof(err)), 0);
	UNIT_EQ(vsw_fwd_port_del(f, 5), 0);
	UNIT_EQ(vsw_fwd_mirror_find(f, 6, 0), -ENOENT);
	UNIT_CHECK(listed(f, 6));
}

static void
test_table_and_del(struct vsw_fwd *f)
{
	struct vsw_fwd_mirror_status st;
	struct vsw_fwd_mirror m;
	char err[128];
	uint16_t src;
	int i;

	unit_case("table_and_del");
	for (i = 0; i < VSW_FWD_MIRROR_MAX; i++) {
		src = (uint16_t)(10 + i);
		m = mk((uint16_t)i, BOTH, 1, &src);
		if (i == 2 || i == 5)	/* removed above */
			m.out = (uint16_t)(18 + (i == 5));
		UNIT_EQ(vsw_fwd_mirror_add(f, &m, err, sizeof(err)), i);
	}
	UNIT_EQ(f->snap->v.nb_mirror, VSW_FWD_MIRROR_MAX);
	src = 8;
	m = mk(9, BOTH, 1, &src);
	refused(f, &m, -ENOSPC, "at most 8 mirrors");
	UNIT_EQ(vsw_fwd_mirror_del(f, VSW_FWD_MIRROR_MAX, &st), -ENOENT);
	UNIT_EQ(vsw_fwd_mirror_del(f, -1, &st), -ENOENT);
	UNIT_EQ(vsw_fwd_mirror_del(f, 3, &st), 0);
	UNIT_EQ(st.id, 3);
	UNIT_EQ(st.conf.out, 3);
	UNIT_EQ(st.frames + st.lost, 0);
	UNIT_CHECK(listed(f, 3));
	UNIT_EQ(vsw_fwd_mirror_del(f, 3, &st), -ENOENT);
	UNIT_EQ(vsw_fwd_mirror_add(f, &m, err, sizeof(err)), 3);
	for (i = 0; i < VSW_FWD_MIRROR_MAX; i++)
		UNIT_EQ(vsw_fwd_mirror_del(f, i, NULL), 0);
	UNIT_EQ(f->snap->v.nb_mirror, 0);
	UNIT_EQ(f->snap->v.nb_live, NB_PORTS - 2);	/* 2, 5 removed */
}

static void
test_xconnect(void)
{
	uint16_t s0[] = { 0 };
	struct vsw_fwd_mirror m = mk(1, BOTH, 1, s0);
	struct vsw_fwd *f = engine(VSW_FWD_XCONNECT);

	unit_case("xconnect");
	if (!UNIT_CHECK(f != NULL))
		return;
	refused(f, &m, -ENOTSUP, "--mode learn");
	vsw_fwd_free(f);
}

int
main(int argc, char **argv)
{
	struct vsw_mac_params mp = { .capacity = 1024, .port_limit = 1024,
		.nb_ports = NB_PORTS, .socket_id = SOCKET_ID_ANY };
	struct vsw_fwd *f;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	unit_eal_init("test_fwd_mirror");
	pool = unit_pool(511);
	mac = vsw_mac_create(&mp);
	if (!UNIT_CHECK(pool != NULL && mac != NULL))
		return unit_finish("test_fwd_mirror");
	f = engine(VSW_FWD_LEARN);
	if (UNIT_CHECK(f != NULL)) {
		test_bad(f);
		test_view_and_clashes(f);
		test_split_and_removal(f);
		test_table_and_del(f);
	}
	vsw_fwd_free(f);
	test_xconnect();
	vsw_mac_free(mac);
	rte_mempool_free(pool);
	return unit_finish("test_fwd_mirror");
}
