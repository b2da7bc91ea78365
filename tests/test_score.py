"""Gold-standard scoring: hand-checked numbers, ARI, and agreement with
../shared/tools/score_bins.py on the same input (every table number)."""

import json
import random
import subprocess
import sys

import pytest

from tests.helpers import SHARED
from sklearn.metrics import adjusted_rand_score

from latentbin.errors import InputError
from latentbin.score import PRECISIONS, RECALLS, read_clusters, read_gold, read_score, score, score_files

TOOL = SHARED / "tools" / "score_bins.py"


def write_gold(path, rows):
    path.write_text("contig\tgenome\tlength\textra\n" + "".join(f"{c}\t{g}\t{n}\tx\n" for c, g, n in rows))


def write_clusters(path, pairs, header=True):
    path.write_text(("bin\tcontig\n" if header else "") + "".join(f"{b}\t{c}\n" for b, c in pairs))


def test_hand_checked_example(tmp_path):
    # genome A: 1000 bp in a1 (600) + a2 (400); genome B: b1 (500) + b2 (100, short)
    gold = [("a1", "A", 600), ("a2", "A", 400), ("b1", "B", 500), ("b2", "B", 100)]
    write_gold(tmp_path / "gold.tsv", gold)
    genome_of, lengths = read_gold(tmp_path / "gold.tsv", min_contig=200)
    assert genome_of == {"a1": "A", "a2": "A", "b1": "B"} and lengths["b2"] == 100
    # bin x = a1 + a2 + b1? no: x = a1 + a2 (A recall 1, precision 1); y = b1 + b2 + foreign contig
    res = score(genome_of, lengths, {"a1": "x", "a2": "x", "b1": "y", "b2": "y", "zz": "y"})
    assert res["genomes"] == 2 and res["bins"] == 2
    assert res["NC"] == 2 and res["table"][(0.99, 0.99)] == 2
    assert res["contigs_not_in_gold"] == 2  # b2 (below min_contig) and zz
    assert res["binned_bp_fraction"] == 1.0
    assert res["ari"] == 1.0
    # a2 unbinned: A recall 0.6 only
    res = score(genome_of, lengths, {"a1": "x", "b1": "y"})
    assert res["table"][(0.6, 0.99)] == 2 and res["table"][(0.7, 0.9)] == 1 and res["NC"] == 1
    assert res["binned_bp_fraction"] == pytest.approx(1100 / 1500)
    # ARI: unbinned a2 is a singleton cluster; binned-only ARI ignores it
    assert res["ari"] == pytest.approx(adjusted_rand_score(["A", "A", "B"], ["x", "u", "y"]))
    assert res["ari_binned"] == 1.0


def test_ari_of_a_mixed_bin():
    genome_of = {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}
    lengths = dict.fromkeys(genome_of, 1000)
    res = score(genome_of, lengths, {"a1": "x", "a2": "x", "b1": "x", "b2": "y"})
    assert res["ari"] == pytest.approx(adjusted_rand_score(["A", "A", "B", "B"], ["x", "x", "x", "y"]))
    # A is 2/3 of bin x (precision 0.67); B is half in pure bin y (recall 0.5)
    assert res["NC"] == 0 and res["table"][(0.5, 0.9)] == 1 and res["table"][(0.6, 0.9)] == 0
    assert res["chimeric"] == 1  # x: its largest genome holds 2/3 < 0.9 of it; y is pure


def test_chimeric_counts_bins_below_90_percent_one_genome():
    genome_of = {"a1": "A", "b1": "B", "c1": "C", "c2": "C"}
    lengths = {"a1": 910, "b1": 90, "c1": 500, "c2": 500}
    # x is 91 % A: not chimeric; y is pure C
    assert score(genome_of, lengths, {"a1": "x", "b1": "x", "c1": "y", "c2": "y"})["chimeric"] == 0
    lengths["b1"] = 120  # A now 88 %
    assert score(genome_of, lengths, {"a1": "x", "b1": "x", "c1": "y", "c2": "y"})["chimeric"] == 1


