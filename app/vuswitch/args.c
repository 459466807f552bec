/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line of vuswitch: the options after "--".
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define DEF_MAC_AGING 300
#define DEF_MAC_CAPACITY 8192
#define DEF_MAC_PORT_LIMIT 4096
#define DEF_BACKLOG 4096
#define DEF_SUSPEND_TIMEOUT_MS (VSW_VPORT_SUSPEND_TIMEOUT_US / 1000)
#define DEF_CTRL_PRIORITY 1
#define DEF_AUTO_LB_LOAD 95
#define DEF_AUTO_LB_INTERVAL 10

void
app_usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n"
		"       %s --config FILE [options]\n"
		"\n"
		"A poll-mode vhost-user L2 switch. Every EAL worker lcore is a PMD lcore.\n"
		"\n"
		"Options:\n"
		"  --config FILE         read EAL arguments, options and ports from an INI\n"
		"                        file (see vuswitch(8)); options on the command line\n"
		"                        override the file's, ports add to its ports, and\n"
		"                        EAL options before '--' replace its [eal] args\n"
		"  --port PATH[,name=NAME][,client=1][,queues=N][,suspend=0][,pmd=LIST]\n"
		"             [,offload=0]\n"
		"                        add a vhost-user port (repeat for more, up to %d;\n"
		"                        none is fine: vuswitch-ctl add-port adds them at\n"
		"                        run time). Server mode (default) creates the\n"
		"                        socket at PATH; client=1 connects to a listening\n"
		"                        front-end and reconnects when it goes away.\n"
		"                        name=NAME (default: the socket's file name without\n"
		"                        .sock). queues=N polls N queue pairs (1-%d,\n"
		"                        default 1). suspend=0 stops advertising\n"
		"                        SUSPEND/RESUME (protocol feature 18). pmd=LIST\n"
		"                        pins its queues to these PMD lcores (EAL lcore\n"
		"                        ids, ':' between them, ranges like 2-5).\n"
		"                        offload=0 offers the front-end no checksum or TCP\n"
		"                        segmentation offload\n"
		"  --port eth:DEVARGS[,name=NAME][,queues=N][,pmd=LIST][,offload=0]\n"
		"                        add a DPDK ethdev port: a device string\n"
		"                        (net_tap0,iface=vsw0, a PCI address, ...),\n"
		"                        probed now and removed with the port, or the\n"
		"                        name of an ethdev EAL made (--vdev, -a).\n"
		"                        name, queues, pmd and offload are the switch's;\n"
		"                        every other key=value is the device's. queues=N\n"
		"                        RX queues (RSS), one TX queue per PMD (no\n"
		"                        fewer than RX queues).\n"
		"                        offload=0 leaves the device's checksum and TSO\n"
		"                        offloads off\n"
		"  VLANs, keys of both --port kinds: vlan=N an access port on VLAN N\n"
		"                        (1-4094; untagged frames); trunks=LIST a trunk\n"
		"                        carrying the tagged VLANs of LIST (':' between\n"
		"                        them, ranges like 20-30), native=N its untagged\n"
		"                        VLAN. None: VLAN 0, frames as they are\n"
		"  --mtu N               MTU of the ethdev ports, %d-%d (default %d);\n"
		"                        above about 2000 the device needs RX scatter\n"
		"  --mode learn|xconnect learn: MAC-learning switch (default);\n"
		"                        xconnect: patch ports in pairs 0<->1, 2<->3, ...\n"
		"  --stats SECONDS       print per-port counters every SECONDS (0: only at exit)\n"
		"  --mac-aging SECONDS   idle time before a MAC entry is removed (default %d)\n"
		"  --mac-table-size N    most MAC entries in total (default %d)\n"
		"  --mac-port-limit N    most MAC entries per port (default %d)\n"
		"  --backlog N           frames held per suspended port (default %d)\n"
		"  --mbufs N             mbufs in the pool (default: computed)\n"
		"  --no-suspend          advertise SUSPEND/RESUME on no port (for QEMU >= 8.2,\n"
		"                        which uses protocol feature bit 18 for another thing)\n"
		"  --suspend-timeout MS  bound on the SUSPEND handshake (default %d)\n"
		"  --no-offload          offload=0 on every port, also ports added at run\n"
		"                        time: guests checksum and segment every frame\n"
		"  --no-firewall         let every front-end message through to rte_vhost\n"
		"                        unchecked (only to measure what rte_vhost itself\n"
		"                        does with hostile input; see docs/security.md)\n"
		"  --pmd-auto-lb         move queues between PMD lcores by their load when\n"
		"                        the busiest PMD stays above --pmd-auto-lb-load\n"
		"                        for --pmd-auto-lb-interval seconds (off by default)\n"
		"  --pmd-auto-lb-load PCT   busy share that counts as overloaded (default %d)\n"
		"  --pmd-auto-lb-interval SECONDS   how long it must last (default %d)\n"
		"  --ctrl-priority N     real-time (SCHED_FIFO) priority of rte_vhost's\n"
		"                        message thread, 1-99; 0 leaves it at normal\n"
		"                        priority (default %d)\n"
		"  --pmd-sleep-max US    let idle PMD lcores sleep, up to US microseconds\n"
		"                        at a time (0-%d; default 0: busy-poll always).\n"
		"                        Saves CPU when idle; adds up to US us of latency\n"
		"                        to the first frame after a quiet spell\n"
		"  --help                print this help and exit\n"
		"\n"
		"Example:\n"
		"  %s -l 0,1 --no-huge -m 512 --no-pci -- \\\n"
		"      --port /tmp/vm1.sock --port /tmp/vm2.sock --stats 1\n",
		prog, prog, VSW_MAX_PORTS, VSW_MAX_QUEUES, VSW_VPORT_MTU_MIN,
		VSW_VPORT_MTU_MAX, VSW_VPORT_MTU_DEFAULT, DEF_MAC_AGING,
		DEF_MAC_CAPACITY, DEF_MAC_PORT_LIMIT, DEF_BACKLOG,
		DEF_SUSPEND_TIMEOUT_MS, DEF_AUTO_LB_LOAD, DEF_AUTO_LB_INTERVAL,
		DEF_CTRL_PRIORITY, VSW_FWD_SLEEP_MAX_US, prog);
}

