"""Find or build a benchmark dataset and prepare the shared inputs every binner gets.

A dataset is a directory with ``contigs.fna.gz`` (or ``contigs.fna``), ``samples.tsv``
(columns ``sample``, ``r1``, ``r2``; read paths relative to the directory),
``reads/`` and ``gold_standard.tsv`` (columns ``contig``, ``genome``, ``length``).
Two names are built in:

- ``dev``: the 11-genome dev community, built with ``../shared/data/make_dev.sh`` into
  ``<work>/data`` when ``--data`` does not point at an existing copy;
- ``example``: the shipped ``resources/example`` (3 samples, 3 genomes).
"""
from __future__ import annotations

import csv
import dataclasses
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
REQUIRED = ("samples.tsv", "gold_standard.tsv")


@dataclasses.dataclass
class Dataset:
    name: str
    root: Path
    contigs: Path
    gold: Path
    samples: list[tuple[str, Path, Path | None]]  # (sample, r1, r2 or None)


def _contigs_file(root: Path) -> Path | None:
    for name in ("contigs.fna.gz", "contigs.fna", "contigs.fa.gz", "contigs.fa"):
        if (root / name).exists():
            return root / name
    return None


def build_dev(out: Path, shared: Path = SHARED) -> None:
    """Run ``make_dev.sh`` (about a minute, ~0.5 GB) into ``out``."""
    script = shared / "data" / "make_dev.sh"
    if not script.exists():
        raise SystemExit(f"dataset dev: {script} not found; pass --data DIR with a built copy")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["bash", str(script), str(out)], check=True)


def resolve(name_or_path: str, work: Path, data: str | None = None) -> Dataset:
    """``dev``, ``example`` or a path -> Dataset (building dev when it is absent)."""
    if name_or_path == "dev":
        root = Path(data) if data else work / "data"
        if _contigs_file(root) is None:
            build_dev(root)
        name = "dev"
    elif name_or_path == "example":
        root, name = Path(data) if data else REPO / "resources" / "example", "example"
    else:
        root = Path(name_or_path)
        name = root.resolve().name
    root = root.resolve()
    contigs = _contigs_file(root)
    missing = [f for f in REQUIRED if not (root / f).exists()]
    if contigs is None or missing:
        missing = (["contigs.fna.gz"] if contigs is None else []) + missing
        raise SystemExit(f"dataset {root}: missing {', '.join(missing)} (layout: benchmarks/README.md)")
    samples = []
    with open(root / "samples.tsv") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            r2 = row.get("r2") or None
            samples.append((row["sample"], root / row["r1"], root / r2 if r2 else None))
    if not samples:
        raise SystemExit(f"dataset {root}: samples.tsv has no rows")
    return Dataset(name, root, contigs, root / "gold_standard.tsv", samples)


def filter_contigs(src: Path, out: Path, min_length: int) -> tuple[int, int]:
    """Contigs >= ``min_length`` bp into ``out`` by the package's own filter
    (``latentbin.contigs.filter_fasta``); skipped when ``out`` is newer than ``src``.
    Returns (contigs, bp) kept."""
    from latentbin.contigs import filter_fasta, read_names_lengths

    if not (out.exists() and out.stat().st_mtime >= src.stat().st_mtime):
        filter_fasta([src], out, min_length)
    _, lengths = read_names_lengths(out)
    return len(lengths), int(lengths.sum())
