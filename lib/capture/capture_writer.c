/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture writer: a thread of its own (never a forwarding lcore)
 * that takes the copies from every lcore's ring and writes them to their
 * capture's file, and the file's own blocks (section header through
 * rte_pcapng, interface descriptions here).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring_elem.h>
#include <rte_version.h>

#include "capture.h"

/* pcapng block types and options (pcapng specification, section 4). */
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define LINKTYPE_ETHERNET 1
#define OPT_ENDOFOPT 0
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define IDB_MAX 512

/* Batched writes: iovecs of the copies taken in one pass, per capture. */
#define IOV_PER_PASS 512

struct pending {
	struct iovec iov[IOV_PER_PASS];
	struct rte_mbuf *m[CAP_BATCH];
	unsigned int niov;
	unsigned int nm;
	size_t len;
};

struct writer {
	struct vsw_capture *c;
	struct pending pend[VSW_CAPTURE_MAX];
	bool failed[VSW_CAPTURE_MAX];
	uint64_t quit_tsc;             /* when vsw_capture_free() asked */
};

static uint64_t
tsc_to_ns(const struct vsw_capture *c, uint64_t tsc)
{
	uint64_t d = tsc - c->tsc0;

	return c->ns0 + d / c->tsc_hz * 1000000000u +
		d % c->tsc_hz * 1000000000u / c->tsc_hz;
}

