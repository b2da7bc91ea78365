"""The variational autoencoder (PyTorch) and its loss.

Input per contig: relative depths ``(s,)`` (sum 1), TNF ``(103,)`` (z-scored) and
log total abundance ``(1,)`` (z-scored), concatenated. Encoder and decoder are MLPs
(Linear -> LeakyReLU -> Dropout -> BatchNorm, Vamb's order) of any number of layers.

With ``variance="fixed"`` the encoder outputs a mean only and samples with unit variance,
as Vamb 5; with ``variance="learned"`` it also outputs an *unconstrained* log-variance
(no softplus floor, the bug in Vamb's wishlist). ``vae.variance: auto`` picks learned
where depth is weak, fixed elsewhere (:meth:`latentbin.options.VAEOptions.resolved`).
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from .errors import InputError

N_TNF = 103


@dataclass
class LossWeights:
    """Per-term weights applied to per-contig sums: CE (relative depths), abundance SSE,
    TNF SSE and KLD."""

    ce: float
    ab: float
    sse: float
    kld: float


@dataclass
class VAEParams:
    """Everything needed to rebuild a model (saved with its weights); built from the
    ``vae`` options by :func:`latentbin.train.params_from_options` (no defaults here)."""

    n_samples: int
    latent: int
    hidden: list[int]
    dropout: float
    variance: str
    loss: str
    alpha: float | None
    beta: float
    capacity: float
    mse_ratio: float
    importance_samples: int

    def weights(self) -> LossWeights:
        """Loss weights.

        vamb5 (Vamb 5): CE (1-a)(s-1)/(s ln s), abundance (1-a)/s, TNF a/103,
        KLD 1/(latent*beta), a = alpha (default 0.15 with several samples, 0.5 with one).
        capacity (tutorial seed): reconstruction normalised so a naive model scores 1
        (CE sum ln s, TNF SSE 103): CE (1-r)/ln s, abundance (1-r)/s, TNF r/103,
        KLD 1/(latent*capacity), r = mse_ratio.
        """
        s = self.n_samples
        if self.loss == "vamb5":
            a = self.alpha if self.alpha is not None else (0.15 if s > 1 else 0.5)
            ce = (1 - a) * (s - 1) / (s * math.log(s)) if s > 1 else 0.0
            return LossWeights(ce=ce, ab=(1 - a) / s, sse=a / N_TNF, kld=1 / (self.latent * self.beta))
        if self.loss == "capacity":
            r = self.mse_ratio
            ce = (1 - r) / math.log(s) if s > 1 else 0.0
            return LossWeights(ce=ce, ab=(1 - r) / s, sse=r / N_TNF, kld=1 / (self.latent * self.capacity))
        raise ValueError(f"bug: unknown loss {self.loss!r}")


def _mlp(sizes: list[int], dropout: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for nin, nout in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(nin, nout), nn.LeakyReLU(), nn.Dropout(dropout), nn.BatchNorm1d(nout)]
    return nn.Sequential(*layers)


class VAE(nn.Module):
    """VAE over (relative depths, TNF, abundance). ``forward`` returns the reconstruction
    (depths ``(b,s)`` softmaxed, tnf ``(b,103)``, abundance ``(b,1)``), mu and logvar
    ``(b, latent)`` (logvar is zeros for ``variance="fixed"``)."""

    def __init__(self, params: VAEParams) -> None:
        super().__init__()
        if params.n_samples < 1:
            raise InputError(f"the depth table has {params.n_samples} samples; give at least one BAM")
        if params.variance not in ("learned", "fixed"):
            raise ValueError(f"bug: variance must be learned or fixed, not {params.variance!r}")
        self.params = params
        n_in = params.n_samples + N_TNF + 1
        self.encoder = _mlp([n_in] + list(params.hidden), params.dropout)
        self.mu = nn.Linear(params.hidden[-1], params.latent)
        self.logvar = nn.Linear(params.hidden[-1], params.latent) if params.variance == "learned" else None
        self.decoder = _mlp([params.latent] + list(params.hidden[::-1]), params.dropout)
        self.output = nn.Linear(params.hidden[0], n_in)
        self.loss_weights = params.weights()

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x ``(b, s+104)`` -> (mu, logvar), each ``(b, latent)``."""
        h = self.encoder(x)
        mu = self.mu(h)
        logvar = self.logvar(h) if self.logvar is not None else torch.zeros_like(mu)
        return mu, logvar

    def decode(self, z: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """z ``(b, latent)`` -> depths ``(b, s)`` (softmax), tnf ``(b, 103)``, abundance ``(b, 1)``."""
        out = self.output(self.decoder(z))
        s = self.params.n_samples
        depths = torch.softmax(out[:, :s], dim=1)
        return depths, out[:, s : s + N_TNF], out[:, s + N_TNF :]

    def forward(self, x: Tensor) -> tuple[tuple[Tensor, Tensor, Tensor], Tensor, Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar

    def loss(self, x: Tensor, weights: Tensor, *, bound: str, mask_rate: float,
             views: "Views | None" = None) -> tuple[Tensor, dict[str, Tensor]]:
        """Weighted loss of a batch ``x (b, s+104)`` with per-contig weights ``(b, 1)``.

        ``bound`` (``vae.bound``): ``elbo`` averages the reconstruction losses of
        ``importance_samples`` = k latent draws and adds the analytic KLD (a k-sample
        Monte Carlo ELBO); ``iwae`` is Burda et al.'s importance-weighted bound, per contig
        ``-log mean_j exp(-(rec_j + w_kld * (log q(z_j|x) - log p(z_j))))`` over the k draws
        (tighter for k > 1; k = 1 is the ELBO with a sampled KLD). ``mask_rate``
        (``vae.mask_rate``, masked training after seed 004; only in training mode): the
        encoder sees each sample's relative depth zeroed with this probability and, per
        contig, the whole TNF block set to its mean (0) with this probability; the loss
        still reconstructs the full input, so each view must be predicted from the other.
        The loss weights temper
        every term as in the ELBO. ``views`` (``vae.contrastive`` > 0, training only) adds
        :func:`contrastive_loss` times its weight to each contig's loss. Returns (scalar
        loss, {ce, ab, sse, kld: weighted per-term means (draw-averaged, analytic KLD),
        mu: detached latent means ``(b, latent)``}; with views also nce).
        """
        s = self.params.n_samples
        depths_in, tnf_in, ab_in = x[:, :s], x[:, s : s + N_TNF], x[:, s + N_TNF :]
        mu, logvar = self.encode(mask_input(x, s, mask_rate) if self.training and mask_rate > 0 else x)
        k = self.params.importance_samples
        w = self.loss_weights
        ce = ab = sse = torch.zeros(len(x), device=x.device)
        std = torch.exp(0.5 * logvar)
        log_w = []
        for _ in range(k):
            eps = torch.randn_like(mu)
            z = mu + eps * std
            depths_out, tnf_out, ab_out = self.decode(z)
            ce_j = -(torch.log(depths_out + 1e-9) * depths_in).sum(dim=1)
            ab_j = (ab_out - ab_in).pow(2).sum(dim=1)
            sse_j = (tnf_out - tnf_in).pow(2).sum(dim=1)
            ce, ab, sse = ce + ce_j, ab + ab_j, sse + sse_j
            if bound == "iwae":
                # log q(z|x) - log p(z), constants cancel: -eps^2/2 - logvar/2 + z^2/2
                log_ratio = 0.5 * (z.pow(2) - eps.pow(2) - logvar).sum(dim=1)
                log_w.append(-(ce_j * w.ce + ab_j * w.ab + sse_j * w.sse + log_ratio * w.kld))
        terms = {"ce": ce * (w.ce / k), "ab": ab * (w.ab / k), "sse": sse * (w.sse / k),
                 "kld": kld(mu, logvar, self.params.variance) * w.kld}
        if bound == "iwae":
            per_contig = -(torch.logsumexp(torch.stack(log_w), dim=0) - math.log(k))
        elif bound == "elbo":
            per_contig = terms["ce"] + terms["ab"] + terms["sse"] + terms["kld"]
        else:
            raise ValueError(f"bug: unknown bound {bound!r}")
        if views is not None and self.training:
            terms["nce"] = contrastive_loss(self, x, views) * views.weight
            per_contig = per_contig + terms["nce"]
        total = (per_contig * weights.view(-1)).mean()
        means = {name: t.detach().mean() for name, t in terms.items()}
        means["mu"] = mu.detach()
        return total, means

    def save(self, path: str | os.PathLike, extra: dict | None = None) -> None:
        """Write weights + parameters (torch format) atomically."""
        from ._io import atomic_path

        with atomic_path(path) as tmp:
            torch.save({"format": "latentbin-vae-1", "params": asdict(self.params),
                        "state_dict": self.state_dict(), "extra": extra or {}}, tmp)

    @classmethod
    def load(cls, path: str | os.PathLike, device: str | torch.device = "cpu") -> "VAE":
        """Rebuild a saved model on ``device`` in eval mode."""
        try:
            blob = torch.load(path, map_location=device, weights_only=True)
        except FileNotFoundError:
            raise InputError(f"{path}: model file not found; run `latentbin train` first") from None
        except Exception as exc:  # torch raises many types for a bad file
            raise InputError(f"{path}: not a latentbin model ({type(exc).__name__}); retrain it") from None
        if not isinstance(blob, dict) or blob.get("format") != "latentbin-vae-1":
            raise InputError(f"{path}: not a latentbin model file; retrain it with `latentbin train`")
        try:
            model = cls(VAEParams(**blob["params"]))
            model.load_state_dict(blob["state_dict"])
        except (TypeError, RuntimeError, KeyError) as exc:
            raise InputError(f"{path}: model parameters or weights do not fit this latentbin "
                             f"({type(exc).__name__}); retrain it with `latentbin train`") from None
        model.extra = blob.get("extra", {})  # what the trainer saved beside the weights (samples, refhash)
        return model.to(device).eval()


#: std of a TNF dimension (Vamb's 103-dim projection, before z-scoring) between a random
#: half of a contig of L bp and the whole contig is TNF_HALF_NOISE / sqrt(L): measured on
#: 200 random windows of a dev genome, 0.0775 at 2 kbp, 0.084 at 5 kbp, 0.096 at 20 kbp
#: (tests/test_train.py checks it on the genomes in ../shared)
TNF_HALF_NOISE = 0.085
#: read length assumed when turning mean depth into reads of half a contig
VIEW_READ_LENGTH = 150


@dataclass
class Views:
    """What :func:`augment` needs for a batch of ``b`` contigs: ``counts`` ``(b, s)`` reads
    expected on half of each contig per sample (depth x length / 2 / read length),
    ``scale`` ``(s,)`` the per-sample factor that made the relative depths (1e6 / sample
    sum), ``tnf_sd`` ``(b, 1)`` the TNF noise of half a contig before z-scoring and
    ``tnf_inv_std`` ``(103,)`` the z-scoring factor of each TNF column (their product is
    the noise in z-units); ``weight`` and ``temperature`` from the vae options."""

    counts: Tensor
    scale: Tensor
    tnf_sd: Tensor
    tnf_inv_std: Tensor
    weight: float
    temperature: float


def augment(x: Tensor, n_samples: int, views: Views) -> Tensor:
    """A random view ``(b, s+104)`` of a batch: relative depths from Poisson-resampled reads
    of half of each contig (the input's depths where a resampled contig has no reads),
    TNF plus the sampling noise of half a contig; the abundance column is kept."""
    s = n_samples
    reads = torch.poisson(views.counts) * views.scale
    total = reads.sum(dim=1, keepdim=True)
    rel = torch.where(total > 0, reads / total.clamp_min(1e-12), x[:, :s])
    tnf = x[:, s : s + N_TNF]
    tnf = tnf + torch.randn_like(tnf) * (views.tnf_sd * views.tnf_inv_std)
    return torch.cat([rel, tnf, x[:, s + N_TNF :]], dim=1)


def contrastive_loss(model: "VAE", x: Tensor, views: Views) -> Tensor:
    """InfoNCE (COMEBin, SimCLR) per contig ``(b,)``: two :func:`augment` views of the batch
    are encoded; their latent means, L2-normalised, score each pair by cosine / temperature,
    and each view must pick its own contig's other view among the batch (symmetric
    cross-entropy, mean of both directions)."""
    s = model.params.n_samples
    a = nn.functional.normalize(model.encode(augment(x, s, views))[0], dim=1)
    b = nn.functional.normalize(model.encode(augment(x, s, views))[0], dim=1)
    logits = a @ b.T / views.temperature
    target = torch.arange(len(x), device=x.device)
    ce = nn.functional.cross_entropy
    return 0.5 * (ce(logits, target, reduction="none") + ce(logits.T, target, reduction="none"))


def mask_input(x: Tensor, n_samples: int, rate: float) -> Tensor:
    """A masked copy of a batch ``(b, s+104)``: each relative depth ``(b, s)`` zeroed with
    probability ``rate``, and per row the TNF block ``(b, 103)`` zeroed (its z-scored
    mean) with probability ``rate``. The abundance column is kept."""
    keep = torch.ones_like(x)
    keep[:, :n_samples] = (torch.rand(len(x), n_samples, device=x.device) >= rate).to(x.dtype)
    keep[:, n_samples : n_samples + N_TNF] = (torch.rand(len(x), 1, device=x.device) >= rate).to(x.dtype)
    return x * keep


def kld(mu: Tensor, logvar: Tensor, variance: str) -> Tensor:
    """KL divergence from N(mu, exp(logvar)) to N(0, 1), summed over latent dims ``(b,)``.
    With fixed unit variance it reduces to 0.5 * |mu|^2 (Vamb 5)."""
    if variance == "fixed":
        return 0.5 * mu.pow(2).sum(dim=1)
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)
