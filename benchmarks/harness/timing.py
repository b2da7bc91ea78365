"""Run one command and measure it: wall seconds, CPU seconds and peak RSS.

Uses GNU ``/usr/bin/time -v`` when it exists (the figures people quote), otherwise
``os.wait4`` on the child, which reads the same kernel counters.

    m = run_timed(["samtools", "index", "x.bam"], log="logs/index.log")
    m.wall_s, m.cpu_s, m.max_rss_mb, m.ok, m.error
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

GNU_TIME = "/usr/bin/time"


@dataclasses.dataclass
class Measure:
    """Cost of one command. ``error`` is the last lines of its log when it failed."""

    name: str
    wall_s: float = float("nan")
    cpu_s: float = float("nan")
    max_rss_mb: float = float("nan")
    rc: int = -1
    error: str = ""
    log: str = ""

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _parse_gnu_time(text: str) -> dict:
    """Wall (s), user+sys (s) and max RSS (MB) out of ``/usr/bin/time -v`` output."""
    out = {}
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    if m:
        secs = 0.0
        for part in m.group(1).split(":"):
            secs = secs * 60 + float(part)
        out["wall_s"] = secs
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    if user and system:
        out["cpu_s"] = float(user.group(1)) + float(system.group(1))
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if rss:
        out["max_rss_mb"] = int(rss.group(1)) / 1024
    return out


def _tail(path: Path, n: int = 6) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in lines[-n:])[-600:]


def run_timed(
    cmd: list[str],
    name: str,
    log: str | Path,
    env: dict | None = None,
    cwd: str | Path | None = None,
    nice: int = 0,
    stdout_path: str | Path | None = None,
) -> Measure:
    """Run ``cmd`` (argument list, no shell), stderr (and stdout) into ``log``.

    ``stdout_path`` sends stdout to its own file (for tools that write results there).
    ``nice`` > 0 lowers the priority. Never raises for a failing command: the returned
    Measure has ``rc != 0`` and ``error`` set, so a failing peer is reported, not dropped.
    """
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ, **(env or {}))
    prefix = ["nice", "-n", str(nice)] if nice and shutil.which("nice") else []
    m = Measure(name=name, log=str(log))
    if shutil.which(cmd[0]) is None and not Path(cmd[0]).exists():
        m.rc, m.error = 127, f"not installed: {cmd[0]} not found"
        log.write_text(m.error + "\n")
        return m
    use_gnu = Path(GNU_TIME).exists()
    time_file = log.with_suffix(".time")
    argv = prefix + ([GNU_TIME, "-v", "-o", str(time_file)] if use_gnu else []) + list(cmd)
    with open(log, "w") as err:
        err.write("$ " + " ".join(cmd) + "\n")
        err.flush()
        out = open(stdout_path, "w") if stdout_path else err
        try:
            t0 = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=out, stderr=err, env=full_env, cwd=cwd)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            m.wall_s = time.perf_counter() - t0
        finally:
            if stdout_path:
                out.close()
    m.rc = proc.returncode
    # wait4 on the direct child: with GNU time in between, these are time's own figures
    # for the whole tree, which GNU time reports more precisely below.
    m.cpu_s = usage.ru_utime + usage.ru_stime
    m.max_rss_mb = usage.ru_maxrss / 1024
    if use_gnu and time_file.exists():
        parsed = _parse_gnu_time(time_file.read_text())
        m.wall_s = parsed.get("wall_s", m.wall_s)
        m.cpu_s = parsed.get("cpu_s", m.cpu_s)
        m.max_rss_mb = parsed.get("max_rss_mb", m.max_rss_mb)
    if m.rc != 0:
        m.error = f"exit {m.rc}: {_tail(log)}"
    return m
