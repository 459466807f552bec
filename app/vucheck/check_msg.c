/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vucheck: negotiation and the message-level checks (a payload on id 41,
 * file descriptors on SUSPEND/RESUME, SUSPEND without the feature).
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vucheck.h"

#define F_SUSPEND (1ull << VSW_VHU_PROTOCOL_F_SUSPEND)
#define F_REPLY_ACK (1ull << VSW_VHU_PROTOCOL_F_REPLY_ACK)

/*
 * Bit 18 not offered. If any check that needs SUSPEND is selected, that
 * is "FAIL negotiate" and exit 3. vring-base-parks needs no SUSPEND: if
 * it is selected, negotiate without bit 18 for it (vc->upstream_only),
 * and return 0 if it is the only check selected.
 */
static int
no_suspend(struct vc *vc, uint64_t offered)
{
	uint32_t others = vc->o->selected & ~(1u << VC_VRING_BASE_PARKS);
	bool draft = others != 0;

	if (draft)
		vc_report(vc, VC_NEGOTIATE, VC_FAIL, "back-end does not offer "
			"VHOST_USER_PROTOCOL_F_SUSPEND (bit 18): SUSPEND is not "
			"supported (protocol features offered: 0x%llx)",
			(unsigned long long)offered);
	if (!vc_wanted(vc, VC_VRING_BASE_PARKS))
		return VC_EXIT_NOSUSPEND;
	if (vsw_vufe_negotiate(vc->t.fe) < 0) {
		if (!draft) {
			vc_report(vc, VC_NEGOTIATE, VC_FAIL, "%s",
				vc_err(&vc->t));
			return VC_EXIT_FAIL;
		}
		vc_report(vc, VC_VRING_BASE_PARKS, VC_SKIP, "cannot "
			"negotiate without SUSPEND: %s", vc_err(&vc->t));
		return VC_EXIT_NOSUSPEND;
	}
	vc->upstream_only = true;
	return draft ? VC_EXIT_NOSUSPEND : VC_EXIT_OK;
}

int
vc_check_negotiate(struct vc *vc)
{
	struct vsw_vufe_params p = {
		.path = vc->t.path, .timeout_ms = vc->o->timeout_ms,
		.want_suspend = true,
	};
	struct vsw_vufe_features f;
	char err[256];

	vc->t.fe = vsw_vufe_open(&p, err, sizeof(err));
	if (vc->t.fe == NULL) {
		fprintf(stderr, "%s: --socket %s: %s\n", VC_NAME, vc->t.path,
			err);
		return VC_EXIT_USAGE;
	}
	if (vsw_vufe_query(vc->t.fe) < 0) {
		fprintf(stderr, "%s: --socket %s: %s\n", VC_NAME, vc->t.path,
			vc_err(&vc->t));
		return VC_EXIT_USAGE;
	}
	vsw_vufe_get_features(vc->t.fe, &f);
	vc->offered_pf = f.protocol_offered;
	if (!(f.protocol_offered & F_SUSPEND))
		return no_suspend(vc, f.protocol_offered);
	if (vsw_vufe_negotiate(vc->t.fe) < 0) {
		vc_report(vc, VC_NEGOTIATE, VC_FAIL, "%s", vc_err(&vc->t));
		return VC_EXIT_FAIL;
	}
	vsw_vufe_get_features(vc->t.fe, &f);
	if ((f.protocol_acked & (F_SUSPEND | F_REPLY_ACK)) !=
			(F_SUSPEND | F_REPLY_ACK)) {
		vc_report(vc, VC_NEGOTIATE, VC_FAIL, "negotiated protocol "
			"features 0x%llx lack SUSPEND or REPLY_ACK",
			(unsigned long long)f.protocol_acked);
		return VC_EXIT_FAIL;
	}
	vc_report(vc, VC_NEGOTIATE, VC_PASS, "protocol features offered "
		"0x%llx; negotiated 0x%llx (REPLY_ACK, SUSPEND), acked by "
		"SET_OWNER and SET_FEATURES",
		(unsigned long long)f.protocol_offered,
		(unsigned long long)f.protocol_acked);
	return VC_EXIT_OK;
}

