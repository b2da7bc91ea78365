"""Clustering of the latent space.

``medoid`` (default): Vamb-style iterative medoid clustering on cosine distance with an
adaptive radius, vectorised in torch (runs on GPU too). Seeds are taken longest contig
first; a seed's medoid wanders to the densest point within 0.05; the length-weighted,
smoothed histogram of distances from the medoid gives the radius at the first valley
after the first peak. Seeds without a clear valley are retried later with a looser
peak/valley ratio, which grows when too few recent attempts succeed.

``hdbscan``: scikit-learn's HDBSCAN on the L2-normalised latent (noise points become
singleton clusters).

Multi-split: each cluster is split by the contig names' sample prefix.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> centers = rng.standard_normal((3, 8)).astype(np.float32) * 3
>>> x = np.repeat(centers, 50, axis=0) + rng.standard_normal((150, 8)).astype(np.float32) * 0.1
>>> labels = medoid_clusters(x, np.full(150, 5000), max_steps=25, seed=1)
>>> len(set(labels[:50].tolist())), len(set(labels.tolist()))
(1, 3)
"""

from __future__ import annotations

import csv
import logging
import os
import random
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
import torch

from ._io import atomic_text
from .contigs import sample_of, split_by_sample
from .errors import InputError
from .options import ClusterOptions
from .runtime import pick_device

if TYPE_CHECKING:
    from .markers import ContigMarkers

log = logging.getLogger(__name__)

MEDOID_RADIUS = 0.05  # distance within which the medoid wanders and density is measured
DEFAULT_RADIUS = 0.06  # radius used when no valley is found even at the loosest ratio
DELTA_X = 0.005  # histogram bin width (cosine distance / 2 units)
XMAX = 0.3  # histogram range
_PDF_SD = 0.01  # smoothing kernel: normal with sd 0.01, 31 bins wide


def _smoothing_kernel() -> torch.Tensor:
    x = torch.arange(-15, 16, dtype=torch.float64) * DELTA_X
    pdf = torch.exp(-0.5 * (x / _PDF_SD) ** 2) / (_PDF_SD * (2 * torch.pi) ** 0.5)
    return (pdf * DELTA_X).float()


def normalize(latent: torch.Tensor) -> torch.Tensor:
    """Rows scaled to norm 1/sqrt(2), so that 0.5 - x.y is cosine distance / 2 in [0, 1]."""
    latent = latent.clone()
    zero = (latent == 0).all(dim=1)
    latent[zero] = 1.0 / latent.shape[1]
    return latent / (latent.norm(dim=1, keepdim=True) * 2**0.5)


def find_threshold(distances: torch.Tensor, weights: torch.Tensor, pvr: float) -> float | None:
    """Radius at the first valley after the first peak of the length-weighted distance
    histogram, or None when there is no valley deep enough (valley < pvr * peak) or the
    peak lies beyond 0.1 / the valley beyond 0.2 + pvr."""
    nbins = round(XMAX / DELTA_X)
    keep = distances <= XMAX
    idx = torch.clamp((distances[keep] / DELTA_X).long(), max=nbins - 1)
    hist = torch.bincount(idx, weights=weights[keep].double(), minlength=nbins).float().cpu()
    kernel = _smoothing_kernel()
    dens = torch.nn.functional.conv1d(hist.view(1, 1, -1), kernel.view(1, 1, -1), padding=15).view(-1).tolist()
    peak = 0.0
    peak_over = False
    minimum = 0.0
    threshold = None
    for i, d in enumerate(dens):
        x = i * DELTA_X
        if not peak_over and d > peak:
            if x > 0.1:
                return None
            peak = d
        if not peak_over and d < 0.6 * peak:
            peak_over = True
            minimum = d
        if peak_over and d > 1.5 * minimum:
            break
        if peak_over and d < minimum:
            minimum = d
            if d < pvr * peak:
                threshold = x
    if threshold is None or threshold > 0.2 + pvr:
        return None
    return threshold


