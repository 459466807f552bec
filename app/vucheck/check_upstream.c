/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vucheck: vring-base-parks, the upstream definition of a suspended
 * device.
 *
 * Upstream vhost-user has no SUSPEND message: a device is suspended while
 * all its vrings are stopped, GET_VRING_BASE is what stops a vring, and
 * while suspended the back-end must write no guest memory, signal no call
 * eventfd and send no message. rte_vhost (DPDK 22.11) calls the back-end's
 * destroy_device on the first GET_VRING_BASE of a running device, so a
 * back-end built on it must have let go of the whole device by the first
 * reply. This check sends no SUSPEND: it runs whether or not bit 18 is
 * offered.
 *
 * It watches the tested port from the first GET_VRING_BASE reply with
 * the same code as ack-after-park (vc_park_*, vc_hold_parked()), sets the
 * rings up again and requires traffic to flow again. Frames the peer sent
 * towards the port while its rings were stopped may be lost: upstream
 * promises nothing about them; they are counted, not required.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vucheck.h"

/* TX frames vucheck posts on the tested port while its rings are stopped. */
#define STOP_TX 64u
/* After the restart: done once nothing is pending or arriving this long. */
#define QUIET_MS 50u

/* What one run of the check saw. */
struct parks {
	struct vc_park pk;
	uint32_t base[VSW_VUFE_NB_RINGS];
	uint64_t rtt;               /* first GET_VRING_BASE */
	unsigned int p2t_stopped;   /* peer frames sent while stopped */
	uint64_t p2t_sent;          /* this check's peer->tested frames */
	uint64_t p2t_received;
	char bad[320];              /* bases not at used->idx */
	char flow[320];             /* traffic after the restart */
};

/*
 * GET_VRING_BASE on vring 0 (RX), snapshot at its reply, GET_VRING_BASE
 * on vring 1 (TX), then watch the stopped port for VC_PARK_MS while TX
 * frames are posted and kicked and the peer sends towards it.
 */
static int
stop_and_watch(struct vc *vc, struct parks *x, char *why, size_t len)
{
	uint64_t p0;
	int r;

	r = vc_get_base(vc, VSW_VUFE_RX_RING, &x->base[VSW_VUFE_RX_RING],
		&x->rtt, why, len);
	if (r < 0)
		return r;
	vc_park_begin(vc, &x->pk);
	x->pk.since = "the first GET_VRING_BASE reply";
	p0 = vc->p2t.sent;
	r = vc_get_base(vc, VSW_VUFE_TX_RING, &x->base[VSW_VUFE_TX_RING],
		NULL, why, len);
	if (r < 0)
		return r;
	vc_bases_match(vc, &x->pk, x->base, x->bad, sizeof(x->bad));
	r = vc_hold_parked(vc, &x->pk, VC_PARK_MS, STOP_TX, vc->susp_frames);
	x->p2t_stopped = (unsigned int)(vc->p2t.sent - p0);
	if (r < 0)
		vc_note_error(vc, r, why, len, "while the vrings were stopped");
	return r;
}

/*
 * Set both vrings up again at the bases the back-end gave. The TX frames
 * left in the ring must then go out and reach the peer; frames towards
 * the port may have been lost while it was stopped, but none may arrive
 * twice, out of order or corrupt. Then a fresh exchange must get through.
 */
static int
restart_and_flow(struct vc *vc, struct parks *x, char *why, size_t len)
{
	uint64_t t0;
	char acc[320];
	int r;

	r = vc_restart_rings(vc, x->base, why, len);
	if (r < 0)
		return r;
	t0 = vc_now_ns();
	r = vc_drain(vc, QUIET_MS, vc->o->timeout_ms);
	if (r < 0 && r != -ETIMEDOUT) {
		vc_note_error(vc, r, why, len, "after the vrings were set up "
			"again");
		return r;
	}
	x->p2t_sent = vc->p2t.sent;
	x->p2t_received = vc->p2t.received;
	if (!vc_accounted(vc, true, acc, sizeof(acc))) {
		snprintf(why, len, "%.0f ms after the vrings were set up "
			"again: %s", (double)(vc_now_ns() - t0) / 1e6, acc);
		return -EIO;
	}
	if (!vc_still_flows(vc, x->flow, sizeof(x->flow))) {
		snprintf(why, len, "vrings set up again, but traffic does not "
			"flow: %s", x->flow);
		return -EIO;
	}
	return 0;
}

static void
report_pass(struct vc *vc, const struct parks *x)
{
	struct vsw_vufe_features f;
	char peer[200] = "";

	vsw_vufe_get_features(vc->t.fe, &f);
	if (vc->have_peer)
		snprintf(peer, sizeof(peer), "; peer->tested: %llu of %llu "
			"arrived, %llu lost (the peer sent %u while the rings "
			"were stopped)",
			(unsigned long long)x->p2t_received,
			(unsigned long long)x->p2t_sent,
			(unsigned long long)(x->p2t_sent - x->p2t_received),
			x->p2t_stopped);
	vc_report(vc, VC_VRING_BASE_PARKS, VC_PASS, "no SUSPEND sent (bit "
		"18 %s); first GET_VRING_BASE answered in %.1f us; from its "
		"reply on, used->idx (RX %u, TX %u), the memory checksum and "
		"the call eventfds (%u signal(s) in flight drained) stayed put "
		"for %u ms while %u TX frames were posted and kicked; bases "
		"= used->idx; after SET_VRING_* the TX frames went out%s; "
		"traffic flows again (%s)",
		f.protocol_acked & (1ull << VSW_VHU_PROTOCOL_F_SUSPEND) ?
		"negotiated" : "not negotiated", (double)x->rtt / 1e3,
		x->pk.used[VSW_VUFE_RX_RING], x->pk.used[VSW_VUFE_TX_RING],
		x->pk.inflight_calls, VC_PARK_MS, x->pk.tx_posted, peer,
		x->flow);
}

void
vc_check_vring_base_parks(struct vc *vc)
{
	struct parks x;
	char why[400], tmp[400];
	int r;

	if (!vc_check_start(vc, VC_VRING_BASE_PARKS))
		return;
	memset(&x, 0, sizeof(x));
	why[0] = '\0';
	if (vc_warmup(vc, VC_WARMUP_MS, why, sizeof(why)) < 0 ||
			vc_burst(vc) < 0) {
		vc_report(vc, VC_VRING_BASE_PARKS, VC_FAIL, "%s",
			why[0] ? why : vc_err(&vc->t));
		return;
	}
	r = stop_and_watch(vc, &x, why, sizeof(why));
	if (r < 0) {
		vc_report(vc, VC_VRING_BASE_PARKS, VC_FAIL, "%s", why);
		return;
	}
	/* Set the port up again even after a violation. */
	r = restart_and_flow(vc, &x, why, sizeof(why));
	if (x.pk.used_changed || x.pk.mem_changed || x.pk.called)
		vc_report(vc, VC_VRING_BASE_PARKS, VC_FAIL, "vrings stopped "
			"by GET_VRING_BASE (no SUSPEND): %s",
			vc_park_why(&x.pk, tmp, sizeof(tmp)));
	else if (x.bad[0] != '\0')
		vc_report(vc, VC_VRING_BASE_PARKS, VC_FAIL, "%s", x.bad);
	else if (r < 0)
		vc_report(vc, VC_VRING_BASE_PARKS, VC_FAIL, "%s", why);
	else
		report_pass(vc, &x);
}
