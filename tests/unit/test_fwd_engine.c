/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the forwarding engine's own machinery (lib/fwd), apart
 * from the classifier (test_fwd.c):
 *
 * - the backlog ring of a suspended port (fwd_backlog.h): order, the
 *   bound shared by several lcores' rings, references on every segment of
 *   a chained frame, wrap-around, and a ring that was never prepared;
 * - view publication and RCU: with a real PMD lcore running, publishing
 *   never fails and never leaks a view, vsw_fwd_sync() waits for the
 *   lcore, gives up in bounded time when the lcore is stuck, and publish
 *   itself waits (instead of failing) once every spare view is retired.
 *
 * - idle back-off (vsw_fwd_set_sleep_max()): idle lcores sleep, and a
 *   grace period does not wait for a sleeping lcore to wake.
 *
 * Needs three EAL lcores: two PMD lcores (sharing one CPU) busy-poll for
 * about a second.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "fwd.h"
#include "unit.h"

#define RING 8
#define MASK (RING - 1)

static struct rte_mempool *pool;

static struct rte_mbuf *
frame(uint8_t tag)
{
	struct rte_ether_addr a = unit_mac(2, 0, 0, 0, 0, tag);
	struct rte_mbuf *m = unit_mbuf_eth(pool, &a, &a, 64);

	if (m != NULL)
		*rte_pktmbuf_mtod_offset(m, uint8_t *, 20) = tag;
	return m;
}

static uint8_t
tag_of(const struct rte_mbuf *m)
{
	return *rte_pktmbuf_mtod_offset(m, const uint8_t *, 20);
}

static void
test_backlog_order_and_bound(void)
{
	struct rte_mbuf *ring_a[RING], *ring_b[RING], *in[6], *out[RING];
	struct backlog a = { .ring = ring_a }, b = { .ring = ring_b };
	uint32_t count = 0, n, i;

	unit_case("backlog_order_and_bound");
	for (i = 0; i < 6; i++)
		in[i] = frame((uint8_t)i);
	/* Two lcores' rings share one port's bound of 5 frames. */
	UNIT_EQ(backlog_push(&a, MASK, &count, 5, in, 3), 3);
	UNIT_EQ(backlog_push(&b, MASK, &count, 5, in + 3, 3), 2);
	UNIT_EQ(count, 5);
	UNIT_EQ(backlog_len(&a), 3);
	UNIT_EQ(backlog_len(&b), 2);
	/* Held frames carry their own reference. */
	UNIT_EQ(rte_mbuf_refcnt_read(in[0]), 2);
	UNIT_EQ(rte_mbuf_refcnt_read(in[5]), 1);
	n = backlog_peek(&a, MASK, out, 2);
	UNIT_EQ(n, 2);
	UNIT_EQ(tag_of(out[0]), 0);
	UNIT_EQ(tag_of(out[1]), 1);
	UNIT_EQ(backlog_len(&a), 3);        /* peek keeps them */
	rte_pktmbuf_free_bulk(out, n);      /* "sent": drop the held ref */
	backlog_release(&a, &count, n);
	UNIT_EQ(count, 3);
	UNIT_EQ(backlog_len(&a), 1);
	n = backlog_peek(&a, MASK, out, RING);
	UNIT_EQ(n, 1);
	UNIT_EQ(tag_of(out[0]), 2);
	/* Room again: the bound is shared, so b may now take more. */
	UNIT_EQ(backlog_push(&b, MASK, &count, 5, in + 5, 1), 1);
	UNIT_EQ(backlog_flush(&a, MASK, &count), 1);
	UNIT_EQ(backlog_flush(&b, MASK, &count), 3);
	UNIT_EQ(count, 0);
	for (i = 0; i < 6; i++)
		UNIT_EQ(rte_mbuf_refcnt_read(in[i]), 1);
	rte_pktmbuf_free_bulk(in, 6);
	UNIT_EQ(rte_mempool_in_use_count(pool), 0);
}

