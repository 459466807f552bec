#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""--config FILE: bad files are refused, a good one runs the switch.

Bad files: each case writes a config file, runs vuswitch on it and checks
exit code 2, exactly one 'vuswitch: error:' line that names the file, the
line, the section and key where there is one, and that nothing was left
behind: no socket, no EAL runtime directory for the file's prefix.

Good file: `vuswitch --config FILE` alone (EAL arguments from [eal], no
'--') switches frames between two testpmd virtio-user VMs. Then the
precedence rules: EAL options before '--' replace [eal] args, command-line
options override [switch] keys, and command-line ports add to the file's.
"""
import os

import harness as h

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def good_file(env, prefix, socks, extra_switch=""):
    ports = "".join("[port vm%d]\npath = %s\nqueues = 1\nsuspend = 1\n\n"
                    % (i + 1, s) for i, s in enumerate(socks))
    return ("; written by test_config.py\n"
            "[eal]\n"
            "args = --lcores 0@0,1@1 --no-huge -m 512 --no-pci "
            "--file-prefix %s --log-level lib.vhost.config:warning\n"
            "\n[switch]\nmode = learn   ; a comment after a value\n"
            "stats = 0\nmac-aging = 300\n%s\n%s"
            % (prefix, extra_switch, ports))


def bad_cases(env):
    """(name, file text, extra argv, expected text in the error line)."""
    d = env.dir
    a, b = os.path.join(d, "a.sock"), os.path.join(d, "b.sock")
    port_a = "[port a]\npath = %s\n" % a
    return [
        ("unknown section", "[switch]\nmode = learn\n[bridge]\nx = 1\n", [],
         ":3: [bridge]: unknown section"),
        ("unknown switch key", "[switch]\nstats = 1\nspeed = 10\n" + port_a,
         [], ":3: [switch] speed: unknown key"),
        ("bad value", "[switch]\n\nstats = 1x\n" + port_a, [],
         ":3: [switch] stats: --stats must be a number"),
        ("bad mode", port_a + "[switch]\nmode = hub\n", [],
         ":4: [switch] mode: --mode must be learn or xconnect"),
        ("flag not 0/1", "[switch]\nno-suspend = yes\n" + port_a, [],
         ":2: [switch] no-suspend: must be 0 or 1"),
        ("port key in switch", "[switch]\nport = %s\n" % a, [],
         ":2: [switch] port: ports go in [port NAME] sections"),
        ("bad port value", port_a + "client = 2\n", [],
         ":3: [port a] client: client must be 0 or 1"),
        ("unknown port key", port_a + "queues = 1\nspeed = 10\n", [],
         ":4: [port a] speed: unknown key 'speed'"),
        ("queues out of range", port_a + "queues = 99\n", [],
         ":3: [port a] queues: queues must be 1 to"),
        ("port without path", "[port a]\nqueues = 1\n", [],
         ":1: [port a]: the port a needs either path = SOCKET or eth"),
        ("port with path and eth", port_a + "eth = net_null0\n", [],
         ":1: [port a]: the port a needs either path = SOCKET or eth"),
        ("eth port with a vhost key", "[port u]\neth = net_null0,x=1\n"
         "client = 1\n", [],
         ":3: [port u] client: 'client=1' is a vhost-user port's key"),
        ("two ports one name", port_a + "[port a]\npath = %s\n" % b, [],
         ":3: [port a]: a second port named a"),
        ("key twice", port_a + "queues = 1\nqueues = 2\n", [],
         ":4: [port a] queues: given twice (also line 3)"),
        ("bad port name", "[port a/b]\npath = %s\n" % a, [],
         ":1: [port a/b]: a port name has only"),
        ("comma in path", "[port a]\npath = %s,client=1\n" % a, [],
         ":2: [port a] path: a value may not contain ','"),
        ("missing directory", "[port a]\npath = %s\n"
         % os.path.join(d, "nodir", "a.sock"), [],
         ":2: [port a] path: directory %s does not exist"
         % os.path.join(d, "nodir")),
        ("duplicate path", port_a + "[port b]\npath = %s/./a.sock\n" % d, [],
         ":4: [port b] path: duplicate socket path"),
        ("no ']'", "[switch\nmode = learn\n", [],
         ":1: no terminating ']'"),
        ("empty value", "[switch]\nmode =\n", [], ":2: cannot use empty values"),
        ("not key = value", "[switch]\nmode learn\n", [],
         ":2: 'mode learn' is neither [section] nor key = value"),
        ("key before section", "mode = learn\n" + port_a, [],
         ":1: key = value before the first [section]"),
        ("hash comment", "# vuswitch\n" + port_a, [],
         ":1: comments start with ';'"),
        ("quotes in eal args", '[eal]\nargs = -l "0,1"\n' + port_a, [],
         ":2: [eal] args: quotes are not supported"),
        ("unknown eal key", "[eal]\nlcores = 0,1\n" + port_a, [],
         ":2: [eal] lcores: unknown key"),
        ("value too long", "[eal]\nargs = %s\n" % ("-v " * 90) + port_a,
         [], ":2: keys have at most 63 characters, values 255"),
        ("two switch sections", "[switch]\nstats = 1\n[switch]\nstats = 2\n",
         [], ":3: [switch]: a second [switch] section"),
        ("command line still checked", port_a, ["--stats", "x"],
         "--stats must be a number"),
    ]


def run_bad(env, name, text, extra, want, prefix):
    path = os.path.join(env.dir, "bad.conf")
    with open(path, "w") as f:
        f.write(text)
    before = sorted(os.listdir(env.dir))
    r = h.subprocess.run([env.vuswitch, "--config", path] + extra,
                         stdout=h.subprocess.PIPE, stderr=h.subprocess.PIPE,
                         timeout=60, stdin=h.subprocess.DEVNULL)
    err = r.stderr.decode(errors="replace")
    lines = [l for l in err.splitlines() if "vuswitch: error:" in l]
    h.check(r.returncode == 2, "%s: exit code 2 (got %d)" % (name, r.returncode))
    h.check(len(lines) == 1 and want in lines[0] and
            (want.startswith("--") or path in lines[0]),
            "%s: one error line naming %s and '%s': %s"
            % (name, path, want, lines))
    h.check(sorted(os.listdir(env.dir)) == before
            and not os.path.exists(h.runtime_dir(prefix)),
            "%s: nothing left behind" % name)


def forward(sw, a, b):
    """a sends to b through the switch; b gets what the switch sent it."""
    for i in (0, 1):
        sw.wait_state(i, "running")
    b.setup("rxonly")
    b.start()
    sent, got = h.send_counted(sw, a, MAC_B, 1.0, 0, (1,))
    tx, txd = got[1]
    h.delivered(sw, b, 1)
    h.check(sent > 1000 and tx > 1000 and tx + txd == sent,
            "A's %d frames reach port 1 (%d sent on, %d ring-full)"
            % (sent, tx, txd))


class ConfSwitch(h.Switch):
    """A vuswitch started with a command line of the test's own."""

    def __init__(self, env, name, argv, prefix):
        self.prefix = prefix
        self.ports = []
        h.Proc.__init__(self, env, name, argv)
        self._tel = None
        self.expect_log(r"press Ctrl-C to stop", 30)


