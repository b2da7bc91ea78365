"""Snakemake adapter: built-in marker-gene QC of every bin -> results/qc/builtin.tsv."""
import logging

from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin.qc import builtin_qc

rows = builtin_qc(snakemake.input.bins, snakemake.output.tsv, snakemake.config, threads=snakemake.threads)
logging.info("%d bins -> %s", len(rows), snakemake.output.tsv)
