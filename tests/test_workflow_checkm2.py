"""workflow/rules/binqc.smk under Snakemake, with a stand-in `checkm2` on PATH.

The real CheckM2 cannot run here (PyPI's 1.0.1 does not install on Python 3.11; the
database download is unreachable), so a small script plays it: it records its argv and
writes quality_report.tsv in CheckM2's real column layout, or the database file for
`checkm2 database --download`. binqc.smk is included from a tiny Snakefile that stands
in for the upstream rules (bins, clusters, depth exist already). No --use-conda: the
env file is checked by parsing it."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from latentbin.checkm2 import checkm2_command, read_checkm2_table
from latentbin.qc import qc_bin

try:  # tests/ may or may not be a package
    from .test_markers import contig_with, write_fasta
except ImportError:
    from test_markers import contig_with, write_fasta

ROOT = Path(__file__).resolve().parent.parent
BINQC = ROOT / "workflow" / "rules" / "binqc.smk"

FAKE_CHECKM2 = r'''#!{python}
"""Stand-in for checkm2: records argv, writes CheckM2 1.x outputs."""
import json, os, sys
with open(os.environ["CHECKM2_ARGV_LOG"], "a") as fh:
    fh.write(json.dumps(sys.argv[1:]) + "\n")
args = sys.argv[1:]
opt = lambda name: args[args.index(name) + 1]
if args[0] == "database":
    path = os.path.join(opt("--path"), "CheckM2_database")
    os.makedirs(path, exist_ok=True)
    open(os.path.join(path, "uniref100.KO.1.dmnd"), "w").write("fake")
    sys.exit(0)
assert args[0] == "predict" and os.path.isfile(opt("--database_path"))
ext = opt("-x")
bins = sorted(f[: -len(ext) - 1] for f in os.listdir(opt("--input")) if f.endswith("." + ext))
os.makedirs(opt("--output-directory"), exist_ok=True)
cols = ["Name", "Completeness", "Contamination", "Completeness_Model_Used", "Translation_Table_Used",
        "Coding_Density", "Contig_N50", "Average_Gene_Length", "Genome_Size", "GC_Content",
        "Total_Coding_Sequences", "Additional_Notes"]
with open(os.path.join(opt("--output-directory"), "quality_report.tsv"), "w") as fh:
    fh.write("\t".join(cols) + "\n")
    for i, b in enumerate(bins):
        fh.write(f"{{b}}\t{{91.5 + i}}\t{{1.25 + i}}\tNeural Network (Specific Model)\t11\t0.876\t12345\t301.2\t"
                 f"2000000\t0.45\t1900\tNone\n")
'''

TINY_SNAKEFILE = """
from snakemake.exceptions import WorkflowError

from latentbin.config import load_config
from latentbin.errors import InputError
from latentbin.options import Options
from latentbin.stages import results_path, stage_params

_validated = load_config(dict(config))
config.clear()
config.update(_validated)
OPTS = Options.from_config(_validated)
SCRIPTS = "../../scripts"
ENVS = "../../envs"
STAGE = f"{{SCRIPTS}}/run_stage.py"
out = results_path


def params_of(stage):
    return stage_params(stage, OPTS)


rule write_bins:
    output:
        bins=directory(out("bins")),
    shell:
        "exit 1"


rule cluster:
    output:
        clusters=out("clusters"),
    shell:
        "exit 1"


rule merge_depth:
    output:
        depth=out("depth"),
    shell:
        "exit 1"


