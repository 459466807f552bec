/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The code side of vport_dpdk_compat.h: checks of what the mirrored
 * layouts read, and finding rte_vhost's message thread by its name.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vport.h"
#include "vport_dpdk_compat.h"

bool
vport_dpdk_msg_check(const struct vport_dpdk_msg *m)
{
	int i;

	if (m->size > VPORT_DPDK_PAYLOAD_SIZE)
		return false;
	if (m->fd_num < 0 || m->fd_num > VSW_VHU_MAX_FDS)
		return false;
	for (i = 0; i < VSW_VHU_MAX_FDS; i++) {
		if (i >= m->fd_num) {
			if (m->fds[i] != -1)
				return false;
		} else if (m->fds[i] < 0 || fcntl(m->fds[i], F_GETFD) < 0) {
			return false;
		}
	}
	return true;
}

/* Is task @p tid of this process named @p want? */
static bool
task_named(const char *tid, const char *want)
{
	char path[320], comm[32];
	bool match = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%s/comm", tid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	if (fgets(comm, sizeof(comm), f) != NULL) {
		comm[strcspn(comm, "\n")] = '\0';
		match = strcmp(comm, want) == 0;
	}
	fclose(f);
	return match;
}

int
vport_dpdk_raise_events_thread(int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	struct dirent *e;
	int found = 0, err = 0;
	DIR *d;

	d = opendir("/proc/self/task");
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
				!task_named(e->d_name, VPORT_DPDK_EVENTS_THREAD))
			continue;
		found++;
		if (sched_setscheduler(atoi(e->d_name), SCHED_FIFO, &sp) != 0)
			err = -errno;
	}
	closedir(d);
	if (found == 0)
		return -ESRCH;
	return err;
}
