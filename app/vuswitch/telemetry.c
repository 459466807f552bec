/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's control interface: DPDK telemetry commands under
 * /vuswitch/. Query them with dpdk-telemetry.py or scripts/vuswitch-ctl.
 *
 * Handlers run on DPDK's telemetry thread. They take tel_lock so that
 * shutdown can take the objects away from under them, and so that the
 * main thread (app_lock()) never reads a port that is being removed.
 *
 * A reply is at most 16 KB of JSON and a dict at most 256 entries, so
 * the lists that grow with the ports (ports, pmd-rxq-show) come in
 * pages: a "next" key says where the next page starts, and
 * vuswitch-ctl asks for pages until there is none.
 */

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "app.h"

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct app *app;

/* Entries per page of a list that grows with the ports. */
#define PAGE 32

void
app_lock(void)
{
	pthread_mutex_lock(&tel_lock);
}

void
app_unlock(void)
{
	pthread_mutex_unlock(&tel_lock);
}

typedef int (*handler_t)(struct app *a, const char *params,
	struct rte_tel_data *d);

/* Run @p h with the app locked; "shutting down" once it is gone. */
static int
with_app(handler_t h, const char *params, struct rte_tel_data *d)
{
	int ret;

	pthread_mutex_lock(&tel_lock);
	if (app == NULL) {
		rte_tel_data_string(d, "shutting down");
		ret = 0;
	} else {
		ret = h(app, params, d);
	}
	pthread_mutex_unlock(&tel_lock);
	return ret;
}

static int
port_arg(struct app *a, const char *params)
{
	if (params == NULL)
		return -1;
	return vsw_vport_lookup(a->ports, params);
}

/* "" or a page's first index. */
static int
page_start(const char *params, unsigned long max, unsigned long *start)
{
	*start = 0;
	if (params == NULL || params[0] == '\0')
		return 0;
	return app_parse_uint(params, 0, max, start);
}

/* The PMDs of a port's queues, as "lcore:lcore" (EAL lcore ids). */
static void
port_pmds(struct app *a, uint16_t port, const struct vsw_fwd_rxq_info *rq,
	unsigned int n, char *buf, size_t len)
{
	uint64_t lcores[APP_LCORE_WORDS] = { 0 };
	unsigned int i;

	for (i = 0; i < n; i++)
		if (rq[i].port == port && rq[i].pmd < a->nb_pmd)
			vsw_bitmap_set(lcores, a->pmd_lcore[rq[i].pmd]);
	app_format_lcores(lcores, buf, len);
}

static struct vsw_fwd_rxq_info rxqs[VSW_MAX_PORTS * VSW_MAX_QUEUES];

/* "server" or "client" for a vhost-user port, "eth" for an ethdev. */
static const char *
port_mode(const struct vsw_vport_conf *c)
{
	if (c->kind == VSW_VPORT_ETH)
		return "eth";
	return c->client ? "client" : "server";
}

static void
add_port_entry(struct app *a, uint16_t id, unsigned int nrq,
	struct rte_tel_data *d)
{
	struct rte_tel_data *e = rte_tel_data_alloc();
	struct vsw_vport_conf c;
	char key[8], pmds[256], where[VSW_VPORT_DEVARGS_MAX + 8];

	if (e == NULL || vsw_vport_conf_get(a->ports, id, &c) != 0) {
		rte_tel_data_free(e);
		return;
	}
	rte_tel_data_start_dict(e);
	rte_tel_data_add_dict_string(e, "name", c.name);
	rte_tel_data_add_dict_string(e, "path",
		app_port_where(&c, where, sizeof(where)));
	rte_tel_data_add_dict_string(e, "mode", port_mode(&c));
	rte_tel_data_add_dict_string(e, "state", app_port_state(a, id));
	rte_tel_data_add_dict_int(e, "queues", c.nb_queues);
	port_pmds(a, id, rxqs, nrq, pmds, sizeof(pmds));
	rte_tel_data_add_dict_string(e, "pmds", pmds);
	snprintf(key, sizeof(key), "%u", id);
	if (rte_tel_data_add_dict_container(d, key, e, 0) != 0)
		rte_tel_data_free(e);
}

