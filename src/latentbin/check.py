"""Input validation before any heavy job: the one owner of "is this input usable?".

Each ``check_*`` function raises one :class:`~latentbin.errors.InputError` line naming
the file, the record (or line) and the fix for the first problem of its input, and
returns warning lines (facts worth a look that do not stop a run). :func:`check_run`
runs every check that applies and collects *all* problems into a :class:`CheckReport`.

Quick checks read only the head of each read file (seconds). The full streaming pass,
:func:`fastq_integrity` / :func:`check_pair_counts` / :func:`check_sample_integrity`,
reads every record (gzip decompressed by zlib, records checked in numpy) and is meant
for a per-sample job that runs before mapping: a truncated gzip FASTQ then fails there
instead of mapping half of its reads.

>>> report = CheckReport()
>>> with report.collect():
...     raise InputError("x.fq: file is empty; give the reads")
>>> report.ok, report.lines()
(False, ['error: x.fq: file is empty; give the reads'])
"""

from __future__ import annotations

import gzip
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from .checkm2 import checkm2_db
from .config import validate
from .contigs import NameChecker, iter_fasta, multisplit_name, open_maybe_gzip, sample_of
from .depth import _open_checked, align_to, check_header, read_depth_table, usable
from .errors import InputError
from .options import VAMB_NETWORK
from .samples import Sample, read_sample_sheet

PathLike = str | os.PathLike
#: records of each read file read by the quick check (R1/R2 names compared on these)
HEAD_RECORDS = 1000
_CHUNK = 1 << 20  # bytes per read in the full pass (also the precision of gzip error positions)
_GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


class CheckFailed(InputError):
    """Several input problems; the message holds one line per problem (``problems``)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass
class CheckReport:
    """Everything :func:`check_run` found: errors (each one line), warnings and facts."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check found an error."""
        return not self.errors

    @contextmanager
    def collect(self) -> Iterator[None]:
        """Record an :class:`InputError` raised in the block as an error and carry on."""
        try:
            yield
        except InputError as exc:
            self.errors.extend(getattr(exc, "problems", None) or [str(exc)])

    def lines(self) -> list[str]:
        """Errors, then warnings, then facts, one line each with its level."""
        return ([f"error: {e}" for e in self.errors] + [f"warning: {w}" for w in self.warnings]
                + [f"ok: {f}" for f in self.facts])

    def raise_if_errors(self) -> None:
        """Raise :class:`CheckFailed` (an :class:`InputError`), one line per error, if any."""
        if self.errors:
            raise CheckFailed(self.errors)


@contextmanager
def gzip_errors(path: PathLike, where: str = "the start of the file") -> Iterator[None]:
    """Turn zlib/gzip failures inside the block into one :class:`InputError` line."""
    try:
        yield
    except _GZIP_ERRORS as exc:
        raise InputError(f"{path}: gzip stream is truncated or corrupt at {where} ({exc}); "
                         "re-download or re-copy the file") from None


# ----------------------------------------------------------------------------- contigs
@dataclass(frozen=True)
class ContigsSummary:
    """Contigs of one or more FASTA files: ``total`` records read; names ``(k,) str`` and
    lengths ``(k,) int64`` of the ``k`` contigs kept (>= contigs.min_length); the longest
    record read (bp)."""

    source: str
    total: int
    names: np.ndarray
    lengths: np.ndarray
    longest: int

    @property
    def kept(self) -> int:
        return len(self.names)


def _no_contig_kept(source: str, min_length: int, longest: int) -> InputError:
    return InputError(f"{source}: no contig of at least {min_length} bp (longest {longest} bp); "
                      "lower contigs.min_length or check the file")


