/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control: ports coming and going while the lcores run, which lcore
 * polls which queue, and the load that decides it.
 *
 * Adding a port places its queues (fwd_place.c) and publishes a snapshot
 * with the new polls; the port stays DOWN until its device is ready.
 * Removing one publishes a snapshot without it and waits for two grace
 * periods: after the first, no lcore starts an iteration that polls or
 * sends to it; after the second, every lcore has also finished the
 * iteration in which it saw the port DOWN and discarded what it held for
 * it. Only then is its per-lcore memory taken back. Moving a queue to
 * another lcore takes two publications too: without the queue (and a
 * grace period), then on its new lcore, so that no two lcores poll it at
 * once and no frame is reordered or lost; frames wait in the guest's ring
 * for the few microseconds in between.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "fwd.h"
#include "fwd_place.h"

#define NO_PMD UINT8_MAX

static int
pmd_socket(const struct vsw_fwd *f, uint16_t pmd)
{
	return (int)rte_lcore_to_socket_id(f->p.pmd_lcore[pmd]);
}

/* The PMDs as placement sees them: recent load, queues polled. */
static void
place_pmds(const struct vsw_fwd *f, struct fwd_place_pmd *pmds)
{
	uint16_t i, port, q;

	for (i = 0; i < f->p.nb_pmd; i++) {
		pmds[i].socket = pmd_socket(f, i);
		pmds[i].load = f->pmd_load[i];
		pmds[i].nb_rxq = 0;
	}
	for (port = 0; port < VSW_MAX_PORTS; port++) {
		const struct port_ctl *c = &f->ports[port];

		for (q = 0; c->in_use && q < c->nb_queues; q++)
			if (c->rxq_pmd[q] < f->p.nb_pmd)
				pmds[c->rxq_pmd[q]].nb_rxq++;
	}
}

void
fwd_ports_polls(const struct vsw_fwd *f, struct fwd_snap *s)
{
	uint16_t count[VSW_MAX_PMD + 1] = { 0 }, next[VSW_MAX_PMD];
	uint16_t i, port, q;

	for (port = 0; port < VSW_MAX_PORTS; port++) {
		const struct port_ctl *c = &f->ports[port];

		for (q = 0; c->in_use && q < c->nb_queues; q++)
			if (c->rxq_pmd[q] < f->p.nb_pmd)
				count[c->rxq_pmd[q]]++;
	}
	s->poll_first[0] = 0;
	for (i = 0; i < VSW_MAX_PMD; i++) {
		s->poll_first[i + 1] = (uint16_t)(s->poll_first[i] + count[i]);
		next[i] = s->poll_first[i];
	}
	s->nb_polls = s->poll_first[VSW_MAX_PMD];
	for (port = 0; port < VSW_MAX_PORTS; port++) {
		const struct port_ctl *c = &f->ports[port];

		for (q = 0; c->in_use && q < c->nb_queues; q++) {
			uint8_t pmd = c->rxq_pmd[q];

			if (pmd >= f->p.nb_pmd)
				continue;
			s->polls[next[pmd]].port = port;
			s->polls[next[pmd]].queue = q;
			s->polls[next[pmd]].node = c->socket_id >= 0 &&
				c->socket_id < RTE_MAX_NUMA_NODES ?
				(uint16_t)c->socket_id : 0;
			next[pmd]++;
		}
	}
}

/* Publish the control table's polls (and nothing else new). */
static void
publish_polls(struct vsw_fwd *f)
{
	struct fwd_snap *s = fwd_snap_begin(f);

	fwd_ports_polls(f, s);
	fwd_snap_publish(f, s);
}

static int
check_conf(const struct vsw_fwd *f, uint16_t port,
	const struct vsw_fwd_port_conf *c)
{
	uint64_t all = f->p.nb_pmd >= 64 ? UINT64_MAX :
		(1ULL << f->p.nb_pmd) - 1;

	if (port >= VSW_MAX_PORTS || c == NULL || c->nb_queues == 0 ||
			c->nb_queues > VSW_MAX_QUEUES || c->kind > VSW_FWD_ETH)
		return -EINVAL;
	if (c->pmd_mask & ~all)
		return -EINVAL;	/* a PMD that does not exist */
	return f->ports[port].in_use ? -EEXIST : 0;
}

/* Counters and held-frame count of a port id, as new. */
static void
port_reset(struct vsw_fwd *f, uint16_t port)
{
	uint16_t i;

	for (i = 0; i < f->p.nb_pmd; i++) {
		struct pmd_ctx *pc = f->pmd[i];

		memset(&pc->port_stats[port], 0, sizeof(pc->port_stats[port]));
		memset(pc->q_cycles[port], 0, sizeof(pc->q_cycles[port]));
	}
	__atomic_store_n(&f->shared[port].vring_mask, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&f->shared[port].backlog_count, 0, __ATOMIC_RELAXED);
}

