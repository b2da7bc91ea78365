#!/usr/bin/env python3
"""Built-in QC vs truth on bins of known completeness and contamination.

Bins are cut from real genomes: the 11 dev genomes (``../shared/data/genomes``) and the
suite's 32 (``benchmarks/suite/genomes``, incl. the DPANN archaea Ca. Nanohalobium and
Ca. Mancarchaeum). Each genome is split into contigs (lengths log-uniform between 5 and
100 kbp, seeded) and binned five ways:

- ``c100`` / ``c70`` / ``c50``: a random 100 / 70 / 50 % of its contigs;
- ``c100+x5`` / ``c100+x10``: all its contigs plus contigs of the next genome in the
  list worth 5 / 10 % of the host genome's size.

Truth, per bin: completeness = 100 * host bp in the bin / host genome bp. Contamination
two ways: ``cont_ge`` = 100 * foreign bp / foreign genome bp (genome-equivalents of
foreign DNA: what duplicated single-copy markers measure, CheckM's and MIMAG's meaning;
``tools/qc_vs_truth.py`` uses the same), and ``cont_bp`` = 100 * foreign bp / host genome
bp. Lineage = the host genome's genus.

No self-scoring: the collocated marker sets a bin is scored with are rebuilt for every
genome from the other references only, leaving out every genome of its genus
(Escherichia and Shigella count as one genus, as in GTDB): ``est`` below. ``shipped``
is the estimate with the shipped sets (made from all 43 genomes, the genome itself
included) and ``plain`` the single-set form (every marker its own set) used before.

    python benchmarks/qc_accuracy.py --threads 2 --positions /work/scratch/qc/positions.tsv \\
        --out benchmarks/results/qc_accuracy.md
"""
from __future__ import annotations

import argparse
import glob
import os
import random
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from latentbin._io import atomic_text
from latentbin.contigs import iter_fasta
from latentbin.markers import DOMAINS, call_genes, domain_estimate, domain_markers, domain_sets, search_qc_markers
from latentbin.qc import cc_tier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from qc_marker_sets import references  # noqa: E402

GENOMES = [str(ROOT.parent / "shared" / "data" / "genomes"), str(ROOT / "benchmarks" / "suite" / "genomes")]
KINDS = (("c100", 1.0, 0.0), ("c70", 0.7, 0.0), ("c50", 0.5, 0.0), ("c100+x5", 1.0, 0.05), ("c100+x10", 1.0, 0.10))
TARGET_COMP, TARGET_CONT = 5.0, 3.0
#: GTDB puts Shigella in Escherichia: one lineage when holding genomes out
SAME_GENUS = {"Shigella": "Escherichia"}


def cut(seq: bytes, rng: random.Random, lo: int = 5_000, hi: int = 100_000) -> list[bytes]:
    """Contigs of a replicon: consecutive pieces with log-uniform lengths in [lo, hi] bp."""
    out, i = [], 0
    while i < len(seq):
        n = int(round(lo * (hi / lo) ** rng.random()))
        out.append(seq[i:i + n])
        i += n
    return out


def load(folders: list[str], rng: random.Random) -> dict[str, list[bytes]]:
    """{genome: contigs} for every *.fna[.gz] in ``folders`` (in folder order, sorted within)."""
    genomes = {}
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "*.fna*"))):
            genomes[Path(path).name.split(".")[0]] = [c for _, s in iter_fasta(path) for c in cut(s, rng)]
    return genomes


def lineage(genome: str) -> str:
    """Genus of a genome file name (the gtdbtk test MAGs and Ca. genera keep two words)."""
    if genome.startswith("MAG_"):
        return genome
    parts = genome.split("_")
    return "_".join(parts[:2]) if parts[0] == "Ca" else parts[0]


def genus_group(genome: str) -> str:
    g = lineage(genome)
    return SAME_GENUS.get(g, g)


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
        osize = sum(map(len, genomes[other]))
        for label, frac, foreign in KINDS:
            host = subset(genomes[g], frac, rng) if frac < 1 else list(genomes[g])
            alien = subset(genomes[other], foreign * size / osize, rng) if foreign else []
            bins.append({"bin": f"{g}.{label}", "genome": g, "lineage": lineage(g), "kind": label,
                         "records": [(f"h{i}", c) for i, c in enumerate(host)] + [(f"f{i}", c) for i, c in enumerate(alien)],
                         "true_comp": 100 * sum(map(len, host)) / size,
                         "true_cont_ge": 100 * sum(map(len, alien)) / osize,
                         "true_cont_bp": 100 * sum(map(len, alien)) / size})
    return bins


def held_out_sets(refs: dict, genome: str) -> dict:
    """Collocated sets per domain from the references outside ``genome``'s genus."""
    group = genus_group(genome)
    return {d: domain_sets([p for g, (dom, p) in refs.items() if dom == d and genus_group(g) != group], d)
            for d in DOMAINS}


