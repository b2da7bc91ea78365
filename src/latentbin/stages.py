"""The stage chain: one table of stages (name, inputs, outputs, options, function) that
``latentbin run``, the stage subcommands, the Snakemake rules and the benchmark harness
all read.

Paths are keys of :data:`LAYOUT`, relative to a results folder (``results/`` in the
workflow, ``--outdir`` for ``latentbin run``), or external inputs (:data:`EXTERNAL`).
Each stage function takes a :class:`Paths` (its inputs and outputs by key), the option
sections it names (typed, from :mod:`latentbin.options`) and ``threads``; it writes its
outputs atomically.

Adding a stage: one :class:`Stage` entry in :data:`STAGES`, its function here (a thin
call into the module that owns the idea), and one Snakemake rule whose input/output
names are the stage's keys (``tests/test_stages.py`` checks the rules against this
table; every rule runs the same adapter, ``scripts/run_stage.py``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ._io import atomic_text
from .errors import InputError
from .options import (AssemblyOptions, BinOptions, ClusterOptions, ContigOptions, DepthOptions, MappingOptions,
                      Options, QCOptions, VAEOptions, plain)

log = logging.getLogger(__name__)
PathLike = str | os.PathLike

#: where each file lives, relative to the results folder
LAYOUT: dict[str, str] = {
    "checked": "check/inputs.tsv",
    "reads_checked": "check/{sample}.reads.tsv",
    "contigs": "contigs/contigs.fna.gz",
    "contigs_info": "contigs/contigs.json",
    "index": "contigs/contigs.{preset}.mmi",
    "bam": "mapping/{sample}.bam",
    "sample_depth": "depth/{sample}.npz",
    "depth": "depth/depth.npz",
    "tnf": "tnf/tnf.npz",
    "model": "vae/model.pt",
    "train_log": "vae/train_log.tsv",
    "train_info": "vae/train_info.json",
    "checkpoint": "vae/train.ckpt",
    "latent": "vae/latent.npz",
    "markers": "markers/markers.npz",
    "clusters": "cluster/clusters.tsv",
    "unbinned": "cluster/unbinned.tsv",
    "bins": "bins",
    "qc": "qc/builtin.tsv",
    "checkm2_report": "qc/checkm2/quality_report.tsv",
    "checkm2": "qc/checkm2.tsv",
    "score": "score/score.tsv",
    "summary": "summary.tsv",
    "report": "report.html",
}
#: inputs that come from the user, not from a stage
EXTERNAL = ("assemblies", "bams", "depth_table", "gold")
#: values a stage takes beside its paths (from the user, or the rule's params)
EXTRAS = ("assembly_samples", "bam_samples", "sample", "sample_sheet")
#: keys whose value is a list (a rule may give a single file)
LISTS = ("assemblies", "bams", "sample_depth", "assembly_samples", "bam_samples", "reads")


def results_path(key: str, root: str = "results", **wildcards: str) -> str:
    """Path of a stage file under a results folder (wildcards filled, or left as
    ``{name}`` when given as ``"{name}"``)."""
    return f"{root}/{LAYOUT[key]}".format(**wildcards) if wildcards else f"{root}/{LAYOUT[key]}"


class Paths:
    """A stage's files by key (attribute access); ``get`` for optional inputs."""

    def __init__(self, **paths: Any) -> None:
        self._paths = {k: v for k, v in paths.items() if v is not None}

    def __getattr__(self, key: str) -> Any:
        try:
            return self._paths[key]
        except KeyError:
            raise AttributeError(f"bug: stage path '{key}' not given") from None

    def get(self, key: str, default: Any = None) -> Any:
        return self._paths.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self._paths


# ----------------------------------------------------------------------------- stage functions
def check_inputs(p: Paths, *, contigs: ContigOptions, assembly: AssemblyOptions, threads: int = 1) -> None:
    """Validate the assembly and the ``sample_sheet``'s reads (first records) before any
    heavy job; every problem is reported, one line each -> ``checked`` (the findings)."""
    from .check import check_run

    cfg = {"samples": str(p.sample_sheet), "contigs": plain(contigs), "assembly": plain(assembly)}
    report = check_run(None, cfg, samples=str(p.sample_sheet))
    with atomic_text(p.checked) as fh:
        fh.write("kind\tmessage\n")
        for kind, lines in (("error", report.errors), ("warning", report.warnings), ("fact", report.facts)):
            fh.writelines(f"{kind}\t{line}\n" for line in lines)
    for line in report.warnings:
        log.warning("%s", line)
    if not report.ok:
        Path(p.checked).unlink()
        report.raise_if_errors()


