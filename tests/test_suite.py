"""The benchmark suite builder (benchmarks/suite/build.py): CI smoke dataset and genome manifest."""
from __future__ import annotations

import csv
import filecmp
import gzip
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import REPO, SHARED

BUILD = REPO / "benchmarks" / "suite" / "build.py"
GENOMES = REPO / "benchmarks" / "suite" / "genomes"


def _load_suite(script: str):
    """benchmarks/suite/<script>.py as a module (the suite's scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(f"suite_{script}", REPO / "benchmarks" / "suite" / f"{script}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _smoke(out: Path) -> Path:
    env = dict(os.environ, LATENTBIN_SHARED=str(SHARED))
    subprocess.run([sys.executable, str(BUILD), "--out", str(out), "--smoke"], check=True, env=env,
                   capture_output=True)
    return out / "smoke"


def _fasta_names(path: Path) -> list[str]:
    with gzip.open(path, "rt") as fh:
        return [line[1:].split()[0] for line in fh if line.startswith(">")]


def _all_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.shared
def test_smoke_dataset_is_complete_and_deterministic(tmp_path):
    t0 = time.time()
    a = _smoke(tmp_path / "a")
    assert time.time() - t0 < 30
    b = _smoke(tmp_path / "b")
    # layout benchmarks/run.py --dataset DIR reads
    for name in ("contigs.fna.gz", "samples.tsv", "gold_standard.tsv", "dataset.json"):
        assert (a / name).is_file(), name
    with open(a / "gold_standard.tsv") as fh:
        gold = list(csv.DictReader(fh, delimiter="\t"))
    assert {"contig", "genome", "length"} <= set(gold[0])
    contigs = _fasta_names(a / "contigs.fna.gz")
    assert contigs and len(contigs) == len(set(contigs))
    assert sorted(contigs) == sorted(r["contig"] for r in gold), "gold standard must cover every contig exactly once"
    assert len({r["genome"] for r in gold}) == 3
    with open(a / "samples.tsv") as fh:
        samples = list(csv.DictReader(fh, delimiter="\t"))
    assert [s["sample"] for s in samples] == ["S1", "S2"]
    for s in samples:
        assert (a / s["r1"]).stat().st_size > 0 and (a / s["r2"]).stat().st_size > 0
    # dataset.json names the contigs and gold standard it was built with
    info = json.loads((a / "dataset.json").read_text())
    for key, name in (("contigs_sha256", "contigs.fna.gz"), ("gold_sha256", "gold_standard.tsv")):
        assert info[key] == hashlib.sha256((a / name).read_bytes()).hexdigest(), key
    # two builds give byte-identical files
    assert _all_files(a) == _all_files(b)
    match, mismatch, errors = filecmp.cmpfiles(a, b, _all_files(a), shallow=False)
    assert not mismatch and not errors, mismatch + errors


def test_manifest_matches_genome_files():
    with open(GENOMES / "MANIFEST.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) >= 30
    names = {r["name"] for r in rows}
    assert names == {p.name[: -len(".fna.gz")] for p in GENOMES.glob("*.fna.gz")}
    for r in rows:
        data = (GENOMES / f"{r['name']}.fna.gz").read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"], r["name"]
        assert r["licence"] and r["repo"] and len(r["commit"]) == 40


def test_dataset_table_uses_known_genomes_and_two_novel_communities():
    mod = _load_suite("build")
    with open(GENOMES / "MANIFEST.tsv") as fh:
        known = {r["name"] for r in csv.DictReader(fh, delimiter="\t")}
    for name in ("novel-a", "novel-b"):
        genomes = mod.DATASETS[name]["genomes"]
        assert len(genomes) >= 20 and len(set(genomes)) == len(genomes)
        assert set(genomes) <= known, set(genomes) - known
    assert mod.DATASETS["dev-strains"]["sigma"] == 0.0  # equal abundances


def test_unknown_dataset_is_refused(tmp_path):
    r = subprocess.run([sys.executable, str(BUILD), "--out", str(tmp_path), "--only", "nope"],
                       capture_output=True, text=True, env=dict(os.environ, LATENTBIN_SHARED=str(SHARED)))
    assert r.returncode != 0


def _report(tmp_path: Path, work: Path, *args: str) -> str:
    """run.py --report-only over the cells under ``work``: the table's markdown."""
    out = tmp_path / "suite.md"
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "suite" / "run.py"), "--report-only",
                        "--work", str(work), "--cells", str(work), "--out", str(out), *args],
                       capture_output=True, text=True, env=dict(os.environ, LATENTBIN_SHARED=str(SHARED)))
    assert r.returncode == 0, r.stderr
    return out.read_text()


