/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the libFuzzer targets in tests/fuzz: a reader that takes
 * fields from the fuzz input (zeros once it runs out, so every input is
 * valid), the invariant check that aborts, and EAL start-up for targets
 * that need rte_malloc or mbufs.
 *
 * A target defines LLVMFuzzerTestOneInput() (and LLVMFuzzerInitialize()
 * when it needs EAL), decodes its input with fz_u8() and friends, runs the
 * code under test and states what must hold with FZ_ASSERT(). Each target
 * documents its input format at the top of its file; tests/fuzz/corpus.py
 * writes seed inputs in that format.
 */
#ifndef VSW_FUZZ_H
#define VSW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fz_in {
	const uint8_t *p;
	size_t left;
};

static inline int
fz_empty(const struct fz_in *in)
{
	return in->left == 0;
}

static inline uint8_t
fz_u8(struct fz_in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

/* Little-endian, whatever the host. */
static inline uint64_t
fz_le(struct fz_in *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

static inline uint16_t
fz_u16(struct fz_in *in)
{
	return (uint16_t)fz_le(in, 2);
}

static inline uint32_t
fz_u32(struct fz_in *in)
{
	return (uint32_t)fz_le(in, 4);
}

static inline uint64_t
fz_u64(struct fz_in *in)
{
	return fz_le(in, 8);
}

/* Copy @p n bytes to @p dst; what the input lacks is zero. */
static inline void
fz_bytes(struct fz_in *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

/*
 * An invariant of the code under test: print it and abort, which
 * libFuzzer reports as a crash and saves the input for.
 */
#define FZ_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz invariant broken at %s:%d: %s: ", \
			__FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

/*
 * Start EAL once per process: the unit tests' unit_eal_init() (no
 * hugepages, no PCI, no shared config or telemetry, one lcore, a file
 * prefix unique to this process or VSW_EAL_PREFIX, the runtime directory
 * removed at exit). Exits the process if EAL fails.
 */
void
unit_eal_init(const char *prog);
#define fz_eal_init(prog) unit_eal_init(prog)

#endif /* VSW_FUZZ_H */
