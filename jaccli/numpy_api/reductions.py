"""Reductions and scans: sum, prod, max, min, any, all, cumsum, cumprod, diff, trace, their
NaN-ignoring versions, cumulative_sum/prod, ediff1d."""
import numpy as np

from ..dispatch import implements, method
from ..errors import TracingError
from ..primitives.reductions import (all_p, amax_p, amin_p, any_p, cumprod_p, cumsum_p, prod_p,
                                     sum_p)
from ..rules import logical_axes
from ..tracer import bind
from .common import arr, as_dtype, cast_result, no_out, without_nan
from .shape import reshape, transpose


def _reduce(p, a, axis, keepdims):
    a = arr(a)
    axes = logical_axes(axis, a.ndim)
    if not axes and not keepdims:
        return a
    return bind(p, a, axes=axes, keepdims=bool(keepdims))


@implements(np.sum)
def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """``where``: entries outside it count as 0; ``initial``: added to each sum."""
    no_out("np.sum", out)
    a = as_dtype(a, dtype, "np.sum")
    if where is not None and where is not True:
        a = np.where(where, a, 0)
    res = _reduce(sum_p, a, axis, keepdims)
    if initial is not None and initial is not np._NoValue:
        res = res + initial
    return cast_result(res, dtype)


@implements(np.max, np.amax)
def amax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.max", out, initial=initial, where=where)
    return _reduce(amax_p, a, axis, keepdims)


@implements(np.min, np.amin)
def amin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.min", out, initial=initial, where=where)
    return _reduce(amin_p, a, axis, keepdims)


@implements(np.prod)
def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Moves the reduced axes to the end, flattens them and takes one product per row."""
    no_out("np.prod", out, initial=initial, where=where)
    if dtype is not None:
        return cast_result(prod(as_dtype(a, dtype, "np.prod"), axis, None, None, keepdims),
                           dtype)
    a = arr(a)
    axes = logical_axes(axis, a.ndim)
    kept = [d for d in range(a.ndim) if d not in axes]
    moved = transpose(a, kept + list(axes))
    flat = reshape(moved, tuple(a.shape[d] for d in kept) + (-1,))
    res = bind(prod_p, flat)
    if keepdims:
        res = reshape(res, tuple(1 if d in axes else a.shape[d] for d in range(a.ndim)))
    return res


def _scan(p, a, axis):
    a = arr(a)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    return bind(p, a, axis=logical_axes(axis, a.ndim)[0])


@implements(np.cumsum)
def cumsum(a, axis=None, dtype=None, out=None):
    no_out("np.cumsum", out)
    return cast_result(_scan(cumsum_p, as_dtype(a, dtype, "np.cumsum"), axis), dtype)


@implements(np.cumprod)
def cumprod(a, axis=None, dtype=None, out=None):
    no_out("np.cumprod", out)
    return cast_result(_scan(cumprod_p, as_dtype(a, dtype, "np.cumprod"), axis), dtype)


@implements(np.diff)
def diff(a, n=1, axis=-1, prepend=None, append=None):
    if prepend is not None or append is not None:
        raise TracingError("np.diff: prepend= and append= are not supported by jaccli.")
    a = arr(a)
    axis = logical_axes(axis, a.ndim)[0]
    lead = (slice(None),) * axis
    for _ in range(n):
        a = a[lead + (slice(1, None),)] - a[lead + (slice(None, -1),)]
    return a


@implements(np.trace)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    no_out("np.trace", out)
    return sum(np.diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


# ---------------------------------------------------------------- boolean tests
# They stay in the graph, so `if np.any(x > 0):` is a decision re-checkable per point.

@implements(np.any)
def any_(a, axis=None, out=None, keepdims=False, *, where=None):
    no_out("np.any", out, where=where)
    return _reduce(any_p, a != 0, axis, keepdims)


@implements(np.all)
def all_(a, axis=None, out=None, keepdims=False, *, where=None):
    no_out("np.all", out, where=where)
    return _reduce(all_p, a != 0, axis, keepdims)


# ---------------------------------------------------------------- NaN-ignoring reductions
# NaN entries are replaced by the reduction's neutral element with np.where, so the
# derivative flows only through the finite entries.

@implements(np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.nansum", out, initial=initial, where=where)
    return np.sum(without_nan(a, 0.0), axis=axis, dtype=dtype, keepdims=keepdims)


@implements(np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.nanprod", out, initial=initial, where=where)
    return np.prod(without_nan(a, 1.0), axis=axis, dtype=dtype, keepdims=keepdims)


@implements(np.nanmax)
def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.nanmax", out, initial=initial, where=where)
    return np.max(without_nan(a, -np.inf), axis=axis, keepdims=keepdims)


@implements(np.nanmin)
def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.nanmin", out, initial=initial, where=where)
    return np.min(without_nan(a, np.inf), axis=axis, keepdims=keepdims)


@implements(np.nancumsum)
def nancumsum(a, axis=None, dtype=None, out=None):
    no_out("np.nancumsum", out)
    return np.cumsum(without_nan(a, 0.0), axis=axis, dtype=dtype)


@implements(np.nancumprod)
def nancumprod(a, axis=None, dtype=None, out=None):
    no_out("np.nancumprod", out)
    return np.cumprod(without_nan(a, 1.0), axis=axis, dtype=dtype)


# ---------------------------------------------------------------- scans

def _cumulative(scan, neutral):
    def impl(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        x = arr(x)
        no_out(f"np.{scan.__name__}", out)
        if axis is None:
            if x.ndim > 1:
                raise ValueError("axis must be specified for arrays of more than one dimension")
            axis = 0
        res = scan(x, axis=axis, dtype=dtype)
        if include_initial:
            ax = logical_axes(axis, x.ndim)[0]
            shape = tuple(1 if d == ax else n for d, n in enumerate(x.shape))
            res = np.concatenate([np.full(shape, neutral, dtype=res.dtype), res], axis=ax)
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


# ---------------------------------------------------------------- methods

method("sum")(lambda self, axis=None, dtype=None, out=None, keepdims=False, **kw:
              sum(self, axis, dtype, out, keepdims, **kw))


method("max")(lambda self, axis=None, out=None, keepdims=False, **kw:
              amax(self, axis, out, keepdims, **kw))


method("min")(lambda self, axis=None, out=None, keepdims=False, **kw:
              amin(self, axis, out, keepdims, **kw))


method("prod")(lambda self, axis=None, dtype=None, out=None, keepdims=False, **kw:
               prod(self, axis, dtype, out, keepdims, **kw))


method("cumsum")(lambda self, axis=None, dtype=None, out=None: cumsum(self, axis, dtype, out))


method("cumprod")(lambda self, axis=None, dtype=None, out=None: cumprod(self, axis, dtype, out))


method("trace")(lambda self, offset=0, axis1=0, axis2=1, dtype=None, out=None:
                trace(self, offset, axis1, axis2, dtype, out))


method("any")(lambda self, axis=None, out=None, keepdims=False: any_(self, axis, out, keepdims))


method("all")(lambda self, axis=None, out=None, keepdims=False: all_(self, axis, out, keepdims))
