# VAE training (one GPU when there is one, else CPU) and the latent embedding.


rule train_vae:
    input:
        tnf=rules.tnf.output.npz,
        depth=rules.merge_depth.output.npz,
    output:
        model="results/vae/model.pt",
        log_tsv="results/vae/train_log.tsv",
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
        f"{SCRIPTS}/train.py"


rule encode:
    input:
        model=rules.train_vae.output.model,
        tnf=rules.tnf.output.npz,
        depth=rules.merge_depth.output.npz,
    output:
        npz="results/vae/latent.npz",
    log:
        "logs/encode.log",
    benchmark:
        "results/benchmarks/encode.tsv"
    threads: 4
    resources:
        # one forward pass: CPU is enough unless vae.device forces cuda
        gpu=1 if config["vae"]["device"] == "cuda" else 0,
        mem_mb=8000,
        runtime=60,
    conda:
        f"{ENVS}/latentbin.yaml"
    script:
        f"{SCRIPTS}/encode.py"
