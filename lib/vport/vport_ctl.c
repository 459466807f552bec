/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control side of vhost-user ports: registration with rte_vhost, the
 * device callbacks, and the getters.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_vhost.h>

#include "vport.h"
#include "vport_dpdk_compat.h"
#include "vsw_vhu.h"

RTE_LOG_REGISTER_DEFAULT(vsw_vport_logtype, INFO);

struct vsw_vport_set *vport_set;

static struct vport *
vport_by_ifname(struct vsw_vport_set *set, int vid)
{
	char name[PATH_MAX];
	uint16_t i;

	if (rte_vhost_get_ifname(vid, name, sizeof(name)) != 0)
		return NULL;
	for (i = 0; i < set->end; i++)
		if (set->port[i].in_use && !set->port[i].removing &&
				strcmp(set->port[i].conf.path, name) == 0)
			return &set->port[i];
	return NULL;
}

static int
cb_new_connection(int vid)
{
	struct vsw_vport_set *set = vport_set;
	struct vport *p;
	int ret;

	pthread_mutex_lock(&set->lock);
	p = vport_by_ifname(set, vid);
	if (p == NULL || vid < 0 || vid >= VPORT_DPDK_MAX_VID) {
		pthread_mutex_unlock(&set->lock);
		return -1;
	}
	if (p->fsm.connected) {
		VPORT_LOG_RL(WARNING, set, p,
			"refusing a second front-end on %s\n", p->conf.path);
		pthread_mutex_unlock(&set->lock);
		return -1;
	}
	/* vids are reused: the hooks go on every connection. No firewall,
	 * no connection. */
	if (vport_msg_attach(set, p, vid) != 0) {
		VPORT_LOG_RL(ERR, set, p, "cannot install the message "
			"firewall; refusing the front-end\n");
		pthread_mutex_unlock(&set->lock);
		return -1;
	}
	ret = vport_event(set, p, VSW_PORT_EV_CONNECT);
	if (ret == 0) {
		p->vid = vid;
		__atomic_store_n(&set->vid_port[vid], (int16_t)vport_id(set, p),
			__ATOMIC_RELEASE);
		vsw_fwd_vring_reset(set->fwd, vport_id(set, p));
	}
	pthread_mutex_unlock(&set->lock);
	return ret < 0 ? -1 : 0;
}

void
vport_conn_gone(struct vsw_vport_set *set, struct vport *p)
{
	uint32_t flushed = 0;

	vport_event(set, p, VSW_PORT_EV_CLOSE);
	vsw_fwd_sync(set->fwd, 0);
	vport_msg_detach(set, p);
	if (p->vid >= 0 && p->vid < VPORT_DPDK_MAX_VID &&
			set->vid_port[p->vid] == (int16_t)vport_id(set, p))
		__atomic_store_n(&set->vid_port[p->vid], -1, __ATOMIC_RELEASE);
	p->vid = -1;
	vsw_fwd_vring_reset(set->fwd, vport_id(set, p));
	if (set->mac != NULL)
		flushed = vsw_mac_flush_port(set->mac, vport_id(set, p));
	VPORT_LOG_RL(INFO, set, p,
		"front-end disconnected, %u MAC entries flushed\n", flushed);
}

static void
cb_destroy_connection(int vid)
{
	struct vsw_vport_set *set = vport_set;
	struct vport *p;

	pthread_mutex_lock(&set->lock);
	p = vport_by_vid(set, vid);
	if (p != NULL)
		vport_conn_gone(set, p);
	pthread_mutex_unlock(&set->lock);
}

static int
cb_new_device(int vid)
{
	struct vsw_vport_set *set = vport_set;
	uint64_t features;
	struct vport *p;
	int node, ret;

	pthread_mutex_lock(&set->lock);
	p = vport_by_vid(set, vid);
	if (p == NULL) {
		pthread_mutex_unlock(&set->lock);
		return -1;
	}
	/* Its queues to PMDs on the node of the guest's memory. */
	node = rte_vhost_get_numa_node(vid);
	if (node >= 0)
		vsw_fwd_port_numa(set->fwd, vport_id(set, p), node);
	if (rte_vhost_get_vring_num(vid) > 2 * p->conf.nb_queues)
		VPORT_LOG_RL(WARNING, set, p,
			"front-end has %u queue pairs, only %u are polled\n",
			rte_vhost_get_vring_num(vid) / 2, p->conf.nb_queues);
	/* Fixed until destroy_device: rte_vhost refuses to change them. */
	if (rte_vhost_get_negotiated_features(vid, &features) != 0)
		features = 0;
	vsw_fwd_port_offloads(set->fwd, vport_id(set, p), p->conf.offload ?
		vsw_vport_offloads(features) : 0);
	ret = vport_event(set, p, VSW_PORT_EV_READY);
	vport_quiet_kicks(p);
	pthread_mutex_unlock(&set->lock);
	return ret < 0 ? -1 : 0;
}