/* Write everything in @p iov; waits (polling) while a pipe is full. */
static int
write_all(struct writer *w, int fd, struct iovec *iov, unsigned int cnt)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	while (cnt > 0) {
		ssize_t r = writev(fd, iov, (int)cnt);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (w->quit_tsc != 0 && rte_rdtsc() - w->quit_tsc >
					w->c->tsc_hz / 1000 * CAP_SHUTDOWN_MS)
				return -ETIMEDOUT;
			if (w->quit_tsc == 0 && __atomic_load_n(&w->c->quit,
					__ATOMIC_ACQUIRE))
				w->quit_tsc = rte_rdtsc();
			poll(&pfd, 1, CAP_POLL_MS);
			continue;
		}
		if (r < 0)
			return -errno;
		while (cnt > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

static void
set_error(struct vsw_capture *c, unsigned int i, const char *what, int err)
{
	struct cap_slot *s = &c->slot[i];

	pthread_mutex_lock(&c->lock);
	snprintf(s->error, sizeof(s->error), "%s: %s", what, strerror(err));
	pthread_mutex_unlock(&c->lock);
	CAP_LOG(ERR, "capture %u: %s: %s\n", i, what, strerror(err));
}

/* Write and free what a pass gathered for capture @p i. */
static void
flush(struct writer *w, unsigned int i)
{
	struct pending *p = &w->pend[i];
	struct cap_slot *s = &w->c->slot[i];
	int r;

	if (p->nm == 0)
		return;
	if (!w->failed[i]) {
		r = write_all(w, s->fd, p->iov, p->niov);
		if (r == 0) {
			__atomic_store_n(&s->written, s->written + p->nm,
				__ATOMIC_RELAXED);
			__atomic_store_n(&s->bytes, s->bytes + p->len,
				__ATOMIC_RELAXED);
		} else {
			w->failed[i] = true;
			set_error(w->c, i, "cannot write the file", -r);
		}
	}
	rte_pktmbuf_free_bulk(p->m, p->nm);
	p->nm = p->niov = 0;
	p->len = 0;
}

/* Does capture @p i still write frames tagged @p tag? */
static bool
admit(struct writer *w, unsigned int i, uint32_t tag)
{
	struct cap_slot *s = &w->c->slot[i];
	enum vsw_capture_state st = __atomic_load_n(&s->state,
		__ATOMIC_ACQUIRE);

	if ((st != VSW_CAPTURE_RUNNING && st != VSW_CAPTURE_STOPPING) ||
			TAG_GEN(tag) != s->gen || w->failed[i])
		return false;
	return s->conf.count == 0 ||
		s->written + w->pend[i].nm < s->conf.count;
}

/* The pcapng block of frame @p r of capture @p i, or NULL (counted). */
static struct rte_mbuf *
block_of(struct writer *w, unsigned int i, const struct cap_ref *r)
{
	struct vsw_capture *c = w->c;
	struct cap_slot *s = &c->slot[i];
	struct rte_mbuf *mc;
	struct cap_epb *epb;
	uint64_t ns;

	mc = cap_pcapng_copy(r->port, r->m, c->pool, c->slot_dp[i].snaplen,
		r->tsc, r->dir == VSW_CAPTURE_RX ? RTE_PCAPNG_DIRECTION_IN :
		RTE_PCAPNG_DIRECTION_OUT);
	if (mc == NULL) {
		__atomic_store_n(&s->nombuf, s->nombuf + 1, __ATOMIC_RELAXED);
		return NULL;
	}
	epb = rte_pktmbuf_mtod(mc, struct cap_epb *);
	epb->interface_id = s->iface_base + r->iface;
	ns = tsc_to_ns(c, r->tsc);
	epb->timestamp_hi = (uint32_t)(ns >> 32);
	epb->timestamp_lo = (uint32_t)ns;
	return mc;
}

/*
 * Turn frames into their captures' blocks, writing full batches; let go
 * of every frame's reference.
 */
static void
dispatch(struct writer *w, const struct cap_ref *r, unsigned int n)
{
	struct rte_mbuf *orig[CAP_BATCH];
	unsigned int k;

	for (k = 0; k < n; k++) {
		unsigned int i = TAG_SLOT(r[k].tag);
		struct pending *p = &w->pend[i % VSW_CAPTURE_MAX];
		struct rte_mbuf *mc, *seg;

		orig[k] = r[k].m;
		if (i >= VSW_CAPTURE_MAX || !admit(w, i, r[k].tag))
			continue;
		mc = block_of(w, i, &r[k]);
		if (mc == NULL)
			continue;
		if (p->nm == CAP_BATCH ||
				p->niov + mc->nb_segs > IOV_PER_PASS)
			flush(w, i);
		p->m[p->nm++] = mc;
		for (seg = mc; seg != NULL; seg = seg->next) {
			p->iov[p->niov].iov_base = rte_pktmbuf_mtod(seg,
				void *);
			p->iov[p->niov++].iov_len = rte_pktmbuf_data_len(seg);
			p->len += rte_pktmbuf_data_len(seg);
		}
	}
	rte_pktmbuf_free_bulk(orig, n);
	for (k = 0; k < VSW_CAPTURE_MAX; k++)
		flush(w, k);
}

/*
 * Take up to @p most[l] frames (CAP_BATCH with NULL) from each ring;
 * returns how many were taken.
 */
static unsigned int
drain(struct writer *w, const unsigned int *most)
{
	struct vsw_capture *c = w->c;
	struct cap_ref r[CAP_BATCH];
	unsigned int total = 0;
	uint16_t l;

	for (l = 0; l < c->p.nb_lcores; l++) {
		struct rte_ring *ring = __atomic_load_n(&c->lc[l].ring,
			__ATOMIC_ACQUIRE);
		unsigned int left = most != NULL ? most[l] : CAP_BATCH;

		while (ring != NULL && left > 0) {
			unsigned int n = rte_ring_sc_dequeue_burst_elem(
				ring, r, sizeof(r[0]),
				RTE_MIN(left, (unsigned int)CAP_BATCH), NULL);

			if (n == 0)
				break;
			dispatch(w, r, n);
			total += n;
			left -= n;
		}
	}
	return total;
}

/*
 * End capture @p i: no more copies, then the last ones (those already
 * in the rings once the lcores have passed a grace period) are written
 * and the file closed.
 */
static void
finish(struct writer *w, unsigned int i, enum vsw_capture_end e)
{
	struct vsw_capture *c = w->c;
	struct cap_slot *s = &c->slot[i];
	unsigned int most[VSW_MAX_PMD];
	uint16_t l;

	pthread_mutex_lock(&c->lock);
	cap_taps_clear(c, i);
	s->end = e;
	__atomic_store_n(&s->state, VSW_CAPTURE_STOPPING, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
	if (c->p.quiesce != NULL)
		c->p.quiesce(c->p.quiesce_arg);
	for (l = 0; l < c->p.nb_lcores; l++)
		most[l] = c->lc[l].ring != NULL ?
			rte_ring_count(c->lc[l].ring) : 0;
	drain(w, most);
	cap_file_close(s);
	pthread_mutex_lock(&c->lock);
	if (w->failed[i])
		s->end = VSW_CAPTURE_END_ERROR;
	s->end_tsc = rte_rdtsc();
	__atomic_store_n(&s->state, w->failed[i] ? VSW_CAPTURE_FAILED :
		VSW_CAPTURE_DONE, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
	w->failed[i] = false;
	CAP_LOG(INFO, "capture %u to %s ended (%s): %" PRIu64 " frames\n",
		i, s->conf.file, vsw_capture_end_name(s->end), s->written);
}

/* Why running capture @p i should end now, or END_NONE. */
static enum vsw_capture_end
due(const struct writer *w, unsigned int i)
{
	const struct cap_slot *s = &w->c->slot[i];
	uint32_t req = __atomic_load_n(&s->end_req, __ATOMIC_ACQUIRE);

	if (req != 0)
		return (enum vsw_capture_end)req;
	if (w->failed[i])
		return VSW_CAPTURE_END_ERROR;
	if (s->conf.count != 0 && s->written >= s->conf.count)
		return VSW_CAPTURE_END_COUNT;
	if (s->conf.seconds != 0 && rte_rdtsc() - s->start_tsc >=
			(uint64_t)s->conf.seconds * w->c->tsc_hz)
		return VSW_CAPTURE_END_TIME;
	return VSW_CAPTURE_END_NONE;
}

static void
end_due(struct writer *w, bool all)
{
	unsigned int i;

	for (i = 0; i < VSW_CAPTURE_MAX; i++) {
		enum vsw_capture_end e;

		if (__atomic_load_n(&w->c->slot[i].state, __ATOMIC_ACQUIRE) !=
				VSW_CAPTURE_RUNNING)
			continue;
		e = all ? VSW_CAPTURE_END_SHUTDOWN : due(w, i);
		if (e != VSW_CAPTURE_END_NONE)
			finish(w, i, e);
	}
}

/* No capture live: wait (without polling) for one to start, or quit. */
static void
wait_for_work(struct vsw_capture *c)
{
	struct timespec until;
	unsigned int i;
	bool live = false;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < VSW_CAPTURE_MAX; i++)
		live |= c->slot[i].state == VSW_CAPTURE_RUNNING ||
			c->slot[i].state == VSW_CAPTURE_STOPPING;
	if (!live && !__atomic_load_n(&c->quit, __ATOMIC_ACQUIRE)) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += CAP_WAIT_S;
		pthread_cond_timedwait(&c->wake, &c->lock, &until);
	}
	pthread_mutex_unlock(&c->lock);
}

void *
cap_writer_main(void *arg)
{
	struct timespec nap = { 0, CAP_IDLE_NS };
	struct vsw_capture *c = arg;
	struct writer *w;

	/* Allocated before vsw_capture_create() returns: wait for it. */
	while ((w = __atomic_load_n(&c->w, __ATOMIC_ACQUIRE)) == NULL)
		nanosleep(&nap, NULL);
	while (!__atomic_load_n(&c->quit, __ATOMIC_ACQUIRE)) {
		unsigned int n = drain(w, NULL);

		end_due(w, false);
		if (n != 0)
			continue;
		/* Copies of an ended capture may still come: drain them
		 * before waiting long (they hold mbufs of the pool). */
		nanosleep(&nap, NULL);
		if (drain(w, NULL) == 0)
			wait_for_work(c);
	}
	w->quit_tsc = rte_rdtsc();
	drain(w, NULL);
	end_due(w, true);
	return NULL;
}

struct writer *
cap_writer_alloc(struct vsw_capture *c)
{
	struct writer *w = calloc(1, sizeof(*w));

	if (w != NULL)
		w->c = c;
	return w;
}

/* ------------------------------------------------------------------ */
/* The file */

static uint8_t *
add_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	memcpy(p, &code, 2);
	memcpy(p + 2, &len, 2);
	if (len != 0)
		memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, RTE_ALIGN(len, 4) - len);
	return p + 4 + RTE_ALIGN(len, 4);
}

