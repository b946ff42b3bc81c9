"""Measure the cost model's constants on this machine (see jaccli/costs.py, whose NOTE says
what each one times) and print them, to be copied into costs.py by hand:
    python scripts/calibrate.py

The library keeps no calibration code: this script traces a function and times sweeps,
plain array products and a GEMM, each the best of a few repetitions."""
import time

import numpy as np

from jaccli.interpret import jvp_sweep, vjp_sweep
from jaccli.tracer import trace_function


def best(fn, reps=20):
    """The fastest of ``reps`` calls of ``fn``, in seconds."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def chain(x):
    for _ in range(20):
        x = np.sin(x) * x + x
    return x


def calibrate():
    """This machine's constants, as a dict keyed by the names in jaccli/costs.py."""
    graph, _ = trace_function(chain, [np.ones(1)], (0,))
    seed = [np.ones((1, 1))]
    n = len(graph.eqns)
    out = {"EQN_SECONDS fwd": best(lambda: jvp_sweep(graph, graph.values, seed)) / n,
           "EQN_SECONDS rev": best(lambda: vjp_sweep(graph, graph.values, seed)) / n}
    for label, nbytes in (("CACHED_BYTE_SECONDS", 512 * 1024), ("STREAM_BYTE_SECONDS", 32e6)):
        a = np.ones(int(nbytes) // 8)
        out[label] = best(lambda: a * a) / (3 * a.nbytes)
    A = np.ones((1024, 1024))
    out["FLOP_SECONDS"] = best(lambda: A @ A, 5) / (2 * 1024 ** 3)
    return out


if __name__ == "__main__":
    for key, value in calibrate().items():
        print(f"{key:22s} {value:.3g}")
