#!/usr/bin/env bash
# The GPU checks in one call, for a lent CUDA machine with no network (PyTorch there,
# latentbin's other pure-Python needs carried as wheels in .whl/, see benchmarks/README.md):
# the CUDA tests (tests/test_gpu.py) and the training-step table (train_steps.py) on the GPU.
#
#   bash benchmarks/gpu_check.sh [OUTDIR]      # OUTDIR default: $OUT, else /tmp/gpu_check
#
# Writes OUTDIR/gpu.txt (card, driver, torch), OUTDIR/test_gpu.log, OUTDIR/train_steps_cuda.md.
# Exit status: non-zero when a CUDA test fails or no GPU is seen.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-/tmp/gpu_check}}
mkdir -p "$out"
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "gpu_check.sh: installing the carried wheels failed" >&2; exit 1; }
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())"
  nproc
} 2>&1 | tee "$out/gpu.txt"
python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" \
  || { echo "gpu_check.sh: torch sees no CUDA device" >&2; exit 1; }

status=0
python3 -m pytest -q -p no:cacheprovider -m gpu tests/test_gpu.py 2>&1 | tee "$out/test_gpu.log" || status=1
grep -Eq "[0-9]+ passed" "$out/test_gpu.log" && ! grep -Eq "skipped|failed|error" "$out/test_gpu.log" || status=1
python3 benchmarks/train_steps.py --device cuda --steps 100 --warmup 10 2>&1 | tee "$out/train_steps_cuda.md" || status=1
exit "$status"
