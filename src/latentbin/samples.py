"""The sample sheet: one row per sequencing sample (``config/samples.tsv``).

A tab-separated file with a header line; ``#`` at the start of a line makes it a comment
and blank lines are skipped. Columns: ``sample`` and either ``r1`` (+ ``r2``: short
reads) or ``long`` (long reads); optional ``preset`` (minimap2 ``-x``) and ``contigs``
(the sample's own assembly, needed in ``per_sample`` assembly mode). Relative paths are
read from the current working directory. Every problem raises one
:class:`~latentbin.errors.InputError` line naming the sheet, the sample (or line) and
column, and the fix.

>>> import tempfile, os
>>> d = tempfile.mkdtemp(); fq = os.path.join(d, "a.fq"); open(fq, "w").close()
>>> sheet = os.path.join(d, "s.tsv")
>>> _ = open(sheet, "w").write(f"# comment\\nsample\\tlong\\nS1\\t{fq}\\n")
>>> [(s.name, s.kind) for s in read_sample_sheet(sheet, per_sample=False, separator="C")]
[('S1', 'long')]
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .config import schema
from .errors import InputError

#: columns a sample sheet may have
COLUMNS = ("sample", "r1", "r2", "long", "preset", "contigs")
#: sample names: usable in file paths and as Snakemake wildcard values
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Sample:
    """One row of the sample sheet; empty strings for columns not given."""

    name: str
    r1: str = ""
    r2: str = ""
    long: str = ""
    preset: str = ""
    contigs: str = ""

    @property
    def reads(self) -> list[str]:
        """Read files to map: ``[r1, r2]`` (paired), ``[r1]`` (single-end) or ``[long]``."""
        if self.long:
            return [self.long]
        return [self.r1, self.r2] if self.r2 else [self.r1]

    @property
    def kind(self) -> str:
        """``"long"`` for long reads, else ``"short"``."""
        return "long" if self.long else "short"

    def preset_for(self, default_preset: str, long_preset: str) -> str:
        """minimap2 ``-x`` preset: the sheet's, else ``mapping.default_preset`` (short
        reads) or ``mapping.long_preset`` (long reads)."""
        return self.preset or (long_preset if self.long else default_preset)


def presets() -> list[str]:
    """minimap2 presets a sample may name (those of ``mapping.default_preset`` in the schema)."""
    return list(schema()["properties"]["mapping"]["properties"]["default_preset"]["enum"])


def _data_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of the lines that are neither blank nor comments."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}: line {line} is not UTF-8 text (byte {exc.start}); "
                         "save the sheet as plain text") from None
    return [(n, line) for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]


def _header(path: Path, lines: list[tuple[int, str]]) -> list[str]:
    """The header's column names, checked: sample, r1 or long, no unknown or repeated column."""
    if not lines:
        raise InputError(f"{path}: no header line and no samples; give a TSV with columns sample, r1, r2 (or long), "
                         "see config/README.md")
    header = [c.strip() for c in next(csv.reader([lines[0][1]], delimiter="\t"))]
    if "sample" not in header:
        raise InputError(f"{path}: column 'sample' is missing (found: {', '.join(header)}); "
                         "the header must be tab-separated and name sample, r1, r2 or long")
    if not {"r1", "long"} & set(header):
        raise InputError(f"{path}: needs column 'r1' (short reads) or 'long' (long reads); "
                         f"found: {', '.join(header)}")
    for col in header:
        if col not in COLUMNS:
            raise InputError(f"{path}: column '{col}' is not a sample sheet column ('{col}' was unexpected); "
                             f"allowed: {', '.join(COLUMNS)} (config/README.md)")
        if header.count(col) > 1:
            raise InputError(f"{path}: column '{col}' occurs twice in the header; keep one")
    return header


