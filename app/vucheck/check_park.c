/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vucheck: the checks that park the tested port with SUSPEND and watch
 * what the back-end does until RESUME.
 *
 * While the tested port is suspended vucheck never harvests its rings:
 * that would write guest memory. It only reads used indexes, checksums
 * guest memory, reads the call eventfds, and (on purpose) posts TX frames
 * and kicks, re-taking the memory checksum right after each of its own
 * writes.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vucheck.h"

#define SHORT_PARK_MS 100u

/* SUSPEND or RESUME, which must be acked with 0. */
static int
park_msg(struct vc *vc, bool suspend, uint64_t *rtt, char *why, size_t len)
{
	const char *name = suspend ? "SUSPEND" : "RESUME";
	uint64_t reply = 0, ns = 0;
	int r;

	r = suspend ? vsw_vufe_suspend(vc->t.fe, &reply, &ns) :
		vsw_vufe_resume(vc->t.fe, &reply, &ns);
	if (rtt != NULL)
		*rtt = ns;
	if (r < 0) {
		snprintf(why, len, "%s: %s", name, vc_err(&vc->t));
		vc->dead = true;
		return r;
	}
	if (reply != 0) {
		snprintf(why, len, "%s was acked with %llu, not 0", name,
			(unsigned long long)reply);
		return -EIO;
	}
	return 0;
}

static void
park_fail_all(struct vc *vc, const char *why)
{
	if (vc_wanted(vc, VC_ACK_AFTER_PARK))
		vc_report(vc, VC_ACK_AFTER_PARK, VC_FAIL, "%s", why);
	if (vc_wanted(vc, VC_NO_CALL))
		vc_report(vc, VC_NO_CALL, VC_FAIL, "%s", why);
	if (vc_wanted(vc, VC_RESUME_DELIVERS))
		vc_report(vc, VC_RESUME_DELIVERS, VC_FAIL, "%s", why);
}

static void
report_park(struct vc *vc, const struct vc_park *pk, uint64_t rtt,
		unsigned int p2t)
{
	if (pk->used_changed || pk->mem_changed)
		vc_report(vc, VC_ACK_AFTER_PARK, VC_FAIL, "after the SUSPEND "
			"ack: %s%s%s", pk->why_used,
			pk->used_changed && pk->mem_changed ? "; " : "",
			pk->why_mem);
	else
		vc_report(vc, VC_ACK_AFTER_PARK, VC_PASS, "SUSPEND acked in "
			"%.1f us; used->idx (RX %u, TX %u) and the %zu-byte "
			"memory checksum stayed put for %u ms while %u TX "
			"frames were posted and kicked%s%.0u%s",
			(double)rtt / 1e3, pk->used[0], pk->used[1],
			vsw_vufe_mem_size(vc->t.fe), VC_PARK_MS, pk->tx_posted,
			vc->have_peer ? " and the peer sent " : "",
			vc->have_peer ? p2t : 0,
			vc->have_peer ? " towards the port" : "");
	if (pk->called)
		vc_report(vc, VC_NO_CALL, VC_FAIL, "%s", pk->why_call);
	else
		vc_report(vc, VC_NO_CALL, VC_PASS, "%u call signal(s) in "
			"flight drained at the ack; none between the ack and "
			"RESUME (%u ms)", pk->inflight_calls, VC_PARK_MS);
}

static void
check_delivered(struct vc *vc, enum vc_check c, const char *what)
{
	uint64_t t0 = vc_now_ns();
	char why[320];
	int r;

	r = vc_settle(vc, vc->o->timeout_ms);
	if (r < 0 && r != -ETIMEDOUT) {
		vc_note_error(vc, r, why, sizeof(why), "after RESUME");
		vc_report(vc, c, VC_FAIL, "%s", why);
	} else if (!vc_delivered(vc, why, sizeof(why))) {
		vc_report(vc, c, VC_FAIL, "%u ms after RESUME: %s",
			vc->o->timeout_ms, why);
	} else if (!vc->have_peer) {
		vc_report(vc, c, VC_PASS, "%s; all %llu TX frames consumed "
			"%.3f ms after the RESUME ack (no --peer: delivery not "
			"seen)",
			what, (unsigned long long)vc->t2p.sent,
			(double)(vc_now_ns() - t0) / 1e6);
	} else {
		vc_report(vc, c, VC_PASS, "%s; all %llu tested->peer and "
			"%llu peer->tested frames delivered in order, %.3f ms "
			"after the RESUME ack", what,
			(unsigned long long)vc->t2p.sent,
			(unsigned long long)vc->p2t.sent,
			(double)(vc_now_ns() - t0) / 1e6);
	}
}

