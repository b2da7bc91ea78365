"""Snakemake adapter: per-bin summary -> results/summary.tsv; prints the run's short report."""
import logging

from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin.summary import write_summary

inp = snakemake.input
text = write_summary(inp.bins, snakemake.output.tsv, clusters=inp.clusters, depth=inp.depth,
                     qc=inp.get("qc"), checkm2=inp.get("checkm2"), score=inp.get("score"))
logging.info("\n%s", text)
print(text, flush=True)  # the console report (stdout stays on the terminal)
