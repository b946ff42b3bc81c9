"""Jacobians at many points (issue 5): jaccli ``jacobian(f, X, batched=True)`` against JAX
``jit(vmap(jacfwd))`` and a Python loop over the points, in one run.

Usage:  python scripts/bench_points.py [--threads 1] [--reps 5] [--loop-points 2000]

Cases: the Lorenz right-hand side (3 -> 3) at 10^6 points (anchors.py's `points`, at the
size of its --big variant) and a 10 -> 10 tanh MLP at 10^5 points. Targets: jaccli steady
median at most 2x JAX's; at least 10x faster than the Python loop (timed on --loop-points
points and scaled).
"""
import argparse
import os
import sys
import time

if "--threads" in sys.argv:
    n = sys.argv[sys.argv.index("--threads") + 1]
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = n
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
import numpy as np  # noqa: E402

import jaccli  # noqa: E402

S, R, B = 10.0, 28.0, 8.0 / 3.0


def lorenz(x, ns=np):
    return ns.stack([S * (x[1] - x[0]), x[0] * (R - x[2]) - x[1], x[0] * x[1] - B * x[2]])


def make_mlp(rng):
    W1, b1 = rng.standard_normal((10, 10)) / np.sqrt(10), rng.standard_normal(10)
    W2 = rng.standard_normal((10, 10)) / np.sqrt(10)

    def mlp(x, ns=np):
        return W2 @ ns.tanh(W1 @ x + b1)
    return mlp


def median_time(call, reps):
    call()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def jax_time(f, X, reps):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    jf = jax.jit(jax.vmap(jax.jacfwd(lambda x: f(x, jnp))))
    Xj = jnp.asarray(X)
    return median_time(lambda: jf(Xj).block_until_ready(), reps)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", default=None)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--loop-points", type=int, default=2000)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    cases = [("lorenz", lorenz, rng.standard_normal((10 ** 6, 3))),
             ("mlp10", make_mlp(rng), rng.standard_normal((10 ** 5, 10)))]
    print(f"{'case':8s} {'points':>8s} {'jaccli ms':>10s} {'JAX ms':>9s} {'ratio':>7s} "
          f"{'loop ms':>10s} {'speedup':>8s}  targets: <= 2x JAX, >= 10x loop")
    for name, f, X in cases:
        t_j = median_time(lambda: jaccli.jacobian(f, X, batched=True), a.reps)
        first = jaccli.jacobian(f, X[:50], batched=True)
        loop = np.stack([jaccli.jacobian(f, x) for x in X[:50]])
        assert np.allclose(first, loop, rtol=1e-12, atol=1e-12), name
        k = a.loop_points
        t_loop = median_time(lambda: [jaccli.jacobian(f, x) for x in X[:k]], 1) * len(X) / k
        t_jax = jax_time(f, X, a.reps)
        ratio = f"{t_j / t_jax:.2f}x" if t_jax else "-"
        jax_ms = f"{t_jax * 1e3:.2f}" if t_jax else "-"
        print(f"{name:8s} {len(X):8d} {t_j * 1e3:10.2f} {jax_ms:>9s} {ratio:>7s} "
              f"{t_loop * 1e3:10.0f} {t_loop / t_j:7.0f}x")


if __name__ == "__main__":
    main()
