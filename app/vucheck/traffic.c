/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vucheck traffic engine: test frames with sequence numbers between the
 * tested port and the peer, windowed so that a slow single-threaded
 * generator never overruns a receive ring, and the observations made on
 * a suspended port (vc_park_*).
 *
 * Test frame (64 bytes): Ethernet header (type 0x88b5), "VUCK", epoch,
 * stream id, sequence number, then 32 pattern bytes derived from the
 * sequence number. Each check starts a new epoch, so that frames left
 * over from an earlier check are told apart.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vucheck.h"

#define FRAME_LEN 64u
#define ETH_TYPE_HI 0x88
#define ETH_TYPE_LO 0xb5
#define OFF_MAGIC 14
#define OFF_EPOCH 18
#define OFF_STREAM 22
#define OFF_SEQ 24
#define OFF_PATTERN 32
#define STREAM_HELLO 0
#define STREAM_T2P 1
#define STREAM_P2T 2
/* Loop period of vc_pump() when --rate paces it. */
#define PACE_US 200u

static const uint8_t magic[4] = { 'V', 'U', 'C', 'K' };

struct rx_ctx {
	struct vc *vc;
	struct vc_vm *vm;
};

uint64_t
vc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
vc_sleep_us(unsigned int us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000u,
		.tv_nsec = (long)(us % 1000000u) * 1000,
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

const char *
vc_err(const struct vc_vm *vm)
{
	return vm->fe != NULL ? vsw_vufe_last_error(vm->fe) : "not connected";
}

int
vc_vm_open(struct vc *vc, struct vc_vm *vm, bool want_suspend,
		char *err, size_t errlen)
{
	struct vsw_vufe_params p = {
		.path = vm->path,
		.timeout_ms = vc->o->timeout_ms,
		.want_suspend = want_suspend,
	};
	int r;

	vm->fe = vsw_vufe_open(&p, err, errlen);
	if (vm->fe == NULL)
		return -errno;
	r = vsw_vufe_negotiate(vm->fe);
	if (r == 0)
		r = vsw_vufe_start(vm->fe);
	if (r < 0) {
		snprintf(err, errlen, "%s", vsw_vufe_last_error(vm->fe));
		vc_vm_close(vm);
	}
	return r;
}

void
vc_vm_close(struct vc_vm *vm)
{
	vsw_vufe_close(vm->fe);
	vm->fe = NULL;
}

unsigned int
vc_tx_pending(const struct vc_vm *vm)
{
	const struct vsw_vufe_stats *st = vsw_vufe_get_stats(vm->fe);

	return (unsigned int)(st->tx_posted - st->tx_completed);
}

void
vc_streams_init(struct vc *vc)
{
	vc->t2p.id = STREAM_T2P;
	vc->t2p.src = &vc->t;
	vc->t2p.dst = vc->have_peer ? &vc->p : NULL;
	vc->t2p.active = true;
	vc->p2t.id = STREAM_P2T;
	vc->p2t.src = &vc->p;
	vc->p2t.dst = &vc->t;
	vc->p2t.active = vc->have_peer;
}

void
vc_streams_free(struct vc *vc)
{
	free(vc->t2p.seen);
	free(vc->p2t.seen);
	vc->t2p.seen = vc->p2t.seen = NULL;
	vc->t2p.cap = vc->p2t.cap = 0;
}

static void
stream_reset(struct vc_stream *s)
{
	s->sent = s->received = s->dup = s->ooo = s->max_seen = 0;
	if (s->seen != NULL)
		memset(s->seen, 0, s->cap / 8);
}

void
vc_epoch_begin(struct vc *vc)
{
	vc->epoch++;
	stream_reset(&vc->t2p);
	stream_reset(&vc->p2t);
}

static int
stream_grow(struct vc_stream *s, uint64_t need)
{
	size_t cap = s->cap ? s->cap : 4096;
	uint8_t *n;

	if (need <= s->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	n = realloc(s->seen, cap / 8);
	if (n == NULL)
		return -ENOMEM;
	memset(n + s->cap / 8, 0, (cap - s->cap) / 8);
	s->seen = n;
	s->cap = cap;
	return 0;
}

static void
frame_build(const struct vc *vc, const struct vc_stream *s, uint64_t seq,
		uint8_t *f)
{
	const uint8_t *dst = s->dst != NULL ? s->dst->mac : vc->o->peer_mac;
	unsigned int i;

	memcpy(f, dst, 6);
	memcpy(f + 6, s->src->mac, 6);
	f[12] = ETH_TYPE_HI;
	f[13] = ETH_TYPE_LO;
	memcpy(f + OFF_MAGIC, magic, sizeof(magic));
	memcpy(f + OFF_EPOCH, &vc->epoch, sizeof(vc->epoch));
	f[OFF_STREAM] = s->id;
	f[OFF_STREAM + 1] = 0;
	memcpy(f + OFF_SEQ, &seq, sizeof(seq));
	for (i = OFF_PATTERN; i < FRAME_LEN; i++)
		f[i] = (uint8_t)(seq * 7 + i);
}

int
vc_send(struct vc *vc, struct vc_stream *s, unsigned int n)
{
	struct vsw_vufe *fe = s->src->fe;
	uint8_t f[FRAME_LEN];
	unsigned int i;
	int r;

	r = vsw_vufe_tx_reclaim(fe);
	if (r < 0)
		return r;
	for (i = 0; i < n && vsw_vufe_tx_free(fe) > 0; i++) {
		if (stream_grow(s, s->sent + 1) < 0)
			return -ENOMEM;
		frame_build(vc, s, s->sent, f);
		r = vsw_vufe_tx_post(fe, f, sizeof(f));
		if (r < 0)
			return r;
		s->sent++;
	}
	if (i > 0) {
		r = vsw_vufe_kick(fe, VSW_VUFE_TX_RING);
		if (r < 0)
			return r;
	}
	return (int)i;
}

static void
stream_record(struct vc_stream *s, struct vc_vm *vm, uint64_t seq)
{
	if (seq >= s->sent || seq >= s->cap) {
		vm->corrupt++;  /* never sent */
		return;
	}
	if (s->seen[seq / 8] & (1u << (seq % 8))) {
		s->dup++;
		return;
	}
	s->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	s->received++;
	if (seq + 1 < s->max_seen)
		s->ooo++;
	else
		s->max_seen = seq + 1;
}

static bool
pattern_ok(const uint8_t *f, uint64_t seq)
{
	unsigned int i;

	for (i = OFF_PATTERN; i < FRAME_LEN; i++)
		if (f[i] != (uint8_t)(seq * 7 + i))
			return false;
	return true;
}

static void
on_frame(void *arg, const uint8_t *f, uint32_t len)
{
	struct rx_ctx *x = arg;
	struct vc_stream *s;
	uint32_t epoch;
	uint64_t seq;

	if (len < FRAME_LEN || f[12] != ETH_TYPE_HI || f[13] != ETH_TYPE_LO ||
			memcmp(f + OFF_MAGIC, magic, sizeof(magic)) != 0) {
		x->vm->foreign++;
		return;
	}
	if (f[OFF_STREAM] == STREAM_HELLO)
		return;
	memcpy(&epoch, f + OFF_EPOCH, sizeof(epoch));
	memcpy(&seq, f + OFF_SEQ, sizeof(seq));
	if (epoch != x->vc->epoch) {
		x->vm->stale++;
		return;
	}
	s = f[OFF_STREAM] == STREAM_T2P ? &x->vc->t2p :
		f[OFF_STREAM] == STREAM_P2T ? &x->vc->p2t : NULL;
	if (s == NULL || s->dst != x->vm || memcmp(f, x->vm->mac, 6) != 0) {
		x->vm->misdelivered++;
		return;
	}
	if (!pattern_ok(f, seq)) {
		x->vm->corrupt++;
		return;
	}
	stream_record(s, x->vm, seq);
}

static int
vm_poll(struct vc *vc, struct vc_vm *vm)
{
	struct rx_ctx x = { .vc = vc, .vm = vm };
	unsigned int i;
	int r;

	r = vsw_vufe_rx_harvest(vm->fe, 1024, on_frame, &x);
	if (r > 0)
		r = vsw_vufe_kick(vm->fe, VSW_VUFE_RX_RING);
	if (r >= 0)
		r = vsw_vufe_tx_reclaim(vm->fe);
	for (i = 0; r >= 0 && i < VSW_VUFE_NB_RINGS; i++) {
		r = vsw_vufe_call_signalled(vm->fe, i);
		vm->calls += r > 0 ? 1 : 0;
	}
	return r < 0 ? r : 0;
}

int
vc_poll(struct vc *vc, bool tested_too)
{
	int r = 0;

	if (tested_too)
		r = vm_poll(vc, &vc->t);
	if (r == 0 && vc->have_peer)
		r = vm_poll(vc, &vc->p);
	return r;
}

/* Sleep until a call eventfd fires, or at most ms. */
static void
wait_calls(struct vc *vc, bool tested_too, int ms)
{
	struct pollfd pfd[2 * VSW_VUFE_NB_RINGS];
	unsigned int n = 0, i;

	for (i = 0; i < VSW_VUFE_NB_RINGS; i++) {
		if (tested_too)
			pfd[n++] = (struct pollfd){
				.fd = vsw_vufe_call_fd(vc->t.fe, i),
				.events = POLLIN };
		if (vc->have_peer)
			pfd[n++] = (struct pollfd){
				.fd = vsw_vufe_call_fd(vc->p.fe, i),
				.events = POLLIN };
	}
	if (n > 0)
		poll(pfd, n, ms);
	else
		vc_sleep_us((unsigned int)ms * 1000u);
}

static unsigned int
inflight(const struct vc_stream *s)
{
	if (s->dst == NULL)
		return vc_tx_pending(s->src);
	return (unsigned int)(s->sent - s->received);
}

/* Frames stream s may send now: window, and the --rate budget. */
static unsigned int
allowance(const struct vc *vc, const struct vc_stream *s, uint64_t t0,
		uint64_t base)
{
	unsigned int fl = inflight(s), n;
	uint64_t budget;

	if (!s->active || fl >= vc->window)
		return 0;
	n = vc->window - fl;
	if (vc->o->rate == 0)
		return n;
	budget = (vc_now_ns() - t0) * vc->o->rate / 1000000000ull + 1;
	budget = budget > s->sent - base ? budget - (s->sent - base) : 0;
	return budget < n ? (unsigned int)budget : n;
}

int
vc_pump(struct vc *vc, unsigned int ms)
{
	uint64_t t0 = vc_now_ns(), end = t0 + (uint64_t)ms * 1000000ull;
	struct vc_stream *ss[2] = { &vc->t2p, &vc->p2t };
	uint64_t base[2] = { vc->t2p.sent, vc->p2t.sent };
	unsigned int i, n;
	int r;

	do {
		r = vc_poll(vc, true);
		for (i = 0; r >= 0 && i < 2; i++) {
			n = allowance(vc, ss[i], t0, base[i]);
			if (n > 0)
				r = vc_send(vc, ss[i], n);
		}
		if (r < 0)
			return r;
		if (vc->o->rate != 0)
			vc_sleep_us(PACE_US);
		else
			wait_calls(vc, true, 1);
	} while (vc_now_ns() < end);
	return 0;
}

/* No TX descriptor pending on either VM. */
static bool
tx_idle(const struct vc *vc)
{
	return vc_tx_pending(&vc->t) == 0 &&
		(!vc->have_peer || vc_tx_pending(&vc->p) == 0);
}

static bool
settled(const struct vc *vc)
{
	if (!tx_idle(vc))
		return false;
	return !vc->have_peer || (vc->t2p.received >= vc->t2p.sent &&
		vc->p2t.received >= vc->p2t.sent);
}

int
vc_settle(struct vc *vc, unsigned int ms)
{
	return vc_drain(vc, 0, ms);
}

/*
 * Poll until every frame sent has arrived (0), or, if quiet_ms is not 0,
 * until no TX descriptor is pending and nothing arrived for quiet_ms (0:
 * for frames that may have been dropped), or -ETIMEDOUT after ms.
 */
int
vc_drain(struct vc *vc, unsigned int quiet_ms, unsigned int ms)
{
	uint64_t now = vc_now_ns(), last = now, seen = UINT64_MAX, n;
	uint64_t end = now + (uint64_t)ms * 1000000ull;
	int r;

	for (;;) {
		r = vc_poll(vc, true);
		if (r < 0)
			return r;
		if (settled(vc))
			return 0;
		now = vc_now_ns();
		n = vc->t2p.received + vc->p2t.received;
		if (n != seen || !tx_idle(vc)) {
			seen = n;
			last = now;
		} else if (quiet_ms != 0 &&
				now - last >= (uint64_t)quiet_ms * 1000000ull) {
			return 0;
		}
		if (now >= end)
			return -ETIMEDOUT;
		wait_calls(vc, true, 1);
	}
}

static int
hello_one(struct vc *vc, struct vc_vm *vm)
{
	uint8_t f[FRAME_LEN];
	int r;

	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, vm->mac, 6);
	f[12] = ETH_TYPE_HI;
	f[13] = ETH_TYPE_LO;
	memcpy(f + OFF_MAGIC, magic, sizeof(magic));
	f[OFF_STREAM] = STREAM_HELLO;
	r = vsw_vufe_tx_post(vm->fe, f, sizeof(f));
	if (r == 0)
		r = vsw_vufe_kick(vm->fe, VSW_VUFE_TX_RING);
	return r;
}

/* One broadcast from each VM, so that the switch learns both MACs. */
int
vc_hello(struct vc *vc)
{
	int r;

	r = hello_one(vc, &vc->t);
	if (r == 0 && vc->have_peer)
		r = hello_one(vc, &vc->p);
	if (r == 0)
		r = vc_settle(vc, vc->o->timeout_ms);
	return r;
}

bool
vc_delivered(const struct vc *vc, char *why, size_t len)
{
	return vc_accounted(vc, false, why, len);
}

/*
 * Every frame of this epoch arrived once, in order and intact (if
 * p2t_lossy, frames towards the tested port may also have been lost), and
 * the tested port's TX ring was consumed; else false and why.
 */
bool
vc_accounted(const struct vc *vc, bool p2t_lossy, char *why, size_t len)
{
	const struct vc_stream *ss[2] = { &vc->t2p, &vc->p2t };
	const struct vc_stream *s;
	bool lossy;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		s = ss[i];
		/*
		 * Without --peer nothing is sent towards the tested port: a
		 * back-end that loops its frames back (testpmd's io mode
		 * with one port) makes them "misdelivered", and that is fine.
		 */
		if (s->dst == NULL || !s->active)
			continue;
		lossy = p2t_lossy && s == &vc->p2t;
		if ((s->received != s->sent && !lossy) ||
				s->received > s->sent || s->dup != 0 ||
				s->ooo != 0) {
			snprintf(why, len, "%s->%s: %llu sent, %llu received, "
				"%llu duplicated, %llu out of order",
				s->src->name, s->dst->name,
				(unsigned long long)s->sent,
				(unsigned long long)s->received,
				(unsigned long long)s->dup,
				(unsigned long long)s->ooo);
			return false;
		}
		if (s->dst->corrupt != 0 || s->dst->misdelivered != 0) {
			snprintf(why, len, "%s received %llu corrupt and %llu "
				"misdelivered test frames", s->dst->name,
				(unsigned long long)s->dst->corrupt,
				(unsigned long long)s->dst->misdelivered);
			return false;
		}
	}
	if (vc_tx_pending(&vc->t) != 0) {
		snprintf(why, len, "%u TX descriptors of the tested port "
			"were never used", vc_tx_pending(&vc->t));
		return false;
	}
	return true;
}

