#!/usr/bin/env python3
"""Is the built-in QC optimistic on the bins marker refinement touched? (issue 14, point 5)

Refinement (``latentbin.refine``) splits and merges clusters to maximise a score from the
107 bacterial markers, the markers the QC then reads bacterial bins with. Per dataset,
from two ``latentbin run`` results of the same inputs and seed, one ``--refine`` and one
``--no-refine``:

- a refined bin is *touched* when its contig set equals no cluster of the unrefined run;
- every refined bin is QC'd (markers only) with the current built-in QC;
- truth from the gold standard (as ``tools/qc_vs_truth.py``): completeness = bp of the
  bin's dominant genome / that genome's gold bp; contamination = sum over the other
  genomes of their bp in the bin / their gold bp (genome-equivalents);
- QC error = estimate - truth; bias = mean signed error of touched bins - that of
  untouched bins.

    python benchmarks/qc_self_grading.py --threads 2 --out benchmarks/results/qc_self_grading.md \\
        --dataset dev:/work/scratch/suite/data/dev/gold_standard.tsv:RUN_REFINE:RUN_NOREFINE [--dataset ...]
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from latentbin.bins import list_bins
from latentbin.qc import qc_bin
from latentbin.summary import read_cluster_bins

from qc_accuracy import emit

TARGET_COMP, TARGET_CONT = 5.0, 3.0


def read_gold(path: str) -> tuple[dict[str, str], dict[str, int], dict[str, int]]:
    """(contig -> genome, contig -> length, genome -> gold bp)."""
    genome, length, size = {}, {}, defaultdict(int)
    with open(path) as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            genome[r["contig"]], length[r["contig"]] = r["genome"], int(r["length"])
            size[r["genome"]] += int(r["length"])
    return genome, length, dict(size)


def truth(contigs: list[str], gold: tuple) -> tuple[str, float, float]:
    """(dominant genome, true completeness %, true contamination % in genome-equivalents)."""
    genome, length, size = gold
    by: dict[str, int] = defaultdict(int)
    for c in contigs:
        by[genome[c]] += length[c]
    top = max(by, key=by.get)
    return top, 100 * by[top] / size[top], 100 * sum(bp / size[g] for g, bp in by.items() if g != top)


def touched_bins(refined: dict[str, list[str]], unrefined: dict[str, list[str]]) -> set[str]:
    """Refined bins whose contig set is no unrefined cluster's."""
    plain = {frozenset(cs) for cs in unrefined.values()}
    return {b for b, cs in refined.items() if frozenset(cs) not in plain}


def dataset_rows(name: str, gold_path: str, run_refine: str, run_norefine: str, threads: int) -> list[dict]:
    gold = read_gold(gold_path)
    refined = read_cluster_bins(f"{run_refine}/cluster/clusters.tsv")
    unrefined = read_cluster_bins(f"{run_norefine}/cluster/clusters.tsv")
    touched = touched_bins(refined, unrefined)
    bins = list_bins(f"{run_refine}/bins")
    with ThreadPoolExecutor(max_workers=threads) as pool:
        qc = dict(zip(bins, pool.map(lambda b: qc_bin(b, bins[b], "auto", 0.4, rna=False), bins)))
    rows = []
    for b, row in sorted(qc.items()):
        top, comp, cont = truth(refined[b], gold)
        rows.append({"dataset": name, "bin": b, "genome": top, "touched": b in touched, "domain": row["domain"],
                     "true_comp": comp, "est_comp": row["completeness"], "true_cont": cont,
                     "est_cont": row["contamination"]})
    return rows


def summary_line(label: str, rows: list[dict]) -> list[str]:
    if not rows:
        return [label, "0", "", "", "", ""]
    n = len(rows)
    sc = sum(r["est_comp"] - r["true_comp"] for r in rows) / n
    sx = sum(r["est_cont"] - r["true_cont"] for r in rows) / n
    mc = sum(abs(r["est_comp"] - r["true_comp"]) for r in rows) / n
    mx = sum(abs(r["est_cont"] - r["true_cont"]) for r in rows) / n
    return [label, str(n), f"{sc:+.2f}", f"{mc:.2f}", f"{sx:+.2f}", f"{mx:.2f}"]


def report(rows: list[dict], cmd: str) -> str:
    lines = ["# Self-grading: built-in QC error on bins refinement touched vs not (issue 14, point 5)", "",
             f"Command: `{cmd}`", "",
             "Error = built-in QC estimate - gold-standard truth (points); bias = mean signed error. "
             "Touched = the refined bin's contig set is no cluster of the `--no-refine` run.", "",
             "| dataset | group | bins | bias comp | MAE comp | bias cont | MAE cont |", "|---|---|---:|---:|---:|---:|---:|"]
    verdicts = []
    for ds in sorted({r["dataset"] for r in rows}) + ["all"]:
        sub = rows if ds == "all" else [r for r in rows if r["dataset"] == ds]
        t, u = [r for r in sub if r["touched"]], [r for r in sub if not r["touched"]]
        for label, group in (("touched", t), ("untouched", u), ("all bins", sub)):
            lines.append("| " + " | ".join([ds] + summary_line(label, group)) + " |")
        if t and u:
            dc = (sum(r["est_comp"] - r["true_comp"] for r in t) / len(t)
                  - sum(r["est_comp"] - r["true_comp"] for r in u) / len(u))
            dx = (sum(r["est_cont"] - r["true_cont"] for r in t) / len(t)
                  - sum(r["est_cont"] - r["true_cont"] for r in u) / len(u))
            verdicts.append(f"- {ds}: touched minus untouched bias: completeness {dc:+.2f}, contamination {dx:+.2f} "
                            f"points ({len(t)} touched, {len(u)} untouched bins); target error "
                            f"{TARGET_COMP:g} / {TARGET_CONT:g}: {'below' if abs(dc) <= TARGET_COMP and abs(dx) <= TARGET_CONT else 'NOT below'}")
    lines += ["", "## Bias from refinement (touched - untouched)", ""] + verdicts
    lines += ["", "## Per bin", "", "| dataset | bin | dominant genome | touched | domain | true comp | est comp | "
              "true cont | est cont |", "|---|---|---|---|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['dataset']} | {r['bin']} | {r['genome']} | {'yes' if r['touched'] else 'no'} | "
                     f"{r['domain']} | {r['true_comp']:.1f} | {r['est_comp']:.1f} | {r['true_cont']:.1f} | "
                     f"{r['est_cont']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", action="append", required=True,
                    help="NAME:GOLD_TSV:RUN_REFINE_DIR:RUN_NOREFINE_DIR (repeat)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out")
    args = ap.parse_args()
    rows = []
    for spec in args.dataset:
        parts = spec.split(":")
        if len(parts) != 4:
            sys.exit(f"--dataset {spec}: expected NAME:GOLD_TSV:RUN_REFINE_DIR:RUN_NOREFINE_DIR")
        rows += dataset_rows(*parts, threads=args.threads)
    emit(report(rows, " ".join(["python benchmarks/qc_self_grading.py"] + sys.argv[1:])), args.out)


if __name__ == "__main__":
    main()
