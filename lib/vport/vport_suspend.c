/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SUSPEND and RESUME: the operations (shared by the vhost-user messages
 * and by admin requests) and the rte_vhost external message hook that
 * carries messages 41 and 42.
 *
 * The ack of a SUSPEND carries a guarantee: from then on no lcore touches
 * the device. So the port is parked in the engine's view first, then the
 * control side waits for an RCU grace period (every PMD lcore has passed a
 * quiescent state after the new view was published), and only then does
 * the hook return, after which rte_vhost sends the ack. Messages 41 and 42
 * are handled with no virtqueue lock held, so waiting here cannot deadlock
 * an lcore spinning in rte_vhost_enqueue_burst().
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_vhost.h>

#include "vport.h"

#define VHOST_USER_SUSPEND 41
#define VHOST_USER_RESUME 42
#define VHOST_USER_VERSION_MASK 0x3
#define VHOST_USER_VERSION 0x1
#define VHOST_USER_NEED_REPLY (1u << 3)
#define VHOST_USER_MAX_FDS 8
#define VHOST_USER_PAYLOAD_MAX 632

/*
 * Layout of what rte_vhost hands to the external hooks: DPDK 22.11's
 * struct vhu_msg_context (VhostUserMsg, then the fds). That header is not
 * installed, so the parts we read are mirrored here.
 */
struct vhu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		uint8_t raw[VHOST_USER_PAYLOAD_MAX];
	} payload;
	int fds[VHOST_USER_MAX_FDS];
	int fd_num;
} __rte_packed;

_Static_assert(offsetof(struct vhu_msg, fds) == 644,
	"vhu_msg must mirror DPDK 22.11 struct vhu_msg_context");

static uint64_t
elapsed_us(uint64_t since)
{
	return (rte_get_timer_cycles() - since) * 1000000 /
		rte_get_timer_hz();
}

static void
note_handshake(struct vport *p, uint64_t us, bool ok)
{
	if (!ok) {
		p->stats.suspend_failures++;
		return;
	}
	p->stats.suspends++;
	p->stats.last_handshake_us = us;
	if (us > p->stats.max_handshake_us)
		p->stats.max_handshake_us = us;
}

/* Park the port and wait for the lcores. Caller holds set->lock. */
static int
suspend_locked(struct vsw_vport_set *set, struct vport *p)
{
	uint16_t id = (uint16_t)(p - set->port);
	uint64_t start;
	int ret;

	ret = vsw_fwd_backlog_prepare(set->fwd, id);
	if (ret != 0)
		return ret;
	ret = vsw_port_fsm_step(&p->fsm, VSW_PORT_EV_SUSPEND);
	if (ret != 0)
		return ret > 0 ? 0 : ret;	/* already suspended: no-op */

	start = rte_get_timer_cycles();
	ret = vport_publish(set, p);
	if (ret == 0)
		ret = vsw_fwd_sync(set->fwd, set->suspend_timeout_us);
	if (ret != 0) {
		vsw_port_fsm_step(&p->fsm, VSW_PORT_EV_TIMEOUT);
		vport_publish(set, p);
		note_handshake(p, 0, false);
		VPORT_LOG(ERR, id, "SUSPEND failed: %s; port left %s\n",
			ret == -ETIMEDOUT ?
			"a PMD lcore did not pass a quiescent state in time" :
			strerror(-ret), vsw_port_state_name(p->fsm.state));
		return ret;
	}
	vsw_port_fsm_step(&p->fsm, VSW_PORT_EV_QUIESCED);
	note_handshake(p, elapsed_us(start), true);
	/* DEBUG: a front-end may cycle thousands of times; see telemetry. */
	VPORT_LOG(DEBUG, id, "suspended (handshake %" PRIu64 " us)\n",
		p->stats.last_handshake_us);
	return 0;
}

static int
resume_locked(struct vsw_vport_set *set, struct vport *p)
{
	uint16_t id = (uint16_t)(p - set->port);
	int ret;

	ret = vsw_port_fsm_step(&p->fsm, VSW_PORT_EV_RESUME);
	if (ret != 0)
		return ret > 0 ? 0 : ret;	/* not suspended: no-op */
	vsw_port_fsm_step(&p->fsm, VSW_PORT_EV_RESUMED);
	vport_quiet_kicks(p);	/* deferred if the device started meanwhile */
	ret = vport_publish(set, p);
	if (ret != 0)
		return ret;
	/* Not needed for safety: only so the ack means "running again". */
	if (vsw_fwd_sync(set->fwd, set->suspend_timeout_us) != 0)
		VPORT_LOG(WARNING, id, "resumed, but a PMD lcore is slow to notice\n");
	VPORT_LOG(DEBUG, id, "resumed, now %s\n",
		vsw_port_state_name(p->fsm.state));
	return 0;
}

