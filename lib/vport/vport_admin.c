/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port set's life: creation, start, ports added and removed while the
 * switch runs, and the end.
 *
 * Adding: check (name, path against the other ports and the filesystem),
 * take the lowest free id, add the port to the engine (which places its
 * queues), register the socket, and start it if the set runs. rte_vhost
 * may call back into this module from inside rte_vhost_driver_start() (a
 * client port that connects at once does, on this very thread) and from
 * inside rte_vhost_driver_unregister() (it destroys a live device), and
 * those callbacks take set->lock: so registration, start and
 * unregistration happen under set->admin only, never under set->lock.
 *
 * Removing: mark the port so that no new connection is accepted, then
 * unregister (rte_vhost closes the connection and destroys the device:
 * cb_destroy_device() waits for the lcores), forget the connection, take
 * the port out of the engine (two grace periods; its backlog is
 * discarded as port-down), and flush its MAC entries.
 */

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vhost.h>

#include "vport.h"

/*
 * rte_vhost's message thread exists once a socket was started. A SUSPEND
 * ack waits for that thread to be scheduled; see vsw_vport_params.
 */
static int
raise_ctrl_thread(struct vsw_vport_set *set, char *err, size_t errlen)
{
	int ret;

	if (set->ctrl_priority == 0 || set->ctrl_raised)
		return 0;
	ret = vport_dpdk_raise_events_thread(set->ctrl_priority);
	if (ret == -ESRCH) {
		ERRF(err, errlen, "cannot find rte_vhost's message thread "
			"(\"%s\" in DPDK %s) to give it real-time priority; "
			"--ctrl-priority 0 runs without", VPORT_DPDK_EVENTS_THREAD,
			VPORT_DPDK_LTS);
		return ret;
	}
	if (ret != 0)
		rte_log(RTE_LOG_WARNING, vsw_vport_logtype,
			"vport: rte_vhost's message thread "
			"keeps its normal priority (%s); SUSPEND acks may wait "
			"for busy CPUs. --ctrl-priority 0 silences this.\n",
			strerror(-ret));
	set->ctrl_raised = true;
	return 0;
}

/*
 * rte_vhost 22.11's message thread watches a server socket started while
 * it sleeps only from its next wake-up, up to a second later
 * (vport_dpdk_compat.h, point 5): wake it, so that a front-end that
 * connects as soon as add-port returns is served at once.
 */
static void
wake_ctrl_thread(struct vsw_vport_set *set)
{
	int ret = vport_dpdk_wake_events_thread();

	if (ret == 0 || set->wake_warned)
		return;
	rte_log(RTE_LOG_WARNING, vsw_vport_logtype, "vport: cannot wake "
		"rte_vhost's message thread (%s): a front-end may wait up to "
		"a second for a port added at run time\n", strerror(-ret));
	set->wake_warned = true;
}

static struct vport *
find_name(struct vsw_vport_set *set, const char *name)
{
	uint16_t i;

	for (i = 0; i < set->end; i++)
		if (set->port[i].in_use &&
				strcmp(set->port[i].conf.name, name) == 0)
			return &set->port[i];
	return NULL;
}

static struct vport *
find_path(struct vsw_vport_set *set, const char *path)
{
	char canon[VPORT_CANON_LEN], other[VPORT_CANON_LEN];
	uint16_t i;

	vport_canonical_path(path, canon, sizeof(canon));
	for (i = 0; i < set->end; i++) {
		if (!set->port[i].in_use ||
				set->port[i].conf.kind != VSW_VPORT_VHOST)
			continue;
		vport_canonical_path(set->port[i].conf.path, other,
			sizeof(other));
		if (strcmp(canon, other) == 0)
			return &set->port[i];
	}
	return NULL;
}

/* The ethdev port with the device string @p devargs, or NULL. */
static struct vport *
find_eth(struct vsw_vport_set *set, const char *devargs)
{
	uint16_t i;

	for (i = 0; i < set->end; i++) {
		struct vport *p = &set->port[i];

		if (p->in_use && p->conf.kind == VSW_VPORT_ETH &&
				strcmp(p->conf.devargs, devargs) == 0)
			return p;
	}
	return NULL;
}

/*
 * The socket's file name without ".sock" (an ethdev's name), in name
 * characters; "port<id>" when that is empty, only digits or taken.
 */
