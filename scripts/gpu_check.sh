#!/usr/bin/env bash
# The device check for a GPU machine (CuPy, JAX, PyTorch and pytest preinstalled, Python 3.12,
# no network). From the repository root:  bash scripts/gpu_check.sh
# 1. the test suite with the GPU tests enabled (they run wherever CuPy sees a device);
# 2. scripts/bench_gpu.py at the sizes that fill a GPU, jaccli against JAX and torch.func.
# Ends within 5 minutes; each step has its own time limit. Output: stdout (and $OUT if set).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
log() { echo "== $*"; }

log "machine"
nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not found"
python -c "import sys, numpy, cupy; print('python', sys.version.split()[0], '| numpy', numpy.__version__, '| cupy', cupy.__version__, '| devices', cupy.cuda.runtime.getDeviceCount())"

log "tests"
if python -c "import click, yaml, rich" 2>/dev/null; then
    tests=(tests)
else   # a bare GPU box without the CLI's dependencies: the engine's tests only
    echo "click/pyyaml/rich missing: running the engine tests only"
    tests=(tests/test_gpu.py tests/test_derivatives.py tests/test_points.py
           tests/test_decompositions_and_statistics.py
           tests/test_core_rules.py tests/test_errors.py)
fi
timeout 150 python -m pytest -q -p no:cacheprovider "${tests[@]}" -x 2>&1 | tail -n 25
echo "pytest exit: ${PIPESTATUS[0]}"

log "benchmark (big sizes, GPU)"
timeout 120 python scripts/bench_gpu.py --reps 10 2>&1 | tee "${OUT:-/tmp}/bench_gpu.txt"
echo "bench exit: ${PIPESTATUS[0]}"
