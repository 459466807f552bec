/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vuswitch: a poll-mode vhost-user L2 switch.
 *
 * The main thread parses the command line, builds the objects, launches
 * the PMD lcores and then only sleeps, ages the MAC table and prints
 * counters until SIGINT or SIGTERM. rte_vhost's own thread handles the
 * vhost-user protocol; DPDK's telemetry thread serves /vuswitch/ commands.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "app.h"

#define POOL_CACHE 256
#define POOL_BASE 8192
#define POOL_MAX (1u << 20)
/* Longest wait of a capture for the PMD lcores. */
#define APP_QUIESCE_US 1000000

static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static void
fatal_usage(const char *msg, const char *what)
{
	fprintf(stderr, APP_NAME ": error: %s%s\n", msg, what ? what : "");
}

/* Everything that can be checked before EAL starts: no output but ours. */
static int
early_parse(int argc, char **argv, struct app_cmdline *cl,
	struct app_config *cfg)
{
	int ret;

	ret = app_cmdline_build(argc, argv, cl);
	if (ret != 0)
		return ret;
	ret = app_parse_args(cl->argc, cl->argv, cl->where, cfg);
	if (ret != 0)
		return ret;
	return app_cmdline_check_ports(cl, cfg);
}

/*
 * Every port takes file descriptors (its socket, the connection, kick
 * and call eventfds per ring, the guest memory's fds): hundreds of ports
 * need more than the usual soft limit of 1024. Raise it to the hard one.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
collect_pmds(struct app *a)
{
	unsigned int lcore;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (a->nb_pmd == VSW_MAX_PMD)
			break;
		a->pmd_lcore[a->nb_pmd++] = lcore;
	}
	return a->nb_pmd > 0 ? 0 : -1;
}

/*
 * Ports whose backlogs the pool is sized for: those of the command line
 * and config file, and at least this many more that come at run time.
 * A backlog that finds the pool empty drops (counted as no-mbuf);
 * --mbufs sizes it by hand.
 */
#define POOL_MIN_PORTS 16

static uint32_t
pool_size(const struct app *a)
{
	const struct vsw_vport_params *pp = &a->cfg.ports;
	uint64_t n;
	uint16_t i;

	if (a->cfg.nb_mbufs != 0)
		return a->cfg.nb_mbufs;
	/*
	 * Bursts in flight, the frames captures may hold (lib/capture) and
	 * every suspended port's backlog.
	 */
	n = POOL_BASE + (uint64_t)a->nb_pmd * (POOL_CACHE * 2 +
		VSW_CAPTURE_MBUFS_PER_LCORE) +
		(uint64_t)RTE_MAX(pp->nb_ports, POOL_MIN_PORTS) *
		a->cfg.backlog;
	/* What the ethdev ports' descriptors hold: RX and TX queues. */
	for (i = 0; i < pp->nb_ports; i++)
		if (pp->port[i].kind == VSW_VPORT_ETH)
			n += (uint64_t)(RTE_MAX(pp->port[i].nb_queues,
				a->nb_pmd) + a->nb_pmd) * VSW_VPORT_ETH_DESC *
				100 / VSW_VPORT_ETH_POOL_PCT;
	return (uint32_t)RTE_MIN(n, (uint64_t)POOL_MAX);
}

/*
 * One mbuf pool per NUMA node that has PMD lcores: a port's dequeues
 * take mbufs from the pool of its memory's node (vsw_fwd_port_numa()).
 * The main lcore's node's pool is the default.
 */
static int
create_pools(struct app *a, struct vsw_fwd_params *fp)
{
	uint32_t n = pool_size(a);
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int i, node;

	a->pool = rte_pktmbuf_pool_create("vsw_mbufs", n, POOL_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (a->pool == NULL)
		goto fail;
	fp->pool = a->pool;
	fp->pools[rte_socket_id() % RTE_MAX_NUMA_NODES] = a->pool;
	for (i = 0; i < a->nb_pmd; i++) {
		node = rte_lcore_to_socket_id(a->pmd_lcore[i]);
		if (node >= RTE_MAX_NUMA_NODES || fp->pools[node] != NULL)
			continue;
		snprintf(name, sizeof(name), "vsw_mbufs_%u", node);
		fp->pools[node] = rte_pktmbuf_pool_create(name, n, POOL_CACHE,
			0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)node);
		if (fp->pools[node] == NULL)
			goto fail;
		a->node_pool[node] = fp->pools[node];
	}
	return 0;
fail:
	fprintf(stderr, APP_NAME ": error: cannot allocate %u mbufs "
		"(%u MB): %s; give EAL more memory (-m) or use a "
		"smaller --backlog or --mbufs\n", n,
		(unsigned int)((uint64_t)n * (RTE_MBUF_DEFAULT_BUF_SIZE +
			sizeof(struct rte_mbuf)) >> 20),
		rte_strerror(rte_errno));
	return -1;
}

