/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SUSPEND and RESUME: the operations, shared by the vhost-user messages
 * 41 and 42 (which vport_msg.c's hook hands to vport_suspend_msg()) and
 * by admin requests.
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
#include "vport_dpdk_compat.h"
#include "vsw_vhu.h"

static uint64_t
elapsed_us(uint64_t since)
{
	return (rte_get_timer_cycles() - since) * 1000000 /
		rte_get_timer_hz();
}

static void
note_handshake(struct vport *p, uint64_t us, bool ok)
{
	static const uint32_t bounds[] = VSW_VPORT_HS_BOUNDS_US;
	unsigned int b = 0;

	if (!ok) {
		p->stats.suspend_failures++;
		return;
	}
	RTE_BUILD_BUG_ON(RTE_DIM(bounds) + 1 != VSW_VPORT_HS_BUCKETS);
	while (b < RTE_DIM(bounds) && us > bounds[b])
		b++;
	p->stats.handshake_hist[b]++;
	p->stats.handshake_sum_us += us;
	p->stats.suspends++;
	p->stats.last_handshake_us = us;
	if (us > p->stats.max_handshake_us)
		p->stats.max_handshake_us = us;
}

int
vport_suspend_locked(struct vsw_vport_set *set, struct vport *p)
{
	uint16_t id = vport_id(set, p);
	uint64_t start;
	int ret;

	ret = vsw_fwd_backlog_prepare(set->fwd, id);
	if (ret != 0)
		return ret;
	ret = vsw_port_fsm_step(&p->fsm, VSW_PORT_EV_SUSPEND);
	if (ret != 0)
		return ret > 0 ? 0 : ret;	/* already suspended: no-op */

	start = rte_get_timer_cycles();
	vport_publish(set, p);
	ret = vsw_fwd_sync(set->fwd, set->suspend_timeout_us);
	if (ret != 0) {
		vsw_port_fsm_step(&p->fsm, VSW_PORT_EV_TIMEOUT);
		vport_publish(set, p);
		note_handshake(p, 0, false);
		VPORT_LOG_RL(ERR, set, p, "SUSPEND failed: %s; port left %s\n",
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

int
vport_resume_locked(struct vsw_vport_set *set, struct vport *p)
{
	uint16_t id = vport_id(set, p);
	int ret;

	ret = vsw_port_fsm_step(&p->fsm, VSW_PORT_EV_RESUME);
	if (ret != 0)
		return ret > 0 ? 0 : ret;	/* not suspended: no-op */
	vsw_port_fsm_step(&p->fsm, VSW_PORT_EV_RESUMED);
	vport_quiet_kicks(p);	/* deferred if the device started meanwhile */
	vport_publish(set, p);
	/* Not needed for safety: only so the ack means "running again". */
	if (vsw_fwd_sync(set->fwd, set->suspend_timeout_us) != 0)
		VPORT_LOG_RL(WARNING, set, p,
			"resumed, but a PMD lcore is slow to notice\n");
	VPORT_LOG(DEBUG, id, "resumed, now %s\n",
		vsw_port_state_name(p->fsm.state));
	return 0;
}

/*
 * @p op (suspend or resume) on port @p port under the set's lock;
 * -ENOTSUP for an ethdev, which has no guest to hold for.
 */
static int
vhost_port_op(struct vsw_vport_set *set, uint16_t port,
	int (*op)(struct vsw_vport_set *, struct vport *))
{
	struct vport *p;
	int ret = -EINVAL;

	pthread_mutex_lock(&set->lock);
	p = vport_get(set, port);
	if (p != NULL && p->conf.kind != VSW_VPORT_VHOST)
		ret = -ENOTSUP;
	else if (p != NULL)
		ret = op(set, p);
	pthread_mutex_unlock(&set->lock);
	return ret;
}

int
vsw_vport_suspend(struct vsw_vport_set *set, uint16_t port)
{
	return vhost_port_op(set, port, vport_suspend_locked);
}

int
vsw_vport_resume(struct vsw_vport_set *set, uint16_t port)
{
	return vhost_port_op(set, port, vport_resume_locked);
}

static bool
suspend_negotiated(const struct vport *p, int vid)
{
	uint64_t pf = 0;

	if (!p->conf.suspend)
		return false;
	if (rte_vhost_get_negotiated_protocol_features(vid, &pf) != 0)
		return false;
	return (pf & (1ULL << VSW_VHU_PROTOCOL_F_SUSPEND)) != 0;
}

/*
 * An error for a message: with NEED_REPLY the front-end gets a non-zero
 * ack; without, ERR would make rte_vhost close the connection, so the
 * message is ignored instead (the caller has logged why).
 */
static enum rte_vhost_msg_result
msg_error(const struct vport_dpdk_msg *m)
{
	return (m->flags & VSW_VHU_FLAG_NEED_REPLY) ?
		RTE_VHOST_MSG_RESULT_ERR : RTE_VHOST_MSG_RESULT_OK;
}

/*
 * QEMU 8.2 and later reuse 41 and 42 with a payload (GET_SHARED_OBJECT,
 * SET_DEVICE_STATE_FD); both expect a u64 reply, non-zero for failure.
 */
static enum rte_vhost_msg_result
reject_payload(struct vsw_vport_set *set, struct vport *p,
	struct vport_dpdk_msg *m)
{
	VPORT_LOG_RL(WARNING, set, p, "message %u with a %u-byte payload is not %s; "
		"rejected\n", m->request, m->size,
		m->request == VSW_VHU_SUSPEND ? "SUSPEND" : "RESUME");
	m->size = sizeof(m->payload.u64);
	m->payload.u64 = 1;
	return RTE_VHOST_MSG_RESULT_REPLY;
}

enum rte_vhost_msg_result
vport_suspend_msg(struct vsw_vport_set *set, struct vport *p, int vid,
	struct vport_dpdk_msg *m)
{
	bool suspend = m->request == VSW_VHU_SUSPEND;
	const char *name = suspend ? "SUSPEND" : "RESUME";
	int ret;

	if (m->size != 0)
		return reject_payload(set, p, m);
	if ((m->flags & VSW_VHU_VERSION_MASK) != VSW_VHU_VERSION) {
		VPORT_LOG_RL(WARNING, set, p, "%s with bad version flags 0x%x\n",
			name, m->flags);
		return msg_error(m);
	}
	if (!suspend_negotiated(p, vid)) {
		VPORT_LOG_RL(WARNING, set, p, "%s but protocol feature SUSPEND "
			"(bit 18) was not negotiated; %s\n", name,
			(m->flags & VSW_VHU_FLAG_NEED_REPLY) ?
			"replying with an error" : "ignored");
		return msg_error(m);
	}
	ret = suspend ? vport_suspend_locked(set, p) :
		vport_resume_locked(set, p);
	if (ret != 0) {
		VPORT_LOG_RL(ERR, set, p, "%s failed: %s\n", name,
			strerror(-ret));
		return msg_error(m);
	}
	return RTE_VHOST_MSG_RESULT_OK;	/* rte_vhost sends the ack */
}
