"""Contig FASTA input: streaming reader, validation, length filter, multi-split names.

>>> import io, gzip
>>> [(n, len(s)) for n, s in iter_fasta_handle(io.BytesIO(b">a x\\nACGT\\nAC\\n>b\\nGG\\n"), "mem")]
[('a', 6), ('b', 2)]
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

import numpy as np

from ._io import atomic_path
from .errors import InputError

# Bytes allowed in sequence lines: IUPAC nucleotide codes, either case, plus gap/stop.
_ALLOWED = b"ACGTURYSWKMBDHVNacgturyswkmbdhvn-.*"


def open_maybe_gzip(path: str | os.PathLike) -> BinaryIO:
    """Open a file for binary reading, gunzipping when it starts with the gzip magic."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found; check the path")
    fh = open(path, "rb")
    magic = fh.read(2)
    fh.seek(0)
    if magic == b"\x1f\x8b":
        fh.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return fh


#: bytes read per block by :func:`iter_fasta_handle`
READ_BLOCK = 1 << 24


def _record(chunk: bytes, lineno: int, source: str) -> tuple[str, bytes]:
    """One record ``>header\nsequence lines`` starting at line ``lineno`` -> (name, upper-case
    sequence); the whole record is checked at once, the line number found only on error."""
    header, _, body = chunk.partition(b"\n")
    fields = header[1:].split()
    if not fields:
        raise InputError(f"{source}: line {lineno}: header with no name; give every record a name after '>'")
    try:
        name = fields[0].decode("ascii")
    except UnicodeDecodeError:
        raise InputError(f"{source}: line {lineno}: contig name is not ASCII; rename the contig") from None
    seq = body.translate(None, b"\r\n")
    bad = seq.translate(None, _ALLOWED)
    if bad and not bad.strip():  # spaces/tabs inside sequence lines are tolerated
        seq, bad = b"".join(seq.split()), b""
    if bad:
        char = bad.strip()[:1]
        line = lineno + 1 + body[: body.index(char)].count(b"\n")
        raise InputError(
            f"{source}: line {line} (contig {name}): invalid sequence character "
            f"{char.decode('ascii', 'replace')!r}; only IUPAC nucleotide codes are allowed"
        )
    return name, seq.upper()


def iter_fasta_handle(fh: BinaryIO, source: str) -> Iterator[tuple[str, bytes]]:
    """Yield (name, sequence) from an open binary FASTA handle; sequence upper-cased.

    The name is the header up to the first whitespace. Raises :class:`InputError` on a
    file that is not FASTA, an empty name or a sequence line with non-IUPAC bytes.

    Reads blocks of :data:`READ_BLOCK` bytes and cuts them at record starts (``\n>``),
    checking each record with one ``bytes.translate``: ~4x faster than a loop over lines
    on 80-column FASTA, same records and messages.
    """
    pending = b""
    lineno = 1  # line number of the first line of ``pending``
    started = False  # past the blank lines before the first header
    read_any = False
    while True:
        block = fh.read(READ_BLOCK)
        read_any = read_any or bool(block)
        data = pending + block
        if not started:
            stripped = data.lstrip(b"\r\n")
            skipped = data[: len(data) - len(stripped)]
            if stripped and not stripped.startswith(b">"):
                if block and b"\n" not in stripped and len(stripped) <= 20:
                    pending = data  # read on: the message shows the line's first 20 bytes
                    continue
                first = stripped.split(b"\n", 1)[0].rstrip(b"\r")
                shown = first[:20].decode("ascii", "replace")
                at = lineno + skipped.count(b"\n")
                raise InputError(
                    f"{source}: line {at} is not a FASTA header (starts with {shown!r}); "
                    "give a FASTA file of contigs ('>name' lines followed by sequence)"
                )
            if stripped:
                started = True
                lineno += skipped.count(b"\n")
                data = stripped
            elif block:
                pending = data
                continue
        if block:
            cut = data.rfind(b"\n>")
            if cut < 0:
                pending = data
                continue
            complete, pending = data[:cut], data[cut + 1 :]
        else:
            complete, pending = data, b""
        if complete:
            for i, chunk in enumerate(complete.split(b"\n>")):
                if i:  # the split took the '>' of every record but the first (which starts ``complete``)
                    chunk = b">" + chunk
                yield _record(chunk, lineno, source)
                lineno += chunk.count(b"\n") + 1
        if not block:
            break
    if not read_any:
        raise InputError(f"{source}: file is empty; give a FASTA file of contigs")
    if not started:
        raise InputError(f"{source}: no FASTA record ('>name' line); give a FASTA file of contigs")


