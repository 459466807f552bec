/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control side of packet capture: the module, starting and stopping
 * captures, their figures. The writer thread is capture_writer.c.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "capture.h"
#include "vsw_util.h"

RTE_LOG_REGISTER_DEFAULT(vsw_capture_logtype, INFO);

const char *
vsw_capture_state_name(enum vsw_capture_state s)
{
	static const char *const names[] = {
		[VSW_CAPTURE_FREE] = "free",
		[VSW_CAPTURE_RUNNING] = "running",
		[VSW_CAPTURE_STOPPING] = "stopping",
		[VSW_CAPTURE_DONE] = "done",
		[VSW_CAPTURE_FAILED] = "failed",
	};

	return (unsigned int)s < RTE_DIM(names) ? names[s] : "?";
}

const char *
vsw_capture_end_name(enum vsw_capture_end e)
{
	static const char *const names[] = {
		[VSW_CAPTURE_END_NONE] = "",
		[VSW_CAPTURE_END_COUNT] = "count",
		[VSW_CAPTURE_END_TIME] = "time",
		[VSW_CAPTURE_END_STOP] = "stopped",
		[VSW_CAPTURE_END_PORT] = "port-removed",
		[VSW_CAPTURE_END_ERROR] = "write-error",
		[VSW_CAPTURE_END_SHUTDOWN] = "shutdown",
	};

	return (unsigned int)e < RTE_DIM(names) ? names[e] : "?";
}

static void
free_rings(struct vsw_capture *c)
{
	uint16_t i;

	for (i = 0; c->lc != NULL && i < c->p.nb_lcores; i++)
		rte_ring_free(c->lc[i].ring);
	vsw_free(c->lc);
}

/*
 * The lcores' rings and the writer's mempool, made by the first capture
 * (mutex held): a switch that never captures does not pay for them. The
 * rings reach the lcores through the taps' store-release, the writer
 * through its acquire load.
 */
static int
make_rings(struct vsw_capture *c)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;
	uint16_t i;

	for (i = 0; i < c->p.nb_lcores; i++) {
		if (c->lc[i].ring != NULL)
			continue;
		snprintf(name, sizeof(name), "vsw_cap_%p_%u", (void *)c, i);
		r = rte_ring_create_elem(name, sizeof(struct cap_ref),
			VSW_CAPTURE_RING, c->p.socket_id,
			RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (r == NULL)
			return -ENOMEM;
		__atomic_store_n(&c->lc[i].ring, r, __ATOMIC_RELEASE);
	}
	return 0;
}

static void
clock_base(struct vsw_capture *c)
{
	struct timespec ts;
	uint64_t t0;

	c->tsc_hz = rte_get_tsc_hz();
	t0 = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &ts);
	c->tsc0 = (t0 + rte_rdtsc()) / 2;
	c->ns0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct vsw_capture *
vsw_capture_create(const struct vsw_capture_params *p)
{
	struct vsw_capture *c;
	unsigned int i;
	int ret;

	if (p == NULL || p->nb_lcores == 0 || p->nb_lcores > VSW_MAX_PMD) {
		rte_errno = EINVAL;
		return NULL;
	}
	c = vsw_zmalloc_socket("vsw_capture", sizeof(*c), RTE_CACHE_LINE_SIZE,
		p->socket_id);
	if (c == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	c->p = *p;
	clock_base(c);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	for (i = 0; i < VSW_CAPTURE_MAX; i++)
		c->slot[i].fd = -1;
	c->lc = vsw_zmalloc_socket("vsw_cap_lcore",
		sizeof(*c->lc) * c->p.nb_lcores, RTE_CACHE_LINE_SIZE,
		c->p.socket_id);
	c->w = cap_writer_alloc(c);
	ret = c->lc != NULL && c->w != NULL ? 0 : -ENOMEM;
	if (ret == 0)
		ret = -pthread_create(&c->writer, NULL, cap_writer_main, c);
	if (ret != 0) {
		free_rings(c);
		free(c->w);
		vsw_free(c);
		rte_errno = -ret;
		return NULL;
	}
	c->writer_started = true;
	pthread_setname_np(c->writer, "vsw-capture");
	return c;
}

void
vsw_capture_free(struct vsw_capture *c)
{
	if (c == NULL)
		return;
	if (c->writer_started) {
		pthread_mutex_lock(&c->lock);
		__atomic_store_n(&c->quit, 1, __ATOMIC_RELEASE);
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->writer, NULL);
	}
	free_rings(c);
	free(c->w);
	rte_mempool_free(c->pool);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	vsw_free(c);
}

