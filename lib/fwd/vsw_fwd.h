/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_FWD_H
#define VSW_FWD_H

/**
 * @file
 * Forwarding engine: the PMD lcores and what they share with the control side.
 *
 * Each PMD lcore busy-polls a fixed list of (port, queue) pairs; every pair
 * is polled by exactly one lcore. An iteration dequeues a burst from a
 * guest's TX ring, classifies it into per-destination arrays (learning the
 * source MAC and looking up the destination), sends one burst per
 * destination into the guests' RX rings, and frees the mbufs (rte_vhost
 * copies on enqueue, so a flooded frame needs no clone).
 *
 * What the lcores know about ports comes from a *view*: an immutable array
 * of per-port states (down, running, parked) and vhost device ids. The
 * control side changes a port by publishing a new view
 * (vsw_fwd_port_publish()) and then, when it needs to know that no lcore
 * still uses the old one, by waiting for an RCU grace period
 * (vsw_fwd_sync()). The lcores report a quiescent state with rte_rcu_qsbr
 * at the top of every iteration, where they hold no reference to any port.
 * This is the only way state reaches the data path: there is no lock.
 *
 * Guest ring enable state (rte_vhost's vring_state_changed) is not in the
 * view, because that callback runs with the vrings locked and must not
 * wait. It lands in per-port atomic masks (vsw_fwd_vring_state()) that the
 * lcores read before touching a ring.
 *
 * Parked ports. A port in VSW_FWD_PARK is never touched: no dequeue, no
 * enqueue, so no guest memory access and no call eventfd. Frames for it are
 * held, with an extra mbuf reference, in per-lcore backlogs bounded per port,
 * and each lcore drains its own backlog in order once the port runs again.
 *
 * Transmit queues. An lcore sends to a port through guest RX queue
 * (its PMD index modulo the number of enabled queues). With at least as
 * many enabled queues as PMD lcores no two lcores share a queue; otherwise
 * rte_vhost's per-virtqueue spinlock serialises the sharers.
 *
 * Packet capture. With a capture module (vsw_fwd_params.capture), the
 * lcores hand each burst they receive, and each burst they deliver
 * (frames held for a parked port when they are finally sent), to
 * vsw_capture_burst() while a capture runs; with none, one branch per
 * burst.
 *
 * Port mirroring. A mirror (vsw_fwd_mirror_add()) sends a copy of what
 * its source ports receive (rx) and are delivered (tx) to an output port,
 * as OVS's mirrors do. The mirrors are in the view: with none, the data
 * path pays nothing more than one flag it already tests per burst (the
 * same test as packet capture's). The output is reserved while the
 * mirror exists: it is no flood or learning destination, and what it
 * receives is dropped (VSW_DROP_MIRROR_OUT). Mirrored frames go out at
 * once, by reference (a copy, without its offload flags, for a frame
 * that carries offload requests); one the output cannot take is counted
 * as lost, never holding up the original. A suspended source's frames
 * are mirrored when they are delivered; a suspended or down output
 * loses what is mirrored to it.
 *
 * Idle lcores. With a sleep bound (vsw_fwd_set_sleep_max()), an lcore
 * whose polls come back empty pauses, then sleeps, offline for RCU, so
 * that no grace period waits for a sleeper.
 *
 * Thread safety. Functions marked "control" may be called from any
 * thread but a PMD lcore; the engine serialises them with a mutex of its
 * own, which no lcore ever takes.
 * vsw_fwd_vring_state() may be called from any thread at any time.
 * Statistics readers may run concurrently with everything.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vsw_capture.h"
#include "vsw_config.h"
#include "vsw_mac.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest backlog of one suspended port, in frames. */
#define VSW_FWD_BACKLOG_MAX (1u << 20)

/** Longest sleep of an idle PMD lcore (--pmd-sleep-max), microseconds. */
#define VSW_FWD_SLEEP_MAX_US 10000

/** Forwarding modes. */
enum vsw_fwd_mode {
	VSW_FWD_LEARN = 0, /**< MAC-learning L2 switch. */
	VSW_FWD_XCONNECT,  /**< Ports patched in pairs: 0<->1, 2<->3, ... */
};

