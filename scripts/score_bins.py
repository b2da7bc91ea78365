"""Snakemake adapter: score the clusters against the gold standard -> results/score/score.tsv."""
import logging

from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin.score import format_score, score_files

result = score_files(snakemake.input.gold, snakemake.input.clusters, snakemake.output.tsv,
                     min_contig=snakemake.params.min_contig, min_bin_bp=snakemake.params.min_bin_bp)
logging.info("gold-standard score (contigs >= %d bp, bins >= %d bp):\n%s", snakemake.params.min_contig,
             snakemake.params.min_bin_bp, format_score(result))
