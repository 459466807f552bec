# SPDX-License-Identifier: BSD-3-Clause
"""The hostile run: rounds of the deck (hostile.py) against one world
(hostile_world.py), each judged, the switch restarted after a round that
left it unfit.

A round: the steady pair starts a new numbered batch, the scenario plays
(its connections and fds stay open), then the checks:

  while the attacker is still connected
    1. the switch process is alive and answers telemetry (Bounds.tel);
    2. the steady pair keeps flowing: frames in flight never waited more
       than Bounds.data for the next arrival (else stall-pmd);
    3. another port's control plane answers: the probe's GET_FEATURES,
       sent back to back, never waited more than Bounds.ctrl (else
       stall-ctrl; the partial-message class is measured here);
  after the attacker closed everything
    4. alive, telemetry, and the probe's pending GET_FEATURES answered
       within Bounds.ctrl (else freeze-ctrl);
    5. every steady frame of the round arrived, intact, exactly once
       (else steady, or freeze-pmd if the PMD stopped iterating);
    6. the attacker's port recovers: a well-behaved front-end connects
       to it and forwards both ways (else recovery);
  and the mbufs in use, open fds and RSS of the switch are sampled.

Verdicts, worst first: crash, error (the harness itself), freeze-pmd,
freeze-ctrl, stall-pmd, stall-ctrl, steady, recovery, accepted (the
switch served a request that was never negotiated, e.g. INFLIGHT or
POSTCOPY). crash, freeze-* and stall-* are what issue 8 calls killing or
freezing the switch: a stall lasts as long as the attacker wants.

Seeds: round i of a run with seed S uses seed S * 100000 + i, which is
printed; `scripts/hostile --round-seed R` replays that round (add
`--scenario NAME` if the run had one): the same scenario, variant,
messages, descriptors and fds; timing differs.
"""

import random
import time
import traceback

import harness as h
import hostile
import vhu_fe as fe
from hostile_world import World

ROUND_SEED_STRIDE = 100000
STEADY_MIN = 512      # frames each way that must pass after the attack


def round_seed(seed, i):
    return seed * ROUND_SEED_STRIDE + i


# Verdicts, worst first: a round gets the worst of what its checks found.
VERDICTS = ("crash", "error", "freeze-pmd", "freeze-ctrl", "stall-pmd",
            "stall-ctrl", "steady", "recovery", "accepted")
# The switch stopped serving other ports (for good or while the attacker
# stayed): what issue 8 counts as "killed or froze".
KILLED = ("crash", "freeze-pmd", "freeze-ctrl", "stall-pmd", "stall-ctrl")
# A round with only these verdicts leaves a switch fit for the next one.
KEEP_WORLD = ("ok", "stall-ctrl", "accepted")


class Round:
    """What happened in one round."""

    def __init__(self, idx, seed, scenario):
        self.idx, self.seed, self.scenario = idx, seed, scenario
        self.variant = ""
        self.found = []          # (verdict, why)
        self.notes = []
        self.ctrl_stall = 0.0
        self.pmd_stall = 0.0
        self.steady = []
        self.res = None
        self.fd_delta = None
        self.counters = None
        self.secs = 0.0

    def fail(self, verdict, why):
        self.found.append((verdict, why))

    @property
    def verdict(self):
        if not self.found:
            return "ok"
        return min(self.found, key=lambda f: VERDICTS.index(f[0]))[0]

    @property
    def why(self):
        return "; ".join(w for v, w in self.found if v == self.verdict)

    @property
    def ok(self):
        return not self.found

    def name(self):
        return self.scenario + ("/" + self.variant if self.variant else "")


def attack(world, r, rng, fn):
    """Play the scenario; the attacker's errors are notes, not failures.
    Returns the Attack, whose connections and fds are still open."""
    atk = hostile.Attack(world, rng)
    try:
        fn(rng, atk)
    except fe.BackendClosed as e:
        atk.note("closed by the switch (%s)" % e)
    except fe.FrontendTimeout as e:
        atk.note("no answer (%s)" % e)
    except (fe.FrontendError, OSError) as e:
        atk.note("attacker: %s: %s" % (type(e).__name__, e))
    r.variant, r.notes = atk.variant, atk.notes
    for what in atk.violations:
        r.fail("accepted", what)
    return atk


