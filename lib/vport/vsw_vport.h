/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_VPORT_H
#define VSW_VPORT_H

/**
 * @file
 * vhost-user ports: sockets, front-end connections and port state.
 *
 * A port is one vhost-user socket, server (we listen) or client (we connect
 * to a listening front-end, and reconnect when it goes away). This module
 * registers the sockets with rte_vhost, reacts to its callbacks, and keeps
 * each port's state machine (vsw_port_fsm_step()): disconnected, running,
 * suspending, suspended, resuming. Every state change is published to the
 * forwarding engine as a new view (see vsw_fwd.h); where the change must
 * not be acknowledged before the lcores let go of the device, it then waits
 * for an RCU grace period:
 *
 * - destroy_device waits without a deadline, so that once it returns no
 *   lcore touches that vid (rte_vhost frees ring state right after);
 * - SUSPEND waits with a deadline, and fails (leaving the port running)
 *   if some lcore does not pass a quiescent state in time.
 *
 * The vring_state_changed callback runs with the device's vrings locked;
 * an lcore blocked on such a lock cannot pass a quiescent state, so that
 * callback never waits and never takes the port mutex: it only updates an
 * atomic mask in the engine.
 *
 * A front-end that disconnects leaves its port configured; the port comes
 * back when a front-end connects again. A second front-end on a port that
 * already has one is refused.
 *
 * Ports come and go at run time (vsw_vport_add(), vsw_vport_del()). A
 * port has an id (the lowest free one when it is added; a removed port's
 * id is reused), a name and a socket path, and every function that finds
 * a port takes any of the three (vsw_vport_lookup()). Removal unregisters
 * the socket first, without the set's lock (rte_vhost calls back into
 * this module while it destroys the connection), then takes the port out
 * of the engine, which waits for the lcores, then flushes its MAC entries.
 *
 * Thread safety. State changes come from rte_vhost's message thread
 * ("vhost-events" in DPDK 22.11, "dpdk-vhost-evt" in 24.11: callbacks and
 * SUSPEND/RESUME messages), its reconnect thread (client ports) and from admin requests on any
 * other thread; one mutex per port set serialises them. None of these
 * functions may be called from a PMD lcore. vsw_vport_state() and the
 * other getters only read, and may be called from any thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsw_config.h"
#include "vsw_fwd.h"
#include "vsw_mac.h"
#include "vsw_util.h"
#include "vsw_vhu.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default bound on the SUSPEND handshake. */
#define VSW_VPORT_SUSPEND_TIMEOUT_US 1000000

/** Port states, as the control side sees them. */
enum vsw_port_state {
	VSW_PORT_DISCONNECTED = 0, /**< No front-end, or rings stopped. */
	VSW_PORT_RUNNING,          /**< Forwarding. */
	VSW_PORT_SUSPENDING,       /**< Parked; waiting for the lcores. */
	VSW_PORT_SUSPENDED,        /**< Parked; no lcore touches it. */
	VSW_PORT_RESUMING,         /**< Being restarted. */
	VSW_PORT_STATE_MAX
};

/** Events that drive the port state machine. */
enum vsw_port_event {
	VSW_PORT_EV_CONNECT = 0, /**< A front-end connected. */
	VSW_PORT_EV_READY,       /**< rte_vhost new_device: rings usable. */
	VSW_PORT_EV_STOP,        /**< rte_vhost destroy_device. */
	VSW_PORT_EV_CLOSE,       /**< The connection closed. */
	VSW_PORT_EV_SUSPEND,     /**< SUSPEND requested. */
	VSW_PORT_EV_QUIESCED,    /**< Every lcore let go of the device. */
	VSW_PORT_EV_TIMEOUT,     /**< An lcore did not let go in time. */
	VSW_PORT_EV_RESUME,      /**< RESUME requested. */
	VSW_PORT_EV_RESUMED,     /**< Processing restarted. */
	VSW_PORT_EV_MAX
};

