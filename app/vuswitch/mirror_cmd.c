/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands of port mirroring (lib/fwd's mirrors): start, stop,
 * list. They run on the telemetry thread with the app locked
 * (telemetry.c), as the capture commands do, so that a mirror and a
 * capture are checked against each other without a race.
 *
 *   /vuswitch/mirror,src=P [src=P...] out=P [dir=rx|tx|both]
 *   /vuswitch/mirror_stop[,OUT]      (none: every mirror)
 *   /vuswitch/mirrors
 *
 * Mirrors live as long as the switch runs; they are not written to the
 * config file.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "app.h"

static const char *
port_name(struct app *a, uint16_t id)
{
	const struct vsw_vport_conf *c = vsw_vport_conf(a->ports, id);

	return c != NULL ? c->name : "?";
}

static void
add_status(struct app *a, const struct vsw_fwd_mirror_status *st,
	struct rte_tel_data *d)
{
	char srcs[RTE_TEL_MAX_STRING_LEN] = "";
	uint16_t k;

	for (k = 0; k < st->conf.nb_src; k++)
		app_list_add(srcs, sizeof(srcs), port_name(a, st->conf.src[k]));
	rte_tel_data_add_dict_int(d, "id", st->id);
	rte_tel_data_add_dict_string(d, "sources", srcs);
	rte_tel_data_add_dict_string(d, "out", port_name(a, st->conf.out));
	rte_tel_data_add_dict_int(d, "out_id", st->conf.out);
	rte_tel_data_add_dict_string(d, "dir", app_dir_name(st->conf.dir));
	rte_tel_data_add_dict_u64(d, "frames", st->frames);
	rte_tel_data_add_dict_u64(d, "bytes", st->bytes);
	rte_tel_data_add_dict_u64(d, "lost", st->lost);
}

/* Mirror @p st as "mirror_N" in @p d. */
static void
add_entry(struct app *a, const struct vsw_fwd_mirror_status *st,
	struct rte_tel_data *d)
{
	struct rte_tel_data *e = rte_tel_data_alloc();
	char key[16];

	if (e == NULL)
		return;
	rte_tel_data_start_dict(e);
	add_status(a, st, e);
	snprintf(key, sizeof(key), "mirror_%d", st->id);
	if (rte_tel_data_add_dict_container(d, key, e, 0) != 0)
		rte_tel_data_free(e);
}

static int
parse_port(struct app *a, const char *v, uint16_t *id, char *err,
	size_t errlen)
{
	int p = vsw_vport_lookup(a->ports, v);

	if (p < 0) {
		snprintf(err, errlen, "no port '%s'", v);
		return -ENOENT;
	}
	*id = (uint16_t)p;
	return 0;
}

/* One key=value of the start command. */
static int
parse_kv(struct app *a, const char *k, const char *v,
	struct vsw_fwd_mirror *m, bool *have_out, char *err, size_t errlen)
{
	if (strcmp(k, "src") == 0) {
		if (m->nb_src == VSW_FWD_MIRROR_MAX_SRC) {
			snprintf(err, errlen, "at most %d sources per mirror",
				VSW_FWD_MIRROR_MAX_SRC);
			return -EINVAL;
		}
		return parse_port(a, v, &m->src[m->nb_src++], err, errlen);
	}
	if (strcmp(k, "out") == 0) {
		*have_out = true;
		return parse_port(a, v, &m->out, err, errlen);
	}
	if (strcmp(k, "dir") == 0) {
		m->dir = app_dir_parse(v);
		if (m->dir != 0)
			return 0;
		snprintf(err, errlen, "dir must be rx, tx or both");
		return -EINVAL;
	}
	snprintf(err, errlen, "unknown key '%s'", k);
	return -EINVAL;
}

/* "key=value key=value ..." into @p m; @p buf is consumed. */
static int
parse_start(struct app *a, char *buf, struct vsw_fwd_mirror *m, char *err,
	size_t errlen)
{
	char *save = NULL, *tok, *eq;
	bool have_out = false;
	int ret;

	memset(m, 0, sizeof(*m));
	m->dir = VSW_FWD_MIRROR_RX | VSW_FWD_MIRROR_TX;
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
			tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "'%s' is not key=value", tok);
			return -EINVAL;
		}
		*eq = '\0';
		ret = parse_kv(a, tok, eq + 1, m, &have_out, err, errlen);
		if (ret != 0)
			return ret;
	}
	if (m->nb_src == 0 || !have_out) {
		snprintf(err, errlen, "give at least one src=PORT and out=PORT");
		return -EINVAL;
	}
	return 0;
}

