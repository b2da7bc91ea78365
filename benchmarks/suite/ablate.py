#!/usr/bin/env python3
"""Ablation rows over the suite: latentbin with one option changed, on every dataset.

    python benchmarks/suite/ablate.py --work W --datasets dev,dev-1s --standard
    python benchmarks/suite/ablate.py --work W --datasets dev,dev-1s \\
        --variant 'no-refine=--no-refine' --variant 'fixed-variance=--variance fixed' [--seeds 1]

``--standard`` runs the suite's rows (:data:`STANDARD`: clustering variants over 3 seeds,
training variants over seed 1, the one-sample network on dev-1s), a table per group.

Needs the default runs of ``benchmarks/suite/run.py`` in the same ``--work`` folder
(``<work>/<dataset>/latentbin/seed<S>/run``): each variant starts from a copy of that
run's contigs, tnf, depth and markers stages (same inputs and options, so ``latentbin
run`` reuses them), and of its training and encoding, which are reused too when the
variant leaves the ``vae`` options alone; the rest reruns with the variant's flags
(``latentbin run`` command-line flags). The baseline row is the default run itself. Cells are recorded in
``<cells>/<dataset>/ablate/<variant>/seed<S>/cell.json`` (``--cells``, run.py's cell
store, committed by default); the table goes to ``--out``.
A cell of other latentbin code (``run.py``'s fingerprint) is run again.
Wall seconds are those of the stages the variant reran (train->bins, or cluster->bins
for a clustering variant), so compare them between variants of one kind, not with
run.py's BAMs->bins column.
"""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import importlib.util  # noqa: E402

from harness import peers  # noqa: E402
from harness.timing import run_timed  # noqa: E402

_spec = importlib.util.spec_from_file_location("suite_run", HERE / "run.py")
suite = importlib.util.module_from_spec(_spec)  # benchmarks/suite/run.py: scoring, paths, dataset table
_spec.loader.exec_module(suite)

#: stages that must be reused from the default run (a variant that recomputes them is an error)
REUSED = ("contigs", "tnf", "depth", "markers")
#: stage folders and records copied from the default run: the above, and training +
#: encoding, which `latentbin run` reuses when the variant leaves the vae options alone
#: (cluster-only variants then cost a clustering, not a training)
COPIED = (("contigs", ("contigs",)), ("tnf", ("tnf",)), ("depth", ("depth",)), ("markers", ("markers",)),
          ("vae", ("train", "encode")))


def _inputs(work: Path, base: Path) -> tuple[Path, list[Path], list[str]]:
    """The contigs, BAMs and sample names the default run ``base`` used (run.py's layout):
    the BAMs in the order its depth stage recorded (a sorted glob puts S10 before S2, which
    changes the depth stage's inputs and reruns it with 10 samples or more)."""
    contigs = next(work.glob("contigs*.fna"))
    bams = [Path(b) for b in json.loads((base / ".latentbin" / "depth.json").read_text())["inputs"]["bams"]]
    return contigs, bams, [b.name.removesuffix(".bam") for b in bams]


def run_variant(work: Path, variant: str, flags: list[str], seed: int, threads: int, nice: int,
                min_contig: int, recompute: tuple[str, ...] = ()) -> peers.Run:
    """One variant's ``latentbin run`` from a copy of the default run; the stages of
    ``recompute`` (e.g. ``depth`` for a depth option) may rerun, no other of REUSED may."""
    base = work / "latentbin" / f"seed{seed}" / "run"
    out = work / "ablate" / variant / f"seed{seed}"
    if out.exists():
        shutil.rmtree(out)
    (out / "run" / ".latentbin").mkdir(parents=True)
    for folder, stages in COPIED:
        if folder in recompute:
            continue
        if (base / folder).exists():
            shutil.copytree(base / folder, out / "run" / folder)
        for stage in stages:
            record = base / ".latentbin" / f"{stage}.json"
            if record.exists():
                shutil.copy2(record, out / "run" / ".latentbin" / record.name)
    contigs, bams, samples = _inputs(work, base)
    cmd = ["latentbin", "run", "--contigs", str(contigs), "--bam", *map(str, bams), "--samples", *samples,
           "--outdir", str(out / "run"), "--seed", str(seed), "--threads", str(threads), "--until", "bins",
           "--min-length", str(min_contig), *flags]
    m = run_timed(cmd, f"latentbin {variant} seed {seed}", out / "latentbin.log", nice=nice)
    run = peers.Run("latentbin", [m])
    if not m.ok:
        run.error = m.error
    else:
        run.bins = suite.latentbin_clusters(out / "run")
        log = (out / "latentbin.log").read_text(errors="replace")
        missing = [s for s in REUSED if f"{s}: start" in log and s not in recompute]
        if missing:
            run.error = f"stages {missing} were recomputed, not reused: the variant changed their options"
    return run


