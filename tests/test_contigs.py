import gzip

import pytest

from latentbin.contigs import filter_fasta, iter_fasta, read_names_lengths, sample_of
from latentbin.errors import InputError
from tests.helpers import write_fasta


def test_reads_plain_and_gzip_and_uppercases(tmp_path):
    plain = write_fasta(tmp_path / "a.fa", [("c1 desc", "acgtNN"), ("c2", "GG" * 50)])
    gz = tmp_path / "a.fa.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, gz):
        assert [(n, s) for n, s in iter_fasta(path)] == [("c1", b"ACGTNN"), ("c2", b"GG" * 50)]


def test_length_filter_and_lengths(tmp_path):
    path = write_fasta(tmp_path / "a.fa", [("short", "A" * 10), ("long", "C" * 2500), ("mid", "G" * 2000)])
    names, lengths = read_names_lengths(path, 2000)
    assert names.tolist() == ["long", "mid"] and lengths.tolist() == [2500, 2000]


@pytest.mark.parametrize("content, message", [
    ("", "file is empty"),
    ("hello world\nACGT\n", "line 1 is not a FASTA header"),
    (">a\nACGT\n>a\nACGT\n", "duplicate contig name 'a'"),
    (">a\nAC!GT\n", "invalid sequence character"),
    (">\nACGT\n", "header with no name"),
])
def test_bad_fasta_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.fa"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as err:
        read_names_lengths(path, 0)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_spaces_inside_sequence_are_tolerated(tmp_path):
    path = write_fasta(tmp_path / "s.fa", [("a", "AC GT\tAA")])
    assert list(iter_fasta(path)) == [("a", b"ACGTAA")]


def test_binary_file_is_not_fasta(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match="not a FASTA header"):
        read_names_lengths(path, 0)


def test_multisplit_concatenation(tmp_path):
    a = write_fasta(tmp_path / "a.fa", [("1", "A" * 3000), ("2", "A" * 10)])
    b = write_fasta(tmp_path / "b.fa", [("1", "C" * 3000)])
    out = tmp_path / "cat.fna.gz"
    assert filter_fasta([a, b], out, 2000, ["S1", "S2"], "C") == (2, 3)
    names = [n for n, _ in iter_fasta(out)]
    assert names == ["S1C1", "S2C1"]
    assert sample_of(names, "C").tolist() == ["S1", "S2"]
    assert not list(tmp_path.glob(".cat*"))  # no temporary file left


def test_sample_prefix_required_for_multisplit():
    with pytest.raises(InputError, match="no sample prefix"):
        sample_of(["contig_without_separator"], "C")


def test_filter_with_nothing_long_enough_leaves_no_output(tmp_path):
    a = write_fasta(tmp_path / "a.fa", [("1", "A" * 10)])
    with pytest.raises(InputError, match="no contig of at least 2000 bp"):
        filter_fasta([a], tmp_path / "out.fa", 2000)
    assert not (tmp_path / "out.fa").exists()
