"""Colouring methods on the DESIGN 5 target patterns: colours and seconds per method.

Usage:  taskset -c 1 python scripts/bench_coloring.py [--reps 3] [--force]

Per pattern: each ordering of `color_columns` alone, the adaptive default (all orderings, stopping
at the lower bound), SciPy's `group_columns` with its default order (a random permutation, seed 0)
and in natural order, reverse, bicolouring, and for square symmetric patterns star and acyclic
colouring. Python-loop methods are skipped above the library's size limit unless --force.
Times are the best of --reps runs (one run for anything over 2 s).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize._numdiff import group_columns

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from patterns import arrowhead, banded, brusselator, laplacian  # noqa: E402
from jaccli.sparse import orderings  # noqa: E402
from jaccli.sparse.coloring import (DYNAMIC_LIMIT, ORDERINGS, SYMMETRIC_LIMIT,  # noqa: E402
                                    acyclic_color, bicolor, color_columns, color_rows,
                                    star_color)
from jaccli.sparse.recovery import recover_columns  # noqa: E402


PATTERNS = {
    "banded b=5, n=10^5": lambda: banded(10**5, [-2, -1, 0, 1, 2]),
    "laplacian N=20 (n=400)": lambda: laplacian(20),
    "brusselator N=32 (n=2048)": lambda: brusselator(32),
    "arrowhead n=1000": lambda: arrowhead(1000),
    "tridiagonal n=10^6": lambda: banded(10**6, [-1, 0, 1]),
    "laplacian N=1000 (n=10^6)": lambda: laplacian(1000),
}


def timed(fn, reps):
    best, result = np.inf, None
    for _ in range(reps):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
        if best > 2.0:
            break
    return result, best


def row(label, count, seconds, extra=""):
    print(f"  {label:<28} {count:>7} {seconds:>9.4f} s  {extra}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--force", action="store_true", help="run Python-loop methods at any size")
    parser.add_argument("--only", default="", help="substring of the pattern names to run")
    args = parser.parse_args()
    limit = np.inf if args.force else DYNAMIC_LIMIT
    symmetric_limit = np.inf if args.force else SYMMETRIC_LIMIT
    for name, build in PATTERNS.items():
        if args.only not in name:
            continue
        P = orderings.pattern_csr(build())
        size = orderings.conflict_size(P)
        print(f"{name}: shape {P.shape}, nnz {P.nnz}, max row count "
              f"{np.diff(P.indptr).max()}, conflict entries <= {size:.3g}")
        print(f"  {'method':<28} {'colours':>7} {'time':>11}")
        for ordering in ORDERINGS:
            if ordering in ("smallest_last", "incidence_degree", "dsatur") and size > limit:
                row(ordering, "-", 0.0, "skipped (size)")
                continue
            c, t = timed(lambda: color_columns(P, (ordering,), dynamic_limit=limit), args.reps)
            row(ordering, c.count, t)
        c, t = timed(lambda: color_columns(P), args.reps)
        row("color_columns (adaptive)", c.count, t, f"won: {c.ordering}; tried {c.tried}")
        g, t = timed(lambda: group_columns(P), args.reps)
        row("scipy group_columns default", g.max() + 1, t, "(random order, seed 0)")
        g, t = timed(lambda: group_columns(P, np.arange(P.shape[1])), args.reps)
        row("scipy group_columns natural", g.max() + 1, t)
        r, t = timed(lambda: color_rows(P), args.reps)
        row("color_rows (adaptive)", r.count, t, f"won: {r.ordering}")
        b, t = timed(lambda: bicolor(P), args.reps)
        row("bicolor", b.count, t, f"{b.columns.count} fwd + {b.rows.count} rev, split {b.split}")
        J = sp.csr_array(P, dtype=np.float64)
        B = J @ c.seed_matrix()
        _, t = timed(lambda: recover_columns(P, B, c), args.reps)
        row("recover_columns", "", t)
        if (P != P.T).nnz == 0:
            s, t = timed(lambda: star_color(P, dynamic_limit=symmetric_limit), args.reps)
            row("star_color", s.count, t, f"won: {s.ordering}; tried {s.tried}")
            a, t = timed(lambda: acyclic_color(P, dynamic_limit=symmetric_limit), args.reps)
            row("acyclic_color", a.count, t, f"won: {a.ordering}; tried {a.tried}")
    print("engines, tridiagonal n=10^6, natural order:")
    P = banded(10**6, [-1, 0, 1])
    order = np.arange(10**6)
    g, t = timed(lambda: group_columns(P, order), args.reps)
    row("scipy group_columns", g.max() + 1, t)
    graph, t = timed(lambda: orderings.conflict_graph(P), args.reps)
    row("conflict graph P.T @ P", "", t)
    g, t = timed(lambda: orderings.greedy_python(graph, order), 1)
    row("greedy_python on the graph", g.max() + 1, t)


if __name__ == "__main__":
    main()
