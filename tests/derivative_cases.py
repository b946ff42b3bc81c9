"""The derivative case table: elementwise operations and reductions.

Each case is a plain NumPy function of one or two float arrays, a sampler that draws arguments
inside the function's domain (away from kinks, jumps and ties by more than the finite-difference
step), and the arguments to differentiate. `tests/test_derivatives.py` checks every case against
central differences in every mode. Linear algebra, shapes and composites are in
`derivative_cases_more.py`.
"""
from typing import Callable, NamedTuple

import numpy as np


class Case(NamedTuple):
    name: str
    fn: Callable
    sample: Callable  # rng -> tuple of float arrays
    argnums: object = 0  # int or tuple of ints
    rtol: float = 1e-6
    atol: float = 1e-7


CASES: list = []


def case(name, fn, sample, argnums=0, **tols):
    CASES.append(Case(name, fn, sample, argnums, **tols))


# ---- samplers ---------------------------------------------------------------------------

def _arr(a):
    return np.asarray(a, dtype=np.float64)


def normal(*shapes):
    return lambda rng: tuple(_arr(rng.standard_normal(s)) for s in shapes)


def uniform(lo, hi, *shapes):
    return lambda rng: tuple(_arr(rng.uniform(lo, hi, s)) for s in shapes)


def away(lo, hi, *shapes):
    """|value| in [lo, hi], random sign: away from zero."""
    return lambda rng: tuple(_arr(rng.uniform(lo, hi, s) * rng.choice([-1.0, 1.0], s)) for s in shapes)


def off_integers(*shapes):
    """k + f with f in [0.1, 0.4] or [0.6, 0.9]: away from integers and half-integers."""
    def sample(rng):
        out = []
        for s in shapes:
            k = rng.integers(-3, 3, s)
            f = rng.uniform(0.1, 0.4, s) + rng.choice([0.0, 0.5], s)
            out.append(_arr(k + f))
        return tuple(out)
    return sample


def until(sample, ok):
    """Redraw until ok(*args): keeps points away from ties and discontinuities."""
    def draw(rng):
        for _ in range(1000):
            args = sample(rng)
            if ok(*args):
                return args
        raise RuntimeError("sampler never satisfied its condition")
    return draw


def fixed(*arrays):
    return lambda rng: tuple(_arr(a) for a in arrays)


UNARY_SHAPES = {"0d": (), "vec": (4,), "mat": (2, 3)}
BINARY_SHAPES = {
    "0d": ((), ()),
    "vec": ((4,), (4,)),
    "mat": ((2, 3), (2, 3)),
    "0d_mat": ((), (2, 3)),
    "col_row": ((3, 1), (1, 4)),
    "mat_vec": ((2, 3), (3,)),
}

def _clip_domain(*shapes):
    """Some entries inside [-0.5, 0.5], none within 0.05 of a bound."""
    return until(normal(*shapes), lambda x: np.any(np.abs(x) < 0.45) and np.all(np.abs(np.abs(x) - 0.5) > 0.05))


