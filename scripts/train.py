"""Snakemake adapter: train the VAE on TNF + depth -> model.pt and train_log.tsv."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin import stages

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

# device=None: vae.device decides (auto = CUDA when this job can see a GPU, else CPU).
stages.train(
    snakemake.input.tnf,
    snakemake.input.depth,
    snakemake.output.model,
    snakemake.output.log_tsv,
    snakemake.config,
    threads=snakemake.threads,
)
