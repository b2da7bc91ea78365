"""The front door: README quick start, its generated config table, CI script, licence."""

import re
import runpy
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
REFERENCE = runpy.run_path(str(ROOT / "tools" / "config_reference.py"))
TEST_COMMAND = "python -m pytest -q tests"


def first_code_block(text):
    return re.search(r"```(?:bash)?\n(.*?)```", text, flags=re.S).group(1)


def test_readme_starts_with_the_two_commands():
    quick = README.index("## Quick start")
    assert quick < README.index("\n## ", quick + 1) < len(README)
    assert README.index("```") > quick, "the first code block is the quick start"
    commands = [line.split("#")[0].strip() for line in first_code_block(README).splitlines() if line.strip()]
    assert commands == ["bash tools/quickstart.sh", TEST_COMMAND]


def test_quickstart_script_runs_the_example_and_says_where_results_are():
    script = (ROOT / "tools" / "quickstart.sh").read_text()
    subprocess.run(["bash", "-n", str(ROOT / "tools" / "quickstart.sh")], check=True)
    assert "set -euo pipefail" in script
    assert "pip install torch==2.13.0" in script and "pip install -e '.[test,workflow,plots]'" in script and ".venv" in script
    assert "-m snakemake --cores" in script
    assert "results/bins" in script and "results/summary.tsv" in script


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")], check=True)
    assert ci.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in ci
    assert f"{TEST_COMMAND} ||" in ci
    first_pip = ci.index("pip install")
    assert ci[first_pip:].startswith("pip install --quiet --disable-pip-version-check torch==2.13.0")
    assert "-e '.[test,workflow,plots]'" in ci
    assert "minimap2 samtools metabat hmmer" in ci


def test_config_reference_table_matches_the_schema():
    start, end = "<!-- config-reference:start -->", "<!-- config-reference:end -->"
    table = README.split(start, 1)[1].split(end, 1)[0]
    assert table.strip() == REFERENCE["markdown"]().strip(), (
        "README config table is out of date: run `python tools/config_reference.py --write`"
    )


def test_readme_documents_outputs_profiles_and_targets():
    for text in ("results/summary.tsv", "results/bins/", "results/benchmarks/", "profiles/slurm",
                 "--gpus=a100:1", "GPU notes", "`depths`", "`embeddings`", "`bins`", "CLI and Python API"):
        assert text in README, text
    for path in ("config/README.md", "profiles/README.md", "resources/example/README.md", "LICENSE"):
        assert (ROOT / path).is_file(), path


def test_license_is_mit():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "2026 latentbin developers" in text


def test_benchmark_table_sums_jobs_per_rule(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    (tmp_path / "map_reads").mkdir()
    for name, secs in (("map_reads/S1.tsv", 2.0), ("map_reads/S2.tsv", 3.5), ("tnf.tsv", 1.0)):
        (tmp_path / name).write_text(header + f"{secs}\t0:00:02\t100\t0\t0\t0\t0\t0\t0\t0\n")
    table = runpy.run_path(str(ROOT / "tools" / "benchmark_table.py"))["table"](tmp_path)
    assert "| map_reads | 2 | 5.5 | 100 |" in table
    assert "| tnf | 1 | 1.0 | 100 |" in table
    assert table.splitlines()[-1].startswith("| total | 3 | 6.5 |")
