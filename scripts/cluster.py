"""Snakemake adapter: cluster the latent space -> clusters.tsv (bin<TAB>contig)."""
from latentbin.rule_log import start

start(snakemake)  # stderr and logging -> the rule's log file

from latentbin import stages

# markers/depth are inputs only with cluster.refine (see get_refine_inputs)
stages.cluster(
    snakemake.input.latent,
    snakemake.output.tsv,
    snakemake.config,
    threads=snakemake.threads,
    markers_path=snakemake.input.get("markers"),
    depth_path=snakemake.input.get("depth"),
)
