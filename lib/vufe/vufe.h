/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vufe internals shared by the control (vufe_ctl.c, vufe_msg.c) and data
 * (vufe_vq.c) halves: wire format, ring layout and the handle.
 */
#ifndef VUFE_H
#define VUFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsw_vufe.h"

/*
 * Wire format: a struct vufe_hdr, then `size` bytes of payload. The
 * numbers and payload layouts are lib/vhu's (vsw_vhu.h).
 */
struct vufe_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

/* Split virtqueue layout (virtio 1.x, little-endian host assumed). */
#define VQ_DESC_F_NEXT 1u
#define VQ_DESC_F_WRITE 2u

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vq_used {
	uint16_t flags;
	uint16_t idx;
	struct vq_used_elem ring[];
};

/* Every buffer: header + largest frame, rounded up. */
#define VUFE_BUF_SIZE 2048u
/* Guest physical address of the start of the memory region. */
#define VUFE_GPA_BASE 0x100000ull

struct vufe_ring {
	struct vq_desc *desc;
	struct vq_avail *avail;
	struct vq_used *used;
	uint8_t *bufs;          /* ring_size buffers of VUFE_BUF_SIZE */
	int kickfd;
	int callfd;
	uint16_t avail_idx;     /* next avail index we publish */
	uint16_t last_used;     /* next used index we harvest */
	uint16_t nb_free;       /* entries in free[] (TX only) */
	uint16_t *free;         /* stack of free descriptor ids (TX) */
	uint8_t *owned;         /* 1 while the device holds the descriptor */
};

struct vsw_vufe {
	int sock;
	int memfd;
	uint8_t *mem;
	size_t mem_size;
	uint16_t ring_size;
	unsigned int timeout_ms;
	bool want_suspend;
	bool broken;            /* message stream no longer trusted */
	struct vufe_ring ring[VSW_VUFE_NB_RINGS];
	struct vsw_vufe_features feat;
	struct vsw_vufe_stats stats;
	char path[VSW_VHU_PATH_MAX + 1];
	char err[256];
};

/* Record a one-line error and return -errnum (errnum > 0). */
int
vufe_fail(struct vsw_vufe *fe, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* vufe_msg.c: one request, and its reply when reply != NULL. */
struct vufe_call {
	uint32_t request;
	uint32_t flags;         /* besides version */
	const void *payload;
	uint32_t size;
	const int *fds;
	unsigned int nb_fds;
	void *reply;            /* NULL: no reply expected */
	uint32_t reply_size;    /* exact payload size expected */
	uint64_t rtt_ns;        /* out */
};

int
vufe_msg_call(struct vsw_vufe *fe, struct vufe_call *c);

/* Send with NEED_REPLY when REPLY_ACK is negotiated, and check for 0. */
int
vufe_msg_set(struct vsw_vufe *fe, uint32_t request, const void *payload,
		uint32_t size, const int *fds, unsigned int nb_fds);

const char *
vufe_req_name(uint32_t request);

/* vufe_vq.c: memory and rings. */
int
vufe_mem_create(struct vsw_vufe *fe);

void
vufe_mem_destroy(struct vsw_vufe *fe);

uint64_t
vufe_gpa(const struct vsw_vufe *fe, const void *p);

void
vufe_rx_fill(struct vsw_vufe *fe);

#endif /* VUFE_H */
