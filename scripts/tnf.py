"""Snakemake adapter: tetranucleotide frequencies of the filtered contigs -> tnf.npz."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin import stages

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

stages.tnf(snakemake.input.fasta, snakemake.output.npz, snakemake.config, threads=snakemake.threads)
