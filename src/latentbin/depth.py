"""Per-sample contig depth from coordinate-sorted, indexed BAM files (pysam).

Reads that are unmapped, secondary, supplementary, duplicates or QC-failed are skipped,
as are reads under ``min_mapq`` or under the identity threshold (1 - NM / aligned columns,
the columns being M/=/X/I/D operations). The threshold is ``min_identity`` for short reads;
for a sample of long reads (median aligned length over :data:`LONG_READ_BP`) whose own
accuracy is lower it is relative to that accuracy (:func:`identity_threshold`), so that
ONT and PacBio CLR reads (~88-95 % identity) are not all dropped. Each passing read adds 1 to every reference
position of its aligned blocks (deletions and skips excluded, as ``samtools depth``).
The per-contig statistic is the trimmed mean of per-position depths (the lowest and
highest ``trim_fraction`` of positions dropped, ``scipy.stats.trim_mean``'s rule), or
the plain mean.

Also reads precomputed depth tables: MetaBAT's ``jgi_summarize_bam_contig_depths``
layout and a plain contig x sample TSV.
"""

from __future__ import annotations

import csv
import itertools
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._io import save_npz
from .errors import InputError
from .options import DepthOptions
from .refhash import check_same_contigs, load_checked, refhash

log = logging.getLogger(__name__)

# unmapped 0x4, secondary 0x100, QC fail 0x200, duplicate 0x400, supplementary 0x800
SKIP_FLAGS = 0x4 | 0x100 | 0x200 | 0x400 | 0x800
_REF_BLOCK_OPS = (0, 7, 8)  # M, =, X: aligned to the reference, counted
_REF_SKIP_OPS = (2, 3)  # D, N: consume reference, not counted
_COLUMN_OPS = (0, 1, 2, 7, 8)  # M, I, D, =, X: alignment columns for identity


@dataclass
class Abundance:
    """Depth of each contig in each sample: names ``(n,) str``, samples ``(s,) str``,
    depth ``(n, s) float32`` (mean reads per position), long_reads ``(s,) bool`` (the
    sample's reads are long, median aligned length > :data:`LONG_READ_BP`; False where
    unknown, as for a depth table)."""

    names: np.ndarray
    samples: np.ndarray
    depth: np.ndarray
    long_reads: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.depth.shape != (len(self.names), len(self.samples)):
            raise ValueError(f"bug: depth shape {self.depth.shape} vs {len(self.names)} contigs x {len(self.samples)} samples")
        self.long_reads = (np.zeros(len(self.samples), dtype=bool) if self.long_reads is None
                           else np.asarray(self.long_reads, dtype=bool))
        if self.long_reads.shape != (len(self.samples),):
            raise ValueError(f"bug: long_reads shape {self.long_reads.shape} vs {len(self.samples)} samples")

    def save(self, path: str | os.PathLike) -> None:
        save_npz(path, names=self.names, samples=self.samples, depth=self.depth.astype(np.float32),
                 long_reads=self.long_reads, refhash=refhash(self.names))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Abundance":
        data = load_checked(path, ("names", "samples", "depth"))
        return cls(data["names"], data["samples"], data["depth"].astype(np.float32), data.get("long_reads"))


def trimmed_mean(depths: np.ndarray, trim_fraction: float) -> float:
    """Mean of integer per-position depths ``(L,)`` after dropping ``int(trim*L)``
    positions at each end of the sorted values (``scipy.stats.trim_mean``). O(L) via a
    histogram of depth values instead of a sort."""
    n = len(depths)
    if n == 0:
        return 0.0
    k = int(trim_fraction * n)
    if k == 0:
        return float(depths.mean())
    hist = np.bincount(depths)
    cum = np.cumsum(hist)
    cum_sum = np.cumsum(hist * np.arange(len(hist)))

    def smallest_sum(r: int) -> float:
        """Sum of the r smallest values."""
        v = int(np.searchsorted(cum, r))  # first value whose cumulative count reaches r
        below = int(cum[v - 1]) if v > 0 else 0
        return float(cum_sum[v - 1] if v > 0 else 0) + v * (r - below)

    return (smallest_sum(n - k) - smallest_sum(k)) / (n - 2 * k)