/* Place each queue of @p port; warns once when off the port's node. */
static void
place_port(struct vsw_fwd *f, uint16_t port)
{
	struct port_ctl *c = &f->ports[port];
	struct fwd_place_pmd pmds[VSW_MAX_PMD];
	struct fwd_place_rxq rq = {
		.load = 0, .allow = c->pmd_mask, .socket = c->socket_id,
	};
	bool off = false, off_any = false;
	uint16_t q;

	for (q = 0; q < c->nb_queues; q++)
		c->rxq_pmd[q] = NO_PMD;	/* do not count its own queues */
	place_pmds(f, pmds);
	for (q = 0; q < c->nb_queues; q++) {
		int pmd = fwd_place_one(pmds, f->p.nb_pmd, &rq, &off);

		c->rxq_pmd[q] = (uint8_t)pmd;	/* check_conf: never -1 */
		off_any |= off;
	}
	if (off_any)
		FWD_LOG(WARNING, "port %u: no allowed PMD on NUMA node %d, "
			"the node of its memory; polled from another\n",
			port, c->socket_id);
}

static int
port_add_locked(struct vsw_fwd *f, uint16_t port,
	const struct vsw_fwd_port_conf *conf)
{
	struct port_ctl *c;
	struct fwd_snap *s;
	int ret = check_conf(f, port, conf);

	if (ret != 0)
		return ret;
	c = &f->ports[port];
	port_reset(f, port);
	memset(c, 0, sizeof(*c));
	c->nb_queues = conf->nb_queues;
	c->socket_id = conf->socket_id;
	c->pmd_mask = conf->pmd_mask;
	c->kind = conf->kind;
	place_port(f, port);
	__atomic_store_n(&c->in_use, true, __ATOMIC_RELEASE);
	s = fwd_snap_begin(f);
	s->v.port[port].kind = conf->kind;
	s->v.port[port].link_down = 0;
	s->v.port[port].ol = 0;	/* a removed port's may still be there */
	fwd_view_vlan_set(&s->v, port, VSW_VLAN_NONE, 0, NULL);
	fwd_ports_polls(f, s);
	fwd_snap_publish(f, s);
	return 0;
}

