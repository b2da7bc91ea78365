#!/usr/bin/env bash
# Install latentbin and run the shipped example end to end (a few minutes on 2 cores).
#   bash scripts/quickstart.sh [extra snakemake arguments, e.g. --config vae='{epochs: 20}']
# Uses `python` (else python3) and its pip; CORES=N sets the cores (default 2).
# On a system Python that refuses pip installs (PEP 668), make a venv first:
#   python3 -m venv .venv && . .venv/bin/activate
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-$(command -v python || command -v python3)}

missing=()
for tool in minimap2 samtools; do command -v "$tool" > /dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
fi
"$py" -c "import torch" 2> /dev/null || "$py" -m pip install torch==2.13.0
"$py" -m pip install -e '.[test,workflow]'

"$py" -m snakemake --cores "${CORES:-2}" "$@"

echo
echo "bins:    $PWD/results/bins/ ($(ls results/bins | wc -l) FASTA files)"
echo "summary: $PWD/results/summary.tsv"
echo "logs:    $PWD/logs/   wall time per rule:"
"$py" scripts/benchmark_table.py results/benchmarks
