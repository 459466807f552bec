/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CAPTURE_H
#define VSW_CAPTURE_H

/**
 * @file
 * Packet capture: copies of the frames a port receives or is sent, in a
 * pcapng file that tcpdump and tshark read.
 *
 * A capture covers one or more ports, in one or both directions (rx: the
 * frames the switch received from the port; tx: the frames it delivered
 * to the port), with an optional snap length and 802.1Q VLAN filter, and
 * stops after a number of frames, after a time, or when asked. Several
 * captures run at once, each port in at most one of them.
 *
 * The file is pcapng, formatted by DPDK's rte_pcapng: its section header
 * (rte_pcapng_fdopen()) and every packet block (rte_pcapng_copy(): the
 * copy, truncated to the snap length, with its direction flag). rte_pcapng
 * describes only ethdev ports, and vuswitch's ports are rte_vhost devices,
 * so this module writes the interface description blocks (one per port of
 * the capture, named after it) and fills in each packet block's interface
 * and time stamp (from the TSC, in nanoseconds) before writing it.
 *
 * Data path. The forwarding lcores call vsw_capture_burst() for each
 * burst they receive from or deliver to a port, but only while
 * vsw_capture_active() says a capture runs: with none, the cost is one
 * load and one predictable branch per burst. vsw_capture_burst() takes a
 * reference on each frame of a captured port (no copy: the frame stays
 * in the forwarding lcore's cache) and puts it, with its time stamp, in
 * the calling lcore's single-producer ring. One writer thread, never a
 * forwarding lcore, takes them from every ring, copies each frame into a
 * pcapng block (rte_pcapng_copy(), into a mempool of the module's own),
 * lets go of the reference and writes the files. A ring holds at most
 * VSW_CAPTURE_RING frames, so a capture keeps at most
 * VSW_CAPTURE_MBUFS_PER_LCORE mbufs of the forwarding pool per lcore:
 * size the pool for them. When a ring is full (a slow disk, a stalled
 * pipe), the frame is not captured and that is counted in the capture's
 * status: the forwarded frame itself is never delayed or dropped. No lock
 * is taken and nothing is read but the mbuf.
 *
 * Thread safety. vsw_capture_burst() may be called by the lcores
 * (each with its own index) concurrently with everything. Functions
 * marked "control" are serialised by the module's own mutex and may be
 * called from any non-lcore thread.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "vsw_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Frames one lcore's ring holds for the writer. */
#define VSW_CAPTURE_RING 2048
/**
 * The most mbufs of the forwarding pools captures hold per lcore (its
 * ring, and the writer's batch): add it to the pools' size per lcore.
 */
#define VSW_CAPTURE_MBUFS_PER_LCORE (VSW_CAPTURE_RING + 64)

/** Captures that can run at once. */
#define VSW_CAPTURE_MAX 8
/** Ports one capture can cover. */
#define VSW_CAPTURE_MAX_PORTS 16
/** Longest capture file name, with its NUL. */
#define VSW_CAPTURE_PATH_MAX 1024
/** Longest port name in a capture (the interface name in the file). */
#define VSW_CAPTURE_NAME_MAX 64

/** Directions, as bits. */
#define VSW_CAPTURE_RX 1u  /**< Frames the switch received from the port. */
#define VSW_CAPTURE_TX 2u  /**< Frames the switch delivered to the port. */

/** Creation parameters. */
struct vsw_capture_params {
	uint16_t nb_lcores;   /**< Data-path lcores (indexes 0..n-1). */
	int socket_id;        /**< NUMA node of the rings and mempool. */
	/**
	 * Wait until no lcore can still be in a vsw_capture_burst() call
	 * that started before now (an RCU grace period), or NULL. Used when
	 * a capture ends, so that its last copies are in the rings before
	 * the writer's final pass.
	 */
	void (*quiesce)(void *arg);
	void *quiesce_arg;
};

/** What to capture. */
struct vsw_capture_spec {
	const char *file;                       /**< Created or truncated. */
	uint16_t nb_ports;
	uint16_t port[VSW_CAPTURE_MAX_PORTS];   /**< Switch port ids. */
	const char *name[VSW_CAPTURE_MAX_PORTS];/**< Interface names. */
	unsigned int dir;        /**< VSW_CAPTURE_RX and/or VSW_CAPTURE_TX. */
	uint64_t count;          /**< Stop after this many frames; 0: no limit. */
	uint32_t seconds;        /**< Stop after this long; 0: no limit. */
	uint32_t snaplen;        /**< Bytes kept of each frame; 0: all. */
	int vlan;                /**< Only frames whose outer 802.1Q tag has
				      this VLAN id (0-4095); -1: every frame. */
};

/** Where a capture is. */
enum vsw_capture_state {
	VSW_CAPTURE_FREE = 0,    /**< No capture in this slot. */
	VSW_CAPTURE_RUNNING,
	VSW_CAPTURE_STOPPING,    /**< Asked to stop; the writer finishes. */
	VSW_CAPTURE_DONE,        /**< File complete and closed. */
	VSW_CAPTURE_FAILED,      /**< Stopped by a write error (see error). */
};

/** Why a capture ended. */
enum vsw_capture_end {
	VSW_CAPTURE_END_NONE = 0, /**< Still running. */
	VSW_CAPTURE_END_COUNT,    /**< Reached its frame count. */
	VSW_CAPTURE_END_TIME,     /**< Reached its time limit. */
	VSW_CAPTURE_END_STOP,     /**< vsw_capture_stop(). */
	VSW_CAPTURE_END_PORT,     /**< One of its ports was removed. */
	VSW_CAPTURE_END_ERROR,    /**< The file could not be written. */
	VSW_CAPTURE_END_SHUTDOWN, /**< vsw_capture_free(). */
};