/**
 * What a port is. The engine receives from and sends to both kinds in the
 * same loop; only the burst functions differ.
 */
enum vsw_fwd_port_kind {
	VSW_FWD_VHOST = 0, /**< vhost-user: its device id is an rte_vhost
			        vid; rte_vhost copies frames on enqueue. */
	VSW_FWD_ETH,       /**< DPDK ethdev: its device id is an ethdev
			        port id; one RX queue per polled queue
			        (vsw_fwd_port_conf::nb_queues) and one TX
			        queue per PMD lcore (PMD i sends on queue i),
			        so no TX lock. rte_eth_tx_burst() takes
			        ownership of what it sends, so the engine
			        gives it a reference of its own. */
};

/** How the data path sees a port. */
enum vsw_fwd_port_state {
	VSW_FWD_DOWN = 0, /**< Not forwarding; frames to it are dropped. */
	VSW_FWD_RUN,      /**< Polled and transmitted to. */
	VSW_FWD_PARK,     /**< Suspended: untouched; frames to it are held. */
};

/**
 * Why a frame was dropped. The rx reasons (VSW_DROP_OWN_PORT up to
 * VSW_DROP_RX_LAST) are counted on the ingress port (the frame was never
 * sent), the tx reasons on the egress port.
 */
enum vsw_drop_reason {
	VSW_DROP_OWN_PORT = 0, /**< rx: destination is the ingress port. */
	VSW_DROP_NO_DEST,      /**< rx: no other port up to flood to, or the
				    destination's port is down. */
	VSW_DROP_MALFORMED,    /**< rx: shorter than an Ethernet header. */
	VSW_DROP_BAD_OFFLOAD,  /**< rx: a checksum or segmentation request
				    vuswitch refuses (malformed, or not
				    negotiated). */
	VSW_DROP_VLAN,         /**< rx: the ingress port does not carry the
				    frame's VLAN, or its destination does
				    not. */
	VSW_DROP_NO_MBUF,      /**< rx: no mbuf for the tagged copy of a
				    flooded frame. */
	VSW_DROP_MIRROR_OUT,   /**< rx: received on a mirror's output port,
				    which is reserved for the mirror. */
	VSW_DROP_RING_FULL,    /**< tx: guest RX ring full or not enabled. */
	VSW_DROP_SUSPENDED,    /**< tx: backlog of a suspended port full. */
	VSW_DROP_PORT_DOWN,    /**< tx: held frames discarded because the
				    port went down. */
	VSW_DROP_GSO_NOMEM,    /**< tx: no mbufs left to segment a frame. */
	VSW_DROP_MAX
};

/** The last rx drop reason; the tx reasons follow it. */
#define VSW_DROP_RX_LAST VSW_DROP_MIRROR_OUT

/**
 * @name Offloads of a port (vsw_fwd_port_offloads()), from the switch's
 * side. A TX bit says the switch may send the port such frames, an RX bit
 * that the port may send them to the switch. For a vhost-user port they are
 * what its front-end negotiated (lib/vport maps the virtio-net features).
 * A frame a destination cannot take is completed in software: its checksum
 * computed, or its payload segmented.
 * @{
 */
#define VSW_FWD_OL_TX_CSUM (1u << 0) /**< partial TCP/UDP checksums */
#define VSW_FWD_OL_TX_TSO4 (1u << 1) /**< unsegmented TCP/IPv4 */
#define VSW_FWD_OL_TX_TSO6 (1u << 2) /**< unsegmented TCP/IPv6 */
#define VSW_FWD_OL_RX_CSUM (1u << 3) /**< partial TCP/UDP checksums */
#define VSW_FWD_OL_RX_TSO4 (1u << 4) /**< unsegmented TCP/IPv4 */
#define VSW_FWD_OL_RX_TSO6 (1u << 5) /**< unsegmented TCP/IPv6 */
#define VSW_FWD_OL_TX_ALL (VSW_FWD_OL_TX_CSUM | VSW_FWD_OL_TX_TSO4 | \
	VSW_FWD_OL_TX_TSO6)