def _write_cell(path: Path, **cell) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(cell))


def test_runner_report_marks_cells_not_run_and_summarises_seeds(tmp_path):
    work = tmp_path / "work"
    for seed, nc in ((1, 4), (2, 6), (3, 5)):
        _write_cell(work / "dev-2s" / "latentbin" / f"seed{seed}" / "cell.json", tool="latentbin", error="",
                    NC=nc, MQ=nc + 1, binned_mbp=20.0, wall_s=100.0 + seed, seed=seed)
    md = _report(tmp_path, work, "--datasets", "dev-2s")
    assert "| latentbin | 5 [4–6] | 6 [5–7] | – | 20.0 [20.0–20.0] | 102 [101–103] | 3/3 runs, 3 on older code" in md
    assert "| MetaBAT2 | not run |" in md and "Git commit:" in md


def test_summary_compares_a_peer_on_the_datasets_it_ran_on(tmp_path):
    """A peer run on part of the suite (SemiBin2 where time allowed) is summed and
    compared with latentbin on those datasets only; the others keep their full sums."""
    work = tmp_path / "work"
    cells = {("dev-2s", "latentbin/seed1"): (7, 8), ("dev-1s", "latentbin/seed1"): (5, 9),
             ("dev-2s", "vamb"): (6, 7), ("dev-1s", "vamb"): (4, 8), ("dev-1s", "semibin2"): (6, 9)}
    for (name, sub), (nc, mq) in cells.items():
        _write_cell(work / name / sub / "cell.json", tool=sub.split("/")[0], error="", NC=nc, MQ=mq,
                    binned_mbp=20.0, wall_s=100.0, seed=1)
    md = _report(tmp_path, work, "--seeds", "1", "--datasets", "dev-2s,dev-1s")
    assert "| dev-1s | 5 / 9 | 4 / 8 | 6 / 9 | no (5 vs 6) | yes |" in md
    assert "**12 / 17** (2) | **10 / 15** (2) | **6 / 9** (1) |" in md
    assert "latentbin vs Vamb 5.0.4 over the 2 datasets both ran on: NC 12 vs 10 (1.20x)" in md
    assert "latentbin vs SemiBin2 over dev-1s, the one dataset both ran on: NC 5 vs 6 (0.83x), MQ 9 vs 9" in md


def test_run_by_names_each_tools_command_and_falls_back_for_old_cells(tmp_path):
    """A section names, per tool, the command recorded in its cells; cells from before
    per-cell commands fall back to every command that touched the dataset."""
    work = tmp_path / "work"
    ds = work / "dev-2s"
    _write_cell(ds / "latentbin" / "seed1" / "cell.json", tool="latentbin", error="", NC=7, MQ=8, binned_mbp=20.0,
                wall_s=100.0, seed=1, command="python benchmarks/suite/run.py --tools latentbin")
    _write_cell(ds / "vamb" / "cell.json", tool="vamb", error="", NC=6, MQ=7, binned_mbp=20.0, wall_s=90.0, seed=1)
    (ds / "dataset_info.json").write_text(json.dumps({
        "contigs": 6, "min_contig": 2000, "bp": 600000, "samples": 2, "preset": "sr",
        "commands": ["python benchmarks/suite/run.py --tools latentbin", "python benchmarks/suite/run.py --tools vamb"]}))
    md = _report(tmp_path, work, "--seeds", "1", "--datasets", "dev-2s")
    assert "Run by (latentbin): `python benchmarks/suite/run.py --tools latentbin`  \n" in md
    assert ("Run by (Vamb 5.0.4: cells without a recorded command), one of: `python benchmarks/suite/run.py "
            "--tools latentbin`; `python benchmarks/suite/run.py --tools vamb`") in md
    assert "Run by (MetaBAT2)" not in md


