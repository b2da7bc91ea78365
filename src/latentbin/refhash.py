"""Contig-identity hashes stored with every matrix, so that TNF, depth and latent files
from different assemblies are never combined by accident (Vamb's refhash idea)."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import Iterable

import numpy as np

from .errors import InputError


def refhash(names: Iterable[str]) -> str:
    """SHA-256 hex digest of the contig names in order."""
    h = hashlib.sha256()
    for name in names:
        h.update(name.encode())
        h.update(b"\n")
    return h.hexdigest()


def load_checked(path: str | os.PathLike, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Load an npz written by latentbin; check the keys and the stored refhash."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found; run the stage that writes it first")
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path}: not a latentbin .npz file ({exc}); recompute it") from None
    missing = [k for k in keys if k not in data]
    if missing:
        raise InputError(f"{path}: missing array(s) {', '.join(missing)}; it was not written by this latentbin stage")
    if "refhash" in data and "names" in data and str(data["refhash"]) != refhash(data["names"]):
        raise InputError(f"{path}: contig names do not match the stored hash (file corrupted?); recompute it")
    return data


def check_same_contigs(names_a: np.ndarray, source_a: str, names_b: np.ndarray, source_b: str) -> None:
    """Raise a one-line InputError naming the first differing contig of two files."""
    if len(names_a) == len(names_b) and np.array_equal(names_a, names_b):
        return
    n = min(len(names_a), len(names_b))
    diff = np.flatnonzero(names_a[:n] != names_b[:n])
    if len(diff):
        i = int(diff[0])
        what = f"record {i + 1} is '{names_a[i]}' in {source_a} but '{names_b[i]}' in {source_b}"
    else:
        what = f"{source_a} has {len(names_a)} contigs, {source_b} has {len(names_b)}"
    raise InputError(f"contigs differ: {what}; both must come from the same contig FASTA and min_length")