#define VSW_FWD_OL_RX_ALL (VSW_FWD_OL_RX_CSUM | VSW_FWD_OL_RX_TSO4 | \
	VSW_FWD_OL_RX_TSO6)
/** @} */

/**
 * @name 802.1Q VLANs of a port (vsw_fwd_port_vlan()).
 *
 * A port without VLAN mode is on VLAN 0: its frames pass as they are,
 * tags and all, and only to other ports without VLAN mode (a switch
 * without VLANs works as it always did, at the same speed). An access
 * port is on one VLAN: frames come and go untagged (a priority tag, VID
 * 0, is accepted and taken off), and a tagged frame of another VLAN is
 * dropped. A trunk carries tagged frames of its VLANs; untagged frames
 * are on its native VLAN if it has one (and leave untagged), else
 * dropped. Only the outer tag (TPID 0x8100) is looked at: an inner tag
 * passes as payload. Tags are pushed and popped in software.
 * @{
 */
enum vsw_vlan_mode {
	VSW_VLAN_NONE = 0, /**< VLAN 0, untagged: no VLAN at all. */
	VSW_VLAN_ACCESS,   /**< One VLAN, untagged. */
	VSW_VLAN_TRUNK,    /**< Tagged VLANs, and perhaps a native one. */
};

/** Lowest and highest VLAN a port can be on (0 and 4095 are reserved). */
#define VSW_VLAN_MIN 1
#define VSW_VLAN_MAX 4094

/** Words of a VLAN bitmap (4096 bits, vsw_bitmap_*()). */
#define VSW_VLAN_WORDS 64

/** The VLANs of a port. */
struct vsw_vlan_conf {
	uint8_t mode;       /**< enum vsw_vlan_mode */
	uint16_t vlan;      /**< access: its VLAN; trunk: native VLAN, or 0
				 for none */
	uint64_t trunks[VSW_VLAN_WORDS]; /**< trunk: the VLANs it carries
					      (bit v: VLAN v) */
};
/** @} */

/** Short names of the drop reasons, for output. */
extern const char * const vsw_drop_names[VSW_DROP_MAX];

/** Counters of one port. */
struct vsw_port_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t drop[VSW_DROP_MAX];
	uint64_t learn_table_full; /**< Source not learned: table full. */
	uint64_t learn_port_limit; /**< Source not learned: port limit. */
	uint64_t mac_moves;        /**< Stations that moved to this port. */
};

/** Counters of one PMD lcore. */
struct vsw_pmd_stats {
	uint64_t busy_cycles;  /**< TSC cycles spent in iterations that
				    moved packets. */
	uint64_t idle_cycles;  /**< TSC cycles spent in iterations that
				    found nothing, and pausing after them. */
	uint64_t sleep_cycles; /**< TSC cycles spent asleep (idle back-off,
				    vsw_fwd_set_sleep_max()). */
	uint64_t sleeps;       /**< Sleeps taken. */
	uint64_t iterations;   /**< Poll loop iterations. */
	uint64_t rx_pkts;
};

/** Creation parameters. */
struct vsw_fwd_params {
	enum vsw_fwd_mode mode;
	uint16_t nb_ports;
	uint8_t nb_queues[VSW_MAX_PORTS]; /**< Queue pairs per port. */
	uint16_t nb_pmd;                  /**< PMD lcores. */
	unsigned int pmd_lcore[VSW_MAX_PMD]; /**< Their EAL lcore ids. */
	uint32_t backlog;                 /**< Held frames per parked port
					       (1 .. VSW_FWD_BACKLOG_MAX). */
	struct rte_mempool *pool;         /**< For dequeued mbufs. */
	/**
	 * Per NUMA node, the pool for the dequeues of ports whose memory is
	 * on that node (vsw_fwd_port_numa()); NULL: @p pool.
	 */
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	struct vsw_mac_table *mac;        /**< Used in VSW_FWD_LEARN. */
	int socket_id;
	struct vsw_capture *capture;      /**< Packet capture, or NULL. */
	uint32_t sleep_max_us;            /**< Idle back-off bound
					       (0 .. VSW_FWD_SLEEP_MAX_US);
					       0: busy-poll only. */
};

