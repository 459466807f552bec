/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/vport: the port set and what its files share.
 *
 * The files depend on each other one way only:
 *
 *   vport_admin.c     the set's life: create, start, add and remove
 *     |               ports, free
 *   vport_ctl.c       registration, rte_vhost device callbacks, getters
 *     |     \
 *     |    vport_msg.c       the message hooks: firewall, then 41/42
 *     |     /     \      \
 *     |  vport_suspend.c   vport_fw.c (pure)   vport_fd.c
 *     |     /              SUSPEND/RESUME; message rules; fds, sockets
 *   vport_state.c            state events, publication to the engine
 *
 *   vport_path.c, vport_dpdk_compat.c, vport_fsm.c: leaves (socket
 *   paths and names, DPDK internals, the pure state machine), used from
 *   above.
 */
#ifndef VPORT_H
#define VPORT_H

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sys/types.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include <rte_vhost.h>

#include "vport_dpdk_compat.h"
#include "vport_fw.h"
#include "vsw_util.h"
#include "vsw_vport.h"

extern int vsw_vport_logtype;
#define VPORT_LOG(level, port, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vsw_vport_logtype, \
		"vport: port %u: " fmt, (unsigned int)(port), ##__VA_ARGS__)

/* A one-line reason into the caller's buffer. */
#define ERRF(err, len, ...) snprintf((err), (len), __VA_ARGS__)

/* Messages a front-end can cause: at most this many a second per port. */
#define VPORT_LOG_BURST 10

/*
 * Log for port @p p, rate-limited per port: for anything a front-end can
 * trigger at will. Caller holds the set's lock.
 */
#define VPORT_LOG_RL(level, set, p, fmt, ...) do { \
	uint64_t vport_sup_; \
	if (vsw_ratelimit_allow(&(p)->log_rl, rte_get_timer_cycles(), \
			&vport_sup_)) { \
		if (vport_sup_ != 0) \
			VPORT_LOG(level, vport_id(set, p), "%" PRIu64 \
				" similar messages suppressed\n", vport_sup_); \
		VPORT_LOG(level, vport_id(set, p), fmt, ##__VA_ARGS__); \
	} \
} while (0)

/* An ethdev port's device (vport_eth.c). */
struct vport_eth {
	uint16_t port_id;    /* ethdev port id */
	bool owned;          /* probed here: removed with the port */
	bool started;        /* rte_eth_dev_start() succeeded */
	bool link_up;        /* as the engine was last told */
	bool scatter;        /* RX in chains of mbufs */
	uint32_t link_speed;
	uint64_t link_changes;
	int socket_id;       /* NUMA node of the device, or SOCKET_ID_ANY */
	uint16_t nb_rxq, nb_txq, nb_rxd, nb_txd;
	uint32_t mbufs;      /* what its descriptors may hold */
	uint64_t tx_capa;    /* the device's transmit offloads */
	uint64_t tx_offloads; /* those configured */
	uint8_t ol;          /* VSW_FWD_OL_* the engine uses */
};

struct vport {
	struct vsw_vport_conf conf;
	struct vport_eth eth;  /* conf.kind == VSW_VPORT_ETH */
	struct vsw_port_fsm fsm;
	int vid;             /* connection's device id, -1 without one */
	bool in_use;         /* the slot holds a port */
	bool removing;       /* being removed: refuse new connections */
	bool registered;     /* rte_vhost_driver_register() succeeded */
	struct vsw_ratelimit log_rl;
	/*
	 * The connection's firewall state, its own log limiter and the
	 * refusal counters: used only on rte_vhost's message thread (the
	 * counters are read by others with relaxed atomic loads).
	 */
	struct vport_fw fw;
	int conn_fd;         /* the connection's socket (rte_vhost's), or -1 */
	struct {             /* fds of the last message read, until heard */
		int n;
		int fd[VSW_VHU_MAX_FDS];
		dev_t dev[VSW_VHU_MAX_FDS];
		ino_t ino[VSW_VHU_MAX_FDS];
	} unheard;
	struct vsw_ratelimit fw_log_rl;
	uint64_t rejected[VSW_REJECT_MAX];
	struct {
		uint64_t suspends;
		uint64_t suspend_failures;
		uint64_t last_handshake_us;
		uint64_t max_handshake_us;
		uint64_t handshake_hist[VSW_VPORT_HS_BUCKETS];
		uint64_t handshake_sum_us;
	} stats;
};

struct vsw_vport_set {
	pthread_mutex_t lock;    /* serialises every state change */
	/*
	 * Serialises adding and removing ports (taken before lock, and
	 * never by rte_vhost's callbacks, so that it can be held while
	 * rte_vhost registers, starts or unregisters a socket).
	 */
	pthread_mutex_t admin;
	bool started;            /* vsw_vport_start() ran */
	struct vsw_fwd *fwd;
	struct vsw_mac_table *mac;
	uint64_t suspend_timeout_us;
	int ctrl_priority;       /* SCHED_FIFO for rte_vhost's thread */
	bool no_firewall;        /* the firewall is off (testing only) */
	uint16_t mtu;            /* of ethdev ports */
	bool xconnect;           /* no VLANs */
	uint32_t eth_mbufs;      /* what every ethdev port's descriptors
				    may hold together (vport_eth.c) */
	bool ctrl_raised;        /* ... and it has it */
	bool wake_warned;        /* could not wake that thread; said so */
	uint16_t nb_ports;       /* ports in use */
	uint16_t end;            /* one past the highest id in use */
	/*
	 * The port of each live connection's vid, or -1: written under
	 * lock, read without it by cb_vring_state_changed() (atomically).
	 */
	int16_t vid_port[VPORT_DPDK_MAX_VID];
	struct vport port[VSW_MAX_PORTS];
};

