#!/usr/bin/env python3
"""Built-in QC vs truth on bins of known completeness and contamination, and QC speed.

Bins are cut from real genomes (default: the 11 dev genomes in shared/data/genomes).
Each genome is split into contigs (lengths log-uniform between 5 and 100 kbp, seeded)
and binned five ways:

- ``c100`` / ``c70`` / ``c50``: a random 100 / 70 / 50 % of its contigs;
- ``c100+x5`` / ``c100+x10``: all its contigs plus contigs of the next genome in the
  list worth 5 / 10 % of the host genome's size.

Truth, per bin: completeness = 100 * host bp in the bin / host genome bp; contamination
= 100 * foreign bp / host genome bp (CheckM2's simulated contamination: added foreign
sequence as a share of the genome's size). Lineage = the host genome's genus (the two
gtdbtk test MAGs are their own rows).

    python benchmarks/qc_accuracy.py --threads 2 --out benchmarks/results/qc_accuracy.md
    python benchmarks/qc_accuracy.py --speed-bins 200 --threads 2   # timing only

The speed part QCs ``--speed-bins`` bins (random 10-100 % subsets of the genomes' contigs,
RNA genes included) on ``--threads`` threads and reports wall time and throughput.
"""
from __future__ import annotations

import argparse
import glob
import os
import random
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from latentbin.contigs import iter_fasta
from latentbin.qc import qc_records

GENOMES = "/work/shared/data/genomes"


def cut(seq: bytes, rng: random.Random, lo: int = 5_000, hi: int = 100_000) -> list[bytes]:
    """Contigs of a genome: consecutive pieces with log-uniform lengths in [lo, hi] bp."""
    out, i = [], 0
    while i < len(seq):
        n = int(round(lo * (hi / lo) ** rng.random()))
        out.append(seq[i:i + n])
        i += n
    return out


def load(genome_dir: str, rng: random.Random) -> dict[str, list[bytes]]:
    """{genome: contigs} for every *.fna[.gz] in ``genome_dir``, sorted by name."""
    genomes = {}
    for path in sorted(glob.glob(os.path.join(genome_dir, "*.fna*"))):
        name = Path(path).name.split(".")[0]
        genomes[name] = [c for _, s in iter_fasta(path) for c in cut(s, rng)]
    return genomes


def lineage(genome: str) -> str:
    return genome if genome.startswith("MAG_") else genome.split("_")[0]


def subset(contigs: list[bytes], frac: float, rng: random.Random) -> list[bytes]:
    """Random contigs adding up to about ``frac`` of the bp (greedy in random order)."""
    total, out, acc = sum(map(len, contigs)), [], 0
    for c in rng.sample(contigs, len(contigs)):
        if acc + len(c) / 2 > frac * total:
            continue
        out.append(c)
        acc += len(c)
    return out


def make_bins(genomes: dict[str, list[bytes]], rng: random.Random) -> list[dict]:
    names = list(genomes)
    bins = []
    for k, g in enumerate(names):
        size = sum(map(len, genomes[g]))
        other = names[(k + 1) % len(names)]
        for label, frac, foreign in (("c100", 1.0, 0.0), ("c70", 0.7, 0.0), ("c50", 0.5, 0.0),
                                     ("c100+x5", 1.0, 0.05), ("c100+x10", 1.0, 0.10)):
            host = subset(genomes[g], frac, rng) if frac < 1 else list(genomes[g])
            alien = subset(genomes[other], foreign * size / sum(map(len, genomes[other])), rng) if foreign else []
            bins.append({"bin": f"{g}.{label}", "genome": g, "lineage": lineage(g), "kind": label,
                         "foreign": other if foreign else "",
                         "records": [(f"h{i}", c) for i, c in enumerate(host)] + [(f"f{i}", c) for i, c in enumerate(alien)],
                         "true_comp": 100 * sum(map(len, host)) / size,
                         "true_cont": 100 * sum(map(len, alien)) / size})
    return bins


def run(bins: list[dict], threads: int, gene_mode: str, rna: bool) -> float:
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        rows = list(pool.map(lambda b: qc_records(b["bin"], b["records"], gene_mode, 0.4, rna), bins))
    for b, r in zip(bins, rows):
        b["row"] = r
    return time.perf_counter() - t


def mae(values: list[float]) -> float:
    return sum(abs(v) for v in values) / len(values) if values else float("nan")


