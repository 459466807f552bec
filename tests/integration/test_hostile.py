#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile front-ends, bounded: rounds of the deck in hostile.py against
one vuswitch while a steady pair's frames are checked byte for byte.

Fails if any round crashes the switch, freezes or stalls its control
plane or its forwarding (for good or while the attacker stays
connected), loses, corrupts or duplicates a steady frame, or leaves the
attacker's port unable to serve a well-behaved front-end; or if mbufs in
use or open fds grow over a switch's life, or its RSS by more than
RSS_SLACK. The run seed is printed (set VSW_HOSTILE_SEED to replay it);
scripts/hostile plays longer runs and single rounds.

Meson suite `hostile` (not yet in scripts/test's default suites: on
DPDK 22.11 without a message firewall in lib/vport, about a third of the
rounds kill or freeze the switch).
"""
import os
import random

import harness as h
import hostile_run

ROUNDS = 100
BUDGET_S = 150         # start no round after this (about 2.5 min)
RSS_SLACK_KB = 32 << 10


def body(env):
    seed = int(os.environ.get("VSW_HOSTILE_SEED") or
               random.SystemRandom().randrange(1, 100000))
    h.log("seed %d (replay: VSW_HOSTILE_SEED=%d, or scripts/hostile --seed "
          "%d --rounds %d)" % (seed, seed, seed, ROUNDS))
    run = hostile_run.Run(env, seed, log=h.log)
    h.log(hostile_run.HEADER)
    run.play(ROUNDS, budget=BUDGET_S)
    for line in hostile_run.summary(run):
        h.log(line)
    h.check(len(run.rounds) >= 10, "%d rounds played" % len(run.rounds))
    bad = run.failed()
    h.check(not bad, "every round survived (failed: %s)" % ", ".join(
        "%d %s" % (r.seed, r.verdict) for r in bad))
    d = run.drift()
    h.check(d["mbufs"] <= 0 and d["fds"] <= 0,
            "no mbuf or fd left behind (growth: %d mbufs, %d fds)"
            % (d["mbufs"], d["fds"]))
    h.check(d["rss_kb"] <= RSS_SLACK_KB, "RSS grew %d KiB at most"
            % d["rss_kb"])


if __name__ == "__main__":
    h.main("hostile", body, need=("vuswitch",))
