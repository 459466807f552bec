/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the MAC learning table (lib/mac, vsw_mac.h).
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "vsw_config.h"
#include "vsw_mac.h"
#include "unit.h"
#include "unit_mac.h"

#define NONE VSW_MAC_PORT_NONE

/* Key of the locally administered unicast address 02:00:ii:ii:ii:ii. */
static uint64_t
ua(uint32_t i)
{
	return 0x020000000000ULL | i;
}

/* xorshift64*: a fixed-seed generator so that runs are reproducible. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* A random unicast key. */
static uint64_t
rnd_unicast(uint64_t *s)
{
	return (rnd(s) >> 16) & ~(1ULL << 40);
}

/* Everything a walk saw. */
#define WALK_MAX 4096
struct walk_log {
	unsigned int n;
	struct vsw_mac_entry e[WALK_MAX];
	uint32_t per_port[VSW_MAX_PORTS];
	unsigned int bad_port;   /* entries with port >= VSW_MAX_PORTS */
};

static int
walk_cb(const struct vsw_mac_entry *e, void *arg)
{
	struct walk_log *w = arg;

	if (w->n < WALK_MAX)
		w->e[w->n] = *e;
	w->n++;
	if (e->port < VSW_MAX_PORTS)
		w->per_port[e->port]++;
	else
		w->bad_port++;
	return 0;
}

static struct walk_log walk_buf;

static struct walk_log *
walk_all(const struct vsw_mac_table *t)
{
	memset(&walk_buf, 0, sizeof(walk_buf));
	UNIT_EQ(vsw_mac_walk(t, walk_cb, &walk_buf), 0);
	return &walk_buf;
}

/* The entry of @p mac in the last walk, or NULL. */
static const struct vsw_mac_entry *
walk_find(const struct walk_log *w, uint64_t mac)
{
	unsigned int i;

	for (i = 0; i < w->n && i < WALK_MAX; i++)
		if (vsw_mac_key(&w->e[i].addr) == mac)
			return &w->e[i];
	return NULL;
}

/* Walk and compare with the counters: total and every port. */
static void
check_counts(const struct vsw_mac_table *t, uint16_t nb_ports)
{
	struct walk_log *w = walk_all(t);
	uint32_t sum = 0;
	uint16_t p;

	UNIT_EQ(w->n, vsw_mac_count(t, NONE));
	UNIT_EQ(w->bad_port, 0);
	for (p = 0; p < nb_ports; p++) {
		UNIT_EQ(w->per_port[p], vsw_mac_count(t, p));
		sum += vsw_mac_count(t, p);
	}
	for (; p < VSW_MAX_PORTS; p++)
		UNIT_EQ(w->per_port[p], 0);
	UNIT_EQ(sum, vsw_mac_count(t, NONE));
}

static void
test_create_invalid(void)
{
	static const struct {
		uint32_t capacity, port_limit;
		uint16_t nb_ports;
	} bad[] = {
		{ 0, 16, 4 },
		{ 64, 0, 4 },
		{ 64, 16, 0 },
		{ 64, 16, VSW_MAX_PORTS + 1 },
		{ (1u << 24) + 1, 16, 4 },
	};
	struct vsw_mac_params p = { .socket_id = SOCKET_ID_ANY };
	struct vsw_mac_table *t;
	unsigned int i;

	unit_case("create: invalid parameters");
	rte_errno = 0;
	UNIT_CHECK(vsw_mac_create(NULL) == NULL);
	UNIT_EQ(rte_errno, EINVAL);
	for (i = 0; i < RTE_DIM(bad); i++) {
		p.capacity = bad[i].capacity;
		p.port_limit = bad[i].port_limit;
		p.nb_ports = bad[i].nb_ports;
		rte_errno = 0;
		t = vsw_mac_create(&p);
		if (!UNIT_CHECK(t == NULL))
			vsw_mac_free(t);
		UNIT_EQ(rte_errno, EINVAL);
	}
	/* The largest valid port count works. */
	p.capacity = 8;
	p.port_limit = 8;
	p.nb_ports = VSW_MAX_PORTS;
	t = vsw_mac_create(&p);
	UNIT_CHECK(t != NULL);
	if (t != NULL) {
		UNIT_EQ(vsw_mac_learn(t, ua(1), VSW_MAX_PORTS - 1, 1),
			VSW_MAC_LEARN_NEW);
		UNIT_EQ(vsw_mac_lookup(t, ua(1)), VSW_MAX_PORTS - 1);
	}
	vsw_mac_free(t);
	vsw_mac_free(NULL);
}

