/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the classifier's unit tests (test_fwd.c, test_fwd_vlan.c,
 * test_offload.c) and its fuzz target (tests/fuzz/fuzz_fwd_classify.c):
 * header-only, like unit_mac.h.
 */
#ifndef VSW_UNIT_FWD_H
#define VSW_UNIT_FWD_H

#include <string.h>

#include "fwd_classify.h"
#include "unit_mac.h"

/* An empty view: every port down, no vid, no VLANs. */
static inline void
unit_view_init(struct fwd_view *v)
{
	unsigned int i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < VSW_MAX_PORTS; i++)
		v->port[i].vid = -1;
}

#endif /* VSW_UNIT_FWD_H */
