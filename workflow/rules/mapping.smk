# Map each sample's reads to the filtered contigs with minimap2. By default
# (mapping.keep_bam: false) the depths are computed from minimap2's output as it streams
# (rule map_depth: no sort, no BAM); with mapping.keep_bam: true the reads are sorted into
# a BAM that is kept (rule map_reads) and the depths read from it (rule depth).


if OPTS.mapping.keep_bam:

    rule map_reads:
        input:
            mmi=get_index,
            reads=get_reads,
            # the read files were read to the end: a truncated gzip stops the run here
            reads_checked=out("reads_checked", sample="{sample}"),
        output:
            bam=out("bam", sample="{sample}"),
            bai=out("bam", sample="{sample}") + ".bai",
        params:
            preset=get_preset,
            extra=OPTS.mapping.extra,
        log:
            "logs/map_reads/{sample}.log",
        benchmark:
            "results/benchmarks/map_reads/{sample}.tsv"
        threads: 8
        resources:
            mem_mb=16000,
            runtime=360,
        conda:
            f"{ENVS}/mapping.yaml"
        shell:
            # Sorted into {output.bam}.tmp, indexed, then renamed: an interrupted job
            # never leaves a BAM under its final name. pipefail: a failing minimap2 fails the job.
            "set -o pipefail; (minimap2 -a -x {params.preset} -t {threads} {params.extra} {input.mmi} {input.reads}"
            " | samtools sort -@ {threads} -O bam -o {output.bam}.tmp -"
            " && samtools index -@ {threads} {output.bam}.tmp {output.bai}.tmp"
            " && mv {output.bai}.tmp {output.bai} && mv {output.bam}.tmp {output.bam}) 2> {log}"

else:

    rule map_depth:
        input:
            contigs=out("contigs"),
            index=get_index,
            reads=get_reads,
            # the read files were read to the end: a truncated gzip stops the run here
            reads_checked=out("reads_checked", sample="{sample}"),
        output:
            depth=out("sample_depth", sample="{sample}"),
        params:
            **params_of("map_depth"),
            sample=get_sample,
        log:
            "logs/map_depth/{sample}.log",
        benchmark:
            "results/benchmarks/map_depth/{sample}.tsv"
        threads: 8
        resources:
            mem_mb=16000,
            runtime=360,
        conda:
            f"{ENVS}/latentbin.yaml"
        script:
            STAGE
