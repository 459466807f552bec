/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control: placement of receive queues on PMD lcores. See fwd_place.h.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_memory.h>

#include "fwd_place.h"
#include "vsw_fwd.h"

static bool
allowed(const struct fwd_place_rxq *q, unsigned int pmd)
{
	return q->allow == 0 || ((q->allow >> pmd) & 1);
}

/* Is @p a a better choice than @p b (b < 0: none yet)? */
static bool
better(const struct fwd_place_pmd *pmds, unsigned int a, int b)
{
	if (b < 0)
		return true;
	if (pmds[a].load != pmds[b].load)
		return pmds[a].load < pmds[b].load;
	return pmds[a].nb_rxq < pmds[b].nb_rxq;
}

/* The best allowed PMD, on @p socket only unless it is SOCKET_ID_ANY. */
static int
best(const struct fwd_place_pmd *pmds, unsigned int nb_pmd,
	const struct fwd_place_rxq *q, int socket)
{
	unsigned int i;
	int b = -1;

	for (i = 0; i < nb_pmd && i < VSW_MAX_PMD; i++) {
		if (!allowed(q, i))
			continue;
		if (socket != SOCKET_ID_ANY && pmds[i].socket != socket)
			continue;
		if (better(pmds, i, b))
			b = (int)i;
	}
	return b;
}

int
fwd_place_one(struct fwd_place_pmd *pmds, unsigned int nb_pmd,
	const struct fwd_place_rxq *q, bool *off_node)
{
	int b = -1;

	*off_node = false;
	if (q->socket != SOCKET_ID_ANY) {
		b = best(pmds, nb_pmd, q, q->socket);
		*off_node = b < 0;
	}
	if (b < 0)
		b = best(pmds, nb_pmd, q, SOCKET_ID_ANY);
	if (b < 0) {
		*off_node = false;
		return -1;
	}
	pmds[b].load += q->load;
	pmds[b].nb_rxq++;
	return b;
}

struct by_load {
	const struct fwd_place_rxq *q;
	unsigned int idx;
};

/* Biggest load first; ties in input order, so the result is stable. */
static int
cmp_load(const void *a, const void *b)
{
	const struct by_load *x = a, *y = b;

	if (x->q->load != y->q->load)
		return x->q->load > y->q->load ? -1 : 1;
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

int
fwd_place_all(struct fwd_place_pmd *pmds, unsigned int nb_pmd,
	const struct fwd_place_rxq *q, unsigned int nb_rxq, uint16_t *out)
{
	struct by_load *order;
	unsigned int i;
	bool off;
	int ret = 0;

	for (i = 0; i < nb_pmd; i++) {
		pmds[i].load = 0;
		pmds[i].nb_rxq = 0;
	}
	order = calloc(nb_rxq ? nb_rxq : 1, sizeof(*order));
	if (order == NULL)
		return -1;
	for (i = 0; i < nb_rxq; i++) {
		order[i].q = &q[i];
		order[i].idx = i;
	}
	qsort(order, nb_rxq, sizeof(*order), cmp_load);
	for (i = 0; i < nb_rxq && ret == 0; i++) {
		int p = fwd_place_one(pmds, nb_pmd, order[i].q, &off);

		if (p < 0)
			ret = -1;
		else
			out[order[i].idx] = (uint16_t)p;
	}
	free(order);
	return ret;
}

uint64_t
fwd_place_max_load(unsigned int nb_pmd, const struct fwd_place_rxq *q,
	unsigned int nb_rxq, const uint16_t *assign)
{
	uint64_t load[VSW_MAX_PMD], max = 0;
	unsigned int i;

	memset(load, 0, sizeof(load));
	for (i = 0; i < nb_rxq; i++)
		if (assign[i] < nb_pmd && assign[i] < VSW_MAX_PMD)
			load[assign[i]] += q[i].load;
	for (i = 0; i < nb_pmd && i < VSW_MAX_PMD; i++)
		if (load[i] > max)
			max = load[i];
	return max;
}

bool
vsw_fwd_auto_lb_tick(struct vsw_fwd_auto_lb *lb, unsigned int busiest_pct)
{
	if (lb->cooldown > 0) {
		lb->cooldown--;
		return false;
	}
	if (busiest_pct >= lb->load_pct) {
		lb->over++;
	} else if (busiest_pct + VSW_FWD_AUTO_LB_BAND < lb->load_pct) {
		lb->over = 0;
		return false;
	}
	if (lb->over < lb->interval || lb->interval == 0)
		return false;
	lb->over = 0;
	lb->cooldown = lb->interval;
	return true;
}
