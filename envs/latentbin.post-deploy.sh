#!/usr/bin/env bash
# Runs once, inside the new latentbin conda env, from Snakemake's working directory.
# Installs the latentbin package from this clone (its dependencies come from conda).
# Working directory outside the clone? Set LATENTBIN_SRC=/path/to/latentbin first.
set -euo pipefail
src=${LATENTBIN_SRC:-.}
if ! grep -qs '^name = "latentbin"' "$src/pyproject.toml"; then
  echo "latentbin.post-deploy.sh: no latentbin pyproject.toml in '$src'; run snakemake from the latentbin clone or set LATENTBIN_SRC" >&2
  exit 1
fi
python -m pip install --no-deps --no-build-isolation -e "$src"
