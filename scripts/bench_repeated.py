"""Repeated Jacobian calls (issue 14): jaccli.jacfun against jaccli.jacobian, JAX jit(jacfwd)
and jit(jacrev), and SciPy's dense finite differences (scipy.optimize._numdiff.
approx_derivative, 2-point, as minimize/root use by default), in one process.

Usage:
    taskset -c 1 python scripts/bench_repeated.py [--calls 50] [--only seed,newton100,...]
                                                  [--json out.json] [--profile]

Cases:
    seed       the AD primer's f(x1, x2) = ln(x1) + x1*x2 - sin(x2) (configs/seed.yaml), at
               a new point every call, both arguments differentiated
    newtonN    a Newton loop on F(x) = A x + x**3 - b, A dense (n x n, diagonally dominant),
               N = 100 and 1000: --calls iterations, J at each iterate, then a solve
    bratuN     a Newton loop on the 1-D Bratu problem u'' + exp(u) = 0 (a 3-point stencil
               written with np.concatenate and slices; J tridiagonal, asked for dense)
    bratu2d128 (after the table; --no-sparse leaves it out) jacfun(F, sparse=True) of the
               2-D Bratu residual, N = 128, against (colours + 1) evaluations of F

Per (case, system): the first call (jacfun: trace + plan + sweep; JAX: jit compilation) and
the median of the later calls, each at a new point. --profile prints a cProfile breakdown of
jacobian and of the reused jacfun on the seed case. One BLAS thread (set here before NumPy
loads); pin the process with taskset. The numbers of a loaded shared machine move by 20-30%
between runs: read the ratios.
"""
import argparse
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                           "false intra_op_parallelism_threads=1").strip()
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import jaccli  # noqa: E402

TARGETS = {"seed": ("abs", 20e-6), "newton100": ("jax", 1.5), "newton1000": ("jax", 1.5),
           "bratu100": ("jax", 1.5), "bratu1000": ("jax", 1.5)}


def seed_case():
    def f(x1, x2):
        return np.log(x1) + x1 * x2 - np.sin(x2)

    def f_vec(x):
        return np.atleast_1d(np.log(x[0]) + x[0] * x[1] - np.sin(x[1]))

    rng = np.random.default_rng(0)
    points = [tuple(rng.uniform(1.0, 3.0, 2)) for _ in range(2000)]
    return dict(f=f, f_vec=f_vec, argnums=(0, 1), points=points, newton=None)


def newton_case(n):
    rng = np.random.default_rng(n)
    A = rng.standard_normal((n, n)) / np.sqrt(n) + 3.0 * np.eye(n)
    b = rng.standard_normal(n)

    def F(x):
        return A @ x + x ** 3 - b

    return dict(f=F, f_vec=F, argnums=0, x0=np.zeros(n), A=A, b=b, newton=True)


def bratu_case(n):
    h2 = (1.0 / (n + 1)) ** 2

    def F(u):
        up = np.concatenate([np.zeros(1), u, np.zeros(1)])
        return (up[:-2] - 2 * up[1:-1] + up[2:]) / h2 + np.exp(u)

    main = -2.0 / h2 * np.ones(n)
    off = np.ones(n - 1) / h2
    T = np.diag(main) + np.diag(off, 1) + np.diag(off, -1)
    return dict(f=F, f_vec=F, argnums=0, x0=np.zeros(n), h2=h2, newton=True,
                ref_jac=lambda u: T + np.diag(np.exp(u)))


def newton_points(case, jac, calls):
    """The iterates of a Newton loop on F with Jacobian ``jac`` (a reference, so every
    system is timed on the same points)."""
    x = case["x0"].copy()
    xs = []
    for _ in range(calls):
        xs.append(x.copy())
        x = x - np.linalg.solve(jac(x), case["f"](x))
    return xs


def time_system(make, points, single):
    """(first seconds, median seconds of the later calls, J at the last point). ``make()``
    returns a fresh Jacobian callable taking one point (a tuple of arguments)."""
    call = make()
    t0 = time.perf_counter()
    call(*points[0]) if single else call(points[0])
    first = time.perf_counter() - t0
    times = []
    for p in points[1:]:
        t0 = time.perf_counter()
        out = call(*p) if single else call(p)
        times.append(time.perf_counter() - t0)
    return first, float(np.median(times)), out


