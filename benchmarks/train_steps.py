"""Per-step cost of VAE training and the whole 300-epoch schedule it implies, on one device.

    python benchmarks/train_steps.py --device cpu --threads 2 [--contigs 1000000 --samples 10]
    python benchmarks/train_steps.py --device cuda            # on a GPU machine: issue 12 point 3

For each batch size of the schedule (``vae.batch_size`` doubled at ``vae.batch_steps``)
and each variant (float32+foreach = Adam as on CPU, float32+fused = the CUDA default,
bf16 autocast, TF32 matrix products; the last two with fused Adam; on CUDA also float32+fused
with the whole step captured once in a CUDA graph and replayed), times ``--steps`` optimiser steps of the default model on random
planted data held on the device (after ``--warmup`` steps; CUDA synchronised), then
projects the schedule: sum over epochs of steps per epoch x seconds per step at that
epoch's batch size, for ``--contigs`` contigs. Prints one markdown table; the ratio
column compares each variant with the first row in the same run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from latentbin.config import load_config
from latentbin.model import VAE
from latentbin.options import Options
from latentbin.runtime import device_name, limit_threads, pick_device
from latentbin.train import _optimizer, batch_size_at, params_from_options, precision

VARIANTS = {  # name: (vae.precision, fused Adam, whole step captured in a CUDA graph)
    "float32+foreach": ("float32", False, False),
    "float32+fused": ("float32", True, False),
    "bf16+fused": ("bf16", True, False),
    "tf32+fused": ("tf32", True, False),
    "float32+fused+graph": ("float32", True, True),  # CUDA only: one graph replay per step
}


def step_seconds(vae, samples: int, batch: int, dev: torch.device, prec: str, fused: bool, steps: int,
                 warmup: int, graph: bool = False) -> tuple[float, int]:
    """Mean wall seconds of one training step (forward, loss, backward, optimiser) and the
    top-level aten operator calls of one step (torch profiler; with ``graph`` that is the
    index draw and its copy into the captured input, the step itself one graph replay)."""
    torch.manual_seed(0)
    vae = vae.resolved(samples, long_reads=False)  # vae.bound auto -> the bound training uses
    model = VAE(params_from_options(samples, vae)).to(dev).train()
    if fused:
        cls = torch.optim.AdamW if vae.optimizer == "adamw" else torch.optim.Adam
        opt = cls(model.parameters(), lr=vae.learning_rate, fused=True, capturable=graph)
    else:
        opt = _optimizer(model, vae, torch.device("cpu"))  # the foreach default
    n = max(batch * 4, 4096)
    x = torch.randn(n, samples + 104, device=dev)
    x[:, :samples] = torch.softmax(x[:, :samples], dim=1)
    w = torch.ones(n, 1, device=dev)
    gen = torch.Generator(device=dev).manual_seed(0)

    def step(idx: torch.Tensor) -> None:
        with precision(prec, dev):
            loss, _ = model.loss(x[idx], w[idx], bound=vae.bound, mask_rate=vae.mask_rate)
        loss.backward()
        opt.step()

    def run(k: int) -> None:
        for _ in range(k):
            idx = torch.randint(0, n, (batch,), device=dev, generator=gen)
            opt.zero_grad(set_to_none=True)
            step(idx)

    if graph:  # capture forward + backward + Adam once; a step is then a new index draw and a replay
        static_idx = torch.randint(0, n, (batch,), device=dev, generator=gen)
        side = torch.cuda.Stream(dev)
        side.wait_stream(torch.cuda.current_stream(dev))
        with torch.cuda.stream(side):
            for _ in range(3):
                opt.zero_grad(set_to_none=True)
                step(static_idx)
        torch.cuda.current_stream(dev).wait_stream(side)
        g = torch.cuda.CUDAGraph()
        opt.zero_grad(set_to_none=True)
        with torch.cuda.graph(g):
            step(static_idx)

        def run(k: int) -> None:  # noqa: F811 - the graph's step
            for _ in range(k):
                static_idx.copy_(torch.randint(0, n, (batch,), device=dev, generator=gen))
                g.replay()

    run(warmup)
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run(1)
    # top-level aten calls of one step: each is at least one kernel launch on a GPU
    top_ops = sum(1 for e in prof.events() if e.name.startswith("aten::")
                  and (e.cpu_parent is None or not e.cpu_parent.name.startswith("aten::")))
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    t0 = time.perf_counter()
    run(steps)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return (time.perf_counter() - t0) / steps, top_ops


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--contigs", type=int, default=1_000_000, help="contigs of the projected schedule")
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma list of " + ", ".join(VARIANTS))
    a = ap.parse_args()
    dev = pick_device(a.device)
    vae = Options.from_config(load_config({})).vae
    batches = sorted({batch_size_at(e, vae, a.contigs) for e in range(vae.epochs)})
    epochs_at = {b: sum(1 for e in range(vae.epochs) if batch_size_at(e, vae, a.contigs) == b) for b in batches}
    steps_total = sum(epochs_at[b] * (a.contigs // b) for b in batches)
    print(f"device {device_name(dev)}, threads {a.threads}, torch {torch.__version__}; model: default vae options, "
          f"{a.samples} samples; schedule: {vae.epochs} epochs, batch {' / '.join(map(str, batches))} for "
          f"{' / '.join(str(epochs_at[b]) for b in batches)} epochs = {steps_total:,} steps at {a.contigs:,} contigs")
    print()
    head = ("| variant | ops/step | " + " | ".join(f"ms/step @{b}" for b in batches)
            + " | projected schedule s | vs first |")
    print(head)
    print("|---|" + "---:|" * (len(batches) + 3))
    first = None
    with limit_threads(a.threads):
        for name in a.variants.split(","):
            prec, fused, graph = VARIANTS[name]
            if (prec == "tf32" or graph) and dev.type != "cuda":
                continue  # no effect on CPU / CUDA graphs only
            got = {b: step_seconds(vae, a.samples, b, dev, prec, fused, a.steps, a.warmup, graph) for b in batches}
            per = {b: got[b][0] for b in batches}
            ops = got[batches[0]][1]
            total = sum(epochs_at[b] * (a.contigs // b) * per[b] for b in batches)
            first = first or total
            cells = " | ".join(f"{per[b] * 1e3:.2f}" for b in batches)
            print(f"| {name} | {ops} | {cells} | {total:,.0f} | {total / first:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
