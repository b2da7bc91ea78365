"""Every input guard is reached by a test (GitHub issue 15, point 6).

One test per ``raise InputError`` site that no other test file reaches: each builds the
smallest input that trips the guard and checks the one-line message names the file (or
key), the record and the fix. Guards that protect the chain from mixing files of
different runs (refhash checks, the stage guards) are driven through the CLI, which
must exit 2 with one ``latentbin: error:`` line on stderr.
"""

from __future__ import annotations


import numpy as np
import pytest

from latentbin.cli import main
from latentbin.depth import Abundance
from latentbin.errors import InputError
from latentbin.tnf import N_TNF, Composition
from tests.helpers import make_bam, random_seq, vae_params, write_fasta


# ----------------------------------------------------------------------------- helpers
def one_line(msg: str, *words: str) -> str:
    """``msg`` is one line holding every one of ``words``."""
    assert "\n" not in msg, msg
    for word in words:
        assert str(word) in msg, f"{word!r} not in {msg!r}"
    return msg


def raised(call, *words: str) -> str:
    """The InputError message of ``call()``, checked with :func:`one_line`."""
    with pytest.raises(InputError) as err:
        call()
    return one_line(str(err.value), *words)


def cli_error(capsys, argv: list, *words: str) -> str:
    """Run the CLI: exit status 2, the error on one last ``latentbin: error:`` line."""
    capsys.readouterr()
    assert main([*map(str, argv), "-q"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines and lines[-1].startswith("latentbin: error: "), lines
    assert sum(line.startswith("latentbin: error:") for line in lines) == 1, lines
    return one_line(lines[-1], *words)


def contigs_fasta(path, names, length=2500, seed=0):
    rng = np.random.default_rng(seed)
    return write_fasta(path, [(n, random_seq(rng, length)) for n in names])


def save_tnf(path, names, length=2500):
    n = len(names)
    Composition(np.array(names, dtype=str), np.full(n, length, dtype=np.int64),
                np.random.default_rng(1).random((n, N_TNF)).astype(np.float32)).save(path)
    return path


def save_depth(path, names, samples=("S1", "S2"), depth=None):
    if depth is None:
        depth = np.random.default_rng(2).random((len(names), len(samples))).astype(np.float32) + 1
    Abundance(np.array(names, dtype=str), np.array(samples, dtype=str), np.asarray(depth, dtype=np.float32)).save(path)
    return path


def save_latent(path, names, dims=4):
    from latentbin.embedding import Embedding

    n = len(names)
    Embedding(np.array(names, dtype=str), np.full(n, 2500, dtype=np.int64),
              np.random.default_rng(3).random((n, dims)).astype(np.float32)).save(path)
    return path


NAMES = [f"c{i}" for i in range(8)]


# ----------------------------------------------------------------------------- refhash: files of two runs
@pytest.mark.parametrize("other", [["c0", "c1", "cX", "c3", "c4", "c5", "c6", "c7"], NAMES + ["c8"]],
                         ids=["another contig", "more contigs"])
def test_tnf_and_depth_of_two_runs_are_not_mixed(tmp_path, capsys, other):
    """refhash.check_same_contigs through `latentbin train`: both branches of the message."""
    tnf = save_tnf(tmp_path / "tnf.npz", NAMES)
    depth = save_depth(tmp_path / "depth.npz", other)
    msg = cli_error(capsys, ["train", "--tnf", tnf, "--depth", depth, "--out", tmp_path / "m.pt"],
                    "contigs differ", "tnf.npz", "depth.npz", "same contig FASTA and min_length")
    assert ("record 3 is 'c2'" in msg and "'cX'" in msg) if "cX" in other else "has 8 contigs" in msg
    assert not (tmp_path / "m.pt").exists()


def test_stage_file_not_found(tmp_path, capsys):
    depth = save_depth(tmp_path / "depth.npz", NAMES)
    cli_error(capsys, ["train", "--tnf", tmp_path / "tnf.npz", "--depth", depth, "--out", tmp_path / "m.pt"],
              "tnf.npz", "file not found", "run the stage that writes it first")


def test_npz_that_is_not_an_npz(tmp_path, capsys):
    tnf = save_tnf(tmp_path / "tnf.npz", NAMES)
    bad = tmp_path / "depth.npz"
    bad.write_text("contig\tS1\nc0\t1\n")  # a depth TSV given where depth.npz belongs
    cli_error(capsys, ["train", "--tnf", tnf, "--depth", bad, "--out", tmp_path / "m.pt"],
              "depth.npz", "not a latentbin .npz file", "recompute it")


@pytest.mark.parametrize("keep", [0.5, 0.0], ids=["truncated", "empty"])
def test_truncated_npz_is_one_line(tmp_path, keep):
    from latentbin.refhash import load_checked

    good = save_depth(tmp_path / "good.npz", NAMES)
    data = good.read_bytes()
    bad = tmp_path / "depth.npz"
    bad.write_bytes(data[: int(len(data) * keep)])
    raised(lambda: load_checked(bad, ("names", "samples", "depth")), "depth.npz", "not a latentbin .npz file")


def test_npz_of_another_stage(tmp_path, capsys):
    """A tnf.npz given as --depth: the arrays of depth.npz are missing."""
    tnf = save_tnf(tmp_path / "tnf.npz", NAMES)
    cli_error(capsys, ["train", "--tnf", tnf, "--depth", tnf, "--out", tmp_path / "m.pt"],
              "tnf.npz", "missing array(s) samples, depth", "not written by this latentbin stage")


def test_edited_names_break_the_refhash(tmp_path, capsys):
    tnf = save_tnf(tmp_path / "tnf.npz", NAMES)
    path = save_depth(tmp_path / "depth.npz", NAMES)
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["names"] = np.array(["c1", "c0"] + NAMES[2:])  # rows re-ordered by hand, hash kept
    np.savez(path, **arrays)
    cli_error(capsys, ["train", "--tnf", tnf, "--depth", path, "--out", tmp_path / "m.pt"],
              "depth.npz", "contig names do not match the stored hash", "recompute it")


# ----------------------------------------------------------------------------- stage guards
def test_no_sample_with_reads(tmp_path, capsys):
    tnf = save_tnf(tmp_path / "tnf.npz", NAMES)
    depth = save_depth(tmp_path / "depth.npz", NAMES, depth=np.zeros((len(NAMES), 2)))
    cli_error(capsys, ["train", "--tnf", tnf, "--depth", depth, "--out", tmp_path / "m.pt"],
              "depth.npz", "no sample has a read on these contigs", "check the read mapping", "depth.min_identity")


def test_encode_with_a_model_of_other_samples(tmp_path, capsys):
    """Trained on S1 and S2; the depth given to encode has no read in S2 (dropped)."""
    from latentbin.model import VAE

    model = tmp_path / "model.pt"
    VAE(vae_params(2)).save(model, extra={"samples": ["S1", "S2"]})
    tnf = save_tnf(tmp_path / "tnf.npz", NAMES)
    depth = np.ones((len(NAMES), 2), dtype=np.float32)
    depth[:, 1] = 0
    depth = save_depth(tmp_path / "depth.npz", NAMES, depth=depth)
    cli_error(capsys, ["encode", "--model", model, "--tnf", tnf, "--depth", depth, "--out", tmp_path / "l.npz"],
              "model.pt", "trained on samples ['S1', 'S2']", "depth.npz", "usable samples ['S1']",
              "encode with the depth table it was trained on")


def test_refine_without_markers(tmp_path, capsys):
    latent = save_latent(tmp_path / "latent.npz", NAMES)
    cli_error(capsys, ["cluster", "--latent", latent, "--out", tmp_path / "c.tsv"],
              "cluster.refine is on", "--markers and --depth", "cluster.refine: false")


def test_refine_with_depth_of_other_contigs(tmp_path, capsys):
    from latentbin.markers import ContigMarkers

    latent = save_latent(tmp_path / "latent.npz", NAMES + ["other"])
    markers = tmp_path / "markers.npz"
    ContigMarkers(np.array(NAMES), np.array(["m1"]), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).save(markers)
    depth = save_depth(tmp_path / "depth.npz", NAMES)
    cli_error(capsys, ["cluster", "--latent", latent, "--markers", markers, "--depth", depth, "--out", tmp_path / "c.tsv"],
              "contigs differ", "'other'", "latent.npz", "depth.npz", "same contig FASTA")


def test_cluster_with_no_contigs(tmp_path, capsys):
    latent = save_latent(tmp_path / "latent.npz", [])
    cli_error(capsys, ["cluster", "--latent", latent, "--out", tmp_path / "c.tsv", "--no-refine"],
              "latent.npz", "no contig embedded", "rerun `latentbin encode`")
    import numpy as np

    from latentbin.cluster import cluster_latent
    from latentbin.errors import InputError
    from tests.helpers import options

    with pytest.raises(InputError, match="no contigs to cluster"):
        cluster_latent(np.zeros((0, 4), dtype=np.float32), np.zeros(0), options().cluster, seed=1)


# ----------------------------------------------------------------------------- CLI argument guards
def test_depth_needs_bams_or_a_table(tmp_path, capsys):
    fa = contigs_fasta(tmp_path / "c.fa", NAMES)
    cli_error(capsys, ["depth", "--contigs", fa, "--out", tmp_path / "d.npz"], "--bam", "--table", "not both or neither")


def test_run_needs_bams_or_a_table(tmp_path, capsys):
    fa = contigs_fasta(tmp_path / "c.fa", NAMES)
    (tmp_path / "d.tsv").write_text("contig\tS1\n" + "".join(f"{n}\t1\n" for n in NAMES))
    cli_error(capsys, ["run", "--contigs", fa, "--bam", tmp_path / "a.bam", "--depth-table", tmp_path / "d.tsv",
                       "--outdir", tmp_path / "out"], "--bam", "--depth-table", "not both or neither")
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- config files
@pytest.mark.parametrize("text, words", [
    (None, ["config file not found", "copy config/config.yaml"]),
    ("vae: [1, 2\n", ["not valid YAML"]),
    ("- vae\n- cluster\n", ["a config must be a mapping of keys to values, not list"]),
], ids=["missing", "bad YAML", "a list"])
def test_bad_config_file(tmp_path, capsys, text, words):
    cfg = tmp_path / "c.yaml"
    if text is not None:
        cfg.write_text(text)
    fa = contigs_fasta(tmp_path / "c.fa", NAMES)
    cli_error(capsys, ["tnf", "--contigs", fa, "--out", tmp_path / "t.npz", "--config", cfg], "c.yaml", *words)


# ----------------------------------------------------------------------------- contigs, TNF
def test_contig_name_not_ascii(tmp_path, capsys):
    fa = tmp_path / "c.fa"
    fa.write_bytes(">ok\nACGTACGT\n>contig_\xc3\xa9\nACGTACGT\n".encode("latin-1"))
    cli_error(capsys, ["tnf", "--contigs", fa, "--out", tmp_path / "t.npz"],
              "c.fa", "line 3", "contig name is not ASCII", "rename the contig")


def test_no_contig_long_enough_for_names(tmp_path):
    from latentbin.contigs import read_names_lengths

    fa = contigs_fasta(tmp_path / "c.fa", ["a", "b"], length=500)
    raised(lambda: read_names_lengths(fa, 1000), "c.fa", "no contig of at least 1000 bp", "contigs.min_length")


def test_no_contig_long_enough_for_tnf(tmp_path):
    from latentbin.tnf import compute_tnf

    fa = contigs_fasta(tmp_path / "c.fa", ["a", "b"], length=500)
    raised(lambda: compute_tnf(fa, 1000), "c.fa", "no contig of at least 1000 bp", "contigs.min_length")


def test_assemblies_and_sample_names_differ_in_number(tmp_path, capsys):
    a = contigs_fasta(tmp_path / "a.fa", ["x"])
    b = contigs_fasta(tmp_path / "b.fa", ["y"])
    cli_error(capsys, ["contigs", "--fasta", a, b, "--samples", "S1", "--out", tmp_path / "c.fna"],
              "2 assemblies but 1 sample names", "one name per assembly")


# ----------------------------------------------------------------------------- depth
def test_compute_depth_without_bams(tmp_path):
    from latentbin.depth import compute_depth
    from tests.helpers import options

    raised(lambda: compute_depth([], np.array(NAMES), np.full(8, 2500), options().depth),
           "no BAM files given", "one coordinate-sorted, indexed BAM per sample")


def test_bams_and_sample_names_differ_in_number(tmp_path, capsys):
    fa = contigs_fasta(tmp_path / "c.fa", NAMES)
    cli_error(capsys, ["depth", "--contigs", fa, "--bam", tmp_path / "a.bam", tmp_path / "b.bam", "--samples", "S1",
                       "--out", tmp_path / "d.npz"], "2 BAM files but 1 sample names", "one name per BAM")


def test_two_bams_of_one_name(tmp_path, capsys):
    """Sample names default to the BAM file names: run1/s.bam and run2/s.bam collide."""
    fa = contigs_fasta(tmp_path / "c.fa", NAMES)
    cli_error(capsys, ["depth", "--contigs", fa, "--bam", tmp_path / "run1" / "s.bam", tmp_path / "run2" / "s.bam",
                       "--out", tmp_path / "d.npz"], "duplicate sample names ['s', 's']", "--samples")


def test_merge_nothing():
    from latentbin.depth import merge

    raised(lambda: merge([], []), "no depth files to merge")


@pytest.mark.parametrize("text, words", [
    (None, ["depth table not found", "check the path"]),
    ("contig\tS1\n", ["depth table has no data rows", "one row per contig"]),
    ("contig\nc0\n", ["no sample columns in the header ['contig']", "one column per sample"]),
    ("contig\tS1\tS2\nc0\t1\t2\nc1\t3\n", ["line 3 has 2 fields, the header 3", "fix the table"]),
], ids=["missing", "header only", "no sample column", "short row"])
def test_bad_depth_table(tmp_path, capsys, text, words):
    fa = contigs_fasta(tmp_path / "c.fa", ["c0", "c1"])
    table = tmp_path / "d.tsv"
    if text is not None:
        table.write_text(text)
    cli_error(capsys, ["depth", "--contigs", fa, "--table", table, "--out", tmp_path / "d.npz"], "d.tsv", *words)


def test_bam_without_nm_under_the_default_min_identity(tmp_path, capsys):
    """depth.min_identity defaults to 0.97, so a BAM without NM tags is an error (named,
    with both fixes) through `latentbin depth` without any option."""
    fa = contigs_fasta(tmp_path / "c.fa", ["c0"], length=500)
    bam = make_bam(tmp_path / "s1.bam", [("c0", 500)], [{"ref": 0, "pos": 10, "cigar": [(0, 100)]}])
    cli_error(capsys, ["depth", "--contigs", fa, "--bam", bam, "--out", tmp_path / "d.npz"],
              "s1.bam", "read 'r0' has no NM tag", "minimap2 -a", "depth.min_identity: 0")
    assert not (tmp_path / "d.npz").exists()


# ----------------------------------------------------------------------------- model
def test_model_without_samples():
    from latentbin.model import VAE

    raised(lambda: VAE(vae_params(0)), "0 samples", "give at least one BAM")


def test_torch_file_that_is_not_a_model(tmp_path):
    import torch

    from latentbin.model import VAE

    path = tmp_path / "model.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    raised(lambda: VAE.load(path), "model.pt", "not a latentbin model file", "latentbin train")


# ----------------------------------------------------------------------------- sample sheet, reads, check
def test_sample_sheet_with_only_comments(tmp_path):
    from latentbin.samples import read_sample_sheet

    sheet = tmp_path / "samples.tsv"
    sheet.write_text("# sample\tr1\tr2\n\n")
    raised(lambda: read_sample_sheet(sheet, per_sample=False, separator="C"),
           "samples.tsv", "no header line and no samples", "columns sample, r1, r2")


def test_fastq_record_without_header(tmp_path):
    from latentbin.check import check_reads
    from latentbin.samples import Sample

    fq = tmp_path / "r1.fq"
    fq.write_text("@r1\nACGT\n+\nIIII\nr2\nACGT\n+\nIIII\n")
    raised(lambda: check_reads(Sample("S1", r1=str(fq))),
           "r1.fq", "record 2 (line 5)", "header does not start with '@name'", "re-create or re-download")


def test_fastq_record_the_scanner_rejects(tmp_path):
    """The full pass counts one CR per line; a sequence line ending in two CRs has 4 bases
    and 4 qualities for the head check but not for the scanner: its fallback guard fires.
    Its message ("header has no read name") is wrong for this record, so only the file
    and the record are checked here."""
    from latentbin.check import fastq_integrity

    fq = tmp_path / "r1.fq"
    fq.write_bytes(b"@r1\nACGT\r\r\n+\nIIII\n")
    raised(lambda: fastq_integrity(fq), "r1.fq", "record 1")


def test_several_assemblies_without_a_long_contig(tmp_path):
    """check_run over two assemblies: each may add nothing, but not all of them."""
    from latentbin.check import check_run

    a = contigs_fasta(tmp_path / "a.fa", ["x"], length=500)
    b = contigs_fasta(tmp_path / "b.fa", ["y"], length=600)
    report = check_run([a, b], {}, depth_table=tmp_path / "unused.tsv")
    errors = [e for e in report.errors if "no contig of at least" in e]
    assert len(errors) == 1, report.errors
    one_line(errors[0], "a.fa", "b.fa", "no contig of at least 2000 bp", "contigs.min_length")


# ----------------------------------------------------------------------------- score, summary
@pytest.mark.parametrize("gold, clusters, words", [
    (None, "bin\tcontig\nb1\tc0\n", ["gold.tsv", "gold standard not found", "columns contig, genome, length"]),
    ("contig\tgenome\tlength\nc0\tG1\t2500\nc1\tG1\t2.5kb\n", "bin\tcontig\nb1\tc0\n",
     ["gold.tsv", "line 3 (contig c1)", "length '2.5kb' is not an integer"]),
    ("contig\tgenome\tlength\nc0\tG1\t2500\n", None, ["clusters.tsv", "clusters file not found", "bins folder"]),
], ids=["gold missing", "length not a number", "clusters missing"])
def test_bad_score_inputs(tmp_path, capsys, gold, clusters, words):
    for name, text in (("gold.tsv", gold), ("clusters.tsv", clusters)):
        if text is not None:
            (tmp_path / name).write_text(text)
    cli_error(capsys, ["score", "--gold", tmp_path / "gold.tsv", "--clusters", tmp_path / "clusters.tsv",
                       "--out", tmp_path / "s.tsv"], *words)


def _summary_inputs(tmp_path, depth_names):
    bins = tmp_path / "bins"
    bins.mkdir()
    contigs_fasta(bins / "bin1.fna", ["c0", "c1"])
    (tmp_path / "clusters.tsv").write_text("bin\tcontig\nbin1\tc0\nbin1\tc1\n")
    depth = save_depth(tmp_path / "depth.npz", depth_names)
    return ["summary", "--bins", bins, "--clusters", tmp_path / "clusters.tsv", "--depth", depth,
            "--out", tmp_path / "summary.tsv"]


def test_summary_qc_table_without_bin_column(tmp_path, capsys):
    argv = _summary_inputs(tmp_path, ["c0", "c1"])
    (tmp_path / "qc.tsv").write_text("name\tcompleteness\tcontamination\nbin1\t90\t1\n")
    cli_error(capsys, argv + ["--qc", tmp_path / "qc.tsv"], "qc.tsv", "no 'bin' column", "latentbin QC table")


def test_summary_depth_of_other_contigs(tmp_path, capsys):
    argv = _summary_inputs(tmp_path, ["c0", "c9"])
    cli_error(capsys, argv, "depth.npz", "contig c1 of bin bin1 has no depth", "made from other contigs")


# ----------------------------------------------------------------------------- mapping.py
def test_stream_mapping_guards(tmp_path, monkeypatch):
    from latentbin import mapping
    from tests.helpers import options

    opts = options({}).depth
    names, lengths = np.array(["c1"]), np.array([2000])
    raised(lambda: mapping.stream_sample_depth(tmp_path / "i.mmi", [str(tmp_path / "missing.fq")], "sr", "", 1, "S1",
                                               names, lengths, opts), "sample S1", "missing.fq", "sample sheet")
    monkeypatch.setattr(mapping.shutil, "which", lambda name: None)
    raised(lambda: mapping.stream_sample_depth(tmp_path / "i.mmi", [], "sr", "", 1, "S1", names, lengths, opts),
           "minimap2 is not on PATH", "apt-get install minimap2")