def _fmt(values: list[float], nd: int = 0) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.{nd}f}"
    return f"{statistics.mean(values):.{nd}f} [{min(values):.{nd}f}–{max(values):.{nd}f}]"


#: the suite's ablation rows (``--standard``): group -> (seeds, datasets (None = all
#: given), {variant: latentbin run flags}); ``{configs}`` is benchmarks/suite/configs
#: (YAML for options whose value, null, no flag can give)
STANDARD: dict[str, tuple[str, tuple[str, ...] | None, dict[str, str]]] = {
    "clustering": ("1,2,3", None, {
        "no-recruit": "--no-recruit", "recruit-q0.95": "--recruit-quantile 0.95", "no-refine": "--no-refine",
        "kmeans": "--refine-method kmeans", "no-merge": "--no-merge", "no-ensemble": "--ensemble none"}),
    "training": ("1", None, {  # each lost or was level over the 12 datasets (results/suite_ablations.md)
        "contrastive-0.01": "--contrastive 0.01", "mask-0.2": "--mask-rate 0.2",
        "learned-variance": "--variance learned", "fixed-variance": "--variance fixed",
        "vamb-alpha": "--config {configs}/vamb_alpha.yaml",
        "no-contig-weights": "--contig-weights none"}),
    "bound": ("1,2,3", None, {  # vae.bound auto = iwae on one sample or long reads, elbo elsewhere
        "elbo": "--bound elbo", "iwae-5": "--importance-samples 5 --bound iwae"}),
    "one sample": ("1,2,3", ("dev-1s",), {
        "auto-net": "--config {configs}/auto_net.yaml", "vamb-rule": "--config {configs}/vamb_rule.yaml"}),
}


def table(a, title: str, datasets: list[str], seeds: list[int], variants: list[tuple[str, list[str]]]) -> str:
    """One markdown table: a row per dataset, a column per variant (default first)."""
    names = [n for n, _ in variants]
    lines = [title, "",
             f"Seeds {','.join(map(str, seeds))}; baseline = the default run of `benchmarks/suite/run.py` "
             "(same seeds). NC / MQ as in suite.md; chim = chimeric bins (>= 200 kbp, largest genome < 90 % of "
             "the bin's bp). Wall: default = BAMs->bins; a variant = the stages it reran (cluster->bins for a "
             "clustering variant, train->bins for a training one).", ""]
    cols = ["default"] + names
    lines += ["| dataset | " + " | ".join(f"{c} NC / MQ / chim" for c in cols) + " |",
              "|---|" + "---|" * len(cols)]
    totals = {c: [0.0, 0.0, 0, 0.0, 0.0] for c in cols}  # NC, MQ, datasets, chimeric, wall s (sums of means)
    for ds in datasets:
        cells = []
        for c in cols:
            sub = [suite.cell_file(a.cells, ds, f"latentbin/seed{s}" if c == "default" else f"ablate/{c}/seed{s}")
                   for s in seeds]
            got = [json.loads(p.read_text()) for p in sub if p.exists()]
            ok = [g for g in got if not g.get("error") and "NC" in g]
            if not ok:
                err = "; ".join(g["error"][:60] for g in got if g.get("error"))
                cells.append("error: " + err if err else "not run")
                continue
            nc, mq = [g["NC"] for g in ok], [g["MQ"] for g in ok]
            chim = [g["chimeric"] for g in ok if g.get("chimeric") is not None]
            totals[c][0] += statistics.mean(nc)
            totals[c][1] += statistics.mean(mq)
            totals[c][2] += 1
            cells.append(f"{_fmt(nc, 1 if len(nc) > 1 else 0)} / {_fmt(mq, 1 if len(mq) > 1 else 0)}"
                         + (f" / {_fmt(chim, 1 if len(chim) > 1 else 0)}" if len(chim) == len(ok) else ""))
            totals[c][3] += statistics.mean(chim) if len(chim) == len(ok) else 0.0
            totals[c][4] += statistics.mean(g.get("wall_s") or 0.0 for g in ok)
        lines.append(f"| {ds} | " + " | ".join(cells) + " |")
    lines.append("| **sum (datasets run)** | " + " | ".join(
        f"**{totals[c][0]:.1f} / {totals[c][1]:.1f} / {totals[c][3]:.1f}** ({totals[c][2]})" for c in cols) + " |")
    lines.append("| wall s, summed | " + " | ".join(f"{totals[c][4]:.0f}" for c in cols) + " |")
    lines += ["", "Variants: " + "; ".join(f"`{n}` = `{' '.join(f)}`" for n, f in variants), ""]
    return "\n".join(lines)


