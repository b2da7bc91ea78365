"""Snakemake adapter: one FASTA per bin of at least bins.min_bin_size bp -> results/bins/."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin import stages

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

stages.write_bins(snakemake.input.clusters, snakemake.input.fasta, snakemake.output.bins, snakemake.config)
