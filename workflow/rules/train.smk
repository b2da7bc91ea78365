# VAE training (one GPU when there is one, else CPU) and the latent embedding.


rule train_vae:
    input:
        tnf=out("tnf"),
        depth=out("depth"),
    output:
        model=out("model"),
        train_log=out("train_log"),
        train_info=out("train_info"),
    params:
        **params_of("train"),
        # not an output: it survives a failed or killed job, and the rerun resumes from it
        checkpoint=out("checkpoint"),
    log:
        "logs/train_vae.log",
    benchmark:
        "results/benchmarks/train_vae.tsv"
    threads: 8
    resources:
        # gpu=1 becomes --gpus on SLURM (profiles/slurm); locally,
        # `--resources gpu=1` runs one training at a time. The script picks the
        # device from vae.device (auto = CUDA if visible, else CPU).
        gpu=1,
        mem_mb=16000,
        runtime=720,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        STAGE


rule encode:
    input:
        model=out("model"),
        tnf=out("tnf"),
        depth=out("depth"),
    output:
        latent=out("latent"),
    params:
        **params_of("encode"),
    log:
        "logs/encode.log",
    benchmark:
        "results/benchmarks/encode.tsv"
    threads: 4
    resources:
        # one forward pass: CPU is enough unless vae.device forces cuda
        gpu=1 if OPTS.vae.device == "cuda" else 0,
        mem_mb=8000,
        runtime=60,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        STAGE
