"""Tetranucleotide frequencies (TNF) projected to Vamb's 103-dimensional space.

The 256 4-mer frequencies of a contig obey linear constraints: they sum to one, a 4-mer
and its reverse complement are equally frequent (both strands), and the 4-mers that
start with a 3-mer are as frequent as those that end with it. The frequencies minus
1/256 are projected onto an orthonormal basis of the null space of those constraints:
256 - 1 - 120 - 32 = 103 independent dimensions (136 canonical 4-mers minus 33).

Counting is vectorised numpy over chunks of concatenated contigs (an ``N`` between
contigs stops 4-mers spanning two), chunks in a thread pool; the FASTA is streamed.

>>> c = count_kmers([b"ACGTA"])
>>> int(c[0, kmer_index("ACGT")]), int(c[0, kmer_index("CGTA")]), int(c.sum())
(1, 1, 2)
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Iterator

import numpy as np

from ._io import save_npz
from .contigs import iter_filtered
from .errors import InputError

N_TNF = 103
_CODE = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _CODE[_b] = _i
    _CODE[_b + 32] = _i  # lower case


def kmer_index(kmer: str) -> int:
    """Index of a 4-mer in the 256-vector: A=0, C=1, G=2, T=3, first base most significant."""
    idx = 0
    for base in kmer:
        idx = idx * 4 + "ACGT".index(base)
    return idx


def _revcomp(kmer: str) -> str:
    return kmer[::-1].translate(str.maketrans("ACGT", "TGCA"))


def constraint_matrix() -> np.ndarray:
    """Linear constraints on 4-mer frequencies, ``(153, 256) float64``: sum, reverse
    complement equality (120 pairs) and 3-mer overlap consistency (32 independent of 64)."""
    kmers = ["".join(p) for p in itertools.product("ACGT", repeat=4)]
    rows = [np.ones(256)]
    for k in kmers:
        rc = _revcomp(k)
        if k < rc:
            row = np.zeros(256)
            row[kmer_index(k)] = 1
            row[kmer_index(rc)] = -1
            rows.append(row)
    for tri in ("".join(p) for p in itertools.product("ACGT", repeat=3)):
        row = np.zeros(256)
        for b in "ACGT":
            row[kmer_index(tri + b)] += 1
            row[kmer_index(b + tri)] -= 1
        rows.append(row)
    return np.array(rows)


def make_kernel() -> np.ndarray:
    """Orthonormal basis of the constraints' null space, ``(256, 103) float32``.

    Computed by SVD; the shipped ``data/tnf_kernel.npy`` is this output, saved once so
    every machine uses the same basis (SVD bases can differ in sign across LAPACKs).
    """
    import scipy.linalg

    kernel = scipy.linalg.null_space(constraint_matrix()).astype(np.float32)
    assert kernel.shape == (256, N_TNF), kernel.shape
    return kernel


@lru_cache(maxsize=1)
def kernel() -> np.ndarray:
    """The shipped projection kernel, ``(256, 103) float32`` (see :func:`make_kernel`)."""
    with resources.files("latentbin").joinpath("data").joinpath("tnf_kernel.npy").open("rb") as fh:
        k = np.load(fh)
    assert k.shape == (256, N_TNF) and k.dtype == np.float32
    return k


def count_kmers(seqs: list[bytes]) -> np.ndarray:
    """4-mer counts of each sequence, ``(len(seqs), 256) int64``; windows with a base
    other than A/C/G/T are skipped.

    4-mer codes are built in uint8 (a 4-mer fits a byte) over the joined sequences, the
    windows with a non-ACGT base set to 256, then one ``np.bincount`` per sequence over
    its own slice: no per-window owner array (int64), ~5x faster than one global bincount
    of ``owner * 256 + code`` on the dev contigs."""
    n = len(seqs)
    out = np.zeros((n, 256), dtype=np.int64)
    if n == 0:
        return out
    joined = b"N".join(seqs)
    codes = _CODE[np.frombuffer(joined, dtype=np.uint8)]
    if len(codes) < 4:
        return out
    bad = codes == 4
    idx = ((codes[:-3] << 6) | (codes[1:-2] << 4) | (codes[2:-1] << 2) | codes[3:]).astype(np.uint16)
    idx[bad[:-3] | bad[1:-2] | bad[2:-1] | bad[3:]] = 256
    start = 0
    for i, seq in enumerate(seqs):
        end = start + len(seq) - 3  # windows that start in this sequence and end in it
        if end > start:
            out[i] = np.bincount(idx[start:end], minlength=257)[:256]
        start += len(seq) + 1
    return out


def project(counts: np.ndarray) -> np.ndarray:
    """Counts ``(n, 256)`` -> TNF ``(n, 103) float32``: frequencies minus 1/256, projected."""
    counts = np.asarray(counts, dtype=np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    freqs = counts / np.where(totals == 0, 1.0, totals) - 1.0 / 256
    return (freqs.astype(np.float32) @ kernel()).astype(np.float32)


def tnf_of(seqs: list[bytes]) -> np.ndarray:
    """TNF of each sequence, ``(len(seqs), 103) float32``."""
    return project(count_kmers(seqs))


def _chunks(records: Iterable[tuple[str, bytes]], chunk_bp: int) -> Iterator[list[tuple[str, bytes]]]:
    chunk: list[tuple[str, bytes]] = []
    size = 0
    for rec in records:
        chunk.append(rec)
        size += len(rec[1])
        if size >= chunk_bp:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


@dataclass
class Composition:
    """Contig names ``(n,) str``, lengths ``(n,) int64`` (bp) and TNF ``(n, 103) float32``."""

    names: np.ndarray
    lengths: np.ndarray
    tnf: np.ndarray

    def __post_init__(self) -> None:
        if not (len(self.names) == len(self.lengths) == len(self.tnf)):
            raise ValueError("bug: names, lengths and tnf differ in length")
        if self.tnf.ndim != 2 or self.tnf.shape[1] != N_TNF or self.tnf.dtype != np.float32:
            raise ValueError(f"bug: tnf must be (n, {N_TNF}) float32, not {self.tnf.shape} {self.tnf.dtype}")

    def save(self, path: str | os.PathLike) -> None:
        """Write ``tnf.npz`` (names, lengths, tnf, refhash) atomically."""
        from .refhash import refhash

        save_npz(path, names=self.names, lengths=self.lengths, tnf=self.tnf, refhash=refhash(self.names))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Composition":
        from .refhash import load_checked

        data = load_checked(path, ("names", "lengths", "tnf"))
        return cls(data["names"], data["lengths"], data["tnf"])


def compute_tnf(fasta: str | os.PathLike, min_length: int = 2000, threads: int = 1,
                chunk_bp: int = 4_000_000) -> Composition:
    """TNF of every contig of at least ``min_length`` bp in a FASTA(.gz), streamed.

    Raises :class:`InputError` on bad FASTA, duplicate names, no contig long enough, or a
    contig without a single A/C/G/T 4-mer.
    """
    names: list[str] = []
    lengths: list[int] = []
    parts: list[np.ndarray] = []
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        pending = []
        for chunk in _chunks(iter_filtered(fasta, min_length), chunk_bp):
            names.extend(n for n, _ in chunk)
            lengths.extend(len(s) for _, s in chunk)
            pending.append(pool.submit(count_kmers, [s for _, s in chunk]))
            # keep at most 2 chunks per thread in flight: bounded memory on huge files
            while len(pending) > 2 * max(1, threads):
                parts.append(pending.pop(0).result())
        parts.extend(f.result() for f in pending)
    if not names:
        raise InputError(f"{fasta}: no contig of at least {min_length} bp; lower contigs.min_length or check the file")
    counts = np.concatenate(parts)
    empty = np.flatnonzero(counts.sum(axis=1) == 0)
    if len(empty):
        raise InputError(
            f"{fasta}: contig '{names[empty[0]]}' has no A/C/G/T 4-mer ({len(empty)} such contigs); "
            "remove all-N contigs from the assembly"
        )
    return Composition(np.array(names, dtype=str), np.array(lengths, dtype=np.int64), project(counts))
