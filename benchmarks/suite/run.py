#!/usr/bin/env python3
"""Run latentbin and the peers on every suite dataset; write benchmarks/results/suite.md.

    python benchmarks/suite/run.py                                   # everything built in benchmarks/suite/data
    python benchmarks/suite/run.py --datasets dev-2s,novel-a --tools latentbin,metabat2
    python benchmarks/suite/run.py --report-only                     # table from what has run

For each dataset built by ``benchmarks/suite/build.py``: contigs >= --min-contig bp,
reads mapped once (``minimap2 -ax sr``, or the ``preset`` column of samples.tsv, e.g.
``map-ont`` for the long-read case), then every tool on the same contigs and BAMs, one
at a time, ``--threads`` each, under ``nice``. Scores: NC (recall >= 0.9, precision
>= 0.95), MQ (recall >= 0.5, precision >= 0.9), binned Mbp (bins >= --min-bin-bp only,
for every tool), and BAMs->bins wall time. latentbin runs once per seed and is reported
as mean [min-max]. Everything is reused from benchmarks/harness/ (mapping, peers,
scoring, timing). Each finished cell is a small JSON record,
``<cells>/<dataset>/<tool>/cell.json`` (``--cells``, by default the committed
``benchmarks/results/suite_cells``), so an interrupted run goes on where it stopped, the
table can be rewritten on any clone, and cells run in different sessions add up; the
tools' outputs and BAMs stay in ``--work``. A cell that never ran reads "not run".
A cell records the commit it ran on and, for latentbin, a fingerprint of the package's
code and defaults (:func:`code_fingerprint`): a latentbin cell of other code is run again.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import functools
import hashlib
import importlib.util
import json
import os
import shlex
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from harness import datasets, mapping, peers, scoring  # noqa: E402
from harness.report import git_commit  # noqa: E402,F401 (ablate.py reads suite.git_commit)
from harness.timing import run_timed  # noqa: E402

_spec = importlib.util.spec_from_file_location("suite_build", HERE / "build.py")
build = importlib.util.module_from_spec(_spec)  # the dataset table
_spec.loader.exec_module(build)

TOOLS = ("latentbin", "vamb", "vamb_recluster", "metabat2", "semibin2")


#: the commit (and whether the tree had changes) this process started on: what a cell ran on,
#: even when commits land while a long cell runs
STARTED_ON = git_commit()

#: the committed cell records (one small JSON per dataset x tool x seed) the table is written from
CELLS = BENCH / "results" / "suite_cells"

def cell_file(cells: str | Path, dataset: str, sub: str) -> Path:
    """The record of one cell: ``<cells>/<dataset>/<sub>/cell.json`` (``sub``: ``vamb``,
    ``latentbin/seed2``, ``ablate/<variant>/seed1``)."""
    return Path(cells) / dataset / sub / "cell.json"


def info_file(cells: str | Path, dataset: str) -> Path:
    """What was mapped for a dataset (contigs, bp, samples, mapping time, commands)."""
    return Path(cells) / dataset / "dataset_info.json"


def jobs_of(tool: str, seeds: list[int]) -> list[tuple[str, int]]:
    """(cell folder, seed) of a tool's cells on one dataset: one per seed for latentbin,
    one (seed 1) for a peer."""
    return [(f"latentbin/seed{s}", s) for s in seeds] if tool == "latentbin" else [(tool, 1)]


# per-dataset contig floor where 2000 would drop most of the data
MIN_CONTIG = {"dev-short": 1500}


@functools.lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """sha256 (12 hex) of every file of the latentbin package that ``latentbin`` runs
    (sources, schema with the defaults, marker data): what a latentbin cell's result
    depends on besides its flags and inputs. A cached cell whose fingerprint differs
    from the current one ran on other code or other defaults: run.py and ablate.py run
    it again instead of reusing it."""
    spec = importlib.util.find_spec("latentbin")
    if spec is None or spec.origin is None:
        return "?"
    pkg = Path(spec.origin).parent
    h = hashlib.sha256()
    for p in sorted(pkg.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(pkg)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:12]


def fresh(cell_path: Path, tool: str) -> bool:
    """A recorded cell that can stand: one with a result (a failed or timed-out run is run
    again), any peer's (its version is recorded in the cell), a latentbin cell only when
    it ran on the current code (:func:`code_fingerprint`)."""
    if not cell_path.exists():
        return False
    cell = json.loads(cell_path.read_text())
    return not cell.get("error") and (tool != "latentbin" or cell.get("code") == code_fingerprint())


def preset_of(root: Path) -> str:
    with open(root / "samples.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    presets = {r.get("preset") or "sr" for r in rows}
    return presets.pop() if len(presets) == 1 else "sr"


def latentbin_clusters(outdir: Path) -> Path | None:
    for p in (outdir / "cluster" / "clusters.tsv", outdir / "clusters.tsv"):
        if p.exists():
            return p
    return None


def run_latentbin(contigs: Path, bams: list[Path], samples: list[str], out: Path, seed: int, threads: int,
                  nice: int, timeout: int | None, min_contig: int) -> peers.Run:
    if out.exists():
        import shutil

        shutil.rmtree(out)
    out.mkdir(parents=True)
    cmd = ["latentbin", "run", "--contigs", str(contigs), "--bam", *map(str, bams), "--samples", *samples,
           "--outdir", str(out / "run"), "--seed", str(seed), "--threads", str(threads), "--until", "bins",
           "--min-length", str(min_contig)]  # the contigs every tool gets (latentbin's own default is 2000)
    if timeout:
        cmd = ["timeout", str(timeout), *cmd]
    m = run_timed(cmd, f"latentbin seed {seed}", out / "latentbin.log", nice=nice)
    run = peers.Run("latentbin", [m])
    if not m.ok:
        run.error = m.error
        return run
    run.bins = latentbin_clusters(out / "run")
    if run.bins is None:
        run.error = "no cluster/clusters.tsv or clusters.tsv in the output"
    return run


def cell_from(run: peers.Run, gold: Path, min_contig: int, min_bin_bp: int, total_bp: int, scorer) -> dict:
    cell = {"tool": run.tool, "error": run.error, "version": run.version, "commit": STARTED_ON,
            "code": code_fingerprint() if run.tool == "latentbin" else None,
            "wall_s": run.total().wall_s if run.measures else None,
            "cpu_s": run.total().cpu_s if run.measures else None,
            "max_rss_mb": run.total().max_rss_mb if run.measures else None}
    if run.bins is not None and not run.error:
        cell["bins_path"] = str(run.bins)
        score_cell(cell, gold, min_contig, min_bin_bp, total_bp, scorer)
    return cell


def score_cell(cell: dict, gold: Path, min_contig: int, min_bin_bp: int, total_bp: int, scorer) -> dict:
    """Add NC, MQ, binned Mbp, ARI, bins and chimeric bins (largest genome < 90 % of the
    bin) of the binning at ``cell["bins_path"]`` to ``cell``."""
    try:
        s = scoring.score_binning(gold, Path(cell["bins_path"]), min_contig, min_bin_bp, scorer)
        cell.update(NC=s["table"]["recall>=0.9,precision>=0.95"], MQ=s["table"]["recall>=0.5,precision>=0.9"],
                    binned_mbp=s["binned_bp_fraction"] * total_bp / 1e6, ari=s["ari"], bins=s["bins"],
                    chimeric=s.get("chimeric"))
    except Exception as exc:  # noqa: BLE001 - a broken output is a reported failure
        cell["error"] = f"scoring failed: {exc}"
    return cell


#: where each tool's binning lies in its cell folder (cells written before bins_path was stored)
BINS_AT = {"latentbin": ("run/cluster/clusters.tsv", "run/clusters.tsv"),
           "vamb": ("vamb/vae_clusters_unsplit.tsv", "vamb/vae_clusters_split.tsv", "vamb/vae_clusters.tsv"),
           "vamb_recluster": ("recluster/clusters_reclustered_unsplit.tsv",),
           "metabat2": ("bins",), "semibin2": ("semibin/output_bins", "semibin/contig_bins.tsv")}


def rescore(a, scorer) -> None:
    """Score every cached cell again (e.g. after the scorer gained a column)."""
    for name in a.datasets:
        cells = Path(a.cells) / name
        info_path = info_file(a.cells, name)
        if not info_path.exists():
            continue
        info = json.loads(info_path.read_text())
        gold = Path(a.data) / name / "gold_standard.tsv"
        for cache in sorted(cells.rglob("cell.json")):  # <tool>, latentbin/seedN, ablate/<variant>/seedN
            cell = json.loads(cache.read_text())
            if cell.get("error") or "NC" not in cell:
                continue
            tool = "latentbin" if "latentbin" in cache.parts or "ablate" in cache.parts else cache.parent.name
            if "bins_path" not in cell:
                out = Path(a.work) / name / cache.parent.relative_to(cells)
                found = [out / rel for rel in BINS_AT.get(tool, ()) if (out / rel).exists()]
                if not found:
                    continue
                cell["bins_path"] = str(found[0])
            cache.write_text(json.dumps(score_cell(cell, gold, info["min_contig"], a.min_bin_bp, info["bp"], scorer),
                                        indent=1, default=str))


def pending(name: str, a) -> list[tuple[str, str, int]]:
    """(tool, cell folder, seed) of every requested cell of dataset ``name`` that has no
    standing record in ``--cells`` (all of them with ``--rerun``)."""
    jobs = [(tool, sub, seed) for tool in a.tools for sub, seed in jobs_of(tool, a.seeds)]
    return [j for j in jobs if a.rerun or not fresh(cell_file(a.cells, name, j[1]), j[0])]


def run_dataset(name: str, a, scorer) -> None:
    todo = pending(name, a)
    if not todo:
        print(f"[suite] {name}: every requested cell is recorded in {a.cells}; nothing to run", flush=True)
        return
    root = Path(a.data) / name
    if not (root / "gold_standard.tsv").exists():
        print(f"[suite] {name}: not built in {a.data} (benchmarks/suite/build.py --only {name})", flush=True)
        return
    work = Path(a.work) / name
    work.mkdir(parents=True, exist_ok=True)
    ds = datasets.resolve(str(root), work)
    min_contig = MIN_CONTIG.get(name, a.min_contig)
    contigs = work / f"contigs{min_contig}.fna"
    n, bp = datasets.filter_contigs(ds.contigs, contigs, min_contig)
    print(f"[suite] {name}: {n} contigs >= {min_contig} bp, {bp / 1e6:.1f} Mbp", flush=True)
    bams, measures = mapping.map_samples(ds.samples, contigs, work / "bam", a.threads, work / "logs",
                                         preset=preset_of(root), nice=a.nice)
    samples = [s for s, _, _ in ds.samples]
    info_path = info_file(a.cells, name)
    info_path.parent.mkdir(parents=True, exist_ok=True)
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    info.update(contigs=n, bp=bp, min_contig=min_contig, samples=len(samples), preset=preset_of(root),
                commands=sorted(set(info.get("commands", [])) | {a.command}))
    if measures:
        info["mapping_wall_s"] = round(sum(m.wall_s for m in measures), 1)
    info_path.write_text(json.dumps(info, indent=1))
    venvs = Path(a.venvs).resolve() if a.venvs else None
    for tool, sub, seed in todo:
        cache = cell_file(a.cells, name, sub)
        print(f"[suite] {name}: {sub} ...", flush=True)
        if tool == "latentbin":
            run = run_latentbin(contigs, bams, samples, work / sub, seed, a.threads, a.nice, a.timeout, min_contig)
        else:
            run = peers.PEERS[tool](contigs, bams, work / sub, a.threads, venvs, seed=1,
                                    min_contig=min_contig, min_bin=a.min_bin_bp, timeout=a.timeout, nice=a.nice)
        cell = cell_from(run, ds.gold, min_contig, a.min_bin_bp, bp, scorer)
        cell.update(seed=seed, command=a.command)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(cell, indent=1, default=str))
        print(f"[suite] {name}: {sub}: NC={cell.get('NC')} MQ={cell.get('MQ')} "
              f"{cell['wall_s'] or 0:.0f} s {cell['error'][:200]}", flush=True)


def write_md(path: str | Path, md: str) -> str:
    """Write a results table (folders made as needed); returns it."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(md + "\n")
    return md


