#!/usr/bin/env bash
# Install the peer binners for benchmarks/run.py on a fresh Debian/Ubuntu machine.
#   bash benchmarks/install_peers.sh [VENVS_DIR] [vamb] [semibin] [apt]
# VENVS_DIR defaults to benchmarks/work/venvs (what run.py looks in; or pass --venvs /
# set LATENTBIN_BENCH_VENVS). With no peer names, installs all three.
# - Vamb 5.0.4 pins torch==2.6.0 and exact versions of everything: give it its own venv
#   with torch==2.13.0 (CPU wheel) and install it --no-deps with its other pins.
# - SemiBin2 (PyPI semibin) in its own venv; needs bedtools + hmmer (+ prodigal) from apt.
# - MetaBAT2 is the Debian package `metabat` (jgi_summarize_bam_contig_depths, metabat2).
# Takes ~5 min with a warm pip cache; ~2.5 GB of disk (two CPU torch installs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venvs=${1:-$here/work/venvs}
shift || true
what=${*:-vamb semibin apt}
py=${PYTHON:-python3}
mkdir -p "$venvs"

want() { [[ " $what " == *" $1 "* ]]; }

if want apt; then
  pkgs="metabat bedtools hmmer prodigal minimap2 samtools time"
  if command -v apt-get >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
    $SUDO apt-get install -y -q $pkgs || { $SUDO apt-get update -q && $SUDO apt-get install -y -q $pkgs; }
  else
    echo "install_peers.sh: no apt-get; install $pkgs yourself" >&2
  fi
fi

if want vamb; then
  v=$venvs/vamb
  "$py" -m venv "$v"
  "$v/bin/pip" install -q torch==2.13.0
  # vamb's own pins, minus torch; then what their imports need but --no-deps skipped
  "$v/bin/pip" install -q --no-deps vamb==5.0.4 vambcore==0.1.2 pycoverm==0.6.2 networkx==3.4.2 \
    scikit-learn==1.6.1 dadaptation==3.2 loguru==0.7.3 pyhmmer==0.10.15 pyrodigal==3.6.3 numpy==1.26.4
  "$v/bin/pip" install -q --no-deps psutil==7.2.2 joblib==1.6.0 cloudpickle==3.1.2 scipy==1.17.1 threadpoolctl==3.8.0
  "$v/bin/vamb" --version
fi

if want semibin; then
  s=$venvs/semibin
  "$py" -m venv "$s"
  "$s/bin/pip" install -q torch==2.13.0
  "$s/bin/pip" install -q semibin
  "$s/bin/SemiBin2" --version
fi
echo "peers installed under $venvs"
