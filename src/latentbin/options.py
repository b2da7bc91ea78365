"""Typed options, one frozen dataclass per config section, built from the validated config.

The schema (``schema/config.schema.yaml``) is the one source of defaults: these classes
have no defaults of their own, and ``tests/test_options.py`` checks that their fields are
exactly the schema's keys. Each stage receives only the sections it uses.

>>> from latentbin.config import load_config
>>> opts = Options.from_config(load_config({"vae": {"epochs": 7}}))
>>> opts.vae.epochs, opts.contigs.min_length, opts.seed
(7, 2000, 1)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping


@dataclass(frozen=True)
class AssemblyOptions:
    mode: str
    contigs: str | None
    separator: str


@dataclass(frozen=True)
class ContigOptions:
    min_length: int


@dataclass(frozen=True)
class MappingOptions:
    keep_bam: bool
    default_preset: str
    long_preset: str
    extra: str
    index_extra: str


@dataclass(frozen=True)
class DepthOptions:
    statistic: str
    trim_fraction: float
    min_identity: float
    min_mapq: int
    end_exclusion: int


#: Vamb 5's network for ``vae.hidden`` / ``vae.dropout`` null: (hidden, dropout) with
#: several samples and with one (Vamb's encode.VAE)
VAMB_NETWORK = {"several": ((512, 512), 0.2), "one": ((256, 256), 0.0)}
#: ``vae.importance_samples`` null: k for each bound
DEFAULT_IMPORTANCE_SAMPLES = {"iwae": 5, "elbo": 1}


@dataclass(frozen=True)
class VAEOptions:
    latent: int
    hidden: tuple[int, ...] | None
    dropout: float | None
    batch_size: int
    batch_steps: tuple[int, ...]
    batch_schedule: str
    epochs: int
    loss: str
    alpha: float | None
    beta: float
    capacity: float
    mse_ratio: float
    variance: str
    contig_weights: str
    importance_samples: int | None
    bound: str
    mask_rate: float
    contrastive: float
    contrastive_temperature: float
    optimizer: str
    learning_rate: float
    device: str
    precision: str
    checkpoint_every: int

    def network(self, n_samples: int) -> tuple[list[int], float]:
        """Hidden widths and dropout for ``n_samples``: the options, or where null
        :data:`VAMB_NETWORK`'s rule."""
        hidden, dropout = VAMB_NETWORK["one" if n_samples == 1 else "several"]
        return (list(self.hidden if self.hidden is not None else hidden),
                self.dropout if self.dropout is not None else dropout)

    def resolved(self, n_samples: int, long_reads: bool) -> "VAEOptions":
        """These options with ``bound``, ``importance_samples`` and ``variance`` made
        concrete for ``n_samples`` samples (``long_reads``: any of them long reads). Where
        depth is weak (one sample, or long reads) ``auto`` is the iwae bound with a learned
        variance, elsewhere the elbo with Vamb 5's fixed unit variance; k null =
        :data:`DEFAULT_IMPORTANCE_SAMPLES` of the bound."""
        weak = n_samples == 1 or long_reads
        bound = self.bound if self.bound != "auto" else ("iwae" if weak else "elbo")
        variance = self.variance if self.variance != "auto" else ("learned" if weak else "fixed")
        k = self.importance_samples if self.importance_samples is not None else DEFAULT_IMPORTANCE_SAMPLES[bound]
        return replace(self, bound=bound, importance_samples=k, variance=variance)


@dataclass(frozen=True)
class ClusterOptions:
    method: str
    max_steps: int
    min_cluster_size: int
    refine: bool
    refine_method: str
    merge: bool
    refine_min_bp: int
    split_contamination: float
    split_min_extra: int
    split_min_gain: float
    merge_distance: float
    merge_max_contamination: float
    merge_min_gain: float
    ensemble: str
    ensemble_min_score: float
    ensemble_penalty: float
    recruit: bool
    recruit_quantile: float
    min_bin_bp: int
    multisplit: bool


@dataclass(frozen=True)
class BinOptions:
    min_bin_size: int


@dataclass(frozen=True)
class QCOptions:
    builtin: bool
    gene_mode: str
    min_marker_coverage: float
    rna_genes: bool
    checkm2: bool
    checkm2_db: str | None
    checkm2_download_dir: str
    checkm2_extra: str


#: config section -> its options class
SECTIONS: dict[str, type] = {
    "assembly": AssemblyOptions, "contigs": ContigOptions, "mapping": MappingOptions, "depth": DepthOptions,
    "vae": VAEOptions, "cluster": ClusterOptions, "bins": BinOptions, "qc": QCOptions,
}


def _section(cls: type, values: Mapping[str, Any]) -> Any:
    kwargs = {f.name: tuple(values[f.name]) if isinstance(values[f.name], list) else values[f.name]
              for f in fields(cls)}
    return cls(**kwargs)


@dataclass(frozen=True)
class Options:
    """The whole validated config, typed. Top-level keys: ``samples``, ``seed``,
    ``threads``, ``gold_standard``; one attribute per section."""

    samples: str
    seed: int
    threads: int
    gold_standard: str | None
    assembly: AssemblyOptions
    contigs: ContigOptions
    mapping: MappingOptions
    depth: DepthOptions
    vae: VAEOptions
    cluster: ClusterOptions
    bins: BinOptions
    qc: QCOptions

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> "Options":
        """Build from a config validated by :func:`latentbin.config.validate` (defaults filled)."""
        top = {k: cfg[k] for k in ("samples", "seed", "threads", "gold_standard")}
        return cls(**top, **{name: _section(kind, cfg[name]) for name, kind in SECTIONS.items()})

    def section(self, name: str) -> Any:
        """One section's options (or a top-level value such as ``seed``) by name;
        ``config`` is the whole config as plain values (for the report)."""
        if name == "config":
            return plain(self)
        return getattr(self, name)


def plain(value: Any) -> Any:
    """Options (or a section) as plain JSON-able values, for Snakemake params and run records."""
    if hasattr(value, "__dataclass_fields__"):
        return {k: plain(v) for k, v in asdict(value).items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
