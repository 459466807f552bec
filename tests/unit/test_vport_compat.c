/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test of lib/vport/vport_dpdk_compat.h against the installed
 * librte_vhost: the mirrored struct vhu_msg_context must read what
 * rte_vhost really hands to an external message hook.
 *
 * DPDK does not install the header that defines that layout, so it
 * cannot be compared at build time. Instead this test starts rte_vhost
 * in-process on a socket, connects the project's own front-end (lib/vufe)
 * and sends messages whose contents it knows: a request id, flags, a
 * payload pattern and memfds of distinct sizes. The hook reads them
 * through the mirror, and every field must come back as sent; each fd
 * must be the very file sent (same inode). If a DPDK release moved the
 * fds (as 25.03 did), the fd checks fail here instead of vuswitch
 * closing file descriptors picked out of payload bytes. It also checks
 * that the recvmsg() interposition (point 4 of the compat header) sees
 * the fds rte_vhost receives, and that a socket started while
 * rte_vhost's thread sleeps is served at once (point 5).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_vhost.h>

#include "vport_dpdk_compat.h"
#include "vsw_vhu.h"
#include "vsw_vufe.h"
#include "unit.h"

#define NB_FDS 3

/* What the hook saw, copied out under the vhost thread. */
static struct {
	int calls;
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	uint8_t payload[256];
	int fd_num;
	int fds_padding_ok;     /* fds[fd_num..7] all -1 */
	bool check;             /* vport_dpdk_msg_check() */
	ino_t ino[VSW_VHU_MAX_FDS];
	off_t fsize[VSW_VHU_MAX_FDS];
} seen;

/* What the recvmsg() interposition reported. */
static int watched_fds;

static void
watch(int sockfd, const int *fds, int n)
{
	RTE_SET_USED(sockfd);
	RTE_SET_USED(fds);
	__atomic_fetch_add(&watched_fds, n, __ATOMIC_RELAXED);
}

static enum rte_vhost_msg_result
hook(int vid, void *msg)
{
	struct vport_dpdk_msg *m = msg;
	int i;

	RTE_SET_USED(vid);
	if (m->request != VSW_VHU_SUSPEND)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	memset(&seen, 0, sizeof(seen));
	seen.request = m->request;
	seen.flags = m->flags;
	seen.size = m->size;
	memcpy(seen.payload, m->payload.raw,
		RTE_MIN(m->size, (uint32_t)sizeof(seen.payload)));
	seen.fd_num = m->fd_num;
	seen.check = vport_dpdk_msg_check(m);
	seen.fds_padding_ok = 1;
	for (i = 0; i < VSW_VHU_MAX_FDS; i++) {
		struct stat st;

		if (i >= m->fd_num || i >= VSW_VHU_MAX_FDS) {
			if (m->fds[i] != -1)
				seen.fds_padding_ok = 0;
			continue;
		}
		if (fstat(m->fds[i], &st) == 0) {
			seen.ino[i] = st.st_ino;
			seen.fsize[i] = st.st_size;
		}
	}
	if (seen.check) {
		for (i = 0; i < m->fd_num; i++)
			close(m->fds[i]);
		m->fd_num = 0;
	}
	__atomic_store_n(&seen.calls, 1, __ATOMIC_RELEASE);
	m->size = sizeof(m->payload.u64);
	m->payload.u64 = 0;
	return RTE_VHOST_MSG_RESULT_REPLY;
}

static const struct rte_vhost_user_extern_ops ext_ops = {
	.pre_msg_handle = hook,
};

static int
on_connect(int vid)
{
	return rte_vhost_extern_callback_register(vid, &ext_ops, NULL);
}

static const struct rte_vhost_device_ops dev_ops = {
	.new_connection = on_connect,
};

/* A memfd of @p size bytes; its inode into @p ino. */
static int
make_memfd(off_t size, ino_t *ino)
{
	struct stat st;
	int fd = memfd_create("vsw-compat", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, size) != 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*ino = st.st_ino;
	return fd;
}

/* Send message 41 with @p len payload bytes and @p nb_fds memfds. */
static void
send_and_check(struct vsw_vufe *fe, uint32_t len, unsigned int nb_fds)
{
	uint8_t payload[256];
	int fds[NB_FDS];
	ino_t ino[NB_FDS];
	struct vsw_vufe_req req = {
		.request = VSW_VHU_SUSPEND,
		.payload = payload,
		.size = len,
		.fds = fds,
		.nb_fds = nb_fds,
		.need_reply = true,
	};
	uint64_t reply = 1;
	unsigned int i;

	for (i = 0; i < len; i++)
		payload[i] = (uint8_t)(0x5a ^ i);
	for (i = 0; i < nb_fds; i++) {
		fds[i] = make_memfd((off_t)(i + 1) * 4096, &ino[i]);
		UNIT_CHECK(fds[i] >= 0);
	}
	memset(&seen, 0, sizeof(seen));
	__atomic_store_n(&watched_fds, 0, __ATOMIC_RELAXED);
	UNIT_EQ(vsw_vufe_request(fe, &req, &reply, NULL), 0);
	/* rte_vhost read them with recvmsg(), which vuswitch interposes. */
	UNIT_EQ(__atomic_load_n(&watched_fds, __ATOMIC_RELAXED), nb_fds);
	UNIT_EQ(reply, 0);
	UNIT_EQ(__atomic_load_n(&seen.calls, __ATOMIC_ACQUIRE), 1);
	UNIT_EQ(seen.request, VSW_VHU_SUSPEND);
	UNIT_EQ(seen.flags & VSW_VHU_VERSION_MASK, VSW_VHU_VERSION);
	UNIT_CHECK(seen.flags & VSW_VHU_FLAG_NEED_REPLY);
	UNIT_EQ(seen.size, len);
	UNIT_CHECK(memcmp(seen.payload, payload, len) == 0);
	UNIT_EQ(seen.fd_num, nb_fds);
	UNIT_CHECK(seen.fds_padding_ok);
	UNIT_CHECK(seen.check);
	for (i = 0; i < nb_fds; i++) {
		UNIT_EQ(seen.ino[i], ino[i]);
		UNIT_EQ(seen.fsize[i], (off_t)(i + 1) * 4096);
		close(fds[i]);
	}
}

