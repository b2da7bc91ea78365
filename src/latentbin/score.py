"""Score bins against a gold standard, as binning papers do (same numbers as
``shared/tools/score_bins.py``, which tests/test_score.py checks).

A genome is *recovered* at (recall R, precision P) when one bin holds >= R of the
genome's bp (over the gold-standard contigs counted) and >= P of that bin's bp
(over contigs in the gold standard) come from the genome. NC (near-complete) =
R >= 0.90 and P >= 0.95. Gold-standard contigs shorter than ``min_contig`` are not
counted (the binner never saw them); binned contigs outside the counted gold standard
are reported as ``contigs_not_in_gold`` and otherwise ignored.

Adjusted Rand index (scikit-learn) over the counted gold-standard contigs, true labels
= genomes: ``ari`` puts every unbinned contig in a cluster of its own (a binner is
charged for what it leaves out); ``ari_binned`` uses the binned contigs only.

Output ``score.tsv`` is long format: ``metric recall precision value``, with
``genomes_recovered`` rows for every (recall, precision) pair and scalar rows
(recall/precision empty) for NC, genomes, bins, chimeric (bins whose largest genome
holds < 90 % of their bp), binned_bp_fraction, contigs_not_in_gold, ari, ari_binned.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path
from typing import Mapping

from sklearn.metrics import adjusted_rand_score

from ._io import atomic_text
from .errors import InputError

RECALLS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
PRECISIONS = (0.9, 0.95, 0.99)
SCALARS = ("NC", "genomes", "bins", "chimeric", "binned_bp_fraction", "contigs_not_in_gold", "ari", "ari_binned")
#: a bin is *chimeric* when less than this share of its gold bp comes from one genome
CHIMERA_PRECISION = 0.9


def read_gold(path: str | os.PathLike, min_contig: int = 0) -> tuple[dict[str, str], dict[str, int]]:
    """(``{contig: genome}`` for contigs >= ``min_contig`` bp, ``{contig: length}`` for all)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: gold standard not found; give a TSV with columns contig, genome, length")
    genome_of: dict[str, str] = {}
    lengths: dict[str, int] = {}
    with open(path, newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader, [])
        try:
            ic, ig, il = header.index("contig"), header.index("genome"), header.index("length")
        except ValueError:
            raise InputError(f"{path}: header must name columns contig, genome, length; got {header[:5]}") from None
        for lineno, f in enumerate(reader, 2):
            if len(f) <= max(ic, ig, il):
                continue
            try:
                lengths[f[ic]] = int(f[il])
            except ValueError:
                raise InputError(f"{path}: line {lineno} (contig {f[ic]}): length {f[il]!r} is not an integer") from None
            genome_of[f[ic]] = f[ig]
    if min_contig:
        genome_of = {c: g for c, g in genome_of.items() if lengths[c] >= min_contig}
    return genome_of, lengths


def read_clusters(path: str | os.PathLike) -> dict[str, str]:
    """``{contig: bin}`` from a ``bin<TAB>contig`` TSV (header optional) or a folder of bin FASTAs."""
    path = Path(path)
    if path.is_dir():
        from .contigs import iter_fasta
        from .bins import list_bins

        return {name: b for b, fasta in list_bins(path).items() for name, _ in iter_fasta(fasta)}
    if not path.is_file():
        raise InputError(f"{path}: clusters file not found; give clusters.tsv (bin<TAB>contig) or a bins folder")
    bin_of: dict[str, str] = {}
    with open(path) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 2 or line.startswith("#"):
                continue
            if f[0] in ("clustername", "bin", "cluster") and f[1] in ("contigname", "contig"):
                continue
            bin_of[f[1]] = f[0]
    return bin_of


