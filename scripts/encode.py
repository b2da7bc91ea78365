"""Snakemake adapter: encode every contig with the trained VAE -> latent.npz."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin import stages

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

stages.encode(
    snakemake.input.model,
    snakemake.input.tnf,
    snakemake.input.depth,
    snakemake.output.npz,
    snakemake.config,
    threads=snakemake.threads,
)
