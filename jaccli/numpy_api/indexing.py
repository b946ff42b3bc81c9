"""``x[index]``, ``x[index] = v`` and the indexing functions (take, take_along_axis,
put_along_axis, select): normalising NumPy indices for the indexing primitives (see
jaccli/primitives/indexing.py for the normal form)."""
import operator

import numpy as np

from ..dispatch import implements, method
from ..errors import TracingError
from ..primitives.indexing import getitem_p, setitem_p
from ..tracer import Tracer, bind, bind_view, check_write_level
from .common import arr, normalize_axis, plain_index


def normalize_index(index, shape):
    """Returns (index tuple, params) in the primitives' normal form."""
    if not isinstance(index, tuple):
        index = (index,)
    entries = []
    for k in index:
        k = plain_index(k, "indexing")
        if isinstance(k, list):
            k = np.asarray(k)
        if isinstance(k, np.ndarray) and k.dtype.kind == "b":
            if k.ndim == 0:
                raise TracingError("indexing with a 0-d boolean is not supported by jaccli.")
            entries.extend(np.nonzero(k))          # a k-d mask addresses k axes
            continue
        if isinstance(k, np.ndarray) and k.dtype.kind not in "iu":
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
        entries.append(k)
    return _expand(entries, shape)


def _expand(entries, shape):
    """Expand Ellipsis and normalise every entry against the axis it addresses."""
    if sum(1 for k in entries if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(1 for k in entries if k is not None and k is not Ellipsis)
    if consumed > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, "
                         f"but {consumed} were indexed")
    out, dim = [], 0
    for k in entries:
        if k is Ellipsis:
            fill = len(shape) - consumed
            out.extend([slice(None)] * fill)
            dim += fill
        elif k is None:
            out.append(None)
        else:
            out.append(_normalize_entry(k, shape[dim], dim))
            dim += 1
    return _finish(tuple(out), shape)


def _normalize_entry(k, size, dim):
    if isinstance(k, slice):
        start, stop, step = _slice_indices(k, size)
        return slice(start, None if stop < 0 else stop, step)   # stop -1: past the front
    if isinstance(k, np.ndarray):
        if k.size and (k.min() < -size or k.max() >= size):
            raise IndexError(f"index out of bounds for axis {dim} with size {size}")
        return np.where(k < 0, k + size, k).astype(np.intp)
    try:
        i = int(k)
    except TypeError:
        raise IndexError(f"only integers, slices, None, Ellipsis and integer or boolean arrays "
                         f"are valid indices (got {type(k).__name__})") from None
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for axis {dim} with size {size}")
    return i % size


def _slice_indices(k, size):
    """``k.indices(size)``; a bound that is a CuPy 0-d integer (np.argmax, np.searchsorted on a
    GPU give device arrays, which have no __index__) is read on the host first."""
    try:
        return k.indices(size)
    except TypeError:
        bounds = [plain_index(v, "a slice") for v in (k.start, k.stop, k.step)]
        return slice(*[v if v is None else operator.index(v) for v in bounds]).indices(size)


def _finish(index, shape):
    arrays = [i for i, k in enumerate(index) if isinstance(k, np.ndarray)]
    params = {"index": index, "adv_first": False, "adv_ndim": 0, "unique": True}
    if not arrays:
        return params
    adv = [i for i, k in enumerate(index) if isinstance(k, (np.ndarray, int))]
    params["adv_first"] = adv != list(range(adv[0], adv[0] + len(adv)))
    idx_arrays = np.broadcast_arrays(*[np.asarray(index[i]) for i in adv])
    params["adv_ndim"] = idx_arrays[0].ndim
    dims = [_dim_of(index, i, shape) for i in adv]
    flat = np.ravel_multi_index([a.ravel() for a in idx_arrays], dims) if dims else np.zeros(0)
    params["unique"] = len(np.unique(flat)) == flat.size
    return params


def _dim_of(index, pos, shape):
    """Size of the array axis that index entry ``pos`` addresses."""
    return shape[sum(1 for k in index[:pos] if k is not None)]


