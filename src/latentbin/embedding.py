"""The latent space as a file: :class:`Embedding` (``vae/latent.npz``).

Holds the latent means of the contigs that were embedded and, beside them, the contigs
set aside before training with the reason (e.g. ``zero_depth``: no read in any sample),
so that clustering can report them in ``cluster/unbinned.tsv``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ._io import save_npz
from .refhash import load_checked, refhash


@dataclass
class Embedding:
    """names ``(n,) str``, lengths ``(n,) int64`` (bp), latent ``(n, d) float32``;
    set-aside contigs: aside_names ``(m,) str``, aside_lengths ``(m,) int64``,
    aside_reasons ``(m,) str``."""

    names: np.ndarray
    lengths: np.ndarray
    latent: np.ndarray
    aside_names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    aside_lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    aside_reasons: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))

    def __post_init__(self) -> None:
        if not (len(self.names) == len(self.lengths) == len(self.latent)):
            raise ValueError("bug: names, lengths and latent differ in length")
        if not (len(self.aside_names) == len(self.aside_lengths) == len(self.aside_reasons)):
            raise ValueError("bug: set-aside arrays differ in length")

    def save(self, path: str | os.PathLike) -> None:
        """Write ``latent.npz`` atomically (with the refhash of the embedded names)."""
        save_npz(path, names=self.names, lengths=self.lengths, latent=self.latent.astype(np.float32),
                 aside_names=self.aside_names, aside_lengths=self.aside_lengths,
                 aside_reasons=self.aside_reasons, refhash=refhash(self.names))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Embedding":
        """Read ``latent.npz`` (files without set-aside arrays load with none)."""
        d = load_checked(path, ("names", "lengths", "latent"))
        none = np.zeros(0, dtype=str)
        return cls(d["names"], d["lengths"], d["latent"], d.get("aside_names", none),
                   d.get("aside_lengths", np.zeros(0, dtype=np.int64)), d.get("aside_reasons", none))
