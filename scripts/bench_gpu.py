"""GPU benchmark (issue 6): jaccli device='cuda' against JAX (jit) and torch.func on the GPU,
on the anchor cases at the sizes that fill a GPU (anchors.py --big: mlp 20000/5000/100,
square 2000, stencil 10000), in one run. Data sits on the device before timing.

Usage:  python scripts/bench_gpu.py [--reps 10] [--only mlp_wide,...] [--device cpu --small]
                                    [--json rows.json] [--standin]
        python scripts/bench_gpu.py --summary rows-*.json     (the table of several runs)
(--device cpu --small checks the script itself on a machine without a GPU; --standin runs
jaccli on the strict CuPy stand-in of the tests, JAX and torch on the CPU, small sizes.)
Every exception of a (case, system) is caught and reported as that row's error.

Per (case, system, mode): the first call (jaccli: trace + sweeps, a fresh function object;
JAX: jit compilation included), the median of --reps steady calls, max |J - J_ref|. Targets:
jaccli first call <= 0.1x JAX's first on mlp_wide and mlp_tall; steady median <= 1.0x JAX's.
"""
import argparse
import json
import math
import sys
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_cases import _ref_jac, case_functions  # noqa: E402

import jaccli  # noqa: E402

EXTRA = {"mlp_wide": ("W1", "b1", "W2"), "mlp_tall": ("W1", "b1", "W2"), "square": ("A",),
         "stencil": ()}
MODE = {"mlp_wide": "rev", "mlp_tall": "fwd", "square": "fwd", "stencil": "fwd"}


def cases(small):
    """anchors.cases(rng, big=True) sizes (small: its default sizes), same draw order."""
    rng = np.random.default_rng(0)
    k = 1 if small else 10
    N, H, S = 2000 * k, 500 * k, 10 * k
    C = {}
    W1, b1 = rng.standard_normal((H, N)) / math.sqrt(N), rng.standard_normal(H)
    W2 = rng.standard_normal((S, H)) / math.sqrt(H)
    C["mlp_wide"] = dict(x=rng.standard_normal(N), W1=W1, b1=b1, W2=W2)
    V1, c1 = rng.standard_normal((H, S)) / math.sqrt(S), rng.standard_normal(H)
    V2 = rng.standard_normal((N, H)) / math.sqrt(H)
    C["mlp_tall"] = dict(x=rng.standard_normal(S), W1=V1, b1=c1, W2=V2)
    Q = 500 * (1 if small else 4)
    C["square"] = dict(A=rng.standard_normal((Q, Q)) / math.sqrt(Q), x=rng.standard_normal(Q))
    n = 2000 * (1 if small else 5)
    C["stencil"] = dict(x=rng.uniform(0, 0.1, n))
    return C


def timed(call, sync, reps):
    t0 = time.perf_counter()
    out = call()
    sync()
    first = time.perf_counter() - t0
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = call()
        sync()
        times.append(time.perf_counter() - t0)
    return first, float(np.median(times)), out


def run_jaccli(name, case, device, reps):
    xp = np
    sync = lambda: None  # noqa: E731
    if device == "cuda":
        import cupy as xp
        sync = xp.cuda.Stream.null.synchronize
    args = [xp.asarray(case["x"])] + [xp.asarray(case[k]) for k in EXTRA[name]]
    mode = MODE[name]

    def call():                     # a fresh function object each time: nothing cached
        f = case_functions(np)[name]
        return jaccli.jacobian(lambda *a: f(*a), *args, mode=mode,
                               device=None if device == "cpu" else device)
    first, med, J = timed(call, sync, reps)
    J = J.get() if hasattr(J, "get") else J
    return ("jaccli", mode, first, med, J)


def run_jax(name, case, device, reps):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    dev = jax.devices("gpu" if device == "cuda" else "cpu")[0]
    consts = [jax.device_put(jnp.asarray(case[k]), dev) for k in EXTRA[name]]
    x = jax.device_put(jnp.asarray(case["x"]), dev)
    f = case_functions(jnp)[name]
    jac = jax.jacrev if MODE[name] == "rev" else jax.jacfwd
    jf = jax.jit(jac(lambda x: f(x, *consts)))
    first, med, J = timed(lambda: jf(x).block_until_ready(), lambda: None, reps)
    return ("jax-jit", MODE[name], first, med, np.asarray(J))


