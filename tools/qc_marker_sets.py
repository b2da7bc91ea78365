#!/usr/bin/env python3
"""Derive the built-in QC's collocated marker sets (``src/latentbin/data/marker_sets.tsv``)
from reference genomes, by CheckM's rule (Parks et al. 2015, Genome Res. 25:1043).

Each reference genome (complete, one FASTA per genome) gets its genes called by pyrodigal
in single-genome mode and its marker copies found with the QC's own search (both HMM files,
trusted cutoffs, coverage >= 0.4). Its domain is the one the QC reads it with. Per domain,
two markers are linked when they are single-copy and within 5 kbp on one replicon in >= 95 %
of the genomes of that domain that carry both once (and >= 2 such genomes); a set is a
connected component (``latentbin.markers.colocated_sets``).

    python tools/qc_marker_sets.py --genomes ../shared/data/genomes benchmarks/suite/genomes \\
        --positions /work/scratch/qc/positions.tsv --out src/latentbin/data/marker_sets.tsv

``--positions`` caches the marker spans (genome, domain, marker, replicon, begin, end), so
``benchmarks/qc_accuracy.py`` can rebuild the sets without a held-out genome's lineage.
"""
from __future__ import annotations

import argparse
import csv
import glob
import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from latentbin._io import atomic_text
from latentbin.contigs import iter_fasta
from latentbin.markers import (DOMAINS, MARKER_UBIQUITY, MarkerPositions, call_genes, choose_domain, domain_markers,
                               domain_sets, marker_positions, write_marker_sets)

#: A genome's entry in the positions table: its domain and its marker spans.
Reference = tuple[str, MarkerPositions]


def genome_files(folders: list[str]) -> dict[str, str]:
    """{genome name (file name up to the first dot): path} of every *.fna[.gz] in ``folders``."""
    out: dict[str, str] = {}
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "*.fna*"))):
            out[Path(path).name.split(".")[0]] = path
    return out


def reference(path: str) -> Reference:
    """(domain, marker spans) of one complete genome."""
    records = list(iter_fasta(path))
    positions = marker_positions(call_genes(records, mode="single").proteins)
    bac = {k[4:]: len(v) for k, v in positions.items() if k.startswith("bac:")}
    uni = {k: len(v) for k, v in positions.items() if not k.startswith("bac:")}
    return choose_domain(bac, uni), positions


def write_positions(refs: dict[str, Reference], path: str) -> None:
    with atomic_text(path) as fh:
        fh.write("genome\tdomain\tmarker\treplicon\tbegin\tend\n")
        for genome, (domain, positions) in refs.items():
            for marker, spans in sorted(positions.items()):
                for rep, begin, end in spans:
                    fh.write(f"{genome}\t{domain}\t{marker}\t{rep}\t{begin}\t{end}\n")


def read_positions(path: str) -> dict[str, Reference]:
    """The table :func:`write_positions` writes, as {genome: (domain, spans)}."""
    domains: dict[str, str] = {}
    spans: dict[str, MarkerPositions] = defaultdict(lambda: defaultdict(list))
    with open(path) as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            domains[r["genome"]] = r["domain"]
            spans[r["genome"]][r["marker"]].append((r["replicon"], int(r["begin"]), int(r["end"])))
    return {g: (domains[g], dict(spans[g])) for g in domains}


def references(folders: list[str], cache: str | None, threads: int) -> dict[str, Reference]:
    """Marker spans of every genome in ``folders`` (read from / written to ``cache``)."""
    files = genome_files(folders)
    if cache and os.path.exists(cache):
        refs = read_positions(cache)
        if set(refs) >= set(files):
            return {g: refs[g] for g in files}
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        refs = dict(zip(files, pool.map(reference, files.values())))
    if cache:
        write_positions(refs, cache)
    return refs


def derive_sets(refs: dict[str, Reference]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """{domain: collocated sets} from the references of each domain."""
    return {d: domain_sets([p for dom, p in refs.values() if dom == d], d) for d in DOMAINS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--genomes", nargs="+", required=True, help="folders of complete genomes (*.fna[.gz])")
    ap.add_argument("--positions", help="cache of the marker spans (TSV)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    refs = references(args.genomes, args.positions, args.threads)
    sets = derive_sets(refs)
    counts = {d: sum(dom == d for dom, _ in refs.values()) for d in DOMAINS}
    header = (f"Collocated marker sets (CheckM's rules: markers present and single-copy in >= {MARKER_UBIQUITY:.0%} of "
              f"the domain's references; linked when <= 5 kbp apart on one replicon in >= 95 % of "
              f"the references carrying both once, >= 2 of them; single linkage), from {len(refs)} reference genomes "
              f"({counts['bacteria']} bacteria, {counts['archaea']} archaea): {', '.join(sorted(refs))}.\n"
              f"Made by tools/qc_marker_sets.py. Markers: bac:<name> = data/marker.hmm, bare = data/universal.hmm.")
    write_marker_sets(sets, args.out, header)
    for d in DOMAINS:
        sizes = sorted((len(s) for s in sets[d]), reverse=True)
        print(f"{d}: {sum(sizes)} of {len(domain_markers(d))} markers in {len(sets[d])} sets (largest {sizes[:6]}) "
              f"from {counts[d]} references")


if __name__ == "__main__":
    main()
