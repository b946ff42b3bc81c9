"""Elementwise primitives: unary and binary ufuncs, ``where``, and the non-differentiable ones.

Each differentiable ufunc is one line: its NumPy function and its partial derivatives, kept as
data on the primitive (``p.partials``): functions of the (aligned) primal inputs and output,
or numbers for constant ones. One JVP and one VJP per family read them:
t_out = sum_i t_i * d_i, ct_i = unbroadcast(ct * d_i). Linear ones (add, subtract, negative)
have constant partials +-1 and skip the products.
"""
import numpy as np

from ..rules import defnondiff, jvp_rules, lift, lift_all, primitive, unbroadcast, vjp_rules

LN2, LN10 = np.log(2.0), np.log(10.0)


def _full(t, e):
    """A tangent broadcast to its full shape: leading axes + the output's logical shape."""
    shape = e.out.shape
    lead = max(t.ndim - len(shape), 0)      # none: t may be of lower rank (right-aligned)
    full = t.shape[:lead] + shape
    return t if t.shape == full else np.broadcast_to(t, full)


# ---------------------------------------------------------------- unary

def _unary_jvp(e, xs, out, ts):
    return ts[0] * e.prim.partials[0](xs[0], out)


def _unary_vjp(e, xs, out, ct, needs):
    return (ct * e.prim.partials[0](xs[0], out),)


def defunary(name, fn, deriv):
    """``deriv(x, out)`` is d out / d x elementwise."""
    p = primitive(name, fn, "elementwise", (deriv,))
    jvp_rules[p], vjp_rules[p] = _unary_jvp, _unary_vjp
    return p


neg_p = primitive("neg", np.negative, "elementwise", (-1.0,))
jvp_rules[neg_p] = lambda e, xs, out, ts: -ts[0]
vjp_rules[neg_p] = lambda e, xs, out, ct, needs: (-ct,)

exp_p = defunary("exp", np.exp, lambda x, y: y)
exp2_p = defunary("exp2", np.exp2, lambda x, y: y * LN2)
expm1_p = defunary("expm1", np.expm1, lambda x, y: y + 1.0)
log_p = defunary("log", np.log, lambda x, y: 1.0 / x)
log2_p = defunary("log2", np.log2, lambda x, y: 1.0 / (x * LN2))
log10_p = defunary("log10", np.log10, lambda x, y: 1.0 / (x * LN10))
log1p_p = defunary("log1p", np.log1p, lambda x, y: 1.0 / (1.0 + x))
sqrt_p = defunary("sqrt", np.sqrt, lambda x, y: 0.5 / y)
# std and the 2-norm at zero: a cone, no derivative; 0 is a subgradient, and exact where the
# quantity is identically zero (the std of one value). Plain sqrt'(0) would give 0 * inf = NaN.
sqrt0_p = defunary("sqrt0", np.sqrt,
                   lambda x, y: np.where(y > 0, 0.5 / np.where(y > 0, y, 1.0), 0.0))
cbrt_p = defunary("cbrt", np.cbrt, lambda x, y: 1.0 / (3.0 * y * y))
square_p = defunary("square", np.square, lambda x, y: 2.0 * x)
reciprocal_p = defunary("reciprocal", np.reciprocal, lambda x, y: -y * y)
sin_p = defunary("sin", np.sin, lambda x, y: np.cos(x))
cos_p = defunary("cos", np.cos, lambda x, y: -np.sin(x))
tan_p = defunary("tan", np.tan, lambda x, y: 1.0 + y * y)
arcsin_p = defunary("arcsin", np.arcsin, lambda x, y: 1.0 / np.sqrt(1.0 - x * x))
arccos_p = defunary("arccos", np.arccos, lambda x, y: -1.0 / np.sqrt(1.0 - x * x))
arctan_p = defunary("arctan", np.arctan, lambda x, y: 1.0 / (1.0 + x * x))
sinh_p = defunary("sinh", np.sinh, lambda x, y: np.cosh(x))
cosh_p = defunary("cosh", np.cosh, lambda x, y: np.sinh(x))
tanh_p = defunary("tanh", np.tanh, lambda x, y: 1.0 - y * y)
arcsinh_p = defunary("arcsinh", np.arcsinh, lambda x, y: 1.0 / np.sqrt(x * x + 1.0))
arccosh_p = defunary("arccosh", np.arccosh, lambda x, y: 1.0 / np.sqrt(x * x - 1.0))
arctanh_p = defunary("arctanh", np.arctanh, lambda x, y: 1.0 / (1.0 - x * x))
abs_p = defunary("abs", np.abs, lambda x, y: np.sign(x))
deg2rad_p = defunary("deg2rad", np.deg2rad, lambda x, y: np.pi / 180.0)
rad2deg_p = defunary("rad2deg", np.rad2deg, lambda x, y: 180.0 / np.pi)

