/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control: the snapshots the lcores read, their publication and the RCU
 * grace periods that tell when a replaced one is no longer read. This is
 * the lowest layer of the engine's control side (fwd_ctl.c and
 * fwd_ports.c use it; it uses neither).
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_memory.h>

#include "fwd.h"

/*
 * Spin this long before sleeping between grace-period checks: a handshake
 * normally ends within one PMD iteration (microseconds), and the waiting
 * thread may have a real-time priority on a CPU it shares.
 */
#define SYNC_SPIN_US 200
#define SYNC_SLEEP_NS 20000

/* The whole pool up front: publishing then never allocates. */
int
fwd_snaps_create(struct vsw_fwd *f)
{
	unsigned int i;
	uint16_t port;

	for (i = 0; i < SNAP_POOL; i++) {
		f->snaps[i] = vsw_zmalloc_socket("vsw_snap",
			sizeof(struct fwd_snap), RTE_CACHE_LINE_SIZE,
			f->p.socket_id);
		if (f->snaps[i] == NULL)
			return -ENOMEM;
	}
	f->snap = f->snaps[0];
	for (port = 0; port < VSW_MAX_PORTS; port++)
		f->snap->v.port[port].vid = -1;
	for (i = 1; i < SNAP_POOL; i++)
		f->free_snaps[f->nb_free++] = f->snaps[i];
	return 0;
}

void
fwd_snaps_free(struct vsw_fwd *f)
{
	unsigned int i;

	for (i = 0; i < SNAP_POOL; i++)
		vsw_free(f->snaps[i]);
}

/*
 * Return retired snapshots no lcore can still read to the free list.
 * Tokens grow with retirement order, so the scan stops at the first one
 * still in use; with @p wait it waits for the oldest one instead.
 */
static void
reclaim(struct vsw_fwd *f, bool wait)
{
	unsigned int i, done = 0;

	for (i = 0; i < f->nb_retired; i++) {
		if (rte_rcu_qsbr_check(f->qsbr, f->retired[i].token,
				wait && i == 0) != 1)
			break;
		f->free_snaps[f->nb_free++] = f->retired[i].snap;
		done++;
	}
	if (done == 0)
		return;
	memmove(&f->retired[0], &f->retired[done],
		(f->nb_retired - done) * sizeof(f->retired[0]));
	f->nb_retired -= done;
}

/* The part of @p src the lcores can read, into @p dst. */
static void
snap_copy(struct fwd_snap *dst, const struct fwd_snap *src)
{
	memcpy(dst, src, offsetof(struct fwd_snap, polls));
	memcpy(dst->polls, src->polls, src->nb_polls * sizeof(src->polls[0]));
}

struct fwd_snap *
fwd_snap_begin(struct vsw_fwd *f)
{
	struct fwd_snap *s;

	reclaim(f, false);
	if (f->nb_free == 0)
		reclaim(f, true);	/* every spare retired: wait for one */
	s = f->free_snaps[--f->nb_free];
	snap_copy(s, f->snap);
	return s;
}

void
fwd_snap_publish(struct vsw_fwd *f, struct fwd_snap *s)
{
	struct fwd_snap *old = f->snap;

	__atomic_store_n(&f->snap, s, __ATOMIC_RELEASE);
	f->retired[f->nb_retired].snap = old;
	f->retired[f->nb_retired].token = rte_rcu_qsbr_start(f->qsbr);
	f->nb_retired++;
}

static int
port_publish_locked(struct vsw_fwd *f, uint16_t port,
	enum vsw_fwd_port_state state, int vid)
{
	struct fwd_snap *s;

	if (port >= VSW_MAX_PORTS || !f->ports[port].in_use ||
			state > VSW_FWD_PARK)
		return -EINVAL;
	s = fwd_snap_begin(f);
	fwd_view_set(&s->v, port, state, vid);
	fwd_snap_publish(f, s);
	return 0;
}

int
vsw_fwd_port_publish(struct vsw_fwd *f, uint16_t port,
	enum vsw_fwd_port_state state, int vid)
{
	int ret;

	pthread_mutex_lock(&f->ctl);
	ret = port_publish_locked(f, port, state, vid);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

int
vsw_fwd_port_offloads(struct vsw_fwd *f, uint16_t port, uint8_t ol)
{
	struct fwd_snap *s;

	if ((ol & ~(VSW_FWD_OL_TX_ALL | VSW_FWD_OL_RX_ALL)) != 0)
		return -EINVAL;
	pthread_mutex_lock(&f->ctl);
	if (port >= VSW_MAX_PORTS || !f->ports[port].in_use) {
		pthread_mutex_unlock(&f->ctl);
		return -EINVAL;
	}
	s = fwd_snap_begin(f);
	s->v.port[port].ol = ol;
	fwd_snap_publish(f, s);
	pthread_mutex_unlock(&f->ctl);
	return 0;
}

int
vsw_fwd_port_link(struct vsw_fwd *f, uint16_t port, bool up)
{
	struct fwd_snap *s;
	int ret = -EINVAL;

	pthread_mutex_lock(&f->ctl);
	if (port < VSW_MAX_PORTS && f->ports[port].in_use &&
			f->ports[port].kind == VSW_FWD_ETH) {
		s = fwd_snap_begin(f);
		s->v.port[port].link_down = !up;
		fwd_snap_publish(f, s);
		ret = 0;
	}
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

static void
sync_pause(uint64_t elapsed, uint64_t hz)
{
	struct timespec ts = { 0, SYNC_SLEEP_NS };

	if (elapsed < hz / 1000000 * SYNC_SPIN_US)
		rte_pause();
	else
		nanosleep(&ts, NULL);
}

static int
sync_locked(struct vsw_fwd *f, uint64_t timeout_us)
{
	uint64_t hz = rte_get_timer_hz();
	uint64_t start = rte_get_timer_cycles();
	uint64_t warn = start + hz;
	uint64_t token = rte_rcu_qsbr_start(f->qsbr);

	while (rte_rcu_qsbr_check(f->qsbr, token, false) != 1) {
		uint64_t now = rte_get_timer_cycles();

		if (timeout_us != 0 && now - start > timeout_us * hz / 1000000)
			return -ETIMEDOUT;
		if (timeout_us == 0 && now > warn) {
			FWD_LOG(WARNING, "a PMD lcore has not passed a quiescent state for %" PRIu64 " ms; still waiting\n",
				(now - start) * 1000 / hz);
			warn += hz;
		}
		sync_pause(now - start, hz);
	}
	reclaim(f, false);
	return 0;
}

int
vsw_fwd_sync(struct vsw_fwd *f, uint64_t timeout_us)
{
	int ret;

	pthread_mutex_lock(&f->ctl);
	ret = sync_locked(f, timeout_us);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