/*
 * What is delivered to a mirror's output is mirror copies, which a
 * capture does not see: a capture of the output's tx would stay empty.
 */
static int
check_capture(struct app *a, uint16_t out, char *err, size_t errlen)
{
	struct vsw_capture_status st;
	int id = vsw_capture_find(a->capture, NULL, out);

	if (id < 0 || vsw_capture_status(a->capture, id, &st) != 0 ||
			!(st.dir & VSW_CAPTURE_TX))
		return 0;
	snprintf(err, errlen, "port %s is captured with dir %s (capture %d); "
		"a mirror output's tx is not: dir rx", port_name(a, out),
		app_dir_name(st.dir), id);
	return -EBUSY;
}

int
app_tel_mirror(struct app *a, const char *params, struct rte_tel_data *d)
{
	char buf[1024], err[RTE_TEL_MAX_STRING_LEN] = "";
	struct vsw_fwd_mirror_status st;
	struct vsw_fwd_mirror m;
	int ret;

	if (params == NULL || strlen(params) >= sizeof(buf)) {
		snprintf(err, sizeof(err), "usage: src=PORT ... out=PORT "
			"[dir=rx|tx|both]");
		ret = -EINVAL;
	} else {
		strcpy(buf, params);
		ret = parse_start(a, buf, &m, err, sizeof(err));
		if (ret == 0)
			ret = check_capture(a, m.out, err, sizeof(err));
		if (ret == 0)
			ret = vsw_fwd_mirror_add(a->fwd, &m, err, sizeof(err));
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "result", ret < 0 ? ret : 0);
	rte_tel_data_add_dict_string(d, "error", ret < 0 ? err : "");
	if (ret >= 0 && vsw_fwd_mirror_status(a->fwd, ret, &st) == 0)
		add_entry(a, &st, d);
	return 0;
}

int
app_tel_mirror_stop(struct app *a, const char *params,
	struct rte_tel_data *d)
{
	struct vsw_fwd_mirror_status st[VSW_FWD_MIRROR_MAX];
	int i, n = 0, id, ret = 0;
	const char *err = "";

	if (params == NULL || params[0] == '\0') {
		for (i = 0; i < VSW_FWD_MIRROR_MAX; i++)
			if (vsw_fwd_mirror_del(a->fwd, i, &st[n]) == 0)
				n++;
	} else {
		id = vsw_vport_lookup(a->ports, params);
		id = id >= 0 ? vsw_fwd_mirror_find(a->fwd, (uint16_t)id, 0) :
			-ENOENT;
		if (id >= 0 && vsw_fwd_mirror_del(a->fwd, id, &st[n]) == 0)
			n++;
		else {
			ret = -ENOENT;
			err = "no mirror with that output port";
		}
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "result", ret);
	rte_tel_data_add_dict_string(d, "error", err);
	for (i = 0; i < n; i++)
		add_entry(a, &st[i], d);
	return 0;
}

int
app_tel_mirrors(struct app *a, const char *params, struct rte_tel_data *d)
{
	struct vsw_fwd_mirror_status st;
	int i;

	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (i = 0; i < VSW_FWD_MIRROR_MAX; i++)
		if (vsw_fwd_mirror_status(a->fwd, i, &st) == 0)
			add_entry(a, &st, d);
	return 0;
}

int
app_mirror_check_capture(struct app *a, uint16_t port, unsigned int dir,
	char *err, size_t errlen)
{
	int id;

	if (!(dir & VSW_CAPTURE_TX))
		return 0;
	id = vsw_fwd_mirror_find(a->fwd, port, 0);
	if (id < 0)
		return 0;
	snprintf(err, errlen, "port %s is the output of mirror %d: capture "
		"its sources, or dir rx", port_name(a, port), id);
	return -EBUSY;
}

void
app_mirror_port_removed(struct app *a, uint16_t port, char *note,
	size_t len)
{
	struct vsw_fwd_mirror_status st;
	int r = vsw_fwd_mirror_port_removed(a->fwd, port, &st);

	note[0] = '\0';
	if (r == 2 && st.conf.out == port)
		snprintf(note, len, "mirror %d ended: its output went "
			"(%" PRIu64 " frames mirrored, %" PRIu64 " lost)",
			st.id, st.frames, st.lost);
	else if (r == 2)
		snprintf(note, len, "mirror %d ended: its last source went "
			"(%" PRIu64 " frames mirrored, %" PRIu64 " lost)",
			st.id, st.frames, st.lost);
	else if (r == 1)
		snprintf(note, len, "mirror %d goes on without this port",
			st.id);
}
