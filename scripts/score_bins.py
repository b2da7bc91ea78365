"""Snakemake adapter: score the clusters against the gold standard -> results/score/score.tsv."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin.score import format_score, score_files

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

result = score_files(snakemake.input.gold, snakemake.input.clusters, snakemake.output.tsv,
                     min_contig=snakemake.params.min_contig)
logging.info("gold-standard score (contigs >= %d bp):\n%s", snakemake.params.min_contig, format_score(result))
