/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vuswitch application: configuration, and the objects the main thread,
 * the statistics printer and the telemetry commands share.
 */
#ifndef APP_H
#define APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "vsw_fwd.h"
#include "vsw_mac.h"
#include "vsw_vport.h"

#define APP_NAME "vuswitch"

/* Exit codes: 0 success, 1 runtime failure, 2 bad command line. */
#define APP_EXIT_FAIL 1
#define APP_EXIT_USAGE 2

struct app_config {
	struct vsw_vport_params ports;
	enum vsw_fwd_mode mode;
	unsigned int stats_period;   /* seconds, 0 = only at exit */
	uint32_t mac_aging;          /* seconds */
	uint32_t mac_capacity;
	uint32_t mac_port_limit;
	uint32_t backlog;            /* frames held per suspended port */
	uint32_t nb_mbufs;           /* 0 = computed */
	uint32_t suspend_timeout_ms;
	uint32_t ctrl_priority;      /* SCHED_FIFO of rte_vhost's thread, 0: none */
};

struct app {
	struct app_config cfg;
	struct rte_mempool *pool;
	struct vsw_mac_table *mac;
	struct vsw_fwd *fwd;
	struct vsw_vport_set *ports;
	uint16_t nb_pmd;
	unsigned int pmd_lcore[VSW_MAX_PMD];
};

/*
 * Parse the application options (those after "--").
 * Returns 0 to go on, 1 if --help was printed, or -1 after printing a
 * one-line error.
 */
int
app_parse_args(int argc, char **argv, struct app_config *cfg);

/* Print usage to stdout. */
void
app_usage(const char *prog);

/* testpmd-style counters; @p interval is seconds since the last call
 * (0 for no rates). */
void
app_stats_print(const struct app *a, double interval);

/* Register the /vuswitch/... telemetry commands. */
int
app_telemetry_init(struct app *a);

/* Make the telemetry commands answer "shutting down" from now on. */
void
app_telemetry_fini(void);

#endif /* APP_H */
