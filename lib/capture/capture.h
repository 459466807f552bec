/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/capture: the module object shared by the data path
 * (capture_dp.c), the control side (capture_ctl.c) and the writer thread
 * (capture_writer.c), and the pcapng details rte_pcapng leaves to us.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>
#include <rte_version.h>

#include "vsw_capture.h"

extern int vsw_capture_logtype;
#define CAP_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, vsw_capture_logtype, "capture: " __VA_ARGS__)

/*
 * The writer's mbufs for its copies: at most a batch per capture in
 * flight, each up to a jumbo frame's segments. No cache: the writer is
 * not an EAL lcore.
 */
#define CAP_POOL_SIZE 4095
/* Frames the writer takes from a ring at a time. */
#define CAP_BATCH 64
/*
 * The writer's nap when every ring is empty, its poll on a full pipe, and
 * its longest wait (on a condition variable) while no capture runs.
 */
#define CAP_IDLE_NS 1000000
#define CAP_POLL_MS 100
#define CAP_WAIT_S 1
/* How long vsw_capture_free() keeps trying to write to a stalled file. */
#define CAP_SHUTDOWN_MS 2000

/*
 * A port's tap: which capture wants its frames, as one 64-bit word the
 * lcores read (0: none). The capture's generation comes with it, so that
 * a copy made from a stale word is recognised after the slot is reused.
 */
#define TAP_DIR(t) ((unsigned int)((t) & 0xff))
#define TAP_SLOT(t) ((unsigned int)(((t) >> 8) & 0xff))
#define TAP_IFACE(t) ((uint16_t)((t) >> 16))
#define TAP_GEN(t) ((uint32_t)((t) >> 32))
#define TAP_MAKE(dir, slot, iface, gen) ((uint64_t)(dir) | \
	(uint64_t)(slot) << 8 | (uint64_t)(iface) << 16 | (uint64_t)(gen) << 32)
/* A frame's tag (struct cap_ref): slot and generation. */
#define TAG_MAKE(slot, gen) ((uint32_t)(slot) | (uint32_t)(gen) << 8)
#define TAG_SLOT(t) ((t) & 0xff)
#define TAG_GEN(t) ((t) >> 8)
#define GEN_MASK 0xffffffu

/* What the lcores count per capture slot. */
enum cap_count {
	CNT_COPIED = 0,   /* handed to the writer */
	CNT_RING,         /* not captured: the ring was full */
	CNT_FILTERED,     /* not captured: another VLAN */
	CNT_MAX
};

/*
 * A frame for the writer: the mbuf (with a reference of the capture's
 * own on every segment), and what the writer needs to know of it.
 */
struct cap_ref {
	struct rte_mbuf *m;
	uint64_t tsc;       /* when the lcore handled its burst */
	uint32_t tag;       /* TAG_MAKE(slot, generation) */
	uint16_t iface;     /* interface in the capture's file */
	uint16_t port;      /* the switch's port */
	uint32_t dir;       /* VSW_CAPTURE_RX or VSW_CAPTURE_TX */
	uint32_t pad;
};

/* One lcore's ring (of struct cap_ref) and counters; written only by
 * that lcore. */
struct cap_lcore {
	struct rte_ring *ring;
	uint64_t cnt[VSW_CAPTURE_MAX][CNT_MAX];
} __rte_cache_aligned;

/* What the lcores read of a capture (set before its taps). */
struct cap_slot_dp {
	uint32_t snaplen;   /* UINT32_MAX: whole frames */
	int32_t vlan;       /* -1: any */
};

/* One capture; the writer owns the file while it runs. */
struct cap_slot {
	/* State, changed under the module's mutex (read by the writer). */
	enum vsw_capture_state state;
	enum vsw_capture_end end;
	uint32_t gen;
	uint32_t end_req;         /* a vsw_capture_end asked for, atomic */
	bool taps_cleared;
	/* Set by vsw_capture_start(), read-only while it runs. */
	struct vsw_capture_status conf; /* spec part of the status */
	char path[VSW_CAPTURE_PATH_MAX];
	uint64_t dev, ino;        /* the file, to refuse it twice */
	uint64_t start_tsc, end_tsc;
	uint64_t base[CNT_MAX];   /* lcore counters at the start */
	uint32_t iface_base;      /* interfaces rte_pcapng wrote itself */
	rte_pcapng_t *pcapng;
	int fd;
	/* The writer's counters. */
	uint64_t written;
	uint64_t bytes;
	uint64_t nombuf;
	char error[128];
};

struct vsw_capture {
	struct vsw_capture_dp dp;   /* first: vsw_capture_active_flag() */
	struct vsw_capture_params p;
	struct rte_mempool *pool;   /* the writer's; NULL until a capture */
	uint64_t tap[VSW_MAX_PORTS];
	struct cap_slot_dp slot_dp[VSW_CAPTURE_MAX];
	struct cap_lcore *lc;       /* nb_lcores of them */

	pthread_mutex_t lock;       /* control, and the writer's state moves */
	pthread_cond_t wake;        /* a capture started, or quit */
	struct writer *w;           /* the writer thread's own state */
	pthread_t writer;
	bool writer_started;
	uint32_t quit;              /* writer: finish every capture, exit */
	struct cap_slot slot[VSW_CAPTURE_MAX];

	/* TSC to wall clock, for time stamps. */
	uint64_t tsc_hz;
	uint64_t tsc0;
	uint64_t ns0;
};

/*
 * The pcapng Enhanced Packet Block header (pcapng specification, section
 * 4.3), at the start of every copy rte_pcapng_copy() makes.
 */
struct cap_epb {
	uint32_t block_type;
	uint32_t block_length;
	uint32_t interface_id;
	uint32_t timestamp_hi;
	uint32_t timestamp_lo;
	uint32_t capture_length;
	uint32_t original_length;
};

/*
 * rte_pcapng_copy() took a time stamp in 22.11; from 23.11 it takes a
 * comment instead and reads the TSC itself. Either way the writer puts
 * its own time stamp in the block (from the TSC the lcore stored).
 */
static inline struct rte_mbuf *
cap_pcapng_copy(uint16_t port, const struct rte_mbuf *m,
	struct rte_mempool *mp, uint32_t snaplen, uint64_t tsc,
	enum rte_pcapng_direction dir)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
	RTE_SET_USED(tsc);
	return rte_pcapng_copy(port, 0, m, mp, snaplen, dir, NULL);
#else
	return rte_pcapng_copy(port, 0, m, mp, snaplen, tsc, dir);
#endif
}

struct writer;

/* capture_writer.c: the writer thread's state (free() it). */
struct writer *
cap_writer_alloc(struct vsw_capture *c);

/* capture_writer.c: the writer thread's body. */
void *
cap_writer_main(void *arg);

/* capture_writer.c: the section and interface blocks of a new file. */
int
cap_file_open(struct vsw_capture *c, struct cap_slot *s,
	const struct vsw_capture_spec *spec, char *err, size_t errlen);

/* capture_writer.c: close a slot's file (any state). */
void
cap_file_close(struct cap_slot *s);

/* capture_ctl.c: sum of the lcores' counters of slot @p i. */
void
cap_counts(const struct vsw_capture *c, unsigned int i,
	uint64_t out[CNT_MAX]);

/*
 * capture_ctl.c: stop the lcores copying for slot @p i (under the
 * mutex); returns true if it did (the first time).
 */
bool
cap_taps_clear(struct vsw_capture *c, unsigned int i);

#endif /* CAPTURE_H */
