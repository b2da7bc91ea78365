# Single-copy marker genes (for cluster.refine), clusters in latent space, then one
# FASTA per bin.


rule markers:
    input:
        fasta=rules.filter_contigs.output.fasta,
    output:
        npz="results/markers/markers.npz",
    log:
        "logs/markers.log",
    benchmark:
        "results/benchmarks/markers.tsv"
    threads: 4
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        f"{SCRIPTS}/markers.py"


rule cluster:
    input:
        unpack(get_refine_inputs),
        latent=rules.encode.output.npz,
    output:
        tsv="results/cluster/clusters.tsv",
    log:
        "logs/cluster.log",
    benchmark:
        "results/benchmarks/cluster.tsv"
    threads: 4
    resources:
        mem_mb=8000,
        runtime=120,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        f"{SCRIPTS}/cluster.py"


rule write_bins:
    input:
        clusters=rules.cluster.output.tsv,
        fasta=rules.filter_contigs.output.fasta,
    output:
        bins=directory("results/bins"),
    log:
        "logs/write_bins.log",
    benchmark:
        "results/benchmarks/write_bins.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        f"{SCRIPTS}/write_bins.py"
