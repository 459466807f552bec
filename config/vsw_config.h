/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Compile-time limits shared by every vuswitch module.
 *
 * They size fixed arrays on the data path (per-lcore destination tables,
 * counters and backlogs), so they are constants rather than run-time
 * options. Port sets are bitmaps of VSW_MAX_PORTS bits (vsw_util.h).
 */
#ifndef VSW_CONFIG_H
#define VSW_CONFIG_H

/**
 * Most ports one switch can have: rte_vhost's own limit of sockets and
 * devices (RTE_MAX_VHOST_DEVICE).
 */
#define VSW_MAX_PORTS 1024

/** Most virtio-net queue pairs per port (two vrings each). */
#define VSW_MAX_QUEUES 8

/** Packets per dequeue burst, and the size of per-destination arrays. */
#define VSW_BURST 32

/** Most PMD (forwarding) lcores. */
#define VSW_MAX_PMD 64

#endif /* VSW_CONFIG_H */