static void
default_name(struct vsw_vport_set *set, struct vport *p, uint16_t id)
{
	struct vsw_vport_conf *c = &p->conf;
	char buf[VSW_VHU_PATH_MAX + 1], *b, *dot, *ch;

	if (c->kind == VSW_VPORT_ETH) {
		vport_eth_default_name(&p->eth, buf, sizeof(buf));
		b = buf;
	} else {
		strcpy(buf, c->path);
		b = basename(buf);
		dot = strrchr(b, '.');
		if (dot != NULL && strcmp(dot, ".sock") == 0)
			*dot = '\0';
	}
	for (ch = b; *ch != '\0'; ch++)
		if (strchr(VPORT_NAME_CHARS, *ch) == NULL)
			*ch = '_';
	if (strlen(b) > VSW_VPORT_NAME_MAX)
		b[0] = '\0';	/* too long: portN */
	memcpy(c->name, b, strlen(b) + 1);
	if (vsw_vport_check_name(c->name, NULL, 0) != 0 ||
			find_name(set, c->name) != NULL)
		snprintf(c->name, sizeof(c->name), "port%u", id);
}

static int
lowest_free(struct vsw_vport_set *set)
{
	uint16_t i;

	for (i = 0; i < VSW_MAX_PORTS; i++)
		if (!set->port[i].in_use &&
				!vsw_fwd_port_in_use(set->fwd, i))
			return i;
	return -ENOSPC;
}

/* Is @p c acceptable next to the ports there are? Caller holds lock. */
static int
add_check(struct vsw_vport_set *set, const struct vsw_vport_conf *c,
	char *err, size_t errlen)
{
	struct vport *o;

	if (c->nb_queues == 0 || c->nb_queues > VSW_MAX_QUEUES) {
		ERRF(err, errlen, "queues must be 1 to %d", VSW_MAX_QUEUES);
		return -EINVAL;
	}
	if (c->vlan.mode != VSW_VLAN_NONE && set->xconnect) {
		ERRF(err, errlen, "VLANs need --mode learn");
		return -EINVAL;
	}
	if (c->name[0] != '\0') {
		if (vsw_vport_check_name(c->name, err, errlen) != 0)
			return -EINVAL;
		o = find_name(set, c->name);
		if (o != NULL) {
			ERRF(err, errlen, "the name %s is taken by port %u",
				c->name, vport_id(set, o));
			return -EEXIST;
		}
	}
	if (c->kind == VSW_VPORT_ETH) {
		o = find_eth(set, c->devargs);
		if (o != NULL) {
			ERRF(err, errlen, "device '%s' is already port %u (%s)",
				c->devargs, vport_id(set, o), o->conf.name);
			return -EEXIST;
		}
	} else if (strlen(c->path) > VSW_VHU_PATH_MAX) {
		ERRF(err, errlen, "socket path longer than %d bytes",
			VSW_VHU_PATH_MAX);
		return -ENAMETOOLONG;
	} else if ((o = find_path(set, c->path)) != NULL) {
		ERRF(err, errlen, "%s is already port %u (%s)", c->path,
			vport_id(set, o), o->conf.name);
		return -EEXIST;
	}
	if (set->nb_ports >= VSW_MAX_PORTS) {
		ERRF(err, errlen, "already %d ports, the most there can be",
			VSW_MAX_PORTS);
		return -ENOSPC;
	}
	return 0;
}

/*
 * Take the lowest free id for @p c; @p e: its opened device, for an
 * ethdev. Caller holds lock.
 */