/* Ports from id START (default 0), PAGE at a time. */
static int
h_ports(struct app *a, const char *params, struct rte_tel_data *d)
{
	unsigned long start;
	unsigned int n = 0, nrq;
	int id;

	if (page_start(params, VSW_MAX_PORTS, &start) != 0)
		return -EINVAL;
	nrq = vsw_fwd_rxq_info(a->fwd, rxqs, RTE_DIM(rxqs));
	rte_tel_data_start_dict(d);
	for (id = vsw_vport_next(a->ports, start); id >= 0;
			id = vsw_vport_next(a->ports, id + 1)) {
		if (n++ == PAGE) {
			rte_tel_data_add_dict_int(d, "next", id);
			break;
		}
		add_port_entry(a, (uint16_t)id, nrq, d);
	}
	return 0;
}

static const char *const vlan_modes[] = {
	[VSW_VLAN_NONE] = "none",
	[VSW_VLAN_ACCESS] = "access",
	[VSW_VLAN_TRUNK] = "trunk",
};

/* vlan_mode, vlan (access), trunks and native (trunk). */
static void
add_vlan_info(struct app *a, uint16_t port, struct rte_tel_data *d)
{
	struct vsw_vport_conf c;
	char list[RTE_TEL_MAX_STRING_LEN];

	if (vsw_vport_conf_get(a->ports, port, &c) != 0 ||
			c.vlan.mode >= RTE_DIM(vlan_modes))
		return;
	rte_tel_data_add_dict_string(d, "vlan_mode", vlan_modes[c.vlan.mode]);
	if (c.vlan.mode == VSW_VLAN_ACCESS)
		rte_tel_data_add_dict_int(d, "vlan", c.vlan.vlan);
	if (c.vlan.mode != VSW_VLAN_TRUNK)
		return;
	/* A list too long for one string is cut short, with "...". */
	if (app_format_vlans(c.vlan.trunks, list, sizeof(list)) >=
			sizeof(list))
		strcpy(list + sizeof(list) - 4, "...");
	rte_tel_data_add_dict_string(d, "trunks", list);
	rte_tel_data_add_dict_int(d, "native", c.vlan.vlan);
}

static void
add_result(struct rte_tel_data *d, int ret, const char *err)
{
	rte_tel_data_add_dict_int(d, "result", ret < 0 ? ret : 0);
	rte_tel_data_add_dict_string(d, "error", ret < 0 ? err : "");
}

/* PATH[,name=NAME][,client=1][,queues=N][,suspend=0][,pmd=LIST][,offload=0] */
static int
h_add_port(struct app *a, const char *params, struct rte_tel_data *d)
{
	struct vsw_vport_conf c;
	char err[RTE_TEL_MAX_STRING_LEN] = "";
	char where[VSW_VPORT_DEVARGS_MAX + 8];
	int id;

	id = app_port_add(a, params != NULL ? params : "", err, sizeof(err));
	rte_tel_data_start_dict(d);
	add_result(d, id, err);
	if (id >= 0 && vsw_vport_conf_get(a->ports, (uint16_t)id, &c) == 0) {
		rte_tel_data_add_dict_int(d, "id", id);
		rte_tel_data_add_dict_string(d, "name", c.name);
		rte_tel_data_add_dict_string(d, "path",
			app_port_where(&c, where, sizeof(where)));
	}
	return 0;
}

static void add_port_stats(struct app *a, uint16_t port,
	struct rte_tel_data *d);

/* PORT,vlan=N | PORT,trunks=LIST[,native=N] */
static int
h_set_port(struct app *a, const char *params, struct rte_tel_data *d)
{
	char err[RTE_TEL_MAX_STRING_LEN] = "";
	int id;

	id = app_port_set(a, params, err, sizeof(err));
	rte_tel_data_start_dict(d);
	add_result(d, id, err);
	if (id >= 0) {
		rte_tel_data_add_dict_int(d, "id", id);
		add_vlan_info(a, (uint16_t)id, d);
	}
	return 0;
}

