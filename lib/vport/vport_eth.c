/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethdev ports: a NIC, a tap, a memif, an AF_XDP or AF_PACKET socket on
 * the switch, next to the vhost-user ports.
 *
 * The device is either one EAL made (--vdev, -a), found by its ethdev
 * name and left to EAL when the port goes, or a device string probed
 * here with rte_dev_probe() (so it works at run time) and removed with
 * rte_dev_remove() when the port goes. It gets the port's RX queues
 * (RSS when it has it), one TX queue per PMD lcore (PMD i sends on
 * queue i: no TX lock) and at least as many TX as RX queues, the switch's MTU, promiscuous mode, mbufs
 * from the engine's pool of its NUMA node, and the transmit checksum and
 * TSO offloads it has (vsw_vport_eth_offloads(); offload=0: none). Its link is polled
 * (vsw_vport_poll_links()), not taken from interrupts: every device
 * can say its link, not every one interrupts.
 */

#include <errno.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "vport.h"


/* Bytes of the largest frame of MTU @p mtu in mbufs: a VLAN tag, no CRC. */
#define ETH_FRAME(mtu) ((uint32_t)(mtu) + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)

#define ETH_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vsw_vport_logtype, "vport: " fmt, \
		##__VA_ARGS__)

/* Remove a device probed from @p devargs that gave no usable port. */
static void
remove_probed(const char *devargs)
{
	struct rte_devargs da;

	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, devargs) != 0)
		return;
	rte_eal_hotplug_remove(rte_bus_name(da.bus), da.name);
	rte_devargs_reset(&da);
}

/* The ethdev of @p devargs: made by EAL, or probed now. */
static int
find_device(const char *devargs, struct vport_eth *e, char *err,
	size_t errlen)
{
	struct rte_dev_iterator it;
	uint16_t id;
	int ret;

	if (rte_eth_dev_get_port_by_name(devargs, &id) == 0) {
		e->port_id = id;
		e->owned = false;
		return 0;
	}
	ret = rte_dev_probe(devargs);
	if (ret != 0 && ret != -EEXIST) {
		/* A driver's own failure is -1, which is no errno. */
		ERRF(err, errlen, "cannot probe device '%s': %s", devargs,
			ret == -1 ? "the driver refused it (a key or value it "
			"does not take?)" : rte_strerror(-ret));
		return ret < 0 && ret != -1 ? ret : -ENODEV;
	}
	e->owned = ret == 0;
	RTE_ETH_FOREACH_MATCHING_DEV(id, devargs, &it) {
		e->port_id = id;
		rte_eth_iterator_cleanup(&it);
		return 0;
	}
	if (e->owned)
		remove_probed(devargs);
	ERRF(err, errlen, "device '%s' has no ethdev port", devargs);
	return -ENODEV;
}

/* RX queues, TX queues, MTU and offloads the device can take. */
static int
check_caps(uint16_t nrx, uint16_t ntx, uint16_t mtu, uint32_t room,
	const struct rte_eth_dev_info *di, const char *devargs, char *err,
	size_t errlen)
{
	uint32_t frame = ETH_FRAME(mtu);
	uint32_t overhead = di->max_mtu != UINT16_MAX &&
		di->max_rx_pktlen > di->max_mtu ?
		di->max_rx_pktlen - di->max_mtu :
		RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;

	if (nrx > di->max_rx_queues || ntx > di->max_tx_queues) {
		ERRF(err, errlen, "device '%s' gives at most %u RX and %u TX "
			"queues; the port needs %u RX (queues=) and %u TX (one "
			"per PMD lcore)", devargs, di->max_rx_queues,
			di->max_tx_queues, nrx, ntx);
		return -EINVAL;
	}
	if (mtu < di->min_mtu || mtu > di->max_mtu ||
			mtu + overhead > di->max_rx_pktlen) {
		ERRF(err, errlen, "device '%s' takes an MTU of %u to %u, not "
			"%u (--mtu)", devargs, di->min_mtu,
			RTE_MIN((uint32_t)di->max_mtu,
				di->max_rx_pktlen - overhead), mtu);
		return -EINVAL;
	}
	if (frame > room && !(di->rx_offload_capa &
			RTE_ETH_RX_OFFLOAD_SCATTER)) {
		ERRF(err, errlen, "device '%s' cannot receive %u-byte frames "
			"(--mtu %u) in %u-byte mbufs: it has no RX scatter",
			devargs, frame, mtu, room);
		return -EINVAL;
	}
	return 0;
}

