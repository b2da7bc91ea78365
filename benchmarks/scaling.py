#!/usr/bin/env python3
"""How latentbin's train and cluster costs grow with the number of contigs.

    python benchmarks/scaling.py                                   # 10k,100k,1M x 10 samples, CPU
    python benchmarks/scaling.py --sizes 10000,100000 --epochs 3 --device cpu
    python benchmarks/scaling.py --device cuda --budget 540        # the full table on a GPU box

Synthetic inputs, no reads: ``k = n / 200`` planted genomes, each with a random TNF
centroid (103 dims) and a log-normal abundance per sample; every contig is its genome's
centroid plus noise, with a log-normal length >= 2000 bp. Each size runs in its own
child process (so peak RSS is that size's alone) through the public API:
``latentbin.train.train_vae`` + ``encode_latent`` and ``latentbin.cluster.cluster_latent``.
Per size it reports seconds per epoch, train/encode/cluster seconds, peak RSS (and
peak GPU memory on CUDA), and the ARI of the clusters against the planted genomes.
The table (``--out``, default benchmarks/results/scaling.md) is rewritten after every
size, and a size that runs past the remaining ``--budget`` is stopped and reported as
such, so the command always returns with a table.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def synthetic(n: int, samples: int, seed: int = 1, per_genome: int = 200):
    """(depth (n, s) f32, tnf (n, 103) f32, lengths (n,) int64, labels (n,) int64)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    k = max(2, n // per_genome)
    labels = np.sort(rng.integers(0, k, n))
    lengths = np.maximum(2000, rng.lognormal(np.log(5000), 0.7, n)).astype(np.int64)
    tnf_c = rng.normal(0, 1, (k, 103)).astype(np.float32)
    tnf = tnf_c[labels] + rng.normal(0, 0.6, (n, 103)).astype(np.float32) * (5000 / lengths[:, None]) ** 0.5
    ab = rng.lognormal(1.0, 1.2, (k, samples))
    depth = ab[labels] * rng.gamma(20, 1 / 20, (n, samples))
    return depth.astype(np.float32), tnf.astype(np.float32), lengths, labels


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_size(n: int, samples: int, epochs: int, device: str, threads: int, seed: int) -> dict:
    """Run train/encode/cluster on one synthetic size in this process; return the figures."""
    import torch
    from sklearn.metrics import adjusted_rand_score

    from latentbin.cluster import cluster_latent
    from latentbin.config import load_config
    from latentbin.train import encode_latent, pick_device, train_vae

    torch.set_num_threads(threads)
    dev = str(pick_device(device))
    cfg = load_config({"vae": {"epochs": epochs}, "seed": seed})
    t = time.perf_counter()
    depth, tnf, lengths, labels = synthetic(n, samples, seed)
    out = {"n": n, "samples": samples, "epochs": epochs, "device": dev, "synth_s": time.perf_counter() - t,
           "input_rss_mb": peak_rss_mb()}
    cuda = dev.startswith("cuda")
    t, c = time.perf_counter(), time.process_time()
    model, history = train_vae(depth, tnf, lengths, cfg, device=dev, threads=threads)
    out["train_s"] = time.perf_counter() - t
    out["train_cpu_s"] = time.process_time() - c
    secs = [h["seconds"] for h in history]
    out["epoch_s"] = sorted(secs)[len(secs) // 2]  # median epoch
    out["first_epoch_s"] = secs[0]
    out["train_rss_mb"] = peak_rss_mb()
    t = time.perf_counter()
    latent = encode_latent(model, depth, tnf, lengths, device=dev)
    out["encode_s"] = time.perf_counter() - t
    if cuda:
        out["train_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
        torch.cuda.reset_peak_memory_stats()
    t, c = time.perf_counter(), time.process_time()
    pred = cluster_latent(latent, lengths, cfg, device=dev)
    out["cluster_s"] = time.perf_counter() - t
    out["cluster_cpu_s"] = time.process_time() - c
    out["cluster_rss_mb"] = peak_rss_mb()
    if cuda:
        out["cluster_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    out["genomes"] = int(labels.max() + 1)
    out["clusters"] = int(len(set(pred.tolist())))
    out["ari"] = float(adjusted_rand_score(labels, pred))
    return out


def _f(x, nd=1) -> str:
    return "–" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


def table(rows: list[dict], settings: dict) -> str:
    head = ["contigs", "samples", "genomes (planted)", "device", "epochs", "s / epoch", "train s",
            "train CPU s", "train peak RSS MB", "encode s", "cluster s", "cluster CPU s", "cluster peak RSS MB", "GPU peak MB (train / cluster)",
            "clusters", "ARI", "status"]
    lines = [f"# latentbin scaling (synthetic, planted clusters)\n",
             f"Machine: {settings['machine']}; {settings['threads']} CPU threads; run {settings['date']} with "
             f"`{settings['command']}`. Peak RSS is the whole process (inputs included: "
             "n × (103 + samples) float32 plus the model); 'train peak' is measured after training, "
             "'cluster peak' after clustering (so it is ≥ the train figure). CPU s = process CPU time "
             "(all threads); on a shared machine it is steadier than wall time.\n",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        gpu = (f"{_f(r.get('train_gpu_mb'), 0)} / {_f(r.get('cluster_gpu_mb'), 0)}"
               if "train_gpu_mb" in r else "–")
        lines.append("| " + " | ".join([
            f"{r['n']:,}", str(r["samples"]), _f(r.get("genomes")), r.get("device", "–"), str(r["epochs"]),
            _f(r.get("epoch_s"), 2), _f(r.get("train_s")), _f(r.get("train_cpu_s")), _f(r.get("train_rss_mb"), 0),
            _f(r.get("encode_s"), 2), _f(r.get("cluster_s")), _f(r.get("cluster_cpu_s")), _f(r.get("cluster_rss_mb"), 0), gpu, _f(r.get("clusters")),
            _f(r.get("ari"), 3), r.get("status", "ok")]) + " |")
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = ""
    try:
        p = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                           text=True, timeout=20)
        gpu = p.stdout.strip().splitlines()[0] if p.returncode == 0 and p.stdout.strip() else ""
    except (OSError, subprocess.SubprocessError):
        pass
    return f"{cpu}, {os.cpu_count()} cores" + (f", GPU {gpu}" if gpu else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="comma list of contig counts")
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--epochs", default="3",
                    help="training epochs per size: one value, or a comma list with one per size (s/epoch is reported)")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=float, default=3600,
                    help="seconds for all sizes together; a size still running when it is spent is stopped")
    ap.add_argument("--out", default=str(HERE / "results" / "scaling.md"))
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: one size, JSON on stdout
    a = ap.parse_args(argv)
    epochs = [int(e) for e in str(a.epochs).split(",") if e.strip()]
    if a.one:
        print("RESULT " + json.dumps(one_size(a.one, a.samples, epochs[0], a.device, a.threads, a.seed)), flush=True)
        return 0
    sizes = [int(float(s)) for s in a.sizes.split(",") if s.strip()]
    if len(epochs) == 1:
        epochs = epochs * len(sizes)
    if len(epochs) != len(sizes):
        ap.error(f"--epochs: give one value or {len(sizes)} (one per size), not {len(epochs)}")
    settings = {"machine": machine(), "threads": a.threads, "date": datetime.date.today().isoformat(),
                "command": "python benchmarks/scaling.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    start = time.perf_counter()
    for n, n_epochs in zip(sizes, epochs):
        left = a.budget - (time.perf_counter() - start)
        row = {"n": n, "samples": a.samples, "epochs": n_epochs, "device": a.device}
        if left < 5:
            row["status"] = f"not run: --budget {a.budget:.0f} s spent"
        else:
            cmd = [sys.executable, __file__, "--one", str(n), "--samples", str(a.samples), "--epochs",
                   str(n_epochs), "--device", a.device, "--threads", str(a.threads), "--seed", str(a.seed)]
            print(f"[scaling] {n:,} contigs x {a.samples} samples, {n_epochs} epochs on {a.device} "
                  f"({left:.0f} s budget left)", flush=True)
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=left)
                res = [line for line in p.stdout.splitlines() if line.startswith("RESULT ")]
                if p.returncode == 0 and res:
                    row.update(json.loads(res[-1][7:]))
                else:
                    err = (p.stderr.strip().splitlines() or ["?"])[-1]
                    row["status"] = f"failed (exit {p.returncode}): {err}".replace("|", "/")
            except subprocess.TimeoutExpired:
                row["status"] = f"stopped after {left:.0f} s (--budget)"
        rows.append(row)
        out.write_text(table(rows, settings))
        (out.with_suffix(".json")).write_text(json.dumps({"settings": settings, "rows": rows}, indent=1))
    text = table(rows, settings)
    print(text)
    print(f"[scaling] wrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