void
vc_mark(const struct vc *vc, struct vc_mark *m)
{
	m->t2p = vc->t2p.received;
	m->p2t = vc->p2t.received;
	m->txc = vsw_vufe_get_stats(vc->t.fe)->tx_completed;
}

/* Describe what flowed since m; false if nothing did (both ways). */
bool
vc_flow_text(const struct vc *vc, const struct vc_mark *m, char *buf,
		size_t len)
{
	struct vc_mark n;

	vc_mark(vc, &n);
	if (!vc->have_peer) {
		snprintf(buf, len, "%llu TX frames consumed",
			(unsigned long long)(n.txc - m->txc));
		return n.txc != m->txc;
	}
	snprintf(buf, len, "%llu tested->peer and %llu peer->tested frames",
		(unsigned long long)(n.t2p - m->t2p),
		(unsigned long long)(n.p2t - m->p2t));
	return n.t2p != m->t2p && n.p2t != m->p2t;
}

void
vc_park_begin(struct vc *vc, struct vc_park *pk)
{
	unsigned int i;

	memset(pk, 0, sizeof(*pk));
	pk->since = "the ack";
	pk->t_ack_ns = vc_now_ns();
	/*
	 * Used indexes first, the moment the ack is read: a back-end that
	 * still writes after the ack moves them and is caught below.
	 */
	for (i = 0; i < VSW_VUFE_NB_RINGS; i++)
		pk->used[i] = vsw_vufe_used_idx(vc->t.fe, i);
	/* A signal written before the ack is still in the eventfd. */
	for (i = 0; i < VSW_VUFE_NB_RINGS; i++)
		if (vsw_vufe_call_signalled(vc->t.fe, i) > 0)
			pk->inflight_calls++;
	pk->sum = vsw_vufe_mem_checksum(vc->t.fe);
}

