# Per-sample depth of every contig, then one (contigs x samples) matrix.


rule depth:
    input:
        fasta=rules.filter_contigs.output.fasta,
        bam=rules.map_reads.output.bam,
        bai=rules.map_reads.output.bai,
    output:
        npz="results/depth/{sample}.npz",
    log:
        "logs/depth/{sample}.log",
    benchmark:
        "results/benchmarks/depth/{sample}.tsv"
    threads: 4
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        f"{SCRIPTS}/depth.py"


rule merge_depth:
    input:
        npz=get_sample_depths,
    output:
        npz="results/depth/depth.npz",
    log:
        "logs/merge_depth.log",
    benchmark:
        "results/benchmarks/merge_depth.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        f"{SCRIPTS}/merge_depth.py"
