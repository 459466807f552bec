/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the port state machine (lib/vport, vsw_port_fsm_step() and
 * vsw_port_fsm_dp()). Pure functions: no EAL needed.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "vsw_vport.h"
#include "unit.h"

#define DISC VSW_PORT_DISCONNECTED
#define RUN VSW_PORT_RUNNING
#define SUSPING VSW_PORT_SUSPENDING
#define SUSPED VSW_PORT_SUSPENDED
#define RESING VSW_PORT_RESUMING

#define EV_CONNECT VSW_PORT_EV_CONNECT
#define EV_READY VSW_PORT_EV_READY
#define EV_STOP VSW_PORT_EV_STOP
#define EV_CLOSE VSW_PORT_EV_CLOSE
#define EV_SUSPEND VSW_PORT_EV_SUSPEND
#define EV_QUIESCED VSW_PORT_EV_QUIESCED
#define EV_TIMEOUT VSW_PORT_EV_TIMEOUT
#define EV_RESUME VSW_PORT_EV_RESUME
#define EV_RESUMED VSW_PORT_EV_RESUMED

/* Every configuration a port can reach from a fresh one. */
enum cfg {
	C_IDLE,         /* disconnected, no front-end */
	C_CONN,         /* disconnected, front-end connected, rings not ready */
	C_RUN,          /* running */
	C_SUSPING,      /* suspending, rings ready */
	C_SUSPING_NR,   /* suspending, rings stopped meanwhile */
	C_SUSPED,       /* suspended, rings ready */
	C_SUSPED_NR,    /* suspended, rings stopped */
	C_RESING,       /* resuming, rings ready */
	C_RESING_NR,    /* resuming, rings stopped */
	C_MAX
};

static const struct vsw_port_fsm cfgs[C_MAX] = {
	[C_IDLE] = { DISC, false, false },
	[C_CONN] = { DISC, true, false },
	[C_RUN] = { RUN, true, true },
	[C_SUSPING] = { SUSPING, true, true },
	[C_SUSPING_NR] = { SUSPING, true, false },
	[C_SUSPED] = { SUSPED, true, true },
	[C_SUSPED_NR] = { SUSPED, true, false },
	[C_RESING] = { RESING, true, true },
	[C_RESING_NR] = { RESING, true, false },
};

static const char * const cfg_names[C_MAX] = {
	"idle", "conn", "run", "susping", "susping-nr", "susped",
	"susped-nr", "resing", "resing-nr",
};

/* Result of one event in one configuration. */
struct tr {
	int ret;
	enum cfg to;  /* where it ends; for ret != 0 the same configuration */
};

#define SAME(c) { 1, c }
#define GO(c) { 0, c }
#define ERR(e, c) { -(e), c }

/*
 * The transition table: every reachable configuration x every event.
 * Rows: configuration; columns: connect, ready, stop, close, suspend,
 * quiesced, timeout, resume, resumed.
 */
