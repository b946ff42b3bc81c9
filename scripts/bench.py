"""Time jaccli.jacobian against JAX, torch.func and a hand-batched NumPy floor, in one process,
on the anchor cases of ../shared/bench/anchors.py (same data: default_rng(0), same draw order).

Usage:
    python scripts/bench.py [--only seed,mlp_wide,...] [--reps 20]
                            [--systems jaccli,jax,torch,hand] [--json out.json] [--threads 1]

Per (case, system, mode): the first call (for jaccli a fresh function object, so it includes
tracing; for JAX it includes jit compilation; each system first makes one throwaway call on a
tiny function, reported as case "warmup", so per-case first calls exclude the process's cold
start: lazy imports, bytecode compilation, backend setup), the median of --reps steady calls, and
max |J - J_ref| against the analytic Jacobian. Then a summary against the issue's targets:
jaccli best-mode median / JAX best-mode median, jaccli first (mode auto) / JAX first (its
best mode), and whether auto picked the faster of fwd/rev.

JAX and torch are optional (skipped when not importable); they are measuring tools only and
never dependencies of jaccli. JAX is timed as anchors.py times it: jit(jacfwd/jacrev) of a
closure over the weights, x64; torch.func in float64.
"""
import argparse
import contextlib
import io
import json
import os
import platform
import sys
import time
from pathlib import Path


def _pin_threads(argv):
    """--threads N must act before NumPy (OpenBLAS), torch and XLA start their thread pools, so
    it is read here, ahead of the imports. NOTE: on a shared 2-core machine OpenBLAS's second
    thread waits on a core another process holds and a 0.6 ms matmul chain reads as 24 ms
    (a scheduler quantum); --threads 1 gives every system one thread and stable medians."""
    n = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--threads"), None)
    n = n or next((a.split("=", 1)[1] for a in argv if a.startswith("--threads=")), None)
    if n:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = n
        if n == "1":
            os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                       " --xla_cpu_multi_thread_eigen=false"
                                       " intra_op_parallelism_threads=1").strip()


_pin_threads(sys.argv)
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cases import CASE_NAMES, EXTRA_ARGS, build, case_functions, load_anchors  # noqa: E402

MODES = ("auto", "fwd", "rev")
# the targets
STEADY_TARGET = {"mlp_wide": 1.3, "mlp_tall": 1.3, "square": 1.5, "stencil": 2.0}  # x JAX
SEED_STEADY_S = 100e-6                                                             # absolute
FIRST_TARGET = {"seed": 0.1, "mlp_wide": 0.1, "mlp_tall": 0.1, "square": 0.1, "stencil": 0.5}


def time_calls(call, reps, sync=lambda out: None):
    """(first seconds, median steady seconds, last output)."""
    import gc
    gc.collect()            # the garbage of earlier cases is not billed to this first call
    t0 = time.perf_counter()
    out = call()
    sync(out)
    first = time.perf_counter() - t0
    # NOTE: warm up before measuring "steady": the first few dozen calls of a small case run
    # ~1.5x slower (caches, branch predictors, clock); the same for every system.
    start = time.perf_counter()
    for _ in range(200):
        sync(call())
        if time.perf_counter() - start > 0.2:
            break
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = call()
        sync(out)
        times.append(time.perf_counter() - t0)
    return first, float(np.median(times)), out


def max_err(J, ref):
    J = np.asarray(J)
    if J.shape != ref.shape:
        return f"shape {J.shape} != {ref.shape}"
    return float(np.max(np.abs(J - ref)))


def row(case, system, mode, first, median, err, **extra):
    return dict(case=case, system=system, mode=mode, first=first, median=median, err=err, **extra)


# ---------------------------------------------------------------- systems

def warmup(system, call, sync, rows):
    """Time one throwaway call on a tiny function: the process's cold start (lazy imports,
    bytecode compilation, backend setup), kept out of the per-case first calls."""
    t0 = time.perf_counter()
    try:
        sync(call())
        rows.append(row("warmup", system, "-", time.perf_counter() - t0, None, 0.0))
    except Exception as exc:
        rows.append(row("warmup", system, "-", None, None, repr(exc)[:80]))
    progress(rows[-1])