static int
h_del_port(struct app *a, const char *params, struct rte_tel_data *d)
{
	char err[RTE_TEL_MAX_STRING_LEN] = "", note[RTE_TEL_MAX_STRING_LEN];
	int id;

	id = app_port_del(a, params, err, sizeof(err), note, sizeof(note));
	rte_tel_data_start_dict(d);
	add_result(d, id, err);
	if (id < 0)
		return 0;
	rte_tel_data_add_dict_int(d, "id", id);
	rte_tel_data_add_dict_string(d, "mirror", note);
	/*
	 * Its final counters, the frames it held when it went among them
	 * (port-down): nothing else can show them, and they stay until the
	 * id is added again, which cannot happen before this returns.
	 */
	add_port_stats(a, (uint16_t)id, d);
	return 0;
}

static unsigned int
pct(uint64_t part, uint64_t whole)
{
	return whole == 0 ? 0 : (unsigned int)((part * 100 + whole / 2) / whole);
}

static void
add_rxq_entry(struct app *a, const struct vsw_fwd_rxq_info *r,
	unsigned int idx, struct rte_tel_data *d)
{
	struct rte_tel_data *e = rte_tel_data_alloc();
	const struct vsw_vport_conf *c = vsw_vport_conf(a->ports, r->port);
	char key[16];

	if (e == NULL)
		return;
	rte_tel_data_start_dict(e);
	rte_tel_data_add_dict_int(e, "port", r->port);
	rte_tel_data_add_dict_string(e, "name", c != NULL ? c->name : "");
	rte_tel_data_add_dict_int(e, "queue", r->queue);
	rte_tel_data_add_dict_int(e, "pmd", r->pmd);
	rte_tel_data_add_dict_int(e, "lcore", r->pmd < a->nb_pmd ?
		(int)a->pmd_lcore[r->pmd] : -1);
	/* Its share of its PMD's busy cycles, as OVS shows it. */
	rte_tel_data_add_dict_int(e, "usage_pct", (int)pct(r->cycles,
		r->pmd_cycles));
	snprintf(key, sizeof(key), "rxq_%u", idx);
	if (rte_tel_data_add_dict_container(d, key, e, 0) != 0)
		rte_tel_data_free(e);
}

static void
add_pmd_loads(struct app *a, const uint64_t *busy, uint64_t interval,
	struct rte_tel_data *d)
{
	char key[16];
	uint16_t i;

	for (i = 0; i < a->nb_pmd; i++) {
		struct rte_tel_data *e = rte_tel_data_alloc();

		if (e == NULL)
			return;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_int(e, "lcore", (int)a->pmd_lcore[i]);
		rte_tel_data_add_dict_int(e, "busy_pct",
			(int)pct(busy[i], interval));
		snprintf(key, sizeof(key), "pmd_%u", i);
		if (rte_tel_data_add_dict_container(d, key, e, 0) != 0)
			rte_tel_data_free(e);
	}
}

/* Queues from index START, PAGE at a time; the PMDs on the first page. */
static int
h_pmd_rxq_show(struct app *a, const char *params, struct rte_tel_data *d)
{
	uint64_t busy[VSW_MAX_PMD], interval;
	unsigned long start;
	unsigned int n, i;

	n = vsw_fwd_rxq_info(a->fwd, rxqs, RTE_DIM(rxqs));
	if (page_start(params, n, &start) != 0)
		return -EINVAL;
	interval = vsw_fwd_pmd_load(a->fwd, busy);
	rte_tel_data_start_dict(d);
	if (start == 0)
		add_pmd_loads(a, busy, interval, d);
	for (i = start; i < n && i < start + PAGE; i++)
		add_rxq_entry(a, &rxqs[i], i, d);
	if (i < n)
		rte_tel_data_add_dict_int(d, "next", (int)i);
	return 0;
}