/** State machine of one port. */
struct vsw_port_fsm {
	uint8_t state;   /**< enum vsw_port_state */
	bool connected;  /**< A front-end connection exists. */
	bool ready;      /**< rte_vhost reported the device ready. */
};

/**
 * Apply @p ev to @p fsm.
 *
 * @return
 *   0 if the state changed, 1 if the event was a no-op in this state
 *   (SUSPEND while suspended, RESUME while not suspended, ...),
 *   -ENOTCONN for SUSPEND without a front-end, -EBUSY for a request while
 *   another is half done, -EINVAL for an event that cannot happen here.
 *   On error @p fsm is unchanged.
 */
int
vsw_port_fsm_step(struct vsw_port_fsm *fsm, enum vsw_port_event ev);

/** What the forwarding engine must do with a port in this state. */
enum vsw_fwd_port_state
vsw_port_fsm_dp(const struct vsw_port_fsm *fsm);

/** Name of a state ("running", ...). */
const char *
vsw_port_state_name(enum vsw_port_state s);

/** Name of an event. */
const char *
vsw_port_event_name(enum vsw_port_event ev);

/**
 * Why the message firewall refused a front-end's message. Each port
 * counts its refusals by reason (struct vsw_vport_info::rejected);
 * docs/security.md explains each rule.
 */
enum vsw_vport_reject {
	VSW_REJECT_NONE = 0,        /**< Not a reason: the message passed. */
	VSW_REJECT_UNKNOWN,         /**< A message id vuswitch does not take. */
	VSW_REJECT_NOT_NEGOTIATED,  /**< Needs a feature not negotiated. */
	VSW_REJECT_BAD_HEADER,      /**< Version or flag bits. */
	VSW_REJECT_BAD_SIZE,        /**< Payload size or value range. */
	VSW_REJECT_BAD_FD,          /**< File descriptor count or kind. */
	VSW_REJECT_BAD_VRING,       /**< Vring index, size or set-up order. */
	VSW_REJECT_BAD_MEM,         /**< Memory or log region vs its file. */
	VSW_REJECT_BUSY,            /**< Memory change under live rings. */
	VSW_REJECT_LIMIT,           /**< More than a front-end may allocate. */
	VSW_REJECT_MAX
};

/** Name of a reason, as counters show it ("bad-mem", ...). */
const char *
vsw_vport_reject_name(enum vsw_vport_reject r);

/** Longest port name, without its NUL. */
#define VSW_VPORT_NAME_MAX 31

/** Longest device string of an ethdev port, without its NUL. */
#define VSW_VPORT_DEVARGS_MAX 255

/** The prefix that makes a port spec an ethdev port: "eth:DEVARGS". */
#define VSW_VPORT_ETH_PREFIX "eth:"

/** What a port is. */
enum vsw_vport_kind {
	VSW_VPORT_VHOST = 0, /**< A vhost-user socket (path). */
	VSW_VPORT_ETH,       /**< A DPDK ethdev (devargs): a NIC, a tap, a
				  memif, an AF_XDP or AF_PACKET socket. */
};

