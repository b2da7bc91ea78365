"""The Snakemake workflow: lint, dry runs (shipped config, presets, per_sample mode, both
profiles, the SLURM GPU request) and the shipped example end to end with resumption.

Snakemake runs as a subprocess in a temporary working directory (tools from PATH, no
conda), with the workflow from this checkout."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SNAKEFILE = ROOT / "workflow" / "Snakefile"
EXAMPLE = ROOT / "resources" / "example"
# Rules upstream of clustering: deleting clusters.tsv must not rerun any of them.
UPSTREAM = {"filter_contigs", "index_contigs", "map_depth", "merge_depth", "tnf", "train_vae", "encode", "markers"}


def snakemake(*args, cwd, env=None, check=True):
    """Run snakemake on this checkout's workflow; fail with its output on error."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), *map(str, args)]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    proc.output = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.output[-8000:]}")
    return proc


def job_stats(output):
    """{rule: job count} from Snakemake's 'Job stats' table ({} if it planned nothing)."""
    lines = output.splitlines()
    try:
        start = lines.index("Job stats:") + 3
    except ValueError:
        return {}
    stats = {}
    for line in lines[start:]:
        fields = line.split()
        if len(fields) != 2 or fields[0] == "total":
            break
        stats[fields[0]] = int(fields[1])
    return stats


def example_sheet():
    """The shipped sample sheet with absolute paths."""
    return (ROOT / "config" / "samples.tsv").read_text().replace("resources/", f"{ROOT}/resources/")


def write_config(workdir, sheet=None, **sections):
    """config.yaml + samples.tsv (`sheet`, default: the example's) in `workdir` that run
    the shipped example (absolute paths), with `sections` merged over it."""
    (workdir / "samples.tsv").write_text(sheet or example_sheet())
    cfg = {
        "samples": str(workdir / "samples.tsv"),
        "assembly": {"contigs": str(EXAMPLE / "contigs.fna.gz")},
        "gold_standard": str(EXAMPLE / "gold_standard.tsv"),
    }
    for key, value in sections.items():
        cfg[key] = {**cfg.get(key, {}), **value} if isinstance(value, dict) else value
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture
def shipped(tmp_path):
    """A working directory laid out like the repository root (config/ copied,
    resources/ linked), so the default config/config.yaml runs unchanged."""
    (tmp_path / "config").mkdir()
    for name in ("config.yaml", "samples.tsv"):
        (tmp_path / "config" / name).write_text((ROOT / "config" / name).read_text())
    (tmp_path / "resources").symlink_to(ROOT / "resources")
    return tmp_path


def test_lint_is_clean(shipped):
    proc = snakemake("--lint", cwd=shipped, check=False)
    assert proc.returncode == 0, proc.output


def test_dry_run_of_shipped_config_plans_every_stage(shipped):
    stats = job_stats(snakemake("-n", "--cores", "2", cwd=shipped).output)
    n_samples = len((ROOT / "config" / "samples.tsv").read_text().splitlines()) - 1
    assert stats["map_depth"] == n_samples == 3  # depths from minimap2's stream: no BAM, no sort
    assert "map_reads" not in stats and "depth" not in stats
    for rule in UPSTREAM | {"cluster", "write_bins", "summary", "all"}:
        assert stats.get(rule), f"rule {rule} not planned: {stats}"


@pytest.mark.parametrize(
    "target, last", [("depths", "merge_depth"), ("embeddings", "encode"), ("bins", "write_bins")]
)
def test_partial_targets(shipped, target, last):
    stats = job_stats(snakemake(target, "-n", "--cores", "2", cwd=shipped).output)
    assert stats.get(last) == 1 and target in stats
    assert "summary" not in stats


def test_keep_bam_plans_sorted_bams_and_depth_from_them(shipped):
    """mapping.keep_bam: true maps to sorted, kept BAMs (map_reads) and reads depths from them."""
    stats = job_stats(snakemake("-n", "--cores", "2", "--config", "mapping={keep_bam: true}", cwd=shipped).output)
    assert stats["map_reads"] == stats["depth"] == 3 and "map_depth" not in stats


