"""Property-based tests (hypothesis): the FASTA reader, TNF, the depth-table reader, the
config validator and the read-file checks, on random inputs. Each runs at most 50
examples with no deadline, so the file stays fast."""

from __future__ import annotations

import gzip
import io
import itertools
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from latentbin.check import check_contigs, fastq_integrity
from latentbin.config import defaults, merge, schema, validate
from latentbin.contigs import iter_fasta, iter_fasta_handle
from latentbin.depth import read_depth_table
from latentbin.errors import InputError
from latentbin.samples import NAME_PATTERN
from latentbin.tnf import count_kmers, project, tnf_of

FAST = settings(max_examples=50, deadline=None)
IUPAC = "ACGTURYSWKMBDHVNacgturyswkmbdhvn-.*"
# names: printable ASCII without whitespace (the reader keeps the header up to the first blank)
NAME = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12)


_DIR = tempfile.TemporaryDirectory(prefix="latentbin-properties-")  # removed at exit
_SERIAL = itertools.count()


def _tmp_file(data: bytes, name: str) -> Path:
    """A fresh file (hypothesis examples cannot use the function-scoped tmp_path)."""
    path = Path(_DIR.name) / str(next(_SERIAL)) / name
    path.parent.mkdir()
    path.write_bytes(data)
    return path


# ----------------------------------------------------------------------------- FASTA reader
@st.composite
def fasta_records(draw):
    names = draw(st.lists(NAME, min_size=1, max_size=6, unique=True))
    seqs = [draw(st.text(st.sampled_from(IUPAC), max_size=200)) for _ in names]
    return list(zip(names, seqs))


def render_fasta(records, width: int, newline: str, descriptions: list[str]) -> bytes:
    out = []
    for (name, seq), desc in zip(records, descriptions):
        out.append(f">{name}{' ' + desc if desc else ''}")
        out.extend(seq[i : i + width] for i in range(0, len(seq), width))
    return (newline.join(out) + newline).encode()


@FAST
@given(records=fasta_records(), width=st.integers(1, 90), newline=st.sampled_from(["\n", "\r\n"]),
       compress=st.booleans(), data=st.data())
def test_fasta_round_trip(records, width, newline, compress, data):
    descriptions = [data.draw(st.sampled_from(["", "len=12 cov=3.5", "\tx"])) for _ in records]
    raw = render_fasta(records, width, newline, descriptions)
    want = [(n, s.upper().encode()) for n, s in records]
    assert list(iter_fasta_handle(io.BytesIO(raw), "mem")) == want
    import latentbin.contigs as contigs_module

    block, contigs_module.READ_BLOCK = contigs_module.READ_BLOCK, 3  # records cut across many reads
    try:
        assert list(iter_fasta_handle(io.BytesIO(raw), "mem")) == want
    finally:
        contigs_module.READ_BLOCK = block
    path = _tmp_file(gzip.compress(raw) if compress else raw, "c.fna.gz" if compress else "c.fna")
    assert list(iter_fasta(path)) == want


@FAST
@given(raw=st.binary(max_size=400))
def test_fasta_reader_fails_only_with_input_error(raw):
    """Random bytes: records or a one-line InputError, the same whatever the read block size."""
    import latentbin.contigs as contigs_module

    def read() -> tuple[list, str]:
        got = []
        try:
            for name, seq in iter_fasta_handle(io.BytesIO(raw), "mem"):
                assert isinstance(name, str) and isinstance(seq, bytes)
                got.append((name, seq))
        except InputError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("mem: ")
            return got, str(exc)
        return got, ""

    whole = read()
    block, contigs_module.READ_BLOCK = contigs_module.READ_BLOCK, 4
    try:
        assert read() == whole
    finally:
        contigs_module.READ_BLOCK = block


@FAST
@given(raw=st.binary(max_size=400), gz=st.sampled_from([b"", b"\x1f\x8b", b"\x1f\x8b\x08\x00"]),
       cut=st.floats(0, 1))
def test_contig_check_fails_only_with_input_error(raw, gz, cut):
    """Random bytes, random gzip-looking bytes and truncated real gzip of random bytes."""
    payload = gz + raw if gz else raw
    if gz and cut < 0.5:
        whole = gzip.compress(b">c1\n" + raw)
        payload = whole[: int(len(whole) * cut * 2)]
    path = _tmp_file(payload, "c.fna")
    try:
        check_contigs(path, 1)
    except InputError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)


# ----------------------------------------------------------------------------- read files
@FAST
@given(raw=st.binary(max_size=300), prefix=st.sampled_from([b"", b"@", b"@r1\nACGT\n+\n", b">", b"\x1f\x8b"]),
       fasta=st.booleans())
