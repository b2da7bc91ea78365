"""Self-contained HTML run report: ``<results>/report.html``.

One file that opens offline (inline CSS and JS, figures as base64 PNG data URIs, no
external URL of any kind) with five sections:

1. Run facts: inputs, contig counts, config values that differ from the defaults,
   versions, training device and wall time per rule (Snakemake ``benchmark:`` files)
   or per stage (``run_info.json``, CLI runs).
2. Training: loss and its parts per epoch (linear and log scale), batch size and active
   latent dimensions per epoch, with a warning banner when the latent space collapses
   (:func:`collapse_warning` documents the rule).
3. Latent space: seeded 2-D UMAP of the latent means, points sized by contig length and
   coloured by bin (and by true genome when a gold standard is given).
4. Bins: sortable table of ``summary.tsv``, completeness vs contamination scatter,
   bins x samples abundance heat map.
5. Scores: genomes recovered per recall x precision threshold (``score/score.tsv``).

Any missing input (no gold standard, no QC, an old run) gives a section that says what
is missing; a section that fails on a damaged input says so and the rest of the report
is still written. Inputs are looked up under the current layout
(``vae/latent.npz`` ...) and the old flat ``latentbin run`` layout (``latent.npz`` ...).

The section builders are pure (data in, :class:`Section` out); file reading lives in
the ``read_*`` functions and :func:`build_report`.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime
import hashlib
import html
import io
import json
import logging
import math
import os
import platform
import shutil
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

import numpy as np

from . import __version__
from ._io import atomic_text, save_npz

log = logging.getLogger(__name__)
PathLike = str | os.PathLike

# Where each input may live, relative to the results folder: the current layout first,
# then the old flat `latentbin run --outdir` layout.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "contigs_info": ("contigs/contigs.json", "contigs.json"),
    "depth": ("depth/depth.npz", "depth.npz"),
    "train_log": ("vae/train_log.tsv", "train_log.tsv"),
    "train_info": ("vae/train_info.json", "train_info.json"),
    "latent": ("vae/latent.npz", "latent.npz"),
    "clusters": ("cluster/clusters.tsv", "clusters.tsv"),
    "unbinned": ("cluster/unbinned.tsv", "unbinned.tsv"),
    "score": ("score/score.tsv", "score.tsv"),
    "summary": ("summary.tsv",),
    "config": ("config.yaml",),
    "run_info": ("run_info.json",),
    "benchmarks": ("benchmarks",),
}

# Latent plot: above this many contigs a seeded random sample is embedded. Seeded UMAP
# runs on one thread; measured on a 2-core CPU (fresh process, numba compile included):
# 20k points 17.6 s, 100k points ~100 s. 25k keeps a 1M-contig report near 30 s.
UMAP_LIMIT = 25_000
UMAP_NEIGHBORS = 15
EMBED_PARAMS = "cosine-as-l2norm init=pca knn=exact<=50000"  # part of the cache key: change with embed_2d
KNN_EXACT_MAX = 50_000  # rows up to which the UMAP k-NN graph is computed exactly (scikit-learn)
UMAP_CACHE = "report/umap.npz"
LEGEND_MAX = 20  # largest bins / genomes named in the legend; the rest are grey
HEATMAP_MAX = 30  # largest bins shown in the abundance heat map
# Collapse rule: warn when the final number of active latent dimensions is below
# COLLAPSE_FRACTION of the latent dimensions, or below COLLAPSE_DROP of its maximum.
COLLAPSE_FRACTION = 0.25
COLLAPSE_DROP = 0.5
LOSS_PARTS = ("loss", "ce", "ab", "sse", "kld")
TIER_COLOURS = {"high": "#1b7a32", "medium": "#e08a00", "low": "#c0392b", "unknown": "#8a94a3"}
# Snakemake rules in pipeline order (others follow alphabetically)
RULE_ORDER = ("filter_contigs", "index_contigs", "map_reads", "depth", "merge_depth", "tnf", "markers", "train_vae",
              "encode", "cluster", "write_bins", "builtin_qc", "download_checkm2_db", "checkm2", "checkm2_table",
              "score_bins", "summary", "report")


@dataclasses.dataclass
class Section:
    """One report section: ``body`` is an HTML fragment (already escaped), ``missing``
    plain-text notes about inputs that were not there."""

    id: str
    title: str
    body: str = ""
    missing: list[str] = dataclasses.field(default_factory=list)


# ----------------------------------------------------------------------------- HTML helpers
def esc(value: Any) -> str:
    """HTML-escaped ``str(value)``."""
    return html.escape(str(value), quote=True)


def note(text: str, kind: str = "info") -> str:
    """A note paragraph; ``kind`` is info, missing or warning."""
    return f'<p class="note {esc(kind)}">{esc(text)}</p>'


def banner(text: str, kind: str = "warning") -> str:
    """A prominent warning (or error) box."""
    return f'<div class="banner {esc(kind)}" role="alert">{esc(text)}</div>'


def fmt_number(value: float | int | None) -> str:
    """Display form of a number: integers with thousands separators, else 2 decimals
    (3 significant digits below 1); ``None``/NaN -> empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    if abs(v) < 1:
        return f"{v:.3g}"
    return f"{v:,.2f}"