def test_rescore_adds_chimeric_bins_from_the_stored_binning(tmp_path):
    data, work = tmp_path / "data", tmp_path / "work"
    (data / "dev-2s").mkdir(parents=True)
    (data / "dev-2s" / "gold_standard.tsv").write_text(
        "contig\tgenome\tlength\n" + "".join(f"a{i}\tA\t100000\n" for i in range(3))
        + "".join(f"b{i}\tB\t100000\n" for i in range(3)))
    cell_dir = work / "dev-2s" / "latentbin" / "seed1"
    (cell_dir / "run" / "cluster").mkdir(parents=True)
    # bin x: A whole (pure); bin y: B plus one contig of A (67 % B: chimeric)
    (cell_dir / "run" / "cluster" / "clusters.tsv").write_text(
        "bin\tcontig\n" + "".join(f"x\ta{i}\n" for i in range(2)) + "y\ta2\n" + "".join(f"y\tb{i}\n" for i in range(3)))
    (cell_dir / "cell.json").write_text(json.dumps({"tool": "latentbin", "error": "", "NC": 0, "MQ": 0, "wall_s": 1.0}))
    (work / "dev-2s" / "dataset_info.json").write_text(json.dumps({"min_contig": 2000, "bp": 600000, "contigs": 6, "samples": 2, "preset": "sr"}))
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "suite" / "run.py"), "--rescore", "--datasets", "dev-2s",
                        "--data", str(data), "--work", str(work), "--cells", str(work), "--out", str(tmp_path / "suite.md")],
                       capture_output=True, text=True, env=dict(os.environ, LATENTBIN_SHARED=str(SHARED)))
    assert r.returncode == 0, r.stderr
    cell = json.loads((cell_dir / "cell.json").read_text())
    assert cell["chimeric"] == 1 and cell["MQ"] == 1 and cell["bins_path"].endswith("clusters.tsv")


@pytest.mark.shared
@pytest.mark.slow
def test_suite_runner_smoke_end_to_end(tmp_path):
    """build.py --smoke, then run.py with latentbin and MetaBAT2: mapping, both binners,
    scoring and the table, as the full suite runs them (keeps the suite from rotting)."""
    import shutil

    if shutil.which("metabat2") is None or shutil.which("minimap2") is None:
        pytest.skip("metabat2/minimap2 not installed (apt-get install metabat minimap2 samtools)")
    _smoke(tmp_path / "data")
    out, cells = tmp_path / "suite.md", tmp_path / "cells"
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "suite" / "run.py"), "--data", str(tmp_path / "data"),
                        "--datasets", "smoke", "--tools", "latentbin,metabat2", "--seeds", "1", "--threads", "2",
                        "--min-bin-bp", "50000", "--nice", "0", "--work", str(tmp_path / "work"), "--cells", str(cells),
                        "--out", str(out)],
                       capture_output=True, text=True, env=dict(os.environ, LATENTBIN_SHARED=str(SHARED)))
    assert r.returncode == 0, r.stderr[-2000:]
    for sub in ("latentbin/seed1", "metabat2"):
        cell = json.loads((cells / "smoke" / sub / "cell.json").read_text())  # records apart from outputs
        assert not cell["error"], cell["error"]
        assert cell["binned_mbp"] > 0.1 and cell["bins"] >= 1 and cell["chimeric"] is not None
    md = out.read_text()
    assert "## smoke" in md and "| latentbin | " in md and "| MetaBAT2 | " in md
    assert "Run by (latentbin): `python benchmarks/suite/run.py --data " in md  # each cell keeps its command
    # one clustering ablation from the default run: training and the input stages reused
    abl = tmp_path / "ablations.md"
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "suite" / "ablate.py"), "--data", str(tmp_path / "data"),
                        "--work", str(tmp_path / "work"), "--cells", str(cells), "--datasets", "smoke",
                        "--variant", "no-recruit=--no-recruit",
                        "--min-bin-bp", "50000", "--nice", "0", "--out", str(abl)],
                       capture_output=True, text=True, env=dict(os.environ, LATENTBIN_SHARED=str(SHARED)))
    assert r.returncode == 0, r.stderr[-2000:]
    cell = json.loads((cells / "smoke" / "ablate" / "no-recruit" / "seed1" / "cell.json").read_text())
    assert not cell["error"], cell["error"]
    log = (tmp_path / "work" / "smoke" / "ablate" / "no-recruit" / "seed1" / "latentbin.log").read_text()
    assert "train: start" not in log and "depth: start" not in log
    assert "| smoke | " in abl.read_text()