# Zero derivative wherever defined (piecewise constant) or boolean results.
sign_p = defnondiff("sign", np.sign)
floor_p = defnondiff("floor", np.floor)
ceil_p = defnondiff("ceil", np.ceil)
rint_p = defnondiff("rint", np.rint)
trunc_p = defnondiff("trunc", np.trunc)
round_p = defnondiff("round", lambda x, decimals=0: np.round(x, decimals))
isnan_p = defnondiff("isnan", np.isnan)
isinf_p = defnondiff("isinf", np.isinf)
isfinite_p = defnondiff("isfinite", np.isfinite)
signbit_p = defnondiff("signbit", np.signbit)
logical_not_p = defnondiff("logical_not", np.logical_not)
astype_p = defnondiff("astype", lambda x, dtype: x.astype(dtype))
invert_p = defnondiff("invert", np.invert)


# ---------------------------------------------------------------- binary

def _binary_jvp(e, xs, out, ts):
    x, y = lift_all(e, xs)
    r = len(e.out.shape)
    partials = e.prim.partials
    acc = None
    for i, (t, s) in enumerate(zip(ts, e.in_shapes)):
        if t is not None and partials[i] is not None:      # None: an integer operand
            term = lift(t, len(s), r) * partials[i](x, y, out)
            acc = term if acc is None else acc + term
    return None if acc is None else _full(acc, e)


def _binary_vjp(e, xs, out, ct, needs):
    x, y = lift_all(e, xs)
    partials = e.prim.partials
    return tuple(unbroadcast(ct * partials[i](x, y, out), s, e.out.shape)
                 if needs[i] and partials[i] is not None else None
                 for i, s in enumerate(e.in_shapes))


def defbinary(name, fn, d0, d1):
    """``d0(x, y, out)``, ``d1(x, y, out)``: partial derivatives of ``fn(x, y)``."""
    p = primitive(name, fn, "elementwise", (d0, d1))
    jvp_rules[p], vjp_rules[p] = _binary_jvp, _binary_vjp
    return p


def _linear_binary_jvp(e, xs, out, ts):
    r = len(e.out.shape)
    tx, ty = (lift(t, len(s), r) if t is not None else None for t, s in zip(ts, e.in_shapes))
    if ty is None:
        return _full(tx, e)
    ty = ty if e.prim.partials[1] > 0 else -ty
    return _full(ty if tx is None else tx + ty, e)


def _linear_binary_vjp(e, xs, out, ct, needs):
    sx, sy = e.in_shapes
    ctx = unbroadcast(ct, sx, e.out.shape) if needs[0] else None
    cty = None
    if needs[1]:
        cty = unbroadcast(ct if e.prim.partials[1] > 0 else -ct, sy, e.out.shape)
    return ctx, cty


def deflinear_binary(name, fn, sign1):
    """``x + sign1 * y`` (add, subtract): tangents and cotangents pass through."""
    p = primitive(name, fn, "elementwise", (1.0, float(sign1)))
    jvp_rules[p], vjp_rules[p] = _linear_binary_jvp, _linear_binary_vjp
    return p


def _max_share(x, y, out):
    return (x > y) + 0.5 * (x == y)


def _fmax_share(x, y, out):
    """fmax/fmin ignore a NaN operand: the other one takes the whole derivative."""
    hx, hy = x == out, y == out
    return hx / (hx + hy)


def _power_dbase(x, y, out):
    """y x^(y-1); 0 where y == 0 (x^0 is constant: d/dx 0^0 is 0, as in autograd and JAX,
    where y * 0^-1 would be 0 * inf = NaN). A constant nonzero scalar exponent (x ** 2) needs
    no guard: the same value without the two ``where``s, which a traced rule (a Hessian's
    derivative graph) would otherwise record and sweep at every call."""
    if isinstance(y, (int, float, np.number)) and not isinstance(y, bool) and y != 0:
        return y * np.power(x, y - 1.0)
    zero = y == 0
    return np.where(zero, 0.0, y * np.power(np.where(zero, 1.0, x), y - 1.0))


def _power_dexp(x, y, out):
    return np.where(x == 0, 0.0, out * np.log(np.where(x == 0, 1.0, x)))


add_p = deflinear_binary("add", np.add, +1)
sub_p = deflinear_binary("sub", np.subtract, -1)
mul_p = defbinary("mul", np.multiply, lambda x, y, o: y, lambda x, y, o: x)
div_p = defbinary("div", np.true_divide, lambda x, y, o: 1.0 / y, lambda x, y, o: -o / y)
pow_p = defbinary("pow", np.power, _power_dbase, _power_dexp)
float_pow_p = defbinary("float_power", np.float_power, _power_dbase, _power_dexp)
arctan2_p = defbinary("arctan2", np.arctan2, lambda y, x, o: x / (x * x + y * y),
                      lambda y, x, o: -y / (x * x + y * y))
