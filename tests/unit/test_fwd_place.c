/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of queue placement (lib/fwd/fwd_place.c) on made-up
 * machines: several NUMA nodes, pinned queues, uneven loads. The
 * machines here have one node, so this is where NUMA placement is tested.
 */

#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "fwd_place.h"
#include "vsw_fwd.h"
#include "unit.h"

static struct fwd_place_rxq
rxq(uint64_t load, uint64_t allow, int socket)
{
	return (struct fwd_place_rxq){ load, allow, socket };
}

static void
machine(struct fwd_place_pmd *p, unsigned int n, const int *socket)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (struct fwd_place_pmd){ socket[i], 0, 0 };
}

static void
test_spread_when_idle(void)
{
	static const int one_node[4] = { 0, 0, 0, 0 };
	struct fwd_place_pmd p[4];
	struct fwd_place_rxq q = rxq(0, 0, SOCKET_ID_ANY);
	bool off;
	int i;

	unit_case("idle PMDs: queues spread round-robin");
	machine(p, 4, one_node);
	for (i = 0; i < 8; i++)
		UNIT_EQ(fwd_place_one(p, 4, &q, &off), i % 4);
	UNIT_CHECK(!off);
}

static void
test_least_loaded(void)
{
	static const int one_node[2] = { 0, 0 };
	struct fwd_place_pmd p[2];
	struct fwd_place_rxq q = rxq(0, 0, SOCKET_ID_ANY);
	bool off;

	unit_case("a new queue goes to the least busy PMD");
	machine(p, 2, one_node);
	p[0].load = 1000;         /* PMD 0 forwards, PMD 1 idles */
	p[0].nb_rxq = 1;
	p[1].nb_rxq = 3;          /* more queues, but idle ones */
	UNIT_EQ(fwd_place_one(p, 2, &q, &off), 1);
	p[1].load = 5000;
	UNIT_EQ(fwd_place_one(p, 2, &q, &off), 0);
	UNIT_EQ(p[0].nb_rxq, 2);
}

static void
test_numa(void)
{
	static const int two_nodes[4] = { 0, 0, 1, 1 };
	struct fwd_place_pmd p[4];
	struct fwd_place_rxq q = rxq(100, 0, 1);
	bool off;

	unit_case("NUMA: the guest's node first, even when busier");
	machine(p, 4, two_nodes);
	p[2].load = p[3].load = 10000;
	p[3].load = 9000;
	UNIT_EQ(fwd_place_one(p, 4, &q, &off), 3);
	UNIT_CHECK(!off);
	UNIT_EQ(p[3].load, 9100);

	unit_case("NUMA: no PMD on the guest's node -> anywhere, flagged");
	q = rxq(0, 0, 2);
	UNIT_EQ(fwd_place_one(p, 4, &q, &off), 0);
	UNIT_CHECK(off);

	unit_case("NUMA: no node known -> least loaded anywhere");
	q = rxq(0, 0, SOCKET_ID_ANY);
	UNIT_EQ(fwd_place_one(p, 4, &q, &off), 1);
	UNIT_CHECK(!off);
}

static void
test_pinned(void)
{
	static const int two_nodes[4] = { 0, 0, 1, 1 };
	struct fwd_place_pmd p[4];
	struct fwd_place_rxq q;
	bool off;

	unit_case("pmd=LIST: only the listed PMDs");
	machine(p, 4, two_nodes);
	p[1].load = 50;
	q = rxq(0, (1ULL << 1) | (1ULL << 3), SOCKET_ID_ANY);
	UNIT_EQ(fwd_place_one(p, 4, &q, &off), 3);
	q = rxq(0, 1ULL << 1, SOCKET_ID_ANY);
	UNIT_EQ(fwd_place_one(p, 4, &q, &off), 1);

	unit_case("pinned off the guest's node: kept, flagged");
	q = rxq(0, 1ULL << 0, 1);
	UNIT_EQ(fwd_place_one(p, 4, &q, &off), 0);
	UNIT_CHECK(off);

	unit_case("pinned to no existing PMD: -1, nothing changed");
	q = rxq(7, 1ULL << 9, SOCKET_ID_ANY);
	UNIT_EQ(fwd_place_one(p, 4, &q, &off), -1);
	UNIT_CHECK(!off);
	UNIT_EQ(p[0].load + p[1].load + p[2].load + p[3].load, 50);
}