def _fmt(values: list, nd: int = 0) -> str:
    if not values:
        return "–"
    f = (lambda x: f"{x:.{nd}f}")
    if len(values) == 1:
        return f(values[0])
    return f"{f(statistics.mean(values))} [{f(min(values))}–{f(max(values))}]"


LABELS = {"latentbin": "latentbin", "vamb": "Vamb 5.0.4", "vamb_recluster": "Vamb 5.0.4 + recluster",
          "metabat2": "MetaBAT2", "semibin2": "SemiBin2"}


def _all_cells(cells: str | Path, name: str, tool: str, seeds: list[int]) -> tuple[list[str], list[dict]]:
    """The cell folders of ``tool`` on dataset ``name`` (one per seed for latentbin) and the
    cells recorded there, failed ones included."""
    subs = [sub for sub, _ in jobs_of(tool, seeds)]
    files = [cell_file(cells, name, sub) for sub in subs]
    return subs, [json.loads(f.read_text()) for f in files if f.exists()]


def _cells(cells: str | Path, name: str, tool: str, seeds: list[int]) -> list[dict]:
    """Finished cells (no error) of one tool on one dataset."""
    return [c for c in _all_cells(cells, name, tool, seeds)[1] if not c.get("error") and "NC" in c]


def summary(a) -> list[str]:
    """One table over the datasets: NC / MQ per tool (latentbin: mean over seeds), each
    tool's sums over the datasets it ran on, and the issue's targets: latentbin against
    each peer summed over the datasets both ran on (a peer run on some datasets only, as
    SemiBin2 where time allowed, is compared on those)."""
    tools = [t for t in a.all_tools if any(_cells(a.cells, d, t, a.seeds) for d in a.datasets)]
    if not tools:
        return []
    lines = ["## Summary (NC / MQ; latentbin mean over seeds)", "",
             "| dataset | " + " | ".join(LABELS[t] for t in tools) + " | latentbin NC >= best peer | "
             "latentbin MQ >= best peer |", "|---|" + "---|" * (len(tools) + 2)]
    means: dict[str, dict[str, tuple[float, float, float]]] = {}  # dataset -> tool -> NC, MQ, wall
    for name in a.datasets:
        got = {t: _cells(a.cells, name, t, a.seeds) for t in tools}
        mean = {t: (statistics.mean(c["NC"] for c in got[t]), statistics.mean(c["MQ"] for c in got[t]),
                    statistics.mean(c["wall_s"] for c in got[t]))
                for t in tools if got[t]}
        if not mean:
            continue
        means[name] = mean
        row = [f"{mean[t][0]:.3g} / {mean[t][1]:.3g}" if t in mean else "not run" for t in tools]
        peers_run = [t for t in mean if t != "latentbin"]
        verdict = ["–", "–"]
        if "latentbin" in mean and peers_run:
            best_nc = max(mean[t][0] for t in peers_run)
            best_mq = max(mean[t][1] for t in peers_run)
            verdict = ["yes" if mean["latentbin"][0] >= best_nc else f"no ({mean['latentbin'][0]:.3g} vs {best_nc:.3g})",
                       "yes" if mean["latentbin"][1] >= best_mq else f"no ({mean['latentbin'][1]:.3g} vs {best_mq:.3g})"]
        lines.append(f"| {name} | " + " | ".join(row) + f" | {verdict[0]} | {verdict[1]} |")

    def total(tool: str, names: list[str]) -> list[float]:
        return [sum(means[n][tool][i] for n in names) for i in range(3)]

    ran = {t: [n for n in means if t in means[n]] for t in tools}
    sums = {t: total(t, ran[t]) for t in tools}
    lines.append("| **sum (datasets run)** | " + " | ".join(
        f"**{sums[t][0]:.4g} / {sums[t][1]:.4g}** ({len(ran[t])})" for t in tools) + " | | |")
    lines.append("")
    if "latentbin" in tools:
        for t in tools:
            both = [n for n in ran[t] if "latentbin" in means[n]]
            if t == "latentbin" or not both:
                continue
            lb, peer = total("latentbin", both), total(t, both)
            ratio = f" ({lb[0] / peer[0]:.2f}x)" if peer[0] else ""
            where = f"the {len(both)} datasets both ran on" if len(both) > 1 else f"{both[0]}, the one dataset both ran on"
            lines.append(f"- latentbin vs {LABELS[t]} over {where}: NC {lb[0]:.4g} vs "
                         f"{peer[0]:.4g}{ratio}, MQ {lb[1]:.4g} vs {peer[1]:.4g}, summed BAMs->bins wall "
                         f"{lb[2]:.0f} s vs {peer[2]:.0f} s ({lb[2] / peer[2]:.2f}x)")
        lines.append("- targets (issue 16): NC and MQ >= the best peer on every dataset; summed NC >= 1.15x Vamb's "
                     "and >= SemiBin2's; BAMs->bins time no more than Vamb's")
        lines.append("")
    return lines


