"""Linear algebra on traced arrays: dot/vdot/inner/outer/tensordot/einsum/kron, the
np.linalg functions, and diag/diagonal/triu/tril."""
import string

import numpy as np

from ..errors import TracingError
from ..primitives.elementwise import sqrt0_p
from ..primitives.linalg import (det_p, diagonal_p, einsum_p, inv_p, logabsdet_p, matmul_p,
                                 signdet_p, solve_p)
from ..tracer import bind, bind_view
from ._dispatch import arr, implements, method
from .creation import full_like_shape
from .indexing import setitem
from .reductions import amax, amin, sum
from .shape import moveaxis, ravel, reshape


# ---------------------------------------------------------------- products

@implements(np.einsum)
def einsum(subscripts, *operands, out=None, optimize=False, **kwargs):
    if out is not None or not isinstance(subscripts, str):
        raise TracingError("np.einsum: only the string-subscripts form without out= is "
                           "supported by jaccli.")
    ops = [arr(o) for o in operands]
    subs = _expand_ellipsis(subscripts.replace(" ", ""), ops)
    if "->" not in subs:                         # implicit mode: output = letters seen once
        letters = subs.replace(",", "")
        subs += "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = subs.split("->")[0].split(",")
    if len(ins) != len(ops):
        raise ValueError(f"einsum: {len(ins)} subscripts for {len(ops)} operands")
    return bind(einsum_p, *ops, subscripts=subs)


def _expand_ellipsis(subs, ops):
    """Replace '...' by explicit letters (right-aligned across operands, as NumPy does)."""
    if "..." not in subs:
        return subs
    ins, arrow, out = subs.partition("->")
    parts = ins.split(",")
    widths = [op.ndim - len(p.replace("...", "")) for p, op in zip(parts, ops) if "..." in p]
    width = max(widths, default=0)
    fresh = "".join(_letters(width, skip=subs))
    parts = [p.replace("...", fresh[width - (op.ndim - len(p.replace("...", ""))):])
             for p, op in zip(parts, ops)]
    if arrow:
        out = out.replace("...", fresh)
    else:                                        # implicit: ellipsis dims lead the output
        letters = "".join(parts).replace(",", "")
        out = fresh + "".join(sorted(c for c in set(letters) - set(fresh)
                                     if letters.count(c) == 1))
    return ",".join(parts) + "->" + out


def _letters(n, skip=""):
    return [c for c in string.ascii_letters if c not in skip][:n]


@implements(np.tensordot)
def tensordot(a, b, axes=2):
    a, b = arr(a), arr(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = [np.atleast_1d(x).tolist() for x in axes]
    ax_a = [x % a.ndim for x in ax_a]
    ax_b = [x % b.ndim for x in ax_b]
    la = _letters(a.ndim)
    lb = _letters(b.ndim, "".join(la))
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in ax_a] + \
          [c for j, c in enumerate(lb) if j not in ax_b]
    return einsum("".join(la) + "," + "".join(lb) + "->" + "".join(out), a, b)