def test_ablation_report_has_a_table_per_standard_group(tmp_path):
    """ablate.py --standard --report-only: clustering, training and one-sample tables, the
    baseline column from run.py's cells, not-run cells marked, sums over datasets."""
    work = tmp_path / "work"
    for ds in ("dev", "dev-1s"):
        for seed in (1, 2, 3):
            _write_cell(work / ds / "latentbin" / f"seed{seed}" / "cell.json", error="", NC=4 + seed, MQ=8,
                        chimeric=0, wall_s=10.0)
        _write_cell(work / ds / "ablate" / "no-recruit" / "seed1" / "cell.json", error="", NC=9, MQ=9, chimeric=1,
                    wall_s=2.0)
    out = tmp_path / "abl.md"
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "suite" / "ablate.py"), "--report-only", "--standard",
                        "--datasets", "dev,dev-1s", "--work", str(work), "--cells", str(work), "--out", str(out)],
                       capture_output=True, text=True, env=dict(os.environ, LATENTBIN_SHARED=str(SHARED)))
    assert r.returncode == 0, r.stderr
    md = out.read_text()
    assert "## clustering" in md and "## training" in md and "## one sample" in md
    clustering = md.split("## clustering")[1].split("## training")[0]
    assert "| dev | 6.0 [5.0–7.0] / 8.0 [8.0–8.0] / 0.0 [0.0–0.0] | 9 / 9 / 1 | not run |" in clustering
    assert "**12.0 / 16.0 / 0.0** (2)" in clustering and "**18.0 / 18.0 / 2.0** (2)" in clustering
    one = md.split("## one sample")[1]
    assert "| dev-1s |" in one and "| dev |" not in one  # the one-sample group runs on dev-1s only