static void
test_backlog_chain_and_wrap(void)
{
	struct rte_mbuf *slots[RING], *out[RING], *head, *seg;
	struct backlog bl = { .ring = slots };
	uint32_t count = 0, i;

	unit_case("backlog_chain_and_wrap");
	head = frame(7);
	seg = frame(8);
	if (!UNIT_CHECK(head != NULL && seg != NULL))
		return;
	UNIT_EQ(rte_pktmbuf_chain(head, seg), 0);
	UNIT_EQ(backlog_push(&bl, MASK, &count, 100, &head, 1), 1);
	UNIT_EQ(rte_mbuf_refcnt_read(head), 2);
	UNIT_EQ(rte_mbuf_refcnt_read(seg), 2);   /* every segment */
	rte_pktmbuf_free(head);                  /* the forwarder's free */
	UNIT_EQ(rte_mempool_in_use_count(pool), 2);
	UNIT_EQ(backlog_flush(&bl, MASK, &count), 1);
	UNIT_EQ(rte_mempool_in_use_count(pool), 0);

	/* Many times around a ring of 8: order survives the wrap. */
	for (i = 0; i < 100; i++) {
		struct rte_mbuf *m = frame((uint8_t)i);

		UNIT_EQ(backlog_push(&bl, MASK, &count, RING, &m, 1), 1);
		rte_pktmbuf_free(m);
		if (backlog_len(&bl) == 5) {
			UNIT_EQ(backlog_peek(&bl, MASK, out, 3), 3);
			UNIT_EQ(tag_of(out[0]), (uint8_t)(i - 4));
			UNIT_EQ(tag_of(out[2]), (uint8_t)(i - 2));
			rte_pktmbuf_free_bulk(out, 3);
			backlog_release(&bl, &count, 3);
		}
	}
	backlog_flush(&bl, MASK, &count);
	UNIT_EQ(count, 0);
	UNIT_EQ(rte_mempool_in_use_count(pool), 0);
}

static void
test_backlog_unprepared(void)
{
	struct backlog bl = { .ring = NULL };
	struct rte_mbuf *m = frame(1);
	uint32_t count = 0;

	unit_case("backlog_unprepared");
	UNIT_EQ(backlog_push(&bl, MASK, &count, 10, &m, 1), 0);
	UNIT_EQ(count, 0);
	UNIT_EQ(rte_mbuf_refcnt_read(m), 1);
	rte_pktmbuf_free(m);
}

/* One current view; every other one is free or retired. */
static bool
views_accounted(const struct vsw_fwd *f)
{
	return 1 + f->nb_free + f->nb_retired == SNAP_POOL;
}

static struct vsw_fwd *
engine(void)
{
	struct vsw_fwd_params p = {
		.mode = VSW_FWD_XCONNECT,
		.nb_ports = 2,
		.nb_queues = { 1, 1 },
		.nb_pmd = 2,
		.pmd_lcore = { rte_get_next_lcore(-1, 1, 0),
			rte_get_next_lcore(rte_get_next_lcore(-1, 1, 0), 1, 0) },
		.backlog = 64,
		.pool = pool,
		.socket_id = SOCKET_ID_ANY,
	};

	return vsw_fwd_create(&p);
}

static void
test_publish_with_pmd(struct vsw_fwd *f)
{
	struct vsw_pmd_stats st;
	bool ok = true, accounted = true;
	int i;

	unit_case("publish_with_pmd");
	UNIT_EQ(vsw_fwd_port_publish(f, 2, VSW_FWD_RUN, -1), -EINVAL);
	UNIT_EQ(vsw_fwd_port_publish(f, 0, VSW_FWD_PARK + 1, -1), -EINVAL);
	for (i = 0; i < 10000; i++) {
		ok &= vsw_fwd_port_publish(f, (uint16_t)(i & 1),
			(enum vsw_fwd_port_state)(i % 3), i) == 0;
		accounted &= views_accounted(f);
		if (i % 1000 == 999)
			ok &= vsw_fwd_sync(f, 1000000) == 0;
	}
	UNIT_CHECK(ok);
	UNIT_CHECK(accounted);
	UNIT_EQ(vsw_fwd_sync(f, 1000000), 0);
	UNIT_EQ(f->nb_retired, 0);            /* all reclaimed after a sync */
	UNIT_EQ(f->snap->v.port[1].vid, 9999);  /* the last one is current */
	vsw_fwd_pmd_stats(f, 0, &st);
	UNIT_CHECK(st.iterations > 0);        /* the lcore really ran */
}

/* Polls of PMD @p pmd, from the current snapshot. */
static unsigned int
polls(const struct vsw_fwd *f, uint16_t pmd)
{
	return vsw_fwd_pmd_nb_polls(f, pmd);
}