void
cap_counts(const struct vsw_capture *c, unsigned int i,
	uint64_t out[CNT_MAX])
{
	uint16_t l;
	int k;

	for (k = 0; k < CNT_MAX; k++)
		out[k] = 0;
	for (l = 0; l < c->p.nb_lcores; l++)
		for (k = 0; k < CNT_MAX; k++)
			out[k] += __atomic_load_n(&c->lc[l].cnt[i][k],
				__ATOMIC_RELAXED);
}

bool
cap_taps_clear(struct vsw_capture *c, unsigned int i)
{
	struct cap_slot *s = &c->slot[i];
	uint16_t k;

	if (s->taps_cleared)
		return false;
	for (k = 0; k < s->conf.nb_ports; k++)
		__atomic_store_n(&c->tap[s->conf.port[k]], 0,
			__ATOMIC_RELEASE);
	__atomic_fetch_sub(&c->dp.active, 1, __ATOMIC_RELEASE);
	s->taps_cleared = true;
	return true;
}

static bool
live(const struct cap_slot *s)
{
	return s->state == VSW_CAPTURE_RUNNING ||
		s->state == VSW_CAPTURE_STOPPING;
}

static int
check_spec(const struct vsw_capture_spec *s, char *err, size_t errlen)
{
	uint16_t i, j;

	if (s->file == NULL || s->file[0] == '\0' ||
			strlen(s->file) >= VSW_CAPTURE_PATH_MAX) {
		snprintf(err, errlen, "no capture file, or its name is too long");
		return -EINVAL;
	}
	if (s->nb_ports == 0 || s->nb_ports > VSW_CAPTURE_MAX_PORTS) {
		snprintf(err, errlen, "a capture covers 1 to %d ports",
			VSW_CAPTURE_MAX_PORTS);
		return -EINVAL;
	}
	for (i = 0; i < s->nb_ports; i++) {
		if (s->port[i] >= VSW_MAX_PORTS) {
			snprintf(err, errlen, "no port %u", s->port[i]);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (s->port[j] == s->port[i]) {
				snprintf(err, errlen, "port %u given twice",
					s->port[i]);
				return -EINVAL;
			}
	}
	if (s->dir == 0 || (s->dir & ~(VSW_CAPTURE_RX | VSW_CAPTURE_TX))) {
		snprintf(err, errlen, "direction must be rx, tx or both");
		return -EINVAL;
	}
	if (s->vlan < -1 || s->vlan > 4095) {
		snprintf(err, errlen, "VLAN id must be 0 to 4095");
		return -EINVAL;
	}
	return 0;
}

/* A port or the file already in use by a live capture (mutex held). */
static int
check_busy(struct vsw_capture *c, const struct vsw_capture_spec *spec,
	char *err, size_t errlen)
{
	struct stat st;
	unsigned int i;
	uint16_t k;

	for (k = 0; k < spec->nb_ports; k++) {
		uint64_t tap = __atomic_load_n(&c->tap[spec->port[k]],
			__ATOMIC_RELAXED);

		if (tap != 0) {
			snprintf(err, errlen, "port %u is already captured "
				"(capture %u)", spec->port[k], TAP_SLOT(tap));
			return -EBUSY;
		}
	}
	if (stat(spec->file, &st) != 0)
		return 0;
	for (i = 0; i < VSW_CAPTURE_MAX; i++)
		if (live(&c->slot[i]) && c->slot[i].dev == (uint64_t)st.st_dev &&
				c->slot[i].ino == (uint64_t)st.st_ino) {
			snprintf(err, errlen, "%s is the file of capture %u",
				spec->file, i);
			return -EBUSY;
		}
	return 0;
}

/* A free slot, else the one that ended first (mutex held); -1: none. */
static int
pick_slot(const struct vsw_capture *c)
{
	int i, best = -1;

	for (i = 0; i < VSW_CAPTURE_MAX; i++) {
		const struct cap_slot *s = &c->slot[i];

		if (s->state == VSW_CAPTURE_FREE)
			return i;
		if (!live(s) && (best < 0 || s->end_tsc < c->slot[best].end_tsc))
			best = i;
	}
	return best;
}

static int
ensure_pool(struct vsw_capture *c)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	if (make_rings(c) != 0)
		return -ENOMEM;
	if (c->pool != NULL)
		return 0;
	snprintf(name, sizeof(name), "vsw_cap_%p", (void *)c);
	c->pool = rte_pktmbuf_pool_create(name, CAP_POOL_SIZE, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, c->p.socket_id);
	return c->pool != NULL ? 0 : -ENOMEM;
}

