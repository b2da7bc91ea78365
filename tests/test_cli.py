"""End to end through the CLI on the shipped example (mapped here with minimap2)."""

import json
import shutil

import numpy as np
import pytest

from latentbin.cli import main
from latentbin.depth import Abundance
from latentbin.stages import LAYOUT
from tests.helpers import REPO, write_fasta

EXAMPLE = REPO / "resources" / "example"
needs_tools = pytest.mark.skipif(shutil.which("minimap2") is None or shutil.which("samtools") is None,
                                 reason="minimap2/samtools not installed (apt-get install minimap2 samtools)")


@pytest.mark.slow
@needs_tools
def test_run_end_to_end_and_resume(mapped, tmp_path, caplog):
    contigs, bams = mapped
    out = tmp_path / "run"
    args = ["run", "--contigs", str(contigs), "--bam", *map(str, bams), "--outdir", str(out), "--epochs", "3",
            "--threads", "2", "--min-bin-size", "100000"]
    assert main(args) == 0
    for key in ("contigs", "tnf", "depth", "markers", "model", "train_log", "train_info", "latent", "clusters",
                "unbinned", "qc", "summary", "report"):
        assert (out / LAYOUT[key]).is_file(), key
    ab = Abundance.load(out / LAYOUT["depth"])
    assert ab.depth.shape[1] == len(bams) and (ab.depth.sum(1) > 0).all()
    assert list((out / "bins").glob("*.fna")), "no bin written"
    clustered = [l.split("\t")[1] for l in (out / LAYOUT["clusters"]).read_text().splitlines()[1:]]
    assert len(clustered) == len(ab.names) == len(set(clustered))
    info = json.loads((out / "run_info.json").read_text())
    assert set(info["stages"]) >= {"contigs", "tnf", "depth", "train", "cluster", "bins", "report"}
    # resume: delete the clusters, rerun: only cluster and what follows are recomputed
    (out / LAYOUT["clusters"]).unlink()
    before = (out / LAYOUT["model"]).stat().st_mtime_ns
    caplog.clear()
    assert main(args) == 0
    assert (out / LAYOUT["model"]).stat().st_mtime_ns == before
    assert "train: reusing" in caplog.text and "cluster: start" in caplog.text
    refined = (out / LAYOUT["clusters"]).read_text()
    # a changed option reruns its stage and what follows, not the stages before it
    caplog.clear()
    assert main(args + ["--no-refine"]) == 0
    assert "encode: reusing" in caplog.text and "cluster: options or inputs changed" in caplog.text
    assert "markers: " not in caplog.text
    plain_clusters = (out / LAYOUT["clusters"]).read_text()
    assert main(args) == 0 and (out / LAYOUT["clusters"]).read_text() == refined != plain_clusters
    # an option that cannot change a result (how often checkpoints are saved) reruns nothing
    caplog.clear()
    assert main(args + ["--checkpoint-every", "7"]) == 0
    assert "train: reusing" in caplog.text and "cluster: reusing" in caplog.text  # (the report shows the config: rebuilt)
    # same seed, same input -> same bins (stage by stage through the CLI)
    latent2 = tmp_path / "latent2.npz"
    assert main(["encode", "--model", str(out / LAYOUT["model"]), "--tnf", str(out / LAYOUT["tnf"]), "--depth",
                 str(out / LAYOUT["depth"]), "--out", str(latent2)]) == 0
    np.testing.assert_array_equal(np.load(latent2)["latent"], np.load(out / LAYOUT["latent"])["latent"])
    clusters2 = tmp_path / "c2.tsv"
    assert main(["cluster", "--latent", str(latent2), "--out", str(clusters2), "--markers",
                 str(out / LAYOUT["markers"]), "--depth", str(out / LAYOUT["depth"])]) == 0
    assert clusters2.read_text() == refined


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
    assert main(["contigs", "--fasta", str(fa), "--out", str(o / "f.fna"), *common]) == 0
    fa = o / "f.fna"
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


