/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vucheck: point it at a vhost-user back-end socket and it checks the
 * draft SUSPEND/RESUME messages (ids 41/42, protocol feature bit 18).
 * Options, check selection, and the order in which the checks run.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vucheck.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static void
usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
		"Usage: %s --socket PATH [options]\n"
		"Check a vhost-user back-end's SUSPEND/RESUME (draft ids 41/42,\n"
		"protocol feature bit 18), playing the front-end (the VM).\n"
		"\n"
		"  --socket PATH     back-end socket of the port under test\n"
		"  --peer PATH       second back-end socket on the same switch,\n"
		"                    driven as a second VM (traffic source/sink)\n"
		"  --mac MAC         tested VM's MAC (02:00:00:00:00:01)\n"
		"  --peer-mac MAC    peer VM's MAC (02:00:00:00:00:02)\n"
		"  --checks LIST     comma-separated checks to run (default all)\n"
		"  --cycles N        SUSPEND/RESUME cycles for latency (100)\n"
		"  --hold-us N       time suspended per latency cycle (0)\n"
		"  --backlog N       frames the back-end holds for a suspended\n"
		"                    port (4096); vucheck sends fewer\n"
		"  --timeout-ms N    bound for every wait (2000)\n"
		"  --rate N          frames/s per direction while traffic flows\n"
		"                    (10000; 0: as fast as vucheck can)\n"
		"  --json FILE       write raw results as JSON\n"
		"  -h, --help        this text\n"
		"\nChecks:", VC_NAME);
	for (i = 0; i < VC_NB_CHECKS; i++)
		fprintf(f, "%s %s", i % 4 == 0 ? "\n " : "", vc_check_names[i]);
	fprintf(f, "\n\nOutput: one line per check starting with PASS, FAIL "
		"or SKIP, then a summary.\nExit: 0 all passed, 1 a check "
		"failed, 2 usage or connection error,\n3 the back-end does "
		"not offer SUSPEND (bit 18) and a check that needs it\nwas "
		"selected (vring-base-parks needs no SUSPEND and still "
		"runs).\n");
}

static int
bad_arg(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "%s: %s '%s': %s (see --help)\n", VC_NAME, opt, val,
		why);
	return -1;
}

static int
parse_uint(const char *opt, const char *s, unsigned int min,
		unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return bad_arg(opt, s, "not a number");
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return bad_arg(opt, s, "not a number");
	if (v < min || v > max) {
		char why[64];

		snprintf(why, sizeof(why), "must be in [%u, %u]", min, max);
		return bad_arg(opt, s, why);
	}
	*out = (unsigned int)v;
	return 0;
}

static int
parse_mac(const char *opt, const char *s, uint8_t *mac)
{
	unsigned int b[6], i;
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0],
			&b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return bad_arg(opt, s, "not a MAC address (xx:xx:xx:xx:xx:xx)");
	if (b[0] & 1)
		return bad_arg(opt, s, "must be a unicast address");
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int
parse_checks(const char *s, uint32_t *sel)
{
	char buf[512], *tok, *save = NULL;
	unsigned int i;

	if (strlen(s) >= sizeof(buf) || s[0] == '\0')
		return bad_arg("--checks", s, "empty or too long");
	strcpy(buf, s);
	*sel = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < VC_NB_CHECKS; i++)
			if (strcmp(tok, vc_check_names[i]) == 0)
				break;
		if (i == VC_NB_CHECKS) {
			fprintf(stderr, "%s: --checks: unknown check '%s' "
				"(see --help)\n", VC_NAME, tok);
			return -1;
		}
		*sel |= 1u << i;
	}
	return *sel != 0 ? 0 : bad_arg("--checks", s, "no check named");
}

static int
check_path(const char *opt, const char *s)
{
	if (s[0] == '\0' || strlen(s) > VSW_VHU_PATH_MAX)
		return bad_arg(opt, s, "empty, or longer than "
			STR(VSW_VHU_PATH_MAX) " bytes");
	return 0;
}

enum { O_SOCKET = 256, O_PEER, O_MAC, O_PEER_MAC, O_CHECKS, O_CYCLES,
	O_HOLD, O_BACKLOG, O_TIMEOUT, O_JSON, O_RATE };