/*
 * Where the option being parsed came from: set by app_parse_args() for
 * each option, so that an error in a config file names its file, line,
 * section and key. cur_key is the --port key being parsed, if any.
 */
static const struct app_where *cur_where;
static const char *cur_key;

static int
where_line(const struct app_where *w, const char *key)
{
	unsigned int i;

	for (i = 0; key != NULL && i < w->nb_keys; i++)
		if (strcmp(w->keys[i], key) == 0)
			return w->key_lines[i];
	return w->line;
}

static void __attribute__((format(printf, 1, 2)))
arg_error(const char *fmt, ...)
{
	const struct app_where *w = cur_where;
	va_list ap;

	fprintf(stderr, APP_NAME ": error: ");
	if (w != NULL && w->file != NULL) {
		const char *key = w->key != NULL ? w->key : cur_key;

		fprintf(stderr, "%s:%d: [%s]%s%s: ", w->file,
			where_line(w, cur_key), w->section,
			key != NULL ? " " : "", key != NULL ? key : "");
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, w != NULL && w->file != NULL ? "\n" :
		" (see --help)\n");
}

/* "--port SPEC: " on the command line; a config file names the key. */
static const char *
port_ctx(const char *spec, char *buf, size_t len)
{
	if (cur_where != NULL && cur_where->file != NULL)
		buf[0] = '\0';
	else
		snprintf(buf, len, "--port %s: ", spec);
	return buf;
}

/* PATH[,key=value]...: see app_port_spec_parse(). */
static int
parse_port(const char *spec, struct app_config *cfg)
{
	struct vsw_vport_params *ports = &cfg->ports;
	struct app_port_spec ps;
	char ctx[PATH_MAX + 16], why[256];
	const char *key;

	if (ports->nb_ports >= VSW_MAX_PORTS) {
		arg_error("too many ports (at most %d)", VSW_MAX_PORTS);
		return -1;
	}
	if (app_port_spec_parse(spec, &ps, &key, why, sizeof(why)) != 0) {
		cur_key = key;
		arg_error("%s%s", port_ctx(spec, ctx, sizeof(ctx)), why);
		return -1;
	}
	ports->port[ports->nb_ports] = ps.conf;
	memcpy(cfg->pmd_lcores[ports->nb_ports], ps.pmd_lcores,
		sizeof(ps.pmd_lcores));
	ports->nb_ports++;
	return 0;
}