def systems(case):
    f, f_vec, argnums = case["f"], case["f_vec"], case["argnums"]
    out = {
        "jaccli.jacfun": lambda: jaccli.jacfun(f, argnums=argnums),
        "jaccli.jacobian": lambda: (lambda *a: jaccli.jacobian(f, *a, argnums=argnums)),
    }
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        jf = _jax_version(case, jnp)
        out["jax.jit(jacfwd)"] = lambda: jax.jit(jax.jacfwd(jf, argnums=argnums))
        out["jax.jit(jacrev)"] = lambda: jax.jit(jax.jacrev(jf, argnums=argnums))
    except ImportError:
        pass
    from scipy.optimize._numdiff import approx_derivative
    if case["newton"]:
        out["scipy FD"] = lambda: (lambda x: approx_derivative(f_vec, x, method="2-point"))
    else:
        out["scipy FD"] = lambda: (lambda *a: approx_derivative(f_vec, np.array(a),
                                                                method="2-point"))
    return out


def _jax_version(case, jnp):
    if not case["newton"]:
        return lambda x1, x2: jnp.log(x1) + x1 * x2 - jnp.sin(x2)
    if "h2" in case:
        h2 = case["h2"]
        return lambda u: ((lambda up: (up[:-2] - 2 * up[1:-1] + up[2:]) / h2 + jnp.exp(u))(
            jnp.concatenate([jnp.zeros(1), u, jnp.zeros(1)])))
    A, b = jnp.asarray(case["A"]), jnp.asarray(case["b"])
    return lambda x: A @ x + x ** 3 - b


def run_case(name, case, calls):
    rows = []
    if case["newton"]:
        ref = case.get("ref_jac") or (lambda x: case["A"] + np.diag(3 * x * x))
        points = [(x,) for x in newton_points(case, ref, calls)]
    else:
        points = case["points"][:max(calls, 200)]
    for system, make in systems(case).items():
        sync = None
        if system.startswith("jax"):
            import jax
            inner = make

            def make(inner=inner):
                g = inner()
                return lambda *a: jax.block_until_ready(g(*a))
        first, median, J = time_system(make, points, True)
        rows.append(dict(case=name, system=system, first=first, median=median))
        err = ""
        if case["newton"]:
            ref = case.get("ref_jac") or (lambda x: case["A"] + np.diag(3 * x * x))
            err = f"   max|J - J_ref| {np.max(np.abs(np.asarray(J) - ref(points[-1][0]))):.1e}"
        print(f"{name:11s} {system:17s} first {first * 1e3:9.3f} ms   per call "
              f"{median * 1e6:10.1f} us{err}", flush=True)
        del sync
    return rows


def first_calls(name, case, rounds=21):
    """(jacfun's first call, jacobian's call): medians of ``rounds`` interleaved pairs at the
    case's first point, each jacfun new (so its call traces and plans). The "first" column of
    run_case is one call per system, jacfun's taken first: it pays the case's cold start (the
    first trace of this f in the process) and is no fair comparison."""
    f, argnums = case["f"], case["argnums"]
    if case["newton"]:
        ref = case.get("ref_jac") or (lambda x: case["A"] + np.diag(3 * x * x))
        point = (newton_points(case, ref, 1)[0],)
    else:
        point = case["points"][0]
    new, one = [], []
    for _ in range(rounds):
        jac = jaccli.jacfun(f, argnums=argnums)
        t0 = time.perf_counter()
        jac(*point)
        new.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        jaccli.jacobian(f, *point, argnums=argnums)
        one.append(time.perf_counter() - t0)
    return float(np.median(new)), float(np.median(one))


