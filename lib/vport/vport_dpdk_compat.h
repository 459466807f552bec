/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every dependence of vuswitch on a DPDK internal, in one place.
 *
 * vuswitch uses public rte_vhost APIs for everything but two things that
 * DPDK does not publish:
 *
 * 1. What rte_vhost hands to an external message hook (pre_msg_handle).
 *    The hook gets a void pointer to rte_vhost's private
 *    struct vhu_msg_context (lib/vhost/vhost_user.h, not installed): the
 *    wire message (header and a payload union), then the file descriptors
 *    that came with it, then their count. Where the descriptors sit
 *    depends on the size of that union, which DPDK 25.03 changed (a larger
 *    crypto session parameter): a wrong mirror reads descriptor numbers
 *    out of payload bytes, and closing them closes somebody else's files.
 *    So the mirror is chosen by version here, its offsets are asserted
 *    below, vport_dpdk_msg_check() checks the invariants rte_vhost keeps
 *    on every message before anything trusts the fds, and the unit test
 *    vport_compat checks the mirror against real messages passed through
 *    the installed librte_vhost.
 *
 * 2. The name of rte_vhost's message thread, which vuswitch gives a
 *    real-time priority (--ctrl-priority). DPDK 22.11 creates it with
 *    rte_ctrl_thread_create() as "vhost-events"; 23.11 moved to
 *    rte_thread_create_internal_control(), which prefixes "dpdk-", and
 *    shortened the name: "dpdk-vhost-evt".
 *
 * 3. One public name DPDK changed between the two: the protocol feature
 *    SLAVE_REQ became BACKEND_REQ in 23.03. And one bound DPDK does not
 *    publish: device ids (vids) are below MAX_VHOST_DEVICE (1024 in
 *    lib/vhost/vhost.h of both releases), which sizes vport's vid-to-port
 *    map; a vid at or above it is refused, never used as an index. The
 *    sockets rte_vhost watches are bounded too (MAX_FDS, 1024).
 *
 * 4. A message rte_vhost drops before any hook sees it keeps its file
 *    descriptors open for ever: vhost_user_msg_handler() returns early
 *    when vhost_user_check_and_alloc_queue_pair() refuses the message's
 *    vring index (256 or more), in 22.11 and 24.11 alike, without
 *    closing what came with it. A front-end can repeat that until the
 *    process runs out of descriptors. rte_vhost reads every message
 *    header, with its fds, with recvmsg() (read_fd_message() in
 *    lib/vhost/socket.c), so vuswitch interposes recvmsg() and tells
 *    vport which fds arrived on which socket (vport_dpdk_watch_recvmsg());
 *    those the hook never hears of are closed when the connection ends.
 *    The unit test vport_compat checks that the interposition sees what
 *    rte_vhost receives.
 *
 * 5. rte_vhost 22.11's message thread waits in poll() with a 1 s timeout
 *    on the sockets it knew when it went to sleep, and adding a
 *    listening socket (vhost_user_start_server() in lib/vhost/socket.c)
 *    does not wake it (only a new connection writes its wake-up pipe,
 *    which is private). A port added while the switch runs would then
 *    not be served for up to a second after add-port returned: the
 *    front-end's connect() succeeds, and nothing reads its first
 *    messages. vuswitch wakes the thread with a signal instead
 *    (vport_dpdk_wake_events_thread()): a handler that does nothing,
 *    installed with SA_RESTART, so that poll() returns EINTR (poll() is
 *    never restarted) and the loop re-reads its set, while what the
 *    thread may be doing otherwise (recvmsg() and sendmsg() on blocking
 *    sockets, without timeouts) restarts. A wake-up that lands between
 *    the loop's reading of its set and its poll() is lost and costs what
 *    it costs without one. 24.11's thread waits in epoll_wait(), which
 *    sees a socket added meanwhile; there it does nothing.
 *
 * Only the releases this project has been built and tested against are
 * accepted; anything else stops the build here, so that a new release is
 * checked (layouts in its lib/vhost/vhost_user.h, thread names in its
 * lib/vhost/socket.c and fd_man.c) before it is used.
 */
#ifndef VPORT_DPDK_COMPAT_H
#define VPORT_DPDK_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_version.h>
#include <rte_vhost.h>

#include "vsw_vhu.h"

#if RTE_VERSION >= RTE_VERSION_NUM(22, 11, 0, 0) && \
	RTE_VERSION < RTE_VERSION_NUM(22, 12, 0, 0)
