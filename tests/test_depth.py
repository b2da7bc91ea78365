import shutil
import subprocess

import numpy as np
import pytest
from scipy.stats import trim_mean

from latentbin.depth import (Abundance, align_to, bam_depth, compute_depth, coverage_from_blocks, merge,
                             read_depth_table, read_sample, trimmed_mean)
from latentbin.errors import InputError
from latentbin.options import DepthOptions
from tests.helpers import make_bam, random_reads

REFS = [("c1", 1500), ("c2", 2200), ("c3", 900)]
CFG = DepthOptions(statistic="trimmed_mean", trim_fraction=0.1, min_identity=0.0, min_mapq=0, end_exclusion=0)
PLAIN = dict(statistic="mean", trim_fraction=0.0, min_identity=0.0, min_mapq=0, end_exclusion=0)
NAMES = np.array([n for n, _ in REFS])
LENGTHS = np.array([ln for _, ln in REFS])


@pytest.fixture(scope="module")
def bam(tmp_path_factory):
    rng = np.random.default_rng(3)
    return make_bam(tmp_path_factory.mktemp("bam") / "s1.bam", REFS, random_reads(rng, REFS, 600))


def samtools_depth(bam_path, extra=()):
    """Per-position depth from `samtools depth -a`, same read filters as latentbin."""
    out = subprocess.run(["samtools", "depth", "-a", "-G", "UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY", *extra,
                          str(bam_path)], check=True, capture_output=True, text=True).stdout
    per = {n: np.zeros(ln, dtype=np.int64) for n, ln in REFS}
    for line in out.splitlines():
        ref, pos, d = line.split("\t")
        per[ref][int(pos) - 1] = int(d)
    return per


@pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools not installed (apt-get install samtools)")
@pytest.mark.parametrize("statistic, trim", [("mean", 0.0), ("trimmed_mean", 0.1), ("trimmed_mean", 0.25)])
def test_depth_matches_samtools(bam, statistic, trim):
    per = samtools_depth(bam)
    got = bam_depth(bam, NAMES, LENGTHS, statistic=statistic, trim_fraction=trim, min_identity=0.0, min_mapq=0,
                    end_exclusion=0).depth
    want = [per[n].mean() if statistic == "mean" else trim_mean(per[n], trim) for n in NAMES]
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools not installed (apt-get install samtools)")
def test_mapq_filter_matches_samtools(bam):
    per = samtools_depth(bam, ["-Q", "5"])
    got = bam_depth(bam, NAMES, LENGTHS, statistic="mean", trim_fraction=0, min_identity=0.0, min_mapq=5, end_exclusion=0).depth
    np.testing.assert_allclose(got, [per[n].mean() for n in NAMES], rtol=1e-5)


def test_identity_filter_by_hand(tmp_path):
    # 100M with NM 0 -> identity 1.0; NM 4 -> 0.96; 50M5D50M with NM 5 -> 1 - 5/105
    reads = [{"ref": 0, "pos": 0, "cigar": [(0, 100)], "nm": 0},
             {"ref": 0, "pos": 0, "cigar": [(0, 100)], "nm": 4},
             {"ref": 0, "pos": 0, "cigar": [(0, 50), (2, 5), (0, 50)], "nm": 5}]
    path = make_bam(tmp_path / "id.bam", [("c1", 200)], reads)
    names, lengths = np.array(["c1"]), np.array([200])
    assert bam_depth(path, names, lengths, "mean", 0, min_identity=0.97, min_mapq=0, end_exclusion=0).depth[0] == pytest.approx(100 / 200)
    assert bam_depth(path, names, lengths, "mean", 0, min_identity=0.95, min_mapq=0, end_exclusion=0).depth[0] == pytest.approx((100 + 100 + 100) / 200)
    assert bam_depth(path, names, lengths, "mean", 0, min_identity=0.0, min_mapq=0, end_exclusion=0).depth[0] == pytest.approx(300 / 200)


