# SPDX-License-Identifier: BSD-3-Clause
"""Plots: matplotlib (Debian's python3-matplotlib, run under the system
python3 when this interpreter lacks it), else gnuplot."""

import json
import os
import shutil
import subprocess
import sys

from .common import ALL_SYSTEMS, COLORS, LABELS, progress, suspend_tag
from .host import apt_install


def save(plt, fig, outdir, name):
    """Lay out, write @p outdir/@p name, close; returns the path."""
    fig.tight_layout()
    p = os.path.join(outdir, name)
    fig.savefig(p, dpi=100)
    plt.close(fig)
    return p


def plot_matplotlib(res, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    made = []
    for plot in (plot_throughput, plot_interleave, plot_scale_ports,
                 plot_scale_pmds, plot_suspend, plot_pvp):
        p = plot(plt, res, outdir)
        if p:
            made.append(p)
    return made


def plot_throughput(plt, res, outdir):
    rows = [r for r in res["summary"] if r["phase"] == "throughput"]
    if rows:
        sizes = sorted({r["size"] for r in rows})
        systems = [s for s in ALL_SYSTEMS if any(r["system"] == s
                                                 for r in rows)]
        fig, axes = plt.subplots(1, len(sizes), figsize=(5 * len(sizes), 4.2),
                                 squeeze=False)
        for ax, size in zip(axes[0], sizes):
            vals, lo, hi, lab = [], [], [], []
            for s in systems:
                r = [x for x in rows if x["system"] == s and x["size"] == size]
                if not r:
                    continue
                r = r[0]
                vals.append(r["mpps_median"])
                lo.append(r["mpps_median"] - r["mpps_min"])
                hi.append(r["mpps_max"] - r["mpps_median"])
                lab.append(LABELS[s].replace(" ", "\n", 1))
            bars = ax.bar(range(len(vals)), vals, yerr=[lo, hi], capsize=4,
                          color=[COLORS[s] for s in systems
                                 if any(x["system"] == s and
                                        x["size"] == size for x in rows)])
            for b, v in zip(bars, vals):
                ax.text(b.get_x() + b.get_width() / 2, v, "%.2f" % v,
                        ha="center", va="bottom", fontsize=8)
            ax.set_xticks(range(len(vals)))
            ax.set_xticklabels(lab, fontsize=8)
            ax.set_title("%d-byte frames, 2 ports, 1 PMD" % size)
            ax.set_ylabel("Mpps (median, bars: min..max)")
        fig.suptitle("VM-to-VM throughput, %s" % res["meta"]["cpu_model"],
                     fontsize=9)
        return save(plt, fig, outdir, "throughput.png")
    return None


def mpps_lines(ax, rows, xkey, xlabel, ylabel):
    """One line per system: the median Mpps of @p rows against @p xkey."""
    for s in ALL_SYSTEMS:
        r = sorted([x for x in rows if x["system"] == s],
                   key=lambda x: x[xkey])
        if r:
            ax.plot([x[xkey] for x in r], [x["mpps_median"] for x in r],
                    marker="o", label=LABELS[s])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xticks(sorted({x[xkey] for x in rows}))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def plot_scale_ports(plt, res, outdir):
    rows = [r for r in res["summary"] if r["phase"] == "scale" and
            r["pmds"] == 1]
    if rows:
        fig, ax = plt.subplots(figsize=(6, 4.2))
        mpps_lines(ax, rows, "ports", "vhost-user ports (VM pairs x 2)",
                   "Mpps, 64-byte, all ports (median)")
        ax.set_title("Scale in ports, 1 PMD lcore", fontsize=10)
        return save(plt, fig, outdir, "scale.png")
    return None


def plot_scale_pmds(plt, res, outdir):
    rows = [r for r in res["summary"] if r["phase"] == "scale" and
            r["ports"] == 8]
    if len({r["pmds"] for r in rows}) > 1:
        fig, ax = plt.subplots(figsize=(6, 4.2))
        mpps_lines(ax, rows, "pmds", "PMD lcores",
                   "Mpps, 64-byte, 8 ports (median)")
        return save(plt, fig, outdir, "scale-pmds.png")
    return None


def plot_suspend(plt, res, outdir):
    sps = [x for x in (res.get("suspend") or [])
           if x.get("ok") and x.get("suspend_samples_us")]
    if sps:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.8))
        title = []
        for k, sp in enumerate(sps):
            tag = suspend_tag(sp).replace("generator", "gen").replace(
                "front-end SCHED_FIFO", "fe FIFO")
            color = "C%d" % k
            v = sp["suspend_samples_us"]
            a1.plot(range(len(v)), v, ".", ms=2, color=color,
                    label="SUSPEND ack, " + tag)
            for data, lab, ls in (
                    (v, "SUSPEND", "-"),
                    (sp.get("resume_samples_us") or [], "RESUME", ":")):
                if data:
                    d = sorted(data)
                    a2.plot(d, [(i + 1) / len(d) for i in range(len(d))],
                            color=color, ls=ls,
                            label="%s ack, %s" % (lab, tag))
            st = sp["suspend_ack_us"]
            title.append("%s: median %.1f, p99 %.1f, max %.1f us, lost %d"
                         % (tag, st["median"], st["p99"], st["max"],
                            sp["frames_lost"]))
        a1.axhline(100, color="r", lw=0.8, ls="--", label="100 us target")
        a1.set_xlabel("cycle")
        a1.set_ylabel("SUSPEND ack latency (us)")
        a1.set_yscale("log")
        a1.legend(fontsize=7)
        a2.axvline(100, color="r", lw=0.8, ls="--")
        a2.set_xscale("log")
        a2.set_xlabel("ack latency (us)")
        a2.set_ylabel("fraction of cycles")
        a2.grid(alpha=0.3)
        a2.legend(fontsize=7)
        fig.suptitle("SUSPEND/RESUME under load (%d cycles each)\n%s"
                     % (sps[0]["cycles"], "\n".join(title)), fontsize=8)
        return save(plt, fig, outdir, "suspend.png")
    return None


