"""The results table (Markdown) and the plot (PNG) of one benchmark run.

Input is the JSON-able ``results`` dict written by ``benchmarks/run.py``:
``{"dataset": {...}, "runs": [{"tool", "error", "score", "measures": [...], "steps", ...}],
"mapping": [...], "throughput": {...}, "settings": {...}}``.
"""
from __future__ import annotations

import math
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

STAGE_ORDER = ("depth", "tnf", "train", "encode", "markers", "cluster", "bins")


def git_commit() -> str:
    """The repository's HEAD (12 hex), marked when tracked files differ from it: what a
    table records as the code it ran on."""
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return out.stdout.strip()[:12] + (" (+ uncommitted changes)" if dirty else "")
    except OSError:
        return "?"


def _f(x, nd=1, dash="–") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return dash
    if isinstance(x, int):
        return str(x)
    return f"{x:.{nd}f}"


def _short(error: str, n: int = 160) -> str:
    """An error for a table cell: no pipes, the end kept (where the reason is)."""
    error = " ".join(error.replace("|", "/").split())
    return error if len(error) <= n else "…" + error[-n:]


def _total(measures: list[dict], names=None) -> dict:
    sel = [m for m in measures if names is None or m["name"] in names]
    if not sel:
        return {"wall_s": float("nan"), "cpu_s": float("nan"), "max_rss_mb": float("nan")}
    return {"wall_s": sum(m["wall_s"] for m in sel), "cpu_s": sum(m["cpu_s"] for m in sel),
            "max_rss_mb": max(m["max_rss_mb"] for m in sel)}


def binning_cost(run: dict) -> dict:
    """BAMs-to-bins cost: latentbin's binning stages (no QC); a peer's whole run."""
    if run["tool"] == "latentbin":
        return _total(run["measures"], STAGE_ORDER)
    return _total(run["measures"])


def _score_cells(s: dict | None) -> list[str]:
    if not s:
        return ["–"] * 7
    t = s["table"]
    return [str(s["NC"]), str(t["recall>=0.9,precision>=0.9"]), str(t["recall>=0.5,precision>=0.9"]),
            _f(s["binned_bp_fraction"], 3), _f(s["ari"], 3), _f(s["ari_binned"], 3), str(s["bins"])]