@implements(np.dot)
def dot(a, b, out=None):
    if out is not None:
        raise TracingError("np.dot(..., out=...) is not supported; assign the result.")
    a, b = arr(a), arr(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim <= 2:
        return bind(matmul_p, a, b)
    return tensordot(a, b, axes=([-1], [-2]))


method("dot")(lambda self, b, out=None: dot(self, b, out))


@implements(np.vdot)
def vdot(a, b):
    return bind(matmul_p, ravel(arr(a)), ravel(arr(b)))


@implements(np.inner)
def inner(a, b):
    a, b = arr(a), arr(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


@implements(np.outer)
def outer(a, b, out=None):
    a, b = ravel(arr(a)), ravel(arr(b))
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


@implements(np.kron)
def kron(a, b):
    a, b = arr(a), arr(b)
    nd = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = reshape(b, (1,) * (nd - b.ndim) + b.shape)
    inter_a = tuple(x for d in a.shape for x in (d, 1))
    inter_b = tuple(x for d in b.shape for x in (1, d))
    prod = reshape(a, inter_a) * reshape(b, inter_b)
    return reshape(prod, tuple(p * q for p, q in zip(a.shape, b.shape)))


# ---------------------------------------------------------------- np.linalg

@implements(np.linalg.solve)
def solve(a, b):
    a, b = arr(a), arr(b)
    return bind(solve_p, a, b, vec=b.ndim == 1)


@implements(np.linalg.inv)
def inv(a):
    return bind(inv_p, arr(a))


@implements(np.linalg.det)
def det(a):
    return bind(det_p, arr(a))


@implements(np.linalg.slogdet)
def slogdet(a):
    a = arr(a)
    return _SlogdetResult(bind(signdet_p, a), bind(logabsdet_p, a))


class _SlogdetResult(tuple):
    """``sign, logabsdet = np.linalg.slogdet(a)`` and ``.sign`` / ``.logabsdet`` both work."""
    def __new__(cls, sign, logabsdet):
        return super().__new__(cls, (sign, logabsdet))

    sign = property(lambda self: self[0])
    logabsdet = property(lambda self: self[1])


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (ord None/2, 1, inf, -inf, other p) and the Frobenius matrix norm; the
    matrix norms 1, -1, inf, -inf as max/min of absolute row/column sums."""
    x = arr(x)
    if axis is None and ord is None:
        axes = tuple(range(x.ndim))
    elif axis is None:
        axes = tuple(range(x.ndim)) if x.ndim <= 2 else None
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if axes is None:
        raise ValueError("Improper number of dimensions to norm.")
    if len(axes) == 1 or ord is None or ord == "fro":
        return _vector_norm(x, ord if ord != "fro" else None, axes, keepdims)
    return _matrix_norm(x, ord, axes, keepdims)


def _vector_norm(x, ord, axes, keepdims):
    if ord is None or ord == 2:
        return bind(sqrt0_p, sum(x * x, axis=axes, keepdims=keepdims))   # derivative 0 at 0
    if ord == np.inf:
        return amax(np.abs(x), axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return amin(np.abs(x), axis=axes, keepdims=keepdims)
    if ord == 1:
        return sum(np.abs(x), axis=axes, keepdims=keepdims)
    if ord == 0 or isinstance(ord, str):
        raise TracingError(f"np.linalg.norm(ord={ord!r}) is not supported by jaccli.")
    return sum(np.abs(x) ** ord, axis=axes, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    r, c = (a % x.ndim for a in axes)
    if ord in (1, -1):
        sums = sum(np.abs(x), axis=r, keepdims=True)
        res = (amax if ord == 1 else amin)(sums, axis=c, keepdims=True)
    elif ord in (np.inf, -np.inf):
        sums = sum(np.abs(x), axis=c, keepdims=True)
        res = (amax if ord == np.inf else amin)(sums, axis=r, keepdims=True)
    else:
        raise TracingError(f"np.linalg.norm(ord={ord!r}) for matrices is not supported by "
                           "jaccli yet (2 and 'nuc' need the SVD).")
    if not keepdims:
        res = reshape(res, tuple(d for i, d in enumerate(res.shape) if i not in (r, c)))
    return res


# ---------------------------------------------------------------- diagonals and triangles

@implements(np.diagonal)
def diagonal(a, offset=0, axis1=0, axis2=1):
    a = arr(a)
    moved = moveaxis(a, (axis1, axis2), (-2, -1))
    return bind_view(diagonal_p, moved, None, offset=int(offset))


method("diagonal")(lambda self, offset=0, axis1=0, axis2=1: diagonal(self, offset, axis1, axis2))


@implements(np.diag)
def diag(v, k=0):
    v = arr(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = v.shape[0] + abs(k)
    out = full_like_shape(v, (n, n), 0.0)
    i = np.arange(v.shape[0])
    return setitem(out, (i, i + k) if k >= 0 else (i - k, i), v)


def _triangle(lower):
    def impl(m, k=0):
        m = arr(m)
        rows, cols = m.shape[-2:]
        mask = np.tri(rows, cols, k=k, dtype=bool)
        mask = mask if lower else ~np.tri(rows, cols, k=k - 1, dtype=bool)
        return np.where(mask, m, 0.0)
    return impl


implements(np.tril)(_triangle(True))
implements(np.triu)(_triangle(False))
