"""Derivative cases: the NumPy names users hit (issue 17): np.pad's copying modes, insert,
delete, compress, choose, put, add.at / subtract.at, unwrap, np.polynomial evaluation,
sum(initial=, where=), mean(where=), ufunc.reduce / accumulate, unique with repeats, and the
methods searchsorted, ptp, compress, choose, put."""
import numpy as np
from numpy.polynomial import polynomial as P

from .table import M, case, distinct, fixed, normal, uniform, until


def _pad(mode, width):
    return lambda x: np.pad(x, width, mode=mode) * (1.0 + np.arange(np.pad(x, width).size)
                                                   .reshape(np.pad(x, width).shape))


for _mode in ("edge", "reflect", "symmetric", "wrap"):
    case(f"pad_{_mode}_vec", _pad(_mode, (2, 3)), normal((4,)))
    case(f"pad_{_mode}_mat", _pad(_mode, ((1, 2), (2, 1))), normal((3, 3)))
case("pad_reflect_wide", lambda x: np.pad(x, 5, mode="reflect") ** 2, normal((3,)))


def _scatter_sum(x):
    y = np.zeros_like(x)
    np.add.at(y, [0, 2, 0, 0], x * x)
    return y


def _assemble(w, u):
    """A 1-D finite-element stiffness assembly: K[e:e+2, e:e+2] += w_e [[1, -1], [-1, 1]]."""
    n = u.shape[0]
    K = np.zeros((n, n), like=u)
    e = np.arange(n - 1)
    rows = np.stack([e, e, e + 1, e + 1], axis=1)
    cols = np.stack([e, e + 1, e, e + 1], axis=1)
    local = w[:, None] * np.array([1.0, -1.0, -1.0, 1.0])
    np.add.at(K, (rows, cols), local)
    return K @ u


def _sub_at(x):
    y = x.copy()
    np.subtract.at(y, (np.array([0, 1, 1]), slice(None)), x[:3, :] * 2.0)
    return y


def _put(x):
    y = x * 1.0
    np.put(y, [0, 5], x[1, :2] ** 2)
    return y


def _put_method(x):
    y = x * x
    y.put([-1, 2], x[:1] * 3.0)
    return y


case("add_at_repeated", _scatter_sum, normal((4,)))
case("add_at_assembly", _assemble, normal((4,), (5,)), argnums=M)
case("subtract_at", _sub_at, normal((4, 3)))
case("put", _put, normal((2, 3)))
case("put_method_cycled", _put_method, normal((5,)))

case("insert_scalar", lambda x: np.insert(x, 1, 5.0) * np.arange(1.0, 6.0), normal((4,)))
case("insert_traced", lambda x, v: np.insert(x, [0, 2, 2], v), normal((4,), (3,)), argnums=M)
case("insert_axis", lambda x, v: np.insert(x, 1, v, axis=1), normal((2, 3), (2,)), argnums=M)
case("insert_bcast", lambda x: np.insert(x, 2, x[0], axis=0), normal((3, 2)))
case("delete", lambda x: np.delete(x, [0, -1]) ** 2, normal((5,)))
case("delete_axis", lambda x: np.delete(x, 1, axis=0), normal((3, 2)))
case("compress", lambda x: np.compress([True, False, True], x, axis=1) * 2.0, normal((2, 3)))
case("compress_method", lambda x: x.compress([False, True, True, False, True]), normal((5,)))
case("choose", lambda x, y: np.choose([[0, 1, 1], [1, 0, 2]], [x, y, x * y]),
     normal((2, 3), (3,)), argnums=M)

case("unwrap", lambda p: np.unwrap(p) * p, fixed([0.1, 3.0, 6.5, 0.2, -3.1]))
case("unwrap_mat", lambda p: np.unwrap(p * 4.0, axis=0), until(
    normal((4, 2)), lambda p: np.all(np.abs(np.abs(np.diff(4 * p, axis=0)) % np.pi) > 0.1)))
case("unwrap_period", lambda p: np.unwrap(p, period=1.0) ** 2,
     until(uniform(0, 3, (6,)), lambda p: np.all(np.abs(np.diff(p) % 0.5 - 0.25) < 0.2)))

