# Tetranucleotide frequencies (103 canonical 4-mers) of every filtered contig.


rule tnf:
    input:
        contigs=out("contigs"),
    output:
        tnf=out("tnf"),
    log:
        "logs/tnf.log",
    benchmark:
        "results/benchmarks/tnf.tsv"
    threads: 4
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        STAGE
