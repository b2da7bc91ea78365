"""Marker set, gene calling and marker search.

Synthetic bins: marker genes back-translated from the consensus sequences of the shipped
profiles, set in random DNA, so the tests need no download (test_qc.py imports these helpers)."""

import random

import pytest

from latentbin import markers
from latentbin.markers import MarkerHit, Protein, call_genes, count_markers, load_hmms, search_markers

# one common E. coli codon per amino acid
CODON = {"A": "GCG", "R": "CGT", "N": "AAC", "D": "GAT", "C": "TGC", "Q": "CAG", "E": "GAA", "G": "GGC",
         "H": "CAT", "I": "ATT", "L": "CTG", "K": "AAA", "M": "ATG", "F": "TTT", "P": "CCG", "S": "AGC",
         "T": "ACC", "W": "TGG", "Y": "TAT", "V": "GTG"}
_CONSENSUS: dict[str, str] = {}


def consensus(profile: str) -> str:
    """Consensus protein of a shipped profile (upper case, unknowns as A)."""
    if not _CONSENSUS:
        for hmm in load_hmms():
            name = hmm.name if isinstance(hmm.name, str) else hmm.name.decode()
            _CONSENSUS[name] = "".join(c if c in CODON else "A" for c in hmm.consensus.upper())
    return _CONSENSUS[profile]


def gene_dna(protein: str) -> str:
    """ATG + back-translated protein + TAA."""
    return "ATG" + "".join(CODON[a] for a in protein) + "TAA"


def random_dna(n: int, rng: random.Random, gc: float = 0.5) -> str:
    weights = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return "".join(rng.choices("ACGT", weights=weights, k=n))


def contig_with(profiles: list[str], rng: random.Random, spacer: int = 300) -> bytes:
    """Random DNA with one marker gene per profile, separated by ``spacer`` bp."""
    parts = [random_dna(spacer, rng)]
    for p in profiles:
        parts += [gene_dna(consensus(p)), random_dna(spacer, rng)]
    return "".join(parts).encode()


def write_fasta(path, records) -> None:
    with open(path, "w") as fh:
        for name, seq in records:
            s = seq.decode() if isinstance(seq, bytes) else seq
            fh.write(f">{name}\n")
            for i in range(0, len(s), 70):
                fh.write(s[i:i + 70] + "\n")


def test_marker_file_has_111_profiles_with_trusted_cutoffs():
    hmms = markers.load_hmms()
    assert len(hmms) == 111
    assert all(h.cutoffs.trusted_available() for h in hmms)
    names = markers.marker_names()
    assert len(names) == 107 == len(set(names))
    for second, first in markers.MERGED_PROFILES.items():
        assert first in names and second not in names


def test_licence_file_ships_next_to_the_markers():
    text = (markers.marker_hmm_path().parent / "MARKERS_LICENSE.txt").read_text()
    assert "SemiBin" in text and "Permission is hereby granted" in text


@pytest.mark.parametrize("mode", ["meta", "single", "auto"])
def test_call_genes_finds_planted_genes(mode):
    rng = random.Random(3)
    profiles = ["Ribosomal_L3", "PGK", "TIGR00001", "GrpE"]
    calls = call_genes([("c1", contig_with(profiles, rng)), ("c2", random_dna(200, rng).encode())], mode=mode)
    assert calls.mode == "meta"  # 6 kbp is too little to train on: auto/single fall back
    planted = [p for p in calls.proteins if p.contig == "c1"]
    assert len(planted) >= len(profiles)
    assert planted[0].gene_id == "c1_1" and planted[0].index == 1
    assert all("*" not in p.sequence for p in calls.proteins)
    assert 0 < calls.coding_bases <= sum(len(consensus(p)) * 3 + 6 for p in profiles) + 3000


def test_single_mode_trains_on_large_bins():
    rng = random.Random(4)
    names = list(markers.marker_names())[:30]
    seq = contig_with(names, rng, spacer=400)
    assert len(seq) > markers.MIN_TRAINING_BP
    calls = call_genes([("big", seq)], mode="single")
    assert calls.mode == "single"
    counts = count_markers(search_markers(calls.proteins))
    assert set(counts) == set(names) and set(counts.values()) == {1}


def _protein(contig, index, profile, start=0, stop=None):
    return Protein(f"{contig}_{index}", contig, index, consensus(profile)[start:stop])