static int
add_reserve(struct vsw_vport_set *set, const struct vsw_vport_conf *c,
	const struct vport_eth *e, char *err, size_t errlen)
{
	struct vsw_fwd_port_conf fc = {
		.kind = e != NULL ? VSW_FWD_ETH : VSW_FWD_VHOST,
		.nb_queues = e != NULL ? (uint8_t)e->nb_rxq : c->nb_queues,
		.pmd_mask = c->pmd_mask,
		.socket_id = e != NULL ? e->socket_id : SOCKET_ID_ANY,
	};
	struct vport *p;
	int id, ret;

	id = lowest_free(set);
	if (id < 0) {
		ERRF(err, errlen, "no free port id");
		return id;
	}
	ret = vsw_fwd_port_add(set->fwd, (uint16_t)id, &fc);
	if (ret != 0) {
		ERRF(err, errlen, "the engine refused the port: %s",
			ret == -EINVAL ? "no PMD lcore it may use" :
			strerror(-ret));
		return ret;
	}
	ret = vsw_fwd_port_vlan(set->fwd, (uint16_t)id, &c->vlan);
	if (ret != 0) {
		vsw_fwd_port_del(set->fwd, (uint16_t)id);
		ERRF(err, errlen, "the engine refused the port's VLANs: %s",
			strerror(-ret));
		return ret;
	}
	p = &set->port[id];
	memset(p, 0, sizeof(*p));
	p->conf = *c;
	if (e != NULL)
		p->eth = *e;
	if (p->conf.name[0] == '\0')
		default_name(set, p, (uint16_t)id);
	p->vid = -1;
	p->conn_fd = -1;
	p->log_rl.interval = rte_get_timer_hz();
	p->log_rl.burst = VPORT_LOG_BURST;
	p->removing = true;  /* until it is registered */
	p->in_use = true;
	set->nb_ports++;
	if (set->end <= id)
		set->end = (uint16_t)(id + 1);
	return id;
}

/* Give @p p's slot back. Caller holds lock. */
static void
release_slot(struct vsw_vport_set *set, struct vport *p)
{
	p->in_use = false;
	set->nb_ports--;
	while (set->end > 0 && !set->port[set->end - 1].in_use)
		set->end--;
}

/*
 * Everything of vsw_vport_del() after the checks, also used to undo a
 * failed add. Caller holds admin, not lock.
 */
static void
del_port(struct vsw_vport_set *set, struct vport *p)
{
	uint16_t id = vport_id(set, p);
	uint32_t flushed = 0;

	pthread_mutex_lock(&set->lock);
	p->removing = true;
	pthread_mutex_unlock(&set->lock);
	if (p->registered) {
		/* Destroys a live device through cb_destroy_device(). */
		rte_vhost_driver_unregister(p->conf.path);
		p->registered = false;
	}
	if (p->conf.kind == VSW_VPORT_VHOST) {
		pthread_mutex_lock(&set->lock);
		vport_conn_gone(set, p);
		pthread_mutex_unlock(&set->lock);
	}
	vsw_fwd_port_del(set->fwd, id);
	if (p->conf.kind == VSW_VPORT_ETH)
		vport_eth_close(set, &p->eth);	/* no lcore uses it now */
	if (set->mac != NULL)
		flushed = vsw_mac_flush_port(set->mac, id);
	pthread_mutex_lock(&set->lock);
	release_slot(set, p);
	pthread_mutex_unlock(&set->lock);
	VPORT_LOG(INFO, id, "removed (%s%s), %u MAC entries flushed\n",
		p->conf.kind == VSW_VPORT_ETH ? VSW_VPORT_ETH_PREFIX : "",
		p->conf.kind == VSW_VPORT_ETH ? p->conf.devargs : p->conf.path,
		flushed);
}

/* Register, and start if the set runs. Caller holds admin, not lock. */
static int
add_register(struct vsw_vport_set *set, struct vport *p, char *err,
	size_t errlen)
{
	int ret;

	ret = vport_register(p, err, errlen);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&set->lock);
	p->removing = false;
	pthread_mutex_unlock(&set->lock);
	if (!set->started)
		return 0;
	if (rte_vhost_driver_start(p->conf.path) != 0) {
		ERRF(err, errlen, "cannot %s vhost-user socket %s (rte_vhost "
			"watches at most %d sockets: listening server ports "
			"and connections)",
			p->conf.client ? "connect to" : "listen on",
			p->conf.path, VPORT_DPDK_MAX_FDSET);
		return -EIO;
	}
	if (raise_ctrl_thread(set, err, errlen) != 0)
		VPORT_LOG(ERR, vport_id(set, p), "%s\n", err);
	if (!p->conf.client)
		wake_ctrl_thread(set);
	return 0;
}

/*
 * An ethdev port: the device is opened (probed, configured) before the
 * port takes an id, and started once the engine has it.
 */
