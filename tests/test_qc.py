"""Built-in QC: estimates, assembly statistics, bin discovery, the QC table; plus a
real genome from ../shared when it is there."""

import csv
import gzip
import random
from pathlib import Path

import pytest

from latentbin.config import load_config
from latentbin.errors import InputError
from latentbin.markers import marker_names
from latentbin.markers import (ARCHAEAL_FROM_BACTERIAL, archaeal_marker_names, colocated_sets, domain_estimate,
                               domain_markers, joint_counts, marker_sets, marker_sets_path, read_marker_sets,
                               set_estimate, ubiquitous_markers, write_marker_sets)
from latentbin.bins import assembly_stats, list_bins
from latentbin.qc import (QC_COLUMNS, builtin_qc, cc_tier, estimate, mimag_tier, qc_records,
                          run_qc, sequence_stats)

try:  # tests/ may or may not be a package
    from .test_markers import contig_with, random_dna, write_fasta
except ImportError:
    from test_markers import contig_with, random_dna, write_fasta

SHARED = Path(__file__).resolve().parents[2] / "shared"


def test_estimate_is_checkm_individual_marker_form():
    markers = ["A", "B", "C", "D"]
    assert estimate({}, markers) == (0.0, 0.0, 0, 0)
    assert estimate({"A": 1, "B": 1, "C": 1, "D": 1}, markers) == (100.0, 0.0, 4, 0)
    # 3 extra copies of A, 1 of B: contamination 4/4 = 100 %, can exceed 100
    assert estimate({"A": 4, "B": 2, "X": 9}, markers) == (50.0, 100.0, 2, 2)
    assert estimate({"A": 5, "B": 5}, ["A", "B"])[1] == 400.0


def test_assembly_stats_n50_and_gc():
    s = assembly_stats([10, 20, 30, 40])  # total 100: 40 + 30 >= 50
    assert s == {"genome_size": 100, "n_contigs": 4, "n50": 30, "gc": 0.0}
    assert assembly_stats([])["n50"] == 0
    st = sequence_stats([("a", b"GGCCAATT"), ("b", b"NNGC")])  # N not counted in GC
    assert st["genome_size"] == 12 and st["n50"] == 8
    assert st["gc"] == pytest.approx(6 / 10)


def test_list_bins_extensions_and_duplicates(tmp_path):
    for name in ("b1.fna", "b2.fa.gz", "b3.fasta", "notes.txt", ".hidden.tmp"):
        (tmp_path / name).write_text(">x\nACGT\n")
    assert list(list_bins(tmp_path)) == ["b1", "b2", "b3"]
    (tmp_path / "b1.fa").write_text(">x\nACGT\n")
    with pytest.raises(InputError, match="b1"):
        list_bins(tmp_path)
    with pytest.raises(InputError, match="not found"):
        list_bins(tmp_path / "missing")


