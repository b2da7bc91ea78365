"""Where and how compute runs: device choice, thread caps and the one seed.

Shared by training, encoding and clustering, so that no stage module reaches into
another for these helpers.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch

from .errors import InputError


def pick_device(device: str | None) -> torch.device:
    """``auto``/None -> CUDA when available else CPU; ``cuda`` without a GPU is an error."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("vae.device is 'cuda' but no CUDA GPU is visible; use device 'auto' or 'cpu'")
    return torch.device(device)


def device_name(device: torch.device) -> str:
    """Human-readable device: ``cpu`` or the CUDA card's name."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return "cpu"


@contextmanager
def limit_threads(threads: int) -> Iterator[None]:
    """Cap torch intra-op threads and numpy's BLAS (threadpoolctl) to ``threads``."""
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        with threadpool_limits(limits=max(1, threads)):
            yield
    finally:
        torch.set_num_threads(before)


def seed_everything(seed: int) -> None:
    """One seed for torch (CPU and CUDA), numpy's legacy RNG and ``random``."""
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)
