"""Snakemake adapter: per-contig depth of one sample's BAM -> results/depth/<sample>.npz."""
import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

import latentbin
from latentbin import stages

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
logging.info("latentbin %s: rule %s, sample %s", latentbin.__version__, snakemake.rule, snakemake.wildcards.sample)

stages.depth(
    snakemake.input.fasta,
    [snakemake.input.bam],
    snakemake.output.npz,
    snakemake.config,
    threads=snakemake.threads,
    samples=[snakemake.wildcards.sample],
)
