"""Snakemake adapter: per-sample depth files -> one (contigs x samples) depth.npz."""
from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin import stages

# Column order = input order = sample sheet order.
stages.merge_depth(list(snakemake.input.npz), snakemake.output.npz)
