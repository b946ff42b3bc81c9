"""Derivative cases: shape functions, joining and splitting, sorting, and the indexing
functions (take_along_axis, put_along_axis, select ...)."""
import numpy as np

from .table import M, case, distinct, normal, until


# ---- shapes --------------------------------------------------------------------------
S = [
    ("reshape", lambda x: np.reshape(x, (3, 4)), (2, 6)),
    ("reshape-method", lambda x: x.reshape(4, -1), (2, 6)),
    ("reshape-method-tuple", lambda x: x.reshape((-1,)), (2, 3)),
    ("ravel", np.ravel, (2, 3)),
    ("ravel-method", lambda x: x.ravel(), (2, 3)),
    ("flatten", lambda x: x.flatten(), (2, 3)),
    ("transpose", np.transpose, (2, 3)),
    ("T", lambda x: x.T, (2, 3)),
    ("transpose-axes", lambda x: np.transpose(x, (1, 2, 0)), (2, 3, 4)),
    ("transpose-method-axes", lambda x: x.transpose(2, 0, 1), (2, 3, 4)),
    ("swapaxes", lambda x: np.swapaxes(x, 0, 2), (2, 3, 4)),
    ("moveaxis", lambda x: np.moveaxis(x, 0, -1), (2, 3, 4)),
    ("expand_dims", lambda x: np.expand_dims(x, 1), (2, 3)),
    ("squeeze", np.squeeze, (2, 1, 3)),
    ("squeeze-axis", lambda x: np.squeeze(x, axis=1), (2, 1, 3)),
    ("broadcast_to", lambda x: np.broadcast_to(x, (3, 2, 4)), (2, 1)),
    ("atleast_1d", np.atleast_1d, ()),
    ("atleast_2d", np.atleast_2d, (3,)),
    ("atleast_2d-0d", np.atleast_2d, ()),
    ("concatenate-ax0", lambda x: np.concatenate([x, 2 * x, np.ones((1, 3))]), (2, 3)),
    ("concatenate-ax1", lambda x: np.concatenate([x, x[:, :1] ** 2], axis=1), (2, 3)),
    ("stack", lambda x: np.stack([x, np.sin(x)]), (2, 3)),
    ("stack-axis", lambda x: np.stack([x[0], x[1] * 2, x[0]], axis=-1), (2, 3)),
    ("hstack", lambda x: np.hstack([x, np.cos(x)]), (3,)),
    ("vstack", lambda x: np.vstack([x, x ** 2]), (3,)),
    ("column_stack", lambda x: np.column_stack([x, np.exp(x)]), (3,)),
    ("split-take", lambda x: np.split(x, 3)[1], (6,)),
    ("split-combine", lambda x: (lambda p: p[0] * p[2] - p[1])(np.split(x, 3, axis=1)), (2, 6)),
    ("split-indices", lambda x: np.split(x, [1, 4])[2] * np.split(x, [1, 4])[0], (6,)),
    ("tile", lambda x: np.tile(x, 2), (3,)),
    ("tile-2d", lambda x: np.tile(x, (2, 1)), (2, 3)),
    ("repeat", lambda x: np.repeat(x, 2), (3,)),
    ("repeat-axis", lambda x: np.repeat(x, 2, axis=1), (2, 3)),
    ("flip", np.flip, (4,)),
    ("flip-axis", lambda x: np.flip(x, axis=1), (2, 3)),
    ("roll", lambda x: np.roll(x, 2), (5,)),
    ("roll-axis", lambda x: np.roll(x, -1, axis=0), (3, 2)),
    ("pad", lambda x: np.pad(x, 2), (3,)),
    ("pad-constant-value", lambda x: np.pad(x, ((1, 0), (0, 2)), mode="constant", constant_values=1.5), (2, 3)),
    ("take", lambda x: np.take(x, [2, 0, 2]), (4,)),
    ("take-axis", lambda x: np.take(x, [1, 1, 0], axis=1), (2, 3)),
    ("take-method", lambda x: x.take([3, 0]), (4,)),
]
for _name, _fn, _shape in S:
    case(_name, _fn, normal(_shape))
case("sort", np.sort, until(normal((5,)), lambda x: np.min(np.diff(np.sort(x))) > 1e-3))
case("sort-axis0", lambda x: np.sort(x, axis=0), until(normal((3, 2)), lambda x: np.min(np.diff(np.sort(x, 0), axis=0)) > 1e-3))

# ---- shape and indexing tail ---------------------------------------------------------
case("hsplit-2d", lambda x: np.hsplit(x, 2)[1] * 2.0, normal((3, 4)))
case("hsplit-1d-list", lambda x: np.hsplit(x, [1, 3])[1], normal((5,)))
case("vsplit", lambda x: np.vsplit(x, [1])[1] ** 2, normal((3, 2)))
case("dsplit", lambda x: np.dsplit(x, 2)[0], normal((2, 2, 4)))
case("array_split-uneven", lambda x: np.array_split(x, 3)[0] * np.array_split(x, 3)[2][0],
     normal((7,)))