def check_alive(world, r):
    if not world.alive():
        r.fail("crash", "switch died (%s)" % world.exit_status())


def check_telemetry(world, r):
    try:
        world.tel("/vuswitch/ports")
    except Exception as e:
        r.fail("freeze-ctrl", "telemetry: no answer within %.1f s (%s)"
               % (world.bounds.tel, type(e).__name__))


def check_stalls(world, r):
    """While the attacker is still connected: the steady pair keeps
    flowing and another port's control messages are answered."""
    b = world.bounds
    moving = world.steady.wait_more(STEADY_MIN, b.data + 1.0)
    r.pmd_stall = world.steady.gap()
    r.ctrl_stall = world.prober.stall()
    if r.pmd_stall > b.data or not moving:
        r.fail("stall-pmd", "steady frames stopped for %.2f s while the "
               "attacker was connected (bound %.1f)" % (r.pmd_stall, b.data))
    if r.ctrl_stall > b.ctrl:
        r.fail("stall-ctrl", "GET_FEATURES on port 3 blocked %.2f s while "
               "the attacker was connected (bound %.1f)" % (r.ctrl_stall,
                                                            b.ctrl))


def check_ctrl(world, r):
    """After the attacker left: the probe's control messages answer."""
    stall = world.prober.settle(world.bounds.ctrl)
    r.ctrl_stall = max(r.ctrl_stall, stall)
    if world.prober.error:
        r.fail("freeze-ctrl", "probe's connection: %s" % world.prober.error)
    elif world.prober.pending is not None:
        r.fail("freeze-ctrl", "GET_FEATURES on port 3 still unanswered "
               "%.1f s after the attacker left" % stall)


def check_steady(world, r):
    """Every steady frame of the round arrived, intact, once."""
    r.steady = world.steady.end(world.bounds.drain)
    bad = {k: sum(s[k] for s in r.steady) for k in ("lost", "corrupt",
                                                     "dup")}
    sent = sum(s["sent"] for s in r.steady)
    if any(bad.values()):
        what = "steady pair: %d sent, %d lost, %d corrupted, %d duplicated" \
            % (sent, bad["lost"], bad["corrupt"], bad["dup"])
        what += "; the switch's view: " + port_deltas(world, r)
        r.fail("freeze-pmd" if not pmd_moving(world) else "steady", what)


STEADY_COUNTERS = ("rx_packets", "tx_packets", "drop_ring_full",
                   "drop_port_down", "drop_malformed", "drop_no_dest")


def port_counters(world):
    """The steady ports' counters (for a failure's explanation)."""
    try:
        return [world.tel("/vuswitch/port", p) for p in (0, 1)]
    except Exception:
        return None


def port_deltas(world, r):
    now = port_counters(world)
    if now is None or r.counters is None:
        return "(no counters)"
    return ", ".join("port %d %s" % (p, " ".join(
        "%s %+d" % (k, now[p][k] - r.counters[p][k])
        for k in STEADY_COUNTERS if now[p][k] != r.counters[p][k]))
        for p in (0, 1))


def pmd_moving(world):
    try:
        return world.pmd_moving()
    except Exception:
        return False


def check_recovery(world, r):
    try:
        world.recover()
    except h.TestFailure as e:
        kind = "freeze-pmd" if world.alive() and not pmd_moving(world) \
            else "recovery"
        r.fail(kind, "attacker's port: %s" % e)


DURING = (check_alive, check_telemetry, check_stalls)
AFTER = (check_alive, check_telemetry, check_ctrl, check_steady,
         check_recovery, check_alive)
FATAL = ("crash", "error", "freeze-pmd", "freeze-ctrl")