static void
test_rebalance(void)
{
	static const int one_node[2] = { 0, 0 };
	struct fwd_place_pmd p[2];
	struct fwd_place_rxq q[6];
	uint16_t before[6] = { 0, 0, 0, 0, 0, 0 }, after[6];
	static const uint64_t loads[6] = { 5, 9, 3, 7, 4, 6 };
	unsigned int i;

	unit_case("rebalance: everything on PMD 0 -> evened out");
	machine(p, 2, one_node);
	for (i = 0; i < 6; i++)
		q[i] = rxq(loads[i], 0, SOCKET_ID_ANY);
	UNIT_EQ(fwd_place_max_load(2, q, 6, before), 34);
	UNIT_EQ(fwd_place_all(p, 2, q, 6, after), 0);
	UNIT_EQ(fwd_place_max_load(2, q, 6, after), 17);  /* the optimum */
	UNIT_EQ(p[0].load + p[1].load, 34);
	UNIT_EQ(p[0].nb_rxq + p[1].nb_rxq, 6);
	/* Biggest first: 9 on PMD 0, 7 on PMD 1. */
	UNIT_EQ(after[1], 0);
	UNIT_EQ(after[3], 1);

	unit_case("rebalance keeps pins");
	q[1].allow = 1ULL << 1;
	q[3].allow = 1ULL << 1;
	UNIT_EQ(fwd_place_all(p, 2, q, 6, after), 0);
	UNIT_EQ(after[1], 1);
	UNIT_EQ(after[3], 1);
	UNIT_EQ(fwd_place_max_load(2, q, 6, after), 18);  /* 9+7+... */

	unit_case("rebalance with a queue no PMD may take: -1");
	q[0].allow = 1ULL << 5;
	UNIT_EQ(fwd_place_all(p, 2, q, 6, after), -1);
}

/* n samples at pct; how many of them fired. */
static unsigned int
feed(struct vsw_fwd_auto_lb *lb, unsigned int pct, unsigned int n)
{
	unsigned int fired = 0;

	while (n-- > 0)
		fired += vsw_fwd_auto_lb_tick(lb, pct);
	return fired;
}

static void
test_auto_lb(void)
{
	struct vsw_fwd_auto_lb lb = { .load_pct = 90, .interval = 5 };

	unit_case("auto-lb: below the threshold never fires");
	UNIT_EQ(feed(&lb, 50, 100), 0);
	UNIT_EQ(feed(&lb, 89, 100), 0);

	unit_case("auto-lb: fires after interval samples in a row above");
	UNIT_EQ(feed(&lb, 95, 4), 0);
	UNIT_EQ(feed(&lb, 95, 1), 1);

	unit_case("auto-lb: then waits an interval, whatever the load");
	UNIT_EQ(feed(&lb, 100, 5), 0);
	UNIT_EQ(feed(&lb, 100, 5), 1);

	unit_case("auto-lb: a dip within the band keeps the count");
	lb = (struct vsw_fwd_auto_lb){ .load_pct = 90, .interval = 5 };
	UNIT_EQ(feed(&lb, 95, 3), 0);
	UNIT_EQ(feed(&lb, 90 - VSW_FWD_AUTO_LB_BAND, 3), 0);
	UNIT_EQ(feed(&lb, 95, 1), 0);
	UNIT_EQ(feed(&lb, 95, 1), 1);

	unit_case("auto-lb: a dip below the band starts again");
	lb = (struct vsw_fwd_auto_lb){ .load_pct = 90, .interval = 5 };
	UNIT_EQ(feed(&lb, 95, 4), 0);
	UNIT_EQ(feed(&lb, 90 - VSW_FWD_AUTO_LB_BAND - 1, 1), 0);
	UNIT_EQ(feed(&lb, 95, 4), 0);
	UNIT_EQ(feed(&lb, 95, 1), 1);

	unit_case("auto-lb: interval 0 never fires");
	lb = (struct vsw_fwd_auto_lb){ .load_pct = 10, .interval = 0 };
	UNIT_EQ(feed(&lb, 100, 50), 0);
}

int
main(int argc, char **argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	test_spread_when_idle();
	test_least_loaded();
	test_numa();
	test_pinned();
	test_rebalance();
	test_auto_lb();
	return unit_finish("test_fwd_place");
}
