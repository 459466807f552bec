/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File descriptors a front-end hands us, and the connection socket
 * itself.
 *
 * The firewall needs to know what each received fd is (vport_fd_info()):
 * a memory region must be a regular file at least as long as the region,
 * and a vring's kick or call fd an eventfd, because rte_vhost writes call
 * eventfds from the PMD lcores, where a full pipe would block forever.
 *
 * rte_vhost reads a message's payload with a blocking read() on its one
 * message thread, after poll() said the header was there. A front-end
 * that sends a header promising a payload and then nothing would stall
 * every port's control plane. rte_vhost does not expose the connection's
 * socket, so vport_fd_guard_conn() finds it (the socket connected to or
 * accepted on the port's path) and gives it receive and send timeouts:
 * a stalled read or write then fails, and rte_vhost closes that one
 * connection.
 *
 * The other way round, a front-end that sends requests but never reads
 * the replies fills its socket's send queue, and then every reply blocks
 * for the send timeout. vport_fd_unread() reports how much of what was
 * sent the front-end has not read, and the hook closes a connection that
 * lets it grow.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "vport.h"

int
vport_fd_info(int fd, struct vport_fw_fd *out)
{
	char link[64], target[64];
	struct stat st;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (fd < 0 || fstat(fd, &st) != 0)
		return -1;
	if (S_ISREG(st.st_mode)) {
		out->kind = VPORT_FW_FD_FILE;
		out->size = (uint64_t)st.st_size;
		out->blksize = (uint64_t)st.st_blksize;
		return 0;
	}
	if (S_ISSOCK(st.st_mode)) {
		out->kind = VPORT_FW_FD_SOCKET;
		return 0;
	}
	out->kind = VPORT_FW_FD_OTHER;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (strcmp(target, "anon_inode:[eventfd]") == 0)
			out->kind = VPORT_FW_FD_EVENTFD;
	}
	return 0;
}

/* Is @p fd a connected stream socket on (or to) unix path @p path? */
static bool
is_conn_socket(int fd, const char *path)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	int listening = 0;
	socklen_t ilen = sizeof(listening);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) != 0 ||
			listening)
		return false;
	memset(&a, 0, sizeof(a));
	if (getsockname(fd, (struct sockaddr *)&a, &len) == 0 &&
			a.sun_family == AF_UNIX &&
			strncmp(a.sun_path, path, sizeof(a.sun_path)) == 0)
		return true;	/* accepted on our listening socket */
	len = sizeof(a);
	memset(&a, 0, sizeof(a));
	return getpeername(fd, (struct sockaddr *)&a, &len) == 0 &&
		a.sun_family == AF_UNIX &&
		strncmp(a.sun_path, path, sizeof(a.sun_path)) == 0;
}

int
vport_fd_guard_conn(const char *path, unsigned int timeout_ms)
{
	int conn = -ENOENT;
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	struct dirent *e;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == dirfd(d) || fstat(fd, &st) != 0 ||
				!S_ISSOCK(st.st_mode) || !is_conn_socket(fd, path))
			continue;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)) == 0 &&
				setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				sizeof(tv)) == 0 && conn < 0)
			conn = fd;
	}
	closedir(d);
	return conn;
}

int
vport_fd_unread(int fd)
{
	int n = 0;

	if (fd < 0 || ioctl(fd, SIOCOUTQ, &n) != 0)
		return 0;
	return n;
}
