/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --config FILE: vuswitch's EAL arguments, options and ports from an INI
 * file, read with DPDK's rte_cfgfile (which works before EAL starts).
 *
 *   [eal]
 *   args = -l 0,1 --no-huge -m 1024 --no-pci --file-prefix vuswitch
 *   [switch]
 *   mode = learn            ; each key is a long option, without "--"
 *   [port vm1]              ; one section per port, named
 *   path = /run/vuswitch/vm1.sock
 *   client = 1
 *
 * The file is turned into command-line options, placed before those of
 * the command line, and parsed by app_parse_args() like any others: one
 * parser, one set of checks. Each option remembers its file, line,
 * section and key, so that an error names them. rte_cfgfile gives no
 * line numbers, so the file is also scanned here for the line of each
 * section and key, and for lines rte_cfgfile would silently skip.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>
#include <rte_log.h>

#include "app.h"

/* Where a section or key is in the file: the scan's result. */
struct scan_key {
	int sect;               /* section index, as rte_cfgfile counts */
	int line;
	char name[CFG_NAME_LEN];
};

struct scan {
	int nb_sect;
	int *sect_line;         /* nb_sect entries */
	int nb_keys;
	struct scan_key *keys;
	int bad_line;           /* first line rte_cfgfile would not take */
	char bad[96];           /* what is wrong with it */
};

/* A section of the file, as rte_cfgfile gives it. */
struct section {
	int index;
	int line;
	char name[CFG_NAME_LEN];
	int nb;
	struct rte_cfgfile_entry *e;
};

/* What the file gives, before it is merged with the command line. */
struct file_opts {
	int nb_eal;
	char **eal;             /* [eal] args, split at white space */
	int nb_app, cap;
	char **app;             /* --KEY=VALUE and --port=SPEC */
	struct app_where *where;
};

/* Allocations of a command line, freed together (app_cmdline_free). */
struct chunk {
	struct chunk *next;
	max_align_t data[];
};

static void *
cl_alloc(struct app_cmdline *cl, size_t size)
{
	struct chunk *c = calloc(1, sizeof(*c) + size);

	if (c == NULL) {
		fprintf(stderr, APP_NAME ": error: out of memory\n");
		return NULL;
	}
	c->next = cl->mem;
	cl->mem = c;
	return c->data;
}

static char *
cl_strdup(struct app_cmdline *cl, const char *s)
{
	char *d = cl_alloc(cl, strlen(s) + 1);

	if (d != NULL)
		strcpy(d, s);
	return d;
}

void
app_cmdline_free(struct app_cmdline *cl)
{
	struct chunk *c = cl->mem, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	memset(cl, 0, sizeof(*cl));
}