static void
test_key(void)
{
	struct rte_ether_addr a = unit_mac(0x01, 0x23, 0x45, 0x67, 0x89, 0xab);
	struct rte_ether_addr b = unit_mac(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

	unit_case("key: byte order");
	UNIT_EQ_HEX(vsw_mac_key(&a), 0x0123456789abULL);
	UNIT_EQ_HEX(vsw_mac_key(&b), 0xffffffffffffULL);
}

static void
test_learn_lookup(void)
{
	struct vsw_mac_table *t = unit_mac_table(64, 64, 4);
	struct rte_ether_addr a = unit_mac(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
	uint64_t ka = vsw_mac_key(&a);

	unit_case("learn + lookup: NEW, HIT");
	UNIT_EQ(vsw_mac_count(t, NONE), 0);
	UNIT_EQ(vsw_mac_lookup(t, ka), NONE);
	UNIT_EQ(vsw_mac_learn(t, ka, 1, 10), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_lookup(t, ka), 1);
	UNIT_EQ(vsw_mac_learn(t, ka, 1, 10), VSW_MAC_LEARN_HIT);
	UNIT_EQ(vsw_mac_learn(t, ka, 1, 11), VSW_MAC_LEARN_HIT);
	UNIT_EQ(vsw_mac_count(t, NONE), 1);
	UNIT_EQ(vsw_mac_count(t, 1), 1);
	UNIT_EQ(vsw_mac_count(t, 0), 0);
	UNIT_EQ(vsw_mac_count(t, 4), 0);     /* beyond nb_ports */

	UNIT_EQ(vsw_mac_learn(t, ua(2), 2, 10), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_lookup(t, ua(2)), 2);
	UNIT_EQ(vsw_mac_lookup(t, ka), 1);
	/* Neighbour addresses are distinct keys. */
	UNIT_EQ(vsw_mac_lookup(t, ua(3)), NONE);
	UNIT_EQ(vsw_mac_lookup(t, ka ^ 1), NONE);

	/* The all-zero address is a unicast address like any other. */
	UNIT_EQ(vsw_mac_lookup(t, 0), NONE);
	UNIT_EQ(vsw_mac_learn(t, 0, 3, 10), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_lookup(t, 0), 3);
	UNIT_EQ(vsw_mac_learn(t, 0, 3, 10), VSW_MAC_LEARN_HIT);
	/* And port 0 is a port like any other. */
	UNIT_EQ(vsw_mac_learn(t, ua(4), 0, 10), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_lookup(t, ua(4)), 0);

	UNIT_EQ(vsw_mac_count(t, NONE), 4);
	check_counts(t, 4);
	vsw_mac_free(t);
}

static void
test_group_ignored(void)
{
	static const uint64_t group[] = {
		0xffffffffffffULL,  /* broadcast */
		0x01005e000001ULL,  /* IPv4 multicast */
		0x333300000001ULL,  /* IPv6 multicast */
		0x0180c2000000ULL,  /* STP */
		0x030000000000ULL,  /* I/G set, U/L set */
		0x010000000000ULL,  /* I/G only */
	};
	struct vsw_mac_table *t = unit_mac_table(64, 64, 4);
	unsigned int i;

	unit_case("learn: group sources are ignored");
	for (i = 0; i < RTE_DIM(group); i++) {
		UNIT_EQ(vsw_mac_learn(t, group[i], 1, 5),
			VSW_MAC_LEARN_IGNORED);
		UNIT_EQ(vsw_mac_lookup(t, group[i]), NONE);
	}
	UNIT_EQ(vsw_mac_count(t, NONE), 0);
	UNIT_EQ(vsw_mac_count(t, 1), 0);
	UNIT_EQ(walk_all(t)->n, 0);
	/* The U/L bit alone does not make a group address. */
	UNIT_EQ(vsw_mac_learn(t, 0x020000000000ULL, 1, 5), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_count(t, NONE), 1);
	vsw_mac_free(t);
}

static void
test_move(void)
{
	struct vsw_mac_table *t = unit_mac_table(64, 64, 4);
	const struct vsw_mac_entry *e;

	unit_case("learn: station moves to another port");
	UNIT_EQ(vsw_mac_learn(t, ua(1), 0, 10), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(2), 0, 10), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_count(t, 0), 2);

	UNIT_EQ(vsw_mac_learn(t, ua(1), 3, 20), VSW_MAC_LEARN_MOVED);
	UNIT_EQ(vsw_mac_lookup(t, ua(1)), 3);
	UNIT_EQ(vsw_mac_lookup(t, ua(2)), 0);
	UNIT_EQ(vsw_mac_count(t, 0), 1);
	UNIT_EQ(vsw_mac_count(t, 3), 1);
	UNIT_EQ(vsw_mac_count(t, NONE), 2);
	UNIT_EQ(vsw_mac_learn(t, ua(1), 3, 21), VSW_MAC_LEARN_HIT);
	e = walk_find(walk_all(t), ua(1));
	if (UNIT_CHECK(e != NULL)) {
		UNIT_EQ(e->port, 3);
		UNIT_EQ(e->last_seen, 21);
	}
	/* The old port's copy is gone, not duplicated. */
	UNIT_EQ(walk_all(t)->n, 2);

	/* And back: the move refreshes the time too. */
	UNIT_EQ(vsw_mac_learn(t, ua(1), 0, 30), VSW_MAC_LEARN_MOVED);
	UNIT_EQ(vsw_mac_lookup(t, ua(1)), 0);
	UNIT_EQ(vsw_mac_count(t, 0), 2);
	UNIT_EQ(vsw_mac_count(t, 3), 0);
	e = walk_find(walk_all(t), ua(1));
	if (UNIT_CHECK(e != NULL)) {
		UNIT_EQ(e->port, 0);
		UNIT_EQ(e->last_seen, 30);
	}
	/* Flushing the port it left does not touch it. */
	UNIT_EQ(vsw_mac_flush_port(t, 3), 0);
	UNIT_EQ(vsw_mac_lookup(t, ua(1)), 0);
	check_counts(t, 4);
	vsw_mac_free(t);
}

static void
test_age(void)
{
	struct vsw_mac_table *t = unit_mac_table(64, 64, 4);
	const struct vsw_mac_entry *e;

	unit_case("age: idle entries leave, fresh ones stay");
	UNIT_EQ(vsw_mac_learn(t, ua(1), 0, 100), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(2), 1, 100), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(3), 0, 105), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(4), 2, 100), VSW_MAC_LEARN_NEW);
	/* A HIT refreshes the time. */
	UNIT_EQ(vsw_mac_learn(t, ua(4), 2, 108), VSW_MAC_LEARN_HIT);
	e = walk_find(walk_all(t), ua(4));
	if (UNIT_CHECK(e != NULL))
		UNIT_EQ(e->last_seen, 108);

	/* Idle exactly max_idle is not "more than" max_idle. */
	UNIT_EQ(vsw_mac_age(t, 110, 10, NULL), 0);
	UNIT_EQ(vsw_mac_count(t, NONE), 4);

	UNIT_EQ(vsw_mac_age(t, 111, 10, NULL), 2);
	UNIT_EQ(vsw_mac_lookup(t, ua(1)), NONE);
	UNIT_EQ(vsw_mac_lookup(t, ua(2)), NONE);
	UNIT_EQ(vsw_mac_lookup(t, ua(3)), 0);
	UNIT_EQ(vsw_mac_lookup(t, ua(4)), 2);
	UNIT_EQ(vsw_mac_count(t, NONE), 2);
	UNIT_EQ(vsw_mac_count(t, 0), 1);
	UNIT_EQ(vsw_mac_count(t, 1), 0);
	UNIT_EQ(vsw_mac_count(t, 2), 1);
	check_counts(t, 4);

	/* Ageing again at the same time removes nothing more. */
	UNIT_EQ(vsw_mac_age(t, 111, 10, NULL), 0);
	UNIT_EQ(vsw_mac_age(t, 116, 10, NULL), 1);  /* ua(3), seen at 105 */
	UNIT_EQ(vsw_mac_lookup(t, ua(3)), NONE);
	UNIT_EQ(vsw_mac_lookup(t, ua(4)), 2);
	UNIT_EQ(vsw_mac_age(t, 119, 10, NULL), 1);  /* ua(4), seen at 108 */
	UNIT_EQ(vsw_mac_count(t, NONE), 0);
	check_counts(t, 4);

	/* An aged-out station is learned again as new. */
	UNIT_EQ(vsw_mac_learn(t, ua(1), 1, 120), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_lookup(t, ua(1)), 1);
	/* max_idle 0: anything not seen this second goes. */
	UNIT_EQ(vsw_mac_age(t, 120, 0, NULL), 0);
	UNIT_EQ(vsw_mac_age(t, 121, 0, NULL), 1);
	vsw_mac_free(t);
}

