/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vucheck: reporting. The check names, one line per check verdict, the
 * SKIP lines for checks that cannot run, the summary line and the JSON
 * results file. Calls nothing else of vucheck's.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vucheck.h"

const char *const vc_check_names[VC_NB_CHECKS] = {
	[VC_NEGOTIATE] = "negotiate",
	[VC_RESUME_RUNNING] = "resume-running",
	[VC_ACK_AFTER_PARK] = "ack-after-park",
	[VC_NO_CALL] = "no-call-while-suspended",
	[VC_RESUME_DELIVERS] = "resume-delivers",
	[VC_DOUBLE_SUSPEND] = "double-suspend",
	[VC_VRING_BASE] = "vring-base-while-suspended",
	[VC_VRING_BASE_PARKS] = "vring-base-parks",
	[VC_PAYLOAD_41] = "payload-41",
	[VC_STRAY_FDS] = "stray-fds",
	[VC_LATENCY] = "latency",
	[VC_NOT_NEGOTIATED] = "not-negotiated",
};

/* In the text output and in the JSON file. */
static const char *const result_names[] = {
	[VC_NOT_RUN] = "NOT-RUN", [VC_PASS] = "PASS",
	[VC_FAIL] = "FAIL", [VC_SKIP] = "SKIP",
};

bool
vc_wanted(const struct vc *vc, enum vc_check c)
{
	return (vc->o->selected & (1u << c)) != 0;
}

void
vc_report(struct vc *vc, enum vc_check c, enum vc_result r,
		const char *fmt, ...)
{
	va_list ap;

	/* Unselected checks run only as set-up; only a failure shows. */
	if (r != VC_FAIL && !vc_wanted(vc, c))
		return;
	va_start(ap, fmt);
	vsnprintf(vc->detail[c], sizeof(vc->detail[c]), fmt, ap);
	va_end(ap);
	vc->result[c] = r;
	printf("%s %s: %s\n", result_names[r], vc_check_names[c],
		vc->detail[c]);
}

void
vc_skip_upto(struct vc *vc, unsigned int end, const char *why)
{
	unsigned int i;

	for (i = 0; i < end; i++)
		if (vc->result[i] == VC_NOT_RUN && vc_wanted(vc, i))
			vc_report(vc, i, VC_SKIP, "%s", why);
}

void
vc_report_baseline(const char *why)
{
	printf("FAIL baseline: before any SUSPEND: %s\n", why);
}