def test_presets_come_from_sheet_or_config(tmp_path):
    reads = EXAMPLE / "reads"
    sheet = (
        "sample\tr1\tr2\tlong\tpreset\n"
        f"A\t{reads}/S1_R1.fq.gz\t{reads}/S1_R2.fq.gz\t\t\n"  # paired: mapping.default_preset
        f"B\t\t\t{reads}/S2_R1.fq.gz\t\n"  # long: mapping.long_preset
        f"C\t\t\t{reads}/S2_R2.fq.gz\tmap-hifi\n"  # long, preset from the sheet
        f"D\t{reads}/S3_R1.fq.gz\t\t\t\n"  # single-end short reads
    )
    write_config(tmp_path, sheet=sheet, mapping={"extra": "-N 5", "keep_bam": True})  # shell commands to read
    out = snakemake("depths", "-n", "-p", "--cores", "2", "--configfile", "config.yaml", cwd=tmp_path).output
    cmds = [line for line in out.splitlines() if "(minimap2 -a " in line]
    assert len(cmds) == 4, out

    def cmd(reads_file):
        return next(c for c in cmds if reads_file in c)

    assert "-x sr -t " in cmd("S1_R1") and "S1_R2.fq.gz" in cmd("S1_R1") and "-N 5" in cmd("S1_R1")
    assert "-x map-ont -t " in cmd("S2_R1")
    assert "-x map-hifi -t " in cmd("S2_R2")
    assert "-x sr -t " in cmd("S3_R1") and "S3_R2" not in cmd("S3_R1")


def test_per_sample_mode_plans_multisplit(tmp_path):
    lines = example_sheet().splitlines()
    rows = [lines[0] + "\tcontigs"] + [f"{row}\t{EXAMPLE / 'contigs.fna.gz'}" for row in lines[1:]]
    write_config(tmp_path, sheet="\n".join(rows) + "\n", assembly={"mode": "per_sample", "contigs": None})
    stats = job_stats(snakemake("-n", "--cores", "2", "--configfile", "config.yaml", cwd=tmp_path).output)
    assert stats["filter_contigs"] == 1 and stats["map_depth"] == 3
    target = "results/contigs/contigs.fna.gz"
    snakemake(target, "--cores", "1", "--configfile", "config.yaml", cwd=tmp_path)
    names = fasta_names(tmp_path / target)
    per_sample = len(fasta_names(EXAMPLE / "contigs.fna.gz"))
    assert len(names) == 3 * per_sample
    assert [n for n in names if n.startswith("S2C")][0] == "S2C" + fasta_names(EXAMPLE / "contigs.fna.gz")[0]


def test_profiles_do_not_switch_on_conda():
    """A profile that sets software-deployment-method makes even `snakemake -n` need conda."""
    for path in [*(ROOT / "profiles").glob("*/config.yaml"), ROOT / "workflow" / "profiles" / "default" / "config.yaml"]:
        keys = set(yaml.safe_load(path.read_text()))
        assert not keys & {"software-deployment-method", "sdm", "use-conda", "use-singularity"}, path
    default = ROOT / "workflow" / "profiles" / "default" / "config.yaml"
    assert yaml.safe_load(default.read_text())["show-failed-logs"] is True
    assert not set(yaml.safe_load(default.read_text())) & {"software-deployment-method", "sdm", "use-conda"}


def test_local_profile_dry_run(tmp_path):
    write_config(tmp_path)
    proc = snakemake("-n", "--profile", ROOT / "profiles" / "local", "--configfile", "config.yaml", cwd=tmp_path)
    assert job_stats(proc.output)["train_vae"] == 1


def fake_slurm(bindir, log):
    """sbatch that records its arguments and refuses the job; silent sinfo/sacct/..."""
    bindir.mkdir()
    (bindir / "sbatch").write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\necho "sbatch: error: test double" >&2\nexit 1\n'
    )
    for tool in ("sinfo", "squeue", "sacct", "scontrol", "sacctmgr", "sshare"):
        (bindir / tool).write_text("#!/bin/sh\nexit 0\n")
    for tool in bindir.iterdir():
        tool.chmod(0o755)


def test_slurm_profile_requests_a_gpu_for_training(tmp_path):
    write_config(tmp_path)
    for path in ("results/tnf/tnf.npz", "results/depth/depth.npz"):  # stand-ins: training is never run
        (tmp_path / path).parent.mkdir(parents=True)
        (tmp_path / path).touch()
    log = tmp_path / "sbatch.log"
    fake_slurm(tmp_path / "bin", log)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    proc = snakemake(
        "results/vae/model.pt", "--profile", ROOT / "profiles" / "slurm", "--configfile", "config.yaml",
        "--allowed-rules", "train_vae", "--retries", "0", "--slurm-init-seconds-before-status-checks", "1",
        cwd=tmp_path, env=env, check=False,
    )
    assert proc.returncode != 0 and "test double" in proc.output
    calls = log.read_text().splitlines()
    assert len(calls) == 1, proc.output
    res = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())["set-resources"]["train_vae"]
    args = calls[0].split(" --wrap=")[0].split()
    assert f"--gpus={res['gpu_model']}:{res['gpu']}" in args
    assert f"--cpus-per-gpu={res['cpus_per_gpu']}" in args
    for flag, value in (("-p", res["slurm_partition"]), ("-t", res["runtime"]), ("--mem", res["mem_mb"])):
        assert args[args.index(flag) + 1] == str(value)
    assert "train_vae" in calls[0]