static void
test_age_keep(void)
{
	struct vsw_mac_table *t = unit_mac_table(64, 64, 4);
	const struct vsw_mac_entry *e;
	struct walk_log *w;
	uint64_t keep[1];
	unsigned int i;

	unit_case("age: ports in the keep mask keep their entries");
	UNIT_EQ(vsw_mac_learn(t, ua(1), 0, 100), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(2), 2, 100), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(3), 2, 90), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(4), 3, 100), VSW_MAC_LEARN_NEW);

	/* Keep port 2 and port 63 (no entries; a high bit must be harmless). */
	keep[0] = (1ULL << 2) | (1ULL << 63);
	UNIT_EQ(vsw_mac_age(t, 200, 10, keep), 2);
	UNIT_EQ(vsw_mac_lookup(t, ua(1)), NONE);
	UNIT_EQ(vsw_mac_lookup(t, ua(4)), NONE);
	UNIT_EQ(vsw_mac_lookup(t, ua(2)), 2);
	UNIT_EQ(vsw_mac_lookup(t, ua(3)), 2);
	UNIT_EQ(vsw_mac_count(t, 2), 2);
	UNIT_EQ(vsw_mac_count(t, NONE), 2);
	/* Their time is now the ager's time. */
	w = walk_all(t);
	UNIT_EQ(w->n, 2);
	for (i = 0; i < w->n; i++)
		UNIT_EQ(w->e[i].last_seen, 200);

	/* So once the port is no longer kept they get a full ageing period. */
	UNIT_EQ(vsw_mac_age(t, 205, 10, NULL), 0);
	UNIT_EQ(vsw_mac_age(t, 210, 10, NULL), 0);
	UNIT_EQ(vsw_mac_count(t, 2), 2);
	UNIT_EQ(vsw_mac_learn(t, ua(2), 2, 209), VSW_MAC_LEARN_HIT);
	UNIT_EQ(vsw_mac_age(t, 211, 10, NULL), 1);  /* ua(3) */
	UNIT_EQ(vsw_mac_lookup(t, ua(3)), NONE);
	e = walk_find(walk_all(t), ua(2));
	if (UNIT_CHECK(e != NULL))
		UNIT_EQ(e->last_seen, 209);
	UNIT_EQ(vsw_mac_age(t, 220, 10, NULL), 1);
	UNIT_EQ(vsw_mac_count(t, NONE), 0);
	check_counts(t, 4);
	vsw_mac_free(t);
}

static void
test_age_clock_skew(void)
{
	struct vsw_mac_table *t = unit_mac_table(64, 64, 4);

	unit_case("age: a learner clock ahead of the ager's evicts nothing");
	UNIT_EQ(vsw_mac_learn(t, ua(1), 1, 1000), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(2), 1, 1002), VSW_MAC_LEARN_NEW);
	/* The ager is behind both learners. */
	UNIT_EQ(vsw_mac_age(t, 998, 10, NULL), 0);
	UNIT_EQ(vsw_mac_age(t, 998, 0, NULL), 0);
	UNIT_EQ(vsw_mac_age(t, 1001, 0, NULL), 1);   /* ua(1) is 1 s idle */
	UNIT_EQ(vsw_mac_lookup(t, ua(1)), NONE);
	UNIT_EQ(vsw_mac_lookup(t, ua(2)), 1);
	UNIT_EQ(vsw_mac_age(t, 1012, 10, NULL), 0);
	UNIT_EQ(vsw_mac_age(t, 1013, 10, NULL), 1);

	/* The same holds across the wrap of the 32-bit seconds counter. */
	UNIT_EQ(vsw_mac_learn(t, ua(3), 2, UINT32_MAX - 1), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_age(t, UINT32_MAX - 3, 5, NULL), 0);  /* ager behind */
	UNIT_EQ(vsw_mac_age(t, 3, 5, NULL), 0);   /* 5 s idle: stays */
	UNIT_EQ(vsw_mac_lookup(t, ua(3)), 2);
	UNIT_EQ(vsw_mac_age(t, 4, 5, NULL), 1);   /* 6 s idle: goes */
	UNIT_EQ(vsw_mac_count(t, NONE), 0);
	vsw_mac_free(t);
}

