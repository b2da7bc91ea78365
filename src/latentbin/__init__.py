"""latentbin: metagenome binning with a variational autoencoder.

Stages, each a module with a pure numpy/torch core and file I/O at the edge:
contigs -> tnf -> depth -> train (VAE) -> encode -> markers -> cluster -> bins -> qc.

>>> from latentbin import load_config, compute_tnf, compute_depth, train_vae, encode_latent, cluster_latent
>>> cfg = load_config({"vae": {"epochs": 10}})
>>> cfg["vae"]["epochs"]
10

Names are imported lazily, so ``import latentbin`` does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_config": "config", "defaults": "config", "InputError": "errors",
    "iter_fasta": "contigs", "filter_fasta": "contigs", "read_names_lengths": "contigs",
    "Composition": "tnf", "compute_tnf": "tnf", "tnf_of": "tnf",
    "Abundance": "depth", "compute_depth": "depth", "read_depth_table": "depth",
    "VAE": "model", "VAEParams": "model",
    "train_vae": "train", "encode_latent": "train",
    "ContigMarkers": "markers", "find_markers": "markers", "refine": "refine",
    "cluster_latent": "cluster", "medoid_clusters": "cluster", "write_clusters": "cluster", "read_clusters": "cluster",
    "write_bins": "bins",
}
__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'latentbin' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