/** Configuration of one port. */
struct vsw_vport_conf {
	uint8_t kind;       /**< enum vsw_vport_kind */
	char path[VSW_VHU_PATH_MAX + 1]; /**< vhost: socket path; eth: "". */
	/**
	 * eth: the device. Either the name of an ethdev EAL already made
	 * (--vdev, -a: "net_tap0", "0000:01:00.0"), used as it is and left
	 * to EAL when the port goes, or a DPDK device string
	 * ("net_tap0,iface=vsw0", a PCI address) that vsw_vport_add()
	 * probes with rte_dev_probe() and the port's removal removes.
	 */
	char devargs[VSW_VPORT_DEVARGS_MAX + 1];
	/**
	 * Name (vsw_vport_check_name()); empty: vsw_vport_add() makes one
	 * from the socket's file name ("/run/vm1.sock": "vm1"), or for an
	 * ethdev from its ethdev name ("net_tap0").
	 */
	char name[VSW_VPORT_NAME_MAX + 1];
	uint64_t pmd_mask;  /**< PMDs that may poll it (bit i: PMD index
			       i, see vsw_fwd_port_conf); 0: any. */
	bool client;        /**< vhost: connect instead of listen. */
	bool suspend;       /**< vhost: advertise protocol feature SUSPEND
				 *   (VSW_VHU_PROTOCOL_F_SUSPEND). */
	struct vsw_vlan_conf vlan; /**< Its VLANs (VLAN 0: none). */
	/**
	 * Queue pairs to poll (1..VSW_MAX_QUEUES). An ethdev gets this
	 * many RX queues (spread by RSS when it has it) and one TX queue
	 * per PMD lcore, and no fewer TX than RX queues (a memif peer pairs
	 * them); a device that wants as many RX as TX queues (a tap) gets
	 * the larger count of both, and all of them are polled.
	 */
	uint8_t nb_queues;
	bool offload;       /**< vhost: offer checksum and TCP segmentation
				 *   offloads (VSW_VPORT_OFFLOAD_FEATURES);
				 *   ethdev: use the device's. */
};

/**
 * virtio-net features of the offloads a port offers unless its
 * vsw_vport_conf::offload is off: CSUM, GUEST_CSUM, HOST_TSO4/6 and
 * GUEST_TSO4/6 (bits 0, 1, 11, 12, 7, 8).
 */
#define VSW_VPORT_OFFLOAD_FEATURES ((1ULL << 0) | (1ULL << 1) | \
	(1ULL << 11) | (1ULL << 12) | (1ULL << 7) | (1ULL << 8))

/**
 * virtio-net features no port offers although rte_vhost would: GSO (6),
 * GUEST_ECN (9), GUEST_UFO (10), HOST_ECN (13), HOST_UFO (14). See
 * vport_offload.c for why.
 */
#define VSW_VPORT_NEVER_FEATURES ((1ULL << 6) | (1ULL << 9) | \
	(1ULL << 10) | (1ULL << 13) | (1ULL << 14))

/** virtio-net features a port with offloads on or off does not offer. */
uint64_t
vsw_vport_features_disabled(bool offload);

/**
 * The forwarding engine's offload bits (VSW_FWD_OL_*) for a connection
 * that negotiated virtio-net @p features. TSO counts only with checksum
 * offload in the same direction, as the virtio specification requires.
 */
uint8_t
vsw_vport_offloads(uint64_t features);

/**
 * The forwarding engine's offload bits (VSW_FWD_OL_TX_*) for an ethdev
 * whose driver is @p driver and whose transmit offload capabilities are
 * @p capa (rte_eth_dev_info), and in @p enable the device offloads
 * (RTE_ETH_TX_OFFLOAD_*) to configure for them. Checksum offload needs
 * TCP and UDP checksums and multi-segment transmit (an offloaded frame
 * reaches the device as a chain); TSO needs checksum offload, and for
 * IPv4 the IPv4 header checksum. Drivers whose TSO does not do what
 * DPDK promises (net_tap: see vport_offload.c) get none.
 */
uint8_t
vsw_vport_eth_offloads(const char *driver, uint64_t capa, uint64_t *enable);

