"""Numerical calculus and fitting on traced samples: gradient, trapezoid, interp, polyval,
polyfit, vander, unwrap -- compositions of the core primitives."""
import numpy as np

from ..dispatch import implements
from ..errors import TracingError
from ..rules import logical_axes
from .common import arr, plain_index


# ---------------------------------------------------------------- calculus on samples

def _along(v, axis, ndim):
    """A 1-D array shaped to broadcast along ``axis`` of an ndim array."""
    return np.reshape(v, tuple(-1 if d == axis else 1 for d in range(ndim)))


def _sl(axis, ndim, s):
    return (slice(None),) * axis + (s,) + (slice(None),) * (ndim - axis - 1)


def _gradient_axis(f, h, axis, edge_order):
    """NumPy's second-order central differences along one axis; ``h`` a scalar spacing or
    1-D coordinates (traced or not)."""
    nd = f.ndim
    n = f.shape[axis]
    if n < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least (edge_order + 1) elements are required.")

    def at(s):
        return f[_sl(axis, nd, s)]

    if np.ndim(h) == 0:
        inner = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * h)
        if edge_order == 1:
            first = (at(slice(1, 2)) - at(slice(0, 1))) / h
            last = (at(slice(-1, None)) - at(slice(-2, -1))) / h
        else:
            first = (-1.5 * at(slice(0, 1)) + 2.0 * at(slice(1, 2)) - 0.5 * at(slice(2, 3))) / h
            last = (0.5 * at(slice(-3, -2)) - 2.0 * at(slice(-2, -1)) + 1.5 * at(slice(-1, None))) / h
    else:
        if np.ndim(h) != 1 or np.shape(h)[0] != n:
            raise ValueError("when 1d, distances must match the length of the corresponding "
                             "dimension")
        dx = np.diff(h)
        dx1, dx2 = dx[:-1], dx[1:]
        a = -dx2 / (dx1 * (dx1 + dx2))
        b = (dx2 - dx1) / (dx1 * dx2)
        c = dx1 / (dx2 * (dx1 + dx2))
        inner = (_along(a, axis, nd) * at(slice(None, -2)) + _along(b, axis, nd) * at(slice(1, -1))
                 + _along(c, axis, nd) * at(slice(2, None)))
        if edge_order == 1:
            first = (at(slice(1, 2)) - at(slice(0, 1))) / dx[0]
            last = (at(slice(-1, None)) - at(slice(-2, -1))) / dx[-1]
        else:
            d1, d2 = dx[0], dx[1]
            first = (-(2.0 * d1 + d2) / (d1 * (d1 + d2)) * at(slice(0, 1))
                     + (d1 + d2) / (d1 * d2) * at(slice(1, 2))
                     - d1 / (d2 * (d1 + d2)) * at(slice(2, 3)))
            d1, d2 = dx[-2], dx[-1]
            last = (d2 / (d1 * (d1 + d2)) * at(slice(-3, -2))
                    - (d2 + d1) / (d1 * d2) * at(slice(-2, -1))
                    + (2.0 * d2 + d1) / (d2 * (d1 + d2)) * at(slice(-1, None)))
    return np.concatenate([first, inner, last], axis=axis)


