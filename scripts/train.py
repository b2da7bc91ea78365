"""Snakemake adapter: train the VAE on TNF + depth -> model.pt and train_log.tsv."""
from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin import stages

# device=None: vae.device decides (auto = CUDA when this job can see a GPU, else CPU).
stages.train(
    snakemake.input.tnf,
    snakemake.input.depth,
    snakemake.output.model,
    snakemake.output.log_tsv,
    snakemake.config,
    threads=snakemake.threads,
)