def run_checks(world, r, checks):
    """Run checks until one finds the switch dead or frozen (the later
    ones would only time out). False if it did."""
    for check in checks:
        try:
            check(world, r)
        except Exception as e:
            r.fail("error", "%s: %s: %s" % (check.__name__,
                                            type(e).__name__, e))
            traceback.print_exc()
        if r.verdict in FATAL or not world.alive():
            return False
    return True


def judge(world, r, atk):
    """Checks while the attacker is connected, then after it left."""
    if run_checks(world, r, DURING):
        atk.close()
        run_checks(world, r, AFTER)
    atk.close()
    if r.verdict in FATAL:
        world.sw.wait(2.0)   # a crashing process may take a moment to go
    if not world.alive() and r.verdict != "crash":
        r.fail("crash", "switch died (%s), after: %s" % (world.exit_status(),
                                                         r.why))
    if r.verdict in KEEP_WORLD:
        r.res = world.resources()


def play_round(world, idx, seed, only=None):
    """One round: the scenario its seed picks (or `only`), judged."""
    rng = random.Random(seed)
    name = rng.choice(sorted(hostile.DECK))
    name = only or name
    r = Round(idx, seed, name)
    t0 = time.monotonic()
    world.prober.begin()
    r.counters = port_counters(world)
    world.steady.begin(idx)
    atk = attack(world, r, rng, hostile.DECK[name])
    judge(world, r, atk)
    r.secs = time.monotonic() - t0
    return r


class Run:
    """A run of rounds: results, resource figures per switch instance."""

    def __init__(self, env, seed, bounds=None, log=print, switch_args=()):
        self.seed, self.log = seed, log
        self.world = World(env, bounds, log=log, switch_args=switch_args)
        self.rounds = []
        self.only = None
        self.instances = []   # (generation, baseline, last sample, rounds)

    def play(self, rounds, first=0, budget=None, only=None, seeds=None):
        """Play rounds (or the given round seeds); stop starting new
        ones after budget seconds."""
        end = time.monotonic() + budget if budget else None
        self.only = only
        self.world.start()
        self.open_instance()
        todo = seeds or [round_seed(self.seed, i)
                         for i in range(first, first + rounds)]
        try:
            for k, s in enumerate(todo):
                if end and time.monotonic() > end:
                    self.log("time budget of %.0f s reached after %d rounds"
                             % (budget, k))
                    break
                self.one(first + k, s, only)
        finally:
            self.world.stop()

    def one(self, idx, seed, only):
        r = play_round(self.world, idx, seed, only)
        self.rounds.append(r)
        inst = self.instances[-1]
        inst["rounds"] += 1
        if r.res is not None:
            r.fd_delta = r.res["fds"] - (inst["last"] or inst["base"])["fds"]
        self.log(row(r))
        if not r.ok:
            for n in r.notes[-3:]:
                self.log("      note: " + n)
        if r.verdict in KEEP_WORLD:
            inst["last"] = r.res
        else:
            self.world.restart()
            self.open_instance()

    def open_instance(self):
        self.instances.append({"gen": self.world.generation,
                               "base": self.world.baseline,
                               "last": None, "rounds": 0})

    def failed(self):
        return [r for r in self.rounds if not r.ok]

    def drift(self):
        """The largest growth of mbufs, fds and RSS (KiB) over any
        switch instance, from its start to its last healthy round."""
        worst = {"mbufs": 0, "fds": 0, "rss_kb": 0}
        for inst in self.instances:
            if inst["last"] is None:
                continue
            for k in worst:
                worst[k] = max(worst[k], inst["last"][k] - inst["base"][k])
        return worst


HEADER = "%4s %12s %-34s %-11s %5s %7s %7s %13s %4s  %s" % (
    "#", "seed", "scenario", "verdict", "secs", "ctrl_ms", "pmd_ms",
    "steady ok/sent", "fds+", "why / notes")


def row(r):
    sent = sum(s["sent"] for s in r.steady)
    ok = sum(s["ok"] for s in r.steady)
    why = r.why or "; ".join(r.notes[-2:])
    fds = "" if r.fd_delta is None else "%+d" % r.fd_delta
    return "%4d %12d %-34s %-11s %5.1f %7.0f %7.0f %6d/%-6d %4s  %s" % (
        r.idx, r.seed, r.name()[:34], r.verdict, r.secs,
        r.ctrl_stall * 1000, r.pmd_stall * 1000, ok, sent, fds, why[:140])