def plot_interleave(plt, res, outdir):
    """Every window of the interleave phase, in time order: the host's
    fast and slow states show as steps that every system shares."""
    recs = [r for r in res["runs"] if r.get("phase") == "interleave" and
            r.get("ok")]
    if not recs:
        return None
    cases = sorted({(r.get("ports", 2), r["size"]) for r in recs})
    fig, axes = plt.subplots(1, len(cases), figsize=(5 * len(cases), 4.2),
                             squeeze=False)
    for ax, (ports, size) in zip(axes[0], cases):
        for s in ALL_SYSTEMS:
            pts = [(r["cycle"], r["mpps"]) for r in recs
                   if r["system"] == s and r["size"] == size and
                   r.get("ports", 2) == ports]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-",
                        ms=3, lw=0.8, color=COLORS[s], label=LABELS[s])
        ax.set_title("%d ports, %d-byte frames, 1 PMD" % (ports, size),
                     fontsize=9)
        ax.set_xlabel("cycle")
        ax.set_ylabel("Mpps")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Interleaved windows (one per system per cycle), %s"
                 % res["meta"]["cpu_model"], fontsize=9)
    return save(plt, fig, outdir, "interleave.png")


def plot_pvp(plt, res, outdir):
    """Every window of the pvp phase in time order, one panel per frame
    size; and the per-cycle ratios of learn to testpmd io and to OVS."""
    from .pvp import PVP_COLORS, PVP_LABELS, PVP_SYSTEMS, pvp_ratios
    recs = [r for r in res.get("pvp") or [] if r.get("ok")]
    if not recs:
        return None
    sizes = sorted({r["size"] for r in recs})
    fig, axes = plt.subplots(2, len(sizes), figsize=(5 * len(sizes), 7.5),
                             squeeze=False)
    for k, size in enumerate(sizes):
        ax = axes[0][k]
        for s in PVP_SYSTEMS:
            pts = [(r["cycle"], r["mpps"]) for r in recs
                   if r["system"] == s and r["size"] == size]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-",
                        ms=3, lw=0.8, color=PVP_COLORS[s],
                        label=PVP_LABELS[s])
        ax.set_title("PVP (memif <-> vhost), %d-byte frames, 1 PMD" % size,
                     fontsize=9)
        ax.set_xlabel("cycle")
        ax.set_ylabel("Mpps (both directions)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
        ax = axes[1][k]
        for a, b, lab in (("pvp-learn", "pvp-testpmd", "learn / testpmd io"),
                          ("pvp-learn", "pvp-ovs", "learn / OVS NORMAL"),
                          ("pvp-learn-vlan", "pvp-learn",
                           "learn with VLANs / learn")):
            rr = pvp_ratios(res["pvp"], a, b, size)
            if rr:
                ax.plot(range(len(rr)), rr, "o-", ms=3, lw=0.8, label=lab,
                        color=PVP_COLORS[b if a == "pvp-learn" else a])
        for y in (0.95, 1.3):
            ax.axhline(y, color="k", lw=0.5, ls=":")
        ax.set_xlabel("cycle")
        ax.set_ylabel("ratio, same cycle")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    fig.suptitle("PVP windows and per-cycle ratios, %s"
                 % res["meta"]["cpu_model"], fontsize=9)
    return save(plt, fig, outdir, "pvp.png")


def plot_gnuplot(res, outdir):
    made = []
    rows = [r for r in res["summary"] if r["phase"] == "throughput"]
    if rows:
        dat = os.path.join(outdir, "throughput.dat")
        with open(dat, "w") as f:
            for r in rows:
                f.write('"%s %dB" %f\n' % (LABELS[r["system"]], r["size"],
                                           r["mpps_median"]))
        p = os.path.join(outdir, "throughput.png")
        script = ('set terminal png size 900,450; set output "%s"; '
                  'set style fill solid; set boxwidth 0.6; '
                  'set ylabel "Mpps (median)"; set xtics rotate by -30; '
                  'plot "%s" using 0:2:xtic(1) with boxes notitle'
                  % (p, dat))
        subprocess.run(["gnuplot", "-e", script], timeout=60, check=True)
        made.append(p)
    sps = [x for x in (res.get("suspend") or [])
           if x.get("ok") and x.get("suspend_samples_us")]
    if sps:
        s = sps[0]
        dat = os.path.join(outdir, "suspend.dat")
        with open(dat, "w") as f:
            for i, v in enumerate(s["suspend_samples_us"]):
                f.write("%d %f\n" % (i, v))
        p = os.path.join(outdir, "suspend.png")
        script = ('set terminal png size 900,450; set output "%s"; '
                  'set logscale y; set ylabel "SUSPEND ack (us)"; '
                  'set xlabel "cycle"; plot "%s" using 1:2 with dots notitle'
                  % (p, dat))
        subprocess.run(["gnuplot", "-e", script], timeout=60, check=True)
        made.append(p)
    return made


def has_matplotlib(py):
    try:
        r = subprocess.run([py, "-c", "import matplotlib"], timeout=60,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return r.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def make_plots(ctx, jpath, outdir, script):
    """Plot with matplotlib where some python3 has it (running @p script,
    the bench script, with --plot), else gnuplot; install
    python3-matplotlib when neither is there."""
    pys = [sys.executable, "/usr/bin/python3"]
    for attempt in range(2):
        for py in pys:
            if os.access(py, os.X_OK) and has_matplotlib(py):
                try:
                    subprocess.run([py, script, "--plot",
                                    jpath, "--out", outdir], timeout=300,
                                   check=True)
                    return True
                except (OSError, subprocess.SubprocessError) as e:
                    progress("plotting failed: %s" % e)
                    return False
        if shutil.which("gnuplot"):
            with open(jpath) as f:
                res = json.load(f)
            try:
                for p in plot_gnuplot(res, outdir):
                    progress("wrote " + p)
                return True
            except (OSError, subprocess.SubprocessError) as e:
                progress("gnuplot failed: %s" % e)
                return False
        if attempt == 0 and ctx.args.no_install:
            break
        if attempt == 0 and not apt_install("python3-matplotlib"):
            if not apt_install("gnuplot-nox"):
                break
    progress("no plots: neither matplotlib nor gnuplot is available")
    return False
