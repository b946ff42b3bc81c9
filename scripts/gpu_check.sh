#!/usr/bin/env bash
# The device check for a lent GPU machine (Python 3.12, NumPy 2.5, CuPy 14, JAX, torch; no
# network), made to learn the most from one run. From the repository root:
#     bash scripts/gpu_check.sh              # on the GPU
#     bash scripts/gpu_check.sh --standin    # a rehearsal on a CPU machine (tests' CuPy stand-in)
# Phases, each under its own `timeout`, all within GPU_CHECK_BUDGET seconds (default 530, for
# a 9-minute command):
#   1. machine: GPU, versions;
#   2. the GPU tests, first and alone: no -x, every failure listed (scripts/junit_summary.py;
#      a phase over its time gets SIGINT, so pytest still writes its summary and JUnit file),
#      a traceback dump for any test over 60 s (faulthandler_timeout, no plugin needed), the
#      number of CuPy kernels compiled (files in a fresh CUPY_CACHE_DIR);
#   3. the benchmark, one case per process (scripts/bench_gpu.py: jaccli vs JAX and torch), so a
#      crash or an out-of-memory in one case stops nothing, then the summary table;
#   4. the rest of the suite, with the time that is left.
# Files in $OUT (a temp dir when unset): summary.txt, gpu-tests.{log,xml}, bench-*.{log,json},
# rest-tests.{log,xml}.
set -uo pipefail
cd "$(dirname "$0")/.."
STANDIN=0; [ "${1:-}" = --standin ] && STANDIN=1
PY=${PYTHON:-python3}
OUT=${OUT:-$(mktemp -d /tmp/gpu_check.XXXX)}
mkdir -p "$OUT"
BUDGET=${GPU_CHECK_BUDGET:-530}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export XLA_PYTHON_CLIENT_PREALLOCATE=false         # JAX would take 75% of the GPU
export CUPY_CACHE_DIR=${CUPY_CACHE_DIR:-$(mktemp -d /tmp/cupy-cache.XXXX)}
export PYTHONFAULTHANDLER=1
[ $STANDIN = 1 ] && export JACCLI_GPU_STANDIN=1
T0=$SECONDS
left() { echo $((BUDGET - (SECONDS - T0))); }
cap() { local want=$1 l; l=$(($(left) - 5)); [ "$l" -lt 1 ] && l=1; [ "$want" -lt "$l" ] && echo "$want" || echo "$l"; }
kernels() { find "$CUPY_CACHE_DIR" -type f 2>/dev/null | wc -l; }
say() { echo "$*" | tee -a "$OUT/summary.txt"; }
phase() { PHASE_T=$SECONDS; echo; say "== $* (t=$((SECONDS - T0)) s, $(left) s left)"; }
done_phase() { say "   $1: exit $2, $((SECONDS - PHASE_T)) s, CuPy kernels compiled so far: $(kernels)"; }
PYTEST=("$PY" -m pytest -q -p no:cacheprovider -rfE -o faulthandler_timeout=60)
"$PY" -c "import pytest_timeout" 2>/dev/null && PYTEST+=(--timeout=120)
: > "$OUT/summary.txt"
say "gpu_check: out=$OUT standin=$STANDIN budget=${BUDGET}s cache=$CUPY_CACHE_DIR"

phase "1. machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -2
timeout "$(cap 60)" "$PY" - <<'EOF' 2>&1 | tee -a "$OUT/summary.txt"
import importlib.metadata as md, os, sys
import numpy
print("python", sys.version.split()[0], "| numpy", numpy.__version__)
if os.environ.get("JACCLI_GPU_STANDIN") == "1":
    sys.path.insert(0, "tests")
    import strict_cupy
    sys.modules.update(strict_cupy.install())
try:
    import cupy
    print("cupy", cupy.__version__, "| devices", cupy.cuda.runtime.getDeviceCount(),
          "| mem_info", cupy.cuda.Device().mem_info)
except Exception as e:           # noqa: BLE001 - no CuPy, no driver, no device
    print(f"cupy: {type(e).__name__}: {e}")
for name in ("jax", "jaxlib", "torch", "click", "pyyaml", "rich", "pytest", "pytest-timeout"):
    try:                         # versions without importing (JAX and torch take seconds)
        print(name, md.version(name), end=" | ")
    except md.PackageNotFoundError:
        print(name, "missing", end=" | ")
print()
EOF
done_phase machine "${PIPESTATUS[0]}"

phase "2. GPU tests (tests/test_gpu.py, tests/test_gpu_paths.py; -m gpu, no -x)"
timeout -s INT -k 20 "$(cap 320)" "${PYTEST[@]}" -vv -m gpu --junitxml="$OUT/gpu-tests.xml" \
    tests/test_gpu.py tests/test_gpu_paths.py > "$OUT/gpu-tests.log" 2>&1
rc=$?
tail -n 1 "$OUT/gpu-tests.log" | tee -a "$OUT/summary.txt"
[ $rc = 124 ] && say "   TIMED OUT (SIGINT: pytest still wrote its summary); last: $(grep -E 'PASSED|FAILED|XFAIL' "$OUT/gpu-tests.log" | tail -n 1)"
"$PY" scripts/junit_summary.py "$OUT/gpu-tests.xml" 2>&1 | tee -a "$OUT/summary.txt" | head -n 80
done_phase "GPU tests" $rc

phase "3. benchmark, one case per process"
BENCH=(--reps 5); [ $STANDIN = 1 ] && BENCH+=(--standin --reps 2)
for case in mlp_wide mlp_tall square stencil; do
    t=$SECONDS
    timeout -k 5 "$(cap 50)" "$PY" scripts/bench_gpu.py "${BENCH[@]}" --only "$case" \
        --json "$OUT/bench-$case.json" > "$OUT/bench-$case.log" 2>&1
    say "   $case: exit $?, $((SECONDS - t)) s ($(grep -c FAILED "$OUT/bench-$case.log") failed rows)"
done
ls "$OUT"/bench-*.json > /dev/null 2>&1 && "$PY" scripts/bench_gpu.py --summary "$OUT"/bench-*.json 2>&1 | tee -a "$OUT/summary.txt"
done_phase benchmark 0

phase "4. the rest of the suite (-m 'not gpu'), with the time left"
if [ "$(left)" -gt 40 ]; then
    tests=(tests)
    "$PY" -c "import click, yaml, rich" 2>/dev/null || tests=(tests/test_derivatives.py
        tests/test_points.py tests/test_decompositions_and_statistics.py tests/test_core_rules.py tests/test_errors.py)
    timeout -s INT -k 20 "$(cap 400)" "${PYTEST[@]}" -m "not gpu" --junitxml="$OUT/rest-tests.xml" \
        "${tests[@]}" > "$OUT/rest-tests.log" 2>&1
    rc=$?
    tail -n 1 "$OUT/rest-tests.log" | tee -a "$OUT/summary.txt"
    [ $rc = 124 ] && say "   TIMED OUT (no JUnit file): $(grep -o F "$OUT/rest-tests.log" | wc -l) F so far"
    "$PY" scripts/junit_summary.py "$OUT/rest-tests.xml" 2>&1 | tee -a "$OUT/summary.txt" | head -n 40
    done_phase "rest of the suite" $rc
else
    say "   skipped: $(left) s left"
fi
say "== total $((SECONDS - T0)) s; files in $OUT"