def check_contigs(path: PathLike, min_length: int, require: bool = True, prefix: str | None = None,
                  separator: str = "C") -> ContigsSummary:
    """Parse a contig FASTA(.gz) fully: FASTA syntax and IUPAC characters (reader),
    unique names, printable names; count the contigs >= ``min_length``.

    ``require``: raise when no contig is long enough (naming contigs.min_length).
    ``prefix``: the sample of a per_sample assembly; kept names become
    ``<prefix><separator><name>`` as in the catalogue.
    """
    names_seen = NameChecker(str(path))
    names: list[str] = []
    lengths: list[int] = []
    total = longest = 0
    with gzip_errors(path, "a contig record"):
        for name, seq in iter_fasta(path):
            total += 1
            names_seen.add(name)
            if not name.isprintable():
                raise InputError(f"{path}: record {total} ({name!r}): contig name has a non-printable character; "
                                 "rename the contig (letters, digits, punctuation)")
            longest = max(longest, len(seq))
            if len(seq) >= min_length:
                names.append(multisplit_name(prefix, name, separator) if prefix else name)
                lengths.append(len(seq))
    if require and not names:
        raise _no_contig_kept(str(path), min_length, longest)
    return ContigsSummary(str(path), total, np.array(names, dtype=str), np.array(lengths, dtype=np.int64), longest)


def check_multisplit_names(summary: ContigsSummary, separator: str) -> None:
    """Multi-split binning of a co-assembly: every contig name needs a sample prefix."""
    try:
        sample_of(summary.names, separator)
    except InputError as exc:
        raise InputError(f"{summary.source}: {exc}") from None


# ----------------------------------------------------------------------------- reads (quick)
def _read_name(header: bytes) -> bytes:
    """Record name for R1/R2 comparison: first word without '@'/'>' and a /1 or /2 suffix."""
    words = header[1:].split(maxsplit=1)
    name = words[0] if words else b""
    return name[:-2] if name.endswith((b"/1", b"/2")) else name


def _mate(header: bytes) -> int | None:
    """Mate number a FASTQ header states (``name/2`` or Casava ``name 2:N:0:...``), if any."""
    words = header[1:].split()
    if words and words[0][-2:] in (b"/1", b"/2"):
        return int(words[0][-1:])
    if len(words) > 1 and words[1][:2] in (b"1:", b"2:"):
        return int(words[1][:1])
    return None