void
vc_check_payload_41(struct vc *vc)
{
	static const uint8_t uuid[16] = {
		0x5b, 0x1e, 0x0c, 0x7a, 0x42, 0x8f, 0x4d, 0x3e,
		0x9a, 0x61, 0x0b, 0x2c, 0xd4, 0x77, 0x13, 0x98,
	};
	struct vsw_vufe_req req = {
		.request = VSW_VHU_SUSPEND, .payload = uuid,
		.size = sizeof(uuid), .need_reply = true,
	};
	uint64_t reply = 0, rtt = 0;
	char why[320];

	if (!vc_check_start(vc, VC_PAYLOAD_41))
		return;
	if (vc_warmup(vc, VC_WARMUP_MS / 2, why, sizeof(why)) < 0) {
		vc_report(vc, VC_PAYLOAD_41, VC_FAIL, "%s", why);
		return;
	}
	if (vsw_vufe_request(vc->t.fe, &req, &reply, &rtt) < 0) {
		vc->dead = true;
		vc_report(vc, VC_PAYLOAD_41, VC_FAIL, "no valid reply to "
			"message 41 with a 16-byte payload: %s", vc_err(&vc->t));
		return;
	}
	if (reply == 0) {
		vc_try_resume(vc);
		vc_report(vc, VC_PAYLOAD_41, VC_FAIL, "message 41 with a "
			"16-byte payload (QEMU 8.2 GET_SHARED_OBJECT) was acked "
			"with 0, as if it were SUSPEND");
		return;
	}
	if (vsw_vufe_ping(vc->t.fe, NULL) < 0) {
		vc->dead = true;
		vc_report(vc, VC_PAYLOAD_41, VC_FAIL, "connection unusable "
			"after the error reply: %s", vc_err(&vc->t));
		return;
	}
	if (!vc_still_flows(vc, why, sizeof(why))) {
		vc_report(vc, VC_PAYLOAD_41, VC_FAIL, "error reply %llu, but "
			"the port stopped forwarding: %s",
			(unsigned long long)reply, why);
		return;
	}
	vc_report(vc, VC_PAYLOAD_41, VC_PASS, "error reply %llu in %.1f us; "
		"connection up; port kept forwarding (%s after it)",
		(unsigned long long)reply, (double)rtt / 1e3, why);
}

/* SUSPEND or RESUME with the write end of a pipe attached. */
static int
msg_with_fd(struct vc *vc, uint32_t request, int fd, char *why, size_t len)
{
	struct vsw_vufe_req req = {
		.request = request, .fds = &fd, .nb_fds = 1,
		.need_reply = true,
	};
	const char *name = request == VSW_VHU_SUSPEND ? "SUSPEND" : "RESUME";
	uint64_t reply = 0;

	if (vsw_vufe_request(vc->t.fe, &req, &reply, NULL) < 0) {
		vc->dead = true;
		snprintf(why, len, "%s with an fd: %s", name, vc_err(&vc->t));
		return -EPIPE;
	}
	if (reply != 0) {
		snprintf(why, len, "%s with an fd attached was acked with "
			"%llu, not 0", name, (unsigned long long)reply);
		return -EIO;
	}
	if (vsw_vufe_ping(vc->t.fe, NULL) < 0) {
		vc->dead = true;
		snprintf(why, len, "connection unusable after %s with an "
			"fd: %s", name, vc_err(&vc->t));
		return -EPIPE;
	}
	return 0;
}

/*
 * The back-end holds the only write end left: EOF on the read end
 * shows it closed its copy.
 */
static bool
fd_closed(int rfd, unsigned int ms)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, (int)ms) <= 0)
		return false;
	return read(rfd, &c, 1) == 0;
}

