# SPDX-License-Identifier: BSD-3-Clause
"""Runtime kits made by dpdk-runtime-kit: DIR/bin, DIR/lib, DIR/pmd-args,
DIR/pmd, DIR/share."""

import os

from .common import BenchError
from .host import system_pmds


def pmd_args(kit):
    """EAL "-d" arguments from DIR/pmd-args; relative plugin paths are
    taken from DIR/pmd."""
    eal_extra = []
    try:
        with open(os.path.join(kit, "pmd-args")) as f:
            words = f.read().split()
    except OSError:
        words = []
    i = 0
    while i < len(words):
        if words[i] == "-d" and i + 1 < len(words):
            path = words[i + 1]
            if not os.path.isabs(path):
                path = os.path.join(kit, "pmd",
                                    os.path.basename(path))
            eal_extra += ["-d", path]
            i += 2
        else:
            i += 1
    return eal_extra


def check_no_system_pmds(kit_arg):
    found = system_pmds()
    if found:
        d = found[0][0]
        # EAL also loads its built-in plugin folder when it exists,
        # and the kit carries its own copies of bus drivers: every
        # driver would be registered twice and EAL panics.
        raise BenchError(
            "--kit: %s holds DPDK plugins, which EAL would load on "
            "top of the kit's; a kit is for machines without DPDK "
            "installed. To try one here, hide that folder in a "
            "private mount namespace:\n  unshare -m sh -c 'mount "
            "-t tmpfs none %s && scripts/bench --kit %s ...'"
            % (d, d, kit_arg))


def use_kit(ctx, kit_arg):
    """Point @p ctx at the binaries, libraries and plugins of a kit."""
    kit = os.path.abspath(kit_arg)
    ctx.kit = kit
    b = os.path.join(kit, "bin")
    ctx.vuswitch = os.path.join(b, "vuswitch")
    ctx.vucheck = os.path.join(b, "vucheck")
    ctx.c2c = os.path.join(b, "c2c-probe")
    ctx.testpmd = os.path.join(b, "dpdk-testpmd")
    ctx.env["LD_LIBRARY_PATH"] = os.path.join(kit, "lib")
    ctx.eal_extra = pmd_args(kit)
    check_no_system_pmds(kit_arg)
    ovs = os.path.join(b, "ovs-vswitchd-dpdk")
    ctx.ovs = {
        "vswitchd": ovs,
        "ovsdb-server": os.path.join(b, "ovsdb-server"),
        "ovsdb-tool": os.path.join(b, "ovsdb-tool"),
        "ovs-vsctl": os.path.join(b, "ovs-vsctl"),
        "ovs-appctl": os.path.join(b, "ovs-appctl"),
        "schema": os.path.join(kit, "share", "vswitch.ovsschema"),
    }