@implements(np.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    f = arr(f)
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    axes = tuple(range(f.ndim)) if axis is None else tuple(
        logical_axes(a, f.ndim)[0] for a in ((axis,) if isinstance(axis, int) else axis))
    if not varargs:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    out = tuple(_gradient_axis(f, arr(h), ax, edge_order) for h, ax in zip(spacing, axes))
    return out[0] if len(out) == 1 else out


@implements(np.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = arr(y)
    axis = logical_axes(axis, y.ndim)[0]
    nd = y.ndim
    if x is None:
        d = dx
    else:
        x = arr(x)
        d = _along(np.diff(x), axis, nd) if x.ndim == 1 else np.diff(x, axis=axis)
    pairs = y[_sl(axis, nd, slice(1, None))] + y[_sl(axis, nd, slice(None, -1))]
    return np.sum(d * pairs / 2.0, axis=axis)


if hasattr(np, "trapz"):
    implements(np.trapz)(trapezoid)


@implements(np.interp)
def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise linear interpolation, differentiable in ``x``, ``fp`` (and ``xp``). The
    interval each x falls in is counted in the graph (``sum(x >= xp)``) and read as an index:
    a recorded decision, as for a traced index, so the Jacobian at other points is computed
    where the intervals are the same."""
    if period is not None:
        raise TracingError("np.interp(period=...) is not supported by jaccli.")
    x, xp, fp = arr(x), arr(xp), arr(fp)
    if xp.ndim != 1 or fp.ndim != 1 or xp.shape != fp.shape:
        raise ValueError("fp and xp are not of the same length.")
    n = xp.shape[0]
    if n == 0:
        raise ValueError("array of sample points is empty")
    k = np.sum(np.reshape(x, x.shape + (1,)) >= xp, axis=-1)
    k = np.asarray(plain_index(k, "np.interp"))
    if n == 1:
        y = fp[np.zeros(k.shape, dtype=np.intp)] + 0.0 * x
    else:
        j = np.clip(k - 1, 0, n - 2)
        x0, x1, y0, y1 = xp[j], xp[j + 1], fp[j], fp[j + 1]
        y = y0 + (y1 - y0) / (x1 - x0) * (x - x0)
    lo = fp[0] if left is None else left
    hi = fp[-1] if right is None else right
    return np.where(x < xp[0], lo, np.where(x > xp[-1], hi, y))


# ---------------------------------------------------------------- polynomials

@implements(np.polyval)
def polyval(p, x):
    """Horner's rule, differentiable in the coefficients and in x."""
    p, x = arr(p), arr(x)
    y = np.zeros_like(x, dtype=float)
    for k in range(p.shape[0]):
        y = y * x + p[k]
    return y


@implements(np.polyfit)
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares coefficients (highest power first) as NumPy computes them: the weighted
    Vandermonde matrix with unit-norm columns, lstsq, the scaling undone; differentiable in
    y, x and w wherever the fit has full rank."""
    if full or cov is not False or rcond is not None:
        raise TracingError("np.polyfit: full=, cov= and rcond= are not supported by jaccli on "
                           "traced arrays.")
    x, y = arr(x), arr(y)
    deg = int(plain_index(deg, "np.polyfit"))
    if deg < 0 or x.ndim != 1 or y.ndim not in (1, 2) or x.shape[0] != y.shape[0]:
        raise TypeError("np.polyfit: x must be 1-D, y 1-D or 2-D with as many rows, deg >= 0")
    lhs, rhs = vander(x, deg + 1), y
    if w is not None:
        w = arr(w)
        lhs = lhs * w[:, None]
        rhs = rhs * (w[:, None] if y.ndim == 2 else w)
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    c = np.linalg.lstsq(lhs / scale, rhs, rcond=None)[0]
    return c / (scale[:, None] if y.ndim == 2 else scale)


@implements(np.vander)
def vander(x, N=None, increasing=False):
    """Powers by cumulative products (exact derivatives at x = 0, where x**0 would not be)."""
    x = arr(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    N = x.shape[0] if N is None else int(N)
    cols = np.broadcast_to(np.reshape(x, (-1, 1)), (x.shape[0], max(N - 1, 0)))
    powers = np.concatenate([np.ones((x.shape[0], 1)), np.cumprod(cols, axis=1)], axis=1)
    powers = powers[:, :N]
    return powers if increasing else powers[:, ::-1]


# ---------------------------------------------------------------- phase

@implements(np.unwrap)
def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """NumPy's unwrap written with traced operations: the correction is a multiple of the
    period that is locally constant (its derivative is 0: mod's derivative in x is 1), so
    d unwrap(p) = dp, and the graph holds at every point (no decision recorded)."""
    p = arr(p)
    axis = axis % p.ndim
    period = float(plain_index(period, "np.unwrap"))
    discont = period / 2 if discont is None else float(plain_index(discont, "np.unwrap"))
    dd = np.diff(p, axis=axis)
    high = period / 2
    ddmod = np.mod(dd + high, period) - high
    ddmod = np.where((ddmod == -high) & (dd > 0), high, ddmod)
    correct = np.where(np.abs(dd) < max(discont, high), 0.0, ddmod - dd)
    first = p[_sl(axis, p.ndim, slice(0, 1))]
    rest = p[_sl(axis, p.ndim, slice(1, None))] + np.cumsum(correct, axis=axis)
    return np.concatenate([first, rest], axis=axis)
