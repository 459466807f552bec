/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control: port mirrors. The table here is the control side's; what the
 * lcores need (per port, the mirror of each direction and whether it is
 * an output; per mirror, its output) is in the view, published with RCU
 * like every other change (fwd_snap.c). The data path is in fwd_lcore.c.
 *
 * A mirror's output is reserved: it leaves the flood list (live[]), its
 * learned addresses are flushed once no lcore can learn on it any more
 * (a grace period after the publication: from then on its frames are
 * dropped before the classifier), and it comes back as a port like the
 * others when the mirror ends.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fwd.h"

#define ERR(...) do { \
	if (err != NULL) \
		snprintf(err, errlen, __VA_ARGS__); \
} while (0)

/* The mirror (id) that mirrors @p port in direction bit @p dir, or -1. */
static int
src_of(const struct vsw_fwd *f, uint16_t port, unsigned int dir)
{
	const struct vsw_fwd_mirror *c;
	int i;
	uint16_t k;

	for (i = 0; i < VSW_FWD_MIRROR_MAX; i++) {
		c = &f->mirror[i].conf;
		if (!f->mirror[i].used || !(c->dir & dir))
			continue;
		for (k = 0; k < c->nb_src; k++)
			if (c->src[k] == port)
				return i;
	}
	return -1;
}

/* The mirror whose output is @p port, or -1. */
static int
out_of(const struct vsw_fwd *f, uint16_t port)
{
	int i;

	for (i = 0; i < VSW_FWD_MIRROR_MAX; i++)
		if (f->mirror[i].used && f->mirror[i].conf.out == port)
			return i;
	return -1;
}