def test_read_checks_fail_only_with_input_error(raw, prefix, fasta):
    path = _tmp_file(prefix + raw, "r.fq")
    try:
        assert fastq_integrity(path, allow_fasta=fasta) > 0
    except InputError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)


@FAST
@given(seqs=st.lists(st.text(st.sampled_from("ACGTN"), max_size=300), min_size=1, max_size=40),
       crlf=st.booleans(), cut=st.integers(2, 5000))
def test_fastq_count_and_truncation(seqs, crlf, cut):
    """The full pass counts every record; cutting a gzip stream short (magic kept) is always caught."""
    nl = "\r\n" if crlf else "\n"
    text = "".join(f"@r{i} c{nl}{s}{nl}+{nl}{'#' * len(s)}{nl}" for i, s in enumerate(seqs)).encode()
    whole = gzip.compress(text)
    assert fastq_integrity(_tmp_file(whole, "r.fq.gz")) == len(seqs)
    cut = min(cut, len(whole) - 1)
    with pytest.raises(InputError, match="gzip stream is truncated or corrupt.*re-download or re-copy the file"):
        fastq_integrity(_tmp_file(whole[:cut], "r.fq.gz"))


# ----------------------------------------------------------------------------- TNF
DNA = st.text(st.sampled_from("ACGTNacgtRY"), min_size=0, max_size=400)


def revcomp(seq: str) -> str:
    return seq.upper()[::-1].translate(str.maketrans("ACGTRY", "TGCAYR"))


@FAST
@given(seq=DNA)
def test_tnf_is_reverse_complement_invariant(seq):
    a, b = tnf_of([seq.encode()]), tnf_of([revcomp(seq).encode()])
    np.testing.assert_allclose(a, b, atol=1e-5)


def valid_windows(seq: str) -> int:
    return sum(all(c in "ACGTacgt" for c in seq[i : i + 4]) for i in range(len(seq) - 3))


@FAST
@given(seqs=st.lists(DNA, min_size=1, max_size=5))
def test_kmer_counts_sum_to_valid_windows_per_sequence(seqs):
    counts = count_kmers([s.encode() for s in seqs])
    assert counts.sum(axis=1).tolist() == [valid_windows(s) for s in seqs]
    # each sequence is counted on its own: no 4-mer spans two sequences
    for i, s in enumerate(seqs):
        np.testing.assert_array_equal(counts[i], count_kmers([s.encode()])[0])


@FAST
@given(scale=st.floats(1e-3, 1e6))
def test_uniform_frequencies_project_to_zero(scale):
    np.testing.assert_allclose(project(np.full((1, 256), scale)), 0, atol=1e-6)


# ----------------------------------------------------------------------------- depth tables
# sample names as the sample sheet allows them (a column header may also be a BAM path: .bam is dropped)
SAMPLE = st.from_regex(NAME_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 12 and not s.endswith((".bam", "-var")))
CONTIG = st.text(st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters='"'), min_size=1,
                 max_size=12)
DEPTH = st.floats(0, 1e6, allow_nan=False, width=32)


@st.composite
def depth_tables(draw):
    names = draw(st.lists(CONTIG, min_size=1, max_size=15, unique=True))
    samples = draw(st.lists(SAMPLE, min_size=1, max_size=4, unique=True))
    depth = np.array([[draw(DEPTH) for _ in samples] for _ in names], dtype=np.float32)
    return names, samples, depth


def render_table(names, samples, depth, metabat: bool) -> str:
    if metabat:
        head = ["contigName", "contigLen", "totalAvgDepth"] + [c for s in samples for c in (s + ".bam", s + ".bam-var")]
        rows = [[n, "100", "0"] + [v for d in row for v in (repr(float(d)), "0.5")] for n, row in zip(names, depth)]
    else:
        head = ["contig"] + samples
        rows = [[n] + [repr(float(d)) for d in row] for n, row in zip(names, depth)]
    return "".join("\t".join(r) + "\n" for r in [head] + rows)


@FAST
@given(table=depth_tables(), metabat=st.booleans())
def test_depth_table_round_trip(table, metabat):
    names, samples, depth = table
    ab = read_depth_table(_tmp_file(render_table(names, samples, depth, metabat).encode(), "depth.tsv"))
    assert ab.names.tolist() == names and ab.samples.tolist() == samples
    np.testing.assert_array_equal(ab.depth, depth)


@FAST
@given(table=depth_tables(), bad=st.sampled_from(["-1.5", "nan", "inf", "-inf", "-0.001"]), data=st.data())
def test_depth_table_rejects_negative_and_nan(table, bad, data):
    names, samples, depth = table
    rows = render_table(names, samples, depth, False).splitlines()
    i = data.draw(st.integers(1, len(names)))
    j = data.draw(st.integers(1, len(samples)))
    fields = rows[i].split("\t")
    fields[j] = bad
    rows[i] = "\t".join(fields)
    path = _tmp_file(("\n".join(rows) + "\n").encode(), "depth.tsv")
    with pytest.raises(InputError, match="depths must be finite and >= 0; fix the table"):
        read_depth_table(path)


