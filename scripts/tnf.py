"""Snakemake adapter: tetranucleotide frequencies of the filtered contigs -> tnf.npz."""
from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin import stages

stages.tnf(snakemake.input.fasta, snakemake.output.npz, snakemake.config, threads=snakemake.threads)