def check_reads(p: Paths, *, threads: int = 1) -> None:
    """Read one ``sample``'s read files to the end (a truncated gzip or an R1/R2 record
    count mismatch is an error, not a warning in minimap2's log) -> ``reads_checked``."""
    from .check import check_sample_integrity
    from .samples import Sample

    sample = Sample(**p.sample)
    n = check_sample_integrity(sample, threads)
    with atomic_text(p.reads_checked) as fh:
        fh.write(f"sample\treads\n{sample.name}\t{n}\n")
    log.info("sample %s: %d reads, files complete", sample.name, n)


def filter_contigs(p: Paths, *, contigs: ContigOptions, assembly: AssemblyOptions, threads: int = 1) -> None:
    """Length-filter the assembly (``assemblies``: one FASTA, or one per sample with
    ``assembly_samples`` for multi-split names) -> ``contigs`` (+ ``contigs_info`` counts)."""
    from .contigs import filter_fasta

    samples = list(p.get("assembly_samples") or []) or None
    kept, total = filter_fasta([str(a) for a in p.assemblies], p.contigs, contigs.min_length, samples,
                               assembly.separator)
    if "contigs_info" in p:
        with atomic_text(p.contigs_info) as fh:
            json.dump({"total": total, "kept": kept, "dropped_length": total - kept,
                       "min_length": contigs.min_length}, fh)
    log.info("kept %d of %d contigs >= %d bp -> %s", kept, total, contigs.min_length, p.contigs)


def tnf(p: Paths, *, threads: int = 1) -> None:
    """TNF of every contig of ``contigs`` -> ``tnf.npz``."""
    from .tnf import compute_tnf

    t0 = time.perf_counter()
    comp = compute_tnf(p.contigs, 0, threads)
    comp.save(p.tnf)
    dt = time.perf_counter() - t0
    log.info("TNF of %d contigs (%.1f Mbp) in %.1f s -> %s", len(comp.names), comp.lengths.sum() / 1e6, dt, p.tnf)


def depth(p: Paths, *, depth: DepthOptions, threads: int = 1) -> None:
    """Depth of each contig of ``contigs`` in each of ``bams`` (or from ``depth_table``)
    -> ``depth.npz``. Sample names: ``bam_samples`` or the BAM file names."""
    from .contigs import read_names_lengths
    from .depth import align_to, compute_depth, read_depth_table

    t0 = time.perf_counter()
    names, lengths = read_names_lengths(p.contigs)
    if p.get("depth_table"):
        ab = align_to(read_depth_table(p.depth_table), names, str(p.depth_table))
    else:
        samples = list(p.get("bam_samples") or []) or None
        ab = compute_depth([str(b) for b in p.bams], names, lengths, depth, threads, samples,
                           contigs_source=str(p.contigs))
    ab.save(p.depth)
    log.info("depth of %d contigs x %d samples in %.1f s -> %s", len(names), len(ab.samples),
             time.perf_counter() - t0, p.depth)


def map_depth(p: Paths, *, depth: DepthOptions, mapping: MappingOptions, threads: int = 1) -> None:
    """One ``sample``'s reads mapped with minimap2 to the contigs' ``index`` and its depths
    computed from minimap2's output stream (no sort, no BAM) -> ``depth`` (that sample's
    depth file, as the ``depth`` stage writes per sample in the workflow)."""
    from .contigs import read_names_lengths
    from .depth import Abundance
    from .mapping import stream_sample_depth
    from .samples import Sample

    t0 = time.perf_counter()
    reads = [str(r) for r in p.reads]
    if isinstance(p.get("sample"), dict):  # the workflow passes the sheet row
        sample = Sample(**p.sample)
    else:  # the CLI: a name (or none), short reads
        name = p.get("sample") or Path(reads[0]).name.split(".")[0]
        sample = Sample(name=name, r1=reads[0], r2=reads[1] if len(reads) > 1 else "")
    names, lengths = read_names_lengths(p.contigs)
    preset = sample.preset_for(mapping.default_preset, mapping.long_preset)
    column = stream_sample_depth(p.index, reads, preset, mapping.extra, threads, sample.name,
                                 names, lengths, depth, contigs_source=str(p.contigs))
    Abundance(np.asarray(names, dtype=str), np.array([sample.name], dtype=str), column.depth[:, None],
              np.array([column.long_reads])).save(p.depth)
    log.info("sample %s: reads mapped (minimap2 -x %s) and depth of %d contigs computed from the stream in %.1f s "
             "-> %s", sample.name, preset, len(names), time.perf_counter() - t0, p.depth)


