import numpy as np
import pytest

from latentbin.errors import InputError
from latentbin.runtime import pick_device
from latentbin.train import batch_size_at, batch_size_for, encode_latent, prepare, train_vae, watch_collapse
from tests.helpers import options


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


def test_contig_weights_option():
    depth, tnf, lengths = data()
    x, w = prepare(depth, tnf, lengths)  # log_length: longer contigs weigh more, mean 1
    order = np.argsort(lengths)
    assert np.all(np.diff(w[order, 0]) >= 0) and w[order[-1], 0] > w[order[0], 0]
    x_none, w_none = prepare(depth, tnf, lengths, "none")
    np.testing.assert_array_equal(x_none, x)
    assert w_none.shape == w.shape and np.all(w_none == 1)
    vae = options(SMALL).vae
    none = options({"vae": {**SMALL["vae"], "contig_weights": "none"}}).vae
    assert vae.contig_weights == "log_length" and none.contig_weights == "none"
    m1, _ = train_vae(depth, tnf, lengths, vae, 1, device="cpu")
    m2, _ = train_vae(depth, tnf, lengths, none, 1, device="cpu")
    assert not np.array_equal(encode_latent(m1, depth, tnf, lengths), encode_latent(m2, depth, tnf, lengths))


def test_training_is_deterministic_on_cpu(tmp_path):
    depth, tnf, lengths = data()
    vae = options(SMALL).vae
    m1, h1 = train_vae(depth, tnf, lengths, vae, 1, device="cpu", log_path=tmp_path / "log.tsv")
    m2, h2 = train_vae(depth, tnf, lengths, vae, 1, device="cpu")
    np.testing.assert_array_equal(encode_latent(m1, depth, tnf, lengths), encode_latent(m2, depth, tnf, lengths))
    assert [h["loss"] for h in h1] == [h["loss"] for h in h2]
    assert all(np.isfinite(h["loss"]) for h in h1)
    assert h1[0]["batch_size"] == 32 and h1[2]["batch_size"] == 64
    lines = (tmp_path / "log.tsv").read_text().splitlines()
    assert lines[0].split("\t") == ["epoch", "loss", "ce", "ab", "sse", "kld", "active_dims", "batch_size", "seconds"]
    assert len(lines) == 4
    m3, _ = train_vae(depth, tnf, lengths, vae, 2, device="cpu")
    assert not np.array_equal(encode_latent(m1, depth, tnf, lengths), encode_latent(m3, depth, tnf, lengths))


@pytest.mark.parametrize("variance, loss, iw", [("fixed", "vamb5", 1), ("learned", "capacity", 3)])
def test_variants_train(variance, loss, iw):
    depth, tnf, lengths = data()
    vae = options({"vae": {**SMALL["vae"], "variance": variance, "loss": loss, "importance_samples": iw}}).vae
    model, hist = train_vae(depth, tnf, lengths, vae, 1, device="cpu")
    assert len(hist) == 3 and np.isfinite(hist[-1]["loss"])
    assert encode_latent(model, depth, tnf, lengths).shape == (300, 4)


def test_loss_goes_down():
    depth, tnf, lengths = data(n=400)
    vae = options({"vae": {**SMALL["vae"], "epochs": 15}}).vae
    _, hist = train_vae(depth, tnf, lengths, vae, 1, device="cpu")
    assert hist[-1]["loss"] < hist[0]["loss"]


def test_fewer_contigs_than_a_batch_lowers_the_batch(caplog):
    depth, tnf, lengths = data(n=20)
    _, hist = train_vae(depth, tnf, lengths, options(SMALL).vae, 1, device="cpu")
    assert hist[0]["batch_size"] == 10 and "batch size lowered to 10" in caplog.text
    with pytest.raises(InputError, match="only 3 contigs have reads; binning needs at least 4"):
        batch_size_for(3, 32)


def test_zero_depth_sample_is_a_bug_here():
    """Stages drop empty samples before training (stages._usable_inputs); prepare refuses them."""
    depth, tnf, lengths = data()
    depth[:, 1] = 0
    with pytest.raises(InputError, match="sample column 2 has zero depth"):
        prepare(depth, tnf, lengths)