static int
h_pmd_rxq_rebalance(struct app *a, const char *params, struct rte_tel_data *d)
{
	uint64_t busy[VSW_MAX_PMD], before = 0, after = 0, interval;
	int ret;

	(void)params;
	interval = vsw_fwd_pmd_load(a->fwd, busy);
	ret = vsw_fwd_rebalance(a->fwd, 0, &before, &after);
	rte_tel_data_start_dict(d);
	add_result(d, ret, ret < 0 ? strerror(-ret) : "");
	rte_tel_data_add_dict_int(d, "moved", ret > 0 ? ret : 0);
	rte_tel_data_add_dict_int(d, "busiest_pct_before",
		(int)pct(before, interval));
	rte_tel_data_add_dict_int(d, "busiest_pct_after",
		(int)pct(ret > 0 ? after : before, interval));
	return 0;
}

/*
 * Telemetry names are letters, digits and '_': "drop_ring_full",
 * "rejected_bad_mem", "rx_q0_packets".
 */
static void
add_counter(struct rte_tel_data *d, const char *prefix, const char *name,
	uint64_t v)
{
	char key[RTE_ETH_XSTATS_NAME_SIZE + 16], *c;

	snprintf(key, sizeof(key), "%s%s", prefix, name);
	for (c = key; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			*c = '_';
	rte_tel_data_add_dict_u64(d, key, v);
}

static void
add_port_stats(struct app *a, uint16_t port, struct rte_tel_data *d)
{
	struct vsw_port_stats s;
	int r;

	vsw_fwd_port_stats(a->fwd, port, &s);
	rte_tel_data_add_dict_u64(d, "rx_packets", s.rx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_packets", s.tx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_bytes", s.tx_bytes);
	for (r = 0; r < VSW_DROP_MAX; r++)
		add_counter(d, "drop_", vsw_drop_names[r], s.drop[r]);
	rte_tel_data_add_dict_u64(d, "learn_table_full", s.learn_table_full);
	rte_tel_data_add_dict_u64(d, "learn_port_limit", s.learn_port_limit);
	rte_tel_data_add_dict_u64(d, "mac_moves", s.mac_moves);
}

/* The handshake histogram, cumulative as Prometheus has it:
 * handshake_le_5_us ... handshake_le_inf, and handshake_sum_us. */
static void
add_handshake_hist(const struct vsw_vport_info *in, struct rte_tel_data *d)
{
	static const uint32_t bounds[] = VSW_VPORT_HS_BOUNDS_US;
	uint64_t cum = 0;
	unsigned int b;
	char key[32];

	for (b = 0; b < VSW_VPORT_HS_BUCKETS; b++) {
		cum += in->handshake_hist[b];
		if (b < RTE_DIM(bounds))
			snprintf(key, sizeof(key), "handshake_le_%u_us",
				bounds[b]);
		else
			snprintf(key, sizeof(key), "handshake_le_inf");
		rte_tel_data_add_dict_u64(d, key, cum);
	}
	rte_tel_data_add_dict_u64(d, "handshake_sum_us", in->handshake_sum_us);
}

static void
add_suspend_info(struct app *a, uint16_t port, struct rte_tel_data *d)
{
	struct vsw_vport_info in;
	int r;

	if (vsw_vport_info(a->ports, port, &in) != 0)
		return;
	rte_tel_data_add_dict_int(d, "connected", in.connected);
	rte_tel_data_add_dict_int(d, "suspend_advertised",
		vsw_vport_conf(a->ports, port)->suspend);
	rte_tel_data_add_dict_int(d, "suspend_negotiated",
		in.suspend_negotiated);
	rte_tel_data_add_dict_u64(d, "protocol_features",
		in.protocol_features);
	rte_tel_data_add_dict_int(d, "offload_offered",
		vsw_vport_conf(a->ports, port)->offload);
	rte_tel_data_add_dict_u64(d, "features", in.features);
	rte_tel_data_add_dict_u64(d, "offloads", in.offloads);
	rte_tel_data_add_dict_u64(d, "suspends", in.suspends);
	rte_tel_data_add_dict_u64(d, "suspend_failures", in.suspend_failures);
	rte_tel_data_add_dict_u64(d, "last_handshake_us",
		in.last_handshake_us);
	rte_tel_data_add_dict_u64(d, "max_handshake_us", in.max_handshake_us);
	add_handshake_hist(&in, d);
	for (r = VSW_REJECT_NONE + 1; r < VSW_REJECT_MAX; r++)
		add_counter(d, "rejected_", vsw_vport_reject_name(r),
			in.rejected[r]);
}

/* The ethdev's own counters, basic and extended, in dict @p name. */
static void
add_eth_stats(uint16_t eth, const char *name, struct rte_tel_data *d)
{
	struct rte_tel_data *x = rte_tel_data_alloc();
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int n, i;

	if (x == NULL)
		return;
	rte_tel_data_start_dict(x);
	n = rte_eth_xstats_get_names(eth, NULL, 0);
	if (n > 0) {
		names = calloc(n, sizeof(*names));
		vals = calloc(n, sizeof(*vals));
	}
	if (names != NULL && vals != NULL &&
			rte_eth_xstats_get_names(eth, names, n) == n &&
			rte_eth_xstats_get(eth, vals, n) == n)
		for (i = 0; i < n && i < RTE_TEL_MAX_DICT_ENTRIES; i++)
			add_counter(x, "", names[vals[i].id].name,
				vals[i].value);
	free(names);
	free(vals);
	if (rte_tel_data_add_dict_container(d, name, x, 0) != 0)
		rte_tel_data_free(x);
}

static void
add_eth_info(struct app *a, uint16_t port, struct rte_tel_data *d)
{
	struct vsw_vport_eth_info ei;
	struct rte_eth_stats st;

	if (vsw_vport_eth_info(a->ports, port, &ei) != 0)
		return;
	rte_tel_data_add_dict_int(d, "ethdev", ei.eth_port);
	rte_tel_data_add_dict_int(d, "probed", ei.owned);
	rte_tel_data_add_dict_string(d, "link", ei.link_up ? "up" : "down");
	rte_tel_data_add_dict_u64(d, "link_speed", ei.link_speed);
	rte_tel_data_add_dict_u64(d, "link_changes", ei.link_changes);
	rte_tel_data_add_dict_int(d, "rx_queues", ei.nb_rxq);
	rte_tel_data_add_dict_int(d, "tx_queues", ei.nb_txq);
	rte_tel_data_add_dict_int(d, "rx_descriptors", ei.nb_rxd);
	rte_tel_data_add_dict_int(d, "tx_descriptors", ei.nb_txd);
	rte_tel_data_add_dict_int(d, "mtu", ei.mtu);
	rte_tel_data_add_dict_int(d, "rx_scatter", ei.scatter);
	rte_tel_data_add_dict_int(d, "offload_offered",
		vsw_vport_conf(a->ports, port)->offload);
	rte_tel_data_add_dict_u64(d, "offloads", ei.offloads);
	rte_tel_data_add_dict_u64(d, "tx_offload_capa", ei.tx_offload_capa);
	rte_tel_data_add_dict_u64(d, "tx_offloads", ei.tx_offloads);
	if (rte_eth_stats_get(ei.eth_port, &st) == 0) {
		rte_tel_data_add_dict_u64(d, "eth_ipackets", st.ipackets);
		rte_tel_data_add_dict_u64(d, "eth_opackets", st.opackets);
		rte_tel_data_add_dict_u64(d, "eth_ibytes", st.ibytes);
		rte_tel_data_add_dict_u64(d, "eth_obytes", st.obytes);
		rte_tel_data_add_dict_u64(d, "eth_imissed", st.imissed);
		rte_tel_data_add_dict_u64(d, "eth_ierrors", st.ierrors);
		rte_tel_data_add_dict_u64(d, "eth_oerrors", st.oerrors);
		rte_tel_data_add_dict_u64(d, "eth_rx_nombuf", st.rx_nombuf);
	}
	add_eth_stats(ei.eth_port, "xstats", d);
}

static int
h_port(struct app *a, const char *params, struct rte_tel_data *d)
{
	const struct vsw_vport_conf *c;
	char where[VSW_VPORT_DEVARGS_MAX + 8];
	int port = port_arg(a, params);

	if (port < 0)
		return -EINVAL;
	c = vsw_vport_conf(a->ports, (uint16_t)port);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "id", port);
	rte_tel_data_add_dict_string(d, "name", c->name);
	rte_tel_data_add_dict_string(d, "path",
		app_port_where(c, where, sizeof(where)));
	rte_tel_data_add_dict_string(d, "mode", port_mode(c));
	rte_tel_data_add_dict_int(d, "queues", c->nb_queues);
	rte_tel_data_add_dict_string(d, "state",
		app_port_state(a, (uint16_t)port));
	add_vlan_info(a, (uint16_t)port, d);
	rte_tel_data_add_dict_u64(d, "mac_entries", a->mac == NULL ? 0 :
		vsw_mac_count(a->mac, (uint16_t)port));
	rte_tel_data_add_dict_u64(d, "backlog",
		vsw_fwd_backlog_count(a->fwd, (uint16_t)port));
	add_port_stats(a, (uint16_t)port, d);
	if (c->kind == VSW_VPORT_ETH)
		add_eth_info(a, (uint16_t)port, d);
	else
		add_suspend_info(a, (uint16_t)port, d);
	return 0;
}

