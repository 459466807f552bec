/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAC tables for the tests that need one (test_mac.c, the classifier's
 * tests and fuzz target): header-only, so that the other tests, which
 * link unit.c, need no MAC table library.
 */
#ifndef VSW_UNIT_MAC_H
#define VSW_UNIT_MAC_H

#include <stdio.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "vsw_mac.h"

/*
 * A MAC table of @p capacity entries, at most @p port_limit a port, for
 * ports 0 to @p nb_ports - 1; exits the process if it cannot be made.
 */
static inline struct vsw_mac_table *
unit_mac_table(uint32_t capacity, uint32_t port_limit, uint16_t nb_ports)
{
	struct vsw_mac_params p = {
		.capacity = capacity,
		.port_limit = port_limit,
		.nb_ports = nb_ports,
		.socket_id = SOCKET_ID_ANY,
	};
	struct vsw_mac_table *t = vsw_mac_create(&p);

	if (t == NULL) {
		fprintf(stderr, "vsw_mac_create(%u, %u, %u): %s\n", capacity,
			port_limit, nb_ports, rte_strerror(rte_errno));
		exit(2);
	}
	return t;
}

#endif /* VSW_UNIT_MAC_H */