static const struct option long_opts[] = {
	{ "socket", required_argument, NULL, O_SOCKET },
	{ "peer", required_argument, NULL, O_PEER },
	{ "mac", required_argument, NULL, O_MAC },
	{ "peer-mac", required_argument, NULL, O_PEER_MAC },
	{ "checks", required_argument, NULL, O_CHECKS },
	{ "cycles", required_argument, NULL, O_CYCLES },
	{ "hold-us", required_argument, NULL, O_HOLD },
	{ "backlog", required_argument, NULL, O_BACKLOG },
	{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
	{ "json", required_argument, NULL, O_JSON },
	{ "rate", required_argument, NULL, O_RATE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
parse_one(struct vc_opts *o, int c, const char *a)
{
	switch (c) {
	case O_SOCKET: o->socket = a; return check_path("--socket", a);
	case O_PEER: o->peer = a; return check_path("--peer", a);
	case O_MAC: return parse_mac("--mac", a, o->mac);
	case O_PEER_MAC: return parse_mac("--peer-mac", a, o->peer_mac);
	case O_CHECKS: return parse_checks(a, &o->selected);
	case O_CYCLES:
		return parse_uint("--cycles", a, 1, 1000000, &o->cycles);
	case O_HOLD:
		return parse_uint("--hold-us", a, 0, 10000000, &o->hold_us);
	case O_BACKLOG:
		return parse_uint("--backlog", a, 0, 1u << 24, &o->backlog);
	case O_TIMEOUT:
		return parse_uint("--timeout-ms", a, 10, 600000,
			&o->timeout_ms);
	case O_RATE:
		return parse_uint("--rate", a, 0, 100000000, &o->rate);
	case O_JSON: o->json = a; return 0;
	default: return -1;
	}
}

/* Returns 0 to run, 1 after --help, -1 on a usage error. */
static int
parse_args(int argc, char **argv, struct vc_opts *o)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t pmac[6] = { 2, 0, 0, 0, 0, 2 };
	int c;

	memset(o, 0, sizeof(*o));
	memcpy(o->mac, mac, 6);
	memcpy(o->peer_mac, pmac, 6);
	o->selected = (1u << VC_NB_CHECKS) - 1;
	o->cycles = 100;
	o->backlog = 4096;
	o->timeout_ms = 2000;
	o->rate = 10000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "%s: %s option '%s' (see --help)\n",
				VC_NAME, c == ':' ? "missing value for" :
				"unknown", argv[optind - 1]);
			return -1;
		}
		if (parse_one(o, c, optarg) < 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n",
			VC_NAME, argv[optind]);
		return -1;
	}
	if (o->socket == NULL) {
		fprintf(stderr, "%s: --socket PATH is required (see --help)\n",
			VC_NAME);
		return -1;
	}
	if (o->peer != NULL && strcmp(o->peer, o->socket) == 0)
		return bad_arg("--peer", o->peer, "same socket as --socket");
	if (memcmp(o->mac, o->peer_mac, 6) == 0)
	{
		fprintf(stderr, "%s: --mac and --peer-mac must differ "
			"(see --help)\n", VC_NAME);
		return -1;
	}
	return 0;
}

#define NOSUSPEND_WHY "the back-end does not support SUSPEND"

/* Start the tested device, connect the peer, and see frames flow. */
static int
setup(struct vc *vc)
{
	char err[320];

	if (vsw_vufe_start(vc->t.fe) < 0) {
		fprintf(stderr, "%s: --socket %s: starting the device: %s\n",
			VC_NAME, vc->t.path, vc_err(&vc->t));
		return VC_EXIT_USAGE;
	}
	if (vc->have_peer &&
			vc_vm_open(vc, &vc->p, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: --peer %s: %s\n", VC_NAME, vc->p.path,
			err);
		return VC_EXIT_USAGE;
	}
	vc_streams_init(vc);
	err[0] = '\0';
	if (vc_hello(vc) < 0 || vc_warmup(vc, 2 * VC_WARMUP_MS, err,
			sizeof(err)) < 0) {
		vc_report_baseline(err[0] ? err : vc_err(&vc->t));
		return VC_EXIT_FAIL;
	}
	return VC_EXIT_OK;
}

static void
run_checks(struct vc *vc, struct vsw_vufe_stats *tst)
{
	vc_check_resume_running(vc);
	vc_check_park(vc);
	vc_check_double_suspend(vc);
	vc_check_vring_base(vc);
	vc_check_vring_base_parks(vc);
	vc_check_payload_41(vc);
	vc_check_stray_fds(vc);
	vc_check_latency(vc);
	*tst = *vsw_vufe_get_stats(vc->t.fe);
	vc_check_not_negotiated(vc);
}

