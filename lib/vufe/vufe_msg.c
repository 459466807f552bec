/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vufe control channel: framing of vhost-user messages on the unix
 * socket, file descriptor passing, and checked replies.
 *
 * A request whose reply does not arrive in time, or arrives malformed,
 * marks the handle broken: a late or stray reply would otherwise be taken
 * for the answer to the next request.
 */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vufe.h"

#define MSG_BUF_SIZE (VSW_VHU_HDR_SIZE + VSW_VUFE_PAYLOAD_MAX)
/* Largest reply payload we accept: vring state, u64, features. */
#define REPLY_MAX 64u

int
vufe_fail(struct vsw_vufe *fe, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fe->err, sizeof(fe->err), fmt, ap);
	va_end(ap);
	return -errnum;
}

const char *
vufe_req_name(uint32_t request)
{
	switch (request) {
	case VSW_VHU_GET_FEATURES: return "GET_FEATURES";
	case VSW_VHU_SET_FEATURES: return "SET_FEATURES";
	case VSW_VHU_SET_OWNER: return "SET_OWNER";
	case VSW_VHU_SET_MEM_TABLE: return "SET_MEM_TABLE";
	case VSW_VHU_SET_VRING_NUM: return "SET_VRING_NUM";
	case VSW_VHU_SET_VRING_ADDR: return "SET_VRING_ADDR";
	case VSW_VHU_SET_VRING_BASE: return "SET_VRING_BASE";
	case VSW_VHU_GET_VRING_BASE: return "GET_VRING_BASE";
	case VSW_VHU_SET_VRING_KICK: return "SET_VRING_KICK";
	case VSW_VHU_SET_VRING_CALL: return "SET_VRING_CALL";
	case VSW_VHU_GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
	case VSW_VHU_SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
	case VSW_VHU_SET_VRING_ENABLE: return "SET_VRING_ENABLE";
	case VSW_VHU_SUSPEND: return "SUSPEND";
	case VSW_VHU_RESUME: return "RESUME";
	default: return "message";
	}
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
put_fds(struct msghdr *mh, char *ctl, size_t ctl_size, const int *fds,
		unsigned int nb_fds)
{
	struct cmsghdr *cm;
	size_t len = nb_fds * sizeof(int);

	memset(ctl, 0, ctl_size);
	mh->msg_control = ctl;
	mh->msg_controllen = CMSG_SPACE(len);
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cm), fds, len);
}

/* Send the whole buffer; the fds go with the first byte. */
static int
send_all(struct vsw_vufe *fe, const uint8_t *buf, size_t len,
		const int *fds, unsigned int nb_fds)
{
	char ctl[CMSG_SPACE(VSW_VHU_MAX_FDS * sizeof(int))];
	struct msghdr mh;
	struct iovec iov;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = (void *)(uintptr_t)(buf + done);
		iov.iov_len = len - done;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (done == 0 && nb_fds > 0)
			put_fds(&mh, ctl, sizeof(ctl), fds, nb_fds);
		n = sendmsg(fe->sock, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vufe_fail(fe, errno == EPIPE ? EPIPE : errno,
				"send to %s: %s", fe->path, strerror(errno));
		done += (size_t)n;
	}
	return 0;
}

/* Close any fds that came with a reply; returns how many there were. */
static unsigned int
drop_fds(struct msghdr *mh)
{
	struct cmsghdr *cm;
	unsigned int nb = 0;
	size_t i, cnt;
	int fd;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < cnt; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			close(fd);
			nb++;
		}
	}
	return nb;
}