enum {
	OPT_PORT = 256,
	OPT_MODE,
	OPT_STATS,
	OPT_MAC_AGING,
	OPT_MAC_SIZE,
	OPT_MAC_LIMIT,
	OPT_BACKLOG,
	OPT_MBUFS,
	OPT_NO_SUSPEND,
	OPT_NO_FIREWALL,
	OPT_NO_OFFLOAD,
	OPT_SUSPEND_TIMEOUT,
	OPT_CTRL_PRIORITY,
	OPT_HELP,
	OPT_CONFIG,
	OPT_AUTO_LB,
	OPT_AUTO_LB_LOAD,
	OPT_AUTO_LB_INTERVAL,
	OPT_PMD_SLEEP_MAX,
	OPT_MTU,
};

static const struct option long_opts[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "mac-aging", required_argument, NULL, OPT_MAC_AGING },
	{ "mac-table-size", required_argument, NULL, OPT_MAC_SIZE },
	{ "mac-port-limit", required_argument, NULL, OPT_MAC_LIMIT },
	{ "backlog", required_argument, NULL, OPT_BACKLOG },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "no-suspend", no_argument, NULL, OPT_NO_SUSPEND },
	{ "no-firewall", no_argument, NULL, OPT_NO_FIREWALL },
	{ "no-offload", no_argument, NULL, OPT_NO_OFFLOAD },
	{ "suspend-timeout", required_argument, NULL, OPT_SUSPEND_TIMEOUT },
	{ "ctrl-priority", required_argument, NULL, OPT_CTRL_PRIORITY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "pmd-auto-lb", no_argument, NULL, OPT_AUTO_LB },
	{ "pmd-auto-lb-load", required_argument, NULL, OPT_AUTO_LB_LOAD },
	{ "pmd-auto-lb-interval", required_argument, NULL,
		OPT_AUTO_LB_INTERVAL },
	{ "pmd-sleep-max", required_argument, NULL, OPT_PMD_SLEEP_MAX },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ NULL, 0, NULL, 0 },
};

int
app_option_arg(const char *name)
{
	const struct option *o;

	for (o = long_opts; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o->has_arg == required_argument;
	return -1;
}

/* A numeric option; on error prints and returns -1. */
static int
parse_num_opt(const char *name, const char *arg, unsigned long min,
	unsigned long max, uint32_t *out)
{
	unsigned long v;

	if (app_parse_uint(arg, min, max, &v) != 0) {
		arg_error("--%s must be a number from %lu to %lu, got '%s'",
			name, min, max, arg);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
parse_one(int opt, const char *arg, struct app_config *cfg)
{
	switch (opt) {
	case OPT_PORT:
		return parse_port(arg, cfg);
	case OPT_MODE:
		if (strcmp(arg, "learn") == 0) {
			cfg->mode = VSW_FWD_LEARN;
		} else if (strcmp(arg, "xconnect") == 0) {
			cfg->mode = VSW_FWD_XCONNECT;
		} else {
			arg_error("--mode must be learn or xconnect, got '%s'",
				arg);
			return -1;
		}
		return 0;
	case OPT_STATS:
		return parse_num_opt("stats", arg, 0, 86400,
			&cfg->stats_period);
	case OPT_MAC_AGING:
		return parse_num_opt("mac-aging", arg, 1, 1000000,
			&cfg->mac_aging);
	case OPT_MAC_SIZE:
		return parse_num_opt("mac-table-size", arg, 1,
			VSW_MAC_CAPACITY_MAX,
			&cfg->mac_capacity);
	case OPT_MAC_LIMIT:
		return parse_num_opt("mac-port-limit", arg, 1,
			VSW_MAC_CAPACITY_MAX,
			&cfg->mac_port_limit);
	case OPT_BACKLOG:
		return parse_num_opt("backlog", arg, 1, VSW_FWD_BACKLOG_MAX,
			&cfg->backlog);
	case OPT_MBUFS:
		return parse_num_opt("mbufs", arg, 1024, 1u << 24,
			&cfg->nb_mbufs);
	case OPT_SUSPEND_TIMEOUT:
		return parse_num_opt("suspend-timeout", arg, 1, 60000,
			&cfg->suspend_timeout_ms);
	case OPT_CTRL_PRIORITY:
		return parse_num_opt("ctrl-priority", arg, 0, 99,
			&cfg->ctrl_priority);
	case OPT_AUTO_LB_LOAD:
		return parse_num_opt("pmd-auto-lb-load", arg, 10, 100,
			&cfg->auto_lb_load);
	case OPT_AUTO_LB_INTERVAL:
		return parse_num_opt("pmd-auto-lb-interval", arg, 1, 3600,
			&cfg->auto_lb_interval);
	case OPT_PMD_SLEEP_MAX:
		return parse_num_opt("pmd-sleep-max", arg, 0,
			VSW_FWD_SLEEP_MAX_US, &cfg->pmd_sleep_max_us);
	case OPT_MTU:
		return parse_num_opt("mtu", arg, VSW_VPORT_MTU_MIN,
			VSW_VPORT_MTU_MAX, &cfg->mtu);
	default:
		return -1;
	}
}

/* What getopt_long() returned '?' for. */
static void
getopt_error(char **argv)
{
	if (optopt == OPT_NO_SUSPEND || optopt == OPT_NO_FIREWALL ||
			optopt == OPT_NO_OFFLOAD ||
			optopt == OPT_HELP || optopt == OPT_AUTO_LB)
		arg_error("option --%s takes no value",
			long_opts[optopt - OPT_PORT].name);
	else if (optopt != 0)
		arg_error("option --%s needs a value",
			long_opts[optopt - OPT_PORT].name);
	else
		arg_error("unknown option '%s'", argv[optind - 1]);
}

int
app_scan_args(int argc, char **argv, const char **config, int *nb_config)
{
	char **copy = malloc(sizeof(*copy) * (argc + 1));
	int opt, help = 0;

	*config = NULL;
	*nb_config = 0;
	if (copy == NULL)
		return -ENOMEM;
	/* getopt_long() permutes its vector: let it permute a copy. */
	memcpy(copy, argv, sizeof(*copy) * argc);
	copy[argc] = NULL;
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, copy, "", long_opts, NULL)) != -1) {
		if (opt == OPT_HELP) {
			help = 1;
		} else if (opt == OPT_CONFIG) {
			*config = optarg;
			(*nb_config)++;
		} else if (opt == '?' && optopt == OPT_CONFIG) {
			(*nb_config)++;     /* without its FILE */
		}
	}
	free(copy);
	return help;
}