/** A capture's figures. */
struct vsw_capture_status {
	int id;                   /**< Slot, 0 .. VSW_CAPTURE_MAX - 1. */
	enum vsw_capture_state state;
	enum vsw_capture_end end;
	char file[VSW_CAPTURE_PATH_MAX];
	uint16_t nb_ports;
	uint16_t port[VSW_CAPTURE_MAX_PORTS];
	char name[VSW_CAPTURE_MAX_PORTS][VSW_CAPTURE_NAME_MAX];
	unsigned int dir;
	uint64_t count;
	uint32_t seconds;
	uint32_t snaplen;
	int vlan;
	double elapsed_s;         /**< Since the start (to the end, once over). */
	uint64_t copied;          /**< Frames the lcores handed to the
				       writer. */
	uint64_t written;         /**< Frames written to the file. */
	uint64_t bytes;           /**< Bytes written to the file. */
	uint64_t dropped_ring;    /**< Frames not captured: the lcore's ring
				       was full (the file is not kept up
				       with). */
	uint64_t dropped_nombuf;  /**< Frames not written: the writer had no
				       mbuf for the copy. */
	uint64_t filtered;        /**< Frames not copied: other VLAN. */
	char error[128];          /**< Why it failed, or "". */
};

/** Names of the states and ends, for output. */
const char *
vsw_capture_state_name(enum vsw_capture_state s);
const char *
vsw_capture_end_name(enum vsw_capture_end e);

struct vsw_capture;

/**
 * Control: create the module and start its writer thread (which inherits
 * the caller's CPU affinity: call it from a control CPU). The copies'
 * mempool is allocated by the first capture.
 *
 * @return The module, or NULL with rte_errno set.
 */
struct vsw_capture *
vsw_capture_create(const struct vsw_capture_params *p);

/**
 * Control: end every capture (closing its file cleanly, with what was
 * copied so far), stop the writer and free everything. The lcores must
 * have stopped calling vsw_capture_burst(). NULL is accepted.
 */
void
vsw_capture_free(struct vsw_capture *c);

/**
 * Control: start a capture. The file is created (mode 0600) or truncated,
 * and starts with its section and interface blocks before this returns.
 *
 * @param err  One line saying what is wrong, on failure.
 * @return The capture's id (>= 0), or a negative errno: -EINVAL (a bad
 *   spec), -ENOENT (the file's directory does not exist), -EBUSY (a port
 *   is already captured, or the file is another running capture's),
 *   -ENOSPC (VSW_CAPTURE_MAX captures run), -ENOMEM, or what opening or
 *   writing the file failed with.
 */
int
vsw_capture_start(struct vsw_capture *c, const struct vsw_capture_spec *s,
	char *err, size_t errlen);

/**
 * Control: stop capture @p id, waiting at most @p timeout_ms for the
 * writer to write what was copied and close the file.
 *
 * @return 0 (closed), -EINPROGRESS (still writing: the writer closes it
 *   when the file takes the rest), -ENOENT (no such running capture).
 */
int
vsw_capture_stop(struct vsw_capture *c, int id, unsigned int timeout_ms);

/**
 * Control: port @p port is going away: stop the capture that covers it
 * (its file is closed; the end is VSW_CAPTURE_END_PORT), waiting at most
 * @p timeout_ms. Returns when no copy of the port's frames can be made.
 */
void
vsw_capture_port_removed(struct vsw_capture *c, uint16_t port,
	unsigned int timeout_ms);

/**
 * Control: the running capture whose file is @p file (the same file,
 * whatever the path), or covering @p port (with @p file NULL).
 *
 * @return Its id, or -ENOENT.
 */
int
vsw_capture_find(struct vsw_capture *c, const char *file, int port);

/**
 * Control: figures of capture @p id (running or ended; an ended one is
 * kept until its slot is reused).
 *
 * @return 0, or -ENOENT for a free slot.
 */
int
vsw_capture_status(struct vsw_capture *c, int id,
	struct vsw_capture_status *out);

/* ----------------------------------------------------------------- */
/* Data path */

/** Private: the module's state the data path reads. */
struct vsw_capture_dp {
	uint32_t active;   /**< Captures running (any thread may read). */
};

/**
 * Any thread: is any capture running? The flag to test once per burst
 * before calling vsw_capture_burst(). A NULL module never captures.
 */
static inline const uint32_t *
vsw_capture_active_flag(const struct vsw_capture *c)
{
	static const uint32_t never;

	return c != NULL ? &((const struct vsw_capture_dp *)c)->active :
		&never;
}

/**
 * Lcore @p lcore (0 .. nb_lcores - 1): the switch received @p pkts from
 * (@p dir VSW_CAPTURE_RX) or delivered them to (VSW_CAPTURE_TX) port
 * @p port. Copies those a capture wants into the lcore's ring. The frames
 * are only read; they stay the caller's. @p n is at most VSW_BURST (more
 * are not looked at).
 */
void
vsw_capture_burst(struct vsw_capture *c, uint16_t lcore, uint16_t port,
	unsigned int dir, struct rte_mbuf *const *pkts, uint16_t n);

#ifdef __cplusplus
}
#endif

#endif /* VSW_CAPTURE_H */
