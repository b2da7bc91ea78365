#!/usr/bin/env python3
"""Speed of the built-in QC, and proof that the rRNA prefilter finds what the full search finds.

1. rRNA counts on each of the 43 reference genomes (the dev genomes and the suite's 32):
   the QC's search (k-mer prefilter windows for the 16S/23S models, only the genome's
   domain's models; ``latentbin.rna``) against the old full search (all five models on the
   whole genome), with each one's CPU seconds.
2. Throughput: ``--bins`` bins (random 10-100 % of a genome's contigs, contigs cut as in
   ``benchmarks/qc_accuracy.py``) through the QC as ``latentbin qc`` runs it (markers, and
   RNA genes for bins that meet MIMAG high's completeness/contamination), on ``--threads``
   threads; the same bins' RNA search the old way is timed in the same run, so the table
   gives the ratio. CPU seconds are per-thread (``time.thread_time``), steadier than wall
   time on a shared machine; the extrapolation to 1 Gbp and to 1,000 bins divides CPU time
   by the thread count.

    python benchmarks/qc_speed.py --threads 2 --bins 40 --positions /work/scratch/qc/positions.tsv \\
        --out benchmarks/results/qc_speed.md
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from latentbin.contigs import iter_fasta
from latentbin.qc import cc_tier, qc_records
from latentbin.rna import count_rna, find_rrna

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "tools"))
from qc_accuracy import GENOMES, emit, load, subset  # noqa: E402
from qc_marker_sets import genome_files, references  # noqa: E402


def timed(fn, *args, **kwargs):
    """(result, thread CPU seconds) of one call."""
    t = time.thread_time()
    out = fn(*args, **kwargs)
    return out, time.thread_time() - t


def rrna_check(path: str, domain: str) -> dict:
    """rRNA counts and CPU seconds of one genome, the QC's way and the old full way."""
    records = list(iter_fasta(path))
    new, t_new = timed(find_rrna, records, prefilter=True, domain=domain)
    old, t_old = timed(find_rrna, records, prefilter=False)
    return {"bp": sum(len(s) for _, s in records), "new": new, "old": old, "t_new": t_new, "t_old": t_old}