struct vsw_fwd;

/**
 * Control: create the engine. All ports start VSW_FWD_DOWN.
 *
 * @return
 *   The engine, or NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct vsw_fwd *
vsw_fwd_create(const struct vsw_fwd_params *params);

/** Control: free the engine; its lcores must be stopped. NULL is accepted. */
void
vsw_fwd_free(struct vsw_fwd *f);

/**
 * Control: launch the PMD lcores.
 *
 * @return 0, or a negative errno if an lcore could not be launched (the
 *   ones already launched are stopped).
 */
int
vsw_fwd_start(struct vsw_fwd *f);

/** Control: stop the PMD lcores and wait for them. Idempotent. */
void
vsw_fwd_stop(struct vsw_fwd *f);

/**
 * Control: publish a new state for one port. The lcores pick it up at
 * their next iteration; call vsw_fwd_sync() to know when they have. It
 * cannot fail for valid arguments: views come from a pool allocated by
 * vsw_fwd_create(), and when every spare view is still waiting for the
 * lcores (63 publications in a row without a grace period), it waits for
 * the oldest one.
 *
 * @param vid
 *   Device id the lcores use in VSW_FWD_RUN (an rte_vhost vid, or the
 *   ethdev port id of a VSW_FWD_ETH port), or -1.
 * @return
 *   0, or -EINVAL for a port or state out of range.
 */
int
vsw_fwd_port_publish(struct vsw_fwd *f, uint16_t port,
	enum vsw_fwd_port_state state, int vid);

/**
 * Control: publish the offloads of @p port (VSW_FWD_OL_* bits), as they
 * stand for its current connection: call it before publishing the port
 * VSW_FWD_RUN. The lcores pick them up at their next iteration.
 *
 * @return 0, or -EINVAL for a port not in use or unknown bits.
 */
int
vsw_fwd_port_offloads(struct vsw_fwd *f, uint16_t port, uint8_t ol);

/**
 * Control: wait until every PMD lcore has passed a quiescent state after
 * the last publication, so that none can still be using an older view.
 *
 * @param timeout_us
 *   Give up after this long; 0 waits for ever (with a warning each second).
 * @return
 *   0, or -ETIMEDOUT.
 */
int
vsw_fwd_sync(struct vsw_fwd *f, uint64_t timeout_us);

/**
 * Any thread: wait until every PMD lcore has passed a quiescent state
 * (or is offline) after this call, without touching the views. Unlike
 * vsw_fwd_sync() it may run concurrently with control functions (packet
 * capture uses it from its writer thread).
 *
 * @param timeout_us
 *   Give up after this long (0: wait for ever).
 * @return
 *   0, or -ETIMEDOUT.
 */
int
vsw_fwd_quiesce(struct vsw_fwd *f, uint64_t timeout_us);

/**
 * Control: an ethdev port's link went up or down. While it is down,
 * frames towards the port are dropped and counted as port-down (it is
 * still polled: a device may deliver what it received before). Ports
 * start with their link up.
 *
 * @return 0, or -EINVAL (no such port, or not VSW_FWD_ETH).
 */
int
vsw_fwd_port_link(struct vsw_fwd *f, uint16_t port, bool up);

/**
 * Control: set the VLANs of a port (struct vsw_vlan_conf). The lcores
 * use them from their next iteration; the caller flushes the port's MAC
 * entries (they were learned on its old VLANs). Waits for a grace period
 * when a trunk list is replaced (to free the old one).
 *
 * @return 0, -EINVAL (no such port, or a mode, VLAN or list out of
 *   range), or -ENOMEM.
 */
int
vsw_fwd_port_vlan(struct vsw_fwd *f, uint16_t port,
	const struct vsw_vlan_conf *vc);

/** The engine's PMD lcore count (an ethdev port needs one TX queue each). */
uint16_t
vsw_fwd_nb_pmd(const struct vsw_fwd *f);