/** Parameters of vsw_vport_create(). */
struct vsw_vport_params {
	uint16_t nb_ports;  /**< Ports to create now (ids 0..nb_ports-1);
			       0 is allowed (ports come later). */
	struct vsw_vport_conf port[VSW_MAX_PORTS];
	struct vsw_fwd *fwd;           /**< Engine the ports feed. */
	struct vsw_mac_table *mac;     /**< Flushed per port on disconnect;
					    may be NULL (xconnect). */
	uint64_t suspend_timeout_us;   /**< Bound on a SUSPEND handshake;
					    0 means the default. */
	/**
	 * SCHED_FIFO priority for rte_vhost's message thread (1..99), or
	 * 0 to leave it alone. A SUSPEND ack waits for that thread to be
	 * scheduled; on a host where it shares CPUs with busy-polling
	 * guests, normal priority puts milliseconds of scheduler delay into
	 * the ack. The thread sleeps in poll() between messages.
	 */
	int ctrl_priority;
	/**
	 * Let every front-end message through to rte_vhost unchecked (the
	 * message firewall off; docs/security.md). For measuring what
	 * rte_vhost itself does with hostile input, never for production.
	 */
	bool no_firewall;
	bool xconnect;      /**< The engine patches ports in pairs: no
				 VLANs (ports with VLANs are refused). */
	/**
	 * MTU of the ethdev ports (0: VSW_VPORT_MTU_DEFAULT). Frames bigger
	 * than one mbuf's data room are received in chains of mbufs, which
	 * needs a device with RX scatter.
	 */
	uint16_t mtu;
};

/**
 * Descriptors asked for per ethdev queue (the device may adjust them);
 * each may hold an mbuf of the engine's pool.
 */
#define VSW_VPORT_ETH_DESC 1024

/**
 * The share of the mbuf pool (percent) that every ethdev port's
 * descriptors may hold together; a port that would take more is
 * refused. The rest is for bursts in flight and backlogs.
 */
#define VSW_VPORT_ETH_POOL_PCT 50

/** Default and largest MTU of ethdev ports. */
#define VSW_VPORT_MTU_DEFAULT 1500
#define VSW_VPORT_MTU_MIN 68
#define VSW_VPORT_MTU_MAX 9000

/** The set of ports of one switch. */
struct vsw_vport_set;

/**
 * Check that a socket path can be used, before anything is created.
 *
 * For a server port the directory must exist and the path must not be in
 * use. A stale socket (a socket file nobody listens on) is removed; any
 * other existing file is an error. For a client port the directory must
 * exist. Needs no EAL.
 *
 * @param err
 *   Buffer for a one-line reason when the check fails.
 * @return
 *   0, or a negative errno (-ENAMETOOLONG, -ENOENT, -EADDRINUSE, -EEXIST).
 */
int
vsw_vport_check_path(const char *path, bool client, char *err, size_t errlen);

/**
 * Check a port name: 1 to VSW_VPORT_NAME_MAX letters, digits, '.', '_'
 * or '-', and not only digits (that would read as an id). Needs no EAL.
 *
 * @return 0 or -EINVAL with a one-line reason in @p err.
 */
int
vsw_vport_check_name(const char *name, char *err, size_t errlen);

/**
 * Check a whole configuration: port count, queue counts, names, every
 * path with vsw_vport_check_path(), and duplicate names and paths (after
 * resolving the directory, so "./a.sock" and "a.sock" are the same).
 * Needs no EAL.
 *
 * @return 0, or a negative errno with a one-line reason in @p err.
 */
int
vsw_vport_check_params(const struct vsw_vport_params *params, char *err,
	size_t errlen);

/**
 * Register every port's socket with rte_vhost (nothing listens or connects
 * until vsw_vport_start()). On failure nothing is left registered and no
 * socket file is left behind.
 *
 * @param err
 *   Buffer for a one-line reason when creation fails.
 * @return
 *   The set, or NULL with rte_errno set.
 */
struct vsw_vport_set *
vsw_vport_create(const struct vsw_vport_params *params, char *err,
	size_t errlen);

/**
 * Start listening (server ports) or connecting (client ports), then give
 * rte_vhost's message thread the real-time priority asked for
 * (vsw_vport_params::ctrl_priority).
 *
 * @return 0, or a negative errno with the reason in @p err: -EIO if a
 *   socket cannot be started, -ESRCH if rte_vhost's message thread
 *   cannot be found. Lacking the permission to raise the priority only
 *   logs a warning.
 */
int
vsw_vport_start(struct vsw_vport_set *set, char *err, size_t errlen);