def test_cached_latentbin_cells_are_keyed_by_code(tmp_path):
    """A latentbin cell is reused only when it ran on the current package (code and
    defaults fingerprint); a peer's cell stands as it is; the table names older cells."""
    run = _load_suite("run")
    now = run.code_fingerprint()
    assert len(now) == 12 and now != "?"
    cell = tmp_path / "cell.json"
    assert not run.fresh(cell, "latentbin")  # never ran
    cell.write_text(json.dumps({"error": "", "NC": 1, "MQ": 1, "code": now}))
    assert run.fresh(cell, "latentbin")
    cell.write_text(json.dumps({"error": "", "NC": 1, "MQ": 1, "code": "0123456789ab"}))
    assert not run.fresh(cell, "latentbin") and run.fresh(cell, "metabat2")
    cell.write_text(json.dumps({"error": "", "NC": 1, "MQ": 1}))  # written before cells had a fingerprint
    assert not run.fresh(cell, "latentbin")
    cell.write_text(json.dumps({"error": "timed out after 5400 s", "code": now}))  # a failed run is run again
    assert not run.fresh(cell, "latentbin") and not run.fresh(cell, "semibin2")

    work = tmp_path / "work"
    for seed, code in ((1, now), (2, "0123456789ab")):
        _write_cell(work / "dev-2s" / "latentbin" / f"seed{seed}" / "cell.json", error="", NC=3, MQ=4,
                    binned_mbp=1.0, wall_s=5.0, code=code, commit="abc123")
    md = _report(tmp_path, work, "--seeds", "1,2", "--datasets", "dev-2s")
    assert "2/2 runs, 1 on older code" in md and "Cells ran on commit `abc123`" in md


def test_ablation_variants_use_the_default_runs_bam_order(tmp_path):
    """With 10 samples or more a sorted glob puts S10 before S2: the variant's depth inputs
    would differ from the default run's and the depth stage would rerun (a failed cell).
    ablate.py takes the BAMs in the order the default run's depth stage recorded."""
    ablate = _load_suite("ablate")
    work, order = tmp_path / "dev-15s", [f"S{i}" for i in range(1, 13)]
    (work / "bam").mkdir(parents=True)
    (work / "contigs2000.fna").write_text(">c\nACGT\n")
    for s in order:
        (work / "bam" / f"{s}.bam").touch()
    base = work / "latentbin" / "seed1" / "run"
    (base / ".latentbin").mkdir(parents=True)
    (base / ".latentbin" / "depth.json").write_text(json.dumps(
        {"options": {}, "inputs": {"bams": [str(work / "bam" / f"{s}.bam") for s in order]}}))
    contigs, bams, samples = ablate._inputs(work, base)
    assert contigs == work / "contigs2000.fna"
    assert samples == order and [b.name for b in bams] == [f"{s}.bam" for s in order]


def test_recorded_cells_need_neither_data_nor_mapping(tmp_path):
    """A dataset whose requested cells are all recorded (a peer's, latentbin's on the
    current code) is skipped before its data or BAMs are needed: on a machine without the
    work folder only the missing cells run. ``--pending`` lists the datasets with any."""
    run = _load_suite("run")
    cells = tmp_path / "cells"
    for seed in (1, 2):
        _write_cell(cells / "dev-2s" / "latentbin" / f"seed{seed}" / "cell.json", error="", NC=3, MQ=4,
                    binned_mbp=1.0, wall_s=5.0, code=run.code_fingerprint())
    _write_cell(cells / "dev-2s" / "metabat2" / "cell.json", error="", NC=2, MQ=3, binned_mbp=1.0, wall_s=1.0)
    _write_cell(cells / "dev-1s" / "latentbin" / "seed1" / "cell.json", error="", NC=3, MQ=4, binned_mbp=1.0,
                wall_s=5.0, code="0123456789ab")

    def suite(*args: str) -> str:
        r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "suite" / "run.py"), "--cells", str(cells),
                            "--data", str(tmp_path / "no-data"), "--work", str(tmp_path / "work"), "--seeds", "1,2",
                            "--tools", "latentbin,metabat2", "--out", str(tmp_path / "suite.md"), *args],
                           capture_output=True, text=True, env=dict(os.environ, LATENTBIN_SHARED=str(SHARED)))
        assert r.returncode == 0, r.stderr
        return r.stdout

    assert suite("--pending", "--datasets", "dev-2s,dev-1s").split() == ["dev-1s"]  # stale code, seed 2 missing
    out = suite("--datasets", "dev-2s,dev-1s")
    assert "dev-2s: every requested cell is recorded" in out and "dev-2s: not built" not in out
    assert "dev-1s: not built" in out and not (tmp_path / "work" / "dev-2s").exists()
