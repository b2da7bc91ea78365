"""latentbin stage by stage through its CLI, each stage timed in its own process.

The stages, their order, their files and their command-line flags all come from the
package (``latentbin.stages.STAGES`` and ``latentbin.cli.PATH_FLAGS``): the harness keeps
no list of its own. The binning stages (BAMs to bins) are timed; ``qc`` is run and
reported apart (the peers do no QC).

``resume`` (stage -> measure dict of an earlier run) skips a stage whose outputs exist
and reuses its measure, so a run that failed late does not retrain.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from latentbin.cli import PATH_FLAGS
from latentbin.stages import LAYOUT, chain

from .peers import Run
from .timing import Measure, run_timed

#: stages after the bins that the BAMs-to-bins time leaves out
AFTER_BINS = ("qc", "score", "summary", "report")


def latentbin_cmd(exe: str | None = None) -> list[str]:
    """The console script when on PATH, else the same entry point through this Python."""
    if exe:
        return [exe]
    found = shutil.which("latentbin")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from latentbin.cli import main; sys.exit(main())"]


def _version(cmd: list[str]) -> str:
    try:
        p = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=120)
        return (p.stdout or p.stderr).strip().splitlines()[-1].split()[-1] if p.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError, IndexError):
        return ""


def stage_args(stage, files: dict, extras: dict) -> list[str]:
    """A stage's command-line arguments from its keys (the flags of ``latentbin.cli``)."""
    args = [stage.name]
    for key in stage.inputs + stage.optional + stage.scratch + stage.outputs:
        if key not in files:
            continue
        flag = "--out" if key == stage.outputs[0] else PATH_FLAGS[key][0]
        value = files[key]
        args += [flag, *(map(str, value) if isinstance(value, (list, tuple)) else [str(value)])]
    for key, value in extras.items():
        if key in ("bam_samples",) and stage.name == "depth":
            args += [PATH_FLAGS[key][0], *value]
    return args


def run_latentbin(contigs: Path, bams: list[Path], samples: list[str], out: Path, threads: int,
                  epochs: int | None = None, device: str = "cpu", seed: int = 1,
                  config: Path | None = None, exe: str | None = None, qc: bool = True,
                  nice: int = 10, resume: dict | None = None) -> Run:
    """Run the chain's stages from depth to bins (+ qc); stop at the first failing one.

    ``contigs`` are already length-filtered (the chain's ``contigs`` stage is skipped)."""
    from latentbin.config import load_layers
    from latentbin.options import Options

    out.mkdir(parents=True, exist_ok=True)
    lb = latentbin_cmd(exe)
    overrides = {"seed": seed, "vae": {"device": device, **({"epochs": epochs} if epochs else {})}}
    opts = Options.from_config(load_layers([config] if config else [], overrides))
    files: dict = {k: out / v for k, v in LAYOUT.items() if "{" not in v}
    files.update(contigs=contigs, bams=list(bams))
    if files["bins"].exists():
        shutil.rmtree(files["bins"])
    common = ["--threads", str(threads), "--seed", str(seed)] + (["--config", str(config)] if config else [])
    run = Run("latentbin", [], version=_version(lb))
    stages = [s for s in chain(opts) if s.name != "contigs" and (s.name not in AFTER_BINS or (qc and s.name == "qc"))]
    for stage in stages:
        old = (resume or {}).get(stage.name)
        if old and old.get("ok") and all(Path(files[k]).exists() for k in stage.outputs):
            run.measures.append(Measure(**{k: old[k] for k in ("name", "wall_s", "cpu_s", "max_rss_mb",
                                                                "rc", "error", "log")}))
            continue
        args = stage_args(stage, files, {"bam_samples": samples})
        if "vae" in stage.options:
            args += ["--device", device] + (["--epochs", str(epochs)] if epochs and stage.name == "train" else [])
        m = run_timed(lb + args + common, stage.name, out / "logs" / f"{stage.name}.log", nice=nice)
        run.measures.append(m)
        if m.ok:
            continue
        if stage.name == "qc":  # QC is not binning: keep the bins, report the error beside them
            run.steps["qc_error"] = m.error
        else:
            run.error = f"stage {stage.name} failed: {m.error}"
        break
    if files["clusters"].exists() and "cluster" in [m.name for m in run.measures if m.ok]:
        run.bins = files["clusters"]
    return run
