# Per-sample depth of every contig, then one (contigs x samples) matrix.


if OPTS.mapping.keep_bam:  # else rule map_depth (mapping.smk) writes the per-sample depths

    rule depth:
        input:
            contigs=out("contigs"),
            bams=rules.map_reads.output.bam,
            bai=rules.map_reads.output.bai,
        output:
            depth=out("sample_depth", sample="{sample}"),
        params:
            **params_of("depth"),
            bam_samples=lambda wildcards: [wildcards.sample],
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
            STAGE


rule merge_depth:
    input:
        sample_depth=get_sample_depths,
    output:
        depth=out("depth"),
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
        STAGE
