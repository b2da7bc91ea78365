"""Bins chosen from several candidate binnings by marker-gene quality (the DAS Tool /
MAGScoT idea: Sieber et al. 2018, Rühlemann et al. 2022).

Every candidate binning (labels over the same contigs) contributes its clusters as
candidate bins. Each candidate bin is scored from the single-copy markers it holds
(:func:`latentbin.markers.quality`: completeness - ``penalty`` x contamination, as
fractions). Greedily, the best-scoring bin is taken; its contigs leave every other
candidate, whose markers and scores are updated; this repeats until no candidate scores
``min_score`` or more. Contigs no chosen bin holds keep their cluster of the ``fallback``
binning (minus the contigs taken), so nothing is lost.

Work: each contig is in at most one bin per binning, so the updates cost
O(n_binnings x markers found) in all, plus a heap operation per update.

>>> import numpy as np
>>> mm = np.eye(4, dtype=np.int32)[[0, 1, 2, 3, 0, 1, 2, 3]]  # two genomes, 4 markers each
>>> a = np.array([0, 0, 0, 0, 0, 0, 0, 0])                   # both genomes in one bin
>>> b = np.array([0, 0, 0, 0, 1, 1, 1, 1])                   # apart
>>> select_bins([a, b], mm, np.full(8, 1000), fallback=a).tolist()
[0, 0, 0, 0, 1, 1, 1, 1]
"""

from __future__ import annotations

import heapq
import logging
from typing import Sequence

import numpy as np

from .refine import groups

log = logging.getLogger(__name__)


def _score(counts: np.ndarray, penalty: float) -> float:
    n = len(counts)
    comp = float((counts > 0).sum()) / n
    cont = float(np.clip(counts - 1, 0, None).sum()) / n
    return comp - penalty * cont


def select_bins(binnings: Sequence[np.ndarray], mm: np.ndarray, lengths: np.ndarray, fallback: np.ndarray,
                min_score: float = 0.5, penalty: float = 2.0, min_bp: int = 0) -> np.ndarray:
    """Labels ``(n,) int64``: the chosen bins first (0..k-1, in order of choice), then the
    ``fallback`` clusters of the contigs left.

    ``binnings``: candidate labels, each ``(n,) int``; ``mm``: marker copies per contig
    ``(n, n_markers) int``; ``lengths (n,)`` bp; candidate bins under ``min_bp`` are not
    considered; identical candidate bins from two binnings count once.
    """
    n = len(fallback)
    lengths = np.asarray(lengths)
    members: list[np.ndarray] = []
    seen: set[bytes] = set()
    for labels in binnings:
        if len(labels) != n:
            raise ValueError("bug: candidate binnings differ in length")
        for m in groups(labels):
            key = m.tobytes()
            if key in seen or lengths[m].sum() < min_bp:
                continue
            seen.add(key)
            members.append(m)
    has = mm.any(axis=1)
    counts = np.array([mm[m].sum(axis=0) for m in members]).reshape(len(members), mm.shape[1]).astype(np.int64)
    size = np.array([lengths[m].sum() for m in members], dtype=np.int64)
    # contig -> the candidate bins holding it (CSR over contigs)
    pc = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
    pb = np.repeat(np.arange(len(members)), [len(m) for m in members])
    order = np.argsort(pc, kind="stable")
    pc, pb = pc[order], pb[order]
    start = np.searchsorted(pc, np.arange(n + 1))
    scores = np.array([_score(c, penalty) for c in counts])
    version = np.zeros(len(members), dtype=np.int64)
    heap = [(-s, b, 0) for b, s in enumerate(scores)]
    heapq.heapify(heap)
    taken = np.zeros(n, dtype=bool)
    done = np.zeros(len(members), dtype=bool)
    chosen: list[np.ndarray] = []
    while heap:
        neg, b, v = heapq.heappop(heap)
        if done[b] or v != version[b]:
            continue
        if -neg < min_score:
            break
        done[b] = True
        if size[b] < min_bp:  # shrank below the size limit as other bins took its contigs
            continue
        mine = members[b][~taken[members[b]]]
        taken[mine] = True
        chosen.append(mine)
        dirty: set[int] = set()
        for c in mine:
            for other in pb[start[c]:start[c + 1]]:
                if not done[other]:
                    size[other] -= lengths[c]
                    if has[c]:
                        counts[other] -= mm[c]
                        dirty.add(int(other))
        for other in dirty:
            scores[other] = _score(counts[other], penalty)
            version[other] += 1
            heapq.heappush(heap, (-scores[other], other, int(version[other])))
    left = np.flatnonzero(~taken)
    parts = chosen + [left[g] for g in groups(fallback[left])]
    out = np.empty(n, dtype=np.int64)
    for i, m in enumerate(parts):
        out[m] = i
    log.info("ensemble: %d bins chosen from %d candidates of %d binnings (%d contigs, %.1f Mbp); %d fallback clusters",
             len(chosen), len(members), len(binnings), int(taken.sum()), lengths[taken].sum() / 1e6,
             len(parts) - len(chosen))
    return out
