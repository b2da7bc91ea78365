"""Shared test helpers: tiny FASTA files and synthetic BAMs with known content."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
#: the development data (genomes, simulator, reference scorer): the one setting for tests
#: marked ``shared``; they are skipped where it is absent
SHARED = Path(os.environ.get("LATENTBIN_SHARED", REPO.parent / "shared"))


def write_fasta(path: Path, records: list[tuple[str, str]], width: int = 60) -> Path:
    with open(path, "w") as fh:
        for name, seq in records:
            fh.write(f">{name}\n")
            for i in range(0, len(seq), width):
                fh.write(seq[i : i + width] + "\n")
    return path


def random_seq(rng: np.random.Generator, n: int, gc: float = 0.5) -> str:
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return "".join(rng.choice(list("ACGT"), size=n, p=p))


def make_bam(path: Path, refs: list[tuple[str, int]], reads: list[dict], sort: bool = True, index: bool = True) -> Path:
    """Write a BAM with the given references and reads (pysam imported here: the GPU
    machine runs the model tests without it).

    Each read dict: ref (index), pos, cigar (list of (op, len)), optional flag, mapq, nm.
    """
    import pysam

    header = {"HD": {"VN": "1.6", "SO": "coordinate" if sort else "unsorted"},
              "SQ": [{"SN": n, "LN": ln} for n, ln in refs]}
    unsorted = path.with_suffix(".unsorted.bam")
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as out:
        for i, r in enumerate(reads):
            a = pysam.AlignedSegment(out.header)
            qlen = sum(n for op, n in r["cigar"] if op in (0, 1, 4, 7, 8))
            a.query_name = f"r{i}"
            a.query_sequence = "A" * qlen
            a.flag = r.get("flag", 0)
            a.reference_id = r["ref"]
            a.reference_start = r["pos"]
            a.mapping_quality = r.get("mapq", 60)
            a.cigartuples = r["cigar"]
            a.query_qualities = pysam.qualitystring_to_array("I" * qlen)
            if "nm" in r:
                a.set_tag("NM", r["nm"])
            out.write(a)
    if sort:
        pysam.sort("-o", str(path), str(unsorted))
        unsorted.unlink()
        if index:
            pysam.index(str(path))
    else:
        shutil.move(unsorted, path)
    return path


def random_reads(rng: np.random.Generator, refs: list[tuple[str, int]], n: int, read_len: int = 100) -> list[dict]:
    """Reads with a mix of CIGARs, flags, MAPQs and NM values."""
    reads = []
    for _ in range(n):
        ref = int(rng.integers(len(refs)))
        length = refs[ref][1]
        kind = rng.integers(6)
        if kind == 0:
            cigar = [(4, 10), (0, read_len - 10)]  # soft clip
        elif kind == 1:
            cigar = [(0, 40), (2, 5), (0, read_len - 40)]  # deletion
        elif kind == 2:
            cigar = [(0, 30), (1, 3), (0, read_len - 33)]  # insertion
        else:
            cigar = [(0, read_len)]
        span = sum(n for op, n in cigar if op in (0, 2, 3, 7, 8))
        pos = int(rng.integers(0, length - span))
        flag = int(rng.choice([0, 16, 0, 16, 256, 1024, 2048, 512]))
        reads.append({"ref": ref, "pos": pos, "cigar": cigar, "flag": flag, "mapq": int(rng.choice([0, 5, 60])),
                      "nm": int(rng.choice([0, 1, 2, 8]))})
    return reads


def options(cfg: dict | None = None):
    """Typed options (latentbin.options.Options) from a partial config dict."""
    from latentbin.config import load_config
    from latentbin.options import Options

    return Options.from_config(load_config(cfg or {}))


def vae_params(n_samples: int, **overrides):
    """Model parameters from the schema defaults, with ``overrides``."""
    import dataclasses

    from latentbin.train import params_from_options

    return dataclasses.replace(params_from_options(n_samples, options().vae), **overrides)