int
app_parse_args(int argc, char **argv, const struct app_where *where,
	struct app_config *cfg)
{
	bool no_suspend = false;
	uint16_t i;
	int opt, ret = -1;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = VSW_FWD_LEARN;
	cfg->mac_aging = DEF_MAC_AGING;
	cfg->mac_capacity = DEF_MAC_CAPACITY;
	cfg->mac_port_limit = DEF_MAC_PORT_LIMIT;
	cfg->backlog = DEF_BACKLOG;
	cfg->suspend_timeout_ms = DEF_SUSPEND_TIMEOUT_MS;
	cfg->ctrl_priority = DEF_CTRL_PRIORITY;
	cfg->auto_lb_load = DEF_AUTO_LB_LOAD;
	cfg->auto_lb_interval = DEF_AUTO_LB_INTERVAL;
	cfg->mtu = VSW_VPORT_MTU_DEFAULT;

	opterr = 0;
	optind = 0;
	for (;;) {
		cur_where = NULL;
		cur_key = NULL;
		if (where != NULL && optind < argc)
			cur_where = &where[optind > 0 ? optind : 1];
		opt = getopt_long(argc, argv, "", long_opts, NULL);
		if (opt == -1)
			break;
		if (opt == OPT_HELP) {
			app_usage(APP_NAME);
			ret = 1;
			goto out;
		}
		if (opt == OPT_NO_SUSPEND) {
			no_suspend = true;
			continue;
		}
		if (opt == OPT_NO_OFFLOAD) {
			cfg->no_offload = true;
			continue;
		}
		if (opt == OPT_NO_FIREWALL) {
			cfg->ports.no_firewall = true;
			continue;
		}
		if (opt == OPT_AUTO_LB) {
			cfg->pmd_auto_lb = true;
			continue;
		}
		if (opt == OPT_CONFIG)  /* read by app_cmdline_build() */
			continue;
		if (opt == '?') {
			getopt_error(argv);
			goto out;
		}
		if (parse_one(opt, optarg, cfg) != 0)
			goto out;
	}
	cur_where = NULL;
	if (optind < argc) {
		arg_error("unexpected argument '%s'", argv[optind]);
		goto out;
	}
	for (i = 0; i < cfg->ports.nb_ports; i++) {
		if (no_suspend)
			cfg->ports.port[i].suspend = false;
		if (cfg->no_offload)
			cfg->ports.port[i].offload = false;
	}
	cfg->ports.suspend_timeout_us = (uint64_t)cfg->suspend_timeout_ms * 1000;
	cfg->ports.mtu = (uint16_t)cfg->mtu;
	cfg->ports.xconnect = cfg->mode == VSW_FWD_XCONNECT;
	ret = 0;
out:
	cur_where = NULL;
	cur_key = NULL;
	return ret;
}
