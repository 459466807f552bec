/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vucheck: SUSPEND/RESUME conformance checker for vhost-user back-ends.
 * Shared state of the option parser (main.c), the checks (check_park.c,
 * check_upstream.c, check_msg.c), their shared helpers (checks.c), the
 * traffic engine (traffic.c) and reporting (report.c).
 *
 * Calls go one way only: main.c -> check_*.c -> checks.c -> traffic.c
 * and report.c (each file may also call any file further down the
 * line); nothing calls back up.
 */
#ifndef VUCHECK_H
#define VUCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vsw_vufe.h"

#define VC_NAME "vucheck"

/* Exit codes. */
#define VC_EXIT_OK 0
#define VC_EXIT_FAIL 1
#define VC_EXIT_USAGE 2
#define VC_EXIT_NOSUSPEND 3

/* Checks, in the order they run. not-negotiated runs last: it needs the
 * tested port's connection closed (a port takes one front-end).
 */
enum vc_check {
	VC_NEGOTIATE,
	VC_RESUME_RUNNING,
	VC_ACK_AFTER_PARK,
	VC_NO_CALL,
	VC_RESUME_DELIVERS,
	VC_DOUBLE_SUSPEND,
	VC_VRING_BASE,
	VC_VRING_BASE_PARKS,
	VC_PAYLOAD_41,
	VC_STRAY_FDS,
	VC_LATENCY,
	VC_NOT_NEGOTIATED,
	VC_NB_CHECKS
};

enum vc_result {
	VC_NOT_RUN = 0,
	VC_PASS,
	VC_FAIL,
	VC_SKIP,
};

extern const char *const vc_check_names[VC_NB_CHECKS];

struct vc_opts {
	const char *socket;
	const char *peer;
	const char *json;
	uint8_t mac[6];
	uint8_t peer_mac[6];
	uint32_t selected;          /* bit per enum vc_check */
	unsigned int cycles;
	unsigned int hold_us;
	unsigned int backlog;
	unsigned int timeout_ms;
	unsigned int rate;          /* frames/s per direction, 0: no pacing */
};

/* One direction of test frames: sequence numbers and what arrived. */
struct vc_stream {
	uint8_t id;                 /* 1: tested->peer, 2: peer->tested */
	struct vc_vm *src;
	struct vc_vm *dst;          /* NULL: nobody receives (no --peer) */
	bool active;                /* vc_pump() sends on it */
	uint64_t sent;              /* next sequence number */
	uint64_t received;          /* distinct sequence numbers seen */
	uint64_t dup;
	uint64_t ooo;               /* arrived after a later one */
	uint64_t max_seen;          /* highest sequence number + 1 */
	uint8_t *seen;              /* bitmap by sequence number */
	size_t cap;                 /* bits in seen */
};

struct vc_vm {
	const char *name;           /* "tested" or "peer" */
	const char *path;
	struct vsw_vufe *fe;
	uint8_t mac[6];
	uint64_t stale;             /* test frames of an earlier epoch */
	uint64_t foreign;           /* frames that are not test frames */
	uint64_t misdelivered;      /* test frames meant for another VM */
	uint64_t corrupt;           /* test frames with a bad payload */
	uint64_t calls;             /* call signals drained by polling */
};

/* Summary of latency samples, in microseconds. */
struct vc_lat_sum {
	double min;
	double median;
	double p99;
	double max;
	double mean;
};

/* Latency results, also written to the JSON file. */
struct vc_latency {
	unsigned int cycles;        /* cycles completed */
	double *suspend_us;
	double *resume_us;
	struct vc_lat_sum suspend;
	struct vc_lat_sum resume;
	unsigned int violations;    /* cycles where the port moved */
	uint64_t sent;              /* peer->tested frames */
	uint64_t received;
	uint64_t tx_sent;           /* tested->peer frames */
	uint64_t tx_received;
	bool done;
};

struct vc {
	const struct vc_opts *o;
	struct vc_vm t;             /* port under test */
	struct vc_vm p;             /* peer, when --peer is given */
	bool have_peer;
	bool dead;                  /* tested connection lost */
	uint32_t epoch;
	struct vc_stream t2p;
	struct vc_stream p2t;
	unsigned int window;        /* frames in flight per stream */
	unsigned int susp_frames;   /* peer frames per suspension */
	bool upstream_only;         /* bit 18 not offered: set up for
				     * vring-base-parks all the same */
	enum vc_result result[VC_NB_CHECKS];
	char detail[VC_NB_CHECKS][640];
	uint64_t offered_pf;
	struct vc_latency lat;
};

/*
 * Snapshot of the tested port taken at a SUSPEND ack (or at the first
 * GET_VRING_BASE reply: see since).
 */
struct vc_park {
	const char *since;              /* "the ack", in violation texts */
	uint64_t t_ack_ns;
	uint16_t used[VSW_VUFE_NB_RINGS];
	uint64_t sum;
	unsigned int inflight_calls;    /* drained right after the ack */
	bool used_changed;
	bool mem_changed;
	bool called;
	unsigned int tx_posted;         /* by vucheck while suspended */
	char why_used[120];             /* first violation of each kind */
	char why_mem[120];
	char why_call[120];
};

/* Counters at some instant, to tell what flowed since. */
struct vc_mark {
	uint64_t t2p;               /* tested->peer frames received */
	uint64_t p2t;               /* peer->tested frames received */
	uint64_t txc;               /* tested TX descriptors used */
};

