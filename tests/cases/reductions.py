"""Derivative cases: reductions and scans (sum, prod, max, min, mean, var, std, cumsum,
cumprod, diff, trace), on every axis form."""
import numpy as np

from .table import case, fixed, normal, until


# ---- reductions ---------------------------------------------------------------------

X3 = (2, 3, 4)
REDUCE_AXES = {"all": None, "ax0": 0, "ax1": 1, "axneg": -1, "tuple": (0, 2)}
for _red in ("sum", "prod", "mean", "max", "min", "amax", "amin"):
    _f = getattr(np, _red)
    for _aname, _ax in REDUCE_AXES.items():
        for _kd in (False, True):
            _smp = until(normal(X3), lambda x: np.min(np.abs(np.diff(np.sort(x.ravel())))) > 1e-3)
            case(f"{_red}-{_aname}{'-keepdims' if _kd else ''}",
                 (lambda f, ax, kd: lambda x: f(x, axis=ax, keepdims=kd))(_f, _ax, _kd), _smp)
for _red in ("var", "std"):
    _f = getattr(np, _red)
    for _aname, _ax in REDUCE_AXES.items():
        for _ddof in (0, 1):
            case(f"{_red}-{_aname}-ddof{_ddof}", (lambda f, ax, d: lambda x: f(x, axis=ax, ddof=d))(_f, _ax, _ddof),
                 normal(X3))
    case(f"{_red}-keepdims", (lambda f: lambda x: f(x, axis=1, keepdims=True))(_f), normal(X3))

case("sum-vec", np.sum, normal((5,)))
case("sum-0d", np.sum, normal(()))
case("prod-zero_entry", np.prod, fixed([1.5, 0.0, -2.0, 0.7]))
case("prod-zero_entry-axis", lambda x: np.prod(x, axis=1), fixed([[1.5, 0.0, -2.0], [0.5, 3.0, -1.2]]))
case("prod-two_zeros", np.prod, fixed([1.5, 0.0, -2.0, 0.0]))
case("method_sum_axis0", lambda x: x.sum(axis=0), normal((3, 4)))
case("method_sum_all", lambda x: x.sum(), normal((3, 4)))
case("method_mean", lambda x: x.mean(), normal((3, 4)))
case("method_mean_axis", lambda x: x.mean(axis=-1, keepdims=True), normal((3, 4)))
case("method_prod", lambda x: x.prod(axis=1), normal((3, 4)))
case("method_max", lambda x: x.max(), normal((3, 4)))
case("method_max_axis", lambda x: x.max(axis=0), normal((3, 4)))
case("method_min_axis", lambda x: x.min(axis=1), normal((3, 4)))
case("method_var", lambda x: x.var(), normal((3, 4)))
case("method_std", lambda x: x.std(axis=0, ddof=1), normal((3, 4)))
case("builtin_sum_rows", lambda x: sum(x), normal((3, 4)))

for _name, _fn in [("cumsum-flat", lambda x: np.cumsum(x)), ("cumsum-ax0", lambda x: np.cumsum(x, axis=0)),
                   ("cumsum-ax1", lambda x: np.cumsum(x, axis=1)), ("cumsum-method", lambda x: x.cumsum(axis=-1)),
                   ("cumprod-flat", lambda x: np.cumprod(x)), ("cumprod-ax1", lambda x: np.cumprod(x, axis=1)),
                   ("cumprod-ax0", lambda x: np.cumprod(x, axis=0)),
                   ("diff-n1", lambda x: np.diff(x)), ("diff-n2", lambda x: np.diff(x, n=2)),
                   ("diff-ax0", lambda x: np.diff(x, axis=0)), ("diff-n2-ax0", lambda x: np.diff(x, n=2, axis=0)),
                   ("trace", np.trace), ("trace-offset", lambda x: np.trace(x, offset=1)),
                   ("trace-method", lambda x: x.trace())]:
    case(_name, _fn, normal((3, 4)))
case("cumsum-vec", np.cumsum, normal((5,)))
case("diff-vec-n2", lambda x: np.diff(x, 2), normal((5,)))
case("cumprod-zero_entry", np.cumprod, fixed([1.5, -0.5, 0.0, 2.0, 0.7]))
case("cumprod-zero_first", np.cumprod, fixed([0.0, 1.5, -0.5, 2.0]))