# ---- elementwise: unary ---------------------------------------------------------------
# (name, function, sampler factory taking shapes)
UNARY = [
    ("neg", lambda x: -x, normal),
    ("pos", lambda x: +x, normal),
    ("negative", np.negative, normal),
    ("positive", np.positive, normal),
    ("abs", np.abs, lambda *s: away(0.2, 2.0, *s)),
    ("builtin_abs", lambda x: abs(x), lambda *s: away(0.2, 2.0, *s)),
    ("absolute", np.absolute, lambda *s: away(0.2, 2.0, *s)),
    ("sign", lambda x: np.sign(x) * x + np.sign(x), lambda *s: away(0.2, 2.0, *s)),
    ("exp", np.exp, normal),
    ("exp2", np.exp2, normal),
    ("expm1", np.expm1, normal),
    ("log", np.log, lambda *s: uniform(0.5, 2.0, *s)),
    ("log2", np.log2, lambda *s: uniform(0.5, 2.0, *s)),
    ("log10", np.log10, lambda *s: uniform(0.5, 2.0, *s)),
    ("log1p", np.log1p, lambda *s: uniform(-0.5, 2.0, *s)),
    ("sqrt", np.sqrt, lambda *s: uniform(0.5, 2.0, *s)),
    ("cbrt", np.cbrt, lambda *s: away(0.3, 2.0, *s)),
    ("square", np.square, normal),
    ("reciprocal", np.reciprocal, lambda *s: away(0.5, 2.0, *s)),
    ("sin", np.sin, normal),
    ("cos", np.cos, normal),
    ("tan", np.tan, lambda *s: uniform(-1.2, 1.2, *s)),
    ("arcsin", np.arcsin, lambda *s: uniform(-0.8, 0.8, *s)),
    ("arccos", np.arccos, lambda *s: uniform(-0.8, 0.8, *s)),
    ("arctan", np.arctan, normal),
    ("sinh", np.sinh, normal),
    ("cosh", np.cosh, normal),
    ("tanh", np.tanh, normal),
    ("arcsinh", np.arcsinh, normal),
    ("arccosh", np.arccosh, lambda *s: uniform(1.2, 3.0, *s)),
    ("arctanh", np.arctanh, lambda *s: uniform(-0.8, 0.8, *s)),
    ("pow_3", lambda x: x ** 3, normal),
    ("pow_2_int", lambda x: x ** 2, normal),
    ("pow_half", lambda x: x ** 0.5, lambda *s: uniform(0.5, 2.0, *s)),
    ("pow_neg1_5", lambda x: x ** -1.5, lambda *s: uniform(0.5, 2.0, *s)),
    ("power_const", lambda x: np.power(x, 3.0), normal),
    ("float_power_const", lambda x: np.float_power(x, 2.5), lambda *s: uniform(0.5, 2.0, *s)),
    ("rpow_const_base", lambda x: 2.0 ** x, normal),
    ("power_const_base", lambda x: np.power(1.5, x), normal),
    ("clip", lambda x: np.clip(x, -0.5, 0.5), _clip_domain),
    ("clip_method", lambda x: x.clip(-0.5, 0.5), _clip_domain),
    # piecewise constant: zero derivative away from jumps (added to x so the output moves)
    ("floor", lambda x: np.floor(x) + x, off_integers),
    ("ceil", lambda x: (np.ceil(x) + 0.5) * x, off_integers),
    ("round", lambda x: (np.round(x) + 0.5) * x, off_integers),
    ("rint", lambda x: np.rint(x) + np.sin(x), off_integers),
    ("trunc", lambda x: (np.trunc(x) + 0.5) * x, off_integers),
    ("sign_alone", np.sign, lambda *s: away(0.2, 2.0, *s)),
    ("floor_alone", np.floor, off_integers),
]
for _name, _fn, _dom in UNARY:
    for _sname, _shape in UNARY_SHAPES.items():
        case(f"{_name}-{_sname}", _fn, _dom(_shape))


# ---- elementwise: binary, with broadcasting -------------------------------------------

def _no_ties(x, y):
    return np.min(np.abs(np.subtract(x, y))) > 0.05


def _mod_ok(x, y):
    q = np.divide(x, y)
    return np.all(np.abs(q - np.round(q)) > 0.05)


BINARY = [
    ("add", lambda x, y: x + y, normal),
    ("sub", lambda x, y: x - y, normal),
    ("mul", lambda x, y: x * y, normal),
    ("div", lambda x, y: x / y, lambda a, b: lambda r: normal(a)(r) + away(0.5, 2.0, b)(r)),
    ("np_add", np.add, normal),
    ("np_subtract", np.subtract, normal),
    ("np_multiply", np.multiply, normal),
    ("np_divide", np.divide, lambda a, b: lambda r: normal(a)(r) + away(0.5, 2.0, b)(r)),
    ("pow", lambda x, y: x ** y, lambda a, b: lambda r: uniform(0.5, 2.0, a)(r) + normal(b)(r)),
    ("power", np.power, lambda a, b: lambda r: uniform(0.5, 2.0, a)(r) + normal(b)(r)),
    ("float_power", np.float_power, lambda a, b: lambda r: uniform(0.5, 2.0, a)(r) + normal(b)(r)),
    ("arctan2", np.arctan2, lambda a, b: lambda r: normal(a)(r) + away(0.5, 2.0, b)(r)),
    ("hypot", np.hypot, lambda a, b: lambda r: away(0.3, 2.0, a)(r) + away(0.3, 2.0, b)(r)),
    ("maximum", np.maximum, lambda a, b: until(normal(a, b), _no_ties)),
    ("minimum", np.minimum, lambda a, b: until(normal(a, b), _no_ties)),
    ("fmax", np.fmax, lambda a, b: until(normal(a, b), _no_ties)),
    ("fmin", np.fmin, lambda a, b: until(normal(a, b), _no_ties)),
    ("logaddexp", np.logaddexp, normal),
    ("mod", np.mod, lambda a, b: until(lambda r: normal(a)(r) + away(0.5, 2.0, b)(r), _mod_ok)),
    ("mod_op", lambda x, y: x % y, lambda a, b: until(lambda r: normal(a)(r) + away(0.5, 2.0, b)(r), _mod_ok)),
    ("remainder", np.remainder, lambda a, b: until(lambda r: normal(a)(r) + away(0.5, 2.0, b)(r), _mod_ok)),
    ("where_cmp", lambda x, y: np.where(x > y, x * y, np.sin(x) - y), lambda a, b: until(normal(a, b), _no_ties)),
]
for _name, _fn, _dom in BINARY:
    for _sname, (_a, _b) in BINARY_SHAPES.items():
        case(f"{_name}-{_sname}", _fn, _dom(_a, _b), argnums=(0, 1))

