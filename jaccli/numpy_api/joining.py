"""Joining and splitting: concatenate, the stacks, append, and the splits. Joins are the
concatenate primitive; splits are slices (getitem)."""
import numpy as np

from ..dispatch import implements
from ..errors import TracingError
from ..primitives.shape import concatenate_p
from ..tracer import bind
from .common import arr, normalize_axis
from .indexing import getitem
from .shape import expand_dims, ravel, reshape


# ---------------------------------------------------------------- joining

@implements(np.concatenate)
def concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    if out is not None:
        raise TracingError("np.concatenate(..., out=...) is not supported; assign the result.")
    arrays = [arr(a) for a in arrays]
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    axis = normalize_axis(axis, arrays[0].ndim)
    if len(arrays) == 1:
        return arrays[0]
    return bind(concatenate_p, *arrays, axis=axis)


@implements(np.stack)
def stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = [arr(a) for a in arrays]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis(axis, arrays[0].ndim + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis, out=out)


@implements(np.hstack)
def hstack(tup, dtype=None, casting="same_kind"):
    arrays = [np.atleast_1d(a) for a in tup]
    return concatenate(arrays, axis=0 if arrays[0].ndim == 1 else 1)


@implements(np.vstack)
def vstack(tup, dtype=None, casting="same_kind"):
    return concatenate([np.atleast_2d(a) for a in tup], axis=0)


@implements(np.dstack)
def dstack(tup):
    return np.concatenate([np.atleast_3d(a) for a in tup], axis=2)


if hasattr(np, "row_stack"):            # deprecated alias of vstack; it calls vstack itself
    implements(np.row_stack)(lambda tup, **kwargs: np.vstack(tup, **kwargs))


@implements(np.column_stack)
def column_stack(tup):
    cols = [reshape(arr(a), (-1, 1)) if arr(a).ndim < 2 else arr(a) for a in tup]
    return concatenate(cols, axis=1)


@implements(np.append)
def append(arr_, values, axis=None):
    a, v = arr(arr_), arr(values)
    if axis is None:
        return np.concatenate([np.ravel(a), np.ravel(v)])
    return np.concatenate([a, v], axis=axis)


# ---------------------------------------------------------------- splitting

@implements(np.split)
def split(ary, indices_or_sections, axis=0):
    a = arr(ary)
    if isinstance(indices_or_sections, (int, np.integer)) and \
            a.shape[normalize_axis(axis, a.ndim)] % int(indices_or_sections):
        raise ValueError("array split does not result in an equal division")
    return array_split(a, indices_or_sections, axis)


@implements(np.array_split)
def array_split(ary, indices_or_sections, axis=0):
    a = arr(ary)
    axis = normalize_axis(axis, a.ndim)
    n = a.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        base, extra = divmod(n, k)
        sizes = [base + 1] * extra + [base] * (k - extra)
        bounds = np.cumsum([0] + sizes)
    else:
        bounds = [0] + [min(int(i), n) for i in indices_or_sections] + [n]
    lead = (slice(None),) * axis
    return [getitem(a, lead + (slice(int(lo), max(int(lo), int(hi))),))
            for lo, hi in zip(bounds[:-1], bounds[1:])]


@implements(np.hsplit)
def hsplit(ary, indices_or_sections):
    a = arr(ary)
    if a.ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(a, indices_or_sections, axis=1 if a.ndim > 1 else 0)


def _split_on(axis, name):
    def impl(ary, indices_or_sections):
        a = arr(ary)
        if a.ndim <= axis:
            raise ValueError(f"{name} only works on arrays of {axis + 1} or more dimensions")
        return split(a, indices_or_sections, axis=axis)
    return impl


implements(np.vsplit)(_split_on(0, "vsplit"))


implements(np.dsplit)(_split_on(2, "dsplit"))