def run_torch(name, case, device, reps):
    import torch
    import torch.func
    dev = torch.device(device)
    consts = [torch.as_tensor(case[k], device=dev) for k in EXTRA[name]]
    x = torch.as_tensor(case["x"], device=dev)
    f = case_functions(torch)[name]
    jac = torch.func.jacrev if MODE[name] == "rev" else torch.func.jacfwd
    jf = jac(lambda x: f(x, *consts))
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    first, med, J = timed(lambda: jf(x), sync, reps)
    return ("torch.func", MODE[name], first, med, J.cpu().numpy())


def install_standin():
    """jaccli's device='cuda' on tests/strict_cupy.py: CuPy's rules, NumPy underneath."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    import strict_cupy
    sys.modules.update(strict_cupy.install())


def summary(rows):
    """Per case: every system's times or error, and jaccli/JAX ratios against the targets."""
    print(f"\n{'case':9s} {'system':11s} {'mode':4s} {'first ms':>10s} {'median ms':>10s} "
          f"{'max err':>8s}  error")
    for r in rows:
        if r.get("error"):
            print(f"{r['case']:9s} {r['system']:11s} {r['mode']:4s} {'-':>10s} {'-':>10s} "
                  f"{'-':>8s}  {r['error'][:100]}")
        else:
            print(f"{r['case']:9s} {r['system']:11s} {r['mode']:4s} {r['first'] * 1e3:10.2f} "
                  f"{r['median'] * 1e3:10.3f} {r['err']:8.1e}")
    print(f"\n{'case':9s} {'first jaccli/JAX':>17s} {'steady jaccli/JAX':>18s}"
          "   targets: first <= 0.1x (mlp), steady <= 1.0x")
    for name in dict.fromkeys(r["case"] for r in rows):
        got = {r["system"]: r for r in rows if r["case"] == name and not r.get("error")}
        if "jaccli" in got and "jax-jit" in got:
            j, x = got["jaccli"], got["jax-jit"]
            print(f"{name:9s} {j['first'] / x['first']:16.3f}x {j['median'] / x['median']:17.2f}x")
        else:
            print(f"{name:9s} {'(jaccli or JAX missing)':>36s}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--only", default="")
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--small", action="store_true")
    p.add_argument("--json", help="write the rows of this run to this file")
    p.add_argument("--standin", action="store_true")
    p.add_argument("--summary", nargs="+", metavar="JSON")
    a = p.parse_args()
    if a.summary:
        summary([r for f in a.summary for r in json.loads(Path(f).read_text())])
        return
    if a.standin:
        install_standin()
    C = cases(a.small or a.standin)
    names = a.only.split(",") if a.only else list(C)
    rows = []
    for name in names:
        ref = _ref_jac(name, C[name])
        for runner in (run_jaccli, run_jax, run_torch):
            device = "cpu" if a.standin and runner is not run_jaccli else a.device
            system = runner.__name__[4:].replace("jax", "jax-jit").replace("torch", "torch.func")
            try:
                system, mode, first, med, J = runner(name, C[name], device, a.reps)
            except ImportError as e:
                print(f"# {name} {system}: skipped ({e})", flush=True)
                continue
            except Exception as e:          # noqa: BLE001 - one failing case stops nothing
                at = [f for f in traceback.extract_tb(e.__traceback__) if "jaccli" in f.filename]
                at = f" at {Path(at[-1].filename).name}:{at[-1].lineno} {at[-1].name}" if at else ""
                msg = f"{type(e).__name__}{at}: {e}".replace("\n", " ")
                rows.append(dict(case=name, system=system, mode=MODE[name], error=msg))
                print(f"{name:9s} {system:11s} FAILED {msg[:200]}", flush=True)
                continue
            err = float(np.max(np.abs(J - ref)))
            rows.append(dict(case=name, system=system, mode=mode, first=first, median=med,
                             err=err))
            print(f"{name:9s} {system:11s} {mode:4s} first {first * 1e3:9.2f} ms  "
                  f"median {med * 1e3:9.3f} ms  err {err:.1e}", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))
    summary(rows)


if __name__ == "__main__":
    main()
