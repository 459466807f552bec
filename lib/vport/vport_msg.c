/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The external message hooks rte_vhost calls for every front-end message:
 * the firewall (vport_fw.c) first, then SUSPEND and RESUME.
 *
 * The pre-message hook runs on rte_vhost's message thread, and for most
 * SET_* messages with every virtqueue lock of the device held. So it must
 * not wait for the PMD lcores (one may be spinning on one of those locks
 * in rte_vhost_enqueue_burst()) and must not take the port set's lock,
 * whose holders may be waiting for the lcores. The firewall state it uses
 * belongs to this connection and is touched only on this thread. Only
 * messages 41 and 42, which rte_vhost handles with no lock held, take the
 * set's lock, to suspend or resume.
 *
 * A refused message is answered with an error when the front-end asked
 * for a reply; otherwise rte_vhost closes the connection. Its file
 * descriptors are closed here, since rte_vhost does not close those of a
 * message a hook has handled.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vport.h"

/*
 * Bound on one message's payload, and on a reply we send, to get through.
 * QEMU and DPDK's virtio-user write a whole message at once, so its
 * payload is there when its header is.
 */
#define MSG_TIMEOUT_MS 250

/* Replies a front-end may leave unread before it is disconnected. */
#define MSG_UNREAD_MAX (64 * 1024)

/*
 * Close the fds of a message we handle ourselves, but only once the
 * mirrored layout is known to read real descriptors
 * (vport_dpdk_msg_check()); never close numbers read from the wrong bytes.
 */
static void
close_fds(struct vport_dpdk_msg *m)
{
	int i;

	for (i = 0; i < m->fd_num; i++) {
		close(m->fds[i]);
		m->fds[i] = -1;
	}
	m->fd_num = 0;
}

static void
log_refusal(struct vsw_vport_set *set, struct vport *p,
	const struct vport_dpdk_msg *m, enum vsw_vport_reject why,
	const char *detail)
{
	uint64_t sup;

	if (!vsw_ratelimit_allow(&p->fw_log_rl, rte_get_timer_cycles(), &sup))
		return;
	if (sup != 0)
		VPORT_LOG(WARNING, vport_id(set, p), "%" PRIu64
			" more messages refused\n", sup);
	VPORT_LOG(WARNING, vport_id(set, p), "refused %s (%u, %u bytes, "
		"%d fds): %s: %s\n", vport_fw_msg_name(m->request), m->request,
		m->size, m->fd_num, vsw_vport_reject_name(why), detail);
}

/*
 * vport_by_vid() without the set's lock: this connection's vid was set
 * before its first message was read and is cleared only when it closes,
 * on this thread; other ports' vids may change meanwhile, but never to
 * this one.
 */
