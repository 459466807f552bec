/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_MAC_H
#define VSW_MAC_H

/**
 * @file
 * MAC learning table.
 *
 * The table maps a (VLAN, Ethernet station address) pair to the switch
 * port where it was last seen as a source: the same address on two VLANs
 * is two entries. A key (vsw_mac_vkey()) is the 48-bit address with the
 * VLAN above it; VLAN 0, a switch without VLANs, makes the key the
 * address itself (vsw_mac_key()). Every PMD lcore learns and looks up in
 * the same table, so both operations are lock-free: an entry is a single
 * 64-bit word holding the key and the port, and it is only ever changed
 * with an atomic compare-and-swap. A reader therefore sees either the old
 * or the new binding, never a torn one.
 *
 * Fitting a 60-bit key and an 11-bit port in one word: a learned address
 * never has its group bit set, so 47 of its bits are stored, with the top
 * 6 bits of the VLAN; the bottom 6 bits of the VLAN are mixed into the
 * bucket index (the table has at least 64 buckets), so that two keys that
 * store the same bits land in different buckets. Lookups of VLAN 0 cost
 * what they cost before VLANs, a few shifts more.
 *
 * Layout. The table is an array of buckets of eight entries, one cache
 * line each; an address hashes to exactly one bucket. Each entry has a
 * last-seen time (seconds) kept in a parallel array so that lookups touch
 * only the key line. Learning an address that is already present with the
 * same port only refreshes that time, and only when the second changed, so
 * a steady flow costs no shared-cache-line writes.
 *
 * Bounds. The table holds at most @c capacity entries, and at most
 * @c port_limit entries per port. When a bucket or the table is full, or
 * the ingress port has reached its limit, the address is not learned:
 * vsw_mac_learn() reports why and the caller counts it. Nothing is evicted
 * to make room; entries leave only by ageing, by vsw_mac_flush_port(), or
 * when a station moves and cannot be re-learned on its new port.
 *
 * Eviction. vsw_mac_age() removes entries idle for longer than the ageing
 * time. It skips the ports in its @c keep set and refreshes their entries
 * instead, which is how a suspended port keeps its stations.
 *
 * Thread safety. vsw_mac_lookup() and vsw_mac_learn() may run concurrently
 * on any number of lcores. vsw_mac_age(), vsw_mac_flush_port() and
 * vsw_mac_count() may run concurrently with them, from one control thread
 * at a time. Races are benign by construction: two lcores learning the same
 * new address at once may both insert it (the duplicate ages out), and an
 * entry aged out while a frame is being switched only makes that frame, or
 * the next one, flood. vsw_mac_create() and vsw_mac_free() must not run
 * concurrently with anything else on the same table.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest table capacity and per-port limit. */
#define VSW_MAC_CAPACITY_MAX (1u << 24)

/**
 * In a key from vsw_mac_key(): the I/G (group) bit, the least
 * significant bit of the first octet. Set in multicast and broadcast
 * addresses.
 */
#define VSW_MAC_GROUP_BIT (1ULL << 40)

/** Where the VLAN sits in a key (vsw_mac_vkey()): above the address. */
#define VSW_MAC_VLAN_SHIFT 48

/** Bits of the 48-bit address in a key. */
#define VSW_MAC_ADDR_MASK ((1ULL << VSW_MAC_VLAN_SHIFT) - 1)

/** Opaque table handle. */
struct vsw_mac_table;

/** Parameters for vsw_mac_create(). */
struct vsw_mac_params {
	uint32_t capacity;   /**< Most entries in the table
				  *   (1 .. VSW_MAC_CAPACITY_MAX). */
	uint32_t port_limit; /**< Most entries per port
				  *   (1 .. VSW_MAC_CAPACITY_MAX). */
	uint16_t nb_ports;   /**< Ports that can own entries
				  *   (<= VSW_MAX_PORTS). */
	int socket_id;       /**< NUMA socket for the memory. */
};

/** Outcome of vsw_mac_learn(). */
enum vsw_mac_learn_result {
	VSW_MAC_LEARN_HIT = 0,     /**< Already known on this port. */
	VSW_MAC_LEARN_NEW,         /**< Inserted. */
	VSW_MAC_LEARN_MOVED,       /**< Moved here from another port. */
	VSW_MAC_LEARN_IGNORED,     /**< Group address: never learned. */
	VSW_MAC_LEARN_TABLE_FULL,  /**< No room in the table or bucket. */
	VSW_MAC_LEARN_PORT_LIMIT,  /**< Port has reached its limit. */
};