def _head(path: PathLike, n: int, allow_fasta: bool, label: str) -> tuple[str, list[bytes], bytes]:
    """Format (``fastq``/``fasta``), record names of the first ``n`` records and the first
    line of a read file."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: read file ({label}) not found; check the path in the sample sheet")
    if os.path.getsize(path) == 0:
        raise InputError(f"{path}: read file ({label}) is empty; give the sample's reads (FASTQ, optionally gzipped)")
    names: list[bytes] = []
    with gzip_errors(path, f"one of the first {n} records"), open_maybe_gzip(path) as fh:
        first = fh.readline(1 << 16)
        if first.startswith(b">"):
            if not allow_fasta:
                raise InputError(f"{path}: line 1: file is FASTA, not FASTQ ({label}); short reads must be FASTQ "
                                 "(check the column, or give FASTA long reads in column 'long')")
            return "fasta", [_read_name(first)], first
        if not first.startswith(b"@"):
            shown = first[:20].decode("ascii", "replace").rstrip()
            what = "FASTQ or FASTA" if allow_fasta else "FASTQ"
            raise InputError(f"{path}: line 1 does not start with '@' (starts with {shown!r}); "
                             f"give the reads as {what}, optionally gzipped ({label})")
        header = first
        while header and len(names) < n:
            rec = len(names) + 1
            seq, plus, qual = fh.readline(), fh.readline(), fh.readline()
            _check_record(path, rec, header, seq, plus, qual)
            names.append(_read_name(header))
            header = fh.readline()
    return "fastq", names, first


def _check_record(path: PathLike, rec: int, header: bytes, seq: bytes, plus: bytes, qual: bytes) -> None:
    """One FASTQ record: '@' header with a name, '+' line, sequence and qualities of one length."""
    line = 4 * (rec - 1) + 1
    if not qual:
        got = 1 + bool(seq) + bool(plus)
        raise InputError(f"{path}: record {rec} (line {line}) has {got} of 4 lines at the end of the file: "
                         "the file is truncated; re-download or re-copy it")
    if not header.startswith(b"@") or not _read_name(header):
        raise InputError(f"{path}: record {rec} (line {line}): header does not start with '@name'; "
                         "the file is not 4-line FASTQ or is damaged: re-create or re-download it")
    if not plus.startswith(b"+"):
        raise InputError(f"{path}: record {rec} (line {line + 2}): third line does not start with '+'; "
                         "FASTQ records must have 4 lines (multi-line FASTQ is not supported): re-create the file")
    n_seq, n_qual = len(seq.rstrip(b"\r\n")), len(qual.rstrip(b"\r\n"))
    if n_seq != n_qual:
        raise InputError(f"{path}: record {rec} (line {line}): sequence has {n_seq} bases but {n_qual} quality "
                         "values; the file is damaged or truncated: re-create or re-download it")


def check_reads(sample: Sample, n_records: int = HEAD_RECORDS) -> list[str]:
    """Quick check of one sample's read files (first ``n_records`` records of each):
    exist, non-empty, FASTQ (long reads: FASTQ or FASTA), gzip readable so far, and for
    pairs the same record names in r1 and r2 (``/1`` ``/2`` suffixes and comments
    ignored). Returns warnings (r1 and r2 swapped)."""
    if sample.long:
        _head(sample.long, n_records, True, f"sample '{sample.name}', column 'long'")
        return []
    _, names1, first1 = _head(sample.r1, n_records, False, f"sample '{sample.name}', column 'r1'")
    if not sample.r2:
        return []
    if os.path.realpath(sample.r1) == os.path.realpath(sample.r2):
        raise InputError(f"{sample.r2}: sample '{sample.name}': columns 'r1' and 'r2' name the same file; "
                         "give the reverse mates in r2 (or leave r2 empty for single-end reads)")
    _, names2, first2 = _head(sample.r2, n_records, False, f"sample '{sample.name}', column 'r2'")
    for rec, (a, b) in enumerate(zip(names1, names2), 1):
        if a != b:
            raise InputError(
                f"{sample.r2}: record {rec} (line {4 * rec - 3}) is '{b.decode('ascii', 'replace')}' but record {rec} "
                f"of {sample.r1} is '{a.decode('ascii', 'replace')}' (sample '{sample.name}'); r1 and r2 must hold "
                "the mates of the same reads in the same order: give the matching R2 file")
    if len(names1) != len(names2) and min(len(names1), len(names2)) < n_records:
        raise InputError(f"{sample.r2}: {len(names2)} records but {len(names1)} in {sample.r1} (sample "
                         f"'{sample.name}'); paired files must have the same number of reads: re-create or "
                         "re-download the shorter one")
    if (_mate(first1), _mate(first2)) == (2, 1):
        return [f"{sample.r1}: sample '{sample.name}': column 'r1' holds reverse mates (mate 2) and 'r2' forward "
                "ones; swap the two columns (mapping works either way)"]
    return []


# ----------------------------------------------------------------------------- reads (full pass)
class _RecordScanner:
    """Streaming 4-line FASTQ (or FASTA header) checks over byte chunks, in numpy."""

    def __init__(self, path: PathLike, fasta: bool) -> None:
        self.path, self.fasta = path, fasta
        self.records = 0
        self.bytes = 0
        self.carry = b""
        self.started = False

    def feed(self, chunk: bytes) -> None:
        """Check the complete records (FASTQ: 4 lines; FASTA: lines) in carry + chunk."""
        self.bytes += len(chunk)
        buf = self.carry + chunk
        arr = np.frombuffer(buf, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        n_full = len(ends) if self.fasta else len(ends) // 4 * 4
        if n_full:
            starts = np.concatenate(([0], ends[: n_full - 1] + 1))
            if self.fasta:
                self._check_fasta(arr, starts)
            else:
                self._check_fastq(arr, starts, ends[:n_full])
            buf = buf[ends[n_full - 1] + 1:]
        self.carry = buf

    def finish(self) -> None:
        """End of file: a last line without newline is checked; a partial record is an error."""
        if self.carry and not self.carry.endswith(b"\n"):
            self.feed(b"\n")
        if self.carry.strip():
            n_lines = self.carry.count(b"\n")
            raise InputError(f"{self.path}: record {self.records + 1} (line {4 * self.records + 1}) has {n_lines} "
                             "of 4 lines at the end of the file: the file is truncated; re-download or re-copy it")

    def _check_fasta(self, arr: np.ndarray, starts: np.ndarray) -> None:
        first = arr[starts]
        if not self.started:
            nonblank = np.flatnonzero(first != 10)
            if len(nonblank):
                self.started = True
                if first[nonblank[0]] != ord(">"):
                    raise InputError(f"{self.path}: line {nonblank[0] + 1} is not a FASTA header ('>'); "
                                     "give the long reads as FASTQ or FASTA, optionally gzipped")
        self.records += int((first == ord(">")).sum())

    def _check_fastq(self, arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        s, e = starts.reshape(-1, 4), ends.reshape(-1, 4)
        cr = (e > s) & (arr[np.maximum(e - 1, 0)] == 13)
        length = e - s - cr
        ok_head = (arr[s[:, 0]] == ord("@")) & (length[:, 0] > 1)
        ok_plus = arr[s[:, 2]] == ord("+")
        ok_len = length[:, 1] == length[:, 3]
        bad = ~(ok_head & ok_plus & ok_len)
        if bad.any():
            i = int(np.argmax(bad))
            lines = [bytes(arr[s[i, k]: e[i, k]]) for k in range(4)]
            _check_record(self.path, self.records + i + 1, *lines)
            raise InputError(f"{self.path}: record {self.records + i + 1}: header has no read name; "
                             "the file is damaged: re-create or re-download it")
        self.records += len(s)


def fastq_integrity(path: PathLike, allow_fasta: bool = False) -> int:
    """Read a FASTQ(.gz) fully and return its number of records.

    Raises :class:`InputError` on a truncated or corrupt gzip stream, a record that is
    not 4-line FASTQ ('@' header, sequence, '+', qualities of the sequence's length) or
    a file that ends inside a record. ``allow_fasta``: long reads may be FASTA (then
    the records are counted by their '>' headers).
    """
    kind, _, _ = _head(path, 1, allow_fasta, "full check")
    scanner = _RecordScanner(path, fasta=kind == "fasta")
    with open_maybe_gzip(path) as fh:
        while True:
            with gzip_errors(path, f"or after record {scanner.records + 1} (uncompressed byte {scanner.bytes})"):
                chunk = fh.read(_CHUNK)
            if not chunk:
                break
            scanner.feed(chunk)
    scanner.finish()
    if scanner.records == 0:
        raise InputError(f"{path}: no reads; give the sample's reads")
    return scanner.records


def check_pair_counts(r1: PathLike, r2: PathLike, threads: int = 2) -> int:
    """Full pass over both mate files (in parallel: zlib and numpy release the GIL);
    raise unless they hold the same number of records. Returns that number."""
    with ThreadPoolExecutor(max_workers=max(1, min(threads, 2))) as pool:
        n1, n2 = pool.map(fastq_integrity, [r1, r2])
    if n1 != n2:
        raise InputError(f"{r2}: {n2} records but {n1} in {r1}; paired files must have the same number of reads: "
                         "re-create or re-download the shorter one")
    return n1


def check_sample_integrity(sample: Sample, threads: int = 2) -> int:
    """Full pass over one sample's read files (see :func:`fastq_integrity`); returns the
    number of reads (read pairs for paired samples)."""
    if sample.long:
        return fastq_integrity(sample.long, allow_fasta=True)
    if sample.r2:
        return check_pair_counts(sample.r1, sample.r2, threads)
    return fastq_integrity(sample.r1)


# ----------------------------------------------------------------------------- BAMs, depth table
def _index_paths(path: Path) -> list[Path]:
    return [Path(f"{path}.bai"), path.with_suffix(".bai"), Path(f"{path}.csi")]


def check_bam(path: PathLike, names: np.ndarray, lengths: np.ndarray, contigs_source: str) -> list[str]:
    """A BAM given instead of reads: exists, coordinate-sorted, indexed, made against
    these contigs (every name present with the same length). Returns warnings (an index
    older than its BAM)."""
    bam = _open_checked(path)
    try:
        check_header(bam, str(path), names, lengths, contigs_source)
    finally:
        bam.close()
    path = Path(path)
    index = next((p for p in _index_paths(path) if p.is_file()), None)
    if index is not None and index.stat().st_mtime < path.stat().st_mtime:
        return [f"{path}: index {index.name} is older than the BAM; if the BAM was rewritten, "
                f"run `samtools index {path}` again"]
    return []


def check_depth_table(path: PathLike, names: np.ndarray) -> list[str]:
    """A depth table given instead of reads: readable, covers every contig. Returns
    warnings (samples with no depth, contigs with no depth anywhere)."""
    ab = align_to(read_depth_table(path), np.asarray(names, dtype=str), str(path))
    contigs_ok, samples_ok = usable(ab.depth)
    out = []
    if not samples_ok.all():
        dead = ab.samples[~samples_ok].tolist()
        out.append(f"{path}: sample column '{dead[0]}' ({len(dead)} in all) is zero for every contig; "
                   "it will be dropped before training")
    if samples_ok.any() and not contigs_ok.all():
        out.append(f"{path}: {int((~contigs_ok).sum())} of {len(contigs_ok)} contigs have zero depth in every "
                   "sample; they will be set aside, unbinned")
    return out


# ----------------------------------------------------------------------------- config, samples
def check_config(cfg: Mapping[str, Any], n_contigs: int | None = None, source: str = "config") -> list[str]:
    """Config values the schema cannot relate (``cfg`` validated): raise on an
    unusable combination, return warnings for ones that work but may surprise."""
    vae = cfg["vae"]
    first = vae["hidden"][0] if vae["hidden"] is not None else min(h[0] for h, _ in VAMB_NETWORK.values())
    if vae["latent"] >= first:
        raise InputError(f"{source}: key 'vae.latent' ({vae['latent']}) must be smaller than the first hidden layer "
                         f"vae.hidden[0] ({first}); lower vae.latent or widen vae.hidden")
    checkm2_db(cfg)
    out = []
    if n_contigs is not None and n_contigs < vae["batch_size"]:
        out.append(f"{source}: key 'vae.batch_size' ({vae['batch_size']}) is more than the {n_contigs} contigs; "
                   "training lowers it, but so few contigs bin poorly")
    clu = cfg["cluster"]
    if n_contigs is not None and clu["method"] == "hdbscan" and n_contigs < clu["min_cluster_size"]:
        out.append(f"{source}: key 'cluster.min_cluster_size' ({clu['min_cluster_size']}) is more than the "
                   f"{n_contigs} contigs; every contig will be unbinned")
    return out


def check_samples(samples: Sequence[Sample], source: str = "the sample sheet") -> None:
    """At least one sample."""
    if not samples:
        raise InputError(f"{source}: no samples; add one row per sample (or give BAMs or a depth table)")


# ----------------------------------------------------------------------------- everything
def _contig_inputs(contigs: PathLike | Sequence[PathLike] | None, cfg: Mapping[str, Any],
                   samples: Sequence[Sample] | None) -> list[tuple[str, str | None]]:
    """(FASTA path, multi-split prefix or None) of each assembly to check."""
    if contigs is None:
        if cfg["assembly"]["mode"] == "per_sample" and samples:
            return [(s.contigs, s.name) for s in samples if s.contigs]
        return [(cfg["assembly"]["contigs"], None)] if cfg["assembly"]["contigs"] else []
    if isinstance(contigs, (str, os.PathLike)):
        return [(str(contigs), None)]
    return [(str(c), None) for c in contigs]


def _check_all_contigs(report: CheckReport, inputs: list[tuple[str, str | None]],
                       cfg: Mapping[str, Any]) -> ContigsSummary | None:
    """Check each assembly; the union of the kept contigs, or None when any failed."""
    min_length, separator = cfg["contigs"]["min_length"], cfg["assembly"]["separator"]
    parts: list[ContigsSummary] = []
    for path, prefix in inputs:
        with report.collect():
            part = check_contigs(path, min_length, require=len(inputs) == 1, prefix=prefix, separator=separator)
            parts.append(part)
            report.facts.append(f"{path}: {part.total} contigs, {part.kept} of at least {min_length} bp kept "
                                "(contigs.min_length)")
            if part.kept == 0:
                report.warnings.append(f"{path}: no contig of at least {min_length} bp; this assembly adds nothing")
    if len(parts) != len(inputs) or not parts:
        return None
    source = ", ".join(p.source for p in parts)
    summary = ContigsSummary(source, sum(p.total for p in parts), np.concatenate([p.names for p in parts]),
                             np.concatenate([p.lengths for p in parts]), max(p.longest for p in parts))
    with report.collect():
        if summary.kept == 0:
            raise _no_contig_kept(source, min_length, summary.longest)
        if cfg["cluster"]["multisplit"] and cfg["assembly"]["mode"] == "coassembly":
            check_multisplit_names(summary, separator)
    return summary


def _validated(report: CheckReport, cfg: Mapping[str, Any], source: str) -> dict:
    """``cfg`` validated with defaults, or (its problem recorded) the defaults alone."""
    with report.collect():
        return validate(cfg, source)
    return validate({})  # defaults, so the other checks still run


def _read_sheet(report: CheckReport, sheet: PathLike, cfg: Mapping[str, Any]) -> list[Sample] | None:
    """The sample sheet's rows, or None (its problem recorded) when it cannot be read."""
    with report.collect():
        return read_sample_sheet(sheet, cfg["assembly"]["mode"] == "per_sample", cfg["assembly"]["separator"])
    return None


def check_run(contigs: PathLike | Sequence[PathLike] | None, cfg: Mapping[str, Any],
              samples: Sequence[Sample] | PathLike | None = None, bams: Sequence[PathLike] | None = None,
              depth_table: PathLike | None = None, full_reads: bool = False,
              n_records: int = HEAD_RECORDS, config_source: str = "config") -> CheckReport:
    """Every check that applies to a run, all problems collected (none raised).

    ``contigs``: the assembly FASTA (or several); None = ``assembly.contigs``, or each
    sample's ``contigs`` in per_sample mode. ``samples``: Sample rows or a sample sheet
    path. ``bams`` / ``depth_table``: depth inputs given instead of reads.
    ``full_reads``: also the full streaming pass over every read file (slow).
    ``config_source``: the config file(s) behind ``cfg``, named in config messages.
    """
    report = CheckReport()
    cfg = _validated(report, cfg, config_source)
    sheet_failed = False
    if isinstance(samples, (str, os.PathLike)):
        samples = _read_sheet(report, samples, cfg)
        sheet_failed = samples is None
    inputs = _contig_inputs(contigs, cfg, samples)
    with report.collect():
        if not inputs:
            raise InputError("no contig FASTA given; set assembly.contigs (or pass the contigs file)")
    summary = _check_all_contigs(report, inputs, cfg) if inputs else None
    if not sheet_failed and not (bams or depth_table):
        with report.collect():
            check_samples(samples or [])
    for sample in samples or []:
        with report.collect():
            report.warnings.extend(check_reads(sample, n_records))
            if full_reads:
                n = check_sample_integrity(sample)
                report.facts.append(f"sample '{sample.name}': {n} reads, files complete")
    if summary is not None:
        for bam in bams or []:
            with report.collect():
                report.warnings.extend(check_bam(bam, summary.names, summary.lengths, summary.source))
        if depth_table:
            with report.collect():
                report.warnings.extend(check_depth_table(depth_table, summary.names))
    with report.collect():
        report.warnings.extend(check_config(cfg, summary.kept if summary else None, config_source))
    return report
