#!/usr/bin/env python3
"""Build the latentbin benchmark suite: binning datasets with a gold standard each.

    python benchmarks/suite/build.py --out benchmarks/suite/data            # every dataset
    python benchmarks/suite/build.py --out benchmarks/suite/data --only dev-15s
    python benchmarks/suite/build.py --out /tmp/smoke --smoke              # CI smoke (< 30 s)
    python benchmarks/suite/build.py --list

Every dataset is a folder ``<out>/<name>/`` with the layout ``benchmarks/run.py
--dataset DIR`` reads: ``contigs.fna.gz``, ``samples.tsv`` (sample, r1, r2; paths
relative to the folder), ``reads/``, ``gold_standard.tsv`` (contig, genome, length, ...)
and ``dataset.json`` (what was built, how, and how long it took).

Genomes: the 11 dev genomes from ``../shared/data/genomes`` and the 30 genomes in
``benchmarks/suite/genomes/`` (sources, licences and SHA-256 in ``MANIFEST.tsv``; every
file is checked against it before use). Reads and cut contigs come from
``../shared/tools/simulate_community.py``; the long-read simulator and the assembly
truth are in this file. Same command = same files (gzip headers carry no time stamp);
the megahit case is as deterministic as megahit itself (checked and recorded in the
README).
"""
from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = Path(os.environ.get("LATENTBIN_SHARED", REPO.parent / "shared"))
SIMULATOR = SHARED / "tools" / "simulate_community.py"
DEV_GENOMES = SHARED / "data" / "genomes"
SUITE_GENOMES = HERE / "genomes"

STRAIN_PAIRS = ["Escherichia_coli_EC590", "Escherichia_coli_W3110", "Helicobacter_pylori_G27",
                "Helicobacter_pylori_Puno120", "Staphylococcus_aureus_N315", "Staphylococcus_aureus_RF122"]

# Novel community A: phylum-diverse (two DPANN archaea, Aquificae, Firmicutes, Cyanobacteria,
# alpha-/beta-/gamma-Proteobacteria), GC 28.7-67.6 %, with two strain groups
# (N. meningitidis x2, S. pyogenes x3). None of these genomes is in the dev set.
NOVEL_A = ["Ca_Nanohalobium_constans_LC1Nh", "Ca_Mancarchaeum_acidiphilum_Mia14", "Aquifex_aeolicus_VF5", "Bacillus_subtilis_168", "Brucella_melitensis_16M",
           "Clostridioides_difficile_BR81", "Cupriavidus_gilardii_CR3", "Cupriavidus_metallidurans_CH34",
           "Cupriavidus_necator_H16", "Cupriavidus_pauculus_FDAARGOS614", "Cupriavidus_taiwanensis_SWF66294",
           "Haemophilus_influenzae_RdKW20", "Neisseria_meningitidis_MC58", "Neisseria_meningitidis_Z2491",
           "Shigella_flexneri_2a_301", "Streptococcus_pyogenes_M1GAS", "Streptococcus_pyogenes_MGAS315",
           "Streptococcus_pyogenes_MGAS8232", "Synechococcus_sp_NIES970", "Synechococcus_sp_PCC7002",
           "Synechocystis_sp_PCC6714", "Synechocystis_sp_PCC6803", "Yersinia_pestis_KIM"]
# Novel community B: congeneric-rich. 10 Synechococcus/Synechocystis (several at 97-99 %
# ANI) and 8 Cupriavidus species (81-95 % ANI), plus two archaea, Aquifex and C. difficile.
NOVEL_B = ["Synechocystis_sp_PCC6803", "Synechocystis_sp_PCC6714", "Synechocystis_sp_PCC7338",
           "Synechocystis_sp_PCC7339", "Synechococcus_sp_PCC7002", "Synechococcus_sp_PCC7003",
           "Synechococcus_sp_PCC7117", "Synechococcus_sp_PCC8807", "Synechococcus_sp_PCC73109",
           "Synechococcus_sp_NIES970", "Cupriavidus_necator_H16", "Cupriavidus_metallidurans_CH34",
           "Cupriavidus_gilardii_CR3", "Cupriavidus_pauculus_FDAARGOS614", "Cupriavidus_taiwanensis_SWF66294",
           "Cupriavidus_campinensis_MJ1", "Cupriavidus_oxalaticus_Ox1", "Cupriavidus_sp_MP-37",
           "Ca_Nanohalobium_constans_LC1Nh", "Ca_Mancarchaeum_acidiphilum_Mia14",
           "Aquifex_aeolicus_VF5", "Clostridioides_difficile_BR81"]
