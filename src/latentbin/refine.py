"""Marker-guided refinement of clusters: split clusters that hold several genomes, merge
pieces of one genome.

Single-copy marker genes (``latentbin.markers``: pyrodigal + pyhmmer against the 107
bacterial single-copy genes) are found once on every contig. A cluster's completeness
is the fraction of markers present and its contamination the extra copies per marker
(CheckM's plain estimate). Its quality is ``completeness - 2 * contamination``.

1. Split: a cluster with contamination above ``SPLIT_CONTAMINATION`` x its completeness
   (and at least two extra marker copies) is cut by k-means
   (k = median copies of its present markers, at least 2) on the unit-normalised latent
   next to the z-scored log depths; the cut is kept when the summed quality of the
   parts beats the whole. Parts are split again (two rounds).
2. Merge: two clusters whose length-weighted latent centroids are within
   ``MERGE_DISTANCE`` (cosine distance / 2) are merged when the union's quality beats
   both and its contamination stays under ``MERGE_MAX_CONTAMINATION``; best pairs first.

Clusters without markers (plasmids, small pieces) are left as they are.
"""

from __future__ import annotations

import logging

import numpy as np

from .markers import ContigMarkers, quality

log = logging.getLogger(__name__)

SPLIT_CONTAMINATION = 0.1  # split when contamination > 0.1 x completeness ...
SPLIT_MIN_EXTRA = 2 / 107  # ... and at least two extra marker copies
SPLIT_MIN_GAIN = 0.02  # keep a split only if the parts' summed quality gains this much
MERGE_DISTANCE = 0.25
MERGE_MAX_CONTAMINATION = 0.1
MIN_CLUSTER_BP = 50_000
MERGE_MIN_GAIN = 0.05


def _score(counts: np.ndarray) -> float:
    comp, cont = quality(counts)
    return comp - 2 * cont


def _features(latent: np.ndarray, depth: np.ndarray) -> np.ndarray:
    unit = latent / np.maximum(np.linalg.norm(latent, axis=1, keepdims=True), 1e-12)
    logd = np.log(depth + 0.1)
    logd = (logd - logd.mean(axis=0)) / np.where(logd.std(axis=0) == 0, 1, logd.std(axis=0))
    return np.hstack([unit, 0.3 * logd]).astype(np.float64)


def _split(members: np.ndarray, mm: np.ndarray, feats: np.ndarray, seed: int, rounds: int) -> list[np.ndarray]:
    from sklearn.cluster import KMeans

    counts = mm[members].sum(axis=0)
    comp, cont = quality(counts)
    # contamination relative to completeness: genomes with few of these markers (archaea,
    # divergent lineages) show small absolute numbers
    if rounds == 0 or cont < SPLIT_MIN_EXTRA or cont <= SPLIT_CONTAMINATION * comp or len(members) < 4:
        return [members]
    k = int(max(2, np.median(counts[counts > 0])))
    k = min(k, len(members) // 2)
    if k < 2:
        return [members]
    labels = KMeans(n_clusters=k, n_init=5, random_state=seed).fit_predict(feats[members])
    parts = [members[labels == j] for j in range(k) if (labels == j).any()]
    if sum(max(_score(mm[p].sum(axis=0)), 0) for p in parts) <= max(_score(counts), 0) + SPLIT_MIN_GAIN:
        return [members]
    return [q for p in parts for q in _split(p, mm, feats, seed, rounds - 1)]


def refine(labels: np.ndarray, latent: np.ndarray, depth: np.ndarray, lengths: np.ndarray,
           markers: ContigMarkers, seed: int = 1) -> np.ndarray:
    """Refined cluster labels ``(n,) int64`` (see the module docstring)."""
    mm = markers.matrix()
    feats = _features(latent, depth)
    clusters = [np.flatnonzero(labels == k) for k in np.unique(labels)]
    n_split = n_merge = 0
    out: list[np.ndarray] = []
    for members in clusters:
        if lengths[members].sum() >= MIN_CLUSTER_BP and mm[members].any():
            parts = _split(members, mm, feats, seed, rounds=2)
            n_split += len(parts) - 1
            out.extend(parts)
        else:
            out.append(members)
    # merge: candidates are clusters with markers, pairs by centroid distance
    unit = latent / np.maximum(np.linalg.norm(latent, axis=1, keepdims=True), 1e-12)
    big = [i for i, m in enumerate(out) if mm[m].any() and lengths[m].sum() >= MIN_CLUSTER_BP]
    merged = True
    while merged and len(big) > 1:
        merged = False
        cents = np.array([np.average(unit[out[i]], axis=0, weights=lengths[out[i]]) for i in big])
        cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
        dist = 0.5 - 0.5 * cents @ cents.T
        best = None
        for a, b in zip(*np.nonzero(np.triu(dist < MERGE_DISTANCE, 1))):
            ca, cb = mm[out[big[a]]].sum(axis=0), mm[out[big[b]]].sum(axis=0)
            union = ca + cb
            _, cont = quality(union)
            gain = _score(union) - max(_score(ca), _score(cb))
            if cont <= MERGE_MAX_CONTAMINATION and gain > MERGE_MIN_GAIN and (best is None or gain > best[0]):
                best = (gain, a, b)
        if best is not None:
            _, a, b = best
            ia, ib = big[a], big[b]
            out[ia] = np.concatenate([out[ia], out[ib]])
            out[ib] = np.zeros(0, dtype=np.int64)
            big.remove(ib)
            n_merge += 1
            merged = True
    new = np.empty(len(labels), dtype=np.int64)
    k = 0
    for m in out:
        if len(m):
            new[m] = k
            k += 1
    log.info("refine: %d splits, %d merges -> %d clusters", n_split, n_merge, k)
    return new
