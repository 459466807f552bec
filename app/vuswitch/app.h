/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vuswitch application: configuration, and the objects the main thread,
 * the statistics printer and the telemetry commands share.
 */
#ifndef APP_H
#define APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "vsw_capture.h"
#include "vsw_fwd.h"
#include "vsw_mac.h"
#include "vsw_vport.h"

#define APP_NAME "vuswitch"

/* Exit codes: 0 success, 1 runtime failure, 2 bad command line. */
#define APP_EXIT_FAIL 1
#define APP_EXIT_USAGE 2

/* Words of a bitmap of EAL lcores (vsw_bitmap_*()). */
#define APP_LCORE_WORDS VSW_BITMAP_WORDS(RTE_MAX_LCORE)

/* One port as --port, [port NAME] and add-port give it (portspec.c). */
struct app_port_spec {
	struct vsw_vport_conf conf;          /* pmd_mask: from pmd_lcores */
	uint64_t pmd_lcores[APP_LCORE_WORDS]; /* pmd=LIST: EAL lcore ids */
	bool access;                         /* vlan= given */
	uint16_t access_vlan;                /* its value (0: no VLAN) */
	bool trunks;                         /* trunks= given */
	uint16_t native;                     /* native=, 0: not given */
	uint32_t keys_seen;                  /* the switch's keys given */
};

struct app_config {
	struct vsw_vport_params ports;
	/* Per port of ports.port[]: the lcores of its pmd=, if any. */
	uint64_t pmd_lcores[VSW_MAX_PORTS][APP_LCORE_WORDS];
	bool pmd_auto_lb;            /* rebalance queues automatically */
	uint32_t auto_lb_load;       /* busiest PMD's load that triggers, % */
	uint32_t auto_lb_interval;   /* seconds above it before it does */
	enum vsw_fwd_mode mode;
	unsigned int stats_period;   /* seconds, 0 = only at exit */
	uint32_t mac_aging;          /* seconds */
	uint32_t mac_capacity;
	uint32_t mac_port_limit;
	uint32_t backlog;            /* frames held per suspended port */
	uint32_t nb_mbufs;           /* 0 = computed */
	uint32_t suspend_timeout_ms;
	uint32_t ctrl_priority;      /* SCHED_FIFO of rte_vhost's thread, 0: none */
	uint32_t pmd_sleep_max_us;   /* idle PMD back-off bound, 0: busy-poll */
	bool no_offload;             /* --no-offload: offload=0 on every port */
	uint32_t mtu;                /* of the ethdev ports */
};

struct app {
	struct app_config cfg;
	const char *config_file;   /* --config FILE, written back, or NULL */
	/* Per port id: written back to the config file (it came from the
	 * file or was added at run time; command-line ports are not). */
	bool persist[VSW_MAX_PORTS];
	uint64_t pmd_lcores[VSW_MAX_PORTS][APP_LCORE_WORDS]; /* its pmd= */
	struct rte_mempool *pool;
	struct vsw_mac_table *mac;
	struct vsw_fwd *fwd;
	struct vsw_vport_set *ports;
	struct vsw_capture *capture;
	struct rte_mempool *node_pool[RTE_MAX_NUMA_NODES]; /* other nodes' */
	struct vsw_vport_conf last_conf[VSW_MAX_PORTS]; /* at stop, by id */
	uint16_t nb_pmd;
	unsigned int pmd_lcore[VSW_MAX_PMD];
};

/* Longest port name in a config file's [port NAME], with its NUL. */
#define APP_PORT_NAME_LEN (VSW_VPORT_NAME_MAX + 1)

/*
 * Where an application option came from, for error messages: the
 * command line (file NULL) or a config file, one per argv element.
 */
struct app_where {
	const char *file;       /* config file; NULL: the command line */
	const char *section;    /* "switch", "port vm1" */
	const char *key;        /* [switch]: the key; [port]: NULL */
	int line;               /* line of the key, or of the [port] header */
	unsigned int nb_keys;   /* [port]: its keys and their lines */
	const char *const *keys;
	const int *key_lines;
};

/*
 * The command line with a --config FILE merged in (config.c): what
 * rte_eal_init() and app_parse_args() get.
 */
