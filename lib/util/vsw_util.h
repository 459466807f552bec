/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_UTIL_H
#define VSW_UTIL_H

/**
 * @file
 * Small building blocks more than one module needs: a counter that never
 * exceeds a bound although several lcores increment it at once, and a
 * rate limiter for log messages that a peer can trigger at will.
 *
 * Thread safety: vsw_counter_reserve() and vsw_counter_release() may run
 * on any number of threads at once on the same counter. A struct
 * vsw_ratelimit is not thread-safe: its user serialises calls (for
 * example under the lock that already guards the object it belongs to).
 */

#include <stdbool.h>
#include <stdint.h>

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

#ifdef __cplusplus
}
#endif

#endif /* VSW_UTIL_H */