/* Admin SUSPEND/RESUME: the same code path as the vhost-user messages. */
static int
admin_op(struct app *a, const char *params, struct rte_tel_data *d,
	bool suspend)
{
	int port = port_arg(a, params);
	int ret;

	if (port < 0)
		return -EINVAL;
	ret = suspend ? vsw_vport_suspend(a->ports, (uint16_t)port) :
		vsw_vport_resume(a->ports, (uint16_t)port);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "port", port);
	rte_tel_data_add_dict_int(d, "result", ret);
	rte_tel_data_add_dict_string(d, "error", ret == 0 ? "" :
		ret == -ENOTSUP ? "an ethdev port cannot be suspended" :
		strerror(-ret));
	rte_tel_data_add_dict_string(d, "state",
		app_port_state(a, (uint16_t)port));
	add_suspend_info(a, (uint16_t)port, d);
	return 0;
}

static int
h_suspend(struct app *a, const char *params, struct rte_tel_data *d)
{
	return admin_op(a, params, d, true);
}

static int
h_resume(struct app *a, const char *params, struct rte_tel_data *d)
{
	return admin_op(a, params, d, false);
}

/* "PMD,MS": make a PMD lcore look stuck, to test the SUSPEND timeout. */
static int
h_stall(struct app *a, const char *params, struct rte_tel_data *d)
{
	unsigned long pmd, ms;
	char *end;

	if (params == NULL)
		return -EINVAL;
	pmd = strtoul(params, &end, 10);
	if (*end != ',')
		return -EINVAL;
	ms = strtoul(end + 1, &end, 10);
	if (*end != '\0' || pmd > UINT16_MAX || ms > UINT32_MAX ||
			vsw_fwd_debug_stall(a->fwd, (uint16_t)pmd,
				(uint32_t)ms) != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "pmd", (int)pmd);
	rte_tel_data_add_dict_u64(d, "stall_ms", ms);
	return 0;
}

