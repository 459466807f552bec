/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control side of the forwarding engine: creation, lcore launch, view
 * publication with RCU grace periods, and counter aggregation.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "fwd.h"
#include "vsw_util.h"

RTE_LOG_REGISTER_DEFAULT(vsw_fwd_logtype, INFO);

static int
check_params(const struct vsw_fwd_params *p)
{
	uint16_t i;

	if (p == NULL || p->nb_ports > VSW_MAX_PORTS ||
			p->nb_pmd == 0 || p->nb_pmd > VSW_MAX_PMD ||
			p->pool == NULL || p->backlog == 0 ||
			p->backlog > VSW_FWD_BACKLOG_MAX ||
			p->sleep_max_us > VSW_FWD_SLEEP_MAX_US ||
			(p->mode == VSW_FWD_LEARN && p->mac == NULL))
		return -EINVAL;
	for (i = 0; i < p->nb_ports; i++)
		if (p->nb_queues[i] == 0 || p->nb_queues[i] > VSW_MAX_QUEUES)
			return -EINVAL;
	return 0;
}

static struct rte_rcu_qsbr *
qsbr_create(uint16_t nb_pmd, int socket_id)
{
	size_t sz = rte_rcu_qsbr_get_memsize(nb_pmd);
	struct rte_rcu_qsbr *v;

	if (sz == 1)	/* rte_rcu_qsbr_get_memsize() reports errors as 1 */
		return NULL;
	v = vsw_zmalloc_socket("vsw_qsbr", sz, RTE_CACHE_LINE_SIZE, socket_id);
	if (v != NULL && rte_rcu_qsbr_init(v, nb_pmd) != 0) {
		vsw_free(v);
		v = NULL;
	}
	return v;
}

/* Names the segmentation pools of every engine of the process apart. */
static unsigned int gso_ids;

static int
pmd_ctx_create(struct vsw_fwd *f, uint16_t idx)
{
	unsigned int lcore = f->p.pmd_lcore[idx];
	struct pmd_ctx *pc;
	uint16_t port;

	pc = vsw_zmalloc_socket("vsw_pmd", sizeof(*pc), RTE_CACHE_LINE_SIZE,
		(int)rte_lcore_to_socket_id(lcore));
	if (pc == NULL)
		return -ENOMEM;
	f->pmd[idx] = pc;
	pc->f = f;
	pc->idx = idx;
	pc->cap_on = vsw_capture_active_flag(f->p.capture);
	pc->mir_pool = vsw_fwd_pool(f, (int)rte_lcore_to_socket_id(lcore));
	pc->lcore_id = lcore;
	if (fwd_gso_init(&pc->gso, __atomic_fetch_add(&gso_ids, 1,
			__ATOMIC_RELAXED), (int)rte_lcore_to_socket_id(lcore)) != 0)
		return -ENOMEM;
	for (port = 0; port < VSW_MAX_PORTS; port++) {
		pc->txq_mask[port] = 0;
		pc->txq[port] = UINT16_MAX;
	}
	return 0;
}

static int
ctl_lock_init(struct vsw_fwd *f)
{
	pthread_mutexattr_t a;
	int ret;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	ret = pthread_mutex_init(&f->ctl, &a);
	pthread_mutexattr_destroy(&a);
	return ret;
}