/* pmd= of the command line and config file: lcore ids to PMD masks. */
static int
resolve_pmds(struct app *a)
{
	struct app_port_spec ps;
	char err[256];
	uint16_t i;

	for (i = 0; i < a->cfg.ports.nb_ports; i++) {
		ps.conf = a->cfg.ports.port[i];
		memcpy(ps.pmd_lcores, a->cfg.pmd_lcores[i],
			sizeof(ps.pmd_lcores));
		if (app_port_spec_pmds(a, &ps, err, sizeof(err)) != 0) {
			fprintf(stderr, APP_NAME ": error: port %s: %s\n",
				ps.conf.path, err);
			return -1;
		}
		a->cfg.ports.port[i].pmd_mask = ps.conf.pmd_mask;
	}
	return 0;
}

/* Capture's wait for the lcores (any thread; bounded). */
static void
quiesce(void *arg)
{
	struct app *a = arg;

	if (a->fwd != NULL)
		vsw_fwd_quiesce(a->fwd, APP_QUIESCE_US);
}

static int
create_capture(struct app *a)
{
	struct vsw_capture_params cp = {
		.nb_lcores = a->nb_pmd,
		.socket_id = (int)rte_socket_id(),
		.quiesce = quiesce,
		.quiesce_arg = a,
	};

	/* Its writer thread inherits this (main) thread's CPUs. */
	a->capture = vsw_capture_create(&cp);
	if (a->capture == NULL) {
		fatal_usage("cannot create packet capture: ",
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* Returns 0 or the exit code. */
static int
build(struct app *a)
{
	struct vsw_fwd_params fp = { 0 };
	struct vsw_mac_params mp = { 0 };
	char err[512] = "";

	if (resolve_pmds(a) != 0)
		return APP_EXIT_USAGE;
	if (create_pools(a, &fp) != 0)
		return APP_EXIT_FAIL;
	if (a->cfg.mode == VSW_FWD_LEARN) {
		mp.capacity = a->cfg.mac_capacity;
		mp.port_limit = a->cfg.mac_port_limit;
		mp.nb_ports = VSW_MAX_PORTS;
		mp.socket_id = (int)rte_socket_id();
		a->mac = vsw_mac_create(&mp);
		if (a->mac == NULL) {
			fatal_usage("cannot create the MAC table: ",
				rte_strerror(rte_errno));
			return APP_EXIT_FAIL;
		}
	}
	fp.mode = a->cfg.mode;
	fp.nb_ports = 0;	/* vsw_vport_create() adds them */
	fp.nb_pmd = a->nb_pmd;
	memcpy(fp.pmd_lcore, a->pmd_lcore, sizeof(fp.pmd_lcore));
	fp.backlog = a->cfg.backlog;
	fp.mac = a->mac;
	fp.socket_id = (int)rte_socket_id();
	fp.sleep_max_us = a->cfg.pmd_sleep_max_us;
	if (create_capture(a) != 0)
		return APP_EXIT_FAIL;
	fp.capture = a->capture;
	a->fwd = vsw_fwd_create(&fp);
	if (a->fwd == NULL) {
		fatal_usage("cannot create the forwarding engine: ",
			rte_strerror(rte_errno));
		return APP_EXIT_FAIL;
	}
	a->cfg.ports.fwd = a->fwd;
	a->cfg.ports.mac = a->mac;
	a->cfg.ports.ctrl_priority = (int)a->cfg.ctrl_priority;
	a->ports = vsw_vport_create(&a->cfg.ports, err, sizeof(err));
	if (a->ports == NULL) {
		fatal_usage(err, NULL);
		return APP_EXIT_USAGE;
	}
	return 0;
}

/* Stop forwarding: afterwards the counters are final. */
static void
stop(struct app *a)
{
	int id;

	app_telemetry_fini();
	/* The final counters name the ports that were left. */
	for (id = a->ports != NULL ? vsw_vport_next(a->ports, 0) : -1;
			id >= 0; id = vsw_vport_next(a->ports, id + 1))
		a->last_conf[id] = *vsw_vport_conf(a->ports, (uint16_t)id);
	/* Devices are destroyed while the lcores still run (RCU needs them). */
	vsw_vport_free(a->ports);
	a->ports = NULL;
	if (a->fwd != NULL)
		vsw_fwd_stop(a->fwd);
	/* Running captures end here: their files are complete. */
	vsw_capture_free(a->capture);
	a->capture = NULL;
}

static void
release(struct app *a)
{
	unsigned int i;

	vsw_capture_free(a->capture);	/* if stop() did not run */
	vsw_fwd_free(a->fwd);
	vsw_mac_free(a->mac);
	rte_mempool_free(a->pool);
	for (i = 0; i < RTE_MAX_NUMA_NODES; i++)
		rte_mempool_free(a->node_pool[i]);
}

/* Once a second: load figures, and the automatic rebalance. */
static void
balance_tick(struct app *a, struct vsw_fwd_auto_lb *lb)
{
	uint64_t busy[VSW_MAX_PMD], interval, max = 0, before, after;
	uint16_t i;
	int moved;

	vsw_fwd_load_sample(a->fwd);
	if (!a->cfg.pmd_auto_lb)
		return;
	interval = vsw_fwd_pmd_load(a->fwd, busy);
	for (i = 0; i < a->nb_pmd; i++)
		max = RTE_MAX(max, busy[i]);
	if (interval == 0 || !vsw_fwd_auto_lb_tick(lb,
			(unsigned int)(max * 100 / interval)))
		return;
	moved = vsw_fwd_rebalance(a->fwd, VSW_FWD_AUTO_LB_MIN_GAIN, &before,
		&after);
	if (moved > 0)
		printf(APP_NAME ": pmd-auto-lb: moved %d queue(s); busiest PMD "
			"%" PRIu64 "%% -> %" PRIu64 "%% busy\n", moved,
			before * 100 / interval, after * 100 / interval);
	fflush(stdout);
}

static void
main_loop(struct app *a)
{
	uint64_t hz = rte_get_timer_hz();
	uint64_t last_age = rte_get_timer_cycles(), last_stats = last_age;
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	uint64_t parked[VSW_BITMAP_WORDS(VSW_MAX_PORTS)];
	struct vsw_fwd_auto_lb lb = {
		.load_pct = a->cfg.auto_lb_load,
		.interval = a->cfg.auto_lb_interval,
	};

	while (!quit_signal) {
		uint64_t now;

		nanosleep(&nap, NULL);
		now = rte_get_timer_cycles();
		app_lock();
		if (now - last_age >= hz) {
			balance_tick(a, &lb);
			vsw_vport_poll_links(a->ports);
			if (a->mac != NULL) {
				vsw_vport_parked_ports(a->ports, parked);
				vsw_mac_age(a->mac, vsw_fwd_now(a->fwd),
					a->cfg.mac_aging, parked);
			}
			last_age = now;
		}
		if (a->cfg.stats_period != 0 &&
				now - last_stats >= a->cfg.stats_period * hz) {
			app_stats_print(a, (double)(now - last_stats) / hz);
			last_stats = now;
		}
		app_unlock();
	}
}

int
main(int argc, char **argv)
{
	static struct app_cmdline cl;
	static struct app a;
	char err[512] = "";
	int ret;

	ret = early_parse(argc, argv, &cl, &a.cfg);
	if (ret != 0)
		return ret > 0 ? 0 : APP_EXIT_USAGE;

	raise_fd_limit();
	if (rte_eal_init(cl.eal_argc, cl.eal_argv) < 0) {
		fatal_usage("EAL initialisation failed: ", rte_errno != 0 ?
			rte_strerror(rte_errno) : "see the EAL messages above");
		return APP_EXIT_USAGE;
	}
	if (collect_pmds(&a) != 0) {
		fatal_usage("no PMD lcore: give EAL at least two lcores, "
			"e.g. -l 0,1", NULL);
		rte_eal_cleanup();
		return APP_EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/*
	 * A write to a front-end's pipe or socket whose reader is gone
	 * (rte_vhost writes call fds and replies) must fail, not kill the
	 * switch and every VM's network with it.
	 */
	signal(SIGPIPE, SIG_IGN);

	ret = build(&a);
	if (ret != 0)
		goto out;
	ret = APP_EXIT_FAIL;
	if (vsw_fwd_start(a.fwd) != 0) {
		fatal_usage("cannot launch the PMD lcores", NULL);
		goto out;
	}
	ret = vsw_vport_start(a.ports, err, sizeof(err));
	if (ret != 0) {
		fatal_usage(err, NULL);
		ret = ret == -ESRCH ? APP_EXIT_FAIL : APP_EXIT_USAGE;
		goto out;
	}
	app_ports_init(&a, cl.nb_names);
	a.config_file = cl.file;
	if (app_telemetry_init(&a) != 0) {
		fatal_usage("cannot register the telemetry commands", NULL);
		ret = APP_EXIT_FAIL;
		goto out;
	}
	printf(APP_NAME ": %u port(s), %u PMD lcore(s), mode %s; "
		"press Ctrl-C to stop\n", a.cfg.ports.nb_ports, a.nb_pmd,
		a.cfg.mode == VSW_FWD_LEARN ? "learn" : "xconnect");
	fflush(stdout);
	main_loop(&a);
	printf("\n" APP_NAME ": signal %d received, stopping\n", quit_signal);
	ret = 0;
out:
	stop(&a);
	if (ret == 0) {
		printf("\n  ---------------- final counters ----------------");
		app_stats_print(&a, 0);
	}
	release(&a);
	rte_eal_cleanup();
	app_cmdline_free(&cl);
	return ret;
}