def test_search_markers_counts_consensus_and_merges_split_profiles():
    prots = [_protein("a", 1, "Ribosomal_L3"), _protein("a", 2, "TIGR00389"), _protein("b", 1, "TIGR00388"),
             Protein("b_2", "b", 2, "MKV" * 50)]
    hits = search_markers(prots)
    assert {h.gene_id: h.marker for h in hits} == {"a_1": "Ribosomal_L3", "a_2": "TIGR00388", "b_1": "TIGR00388"}
    assert count_markers(hits) == {"Ribosomal_L3": 1, "TIGR00388": 2}
    assert search_markers([]) == []


def test_coverage_filter_drops_short_fragments():
    full = consensus("PGK")
    short = Protein("x_1", "x", 1, full[: int(len(full) * 0.3)])
    assert search_markers([short], min_coverage=0.4) == []
    kept = search_markers([short], min_coverage=0.1)
    assert len(kept) == 1 and kept[0].hmm_to - kept[0].hmm_from + 1 < 0.4 * len(full)


def test_each_protein_counts_for_its_best_marker_only():
    prot = _protein("a", 1, "Ribosomal_L3")
    hits = search_markers([prot, Protein("a_2", "a", 2, prot.sequence)])
    assert [h.marker for h in hits] == ["Ribosomal_L3", "Ribosomal_L3"]
    assert len({h.gene_id for h in hits}) == 2


def hit(contig, index, start, stop, marker="M"):
    return MarkerHit(f"{contig}_{index}", contig, index, marker, 50.0, start, stop)


def test_adjacent_fragments_of_one_gene_count_once():
    # halves of one profile on neighbouring genes: one gene split by a frameshift
    assert count_markers([hit("c", 4, 1, 100), hit("c", 5, 101, 200)]) == {"M": 1}
    # overlapping profile spans: two real copies (tandem duplicate)
    assert count_markers([hit("c", 4, 1, 150), hit("c", 5, 100, 200)]) == {"M": 2}
    # not adjacent, or on different contigs: two copies
    assert count_markers([hit("c", 4, 1, 100), hit("c", 7, 101, 200)]) == {"M": 2}
    assert count_markers([hit("c", 4, 1, 100), hit("d", 5, 101, 200)]) == {"M": 2}
    assert count_markers([hit("c", 1, 1, 100, "A"), hit("c", 2, 101, 200, "B")]) == {"A": 1, "B": 1}


def test_fragments_found_by_search_merge(tmp_path):
    seq = consensus("Ribosomal_L3")
    half = len(seq) // 2
    prots = [Protein("c_1", "c", 1, seq[:half]), Protein("c_2", "c", 2, seq[half:])]
    hits = search_markers(prots, min_coverage=0.3)
    assert len(hits) == 2
    assert count_markers(hits) == {"Ribosomal_L3": 1}


def test_universal_set_ships_with_its_licence():
    from latentbin.markers import (N_UNIVERSAL_PROFILES, archaeal_marker_names, load_hmms, universal_hmm_path,
                                   universal_marker_names)

    hmms = load_hmms(universal_hmm_path())
    assert len(hmms) == N_UNIVERSAL_PROFILES == len(universal_marker_names())
    assert all(h.cutoffs.trusted_available() for h in hmms)
    assert len(archaeal_marker_names()) == 45
    assert "CC0" in (universal_hmm_path().parent / "UNIVERSAL_LICENSE.txt").read_text()


def test_marker_positions_give_each_copy_its_gene_span():
    """Planted PGK twice and Ribosomal_L3 (a Pfam profile in both HMM files): spans on the
    contig, in the joint key space (bac:<name> for the bacterial file, bare for universal)."""
    rng = random.Random(9)
    seq = contig_with(["PGK", "Ribosomal_L3", "PGK"], rng, spacer=500)
    calls = call_genes([("c", seq)], mode="meta")
    assert all(0 < p.begin < p.end <= len(seq) for p in calls.proteins)
    pos = markers.marker_positions(calls.proteins)
    assert len(pos["bac:PGK"]) == 2 and [r for r, _, _ in pos["bac:PGK"]] == ["c", "c"]
    (l3,) = pos["bac:Ribosomal_L3"]
    assert pos["Ribosomal_L3"] == [l3]
    assert l3[1] > 500 + 3 * len(consensus("PGK")) and l3[2] - l3[1] + 1 >= 3 * len(consensus("Ribosomal_L3"))
