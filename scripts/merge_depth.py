"""Snakemake adapter: per-sample depth files -> one (contigs x samples) depth.npz."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin import stages

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

# Column order = input order = sample sheet order.
stages.merge_depth(list(snakemake.input.npz), snakemake.output.npz)
