# The run report: one self-contained HTML page (results/report.html) with run facts,
# training curves, the latent space, the bins and, with a gold standard, the scores.
# Optional inputs (contigs.json, unbinned.tsv, train_info.json, benchmarks) are read
# when present; the report says what is missing instead of failing. Its params are the
# whole config (the report lists the values that differ from the defaults).


rule report:
    input:
        unpack(lambda wildcards: {"score": out("score")} if OPTS.gold_standard else {}),
        summary=out("summary"),
        clusters=out("clusters"),
        unbinned=out("unbinned"),
        latent=out("latent"),
        train_log=out("train_log"),
        depth=out("depth"),
    output:
        report=out("report"),
    params:
        **params_of("report"),
    log:
        "logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    threads: 2
    resources:
        # a 1M-contig latent (1M x 32 float32) plus a 25k-point UMAP: < 2 GB, < 1 min measured
        mem_mb=4000,
        runtime=30,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        STAGE
