"""The elementwise and statistics tail: sinc, nan_to_num, radians/degrees, ptp, average,
median/percentile/quantile, the nan-reductions, gradient, trapezoid, interp, cov/corrcoef,
polyval, vander, ediff1d, cumulative_sum/prod. All compositions of existing primitives.

NOTE: order statistics (median, percentile, quantile) sort and then read two neighbouring
order statistics with NumPy's 'linear' rule: q-th value = s[lo] + g * (s[lo + 1] - s[lo]).
Their derivative is that of the entries that land there (ties: see sort).
"""
import numpy as np

from ..errors import TracingError
from ..primitives import elementwise as ew
from ..rules import logical_axes
from ..tracer import Tracer, bind
from ._dispatch import arr, implements, no_out
from .indexing import _plain_index_part
from .ufuncs import _register

_register(np.radians, ew.deg2rad_p)
_register(np.degrees, ew.rad2deg_p)


# ---------------------------------------------------------------- elementwise

@implements(np.sinc)
def sinc(x):
    """sin(pi x) / (pi x), 1 at 0 (where its derivative is 0 as well)."""
    x = arr(x)
    zero = x == 0
    safe = np.where(zero, 1.0, np.pi * x)
    return np.where(zero, 1.0, np.sin(safe) / safe)


@implements(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    x = arr(x)
    big = np.finfo(x.dtype).max if x.dtype.kind == "f" else np.finfo(float).max
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    inf = np.isinf(x)
    out = np.where(inf & (x > 0), posinf, np.where(inf & (x < 0), neginf, x))
    return np.where(np.isnan(x), nan, out)


# ---------------------------------------------------------------- simple statistics

@implements(np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    no_out("np.ptp", out)
    return np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)


@implements(np.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """sum(a * w) / sum(w) over ``axis``; weights traced or not (1-D weights along one axis,
    or weights of a's shape)."""
    a = arr(a)
    if weights is None:
        avg = np.mean(a, axis=axis, keepdims=keepdims)
        count = a.size / max(np.size(avg), 1)
        scl = np.full(np.shape(avg), float(count))
    else:
        w = arr(weights)
        if w.shape != a.shape:
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if w.ndim != 1 or not isinstance(axis, (int, np.integer)):
                raise TracingError("np.average: weights must have a's shape, or be 1-D along "
                                   "one axis (jaccli).")
            ax = logical_axes(axis, a.ndim)[0]
            if w.shape[0] != a.shape[ax]:
                raise ValueError("Length of weights not compatible with specified axis.")
            w = np.reshape(w, tuple(-1 if d == ax else 1 for d in range(a.ndim)))
        scl = np.sum(w, axis=axis, keepdims=keepdims)
        avg = np.sum(a * w, axis=axis, keepdims=keepdims) / scl
    if returned:
        scl = np.broadcast_to(scl, np.shape(avg))
        return avg, (scl.copy() if type(scl) is Tracer else np.array(scl))
    return avg


# ---------------------------------------------------------------- order statistics

def _order_stat(a, q, axis, keepdims, method, scale, name):
    if method != "linear":
        raise TracingError(f"{name}(method={method!r}) is not supported by jaccli; only "
                           "'linear' (the default).")
    a = arr(a)
    axes = logical_axes(axis, a.ndim)
    kept = [d for d in range(a.ndim) if d not in axes]
    flat = np.reshape(np.transpose(a, kept + list(axes)), tuple(a.shape[d] for d in kept) + (-1,))
    n = flat.shape[-1]
    if n == 0:
        raise ValueError(f"{name} of an empty slice")
    qv = np.asarray(q.value if type(q) is Tracer else q, dtype=float) / scale
    if np.any(qv < 0) or np.any(qv > 1):
        raise ValueError("Quantiles must be in the range [0, 1]" if scale == 1 else
                         "Percentiles must be in the range [0, 100]")
    pos = (q / scale) * (n - 1) if type(q) is Tracer else qv * (n - 1)
    lo = np.clip(np.floor(pos), 0, max(n - 2, 0))
    if type(lo) is Tracer:                     # traced q: its interval is a recorded decision
        lo = _plain_index_part(lo.astype(np.intp), name)
    lo = np.asarray(lo, dtype=np.intp)
    gamma = pos - lo
    hi = np.minimum(lo + 1, n - 1)
    s = np.sort(flat, axis=-1)
    v_lo, v_hi = s[..., lo], s[..., hi]
    res = v_lo + gamma * (v_hi - v_lo)         # shape kept + q.shape
    qnd = qv.ndim
    if qnd:
        res = np.moveaxis(res, tuple(range(-qnd, 0)), tuple(range(qnd)))
    if keepdims:
        res = np.reshape(res, qv.shape + tuple(1 if d in axes else a.shape[d]
                                               for d in range(a.ndim)))
    return res


@implements(np.quantile)
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    no_out("np.quantile", out, weights=weights, interpolation=interpolation)
    return _order_stat(a, q, axis, keepdims, method, 1.0, "np.quantile")


@implements(np.percentile)
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    no_out("np.percentile", out, weights=weights, interpolation=interpolation)
    return _order_stat(a, q, axis, keepdims, method, 100.0, "np.percentile")


@implements(np.median)
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    no_out("np.median", out)
    return _order_stat(a, 0.5, axis, keepdims, "linear", 1.0, "np.median")


# ---------------------------------------------------------------- nan-reductions
# NaN entries are replaced by the reduction's neutral element with np.where, so the
# derivative flows only through the finite entries; counts stay in the graph (per point).

def _without_nan(a, fill):
    a = arr(a)
    return np.where(np.isnan(a), fill, a)


def _count(a, axis, keepdims):
    return np.sum(np.where(np.isnan(arr(a)), 0.0, 1.0), axis=axis, keepdims=keepdims)


@implements(np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.nansum", out, initial=initial, where=where)
    return np.sum(_without_nan(a, 0.0), axis=axis, keepdims=keepdims)


@implements(np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.nanprod", out, initial=initial, where=where)
    return np.prod(_without_nan(a, 1.0), axis=axis, keepdims=keepdims)


@implements(np.nanmax)
def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.nanmax", out, initial=initial, where=where)
    return np.max(_without_nan(a, -np.inf), axis=axis, keepdims=keepdims)


@implements(np.nanmin)
def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.nanmin", out, initial=initial, where=where)
    return np.min(_without_nan(a, np.inf), axis=axis, keepdims=keepdims)


@implements(np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    no_out("np.nanmean", out, where=where)
    return nansum(a, axis, keepdims=keepdims) / _count(a, axis, keepdims)


@implements(np.nanvar)
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    no_out("np.nanvar", out, where=where, mean=mean)
    ddof = correction if correction is not None else ddof
    centred = _without_nan(arr(a) - nanmean(a, axis, keepdims=True), 0.0)
    return np.sum(centred * centred, axis=axis, keepdims=keepdims) / (
        _count(a, axis, keepdims) - ddof)


@implements(np.nanstd)
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    return bind(ew.sqrt0_p, nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                          correction=correction))


@implements(np.nancumsum)
def nancumsum(a, axis=None, dtype=None, out=None):
    no_out("np.nancumsum", out)
    return np.cumsum(_without_nan(a, 0.0), axis=axis)


@implements(np.nancumprod)
def nancumprod(a, axis=None, dtype=None, out=None):
    no_out("np.nancumprod", out)
    return np.cumprod(_without_nan(a, 1.0), axis=axis)


def _no_nan(a, name):
    """NaN-aware order statistics equal the plain ones where no entry is NaN; that is a
    recorded decision (re-checked at other points), NaN entries are refused."""
    if np.any(np.isnan(a)):
        raise TracingError(f"{name} of an array holding NaN is not supported by jaccli (the "
                           "number of entries per slice would change the graph).")


@implements(np.nanmedian)
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    _no_nan(a, "np.nanmedian")
    return median(a, axis, out, keepdims=keepdims)


@implements(np.nanquantile)
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None, interpolation=None):
    _no_nan(a, "np.nanquantile")
    return quantile(a, q, axis, out, method=method, keepdims=keepdims, weights=weights,
                    interpolation=interpolation)


@implements(np.nanpercentile)
def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None, interpolation=None):
    _no_nan(a, "np.nanpercentile")
    return percentile(a, q, axis, out, method=method, keepdims=keepdims, weights=weights,
                      interpolation=interpolation)


# ---------------------------------------------------------------- scans

def _cumulative(scan, neutral):
    def impl(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        x = arr(x)
        no_out(f"np.{scan.__name__}", out)
        if axis is None:
            if x.ndim > 1:
                raise ValueError("axis must be specified for arrays of more than one dimension")
            axis = 0
        res = scan(x, axis=axis)
        if include_initial:
            ax = logical_axes(axis, x.ndim)[0]
            shape = tuple(1 if d == ax else n for d, n in enumerate(x.shape))
            res = np.concatenate([np.full(shape, float(neutral)), res], axis=ax)
        return res
    return impl


if hasattr(np, "cumulative_sum"):
    implements(np.cumulative_sum)(_cumulative(np.cumsum, 0))
    implements(np.cumulative_prod)(_cumulative(np.cumprod, 1))


@implements(np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    d = np.diff(np.ravel(arr(ary)))
    parts = [np.ravel(arr(p)) for p in (to_begin,) if p is not None] + [d] + \
            [np.ravel(arr(p)) for p in (to_end,) if p is not None]
    return np.concatenate(parts) if len(parts) > 1 else d
