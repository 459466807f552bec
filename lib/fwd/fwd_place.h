/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/fwd: where to poll receive queues. Pure functions of
 * their arguments (no engine, no EAL, no locks), so that the decisions
 * can be unit tested with made-up machines: PMDs on several NUMA nodes,
 * pinned queues, uneven loads.
 *
 * Load is in TSC cycles over the last measured interval: a PMD's busy
 * cycles, a queue's share of them.
 */
#ifndef FWD_PLACE_H
#define FWD_PLACE_H

#include <stdbool.h>
#include <stdint.h>

#include "vsw_config.h"

/* One PMD lcore, as placement sees it. */
struct fwd_place_pmd {
	int socket;         /* NUMA node of its lcore */
	uint64_t load;      /* cycles, including what was placed on it */
	uint32_t nb_rxq;    /* queues it polls, including placed ones */
};

/* One queue to place. */
struct fwd_place_rxq {
	uint64_t load;      /* cycles it cost where it was polled */
	uint64_t allow;     /* PMDs it may go to (bit i: PMD i); 0: any */
	int socket;         /* NUMA node of its memory; SOCKET_ID_ANY: none */
};

/*
 * Choose a PMD for one queue: the least loaded (then the one with the
 * fewest queues, then the lowest index) among those it may go to,
 * preferring its NUMA node when it has one and an allowed PMD is there.
 * The choice's load and queue count are updated, so that the next call
 * sees it.
 *
 * @param off_node
 *   Set to true when the queue has a node but no allowed PMD is on it.
 * @return
 *   The PMD index, or -1 when no PMD is allowed.
 */
int
fwd_place_one(struct fwd_place_pmd *pmds, unsigned int nb_pmd,
	const struct fwd_place_rxq *q, bool *off_node);

/*
 * Place every queue afresh by measured load: biggest first, each on the
 * PMD fwd_place_one() picks (longest processing time first, which keeps
 * the busiest PMD within 4/3 of the best possible). @p pmds' loads and
 * queue counts are reset first.
 *
 * @param out
 *   out[i] receives queue i's PMD.
 * @return
 *   0, or -1 when some queue may go to no PMD (out is then partial).
 */
int
fwd_place_all(struct fwd_place_pmd *pmds, unsigned int nb_pmd,
	const struct fwd_place_rxq *q, unsigned int nb_rxq, uint16_t *out);

/* The busiest PMD's load after placing as @p assign says. */
uint64_t
fwd_place_max_load(unsigned int nb_pmd, const struct fwd_place_rxq *q,
	unsigned int nb_rxq, const uint16_t *assign);

#endif /* FWD_PLACE_H */