SMOKE_GENOMES = ["Aquifex_aeolicus_VF5", "Haemophilus_influenzae_RdKW20", "Streptococcus_pyogenes_M1GAS"]

# The one table of datasets. kind: "sim" = simulate_community.py (cut contigs, short
# reads); "assembly" = short reads co-assembled with megahit, truth by read origin;
# "long" = cut contigs + simulated ONT-like long reads (map with minimap2 -x map-ont).
# genomes: "dev" (all 11 dev genomes), or a list of names (dev or suite genomes).
DATASETS = {
    "dev":         dict(kind="sim", genomes="dev", samples=5, cov=6, seed=7, about="the dev benchmark (= make_dev.sh)"),
    "dev-1s":      dict(kind="sim", genomes="dev", samples=1, cov=6, seed=7, about="dev, 1 sample"),
    "dev-2s":      dict(kind="sim", genomes="dev", samples=2, cov=6, seed=7, about="dev, 2 samples"),
    "dev-15s":     dict(kind="sim", genomes="dev", samples=15, cov=6, seed=7, about="dev, 15 samples"),
    "dev-lowcov":  dict(kind="sim", genomes="dev", samples=5, cov=2.5, seed=7, about="dev, mean coverage 2.5x"),
    "dev-short":   dict(kind="sim", genomes="dev", samples=5, cov=6, seed=7, median_contig=2000, min_contig=1000,
                        about="dev, short contigs (kept contigs' median ~2.5 kbp)"),
    "dev-skewed":  dict(kind="sim", genomes="dev", samples=5, cov=6, seed=7, sigma=2.0,
                        about="dev, log-normal abundance sigma 2"),
    "dev-strains": dict(kind="sim", genomes=STRAIN_PAIRS, samples=3, cov=6, seed=7, sigma=0.0,
                        about="the 3 same-species strain pairs, equal abundance in every sample"),
    "novel-a":     dict(kind="sim", genomes=NOVEL_A, samples=4, cov=5, seed=11,
                        about="23 new genomes incl. 2 archaea, phylum-diverse, GC 28.7-67.6 %, strain groups"),
    "novel-b":     dict(kind="sim", genomes=NOVEL_B, samples=4, cov=5, seed=13,
                        about="22 new genomes incl. 2 archaea, congeneric-rich (10 cyanobacteria, 8 Cupriavidus)"),
    "assembly":    dict(kind="assembly", genomes="dev", samples=3, cov=8, seed=17, min_contig=1000,
                        about="dev genomes, 3 samples of reads co-assembled by megahit; truth = majority read origin"),
    "long":        dict(kind="long", genomes="dev", samples=3, cov=5, seed=19, read_mean=6000,
                        about="dev contigs, ONT-like long reads (~6 kbp, ~8 % errors), map with -x map-ont"),
}
SMOKE = dict(kind="sim", genomes=SMOKE_GENOMES, samples=2, cov=3, seed=5, truncate=150_000, median_contig=8000,
             about="CI smoke: first 150 kbp of 3 genomes, 2 samples")


