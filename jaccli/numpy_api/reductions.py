"""Reductions and scans (sum, mean, var, std, prod, max, min, cumsum, cumprod, diff, trace),
``where``/``clip``/``round``, and the value-reading functions (argmax, nonzero, any, ...)."""
import numpy as np

from ..errors import TracingError
from ..primitives.elementwise import maximum_p, minimum_p, round_p, sqrt0_p, where_p
from ..primitives.reductions import (all_p, amax_p, amin_p, any_p, cumprod_p, cumsum_p, prod_p,
                                     sum_p)
from ..rules import logical_axes
from ..tracer import Tracer, bind
from ._dispatch import arr, implements, method, no_out, note_value_read
from .shape import reshape, transpose


def _reduce(p, a, axis, keepdims):
    a = arr(a)
    axes = logical_axes(axis, a.ndim)
    if not axes and not keepdims:
        return a
    return bind(p, a, axes=axes, keepdims=bool(keepdims))


def _count(a, axis):
    return int(np.prod([a.shape[i] for i in logical_axes(axis, a.ndim)]))


@implements(np.sum)
def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    no_out("np.sum", out, initial=initial, where=where)
    return _reduce(sum_p, a, axis, keepdims)


@implements(np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    no_out("np.mean", out, where=where)
    a = arr(a)
    return sum(a, axis, keepdims=keepdims) / float(_count(a, axis))


@implements(np.var)
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    no_out("np.var", out, where=where, mean=mean)
    ddof = correction if correction is not None else ddof
    a = arr(a)
    centred = a - globals()["mean"](a, axis, keepdims=True)
    return sum(centred * centred, axis, keepdims=keepdims) / float(_count(a, axis) - ddof)


@implements(np.std)
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    no_out("np.std", out, where=where, mean=mean)
    return bind(sqrt0_p, var(a, axis, ddof=ddof, keepdims=keepdims, correction=correction))


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
    return _scan(cumsum_p, a, axis)


@implements(np.cumprod)
def cumprod(a, axis=None, dtype=None, out=None):
    no_out("np.cumprod", out)
    return _scan(cumprod_p, a, axis)


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
    return sum(np.diagonal(a, offset, axis1, axis2), axis=-1)


# ---------------------------------------------------------------- where, clip, round

@implements(np.where)
def where(condition, x=None, y=None):
    if x is None and y is None:
        note_value_read(condition, "np.where(condition)")
        return np.nonzero(condition.fresh_value if type(condition) is Tracer else condition)
    return bind(where_p, arr(condition), x, y)


@implements(np.clip)
def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):
    no_out("np.clip", out)
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is not None:
        a = bind(maximum_p, a, lo)
    if hi is not None:
        a = bind(minimum_p, a, hi)
    return a


@implements(np.round, np.around)
def round_(a, decimals=0, out=None):
    no_out("np.round", out)
    return bind(round_p, a, decimals=decimals)


# ---------------------------------------------------------------- functions that read values
# Their results are plain arrays computed from the traced value: using them to select or
# branch makes the graph valid only at this point, which is recorded.

def _value_reader(np_func, name):
    def impl(*args, **kwargs):
        for x in (*args, *kwargs.values()):
            note_value_read(x, name)
        plain = [x.fresh_value if type(x) is Tracer else x for x in args]
        return np_func(*plain, **{k: v.fresh_value if type(v) is Tracer else v
                                  for k, v in kwargs.items()})
    return implements(np_func)(impl)


for _f in (np.argmax, np.argmin, np.argsort, np.nonzero, np.count_nonzero, np.array_equal,
           np.searchsorted, np.argwhere, np.flatnonzero, np.unique):
    _value_reader(_f, f"np.{_f.__name__}")


# Boolean tests stay in the graph, so `if np.any(x > 0):` is a decision re-checkable per point.

@implements(np.any)
def any_(a, axis=None, out=None, keepdims=False, *, where=None):
    no_out("np.any", out, where=where)
    return _reduce(any_p, a != 0, axis, keepdims)


@implements(np.all)
def all_(a, axis=None, out=None, keepdims=False, *, where=None):
    no_out("np.all", out, where=where)
    return _reduce(all_p, a != 0, axis, keepdims)


@implements(np.isclose)
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    close = np.abs(a - b) <= atol + rtol * np.abs(b)
    return close | (np.isnan(a) & np.isnan(b)) if equal_nan else close


@implements(np.allclose)
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return all_(isclose(a, b, rtol, atol, equal_nan))


@implements(np.shape)
def shape(a):
    return arr(a).shape


@implements(np.ndim)
def ndim(a):
    return arr(a).ndim


@implements(np.size)
def size(a, axis=None):
    return arr(a).size if axis is None else arr(a).shape[axis]


@implements(np.real, np.conj, np.conjugate)
def real(a):
    return a


# ---------------------------------------------------------------- methods

method("sum")(lambda self, axis=None, dtype=None, out=None, keepdims=False, **kw:
              sum(self, axis, dtype, out, keepdims, **kw))
method("mean")(lambda self, axis=None, dtype=None, out=None, keepdims=False, **kw:
               mean(self, axis, dtype, out, keepdims, **kw))
method("var")(lambda self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw:
              var(self, axis, dtype, out, ddof, keepdims, **kw))
method("std")(lambda self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw:
              std(self, axis, dtype, out, ddof, keepdims, **kw))
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
method("clip")(lambda self, min=None, max=None, out=None, **kw: clip(self, min, max, out, **kw))
method("round")(lambda self, decimals=0, out=None: round_(self, decimals, out))
method("conj")(real)
method("conjugate")(real)
method("any")(lambda self, axis=None, out=None, keepdims=False: any_(self, axis, out, keepdims))
method("all")(lambda self, axis=None, out=None, keepdims=False: all_(self, axis, out, keepdims))
for _name in ("argmax", "argmin", "argsort", "nonzero"):
    method(_name)(lambda self, *a, _f=getattr(np, _name), **k: _f(self, *a, **k))
Tracer.real = property(real)
Tracer.imag = property(lambda self: np.zeros_like(self))