def coverage_from_blocks(starts: np.ndarray, ends: np.ndarray, length: int) -> np.ndarray:
    """Per-position depth ``(length,) int32`` from half-open aligned blocks."""
    diff = np.bincount(starts, minlength=length + 1)[: length + 1].astype(np.int64)
    diff -= np.bincount(ends, minlength=length + 1)[: length + 1]
    return np.cumsum(diff[:length]).astype(np.int32)


def _open_checked(bam_path: str | os.PathLike):
    import pysam

    path = Path(bam_path)
    if not path.is_file():
        raise InputError(f"{path}: BAM file not found; check the path")
    try:
        bam = pysam.AlignmentFile(str(path), "rb")
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: not a BAM file ({exc}); give coordinate-sorted BAM files") from None
    sort_order = bam.header.to_dict().get("HD", {}).get("SO")
    if sort_order != "coordinate":
        bam.close()
        raise InputError(f"{path}: BAM is not coordinate-sorted (SO:{sort_order}); run `samtools sort -o sorted.bam {path}`")
    if not bam.has_index():
        bam.close()
        raise InputError(f"{path}: BAM has no index; run `samtools index {path}`")
    return bam


def check_header(bam, bam_path: str, names: np.ndarray, lengths: np.ndarray, contigs_source: str) -> np.ndarray:
    """Map each contig to its BAM reference id; raise naming the first mismatch."""
    ref_len = dict(zip(bam.references, bam.lengths))
    ids = np.empty(len(names), dtype=np.int64)
    for i, (name, length) in enumerate(zip(names, lengths)):
        got = ref_len.get(str(name))
        if got is None:
            raise InputError(
                f"{bam_path}: contig '{name}' of {contigs_source} is not in the BAM header; "
                "map the reads against this contig FASTA (same names)"
            )
        if got != int(length):
            raise InputError(
                f"{bam_path}: contig '{name}' is {got} bp in the BAM header but {int(length)} bp in {contigs_source}; "
                "the BAM comes from another assembly: map the reads against this contig FASTA"
            )
        ids[i] = bam.get_tid(str(name))
    return ids


#: reads (the first that are mapped, primary and pass MAPQ) from which a sample's
#: identity threshold is set
IDENTITY_SAMPLE_READS = 10_000
#: a sample whose median aligned read length is above this many columns has long reads
LONG_READ_BP = 1000


def read_sample(reads, min_mapq: int) -> tuple[np.ndarray, np.ndarray]:
    """Identity ``(r,) float`` and aligned columns ``(r,) int`` of the first
    :data:`IDENTITY_SAMPLE_READS` usable ``reads`` (any iterable of pysam reads; no more
    are consumed)."""
    ident, cols = [], []
    usable = (r for r in reads if not r.flag & SKIP_FLAGS and r.mapping_quality >= min_mapq and r.has_tag("NM"))
    for read in itertools.islice(usable, IDENTITY_SAMPLE_READS):
        c = sum(n for op, n in read.cigartuples if op in _COLUMN_OPS)
        if c:
            ident.append(1.0 - read.get_tag("NM") / c)
            cols.append(c)
    return np.array(ident, dtype=float), np.array(cols, dtype=np.int64)


def is_long(cols: np.ndarray) -> bool:
    """Whether reads of aligned columns ``cols`` (:func:`read_sample`) are long reads."""
    return len(cols) > 0 and float(np.median(cols)) > LONG_READ_BP


def identity_threshold(ident: np.ndarray, cols: np.ndarray, min_identity: float, source: str) -> float:
    """The identity threshold of one sample from its read sample ``ident``, ``cols``
    (:func:`read_sample`): ``min_identity`` for short reads; for long reads (median
    aligned length > :data:`LONG_READ_BP`) ``min(min_identity, m - (1 - min_identity))``
    with ``m`` their median identity: the allowance below the reads' own accuracy that
    ``min_identity`` gives reads of ~100 % accuracy, so reads of a strain some % of ANI
    away fall under it as they do for short reads. On the suite's ONT-like reads (8 % errors): median identity 0.932, none
    >= 0.97, threshold 0.902."""
    if min_identity <= 0 or not is_long(cols):
        return min_identity
    m = float(np.median(ident))
    threshold = max(0.0, min(min_identity, m - (1.0 - min_identity)))
    if threshold < min_identity:
        log.info("%s: long reads (median %d aligned bp, median identity %.3f): identity threshold %.3f instead of "
                 "depth.min_identity %g (relative to the reads' own accuracy)", source, float(np.median(cols)), m,
                 threshold, min_identity)
    return threshold


