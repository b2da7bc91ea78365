"""Command line: one subcommand per stage of :data:`latentbin.stages.STAGES`, plus
``run`` (the whole chain into one results folder), ``check`` (validate inputs in
seconds) and ``report`` (rebuild the HTML report of a finished run).

Every option comes from one of two tables: file options from :data:`PATH_FLAGS` (the
stage's input/output keys) and config options from the schema (:func:`config_flags`),
whose defaults are the ones shown in ``--help``. An option given on the command line
overrides the same key of ``--config``.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from . import __version__
from .config import describe, load_layers, schema
from .errors import InputError
from .options import Options, plain

log = logging.getLogger("latentbin")

#: stage path key -> (flag, nargs, help)
PATH_FLAGS: dict[str, tuple[str, str | None, str]] = {
    "assemblies": ("--fasta", "+", "contig FASTA file(s), optionally gzipped"),
    "assembly_samples": ("--samples", "+", "one sample name per FASTA: contig names become <sample><separator><name>"),
    "contigs": ("--contigs", None, "contig FASTA (the output of `latentbin contigs`)"),
    "contigs_info": ("--info", None, "JSON with contig counts (kept, dropped by length)"),
    "bams": ("--bam", "+", "coordinate-sorted, indexed BAM per sample, mapped to these contigs"),
    "bam_samples": ("--samples", "+", "sample names, one per BAM (default: BAM file names)"),
    "depth_table": ("--table", None, "precomputed depths instead of BAMs: jgi_summarize_bam_contig_depths "
                                     "output or a contig x sample TSV"),
    "sample_depth": ("--depth-files", "+", "per-sample depth.npz files, in sample order"),
    "index": ("--index", None, "minimap2 index (.mmi, built with the reads' preset) or the contig FASTA itself"),
    "reads": ("--reads", "+", "one sample's reads: R1 [R2] FASTQ, or one long-read file"),
    "sample": ("--sample", None, "sample name (default: the first read file's name); the minimap2 preset is "
                                 "the config's mapping.default_preset"),
    "tnf": ("--tnf", None, "tnf.npz (from `latentbin tnf`)"),
    "depth": ("--depth", None, "depth.npz (from `latentbin depth`)"),
    "model": ("--model", None, "model file (from `latentbin train`)"),
    "train_log": ("--log", None, "per-epoch training log TSV"),
    "train_info": ("--info", None, "JSON with the device and time of training"),
    "checkpoint": ("--checkpoint", None, "checkpoint file: saved every vae.checkpoint_every epochs and on SIGTERM, "
                                         "resumed from when present"),
    "latent": ("--latent", None, "latent.npz (from `latentbin encode`)"),
    "markers": ("--markers", None, "markers.npz (from `latentbin markers`; needed by cluster.refine)"),
    "clusters": ("--clusters", None, "clusters.tsv (bin<TAB>contig)"),
    "unbinned": ("--unbinned", None, "TSV of contigs set aside before clustering (contig, length, reason)"),
    "bins": ("--bins", None, "folder with one <bin>.fna per bin"),
    "qc": ("--qc", None, "built-in QC table (from `latentbin qc`)"),
    "checkm2_report": ("--quality-report", None, "CheckM2 quality_report.tsv"),
    "checkm2": ("--checkm2", None, "CheckM2 table (results/qc/checkm2.tsv)"),
    "gold": ("--gold", None, "gold standard TSV (columns contig, genome, length)"),
    "score": ("--score", None, "score.tsv (from `latentbin score`)"),
    "summary": ("--summary", None, "summary.tsv"),
    "report": ("--report", None, "report.html"),
}
#: config keys without a command-line flag (workflow-only settings, or set by the command)
NO_FLAG = ("samples", "threads", "seed", "assembly.mode", "assembly.contigs", "mapping.", "qc.checkm2",
           "gold_standard")
#: flags renamed where the key's own name is a file option
RENAMED = {"vae.latent": "--latent-dims"}


def config_flags(sections: Sequence[str]) -> list[tuple[str, str, dict]]:
    """(flag, dotted key, schema node) of every config key of ``sections`` that has a flag."""
    props = schema()["properties"]
    out = []
    for section in sections:
        node = props.get(section, {})
        for leaf, sub in node.get("properties", {}).items():
            key = f"{section}.{leaf}"
            if any(key == n or (n.endswith(".") and key.startswith(n)) or key.startswith(n + "_") for n in NO_FLAG):
                continue
            out.append((RENAMED.get(key, "--" + leaf.replace("_", "-")), key, sub))
    return out


_DOCS = {key: (default, text) for key, default, text in describe()}
_TYPES = {"integer": int, "number": float, "string": str}


def _add_config_flags(parser: argparse.ArgumentParser, sections: Sequence[str]) -> None:
    group = parser.add_argument_group("config options (override --config; defaults from the schema)")
    for flag, key, node in config_flags(sections):
        default, text = _DOCS[key]
        help_text = f"{text} [config {key}; default {json.dumps(default)}]"
        kwargs: dict[str, Any] = {"dest": key, "default": argparse.SUPPRESS,
                                  "help": help_text.replace("%", "%%")}  # argparse %-formats help
        types = node.get("type", "string")
        types = [types] if isinstance(types, str) else [t for t in types if t != "null"]
        if "enum" in node:
            kwargs["choices"] = node["enum"]
        elif types == ["boolean"]:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif types == ["array"]:
            kwargs["type"] = _TYPES[node["items"]["type"]]
            kwargs["nargs"] = "+"
        else:
            kwargs["type"] = _TYPES[types[0]]
        if "action" not in kwargs:
            kwargs["metavar"] = key.rsplit(".", 1)[1].upper()
        group.add_argument(flag, **kwargs)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="C.yaml", help="YAML config (keys as in config/config.yaml); "
                                                           "options given here override it")
    parser.add_argument("--threads", type=int, metavar="N", help=f"threads [config threads; default {_DOCS['threads'][0]}]")
    parser.add_argument("--seed", type=int, metavar="S", help=f"random seed for every step [config seed; default "
                                                              f"{_DOCS['seed'][0]}]")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")


def options(args: argparse.Namespace) -> Options:
    """``--config`` file, then the command-line options over it, validated and typed."""
    overrides: dict = {}
    for key, value in vars(args).items():
        if "." in key and value is not None:
            section, leaf = key.split(".", 1)
            overrides.setdefault(section, {})[leaf] = value
    for key in ("seed", "threads", "gold_standard"):
        if getattr(args, key, None) is not None:
            overrides[key] = getattr(args, key)
    files = [args.config] if args.config else []
    return Options.from_config(load_layers(files, overrides, overrides_source="command line"))


# ----------------------------------------------------------------------------- stage commands
def _stage_command(stage_name: str) -> Callable[[argparse.Namespace], int]:
    from .stages import BY_NAME, run_stage, stage_options

    def command(args: argparse.Namespace) -> int:
        stage = BY_NAME[stage_name]
        opts = options(args)
        keys = stage.inputs + stage.optional + stage.scratch + stage.outputs + _extras(stage)
        paths = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
        if stage.name == "depth" and bool(paths.get("bams")) == bool(paths.get("depth_table")):
            raise InputError("give either --bam (one BAM per sample) or --table (a depth TSV), not both or neither")
        run_stage(stage, paths, stage_options(stage, opts), opts.threads)
        return 0

    return command


def _extras(stage) -> tuple[str, ...]:
    return {"contigs": ("assembly_samples",), "depth": ("bam_samples",), "map_depth": ("sample",)}.get(stage.name, ())


def _add_stage_parser(sub, stage, fmt) -> None:
    p = sub.add_parser(stage.name, help=stage.help, description=stage.help, formatter_class=fmt)
    files = p.add_argument_group("files")
    first_out = stage.outputs[0]
    for key in stage.inputs + stage.optional + stage.scratch + _extras(stage) + stage.outputs:
        flag, nargs, text = PATH_FLAGS[key]
        flags = ["--out", flag] if key == first_out else [flag]
        if key == "bins" and key == first_out:
            flags.append("--outdir")
        required = (key == first_out or key in stage.inputs) and key not in ("bams", "checkpoint")
        files.add_argument(*flags, dest=key, nargs=nargs, required=required,
                           help=text + (" (output)" if key in stage.outputs else ""))
    _add_common(p)
    _add_config_flags(p, [s for s in stage.options if s in schema()["properties"] and
                          schema()["properties"][s].get("type") == "object"])
    p.set_defaults(func=_stage_command(stage.name))


# ----------------------------------------------------------------------------- run, check, report
RUN_SECTIONS = ("contigs", "assembly", "depth", "vae", "cluster", "bins", "qc")
#: stages with a command of their own below (check, report) or only in the workflow (check_reads)
DEDICATED = ("check", "check_reads", "report")


def cmd_run(args: argparse.Namespace) -> int:
    """All stages into ``--outdir``; a stage is reused when its outputs exist and its
    options and inputs are unchanged (resume), else it and what follows rerun."""
    import yaml

    from ._io import atomic_text
    from .stages import run_chain

    opts = options(args)
    if bool(args.bams) == bool(args.depth_table):
        raise InputError("give either --bam (one BAM per sample) or --depth-table, not both or neither")
    external = {"assemblies": [args.contigs], "bams": args.bams, "depth_table": args.depth_table,
                "gold": opts.gold_standard, "bam_samples": args.samples}
    out = Path(args.outdir)
    _check_before_run(args, opts)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_text(out / "config.yaml") as fh:
        yaml.safe_dump(plain(opts), fh, sort_keys=False)
    info_path = out / "run_info.json"
    info = json.loads(info_path.read_text()) if info_path.is_file() else {}
    info.update({"latentbin": __version__, "python": platform.python_version(), "command": sys.argv,
                 "inputs": {"contigs": str(args.contigs), "bams": [str(b) for b in args.bams or []],
                            "depth_table": args.depth_table, "samples": args.samples}})
    info.setdefault("stages", {})

    def record(stage, seconds: float) -> None:
        info["stages"][stage.name] = round(seconds, 3)
        with atomic_text(info_path) as fh:
            json.dump(info, fh, indent=1)

    run_chain(out, opts, external, opts.threads, force=args.force, until=args.until, on_stage=record)
    log.info("bins in %s/, contig assignments in %s, report %s", out / "bins", out / "cluster" / "clusters.tsv",
             out / "report.html")
    return 0


def _check_before_run(args: argparse.Namespace, opts: Options) -> None:
    """BAMs, sample names and the contigs, checked before any stage runs."""
    from .check import check_run

    check_run(args.contigs, plain(opts), bams=args.bams, depth_table=args.depth_table).raise_if_errors()


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the inputs of a run and print every problem, one line each."""
    from .check import check_run
    from .samples import read_sample_sheet

    opts = options(args)
    sheet = None
    # the workflow's inputs when --config names them: its sample sheet (unless the depth
    # comes from BAMs or a table) and, without --contigs, assembly.contigs (or each
    # sample's contigs in per_sample mode; check_run resolves None)
    sheet_path = args.sample_sheet or (opts.samples if args.config and not (args.bams or args.depth_table) else None)
    if sheet_path:
        sheet = read_sample_sheet(sheet_path, per_sample=opts.assembly.mode == "per_sample",
                                  separator=opts.assembly.separator)
    report = check_run(args.contigs, plain(opts), samples=sheet, bams=args.bams, depth_table=args.depth_table,
                       full_reads=args.full, config_source=args.config or "config")
    for line in report.warnings:
        print(f"latentbin check: warning: {line}", file=sys.stderr)
    report.raise_if_errors()
    # what was checked: the contigs (per_sample mode: the sheet names them) and the sheet
    contigs = args.contigs or (None if opts.assembly.mode == "per_sample" else opts.assembly.contigs)
    named = " and ".join(str(p) for p in (contigs, sheet_path) if p)
    print(f"latentbin check: {named}: inputs OK", file=sys.stdout)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild ``RESULTS_DIR/report.html`` from a finished run (old layouts included)."""
    from .report import build_report

    path = build_report(Path(args.results), args.out, gold_standard=args.gold_standard)
    print(f"latentbin report: {path}", file=sys.stdout)
    return 0


def argument_parser() -> argparse.ArgumentParser:
    fmt = argparse.HelpFormatter  # defaults are written into each help text, from the schema
    parser = argparse.ArgumentParser(prog="latentbin", formatter_class=fmt,
                                     description="Metagenome binning with a variational autoencoder.")
    parser.add_argument("--version", action="version", version=f"latentbin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from .stages import STAGES

    for stage in STAGES:
        if stage.name not in DEDICATED:
            _add_stage_parser(sub, stage, fmt)

    p = sub.add_parser("run", formatter_class=fmt, help="all stages: contigs + BAMs -> bins, QC, report "
                       "(resumes; reruns stages whose options changed)", description=cmd_run.__doc__)
    p.add_argument("--contigs", required=True, help="contig FASTA the reads were mapped to (optionally gzipped)")
    p.add_argument("--bam", dest="bams", nargs="+", help="coordinate-sorted, indexed BAM per sample")
    p.add_argument("--depth-table", help="precomputed depth TSV instead of --bam")
    p.add_argument("--samples", nargs="+", help="sample names, one per BAM (default: BAM file names)")
    p.add_argument("--gold-standard", help="gold standard TSV to score the bins against [config gold_standard]")
    p.add_argument("--outdir", required=True, help="results folder (same layout as the workflow's results/)")
    p.add_argument("--until", choices=[s.name for s in STAGES if s.chain], help="stop after this stage")
    p.add_argument("--force", action="store_true", help="recompute every stage even if its output is current")
    _add_common(p)
    _add_config_flags(p, RUN_SECTIONS)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", formatter_class=fmt, help="validate inputs in seconds, before any heavy job",
                       description=cmd_check.__doc__)
    p.add_argument("--contigs", help="contig FASTA (default: the --config file's assembly.contigs, or each "
                                     "sample's contigs in per_sample mode)")
    p.add_argument("--bam", dest="bams", nargs="+", help="BAM per sample (checked: sorted, indexed, this FASTA)")
    p.add_argument("--samples", nargs="+", help="sample names, one per BAM")
    p.add_argument("--depth-table", help="precomputed depth TSV")
    p.add_argument("--sample-sheet", help="workflow sample sheet (samples.tsv): reads checked (default: the "
                                          "--config file's samples, unless --bam or --depth-table is given)")
    p.add_argument("--full", action="store_true", help="also read every FASTQ to the end (gzip integrity, "
                                                       "R1/R2 record counts)")
    _add_common(p)
    _add_config_flags(p, ("contigs", "assembly"))
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("report", formatter_class=fmt, help="rebuild the HTML report of a finished run",
                       description=cmd_report.__doc__)
    p.add_argument("results", metavar="RESULTS_DIR", help="results folder of a workflow run or `latentbin run`")
    p.add_argument("--out", help="output HTML (default: RESULTS_DIR/report.html)")
    p.add_argument("--gold-standard", help="gold standard TSV (default: the run's config gold_standard)")
    _add_common(p)
    p.set_defaults(func=cmd_report)
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
    """Entry point; returns the exit status (0 ok, 2 bad input, 143 stopped by SIGTERM)."""
    from .errors import Interrupted

    parser = argument_parser()
    args = parser.parse_args(argv)
    _setup_logging(logging.WARNING if getattr(args, "quiet", False) else logging.INFO)
    try:
        log.info("latentbin %s %s", __version__, args.command)
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"latentbin: error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"latentbin: stopped: {exc}; rerun the same command to resume", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("latentbin: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
