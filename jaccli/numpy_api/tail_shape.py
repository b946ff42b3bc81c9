"""The shape and indexing tail: splits and stacks, rot90/rollaxis/append, select,
take_along_axis/put_along_axis, meshgrid, linspace with traced endpoints, partition.
All are compositions of existing functions (and so of existing primitives): their JVP, VJP and
batching come from those."""
import numpy as np

from ..errors import TracingError
from ..tracer import Tracer
from ._dispatch import arr, implements, method
from .indexing import _plain_index_part
from .shape import _axis, split


# ---------------------------------------------------------------- splitting and stacking

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


@implements(np.dstack)
def dstack(tup):
    return np.concatenate([np.atleast_3d(a) for a in tup], axis=2)


if hasattr(np, "row_stack"):            # deprecated alias of vstack; it calls vstack itself
    implements(np.row_stack)(lambda tup, **kwargs: np.vstack(tup, **kwargs))


@implements(np.append)
def append(arr_, values, axis=None):
    a, v = arr(arr_), arr(values)
    if axis is None:
        return np.concatenate([np.ravel(a), np.ravel(v)])
    return np.concatenate([a, v], axis=axis)


# ---------------------------------------------------------------- rotations and axes

@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """NumPy's own definition: flips and one transpose."""
    m = arr(m)
    a0, a1 = (_axis(x, m.ndim) for x in axes)
    if a0 == a1:
        raise ValueError("Axes must be different.")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return np.flip(np.flip(m, a0), a1)
    perm = list(range(m.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return np.transpose(np.flip(m, a1), perm) if k == 1 else np.flip(np.transpose(m, perm), a1)


@implements(np.rollaxis)
def rollaxis(a, axis, start=0):
    a = arr(a)
    n = a.ndim
    axis = _axis(axis, n)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(f"'start' arg requires {-n} <= start < {n + 1}")
    if axis < start:
        start -= 1
    if axis == start:
        return a
    order = [i for i in range(n) if i != axis]
    order.insert(start, axis)
    return np.transpose(a, order)


# ---------------------------------------------------------------- selection

@implements(np.select)
def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    result = default
    for cond, choice in zip(condlist[::-1], choicelist[::-1]):
        result = np.where(cond, choice, result)
    return result


def _along_axis_index(shape, indices, axis):
    """The fancy index that ``take_along_axis`` applies: ``indices`` on ``axis``, aranges
    (broadcast against it) on every other axis."""
    if len(shape) != indices.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    index = []
    for d, n in enumerate(shape):
        if d == axis:
            index.append(indices)
        else:
            index.append(np.arange(n).reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1)))
    return tuple(index)


def _plain_indices(indices, what):
    idx = np.asarray(_plain_index_part(indices, what))
    if idx.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    return idx


@implements(np.take_along_axis)
def take_along_axis(arr_, indices, axis=-1):
    a = arr(arr_)
    idx = _plain_indices(indices, "np.take_along_axis")
    if axis is None:
        a, axis = np.ravel(a), 0
    axis = _axis(axis, a.ndim)
    return a[_along_axis_index(a.shape, idx, axis)]


@implements(np.put_along_axis)
def put_along_axis(arr_, indices, values, axis):
    """In place, as NumPy: ``arr_`` must be a tracer (or an array created with zeros_like(x))
    to take traced values; repeated indices are refused like any repeated assignment."""
    if type(arr_) is not Tracer:
        raise TracingError("np.put_along_axis writes traced values into a plain NumPy array; "
                           "create the array with np.zeros_like(x) or np.zeros(n, like=x).")
    idx = _plain_indices(indices, "np.put_along_axis")
    if axis is None:
        if arr_.ndim != 1:
            raise TracingError("np.put_along_axis(axis=None) on a traced array of more than "
                               "one dimension is not supported by jaccli.")
        axis = 0
    axis = _axis(axis, arr_.ndim)
    arr_[_along_axis_index(arr_.shape, idx, axis)] = values


# ---------------------------------------------------------------- grids

@implements(np.meshgrid)
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    n = len(xi)
    out = [np.reshape(arr(x), (1,) * i + (-1,) + (1,) * (n - i - 1)) for i, x in enumerate(xi)]
    if indexing == "xy" and n > 1:
        out[0] = np.reshape(out[0], (1, -1) + (1,) * (n - 2))
        out[1] = np.reshape(out[1], (-1, 1) + (1,) * (n - 2))
    if not sparse:
        out = _broadcast_all(out)
    if copy:
        out = [o.copy() if type(o) is Tracer else np.array(o) for o in out]
    return tuple(out)


def _broadcast_all(arrays):
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return [np.broadcast_to(a, shape) for a in arrays]


@implements(np.broadcast_arrays)
def broadcast_arrays(*args, subok=False):
    return tuple(_broadcast_all([arr(a) for a in args]))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """``start + i * step`` with traced endpoints (NumPy's formula; the last sample is
    ``stop`` exactly when ``endpoint``)."""
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if dtype is not None and np.dtype(dtype).kind != "f":
        raise TracingError("np.linspace with traced endpoints: only float dtypes.")
    start, stop = arr(start) * 1.0, arr(stop) * 1.0
    div = (num - 1) if endpoint else num
    delta = stop - start
    nd = np.broadcast_shapes(np.shape(start), np.shape(stop))
    steps = np.arange(num, dtype=float).reshape((-1,) + (1,) * len(nd))
    if div > 0:
        step = delta / div
        y = start + steps * step
        if endpoint and num > 1:
            y = np.concatenate([y[:-1], np.reshape(stop + 0.0 * start, (1,) + nd)], axis=0)
    else:
        step = delta * np.nan
        y = start + steps * delta
    if axis != 0:
        y = np.moveaxis(y, 0, axis)
    return (y, step) if retstep else y


implements(np.linspace)(linspace)     # reached when an endpoint is traced


# ---------------------------------------------------------------- partition

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
