"""rRNA and tRNA genes of a bin, for the MIMAG tiers (Bowers et al. 2017).

- rRNA: ``pyhmmer.nhmmer`` with the five Rfam profile HMMs in ``data/rrna.hmm`` (5S
  RF00001; 16S RF00177 bacteria and RF01959 archaea; 23S RF02541 bacteria and RF02540
  archaea). They are the filter HMMs that Rfam's ``cmbuild`` stores inside Rfam's
  covariance models (Rfam 14.8, CC0; see ``data/RRNA_LICENSE.txt``). As in barrnap, a hit
  counts when its E-value is <= 1e-6 and it covers >= 25 % of the profile; overlapping
  hits of the bacterial and archaeal profiles of one gene on one strand are one gene.
- Prefilter: the two long models (16S ~1.5 kb, 23S ~2.9 kb) make a full nhmmer pass cost
  ~5 s per Mbp, so they run only on candidate windows: stretches with at least
  ``PREFILTER_MIN_HITS`` exact ``PREFILTER_K``-mers of those models' consensus sequences
  (either strand) no more than ``PREFILTER_GAP`` bp apart, widened by ``PREFILTER_PAD`` bp
  (longer than any rRNA gene) on each side. nhmmer's E-values are made as for the whole
  bin (``Z`` = the bin's bp), so a gene found in a window is scored as in the full search.
  The short 5S model still searches the whole bin (a 5S gene can sit alone). Given the
  bin's domain (the QC passes it), only that domain's 16S/23S models run. That the
  counts equal the full search's is checked on the 43 reference genomes by
  ``benchmarks/qc_speed.py`` (``tests/test_rna.py`` on E. coli).
- tRNA: ARAGORN through ``pyaragorn`` (optional dependency, GPL-3; without it the tRNA
  columns stay empty and the MIMAG tier is ``unknown`` where it would need them).

>>> RRNA_TYPES
('5S', '16S', '23S')
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from functools import lru_cache
from typing import Sequence

import numpy as np
import pyhmmer

RRNA_TYPES = ("5S", "16S", "23S")
#: Rfam accession -> rRNA gene type
RFAM_TYPE = {"RF00001": "5S", "RF00177": "16S", "RF01959": "16S", "RF02541": "23S", "RF02540": "23S"}
#: Rfam accession -> the domain its model is for (None: both)
RFAM_DOMAIN = {"RF00001": None, "RF00177": "bacteria", "RF02541": "bacteria", "RF01959": "archaea", "RF02540": "archaea"}
MAX_EVALUE = 1e-6
MIN_PROFILE_FRACTION = 0.25
#: Prefilter (see the module docstring): k-mer length, hits per window, gap and padding in bp
PREFILTER_K = 16
PREFILTER_MIN_HITS = 2
PREFILTER_GAP = 300
PREFILTER_PAD = 3_200
#: Models shorter than this search the whole bin (the 5S model, 119 nodes)
PREFILTER_MIN_MODEL = 1_000
#: the 20 standard amino acids, as ARAGORN names them (SeC and Pyl are not counted)
STANDARD_AMINO_ACIDS = frozenset(
    "Ala Arg Asn Asp Cys Gln Glu Gly His Ile Leu Lys Met Phe Pro Ser Thr Trp Tyr Val".split())

_DNA = pyhmmer.easel.Alphabet.dna()
_local = threading.local()


def rrna_hmm_path() -> Path:
    """Path of the shipped Rfam rRNA profile HMMs."""
    return Path(str(resources.files("latentbin").joinpath("data").joinpath("rrna.hmm")))


def _rrna_hmms() -> list[pyhmmer.plan7.HMM]:
    """One copy of the rRNA profiles per thread, in the DNA alphabet nhmmer searches."""
    hmms = getattr(_local, "hmms", None)
    if hmms is None:
        with pyhmmer.plan7.HMMFile(str(rrna_hmm_path())) as fh:
            hmms = _local.hmms = list(fh)
    return hmms


def _name(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True, slots=True)
class RnaCounts:
    """rRNA genes per type (5S, 16S, 23S), tRNA genes and distinct standard amino acids
    of those tRNAs (``None``: tRNAs not searched, pyaragorn missing)."""

    rrna: dict[str, int]
    n_trna: int | None
    n_trna_types: int | None


_CODE = np.full(256, 4, dtype=np.uint8)
for _i, _c in enumerate(b"ACGT"):
    _CODE[_c] = _CODE[_c + 32] = _i
_COMPLEMENT = bytes.maketrans(b"ACGTUacgtu", b"TGCAAtgcaa")


def kmer_codes(seq: bytes, k: int = PREFILTER_K) -> tuple[np.ndarray, np.ndarray]:
    """2-bit codes of every k-mer of ``seq`` (``(len - k + 1,) uint32``; k a power of 2,
    <= 16) and whether each is made of A/C/G/T only (``bool``, same shape); U reads as T.

    >>> [int(c) for c in kmer_codes(b"ACGTA", 4)[0]], kmer_codes(b"ACNTA", 2)[1].tolist()
    ([27, 108], [True, False, False, True])
    """
    if len(seq) < k:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=bool)
    base = _CODE[np.frombuffer(seq.replace(b"U", b"T").replace(b"u", b"t"), dtype=np.uint8)]
    codes = (base & 3).astype(np.uint32)
    width = 1
    while width < k:  # codes of 2w-mers from two w-mers: log2(k) passes
        codes = (codes[:-width] << np.uint32(2 * width)) | codes[width:]
        width *= 2
    bad = np.concatenate([[0], np.cumsum(base == 4)])
    return codes, (bad[k:] - bad[:-k]) == 0


#: The prefilter's quick test: one bit per value of a k-mer code's top 24 bits
_BITSET_SHIFT = 2 * PREFILTER_K - 24


@lru_cache(maxsize=1)
def prefilter_kmers() -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique k-mer codes of the long models' consensus sequences (both strands),
    and a ``(2**24,) bool`` table of their top 24 bits for a quick first test."""
    codes = []
    for hmm in _rrna_hmms():
        if hmm.M < PREFILTER_MIN_MODEL:
            continue
        cons = hmm.consensus.upper().encode()
        for strand in (cons, cons.translate(_COMPLEMENT)[::-1]):
            c, ok = kmer_codes(strand)
            codes.append(c[ok])
    table = np.unique(np.concatenate(codes))
    top = np.zeros(1 << 24, dtype=bool)
    top[table >> _BITSET_SHIFT] = True
    return table, top


