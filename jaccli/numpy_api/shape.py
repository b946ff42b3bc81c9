"""Shape functions: reshape, transpose and friends, joining and splitting, tiling, padding,
sorting. Most are compositions of the reshape / transpose / broadcast_to / concatenate /
getitem / setitem primitives."""
import operator

import numpy as np

from ..errors import TracingError
from ..primitives.shape import broadcast_p, concatenate_p, reshape_p, sort_p, transpose_p
from ..tracer import Tracer, bind, bind_view
from ._dispatch import arr, implements, method
from .creation import full_like_shape
from .indexing import getitem, setitem


def _axis(axis, ndim):
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


# ---------------------------------------------------------------- reshape family

@implements(np.reshape)
def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    a = arr(a)
    shape = newshape if shape is None else shape
    if order != "C":
        raise TracingError("np.reshape: only order='C' is supported by jaccli.")
    shape = np.empty(a.shape, dtype=bool).reshape(shape).shape   # resolves -1, checks size
    if shape == a.shape:
        return a
    return bind_view(reshape_p, a, lambda parent, new: reshape(new, parent.shape), shape=shape)


@method("reshape")
def _reshape_method(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return reshape(self, shape, order)


@implements(np.ravel)
def ravel(a, order="C"):
    return reshape(a, (-1,), order)


method("ravel")(lambda self, order="C": ravel(self, order))
method("flatten")(lambda self, order="C": ravel(self, order).copy())


@implements(np.transpose, *[f for f in [getattr(np, "permute_dims", None)] if f])
def transpose(a, axes=None):
    a = arr(a)
    perm = tuple(range(a.ndim))[::-1] if axes is None else tuple(_axis(i, a.ndim) for i in axes)
    if sorted(perm) != list(range(a.ndim)):
        raise ValueError("axes don't match array")
    if perm == tuple(range(a.ndim)):
        return a
    return bind_view(transpose_p, a, lambda parent, new: transpose(new, np.argsort(perm)),
                     perm=perm)


@method("transpose")
def _transpose_method(self, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], int)):
        axes = axes[0]
    return transpose(self, axes or None)


Tracer.T = property(lambda self: transpose(self))
Tracer.mT = property(lambda self: swapaxes(self, -1, -2))


@implements(np.swapaxes)
def swapaxes(a, axis1, axis2):
    a = arr(a)
    perm = list(range(a.ndim))
    i, j = _axis(axis1, a.ndim), _axis(axis2, a.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


method("swapaxes")(swapaxes)


@implements(np.moveaxis)
def moveaxis(a, source, destination):
    a = arr(a)
    src = [_axis(s, a.ndim) for s in np.atleast_1d(source)]
    dst = [_axis(d, a.ndim) for d in np.atleast_1d(destination)]
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


@implements(np.expand_dims)
def expand_dims(a, axis):
    a = arr(a)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    nd = a.ndim + len(axes)
    axes = {_axis(x, nd) for x in axes}
    shape, it = [], iter(a.shape)
    for d in range(nd):
        shape.append(1 if d in axes else next(it))
    return reshape(a, tuple(shape))


@implements(np.squeeze)
def squeeze(a, axis=None):
    a = arr(a)
    if axis is None:
        shape = tuple(d for d in a.shape if d != 1)
    else:
        axes = {_axis(x, a.ndim) for x in ((axis,) if isinstance(axis, int) else axis)}
        if any(a.shape[x] != 1 for x in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
        shape = tuple(d for i, d in enumerate(a.shape) if i not in axes)
    return reshape(a, shape)


method("squeeze")(lambda self, axis=None: squeeze(self, axis))


@implements(np.broadcast_to)
def broadcast_to(a, shape, subok=False):
    a = arr(a)
    shape = tuple(shape) if not isinstance(shape, int) else (shape,)
    np.broadcast_shapes(a.shape, shape)
    if shape == a.shape:
        return a
    return bind_view(broadcast_p, a, None, shape=shape)


def _atleast(nd, pad):
    def impl(*arys):
        res = []
        for a in map(arr, arys):
            if a.ndim < nd:
                a = reshape(a, pad(a.shape))
            res.append(a)
        return res[0] if len(res) == 1 else tuple(res)
    return impl


implements(np.atleast_1d)(_atleast(1, lambda s: (1,) * (1 - len(s)) + s))
implements(np.atleast_2d)(_atleast(2, lambda s: (1,) * (2 - len(s)) + s))
implements(np.atleast_3d)(_atleast(3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,),
                                                 2: s + (1,)}[len(s)]))