/*
 * rte_vhost frees ring state as soon as this returns (GET_VRING_BASE,
 * RESET_OWNER, disconnect), so wait for the lcores without a deadline.
 */
static void
cb_destroy_device(int vid)
{
	struct vsw_vport_set *set = vport_set;
	struct vport *p;

	pthread_mutex_lock(&set->lock);
	p = vport_by_vid(set, vid);
	if (p != NULL) {
		vport_event(set, p, VSW_PORT_EV_STOP);
		vsw_fwd_sync(set->fwd, 0);
	}
	pthread_mutex_unlock(&set->lock);
}

/*
 * Called with the device's vrings locked: an lcore may be spinning on one
 * of those locks, so neither wait nor take set->lock here. vport_by_vid()
 * reads p->vid without the lock: the vid of this live connection was set
 * before its first message was read and is only cleared when it closes,
 * on this thread; other ports' vids may change meanwhile (a client port's
 * new_connection runs on the reconnect thread) but never to this vid.
 */
static int
cb_vring_state_changed(int vid, uint16_t vring, int enable)
{
	struct vsw_vport_set *set = vport_set;
	struct vport *p = vport_by_vid(set, vid);

	if (p != NULL)
		vsw_fwd_vring_state(set->fwd, vport_id(set, p), vring, enable);
	return 0;
}

static const struct rte_vhost_device_ops vport_ops = {
	.new_device = cb_new_device,
	.destroy_device = cb_destroy_device,
	.vring_state_changed = cb_vring_state_changed,
	.new_connection = cb_new_connection,
	.destroy_connection = cb_destroy_connection,
};

/*
 * Protocol features vuswitch lets rte_vhost offer. Left out: PAGEFAULT
 * (postcopy migration), CRYPTO_SESSION, HOST_NOTIFIER and
 * BACKEND_SEND_FD (vDPA), INFLIGHT_SHMFD and CONFIG: none has a use in a
 * switch, and their messages are the ones the firewall refuses
 * (docs/security.md).
 */
#define VPORT_PROTOCOL_FEATURES ((1ULL << VHOST_USER_PROTOCOL_F_MQ) | \
	(1ULL << VHOST_USER_PROTOCOL_F_LOG_SHMFD) | \
	(1ULL << VHOST_USER_PROTOCOL_F_RARP) | \
	(1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	(1ULL << VHOST_USER_PROTOCOL_F_NET_MTU) | \
	(1ULL << VPORT_DPDK_PF_BACKEND_REQ) | \
	(1ULL << VHOST_USER_PROTOCOL_F_STATUS))

/*
 * After register (which resets them), before start. rte_vhost does not
 * mask what it is given, so the draft's bit 18 can be added.
 */
static int
set_protocol_features(struct vport *p)
{
	uint64_t pf;

	if (rte_vhost_driver_get_protocol_features(p->conf.path, &pf) != 0)
		return -EIO;
	pf &= VPORT_PROTOCOL_FEATURES;
	if (p->conf.suspend)
		pf |= 1ULL << VSW_VHU_PROTOCOL_F_SUSPEND;
	return rte_vhost_driver_set_protocol_features(p->conf.path, pf);
}

int
vport_register(struct vport *p, char *err, size_t errlen)
{
	uint64_t flags = RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS;

	if (p->conf.client)
		flags |= RTE_VHOST_USER_CLIENT;
	if (rte_vhost_driver_register(p->conf.path, flags) != 0) {
		ERRF(err, errlen, "cannot register vhost-user socket %s",
			p->conf.path);
		return -EIO;
	}
	p->registered = true;
	if (rte_vhost_driver_disable_features(p->conf.path,
			vsw_vport_features_disabled(p->conf.offload)) != 0 ||
			rte_vhost_driver_callback_register(p->conf.path,
				&vport_ops) != 0 ||
			set_protocol_features(p) != 0) {
		ERRF(err, errlen, "cannot configure vhost-user socket %s",
			p->conf.path);
		return -EIO;
	}
	return 0;
}