/*
 * rte_vhost's callbacks carry only a vid, so the callbacks find the set
 * through this pointer: one set per process.
 */
extern struct vsw_vport_set *vport_set;

static inline uint16_t
vport_id(const struct vsw_vport_set *set, const struct vport *p)
{
	return (uint16_t)(p - set->port);
}

/*
 * Port owning @p vid, or NULL. Caller holds set->lock, or is on the
 * thread that owns that connection (see cb_vring_state_changed()).
 */
static inline struct vport *
vport_by_vid(struct vsw_vport_set *set, int vid)
{
	int16_t id;

	if (vid < 0 || vid >= VPORT_DPDK_MAX_VID)
		return NULL;
	id = __atomic_load_n(&set->vid_port[vid], __ATOMIC_ACQUIRE);
	return id < 0 ? NULL : &set->port[id];
}

/* Port @p id if it is in use, or NULL. Caller holds set->lock. */
static inline struct vport *
vport_get(struct vsw_vport_set *set, uint16_t id)
{
	if (id >= set->end || !set->port[id].in_use)
		return NULL;
	return &set->port[id];
}

/* vport_state.c. Callers hold set->lock. */

/* Publish @p p's state to the engine (no wait; cannot fail). */
void
vport_publish(struct vsw_vport_set *set, struct vport *p);

/* Apply @p ev to @p p's state machine and publish the result. */
int
vport_event(struct vsw_vport_set *set, struct vport *p,
	enum vsw_port_event ev);

/* Ask the front-end not to kick, if the port runs. */
void
vport_quiet_kicks(struct vport *p);

/*
 * The connection of @p p is gone (destroy_connection, or the socket was
 * unregistered): forget its vid, its rings and its MAC entries.
 * Caller holds set->lock.
 */
void
vport_conn_gone(struct vsw_vport_set *set, struct vport *p);

/* vport_ctl.c: register @p p's socket with rte_vhost (not started). */
int
vport_register(struct vport *p, char *err, size_t errlen);

/* vport_eth.c. Callers hold set->admin, not set->lock. */

/*
 * Find or probe the device of @p c, check it can give the queues and
 * the MTU, and configure it (not started) into @p e.
 */
int
vport_eth_open(struct vsw_vport_set *set, const struct vsw_vport_conf *c,
	struct vport_eth *e, char *err, size_t errlen);

/* Start the device of @p p (added to the engine) and publish it RUN. */
int
vport_eth_start(struct vsw_vport_set *set, struct vport *p, char *err,
	size_t errlen);

/*
 * Stop the device; close and remove it if it was probed here. No lcore
 * may use it any more (vsw_fwd_port_del() returned).
 */
void
vport_eth_close(struct vsw_vport_set *set, struct vport_eth *e);

/* The ethdev name of @p e's device, as a port name, into @p name. */
void
vport_eth_default_name(const struct vport_eth *e, char *name, size_t len);

/* vport_path.c */

/* Characters of a port name besides letters and digits. */
#define VPORT_NAME_CHARS "abcdefghijklmnopqrstuvwxyz" \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

#define VPORT_CANON_LEN (PATH_MAX + VSW_VHU_PATH_MAX + 2)

/* @p path with its directory resolved: "dir/./x.sock" is "dir/x.sock". */
void
vport_canonical_path(const char *path, char *out, size_t len);

/* vport_msg.c */

/*
 * A new connection on @p p: reset its firewall state, guard its socket
 * against stalled messages, and install the message hooks.
 */
int
vport_msg_attach(struct vsw_vport_set *set, struct vport *p, int vid);

/*
 * The connection of @p p is gone: close the fds of a last message
 * rte_vhost read but never handed to the hook (vport_dpdk_compat.h, 4).
 */
void
vport_msg_detach(struct vsw_vport_set *set, struct vport *p);

/* Follow the fds rte_vhost receives (see vport_msg_detach()). */
void
vport_msg_watch(bool on);

/* vport_suspend.c. Callers hold set->lock. */

/* Park the port and wait for the lcores (see vsw_vport_suspend()). */
int
vport_suspend_locked(struct vsw_vport_set *set, struct vport *p);

/* Restart a suspended port (see vsw_vport_resume()). */
int
vport_resume_locked(struct vsw_vport_set *set, struct vport *p);

/* Handle message 41 or 42 (already through the firewall). */
enum rte_vhost_msg_result
vport_suspend_msg(struct vsw_vport_set *set, struct vport *p, int vid,
	struct vport_dpdk_msg *m);

/* vport_fd.c */

/* What @p fd is, for the firewall (a vport_fw_fdinfo_t). */
int
vport_fd_info(int fd, struct vport_fw_fd *out);

/*
 * Give the connection socket of @p path receive and send timeouts.
 * @return the socket (rte_vhost owns it), or -ENOENT if none was found.
 */
int
vport_fd_guard_conn(const char *path, unsigned int timeout_ms);

/* Bytes sent on connection socket @p fd that its peer has not read. */
int
vport_fd_unread(int fd);

/* vport_dpdk_compat.c */

/*
 * Give rte_vhost's message thread SCHED_FIFO priority @p prio.
 * @return 0, -ESRCH if no such thread exists (the compat layer does not
 * know this DPDK), or the negative errno of sched_setscheduler().
 */
int
vport_dpdk_raise_events_thread(int prio);

#endif /* VPORT_H */