/**
 * The mbuf pool the engine uses for NUMA node @p socket_id (or its
 * default pool for SOCKET_ID_ANY or a node without one): ethdev ports
 * receive into it.
 */
struct rte_mempool *
vsw_fwd_pool(const struct vsw_fwd *f, int socket_id);

/** Where a port's queues are polled, and from which NUMA node. */
struct vsw_fwd_port_conf {
	uint8_t kind;       /**< enum vsw_fwd_port_kind */
	uint8_t nb_queues;  /**< Queue pairs to poll (1..VSW_MAX_QUEUES). */
	uint64_t pmd_mask;  /**< PMDs that may poll them (bit i: PMD i);
			       0: any. */
	int socket_id;      /**< NUMA node of the port's memory, or
			       SOCKET_ID_ANY when not known yet. */
};

/**
 * Control: add a port, DOWN. Its queues go to the least loaded allowed
 * PMD lcores (busy cycles over the last vsw_fwd_load_sample() interval),
 * on its NUMA node when an allowed PMD is there (a warning is logged when
 * none is). The lcores poll it from their next iteration; it forwards once
 * vsw_fwd_port_publish() says RUN. Its counters start at zero.
 *
 * @return 0, -EINVAL (bad port, queue count or PMD mask), or -EEXIST.
 */
int
vsw_fwd_port_add(struct vsw_fwd *f, uint16_t port,
	const struct vsw_fwd_port_conf *conf);

/**
 * Control: remove a port. Once this returns no lcore polls it, sends to
 * it or holds a frame for it (held frames were discarded and counted as
 * port-down), and its id may be added again. Waits for two RCU grace
 * periods, without a deadline.
 *
 * @return 0 or -EINVAL (no such port).
 */
int
vsw_fwd_port_del(struct vsw_fwd *f, uint16_t port);

/** Any thread: is @p port in use? */
bool
vsw_fwd_port_in_use(const struct vsw_fwd *f, uint16_t port);

/**
 * Control: the port's memory turned out to be on NUMA node @p socket_id:
 * move its queues to PMDs there (when allowed PMDs are there).
 *
 * @return Queues moved, or -EINVAL.
 */
int
vsw_fwd_port_numa(struct vsw_fwd *f, uint16_t port, int socket_id);

/**
 * Control: take the load figures placement uses: each PMD's busy cycles
 * and each queue's share since the previous call. Call it at a steady
 * pace (the switch does once a second).
 */
void
vsw_fwd_load_sample(struct vsw_fwd *f);

/** One receive queue and its place, for pmd-rxq-show. */
struct vsw_fwd_rxq_info {
	uint16_t port;
	uint16_t queue;
	uint16_t pmd;          /**< PMD index polling it. */
	uint64_t cycles;       /**< Busy cycles it cost, last interval. */
	uint64_t pmd_cycles;   /**< Its PMD's busy cycles, same interval. */
	uint64_t interval;     /**< Length of that interval, TSC cycles. */
};

/**
 * Control: each PMD's busy cycles over the last vsw_fwd_load_sample()
 * interval, into @p busy (nb_pmd entries).
 *
 * @return That interval's length in TSC cycles (0 before two samples).
 */
uint64_t
vsw_fwd_pmd_load(struct vsw_fwd *f, uint64_t *busy);

/**
 * Automatic rebalancing policy (--pmd-auto-lb): fed one load sample at
 * a time, it says when to try vsw_fwd_rebalance(). It fires when the
 * busiest PMD has been at or above @p load_pct for @p interval samples
 * in a row; a sample more than VSW_FWD_AUTO_LB_BAND points below the
 * threshold starts the count again, one inside the band leaves it as it
 * is (hysteresis). After firing it waits @p interval samples before it
 * counts again, whatever the rebalance did. Pure: no engine needed.
 */
struct vsw_fwd_auto_lb {
	uint32_t load_pct;   /**< Threshold, percent busy. */
	uint32_t interval;   /**< Samples above it before firing. */
	uint32_t over;       /**< Samples above it so far. */
	uint32_t cooldown;   /**< Samples left before counting again. */
};