def report(bins: list[dict], args, wall: float) -> str:
    lines = ["# Built-in QC vs truth (bins of known completeness/contamination)", "",
             f"Command: `python benchmarks/qc_accuracy.py --threads {args.threads} --gene-mode {args.gene_mode} "
             f"--seed {args.seed}{' --out ' + args.out if args.out else ''}`  ",
             f"{len(bins)} bins from {len({b['genome'] for b in bins})} genomes ({args.genomes}); "
             f"QC (markers only, no RNA) {wall:.0f} s wall on {args.threads} threads.", "",
             "Per bin: est = built-in estimate, true = from the bp the bin holds (see the script's docstring); "
             "`domain` = the marker set the QC chose.", "",
             "| bin | domain | true comp | est comp | true cont | est cont | bac-set comp | mimag-free cc_tier |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for b in bins:
        r = b["row"]
        lines.append(f"| {b['bin']} | {r['domain']} | {b['true_comp']:.1f} | {r['completeness']:.1f} | "
                     f"{b['true_cont']:.1f} | {r['contamination']:.1f} | {r['bac_completeness']:.1f} | {r['cc_tier']} |")
    lines += ["", "## Mean absolute error per lineage (points)", "",
              "Target: completeness <= 5, contamination <= 3 on every lineage. "
              "`107-set only` = the QC before this change (bacterial markers for every bin).", "",
              "| lineage | bins | MAE comp | MAE cont | MAE comp, 107-set only | meets target | distance (comp, cont) |",
              "|---|---:|---:|---:|---:|---|---|"]
    groups: dict[str, list[dict]] = defaultdict(list)
    for b in bins:
        groups[b["lineage"]].append(b)
    for lin in list(sorted(groups)) + ["all"]:
        g = bins if lin == "all" else groups[lin]
        mc = mae([b["row"]["completeness"] - b["true_comp"] for b in g])
        mx = mae([b["row"]["contamination"] - b["true_cont"] for b in g])
        mb = mae([b["row"]["bac_completeness"] - b["true_comp"] for b in g])
        ok = mc <= 5 and mx <= 3
        dist = "" if ok else f"{max(0, mc - 5):.1f}, {max(0, mx - 3):.1f}"
        lines.append(f"| {lin} | {len(g)} | {mc:.2f} | {mx:.2f} | {mb:.2f} | {'yes' if ok else 'no'} | {dist} |")
    return "\n".join(lines) + "\n"


def speed(genomes: dict[str, list[bytes]], n: int, threads: int, gene_mode: str, rng: random.Random) -> str:
    names = list(genomes)
    bins = []
    for i in range(n):
        g = names[i % len(names)]
        host = subset(genomes[g], rng.uniform(0.1, 1.0), rng)
        bins.append({"bin": f"s{i}", "records": [(f"c{j}", c) for j, c in enumerate(host)]})
    bp = sum(len(s) for b in bins for _, s in b["records"])
    wall = run(bins, threads, gene_mode, rna=True)
    wall_m = run(bins[: max(1, n // 4)], threads, gene_mode, rna=False)
    bp_m = sum(len(s) for b in bins[: max(1, n // 4)] for _, s in b["records"])
    return (f"QC speed: {n} bins, {bp / 1e6:.0f} Mbp (mean {bp / n / 1e6:.2f} Mbp/bin), {threads} threads, "
            f"gene mode {gene_mode}: {wall:.0f} s wall with RNA genes = {bp / wall / 1e6:.3f} Mbp/s "
            f"-> 1 Gbp in {1e9 / (bp / wall) / 60:.0f} min, 1,000 such bins in {1000 * wall / n / 60:.0f} min. "
            f"Markers only (first {max(1, n // 4)} bins): {bp_m / wall_m / 1e6:.3f} Mbp/s "
            f"-> 1 Gbp in {1e9 / (bp_m / wall_m) / 60:.0f} min.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--genomes", default=GENOMES)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gene-mode", default="auto", choices=["meta", "single", "auto"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="write the markdown table here")
    ap.add_argument("--speed-bins", type=int, default=0, help="also time QC of this many bins")
    ap.add_argument("--skip-accuracy", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    genomes = load(args.genomes, rng)
    text = ""
    if not args.skip_accuracy:
        bins = make_bins(genomes, rng)
        wall = run(bins, args.threads, args.gene_mode, rna=False)
        text = report(bins, args, wall)
    if args.speed_bins:
        text += "\n## Speed\n\n" + speed(genomes, args.speed_bins, args.threads, args.gene_mode, rng) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