def _simple_slice_params(index, shape):
    """Fast path for the commonest index, one slice on a non-empty first axis: x[a:b]."""
    start, stop, step = _slice_indices(index, shape[0])
    return {"index": (slice(start, None if stop < 0 else stop, step),), "adv_first": False,
            "adv_ndim": 0, "unique": True}


def index_on_device(params, x):
    """On a GPU, the index arrays of ``params`` moved to the device, once, at trace time:
    the sweeps' rules index device tangents with them, which would otherwise upload them on
    every sweep."""
    put = x.builder.device_put if x.builder is not None else None
    if put is not None:
        params["index"] = tuple(put(k) if type(k) is np.ndarray else k for k in params["index"])
    return params


@method("__getitem__")
def getitem(x, index):
    raw = index                      # as written: ``y[1:] -= v`` writes back with the same
    if type(index) is int and x.ndim == 1 and -x.shape[0] <= index < x.shape[0]:
        return bind(getitem_p, x, index=(index % x.shape[0],), adv_first=False, adv_ndim=0,
                    unique=True)     # x[i] of a vector: a scalar, a copy (the seed's x[0])
    if type(index) is slice and x.ndim:
        params = _simple_slice_params(index, x.shape)
    else:
        params = index_on_device(normalize_index(index, x.shape), x)
    index = params["index"]
    if len(index) == x.ndim and all(type(k) is int for k in index):
        return bind(getitem_p, x, **params)   # NumPy: a scalar, a copy (CuPy: a 0-d view)
    return bind_view(getitem_p, x, lambda parent, new: setitem(parent, index, new),
                     view_index=raw, **params)


@method("__setitem__")
def setitem(x, index, value):
    params = normalize_index(index, x.shape)
    if not params["unique"]:
        raise TracingError("assignment with repeated indices (y[[0, 0]] = v): NumPy keeps the "
                           "last write, which jaccli does not differentiate. Use unique indices.")
    value = arr(value)
    check_write_level(x, value)
    if x.dtype.kind != "f" and value.dtype.kind == "f" and type(value) is Tracer:
        raise TracingError(f"assigning a traced float into an array of dtype {x.dtype} would "
                           "truncate it; create the array with a float dtype.")
    if value.dtype.kind == "c" and x.dtype.kind != "c":
        raise TracingError("assigning a complex value into a real traced array would silently "
                           "drop its imaginary part (NumPy warns or raises); jaccli "
                           "differentiates real-valued computations only.")
    params["region_shape"] = np.empty(x.shape, dtype=bool)[params["index"]].shape
    return bind(setitem_p, x, value, **index_on_device(params, x))


@implements(np.take)
def take(a, indices, axis=None, out=None, mode="raise"):
    a = arr(a)
    if out is not None or mode != "raise":
        raise TracingError("np.take: out= and mode= are not supported by jaccli.")
    if axis is None:
        return getitem(a.reshape(-1), np.asarray(plain_index(indices, "np.take")))
    axis = axis % a.ndim
    return getitem(a, (slice(None),) * axis + (np.asarray(plain_index(indices, "np.take")),))


method("take")(lambda self, indices, axis=None, out=None, mode="raise":
               take(self, indices, axis, out, mode))


# ---------------------------------------------------------------- along an axis

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
    idx = np.asarray(plain_index(indices, what))
    if idx.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    return idx


@implements(np.take_along_axis)
def take_along_axis(arr_, indices, axis=-1):
    a = arr(arr_)
    idx = _plain_indices(indices, "np.take_along_axis")
    if axis is None:
        a, axis = np.ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
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
    axis = normalize_axis(axis, arr_.ndim)
    arr_[_along_axis_index(arr_.shape, idx, axis)] = values


# ---------------------------------------------------------------- selection

@implements(np.select)
def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    result = default
    for cond, choice in zip(condlist[::-1], choicelist[::-1]):
        result = np.where(cond, choice, result)
    return result