int
vsw_fwd_port_add(struct vsw_fwd *f, uint16_t port,
	const struct vsw_fwd_port_conf *conf)
{
	int ret;

	pthread_mutex_lock(&f->ctl);
	ret = port_add_locked(f, port, conf);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

static int
check_vlan(const struct vsw_vlan_conf *vc)
{
	switch (vc->mode) {
	case VSW_VLAN_NONE:
		return 0;
	case VSW_VLAN_ACCESS:
		return vc->vlan >= VSW_VLAN_MIN && vc->vlan <= VSW_VLAN_MAX ?
			0 : -EINVAL;
	case VSW_VLAN_TRUNK:
		/* 0 and 4095 are never carried; native 0 is none. */
		if (vc->vlan > VSW_VLAN_MAX || (vc->trunks[0] & 1) ||
				(vc->trunks[VSW_VLAN_WORDS - 1] >> 63))
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
port_vlan_locked(struct vsw_fwd *f, uint16_t port,
	const struct vsw_vlan_conf *vc)
{
	struct port_ctl *c;
	struct fwd_snap *s;
	uint64_t *bm = NULL, *old;

	if (port >= VSW_MAX_PORTS || !f->ports[port].in_use ||
			check_vlan(vc) != 0)
		return -EINVAL;
	c = &f->ports[port];
	if (vc->mode == VSW_VLAN_TRUNK) {
		bm = vsw_zmalloc_socket("vsw_trunks", sizeof(vc->trunks),
			RTE_CACHE_LINE_SIZE, f->p.socket_id);
		if (bm == NULL)
			return -ENOMEM;
		memcpy(bm, vc->trunks, sizeof(vc->trunks));
	}
	old = c->trunks;
	c->trunks = bm;
	s = fwd_snap_begin(f);
	fwd_view_vlan_set(&s->v, port, vc->mode, vc->vlan, bm);
	fwd_snap_publish(f, s);
	if (old != NULL) {
		vsw_fwd_sync(f, 0);	/* no lcore reads the old list */
		vsw_free(old);
	}
	return 0;
}

int
vsw_fwd_port_vlan(struct vsw_fwd *f, uint16_t port,
	const struct vsw_vlan_conf *vc)
{
	int ret;

	pthread_mutex_lock(&f->ctl);
	ret = port_vlan_locked(f, port, vc);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

static int
port_del_locked(struct vsw_fwd *f, uint16_t port)
{
	struct fwd_snap *s;
	uint16_t i;

	if (port >= VSW_MAX_PORTS || !f->ports[port].in_use)
		return -EINVAL;
	fwd_mirror_port_removed(f, port, NULL);	/* mirrors let go of it */
	__atomic_store_n(&f->ports[port].in_use, false, __ATOMIC_RELEASE);
	s = fwd_snap_begin(f);
	fwd_view_set(&s->v, port, VSW_FWD_DOWN, -1);
	fwd_view_vlan_set(&s->v, port, VSW_VLAN_NONE, 0, NULL);
	fwd_ports_polls(f, s);
	fwd_snap_publish(f, s);
	/* No iteration polls it; then every held frame is discarded. */
	vsw_fwd_sync(f, 0);
	vsw_fwd_sync(f, 0);
	vsw_free(f->ports[port].trunks);
	f->ports[port].trunks = NULL;
	for (i = 0; i < f->p.nb_pmd; i++) {
		vsw_free(f->pmd[i]->backlog[port].ring);
		f->pmd[i]->backlog[port] = (struct backlog){ NULL, 0, 0 };
	}
	__atomic_store_n(&f->shared[port].vring_mask, 0, __ATOMIC_RELEASE);
	return 0;
}

int
vsw_fwd_port_del(struct vsw_fwd *f, uint16_t port)
{
	int ret;

	pthread_mutex_lock(&f->ctl);
	ret = port_del_locked(f, port);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

bool
vsw_fwd_port_in_use(const struct vsw_fwd *f, uint16_t port)
{
	return port < VSW_MAX_PORTS &&
		__atomic_load_n(&f->ports[port].in_use, __ATOMIC_ACQUIRE);
}

static void
load_sample_locked(struct vsw_fwd *f)
{
	uint64_t now = rte_rdtsc();
	uint16_t i, port, q;

	f->load_interval = f->load_tsc != 0 ? now - f->load_tsc : 0;
	f->load_tsc = now;
	for (i = 0; i < f->p.nb_pmd; i++) {
		uint64_t busy = __atomic_load_n(&f->pmd[i]->stats.busy_cycles,
			__ATOMIC_RELAXED);

		f->pmd_load[i] = busy - f->pmd_busy_seen[i];
		f->pmd_busy_seen[i] = busy;
	}
	for (port = 0; port < VSW_MAX_PORTS; port++) {
		struct port_ctl *c = &f->ports[port];

		for (q = 0; c->in_use && q < c->nb_queues; q++) {
			uint64_t sum = 0;

			for (i = 0; i < f->p.nb_pmd; i++)
				sum += __atomic_load_n(
					&f->pmd[i]->q_cycles[port][q],
					__ATOMIC_RELAXED);
			c->rxq_load[q] = sum - c->rxq_seen[q];
			c->rxq_seen[q] = sum;
		}
	}
}

void
vsw_fwd_load_sample(struct vsw_fwd *f)
{
	pthread_mutex_lock(&f->ctl);
	load_sample_locked(f);
	pthread_mutex_unlock(&f->ctl);
}

static unsigned int
rxq_info_locked(const struct vsw_fwd *f, struct vsw_fwd_rxq_info *out,
	unsigned int max)
{
	unsigned int n = 0;
	uint16_t port, q;

	for (port = 0; port < VSW_MAX_PORTS && n < max; port++) {
		const struct port_ctl *c = &f->ports[port];

		for (q = 0; c->in_use && q < c->nb_queues && n < max; q++) {
			out[n].port = port;
			out[n].queue = q;
			out[n].pmd = c->rxq_pmd[q];
			out[n].cycles = c->rxq_load[q];
			out[n].pmd_cycles = c->rxq_pmd[q] < f->p.nb_pmd ?
				f->pmd_load[c->rxq_pmd[q]] : 0;
			out[n].interval = f->load_interval;
			n++;
		}
	}
	return n;
}

unsigned int
vsw_fwd_rxq_info(struct vsw_fwd *f, struct vsw_fwd_rxq_info *out,
	unsigned int max)
{
	unsigned int ret;

	pthread_mutex_lock(&f->ctl);
	ret = rxq_info_locked(f, out, max);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

uint64_t
vsw_fwd_pmd_load(struct vsw_fwd *f, uint64_t *busy)
{
	uint64_t interval;

	pthread_mutex_lock(&f->ctl);
	memcpy(busy, f->pmd_load, sizeof(*busy) * f->p.nb_pmd);
	interval = f->load_interval;
	pthread_mutex_unlock(&f->ctl);
	return interval;
}

/* Move queues to new PMDs: first without them, then on their new PMDs. */
static void
apply_moves(struct vsw_fwd *f, const struct poll_entry *rxq,
	const uint16_t *to, unsigned int n)
{
	unsigned int i;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		f->ports[rxq[i].port].rxq_pmd[rxq[i].queue] = NO_PMD;
	publish_polls(f);
	vsw_fwd_sync(f, 0);	/* no lcore polls them any more */
	for (i = 0; i < n; i++)
		f->ports[rxq[i].port].rxq_pmd[rxq[i].queue] = (uint8_t)to[i];
	publish_polls(f);
}

/* Every queue in use: where it is, its load, where it may go. */
static unsigned int
gather(const struct vsw_fwd *f, struct poll_entry *rxq,
	struct fwd_place_rxq *rq, uint16_t *cur)
{
	unsigned int n = 0;
	uint16_t port, q;

	for (port = 0; port < VSW_MAX_PORTS; port++) {
		const struct port_ctl *c = &f->ports[port];

		for (q = 0; c->in_use && q < c->nb_queues; q++) {
			rxq[n] = (struct poll_entry){ port, q };
			rq[n] = (struct fwd_place_rxq){ c->rxq_load[q],
				c->pmd_mask, c->socket_id };
			cur[n] = c->rxq_pmd[q];
			n++;
		}
	}
	return n;
}

struct rebalance_work {
	struct poll_entry rxq[MAX_POLLS];
	struct fwd_place_rxq rq[MAX_POLLS];
	uint16_t cur[MAX_POLLS];
	uint16_t want[MAX_POLLS];
	struct poll_entry moved[MAX_POLLS];
	uint16_t to[MAX_POLLS];
};

static int
rebalance_locked(struct vsw_fwd *f, unsigned int min_gain_pct,
	uint64_t *before, uint64_t *after)
{
	struct fwd_place_pmd pmds[VSW_MAX_PMD];
	struct rebalance_work *w = calloc(1, sizeof(*w));
	unsigned int n, i, moves = 0;

	if (w == NULL)
		return -ENOMEM;
	n = gather(f, w->rxq, w->rq, w->cur);
	place_pmds(f, pmds);
	if (fwd_place_all(pmds, f->p.nb_pmd, w->rq, n, w->want) != 0) {
		free(w);
		return -EINVAL;
	}
	*before = fwd_place_max_load(f->p.nb_pmd, w->rq, n, w->cur);
	*after = fwd_place_max_load(f->p.nb_pmd, w->rq, n, w->want);
	/* Move only for a real gain: the busiest PMD min_gain_pct % less. */
	if (*before > 0 && min_gain_pct <= 100 &&
			*after * 100 <= *before * (100 - min_gain_pct)) {
		for (i = 0; i < n; i++) {
			if (w->want[i] == w->cur[i])
				continue;
			w->moved[moves] = w->rxq[i];
			w->to[moves++] = w->want[i];
		}
		apply_moves(f, w->moved, w->to, moves);
	}
	free(w);
	return (int)moves;
}

int
vsw_fwd_rebalance(struct vsw_fwd *f, unsigned int min_gain_pct,
	uint64_t *before, uint64_t *after)
{
	int ret;

	pthread_mutex_lock(&f->ctl);
	ret = rebalance_locked(f, min_gain_pct, before, after);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

static int
port_numa_locked(struct vsw_fwd *f, uint16_t port, int socket_id)
{
	struct port_ctl *c;
	struct poll_entry moved[VSW_MAX_QUEUES];
	uint8_t old[VSW_MAX_QUEUES];
	uint16_t to[VSW_MAX_QUEUES], q;
	unsigned int n = 0;

	if (port >= VSW_MAX_PORTS || !f->ports[port].in_use)
		return -EINVAL;
	c = &f->ports[port];
	if (socket_id == SOCKET_ID_ANY || socket_id == c->socket_id)
		return 0;
	c->socket_id = socket_id;
	for (q = 0; q < c->nb_queues; q++)
		if (pmd_socket(f, c->rxq_pmd[q]) != socket_id)
			break;
	if (q == c->nb_queues) {
		publish_polls(f);	/* its dequeues use that node's pool */
		return 0;	/* every queue is on the node already */
	}
	memcpy(old, c->rxq_pmd, sizeof(old));
	place_port(f, port);
	for (q = 0; q < c->nb_queues; q++) {
		if (c->rxq_pmd[q] == old[q])
			continue;
		moved[n] = (struct poll_entry){ port, q };
		to[n++] = c->rxq_pmd[q];
		c->rxq_pmd[q] = old[q];	/* apply_moves makes the change */
	}
	apply_moves(f, moved, to, n);
	return (int)n;
}

int
vsw_fwd_port_numa(struct vsw_fwd *f, uint16_t port, int socket_id)
{
	int ret;

	pthread_mutex_lock(&f->ctl);
	ret = port_numa_locked(f, port, socket_id);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}