def _long_reads(rng, n, length, contig_len, error, other_strain=0):
    """``n`` reads of ``length`` bp along one contig with NM ~ Binomial(length, error);
    ``other_strain`` more with 5 % more differences (a strain at 95 % ANI)."""
    reads = []
    for i in range(n + other_strain):
        rate = error + (0.05 if i >= n else 0.0)
        reads.append({"ref": 0, "pos": int(rng.integers(0, contig_len - length)), "cigar": [(0, length)],
                      "nm": int(rng.binomial(length, rate))})
    return reads


@pytest.mark.parametrize("length, error, want", [(6000, 0.07, 0.9), (150, 0.005, 0.97), (6000, 0.001, 0.97)])
def test_identity_threshold_follows_long_reads_own_accuracy(length, error, want):
    """Short reads and accurate long reads (HiFi) keep depth.min_identity; noisy long
    reads (ONT-like, 7 % errors, median identity ~0.93) get median - 0.03."""
    from latentbin.depth import identity_threshold

    class Read:
        flag, mapping_quality = 0, 60

        def __init__(self, nm: int) -> None:
            self.nm, self.cigartuples = nm, [(0, length)]

        def has_tag(self, tag: str) -> bool:
            return tag == "NM"

        def get_tag(self, tag: str) -> int:
            return self.nm

    rng = np.random.default_rng(0)
    got = identity_threshold(*read_sample([Read(int(rng.binomial(length, error))) for _ in range(2000)], 0), 0.97, "s")
    assert got == pytest.approx(want, abs=0.004)
    assert identity_threshold(*read_sample([Read(0)], 0), 0.0, "s") == 0.0  # the filter off stays off


def test_long_noisy_reads_keep_their_depth_and_drop_the_other_strain(tmp_path):
    """ONT-like reads (7 % errors) all failed 0.97 before; now the sample's own reads
    count and a 95 %-ANI strain's reads still do not; the stream gives the same depth."""
    import pysam

    from latentbin.depth import stream_depth

    rng = np.random.default_rng(1)
    reads = _long_reads(rng, 300, 5000, 200_000, 0.07, other_strain=100)
    path = make_bam(tmp_path / "ont.bam", [("c1", 200_000)], reads)
    names, lengths = np.array(["c1"]), np.array([200_000])
    got = bam_depth(path, names, lengths, "mean", 0, min_identity=0.97, min_mapq=0, end_exclusion=0).depth[0]
    own = bam_depth(path, names, lengths, "mean", 0, min_identity=0.0, min_mapq=0, end_exclusion=0).depth[0] * 300 / 400
    assert got == pytest.approx(own, rel=0.05)
    with pysam.AlignmentFile(str(path)) as f:
        streamed = stream_depth(f, "s", names, lengths, "mean", 0, 0.97, 0, end_exclusion=0)
    assert streamed.depth[0] == pytest.approx(got, rel=0.02) and streamed.long_reads


def test_a_sample_is_probed_once(tmp_path, monkeypatch):
    """One look at a sample's first reads sets both its long-read flag and its identity
    threshold: compute_depth and stream_depth sample each sample's reads once."""
    import dataclasses

    import pysam

    import latentbin.depth as d

    calls = []
    real = d.read_sample
    monkeypatch.setattr(d, "read_sample", lambda reads, mapq: calls.append(1) or real(reads, mapq))
    rng = np.random.default_rng(1)
    short = make_bam(tmp_path / "short.bam", REFS, [{"ref": 0, "pos": 5 * i, "cigar": [(0, 100)], "nm": 1}
                                                    for i in range(40)])
    ont = make_bam(tmp_path / "ont.bam", REFS, _long_reads(rng, 50, 1200, 1500, 0.07))
    identity = dataclasses.replace(CFG, min_identity=0.97)  # the threshold needs the sample too
    assert d.compute_depth([short, ont], NAMES, LENGTHS, identity).long_reads.tolist() == [False, True]
    assert len(calls) == 2
    with pysam.AlignmentFile(str(ont)) as f:
        assert d.stream_depth(f, "s", NAMES, LENGTHS, **{**PLAIN, "min_identity": 0.97}).long_reads
    assert len(calls) == 3


