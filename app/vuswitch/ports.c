/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports added and removed while the switch runs (vuswitch-ctl add-port,
 * del-port), kept in step with the config file: what lib/vport does, plus
 * the operator's view of it (pmd= as lcore ids, and which ports are
 * written back to the file).
 *
 * Callers hold app_lock(): telemetry handlers run under it.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app.h"

void
app_ports_init(struct app *a, uint16_t nb_file_ports)
{
	int id;

	for (id = vsw_vport_next(a->ports, 0); id >= 0;
			id = vsw_vport_next(a->ports, id + 1)) {
		/* vsw_vport_create() gave the ports ids 0, 1, ... in order. */
		a->persist[id] = id < nb_file_ports;
		memcpy(a->pmd_lcores[id], a->cfg.pmd_lcores[id],
			sizeof(a->pmd_lcores[id]));
	}
}

int
app_port_add(struct app *a, const char *spec, char *err, size_t errlen)
{
	struct app_port_spec ps;
	const char *key;
	char why[512];
	int id, ret;

	ret = app_port_spec_parse(spec, &ps, &key, why, sizeof(why));
	if (ret != 0) {
		snprintf(err, errlen, "%s", why);
		return ret;
	}
	ret = app_port_spec_pmds(a, &ps, err, errlen);
	if (ret != 0)
		return ret;
	if (a->cfg.no_offload)
		ps.conf.offload = false;
	id = vsw_vport_add(a->ports, &ps.conf, err, errlen);
	if (id < 0)
		return id;
	a->persist[id] = true;
	memcpy(a->pmd_lcores[id], ps.pmd_lcores, sizeof(ps.pmd_lcores));
	if (a->config_file != NULL &&
			app_config_save(a, -1, why, sizeof(why)) != 0) {
		/* Nothing changes: the port goes again. */
		vsw_vport_del(a->ports, (uint16_t)id);
		a->persist[id] = false;
		snprintf(err, errlen, "not added: config write-back failed: "
			"%s", why);
		return -EIO;
	}
	return id;
}

int
app_port_del(struct app *a, const char *key, char *err, size_t errlen,
	char *note, size_t notelen)
{
	char why[512];
	int id = vsw_vport_lookup(a->ports, key);

	note[0] = '\0';
	if (id < 0) {
		snprintf(err, errlen, "no port '%s' (give an id, a name or a "
			"socket path)", key != NULL ? key : "");
		return -ENOENT;
	}
	/* Written first, so that a failure leaves everything as it was. */
	if (a->config_file != NULL && a->persist[id] &&
			app_config_save(a, id, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "not removed: config write-back "
			"failed: %s", why);
		return -EIO;
	}
	/* Its capture, if any, ends (and its file is closed) first, and
	 * the mirrors let go of it. */
	vsw_capture_port_removed(a->capture, (uint16_t)id, 2000);
	app_mirror_port_removed(a, (uint16_t)id, note, notelen);
	vsw_vport_del(a->ports, (uint16_t)id);
	a->persist[id] = false;
	memset(a->pmd_lcores[id], 0, sizeof(a->pmd_lcores[id]));
	return id;
}

/* Parse "KEY=VALUE,..." of set-port (VLAN keys only) into @p vc. */
static int
set_spec(char *spec, struct vsw_vlan_conf *vc, char *err, size_t errlen)
{
	struct app_port_spec ps;
	const char *key;
	char *save = NULL, *tok;
	int ret;

	memset(&ps, 0, sizeof(ps));
	for (tok = strtok_r(spec, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "vlan=", 5) != 0 &&
				strncmp(tok, "trunks=", 7) != 0 &&
				strncmp(tok, "native=", 7) != 0) {
			snprintf(err, errlen, "set-port changes vlan=, trunks= "
				"and native=, not '%s'", tok);
			return -EINVAL;
		}
		/* The one parser of port keys: a spec of one key. */
		ret = app_port_spec_parse_key(tok, &ps, err, errlen);
		if (ret != 0)
			return ret;
	}
	if (!ps.access && !ps.trunks && ps.native == 0) {
		snprintf(err, errlen, "set-port PORT vlan=N|trunks=LIST"
			"[,native=N] (vlan=0: no VLAN)");
		return -EINVAL;
	}
	ret = app_port_spec_vlan(&ps, &key, err, errlen);
	if (ret == 0)
		*vc = ps.conf.vlan;
	return ret;
}

int
app_port_set(struct app *a, const char *params, char *err, size_t errlen)
{
	char buf[512], why[512], *comma;
	struct vsw_vport_conf c;
	struct vsw_vlan_conf vc;
	int id, ret;

	if (params == NULL || strlen(params) >= sizeof(buf) ||
			(comma = strchr(params, ',')) == NULL) {
		snprintf(err, errlen, "set-port PORT KEY=VALUE[,KEY=VALUE]");
		return -EINVAL;
	}
	strcpy(buf, params);
	buf[comma - params] = '\0';
	id = vsw_vport_lookup(a->ports, buf);
	if (id < 0 || vsw_vport_conf_get(a->ports, (uint16_t)id, &c) != 0) {
		snprintf(err, errlen, "no port '%s' (give an id, a name or a "
			"socket path)", buf);
		return -ENOENT;
	}
	ret = set_spec(buf + (comma - params) + 1, &vc, err, errlen);
	if (ret == 0)
		ret = vsw_vport_set_vlan(a->ports, (uint16_t)id, &vc, err,
			errlen);
	if (ret != 0)
		return ret;
	if (a->config_file != NULL && a->persist[id] &&
			app_config_save(a, -1, why, sizeof(why)) != 0) {
		/* Nothing changes: the old VLANs come back. */
		vsw_vport_set_vlan(a->ports, (uint16_t)id, &c.vlan, why,
			sizeof(why));
		snprintf(err, errlen, "not changed: config write-back "
			"failed: %s", why);
		return -EIO;
	}
	return id;
}

const char *
app_port_where(const struct vsw_vport_conf *c, char *buf, size_t len)
{
	if (c->kind != VSW_VPORT_ETH)
		return c->path;
	snprintf(buf, len, VSW_VPORT_ETH_PREFIX "%s", c->devargs);
	return buf;
}

const char *
app_port_state(struct app *a, uint16_t id)
{
	const struct vsw_vport_conf *c = vsw_vport_conf(a->ports, id);
	struct vsw_vport_eth_info ei;

	if (c != NULL && c->kind == VSW_VPORT_ETH &&
			vsw_vport_eth_info(a->ports, id, &ei) == 0 &&
			!ei.link_up)
		return "link-down";
	return vsw_port_state_name(vsw_vport_state(a->ports, id));
}

static_assert(VSW_CAPTURE_RX == VSW_FWD_MIRROR_RX &&
	VSW_CAPTURE_TX == VSW_FWD_MIRROR_TX,
	"captures and mirrors share their direction bits");

unsigned int
app_dir_parse(const char *v)
{
	return strcmp(v, "rx") == 0 ? VSW_CAPTURE_RX :
		strcmp(v, "tx") == 0 ? VSW_CAPTURE_TX :
		strcmp(v, "both") == 0 ? VSW_CAPTURE_RX | VSW_CAPTURE_TX : 0;
}

const char *
app_dir_name(unsigned int dir)
{
	return dir == VSW_CAPTURE_RX ? "rx" : dir == VSW_CAPTURE_TX ? "tx" :
		"both";
}

void
app_list_add(char *buf, size_t len, const char *item)
{
	size_t used = strnlen(buf, len);

	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			item);
}