def candidate_windows(seq: bytes) -> list[tuple[int, int]]:
    """0-based half-open windows of ``seq`` that may hold a 16S or 23S gene (prefilter)."""
    codes, ok = kmer_codes(seq)
    table, top = prefilter_kmers()
    cand = np.flatnonzero(ok & top[codes >> _BITSET_SHIFT])
    idx = np.minimum(np.searchsorted(table, codes[cand]), len(table) - 1)
    pos = cand[table[idx] == codes[cand]]
    if len(pos) < PREFILTER_MIN_HITS:
        return []
    breaks = np.flatnonzero(np.diff(pos) > PREFILTER_GAP)
    out: list[tuple[int, int]] = []
    for first, last in zip(np.r_[0, breaks + 1], np.r_[breaks, len(pos) - 1]):
        if last - first + 1 < PREFILTER_MIN_HITS:
            continue
        lo, hi = max(0, int(pos[first]) - PREFILTER_PAD), min(len(seq), int(pos[last]) + PREFILTER_K + PREFILTER_PAD)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _digitize(name: str, seq: bytes) -> pyhmmer.easel.DigitalSequence:
    return pyhmmer.easel.TextSequence(name=name.encode(), sequence=seq.decode("ascii", "replace")).digitize(_DNA)


def _rrna_hits(hmm: pyhmmer.plan7.HMM, seqs: list, offsets: list[tuple[int, int]], z: float) -> list[tuple[int, int, int]]:
    """(contig-strand key, start, end) of the hits of ``hmm`` that pass the barrnap cutoffs;
    ``offsets[i]`` = (contig index, start of ``seqs[i]`` on it), ``z`` = searched Mbp for E-values."""
    out = []
    for top in pyhmmer.nhmmer(hmm, seqs, cpus=1, E=MAX_EVALUE, Z=z):
        for hit in top:
            if hit.evalue > MAX_EVALUE:
                continue
            ali = hit.best_domain.alignment
            if (ali.hmm_to - ali.hmm_from + 1) < MIN_PROFILE_FRACTION * hmm.M:
                continue
            contig, shift = offsets[int(_name(hit.name))]
            start, end = sorted((ali.target_from + shift, ali.target_to + shift))
            out.append((contig * 2 + (ali.target_from <= ali.target_to), start, end))
    return out


