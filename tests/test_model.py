import math

import pytest
import torch

from latentbin.errors import InputError
from latentbin.model import VAE, kld
from tests.helpers import vae_params


def test_vamb5_weights_by_hand():
    w = vae_params(4, latent=8, beta=200, alpha=None).weights()
    a = 0.15
    assert w.ce == pytest.approx((1 - a) * 3 / (4 * math.log(4)))
    assert w.ab == pytest.approx((1 - a) / 4)
    assert w.sse == pytest.approx(a / 103)
    assert w.kld == pytest.approx(1 / (8 * 200))
    one = vae_params(1, alpha=None).weights()
    assert one.ce == 0 and one.sse == pytest.approx(0.5 / 103)


def test_capacity_weights_by_hand():
    w = vae_params(3, latent=10, loss="capacity", capacity=3000, mse_ratio=0.25).weights()
    assert w.ce == pytest.approx(0.75 / math.log(3))
    assert w.sse == pytest.approx(0.25 / 103)
    assert w.kld == pytest.approx(1 / 30000)


def test_kld_by_hand():
    mu = torch.tensor([[1.0, 2.0]])
    logvar = torch.tensor([[0.0, math.log(4.0)]])
    # 0.5 * sum(mu^2 + var - 1 - logvar) = 0.5 * (1 + 0 + 4 + 4 - 1 - ln4)
    assert kld(mu, logvar, "learned").item() == pytest.approx(0.5 * (1 + 4 + 4 - 1 - math.log(4)), rel=1e-6)
    assert kld(mu, logvar, "fixed").item() == pytest.approx(0.5 * 5)


def test_loss_on_tiny_batch_by_hand():
    torch.manual_seed(0)
    params = vae_params(2, latent=2, hidden=[4], dropout=0.0, variance="fixed")
    model = VAE(params).eval()
    x = torch.randn(3, 2 + 103 + 1)
    x[:, :2] = torch.softmax(x[:, :2], dim=1)
    weights = torch.tensor([[0.5], [1.0], [1.5]])
    # make sampling deterministic by computing the same draw twice
    torch.manual_seed(7)
    total, terms = model.loss(x, weights, bound="elbo", mask_rate=0.0)
    torch.manual_seed(7)
    mu, _ = model.encode(x)
    z = mu + torch.randn_like(mu)
    depths, tnf, ab = model.decode(z)
    w = params.weights()
    ce = -(torch.log(depths + 1e-9) * x[:, :2]).sum(1) * w.ce
    abt = (ab - x[:, 105:]).pow(2).sum(1) * w.ab
    sse = (tnf - x[:, 2:105]).pow(2).sum(1) * w.sse
    kl = 0.5 * mu.pow(2).sum(1) * w.kld
    want = ((ce + abt + sse + kl) * weights.view(-1)).mean()
    assert total.item() == pytest.approx(want.item(), rel=1e-5)
    assert terms["ce"].item() == pytest.approx(ce.mean().item(), rel=1e-5)
    assert terms["kld"].item() == pytest.approx(kl.mean().item(), rel=1e-5)


def test_learned_variance_is_unconstrained():
    model = VAE(vae_params(3, latent=4, hidden=[8, 8], variance="learned")).eval()
    with torch.no_grad():
        model.logvar.bias.fill_(-20.0)  # a softplus floor would make this impossible
    _, logvar = model.encode(torch.randn(5, 107))
    assert (logvar < -5).all()


def test_generalised_layers():
    model = VAE(vae_params(3, latent=4, hidden=[16, 12, 8]))
    (depths, tnf, ab), mu, logvar = model(torch.randn(6, 107))
    assert depths.shape == (6, 3) and tnf.shape == (6, 103) and ab.shape == (6, 1) and mu.shape == (6, 4)
    torch.testing.assert_close(depths.sum(1), torch.ones(6))


def test_save_load_identity(tmp_path):
    model = VAE(vae_params(3, latent=4, hidden=[8])).eval()
    x = torch.randn(10, 107)
    mu_before, _ = model.encode(x)
    model.save(tmp_path / "m.pt")
    loaded = VAE.load(tmp_path / "m.pt")
    mu_after, _ = loaded.encode(x)
    torch.testing.assert_close(mu_before, mu_after, rtol=0, atol=0)
    assert loaded.params == model.params


def test_load_errors(tmp_path):
    with pytest.raises(InputError, match="model file not found"):
        VAE.load(tmp_path / "missing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_text("not a model")
    with pytest.raises(InputError, match="not a latentbin model"):
        VAE.load(bad)
