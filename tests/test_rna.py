"""rRNA (Rfam profiles + nhmmer) and tRNA (pyaragorn) counting for the MIMAG tiers."""

import gzip
import random
from pathlib import Path

import pyhmmer
import pytest

from latentbin.rna import RFAM_TYPE, RRNA_TYPES, count_rna, find_rrna, find_trna, rrna_hmm_path

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


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "data/genomes").is_dir(), reason="needs ../shared/data/genomes")
def test_e_coli_operons_and_trnas():
    with gzip.open(SHARED / "data/genomes/Escherichia_coli_W3110.fna.gz", "rt") as fh:
        seq = "".join(line.strip() for line in fh if not line.startswith(">")).upper().encode()
    counts = count_rna([("w3110", seq)])
    assert counts.rrna == {"5S": 8, "16S": 7, "23S": 7}  # 7 rrn operons, rrnD has two 5S
    if counts.n_trna is not None:
        assert counts.n_trna >= 80 and counts.n_trna_types == 20
