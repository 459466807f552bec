/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL start-up for the fuzz targets. See fuzz.h.
 */

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "fuzz.h"

static char runtime_dir[PATH_MAX];

/* --no-shconf still creates the runtime directory; remove it at exit. */
static void
remove_runtime_dir(void)
{
	char path[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	if (runtime_dir[0] == '\0')
		return;
	d = opendir(runtime_dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
					strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", runtime_dir,
				de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(runtime_dir);
	runtime_dir[0] = '\0';
}

void
fz_eal_init(const char *prog)
{
	const char *env = getenv("VSW_FUZZ_PREFIX");
	char prefix[128];
	char *argv[] = {
		(char *)(uintptr_t)prog,
		(char *)(uintptr_t)"--no-huge",
		(char *)(uintptr_t)"-m", (char *)(uintptr_t)"64",
		(char *)(uintptr_t)"--no-pci",
		(char *)(uintptr_t)"--no-shconf",
		(char *)(uintptr_t)"--no-telemetry",
		prefix,
		(char *)(uintptr_t)"--log-level=lib.eal:error",
		(char *)(uintptr_t)"-l", (char *)(uintptr_t)"0",
	};

	/*
	 * scripts/fuzz names the prefix (VSW_FUZZ_PREFIX) so that it can
	 * remove the runtime directory after a crash, when no atexit runs.
	 */
	if (env != NULL && env[0] != '\0')
		snprintf(prefix, sizeof(prefix), "--file-prefix=%s", env);
	else
		snprintf(prefix, sizeof(prefix), "--file-prefix=vsw-fuzz-%ld",
			(long)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", prog,
			rte_strerror(rte_errno));
		exit(2);
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s",
		rte_eal_get_runtime_dir());
	atexit(remove_runtime_dir);
}