def synthetic_bins(folder, rng):
    """complete: every marker once; half: the first half; dup: complete + 20 duplicated."""
    names = list(marker_names())
    folder.mkdir()
    records = {
        "complete": [(f"c{i}", contig_with(names[i:i + 12], rng)) for i in range(0, len(names), 12)],
        "half": [("h0", contig_with(names[: len(names) // 2], rng))],
        "dup": [(f"d{i}", contig_with(names[i:i + 12], rng)) for i in range(0, len(names), 12)]
        + [("extra", contig_with(names[:20], rng))],
        "empty_markers": [("e", random_dna(3000, rng).encode())],
    }
    for b, recs in records.items():
        write_fasta(folder / f"{b}.fna", recs)
    return records


@pytest.fixture(scope="module")
def bins_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qc") / "bins"
    synthetic_bins(folder, random.Random(7))
    return folder


def test_builtin_qc_on_synthetic_bins(bins_dir, tmp_path):
    out = tmp_path / "qc.tsv"
    builtin_qc(bins_dir, out, load_config({}), threads=2)
    with open(out) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert tuple(rows[0]) == QC_COLUMNS
    by = {r["bin"]: r for r in rows}
    assert list(by) == ["complete", "dup", "empty_markers", "half"]
    assert float(by["complete"]["completeness"]) == 100.0 and float(by["complete"]["contamination"]) == 0.0
    bac_sets = marker_sets()["bacteria"]
    assert int(by["complete"]["n_markers_found"]) == int(by["complete"]["n_markers"]) == sum(map(len, bac_sets))
    assert int(by["complete"]["n_marker_sets"]) == len(bac_sets)
    # the planted markers are found exactly: the estimate is the collocated-set form of them
    names = marker_names()
    sets = marker_sets()["bacteria"]
    half = set_estimate(joint_counts({m: 1 for m in names[:53]}, {}), sets)
    dup = set_estimate(joint_counts({m: 2 if i < 20 else 1 for i, m in enumerate(names)}, {}), sets)
    assert float(by["half"]["completeness"]) == pytest.approx(100 * half[0], abs=0.01)
    assert float(by["dup"]["contamination"]) == pytest.approx(100 * dup[1], abs=0.01)
    in_sets = {m[4:] for s in bac_sets for m in s}
    assert int(by["half"]["n_markers_found"]) == len(in_sets & set(names[:53]))
    assert int(by["dup"]["n_markers_multi"]) == len(in_sets & set(names[:20]))
    assert float(by["empty_markers"]["completeness"]) == 0.0
    assert int(by["complete"]["n_genes"]) >= 107
    assert 0 < float(by["complete"]["coding_density"]) <= 1
    assert int(by["half"]["n_contigs"]) == 1


def test_threads_do_not_change_results(bins_dir):
    bins = {k: v for k, v in list_bins(bins_dir).items() if k in ("half", "empty_markers")}
    assert run_qc(bins, threads=1, gene_mode="meta") == run_qc(bins, threads=2, gene_mode="meta")


def test_empty_bins_folder_gives_header_only(tmp_path):
    (tmp_path / "bins").mkdir()
    builtin_qc(tmp_path / "bins", tmp_path / "qc.tsv", load_config({}))
    assert (tmp_path / "qc.tsv").read_text() == "\t".join(QC_COLUMNS) + "\n"


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "data/genomes").is_dir(), reason="needs ../shared/data/genomes")
def test_real_genome_is_complete_and_clean():
    """A complete H. pylori genome cut into 20 kbp contigs: near-complete, clean; two of
    them together: contamination near 100 % (every marker twice)."""
    def contigs(name, tag):
        with gzip.open(SHARED / "data/genomes" / name, "rt") as fh:
            seq = "".join(line.strip() for line in fh if not line.startswith(">")).upper().encode()
        return [(f"{tag}_{i}", seq[i:i + 20000]) for i in range(0, len(seq), 20000)]

    g27 = contigs("Helicobacter_pylori_G27.fna.gz", "g27")
    row = qc_records("g27", g27, gene_mode="auto")
    assert row["completeness"] > 85 and row["contamination"] < 5
    assert row["n_contigs"] == len(g27) and 0.35 < row["gc"] < 0.42
    assert 0.85 < row["coding_density"] < 0.97
    mixed = qc_records("mix", g27 + contigs("Helicobacter_pylori_Puno120.fna.gz", "puno"), gene_mode="auto")
    assert mixed["contamination"] > 75


def test_tiers_follow_mimag():
    rna = {"5S": 1, "16S": 1, "23S": 1}
    assert mimag_tier(90.5, 4.9, rna, 18) == "high"
    assert mimag_tier(90.0, 0.0, rna, 20) == "medium"  # MIMAG: > 90
    assert mimag_tier(95.0, 1.0, {**rna, "23S": 0}, 20) == "medium"
    assert mimag_tier(95.0, 1.0, rna, 17) == "medium"
    assert mimag_tier(95.0, 1.0, None, None) == "unknown"
    assert mimag_tier(60.0, 1.0, None, None) == "medium"  # RNA genes only decide high
    assert mimag_tier(49.9, 0.0, rna, 20) == cc_tier(49.9, 0.0) == "low"
    assert cc_tier(95.0, 9.99) == "medium" and cc_tier(95.0, 10.0) == "low" and cc_tier(None, 1.0) == "unknown"


def test_domain_choice_from_markers():
    bac_all = {m: 1 for m in marker_names()}
    uni_all = {m: 1 for m in archaeal_marker_names() if not m.startswith("bac:")}
    est = domain_estimate(bac_all, uni_all)
    assert (est.domain, est.completeness, est.n_sets) == ("bacteria", 1.0, len(marker_sets()["bacteria"]))
    # an archaeon: the universal markers and the 14 shared ones, few bacterial-only markers
    arc_bac = {m: 1 for m in ARCHAEAL_FROM_BACTERIAL}
    est = domain_estimate(arc_bac, uni_all)
    arc_sets = marker_sets()["archaea"]
    assert (est.domain, est.completeness, est.n_markers, est.n_sets) == (
        "archaea", 1.0, sum(map(len, arc_sets)), len(arc_sets))
    assert est.bac_completeness == pytest.approx(set_estimate(joint_counts(arc_bac, {}), marker_sets()["bacteria"])[0])
    # too few markers to tell: bacterial set
    assert domain_estimate({}, {"Ribosomal_L1": 1}).domain == "bacteria"
    # a duplicated universal marker is archaeal contamination: one extra copy in its set
    (l1_set,) = [s for s in marker_sets()["archaea"] if "Ribosomal_L1" in s]
    assert domain_estimate(arc_bac, {**uni_all, "Ribosomal_L1": 2}).contamination == pytest.approx(
        1 / len(l1_set) / len(arc_sets))


def test_collocated_sets_follow_checkm_rule():
    """a-b are within 5 kbp in all three genomes (4.9 kbp apart in g2): one set; c is near a
    and b in two of three (67 % < 95 %): alone; d-e are near in one genome only (fewer than
    two: a second copy of d takes g3 out of the pair's count): apart."""
    g1 = {"a": [("r", 100, 900)], "b": [("r", 1000, 1900)], "c": [("r", 2000, 2900)], "d": [("x", 1, 90)],
          "e": [("x", 200, 300)]}
    g2 = {"a": [("r", 100, 900)], "b": [("r", 5800, 6000)], "c": [("r", 1000, 1500)]}
    g3 = {"a": [("q", 1, 300)], "b": [("q", 400, 700)], "c": [("s", 1, 300)], "d": [("t", 1, 90), ("u", 1, 90)],
          "e": [("t", 100, 300)]}
    assert colocated_sets([g1, g2, g3], "abcde") == (("a", "b"), ("c",), ("d",), ("e",))
    assert colocated_sets([g1, g2, g3], "abcde", max_gap=4000) == (("a",), ("b",), ("c",), ("d",), ("e",))
    assert colocated_sets([g1, g2, g3], "abcde", min_fraction=0.6) == (("a", "b", "c"), ("d",), ("e",))
    assert colocated_sets([], "ab") == (("a",), ("b",))


def test_ubiquitous_markers_follow_checkm_rule():
    genomes = [{"a": [("r", 1, 9)], "b": [("r", 1, 9)]}, {"a": [("r", 1, 9)], "b": [("r", 1, 9), ("s", 1, 9)]},
               {"a": [("r", 1, 9)]}]
    assert ubiquitous_markers(genomes, "abc") == ("a",)  # b: twice in one genome, absent in another
    assert ubiquitous_markers(genomes, "abc", min_fraction=0.3) == ("a", "b")
    assert ubiquitous_markers([], "ab") == ("a", "b")


def test_shipped_sets_cover_most_markers_and_group_the_ribosomal_operon(tmp_path):
    sets = read_marker_sets(marker_sets_path())
    for domain, at_least in (("bacteria", 85), ("archaea", 30)):
        flat = [m for s in sets[domain] for m in s]
        assert len(flat) == len(set(flat)) >= at_least and set(flat) <= set(domain_markers(domain))
    # the S10-spc-alpha ribosomal protein operon is one bacterial set
    (operon,) = [s for s in sets["bacteria"] if "bac:Ribosomal_L4" in s]
    assert {"bac:Ribosomal_L5", "bac:Ribosomal_L23", "bac:Ribosomal_S8", "bac:Ribosomal_S13"} <= set(operon)
    write_marker_sets(sets, tmp_path / "s.tsv", "a header\nline two")
    assert read_marker_sets(tmp_path / "s.tsv") == sets
    (tmp_path / "bad.tsv").write_text("domain\tset\tmarkers\nbacteria\t1\tbac:GrpE,Ribosomal_L1\n"
                                      "archaea\t1\tRibosomal_L1\n")
    with pytest.raises(ValueError, match="hold markers of no bacteria set"):
        read_marker_sets(tmp_path / "bad.tsv")


def test_collocated_sets_read_an_operon_fragment_as_one_set():
    """A bin holding only the ribosomal operon (~20 markers): ~19 % of the 107 markers in the
    plain form, one set of the bacterial sets with collocated sets."""
    sets = marker_sets()["bacteria"]
    (operon,) = [s for s in sets if "bac:Ribosomal_L4" in s]
    bac = {m[4:]: 1 for m in operon}
    assert len(operon) >= 15 and estimate(bac, marker_names())[0] == pytest.approx(100 * len(operon) / 107)
    assert domain_estimate(bac, {}).completeness == pytest.approx(1 / len(sets))


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "data/genomes").is_dir(), reason="needs ../shared/data/genomes")
def test_archaeon_is_read_with_the_archaeal_set():
    """Methanobrevibacter ruminantium (complete genome): 29 % with the bacterial set before."""
    with gzip.open(SHARED / "data/genomes/Methanobrevibacter_ruminantium_M1.fna.gz", "rt") as fh:
        seq = "".join(line.strip() for line in fh if not line.startswith(">")).upper().encode()
    row = qc_records("mru", [(f"c{i}", seq[i:i + 50000]) for i in range(0, len(seq), 50000)], gene_mode="auto",
                     rna=False)
    assert row["domain"] == "archaea" and row["completeness"] > 90 and row["contamination"] < 5
    assert row["bac_completeness"] < 40 and row["mimag_tier"] == "unknown" and row["cc_tier"] == "high"