include: "{binqc}"
"""


#: markers of two whole collocated sets of the shipped bacterial sets (data/marker_sets.tsv)
BIN0_MARKERS = ["Methyltransf_5", "Ribosomal_L10", "TIGR00855"]


@pytest.fixture
def workdir(tmp_path):
    """Upstream outputs in place, the tiny Snakefile and a fake checkm2 on PATH."""
    rng = random.Random(5)
    bins = tmp_path / "results" / "bins"
    bins.mkdir(parents=True)
    write_fasta(bins / "bin_0.fna", [("c1", contig_with(BIN0_MARKERS, rng))])
    write_fasta(bins / "bin_1.fna", [("c2", contig_with(["Ribosomal_L4"], rng)), ("c3", contig_with(["TIGR00001"], rng))])
    (tmp_path / "results" / "cluster").mkdir()
    (tmp_path / "results" / "cluster" / "clusters.tsv").write_text("bin\tcontig\nbin_0\tc1\nbin_1\tc2\nbin_1\tc3\n")
    (tmp_path / "results" / "depth").mkdir()
    np.savez(tmp_path / "results" / "depth" / "depth.npz", names=np.array(["c1", "c2", "c3"]),
             samples=np.array(["S1", "S2"]), depth=np.ones((3, 2), dtype=np.float32))
    (tmp_path / "gold.tsv").write_text("contig\tgenome\tlength\nc1\tA\t3000\nc2\tB\t3000\nc3\tB\t3000\n")
    (tmp_path / "Snakefile").write_text(TINY_SNAKEFILE.format(binqc=BINQC))
    fakebin = tmp_path / "fakebin"
    fakebin.mkdir()
    exe = fakebin / "checkm2"
    exe.write_text(FAKE_CHECKM2.format(python=sys.executable))
    exe.chmod(0o755)
    return tmp_path


def snakemake(workdir, cfg, *targets, dry=False):
    (workdir / "config.yaml").write_text(yaml.safe_dump(cfg))
    env = dict(os.environ, PATH=f"{workdir / 'fakebin'}{os.pathsep}{os.environ['PATH']}",
               CHECKM2_ARGV_LOG=str(workdir / "argv.jsonl"))
    cmd = [sys.executable, "-m", "snakemake", *targets, "-s", "Snakefile", "--cores", "1",
           *(["-n"] if dry else []), "--configfile", "config.yaml"]
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    proc.output = proc.stdout + proc.stderr
    return proc


def calls(workdir):
    path = workdir / "argv.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.slow
def test_checkm2_rule_with_download_and_summary(workdir):
    db = "resources/checkm2/CheckM2_database/uniref100.KO.1.dmnd"
    cfg = {"qc": {"checkm2": True, "checkm2_db": db}, "gold_standard": str(workdir / "gold.tsv")}
    proc = snakemake(workdir, cfg, "results/summary.tsv")
    assert proc.returncode == 0, proc.output
    download, predict = calls(workdir)
    assert download == ["database", "--download", "--path", "resources/checkm2"]
    # the command the rule ran is the one latentbin.checkm2 documents (threads capped by --cores 1)
    assert predict == checkm2_command("results/bins", "results/qc/checkm2", db, threads=1)[1:]
    table = read_checkm2_table(workdir / "results" / "qc" / "checkm2.tsv")
    assert table["bin_0"]["checkm2_completeness"] == 91.5 and table["bin_1"]["checkm2_contamination"] == 2.25
    assert table["bin_0"]["genome_size"] == "2000000" and table["bin_0"]["translation_table"] == "11"
    summary = (workdir / "results" / "summary.tsv").read_text().splitlines()
    header = summary[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in summary[1:]]
    assert [r["qc_source"] for r in rows] == ["checkm2", "checkm2"]
    # CheckM2 says > 90 / < 5; MIMAG high also needs the rRNA and tRNA genes, which the
    # built-in QC counts only in bins its own markers put at high (these stand-in bins are not)
    assert [r["cc_tier"] for r in rows] == ["high", "high"]
    assert [r["mimag_tier"] for r in rows] == ["unknown", "unknown"]
    # the built-in QC ran too: its estimate of bin_0 is the library's (two of the shipped sets complete)
    builtin = qc_bin("bin_0", workdir / "results" / "bins" / "bin_0.fna", rna=False)
    assert builtin["completeness"] > 0 and rows[0]["builtin_completeness"] == f"{builtin['completeness']:.2f}"
    assert rows[0]["depth_S1"] == "1.0000"
    assert (workdir / "results" / "score" / "score.tsv").is_file()
    for rule in ("builtin_qc", "checkm2", "checkm2_table", "summary", "score_bins", "download_checkm2_db"):
        assert (workdir / "logs" / f"{rule}.log").is_file(), rule
        assert (workdir / "results" / "benchmarks" / f"{rule}.tsv").is_file(), rule
    assert "MIMAG tier" in (workdir / "logs" / "summary.log").read_text()


def test_missing_database_stops_at_parse_time(workdir):
    proc = snakemake(workdir, {"qc": {"checkm2": True}}, "results/summary.tsv", dry=True)
    assert proc.returncode != 0
    assert "config key qc.checkm2_db is not set but qc.checkm2 is true" in proc.output
    proc = snakemake(workdir, {"qc": {"checkm2": True, "checkm2_db": "/nowhere/x.dmnd"}}, "results/summary.tsv",
                     dry=True)
    assert proc.returncode != 0 and "database file /nowhere/x.dmnd not found" in proc.output
    assert calls(workdir) == [] and not (workdir / "results" / "qc").exists()


def test_checkm2_off_plans_no_checkm2_job(workdir):
    proc = snakemake(workdir, {}, "results/summary.tsv", dry=True)
    assert proc.returncode == 0, proc.output
    assert "rule builtin_qc" in proc.output and "rule summary" in proc.output
    assert "rule checkm2" not in proc.output and "score_bins" not in proc.output


def test_env_file_pins_checkm2():
    env = yaml.safe_load((ROOT / "envs" / "checkm2.yaml").read_text())
    assert env["channels"] == ["conda-forge", "bioconda", "nodefaults"]
    deps = env["dependencies"]
    assert any(isinstance(d, str) and d.replace(" ", "").startswith("checkm2=1.") for d in deps)
    for dep in deps:
        assert isinstance(dep, str) and "=" in dep, f"unpinned dependency {dep!r}"
