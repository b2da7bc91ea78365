"""Command line: ``latentbin <stage> ...`` and ``latentbin run`` for all stages.

Defaults come from the config schema (``latentbin.config``); an option given on the
command line overrides the same key of ``--config``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from . import __version__, stages
from .config import describe, validate
from .errors import InputError

log = logging.getLogger("latentbin")

_DOCS = {key: (default, text) for key, default, text in describe()}

# (flag, dotted config key, type) of the options that override config keys, per subcommand
_OVERRIDES: dict[str, list[tuple[str, str, Any]]] = {
    "contigs": [("--min-length", "contigs.min_length", int)],
    "depth": [("--min-identity", "depth.min_identity", float), ("--min-mapq", "depth.min_mapq", int),
              ("--statistic", "depth.statistic", str), ("--trim-fraction", "depth.trim_fraction", float)],
    "train": [("--epochs", "vae.epochs", int), ("--latent", "vae.latent", int), ("--batch-size", "vae.batch_size", int),
              ("--variance", "vae.variance", str), ("--beta", "vae.beta", float), ("--alpha", "vae.alpha", float),
              ("--loss", "vae.loss", str), ("--importance-samples", "vae.importance_samples", int),
              ("--learning-rate", "vae.learning_rate", float)],
    "device": [("--device", "vae.device", str)],
    "cluster": [("--method", "cluster.method", str), ("--refine", "cluster.refine", bool),
                ("--multisplit", "cluster.multisplit", bool)],
    "bins": [("--min-bin-size", "bins.min_bin_size", int)],
}


def _add_overrides(parser: argparse.ArgumentParser, *groups: str) -> None:
    from .config import schema

    props = schema()["properties"]
    for group in groups:
        for flag, key, typ in _OVERRIDES[group]:
            default, text = _DOCS[key]
            node = props
            for part in key.split("."):
                leaf = node[part]
                node = leaf.get("properties", {})
            kwargs: dict[str, Any] = {"dest": key, "default": argparse.SUPPRESS,
                                      "help": f"{text} [config {key}; default {default}]"}
            if typ is bool:
                kwargs["action"] = argparse.BooleanOptionalAction
            else:
                kwargs["type"] = typ
                kwargs["metavar"] = key.rsplit(".", 1)[1].upper()
                if "enum" in leaf:
                    kwargs["choices"] = leaf["enum"]
            parser.add_argument(flag, **kwargs)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="YAML config (keys as in config/config.yaml); options below override it")
    parser.add_argument("--threads", type=int, default=None, help="threads for numpy/torch/BAM parsing [config threads]")
    parser.add_argument("--seed", type=int, default=None, dest="seed", help="random seed for every step [config seed]")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")


def _config(args: argparse.Namespace) -> dict:
    """Config file + command-line overrides, validated."""
    cfg: dict = {}
    if args.config:
        import yaml

        path = Path(args.config)
        if not path.is_file():
            raise InputError(f"{path}: config file not found; check --config")
        cfg = yaml.safe_load(path.read_text()) or {}
        if not isinstance(cfg, dict):
            raise InputError(f"{path}: a config must be a mapping of keys to values")
    for key, value in vars(args).items():
        if "." in key and value is not None:
            section, leaf = key.split(".", 1)
            cfg.setdefault(section, {})[leaf] = value
    if args.seed is not None:
        cfg["seed"] = args.seed
    if args.threads is not None:
        cfg["threads"] = args.threads
    return validate(cfg, source=args.config or "command line")


def _device(args: argparse.Namespace) -> str | None:
    return getattr(args, "vae.device", None)


# ----------------------------------------------------------------------------- commands
def cmd_contigs(args: argparse.Namespace, cfg: dict) -> None:
    stages.filter_contigs(args.fasta, args.out, cfg, args.samples)


def cmd_tnf(args: argparse.Namespace, cfg: dict) -> None:
    stages.tnf(args.contigs, args.out, cfg, cfg["threads"])


def cmd_depth(args: argparse.Namespace, cfg: dict) -> None:
    if bool(args.bam) == bool(args.table):
        raise InputError("give either --bam (one BAM per sample) or --table (a precomputed depth TSV), not both or neither")
    if args.table:
        from .contigs import read_names_lengths
        from .depth import align_to, read_depth_table

        names, _ = read_names_lengths(args.contigs, cfg["contigs"]["min_length"])
        align_to(read_depth_table(args.table), names, args.table).save(args.out)
    else:
        stages.depth(args.contigs, args.bam, args.out, cfg, cfg["threads"], args.samples)


def cmd_train(args: argparse.Namespace, cfg: dict) -> None:
    stages.train(args.tnf, args.depth, args.out, args.log, cfg, cfg["threads"], _device(args))


def cmd_encode(args: argparse.Namespace, cfg: dict) -> None:
    stages.encode(args.model, args.tnf, args.depth, args.out, cfg, cfg["threads"], _device(args))


def cmd_markers(args: argparse.Namespace, cfg: dict) -> None:
    stages.markers(args.contigs, args.out, cfg, cfg["threads"])


def cmd_cluster(args: argparse.Namespace, cfg: dict) -> None:
    stages.cluster(args.latent, args.out, cfg, cfg["threads"], _device(args), args.markers, args.depth)


def cmd_bins(args: argparse.Namespace, cfg: dict) -> None:
    stages.write_bins(args.clusters, args.contigs, args.outdir, cfg)


def cmd_run(args: argparse.Namespace, cfg: dict) -> None:
    """All stages into --outdir; a stage whose output exists is reused (resume)."""
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    threads, dev = cfg["threads"], _device(args)
    paths = {k: out / v for k, v in dict(tnf="tnf.npz", depth="depth.npz", model="model.pt", log="train_log.tsv",
                                         latent="latent.npz", markers="markers.npz", clusters="clusters.tsv",
                                         bins="bins").items()}
    steps: list[tuple[str, Path, Callable[[], None]]] = [
        ("tnf", paths["tnf"], lambda: stages.tnf(args.contigs, paths["tnf"], cfg, threads)),
        ("depth", paths["depth"], lambda: (stages.depth(args.contigs, args.bam, paths["depth"], cfg, threads, args.samples)
                                           if args.bam else cmd_depth(argparse.Namespace(
                                               contigs=args.contigs, bam=None, table=args.depth_table,
                                               out=paths["depth"], samples=None), cfg))),
        ("markers", paths["markers"], lambda: stages.markers(args.contigs, paths["markers"], cfg, threads)),
        ("train", paths["model"], lambda: stages.train(paths["tnf"], paths["depth"], paths["model"], paths["log"], cfg,
                                                      threads, dev)),
        ("encode", paths["latent"], lambda: stages.encode(paths["model"], paths["tnf"], paths["depth"], paths["latent"],
                                                         cfg, threads, dev)),
        ("cluster", paths["clusters"], lambda: stages.cluster(paths["latent"], paths["clusters"], cfg, threads, dev,
                                                             paths["markers"], paths["depth"])),
        ("bins", paths["bins"], lambda: stages.write_bins(paths["clusters"], args.contigs, paths["bins"], cfg)),
    ]
    if bool(args.bam) == bool(args.depth_table):
        raise InputError("give either --bam (one BAM per sample) or --depth-table, not both or neither")
    if not cfg["cluster"]["refine"]:
        steps = [s for s in steps if s[0] != "markers"]
    rerun = args.force
    for name, target, fn in steps:
        if target.exists() and not rerun:
            log.info("%s: reusing %s (delete it or pass --force to recompute)", name, target)
            continue
        rerun = True  # everything downstream of a recomputed stage is recomputed too
        t0 = time.perf_counter()
        log.info("%s: start", name)
        fn()
        log.info("%s: done in %.1f s", name, time.perf_counter() - t0)
    log.info("bins in %s/, contig assignments in %s", paths["bins"], paths["clusters"])


# ----------------------------------------------------------------------------- parser
def argument_parser() -> argparse.ArgumentParser:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="latentbin", formatter_class=fmt,
                                     description="Metagenome binning with a variational autoencoder.")
    parser.add_argument("--version", action="version", version=f"latentbin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn: Callable, help_: str, *groups: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, formatter_class=fmt)
        _common(p)
        _add_overrides(p, *groups)
        p.set_defaults(func=fn)
        return p

    p = add("contigs", cmd_contigs, "length-filter contigs; concatenate per-sample assemblies with prefixes", "contigs")
    p.add_argument("--fasta", nargs="+", required=True, help="contig FASTA file(s), optionally gzipped")
    p.add_argument("--samples", nargs="+", help="one sample name per FASTA: prefix names for multi-split binning")
    p.add_argument("--out", required=True, help="output FASTA (.gz to compress)")

    p = add("tnf", cmd_tnf, "tetranucleotide frequencies -> tnf.npz", "contigs")
    p.add_argument("--contigs", required=True, help="contig FASTA")
    p.add_argument("--out", required=True, help="output tnf.npz")

    p = add("depth", cmd_depth, "per-sample contig depth from BAMs (or a depth TSV) -> depth.npz", "contigs", "depth")
    p.add_argument("--contigs", required=True, help="contig FASTA the reads were mapped to")
    p.add_argument("--bam", nargs="+", help="coordinate-sorted, indexed BAM per sample")
    p.add_argument("--table", help="precomputed depths: jgi_summarize_bam_contig_depths output or contig x sample TSV")
    p.add_argument("--samples", nargs="+", help="sample names, one per BAM [BAM file names]")
    p.add_argument("--out", required=True, help="output depth.npz")

    p = add("train", cmd_train, "train the VAE -> model.pt", "train", "device")
    p.add_argument("--tnf", required=True)
    p.add_argument("--depth", required=True)
    p.add_argument("--out", required=True, help="output model file")
    p.add_argument("--log", help="per-epoch training log TSV")

    p = add("encode", cmd_encode, "latent means of all contigs -> latent.npz", "device")
    p.add_argument("--model", required=True)
    p.add_argument("--tnf", required=True)
    p.add_argument("--depth", required=True)
    p.add_argument("--out", required=True, help="output latent.npz")

    p = add("markers", cmd_markers, "single-copy marker genes on every contig -> markers.npz", "contigs")
    p.add_argument("--contigs", required=True, help="contig FASTA")
    p.add_argument("--out", required=True, help="output markers.npz")

    p = add("cluster", cmd_cluster, "cluster the latent space -> clusters.tsv", "cluster", "device")
    p.add_argument("--latent", required=True)
    p.add_argument("--markers", help="markers.npz from `latentbin markers` (for cluster.refine)")
    p.add_argument("--depth", help="depth.npz (for cluster.refine)")
    p.add_argument("--out", required=True, help="output clusters.tsv (bin<TAB>contig)")

    p = add("bins", cmd_bins, "write one FASTA per bin", "bins")
    p.add_argument("--clusters", required=True)
    p.add_argument("--contigs", required=True)
    p.add_argument("--outdir", required=True)

    p = add("run", cmd_run, "all stages: contigs + BAMs -> bins (resumes from existing outputs)",
            "contigs", "depth", "train", "device", "cluster", "bins")
    p.add_argument("--contigs", required=True, help="contig FASTA (optionally gzipped)")
    p.add_argument("--bam", nargs="+", help="coordinate-sorted, indexed BAM per sample")
    p.add_argument("--depth-table", help="precomputed depth TSV instead of --bam")
    p.add_argument("--samples", nargs="+", help="sample names, one per BAM [BAM file names]")
    p.add_argument("--outdir", required=True)
    p.add_argument("--force", action="store_true", help="recompute every stage even if its output exists")

    try:
        from . import cli_qc
    except ImportError:  # pragma: no cover - QC commands are optional at import time
        cli_qc = None  # type: ignore[assignment]
    if cli_qc is not None:
        cli_qc.register(sub)
    return parser


def _setup_logging(level: int) -> None:
    """One stderr handler on the package logger (library modules only emit records)."""
    for old in [h for h in log.handlers if getattr(h, "latentbin_cli", False)]:
        log.removeHandler(old)  # its stream may be gone (tests and Snakemake replace stderr)
    handler = logging.StreamHandler(sys.stderr)
    handler.latentbin_cli = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input, 1 failure)."""
    parser = argument_parser()
    args = parser.parse_args(argv)
    _setup_logging(logging.WARNING if getattr(args, "quiet", False) else logging.INFO)
    try:
        if getattr(args, "func", None) is None:
            parser.error("no command")
        fn = args.func
        if fn in _STAGE_COMMANDS:
            cfg = _config(args)
            log.info("latentbin %s %s", __version__, args.command)
            fn(args, cfg)
            return 0
        return int(fn(args) or 0)
    except InputError as exc:
        print(f"latentbin: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("latentbin: interrupted", file=sys.stderr)
        return 130


_STAGE_COMMANDS = {cmd_contigs, cmd_tnf, cmd_depth, cmd_train, cmd_encode, cmd_markers, cmd_cluster, cmd_bins, cmd_run}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