def fasta_names(path):
    with gzip.open(path, "rt") as fh:
        return [line[1:].split()[0] for line in fh if line.startswith(">")]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The shipped example run once to the end (3 epochs), tools from PATH, umask 022."""
    tmp_path = tmp_path_factory.mktemp("example")
    write_config(tmp_path, vae={"epochs": 3})
    old = os.umask(0o022)
    try:
        first = job_stats(snakemake("--cores", "2", "--configfile", "config.yaml", cwd=tmp_path).output)
    finally:
        os.umask(old)
    return tmp_path, first


RUN = ("--cores", "2", "--configfile", "config.yaml")


@pytest.mark.slow
def test_example_end_to_end_then_resume(finished):
    """The shipped example gives bins, a summary and readable files; deleting clusters.tsv
    reruns only what depends on it."""
    tmp_path, first = finished
    assert first["map_depth"] == 3 and first["summary"] == 1

    results = tmp_path / "results"
    contigs = fasta_names(results / "contigs" / "contigs.fna.gz")
    clusters = (results / "cluster" / "clusters.tsv").read_text().splitlines()
    assert clusters[0] == "bin\tcontig"
    assert sorted(line.split("\t")[1] for line in clusters[1:]) == sorted(contigs)
    bins = sorted((results / "bins").glob("*.fna"))
    assert bins, "no bin FASTA written"
    summary = (results / "summary.tsv").read_text().splitlines()
    assert len(summary) >= 2 and all(b.stem in "\n".join(summary) for b in bins)
    # the example's three genomes are recovered near-complete (score.tsv, from the gold standard)
    from latentbin.score import read_score

    assert read_score(results / "score" / "score.tsv")["NC"] == 3
    assert not list((results / "mapping").glob("*.bam")), "no BAM is written unless mapping.keep_bam"
    assert (results / "vae" / "train_log.tsv").read_text().count("\n") >= 3
    for rule in ("filter_contigs", "tnf", "merge_depth", "train_vae", "encode", "cluster"):
        assert (tmp_path / "logs" / f"{rule}.log").is_file()
        assert (results / "benchmarks" / f"{rule}.tsv").is_file()
    assert "minimap2: [M::main] Real time" in (tmp_path / "logs" / "map_depth" / "S1.log").read_text()
    # outputs honour the umask (022): others can read the bins on shared storage
    assert (results / "summary.tsv").stat().st_mode & 0o777 == 0o644
    assert (results / "bins").stat().st_mode & 0o777 == 0o755
    assert bins[0].stat().st_mode & 0o777 == 0o644

    trained = {p: p.stat().st_mtime_ns for p in (results / "vae" / "model.pt", results / "depth" / "depth.npz")}
    saved = (results / "cluster" / "clusters.tsv").read_text()
    (results / "cluster" / "clusters.tsv").unlink()
    planned = job_stats(snakemake("-n", *RUN, cwd=tmp_path).output)
    assert {"cluster", "write_bins", "summary"} <= set(planned)
    assert not set(planned) & UPSTREAM, f"resumption would rerun upstream jobs: {planned}"

    rerun = job_stats(snakemake(*RUN, cwd=tmp_path).output)
    assert rerun == planned
    assert all(p.stat().st_mtime_ns == t for p, t in trained.items())
    assert (results / "cluster" / "clusters.tsv").read_text() == saved  # same seed, same clusters
    assert "Nothing to be done" in snakemake("-n", *RUN, cwd=tmp_path).output


DOWNSTREAM_OF_TRAIN = {"train_vae", "encode", "cluster", "write_bins", "builtin_qc", "score_bins", "summary", "report",
                       "all"}


@pytest.mark.slow
@pytest.mark.parametrize("edit, expected", [
    ({"vae": {"epochs": 7}}, DOWNSTREAM_OF_TRAIN),
    ({"contigs": {"min_length": 5000}}, None),  # everything but the read checks: the contig set changes
    ({"cluster": {"method": "hdbscan"}}, {"cluster", "write_bins", "builtin_qc", "score_bins", "summary", "report",
                                          "all"}),
    ({"bins": {"min_bin_size": 1000}}, {"write_bins", "builtin_qc", "score_bins", "summary", "report", "all"}),
    # depths come from minimap2's stream (mapping.keep_bam: false), so new depths map the reads again
    ({"depth": {"min_identity": 0.9}}, {"map_depth", "merge_depth"} | DOWNSTREAM_OF_TRAIN),
])
def test_config_edits_rerun_exactly_the_affected_rules(finished, edit, expected):
    """Editing the YAML after a finished run reruns the rules that use the key and their
    downstream jobs, and nothing else (each rule passes its options as params)."""
    tmp_path, first = finished
    cfg = yaml.safe_load((tmp_path / "config.yaml").read_text())
    for section, values in edit.items():
        cfg[section] = {**cfg.get(section, {}), **values}
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(cfg))
    planned = set(job_stats(snakemake("-n", "--cores", "2", "--configfile", edited, cwd=tmp_path).output))
    assert planned == (expected if expected is not None else set(first) - {"check_reads"}), planned


@pytest.mark.slow
def test_nested_config_override_on_the_command_line(finished):
    """`--config vae='{epochs: 100}'` arrives as strings; it is typed by the schema."""
    tmp_path, _ = finished
    out = snakemake("-n", *RUN, "--config", "vae={epochs: 100}", cwd=tmp_path).output
    assert job_stats(out).get("train_vae") == 1
    bad = snakemake("-n", *RUN, "--config", "vae={epochs: many}", cwd=tmp_path, check=False)
    assert bad.returncode != 0 and "--config: key 'vae.epochs'" in bad.output


@pytest.mark.slow
def test_depths_equal_a_plain_minimap2_sr_bam(finished, tmp_path):
    """The workflow's index is built with the preset: its depths equal those of a plain
    `minimap2 -ax sr | samtools sort` BAM of the same reads."""
    import numpy as np

    from latentbin.cli import main
    from latentbin.depth import Abundance

    run, _ = finished
    contigs = run / "results" / "contigs" / "contigs.fna.gz"
    sample, r1, r2 = (ROOT / "config" / "samples.tsv").read_text().splitlines()[1].split("\t")[:3]
    bam = tmp_path / f"{sample}.bam"
    mm = subprocess.Popen(["minimap2", "-t", "2", "-ax", "sr", str(contigs), str(ROOT / r1), str(ROOT / r2)],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    subprocess.run(["samtools", "sort", "-o", str(bam), "-"], stdin=mm.stdout, check=True, capture_output=True)
    assert mm.wait() == 0
    subprocess.run(["samtools", "index", str(bam)], check=True)
    assert main(["depth", "--contigs", str(contigs), "--bam", str(bam), "--out", str(tmp_path / "d.npz")]) == 0
    plain = Abundance.load(tmp_path / "d.npz").depth[:, 0]
    workflow = Abundance.load(run / "results" / "depth" / "depth.npz")
    np.testing.assert_allclose(workflow.depth[:, list(workflow.samples).index(sample)], plain, rtol=1e-6)
    assert "overridden by parameters used in the prebuilt index" not in (run / "logs" / "map_depth" / f"{sample}.log").read_text()


def test_a_failing_rule_shows_its_one_line_cause(tmp_path):
    """Bad input stops the rule with the InputError line on the terminal (the default
    profile's show-failed-logs), not a traceback."""
    bad = tmp_path / "bad.fa"
    bad.write_text(">c1\nACGTXX\n")
    write_config(tmp_path, assembly={"contigs": str(bad)})
    proc = snakemake("results/contigs/contigs.fna.gz", *RUN, cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert "latentbin: error:" in proc.output and "invalid sequence character 'X'" in proc.output
    assert "Traceback" not in proc.output


def test_a_configfile_replaces_the_shipped_example_config(shipped):
    """A --configfile that omits gold_standard is not scored against the example's (the
    shipped config/config.yaml sets one): the user's file replaces it, keys default."""
    own = {"samples": "config/samples.tsv", "assembly": {"contigs": "resources/example/contigs.fna.gz"}}
    (shipped / "mine.yaml").write_text(yaml.safe_dump(own))
    mine = job_stats(snakemake("-n", "--cores", "2", "--configfile", "mine.yaml", cwd=shipped).output)
    assert "score_bins" not in mine and mine["summary"] == 1
    assert job_stats(snakemake("-n", "--cores", "2", cwd=shipped).output)["score_bins"] == 1