def to_float(text: Any) -> float | None:
    """``float(text)`` or ``None`` for empty, NA and non-numeric values."""
    if text is None:
        return None
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def html_table(header: Sequence[str], rows: Iterable[Sequence[Any]], sortable: bool = False,
               numeric: Sequence[bool] | None = None, css: str = "",
               cell_class: Callable[[int, Any], str] | None = None, raw: Sequence[bool] | None = None) -> str:
    """A ``<table>``; numeric columns are right-aligned and carry ``data-v`` sort keys.

    ``rows`` hold raw values (numbers are formatted with :func:`fmt_number`);
    ``cell_class(col, value)`` adds a CSS class; ``raw[col]`` marks columns whose values
    are trusted HTML (not escaped).
    """
    numeric = list(numeric) if numeric is not None else [False] * len(header)
    raw = list(raw) if raw is not None else [False] * len(header)
    classes = " ".join(c for c in ("sortable" if sortable else "", css) if c)
    out = [f'<table class="{classes}">' if classes else "<table>", "<thead><tr>"]
    out += [f'<th class="num">{esc(h)}</th>' if numeric[i] else f"<th>{esc(h)}</th>" for i, h in enumerate(header)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            extra = cell_class(i, value) if cell_class else ""
            if numeric[i]:
                v = to_float(value)
                cls = " ".join(c for c in ("num", extra) if c)
                key = "" if v is None else repr(v)
                shown = fmt_number(v) if v is not None else esc(value or "")
                cells.append(f'<td class="{cls}" data-v="{key}">{shown}</td>')
            else:
                attr = f' class="{esc(extra)}"' if extra else ""
                cells.append(f"<td{attr}>{value if raw[i] else esc('' if value is None else value)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def facts_table(pairs: Sequence[tuple[str, Any]]) -> str:
    """Two-column key/value table (keys as row headers); values are escaped."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs)
    return f'<table class="facts"><tbody>{rows}</tbody></table>'


def figure_html(fig: Any, alt: str, caption: str = "", dpi: int = 110) -> str:
    """Render a matplotlib figure as an embedded PNG ``<figure>`` and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    # no metadata: the PNG's Software chunk would carry matplotlib's URL
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">{cap}</figure>'


def _plt() -> Any:
    """pyplot on the Agg backend with the report's style."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 8.5,
                         "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100})
    return plt


# ----------------------------------------------------------------------------- reading
def find_input(results_dir: PathLike, key: str) -> Path | None:
    """First existing candidate path of input ``key`` (see ``CANDIDATES``) or ``None``."""
    for rel in CANDIDATES[key]:
        path = Path(results_dir) / rel
        if path.exists():
            return path
    return None


def read_json(path: PathLike | None) -> dict | None:
    """A JSON object, or ``None`` when the file is absent or not a JSON object."""
    if path is None or not Path(path).is_file():
        return None
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        log.warning("%s: not readable as JSON (%s); ignored", path, exc)
        return None
    return value if isinstance(value, dict) else None


def read_tsv(path: PathLike) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows as ``{column: text}``) of a tab-separated file with a header line."""
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        rows = [dict(r) for r in reader]
        return list(reader.fieldnames or []), rows


def read_train_log(path: PathLike) -> dict[str, np.ndarray]:
    """``vae/train_log.tsv`` as ``{column: (epochs,) float64}`` (missing values NaN)."""
    header, rows = read_tsv(path)
    return {col: np.array([np.nan if (v := to_float(r.get(col))) is None else v for r in rows], dtype=np.float64)
            for col in header}


def read_benchmarks(folder: PathLike) -> list[dict]:
    """Snakemake benchmark files ``<rule>.tsv`` and ``<rule>/<wildcard>.tsv`` under ``folder``
    -> one record per file: rule, job, seconds (wall, s), max_rss (MB, or None)."""
    folder = Path(folder)
    records = []
    for path in sorted(folder.rglob("*.tsv")):
        rel = path.relative_to(folder)
        rule = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        try:
            _, rows = read_tsv(path)
        except (OSError, csv.Error, UnicodeDecodeError):
            continue
        if not rows or to_float(rows[0].get("s")) is None:
            continue
        records.append({"rule": rule, "job": "/".join(rel.with_suffix("").parts[1:]) or rule,
                        "seconds": to_float(rows[0]["s"]), "max_rss": to_float(rows[0].get("max_rss"))})
    return records


def read_latent(path: PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(names (n,) str, lengths (n,) int64 bp, latent means (n, d) float32) of ``latent.npz``."""
    with np.load(path, allow_pickle=False) as data:
        return (data["names"].astype(str), data["lengths"].astype(np.int64),
                np.asarray(data["latent"], dtype=np.float32))


def read_npz_samples(path: PathLike | None) -> list[str] | None:
    """Sample names stored in ``depth.npz`` (only that array is read) or ``None``."""
    if path is None:
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return [str(s) for s in data["samples"]] if "samples" in data.files else None
    except (OSError, ValueError):
        return None


def load_effective_config(config: Mapping | PathLike | None, results_dir: PathLike) -> tuple[dict | None, str]:
    """(effective config dict or ``None``, where it came from): the argument (dict or YAML
    path), else ``<results>/config.yaml``."""
    import yaml

    from .config import validate
    from .errors import InputError

    if isinstance(config, Mapping):
        loaded, source = dict(config), "the workflow's config"
    else:
        path = Path(config) if config is not None else find_input(results_dir, "config")
        if path is None or not path.is_file():
            return None, ""
        try:
            loaded, source = yaml.safe_load(path.read_text()), str(path)
        except (OSError, yaml.YAMLError) as exc:
            log.warning("%s: not readable as YAML (%s); config section left out", path, exc)
            return None, ""
        if not isinstance(loaded, dict):
            return None, ""
    try:  # a partial config file means "defaults for the rest"
        return validate(loaded, source), source
    except InputError as exc:
        log.warning("%s; config shown as given", exc)
        return loaded, f"{source} (does not validate against this version's schema)"


# ----------------------------------------------------------------------------- run facts
def flatten(cfg: Mapping, prefix: str = "") -> dict[str, Any]:
    """Nested mapping -> ``{dotted.key: leaf value}`` (lists are leaves)."""
    out: dict[str, Any] = {}
    for key, value in cfg.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten(value, dotted))
        else:
            out[dotted] = value
    return out


def config_diff(defaults: Mapping, effective: Mapping) -> list[tuple[str, Any, Any]]:
    """(dotted key, default, effective value) for every key whose value differs, sorted by
    key; a key absent on one side shows ``None`` there."""
    d, e = flatten(defaults), flatten(effective)
    return [(k, d.get(k), e.get(k)) for k in sorted(set(d) | set(e)) if d.get(k) != e.get(k)]


def tool_versions(tools: Sequence[str] = ("minimap2", "samtools")) -> dict[str, str]:
    """Python package versions (latentbin, torch, numpy, pysam, ...) and the first line of
    ``<tool> --version`` for command-line tools on PATH; absent ones say so."""
    out: dict[str, str] = {"latentbin": __version__, "python": platform.python_version()}
    for pkg in ("torch", "numpy", "pysam", "scikit-learn", "umap-learn", "matplotlib", "snakemake"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    for tool in tools:
        exe = shutil.which(tool)
        if exe is None:
            out[tool] = "not on PATH"
            continue
        try:
            res = subprocess.run([exe, "--version"], capture_output=True, timeout=10)
            first = (res.stdout or res.stderr).decode("utf-8", "replace").strip().splitlines()
            out[tool] = first[0] if first else "unknown"
        except (OSError, subprocess.SubprocessError):
            out[tool] = "unknown (--version failed)"
    return out


def device_text(train_info: Mapping | None) -> str:
    """Training device from ``vae/train_info.json``: kind, model and threads."""
    if not train_info:
        return "not recorded (vae/train_info.json missing: run from before it was written)"
    parts = [str(train_info.get("device", "unknown"))]
    if train_info.get("device_name"):
        parts.append(f"({train_info['device_name']})")
    if train_info.get("threads"):
        parts.append(f"{train_info['threads']} threads")
    if train_info.get("seconds") is not None:
        parts.append(f"training {fmt_number(to_float(train_info['seconds']))} s")
    if train_info.get("torch"):
        parts.append(f"torch {train_info['torch']}")
    return ", ".join([" ".join(parts[:2])] + parts[2:])


def contig_counts(contigs_info: Mapping | None, n_latent: int | None, unbinned: Sequence[Mapping] | None,
                  n_clustered: int | None, n_clusters: int | None,
                  n_bins: int | None) -> tuple[list[tuple[str, Any]], list[str]]:
    """(rows of (label, value), notes on what is missing) for the contig accounting.

    ``contigs_info``: ``contigs.json`` ({total, kept, min_length}); ``unbinned``: rows of
    ``cluster/unbinned.tsv`` (contig, length, reason); counts are numbers of contigs.
    """
    rows: list[tuple[str, Any]] = []
    missing = []
    if contigs_info and "total" in contigs_info and "kept" in contigs_info:
        total, kept = int(contigs_info["total"]), int(contigs_info["kept"])
        min_len = contigs_info.get("min_length")
        rows += [("contigs in the input", fmt_number(total)),
                 (f"kept (>= {fmt_number(min_len)} bp)" if min_len is not None else "kept", fmt_number(kept)),
                 ("dropped by length", fmt_number(total - kept))]
    else:
        missing.append("Contigs dropped by length: not recorded (contigs/contigs.json missing: run from before it "
                       "was written).")
        if n_latent is not None:
            rows.append(("contigs embedded (latent.npz)", fmt_number(n_latent)))
    if unbinned is not None:
        reasons: dict[str, int] = {}
        for r in unbinned:
            reasons[r.get("reason") or "unknown"] = reasons.get(r.get("reason") or "unknown", 0) + 1
        rows.append(("set aside before clustering", fmt_number(len(unbinned))))
        rows += [(f"  set aside: {reason}", fmt_number(n)) for reason, n in sorted(reasons.items())]
    else:
        missing.append("Contigs set aside (e.g. zero depth): not recorded (cluster/unbinned.tsv missing).")
    if n_clustered is not None:
        rows.append(("contigs clustered", fmt_number(n_clustered)))
    if n_clusters is not None:
        rows.append(("clusters", fmt_number(n_clusters)))
    if n_bins is not None:
        rows.append(("bins written (summary.tsv)", fmt_number(n_bins)))
    return rows, missing


def wall_times(benchmarks: Sequence[Mapping] | None, stages: Mapping[str, float] | None) -> list[dict]:
    """Per rule (benchmarks) or per stage (run_info ``stages``): name, jobs, seconds
    (summed over jobs), max_seconds (slowest job), max_rss (MB, max over jobs or None)."""
    if benchmarks:
        by_rule: dict[str, dict] = {}
        for b in benchmarks:
            r = by_rule.setdefault(b["rule"], {"name": b["rule"], "jobs": 0, "seconds": 0.0, "max_seconds": 0.0,
                                               "max_rss": None})
            r["jobs"] += 1
            r["seconds"] += b["seconds"]
            r["max_seconds"] = max(r["max_seconds"], b["seconds"])
            if b.get("max_rss") is not None:
                r["max_rss"] = max(r["max_rss"] or 0.0, b["max_rss"])
        rank = {name: i for i, name in enumerate(RULE_ORDER)}
        return sorted(by_rule.values(), key=lambda r: (rank.get(r["name"], len(rank)), r["name"]))
    if stages:
        return [{"name": k, "jobs": 1, "seconds": float(v), "max_seconds": float(v), "max_rss": None}
                for k, v in stages.items() if to_float(v) is not None]
    return []


def wall_time_table(times: Sequence[Mapping]) -> str:
    """HTML table of :func:`wall_times` with a proportional bar per row and a total."""
    top = max((t["seconds"] for t in times), default=0.0) or 1.0
    rows = []
    for t in times:
        bar = f'<span class="bar" style="width:{max(1, round(120 * t["seconds"] / top))}px"></span>'
        rows.append([t["name"], t["jobs"], round(t["seconds"], 2), round(t["max_seconds"], 2), t["max_rss"], bar])
    total = sum(t["seconds"] for t in times)
    rows.append(["total (sum of jobs)", sum(t["jobs"] for t in times), round(total, 2), None, None, ""])
    return html_table(["rule / stage", "jobs", "wall s", "slowest job s", "peak RSS MB", ""], rows,
                      numeric=[False, True, True, True, True, False], raw=[False] * 5 + [True])


def inputs_rows(run_info: Mapping | None, cfg: Mapping | None, samples: Sequence[str] | None,
                gold: Path | None) -> list[tuple[str, Any]]:
    """(label, value) rows naming the run's inputs: ``run_info['inputs']`` when recorded,
    else the config's contigs and sample sheet; samples from ``depth.npz``."""
    rows: list[tuple[str, Any]] = []
    inputs = (run_info or {}).get("inputs")
    if isinstance(inputs, Mapping) and inputs:
        for k, v in inputs.items():
            rows.append((str(k), ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v))
    elif cfg:
        assembly = cfg.get("assembly") or {}
        if assembly.get("mode") == "per_sample":
            rows.append(("contigs", f"one assembly per sample (sample sheet {cfg.get('samples')})"))
        elif assembly.get("contigs"):
            rows.append(("contigs", assembly["contigs"]))
        if cfg.get("samples"):
            rows.append(("sample sheet", cfg["samples"]))
    if samples is not None:
        rows.append((f"samples ({len(samples)})", ", ".join(samples)))
    rows.append(("gold standard", str(gold) if gold else "none"))
    return rows


def run_facts_section(inputs: Sequence[tuple[str, Any]], counts: Sequence[tuple[str, Any]],
                      count_notes: Sequence[str], diff: list[tuple[str, Any, Any]] | None, config_source: str,
                      versions: Mapping[str, str], device: str, times: Sequence[Mapping], times_source: str) -> Section:
    """Section 1 from already-collected facts (see :func:`collect_facts`)."""
    sec = Section("run", "Run facts", missing=list(count_notes))
    parts = ['<div class="two"><div><h3>Inputs</h3>', facts_table(inputs), "<h3>Contigs</h3>", facts_table(counts),
             "<h3>Versions and device</h3>", facts_table([*versions.items(), ("training device", device)]),
             "</div><div><h3>Config values that differ from the defaults</h3>"]
    if diff is None:
        parts.append(note("Effective config not recorded (no config.yaml in the results folder and none passed): "
                          "cannot compare with the defaults.", "missing"))
    elif not diff:
        parts.append(note(f"Every value is the default ({config_source})."))
    else:
        parts.append(html_table(["key", "default", "this run"],
                                [(k, json.dumps(d), json.dumps(v)) for k, d, v in diff]))
        parts.append(f'<p class="note info">From {esc(config_source)}; defaults from latentbin.config.defaults().</p>')
    parts.append("<h3>Wall time</h3>")
    if times:
        parts += [wall_time_table(times), note(times_source)]
    else:
        parts.append(note("No wall times recorded: neither benchmarks/ (workflow runs) nor run_info.json stages "
                          "(CLI runs) found.", "missing"))
    parts.append("</div></div>")
    sec.body = "".join(parts)
    return sec


# ----------------------------------------------------------------------------- training
def collapse_warning(active: np.ndarray, latent_dims: int | None) -> str | None:
    """Warning text when the latent space collapsed, else ``None``.

    ``active``: active latent dimensions per epoch (epochs,). Collapse = the final value is
    below ``COLLAPSE_FRACTION`` (25 %) of ``latent_dims``, or below ``COLLAPSE_DROP`` (50 %)
    of its own maximum over the epochs.
    """
    a = np.asarray(active, dtype=float)
    a = a[~np.isnan(a)]
    if a.size == 0:
        return None
    final, peak = a[-1], a.max()
    reasons = []
    if latent_dims and final < COLLAPSE_FRACTION * latent_dims:
        reasons.append(f"only {final:.0f} of {latent_dims} latent dimensions are active at the end "
                       f"(< {COLLAPSE_FRACTION:.0%})")
    if peak > 0 and final < COLLAPSE_DROP * peak:
        reasons.append(f"active dimensions fell from {peak:.0f} to {final:.0f} (more than half lost)")
    if not reasons:
        return None
    return ("Latent collapse: " + "; ".join(reasons) + ". The KL term is squeezing the latent space; consider a "
            "larger vae.beta, fewer epochs or a smaller learning rate.")


def training_figures(tlog: Mapping[str, np.ndarray], latent_dims: int | None) -> tuple[Any, Any]:
    """(loss figure: parts per epoch, linear and log y; schedule figure: batch size and
    active dimensions per epoch). ``tlog``: :func:`read_train_log`'s columns."""
    plt = _plt()
    epoch = tlog.get("epoch", np.arange(1, len(next(iter(tlog.values()))) + 1))
    parts = [p for p in LOSS_PARTS if p in tlog and np.isfinite(tlog[p]).any()]
    fig1, axes = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained")
    for ax, scale in zip(axes, ("linear", "log")):
        for p in parts:
            y = tlog[p].copy()
            if scale == "log":
                y[y <= 0] = np.nan
            ax.plot(epoch, y, lw=2.2 if p == "loss" else 1.3, label=p, color="black" if p == "loss" else None)
        ax.set_yscale(scale)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss per contig")
        ax.set_title(f"loss and its parts ({scale} scale)")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig2, (ax_b, ax_a) = plt.subplots(1, 2, figsize=(12, 3.2), layout="constrained")
    if "batch_size" in tlog:
        ax_b.step(epoch, tlog["batch_size"], where="post", color="#2f5d8a")
    ax_b.set(xlabel="epoch", ylabel="contigs per batch", title="batch size")
    if "active_dims" in tlog:
        ax_a.plot(epoch, tlog["active_dims"], color="#2f5d8a", label="active dimensions")
    if latent_dims:
        ax_a.axhline(latent_dims, color="#888", ls="--", lw=1, label=f"latent dimensions ({latent_dims})")
        ax_a.axhline(COLLAPSE_FRACTION * latent_dims, color="#c0392b", ls=":", lw=1, label="collapse threshold")
        ax_a.set_ylim(0, latent_dims * 1.08)
    ax_a.set(xlabel="epoch", ylabel="dimensions", title="active latent dimensions")
    ax_a.legend(loc="center right", frameon=False)
    return fig1, fig2


def training_section(tlog: Mapping[str, np.ndarray] | None, latent_dims: int | None) -> Section:
    """Section 2: loss curves, batch size and active dimensions, collapse banner.
    ``tlog``: per-epoch columns or ``None`` when ``train_log.tsv`` is missing."""
    sec = Section("training", "Training")
    if not tlog or not any(len(v) for v in tlog.values()):
        sec.missing.append("No training log (vae/train_log.tsv) found: training curves not shown.")
        return sec
    parts = []
    if "active_dims" in tlog:
        warning = collapse_warning(tlog["active_dims"], latent_dims)
        if warning:
            parts.append(banner(warning))
    else:
        sec.missing.append("The training log has no active_dims column: collapse check skipped.")
    fig1, fig2 = training_figures(tlog, latent_dims)
    n = len(next(iter(tlog.values())))
    last = {k: v[-1] for k, v in tlog.items() if len(v)}
    summary = [f"{n} epochs"]
    if "seconds" in tlog:
        summary.append(f"{fmt_number(float(np.nansum(tlog['seconds'])))} s of training")
    if "loss" in last:
        summary.append(f"final loss {fmt_number(last['loss'])}")
    if "active_dims" in last:
        summary.append(f"final active dimensions {fmt_number(last['active_dims'])}"
                       + (f" of {latent_dims}" if latent_dims else ""))
    parts.append(f"<p>{esc('; '.join(summary))}.</p>")
    parts.append(figure_html(fig1, "loss per epoch", "Loss per epoch and its parts (ce: abundance cross-entropy, ab: "
                             "total-abundance SSE, sse: TNF SSE, kld: weighted KL divergence). Log scale leaves out "
                             "values <= 0."))
    parts.append(figure_html(fig2, "batch size and active latent dimensions per epoch",
                             f"Active dimension: latent mean varies across contigs (variance > 0.01). Warning rule: "
                             f"final active < {COLLAPSE_FRACTION:.0%} of the latent dimensions, or < "
                             f"{COLLAPSE_DROP:.0%} of its maximum."))
    sec.body = "".join(parts)
    return sec


# ----------------------------------------------------------------------------- latent space
def sample_indices(n: int, limit: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded random sample of ``limit`` of ``n`` rows (all when n <= limit)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def embed_2d(latent: np.ndarray, seed: int, n_neighbors: int = UMAP_NEIGHBORS) -> tuple[np.ndarray, str]:
    """(2-D coordinates (n, 2) float32, method) of latent means (n, d).

    Rows are L2-normalised first (clustering uses cosine distance). Seeded UMAP with PCA
    initialisation; up to ``KNN_EXACT_MAX`` rows the k-NN graph comes from scikit-learn
    (exact; skips the slow first numba compile of UMAP's own search). Measured on a
    2-core CPU, fresh process, 20k rows: 17.6 s this way, 59 s with UMAP's defaults
    (spectral init, NN-descent). PCA alone when there are too few rows for UMAP or
    umap-learn is not installed.
    """
    x = latent / np.maximum(np.linalg.norm(latent, axis=1, keepdims=True), 1e-12)
    if len(x) <= n_neighbors + 2:
        return pca_2d(x), "PCA (too few contigs for UMAP)"
    try:
        import umap
    except ImportError:
        return pca_2d(x), "PCA (umap-learn not installed)"
    import warnings

    kwargs: dict[str, Any] = {"n_neighbors": n_neighbors, "random_state": seed, "n_jobs": 1, "init": "pca"}
    if len(x) <= KNN_EXACT_MAX:
        from sklearn.neighbors import NearestNeighbors

        dist, idx = NearestNeighbors(n_neighbors=n_neighbors).fit(x).kneighbors(x)
        kwargs["precomputed_knn"] = (idx, dist.astype(np.float32), None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seeded => single thread; no search index kept: both expected
        xy = umap.UMAP(**kwargs).fit_transform(x)
    return np.asarray(xy, dtype=np.float32), "UMAP"


def pca_2d(x: np.ndarray) -> np.ndarray:
    """First two principal components (n, 2) float32 of ``x`` (n, d); zeros pad d < 2."""
    centred = x - x.mean(axis=0)
    if len(x) < 2:
        return np.zeros((len(x), 2), dtype=np.float32)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T
    return np.pad(xy, ((0, 0), (0, 2 - xy.shape[1]))).astype(np.float32)


def cached_embedding(latent: np.ndarray, index: np.ndarray, seed: int, cache: Path | None) -> tuple[np.ndarray, str]:
    """:func:`embed_2d` of ``latent[index]``, reused from ``cache`` (npz) when the sampled
    rows, the seed and the umap-learn version match (a SHA-256 key of all of them)."""
    rows = np.ascontiguousarray(latent[index], dtype=np.float32)
    try:
        umap_version = metadata.version("umap-learn")
    except metadata.PackageNotFoundError:
        umap_version = "none"
    h = hashlib.sha256(rows.tobytes())
    h.update(f"{seed} {UMAP_NEIGHBORS} {umap_version} {rows.shape} {EMBED_PARAMS}".encode())
    key = h.hexdigest()
    if cache is not None and cache.is_file():
        try:
            with np.load(cache, allow_pickle=False) as data:
                if str(data["key"]) == key:
                    log.info("2-D embedding reused from %s", cache)
                    return data["xy"], f"{data['method']} (reused from {UMAP_CACHE})"
        except (OSError, ValueError, KeyError):
            pass
    xy, method = embed_2d(rows, seed)
    if cache is not None:
        try:
            save_npz(cache, key=np.array(key), xy=xy, method=np.array(method))
        except OSError as exc:  # a read-only results folder only costs the cache
            log.warning("cannot write %s (%s): embedding not cached", cache, exc)
    return xy, method


def top_groups(labels: np.ndarray, weights: np.ndarray, k: int, among: Collection[str] | None = None) -> list[str]:
    """The ``k`` labels with the largest summed ``weights`` (ties by name), largest first;
    empty labels, and labels not in ``among`` when given, are skipped.
    ``labels`` (n,) str, ``weights`` (n,) e.g. bp."""
    uniq, inv = np.unique(labels, return_inverse=True)
    sums = np.bincount(inv.ravel(), weights=weights.astype(np.float64), minlength=len(uniq))
    keep = [i for i in range(len(uniq)) if uniq[i] != "" and (among is None or uniq[i] in among)]
    return [str(uniq[i]) for i in sorted(keep, key=lambda i: (-sums[i], uniq[i]))][:k]


def point_sizes(lengths: np.ndarray, n_points: int) -> np.ndarray:
    """Marker areas (pt^2) growing with log contig length, smaller when there are many points."""
    logl = np.log10(np.maximum(lengths.astype(np.float64), 1.0))
    span = logl.max() - logl.min() if len(logl) else 0.0
    rel = (logl - logl.min()) / span if span > 0 else np.full(len(logl), 0.5)
    scale = min(1.0, math.sqrt(3000 / max(n_points, 1)))
    return (2 + 28 * rel) * max(scale, 0.12)


def palette(k: int) -> list[str]:
    """``k`` distinct colours: tab20 with the dark shades first."""
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    order = list(range(0, 20, 2)) + list(range(1, 20, 2))
    return [matplotlib.colors.to_hex(cmap(order[i % 20])) for i in range(k)]


def latent_figure(xy: np.ndarray, lengths: np.ndarray, labels: np.ndarray, named: Sequence[str], title: str,
                  other_label: str, sample_text: str | None, method: str) -> Any:
    """Scatter of ``xy`` (m, 2) coloured by ``labels`` (m,) str: ``named`` groups in colour,
    the rest grey, empty labels light grey ("not assigned"); sizes from ``lengths`` (m,) bp."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.2, 4.7), layout="constrained")
    sizes = point_sizes(lengths, len(xy))
    colours = dict(zip(named, palette(len(named))))
    rest = ~np.isin(labels, list(named)) & (labels != "")
    none = labels == ""
    if none.any():
        ax.scatter(xy[none, 0], xy[none, 1], s=sizes[none], c="#e3e6ea", lw=0, label="not assigned", rasterized=True)
    if rest.any():
        n_other = len(np.unique(labels[rest]))
        ax.scatter(xy[rest, 0], xy[rest, 1], s=sizes[rest], c="#b5bcc6", lw=0, alpha=0.7,
                   label=f"{other_label} ({n_other:,} more)", rasterized=True)
    for name in named:
        m = labels == name
        ax.scatter(xy[m, 0], xy[m, 1], s=sizes[m], c=colours[name], lw=0, alpha=0.85, label=short(name, 28),
                   rasterized=True)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{method.split(' ')[0]} 1")
    ax.set_ylabel(f"{method.split(' ')[0]} 2")
    handles, texts = ax.get_legend_handles_labels()
    k = int(none.any()) + int(rest.any())  # grey groups are drawn first (underneath) but listed last
    leg = ax.legend(handles[k:] + handles[:k], texts[k:] + texts[:k], loc="upper left", bbox_to_anchor=(1.0, 1.0),
                    frameon=False, handletextpad=0.3)
    for handle in leg.legend_handles:
        handle.set_sizes([30])
    if sample_text:
        ax.text(0.01, 0.01, sample_text, transform=ax.transAxes, fontsize=8.5, color="#444", va="bottom",
                bbox={"boxstyle": "round", "fc": "white", "ec": "#ccc", "alpha": 0.85})
    return fig


def short(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def latent_section(names: np.ndarray | None, lengths: np.ndarray | None, xy: np.ndarray | None,
                   index: np.ndarray | None, bin_of: Mapping[str, str] | None, genome_of: Mapping[str, str] | None,
                   method: str = "UMAP", seed: int = 1, written: Collection[str] | None = None) -> Section:
    """Section 3 from the embedding ``xy`` (m, 2) of rows ``index`` (m,) of ``names``/
    ``lengths`` (n,); ``bin_of`` {contig: bin}, ``genome_of`` {contig: genome} (gold);
    ``written``: the bins of summary.tsv (only those are named; smaller clusters are grey)."""
    sec = Section("latent", "Latent space")
    if names is None or xy is None or index is None or lengths is None:
        sec.missing.append("No latent means (vae/latent.npz) found: latent space not shown.")
        return sec
    n, m = len(names), len(index)
    sample_text = f"random sample of {m:,} of {n:,} contigs (seed {seed})" if m < n else None
    sub_len = lengths[index]
    panels = []
    if bin_of is None:
        sec.missing.append("No clusters (cluster/clusters.tsv) found: points are not coloured by bin.")
        bins = np.full(n, "", dtype=object)
    else:
        bins = np.array([bin_of.get(c, "") for c in names], dtype=object)
    named = top_groups(bins.astype(str), lengths, LEGEND_MAX, written) if bin_of is not None else []
    other = "smaller clusters" if written is not None else "other bins"
    panels.append(latent_figure(xy, sub_len, bins[index].astype(str), named,
                                "coloured by bin (largest bins by bp named)", other, sample_text, method))
    if genome_of is None:
        sec.missing.append("No gold standard given: the panel coloured by true genome is not shown.")
    else:
        genomes = np.array([genome_of.get(c, "") for c in names], dtype=object).astype(str)
        panels.append(latent_figure(xy, sub_len, genomes[index], top_groups(genomes, lengths, LEGEND_MAX),
                                    "coloured by true genome (gold standard)", "other genomes", sample_text, method))
    caption = (f"{method} of the L2-normalised latent means (seed {seed}, {UMAP_NEIGHBORS} neighbours); point area "
               f"grows with log contig length.")
    if sample_text:
        caption += f" Above {UMAP_LIMIT:,} contigs a seeded random sample is drawn: {sample_text}."
    figs = [figure_html(f, "latent space " + ("by bin" if i == 0 else "by true genome")) for i, f in enumerate(panels)]
    sec.body = f'<div class="grid">{"".join(figs)}</div><p class="note info">{esc(caption)}</p>'
    return sec


# ----------------------------------------------------------------------------- bins
def depth_columns(header: Sequence[str]) -> list[str]:
    """The ``depth_<sample>`` columns of summary.tsv, in order."""
    return [c for c in header if c.startswith("depth_")]


def numeric_columns(header: Sequence[str], rows: Sequence[Mapping[str, str]]) -> list[bool]:
    """Per column: True when every non-empty value parses as a number (and one does)."""
    out = []
    for col in header:
        values = [r.get(col) for r in rows if r.get(col) not in (None, "", "NA", "nan")]
        out.append(bool(values) and all(to_float(v) is not None for v in values))
    return out


def tier_of(row: Mapping[str, str]) -> str:
    """Quality tier of a summary row: its ``quality`` column, else MIMAG from completeness/contamination."""
    if row.get("quality"):
        return str(row["quality"])
    from .summary import quality_tier

    return quality_tier(to_float(row.get("completeness")), to_float(row.get("contamination")))


def qc_figure(rows: Sequence[Mapping[str, str]]) -> Any | None:
    """Completeness vs contamination (%) scatter coloured by quality tier; ``None`` when
    no bin has both numbers."""
    pts = [(to_float(r.get("completeness")), to_float(r.get("contamination")), tier_of(r), to_float(r.get("size_bp")))
           for r in rows]
    pts = [p for p in pts if p[0] is not None and p[1] is not None]
    if not pts:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.2, 4.4), layout="constrained")
    sizes = np.array([p[3] or 0.0 for p in pts])
    area = 12 + 120 * np.sqrt(sizes / sizes.max()) if sizes.max() > 0 else np.full(len(pts), 30.0)
    tiers = [p[2] for p in pts]
    for tier in [t for t in TIER_COLOURS if t in tiers] + sorted(set(tiers) - set(TIER_COLOURS)):
        m = np.array([t == tier for t in tiers])
        ax.scatter(np.array([p[0] for p in pts])[m], np.array([p[1] for p in pts])[m], s=area[m],
                   c=TIER_COLOURS.get(tier, "#555"), alpha=0.75, lw=0.5, ec="white", label=f"{tier} ({m.sum()})")
    ax.axvline(90, color="#1b7a32", ls=":", lw=1)
    ax.axvline(50, color="#e08a00", ls=":", lw=1)
    ax.axhline(5, color="#1b7a32", ls=":", lw=1)
    ax.axhline(10, color="#e08a00", ls=":", lw=1)
    ax.set(xlabel="completeness (%)", ylabel="contamination (%)", title="bin quality (area grows with bin size)")
    ax.set_xlim(-2, 102)
    ax.set_ylim(bottom=-1)
    ax.legend(title="quality", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def heatmap_figure(rows: Sequence[Mapping[str, str]], dcols: Sequence[str],
                   limit: int = HEATMAP_MAX) -> tuple[Any, int]:
    """(bins x samples heat map of log10(1 + mean depth) for the ``limit`` largest bins by
    size_bp, number of bins shown)."""
    order = sorted(rows, key=lambda r: -(to_float(r.get("size_bp")) or 0.0))[:limit]
    mat = np.array([[to_float(r.get(c)) or 0.0 for c in dcols] for r in order], dtype=np.float64)
    plt = _plt()
    height = min(11.0, 1.4 + 0.22 * len(order))
    width = min(12.0, 3.6 + 0.45 * len(dcols))
    fig, ax = plt.subplots(figsize=(max(width, 5.0), height), layout="constrained")
    im = ax.imshow(np.log10(1 + mat), aspect="auto", cmap="viridis", interpolation="nearest")
    samples = [c[len("depth_"):] for c in dcols]
    step = max(1, math.ceil(len(samples) / 40))
    ax.set_xticks(range(0, len(samples), step), [short(s, 16) for s in samples[::step]],
                  rotation=90 if len(samples) > 6 else 0)
    ax.set_yticks(range(len(order)), [short(str(r.get("bin", "")), 24) for r in order],
                  fontsize=8 if len(order) > 20 else 9)
    ax.set(xlabel="sample", title="mean depth per bin and sample")
    fig.colorbar(im, ax=ax, label="log10(1 + mean depth)", shrink=0.9)
    return fig, len(order)


def bins_section(header: Sequence[str] | None, rows: Sequence[Mapping[str, str]] | None) -> Section:
    """Section 4 from ``summary.tsv`` (header, rows): sortable table of every column,
    QC scatter, abundance heat map."""
    sec = Section("bins", "Bins")
    if header is None or rows is None:
        sec.missing.append("No bin summary (summary.tsv) found: bins table not shown.")
        return sec
    if not rows:
        sec.missing.append("summary.tsv lists no bins (no cluster reached bins.min_bin_size).")
        return sec
    empty = [c for c in header if all(r.get(c) in (None, "") for r in rows)]
    header = [c for c in header if c not in empty]
    numeric = numeric_columns(header, rows)
    qcol = header.index("quality") if "quality" in header else -1

    def tier_class(col: int, value: Any) -> str:
        return f"tier-{value}" if col == qcol and value in ("high", "medium", "low") else ""

    tiers: dict[str, int] = {}
    for r in rows:
        tiers[tier_of(r)] = tiers.get(tier_of(r), 0) + 1
    counts = ", ".join(f"{tiers[t]} {t}" for t in (*TIER_COLOURS, *sorted(set(tiers) - set(TIER_COLOURS)))
                       if t in tiers)
    parts = [f"<p>{len(rows):,} bins ({esc(counts)} quality). Click a column header to sort.</p>",
             '<div class="scroll">',
             html_table(header, [[r.get(c) for c in header] for r in rows], sortable=True, numeric=numeric,
                        cell_class=tier_class, css="bins"), "</div>"]
    if empty:
        parts.append(note(f"Columns empty for every bin, not shown: {', '.join(empty)}."))
    figs = []
    qfig = qc_figure(rows)
    if qfig is None:
        sec.missing.append("No completeness/contamination values (no QC ran): quality scatter not shown.")
    else:
        figs.append(figure_html(qfig, "completeness vs contamination",
                                "MIMAG tiers: high >= 90 % complete and < 5 % contaminated, "
                                "medium >= 50 % and < 10 %."))
    dcols = depth_columns(header)
    if not dcols:
        sec.missing.append("summary.tsv has no depth_<sample> columns: abundance heat map not shown.")
    else:
        hfig, shown = heatmap_figure(rows, dcols)
        cap = "Mean depth (length-weighted) of each bin in each sample"
        cap += f"; the {shown} largest of {len(rows):,} bins." if shown < len(rows) else "."
        figs.append(figure_html(hfig, "bins x samples abundance", cap))
    parts.append(f'<div class="grid">{"".join(figs)}</div>')
    sec.body = "".join(parts)
    return sec


# ----------------------------------------------------------------------------- scores
def score_figure(table: Mapping[tuple[float, float], int], genomes: int | None) -> Any:
    """Genomes recovered vs recall threshold, one line per precision threshold."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    recalls = sorted({r for r, _ in table})
    styles = (("#2f5d8a", "-", "o", 9), ("#e08a00", "--", "s", 6.5), ("#c0392b", ":", "^", 5),
              ("#1b7a32", "-.", "d", 4))
    for p, (colour, ls, marker, size) in zip(sorted({p for _, p in table}), styles):
        # shrinking markers and dashes keep coinciding lines visible
        ax.plot(recalls, [table.get((r, p), 0) for r in recalls], ls=ls, marker=marker, ms=size, lw=1.8,
                color=colour, label=f"precision >= {p}")
    if genomes:
        ax.axhline(genomes, color="#888", ls="--", lw=1, label=f"genomes in the gold standard ({genomes})")
    ax.set(xlabel="recall threshold", ylabel="genomes recovered", title="genomes recovered per threshold")
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False, loc="lower left")
    return fig


def scores_section(result: Mapping | None, gold: Path | None) -> Section:
    """Section 5 from :func:`latentbin.score.read_score`'s dict (``None`` when score.tsv
    is missing): threshold table, plot and the scalar scores."""
    sec = Section("scores", "Scores")
    if result is None:
        why = "no gold standard given" if gold is None else f"gold standard {gold} given but not scored yet"
        sec.missing.append(f"No scores (score/score.tsv missing: {why}). Set gold_standard in the config to score "
                           "bins against known genomes.")
        return sec
    table = result.get("table", {})
    recalls = sorted({r for r, _ in table})
    precisions = sorted({p for _, p in table})
    rows = [[f"precision >= {p}"] + [table.get((r, p)) for r in recalls] for p in precisions]
    parts = ["<h3>Genomes recovered at each recall (columns) x precision (rows) threshold</h3>",
             html_table(["", *[f"recall >= {r}" for r in recalls]], rows, numeric=[False] + [True] * len(recalls))]
    scalars = [(k, fmt_number(v) if isinstance(v, (int, float)) else v) for k, v in result.items() if k != "table"]
    figs = [figure_html(score_figure(table, result.get("genomes")), "genomes recovered per threshold")] if table else []
    parts.append(f'<div class="grid"><div><h3>Scores</h3>{facts_table(scalars)}'
                 f'{note("NC: near-complete genomes (recall >= 0.9, precision >= 0.95). ari: adjusted Rand index.")}'
                 f'</div>{"".join(figs)}</div>')
    sec.body = "".join(parts)
    return sec


# ----------------------------------------------------------------------------- assembly
def error_section(sid: str, title: str, exc: BaseException) -> Section:
    """A section that could not be built: says why, so the rest of the report still renders."""
    return Section(sid, title, body=banner(f"This section could not be built: {type(exc).__name__}: {exc}", "error"))


def guarded(sid: str, title: str, fn: Callable[[], Section]) -> Section:
    """``fn()``, or :func:`error_section` (logged with its traceback) when it raises."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - one damaged input must not lose the whole report
        log.exception("report section %s failed", sid)
        return error_section(sid, title, exc)


def render(sections: Sequence[Section], title: str, seconds: float) -> str:
    """The full HTML page from the package template ``templates/report.html.j2``."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("latentbin", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), keep_trailing_newline=True)
    return env.get_template("report.html.j2").render(
        sections=sections, title=title, version=__version__, seconds=seconds,
        built=datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))


def resolve_gold(gold_standard: PathLike | None, cfg: Mapping | None) -> Path | None:
    """The gold-standard TSV: the argument, else the config's ``gold_standard`` when that file exists."""
    if gold_standard is not None:
        return Path(gold_standard)
    value = (cfg or {}).get("gold_standard")
    return Path(value) if value and Path(value).is_file() else None


def _facts(results: Path, cfg: dict | None, cfg_source: str, gold: Path | None, names: np.ndarray | None,
           bin_of: Mapping[str, str] | None, summary_rows: Sequence | None) -> Section:
    from .config import defaults

    run_info = read_json(find_input(results, "run_info"))
    unbinned_path = find_input(results, "unbinned")
    unbinned = read_tsv(unbinned_path)[1] if unbinned_path else None
    counts, notes = contig_counts(read_json(find_input(results, "contigs_info")),
                                  None if names is None else len(names), unbinned,
                                  None if bin_of is None else len(bin_of),
                                  None if bin_of is None else len(set(bin_of.values())),
                                  None if summary_rows is None else len(summary_rows))
    bench = find_input(results, "benchmarks")
    records = read_benchmarks(bench) if bench and bench.is_dir() else []
    stages = (run_info or {}).get("stages") if isinstance((run_info or {}).get("stages"), Mapping) else None
    times = wall_times(records, stages)
    source = ("Snakemake benchmark files (benchmarks/<rule>[/<job>].tsv); jobs of one rule run in parallel, so the "
              "sum can exceed the run's wall time." if records else "run_info.json stages (CLI run).")
    samples = read_npz_samples(find_input(results, "depth"))
    return run_facts_section(inputs_rows(run_info, cfg, samples, gold), counts, notes,
                             config_diff(defaults(), cfg) if cfg is not None else None, cfg_source,
                             tool_versions(), device_text(read_json(find_input(results, "train_info"))),
                             times, source)


def _latent(results: Path, names: np.ndarray | None, lengths: np.ndarray | None, latent: np.ndarray | None,
            bin_of: Mapping[str, str] | None, genome_of: Mapping[str, str] | None, seed: int, cache: bool,
            written: Collection[str] | None) -> Section:
    if names is None or latent is None:
        return latent_section(None, None, None, None, bin_of, genome_of, seed=seed)
    index = sample_indices(len(names), UMAP_LIMIT, seed)
    t0 = time.perf_counter()
    xy, method = cached_embedding(latent, index, seed, results / UMAP_CACHE if cache else None)
    log.info("2-D embedding of %d points (%s) in %.1f s", len(index), method, time.perf_counter() - t0)
    return latent_section(names, lengths, xy, index, bin_of, genome_of, method, seed, written)


def read_or_note(reader: Callable[[Path], Any], path: Path | None, problems: list[str]) -> Any:
    """``reader(path)``; ``None`` when ``path`` is ``None`` or unreadable (the error is
    logged and appended to ``problems`` for the report)."""
    if path is None:
        return None
    try:
        return reader(path)
    except Exception as exc:  # noqa: BLE001 - a damaged input is reported, not fatal
        log.warning("%s: cannot be read (%s: %s)", path, type(exc).__name__, exc)
        problems.append(f"{path}: cannot be read ({type(exc).__name__}: {exc}); sections that need it are left out.")
        return None


def build_report(results_dir: PathLike, out: PathLike | None = None, gold_standard: PathLike | None = None,
                 config: Mapping | PathLike | None = None, cache: bool = True) -> Path:
    """Write the self-contained HTML report of a results folder; return its path.

    ``out`` defaults to ``<results_dir>/report.html`` (written atomically);
    ``gold_standard``: TSV (contig, genome, length), else the config's when it exists;
    ``config``: the effective config (dict or YAML path), else ``<results_dir>/config.yaml``;
    ``cache``: keep the 2-D embedding in ``<results_dir>/report/umap.npz`` for rebuilds.
    """
    from .score import read_clusters, read_gold, read_score

    t0 = time.perf_counter()
    results = Path(results_dir)
    out = Path(out) if out is not None else results / "report.html"
    cfg, cfg_source = load_effective_config(config, results)
    gold = resolve_gold(gold_standard, cfg)
    seed = int((cfg or {}).get("seed", 1) or 1)
    problems: list[str] = []
    latent_data = read_or_note(read_latent, find_input(results, "latent"), problems)
    names, lengths, latent = latent_data if latent_data is not None else (None, None, None)
    bin_of = read_or_note(read_clusters, find_input(results, "clusters"), problems)
    header, rows = read_or_note(read_tsv, find_input(results, "summary"), problems) or (None, None)
    tlog = read_or_note(read_train_log, find_input(results, "train_log"), problems)
    scores = read_or_note(read_score, find_input(results, "score"), problems)
    genome_of = read_or_note(lambda p: read_gold(p)[0], gold, problems)
    written = None if rows is None else {r.get("bin") for r in rows}

    sections = [
        guarded("run", "Run facts", lambda: _facts(results, cfg, cfg_source, gold, names, bin_of, rows)),
        guarded("training", "Training", lambda: training_section(tlog, None if latent is None else latent.shape[1])),
        guarded("latent", "Latent space", lambda: _latent(results, names, lengths, latent, bin_of, genome_of, seed,
                                                           cache, written)),
        guarded("bins", "Bins", lambda: bins_section(header, rows)),
        guarded("scores", "Scores", lambda: scores_section(scores, gold)),
    ]
    if problems:
        sections[0].body = "".join(banner(p, "error") for p in problems) + sections[0].body
    page = render(sections, str(results.resolve()), time.perf_counter() - t0)
    with atomic_text(out) as fh:
        fh.write(page)
    log.info("report -> %s (%.1f s)", out, time.perf_counter() - t0)
    return out
