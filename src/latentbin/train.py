"""Training and encoding: data preparation, the epoch loop, the batch-size schedule,
checkpoints.

The data stay in memory as one tensor on the training device and batches are slices
of a seeded permutation: no DataLoader, no worker processes (Vamb's loader process
costs ~4.7x on CPU).

Interruptions lose at most a few epochs: with a checkpoint path, the loop saves its whole
state (weights, optimiser, RNGs, the epoch's permutation and position) every
``vae.checkpoint_every`` epochs and when SIGTERM arrives (SLURM's time limit), then stops
with :class:`Interrupted`; the next call with the same inputs and options resumes from
it and gives the same model as an uninterrupted run (CPU).

>>> import numpy as np
>>> from latentbin.config import load_config
>>> from latentbin.options import Options
>>> rng = np.random.default_rng(0)
>>> depth = rng.random((300, 3), dtype=np.float32) + 0.1
>>> tnf = rng.standard_normal((300, 103), dtype=np.float32)
>>> vae = Options.from_config(load_config({"vae": {"epochs": 2, "hidden": [16], "latent": 4, "batch_size": 64}})).vae
>>> model, history = train_vae(depth, tnf, np.full(300, 5000), vae, seed=1)
>>> encode_latent(model, depth, tnf, np.full(300, 5000)).shape
(300, 4)
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from ._io import atomic_path, atomic_text
from .errors import InputError, Interrupted  # noqa: F401 (Interrupted: raised here, caught by the CLI)
from .model import TNF_HALF_NOISE, VAE, VIEW_READ_LENGTH, VAEParams, Views
from .options import VAEOptions
from .runtime import limit_threads, pick_device, seed_everything

log = logging.getLogger(__name__)

HISTORY_COLUMNS = ["epoch", "loss", "ce", "ab", "sse", "kld", "active_dims", "batch_size", "seconds"]
#: fewest contigs that can be trained on (BatchNorm needs batches of at least 2)
MIN_CONTIGS = 4


def zscore(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """(x - mean) / std along ``axis``; zero-variance columns get std 1."""
    mean = x.mean(axis=axis, keepdims=True)
    std = x.std(axis=axis, keepdims=True)
    return (x - mean) / np.where(std == 0, 1.0, std)


#: rows per block in :func:`prepare`: float64 temporaries stay ~50-300 MB whatever n is
PREPARE_ROWS = 1 << 16


def _column_sum(blocks: Iterator[np.ndarray], d: int) -> np.ndarray:
    """Column sums ``(d,) float64`` of row blocks ``(b, d)``, rows added in order
    (``np.add.reduce`` over axis 0 with the running sum as its first row): the order numpy
    itself uses for an axis-0 sum, so the result equals the whole-matrix sum bit for bit."""
    total = np.zeros(d)
    for block in blocks:
        total = np.add.reduce(np.vstack([total[None], block]), axis=0)
    return total


def _row_blocks(x: np.ndarray) -> Iterator[np.ndarray]:
    """``x (n, d)`` as float64 blocks of :data:`PREPARE_ROWS` rows."""
    for i in range(0, len(x), PREPARE_ROWS):
        yield x[i : i + PREPARE_ROWS].astype(np.float64)


def _column_mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations ``(d,) float64`` of ``x (n, d)``, equal to
    ``x.astype(float64).mean(0)`` / ``.std(0)`` bit for bit without a float64 copy of x."""
    n, d = x.shape
    mean = _column_sum(_row_blocks(x), d) / n
    sq = _column_sum(((b - mean) * (b - mean) for b in _row_blocks(x)), d)
    return mean, np.sqrt(sq / n)


