/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vufe data side: guest memory (one memfd region), split virtqueues,
 * eventfds, and what the caller can observe of the back-end's writes.
 *
 * Layout, per vring: descriptor table, avail ring, used ring (each on its
 * own page), then ring_size buffers of VUFE_BUF_SIZE bytes. Descriptor i
 * always points at buffer i. The RX vring's descriptors are device-
 * writable; TX descriptors are taken from a free stack and given back
 * when the back-end reports them used.
 */

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vufe.h"

#define PAGE_SIZE_VUFE 4096u

static size_t
align_page(size_t n)
{
	return (n + PAGE_SIZE_VUFE - 1) & ~(size_t)(PAGE_SIZE_VUFE - 1);
}

static size_t
ring_area_size(uint16_t n)
{
	return align_page(sizeof(struct vq_desc) * n) +
		align_page(sizeof(struct vq_avail) + sizeof(uint16_t) * n + 2) +
		align_page(sizeof(struct vq_used) +
			sizeof(struct vq_used_elem) * n + 2) +
		(size_t)n * VUFE_BUF_SIZE;
}

uint64_t
vufe_gpa(const struct vsw_vufe *fe, const void *p)
{
	return VUFE_GPA_BASE + (uint64_t)((const uint8_t *)p - fe->mem);
}

/* Carve one vring out of guest memory at *off. */
static void
ring_layout(struct vsw_vufe *fe, struct vufe_ring *r, size_t *off)
{
	uint16_t n = fe->ring_size;

	r->desc = (struct vq_desc *)(void *)(fe->mem + *off);
	*off += align_page(sizeof(struct vq_desc) * n);
	r->avail = (struct vq_avail *)(void *)(fe->mem + *off);
	*off += align_page(sizeof(struct vq_avail) + sizeof(uint16_t) * n + 2);
	r->used = (struct vq_used *)(void *)(fe->mem + *off);
	*off += align_page(sizeof(struct vq_used) +
		sizeof(struct vq_used_elem) * n + 2);
	r->bufs = fe->mem + *off;
	*off += (size_t)n * VUFE_BUF_SIZE;
}

static int
ring_create(struct vsw_vufe *fe, unsigned int idx, size_t *off)
{
	struct vufe_ring *r = &fe->ring[idx];
	uint16_t i, n = fe->ring_size;

	ring_layout(fe, r, off);
	r->free = calloc(n, sizeof(*r->free));
	r->owned = calloc(n, sizeof(*r->owned));
	if (r->free == NULL || r->owned == NULL)
		return vufe_fail(fe, ENOMEM, "out of memory");
	r->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->callfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->kickfd < 0 || r->callfd < 0)
		return vufe_fail(fe, errno, "eventfd: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		r->desc[i].addr = vufe_gpa(fe, r->bufs + (size_t)i * VUFE_BUF_SIZE);
		r->desc[i].len = VUFE_BUF_SIZE;
		r->desc[i].flags = idx == VSW_VUFE_RX_RING ? VQ_DESC_F_WRITE : 0;
		r->desc[i].next = 0;
		if (idx == VSW_VUFE_TX_RING)
			r->free[r->nb_free++] = (uint16_t)(n - 1 - i);
	}
	return 0;
}

int
vufe_mem_create(struct vsw_vufe *fe)
{
	size_t off = 0;
	unsigned int i;
	int r;

	for (i = 0; i < VSW_VUFE_NB_RINGS; i++)
		fe->ring[i].kickfd = fe->ring[i].callfd = -1;
	fe->mem_size = ring_area_size(fe->ring_size) * VSW_VUFE_NB_RINGS;
	fe->memfd = memfd_create("vufe-guest", MFD_CLOEXEC);
	if (fe->memfd < 0)
		return vufe_fail(fe, errno, "memfd_create: %s", strerror(errno));
	if (ftruncate(fe->memfd, (off_t)fe->mem_size) < 0)
		return vufe_fail(fe, errno, "ftruncate: %s", strerror(errno));
	fe->mem = mmap(NULL, fe->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		fe->memfd, 0);
	if (fe->mem == MAP_FAILED) {
		fe->mem = NULL;
		return vufe_fail(fe, errno, "mmap: %s", strerror(errno));
	}
	for (i = 0; i < VSW_VUFE_NB_RINGS; i++) {
		r = ring_create(fe, i, &off);
		if (r < 0)
			return r;
	}
	return 0;
}