static void
test_capacity(void)
{
	const uint32_t cap = 100;
	struct vsw_mac_table *t = unit_mac_table(cap, cap, 2);
	uint32_t i, learned = 0, bucket_full = 0, first_rejected = 0;
	uint64_t learned_key[100];
	int r;

	unit_case("capacity: TABLE_FULL at capacity entries");
	for (i = 1; i < 100000 && learned < cap; i++) {
		r = vsw_mac_learn(t, ua(i), (uint16_t)(i & 1), 1);
		if (r == VSW_MAC_LEARN_NEW) {
			learned_key[learned++] = ua(i);
		} else {
			/* Below capacity, only a full bucket refuses. */
			UNIT_EQ(r, VSW_MAC_LEARN_TABLE_FULL);
			bucket_full++;
		}
		UNIT_EQ(vsw_mac_count(t, NONE), learned);
	}
	UNIT_EQ(learned, cap);
	UNIT_EQ(vsw_mac_count(t, NONE), cap);
	/* Now every new address is refused, whatever its bucket. */
	for (first_rejected = i; i < first_rejected + 200; i++) {
		UNIT_EQ(vsw_mac_learn(t, ua(i), (uint16_t)(i & 1), 2),
			VSW_MAC_LEARN_TABLE_FULL);
		UNIT_EQ(vsw_mac_lookup(t, ua(i)), NONE);
	}
	UNIT_EQ(vsw_mac_count(t, NONE), cap);
	/* Known stations still hit, and can still move: no slot needed. */
	for (i = 0; i < cap; i++)
		UNIT_EQ(vsw_mac_learn(t, learned_key[i],
			vsw_mac_lookup(t, learned_key[i]), 3),
			VSW_MAC_LEARN_HIT);
	UNIT_EQ(vsw_mac_learn(t, learned_key[0],
		vsw_mac_lookup(t, learned_key[0]) ^ 1, 3),
		VSW_MAC_LEARN_MOVED);
	UNIT_EQ(vsw_mac_count(t, NONE), cap);
	check_counts(t, 2);

	/* Room again after a flush. */
	r = (int)vsw_mac_count(t, 1);
	UNIT_EQ(vsw_mac_flush_port(t, 1), r);
	UNIT_EQ(vsw_mac_count(t, NONE), cap - r);
	UNIT_EQ(vsw_mac_learn(t, ua(first_rejected), 0, 4), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_lookup(t, ua(first_rejected)), 0);
	check_counts(t, 2);
	printf("   (%u refusals from full buckets before capacity)\n",
		bucket_full);
	vsw_mac_free(t);
}

/*
 * A full bucket refuses an address while the table has room. Which
 * addresses share a bucket is the table's business, so look for it the
 * way traffic would find it: random addresses into small tables until one
 * is refused below capacity.
 */
static void
test_bucket_full(void)
{
	/* The table has at least 64 buckets: 512 slots, 2 per entry. */
	const uint32_t cap = 256;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int trial, i, found = 0;

	unit_case("capacity: a full bucket refuses below capacity");
	for (trial = 0; trial < 2000 && !found; trial++) {
		struct vsw_mac_table *t = unit_mac_table(cap, cap, 1);
		uint64_t k = 0;
		uint32_t before;
		int r = VSW_MAC_LEARN_NEW;

		for (i = 0; i < 2 * cap; i++) {
			k = rnd_unicast(&seed);
			r = vsw_mac_learn(t, k, 0, 1);
			if (r == VSW_MAC_LEARN_TABLE_FULL)
				break;
		}
		UNIT_EQ(r, VSW_MAC_LEARN_TABLE_FULL);
		before = vsw_mac_count(t, NONE);
		if (before < cap) {
			found = 1;
			UNIT_EQ(vsw_mac_lookup(t, k), NONE);
			/* Still full: refused again, nothing counted. */
			UNIT_EQ(vsw_mac_learn(t, k, 0, 2),
				VSW_MAC_LEARN_TABLE_FULL);
			UNIT_EQ(vsw_mac_count(t, NONE), before);
			UNIT_EQ(vsw_mac_count(t, 0), before);
			/* Not fatal: other buckets still take addresses. */
			for (i = 0; i < 1000; i++) {
				r = vsw_mac_learn(t, rnd_unicast(&seed), 0, 2);
				if (r == VSW_MAC_LEARN_NEW)
					break;
				UNIT_EQ(r, VSW_MAC_LEARN_TABLE_FULL);
			}
			UNIT_EQ(r, VSW_MAC_LEARN_NEW);
			UNIT_EQ(vsw_mac_count(t, NONE), before + 1);
			check_counts(t, 1);
		}
		vsw_mac_free(t);
	}
	UNIT_CHECK(found);
	printf("   (found after %u tables)\n", trial);
}