struct app_cmdline {
	int eal_argc;
	char **eal_argv;          /* argv[0], then the EAL options */
	int argc;
	char **argv;              /* argv[0], the file's options, the command's */
	struct app_where *where;  /* argc entries */
	const char *file;         /* the config file, or NULL */
	uint16_t nb_names;        /* the file's ports, in order: [port NAME] */
	char (*port_name)[APP_PORT_NAME_LEN];
	void *mem;                /* everything above that was allocated */
};

/*
 * Split argv into EAL and application options and merge in --config
 * FILE: the file's [eal] args (unless EAL options come before "--"),
 * then its [switch] keys as --KEY=VALUE and its [port NAME] sections
 * as --port PATH,KEY=VALUE..., then the command line's application
 * options, which therefore override the file's. Nothing is validated
 * here that app_parse_args() checks.
 * Returns 0 to go on, 1 if --help was printed, or -1 after printing a
 * one-line error.
 */
int
app_cmdline_build(int argc, char **argv, struct app_cmdline *cl);

/*
 * vsw_vport_check_params() on the parsed ports; an error about a port
 * of the config file names its file, line and section.
 * Returns 0, or -1 after printing a one-line error.
 */
int
app_cmdline_check_ports(const struct app_cmdline *cl,
	const struct app_config *cfg);

/* Free what app_cmdline_build() allocated. */
void
app_cmdline_free(struct app_cmdline *cl);

/*
 * Parse the application options: argv[0] is skipped. @p where (NULL: all
 * from the command line) says where each argv element came from.
 * Returns 0 to go on, 1 if --help was printed, or -1 after printing a
 * one-line error.
 */
int
app_parse_args(int argc, char **argv, const struct app_where *where,
	struct app_config *cfg);

/*
 * Look through application options without parsing their values: the
 * last --config FILE and how many were given. Returns 1 if --help is
 * among them, 0 if not, -ENOMEM.
 */
int
app_scan_args(int argc, char **argv, const char **config, int *nb_config);

/* 1 if the long option --NAME takes a value, 0 if not, -1 if unknown. */
int
app_option_arg(const char *name);

/* portspec.c: a whole-string unsigned number in [min, max]: 0 or -EINVAL. */
int
app_parse_uint(const char *s, unsigned long min, unsigned long max,
	unsigned long *out);

/* "2", "2:4", "2-5:8": EAL lcore ids into a bitmap. 0 or -EINVAL. */
int
app_parse_lcores(const char *list, uint64_t *lcores);

/* The reverse of app_parse_lcores(), "" for none. */
void
app_format_lcores(const uint64_t *lcores, char *buf, size_t len);

/*
 * PATH[,name=N][,client=0|1][,queues=N][,suspend=0|1][,pmd=LIST], or
 * eth:DEVARGS[,name=N][,queues=N][,pmd=LIST], into
 * @p ps (pmd_mask not set yet: see app_port_spec_pmds()). On error
 * @p bad_key is the key at fault ("path" for the path) and @p err says why.
 * Returns 0 or a negative errno.
 */
int
app_port_spec_parse(const char *spec, struct app_port_spec *ps,
	const char **bad_key, char *err, size_t errlen);

/*
 * The VLAN keys given to @p ps (vlan=, trunks=, native=) into
 * ps->conf.vlan, refusing the combinations that make no sense. Called
 * by app_port_spec_parse(); set-port calls it on its own keys.
 */
int
app_port_spec_vlan(struct app_port_spec *ps, const char **bad_key,
	char *err, size_t errlen);

/* One KEY=VALUE of a port spec (@p kv is changed) into @p ps. */
int
app_port_spec_parse_key(char *kv, struct app_port_spec *ps, char *err,
	size_t errlen);

/* "10", "10:20-30": VLANs 1-4094 into a VSW_VLAN_WORDS bitmap. */
int
app_parse_vlans(const char *list, uint64_t *bm);

/*
 * The reverse of app_parse_vlans(), "" for none. Returns the length the
 * whole list needs (>= @p len: cut short), as snprintf() does.
 */
size_t
app_format_vlans(const uint64_t *bm, char *buf, size_t len);

struct app;

/* Turn @p ps's pmd lcores into a PMD mask: -EINVAL if one is no PMD. */
int
app_port_spec_pmds(const struct app *a, struct app_port_spec *ps,
	char *err, size_t errlen);

