import numpy as np
import pytest

from dataclasses import replace

from latentbin.markers import ContigMarkers, find_markers, quality
from latentbin.refine import groups, recluster_kmeans, refine
from tests.helpers import options

OPTS = options().cluster


def genome_markers(contigs: list[int], markers: list[int], n_contigs: int) -> tuple[list[int], list[int]]:
    """Place each marker once on the genome's contigs (round robin)."""
    return [contigs[i % len(contigs)] for i in range(len(markers))], markers


def setup():
    rng = np.random.default_rng(0)
    # genome A: contigs 0-39, genome B: 40-79 (both with all 107 markers);
    # genome C: contigs 80-119 split into halves 80-99 / 100-119 in latent space
    latent = np.zeros((120, 8), dtype=np.float32)
    latent[:40] = rng.normal([3, 0, 0, 0, 0, 0, 0, 0], 0.3, (40, 8))
    latent[40:80] = rng.normal([3, 1.2, 0, 0, 0, 0, 0, 0], 0.3, (40, 8))
    latent[80:100] = rng.normal([0, 0, 3, 0.0, 0, 0, 0, 0], 0.3, (20, 8))
    latent[100:] = rng.normal([0, 0, 3, 1.5, 0, 0, 0, 0], 0.3, (20, 8))
    depth = np.ones((120, 3), dtype=np.float32)
    depth[40:80] *= np.array([5, 1, 1], dtype=np.float32)
    contig, marker = [], []
    for lo, hi in ((0, 40), (40, 80), (80, 120)):
        c, m = genome_markers(list(range(lo, hi)), list(range(107)), 120)
        contig += c
        marker += m
    names = np.array([f"c{i}" for i in range(120)])
    found = ContigMarkers(names, np.array([f"m{i}" for i in range(107)]), np.array(contig), np.array(marker))
    labels = np.array([0] * 80 + [1] * 20 + [2] * 20)  # A+B merged; C split in two
    return labels, latent, depth, np.full(120, 10000), found


def test_quality_by_hand():
    counts = np.zeros(107, dtype=int)
    counts[:50] = 1
    counts[:10] = 3
    comp, cont = quality(counts)
    assert comp == 50 / 107 and cont == 20 / 107


def test_refine_splits_merged_and_merges_split():
    labels, latent, depth, lengths, found = setup()
    new = refine(labels, latent, depth, lengths, found, OPTS, seed=1)
    assert len(set(new[:40])) == 1 and len(set(new[40:80])) == 1 and new[0] != new[40]  # A and B apart
    assert len(set(new[80:])) == 1  # C whole again
    assert len(set(new.tolist())) == 3


def test_refine_leaves_clean_clusters_alone():
    labels, latent, depth, lengths, found = setup()
    clean = np.array([0] * 40 + [1] * 40 + [2] * 40)
    np.testing.assert_array_equal(refine(clean, latent, depth, lengths, found, OPTS), clean)


@pytest.mark.shared
def test_find_markers_on_real_genome_slice():
    import gzip

    from tests.helpers import SHARED

    path = SHARED / "data" / "genomes" / "Escherichia_coli_W3110.fna.gz"
    seq = b"".join(l.strip() for l in gzip.open(path) if not l.startswith(b">"))[:1_500_000].upper()
    records = [(f"c{i}", seq[i : i + 50_000]) for i in range(0, len(seq), 50_000)]
    found = find_markers(records, threads=2)
    assert len(found.contig) > 10  # E. coli carries single-copy markers in any 1.5 Mbp
    assert set(found.names.tolist()) == {n for n, _ in records}
    assert found.matrix().shape == (len(records), 107)


def test_merge_off_keeps_the_halves_apart():
    labels, latent, depth, lengths, found = setup()
    new = refine(labels, latent, depth, lengths, found, replace(OPTS, merge=False), seed=1)
    assert new[0] != new[40]  # the split still happens
    assert new[80] != new[100]  # but C's halves stay two clusters
    assert len(set(new.tolist())) == 4


def test_thresholds_come_from_the_options():
    labels, latent, depth, lengths, found = setup()
    # a split must gain more than any split can (quality is at most 1 per part): none happens
    new = refine(labels, latent, depth, lengths, found, replace(OPTS, split_min_gain=10.0, merge=False), seed=1)
    assert new[0] == new[40]
    # merging needs the centroids within merge_distance: C's halves are ~0.1 apart
    far = refine(labels, latent, depth, lengths, found, replace(OPTS, merge_distance=0.001), seed=1)
    assert far[80] != far[100]


def test_kmeans_recluster_cuts_by_median_marker_count():
    labels, latent, depth, lengths, found = setup()
    new = refine(labels, latent, depth, lengths, found, replace(OPTS, refine_method="kmeans"), seed=1)
    # A+B (every marker twice: median 2) is cut into A and B; C's halves (median 0 and 1)
    # are left alone: Vamb's reclustering never merges
    assert len(set(new[:40])) == 1 and len(set(new[40:80])) == 1 and new[0] != new[40]
    assert new[80] != new[100] and len(set(new.tolist())) == 4
    np.testing.assert_array_equal(new, recluster_kmeans(labels, latent, lengths, found, seed=1))


def test_kmeans_recluster_seeds_with_the_longest_carriers():
    from latentbin.refine import _kmeans_seeds

    members = np.arange(6)
    carriers = np.array([[1, 1], [1, 0], [0, 1], [0, 1], [1, 0], [0, 0]], dtype=bool)
    lengths = np.array([100, 900, 5000, 800, 50, 10])
    counts = carriers.sum(axis=0)  # [3, 3]
    # marker 0 on contigs 0, 1, 4 (shortest 50); marker 1 on 0, 2, 3 (shortest 100)
    np.testing.assert_array_equal(_kmeans_seeds(members, carriers, counts, 3, lengths), [0, 2, 3])


def test_groups_match_a_scan_per_label():
    labels = np.random.default_rng(3).integers(0, 50, 2000)
    got = groups(labels)
    want = [np.flatnonzero(labels == k) for k in np.unique(labels)]
    assert len(got) == len(want) and all(np.array_equal(a, b) for a, b in zip(got, want))
    assert groups(np.zeros(0, dtype=np.int64)) == []