static void
test_port_limit(void)
{
	struct vsw_mac_table *t = unit_mac_table(64, 3, 4);
	uint32_t i;

	unit_case("port limit: PORT_LIMIT, other ports unaffected");
	for (i = 1; i <= 3; i++)
		UNIT_EQ(vsw_mac_learn(t, ua(i), 1, 1), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(4), 1, 1), VSW_MAC_LEARN_PORT_LIMIT);
	UNIT_EQ(vsw_mac_lookup(t, ua(4)), NONE);
	UNIT_EQ(vsw_mac_count(t, 1), 3);
	UNIT_EQ(vsw_mac_count(t, NONE), 3);
	/* Known stations on the full port still hit. */
	for (i = 1; i <= 3; i++)
		UNIT_EQ(vsw_mac_learn(t, ua(i), 1, 2), VSW_MAC_LEARN_HIT);
	/* Other ports are unaffected. */
	UNIT_EQ(vsw_mac_learn(t, ua(10), 2, 1), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(11), 2, 1), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_learn(t, ua(12), 0, 1), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_count(t, 2), 2);
	UNIT_EQ(vsw_mac_count(t, NONE), 6);

	unit_case("port limit: a move into a full port forgets the station");
	UNIT_EQ(vsw_mac_learn(t, ua(10), 1, 3), VSW_MAC_LEARN_PORT_LIMIT);
	/* Not left pointing at the port it left: frames to it flood. */
	UNIT_EQ(vsw_mac_lookup(t, ua(10)), NONE);
	UNIT_EQ(vsw_mac_count(t, 2), 1);
	UNIT_EQ(vsw_mac_count(t, 1), 3);
	UNIT_EQ(vsw_mac_count(t, NONE), 5);
	UNIT_EQ(vsw_mac_lookup(t, ua(11)), 2);
	check_counts(t, 4);
	/* Once the port has room the station is learned there. */
	UNIT_EQ(vsw_mac_flush_port(t, 1), 3);
	UNIT_EQ(vsw_mac_learn(t, ua(10), 1, 4), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_lookup(t, ua(10)), 1);
	/* A move into a port with room is a plain move. */
	UNIT_EQ(vsw_mac_learn(t, ua(11), 1, 4), VSW_MAC_LEARN_MOVED);
	UNIT_EQ(vsw_mac_count(t, 1), 2);
	UNIT_EQ(vsw_mac_count(t, 2), 0);
	check_counts(t, 4);
	vsw_mac_free(t);
}

static void
test_flush(void)
{
	struct vsw_mac_table *t = unit_mac_table(256, 256, 4);
	uint32_t i;

	unit_case("flush_port: removes one port's entries only");
	for (i = 0; i < 10; i++)
		UNIT_EQ(vsw_mac_learn(t, ua(100 + i), 0, 1), VSW_MAC_LEARN_NEW);
	for (i = 0; i < 5; i++)
		UNIT_EQ(vsw_mac_learn(t, ua(200 + i), 1, 1), VSW_MAC_LEARN_NEW);
	for (i = 0; i < 3; i++)
		UNIT_EQ(vsw_mac_learn(t, ua(300 + i), 2, 1), VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_count(t, NONE), 18);

	UNIT_EQ(vsw_mac_flush_port(t, 1), 5);
	for (i = 0; i < 5; i++)
		UNIT_EQ(vsw_mac_lookup(t, ua(200 + i)), NONE);
	for (i = 0; i < 10; i++)
		UNIT_EQ(vsw_mac_lookup(t, ua(100 + i)), 0);
	for (i = 0; i < 3; i++)
		UNIT_EQ(vsw_mac_lookup(t, ua(300 + i)), 2);
	UNIT_EQ(vsw_mac_count(t, 1), 0);
	UNIT_EQ(vsw_mac_count(t, 0), 10);
	UNIT_EQ(vsw_mac_count(t, 2), 3);
	UNIT_EQ(vsw_mac_count(t, NONE), 13);
	UNIT_EQ(vsw_mac_flush_port(t, 1), 0);
	UNIT_EQ(vsw_mac_flush_port(t, 3), 0);
	UNIT_EQ(vsw_mac_flush_port(t, NONE), 0);
	UNIT_EQ(vsw_mac_count(t, NONE), 13);
	check_counts(t, 4);
	UNIT_EQ(vsw_mac_flush_port(t, 0), 10);
	UNIT_EQ(vsw_mac_flush_port(t, 2), 3);
	UNIT_EQ(vsw_mac_count(t, NONE), 0);
	UNIT_EQ(walk_all(t)->n, 0);
	vsw_mac_free(t);
}

struct stop_arg {
	unsigned int calls;
	unsigned int stop_at;
};

static int
stop_cb(const struct vsw_mac_entry *e, void *arg)
{
	struct stop_arg *s = arg;

	RTE_SET_USED(e);
	return ++s->calls == s->stop_at ? 7 : 0;
}

static void
test_walk(void)
{
	struct vsw_mac_table *t = unit_mac_table(64, 64, 8);
	struct stop_arg s = { 0, 0 };
	const struct vsw_mac_entry *e;
	struct walk_log *w;
	uint32_t i;

	unit_case("walk: every entry once, with its address, port, time");
	UNIT_EQ(vsw_mac_walk(t, stop_cb, &s), 0);
	UNIT_EQ(s.calls, 0);
	for (i = 0; i < 20; i++)
		UNIT_EQ(vsw_mac_learn(t, 0x5254000000aaULL + (i << 8),
			(uint16_t)(i % 8), 1000 + i), VSW_MAC_LEARN_NEW);
	w = walk_all(t);
	UNIT_EQ(w->n, 20);
	for (i = 0; i < 20; i++) {
		const struct rte_ether_addr want = unit_mac(0x52, 0x54, 0, 0,
			(uint8_t)i, 0xaa);

		e = walk_find(w, 0x5254000000aaULL + (i << 8));
		if (!UNIT_CHECK(e != NULL))
			continue;
		UNIT_CHECK(rte_is_same_ether_addr(&e->addr, &want));
		UNIT_EQ(e->port, i % 8);
		UNIT_EQ(e->last_seen, 1000 + i);
	}
	check_counts(t, 8);

	/* A non-zero return stops the walk and is passed on. */
	s.stop_at = 3;
	UNIT_EQ(vsw_mac_walk(t, stop_cb, &s), 7);
	UNIT_EQ(s.calls, 3);
	vsw_mac_free(t);
}

/*
 * Random single-threaded operations against a reference model: every
 * result must be one the model allows, and counters must match the model
 * exactly after every step.
 */
