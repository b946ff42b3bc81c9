"""Sparse Jacobians: jaccli (trace, detect, colour, compressed sweeps, CSR) against JAX's dense
jit(jacfwd) and SciPy's sparse finite differences with the pattern given, on the same residuals
(scripts/sparse_problems.py), in one run.

Usage:
    python scripts/bench_sparse.py [--only brusselator64,...] [--reps 7] [--threads 1]

Per problem: jaccli's first call (a fresh function object: everything from the trace on, as a
new user's call, after one throwaway call on a tiny problem keeps the process's cold start out) and its peak traced memory; the re-sweep of the same graph (pattern and
colouring kept on it: what a second Jacobian of the same graph costs); colours; the error
against a dense reference where one fits (jaccli's dense Jacobian, else JAX's); JAX jit
jacfwd's first and steady calls where the dense J fits in memory; SciPy's
``approx_derivative(method='2-point', sparsity=(P, groups))`` steady call and its error.
JAX is optional (skipped when not importable); it is never a dependency of jaccli.
"""
import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path


def _pin_threads(argv):
    n = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--threads"), None)
    if n:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = n


_pin_threads(sys.argv)
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sparse_problems import bratu, broyden, brusselator  # noqa: E402

PROBLEMS = {
    "brusselator64": lambda: brusselator(64), "brusselator128": lambda: brusselator(128),
    "bratu128": lambda: bratu(128), "broyden1e6": lambda: broyden(10 ** 6),
}
DENSE_LIMIT = 16384          # n above which no dense reference is computed (2 GB J)


def median_seconds(call, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def warmup():
    """One throwaway sparse call on a tiny problem: the process's cold start (imports of SciPy's
    sparse modules, bytecode) stays out of the first calls, as in scripts/bench.py."""
    import jaccli
    f, x = broyden(50)
    jaccli.jacobian(f, x, sparse=True)


def run_jaccli(name, reps):
    import jaccli
    from jaccli.sparse.jacobian import compressed_jacobian
    from jaccli.tracer import trace_function
    f, x = PROBLEMS[name]()
    tracemalloc.start()
    t0 = time.perf_counter()
    J = jaccli.jacobian(f, x, sparse=True)
    first = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    plan = jaccli.plan(f, (x,), sparse=True)
    graph, _ = trace_function(f, [x], (0,))
    info = jaccli.sparse.jacobian.sparsity(graph)
    chunks = {m: plan.modes[m]["chunk_size"] for m in ("fwd", "rev")}
    again = median_seconds(lambda: compressed_jacobian(graph, graph.values, info,
                                                       plan.compressed, chunks, np.float64),
                           reps)
    return f, x, J, dict(first=first, peak=peak, again=again, method=plan.compressed,
                         colors=plan.to_dict()["colors"])


def run_scipy(f, x, P, reps):
    from scipy.optimize._numdiff import approx_derivative, group_columns
    groups = group_columns(P)
    J = approx_derivative(f, x, method="2-point", sparsity=(P, groups))
    return J, median_seconds(lambda: approx_derivative(f, x, method="2-point",
                                                       sparsity=(P, groups)), reps)


def jax_residual(name):
    import jax.numpy as jnp
    N = int("".join(c for c in name if c.isdigit()))
    if name.startswith("brusselator"):
        A, B, alpha, h2 = 3.4, 1.0, 0.002, (1.0 / (N - 1)) ** 2

        def f(y):
            u, v = y[:N * N].reshape(N, N), y[N * N:].reshape(N, N)

            def lap(z):
                return (jnp.roll(z, 1, 0) + jnp.roll(z, -1, 0) + jnp.roll(z, 1, 1)
                        + jnp.roll(z, -1, 1) - 4.0 * z) / h2
            du = B + u * u * v - (A + 1.0) * u + alpha * lap(u)
            dv = A * u - u * u * v + alpha * lap(v)
            return jnp.concatenate([du.ravel(), dv.ravel()])
        return f
    lam, h2 = 6.0, (1.0 / (N + 1)) ** 2

    def f(x):
        u = x.reshape(N, N)
        r = 4.0 * u - h2 * lam * jnp.exp(u)
        r = r.at[1:, :].add(-u[:-1, :]).at[:-1, :].add(-u[1:, :])
        r = r.at[:, 1:].add(-u[:, :-1]).at[:, :-1].add(-u[:, 1:])
        return r.ravel()
    return f


def run_jax(name, x, reps):
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
    except ImportError:
        return None
    if name.startswith("broyden") or x.size > DENSE_LIMIT:
        return None
    jac = jax.jit(jax.jacfwd(jax_residual(name)))
    t0 = time.perf_counter()
    J = np.asarray(jac(x).block_until_ready())
    first = time.perf_counter() - t0
    steady = median_seconds(lambda: jac(x).block_until_ready(), reps)
    return J, first, steady


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=",".join(PROBLEMS))
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--threads", default=None)
    args = ap.parse_args()
    print(f"# {sys.version.split()[0]}, NumPy {np.__version__}, {os.cpu_count()} CPUs; "
          f"times in ms (median of {args.reps})")
    warmup()
    print("problem | n | jaccli first | peak MB | re-sweep | method, colours | max err "
          "| JAX first | JAX steady | SciPy FD | SciPy err")
    for name in args.only.split(","):
        f, x, J, r = run_jaccli(name, args.reps)
        P = J.astype(bool)
        jax_out = run_jax(name, x, args.reps)
        ref = None
        if x.size <= DENSE_LIMIT:
            import jaccli
            ref = jaccli.jacobian(f, x) if x.size <= 8192 else None
        if ref is None and jax_out is not None:
            ref = jax_out[0]
        err = "-" if ref is None else f"{np.max(np.abs(J.toarray() - ref)):.1e}"
        fd, fd_s = run_scipy(f, x, P, args.reps)
        fd_err = (f"{abs(fd - J).max():.1e}" if hasattr(fd, "toarray") else "-")
        jf, js = ("-", "-") if jax_out is None else (f"{jax_out[1] * 1e3:.0f}",
                                                    f"{jax_out[2] * 1e3:.1f}")
        print(f"{name} | {x.size} | {r['first'] * 1e3:.1f} | {r['peak'] / 1e6:.0f} | "
              f"{r['again'] * 1e3:.2f} | {r['method']} {r['colors']} | {err} | {jf} | {js} | "
              f"{fd_s * 1e3:.2f} | {fd_err}", flush=True)


if __name__ == "__main__":
    main()
