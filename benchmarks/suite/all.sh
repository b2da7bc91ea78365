#!/usr/bin/env bash
# The whole suite in one command: build the datasets, run latentbin (seeds 1,2,3) and the
# peers on each, then the ablation rows. Tables: benchmarks/results/suite.md and
# benchmarks/results/suite_ablations.md.
#
#   bash benchmarks/suite/all.sh [DATASETS] [TOOLS]
#
# DATASETS: comma list (default: every dataset of build.py --list); TOOLS: run.py's --tools
# (default latentbin,vamb,vamb_recluster,metabat2,semibin2). A dataset folder that holds a
# dataset.json is not rebuilt, nor one whose cells are all recorded already; finished cells
# of run.py and ablate.py are recorded in $SUITE_CELLS, so a rerun resumes, on this machine
# or another. Environment: SUITE_DATA (default benchmarks/suite/data), SUITE_WORK
# (benchmarks/work/suite: BAMs and outputs), SUITE_CELLS (benchmarks/results/suite_cells,
# committed), LATENTBIN_BENCH_VENVS (benchmarks/work/venvs; the
# peers are installed there by install_peers.sh when Vamb is missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=$(dirname "$here")
py=${PYTHON:-python}
data=${SUITE_DATA:-$here/data}
work=${SUITE_WORK:-$bench/work/suite}
cells=${SUITE_CELLS:-$bench/results/suite_cells}
venvs=${LATENTBIN_BENCH_VENVS:-$bench/work/venvs}
datasets=${1:-$("$py" "$here/build.py" --list | awk '{print $1}' | paste -sd, -)}
tools=${2:-latentbin,vamb,vamb_recluster,metabat2,semibin2}

if [[ ",$tools," == *,vamb* || ",$tools," == *,semibin2,* ]] && [ ! -x "$venvs/vamb/bin/vamb" ]; then
  bash "$bench/install_peers.sh" "$venvs"
fi
# only datasets with cells not yet recorded in the cell store are built and mapped
todo=()
for d in $("$py" "$here/run.py" --pending --cells "$cells" --datasets "$datasets" --tools "$tools"); do
  [ -f "$data/$d/dataset.json" ] || todo+=(--only "$d")
done
[ ${#todo[@]} -eq 0 ] || "$py" "$here/build.py" --out "$data" "${todo[@]}"

"$py" "$here/run.py" --data "$data" --work "$work" --cells "$cells" --venvs "$venvs" --datasets "$datasets" --tools "$tools"

# Ablations (ablate.py STANDARD): one option changed from the default run, same seeds; a
# variant needs the default run's outputs in $SUITE_WORK (a fresh machine: run.py --rerun)
"$py" "$here/ablate.py" --work "$work" --cells "$cells" --data "$data" --datasets "$datasets" --standard \
  --out "$bench/results/suite_ablations.md"
echo "tables: $bench/results/suite.md, $bench/results/suite_ablations.md"
