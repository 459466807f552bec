/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The code side of vport_dpdk_compat.h: checks of what the mirrored
 * layouts read, and finding rte_vhost's message thread by its name (to
 * raise its priority, and on 22.11 to wake it up).
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/*
 * Call @p fn for each thread of rte_vhost's message thread's name (one,
 * unless something else took that name). Stops at the first error.
 * @return how many there were, or a negative errno.
 */
static int
for_each_events_thread(int (*fn)(pid_t tid, void *arg), void *arg)
{
	struct dirent *e;
	int found = 0, err = 0;
	DIR *d;

	d = opendir("/proc/self/task");
	if (d == NULL)
		return -errno;
	while (err == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
				!task_named(e->d_name, VPORT_DPDK_EVENTS_THREAD))
			continue;
		found++;
		err = fn((pid_t)atoi(e->d_name), arg);
	}
	closedir(d);
	return err != 0 ? err : found;
}

static int
raise_one(pid_t tid, void *arg)
{
	const struct sched_param *sp = arg;

	return sched_setscheduler(tid, SCHED_FIFO, sp) != 0 ? -errno : 0;
}

int
vport_dpdk_raise_events_thread(int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	int ret = for_each_events_thread(raise_one, &sp);

	if (ret == 0)
		return -ESRCH;
	return ret < 0 ? ret : 0;
}

#if VPORT_DPDK_EVENTS_NEEDS_WAKE
#define WAKE_SIGNAL SIGURG

/* Does nothing: being called is what interrupts the thread's poll(). */
static void
on_wake(int sig)
{
	RTE_SET_USED(sig);
}

/* Ours, once; never over somebody else's handler. */
static int
wake_handler_install(void)
{
	struct sigaction sa, old;

	if (sigaction(WAKE_SIGNAL, NULL, &old) != 0)
		return -errno;
	if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == on_wake)
		return 0;
	if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
		return -EBUSY;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(WAKE_SIGNAL, &sa, NULL) != 0 ? -errno : 0;
}

static int
wake_one(pid_t tid, void *arg)
{
	RTE_SET_USED(arg);
	return syscall(SYS_tgkill, getpid(), tid, WAKE_SIGNAL) != 0 ?
		-errno : 0;
}

int
vport_dpdk_wake_events_thread(void)
{
	int ret = wake_handler_install();

	if (ret == 0)
		ret = for_each_events_thread(wake_one, NULL);
	if (ret == 0)
		return -ESRCH;
	return ret < 0 ? ret : 0;
}
#else
int
vport_dpdk_wake_events_thread(void)
{
	return 0;
}
#endif

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