/* One line: "vuswitch: error: FILE:LINE: [SECTION] KEY: message". */
static void __attribute__((format(printf, 5, 6)))
file_error(const char *file, int line, const char *section, const char *key,
	const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, APP_NAME ": error: %s:", file);
	if (line > 0)
		fprintf(stderr, "%d:", line);
	if (section != NULL)
		fprintf(stderr, " [%s]%s%s:", section, key != NULL ? " " : "",
			key != NULL ? key : "");
	fprintf(stderr, " ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

static char *
strip(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A key line that rte_cfgfile would skip, refuse or cut short. */
static void
check_line(struct scan *sc, const char *text, const char *eq, int lineno)
{
	size_t key = eq != NULL ? (size_t)(eq - text) : 0;
	const char *val = eq != NULL ? eq + 1 : "";

	while (key > 0 && isspace((unsigned char)text[key - 1]))
		key--;
	while (isspace((unsigned char)*val))
		val++;
	if (*text == '#')
		snprintf(sc->bad, sizeof(sc->bad), "comments start with ';'");
	else if (eq == NULL)
		snprintf(sc->bad, sizeof(sc->bad),
			"'%.40s' is neither [section] nor key = value", text);
	else if (sc->nb_sect == 0)
		snprintf(sc->bad, sizeof(sc->bad),
			"key = value before the first [section]");
	else if (key >= CFG_NAME_LEN || strlen(val) >= CFG_VALUE_LEN)
		snprintf(sc->bad, sizeof(sc->bad), "keys have at most %d "
			"characters, values %d", CFG_NAME_LEN - 1,
			CFG_VALUE_LEN - 1);
	else
		return;
	sc->bad_line = lineno;
}

/* The scan of one line; returns -1 when out of memory. */
static int
scan_line(struct scan *sc, char *text, int lineno)
{
	char *p, *eq;
	void *n;

	/* rte_cfgfile: a comment starts at a ';' not preceded by '\'. */
	for (p = text; (p = strchr(p, ';')) != NULL; p++)
		if (p == text || p[-1] != '\\') {
			*p = '\0';
			break;
		}
	text = strip(text);
	if (*text == '\0')
		return 0;
	if (*text == '[') {
		if (sc->bad_line == 0 && strcspn(text, "]") > CFG_NAME_LEN) {
			sc->bad_line = lineno;
			snprintf(sc->bad, sizeof(sc->bad), "section name "
				"longer than %d characters", CFG_NAME_LEN - 1);
		}
		n = realloc(sc->sect_line, sizeof(int) * (sc->nb_sect + 1));
		if (n == NULL)
			return -1;
		sc->sect_line = n;
		sc->sect_line[sc->nb_sect++] = lineno;
		return 0;
	}
	eq = strchr(text, '=');
	if (sc->bad_line == 0)
		check_line(sc, text, eq, lineno);
	if (eq == NULL)
		return 0;
	*eq = '\0';
	n = realloc(sc->keys, sizeof(*sc->keys) * (sc->nb_keys + 1));
	if (n == NULL)
		return -1;
	sc->keys = n;
	sc->keys[sc->nb_keys].sect = sc->nb_sect - 1;
	sc->keys[sc->nb_keys].line = lineno;
	snprintf(sc->keys[sc->nb_keys].name, CFG_NAME_LEN, "%s", strip(text));
	sc->nb_keys++;
	return 0;
}

/* Lines of sections and keys. Returns -errno if the file cannot be read. */
static int
scan_file(const char *file, struct scan *sc)
{
	FILE *f = fopen(file, "r");
	char *buf = NULL;
	size_t cap = 0;
	int lineno = 0, ret = 0;

	memset(sc, 0, sizeof(*sc));
	if (f == NULL)
		return -errno;
	while (ret == 0 && getline(&buf, &cap, f) != -1)
		if (scan_line(sc, buf, ++lineno) != 0)
			ret = -ENOMEM;
	if (ret == 0 && ferror(f))
		ret = -EIO;
	free(buf);
	fclose(f);
	return ret;
}

static void
scan_free(struct scan *sc)
{
	free(sc->sect_line);
	free(sc->keys);
}

/* Line of the n-th (0: first) key @p name of section @p sect, or 0. */
static int
key_line(const struct scan *sc, int sect, const char *name, int n)
{
	int i;

	for (i = 0; i < sc->nb_keys; i++)
		if (sc->keys[i].sect == sect &&
				strcmp(sc->keys[i].name, name) == 0 && n-- == 0)
			return sc->keys[i].line;
	return 0;
}

/*
 * rte_cfgfile_load(), with what it logs (its only account of a syntax
 * error, "line N - what") captured instead of printed.
 */
static struct rte_cfgfile *
load(const char *file, char *why, size_t len)
{
	struct rte_cfgfile *cf;
	char *log = NULL, *p;
	size_t size = 0;
	FILE *mem = open_memstream(&log, &size);

	if (mem != NULL)
		rte_openlog_stream(mem);
	cf = rte_cfgfile_load(file, 0);
	if (mem != NULL) {
		rte_openlog_stream(NULL);
		fclose(mem);
	}
	why[0] = '\0';
	if (log != NULL) {
		p = strstr(log, "(): ");
		p = strip(p != NULL ? p + 4 : log);
		snprintf(why, len, "%s", p);
		p = strchr(why, '\n');
		if (p != NULL)
			*p = '\0';
	}
	free(log);
	return cf;
}

/* "line 3 - no terminating ']'" -> line 3, "no terminating ']'". */
static void
report_syntax(const char *file, const struct scan *sc, const char *why)
{
	int line, n = 0;

	if (sscanf(why, "line %d - %n", &line, &n) == 1 && n > 0)
		file_error(file, line, NULL, NULL, "%s", why + n);
	else if (sc->bad_line != 0)
		file_error(file, sc->bad_line, NULL, NULL, "%s", sc->bad);
	else
		file_error(file, 0, NULL, NULL, "cannot be parsed%s%s",
			why[0] != '\0' ? ": " : "", why);
}

/* One more option; convert() made room for all of them. */
static int
add_app(struct app_cmdline *cl, struct file_opts *fo, const char *arg,
	const struct app_where *w)
{
	if (fo->nb_app >= fo->cap)
		return -1;
	fo->app[fo->nb_app] = cl_strdup(cl, arg);
	if (fo->app[fo->nb_app] == NULL)
		return -1;
	fo->where[fo->nb_app++] = *w;
	return 0;
}

/* A key that appears twice in one section: its second line. */
static int
check_dup_keys(const char *file, const struct scan *sc,
	const struct section *s)
{
	int i, j;

	for (i = 1; i < s->nb; i++)
		for (j = 0; j < i; j++)
			if (strcmp(s->e[i].name, s->e[j].name) == 0) {
				file_error(file, key_line(sc, s->index,
					s->e[i].name, 1), s->name,
					s->e[i].name, "given twice (also line %d)",
					key_line(sc, s->index, s->e[i].name, 0));
				return -1;
			}
	return 0;
}

/* [eal] args = ...: split at white space, no quoting. */
static int
do_eal(struct app_cmdline *cl, struct file_opts *fo, const char *file,
	const struct scan *sc, const struct section *s)
{
	char *buf, *tok, *save = NULL;
	int line;

	if (s->nb == 0 || strcmp(s->e[0].name, "args") != 0 || s->nb > 1) {
		const char *k = s->nb == 0 ? NULL :
			strcmp(s->e[0].name, "args") != 0 ? s->e[0].name :
			s->e[1].name;

		file_error(file, k == NULL ? s->line :
			key_line(sc, s->index, k, 0), s->name, k,
			k == NULL ? "needs args = EAL OPTIONS" :
			strcmp(k, "args") == 0 ? "given twice" :
			"unknown key (only args)");
		return -1;
	}
	line = key_line(sc, s->index, "args", 0);
	if (strpbrk(s->e[0].value, "\"'") != NULL) {
		file_error(file, line, s->name, "args",
			"quotes are not supported: arguments are split at "
			"white space");
		return -1;
	}
	buf = cl_strdup(cl, s->e[0].value);
	fo->eal = cl_alloc(cl, sizeof(char *) * (strlen(s->e[0].value) / 2 + 2));
	if (buf == NULL || fo->eal == NULL)
		return -1;
	fo->nb_eal = 0;
	for (tok = strtok_r(buf, " \t", &save); tok != NULL;
			tok = strtok_r(NULL, " \t", &save))
		fo->eal[fo->nb_eal++] = tok;
	return 0;
}

/* [switch]: each key is a long option of vuswitch. */
static int
do_switch(struct app_cmdline *cl, struct file_opts *fo, const char *file,
	const struct scan *sc, const struct section *s)
{
	char arg[CFG_NAME_LEN + CFG_VALUE_LEN + 4];
	struct app_where w = { .file = file, .section = "switch" };
	int i, has_arg;

	for (i = 0; i < s->nb; i++) {
		const char *k = s->e[i].name, *v = s->e[i].value;

		w.key = cl_strdup(cl, k);
		if (w.key == NULL)
			return -1;
		w.line = key_line(sc, s->index, k, 0);
		has_arg = app_option_arg(k);
		if (strcmp(k, "port") == 0) {
			file_error(file, w.line, s->name, k,
				"ports go in [port NAME] sections");
			return -1;
		}
		if (strcmp(k, "config") == 0 || strcmp(k, "help") == 0 ||
				has_arg < 0) {
			file_error(file, w.line, s->name, k, "unknown key "
				"(keys are vuswitch's long options)");
			return -1;
		}
		if (has_arg == 0 && strcmp(v, "0") != 0 &&
				strcmp(v, "1") != 0) {
			file_error(file, w.line, s->name, k,
				"must be 0 or 1, got '%s'", v);
			return -1;
		}
		if (has_arg == 0 && strcmp(v, "0") == 0)
			continue;
		if (has_arg == 0)
			snprintf(arg, sizeof(arg), "--%s", k);
		else
			snprintf(arg, sizeof(arg), "--%s=%s", k, v);
		if (add_app(cl, fo, arg, &w) != 0)
			return -1;
	}
	return 0;
}

static int
check_port_name(const char *file, const struct section *s, const char *name)
{
	char why[128];

	if (vsw_vport_check_name(name, why, sizeof(why)) != 0) {
		file_error(file, s->line, s->name, NULL, "%s", why);
		return -1;
	}
	return 0;
}

/*
 * [port NAME]: path = PATH (a vhost-user port) or eth = DEVARGS (an
 * ethdev, whose value may hold commas), and KEY = VALUE ->
 * --port=PATH,name=NAME,KEY=VALUE,... or --port=eth:DEVARGS,name=NAME,...
 */
static int
do_port(struct app_cmdline *cl, struct file_opts *fo, const char *file,
	const struct scan *sc, const struct section *s, const char *name)
{
	struct app_where w = { .file = file, .line = s->line };
	char spec[CFG_VALUE_LEN * 2 + 16];
	const char **keys;
	const char *path = NULL, *eth = NULL;
	int *lines, i;
	size_t n;

	keys = cl_alloc(cl, sizeof(*keys) * (s->nb + 1));
	lines = cl_alloc(cl, sizeof(*lines) * (s->nb + 1));
	w.section = cl_strdup(cl, s->name);
	if (keys == NULL || lines == NULL || w.section == NULL)
		return -1;
	for (i = 0; i < s->nb; i++) {
		keys[i] = cl_strdup(cl, s->e[i].name);
		lines[i] = key_line(sc, s->index, s->e[i].name, 0);
		if (keys[i] == NULL)
			return -1;
		if (strcmp(s->e[i].name, "eth") == 0) {
			eth = s->e[i].value;
			continue;	/* a device string has commas */
		}
		if (strchr(s->e[i].value, ',') != NULL) {
			file_error(file, lines[i], s->name, s->e[i].name,
				"a value may not contain ','");
			return -1;
		}
		if (strcmp(s->e[i].name, "path") == 0)
			path = s->e[i].value;
		if (strcmp(s->e[i].name, "name") == 0) {
			file_error(file, lines[i], s->name, s->e[i].name,
				"the section header [port NAME] names the port");
			return -1;
		}
	}
	if ((path == NULL) == (eth == NULL)) {
		file_error(file, s->line, s->name, NULL, "the port %s needs "
			"either path = SOCKET or eth = DEVARGS", name);
		return -1;
	}
	n = snprintf(spec, sizeof(spec), "--port=%s%s,name=%s",
		eth != NULL ? VSW_VPORT_ETH_PREFIX : "",
		eth != NULL ? eth : path, name);
	for (i = 0; i < s->nb && n < sizeof(spec); i++)
		if (strcmp(s->e[i].name, "path") != 0 &&
				strcmp(s->e[i].name, "eth") != 0)
			n += snprintf(spec + n, sizeof(spec) - n, ",%s=%s",
				s->e[i].name, s->e[i].value);
	if (n >= sizeof(spec)) {
		file_error(file, s->line, s->name, NULL, "too long");
		return -1;
	}
	w.nb_keys = s->nb;
	w.keys = keys;
	w.key_lines = lines;
	return add_app(cl, fo, spec, &w);
}

/* The name of a [port NAME] section, unique in the file; NULL if bad. */
static const char *
port_name(struct app_cmdline *cl, const char *file, const struct section *s)
{
	const char *name = s->name + 4;
	int i;

	while (isspace((unsigned char)*name))
		name++;
	if (check_port_name(file, s, name) != 0)
		return NULL;
	for (i = 0; i < cl->nb_names; i++)
		if (strcmp(cl->port_name[i], name) == 0) {
			file_error(file, s->line, s->name, NULL,
				"a second port named %s", name);
			return NULL;
		}
	/* convert() made room for a name per section. */
	snprintf(cl->port_name[cl->nb_names], APP_PORT_NAME_LEN, "%s", name);
	return cl->port_name[cl->nb_names++];
}

static int
do_section(struct app_cmdline *cl, struct file_opts *fo, const char *file,
	const struct scan *sc, const struct section *s, int *seen)
{
	const char *name;

	if (check_dup_keys(file, sc, s) != 0)
		return -1;
	if (strcmp(s->name, "eal") == 0 || strcmp(s->name, "switch") == 0) {
		int bit = s->name[0] == 'e' ? 1 : 2;

		if (*seen & bit) {
			file_error(file, s->line, s->name, NULL,
				"a second [%s] section", s->name);
			return -1;
		}
		*seen |= bit;
		return bit == 1 ? do_eal(cl, fo, file, sc, s) :
			do_switch(cl, fo, file, sc, s);
	}
	if (strncmp(s->name, "port", 4) == 0 &&
			isspace((unsigned char)s->name[4])) {
		name = port_name(cl, file, s);
		return name == NULL ? -1 : do_port(cl, fo, file, sc, s, name);
	}
	file_error(file, s->line, s->name, NULL, "unknown section (known: "
		"[eal], [switch], [port NAME])");
	return -1;
}

/* Turn the loaded file into options; -1 after printing an error. */
static int
convert(struct app_cmdline *cl, struct file_opts *fo, const char *file,
	struct rte_cfgfile *cf, const struct scan *sc)
{
	int nb = rte_cfgfile_num_sections(cf, "", 0);
	struct section s;
	int i, seen = 0, ret = 0;

	if (nb != sc->nb_sect) {
		file_error(file, 0, NULL, NULL, "cannot be parsed: "
			"%d sections found, %d read", sc->nb_sect, nb);
		return -1;
	}
	/* At most one option per key, or per section for a port. */
	fo->cap = sc->nb_keys + nb;
	fo->app = cl_alloc(cl, sizeof(*fo->app) * (fo->cap + 1));
	fo->where = cl_alloc(cl, sizeof(*fo->where) * (fo->cap + 1));
	cl->port_name = cl_alloc(cl, sizeof(*cl->port_name) * (nb + 1));
	if (fo->app == NULL || fo->where == NULL || cl->port_name == NULL)
		return -1;
	for (i = 0; ret == 0 && i < nb; i++) {
		memset(&s, 0, sizeof(s));
		s.index = i;
		s.line = sc->sect_line[i];
		s.nb = rte_cfgfile_section_num_entries_by_index(cf, s.name, i);
		if (s.nb < 0)
			return -1;
		s.e = calloc(s.nb + 1, sizeof(*s.e));
		if (s.e == NULL)
			return -1;
		if (rte_cfgfile_section_entries_by_index(cf, i, s.name, s.e,
				s.nb) != s.nb)
			ret = -1;
		else
			ret = do_section(cl, fo, file, sc, &s, &seen);
		free(s.e);
	}
	return ret;
}

/* Read FILE into @p fo; -1 after printing an error. */
static int
read_file(struct app_cmdline *cl, struct file_opts *fo, const char *file)
{
	struct rte_cfgfile *cf;
	struct scan sc;
	char why[256];
	int ret;

	ret = scan_file(file, &sc);
	if (ret != 0) {
		fprintf(stderr, APP_NAME ": error: cannot read config file "
			"%s: %s\n", file, strerror(-ret));
		scan_free(&sc);
		return -1;
	}
	cf = load(file, why, sizeof(why));
	if (cf == NULL) {
		report_syntax(file, &sc, why);
		scan_free(&sc);
		return -1;
	}
	ret = -1;
	if (sc.bad_line != 0)
		file_error(file, sc.bad_line, NULL, NULL, "%s", sc.bad);
	else
		ret = convert(cl, fo, file, cf, &sc);
	rte_cfgfile_close(cf);
	scan_free(&sc);
	return ret;
}

/* The file's @p n-th port (0: first), or NULL. */
static const struct app_where *
file_port(const struct app_cmdline *cl, uint16_t n)
{
	int i;

	for (i = 1; cl->where != NULL && i < cl->argc; i++)
		if (cl->where[i].file != NULL && cl->where[i].key == NULL &&
				n-- == 0)
			return &cl->where[i];
	return NULL;
}

int
app_cmdline_check_ports(const struct app_cmdline *cl,
	const struct app_config *cfg)
{
	const struct app_where *w = NULL;
	struct vsw_vport_params *p;
	char err[512] = "";
	uint16_t n;

	if (vsw_vport_check_params(&cfg->ports, err, sizeof(err)) == 0)
		return 0;
	/* The file's ports come first: is the culprit one of them? */
	p = malloc(sizeof(*p));
	for (n = 1; p != NULL && n <= cl->nb_names &&
			n <= cfg->ports.nb_ports; n++) {
		*p = cfg->ports;
		p->nb_ports = n;
		if (vsw_vport_check_params(p, err, sizeof(err)) != 0) {
			w = file_port(cl, n - 1);
			break;
		}
	}
	free(p);
	for (n = 0; w != NULL && n < w->nb_keys; n++)
		if (strcmp(w->keys[n], "path") == 0 ||
				strcmp(w->keys[n], "eth") == 0)
			break;
	if (w != NULL)
		file_error(w->file, n < w->nb_keys ? w->key_lines[n] : w->line,
			w->section, n < w->nb_keys ? w->keys[n] : NULL,
			"%s", err);
	else
		fprintf(stderr, APP_NAME ": error: %s\n", err);
	return -1;
}

static int
find_dashdash(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

/* argv[0], then @p a (na), then @p b (nb), then NULL. */
static char **
join(struct app_cmdline *cl, char *argv0, char **a, int na, char **b, int nb)
{
	char **v = cl_alloc(cl, sizeof(*v) * (na + nb + 2));

	if (v == NULL)
		return NULL;
	v[0] = argv0;
	if (na > 0)	/* a may be NULL then, which memcpy must not get */
		memcpy(v + 1, a, sizeof(*v) * na);
	if (nb > 0)
		memcpy(v + 1 + na, b, sizeof(*v) * nb);
	v[na + nb + 1] = NULL;
	return v;
}

int
app_cmdline_build(int argc, char **argv, struct app_cmdline *cl)
{
	struct file_opts fo = { 0 };
	int dd = find_dashdash(argc, argv);
	int first = dd < argc ? dd + 1 : 1;   /* first application option */
	const char *file;
	int i, ret, nb_config;

	memset(cl, 0, sizeof(*cl));
	ret = app_scan_args(argc - first + 1, argv + first - 1, &file,
		&nb_config);
	if (ret < 0) {
		fprintf(stderr, APP_NAME ": error: out of memory\n");
		return -1;
	}
	for (i = 1; dd == argc && i < argc; i++)
		if (strcmp(argv[i], "-h") == 0)
			ret = 1;
	if (ret == 1) {
		app_usage(APP_NAME);
		return 1;
	}
	if (dd == argc && nb_config == 0) {
		fprintf(stderr, APP_NAME ": error: no application options: "
			"put them after '--', e.g. " APP_NAME " -l 0,1 -- "
			"--port /tmp/vm1.sock (or use --config FILE)\n");
		return -1;
	}
	if (nb_config > 1 || (nb_config == 1 && file == NULL)) {
		fprintf(stderr, APP_NAME ": error: %s (see --help)\n",
			file == NULL ? "option --config needs a value" :
			"--config given more than once");
		return -1;
	}
	if (file != NULL && read_file(cl, &fo, file) != 0) {
		app_cmdline_free(cl);
		return -1;
	}
	cl->file = file;
	/* EAL options on the command line replace the file's [eal] args. */
	if (file == NULL || (dd < argc && dd > 1)) {
		cl->eal_argc = dd < argc ? dd : 1;
		cl->eal_argv = join(cl, argv[0], argv + 1, cl->eal_argc - 1,
			NULL, 0);
	} else {
		cl->eal_argc = fo.nb_eal + 1;
		cl->eal_argv = join(cl, argv[0], fo.eal, fo.nb_eal, NULL, 0);
	}
	cl->argc = fo.nb_app + argc - first + 1;
	cl->argv = join(cl, argv[0], fo.app, fo.nb_app, argv + first,
		argc - first);
	cl->where = cl_alloc(cl, sizeof(*cl->where) * cl->argc);
	if (cl->eal_argv == NULL || cl->argv == NULL || cl->where == NULL) {
		app_cmdline_free(cl);
		return -1;
	}
	if (fo.nb_app > 0)
		memcpy(cl->where + 1, fo.where, sizeof(*fo.where) * fo.nb_app);
	return 0;
}
