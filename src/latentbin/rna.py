"""rRNA and tRNA genes of a bin, for the MIMAG tiers (Bowers et al. 2017).

- rRNA: ``pyhmmer.nhmmer`` with the five Rfam profile HMMs in ``data/rrna.hmm`` (5S
  RF00001; 16S RF00177 bacteria and RF01959 archaea; 23S RF02541 bacteria and RF02540
  archaea). They are the filter HMMs that Rfam's ``cmbuild`` stores inside Rfam's
  covariance models (Rfam 14.8, CC0; see ``data/RRNA_LICENSE.txt``). As in barrnap, a hit
  counts when its E-value is <= 1e-6 and it covers >= 25 % of the profile; overlapping
  hits of the bacterial and archaeal profiles of one gene on one strand are one gene.
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
from typing import Sequence

import pyhmmer

RRNA_TYPES = ("5S", "16S", "23S")
#: Rfam accession -> rRNA gene type
RFAM_TYPE = {"RF00001": "5S", "RF00177": "16S", "RF01959": "16S", "RF02541": "23S", "RF02540": "23S"}
MAX_EVALUE = 1e-6
MIN_PROFILE_FRACTION = 0.25
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


def find_rrna(records: Sequence[tuple[str, bytes]]) -> dict[str, int]:
    """rRNA gene copies per type on (contig, sequence) records (both strands).

    Single-threaded (call from a worker thread; pyhmmer releases the GIL)."""
    counts = {t: 0 for t in RRNA_TYPES}
    seqs = [pyhmmer.easel.TextSequence(name=str(i).encode(), sequence=s.decode("ascii", "replace")).digitize(_DNA)
            for i, (_, s) in enumerate(records) if s]
    if not seqs:
        return counts
    hits: dict[str, list[tuple[int, int, int]]] = {t: [] for t in RRNA_TYPES}  # (contig, start, end) per type
    for hmm in _rrna_hmms():
        kind = RFAM_TYPE[_name(hmm.accession).split(".")[0]]
        for top in pyhmmer.nhmmer(hmm, seqs, cpus=1, E=MAX_EVALUE):
            for hit in top:
                if hit.evalue > MAX_EVALUE:
                    continue
                ali = hit.best_domain.alignment
                if (ali.hmm_to - ali.hmm_from + 1) < MIN_PROFILE_FRACTION * hmm.M:
                    continue
                start, end = sorted((ali.target_from, ali.target_to))
                strand = 1 if ali.target_from <= ali.target_to else -1
                hits[kind].append((int(_name(hit.name)) * 2 + (strand > 0), start, end))
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


def count_rna(records: Sequence[tuple[str, bytes]]) -> RnaCounts:
    """rRNA and tRNA genes of one bin."""
    trna = find_trna(records)
    return RnaCounts(find_rrna(records), None if trna is None else trna[0], None if trna is None else trna[1])