#define MODEL_ADDRS 300
#define MODEL_PORTS 6
static void
test_model(void)
{
	const uint32_t cap = 128, limit = 30;
	struct vsw_mac_table *t = unit_mac_table(cap, limit, MODEL_PORTS);
	uint16_t port[MODEL_ADDRS];     /* NONE if not in the table */
	uint32_t seen[MODEL_ADDRS];
	uint32_t pc[MODEL_PORTS] = { 0 }, total = 0, now = 1000;
	unsigned int res[VSW_MAC_LEARN_PORT_LIMIT + 1] = { 0 };
	uint64_t seed = 12345;
	unsigned int step, a, bad = 0;
	uint16_t p;
	int r;

	unit_case("model: random learn/age/flush against a reference");
	for (a = 0; a < MODEL_ADDRS; a++)
		port[a] = NONE;
	for (step = 0; step < 20000; step++) {
		uint64_t x = rnd(&seed);
		unsigned int op = x % 100;

		if (op < 85) {
			a = (x >> 8) % MODEL_ADDRS;
			p = (uint16_t)((x >> 24) % MODEL_PORTS);
			r = vsw_mac_learn(t, ua(a), p, now);
			if (r >= 0 && r <= VSW_MAC_LEARN_PORT_LIMIT)
				res[r]++;
			if (port[a] == p) {
				bad += !UNIT_EQ(r, VSW_MAC_LEARN_HIT);
				seen[a] = now;
			} else if (port[a] != NONE) {
				if (pc[p] < limit) {
					bad += !UNIT_EQ(r, VSW_MAC_LEARN_MOVED);
					pc[port[a]]--;
					pc[p]++;
					port[a] = p;
					seen[a] = now;
				} else {
					bad += !UNIT_EQ(r,
						VSW_MAC_LEARN_PORT_LIMIT);
					pc[port[a]]--;
					total--;
					port[a] = NONE;
				}
			} else if (total == cap) {
				bad += !UNIT_EQ(r, VSW_MAC_LEARN_TABLE_FULL);
			} else if (r == VSW_MAC_LEARN_NEW) {
				bad += !UNIT_CHECK(pc[p] < limit);
				pc[p]++;
				total++;
				port[a] = p;
				seen[a] = now;
			} else if (r == VSW_MAC_LEARN_PORT_LIMIT) {
				bad += !UNIT_EQ(pc[p], limit);
			} else {
				/* Only a full bucket can refuse here. */
				bad += !UNIT_EQ(r, VSW_MAC_LEARN_TABLE_FULL);
			}
		} else if (op < 95) {
			uint32_t max_idle = 2 + (x >> 8) % 6;
			uint64_t keep = (x >> 16) & 3 ? 0 : 1ULL << ((x >> 20) %
				MODEL_PORTS);
			uint32_t want = 0;

			for (a = 0; a < MODEL_ADDRS; a++) {
				if (port[a] == NONE)
					continue;
				if (keep & (1ULL << port[a])) {
					seen[a] = now;
				} else if ((int32_t)(now - seen[a]) >
						(int32_t)max_idle) {
					pc[port[a]]--;
					total--;
					port[a] = NONE;
					want++;
				}
			}
			bad += !UNIT_EQ(vsw_mac_age(t, now, max_idle, &keep),
				want);
		} else if (op < 97) {
			uint32_t want = 0;

			p = (uint16_t)((x >> 8) % MODEL_PORTS);
			for (a = 0; a < MODEL_ADDRS; a++) {
				if (port[a] == p) {
					port[a] = NONE;
					want++;
				}
			}
			total -= want;
			pc[p] -= want;
			bad += !UNIT_EQ(vsw_mac_flush_port(t, p), want);
		} else {
			now++;
		}
		bad += !UNIT_EQ(vsw_mac_count(t, NONE), total);
		for (p = 0; p < MODEL_PORTS; p++)
			bad += !UNIT_EQ(vsw_mac_count(t, p), pc[p]);
		if (step % 500 == 0 || bad != 0) {
			for (a = 0; a < MODEL_ADDRS; a++)
				bad += !UNIT_EQ(vsw_mac_lookup(t, ua(a)),
					port[a]);
			check_counts(t, MODEL_PORTS);
		}
		if (bad != 0) {
			fprintf(stderr, "model diverged at step %u\n", step);
			break;
		}
	}
	printf("   (hit %u new %u moved %u table_full %u port_limit %u)\n",
		res[VSW_MAC_LEARN_HIT], res[VSW_MAC_LEARN_NEW],
		res[VSW_MAC_LEARN_MOVED], res[VSW_MAC_LEARN_TABLE_FULL],
		res[VSW_MAC_LEARN_PORT_LIMIT]);
	/* The run must have exercised every outcome. */
	UNIT_CHECK(res[VSW_MAC_LEARN_HIT] > 0);
	UNIT_CHECK(res[VSW_MAC_LEARN_NEW] > 0);
	UNIT_CHECK(res[VSW_MAC_LEARN_MOVED] > 0);
	UNIT_CHECK(res[VSW_MAC_LEARN_TABLE_FULL] > 0);
	UNIT_CHECK(res[VSW_MAC_LEARN_PORT_LIMIT] > 0);
	vsw_mac_free(t);
}

/*
 * Concurrency: two learners on overlapping address sets, one ager and
 * flusher, for about a second. Address i may only ever be on port i % 4
 * (learner 0) or 4 + i % 4 (learner 1).
 */
#define CC_ADDRS 192
#define CC_PORTS 8
#define CC_CAP 128
#define CC_LIMIT 24

struct cc_shared {
	struct vsw_mac_table *t;
	uint32_t clock;
	uint32_t stop;
	uint32_t bad_lookup;      /* lookups that returned a foreign port */
	uint32_t bad_result;      /* learn results out of range */
	uint64_t res[2][VSW_MAC_LEARN_PORT_LIMIT + 1];
	uint64_t lookups[2];
	uint64_t progress[2];     /* learns done, read while running */
	uint64_t aged, flushed, rounds;
};

static uint64_t
cc_allowed(uint32_t i)
{
	return (1ULL << (i % 4)) | (1ULL << (4 + i % 4));
}

static bool
cc_lookup_ok(uint32_t i, uint16_t port)
{
	return port == NONE || (port < CC_PORTS &&
		(cc_allowed(i) & (1ULL << port)) != 0);
}