def test_cyclical_schedule():
    vae = options({"vae": {"batch_schedule": "cyclical"}}).vae
    sizes = [batch_size_at(e, vae, 10**6) for e in range(vae.epochs)]
    assert sizes[3] < sizes[2] and sizes[7] < sizes[6] and sizes[0] == 256
    # the kick is half the current size, so it grows with the doublings (256 -> 4096)
    kicks = [sizes[e] for e in range(3, vae.epochs - 1, 4)]
    assert kicks[0] == 128 and kicks[-1] == 2048 and kicks == sorted(kicks)
    # training ends on the full size, never on a kick (300 epochs: epoch 299 is 4k+3)
    assert sizes[-1] == 4096 and (vae.epochs - 1) % 4 == 3


def test_prepare_equals_float64_reference():
    """prepare works in row blocks (bounded memory) but equals the whole-matrix float64
    arithmetic bit for bit, across block edges."""
    import latentbin.train as t

    depth, tnf, lengths = data(n=1000, s=4, seed=3)
    depth[::9] = 0
    tnf[:, 7] = 2.0  # a zero-variance column
    d64, t64 = depth.astype(np.float64), tnf.astype(np.float64)
    scaled = d64 * (1e6 / d64.sum(axis=0))
    total = scaled.sum(axis=1)
    zero = total == 0
    rel = np.where(zero[:, None], 0.25, scaled / np.where(zero, 1.0, total)[:, None])
    std = t64.std(axis=0)
    z = (t64 - t64.mean(axis=0)) / np.where(std == 0, 1.0, std)
    lt = np.log(np.clip(total, 1e-3, None))
    ref = np.concatenate([rel, z, ((lt - lt.mean()) / lt.std())[:, None]], axis=1).astype(np.float32)
    old_rows = t.PREPARE_ROWS
    try:
        t.PREPARE_ROWS = 64  # many blocks, one partial
        x, _ = prepare(depth, tnf, lengths)
    finally:
        t.PREPARE_ROWS = old_rows
    assert np.array_equal(x, ref)


@pytest.mark.parametrize("over", [{"bound": "iwae", "importance_samples": 3}, {"bound": "iwae"}, {"mask_rate": 0.3},
                                  {"contrastive": 0.1}, {"precision": "bf16"}, {"precision": "tf32"}])
def test_training_options_run_and_are_deterministic(over):
    depth, tnf, lengths = data()
    vae = options({"vae": {**SMALL["vae"], **over}}).vae
    a, hist = train_vae(depth, tnf, lengths, vae, 1, device="cpu")
    b, _ = train_vae(depth, tnf, lengths, vae, 1, device="cpu")
    assert all(np.isfinite(r["loss"]) for r in hist)
    assert np.array_equal(encode_latent(a, depth, tnf, lengths), encode_latent(b, depth, tnf, lengths))


def test_auto_bound_trains_one_sample_and_long_reads_with_iwae(caplog):
    """vae.bound and vae.variance auto (the defaults): one sample or long reads train the
    k = 5 importance-weighted bound with a learned variance, the same model as asking for
    it; several short-read samples a plain VAE with fixed unit variance."""
    depth, tnf, lengths = data()
    auto = options(SMALL).vae
    iwae = options({"vae": {**SMALL["vae"], "bound": "iwae", "importance_samples": 5, "variance": "learned"}}).vae
    with caplog.at_level("INFO", logger="latentbin.train"):
        one, _ = train_vae(depth[:, :1], tnf, lengths, auto, 1, device="cpu")
    assert one.params.importance_samples == 5 and "iwae bound (k = 5)" in caplog.text
    asked, _ = train_vae(depth[:, :1], tnf, lengths, iwae, 1, device="cpu")
    assert np.array_equal(encode_latent(one, depth[:, :1], tnf, lengths), encode_latent(asked, depth[:, :1], tnf, lengths))
    long = train_vae(depth, tnf, lengths, auto, 1, device="cpu", long_reads=True)[0].params
    several = train_vae(depth, tnf, lengths, auto, 1, device="cpu")[0].params
    assert (one.params.variance, long.importance_samples, long.variance) == ("learned", 5, "learned")
    assert (several.importance_samples, several.variance) == (1, "fixed")  # Vamb 5's VAE