def test_depth_records_which_samples_are_long_reads(bam, tmp_path):
    """compute_depth flags a sample of long reads (median aligned length > 1 kbp), merge
    and save keep the flags, and a depth file written before the flags existed loads
    as short reads."""
    rng = np.random.default_rng(1)
    ont = make_bam(tmp_path / "ont.bam", REFS, _long_reads(rng, 50, 1200, 1500, 0.07))
    ab = compute_depth([bam, ont], NAMES, LENGTHS, CFG, samples=["short", "long"])
    assert ab.long_reads.tolist() == [False, True]
    one = compute_depth([ont], NAMES, LENGTHS, CFG, samples=["L"])
    assert merge([one, compute_depth([bam], NAMES, LENGTHS, CFG, samples=["S"])], ["a", "b"]).long_reads.tolist() == [True, False]
    ab.save(tmp_path / "d.npz")
    assert Abundance.load(tmp_path / "d.npz").long_reads.tolist() == [False, True]
    np.savez(tmp_path / "old.npz", names=ab.names, samples=ab.samples, depth=ab.depth)
    assert Abundance.load(tmp_path / "old.npz").long_reads.tolist() == [False, False]


@pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools not installed (apt-get install samtools)")
def test_end_exclusion_drops_the_contig_ends(bam):
    per = samtools_depth(bam)
    got = bam_depth(bam, NAMES, LENGTHS, **{**PLAIN, "end_exclusion": 75}).depth
    want = [per[n][75:len(per[n]) - 75].mean() if len(per[n]) > 150 else per[n].mean() for n in NAMES]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    assert not np.allclose(got, bam_depth(bam, NAMES, LENGTHS, **PLAIN).depth)


def test_trimmed_mean_equals_scipy():
    rng = np.random.default_rng(5)
    for n in (1, 7, 10, 11, 1000):
        x = rng.poisson(3, n).astype(np.int32)
        for t in (0.0, 0.1, 0.2, 0.49):
            assert trimmed_mean(x, t) == pytest.approx(trim_mean(x, t) if n else 0.0)


def test_coverage_from_blocks():
    cov = coverage_from_blocks(np.array([0, 2, 2]), np.array([3, 5, 4]), 6)
    assert cov.tolist() == [1, 1, 3, 2, 1, 0]


def test_parallel_equals_serial_and_merge(bam, tmp_path):
    other = tmp_path / "s2.bam"
    shutil.copy(bam, other)
    shutil.copy(str(bam) + ".bai", str(other) + ".bai")
    serial = compute_depth([bam, other], NAMES, LENGTHS, CFG, threads=1)
    parallel = compute_depth([bam, other], NAMES, LENGTHS, CFG, threads=2)
    np.testing.assert_array_equal(serial.depth, parallel.depth)
    assert serial.samples.tolist() == ["s1", "s2"] and serial.depth.shape == (3, 2)
    a = compute_depth([bam], NAMES, LENGTHS, CFG, samples=["A"])
    b = compute_depth([other], NAMES, LENGTHS, CFG, samples=["B"])
    merged = merge([a, b], ["a", "b"])
    np.testing.assert_array_equal(merged.depth, serial.depth)
    merged.save(tmp_path / "d.npz")
    back = Abundance.load(tmp_path / "d.npz")
    assert back.samples.tolist() == ["A", "B"]
    assert back.long_reads.tolist() == [False, False]
    with pytest.raises(InputError, match="duplicate sample names"):
        merge([a, a], ["a", "a2"])


def test_usable_drops_empty_samples_and_sets_aside_zero_contigs():
    from latentbin.depth import usable

    depth = np.array([[1, 0, 2], [0, 0, 0], [3, 0, 0]], dtype=np.float32)
    rows, cols = usable(depth)
    assert cols.tolist() == [True, False, True] and rows.tolist() == [True, False, True]


def test_missing_nm_tag_with_identity_filter(tmp_path):
    path = make_bam(tmp_path / "nonm.bam", REFS, [{"ref": 0, "pos": 5, "cigar": [(0, 50)]}])
    with pytest.raises(InputError, match="has no NM tag, needed for depth.min_identity"):
        bam_depth(path, NAMES, LENGTHS, "mean", 0, min_identity=0.97, min_mapq=0, end_exclusion=0)


