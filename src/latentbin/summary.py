"""The run's summary: one row per bin (``results/summary.tsv``) and a console report.

Columns (all documented in docs/outputs.md, "summary.tsv columns"): bin, size_bp,
n_contigs, n50, gc (fraction), ``depth_<sample>`` (mean depth of the bin per sample,
weighted by contig length), builtin_completeness/builtin_contamination and
builtin_domain (built-in QC, percent), checkm2_completeness/checkm2_contamination/
checkm2_model (empty without CheckM2), completeness/contamination/qc_source (CheckM2's
numbers when it scored the bin, else the built-in ones; qc_source names which, and the
tiers are computed from these), rrna_5s/rrna_16s/rrna_23s/n_trna/n_trna_types (built-in
QC), mimag_tier (MIMAG: completeness/contamination plus rRNA and tRNA genes), cc_tier
(completeness and contamination only) and quality (= mimag_tier, kept for older readers).

>>> quality_tier(92.0, 3.0), quality_tier(60.0, 7.5), quality_tier(95.0, 12.0)
('high', 'medium', 'low')
"""

from __future__ import annotations

import logging
import os
from typing import Mapping, Sequence

import numpy as np

from .contigs import iter_fasta
from .errors import InputError
from .bins import list_bins, sequence_stats
from .qc import cc_tier, mimag_tier
from .tables import read_table, write_table

log = logging.getLogger(__name__)
TIERS = ("high", "medium", "low")


def quality_tier(completeness: float | None, contamination: float | None) -> str:
    """Tier from completeness and contamination alone (percent): :func:`latentbin.qc.cc_tier`."""
    return cc_tier(completeness, contamination)


def _int(value) -> int | None:
    return None if value is None or isinstance(value, str) else int(value)


