import pytest

from latentbin.bins import list_bins, write_bins
from latentbin.contigs import iter_fasta
from latentbin.errors import InputError
from tests.helpers import write_fasta


def test_writes_only_bins_over_min_size(tmp_path):
    fasta = write_fasta(tmp_path / "c.fa", [("a", "A" * 300), ("b", "C" * 300), ("c", "G" * 100), ("d", "T" * 50)])
    kept = write_bins({"bin1": ["a", "b"], "bin2": ["c"], "bin3": ["d"]}, fasta, tmp_path / "bins", 100)
    assert kept == {"bin1": 600, "bin2": 100}
    files = list_bins(tmp_path / "bins")
    assert [f.name for f in files.values()] == ["bin1.fna", "bin2.fna"]
    assert [n for n, _ in iter_fasta(files["bin1"])] == ["a", "b"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bins")]


def test_rerun_replaces_folder(tmp_path):
    fasta = write_fasta(tmp_path / "c.fa", [("a", "A" * 300), ("b", "C" * 300)])
    write_bins({"x": ["a"], "y": ["b"]}, fasta, tmp_path / "bins", 0)
    write_bins({"z": ["a", "b"]}, fasta, tmp_path / "bins", 0)
    assert list(list_bins(tmp_path / "bins")) == ["z"]


def test_contig_missing_from_fasta(tmp_path):
    fasta = write_fasta(tmp_path / "c.fa", [("a", "A" * 300)])
    with pytest.raises(InputError, match="contig 'zz' of bin b1 is not in the contig FASTA"):
        write_bins({"b1": ["a", "zz"]}, fasta, tmp_path / "bins", 0)
    assert not (tmp_path / "bins").exists()


def test_outputs_honour_the_umask(tmp_path):
    """Atomic outputs get the umask's modes (mkstemp/mkdtemp alone make 0600/0700)."""
    import os

    from latentbin._io import atomic_dir, atomic_text

    old = os.umask(0o022)
    try:
        with atomic_text(tmp_path / "t.tsv") as fh:
            fh.write("x\n")
        with atomic_dir(tmp_path / "d"):
            pass
    finally:
        os.umask(old)
    assert (tmp_path / "t.tsv").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o755