def run_jaccli(C, names, ref_jac, reps, rows):
    import jaccli
    warmup("jaccli", lambda: jaccli.jacobian(lambda x: np.sin(x) * x[0], np.ones(3)),
           lambda o: None, rows)
    for name in names:
        case = C[name]
        extra = tuple(case[k] for k in EXTRA_ARGS[name])
        ref = ref_jac(name, case)
        for mode in MODES:
            f = case_functions(np)[name]          # a fresh function object: first call traces
            picked = mode
            try:
                first, med, out = time_calls(
                    lambda: jaccli.jacobian(f, case["x"], *extra, argnums=0, mode=mode), reps)
                if mode == "auto":
                    try:
                        from jaccli.api import plan
                        picked = plan(f, (case["x"],) + extra, argnums=0, mode="auto").mode
                    except Exception:
                        picked = "?"
                rows.append(row(name, "jaccli", mode, first, med, max_err(out, ref),
                                picked=picked))
            except Exception as exc:
                rows.append(row(name, "jaccli", mode, None, None, repr(exc)[:80]))
            progress(rows[-1])


def run_jax(C, names, ref_jac, reps, rows):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print("# jax not installed: skipped", file=sys.stderr)
        return
    jax.config.update("jax_enable_x64", True)
    warmup("jax-jit", lambda: (jax.jit(jax.jacfwd(jnp.sin))(jnp.ones(3)),
                               jax.jit(jax.jacrev(jnp.sin))(jnp.ones(3))),
           lambda o: [a.block_until_ready() for a in o], rows)
    F = case_functions(jnp)
    for name in names:
        case = C[name]
        x = jnp.asarray(case["x"])
        consts = tuple(jnp.asarray(case[k]) for k in EXTRA_ARGS[name])
        f = F[name]
        for mode in ("fwd", "rev"):
            jac = jax.jacfwd if mode == "fwd" else jax.jacrev
            jf = jax.jit(jac(lambda x, f=f: f(x, *consts)))
            try:
                first, med, out = time_calls(lambda: jf(x), reps, lambda o: o.block_until_ready())
                rows.append(row(name, "jax-jit", mode, first, med, max_err(out, ref_jac(name, case))))
            except Exception as exc:
                rows.append(row(name, "jax-jit", mode, None, None, repr(exc)[:80]))
            progress(rows[-1])


def run_torch(C, names, ref_jac, reps, rows):
    try:
        import torch
        import torch.func
    except ImportError:
        print("# torch not installed: skipped", file=sys.stderr)
        return
    torch.set_default_dtype(torch.float64)
    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    warmup("torch.func", lambda: (torch.func.jacfwd(torch.sin)(torch.ones(3)),
                                  torch.func.jacrev(torch.sin)(torch.ones(3))), lambda o: None, rows)
    F = case_functions(torch)
    for name in names:
        case = C[name]
        x = torch.as_tensor(case["x"])
        consts = tuple(torch.as_tensor(case[k]) for k in EXTRA_ARGS[name])
        f = F[name]
        for mode in ("fwd", "rev"):
            jac = torch.func.jacfwd if mode == "fwd" else torch.func.jacrev
            jf = jac(lambda x, f=f: f(x, *consts))
            try:
                first, med, out = time_calls(lambda: jf(x), reps)
                rows.append(row(name, "torch.func", mode, first, med,
                                max_err(out.numpy(), ref_jac(name, case))))
            except Exception as exc:
                rows.append(row(name, "torch.func", mode, None, None, repr(exc)[:80]))
            progress(rows[-1])


def run_hand(C, names, anchors, reps, rows):
    """anchors.run_handbatched: hand-written batched tangent sweeps (mlp and square only)."""
    if anchors is None:
        print("# ../shared/bench/anchors.py not found: hand-batched floor skipped", file=sys.stderr)
        return
    got = []
    with contextlib.redirect_stdout(io.StringIO()):
        anchors.run_handbatched(C, names, "cpu", reps, got)
    for r in got:
        mode = r["system"].rsplit("-", 1)[1]
        rows.append(row(r["case"], "hand-numpy", mode, r["first"], r["median"], r["err"]))
        progress(rows[-1])