def body(env):
    bad_prefix = env.prefix("bad")
    for name, text, extra, want in bad_cases(env):
        eal = ("[eal]\nargs = --no-huge -m 256 --no-pci --lcores 0@0,1@1 "
               "--file-prefix %s\n" % bad_prefix)
        if "[eal]" not in text:
            text += eal     # last, so that the cases' line numbers hold
        run_bad(env, name, text, extra, want, bad_prefix)
    rc, out = env.run([env.vuswitch, "--config"])
    h.check(rc == 2 and "--config needs a value" in out,
            "--config without a file: exit 2 and says so")
    rc, out = env.run([env.vuswitch, "--config", os.path.join(env.dir, "none")])
    h.check(rc == 2 and "cannot read config file" in out,
            "a missing file: exit 2 and says so")

    # vuswitch --config FILE: everything from the file.
    a_sock, b_sock = env.sock("a"), env.sock("b")
    prefix = env.prefix("conf")
    conf = os.path.join(env.dir, "vuswitch.conf")
    with open(conf, "w") as f:
        f.write(good_file(env, prefix, [a_sock, b_sock]))
    sw = ConfSwitch(env, "conf", [env.vuswitch, "--config", conf], prefix)
    h.check("mode learn" in sw.output(), "mode from [switch]")
    a = h.VM(env, "vm-a", a_sock, MAC_A)
    b = h.VM(env, "vm-b", b_sock, MAC_B)
    forward(sw, a, b)
    a.stop()
    b.stop()
    rc = sw.stop(h.signal.SIGTERM)
    h.check(rc == 0 and not os.path.exists(a_sock),
            "switch from a config file stops cleanly on SIGTERM")

    # Precedence: EAL options before '--' replace [eal] args (its prefix is
    # not used), command-line options override the file's, ports add.
    h.shutil.rmtree(h.runtime_dir(prefix), ignore_errors=True)
    c_sock = env.sock("c")
    prefix2 = env.prefix("conf2")
    sw = ConfSwitch(env, "conf2", [
        env.vuswitch, "--lcores", "0@0,1@1", "--no-huge", "-m", "512",
        "--no-pci", "--file-prefix", prefix2,
        "--log-level", "lib.vhost.config:warning", "--",
        "--config", conf, "--mode", "xconnect", "--port", c_sock], prefix2)
    out = sw.output()
    h.check("3 port(s)" in out and "mode xconnect" in out,
            "command line: --mode overrides the file, --port adds a third")
    h.check(not os.path.exists(h.runtime_dir(prefix)),
            "[eal] args replaced by the command line's EAL options")
    paths = [sw.port(i)["path"] for i in range(3)]
    h.check(paths == [a_sock, b_sock, c_sock],
            "the file's ports first, then the command line's: %s" % paths)
    rc = sw.stop(h.signal.SIGTERM)
    h.check(rc == 0, "second switch stops cleanly")


if __name__ == "__main__":
    h.main("config", body)
