"""Snakemake adapter: cluster the latent space -> clusters.tsv (bin<TAB>contig)."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin import stages

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s", latentbin.__version__, snakemake.rule)

# markers/depth are inputs only with cluster.refine (see get_refine_inputs)
stages.cluster(
    snakemake.input.latent,
    snakemake.output.tsv,
    snakemake.config,
    threads=snakemake.threads,
    markers_path=snakemake.input.get("markers"),
    depth_path=snakemake.input.get("depth"),
)
