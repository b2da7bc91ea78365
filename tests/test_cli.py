"""End to end through the CLI on the shipped example (mapped here with minimap2)."""

import shutil
import subprocess

import numpy as np
import pytest

from latentbin.cli import main
from latentbin.depth import Abundance
from tests.helpers import REPO, write_fasta

EXAMPLE = REPO / "resources" / "example"
needs_tools = pytest.mark.skipif(shutil.which("minimap2") is None or shutil.which("samtools") is None,
                                 reason="minimap2/samtools not installed (apt-get install minimap2 samtools)")


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    """The example's contigs and one sorted, indexed BAM per sample."""
    out = tmp_path_factory.mktemp("mapped")
    bams = []
    for line in (EXAMPLE / "samples.tsv").read_text().splitlines()[1:]:
        sample, r1, r2 = line.split("\t")[:3]
        bam = out / f"{sample}.bam"
        mm = subprocess.Popen(["minimap2", "-t", "2", "-ax", "sr", str(EXAMPLE / "contigs.fna.gz"),
                               str(EXAMPLE / r1), str(EXAMPLE / r2)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        subprocess.run(["samtools", "sort", "-o", str(bam), "-"], stdin=mm.stdout, check=True, capture_output=True)
        assert mm.wait() == 0
        subprocess.run(["samtools", "index", str(bam)], check=True)
        bams.append(bam)
    return EXAMPLE / "contigs.fna.gz", bams


@pytest.mark.slow
@needs_tools
def test_run_end_to_end_and_resume(mapped, tmp_path, caplog):
    contigs, bams = mapped
    out = tmp_path / "run"
    args = ["run", "--contigs", str(contigs), "--bam", *map(str, bams), "--outdir", str(out), "--epochs", "3",
            "--threads", "2", "--min-bin-size", "100000"]
    assert main(args) == 0
    for name in ("tnf.npz", "depth.npz", "markers.npz", "model.pt", "train_log.tsv", "latent.npz", "clusters.tsv"):
        assert (out / name).is_file(), name
    ab = Abundance.load(out / "depth.npz")
    assert ab.depth.shape[1] == len(bams) and (ab.depth.sum(1) > 0).all()
    assert list((out / "bins").glob("*.fna")), "no bin written"
    clustered = [l.split("\t")[1] for l in (out / "clusters.tsv").read_text().splitlines()[1:]]
    assert len(clustered) == len(ab.names) == len(set(clustered))
    # resume: delete the clusters, rerun: only cluster and bins are recomputed
    (out / "clusters.tsv").unlink()
    before = (out / "model.pt").stat().st_mtime_ns
    caplog.clear()
    assert main(args) == 0
    assert (out / "model.pt").stat().st_mtime_ns == before
    assert "train: reusing" in caplog.text and "cluster: start" in caplog.text
    # same seed, same input -> same bins (stage by stage through the CLI)
    latent2 = tmp_path / "latent2.npz"
    assert main(["encode", "--model", str(out / "model.pt"), "--tnf", str(out / "tnf.npz"), "--depth",
                 str(out / "depth.npz"), "--out", str(latent2)]) == 0
    np.testing.assert_array_equal(np.load(latent2)["latent"], np.load(out / "latent.npz")["latent"])
    clusters2 = tmp_path / "c2.tsv"
    assert main(["cluster", "--latent", str(latent2), "--out", str(clusters2), "--markers", str(out / "markers.npz"),
                 "--depth", str(out / "depth.npz")]) == 0
    assert clusters2.read_text() == (out / "clusters.tsv").read_text()


@pytest.mark.slow
@needs_tools
def test_bam_from_another_assembly(mapped, tmp_path, capsys):
    _, bams = mapped
    other = write_fasta(tmp_path / "other.fa", [("x1", "ACGT" * 1000)])
    assert main(["depth", "--contigs", str(other), "--bam", str(bams[0]), "--out", str(tmp_path / "d.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("latentbin: error:") and "contig 'x1'" in err and "not in the BAM header" in err
    assert not (tmp_path / "d.npz").exists()


def test_bad_inputs_exit_2_with_one_line(tmp_path, capsys):
    empty = tmp_path / "empty.fa"
    empty.write_text("")
    assert main(["tnf", "--contigs", str(empty), "--out", str(tmp_path / "t.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("latentbin: error:") and "empty.fa" in err
    cfg = tmp_path / "c.yaml"
    cfg.write_text("vae:\n  epochs: -1\n")
    fa = write_fasta(tmp_path / "a.fa", [("a", "ACGT" * 600)])
    assert main(["tnf", "--contigs", str(fa), "--out", str(tmp_path / "t.npz"), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "c.yaml" in err and "vae.epochs" in err
    assert not (tmp_path / "t.npz").exists()


def test_stage_chain_on_synthetic_tables(tmp_path):
    """tnf -> depth (from a table) -> train -> encode -> cluster -> bins, no BAMs needed."""
    rng = np.random.default_rng(0)
    recs, rows = [], ["contig\tS1\tS2\tS3"]
    profiles = rng.random((3, 3)) * 10 + 1
    for g in range(3):
        base = "".join(rng.choice(list("ACGT"), p=[0.1, 0.4, 0.4, 0.1] if g else [0.4, 0.1, 0.1, 0.4], size=40000))
        for k in range(20):
            name = f"g{g}_{k}"
            recs.append((name, base[k * 2000 : (k + 1) * 2000] + "A" * (k % 3)))
            d = profiles[g] * rng.lognormal(0, 0.05, 3)
            rows.append(name + "\t" + "\t".join(f"{v:.3f}" for v in d))
    fa = write_fasta(tmp_path / "c.fa", recs)
    (tmp_path / "d.tsv").write_text("\n".join(rows) + "\n")
    o = tmp_path
    common = ["--threads", "1"]
    assert main(["tnf", "--contigs", str(fa), "--out", str(o / "t.npz"), *common]) == 0
    assert main(["depth", "--contigs", str(fa), "--table", str(o / "d.tsv"), "--out", str(o / "d.npz")]) == 0
    assert main(["train", "--tnf", str(o / "t.npz"), "--depth", str(o / "d.npz"), "--out", str(o / "m.pt"),
                 "--epochs", "2", "--batch-size", "16", "--log", str(o / "log.tsv"), *common]) == 0
    assert main(["encode", "--model", str(o / "m.pt"), "--tnf", str(o / "t.npz"), "--depth", str(o / "d.npz"),
                 "--out", str(o / "l.npz")]) == 0
    assert main(["cluster", "--latent", str(o / "l.npz"), "--out", str(o / "c.tsv"), "--method", "hdbscan",
                 "--no-refine"]) == 0
    assert main(["bins", "--clusters", str(o / "c.tsv"), "--contigs", str(fa), "--outdir", str(o / "bins"),
                 "--min-bin-size", "0"]) == 0
    assert len(list((o / "bins").glob("*.fna"))) >= 1
    assert len((o / "log.tsv").read_text().splitlines()) == 3
