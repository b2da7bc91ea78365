"""Choosing bins from several binnings by marker quality (latentbin.ensemble)."""

from dataclasses import replace

import numpy as np

from latentbin.cluster import cluster_latent
from latentbin.ensemble import select_bins
from latentbin.markers import ContigMarkers
from tests.helpers import options


def genomes(n_genomes: int, contigs_per: int, n_markers: int = 20, seed: int = 0):
    """Marker matrix of ``n_genomes`` genomes, each marker once per genome on a random contig."""
    rng = np.random.default_rng(seed)
    n = n_genomes * contigs_per
    mm = np.zeros((n, n_markers), dtype=np.int32)
    for g in range(n_genomes):
        for m in range(n_markers):
            mm[g * contigs_per + rng.integers(contigs_per), m] += 1
    return mm, np.repeat(np.arange(n_genomes), contigs_per)


def test_best_bins_of_each_binning_are_taken():
    mm, truth = genomes(4, 10)
    lengths = np.full(len(truth), 10_000)
    merged = truth // 2  # genomes 0+1 and 2+3 together
    split = truth * 2 + (np.arange(len(truth)) % 10 >= 5)  # every genome in halves
    # binning A is right about genomes 0 and 1, binning B about 2 and 3
    a = np.where(truth < 2, truth, merged + 10)
    b = np.where(truth >= 2, truth, split + 20)
    out = select_bins([a, b], mm, lengths, fallback=merged)
    for g in range(4):
        assert len(set(out[truth == g].tolist())) == 1
    assert len(set(out.tolist())) == 4


def test_contigs_of_a_chosen_bin_leave_the_other_candidates():
    mm, truth = genomes(2, 10)
    lengths = np.full(len(truth), 10_000)
    # B's bin 0 is genome 0 plus three contigs of genome 1: once A's genome-1 bin is
    # taken, B's bin loses them, and both genomes come out whole and pure
    a = truth.copy()
    b = truth.copy()
    b[10:13] = 0
    out = select_bins([b, a], mm, lengths, fallback=b)
    assert len(set(out[:10].tolist())) == 1 and len(set(out[10:].tolist())) == 1 and out[0] != out[10]


def test_nothing_scores_enough_keeps_the_fallback():
    mm, truth = genomes(2, 10)
    out = select_bins([truth], mm, np.full(20, 10_000), fallback=truth, min_score=1.5)
    np.testing.assert_array_equal(out, truth)


def test_small_candidates_are_never_chosen_and_nothing_is_lost():
    mm, truth = genomes(3, 10)
    lengths = np.full(30, 10_000)
    fallback = np.zeros(30, dtype=np.int64)
    out = select_bins([truth], mm, lengths, fallback, min_bp=200_000)  # every genome is 100 kbp
    assert len(set(out.tolist())) == 1  # only the fallback cluster
    out = select_bins([truth], mm, lengths, fallback, min_bp=50_000)
    assert len(set(out.tolist())) == 3 and len(out) == 30


def test_cluster_latent_ensemble_recovers_planted_genomes():
    rng = np.random.default_rng(2)
    n_g, per, d = 6, 40, 16
    centers = rng.normal(0, 1, (n_g, d)).astype(np.float32) * 3
    truth = np.repeat(np.arange(n_g), per)
    latent = centers[truth] + rng.normal(0, 0.2, (n_g * per, d)).astype(np.float32)
    mm, _ = genomes(n_g, per, n_markers=107, seed=1)
    contig, marker = np.nonzero(mm)
    found = ContigMarkers(np.array([f"c{i}" for i in range(len(truth))]), np.array([f"m{i}" for i in range(107)]),
                          contig, marker)
    opts = replace(options().cluster, ensemble="clusterings")
    labels = cluster_latent(latent, np.full(len(truth), 20_000), opts, seed=1, markers=found,
                            depth=np.ones((len(truth), 2), dtype=np.float32))
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(truth, labels) > 0.95
