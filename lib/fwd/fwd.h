/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/fwd: the engine object and the per-lcore context shared
 * by the control file (fwd_ctl.c) and the data-path files (fwd_lcore.c,
 * fwd_classify.c).
 */
#ifndef FWD_H
#define FWD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "fwd_backlog.h"
#include "fwd_classify.h"
#include "fwd_offload.h"
#include "vsw_fwd.h"
#include "vsw_util.h"

extern int vsw_fwd_logtype;
#define FWD_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, vsw_fwd_logtype, "fwd: " __VA_ARGS__)

/*
 * Guest vrings of queue pair q: 2q is the guest's RX (we enqueue), 2q + 1
 * its TX (we dequeue). In a mask of vrings, the even bits are guest RX.
 */
#define VRING_GUEST_TX(q) ((uint16_t)(2 * (q) + 1))
#define VRING_MASK_GUEST_RX 0x55555555u

/*
 * Idle back-off (vsw_fwd_set_sleep_max()): an lcore whose polls come back
 * empty pauses between them for FWD_IDLE_SPIN_US, then sleeps
 * FWD_SLEEP_FIRST_NS, and twice as long after each further empty poll, up
 * to the bound. Sleeps use a timer slack of FWD_TIMER_SLACK_NS (Linux's
 * default, 50 us, would stretch every short sleep).
 */
#define FWD_IDLE_SPIN_US 20
#define FWD_SLEEP_FIRST_NS 1000
#define FWD_TIMER_SLACK_NS 1000

/* One (port, queue) pair a PMD lcore polls. */
struct poll_entry {
	uint16_t port;
	uint16_t queue;
	uint16_t node;   /* NUMA node whose pool its dequeues use */
};

#define MAX_POLLS (VSW_MAX_PORTS * VSW_MAX_QUEUES)

/*
 * Everything the lcores read, published as a whole with RCU (see
 * vsw_fwd.h): the ports' states (the view the classifier reads) and which
 * lcore polls which queues. PMD i polls polls[poll_first[i]] up to
 * polls[poll_first[i + 1]]. Only the first nb_polls entries of polls[]
 * are copied from one snapshot to the next.
 */
struct fwd_snap {
	struct fwd_view v;
	uint16_t nb_polls;
	uint16_t poll_first[VSW_MAX_PMD + 1];
	struct poll_entry polls[MAX_POLLS];
};

/* What the control side knows of a port (not read by the lcores). */
struct port_ctl {
	bool in_use;
	uint8_t kind;                /* enum vsw_fwd_port_kind */
	uint64_t *trunks;            /* its view's trunk bitmap, or NULL */
	uint8_t nb_queues;           /* also read by vsw_fwd_vring_state() */
	int socket_id;               /* NUMA node of its memory, or ANY */
	uint64_t pmd_mask;           /* PMDs allowed to poll it; 0: any */
	uint8_t rxq_pmd[VSW_MAX_QUEUES]; /* the PMD polling each queue */
	uint64_t rxq_load[VSW_MAX_QUEUES]; /* cycles in the last interval */
	uint64_t rxq_seen[VSW_MAX_QUEUES]; /* cycle counters at its start */
};

/* Per-port state written by the control side, read by every lcore. */
struct port_shared {
	uint32_t vring_mask;    /* enabled guest vrings, bit per vring */
	uint32_t backlog_count; /* frames held for the port, all lcores */
} __rte_cache_aligned;

/* Figures of one mirror, kept by each lcore. */
struct fwd_mirror_stats {
	uint64_t frames;   /* taken by the output */
	uint64_t bytes;
	uint64_t lost;     /* not taken, or no mbuf to copy into */
};

struct pmd_ctx {
	struct vsw_fwd *f;
	uint16_t idx;                 /* PMD index, also the RCU thread id */
	unsigned int lcore_id;
	uint64_t tprev;               /* TSC at the last cycle attribution */

	uint16_t nb_backlogged;       /* ports whose backlog is not empty */
	uint64_t backlogged[VSW_BITMAP_WORDS(VSW_MAX_PORTS)];  /* which */
	bool ol_burst;                /* the burst being forwarded has
					 frames with offload requests */
	uint32_t stall_ms;            /* fault injection, see debug_stall */
	uint32_t now;                 /* seconds, for MAC learning */
	uint64_t next_sec_tsc;
	uint32_t txq_mask[VSW_MAX_PORTS]; /* vring mask txq[] was chosen for */
	uint16_t txq[VSW_MAX_PORTS];      /* guest RX vring to send on */
	struct backlog backlog[VSW_MAX_PORTS];
	const uint32_t *cap_on;       /* non-zero while a capture runs */
	bool tap_on;                  /* this iteration: a capture runs or
					 the view has mirrors (one test per
					 burst for both) */
	struct rte_mempool *mir_pool; /* for mirror copies: the lcore's node */