void
vufe_mem_destroy(struct vsw_vufe *fe)
{
	unsigned int i;

	for (i = 0; i < VSW_VUFE_NB_RINGS; i++) {
		struct vufe_ring *r = &fe->ring[i];

		if (r->kickfd >= 0)
			close(r->kickfd);
		if (r->callfd >= 0)
			close(r->callfd);
		r->kickfd = r->callfd = -1;
		free(r->free);
		free(r->owned);
		r->free = NULL;
		r->owned = NULL;
	}
	if (fe->mem != NULL)
		munmap(fe->mem, fe->mem_size);
	fe->mem = NULL;
	if (fe->memfd >= 0)
		close(fe->memfd);
	fe->memfd = -1;
}

static void
avail_publish(struct vufe_ring *r)
{
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
}

void
vufe_rx_fill(struct vsw_vufe *fe)
{
	struct vufe_ring *r = &fe->ring[VSW_VUFE_RX_RING];
	uint16_t mask = fe->ring_size - 1;
	uint16_t i;

	for (i = 0; i < fe->ring_size; i++) {
		if (r->owned[i])
			continue;
		r->avail->ring[r->avail_idx & mask] = i;
		r->avail_idx++;
		r->owned[i] = 1;
	}
	avail_publish(r);
}

/*
 * Fetch the next used entry, if any, and check it.
 * Returns 1 with *e filled, 0 if none, or -EPROTO.
 */
static int
used_next(struct vsw_vufe *fe, unsigned int idx, struct vq_used_elem *e)
{
	struct vufe_ring *r = &fe->ring[idx];
	uint16_t used = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(used - r->last_used);
	const struct vq_used_elem *u;

	if (pending == 0)
		return 0;
	if (pending > fe->ring_size) {
		fe->stats.bad_used++;
		return vufe_fail(fe, EPROTO,
			"vring %u: used idx %u is %u ahead of %u (ring size %u)",
			idx, used, pending, r->last_used, fe->ring_size);
	}
	u = &r->used->ring[r->last_used & (fe->ring_size - 1)];
	e->id = __atomic_load_n(&u->id, __ATOMIC_RELAXED);
	e->len = __atomic_load_n(&u->len, __ATOMIC_RELAXED);
	if (e->id >= fe->ring_size || !r->owned[e->id]) {
		fe->stats.bad_used++;
		return vufe_fail(fe, EPROTO,
			"vring %u: used entry %u names descriptor %u, %s",
			idx, r->last_used, e->id,
			e->id >= fe->ring_size ? "out of range" :
			"which the device does not hold");
	}
	if (idx == VSW_VUFE_RX_RING &&
			(e->len < VSW_VUFE_NET_HDR_LEN || e->len > VUFE_BUF_SIZE)) {
		fe->stats.bad_used++;
		return vufe_fail(fe, EPROTO,
			"vring %u: used entry %u has length %u", idx,
			r->last_used, e->len);
	}
	r->owned[e->id] = 0;
	r->last_used++;
	return 1;
}

int
vsw_vufe_rx_harvest(struct vsw_vufe *fe, unsigned int max,
		vsw_vufe_rx_cb cb, void *arg)
{
	struct vufe_ring *r = &fe->ring[VSW_VUFE_RX_RING];
	uint16_t mask = fe->ring_size - 1;
	struct vq_used_elem e = { 0, 0 };
	unsigned int n = 0;
	uint8_t *buf;
	int ret = 0;

	while (n < max) {
		ret = used_next(fe, VSW_VUFE_RX_RING, &e);
		if (ret <= 0)
			break;
		buf = r->bufs + (size_t)e.id * VUFE_BUF_SIZE;
		if (cb != NULL)
			cb(arg, buf + VSW_VUFE_NET_HDR_LEN,
				e.len - VSW_VUFE_NET_HDR_LEN);
		r->desc[e.id].addr = vufe_gpa(fe, buf);
		r->desc[e.id].len = VUFE_BUF_SIZE;
		r->desc[e.id].flags = VQ_DESC_F_WRITE;
		r->avail->ring[r->avail_idx & mask] = (uint16_t)e.id;
		r->avail_idx++;
		r->owned[e.id] = 1;
		n++;
	}
	if (n > 0)
		avail_publish(r);
	fe->stats.rx_received += n;
	return ret < 0 ? ret : (int)n;
}

