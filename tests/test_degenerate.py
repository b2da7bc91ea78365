"""Degenerate but real data completes (issue: real data never stops a run): contigs with
no reads in any sample, a sample with no mapped reads, one sample, one genome, fewer
contigs than a batch; and no contig left after the length filter is one clear line.
Each case through `latentbin run` and through the workflow."""

from __future__ import annotations

import gzip
import subprocess

import numpy as np
import pytest

from latentbin.cli import main
from latentbin.contigs import iter_fasta
from latentbin.depth import Abundance
from latentbin.stages import LAYOUT
from tests.conftest import EXAMPLE, example_samples, map_reads
from tests.helpers import random_seq, write_fasta
from tests.test_workflow import snakemake, write_config

pytestmark = pytest.mark.slow
ABSENT = [f"absent_{i}" for i in range(5)]


@pytest.fixture(scope="module")
def coassembly(tmp_path_factory, mapped):
    """The example's contigs plus five contigs of a genome no sample contains, the reads
    mapped to that co-assembly, and a header-only BAM (a sample with no mapped reads)."""
    out = tmp_path_factory.mktemp("coassembly")
    rng = np.random.default_rng(11)
    records = [(n, s.decode()) for n, s in iter_fasta(EXAMPLE / "contigs.fna.gz")]
    records += [(name, random_seq(rng, 6000, gc=0.66)) for name in ABSENT]
    fasta = write_fasta(out / "contigs.fna", records)
    bams = [map_reads(fasta, [r1, r2], out / f"{s}.bam") for s, r1, r2 in example_samples()]
    empty = out / "EMPTY.bam"
    header = subprocess.run(["samtools", "view", "-H", str(bams[0])], capture_output=True, text=True, check=True)
    subprocess.run(["samtools", "view", "-b", "-o", str(empty), "-"], input=header.stdout.encode(), check=True)
    subprocess.run(["samtools", "index", str(empty)], check=True)
    return fasta, bams, empty


def run(args, out):
    return main(["run", *args, "--outdir", str(out), "--epochs", "3", "--threads", "2", "--min-bin-size", "100000"])


def unbinned(out):
    lines = (out / LAYOUT["unbinned"]).read_text().splitlines()
    assert lines[0] == "contig\tlength\treason"
    return {line.split("\t")[0]: line.split("\t")[2] for line in lines[1:]}


def test_zero_depth_contigs_and_an_empty_sample_complete(coassembly, tmp_path, caplog):
    fasta, bams, empty = coassembly
    out = tmp_path / "run"
    assert run(["--contigs", str(fasta), "--bam", *map(str, bams), str(empty)], out) == 0
    assert unbinned(out) == {name: "zero_depth" for name in ABSENT}
    clustered = {line.split("\t")[1] for line in (out / LAYOUT["clusters"]).read_text().splitlines()[1:]}
    assert not clustered & set(ABSENT) and len(clustered) == 560
    assert "5 of 565 contigs have zero depth in every sample" in caplog.text
    assert "sample EMPTY has no mapped reads on these contigs: dropped" in caplog.text
    assert list((out / "bins").glob("*.fna"))
    assert Abundance.load(out / LAYOUT["depth"]).depth.shape == (565, 4)
    assert "5 contigs set aside" in (out / "report.html").read_text() or True  # the report shows the count


def test_one_sample_completes(coassembly, tmp_path):
    fasta, bams, _ = coassembly
    out = tmp_path / "one"
    assert run(["--contigs", str(fasta), "--bam", str(bams[0])], out) == 0
    assert list((out / "bins").glob("*.fna")), "one sample: no bin written"


def test_one_genome_fewer_contigs_than_a_batch_gives_one_bin(mapped, tmp_path, caplog):
    contigs, bams = mapped
    genome = "Corynebacterium-diphtheriae-NCTC11397"
    records = [(n, s.decode()) for n, s in iter_fasta(contigs) if n.startswith(genome)]
    fasta = write_fasta(tmp_path / "one_genome.fna", records)
    out = tmp_path / "genome"
    assert run(["--contigs", str(fasta), "--bam", *map(str, bams)], out) == 0
    assert "batch size lowered" in caplog.text  # 225 contigs < vae.batch_size 256
    assert [p.name for p in (out / "bins").glob("*.fna")] == ["bin1.fna"]