uint16_t
vsw_vport_count(const struct vsw_vport_set *set)
{
	return set->nb_ports;
}

int
vsw_vport_next(const struct vsw_vport_set *set, unsigned int from)
{
	unsigned int i;

	for (i = from; i < set->end; i++)
		if (set->port[i].in_use)
			return (int)i;
	return -1;
}

const struct vsw_vport_conf *
vsw_vport_conf(const struct vsw_vport_set *set, uint16_t port)
{
	return port < set->end && set->port[port].in_use ?
		&set->port[port].conf : NULL;
}

int
vsw_vport_conf_get(struct vsw_vport_set *set, uint16_t port,
	struct vsw_vport_conf *conf)
{
	struct vport *p;

	pthread_mutex_lock(&set->lock);
	p = vport_get(set, port);
	if (p != NULL)
		*conf = p->conf;
	pthread_mutex_unlock(&set->lock);
	return p != NULL ? 0 : -ENOENT;
}

enum vsw_port_state
vsw_vport_state(const struct vsw_vport_set *set, uint16_t port)
{
	if (port >= set->end || !set->port[port].in_use)
		return VSW_PORT_DISCONNECTED;
	return (enum vsw_port_state)__atomic_load_n(
		&set->port[port].fsm.state, __ATOMIC_RELAXED);
}

void
vsw_vport_parked_ports(const struct vsw_vport_set *set, uint64_t *ports)
{
	uint16_t i;

	memset(ports, 0, VSW_BITMAP_WORDS(VSW_MAX_PORTS) * sizeof(*ports));
	for (i = 0; i < set->end; i++)
		if (set->port[i].in_use &&
				vsw_port_fsm_dp(&set->port[i].fsm) == VSW_FWD_PARK)
			vsw_bitmap_set(ports, i);
}

int
vsw_vport_info(struct vsw_vport_set *set, uint16_t port,
	struct vsw_vport_info *info)
{
	struct vport *p;
	int i;

	memset(info, 0, sizeof(*info));
	pthread_mutex_lock(&set->lock);
	p = vport_get(set, port);
	if (p == NULL) {
		pthread_mutex_unlock(&set->lock);
		return -EINVAL;
	}
	info->state = (enum vsw_port_state)p->fsm.state;
	info->connected = p->fsm.connected;
	info->ready = p->fsm.ready;
	info->vid = p->vid;
	if (p->vid >= 0 && p->conf.kind == VSW_VPORT_VHOST) {
		rte_vhost_get_negotiated_protocol_features(p->vid,
			&info->protocol_features);
		rte_vhost_get_negotiated_features(p->vid, &info->features);
		info->offloads = p->conf.offload ?
			vsw_vport_offloads(info->features) : 0;
	}
	info->suspend_negotiated = p->conf.suspend &&
		(info->protocol_features &
		 (1ULL << VSW_VHU_PROTOCOL_F_SUSPEND)) != 0;
	info->suspends = p->stats.suspends;
	info->suspend_failures = p->stats.suspend_failures;
	info->last_handshake_us = p->stats.last_handshake_us;
	info->max_handshake_us = p->stats.max_handshake_us;
	memcpy(info->handshake_hist, p->stats.handshake_hist,
		sizeof(info->handshake_hist));
	info->handshake_sum_us = p->stats.handshake_sum_us;
	for (i = 0; i < VSW_REJECT_MAX; i++)
		info->rejected[i] = __atomic_load_n(&p->rejected[i],
			__ATOMIC_RELAXED);
	pthread_mutex_unlock(&set->lock);
	return 0;
}

int
vsw_vport_lookup(const struct vsw_vport_set *set, const char *name)
{
	char *end;
	unsigned long n;
	uint16_t i;

	if (name == NULL || name[0] == '\0')
		return -1;
	n = strtoul(name, &end, 10);
	if (*end == '\0' && name[0] >= '0' && name[0] <= '9')
		return n < set->end && set->port[n].in_use ? (int)n : -1;
	if (strncmp(name, VSW_VPORT_ETH_PREFIX,
			strlen(VSW_VPORT_ETH_PREFIX)) == 0)
		name += strlen(VSW_VPORT_ETH_PREFIX);
	for (i = 0; i < set->end; i++) {
		const struct vsw_vport_conf *c = &set->port[i].conf;

		if (set->port[i].in_use && (strcmp(c->name, name) == 0 ||
				strcmp(c->kind == VSW_VPORT_ETH ? c->devargs :
					c->path, name) == 0))
			return i;
	}
	return -1;
}