def merge_depth(p: Paths, *, threads: int = 1) -> None:
    """Concatenate per-sample ``sample_depth`` files column-wise -> ``depth.npz``."""
    from .depth import Abundance, merge

    merge([Abundance.load(f) for f in p.sample_depth], [str(f) for f in p.sample_depth]).save(p.depth)


def _usable_inputs(p: Paths):
    """TNF and depth of the same contigs, the contigs and samples usable for training."""
    from .depth import Abundance, usable
    from .refhash import check_same_contigs
    from .tnf import Composition

    comp = Composition.load(p.tnf)
    ab = Abundance.load(p.depth)
    check_same_contigs(comp.names, str(p.tnf), ab.names, str(p.depth))
    rows, cols = usable(ab.depth)
    if not cols.any():
        raise InputError(f"{p.depth}: no sample has a read on these contigs; check the read mapping "
                         "(or relax depth.min_identity / depth.min_mapq)")
    for sample in ab.samples[~cols]:
        log.warning("sample %s has no mapped reads on these contigs: dropped", sample)
    if not rows.all():
        log.warning("%d of %d contigs have zero depth in every sample: set aside (cluster/unbinned.tsv)",
                    int((~rows).sum()), len(rows))
    return comp, ab, rows, cols


def train(p: Paths, *, vae: VAEOptions, seed: int, threads: int = 1) -> None:
    """Train the VAE -> ``model`` + per-epoch ``train_log`` (+ ``train_info``: device,
    seconds). Resumes from ``checkpoint`` when one of the same run is there."""
    import torch

    from .refhash import refhash
    from .runtime import device_name, pick_device
    from .train import train_vae

    t0 = time.perf_counter()
    comp, ab, rows, cols = _usable_inputs(p)
    model, _ = train_vae(ab.depth[rows][:, cols], comp.tnf[rows], comp.lengths[rows], vae, seed, threads=threads,
                         log_path=p.train_log, checkpoint=p.get("checkpoint"),
                         long_reads=bool(ab.long_reads[cols].any()))
    model.save(p.model, extra={"refhash": refhash(comp.names), "samples": ab.samples[cols].tolist()})
    if "train_info" in p:
        dev = pick_device(vae.device)
        with atomic_text(p.train_info) as fh:
            json.dump({"device": dev.type, "device_name": device_name(dev), "threads": threads,
                       "seconds": time.perf_counter() - t0, "torch": torch.__version__,
                       "contigs": int(rows.sum()), "samples": ab.samples[cols].tolist()}, fh)
    if p.get("checkpoint"):
        Path(p.checkpoint).unlink(missing_ok=True)
    log.info("model -> %s", p.model)


def encode(p: Paths, *, vae: VAEOptions, threads: int = 1) -> None:
    """Latent means of every contig with reads -> ``latent.npz`` (the rest set aside)."""
    from .embedding import Embedding
    from .model import VAE
    from .runtime import limit_threads, pick_device
    from .train import encode_latent

    comp, ab, rows, cols = _usable_inputs(p)
    with limit_threads(threads):
        model = VAE.load(p.model, pick_device(vae.device))
        trained_on = model.extra.get("samples")
        if trained_on is not None and list(trained_on) != ab.samples[cols].tolist():
            raise InputError(f"{p.model}: model was trained on samples {trained_on} but {p.depth} has usable samples "
                             f"{ab.samples[cols].tolist()}; encode with the depth table it was trained on")
        latent = encode_latent(model, ab.depth[rows][:, cols], comp.tnf[rows], comp.lengths[rows])
    aside = ~rows
    Embedding(comp.names[rows], comp.lengths[rows], latent, comp.names[aside], comp.lengths[aside],
              np.full(int(aside.sum()), "zero_depth")).save(p.latent)
    log.info("latent %s -> %s", latent.shape, p.latent)


