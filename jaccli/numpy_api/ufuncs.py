"""NumPy ufuncs on traced arrays: each maps onto one elementwise primitive; ``reduce``,
``accumulate`` and ``outer`` of the common ones map onto reductions and broadcasting."""
import numpy as np

from ..backend import to_host
from ..dispatch import ufunc, ufunc_method
from ..errors import TracingError
from ..primitives import complex as cx
from ..primitives import elementwise as ew
from ..primitives.linalg import matmul_p
from ..tracer import bind
from . import reductions, special
from .common import arr, as_dtype, concrete, no_out, note_value_read

UNARY = {
    np.negative: ew.neg_p, np.exp: ew.exp_p, np.exp2: ew.exp2_p, np.expm1: ew.expm1_p,
    np.log: ew.log_p, np.log2: ew.log2_p, np.log10: ew.log10_p, np.log1p: ew.log1p_p,
    np.sqrt: ew.sqrt_p, np.cbrt: ew.cbrt_p, np.square: ew.square_p,
    np.reciprocal: ew.reciprocal_p, np.sin: ew.sin_p, np.cos: ew.cos_p, np.tan: ew.tan_p,
    np.arcsin: ew.arcsin_p, np.arccos: ew.arccos_p, np.arctan: ew.arctan_p,
    np.sinh: ew.sinh_p, np.cosh: ew.cosh_p, np.tanh: ew.tanh_p, np.arcsinh: ew.arcsinh_p,
    np.arccosh: ew.arccosh_p, np.arctanh: ew.arctanh_p, np.absolute: ew.abs_p,
    np.fabs: ew.abs_p, np.deg2rad: ew.deg2rad_p, np.rad2deg: ew.rad2deg_p,
    np.sign: ew.sign_p, np.floor: ew.floor_p, np.ceil: ew.ceil_p, np.rint: ew.rint_p,
    np.trunc: ew.trunc_p, np.isnan: ew.isnan_p, np.isinf: ew.isinf_p,
    np.isfinite: ew.isfinite_p, np.signbit: ew.signbit_p, np.logical_not: ew.logical_not_p,
    np.invert: ew.invert_p,
}

BINARY = {
    np.add: ew.add_p, np.subtract: ew.sub_p, np.multiply: ew.mul_p, np.true_divide: ew.div_p,
    np.power: ew.pow_p, np.float_power: ew.float_pow_p, np.arctan2: ew.arctan2_p,
    np.hypot: ew.hypot_p, np.maximum: ew.maximum_p, np.minimum: ew.minimum_p,
    np.fmax: ew.fmax_p, np.fmin: ew.fmin_p, np.logaddexp: ew.logaddexp_p,
    np.logaddexp2: ew.logaddexp2_p, np.remainder: ew.mod_p, np.fmod: ew.fmod_p,
    np.copysign: ew.copysign_p, np.matmul: matmul_p,
    np.floor_divide: ew.floor_divide_p,
    np.heaviside: ew.heaviside_p, np.ldexp: ew.ldexp_p,
    np.bitwise_and: ew.bitwise_and_p,
    np.bitwise_or: ew.bitwise_or_p,
    np.bitwise_xor: ew.bitwise_xor_p,
}
BINARY.update(ew.COMPARISONS)

_ALLOWED_KW = ("dtype", "casting", "order", "subok", "signature")


def _check_kwargs(uf, kwargs):
    bad = [k for k, v in kwargs.items() if k not in _ALLOWED_KW and v is not None]
    dtype = kwargs.get("dtype")
    if dtype is not None and np.dtype(dtype).kind != "f":
        bad.append("dtype")
    if bad:
        raise TracingError(f"np.{uf.__name__}: keyword argument(s) {', '.join(bad)} are not "
                           "supported by jaccli on traced arrays.")


def _register(uf, p):
    """``dtype=`` (a float type) converts the operands, as NumPy's loop for it does."""
    if uf.nin == 1:
        def impl(x, **kwargs):
            if kwargs:
                _check_kwargs(uf, kwargs)
                x = as_dtype(x, kwargs.get("dtype"), f"np.{uf.__name__}")
            if p is ew.abs_p and uf is not np.fabs and getattr(x, "dtype", None) is not None \
                    and x.dtype.kind == "c":
                return bind(cx.cabs_p, x)          # |z| of a complex intermediate
            return bind(p, x)
    else:
        def impl(x, y, **kwargs):
            if kwargs:
                _check_kwargs(uf, kwargs)
                dtype = kwargs.get("dtype")
                if dtype is not None:
                    x, y = (as_dtype(v, dtype, f"np.{uf.__name__}") for v in (x, y))
            return bind(p, x, y)
    ufunc(uf)(impl)


for _uf, _p in {**UNARY, **BINARY}.items():
    _register(_uf, _p)
_register(np.radians, ew.deg2rad_p)        # aliases, but ufuncs of their own
_register(np.degrees, ew.rad2deg_p)


@ufunc(np.positive)
def _identity(x, **kwargs):
    _check_kwargs(np.positive, kwargs)
    return x.copy() if hasattr(x, "copy") else x


@ufunc(np.conjugate)
def _conjugate(x, **kwargs):
    _check_kwargs(np.conjugate, kwargs)
    if getattr(x, "dtype", None) is not None and x.dtype.kind == "c":
        return bind(cx.conj_p, x)
    return x.copy() if hasattr(x, "copy") else x


@ufunc(np.frexp)
def _frexp(x, **kwargs):
    _check_kwargs(np.frexp, kwargs)
    return bind(ew.frexp_mantissa_p, x), bind(ew.frexp_exponent_p, x)


