"""Write docs/coverage.md from the live dispatch tables, so the coverage table cannot drift.

    python scripts/coverage.py            # rewrite docs/coverage.md
    python scripts/coverage.py --check    # exit 1 when docs/coverage.md is out of date

Every NumPy function, ufunc, ufunc method and array method in jaccli's dispatch tables
(``jaccli.numpy_api.supported_names()`` plus the ``like=`` creation functions) gets a row. The
primitives a row's implementation reaches are found by walking its code: the globals, closure
cells and nested functions it names, following NumPy functions and ufuncs through the
dispatch tables to their jaccli implementations. The fwd / rev / batched marks then come from
the rule tables of those primitives (``jvp_rules``, ``vjp_rules``, ``eval_rule``: explicit or
the default for primitives acting on trailing axes). The walk over-approximates (it also sees
NumPy calls made on constants) and misses operators on tracers (``a * b``: ufuncs, which have
every rule), so the primitives column is what a row may reach.
"""
import argparse
import sys
import types
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jaccli import numpy_api  # noqa: E402
from jaccli.rules import Primitive, eval_rule, jvp_rules, nondiff, vjp_rules  # noqa: E402
from jaccli.dispatch import (HANDLED_FUNCTIONS, HANDLED_METHODS, HANDLED_UFUNCS,  # noqa: E402
                           LIKE_FUNCTIONS, SPECIAL_UFUNCS, UFUNC_METHODS)
from jaccli.numpy_api import polynomial, special  # noqa: E402

DOC = ROOT / "docs" / "coverage.md"

_VALUE_READ = ("note_value_read", "read_value")
_DECIDES = ("plain_index", "decide")

NOT_SUPPORTED = [
    ("np.r_, np.c_", "index tricks convert every piece with np.array, which would drop the "
     "derivative; use np.concatenate / np.stack / np.column_stack"),
    ("np.linalg.svd(full_matrices=True), qr(mode='complete') of non-square matrices",
     "the extra singular / orthogonal vectors are not unique, so not differentiable"),
    ("eigh / svd / eig at degenerate spectra", "eigenvectors are not unique there; the "
     "derivative of the vectors does not exist (values in simple directions do)"),
    ("np.linalg.eig with complex eigenvalues", "no complex rules for the decompositions yet"),
    ("complex inputs or outputs of the differentiated function", "the Jacobian is real: pass "
     "real and imaginary parts as real arguments, return np.real(y), np.imag(y)"),
    ("complex operands of sort, max / min / clip, comparisons <, floor / sign / round, "
     "arctan2 / hypot, arccosh, np.linalg.solve / inv / det, the matrix 2- and nuclear "
     "norms and the decompositions",
     "no complex rule; each raises a TracingError naming the primitive (never a silent cast)"),
    ("np.linalg.pinv / lstsq of rank-deficient matrices", "not differentiable at a rank drop"),
    ("np.quantile / percentile / median with method other than 'linear'",
     "piecewise constant or not yet written; the default 'linear' is supported"),
    ("np.nanmedian / nanquantile / nanpercentile of arrays holding NaN", "the number of "
     "entries per slice would change the graph; without NaN they equal the plain ones"),
    ("np.interp(period=...)", "not written yet"),
    ("np.fft.hfft / ihfft, np.histogram ...", "not differentiable or not "
     "written; they raise `np.X is not supported by jaccli on traced arrays`"),
    ("np.unique's index, inverse and counts; np.searchsorted", "integer results: not "
     "differentiable (the unique values are)"),
    ("np.pad modes linear_ramp, maximum, mean, median, minimum and reflect_type='odd'",
     "not written yet; the copying modes constant, edge, reflect, symmetric and wrap are"),
    ("np.maximum.at, np.minimum.at, np.multiply.at", "not written; np.add.at and "
     "np.subtract.at are (scatter-add)"),
    ("np.polynomial's classes with traced coefficients, but evaluating Polynomial(c)(x)",
     "the classes convert them with np.array; evaluate with "
     "np.polynomial.polynomial.polyval(x, c)"),
    ("np.polyfit(full=, cov=, rcond=)", "not written; the coefficients are"),
    ("scipy.special names not listed (gamma, beta, Bessel functions ...)", "they raise "
     "`scipy.special.X is not supported by jaccli on traced arrays`; scipy.special's Python-"
     "level functions are registered in scipy.special when jaccli is imported or starts a "
     "trace, so a name imported from it before that keeps scipy's own (a message says so)"),
]


def _walk(fn, seen, prims, flags, home=None):
    """Collect the primitives ``fn`` reaches; note value reads and recorded decisions made
    by code of ``fn``'s own module (``home``), not by helpers it shares with other rows."""
    if id(fn) in seen:
        return
    seen.add(id(fn))
    if isinstance(fn, Primitive):
        prims.add(fn)
        return
    # Another NumPy entry point: its primitives count, its value reads are its own row's.
    if isinstance(fn, np.ufunc):
        impl = HANDLED_UFUNCS.get(fn)
        if impl is not None:
            _walk(impl, seen, prims, set())
        return
    if not isinstance(fn, types.FunctionType):
        try:
            impl = HANDLED_FUNCTIONS.get(fn)
        except TypeError:                   # unhashable: a table, not a function
            return
        if impl is not None:
            _walk(impl, seen, prims, set())
        return
    if not (fn.__module__ or "").startswith("jaccli"):
        return
    home = home or fn.__module__
    if fn.__module__ != home:
        flags = set()
    for cell in fn.__closure__ or ():
        try:
            _walk(cell.cell_contents, seen, prims, flags, home)
        except ValueError:                  # empty cell
            pass
    for d in fn.__defaults__ or ():
        _walk(d, seen, prims, flags, home)
    _walk_code(fn.__code__, fn.__globals__, seen, prims, flags, home)