def by_scenario(run):
    """Lines: rounds, survivors and failures (with seeds) per scenario."""
    by = {}
    for r in run.rounds:
        by.setdefault(r.scenario, []).append(r)
    lines = ["%-12s %6s %6s  %s" % ("scenario", "rounds", "ok", "failures")]
    for name in sorted(by):
        rs = by[name]
        fails = {}
        for r in rs:
            if not r.ok:
                fails.setdefault(r.verdict, []).append(r)
        text = ", ".join("%s %d (seeds %s)" % (
            v, len(x), " ".join(str(r.seed) for r in x[:4]))
            for v, x in sorted(fails.items()))
        lines.append("%-12s %6d %6d  %s" % (name, len(rs),
                                            sum(r.ok for r in rs), text))
    return lines


def summary(run):
    """Lines: verdicts by scenario, replays, totals, resources."""
    lines = by_scenario(run) + replays(run)
    n, bad = len(run.rounds), len(run.failed())
    killed = sum(r.verdict in KILLED for r in run.failed())
    lines.append("rounds: %d, survived: %d, failed: %d (killed or froze "
                 "the switch, for good or while connected: %d)"
                 % (n, n - bad, bad, killed))
    worst = max((r.ctrl_stall for r in run.rounds), default=0.0)
    lines.append("longest control-plane stall of another port: %.0f ms"
                 % (worst * 1000))
    frames = sum(s["sent"] for r in run.rounds for s in r.steady)

    def bad(rounds):
        return sum(s["lost"] + s["corrupt"] + s["dup"] for r in rounds
                   for s in r.steady)
    lines.append("steady frames: %d sent; lost, corrupted or duplicated: %d "
                 "in rounds the switch survived, %d in rounds it crashed or "
                 "froze" % (frames, bad(r for r in run.rounds
                                        if r.verdict not in KILLED),
                            bad(r for r in run.rounds
                                if r.verdict in KILLED)))
    d = run.drift()
    lines.append("resources over %d switch instance(s), worst growth from "
                 "start to last healthy round: mbufs %+d, fds %+d, RSS %+.1f "
                 "MiB" % (len(run.instances), d["mbufs"], d["fds"],
                          d["rss_kb"] / 1024))
    for inst in run.instances:
        if inst["last"] and (inst["last"]["fds"] != inst["base"]["fds"] or
                             inst["last"]["mbufs"] != inst["base"]["mbufs"]):
            lines.append("  switch #%d, %d rounds: %s -> %s" % (
                inst["gen"], inst["rounds"], fmt_res(inst["base"]),
                fmt_res(inst["last"])))
    return lines


def replays(run):
    """One command per (scenario, verdict) that replays a failed round."""
    seen, out = set(), []
    only = " --scenario %s" % run.only if run.only else ""
    for r in run.failed():
        if (r.scenario, r.verdict) in seen:
            continue
        seen.add((r.scenario, r.verdict))
        out.append("  replay %s %s: scripts/hostile --round-seed %d%s"
                   % (r.scenario, r.verdict, r.seed, only))
    return out


def records(run):
    """The rounds as plain dicts (for --json)."""
    return [{"round": r.idx, "seed": r.seed, "scenario": r.scenario,
             "variant": r.variant, "verdict": r.verdict, "why": r.why,
             "found": r.found, "notes": r.notes, "secs": round(r.secs, 3),
             "ctrl_stall_s": round(r.ctrl_stall, 4),
             "pmd_stall_s": round(r.pmd_stall, 4), "steady": r.steady,
             "resources": r.res, "fd_delta": r.fd_delta} for r in run.rounds]


def fmt_res(res):
    return "mbufs %d, fds %d, RSS %.1f MiB" % (res["mbufs"], res["fds"],
                                               res["rss_kb"] / 1024)