def log(msg: str) -> None:
    print(f"[suite {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest() -> dict[str, dict]:
    with open(SUITE_GENOMES / "MANIFEST.tsv") as fh:
        return {r["name"]: r for r in csv.DictReader(fh, delimiter="\t")}


def genome_files(spec) -> list[Path]:
    """Resolve genome names to files; suite genomes are checked against MANIFEST.tsv."""
    if spec == "dev":
        files = sorted(DEV_GENOMES.glob("*.fna.gz"))
        if len(files) != 11:
            sys.exit(f"expected 11 dev genomes in {DEV_GENOMES}, found {len(files)} (set LATENTBIN_SHARED)")
        return files
    man = manifest()
    out = []
    for name in spec:
        if (DEV_GENOMES / f"{name}.fna.gz").exists():
            out.append(DEV_GENOMES / f"{name}.fna.gz")
            continue
        if name not in man:
            sys.exit(f"genome {name} is neither a dev genome nor in {SUITE_GENOMES}/MANIFEST.tsv")
        path = SUITE_GENOMES / f"{name}.fna.gz"
        if not path.exists() or sha256(path) != man[name]["sha256"]:
            sys.exit(f"{path}: missing or SHA-256 differs from MANIFEST.tsv")
        out.append(path)
    return out


def zero_gzip_mtime(root: Path) -> None:
    """gzip.open() stamps the current time into each header; zero it so builds are byte-identical."""
    for path in sorted(root.rglob("*.gz")):
        with open(path, "r+b") as fh:
            head = fh.read(8)
            if head[:2] == b"\x1f\x8b" and head[4:8] != b"\0\0\0\0":
                fh.seek(4)
                fh.write(b"\0\0\0\0")


def read_fasta(path: Path):
    opener = gzip.open if str(path).endswith(".gz") else open
    name, parts = None, []
    with opener(path, "rb") as fh:
        for line in fh:
            if line.startswith(b">"):
                if name is not None:
                    yield name, b"".join(parts)
                name, parts = line[1:].split()[0].decode(), []
            else:
                parts.append(line.strip().upper())
    if name is not None:
        yield name, b"".join(parts)


def write_fasta_gz(path: Path, records) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as fh:
        for name, seq in records:
            fh.write(b">%s\n" % name.encode())
            for i in range(0, len(seq), 80):
                fh.write(seq[i : i + 80] + b"\n")


def simulate(out: Path, files: list[Path], spec: dict, samples: int | None = None) -> None:
    cmd = [sys.executable, str(SIMULATOR), "--genomes", *map(str, files), "--out", str(out),
           "--samples", str(samples or spec["samples"]), "--mean-coverage", str(spec["cov"]),
           "--seed", str(spec["seed"])]
    if "sigma" in spec:
        cmd += ["--abundance-sigma", str(spec["sigma"])]
    if "median_contig" in spec:
        cmd += ["--median-contig", str(spec["median_contig"])]
    if "min_contig" in spec and spec["kind"] == "sim":
        cmd += ["--min-contig", str(spec["min_contig"])]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def truncated_genomes(files: list[Path], n: int, tmp: Path) -> list[Path]:
    out = []
    for f in files:
        dst = tmp / f.name
        recs = list(read_fasta(f))
        write_fasta_gz(dst, [(recs[0][0], recs[0][1][:n])])
        out.append(dst)
    return out


# --- long reads ----------------------------------------------------------------------

def simulate_long(out: Path, files: list[Path], spec: dict) -> None:
    """Cut contigs + gold standard from simulate_community.py (with no reads kept), then
    ONT-like reads: log-normal lengths (mean read_mean), 3 % substitutions, 2.5 %
    insertions, 2.5 % deletions, both strands; abundances as in the simulator."""
    import numpy as np

    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        simulate(Path(tmp), files, dict(spec, cov=0.01), samples=spec["samples"])
        for name in ("contigs.fna.gz", "gold_standard.tsv"):
            shutil.copy(Path(tmp) / name, out / name)
    rng = np.random.default_rng(spec["seed"])
    genomes = [(f.name.split(".")[0].replace("_", "-"), [(n, s) for n, s in read_fasta(f) if len(s) >= 1000])
               for f in files]
    n_g, n_s = len(genomes), spec["samples"]
    base = rng.lognormal(0.0, 1.0, n_g)
    cov = base[:, None] * rng.lognormal(0.0, 1.0, (n_g, n_s))
    cov = cov / cov.mean() * spec["cov"]
    comp = np.frombuffer(bytes(range(256)).translate(bytes.maketrans(b"ACGTN", b"TGCAN")), dtype=np.uint8)
    alphabet = np.frombuffer(b"ACGT", dtype=np.uint8)
    p_sub, p_ins, p_del = 0.03, 0.025, 0.025
    mean, sigma = spec["read_mean"], 0.5
    mu = np.log(mean) - sigma**2 / 2
    (out / "reads").mkdir(exist_ok=True)
    with open(out / "abundance_truth.tsv", "w") as fh:
        fh.write("genome\t" + "\t".join(f"S{j + 1}" for j in range(n_s)) + "\n")
        for i, (gid, _) in enumerate(genomes):
            fh.write(gid + "\t" + "\t".join(f"{c:.4f}" for c in cov[i]) + "\n")
    with open(out / "samples.tsv", "w") as st:
        st.write("sample\tr1\tr2\tpreset\n")
        for j in range(n_s):
            s = f"S{j + 1}"
            rel = f"reads/{s}_long.fq.gz"
            st.write(f"{s}\t{rel}\t\tmap-ont\n")
            with open(out / rel, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="",
                                                               compresslevel=3) as fq:
                for i, (gid, recs) in enumerate(genomes):
                    for rname, seq in recs:
                        arr = np.frombuffer(seq, dtype=np.uint8)
                        L = len(arr)
                        target = cov[i, j] * L
                        lengths = []
                        total = 0.0
                        while total < target:
                            x = int(min(max(rng.lognormal(mu, sigma), 500), L))
                            lengths.append(x)
                            total += x
                        for k, x in enumerate(lengths):
                            start = int(rng.integers(0, L))
                            idx = (start + np.arange(x)) % L  # circular replicon
                            a = arr[idx]
                            if rng.random() < 0.5:
                                a = comp[a[::-1]]
                            r = rng.random(x)
                            a = a.copy()
                            subs = (r >= p_del) & (r < p_del + p_sub)
                            a[subs] = alphabet[rng.integers(0, 4, int(subs.sum()))]
                            ins = rng.random(x) < p_ins
                            reps = (r >= p_del).astype(np.int64) + ins
                            read = np.repeat(a, reps)
                            # the second copy of an inserted base becomes a random base
                            ends = np.cumsum(reps)
                            read[ends[ins] - 1] = alphabet[rng.integers(0, 4, int(ins.sum()))]
                            name = f"{s}_{gid}_{rname}_{k}"
                            fq.write(b"@%s\n%s\n+\n%s\n" % (name.encode(), read.tobytes(), b"5" * len(read)))
            log(f"long: {s} written")


# --- assembly ------------------------------------------------------------------------

def build_assembly(out: Path, files: list[Path], spec: dict, threads: int) -> dict:
    """Short reads from simulate_community.py, co-assembled by megahit; each contig's genome
    is the majority origin of the R1 reads that minimap2 maps to it (primary alignments,
    MAPQ >= 1). Contigs < min_contig or with no mapped read are dropped."""
    for tool in ("megahit", "minimap2"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not on PATH (Debian: apt-get install {tool})")
    simulate(out, files, spec)
    with open(out / "samples.tsv") as fh:
        samples = list(csv.DictReader(fh, delimiter="\t"))
    r1 = ",".join(str(out / s["r1"]) for s in samples)
    r2 = ",".join(str(out / s["r2"]) for s in samples)
    asm = out / "megahit"
    if asm.exists():
        shutil.rmtree(asm)
    t0 = time.time()
    p = subprocess.run(["megahit", "-1", r1, "-2", r2, "-o", str(asm), "-t", str(threads),
                        "--min-contig-len", str(spec["min_contig"])], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("megahit failed:\n" + "\n".join((p.stdout + p.stderr).strip().splitlines()[-15:]))
    t_asm = time.time() - t0
    contigs = {n: s for n, s in read_fasta(asm / "final.contigs.fa")}
    raw = out / "megahit_contigs.fna"
    with open(raw, "wb") as fh:
        for n, s in contigs.items():
            fh.write(b">%s\n%s\n" % (n.encode(), s))
    # Map R1 of every sample; read names are <sample>_<genome>_<replicon>_<i>/1.
    gids = sorted({f.name.split(".")[0].replace("_", "-") for f in files}, key=len, reverse=True)
    counts: dict[str, dict[str, int]] = {}
    t0 = time.time()
    for s in samples:
        p = subprocess.Popen(["minimap2", "-x", "sr", "-t", str(threads), "--secondary=no", str(raw), str(out / s["r1"])],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in p.stdout:
            f = line.split("\t", 12)
            if int(f[11]) < 1:
                continue
            rest = f[0][len(s["sample"]) + 1 :]
            g = next((g for g in gids if rest.startswith(g + "_")), None)
            if g is None:
                continue
            c = counts.setdefault(f[5], {})
            c[g] = c.get(g, 0) + 1
        if p.wait() != 0:
            sys.exit("minimap2 failed")
    t_map = time.time() - t0
    raw.unlink()
    kept, dropped = [], 0
    with open(out / "gold_standard.tsv", "w") as gold:
        gold.write("contig\tgenome\tlength\tpurity\treads\n")
        for n in sorted(contigs, key=lambda x: int(x.split("_")[1]) if x.split("_")[-1].isdigit() else x):
            c = counts.get(n)
            if not c:
                dropped += 1
                continue
            g, k = max(sorted(c.items()), key=lambda kv: kv[1])
            tot = sum(c.values())
            gold.write(f"{n}\t{g}\t{len(contigs[n])}\t{k / tot:.4f}\t{tot}\n")
            kept.append((n, contigs[n]))
    write_fasta_gz(out / "contigs.fna.gz", kept)
    shutil.rmtree(asm)
    return dict(megahit_s=round(t_asm, 1), truth_mapping_s=round(t_map, 1), contigs_dropped_no_reads=dropped)


# --- driver ----------------------------------------------------------------------------

def summarise(out: Path) -> dict:
    lengths, genomes, purity = [], set(), []
    with open(out / "gold_standard.tsv") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            lengths.append(int(r["length"]))
            genomes.add(r["genome"])
            if "purity" in r:
                purity.append((float(r["purity"]), int(r["length"])))
    lengths.sort()
    n50, acc = 0, 0
    for x in reversed(lengths):
        acc += x
        if acc >= sum(lengths) / 2:
            n50 = x
            break
    res = dict(contigs=len(lengths), genomes=len(genomes), contig_bp=sum(lengths),
               median_contig=lengths[len(lengths) // 2] if lengths else 0, n50=n50,
               bytes=sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
               # what a rebuild is compared against (the megahit case is as deterministic as megahit)
               contigs_sha256=sha256(out / "contigs.fna.gz"), gold_sha256=sha256(out / "gold_standard.tsv"))
    if purity:
        res["bp_weighted_purity"] = round(sum(p * l for p, l in purity) / sum(l for _, l in purity), 4)
    return res


def build(name: str, spec: dict, root: Path, threads: int) -> dict:
    out = root / name
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    t0 = time.time()
    files = genome_files(spec["genomes"])
    extra = {}
    if spec["kind"] == "sim":
        if "truncate" in spec:
            with tempfile.TemporaryDirectory() as tmp:
                simulate(out, truncated_genomes(files, spec["truncate"], Path(tmp)), spec)
        else:
            simulate(out, files, spec)
    elif spec["kind"] == "long":
        simulate_long(out, files, spec)
    elif spec["kind"] == "assembly":
        extra = build_assembly(out, files, spec, threads)
    else:
        raise ValueError(spec["kind"])
    zero_gzip_mtime(out)
    info = dict(name=name, about=spec["about"], spec={k: v for k, v in spec.items() if k != "about"},
                genome_files=[f.name for f in files], **extra, **summarise(out))
    info["build_s"] = round(time.time() - t0, 1)
    # dataset.json holds no time so two builds are identical; timings go to build_times.json.
    (out / "dataset.json").write_text(json.dumps({k: v for k, v in info.items()
                                                  if not k.endswith("_s")}, indent=1) + "\n")
    log(f"{name}: {info['contigs']} contigs, {info['genomes']} genomes, {info['bytes'] / 1e6:.0f} MB, {info['build_s']} s")
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "data")
    ap.add_argument("--only", action="append", help="build only this dataset (repeatable)")
    ap.add_argument("--smoke", action="store_true", help="build only the tiny CI dataset 'smoke'")
    ap.add_argument("--threads", type=int, default=2, help="megahit and minimap2 threads (assembly case)")
    ap.add_argument("--list", action="store_true", help="list the datasets and exit")
    a = ap.parse_args(argv)
    if a.list:
        for n, s in DATASETS.items():
            print(f"{n:12s} {s['about']}")
        return 0
    if not SIMULATOR.exists():
        sys.exit(f"{SIMULATOR} not found (set LATENTBIN_SHARED to the shared/ folder)")
    if a.smoke:
        todo = {"smoke": SMOKE}
    else:
        unknown = set(a.only or []) - set(DATASETS)
        if unknown:
            sys.exit(f"unknown dataset(s): {', '.join(sorted(unknown))}; --list shows them")
        todo = {n: s for n, s in DATASETS.items() if not a.only or n in a.only}
    a.out.mkdir(parents=True, exist_ok=True)
    times_path = a.out / "build_times.json"
    times = json.loads(times_path.read_text()) if times_path.exists() else {}
    for name, spec in todo.items():
        times[name] = build(name, spec, a.out, a.threads)
        times_path.write_text(json.dumps(times, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
