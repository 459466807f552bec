/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The code side of vport_dpdk_compat.h: checks of what the mirrored
 * layouts read, and finding rte_vhost's message thread by its name.
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

static vport_dpdk_recv_cb_t recv_cb;

void
vport_dpdk_watch_recvmsg(vport_dpdk_recv_cb_t cb)
{
	__atomic_store_n(&recv_cb, cb, __ATOMIC_RELEASE);
}

/* The fds an SCM_RIGHTS message brought, to the watcher. */
static void
report_fds(int sockfd, const struct msghdr *msg, vport_dpdk_recv_cb_t cb)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c != NULL;
			c = CMSG_NXTHDR((struct msghdr *)(uintptr_t)msg, c)) {
		int n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (n > 0)
			cb(sockfd, (const int *)(const void *)CMSG_DATA(c), n);
	}
}

/*
 * Interposes libc's recvmsg() for the whole process (an executable's
 * definition comes before libc's for the shared libraries it loads), so
 * that rte_vhost's calls come here first. Transparent otherwise.
 */
ssize_t
recvmsg(int sockfd, struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, struct msghdr *, int);
	vport_dpdk_recv_cb_t cb;
	ssize_t ret;

	if (real == NULL)
		real = (ssize_t (*)(int, struct msghdr *, int))
			dlsym(RTLD_NEXT, "recvmsg");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	ret = real(sockfd, msg, flags);
	cb = __atomic_load_n(&recv_cb, __ATOMIC_ACQUIRE);
	if (ret > 0 && cb != NULL && msg->msg_controllen > 0)
		report_fds(sockfd, msg, cb);
	return ret;
}
