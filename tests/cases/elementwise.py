"""Derivative cases: elementwise operations (unary, binary with broadcasting, Python
scalars, conditions) and the elementwise functions (sinc, nan_to_num ...)."""
import numpy as np

from .table import M, away, case, fixed, normal, off_integers, uniform, until


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

# ---- elementwise tail ----------------------------------------------------------------
case("sinc", np.sinc, normal((5,)))
case("sinc-at-zero", np.sinc, fixed([0.0, 0.3, -1.2]))
case("fabs", np.fabs, away(0.2, 2.0, (4,)))
case("logaddexp2", np.logaddexp2, normal((3,), (3,)), argnums=M)
case("radians-degrees", lambda x: np.radians(x) * np.degrees(x) + np.deg2rad(x) + np.rad2deg(x),
     normal((3,)))
case("heaviside", lambda x: np.heaviside(x, 0.5) * x + x, away(0.2, 2.0, (4,)))
case("copysign", lambda x, y: np.copysign(x, y), (lambda r: (away(0.2, 2, (4,))(r)[0],
                                                             away(0.2, 2, (4,))(r)[0])),
     argnums=M)
_SPECIAL = np.array([0.0, np.nan, np.inf, -np.inf, 0.0])


case("nan_to_num", lambda x: np.nan_to_num(x + _SPECIAL, posinf=5.0, neginf=-5.0) * x,
     normal((5,)))
case("nan_to_num-values", lambda x: np.nan_to_num(x * 2.0 + _SPECIAL, nan=x[0], posinf=7.0,
                                                  neginf=-3.0), normal((5,)))

# ---- issue 18: real-array forms of the complex helpers, ldexp / frexp, list operands
_OFF_POW2 = until(away(0.3, 5.0, (2, 3)),
                  lambda x: np.min(np.abs(np.log2(np.abs(x)) - np.round(np.log2(np.abs(x))))) > 0.05)
case("ldexp", lambda x: np.ldexp(x, 3), normal((2, 3)))
case("ldexp-array", lambda x: np.ldexp(x, np.array([1, -2, 0])), normal((2, 3)))
case("frexp-mantissa", lambda x: np.frexp(x)[0], _OFF_POW2)
case("frexp-exponent", lambda x: np.frexp(x)[1] * x, _OFF_POW2)
case("imag-real-array", lambda x: np.imag(x) + x, normal((3,)))
case("angle-real-array", lambda x: np.angle(x) + np.angle(x, deg=True) * x, away(0.2, 2.0, (4,)))
case("real_if_close", lambda x: np.real_if_close(x) * 2, normal((3,)))
case("iscomplex-isreal", lambda x: np.iscomplex(x) * x + np.isreal(x) * x, normal((3,)))
case("pow-list-exponent", lambda x: x ** [1.0, 2.0, 3.0], uniform(0.5, 2.0, (2, 3)))
case("pow-zero-exponent", lambda x: x ** 0 + x, normal((3,)))
case("sum-int-dtype", lambda x: np.sum(x * 3.0, dtype=np.int64) * x, off_integers((3,)))
