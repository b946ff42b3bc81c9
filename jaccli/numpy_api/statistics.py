"""Statistics: mean, var, std, ptp, average, the order statistics (median, percentile,
quantile), their NaN-ignoring versions, cov and corrcoef. All compositions of existing
primitives.

NOTE: order statistics (median, percentile, quantile) sort and then read two neighbouring
order statistics with NumPy's 'linear' rule: q-th value = s[lo] + g * (s[lo + 1] - s[lo]).
Their derivative is that of the entries that land there (ties: see sort).
"""
import numpy as np

from ..backend import to_host
from ..dispatch import implements, method
from ..errors import TracingError
from ..primitives import elementwise as ew
from ..rules import logical_axes
from ..tracer import Tracer, bind
from .common import arr, as_dtype, no_out, plain_index, value_of, without_nan
from .reductions import nansum, sum


# ---------------------------------------------------------------- moments

def _count(a, axis):
    return int(np.prod([a.shape[i] for i in logical_axes(axis, a.ndim)]))


@implements(np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """``where``: the mean of the entries inside it (NaN where a slice has none, as NumPy)."""
    no_out("np.mean", out)
    a = as_dtype(a, dtype, "np.mean", integers=False)
    if where is not None and where is not True:
        inside = np.broadcast_to(np.where(where, 1.0, 0.0), a.shape)
        return sum(a, axis, keepdims=keepdims, where=where) / sum(inside, axis, keepdims=keepdims)
    return sum(a, axis, keepdims=keepdims) / float(_count(a, axis))


@implements(np.var)
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    no_out("np.var", out, where=where, mean=mean)
    ddof = correction if correction is not None else ddof
    a = as_dtype(a, dtype, "np.var", integers=False)
    centred = a - globals()["mean"](a, axis, keepdims=True)
    return sum(_abs2(centred), axis, keepdims=keepdims) / float(_count(a, axis) - ddof)


def _abs2(c):
    """|c|^2 elementwise: c * c, or Re(c * conj(c)) for a complex c (NumPy's var is real)."""
    return np.real(c * np.conj(c)) if c.dtype.kind == "c" else c * c


@implements(np.std)
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    no_out("np.std", out, where=where, mean=mean)
    return bind(ew.sqrt0_p, var(a, axis, dtype, ddof=ddof, keepdims=keepdims,
                                correction=correction))


@implements(np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    no_out("np.ptp", out)
    return np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)


method("ptp")(lambda self, axis=None, out=None, keepdims=False: ptp(self, axis, out, keepdims))


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
    qv = np.asarray(to_host(value_of(q)), dtype=float) / scale    # read on the host
    if np.any(qv < 0) or np.any(qv > 1):
        raise ValueError("Quantiles must be in the range [0, 1]" if scale == 1 else
                         "Percentiles must be in the range [0, 100]")
    pos = (q / scale) * (n - 1) if type(q) is Tracer else qv * (n - 1)
    lo = np.clip(np.floor(pos), 0, max(n - 2, 0))
    if type(lo) is Tracer:                     # traced q: its interval is a recorded decision
        lo = plain_index(lo.astype(np.intp), name)
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


# ---------------------------------------------------------------- NaN-ignoring statistics
# NaN entries are left out with np.where; the counts of the others stay in the graph.

def _nan_count(a, axis, keepdims):
    return np.sum(np.where(np.isnan(arr(a)), 0.0, 1.0), axis=axis, keepdims=keepdims)


@implements(np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    no_out("np.nanmean", out, where=where)
    a = as_dtype(a, dtype, "np.nanmean", integers=False)
    return nansum(a, axis, keepdims=keepdims) / _nan_count(a, axis, keepdims)


@implements(np.nanvar)
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    no_out("np.nanvar", out, where=where, mean=mean)
    ddof = correction if correction is not None else ddof
    a = as_dtype(a, dtype, "np.nanvar", integers=False)
    centred = without_nan(arr(a) - nanmean(a, axis, keepdims=True), 0.0)
    return np.sum(_abs2(centred), axis=axis, keepdims=keepdims) / (
        _nan_count(a, axis, keepdims) - ddof)


@implements(np.nanstd)
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    return bind(ew.sqrt0_p, nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                          correction=correction))


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


# ---------------------------------------------------------------- covariance

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
    X = as_dtype(X, dtype, "np.cov", integers=False)
    fact = X.shape[1] - ddof
    Xc = X - np.mean(X, axis=1, keepdims=True)
    return np.squeeze(Xc @ np.conj(Xc.T) / float(fact))


@implements(np.corrcoef)
def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """cov / (std_i std_j); NumPy also clips to [-1, 1], which only moves rounding."""
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:
        return c / c
    std = np.sqrt(np.diagonal(c))
    return c / std[:, None] / std[None, :]


# ---------------------------------------------------------------- methods

method("mean")(lambda self, axis=None, dtype=None, out=None, keepdims=False, **kw:
               mean(self, axis, dtype, out, keepdims, **kw))


method("var")(lambda self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw:
              var(self, axis, dtype, out, ddof, keepdims, **kw))


method("std")(lambda self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw:
              std(self, axis, dtype, out, ddof, keepdims, **kw))
