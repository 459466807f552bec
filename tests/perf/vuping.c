/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vuping: round-trip latency through a vhost-user switch at a low rate.
 *
 * Two front-ends (lib/vufe) in one thread, on two ports of the switch:
 * A sends a 64-byte frame to B; B, polling its RX ring, answers at once;
 * A, polling, takes the time from just before its send to the answer.
 * Then both rest for the interval before the next ping, so that the
 * switch sees one frame now and then, as an idle switch does. The first
 * pings (not counted) make the switch learn both addresses.
 *
 * Usage: vuping SOCK_A SOCK_B [COUNT [INTERVAL_US [TIMEOUT_MS [IDLE_MS]]]]
 *   (default 2000 pings, 1000 us apart, 1000 ms per answer; IDLE_MS: stay
 *   connected and idle this long first, having printed "connected" on
 *   stderr, so that the idle switch can be measured; default 0)
 * Prints one line of JSON: count, lost, and the round trip's min, p50,
 * p90, p99, max and mean in microseconds. Exits 1 on errors (a lost ping
 * is counted, not an error, unless every ping is lost).
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vsw_vufe.h"

#define FRAME_LEN 64
#define WARMUP 20
#define OFF_SEQ 14

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0x0b, 0x01 };

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
rest_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static struct vsw_vufe *
open_fe(const char *path)
{
	struct vsw_vufe_params p = { .path = path };
	char err[256] = "";
	struct vsw_vufe *fe = vsw_vufe_open(&p, err, sizeof(err));

	if (fe == NULL) {
		fprintf(stderr, "vuping: %s: %s\n", path, err);
		return NULL;
	}
	if (vsw_vufe_negotiate(fe) < 0 || vsw_vufe_start(fe) < 0) {
		fprintf(stderr, "vuping: %s: %s\n", path,
			vsw_vufe_last_error(fe));
		vsw_vufe_close(fe);
		return NULL;
	}
	return fe;
}

struct seen {
	uint32_t want;
	int got;
};

static void
on_frame(void *arg, const uint8_t *frame, uint32_t len)
{
	struct seen *s = arg;
	uint32_t seq;

	if (len < OFF_SEQ + sizeof(seq))
		return;
	memcpy(&seq, frame + OFF_SEQ, sizeof(seq));
	if (seq == s->want)
		s->got = 1;
}

static int
send_frame(struct vsw_vufe *fe, const uint8_t *dst, const uint8_t *src,
	uint32_t seq)
{
	uint8_t f[FRAME_LEN] = { 0 };
	int r;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;	/* local experimental ethertype 0x88b5 */
	f[13] = 0xb5;
	memcpy(f + OFF_SEQ, &seq, sizeof(seq));
	r = vsw_vufe_tx_reclaim(fe);
	if (r >= 0)
		r = vsw_vufe_tx_post(fe, f, sizeof(f));
	return r < 0 ? r : 0;
}

/* Poll @p fe until frame @p seq arrives: 0, -ETIMEDOUT or an error. */
static int
wait_frame(struct vsw_vufe *fe, uint32_t seq, uint64_t deadline)
{
	struct seen s = { .want = seq };
	int r;

	do {
		r = vsw_vufe_rx_harvest(fe, 64, on_frame, &s);
		if (r < 0)
			return r;
		if (s.got)
			return 0;
	} while (now_ns() < deadline);
	return -ETIMEDOUT;
}

/* One ping: its round trip in ns, 0 if lost, or a negative errno. */
static int64_t
ping(struct vsw_vufe *a, struct vsw_vufe *b, uint32_t seq,
	uint64_t timeout_ns)
{
	uint64_t t0 = now_ns();
	int r;

	r = send_frame(a, MAC_B, MAC_A, seq);
	if (r == 0)
		r = wait_frame(b, seq, t0 + timeout_ns);
	if (r == 0)
		r = send_frame(b, MAC_A, MAC_B, seq);
	if (r == 0)
		r = wait_frame(a, seq, t0 + timeout_ns);
	if (r == -ETIMEDOUT)
		return 0;
	return r < 0 ? r : (int64_t)(now_ns() - t0);
}

static int
cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static double
pct_us(const uint64_t *v, unsigned int n, unsigned int p)
{
	return (double)v[(uint64_t)(n - 1) * p / 100] / 1000.0;
}

static int
report(uint64_t *rtt, unsigned int n, unsigned int lost)
{
	double sum = 0;
	unsigned int i;

	if (n == 0) {
		fprintf(stderr, "vuping: every ping was lost\n");
		return 1;
	}
	qsort(rtt, n, sizeof(*rtt), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)rtt[i];
	printf("{\"count\": %u, \"lost\": %u, \"min_us\": %.1f, "
		"\"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, "
		"\"max_us\": %.1f, \"mean_us\": %.1f}\n", n, lost,
		pct_us(rtt, n, 0), pct_us(rtt, n, 50), pct_us(rtt, n, 90),
		pct_us(rtt, n, 99), pct_us(rtt, n, 100), sum / n / 1000.0);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long count = 2000, interval = 1000, timeout_ms = 1000;
	unsigned long idle_ms = 0;
	struct vsw_vufe *a = NULL, *b = NULL;
	unsigned int n = 0, lost = 0;
	uint64_t *rtt = NULL;
	uint32_t seq;
	int ret = 1;

	if (argc < 3 || argc > 7) {
		fprintf(stderr, "usage: vuping SOCK_A SOCK_B [COUNT "
			"[INTERVAL_US [TIMEOUT_MS [IDLE_MS]]]]\n");
		return 1;
	}
	if (argc > 3)
		count = strtoul(argv[3], NULL, 10);
	if (argc > 4)
		interval = strtoul(argv[4], NULL, 10);
	if (argc > 5)
		timeout_ms = strtoul(argv[5], NULL, 10);
	if (argc > 6)
		idle_ms = strtoul(argv[6], NULL, 10);
	if (count == 0 || count > 10000000 || interval > 10000000 ||
			timeout_ms == 0 || timeout_ms > 60000 ||
			idle_ms > 600000) {
		fprintf(stderr, "vuping: bad count, interval or timeout\n");
		return 1;
	}
	rtt = calloc(count, sizeof(*rtt));
	a = open_fe(argv[1]);
	b = a != NULL ? open_fe(argv[2]) : NULL;
	if (rtt == NULL || b == NULL)
		goto out;
	fprintf(stderr, "vuping: connected\n");
	fflush(stderr);
	rest_us((unsigned int)(idle_ms * 1000));
	for (seq = 1; seq <= count + WARMUP; seq++) {
		int64_t t = ping(a, b, seq, timeout_ms * 1000000u);

		if (t < 0) {
			fprintf(stderr, "vuping: ping %u: %s\n", seq,
				strerror((int)-t));
			goto out;
		}
		if (seq > WARMUP) {
			if (t == 0)
				lost++;
			else
				rtt[n++] = (uint64_t)t;
		}
		rest_us((unsigned int)interval);
	}
	ret = report(rtt, n, lost);
out:
	vsw_vufe_close(a);
	vsw_vufe_close(b);
	free(rtt);
	return ret;
}