case("row_stack", lambda x, y: np.vstack([x, y * x]), normal((3,), (3,)), argnums=M)
case("dstack", lambda x, y: np.dstack([x, y]), normal((2, 3), (2, 3)), argnums=M)
case("dstack-1d", lambda x: np.dstack([x, np.sin(x)]), normal((3,)))
case("atleast_3d", lambda x: np.atleast_3d(x) * 2.0, normal((2, 3)))
for _k in (1, 2, 3, -1):
    case(f"rot90-k{_k}", lambda x, k=_k: np.rot90(x, k) * np.arange(6.0).reshape(
        np.rot90(x, k).shape), normal((2, 3)))
case("rot90-axes", lambda x: np.rot90(x, 1, axes=(1, 2)), normal((2, 3, 4)))
case("rollaxis", lambda x: np.rollaxis(x, 2) * 1.5, normal((2, 3, 4)))
case("rollaxis-start", lambda x: np.rollaxis(x, 0, 3), normal((2, 3, 4)))
case("flipud-fliplr", lambda x: np.flipud(x) + np.fliplr(x) * 2.0, normal((3, 3)))
case("append-flat", lambda x, y: np.append(x, y), normal((2, 2), (3,)), argnums=M)
case("append-axis", lambda x, y: np.append(x, y, axis=0), normal((2, 3), (1, 3)), argnums=M)
case("select", lambda x: np.select([x < -0.5, x > 0.5], [x ** 2, np.sin(x)], default=x * 3.0),
     until(normal((6,)), lambda x: np.all(np.abs(np.abs(x) - 0.5) > 0.05)))
case("select-traced-default", lambda x, d: np.select([x > 0], [x], default=d),
     until(normal((5,), (5,)), lambda x, d: np.all(np.abs(x) > 0.05)), argnums=M)
case("take_along_axis", lambda x: np.take_along_axis(x, np.array([[0, 2], [1, 1]]), axis=1),
     normal((2, 3)))
case("take_along_axis-argsort", lambda x: np.take_along_axis(x, np.argsort(x, axis=0), axis=0),
     until(normal((4, 2)), lambda x: distinct(x[:, 0]) and distinct(x[:, 1])))
case("take_along_axis-none", lambda x: np.take_along_axis(x, np.array([5, 0, 2]), axis=None),
     normal((2, 3)))


def _put_along(x, v):
    y = x * 1.0
    np.put_along_axis(y, np.array([[1], [0]]), v, axis=1)
    return y


case("put_along_axis", _put_along, normal((2, 3), (2, 1)), argnums=M)


def _put_along_zeros(x):
    y = np.zeros_like(x)
    np.put_along_axis(y, np.array([2, 0]), x[:2] ** 2, axis=0)
    return y + x


case("put_along_axis-zeros_like", _put_along_zeros, normal((4,)))
case("triu_indices", lambda x: x[np.triu_indices(3)] * x[np.tril_indices(3, -1)].sum(),
     normal((3, 3)))
case("meshgrid-xy", lambda x, y: np.meshgrid(x, y)[0] * np.meshgrid(x, y)[1], normal((3,), (2,)),
     argnums=M)
case("meshgrid-ij-sparse", lambda x, y: np.sum(np.meshgrid(x, y, indexing="ij", sparse=True)[0]
                                               * y), normal((3,), (2,)), argnums=M)
case("meshgrid-3", lambda x: np.meshgrid(x, x[:2], x[1:])[2], normal((3,)))


def _meshgrid_write(x):
    X, Y = np.meshgrid(x, x)
    X[0, 0] = 5.0
    return X * Y


case("meshgrid-copy-writable", _meshgrid_write, normal((3,)))
case("broadcast_arrays", lambda x, y: np.broadcast_arrays(x, y)[1] * x, normal((2, 3), (3,)),
     argnums=M)
case("linspace-traced", lambda x: np.linspace(x[0], x[1], 5), normal((2,)))
case("linspace-no-endpoint-retstep",
     lambda x: np.linspace(x[0], x[1], 4, endpoint=False, retstep=True)[0] *
     np.linspace(x[0], x[1], 4, endpoint=False, retstep=True)[1], normal((2,)))
case("linspace-arrays-axis", lambda a, b: np.linspace(a, b, 3, axis=1), normal((2,), (2,)),
     argnums=M)
case("linspace-stop-only", lambda b: np.linspace(0.0, b, 4) ** 2, normal(()))
case("partition-kth", lambda x: np.partition(x, 2)[2] + np.partition(x, 2)[:2].sum(),
     until(normal((6,)), distinct))
case("partition-axis0", lambda x: np.partition(x, 1, axis=0)[1], until(normal((3, 2)), distinct))
case("tail-sort-axis0", lambda x: np.sort(x, axis=0) * np.arange(6.0).reshape(3, 2),
     until(normal((3, 2)), distinct))

# ---- issue 18: fft shifts (rolls) and copies in either order
case("fftshift", np.fft.fftshift, normal((3, 4)))
case("fftshift-axes", lambda x: np.fft.fftshift(x, axes=1), normal((3, 5)))
case("ifftshift", lambda x: np.fft.ifftshift(x, axes=(0,)), normal((5, 2)))
case("copy-F-reshape", lambda x: x.T.copy(order="F").reshape(-1) * 2, normal((2, 3)))
