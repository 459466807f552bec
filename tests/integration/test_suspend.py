#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""SUSPEND/RESUME conformance against vuswitch, with other traffic.

vuswitch has four ports on ONE PMD lcore: vucheck's tested port and its
peer, and two testpmd VMs (C, D) bouncing frames at each other (macswap).
vucheck runs every conformance check. Meanwhile C and D must keep
forwarding (they share the PMD lcore with the suspended port: no
stop-the-world), and their ports must never change state.
Then the same checks with QEMU>=8.2's reading of bit 18 in mind: a port
with suspend=0 does not offer bit 18, and vucheck says so (exit 3).
"""
import re
import time

import harness as h

MAC_C = "02:00:00:00:00:0c"
MAC_D = "02:00:00:00:00:0d"


def run_vucheck(env, args, timeout=300):
    return env.run(["taskset", "-c", "0", env.vucheck] + args, timeout)


def body(env):
    t, p, c_sock, d_sock = (env.sock(n) for n in ("tested", "peer", "c", "d"))
    sw = h.Switch(env, [t, p, c_sock, d_sock, env.sock("nosusp") + ",suspend=0",
                        env.sock("fe")])
    h.check(sw.tel("/vuswitch/pmd", "0")["polls"] == 6,
            "all six ports share PMD lcore 0")
    c = h.VM(env, "vm-c", c_sock, MAC_C)
    d = h.VM(env, "vm-d", d_sock, MAC_D)
    sw.wait_state(2, "running")
    sw.wait_state(3, "running")
    d.setup("macswap")
    d.start()
    c.setup("macswap", peer=MAC_D)
    c.start(tx_first=4)
    h.wait_for(lambda: d.rx() > 1000, 20, "C and D to exchange frames")
    d0 = d.rx()

    rc, out = run_vucheck(env, ["--socket", t, "--peer", p, "--cycles", "500"])
    print(out)
    d1 = d.rx()
    passes = re.findall(r"^PASS (\S+):", out, re.M)
    h.check(rc == 0, "vucheck exit code 0 (got %d)" % rc)
    h.check(len(passes) == 12 and "FAIL" not in out,
            "all 12 conformance checks pass: %s" % passes)
    h.check(d1 - d0 > 1000, "C<->D kept forwarding on the shared PMD "
            "during the checks (%d frames)" % (d1 - d0))
    for i in (2, 3):
        h.check(sw.state(i) == "running", "port %d stayed running" % i)
    info = sw.port(0)
    h.check(info["suspends"] >= 500 and info["suspend_failures"] == 0,
            "switch counted %d handshakes, no failure" % info["suspends"])
    h.check(info["state"] in ("running", "disconnected"),
            "tested port not left suspended (%s)" % info["state"])

    rc, out = run_vucheck(env, ["--socket", env.sock("nosusp"), "--checks", "negotiate"])
    h.check(rc == 3 and "SUSPEND is not supported" in out,
            "suspend=0 port: vucheck reports SUSPEND not supported (rc %d)" % rc)

    # A stuck lcore: the handshake must give up in bounded time, answer
    # with an error, and leave the port running.
    c.halt()
    sw.tel("/vuswitch/debug/stall", "0,3000")
    t0 = time.monotonic()
    r = sw.suspend(2)
    took = time.monotonic() - t0
    h.check(r["result"] != 0 and r["state"] == "running",
            "SUSPEND with a stuck PMD fails, port left running: %s"
            % {k: r[k] for k in ("result", "error", "state")})
    h.check(took < 2.5, "it gave up after %.2f s (timeout 1 s)" % took)
    h.check(sw.port(2)["suspend_failures"] == 1, "the failure is counted")
    h.check("did not pass a quiescent state in time" in sw.output(),
            "the reason is logged")
    time.sleep(2.5)   # let the stall end

    # The same through the protocol: a front-end's SUSPEND gets an error
    # ack after the timeout; the port stays up and so does the connection.
    fe = h.MiniFrontend(env.sock("fe"))
    offered = fe.negotiate((1 << fe.F_REPLY_ACK) | (1 << fe.F_SUSPEND))
    h.check(offered & (1 << fe.F_SUSPEND), "bit 18 offered")
    h.wait_for(lambda: sw.port(5)["connected"] == 1, 10, "front-end connected")
    v, took = fe.request(fe.SUSPEND)
    h.check(v == 0, "SUSPEND of the idle front-end acked 0 in %.0f us" % (took * 1e6))
    v, took = fe.request(fe.RESUME)
    h.check(v == 0, "RESUME acked 0")
    sw.tel("/vuswitch/debug/stall", "0,3000")
    v, took = fe.request(fe.SUSPEND)
    h.check(v != 0 and 0.9 < took < 2.5,
            "SUSPEND with a stuck PMD: error ack %d after %.2f s" % (v, took))
    h.check(sw.port(5)["state"] != "suspended", "front-end's port not suspended")
    fe.send(fe.GET_FEATURES)
    h.check(fe.reply_u64(fe.GET_FEATURES) != 0, "connection still answers")
    fe.close()
    time.sleep(2.5)

    r = sw.suspend(2)
    h.check(r["result"] == 0 and r["state"] == "suspended",
            "after the stall SUSPEND works again")
    r = sw.resume(2)
    h.check(r["result"] == 0 and r["state"] == "running", "and RESUME")


if __name__ == "__main__":
    h.main("suspend", body, need=("vuswitch", "testpmd", "vucheck"))