class ReadProbe(NamedTuple):
    """What a sample's first reads say: whether they are long reads (:func:`is_long`),
    and the identity threshold its depths use (:func:`identity_threshold`)."""

    long_reads: bool
    min_identity: float


def probe_reads(reads, min_identity: float, min_mapq: int, source: str) -> ReadProbe:
    """:class:`ReadProbe` of one sample from its first :data:`IDENTITY_SAMPLE_READS`
    usable ``reads`` (any iterable of pysam reads; no more are consumed)."""
    ident, cols = read_sample(reads, min_mapq)
    return ReadProbe(is_long(cols), identity_threshold(ident, cols, min_identity, source))


def _passing_blocks(read, min_mapq: int, min_identity: float, source: str):
    """Aligned reference blocks ``[(start, end), ...]`` of a read that passes the filters
    (module docstring), else None. A one-operation CIGAR (most short reads) takes a fast
    path; measured faster than pysam's ``get_blocks`` + ``get_cigar_stats``, which build
    arrays for every read."""
    if read.flag & SKIP_FLAGS or read.mapping_quality < min_mapq:
        return None
    cigar = read.cigartuples
    pos = read.reference_start
    if len(cigar) == 1 and cigar[0][0] in _REF_BLOCK_OPS:
        columns = cigar[0][1]
        blocks = [(pos, pos + columns)]
    else:
        columns = 0
        blocks = []
        for op, n in cigar:
            if op in _COLUMN_OPS:
                columns += n
            if op in _REF_BLOCK_OPS:
                blocks.append((pos, pos + n))
                pos += n
            elif op in _REF_SKIP_OPS:
                pos += n
    if min_identity > 0 and columns:
        if not read.has_tag("NM"):
            raise InputError(
                f"{source}: read '{read.query_name}' has no NM tag, needed for depth.min_identity; "
                "map with minimap2 -a / bwa mem (which write NM) or set depth.min_identity: 0"
            )
        if 1.0 - read.get_tag("NM") / columns < min_identity:
            return None
    return blocks


def _statistic(cov: np.ndarray, statistic: str, trim_fraction: float, end_exclusion: int) -> float:
    """The per-contig depth of per-position depths ``cov (L,)``: ``end_exclusion`` bp at
    each end left out first (CoverM's contig end exclusion; kept whole when L <= 2 x it)."""
    if end_exclusion and len(cov) > 2 * end_exclusion:
        cov = cov[end_exclusion:len(cov) - end_exclusion]
    return trimmed_mean(cov, trim_fraction) if statistic == "trimmed_mean" else float(cov.mean())


def _no_reads_warning(source: str, min_mapq: int, min_identity: float) -> None:
    log.warning("%s: no read passes the filters (mapped, primary, MAPQ >= %d, identity >= %g) on these "
                "contigs; this sample has zero depth and will be dropped before training", source,
                min_mapq, min_identity)


class SampleDepth(NamedTuple):
    """One sample's depths (:func:`bam_depth`, :func:`stream_depth`): depth ``(n,)
    float32``, and whether its reads are long reads (:func:`is_long` of its first reads)."""

    depth: np.ndarray
    long_reads: bool


def bam_depth(bam_path: str | os.PathLike, names: np.ndarray, lengths: np.ndarray, statistic: str,
              trim_fraction: float, min_identity: float, min_mapq: int, *, end_exclusion: int,
              contigs_source: str = "the contigs") -> SampleDepth:
    """Depth of each contig ``(n,) float32`` in one sorted, indexed BAM (see module
    docstring), one contig at a time (memory: the longest contig)."""
    bam = _open_checked(bam_path)
    try:
        check_header(bam, str(bam_path), names, lengths, contigs_source)
        probe = probe_reads(bam.fetch(until_eof=True), min_identity, min_mapq, str(bam_path))
        min_identity = probe.min_identity
        out = np.zeros(len(names), dtype=np.float32)
        n_used = 0
        for i, (name, length) in enumerate(zip(names, lengths)):
            starts: list[int] = []
            ends: list[int] = []
            for read in bam.fetch(str(name)):
                blocks = _passing_blocks(read, min_mapq, min_identity, str(bam_path))
                if blocks:
                    starts.extend(b[0] for b in blocks)
                    ends.extend(b[1] for b in blocks)
            if not starts:
                continue
            n_used += len(starts)
            ends_a = np.minimum(np.array(ends, dtype=np.int64), int(length))
            cov = coverage_from_blocks(np.array(starts, dtype=np.int64), ends_a, int(length))
            out[i] = _statistic(cov, statistic, trim_fraction, end_exclusion)
    finally:
        bam.close()
    if n_used == 0:
        _no_reads_warning(str(bam_path), min_mapq, min_identity)
    return SampleDepth(out, probe.long_reads)


