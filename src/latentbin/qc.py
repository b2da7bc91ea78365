"""Built-in bin QC: completeness and contamination from single-copy marker genes, and
the rRNA/tRNA genes MIMAG asks for.

Each bin is read with one of two marker sets, chosen from the markers it carries
(:func:`latentbin.markers.domain_estimate`):

- ``bacteria``: from the 107 bacterial single-copy genes of ``data/marker.hmm`` (MaxBin2 set);
- ``archaea``: from 45 genes, the 31 universal Pfam ribosomal/core profiles of
  ``data/universal.hmm`` and 14 markers of the bacterial file that archaea share.

The markers of each domain are grouped into collocated sets (CheckM, Parks et al. 2015;
``data/marker_sets.tsv``, derived by ``tools/qc_marker_sets.py`` from 43 complete
reference genomes: only markers present and single-copy in >= 97 % of the domain's
references (90 of the 107 bacterial, 32 of the 45 archaeal) are used, and markers whose
genes sit within 5 kbp of each other in >= 95 % of them, such as the ~20 ribosomal-protein
genes of one operon, form one set), so that one operon on one contig does not count as
many independent markers:

- completeness = 100 * mean over sets of (markers of the set with >= 1 copy) / set size
- contamination = 100 * mean over sets of (sum of max(copies - 1, 0)) / set size

:func:`estimate` is the plain single-set form (every marker its own set).

Tiers (Bowers et al. 2017, MIMAG): ``mimag_tier`` high = completeness > 90, contamination
< 5, 23S + 16S + 5S rRNA present and tRNAs for >= 18 of the 20 amino acids; medium =
completeness >= 50 and contamination < 10; low = the rest. ``cc_tier`` is the same from
completeness and contamination alone (high > 90 / < 5), the tier most binning papers use.

Units: completeness and contamination in percent (0-100, as CheckM and CheckM2);
``gc`` and ``coding_density`` as fractions (as CheckM2); sizes in bp.

>>> estimate({"A": 1, "B": 2}, ["A", "B", "C", "D"])
(50.0, 25.0, 2, 1)
>>> cc_tier(92.0, 3.0), cc_tier(60.0, 7.5), cc_tier(95.0, 12.0)
('high', 'medium', 'low')
>>> mimag_tier(95.0, 1.0, {"5S": 1, "16S": 1, "23S": 1}, 19), mimag_tier(95.0, 1.0, {"5S": 0, "16S": 1, "23S": 1}, 20)
('high', 'medium')
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Mapping, Sequence

import numpy as np

from .bins import list_bins, sequence_stats
from .contigs import iter_fasta
from .tables import write_table
from .markers import MarkerSets, call_genes, domain_estimate, quality, search_qc_markers
from .rna import RRNA_TYPES, count_rna

log = logging.getLogger(__name__)

QC_COLUMNS = ("bin", "completeness", "contamination", "domain", "n_markers", "n_markers_found", "n_markers_multi",
              "n_marker_sets",
              "bac_completeness", "bac_contamination", "arc_completeness", "arc_contamination",
              "rrna_5s", "rrna_16s", "rrna_23s", "n_trna", "n_trna_types", "mimag_tier", "cc_tier",
              "genome_size", "n_contigs", "n50", "gc", "coding_density", "n_genes")
#: MIMAG high quality: tRNAs for at least this many of the 20 standard amino acids
MIN_TRNA_TYPES = 18


def cc_tier(completeness: float | None, contamination: float | None) -> str:
    """Tier from completeness and contamination (percent) alone; ``unknown`` without them.

    high: completeness > 90 and contamination < 5; medium: >= 50 and < 10; else low."""
    if completeness is None or contamination is None:
        return "unknown"
    if completeness > 90 and contamination < 5:
        return "high"
    if completeness >= 50 and contamination < 10:
        return "medium"
    return "low"


def mimag_tier(completeness: float | None, contamination: float | None, rrna: Mapping[str, int | None] | None,
               trna_types: int | None) -> str:
    """MIMAG tier (Bowers et al. 2017): ``high`` also needs 23S, 16S and 5S rRNA and tRNAs for
    >= 18 amino acids; a bin that meets high's completeness/contamination but lacks them
    is ``medium``. ``unknown`` without QC numbers, or when the RNA genes were not searched
    and would decide between high and medium."""
    tier = cc_tier(completeness, contamination)
    if tier != "high":
        return tier
    if rrna is None or trna_types is None or any(rrna.get(t) is None for t in RRNA_TYPES):
        return "unknown"
    if all((rrna.get(t) or 0) > 0 for t in RRNA_TYPES) and trna_types >= MIN_TRNA_TYPES:
        return "high"
    return "medium"


def estimate(counts: Mapping[str, int], markers: Sequence[str]) -> tuple[float, float, int, int]:
    """(completeness %, contamination %, markers found, markers with > 1 copy)."""
    copies = np.array([counts.get(m, 0) for m in markers], dtype=np.int64)
    comp, cont = quality(copies)
    return 100.0 * comp, 100.0 * cont, int((copies > 0).sum()), int((copies > 1).sum())


def qc_records(name: str, records: Sequence[tuple[str, bytes]], gene_mode: str = "meta",
               min_coverage: float = 0.4, rna: bool = True, sets: Mapping[str, MarkerSets] | None = None) -> dict:
    """One QC row (see ``QC_COLUMNS``) for a bin given as (contig, sequence) records.

    ``rna``: also count rRNA and tRNA genes (MIMAG) in bins that meet high's
    completeness/contamination (elsewhere they cannot change the tier and stay empty);
    without it ``mimag_tier`` is ``unknown`` for those bins. ``sets``: collocated marker
    sets per domain (default: the shipped ones; the accuracy benchmark passes sets made
    without the bin's lineage)."""
    stats = sequence_stats(records)
    calls = call_genes(records, mode=gene_mode)
    bac, uni = search_qc_markers(calls.proteins, min_coverage=min_coverage)
    est = domain_estimate(bac, uni, sets)
    size = stats["genome_size"]
    row = {"bin": name, "completeness": 100.0 * est.completeness, "contamination": 100.0 * est.contamination,
           "domain": est.domain, "n_markers": est.n_markers, "n_markers_found": est.n_found,
           "n_markers_multi": est.n_multi, "n_marker_sets": est.n_sets,
           "bac_completeness": 100.0 * est.bac_completeness, "bac_contamination": 100.0 * est.bac_contamination,
           "arc_completeness": 100.0 * est.arc_completeness, "arc_contamination": 100.0 * est.arc_contamination,
           **stats, "coding_density": calls.coding_bases / size if size else 0.0, "n_genes": calls.n_genes}
    rrna: dict | None = None
    trna_types = None
    # rRNA and tRNA genes change the tier only of bins that meet high's completeness and
    # contamination; searching only those keeps the slow nhmmer pass off the rest
    if rna and cc_tier(row["completeness"], row["contamination"]) == "high":
        counts = count_rna(records, domain=est.domain)
        rrna = counts.rrna
        trna_types = counts.n_trna_types
        row.update({f"rrna_{t.lower()}": n for t, n in rrna.items()})
        row["n_trna"], row["n_trna_types"] = counts.n_trna, counts.n_trna_types
    row["mimag_tier"] = mimag_tier(row["completeness"], row["contamination"], rrna, trna_types)
    row["cc_tier"] = cc_tier(row["completeness"], row["contamination"])
    return row


def qc_bin(name: str, path: str | os.PathLike, gene_mode: str = "meta", min_coverage: float = 0.4,
           rna: bool = True) -> dict:
    """QC row of one bin FASTA."""
    row = qc_records(name, list(iter_fasta(path)), gene_mode, min_coverage, rna)
    log.info("%s: completeness %.1f%% contamination %.1f%%", name, row["completeness"], row["contamination"])
    return row


def run_qc(bins: Mapping[str, str | os.PathLike], threads: int = 1, gene_mode: str = "meta",
           min_coverage: float = 0.4, rna: bool = True) -> list[dict]:
    """QC rows for ``{bin: path}``, bins processed in parallel on ``threads`` threads.

    pyrodigal and pyhmmer release the GIL, so threads scale without extra processes.
    """
    names = sorted(bins)
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(pool.map(lambda n: qc_bin(n, bins[n], gene_mode, min_coverage, rna), names))


def builtin_qc(bins_dir: str | os.PathLike, out: str | os.PathLike, cfg: Mapping, threads: int = 1) -> list[dict]:
    """Stage function: QC every bin in ``bins_dir`` and write ``out`` (``QC_COLUMNS`` TSV).

    ``cfg``: a config with the ``qc`` section (keys ``gene_mode``, ``min_marker_coverage``,
    ``rna_genes``).
    """
    qc_cfg = cfg["qc"]
    bins = list_bins(bins_dir)
    if not bins:
        log.warning("%s: no bin FASTA files; writing an empty QC table", bins_dir)
    rows = run_qc(bins, threads, qc_cfg["gene_mode"], qc_cfg["min_marker_coverage"], bool(qc_cfg["rna_genes"]))
    write_table(rows, QC_COLUMNS, out)
    return rows
