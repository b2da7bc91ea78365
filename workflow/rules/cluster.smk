# Single-copy marker genes (for cluster.refine), clusters in latent space, then one
# FASTA per bin.


rule markers:
    input:
        contigs=out("contigs"),
    output:
        markers=out("markers"),
    params:
        **params_of("markers"),
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
        STAGE


rule cluster:
    input:
        unpack(get_refine_inputs),
        latent=out("latent"),
    output:
        clusters=out("clusters"),
        unbinned=out("unbinned"),
    params:
        **params_of("cluster"),
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
        STAGE


rule write_bins:
    input:
        clusters=out("clusters"),
        contigs=out("contigs"),
    output:
        bins=directory(out("bins")),
    params:
        **params_of("bins"),
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
        STAGE