#: aligned blocks collected before they are added into the coverage difference array
FLUSH_BLOCKS = 1 << 20


def stream_depth(alignments, source: str, names: np.ndarray, lengths: np.ndarray, statistic: str,
                 trim_fraction: float, min_identity: float, min_mapq: int, *, end_exclusion: int,
                 contigs_source: str = "the contigs") -> SampleDepth:
    """Depth of each contig ``(n,) float32`` from alignments in any order: an open
    ``pysam.AlignmentFile`` (SAM/BAM, e.g. minimap2's output on a pipe), no sort or index
    needed. Same filters and statistic as :func:`bam_depth` (equal results; for long reads
    the identity threshold comes from the first reads of the stream rather than of the
    sorted file, so it can differ in the third decimal).

    Coverage accumulates in one difference array over all contigs (4 bytes per contig
    bp plus one per contig), blocks added in batches of :data:`FLUSH_BLOCKS`."""
    ids = check_header(alignments, source, names, lengths, contigs_source)
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=offsets[1:])  # one spare slot after each contig takes its block ends
    slot = np.full(alignments.nreferences, -1, dtype=np.int64)  # header reference id -> contig index
    slot[ids] = np.arange(len(names))
    diff = np.zeros(int(offsets[-1]), dtype=np.int32)
    starts: list[int] = []
    ends: list[int] = []
    n_used = 0

    def flush() -> None:
        np.add.at(diff, np.array(starts, dtype=np.int64), 1)
        np.add.at(diff, np.array(ends, dtype=np.int64), -1)
        starts.clear()
        ends.clear()

    stream = iter(alignments)
    head = list(itertools.islice(stream, IDENTITY_SAMPLE_READS))  # the reads that set the threshold
    probe = probe_reads(head, min_identity, min_mapq, source)
    min_identity = probe.min_identity
    for read in itertools.chain(head, stream):
        tid = read.reference_id
        if tid < 0 or slot[tid] < 0:
            continue
        blocks = _passing_blocks(read, min_mapq, min_identity, source)
        if not blocks:
            continue
        i = slot[tid]
        off, length = int(offsets[i]), int(lengths[i])
        starts.extend(off + b[0] for b in blocks)
        ends.extend(off + min(b[1], length) for b in blocks)
        n_used += 1
        if len(starts) >= FLUSH_BLOCKS:
            flush()
    flush()
    out = np.zeros(len(names), dtype=np.float32)
    for i, length in enumerate(lengths.tolist()):
        seg = diff[offsets[i] : offsets[i] + length]
        if seg.any():
            out[i] = _statistic(np.cumsum(seg, dtype=np.int32), statistic, trim_fraction, end_exclusion)
    if n_used == 0:
        _no_reads_warning(source, min_mapq, min_identity)
    return SampleDepth(out, probe.long_reads)


def compute_depth(bams: list[str | os.PathLike], names: np.ndarray, lengths: np.ndarray, opts: DepthOptions,
                  threads: int = 1, samples: list[str] | None = None, contigs_source: str = "the contigs") -> Abundance:
    """Depth matrix ``(n_contigs, n_samples)`` from one BAM per sample, BAMs in parallel
    processes (at most ``threads``). Sample names default to the BAM file stems."""
    if not bams:
        raise InputError("no BAM files given; pass one coordinate-sorted, indexed BAM per sample")
    if samples is None:
        samples = [Path(b).name.removesuffix(".bam") for b in bams]
    if len(samples) != len(bams):
        raise InputError(f"{len(bams)} BAM files but {len(samples)} sample names; give one name per BAM")
    if len(set(samples)) != len(samples):
        raise InputError(f"duplicate sample names {samples}; name each BAM's sample uniquely (--samples)")
    kwargs = dict(statistic=opts.statistic, trim_fraction=opts.trim_fraction, min_identity=opts.min_identity,
                  min_mapq=opts.min_mapq, end_exclusion=opts.end_exclusion, contigs_source=contigs_source)
    for b in bams:  # fail fast, before any work, on a missing/unsorted/unindexed BAM
        _open_checked(b).close()
    workers = max(1, min(threads, len(bams)))
    if workers == 1:
        parts = [bam_depth(b, names, lengths, **kwargs) for b in bams]
    else:
        # fork: workers need only numpy + pysam, and spawn cannot re-import a stdin or
        # Snakemake-script __main__; depth runs before any torch thread pool exists.
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(bam_depth, str(b), names, lengths, **kwargs) for b in bams]
            parts = [f.result() for f in futures]
    depth = np.stack([p.depth for p in parts], axis=1).astype(np.float32)
    long_reads = np.array([p.long_reads for p in parts], dtype=bool)
    return Abundance(np.asarray(names, dtype=str), np.array(samples, dtype=str), depth, long_reads)


