/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port state changes and their publication to the forwarding engine,
 * shared by the device callbacks (vport_ctl.c) and SUSPEND/RESUME
 * (vport_suspend.c). Callers hold the set's lock.
 */

#include <errno.h>
#include <string.h>

#include <rte_vhost.h>

#include "vport.h"

void
vport_publish(struct vsw_vport_set *set, struct vport *p)
{
	/* Valid port and state by construction: cannot fail. */
	vsw_fwd_port_publish(set->fwd, vport_id(set, p),
		vsw_port_fsm_dp(&p->fsm), p->vid);
}

int
vport_event(struct vsw_vport_set *set, struct vport *p,
	enum vsw_port_event ev)
{
	uint8_t before = p->fsm.state;
	int ret = vsw_port_fsm_step(&p->fsm, ev);

	if (ret < 0) {
		VPORT_LOG_RL(WARNING, set, p, "%s in state %s: %s\n",
			vsw_port_event_name(ev), vsw_port_state_name(before),
			strerror(-ret));
		return ret;
	}
	if (ret == 0 && p->fsm.state != before)
		VPORT_LOG_RL(INFO, set, p, "%s -> %s (%s)\n",
			vsw_port_state_name(before),
			vsw_port_state_name(p->fsm.state),
			vsw_port_event_name(ev));
	vport_publish(set, p);
	return 0;
}

/*
 * The PMD lcores poll, so ask the front-end not to kick: without this a
 * virtio front-end writes its kick eventfd (a system call) after nearly
 * every burst it posts, which costs a DPDK guest more cycles than the
 * frames themselves. It sets VRING_USED_F_NO_NOTIFY in each used ring
 * (nothing with EVENT_IDX); net_vhost and OVS do the same. That is a
 * guest memory write, so never on a parked port: a device that becomes
 * ready while suspended gets it on RESUME.
 */
void
vport_quiet_kicks(struct vport *p)
{
	uint16_t q, n;

	if (p->vid < 0 || vsw_port_fsm_dp(&p->fsm) != VSW_FWD_RUN)
		return;
	n = rte_vhost_get_vring_num(p->vid);
	for (q = 0; q < n; q++)
		rte_vhost_enable_guest_notification(p->vid, q, 0);
}