int
vsw_vport_suspend(struct vsw_vport_set *set, uint16_t port)
{
	int ret;

	if (port >= set->nb_ports)
		return -EINVAL;
	pthread_mutex_lock(&set->lock);
	ret = suspend_locked(set, &set->port[port]);
	pthread_mutex_unlock(&set->lock);
	return ret;
}

int
vsw_vport_resume(struct vsw_vport_set *set, uint16_t port)
{
	int ret;

	if (port >= set->nb_ports)
		return -EINVAL;
	pthread_mutex_lock(&set->lock);
	ret = resume_locked(set, &set->port[port]);
	pthread_mutex_unlock(&set->lock);
	return ret;
}

/* A front-end cannot hand us file descriptors we did not ask for. */
static void
close_fds(struct vhu_msg *m)
{
	int i, n = m->fd_num;

	if (n < 0 || n > VHOST_USER_MAX_FDS)
		n = 0;
	for (i = 0; i < n; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->fd_num = 0;
}

static bool
suspend_negotiated(const struct vport *p, int vid)
{
	uint64_t pf = 0;

	if (!p->conf.suspend)
		return false;
	if (rte_vhost_get_negotiated_protocol_features(vid, &pf) != 0)
		return false;
	return (pf & (1ULL << VSW_VHOST_USER_PROTOCOL_F_SUSPEND)) != 0;
}

/*
 * An error for a message: with NEED_REPLY the front-end gets a non-zero
 * ack; without, ERR would make rte_vhost close the connection, so the
 * message is ignored instead (the caller has logged why).
 */
static enum rte_vhost_msg_result
msg_error(const struct vhu_msg *m)
{
	return (m->flags & VHOST_USER_NEED_REPLY) ?
		RTE_VHOST_MSG_RESULT_ERR : RTE_VHOST_MSG_RESULT_OK;
}

/*
 * QEMU 8.2 and later reuse 41 and 42 with a payload (GET_SHARED_OBJECT,
 * SET_DEVICE_STATE_FD); both expect a u64 reply, non-zero for failure.
 */
static enum rte_vhost_msg_result
reject_payload(struct vhu_msg *m, uint16_t id)
{
	VPORT_LOG(WARNING, id, "message %u with a %u-byte payload is not %s; "
		"rejected\n", m->request, m->size,
		m->request == VHOST_USER_SUSPEND ? "SUSPEND" : "RESUME");
	m->size = sizeof(m->payload.u64);
	m->payload.u64 = 1;
	return RTE_VHOST_MSG_RESULT_REPLY;
}

static enum rte_vhost_msg_result
handle_msg(struct vsw_vport_set *set, struct vport *p, int vid,
	struct vhu_msg *m)
{
	uint16_t id = (uint16_t)(p - set->port);
	bool suspend = m->request == VHOST_USER_SUSPEND;
	const char *name = suspend ? "SUSPEND" : "RESUME";
	int ret;

	if (m->size != 0)
		return reject_payload(m, id);
	if ((m->flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION) {
		VPORT_LOG(WARNING, id, "%s with bad version flags 0x%x\n",
			name, m->flags);
		return msg_error(m);
	}
	if (!suspend_negotiated(p, vid)) {
		VPORT_LOG(WARNING, id, "%s but protocol feature SUSPEND "
			"(bit 18) was not negotiated; %s\n", name,
			(m->flags & VHOST_USER_NEED_REPLY) ?
			"replying with an error" : "ignored");
		return msg_error(m);
	}
	ret = suspend ? suspend_locked(set, p) : resume_locked(set, p);
	if (ret != 0) {
		VPORT_LOG(ERR, id, "%s failed: %s\n", name, strerror(-ret));
		return msg_error(m);
	}
	return RTE_VHOST_MSG_RESULT_OK;	/* rte_vhost sends the ack */
}

static enum rte_vhost_msg_result
vport_pre_msg(int vid, void *msg)
{
	struct vsw_vport_set *set = vport_set;
	struct vhu_msg *m = msg;
	enum rte_vhost_msg_result res;
	struct vport *p;

	if (m->request != VHOST_USER_SUSPEND &&
			m->request != VHOST_USER_RESUME)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	close_fds(m);
	pthread_mutex_lock(&set->lock);
	p = vport_by_vid(set, vid);
	res = p != NULL ? handle_msg(set, p, vid, m) : msg_error(m);
	pthread_mutex_unlock(&set->lock);
	return res;
}

static const struct rte_vhost_user_extern_ops vport_extern_ops = {
	.pre_msg_handle = vport_pre_msg,
};

int
vport_msg_attach(int vid)
{
	return rte_vhost_extern_callback_register(vid, &vport_extern_ops,
		NULL);
}