def score(genome_of: Mapping[str, str], lengths: Mapping[str, int], bin_of: Mapping[str, str],
          min_bin_bp: int = 0) -> dict:
    """Scores as a dict: ``table`` {(recall, precision): genomes recovered} plus ``SCALARS``."""
    if min_bin_bp:
        size: dict[str, int] = defaultdict(int)
        for c, b in bin_of.items():
            size[b] += lengths.get(c, 0)
        bin_of = {c: b for c, b in bin_of.items() if size[b] >= min_bin_bp}
    genome_bp: dict[str, int] = defaultdict(int)
    for c, g in genome_of.items():
        genome_bp[g] += lengths[c]
    bin_bp: dict[str, int] = defaultdict(int)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    unknown = 0
    for c, b in bin_of.items():
        if c not in genome_of:
            unknown += 1
            continue
        bin_bp[b] += lengths[c]
        shared[(b, genome_of[c])] += lengths[c]
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (b, g), bp in shared.items():
        pairs[g].append((bp / genome_bp[g], bp / bin_bp[b]))
    table = {(r, p): sum(1 for g in genome_bp if any(rr >= r and pp >= p for rr, pp in pairs.get(g, [])))
             for p in PRECISIONS for r in RECALLS}
    total = sum(genome_bp.values())
    contigs = sorted(genome_of)
    truth = [genome_of[c] for c in contigs]
    pred = [bin_of.get(c, f"\0unbinned:{c}") for c in contigs]
    binned = [i for i, c in enumerate(contigs) if c in bin_of]
    return {
        "table": table,
        "NC": table[(0.9, 0.95)],
        "genomes": len(genome_bp),
        "bins": len(set(bin_of.values())),
        "chimeric": _chimeric(shared, bin_bp),
        "binned_bp_fraction": sum(bin_bp.values()) / total if total else 0.0,
        "contigs_not_in_gold": unknown,
        "ari": float(adjusted_rand_score(truth, pred)) if contigs else 0.0,
        "ari_binned": float(adjusted_rand_score([truth[i] for i in binned], [pred[i] for i in binned]))
        if binned else 0.0,
    }


def _chimeric(shared: Mapping[tuple[str, str], int], bin_bp: Mapping[str, int]) -> int:
    """Bins whose largest genome holds < ``CHIMERA_PRECISION`` of their gold-standard bp."""
    top: dict[str, int] = defaultdict(int)
    for (b, _), bp in shared.items():
        top[b] = max(top[b], bp)
    return sum(1 for b, bp in bin_bp.items() if bp and top[b] / bp < CHIMERA_PRECISION)


def write_score(result: Mapping, out: str | os.PathLike) -> None:
    """Write :func:`score`'s result as the long-format ``score.tsv``."""
    with atomic_text(out) as fh:
        fh.write("metric\trecall\tprecision\tvalue\n")
        for p in PRECISIONS:
            for r in RECALLS:
                fh.write(f"genomes_recovered\t{r}\t{p}\t{result['table'][(r, p)]}\n")
        for key in SCALARS:
            value = result[key]
            fh.write(f"{key}\t\t\t{value:.6f}\n" if isinstance(value, float) else f"{key}\t\t\t{value}\n")


def read_score(path: str | os.PathLike) -> dict:
    """Read ``score.tsv`` back into :func:`score`'s dict layout."""
    result: dict = {"table": {}}
    with open(path, newline="") as fh:
        for rec in csv.DictReader(fh, delimiter="\t"):
            if rec["metric"] == "genomes_recovered":
                result["table"][(float(rec["recall"]), float(rec["precision"]))] = int(rec["value"])
            else:
                value = float(rec["value"])
                result[rec["metric"]] = int(value) if value.is_integer() and "." not in rec["value"] else value
    return result


def score_files(gold: str | os.PathLike, clusters: str | os.PathLike, out: str | os.PathLike,
                min_contig: int = 0, min_bin_bp: int = 0) -> dict:
    """Stage function: score ``clusters`` (TSV or bins folder) against ``gold``; write ``out``."""
    genome_of, lengths = read_gold(gold, min_contig)
    result = score(genome_of, lengths, read_clusters(clusters), min_bin_bp)
    write_score(result, out)
    return result


def format_score(result: Mapping) -> str:
    """Console table (precision rows x recall columns) and a summary line."""
    lines = ["precision\\recall " + " ".join(f"{r:>5}" for r in RECALLS)]
    for p in PRECISIONS:
        lines.append(f"{p:>16} " + " ".join(f"{result['table'][(r, p)]:>5}" for r in RECALLS))
    lines.append(f"NC={result['NC']} genomes={result['genomes']} bins={result['bins']} "
                 f"binned_bp={result['binned_bp_fraction']:.3f} ARI={result['ari']:.3f} "
                 f"(binned only {result['ari_binned']:.3f})")
    return "\n".join(lines)
