#!/usr/bin/env bash
# Install latentbin and run the shipped example end to end (a few minutes on 2 cores).
#   bash tools/quickstart.sh [extra snakemake arguments, e.g. --config vae='{epochs: 20}']
# Uses `python` (else python3); CORES=N sets the cores (default 2). On a system Python that
# refuses pip installs (PEP 668: stock Debian/Ubuntu), it makes a virtual environment in
# .venv/ (in this clone) and installs there; activate it later with `. .venv/bin/activate`.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-$(command -v python || command -v python3)}
sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo

missing=()
for tool in minimap2 samtools; do command -v "$tool" > /dev/null || missing+=("$tool"); done
managed=$("$py" -c 'import os, sys, sysconfig
venv = sys.prefix != sys.base_prefix
print(int(not venv and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))))')
if [ "$managed" = 1 ] && [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv 2> /dev/null || missing+=(python3-venv)
fi
if ((${#missing[@]})); then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
fi
if [ "$managed" = 1 ]; then
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  py=$PWD/.venv/bin/python
  echo "quickstart: system Python is externally managed (PEP 668): using the virtual environment $PWD/.venv"
fi
"$py" -c "import torch" 2> /dev/null || "$py" -m pip install torch==2.13.0
"$py" -m pip install -e '.[test,workflow,plots]'

"$py" -m snakemake --cores "${CORES:-2}" "$@"

echo
echo "bins:    $PWD/results/bins/ ($(ls results/bins | wc -l) FASTA files)"
echo "summary: $PWD/results/summary.tsv"
[ -f results/report.html ] && echo "report:  $PWD/results/report.html"
echo "logs:    $PWD/logs/   wall time per rule:"
"$py" tools/benchmark_table.py results/benchmarks