static int
h_pmd(struct app *a, const char *params, struct rte_tel_data *d)
{
	struct vsw_pmd_stats s;
	char *end;
	unsigned long pmd;

	if (params == NULL)
		return -EINVAL;
	pmd = strtoul(params, &end, 10);
	if (*end != '\0' || pmd >= a->nb_pmd)
		return -EINVAL;
	vsw_fwd_pmd_stats(a->fwd, (uint16_t)pmd, &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "lcore", (int)a->pmd_lcore[pmd]);
	rte_tel_data_add_dict_int(d, "polls",
		vsw_fwd_pmd_nb_polls(a->fwd, (uint16_t)pmd));
	rte_tel_data_add_dict_u64(d, "busy_cycles", s.busy_cycles);
	rte_tel_data_add_dict_u64(d, "idle_cycles", s.idle_cycles);
	rte_tel_data_add_dict_u64(d, "sleep_cycles", s.sleep_cycles);
	rte_tel_data_add_dict_u64(d, "sleeps", s.sleeps);
	rte_tel_data_add_dict_u64(d, "sleep_max_us", vsw_fwd_sleep_max(a->fwd));
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	rte_tel_data_add_dict_u64(d, "iterations", s.iterations);
	rte_tel_data_add_dict_u64(d, "rx_packets", s.rx_pkts);
	return 0;
}

