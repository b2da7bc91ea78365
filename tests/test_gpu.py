"""CUDA paths: training, encoding and clustering on the GPU (skipped without one)."""

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score

from latentbin.cluster import medoid_clusters
from tests.helpers import options
from latentbin.model import VAE
from latentbin.train import encode_latent, train_vae

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")]


def planted(n_per=200, k=5, s=4, seed=0):
    rng = np.random.default_rng(seed)
    prof = rng.lognormal(0, 1, (k, s))
    tnf_c = rng.standard_normal((k, 103))
    depth = np.repeat(prof, n_per, 0) * rng.lognormal(0, 0.1, (k * n_per, s))
    tnf = np.repeat(tnf_c, n_per, 0) + rng.standard_normal((k * n_per, 103)) * 0.3
    return depth.astype(np.float32), tnf.astype(np.float32), np.full(k * n_per, 10000), np.repeat(np.arange(k), n_per)


def test_train_encode_cluster_on_cuda(tmp_path):
    depth, tnf, lengths, truth = planted()
    vae = options({"vae": {"epochs": 20, "device": "cuda"}}).vae
    model, hist = train_vae(depth, tnf, lengths, vae, 1)
    assert next(model.parameters()).is_cuda and np.isfinite(hist[-1]["loss"])
    latent = encode_latent(model, depth, tnf, lengths)
    model.save(tmp_path / "m.pt")
    again = encode_latent(VAE.load(tmp_path / "m.pt", "cuda"), depth, tnf, lengths)
    np.testing.assert_array_equal(latent, again)
    labels = medoid_clusters(latent, lengths, 25, 1, device="cuda")
    assert adjusted_rand_score(truth, labels) > 0.95


def test_cuda_and_cpu_clustering_agree():
    rng = np.random.default_rng(2)
    centers = rng.standard_normal((6, 16)) * 3
    x = (np.repeat(centers, 80, 0) + rng.standard_normal((480, 16)) * 0.2).astype(np.float32)
    lengths = rng.integers(2000, 20000, 480)
    cpu = medoid_clusters(x, lengths, 25, 1, device="cpu")
    gpu = medoid_clusters(x, lengths, 25, 1, device="cuda")
    assert adjusted_rand_score(cpu, gpu) > 0.99


@pytest.mark.parametrize("over", [{"precision": "tf32"}, {"precision": "bf16"}])
def test_fast_precisions_keep_the_clusters(over):
    """TF32 / bf16 training on CUDA reaches the planted clusters as float32 does."""
    depth, tnf, lengths, truth = planted()
    vae = options({"vae": {"epochs": 20, "device": "cuda", **over}}).vae
    model, hist = train_vae(depth, tnf, lengths, vae, 1)
    assert np.isfinite(hist[-1]["loss"])
    labels = medoid_clusters(encode_latent(model, depth, tnf, lengths), lengths, 25, 1, device="cuda")
    assert adjusted_rand_score(truth, labels) > 0.95


def test_host_memory_training_matrix_on_cuda(monkeypatch):
    """A training matrix too large for the GPU stays pinned in host memory; batches are
    copied per step and the planted clusters are still found."""
    import latentbin.train as t

    monkeypatch.setattr(t, "data_on_device", lambda nbytes, device: False)
    depth, tnf, lengths, truth = planted()
    vae = options({"vae": {"epochs": 20, "device": "cuda"}}).vae
    model, hist = train_vae(depth, tnf, lengths, vae, 1)
    labels = medoid_clusters(encode_latent(model, depth, tnf, lengths), lengths, 25, 1, device="cuda")
    assert adjusted_rand_score(truth, labels) > 0.95