	struct vsw_pmd_stats stats __rte_cache_aligned;
	struct vsw_port_stats port_stats[VSW_MAX_PORTS] __rte_cache_aligned;
	/* Busy cycles spent on each queue this lcore polled (pmd-rxq-show). */
	uint64_t q_cycles[VSW_MAX_PORTS][VSW_MAX_QUEUES] __rte_cache_aligned;
	struct fwd_mirror_stats mirror[VSW_FWD_MIRROR_MAX] __rte_cache_aligned;
	struct rte_mbuf *rx[VSW_BURST] __rte_cache_aligned;
	struct fwd_burst burst __rte_cache_aligned;
	struct fwd_gso gso __rte_cache_aligned;
} __rte_cache_aligned;

/*
 * Snapshots are allocated when the engine is created, so that publishing
 * one cannot fail: one is current, the others are free or retired
 * (replaced, but perhaps still read by a slow lcore until a grace period
 * passes).
 */
#define SNAP_POOL 64

struct vsw_fwd {
	struct vsw_fwd_params p;
	/*
	 * Serialises the control functions (recursive: some call others).
	 * Several control threads use the engine: rte_vhost's (port
	 * states), the admin's (ports added and removed, rebalance) and
	 * the main thread's (load samples). Never taken by an lcore.
	 */
	pthread_mutex_t ctl;
	struct rte_rcu_qsbr *qsbr;
	struct fwd_snap *snap;         /* published with store-release */
	uint32_t backlog_ring_size;    /* power of two, >= p.backlog */
	uint64_t tsc_hz;
	uint64_t tsc_base;
	uint32_t quit;
	bool launched[VSW_MAX_PMD];

	struct fwd_snap *snaps[SNAP_POOL];   /* every snapshot, for free */
	struct fwd_snap *free_snaps[SNAP_POOL];
	unsigned int nb_free;
	struct {
		struct fwd_snap *snap;
		uint64_t token;
	} retired[SNAP_POOL];                /* oldest first */
	unsigned int nb_retired;

	/* Per NUMA node, the pool for dequeues there (p.pools[] or p.pool). */
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	struct port_ctl ports[VSW_MAX_PORTS];
	uint64_t pmd_load[VSW_MAX_PMD];      /* busy cycles, last interval */
	uint64_t pmd_busy_seen[VSW_MAX_PMD]; /* busy_cycles at its start */
	uint64_t load_tsc;                   /* when the last sample was */
	uint64_t load_interval;              /* TSC cycles between the last two */

	/* The mirrors (fwd_mirror.c); the view has what the lcores need. */
	struct {
		bool used;
		struct vsw_fwd_mirror conf;
	} mirror[VSW_FWD_MIRROR_MAX];

	struct port_shared shared[VSW_MAX_PORTS];
	struct pmd_ctx *pmd[VSW_MAX_PMD];
	uint32_t sleep_max_us;         /* idle back-off bound, 0: none */
	uint64_t spin_tsc;             /* idle time spent pausing first */
};

/* Data path entry point of a PMD lcore (fwd_lcore.c). */
int
fwd_pmd_main(void *arg);

/* Free every frame an lcore still holds (the lcore must be stopped). */
void
fwd_backlog_discard_all(struct pmd_ctx *pc);

/* fwd_snap.c: allocate the snapshots (the first becomes current). */
int
fwd_snaps_create(struct vsw_fwd *f);

/* fwd_snap.c: free them (the lcores must be stopped). */
void
fwd_snaps_free(struct vsw_fwd *f);

/* fwd_snap.c: a spare snapshot holding a copy of the current one. */
struct fwd_snap *
fwd_snap_begin(struct vsw_fwd *f);

/* fwd_snap.c: make @p s the current snapshot (no wait). */
void
fwd_snap_publish(struct vsw_fwd *f, struct fwd_snap *s);

/*
 * fwd_mirror.c: vsw_fwd_mirror_port_removed() with the engine's mutex
 * held (vsw_fwd_port_del() calls it).
 */
int
fwd_mirror_port_removed(struct vsw_fwd *f, uint16_t port,
	struct vsw_fwd_mirror_status *st);

/* fwd_ports.c: rebuild @p s's poll lists from the control side's table. */
void
fwd_ports_polls(const struct vsw_fwd *f, struct fwd_snap *s);

#endif /* FWD_H */
