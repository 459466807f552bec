/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands of packet capture (lib/capture): start, stop, list.
 * They run on the telemetry thread with the app locked (telemetry.c).
 *
 *   /vuswitch/capture,port=P [port=P...] [dir=rx|tx|both] [count=N]
 *       [seconds=S] [snaplen=L] [vlan=V] file=PATH
 *   /vuswitch/capture_stop[,PORT|FILE]     (none: every capture)
 *   /vuswitch/captures
 *
 * file= comes last and takes the rest of the line, spaces included.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "app.h"

/* How long capture_stop waits for a file to be closed. */
#define STOP_WAIT_MS 2000
#define MAX_COUNT (1ULL << 40)
#define MAX_SECONDS (366u * 86400)
#define MAX_SNAPLEN 262144

static void
add_status(struct app *a, const struct vsw_capture_status *st,
	struct rte_tel_data *d)
{
	char ports[RTE_TEL_MAX_STRING_LEN] = "";
	uint16_t k;

	RTE_SET_USED(a);
	for (k = 0; k < st->nb_ports; k++)
		app_list_add(ports, sizeof(ports), st->name[k]);
	rte_tel_data_add_dict_int(d, "id", st->id);
	rte_tel_data_add_dict_string(d, "state",
		vsw_capture_state_name(st->state));
	rte_tel_data_add_dict_string(d, "end", vsw_capture_end_name(st->end));
	rte_tel_data_add_dict_string(d, "file", st->file);
	rte_tel_data_add_dict_string(d, "ports", ports);
	rte_tel_data_add_dict_string(d, "dir", app_dir_name(st->dir));
	rte_tel_data_add_dict_u64(d, "count", st->count);
	rte_tel_data_add_dict_u64(d, "seconds", st->seconds);
	rte_tel_data_add_dict_u64(d, "snaplen", st->snaplen);
	rte_tel_data_add_dict_int(d, "vlan", st->vlan);
	rte_tel_data_add_dict_u64(d, "elapsed_ms",
		(uint64_t)(st->elapsed_s * 1000));
	rte_tel_data_add_dict_u64(d, "copied", st->copied);
	rte_tel_data_add_dict_u64(d, "written", st->written);
	rte_tel_data_add_dict_u64(d, "bytes", st->bytes);
	rte_tel_data_add_dict_u64(d, "dropped",
		st->dropped_ring + st->dropped_nombuf);
	rte_tel_data_add_dict_u64(d, "dropped_ring_full", st->dropped_ring);
	rte_tel_data_add_dict_u64(d, "dropped_no_mbuf", st->dropped_nombuf);
	rte_tel_data_add_dict_u64(d, "filtered", st->filtered);
	rte_tel_data_add_dict_string(d, "error", st->error);
}

/* One capture's status as "capture_N" in @p d. */
static void
add_status_entry(struct app *a, int id, struct rte_tel_data *d)
{
	struct vsw_capture_status st;
	struct rte_tel_data *e;
	char key[16];

	if (vsw_capture_status(a->capture, id, &st) != 0)
		return;
	e = rte_tel_data_alloc();
	if (e == NULL)
		return;
	rte_tel_data_start_dict(e);
	add_status(a, &st, e);
	snprintf(key, sizeof(key), "capture_%d", id);
	if (rte_tel_data_add_dict_container(d, key, e, 0) != 0)
		rte_tel_data_free(e);
}