void
vc_check_resume_running(struct vc *vc)
{
	char why[320], flow[128];
	struct vc_mark m;
	uint64_t rtt;

	if (!vc_check_start(vc, VC_RESUME_RUNNING))
		return;
	why[0] = '\0';
	if (vc_warmup(vc, VC_WARMUP_MS / 2, why, sizeof(why)) < 0 ||
			park_msg(vc, false, &rtt, why, sizeof(why)) < 0) {
		vc_report(vc, VC_RESUME_RUNNING, VC_FAIL, "%s", why);
		return;
	}
	vc_mark(vc, &m);
	if (vc_pump(vc, VC_WARMUP_MS) < 0 || vc_settle(vc, vc->o->timeout_ms) < 0 ||
			!vc_delivered(vc, why, sizeof(why))) {
		vc_report(vc, VC_RESUME_RUNNING, VC_FAIL, "after RESUME on a "
			"running port: %s", why[0] ? why : vc_err(&vc->t));
		return;
	}
	if (!vc_flow_text(vc, &m, flow, sizeof(flow))) {
		vc_report(vc, VC_RESUME_RUNNING, VC_FAIL, "traffic stopped "
			"after RESUME on a running port (%s)", flow);
		return;
	}
	vc_report(vc, VC_RESUME_RUNNING, VC_PASS, "acked 0 in %.1f us; "
		"traffic kept flowing (%s after it)", (double)rtt / 1e3, flow);
}

void
vc_check_park(struct vc *vc)
{
	struct vc_park pk;
	char why[320];
	uint64_t rtt = 0, p0;
	unsigned int p2t;
	bool any = false;
	int r;

	any |= vc_check_start(vc, VC_ACK_AFTER_PARK);
	any |= vc_check_start(vc, VC_NO_CALL);
	any |= vc_check_start(vc, VC_RESUME_DELIVERS);
	if (!any)
		return;
	why[0] = '\0';
	if (vc_warmup(vc, VC_WARMUP_MS, why, sizeof(why)) < 0 ||
			vc_burst(vc) < 0 ||
			park_msg(vc, true, &rtt, why, sizeof(why)) < 0) {
		park_fail_all(vc, why[0] ? why : vc_err(&vc->t));
		return;
	}
	vc_park_begin(vc, &pk);
	p0 = vc->p2t.sent;
	r = vc_hold_parked(vc, &pk, VC_PARK_MS, 64, vc->susp_frames);
	p2t = (unsigned int)(vc->p2t.sent - p0);
	if (r < 0) {
		vc_note_error(vc, r, why, sizeof(why), "while suspended");
		park_fail_all(vc, why);
		return;
	}
	r = park_msg(vc, false, NULL, why, sizeof(why));
	report_park(vc, &pk, rtt, p2t);
	if (!vc_wanted(vc, VC_RESUME_DELIVERS))
		return;
	if (r < 0) {
		vc_report(vc, VC_RESUME_DELIVERS, VC_FAIL, "%s", why);
		return;
	}
	if (!vc->have_peer) {
		vc_report(vc, VC_RESUME_DELIVERS, VC_SKIP, "needs --peer");
		return;
	}
	snprintf(why, sizeof(why), "%u TX frames posted while suspended "
		"were consumed and the %u frames the peer sent meanwhile "
		"arrived", pk.tx_posted, p2t);
	check_delivered(vc, VC_RESUME_DELIVERS, why);
}

