"""Snakemake adapter: CheckM2 quality_report.tsv (parsed by column name) -> results/qc/checkm2.tsv."""
import logging

from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin.checkm2 import write_checkm2_table

rows = write_checkm2_table(snakemake.input.report, snakemake.output.tsv)
logging.info("%d bins -> %s", len(rows), snakemake.output.tsv)
