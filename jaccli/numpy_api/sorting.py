"""Sorting: np.sort and np.partition (a full sort) on the sort primitive. argsort and
searchsorted read values (see queries.py)."""
import numpy as np

from ..dispatch import implements, method
from ..errors import TracingError
from ..primitives.shape import sort_p
from ..tracer import bind
from .common import arr, normalize_axis
from .shape import moveaxis, ravel


@implements(np.sort)
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
    moved = moveaxis(a, axis, -1)
    return moveaxis(bind(sort_p, moved), -1, axis)


@method("sort")
def _sort_inplace(self, axis=-1, kind=None, order=None):
    new = sort(self, axis)
    self[...] = new


@implements(np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """A full sort is a valid partition: every kth entry is in its sorted place, smaller ones
    before, larger after. NOTE: the order *within* the two sides is NumPy's (unspecified)
    choice and differs; code that relies only on the partition contract gets the same
    values and derivatives."""
    if order is not None:
        raise TracingError("np.partition(order=...) is not supported by jaccli.")
    return np.sort(a, axis=axis)


method("partition")(lambda self, kth, axis=-1, kind="introselect", order=None:
                    self._assign(partition(self, kth, axis, kind, order)))
