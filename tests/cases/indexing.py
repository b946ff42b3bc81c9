"""Derivative cases: indexing, creation next to traced arrays with item assignment
(recorded functionally), and writes through views reaching their base as in NumPy."""
import numpy as np

from .table import away, case, normal, until


# ---- indexing ------------------------------------------------------------------------
IDX = [
    ("int", lambda x: x[2], (5,)),
    ("int-neg", lambda x: x[-1], (5,)),
    ("int-2d", lambda x: x[1, 2], (3, 4)),
    ("row", lambda x: x[1], (3, 4)),
    ("slice", lambda x: x[1:4], (5,)),
    ("slice-step", lambda x: x[::2], (5,)),
    ("slice-negstep", lambda x: x[::-2], (5,)),
    ("slice-negbounds", lambda x: x[-3:1:-1], (6,)),
    ("slice-2d", lambda x: x[1:, ::-1], (3, 4)),
    ("ellipsis", lambda x: x[..., 1], (2, 3, 4)),
    ("ellipsis-slice", lambda x: x[0, ..., 1:3], (2, 3, 4)),
    ("none", lambda x: x[None, :, None], (3,)),
    ("none-ellipsis", lambda x: x[..., None] * x[None, ...], (3,)),
    ("intarray-repeated", lambda x: x[[0, 0, 2]], (4,)),
    ("intarray-np", lambda x: x[np.array([3, 1, 3, 3])], (4,)),
    ("intarray-2d", lambda x: x[[0, 2, 0], [1, 1, 1]], (3, 3)),
    ("intarray-rows", lambda x: x[[1, 1, 0]], (2, 3)),
    ("intarray-mixed-slice", lambda x: x[:, [2, 0, 2]], (2, 3)),
    ("intarray-neg", lambda x: x[[-1, 0, -1]], (4,)),
]
for _name, _fn, _shape in IDX:
    case(f"index-{_name}", _fn, normal(_shape))
case("index-boolmask", lambda x: x[x > 0], away(0.2, 2.0, (6,)))
case("index-boolmask-2d", lambda x: x[x > 0] * 2, away(0.2, 2.0, (3, 3)))
case("index-boolmask-const", lambda x: x[np.array([True, False, True, True])], normal((4,)))

# ---- creation + item assignment (recorded functionally) ------------------------------


def _shift(x):
    y = np.zeros_like(x); y[1:] = x[:-1]; return y


def _copy_update(x):
    y = x.copy(); y[0] += 1; y[2] *= x[1]; return y


def _zeros_like_kw(x):
    y = np.zeros(5, like=x); y[::2] = x[:3] ** 2; return y


def _ones_like(x):
    y = np.ones_like(x); y[1] = x[0] * x[2]; return y * x


def _full_like(x):
    y = np.full_like(x, 2.0); y[1:3] = np.sin(x[:2]); return y


def _matrix_assign(x):
    y = np.zeros((3, 3), like=x); y[0] = x; y[:, 2] += x ** 2; y[1, 1] = x[0]; return y


def _fancy_assign(x):
    y = np.zeros_like(x); y[[0, 3]] = x[1:3]; y[x > 0.5] = 1.0; return y


def _repeated_add(x):
    y = x.copy()
    for i in range(3):
        y[i + 1] += y[i] * x[i]
    return y


def _ones_kw(x):
    y = np.ones((2, 3), like=x); y[1] = x; return y


for _fn in (_shift, _copy_update, _zeros_like_kw, _ones_like, _full_like, _matrix_assign, _repeated_add, _ones_kw):
    case(f"setitem{_fn.__name__}", _fn, normal((3,)) if _fn in (_matrix_assign, _ones_kw) else normal((4,)))
case("setitem_fancy_mask", _fancy_assign, until(normal((4,)), lambda x: np.min(np.abs(x - 0.5)) > 0.05))

# ---- writes through views reach the base, as in NumPy --------------------------------


def _view_write(x):
    y = np.zeros_like(x); v = y[1:]; v[0] = x[0]; return y


def _view_write_reshape(x):
    y = np.zeros_like(x); v = y.reshape(2, 2); v[0, 1] = x[0]; return y * x


def _view_of_view_inplace(x):
    y = x.copy(); v = y[1:]; w = v[::2]; w *= x[:2]; v += x[:3]; v[0] *= 2; return y * x


def _transpose_view_write(x):
    y = np.zeros((2, 2), like=x); t = y.T; t[0, 1] = x[0]; t[:, 0] += x[1:3]; return y


def _slice_inplace(x):
    y = np.ones((3, 4), like=x); y[1:] += x[None, :] ** 2; y[:, ::2] *= x[1]; return y


for _fn in (_view_write, _view_write_reshape, _view_of_view_inplace, _transpose_view_write, _slice_inplace):
    case(f"setitem{_fn.__name__}", _fn, normal((4,)))
