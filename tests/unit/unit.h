/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tiny shared helper of the unit tests: EAL set-up, assertions that print
 * file:line and count failures, and mbuf builders.
 *
 * A test binary calls unit_eal_init() first (if it needs rte_malloc or
 * mbufs), runs its checks with the UNIT_* macros, and returns
 * unit_finish() from main(): non-zero when any check failed.
 */
#ifndef VSW_UNIT_H
#define VSW_UNIT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

extern unsigned int unit_checks;
extern unsigned int unit_failures;

/* Record one check; print where it failed. Returns @p ok. */
bool
unit_report(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Check a condition. Evaluates to the condition, so callers can bail out. */
#define UNIT_CHECK(cond) \
	unit_report(!!(cond), __FILE__, __LINE__, "%s", #cond)

/* Check that two integers are equal; print both values when not. */
#define UNIT_EQ(a, b) __extension__ ({ \
	long long unit_a_ = (long long)(a); \
	long long unit_b_ = (long long)(b); \
	unit_report(unit_a_ == unit_b_, __FILE__, __LINE__, \
		"%s == %s (%lld != %lld)", #a, #b, unit_a_, unit_b_); \
})

/* Check that two unsigned 64-bit values (masks) are equal, in hex. */
#define UNIT_EQ_HEX(a, b) __extension__ ({ \
	unsigned long long unit_a_ = (unsigned long long)(a); \
	unsigned long long unit_b_ = (unsigned long long)(b); \
	unit_report(unit_a_ == unit_b_, __FILE__, __LINE__, \
		"%s == %s (0x%llx != 0x%llx)", #a, #b, unit_a_, unit_b_); \
})

/* Print the name of the test case that starts now. */
void
unit_case(const char *name);

/*
 * Start EAL for a test: no hugepages, no PCI, no shared config, one lcore,
 * a file prefix with the pid in it. Exits the process if EAL fails.
 */
void
unit_eal_init(const char *prog);

/* The same with the EAL lcore list @p lcores ("0,1"), for tests that
 * launch PMD lcores. */
void
unit_eal_init_lcores(const char *prog, const char *lcores);

/* Print the summary line, stop EAL if started; the exit status for main. */
int
unit_finish(const char *prog);

/* An Ethernet address from six octets. */
struct rte_ether_addr
unit_mac(uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3, uint8_t a4,
	uint8_t a5);

/* A small mbuf pool (name made unique per call). NULL on failure. */
struct rte_mempool *
unit_pool(unsigned int n);

/*
 * main() of a test whose cases share one mbuf pool: start EAL as
 * @p prog, make a pool of @p n mbufs in @p *pool (exit status 2 if it
 * cannot), run @p cases, check that every mbuf came back to the pool,
 * free it; the exit status for main.
 */
int
unit_main_pool(const char *prog, unsigned int n, struct rte_mempool **pool,
	void (*cases)(void));

/*
 * An mbuf holding an Ethernet frame of @p len bytes (>= 14: header, then
 * filler; < 14: only the first @p len bytes of the header), EtherType IPv4.
 * NULL if the pool is empty.
 */
struct rte_mbuf *
unit_mbuf_eth(struct rte_mempool *mp, const struct rte_ether_addr *dst,
	const struct rte_ether_addr *src, uint16_t len);

/*
 * @p len bytes of @p data as a chain of mbufs of at most @p room bytes
 * each (0: 2048). NULL, with nothing left allocated, if the pool runs out.
 */
struct rte_mbuf *
unit_mbuf_chain(struct rte_mempool *mp, const uint8_t *data, uint32_t len,
	uint16_t room);

#endif /* VSW_UNIT_H */
