/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters on stdout, in the layout testpmd users know.
 */

#include <inttypes.h>
#include <stdio.h>

#include <rte_cycles.h>

#include "app.h"

/* Previous totals, for rates. Only the main thread prints. */
static struct vsw_port_stats prev[VSW_MAX_PORTS];

static uint64_t
sum_drops(const struct vsw_port_stats *s, int first, int last)
{
	uint64_t n = 0;
	int r;

	for (r = first; r <= last; r++)
		n += s->drop[r];
	return n;
}

static void
print_port(struct app *a, uint16_t port, double interval)
{
	const struct vsw_vport_conf *c = a->ports != NULL ?
		vsw_vport_conf(a->ports, port) : &a->last_conf[port];
	char where[VSW_VPORT_DEVARGS_MAX + 8];
	struct vsw_port_stats s;
	int r;

	vsw_fwd_port_stats(a->fwd, port, &s);
	printf("\n  ######## Port %u: %s %s [%s] ########\n", port, c->name,
		app_port_where(c, where, sizeof(where)),
		a->ports != NULL ? app_port_state(a, port) : "stopped");
	printf("  RX-packets: %-12" PRIu64 " RX-bytes: %-14" PRIu64
		" RX-dropped: %" PRIu64 "\n", s.rx_pkts, s.rx_bytes,
		sum_drops(&s, VSW_DROP_OWN_PORT, VSW_DROP_RX_LAST));
	printf("  TX-packets: %-12" PRIu64 " TX-bytes: %-14" PRIu64
		" TX-dropped: %" PRIu64 "\n", s.tx_pkts, s.tx_bytes,
		sum_drops(&s, VSW_DROP_RX_LAST + 1, VSW_DROP_MAX - 1));
	printf("  Drops:");
	for (r = 0; r < VSW_DROP_MAX; r++)
		printf(" %s %" PRIu64, vsw_drop_names[r], s.drop[r]);
	printf("\n  MAC: entries %u moves %" PRIu64 " learn-fail table-full %"
		PRIu64 " port-limit %" PRIu64 "  backlog %u\n",
		a->mac != NULL ? vsw_mac_count(a->mac, port) : 0,
		s.mac_moves, s.learn_table_full, s.learn_port_limit,
		vsw_fwd_backlog_count(a->fwd, port));
	if (interval > 0)
		printf("  Rx-pps: %-14.0f Tx-pps: %.0f\n",
			(double)(s.rx_pkts - prev[port].rx_pkts) / interval,
			(double)(s.tx_pkts - prev[port].tx_pkts) / interval);
	prev[port] = s;
}

static double
pct(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

static void
print_pmd(const struct app *a, uint16_t pmd)
{
	struct vsw_pmd_stats s;
	uint64_t total;

	vsw_fwd_pmd_stats(a->fwd, pmd, &s);
	total = s.busy_cycles + s.idle_cycles + s.sleep_cycles;
	printf("  PMD %u (lcore %u): polls %u  busy %.1f%%  idle %.1f%%"
		"  sleep %.1f%%  rx %" PRIu64 "  busy-cycles/pkt %.0f\n",
		pmd, a->pmd_lcore[pmd], vsw_fwd_pmd_nb_polls(a->fwd, pmd),
		pct(s.busy_cycles, total), pct(s.idle_cycles, total),
		pct(s.sleep_cycles, total), s.rx_pkts,
		s.rx_pkts ? (double)s.busy_cycles / (double)s.rx_pkts : 0.0);
}

void
app_stats_print(struct app *a, double interval)
{
	uint16_t i;

	for (i = 0; i < VSW_MAX_PORTS; i++)
		if (vsw_fwd_port_in_use(a->fwd, i) && (a->ports == NULL ||
				vsw_vport_conf(a->ports, i) != NULL))
			print_port(a, i, interval);
	printf("\n");
	for (i = 0; i < a->nb_pmd; i++)
		print_pmd(a, i);
	printf("  ####################################################\n");
	fflush(stdout);
}