# ----------------------------------------------------------------------------- config
def leaves(node: dict, path: tuple = ()) -> list[tuple[tuple, dict]]:
    """(key path, schema) of every leaf key of the config schema."""
    out = []
    for key, sub in node.get("properties", {}).items():
        if sub.get("type") == "object" and "properties" in sub:
            out.extend(leaves(sub, (*path, key)))
        else:
            out.append(((*path, key), sub))
    return out


LEAVES = leaves(schema())


def _types(node: dict) -> list[str]:
    t = node.get("type", [])
    return [t] if isinstance(t, str) else list(t)


def _number(node: dict, integer: bool):
    lo = node.get("minimum", node.get("exclusiveMinimum"))
    hi = node.get("maximum", node.get("exclusiveMaximum"))
    if integer:
        lo = None if lo is None else lo + ("exclusiveMinimum" in node)
        hi = None if hi is None else hi - ("exclusiveMaximum" in node)
        return st.integers(lo if lo is not None else -10**6, hi if hi is not None else (lo or 0) + 10**6)
    return st.floats(lo if lo is not None else -1e6, hi if hi is not None else (lo or 0) + 1e6,
                     exclude_min="exclusiveMinimum" in node, exclude_max="exclusiveMaximum" in node,
                     allow_nan=False, allow_infinity=False)


def valid_value(node: dict):
    """A strategy for values the schema accepts at this leaf."""
    if "enum" in node:
        return st.sampled_from(node["enum"])
    options = []
    for t in _types(node):
        if t == "null":
            options.append(st.none())
        elif t == "boolean":
            options.append(st.booleans())
        elif t in ("integer", "number"):
            options.append(_number(node, t == "integer"))
        elif t == "string":
            pattern = node.get("pattern")
            options.append(st.from_regex(pattern, fullmatch=True) if pattern
                           else st.text(min_size=node.get("minLength", 0), max_size=20))
        elif t == "array":
            options.append(st.lists(_number(node["items"], True), min_size=node.get("minItems", 0), max_size=4))
    return st.one_of(options)


def nest(pairs) -> dict:
    cfg: dict = {}
    for path, value in pairs:
        node = cfg
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return cfg


@st.composite
def valid_configs(draw):
    chosen = draw(st.lists(st.sampled_from(range(len(LEAVES))), unique=True, max_size=12))
    return nest((LEAVES[i][0], draw(valid_value(LEAVES[i][1]))) for i in chosen)


@FAST
@given(cfg=valid_configs())
def test_valid_config_validates_and_fills_defaults(cfg):
    want = merge(defaults(), cfg)
    if want["assembly"]["mode"] == "per_sample":  # the one derived value: per-sample assemblies bin multi-split
        want["cluster"]["multisplit"] = True
    assert validate(cfg) == want


BOUNDED = [(p, n) for p, n in LEAVES if "enum" in n or {"minimum", "exclusiveMinimum", "maximum",
                                                            "exclusiveMaximum"} & set(n)]


@st.composite
def invalid_leaf(draw):
    path, node = draw(st.sampled_from(BOUNDED))
    if "enum" in node:
        value = draw(st.text(max_size=10).filter(lambda v: v not in node["enum"]))
    else:
        integer = "integer" in _types(node)
        below = []
        if "minimum" in node:
            below.append(st.integers(node["minimum"] - 1000, node["minimum"] - 1) if integer
                         else st.floats(node["minimum"] - 1000, node["minimum"], exclude_max=True))
        if "exclusiveMinimum" in node:
            below.append(st.floats(node["exclusiveMinimum"] - 1000, node["exclusiveMinimum"]))
        if "maximum" in node:
            below.append(st.integers(node["maximum"] + 1, node["maximum"] + 1000) if integer
                         else st.floats(node["maximum"], node["maximum"] + 1000, exclude_min=True))
        if "exclusiveMaximum" in node:
            below.append(st.floats(node["exclusiveMaximum"], node["exclusiveMaximum"] + 1000))
        value = draw(st.one_of(below))
    return path, value


@FAST
@given(bad=invalid_leaf(), good=valid_configs())
def test_out_of_range_config_names_the_key(bad, good):
    path, value = bad
    cfg = merge(good, nest([(path, value)]))
    assume(not (isinstance(value, float) and math.isnan(value)))
    with pytest.raises(InputError) as err:
        validate(cfg, source="my.yaml")
    msg = str(err.value)
    assert msg.startswith("my.yaml: ") and "\n" not in msg
    # several keys may be wrong at once only if `good` is; it is not, so the error names ours
    assert f"key '{'.'.join(path)}'" in msg, msg