/*
 * Bit 18 not offered, vring-base-parks selected with checks that need
 * SUSPEND: those are skipped, vring-base-parks runs; the exit stays 3.
 */
static void
run_upstream_only(struct vc *vc, bool ready, struct vsw_vufe_stats *tst)
{
	vc_skip_upto(vc, VC_VRING_BASE_PARKS, NOSUSPEND_WHY);
	if (ready)
		vc_check_vring_base_parks(vc);
	else
		vc_skip_upto(vc, VC_VRING_BASE_PARKS + 1, "set-up failed");
	if (vc->t.fe != NULL)
		*tst = *vsw_vufe_get_stats(vc->t.fe);
	vc_skip_upto(vc, VC_NB_CHECKS, NOSUSPEND_WHY);
}

/*
 * Negotiate, then set up if some check can run (*ready: it worked).
 * Without bit 18 the exit status stays 3, but for a usage error.
 */
static int
start(struct vc *vc, bool *ready)
{
	int code, r;

	*ready = false;
	code = vc_check_negotiate(vc);
	if (code != VC_EXIT_OK &&
			!(code == VC_EXIT_NOSUSPEND && vc->upstream_only))
		return code;
	r = setup(vc);
	*ready = r == VC_EXIT_OK;
	return code == VC_EXIT_OK || r == VC_EXIT_USAGE ? r : code;
}

static void
vc_init(struct vc *vc, const struct vc_opts *o)
{
	unsigned int w = o->backlog / 4;

	memset(vc, 0, sizeof(*vc));
	vc->o = o;
	vc->t.name = "tested";
	vc->t.path = o->socket;
	memcpy(vc->t.mac, o->mac, 6);
	vc->p.name = "peer";
	vc->p.path = o->peer;
	memcpy(vc->p.mac, o->peer_mac, 6);
	vc->have_peer = o->peer != NULL;
	vc->window = w < 1 ? 1 : w > 32 ? 32 : w;
	vc->susp_frames = o->backlog / 2 < VSW_VUFE_RING_SIZE_DEFAULT / 2 ?
		o->backlog / 2 : VSW_VUFE_RING_SIZE_DEFAULT / 2;
}

static void
finish(struct vc *vc, FILE *json, const struct vsw_vufe_stats *tst,
		int code)
{
	struct vsw_vufe_stats pst;

	memset(&pst, 0, sizeof(pst));
	if (vc->p.fe != NULL)
		pst = *vsw_vufe_get_stats(vc->p.fe);
	vc_summary(vc, code);
	if (json != NULL && vc_json_write(json, vc, tst, &pst, code) < 0)
		fprintf(stderr, "%s: --json %s: %s\n", VC_NAME, vc->o->json,
			strerror(errno));
}

int
main(int argc, char **argv)
{
	struct vsw_vufe_stats tst;
	unsigned int pass, fail, skip;
	FILE *json = NULL;
	struct vc_opts o;
	struct vc vc;
	bool ready;
	int code, r;

	r = parse_args(argc, argv, &o);
	if (r != 0)
		return r > 0 ? VC_EXIT_OK : VC_EXIT_USAGE;
	if (o.json != NULL && (json = fopen(o.json, "w")) == NULL) {
		fprintf(stderr, "%s: --json %s: %s\n", VC_NAME, o.json,
			strerror(errno));
		return VC_EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	vc_init(&vc, &o);
	memset(&tst, 0, sizeof(tst));
	code = start(&vc, &ready);
	if (code == VC_EXIT_USAGE) {
		vc_vm_close(&vc.t);
		vc_vm_close(&vc.p);
		if (json != NULL) {
			fclose(json);
			remove(o.json);
		}
		return code;
	}
	if (code == VC_EXIT_NOSUSPEND && vc.upstream_only) {
		run_upstream_only(&vc, ready, &tst);
	} else if (ready) {
		run_checks(&vc, &tst);
		vc_count(&vc, &pass, &fail, &skip);
		code = fail ? VC_EXIT_FAIL : VC_EXIT_OK;
	} else {
		if (vc.t.fe != NULL)
			tst = *vsw_vufe_get_stats(vc.t.fe);
		vc_skip_upto(&vc, VC_NB_CHECKS, code == VC_EXIT_NOSUSPEND ?
			NOSUSPEND_WHY : "set-up failed");
	}
	finish(&vc, json, &tst, code);
	vc_vm_close(&vc.t);
	vc_vm_close(&vc.p);
	vc_streams_free(&vc);
	free(vc.lat.suspend_us);
	free(vc.lat.resume_us);
	return code;
}
