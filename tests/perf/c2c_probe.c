/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * c2c-probe: the round-trip time of one cache line bounced between two
 * CPUs, in nanoseconds (median of several batches).
 *
 * Why: every frame of a vhost-user loop crosses between the CPUs that run
 * the guest and the switch (rings, descriptors, packet data), so the
 * loop's speed follows the cost of moving a cache line between them. On a
 * VM whose vCPUs the host places sometimes on one core complex and
 * sometimes on two, that cost changes within seconds; scripts/bench reads
 * it around each measurement window to tell the host's states apart.
 *
 * Usage: c2c-probe CPU_A CPU_B [ROUND_TRIPS]
 * Prints one number; exits 1 on bad arguments or when a CPU can't be
 * used.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BATCHES 5

struct probe {
	_Alignas(64) atomic_uint_fast64_t line;
	int cpu_b;
	uint64_t trips;
	int err;
};

static int
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The far side: answers every odd value with the next even one. */
static void *
responder(void *arg)
{
	struct probe *p = arg;
	uint64_t want = 1, end = 2 * p->trips * BATCHES;

	p->err = pin(p->cpu_b);
	while (want < end) {
		while (atomic_load_explicit(&p->line, memory_order_acquire) !=
				want)
			;
		atomic_store_explicit(&p->line, want + 1,
			memory_order_release);
		want += 2;
	}
	return NULL;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
parse(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno != 0 || *end != '\0' || end == s || *out < lo ||
		*out > hi ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static struct probe p;
	double ns[BATCHES];
	long a, b, trips = 20000;
	uint64_t v = 0;
	pthread_t t;
	int i;

	if ((argc != 3 && argc != 4) || parse(argv[1], 0, CPU_SETSIZE - 1,
			&a) != 0 || parse(argv[2], 0, CPU_SETSIZE - 1, &b) != 0 ||
			(argc == 4 && parse(argv[3], 1, 10000000, &trips) != 0) ||
			a == b) {
		fprintf(stderr, "usage: c2c-probe CPU_A CPU_B [ROUND_TRIPS "
			"1..10000000] (two different CPUs)\n");
		return 1;
	}
	p.cpu_b = (int)b;
	p.trips = (uint64_t)trips;
	if (pin((int)a) != 0) {
		fprintf(stderr, "c2c-probe: cannot run on CPU %ld\n", a);
		return 1;
	}
	if (pthread_create(&t, NULL, responder, &p) != 0) {
		fprintf(stderr, "c2c-probe: cannot start a thread\n");
		return 1;
	}
	for (i = 0; i < BATCHES; i++) {
		uint64_t t0 = now_ns(), k;

		for (k = 0; k < p.trips; k++) {
			atomic_store_explicit(&p.line, v + 1,
				memory_order_release);
			while (atomic_load_explicit(&p.line,
					memory_order_acquire) != v + 2)
				;
			v += 2;
		}
		ns[i] = (double)(now_ns() - t0) / (double)p.trips;
	}
	pthread_join(t, NULL);
	if (p.err != 0) {
		fprintf(stderr, "c2c-probe: cannot run on CPU %ld\n", b);
		return 1;
	}
	qsort(ns, BATCHES, sizeof(ns[0]), cmp_double);
	printf("%.1f\n", ns[BATCHES / 2]);
	return 0;
}