static const struct tr table[C_MAX][VSW_PORT_EV_MAX] = {
	[C_IDLE] = {
		GO(C_CONN), ERR(EINVAL, C_IDLE), SAME(C_IDLE), SAME(C_IDLE),
		ERR(ENOTCONN, C_IDLE), ERR(EINVAL, C_IDLE),
		ERR(EINVAL, C_IDLE), SAME(C_IDLE), ERR(EINVAL, C_IDLE),
	},
	[C_CONN] = {
		ERR(EBUSY, C_CONN), GO(C_RUN), SAME(C_CONN), GO(C_IDLE),
		GO(C_SUSPING_NR), ERR(EINVAL, C_CONN),
		ERR(EINVAL, C_CONN), SAME(C_CONN), ERR(EINVAL, C_CONN),
	},
	[C_RUN] = {
		ERR(EBUSY, C_RUN), SAME(C_RUN), GO(C_CONN), GO(C_IDLE),
		GO(C_SUSPING), ERR(EINVAL, C_RUN),
		ERR(EINVAL, C_RUN), SAME(C_RUN), ERR(EINVAL, C_RUN),
	},
	[C_SUSPING] = {
		ERR(EBUSY, C_SUSPING), SAME(C_SUSPING), GO(C_SUSPING_NR),
		GO(C_IDLE), ERR(EBUSY, C_SUSPING), GO(C_SUSPED),
		GO(C_RUN), ERR(EBUSY, C_SUSPING), ERR(EINVAL, C_SUSPING),
	},
	[C_SUSPING_NR] = {
		ERR(EBUSY, C_SUSPING_NR), GO(C_SUSPING), SAME(C_SUSPING_NR),
		GO(C_IDLE), ERR(EBUSY, C_SUSPING_NR), GO(C_SUSPED_NR),
		GO(C_CONN), ERR(EBUSY, C_SUSPING_NR),
		ERR(EINVAL, C_SUSPING_NR),
	},
	[C_SUSPED] = {
		ERR(EBUSY, C_SUSPED), SAME(C_SUSPED), GO(C_SUSPED_NR),
		GO(C_IDLE), SAME(C_SUSPED), ERR(EINVAL, C_SUSPED),
		ERR(EINVAL, C_SUSPED), GO(C_RESING), ERR(EINVAL, C_SUSPED),
	},
	[C_SUSPED_NR] = {
		ERR(EBUSY, C_SUSPED_NR), GO(C_SUSPED), SAME(C_SUSPED_NR),
		GO(C_IDLE), SAME(C_SUSPED_NR), ERR(EINVAL, C_SUSPED_NR),
		ERR(EINVAL, C_SUSPED_NR), GO(C_RESING_NR),
		ERR(EINVAL, C_SUSPED_NR),
	},
	[C_RESING] = {
		ERR(EBUSY, C_RESING), SAME(C_RESING), GO(C_RESING_NR),
		GO(C_IDLE), ERR(EBUSY, C_RESING), ERR(EINVAL, C_RESING),
		ERR(EINVAL, C_RESING), ERR(EBUSY, C_RESING), GO(C_RUN),
	},
	[C_RESING_NR] = {
		ERR(EBUSY, C_RESING_NR), GO(C_RESING), SAME(C_RESING_NR),
		GO(C_IDLE), ERR(EBUSY, C_RESING_NR), ERR(EINVAL, C_RESING_NR),
		ERR(EINVAL, C_RESING_NR), ERR(EBUSY, C_RESING_NR),
		GO(C_CONN),
	},
};

/* What the data path does with each configuration. */
static const enum vsw_fwd_port_state dp_of[C_MAX] = {
	[C_IDLE] = VSW_FWD_DOWN,
	[C_CONN] = VSW_FWD_DOWN,
	[C_RUN] = VSW_FWD_RUN,
	[C_SUSPING] = VSW_FWD_PARK,
	[C_SUSPING_NR] = VSW_FWD_PARK,
	[C_SUSPED] = VSW_FWD_PARK,
	[C_SUSPED_NR] = VSW_FWD_PARK,
	[C_RESING] = VSW_FWD_PARK,
	[C_RESING_NR] = VSW_FWD_PARK,
};

static bool
fsm_eq(const struct vsw_port_fsm *a, const struct vsw_port_fsm *b)
{
	return a->state == b->state && a->connected == b->connected &&
		a->ready == b->ready;
}

/* The configuration @p f is in, or C_MAX if it is none of them. */
static enum cfg
cfg_of(const struct vsw_port_fsm *f)
{
	unsigned int c;

	for (c = 0; c < C_MAX; c++)
		if (fsm_eq(f, &cfgs[c]))
			return (enum cfg)c;
	return C_MAX;
}

