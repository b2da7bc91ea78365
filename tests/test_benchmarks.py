"""Smoke test of the benchmark harness (benchmarks/run.py): tiny data, one epoch,
latentbin + MetaBAT2, so the harness cannot rot. Also the scaling script at a toy size.

The tiny dataset is 2 genomes x 2 samples at 2x coverage, simulated with
../shared/tools/simulate_community.py (a few seconds); mapping needs minimap2 + samtools.
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SHARED

REPO = Path(__file__).resolve().parents[1]
GENOMES = [SHARED / "data" / "genomes" / f"MAG_gtdbtk_genome_{i}.fna.gz" for i in (2, 3)]

sys.path.insert(0, str(REPO / "benchmarks"))


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} on PATH (apt-get install {' '.join(missing)})")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    subprocess.run([sys.executable, str(SHARED / "tools" / "simulate_community.py"), "--genomes",
                    *map(str, GENOMES), "--samples", "2", "--mean-coverage", "2", "--seed", "3",
                    "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.mark.slow
@pytest.mark.shared
def test_harness_smoke(tiny: Path, tmp_path: Path) -> None:
    _need("minimap2", "samtools", "metabat2", "jgi_summarize_bam_contig_depths")
    results = tmp_path / "results"
    cmd = [sys.executable, str(REPO / "benchmarks" / "run.py"), "--dataset", str(tiny), "--peers", "metabat2",
           "--epochs", "1", "--threads", "2", "--no-qc", "--work", str(tmp_path / "work"), "--out", str(results),
           "--nice", "0"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    name = tiny.name
    md = (results / f"{name}.md").read_text()
    png = results / f"{name}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert md in p.stdout  # the table is printed too
    rows = [line for line in md.splitlines() if line.startswith("| **")]
    assert [r.split("|")[1].split("**")[1] for r in rows] == ["latentbin", "MetaBAT2"]
    data = json.loads((results / f"{name}.json").read_text())
    assert data["dataset"]["genomes"] == 2 and data["dataset"]["samples"] == 2
    for run in data["runs"]:
        assert run["error"] == "", run["error"]
        s = run["score"]
        assert isinstance(s["NC"], int) and 0 <= s["NC"] <= 2
        assert 0.0 <= s["binned_bp_fraction"] <= 1.0
        assert math.isfinite(s["ari"]) and -1.0 <= s["ari"] <= 1.0
        assert all(isinstance(v, int) for v in s["curve"].values())
        assert all(m["ok"] and m["wall_s"] > 0 and m["max_rss_mb"] > 0 for m in run["measures"])
    stages = [m["name"] for m in data["runs"][0]["measures"]]
    # the package's chain (latentbin.stages), from the filtered contigs to the bins
    assert stages == ["tnf", "depth", "markers", "train", "encode", "cluster", "bins"]
    assert len(data["mapping"]) == 3  # index + one job per sample, done once for both tools
    # the stage rows carry throughput in MB/s for depth and tnf
    for stage in ("depth", "tnf"):
        row = next(line for line in md.splitlines() if line.startswith(f"| ↳ {stage} |"))
        assert float(row.split("|")[12]) > 0
    assert f"; commit `{data['settings']['commit']}`" in md and data["runs"][1]["commit"] == data["settings"]["commit"]
    # a reused run keeps its own date and commit, and the table says it was reused
    p = subprocess.run([*cmd[:cmd.index("--peers")], "--peers", "metabat2", "--reuse", "metabat2", "--no-latentbin",
                        *cmd[cmd.index("--epochs"):]], capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    again = (results / f"{name}.md").read_text()
    row = next(line for line in again.splitlines() if line.startswith("| **MetaBAT2**"))
    assert f"(reused: ran {data['runs'][1]['date']} on commit {data['runs'][1]['commit']})" in row


def test_missing_peer_is_reported(tmp_path: Path, monkeypatch) -> None:
    """A peer that is not installed is a failed row with its error, not a dropped one."""
    from harness import peers, report

    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH, no venvs: every peer is missing
    for tool, runner in peers.PEERS.items():
        run = runner(tmp_path / "contigs.fna", [], tmp_path / tool, 1, venvs=tmp_path / "none")
        assert run.error.startswith("not installed") and run.bins is None, (tool, run.error)
        assert math.isnan(run.total().wall_s)
    results = {"dataset": {"name": "x", "bam_mb": 1.0, "fasta_mb": 1.0}, "runs": [
        {"tool": "Vamb", "version": "", "error": run.error, "steps": {}, "score": None, "measures": []}]}
    md = report.table(results)
    assert "FAILED: not installed" in md
    assert any("did not finish" in t for t in report.targets(results))


@pytest.mark.shared
def test_scores_agree_with_reference_scorer(tiny: Path, tmp_path: Path) -> None:
    """latentbin.score and ../shared/tools/score_bins.py give the same counts and ARI."""
    from harness import scoring

    gold = tiny / "gold_standard.tsv"
    rows = [line.split("\t") for line in gold.read_text().splitlines()[1:]]
    clusters = tmp_path / "clusters.tsv"  # a deliberately imperfect binning: every 3rd contig swapped
    genomes = sorted({r[1] for r in rows})
    with open(clusters, "w") as fh:
        fh.write("bin\tcontig\n")
        for i, r in enumerate(rows):
            g = genomes.index(r[1])
            fh.write(f"b{(1 - g) if i % 3 == 0 else g}\t{r[0]}\n")
    ref = scoring.score_binning(gold, clusters, 2000, 0, scoring._reference_scorer())
    ours = scoring.score_binning(gold, clusters, 2000, 0)
    for key in ("NC", "genomes", "bins", "table", "curve"):
        assert ours[key] == ref[key], key
    for key in ("binned_bp_fraction", "ari", "ari_binned"):
        assert ours[key] == pytest.approx(ref[key], abs=1e-9), key
    assert ours["curve"][0.95] == ours["NC"]


def test_timing_measures_a_command(tmp_path: Path) -> None:
    from harness.timing import run_timed

    m = run_timed([sys.executable, "-c", "x = bytearray(50_000_000); print(len(x))"], "py", tmp_path / "py.log")
    assert m.ok and m.wall_s > 0 and m.max_rss_mb >= 45
    bad = run_timed([sys.executable, "-c", "import sys; sys.exit('boom')"], "bad", tmp_path / "bad.log")
    assert bad.rc == 1 and "boom" in bad.error
    gone = run_timed(["no-such-tool-xyz"], "gone", tmp_path / "gone.log")
    assert gone.rc == 127 and gone.error.startswith("not installed")


@pytest.mark.slow
def test_scaling_toy_size(tmp_path: Path) -> None:
    out = tmp_path / "scaling.md"
    p = subprocess.run([sys.executable, str(REPO / "benchmarks" / "scaling.py"), "--sizes", "600", "--samples", "3",
                        "--epochs", "1", "--threads", "1", "--out", str(out)], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    row = json.loads(out.with_suffix(".json").read_text())["rows"][0]
    assert row["n"] == 600 and row.get("status", "ok") == "ok", row
    assert row["train_s"] > 0 and row["cluster_s"] > 0 and row["cluster_rss_mb"] > 0
    assert -1.0 <= row["ari"] <= 1.0
    assert "| 600 |" in out.read_text()



def test_in_process_throughput_script_runs(mapped):
    """benchmarks/run.py's in-process TNF/depth timing runs on real files (it once broke
    silently when the options became typed: the table lost its throughput rows)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    contigs, bams = mapped
    got = bench.throughput(contigs, bams, [b.stem for b in bams], 1, 2000, 0)
    assert "error" not in got and got["tnf_s"] > 0 and got["depth_s"] > 0, got