static void
make_conf(const struct rte_eth_dev_info *di, const struct vport_eth *e,
	uint16_t nrx, uint16_t mtu, struct rte_eth_conf *ec)
{
	memset(ec, 0, sizeof(*ec));
	ec->rxmode.mtu = mtu;
	if (e->scatter)
		ec->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	ec->txmode.offloads = e->tx_offloads;
	if (nrx > 1 && di->flow_type_rss_offloads != 0) {
		ec->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec->rx_adv_conf.rss_conf.rss_hf = di->flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
}

/*
 * Configure with @p e's queue counts; a device that wants as many RX
 * as TX queues (net_tap) gets the larger count of both.
 */
static int
configure(struct vport_eth *e, const struct rte_eth_dev_info *di,
	uint16_t mtu, const char *devargs, char *err, size_t errlen)
{
	struct rte_eth_conf ec;
	uint16_t n = RTE_MAX(e->nb_rxq, e->nb_txq);
	int ret;

	make_conf(di, e, e->nb_rxq, mtu, &ec);
	ret = rte_eth_dev_configure(e->port_id, e->nb_rxq, e->nb_txq, &ec);
	if (ret != 0 && e->nb_rxq != e->nb_txq && n <= VSW_MAX_QUEUES &&
			n <= di->max_rx_queues && n <= di->max_tx_queues) {
		make_conf(di, e, n, mtu, &ec);
		if (rte_eth_dev_configure(e->port_id, n, n, &ec) == 0) {
			ETH_LOG(INFO, "%s: the device wants as many RX as TX "
				"queues: %u of each, all polled\n", devargs, n);
			e->nb_rxq = e->nb_txq = n;
			ret = 0;
		}
	}
	if (ret != 0)
		ERRF(err, errlen, "cannot configure device '%s' with %u RX "
			"and %u TX queues, MTU %u: %s", devargs, e->nb_rxq,
			e->nb_txq, mtu, rte_strerror(-ret));
	return ret;
}

/* Descriptors, and the mbufs they may hold against the pool's share. */
static int
reserve_mbufs(struct vsw_vport_set *set, struct vport_eth *e,
	struct rte_mempool *mp, const char *devargs, char *err, size_t errlen)
{
	uint64_t limit = (uint64_t)mp->size * VSW_VPORT_ETH_POOL_PCT / 100;

	e->nb_rxd = VSW_VPORT_ETH_DESC;
	e->nb_txd = VSW_VPORT_ETH_DESC;
	rte_eth_dev_adjust_nb_rx_tx_desc(e->port_id, &e->nb_rxd, &e->nb_txd);
	e->mbufs = (uint32_t)e->nb_rxq * e->nb_rxd +
		(uint32_t)e->nb_txq * e->nb_txd;
	if (set->eth_mbufs + e->mbufs > limit) {
		ERRF(err, errlen, "device '%s': its %u descriptors would take "
			"the ethdev ports past %u%% of the %u-mbuf pool (%u "
			"taken); start the switch with a bigger --mbufs",
			devargs, e->mbufs, VSW_VPORT_ETH_POOL_PCT, mp->size,
			set->eth_mbufs);
		return -ENOSPC;
	}
	set->eth_mbufs += e->mbufs;	/* vport_eth_close() gives them back */
	return 0;
}

static int
setup_queues(struct vport_eth *e, struct rte_mempool *mp,
	const char *devargs, char *err, size_t errlen)
{
	uint16_t q;
	int ret = 0;

	for (q = 0; q < e->nb_rxq && ret == 0; q++)
		ret = rte_eth_rx_queue_setup(e->port_id, q, e->nb_rxd,
			e->socket_id, NULL, mp);
	for (q = 0; q < e->nb_txq && ret == 0; q++)
		ret = rte_eth_tx_queue_setup(e->port_id, q, e->nb_txd,
			e->socket_id, NULL);
	if (ret != 0)
		ERRF(err, errlen, "device '%s': cannot set up its queues "
			"(%u RX, %u TX, %u/%u descriptors): %s", devargs,
			e->nb_rxq, e->nb_txq, e->nb_rxd, e->nb_txd,
			rte_strerror(-ret));
	return ret;
}

static int
open_device(struct vsw_vport_set *set, const struct vsw_vport_conf *c,
	struct vport_eth *e, char *err, size_t errlen)
{
	struct rte_eth_dev_info di;
	struct rte_mempool *mp;
	uint32_t room;
	int ret;

	ret = rte_eth_dev_info_get(e->port_id, &di);
	if (ret != 0) {
		ERRF(err, errlen, "device '%s': no device information: %s",
			c->devargs, rte_strerror(-ret));
		return ret;
	}
	e->socket_id = rte_eth_dev_socket_id(e->port_id);
	mp = vsw_fwd_pool(set->fwd, e->socket_id);
	room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	e->nb_rxq = c->nb_queues;
	/* PMD i sends on queue i; a peer that pairs queues (memif) has as
	 * many TX as RX queues to connect to ours. */
	e->nb_txq = RTE_MAX(vsw_fwd_nb_pmd(set->fwd), e->nb_rxq);
	ret = check_caps(e->nb_rxq, e->nb_txq, set->mtu, room, &di,
		c->devargs, err, errlen);
	if (ret != 0)
		return ret;
	e->scatter = ETH_FRAME(set->mtu) > room;
	e->tx_capa = di.tx_offload_capa;
	e->ol = vsw_vport_eth_offloads(di.driver_name, di.tx_offload_capa,
		&e->tx_offloads);
	if (!c->offload) {	/* plain frames only: no offload flag is set */
		e->ol = 0;
		e->tx_offloads &= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	ret = configure(e, &di, set->mtu, c->devargs, err, errlen);
	if (ret == 0)
		ret = reserve_mbufs(set, e, mp, c->devargs, err, errlen);
	if (ret == 0)
		ret = setup_queues(e, mp, c->devargs, err, errlen);
	return ret;
}

/* Is the ethdev of @p e another port's already? */
static int
check_unused(struct vsw_vport_set *set, const struct vport_eth *e,
	const char *devargs, char *err, size_t errlen)
{
	uint16_t i;
	int ret = 0;

	pthread_mutex_lock(&set->lock);
	for (i = 0; i < set->end && ret == 0; i++) {
		const struct vport *p = &set->port[i];

		if (p->in_use && p->conf.kind == VSW_VPORT_ETH &&
				p->eth.port_id == e->port_id) {
			ERRF(err, errlen, "device '%s' is ethdev %u, already "
				"port %u (%s)", devargs, e->port_id, i,
				p->conf.name);
			ret = -EEXIST;
		}
	}
	pthread_mutex_unlock(&set->lock);
	return ret;
}

int
vport_eth_open(struct vsw_vport_set *set, const struct vsw_vport_conf *c,
	struct vport_eth *e, char *err, size_t errlen)
{
	int ret;

	memset(e, 0, sizeof(*e));
	ret = find_device(c->devargs, e, err, errlen);
	if (ret != 0)
		return ret;
	ret = check_unused(set, e, c->devargs, err, errlen);
	if (ret != 0) {
		e->owned = false;	/* another port's: leave it alone */
		return ret;
	}
	/* EAL's device may have been started by an earlier port. */
	if (!e->owned)
		rte_eth_dev_stop(e->port_id);
	ret = open_device(set, c, e, err, errlen);
	if (ret != 0)
		vport_eth_close(set, e);
	return ret;
}

/* Tell the engine the link's state when it changed; true if it did. */
static bool
update_link(struct vsw_vport_set *set, struct vport *p)
{
	struct rte_eth_link link;
	struct vport_eth *e = &p->eth;

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(e->port_id, &link) != 0)
		return false;
	e->link_speed = link.link_speed;
	if ((link.link_status == RTE_ETH_LINK_UP) == e->link_up)
		return false;
	e->link_up = link.link_status == RTE_ETH_LINK_UP;
	e->link_changes++;
	vsw_fwd_port_link(set->fwd, vport_id(set, p), e->link_up);
	VPORT_LOG(INFO, vport_id(set, p), "link %s\n",
		e->link_up ? "up" : "down");
	return true;
}

int
vport_eth_start(struct vsw_vport_set *set, struct vport *p, char *err,
	size_t errlen)
{
	struct vport_eth *e = &p->eth;
	int ret;

	ret = rte_eth_dev_start(e->port_id);
	if (ret != 0) {
		ERRF(err, errlen, "cannot start device '%s': %s",
			p->conf.devargs, rte_strerror(-ret));
		return ret;
	}
	e->started = true;
	ret = rte_eth_promiscuous_enable(e->port_id);
	if (ret != 0)
		VPORT_LOG(WARNING, vport_id(set, p), "%s: no promiscuous "
			"mode (%s): it receives only frames for its own MAC\n",
			p->conf.devargs, rte_strerror(-ret));
	e->link_up = true;	/* what the engine assumes of a new port */
	pthread_mutex_lock(&set->lock);
	p->vid = e->port_id;
	p->fsm.connected = true;
	p->fsm.ready = true;
	p->fsm.state = VSW_PORT_RUNNING;
	vsw_fwd_port_offloads(set->fwd, vport_id(set, p), e->ol);
	vport_publish(set, p);
	update_link(set, p);
	pthread_mutex_unlock(&set->lock);
	return 0;
}

void
vport_eth_close(struct vsw_vport_set *set, struct vport_eth *e)
{
	struct rte_eth_dev_info di;
	struct rte_device *dev = NULL;

	set->eth_mbufs -= RTE_MIN(set->eth_mbufs, e->mbufs);
	e->mbufs = 0;
	if (!rte_eth_dev_is_valid_port(e->port_id))
		return;
	if (rte_eth_dev_info_get(e->port_id, &di) == 0)
		dev = di.device;
	if (e->started || !e->owned)
		rte_eth_dev_stop(e->port_id);
	e->started = false;
	if (!e->owned)
		return;	/* EAL's: it stays, and can be a port again */
	rte_eth_dev_close(e->port_id);
	if (dev != NULL && rte_dev_remove(dev) != 0)
		ETH_LOG(WARNING, "ethdev %u: its device could not be "
			"removed\n", e->port_id);
	e->owned = false;
}

void
vport_eth_default_name(const struct vport_eth *e, char *name, size_t len)
{
	char buf[RTE_ETH_NAME_MAX_LEN];
	char *c;

	if (rte_eth_dev_get_name_by_port(e->port_id, buf) != 0)
		buf[0] = '\0';
	for (c = buf; *c != '\0'; c++)
		if (strchr(VPORT_NAME_CHARS, *c) == NULL)
			*c = '_';
	snprintf(name, len, "%s", buf);
}

unsigned int
vsw_vport_poll_links(struct vsw_vport_set *set)
{
	unsigned int n = 0;
	uint16_t i;

	pthread_mutex_lock(&set->admin);
	pthread_mutex_lock(&set->lock);
	for (i = 0; i < set->end; i++) {
		struct vport *p = &set->port[i];

		if (p->in_use && p->conf.kind == VSW_VPORT_ETH &&
				p->eth.started && !p->removing)
			n += update_link(set, p);
	}
	pthread_mutex_unlock(&set->lock);
	pthread_mutex_unlock(&set->admin);
	return n;
}

int
vsw_vport_eth_info(struct vsw_vport_set *set, uint16_t port,
	struct vsw_vport_eth_info *info)
{
	struct vport *p;

	memset(info, 0, sizeof(*info));
	pthread_mutex_lock(&set->lock);
	p = vport_get(set, port);
	if (p == NULL || p->conf.kind != VSW_VPORT_ETH) {
		pthread_mutex_unlock(&set->lock);
		return -EINVAL;
	}
	info->eth_port = p->eth.port_id;
	info->owned = p->eth.owned;
	info->link_up = p->eth.link_up;
	info->link_speed = p->eth.link_speed;
	info->link_changes = p->eth.link_changes;
	info->nb_rxq = p->eth.nb_rxq;
	info->nb_txq = p->eth.nb_txq;
	info->nb_rxd = p->eth.nb_rxd;
	info->nb_txd = p->eth.nb_txd;
	info->mtu = set->mtu;
	info->scatter = p->eth.scatter;
	info->tx_offload_capa = p->eth.tx_capa;
	info->tx_offloads = p->eth.tx_offloads;
	info->offloads = p->eth.ol;
	pthread_mutex_unlock(&set->lock);
	return 0;
}
