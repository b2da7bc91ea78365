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

Per-stage mode (``--stages``): memory and time of the package's own stage functions
(``latentbin.stages``: train, encode, cluster; what ``latentbin run`` calls), each in its
own child process reading and writing the stage files (``tnf.npz``, ``depth.npz``,
``model.pt``, ``latent.npz``, ``clusters.tsv``) in ``--work``; the synthetic TNF/depth
matrices stand in for the tnf and depth stages (no FASTA, no BAMs). Per stage: wall
seconds, CPU seconds, the child's peak RSS (``ru_maxrss``) and the 1-minute load average
before and after; the cluster row adds the ARI against the planted genomes.
``cluster.refine`` is off (no marker genes in synthetic data)::

    nice -n 5 python benchmarks/scaling.py --stages --sizes 100000,1000000 --samples 20 --epochs 2 \
        --threads 1 --out benchmarks/results/scaling_cpu_1m.md
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


def _options(epochs: int, seed: int, device: str):
    from latentbin.config import load_config
    from latentbin.options import Options

    return Options.from_config(load_config({"vae": {"epochs": epochs, "device": device}, "seed": seed}))


def one_size(n: int, samples: int, epochs: int, device: str, threads: int, seed: int) -> dict:
    """Run train/encode/cluster on one synthetic size in this process; return the figures."""
    import torch
    from sklearn.metrics import adjusted_rand_score

    from latentbin.cluster import cluster_latent
    from latentbin.runtime import pick_device
    from latentbin.train import encode_latent, train_vae

    torch.set_num_threads(threads)
    dev = str(pick_device(device))
    opts = _options(epochs, seed, dev)
    t = time.perf_counter()
    depth, tnf, lengths, labels = synthetic(n, samples, seed)
    out = {"n": n, "samples": samples, "epochs": epochs, "device": dev, "synth_s": time.perf_counter() - t,
           "input_rss_mb": peak_rss_mb()}
    cuda = dev.startswith("cuda")
    t, c = time.perf_counter(), time.process_time()
    model, history = train_vae(depth, tnf, lengths, opts.vae, seed, device=dev, threads=threads)
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
    pred = cluster_latent(latent, lengths, opts.cluster, seed, device=dev)
    out["cluster_s"] = time.perf_counter() - t
    out["cluster_cpu_s"] = time.process_time() - c
    out["cluster_rss_mb"] = peak_rss_mb()
    if cuda:
        out["cluster_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    out["genomes"] = int(labels.max() + 1)
    out["clusters"] = int(len(set(pred.tolist())))
    out["ari"] = float(adjusted_rand_score(labels, pred))
    return out


STAGE_NAMES = ("synth", "train", "encode", "cluster")


def stage_child(stage: str, work: Path, n: int, samples: int, epochs: int, device: str, threads: int,
                seed: int) -> dict:
    """One stage of the per-stage mode, in this (child) process."""
    import numpy as np

    from latentbin.options import plain

    out: dict = {}
    t, c = time.perf_counter(), time.process_time()
    if stage == "synth":
        from latentbin.depth import Abundance
        from latentbin.tnf import Composition

        depth, tnf, lengths, labels = synthetic(n, samples, seed)
        names = np.array([f"c{i}" for i in range(n)])
        Composition(names, lengths, tnf).save(work / "tnf.npz")
        Abundance(names, np.array([f"S{j + 1}" for j in range(samples)]), depth).save(work / "depth.npz")
        np.save(work / "truth.npy", labels)
    else:
        from latentbin.stages import BY_NAME, layout_paths, run_stage, stage_options

        opts = _options(epochs, seed, device)
        opts = type(opts)(**{**{k: getattr(opts, k) for k in opts.__dataclass_fields__},
                             "cluster": type(opts.cluster)(**{**plain(opts.cluster), "refine": False})})
        st = BY_NAME[stage]
        paths = layout_paths(work / "results", {})
        paths["tnf"], paths["depth"] = work / "tnf.npz", work / "depth.npz"
        keep = [k for k in st.inputs + st.outputs if k in paths]
        run_stage(st, {k: paths[k] for k in keep}, stage_options(st, opts), threads)
        if stage == "train":
            import csv

            with open(paths["train_log"]) as fh:
                secs = [float(r["seconds"]) for r in csv.DictReader(fh, delimiter="\t")]
            out["epoch_s"] = sorted(secs)[len(secs) // 2]
    out["cpu_s"] = time.process_time() - c
    out["inner_s"] = time.perf_counter() - t
    out["rss_mb"] = peak_rss_mb()
    return out


def cluster_scores(work: Path) -> dict:
    """Clusters and ARI of ``results/cluster/clusters.tsv`` against the planted genomes."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    from latentbin.cluster import read_clusters

    truth = np.load(work / "truth.npy")
    pred = np.empty(len(truth), dtype=np.int64)
    bins = read_clusters(work / "results" / "cluster" / "clusters.tsv")
    for k, contigs in enumerate(bins.values()):
        pred[[int(c[1:]) for c in contigs]] = k
    return {"clusters": len(bins), "genomes": int(truth.max() + 1), "ari": float(adjusted_rand_score(truth, pred))}


def stage_table(rows: list[dict], settings: dict) -> str:
    head = ["stage", "contigs", "samples", "epochs", "wall s", "CPU s", "peak RSS MB", "load (1 min) before / after",
            "notes", "status"]
    lines = ["# latentbin per-stage time and memory (synthetic, CPU)\n",
             f"Machine: {settings['machine']}; {settings['threads']} threads; git commit {settings['commit']}; "
             f"run {settings['date']} with `{settings['command']}`.\n",
             "Each stage is the package's own stage function (`latentbin.stages`, what `latentbin run` calls) in "
             "its own process, reading and writing the stage files; `synth` writes the synthetic `tnf.npz` / "
             "`depth.npz` (it stands in for the tnf and depth stages). Wall s: the child process, start-up "
             "included; peak RSS: the child's `ru_maxrss`. `cluster.refine` off (no marker genes). The machine is "
             "shared: the load average is beside each row.\n",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        notes = []
        if r.get("epoch_s") is not None:
            notes.append(f"{r['epoch_s']:.1f} s/epoch")
        if r.get("ari") is not None:
            notes.append(f"{r['clusters']:,} clusters of {r['genomes']:,} planted genomes, ARI {r['ari']:.3f}")
        lines.append("| " + " | ".join([
            r["stage"], f"{r['n']:,}", str(r["samples"]), str(r["epochs"]) if r["stage"] == "train" else "–",
            _f(r.get("wall_s")), _f(r.get("cpu_s")), _f(r.get("rss_mb"), 0),
            f"{_f(r.get('load_before'), 2)} / {_f(r.get('load_after'), 2)}", "; ".join(notes) or "–",
            r.get("status", "ok")]) + " |")
    return "\n".join(lines) + "\n"


def run_stages(a, sizes: list[int], epochs: list[int], settings: dict, out: Path) -> int:
    rows: list[dict] = []
    start = time.perf_counter()
    for n, n_epochs in zip(sizes, epochs):
        work = Path(a.work) / f"n{n}_s{a.samples}"
        work.mkdir(parents=True, exist_ok=True)
        failed = False
        for stage in STAGE_NAMES:
            left = a.budget - (time.perf_counter() - start)
            row = {"stage": stage, "n": n, "samples": a.samples, "epochs": n_epochs}
            if failed or left < 5:
                why = "an earlier stage failed" if failed else f"--budget {a.budget:.0f} s spent"
                row["status"] = f"not run ({why})"
                rows.append(row)
                continue
            cmd = [sys.executable, __file__, "--stage", stage, "--work", str(work), "--one", str(n), "--samples",
                   str(a.samples), "--epochs", str(n_epochs), "--device", a.device, "--threads", str(a.threads),
                   "--seed", str(a.seed)]
            print(f"[scaling] {stage}: {n:,} contigs x {a.samples} samples ({left:.0f} s budget left)", flush=True)
            row["load_before"] = os.getloadavg()[0]
            t = time.perf_counter()
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=left)
                row["wall_s"] = time.perf_counter() - t
                res = [line for line in p.stdout.splitlines() if line.startswith("RESULT ")]
                if p.returncode == 0 and res:
                    row.update(json.loads(res[-1][7:]))
                    if stage == "cluster":
                        row.update(cluster_scores(work))
                else:
                    err = (p.stderr.strip().splitlines() or ["?"])[-1]
                    row["status"] = f"failed (exit {p.returncode}): {err}".replace("|", "/")
                    failed = True
            except subprocess.TimeoutExpired:
                row["status"] = f"stopped after {left:.0f} s (--budget)"
                failed = True
            row["load_after"] = os.getloadavg()[0]
            rows.append(row)
            print(f"[scaling]   {json.dumps(row)}", flush=True)
            out.write_text(stage_table(rows, settings))
            out.with_suffix(".json").write_text(json.dumps({"settings": settings, "rows": rows}, indent=1))
    print(stage_table(rows, settings))
    print(f"[scaling] wrote {out}", flush=True)
    return 0


def git_commit() -> str:
    try:
        p = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                           timeout=20)
        dirty = subprocess.run(["git", "-C", str(HERE), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=20).stdout.strip()
        return p.stdout.strip() + (" (+ uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "?"


def _f(x, nd=1) -> str:
    return "–" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


def table(rows: list[dict], settings: dict) -> str:
    head = ["contigs", "samples", "genomes (planted)", "device", "epochs", "s / epoch", "train s",
            "train CPU s", "train peak RSS MB", "encode s", "cluster s", "cluster CPU s", "cluster peak RSS MB", "GPU peak MB (train / cluster)",
            "clusters", "ARI", "status"]
    lines = ["# latentbin scaling (synthetic, planted clusters)\n",
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
    ap.add_argument("--stages", action="store_true",
                    help="per-stage mode: each stage (synth, train, encode, cluster) in its own process, through "
                         "latentbin.stages, with wall time and peak RSS per stage")
    ap.add_argument("--work", default=str(HERE / "work" / "scaling"),
                    help="per-stage mode: folder for the stage files (git-ignored)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: one size, JSON on stdout
    ap.add_argument("--stage", choices=STAGE_NAMES, help=argparse.SUPPRESS)  # child mode: one stage
    a = ap.parse_args(argv)
    epochs = [int(e) for e in str(a.epochs).split(",") if e.strip()]
    if a.stage:
        print("RESULT " + json.dumps(stage_child(a.stage, Path(a.work), a.one, a.samples, epochs[0], a.device,
                                                 a.threads, a.seed)), flush=True)
        return 0
    if a.one:
        print("RESULT " + json.dumps(one_size(a.one, a.samples, epochs[0], a.device, a.threads, a.seed)), flush=True)
        return 0
    sizes = [int(float(s)) for s in a.sizes.split(",") if s.strip()]
    if len(epochs) == 1:
        epochs = epochs * len(sizes)
    if len(epochs) != len(sizes):
        ap.error(f"--epochs: give one value or {len(sizes)} (one per size), not {len(epochs)}")
    settings = {"machine": machine(), "threads": a.threads, "date": datetime.date.today().isoformat(),
                "command": "python benchmarks/scaling.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                "commit": git_commit()}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if a.stages:
        return run_stages(a, sizes, epochs, settings, out)
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
