"""Score a binning against the gold standard, the same way for every tool.

The counts (genomes recovered at recall x precision, NC, binned bp fraction, ARI) come
from the project's scorer ``latentbin.score``; with ``--scorer`` (or without latentbin)
from the reference ``../shared/tools/score_bins.py``, with ARI added here the same way.
This module adds the NC-vs-precision curve (recall >= 0.9) for the plot.

``ari`` counts every unbinned contig as a cluster of its own (a binner is charged for
what it leaves out); ``ari_binned`` uses the binned contigs only (as AMBER does). Bins smaller than ``min_bin_bp`` are
dropped for every tool alike (Vamb, MetaBAT2 and SemiBin2 all write FASTA only for
bins >= 200 kbp by default).
"""
from __future__ import annotations

import importlib.util
from collections import defaultdict
from pathlib import Path

import numpy as np

from .datasets import SHARED

CURVE_PRECISIONS = tuple(round(0.80 + 0.01 * i, 2) for i in range(21))
CURVE_RECALL = 0.9


def _reference_scorer(path: Path | None = None):
    """Import ``score_bins.py`` as a module (standard library only)."""
    path = path or SHARED / "tools" / "score_bins.py"
    spec = importlib.util.spec_from_file_location("score_bins", path)
    if spec is None or not path.exists():
        raise SystemExit(f"scorer {path} not found; pass --scorer PATH")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def scorer_module(path: Path | None = None):
    """``latentbin.score`` (the project's scorer) unless ``path`` names a score_bins.py."""
    if path is None:
        try:
            import latentbin.score as lbs  # written by the QC helper

            return lbs
        except ImportError:
            pass
    return _reference_scorer(path)


def ari(truth: list, pred: list) -> float:
    """Adjusted Rand index of two labelings of the same items (pair-counting form)."""
    if len(truth) < 2:
        return float("nan")
    _, t = np.unique(np.asarray(truth), return_inverse=True)
    _, p = np.unique(np.asarray(pred), return_inverse=True)
    table = np.zeros((t.max() + 1, p.max() + 1), dtype=np.int64)
    np.add.at(table, (t, p), 1)

    def pairs(x):
        x = np.asarray(x, dtype=np.float64)
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    a, b = pairs(table.sum(1)), pairs(table.sum(0))
    n = pairs([len(t)])
    expected = a * b / n if n else 0.0
    maximum = (a + b) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


def _filter_small(bin_of: dict, lengths: dict, min_bin_bp: int) -> dict:
    size = defaultdict(int)
    for c, b in bin_of.items():
        size[b] += lengths.get(c, 0)
    return {c: b for c, b in bin_of.items() if size[b] >= min_bin_bp}


def score_binning(gold: Path, bins: Path, min_contig: int, min_bin_bp: int, scorer=None) -> dict:
    """Score dict: NC, genomes, bins, binned_bp_fraction, ari, ari_binned, table
    (``"recall>=R,precision>=P"`` -> genomes) and ``curve`` (precision -> genomes at recall >= 0.9)."""
    mod = scorer or scorer_module()
    if hasattr(mod, "read_clusters"):  # latentbin.score
        genome_of, lengths = mod.read_gold(str(gold), min_contig)
        bin_of = _filter_small(mod.read_clusters(str(bins)), lengths, min_bin_bp)
        res = dict(mod.score(genome_of, lengths, bin_of))
        res["table"] = {f"recall>={r},precision>={p}": v for (r, p), v in res["table"].items()}
    else:  # reference score_bins.py: same counts, ARI added here
        genome_of, lengths = mod.read_gold(str(gold))
        if min_contig:
            genome_of = {c: g for c, g in genome_of.items() if lengths[c] >= min_contig}
        bin_of = _filter_small(mod.read_bins(str(bins)), lengths, min_bin_bp)
        res = dict(mod.score(genome_of, lengths, bin_of))
        contigs = sorted(genome_of)
        res["ari"] = ari([genome_of[c] for c in contigs], [bin_of.get(c, "\0" + c) for c in contigs])
        binned = [c for c in contigs if c in bin_of]
        res["ari_binned"] = ari([genome_of[c] for c in binned], [bin_of[c] for c in binned])
    # best precision among bins with recall >= 0.9, per genome, for the curve
    genome_bp, bin_bp, shared = defaultdict(int), defaultdict(int), defaultdict(int)
    for c, g in genome_of.items():
        genome_bp[g] += lengths[c]
    for c, b in bin_of.items():
        if c in genome_of:
            bin_bp[b] += lengths[c]
            shared[(b, genome_of[c])] += lengths[c]
    best = defaultdict(float)
    for (b, g), bp in shared.items():
        if bp / genome_bp[g] >= CURVE_RECALL:
            best[g] = max(best[g], bp / bin_bp[b])
    res["curve"] = {p: sum(1 for v in best.values() if v >= p - 1e-12) for p in CURVE_PRECISIONS}
    res["scorer"] = getattr(mod, "__name__", "score_bins")
    return res
