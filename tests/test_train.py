import numpy as np
import pytest

from latentbin.config import load_config
from latentbin.errors import InputError
from latentbin.train import batch_size_at, encode_latent, pick_device, prepare, train_vae


def data(n=300, s=3, seed=0):
    rng = np.random.default_rng(seed)
    depth = (rng.random((n, s)) + 0.1).astype(np.float32)
    tnf = rng.standard_normal((n, 103)).astype(np.float32)
    return depth, tnf, rng.integers(2000, 50000, n)


SMALL = {"vae": {"epochs": 3, "hidden": [32, 16], "latent": 4, "batch_size": 32, "batch_steps": [2]}}


def test_prepare_normalisation():
    depth, tnf, lengths = data()
    x, w = prepare(depth, tnf, lengths)
    assert x.shape == (300, 3 + 103 + 1) and x.dtype == np.float32
    np.testing.assert_allclose(x[:, :3].sum(1), 1, rtol=1e-5)  # relative depths
    np.testing.assert_allclose(x[:, 3:106].mean(0), 0, atol=1e-4)  # z-scored TNF
    np.testing.assert_allclose(x[:, 106].std(), 1, rtol=1e-3)  # z-scored log abundance
    assert w.mean() == pytest.approx(1, rel=1e-5) and w.min() > 0


def test_training_is_deterministic_on_cpu(tmp_path):
    depth, tnf, lengths = data()
    cfg = load_config(SMALL)
    m1, h1 = train_vae(depth, tnf, lengths, cfg, device="cpu", log_path=tmp_path / "log.tsv")
    m2, h2 = train_vae(depth, tnf, lengths, cfg, device="cpu")
    np.testing.assert_array_equal(encode_latent(m1, depth, tnf, lengths), encode_latent(m2, depth, tnf, lengths))
    assert [h["loss"] for h in h1] == [h["loss"] for h in h2]
    assert all(np.isfinite(h["loss"]) for h in h1)
    assert h1[0]["batch_size"] == 32 and h1[2]["batch_size"] == 64
    lines = (tmp_path / "log.tsv").read_text().splitlines()
    assert lines[0].split("\t") == ["epoch", "loss", "ce", "ab", "sse", "kld", "active_dims", "batch_size", "seconds"]
    assert len(lines) == 4
    other = load_config({**SMALL, "seed": 2})
    m3, _ = train_vae(depth, tnf, lengths, other, device="cpu")
    assert not np.array_equal(encode_latent(m1, depth, tnf, lengths), encode_latent(m3, depth, tnf, lengths))


@pytest.mark.parametrize("variance, loss, iw", [("fixed", "vamb5", 1), ("learned", "capacity", 3)])
def test_variants_train(variance, loss, iw):
    depth, tnf, lengths = data()
    cfg = load_config({"vae": {**SMALL["vae"], "variance": variance, "loss": loss, "importance_samples": iw}})
    model, hist = train_vae(depth, tnf, lengths, cfg, device="cpu")
    assert len(hist) == 3 and np.isfinite(hist[-1]["loss"])
    assert encode_latent(model, depth, tnf, lengths).shape == (300, 4)


def test_loss_goes_down():
    depth, tnf, lengths = data(n=400)
    cfg = load_config({"vae": {**SMALL["vae"], "epochs": 15}})
    _, hist = train_vae(depth, tnf, lengths, cfg, device="cpu")
    assert hist[-1]["loss"] < hist[0]["loss"]


def test_fewer_contigs_than_a_batch():
    depth, tnf, lengths = data(n=20)
    with pytest.raises(InputError, match="only 20 contigs, fewer than one batch"):
        train_vae(depth, tnf, lengths, load_config(SMALL), device="cpu", source="depth.npz")


def test_zero_depth_contig_and_sample():
    depth, tnf, lengths = data()
    depth[5] = 0
    with pytest.raises(InputError, match="contig 'c5' has zero depth in every sample"):
        train_vae(depth, tnf, lengths, load_config(SMALL), names=np.array([f"c{i}" for i in range(300)]))
    depth, tnf, lengths = data()
    depth[:, 1] = 0
    with pytest.raises(InputError, match="sample column 2 has zero depth"):
        prepare(depth, tnf, lengths)


def test_cyclical_schedule():
    cfg = load_config({"vae": {"batch_schedule": "cyclical"}})["vae"]
    sizes = [batch_size_at(e, cfg, 10**6) for e in range(8)]
    assert sizes[3] < sizes[2] and sizes[7] < sizes[6] and sizes[0] == 256


def test_device_choice():
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type in ("cpu", "cuda")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="no CUDA GPU"):
            pick_device("cuda")