/**
 * Unregister every socket (removing server socket files) and free the set.
 * Connected devices are destroyed first, which waits for the lcores, so
 * the engine must still be running. NULL is accepted.
 */
void
vsw_vport_free(struct vsw_vport_set *set);

/**
 * Add a port at run time (or before vsw_vport_start()): check it against
 * the filesystem and the other ports (path, name), give it the lowest
 * free id, add it to the engine (where its queues are placed), register
 * its socket and, once the set is started, listen or connect. When this
 * returns a front-end can connect. On failure nothing is left behind.
 *
 * @param conf
 *   The port; an empty name gets a default (see vsw_vport_conf::name).
 * @param err
 *   Buffer for a one-line reason when it fails.
 * @return
 *   The new port's id, or a negative errno: -EEXIST (path or name taken),
 *   -ENOSPC (VSW_MAX_PORTS ports), -EINVAL (bad name, queues or PMD
 *   mask), the errors of vsw_vport_check_path(), -EIO (rte_vhost refused
 *   the socket).
 */
int
vsw_vport_add(struct vsw_vport_set *set, const struct vsw_vport_conf *conf,
	char *err, size_t errlen);

/**
 * Remove a port, whatever its state (never connected, connected,
 * suspended with a backlog, a client port still trying to connect): the
 * socket is unregistered and its front-end disconnected; then, once no
 * lcore can touch the port any more, its MAC entries are flushed and its
 * backlog discarded (counted as port-down). Its id is free when this
 * returns.
 *
 * @return 0, or -ENOENT (no such port).
 */
int
vsw_vport_del(struct vsw_vport_set *set, uint16_t port);

/** Number of ports. */
uint16_t
vsw_vport_count(const struct vsw_vport_set *set);

/**
 * The first port id at or after @p from, for walking the ports:
 * for (id = vsw_vport_next(set, 0); id >= 0; id = vsw_vport_next(set, id + 1)).
 *
 * @return The id, or -1 when there is none.
 */
int
vsw_vport_next(const struct vsw_vport_set *set, unsigned int from);

/**
 * Configuration of a port, or NULL. The pointer stays valid until the
 * port is removed: callers that may race with vsw_vport_del() copy it
 * with vsw_vport_conf_get() instead.
 */
const struct vsw_vport_conf *
vsw_vport_conf(const struct vsw_vport_set *set, uint16_t port);

/** Copy the configuration of @p port. @return 0 or -ENOENT. */
int
vsw_vport_conf_get(struct vsw_vport_set *set, uint16_t port,
	struct vsw_vport_conf *conf);

/** Current state of a port. */
enum vsw_port_state
vsw_vport_state(const struct vsw_vport_set *set, uint16_t port);

/**
 * Ports in SUSPENDING, SUSPENDED or RESUMING, into bitmap @p ports of
 * VSW_BITMAP_WORDS(VSW_MAX_PORTS) words (vsw_util.h).
 */
void
vsw_vport_parked_ports(const struct vsw_vport_set *set, uint64_t *ports);

/**
 * Suspend a port: park it in the engine, then wait (at most the suspend
 * timeout) until no PMD lcore can still touch its device. This is what a
 * front-end's SUSPEND does; an operator may call it too. The operator and
 * the front-end share one suspended state: a RESUME from either ends it.
 *
 * @return
 *   0 when suspended (also if it already was), -ENOTCONN without a
 *   front-end, -EBUSY while another suspend or resume is half done,
 *   -ETIMEDOUT if an lcore did not let go in time (the port is left as it
 *   was), -ENOMEM if the backlog could not be allocated, -ENOTSUP for an
 *   ethdev port.
 */
int
vsw_vport_suspend(struct vsw_vport_set *set, uint16_t port);

/**
 * Resume a suspended port. A port that is not suspended is left alone.
 *
 * @return 0, or a negative errno.
 */
int
vsw_vport_resume(struct vsw_vport_set *set, uint16_t port);