struct vsw_fwd *
vsw_fwd_create(const struct vsw_fwd_params *p)
{
	struct vsw_fwd *f;
	uint16_t i;

	if (check_params(p) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	f = vsw_zmalloc_socket("vsw_fwd", sizeof(*f), RTE_CACHE_LINE_SIZE,
		p->socket_id);
	if (f == NULL)
		goto nomem;
	if (ctl_lock_init(f) != 0) {
		vsw_free(f);
		goto nomem_nof;
	}
	f->p = *p;
	for (i = 0; i < RTE_MAX_NUMA_NODES; i++)
		f->pools[i] = p->pools[i] != NULL ? p->pools[i] : p->pool;
	f->backlog_ring_size = rte_align32pow2(p->backlog);
	f->tsc_hz = rte_get_tsc_hz();
	f->tsc_base = rte_rdtsc() - f->tsc_hz; /* so that now starts at 1 */
	f->sleep_max_us = p->sleep_max_us;
	f->spin_tsc = f->tsc_hz / 1000000 * FWD_IDLE_SPIN_US;
	f->qsbr = qsbr_create(p->nb_pmd, p->socket_id);
	if (f->qsbr == NULL || fwd_snaps_create(f) != 0)
		goto nomem;
	for (i = 0; i < p->nb_pmd; i++)
		if (pmd_ctx_create(f, i) != 0)
			goto nomem;
	/* The ports given at creation, placed as any other port. */
	for (i = 0; i < p->nb_ports; i++) {
		struct vsw_fwd_port_conf c = {
			.nb_queues = p->nb_queues[i],
			.socket_id = SOCKET_ID_ANY,
		};

		if (vsw_fwd_port_add(f, i, &c) != 0)
			goto nomem;
	}
	return f;
nomem:
	vsw_fwd_free(f);
nomem_nof:
	rte_errno = ENOMEM;
	return NULL;
}

void
vsw_fwd_free(struct vsw_fwd *f)
{
	uint16_t i, port;

	if (f == NULL)
		return;
	vsw_fwd_stop(f);
	for (i = 0; i < VSW_MAX_PMD; i++) {
		struct pmd_ctx *pc = f->pmd[i];

		if (pc == NULL)
			continue;
		fwd_backlog_discard_all(pc);
		for (port = 0; port < VSW_MAX_PORTS; port++)
			vsw_free(pc->backlog[port].ring);
		fwd_gso_free(&pc->gso);
		vsw_free(pc);
	}
	for (port = 0; port < VSW_MAX_PORTS; port++)
		vsw_free(f->ports[port].trunks);	/* trunk lists of ports in use */
	fwd_snaps_free(f);
	vsw_free(f->qsbr);
	pthread_mutex_destroy(&f->ctl);
	vsw_free(f);
}

int
vsw_fwd_start(struct vsw_fwd *f)
{
	uint16_t i;
	int ret;

	__atomic_store_n(&f->quit, 0, __ATOMIC_RELAXED);
	for (i = 0; i < f->p.nb_pmd; i++) {
		ret = rte_eal_remote_launch(fwd_pmd_main, f->pmd[i],
			f->p.pmd_lcore[i]);
		if (ret != 0) {
			FWD_LOG(ERR, "cannot launch PMD %u on lcore %u: %s\n",
				i, f->p.pmd_lcore[i], rte_strerror(-ret));
			vsw_fwd_stop(f);
			return ret;
		}
		f->launched[i] = true;
	}
	return 0;
}

void
vsw_fwd_stop(struct vsw_fwd *f)
{
	uint16_t i;

	__atomic_store_n(&f->quit, 1, __ATOMIC_RELAXED);
	for (i = 0; i < f->p.nb_pmd; i++) {
		if (!f->launched[i])
			continue;
		rte_eal_wait_lcore(f->p.pmd_lcore[i]);
		f->launched[i] = false;
	}
}

static int
backlog_prepare_locked(struct vsw_fwd *f, uint16_t port)
{
	size_t sz = f->backlog_ring_size * sizeof(struct rte_mbuf *);
	uint16_t i;

	if (!vsw_fwd_port_in_use(f, port))
		return -EINVAL;
	for (i = 0; i < f->p.nb_pmd; i++) {
		struct pmd_ctx *pc = f->pmd[i];
		struct rte_mbuf **ring;

		if (pc->backlog[port].ring != NULL)
			continue;
		ring = vsw_zmalloc_socket("vsw_backlog", sz,
			RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(pc->lcore_id));
		if (ring == NULL)
			return -ENOMEM;
		/* Published to the lcore by the next view's store-release. */
		pc->backlog[port].ring = ring;
	}
	return 0;
}

int
vsw_fwd_backlog_prepare(struct vsw_fwd *f, uint16_t port)
{
	int ret;

	pthread_mutex_lock(&f->ctl);
	ret = backlog_prepare_locked(f, port);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

uint32_t
vsw_fwd_backlog_count(const struct vsw_fwd *f, uint16_t port)
{
	if (port >= VSW_MAX_PORTS)
		return 0;
	return __atomic_load_n(&f->shared[port].backlog_count,
		__ATOMIC_RELAXED);
}

void
vsw_fwd_vring_state(struct vsw_fwd *f, uint16_t port, uint16_t vring,
	int enable)
{
	uint32_t bit;

	if (!vsw_fwd_port_in_use(f, port) ||
			vring >= 2 * f->ports[port].nb_queues)
		return;	/* a queue we were not configured to use */
	bit = 1u << vring;
	if (enable)
		__atomic_fetch_or(&f->shared[port].vring_mask, bit,
			__ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&f->shared[port].vring_mask, ~bit,
			__ATOMIC_RELEASE);
}

void
vsw_fwd_vring_reset(struct vsw_fwd *f, uint16_t port)
{
	if (port < VSW_MAX_PORTS)
		__atomic_store_n(&f->shared[port].vring_mask, 0,
			__ATOMIC_RELEASE);
}

int
vsw_fwd_quiesce(struct vsw_fwd *f, uint64_t timeout_us)
{
	struct timespec nap = { 0, 20000 };
	uint64_t hz = rte_get_timer_hz();
	uint64_t start = rte_get_timer_cycles();
	uint64_t token = rte_rcu_qsbr_start(f->qsbr);

	while (rte_rcu_qsbr_check(f->qsbr, token, false) != 1) {
		if (timeout_us != 0 && rte_get_timer_cycles() - start >
				timeout_us * hz / 1000000)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
	}
	return 0;
}

int
vsw_fwd_set_sleep_max(struct vsw_fwd *f, uint32_t us)
{
	if (us > VSW_FWD_SLEEP_MAX_US)
		return -EINVAL;
	__atomic_store_n(&f->sleep_max_us, us, __ATOMIC_RELAXED);
	return 0;
}

uint32_t
vsw_fwd_sleep_max(const struct vsw_fwd *f)
{
	return __atomic_load_n(&f->sleep_max_us, __ATOMIC_RELAXED);
}

uint16_t
vsw_fwd_nb_pmd(const struct vsw_fwd *f)
{
	return f->p.nb_pmd;
}

struct rte_mempool *
vsw_fwd_pool(const struct vsw_fwd *f, int socket_id)
{
	if (socket_id < 0 || socket_id >= RTE_MAX_NUMA_NODES)
		return f->p.pool;
	return f->pools[socket_id];
}

uint32_t
vsw_fwd_now(const struct vsw_fwd *f)
{
	return (uint32_t)((rte_rdtsc() - f->tsc_base) / f->tsc_hz);
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void
vsw_fwd_port_stats(const struct vsw_fwd *f, uint16_t port,
	struct vsw_port_stats *out)
{
	uint16_t i;
	int r;

	memset(out, 0, sizeof(*out));
	if (port >= VSW_MAX_PORTS)
		return;
	for (i = 0; i < f->p.nb_pmd; i++) {
		const struct vsw_port_stats *s = &f->pmd[i]->port_stats[port];

		out->rx_pkts += LOAD(s->rx_pkts);
		out->rx_bytes += LOAD(s->rx_bytes);
		out->tx_pkts += LOAD(s->tx_pkts);
		out->tx_bytes += LOAD(s->tx_bytes);
		for (r = 0; r < VSW_DROP_MAX; r++)
			out->drop[r] += LOAD(s->drop[r]);
		out->learn_table_full += LOAD(s->learn_table_full);
		out->learn_port_limit += LOAD(s->learn_port_limit);
		out->mac_moves += LOAD(s->mac_moves);
	}
}

void
vsw_fwd_pmd_stats(const struct vsw_fwd *f, uint16_t pmd,
	struct vsw_pmd_stats *out)
{
	const struct vsw_pmd_stats *s;

	memset(out, 0, sizeof(*out));
	if (pmd >= f->p.nb_pmd)
		return;
	s = &f->pmd[pmd]->stats;
	out->busy_cycles = LOAD(s->busy_cycles);
	out->idle_cycles = LOAD(s->idle_cycles);
	out->sleep_cycles = LOAD(s->sleep_cycles);
	out->sleeps = LOAD(s->sleeps);
	out->iterations = LOAD(s->iterations);
	out->rx_pkts = LOAD(s->rx_pkts);
}

uint16_t
vsw_fwd_pmd_nb_polls(const struct vsw_fwd *f, uint16_t pmd)
{
	const struct fwd_snap *s = __atomic_load_n(&f->snap, __ATOMIC_ACQUIRE);

	return pmd < f->p.nb_pmd ?
		s->poll_first[pmd + 1] - s->poll_first[pmd] : 0;
}

int
vsw_fwd_debug_stall(struct vsw_fwd *f, uint16_t pmd, uint32_t ms)
{
	struct timespec ts = { 0, 100000 };
	int i;

	if (pmd >= f->p.nb_pmd || ms == 0 || ms > 60000)
		return -EINVAL;
	__atomic_store_n(&f->pmd[pmd]->stall_ms, ms, __ATOMIC_RELAXED);
	/* Return once the lcore is stalling (it takes the request). */
	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(&f->pmd[pmd]->stall_ms,
				__ATOMIC_RELAXED) == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&f->pmd[pmd]->stall_ms, 0, __ATOMIC_RELAXED);
	return -ETIMEDOUT;
}
