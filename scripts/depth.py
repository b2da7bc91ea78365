"""Snakemake adapter: per-contig depth of one sample's BAM -> results/depth/<sample>.npz."""
from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin import stages

stages.depth(
    snakemake.input.fasta,
    [snakemake.input.bam],
    snakemake.output.npz,
    snakemake.config,
    threads=snakemake.threads,
    samples=[snakemake.wildcards.sample],
)
