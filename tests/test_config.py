"""The shipped config and sample sheet, and what the workflow says about bad ones: every
bad key, value, path or column stops `snakemake -n` before any job, with one line that
names the key (or column) and the file."""

import csv
import gzip
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from latentbin.config import defaults, describe, load_config

ROOT = Path(__file__).resolve().parent.parent
SNAKEFILE = ROOT / "workflow" / "Snakefile"
EXAMPLE = ROOT / "resources" / "example"
REFERENCE = runpy.run_path(str(ROOT / "tools" / "config_reference.py"))


def test_shipped_config_is_generated_from_the_schema():
    assert (ROOT / "config" / "config.yaml").read_text() == REFERENCE["config_yaml"](), (
        "config/config.yaml is out of date: run `python tools/config_reference.py --write`"
    )


def test_shipped_config_has_every_key_at_its_default_but_the_example_paths():
    shipped = load_config(ROOT / "config" / "config.yaml")
    raw = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    flat_default = {key: default for key, default, _ in describe()}
    for key, default in flat_default.items():
        node = raw
        for part in key.split("."):
            assert part in node, f"config/config.yaml lacks key {key}"
            node = node[part]
        expected = REFERENCE["EXAMPLE"].get(key, default)
        assert node == expected, f"config/config.yaml: {key} = {node!r}, schema default {default!r}"
    assert shipped["vae"]["epochs"] == defaults()["vae"]["epochs"]
    text = (ROOT / "config" / "config.yaml").read_text().splitlines()
    for i, line in enumerate(text):  # every leaf key line has a comment right above it
        if line.strip() and not line.lstrip().startswith("#") and not line.rstrip().endswith(":"):
            assert text[i - 1].lstrip().startswith("#"), f"config/config.yaml line {i + 1} has no comment: {line}"


def test_shipped_config_points_at_the_example():
    cfg = load_config(ROOT / "config" / "config.yaml")
    for path in (cfg["samples"], cfg["assembly"]["contigs"], cfg["gold_standard"]):
        assert (ROOT / path).is_file(), path
    with open(ROOT / cfg["samples"]) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [r["sample"] for r in rows] == ["S1", "S2", "S3"]
    for row in rows:
        assert (ROOT / row["r1"]).is_file() and (ROOT / row["r2"]).is_file()


def test_example_is_small_and_its_gold_standard_matches_the_contigs():
    size = sum(p.stat().st_size for p in EXAMPLE.rglob("*") if p.is_file())
    assert size < 20 * 2**20, f"resources/example is {size / 2**20:.1f} MiB"
    with gzip.open(EXAMPLE / "contigs.fna.gz", "rt") as fh:
        contigs = {line[1:].split()[0] for line in fh if line.startswith(">")}
    with open(EXAMPLE / "gold_standard.tsv") as fh:
        gold = list(csv.DictReader(fh, delimiter="\t"))
    assert {g["contig"] for g in gold} == contigs
    assert min(int(g["length"]) for g in gold) >= defaults()["contigs"]["min_length"]
    genomes = {g["genome"] for g in gold}
    # the three genomes resources/example/README.md documents (make_example.sh)
    assert genomes == {"Corynebacterium-diphtheriae-NCTC11397", "Helicobacter-pylori-G27", "MAG-gtdbtk-genome-3"}


