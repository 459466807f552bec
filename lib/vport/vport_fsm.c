/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port state machine. Pure: no I/O, no locks, no DPDK calls, so that
 * every transition can be unit tested on its own.
 *
 *   DISCONNECTED --READY--> RUNNING --SUSPEND--> SUSPENDING --QUIESCED--> SUSPENDED
 *        ^                    |  ^                   |                     |
 *        +-------STOP---------+  +-----TIMEOUT-------+                     |
 *                                +--RESUMED-- RESUMING <------RESUME-------+
 *
 * CLOSE takes every state to DISCONNECTED. A suspended port whose rings
 * are stopped (STOP) or restarted (READY) stays suspended; only RESUME or
 * CLOSE end a suspension.
 */

#include <errno.h>

#include "vsw_vport.h"

static const char * const state_names[VSW_PORT_STATE_MAX] = {
	[VSW_PORT_DISCONNECTED] = "disconnected",
	[VSW_PORT_RUNNING] = "running",
	[VSW_PORT_SUSPENDING] = "suspending",
	[VSW_PORT_SUSPENDED] = "suspended",
	[VSW_PORT_RESUMING] = "resuming",
};

static const char * const event_names[VSW_PORT_EV_MAX] = {
	[VSW_PORT_EV_CONNECT] = "connect",
	[VSW_PORT_EV_READY] = "ready",
	[VSW_PORT_EV_STOP] = "stop",
	[VSW_PORT_EV_CLOSE] = "close",
	[VSW_PORT_EV_SUSPEND] = "suspend",
	[VSW_PORT_EV_QUIESCED] = "quiesced",
	[VSW_PORT_EV_TIMEOUT] = "timeout",
	[VSW_PORT_EV_RESUME] = "resume",
	[VSW_PORT_EV_RESUMED] = "resumed",
};

const char *
vsw_port_state_name(enum vsw_port_state s)
{
	return (unsigned int)s < VSW_PORT_STATE_MAX ? state_names[s] : "?";
}

const char *
vsw_port_event_name(enum vsw_port_event ev)
{
	return (unsigned int)ev < VSW_PORT_EV_MAX ? event_names[ev] : "?";
}

static bool
parked(uint8_t s)
{
	return s == VSW_PORT_SUSPENDING || s == VSW_PORT_SUSPENDED ||
		s == VSW_PORT_RESUMING;
}

/* Where a port goes when a suspension ends or fails. */
static uint8_t
unparked(const struct vsw_port_fsm *f)
{
	return f->ready ? VSW_PORT_RUNNING : VSW_PORT_DISCONNECTED;
}

static int
step_link(struct vsw_port_fsm *f, enum vsw_port_event ev)
{
	switch (ev) {
	case VSW_PORT_EV_CONNECT:
		if (f->connected)
			return -EBUSY;
		f->connected = true;
		return 0;
	case VSW_PORT_EV_READY:
		if (!f->connected)
			return -EINVAL;
		if (f->ready)
			return 1;
		f->ready = true;
		if (f->state == VSW_PORT_DISCONNECTED)
			f->state = VSW_PORT_RUNNING;
		return 0;
	case VSW_PORT_EV_STOP:
		if (!f->ready)
			return 1;
		f->ready = false;
		if (f->state == VSW_PORT_RUNNING)
			f->state = VSW_PORT_DISCONNECTED;
		return 0;
	case VSW_PORT_EV_CLOSE:
		if (!f->connected)
			return 1;
		f->connected = false;
		f->ready = false;
		f->state = VSW_PORT_DISCONNECTED;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
step_suspend(struct vsw_port_fsm *f, enum vsw_port_event ev)
{
	switch (ev) {
	case VSW_PORT_EV_SUSPEND:
		if (!f->connected)
			return -ENOTCONN;
		if (f->state == VSW_PORT_SUSPENDED)
			return 1;
		if (parked(f->state))
			return -EBUSY;
		f->state = VSW_PORT_SUSPENDING;
		return 0;
	case VSW_PORT_EV_QUIESCED:
		if (f->state != VSW_PORT_SUSPENDING)
			return -EINVAL;
		f->state = VSW_PORT_SUSPENDED;
		return 0;
	case VSW_PORT_EV_TIMEOUT:
		if (f->state != VSW_PORT_SUSPENDING)
			return -EINVAL;
		f->state = unparked(f);
		return 0;
	case VSW_PORT_EV_RESUME:
		if (!parked(f->state))
			return 1;
		if (f->state != VSW_PORT_SUSPENDED)
			return -EBUSY;
		f->state = VSW_PORT_RESUMING;
		return 0;
	case VSW_PORT_EV_RESUMED:
		if (f->state != VSW_PORT_RESUMING)
			return -EINVAL;
		f->state = unparked(f);
		return 0;
	default:
		return -EINVAL;
	}
}

int
vsw_port_fsm_step(struct vsw_port_fsm *f, enum vsw_port_event ev)
{
	if (f == NULL || f->state >= VSW_PORT_STATE_MAX)
		return -EINVAL;
	if (ev <= VSW_PORT_EV_CLOSE)
		return step_link(f, ev);
	return step_suspend(f, ev);
}

enum vsw_fwd_port_state
vsw_port_fsm_dp(const struct vsw_port_fsm *f)
{
	if (parked(f->state))
		return VSW_FWD_PARK;
	if (f->state == VSW_PORT_RUNNING && f->ready)
		return VSW_FWD_RUN;
	return VSW_FWD_DOWN;
}
