"""Bin FASTA output: one ``<bin>.fna`` per bin of at least ``min_bin_size`` bp.

The contig FASTA is streamed once; sequences are buffered per bin and appended to the
bin files in bounded batches, so neither the whole assembly nor thousands of open
files are needed. The folder is written under a temporary name and renamed at the end.
"""

from __future__ import annotations

import os
from pathlib import Path

from ._io import atomic_dir
from .contigs import iter_fasta, write_fasta_record
from .errors import InputError

_FLUSH_BP = 256_000_000


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


def list_bins(bindir: str | os.PathLike) -> list[Path]:
    """Bin FASTA files in a folder, sorted by name."""
    return sorted(p for p in Path(bindir).iterdir() if p.suffix in (".fna", ".fa", ".fasta") or p.name.endswith(".fna.gz"))