/* Ports come and go; their queues are placed and polled. */
static void
test_ports(struct vsw_fwd *f)
{
	struct vsw_fwd_port_conf two = { .nb_queues = 2,
		.socket_id = SOCKET_ID_ANY };
	struct vsw_fwd_port_conf pinned = { .nb_queues = 3, .pmd_mask = 1,
		.socket_id = SOCKET_ID_ANY };
	struct vsw_fwd_port_conf bad = two;
	struct vsw_fwd_rxq_info info[16];
	uint64_t before, after;
	unsigned int i, n;

	unit_case("ports: initial ports spread over both PMDs");
	UNIT_EQ(polls(f, 0), 1);
	UNIT_EQ(polls(f, 1), 1);
	UNIT_CHECK(vsw_fwd_port_in_use(f, 1) && !vsw_fwd_port_in_use(f, 2));

	unit_case("ports: add, then its queues are polled, one per PMD");
	UNIT_EQ(vsw_fwd_port_add(f, 2, &two), 0);
	UNIT_EQ(polls(f, 0), 2);
	UNIT_EQ(polls(f, 1), 2);
	UNIT_EQ(vsw_fwd_port_add(f, 2, &two), -EEXIST);
	bad.pmd_mask = 1ULL << 2;            /* no PMD 2 */
	UNIT_EQ(vsw_fwd_port_add(f, 3, &bad), -EINVAL);
	bad = two;
	bad.nb_queues = VSW_MAX_QUEUES + 1;
	UNIT_EQ(vsw_fwd_port_add(f, 3, &bad), -EINVAL);
	UNIT_EQ(vsw_fwd_port_add(f, VSW_MAX_PORTS, &two), -EINVAL);
	UNIT_CHECK(!vsw_fwd_port_in_use(f, 3));

	unit_case("ports: pmd= pins every queue");
	UNIT_EQ(vsw_fwd_port_add(f, 3, &pinned), 0);
	UNIT_EQ(polls(f, 0), 5);
	UNIT_EQ(polls(f, 1), 2);
	n = vsw_fwd_rxq_info(f, info, RTE_DIM(info));
	UNIT_EQ(n, 1 + 1 + 2 + 3);
	for (i = 0; i < n; i++)
		if (info[i].port == 3)
			UNIT_EQ(info[i].pmd, 0);

	unit_case("ports: remove; the id can come back");
	UNIT_EQ(vsw_fwd_port_del(f, 2), 0);
	UNIT_EQ(vsw_fwd_port_del(f, 2), -EINVAL);
	UNIT_EQ(polls(f, 0) + polls(f, 1), 1 + 1 + 3);
	UNIT_EQ(vsw_fwd_port_publish(f, 2, VSW_FWD_RUN, 7), -EINVAL);
	UNIT_EQ(vsw_fwd_port_add(f, 2, &two), 0);
	UNIT_EQ(polls(f, 0) + polls(f, 1), 1 + 1 + 3 + 2);

	unit_case("ports: no load measured, nothing worth moving");
	vsw_fwd_load_sample(f);
	UNIT_EQ(vsw_fwd_rebalance(f, 10, &before, &after), 0);
	UNIT_EQ(vsw_fwd_port_numa(f, 2, 0), 0);  /* already on node 0 */
	UNIT_EQ(vsw_fwd_port_del(f, 2), 0);
	UNIT_EQ(vsw_fwd_port_del(f, 3), 0);
	UNIT_EQ(vsw_fwd_sync(f, 1000000), 0);
}

/* A stuck lcore: sync gives up; publish waits instead of failing. */
static void
test_publish_stuck_pmd(struct vsw_fwd *f)
{
	uint64_t hz = rte_get_timer_hz(), t0, ms;
	bool ok = true;
	int i;

	unit_case("publish_stuck_pmd");
	UNIT_EQ(vsw_fwd_debug_stall(f, 0, 300), 0);
	t0 = rte_get_timer_cycles();
	UNIT_EQ(vsw_fwd_sync(f, 20000), -ETIMEDOUT);
	ms = (rte_get_timer_cycles() - t0) * 1000 / hz;
	printf("   a 20 ms sync on a stalled lcore gave up after %u ms\n",
		(unsigned int)ms);
	/* Bounded, with room for a loaded machine's scheduling delays. */
	UNIT_CHECK(ms >= 20 && ms < 1000);
	/* 63 spare views, then the 64th publish must wait for the lcore. */
	t0 = rte_get_timer_cycles();
	for (i = 0; i < SNAP_POOL + 6; i++)
		ok &= vsw_fwd_port_publish(f, 0, VSW_FWD_DOWN, i) == 0;
	ms = (rte_get_timer_cycles() - t0) * 1000 / hz;
	UNIT_CHECK(ok);
	UNIT_CHECK(views_accounted(f));
	printf("   %d publications during a 300 ms stall took %u ms\n",
		SNAP_POOL + 6, (unsigned int)ms);
	UNIT_CHECK(ms >= 150);  /* waited for the stall to end */
	UNIT_EQ(vsw_fwd_sync(f, 1000000), 0);
}

