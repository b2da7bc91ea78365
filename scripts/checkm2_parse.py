"""Snakemake adapter: CheckM2 quality_report.tsv (parsed by column name) -> results/qc/checkm2.tsv."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin.checkm2 import write_checkm2_table

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

rows = write_checkm2_table(snakemake.input.report, snakemake.output.tsv)
logging.info("%d bins -> %s", len(rows), snakemake.output.tsv)