def run_cells(a, datasets: list[str], seeds: list[int], variants: list[tuple[str, list[str]]], scorer) -> None:
    """Run every (dataset, variant, seed) cell not cached yet."""
    for ds in datasets:
        work = Path(a.work) / ds
        info = json.loads(suite.info_file(a.cells, ds).read_text())
        gold = Path(a.data) / ds / "gold_standard.tsv"
        for name, flags in variants:
            for seed in seeds:
                cache = suite.cell_file(a.cells, ds, f"ablate/{name}/seed{seed}")
                if suite.fresh(cache, "latentbin"):
                    continue
                if not (work / "latentbin" / f"seed{seed}" / "run").exists():
                    print(f"[ablate] {ds}: no default run output for seed {seed} in {work}; run benchmarks/suite/run.py "
                          f"first (--rerun where its cell is recorded but the outputs are gone)")
                    continue
                print(f"[ablate] {ds}: {name} seed {seed} ...", flush=True)
                run = run_variant(work, name, flags, seed, a.threads, a.nice, info["min_contig"], tuple(a.recompute))
                cell = suite.cell_from(run, gold, info["min_contig"], a.min_bin_bp, info["bp"], scorer)
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(cell, indent=1, default=str))
                print(f"[ablate] {ds}: {name} seed {seed}: NC={cell.get('NC')} MQ={cell.get('MQ')} "
                      f"{cell['wall_s'] or 0:.0f} s {cell['error'][:200]}", flush=True)


def groups(a) -> list[tuple[str, list[str], list[int], list[tuple[str, list[str]]]]]:
    """(title, datasets, seeds, variants) of each table to write: the ``--standard`` groups,
    or one table of the ``--variant`` flags."""
    if not a.standard:
        return [(f"## {a.title}", a.datasets, [int(s) for s in a.seeds.split(",")],
                 [(v.split("=", 1)[0], shlex.split(v.split("=", 1)[1])) for v in a.variant])]
    out = []
    for title, (seeds, only, variants) in STANDARD.items():
        datasets = [d for d in a.datasets if only is None or d in only]
        if datasets:
            out.append((f"## {title}", datasets, [int(s) for s in seeds.split(",")],
                        [(n, shlex.split(f.format(configs=HERE / "configs"))) for n, f in variants.items()]))
    return out


def report(a, tables: list) -> str:
    head = ["# Ablations over the suite (issue 16)", "", f"Command: `{a.command}`  ",
            f"Git commit: `{suite.git_commit()}`  "] + [f"Note: {n}  " for n in a.note] + [""]
    return "\n".join(head + [table(a, *t) for t in tables])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", required=True, help="run.py's --work folder (the default runs' outputs)")
    ap.add_argument("--cells", default=str(suite.CELLS), help="run.py's --cells (cell records)")
    ap.add_argument("--data", default=str(HERE / "data"), help="where build.py put the datasets (gold standards)")
    ap.add_argument("--datasets", required=True, help="comma list")
    ap.add_argument("--variant", action="append", default=[], help="NAME=latentbin run flags (repeatable)")
    ap.add_argument("--standard", action="store_true", help="the suite's ablation rows (STANDARD), a table per group")
    ap.add_argument("--seeds", default="1", help="with --variant")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nice", type=int, default=15)
    ap.add_argument("--min-bin-bp", type=int, default=200000)
    ap.add_argument("--out", default=str(HERE.parent / "results" / "suite_ablations.md"))
    ap.add_argument("--note", action="append", default=[])
    ap.add_argument("--title", default="variants", help="heading of the --variant table")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--recompute", action="append", default=[], choices=REUSED,
                    help="a stage the variants may recompute (a depth option needs depth; repeatable)")
    a = ap.parse_args(argv)
    if a.standard == bool(a.variant):
        ap.error("give --standard or --variant (not both)")
    a.command = "python benchmarks/suite/ablate.py " + " ".join(map(shlex.quote, argv if argv is not None else sys.argv[1:]))
    a.datasets = [d for d in a.datasets.split(",") if d]
    tables = groups(a)
    scorer = suite.scoring.scorer_module()
    if not a.report_only:
        for _, datasets, seeds, variants in tables:
            run_cells(a, datasets, seeds, variants, scorer)
            suite.write_md(a.out, report(a, tables))
    print(suite.write_md(a.out, report(a, tables)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
