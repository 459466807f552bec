/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket paths: what can be checked on the filesystem before anything is
 * registered with rte_vhost. Needs no EAL and calls nothing else in the
 * module.
 */

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vport.h"
#include "vsw_vhu.h"

int
vsw_vport_check_name(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (n == 0 || n > VSW_VPORT_NAME_MAX) {
		ERRF(err, errlen, "a port name has 1 to %d characters",
			VSW_VPORT_NAME_MAX);
		return -EINVAL;
	}
	if (strspn(name, VPORT_NAME_CHARS) != n) {
		ERRF(err, errlen, "a port name has only letters, digits, "
			"'.', '_' and '-': %s", name);
		return -EINVAL;
	}
	if (strspn(name, "0123456789") == n) {
		ERRF(err, errlen, "a port name is not only digits (that is "
			"a port id): %s", name);
		return -EINVAL;
	}
	return 0;
}

/* Is somebody accepting connections on @p path? */
static bool
socket_is_live(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;	/* cannot tell: assume in use */
	strncpy(un.sun_path, path, sizeof(un.sun_path) - 1);
	ret = connect(fd, (struct sockaddr *)&un, sizeof(un));
	close(fd);
	return ret == 0 || errno != ECONNREFUSED;
}

static int
check_dir(const char *path, char *err, size_t errlen)
{
	char buf[VSW_VHU_PATH_MAX + 1];
	struct stat st;
	const char *dir;

	strcpy(buf, path);
	dir = dirname(buf);
	if (stat(dir, &st) != 0) {
		ERRF(err, errlen, "directory %s does not exist", dir);
		return -ENOENT;
	}
	if (!S_ISDIR(st.st_mode)) {
		ERRF(err, errlen, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

int
vsw_vport_check_path(const char *path, bool client, char *err, size_t errlen)
{
	struct stat st;
	int ret;

	if (path == NULL || path[0] == '\0') {
		ERRF(err, errlen, "empty socket path");
		return -EINVAL;
	}
	if (strlen(path) > VSW_VHU_PATH_MAX) {
		ERRF(err, errlen, "socket path longer than %d bytes: %s",
			VSW_VHU_PATH_MAX, path);
		return -ENAMETOOLONG;
	}
	ret = check_dir(path, err, errlen);
	if (ret != 0 || client)
		return ret;
	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		ERRF(err, errlen, "%s exists and is not a socket", path);
		return -EEXIST;
	}
	if (socket_is_live(path)) {
		ERRF(err, errlen, "socket %s is in use by another process",
			path);
		return -EADDRINUSE;
	}
	/* Nobody listens: a leftover of a process that died. */
	if (unlink(path) != 0) {
		ERRF(err, errlen, "cannot remove stale socket %s: %s", path,
			strerror(errno));
		return -errno;
	}
	return 0;
}

void
vport_canonical_path(const char *path, char *out, size_t len)
{
	char d[VSW_VHU_PATH_MAX + 1], b[VSW_VHU_PATH_MAX + 1];
	char real[PATH_MAX];

	strcpy(d, path);
	strcpy(b, path);
	if (realpath(dirname(d), real) != NULL)
		snprintf(out, len, "%s/%s", real, basename(b));
	else
		snprintf(out, len, "%s", path);
}

#define CANON_LEN VPORT_CANON_LEN

/* An ethdev port's device string, and against those before it. */
static int
check_eth(const struct vsw_vport_params *p, uint16_t i, char *err,
	size_t errlen)
{
	const char *d = p->port[i].devargs;
	uint16_t j;

	if (d[0] == '\0' || d[0] == ',') {
		ERRF(err, errlen, "eth: needs a device: eth:DEVARGS");
		return -EINVAL;
	}
	if (strnlen(d, sizeof(p->port[i].devargs)) > VSW_VPORT_DEVARGS_MAX) {
		ERRF(err, errlen, "device string longer than %d bytes",
			VSW_VPORT_DEVARGS_MAX);
		return -ENAMETOOLONG;
	}
	for (j = 0; j < i; j++) {
		if (p->port[j].kind == VSW_VPORT_ETH &&
				strcmp(d, p->port[j].devargs) == 0) {
			ERRF(err, errlen, "duplicate device eth:%s", d);
			return -EEXIST;
		}
	}
	return 0;
}

/* One port's queue count and path, and its path against those before. */
static int
check_port(const struct vsw_vport_params *p, uint16_t i,
	char (*canon)[CANON_LEN], char *err, size_t errlen)
{
	const struct vsw_vport_conf *c = &p->port[i];
	uint16_t j;
	int ret;

	if (c->nb_queues == 0 || c->nb_queues > VSW_MAX_QUEUES) {
		ERRF(err, errlen, "%s: queues must be 1 to %d", c->path,
			VSW_MAX_QUEUES);
		return -EINVAL;
	}
	if (c->name[0] != '\0' &&
			vsw_vport_check_name(c->name, err, errlen) != 0)
		return -EINVAL;
	for (j = 0; c->name[0] != '\0' && j < i; j++) {
		if (strcmp(c->name, p->port[j].name) == 0) {
			ERRF(err, errlen, "two ports named %s", c->name);
			return -EEXIST;
		}
	}
	if (c->vlan.mode != VSW_VLAN_NONE && p->xconnect) {
		ERRF(err, errlen, "VLANs need --mode learn");
		return -EINVAL;
	}
	if (c->kind == VSW_VPORT_ETH)
		return check_eth(p, i, err, errlen);
	ret = vsw_vport_check_path(c->path, c->client, err, errlen);
	if (ret != 0)
		return ret;
	vport_canonical_path(c->path, canon[i], CANON_LEN);
	for (j = 0; j < i; j++) {
		if (p->port[j].kind == VSW_VPORT_VHOST &&
				strcmp(canon[i], canon[j]) == 0) {
			ERRF(err, errlen, "duplicate socket path %s", c->path);
			return -EEXIST;
		}
	}
	return 0;
}

int
vsw_vport_check_params(const struct vsw_vport_params *p, char *err,
	size_t errlen)
{
	char (*canon)[CANON_LEN];
	uint16_t i;
	int ret = 0;

	if (p->nb_ports > VSW_MAX_PORTS) {
		ERRF(err, errlen, "at most %d ports, got %u", VSW_MAX_PORTS,
			p->nb_ports);
		return -EINVAL;
	}
	if (p->nb_ports == 0)
		return 0;
	canon = calloc(p->nb_ports, CANON_LEN);
	if (canon == NULL) {
		ERRF(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < p->nb_ports && ret == 0; i++)
		ret = check_port(p, i, canon, err, errlen);
	free(canon);
	return ret;
}
