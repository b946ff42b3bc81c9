"""Functions that read values or shapes: argmax, nonzero, unique ... return plain arrays
computed from the traced value (using them to select or branch makes the graph valid only at
this point, which is recorded); np.where (its one-argument form is np.nonzero);
np.shape / ndim / size."""
import numpy as np

from ..dispatch import implements, method
from ..primitives.elementwise import where_p
from ..tracer import bind
from ..errors import TracingError
from .common import arr, concrete, is_traced, note_value_read, value_of


def _value_reader(np_func, name):
    def impl(*args, **kwargs):
        for x in (*args, *kwargs.values()):
            note_value_read(x, name)
        plain = [concrete(x, name) for x in args]
        return np_func(*plain, **{k: concrete(v, name) for k, v in kwargs.items()})
    return implements(np_func)(impl)


for _f in (np.argmax, np.argmin, np.argsort, np.nonzero, np.count_nonzero, np.array_equal,
           np.searchsorted, np.argwhere, np.flatnonzero):
    _value_reader(_f, f"np.{_f.__name__}")


@implements(np.unique)
def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):
    """The sorted distinct values, each the traced element of its first occurrence (a
    gather), so the derivative flows; index, inverse and counts are plain integer arrays
    (not differentiable). The graph holds at this point only (the values chose the gather)."""
    if not is_traced(ar):
        plain = value_of(ar)
        return np.unique(plain, return_index, return_inverse, return_counts, axis,
                         equal_nan=equal_nan)
    if axis is not None:
        raise TracingError("np.unique(axis=...) of a traced array is not supported by jaccli.")
    note_value_read(ar, "np.unique")
    values, index, inverse, counts = np.unique(ar.fresh_value, True, True, True,
                                               equal_nan=equal_nan)
    # Repeated values: each distinct value is the element at its first occurrence. Which
    # elements those are, and how many, the values decide (read above: local pattern).
    out = [arr(ar).ravel()[index]]
    out += [r for r, want in ((index, return_index), (inverse, return_inverse),
                              (counts, return_counts)) if want]
    return out[0] if len(out) == 1 else tuple(out)


@implements(np.where)
def where(condition, x=None, y=None):
    if x is None and y is None:
        note_value_read(condition, "np.where(condition)")
        return np.nonzero(concrete(condition, "np.where(condition)"))
    return bind(where_p, arr(condition), x, y)


@implements(np.shape)
def shape(a):
    return arr(a).shape


@implements(np.ndim)
def ndim(a):
    return arr(a).ndim


@implements(np.size)
def size(a, axis=None):
    return arr(a).size if axis is None else arr(a).shape[axis]


for _name in ("argmax", "argmin", "argsort", "nonzero", "searchsorted"):
    method(_name)(lambda self, *a, _f=getattr(np, _name), **k: _f(self, *a, **k))
