/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vufe life cycle: connecting (or accepting), feature negotiation, and
 * the message sequences that start the device and restart a vring.
 */

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_config.h>

#include "vufe.h"

static int
make_addr(struct vsw_vufe *fe, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(fe->path) >= sizeof(sa->sun_path))
		return vufe_fail(fe, ENAMETOOLONG, "socket path too long: %s",
			fe->path);
	strcpy(sa->sun_path, fe->path);
	return 0;
}

static int
do_connect(struct vsw_vufe *fe)
{
	struct sockaddr_un sa;
	int r;

	r = make_addr(fe, &sa);
	if (r < 0)
		return r;
	fe->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fe->sock < 0)
		return vufe_fail(fe, errno, "socket: %s", strerror(errno));
	if (connect(fe->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return vufe_fail(fe, errno, "connect to %s: %s", fe->path,
			strerror(errno));
	return 0;
}

static int
do_accept(struct vsw_vufe *fe)
{
	struct pollfd pfd = { .events = POLLIN };
	struct sockaddr_un sa;
	int r, ls;

	r = make_addr(fe, &sa);
	if (r < 0)
		return r;
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0)
		return vufe_fail(fe, errno, "socket: %s", strerror(errno));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
			listen(ls, 1) < 0) {
		r = vufe_fail(fe, errno, "listen on %s: %s", fe->path,
			strerror(errno));
		close(ls);
		return r;
	}
	pfd.fd = ls;
	r = poll(&pfd, 1, (int)fe->timeout_ms);
	if (r > 0)
		fe->sock = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (r <= 0 || fe->sock < 0)
		r = vufe_fail(fe, r == 0 ? ETIMEDOUT : errno,
			"no back-end connected to %s within %u ms", fe->path,
			fe->timeout_ms);
	else
		r = 0;
	close(ls);
	unlink(fe->path);
	return r;
}

static int
check_params(const struct vsw_vufe_params *p, char *err, size_t errlen)
{
	uint16_t n = p->ring_size;

	if (p->path == NULL || p->path[0] == '\0') {
		snprintf(err, errlen, "no socket path");
		return -EINVAL;
	}
	if (n != 0 && (n < 2 || n > VSW_VUFE_RING_SIZE_MAX ||
			(n & (n - 1)) != 0)) {
		snprintf(err, errlen, "ring size %u is not a power of two "
			"in [2, %u]", n, VSW_VUFE_RING_SIZE_MAX);
		return -EINVAL;
	}
	return 0;
}

struct vsw_vufe *
vsw_vufe_open(const struct vsw_vufe_params *p, char *err, size_t errlen)
{
	char dummy[8];
	struct vsw_vufe *fe;
	int r;

	if (err == NULL) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	r = check_params(p, err, errlen);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	fe = calloc(1, sizeof(*fe));
	if (fe == NULL) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	fe->sock = -1;
	fe->memfd = -1;
	fe->ring_size = p->ring_size ? p->ring_size : VSW_VUFE_RING_SIZE_DEFAULT;
	fe->timeout_ms = p->timeout_ms ? p->timeout_ms :
		VSW_VUFE_TIMEOUT_MS_DEFAULT;
	fe->want_suspend = p->want_suspend;
	snprintf(fe->path, sizeof(fe->path), "%s", p->path);
	r = vufe_mem_create(fe);
	if (r == 0)
		r = p->listen ? do_accept(fe) : do_connect(fe);
	if (r < 0) {
		snprintf(err, errlen, "%s", fe->err);
		vsw_vufe_close(fe);
		errno = -r;
		return NULL;
	}
	return fe;
}

void
vsw_vufe_close(struct vsw_vufe *fe)
{
	if (fe == NULL)
		return;
	if (fe->sock >= 0)
		close(fe->sock);
	vufe_mem_destroy(fe);
	free(fe);
}

const char *
vsw_vufe_last_error(const struct vsw_vufe *fe)
{
	return fe->err;
}

void
vsw_vufe_get_features(const struct vsw_vufe *fe,
		struct vsw_vufe_features *out)
{
	*out = fe->feat;
}

const struct vsw_vufe_stats *
vsw_vufe_get_stats(const struct vsw_vufe *fe)
{
	return &fe->stats;
}

static int
get_u64(struct vsw_vufe *fe, uint32_t request, uint64_t *v)
{
	struct vufe_call c = {
		.request = request, .reply = v, .reply_size = sizeof(*v),
	};

	return vufe_msg_call(fe, &c);
}

int
vsw_vufe_query(struct vsw_vufe *fe)
{
	int r;

	r = get_u64(fe, VSW_VHU_GET_FEATURES, &fe->feat.offered);
	if (r < 0)
		return r;
	if (!(fe->feat.offered & (1ull << VSW_VHU_F_PROTOCOL_FEATURES)))
		return 0;
	return get_u64(fe, VSW_VHU_GET_PROTOCOL_FEATURES,
		&fe->feat.protocol_offered);
}

static int
require(struct vsw_vufe *fe, uint64_t set, unsigned int bit,
		const char *what)
{
	if (set & (1ull << bit))
		return 0;
	return vufe_fail(fe, ENOTSUP, "back-end does not offer %s (bit %u)",
		what, bit);
}