def prepare(depth: np.ndarray, tnf: np.ndarray, lengths: np.ndarray,
            contig_weights: str = "log_length") -> tuple[np.ndarray, np.ndarray]:
    """Model input ``(n, s+104) float32`` and per-contig loss weights ``(n, 1) float32``.

    Vamb 5's normalisation: each sample's depths scaled to sum 1e6; per contig, depths
    made relative (sum 1); log total abundance (clipped at 1e-3) and TNF z-scored;
    weights log(length) - 5, floored at 2, scaled to mean 1 (``contig_weights``
    ``log_length``; ``none``: all 1).

    Arithmetic is float64 as before, but in blocks of :data:`PREPARE_ROWS` rows written
    into the float32 output: peak memory is the output plus O(block), not several
    float64 copies of the inputs (10M contigs x 100 samples: ~8.2 GB instead of ~72 GB).
    """
    depth = np.asarray(depth)
    tnf = np.asarray(tnf)
    n, s = depth.shape
    if tnf.shape != (n, 103) or len(lengths) != n:
        raise ValueError(f"bug: depth {depth.shape}, tnf {tnf.shape}, lengths {len(lengths)} disagree")
    per_sample = _column_sum(_row_blocks(depth), s)
    if (per_sample == 0).any():
        raise InputError(f"sample column {int(np.flatnonzero(per_sample == 0)[0]) + 1} has zero depth on every contig; "
                         "drop that sample or check its BAM")
    t_mean, t_std = _column_mean_std(tnf)
    t_std = np.where(t_std == 0, 1.0, t_std)
    x = np.empty((n, s + 104), dtype=np.float32)
    log_total = np.empty(n)
    for i in range(0, n, PREPARE_ROWS):
        scaled = depth[i : i + PREPARE_ROWS].astype(np.float64) * (1e6 / per_sample)
        total = scaled.sum(axis=1)
        zero = total == 0
        x[i : i + PREPARE_ROWS, :s] = np.where(zero[:, None], 1.0 / s, scaled / np.where(zero, 1.0, total)[:, None])
        x[i : i + PREPARE_ROWS, s : s + 103] = (tnf[i : i + PREPARE_ROWS].astype(np.float64) - t_mean) / t_std
        log_total[i : i + PREPARE_ROWS] = np.log(np.clip(total, 1e-3, None))
    x[:, -1] = zscore(log_total)
    if contig_weights == "none":
        return x, np.ones((n, 1), dtype=np.float32)
    if contig_weights != "log_length":
        raise ValueError(f"bug: contig_weights {contig_weights!r}")
    w = np.maximum(np.log(np.asarray(lengths, dtype=np.float64)) - 5.0, 2.0)
    w = (w * (n / w.sum())).astype(np.float32)[:, None]
    return x, w


