/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_UTIL_H
#define VSW_UTIL_H

/**
 * @file
 * Small building blocks more than one module needs: a counter that never
 * exceeds a bound although several lcores increment it at once, bitmaps
 * (port sets of any size), a
 * rate limiter for log messages that a peer can trigger at will, and the
 * allocator of the modules' own tables.
 *
 * Thread safety: vsw_counter_reserve() and vsw_counter_release() may run
 * on any number of threads at once on the same counter. A struct
 * vsw_ratelimit is not thread-safe: its user serialises calls (for
 * example under the lock that already guards the object it belongs to).
 * vsw_zmalloc_socket() and vsw_free() are as thread-safe as
 * rte_zmalloc_socket() and rte_free().
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Add one to @p ctr unless it has reached @p limit. Lock-free (one
 * compare-and-swap loop), so a counter shared by lcores can bound a
 * shared resource exactly.
 *
 * @return true if the counter was incremented.
 */
static inline bool
vsw_counter_reserve(uint32_t *ctr, uint32_t limit)
{
	uint32_t v = __atomic_load_n(ctr, __ATOMIC_RELAXED);

	do {
		if (v >= limit)
			return false;
	} while (!__atomic_compare_exchange_n(ctr, &v, v + 1, true,
			__ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

/** Give back @p n units taken with vsw_counter_reserve(). */
static inline void
vsw_counter_release(uint32_t *ctr, uint32_t n)
{
	__atomic_fetch_sub(ctr, n, __ATOMIC_RELAXED);
}

/** 64-bit words of a bitmap of @p n bits. */
#define VSW_BITMAP_WORDS(n) (((n) + 63) / 64)

/** Set bit @p i of bitmap @p bm. */
static inline void
vsw_bitmap_set(uint64_t *bm, unsigned int i)
{
	bm[i / 64] |= 1ULL << (i % 64);
}

/** Clear bit @p i of bitmap @p bm. */
static inline void
vsw_bitmap_clear(uint64_t *bm, unsigned int i)
{
	bm[i / 64] &= ~(1ULL << (i % 64));
}

/** Is bit @p i of bitmap @p bm set? */
static inline bool
vsw_bitmap_test(const uint64_t *bm, unsigned int i)
{
	return (bm[i / 64] >> (i % 64)) & 1;
}

/**
 * At most @c burst events per @c interval; the rest are counted.
 * Zero-initialise, then set interval and burst.
 */
struct vsw_ratelimit {
	uint64_t interval;     /**< Window length, in the caller's units. */
	uint32_t burst;        /**< Events allowed per window. */
	uint32_t count;        /**< Events in the current window. */
	uint64_t start;        /**< Start of the current window. */
	uint64_t suppressed;   /**< Refused since the last allowed event. */
};

/**
 * Should the event at time @p now be reported?
 *
 * @param suppressed
 *   Set, when the event is allowed, to the number of events refused
 *   since the previous allowed one (so the caller can say so).
 * @return true if the event is within the limit.
 */
static inline bool
vsw_ratelimit_allow(struct vsw_ratelimit *rl, uint64_t now,
	uint64_t *suppressed)
{
	if (rl->count == 0 || now - rl->start >= rl->interval) {
		rl->start = now;
		rl->count = 0;
	}
	if (rl->count >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->count++;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

/** Defined to 1 in a build instrumented by AddressSanitizer. */
#if defined(__SANITIZE_ADDRESS__)
#define VSW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VSW_ASAN 1
#endif
#endif

/**
 * rte_zmalloc_socket(), for the modules' own tables; free with
 * vsw_free().
 *
 * In an AddressSanitizer build the memory comes from the C library
 * instead (zeroed, aligned to at least a cache line, not placed on
 * @p socket): ASan checks only the memory its own malloc() hands out,
 * the stack and globals, not DPDK's heap, so it would neither see an
 * overrun of a MAC table or a backlog ring nor report one of them as
 * leaked. Nothing here shares these tables with another process or a
 * device, so where they live changes nothing else.
 *
 * @return the zeroed memory, or NULL (size 0, or out of memory).
 */
static inline void *
vsw_zmalloc_socket(const char *type, size_t size, unsigned int align,
	int socket)
{
#ifdef VSW_ASAN
	void *p;

	RTE_SET_USED(type);
	RTE_SET_USED(socket);
	if (size == 0)
		return NULL;
	if (align < RTE_CACHE_LINE_SIZE)
		align = RTE_CACHE_LINE_SIZE;
	if (posix_memalign(&p, align, size) != 0)
		return NULL;
	return memset(p, 0, size);
#else
	return rte_zmalloc_socket(type, size, align, socket);
#endif
}

/** Free memory from vsw_zmalloc_socket(); NULL is ignored. */
static inline void
vsw_free(void *p)
{
#ifdef VSW_ASAN
	free(p);
#else
	rte_free(p);
#endif
}

#ifdef __cplusplus
}
#endif

#endif /* VSW_UTIL_H */
