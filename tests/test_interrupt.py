"""Interruptions lose at most a few epochs: SIGTERM (SLURM's time limit) and SIGKILL
during training and during clustering, then the same command again: the final clusters
equal those of an uninterrupted run with the same seed (CPU)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from latentbin.stages import LAYOUT
from tests.helpers import write_fasta

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """600 contigs of 10 planted genomes (GC and depth profiles), a depth table, a config."""
    out = tmp_path_factory.mktemp("interrupt")
    rng = np.random.default_rng(2)
    records, rows = [], ["contig\tS1\tS2\tS3\tS4"]
    for g in range(10):
        gc = 0.3 + 0.04 * g
        profile = rng.lognormal(1, 1, 4)
        for k in range(60):
            name = f"g{g}_{k}"
            records.append((name, "".join(rng.choice(list("ACGT"), 2500, p=[(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]))))
            rows.append(name + "\t" + "\t".join(f"{v:.3f}" for v in profile * rng.lognormal(0, 0.1, 4)))
    write_fasta(out / "contigs.fa", records)
    (out / "depth.tsv").write_text("\n".join(rows) + "\n")
    (out / "config.yaml").write_text("vae:\n  epochs: 60\n  hidden: [64]\n  latent: 8\n  batch_size: 32\n"
                                     "  batch_steps: [30]\n  checkpoint_every: 5\ncluster:\n  refine: false\n"
                                     "qc:\n  builtin: false\n")
    return out


def command(data: Path, outdir: Path) -> list[str]:
    return [sys.executable, "-m", "latentbin", "run", "--contigs", str(data / "contigs.fa"), "--depth-table",
            str(data / "depth.tsv"), "--outdir", str(outdir), "--config", str(data / "config.yaml"),
            "--threads", "1", "--min-bin-size", "0"]


@pytest.fixture(scope="module")
def reference(data):
    outdir = data / "reference"
    subprocess.run(command(data, outdir), check=True, capture_output=True)
    return (outdir / LAYOUT["clusters"]).read_text()


def start_and_kill(cmd: list[str], ready, sig: int, timeout: float = 300) -> subprocess.CompletedProcess:
    """Start ``cmd``, send ``sig`` once ``ready()`` is true, return the finished process."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while not ready():
        assert proc.poll() is None, "finished before it could be interrupted: " + proc.stderr.read()[-2000:]
        assert time.time() - t0 < timeout
        time.sleep(0.05)
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_interrupted_training_resumes_to_the_same_clusters(data, reference, tmp_path, sig):
    outdir = tmp_path / "run"
    ckpt = outdir / LAYOUT["checkpoint"]
    stopped = start_and_kill(command(data, outdir), ckpt.exists, sig)
    assert stopped.returncode == (143 if sig == signal.SIGTERM else -signal.SIGKILL)
    assert ckpt.is_file() and not (outdir / LAYOUT["model"]).exists()
    if sig == signal.SIGTERM:
        assert "rerun the same command to resume" in stopped.stderr
    assert not [p for p in outdir.rglob(".*") if p.is_file() and p.parent.name != ".latentbin"], "temporary files left"
    rerun = subprocess.run(command(data, outdir), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "resuming training from" in rerun.stderr
    assert (outdir / LAYOUT["clusters"]).read_text() == reference
    assert not ckpt.exists(), "the checkpoint is removed once the model is saved"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_interrupted_clustering_reruns_to_the_same_clusters(data, reference, tmp_path, sig):
    outdir = tmp_path / "run"
    latent = outdir / LAYOUT["latent"]
    stopped = start_and_kill(command(data, outdir), latent.exists, sig)
    assert stopped.returncode != 0
    assert not (outdir / ".latentbin" / "cluster.json").exists(), "an interrupted stage is not recorded as done"
    rerun = subprocess.run(command(data, outdir), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "train: reusing" in rerun.stderr
    assert (outdir / LAYOUT["clusters"]).read_text() == reference