def _row(path: Path, header: list[str], lineno: int, line: str) -> dict[str, str]:
    """One data line as {column: stripped value}, every column of :data:`COLUMNS` present."""
    fields = [f.strip() for f in next(csv.reader([line], delimiter="\t"))]
    if len(fields) > len(header) and any(fields[len(header):]):
        raise InputError(f"{path}: line {lineno} has {len(fields)} fields but the header {len(header)}; "
                         "separate columns with one tab and name every column in the header")
    row = dict.fromkeys(COLUMNS, "")
    row.update(zip(header, fields))
    return row


def _check_name(path: Path, lineno: int, name: str, per_sample: bool, separator: str) -> None:
    """Sample names: present, usable in paths and wildcards, free of the multi-split separator."""
    if not name:
        raise InputError(f"{path}: line {lineno}, column 'sample' is empty; give every row a sample name")
    if not NAME_PATTERN.match(name):
        raise InputError(f"{path}: line {lineno}, column 'sample': name {name!r} is not usable in file names; "
                         "use letters, digits, '.', '_' and '-', starting with a letter or digit")
    if per_sample and separator in name:
        raise InputError(f"{path}: sample '{name}': column 'sample' contains the multi-split separator "
                         f"'{separator}' (key assembly.separator); rename the sample or change the separator")


def _check_sample(path: Path, s: Sample, per_sample: bool) -> None:
    """Row rules: r1 xor long, r2 needs r1, preset fits the reads, contigs in per_sample mode, files exist."""
    where = f"{path}: sample '{s.name}'"
    if bool(s.r1) == bool(s.long):
        which = "both" if s.r1 else "neither"
        raise InputError(f"{where}: give reads in column 'r1' (+ 'r2') or in 'long', not {which}")
    if s.r2 and not s.r1:
        raise InputError(f"{where}: column 'r2' is set but 'r1' is empty; put the forward mates in r1")
    if s.preset and s.preset not in presets():
        raise InputError(f"{where}, column 'preset': {s.preset!r} is not a minimap2 preset; "
                         f"use one of {', '.join(presets())} or leave it empty")
    if s.long and s.preset == "sr":
        raise InputError(f"{where}: column 'preset' is sr, a short-read preset, for long reads; "
                         "use map-ont, map-hifi or map-pb")
    if per_sample and not s.contigs:
        raise InputError(f"{where}: column 'contigs' is empty; assembly.mode is per_sample, "
                         "so every sample needs its assembly")
    for col in ("r1", "r2", "long") + (("contigs",) if per_sample else ()):
        value = getattr(s, col)
        if value and not os.path.isfile(value):
            raise InputError(f"{where}, column '{col}': file '{value}' not found "
                             f"(relative paths are read from the working directory {os.getcwd()})")


def read_sample_sheet(path: str | os.PathLike, per_sample: bool, separator: str,
                      config_source: str | None = None) -> list[Sample]:
    """Read and check a sample sheet; samples in sheet order.

    ``per_sample``: assembly.mode is per_sample (a ``contigs`` column is required and
    names must not contain ``separator``, assembly.separator). ``config_source`` names
    the config file that gave the sheet's path, for the "not found" message.
    """
    path = Path(path)
    if not path.is_file():
        where = f"{config_source}: key 'samples': " if config_source else ""
        raise InputError(f"{where}sample sheet '{path}' not found; give a TSV with columns sample, r1, r2 "
                         "(or long), see config/README.md")
    lines = _data_lines(path)
    header = _header(path, lines)
    if len(lines) < 2:
        raise InputError(f"{path}: no samples; add one row per sample")
    if per_sample and "contigs" not in header:
        raise InputError(f"{path}: column 'contigs' is missing; assembly.mode is per_sample, "
                         "which needs each sample's own assembly")
    samples: list[Sample] = []
    seen: set[str] = set()
    for lineno, line in lines[1:]:
        row = _row(path, header, lineno, line)
        name = row.pop("sample")
        _check_name(path, lineno, name, per_sample, separator)
        if name in seen:
            raise InputError(f"{path}: column 'sample': name '{name}' occurs twice (line {lineno}); "
                             "names must be unique")
        seen.add(name)
        sample = Sample(name=name, **row)
        _check_sample(path, sample, per_sample)
        samples.append(sample)
    return samples