def test_qc_score_summary_commands(tmp_path, capsys):
    """The QC-side stages through the CLI; score counts only bins >= bins.min_bin_size and
    gold contigs >= contigs.min_length, as the workflow does."""
    rng = np.random.default_rng(3)
    bins = tmp_path / "bins"
    bins.mkdir()
    write_fasta(bins / "b1.fna", [("g1", "".join(rng.choice(list("ACGT"), 5000)))])
    (tmp_path / "gold.tsv").write_text("contig\tgenome\tlength\ng1\tA\t5000\ng2\tA\t1500\ng3\tB\t3000\n")
    (tmp_path / "cl.tsv").write_text("bin\tcontig\nb1\tg1\nb2\tg3\n")
    assert main(["qc", "--bins", str(bins), "--out", str(tmp_path / "q.tsv"), "--threads", "1"]) == 0
    assert (tmp_path / "q.tsv").read_text().splitlines()[1].startswith("b1\t")
    score = tmp_path / "s.tsv"
    assert main(["score", "--gold", str(tmp_path / "gold.tsv"), "--clusters", str(tmp_path / "cl.tsv"),
                 "--out", str(score), "--min-bin-size", "4000"]) == 0
    from latentbin.score import read_score

    result = read_score(score)
    assert result["bins"] == 1 and result["NC"] == 1 and result["genomes"] == 2  # g2 < 2000 bp is not counted
    depth = tmp_path / "d.npz"
    Abundance(np.array(["g1", "g3"]), np.array(["S1"]), np.ones((2, 1), dtype=np.float32)).save(depth)
    assert main(["summary", "--bins", str(bins), "--clusters", str(tmp_path / "cl.tsv"), "--depth", str(depth),
                 "--qc", str(tmp_path / "q.tsv"), "--score", str(score), "--out", str(tmp_path / "sum.tsv")]) == 0
    assert "latentbin: 1 bins" in capsys.readouterr().out and (tmp_path / "sum.tsv").is_file()


def test_help_shows_schema_defaults_for_every_option(capsys):
    from latentbin.cli import argument_parser

    parser = argument_parser()
    sub = parser._subparsers._group_actions[0].choices
    for name, p in sub.items():
        for action in p._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{name} {action.option_strings} has no help text"
    # every command's --help renders (argparse %-formats help: a '%' in a schema text broke `run --help`)
    helps = {name: " ".join(p.format_help().split()) for name, p in sub.items()}  # unwrapped
    assert "93 % identity" in helps["run"] and "93 % identity" in helps["depth"]
    text = helps["train"]
    assert "default 300" in text and "--epochs" in text and "None" not in text.replace("null", "")
    assert "default 200000" in sub["bins"].format_help()


def _example_config(tmp_path, sheet_rows: list[str]):
    """A config naming the shipped example's contigs and a sheet of ``sheet_rows``."""
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample\tr1\tr2\n" + "".join(r + "\n" for r in sheet_rows))
    cfg = tmp_path / "my.yaml"
    cfg.write_text(f"samples: {sheet}\nassembly:\n  mode: coassembly\n  contigs: {EXAMPLE / 'contigs.fna.gz'}\n")
    return cfg, sheet


def test_check_takes_contigs_and_sheet_from_config(tmp_path, capsys):
    """`latentbin check --config my.yaml` checks what the workflow would read: the config's
    assembly.contigs and sample sheet, with no --contigs / --sample-sheet repeated."""
    rows = [f"S{i}\t{EXAMPLE / 'reads' / f'S{i}_R1.fq.gz'}\t{EXAMPLE / 'reads' / f'S{i}_R2.fq.gz'}" for i in (1, 2)]
    cfg, sheet = _example_config(tmp_path, rows)
    assert main(["check", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "inputs OK" in out and "contigs.fna.gz" in out and str(sheet) in out
    # a sample whose reads are missing fails, naming the file
    cfg, _ = _example_config(tmp_path, rows + [f"S9\t{tmp_path / 'gone_R1.fq.gz'}\t{tmp_path / 'gone_R2.fq.gz'}"])
    assert main(["check", "--config", str(cfg)]) == 2
    assert "gone_R1.fq.gz" in capsys.readouterr().err


def test_check_without_contigs_says_where_to_set_them(tmp_path, capsys):
    cfg = tmp_path / "my.yaml"
    cfg.write_text(f"samples: {tmp_path / 'samples.tsv'}\n")
    assert main(["check", "--config", str(cfg), "--depth-table", str(tmp_path / "d.tsv")]) == 2
    assert "no contig FASTA given; set assembly.contigs" in capsys.readouterr().err
