"""Snakemake adapter: one FASTA per bin of at least bins.min_bin_size bp -> results/bins/."""
from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin import stages

stages.write_bins(snakemake.input.clusters, snakemake.input.fasta, snakemake.output.bins, snakemake.config)
