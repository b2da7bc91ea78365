"""The peer binners, each run as a whole on the shared contigs and BAMs.

Every runner returns a :class:`Run`; a peer that is not installed or fails is a Run
with ``error`` set (reported in the table), never an exception.

Executables are looked up in ``<venvs>/<peer>/bin`` first (made by
``benchmarks/install_peers.sh``), then on PATH.
"""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

from .timing import Measure, run_timed


@dataclasses.dataclass
class Run:
    """One binner's run: cost, where its binning is, and step timings it logged itself."""

    tool: str
    measures: list[Measure]
    bins: Path | None = None          # bin<TAB>contig TSV or folder of bin FASTA
    error: str = ""
    steps: dict = dataclasses.field(default_factory=dict)  # e.g. {"tnf_s": 0.4, "depth_s": 3.5}
    version: str = ""

    def total(self) -> Measure:
        """Whole-run cost: summed wall and CPU, max of peak RSS."""
        t = Measure(name=self.tool, wall_s=0.0, cpu_s=0.0, max_rss_mb=0.0, rc=0, error=self.error)
        for m in self.measures:
            t.wall_s += m.wall_s
            t.cpu_s += m.cpu_s
            t.max_rss_mb = max(t.max_rss_mb, m.max_rss_mb)
        if not self.measures:
            t.wall_s = t.cpu_s = t.max_rss_mb = float("nan")
        return t


def find_exe(name: str, venvs: Path | None, venv: str) -> str | None:
    """``<venvs>/<venv>/bin/<name>`` if present, else ``name`` on PATH, else None."""
    if venvs is not None and (venvs / venv / "bin" / name).exists():
        return str(venvs / venv / "bin" / name)
    return shutil.which(name)


def _version(exe: str, args=("--version",)) -> str:
    import subprocess

    try:
        p = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)
        text = (p.stdout + p.stderr).strip().splitlines()
        return text[-1].split()[-1] if text else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def _timeout(cmd: list[str], seconds: int | None) -> list[str]:
    return ["timeout", str(seconds), *cmd] if seconds and shutil.which("timeout") else cmd


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    return path


#: run_vamb's cost, written beside its output when it finished (run_vamb_recluster reuses it)
VAMB_MEASURE = "vamb_measure.json"


def run_vamb(contigs: Path, bams: list[Path], out: Path, threads: int, venvs: Path | None,
             seed: int = 1, min_contig: int = 2000, min_bin: int = 200000,
             timeout: int | None = None, nice: int = 10) -> Run:
    """``vamb bin default`` on the shared BAMs; its log gives the TNF and BAM-parsing seconds."""
    exe = find_exe("vamb", venvs, "vamb")
    if exe is None:
        return Run("Vamb", [], error="not installed (benchmarks/install_peers.sh vamb)")
    out.mkdir(parents=True, exist_ok=True)
    bamdir = _fresh(out / "bams")
    bamdir.mkdir()
    for b in bams:  # --bamdir takes every *.bam in a folder
        (bamdir / b.name).symlink_to(b.resolve())
    vout = _fresh(out / "vamb")
    cmd = [exe, "bin", "default", "--outdir", str(vout), "--fasta", str(contigs),
           "--bamdir", str(bamdir), "-p", str(threads), "-m", str(min_contig),
           "--minfasta", str(min_bin), "-o", "", "--seed", str(seed)]
    m = run_timed(_timeout(cmd, timeout), "Vamb", out / "vamb.log", nice=nice)
    run = Run("Vamb", [m], version=_version(exe))
    if not m.ok:
        run.error = m.error
        return run
    for name in ("vae_clusters_unsplit.tsv", "vae_clusters_split.tsv", "vae_clusters.tsv"):
        if (vout / name).exists():
            run.bins = vout / name
            break
    else:
        run.error = f"no clusters TSV in {vout}"
        return run
    (out / VAMB_MEASURE).write_text(json.dumps(m.as_dict()))  # what run_vamb_recluster reuses
    log = (vout / "log.txt").read_text() if (vout / "log.txt").exists() else ""
    for key, pat in (("tnf_s", r"Processed TNF in ([\d.]+) seconds"),
                     ("depth_s", r"Processed abundance in ([\d.]+) seconds")):
        hit = re.search(pat, log)
        if hit:
            run.steps[key] = float(hit.group(1))
    return run


#: the 107 bacterial single-copy marker HMMs shipped with latentbin (SemiBin2's, MIT)
MARKER_HMM = Path(__file__).resolve().parents[2] / "src" / "latentbin" / "data" / "marker.hmm"


