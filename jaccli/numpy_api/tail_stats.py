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


# ---------------------------------------------------------------- calculus on samples

def _along(v, axis, ndim):
    """A 1-D array shaped to broadcast along ``axis`` of an ndim array."""
    return np.reshape(v, tuple(-1 if d == axis else 1 for d in range(ndim)))


def _sl(axis, ndim, s):
    return (slice(None),) * axis + (s,) + (slice(None),) * (ndim - axis - 1)


def _gradient_axis(f, h, axis, edge_order):
    """NumPy's second-order central differences along one axis; ``h`` a scalar spacing or
    1-D coordinates (traced or not)."""
    nd = f.ndim
    n = f.shape[axis]
    if n < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least (edge_order + 1) elements are required.")

    def at(s):
        return f[_sl(axis, nd, s)]

    if np.ndim(h) == 0:
        inner = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * h)
        if edge_order == 1:
            first = (at(slice(1, 2)) - at(slice(0, 1))) / h
            last = (at(slice(-1, None)) - at(slice(-2, -1))) / h
        else:
            first = (-1.5 * at(slice(0, 1)) + 2.0 * at(slice(1, 2)) - 0.5 * at(slice(2, 3))) / h
            last = (0.5 * at(slice(-3, -2)) - 2.0 * at(slice(-2, -1)) + 1.5 * at(slice(-1, None))) / h
    else:
        if np.ndim(h) != 1 or np.shape(h)[0] != n:
            raise ValueError("when 1d, distances must match the length of the corresponding "
                             "dimension")
        dx = np.diff(h)
        dx1, dx2 = dx[:-1], dx[1:]
        a = -dx2 / (dx1 * (dx1 + dx2))
        b = (dx2 - dx1) / (dx1 * dx2)
        c = dx1 / (dx2 * (dx1 + dx2))
        inner = (_along(a, axis, nd) * at(slice(None, -2)) + _along(b, axis, nd) * at(slice(1, -1))
                 + _along(c, axis, nd) * at(slice(2, None)))
        if edge_order == 1:
            first = (at(slice(1, 2)) - at(slice(0, 1))) / dx[0]
            last = (at(slice(-1, None)) - at(slice(-2, -1))) / dx[-1]
        else:
            d1, d2 = dx[0], dx[1]
            first = (-(2.0 * d1 + d2) / (d1 * (d1 + d2)) * at(slice(0, 1))
                     + (d1 + d2) / (d1 * d2) * at(slice(1, 2))
                     - d1 / (d2 * (d1 + d2)) * at(slice(2, 3)))
            d1, d2 = dx[-2], dx[-1]
            last = (d2 / (d1 * (d1 + d2)) * at(slice(-3, -2))
                    - (d2 + d1) / (d1 * d2) * at(slice(-2, -1))
                    + (2.0 * d2 + d1) / (d2 * (d1 + d2)) * at(slice(-1, None)))
    return np.concatenate([first, inner, last], axis=axis)


@implements(np.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    f = arr(f)
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    axes = tuple(range(f.ndim)) if axis is None else tuple(
        logical_axes(a, f.ndim)[0] for a in ((axis,) if isinstance(axis, int) else axis))
    if not varargs:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    out = tuple(_gradient_axis(f, arr(h), ax, edge_order) for h, ax in zip(spacing, axes))
    return out[0] if len(out) == 1 else out


@implements(np.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = arr(y)
    axis = logical_axes(axis, y.ndim)[0]
    nd = y.ndim
    if x is None:
        d = dx
    else:
        x = arr(x)
        d = _along(np.diff(x), axis, nd) if x.ndim == 1 else np.diff(x, axis=axis)
    pairs = y[_sl(axis, nd, slice(1, None))] + y[_sl(axis, nd, slice(None, -1))]
    return np.sum(d * pairs / 2.0, axis=axis)


if hasattr(np, "trapz"):
    implements(np.trapz)(trapezoid)


@implements(np.interp)
def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise linear interpolation, differentiable in ``x``, ``fp`` (and ``xp``). The
    interval each x falls in is counted in the graph (``sum(x >= xp)``) and read as an index:
    a recorded decision, as for a traced index, so the Jacobian at other points is computed
    where the intervals are the same."""
    if period is not None:
        raise TracingError("np.interp(period=...) is not supported by jaccli.")
    x, xp, fp = arr(x), arr(xp), arr(fp)
    if xp.ndim != 1 or fp.ndim != 1 or xp.shape != fp.shape:
        raise ValueError("fp and xp are not of the same length.")
    n = xp.shape[0]
    if n == 0:
        raise ValueError("array of sample points is empty")
    k = np.sum(np.reshape(x, x.shape + (1,)) >= xp, axis=-1)
    k = np.asarray(_plain_index_part(k, "np.interp"))
    if n == 1:
        y = fp[np.zeros(k.shape, dtype=np.intp)] + 0.0 * x
    else:
        j = np.clip(k - 1, 0, n - 2)
        x0, x1, y0, y1 = xp[j], xp[j + 1], fp[j], fp[j + 1]
        y = y0 + (y1 - y0) / (x1 - x0) * (x - x0)
    lo = fp[0] if left is None else left
    hi = fp[-1] if right is None else right
    return np.where(x < xp[0], lo, np.where(x > xp[-1], hi, y))


# ---------------------------------------------------------------- covariance, polynomials

@implements(np.cov)
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        *, dtype=None):
    if fweights is not None or aweights is not None:
        raise TracingError("np.cov: fweights= and aweights= are not supported by jaccli.")
    X = np.atleast_2d(arr(m))
    if not rowvar and X.shape[0] != 1:
        X = X.T
    if y is not None:
        Y = np.atleast_2d(arr(y))
        if not rowvar and Y.shape[0] != 1:
            Y = Y.T
        X = np.concatenate([X, Y], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    fact = X.shape[1] - ddof
    Xc = X - np.mean(X, axis=1, keepdims=True)
    return np.squeeze(Xc @ Xc.T / float(fact))


@implements(np.corrcoef)
def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """cov / (std_i std_j); NumPy also clips to [-1, 1], which only moves rounding."""
    c = cov(x, y, rowvar)
    if c.ndim == 0:
        return c / c
    std = np.sqrt(np.diagonal(c))
    return c / std[:, None] / std[None, :]


@implements(np.polyval)
def polyval(p, x):
    """Horner's rule, differentiable in the coefficients and in x."""
    p, x = arr(p), arr(x)
    y = np.zeros_like(x, dtype=float)
    for k in range(p.shape[0]):
        y = y * x + p[k]
    return y


@implements(np.vander)
def vander(x, N=None, increasing=False):
    """Powers by cumulative products (exact derivatives at x = 0, where x**0 would not be)."""
    x = arr(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    N = x.shape[0] if N is None else int(N)
    cols = np.broadcast_to(np.reshape(x, (-1, 1)), (x.shape[0], max(N - 1, 0)))
    powers = np.concatenate([np.ones((x.shape[0], 1)), np.cumprod(cols, axis=1)], axis=1)
    powers = powers[:, :N]
    return powers if increasing else powers[:, ::-1]