void
vc_check_double_suspend(struct vc *vc)
{
	uint64_t rtt = 0;
	struct vc_park pk;
	char why[320];
	int r;

	if (!vc_check_start(vc, VC_DOUBLE_SUSPEND))
		return;
	why[0] = '\0';
	if (vc_warmup(vc, VC_WARMUP_MS / 2, why, sizeof(why)) < 0 ||
			park_msg(vc, true, NULL, why, sizeof(why)) < 0) {
		vc_report(vc, VC_DOUBLE_SUSPEND, VC_FAIL, "%s", why);
		return;
	}
	vc_park_begin(vc, &pk);
	r = park_msg(vc, true, &rtt, why, sizeof(why));
	if (r < 0) {
		vc_try_resume(vc);
		vc_report(vc, VC_DOUBLE_SUSPEND, VC_FAIL, "second %s", why);
		return;
	}
	r = vc_hold_parked(vc, &pk, SHORT_PARK_MS, 16, vc->susp_frames / 2);
	if (r == 0)
		r = park_msg(vc, false, NULL, why, sizeof(why));
	else
		vc_note_error(vc, r, why, sizeof(why), "while suspended");
	if (r < 0 || pk.used_changed || pk.mem_changed || pk.called) {
		vc_report(vc, VC_DOUBLE_SUSPEND, VC_FAIL, "after the second "
			"SUSPEND: %s", r < 0 ? why :
			vc_park_why(&pk, why, sizeof(why)));
		return;
	}
	snprintf(why, sizeof(why), "second SUSPEND acked 0 in %.1f us; port "
		"stayed suspended for %u ms", (double)rtt / 1e3,
		SHORT_PARK_MS);
	check_delivered(vc, VC_DOUBLE_SUSPEND, why);
}

/* GET_VRING_BASE on both vrings; *bad describes the first mismatch. */
static int
get_bases(struct vc *vc, const struct vc_park *pk, uint32_t *base,
		char *bad, size_t len)
{
	unsigned int i;
	int r;

	for (i = 0; i < VSW_VUFE_NB_RINGS; i++) {
		r = vc_get_base(vc, i, &base[i], NULL, bad, len);
		if (r < 0)
			return r;
	}
	vc_bases_match(vc, pk, base, bad, len);
	return 0;
}