def test_iwae_bound_is_tighter_than_elbo():
    """For the same model and batch the k-sample importance-weighted loss is <= the ELBO
    loss in expectation (Burda et al.)."""
    import torch

    from latentbin.model import VAE
    from latentbin.train import params_from_options

    depth, tnf, lengths = data(n=256)
    x, w = (torch.from_numpy(a) for a in prepare(depth, tnf, lengths))
    vae = options({"vae": {**SMALL["vae"], "variance": "learned", "importance_samples": 16}}).vae
    model = VAE(params_from_options(3, vae)).eval()  # eval: no dropout noise, BatchNorm running stats
    torch.manual_seed(0)
    with torch.no_grad():
        elbo = np.mean([model.loss(x, w, bound="elbo", mask_rate=0.0)[0].item() for _ in range(20)])
        iwae = np.mean([model.loss(x, w, bound="iwae", mask_rate=0.0)[0].item() for _ in range(20)])
    assert iwae < elbo


def test_training_matrix_in_host_memory_same_model(monkeypatch):
    """The 'data stay in host memory' path (large matrices on a GPU) gives the same model
    as the resident path; on CPU it is forced here."""
    import latentbin.train as t

    depth, tnf, lengths = data()
    vae = options(SMALL).vae
    ref, _ = train_vae(depth, tnf, lengths, vae, 1, device="cpu")
    monkeypatch.setattr(t, "data_on_device", lambda nbytes, device: False)
    got, _ = train_vae(depth, tnf, lengths, vae, 1, device="cpu")
    assert np.array_equal(encode_latent(ref, depth, tnf, lengths), encode_latent(got, depth, tnf, lengths))


def test_collapse_watch_warns(caplog):
    hist = [{"active_dims": a} for a in (20, 30, 31, 12)]
    assert watch_collapse(hist, 32) and "posterior collapse" in caplog.text
    assert not watch_collapse([{"active_dims": 30}], 32)


def test_checkpoint_resume_equals_uninterrupted(tmp_path):
    """A run stopped after a checkpoint and resumed gives the model of an uninterrupted run."""
    import torch

    depth, tnf, lengths = data()
    vae = options({"vae": {**SMALL["vae"], "epochs": 6, "checkpoint_every": 2}}).vae
    ref, ref_hist = train_vae(depth, tnf, lengths, vae, 1, device="cpu")
    ckpt = tmp_path / "train.ckpt"
    short = options({"vae": {**SMALL["vae"], "epochs": 6, "checkpoint_every": 2}}).vae
    # an "interrupted" run: the checkpoint of epoch 4 of the same run, then resume
    import latentbin.train as t

    saved = {}
    real_save = t._save_checkpoint

    def keep_epoch4(path, state):
        real_save(path, state)
        if state["epoch"] == 4:
            saved["state"] = torch.load(path, weights_only=False)
            raise KeyboardInterrupt  # the process dies right after writing the checkpoint

    t._save_checkpoint = keep_epoch4
    try:
        with pytest.raises(KeyboardInterrupt):
            train_vae(depth, tnf, lengths, short, 1, device="cpu", checkpoint=ckpt)
    finally:
        t._save_checkpoint = real_save
    assert saved["state"]["epoch"] == 4 and ckpt.is_file()
    resumed, hist = train_vae(depth, tnf, lengths, short, 1, device="cpu", checkpoint=ckpt)
    assert [h["loss"] for h in hist] == [h["loss"] for h in ref_hist]
    np.testing.assert_array_equal(encode_latent(resumed, depth, tnf, lengths), encode_latent(ref, depth, tnf, lengths))
    # a checkpoint of other options is ignored
    other = options({"vae": {**SMALL["vae"], "epochs": 7}}).vae
    _, hist7 = train_vae(depth, tnf, lengths, other, 1, device="cpu", checkpoint=ckpt)
    assert len(hist7) == 7