class _MedoidClusterer:
    def __init__(self, latent: np.ndarray, lengths: np.ndarray, max_steps: int, seed: int, device: torch.device,
                 window: int = 300, min_successes: int = 15) -> None:
        self.dev = device
        self.x = normalize(torch.from_numpy(np.ascontiguousarray(latent, dtype=np.float32)).to(device))
        self.w = torch.as_tensor(np.asarray(lengths, dtype=np.float32), device=device)
        self.n = len(latent)
        self.kept = torch.ones(self.n, dtype=torch.bool, device=device)
        self.order = np.argsort(-np.asarray(lengths), kind="stable")  # longest first
        self.pos = 0
        self.rng = random.Random(seed)
        self.max_steps = max_steps
        self.pvr = 0.1
        self.attempts: deque[bool] = deque(maxlen=window)
        self.min_successes = min_successes

    def _next_seed(self) -> int:
        for _ in range(2 * len(self.order) + 1):
            if self.pos >= len(self.order):
                self.order = self.order[self.kept[torch.as_tensor(self.order, device=self.dev)].cpu().numpy()]
                self.pos = 0
            i = int(self.order[self.pos])
            self.pos += 1
            if self.kept[i]:
                return i
        raise RuntimeError("bug: no seed left while points remain")

    def _density(self, i: int) -> tuple[torch.Tensor, torch.Tensor, float]:
        d = 0.5 - self.x @ self.x[i]
        d[i] = 0.0
        d = torch.where(self.kept, d, torch.full_like(d, 2.0))
        near = d <= MEDOID_RADIUS
        density = float((self.w[near] * (MEDOID_RADIUS - d[near])).sum())
        return d, near, density

    def _wander(self, seed: int) -> tuple[int, torch.Tensor]:
        medoid = seed
        dist, near, density = self._density(seed)
        tried = {seed}
        cands = [c for c in torch.nonzero(near).view(-1).tolist() if c not in tried]
        cands = self.rng.sample(cands, k=min(len(cands), self.max_steps))
        i = 0
        while i < len(cands):
            c = cands[i]
            tried.add(c)
            d2, near2, dens2 = self._density(c)
            if dens2 > density:
                medoid, dist, density = c, d2, dens2
                cands = [k for k in torch.nonzero(near2).view(-1).tolist() if k not in tried]
                cands = self.rng.sample(cands, k=min(len(cands), self.max_steps))
                i = 0
            else:
                i += 1
        return medoid, dist

    def _record(self, success: bool) -> None:
        self.attempts.append(success)
        if len(self.attempts) == self.attempts.maxlen and sum(self.attempts) < self.min_successes:
            self.pvr += 0.1
            self.attempts.clear()
            self.pos = 0

    def next_cluster(self) -> torch.Tensor:
        while True:
            seed = self._next_seed()
            medoid, dist = self._wander(seed)
            if int((dist < MEDOID_RADIUS).sum()) == 1:  # a loner
                return torch.tensor([medoid], device=self.dev)
            threshold = find_threshold(dist, self.w, self.pvr)
            if threshold is None:
                if self.pvr > 0.55:
                    return torch.nonzero(dist <= DEFAULT_RADIUS).view(-1)
                self._record(False)
                continue
            if self.pvr < 0.55:
                self._record(True)
            return torch.nonzero(dist <= threshold).view(-1)

    def run(self) -> np.ndarray:
        labels = np.full(self.n, -1, dtype=np.int64)
        k = 0
        remaining = self.n
        from tqdm.auto import tqdm

        with tqdm(total=self.n, desc="clustering", unit="contig", disable=self.n < 50_000, mininterval=2) as bar:
            while remaining:
                members = self.next_cluster()
                self.kept[members] = False
                labels[members.cpu().numpy()] = k
                k += 1
                remaining -= len(members)
                bar.update(len(members))
        return labels


def medoid_clusters(latent: np.ndarray, lengths: np.ndarray, max_steps: int, seed: int,
                    device: str | torch.device | None = None) -> np.ndarray:
    """Iterative medoid clustering of ``latent (n, d) float32``, contigs weighted by
    ``lengths (n,)`` (bp). Returns labels ``(n,) int64`` numbered in emission order."""
    dev = torch.device(device) if device not in (None, "auto") else torch.device("cpu")
    return _MedoidClusterer(latent, lengths, max_steps, seed, dev).run()