def view_inputs(depth: np.ndarray, tnf: np.ndarray,
                lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the contrastive views need (``vae.contrastive`` > 0): reads expected on half of
    each contig ``(n, s) float32`` (depth x length / 2 / :data:`VIEW_READ_LENGTH`), the
    per-sample factor of :func:`prepare`'s relative depths ``(s,) float32``, the TNF noise
    of half a contig ``(n, 1) float32`` (:data:`TNF_HALF_NOISE` / sqrt(length)) and the
    z-scoring factor of each TNF column ``(103,) float32`` (1 / its std, as in prepare)."""
    lengths = np.asarray(lengths, dtype=np.float64)
    counts = (np.asarray(depth, dtype=np.float64) * (lengths / 2 / VIEW_READ_LENGTH)[:, None]).astype(np.float32)
    scale = (1e6 / _column_sum(_row_blocks(np.asarray(depth)), depth.shape[1])).astype(np.float32)
    _, t_std = _column_mean_std(np.asarray(tnf))
    inv_std = (1.0 / np.where(t_std == 0, 1.0, t_std)).astype(np.float32)
    tnf_sd = (TNF_HALF_NOISE / np.sqrt(lengths))[:, None].astype(np.float32)
    return counts, scale, tnf_sd, inv_std


def batch_size_for(n: int, batch_size: int) -> int:
    """Starting batch size for ``n`` contigs: ``vae.batch_size``, lowered (with a warning)
    to half the contigs when there are fewer contigs than one batch."""
    if n < MIN_CONTIGS:
        raise InputError(f"only {n} contigs have reads; binning needs at least {MIN_CONTIGS} (lower "
                         "contigs.min_length, or map more samples)")
    if n >= batch_size:
        return batch_size
    lowered = max(2, n // 2)
    log.warning("only %d contigs, fewer than one batch (vae.batch_size %d): batch size lowered to %d",
                n, batch_size, lowered)
    return lowered


def params_from_options(n_samples: int, vae: VAEOptions, long_reads: bool = False) -> VAEParams:
    """Model parameters (saved with the weights) from the ``vae`` options; ``hidden`` and
    ``dropout`` null follow Vamb 5's rule (2x512 and 0.2; 2x256 and 0 with one sample),
    ``importance_samples`` null that of :meth:`VAEOptions.resolved`."""
    vae = vae.resolved(n_samples, long_reads)
    hidden, dropout = vae.network(n_samples)
    return VAEParams(n_samples=n_samples, latent=vae.latent, hidden=hidden, dropout=dropout,
                     variance=vae.variance, loss=vae.loss, alpha=vae.alpha, beta=vae.beta, capacity=vae.capacity,
                     mse_ratio=vae.mse_ratio, importance_samples=vae.importance_samples)


def batch_size_at(epoch: int, vae: VAEOptions, n: int, base: int | None = None) -> int:
    """Batch size for a 0-based epoch: doubling at ``batch_steps`` (Vamb); cyclical = the
    same, except that one epoch in four runs at half the current size (at least 16), a
    kick out of the minimum whose size grows with the schedule; the last epoch is never
    a kick, so training ends on the full batch size."""
    base = base or vae.batch_size
    doublings = sum(1 for step in vae.batch_steps if epoch >= step)
    size = base * 2**doublings
    if vae.batch_schedule == "cyclical" and epoch % 4 == 3 and epoch < vae.epochs - 1:
        size = max(size // 2, 16)
    return max(2, min(size, n))


def _optimizer(model: torch.nn.Module, vae: VAEOptions, device: torch.device) -> torch.optim.Optimizer:
    """Adam/AdamW; on CUDA the fused implementation (one kernel per step instead of one
    per parameter group: per-step launch overhead dominates small batches on a GPU). CPU
    keeps torch's default (foreach) implementation, so CPU results stay as they were."""
    cls = torch.optim.AdamW if vae.optimizer == "adamw" else torch.optim.Adam
    if device.type == "cuda":
        return cls(model.parameters(), lr=vae.learning_rate, fused=True)
    return cls(model.parameters(), lr=vae.learning_rate)


@contextmanager
def precision(mode: str, device: torch.device) -> Iterator[None]:
    """Arithmetic for the training steps (``vae.precision``): float32; tf32 (CUDA matrix
    products in TensorFloat-32, restored after); bf16 (autocast on ``device``)."""
    if mode == "tf32" and device.type == "cuda":
        before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
        try:
            yield
        finally:
            torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before
    elif mode == "bf16":
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
            yield
    else:
        yield


#: share of free GPU memory the training matrix may take before it stays in host memory
DEVICE_DATA_SHARE = 0.5


def data_on_device(nbytes: int, device: torch.device) -> bool:
    """Whether the training matrix of ``nbytes`` is copied to ``device`` once (True) or
    stays in (pinned) host memory with one batch copied per step (False). Always True
    on CPU. On a GPU, only when it takes at most :data:`DEVICE_DATA_SHARE` of the free
    memory: GPU memory then stays bounded (model + a few batches) for any number of
    contigs and samples."""
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= DEVICE_DATA_SHARE * free


@contextmanager
def _sigterm_flag(enabled: bool) -> Iterator[threading.Event]:
    """An event set by SIGTERM while training runs (when ``enabled``: there is a checkpoint
    to save; main thread only; the previous handler is restored after)."""
    flag = threading.Event()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda signum, frame: flag.set())
    try:
        yield flag
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_key(x: np.ndarray, vae: VAEOptions, seed: int) -> str:
    """Identity of a training run (data, options, seed): a checkpoint resumes only its own run."""
    h = hashlib.sha256(np.ascontiguousarray(x).tobytes())
    h.update(json.dumps([asdict(vae), seed], sort_keys=True, default=list).encode())
    return h.hexdigest()


def _save_checkpoint(path: Path, state: dict) -> None:
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def _load_checkpoint(path: Path | None, key: str, device: torch.device) -> dict | None:
    if path is None or not Path(path).is_file():
        return None
    try:
        state = torch.load(path, map_location=device, weights_only=False)
    except Exception as exc:  # a damaged checkpoint is not worth a failed run
        log.warning("%s: unreadable checkpoint (%s); training from the start", path, type(exc).__name__)
        return None
    if state.get("key") != key:
        log.warning("%s: checkpoint of other inputs or options; training from the start", path)
        return None
    return state