int
vsw_vufe_tx_post(struct vsw_vufe *fe, const void *frame, uint32_t len)
{
	struct vufe_ring *r = &fe->ring[VSW_VUFE_TX_RING];
	uint16_t id;
	uint8_t *buf;

	if (len == 0 || len > VSW_VUFE_FRAME_MAX || frame == NULL)
		return vufe_fail(fe, EINVAL, "tx: bad frame length %u", len);
	if (r->nb_free == 0)
		return -ENOSPC;
	id = r->free[--r->nb_free];
	buf = r->bufs + (size_t)id * VUFE_BUF_SIZE;
	memset(buf, 0, VSW_VUFE_NET_HDR_LEN);
	memcpy(buf + VSW_VUFE_NET_HDR_LEN, frame, len);
	r->desc[id].addr = vufe_gpa(fe, buf);
	r->desc[id].len = VSW_VUFE_NET_HDR_LEN + len;
	r->desc[id].flags = 0;
	r->desc[id].next = 0;
	r->avail->ring[r->avail_idx & (fe->ring_size - 1)] = id;
	r->avail_idx++;
	r->owned[id] = 1;
	avail_publish(r);
	fe->stats.tx_posted++;
	return 0;
}

int
vsw_vufe_tx_reclaim(struct vsw_vufe *fe)
{
	struct vufe_ring *r = &fe->ring[VSW_VUFE_TX_RING];
	struct vq_used_elem e = { 0, 0 };
	int n = 0, ret;

	while ((ret = used_next(fe, VSW_VUFE_TX_RING, &e)) > 0) {
		r->free[r->nb_free++] = (uint16_t)e.id;
		n++;
	}
	fe->stats.tx_completed += (uint64_t)n;
	return ret < 0 ? ret : n;
}

unsigned int
vsw_vufe_tx_free(const struct vsw_vufe *fe)
{
	return fe->ring[VSW_VUFE_TX_RING].nb_free;
}

int
vsw_vufe_kick(struct vsw_vufe *fe, unsigned int ring)
{
	uint64_t one = 1;

	if (ring >= VSW_VUFE_NB_RINGS)
		return -EINVAL;
	if (write(fe->ring[ring].kickfd, &one, sizeof(one)) != sizeof(one))
		return vufe_fail(fe, errno, "kick vring %u: %s", ring,
			strerror(errno));
	fe->stats.kicks++;
	return 0;
}

int
vsw_vufe_call_signalled(struct vsw_vufe *fe, unsigned int ring)
{
	uint64_t v;
	ssize_t n;

	if (ring >= VSW_VUFE_NB_RINGS)
		return -EINVAL;
	n = read(fe->ring[ring].callfd, &v, sizeof(v));
	if (n == sizeof(v))
		return 1;
	if (n < 0 && errno == EAGAIN)
		return 0;
	return vufe_fail(fe, n < 0 ? errno : EIO, "read call eventfd %u",
		ring);
}

int
vsw_vufe_call_fd(const struct vsw_vufe *fe, unsigned int ring)
{
	return ring < VSW_VUFE_NB_RINGS ? fe->ring[ring].callfd : -1;
}

uint16_t
vsw_vufe_used_idx(const struct vsw_vufe *fe, unsigned int ring)
{
	if (ring >= VSW_VUFE_NB_RINGS)
		return 0;
	return __atomic_load_n(&fe->ring[ring].used->idx, __ATOMIC_ACQUIRE);
}

uint16_t
vsw_vufe_avail_idx(const struct vsw_vufe *fe, unsigned int ring)
{
	return ring < VSW_VUFE_NB_RINGS ? fe->ring[ring].avail_idx : 0;
}

uint64_t
vsw_vufe_mem_checksum(const struct vsw_vufe *fe)
{
	const uint64_t *w = (const uint64_t *)(const void *)fe->mem;
	size_t i, n = fe->mem_size / sizeof(uint64_t);
	uint64_t h = 0xcbf29ce484222325ull, v;

	for (i = 0; i < n; i++) {
		v = __atomic_load_n(&w[i], __ATOMIC_RELAXED);
		h = (h ^ v) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

size_t
vsw_vufe_mem_size(const struct vsw_vufe *fe)
{
	return fe->mem_size;
}
