# Contigs: length filter (and multi-split renaming in per_sample mode), then one minimap2
# index per preset in use (the index's k-mer and window are the preset's).


rule filter_contigs:
    input:
        assemblies=get_assemblies,
        # validated first: a typo fails in seconds, not after mapping
        checked=out("checked"),
    output:
        contigs=out("contigs"),
        contigs_info=out("contigs_info"),
    params:
        **params_of("contigs"),
        # per_sample mode: names become <sample><separator><contig>; [] in coassembly mode
        assembly_samples=get_assembly_samples(),
    log:
        "logs/filter_contigs.log",
    benchmark:
        "results/benchmarks/filter_contigs.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        STAGE


rule index_contigs:
    input:
        fasta=out("contigs"),
    output:
        mmi=out("index", preset="{preset}"),
    params:
        extra=OPTS.mapping.index_extra,
    log:
        "logs/index_contigs/{preset}.log",
    benchmark:
        "results/benchmarks/index_contigs/{preset}.tsv"
    # minimap2 -d uses at most 3 threads
    threads: 3
    resources:
        mem_mb=8000,
        runtime=120,
    conda:
        f"{ENVS}/mapping.yaml"
    shell:
        # -x: the index keeps the preset's k-mer and window (a prebuilt index overrides
        # the mapping's -x for them)
        "minimap2 -x {wildcards.preset} -t {threads} {params.extra} -d {output.mmi}.tmp {input.fasta} 2> {log}"
        " && mv {output.mmi}.tmp {output.mmi}"


rule check_inputs:
    input:
        assemblies=get_assemblies,
    output:
        checked=out("checked"),
    params:
        **params_of("check"),
        # a param, not an input: editing the sheet's comments must not rerun every job
        # (the sheet itself is validated at parse time, each sample's reads by check_reads)
        sample_sheet=OPTS.samples,
    log:
        "logs/check_inputs.log",
    benchmark:
        "results/benchmarks/check_inputs.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        STAGE


rule check_reads:
    input:
        reads=get_reads,
    output:
        reads_checked=out("reads_checked", sample="{sample}"),
    params:
        sample=get_sample,
    log:
        "logs/check_reads/{sample}.log",
    benchmark:
        "results/benchmarks/check_reads/{sample}.tsv"
    threads: 2
    resources:
        mem_mb=1000,
        runtime=120,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        STAGE