static int
stray_fds_run(struct vc *vc, int *rfd, char *why, size_t len)
{
	struct vc_park pk;
	char tail[400];
	int p1[2], p2[2];
	int r;

	if (pipe2(p1, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(p2, O_CLOEXEC) < 0) {
		close(p1[0]);
		close(p1[1]);
		return -errno;
	}
	rfd[0] = p1[0];
	rfd[1] = p2[0];
	r = msg_with_fd(vc, VSW_VHU_SUSPEND, p1[1], why, len);
	close(p1[1]);
	if (r == 0) {
		vc_park_begin(vc, &pk);
		r = vc_park_post(vc, &pk, 4);
		vc_sleep_us(50 * 1000);
		vc_park_verify(vc, &pk);
		pk.why_call[0] = '\0';
		if (r == 0 && (pk.used_changed || pk.mem_changed))
			snprintf(why, len, "SUSPEND with an fd did not park "
				"the port: %s", vc_park_why(&pk, tail,
				sizeof(tail)));
	}
	if (r == -EPIPE || vc->dead) {
		close(p2[1]);
		return r;
	}
	/* Resume even after a failure; keep the first failure's text. */
	if (r == 0 && why[0] == '\0')
		r = msg_with_fd(vc, VSW_VHU_RESUME, p2[1], why, len);
	else
		msg_with_fd(vc, VSW_VHU_RESUME, p2[1], tail, sizeof(tail));
	close(p2[1]);
	return r;
}

void
vc_check_stray_fds(struct vc *vc)
{
	int rfd[2] = { -1, -1 };
	bool c1, c2;
	char why[320];
	int r;

	if (!vc_check_start(vc, VC_STRAY_FDS))
		return;
	why[0] = '\0';
	if (vc_warmup(vc, VC_WARMUP_MS / 2, why, sizeof(why)) < 0) {
		vc_report(vc, VC_STRAY_FDS, VC_FAIL, "%s", why);
		return;
	}
	r = stray_fds_run(vc, rfd, why, sizeof(why));
	c1 = rfd[0] >= 0 && fd_closed(rfd[0], vc->o->timeout_ms);
	c2 = rfd[1] >= 0 && fd_closed(rfd[1], vc->o->timeout_ms);
	if (rfd[0] >= 0)
		close(rfd[0]);
	if (rfd[1] >= 0)
		close(rfd[1]);
	if (r < 0 || why[0] != '\0') {
		vc_report(vc, VC_STRAY_FDS, VC_FAIL, "%s",
			why[0] ? why : strerror(-r));
		return;
	}
	if (!c1 || !c2) {
		vc_report(vc, VC_STRAY_FDS, VC_FAIL, "replies were 0, but the "
			"back-end still holds the fd passed with %s%s%s after "
			"%u ms (fd leak)", c1 ? "" : "SUSPEND",
			!c1 && !c2 ? " and with " : "", c2 ? "" : "RESUME",
			vc->o->timeout_ms);
		return;
	}
	if (!vc_still_flows(vc, why, sizeof(why))) {
		vc_report(vc, VC_STRAY_FDS, VC_FAIL, "after RESUME with an fd: "
			"%s", why);
		return;
	}
	vc_report(vc, VC_STRAY_FDS, VC_PASS, "SUSPEND and RESUME with an fd "
		"attached acked 0, port parked in between, both fds closed by "
		"the back-end, connection up, traffic flows");
}

/* Connect again; the back-end may still be tearing the old one down. */
static int
reconnect(struct vc *vc, char *why, size_t len)
{
	uint64_t end = vc_now_ns() + vc->o->timeout_ms * 1000000ull;
	struct vsw_vufe_params p = {
		.path = vc->t.path, .timeout_ms = vc->o->timeout_ms,
		.want_suspend = false,
	};

	for (;;) {
		vc->t.fe = vsw_vufe_open(&p, why, len);
		if (vc->t.fe != NULL && vsw_vufe_negotiate(vc->t.fe) == 0)
			return 0;
		if (vc->t.fe != NULL)
			snprintf(why, len, "%s", vc_err(&vc->t));
		vc_vm_close(&vc->t);
		if (vc_now_ns() >= end)
			return -ETIMEDOUT;
		vc_sleep_us(20 * 1000);
	}
}

void
vc_check_not_negotiated(struct vc *vc)
{
	struct vsw_vufe_req req = {
		.request = VSW_VHU_SUSPEND, .need_reply = true,
	};
	struct vsw_vufe_features f;
	uint64_t reply = 0;
	char why[320];

	if (!vc_wanted(vc, VC_NOT_NEGOTIATED))
		return;
	vc_vm_close(&vc->t);
	if (reconnect(vc, why, sizeof(why)) < 0) {
		vc_report(vc, VC_NOT_NEGOTIATED, VC_FAIL, "fresh connection "
			"failed: %s", why);
		return;
	}
	vsw_vufe_get_features(vc->t.fe, &f);
	if (vsw_vufe_request(vc->t.fe, &req, &reply, NULL) < 0) {
		vc_report(vc, VC_NOT_NEGOTIATED, VC_FAIL, "SUSPEND without "
			"bit 18 negotiated (0x%llx): %s",
			(unsigned long long)f.protocol_acked, vc_err(&vc->t));
	} else if (reply == 0) {
		vc_report(vc, VC_NOT_NEGOTIATED, VC_FAIL, "SUSPEND was acked "
			"with 0 although bit 18 was not negotiated (0x%llx)",
			(unsigned long long)f.protocol_acked);
	} else if (vsw_vufe_ping(vc->t.fe, NULL) < 0) {
		vc_report(vc, VC_NOT_NEGOTIATED, VC_FAIL, "error reply %llu, "
			"but then GET_FEATURES failed: %s",
			(unsigned long long)reply, vc_err(&vc->t));
	} else {
		vc_report(vc, VC_NOT_NEGOTIATED, VC_PASS, "negotiated 0x%llx "
			"(no bit 18): SUSPEND got error reply %llu, and "
			"GET_FEATURES still answers",
			(unsigned long long)f.protocol_acked,
			(unsigned long long)reply);
	}
	vc_vm_close(&vc->t);
}