/* ports.c: the ports given at start, recorded once the set exists. */
void
app_ports_init(struct app *a, uint16_t nb_file_ports);

/*
 * ports.c: add a port from its spec, and write the config file back.
 * The caller holds app_lock(). Returns the id, or a negative errno with
 * the reason in @p err (then nothing changed).
 */
int
app_port_add(struct app *a, const char *spec, char *err, size_t errlen);

/*
 * ports.c: "PORT,KEY=VALUE,...": change a port's VLANs (vlan=, trunks=,
 * native=), then write back. Returns the port's id or a negative errno
 * with the reason in @p err (then nothing changed).
 */
int
app_port_set(struct app *a, const char *params, char *err, size_t errlen);

/*
 * ports.c: remove a port (id, name or path), then write back. @p note
 * (@p notelen bytes) says what became of the mirrors it was in, or "".
 */
int
app_port_del(struct app *a, const char *key, char *err, size_t errlen,
	char *note, size_t notelen);

/* ports.c: where a port is: its socket path, or "eth:DEVARGS". */
const char *
app_port_where(const struct vsw_vport_conf *c, char *buf, size_t len);

/*
 * ports.c: a port's state for people: its state machine's, or
 * "link-down" for an ethdev port whose link is down.
 */
const char *
app_port_state(struct app *a, uint16_t id);

/*
 * config_save.c: write @p a's persisted ports, and the other sections of
 * the config file as they are, back to the file: a temporary file
 * (FILE.tmp), then rename. Ports of id @p skip (or -1) are left out.
 * Returns 0 or -1 with the reason in @p err; the file is then unchanged.
 */
int
app_config_save(const struct app *a, int skip, char *err, size_t errlen);

/* telemetry.c: the lock telemetry handlers run under; the main thread
 * takes it to read the ports. */
void
app_lock(void);

void
app_unlock(void);

/* Print usage to stdout. */
void
app_usage(const char *prog);

/* testpmd-style counters; @p interval is seconds since the last call
 * (0 for no rates). */
void
app_stats_print(struct app *a, double interval);

struct rte_tel_data;

/*
 * A telemetry command's handler outside telemetry.c: it answers in @p d
 * (a dict with "result" and "error"), run with the app locked.
 */
#define APP_TEL_HANDLER(name) \
	int name(struct app *a, const char *params, struct rte_tel_data *d)

/* capture_cmd.c: /vuswitch/capture, capture_stop, captures. */
APP_TEL_HANDLER(app_tel_capture);
APP_TEL_HANDLER(app_tel_capture_stop);
APP_TEL_HANDLER(app_tel_captures);

/* mirror_cmd.c: /vuswitch/mirror, mirror_stop, mirrors. */
APP_TEL_HANDLER(app_tel_mirror);
APP_TEL_HANDLER(app_tel_mirror_stop);
APP_TEL_HANDLER(app_tel_mirrors);

/*
 * ports.c: append @p item to the comma-separated list in @p buf (@p len
 * bytes, NUL-terminated), as far as it fits.
 */
void
app_list_add(char *buf, size_t len, const char *item);

/*
 * Directions of captures and mirrors: bit 1 rx, bit 2 tx (the values of
 * VSW_CAPTURE_RX/TX and VSW_FWD_MIRROR_RX/TX alike). app_dir_parse()
 * reads "rx", "tx" or "both" (0: none of them); app_dir_name() names it.
 */
unsigned int
app_dir_parse(const char *v);
const char *
app_dir_name(unsigned int dir);

/*
 * mirror_cmd.c: may a capture in direction @p dir (VSW_CAPTURE_* bits)
 * cover @p port? Not its tx when the port is a mirror's output (a capture
 * does not see what a mirror sends). 0, or -EBUSY with why in @p err.
 */
int
app_mirror_check_capture(struct app *a, uint16_t port, unsigned int dir,
	char *err, size_t errlen);

/*
 * mirror_cmd.c: port @p port is being removed: the mirrors let go of it
 * (a mirror whose output it is ends). @p note says what happened, or "".
 */
void
app_mirror_port_removed(struct app *a, uint16_t port, char *note,
	size_t len);

/* Register the /vuswitch/... telemetry commands. */
int
app_telemetry_init(struct app *a);

/* Make the telemetry commands answer "shutting down" from now on. */
void
app_telemetry_fini(void);

#endif /* APP_H */
