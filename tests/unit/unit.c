/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared helper of the unit tests. See unit.h.
 */

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "unit.h"

unsigned int unit_checks;
unsigned int unit_failures;

static bool eal_started;
static char runtime_dir[PATH_MAX];

/*
 * --no-shconf still makes the runtime directory /var/run/dpdk/<prefix>;
 * remove it (and anything left in it) however the test exits.
 */
static void
remove_runtime_dir(void)
{
	struct dirent *de;
	char path[PATH_MAX * 2];
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

bool
unit_report(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	unit_checks++;
	if (ok)
		return true;
	unit_failures++;
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

void
unit_case(const char *name)
{
	printf("-- %s\n", name);
	fflush(stdout);
}

void
unit_eal_init(const char *prog)
{
	unit_eal_init_lcores(prog, "0");
}

void
unit_eal_init_lcores(const char *prog, const char *lcores)
{
	char prefix[64];
	char *argv[] = {
		(char *)(uintptr_t)prog,
		(char *)(uintptr_t)"--no-huge",
		(char *)(uintptr_t)"-m", (char *)(uintptr_t)"64",
		(char *)(uintptr_t)"--no-pci",
		(char *)(uintptr_t)"--no-shconf",
		(char *)(uintptr_t)"--no-telemetry",
		prefix,
		(char *)(uintptr_t)"--log-level=lib.eal:error",
		(char *)(uintptr_t)"--lcores", (char *)(uintptr_t)lcores,
	};
	int argc = (int)RTE_DIM(argv);

	/*
	 * A caller that must clean up after a crash, when no atexit runs
	 * (scripts/fuzz), names the prefix in VSW_EAL_PREFIX.
	 */
	if (getenv("VSW_EAL_PREFIX") != NULL && getenv("VSW_EAL_PREFIX")[0])
		snprintf(prefix, sizeof(prefix), "--file-prefix=%s",
			getenv("VSW_EAL_PREFIX"));
	else
		snprintf(prefix, sizeof(prefix), "--file-prefix=vsw-unit-%ld",
			(long)getpid());
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", prog,
			rte_strerror(rte_errno));
		exit(2);
	}
	eal_started = true;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s",
		rte_eal_get_runtime_dir());
	atexit(remove_runtime_dir);
}

int
unit_finish(const char *prog)
{
	if (eal_started) {
		rte_eal_cleanup();
		eal_started = false;
	}
	remove_runtime_dir();
	printf("%s: %u checks, %u failed: %s\n", prog, unit_checks,
		unit_failures, unit_failures == 0 ? "PASS" : "FAIL");
	fflush(stdout);
	if (unit_checks == 0)
		return 1;  /* a test that checks nothing is a broken test */
	return unit_failures == 0 ? 0 : 1;
}

struct rte_ether_addr
unit_mac(uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3, uint8_t a4,
	uint8_t a5)
{
	struct rte_ether_addr a = {
		.addr_bytes = { a0, a1, a2, a3, a4, a5 },
	};

	return a;
}

struct rte_mempool *
unit_pool(unsigned int n)
{
	static unsigned int seq;
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "unit_pool_%u", seq++);
	return rte_pktmbuf_pool_create(name, n, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
}

int
unit_main_pool(const char *prog, unsigned int n, struct rte_mempool **pool,
	void (*cases)(void))
{
	unsigned int avail;

	unit_eal_init(prog);
	*pool = unit_pool(n);
	if (*pool == NULL) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	avail = rte_mempool_avail_count(*pool);
	cases();
	unit_case("every mbuf was given back to the pool");
	UNIT_EQ(rte_mempool_avail_count(*pool), avail);
	rte_mempool_free(*pool);
	*pool = NULL;
	return unit_finish(prog);
}

struct rte_mbuf *
unit_mbuf_eth(struct rte_mempool *mp, const struct rte_ether_addr *dst,
	const struct rte_ether_addr *src, uint16_t len)
{
	struct rte_ether_hdr h;
	struct rte_mbuf *m;
	char *p;

	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(&h, 0, sizeof(h));
	rte_ether_addr_copy(dst, &h.dst_addr);
	rte_ether_addr_copy(src, &h.src_addr);
	h.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(p, 0xa5, len);
	memcpy(p, &h, len < sizeof(h) ? len : sizeof(h));
	return m;
}

struct rte_mbuf *
unit_mbuf_chain(struct rte_mempool *mp, const uint8_t *data, uint32_t len,
	uint16_t room)
{
	struct rte_mbuf *head = NULL, *m;
	uint32_t off = 0;
	uint16_t n;

	if (room == 0)
		room = 2048;
	while (off < len) {
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		n = (uint16_t)RTE_MIN(len - off, (uint32_t)room);
		memcpy(rte_pktmbuf_append(m, n), data + off, n);
		off += n;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
	}
	return head;
}