hypot_p = defbinary("hypot", np.hypot, lambda x, y, o: x / o, lambda x, y, o: y / o)
# NOTE: ties. Where x == y, max/min split the derivative equally between both operands.
maximum_p = defbinary("max", np.maximum, _max_share, lambda x, y, o: _max_share(y, x, o))
minimum_p = defbinary("min", np.minimum, lambda x, y, o: _max_share(y, x, o), _max_share)
fmax_p = defbinary("fmax", np.fmax, _fmax_share, lambda x, y, o: _fmax_share(y, x, o))
fmin_p = defbinary("fmin", np.fmin, _fmax_share, lambda x, y, o: _fmax_share(y, x, o))
logaddexp_p = defbinary("logaddexp", np.logaddexp, lambda x, y, o: np.exp(x - o),
                        lambda x, y, o: np.exp(y - o))
logaddexp2_p = defbinary("logaddexp2", np.logaddexp2, lambda x, y, o: np.exp2(x - o),
                         lambda x, y, o: np.exp2(y - o))
mod_p = defbinary("mod", np.mod, lambda x, y, o: 1.0, lambda x, y, o: -np.floor(x / y))
fmod_p = defbinary("fmod", np.fmod, lambda x, y, o: 1.0, lambda x, y, o: -np.trunc(x / y))
copysign_p = defbinary("copysign", np.copysign,
                       lambda x, y, o: np.sign(x) * np.where(np.signbit(y), -1.0, 1.0),
                       lambda x, y, o: 0.0)

# ldexp(x, n) = x 2^n (n integer: not differentiable); frexp's mantissa m = x 2^-e, e locally
# constant, so dm/dx = 2^-e; its exponent e is an integer.
ldexp_p = defbinary("ldexp", np.ldexp, lambda x, n, o: np.ldexp(np.ones_like(o), n), None)
frexp_mantissa_p = defunary("frexp_mantissa", lambda x: np.frexp(x)[0],
                            lambda x, y: np.ldexp(np.ones_like(y), -np.frexp(x)[1]))
frexp_exponent_p = defnondiff("frexp_exponent", lambda x: np.frexp(x)[1])

COMPARISONS = {}
for _name, _fn in [("gt", np.greater), ("ge", np.greater_equal), ("lt", np.less),
                   ("le", np.less_equal), ("eq", np.equal), ("ne", np.not_equal),
                   ("and", np.logical_and), ("or", np.logical_or), ("xor", np.logical_xor)]:
    COMPARISONS[_fn] = defnondiff(_name, _fn)
floor_divide_p = defnondiff("floor_divide", np.floor_divide)
heaviside_p = defnondiff("heaviside", np.heaviside)
bitwise_and_p = defnondiff("bitwise_and", np.bitwise_and)
bitwise_or_p = defnondiff("bitwise_or", np.bitwise_or)
bitwise_xor_p = defnondiff("bitwise_xor", np.bitwise_xor)


# ---------------------------------------------------------------- where

# where(c, a, b): partials c and not c in a and b; the rules select instead of multiplying.
where_p = primitive("where", np.where, "elementwise",
                    (None, lambda c, a, b, out: c, lambda c, a, b, out: np.logical_not(c)))


def _where_jvp(e, xs, out, ts):
    r = len(e.out.shape)
    c = lift(xs[0], len(e.in_shapes[0]), r)
    ta, tb = (lift(t, len(s), r) if t is not None else 0.0 for t, s in zip(ts[1:], e.in_shapes[1:]))
    return _full(np.where(c, ta, tb), e)


def _where_vjp(e, xs, out, ct, needs):
    c = lift(xs[0], len(e.in_shapes[0]), len(e.out.shape))
    sa, sb = e.in_shapes[1:]
    cta = unbroadcast(np.where(c, ct, 0.0), sa, e.out.shape) if needs[1] else None
    ctb = unbroadcast(np.where(c, 0.0, ct), sb, e.out.shape) if needs[2] else None
    return None, cta, ctb


jvp_rules[where_p], vjp_rules[where_p] = _where_jvp, _where_vjp


# ---------------------------------------------------------------- float -> float casts

convert_p = primitive("convert", lambda x, dtype: x.astype(dtype), "elementwise", (1.0,))
jvp_rules[convert_p] = lambda e, xs, out, ts: ts[0].astype(e.params["dtype"])
vjp_rules[convert_p] = lambda e, xs, out, ct, needs: (ct.astype(xs[0].dtype),)