def run_vamb_recluster(contigs: Path, bams: list[Path], out: Path, threads: int, venvs: Path | None,
                       seed: int = 1, min_contig: int = 2000, min_bin: int = 200000,
                       timeout: int | None = None, nice: int = 10) -> Run:
    """Vamb 5 with its own marker-gene reclustering: ``vamb bin default`` (reused from the
    ``vamb`` peer's folder beside ``out`` when it finished, its measures counted), then
    ``vamb recluster --algorithm kmeans`` on its latent and clusters with the marker HMMs
    latentbin ships (:data:`MARKER_HMM`). Time = both steps."""
    base = out.parent / "vamb"
    vout = base / "vamb"
    if (vout / "latent.npz").exists() and (base / VAMB_MEASURE).exists():
        done = json.loads((base / VAMB_MEASURE).read_text())
        first = Run("Vamb", [Measure("Vamb (the vamb cell's run, reused)", done["wall_s"], done["cpu_s"],
                                     done["max_rss_mb"], rc=0)])
    else:
        first = run_vamb(contigs, bams, out / "bin", threads, venvs, seed, min_contig, min_bin, timeout, nice)
        vout = out / "bin" / "vamb"
        if first.error:
            return Run("Vamb + recluster", first.measures, error=first.error)
    exe = find_exe("vamb", venvs, "vamb")
    rout = _fresh(out / "recluster")
    cmd = [exe, "recluster", "--outdir", str(rout), "--fasta", str(contigs), "--hmm_path", str(MARKER_HMM),
           "--latent_path", str(vout / "latent.npz"), "--clusters_path", str(vout / "vae_clusters_unsplit.tsv"),
           "--algorithm", "kmeans", "-p", str(threads), "-m", str(min_contig), "--seed", str(seed)]
    m = run_timed(_timeout(cmd, timeout), "Vamb recluster", out / "recluster.log", nice=nice)
    run = Run("Vamb + recluster", [*first.measures, m], version=_version(exe))
    if not m.ok:
        run.error = m.error
    elif (rout / "clusters_reclustered_unsplit.tsv").exists():
        run.bins = rout / "clusters_reclustered_unsplit.tsv"
    else:
        run.error = f"no clusters_reclustered_unsplit.tsv in {rout}"
    return run


def run_metabat2(contigs: Path, bams: list[Path], out: Path, threads: int, venvs: Path | None,
                 seed: int = 1, min_contig: int = 2000, min_bin: int = 200000,
                 timeout: int | None = None, nice: int = 10) -> Run:
    """``jgi_summarize_bam_contig_depths`` then ``metabat2`` (min contig 2000; its floor is 1500)."""
    depth_exe = find_exe("jgi_summarize_bam_contig_depths", venvs, "metabat2")
    exe = find_exe("metabat2", venvs, "metabat2")
    if depth_exe is None or exe is None:
        return Run("MetaBAT2", [], error="not installed (apt-get install metabat)")
    out.mkdir(parents=True, exist_ok=True)
    depth = out / "depth.txt"
    m1 = run_timed(_timeout([depth_exe, "--outputDepth", str(depth), *map(str, bams)], timeout),
                   "MetaBAT2: depths", out / "jgi_depth.log", nice=nice)
    run = Run("MetaBAT2", [m1], version=_metabat_version(exe))
    if not m1.ok:
        run.error = m1.error
        return run
    run.steps["depth_s"] = m1.wall_s
    bdir = _fresh(out / "bins")
    bdir.mkdir()
    cmd = [exe, "-i", str(contigs), "-a", str(depth), "-o", str(bdir / "bin"), "-t", str(threads),
           "-m", str(max(min_contig, 1500)), "-s", str(min_bin), "--seed", str(seed)]
    m2 = run_timed(_timeout(cmd, timeout), "MetaBAT2: bin", out / "metabat2.log", nice=nice)
    run.measures.append(m2)
    if not m2.ok:
        run.error = m2.error
    else:
        run.bins = bdir
    return run


def _metabat_version(exe: str) -> str:
    import subprocess

    if shutil.which("dpkg-query") and exe.startswith("/usr/bin/"):
        p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "metabat"], capture_output=True, text=True)
        if p.returncode == 0 and p.stdout.strip():
            return p.stdout.strip()
    try:
        p = subprocess.run([exe, "-h"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return ""
    hit = re.search(r"\(version ([^;)]+)", p.stdout + p.stderr)
    return hit.group(1).strip() if hit else ""


def run_semibin2(contigs: Path, bams: list[Path], out: Path, threads: int, venvs: Path | None,
                 seed: int = 1, min_contig: int = 2000, min_bin: int = 200000,
                 timeout: int | None = None, nice: int = 10) -> Run:
    """``SemiBin2 single_easy_bin`` with every BAM (multi-sample coverage) and the naive ORF finder."""
    exe = find_exe("SemiBin2", venvs, "semibin")
    if exe is None:
        return Run("SemiBin2", [], error="not installed (benchmarks/install_peers.sh semibin)")
    missing = [t for t in ("bedtools", "hmmsearch") if shutil.which(t) is None]
    if missing:
        return Run("SemiBin2", [], error=f"needs {', '.join(missing)} on PATH (apt-get install bedtools hmmer)")
    out.mkdir(parents=True, exist_ok=True)
    sout = _fresh(out / "semibin")
    cmd = [exe, "single_easy_bin", "-i", str(contigs), "-b", *map(str, bams), "-o", str(sout),
           "--orf-finder", "fast-naive", "-t", str(threads), "--random-seed", str(seed),
           "--min-len", str(min_contig)]  # bins >= 200 kbp: SemiBin2's default --minfasta-kbs
    m = run_timed(_timeout(cmd, timeout), "SemiBin2", out / "semibin2.log", nice=nice)
    run = Run("SemiBin2", [m], version=_version(exe))
    if not m.ok:
        run.error = m.error if m.rc != 124 else f"timed out after {timeout} s (--peer-timeout)"
        return run
    for cand in (sout / "output_bins", sout / "contig_bins.tsv"):
        if cand.exists():
            run.bins = cand
            break
    else:
        run.error = f"no output_bins in {sout}"
    return run


PEERS = {"vamb": run_vamb, "vamb_recluster": run_vamb_recluster, "metabat2": run_metabat2,
         "semibin2": run_semibin2}
