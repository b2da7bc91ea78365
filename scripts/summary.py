"""Snakemake adapter: per-bin summary -> results/summary.tsv; prints the run's short report."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin.summary import write_summary

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

inp = snakemake.input
text = write_summary(inp.bins, snakemake.output.tsv, clusters=inp.clusters, depth=inp.depth,
                     qc=inp.get("qc"), checkm2=inp.get("checkm2"), score=inp.get("score"))
logging.info("\n%s", text)
print(text, flush=True)  # the console report (stdout stays on the terminal)