def markers(p: Paths, *, seed: int, threads: int = 1) -> None:
    """Single-copy marker genes on every contig of ``contigs`` -> ``markers.npz``."""
    from .contigs import iter_filtered
    from .markers import find_markers

    t0 = time.perf_counter()
    found = find_markers(list(iter_filtered(p.contigs, 0)), threads, seed)
    found.save(p.markers)
    log.info("%d marker genes on %d contigs in %.1f s -> %s", len(found.contig), len(np.unique(found.contig)),
             time.perf_counter() - t0, p.markers)


def cluster(p: Paths, *, cluster: ClusterOptions, assembly: AssemblyOptions, vae: VAEOptions, seed: int,
            threads: int = 1) -> None:
    """Cluster the latent space -> ``clusters`` (bin, contig) and ``unbinned`` (contigs set
    aside before clustering, with the reason). With ``cluster.refine``, ``markers`` and
    ``depth`` refine the clusters by marker genes."""
    from .cluster import bin_names, cluster_latent, write_clusters
    from .depth import Abundance
    from .embedding import Embedding
    from .markers import ContigMarkers
    from .refhash import check_same_contigs
    from .runtime import limit_threads

    emb = Embedding.load(p.latent)
    if len(emb.names) == 0:
        raise InputError(f"{p.latent}: no contig embedded; rerun `latentbin encode` on the tnf and depth of this run")
    found = depth_matrix = None
    if cluster.refine:
        if p.get("markers") is None or p.get("depth") is None:
            raise InputError("cluster.refine is on but no markers.npz/depth.npz given; pass --markers and --depth "
                             "(from `latentbin markers` and `latentbin depth`) or set cluster.refine: false")
        found = ContigMarkers.load(p.markers)
        ab = Abundance.load(p.depth)
        check_same_contigs(found.names, str(p.markers), ab.names, str(p.depth))
        index = {n: i for i, n in enumerate(ab.names.tolist())}
        missing = [n for n in emb.names.tolist() if n not in index]
        if missing:
            raise InputError(f"contigs differ: '{missing[0]}' of {p.latent} is not in {p.depth}; both must come "
                             "from the same contig FASTA and min_length")
        rows = np.array([index[n] for n in emb.names.tolist()], dtype=np.int64)
        depth_matrix = ab.depth[rows]
        found = _markers_of(found, rows)
    with limit_threads(threads):
        labels = cluster_latent(emb.latent, emb.lengths, cluster, seed, device=vae.device, names=emb.names,
                                separator=assembly.separator, markers=found, depth=depth_matrix)
    bins = bin_names(labels, emb.names, cluster.multisplit, assembly.separator)
    write_clusters(p.clusters, bins, emb.names)
    if "unbinned" in p:
        with atomic_text(p.unbinned) as fh:
            fh.write("contig\tlength\treason\n")
            for name, length, reason in zip(emb.aside_names, emb.aside_lengths, emb.aside_reasons):
                fh.write(f"{name}\t{int(length)}\t{reason}\n")
    log.info("%d clusters of %d contigs (%d set aside) -> %s", len(np.unique(bins)), len(bins),
             len(emb.aside_names), p.clusters)


def _markers_of(found, rows: np.ndarray):
    """The marker hits of the contigs ``rows`` (indices into ``found.names``), renumbered."""
    from .markers import ContigMarkers

    new = np.full(len(found.names), -1, dtype=np.int64)
    new[rows] = np.arange(len(rows))
    keep = new[found.contig] >= 0
    return ContigMarkers(found.names[rows], found.marker_names, new[found.contig[keep]], found.marker[keep])


def write_bins(p: Paths, *, bins: BinOptions, threads: int = 1) -> None:
    """One FASTA per bin >= ``bins.min_bin_size`` bp -> ``bins/<bin>.fna``."""
    from . import bins as _bins
    from .cluster import read_clusters

    kept = _bins.write_bins(read_clusters(p.clusters), p.contigs, p.bins, bins.min_bin_size, str(p.clusters))
    log.info("%d bins >= %d bp -> %s/", len(kept), bins.min_bin_size, Path(p.bins))