#define VPORT_DPDK_LTS "22.11"
#define VPORT_DPDK_EVENTS_THREAD "vhost-events"
/* Its thread polls with a timeout and no wake-up for new sockets. */
#define VPORT_DPDK_EVENTS_NEEDS_WAKE 1
/* Public, but renamed in 23.03. */
#define VPORT_DPDK_PF_BACKEND_REQ VHOST_USER_PROTOCOL_F_SLAVE_REQ
/* sizeof(VhostUserMsg.payload): VhostUserCryptoSessionParam is largest. */
#define VPORT_DPDK_PAYLOAD_SIZE 632
#elif RTE_VERSION >= RTE_VERSION_NUM(24, 11, 0, 0) && \
	RTE_VERSION < RTE_VERSION_NUM(24, 12, 0, 0)
#define VPORT_DPDK_LTS "24.11"
#define VPORT_DPDK_EVENTS_THREAD "dpdk-vhost-evt"
#define VPORT_DPDK_EVENTS_NEEDS_WAKE 0
#define VPORT_DPDK_PF_BACKEND_REQ VHOST_USER_PROTOCOL_F_BACKEND_REQ
/* Same union as 22.11 (25.03 is the first release to change it). */
#define VPORT_DPDK_PAYLOAD_SIZE 632
#else
#error "vuswitch knows the rte_vhost internals of DPDK 22.11.x and 24.11.x only; check lib/vport/vport_dpdk_compat.h against this release first"
#endif

/* MAX_VHOST_DEVICE in lib/vhost/vhost.h, the same in both releases. */
#define VPORT_DPDK_MAX_VID 1024

/*
 * MAX_FDS in lib/vhost/fd_man.h (both releases): the sockets rte_vhost's
 * message thread watches. A listening server port takes one, and each
 * connection one more; client ports take one once connected. Only for
 * error messages: rte_vhost enforces it.
 */
#define VPORT_DPDK_MAX_FDSET 1024

/*
 * Mirror of struct vhu_msg_context: VhostUserMsg (request, flags, size,
 * payload union), int fds[VHOST_MEMORY_MAX_NREGIONS], int fd_num; packed.
 */
struct vport_dpdk_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct vsw_vhu_vring_state state;
		struct vsw_vhu_vring_addr addr;
		struct vsw_vhu_mem_table mem;
		struct vsw_vhu_log log;
		struct vsw_vhu_inflight inflight;
		uint8_t raw[VPORT_DPDK_PAYLOAD_SIZE];
	} payload;
	int fds[VSW_VHU_MAX_FDS];
	int fd_num;
} __rte_packed;

_Static_assert(offsetof(struct vport_dpdk_msg, payload) == VSW_VHU_HDR_SIZE,
	"the wire header is 12 bytes");
_Static_assert(offsetof(struct vport_dpdk_msg, fds) ==
	VSW_VHU_HDR_SIZE + VPORT_DPDK_PAYLOAD_SIZE,
	"fds follow the payload union");
_Static_assert(offsetof(struct vport_dpdk_msg, fd_num) ==
	VSW_VHU_HDR_SIZE + VPORT_DPDK_PAYLOAD_SIZE +
	VSW_VHU_MAX_FDS * sizeof(int), "fd_num follows the fds");
_Static_assert(sizeof(struct vsw_vhu_mem_table) <= VPORT_DPDK_PAYLOAD_SIZE,
	"the largest payload we read fits the union");

/*
 * What rte_vhost guarantees about every message it hands to a hook
 * (read_vhost_message() and read_fd_message() in lib/vhost): the payload
 * size fits the union, 0 <= fd_num <= 8, fds[0 .. fd_num-1] are open
 * descriptors and the rest are -1. If the mirror were wrong these would
 * be read from the wrong bytes and, with overwhelming likelihood, fail.
 *
 * @return true if @p m looks like a message rte_vhost produced.
 */
bool
vport_dpdk_msg_check(const struct vport_dpdk_msg *m);

/*
 * Called, on the receiving thread, for every recvmsg() in the process
 * that brought file descriptors: the socket and the fds as received.
 */
typedef void (*vport_dpdk_recv_cb_t)(int sockfd, const int *fds, int n);

/* Install (or, with NULL, remove) the recvmsg() watcher. */
void
vport_dpdk_watch_recvmsg(vport_dpdk_recv_cb_t cb);

/*
 * Make rte_vhost's message thread watch the sockets started since it
 * last went to sleep (point 5 above): on 22.11 send it the wake-up signal
 * (SIGURG, installing a handler that does nothing the first time, unless
 * the process has a handler of its own); elsewhere nothing.
 *
 * @return 0; -ESRCH when there is no such thread yet; -EBUSY when SIGURG
 *   has another handler; another negative errno from sigaction() or
 *   tgkill().
 */
int
vport_dpdk_wake_events_thread(void);

#endif /* VPORT_DPDK_COMPAT_H */
