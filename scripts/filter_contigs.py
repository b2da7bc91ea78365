"""Snakemake adapter: length-filter the assembly (per_sample: concatenate + prefix names)."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin import stages

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

stages.filter_contigs(
    list(snakemake.input.assemblies),
    snakemake.output.fasta,
    snakemake.config,
    sample_names=list(snakemake.params.samples) or None,
)