static int
add_eth(struct vsw_vport_set *set, const struct vsw_vport_conf *conf,
	char *err, size_t errlen)
{
	struct vport_eth e;
	int id, ret;

	pthread_mutex_lock(&set->lock);
	ret = add_check(set, conf, err, errlen);
	pthread_mutex_unlock(&set->lock);
	if (ret != 0)
		return ret;
	ret = vport_eth_open(set, conf, &e, err, errlen);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&set->lock);
	id = add_reserve(set, conf, &e, err, errlen);
	pthread_mutex_unlock(&set->lock);
	if (id < 0) {
		vport_eth_close(set, &e);
		return id;
	}
	ret = vport_eth_start(set, &set->port[id], err, errlen);
	if (ret != 0) {
		del_port(set, &set->port[id]);
		return ret;
	}
	pthread_mutex_lock(&set->lock);
	set->port[id].removing = false;
	pthread_mutex_unlock(&set->lock);
	VPORT_LOG(INFO, id, "added: %s (ethdev %u, %s, %u RX and %u TX "
		"queues)\n", set->port[id].conf.name, e.port_id, conf->devargs,
		e.nb_rxq, e.nb_txq);
	return id;
}

/* vsw_vport_add() with set->admin held. */
static int
add_locked(struct vsw_vport_set *set, const struct vsw_vport_conf *conf,
	char *err, size_t errlen)
{
	int id, ret;

	if (conf->kind == VSW_VPORT_ETH)
		return add_eth(set, conf, err, errlen);
	pthread_mutex_lock(&set->lock);
	id = add_check(set, conf, err, errlen);
	if (id == 0)
		id = add_reserve(set, conf, NULL, err, errlen);
	pthread_mutex_unlock(&set->lock);
	if (id < 0)
		return id;
	/* Filesystem checks without the lock: they may connect(). */
	ret = vsw_vport_check_path(conf->path, conf->client, err, errlen);
	if (ret == 0)
		ret = add_register(set, &set->port[id], err, errlen);
	if (ret != 0) {
		del_port(set, &set->port[id]);
		return ret;
	}
	VPORT_LOG(INFO, id, "added: %s (%s, %u queue pair(s))\n",
		set->port[id].conf.name, conf->path, conf->nb_queues);
	return id;
}

int
vsw_vport_add(struct vsw_vport_set *set, const struct vsw_vport_conf *conf,
	char *err, size_t errlen)
{
	int ret;

	if (set == NULL || conf == NULL) {
		ERRF(err, errlen, "invalid arguments");
		return -EINVAL;
	}
	pthread_mutex_lock(&set->admin);
	ret = add_locked(set, conf, err, errlen);
	pthread_mutex_unlock(&set->admin);
	return ret;
}

int
vsw_vport_set_vlan(struct vsw_vport_set *set, uint16_t port,
	const struct vsw_vlan_conf *vc, char *err, size_t errlen)
{
	struct vport *p;
	uint32_t flushed = 0;
	int ret;

	if (vc->mode != VSW_VLAN_NONE && set->xconnect) {
		ERRF(err, errlen, "VLANs need --mode learn");
		return -EINVAL;
	}
	pthread_mutex_lock(&set->admin);
	pthread_mutex_lock(&set->lock);
	p = vport_get(set, port);
	ret = p == NULL ? -ENOENT : vsw_fwd_port_vlan(set->fwd, port, vc);
	if (ret == 0)
		p->conf.vlan = *vc;
	pthread_mutex_unlock(&set->lock);
	/* Learned on the old VLANs: they go, and are learned again. */
	if (ret == 0 && set->mac != NULL)
		flushed = vsw_mac_flush_port(set->mac, port);
	pthread_mutex_unlock(&set->admin);
	if (ret == 0)
		VPORT_LOG(INFO, port, "VLANs changed, %u MAC entries "
			"flushed\n", flushed);
	else
		ERRF(err, errlen, "%s", ret == -ENOENT ? "no such port" :
			ret == -ENOMEM ? "out of memory" : "bad VLANs");
	return ret;
}

int
vsw_vport_del(struct vsw_vport_set *set, uint16_t port)
{
	struct vport *p;

	pthread_mutex_lock(&set->admin);
	pthread_mutex_lock(&set->lock);
	p = vport_get(set, port);
	pthread_mutex_unlock(&set->lock);
	if (p != NULL)
		del_port(set, p);
	pthread_mutex_unlock(&set->admin);
	return p != NULL ? 0 : -ENOENT;
}