def merge(parts: list[Abundance], sources: list[str]) -> Abundance:
    """Concatenate per-sample depth tables column-wise (same contigs, in order)."""
    if not parts:
        raise InputError("no depth files to merge")
    for p, src in zip(parts[1:], sources[1:]):
        check_same_contigs(parts[0].names, sources[0], p.names, src)
    samples = np.concatenate([p.samples for p in parts])
    if len(set(samples.tolist())) != len(samples):
        raise InputError(f"duplicate sample names across {', '.join(sources)}; each sample must appear once")
    return Abundance(parts[0].names, samples, np.concatenate([p.depth for p in parts], axis=1),
                     np.concatenate([p.long_reads for p in parts]))


def read_depth_table(path: str | os.PathLike) -> Abundance:
    """Read a precomputed depth TSV.

    Accepts MetaBAT's ``jgi_summarize_bam_contig_depths`` output (columns contigName,
    contigLen, totalAvgDepth, then ``<sample>`` and ``<sample>-var`` pairs: the depth
    columns are kept, the ``-var`` ones dropped) or a plain table whose first column is
    the contig name and every other column one sample's depth.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: depth table not found; check the path")
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    if len(rows) < 2:
        raise InputError(f"{path}: depth table has no data rows; give a header line and one row per contig")
    header = rows[0]
    if header[:3] == ["contigName", "contigLen", "totalAvgDepth"]:
        cols = [i for i in range(3, len(header)) if not header[i].endswith("-var")]
    else:
        cols = list(range(1, len(header)))
    if not cols:
        raise InputError(f"{path}: no sample columns in the header {header}; give contig then one column per sample")
    names, values = [], []
    for lineno, row in enumerate(rows[1:], 2):
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(f"{path}: line {lineno} has {len(row)} fields, the header {len(header)}; fix the table")
        try:
            values.append([float(row[i]) for i in cols])
        except ValueError:
            raise InputError(f"{path}: line {lineno} (contig {row[0]}): a depth is not a number; fix the table") from None
        names.append(row[0])
    depth = np.array(values, dtype=np.float32)
    if (depth < 0).any() or not np.isfinite(depth).all():
        raise InputError(f"{path}: depths must be finite and >= 0; fix the table")
    samples = [Path(header[i]).name.removesuffix(".bam") for i in cols]
    return Abundance(np.array(names, dtype=str), np.array(samples, dtype=str), depth)


def align_to(abundance: Abundance, names: np.ndarray, source: str) -> Abundance:
    """Reorder a depth table (e.g. read from TSV) to ``names``; every contig must be there."""
    index = {n: i for i, n in enumerate(abundance.names.tolist())}
    missing = [n for n in names.tolist() if n not in index]
    if missing:
        raise InputError(f"{source}: contig '{missing[0]}' ({len(missing)} in all) has no depth row; "
                         "the depth table must cover every contig of the FASTA")
    order = np.array([index[n] for n in names.tolist()], dtype=np.int64)
    return Abundance(np.asarray(names, dtype=str), abundance.samples, abundance.depth[order], abundance.long_reads)


def usable(depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What training can use of a depth matrix ``(n, s)``: (contig mask ``(n,) bool``,
    sample mask ``(s,) bool``). A sample with zero depth on every contig (no read mapped)
    is dropped; a contig with zero depth in every kept sample is set aside."""
    samples = depth.sum(axis=0) > 0
    contigs = depth[:, samples].sum(axis=1) > 0
    return contigs, samples
