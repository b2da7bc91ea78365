"""latentbin stage by stage through its CLI, each stage timed on its own.

Stages (contract CLI): depth, tnf, train, encode, markers (when the CLI has it: the
marker genes that cluster refinement uses), cluster, bins (the BAMs-to-bins time is
their sum), then qc (reported apart: the peers do no QC).

``resume`` (stage -> measure dict of an earlier run) skips a stage whose output exists
and reuses its measure, so a run that failed late does not retrain.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .peers import Run
from .timing import Measure, run_timed

BINNING_STAGES = ("depth", "tnf", "train", "encode", "markers", "cluster", "bins")


def latentbin_cmd(exe: str | None = None) -> list[str]:
    """The console script when on PATH, else the same entry point through this Python."""
    if exe:
        return [exe]
    found = shutil.which("latentbin")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from latentbin.cli import main; sys.exit(main())"]


def has_subcommand(cmd: list[str], name: str) -> bool:
    try:
        return subprocess.run([*cmd, name, "--help"], capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _version(cmd: list[str]) -> str:
    try:
        p = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=120)
        return (p.stdout or p.stderr).strip().splitlines()[-1].split()[-1] if p.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError, IndexError):
        return ""


def run_latentbin(contigs: Path, bams: list[Path], samples: list[str], out: Path, threads: int,
                  epochs: int | None = None, device: str = "cpu", seed: int = 1,
                  config: Path | None = None, exe: str | None = None, qc: bool = True,
                  nice: int = 10, resume: dict | None = None) -> Run:
    """Run every stage; stop at the first failing one and report its error."""
    out.mkdir(parents=True, exist_ok=True)
    lb = latentbin_cmd(exe)
    common = ["--threads", str(threads)] + (["--config", str(config)] if config else [])
    f = {k: out / v for k, v in dict(depth="depth.npz", tnf="tnf.npz", model="model.pt",
                                     log="train_log.tsv", latent="latent.npz",
                                     markers="markers.npz", clusters="clusters.tsv", bins="bins",
                                     qc="qc.tsv").items()}
    if f["bins"].exists():
        shutil.rmtree(f["bins"])
    train = ["train", "--tnf", f["tnf"], "--depth", f["depth"], "--out", f["model"],
             "--log", f["log"], "--device", device, "--seed", str(seed)]
    if epochs:
        train += ["--epochs", str(epochs)]
    stages = {
        "depth": ["depth", "--contigs", contigs, "--bam", *bams, "--out", f["depth"],
                  "--samples", *samples],
        "tnf": ["tnf", "--contigs", contigs, "--out", f["tnf"]],
        "train": train,
        "encode": ["encode", "--model", f["model"], "--tnf", f["tnf"], "--depth", f["depth"],
                   "--out", f["latent"], "--device", device],
        "markers": ["markers", "--contigs", contigs, "--out", f["markers"]],
        "cluster": ["cluster", "--latent", f["latent"], "--markers", f["markers"], "--depth", f["depth"],
                    "--out", f["clusters"], "--device", device],
        "bins": ["bins", "--clusters", f["clusters"], "--contigs", contigs, "--outdir", f["bins"]],
    }
    if not has_subcommand(lb, "markers"):  # CLI without refinement: plain clustering
        del stages["markers"]
        stages["cluster"] = ["cluster", "--latent", f["latent"], "--out", f["clusters"], "--device", device]
    if qc:
        stages["qc"] = ["qc", "--bins", f["bins"], "--out", f["qc"]]
    run = Run("latentbin", [], version=_version(lb))
    outputs = {"depth": "depth", "tnf": "tnf", "train": "model", "encode": "latent", "markers": "markers"}
    for stage, args in stages.items():
        old = (resume or {}).get(stage)
        if old and old.get("ok") and stage in outputs and f[outputs[stage]].exists():
            run.measures.append(Measure(**{k: old[k] for k in ("name", "wall_s", "cpu_s", "max_rss_mb",
                                                                "rc", "error", "log")}))
            continue
        cmd = lb + [str(a) for a in args] + common
        m = run_timed(cmd, stage, out / "logs" / f"{stage}.log", nice=nice)
        run.measures.append(m)
        if m.ok:
            continue
        if stage == "qc":  # QC is not binning: keep the bins, report the error beside them
            run.steps["qc_error"] = m.error
        else:
            run.error = f"stage {stage} failed: {m.error}"
        break
    if f["clusters"].exists() and "cluster" in [m.name for m in run.measures if m.ok]:
        run.bins = f["clusters"]
    return run