def _walk_code(code, globs, seen, prims, flags, home):
    names = code.co_names
    if any(n in _VALUE_READ for n in names):
        flags.add("value")
    if any(n in _DECIDES for n in names):
        flags.add("decides")
    modules = [globs[n] for n in names if isinstance(globs.get(n), types.ModuleType)]
    for n in names:
        if n in globs:
            _walk(globs[n], seen, prims, flags, home)
        for m in modules:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = getattr(m, n, None)
            if obj is not None and not isinstance(obj, types.ModuleType):
                _walk(obj, seen, prims, flags, home)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _walk_code(c, globs, seen, prims, flags, home)


def _entries():
    """(name, kind, implementation) for every dispatch-table entry."""
    out = {}
    for f, impl in HANDLED_FUNCTIONS.items():
        mod = getattr(f, "__module__", "") or ""
        prefix = "np.linalg." if "linalg" in mod else ("np.fft." if "fft" in mod else "np.")
        out.setdefault(prefix + f.__name__,
                       ("function", impl))
    for u, impl in HANDLED_UFUNCS.items():
        out.setdefault("np." + u.__name__, ("ufunc", impl))
    for (u, m), impl in UFUNC_METHODS.items():
        out.setdefault(f"np.{u.__name__}.{m}", ("ufunc method", impl))
    for m, impl in HANDLED_METHODS.items():
        if not m.startswith("__"):
            out.setdefault("ndarray." + m, ("method", impl))
    for f, impl in LIKE_FUNCTIONS.items():
        out.setdefault("np." + f.__name__, ("creation (like=)", impl))
    for name, impl in SPECIAL_UFUNCS.items():
        out.setdefault("scipy.special." + name, ("scipy.special ufunc", impl))
    for name, impl in special.FUNCTIONS.items():
        out.setdefault("scipy.special." + name, ("registered function", impl))
    out.setdefault("np.polynomial.polynomial.polyval", ("registered function", polynomial.polyval))
    out.setdefault("np.polynomial.Polynomial(c)(x) (every class)",
                   ("registered function", polynomial.polyval))
    return out


def rows():
    """One dict per supported name, sorted by name."""
    supported = set(numpy_api.supported_names())
    res = []
    for name, (kind, impl) in sorted(_entries().items()):
        prims, flags = set(), set()
        _walk(impl, set(), prims, flags)
        fwd = all(p in jvp_rules for p in prims)
        rev = all(p in vjp_rules for p in prims)
        batched = all(callable(eval_rule(p)) for p in prims)
        if kind == "creation (like=)":
            deriv = "constant"
        elif "value" in flags and not (prims - nondiff):
            deriv = "reads the value"
        elif prims and not (prims - nondiff):
            deriv = "zero"
        elif not prims:
            deriv = "identity / shape only"
        else:
            deriv = "yes"
        if "value" in flags:
            how = "per point"
        elif "decides" in flags:
            how = "grouped by path"
        else:
            how = "yes" if batched else "no"
        res.append(dict(name=name, kind=kind, listed=name in supported or kind.startswith("creation"),
                        deriv=deriv, fwd=fwd, rev=rev, batched=how,
                        prims=sorted(p.name for p in prims)))
    return res


def _mark(ok):
    return "✓" if ok else "✗"


def render():
    rs = rows()
    kinds = {}
    for r in rs:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    lines = [
        "# NumPy coverage",
        "",
        "Generated by `python scripts/coverage.py` from jaccli's live dispatch tables; "
        "`tests/test_coverage_doc.py` fails when this file is out of date. Do not edit by hand.",
        "",
        f"**{len(rs)} NumPy names** on traced arrays: " + ", ".join(
            f"{n} {k}s" for k, n in sorted(kinds.items())) + ".",
        "",
        "Columns: *derivative* — `yes`, `zero` (piecewise constant or boolean), `reads the "
        "value` (argmax, nonzero ...: the graph holds at this point only), `constant` "
        "(creation functions); *fwd / rev* — every primitive the implementation reaches has a "
        "JVP / VJP rule; *batched* — `jacobian(f, X, batched=True)` evaluates it at all points "
        "in one sweep (`yes`), groups points by the path a recorded decision takes (`grouped "
        "by path`: traced indices, interp intervals), or traces once per point (`per point`); "
        "*primitives* — what the implementation may reach (a static walk over its code).",
        "",
        "Anything not listed raises `TracingError: np.X is not supported by jaccli on traced "
        "arrays` (for scipy.special: `scipy.special.X`).",
        "",
        "| name | kind | derivative | fwd | rev | batched | primitives |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rs:
        prims = ", ".join(r["prims"]) if r["prims"] else "—"
        lines.append(f"| `{r['name']}` | {r['kind']} | {r['deriv']} | {_mark(r['fwd'])} | "
                     f"{_mark(r['rev'])} | {r['batched']} | {prims} |")
    lines += ["", "## Not supported, and why", ""]
    lines += [f"- **{what}**: {why}." for what, why in NOT_SUPPORTED]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = DOC.read_text() if DOC.exists() else ""
        if current != text:
            print(f"{DOC.relative_to(ROOT)} is out of date: run python scripts/coverage.py",
                  file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)
    print(f"wrote {DOC.relative_to(ROOT)} ({len(rows())} names)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
