/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/vport: the port set and what the control files share.
 */
#ifndef VPORT_H
#define VPORT_H

#include <pthread.h>

#include <rte_log.h>

#include "vsw_vport.h"

extern int vsw_vport_logtype;
#define VPORT_LOG(level, port, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vsw_vport_logtype, \
		"vport: port %u: " fmt, (unsigned int)(port), ##__VA_ARGS__)

struct vport {
	struct vsw_vport_conf conf;
	struct vsw_port_fsm fsm;
	int vid;             /* connection's device id, -1 without one */
	bool registered;     /* rte_vhost_driver_register() succeeded */
	struct {
		uint64_t suspends;
		uint64_t suspend_failures;
		uint64_t last_handshake_us;
		uint64_t max_handshake_us;
	} stats;
};

struct vsw_vport_set {
	pthread_mutex_t lock;    /* serialises every state change */
	struct vsw_fwd *fwd;
	struct vsw_mac_table *mac;
	uint64_t suspend_timeout_us;
	uint16_t nb_ports;
	struct vport port[VSW_MAX_PORTS];
};

/*
 * rte_vhost's callbacks carry only a vid, so the callbacks find the set
 * through this pointer: one set per process.
 */
extern struct vsw_vport_set *vport_set;

/* Port owning @p vid, or NULL. Caller holds set->lock. */
struct vport *
vport_by_vid(struct vsw_vport_set *set, int vid);

/* Publish @p p's state to the engine (no wait). Caller holds set->lock. */
int
vport_publish(struct vsw_vport_set *set, struct vport *p);

/* Ask the front-end not to kick, if the port runs. Caller holds the lock. */
void
vport_quiet_kicks(struct vport *p);

/* Install the SUSPEND/RESUME message hook on a new connection. */
int
vport_msg_attach(int vid);

#endif /* VPORT_H */