def score(b: dict, sets: dict, gene_mode: str) -> dict:
    """The QC's estimates of one bin with the held-out, the shipped and single-marker sets."""
    calls = call_genes(b["records"], mode=gene_mode)
    bac, uni = search_qc_markers(calls.proteins)
    plain = {d: tuple((m,) for m in domain_markers(d)) for d in DOMAINS}
    est, shipped, single = (domain_estimate(bac, uni, s) for s in (sets, None, plain))
    return {"domain": est.domain, "comp": 100 * est.completeness, "cont": 100 * est.contamination,
            "shipped_comp": 100 * shipped.completeness, "shipped_cont": 100 * shipped.contamination,
            "plain_comp": 100 * single.completeness, "plain_cont": 100 * single.contamination,
            "cc_tier": cc_tier(100 * est.completeness, 100 * est.contamination)}


def mae(values: list[float]) -> float:
    return sum(abs(v) for v in values) / len(values) if values else float("nan")


def lineage_rows(bins: list[dict]) -> list[list[str]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for b in bins:
        groups[b["lineage"]].append(b)
    rows = []
    for lin in sorted(groups) + ["all"]:
        g = bins if lin == "all" else groups[lin]
        m = {k: mae([b["row"][e] - b[t] for b in g]) for k, e, t in (
            ("comp", "comp", "true_comp"), ("ge", "cont", "true_cont_ge"), ("bp", "cont", "true_cont_bp"),
            ("ship", "shipped_comp", "true_comp"), ("plain", "plain_comp", "true_comp"),
            ("plain_ge", "plain_cont", "true_cont_ge"))}
        ok = m["comp"] <= TARGET_COMP and m["ge"] <= TARGET_CONT
        dist = "" if ok else f"{max(0, m['comp'] - TARGET_COMP):.1f}, {max(0, m['ge'] - TARGET_CONT):.1f}"
        dist_bp = "" if m["bp"] <= TARGET_CONT else f"{m['bp'] - TARGET_CONT:.1f}"
        rows.append([lin, str(len(g)), f"{m['comp']:.2f}", f"{m['ge']:.2f}", f"{m['bp']:.2f}", f"{m['ship']:.2f}",
                     f"{m['plain']:.2f}", f"{m['plain_ge']:.2f}", "yes" if ok else "no", dist, dist_bp])
    return rows


def table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"] + [
        "| " + " | ".join(r) + " |" for r in rows]


def report(bins: list[dict], args, wall: float) -> str:
    cmd = (f"python benchmarks/qc_accuracy.py --threads {args.threads} --gene-mode {args.gene_mode} --seed {args.seed}"
           + (f" --positions {args.positions}" if args.positions else "") + (f" --out {args.out}" if args.out else ""))
    per_bin = [[b["bin"], b["row"]["domain"], f"{b['true_comp']:.1f}", f"{b['row']['comp']:.1f}",
                f"{b['row']['plain_comp']:.1f}", f"{b['true_cont_ge']:.1f}", f"{b['true_cont_bp']:.1f}",
                f"{b['row']['cont']:.1f}", b["row"]["cc_tier"]] for b in bins]
    lines = ["# Built-in QC vs truth (bins of known completeness/contamination)", "",
             f"Command: `{cmd}`  ",
             f"{len(bins)} bins from {len({b['genome'] for b in bins})} genomes; QC (markers only) {wall:.0f} s wall "
             f"on {args.threads} threads (shared machine). How bins and truth are made: the script's docstring.", "",
             "## Mean absolute error per lineage (points)", "",
             f"Target: completeness <= {TARGET_COMP:g} and contamination <= {TARGET_CONT:g} on every lineage. "
             "`comp`, `cont ge` and `cont bp`: the QC with collocated sets rebuilt without the lineage (the honest "
             "number); `comp shipped`: with the shipped sets (the lineage among their references); `plain`: every "
             "marker its own set (the QC before collocated sets). `meets target` and `distance` use `comp` and "
             "`cont ge`; `distance, bp` is the contamination distance when truth is foreign bp / host bp.", ""]
    lines += table(["lineage", "bins", "MAE comp", "MAE cont ge", "MAE cont bp", "MAE comp shipped", "MAE comp plain",
                    "MAE cont ge plain", "meets target", "distance (comp, cont ge)", "distance, cont bp"],
                   lineage_rows(bins), "lrrrrrrrlll")
    lines += ["", "## Per bin", "",
              "`est` = the QC with held-out sets; `plain` = single-set form; `domain` = the set the QC chose.", ""]
    lines += table(["bin", "domain", "true comp", "est comp", "plain comp", "true cont ge", "true cont bp", "est cont",
                    "cc_tier"], per_bin, "llrrrrrrl")
    return "\n".join(lines) + "\n"


def emit(text: str, out: str | None) -> None:
    """Print a report and, with ``out``, write it there atomically."""
    print(text)
    if out:
        with atomic_text(out) as fh:
            fh.write(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--genomes", nargs="+", default=GENOMES)
    ap.add_argument("--positions", help="marker-span cache of tools/qc_marker_sets.py (made when missing)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gene-mode", default="auto", choices=["meta", "single", "auto"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="write the markdown table here")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    genomes = load(args.genomes, rng)
    refs = references(args.genomes, args.positions, args.threads)
    sets = {g: held_out_sets(refs, g) for g in genomes}
    bins = make_bins(genomes, rng)
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        for b, row in zip(bins, pool.map(lambda b: score(b, sets[b["genome"]], args.gene_mode), bins)):
            b["row"] = row
    emit(report(bins, args, time.perf_counter() - t), args.out)


if __name__ == "__main__":
    main()
