"""Snakemake adapter: single-copy marker genes on every filtered contig -> markers.npz."""
from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin import stages

stages.markers(snakemake.input.fasta, snakemake.output.npz, snakemake.config, threads=snakemake.threads)