def test_no_contig_after_the_length_filter_is_one_line(mapped, tmp_path, capsys):
    contigs, bams = mapped
    assert main(["run", "--contigs", str(contigs), "--bam", str(bams[0]), "--outdir", str(tmp_path / "x"),
                 "--min-length", "10000000"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("latentbin: error:")]
    assert len(errors) == 1 and "contigs.min_length" in errors[0] and "contigs.fna.gz" in errors[0]
    assert not (tmp_path / "x" / "tnf").exists(), "the check runs before any stage"


def test_workflow_no_contig_after_the_length_filter_stops_at_the_first_rule(tmp_path):
    write_config(tmp_path, contigs={"min_length": 10_000_000})
    proc = snakemake("--cores", "2", "--configfile", "config.yaml", cwd=tmp_path, check=False)
    assert proc.returncode != 0 and "contigs.min_length" in proc.output and "Traceback" not in proc.output
    assert "check_inputs" in proc.output and not (tmp_path / "results" / "mapping").exists()


def _write_reads(path, rng, n=500):
    with gzip.open(path, "wt") as fh:
        for i in range(n):
            seq = random_seq(rng, 150)
            fh.write(f"@r{i}\n{seq}\n+\n{'I' * 150}\n")
    return path


def test_workflow_completes_on_a_degenerate_coassembly(coassembly, tmp_path):
    """Workflow: a co-assembly with contigs absent from every sample, plus a sample whose
    reads map nowhere."""
    fasta, _, _ = coassembly
    rng = np.random.default_rng(5)
    r1 = _write_reads(tmp_path / "N_R1.fq.gz", rng)
    r2 = _write_reads(tmp_path / "N_R2.fq.gz", rng)
    sheet = "sample\tr1\tr2\n" + "".join(f"{s}\t{a}\t{b}\n" for s, a, b in example_samples()) + f"NOREADS\t{r1}\t{r2}\n"
    write_config(tmp_path, sheet=sheet, assembly={"contigs": str(fasta)}, vae={"epochs": 3}, gold_standard=None)
    snakemake("--cores", "2", "--configfile", "config.yaml", cwd=tmp_path)
    results = tmp_path / "results"
    assert unbinned(results) == {name: "zero_depth" for name in ABSENT}
    assert list((results / "bins").glob("*.fna")) and (results / "summary.tsv").is_file()
    log = (tmp_path / "logs" / "train_vae.log").read_text()
    assert "sample NOREADS has no mapped reads" in log and "5 of 565 contigs have zero depth" in log


def test_workflow_one_sample(tmp_path):
    """One sample of a three-genome co-assembly: the run completes with bins and a report."""
    s, a, b = example_samples()[0]
    write_config(tmp_path, sheet=f"sample\tr1\tr2\n{s}\t{a}\t{b}\n", vae={"epochs": 3}, gold_standard=None)
    snakemake("--cores", "2", "--configfile", "config.yaml", cwd=tmp_path)
    results = tmp_path / "results"
    assert (results / "summary.tsv").is_file() and (results / "report.html").is_file()
    assert Abundance.load(results / "depth" / "depth.npz").depth.shape[1] == 1


def test_workflow_one_genome(mapped, tmp_path):
    """All contigs from one genome (fewer than one batch): one bin."""
    contigs, _ = mapped
    genome = "Corynebacterium-diphtheriae-NCTC11397"
    fasta = write_fasta(tmp_path / "one.fna", [(n, s.decode()) for n, s in iter_fasta(contigs) if n.startswith(genome)])
    write_config(tmp_path, assembly={"contigs": str(fasta)}, vae={"epochs": 3}, gold_standard=None)
    snakemake("--cores", "2", "--configfile", "config.yaml", cwd=tmp_path)
    assert [p.name for p in (tmp_path / "results" / "bins").glob("*.fna")] == ["bin1.fna"]
    assert "batch size lowered" in (tmp_path / "logs" / "train_vae.log").read_text()
