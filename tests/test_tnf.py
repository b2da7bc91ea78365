import numpy as np
import pytest

from latentbin.errors import InputError
from latentbin.tnf import (Composition, compute_tnf, constraint_matrix, count_kmers, kernel, kmer_index,
                           make_kernel, project, tnf_of)
from tests.helpers import random_seq, write_fasta


def test_kernel_is_orthonormal_null_space_of_constraints():
    k = kernel().astype(np.float64)
    assert k.shape == (256, 103)
    np.testing.assert_allclose(k.T @ k, np.eye(103), atol=1e-5)
    np.testing.assert_allclose(constraint_matrix() @ k, 0, atol=1e-5)
    # the shipped kernel spans the same space as a fresh computation
    fresh = make_kernel().astype(np.float64)
    np.testing.assert_allclose(k @ k.T, fresh @ fresh.T, atol=1e-5)


def test_hand_counted_kmers():
    # ACGTAC: ACGT, CGTA, GTAC; the N breaks windows; TTTT once
    counts = count_kmers([b"ACGTAC", b"ACGNTTTT"])
    assert counts[0].sum() == 3 and counts[1].sum() == 1
    for kmer in ("ACGT", "CGTA", "GTAC"):
        assert counts[0, kmer_index(kmer)] == 1
    assert counts[1, kmer_index("TTTT")] == 1
    assert kmer_index("ACGT") == 0 * 64 + 1 * 16 + 2 * 4 + 3


def test_hand_computed_projection():
    # 3 windows, each frequency 1/3: TNF = (f - 1/256) @ K
    f = np.full(256, -1 / 256)
    for kmer in ("ACGT", "CGTA", "GTAC"):
        f[kmer_index(kmer)] += 1 / 3
    np.testing.assert_allclose(tnf_of([b"ACGTAC"])[0], f @ kernel().astype(np.float64), atol=1e-6)


def test_reverse_complement_gives_same_tnf():
    rng = np.random.default_rng(0)
    seq = random_seq(rng, 3000, gc=0.6).encode()
    rc = seq[::-1].translate(bytes.maketrans(b"ACGT", b"TGCA"))
    t = tnf_of([seq, rc])
    np.testing.assert_allclose(t[0], t[1], atol=1e-6)


def test_chunked_equals_single(tmp_path):
    rng = np.random.default_rng(1)
    recs = [(f"c{i}", random_seq(rng, int(rng.integers(2000, 6000)))) for i in range(30)]
    path = write_fasta(tmp_path / "c.fa", recs)
    a = compute_tnf(path, 2000, threads=1, chunk_bp=10_000)
    b = compute_tnf(path, 2000, threads=2, chunk_bp=10**9)
    assert a.names.tolist() == [n for n, _ in recs]
    np.testing.assert_array_equal(a.tnf, b.tnf)
    np.testing.assert_allclose(a.tnf, tnf_of([s.encode() for _, s in recs]), atol=1e-6)
    a.save(tmp_path / "t.npz")
    c = Composition.load(tmp_path / "t.npz")
    np.testing.assert_array_equal(c.tnf, a.tnf)
    assert c.tnf.dtype == np.float32 and c.lengths.dtype == np.int64


def test_all_n_contig_is_an_error(tmp_path):
    path = write_fasta(tmp_path / "n.fa", [("ok", "ACGT" * 600), ("allN", "N" * 2500)])
    with pytest.raises(InputError, match="'allN' has no A/C/G/T 4-mer"):
        compute_tnf(path, 2000)


def test_zero_counts_project_to_zero():
    np.testing.assert_allclose(project(np.zeros((1, 256))), 0, atol=1e-7)