/* "US": change --pmd-sleep-max while running. */
static int
h_sleep_max(struct app *a, const char *params, struct rte_tel_data *d)
{
	unsigned long us;
	char *end;

	if (params == NULL || *params < '0' || *params > '9')
		return -EINVAL;
	us = strtoul(params, &end, 10);
	if (*end != '\0' || us > UINT32_MAX ||
			vsw_fwd_set_sleep_max(a->fwd, (uint32_t)us) != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "sleep_max_us", vsw_fwd_sleep_max(a->fwd));
	return 0;
}

struct mac_walk {
	struct rte_tel_data *per_port[VSW_MAX_PORTS];
};

static int
add_mac(const struct vsw_mac_entry *e, void *arg)
{
	struct mac_walk *w = arg;
	char mac[RTE_ETHER_ADDR_FMT_SIZE + 16];
	char *c;

	if (e->port >= VSW_MAX_PORTS || w->per_port[e->port] == NULL)
		return 0;
	rte_ether_format_addr(mac, sizeof(mac), &e->addr);
	for (c = mac; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	if (e->vlan != 0)	/* "02:00:00:00:00:0a vlan 10" */
		snprintf(mac + strlen(mac), sizeof(mac) - strlen(mac),
			" vlan %u", e->vlan);
	rte_tel_data_add_array_string(w->per_port[e->port], mac);
	return 0;
}

/* Telemetry names cannot hold ':', so: { "port": [ "mac", ... ], ... }. */
static int
h_mac(struct app *a, const char *params, struct rte_tel_data *d)
{
	static struct mac_walk w;
	uint16_t i, n = VSW_MAX_PORTS;
	char key[8];

	memset(&w, 0, sizeof(w));
	rte_tel_data_start_dict(d);
	if (a->mac == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (vsw_mac_count(a->mac, i) == 0)
			continue;
		w.per_port[i] = rte_tel_data_alloc();
		if (w.per_port[i] != NULL)
			rte_tel_data_start_array(w.per_port[i],
				RTE_TEL_STRING_VAL);
	}
	vsw_mac_walk(a->mac, add_mac, &w);
	for (i = 0; i < n; i++) {
		if (w.per_port[i] == NULL)
			continue;
		snprintf(key, sizeof(key), "%u", i);
		if (rte_tel_data_add_dict_container(d, key, w.per_port[i],
				0) != 0)
			rte_tel_data_free(w.per_port[i]);
	}
	return 0;
}

static int
h_mempool(struct app *a, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "size", a->pool->size);
	rte_tel_data_add_dict_u64(d, "in_use",
		rte_mempool_in_use_count(a->pool));
	rte_tel_data_add_dict_u64(d, "available",
		rte_mempool_avail_count(a->pool));
	return 0;
}

