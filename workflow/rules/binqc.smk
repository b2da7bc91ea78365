# Bin QC: built-in marker QC (default, no download), optional CheckM2, optional
# gold-standard scoring, and the final per-bin summary (results/summary.tsv).
#
# Parse-time check (latentbin.checkm2.checkm2_db): with qc.checkm2 true, qc.checkm2_db
# must name an existing CheckM2 DIAMOND database, or the file that rule
# download_checkm2_db writes, which opts in to the download.

from latentbin.checkm2 import checkm2_db, download_db_path

CHECKM2_DOWNLOAD_DB = download_db_path(OPTS.qc.checkm2_download_dir)
try:
    CHECKM2_DB = checkm2_db(config)
except InputError as exc:
    raise WorkflowError(str(exc)) from None

# QC tables the summary reads: built-in and/or CheckM2, plus the gold-standard score
SUMMARY_TABLES = {
    key: out(key)
    for key, on in (("qc", OPTS.qc.builtin), ("checkm2", OPTS.qc.checkm2), ("score", bool(OPTS.gold_standard)))
    if on
}


localrules:
    download_checkm2_db,


rule builtin_qc:
    input:
        bins=out("bins"),
    output:
        qc=out("qc"),
    params:
        **params_of("qc"),
    log:
        "logs/builtin_qc.log",
    benchmark:
        "results/benchmarks/builtin_qc.tsv"
    # bins run in parallel threads (pyrodigal and pyhmmer release the GIL)
    threads: 8
    resources:
        mem_mb=4000,
        runtime=240,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        STAGE


rule download_checkm2_db:
    output:
        db=CHECKM2_DOWNLOAD_DB,
    params:
        # checkm2 makes <path>/CheckM2_database/uniref100.KO.1.dmnd
        path=lambda wildcards, output: os.path.dirname(os.path.dirname(output.db)),
    log:
        "logs/download_checkm2_db.log",
    benchmark:
        "results/benchmarks/download_checkm2_db.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=240,
    conda:
        f"{ENVS}/checkm2.yaml"
    shell:
        "checkm2 database --download --path {params.path} > {log} 2>&1"


if CHECKM2_DB:

    rule checkm2:
        input:
            bins=out("bins"),
            db=CHECKM2_DB,
        output:
            report=out("checkm2_report"),
        params:
            outdir=lambda wildcards, output: os.path.dirname(output.report),
            extra=OPTS.qc.checkm2_extra,
        log:
            "logs/checkm2.log",
        benchmark:
            "results/benchmarks/checkm2.tsv"
        threads: 8
        resources:
            # DIAMOND against the ~3 GB database; --lowmem (qc.checkm2_extra) halves it
            mem_mb=32000,
            runtime=480,
        conda:
            f"{ENVS}/checkm2.yaml"
        shell:
            # CheckM2 stops on a folder without bins: write an empty report instead
            "if ls {input.bins}/*.fna > /dev/null 2>&1; then "
            "checkm2 predict --threads {threads} --input {input.bins} -x fna "
            "--output-directory {params.outdir} --database_path {input.db} --force {params.extra} > {log} 2>&1; "
            "else printf 'Name\\tCompleteness\\tContamination\\n' > {output.report}; "
            "echo 'no bins: empty CheckM2 report' > {log}; fi"

    rule checkm2_table:
        input:
            checkm2_report=rules.checkm2.output.report,
        output:
            checkm2=out("checkm2"),
        log:
            "logs/checkm2_table.log",
        benchmark:
            "results/benchmarks/checkm2_table.tsv"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            f"{ENVS}/latentbin.yaml"
        script:
            STAGE


if OPTS.gold_standard:

    rule score_bins:
        input:
            gold=OPTS.gold_standard,
            clusters=out("clusters"),
        output:
            score=out("score"),
        params:
            # only gold contigs >= contigs.min_length count; only bins >= bins.min_bin_size
            **params_of("score"),
        log:
            "logs/score_bins.log",
        benchmark:
            "results/benchmarks/score_bins.tsv"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        conda:
            f"{ENVS}/latentbin.yaml"
        script:
            STAGE


rule summary:
    input:
        unpack(lambda wildcards: SUMMARY_TABLES),
        bins=out("bins"),
        clusters=out("clusters"),
        depth=out("depth"),
    output:
        summary=out("summary"),
    log:
        "logs/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        STAGE