static void
test_table(void)
{
	unsigned int c, ev, rows = 0;

	unit_case("transition table: every configuration x every event");
	for (c = 0; c < C_MAX; c++) {
		for (ev = 0; ev < VSW_PORT_EV_MAX; ev++) {
			const struct tr *t = &table[c][ev];
			struct vsw_port_fsm f = cfgs[c];
			int ret = vsw_port_fsm_step(&f, (enum vsw_port_event)ev);
			enum cfg got = cfg_of(&f);

			unit_report(ret == t->ret, __FILE__, __LINE__,
				"%s + %s: returned %d, want %d", cfg_names[c],
				vsw_port_event_name((enum vsw_port_event)ev),
				ret, t->ret);
			unit_report(got == t->to, __FILE__, __LINE__,
				"%s + %s: ended in %s (state %s connected %d "
				"ready %d), want %s", cfg_names[c],
				vsw_port_event_name((enum vsw_port_event)ev),
				got < C_MAX ? cfg_names[got] : "?",
				vsw_port_state_name(f.state), f.connected,
				f.ready, cfg_names[t->to]);
			/* No-ops and errors leave the machine untouched. */
			if (t->ret != 0)
				UNIT_CHECK(t->to == c);
			rows++;
		}
	}
	UNIT_EQ(rows, C_MAX * VSW_PORT_EV_MAX);
}

/* One step of a scenario: event, return value, and the state after. */
struct step {
	enum vsw_port_event ev;
	int ret;
	enum vsw_port_state state;
	bool ready;
};

static void
run_scenario(const char *name, const struct step *s, unsigned int n)
{
	struct vsw_port_fsm f = { DISC, false, false };
	unsigned int i;
	int ret;

	unit_case(name);
	for (i = 0; i < n; i++) {
		ret = vsw_port_fsm_step(&f, s[i].ev);
		unit_report(ret == s[i].ret, __FILE__, __LINE__,
			"%s: step %u (%s) returned %d, want %d", name, i,
			vsw_port_event_name(s[i].ev), ret, s[i].ret);
		unit_report(f.state == s[i].state && f.ready == s[i].ready,
			__FILE__, __LINE__,
			"%s: step %u (%s): %s ready %d, want %s ready %d",
			name, i, vsw_port_event_name(s[i].ev),
			vsw_port_state_name(f.state), f.ready,
			vsw_port_state_name(s[i].state), s[i].ready);
	}
}

#define SCENARIO(name, ...) do { \
	static const struct step steps_[] = { __VA_ARGS__ }; \
	run_scenario(name, steps_, RTE_DIM(steps_)); \
} while (0)

