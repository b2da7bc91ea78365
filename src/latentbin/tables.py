"""TSV tables of per-bin rows (QC, CheckM2, summary): write with a header, atomically;
read back keyed by bin."""

from __future__ import annotations

import csv
import os
from typing import Iterable, Mapping, Sequence

from ._io import atomic_text
from .errors import InputError


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


def read_table(path: str | os.PathLike, key: str = "bin") -> dict[str, dict]:
    """``{row[key]: row}`` of a TSV with header; numeric-looking values become floats."""
    out: dict[str, dict] = {}
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if reader.fieldnames is None or key not in reader.fieldnames:
            raise InputError(f"{path}: no '{key}' column; expected a latentbin QC table")
        for rec in reader:
            row: dict = {}
            for k, v in rec.items():
                try:
                    row[k] = float(v) if v not in ("", None) else None
                except ValueError:
                    row[k] = v
            row[key] = rec[key]
            out[rec[key]] = row
    return out