def iter_fasta(path: str | os.PathLike) -> Iterator[tuple[str, bytes]]:
    """Yield (name, upper-case sequence) from a FASTA or FASTA.gz file, streaming.

    A truncated or corrupt gzip file is an :class:`InputError`, not a traceback."""
    with open_maybe_gzip(path) as fh:
        try:
            yield from iter_fasta_handle(fh, str(path))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(f"{path}: gzip stream is truncated or corrupt ({exc}); re-download or re-copy "
                             "the file") from None


class NameChecker:
    """Reject duplicate contig names with a message naming the file and the record."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.seen: set[str] = set()

    def add(self, name: str) -> None:
        if name in self.seen:
            raise InputError(
                f"{self.source}: duplicate contig name '{name}'; contig names must be unique "
                "(rename them, e.g. with a sample prefix)"
            )
        self.seen.add(name)


def iter_filtered(path: str | os.PathLike, min_length: int) -> Iterator[tuple[str, bytes]]:
    """Yield records of at least ``min_length`` bp, checking all names for duplicates."""
    names = NameChecker(str(path))
    for name, seq in iter_fasta(path):
        names.add(name)
        if len(seq) >= min_length:
            yield name, seq


def read_names_lengths(path: str | os.PathLike, min_length: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Names ``(n,) str`` and lengths ``(n,) int64`` of contigs >= ``min_length`` bp."""
    names, lengths = [], []
    for name, seq in iter_filtered(path, min_length):
        names.append(name)
        lengths.append(len(seq))
    if not names:
        raise InputError(f"{path}: no contig of at least {min_length} bp; lower contigs.min_length or check the file")
    return np.array(names, dtype=str), np.array(lengths, dtype=np.int64)


def write_fasta_record(fh: BinaryIO, name: str, seq: bytes, width: int = 80) -> None:
    """Write one record, sequence wrapped at ``width``."""
    fh.write(b">" + name.encode() + b"\n")
    for i in range(0, len(seq), width):
        fh.write(seq[i : i + width] + b"\n")


def multisplit_name(sample: str, name: str, separator: str) -> str:
    """Contig name in a multi-split catalogue: ``<sample><separator><name>``."""
    return f"{sample}{separator}{name}"


def sample_of(names: Iterable[str], separator: str) -> np.ndarray:
    """Sample prefix of each multi-split contig name (text before the first separator)."""
    out = []
    for name in names:
        prefix, sep, _ = name.partition(separator)
        if not sep or not prefix:
            raise InputError(
                f"contig '{name}' has no sample prefix before separator '{separator}'; "
                "multi-split binning needs names like S1C42 (set assembly.separator)"
            )
        out.append(prefix)
    return np.array(out, dtype=str)


def split_by_sample(labels: np.ndarray, names: np.ndarray, separator: str) -> np.ndarray:
    """Cluster labels ``(n,) int64`` split by the contigs' sample prefixes (multi-split)."""
    samples = sample_of(names, separator)
    _, split = np.unique(np.char.add(np.char.add(labels.astype(str), "\t"), samples), return_inverse=True)
    return split.astype(np.int64)


def filter_fasta(
    inputs: list[str | os.PathLike],
    out: str | os.PathLike,
    min_length: int,
    sample_names: list[str] | None = None,
    separator: str = "C",
) -> tuple[int, int]:
    """Write contigs >= ``min_length`` bp from ``inputs`` to ``out`` (gzip if it ends .gz).

    With ``sample_names`` (one per input), names become ``<sample><separator><name>`` so a
    concatenation of per-sample assemblies can be binned multi-split. Returns
    (contigs kept, contigs read). Written atomically.
    """
    if sample_names is not None and len(sample_names) != len(inputs):
        raise InputError(f"{len(inputs)} assemblies but {len(sample_names)} sample names; give one name per assembly")
    kept = total = 0
    out = Path(out)
    names = NameChecker(str(out))
    with atomic_path(out) as tmp:
        opener = gzip.open(tmp, "wb", compresslevel=4) if out.name.endswith(".gz") else open(tmp, "wb")
        with opener as fh:
            for i, path in enumerate(inputs):
                per_file = NameChecker(str(path))
                for name, seq in iter_fasta(path):
                    per_file.add(name)
                    total += 1
                    if len(seq) < min_length:
                        continue
                    if sample_names is not None:
                        name = multisplit_name(sample_names[i], name, separator)
                    names.add(name)
                    write_fasta_record(fh, name, seq)
                    kept += 1
    if kept == 0:
        out.unlink(missing_ok=True)
        raise InputError(
            f"{', '.join(map(str, inputs))}: no contig of at least {min_length} bp; lower contigs.min_length"
        )
    return kept, total
