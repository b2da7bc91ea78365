# Bin QC: built-in marker QC (default, no download), optional CheckM2, optional
# gold-standard scoring, and the final per-bin summary (results/summary.tsv).
#
# Parse-time check: with qc.checkm2 true, qc.checkm2_db must name an existing CheckM2
# DIAMOND database, or the file that rule download_checkm2_db writes
# (<qc.checkm2_download_dir>/CheckM2_database/uniref100.KO.1.dmnd), which opts in to
# the download. Anything else stops the run here, before any job starts.

import os

from snakemake.exceptions import WorkflowError

CHECKM2_DOWNLOAD_DB = os.path.join(config["qc"]["checkm2_download_dir"], "CheckM2_database", "uniref100.KO.1.dmnd")
CHECKM2_DB = config["qc"]["checkm2_db"] if config["qc"]["checkm2"] else None
if config["qc"]["checkm2"] and not CHECKM2_DB:
    raise WorkflowError(
        "config key qc.checkm2_db is not set but qc.checkm2 is true; set it to your CheckM2 database "
        f"(uniref100.KO.1.dmnd), or to {CHECKM2_DOWNLOAD_DB} to have rule download_checkm2_db fetch it, "
        "or set qc.checkm2: false to use the built-in QC only"
    )
if CHECKM2_DB and not os.path.exists(CHECKM2_DB) and os.path.normpath(CHECKM2_DB) != os.path.normpath(CHECKM2_DOWNLOAD_DB):
    raise WorkflowError(
        f"config key qc.checkm2_db: database file {CHECKM2_DB} not found; give the path of an existing "
        f"uniref100.KO.1.dmnd, or set it to {CHECKM2_DOWNLOAD_DB} to have rule download_checkm2_db fetch it"
    )

# QC tables the summary reads: built-in and/or CheckM2, plus the gold-standard score
SUMMARY_TABLES = {
    key: path
    for key, path, on in (
        ("qc", "results/qc/builtin.tsv", config["qc"]["builtin"]),
        ("checkm2", "results/qc/checkm2.tsv", config["qc"]["checkm2"]),
        ("score", "results/score/score.tsv", bool(config["gold_standard"])),
    )
    if on
}


localrules:
    download_checkm2_db,


rule builtin_qc:
    input:
        bins=rules.write_bins.output.bins,
    output:
        tsv="results/qc/builtin.tsv",
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
        f"{SCRIPTS}/builtin_qc.py"


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
            bins=rules.write_bins.output.bins,
            db=CHECKM2_DB,
        output:
            report="results/qc/checkm2/quality_report.tsv",
        params:
            outdir=lambda wildcards, output: os.path.dirname(output.report),
            extra=config["qc"]["checkm2_extra"],
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
            report=rules.checkm2.output.report,
        output:
            tsv="results/qc/checkm2.tsv",
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
            f"{SCRIPTS}/checkm2_parse.py"


if config["gold_standard"]:

    rule score_bins:
        input:
            gold=config["gold_standard"],
            clusters=rules.cluster.output.tsv,
        output:
            tsv="results/score/score.tsv",
        params:
            # only contigs the binner saw count (the length filter's threshold)
            min_contig=config["contigs"]["min_length"],
            # score the bins the workflow writes: clusters below the bin size are unbinned
            min_bin_bp=config["bins"]["min_bin_size"],
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
            f"{SCRIPTS}/score_bins.py"


rule summary:
    input:
        unpack(lambda wildcards: SUMMARY_TABLES),
        bins=rules.write_bins.output.bins,
        clusters=rules.cluster.output.tsv,
        depth=rules.merge_depth.output.npz,
    output:
        tsv="results/summary.tsv",
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
        f"{SCRIPTS}/summary.py"