/* Wait until the socket is readable or the deadline passes. */
static int
wait_readable(struct vsw_vufe *fe, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fe->sock, .events = POLLIN };
	uint64_t now;
	int ms, r;

	for (;;) {
		now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		ms = (int)((deadline - now + 999999) / 1000000);
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* Read exactly len bytes before the deadline. */
static int
recv_exact(struct vsw_vufe *fe, void *buf, size_t len, uint64_t deadline,
		unsigned int *nb_fds)
{
	char ctl[CMSG_SPACE(VSW_VHU_MAX_FDS * sizeof(int))];
	struct msghdr mh;
	struct iovec iov;
	size_t done = 0;
	ssize_t n;
	int r;

	while (done < len) {
		r = wait_readable(fe, deadline);
		if (r < 0)
			return r;
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = (uint8_t *)buf + done;
		iov.iov_len = len - done;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		n = recvmsg(fe->sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		*nb_fds += drop_fds(&mh);
		done += (size_t)n;
	}
	return 0;
}

static int
check_reply_hdr(struct vsw_vufe *fe, const struct vufe_call *c,
		const struct vufe_hdr *h, unsigned int nb_fds)
{
	const char *name = vufe_req_name(c->request);

	if (h->request != c->request)
		return vufe_fail(fe, EPROTO,
			"%s (%u): reply carries request id %u",
			name, c->request, h->request);
	if ((h->flags & VSW_VHU_VERSION_MASK) != VSW_VHU_VERSION)
		return vufe_fail(fe, EPROTO,
			"%s (%u): reply has version %u, not 1",
			name, c->request, h->flags & VSW_VHU_VERSION_MASK);
	if (!(h->flags & VSW_VHU_FLAG_REPLY))
		return vufe_fail(fe, EPROTO,
			"%s (%u): reply lacks the REPLY flag (flags 0x%x)",
			name, c->request, h->flags);
	if (h->size != c->reply_size)
		return vufe_fail(fe, EPROTO,
			"%s (%u): reply payload is %u bytes, expected %u",
			name, c->request, h->size, c->reply_size);
	if (nb_fds != 0)
		return vufe_fail(fe, EPROTO,
			"%s (%u): reply carried %u file descriptors",
			name, c->request, nb_fds);
	return 0;
}

static int
read_reply(struct vsw_vufe *fe, struct vufe_call *c, uint64_t deadline)
{
	uint8_t payload[REPLY_MAX];
	const char *name = vufe_req_name(c->request);
	unsigned int nb_fds = 0;
	struct vufe_hdr h;
	int r;

	r = recv_exact(fe, &h, sizeof(h), deadline, &nb_fds);
	if (r == -ETIMEDOUT)
		return vufe_fail(fe, ETIMEDOUT, "%s (%u): no reply within %u ms",
			name, c->request, fe->timeout_ms);
	if (r < 0)
		return vufe_fail(fe, -r, "%s (%u): reading reply: %s",
			name, c->request,
			r == -EPIPE ? "connection closed by back-end" :
			strerror(-r));
	r = check_reply_hdr(fe, c, &h, nb_fds);
	if (r < 0)
		return r;
	r = recv_exact(fe, payload, h.size, deadline, &nb_fds);
	if (r < 0)
		return vufe_fail(fe, -r, "%s (%u): reading reply payload: %s",
			name, c->request, strerror(-r));
	if (nb_fds != 0)
		return vufe_fail(fe, EPROTO, "%s (%u): reply carried fds",
			name, c->request);
	memcpy(c->reply, payload, h.size);
	return 0;
}

int
vufe_msg_call(struct vsw_vufe *fe, struct vufe_call *c)
{
	uint8_t buf[MSG_BUF_SIZE];
	struct vufe_hdr h;
	uint64_t t0;
	int r;

	if (fe->broken || fe->sock < 0)
		return vufe_fail(fe, EPIPE, "%s: connection is %s",
			vufe_req_name(c->request),
			fe->sock < 0 ? "closed" : "broken by an earlier error");
	if (c->size > VSW_VUFE_PAYLOAD_MAX || c->nb_fds > VSW_VHU_MAX_FDS ||
			c->reply_size > REPLY_MAX ||
			(c->size > 0 && c->payload == NULL))
		return vufe_fail(fe, EINVAL, "%s: bad message parameters",
			vufe_req_name(c->request));
	h.request = c->request;
	h.flags = VSW_VHU_VERSION | c->flags;
	h.size = c->size;
	memcpy(buf, &h, sizeof(h));
	if (c->size > 0)
		memcpy(buf + sizeof(h), c->payload, c->size);

	fe->stats.requests++;
	t0 = now_ns();
	r = send_all(fe, buf, sizeof(h) + c->size, c->fds, c->nb_fds);
	if (r == 0 && c->reply != NULL)
		r = read_reply(fe, c, t0 + (uint64_t)fe->timeout_ms * 1000000ull);
	c->rtt_ns = now_ns() - t0;
	if (r < 0)
		fe->broken = true;
	return r;
}

int
vufe_msg_set(struct vsw_vufe *fe, uint32_t request, const void *payload,
		uint32_t size, const int *fds, unsigned int nb_fds)
{
	struct vufe_call c = {
		.request = request, .payload = payload, .size = size,
		.fds = fds, .nb_fds = nb_fds,
	};
	uint64_t ack = 0;
	int r;

	if (fe->feat.protocol_acked &
			(1ull << VSW_VHU_PROTOCOL_F_REPLY_ACK)) {
		c.flags = VSW_VHU_FLAG_NEED_REPLY;
		c.reply = &ack;
		c.reply_size = sizeof(ack);
	}
	r = vufe_msg_call(fe, &c);
	if (r < 0)
		return r;
	if (ack != 0)
		return vufe_fail(fe, EIO, "%s (%u): back-end replied %llu",
			vufe_req_name(request), request,
			(unsigned long long)ack);
	return 0;
}

int
vsw_vufe_request(struct vsw_vufe *fe, const struct vsw_vufe_req *req,
		uint64_t *reply, uint64_t *rtt_ns)
{
	uint64_t ack = 0;
	struct vufe_call c = {
		.request = req->request, .flags = req->extra_flags,
		.payload = req->payload, .size = req->size,
		.fds = req->fds, .nb_fds = req->nb_fds,
	};
	int r;

	if (req->need_reply) {
		c.flags |= VSW_VHU_FLAG_NEED_REPLY;
		c.reply = &ack;
		c.reply_size = sizeof(ack);
	}
	r = vufe_msg_call(fe, &c);
	if (rtt_ns != NULL)
		*rtt_ns = c.rtt_ns;
	if (r == 0 && reply != NULL)
		*reply = ack;
	return r;
}

int
vsw_vufe_suspend(struct vsw_vufe *fe, uint64_t *reply, uint64_t *rtt_ns)
{
	struct vsw_vufe_req req = {
		.request = VSW_VHU_SUSPEND, .need_reply = true,
	};

	return vsw_vufe_request(fe, &req, reply, rtt_ns);
}

int
vsw_vufe_resume(struct vsw_vufe *fe, uint64_t *reply, uint64_t *rtt_ns)
{
	struct vsw_vufe_req req = {
		.request = VSW_VHU_RESUME, .need_reply = true,
	};

	return vsw_vufe_request(fe, &req, reply, rtt_ns);
}

int
vsw_vufe_get_vring_base(struct vsw_vufe *fe, unsigned int ring,
		uint32_t *num, uint64_t *rtt_ns)
{
	struct vsw_vhu_vring_state st = { .index = ring }, ans;
	struct vufe_call c = {
		.request = VSW_VHU_GET_VRING_BASE,
		.payload = &st, .size = sizeof(st),
		.reply = &ans, .reply_size = sizeof(ans),
	};
	int r;

	if (ring >= VSW_VUFE_NB_RINGS)
		return vufe_fail(fe, EINVAL, "GET_VRING_BASE: no vring %u",
			ring);
	r = vufe_msg_call(fe, &c);
	if (rtt_ns != NULL)
		*rtt_ns = c.rtt_ns;
	if (r < 0)
		return r;
	if (ans.index != ring) {
		fe->broken = true;
		return vufe_fail(fe, EPROTO,
			"GET_VRING_BASE (11): asked for vring %u, reply names %u",
			ring, ans.index);
	}
	*num = ans.num;
	return 0;
}

int
vsw_vufe_ping(struct vsw_vufe *fe, uint64_t *features)
{
	uint64_t f = 0;
	struct vufe_call c = {
		.request = VSW_VHU_GET_FEATURES,
		.reply = &f, .reply_size = sizeof(f),
	};
	int r;

	r = vufe_msg_call(fe, &c);
	if (r == 0 && features != NULL)
		*features = f;
	return r;
}