# ---------------------------------------------------------------- joining and splitting

@implements(np.concatenate)
def concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    if out is not None:
        raise TracingError("np.concatenate(..., out=...) is not supported; assign the result.")
    arrays = [arr(a) for a in arrays]
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    axis = _axis(axis, arrays[0].ndim)
    if len(arrays) == 1:
        return arrays[0]
    return bind(concatenate_p, *arrays, axis=axis)


@implements(np.stack)
def stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = [arr(a) for a in arrays]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError("all input arrays must have the same shape")
    axis = _axis(axis, arrays[0].ndim + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis, out=out)


@implements(np.hstack)
def hstack(tup, dtype=None, casting="same_kind"):
    arrays = [np.atleast_1d(a) for a in tup]
    return concatenate(arrays, axis=0 if arrays[0].ndim == 1 else 1)


@implements(np.vstack)
def vstack(tup, dtype=None, casting="same_kind"):
    return concatenate([np.atleast_2d(a) for a in tup], axis=0)


@implements(np.column_stack)
def column_stack(tup):
    cols = [reshape(arr(a), (-1, 1)) if arr(a).ndim < 2 else arr(a) for a in tup]
    return concatenate(cols, axis=1)


@implements(np.split)
def split(ary, indices_or_sections, axis=0):
    a = arr(ary)
    if isinstance(indices_or_sections, (int, np.integer)) and \
            a.shape[_axis(axis, a.ndim)] % int(indices_or_sections):
        raise ValueError("array split does not result in an equal division")
    return array_split(a, indices_or_sections, axis)


@implements(np.array_split)
def array_split(ary, indices_or_sections, axis=0):
    a = arr(ary)
    axis = _axis(axis, a.ndim)
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


# ---------------------------------------------------------------- tile, repeat, flip, roll, pad

@implements(np.tile)
def tile(A, reps):
    a = arr(A)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    nd = max(a.ndim, len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    inter = []
    for r, d in zip(reps, a.shape):
        inter += [r, d]
    b = broadcast_to(reshape(a, tuple(x for d in a.shape for x in (1, d))), tuple(inter))
    return reshape(b, tuple(r * d for r, d in zip(reps, a.shape)))


@implements(np.repeat)
def repeat(a, repeats, axis=None):
    a = arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, a.ndim)
    idx = np.repeat(np.arange(a.shape[axis]), repeats)
    return getitem(a, (slice(None),) * axis + (idx,))


method("repeat")(lambda self, repeats, axis=None: repeat(self, repeats, axis))


@implements(np.flip)
def flip(m, axis=None):
    m = arr(m)
    axes = range(m.ndim) if axis is None else [_axis(x, m.ndim) for x in np.atleast_1d(axis)]
    index = tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(m.ndim))
    return getitem(m, index)


implements(np.fliplr)(lambda m: flip(m, 1))
implements(np.flipud)(lambda m: flip(m, 0))


@implements(np.roll)
def roll(a, shift, axis=None):
    a = arr(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), a.shape)
    shifts, axes = np.broadcast_arrays(np.atleast_1d(shift), np.atleast_1d(axis))
    for s, ax in zip(shifts, axes):
        ax = _axis(ax, a.ndim)
        n = a.shape[ax]
        if n:
            idx = (np.arange(n) - int(s)) % n
            a = getitem(a, (slice(None),) * ax + (idx,))
    return a


@implements(np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    a = arr(array)
    if mode != "constant":
        raise TracingError(f"np.pad(mode={mode!r}) is not supported by jaccli; only "
                           "mode='constant'.")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (a.ndim, 2))
    value = kwargs.pop("constant_values", 0)
    if kwargs:
        raise TracingError(f"np.pad: {', '.join(kwargs)} not supported by jaccli.")
    if np.ndim(value) or type(value) is Tracer:
        raise TracingError("np.pad: only a constant scalar constant_values is supported.")
    shape = tuple(int(d + lo + hi) for d, (lo, hi) in zip(a.shape, widths))
    out = full_like_shape(a, shape, value)
    return setitem(out, tuple(slice(int(lo), int(lo) + d) for d, (lo, _) in
                              zip(a.shape, widths)), a)


# ---------------------------------------------------------------- sort

@implements(np.sort)
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, a.ndim)
    moved = moveaxis(a, axis, -1)
    return moveaxis(bind(sort_p, moved), -1, axis)


@method("sort")
def _sort_inplace(self, axis=-1, kind=None, order=None):
    new = sort(self, axis)
    self[...] = new
