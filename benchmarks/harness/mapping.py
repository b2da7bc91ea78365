"""Map every sample once (minimap2 | samtools sort) into BAMs that all binners share.

A BAM is reused when its header lists exactly the filtered contigs (names and lengths)
and, for BAMs made here, it is newer than its reads. ``reuse`` points at a folder of
BAMs made elsewhere (``<sample>.bam`` + ``.bai``) that pass the same header check.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from .timing import Measure, run_timed


def contig_table(fasta: Path) -> list[tuple[str, int]]:
    """(name, length) of every record of a FASTA (the package's reader: any line width, gzip)."""
    from latentbin.contigs import read_names_lengths

    names, lengths = read_names_lengths(fasta)
    return [(str(n), int(n_bp)) for n, n_bp in zip(names, lengths)]


def bam_matches(bam: Path, contigs: list[tuple[str, int]]) -> bool:
    """True when ``bam`` and its index exist and its @SQ lines equal ``contigs``."""
    if not bam.exists() or not Path(str(bam) + ".bai").exists():
        return False
    try:
        head = subprocess.run(["samtools", "view", "-H", str(bam)], capture_output=True,
                              text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    sq = []
    for line in head.splitlines():
        if line.startswith("@SQ"):
            f = dict(x.split(":", 1) for x in line.split("\t")[1:] if ":" in x)
            sq.append((f.get("SN"), int(f.get("LN", -1))))
    return sq == contigs


def map_samples(samples, contigs_fa: Path, bamdir: Path, threads: int, logdir: Path,
                reuse: Path | None = None, preset: str = "sr", nice: int = 10) -> tuple[list[Path], list[Measure]]:
    """BAM per sample in ``bamdir`` (sorted, indexed). Returns (bams, measures of work done)."""
    bamdir.mkdir(parents=True, exist_ok=True)
    table = contig_table(contigs_fa)
    bams, measures = [], []
    index = bamdir / "contigs.mmi"
    for sample, r1, r2 in samples:
        bam = bamdir / f"{sample}.bam"
        if reuse is not None and bam_matches(reuse / f"{sample}.bam", table):
            for suffix in ("", ".bai"):
                dst = Path(str(bam) + suffix)
                if dst.is_symlink() or dst.exists():
                    dst.unlink()
                os.symlink((reuse / f"{sample}.bam{suffix}").resolve(), dst)
        reads_time = max(p.stat().st_mtime for p in (r1, r2) if p is not None)
        if bam_matches(bam, table) and (bam.is_symlink() or bam.stat().st_mtime >= reads_time):
            bams.append(bam)
            continue
        for tool in ("minimap2", "samtools"):
            if shutil.which(tool) is None:
                raise SystemExit(f"mapping: {tool} not on PATH (apt-get install {tool})")
        if not index.exists() or index.stat().st_mtime < contigs_fa.stat().st_mtime:
            measures.append(run_timed(["minimap2", "-d", str(index), str(contigs_fa)],
                                      "mapping: index", logdir / "map_index.log", nice=nice))
        reads = " ".join(shlex.quote(str(r)) for r in (r1, r2) if r is not None)
        pipe = (f"minimap2 -t {threads} -ax {preset} {shlex.quote(str(index))} {reads} "
                f"| samtools sort -@ {max(threads - 1, 0)} -o {shlex.quote(str(bam))} - "
                f"&& samtools index {shlex.quote(str(bam))}")
        m = run_timed(["bash", "-o", "pipefail", "-c", pipe], f"mapping: {sample}",
                      logdir / f"map_{sample}.log", nice=nice)
        if not m.ok:
            raise SystemExit(f"mapping {sample} failed: {m.error}")
        measures.append(m)
        bams.append(bam)
    return bams, measures