def hdbscan_clusters(latent: np.ndarray, min_cluster_size: int = 5) -> np.ndarray:
    """scikit-learn HDBSCAN on L2-normalised latents; noise points become singletons."""
    from sklearn.cluster import HDBSCAN

    x = latent / np.maximum(np.linalg.norm(latent, axis=1, keepdims=True), 1e-12)
    labels = HDBSCAN(min_cluster_size=min_cluster_size, copy=True).fit_predict(x).astype(np.int64)
    noise = labels < 0
    labels[noise] = labels.max(initial=-1) + 1 + np.arange(int(noise.sum()))
    return labels


def cluster_latent(latent: np.ndarray, lengths: np.ndarray, opts: ClusterOptions, seed: int,
                   device: str | None = None, names: np.ndarray | None = None, separator: str | None = None,
                   markers: ContigMarkers | None = None, depth: np.ndarray | None = None) -> np.ndarray:
    """Cluster labels ``(n,) int64`` of ``latent (n, d)`` by ``opts.method``. With
    ``opts.refine``, ``markers`` and ``depth (n, s)``, clusters are split/merged by marker
    genes; with ``opts.multisplit`` each cluster is then split by the sample prefix of
    ``names`` (text before ``separator``)."""
    if len(latent) == 0:
        raise InputError("no contigs to cluster")
    if opts.method == "hdbscan":
        labels = hdbscan_clusters(latent, opts.min_cluster_size)
    else:
        labels = medoid_clusters(latent, lengths, opts.max_steps, seed, pick_device(device))
    if opts.refine and markers is not None:
        from .refine import refine

        if depth is None:
            raise ValueError("bug: refine needs the depth matrix")
        labels = refine(labels, latent, depth, np.asarray(lengths), markers, seed)
    if opts.multisplit:
        if names is None or separator is None:
            raise ValueError("bug: multisplit needs contig names and the separator")
        labels = split_by_sample(labels, names, separator)
    return labels


def bin_names(labels: np.ndarray, names: np.ndarray, multisplit: bool, separator: str) -> np.ndarray:
    """Bin name of each contig: ``bin<k>`` numbered by decreasing bin size in contigs
    (ties by first contig), or ``<sample>.bin<k>`` when multi-split."""
    uniq, first, counts = np.unique(labels, return_index=True, return_counts=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.lexsort((first, -counts))] = np.arange(len(uniq))
    k = rank[np.searchsorted(uniq, labels)] + 1
    out = np.char.add("bin", k.astype(str))
    if multisplit:
        out = np.char.add(np.char.add(sample_of(names, separator), "."), out)
    return out


def write_clusters(path: str | os.PathLike, bins: np.ndarray, names: np.ndarray) -> None:
    """clusters.tsv: header ``bin\\tcontig``, one row per contig, grouped by bin."""
    order = np.lexsort((np.arange(len(bins)), bins))
    with atomic_text(path) as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["bin", "contig"])
        for i in order:
            writer.writerow([bins[i], names[i]])


#: accepted header names of the two columns (latentbin's, Vamb's)
HEADERS = (("bin", "cluster", "clustername"), ("contig", "contigname"))


def read_clusters(path: str | os.PathLike) -> dict[str, list[str]]:
    """clusters.tsv (``bin<TAB>contig``; Vamb's header too; header optional) ->
    {bin: [contig, ...]} in file order."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: clusters file not found; run `latentbin cluster` first")
    out: dict[str, list[str]] = {}
    with open(path, newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh, delimiter="\t"), 1):
            if not row or row[0].startswith("#"):
                continue
            if lineno == 1 and row[0] in HEADERS[0] and len(row) > 1 and row[1] in HEADERS[1]:
                continue
            if len(row) < 2:
                raise InputError(f"{path}: line {lineno} is not 'bin<TAB>contig'; fix or recompute the file")
            out.setdefault(row[0], []).append(row[1])
    return out