# Python scalars on either side (reflected operators) and a constant array operand
_C = np.array([0.5, -1.0, 2.0, 1.5])
case("radd_scalar", lambda x: 2.0 + x, normal((4,)))
case("rsub_scalar", lambda x: 2.0 - x, normal((4,)))
case("rmul_scalar", lambda x: 3 * x, normal((4,)))
case("rtruediv_scalar", lambda x: 2.0 / x, away(0.5, 2.0, (4,)))
case("truediv_scalar", lambda x: x / 4.0, normal((4,)))
case("sub_const_array", lambda x: x - _C, normal((4,)))
case("rmul_const_array", lambda x: _C * x, normal((4,)))
case("rmod_scalar", lambda x: 5.0 % x, until(away(0.5, 2.0, (4,)), lambda x: _mod_ok(5.0, x)))
case("matmul_op-2d2d", lambda A, B: A @ B, normal((2, 3), (3, 4)), argnums=(0, 1))
case("matmul_op-const_left", lambda x: _C[:3] @ x, normal((3, 2)))
case("rmatmul_const", lambda x: x @ np.arange(6.0).reshape(3, 2) + np.ones((2, 2)) @ x[:, :2], normal((2, 3)))
case("where_scalar_branch", lambda x: np.where(x > 0, x, 0.0), away(0.2, 2.0, (5,)))
case("relu_maximum_scalar", lambda x: np.maximum(x, 0.0), away(0.2, 2.0, (5,)))

# comparisons and logical operations, only ever used as conditions
_COND = [
    ("gt_lt_and", lambda x, y: np.where((x > 0) & (y < 0.5), x * y, x - y)),
    ("ge_le_or_not", lambda x, y: np.where(~(x >= 0) | (y <= -0.5), np.exp(x), y ** 2)),
    ("eq_ne", lambda x, y: np.where((np.round(x) == 0) & (x != y), x, 2 * y)),
    ("np_greater_less", lambda x, y: np.where(np.greater(x, y), x, 0.0) + np.where(np.less(x, 0), y, x)),
    ("np_logical", lambda x, y: np.where(np.logical_and(x > 0, np.logical_not(y > 0)), x, y)
     + np.where(np.logical_or(x < -0.5, np.logical_xor(x > 0, y > 0)), x * y, 1.0)),
    ("np_equal_greater_equal", lambda x, y: np.where(np.greater_equal(x, 0) | np.equal(y, 0.0), np.cos(y), x)),
]
for _name, _fn in _COND:
    case(f"cond_{_name}", _fn,
         until(normal((5,), (5,)), lambda x, y: _no_ties(x, y) and np.min(np.abs(x)) > 0.05 and np.min(np.abs(y)) > 0.05
               and np.min(np.abs(np.abs(x) - 0.5)) > 0.05 and np.min(np.abs(np.abs(y) - 0.5)) > 0.05),
         argnums=(0, 1))


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

_NORM_OK = lambda x: np.min(np.abs(x)) > 0.05 and np.min(np.diff(np.sort(np.abs(x.ravel())))) > 1e-3
for _name, _fn in [("norm-vec", lambda x: np.linalg.norm(x)), ("norm-vec-ord1", lambda x: np.linalg.norm(x, 1)),
                   ("norm-vec-ord2", lambda x: np.linalg.norm(x, ord=2)),
                   ("norm-vec-inf", lambda x: np.linalg.norm(x, np.inf))]:
    case(_name, _fn, until(normal((5,)), _NORM_OK))
case("norm-mat", np.linalg.norm, normal((3, 4)))
case("norm-mat-fro", lambda x: np.linalg.norm(x, "fro"), normal((3, 4)))
case("norm-vec-axis", lambda x: np.linalg.norm(x, axis=1), normal((3, 4)))
