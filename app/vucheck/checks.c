/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vucheck: helpers shared by the checks (check_park.c, check_upstream.c,
 * check_msg.c) and by main.c's set-up: starting a check, warming traffic
 * up, holding a parked port under watch, GET_VRING_BASE and setting the
 * rings up again, and seeing traffic flow again.
 *
 * Built on the traffic engine (traffic.c) and reporting (report.c); calls
 * no check and nothing in main.c.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vucheck.h"

/* Period of vc_hold_parked()'s posts and checks. */
#define STEP_MS 10u

/* Returns true if check c is to run now; reports SKIP after a loss. */
bool
vc_check_start(struct vc *vc, enum vc_check c)
{
	if (!vc_wanted(vc, c))
		return false;
	if (vc->dead) {
		vc_report(vc, c, VC_SKIP, "connection to the back-end was "
			"lost in an earlier check");
		return false;
	}
	return true;
}

void
vc_note_error(struct vc *vc, int r, char *why, size_t len, const char *what)
{
	snprintf(why, len, "%s: %s", what,
		r == -ETIMEDOUT ? "timed out" : vc_err(&vc->t));
	if (r != -ETIMEDOUT)
		vc->dead = true;
}

/* Best effort, to leave the port running after a failure. */
void
vc_try_resume(struct vc *vc)
{
	uint64_t reply;

	if (!vc->dead && vsw_vufe_resume(vc->t.fe, &reply, NULL) < 0)
		vc->dead = true;
}

/* Start a new epoch and get frames flowing both ways. */
int
vc_warmup(struct vc *vc, unsigned int ms, char *why, size_t len)
{
	uint64_t done0 = vsw_vufe_get_stats(vc->t.fe)->tx_completed;
	int r;

	vc_epoch_begin(vc);
	r = vc_pump(vc, ms);
	if (r < 0) {
		vc_note_error(vc, r, why, len, "traffic before the check");
		return r;
	}
	if (!vc->have_peer &&
			vsw_vufe_get_stats(vc->t.fe)->tx_completed == done0) {
		snprintf(why, len, "no traffic flows before the check (no TX "
			"descriptor used in %u ms, %u pending)", ms,
			vc_tx_pending(&vc->t));
		return -EIO;
	}
	if (vc->have_peer && (vc->t2p.received == 0 ||
			vc->p2t.received == 0)) {
		snprintf(why, len, "no traffic flows before the check "
			"(tested->peer %llu/%llu, peer->tested %llu/%llu)",
			(unsigned long long)vc->t2p.received,
			(unsigned long long)vc->t2p.sent,
			(unsigned long long)vc->p2t.received,
			(unsigned long long)vc->p2t.sent);
		return -EIO;
	}
	return 0;
}

/* Send a window's worth both ways and do not wait: frames in flight. */
int
vc_burst(struct vc *vc)
{
	int r;

	r = vc_send(vc, &vc->t2p, vc->window);
	if (r >= 0 && vc->have_peer)
		r = vc_send(vc, &vc->p2t, vc->window);
	return r < 0 ? r : 0;
}

static unsigned int
share(unsigned int total, unsigned int i, unsigned int steps)
{
	return (unsigned int)(((uint64_t)total * (i + 1)) / steps -
		((uint64_t)total * i) / steps);
}

/*
 * Stay suspended for ms. In each step vucheck posts its share of tx_total
 * TX frames on the tested port and kicks both vrings, and the peer sends
 * its share of p2t_total frames towards the tested port; the tested port
 * is watched all along.
 */
int
vc_hold_parked(struct vc *vc, struct vc_park *pk, unsigned int ms,
		unsigned int tx_total, unsigned int p2t_total)
{
	unsigned int steps = ms / STEP_MS ? ms / STEP_MS : 1, i;
	uint64_t t0 = vc_now_ns(), end;
	int r;

	for (i = 0; i < steps; i++) {
		r = vc_park_post(vc, pk, share(tx_total, i, steps));
		if (r >= 0 && vc->have_peer)
			r = vc_send(vc, &vc->p2t, share(p2t_total, i, steps));
		if (r < 0)
			return r;
		end = t0 + (uint64_t)ms * 1000000ull * (i + 1) / steps;
		while (vc_now_ns() < end) {
			r = vc_poll(vc, false);
			if (r < 0)
				return r;
			vc_sleep_us(500);
		}
	}
	vc_park_verify(vc, pk);
	return 0;
}

int
vc_restart_rings(struct vc *vc, const uint32_t *base, char *why, size_t len)
{
	unsigned int i;
	int r;

	for (i = 0; i < VSW_VUFE_NB_RINGS; i++) {
		r = vsw_vufe_ring_restart(vc->t.fe, i, (uint16_t)base[i]);
		if (r < 0) {
			snprintf(why, len, "setting vring %u up again: %s", i,
				vc_err(&vc->t));
			vc->dead = true;
			return r;
		}
	}
	return 0;
}

/* GET_VRING_BASE for one vring; the back-end stops it. */
int
vc_get_base(struct vc *vc, unsigned int ring, uint32_t *base,
		uint64_t *rtt, char *why, size_t len)
{
	int r;

	r = vsw_vufe_get_vring_base(vc->t.fe, ring, base, rtt);
	if (r < 0) {
		snprintf(why, len, "GET_VRING_BASE: %s", vc_err(&vc->t));
		vc->dead = true;
	}
	return r;
}

/*
 * Each vring's base must be where it stopped: its used->idx at pk (TX
 * descriptors consumed, RX buffers used; not the avail index). Else false,
 * and *bad describes the first mismatch.
 */
bool
vc_bases_match(const struct vc *vc, const struct vc_park *pk,
		const uint32_t *base, char *bad, size_t len)
{
	static const char *const rname[] = { "RX", "TX" };
	unsigned int i;

	for (i = 0; i < VSW_VUFE_NB_RINGS; i++) {
		if (base[i] == pk->used[i])
			continue;
		snprintf(bad, len, "vring %u (%s): GET_VRING_BASE says %u, "
			"but the ring stopped at used->idx %u (avail->idx %u)",
			i, rname[i], base[i], pk->used[i],
			vsw_vufe_avail_idx(vc->t.fe, i));
		return false;
	}
	return true;
}

/*
 * Traffic flows now: a fresh exchange gets through both ways, all of it
 * (why then says how much flowed).
 */
bool
vc_still_flows(struct vc *vc, char *why, size_t len)
{
	struct vc_mark m;
	int r;

	vc_epoch_begin(vc);
	vc_mark(vc, &m);
	r = vc_pump(vc, VC_WARMUP_MS);
	if (r == 0)
		r = vc_settle(vc, vc->o->timeout_ms);
	if (r < 0 && r != -ETIMEDOUT) {
		snprintf(why, len, "%s", vc_err(&vc->t));
		vc->dead = true;
		return false;
	}
	if (!vc_delivered(vc, why, len))
		return false;
	if (!vc_flow_text(vc, &m, why, len)) {
		snprintf(why + strlen(why), len - strlen(why), ": no traffic");
		return false;
	}
	return true;
}
