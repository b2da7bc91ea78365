#!/usr/bin/env python3
"""Compare latentbin's built-in QC with the truth on the dev data (gold standard).

Bins are made from the gold standard, not by a binner: each genome's contigs >= 2000 bp
(``full``), parts of genomes and deliberate mixtures. Truth per bin, with the dominant
genome = the genome with most bp in the bin and genome size = the bp of all its
gold-standard contigs (any length):

- true completeness   = 100 * dominant-genome bp in the bin / dominant genome size
- true contamination  = 100 * sum over the other genomes of (their bp in the bin /
  their genome size): genome-equivalents of foreign DNA, the quantity CheckM's
  duplicated-marker count estimates (a complete second genome = 100 %)
- foreign bp %        = 100 * foreign bp / bin bp (the "purity" view, for reference)

    python tools/qc_vs_truth.py [--gene-mode auto] [--threads 2] [--out table.tsv]
    python tools/qc_vs_truth.py --bins OUT/bins --out table.tsv   # a binner's own bins

With ``--bins DIR`` the bins are the FASTA files in DIR (one bin per file, e.g. latentbin's
``bins/``) instead of the constructed ones.
"""
import argparse
import random
from pathlib import Path
import sys
import time
from collections import defaultdict

from latentbin.config import defaults
from latentbin.contigs import iter_fasta
from latentbin.qc import qc_records

FASTA_SUFFIXES = (".fna", ".fa", ".fasta", ".fna.gz", ".fa.gz", ".fasta.gz")


def make_bins(gold, genome_contigs, rng):
    """{bin: [contigs]}: full genomes, halves, random fractions and mixtures."""
    def frac(genome, f, contiguous=False):
        cs = genome_contigs[genome]  # in genome order
        k = round(f * len(cs))
        return cs[:k] if contiguous else sorted(rng.sample(cs, k), key=cs.index)
    g = {name.split("-")[0][:4] + "_" + name.split("-")[-1]: name for name in genome_contigs}
    short = {v: k for k, v in g.items()}
    bins = {f"full_{short[n]}": list(cs) for n, cs in genome_contigs.items()}
    E1, E2 = "Escherichia-coli-W3110", "Escherichia-coli-EC590"
    V, S1, S2 = "Vibrio-cholerae-N16961", "Staphylococcus-aureus-N315", "Staphylococcus-aureus-RF122"
    C, H, M2, M3 = "Corynebacterium-diphtheriae-NCTC11397", "Helicobacter-pylori-G27", "MAG-gtdbtk-genome-2", "MAG-gtdbtk-genome-3"
    bins["half_W3110_first"] = frac(E1, 0.5, contiguous=True)
    bins["half_N16961_first"] = frac(V, 0.5, contiguous=True)
    bins["rand50_N315"] = frac(S1, 0.5)
    bins["rand50_NCTC11397"] = frac(C, 0.5)
    bins["rand25_G27"] = frac(H, 0.25)
    bins["rand75_genome2"] = frac(M2, 0.75)
    bins["W3110+20pct_N16961"] = genome_contigs[E1] + frac(V, 0.2)
    bins["N315+20pct_NCTC11397"] = genome_contigs[S1] + frac(C, 0.2)
    bins["G27+20pct_EC590"] = genome_contigs[H] + frac(E2, 0.2)
    bins["N16961+20pct_RF122"] = genome_contigs[V] + frac(S2, 0.2)
    bins["W3110+50pct_EC590"] = genome_contigs[E1] + frac(E2, 0.5)
    bins["N315+RF122"] = genome_contigs[S1] + genome_contigs[S2]
    bins["70pct_NCTC+40pct_genome3"] = frac(C, 0.7) + frac(M3, 0.4)
    bins["50pct_W3110+50pct_N16961"] = frac(E1, 0.5) + frac(V, 0.5)
    return bins