void
vc_check_vring_base(struct vc *vc)
{
	uint32_t base[VSW_VUFE_NB_RINGS];
	char why[320], bad[320];
	struct vc_park pk;
	int r;

	if (!vc_check_start(vc, VC_VRING_BASE))
		return;
	why[0] = bad[0] = '\0';
	if (vc_warmup(vc, VC_WARMUP_MS, why, sizeof(why)) < 0 ||
			vc_burst(vc) < 0 ||
			park_msg(vc, true, NULL, why, sizeof(why)) < 0) {
		vc_report(vc, VC_VRING_BASE, VC_FAIL, "%s", why);
		return;
	}
	vc_park_begin(vc, &pk);
	/* Leave descriptors available past the point the ring stopped. */
	r = vc_park_post(vc, &pk, 8);
	if (r == 0)
		r = get_bases(vc, &pk, base, bad, sizeof(bad));
	vc_park_verify(vc, &pk);
	if (r == 0)
		r = vc_restart_rings(vc, base, why, sizeof(why));
	if (r == 0)
		r = vc_hold_parked(vc, &pk, SHORT_PARK_MS, 0, 0);
	if (r == 0)
		r = park_msg(vc, false, NULL, why, sizeof(why));
	if (r < 0) {
		vc_report(vc, VC_VRING_BASE, VC_FAIL, "%s",
			bad[0] ? bad : why[0] ? why : vc_err(&vc->t));
		return;
	}
	if (bad[0] != '\0') {
		vc_report(vc, VC_VRING_BASE, VC_FAIL, "%s", bad);
		return;
	}
	if (pk.used_changed || pk.mem_changed || pk.called) {
		vc_report(vc, VC_VRING_BASE, VC_FAIL, "between GET_VRING_BASE "
			"and RESUME (rings set up again, still suspended): "
			"%s", vc_park_why(&pk, why, sizeof(why)));
		return;
	}
	if (vc_settle(vc, vc->o->timeout_ms) == 0)
		vc_pump(vc, VC_WARMUP_MS);
	snprintf(why, sizeof(why), "GET_VRING_BASE while suspended gave RX "
		"%u, TX %u (= used->idx; TX had %u more available); rings "
		"set up again stayed parked until RESUME", base[0], base[1],
		pk.tx_posted);
	check_delivered(vc, VC_VRING_BASE, why);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
summarize(const double *v, unsigned int n, struct vc_lat_sum *s)
{
	double *c, sum = 0;
	unsigned int i, k;

	memset(s, 0, sizeof(*s));
	if (n == 0 || (c = malloc(n * sizeof(*c))) == NULL)
		return;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	for (i = 0; i < n; i++)
		sum += c[i];
	k = (unsigned int)((99ull * n + 99) / 100);
	s->min = c[0];
	s->median = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	s->p99 = c[k > 0 ? k - 1 : 0];
	s->max = c[n - 1];
	s->mean = sum / n;
	free(c);
}

/* One SUSPEND/RESUME cycle of the latency check. */
static int
one_cycle(struct vc *vc, unsigned int k, char *why, size_t len)
{
	struct vc_latency *l = &vc->lat;
	uint64_t rtt, end;
	struct vc_park pk;
	int r;

	r = vc_pump(vc, 1);
	if (r < 0) {
		vc_note_error(vc, r, why, len, "traffic");
		return r;
	}
	r = park_msg(vc, true, &rtt, why, len);
	if (r < 0)
		return r;
	l->suspend_us[l->cycles] = (double)rtt / 1e3;
	vc_park_begin(vc, &pk);
	if (vc->have_peer && k > 0)
		r = vc_send(vc, &vc->p2t, k);
	end = pk.t_ack_ns + (uint64_t)vc->o->hold_us * 1000ull;
	while (r >= 0 && vc_now_ns() < end) {
		r = vc_poll(vc, false);
		vc_sleep_us(100);
	}
	if (r < 0) {
		vc_note_error(vc, r, why, len, "while suspended");
		return r;
	}
	vc_park_verify(vc, &pk);
	pk.why_mem[0] = '\0';	/* only used indexes and calls count here */
	if ((pk.used_changed || pk.called) && l->violations++ == 0) {
		char buf[400];

		snprintf(why, len, "cycle %u: %s", l->cycles + 1,
			vc_park_why(&pk, buf, sizeof(buf)));
	}
	r = park_msg(vc, false, &rtt, why, len);
	if (r < 0)
		return r;
	l->resume_us[l->cycles++] = (double)rtt / 1e3;
	return 0;
}

void
vc_check_latency(struct vc *vc)
{
	struct vc_latency *l = &vc->lat;
	unsigned int k = vc->susp_frames < 8 ? vc->susp_frames : 8;
	char why[400], loss[200];
	int r = 0;

	if (!vc_check_start(vc, VC_LATENCY))
		return;
	why[0] = '\0';
	l->suspend_us = calloc(vc->o->cycles, sizeof(double));
	l->resume_us = calloc(vc->o->cycles, sizeof(double));
	if (l->suspend_us == NULL || l->resume_us == NULL) {
		vc_report(vc, VC_LATENCY, VC_FAIL, "out of memory");
		return;
	}
	if (vc_warmup(vc, VC_WARMUP_MS / 2, why, sizeof(why)) < 0) {
		vc_report(vc, VC_LATENCY, VC_FAIL, "%s", why);
		return;
	}
	while (r == 0 && l->cycles < vc->o->cycles)
		r = one_cycle(vc, k, why, sizeof(why));
	if (r == 0)
		vc_settle(vc, vc->o->timeout_ms);
	l->sent = vc->p2t.sent;
	l->received = vc->p2t.received;
	l->tx_sent = vc->t2p.sent;
	l->tx_received = vc->t2p.received;
	l->done = true;
	summarize(l->suspend_us, l->cycles, &l->suspend);
	summarize(l->resume_us, l->cycles, &l->resume);
	if (vc->have_peer)
		snprintf(loss, sizeof(loss), "frames to the tested port sent "
			"%llu, received %llu, lost %llu; tested->peer sent "
			"%llu, lost %llu", (unsigned long long)l->sent,
			(unsigned long long)l->received,
			(unsigned long long)(l->sent - l->received),
			(unsigned long long)l->tx_sent,
			(unsigned long long)(l->tx_sent - l->tx_received));
	else
		snprintf(loss, sizeof(loss), "no --peer: loss not measured");
	if (r == 0 && l->violations == 0 && (!vc->have_peer ||
			(l->received == l->sent && l->tx_received == l->tx_sent)))
		vc_report(vc, VC_LATENCY, VC_PASS, "%u cycles, hold %u us: "
			"SUSPEND ack median %.1f us, p99 %.1f us, max %.1f us; "
			"RESUME ack median %.1f us; %s", l->cycles,
			vc->o->hold_us, l->suspend.median, l->suspend.p99,
			l->suspend.max, l->resume.median, loss);
	else
		vc_report(vc, VC_LATENCY, VC_FAIL, "%u/%u cycles; SUSPEND ack "
			"median %.1f us, max %.1f us; %s%s%s", l->cycles,
			vc->o->cycles, l->suspend.median, l->suspend.max, loss,
			why[0] ? "; " : "", why);
}