static struct vsw_vport_set *
set_alloc(const struct vsw_vport_params *params)
{
	struct vsw_vport_set *set = calloc(1, sizeof(*set));

	if (set == NULL)
		return NULL;
	pthread_mutex_init(&set->lock, NULL);
	pthread_mutex_init(&set->admin, NULL);
	memset(set->vid_port, 0xff, sizeof(set->vid_port));
	set->mtu = params->mtu != 0 ? params->mtu : VSW_VPORT_MTU_DEFAULT;
	set->xconnect = params->xconnect;
	set->fwd = params->fwd;
	set->mac = params->mac;
	set->suspend_timeout_us = params->suspend_timeout_us != 0 ?
		params->suspend_timeout_us : VSW_VPORT_SUSPEND_TIMEOUT_US;
	set->ctrl_priority = params->ctrl_priority;
	set->no_firewall = params->no_firewall;
	return set;
}

struct vsw_vport_set *
vsw_vport_create(const struct vsw_vport_params *params, char *err,
	size_t errlen)
{
	struct vsw_vport_set *set;
	uint16_t i;
	int ret;

	if (vport_set != NULL || params == NULL || params->fwd == NULL) {
		ERRF(err, errlen, "invalid port set parameters");
		rte_errno = EINVAL;
		return NULL;
	}
	ret = vsw_vport_check_params(params, err, errlen);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	set = set_alloc(params);
	if (set == NULL) {
		ERRF(err, errlen, "out of memory");
		rte_errno = ENOMEM;
		return NULL;
	}
	vport_set = set;
	vport_msg_watch(true);
	if (set->no_firewall)
		rte_log(RTE_LOG_WARNING, vsw_vport_logtype, "vport: the message "
			"firewall is OFF: front-ends' messages reach rte_vhost "
			"unchecked\n");
	for (i = 0; i < params->nb_ports; i++) {
		ret = vsw_vport_add(set, &params->port[i], err, errlen);
		if (ret < 0) {
			vsw_vport_free(set);
			rte_errno = -ret;
			return NULL;
		}
	}
	return set;
}

int
vsw_vport_start(struct vsw_vport_set *set, char *err, size_t errlen)
{
	uint16_t i;

	pthread_mutex_lock(&set->admin);
	for (i = 0; i < set->end; i++) {
		struct vport *p = &set->port[i];

		if (!p->in_use || p->conf.kind != VSW_VPORT_VHOST)
			continue;
		if (rte_vhost_driver_start(p->conf.path) != 0) {
			ERRF(err, errlen, "cannot %s vhost-user socket %s",
				p->conf.client ? "connect to" : "listen on",
				p->conf.path);
			pthread_mutex_unlock(&set->admin);
			return -EIO;
		}
	}
	set->started = true;
	for (i = 0; i < set->end; i++)
		if (set->port[i].in_use && set->port[i].registered)
			break;
	if (i < set->end)
		wake_ctrl_thread(set);
	pthread_mutex_unlock(&set->admin);
	/* With no vhost-user port yet, the thread comes with the first. */
	return i < set->end ? raise_ctrl_thread(set, err, errlen) : 0;
}

void
vsw_vport_free(struct vsw_vport_set *set)
{
	uint16_t i;

	if (set == NULL)
		return;
	pthread_mutex_lock(&set->admin);
	for (i = 0; i < set->end; i++) {
		struct vport *p = &set->port[i];

		/*
		 * An ethdev: no lcore may use it once it is stopped. The
		 * engine keeps the port (and its final counters).
		 */
		if (p->in_use && p->conf.kind == VSW_VPORT_ETH) {
			vsw_fwd_port_publish(set->fwd, i, VSW_FWD_DOWN, -1);
			vsw_fwd_sync(set->fwd, 0);
			vport_eth_close(set, &p->eth);
			continue;
		}
		if (!p->in_use || !p->registered)
			continue;
		/*
		 * Destroys live devices through cb_destroy_device() (not
		 * destroy_connection) and removes a server's socket file.
		 */
		rte_vhost_driver_unregister(p->conf.path);
		p->registered = false;
	}
	pthread_mutex_unlock(&set->admin);
	pthread_mutex_destroy(&set->admin);
	pthread_mutex_destroy(&set->lock);
	vport_msg_watch(false);
	vport_set = NULL;
	free(set);
}
