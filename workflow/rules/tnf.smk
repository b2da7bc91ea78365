# Tetranucleotide frequencies (103 canonical 4-mers) of every filtered contig.


rule tnf:
    input:
        fasta=rules.filter_contigs.output.fasta,
    output:
        npz="results/tnf/tnf.npz",
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
        f"{SCRIPTS}/tnf.py"