def test_device_choice():
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type in ("cpu", "cuda")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="no CUDA GPU"):
            pick_device("cuda")


def test_progress_is_one_log_line_per_block_of_epochs(caplog):
    import logging

    depth, tnf, lengths = data()
    caplog.set_level(logging.INFO, logger="latentbin.train")
    train_vae(depth, tnf, lengths, options({"vae": {**SMALL["vae"], "epochs": 40}}).vae, 1, device="cpu")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("epoch ")]
    assert len(lines) == 20 and lines[0].startswith("epoch 2/40") and lines[-1].startswith("epoch 40/40")
    assert all("s/epoch" in line and "s left" in line for line in lines)


def test_mask_input_masks_samples_and_tnf_blocks():
    import torch

    from latentbin.model import mask_input

    torch.manual_seed(0)
    x = torch.ones(2000, 3 + 104)
    m = mask_input(x, 3, 0.25)
    depth_zero = (m[:, :3] == 0).float().mean().item()
    tnf_rows = (m[:, 3:106] == 0).all(dim=1).float().mean().item()
    assert abs(depth_zero - 0.25) < 0.03 and abs(tnf_rows - 0.25) < 0.03
    assert ((m[:, 3:106] == 0).all(dim=1) | (m[:, 3:106] == 1).all(dim=1)).all()  # whole TNF blocks
    assert (m[:, -1] == 1).all() and (x == 1).all()  # abundance kept, input untouched


def test_masking_only_in_training_mode():
    """Encoding (eval mode) never masks; with mask_rate 0 the loss equals the unmasked loss."""
    import torch

    from latentbin.model import VAE
    from latentbin.train import params_from_options

    depth, tnf, lengths = data(n=64)
    x, w = (torch.from_numpy(a) for a in prepare(depth, tnf, lengths))
    model = VAE(params_from_options(3, options(SMALL).vae)).eval()
    torch.manual_seed(1)
    a = model.loss(x, w, bound="elbo", mask_rate=0.5)[0]
    torch.manual_seed(1)
    b = model.loss(x, w, bound="elbo", mask_rate=0.0)[0]
    assert torch.equal(a, b)


def test_planted_clusters_are_recovered_end_to_end():
    """Train -> encode -> cluster on planted data (5 genomes x 200 contigs, 4 samples):
    binning must find them (ARI floor; measured 1.0 at this size, seed 1)."""
    from sklearn.metrics import adjusted_rand_score

    from latentbin.cluster import medoid_clusters

    rng = np.random.default_rng(0)
    k, n_per, s = 5, 200, 4
    profiles, tnf_centres = rng.lognormal(0, 1, (k, s)), rng.standard_normal((k, 103))
    depth = (np.repeat(profiles, n_per, 0) * rng.lognormal(0, 0.1, (k * n_per, s))).astype(np.float32)
    tnf = (np.repeat(tnf_centres, n_per, 0) + rng.standard_normal((k * n_per, 103)) * 0.3).astype(np.float32)
    lengths, truth = np.full(k * n_per, 10000), np.repeat(np.arange(k), n_per)
    vae = options({"vae": {"epochs": 20}}).vae
    model, _ = train_vae(depth, tnf, lengths, vae, 1, device="cpu", threads=2)
    labels = medoid_clusters(encode_latent(model, depth, tnf, lengths), lengths, 25, 1, device="cpu")
    assert adjusted_rand_score(truth, labels) > 0.95