def test_min_bin_bp_drops_small_bins():
    genome_of = {"a1": "A", "a2": "A"}
    lengths = {"a1": 900, "a2": 100}
    res = score(genome_of, lengths, {"a1": "x", "a2": "y"}, min_bin_bp=500)
    assert res["bins"] == 1 and res["binned_bp_fraction"] == 0.9


def test_table_round_trip_and_inputs(tmp_path):
    write_gold(tmp_path / "gold.tsv", [("a1", "A", 600), ("b1", "B", 500)])
    write_clusters(tmp_path / "c.tsv", [("x", "a1"), ("y", "b1")], header=False)
    res = score_files(tmp_path / "gold.tsv", tmp_path / "c.tsv", tmp_path / "score.tsv")
    back = read_score(tmp_path / "score.tsv")
    assert back["table"] == res["table"] and back["NC"] == 2 and back["ari"] == pytest.approx(res["ari"])
    lines = (tmp_path / "score.tsv").read_text().splitlines()
    assert lines[0] == "metric\trecall\tprecision\tvalue" and len(lines) == 1 + 21 + 8
    bins = tmp_path / "bins"
    bins.mkdir()
    (bins / "x.fna").write_text(">a1\nACGT\n")
    (bins / "y.fa.gz").write_bytes(__import__("gzip").compress(b">b1\nACGT\n"))
    assert read_clusters(bins) == {"a1": "x", "b1": "y"}
    with pytest.raises(InputError, match="contig, genome, length"):
        (tmp_path / "bad.tsv").write_text("a\tb\n")
        read_gold(tmp_path / "bad.tsv")


def random_case(tmp_path, seed, n_genomes=8, n_contigs=400):
    rng = random.Random(seed)
    gold = [(f"c{i}", f"G{rng.randrange(n_genomes)}", rng.randint(500, 60000)) for i in range(n_contigs)]
    write_gold(tmp_path / "gold.tsv", gold)
    pairs = []
    for c, g, _ in gold:
        r = rng.random()
        if r < 0.15:
            continue  # unbinned
        b = f"bin_{g}" if r < 0.8 else f"bin_{rng.randrange(12)}"
        pairs.append((b, c))
    pairs += [("bin_x", "not_in_gold_1"), ("bin_3", "not_in_gold_2")]
    write_clusters(tmp_path / "clusters.tsv", pairs)
    return tmp_path / "gold.tsv", tmp_path / "clusters.tsv"


@pytest.mark.shared
@pytest.mark.parametrize("seed,min_contig,min_bin_bp", [(1, 0, 0), (2, 2000, 0), (3, 10000, 0), (4, 2000, 300000)])
def test_agrees_with_shared_score_bins(tmp_path, seed, min_contig, min_bin_bp):
    gold, clusters = random_case(tmp_path, seed)
    out_json = tmp_path / "ref.json"
    subprocess.run([sys.executable, str(TOOL), "--gold", str(gold), "--bins", str(clusters),
                    "--min-contig", str(min_contig), "--min-bin-bp", str(min_bin_bp), "--json", str(out_json)],
                   check=True, capture_output=True)
    ref = json.loads(out_json.read_text())
    score_files(gold, clusters, tmp_path / "score.tsv", min_contig=min_contig, min_bin_bp=min_bin_bp)
    ours = read_score(tmp_path / "score.tsv")
    for p in PRECISIONS:
        for r in RECALLS:
            assert ours["table"][(r, p)] == ref["table"][f"recall>={r},precision>={p}"], (r, p)
    for key in ("NC", "genomes", "bins", "contigs_not_in_gold"):
        assert ours[key] == ref[key], key
    assert ours["binned_bp_fraction"] == pytest.approx(ref["binned_bp_fraction"], abs=1e-6)
    assert sum(ours["table"].values()) > 0  # the case is not trivially empty