def truth(contigs, gold, lengths, genome_size):
    bp = defaultdict(int)
    for c in contigs:
        bp[gold[c]] += lengths[c]
    dom = max(bp, key=bp.get)
    total = sum(bp.values())
    comp = 100 * bp[dom] / genome_size[dom]
    cont = 100 * sum(v / genome_size[g] for g, v in bp.items() if g != dom)
    foreign = 100 * (total - bp[dom]) / total
    return dom, comp, cont, foreign


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    qc_defaults = defaults()["qc"]
    ap.add_argument("--gene-mode", default=qc_defaults["gene_mode"], choices=["meta", "single", "auto"])
    ap.add_argument("--min-coverage", type=float, default=qc_defaults["min_marker_coverage"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-length", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="also write the table here (TSV)")
    ap.add_argument("--dev", default="/work/dev/data", help="dev data folder (gold_standard.tsv, contigs.fna.gz)")
    ap.add_argument("--bins", help="score these bins (one FASTA per bin) instead of constructed ones")
    a = ap.parse_args()
    DEV = a.dev
    gold, lengths, order = {}, {}, defaultdict(list)
    with open(f"{DEV}/gold_standard.tsv") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        ic, ig, il, ir, ist = (header.index(k) for k in ("contig", "genome", "length", "replicon", "start"))
        for line in fh:
            f = line.rstrip("\n").split("\t")
            gold[f[ic]], lengths[f[ic]] = f[ig], int(f[il])
            order[f[ig]].append((f[ir], int(f[ist]), f[ic]))
    genome_size = defaultdict(int)
    for c, g in gold.items():
        genome_size[g] += lengths[c]
    genome_contigs = {g: [c for _, _, c in sorted(v) if lengths[c] >= a.min_length] for g, v in sorted(order.items())}
    seqs = {n: s for n, s in iter_fasta(f"{DEV}/contigs.fna.gz") if lengths.get(n, 0) >= a.min_length}
    if a.bins:
        bins = {}
        for f in sorted(Path(a.bins).iterdir()):
            if f.name.endswith(FASTA_SUFFIXES):
                recs = [(n, s) for n, s in iter_fasta(f) if n in gold]
                seqs.update(recs)
                bins[f.name.split(".")[0]] = [n for n, _ in recs]
    else:
        bins = make_bins(gold, genome_contigs, random.Random(a.seed))

    from concurrent.futures import ThreadPoolExecutor
    t0 = time.perf_counter()
    with ThreadPoolExecutor(a.threads) as pool:
        rows = list(pool.map(lambda b: qc_records(b, [(c, seqs[c]) for c in bins[b]], a.gene_mode, a.min_coverage), bins))
    wall = time.perf_counter() - t0
    cols = ["bin", "size_bp", "true_comp", "est_comp", "true_cont", "est_cont", "foreign_bp_pct", "dominant"]
    lines = ["\t".join(cols)]
    err_comp, err_cont, err_foreign = [], [], []
    for row in rows:
        dom, tc, tx, fb = truth(bins[row["bin"]], gold, lengths, genome_size)
        err_comp.append(abs(row["completeness"] - tc))
        err_cont.append(abs(row["contamination"] - tx))
        err_foreign.append(abs(row["contamination"] - fb))
        lines.append(f"{row['bin']}\t{row['genome_size']}\t{tc:.1f}\t{row['completeness']:.1f}\t{tx:.1f}\t"
                     f"{row['contamination']:.1f}\t{fb:.1f}\t{dom}")
    n = len(rows)
    bacterial = [i for i, r in enumerate(rows) if "Methanobrevibacter" not in truth(bins[r["bin"]], gold, lengths, genome_size)[0]]
    lines.append(f"# MAE completeness {sum(err_comp)/n:.2f}  MAE contamination (genome-equivalents) {sum(err_cont)/n:.2f}"
                 f"  MAE contamination vs foreign bp % {sum(err_foreign)/n:.2f}  (n={n} bins)")
    lines.append(f"# bacterial bins only (archaeal Methanobrevibacter excluded: the markers are bacterial): "
                 f"MAE completeness {sum(err_comp[i] for i in bacterial)/len(bacterial):.2f}  MAE contamination "
                 f"{sum(err_cont[i] for i in bacterial)/len(bacterial):.2f}  (n={len(bacterial)})")
    # lineages the bacterial marker set fits: the genome's own full bin is estimated >= 90 % complete
    fits = {truth(bins[r["bin"]], gold, lengths, genome_size)[0] for r in rows
            if r["bin"].startswith("full_") and r["completeness"] >= 90}
    inscope = [i for i, r in enumerate(rows) if truth(bins[r["bin"]], gold, lengths, genome_size)[0] in fits]
    if inscope:
        lines.append(f"# bins whose dominant genome the marker set fits (its full bin >= 90 % complete; "
                     f"{len(fits)} genomes): MAE completeness {sum(err_comp[i] for i in inscope)/len(inscope):.2f}  "
                     f"MAE contamination {sum(err_cont[i] for i in inscope)/len(inscope):.2f}  (n={len(inscope)})")
    total_bp = sum(r["genome_size"] for r in rows)
    lines.append(f"# gene_mode={a.gene_mode} min_coverage={a.min_coverage} threads={a.threads}: {n} bins, "
                 f"{total_bp/1e6:.1f} Mbp in {wall:.1f} s wall ({total_bp/1e6/wall:.2f} Mbp/s)")
    text = "\n".join(lines)
    print(text)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
