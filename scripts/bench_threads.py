"""BLAS threads and the batched (many-point) path (issue 16 item 6), in one run.

Usage:  python scripts/bench_threads.py [--reps 9] [--points 10000]

For each case, ``jaccli.jacobian(f, X, batched=True)`` timed (median and best of --reps
steady calls) three ways:
- "default threads": BLAS with its default thread count and jaccli's per-call choice turned
  off (jaccli.threads.THREADED_FLOPS = 0): what the batched path did before;
- "1 thread": the whole call under threadpoolctl's limit of one BLAS thread;
- "jaccli's choice": the library as shipped (one BLAS thread inside sweeps whose largest
  product is under THREADED_FLOPS, the default threads above it).
Then the largest single product of the sweep, timed alone at 1 and at the default threads
(the reason: small GEMMs lose to the threads' start-up and scheduling, much more on a loaded
machine). Say in any report how loaded the machine was (``uptime``): the threaded figures
depend on it.
"""
import argparse
import os
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import jaccli
from jaccli import threads


def mlp(width, rng):
    W1 = rng.standard_normal((width, width)) / np.sqrt(width)
    b1 = rng.standard_normal(width)
    W2 = rng.standard_normal((width, width)) / np.sqrt(width)

    def f(x):
        return W2 @ np.tanh(W1 @ x + b1)
    return f


def timed(call, reps):
    call()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times)), 1e3 * min(times)


def run_case(name, f, X, mode, reps):
    call = lambda: jaccli.jacobian(f, X, batched=True, mode=mode)   # noqa: E731
    saved = threads.THREADED_FLOPS
    threads.THREADED_FLOPS = 0                      # never limit: the old behaviour
    try:
        before = timed(call, reps)
    finally:
        threads.THREADED_FLOPS = saved
    with threadpool_limits(1, user_api="blas"):
        one = timed(call, reps)
    after = timed(call, reps)
    print(f"{name:<28} {mode}: default threads {before[0]:7.1f} ms (best {before[1]:6.1f}) | "
          f"1 thread {one[0]:7.1f} ms (best {one[1]:6.1f}) | jaccli's choice {after[0]:7.1f} "
          f"ms (best {after[1]:6.1f})")


def gemm(m, k, n, reps):
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    default = timed(lambda: A @ B, reps)
    with threadpool_limits(1, user_api="blas"):
        one = timed(lambda: A @ B, reps)
    print(f"GEMM ({m} x {k}) @ ({k} x {n}), {2 * m * k * n:.1e} flops: 1 thread "
          f"{one[0]:.2f} ms, default threads {default[0]:.2f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--points", type=int, default=10_000)
    args = ap.parse_args()
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    libs = ", ".join(f"{i['internal_api']} {i['num_threads']} threads" for i in blas)
    print(f"BLAS: {libs}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    rng = np.random.default_rng(0)
    small = mlp(10, rng)
    X = rng.standard_normal((args.points, 10))
    for mode in ("fwd", "rev"):
        run_case(f"MLP 10->10, {args.points} points", small, X, mode, args.reps)
    big = mlp(300, rng)
    Xb = rng.standard_normal((max(1, args.points // 100), 300))
    run_case(f"MLP 300->300, {Xb.shape[0]} points", big, Xb, "fwd", max(3, args.reps // 3))
    gemm(10 * 3813, 10, 10, args.reps)           # the MLP's product per sweep (16 MB chunks)
    gemm(100_000, 10, 10, args.reps)
    gemm(2000, 500, 500, max(3, args.reps // 3))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
