/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the classifier's unit tests (test_fwd.c, test_fwd_vlan.c)
 * and its fuzz target (tests/fuzz/fuzz_fwd_classify.c): header-only, so
 * that the other tests, which link unit.c, need no MAC table.
 */
#ifndef VSW_UNIT_FWD_H
#define VSW_UNIT_FWD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "fwd_classify.h"
#include "vsw_mac.h"

/* An empty view: every port down, no vid, no VLANs. */
static inline void
unit_view_init(struct fwd_view *v)
{
	unsigned int i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < VSW_MAX_PORTS; i++)
		v->port[i].vid = -1;
}

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
		fprintf(stderr, "vsw_mac_create: %s\n",
			rte_strerror(rte_errno));
		exit(2);
	}
	return t;
}

#endif /* VSW_UNIT_FWD_H */