# ---------------------------------------------------------------- reporting

def progress(r):
    med = "-" if r["median"] is None else f"{r['median'] * 1e3:.3f} ms"
    print(f"# {r['case']:9s} {r['system']:11s} {r['mode']:4s} median {med}", file=sys.stderr,
          flush=True)


def fmt_ms(s):
    if s is None:
        return "-"
    ms = s * 1e3
    return f"{ms:.4f}" if ms < 0.1 else f"{ms:.3f}" if ms < 100 else f"{ms:.1f}"


def fmt_err(e):
    return e if isinstance(e, str) else f"{e:.1e}"


def best(rows, case, system, modes=("fwd", "rev")):
    """The row of ``system`` on ``case`` with the smallest median among ``modes``."""
    cands = [r for r in rows if r["case"] == case and r["system"] == system
             and r["mode"] in modes and r["median"] is not None]
    return min(cands, key=lambda r: r["median"]) if cands else None


def get(rows, case, system, mode):
    for r in rows:
        if r["case"] == case and r["system"] == system and r["mode"] == mode:
            return r
    return None


def verdict(value, limit):
    return "-" if value is None else ("PASS" if value <= limit else "MISS")


def summarize(rows, names):
    out = []
    for name in names:
        jb, xb = best(rows, name, "jaccli"), best(rows, name, "jax-jit")
        auto = get(rows, name, "jaccli", "auto")
        s = dict(case=name, jaccli_best_mode=jb and jb["mode"],
                 jaccli_best_median=jb and jb["median"], jax_best_mode=xb and xb["mode"],
                 jax_best_median=xb and xb["median"], jax_first=xb and xb["first"],
                 jaccli_auto_picked=auto and auto.get("picked"),
                 jaccli_auto_median=auto and auto["median"], jaccli_auto_first=auto and auto["first"])
        s["steady_ratio"] = jb["median"] / xb["median"] if jb and xb else None
        s["auto_steady_ratio"] = auto["median"] / xb["median"] if auto and auto["median"] and xb else None
        s["first_ratio"] = auto["first"] / xb["first"] if auto and auto["first"] and xb else None
        if name == "seed":
            s["steady_target"] = f"<= {SEED_STEADY_S * 1e6:.0f} us"
            s["steady_verdict"] = verdict(jb and jb["median"], SEED_STEADY_S)
        elif name in STEADY_TARGET:
            s["steady_target"] = f"<= {STEADY_TARGET[name]}x JAX"
            s["steady_verdict"] = verdict(s["steady_ratio"], STEADY_TARGET[name])
        if name in FIRST_TARGET:
            s["first_target"] = f"<= {FIRST_TARGET[name]}x JAX"
            s["first_verdict"] = verdict(s["first_ratio"], FIRST_TARGET[name])
        # picked mode's own median over the faster mode's: 1.0 when auto picked the faster
        picked = auto and get(rows, name, "jaccli", auto.get("picked"))
        s["auto_pick_cost"] = picked["median"] / jb["median"] if picked and jb else None
        out.append(s)
    return out


