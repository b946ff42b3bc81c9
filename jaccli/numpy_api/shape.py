"""Shape functions: reshape, transpose and friends, broadcasting, tiling, flips, rolls,
rotations, padding, grids. Compositions of the reshape / transpose / broadcast_to / getitem /
setitem primitives."""
import numpy as np

from ..dispatch import implements, method
from ..errors import TracingError
from ..primitives.shape import broadcast_p, reshape_p, transpose_p
from ..tracer import Tracer, bind_view
from .common import arr, normalize_axis
from .creation import full_like_shape
from .gathers import PAD_COPYING, pad_copying
from .indexing import getitem, setitem


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
    perm = tuple(range(a.ndim))[::-1] if axes is None else \
        tuple(normalize_axis(i, a.ndim) for i in axes)
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


@implements(np.swapaxes)
def swapaxes(a, axis1, axis2):
    a = arr(a)
    perm = list(range(a.ndim))
    i, j = normalize_axis(axis1, a.ndim), normalize_axis(axis2, a.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


method("swapaxes")(swapaxes)


@implements(np.moveaxis)
def moveaxis(a, source, destination):
    a = arr(a)
    src = [normalize_axis(s, a.ndim) for s in np.atleast_1d(source)]
    dst = [normalize_axis(d, a.ndim) for d in np.atleast_1d(destination)]
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


@implements(np.rollaxis)
def rollaxis(a, axis, start=0):
    a = arr(a)
    n = a.ndim
    axis = normalize_axis(axis, n)
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


@implements(np.expand_dims)
def expand_dims(a, axis):
    a = arr(a)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    nd = a.ndim + len(axes)
    axes = {normalize_axis(x, nd) for x in axes}
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
        axes = {normalize_axis(x, a.ndim) for x in ((axis,) if isinstance(axis, int) else axis)}
        if any(a.shape[x] != 1 for x in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
        shape = tuple(d for i, d in enumerate(a.shape) if i not in axes)
    return reshape(a, shape)


method("squeeze")(lambda self, axis=None: squeeze(self, axis))


# ---------------------------------------------------------------- broadcasting

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


def _broadcast_all(arrays):
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return [np.broadcast_to(a, shape) for a in arrays]


@implements(np.broadcast_arrays)
def broadcast_arrays(*args, subok=False):
    return tuple(_broadcast_all([arr(a) for a in args]))


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
    axis = normalize_axis(axis, a.ndim)
    idx = np.repeat(np.arange(a.shape[axis]), repeats)
    return getitem(a, (slice(None),) * axis + (idx,))


method("repeat")(lambda self, repeats, axis=None: repeat(self, repeats, axis))


@implements(np.flip)
def flip(m, axis=None):
    m = arr(m)
    axes = range(m.ndim) if axis is None else \
        [normalize_axis(x, m.ndim) for x in np.atleast_1d(axis)]
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
        ax = normalize_axis(ax, a.ndim)
        n = a.shape[ax]
        if n:
            idx = (np.arange(n) - int(s)) % n
            a = getitem(a, (slice(None),) * ax + (idx,))
    return a


@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """NumPy's own definition: flips and one transpose."""
    m = arr(m)
    a0, a1 = (normalize_axis(x, m.ndim) for x in axes)
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


@implements(np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    a = arr(array)
    if mode in PAD_COPYING:
        return pad_copying(a, pad_width, mode, **kwargs)
    if mode != "constant":
        raise TracingError(f"np.pad(mode={mode!r}) is not supported by jaccli; only "
                           f"mode='constant' and {', '.join(map(repr, PAD_COPYING))}.")
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
