"""Snakemake adapter: encode every contig with the trained VAE -> latent.npz."""
from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin import stages

stages.encode(
    snakemake.input.model,
    snakemake.input.tnf,
    snakemake.input.depth,
    snakemake.output.npz,
    snakemake.config,
    threads=snakemake.threads,
)