/** Value returned by vsw_mac_lookup() for an unknown address. */
#define VSW_MAC_PORT_NONE UINT16_MAX

/**
 * Create a table.
 *
 * @param params
 *   Sizes and placement.
 * @return
 *   The table, or NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct vsw_mac_table *
vsw_mac_create(const struct vsw_mac_params *params);

/**
 * Free a table. NULL is accepted.
 */
void
vsw_mac_free(struct vsw_mac_table *t);

/**
 * Convert a MAC address to the 48-bit integer the table works with.
 */
static inline uint64_t
vsw_mac_key(const struct rte_ether_addr *a)
{
	const uint8_t *b = a->addr_bytes;

	return ((uint64_t)b[0] << 40) | ((uint64_t)b[1] << 32) |
		((uint64_t)b[2] << 24) | ((uint64_t)b[3] << 16) |
		((uint64_t)b[4] << 8) | (uint64_t)b[5];
}

/**
 * The key of address @p mac (from vsw_mac_key()) on VLAN @p vlan
 * (0..4095). On VLAN 0 it is @p mac itself.
 */
static inline uint64_t
vsw_mac_vkey(uint64_t mac, uint16_t vlan)
{
	return mac | ((uint64_t)(vlan & 0xfff) << VSW_MAC_VLAN_SHIFT);
}

/** Is the key of a group (multicast or broadcast) address? */
static inline bool
vsw_mac_is_group(uint64_t key)
{
	return (key & VSW_MAC_GROUP_BIT) != 0;
}

/**
 * Find the port of an address.
 *
 * @param t
 *   The table.
 * @param mac
 *   Key from vsw_mac_key() or vsw_mac_vkey().
 * @return
 *   The port, or VSW_MAC_PORT_NONE (also for a group address).
 */
uint16_t
vsw_mac_lookup(const struct vsw_mac_table *t, uint64_t mac);

/**
 * Learn that @p mac was seen as a source on @p port at time @p now.
 *
 * Group (multicast and broadcast) addresses are ignored.
 *
 * @param t
 *   The table.
 * @param mac
 *   Key from vsw_mac_key() or vsw_mac_vkey().
 * @param port
 *   Ingress port, below the table's nb_ports.
 * @param now
 *   Current time in seconds, from any monotonic clock the caller uses
 *   consistently with vsw_mac_age().
 * @return
 *   What happened, as an enum vsw_mac_learn_result.
 */
enum vsw_mac_learn_result
vsw_mac_learn(struct vsw_mac_table *t, uint64_t mac, uint16_t port,
	uint32_t now);

/**
 * Remove entries idle for more than @p max_idle seconds.
 *
 * Entries of ports whose bit is set in @p keep, a bitmap of the table's
 * nb_ports bits (vsw_bitmap_test()) or NULL for none, are not removed;
 * their last-seen time is set to @p now instead.
 *
 * @return
 *   Number of entries removed.
 */
uint32_t
vsw_mac_age(struct vsw_mac_table *t, uint32_t now, uint32_t max_idle,
	const uint64_t *keep);

/**
 * Remove every entry of one port.
 *
 * @return
 *   Number of entries removed.
 */
uint32_t
vsw_mac_flush_port(struct vsw_mac_table *t, uint16_t port);

/**
 * Number of entries, in the whole table (@p port == VSW_MAC_PORT_NONE)
 * or on one port.
 */
uint32_t
vsw_mac_count(const struct vsw_mac_table *t, uint16_t port);

/** One entry, as reported by vsw_mac_walk(). */
struct vsw_mac_entry {
	struct rte_ether_addr addr; /**< Station address. */
	uint16_t vlan;              /**< Its VLAN (0: none). */
	uint16_t port;              /**< Port it was learned on. */
	uint32_t last_seen;         /**< Seconds, same clock as learn. */
};

/**
 * Call @p cb for each entry. The walk is not a snapshot: entries learned
 * or removed meanwhile may or may not be seen. Stops early, returning the
 * callback's value, when the callback returns non-zero.
 */
int
vsw_mac_walk(const struct vsw_mac_table *t,
	int (*cb)(const struct vsw_mac_entry *e, void *arg), void *arg);

#ifdef __cplusplus
}
#endif

#endif /* VSW_MAC_H */