void
vc_count(const struct vc *vc, unsigned int *pass, unsigned int *fail,
		unsigned int *skip)
{
	unsigned int i;

	*pass = *fail = *skip = 0;
	for (i = 0; i < VC_NB_CHECKS; i++) {
		*pass += vc->result[i] == VC_PASS;
		*fail += vc->result[i] == VC_FAIL;
		*skip += vc->result[i] == VC_SKIP;
	}
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
json_sum(FILE *f, const char *name, const struct vc_lat_sum *s)
{
	fprintf(f, "    \"%s\": {\"min\": %.3f, \"median\": %.3f, "
		"\"p99\": %.3f, \"max\": %.3f, \"mean\": %.3f},\n", name,
		s->min, s->median, s->p99, s->max, s->mean);
}

static void
json_samples(FILE *f, const char *name, const double *v, unsigned int n,
		bool last)
{
	unsigned int i;

	fprintf(f, "    \"%s\": [", name);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%.3f", i ? ", " : "", v[i]);
	fprintf(f, "]%s\n", last ? "" : ",");
}

static void
json_latency(FILE *f, const struct vc *vc)
{
	const struct vc_latency *l = &vc->lat;

	if (!l->done) {
		fprintf(f, "  \"latency\": null,\n");
		return;
	}
	fprintf(f, "  \"latency\": {\n    \"cycles\": %u,\n    \"hold_us\": "
		"%u,\n", l->cycles, vc->o->hold_us);
	json_sum(f, "suspend_ack_us", &l->suspend);
	json_sum(f, "resume_ack_us", &l->resume);
	fprintf(f, "    \"frames_to_tested\": {\"sent\": %llu, \"received\": "
		"%llu, \"lost\": %llu},\n", (unsigned long long)l->sent,
		(unsigned long long)l->received,
		(unsigned long long)(l->sent - l->received));
	fprintf(f, "    \"frames_from_tested\": {\"sent\": %llu, "
		"\"received\": %llu},\n", (unsigned long long)l->tx_sent,
		(unsigned long long)l->tx_received);
	fprintf(f, "    \"violations\": %u,\n", l->violations);
	json_samples(f, "suspend_ack_samples_us", l->suspend_us, l->cycles,
		false);
	json_samples(f, "resume_ack_samples_us", l->resume_us, l->cycles,
		true);
	fprintf(f, "  },\n");
}

static void
json_vm(FILE *f, const char *name, const struct vc_vm *vm,
		const struct vsw_vufe_stats *st, bool last)
{
	fprintf(f, "    \"%s\": {\"tx_posted\": %llu, \"tx_completed\": %llu, "
		"\"rx_received\": %llu, \"kicks\": %llu, \"bad_used\": %llu, "
		"\"requests\": %llu, \"calls\": %llu, \"stale\": %llu, "
		"\"foreign\": %llu, \"misdelivered\": %llu, \"corrupt\": "
		"%llu}%s\n", name,
		(unsigned long long)st->tx_posted,
		(unsigned long long)st->tx_completed,
		(unsigned long long)st->rx_received,
		(unsigned long long)st->kicks,
		(unsigned long long)st->bad_used,
		(unsigned long long)st->requests,
		(unsigned long long)vm->calls,
		(unsigned long long)vm->stale,
		(unsigned long long)vm->foreign,
		(unsigned long long)vm->misdelivered,
		(unsigned long long)vm->corrupt, last ? "" : ",");
}

static void
json_checks(FILE *f, const struct vc *vc)
{
	unsigned int i, n = 0;

	fprintf(f, "  \"checks\": [\n");
	for (i = 0; i < VC_NB_CHECKS; i++) {
		if (vc->result[i] == VC_NOT_RUN)
			continue;
		fprintf(f, "%s    {\"name\": \"%s\", \"result\": \"%s\", "
			"\"detail\": ", n++ ? ",\n" : "", vc_check_names[i],
			result_names[vc->result[i]]);
		json_str(f, vc->detail[i]);
		fputc('}', f);
	}
	fprintf(f, "\n  ],\n");
}

void
vc_summary(const struct vc *vc, int code)
{
	unsigned int pass, fail, skip;

	vc_count(vc, &pass, &fail, &skip);
	printf("summary: %u passed, %u failed, %u skipped (exit %d)\n", pass,
		fail, skip, code);
	fflush(stdout);
}

int
vc_json_write(FILE *f, const struct vc *vc, const struct vsw_vufe_stats *tst,
		const struct vsw_vufe_stats *pst, int code)
{
	unsigned int pass, fail, skip;

	vc_count(vc, &pass, &fail, &skip);
	fprintf(f, "{\n  \"tool\": \"%s\",\n  \"socket\": ", VC_NAME);
	json_str(f, vc->o->socket);
	fprintf(f, ",\n  \"peer\": ");
	if (vc->o->peer != NULL)
		json_str(f, vc->o->peer);
	else
		fprintf(f, "null");
	fprintf(f, ",\n  \"params\": {\"cycles\": %u, \"hold_us\": %u, "
		"\"backlog\": %u, \"timeout_ms\": %u, \"rate\": %u, "
		"\"window\": %u, \"frames_per_suspension\": %u},\n",
		vc->o->cycles, vc->o->hold_us, vc->o->backlog,
		vc->o->timeout_ms, vc->o->rate, vc->window, vc->susp_frames);
	fprintf(f, "  \"protocol_features_offered\": \"0x%llx\",\n",
		(unsigned long long)vc->offered_pf);
	json_checks(f, vc);
	json_latency(f, vc);
	fprintf(f, "  \"counts\": {\n");
	json_vm(f, "tested", &vc->t, tst, !vc->have_peer);
	if (vc->have_peer)
		json_vm(f, "peer", &vc->p, pst, true);
	fprintf(f, "  },\n  \"summary\": {\"passed\": %u, \"failed\": %u, "
		"\"skipped\": %u},\n  \"exit\": %d\n}\n", pass, fail, skip,
		code);
	return fclose(f) == 0 ? 0 : -errno;
}