# ---------------------------------------------------------------- reduce / accumulate / outer

def _reduction(name, ufunc_name):
    def impl(x, axis=0, dtype=None, out=None, keepdims=False, initial=None, where=True):
        what = f"np.{ufunc_name}.reduce"
        if name == "sum":
            return reductions.sum(x, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                                  initial=initial, where=None if where is True else where)
        no_out(what, out, initial=initial, where=None if where is True else where)
        if name == "prod":
            return reductions.prod(x, axis=axis, dtype=dtype, keepdims=keepdims)
        if dtype is not None:
            x = as_dtype(x, dtype, what)
        return getattr(reductions, name)(x, axis=axis, keepdims=keepdims)
    return impl


ufunc_method(np.add, "reduce")(_reduction("sum", "add"))
ufunc_method(np.multiply, "reduce")(_reduction("prod", "multiply"))
ufunc_method(np.maximum, "reduce")(_reduction("amax", "maximum"))
ufunc_method(np.minimum, "reduce")(_reduction("amin", "minimum"))


def _logaddexp_reduce(base):
    """logaddexp.reduce is logsumexp (in base 2: scaled by ln 2)."""
    scale = np.log(2.0) if base == 2 else 1.0
    name = "logaddexp2" if base == 2 else "logaddexp"

    def impl(x, axis=0, dtype=None, out=None, keepdims=False, **kwargs):
        no_out(f"np.{name}.reduce", out, **kwargs)
        x = arr(as_dtype(x, dtype, f"np.{name}.reduce"))
        res = special.logsumexp(x * scale if base == 2 else x, axis=axis, keepdims=keepdims)
        return res / scale if base == 2 else res
    return impl


def _other_reduction(uf, fn):
    """``uf.reduce`` as ``fn(x, axis, keepdims)``, for the ufuncs whose reduce is a function
    jaccli has (fmax.reduce ignores NaN: nanmax)."""
    def impl(x, axis=0, dtype=None, out=None, keepdims=False, **kwargs):
        no_out(f"np.{uf.__name__}.reduce", out, **kwargs)
        return fn(arr(as_dtype(x, dtype, f"np.{uf.__name__}.reduce")), axis, keepdims)
    ufunc_method(uf, "reduce")(impl)


def _subtract_reduce(x, axis, keepdims):
    """x[0] - x[1] - ... along ``axis`` = 2 x[0] - sum."""
    if axis is None or isinstance(axis, tuple) and len(axis) != 1:
        if x.ndim > 1 or isinstance(axis, tuple) and len(axis) > 1:
            raise ValueError("reduction operation 'subtract' is not reorderable, so at most "
                             "one axis may be specified")
        x, axis = x.reshape(-1), 0
    axis = axis[0] if isinstance(axis, tuple) else axis
    first = np.take(x, [0], axis=axis)
    res = 2.0 * first - np.sum(x, axis=axis, keepdims=True)
    return res if keepdims else np.squeeze(res, axis=axis)


_other_reduction(np.fmax, lambda x, axis, k: reductions.nanmax(x, axis=axis, keepdims=k))
_other_reduction(np.fmin, lambda x, axis, k: reductions.nanmin(x, axis=axis, keepdims=k))
_other_reduction(np.logical_and, lambda x, axis, k: reductions.all_(x, axis=axis, keepdims=k))
_other_reduction(np.logical_or, lambda x, axis, k: reductions.any_(x, axis=axis, keepdims=k))
_other_reduction(np.hypot, lambda x, axis, k: np.sqrt(np.sum(x * x, axis=axis, keepdims=k)))
_other_reduction(np.subtract, _subtract_reduce)
ufunc_method(np.logaddexp, "reduce")(_logaddexp_reduce(np.e))
ufunc_method(np.logaddexp2, "reduce")(_logaddexp_reduce(2))




@ufunc_method(np.add, "accumulate")
def _add_accumulate(x, axis=0, dtype=None, **kwargs):
    return reductions.cumsum(x, axis=axis, dtype=dtype)


@ufunc_method(np.multiply, "accumulate")
def _multiply_accumulate(x, axis=0, dtype=None, **kwargs):
    return reductions.cumprod(x, axis=axis, dtype=dtype)


def _running_extreme(uf):
    """maximum/minimum.accumulate: each entry a copy of the running extreme's element, whose
    position the values choose (read at this point, as argmax)."""
    def impl(x, axis=0, dtype=None, out=None):
        what = f"np.{uf.__name__}.accumulate"
        no_out(what, out)
        x = arr(as_dtype(x, dtype, what))
        note_value_read(x, what)
        v = np.moveaxis(to_host(concrete(x, what)), axis, -1)    # the index lives on the host
        reached = v == uf.accumulate(v, axis=-1)
        pos = np.maximum.accumulate(np.where(reached, np.arange(v.shape[-1]), 0), axis=-1)
        return np.take_along_axis(x, np.moveaxis(pos, -1, axis), axis=axis)
    return impl


ufunc_method(np.maximum, "accumulate")(_running_extreme(np.maximum))
ufunc_method(np.minimum, "accumulate")(_running_extreme(np.minimum))


def _outer(uf):
    def impl(x, y, **kwargs):
        x, y = arr(x), arr(y)
        return uf(x.reshape(x.shape + (1,) * y.ndim), y)
    return impl


for _uf in (np.add, np.subtract, np.multiply, np.true_divide, np.maximum, np.minimum,
            np.power):
    ufunc_method(_uf, "outer")(_outer(_uf))