/**
 * Buckets of the SUSPEND handshake histogram: handshakes of at most
 * VSW_VPORT_HS_BOUNDS_US[i] microseconds, and a last bucket for longer ones.
 */
#define VSW_VPORT_HS_BOUNDS_US \
	{ 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000 }
#define VSW_VPORT_HS_BUCKETS 13

/** What vsw_vport_info() reports. */
struct vsw_vport_info {
	enum vsw_port_state state;
	bool connected;
	bool ready;
	int vid;
	bool suspend_negotiated;    /**< Front-end negotiated bit 18. */
	uint64_t protocol_features; /**< Negotiated, 0 if not connected. */
	uint64_t features;          /**< virtio features negotiated, 0 if
					 not connected. */
	uint8_t offloads;           /**< VSW_FWD_OL_* of the connection. */
	uint64_t suspends;          /**< Successful SUSPEND handshakes. */
	uint64_t suspend_failures;  /**< Handshakes that timed out. */
	uint64_t last_handshake_us; /**< Duration of the last handshake. */
	uint64_t max_handshake_us;
	/** Successful handshakes by duration (VSW_VPORT_HS_BOUNDS_US; not
	 * cumulative), and their total duration. */
	uint64_t handshake_hist[VSW_VPORT_HS_BUCKETS];
	uint64_t handshake_sum_us;
	/** Front-end messages refused, by reason (index 0 unused). */
	uint64_t rejected[VSW_REJECT_MAX];
};

/**
 * Change the VLANs of a port at run time; its MAC entries (learned on
 * the old VLANs) are flushed.
 *
 * @return 0, -ENOENT (no such port), -EINVAL (bad VLANs, or a switch in
 *   xconnect mode), -ENOMEM; with a reason in @p err.
 */
int
vsw_vport_set_vlan(struct vsw_vport_set *set, uint16_t port,
	const struct vsw_vlan_conf *vc, char *err, size_t errlen);

/** What vsw_vport_eth_info() reports of an ethdev port. */
struct vsw_vport_eth_info {
	uint16_t eth_port;       /**< ethdev port id */
	bool owned;              /**< probed by vuswitch (removed with it) */
	bool link_up;
	uint32_t link_speed;     /**< Mbit/s, as the device reports it */
	uint64_t link_changes;   /**< link transitions seen since added */
	uint16_t nb_rxq;         /**< RX queues (all polled) */
	uint16_t nb_txq;         /**< TX queues (one per PMD lcore) */
	uint16_t nb_rxd, nb_txd; /**< descriptors per queue */
	uint16_t mtu;
	bool scatter;            /**< receives chains of mbufs */
	uint64_t tx_offload_capa; /**< the device's (RTE_ETH_TX_OFFLOAD_*) */
	uint64_t tx_offloads;    /**< those configured */
	uint8_t offloads;        /**< what the engine uses (VSW_FWD_OL_*) */
};

/**
 * Fill @p info for ethdev port @p port.
 *
 * @return 0, or -EINVAL (no such port, or not an ethdev).
 */
int
vsw_vport_eth_info(struct vsw_vport_set *set, uint16_t port,
	struct vsw_vport_eth_info *info);

/**
 * Look at the link of every ethdev port, and tell the engine about the
 * ones that went up or down (frames towards a port whose link is down
 * are dropped and counted as port-down). Call it at a steady pace (the
 * switch does once a second).
 *
 * @return How many links changed.
 */
unsigned int
vsw_vport_poll_links(struct vsw_vport_set *set);

/** Fill @p info for @p port. @return 0 or -EINVAL. */
int
vsw_vport_info(struct vsw_vport_set *set, uint16_t port,
	struct vsw_vport_info *info);

/**
 * Find a port by id ("3"), name, socket path, or an ethdev port's device
 * string (with or without "eth:"); -1 if none.
 */
int
vsw_vport_lookup(const struct vsw_vport_set *set, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* VSW_VPORT_H */