def test_view_inputs_shapes_and_scale():
    """Contrastive views: reads of half a contig, the relative-depth factor, and a TNF
    noise that shrinks as 1/sqrt(length), in z-units of each TNF column."""
    from latentbin.model import TNF_HALF_NOISE
    from latentbin.train import view_inputs

    depth, tnf, lengths = data()
    counts, scale, sd, inv_std = view_inputs(depth, tnf, lengths)
    assert counts.shape == depth.shape and sd.shape == (300, 1) and inv_std.shape == (103,) and scale.shape == (3,)
    np.testing.assert_allclose(counts, depth * lengths[:, None] / 300, rtol=1e-5)
    np.testing.assert_allclose(scale, 1e6 / depth.sum(0), rtol=1e-5)
    np.testing.assert_allclose(sd[:, 0] * inv_std[0], TNF_HALF_NOISE / np.sqrt(lengths) / tnf[:, 0].std(), rtol=1e-4)


def test_contrastive_term_only_in_training_and_pairs_views():
    """The InfoNCE term is added per contig in training mode only; a model whose two views
    of a contig agree scores below log(batch) (chance)."""
    import math

    import torch

    from latentbin.model import VAE, Views, contrastive_loss
    from latentbin.train import params_from_options, prepare, view_inputs

    depth, tnf, lengths = data(n=64)
    vae = options(SMALL).vae
    x, w = (torch.from_numpy(a) for a in prepare(depth, tnf, lengths))
    counts, scale, sd, inv_std = (torch.from_numpy(a) for a in view_inputs(depth, tnf, lengths))
    views = Views(counts=counts * 1000, scale=scale, tnf_sd=sd * 0, tnf_inv_std=inv_std, weight=1.0, temperature=0.1)
    torch.manual_seed(0)
    model = VAE(params_from_options(3, vae)).eval()
    torch.manual_seed(1)
    plain = model.loss(x, w, bound="elbo", mask_rate=0.0)[0]
    torch.manual_seed(1)
    with_views = model.loss(x, w, bound="elbo", mask_rate=0.0, views=views)[0]
    assert torch.equal(plain, with_views)  # eval mode: no contrastive term
    nce = contrastive_loss(model, x, views)  # near-noiseless views of distinct random contigs
    assert nce.shape == (64,) and float(nce.detach().mean()) < math.log(64)
    model.train()
    torch.manual_seed(1)
    total, terms = model.loss(x, w, bound="elbo", mask_rate=0.0, views=views)
    assert "nce" in terms and torch.isfinite(total)


def test_tnf_half_noise_matches_real_genomes():
    """TNF_HALF_NOISE / sqrt(L) is the std between the TNF of a random half of a contig
    and of the whole, within 25 %, on a real genome of ../shared at 2 and 10 kbp."""
    import gzip

    from latentbin.model import TNF_HALF_NOISE
    from latentbin.tnf import tnf_of
    from tests.helpers import SHARED

    genomes = sorted((SHARED / "data" / "genomes").glob("*.fna.gz"))
    if not genomes:
        pytest.skip("../shared/data/genomes not present")
    with gzip.open(genomes[0], "rb") as fh:
        seq = b"".join(line.strip() for line in fh if not line.startswith(b">"))
    rng = np.random.default_rng(0)
    for length in (2000, 10000):
        diffs = []
        for _ in range(150):
            start = int(rng.integers(0, len(seq) - length))
            window = seq[start : start + length]
            half = int(rng.integers(0, length // 2))
            diffs.append(tnf_of([window[half : half + length // 2]])[0] - tnf_of([window])[0])
        measured = float(np.std(diffs, axis=0).mean())
        assert measured == pytest.approx(TNF_HALF_NOISE / np.sqrt(length), rel=0.25)


def test_null_hidden_and_dropout_follow_vambs_rule():
    """vae.hidden / vae.dropout null: 2x512 and 0.2 with several samples, 2x256 and 0 with
    one (Vamb 5's encode.VAE); explicit values are kept."""
    from latentbin.train import params_from_options

    auto = options({"vae": {"hidden": None, "dropout": None}}).vae
    one, three = params_from_options(1, auto), params_from_options(3, auto)
    assert (one.hidden, one.dropout) == ([256, 256], 0.0)
    assert (three.hidden, three.dropout) == ([512, 512], 0.2)
    fixed = params_from_options(1, options({"vae": {"hidden": [64], "dropout": 0.1}}).vae)
    assert (fixed.hidden, fixed.dropout) == ([64], 0.1)