def find_rrna(records: Sequence[tuple[str, bytes]], prefilter: bool = True,
              domain: str | None = None) -> dict[str, int]:
    """rRNA gene copies per type on (contig, sequence) records (both strands).

    ``prefilter``: run the 16S/23S models on candidate windows only (module docstring);
    False searches the whole bin with every model. ``domain`` (``bacteria``/``archaea``):
    only that domain's 16S/23S models (and 5S); None: all five. Single-threaded (call
    from a worker thread; pyhmmer releases the GIL)."""
    counts = {t: 0 for t in RRNA_TYPES}
    records = [(i, s) for i, (_, s) in enumerate(records) if s]
    if not records:
        return counts
    z = sum(len(s) for _, s in records) / 1e6
    whole = [_digitize(str(j), s) for j, (_, s) in enumerate(records)]
    whole_offsets = [(i, 0) for i, _ in records]
    parts, part_offsets = [], []
    if prefilter:
        for i, s in records:
            for lo, hi in candidate_windows(s):
                parts.append(_digitize(str(len(parts)), s[lo:hi]))
                part_offsets.append((i, lo))
    hits: dict[str, list[tuple[int, int, int]]] = {t: [] for t in RRNA_TYPES}  # (contig-strand, start, end)
    for hmm in _rrna_hmms():
        accession = _name(hmm.accession).split(".")[0]
        if domain is not None and RFAM_DOMAIN[accession] not in (None, domain):
            continue
        kind = RFAM_TYPE[accession]
        windowed = prefilter and hmm.M >= PREFILTER_MIN_MODEL
        if windowed and not parts:
            continue
        hits[kind] += _rrna_hits(hmm, parts if windowed else whole, part_offsets if windowed else whole_offsets, z)
    for kind, spans in hits.items():
        spans.sort()
        last: tuple[int, int] | None = None  # (contig-strand key, end) of the current gene
        for key, start, end in spans:
            if last is not None and last[0] == key and start <= last[1]:
                last = (key, max(last[1], end))
                continue
            counts[kind] += 1
            last = (key, end)
    return counts


def find_trna(records: Sequence[tuple[str, bytes]], translation_table: int = 11) -> tuple[int, int] | None:
    """(tRNA genes, distinct standard amino acids among them), or None without pyaragorn."""
    try:
        import pyaragorn
    except ImportError:
        return None
    finder = pyaragorn.RNAFinder(translation_table=translation_table, tmrna=False, trna=True)
    n, amino = 0, set()
    for _, seq in records:
        for gene in finder.find_rna(seq):
            aa = getattr(gene, "amino_acid", None)
            if aa is None:
                continue
            n += 1
            if aa in STANDARD_AMINO_ACIDS:
                amino.add(aa)
    return n, len(amino)


def count_rna(records: Sequence[tuple[str, bytes]], prefilter: bool = True, domain: str | None = None) -> RnaCounts:
    """rRNA and tRNA genes of one bin (``prefilter``, ``domain``: see :func:`find_rrna`)."""
    trna = find_trna(records)
    return RnaCounts(find_rrna(records, prefilter, domain), None if trna is None else trna[0],
                     None if trna is None else trna[1])
