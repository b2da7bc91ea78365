#!/usr/bin/env python3
"""Wall time per rule from Snakemake `benchmark:` files, as a Markdown table.

    python tools/benchmark_table.py results/benchmarks

Each file holds one job (results/benchmarks/<rule>.tsv or <rule>/<sample>.tsv);
jobs of the same rule are summed. Standard library only.
"""

import csv
import sys
from collections import defaultdict
from pathlib import Path


def table(root: Path) -> str:
    wall: dict[str, float] = defaultdict(float)
    rss: dict[str, float] = defaultdict(float)
    jobs: dict[str, int] = defaultdict(int)
    for path in sorted(root.rglob("*.tsv")):
        rule = path.parent.name if path.parent != root else path.stem
        with open(path) as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                wall[rule] += float(row["s"])
                rss[rule] = max(rss[rule], float(row["max_rss"]) if row["max_rss"] not in ("", "-", "NA") else 0.0)
                jobs[rule] += 1
    lines = ["| rule | jobs | wall s | max RSS MB |", "|---|---:|---:|---:|"]
    for rule in sorted(wall, key=wall.get, reverse=True):
        lines.append(f"| {rule} | {jobs[rule]} | {wall[rule]:.1f} | {rss[rule]:.0f} |")
    lines.append(f"| total | {sum(jobs.values())} | {sum(wall.values()):.1f} | |")
    return "\n".join(lines)


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "results/benchmarks")
    if not root.is_dir():
        sys.exit(f"{root}: no benchmark folder; run the workflow first")
    print(table(root))