/* Is @p m's shape right: ports in use, no repeats, a direction? */
static int
check_shape(const struct vsw_fwd *f, const struct vsw_fwd_mirror *m,
	char *err, size_t errlen)
{
	uint16_t i, j;

	if (m->nb_src == 0 || m->nb_src > VSW_FWD_MIRROR_MAX_SRC) {
		ERR("a mirror has 1 to %d sources", VSW_FWD_MIRROR_MAX_SRC);
		return -EINVAL;
	}
	if (m->dir == 0 || (m->dir & ~(VSW_FWD_MIRROR_RX | VSW_FWD_MIRROR_TX))) {
		ERR("a mirror's direction is rx, tx or both");
		return -EINVAL;
	}
	if (!vsw_fwd_port_in_use(f, m->out)) {
		ERR("no port %u", m->out);
		return -EINVAL;
	}
	for (i = 0; i < m->nb_src; i++) {
		if (!vsw_fwd_port_in_use(f, m->src[i])) {
			ERR("no port %u", m->src[i]);
			return -EINVAL;
		}
		if (m->src[i] == m->out) {
			ERR("port %u cannot be a source of its own mirror",
				m->out);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (m->src[j] == m->src[i]) {
				ERR("port %u is given twice", m->src[i]);
				return -EINVAL;
			}
	}
	return 0;
}

/* Does @p m clash with the mirrors there are? */
static int
check_clash(const struct vsw_fwd *f, const struct vsw_fwd_mirror *m,
	char *err, size_t errlen)
{
	unsigned int d;
	uint16_t i;
	int id;

	if ((id = out_of(f, m->out)) >= 0) {
		ERR("port %u is already the output of mirror %d", m->out, id);
		return -EBUSY;
	}
	if ((id = src_of(f, m->out, VSW_FWD_MIRROR_RX | VSW_FWD_MIRROR_TX))
			>= 0) {
		ERR("port %u is a source of mirror %d", m->out, id);
		return -EBUSY;
	}
	for (i = 0; i < m->nb_src; i++) {
		if ((id = out_of(f, m->src[i])) >= 0) {
			ERR("port %u is the output of mirror %d", m->src[i],
				id);
			return -EBUSY;
		}
		for (d = VSW_FWD_MIRROR_RX; d <= VSW_FWD_MIRROR_TX; d <<= 1)
			if ((m->dir & d) && (id = src_of(f, m->src[i], d)) >= 0) {
				ERR("port %u's %s is mirrored already, by "
					"mirror %d", m->src[i],
					d == VSW_FWD_MIRROR_RX ? "rx" : "tx",
					id);
				return -EBUSY;
			}
	}
	return 0;
}

/* The view's part of mirror @p id (@p on: as configured; else none). */
static void
view_mirror(struct fwd_view *v, int id, const struct vsw_fwd_mirror *c,
	bool on)
{
	uint8_t tag = on ? (uint8_t)(id + 1) : 0;
	uint16_t k;

	for (k = 0; k < c->nb_src; k++) {
		if (c->dir & VSW_FWD_MIRROR_RX)
			v->port[c->src[k]].mir_rx = tag;
		if (c->dir & VSW_FWD_MIRROR_TX)
			v->port[c->src[k]].mir_tx = tag;
	}
	fwd_view_mirror_out(v, c->out, on);
	v->mirror_out[id] = c->out;
	v->nb_mirror = (uint16_t)(v->nb_mirror + (on ? 1 : -1));
}

static int
mirror_add_locked(struct vsw_fwd *f, const struct vsw_fwd_mirror *m,
	char *err, size_t errlen)
{
	struct fwd_snap *s;
	uint16_t i;
	int id, ret;

	if (f->p.mode != VSW_FWD_LEARN) {
		ERR("mirrors need --mode learn");
		return -ENOTSUP;
	}
	ret = check_shape(f, m, err, errlen);
	if (ret == 0)
		ret = check_clash(f, m, err, errlen);
	if (ret != 0)
		return ret;
	for (id = 0; id < VSW_FWD_MIRROR_MAX && f->mirror[id].used; id++)
		;
	if (id == VSW_FWD_MIRROR_MAX) {
		ERR("at most %d mirrors", VSW_FWD_MIRROR_MAX);
		return -ENOSPC;
	}
	/* Nobody counts for a free slot (its end waited for the lcores). */
	for (i = 0; i < f->p.nb_pmd; i++)
		memset(&f->pmd[i]->mirror[id], 0, sizeof(f->pmd[i]->mirror[id]));
	f->mirror[id].used = true;
	f->mirror[id].conf = *m;
	s = fwd_snap_begin(f);
	view_mirror(&s->v, id, m, true);
	fwd_snap_publish(f, s);
	/* No lcore learns on the output now: forget what it learned. */
	vsw_fwd_sync(f, 0);
	vsw_mac_flush_port(f->p.mac, m->out);
	FWD_LOG(INFO, "mirror %d: %u source(s) to port %u\n", id, m->nb_src,
		m->out);
	return id;
}

int
vsw_fwd_mirror_add(struct vsw_fwd *f, const struct vsw_fwd_mirror *m,
	char *err, size_t errlen)
{
	int ret;

	if (m == NULL) {
		ERR("no mirror");
		return -EINVAL;
	}
	pthread_mutex_lock(&f->ctl);
	ret = mirror_add_locked(f, m, err, errlen);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

static void
status_locked(const struct vsw_fwd *f, int id, struct vsw_fwd_mirror_status *st)
{
	uint16_t i;

	memset(st, 0, sizeof(*st));
	st->id = id;
	st->conf = f->mirror[id].conf;
	for (i = 0; i < f->p.nb_pmd; i++) {
		const struct fwd_mirror_stats *ms = &f->pmd[i]->mirror[id];

		st->frames += __atomic_load_n(&ms->frames, __ATOMIC_RELAXED);
		st->bytes += __atomic_load_n(&ms->bytes, __ATOMIC_RELAXED);
		st->lost += __atomic_load_n(&ms->lost, __ATOMIC_RELAXED);
	}
}

/* Publish mirror @p id as @p c now is (nb_src 0: ended), wait, report. */
static void
mirror_change(struct vsw_fwd *f, int id, const struct vsw_fwd_mirror *c,
	struct vsw_fwd_mirror_status *st)
{
	struct fwd_snap *s = fwd_snap_begin(f);

	view_mirror(&s->v, id, &f->mirror[id].conf, false);
	if (c->nb_src != 0)
		view_mirror(&s->v, id, c, true);
	fwd_snap_publish(f, s);
	vsw_fwd_sync(f, 0);	/* no lcore mirrors as before */
	if (st != NULL)
		status_locked(f, id, st);
	if (c->nb_src != 0) {
		f->mirror[id].conf = *c;
		return;
	}
	f->mirror[id].used = false;
	FWD_LOG(INFO, "mirror %d ended\n", id);
}

int
vsw_fwd_mirror_del(struct vsw_fwd *f, int id,
	struct vsw_fwd_mirror_status *final)
{
	struct vsw_fwd_mirror none = { .nb_src = 0 };
	int ret = -ENOENT;

	pthread_mutex_lock(&f->ctl);
	if (id >= 0 && id < VSW_FWD_MIRROR_MAX && f->mirror[id].used) {
		mirror_change(f, id, &none, final);
		ret = 0;
	}
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

/* Mirror @p id without source @p port (ended without any). */
static int
drop_source(struct vsw_fwd *f, int id, uint16_t port,
	struct vsw_fwd_mirror_status *st)
{
	const struct vsw_fwd_mirror *old = &f->mirror[id].conf;
	struct vsw_fwd_mirror c = *old;
	uint16_t k;

	c.nb_src = 0;
	for (k = 0; k < old->nb_src; k++)
		if (old->src[k] != port)
			c.src[c.nb_src++] = old->src[k];
	mirror_change(f, id, &c, st);
	return c.nb_src == 0 ? 2 : 1;
}

int
fwd_mirror_port_removed(struct vsw_fwd *f, uint16_t port,
	struct vsw_fwd_mirror_status *st)
{
	struct vsw_fwd_mirror none = { .nb_src = 0 };
	int id, ret = 0;

	id = out_of(f, port);
	if (id >= 0) {
		mirror_change(f, id, &none, st);
		return 2;	/* an output is no source */
	}
	/* A source of up to two mirrors, one per direction. */
	while ((id = src_of(f, port, VSW_FWD_MIRROR_RX | VSW_FWD_MIRROR_TX))
			>= 0)
		ret = RTE_MAX(ret, drop_source(f, id, port, st));
	return ret;
}

int
vsw_fwd_mirror_port_removed(struct vsw_fwd *f, uint16_t port,
	struct vsw_fwd_mirror_status *st)
{
	int ret;

	pthread_mutex_lock(&f->ctl);
	ret = port < VSW_MAX_PORTS ? fwd_mirror_port_removed(f, port, st) : 0;
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

int
vsw_fwd_mirror_find(struct vsw_fwd *f, uint16_t port, unsigned int dir)
{
	int id;

	pthread_mutex_lock(&f->ctl);
	id = out_of(f, port);
	if (id < 0 && dir != 0)
		id = src_of(f, port, dir);
	pthread_mutex_unlock(&f->ctl);
	return id >= 0 ? id : -ENOENT;
}

int
vsw_fwd_mirror_status(struct vsw_fwd *f, int id,
	struct vsw_fwd_mirror_status *out)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&f->ctl);
	if (id >= 0 && id < VSW_FWD_MIRROR_MAX && f->mirror[id].used) {
		status_locked(f, id, out);
		ret = 0;
	}
	pthread_mutex_unlock(&f->ctl);
	return ret;
}