static double
since_ack_ms(const struct vc_park *pk)
{
	return (double)(vc_now_ns() - pk->t_ack_ns) / 1e6;
}

void
vc_park_verify(struct vc *vc, struct vc_park *pk)
{
	static const char *const rname[] = { "RX", "TX" };
	unsigned int i;
	uint16_t u;

	for (i = 0; i < VSW_VUFE_NB_RINGS; i++) {
		u = vsw_vufe_used_idx(vc->t.fe, i);
		if (u == pk->used[i] || pk->used_changed)
			continue;
		pk->used_changed = true;
		snprintf(pk->why_used, sizeof(pk->why_used),
			"vring %u (%s) used->idx moved %u -> %u, seen %.1f ms "
			"after %s", i, rname[i], pk->used[i], u,
			since_ack_ms(pk), pk->since);
	}
	if (!pk->mem_changed && vsw_vufe_mem_checksum(vc->t.fe) != pk->sum) {
		pk->mem_changed = true;
		snprintf(pk->why_mem, sizeof(pk->why_mem),
			"guest memory changed, seen %.1f ms after %s",
			since_ack_ms(pk), pk->since);
	}
	for (i = 0; i < VSW_VUFE_NB_RINGS; i++) {
		if (vsw_vufe_call_signalled(vc->t.fe, i) <= 0 || pk->called)
			continue;
		pk->called = true;
		snprintf(pk->why_call, sizeof(pk->why_call),
			"call eventfd of vring %u (%s) signalled, seen %.1f ms "
			"after %s", i, rname[i], since_ack_ms(pk),
			pk->since);
	}
}

/* Join the violations seen (used, memory, calls) with "; ". */
const char *
vc_park_why(const struct vc_park *pk, char *buf, size_t len)
{
	const char *parts[3] = { pk->why_used, pk->why_mem, pk->why_call };
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < 3 && off < len; i++) {
		if (parts[i][0] == '\0')
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
			off ? "; " : "", parts[i]);
	}
	return buf;
}

/*
 * vucheck's own writes while suspended: check first, then post and kick,
 * then take the new checksum as the reference.
 */
int
vc_park_post(struct vc *vc, struct vc_park *pk, unsigned int n)
{
	int r;

	vc_park_verify(vc, pk);
	r = vc_send(vc, &vc->t2p, n);
	if (r < 0)
		return r;
	pk->tx_posted += (unsigned int)r;
	r = vsw_vufe_kick(vc->t.fe, VSW_VUFE_TX_RING);
	if (r == 0)
		r = vsw_vufe_kick(vc->t.fe, VSW_VUFE_RX_RING);
	if (r < 0)
		return r;
	pk->sum = vsw_vufe_mem_checksum(vc->t.fe);
	return 0;
}
