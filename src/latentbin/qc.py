"""Built-in bin QC: completeness and contamination from single-copy marker genes.

Estimates follow CheckM's single-set form (Parks et al. 2015) over the 107 markers of
:mod:`latentbin.markers`:

- completeness = 100 * (markers with >= 1 copy) / 107
- contamination = 100 * sum over markers of max(copies - 1, 0) / 107

CheckM additionally groups markers into *collocated sets* (markers that sit within
5 kbp of each other in >= 95 % of its reference genomes) and averages per set. That
needs the reference genomes the sets were derived from, which this MIT-licensed marker
file does not ship, so latentbin uses the plain per-marker form (CheckM's
``--individual_markers`` mode). Contamination can exceed 100 % (several genomes).

Units: completeness and contamination in percent (0-100, as CheckM and CheckM2);
``gc`` and ``coding_density`` as fractions (as CheckM2); sizes in bp.

>>> estimate({"A": 1, "B": 2}, ["A", "B", "C", "D"])
(50.0, 25.0, 2, 1)
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from ._io import atomic_text
from .contigs import iter_fasta
from .errors import InputError
from .markers import call_genes, count_markers, marker_names, quality, search_markers

log = logging.getLogger(__name__)

BIN_EXTENSIONS = (".fna", ".fa", ".fasta", ".fna.gz", ".fa.gz", ".fasta.gz")
QC_COLUMNS = ("bin", "completeness", "contamination", "n_markers_found", "n_markers_multi",
              "genome_size", "n_contigs", "n50", "gc", "coding_density", "n_genes")


def list_bins(bins_dir: str | os.PathLike) -> dict[str, Path]:
    """``{bin name: FASTA path}`` for every ``<bin>.fna|.fa|.fasta[.gz]`` in ``bins_dir``, sorted."""
    folder = Path(bins_dir)
    if not folder.is_dir():
        raise InputError(f"{folder}: bins folder not found; give the folder with one <bin>.fna per bin")
    out: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        for ext in BIN_EXTENSIONS:
            if path.name.endswith(ext) and path.is_file():
                name = path.name[: -len(ext)]
                if name in out:
                    raise InputError(f"{path}: bin '{name}' appears twice in {folder}; keep one file per bin")
                out[name] = path
                break
    return out


def assembly_stats(lengths: Sequence[int], gc_bases: int = 0, acgt_bases: int = 0) -> dict:
    """genome_size (bp), n_contigs, n50 (bp) and gc (fraction of A/C/G/T bases that are G/C)."""
    total = int(sum(lengths))
    n50, acc = 0, 0
    for length in sorted(lengths, reverse=True):
        acc += length
        if 2 * acc >= total:
            n50 = int(length)
            break
    return {"genome_size": total, "n_contigs": len(lengths), "n50": n50,
            "gc": gc_bases / acgt_bases if acgt_bases else 0.0}


def sequence_stats(records: Iterable[tuple[str, bytes]]) -> dict:
    """:func:`assembly_stats` of FASTA records (upper-case bytes)."""
    lengths, gc, acgt = [], 0, 0
    for _, seq in records:
        lengths.append(len(seq))
        g = seq.count(b"G") + seq.count(b"C")
        gc += g
        acgt += g + seq.count(b"A") + seq.count(b"T")
    return assembly_stats(lengths, gc, acgt)


def estimate(counts: Mapping[str, int], markers: Sequence[str]) -> tuple[float, float, int, int]:
    """(completeness %, contamination %, markers found, markers with > 1 copy)."""
    copies = np.array([counts.get(m, 0) for m in markers], dtype=np.int64)
    comp, cont = quality(copies)
    return 100.0 * comp, 100.0 * cont, int((copies > 0).sum()), int((copies > 1).sum())


def qc_records(name: str, records: Sequence[tuple[str, bytes]], gene_mode: str = "meta",
               min_coverage: float = 0.4) -> dict:
    """One QC row (see ``QC_COLUMNS``) for a bin given as (contig, sequence) records."""
    stats = sequence_stats(records)
    calls = call_genes(records, mode=gene_mode)
    counts = count_markers(search_markers(calls.proteins, min_coverage=min_coverage))
    comp, cont, found, multi = estimate(counts, marker_names())
    size = stats["genome_size"]
    return {"bin": name, "completeness": comp, "contamination": cont, "n_markers_found": found,
            "n_markers_multi": multi, **stats,
            "coding_density": calls.coding_bases / size if size else 0.0, "n_genes": calls.n_genes}


def qc_bin(name: str, path: str | os.PathLike, gene_mode: str = "meta", min_coverage: float = 0.4) -> dict:
    """QC row of one bin FASTA."""
    row = qc_records(name, list(iter_fasta(path)), gene_mode, min_coverage)
    log.info("%s: completeness %.1f%% contamination %.1f%%", name, row["completeness"], row["contamination"])
    return row


def run_qc(bins: Mapping[str, str | os.PathLike], threads: int = 1, gene_mode: str = "meta",
           min_coverage: float = 0.4) -> list[dict]:
    """QC rows for ``{bin: path}``, bins processed in parallel on ``threads`` threads.

    pyrodigal and pyhmmer release the GIL, so threads scale without extra processes.
    """
    names = sorted(bins)
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(pool.map(lambda n: qc_bin(n, bins[n], gene_mode, min_coverage), names))


def format_row(row: Mapping, columns: Sequence[str]) -> str:
    """Tab-joined values: percentages (completeness/contamination) with 2 decimals, other floats 4."""
    out = []
    for col in columns:
        value = row.get(col)
        if value is None or (isinstance(value, float) and value != value):
            out.append("")
        elif isinstance(value, float):
            percent = "completeness" in col or "contamination" in col
            out.append(f"{value:.2f}" if percent else f"{value:.4f}")
        else:
            out.append(str(value))
    return "\t".join(out)


def write_table(rows: Iterable[Mapping], columns: Sequence[str], out: str | os.PathLike) -> None:
    """Write rows as a TSV with a header, atomically."""
    with atomic_text(out) as fh:
        fh.write("\t".join(columns) + "\n")
        for row in rows:
            fh.write(format_row(row, columns) + "\n")


def builtin_qc(bins_dir: str | os.PathLike, out: str | os.PathLike, cfg: Mapping, threads: int = 1) -> list[dict]:
    """Stage function: QC every bin in ``bins_dir`` and write ``out`` (``QC_COLUMNS`` TSV).

    ``cfg`` is the full validated config (keys ``qc.gene_mode``, ``qc.min_marker_coverage``).
    """
    qc_cfg = cfg["qc"]
    bins = list_bins(bins_dir)
    if not bins:
        log.warning("%s: no bin FASTA files; writing an empty QC table", bins_dir)
    rows = run_qc(bins, threads, qc_cfg["gene_mode"], qc_cfg["min_marker_coverage"])
    write_table(rows, QC_COLUMNS, out)
    return rows