def load_depth(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(names (n,), samples (s,), depth (n, s) float32) from ``depth.npz``."""
    try:
        from .depth import Abundance
    except ImportError:  # the depth module is optional for QC-only installs
        with np.load(path, allow_pickle=False) as data:
            return data["names"].astype(str), data["samples"].astype(str), data["depth"].astype(np.float32)
    ab = Abundance.load(path)
    return np.asarray(ab.names).astype(str), np.asarray(ab.samples).astype(str), ab.depth


def read_cluster_bins(path: str | os.PathLike) -> dict[str, list[str]]:
    """``{bin: [contigs]}`` from clusters.tsv (``bin<TAB>contig``, header optional)."""
    from .score import read_clusters

    members: dict[str, list[str]] = {}
    for contig, b in read_clusters(path).items():
        members.setdefault(b, []).append(contig)
    return members


def summarize(bins_dir: str | os.PathLike, clusters: str | os.PathLike | None, depth: str | os.PathLike | None,
              qc: str | os.PathLike | None = None, checkm2: str | os.PathLike | None = None) -> tuple[list[dict], list[str]]:
    """Summary rows (one per bin FASTA) and the column list."""
    bins = list_bins(bins_dir)
    builtin = read_table(qc) if qc else {}
    cm2 = read_table(checkm2) if checkm2 else {}
    index: dict[str, int] = {}
    samples: list[str] = []
    matrix = np.zeros((0, 0), dtype=np.float32)
    if depth:
        names, sample_arr, matrix = load_depth(depth)
        index = {n: i for i, n in enumerate(names)}
        samples = [str(s) for s in sample_arr]
    members = read_cluster_bins(clusters) if clusters else {}
    rows = []
    for name, fasta in bins.items():
        records = list(iter_fasta(fasta))
        stats = sequence_stats(records)
        if members and name in members and set(members[name]) != {c for c, _ in records}:
            log.warning("%s: contigs differ from bin '%s' in %s; were the bins rebuilt?", fasta, name, clusters)
        row: dict = {"bin": name, "size_bp": stats["genome_size"], "n_contigs": stats["n_contigs"],
                     "n50": stats["n50"], "gc": stats["gc"]}
        if samples:
            missing = [c for c, _ in records if c not in index]
            if missing:
                raise InputError(f"{depth}: contig {missing[0]} of bin {name} has no depth; "
                                 "the depth file was made from other contigs")
            rows_idx = np.array([index[c] for c, _ in records], dtype=np.int64)
            weights = np.array([len(s) for _, s in records], dtype=np.float64)
            mean = (matrix[rows_idx].astype(np.float64) * weights[:, None]).sum(0) / max(weights.sum(), 1.0)
            for s, value in zip(samples, mean):
                row[f"depth_{s}"] = float(value)
        b = builtin.get(name, {})
        c = cm2.get(name, {})
        row["builtin_completeness"] = b.get("completeness")
        row["builtin_contamination"] = b.get("contamination")
        row["checkm2_completeness"] = c.get("checkm2_completeness")
        row["checkm2_contamination"] = c.get("checkm2_contamination")
        row["checkm2_model"] = c.get("checkm2_model") if isinstance(c.get("checkm2_model"), str) else None
        use_cm2 = row["checkm2_completeness"] is not None and row["checkm2_contamination"] is not None
        row["qc_source"] = "checkm2" if use_cm2 else ("builtin" if b else "none")
        row["completeness"] = row["checkm2_completeness"] if use_cm2 else row["builtin_completeness"]
        row["contamination"] = row["checkm2_contamination"] if use_cm2 else row["builtin_contamination"]
        row["builtin_domain"] = b.get("domain") if isinstance(b.get("domain"), str) else None
        rrna = {t: _int(b.get(f"rrna_{t.lower()}")) for t in ("5S", "16S", "23S")}
        for t, n in rrna.items():
            row[f"rrna_{t.lower()}"] = n
        row["n_trna"], row["n_trna_types"] = _int(b.get("n_trna")), _int(b.get("n_trna_types"))
        row["mimag_tier"] = mimag_tier(row["completeness"], row["contamination"], rrna, row["n_trna_types"])
        row["cc_tier"] = cc_tier(row["completeness"], row["contamination"])
        row["quality"] = row["mimag_tier"]
        rows.append(row)
    columns = (["bin", "size_bp", "n_contigs", "n50", "gc"] + [f"depth_{s}" for s in samples]
               + ["builtin_completeness", "builtin_contamination", "builtin_domain", "checkm2_completeness",
                  "checkm2_contamination", "checkm2_model", "completeness", "contamination", "qc_source",
                  "rrna_5s", "rrna_16s", "rrna_23s", "n_trna", "n_trna_types", "mimag_tier", "cc_tier", "quality"])
    return rows, columns


def console_summary(rows: Sequence[Mapping], out: str | os.PathLike, score: Mapping | None = None,
                    files: Mapping[str, str] | None = None) -> str:
    """A few lines for the end of a run: bins per tier, where the files are, gold-standard NC."""
    counts = {t: sum(1 for r in rows if r.get("mimag_tier", r.get("quality")) == t) for t in TIERS + ("unknown",)}
    cc = {t: sum(1 for r in rows if r.get("cc_tier") == t) for t in TIERS}
    total_bp = sum(int(r["size_bp"]) for r in rows)
    sources = sorted({r["qc_source"] for r in rows if r["qc_source"] != "none"})
    lines = [f"latentbin: {len(rows)} bins ({total_bp / 1e6:.1f} Mbp); MIMAG tier (from "
             f"{'/'.join(sources) or 'no'} QC, rRNA/tRNA from built-in QC): {counts['high']} high, "
             f"{counts['medium']} medium, {counts['low']} low"
             + (f", {counts['unknown']} unknown" if counts["unknown"] else "")]
    if any("cc_tier" in r for r in rows):
        lines.append(f"completeness/contamination-only tier: {cc['high']} high, {cc['medium']} medium, {cc['low']} low")
    if score is not None:
        lines.append(f"gold standard: NC genomes (recall >= 0.9, precision >= 0.95) = {score['NC']} of "
                     f"{score['genomes']}; binned bp {score['binned_bp_fraction']:.3f}; ARI {score['ari']:.3f}")
    lines.append(f"summary table: {out}")
    for label, path in (files or {}).items():
        lines.append(f"{label}: {path}")
    return "\n".join(lines)


def write_summary(bins_dir: str | os.PathLike, out: str | os.PathLike, clusters: str | os.PathLike | None = None,
                  depth: str | os.PathLike | None = None, qc: str | os.PathLike | None = None,
                  checkm2: str | os.PathLike | None = None, score: str | os.PathLike | None = None) -> str:
    """Stage function: write ``out`` (summary.tsv) and return the console summary text."""
    from .score import read_score

    rows, columns = summarize(bins_dir, clusters, depth, qc, checkm2)
    write_table(rows, columns, out)
    files = {"bins": str(bins_dir)}
    for label, path in (("built-in QC", qc), ("CheckM2", checkm2), ("gold-standard score", score)):
        if path:
            files[label] = str(path)
    return console_summary(rows, out, read_score(score) if score else None, files)
