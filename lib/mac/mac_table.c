/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lock-free MAC learning table. See vsw_mac.h for the contract.
 *
 * An entry word is (stored << PORT_BITS) | (port + 1); zero means empty.
 * stored is 53 bits: the address without its group bit (always 0 in a
 * learned address), then the top VLO_BITS... bits of the VLAN, VHI; the
 * bottom VLO_BITS of the VLAN are XORed into the bucket index, so a
 * bucket holds at most one key for given stored bits and the key can be
 * told back from the word and its bucket (vsw_mac_walk()). All changes
 * to an entry word are compare-and-swaps, so a concurrent reader sees a
 * whole binding or none. Counters (table total and per port) are
 * reserved with a bounded compare-and-swap before an insert is attempted
 * and given back if the insert loses a race.
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "vsw_config.h"
#include "vsw_mac.h"
#include "vsw_util.h"

#define BUCKET_ENTRIES 8
#define LEARN_RETRIES 4

/* An entry word: the stored key, then the port plus one. */
#define PORT_BITS 11
#define PORT_MASK ((1u << PORT_BITS) - 1)
/* VLAN bits mixed into the bucket index, and the fewest buckets. */
#define VLO_BITS 6
#define VLO_MASK ((1u << VLO_BITS) - 1)
#define MIN_BUCKETS (1u << VLO_BITS)
/* The address bits below the group bit. */
#define LOW40 ((1ULL << 40) - 1)

_Static_assert(VSW_MAX_PORTS < (1u << PORT_BITS),
	"a port id plus one must fit in an entry's port bits");
_Static_assert(47 + (12 - VLO_BITS) + PORT_BITS == 64,
	"an entry word holds the stored key and the port");

struct bucket {
	uint64_t e[BUCKET_ENTRIES];
} __rte_cache_aligned;

struct vsw_mac_table {
	struct bucket *buckets;
	uint32_t *last_seen;   /* one per entry, same index as the word */
	uint32_t bucket_mask;
	uint32_t capacity;
	uint32_t port_limit;
	uint16_t nb_ports;

	/* Written only on insert and removal, so sharing is cheap. */
	uint32_t count __rte_cache_aligned;
	uint32_t port_count[VSW_MAX_PORTS];
};

static inline uint32_t
mac_hash(uint64_t mac)
{
	return (uint32_t)((mac * 0x9E3779B97F4A7C15ULL) >> 32);
}

/* The 53 bits of key @p k an entry stores: address less group bit, VHI. */
static inline uint64_t
key_stored(uint64_t k)
{
	uint64_t mac = k & VSW_MAC_ADDR_MASK;

	return ((((mac >> 41) << 40) | (mac & LOW40)) << (12 - VLO_BITS)) |
		(k >> (VSW_MAC_VLAN_SHIFT + VLO_BITS));
}

/* The bucket of key @p k, whose stored bits are @p st. */
static inline uint32_t
key_bucket(const struct vsw_mac_table *t, uint64_t k, uint64_t st)
{
	return (mac_hash(st) & t->bucket_mask) ^
		((uint32_t)(k >> VSW_MAC_VLAN_SHIFT) & VLO_MASK);
}

/* The key of stored bits @p st found in bucket @p b (the reverse). */
static inline uint64_t
key_of(const struct vsw_mac_table *t, uint64_t st, uint32_t b)
{
	uint64_t mac47 = st >> (12 - VLO_BITS);
	uint64_t vlan = ((st & ((1u << (12 - VLO_BITS)) - 1)) << VLO_BITS) |
		((b ^ (mac_hash(st) & t->bucket_mask)) & VLO_MASK);

	return ((mac47 >> 40) << 41) | (mac47 & LOW40) |
		(vlan << VSW_MAC_VLAN_SHIFT);
}

static inline uint64_t
entry_make(uint64_t st, uint16_t port)
{
	return (st << PORT_BITS) | (uint64_t)(port + 1);
}

static inline uint16_t
entry_port(uint64_t e)
{
	return (uint16_t)((e & PORT_MASK) - 1);
}

static inline uint64_t
entry_stored(uint64_t e)
{
	return e >> PORT_BITS;
}

static inline bool
entry_is(uint64_t e, uint64_t st)
{
	return e != 0 && entry_stored(e) == st;
}

