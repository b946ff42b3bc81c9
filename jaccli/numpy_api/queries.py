"""Functions that read values or shapes: argmax, nonzero, unique ... return plain arrays
computed from the traced value (using them to select or branch makes the graph valid only at
this point, which is recorded); np.where (its one-argument form is np.nonzero);
np.shape / ndim / size."""
import numpy as np

from ..dispatch import implements, method
from ..primitives.elementwise import where_p
from ..tracer import Tracer, bind
from .common import arr, concrete, note_value_read


def _value_reader(np_func, name):
    def impl(*args, **kwargs):
        for x in (*args, *kwargs.values()):
            note_value_read(x, name)
        plain = [concrete(x, name) for x in args]
        return np_func(*plain, **{k: concrete(v, name) for k, v in kwargs.items()})
    return implements(np_func)(impl)


for _f in (np.argmax, np.argmin, np.argsort, np.nonzero, np.count_nonzero, np.array_equal,
           np.searchsorted, np.argwhere, np.flatnonzero, np.unique):
    _value_reader(_f, f"np.{_f.__name__}")


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


for _name in ("argmax", "argmin", "argsort", "nonzero"):
    method(_name)(lambda self, *a, _f=getattr(np, _name), **k: _f(self, *a, **k))
