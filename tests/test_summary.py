"""Summary table, MIMAG tiers and the console report (the qc/score/summary subcommands
are tested in test_cli.py)."""

import csv

import numpy as np
import pytest

from latentbin.tables import write_table
from latentbin.summary import console_summary, quality_tier, summarize, write_summary

try:  # tests/ may or may not be a package
    from .test_markers import write_fasta
except ImportError:
    from test_markers import write_fasta


def test_quality_tiers_at_the_boundaries():
    # MIMAG: high needs completeness > 90 (not >= 90) and contamination < 5
    assert quality_tier(90.01, 4.99) == "high"
    assert quality_tier(90.0, 0.0) == "medium"
    assert quality_tier(95.0, 5.0) == "medium"
    assert quality_tier(89.99, 0.0) == "medium"
    assert quality_tier(50.0, 9.99) == "medium"
    assert quality_tier(50.0, 10.0) == "low"
    assert quality_tier(49.99, 0.0) == "low"
    assert quality_tier(None, None) == "unknown"


@pytest.fixture
def run(tmp_path):
    """bins/ (two bins), clusters.tsv, depth.npz (3 samples), builtin and CheckM2 tables."""
    bins = tmp_path / "bins"
    bins.mkdir()
    write_fasta(bins / "b1.fna", [("c1", "A" * 1000), ("c2", "GC" * 1500)])  # 4000 bp, GC 3000/4000
    write_fasta(bins / "b2.fna", [("c3", "ACGT" * 500)])
    (tmp_path / "clusters.tsv").write_text("bin\tcontig\nb1\tc1\nb1\tc2\nb2\tc3\nb3\tc4\n")
    np.savez(tmp_path / "depth.npz", names=np.array(["c1", "c2", "c3", "c4"]), samples=np.array(["S1", "S2", "S3"]),
             depth=np.array([[1, 0, 2], [5, 0, 2], [3, 3, 3], [9, 9, 9]], dtype=np.float32))
    rna = {"rrna_5s": 1, "rrna_16s": 1, "rrna_23s": 2, "n_trna": 40, "n_trna_types": 19}
    write_table([{"bin": "b1", "completeness": 95.0, "contamination": 1.0, "domain": "bacteria", **rna},
                 {"bin": "b2", "completeness": 60.0, "contamination": 2.0, "domain": "archaea", **rna}],
                ["bin", "completeness", "contamination", "domain", *rna], tmp_path / "qc.tsv")
    write_table([{"bin": "b2", "checkm2_completeness": 30.0, "checkm2_contamination": 0.5,
                  "checkm2_model": "Gradient Boost (General Model)"}],
                ["bin", "checkm2_completeness", "checkm2_contamination", "checkm2_model"], tmp_path / "checkm2.tsv")
    return tmp_path


def test_summary_rows(run):
    rows, cols = summarize(run / "bins", run / "clusters.tsv", run / "depth.npz", run / "qc.tsv", run / "checkm2.tsv")
    assert cols[:8] == ["bin", "size_bp", "n_contigs", "n50", "gc", "depth_S1", "depth_S2", "depth_S3"]
    b1, b2 = rows
    assert (b1["size_bp"], b1["n_contigs"], b1["n50"]) == (4000, 2, 3000)
    assert b1["gc"] == pytest.approx(0.75)
    # length-weighted: (1 * 1000 + 5 * 3000) / 4000
    assert b1["depth_S1"] == pytest.approx(4.0) and b1["depth_S2"] == 0 and b1["depth_S3"] == pytest.approx(2.0)
    assert (b1["qc_source"], b1["completeness"], b1["quality"]) == ("builtin", 95.0, "high")
    assert (b1["mimag_tier"], b1["cc_tier"], b1["builtin_domain"], b1["rrna_23s"], b1["n_trna_types"]) == (
        "high", "high", "bacteria", 2, 19)
    assert b1["checkm2_completeness"] is None
    # CheckM2 numbers win where present; the built-in ones stay beside them
    assert (b2["qc_source"], b2["completeness"], b2["builtin_completeness"], b2["quality"]) == ("checkm2", 30.0, 60.0, "low")
    assert (b2["checkm2_model"], b1["checkm2_model"]) == ("Gradient Boost (General Model)", None)
    assert (b2["cc_tier"], b2["builtin_domain"], b2["rrna_23s"]) == ("low", "archaea", 2)
    at = {c: i for i, c in enumerate(cols)}
    assert at["builtin_completeness"] < at["checkm2_completeness"] < at["checkm2_model"] < at["qc_source"] < at["cc_tier"]


def test_write_summary_and_console(run):
    text = write_summary(run / "bins", run / "summary.tsv", clusters=run / "clusters.tsv", depth=run / "depth.npz",
                         qc=run / "qc.tsv")
    with open(run / "summary.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [r["quality"] for r in rows] == ["high", "medium"]
    assert rows[0]["depth_S1"] == "4.0000" and rows[0]["completeness"] == "95.00"
    assert rows[1]["checkm2_completeness"] == ""
    assert "2 bins" in text and "1 high, 1 medium, 0 low" in text and str(run / "summary.tsv") in text
    no_qc = console_summary([{"quality": "unknown", "size_bp": 10, "qc_source": "none"}], "s.tsv")
    assert "1 unknown" in no_qc


def test_mimag_tier_needs_rna_genes(run):
    """A bin that meets high's completeness/contamination but lacks 5S is MIMAG medium, cc high."""
    write_table([{"bin": "b1", "completeness": 99.0, "contamination": 0.0, "rrna_5s": 0, "rrna_16s": 1,
                  "rrna_23s": 1, "n_trna": 50, "n_trna_types": 20},
                 {"bin": "b2", "completeness": 99.0, "contamination": 0.0, "rrna_5s": 1, "rrna_16s": 1,
                  "rrna_23s": 1, "n_trna": 50, "n_trna_types": 17}],
                ["bin", "completeness", "contamination", "rrna_5s", "rrna_16s", "rrna_23s", "n_trna", "n_trna_types"],
                run / "qc.tsv")
    rows, cols = summarize(run / "bins", None, None, run / "qc.tsv")
    assert [(r["mimag_tier"], r["cc_tier"]) for r in rows] == [("medium", "high"), ("medium", "high")]
    assert cols.index("mimag_tier") < cols.index("cc_tier")
    # without RNA columns (an older QC table) MIMAG cannot say high
    write_table([{"bin": "b1", "completeness": 99.0, "contamination": 0.0}], ["bin", "completeness", "contamination"],
                run / "qc.tsv")
    rows, _ = summarize(run / "bins", None, None, run / "qc.tsv")
    assert (rows[0]["mimag_tier"], rows[0]["cc_tier"]) == ("unknown", "high")


def test_summary_without_depth_or_qc(run):
    rows, cols = summarize(run / "bins", None, None)
    assert not any(c.startswith("depth_") for c in cols)
    assert {r["quality"] for r in rows} == {"unknown"}