#define WRAP(name) \
static int \
cmd_ ## name(const char *cmd, const char *params, struct rte_tel_data *d) \
{ \
	(void)cmd; \
	return with_app(h_ ## name, params, d); \
}
WRAP(ports)
WRAP(add_port)
WRAP(del_port)
WRAP(set_port)
WRAP(pmd_rxq_show)
WRAP(pmd_rxq_rebalance)
WRAP(port)
WRAP(pmd)
WRAP(mac)
WRAP(mempool)
WRAP(suspend)
WRAP(resume)
WRAP(stall)
WRAP(sleep_max)

#define WRAP_EXT(name, fn) \
static int \
cmd_ ## name(const char *cmd, const char *params, struct rte_tel_data *d) \
{ \
	(void)cmd; \
	return with_app(fn, params, d); \
}
WRAP_EXT(capture, app_tel_capture)
WRAP_EXT(capture_stop, app_tel_capture_stop)
WRAP_EXT(captures, app_tel_captures)
WRAP_EXT(mirror, app_tel_mirror)
WRAP_EXT(mirror_stop, app_tel_mirror_stop)
WRAP_EXT(mirrors, app_tel_mirrors)

int
app_telemetry_init(struct app *a)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/vuswitch/ports", cmd_ports,
			"Ports: name, path, state, PMD lcores. Parameter: first id of the page (0); \"next\": the next page's" },
		{ "/vuswitch/add_port", cmd_add_port,
			"Add a port. Parameter: what --port takes (PATH[,KEY=VALUE]... or eth:DEVARGS[,KEY=VALUE]...)" },
		{ "/vuswitch/set_port", cmd_set_port,
			"Change a port's VLANs. Parameter: PORT,vlan=N or PORT,trunks=LIST[,native=N]" },
		{ "/vuswitch/del_port", cmd_del_port,
			"Remove a port. Parameter: port id, name or socket path" },
		{ "/vuswitch/pmd_rxq_show", cmd_pmd_rxq_show,
			"PMD loads, and each queue's PMD and share of its busy cycles. Parameter: first queue of the page (0)" },
		{ "/vuswitch/pmd_rxq_rebalance", cmd_pmd_rxq_rebalance,
			"Place every receive queue afresh by measured load. No parameters" },
		{ "/vuswitch/port", cmd_port,
			"Port configuration and counters (an ethdev's own too). Parameter: port id, name, socket path or eth:DEVARGS" },
		{ "/vuswitch/pmd", cmd_pmd,
			"PMD lcore counters. Parameter: PMD index" },
		{ "/vuswitch/mac", cmd_mac,
			"Learned MAC addresses by port (at most "
			RTE_STR(RTE_TEL_MAX_ARRAY_ENTRIES)
			" per port, within one 16 KB reply). No parameters" },
		{ "/vuswitch/mempool", cmd_mempool,
			"mbuf pool usage. No parameters" },
		{ "/vuswitch/suspend", cmd_suspend,
			"Suspend a port (same as a vhost-user SUSPEND). Parameter: port id, name or socket path" },
		{ "/vuswitch/resume", cmd_resume,
			"Resume a suspended port. Parameter: port id, name or socket path" },
		{ "/vuswitch/pmd_sleep_max", cmd_sleep_max,
			"Set how long idle PMD lcores may sleep (--pmd-sleep-max). Parameter: microseconds, 0 to "
			RTE_STR(VSW_FWD_SLEEP_MAX_US) },
		{ "/vuswitch/capture", cmd_capture,
			"Capture to pcapng: port=PORT... [dir=rx|tx|both] [count=N] [seconds=S] [snaplen=L] [vlan=V] file=PATH" },
		{ "/vuswitch/capture_stop", cmd_capture_stop,
			"Stop the capture of a port or file. Parameter: PORT or FILE; none: every capture" },
		{ "/vuswitch/captures", cmd_captures,
			"Running and ended captures, with their figures. No parameters" },
		{ "/vuswitch/mirror", cmd_mirror,
			"Mirror ports to an output port: src=PORT... out=PORT [dir=rx|tx|both]" },
		{ "/vuswitch/mirror_stop", cmd_mirror_stop,
			"End the mirror of an output port. Parameter: OUT; none: every mirror" },
		{ "/vuswitch/mirrors", cmd_mirrors,
			"Mirrors, with their figures. No parameters" },
		{ "/vuswitch/debug/stall", cmd_stall,
			"Fault injection: PMD,MS makes PMD lcore hold its view for MS ms" },
	};
	unsigned int i;

	pthread_mutex_lock(&tel_lock);
	app = a;
	pthread_mutex_unlock(&tel_lock);
	for (i = 0; i < RTE_DIM(cmds); i++)
		if (rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn,
				cmds[i].help) != 0)
			return -1;
	return 0;
}

void
app_telemetry_fini(void)
{
	pthread_mutex_lock(&tel_lock);
	app = NULL;
	pthread_mutex_unlock(&tel_lock);
}
