/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What does it cost when two PMD lcores transmit to the same guest queue?
 *
 * rte_vhost_enqueue_burst() takes the virtqueue's rte_spinlock for the
 * whole burst, while it copies every frame into guest buffers. vuswitch
 * gives each PMD lcore its own guest RX queue when the guest has enough,
 * and otherwise lets lcores share one (rte_vhost's lock serialises them).
 * This program models that: two threads, one per CPU, each repeatedly
 * "dequeue" a burst (copy 32 frames into a private buffer), then
 * "enqueue" it (take a spinlock, copy the 32 frames into a guest ring
 * buffer, bump an index, release). In "separate" mode each thread has its
 * own lock and ring (its own queue); in "shared" mode they share both.
 * It prints cycles per burst and the uncontended cost of the lock itself.
 *
 *   txq-lock-bench [SECONDS] [FRAME_BYTES]
 *
 * A model, not rte_vhost itself: it has no descriptor handling, so real
 * critical sections are longer and contention costs more, not less.
 */

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_spinlock.h>

#define BURST 32
#define RING_SLOTS 256
#define MAX_FRAME 2048

struct queue {
	rte_spinlock_t lock;
	uint32_t idx;
	uint8_t ring[RING_SLOTS][MAX_FRAME] __rte_cache_aligned;
} __rte_cache_aligned;

struct worker {
	int cpu;
	struct queue *q;
	size_t frame;
	volatile int *go;
	uint64_t bursts;
	uint64_t cycles;
	uint8_t src[BURST][MAX_FRAME] __rte_cache_aligned;
	uint8_t rx[BURST][MAX_FRAME] __rte_cache_aligned;
} __rte_cache_aligned;

static double run_seconds = 1.0;
static uint64_t tsc_hz;

/* rte_get_tsc_hz() needs EAL; measure the TSC against CLOCK_MONOTONIC. */
static uint64_t
estimate_tsc_hz(void)
{
	struct timespec a, b;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = rte_rdtsc();
	usleep(100000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t1 = rte_rdtsc();
	return (uint64_t)((double)(t1 - t0) /
		((double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
}

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	uint64_t hz = tsc_hz, start, end;
	int i;

	pin(w->cpu);
	while (!*w->go)
		rte_pause();
	start = rte_rdtsc();
	end = start + (uint64_t)(run_seconds * (double)hz);
	while (rte_rdtsc() < end) {
		for (i = 0; i < BURST; i++)	/* "dequeue": copy out */
			memcpy(w->rx[i], w->src[i], w->frame);
		rte_spinlock_lock(&w->q->lock);	/* "enqueue": copy in */
		for (i = 0; i < BURST; i++)
			memcpy(w->q->ring[(w->q->idx + i) % RING_SLOTS],
				w->rx[i], w->frame);
		w->q->idx += BURST;
		rte_spinlock_unlock(&w->q->lock);
		w->bursts++;
	}
	w->cycles = rte_rdtsc() - start;
	return NULL;
}

static double
measure(bool shared, size_t frame, int ncpu)
{
	static struct queue queues[2];
	static struct worker workers[2];
	pthread_t th[2];
	volatile int go = 0;
	double cyc_per_burst = 0;
	int i;

	memset(queues, 0, sizeof(queues));
	for (i = 0; i < 2; i++) {
		rte_spinlock_init(&queues[i].lock);
		memset(&workers[i], 0, sizeof(workers[i]));
		workers[i].cpu = i % ncpu;
		workers[i].q = &queues[shared ? 0 : i];
		workers[i].frame = frame;
		workers[i].go = &go;
		pthread_create(&th[i], NULL, work, &workers[i]);
	}
	usleep(10000);
	go = 1;
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		cyc_per_burst += (double)workers[i].cycles /
			(double)workers[i].bursts / 2;
	}
	return cyc_per_burst;
}

static double
lock_cost(void)
{
	rte_spinlock_t l = RTE_SPINLOCK_INITIALIZER;
	const int n = 10 * 1000 * 1000;
	uint64_t t;
	int i;

	t = rte_rdtsc();
	for (i = 0; i < n; i++) {
		rte_spinlock_lock(&l);
		rte_spinlock_unlock(&l);
	}
	return (double)(rte_rdtsc() - t) / n;
}

int
main(int argc, char **argv)
{
	size_t frame = 64;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double sep, shr;

	if (argc > 1)
		run_seconds = atof(argv[1]);
	if (argc > 2)
		frame = (size_t)atoi(argv[2]);
	if (run_seconds <= 0 || run_seconds > 60 || frame < 14 ||
			frame > MAX_FRAME) {
		fprintf(stderr, "usage: %s [SECONDS (0-60]] [FRAME_BYTES 14-%d]\n",
			argv[0], MAX_FRAME);
		return 2;
	}
	if (ncpu < 2)
		fprintf(stderr, "warning: one CPU: threads will time-share\n");
	pin(0);
	tsc_hz = estimate_tsc_hz();
	printf("uncontended lock+unlock: %.1f cycles (%.2f per packet of a %d-burst)\n",
		lock_cost(), lock_cost() / BURST, BURST);
	sep = measure(false, frame, (int)ncpu);
	shr = measure(true, frame, (int)ncpu);
	printf("%zu-byte frames, 2 threads on 2 CPUs, cycles per burst of %d:\n",
		frame, BURST);
	printf("  separate queues: %8.0f  (%.1f per packet)\n", sep, sep / BURST);
	printf("  shared queue:    %8.0f  (%.1f per packet)  x%.2f\n", shr,
		shr / BURST, shr / sep);
	return 0;
}