def write_sheet(path, header, *rows):
    path.write_text("\t".join(header) + "\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows))
    return path


def dry_run(workdir, cfg):
    """`snakemake -n` with config `cfg` (a dict, written to workdir/bad.yaml)."""
    (workdir / "bad.yaml").write_text(yaml.safe_dump(cfg))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-n", "--configfile", "bad.yaml"]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def good(tmp_path):
    """A valid config dict (the example, absolute paths) and its sheet in tmp_path."""
    reads = EXAMPLE / "reads"
    sheet = write_sheet(
        tmp_path / "samples.tsv", ["sample", "r1", "r2"],
        *[(s, reads / f"{s}_R1.fq.gz", reads / f"{s}_R2.fq.gz") for s in ("S1", "S2", "S3")],
    )
    return {"samples": str(sheet), "assembly": {"contigs": str(EXAMPLE / "contigs.fna.gz")}}


def test_good_config_passes(tmp_path, good):
    rc, out = dry_run(tmp_path, good)
    assert rc == 0, out


READS = EXAMPLE / "reads" / "S1_R1.fq.gz"
BAD_CONFIGS = {
    "unknown top-level key": ({"epochs": 3}, ["bad.yaml", "'epochs' was unexpected"]),
    "unknown nested key": ({"vae": {"epoch": 3}}, ["bad.yaml", "key 'vae'", "'epoch' was unexpected"]),
    "value out of range": ({"vae": {"epochs": 0}}, ["bad.yaml", "key 'vae.epochs'", "minimum"]),
    "value of wrong type": ({"contigs": {"min_length": "long"}}, ["bad.yaml", "key 'contigs.min_length'", "integer"]),
    "value not allowed": ({"assembly": {"mode": "single"}}, ["bad.yaml", "key 'assembly.mode'", "'single'"]),
    "bad preset": ({"mapping": {"default_preset": "illumina"}}, ["bad.yaml", "key 'mapping.default_preset'"]),
    "missing contigs file": ({"assembly": {"contigs": "nope.fna"}}, ["bad.yaml", "key 'assembly.contigs'", "'nope.fna' not found"]),
    "no contigs in coassembly": ({"assembly": {"contigs": None}}, ["bad.yaml", "key 'assembly.contigs' is not set"]),
    "missing sample sheet": ({"samples": "nope.tsv"}, ["bad.yaml", "key 'samples'", "'nope.tsv' not found"]),
    "missing gold standard": ({"gold_standard": "gold.tsv"}, ["bad.yaml", "key 'gold_standard'", "'gold.tsv' not found"]),
}


@pytest.mark.parametrize("case", BAD_CONFIGS, ids=str)
def test_bad_config_stops_with_key_and_file(tmp_path, good, case):
    change, expected = BAD_CONFIGS[case]
    cfg = {**good, **{k: ({**good.get(k, {}), **v} if isinstance(v, dict) else v) for k, v in change.items()}}
    rc, out = dry_run(tmp_path, cfg)
    assert rc != 0
    assert "Building DAG" not in out and "Job stats" not in out, "failed after parsing"
    for text in expected:
        assert text in out, f"{text!r} not in:\n{out}"


BAD_SHEETS = {
    "no sample column": (["name", "r1"], [("S1", READS)], "column 'sample' is missing"),
    "no reads column": (["sample", "reads"], [("S1", READS)], "needs column 'r1'"),
    "unknown column": (["sample", "r1", "R2"], [("S1", READS, READS)], "'R2' was unexpected"),
    "bad sample name": (["sample", "r1"], [("S 1", READS)], "column 'sample'"),
    "duplicate sample": (["sample", "r1"], [("S1", READS), ("S1", READS)], "'S1' occurs twice"),
    "missing read file": (["sample", "r1"], [("S1", "nope.fq.gz")], "sample 'S1', column 'r1': file 'nope.fq.gz' not found"),
    "r1 and long": (["sample", "r1", "long"], [("S1", READS, READS)], "not both"),
    "neither r1 nor long": (["sample", "r1", "long"], [("S1", "", "")], "not neither"),
    "r2 without r1": (["sample", "r1", "r2", "long"], [("S1", "", READS, READS)], "column 'r2' is set but 'r1' is empty"),
    "short preset for long reads": (["sample", "long", "preset"], [("S1", READS, "sr")], "column 'preset' is sr"),
    "unknown preset": (["sample", "r1", "preset"], [("S1", READS, "nanopore")], "column 'preset'"),
}


@pytest.mark.parametrize("case", BAD_SHEETS, ids=str)
def test_bad_sample_sheet_stops_with_column_and_file(tmp_path, good, case):
    header, rows, expected = BAD_SHEETS[case]
    write_sheet(tmp_path / "samples.tsv", header, *rows)
    rc, out = dry_run(tmp_path, good)
    assert rc != 0
    assert "samples.tsv" in out and expected in out, out


def test_per_sample_mode_needs_a_contigs_column(tmp_path, good):
    cfg = {**good, "assembly": {"mode": "per_sample"}}
    rc, out = dry_run(tmp_path, cfg)
    assert rc != 0 and "samples.tsv: column 'contigs' is missing" in out and "per_sample" in out, out
    write_sheet(tmp_path / "samples.tsv", ["sample", "r1", "contigs"], ("S1", READS, ""))
    rc, out = dry_run(tmp_path, cfg)
    assert rc != 0 and "sample 'S1': column 'contigs' is empty" in out, out
    write_sheet(tmp_path / "samples.tsv", ["sample", "r1", "contigs"], ("SC1", READS, EXAMPLE / "contigs.fna.gz"))
    rc, out = dry_run(tmp_path, cfg)
    assert rc != 0 and "separator 'C'" in out and "assembly.separator" in out, out