/* One Interface Description Block (pcapng specification, 4.2). */
static int
write_idb(struct cap_slot *s, const char *name, uint16_t port,
	uint32_t snaplen)
{
	uint8_t buf[IDB_MAX], *p = buf + 16;
	uint32_t type = PCAPNG_IDB, len, zero = 0;
	uint16_t link = LINKTYPE_ETHERNET, nlen;
	uint8_t tsresol = 9;	/* nanoseconds */
	char desc[64];

	nlen = (uint16_t)RTE_MIN(strlen(name), (size_t)VSW_CAPTURE_NAME_MAX);
	snprintf(desc, sizeof(desc), "vuswitch port %u", port);
	p = add_opt(p, IF_NAME, name, nlen);
	p = add_opt(p, IF_DESCRIPTION, desc, (uint16_t)strlen(desc));
	p = add_opt(p, IF_TSRESOL, &tsresol, 1);
	p = add_opt(p, OPT_ENDOFOPT, NULL, 0);
	len = (uint32_t)(p - buf) + 4;
	memcpy(buf, &type, 4);
	memcpy(buf + 4, &len, 4);
	memcpy(buf + 8, &link, 2);
	memcpy(buf + 10, &zero, 2);
	memcpy(buf + 12, &snaplen, 4);
	memcpy(p, &len, 4);
	return write(s->fd, buf, len) == (ssize_t)len ? 0 : -EIO;
}