def table(results: dict) -> str:
    """One Markdown table: a row per tool (scores + whole cost) and a row per step."""
    bam_mb = results["dataset"]["bam_mb"]
    fasta_mb = results["dataset"]["fasta_mb"]
    head = ["tool / step", "NC (R≥.9 P≥.95)", "R≥.9 P≥.9", "R≥.5 P≥.9", "binned bp", "ARI",
            "ARI binned", "bins", "wall s", "CPU s", "peak RSS MB", "MB/s", "status"]
    rows = []
    thr = results.get("throughput", {})
    for run in results["runs"]:
        cost = binning_cost(run)
        status = ("FAILED: " + _short(run["error"])) if run["error"] else "ok"
        if run.get("reused"):
            status += f" (reused: ran {run.get('date', '?')} on commit {run.get('commit', '?')})"
        label = f"**{run['tool']}** {run.get('version', '')}".strip()
        if run["tool"] == "latentbin":
            label += " (BAMs→bins)"
        rows.append([label, *_score_cells(run.get("score")), _f(cost["wall_s"]), _f(cost["cpu_s"]),
                     _f(cost["max_rss_mb"], 0), "", status])
        for m in run["measures"]:
            if run["tool"] == "latentbin":
                rate = {"depth": bam_mb, "tnf": fasta_mb}.get(m["name"])
                mbs = _f(rate / m["wall_s"]) if rate and m["ok"] and m["wall_s"] > 0 else ""
                st = "ok" if m["ok"] else "FAILED: " + _short(m["error"])
                if m["name"] == "qc":
                    st += " (not in BAMs→bins)"
                rows.append([f"↳ {m['name']}", *[""] * 7, _f(m["wall_s"]), _f(m["cpu_s"]),
                             _f(m["max_rss_mb"], 0), mbs, st])
            elif len(run["measures"]) > 1:
                rows.append([f"↳ {m['name'].split(': ')[-1]}", *[""] * 7, _f(m["wall_s"]), _f(m["cpu_s"]),
                             _f(m["max_rss_mb"], 0), "", "ok" if m["ok"] else "FAILED"])
        if run["tool"] == "latentbin":
            for key, mb, what in (("tnf_s", fasta_mb, "FASTA"), ("depth_s", bam_mb, "BAM")):
                if thr.get(key):
                    rows.append([f"↳ {key[:-2]} in-process ({what} MB/s)", *[""] * 7, _f(thr[key], 2),
                                 "", "", _f(mb / thr[key]), "compute_* call only, no start-up"])
        for key, mb, what in (("tnf_s", fasta_mb, "FASTA"), ("depth_s", bam_mb, "BAM")):
            if run["tool"] == "Vamb" and run["steps"].get(key):
                rows.append([f"↳ {key[:-2]} step, from its log ({what} MB/s)", *[""] * 7,
                             _f(run["steps"][key], 2), "", "", _f(mb / run["steps"][key]), "ok"])
    mapping = results.get("mapping", [])
    if mapping:
        c = _total(mapping)
        rows.append(["mapping (shared, not in any total)", *[""] * 7, _f(c["wall_s"]), _f(c["cpu_s"]),
                     _f(c["max_rss_mb"], 0), "", f"{len(mapping)} jobs"])
    else:
        rows.append(["mapping (shared, not in any total)", *[""] * 7, "", "", "", "", "reused BAMs"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def targets(results: dict) -> list[str]:
    """The issue's targets, measured: each line says met or missed (where we lose, say so)."""
    runs = {r["tool"]: r for r in results["runs"]}
    out = []

    def nc(tool):
        r = runs.get(tool)
        return r["score"]["NC"] if r and r.get("score") else None

    lb, vamb, mb2 = nc("latentbin"), nc("Vamb"), nc("MetaBAT2")
    if lb is not None and vamb is not None:
        ok = lb >= 1.1 * vamb
        out.append(f"NC latentbin {lb} vs Vamb {vamb}: target ≥ 1.1× ({1.1 * vamb:.1f}) — "
                   f"{'met' if ok else 'MISSED'}")
    if lb is not None and mb2 is not None:
        out.append(f"NC latentbin {lb} vs MetaBAT2 {mb2}: target ≥ — {'met' if lb >= mb2 else 'MISSED'}")
    if "latentbin" in runs and "Vamb" in runs and not runs["Vamb"]["error"] and not runs["latentbin"]["error"]:
        a, b = binning_cost(runs["latentbin"]), binning_cost(runs["Vamb"])
        out.append(f"BAMs→bins wall latentbin {a['wall_s']:.1f} s vs Vamb {b['wall_s']:.1f} s: target ≤ — "
                   f"{'met' if a['wall_s'] <= b['wall_s'] else 'MISSED'} (CPU s {a['cpu_s']:.1f} vs {b['cpu_s']:.1f})")
    thr, steps = results.get("throughput", {}), runs.get("Vamb", {}).get("steps", {})
    for key, mb, what in (("tnf_s", results["dataset"]["fasta_mb"], "TNF"),
                          ("depth_s", results["dataset"]["bam_mb"], "depth")):
        if thr.get(key) and steps.get(key):
            a, b = mb / thr[key], mb / steps[key]
            out.append(f"{what} throughput latentbin {a:.1f} MB/s vs Vamb {b:.1f} MB/s — "
                       f"{'faster' if a >= b else 'SLOWER'} ({a / b:.2f}×)")
    for tool, r in runs.items():
        if r["error"]:
            out.append(f"{tool} did not finish: {_short(r['error'], 300)}")
    return out


def markdown(results: dict) -> str:
    d, s = results["dataset"], results["settings"]
    head = (f"# Benchmark: {d['name']}\n\n"
            f"{d['contigs']} contigs ≥ {s['min_contig']} bp ({d['bp'] / 1e6:.1f} Mbp, FASTA {d['fasta_mb']:.1f} MB), "
            f"{d['samples']} samples (BAMs {d['bam_mb']:.1f} MB), {d['genomes']} gold genomes. "
            f"Machine: {s['machine']}; {s['threads']} threads per tool, one tool at a time. "
            f"latentbin epochs: {s['epochs'] or 'default'}, device {s['device']}. Bins < {s['min_bin_bp']} bp "
            f"ignored for every tool. Run {s['date']} with `{s['command']}`; commit `{s.get('commit', '?')}`. "
            "A reused row ran earlier: its status gives when and on which commit.\n\n")
    notes = ("\nNC = genomes with one bin of recall ≥ 0.9 and precision ≥ 0.95 (scorer: "
             f"{results.get('scorer', '?')}). ARI: unbinned contigs count as singletons; ARI binned: binned gold contigs only. Wall/CPU/peak RSS from "
             "`/usr/bin/time -v`; a tool's row is its BAMs→bins run (latentbin: depth…bins, without qc). "
             "Stage MB/s = input MB / stage wall time including process start-up; the in-process and "
             "Vamb-log rows time the computation alone. Shared 2-core machine: wall times carry noise "
             "from other load, CPU s is the steadier figure.\n")
    notes += "".join(f"\nNote: {n}\n" for n in results.get("notes", []))
    tg = "\n## Targets\n\n" + "\n".join(f"- {t}" for t in targets(results)) + "\n"
    return head + table(results) + "\n" + notes + tg


def plot(results: dict, png: Path) -> None:
    """Left: NC genomes (recall ≥ 0.9) vs precision threshold; right: BAMs→bins wall time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ok_runs = [r for r in results["runs"] if r.get("score")]
    styles = [("o", "-"), ("s", "--"), ("^", "-."), ("D", ":")]
    for i, r in enumerate(ok_runs):
        curve = r["score"]["curve"]
        xs = sorted(float(p) for p in curve)
        marker, ls = styles[i % len(styles)]
        ax1.plot(xs, [curve[k] for k in sorted(curve, key=float)], marker=marker, ls=ls, ms=4,
                 label=f"{r['tool']} (NC {r['score']['NC']})", alpha=0.85)
    ax1.set_ylim(-0.2, results["dataset"]["genomes"] + 0.5)
    ax1.yaxis.get_major_locator().set_params(integer=True)
    ax1.axvline(0.95, color="grey", lw=0.8, ls="--")
    ax1.set_xlabel("precision threshold (recall ≥ 0.9)")
    ax1.set_ylabel("genomes recovered")
    ax1.set_title(f"{results['dataset']['name']}: genomes vs precision "
                  f"({results['dataset']['genomes']} in gold standard)", fontsize=10)
    if ok_runs:
        ax1.legend(fontsize=8)
    names = [r["tool"] for r in results["runs"]]
    widest = max([binning_cost(r)["wall_s"] for r in results["runs"] if r["measures"]] + [1e-9])
    widest = widest if not math.isnan(widest) else 1.0
    for i, r in enumerate(results["runs"]):
        left = 0.0
        parts = [m for m in r["measures"] if r["tool"] != "latentbin" or m["name"] in STAGE_ORDER]
        for j, m in enumerate(parts):
            if math.isnan(m["wall_s"]):
                continue
            is_lb = r["tool"] == "latentbin"
            ax2.barh(i, m["wall_s"], left=left, height=0.6, edgecolor="white",
                     color=(f"C{STAGE_ORDER.index(m['name']) % 10}" if is_lb else ("0.55", "0.75")[j % 2])
                     if not r["error"] else "#f4b6b6", hatch="//" if r["error"] else None,
                     label=m["name"] if is_lb else None)
            if r["tool"] == "latentbin" or len(parts) > 1:
                label = m["name"].split(": ")[-1]
                if m["wall_s"] > 0.07 * widest:
                    ax2.text(left + m["wall_s"] / 2, i, label, ha="center", va="center", fontsize=7)
            left += m["wall_s"]
        if r["error"]:
            ax2.text(left, i, f" {left:.0f} s, failed" if left else "  not run/failed", va="center",
                     fontsize=8, color="red")
        elif left:
            ax2.text(left, i, f" {left:.0f} s", va="center", fontsize=8)
    ax2.set_yticks(range(len(names)), names)
    ax2.invert_yaxis()
    ax2.set_xlim(0, widest * 1.3)
    if any(r["tool"] == "latentbin" and r["measures"] for r in results["runs"]):
        ax2.legend(fontsize=7, loc="center right", title="latentbin stage", title_fontsize=7)
    ax2.set_xlabel(f"wall seconds, BAMs → bins ({results['settings']['threads']} threads)")
    ax2.set_title("time per tool (latentbin by stage)", fontsize=10)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=120)
    plt.close(fig)
