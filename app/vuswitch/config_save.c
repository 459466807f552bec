/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writing the config file back when ports are added or removed at run
 * time, so that a restart brings the same ports back.
 *
 * The file is read again with rte_cfgfile, its [eal] and [switch]
 * sections are kept as they are, its [port NAME] sections are replaced
 * by the ports the switch has now (those that came from the file or were
 * added at run time; ports of the command line stay on the command
 * line), and the result is written with rte_cfgfile_save() to FILE.tmp,
 * flushed to disk and renamed over FILE: a crash leaves the old file or
 * the new one, never half of one. rte_cfgfile does not keep comments, so
 * a file that was written back has none.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cfgfile.h>

#include "app.h"

#define MAX_SECTIONS (VSW_MAX_PORTS + 8)

/* Copy every section of @p in but the ports into @p out. */
static int
copy_other_sections(struct rte_cfgfile *in, struct rte_cfgfile *out)
{
	struct rte_cfgfile_entry *e = NULL;
	char (*names)[CFG_NAME_LEN];
	char *ptrs[MAX_SECTIONS];
	int i, j, n, ne, ret = -1;

	names = calloc(MAX_SECTIONS, CFG_NAME_LEN);
	if (names == NULL)
		return -1;
	for (i = 0; i < MAX_SECTIONS; i++)
		ptrs[i] = names[i];
	n = rte_cfgfile_sections(in, ptrs, MAX_SECTIONS);
	for (i = 0; i < n; i++) {
		if (strncmp(names[i], "port", 4) == 0)
			continue;
		ne = rte_cfgfile_section_num_entries(in, names[i]);
		free(e);
		e = ne > 0 ? calloc(ne, sizeof(*e)) : NULL;
		if ((ne > 0 && e == NULL) ||
				rte_cfgfile_add_section(out, names[i]) != 0)
			goto out;
		ne = ne > 0 ? rte_cfgfile_section_entries(in, names[i], e,
			ne) : 0;
		for (j = 0; j < ne; j++)
			if (rte_cfgfile_add_entry(out, names[i], e[j].name,
					e[j].value) != 0)
				goto out;
	}
	ret = 0;
out:
	free(e);
	free(names);
	return ret;
}

static int
add_entry(struct rte_cfgfile *cf, const char *sect, const char *key,
	const char *value)
{
	return rte_cfgfile_add_entry(cf, sect, key, value);
}

/* vlan = N, or trunks = LIST and native = N. */
static int
add_vlans(struct rte_cfgfile *cf, const char *sect,
	const struct vsw_vlan_conf *vc)
{
	char v[CFG_VALUE_LEN];
	int ret = 0;

	if (vc->mode == VSW_VLAN_ACCESS) {
		snprintf(v, sizeof(v), "%u", vc->vlan);
		ret |= add_entry(cf, sect, "vlan", v);
	} else if (vc->mode == VSW_VLAN_TRUNK) {
		if (app_format_vlans(vc->trunks, v, sizeof(v)) >= sizeof(v))
			return -1;	/* a list the file cannot hold */
		ret |= add_entry(cf, sect, "trunks", v);
		if (vc->vlan != 0) {
			snprintf(v, sizeof(v), "%u", vc->vlan);
			ret |= add_entry(cf, sect, "native", v);
		}
	}
	return ret;
}

/* [port NAME] for port @p id. */
static int
add_port(const struct app *a, struct rte_cfgfile *cf, uint16_t id)
{
	const struct vsw_vport_conf *c = vsw_vport_conf(a->ports, id);
	char sect[CFG_NAME_LEN], v[CFG_VALUE_LEN];
	int ret;

	snprintf(sect, sizeof(sect), "port %s", c->name);
	ret = rte_cfgfile_add_section(cf, sect);
	if (c->kind == VSW_VPORT_ETH)
		ret |= add_entry(cf, sect, "eth", c->devargs);
	else
		ret |= add_entry(cf, sect, "path", c->path);
	if (c->client)
		ret |= add_entry(cf, sect, "client", "1");
	if (c->nb_queues != 1) {
		snprintf(v, sizeof(v), "%u", c->nb_queues);
		ret |= add_entry(cf, sect, "queues", v);
	}
	if (!c->suspend && c->kind == VSW_VPORT_VHOST)
		ret |= add_entry(cf, sect, "suspend", "0");
	if (!c->offload)
		ret |= add_entry(cf, sect, "offload", "0");
	ret |= add_vlans(cf, sect, &c->vlan);
	app_format_lcores(a->pmd_lcores[id], v, sizeof(v));
	if (v[0] != '\0')
		ret |= add_entry(cf, sect, "pmd", v);
	return ret;
}

/* FILE.tmp -> FILE, durably, with FILE's permissions. */
static int
commit(const char *file, const char *tmp, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat st;
	int fd;

	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (stat(file, &st) == 0)
		fchmod(fd, st.st_mode & 07777);
	close(fd);
	if (rename(tmp, file) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, file,
			strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", file);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int
app_config_save(const struct app *a, int skip, char *err, size_t errlen)
{
	struct rte_cfgfile *in, *out;
	char tmp[PATH_MAX];
	int id, ret = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", a->config_file);
	in = rte_cfgfile_load(a->config_file, 0);
	if (in == NULL) {
		snprintf(err, errlen, "cannot read %s", a->config_file);
		return -1;
	}
	out = rte_cfgfile_create(0);
	if (out == NULL || copy_other_sections(in, out) != 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (id = vsw_vport_next(a->ports, 0); id >= 0;
			id = vsw_vport_next(a->ports, id + 1)) {
		if (id == skip || !a->persist[id])
			continue;
		if (add_port(a, out, (uint16_t)id) != 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	errno = 0;
	if (rte_cfgfile_save(out, tmp) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
			errno != 0 ? strerror(errno) : "failed");
		goto out;
	}
	ret = commit(a->config_file, tmp, err, errlen);
out:
	if (ret != 0)
		unlink(tmp);
	rte_cfgfile_close(in);
	if (out != NULL)
		rte_cfgfile_close(out);
	return ret;
}
