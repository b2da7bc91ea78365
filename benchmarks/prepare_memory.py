"""Peak memory of ``latentbin.train.prepare`` (the model input) above its inputs.

    python benchmarks/prepare_memory.py --contigs 1000000 --samples 100

Random depth ``(n, s)`` and TNF ``(n, 103)`` float32; prints the transient peak (max RSS
after minus before the call) and the output's size, per contig. Run one size per
process: max RSS never goes down.
"""

from __future__ import annotations

import argparse
import resource

import numpy as np

from latentbin.train import prepare


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contigs", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=100)
    a = ap.parse_args()
    n, s = a.contigs, a.samples
    rng = np.random.default_rng(0)
    depth = rng.random((n, s), dtype=np.float32)
    tnf = rng.standard_normal((n, 103), dtype=np.float32)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    x, _ = prepare(depth, tnf, np.full(n, 5000))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"| contigs | samples | prepare peak above inputs MB | per contig B | output MB |\n|---:|---:|---:|---:|---:|\n"
          f"| {n:,} | {s} | {(peak - before) / 1024:.0f} | {(peak - before) * 1024 / n:.0f} | {x.nbytes / 2**20:.0f} |")


if __name__ == "__main__":
    main()