case("poly_polyval", lambda x, c: P.polyval(x, c), normal((4,), (3,)), argnums=M)
case("poly_polyval_2d", lambda x, c: P.polyval(x, c), normal((2, 2), (3, 2)), argnums=M)
case("poly_class_call", lambda x: np.polynomial.Polynomial([1.0, -2.0, 0.5])(x), normal((3,)))
case("poly_chebyshev_call", lambda x: np.polynomial.Chebyshev([1.0, 2.0, 3.0], domain=[0, 2])(x),
     normal((3,)))

case("sum_initial", lambda x: np.sum(x, axis=0, initial=2.0) * x[0], normal((3, 2)))
case("sum_where", lambda x: np.sum(x * x, where=np.array([True, False, True])), normal((2, 3)))
case("sum_method_initial", lambda x: x.sum(initial=1.5) * x, normal((3,)))
case("mean_where", lambda x: np.mean(x ** 2, axis=1, where=np.array([[1, 0, 1], [1, 1, 0]],
                                                                    dtype=bool)), normal((2, 3)))
case("mean_method_where", lambda x: (x * x).mean(where=x > 0), until(
    normal((5,)), lambda x: np.any(x > 0) and np.all(np.abs(x) > 0.05)))
case("add_reduce_initial", lambda x: np.add.reduce(x, axis=1, initial=1.0) ** 2, normal((2, 3)))
case("multiply_reduce", lambda x: np.multiply.reduce(x, axis=0), normal((3, 2)))
case("maximum_reduce", lambda x: np.maximum.reduce(x, axis=1),
     until(normal((3, 4)), lambda x: all(distinct(r) for r in x)))
case("logaddexp_reduce", lambda x: np.logaddexp.reduce(x, axis=0), normal((3, 2)))
case("logaddexp2_reduce", lambda x: np.logaddexp2.reduce(x), normal((4,)))
case("maximum_accumulate", lambda x: np.maximum.accumulate(x) * x, until(normal((6,)), distinct))
case("minimum_accumulate", lambda x: np.minimum.accumulate(x, axis=1),
     until(normal((2, 4)), distinct))

case("unique_repeats", lambda x: np.unique(np.concatenate([x, x[::-1], x[:2]])) ** 2,
     until(normal((4,)), distinct))
case("unique_counts", lambda x: np.unique(np.concatenate([x, x[:1]]), return_counts=True)[0]
     * np.unique(np.concatenate([x, x[:1]]), return_counts=True)[1], until(normal((3,)), distinct))
case("searchsorted_method", lambda x: x[np.sort(x).searchsorted(0.0)] * x,
     until(normal((5,)), lambda x: distinct(x) and np.min(np.abs(x)) > 0.05))
case("ptp_method", lambda x: np.ptp(x, axis=1) if type(x) is np.ndarray else x.ptp(axis=1),
     until(normal((2, 4)), lambda x: all(distinct(r) for r in x)))

case("polyfit", lambda y: np.polyfit(np.linspace(0, 1, 6), y, 2), normal((6,)))
case("polyfit_xw", lambda x, w: np.polyfit(x, np.sin(3 * x), 2, w=w),
     lambda rng: (np.sort(rng.uniform(0, 1, 6)) + np.arange(6) * 0.2, rng.uniform(0.5, 2, 6)),
     argnums=M, rtol=1e-5)
case("polyfit_2d", lambda y: np.polyfit(np.arange(5.0), y, 1), normal((5, 2)))
case("fmax_reduce", lambda x: np.fmax.reduce(x, axis=1),
     until(normal((2, 4)), lambda x: all(distinct(r) for r in x)))
case("fmin_reduce", lambda x: np.fmin.reduce(x), until(normal((5,)), distinct))
case("hypot_reduce", lambda x: np.hypot.reduce(x, axis=0), normal((3, 2)))
case("subtract_reduce", lambda x: np.subtract.reduce(x, axis=1), normal((2, 4)))
case("logical_reduce", lambda x: np.logical_and.reduce(x > -5.0) * x
     + np.logical_or.reduce(x > 5.0, axis=0) * x ** 2, normal((3,)))
case("poly_class_traced_coef", lambda c, x: np.polynomial.Polynomial(c, domain=[-1, 2])(x),
     normal((4,), (3,)), argnums=M)