def qc(p: Paths, *, qc: QCOptions, threads: int = 1) -> None:
    """Built-in marker-gene QC of every bin -> ``qc`` table."""
    from .qc import builtin_qc

    rows = builtin_qc(p.bins, p.qc, {"qc": plain(qc)}, threads=threads)
    log.info("%d bins -> %s", len(rows), p.qc)


def checkm2_table(p: Paths, *, threads: int = 1) -> None:
    """CheckM2's ``quality_report.tsv`` (parsed by column name) -> ``checkm2`` table."""
    from .checkm2 import write_checkm2_table

    rows = write_checkm2_table(p.checkm2_report, p.checkm2)
    log.info("%d bins -> %s", len(rows), p.checkm2)


def score(p: Paths, *, contigs: ContigOptions, bins: BinOptions, threads: int = 1) -> None:
    """Recovery of the ``gold`` standard's genomes by the bins -> ``score`` table (only
    gold contigs >= contigs.min_length, only bins >= bins.min_bin_size)."""
    from .score import format_score, score_files

    result = score_files(p.gold, p.clusters, p.score, min_contig=contigs.min_length, min_bin_bp=bins.min_bin_size)
    log.info("gold-standard score (contigs >= %d bp, bins >= %d bp):\n%s", contigs.min_length, bins.min_bin_size,
             format_score(result))


def summary(p: Paths, *, threads: int = 1) -> None:
    """One row per bin -> ``summary.tsv``; prints the run's short report."""
    from .summary import write_summary

    text = write_summary(p.bins, p.summary, clusters=p.clusters, depth=p.depth, qc=p.get("qc"),
                         checkm2=p.get("checkm2"), score=p.get("score"))
    log.info("summary -> %s\n%s", p.summary, text)
    if not (sys.stderr.isatty() and sys.stdout.isatty()):  # the log is not on the terminal: print it there
        print(text, flush=True)


def report(p: Paths, *, config: dict, threads: int = 1) -> None:
    """The run report -> ``report.html`` (built from the results folder of ``summary``;
    ``config``: the run's whole config, for the values that differ from the defaults)."""
    from .report import build_report

    build_report(Path(p.summary).parent, p.report, gold_standard=config.get("gold_standard"), config=config)


# ----------------------------------------------------------------------------- the table
def _always(opts: Options) -> bool:
    return True


@dataclass(frozen=True)
class Stage:
    """One step of the chain.

    ``inputs``/``outputs``: keys of :data:`LAYOUT` (or :data:`EXTERNAL`); optional inputs
    are listed in ``optional`` (passed when present). ``options``: the option sections or
    top-level keys the stage reads, which are also its rerun trigger (Snakemake params,
    the CLI's stage records). ``when``: whether the stage runs under these options.
    ``scratch``: files the stage keeps while it runs (the training checkpoint), always
    passed, never taken as its outputs. ``rule``: its Snakemake rule; ``chain``: False for
    workflow-only stages.
    """

    name: str
    rule: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    options: tuple[str, ...]
    run: Callable[..., None]
    when: Callable[[Options], bool] = _always
    optional: tuple[str, ...] = ()
    scratch: tuple[str, ...] = ()
    chain: bool = True
    help: str = ""