/** Width of the hysteresis band below the threshold, percent. */
#define VSW_FWD_AUTO_LB_BAND 5

/** Least gain (percent off the busiest PMD) an automatic move needs. */
#define VSW_FWD_AUTO_LB_MIN_GAIN 25

/** Feed a sample (busiest PMD, percent busy); true: rebalance now. */
bool
vsw_fwd_auto_lb_tick(struct vsw_fwd_auto_lb *lb, unsigned int busiest_pct);

/**
 * Control: every queue in use, by port then queue, at most @p max.
 *
 * @return How many were written.
 */
unsigned int
vsw_fwd_rxq_info(struct vsw_fwd *f, struct vsw_fwd_rxq_info *out,
	unsigned int max);

/**
 * Control: place every queue afresh by its measured load (respecting
 * pmd masks and NUMA nodes), if that lowers the busiest PMD's load by at
 * least @p min_gain_pct percent. Queues move without a frame lost: off
 * their old PMD, a grace period, then onto the new one.
 *
 * @param before, after
 *   The busiest PMD's load (cycles) now and with the new placement.
 * @return Queues moved (0 when the gain is too small), or a negative
 *   errno.
 */
int
vsw_fwd_rebalance(struct vsw_fwd *f, unsigned int min_gain_pct,
	uint64_t *before, uint64_t *after);

/**
 * Control: make sure the backlog memory of @p port exists. Call before
 * publishing VSW_FWD_PARK for it.
 *
 * @return 0 or -ENOMEM.
 */
int
vsw_fwd_backlog_prepare(struct vsw_fwd *f, uint16_t port);

/** Frames currently held for @p port. */
uint32_t
vsw_fwd_backlog_count(const struct vsw_fwd *f, uint16_t port);

/**
 * Any thread: record that guest vring @p vring of @p port was enabled or
 * disabled. Never blocks.
 */
void
vsw_fwd_vring_state(struct vsw_fwd *f, uint16_t port, uint16_t vring,
	int enable);

/** Any thread: forget every vring of @p port (connection gone). */
void
vsw_fwd_vring_reset(struct vsw_fwd *f, uint16_t port);

/**
 * Any thread: how long an idle PMD lcore may sleep. 0 (the default) keeps
 * pure busy polling. Otherwise, once polls have come back empty for a
 * while (pausing between them), the lcore sleeps between polls, each
 * sleep twice as long as the last, up to @p us microseconds; the first
 * poll that finds a frame returns it to full polling. A sleeping lcore is
 * offline for RCU (rte_rcu_qsbr_thread_offline()), so vsw_fwd_sync() does
 * not wait for it to wake. Taken by the lcores at their next poll.
 *
 * @return 0, or -EINVAL above VSW_FWD_SLEEP_MAX_US.
 */
int
vsw_fwd_set_sleep_max(struct vsw_fwd *f, uint32_t us);

/** Any thread: the current bound of vsw_fwd_set_sleep_max(). */
uint32_t
vsw_fwd_sleep_max(const struct vsw_fwd *f);

/** The engine's clock for MAC ages, in seconds. */
uint32_t
vsw_fwd_now(const struct vsw_fwd *f);

/** Sum of every lcore's counters for @p port. */
void
vsw_fwd_port_stats(const struct vsw_fwd *f, uint16_t port,
	struct vsw_port_stats *out);

/** Counters of PMD @p pmd (0 .. nb_pmd - 1). */
void
vsw_fwd_pmd_stats(const struct vsw_fwd *f, uint16_t pmd,
	struct vsw_pmd_stats *out);

/** Number of (port, queue) pairs PMD @p pmd polls. */
uint16_t
vsw_fwd_pmd_nb_polls(const struct vsw_fwd *f, uint16_t pmd);

/**
 * Fault injection: make PMD @p pmd hold its current view for @p ms
 * milliseconds without passing a quiescent state, as a stuck lcore would.
 * Used to test that a SUSPEND handshake gives up in bounded time.
 * Returns once the lcore has started stalling.
 *
 * @return 0, -EINVAL (ms must be 1..60000), or -ETIMEDOUT if the lcore
 *   did not take the request within a second (it is withdrawn).
 */