static int
num(const char *v, unsigned long long max, unsigned long long *out,
	const char *key, char *err, size_t errlen)
{
	unsigned long x;

	if (app_parse_uint(v, 0, max, &x) != 0) {
		snprintf(err, errlen, "%s must be a number from 0 to %llu",
			key, max);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static int
parse_port(struct app *a, const char *v, struct vsw_capture_spec *s,
	char *err, size_t errlen)
{
	const struct vsw_vport_conf *c;
	int id = vsw_vport_lookup(a->ports, v);

	if (id < 0) {
		snprintf(err, errlen, "no port '%s'", v);
		return -ENOENT;
	}
	if (s->nb_ports == VSW_CAPTURE_MAX_PORTS) {
		snprintf(err, errlen, "at most %d ports per capture",
			VSW_CAPTURE_MAX_PORTS);
		return -EINVAL;
	}
	c = vsw_vport_conf(a->ports, (uint16_t)id);
	s->name[s->nb_ports] = c->name;
	s->port[s->nb_ports++] = (uint16_t)id;
	return 0;
}

/* One key=value of the start command. */
static int
parse_kv(struct app *a, const char *k, const char *v,
	struct vsw_capture_spec *s, char *err, size_t errlen)
{
	unsigned long long x = 0;
	int ret = 0;

	if (strcmp(k, "port") == 0)
		return parse_port(a, v, s, err, errlen);
	if (strcmp(k, "dir") == 0) {
		s->dir = app_dir_parse(v);
		if (s->dir == 0) {
			snprintf(err, errlen, "dir must be rx, tx or both");
			return -EINVAL;
		}
	} else if (strcmp(k, "count") == 0) {
		ret = num(v, MAX_COUNT, &x, k, err, errlen);
		s->count = x;
	} else if (strcmp(k, "seconds") == 0) {
		ret = num(v, MAX_SECONDS, &x, k, err, errlen);
		s->seconds = (uint32_t)x;
	} else if (strcmp(k, "snaplen") == 0) {
		ret = num(v, MAX_SNAPLEN, &x, k, err, errlen);
		s->snaplen = (uint32_t)x;
	} else if (strcmp(k, "vlan") == 0) {
		ret = num(v, 4095, &x, k, err, errlen);
		s->vlan = (int)x;
	} else {
		snprintf(err, errlen, "unknown key '%s'", k);
		ret = -EINVAL;
	}
	return ret;
}

/* "key=value key=value ... file=PATH" into @p s; @p buf is consumed. */
static int
parse_start(struct app *a, char *buf, struct vsw_capture_spec *s,
	char *err, size_t errlen)
{
	char *p = buf;
	int ret;

	memset(s, 0, sizeof(*s));
	s->dir = VSW_CAPTURE_RX | VSW_CAPTURE_TX;
	s->vlan = -1;
	while (*p != '\0') {
		char *end, *eq;

		while (*p == ' ')
			p++;
		if (strncmp(p, "file=", 5) == 0) {
			s->file = p + 5;
			break;
		}
		end = p + strcspn(p, " ");
		if (*end != '\0')
			*end++ = '\0';
		eq = strchr(p, '=');
		if (*p != '\0' && eq == NULL) {
			snprintf(err, errlen, "'%s' is not key=value", p);
			return -EINVAL;
		}
		if (eq != NULL) {
			*eq = '\0';
			ret = parse_kv(a, p, eq + 1, s, err, errlen);
			if (ret != 0)
				return ret;
		}
		p = end;
	}
	if (s->file == NULL || s->nb_ports == 0) {
		snprintf(err, errlen, "give at least one port=PORT, and "
			"file=PATH last");
		return -EINVAL;
	}
	return 0;
}

int
app_tel_capture(struct app *a, const char *params, struct rte_tel_data *d)
{
	char buf[VSW_CAPTURE_PATH_MAX + 512], err[RTE_TEL_MAX_STRING_LEN] = "";
	struct vsw_capture_spec s;
	uint16_t k;
	int ret;

	if (params == NULL || strlen(params) >= sizeof(buf)) {
		snprintf(err, sizeof(err), "usage: port=PORT ... file=PATH");
		ret = -EINVAL;
	} else {
		strcpy(buf, params);
		ret = parse_start(a, buf, &s, err, sizeof(err));
		for (k = 0; ret == 0 && k < s.nb_ports; k++)
			ret = app_mirror_check_capture(a, s.port[k], s.dir,
				err, sizeof(err));
		if (ret == 0)
			ret = vsw_capture_start(a->capture, &s, err,
				sizeof(err));
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "result", ret < 0 ? ret : 0);
	rte_tel_data_add_dict_string(d, "error", ret < 0 ? err : "");
	if (ret >= 0)
		add_status_entry(a, ret, d);
	return 0;
}

/* The captures @p params names (see the file's comment) in @p ids. */
static int
stop_targets(struct app *a, const char *params, int *ids)
{
	struct vsw_capture_status st;
	int i, n = 0, id;

	if (params == NULL || params[0] == '\0') {
		for (i = 0; i < VSW_CAPTURE_MAX; i++)
			if (vsw_capture_status(a->capture, i, &st) == 0 &&
					(st.state == VSW_CAPTURE_RUNNING ||
					 st.state == VSW_CAPTURE_STOPPING))
				ids[n++] = i;
		return n;
	}
	id = vsw_vport_lookup(a->ports, params);
	id = id >= 0 ? vsw_capture_find(a->capture, NULL, id) :
		vsw_capture_find(a->capture, params, -1);
	if (id >= 0)
		ids[n++] = id;
	return n;
}

int
app_tel_capture_stop(struct app *a, const char *params,
	struct rte_tel_data *d)
{
	int ids[VSW_CAPTURE_MAX], n, i, ret = 0;

	n = stop_targets(a, params, ids);
	for (i = 0; i < n; i++) {
		int r = vsw_capture_stop(a->capture, ids[i], STOP_WAIT_MS);

		if (r != 0 && r != -ENOENT)
			ret = r;
	}
	rte_tel_data_start_dict(d);
	if (n == 0 && params != NULL && params[0] != '\0')
		ret = -ENOENT;
	rte_tel_data_add_dict_int(d, "result", ret);
	rte_tel_data_add_dict_string(d, "error", ret == -ENOENT ?
		"no running capture of that port or file" :
		ret == -EINPROGRESS ? "still writing the file; it closes "
		"when the file takes the rest" : "");
	for (i = 0; i < n; i++)
		add_status_entry(a, ids[i], d);
	return 0;
}

int
app_tel_captures(struct app *a, const char *params, struct rte_tel_data *d)
{
	int i;

	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (i = 0; i < VSW_CAPTURE_MAX; i++)
		add_status_entry(a, i, d);
	return 0;
}