def run_by(cells_of: dict[str, list[dict]], info: dict) -> list[str]:
    """Lines naming, per tool, the command that ran the cells shown (recorded in each cell;
    ``cells_of``: tool -> its cells on one dataset); cells from before commands were
    recorded per cell fall back to every command that touched the dataset
    (``dataset_info.json``)."""
    lines, unknown = [], []
    for tool, cells in cells_of.items():
        commands = sorted({c["command"] for c in cells if c.get("command")})
        if commands:
            lines.append(f"Run by ({LABELS[tool]}): " + "; ".join(f"`{c}`" for c in commands) + "  ")
        if any(not c.get("command") for c in cells):
            unknown.append(LABELS[tool])
    if unknown and info.get("commands"):
        lines.append(f"Run by ({', '.join(unknown)}: cells without a recorded command), one of: "
                     + "; ".join(f"`{c}`" for c in info["commands"]) + "  ")
    return lines


def report(a) -> str:
    lines = ["# Benchmark suite: latentbin vs peers", "",
             f"Table written by: `{a.command}`  ",
             f"Git commit: `{git_commit()}`  ",
             f"Date: {datetime.date.today().isoformat()}; machine: {os.cpu_count()} cores, threads per tool "
             f"{a.threads}, nice {a.nice}; bins < {a.min_bin_bp} bp ignored for every tool.  ",
             "NC: genomes at recall >= 0.9 and precision >= 0.95; MQ: recall >= 0.5, precision >= 0.9; chimeric "
             "bins: bins whose largest genome holds < 90 % of their bp; "
             "binned Mbp: contigs in counted bins; wall: BAMs->bins seconds (mapping excluded). latentbin: "
             f"mean [min–max] over seeds {','.join(map(str, a.seeds))}. Datasets: benchmarks/suite/README.md.", ""]
    lines += [f"Note: {n}  " for n in a.note] + ([""] if a.note else [])
    lines += summary(a)
    for name in a.datasets:
        spec = build.DATASETS.get(name, {})
        info_path = info_file(a.cells, name)
        info = json.loads(info_path.read_text()) if info_path.exists() else {}
        head = f"## {name}"
        if info:
            head += (f" — {info['contigs']} contigs >= {info['min_contig']} bp, {info['bp'] / 1e6:.1f} Mbp, "
                     f"{info['samples']} samples, reads mapped with `-x {info['preset']}`")
        lines += [head, "", f"{spec.get('about', '')}", ""]
        found = {tool: _all_cells(a.cells, name, tool, a.seeds) for tool in a.all_tools}  # tool -> (folders, cells)
        if info:
            lines += run_by({t: cells for t, (_, cells) in found.items()}, info) + [
                f"Mapping (not counted): {info.get('mapping_wall_s', '?')} s wall", ""]
        lines += ["| tool | NC | MQ | chimeric bins | binned Mbp | BAMs→bins wall s | note |",
                  "|---|---|---|---|---|---|---|"]
        commits: set[str] = set()
        for tool in a.all_tools:
            subs, cells = found[tool]
            label = LABELS[tool]
            if not cells:
                lines.append(f"| {label} | not run | not run | not run | not run | not run | |")
                continue
            ok = [c for c in cells if not c.get("error") and "NC" in c]
            errors = "; ".join(c["error"][:120] for c in cells if c.get("error"))
            note = f"{len(ok)}/{len(subs)} runs" if tool == "latentbin" else ""
            stale = sum(1 for c in ok if tool == "latentbin" and c.get("code") != code_fingerprint())
            if stale:
                note += f", {stale} on older code (fingerprint {sorted({str(c.get('code')) for c in ok})})"
            commits.update(c["commit"] for c in cells if c.get("commit"))
            if errors:
                note = (note + " " if note else "") + "error: " + errors.replace("|", "/")
            chim = [c["chimeric"] for c in ok if c.get("chimeric") is not None]
            lines.append(f"| {label} | {_fmt([c['NC'] for c in ok])} | {_fmt([c['MQ'] for c in ok])} | "
                         f"{_fmt(chim) if len(chim) == len(ok) else '–'} | "
                         f"{_fmt([c['binned_mbp'] for c in ok], 1)} | {_fmt([c['wall_s'] for c in ok])} | {note} |")
        if commits:
            lines.append(f"\nCells ran on commit {', '.join(f'`{c}`' for c in sorted(commits))}; latentbin code "
                         f"fingerprint now `{code_fingerprint()}`.")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--data", default=str(HERE / "data"), help="where build.py put the datasets")
    ap.add_argument("--datasets", default=",".join(build.DATASETS), help="comma list")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma list of " + ",".join(TOOLS))
    ap.add_argument("--seeds", default="1,2,3", help="latentbin seeds")
    ap.add_argument("--work", default=str(BENCH / "work" / "suite"), help="BAMs and every tool's output")
    ap.add_argument("--cells", default=str(CELLS), help="where the cell records are kept (committed by default)")
    ap.add_argument("--out", default=str(BENCH / "results" / "suite.md"))
    ap.add_argument("--venvs", default=os.environ.get("LATENTBIN_BENCH_VENVS", str(BENCH / "work" / "venvs")))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nice", type=int, default=15)
    ap.add_argument("--min-contig", type=int, default=2000)
    ap.add_argument("--min-bin-bp", type=int, default=200000)
    ap.add_argument("--timeout", type=int, help="seconds before one tool run is stopped (reported as failed)")
    ap.add_argument("--note", action="append", default=[], help="a line under the header (repeatable)")
    ap.add_argument("--rerun", action="store_true", help="rerun cells that already have a result")
    ap.add_argument("--report-only", action="store_true", help="only rewrite the table from cached cells")
    ap.add_argument("--rescore", action="store_true", help="score every cached cell again first (then the table)")
    ap.add_argument("--pending", action="store_true",
                    help="only print the datasets (of --datasets) with requested cells not recorded yet, one per line")
    a = ap.parse_args(argv)
    a.command = "python benchmarks/suite/run.py " + " ".join(map(shlex.quote, argv if argv is not None else sys.argv[1:]))
    a.datasets = [d for d in a.datasets.split(",") if d]
    a.tools = [t for t in a.tools.split(",") if t]
    a.all_tools = list(TOOLS)
    a.seeds = [int(s) for s in a.seeds.split(",")]
    bad = [t for t in a.tools if t not in TOOLS]
    if bad:
        ap.error(f"unknown tools {bad}")
    if a.pending:
        print("\n".join(name for name in a.datasets if pending(name, a)))
        return 0
    scorer = scoring.scorer_module()
    if a.rescore:
        rescore(a, scorer)
    if not a.report_only and not a.rescore:
        for name in a.datasets:
            run_dataset(name, a, scorer)
            write_md(a.out, report(a))
    print(write_md(a.out, report(a)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