static void
test_scenarios(void)
{
	SCENARIO("life cycle: connect, ready, stop, ready, close",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_STOP, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_CLOSE, 0, DISC, false },
		{ EV_CLOSE, 1, DISC, false },
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true });

	SCENARIO("suspend and resume",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true },
		{ EV_QUIESCED, 0, SUSPED, true },
		{ EV_SUSPEND, 1, SUSPED, true },      /* double suspend */
		{ EV_RESUME, 0, RESING, true },
		{ EV_RESUMED, 0, RUN, true },
		{ EV_RESUME, 1, RUN, true },          /* resume while running */
		{ EV_SUSPEND, 0, SUSPING, true },     /* and again */
		{ EV_QUIESCED, 0, SUSPED, true },
		{ EV_RESUME, 0, RESING, true },
		{ EV_RESUMED, 0, RUN, true });

	SCENARIO("suspend times out: back to running",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true },
		{ EV_SUSPEND, -EBUSY, SUSPING, true },
		{ EV_RESUME, -EBUSY, SUSPING, true },
		{ EV_RESUMED, -EINVAL, SUSPING, true },
		{ EV_TIMEOUT, 0, RUN, true },
		{ EV_TIMEOUT, -EINVAL, RUN, true },
		{ EV_QUIESCED, -EINVAL, RUN, true });

	SCENARIO("suspend times out after the rings stopped: disconnected",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true },
		{ EV_STOP, 0, SUSPING, false },
		{ EV_TIMEOUT, 0, DISC, false },
		{ EV_READY, 0, RUN, true });

	SCENARIO("suspend without a front-end: -ENOTCONN",
		{ EV_SUSPEND, -ENOTCONN, DISC, false },
		{ EV_RESUME, 1, DISC, false },
		{ EV_QUIESCED, -EINVAL, DISC, false },
		{ EV_TIMEOUT, -EINVAL, DISC, false },
		{ EV_RESUMED, -EINVAL, DISC, false },
		{ EV_READY, -EINVAL, DISC, false },
		{ EV_STOP, 1, DISC, false },
		{ EV_CONNECT, 0, DISC, false },
		{ EV_CONNECT, -EBUSY, DISC, false },  /* a second front-end */
		{ EV_READY, 0, RUN, true },
		{ EV_READY, 1, RUN, true },
		{ EV_CONNECT, -EBUSY, RUN, true });

	SCENARIO("wrong-state events while suspended and resuming",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true },
		{ EV_QUIESCED, 0, SUSPED, true },
		{ EV_QUIESCED, -EINVAL, SUSPED, true },
		{ EV_TIMEOUT, -EINVAL, SUSPED, true },
		{ EV_RESUMED, -EINVAL, SUSPED, true },
		{ EV_RESUME, 0, RESING, true },
		{ EV_SUSPEND, -EBUSY, RESING, true },
		{ EV_RESUME, -EBUSY, RESING, true },
		{ EV_QUIESCED, -EINVAL, RESING, true },
		{ EV_TIMEOUT, -EINVAL, RESING, true },
		{ EV_RESUMED, 0, RUN, true });

	SCENARIO("rings stop and restart while suspended: stays suspended",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true },
		{ EV_QUIESCED, 0, SUSPED, true },
		{ EV_STOP, 0, SUSPED, false },        /* GET_VRING_BASE */
		{ EV_STOP, 1, SUSPED, false },
		{ EV_READY, 0, SUSPED, true },
		{ EV_READY, 1, SUSPED, true },
		{ EV_RESUME, 0, RESING, true },
		{ EV_RESUMED, 0, RUN, true });

	SCENARIO("resume while suspended and not ready: disconnected",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true },
		{ EV_QUIESCED, 0, SUSPED, true },
		{ EV_STOP, 0, SUSPED, false },
		{ EV_RESUME, 0, RESING, false },
		{ EV_RESUMED, 0, DISC, false },
		{ EV_RESUME, 1, DISC, false },
		{ EV_READY, 0, RUN, true });

	SCENARIO("close while suspending clears the suspension",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true },
		{ EV_CLOSE, 0, DISC, false },
		{ EV_QUIESCED, -EINVAL, DISC, false },
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true });

	SCENARIO("close while suspended clears the suspension",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true },
		{ EV_QUIESCED, 0, SUSPED, true },
		{ EV_CLOSE, 0, DISC, false },
		{ EV_RESUME, 1, DISC, false },
		{ EV_SUSPEND, -ENOTCONN, DISC, false },
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true });

	SCENARIO("close while resuming clears the suspension",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true },
		{ EV_SUSPEND, 0, SUSPING, true },
		{ EV_QUIESCED, 0, SUSPED, true },
		{ EV_RESUME, 0, RESING, true },
		{ EV_CLOSE, 0, DISC, false },
		{ EV_RESUMED, -EINVAL, DISC, false },
		{ EV_CONNECT, 0, DISC, false },
		{ EV_READY, 0, RUN, true });

	SCENARIO("suspend a connected port whose rings are not ready yet",
		{ EV_CONNECT, 0, DISC, false },
		{ EV_SUSPEND, 0, SUSPING, false },
		{ EV_QUIESCED, 0, SUSPED, false },
		{ EV_READY, 0, SUSPED, true },
		{ EV_RESUME, 0, RESING, true },
		{ EV_RESUMED, 0, RUN, true });
}