/* The invariants vport_dpdk_msg_check() relies on, broken one by one. */
static void
test_msg_check(void)
{
	struct vport_dpdk_msg m;
	ino_t ino;
	int fd = make_memfd(4096, &ino);
	int i;

	unit_case("msg_check");
	memset(&m, 0, sizeof(m));
	for (i = 0; i < VSW_VHU_MAX_FDS; i++)
		m.fds[i] = -1;
	UNIT_CHECK(vport_dpdk_msg_check(&m));
	m.fds[0] = fd;
	m.fd_num = 1;
	UNIT_CHECK(vport_dpdk_msg_check(&m));
	m.fd_num = VSW_VHU_MAX_FDS + 1;
	UNIT_CHECK(!vport_dpdk_msg_check(&m));
	m.fd_num = -1;
	UNIT_CHECK(!vport_dpdk_msg_check(&m));
	m.fd_num = 1;
	m.fds[3] = fd;          /* padding must be -1 */
	UNIT_CHECK(!vport_dpdk_msg_check(&m));
	m.fds[3] = -1;
	m.size = VPORT_DPDK_PAYLOAD_SIZE + 1;
	UNIT_CHECK(!vport_dpdk_msg_check(&m));
	m.size = 0;
	close(fd);              /* a closed descriptor is not one we got */
	UNIT_CHECK(!vport_dpdk_msg_check(&m));
}

static void
test_real_messages(const char *path)
{
	struct vsw_vufe_params p = { .path = path, .timeout_ms = 2000 };
	char err[256] = "";
	struct vsw_vufe *fe;

	unit_case("real_messages");
	fe = vsw_vufe_open(&p, err, sizeof(err));
	if (!UNIT_CHECK(fe != NULL)) {
		fprintf(stderr, "vufe: %s\n", err);
		return;
	}
	send_and_check(fe, 16, NB_FDS);  /* QEMU's GET_SHARED_OBJECT size */
	send_and_check(fe, 200, 0);
	send_and_check(fe, 0, 1);
	/* A message rte_vhost handles itself still goes through. */
	UNIT_EQ(vsw_vufe_query(fe), 0);
	vsw_vufe_close(fe);
}

/*
 * Point 5: a socket started while rte_vhost's thread sleeps on the ones
 * it knew is served once the thread is woken, well within the second it
 * would otherwise sleep (22.11). Without the wake-up this takes ~900 ms.
 */
static void
test_late_socket(const char *dir)
{
	struct timespec nap = { 0, 100 * 1000 * 1000 }, t0, t1;
	struct vsw_vufe_params p = { .timeout_ms = 2000 };
	char path[64], err[256] = "";
	struct vsw_vufe *fe;
	long us;

	unit_case("late_socket");
	snprintf(path, sizeof(path), "%s/late.sock", dir);
	p.path = path;
	/* The thread went back to its wait when the last front-end left. */
	nanosleep(&nap, NULL);
	if (!UNIT_CHECK(rte_vhost_driver_register(path, 0) == 0))
		return;
	/* 22.11 needs callbacks (it calls them without checking). */
	if (UNIT_CHECK(rte_vhost_driver_callback_register(path,
			&dev_ops) == 0) &&
			UNIT_CHECK(rte_vhost_driver_start(path) == 0)) {
		UNIT_EQ(vport_dpdk_wake_events_thread(), 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		fe = vsw_vufe_open(&p, err, sizeof(err));
		if (UNIT_CHECK(fe != NULL))
			UNIT_EQ(vsw_vufe_query(fe), 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		vsw_vufe_close(fe);
		us = (t1.tv_sec - t0.tv_sec) * 1000000L +
			(t1.tv_nsec - t0.tv_nsec) / 1000;
		printf("-- first answer on a socket started late: %ld us\n", us);
		UNIT_CHECK(us < 500000);
	}
	rte_vhost_driver_unregister(path);
	unlink(path);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/vsw-compat-XXXXXX";
	char path[sizeof(dir) + 16];

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	unit_eal_init("test_vport_compat");
	vport_dpdk_watch_recvmsg(watch);
	printf("-- DPDK %s, mirror of %s\n", rte_version(), VPORT_DPDK_LTS);
	test_msg_check();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/c.sock", dir);
	if (!UNIT_CHECK(rte_vhost_driver_register(path, 0) == 0))
		goto out;
	if (UNIT_CHECK(rte_vhost_driver_callback_register(path,
			&dev_ops) == 0) &&
			UNIT_CHECK(rte_vhost_driver_start(path) == 0)) {
		test_real_messages(path);
		test_late_socket(dir);
	}
	rte_vhost_driver_unregister(path);
out:
	unlink(path);
	rmdir(dir);
	return unit_finish("test_vport_compat");
}
