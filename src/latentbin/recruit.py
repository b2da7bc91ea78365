"""Length-aware recruitment: contigs left in clusters too small to be bins join the
nearest bin when they lie as close to it as that bin's own contigs of their length do.

A short contig's TNF (and depth) is noisier, so its latent point lies further from its
genome's centre: a fixed radius either misses short contigs or takes foreign long ones.
Here the radius depends on length: the member-to-centroid distances (cosine distance /
2 on the unit latent; centroids length-weighted) of every bin's contigs are pooled in
bins of contig length (quantiles of log length), and a length class's radius is the
``quantile`` of its members' distances, made non-increasing with length (a shorter
contig never gets a smaller radius than a longer one).

A contig in a cluster under ``min_bp`` is recruited by its nearest bin when its distance
is within the radius of its length and, with markers given, when it carries no marker
the bin already has (a duplicated single-copy gene means another genome); candidates
are taken closest first, so bins' marker sets fill in that order.

>>> import numpy as np
>>> x = np.array([[1, 0], [1, 0.05], [1, -0.05], [1, 0.02], [0, 1]], dtype=np.float32)
>>> recruit(np.array([0, 0, 0, 1, 2]), x, np.array([9e4, 9e4, 9e4, 3e3, 3e3]), min_bp=100_000).tolist()
[0, 0, 0, 0, 2]
"""

from __future__ import annotations

import logging

import numpy as np

from .refine import groups, relabel

log = logging.getLogger(__name__)

#: length classes of the radius model (quantiles of the members' log lengths)
N_LENGTH_CLASSES = 8
#: orphans scored against all bins in chunks of this many rows
CHUNK = 4096


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def radius_model(dist: np.ndarray, lengths: np.ndarray, quantile: float) -> tuple[np.ndarray, np.ndarray]:
    """(class edges in bp ``(k-1,)``, radius per class ``(k,)``) from members' distances
    ``dist (m,)`` to their bin centroid and their lengths ``(m,)`` bp; radii
    non-increasing with length."""
    logl = np.log(np.asarray(lengths, dtype=np.float64))
    edges = np.unique(np.quantile(logl, np.linspace(0, 1, N_LENGTH_CLASSES + 1)[1:-1]))
    cls = np.searchsorted(edges, logl, side="right")
    radius = np.array([np.quantile(dist[cls == k], quantile) if (cls == k).any() else 0.0
                       for k in range(len(edges) + 1)])
    radius = np.maximum.accumulate(radius[::-1])[::-1]  # shorter classes at least as wide as longer ones
    return np.exp(edges), radius


def recruit(labels: np.ndarray, latent: np.ndarray, lengths: np.ndarray, min_bp: int, quantile: float = 0.9,
            mm: np.ndarray | None = None) -> np.ndarray:
    """Labels ``(n,) int64`` after recruitment (module docstring); bins keep their members.

    ``latent (n, d)``, ``lengths (n,)`` bp, ``mm``: marker copies per contig ``(n, n_markers)``
    or None (no marker check)."""
    lengths = np.asarray(lengths)
    parts = groups(labels)
    size = np.array([lengths[m].sum() for m in parts])
    big = np.flatnonzero(size >= min_bp)
    if len(big) == 0:
        return relabel(parts, len(labels))
    unit = _unit(np.asarray(latent, dtype=np.float32))
    bin_of = np.full(len(labels), -1, dtype=np.int64)
    for j, k in enumerate(big):
        bin_of[parts[k]] = j
    cents = np.zeros((len(big), unit.shape[1]), dtype=np.float64)
    np.add.at(cents, bin_of[bin_of >= 0], unit[bin_of >= 0] * lengths[bin_of >= 0, None])
    cents = _unit(cents).astype(np.float32)
    members = np.flatnonzero(bin_of >= 0)
    d_mem = 0.5 - 0.5 * np.einsum("ij,ij->i", unit[members], cents[bin_of[members]])
    edges, radius = radius_model(d_mem, lengths[members], quantile)
    orphans = np.flatnonzero(bin_of < 0)
    best = np.empty(len(orphans), dtype=np.int64)
    dist = np.empty(len(orphans), dtype=np.float32)
    for lo in range(0, len(orphans), CHUNK):
        d = 0.5 - 0.5 * unit[orphans[lo:lo + CHUNK]] @ cents.T
        best[lo:lo + CHUNK] = d.argmin(axis=1)
        dist[lo:lo + CHUNK] = d[np.arange(len(d)), best[lo:lo + CHUNK]]
    ok = dist <= radius[np.searchsorted(edges, lengths[orphans], side="right")]
    counts = None
    if mm is not None:
        counts = np.zeros((len(big), mm.shape[1]), dtype=np.int64)
        np.add.at(counts, bin_of[members], mm[members])
    taken = []
    for i in np.flatnonzero(ok)[np.argsort(dist[ok], kind="stable")]:
        c, b = orphans[i], best[i]
        if counts is not None:
            if (counts[b][mm[c] > 0] > 0).any():
                continue
            counts[b] += mm[c]
        bin_of[c] = b
        taken.append(c)
    assigned = np.flatnonzero(bin_of >= 0)
    left = np.flatnonzero(bin_of < 0)
    out = [assigned[g] for g in groups(bin_of[assigned])] + [left[g] for g in groups(labels[left])]
    log.info("recruit: %d of %d contigs in clusters < %d bp joined a bin (%.2f Mbp); radius %.3f-%.3f by length",
             len(taken), len(orphans), min_bp, lengths[taken].sum() / 1e6, float(radius.min()), float(radius.max()))
    return relabel(out, len(labels))
