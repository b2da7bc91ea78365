"""Clustering of the latent space.

``medoid`` (default): Vamb-style iterative medoid clustering on cosine distance with an
adaptive radius, vectorised in torch (runs on GPU too); each medoid costs one pass over
the unclustered points (see :class:`_MedoidClusterer` for how its labels stay those of
the plain one-pass-per-density formulation). Seeds are taken longest contig
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
    return _find_threshold(distances, weights, pvr)[0]


def _find_threshold(distances: torch.Tensor, weights: torch.Tensor, pvr: float) -> tuple[float | None, int]:
    """:func:`find_threshold` and the last histogram bin its scan read (the smoothed
    density of bin i depends on the histogram's bins i-15..i+15 only)."""
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
    last = len(dens) - 1
    for i, d in enumerate(dens):
        x = i * DELTA_X
        if not peak_over and d > peak:
            if x > 0.1:
                return None, i
            peak = d
        if not peak_over and d < 0.6 * peak:
            peak_over = True
            minimum = d
        if peak_over and d > 1.5 * minimum:
            last = i
            break
        if peak_over and d < minimum:
            minimum = d
            if d < pvr * peak:
                threshold = x
    if threshold is None or threshold > 0.2 + pvr:
        return None, last
    return threshold, last


#: view radius: every distance the algorithm reads after a medoid is chosen is <= XMAX
_VIEW_RADIUS = XMAX + 0.01
#: candidates lie within MEDOID_RADIUS of the medoid, so their neighbours within
#: MEDOID_RADIUS lie within 0.1902 of it (angles add: 2 * arccos(0.9) = 0.902 rad)
_CAND_RADIUS = 0.2
_U = 2.0**-24  # float32 unit roundoff


class _View:
    """Distances from one point to the kept points within :data:`_VIEW_RADIUS`:
    ``idx`` (original indices, ascending), ``d`` float32, ``w`` their weights. ``eps``
    bounds |d - the reference value| (0: ``d`` are the reference values themselves)."""

    __slots__ = ("point", "idx", "d", "w", "eps")

    def __init__(self, point: int, idx: torch.Tensor, d: torch.Tensor, w: torch.Tensor, eps: float) -> None:
        self.point, self.idx, self.d, self.w, self.eps = point, idx, d, w, eps


class _MedoidClusterer:
    """Vamb-style medoid clustering that gives exactly the labels of the plain formulation.

    The plain formulation (the code up to commit 906d82a; kept as the reference in
    ``tests/test_cluster.py``) computes ``0.5 - x @ x[i]`` over all n points for every
    density evaluation: ~25 passes over the whole matrix per medoid, so 1M contigs did not
    finish in 20 min on 2 cores. Here distances come from cheaper products whose every
    decision is *certified*: two float32 dot products of rows of norm 1/sqrt(2) differ by
    at most ``eps`` (2.9e-6 for 32 dimensions) whatever their summation order, so a
    comparison with a margin above ``eps`` (for ``density > density``: above the sum's
    rounding bound) has the reference's outcome. A decision that is not certain is taken
    from the reference's own full-matrix product (``_exact``: ~1 in 20-30 medoids), so
    the labels are the reference's for any input size (bit-identical: tests compare them).

    - the medoid's distances: one product with the points not yet clustered (clustered
      rows are zeroed; the matrix is compacted when a quarter is zero), keeping those
      within :data:`_VIEW_RADIUS` (all the later steps read);
    - the candidates' densities: one product of the candidates (at most ``max_steps``)
      with the medoid's points within :data:`_CAND_RADIUS` (all the candidates'
      neighbours lie there), instead of one pass over all n per candidate;
    - the histogram: a point whose bin is uncertain matters only inside the bins the
      valley search reads (+ the smoothing window); up to 6 such points are resolved by
      trying both bins;
    - one thread for the loop on CPU (tiny ops wait for a busy second core), the
      caller's threads for the reference product (MKL splits its rows by thread).
    """

    def __init__(self, latent: np.ndarray, lengths: np.ndarray, max_steps: int, seed: int, device: torch.device,
                 window: int = 300, min_successes: int = 15) -> None:
        self.dev = device
        self.x = normalize(torch.from_numpy(np.ascontiguousarray(latent, dtype=np.float32)).to(device))
        self.w = torch.as_tensor(np.asarray(lengths, dtype=np.float32), device=device)
        self.n, dim = self.x.shape
        self.kept = torch.ones(self.n, dtype=torch.bool, device=device)
        self.kept_np = np.ones(self.n, dtype=bool)  # the same, for the per-seed Python loop
        self.order = np.argsort(-np.asarray(lengths), kind="stable")  # longest first
        self.pos = 0
        self.rng = random.Random(seed)
        self.max_steps = max_steps
        self.pvr = 0.1
        self.attempts: deque[bool] = deque(maxlen=window)
        self.min_successes = min_successes
        self.threads = torch.get_num_threads()
        # |x.y| <= |x||y| = 0.5: two float32 dot products differ by <= 2 * gamma_dim * 0.5,
        # plus the roundings of 0.5 - p (generous factors for the norms' own rounding)
        gamma = dim * _U / (1 - dim * _U)
        self.eps = 1.25 * (2 * gamma * 0.51) + 8 * _U
        # the rows of the points not yet clustered (``act``: their indices); a clustered
        # point's row is zeroed (its product is 0, never within the view), and the matrix
        # is compacted when a quarter of its rows are zero
        self.act = torch.arange(self.n, device=device)
        self.xa = self.x.clone()
        self.dead = 0
        self.stats = {"attempts": 0, "scans": 0, "exact": 0, "candidates": 0, "compactions": 0}

    # ------------------------------------------------------------------ bookkeeping
    def _next_seed(self) -> int:
        for _ in range(2 * len(self.order) + 1):
            if self.pos >= len(self.order):
                self.order = self.order[self.kept_np[self.order]]
                self.pos = 0
            i = int(self.order[self.pos])
            self.pos += 1
            if self.kept_np[i]:
                return i
        raise RuntimeError("bug: no seed left while points remain")

    def _record(self, success: bool) -> None:
        self.attempts.append(success)
        if len(self.attempts) == self.attempts.maxlen and sum(self.attempts) < self.min_successes:
            self.pvr += 0.1
            self.attempts.clear()
            self.pos = 0

    def _remove(self, members: torch.Tensor) -> None:
        self.kept[members] = False
        self.kept_np[members.cpu().numpy()] = False
        self.xa[torch.searchsorted(self.act, members)] = 0.0
        self.dead += len(members)
        if self.dead * 4 > len(self.act) and len(self.act) > 1024:
            self.act = self.act[self.kept[self.act]]
            self.xa = self.x[self.act]
            self.dead = 0
            self.stats["compactions"] += 1

    # ------------------------------------------------------------------ distances
    def _scan(self, i: int) -> _View:
        """Distances from ``i`` to the unclustered points, within ``eps`` of the reference."""
        self.stats["scans"] += 1
        p = torch.mv(self.xa, self.x[i])
        sel = torch.nonzero(p >= 0.5 - _VIEW_RADIUS - 1e-4).view(-1)  # a superset of the view
        d = 0.5 - p[sel]
        sel2 = d <= _VIEW_RADIUS
        idx, d = self.act[sel[sel2]], d[sel2]
        d[torch.searchsorted(idx, torch.tensor([i], device=self.dev))] = 0.0
        return _View(i, idx, d, self.w[idx], self.eps)

    def _exact(self, i: int) -> _View:
        """The reference's distances (same product over all n points)."""
        self.stats["exact"] += 1
        if self.dev.type == "cpu" and self.threads != torch.get_num_threads():
            # the reference ran this product with the caller's threads (MKL's split of the
            # rows between threads changes the last bit of a few rows)
            torch.set_num_threads(self.threads)
            d = 0.5 - self.x @ self.x[i]
            torch.set_num_threads(1)
        else:
            d = 0.5 - self.x @ self.x[i]
        d[i] = 0.0
        idx = torch.nonzero((d <= _VIEW_RADIUS) & self.kept).view(-1)
        return _View(i, idx, d[idx], self.w[idx], 0.0)

    def _near(self, v: _View) -> torch.Tensor | None:
        """Mask of ``v``'s points within MEDOID_RADIUS, or None when not certain."""
        if v.eps and bool((torch.abs(v.d - MEDOID_RADIUS) <= v.eps).any()):
            return None
        return v.d <= MEDOID_RADIUS

    def _density(self, v: _View, near: torch.Tensor) -> tuple[float, float]:
        """(low, high) bounds of the reference's density of ``v``'s point."""
        if not v.eps:
            terms = v.w[near] * (MEDOID_RADIUS - v.d[near])
            if len(terms) >= 32768 and self.dev.type == "cpu" and self.threads != torch.get_num_threads():
                # above torch's grain size the sum is split between the caller's threads, as in the reference
                torch.set_num_threads(self.threads)
                density = float(terms.sum())
                torch.set_num_threads(1)
            else:
                density = float(terms.sum())
            return density, density
        w = v.w[near].double()
        a = float((w * (MEDOID_RADIUS - v.d[near].double())).sum())
        sw = float(w.sum())
        bound = sw * v.eps + (int(near.sum()) + 3) * _U * (a + sw * v.eps) + 1e-12 * a
        return a - bound, a + bound

    # ------------------------------------------------------------------ one attempt
    def _candidates(self, near_idx: list[int], tried: set[int]) -> list[int]:
        cands = [c for c in near_idx if c not in tried]
        return self.rng.sample(cands, k=min(len(cands), self.max_steps))

    def _medoid_view(self, i: int) -> tuple[_View, torch.Tensor, tuple[float, float]]:
        v = self._scan(i)
        near = self._near(v)
        if near is None:
            v = self._exact(i)
            near = self._near(v)
        return v, near, self._density(v, near)

    def _batch_densities(self, m: _View, cands: list[int]) -> list[tuple[float, float]]:
        """Density bounds of every candidate, from one product with ``m``'s points within
        :data:`_CAND_RADIUS` (a superset of every candidate's neighbourhood)."""
        self.stats["candidates"] += len(cands)
        sel = torch.nonzero(m.d <= _CAND_RADIUS).view(-1)
        idx, w = m.idx[sel], m.w[sel].double()
        c = torch.as_tensor(cands, device=self.dev)
        d = torch.mm(self.x[idx], self.x[c].T).neg_().add_(0.5)  # (points, candidates)
        d[torch.searchsorted(idx, c), torch.arange(len(cands), device=self.dev)] = 0.0
        eps = self.eps
        gap = torch.abs(d - MEDOID_RADIUS)
        sure = (d <= MEDOID_RADIUS) & (gap > eps)
        unsure = gap <= eps  # in or out of the neighbourhood: adds at most w * 2 eps
        terms = (MEDOID_RADIUS - d.double()) * w[:, None]
        a = (terms * sure).sum(0)
        sw = (w[:, None] * sure).sum(0)
        extra = (w[:, None] * unsure).sum(0) * (2 * eps)
        count = (sure | unsure).sum(0).double()
        bound = sw * eps + (count + 3) * _U * (a + sw * eps + extra) + 1e-12 * a
        lo, hi = (a - bound).tolist(), (a + bound + extra).tolist()
        return list(zip(lo, hi))

    def _exact_density(self, i: int) -> tuple[_View, torch.Tensor, tuple[float, float]]:
        v = self._exact(i)
        near = self._near(v)
        return v, near, self._density(v, near)

    def _wander(self, seed: int) -> _View:
        m, near, density = self._medoid_view(seed)
        tried = {seed}
        cands = self._candidates(m.idx[near].tolist(), tried)
        i = 0
        dens = self._batch_densities(m, cands) if cands else []
        while i < len(cands):
            c = cands[i]
            tried.add(c)
            lo, hi = dens[i]
            if lo > density[1]:
                better = True
            elif hi <= density[0]:
                better = False
            else:  # too close to call: the reference's own products
                if m.eps:
                    m, near, density = self._exact_density(m.point)
                cv, cnear, cdens = self._exact_density(c)
                better = cdens[0] > density[0]
                if better:
                    m, near, density = cv, cnear, cdens
            if better:
                if m.point != c:
                    m, near, density = self._medoid_view(c)
                cands = self._candidates(m.idx[near].tolist(), tried)
                dens = self._batch_densities(m, cands) if cands else []
                i = 0
            else:
                i += 1
        return m

    def _bins(self, d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        nbins = round(XMAX / DELTA_X)
        return d <= XMAX, torch.clamp((d / DELTA_X).long(), max=nbins - 1)

    def _threshold(self, m: _View) -> tuple[bool, float | None]:
        """(certain, the reference's find_threshold) on ``m``. A point whose histogram bin
        is uncertain matters only if its bin is within the 15-bin smoothing window of the
        bins the scan reads; every combination of the possible bins of at most 6 such
        points must give the same threshold and read the same bins."""
        if not m.eps:
            return True, find_threshold(m.d, m.w, self.pvr)
        e = m.eps + 4 * _U
        lo, hi = m.d - e, m.d + e
        keep_lo, bin_lo = self._bins(lo)
        keep_hi, bin_hi = self._bins(hi)
        unsure = torch.nonzero(keep_lo & ((keep_lo != keep_hi) | (bin_lo != bin_hi))).view(-1)
        d = m.d.clone()
        d[unsure] = lo[unsure]
        base = _find_threshold(d, m.w, self.pvr)
        unsure = unsure[bin_lo[unsure] <= base[1] + 15].tolist()
        if len(unsure) > 6:
            return False, None
        for combo in range(1, 2 ** len(unsure)):
            trial = d.clone()
            for bit, j in enumerate(unsure):
                if combo >> bit & 1:
                    trial[j] = hi[j]
            if _find_threshold(trial, m.w, self.pvr) != base:
                return False, None
        return True, base[0]

    def _members(self, m: _View, radius: float) -> torch.Tensor | None:
        if m.eps and bool((torch.abs(m.d - radius) <= m.eps + 4 * _U).any()):
            return None
        return m.idx[m.d <= radius]

    def _finish(self, m: _View) -> tuple[bool, str, torch.Tensor | None]:
        """(certain, outcome, members) of the cluster around medoid ``m``; outcome is
        ``loner``, ``default`` (no valley at the loosest ratio), ``fail`` (no valley: the
        seed is retried later) or ``valley``."""
        if m.eps and bool((torch.abs(m.d - MEDOID_RADIUS) <= m.eps).any()):
            return False, "", None
        if int((m.d < MEDOID_RADIUS).sum()) == 1:
            return True, "loner", torch.tensor([m.point], device=self.dev)
        certain, threshold = self._threshold(m)
        if not certain:
            return False, "", None
        if threshold is None:
            if self.pvr > 0.55:
                members = self._members(m, DEFAULT_RADIUS)
                return members is not None, "default", members
            return True, "fail", None
        members = self._members(m, threshold)
        return members is not None, "valley", members

    def next_cluster(self) -> torch.Tensor:
        while True:
            self.stats["attempts"] += 1
            seed = self._next_seed()
            m = self._wander(seed)
            certain, outcome, members = self._finish(m)
            if not certain:
                certain, outcome, members = self._finish(self._exact(m.point))
            if outcome == "fail":
                self._record(False)
                continue
            if outcome == "valley" and self.pvr < 0.55:
                self._record(True)
            return members

    def run(self) -> np.ndarray:
        labels = np.full(self.n, -1, dtype=np.int64)
        k = 0
        remaining = self.n
        from tqdm.auto import tqdm

        # One thread for the loop's many small operations on CPU: on a busy machine each
        # parallel region of a tiny op can wait milliseconds for a second thread (a
        # 60-bin conv1d: 0.02 ms on 1 thread, 6 ms on 2 under load).
        single = self.dev.type == "cpu"
        if single:
            torch.set_num_threads(1)
        precision = torch.get_float32_matmul_precision()
        torch.set_float32_matmul_precision("highest")  # the error bound assumes float32 products (no TF32/bf16)
        try:
            with tqdm(total=self.n, desc="clustering", unit="contig", disable=self.n < 50_000, mininterval=2) as bar:
                while remaining:
                    members = self.next_cluster()
                    self._remove(members)
                    labels[members.cpu().numpy()] = k
                    k += 1
                    remaining -= len(members)
                    bar.update(len(members))
        finally:
            torch.set_float32_matmul_precision(precision)
            if single:
                torch.set_num_threads(self.threads)
        log.debug("medoid clustering: %s", self.stats)
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
    ``opts.refine``, ``markers`` and ``depth (n, s)``, clusters are refined by marker
    genes (``opts.refine_method``); with ``opts.ensemble``, the bins are chosen by marker
    quality from several refinements of the same clusters (:mod:`latentbin.ensemble`);
    with ``opts.recruit``, contigs of clusters too small to be bins join near bins
    (:mod:`latentbin.recruit`); with ``opts.multisplit`` each cluster is then split by the sample prefix of ``names``
    (text before ``separator``)."""
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
        lengths = np.asarray(lengths)
        refined = refine(labels, latent, depth, lengths, markers, opts, seed)
        if opts.ensemble == "clusterings":
            labels = ensemble_of_refinements(labels, refined, latent, depth, lengths, markers, opts, seed)
        else:
            labels = refined
    if opts.recruit:
        from .recruit import recruit

        labels = recruit(labels, latent, np.asarray(lengths), opts.min_bin_bp, opts.recruit_quantile,
                         markers.matrix() if markers is not None else None)
    if opts.multisplit:
        if names is None or separator is None:
            raise ValueError("bug: multisplit needs contig names and the separator")
        labels = split_by_sample(labels, names, separator)
    return labels


#: refinements whose clusters are the ensemble's candidates, beside the unrefined clusters
ENSEMBLE_METHODS = ("split_merge", "kmeans")


def ensemble_of_refinements(raw: np.ndarray, refined: np.ndarray, latent: np.ndarray, depth: np.ndarray,
                            lengths: np.ndarray, markers: ContigMarkers, opts: ClusterOptions,
                            seed: int) -> np.ndarray:
    """Bins chosen by marker quality from the unrefined clusters ``raw`` and each
    refinement of :data:`ENSEMBLE_METHODS` (``refined``, by ``opts.refine_method``, is one
    of them and is the fallback for contigs no chosen bin holds)."""
    from dataclasses import replace

    from .ensemble import select_bins
    from .refine import refine

    candidates = [raw] + [refined if m == opts.refine_method else
                          refine(raw, latent, depth, lengths, markers, replace(opts, refine_method=m), seed)
                          for m in ENSEMBLE_METHODS]
    return select_bins(candidates, markers.matrix(), lengths, refined, opts.ensemble_min_score,
                       opts.ensemble_penalty, opts.min_bin_bp)


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
