"""Reads -> depth without a BAM: minimap2 runs as a child process and its SAM output is
read as it streams (:func:`latentbin.depth.stream_depth`: coverage accumulates in any
read order, so nothing is sorted, indexed or written). minimap2 must be on PATH (the
workflow's conda env, or `apt-get install minimap2`)."""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .depth import SampleDepth, stream_depth
from .errors import InputError
from .options import DepthOptions

log = logging.getLogger(__name__)


def minimap2_command(index: str | os.PathLike, reads: list[str], preset: str, extra: str, threads: int) -> list[str]:
    """``minimap2 -a -x PRESET -t N [extra] INDEX READS...`` (SAM with NM tags on stdout)."""
    return ["minimap2", "-a", "-x", preset, "-t", str(max(1, threads)), *shlex.split(extra or ""), str(index),
            *map(str, reads)]


def stream_sample_depth(index: str | os.PathLike, reads: list[str], preset: str, extra: str, threads: int,
                        sample: str, names: np.ndarray, lengths: np.ndarray, opts: DepthOptions,
                        contigs_source: str = "the contigs") -> SampleDepth:
    """Depth of each contig ``(n,) float32`` in one sample, straight from minimap2's
    output, and whether its reads are long reads. A failing minimap2 is an :class:`InputError` naming the sample and the end of
    minimap2's messages."""
    import pysam

    if shutil.which("minimap2") is None:
        raise InputError("minimap2 is not on PATH; install it (conda env envs/mapping.yaml, or apt-get install "
                         "minimap2) or map to BAMs yourself and use `latentbin depth`")
    for r in reads:
        if not Path(r).is_file():
            raise InputError(f"sample {sample}: read file {r} not found; check the sample sheet")
    cmd = minimap2_command(index, reads, preset, extra, threads)
    log.info("sample %s: %s", sample, " ".join(map(shlex.quote, cmd)))
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        column = None
        failure = None
        try:
            with pysam.AlignmentFile(proc.stdout, "r") as sam:
                column = stream_depth(sam, f"minimap2 output of sample {sample}", names, lengths, opts.statistic,
                                      opts.trim_fraction, opts.min_identity, opts.min_mapq,
                                      end_exclusion=opts.end_exclusion, contigs_source=contigs_source)
        except (ValueError, OSError) as exc:  # minimap2 died before a SAM header: pysam cannot open the stream
            failure = exc
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
            code = proc.wait()
        err.seek(0)
        messages = err.read().decode("utf-8", "replace").strip()
        tail = messages[-600:].replace("\n", " | ")
    for line in messages.splitlines()[-20:]:
        log.info("minimap2: %s", line)
    if code != 0 or failure is not None or column is None:
        raise InputError(f"sample {sample}: minimap2 failed (exit {code}): {tail or failure}; check the read files "
                         "and the index")
    return column
