"""Input validation (latentbin.check): each bad input gives one line naming the file,
the record/line/column and the fix; check_run collects every problem; good inputs pass.

Every case id of BAD_INPUTS here and BAD_SHEETS in test_samples.py must appear in
docs/input-errors.md (test_every_case_is_documented)."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import numpy as np
import pytest

from latentbin.check import (CheckFailed, check_bam, check_config, check_contigs, check_depth_table,
                             check_multisplit_names, check_pair_counts, check_reads, check_run, check_samples,
                             check_sample_integrity, fastq_integrity)
from latentbin.config import load_config
from latentbin.errors import InputError
from latentbin.samples import Sample
from tests.helpers import REPO, make_bam, random_seq, write_fasta
from tests.test_samples import BAD_SHEETS

RNG = np.random.default_rng(7)
REFS = [("c1", 2500), ("c2", 2200), ("c3", 3000)]
CONTIGS = [(name, random_seq(RNG, n)) for name, n in REFS]


def fastq_records(n: int, prefix: str = "r", suffix: str = "", length: int = 60, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    return [f"@{prefix}{i}{suffix} extra\n{random_seq(rng, length)}\n+\n{'I' * length}\n" for i in range(n)]


def write_fastq(path: Path, records: list[str], compress: bool | None = None) -> Path:
    data = "".join(records).encode()
    if compress if compress is not None else path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def truncate(path: Path, fraction: float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def contigs_fasta(tmp_path: Path) -> Path:
    return write_fasta(tmp_path / "contigs.fna", CONTIGS)


def paired(tmp_path: Path, r1: list[str], r2: list[str]) -> Sample:
    return Sample("S1", r1=str(write_fastq(tmp_path / "S1_R1.fq.gz", r1)),
                  r2=str(write_fastq(tmp_path / "S1_R2.fq.gz", r2)))


def bam_reads() -> list[dict]:
    return [{"ref": i % 3, "pos": 10 * i, "cigar": [(0, 100)], "nm": 0} for i in range(30)]


# ----------------------------------------------------------------------------- bad-input cases
# Each builder writes the input under tmp_path and returns (call that must raise, file the
# message names). The expected substrings cover the problem, the record/line/column and the fix.
def _dup_contigs(t):
    f = write_fasta(t / "dup.fna", CONTIGS + [("c2", "ACGT" * 600)])
    return lambda: check_contigs(f, 2000), f


def _non_iupac(t):
    f = t / "bad.fna"
    f.write_text(">c1\nACGTJACGT\n")
    return lambda: check_contigs(f, 1), f


def _empty_contigs(t):
    f = t / "empty.fna"
    f.touch()
    return lambda: check_contigs(f, 1), f


def _not_fasta(t):
    f = t / "contigs.fna"
    f.write_text("contig\tlength\nc1\t2000\n")
    return lambda: check_contigs(f, 1), f


def _too_short(t):
    f = write_fasta(t / "short.fna", [("c1", "ACGT" * 125), ("c2", "ACGT" * 50)])
    return lambda: check_contigs(f, 2000), f


def _truncated_gzip_contigs(t):
    f = t / "contigs.fna.gz"
    f.write_bytes(gzip.compress(contigs_fasta(t).read_bytes()))
    truncate(f, 0.5)
    return lambda: check_contigs(f, 2000), f


def _unprintable_name(t):
    f = t / "ctrl.fna"
    f.write_bytes(b">c1\x07x\nACGT\n")
    return lambda: check_contigs(f, 1), f


def _no_multisplit_prefix(t):
    summary = check_contigs(contigs_fasta(t), 2000)
    return lambda: check_multisplit_names(summary, "_"), t / "contigs.fna"


def _contigs_not_found(t):
    return lambda: check_contigs(t / "nope.fna", 2000), t / "nope.fna"


def _reads_not_found(t):
    s = Sample("S1", r1=str(t / "nope_R1.fq.gz"))
    return lambda: check_reads(s), t / "nope_R1.fq.gz"


def _empty_reads(t):
    (t / "S1.fq").touch()
    return lambda: check_reads(Sample("S1", r1=str(t / "S1.fq"))), t / "S1.fq"


def _fasta_as_reads(t):
    f = contigs_fasta(t)
    return lambda: check_reads(Sample("S1", r1=str(f))), f


def _not_fastq(t):
    f = t / "S1.fq"
    f.write_text("sample\tr1\nS1\treads.fq\n")
    return lambda: check_reads(Sample("S1", long=str(f))), f


def _no_plus_line(t):
    recs = fastq_records(5)
    recs[3] = recs[3].replace("\n+\n", "\n-\n")
    f = write_fastq(t / "S1.fq", recs)
    return lambda: check_reads(Sample("S1", r1=str(f))), f


def _qual_length(t):
    recs = fastq_records(5)
    recs[2] = recs[2][:-2] + "\n"  # one quality value short
    f = write_fastq(t / "S1.fq.gz", recs)
    return lambda: check_reads(Sample("S1", r1=str(f))), f


def _pair_names_differ(t):
    r1 = fastq_records(10, suffix="/1")
    r2 = fastq_records(10, suffix="/2")
    r2[4], r2[5] = r2[5], r2[4]  # two mates swapped: names disagree from record 5
    s = paired(t, r1, r2)
    return lambda: check_reads(s), s.r2


def _pair_same_file(t):
    f = write_fastq(t / "S1.fq.gz", fastq_records(5))
    return lambda: check_reads(Sample("S1", r1=str(f), r2=str(f))), f


def _pair_counts_head(t):
    s = paired(t, fastq_records(10), fastq_records(7))
    return lambda: check_reads(s), s.r2


def _truncated_gzip_head(t):
    f = truncate(write_fastq(t / "S1.fq.gz", fastq_records(50)), 0.6)
    return lambda: check_reads(Sample("S1", r1=str(f))), f


def _truncated_gzip_full(t):
    f = truncate(write_fastq(t / "S1.fq.gz", fastq_records(6000, length=100)), 0.7)
    check_reads(Sample("S1", r1=str(f)))  # the head (1000 records) is intact: only the full pass sees it
    return lambda: fastq_integrity(f), f


def _corrupt_gzip_crc(t):
    f = write_fastq(t / "S1.fq.gz", fastq_records(200))
    data = bytearray(f.read_bytes())
    data[-8] ^= 0xFF  # CRC32 of the trailer
    f.write_bytes(bytes(data))
    return lambda: fastq_integrity(f), f


def _partial_last_record(t):
    recs = fastq_records(20)
    recs[-1] = "\n".join(recs[-1].split("\n")[:2]) + "\n"
    f = write_fastq(t / "S1.fq", recs)
    return lambda: fastq_integrity(f), f


def _partial_last_record_head(t):
    f = write_fastq(t / "S1.fq", fastq_records(3) + ["@r3\nACGT\n"])
    return lambda: check_reads(Sample("S1", r1=str(f))), f


def _bad_record_deep(t):
    recs = fastq_records(3000)
    recs[1999] = recs[1999].replace("\n+\n", "\nx\n")
    f = write_fastq(t / "S1.fq.gz", recs)
    check_reads(Sample("S1", r1=str(f)))  # beyond the quick check's head
    return lambda: fastq_integrity(f), f


def _pair_counts_full(t):
    s = paired(t, fastq_records(1500), fastq_records(1400))
    return lambda: check_pair_counts(s.r1, s.r2), s.r2


def _bam_not_found(t):
    return lambda: check_bam(t / "S1.bam", *_names_lengths(), "contigs.fna"), t / "S1.bam"


def _names_lengths():
    return np.array([n for n, _ in REFS]), np.array([ln for _, ln in REFS])


def _unsorted_bam(t):
    f = make_bam(t / "S1.bam", REFS, bam_reads(), sort=False)
    return lambda: check_bam(f, *_names_lengths(), "contigs.fna"), f


def _unindexed_bam(t):
    f = make_bam(t / "S1.bam", REFS, bam_reads(), index=False)
    return lambda: check_bam(f, *_names_lengths(), "contigs.fna"), f


def _bam_other_assembly(t):
    f = make_bam(t / "S1.bam", [("c1", 2500), ("c2", 999), ("c3", 3000)], bam_reads())
    return lambda: check_bam(f, *_names_lengths(), "contigs.fna"), f


def _bam_missing_contig(t):
    f = make_bam(t / "S1.bam", REFS[:2], [r for r in bam_reads() if r["ref"] < 2])
    return lambda: check_bam(f, *_names_lengths(), "contigs.fna"), f


def _not_a_bam(t):
    f = write_fastq(t / "S1.bam", fastq_records(3), compress=True)
    return lambda: check_bam(f, *_names_lengths(), "contigs.fna"), f


def _depth_table(t, rows):
    f = t / "depth.tsv"
    f.write_text("contig\tS1\tS2\n" + "".join("\t".join(r) + "\n" for r in rows))
    return f


def _depth_missing_contig(t):
    f = _depth_table(t, [("c1", "1", "2"), ("c2", "3", "4")])
    return lambda: check_depth_table(f, _names_lengths()[0]), f


def _depth_negative(t):
    f = _depth_table(t, [("c1", "1", "2"), ("c2", "-3", "4"), ("c3", "1", "1")])
    return lambda: check_depth_table(f, _names_lengths()[0]), f


def _depth_not_number(t):
    f = _depth_table(t, [("c1", "1", "2"), ("c2", "n/a", "4"), ("c3", "1", "1")])
    return lambda: check_depth_table(f, _names_lengths()[0]), f


def _latent_too_wide(t):
    cfg = load_config({"vae": {"latent": 64, "hidden": [32, 32]}})
    return lambda: check_config(cfg, source=str(t / "config.yaml")), t / "config.yaml"


def _checkm2_without_db(t):
    cfg = load_config({"qc": {"checkm2": True}})
    return lambda: check_config(cfg), "qc.checkm2_db"


def _config_out_of_range(t):
    cfg = {"vae": {"epochs": 0}}

    def run():
        check_run(contigs_fasta(t), cfg, depth_table=_depth_table(t, [(n, "1", "1") for n, _ in REFS])
                  ).raise_if_errors()
    return run, "config"


def _no_samples(t):
    return lambda: check_samples([], source=str(t / "samples.tsv")), t / "samples.tsv"


def _no_contigs_given(t):
    table = _depth_table(t, [("c1", "1", "2")])
    return lambda: check_run(None, load_config({}), depth_table=table).raise_if_errors(), "assembly.contigs"


BAD_INPUTS = {
    "duplicate contig names": (_dup_contigs, ["duplicate contig name 'c2'", "must be unique", "rename"]),
    "non-IUPAC character in contigs": (_non_iupac, ["line 2 (contig c1)", "invalid sequence character 'J'",
                                                    "only IUPAC nucleotide codes"]),
    "empty contig file": (_empty_contigs, ["file is empty", "give a FASTA file of contigs"]),
    "contig file is not FASTA": (_not_fasta, ["line 1 is not a FASTA header", "give a FASTA file"]),
    "no contig reaches min_length": (_too_short, ["no contig of at least 2000 bp (longest 500 bp)",
                                                  "lower contigs.min_length"]),
    "truncated gzip contig file": (_truncated_gzip_contigs, ["gzip stream is truncated or corrupt",
                                                             "re-download or re-copy the file"]),
    "non-printable contig name": (_unprintable_name, ["record 1", "non-printable character", "rename the contig"]),
    "multi-split names without sample prefix": (_no_multisplit_prefix, ["contig 'c1' has no sample prefix",
                                                                        "set assembly.separator"]),
    "contig file not found": (_contigs_not_found, ["file not found", "check the path"]),
    "read file not found": (_reads_not_found, ["sample 'S1', column 'r1'", "not found", "check the path"]),
    "empty read file": (_empty_reads, ["sample 'S1', column 'r1'", "is empty", "give the sample's reads"]),
    "FASTA given as short reads": (_fasta_as_reads, ["line 1: file is FASTA, not FASTQ", "sample 'S1', column 'r1'",
                                                     "short reads must be FASTQ"]),
    "reads are not FASTQ": (_not_fastq, ["line 1 does not start with '@'", "column 'long'",
                                         "give the reads as FASTQ or FASTA"]),
    "FASTQ record without '+' line": (_no_plus_line, ["record 4 (line 15)", "does not start with '+'",
                                                      "re-create the file"]),
    "sequence and quality lengths differ": (_qual_length, ["record 3 (line 9)", "60 bases but 59 quality values",
                                                           "re-create or re-download"]),
    "R1 and R2 read names disagree": (_pair_names_differ, ["record 5 (line 17) is 'r5'", "record 5 of",
                                                           "is 'r4'", "sample 'S1'", "give the matching R2 file"]),
    "r1 and r2 are the same file": (_pair_same_file, ["sample 'S1'", "name the same file",
                                                      "give the reverse mates in r2"]),
    "paired files differ in length (quick)": (_pair_counts_head, ["7 records but 10 in", "sample 'S1'",
                                                                  "re-download the shorter one"]),
    "truncated gzip FASTQ (quick check)": (_truncated_gzip_head, ["gzip stream is truncated or corrupt at one of the "
                                                                  "first 1000 records", "re-download or re-copy"]),
    "truncated gzip FASTQ (full pass)": (_truncated_gzip_full, ["gzip stream is truncated or corrupt at or after "
                                                                "record", "(uncompressed byte", "re-download"]),
    "corrupt gzip FASTQ (CRC)": (_corrupt_gzip_crc, ["gzip stream is truncated or corrupt", "CRC check failed",
                                                     "re-download or re-copy the file"]),
    "FASTQ ends inside a record": (_partial_last_record, ["record 20 (line 77) has 2 of 4 lines",
                                                          "the file is truncated", "re-download"]),
    "FASTQ ends inside a record (quick check)": (_partial_last_record_head, ["record 4 (line 13) has 2 of 4 lines",
                                                                            "truncated", "re-download"]),
    "bad record past the quick check": (_bad_record_deep, ["record 2000 (line 7999)", "does not start with '+'"]),
    "paired files differ in length (full pass)": (_pair_counts_full, ["1400 records but 1500 in",
                                                                      "re-download the shorter one"]),
    "BAM not found": (_bam_not_found, ["BAM file not found", "check the path"]),
    "unsorted BAM": (_unsorted_bam, ["not coordinate-sorted (SO:unsorted)", "samtools sort -o sorted.bam"]),
    "BAM without index": (_unindexed_bam, ["BAM has no index", "samtools index"]),
    "BAM of another assembly": (_bam_other_assembly, ["contig 'c2' is 999 bp in the BAM header but 2200 bp in "
                                                      "contigs.fna", "map the reads against this contig FASTA"]),
    "BAM lacks a contig": (_bam_missing_contig, ["contig 'c3' of contigs.fna is not in the BAM header",
                                                 "map the reads against this contig FASTA"]),
    "file given as BAM is not BAM": (_not_a_bam, ["not a BAM file", "give coordinate-sorted BAM files"]),
    "depth table misses a contig": (_depth_missing_contig, ["contig 'c3' (1 in all) has no depth row",
                                                            "must cover every contig"]),
    "negative depth": (_depth_negative, ["depths must be finite and >= 0", "fix the table"]),
    "depth is not a number": (_depth_not_number, ["line 3 (contig c2)", "not a number", "fix the table"]),
    "vae.latent not below first hidden layer": (_latent_too_wide, ["key 'vae.latent' (64)", "vae.hidden[0] (32)",
                                                                   "lower vae.latent or widen vae.hidden"]),
    "CheckM2 on without database": (_checkm2_without_db, ["qc.checkm2_db is not set", "set it to"]),
    "config value out of schema range": (_config_out_of_range, ["key 'vae.epochs'", "minimum",
                                                                "allowed keys and values: config/README.md"]),
    "no samples": (_no_samples, ["no samples", "add one row per sample"]),
    "no contig FASTA given": (_no_contigs_given, ["no contig FASTA given", "set assembly.contigs"]),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=str)
def test_bad_input(tmp_path, case):
    build, expected = BAD_INPUTS[case]
    call, named = build(tmp_path)
    with pytest.raises(InputError) as err:
        call()
    msg = str(err.value)
    assert "\n" not in msg, msg
    assert str(named) in msg, f"{named} not in {msg}"
    for text in expected:
        assert text in msg, f"{text!r} not in {msg!r}"


def test_every_case_is_documented():
    doc = (REPO / "docs" / "input-errors.md").read_text()
    cases = re.findall(r"^\| ([^|]+?) \|", doc, flags=re.M)
    missing = [c for c in [*BAD_INPUTS, *BAD_SHEETS] if c not in cases]
    assert not missing, f"cases missing from docs/input-errors.md: {missing}"


# ----------------------------------------------------------------------------- good inputs
@pytest.fixture
def dataset(tmp_path):
    """Contigs, paired + single + long reads, a BAM and a depth table that all agree."""
    fasta = contigs_fasta(tmp_path)
    pair = paired(tmp_path, fastq_records(1200, suffix="/1"), fastq_records(1200, suffix="/2"))
    single = Sample("S2", r1=str(write_fastq(tmp_path / "S2.fq", fastq_records(30))))
    long = tmp_path / "S3.fa.gz"
    long.write_bytes(gzip.compress(b">read1 x\nACGT\nAC\n>read2\nGGGG\n"))
    bam = make_bam(tmp_path / "S1.bam", REFS, bam_reads())
    table = _depth_table(tmp_path, [(n, "1.5", "2") for n, _ in REFS])
    return {"contigs": fasta, "samples": [pair, single, Sample("S3", long=str(long))], "bam": bam, "table": table}


def test_check_run_passes_good_inputs(dataset):
    report = check_run(dataset["contigs"], load_config({"vae": {"batch_size": 2}}), samples=dataset["samples"],
                       bams=[dataset["bam"]], depth_table=dataset["table"], full_reads=True)
    assert report.ok, report.lines()
    report.raise_if_errors()
    assert not report.warnings, report.warnings
    assert f"{dataset['contigs']}: 3 contigs, 3 of at least 2000 bp kept (contigs.min_length)" in report.facts
    assert "sample 'S1': 1200 reads, files complete" in report.facts
    assert "sample 'S3': 2 reads, files complete" in report.facts


def test_check_run_collects_every_problem(tmp_path, dataset):
    bad_pair = paired(tmp_path / "", fastq_records(20), fastq_records(20, prefix="x"))
    missing = Sample("S9", r1=str(tmp_path / "gone.fq"))
    unsorted = make_bam(tmp_path / "U.bam", REFS, bam_reads(), sort=False)
    report = check_run(dataset["contigs"], {"vae": {"latent": 600}}, samples=[bad_pair, missing],
                       bams=[dataset["bam"], unsorted])
    assert len(report.errors) == 4, report.errors
    assert all("\n" not in e for e in report.errors)
    assert [e for e in report.errors if "record 1 (line 1) is 'x0'" in e]
    assert [e for e in report.errors if "gone.fq" in e and "not found" in e]
    assert [e for e in report.errors if "U.bam" in e and "samtools sort" in e]
    assert [e for e in report.errors if "key 'vae.latent' (600)" in e]
    with pytest.raises(CheckFailed) as err:
        report.raise_if_errors()
    assert err.value.problems == report.errors and str(err.value).count("\n") == 3
    assert report.lines()[0].startswith("error: ")


def test_check_run_reads_a_per_sample_sheet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    contigs_fasta(tmp_path)
    write_fastq(tmp_path / "a.fq", fastq_records(5))
    (tmp_path / "samples.tsv").write_text("sample\tr1\tcontigs\nS1\ta.fq\tcontigs.fna\nS2\ta.fq\tcontigs.fna\n")
    table = tmp_path / "depth.tsv"
    table.write_text("contig\tS1\n" + "".join(f"{s}C{n}\t1\n" for s in ("S1", "S2") for n, _ in REFS))
    cfg = {"assembly": {"mode": "per_sample"}}
    report = check_run(None, cfg, samples="samples.tsv", depth_table=table)
    assert report.ok, report.errors  # catalogue names are <sample>C<contig>
    table.write_text("contig\tS1\n" + "".join(f"{n}\t1\n" for n, _ in REFS))
    report = check_run(None, cfg, samples="samples.tsv", depth_table=table)
    assert report.errors == [f"{table}: contig 'S1Cc1' (6 in all) has no depth row; the depth table must cover "
                             "every contig of the FASTA"]


def test_check_run_reports_a_bad_sheet(tmp_path):
    (tmp_path / "samples.tsv").write_text("sample\tr1\nS 1\ta.fq\n")
    report = check_run(contigs_fasta(tmp_path), {}, samples=tmp_path / "samples.tsv")
    assert len(report.errors) == 1 and "line 2, column 'sample'" in report.errors[0]


def test_warnings_do_not_fail_the_check(tmp_path):
    table = _depth_table(tmp_path, [("c1", "1", "0"), ("c2", "0", "0"), ("c3", "2", "0")])
    warnings = check_depth_table(table, _names_lengths()[0])
    assert warnings == [f"{table}: sample column 'S2' (1 in all) is zero for every contig; it will be dropped "
                        "before training",
                        f"{table}: 1 of 3 contigs have zero depth in every sample; they will be set aside, unbinned"]
    assert check_config(load_config({}), n_contigs=100)[0].startswith("config: key 'vae.batch_size' (256) is more")
    assert check_config(load_config({}), n_contigs=1000) == []
    bam = make_bam(tmp_path / "S1.bam", REFS, bam_reads())
    os.utime(Path(f"{bam}.bai"), (1, 1))
    assert "index S1.bam.bai is older than the BAM" in check_bam(bam, *_names_lengths(), "x")[0]


@pytest.mark.parametrize("variant", ["plain", "gzip", "crlf", "no final newline", "multi-member gzip",
                                     "trailing blank line"])
def test_fastq_integrity_counts_records(tmp_path, variant):
    recs = fastq_records(2500)
    data = "".join(recs).encode()
    path = tmp_path / "r.fq"
    if variant == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif variant == "no final newline":
        data = data[:-1]
    elif variant == "trailing blank line":
        data += b"\n"
    if variant == "gzip":
        data = gzip.compress(data)
    elif variant == "multi-member gzip":  # as bgzip writes
        data = gzip.compress(data[:50001]) + gzip.compress(data[50001:])
    path.write_bytes(data)
    assert fastq_integrity(path) == 2500


def test_pairs_and_long_reads_pass_in_full(dataset):
    pair, single, long = dataset["samples"]
    assert check_pair_counts(pair.r1, pair.r2) == 1200
    assert check_sample_integrity(single) == 30
    assert check_sample_integrity(long) == 2
    assert check_reads(pair) == check_reads(long) == []


def test_casava_mate_comments_pair_up(tmp_path):
    r1 = [r.replace(" extra", " 1:N:0:ACGT") for r in fastq_records(5)]
    r2 = [r.replace(" extra", " 2:N:0:ACGT") for r in fastq_records(5)]
    assert check_reads(paired(tmp_path, r1, r2)) == []


@pytest.mark.parametrize("mark1, mark2", [("/2", "/1"), (" 2:N:0:1", " 1:N:0:1")])
def test_swapped_mate_columns_warn(tmp_path, mark1, mark2):
    r1 = [r.replace(" extra", f"{mark1} x") for r in fastq_records(5)]
    r2 = [r.replace(" extra", f"{mark2} x") for r in fastq_records(5)]
    sample = paired(tmp_path, r1, r2)
    assert check_reads(sample) == [f"{sample.r1}: sample 'S1': column 'r1' holds reverse mates (mate 2) and 'r2' "
                                   "forward ones; swap the two columns (mapping works either way)"]


def test_summary_of_contigs(tmp_path):
    summary = check_contigs(contigs_fasta(tmp_path), 2300, prefix="S1", separator="_")
    assert summary.total == 3 and summary.kept == 2
    assert summary.names.tolist() == ["S1_c1", "S1_c3"] and summary.lengths.tolist() == [2500, 3000]
    check_multisplit_names(summary, "_")
    assert check_contigs(contigs_fasta(tmp_path), 10**6, require=False).kept == 0


def test_per_sample_assemblies_all_too_short_name_the_longest(tmp_path, monkeypatch):
    """Every per-sample assembly below contigs.min_length: one error giving the longest contig read."""
    monkeypatch.chdir(tmp_path)
    write_fasta(tmp_path / "a.fna", [("c1", "ACGT" * 125)])
    write_fasta(tmp_path / "b.fna", [("c1", "ACGT" * 200)])
    write_fastq(tmp_path / "r.fq", fastq_records(5))
    (tmp_path / "samples.tsv").write_text("sample\tr1\tcontigs\nS1\tr.fq\ta.fna\nS2\tr.fq\tb.fna\n")
    report = check_run(None, {"assembly": {"mode": "per_sample"}}, samples="samples.tsv")
    assert [e for e in report.errors if "no contig of at least 2000 bp (longest 800 bp)" in e], report.errors
