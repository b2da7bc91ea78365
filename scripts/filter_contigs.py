"""Snakemake adapter: length-filter the assembly (per_sample: concatenate + prefix names)."""
from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin import stages

stages.filter_contigs(
    list(snakemake.input.assemblies),
    snakemake.output.fasta,
    snakemake.config,
    sample_names=list(snakemake.params.samples) or None,
)
