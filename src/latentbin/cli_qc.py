"""QC subcommands of the ``latentbin`` CLI: ``qc``, ``score`` and ``summary``.

``latentbin.cli`` calls :func:`register` on its subparsers; each subparser sets
``func`` to a callable ``(args) -> int``. Defaults come from the config schema: an
option left out takes the value of its config key (``--config``, else the schema default).
"""

from __future__ import annotations

import argparse
import sys

from .config import load_config


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except for required options and None (= "from the config")."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.required or action.default is None:
            return action.help or ""
        return super()._get_help_string(action)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="C.yaml", default=None,
                   help="config file; options left out take its values (else the schema defaults)")
    p.add_argument("--threads", type=int, default=None, metavar="N", help="threads (default: config key threads)")


def _threads(args: argparse.Namespace, cfg: dict) -> int:
    return max(1, args.threads if args.threads is not None else cfg["threads"])


def run_qc(args: argparse.Namespace) -> int:
    """``latentbin qc``: built-in marker QC of every bin FASTA in ``--bins``."""
    from .qc import builtin_qc

    cfg = load_config(args.config)
    if args.gene_mode is not None:
        cfg["qc"]["gene_mode"] = args.gene_mode
    rows = builtin_qc(args.bins, args.out, cfg, threads=_threads(args, cfg))
    print(f"latentbin qc: {len(rows)} bins -> {args.out}", file=sys.stdout)
    return 0


def run_score(args: argparse.Namespace) -> int:
    """``latentbin score``: score a binning against a gold standard."""
    from .score import format_score, score_files

    cfg = load_config(args.config)
    min_contig = args.min_contig if args.min_contig is not None else cfg["contigs"]["min_length"]
    result = score_files(args.gold, args.clusters, args.out, min_contig=min_contig, min_bin_bp=args.min_bin_bp)
    print(format_score(result), file=sys.stdout)
    return 0


def run_summary(args: argparse.Namespace) -> int:
    """``latentbin summary``: per-bin summary table and console report."""
    from .summary import write_summary

    load_config(args.config)  # validates the config the user named, for a uniform CLI
    text = write_summary(args.bins, args.out, clusters=args.clusters, depth=args.depth, qc=args.qc,
                         checkm2=args.checkm2, score=args.score)
    print(text, file=sys.stdout)
    return 0


def register(subparsers) -> None:
    """Add the ``qc``, ``score`` and ``summary`` subcommands to ``subparsers``."""
    fmt = _Formatter

    p = subparsers.add_parser("qc", formatter_class=fmt, help="built-in marker-gene QC of bins (no download)",
                              description="Completeness and contamination of each bin from 107 bacterial "
                                          "single-copy marker genes (pyrodigal + pyhmmer).")
    p.add_argument("--bins", required=True, metavar="DIR", help="folder with one <bin>.fna (.fa, .fasta, .gz) per bin")
    p.add_argument("--out", required=True, metavar="qc.tsv", help="output table, one row per bin")
    p.add_argument("--gene-mode", choices=["meta", "single", "auto"], default=None,
                   help="gene calling mode (default: config key qc.gene_mode)")
    _common(p)
    p.set_defaults(func=run_qc)

    p = subparsers.add_parser("score", formatter_class=fmt, help="score bins against a gold standard",
                              description="Genomes recovered per recall/precision, NC genomes, binned bp "
                                          "fraction and adjusted Rand index.")
    p.add_argument("--gold", required=True, metavar="G", help="gold standard TSV (columns contig, genome, length)")
    p.add_argument("--clusters", required=True, metavar="C", help="clusters.tsv (bin<TAB>contig) or a bins folder")
    p.add_argument("--out", required=True, metavar="score.tsv", help="output table (metric, recall, precision, value)")
    p.add_argument("--min-contig", type=int, default=None, metavar="N",
                   help="count only gold-standard contigs >= N bp (default: config key contigs.min_length)")
    p.add_argument("--min-bin-bp", type=int, default=0, metavar="N", help="ignore bins smaller than N bp")
    _common(p)
    p.set_defaults(func=run_score)

    p = subparsers.add_parser("summary", formatter_class=fmt, help="per-bin summary table with quality tiers",
                              description="One row per bin: size, contigs, N50, GC, depth per sample, QC "
                                          "numbers and the MIMAG quality tier.")
    p.add_argument("--bins", required=True, metavar="DIR", help="folder with one <bin>.fna per bin")
    p.add_argument("--clusters", default=None, metavar="C", help="clusters.tsv (checks bin membership)")
    p.add_argument("--depth", default=None, metavar="D", help="depth.npz (adds depth_<sample> columns)")
    p.add_argument("--qc", default=None, metavar="Q", help="built-in QC table from `latentbin qc`")
    p.add_argument("--checkm2", default=None, metavar="T", help="CheckM2 table (results/qc/checkm2.tsv); preferred over --qc")
    p.add_argument("--score", default=None, metavar="S", help="score.tsv from `latentbin score` (shown in the report)")
    p.add_argument("--out", required=True, metavar="summary.tsv", help="output table")
    _common(p)
    p.set_defaults(func=run_summary)