def test_vamb_recluster_reuses_the_finished_vamb_run(tmp_path: Path) -> None:
    """The recluster peer takes the vamb peer's latent and clusters and its recorded cost
    (``vamb_measure.json`` beside its output) instead of training Vamb again; a fake
    ``vamb`` counts how often ``vamb bin`` runs."""
    from harness import peers

    exe = tmp_path / "venvs" / "vamb" / "bin" / "vamb"
    exe.parent.mkdir(parents=True)
    exe.write_text(f"""#!{sys.executable}
import sys, pathlib
args = sys.argv[1:]
if args[:1] == ["--version"]:
    print("vamb 5.0.4"); sys.exit(0)
out = pathlib.Path(args[args.index("--outdir") + 1]); out.mkdir(parents=True)
with open({str(tmp_path / "calls")!r}, "a") as f:
    f.write(args[0] + "\\n")
name = "vae_clusters_unsplit.tsv" if args[0] == "bin" else "clusters_reclustered_unsplit.tsv"
(out / name).write_text("clustername\\tcontigname\\nb1\\tc1\\n")
(out / "latent.npz").write_bytes(b"")
""")
    exe.chmod(0o755)
    venvs, contigs = tmp_path / "venvs", tmp_path / "contigs.fna"
    contigs.write_text(">c1\nACGT\n")
    first = peers.run_vamb(contigs, [], tmp_path / "cell" / "vamb", 1, venvs, nice=0)
    assert not first.error and (tmp_path / "cell" / "vamb" / peers.VAMB_MEASURE).exists()
    again = peers.run_vamb_recluster(contigs, [], tmp_path / "cell" / "vamb_recluster", 1, venvs, nice=0)
    assert not again.error and again.bins.name == "clusters_reclustered_unsplit.tsv"
    assert (tmp_path / "calls").read_text().split() == ["bin", "recluster"]  # Vamb trained once
    assert "reused" in again.measures[0].name
    assert again.measures[0].wall_s == pytest.approx(first.measures[0].wall_s)
