"""Length-aware recruitment of contigs from clusters too small to be bins."""

from dataclasses import replace

import numpy as np

from latentbin.cluster import cluster_latent
from latentbin.recruit import radius_model, recruit
from tests.helpers import options


def planted(seed: int = 0):
    """Two genomes: 40 long and 20 short contigs each in a bin (short ones noisier:
    further from the centre), plus 10 short contigs each left in singleton clusters, plus
    5 contigs of a third genome with no bin."""
    rng = np.random.default_rng(seed)
    centers = np.eye(3, 16, dtype=np.float32) * 4
    lat, lab, lengths, truth = [], [], [], []
    for g in range(2):
        lat.append(centers[g] + rng.normal(0, 0.3, (40, 16)))
        lat.append(centers[g] + rng.normal(0, 0.6, (20, 16)))
        lab += [g] * 60
        lengths += [20_000] * 40 + [2_500] * 20
        truth += [g] * 60
    for g in range(2):
        lat.append(centers[g] + rng.normal(0, 0.6, (10, 16)))
        lab += list(range(100 + 10 * g, 110 + 10 * g))
        lengths += [2_500] * 10
        truth += [g] * 10
    lat.append(centers[2] + rng.normal(0, 0.6, (5, 16)))
    lab += list(range(200, 205))
    lengths += [2_500] * 5
    truth += [2] * 5
    return np.vstack(lat).astype(np.float32), np.array(lab), np.array(lengths), np.array(truth)


def test_short_contigs_join_their_genome_and_foreign_ones_stay_out():
    latent, labels, lengths, truth = planted()
    out = recruit(labels, latent, lengths, min_bp=500_000, quantile=0.99)
    assert out[0] != out[60]
    joined0 = np.flatnonzero(out == out[0])
    joined1 = np.flatnonzero(out == out[60])
    assert (truth[joined0] == 0).all() and (truth[joined1] == 1).all()  # no foreign contig recruited
    assert len(joined0) > 65 and len(joined1) > 65  # most short orphans of each genome joined
    assert len(set(out[truth == 2].tolist())) == 5  # the third genome's contigs are untouched


def test_a_duplicated_marker_blocks_recruitment():
    latent, labels, lengths, truth = planted()
    mm = np.zeros((len(labels), 3), dtype=np.int32)
    mm[0, 0] = 1  # bin 0 has marker 0 ...
    short0 = np.flatnonzero(labels >= 100) [:10]
    mm[short0, 0] = 1  # ... and every short contig of genome 0 carries it again
    out = recruit(labels, latent, lengths, min_bp=500_000, quantile=0.99, mm=mm)
    assert not (out[short0] == out[0]).any()
    assert (out[labels >= 110][:10] == out[60]).sum() > 5  # genome 1 still recruits


def test_radius_grows_as_contigs_shorten():
    rng = np.random.default_rng(1)
    lengths = np.exp(rng.uniform(np.log(2000), np.log(200_000), 5000))
    dist = rng.exponential(0.01 * (20_000 / lengths) ** 0.5)
    edges, radius = radius_model(dist, lengths, 0.9)
    assert len(radius) == len(edges) + 1 and (np.diff(radius) <= 0).all() and radius[0] > 2 * radius[-1]


def test_no_bin_changes_nothing_and_bins_keep_their_members():
    latent, labels, lengths, _ = planted()
    same = recruit(labels, latent, lengths, min_bp=10_000_000)
    assert len(set(same.tolist())) == len(set(labels.tolist()))
    out = recruit(labels, latent, lengths, min_bp=500_000)
    assert len(set(out[:60].tolist())) == 1 and len(set(out[60:120].tolist())) == 1


def test_cluster_latent_runs_recruitment():
    latent, _, lengths, truth = planted()
    opts = replace(options().cluster, refine=False, recruit=True, min_bin_bp=500_000)
    out = cluster_latent(latent, lengths, opts, seed=1)
    plain = cluster_latent(latent, lengths, replace(opts, recruit=False), seed=1)
    assert len(set(out.tolist())) <= len(set(plain.tolist()))