STAGES: tuple[Stage, ...] = (
    Stage("check", "check_inputs", ("assemblies",), ("checked",), ("contigs", "assembly"),
          check_inputs, chain=False, help="validate the assembly and the sample sheet's reads"),
    Stage("check_reads", "check_reads", ("reads",), ("reads_checked",), (), check_reads, chain=False,
          help="read one sample's read files to the end"),
    Stage("contigs", "filter_contigs", ("assemblies",), ("contigs", "contigs_info"), ("contigs", "assembly"),
          filter_contigs, help="length-filter contigs; concatenate per-sample assemblies with prefixes"),
    Stage("tnf", "tnf", ("contigs",), ("tnf",), (), tnf, help="tetranucleotide frequencies -> tnf.npz"),
    Stage("depth", "depth", ("contigs", "bams"), ("depth",), ("depth",), depth, optional=("depth_table",),
          help="per-sample contig depth from BAMs (or a depth TSV) -> depth.npz"),
    Stage("map_depth", "map_depth", ("contigs", "index", "reads"), ("depth",), ("depth", "mapping"), map_depth,
          chain=False, help="map one sample's reads with minimap2 and compute depth from the stream (no BAM)"),
    Stage("merge_depth", "merge_depth", ("sample_depth",), ("depth",), (), merge_depth, chain=False,
          help="merge per-sample depth files"),
    Stage("markers", "markers", ("contigs",), ("markers",), ("seed",), markers,
          when=lambda o: o.cluster.refine, help="single-copy marker genes on every contig -> markers.npz"),
    Stage("train", "train_vae", ("tnf", "depth"), ("model", "train_log", "train_info"), ("vae", "seed"), train,
          scratch=("checkpoint",), help="train the VAE -> model.pt"),
    Stage("encode", "encode", ("model", "tnf", "depth"), ("latent",), ("vae",), encode,
          help="latent means of all contigs with reads -> latent.npz"),
    Stage("cluster", "cluster", ("latent",), ("clusters", "unbinned"), ("cluster", "assembly", "vae", "seed"), cluster,
          optional=("markers", "depth"), help="cluster the latent space -> clusters.tsv"),
    Stage("bins", "write_bins", ("clusters", "contigs"), ("bins",), ("bins",), write_bins,
          help="write one FASTA per bin"),
    Stage("qc", "builtin_qc", ("bins",), ("qc",), ("qc",), qc, when=lambda o: o.qc.builtin,
          help="built-in marker-gene QC of the bins"),
    Stage("checkm2_table", "checkm2_table", ("checkm2_report",), ("checkm2",), (), checkm2_table, chain=False,
          help="CheckM2's quality report -> the checkm2 table"),
    Stage("score", "score_bins", ("gold", "clusters"), ("score",), ("contigs", "bins"), score,
          when=lambda o: bool(o.gold_standard), help="score the bins against a gold standard"),
    Stage("summary", "summary", ("bins", "clusters", "depth"), ("summary",), (), summary,
          optional=("qc", "checkm2", "score"), help="per-bin summary table with quality tiers"),
    Stage("report", "report", ("summary", "clusters", "latent", "train_log", "depth"), ("report",),
          ("config",), report, optional=("score", "unbinned"), help="the HTML run report"),
)
BY_NAME: dict[str, Stage] = {s.name: s for s in STAGES}
BY_RULE: dict[str, Stage] = {s.rule: s for s in STAGES}


def stage_options(stage: Stage, opts: Options) -> dict[str, Any]:
    """The typed options a stage receives, by section name."""
    return {name: opts.section(name) for name in stage.options}


def stage_params(name: str, opts: Options) -> dict[str, Any]:
    """A stage's options as plain values: the Snakemake rule's ``params`` (its rerun trigger)."""
    return {key: plain(value) for key, value in stage_options(BY_NAME[name], opts).items()}


def options_from_params(stage: Stage, params: Mapping[str, Any]) -> dict[str, Any]:
    """Typed options back from a rule's plain ``params`` (inverse of :func:`stage_params`)."""
    from .options import SECTIONS, _section

    return {name: _section(SECTIONS[name], params[name]) if name in SECTIONS else params[name]
            for name in stage.options}


def run_stage(stage: Stage, paths: Mapping[str, Any], options: Mapping[str, Any], threads: int) -> None:
    """Call one stage."""
    stage.run(Paths(**paths), **options, threads=threads)


# ----------------------------------------------------------------------------- latentbin run
RECORDS = ".latentbin"  # folder of per-stage records in a results folder


def chain(opts: Options) -> list[Stage]:
    """The stages ``latentbin run`` runs under these options, in order."""
    return [s for s in STAGES if s.chain and s.when(opts)]


def layout_paths(outdir: Path, external: Mapping[str, Any]) -> dict[str, Any]:
    """Every :data:`LAYOUT` path under ``outdir``, plus the external inputs."""
    paths: dict[str, Any] = {k: outdir / v for k, v in LAYOUT.items() if "{" not in v}
    paths.update({k: v for k, v in external.items() if v is not None})
    return paths


#: options that do not change a stage's result: editing them reruns nothing
NO_RERUN = {"vae": ("checkpoint_every",)}
#: options added after a release, with the value that reproduces the behaviour before
#: them: a stage record written before the key existed still matches while the key has
#: this value (upgrading latentbin does not recompute a finished run)
NEUTRAL = {"depth": {"end_exclusion": 0}, "vae": {"contig_weights": "log_length", "contrastive": 0.0,
                                             "contrastive_temperature": 0.1},
           "cluster": {"refine_method": "split_merge", "merge": True, "refine_min_bp": 50000,
                       "split_contamination": 0.1, "split_min_extra": 2, "split_min_gain": 0.02,
                       "merge_distance": 0.25, "merge_max_contamination": 0.1, "merge_min_gain": 0.05,
                       "ensemble": "none", "ensemble_min_score": 0.5, "ensemble_penalty": 2.0, "recruit": False,
                       "recruit_quantile": 0.95, "min_bin_bp": 200000}}


