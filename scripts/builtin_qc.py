"""Snakemake adapter: built-in marker-gene QC of every bin -> results/qc/builtin.tsv."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin.qc import builtin_qc

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s, %d threads", latentbin.__version__, snakemake.rule, snakemake.threads)

rows = builtin_qc(snakemake.input.bins, snakemake.output.tsv, snakemake.config, threads=snakemake.threads)
logging.info("%d bins -> %s", len(rows), snakemake.output.tsv)
