"""Marker-guided refinement of clusters: split clusters that hold several genomes, merge
pieces of one genome.

Single-copy marker genes (``latentbin.markers``: pyrodigal + pyhmmer against the 107
bacterial single-copy genes) are found once on every contig. A cluster's completeness
is the fraction of markers present and its contamination the extra copies per marker
(CheckM's plain estimate). Its quality is ``completeness - 2 * contamination``.

Two methods (``cluster.refine_method``; every threshold is a ``cluster.*`` key of the
schema):

``split_merge`` (latentbin's own)
    1. Split: a cluster of >= ``refine_min_bp`` with contamination above
       ``split_contamination`` x its completeness (and at least ``split_min_extra``
       extra marker copies) is cut by k-means (k = median copies of its present
       markers, at least 2) on the unit-normalised latent next to the z-scored log
       depths; the cut is kept when the summed quality of the parts beats the whole by
       ``split_min_gain``. Parts are split again (two rounds).
    2. Merge (``cluster.merge``): two clusters whose length-weighted latent centroids are
       within ``merge_distance`` (cosine distance / 2) are merged when the union's
       quality beats both by ``merge_min_gain`` and its contamination stays under
       ``merge_max_contamination``; best pair first, one merge per pass.
``kmeans`` (Vamb 5's ``vamb recluster`` k-means mode, itself SemiBin's reclustering)
    Every cluster whose median marker count (over all 107 markers, counting contigs
    that carry the marker) is >= 2 is cut by length-weighted k-means on the raw latent
    into that many parts, seeded with the contigs of the marker that occurs exactly
    median times and whose shortest carrier is longest. No merge.

Clusters without markers (plasmids, small pieces) are left as they are. Grouping the
labels is one sort (O(n log n)), and each merge pass reuses the cached centroids and
marker counts of the clusters it did not change.
"""

from __future__ import annotations

import logging

import numpy as np

from .markers import ContigMarkers, quality
from .options import ClusterOptions

log = logging.getLogger(__name__)

#: split rounds of split_merge (a part may be split once more)
SPLIT_ROUNDS = 2
#: weight of the z-scored log depths next to the unit latent in split_merge's k-means
DEPTH_WEIGHT = 0.3


def groups(labels: np.ndarray) -> list[np.ndarray]:
    """Members of each label, labels in ascending order, members ascending: ``[(m_k,) int64]``."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return []
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order.astype(np.int64), cuts)


def relabel(parts: list[np.ndarray], n: int) -> np.ndarray:
    """Labels ``(n,) int64`` 0..k-1 from a list of member arrays (empty ones skipped)."""
    new = np.empty(n, dtype=np.int64)
    k = 0
    for m in parts:
        if len(m):
            new[m] = k
            k += 1
    return new


def _score(counts: np.ndarray) -> float:
    comp, cont = quality(counts)
    return comp - 2 * cont


def _features(latent: np.ndarray, depth: np.ndarray) -> np.ndarray:
    unit = latent / np.maximum(np.linalg.norm(latent, axis=1, keepdims=True), 1e-12)
    logd = np.log(depth + 0.1)
    logd = (logd - logd.mean(axis=0)) / np.where(logd.std(axis=0) == 0, 1, logd.std(axis=0))
    return np.hstack([unit, DEPTH_WEIGHT * logd]).astype(np.float64)


def _split(members: np.ndarray, mm: np.ndarray, feats: np.ndarray, seed: int, rounds: int,
           opts: ClusterOptions) -> list[np.ndarray]:
    from sklearn.cluster import KMeans

    counts = mm[members].sum(axis=0)
    comp, cont = quality(counts)
    # contamination relative to completeness: genomes with few of these markers (archaea,
    # divergent lineages) show small absolute numbers
    if (rounds == 0 or cont < opts.split_min_extra / len(counts) or cont <= opts.split_contamination * comp
            or len(members) < 4):
        return [members]
    k = int(max(2, np.median(counts[counts > 0])))
    k = min(k, len(members) // 2)
    if k < 2:
        return [members]
    labels = KMeans(n_clusters=k, n_init=5, random_state=seed).fit_predict(feats[members])
    parts = [members[labels == j] for j in range(k) if (labels == j).any()]
    if sum(max(_score(mm[p].sum(axis=0)), 0) for p in parts) <= max(_score(counts), 0) + opts.split_min_gain:
        return [members]
    return [q for p in parts for q in _split(p, mm, feats, seed, rounds - 1, opts)]


def _centroid(unit: np.ndarray, members: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    c = np.average(unit[members], axis=0, weights=lengths[members])[None]
    return (c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12))[0]


def _merge(out: list[np.ndarray], latent: np.ndarray, lengths: np.ndarray, mm: np.ndarray,
           opts: ClusterOptions) -> int:
    """Merge pairs of ``out`` in place (see the module docstring); returns the merge count."""
    unit = latent / np.maximum(np.linalg.norm(latent, axis=1, keepdims=True), 1e-12)
    big = [i for i, m in enumerate(out) if mm[m].any() and lengths[m].sum() >= opts.refine_min_bp]
    if len(big) < 2:
        return 0
    cents = np.array([_centroid(unit, out[i], lengths) for i in big])
    counts = np.array([mm[out[i]].sum(axis=0) for i in big])
    scores = np.array([_score(c) for c in counts])
    n_merge = 0
    while len(big) > 1:
        dist = 0.5 - 0.5 * cents @ cents.T
        best = None
        for a, b in zip(*np.nonzero(np.triu(dist < opts.merge_distance, 1))):
            union = counts[a] + counts[b]
            _, cont = quality(union)
            gain = _score(union) - max(scores[a], scores[b])
            if cont <= opts.merge_max_contamination and gain > opts.merge_min_gain and (best is None or gain > best[0]):
                best = (gain, a, b)
        if best is None:
            break
        _, a, b = best
        ia, ib = big[a], big[b]
        out[ia] = np.concatenate([out[ia], out[ib]])
        out[ib] = np.zeros(0, dtype=np.int64)
        cents[a] = _centroid(unit, out[ia], lengths)
        counts[a] = counts[a] + counts[b]
        scores[a] = _score(counts[a])
        keep = np.arange(len(big)) != b
        big.pop(b)
        cents, counts, scores = cents[keep], counts[keep], scores[keep]
        n_merge += 1
    return n_merge


def split_merge(labels: np.ndarray, latent: np.ndarray, depth: np.ndarray, lengths: np.ndarray,
                markers: ContigMarkers, opts: ClusterOptions, seed: int = 1) -> np.ndarray:
    """latentbin's split/merge refinement (module docstring): labels ``(n,) int64``."""
    mm = markers.matrix()
    feats = _features(latent, depth)
    n_split = 0
    out: list[np.ndarray] = []
    for members in groups(labels):
        if lengths[members].sum() >= opts.refine_min_bp and mm[members].any():
            parts = _split(members, mm, feats, seed, SPLIT_ROUNDS, opts)
            n_split += len(parts) - 1
            out.extend(parts)
        else:
            out.append(members)
    n_merge = _merge(out, latent, lengths, mm, opts) if opts.merge else 0
    new = relabel(out, len(labels))
    log.info("refine (split_merge): %d splits, %d merges -> %d clusters", n_split, n_merge, int(new.max()) + 1)
    return new