struct cc_learner {
	struct cc_shared *s;
	unsigned int id;
};

static void *
cc_learn_main(void *arg)
{
	struct cc_learner *l = arg;
	struct cc_shared *s = l->s;
	uint64_t seed = 0x1234567ULL + l->id;
	uint64_t n = 0;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		uint64_t x = rnd(&seed);
		/* Learner 0 works on 0..127, learner 1 on 64..191. */
		uint32_t i = (uint32_t)(x % 128) + 64 * l->id;
		uint16_t port = (uint16_t)(4 * l->id + i % 4);
		/* Learner 1's clock runs a second ahead of the ager's. */
		uint32_t now = __atomic_load_n(&s->clock, __ATOMIC_RELAXED) +
			l->id;
		int r = vsw_mac_learn(s->t, ua(i), port, now);
		uint32_t j;

		if (r >= 0 && r <= VSW_MAC_LEARN_PORT_LIMIT &&
				r != VSW_MAC_LEARN_IGNORED)
			s->res[l->id][r]++;
		else
			__atomic_fetch_add(&s->bad_result, 1, __ATOMIC_RELAXED);
		/* Look up a few addresses of the whole set. */
		for (j = 0; j < 4; j++) {
			uint32_t k = (uint32_t)((x >> (16 + 8 * j)) %
				CC_ADDRS);

			if (!cc_lookup_ok(k, vsw_mac_lookup(s->t, ua(k))))
				__atomic_fetch_add(&s->bad_lookup, 1,
					__ATOMIC_RELAXED);
			s->lookups[l->id]++;
		}
		__atomic_store_n(&s->progress[l->id], ++n, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *
cc_age_main(void *arg)
{
	struct cc_shared *s = arg;
	uint64_t seed = 99;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		uint64_t x = rnd(&seed);
		uint32_t now = __atomic_add_fetch(&s->clock, 1,
			__ATOMIC_RELAXED);
		uint64_t keep = (x & 1) ? 1ULL << ((x >> 8) % CC_PORTS) : 0;
		uint16_t p;

		s->aged += vsw_mac_age(s->t, now, 2, &keep);
		if ((x >> 4) % 8 == 0)
			s->flushed += vsw_mac_flush_port(s->t,
				(uint16_t)((x >> 12) % CC_PORTS));
		/* Counters may be read concurrently; they stay bounded. */
		if (vsw_mac_count(s->t, NONE) > CC_CAP)
			__atomic_fetch_add(&s->bad_result, 1, __ATOMIC_RELAXED);
		for (p = 0; p < CC_PORTS; p++)
			if (vsw_mac_count(s->t, p) > CC_LIMIT)
				__atomic_fetch_add(&s->bad_result, 1,
					__ATOMIC_RELAXED);
		__atomic_store_n(&s->rounds, s->rounds + 1, __ATOMIC_RELAXED);
		usleep(200);
	}
	return NULL;
}

static void
test_concurrent(void)
{
	static struct cc_shared s;
	struct cc_learner l[2];
	pthread_t th[3];
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	struct walk_log *w;
	unsigned int i, id;
	uint16_t p;

	unit_case("concurrency: 2 learners + ager/flusher for ~1 s");
	memset(&s, 0, sizeof(s));
	s.t = unit_mac_table(CC_CAP, CC_LIMIT, CC_PORTS);
	s.clock = 1000;
	for (i = 0; i < 2; i++) {
		l[i].s = &s;
		l[i].id = i;
		if (pthread_create(&th[i], NULL, cc_learn_main, &l[i]) != 0) {
			UNIT_CHECK(!"pthread_create");
			exit(2);
		}
	}
	if (pthread_create(&th[2], NULL, cc_age_main, &s) != 0) {
		UNIT_CHECK(!"pthread_create");
		exit(2);
	}
	/*
	 * About a second; longer (up to 10 s) only if a loaded machine kept
	 * some thread from doing a fair share of work.
	 */
	for (i = 0; i < 100; i++) {
		nanosleep(&ts, NULL);
		if (i >= 9 &&
		    __atomic_load_n(&s.progress[0], __ATOMIC_RELAXED) > 10000 &&
		    __atomic_load_n(&s.progress[1], __ATOMIC_RELAXED) > 10000 &&
		    __atomic_load_n(&s.rounds, __ATOMIC_RELAXED) > 100)
			break;
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);

	for (id = 0; id < 2; id++)
		printf("   learner %u: hit %" PRIu64 " new %" PRIu64
			" moved %" PRIu64 " full %" PRIu64 " limit %" PRIu64
			" lookups %" PRIu64 "\n", id,
			s.res[id][VSW_MAC_LEARN_HIT],
			s.res[id][VSW_MAC_LEARN_NEW],
			s.res[id][VSW_MAC_LEARN_MOVED],
			s.res[id][VSW_MAC_LEARN_TABLE_FULL],
			s.res[id][VSW_MAC_LEARN_PORT_LIMIT], s.lookups[id]);
	printf("   ager: %" PRIu64 " rounds, %" PRIu64 " aged, %" PRIu64
		" flushed\n", s.rounds, s.aged, s.flushed);

	UNIT_EQ(s.bad_lookup, 0);
	UNIT_EQ(s.bad_result, 0);
	/* The run did something on every side. */
	for (id = 0; id < 2; id++) {
		UNIT_CHECK(s.res[id][VSW_MAC_LEARN_NEW] > 0);
		UNIT_CHECK(s.res[id][VSW_MAC_LEARN_HIT] > 0);
		UNIT_CHECK(s.res[id][VSW_MAC_LEARN_MOVED] > 0);
	}
	UNIT_CHECK(s.rounds > 0);
	UNIT_CHECK(s.aged + s.flushed > 0);

	/* Quiescent now: the walk must agree with every counter. */
	check_counts(s.t, CC_PORTS);
	UNIT_CHECK(vsw_mac_count(s.t, NONE) <= CC_CAP);
	for (p = 0; p < CC_PORTS; p++)
		UNIT_CHECK(vsw_mac_count(s.t, p) <= CC_LIMIT);
	w = walk_all(s.t);
	for (i = 0; i < w->n && i < WALK_MAX; i++) {
		uint64_t k = vsw_mac_key(&w->e[i].addr);
		uint32_t a = (uint32_t)(k - ua(0));

		if (!UNIT_CHECK(k >= ua(0) && a < CC_ADDRS))
			continue;
		UNIT_CHECK(cc_lookup_ok(a, w->e[i].port));
		UNIT_CHECK(w->e[i].port != NONE);
		/* A present address is found, on a port it was learned on. */
		p = vsw_mac_lookup(s.t, k);
		UNIT_CHECK(p != NONE && cc_lookup_ok(a, p));
	}
	for (i = 0; i < CC_ADDRS; i++)
		UNIT_CHECK(cc_lookup_ok(i, vsw_mac_lookup(s.t, ua(i))));
	/* And everything can be removed, leaving zero counters. */
	for (p = 0; p < CC_PORTS; p++)
		vsw_mac_flush_port(s.t, p);
	UNIT_EQ(vsw_mac_count(s.t, NONE), 0);
	for (p = 0; p < CC_PORTS; p++)
		UNIT_EQ(vsw_mac_count(s.t, p), 0);
	UNIT_EQ(walk_all(s.t)->n, 0);
	vsw_mac_free(s.t);
}

/* The key (VLAN and address) a walk reports for entry @p e. */
static uint64_t
walk_key(const struct vsw_mac_entry *e)
{
	return vsw_mac_vkey(vsw_mac_key(&e->addr), e->vlan);
}

/*
 * (VLAN, MAC) keys: the same address on every VLAN is that many entries,
 * each with its own port; lookups, moves and flushes keep to their VLAN;
 * the walk gives back every key exactly; a group address is never found,
 * even where its unicast twin was learned.
 */
static void
test_vlan_keys(void)
{
	const uint16_t nb_ports = 7;
	struct vsw_mac_table *t = unit_mac_table(16384, 16384, nb_ports);
	static uint8_t seen[4096];
	uint64_t mac = ua(0x1234), other = ua(0x4321);
	struct walk_log *w;
	uint32_t v, i;

	unit_case("vlan: the same MAC on 4096 VLANs is 4096 entries");
	for (v = 0; v < 4096; v++)
		UNIT_EQ(vsw_mac_learn(t, vsw_mac_vkey(mac, v), v % nb_ports, 1),
			VSW_MAC_LEARN_NEW);
	UNIT_EQ(vsw_mac_count(t, NONE), 4096);
	for (v = 0; v < 4096; v++) {
		UNIT_EQ(vsw_mac_lookup(t, vsw_mac_vkey(mac, v)), v % nb_ports);
		UNIT_EQ(vsw_mac_lookup(t, vsw_mac_vkey(other, v)), NONE);
	}
	UNIT_EQ(vsw_mac_vkey(mac, 0), mac);
	UNIT_EQ(vsw_mac_lookup(t, mac), 0);

	unit_case("vlan: the walk gives back each (VLAN, MAC) and its port");
	w = walk_all(t);
	UNIT_EQ(w->n, 4096);
	for (i = 0; i < w->n && i < WALK_MAX; i++) {
		UNIT_EQ(vsw_mac_key(&w->e[i].addr), mac);
		UNIT_CHECK(w->e[i].vlan < 4096);
		UNIT_EQ(w->e[i].port, w->e[i].vlan % nb_ports);
		UNIT_EQ(walk_key(&w->e[i]), vsw_mac_vkey(mac, w->e[i].vlan));
		seen[w->e[i].vlan]++;
	}
	for (v = 0; v < 4096; v++)
		UNIT_EQ(seen[v], 1);

	unit_case("vlan: a move on one VLAN leaves the others");
	UNIT_EQ(vsw_mac_learn(t, vsw_mac_vkey(mac, 65), 6, 2),
		VSW_MAC_LEARN_MOVED);
	UNIT_EQ(vsw_mac_lookup(t, vsw_mac_vkey(mac, 65)), 6);
	UNIT_EQ(vsw_mac_lookup(t, vsw_mac_vkey(mac, 1)), 1);
	UNIT_EQ(vsw_mac_lookup(t, vsw_mac_vkey(mac, 129)), 129 % nb_ports);

	unit_case("vlan: a group address is never found");
	UNIT_EQ(vsw_mac_lookup(t, mac | VSW_MAC_GROUP_BIT), NONE);
	UNIT_EQ(vsw_mac_lookup(t, vsw_mac_vkey(mac | VSW_MAC_GROUP_BIT, 7)),
		NONE);

	unit_case("vlan: flushing a port removes its entries on every VLAN");
	UNIT_EQ(vsw_mac_flush_port(t, 3), 4096 / nb_ports + (4096 % nb_ports > 3));
	for (v = 0; v < 4096; v++)
		UNIT_EQ(vsw_mac_lookup(t, vsw_mac_vkey(mac, v)),
			v == 65 ? 6 : v % nb_ports == 3 ? NONE : v % nb_ports);
	check_counts(t, nb_ports);
	vsw_mac_free(t);
}

int
main(int argc, char **argv)
{
	RTE_SET_USED(argc);
	unit_eal_init("test_mac");
	RTE_SET_USED(argv);

	test_create_invalid();
	test_key();
	test_learn_lookup();
	test_group_ignored();
	test_move();
	test_age();
	test_age_keep();
	test_age_clock_skew();
	test_capacity();
	test_bucket_full();
	test_port_limit();
	test_flush();
	test_walk();
	test_vlan_keys();
	test_model();
	test_concurrent();
	return unit_finish("test_mac");
}
