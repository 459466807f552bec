#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Queue placement on two PMD lcores, by measured load.

The switch has two PMD lcores (EAL lcores 1 and 2, both on CPU 1; the VMs
run on CPU 0). Ports a, b, c, d start idle and are spread over the two
PMDs: a and c on PMD 0, b and d on PMD 1. VMs on a and c send to b, so
PMD 0 is busy and PMD 1 idle, with two queues each.

- A new port, e, goes to the idle PMD (1): by queue count the two tie,
  and only the measured load tells them apart.
- pmd-rxq-show shows the busy queues' share of their PMD's busy cycles.
- pmd-rxq-rebalance moves one of the busy queues to PMD 1, so that a and
  c end up on different PMDs, and says the busiest PMD's load went down.
- No frame is lost while queues move: after the senders stop, every frame
  each VM sent was received by the switch on its port.

Then the same topology again with --pmd-auto-lb (threshold 20 %, 2 s):
the switch moves a queue by itself, logs it, and loses no frame.
"""
import time

import harness as h

MACS = {"a": "02:00:00:00:00:0a", "b": "02:00:00:00:00:0b",
        "c": "02:00:00:00:00:0c", "d": "02:00:00:00:00:0d"}


def rxq_show(sw):
    out = sw.pages("/vuswitch/pmd_rxq_show")
    pmds = {k: v for k, v in out.items() if k.startswith("pmd_")}
    rxqs = {v["name"]: v for k, v in out.items() if k.startswith("rxq_")}
    return pmds, rxqs


def start(env, tag, args=()):
    """Ports a-d on two PMDs, a and c sending to b. Returns (sw, vms)."""
    names = ["a", "b", "c", "d"]
    sw = h.Switch(env, [env.sock(tag + n) for n in names], args=args,
                  lcores="0@0,1@1,2@1", name="vuswitch-" + tag)
    _, rxqs = rxq_show(sw)
    where = {n: rxqs[tag + n]["pmd"] for n in names}
    h.check(where == {"a": 0, "b": 1, "c": 0, "d": 1},
            "idle ports spread over the PMDs: %s" % where)
    vms = {n: h.VM(env, "vm-" + tag + n, env.sock(tag + n), MACS[n])
           for n in names}
    for n in names:
        sw.wait_state(tag + n, "running")
    vms["b"].setup("rxonly")
    vms["b"].start()
    for n in ("a", "c"):
        vms[n].setup("txonly", peer=MACS["b"])
        vms[n].start()
    return sw, vms


def no_loss(sw, vms, tag):
    for n in ("a", "c"):
        vms[n].halt()
    for n in ("a", "c"):
        sent = vms[n].tx()
        h.wait_for(lambda: sw.port(tag + n)["rx_packets"] == sent, 10,
                   "switch to receive all %d frames %s sent" % (sent, n))
    h.log("ok: no frame lost while queues moved")


def manual(env):
    sw, vms = start(env, "")
    time.sleep(3)   # a few load samples (one a second)
    pmds, rxqs = rxq_show(sw)
    h.check(pmds["pmd_0"]["busy_pct"] > pmds["pmd_1"]["busy_pct"],
            "PMD 0 is the busy one: %s" % pmds)
    h.check(rxqs["a"]["usage_pct"] + rxqs["c"]["usage_pct"] >= 90,
            "a and c take PMD 0's busy cycles: %s" % rxqs)

    r = sw.tel("/vuswitch/add_port", env.sock("e"))
    h.check(r["result"] == 0, "port e added: %s" % r)
    _, rxqs = rxq_show(sw)
    h.check(rxqs["e"]["pmd"] == 1 and rxqs["e"]["lcore"] == 2,
            "the new port went to the idle PMD: %s" % rxqs["e"])

    r = sw.tel("/vuswitch/pmd_rxq_rebalance")
    h.check(r["result"] == 0 and r["moved"] >= 1 and
            r["busiest_pct_after"] < r["busiest_pct_before"],
            "rebalance moved queues and lowered the busiest load: %s" % r)
    _, rxqs = rxq_show(sw)
    h.check(rxqs["a"]["pmd"] != rxqs["c"]["pmd"],
            "a and c are on different PMDs now: %s" % rxqs)
    time.sleep(2)
    pmds, _ = rxq_show(sw)
    h.log("after: %s" % pmds)

    no_loss(sw, vms, "")
    for vm in vms.values():
        vm.stop()
    h.check(sw.stop() == 0, "switch stopped")


def auto(env):
    sw, vms = start(env, "x", ["--pmd-auto-lb", "--pmd-auto-lb-load", "20",
                               "--pmd-auto-lb-interval", "2"])
    sw.expect_log(r"pmd-auto-lb: moved \d+ queue", 20)
    _, rxqs = rxq_show(sw)
    h.check(rxqs["xa"]["pmd"] != rxqs["xc"]["pmd"],
            "auto-lb put a and c on different PMDs: %s" % rxqs)
    no_loss(sw, vms, "x")


def body(env):
    manual(env)
    auto(env)


if __name__ == "__main__":
    h.main("placement", body)