def qc_bin(b: dict, gene_mode: str) -> dict:
    """QC of one bin (markers, then the RNA genes of high-tier bins) with CPU times per part."""
    row, t_markers = timed(qc_records, b["bin"], b["records"], gene_mode, 0.4, False)
    high = cc_tier(row["completeness"], row["contamination"]) == "high"
    t_new = t_old = 0.0
    if high:  # the RNA part of qc_records(rna=True), and the old full rRNA search + tRNAs
        _, t_new = timed(count_rna, b["records"], domain=row["domain"])
        _, t_old = timed(count_rna, b["records"], prefilter=False)
    return {"high": high, "t_markers": t_markers, "t_rna_new": t_new, "t_rna_old": t_old}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--genomes", nargs="+", default=GENOMES)
    ap.add_argument("--positions", help="marker-span cache of tools/qc_marker_sets.py (for each genome's domain)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bins", type=int, default=40)
    ap.add_argument("--gene-mode", default="auto", choices=["meta", "single", "auto"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-rrna-check", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    cmd = " ".join(["python benchmarks/qc_speed.py"] + sys.argv[1:])
    lines = ["# Built-in QC speed (issue 14)", "", f"Command: `{cmd}` (shared 2-core machine, `nice -n 10`).", ""]
    files = genome_files(args.genomes)
    if not args.skip_rrna_check:
        refs = references(args.genomes, args.positions, args.threads)
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            checks = dict(zip(files, pool.map(lambda g: rrna_check(files[g], refs[g][0]), files)))
        same = sum(c["new"] == c["old"] for c in checks.values())
        t_new, t_old = sum(c["t_new"] for c in checks.values()), sum(c["t_old"] for c in checks.values())
        bp = sum(c["bp"] for c in checks.values())
        lines += ["## rRNA counts: prefilter vs full search, whole genomes", "",
                  f"{same} of {len(checks)} genomes: same 5S/16S/23S counts. CPU: prefilter {t_new:.0f} s, full "
                  f"{t_old:.0f} s for {bp / 1e6:.0f} Mbp ({t_old / max(t_new, 1e-9):.1f}x faster; "
                  f"{t_new / bp * 1e6:.2f} vs {t_old / bp * 1e6:.2f} s per Mbp).", "",
                  "| genome | domain | Mbp | 5S/16S/23S prefilter | 5S/16S/23S full | same | CPU s prefilter | CPU s full |",
                  "|---|---|---:|---|---|---|---:|---:|"]
        for g, c in checks.items():
            fmt = lambda d: "/".join(str(d[t]) for t in ("5S", "16S", "23S"))  # noqa: E731
            lines.append(f"| {g} | {refs[g][0]} | {c['bp'] / 1e6:.2f} | {fmt(c['new'])} | {fmt(c['old'])} | "
                         f"{'yes' if c['new'] == c['old'] else 'NO'} | {c['t_new']:.1f} | {c['t_old']:.1f} |")
        lines.append("")
    rng = random.Random(args.seed)
    genomes = load(args.genomes, rng)
    names = list(genomes)
    bins = []
    for i in range(args.bins):
        host = subset(genomes[names[i % len(names)]], rng.uniform(0.1, 1.0), rng)
        bins.append({"bin": f"s{i}", "records": [(f"c{j}", c) for j, c in enumerate(host)]})
    bp = sum(len(s) for b in bins for _, s in b["records"])
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        rows = list(pool.map(lambda b: qc_bin(b, args.gene_mode), bins))
    wall = time.perf_counter() - t
    n_high = sum(r["high"] for r in rows)
    cpu = {k: sum(r[k] for r in rows) for k in ("t_markers", "t_rna_new", "t_rna_old")}
    mean_bp = bp / len(bins)

    def per(seconds: float) -> str:
        """minutes per Gbp and per 1,000 bins of this mean size, on --threads threads"""
        return (f"{seconds / bp * 1e9 / args.threads / 60:.1f} | "
                f"{seconds / len(bins) * 1000 / args.threads / 60:.1f}")

    lines += ["## Throughput", "",
              f"{len(bins)} bins, {bp / 1e6:.0f} Mbp (mean {mean_bp / 1e6:.2f} Mbp), {n_high} of them MIMAG-high by "
              f"completeness/contamination (their RNA genes searched); gene mode {args.gene_mode}; {args.threads} "
              f"threads; wall {wall:.0f} s for everything in the table (markers + new RNA + old RNA).", "",
              f"| part | CPU s | min per Gbp on {args.threads} cores | min per 1,000 bins (mean size) |",
              "|---|---:|---:|---:|",
              f"| markers (genes + 143 profiles) | {cpu['t_markers']:.0f} | {per(cpu['t_markers'])} |",
              f"| RNA genes, prefilter (this QC) | {cpu['t_rna_new']:.0f} | {per(cpu['t_rna_new'])} |",
              f"| RNA genes, old full search | {cpu['t_rna_old']:.0f} | {per(cpu['t_rna_old'])} |",
              f"| **QC total, this QC** | {cpu['t_markers'] + cpu['t_rna_new']:.0f} | "
              f"{per(cpu['t_markers'] + cpu['t_rna_new'])} |",
              f"| QC total, old RNA search | {cpu['t_markers'] + cpu['t_rna_old']:.0f} | "
              f"{per(cpu['t_markers'] + cpu['t_rna_old'])} |", "",
              f"RNA part: {cpu['t_rna_old'] / max(cpu['t_rna_new'], 1e-9):.1f}x faster than the old full search; "
              f"whole QC {(cpu['t_markers'] + cpu['t_rna_old']) / max(cpu['t_markers'] + cpu['t_rna_new'], 1e-9):.1f}x."]
    emit("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
