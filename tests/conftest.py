"""Shared fixtures: the shipped example mapped once per session (minimap2 + samtools)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import SHARED

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "resources" / "example"


def map_reads(contigs: Path, reads: list[Path], bam: Path) -> Path:
    """`minimap2 -ax sr | samtools sort`, then index: a plain sorted BAM."""
    mm = subprocess.Popen(["minimap2", "-t", "2", "-ax", "sr", str(contigs), *map(str, reads)],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    subprocess.run(["samtools", "sort", "-o", str(bam), "-"], stdin=mm.stdout, check=True, capture_output=True)
    assert mm.wait() == 0
    subprocess.run(["samtools", "index", str(bam)], check=True)
    return bam


def example_samples() -> list[tuple[str, Path, Path]]:
    rows = (EXAMPLE / "samples.tsv").read_text().splitlines()[1:]
    return [(s, EXAMPLE / r1, EXAMPLE / r2) for s, r1, r2 in (line.split("\t")[:3] for line in rows)]


@pytest.fixture(scope="session")
def mapped(tmp_path_factory):
    """The example's contigs and one sorted, indexed BAM per sample."""
    if shutil.which("minimap2") is None or shutil.which("samtools") is None:
        pytest.skip("minimap2/samtools not installed (apt-get install minimap2 samtools)")
    out = tmp_path_factory.mktemp("mapped")
    bams = [map_reads(EXAMPLE / "contigs.fna.gz", [r1, r2], out / f"{s}.bam") for s, r1, r2 in example_samples()]
    return EXAMPLE / "contigs.fna.gz", bams


def pytest_collection_modifyitems(config, items):
    """Tests marked ``shared`` need the development data (tests.helpers.SHARED)."""
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=f"needs the development data at {SHARED} (set LATENTBIN_SHARED)")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)