def sparse_reuse(N=128, calls=30):
    """Issue 14's sparse target: jacfun(F, sparse=True) of the 2-D Bratu residual (N x N
    unknowns), repeated at new points, against (colours + 1) plain evaluations of F."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from sparse_problems import bratu
    f, x0 = bratu(N)
    rng = np.random.default_rng(0)
    points = [x0 + 0.01 * rng.standard_normal(x0.size) for _ in range(calls + 1)]
    jac = jaccli.jacfun(f, sparse=True)
    jac(points[0])

    def median(fn):
        times = []
        for p in points[1:]:
            t0 = time.perf_counter()
            fn(p)
            times.append(time.perf_counter() - t0)
        return float(np.median(times))
    per_call, per_f = median(jac), median(f)
    colours = min(jaccli.plan(f, (x0,), sparse=True).to_dict()["colors"].values())
    ratio = per_call / ((colours + 1) * per_f)
    return (f"bratu2d{N}: sparse jacfun {per_call * 1e3:.3f} ms a call, F {per_f * 1e3:.3f} ms, "
            f"{colours} colours: {ratio:.2f}x (colours + 1) evaluations of F, target 2x: "
            f"{'met' if ratio <= 2.0 else 'NOT met'}")


def verdicts(rows, firsts=None):
    lines = []
    for name, (kind, limit) in TARGETS.items():
        got = {r["system"]: r for r in rows if r["case"] == name}
        if "jaccli.jacfun" not in got:
            continue
        ours = got["jaccli.jacfun"]["median"]
        if kind == "abs":
            lines.append(f"{name}: jacfun {ours * 1e6:.1f} us a call, target {limit * 1e6:.0f}"
                         f" us: {'met' if ours <= limit else 'NOT met'}")
        else:
            jax = [got[s]["median"] for s in ("jax.jit(jacfwd)", "jax.jit(jacrev)") if s in got]
            if jax:
                ratio = ours / min(jax)
                lines.append(f"{name}: jacfun / JAX jit best = {ratio:.2f}x, target {limit}x: "
                             f"{'met' if ratio <= limit else 'NOT met'}")
        if "jax.jit(jacrev)" in got and kind == "abs":
            jax = min(got[s]["median"] for s in ("jax.jit(jacfwd)", "jax.jit(jacrev)"))
            lines.append(f"{name}: JAX jit best here {jax * 1e6:.1f} us a call "
                         f"(jacfun {ours / jax:.1f}x)")
        first = got["jaccli.jacfun"]["first"], got["jaccli.jacobian"]["first"]
        lines.append(f"{name}: jacfun first call {first[0] * 1e3:.2f} ms, one jacobian call "
                     f"{got['jaccli.jacobian']['median'] * 1e3:.3f} ms (steady) / "
                     f"{first[1] * 1e3:.2f} ms (first)")
        if firsts and name in firsts:
            new, one = firsts[name]
            lines.append(f"{name}: interleaved, a new jacfun's first call {new * 1e3:.3f} ms, a "
                         f"jacobian call {one * 1e3:.3f} ms (target: no more): "
                         f"{'met' if new <= one else 'NOT met'}")
    return lines


def profile_seed():
    import cProfile
    import pstats
    case = seed_case()
    f = case["f"]
    jac = jaccli.jacfun(f, argnums=(0, 1))
    jac(2.0, 5.0)
    jac(2.0, 5.0)
    for what, call in (("jacobian", lambda: jaccli.jacobian(f, 2.0, 5.0, argnums=(0, 1))),
                       ("jacfun (reused)", lambda: jac(2.0, 5.0))):
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(3000):
            call()
        prof.disable()
        print(f"\n---- cProfile, 3000 calls of {what}")
        pstats.Stats(prof).sort_stats("tottime").print_stats(14)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--only", default="seed,newton100,newton1000,bratu100,bratu1000")
    ap.add_argument("--json")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--no-sparse", dest="sparse", action="store_false",
                    help="leave out the sparse 2-D Bratu reuse (N = 128)")
    args = ap.parse_args(argv)
    cases = {"seed": seed_case, "newton100": lambda: newton_case(100),
             "newton1000": lambda: newton_case(1000), "bratu100": lambda: bratu_case(100),
             "bratu1000": lambda: bratu_case(1000)}
    warm = jaccli.jacfun(lambda x: np.sin(x) * x)         # the process's cold start, not timed
    warm(np.ones(3)), warm(np.ones(3)), jaccli.jacobian(lambda x: np.exp(x), np.ones(2))
    rows, firsts = [], {}
    for name in args.only.split(","):
        case = cases[name]()
        rows += run_case(name, case, args.calls)
        firsts[name] = first_calls(name, case)
    print()
    for line in verdicts(rows, firsts):
        print(line)
    if args.sparse:
        print(sparse_reuse())
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    if args.profile:
        profile_seed()


if __name__ == "__main__":
    main()
