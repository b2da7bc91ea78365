#!/usr/bin/env python3
"""Benchmark latentbin against Vamb, MetaBAT2 and SemiBin2 on one dataset.

    python benchmarks/run.py --dataset dev --out benchmarks/results
    python benchmarks/run.py --dataset example --peers metabat2 --epochs 1
    python benchmarks/run.py --dataset /path/to/DIR --peers vamb,metabat2,semibin2

Maps the reads once, runs every binner on the same contigs and BAMs (one at a time,
``--threads`` each), scores each binning against the gold standard and writes
``<out>/<dataset>.md`` (printed too), ``<out>/<dataset>.png`` and ``<out>/<dataset>.json``.
See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import datasets, mapping, peers, report, scoring  # noqa: E402
from harness.latentbin_runner import run_latentbin  # noqa: E402

ALL_PEERS = ("vamb", "metabat2", "semibin2")

THROUGHPUT = r"""
import json, sys, time
from latentbin.config import load_config
from latentbin.options import Options
from latentbin.tnf import compute_tnf
from latentbin.depth import compute_depth
fasta, threads, min_len, bams, samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(","), sys.argv[5].split(",")
t = time.perf_counter(); comp = compute_tnf(fasta, min_length=min_len, threads=threads); tnf_s = time.perf_counter() - t
opts = Options.from_config(load_config(None))
t = time.perf_counter(); compute_depth(bams, comp.names, comp.lengths, opts.depth, threads=threads, samples=samples); depth_s = time.perf_counter() - t
print(json.dumps({"tnf_s": tnf_s, "depth_s": depth_s}))
"""


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--dataset", default="dev", help="dev, example, or a dataset folder (layout in README)")
    ap.add_argument("--data", help="existing copy of the dev/example data (dev is built when absent)")
    ap.add_argument("--work", help="scratch folder (BAMs, tool outputs); default benchmarks/work/<dataset>")
    ap.add_argument("--out", default=str(HERE / "results"), help="where <dataset>.md/.png/.json go")
    ap.add_argument("--peers", default=",".join(ALL_PEERS), help="comma list of vamb,metabat2,semibin2 or 'none'")
    ap.add_argument("--no-latentbin", action="store_true", help="run only the peers")
    ap.add_argument("--epochs", type=int, help="latentbin training epochs (default: config default)")
    ap.add_argument("--threads", type=int, default=2, help="threads per tool")
    ap.add_argument("--device", default="cpu", help="latentbin train device (cpu keeps it comparable)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--config", help="latentbin config YAML passed to every stage")
    ap.add_argument("--no-qc", action="store_true", help="skip latentbin's qc stage")
    ap.add_argument("--bams", help="folder of <sample>.bam(.bai) to reuse when they match the contigs")
    ap.add_argument("--venvs", default=os.environ.get("LATENTBIN_BENCH_VENVS", str(HERE / "work" / "venvs")),
                    help="where install_peers.sh made the peer venvs (env LATENTBIN_BENCH_VENVS)")
    ap.add_argument("--reuse", default="", help="comma list of tools whose previous run in --work is reused")
    ap.add_argument("--resume", action="store_true",
                    help="latentbin: keep the stages of the previous run in --work whose outputs exist")
    ap.add_argument("--min-contig", type=int, default=2000)
    ap.add_argument("--min-bin-bp", type=int, default=200000, help="bins smaller than this are ignored for all tools")
    ap.add_argument("--peer-timeout", type=int, help="seconds before a peer is stopped and reported as timed out")
    ap.add_argument("--scorer", help="score_bins.py to use instead of latentbin.score")
    ap.add_argument("--note", action="append", default=[], help="a line added under the table (repeatable)")
    ap.add_argument("--nice", type=int, default=10, help="nice level of every job")
    a = ap.parse_args(argv)
    a.peers = [] if a.peers in ("", "none") else [p.strip().lower() for p in a.peers.split(",")]
    bad = [p for p in a.peers if p not in ALL_PEERS]
    if bad:
        ap.error(f"--peers: unknown {bad}; choose from {', '.join(ALL_PEERS)}")
    a.reuse = {p.strip() for p in a.reuse.split(",") if p.strip()}
    return a


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu or platform.machine()}, {os.cpu_count()} cores"


def throughput(contigs: Path, bams: list[Path], samples: list[str], threads: int, min_len: int,
               nice: int) -> dict:
    """In-process seconds of compute_tnf and compute_depth (no start-up, no file writing)."""
    cmd = ["nice", "-n", str(nice), sys.executable, "-c", THROUGHPUT, str(contigs), str(threads),
           str(min_len), ",".join(map(str, bams)), ",".join(samples)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_dict(run: peers.Run, score: dict | None) -> dict:
    return {"tool": run.tool, "version": run.version, "error": run.error, "steps": run.steps,
            "date": datetime.date.today().isoformat(), "commit": report.git_commit(),
            "bins_path": str(run.bins) if run.bins else None, "score": score,
            "measures": [dict(m.as_dict(), ok=m.ok) for m in run.measures]}


def main(argv=None) -> int:
    a = parse_args(argv)
    name = a.dataset if a.dataset in ("dev", "example") else Path(a.dataset).resolve().name
    work = Path(a.work or HERE / "work" / name).resolve()
    work.mkdir(parents=True, exist_ok=True)
    ds = datasets.resolve(a.dataset, work, a.data)
    contigs = work / f"contigs{a.min_contig}.fna"
    n, bp = datasets.filter_contigs(ds.contigs, contigs, a.min_contig)
    print(f"[bench] {ds.name}: {n} contigs >= {a.min_contig} bp, {bp / 1e6:.1f} Mbp", flush=True)
    bams, map_measures = mapping.map_samples(ds.samples, contigs, work / "bam", a.threads, work / "logs",
                                             reuse=Path(a.bams).resolve() if a.bams else None, nice=a.nice)
    samples = [s for s, _, _ in ds.samples]
    map_json = work / "bam" / "mapping.json"
    mapped = [dict(m.as_dict(), ok=m.ok) for m in map_measures]
    if mapped:
        map_json.write_text(json.dumps(mapped, indent=1))
    elif map_json.exists():  # BAMs reused: report what mapping them cost when they were made
        mapped = [dict(m, name=m["name"] + " (earlier run)") for m in json.loads(map_json.read_text())]
    scorer = scoring.scorer_module(Path(a.scorer) if a.scorer else None)
    venvs = Path(a.venvs).resolve() if a.venvs else None

    todo = ([] if a.no_latentbin else ["latentbin"]) + a.peers
    runs = []
    for tool in todo:
        cache = work / tool / "run.json"
        if tool in a.reuse and cache.exists():
            print(f"[bench] {tool}: reusing {cache}", flush=True)
            runs.append(dict(json.loads(cache.read_text()), reused=True))
            continue
        print(f"[bench] running {tool} ...", flush=True)
        if tool == "latentbin":
            run = run_latentbin(contigs, bams, samples, work / "latentbin", a.threads, epochs=a.epochs,
                                device=a.device, seed=a.seed, config=a.config, qc=not a.no_qc, nice=a.nice,
                                resume=_previous_stages(cache) if a.resume else None)
        else:
            run = peers.PEERS[tool](contigs, bams, work / tool, a.threads, venvs, seed=a.seed,
                                    min_contig=a.min_contig, min_bin=a.min_bin_bp,
                                    timeout=a.peer_timeout, nice=a.nice)
        score = None
        if run.bins is not None:
            try:
                score = scoring.score_binning(ds.gold, run.bins, a.min_contig, a.min_bin_bp, scorer)
            except Exception as exc:  # noqa: BLE001 - a broken output is a reported failure
                run.error = run.error or f"scoring failed: {exc}"
        rd = run_dict(run, score)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(rd, indent=1, default=str))
        runs.append(rd)
        print(f"[bench] {tool}: {'NC=' + str(score['NC']) if score else 'no score'}"
              f"{' ERROR ' + run.error if run.error else ''}", flush=True)

    thr = {}
    thr_json = work / "latentbin" / "throughput.json"
    if "latentbin" in todo and "latentbin" in a.reuse and thr_json.exists():
        thr = json.loads(thr_json.read_text())
    elif "latentbin" in todo:
        thr = throughput(contigs, bams, samples, a.threads, a.min_contig, a.nice)
        thr_json.write_text(json.dumps(thr))
    genomes = len({g for c, g in zip(*_gold_cols(ds.gold)) if c >= a.min_contig})
    results = {
        "dataset": {"name": ds.name, "root": str(ds.root), "contigs": n, "bp": bp,
                    "fasta_mb": contigs.stat().st_size / 1e6,
                    "bam_mb": sum(b.resolve().stat().st_size for b in bams) / 1e6,
                    "samples": len(samples), "genomes": genomes},
        "settings": {"threads": a.threads, "epochs": a.epochs, "device": a.device, "seed": a.seed,
                     "min_contig": a.min_contig, "min_bin_bp": a.min_bin_bp, "machine": machine(),
                     "date": datetime.date.today().isoformat(), "commit": report.git_commit(),
                     "command": "python benchmarks/run.py " + " ".join(map(shlex.quote, argv or sys.argv[1:]))},
        "mapping": mapped,
        "throughput": thr, "runs": runs, "notes": a.note, "scorer": getattr(scorer, "__name__", "score_bins"),
    }
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    md = report.markdown(results)
    (out / f"{ds.name}.md").write_text(md)
    (out / f"{ds.name}.json").write_text(json.dumps(results, indent=1, default=str))
    report.plot(results, out / f"{ds.name}.png")
    print(md)
    print(f"[bench] wrote {out / (ds.name + '.md')}, {ds.name}.png, {ds.name}.json", flush=True)
    return 0


def _previous_stages(cache: Path) -> dict:
    if not cache.exists():
        return {}
    return {m["name"]: m for m in json.loads(cache.read_text())["measures"]}


def _gold_cols(gold: Path) -> tuple[list[int], list[str]]:
    lengths, genomes = [], []
    with open(gold) as fh:
        head = fh.readline().rstrip("\n").split("\t")
        il, ig = head.index("length"), head.index("genome")
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) > max(il, ig):
                lengths.append(int(f[il]))
                genomes.append(f[ig])
    return lengths, genomes


if __name__ == "__main__":
    sys.exit(main())
