/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Compile-time limits shared by every vuswitch module.
 *
 * They size fixed arrays on the data path (per-lcore destination tables,
 * port bitmasks), so they are constants rather than run-time options.
 * A port set is a 64-bit mask, which is what bounds VSW_MAX_PORTS.
 */
#ifndef VSW_CONFIG_H
#define VSW_CONFIG_H

/** Most vhost-user ports one switch can have (a port set is a uint64_t). */
#define VSW_MAX_PORTS 64

/** Most virtio-net queue pairs per port (two vrings each). */
#define VSW_MAX_QUEUES 8

/** Packets per dequeue burst, and the size of per-destination arrays. */
#define VSW_BURST 32

/** Most PMD (forwarding) lcores. */
#define VSW_MAX_PMD 64

#endif /* VSW_CONFIG_H */
