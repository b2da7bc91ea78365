"""Stage functions: file paths in, files out. The CLI subcommands and the Snakemake
rule scripts both call these, with the full validated config (``latentbin.config``).

Every output is written atomically (temporary name, then rename).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np

from . import bins as _bins
from ._io import save_npz
from .cluster import bin_names, cluster_latent, read_clusters, write_clusters
from .contigs import filter_fasta, read_names_lengths
from .depth import Abundance, compute_depth, merge
from .errors import InputError
from .refhash import check_same_contigs, load_checked, refhash
from .tnf import Composition, compute_tnf

log = logging.getLogger(__name__)
PathLike = str | os.PathLike


def filter_contigs(fastas: list[PathLike], out: PathLike, cfg: dict, sample_names: list[str] | None = None) -> None:
    """Length-filter contigs into ``out``; with ``sample_names`` concatenate per-sample
    assemblies with ``<sample><separator>`` name prefixes (multi-split)."""
    kept, total = filter_fasta(list(fastas), out, cfg["contigs"]["min_length"], sample_names,
                               cfg["assembly"]["separator"])
    log.info("kept %d of %d contigs >= %d bp in %s", kept, total, cfg["contigs"]["min_length"], out)


def tnf(contigs: PathLike, out: PathLike, cfg: dict, threads: int = 1) -> None:
    """TNF of the contigs >= contigs.min_length -> ``tnf.npz``."""
    t0 = time.perf_counter()
    comp = compute_tnf(contigs, cfg["contigs"]["min_length"], threads)
    comp.save(out)
    dt = time.perf_counter() - t0
    log.info("TNF of %d contigs (%.1f Mbp) in %.1f s (%.1f Mbp/s) -> %s", len(comp.names),
             comp.lengths.sum() / 1e6, dt, comp.lengths.sum() / 1e6 / max(dt, 1e-9), out)


def depth(contigs: PathLike, bams: list[PathLike], out: PathLike, cfg: dict, threads: int = 1,
          samples: list[str] | None = None) -> None:
    """Depth of each contig >= contigs.min_length in each BAM -> ``depth.npz``."""
    t0 = time.perf_counter()
    names, lengths = read_names_lengths(contigs, cfg["contigs"]["min_length"])
    ab = compute_depth(list(bams), names, lengths, cfg["depth"], threads, samples, contigs_source=str(contigs))
    ab.save(out)
    log.info("depth of %d contigs x %d samples in %.1f s -> %s", len(names), len(ab.samples),
             time.perf_counter() - t0, out)


def merge_depth(inputs: list[PathLike], out: PathLike) -> None:
    """Concatenate per-sample ``depth.npz`` files column-wise -> ``depth.npz``."""
    merge([Abundance.load(p) for p in inputs], [str(p) for p in inputs]).save(out)


def _load_pair(tnf_path: PathLike, depth_path: PathLike) -> tuple[Composition, Abundance]:
    comp = Composition.load(tnf_path)
    ab = Abundance.load(depth_path)
    check_same_contigs(comp.names, str(tnf_path), ab.names, str(depth_path))
    return comp, ab


def train(tnf_path: PathLike, depth_path: PathLike, model_out: PathLike, log_tsv: PathLike | None, cfg: dict,
          threads: int = 1, device: str | None = None) -> None:
    """Train the VAE -> model file + per-epoch TSV log."""
    from .train import train_vae

    comp, ab = _load_pair(tnf_path, depth_path)
    model, _ = train_vae(ab.depth, comp.tnf, comp.lengths, cfg, device=device, threads=threads, log_path=log_tsv,
                         names=comp.names, source=str(depth_path))
    model.save(model_out, extra={"refhash": refhash(comp.names), "samples": ab.samples.tolist()})
    log.info("model -> %s", model_out)


def encode(model_path: PathLike, tnf_path: PathLike, depth_path: PathLike, out: PathLike, cfg: dict,
           threads: int = 1, device: str | None = None) -> None:
    """Latent means of every contig -> ``latent.npz`` (names, lengths, latent)."""
    from .model import VAE
    from .train import encode_latent, limit_threads, pick_device

    comp, ab = _load_pair(tnf_path, depth_path)
    with limit_threads(threads):
        model = VAE.load(model_path, pick_device(device or cfg["vae"]["device"]))
        if model.params.n_samples != ab.depth.shape[1]:
            raise InputError(f"{model_path}: model was trained on {model.params.n_samples} samples but {depth_path} "
                             f"has {ab.depth.shape[1]}; encode with the depth table it was trained on")
        latent = encode_latent(model, ab.depth, comp.tnf, comp.lengths)
    save_npz(out, names=comp.names, lengths=comp.lengths, latent=latent, refhash=refhash(comp.names))
    log.info("latent %s -> %s", latent.shape, out)


def markers(contigs: PathLike, out: PathLike, cfg: dict, threads: int = 1) -> None:
    """Single-copy marker genes on every contig >= contigs.min_length -> ``markers.npz``."""
    from .contigs import iter_filtered
    from .markers import find_markers

    t0 = time.perf_counter()
    found = find_markers(list(iter_filtered(contigs, cfg["contigs"]["min_length"])), threads, cfg["seed"])
    found.save(out)
    log.info("%d marker genes on %d contigs in %.1f s -> %s", len(found.contig), len(np.unique(found.contig)),
             time.perf_counter() - t0, out)


def cluster(latent_path: PathLike, out: PathLike, cfg: dict, threads: int = 1, device: str | None = None,
            markers_path: PathLike | None = None, depth_path: PathLike | None = None) -> None:
    """Cluster the latent space -> ``clusters.tsv`` (bin, contig). With cluster.refine,
    ``markers_path`` (markers.npz) and ``depth_path`` (depth.npz), refine by marker genes."""
    from .markers import ContigMarkers
    from .train import limit_threads

    data = load_checked(latent_path, ("names", "lengths", "latent"))
    found = depth_matrix = None
    if cfg["cluster"]["refine"]:
        if markers_path is None or depth_path is None:
            raise InputError("cluster.refine is on but no markers.npz/depth.npz given; pass --markers and --depth "
                             "(from `latentbin markers` and `latentbin depth`) or set cluster.refine: false")
        found = ContigMarkers.load(markers_path)
        check_same_contigs(data["names"], str(latent_path), found.names, str(markers_path))
        ab = Abundance.load(depth_path)
        check_same_contigs(data["names"], str(latent_path), ab.names, str(depth_path))
        depth_matrix = ab.depth
    with limit_threads(threads):
        labels = cluster_latent(data["latent"], data["lengths"], cfg, names=data["names"], device=device,
                                markers=found, depth=depth_matrix)
    bins = bin_names(labels, data["names"], cfg["cluster"]["multisplit"], cfg["assembly"]["separator"])
    write_clusters(out, bins, data["names"])
    log.info("%d clusters of %d contigs -> %s", len(np.unique(bins)), len(bins), out)


def write_bins(clusters: PathLike, contigs: PathLike, outdir: PathLike, cfg: dict) -> None:
    """One FASTA per bin >= bins.min_bin_size bp -> ``outdir/<bin>.fna``."""
    kept = _bins.write_bins(read_clusters(clusters), contigs, outdir, cfg["bins"]["min_bin_size"], str(clusters))
    log.info("%d bins >= %d bp -> %s/", len(kept), cfg["bins"]["min_bin_size"], Path(outdir))