static void
test_dp(void)
{
	unsigned int c;

	unit_case("dp mapping: disconnected DOWN, running RUN, parked PARK");
	for (c = 0; c < C_MAX; c++) {
		enum vsw_fwd_port_state dp = vsw_port_fsm_dp(&cfgs[c]);

		unit_report(dp == dp_of[c], __FILE__, __LINE__,
			"dp(%s) = %d, want %d", cfg_names[c], dp, dp_of[c]);
	}
}

/*
 * Random event sequences: the machine never leaves the reachable
 * configurations, every step agrees with the table, and the dp mapping
 * agrees at every step.
 */
static void
test_random_walk(void)
{
	struct vsw_port_fsm f = { DISC, false, false };
	uint64_t x = 0x853c49e6748fea9bULL;
	unsigned int i, visited = 0, seen[C_MAX] = { 0 };

	unit_case("random walk: closed over the reachable configurations");
	for (i = 0; i < 100000; i++) {
		enum cfg c = cfg_of(&f), d;
		enum vsw_port_event ev;
		int ret;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		ev = (enum vsw_port_event)((x >> 33) % VSW_PORT_EV_MAX);
		if (!UNIT_CHECK(c < C_MAX))
			break;
		seen[c]++;
		ret = vsw_port_fsm_step(&f, ev);
		d = cfg_of(&f);
		if (!unit_report(ret == table[c][ev].ret &&
				d == table[c][ev].to, __FILE__, __LINE__,
				"step %u: %s + %s", i, cfg_names[c],
				vsw_port_event_name(ev)))
			break;
		if (!UNIT_EQ(vsw_port_fsm_dp(&f), dp_of[d]))
			break;
	}
	for (i = 0; i < C_MAX; i++)
		visited += seen[i] != 0;
	UNIT_EQ(visited, C_MAX);
}

static void
test_bad_input(void)
{
	struct vsw_port_fsm f = { RUN, true, true };
	struct vsw_port_fsm g;

	unit_case("bad input: NULL, unknown state, unknown event");
	UNIT_EQ(vsw_port_fsm_step(NULL, EV_CONNECT), -EINVAL);
	UNIT_EQ(vsw_port_fsm_step(&f, VSW_PORT_EV_MAX), -EINVAL);
	UNIT_CHECK(fsm_eq(&f, &cfgs[C_RUN]));
	UNIT_EQ(vsw_port_fsm_step(&f, (enum vsw_port_event)200), -EINVAL);
	UNIT_CHECK(fsm_eq(&f, &cfgs[C_RUN]));
	g = (struct vsw_port_fsm){ VSW_PORT_STATE_MAX, true, true };
	UNIT_EQ(vsw_port_fsm_step(&g, EV_CLOSE), -EINVAL);
	UNIT_EQ(g.state, VSW_PORT_STATE_MAX);

	unit_case("names");
	UNIT_CHECK(strcmp(vsw_port_state_name(DISC), "disconnected") == 0);
	UNIT_CHECK(strcmp(vsw_port_state_name(RUN), "running") == 0);
	UNIT_CHECK(strcmp(vsw_port_state_name(SUSPING), "suspending") == 0);
	UNIT_CHECK(strcmp(vsw_port_state_name(SUSPED), "suspended") == 0);
	UNIT_CHECK(strcmp(vsw_port_state_name(RESING), "resuming") == 0);
	UNIT_CHECK(strcmp(vsw_port_state_name(VSW_PORT_STATE_MAX), "?") == 0);
	UNIT_CHECK(strcmp(vsw_port_event_name(EV_CONNECT), "connect") == 0);
	UNIT_CHECK(strcmp(vsw_port_event_name(EV_RESUMED), "resumed") == 0);
	UNIT_CHECK(strcmp(vsw_port_event_name(VSW_PORT_EV_MAX), "?") == 0);
}

int
main(void)
{
	test_table();
	test_scenarios();
	test_dp();
	test_random_walk();
	test_bad_input();
	return unit_finish("test_vport_fsm");
}