static uint64_t
us_since(uint64_t t0)
{
	return (rte_get_timer_cycles() - t0) * 1000000 / rte_get_timer_hz();
}

/* Sleeping lcores are offline: a grace period does not wait for them. */
static void
test_sleep(struct vsw_fwd *f)
{
	struct vsw_pmd_stats a0, a1, b0, b1;
	uint64_t us[21], t0, idle, sleep;
	unsigned int i, j;

	unit_case("sleep: bound checked");
	UNIT_EQ(vsw_fwd_sleep_max(f), 0);
	UNIT_EQ(vsw_fwd_set_sleep_max(f, VSW_FWD_SLEEP_MAX_US + 1), -EINVAL);
	UNIT_EQ(vsw_fwd_sleep_max(f), 0);

	unit_case("sleep: idle lcores sleep most of the time");
	UNIT_EQ(vsw_fwd_set_sleep_max(f, VSW_FWD_SLEEP_MAX_US), 0);
	rte_delay_us_sleep(100000);	/* they reach the longest sleeps */
	vsw_fwd_pmd_stats(f, 0, &a0);
	vsw_fwd_pmd_stats(f, 1, &b0);
	rte_delay_us_sleep(300000);
	vsw_fwd_pmd_stats(f, 0, &a1);
	vsw_fwd_pmd_stats(f, 1, &b1);
	idle = a1.idle_cycles - a0.idle_cycles + b1.idle_cycles - b0.idle_cycles;
	sleep = a1.sleep_cycles - a0.sleep_cycles +
		b1.sleep_cycles - b0.sleep_cycles;
	printf("   300 ms idle: %" PRIu64 " sleeps, %.1f%% of the time asleep\n",
		a1.sleeps - a0.sleeps + b1.sleeps - b0.sleeps,
		100.0 * (double)sleep / (double)(idle + sleep));
	/* Up to 10 ms each: at least 30 per lcore, each lcore spinning. */
	UNIT_CHECK(a1.sleeps - a0.sleeps >= 10 && b1.sleeps - b0.sleeps >= 10);
	UNIT_CHECK(sleep > 9 * idle);

	unit_case("sleep: a grace period does not wait for a sleeper");
	for (i = 0; i < RTE_DIM(us); i++) {
		rte_delay_us_sleep(3000);
		t0 = rte_get_timer_cycles();
		UNIT_EQ(vsw_fwd_port_publish(f, 0, VSW_FWD_DOWN, (int)i), 0);
		UNIT_EQ(vsw_fwd_sync(f, 1000000), 0);
		us[i] = us_since(t0);
	}
	for (i = 1; i < RTE_DIM(us); i++)	/* insertion sort */
		for (j = i; j > 0 && us[j - 1] > us[j]; j--)
			RTE_SWAP(us[j - 1], us[j]);
	printf("   publish + sync with both lcores asleep (10 ms sleeps): "
		"median %" PRIu64 " us, max %" PRIu64 " us\n",
		us[RTE_DIM(us) / 2], us[RTE_DIM(us) - 1]);
	/* Waiting for a sleeper would take up to 10 ms, 5 ms on average. */
	UNIT_CHECK(us[RTE_DIM(us) / 2] < 1000);

	unit_case("sleep: back to busy polling");
	UNIT_EQ(vsw_fwd_set_sleep_max(f, 0), 0);
	rte_delay_us_sleep(50000);
	vsw_fwd_pmd_stats(f, 0, &a0);
	rte_delay_us_sleep(100000);
	vsw_fwd_pmd_stats(f, 0, &a1);
	UNIT_EQ(a1.sleeps, a0.sleeps);
	UNIT_CHECK(a1.iterations > a0.iterations);
}

int
main(int argc, char **argv)
{
	struct vsw_fwd *f;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	/* Two PMD lcores, both on CPU 1 of a small machine. */
	unit_eal_init_lcores("test_fwd_engine", "0@0,1@1,2@1");
	pool = unit_pool(1023);
	if (!UNIT_CHECK(pool != NULL))
		return unit_finish("test_fwd_engine");
	test_backlog_order_and_bound();
	test_backlog_chain_and_wrap();
	test_backlog_unprepared();

	f = engine();
	if (UNIT_CHECK(f != NULL) && UNIT_EQ(vsw_fwd_start(f), 0)) {
		test_publish_with_pmd(f);
		test_ports(f);
		test_publish_stuck_pmd(f);
		test_sleep(f);
	}
	vsw_fwd_free(f);
	rte_mempool_free(pool);
	return unit_finish("test_fwd_engine");
}