/* Interfaces rte_pcapng_fdopen() described itself: 22.11 lists every
 * ethdev port; later releases none. */
static uint32_t
pcapng_own_ifaces(void)
{
	uint32_t n = 0;
#if RTE_VERSION < RTE_VERSION_NUM(23, 11, 0, 0)
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid)
		n++;
#endif
	return n;
}

static int
open_error(const char *file, int err, char *msg, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", file);
	if (err == ENOENT && stat(dirname(dir), &st) != 0)
		snprintf(msg, len, "directory %s does not exist", dir);
	else if (err == ENXIO)
		snprintf(msg, len, "%s is a pipe nobody reads", file);
	else
		snprintf(msg, len, "cannot open %s: %s", file, strerror(err));
	return -err;
}

int
cap_file_open(struct vsw_capture *c, struct cap_slot *s,
	const struct vsw_capture_spec *spec, char *err, size_t errlen)
{
	char os[2 * sizeof(((struct utsname *)0)->release)], app[64];
	struct utsname u;
	struct stat st;
	uint16_t k;
	int fd;

	RTE_SET_USED(c);
	/* Non-blocking: a pipe without a reader fails here, a full one
	 * makes the writer wait in poll(), where it can be stopped. */
	fd = open(spec->file, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK |
		O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return open_error(spec->file, errno, err, errlen);
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		return open_error(spec->file, EISDIR, err, errlen);
	}
	s->fd = fd;
	s->dev = (uint64_t)st.st_dev;
	s->ino = (uint64_t)st.st_ino;
	snprintf(s->path, sizeof(s->path), "%s", spec->file);
	s->iface_base = pcapng_own_ifaces();
	snprintf(os, sizeof(os), "%s", "Linux");
	if (uname(&u) == 0)
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	snprintf(app, sizeof(app), "vuswitch (%s)", rte_version());
	s->pcapng = rte_pcapng_fdopen(fd, os, NULL, app, NULL);
	if (s->pcapng == NULL) {
		close(fd);
		s->fd = -1;
		snprintf(err, errlen, "cannot write to %s", spec->file);
		return -EIO;
	}
	for (k = 0; k < spec->nb_ports; k++)
		if (write_idb(s, spec->name[k] != NULL ? spec->name[k] : "?",
				spec->port[k], spec->snaplen) != 0) {
			cap_file_close(s);
			snprintf(err, errlen, "cannot write to %s", spec->file);
			return -EIO;
		}
	return 0;
}

void
cap_file_close(struct cap_slot *s)
{
	if (s->pcapng != NULL)
		rte_pcapng_close(s->pcapng);	/* closes the fd */
	else if (s->fd >= 0)
		close(s->fd);
	s->pcapng = NULL;
	s->fd = -1;
}
