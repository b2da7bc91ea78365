"""Bin FASTA files: writing one ``<bin>.fna`` per bin of at least ``min_bin_size`` bp,
listing a bins folder, and the sequence statistics of a bin (size, N50, GC).

The contig FASTA is streamed once; sequences are buffered per bin and appended to the
bin files in bounded batches, so neither the whole assembly nor thousands of open
files are needed. The folder is written under a temporary name and renamed at the end.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Sequence

from ._io import atomic_dir
from .contigs import iter_fasta, write_fasta_record
from .errors import InputError

_FLUSH_BP = 256_000_000
BIN_EXTENSIONS = (".fna", ".fa", ".fasta", ".fna.gz", ".fa.gz", ".fasta.gz")


def bin_sizes(clusters: dict[str, list[str]], lengths: dict[str, int], source: str) -> dict[str, int]:
    """Total bp of each bin; every clustered contig must be in ``lengths``."""
    sizes = {}
    for b, contigs in clusters.items():
        try:
            sizes[b] = sum(lengths[c] for c in contigs)
        except KeyError as exc:
            raise InputError(f"{source}: contig {exc} of bin {b} is not in the contig FASTA; "
                             "use the FASTA the clusters were made from") from None
    return sizes


def write_bins(clusters: dict[str, list[str]], fasta: str | os.PathLike, outdir: str | os.PathLike,
               min_bin_size: int, source: str = "clusters") -> dict[str, int]:
    """Write ``<outdir>/<bin>.fna`` for each bin of >= ``min_bin_size`` bp.

    ``clusters`` maps bin name -> contig names. Returns {bin: bp} of the bins written.
    The folder appears atomically (an interrupted run leaves no partial ``outdir``).
    """
    wanted = {c for contigs in clusters.values() for c in contigs}
    lengths: dict[str, int] = {}
    # first pass over headers is avoided: sizes are known only after reading, so buffer
    # per bin and decide at the end; buffers are flushed to temporary per-bin files.
    with atomic_dir(outdir) as tmp:
        buffers: dict[str, list[tuple[str, bytes]]] = {}
        buffered = 0
        bin_of = {c: b for b, contigs in clusters.items() for c in contigs}

        def flush() -> None:
            for b, recs in buffers.items():
                with open(tmp / f"{b}.fna", "ab") as fh:
                    for name, seq in recs:
                        write_fasta_record(fh, name, seq)
            buffers.clear()

        for name, seq in iter_fasta(fasta):
            if name in wanted:
                lengths[name] = len(seq)
                buffers.setdefault(bin_of[name], []).append((name, seq))
                buffered += len(seq)
                if buffered >= _FLUSH_BP:
                    flush()
                    buffered = 0
        flush()
        sizes = bin_sizes(clusters, lengths, source)
        kept = {b: s for b, s in sizes.items() if s >= min_bin_size}
        for b in sizes:
            if b not in kept:
                (tmp / f"{b}.fna").unlink(missing_ok=True)
    return kept


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
