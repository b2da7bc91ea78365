"""Train + encode + cluster (+ refine) on precomputed dev matrices, on each device given,
and print one table: seconds per stage and NC genomes. Same data, same seed, one run.

    python benchmarks/train_devices.py --data DIR --devices cpu cuda [--threads 2] [--gold gold.tsv]

DIR holds tnf.npz, depth.npz (and markers.npz for refine) from `latentbin tnf/depth/markers`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from latentbin.cluster import bin_names, cluster_latent, write_clusters
from latentbin.config import load_config
from latentbin.options import Options
from latentbin.depth import Abundance
from latentbin.markers import ContigMarkers
from latentbin.tnf import Composition
from latentbin.train import encode_latent, train_vae

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--devices", nargs="+", default=["cpu"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--gold", help="gold standard TSV to count NC genomes")
    a = ap.parse_args()
    d = Path(a.data)
    comp, ab = Composition.load(d / "tnf.npz"), Abundance.load(d / "depth.npz")
    markers = ContigMarkers.load(d / "markers.npz") if (d / "markers.npz").exists() else None
    over = {"vae": {"epochs": a.epochs}} if a.epochs else {}
    rows = []
    for dev in a.devices:
        opts = Options.from_config(load_config({**over, "vae": {**over.get("vae", {}), "device": dev}}))
        t0 = time.perf_counter()
        model, hist = train_vae(ab.depth, comp.tnf, comp.lengths, opts.vae, opts.seed, threads=a.threads)
        t1 = time.perf_counter()
        latent = encode_latent(model, ab.depth, comp.tnf, comp.lengths)
        t2 = time.perf_counter()
        labels = cluster_latent(latent, comp.lengths, opts.cluster, opts.seed, device=dev, names=comp.names,
                                markers=markers, depth=ab.depth)
        t3 = time.perf_counter()
        nc = "-"
        if a.gold:
            from latentbin.score import score_files

            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "c.tsv"
                write_clusters(out, bin_names(labels, comp.names, False, "C"), comp.names)
                nc = score_files(a.gold, out, Path(tmp) / "s.tsv", opts.contigs.min_length,
                                 opts.bins.min_bin_size)["NC"]
        rows.append((dev, len(hist), t1 - t0, (t1 - t0) / len(hist), t2 - t1, t3 - t2, nc))
    base = rows[0][2]
    print(f"contigs {len(comp.names)}, samples {ab.depth.shape[1]}, threads {a.threads}")
    print("| device | epochs | train s | s/epoch | encode s | cluster+refine s | NC | train speed-up vs first |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for dev, ep, tr, per, en, cl, nc in rows:
        print(f"| {dev} | {ep} | {tr:.1f} | {per:.3f} | {en:.2f} | {cl:.1f} | {nc} | {base / tr:.1f}x |")


if __name__ == "__main__":
    main()
