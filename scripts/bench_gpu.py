"""GPU benchmark (issue 6): jaccli device='cuda' against JAX (jit) and torch.func on the GPU,
on the anchor cases at the sizes that fill a GPU (anchors.py --big: mlp 20000/5000/100,
square 2000, stencil 10000), in one run. Data sits on the device before timing.

Usage:  python scripts/bench_gpu.py [--reps 10] [--only mlp_wide,...] [--device cpu --small]
(--device cpu --small checks the script itself on a machine without a GPU.)

Per (case, system, mode): the first call (jaccli: trace + sweeps, a fresh function object;
JAX: jit compilation included), the median of --reps steady calls, max |J - J_ref|. Targets:
jaccli first call <= 0.1x JAX's first on mlp_wide and mlp_tall; steady median <= 1.0x JAX's.
"""
import argparse
import math
import sys
import time
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--only", default="")
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--small", action="store_true")
    a = p.parse_args()
    C = cases(a.small)
    names = a.only.split(",") if a.only else list(C)
    rows = []
    for name in names:
        ref = _ref_jac(name, C[name])
        for runner in (run_jaccli, run_jax, run_torch):
            try:
                system, mode, first, med, J = runner(name, C[name], a.device, a.reps)
            except ImportError as e:
                print(f"# {runner.__name__}: skipped ({e})", flush=True)
                continue
            err = float(np.max(np.abs(J - ref)))
            rows.append((name, system, mode, first, med, err))
            print(f"{name:9s} {system:11s} {mode:4s} first {first * 1e3:9.2f} ms  "
                  f"median {med * 1e3:9.3f} ms  err {err:.1e}", flush=True)
    print(f"\n{'case':9s} {'first jaccli/JAX':>17s} {'steady jaccli/JAX':>18s}"
          "   targets: first <= 0.1x (mlp), steady <= 1.0x")
    for name in names:
        got = {r[1]: r for r in rows if r[0] == name}
        if "jaccli" in got and "jax-jit" in got:
            j, x = got["jaccli"], got["jax-jit"]
            print(f"{name:9s} {j[3] / x[3]:16.3f}x {j[4] / x[4]:17.2f}x")


if __name__ == "__main__":
    main()
