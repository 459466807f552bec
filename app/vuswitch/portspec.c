/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port's text form, PATH[,key=value]... or eth:DEVARGS[,key=value]...,
 * as --port, a config file's [port NAME] section and vuswitch-ctl
 * add-port all give it: parsed in one place, so that the three accept
 * exactly the same keys.
 *
 * An ethdev's DEVARGS has commas of its own ("net_tap0,iface=vsw0"): the
 * switch's keys (name, queues, pmd, offload, and the VLAN keys) are taken out
 * wherever they are, and every other item goes to the device, in order.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "app.h"

#define SPEC_MAX (VSW_VPORT_DEVARGS_MAX + 512)

int
app_parse_uint(const char *s, unsigned long min, unsigned long max,
	unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* One "N" or "N-M", each from @p min to @p max, into bitmap @p bm. */
static int
parse_id_range(char *item, unsigned long min, unsigned long max,
	uint64_t *bm)
{
	char *dash = strchr(item, '-');
	unsigned long lo, hi, i;

	if (dash != NULL)
		*dash = '\0';
	if (app_parse_uint(item, min, max, &lo) != 0)
		return -EINVAL;
	hi = lo;
	if (dash != NULL && (app_parse_uint(dash + 1, min, max, &hi) != 0 ||
			hi < lo))
		return -EINVAL;
	for (i = lo; i <= hi; i++)
		vsw_bitmap_set(bm, (unsigned int)i);
	return 0;
}

/*
 * A ':'-separated list of "N" and "N-M" (the syntax of pmd= and trunks=:
 * ':' because ',' separates a port's keys) into bitmap @p bm of @p words
 * words, each id from @p min to @p max.
 */
static int
parse_id_list(const char *list, unsigned long min, unsigned long max,
	uint64_t *bm, size_t words)
{
	char buf[512], *save = NULL, *item;

	memset(bm, 0, words * sizeof(*bm));
	if (strlen(list) >= sizeof(buf) || list[0] == '\0' ||
			list[0] == ':' || strstr(list, "::") != NULL ||
			list[strlen(list) - 1] == ':')
		return -EINVAL;
	strcpy(buf, list);
	for (item = strtok_r(buf, ":", &save); item != NULL;
			item = strtok_r(NULL, ":", &save))
		if (parse_id_range(item, min, max, bm) != 0)
			return -EINVAL;
	return 0;
}

/*
 * The reverse of parse_id_list() for the first @p nbits ids of @p bm;
 * returns the length the whole list needs (>= @p len: cut short).
 */
static size_t
format_id_list(const uint64_t *bm, unsigned int nbits, char *buf,
	size_t len)
{
	size_t n = 0;
	unsigned int i, j;

	buf[0] = '\0';
	for (i = 0; i < nbits; i++) {
		if (!vsw_bitmap_test(bm, i))
			continue;
		for (j = i; j + 1 < nbits && vsw_bitmap_test(bm, j + 1); j++)
			;
		if (j == i)
			n += snprintf(buf + RTE_MIN(n, len),
				len - RTE_MIN(n, len), "%s%u", n ? ":" : "",
				i);
		else
			n += snprintf(buf + RTE_MIN(n, len),
				len - RTE_MIN(n, len), "%s%u-%u",
				n ? ":" : "", i, j);
		i = j;
	}
	return n;
}

int
app_parse_lcores(const char *list, uint64_t *lcores)
{
	return parse_id_list(list, 0, RTE_MAX_LCORE - 1, lcores,
		APP_LCORE_WORDS);
}

void
app_format_lcores(const uint64_t *lcores, char *buf, size_t len)
{
	format_id_list(lcores, RTE_MAX_LCORE, buf, len);
}

static int
set_bool(const char *key, const char *val, bool *out, char *err,
	size_t errlen)
{
	unsigned long v;

	if (app_parse_uint(val, 0, 1, &v) != 0) {
		snprintf(err, errlen, "%s must be 0 or 1", key);
		return -EINVAL;
	}
	*out = v != 0;
	return 0;
}

int
app_parse_vlans(const char *list, uint64_t *bm)
{
	return parse_id_list(list, VSW_VLAN_MIN, VSW_VLAN_MAX, bm,
		VSW_VLAN_WORDS);
}

size_t
app_format_vlans(const uint64_t *bm, char *buf, size_t len)
{
	return format_id_list(bm, VSW_VLAN_WORDS * 64, buf, len);
}

/* vlan=N, trunks=LIST, native=N; 1: not a VLAN key. */
static int
parse_vlan_kv(const char *key, const char *val, struct app_port_spec *ps,
	char *err, size_t errlen)
{
	unsigned long v;

	if (strcmp(key, "trunks") == 0) {
		if (app_parse_vlans(val, ps->conf.vlan.trunks) != 0) {
			snprintf(err, errlen, "trunks must be VLANs %d-%d "
				"separated by ':', or ranges such as 20-30, got "
				"'%s'", VSW_VLAN_MIN, VSW_VLAN_MAX, val);
			return -EINVAL;
		}
		ps->trunks = true;
		return 0;
	}
	if (strcmp(key, "vlan") != 0 && strcmp(key, "native") != 0)
		return 1;
	/* vlan=0: no VLAN, the default. */
	if (app_parse_uint(val, strcmp(key, "vlan") == 0 ? 0 : VSW_VLAN_MIN,
			VSW_VLAN_MAX, &v) != 0) {
		snprintf(err, errlen, "%s must be a VLAN, %d to %d, got '%s'",
			key, strcmp(key, "vlan") == 0 ? 0 : VSW_VLAN_MIN,
			VSW_VLAN_MAX, val);
		return -EINVAL;
	}
	if (strcmp(key, "vlan") == 0) {
		ps->access = true;
		ps->access_vlan = (uint16_t)v;
	} else {
		ps->native = (uint16_t)v;
	}
	return 0;
}

/* A key of the switch given twice in one spec (vlan=10,vlan=20). */
static bool
repeated(const char *key, struct app_port_spec *ps)
{
	static const char *const keys[] = { "client", "suspend", "offload",
		"queues", "name", "pmd", "vlan", "trunks", "native" };
	unsigned int i;

	for (i = 0; i < RTE_DIM(keys); i++) {
		if (strcmp(key, keys[i]) != 0)
			continue;
		if (ps->keys_seen & (1u << i))
			return true;
		ps->keys_seen |= 1u << i;
	}
	return false;
}

static int
parse_kv(char *kv, struct app_port_spec *ps, const char **bad_key,
	char *err, size_t errlen)
{
	struct vsw_vport_conf *c = &ps->conf;
	char *val = strchr(kv, '=');
	unsigned long v;
	int ret;

	*bad_key = kv;
	if (val == NULL) {
		snprintf(err, errlen, "'%s' is not key=value", kv);
		return -EINVAL;
	}
	*val++ = '\0';
	if (repeated(kv, ps)) {
		snprintf(err, errlen, "%s= given twice", kv);
		return -EINVAL;
	}
	if (strcmp(kv, "client") == 0)
		return set_bool(kv, val, &c->client, err, errlen);
	if (strcmp(kv, "suspend") == 0)
		return set_bool(kv, val, &c->suspend, err, errlen);
	if (strcmp(kv, "offload") == 0)
		return set_bool(kv, val, &c->offload, err, errlen);
	if (strcmp(kv, "queues") == 0) {
		if (app_parse_uint(val, 1, VSW_MAX_QUEUES, &v) != 0) {
			snprintf(err, errlen, "queues must be 1 to %d",
				VSW_MAX_QUEUES);
			return -EINVAL;
		}
		c->nb_queues = (uint8_t)v;
		return 0;
	}
	if (strcmp(kv, "name") == 0) {
		if (strlen(val) > VSW_VPORT_NAME_MAX)
			val[VSW_VPORT_NAME_MAX + 1] = '\0';  /* still too long */
		snprintf(c->name, sizeof(c->name), "%s", val);
		return vsw_vport_check_name(val, err, errlen);
	}
	if (strcmp(kv, "pmd") == 0) {
		if (app_parse_lcores(val, ps->pmd_lcores) != 0) {
			snprintf(err, errlen, "pmd must be lcore ids (0-%d) "
				"separated by ':', or ranges such as 2-5, got "
				"'%s'", RTE_MAX_LCORE - 1, val);
			return -EINVAL;
		}
		return 0;
	}
	ret = parse_vlan_kv(kv, val, ps, err, errlen);
	if (ret <= 0)
		return ret;
	snprintf(err, errlen, "unknown key '%s'", kv);
	return -EINVAL;
}

int
app_port_spec_parse_key(char *kv, struct app_port_spec *ps, char *err,
	size_t errlen)
{
	const char *bad_key;

	return parse_kv(kv, ps, &bad_key, err, errlen);
}

int
app_port_spec_vlan(struct app_port_spec *ps, const char **bad_key,
	char *err, size_t errlen)
{
	struct vsw_vlan_conf *vc = &ps->conf.vlan;

	if (ps->access && ps->trunks) {
		*bad_key = "vlan";
		snprintf(err, errlen, "vlan= (an access port) and trunks= (a "
			"trunk) cannot both be given");
		return -EINVAL;
	}
	if (ps->native != 0 && !ps->trunks) {
		*bad_key = "native";
		snprintf(err, errlen, "native= needs trunks=");
		return -EINVAL;
	}
	if (ps->trunks && ps->native != 0 &&
			vsw_bitmap_test(vc->trunks, ps->native)) {
		*bad_key = "native";
		snprintf(err, errlen, "native VLAN %u is also in trunks= (it "
			"leaves untagged, the others tagged)", ps->native);
		return -EINVAL;
	}
	vc->mode = ps->trunks ? VSW_VLAN_TRUNK :
		ps->access && ps->access_vlan != 0 ? VSW_VLAN_ACCESS :
		VSW_VLAN_NONE;
	vc->vlan = ps->trunks ? ps->native : ps->access_vlan;
	return 0;
}

/* Keys of the switch in an ethdev's spec; the others are the device's. */
static bool
switch_key(const char *item)
{
	static const char *const keys[] = { "name", "queues", "pmd",
		"offload", "vlan", "trunks", "native" };
	size_t n = strcspn(item, "=");
	unsigned int i;

	for (i = 0; i < RTE_DIM(keys); i++)
		if (strlen(keys[i]) == n && strncmp(item, keys[i], n) == 0)
			return true;
	return false;
}

/* Keys that only a vhost-user port takes. */
static bool
vhost_key(const char *item)
{
	return strncmp(item, "client=", 7) == 0 ||
		strncmp(item, "suspend=", 8) == 0;
}

/* eth:DEVARGS[,key=value]..., after "eth:", in @p buf (changed). */
static int
parse_eth(char *buf, struct app_port_spec *ps, const char **bad_key,
	char *err, size_t errlen)
{
	struct vsw_vport_conf *c = &ps->conf;
	char *save = NULL, *tok;
	size_t len = 0;
	int ret;

	c->kind = VSW_VPORT_ETH;
	c->suspend = false;
	*bad_key = "eth";
	tok = strtok_r(buf, ",", &save);
	if (tok == NULL || buf[0] == ',' || strchr(tok, '=') != NULL) {
		snprintf(err, errlen, "eth: needs a device first: eth:DEVARGS, "
			"such as eth:net_tap0,iface=vsw0");
		return -EINVAL;
	}
	for (; tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (switch_key(tok)) {
			ret = parse_kv(tok, ps, bad_key, err, errlen);
			if (ret != 0)
				return ret;
			continue;
		}
		if (vhost_key(tok)) {
			snprintf(err, errlen, "'%s' is a vhost-user port's key, "
				"not an ethdev's", tok);
			tok[strcspn(tok, "=")] = '\0';
			*bad_key = tok;
			return -EINVAL;
		}
		if (len + strlen(tok) + 1 > VSW_VPORT_DEVARGS_MAX) {
			snprintf(err, errlen, "device string longer than %d "
				"bytes", VSW_VPORT_DEVARGS_MAX);
			return -ENAMETOOLONG;
		}
		len += snprintf(c->devargs + len, sizeof(c->devargs) - len,
			"%s%s", len ? "," : "", tok);
	}
	ret = app_port_spec_vlan(ps, bad_key, err, errlen);
	if (ret == 0)
		*bad_key = NULL;
	return ret;
}

int
app_port_spec_parse(const char *spec, struct app_port_spec *ps,
	const char **bad_key, char *err, size_t errlen)
{
	static char buf[SPEC_MAX];   /* bad_key points into it */
	char *save = NULL, *tok;
	int ret;

	memset(ps, 0, sizeof(*ps));
	ps->conf.nb_queues = 1;
	ps->conf.suspend = true;
	ps->conf.offload = true;
	*bad_key = "path";
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "port spec too long");
		return -EINVAL;
	}
	strcpy(buf, spec);
	if (strncmp(buf, VSW_VPORT_ETH_PREFIX,
			strlen(VSW_VPORT_ETH_PREFIX)) == 0)
		return parse_eth(buf + strlen(VSW_VPORT_ETH_PREFIX), ps,
			bad_key, err, errlen);
	tok = strtok_r(buf, ",", &save);
	if (tok == NULL || buf[0] == ',') {
		snprintf(err, errlen, "missing socket path");
		return -EINVAL;
	}
	if (strlen(tok) > VSW_VHU_PATH_MAX) {
		snprintf(err, errlen, "socket path longer than %d bytes",
			VSW_VHU_PATH_MAX);
		return -ENAMETOOLONG;
	}
	strcpy(ps->conf.path, tok);
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		ret = parse_kv(tok, ps, bad_key, err, errlen);
		if (ret != 0)
			return ret;
	}
	ret = app_port_spec_vlan(ps, bad_key, err, errlen);
	if (ret == 0)
		*bad_key = NULL;
	return ret;
}

int
app_port_spec_pmds(const struct app *a, struct app_port_spec *ps,
	char *err, size_t errlen)
{
	unsigned int i, k;

	ps->conf.pmd_mask = 0;
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		if (!vsw_bitmap_test(ps->pmd_lcores, i))
			continue;
		for (k = 0; k < a->nb_pmd && a->pmd_lcore[k] != i; k++)
			;
		if (k == a->nb_pmd) {
			snprintf(err, errlen, "pmd: lcore %u is not a PMD "
				"lcore (PMD lcores are the EAL worker lcores)",
				i);
			return -EINVAL;
		}
		ps->conf.pmd_mask |= 1ULL << k;
	}
	return 0;
}
