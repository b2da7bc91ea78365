# Contigs: length filter (and multi-split renaming in per_sample mode), then one minimap2
# index shared by every sample.


rule filter_contigs:
    input:
        assemblies=get_assemblies,
    output:
        fasta="results/contigs/contigs.fna.gz",
    params:
        # per_sample mode: names become <sample><separator><contig>; [] in coassembly mode
        samples=get_assembly_samples(),
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
        f"{SCRIPTS}/filter_contigs.py"


rule index_contigs:
    input:
        fasta=rules.filter_contigs.output.fasta,
    output:
        mmi="results/contigs/contigs.mmi",
    params:
        extra=config["mapping"]["index_extra"],
    log:
        "logs/index_contigs.log",
    benchmark:
        "results/benchmarks/index_contigs.tsv"
    # minimap2 -d uses at most 3 threads
    threads: 3
    resources:
        mem_mb=8000,
        runtime=120,
    conda:
        f"{ENVS}/mapping.yaml"
    shell:
        # default k-mer/window: one index serves the sr, map-ont and map-hifi presets
        "minimap2 -t {threads} {params.extra} -d {output.mmi}.tmp {input.fasta} 2> {log}"
        " && mv {output.mmi}.tmp {output.mmi}"