/* Fill slot @p i for @p spec and let the lcores copy (mutex held). */
static void
slot_launch(struct vsw_capture *c, unsigned int i,
	const struct vsw_capture_spec *spec)
{
	struct cap_slot *s = &c->slot[i];
	struct vsw_capture_status *cf = &s->conf;
	uint16_t k;

	memset(cf, 0, sizeof(*cf));
	cf->id = (int)i;
	snprintf(cf->file, sizeof(cf->file), "%s", spec->file);
	cf->nb_ports = spec->nb_ports;
	memcpy(cf->port, spec->port, sizeof(cf->port));
	for (k = 0; k < spec->nb_ports; k++)
		snprintf(cf->name[k], sizeof(cf->name[k]), "%s",
			spec->name[k] != NULL ? spec->name[k] : "");
	cf->dir = spec->dir;
	cf->count = spec->count;
	cf->seconds = spec->seconds;
	cf->snaplen = spec->snaplen;
	cf->vlan = spec->vlan;
	s->written = s->bytes = s->nombuf = 0;
	s->error[0] = '\0';
	s->gen = (s->gen + 1) & GEN_MASK;
	s->end = VSW_CAPTURE_END_NONE;
	s->end_req = 0;
	s->taps_cleared = false;
	cap_counts(c, i, s->base);
	c->slot_dp[i].snaplen = spec->snaplen ? spec->snaplen : UINT32_MAX;
	c->slot_dp[i].vlan = spec->vlan;
	s->start_tsc = rte_rdtsc();
	s->end_tsc = 0;
	__atomic_store_n(&s->state, VSW_CAPTURE_RUNNING, __ATOMIC_RELEASE);
	__atomic_fetch_add(&c->dp.active, 1, __ATOMIC_RELEASE);
	for (k = 0; k < spec->nb_ports; k++)
		__atomic_store_n(&c->tap[spec->port[k]],
			TAP_MAKE(spec->dir, i, k, s->gen), __ATOMIC_RELEASE);
}

int
vsw_capture_start(struct vsw_capture *c, const struct vsw_capture_spec *spec,
	char *err, size_t errlen)
{
	int ret, i;

	ret = check_spec(spec, err, errlen);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&c->lock);
	ret = check_busy(c, spec, err, errlen);
	if (ret != 0)
		goto out;
	i = pick_slot(c);
	if (i < 0) {
		snprintf(err, errlen, "%d captures are running already",
			VSW_CAPTURE_MAX);
		ret = -ENOSPC;
		goto out;
	}
	if (ensure_pool(c) != 0) {
		snprintf(err, errlen, "no memory for the capture's rings "
			"and mbufs");
		ret = -ENOMEM;
		goto out;
	}
	ret = cap_file_open(c, &c->slot[i], spec, err, errlen);
	if (ret != 0)
		goto out;
	slot_launch(c, (unsigned int)i, spec);
	pthread_cond_signal(&c->wake);
	CAP_LOG(INFO, "capture %d to %s started\n", i, spec->file);
	ret = i;
out:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* Wait for slot @p i to be over: 0, or -EINPROGRESS after @p ms. */
static int
wait_over(struct vsw_capture *c, unsigned int i, unsigned int ms)
{
	struct timespec nap = { 0, 1000000 };
	enum vsw_capture_state st;
	unsigned int t;

	for (t = 0; ; t++) {
		st = __atomic_load_n(&c->slot[i].state, __ATOMIC_ACQUIRE);
		if (st == VSW_CAPTURE_DONE || st == VSW_CAPTURE_FAILED)
			return 0;
		if (t >= ms)
			return -EINPROGRESS;
		nanosleep(&nap, NULL);
	}
}

