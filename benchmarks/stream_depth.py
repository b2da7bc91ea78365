"""Reads -> depth: minimap2 alone vs the sorted-BAM path vs depth from minimap2's stream.

    python benchmarks/stream_depth.py --contigs C.fna --samples-tsv DATASET/samples.tsv [--n 2] [--threads 2]

For each of the first ``--n`` samples of a sample sheet (columns sample, r1, r2; paths
relative to the sheet), with the same reads and threads, one after another:

1. ``minimap2 -a -x sr -t T INDEX R1 R2 > /dev/null`` (the floor);
2. the sorted-BAM path (``mapping.keep_bam: true``): ``minimap2 | samtools sort``,
   ``samtools index``, then ``latentbin depth`` on the BAM;
3. the stream (``mapping.keep_bam: false``): ``latentbin map_depth``, minimap2 as a child
   process whose SAM output is read as it comes.

Wall and CPU seconds (children's user + system) per step; ratios to (1) in the same run;
whether the depths of (2) and (3) are identical. The index is built once, untimed.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def timed(cmd: str) -> tuple[float, float]:
    """(wall s, CPU s of the children) of one shell command, which must succeed."""
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run(["bash", "-o", "pipefail", "-c", cmd], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contigs", required=True)
    ap.add_argument("--samples-tsv", required=True)
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    from latentbin.depth import Abundance

    sheet = Path(a.samples_tsv)
    with open(sheet) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))[: a.n]
    lb = f"{sys.executable} -m latentbin"
    t = a.threads
    with tempfile.TemporaryDirectory() as tmp:
        idx = Path(tmp) / "contigs.sr.mmi"
        subprocess.run(["minimap2", "-x", "sr", "-d", str(idx), a.contigs], check=True, capture_output=True)
        print(f"contigs {a.contigs}; {len(rows)} samples of {sheet}; threads {t}; load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        print("| sample | read MB | minimap2 alone wall / CPU s | sorted BAM + depth wall / CPU s | vs minimap2 (wall) "
              "| stream wall / CPU s | vs minimap2 (wall) | depths identical |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        totals = np.zeros(6)
        for row in rows:
            r1, r2 = (str(sheet.parent / row[k]) for k in ("r1", "r2"))
            mb = (os.path.getsize(r1) + os.path.getsize(r2)) / 1e6
            bam, d_bam, d_stream = (Path(tmp) / f"{row['sample']}{s}" for s in (".bam", ".bam.npz", ".stream.npz"))
            m = timed(f"minimap2 -a -x sr -t {t} {idx} {r1} {r2} > /dev/null")
            b = timed(f"minimap2 -a -x sr -t {t} {idx} {r1} {r2} | samtools sort -@ {t} -o {bam} - && "
                      f"samtools index -@ {t} {bam} && {lb} depth --contigs {a.contigs} --bam {bam} "
                      f"--samples {row['sample']} --out {d_bam} --threads {t} -q")
            s = timed(f"{lb} map_depth --contigs {a.contigs} --index {idx} --reads {r1} {r2} "
                      f"--sample {row['sample']} --out {d_stream} --threads {t} -q")
            same = np.array_equal(Abundance.load(d_bam).depth, Abundance.load(d_stream).depth)
            totals += [m[0], m[1], b[0], b[1], s[0], s[1]]
            print(f"| {row['sample']} | {mb:.0f} | {m[0]:.1f} / {m[1]:.1f} | {b[0]:.1f} / {b[1]:.1f} | "
                  f"{b[0] / m[0]:.2f}x | {s[0]:.1f} / {s[1]:.1f} | {s[0] / m[0]:.2f}x | {'yes' if same else 'NO'} |",
                  flush=True)
        print(f"| **all** | | {totals[0]:.1f} / {totals[1]:.1f} | {totals[2]:.1f} / {totals[3]:.1f} | "
              f"**{totals[2] / totals[0]:.2f}x** | {totals[4]:.1f} / {totals[5]:.1f} | **{totals[4] / totals[0]:.2f}x** | |")
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