def test_bam_errors(tmp_path, bam):
    unsorted = make_bam(tmp_path / "u.bam", REFS, [{"ref": 0, "pos": 5, "cigar": [(0, 50)]}], sort=False)
    with pytest.raises(InputError, match="not coordinate-sorted.*samtools sort"):
        bam_depth(unsorted, NAMES, LENGTHS, **PLAIN)
    noindex = make_bam(tmp_path / "n.bam", REFS, [{"ref": 0, "pos": 5, "cigar": [(0, 50)]}], index=False)
    with pytest.raises(InputError, match="has no index.*samtools index"):
        bam_depth(noindex, NAMES, LENGTHS, **PLAIN)
    with pytest.raises(InputError, match="contig 'c2' is 2200 bp in the BAM header but 999 bp"):
        bam_depth(bam, NAMES, np.array([1500, 999, 900]), **PLAIN)
    with pytest.raises(InputError, match="contig 'other' of .* is not in the BAM header"):
        bam_depth(bam, np.array(["c1", "other"]), np.array([1500, 10]), **PLAIN)
    # a sample whose reads all fail the filters: zeros and a warning (dropped before training)
    empty = make_bam(tmp_path / "e.bam", REFS, [{"ref": 0, "pos": 5, "cigar": [(0, 50)], "flag": 256}])
    assert not bam_depth(empty, NAMES, LENGTHS, **PLAIN).depth.any()
    notbam = tmp_path / "x.bam"
    notbam.write_text("hello")
    with pytest.raises(InputError, match="not a BAM file"):
        bam_depth(notbam, NAMES, LENGTHS, **PLAIN)
    with pytest.raises(InputError, match="BAM file not found"):
        compute_depth([tmp_path / "missing.bam"], NAMES, LENGTHS, CFG)


def test_depth_tables(tmp_path):
    jgi = tmp_path / "jgi.tsv"
    jgi.write_text("contigName\tcontigLen\ttotalAvgDepth\tS1.bam\tS1.bam-var\tS2.bam\tS2.bam-var\n"
                   "b\t2000\t3\t1.0\t0.1\t2.0\t0.2\na\t3000\t5\t4.0\t0.3\t1.0\t0.1\n")
    ab = read_depth_table(jgi)
    assert ab.samples.tolist() == ["S1", "S2"]
    aligned = align_to(ab, np.array(["a", "b"]), str(jgi))
    np.testing.assert_array_equal(aligned.depth, [[4.0, 1.0], [1.0, 2.0]])
    plain = tmp_path / "plain.tsv"
    plain.write_text("contig\tx\ty\tz\na\t1\t2\t3\n")
    assert read_depth_table(plain).depth.shape == (1, 3)
    with pytest.raises(InputError, match="contig 'zz' .* has no depth row"):
        align_to(ab, np.array(["a", "zz"]), str(jgi))
    bad = tmp_path / "bad.tsv"
    bad.write_text("contig\tS1\na\tlots\n")
    with pytest.raises(InputError, match="line 2 .*not a number"):
        read_depth_table(bad)


def _shuffled_sam(bam_path, out_path, seed=0, drop_ref=None):
    """The BAM's reads as SAM text in a random order (as minimap2 writes them: unsorted);
    ``drop_ref``: leave that contig out of the header (and its reads out)."""
    import pysam

    with pysam.AlignmentFile(str(bam_path)) as bam:
        header = bam.header.to_dict()
        reads = [r.to_string() for r in bam.fetch(until_eof=True)]
    if drop_ref is not None:
        header["SQ"] = [sq for sq in header["SQ"] if sq["SN"] != drop_ref]
        reads = [r for r in reads if r.split("\t")[2] != drop_ref]
    np.random.default_rng(seed).shuffle(reads)
    head = str(pysam.AlignmentHeader.from_dict(header))
    out_path.write_text(head + "".join(r + "\n" for r in reads))
    return out_path


@pytest.mark.parametrize("statistic, trim, identity, mapq, ends", [("trimmed_mean", 0.1, 0.0, 0, 0),
                                                                   ("mean", 0.0, 0.97, 5, 75)])