def records_match(old: dict, new: dict) -> bool:
    """Whether a stored stage record ``old`` equals ``new``, keys of :data:`NEUTRAL` at
    their neutral value that ``old`` lacks aside."""
    if old.get("inputs") != new.get("inputs"):
        return False
    a, b = old.get("options", {}), new.get("options", {})
    if a.keys() != b.keys():
        return False
    for section, value in b.items():
        if isinstance(value, dict) and isinstance(a[section], dict):
            neutral = NEUTRAL.get(section, {})
            value = {k: v for k, v in value.items()
                     if not (k not in a[section] and k in neutral and v == neutral[k])}
        if a[section] != value:
            return False
    return True


def _record(stage: Stage, opts: Options, external: Mapping[str, Any]) -> dict:
    ext = {k: [str(Path(x).resolve()) for x in v] if isinstance(v, (list, tuple)) else str(v)
           for k, v in external.items() if k in stage.inputs + stage.optional and v is not None}
    options = stage_params(stage.name, opts)
    for section, keys in NO_RERUN.items():
        if isinstance(options.get(section), dict):
            options[section] = {k: v for k, v in options[section].items() if k not in keys}
    return {"options": options, "inputs": ext}


def run_chain(outdir: PathLike, opts: Options, external: Mapping[str, Any], threads: int, force: bool = False,
              until: str | None = None, on_stage: Callable[[Stage, float], None] | None = None) -> dict[str, float]:
    """Run :func:`chain` into ``outdir``; returns {stage: seconds} of the stages run.

    A stage is reused when its outputs exist and its record (the options it used and its
    external inputs, ``outdir/.latentbin/<stage>.json``) matches; otherwise it and every
    later stage rerun. ``force`` reruns everything; ``until`` stops after that stage.
    """
    outdir = Path(outdir)
    paths = layout_paths(outdir, external)
    seconds: dict[str, float] = {}
    rerun = force
    for stage in chain(opts):
        record_path = outdir / RECORDS / f"{stage.name}.json"
        record = _record(stage, opts, external)
        done = all(Path(paths[k]).exists() for k in stage.outputs)
        same = record_path.is_file() and records_match(json.loads(record_path.read_text()), record)
        if done and same and not rerun:
            log.info("%s: reusing %s (options and inputs unchanged)", stage.name,
                     ", ".join(str(paths[k]) for k in stage.outputs))
        else:
            if done and not same and not rerun:
                log.info("%s: options or inputs changed since the last run: recomputing", stage.name)
            rerun = True  # everything downstream of a recomputed stage is recomputed too
            stage_paths = {k: paths[k] for k in stage.inputs + stage.outputs + stage.scratch if k in paths}
            stage_paths.update({k: paths[k] for k in stage.optional if k in paths and _wanted(k, paths[k], opts)})
            stage_paths.update({k: external[k] for k in EXTRAS if k in external})
            t0 = time.perf_counter()
            log.info("%s: start", stage.name)
            run_stage(stage, stage_paths, stage_options(stage, opts), threads)
            seconds[stage.name] = time.perf_counter() - t0
            with atomic_text(record_path) as fh:
                json.dump(record, fh, indent=1)
            log.info("%s: done in %.1f s", stage.name, seconds[stage.name])
            if on_stage is not None:
                on_stage(stage, seconds[stage.name])
        if stage.name == until:
            break
    return seconds


def _wanted(key: str, path: Any, opts: Options) -> bool:
    """Pass an optional input when a stage of this chain makes it (markers only with
    refinement, score only with a gold standard), or, made outside the chain (CheckM2's
    table, a checkpoint), when it exists."""
    makers = [s for s in STAGES if s.chain and key in s.outputs]
    if makers:
        return any(s.when(opts) for s in makers)
    if isinstance(path, (list, tuple)):
        return bool(path)
    return Path(path).exists()