int
vsw_vufe_negotiate(struct vsw_vufe *fe)
{
	uint64_t pf, f;
	int r;

	r = vsw_vufe_query(fe);
	if (r == 0)
		r = require(fe, fe->feat.offered, VIRTIO_F_VERSION_1,
			"VIRTIO_F_VERSION_1");
	if (r == 0)
		r = require(fe, fe->feat.offered, VSW_VHU_F_PROTOCOL_FEATURES,
			"VHOST_USER_F_PROTOCOL_FEATURES");
	if (r == 0)
		r = require(fe, fe->feat.protocol_offered,
			VSW_VHU_PROTOCOL_F_REPLY_ACK,
			"VHOST_USER_PROTOCOL_F_REPLY_ACK");
	if (r < 0)
		return r;
	pf = 1ull << VSW_VHU_PROTOCOL_F_REPLY_ACK;
	if (fe->want_suspend && (fe->feat.protocol_offered &
			(1ull << VSW_VHU_PROTOCOL_F_SUSPEND)))
		pf |= 1ull << VSW_VHU_PROTOCOL_F_SUSPEND;
	/* Sent without NEED_REPLY: REPLY_ACK is not in force yet. */
	r = vufe_msg_set(fe, VSW_VHU_SET_PROTOCOL_FEATURES, &pf, sizeof(pf),
		NULL, 0);
	if (r < 0)
		return r;
	fe->feat.protocol_acked = pf;
	r = vufe_msg_set(fe, VSW_VHU_SET_OWNER, NULL, 0, NULL, 0);
	if (r < 0)
		return r;
	f = (1ull << VIRTIO_F_VERSION_1) |
		(1ull << VSW_VHU_F_PROTOCOL_FEATURES);
	r = vufe_msg_set(fe, VSW_VHU_SET_FEATURES, &f, sizeof(f), NULL, 0);
	if (r == 0)
		fe->feat.acked = f;
	return r;
}

static int
set_mem_table(struct vsw_vufe *fe)
{
	struct vsw_vhu_mem_table mt = {
		.nregions = 1,
		.regions[0] = {
			.guest_phys_addr = VUFE_GPA_BASE,
			.memory_size = fe->mem_size,
			.userspace_addr = (uint64_t)(uintptr_t)fe->mem,
			.mmap_offset = 0,
		},
	};

	/* As QEMU does: the header and the regions used, no more. */
	return vufe_msg_set(fe, VSW_VHU_SET_MEM_TABLE, &mt,
		offsetof(struct vsw_vhu_mem_table, regions[1]), &fe->memfd, 1);
}

static int
set_state(struct vsw_vufe *fe, uint32_t request, unsigned int ring,
		uint32_t num)
{
	struct vsw_vhu_vring_state st = { .index = ring, .num = num };

	return vufe_msg_set(fe, request, &st, sizeof(st), NULL, 0);
}

static int
set_fd(struct vsw_vufe *fe, uint32_t request, unsigned int ring, int fd)
{
	uint64_t v = ring;

	return vufe_msg_set(fe, request, &v, sizeof(v), &fd, 1);
}

/* SET_VRING_NUM, BASE, ADDR, KICK, CALL for one vring. */
static int
ring_setup(struct vsw_vufe *fe, unsigned int idx, uint16_t base)
{
	struct vufe_ring *r = &fe->ring[idx];
	struct vsw_vhu_vring_addr a = {
		.index = idx,
		.desc_user_addr = (uint64_t)(uintptr_t)r->desc,
		.used_user_addr = (uint64_t)(uintptr_t)r->used,
		.avail_user_addr = (uint64_t)(uintptr_t)r->avail,
	};
	int ret;

	ret = set_state(fe, VSW_VHU_SET_VRING_NUM, idx, fe->ring_size);
	if (ret == 0)
		ret = set_state(fe, VSW_VHU_SET_VRING_BASE, idx, base);
	if (ret == 0)
		ret = vufe_msg_set(fe, VSW_VHU_SET_VRING_ADDR, &a, sizeof(a),
			NULL, 0);
	if (ret == 0)
		ret = set_fd(fe, VSW_VHU_SET_VRING_KICK, idx, r->kickfd);
	if (ret == 0)
		ret = set_fd(fe, VSW_VHU_SET_VRING_CALL, idx, r->callfd);
	return ret;
}

int
vsw_vufe_start(struct vsw_vufe *fe)
{
	unsigned int i;
	int r;

	if (fe->feat.acked == 0)
		return vufe_fail(fe, EINVAL, "start: features not negotiated");
	vufe_rx_fill(fe);
	r = set_mem_table(fe);
	for (i = 0; r == 0 && i < VSW_VUFE_NB_RINGS; i++)
		r = ring_setup(fe, i, 0);
	for (i = 0; r == 0 && i < VSW_VUFE_NB_RINGS; i++)
		r = set_state(fe, VSW_VHU_SET_VRING_ENABLE, i, 1);
	return r;
}

int
vsw_vufe_ring_restart(struct vsw_vufe *fe, unsigned int ring,
		uint16_t base)
{
	int r;

	if (ring >= VSW_VUFE_NB_RINGS)
		return vufe_fail(fe, EINVAL, "restart: no vring %u", ring);
	r = ring_setup(fe, ring, base);
	if (r == 0)
		r = set_state(fe, VSW_VHU_SET_VRING_ENABLE, ring, 1);
	return r;
}