int
vsw_fwd_debug_stall(struct vsw_fwd *f, uint16_t pmd, uint32_t ms);

/**
 * @name Port mirroring (vsw_fwd_mirror_add()).
 * @{
 */
/** Mirrors that can exist at once. */
#define VSW_FWD_MIRROR_MAX 8
/** Source ports of one mirror. */
#define VSW_FWD_MIRROR_MAX_SRC 16
/** Directions, as bits. */
#define VSW_FWD_MIRROR_RX 1u  /**< Frames the switch receives from a
				   source. */
#define VSW_FWD_MIRROR_TX 2u  /**< Frames it delivers to a source. */

/** A mirror: what goes where. */
struct vsw_fwd_mirror {
	uint16_t out;                          /**< Output port. */
	uint16_t nb_src;
	uint16_t src[VSW_FWD_MIRROR_MAX_SRC];  /**< Source ports. */
	uint8_t dir;                           /**< VSW_FWD_MIRROR_* bits. */
};

/** A mirror and its counters (summed over the lcores). */
struct vsw_fwd_mirror_status {
	int id;                      /**< 0 .. VSW_FWD_MIRROR_MAX - 1. */
	struct vsw_fwd_mirror conf;
	uint64_t frames;             /**< Frames the output took. */
	uint64_t bytes;              /**< Their bytes. */
	uint64_t lost;               /**< Frames the output did not take
					  (ring full, link or port down,
					  suspended), or left out for want
					  of an mbuf to copy them into. */
};

/**
 * Control: add a mirror. It holds from the lcores' next iteration; when
 * this returns the output is no flood destination, its learned
 * addresses are flushed, and every lcore mirrors. Needs VSW_FWD_LEARN.
 *
 * @param err  One line saying what is wrong, on failure.
 * @return The mirror's id (>= 0), or a negative errno, with nothing
 *   changed: -EINVAL (no source, too many, a port not in use, a source
 *   twice, the output among the sources, no direction), -EBUSY (the
 *   output is already a mirror's output or source, a source is a
 *   mirror's output, or a source's direction is mirrored already),
 *   -ENOSPC (VSW_FWD_MIRROR_MAX mirrors), -ENOTSUP (not VSW_FWD_LEARN).
 */
int
vsw_fwd_mirror_add(struct vsw_fwd *f, const struct vsw_fwd_mirror *m,
	char *err, size_t errlen);

/**
 * Control: end mirror @p id. When this returns no lcore mirrors for it
 * any more (a grace period, without a deadline) and its output is a port
 * like any other again.
 *
 * @param final  Its last figures, or NULL.
 * @return 0, or -ENOENT (no such mirror).
 */
int
vsw_fwd_mirror_del(struct vsw_fwd *f, int id,
	struct vsw_fwd_mirror_status *final);

/**
 * Control: port @p port is going away. A mirror whose output it is
 * ends; a mirror it is a source of goes on without it (and ends with its
 * last source). Called by vsw_fwd_port_del() too.
 *
 * @param st  The mirror concerned, with its figures at that moment (the
 *   last ones if it ended), or NULL.
 * @return 0 (the port was in no mirror), 1 (it left a mirror that goes
 *   on), 2 (a mirror ended).
 */
int
vsw_fwd_mirror_port_removed(struct vsw_fwd *f, uint16_t port,
	struct vsw_fwd_mirror_status *st);

/**
 * Control: the mirror whose output is @p port, or that mirrors @p port
 * in a direction of @p dir (0: as output only).
 *
 * @return Its id, or -ENOENT.
 */
int
vsw_fwd_mirror_find(struct vsw_fwd *f, uint16_t port, unsigned int dir);

/**
 * Control: mirror @p id and its counters.
 *
 * @return 0, or -ENOENT (no such mirror).
 */
int
vsw_fwd_mirror_status(struct vsw_fwd *f, int id,
	struct vsw_fwd_mirror_status *out);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* VSW_FWD_H */
