/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sleep-floor: what sleeping costs this machine, with nothing else done:
 * a loop of nanosleep(US) with a 1 us timer slack (as an idle vuswitch
 * PMD lcore sleeps with --pmd-sleep-max US), for SECONDS. The CPU time
 * it uses (user + system, getrusage) is the floor under the idle CPU use
 * of a switch whose lcore sleeps that long: each wake-up costs what the
 * kernel (and, in a VM, the hypervisor) takes for a timer and two
 * context switches.
 *
 * Usage: sleep-floor US SECONDS
 * Prints one line of JSON: sleep_us, wakes_per_s, cpu (share of one CPU).
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct timespec nap = { 0, 0 };
	struct rusage r0, r1;
	double t0, t1, secs;
	long us, n = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: sleep-floor US SECONDS\n");
		return 1;
	}
	us = strtol(argv[1], NULL, 10);
	secs = strtod(argv[2], NULL);
	if (us < 1 || us > 1000000 || secs <= 0 || secs > 600) {
		fprintf(stderr, "sleep-floor: US 1..1000000, SECONDS 0..600\n");
		return 1;
	}
	nap.tv_sec = us / 1000000;
	nap.tv_nsec = us % 1000000 * 1000;
	prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0);
	getrusage(RUSAGE_SELF, &r0);
	t0 = now_s();
	do {
		nanosleep(&nap, NULL);
		n++;
		t1 = now_s();
	} while (t1 - t0 < secs);
	getrusage(RUSAGE_SELF, &r1);
	printf("{\"sleep_us\": %ld, \"wakes_per_s\": %.0f, \"cpu\": %.4f}\n",
		us, (double)n / (t1 - t0),
		(tv_s(r1.ru_utime) - tv_s(r0.ru_utime) + tv_s(r1.ru_stime) -
		 tv_s(r0.ru_stime)) / (t1 - t0));
	return 0;
}
