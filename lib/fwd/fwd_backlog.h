/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/fwd: the ring of frames one lcore holds for one parked
 * (suspended) port.
 *
 * A ring has a single owner, the lcore that forwards into it: only that
 * lcore moves head and tail and touches the slots, so there are no
 * atomics on them. What the lcores share is one counter per port, the
 * number of frames held for it by all lcores together, which bounds the
 * port's backlog exactly (vsw_counter_reserve()). The ring memory is
 * allocated by the control side before the port is first parked and is
 * sized to hold the whole bound, so a ring never overflows while the
 * counter admits a frame.
 *
 * A held frame keeps its own reference: the forwarding loop frees every
 * frame it received after sending, whatever happened to it.
 */
#ifndef FWD_BACKLOG_H
#define FWD_BACKLOG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "vsw_util.h"

struct backlog {
	struct rte_mbuf **ring; /* ring_size slots, NULL until prepared */
	uint32_t head;          /* oldest held frame */
	uint32_t tail;          /* next free slot */
};

/* Frames held in @p bl. */
static inline uint32_t
backlog_len(const struct backlog *bl)
{
	return bl->tail - bl->head;
}

/*
 * Take a reference on every segment: freeing a chain drops one reference
 * per segment, and rte_vhost chains mbufs for frames bigger than one.
 */
static inline void
backlog_hold(struct rte_mbuf *m)
{
	do {
		rte_mbuf_refcnt_update(m, 1);
		m = m->next;
	} while (m != NULL);
}

/*
 * Hold up to @p n frames, in order, while @p *count stays below @p limit.
 * @p mask is the ring size less one. Returns how many were held; the
 * caller counts the rest as dropped.
 */
static inline uint16_t
backlog_push(struct backlog *bl, uint32_t mask, uint32_t *count,
	uint32_t limit, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	if (bl->ring == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (!vsw_counter_reserve(count, limit))
			break;
		backlog_hold(pkts[i]);
		bl->ring[bl->tail++ & mask] = pkts[i];
	}
	return i;
}

/* Copy up to @p max of the oldest held frames to @p out; they stay held. */
static inline uint32_t
backlog_peek(const struct backlog *bl, uint32_t mask, struct rte_mbuf **out,
	uint32_t max)
{
	uint32_t n = RTE_MIN(backlog_len(bl), max), i;

	for (i = 0; i < n; i++)
		out[i] = bl->ring[(bl->head + i) & mask];
	return n;
}

/* Forget the @p n oldest frames (sent or freed by the caller). */
static inline void
backlog_release(struct backlog *bl, uint32_t *count, uint32_t n)
{
	bl->head += n;
	vsw_counter_release(count, n);
}

/* Free every held frame; returns how many there were. */
static inline uint32_t
backlog_flush(struct backlog *bl, uint32_t mask, uint32_t *count)
{
	uint32_t n = backlog_len(bl), i;

	for (i = 0; i < n; i++)
		rte_pktmbuf_free(bl->ring[(bl->head + i) & mask]);
	backlog_release(bl, count, n);
	return n;
}

#endif /* FWD_BACKLOG_H */