def print_tables(rows, summary):
    print(f"\n{'case':9s} {'system':11s} {'mode':9s} {'first ms':>10s} {'median ms':>10s} "
          f"{'max err':>9s}")
    for r in rows:
        mode = r["mode"] + (f"->{r['picked']}" if r.get("picked") and r["mode"] == "auto" else "")
        print(f"{r['case']:9s} {r['system']:11s} {mode:9s} {fmt_ms(r['first']):>10s} "
              f"{fmt_ms(r['median']):>10s} {fmt_err(r['err']):>9s}")
    print("\nsteady = jaccli best-mode median / JAX best-mode median (seed: jaccli absolute); "
          "first = jaccli first call (auto) / JAX first call (its best mode);\n"
          "auto picked: the mode auto chose, and its median over the faster mode's (noise: +-10%)")
    print(f"{'case':9s} {'jaccli best':>15s} {'JAX best':>14s} {'steady':>7s} {'(auto)':>7s} "
          f"{'target':>13s} {'':4s} {'first':>7s} {'target':>11s} {'':4s} {'auto picked':>13s}")
    for s in summary:
        jb = "-" if s["jaccli_best_median"] is None else \
            f"{fmt_ms(s['jaccli_best_median'])} {s['jaccli_best_mode']}"
        xb = "-" if s["jax_best_median"] is None else \
            f"{fmt_ms(s['jax_best_median'])} {s['jax_best_mode']}"
        ratio = lambda v: "-" if v is None else f"{v:.3g}x"
        cost = s["auto_pick_cost"]
        pick = "-" if cost is None else f"{s['jaccli_auto_picked']} " + \
            ("(faster)" if cost == 1 else f"(x{cost:.2f})")
        print(f"{s['case']:9s} {jb:>15s} {xb:>14s} {ratio(s['steady_ratio']):>7s} "
              f"{ratio(s['auto_steady_ratio']):>7s} {s.get('steady_target', '-'):>13s} "
              f"{s.get('steady_verdict', '-'):4s} {ratio(s['first_ratio']):>7s} "
              f"{s.get('first_target', '-'):>11s} {s.get('first_verdict', '-'):4s} {pick:>13s}")


def git_state(where):
    """HEAD of the checkout holding the jaccli that ran, and whether its jaccli/ differs from
    HEAD (the numbers measure the files, not the commit)."""
    import subprocess
    root = Path(where).resolve().parents[1]
    try:
        git = lambda *cmd: subprocess.run(["git", "-C", str(root), *cmd], capture_output=True,
                                          text=True).stdout.strip()
        head = git("rev-parse", "--short", "HEAD")
        if not head:
            return f"{root}: not a git checkout"
        return head + (" + uncommitted changes in jaccli/" if git("status", "--porcelain",
                                                                  "--", "jaccli") else "")
    except OSError:
        return "?"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default="", help="comma-separated cases (default: all)")
    p.add_argument("--reps", type=int, default=20, help="steady calls per measurement")
    p.add_argument("--systems", default="jaccli,jax,torch,hand")
    p.add_argument("--json", default="", help="write rows and summary here")
    p.add_argument("--threads", default="", help="threads for BLAS/OpenMP/torch (1 also pins "
                   "XLA); default: each library's own")
    a = p.parse_args(argv)
    names = [n for n in a.only.split(",") if n] or list(CASE_NAMES)
    bad = [n for n in names if n not in CASE_NAMES]
    if bad:
        p.error(f"unknown case(s) {bad}; choose from {','.join(CASE_NAMES)}")
    systems = a.systems.split(",")
    anchors = load_anchors()
    C, ref_jac = build(anchors)
    rows = []
    if "hand" in systems:
        run_hand(C, names, anchors, a.reps, rows)
    if "jaccli" in systems:
        run_jaccli(C, names, ref_jac, a.reps, rows)
    if "jax" in systems:
        run_jax(C, names, ref_jac, a.reps, rows)
    if "torch" in systems:
        run_torch(C, names, ref_jac, a.reps, rows)
    summary = summarize(rows, names)
    where = sys.modules["jaccli"].__file__ if "jaccli" in sys.modules else None
    state = git_state(where) if where else "-"
    print(f"\njaccli from {where} ({state}); reps={a.reps}; numpy {np.__version__}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"threads {a.threads or 'default'}")
    print_tables(rows, summary)
    if a.json:
        meta = dict(reps=a.reps, threads=a.threads or None, jaccli=where, git=state,
                    loadavg=os.getloadavg(), python=platform.python_version(), numpy=np.__version__,
                    machine=platform.machine(), anchors=str(anchors.__file__) if anchors else None)
        with open(a.json, "w") as fh:
            json.dump(dict(meta=meta, rows=rows, summary=summary), fh, indent=1)


if __name__ == "__main__":
    main()