struct vsw_mac_table *
vsw_mac_create(const struct vsw_mac_params *p)
{
	struct vsw_mac_table *t;
	uint32_t nb_buckets;

	if (p == NULL || p->capacity == 0 || p->port_limit == 0 ||
			p->nb_ports == 0 || p->nb_ports > VSW_MAX_PORTS ||
			p->capacity > VSW_MAC_CAPACITY_MAX ||
			p->port_limit > VSW_MAC_CAPACITY_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* Twice the capacity in slots keeps buckets from filling early. */
	nb_buckets = RTE_MAX(MIN_BUCKETS, rte_align32pow2(
		(p->capacity * 2 + BUCKET_ENTRIES - 1) / BUCKET_ENTRIES));

	t = vsw_zmalloc_socket("vsw_mac", sizeof(*t), RTE_CACHE_LINE_SIZE,
		p->socket_id);
	if (t == NULL)
		goto nomem;
	t->buckets = vsw_zmalloc_socket("vsw_mac_b",
		(size_t)nb_buckets * sizeof(struct bucket),
		RTE_CACHE_LINE_SIZE, p->socket_id);
	t->last_seen = vsw_zmalloc_socket("vsw_mac_ts",
		(size_t)nb_buckets * BUCKET_ENTRIES * sizeof(uint32_t),
		RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t->buckets == NULL || t->last_seen == NULL)
		goto nomem;
	t->bucket_mask = nb_buckets - 1;
	t->capacity = p->capacity;
	t->port_limit = p->port_limit;
	t->nb_ports = p->nb_ports;
	return t;
nomem:
	vsw_mac_free(t);
	rte_errno = ENOMEM;
	return NULL;
}

void
vsw_mac_free(struct vsw_mac_table *t)
{
	if (t == NULL)
		return;
	vsw_free(t->buckets);
	vsw_free(t->last_seen);
	vsw_free(t);
}

uint16_t
vsw_mac_lookup(const struct vsw_mac_table *t, uint64_t mac)
{
	uint64_t st = key_stored(mac);
	const struct bucket *b = &t->buckets[key_bucket(t, mac, st)];
	unsigned int i;

	if (vsw_mac_is_group(mac))
		return VSW_MAC_PORT_NONE;	/* never learned */
	for (i = 0; i < BUCKET_ENTRIES; i++) {
		uint64_t e = __atomic_load_n(&b->e[i], __ATOMIC_ACQUIRE);

		if (entry_is(e, st))
			return entry_port(e);
	}
	return VSW_MAC_PORT_NONE;
}

static inline void
touch(struct vsw_mac_table *t, uint32_t idx, uint32_t now)
{
	if (__atomic_load_n(&t->last_seen[idx], __ATOMIC_RELAXED) != now)
		__atomic_store_n(&t->last_seen[idx], now, __ATOMIC_RELAXED);
}

/* Remove the word at @p slot if it still holds @p e; fix the counters. */
static bool
remove_entry(struct vsw_mac_table *t, uint64_t *slot, uint64_t e)
{
	if (!__atomic_compare_exchange_n(slot, &e, 0, false,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return false;
	vsw_counter_release(&t->port_count[entry_port(e)], 1);
	vsw_counter_release(&t->count, 1);
	return true;
}

/* A known station showed up on another port. */
static int
learn_move(struct vsw_mac_table *t, uint32_t idx, uint64_t e, uint16_t port,
	uint32_t now)
{
	uint64_t *slot = &t->buckets[idx / BUCKET_ENTRIES].e[idx % BUCKET_ENTRIES];
	uint64_t want = entry_make(entry_stored(e), port);

	if (!vsw_counter_reserve(&t->port_count[port], t->port_limit)) {
		/* Better to flood than to keep sending to the old port. */
		remove_entry(t, slot, e);
		return VSW_MAC_LEARN_PORT_LIMIT;
	}
	__atomic_store_n(&t->last_seen[idx], now, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(slot, &e, want, false,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
		vsw_counter_release(&t->port_count[port], 1);
		return -EAGAIN;
	}
	vsw_counter_release(&t->port_count[entry_port(e)], 1);
	return VSW_MAC_LEARN_MOVED;
}

static int
learn_insert(struct vsw_mac_table *t, uint32_t idx, uint64_t st,
	uint16_t port, uint32_t now)
{
	uint64_t *slot = &t->buckets[idx / BUCKET_ENTRIES].e[idx % BUCKET_ENTRIES];
	uint64_t empty = 0;

	if (!vsw_counter_reserve(&t->count, t->capacity))
		return VSW_MAC_LEARN_TABLE_FULL;
	if (!vsw_counter_reserve(&t->port_count[port], t->port_limit)) {
		vsw_counter_release(&t->count, 1);
		return VSW_MAC_LEARN_PORT_LIMIT;
	}
	/* Time first: the ager must never see the new word with a stale time. */
	__atomic_store_n(&t->last_seen[idx], now, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(slot, &empty, entry_make(st, port),
			false, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
		vsw_counter_release(&t->port_count[port], 1);
		vsw_counter_release(&t->count, 1);
		return -EAGAIN;
	}
	return VSW_MAC_LEARN_NEW;
}

enum vsw_mac_learn_result
vsw_mac_learn(struct vsw_mac_table *t, uint64_t mac, uint16_t port,
	uint32_t now)
{
	uint64_t st = key_stored(mac);
	uint32_t base = key_bucket(t, mac, st) * BUCKET_ENTRIES;
	const struct bucket *b = &t->buckets[base / BUCKET_ENTRIES];
	int tries, ret = VSW_MAC_LEARN_TABLE_FULL;

	if (vsw_mac_is_group(mac))
		return VSW_MAC_LEARN_IGNORED;
	if (port >= t->nb_ports)
		return VSW_MAC_LEARN_IGNORED;

	for (tries = 0; tries < LEARN_RETRIES; tries++) {
		int free_slot = -1;
		unsigned int i;

		for (i = 0; i < BUCKET_ENTRIES; i++) {
			uint64_t e = __atomic_load_n(&b->e[i], __ATOMIC_ACQUIRE);

			if (e == 0) {
				if (free_slot < 0)
					free_slot = i;
				continue;
			}
			if (entry_stored(e) != st)
				continue;
			if (entry_port(e) == port) {
				touch(t, base + i, now);
				return VSW_MAC_LEARN_HIT;
			}
			ret = learn_move(t, base + i, e, port, now);
			break;
		}
		if (i == BUCKET_ENTRIES) {
			if (free_slot < 0)
				return VSW_MAC_LEARN_TABLE_FULL;
			ret = learn_insert(t, base + free_slot, st, port, now);
		}
		if (ret != -EAGAIN)
			return ret;
	}
	/* Lost every race: someone else is changing this bucket right now. */
	return VSW_MAC_LEARN_TABLE_FULL;
}

uint32_t
vsw_mac_age(struct vsw_mac_table *t, uint32_t now, uint32_t max_idle,
	const uint64_t *keep)
{
	uint32_t n = (t->bucket_mask + 1) * BUCKET_ENTRIES;
	uint32_t idx, removed = 0;

	for (idx = 0; idx < n; idx++) {
		uint64_t *slot = &t->buckets[idx / BUCKET_ENTRIES].e[idx % BUCKET_ENTRIES];
		uint64_t e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		uint32_t seen;

		if (e == 0)
			continue;
		if (keep != NULL && entry_port(e) < t->nb_ports &&
				vsw_bitmap_test(keep, entry_port(e))) {
			touch(t, idx, now);
			continue;
		}
		seen = __atomic_load_n(&t->last_seen[idx], __ATOMIC_RELAXED);
		/* Signed: a learner's clock may be a little ahead of ours. */
		if ((int32_t)(now - seen) > (int32_t)max_idle &&
				remove_entry(t, slot, e))
			removed++;
	}
	return removed;
}

uint32_t
vsw_mac_flush_port(struct vsw_mac_table *t, uint16_t port)
{
	uint32_t n = (t->bucket_mask + 1) * BUCKET_ENTRIES;
	uint32_t idx, removed = 0;

	for (idx = 0; idx < n; idx++) {
		uint64_t *slot = &t->buckets[idx / BUCKET_ENTRIES].e[idx % BUCKET_ENTRIES];
		uint64_t e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

		if (e != 0 && entry_port(e) == port && remove_entry(t, slot, e))
			removed++;
	}
	return removed;
}

uint32_t
vsw_mac_count(const struct vsw_mac_table *t, uint16_t port)
{
	if (port == VSW_MAC_PORT_NONE)
		return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
	if (port >= t->nb_ports)
		return 0;
	return __atomic_load_n(&t->port_count[port], __ATOMIC_RELAXED);
}

int
vsw_mac_walk(const struct vsw_mac_table *t,
	int (*cb)(const struct vsw_mac_entry *e, void *arg), void *arg)
{
	uint32_t n = (t->bucket_mask + 1) * BUCKET_ENTRIES;
	uint32_t idx;
	int ret;

	for (idx = 0; idx < n; idx++) {
		uint64_t e = __atomic_load_n(
			&t->buckets[idx / BUCKET_ENTRIES].e[idx % BUCKET_ENTRIES],
			__ATOMIC_ACQUIRE);
		struct vsw_mac_entry ent;
		uint64_t k;
		int i;

		if (e == 0)
			continue;
		k = key_of(t, entry_stored(e), idx / BUCKET_ENTRIES);
		for (i = 0; i < RTE_ETHER_ADDR_LEN; i++)
			ent.addr.addr_bytes[i] = (uint8_t)(k >> (40 - 8 * i));
		ent.vlan = (uint16_t)(k >> VSW_MAC_VLAN_SHIFT);
		ent.port = entry_port(e);
		ent.last_seen = __atomic_load_n(&t->last_seen[idx],
			__ATOMIC_RELAXED);
		ret = cb(&ent, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}
