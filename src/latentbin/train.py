"""Training and encoding: data preparation, the epoch loop, the batch-size schedule.

The data stay in memory as one tensor on the training device and batches are slices
of a seeded permutation: no DataLoader, no worker processes (Vamb's loader process
costs ~4.7x on CPU).

>>> import numpy as np
>>> from latentbin.config import load_config
>>> rng = np.random.default_rng(0)
>>> depth = rng.random((300, 3), dtype=np.float32) + 0.1
>>> tnf = rng.standard_normal((300, 103), dtype=np.float32)
>>> cfg = load_config({"vae": {"epochs": 2, "hidden": [16], "latent": 4, "batch_size": 64}})
>>> model, history = train_vae(depth, tnf, np.full(300, 5000), cfg)
>>> encode_latent(model, depth, tnf, np.full(300, 5000)).shape
(300, 4)
"""

from __future__ import annotations

import csv
import logging
import os
import random
import time
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch

from ._io import atomic_text
from .errors import InputError
from .model import VAE, VAEParams

log = logging.getLogger(__name__)

HISTORY_COLUMNS = ["epoch", "loss", "ce", "ab", "sse", "kld", "active_dims", "batch_size", "seconds"]


def pick_device(device: str | None) -> torch.device:
    """``auto``/None -> CUDA when available else CPU; ``cuda`` without a GPU is an error."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("vae.device is 'cuda' but no CUDA GPU is visible; use device 'auto' or 'cpu'")
    return torch.device(device)


@contextmanager
def limit_threads(threads: int) -> Iterator[None]:
    """Cap torch intra-op threads and numpy's BLAS (threadpoolctl) to ``threads``."""
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        with threadpool_limits(limits=max(1, threads)):
            yield
    finally:
        torch.set_num_threads(before)