static enum rte_vhost_msg_result
vport_pre_msg(int vid, void *msg)
{
	struct vsw_vport_set *set = vport_set;
	struct vport_dpdk_msg *m = msg;
	enum rte_vhost_msg_result res;
	enum vsw_vport_reject why;
	struct vport *p;
	const char *detail;

	p = vport_by_vid(set, vid);
	if (p != NULL)
		p->unheard.n = 0;	/* its fds are ours or rte_vhost's now */
	if (!vport_dpdk_msg_check(m)) {
		if (p != NULL)
			VPORT_LOG_RL(ERR, set, p, "message %u: its file "
				"descriptors do not look like DPDK %s's "
				"(fd_num %d); refused, nothing closed\n",
				m->request, VPORT_DPDK_LTS, m->fd_num);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	if (p == NULL) {
		close_fds(m);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	if (vport_fd_unread(p->conn_fd) > MSG_UNREAD_MAX) {
		/* Every further reply would block for MSG_TIMEOUT_MS. */
		VPORT_LOG_RL(WARNING, set, p, "the front-end does not read its "
			"replies; disconnecting it\n");
		shutdown(p->conn_fd, SHUT_RDWR);
		close_fds(m);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	if (!set->no_firewall && !vport_fw_check(&p->fw, m, &why, &detail)) {
		__atomic_fetch_add(&p->rejected[why], 1, __ATOMIC_RELAXED);
		log_refusal(set, p, m, why, detail);
		close_fds(m);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	if (m->request != VSW_VHU_SUSPEND && m->request != VSW_VHU_RESUME)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	close_fds(m);	/* neither message takes fds */
	pthread_mutex_lock(&set->lock);
	res = vport_suspend_msg(set, p, vid, m);
	pthread_mutex_unlock(&set->lock);
	return res;
}

/*
 * recvmsg() brought @p fds on @p sockfd (rte_vhost's message thread, or
 * any other): remember them if that is a port's connection, until the
 * hook hears of their message.
 */
static void
on_recvmsg(int sockfd, const int *fds, int n)
{
	struct vsw_vport_set *set = vport_set;
	struct stat st;
	uint16_t i;
	int k;

	if (set == NULL)
		return;
	for (i = 0; i < __atomic_load_n(&set->end, __ATOMIC_RELAXED); i++) {
		struct vport *p = &set->port[i];

		if (__atomic_load_n(&p->conn_fd, __ATOMIC_RELAXED) != sockfd)
			continue;
		p->unheard.n = 0;
		for (k = 0; k < n && k < VSW_VHU_MAX_FDS; k++) {
			if (fstat(fds[k], &st) != 0)
				continue;
			p->unheard.fd[p->unheard.n] = fds[k];
			p->unheard.dev[p->unheard.n] = st.st_dev;
			p->unheard.ino[p->unheard.n] = st.st_ino;
			p->unheard.n++;
		}
		return;
	}
}

void
vport_msg_watch(bool on)
{
	vport_dpdk_watch_recvmsg(on ? on_recvmsg : NULL);
}

void
vport_msg_detach(struct vsw_vport_set *set, struct vport *p)
{
	struct stat st;
	int k, closed = 0;

	/*
	 * Close only what is still the very file that arrived: if rte_vhost
	 * closed it, its number may already name another file.
	 */
	for (k = 0; k < p->unheard.n; k++) {
		if (fstat(p->unheard.fd[k], &st) != 0 ||
				st.st_dev != p->unheard.dev[k] ||
				st.st_ino != p->unheard.ino[k])
			continue;
		close(p->unheard.fd[k]);
		closed++;
	}
	if (closed != 0)
		VPORT_LOG_RL(WARNING, set, p, "closed %d fds of a message "
			"rte_vhost dropped unheard\n", closed);
	p->unheard.n = 0;
	__atomic_store_n(&p->conn_fd, -1, __ATOMIC_RELAXED);
}

/* Called only when rte_vhost handled the message successfully. */
static enum rte_vhost_msg_result
vport_post_msg(int vid, void *msg)
{
	struct vport *p = vport_by_vid(vport_set, vid);

	if (p != NULL)
		vport_fw_done(&p->fw, msg);
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

static const struct rte_vhost_user_extern_ops vport_extern_ops = {
	.pre_msg_handle = vport_pre_msg,
	.post_msg_handle = vport_post_msg,
};

int
vport_msg_attach(struct vsw_vport_set *set, struct vport *p, int vid)
{
	uint64_t features = 0, pf = 0;

	if (rte_vhost_driver_get_features(p->conf.path, &features) != 0 ||
			rte_vhost_driver_get_protocol_features(p->conf.path,
				&pf) != 0)
		return -EIO;
	vport_fw_init(&p->fw, features, pf, vport_fd_info);
	p->fw_log_rl.interval = rte_get_timer_hz();
	p->fw_log_rl.burst = VPORT_LOG_BURST;
	p->unheard.n = 0;
	__atomic_store_n(&p->conn_fd,
		vport_fd_guard_conn(p->conf.path, MSG_TIMEOUT_MS),
		__ATOMIC_RELAXED);
	if (p->conn_fd < 0)
		VPORT_LOG_RL(WARNING, set, p, "no timeout on the connection "
			"socket: a stalled message would hold up every "
			"port's control messages\n");
	return rte_vhost_extern_callback_register(vid, &vport_extern_ops,
		NULL) == 0 ? 0 : -EIO;
}
