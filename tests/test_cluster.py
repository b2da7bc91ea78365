import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from latentbin.cluster import (bin_names, cluster_latent, find_threshold, medoid_clusters, read_clusters,
                               write_clusters)
from tests.helpers import options
from latentbin.errors import InputError
import torch


def blobs(k=5, per=60, d=16, seed=0, spread=0.15):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((k, d)) * 3
    x = np.repeat(centers, per, axis=0) + rng.standard_normal((k * per, d)) * spread
    return x.astype(np.float32), np.repeat(np.arange(k), per)


def test_medoid_separates_blobs():
    x, truth = blobs()
    labels = medoid_clusters(x, np.full(len(x), 5000), max_steps=25, seed=1)
    assert adjusted_rand_score(truth, labels) > 0.99


def test_medoid_is_deterministic_and_uses_seed():
    x, _ = blobs(k=8, spread=0.6, seed=3)
    lengths = np.random.default_rng(0).integers(2000, 9000, len(x))
    a = medoid_clusters(x, lengths, max_steps=25, seed=5)
    b = medoid_clusters(x, lengths, max_steps=25, seed=5)
    np.testing.assert_array_equal(a, b)


def test_hdbscan_separates_blobs():
    x, truth = blobs()
    opts = options({"cluster": {"method": "hdbscan", "min_cluster_size": 5}})
    labels = cluster_latent(x, np.full(len(x), 5000), opts.cluster, seed=1)
    assert adjusted_rand_score(truth, labels) > 0.99
    assert (labels >= 0).all()


def test_threshold_at_valley():
    # a dense cluster at distance ~0.01 and a second group at ~0.2: the radius is between
    d = torch.cat([torch.full((100,), 0.01), torch.full((100,), 0.2)])
    t = find_threshold(d, torch.ones(200), pvr=0.1)
    assert t is not None and 0.02 < t < 0.2


def test_multisplit_and_names(tmp_path):
    x, truth = blobs(k=2, per=20)
    names = np.array([f"S{i % 2 + 1}C{i}" for i in range(40)])
    opts = options({"cluster": {"multisplit": True}})
    labels = cluster_latent(x, np.full(40, 5000), opts.cluster, seed=1, names=names, separator="C")
    assert len(set(labels.tolist())) == 4  # 2 clusters x 2 samples
    bins = bin_names(labels, names, True, "C")
    assert all(b.startswith(n.split("C")[0] + ".bin") for b, n in zip(bins, names))
    write_clusters(tmp_path / "c.tsv", bins, names)
    back = read_clusters(tmp_path / "c.tsv")
    assert sorted(c for cs in back.values() for c in cs) == sorted(names.tolist())
    assert (tmp_path / "c.tsv").read_text().startswith("bin\tcontig\n")


def test_bin_numbering_by_size():
    labels = np.array([7, 7, 3, 3, 3, 9])
    assert bin_names(labels, np.array(list("abcdef")), False, "C").tolist() == ["bin2", "bin2", "bin1", "bin1", "bin1", "bin3"]


def test_read_clusters_errors(tmp_path):
    with pytest.raises(InputError, match="clusters file not found"):
        read_clusters(tmp_path / "none.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("bin\tcontig\njustone\n")
    with pytest.raises(InputError, match="line 2 is not 'bin<TAB>contig'"):
        read_clusters(bad)