def seed_everything(seed: int) -> None:
    """One seed for torch (CPU and CUDA), numpy's legacy RNG and ``random``."""
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def zscore(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """(x - mean) / std along ``axis``; zero-variance columns get std 1."""
    mean = x.mean(axis=axis, keepdims=True)
    std = x.std(axis=axis, keepdims=True)
    return (x - mean) / np.where(std == 0, 1.0, std)


def prepare(depth: np.ndarray, tnf: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Model input ``(n, s+104) float32`` and per-contig loss weights ``(n, 1) float32``.

    Vamb 5's normalisation: each sample's depths scaled to sum 1e6; per contig, depths
    made relative (sum 1); log total abundance (clipped at 1e-3) and TNF z-scored;
    weights log(length) - 5, floored at 2, scaled to mean 1.
    """
    depth = np.asarray(depth, dtype=np.float64)
    tnf = np.asarray(tnf, dtype=np.float64)
    n, s = depth.shape
    if tnf.shape != (n, 103) or len(lengths) != n:
        raise ValueError(f"bug: depth {depth.shape}, tnf {tnf.shape}, lengths {len(lengths)} disagree")
    per_sample = depth.sum(axis=0)
    if (per_sample == 0).any():
        raise InputError(f"sample column {int(np.flatnonzero(per_sample == 0)[0]) + 1} has zero depth on every contig; "
                         "drop that sample or check its BAM")
    scaled = depth * (1e6 / per_sample)
    total = scaled.sum(axis=1)
    zero = total == 0
    rel = np.where(zero[:, None], 1.0 / s, scaled / np.where(zero, 1.0, total)[:, None])
    abundance = zscore(np.log(np.clip(total, 1e-3, None)))[:, None]
    x = np.concatenate([rel, zscore(tnf), abundance], axis=1).astype(np.float32)
    w = np.maximum(np.log(np.asarray(lengths, dtype=np.float64)) - 5.0, 2.0)
    w = (w * (n / w.sum())).astype(np.float32)[:, None]
    return x, w


def check_inputs(depth: np.ndarray, names: np.ndarray | None, batch_size: int, source: str) -> None:
    """Reject zero-depth contigs and datasets smaller than one batch with one line each."""
    n = len(depth)
    if n < batch_size:
        raise InputError(f"{source}: only {n} contigs, fewer than one batch (vae.batch_size {batch_size}); "
                         "lower vae.batch_size or contigs.min_length, or add contigs")
    zero = np.flatnonzero(depth.sum(axis=1) == 0)
    if len(zero):
        which = f"'{names[zero[0]]}'" if names is not None else f"row {zero[0] + 1}"
        raise InputError(f"{source}: contig {which} has zero depth in every sample ({len(zero)} such contigs); "
                         "remove them from the FASTA (unassembled/contaminant?) or check the read mapping")


def params_from_config(n_samples: int, vae_cfg: dict) -> VAEParams:
    return VAEParams(n_samples=n_samples, latent=vae_cfg["latent"], hidden=list(vae_cfg["hidden"]),
                     dropout=vae_cfg["dropout"], variance=vae_cfg["variance"], loss=vae_cfg["loss"],
                     alpha=vae_cfg["alpha"], beta=vae_cfg["beta"], capacity=vae_cfg["capacity"],
                     mse_ratio=vae_cfg["mse_ratio"], importance_samples=vae_cfg["importance_samples"])


def batch_size_at(epoch: int, vae_cfg: dict, n: int) -> int:
    """Batch size for a 0-based epoch: doubling at ``batch_steps`` (Vamb) or cyclical
    (small/large alternating within each segment between steps; minimum grows)."""
    base = vae_cfg["batch_size"]
    doublings = sum(1 for step in vae_cfg["batch_steps"] if epoch >= step)
    size = base * 2**doublings
    if vae_cfg["batch_schedule"] == "cyclical" and epoch % 4 == 3:
        size = max(base // 2, 16)  # one small-batch epoch in four: a kick out of the minimum
    return max(2, min(size, n))


def _optimizer(model: torch.nn.Module, vae_cfg: dict) -> torch.optim.Optimizer:
    if vae_cfg["optimizer"] == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=vae_cfg["learning_rate"])
    return torch.optim.Adam(model.parameters(), lr=vae_cfg["learning_rate"])


def train_vae(depth: np.ndarray, tnf: np.ndarray, lengths: np.ndarray, cfg: dict, device: str | None = None,
              threads: int = 1, log_path: str | os.PathLike | None = None, names: np.ndarray | None = None,
              source: str = "input") -> tuple[VAE, list[dict]]:
    """Train the VAE on depth ``(n, s)``, TNF ``(n, 103)`` and lengths ``(n,)`` (bp).

    ``cfg`` is the full config (``vae`` section and ``seed`` are used). Logs every epoch
    (loss, each term, active latent dims, batch size, seconds) to the logger and, with
    ``log_path``, to a TSV written atomically at the end. Returns (model in eval mode,
    per-epoch history).
    """
    vae_cfg = cfg["vae"]
    check_inputs(depth, names, vae_cfg["batch_size"], source)
    dev = pick_device(device or vae_cfg["device"])
    x_np, w_np = prepare(depth, tnf, lengths)
    n = len(x_np)
    history: list[dict] = []
    # ``threads`` caps torch's intra-op pool. Idle 2-core machine, dev data, 300 epochs:
    # 2 threads 41.9 s, 1 thread 62.4 s. On an oversubscribed machine (load > cores) extra
    # threads can cost more than they give: there, pass threads=1.
    with limit_threads(threads):
        seed_everything(cfg["seed"])
        model = VAE(params_from_config(depth.shape[1], vae_cfg)).to(dev)
        x = torch.from_numpy(x_np).to(dev)
        w = torch.from_numpy(w_np).to(dev)
        opt = _optimizer(model, vae_cfg)
        gen = torch.Generator(device="cpu").manual_seed(cfg["seed"])
        log.info("training VAE on %s: %d contigs x %d samples, %d epochs, %s variance", dev, n,
                 depth.shape[1], vae_cfg["epochs"], vae_cfg["variance"])
        model.train()
        for epoch in range(vae_cfg["epochs"]):
            t0 = time.perf_counter()
            bs = batch_size_at(epoch, vae_cfg, n)
            perm = torch.randperm(n, generator=gen).to(dev)
            n_batches = max(1, n // bs)  # drop the last incomplete batch (BatchNorm needs > 1)
            sums = torch.zeros(5, device=dev)
            mu_sum = torch.zeros(vae_cfg["latent"], device=dev)
            mu_sq = torch.zeros(vae_cfg["latent"], device=dev)
            for b in range(n_batches):
                idx = perm[b * bs : (b + 1) * bs]
                opt.zero_grad(set_to_none=True)
                loss, terms = model.loss(x[idx], w[idx])
                loss.backward()
                opt.step()
                with torch.no_grad():
                    sums += torch.stack([loss.detach(), terms["ce"], terms["ab"], terms["sse"], terms["kld"]])
                    mu_sum += terms["mu"].sum(dim=0)
                    mu_sq += terms["mu"].pow(2).sum(dim=0)
            seen = n_batches * bs
            # KL-collapse watch: latent dims whose mean varies across contigs (Burda et al.'s active units)
            active = int(((mu_sq / seen - (mu_sum / seen) ** 2) > 0.01).sum())
            vals = (sums / n_batches).tolist()
            if not np.isfinite(vals[0]):
                raise RuntimeError(f"training diverged at epoch {epoch + 1} (loss {vals[0]}); lower vae.learning_rate")
            row = {"epoch": epoch + 1, "loss": vals[0], "ce": vals[1], "ab": vals[2], "sse": vals[3], "kld": vals[4],
                   "active_dims": active, "batch_size": bs, "seconds": time.perf_counter() - t0}
            history.append(row)
            log.info("epoch %d/%d loss %.5f ce %.5f ab %.5f sse %.5f kld %.5f active %d batch %d %.2fs",
                     row["epoch"], vae_cfg["epochs"], *vals, active, bs, row["seconds"])
        model.eval()
    if log_path is not None:
        write_history(history, log_path)
    return model, history


def write_history(history: list[dict], path: str | os.PathLike) -> None:
    """Per-epoch training log as TSV (columns :data:`HISTORY_COLUMNS`)."""
    with atomic_text(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=HISTORY_COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for row in history:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})


@torch.no_grad()
def encode_latent(model: VAE, depth: np.ndarray, tnf: np.ndarray, lengths: np.ndarray, device: str | None = None,
                  batch_size: int = 4096) -> np.ndarray:
    """Latent means ``(n, latent) float32`` of every contig (eval mode: no dropout, no noise)."""
    dev = next(model.parameters()).device if device in (None, "auto") else pick_device(device)
    model = model.to(dev).eval()
    x_np, _ = prepare(depth, tnf, lengths)
    x = torch.from_numpy(x_np)
    out = [model.encode(x[i : i + batch_size].to(dev))[0].cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy().astype(np.float32)
