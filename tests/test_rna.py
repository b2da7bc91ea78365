"""rRNA (Rfam profiles + nhmmer) and tRNA (pyaragorn) counting for the MIMAG tiers."""

import gzip
import random
from pathlib import Path

import pyhmmer
import pytest

from latentbin.rna import (PREFILTER_PAD, RFAM_TYPE, RRNA_TYPES, _rrna_hmms, candidate_windows, count_rna, find_rrna,
                          find_trna, kmer_codes, rrna_hmm_path)

SHARED = Path(__file__).resolve().parents[2] / "shared"


def test_rrna_profiles_are_the_five_rfam_models_with_licence():
    with pyhmmer.plan7.HMMFile(str(rrna_hmm_path())) as fh:
        hmms = list(fh)
    accs = sorted((h.accession.decode() if isinstance(h.accession, bytes) else h.accession) for h in hmms)
    assert accs == sorted(RFAM_TYPE) and all(h.alphabet.is_nucleotide() for h in hmms)
    assert "CC0" in (rrna_hmm_path().parent / "RRNA_LICENSE.txt").read_text()


def test_random_dna_has_no_rna_genes():
    rng = random.Random(3)
    recs = [("r", "".join(rng.choice("ACGT") for _ in range(20000)).encode())]
    assert find_rrna(recs) == {t: 0 for t in RRNA_TYPES}
    assert find_rrna([]) == {t: 0 for t in RRNA_TYPES}
    trna = find_trna(recs)
    assert trna is None or trna[1] <= 1


def _consensus(name: str) -> str:
    (hmm,) = [h for h in _rrna_hmms() if (h.name.decode() if isinstance(h.name, bytes) else h.name) == name]
    return hmm.consensus.upper().replace("U", "T")


def test_kmer_codes_mark_non_acgt():
    codes, ok = kmer_codes(b"ACGT" * 8 + b"N" + b"ACGT" * 4)
    assert len(codes) == len(ok) == 49 - 16 + 1
    assert ok.tolist() == [True] * 17 + [False] * 16 + [True]
    assert int(codes[0]) == int(codes[4]) and int(codes[0]) != int(codes[1])
    assert kmer_codes(b"ACG")[0].size == 0


def test_prefilter_finds_planted_rrna_genes_on_both_strands():
    """A 16S consensus on the forward strand and a 23S consensus reverse-complemented, in
    random DNA: windows around both (none elsewhere), and the windowed search counts what the
    full search counts."""
    rng = random.Random(5)
    rnd = lambda n: "".join(rng.choice("ACGT") for _ in range(n))  # noqa: E731
    lsu = _consensus("LSU_rRNA_bacteria")[::-1].translate(str.maketrans("ACGT", "TGCA"))
    seq = (rnd(20000) + _consensus("SSU_rRNA_bacteria") + rnd(20000) + lsu + rnd(20000)).encode()
    windows = candidate_windows(seq)
    assert len(windows) == 2
    (a0, a1), (b0, b1) = windows
    assert a0 <= 20000 and a1 >= 20000 + 1533 and a1 - a0 <= 1533 + 2 * PREFILTER_PAD + 16
    assert b0 <= 41533 and b1 >= 41533 + 2925
    assert candidate_windows(rnd(50000).encode()) == []
    full = find_rrna([("x", seq)], prefilter=False)
    assert find_rrna([("x", seq)]) == full == {"5S": 0, "16S": 1, "23S": 1}
    assert find_rrna([("x", seq)], domain="bacteria") == full


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "data/genomes").is_dir(), reason="needs ../shared/data/genomes")
def test_e_coli_operons_and_trnas():
    with gzip.open(SHARED / "data/genomes/Escherichia_coli_W3110.fna.gz", "rt") as fh:
        seq = "".join(line.strip() for line in fh if not line.startswith(">")).upper().encode()
    counts = count_rna([("w3110", seq)], domain="bacteria")
    assert counts.rrna == {"5S": 8, "16S": 7, "23S": 7}  # 7 rrn operons, rrnD has two 5S
    assert find_rrna([("w3110", seq)], prefilter=False) == counts.rrna  # the full search agrees
    if counts.n_trna is not None:
        assert counts.n_trna >= 80 and counts.n_trna_types == 20