/* Ask the writer to end slot @p i (mutex held); false if not live. */
static bool
request_end(struct vsw_capture *c, unsigned int i, enum vsw_capture_end e)
{
	uint32_t none = 0;

	if (i >= VSW_CAPTURE_MAX || !live(&c->slot[i]))
		return false;
	__atomic_compare_exchange_n(&c->slot[i].end_req, &none, (uint32_t)e,
		false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	return true;
}

int
vsw_capture_stop(struct vsw_capture *c, int id, unsigned int timeout_ms)
{
	bool ok;

	pthread_mutex_lock(&c->lock);
	ok = id >= 0 && request_end(c, (unsigned int)id, VSW_CAPTURE_END_STOP);
	pthread_mutex_unlock(&c->lock);
	if (!ok)
		return -ENOENT;
	return wait_over(c, (unsigned int)id, timeout_ms);
}

void
vsw_capture_port_removed(struct vsw_capture *c, uint16_t port,
	unsigned int timeout_ms)
{
	unsigned int i;
	uint64_t tap;

	if (c == NULL || port >= VSW_MAX_PORTS)
		return;
	pthread_mutex_lock(&c->lock);
	tap = __atomic_load_n(&c->tap[port], __ATOMIC_RELAXED);
	i = TAP_SLOT(tap);
	if (tap != 0 && request_end(c, i, VSW_CAPTURE_END_PORT))
		cap_taps_clear(c, i);
	pthread_mutex_unlock(&c->lock);
	if (tap == 0)
		return;
	/* No lcore copies the port's frames once this returns. */
	if (c->p.quiesce != NULL)
		c->p.quiesce(c->p.quiesce_arg);
	if (wait_over(c, i, timeout_ms) != 0)
		CAP_LOG(WARNING, "capture %u: file still being written\n", i);
}

int
vsw_capture_find(struct vsw_capture *c, const char *file, int port)
{
	struct stat st;
	bool have_st = file != NULL && stat(file, &st) == 0;
	int i, ret = -ENOENT;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < VSW_CAPTURE_MAX && ret < 0; i++) {
		const struct cap_slot *s = &c->slot[i];
		uint16_t k;

		if (!live(s))
			continue;
		if (file != NULL && (strcmp(file, s->conf.file) == 0 ||
				(have_st && s->dev == (uint64_t)st.st_dev &&
				 s->ino == (uint64_t)st.st_ino)))
			ret = i;
		for (k = 0; file == NULL && k < s->conf.nb_ports; k++)
			if (s->conf.port[k] == port)
				ret = i;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int
vsw_capture_status(struct vsw_capture *c, int id,
	struct vsw_capture_status *out)
{
	struct cap_slot *s;
	uint64_t now[CNT_MAX], end;

	if (id < 0 || id >= VSW_CAPTURE_MAX)
		return -ENOENT;
	s = &c->slot[id];
	pthread_mutex_lock(&c->lock);
	if (s->state == VSW_CAPTURE_FREE) {
		pthread_mutex_unlock(&c->lock);
		return -ENOENT;
	}
	*out = s->conf;
	out->state = s->state;
	out->end = s->end;
	cap_counts(c, (unsigned int)id, now);
	out->copied = now[CNT_COPIED] - s->base[CNT_COPIED];
	out->dropped_ring = now[CNT_RING] - s->base[CNT_RING];
	out->dropped_nombuf = __atomic_load_n(&s->nombuf, __ATOMIC_RELAXED);
	out->filtered = now[CNT_FILTERED] - s->base[CNT_FILTERED];
	out->written = __atomic_load_n(&s->written, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
	end = s->end_tsc != 0 ? s->end_tsc : rte_rdtsc();
	out->elapsed_s = (double)(end - s->start_tsc) / (double)c->tsc_hz;
	snprintf(out->error, sizeof(out->error), "%s", s->error);
	pthread_mutex_unlock(&c->lock);
	return 0;
}