/*
 * report.c: verdicts, SKIP lines, the summary line and the JSON file.
 * Calls nothing else of vucheck's.
 */

/* Records check c's verdict and prints its line (only a FAIL shows for a
 * check not selected: those run only as set-up of another).
 */
void
vc_report(struct vc *vc, enum vc_check c, enum vc_result r,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

bool
vc_wanted(const struct vc *vc, enum vc_check c);

/* SKIP the selected checks before check end that have not run. */
void
vc_skip_upto(struct vc *vc, unsigned int end, const char *why);

/* "FAIL baseline: ..." (no traffic before any SUSPEND). */
void
vc_report_baseline(const char *why);

void
vc_count(const struct vc *vc, unsigned int *pass, unsigned int *fail,
		unsigned int *skip);

/* The summary line; flushes stdout. */
void
vc_summary(const struct vc *vc, int code);

/* Writes the results to f and closes it. */
int
vc_json_write(FILE *f, const struct vc *vc, const struct vsw_vufe_stats *tst,
		const struct vsw_vufe_stats *pst, int code);

/* traffic.c */
uint64_t
vc_now_ns(void);

void
vc_sleep_us(unsigned int us);

int
vc_vm_open(struct vc *vc, struct vc_vm *vm, bool want_suspend,
		char *err, size_t errlen);

void
vc_vm_close(struct vc_vm *vm);

void
vc_streams_init(struct vc *vc);

void
vc_streams_free(struct vc *vc);

void
vc_epoch_begin(struct vc *vc);

int
vc_send(struct vc *vc, struct vc_stream *s, unsigned int n);

int
vc_poll(struct vc *vc, bool tested_too);

int
vc_pump(struct vc *vc, unsigned int ms);

int
vc_settle(struct vc *vc, unsigned int ms);

int
vc_drain(struct vc *vc, unsigned int quiet_ms, unsigned int ms);

int
vc_hello(struct vc *vc);

const char *
vc_err(const struct vc_vm *vm);

unsigned int
vc_tx_pending(const struct vc_vm *vm);

void
vc_park_begin(struct vc *vc, struct vc_park *pk);

void
vc_park_verify(struct vc *vc, struct vc_park *pk);

const char *
vc_park_why(const struct vc_park *pk, char *buf, size_t len);

int
vc_park_post(struct vc *vc, struct vc_park *pk, unsigned int n);

bool
vc_delivered(const struct vc *vc, char *why, size_t len);

bool
vc_accounted(const struct vc *vc, bool p2t_lossy, char *why, size_t len);

void
vc_mark(const struct vc *vc, struct vc_mark *m);

bool
vc_flow_text(const struct vc *vc, const struct vc_mark *m, char *buf,
		size_t len);

/*
 * checks.c: helpers shared by the checks and main.c's set-up. Calls only
 * traffic.c and report.c.
 */
#define VC_WARMUP_MS 100u
/* How long a parked port is watched. */
#define VC_PARK_MS 200u

/* Returns true if check c is to run now; reports SKIP after a loss. */
bool
vc_check_start(struct vc *vc, enum vc_check c);

/* Start a new epoch and get frames flowing both ways. */
int
vc_warmup(struct vc *vc, unsigned int ms, char *why, size_t len);

/* Best effort RESUME, to leave the port running after a failure. */
void
vc_try_resume(struct vc *vc);

/* why = "what: timed out" or the connection's error (then it is dead). */
void
vc_note_error(struct vc *vc, int r, char *why, size_t len, const char *what);

/* Send a window's worth both ways and do not wait: frames in flight. */
int
vc_burst(struct vc *vc);

/* Stay parked for ms under watch while TX frames are posted and the peer
 * sends towards the tested port.
 */
int
vc_hold_parked(struct vc *vc, struct vc_park *pk, unsigned int ms,
		unsigned int tx_total, unsigned int p2t_total);

/* GET_VRING_BASE for one vring; the back-end stops it. */
int
vc_get_base(struct vc *vc, unsigned int ring, uint32_t *base,
		uint64_t *rtt, char *why, size_t len);

/* Each base is where its vring stopped (used->idx at pk); else *bad. */
bool
vc_bases_match(const struct vc *vc, const struct vc_park *pk,
		const uint32_t *base, char *bad, size_t len);

/* Set both vrings up again at base. */
int
vc_restart_rings(struct vc *vc, const uint32_t *base, char *why,
		size_t len);

/* A fresh exchange gets through both ways (why says how much flowed). */
bool
vc_still_flows(struct vc *vc, char *why, size_t len);

/* check_park.c: the checks that park the tested port with SUSPEND. */
void
vc_check_resume_running(struct vc *vc);

void
vc_check_park(struct vc *vc);

void
vc_check_double_suspend(struct vc *vc);

void
vc_check_vring_base(struct vc *vc);

void
vc_check_latency(struct vc *vc);

/* check_upstream.c: the upstream suspended state (GET_VRING_BASE). */
void
vc_check_vring_base_parks(struct vc *vc);

/* check_msg.c: negotiation and message-level checks. */
int
vc_check_negotiate(struct vc *vc);

void
vc_check_payload_41(struct vc *vc);

void
vc_check_stray_fds(struct vc *vc);

void
vc_check_not_negotiated(struct vc *vc);

#endif /* VUCHECK_H */