def test_stream_depth_equals_bam_depth_in_any_order(bam, tmp_path, statistic, trim, identity, mapq, ends):
    import pysam

    from latentbin.depth import stream_depth

    want = bam_depth(bam, NAMES, LENGTHS, statistic, trim, identity, mapq, end_exclusion=ends).depth
    for seed in (0, 1):
        sam = _shuffled_sam(bam, tmp_path / f"s{seed}.sam", seed)
        with pysam.AlignmentFile(str(sam), "r") as f:
            got = stream_depth(f, str(sam), NAMES, LENGTHS, statistic, trim, identity, mapq, end_exclusion=ends).depth
        np.testing.assert_array_equal(got, want)


def test_stream_depth_flushes_in_batches(bam, tmp_path, monkeypatch):
    import pysam

    import latentbin.depth as d

    want = bam_depth(bam, NAMES, LENGTHS, **PLAIN).depth
    monkeypatch.setattr(d, "FLUSH_BLOCKS", 7)
    with pysam.AlignmentFile(str(bam)) as f:
        np.testing.assert_array_equal(d.stream_depth(f, str(bam), NAMES, LENGTHS, **PLAIN).depth, want)


def test_stream_header_without_a_contig_is_one_line(bam, tmp_path):
    import pysam

    from latentbin.depth import stream_depth

    sam = _shuffled_sam(bam, tmp_path / "s.sam", drop_ref="c2")
    with pysam.AlignmentFile(str(sam), "r") as f, pytest.raises(InputError, match="contig 'c2' of the contigs is not in"):
        stream_depth(f, "minimap2 output of sample S1", NAMES, LENGTHS, **PLAIN)


@pytest.mark.skipif(shutil.which("minimap2") is None, reason="minimap2 not installed (apt-get install minimap2)")
def test_map_depth_from_reads_equals_depth_from_the_sorted_bam(mapped, tmp_path):
    """`latentbin map_depth` (minimap2's stream, no BAM) == `latentbin depth` on the sorted
    BAM of the same reads; a failing minimap2 is one line naming the sample."""
    from latentbin.cli import main
    from latentbin.stages import Paths
    from tests.conftest import example_samples

    contigs, bams = mapped
    sample, r1, r2 = example_samples()[0]
    assert main(["map_depth", "--contigs", str(contigs), "--index", str(contigs), "--reads", str(r1), str(r2),
                 "--sample", sample, "--out", str(tmp_path / "s.npz")]) == 0
    assert main(["depth", "--contigs", str(contigs), "--bam", str(bams[0]), "--samples", sample,
                 "--out", str(tmp_path / "b.npz")]) == 0
    streamed, sorted_bam = Abundance.load(tmp_path / "s.npz"), Abundance.load(tmp_path / "b.npz")
    assert list(streamed.samples) == [sample]
    np.testing.assert_array_equal(streamed.depth, sorted_bam.depth)
    assert streamed.long_reads.tolist() == sorted_bam.long_reads.tolist() == [False]
    # long reads (3 kbp pieces of the contigs, mapped with mapping.long_preset) are flagged
    from latentbin.contigs import iter_fasta
    from latentbin.stages import map_depth
    from tests.helpers import options as opts

    seqs = [seq.decode() for _, seq in iter_fasta(contigs) if len(seq) > 3500]
    longs = tmp_path / "long.fq"
    with open(longs, "w") as fh:
        for i, seq in enumerate(seqs[:40]):
            fh.write(f"@L{i}\n{seq[:3000]}\n+\n{'I' * 3000}\n")
    o = opts()
    map_depth(Paths(contigs=contigs, index=contigs, reads=[longs], sample={"name": "L", "long": str(longs)},
                    depth=tmp_path / "l.npz"), depth=o.depth, mapping=o.mapping)
    assert Abundance.load(tmp_path / "l.npz").long_reads.tolist() == [True]
    from latentbin.mapping import stream_sample_depth

    with pytest.raises(InputError, match=f"sample {sample}: minimap2 failed"):
        stream_sample_depth(contigs, [str(r1)], "sr", "--no-such-option", 1, sample, streamed.names,
                            np.ones(len(streamed.names), dtype=np.int64), CFG)