class _Progress:
    """Epoch progress: a bar on a terminal, one log line per block of epochs in a log file."""

    def __init__(self, epochs: int, start: int) -> None:
        from tqdm.auto import tqdm

        self.epochs = epochs
        self.block = max(1, epochs // 20)
        self.t0 = time.perf_counter()
        self.start = start
        self.bar = tqdm(total=epochs, initial=start, desc="training", unit="epoch",
                        disable=not sys.stderr.isatty(), leave=False)

    def update(self, row: dict) -> None:
        self.bar.update(1)
        self.bar.set_postfix(loss=f"{row['loss']:.4f}", batch=row["batch_size"])
        done = row["epoch"]
        if done % self.block == 0 or done == self.epochs:
            rate = (time.perf_counter() - self.t0) / max(done - self.start, 1)
            log.info("epoch %d/%d loss %.5f (ce %.5f ab %.5f sse %.5f kld %.5f) active dims %d batch %d; "
                     "%.2f s/epoch, %.0f s left", done, self.epochs, row["loss"], row["ce"], row["ab"], row["sse"],
                     row["kld"], row["active_dims"], row["batch_size"], rate, rate * (self.epochs - done))

    def close(self) -> None:
        self.bar.close()


def train_vae(depth: np.ndarray, tnf: np.ndarray, lengths: np.ndarray, vae: VAEOptions, seed: int,
              device: str | None = None, threads: int = 1, log_path: str | os.PathLike | None = None,
              checkpoint: str | os.PathLike | None = None, long_reads: bool = False) -> tuple[VAE, list[dict]]:
    """Train the VAE on depth ``(n, s)`` (every sample and contig with reads), TNF
    ``(n, 103)`` and lengths ``(n,)`` (bp). ``long_reads``: some samples are long reads
    (for ``vae.bound`` auto, :meth:`VAEOptions.resolved`).

    Logs progress, and with ``log_path`` writes the per-epoch TSV at the end. With
    ``checkpoint``, saves and resumes as the module docstring says. Returns (model in eval
    mode, per-epoch history).
    """
    vae = vae.resolved(depth.shape[1], long_reads)
    dev = pick_device(device or vae.device)
    x_np, w_np = prepare(depth, tnf, lengths, vae.contig_weights)
    n = len(x_np)
    base = batch_size_for(n, vae.batch_size)
    key = run_key(x_np, vae, seed)
    ckpt = Path(checkpoint) if checkpoint is not None else None
    # ``threads`` caps torch's intra-op pool. Idle 2-core machine, dev data, 300 epochs:
    # 2 threads 41.9 s, 1 thread 62.4 s.
    with limit_threads(threads), _sigterm_flag(ckpt is not None) as stop:
        seed_everything(seed)
        model = VAE(params_from_options(depth.shape[1], vae)).to(dev)
        resident = data_on_device(x_np.nbytes + w_np.nbytes, dev)
        x, w = torch.from_numpy(x_np), torch.from_numpy(w_np)
        view_data = None  # contrastive views: per-contig (counts, tnf_sd) where x is; per-column factors on dev
        if vae.contrastive > 0:
            counts, scale, tnf_sd, inv_std = (torch.from_numpy(a) for a in view_inputs(depth, tnf, lengths))
            where = dev if resident else "cpu"
            view_data = (counts.to(where), tnf_sd.to(where), scale.to(dev), inv_std.to(dev))
        if resident:
            x, w = x.to(dev), w.to(dev)
        elif dev.type == "cuda":
            x, w = x.pin_memory(), w.pin_memory()
            log.info("training matrix (%.1f GB) stays in host memory; batches are copied to %s", x_np.nbytes / 1e9, dev)
        # the permutation is drawn where the data are, so a batch is gathered without a copy of the indices
        data_dev = x.device
        opt = _optimizer(model, vae, dev)
        gen = torch.Generator(device=data_dev).manual_seed(seed)
        history: list[dict] = []
        epoch0, b0, resume = 0, 0, None
        state = _load_checkpoint(ckpt, key, dev)
        if state is not None:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["opt"])
            gen.set_state(state["gen"])
            torch.set_rng_state(state["rng"])
            if dev.type == "cuda" and state.get("cuda_rng") is not None:
                torch.cuda.set_rng_state(state["cuda_rng"], dev)
            history, epoch0, b0, resume = state["history"], state["epoch"], state["batch"], state.get("partial")
            log.info("resuming training from %s at epoch %d (batch %d)", ckpt, epoch0 + 1, b0)
        log.info("training VAE on %s: %d contigs x %d samples%s, %d epochs, %s variance, %s bound (k = %d), %s "
                 "precision", dev, n, depth.shape[1], " of long reads" if long_reads else "", vae.epochs,
                 vae.variance, vae.bound, vae.importance_samples, vae.precision)
        progress = _Progress(vae.epochs, epoch0)

        def snapshot(epoch: int, batch: int, partial: dict | None) -> dict:
            return {"key": key, "epoch": epoch, "batch": batch, "partial": partial, "history": history,
                    "model": model.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                    "rng": torch.get_rng_state(),
                    "cuda_rng": torch.cuda.get_rng_state(dev) if dev.type == "cuda" else None}

        model.train()
        try:
            for epoch in range(epoch0, vae.epochs):
                bs = batch_size_at(epoch, vae, n, base)
                n_batches = max(1, n // bs)  # drop the last incomplete batch (BatchNorm needs > 1)
                if resume is not None:
                    perm, sums, mu_sum, mu_sq, seconds = (resume[k].to(dev) if torch.is_tensor(resume[k]) else resume[k]
                                                          for k in ("perm", "sums", "mu_sum", "mu_sq", "seconds"))
                    perm = perm.to(data_dev)
                    resume = None
                else:
                    perm = torch.randperm(n, generator=gen, device=data_dev)
                    sums = torch.zeros(5, device=dev)
                    mu_sum = torch.zeros(vae.latent, device=dev)
                    mu_sq = torch.zeros(vae.latent, device=dev)
                    seconds, b0 = 0.0, 0
                t0 = time.perf_counter()
                for b in range(b0, n_batches):
                    if stop.is_set() and ckpt is not None:
                        partial = {"perm": perm.cpu(), "sums": sums.cpu(), "mu_sum": mu_sum.cpu(),
                                   "mu_sq": mu_sq.cpu(), "seconds": seconds + time.perf_counter() - t0}
                        _save_checkpoint(ckpt, snapshot(epoch, b, partial))
                        raise Interrupted(f"SIGTERM at epoch {epoch + 1}/{vae.epochs}; checkpoint {ckpt}")
                    idx = perm[b * bs : (b + 1) * bs]
                    opt.zero_grad(set_to_none=True)
                    views = None
                    if view_data is not None:
                        views = Views(counts=view_data[0][idx].to(dev), scale=view_data[2],
                                      tnf_sd=view_data[1][idx].to(dev), tnf_inv_std=view_data[3],
                                      weight=vae.contrastive, temperature=vae.contrastive_temperature)
                    with precision(vae.precision, dev):
                        loss, terms = model.loss(x[idx].to(dev, non_blocking=True), w[idx].to(dev, non_blocking=True),
                                                 bound=vae.bound, mask_rate=vae.mask_rate, views=views)
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
                row = {"epoch": epoch + 1, "loss": vals[0], "ce": vals[1], "ab": vals[2], "sse": vals[3],
                       "kld": vals[4], "active_dims": active, "batch_size": bs,
                       "seconds": seconds + time.perf_counter() - t0}
                history.append(row)
                progress.update(row)
                every = vae.checkpoint_every
                if ckpt is not None and ((every and (epoch + 1) % every == 0 and epoch + 1 < vae.epochs)
                                         or stop.is_set()):
                    _save_checkpoint(ckpt, snapshot(epoch + 1, 0, None))
                    if stop.is_set():
                        raise Interrupted(f"SIGTERM after epoch {epoch + 1}/{vae.epochs}; checkpoint {ckpt}")
        finally:
            progress.close()
        watch_collapse(history, vae.latent)
        model.eval()
    if log_path is not None:
        write_history(history, log_path)
    return model, history


def watch_collapse(history: list[dict], latent: int) -> bool:
    """Warn when the latent space collapsed (posterior collapse, seed 004): the last epoch
    has fewer than a quarter of the latent dimensions active, or fewer than half of the
    most it had. Returns True when it warned."""
    if not history:
        return False
    last = history[-1]["active_dims"]
    most = max(r["active_dims"] for r in history)
    if last < latent / 4 or last < most / 2:
        log.warning("posterior collapse: only %d of %d latent dimensions active at the last epoch (at most %d "
                    "earlier); try a larger vae.beta or fewer vae.epochs", last, latent, most)
        return True
    return False


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
