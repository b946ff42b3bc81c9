"""Functions whose every output element is a copy of one input element, the map fixed by
shapes and plain (non-traced) arguments: np.pad's copying modes, insert, delete, compress,
choose. Each runs NumPy's own function on arrays of element *labels* (0..size-1, one range
per operand) and gathers the traced elements at the labels it returns -- so NumPy's rules for
broadcasting, negative indices and edge cases hold as they are, and the result is one gather
(linear; its sparsity pattern holds at every point). Also the in-place writers np.put and
np.add.at / np.subtract.at (scatter-add: FEM assembly).
"""
import numpy as np

from ..dispatch import implements, method, ufunc_method
from ..errors import TracingError
from ..primitives.indexing import scatter_add_p
from ..tracer import Tracer, bind, check_write_level
from .common import arr, plain_index
from .indexing import index_on_device, normalize_index


def labels(*operands):
    """One int array of labels per operand, of its shape, numbering all their elements."""
    out, start = [], 0
    for a in operands:
        size = int(np.prod(np.shape(a), dtype=np.int64))
        out.append(np.arange(start, start + size).reshape(np.shape(a)))
        start += size
    return out


def gather(operands, picked):
    """out[i] = the element labelled ``picked[i]`` among ``operands`` (see ``labels``)."""
    flat = [arr(a).reshape(-1) for a in operands]
    source = flat[0] if len(flat) == 1 else np.concatenate(flat)
    return source[picked]


# ---------------------------------------------------------------- pad, insert, delete

PAD_COPYING = ("edge", "reflect", "symmetric", "wrap")


def pad_copying(a, pad_width, mode, **kwargs):
    """np.pad with a mode whose padding copies elements (Neumann: edge, symmetric; mirror:
    reflect; periodic: wrap). reflect_type='odd' (2 edge - x) is not a copy: refused."""
    unknown = set(kwargs) - {"reflect_type"}
    if unknown or kwargs.get("reflect_type", "even") != "even":
        raise TracingError(f"np.pad(mode={mode!r}): {', '.join(sorted(kwargs))} not supported "
                           "by jaccli (reflect_type='even' is).")
    (lab,) = labels(a)
    return gather([a], np.pad(lab, np.asarray(plain_index(pad_width, "np.pad")), mode=mode))


@implements(np.insert)
def insert(a, obj, values, axis=None):
    """Values (traced or not) inserted before the positions ``obj`` (plain)."""
    la, lv = labels(a, values)
    obj = plain_index(obj, "np.insert")
    return gather([a, values], np.insert(la, obj, lv, axis=axis))


@implements(np.delete)
def delete(a, obj, axis=None):
    (la,) = labels(a)
    return gather([a], np.delete(la, plain_index(obj, "np.delete"), axis=axis))


@implements(np.compress)
def compress(condition, a, axis=None, out=None):
    if out is not None:
        raise TracingError("np.compress(..., out=...) is not supported by jaccli; assign the "
                           "result instead.")
    (la,) = labels(a)
    return gather([a], np.compress(plain_index(condition, "np.compress"), la, axis=axis))


method("compress")(lambda self, condition, axis=None, out=None:
                   compress(condition, self, axis, out))


@implements(np.choose)
def choose(a, choices, out=None, mode="raise"):
    """out[i] = choices[a[i]][i] (broadcast); ``a`` plain (a traced one decides the path)."""
    if out is not None:
        raise TracingError("np.choose(..., out=...) is not supported by jaccli; assign the "
                           "result instead.")
    choices = list(choices)
    picked = np.choose(np.asarray(plain_index(a, "np.choose")), labels(*choices), mode=mode)
    return gather(choices, picked)


method("choose")(lambda self, choices, out=None, mode="raise": choose(self, choices, out, mode))


# ---------------------------------------------------------------- writers: put, ufunc.at

def _traced_target(a, what):
    if type(a) is not Tracer:
        raise TracingError(f"{what} writes traced values into a plain NumPy array; create the "
                           "array with np.zeros_like(x) or np.zeros(n, like=x).")
    return a


@implements(np.put)
def put(a, ind, v, mode="raise"):
    """a.flat[ind] = v in place, v repeated when shorter (NumPy's rule); repeated indices are
    refused as in any assignment."""
    a = _traced_target(a, "np.put")
    ind = np.asarray(plain_index(ind, "np.put")).reshape(-1)
    if mode == "wrap":
        ind = np.mod(ind, a.size)
    elif mode == "clip":
        ind = np.clip(ind, 0, a.size - 1)
    elif mode == "raise" and ind.size and not (-a.size <= ind.min() and ind.max() < a.size):
        raise IndexError(f"index out of range for array of size {a.size}")
    v = arr(v)
    if ind.size and v.size == 0:
        raise ValueError("cannot replace elements of an array with an empty array")
    vals = v.reshape(-1)[np.arange(ind.size) % max(v.size, 1)]
    a[np.unravel_index(np.mod(ind, a.size), a.shape)] = vals


method("put")(lambda self, indices, values, mode="raise": put(self, indices, values, mode))


def _scatter(a, indices, b, sign, what):
    a = _traced_target(a, what)
    params = normalize_index(plain_index(indices, what) if type(indices) is Tracer else indices,
                             a.shape)
    region = np.empty(a.shape, dtype=bool)[params["index"]].shape
    v = np.broadcast_to(arr(b), region)
    check_write_level(a, v)
    if sign < 0:
        v = -v
    params = index_on_device(params, a)
    a._assign(bind(scatter_add_p, a, v, index=params["index"],
                   adv_first=params["adv_first"], adv_ndim=params["adv_ndim"]))


@ufunc_method(np.add, "at")
def add_at(a, indices, b=None):
    """a[indices] += b with repeated indices accumulating."""
    _scatter(a, indices, b, +1, "np.add.at")


@ufunc_method(np.subtract, "at")
def subtract_at(a, indices, b=None):
    _scatter(a, indices, b, -1, "np.subtract.at")