def _kmeans_seeds(members: np.ndarray, carriers: np.ndarray, counts: np.ndarray, median: int,
                  lengths: np.ndarray) -> np.ndarray:
    """Seed contigs (Vamb's ``get_kmeans_seeds``): of the markers found on exactly ``median``
    contigs, the one whose shortest carrier is longest; its carriers, ``(median,) int64``."""
    best, best_len = None, -1
    for j in np.flatnonzero(counts == median):
        hold = members[carriers[:, j]]
        shortest = int(lengths[hold].min())
        if shortest > best_len:
            best, best_len = hold, shortest
    return best


def recluster_kmeans(labels: np.ndarray, latent: np.ndarray, lengths: np.ndarray, markers: ContigMarkers,
                     seed: int = 1) -> np.ndarray:
    """Vamb 5 / SemiBin k-means reclustering (module docstring): labels ``(n,) int64``."""
    from sklearn.cluster import KMeans

    present = markers.matrix() > 0  # Vamb counts contigs carrying a marker, not copies
    out: list[np.ndarray] = []
    n_cut = n_new = 0
    for members in groups(labels):
        if len(members) == 1:
            out.append(members)
            continue
        carriers = present[members]
        counts = carriers.sum(axis=0)
        median = int(np.sort(counts)[len(counts) // 2])
        if median < 2:
            out.append(members)
            continue
        init = latent[_kmeans_seeds(members, carriers, counts, median, lengths)]
        km = KMeans(n_clusters=median, init=init, n_init=1, random_state=seed)
        km.fit(latent[members], sample_weight=lengths[members].astype(np.float64))
        parts = [members[km.labels_ == j] for j in range(median)]
        n_cut += 1
        n_new += sum(1 for p in parts if len(p)) - 1
        out.extend(parts)
    new = relabel(out, len(labels))
    log.info("refine (kmeans): %d clusters cut, +%d clusters -> %d clusters", n_cut, n_new, int(new.max()) + 1)
    return new


def refine(labels: np.ndarray, latent: np.ndarray, depth: np.ndarray, lengths: np.ndarray,
           markers: ContigMarkers, opts: ClusterOptions, seed: int = 1) -> np.ndarray:
    """Refined cluster labels ``(n,) int64`` by ``opts.refine_method``.

    ``latent (n, d) float32``, ``depth (n, s) float32``, ``lengths (n,)`` bp, ``markers``
    on the same n contigs."""
    lengths = np.asarray(lengths)
    if opts.refine_method == "kmeans":
        return recluster_kmeans(labels, latent, lengths, markers, seed)
    if opts.refine_method == "split_merge":
        return split_merge(labels, latent, depth, lengths, markers, opts, seed)
    raise ValueError(f"bug: refine method {opts.refine_method!r}")
