"""np.linalg beyond products and decompositions: solve, inv, det, slogdet, the norms, pinv,
lstsq, matrix_power, cond, matrix_rank; diag / diagonal / triu / tril and the np.linalg
aliases matrix_transpose / diagonal / trace."""
import numpy as np

from ..backend import on_gpu, xp_of
from ..dispatch import implements, method
from ..errors import TracingError
from ..primitives.decompositions import svd_s_p
from ..primitives.elementwise import sqrt0_p
from ..primitives.linalg import (det_p, diagonal_p, inv_p, logabsdet_p, pinv_p, signdet_p,
                                 solve_p)
from ..tracer import bind, bind_view
from .common import arr, is_traced, named_result, normalize_axis, square_matrix, value_of
from .creation import full_like_shape
from .indexing import setitem
from .reductions import amax, amin, sum
from .shape import moveaxis, reshape


# ---------------------------------------------------------------- solve, inv, det

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


# ``sign, logabsdet = np.linalg.slogdet(a)`` and ``.sign`` / ``.logabsdet`` both work.
SlogdetResult = named_result("sign", "logabsdet")


@implements(np.linalg.slogdet)
def slogdet(a):
    a = arr(a)
    return SlogdetResult(bind(signdet_p, a), bind(logabsdet_p, a))


# ---------------------------------------------------------------- norms

@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """The matrix norms 2, -2, 'nuc' through the singular values, the vector 'norm' 0 (the
    count of nonzero entries, zero derivative); every other norm in ``_basic_norm``."""
    x = arr(x)
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        axes = tuple(axis)
    elif axis is None and x.ndim == 2 and ord is not None:
        axes = (0, 1)
    else:
        axes = None
    spectral = axes is not None and (ord in (2, -2) or (isinstance(ord, str) and ord == "nuc"))
    if x.dtype.kind == "c" and not spectral:
        x = np.abs(x)        # every other norm of a complex array is that norm of |x|
    if spectral:
        r, c = (normalize_axis(k, x.ndim) for k in axes)
        s = bind(svd_s_p, np.moveaxis(x, (r, c), (-2, -1)))
        res = {2: np.max, -2: np.min}.get(ord, np.sum)(s, axis=-1)
        if keepdims:
            res = np.expand_dims(res, tuple(sorted((r, c))))
        return res
    if ord == 0 and axes is None and (axis is not None or x.ndim == 1):
        return np.sum(np.where(x != 0, 1.0, 0.0), axis=axis, keepdims=keepdims)
    return _basic_norm(x, ord, axis, keepdims)


def _basic_norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (ord None/2, 1, inf, -inf, other p) and the Frobenius matrix norm; the
    matrix norms 1, -1, inf, -inf as max/min of absolute row/column sums. (No SVD.)"""
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
                           "jaccli.")          # 2, -2 and 'nuc' are handled in norm
    if not keepdims:
        res = reshape(res, tuple(d for i, d in enumerate(res.shape) if i not in (r, c)))
    return res


@implements(np.linalg.vector_norm)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    x = arr(x)
    axes = tuple(range(x.ndim)) if axis is None else tuple(
        normalize_axis(a, x.ndim) for a in ((axis,) if isinstance(axis, int) else axis))
    kept = [d for d in range(x.ndim) if d not in axes]
    flat = np.reshape(np.transpose(x, kept + list(axes)), tuple(x.shape[d] for d in kept) + (-1,))
    res = norm(flat, ord, axis=-1)
    if keepdims:
        res = np.reshape(res, tuple(1 if d in axes else x.shape[d] for d in range(x.ndim)))
    return res


@implements(np.linalg.matrix_norm)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return norm(x, ord, axis=(-2, -1), keepdims=keepdims)


# ---------------------------------------------------------------- built on solve / svd

def _full_rank(a, name):
    """Rank is read from the value: the derivative exists only at full rank."""
    v = value_of(a)
    s = np.linalg.svd(v, compute_uv=False)
    if np.any(s[..., -1] <= s[..., 0] * max(v.shape[-2:]) * np.finfo(v.dtype).eps):
        raise TracingError(f"{name} of a rank-deficient matrix is not differentiable; jaccli "
                           "supports full rank only.")


def _stable_rank(a, rtol, name):
    """NOTE: pinv is differentiable where its rank is locally constant. NumPy keeps the
    singular values above cut = rtol * s_max and drops the others. Dropped ones are zero (to
    rounding: a rank-deficient matrix has them near eps * s_max); kept ones must be clearly
    nonzero: above sqrt(eps) * s_max and not within a relative 1e-6 of the cut. Otherwise a
    change of ``a`` far smaller than its rounding may change the rank, the derivative does
    not exist (or is noise), and we refuse, saying so."""
    v = value_of(a)
    if v.size == 0:
        return
    s = np.linalg.svd(v, compute_uv=False)
    s0 = s[..., :1]
    cut = s0 * xp_of(s).asarray(rtol)[..., None]          # on the values' device
    floor = np.maximum(cut * (1 + 1e-6), s0 * np.sqrt(np.finfo(v.dtype).eps))
    ambiguous = ((s > cut) & (s <= floor)) | ((s > cut * (1 - 1e-6)) & (s <= cut) & (s > 0))
    if np.any(ambiguous):
        raise TracingError(f"{name}: a singular value of the matrix is kept by the rank "
                           "cut-off (rtol * largest singular value) yet indistinguishable from "
                           "zero, or lies at the cut-off: the rank is not locally constant "
                           "there and pinv has no derivative. Pass an rtol (rcond) that "
                           "separates the zero singular values from the others.")


@implements(np.linalg.pinv)
def pinv(a, rcond=None, hermitian=False, *, rtol=np._NoValue):
    """NumPy's value (its rtol / rcond cut-off) and the derivative of locally constant rank
    (full or not). ``hermitian=True`` reads the lower triangle, as NumPy does."""
    a = arr(a)
    if hermitian:
        square_matrix(a, "pinv")
        a = np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)
    if rcond is not None and rtol is not np._NoValue and rtol is not None:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if rcond is None:
        rcond = rtol if rtol is not np._NoValue and rtol is not None \
            else max(a.shape[-2:]) * np.finfo(np.result_type(a.dtype, float)).eps
    _stable_rank(a, rcond, "np.linalg.pinv")
    return bind(pinv_p, a, rtol=rcond)


@implements(np.linalg.lstsq)
def lstsq(a, b, rcond=None):
    """Full column rank: x = (A^T A)^-1 A^T b and the squared residual norms (traced); rank
    and singular values are returned as constants (values at the traced point)."""
    a, b = arr(a), arr(b)
    m, n = a.shape
    av = value_of(a)
    sv = np.linalg.svd(av, compute_uv=False)
    rank = int(np.sum(sv > sv[0] * max(m, n) * np.finfo(av.dtype).eps))
    if rank < n:
        raise TracingError("np.linalg.lstsq: jaccli differentiates full column rank problems "
                           "only (rank < number of columns here).")
    aT = a.T
    x = np.linalg.solve(aT @ a, aT @ b)
    if m > n:
        r = b - a @ x
        res = np.sum(r * r, axis=0)
        res = np.reshape(res, (1,)) if b.ndim == 1 else res
    else:
        res = np.empty((0,))
    return x, res, rank, sv


@implements(np.linalg.matrix_power)
def matrix_power(a, n):
    """Repeated squaring with matmul; n < 0 through inv."""
    a = arr(a)
    square_matrix(a, "matrix_power")
    n = int(n)
    if n == 0:
        return np.zeros_like(a) + np.eye(a.shape[-1])
    if n < 0:
        a, n = np.linalg.inv(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else result @ a
        n >>= 1
        if n:
            a = a @ a
    return result


@implements(np.linalg.cond)
def cond(x, p=None):
    x = arr(x)
    if p is None or p in (2, -2):
        s = bind(svd_s_p, x)
        return (s[..., -1] / s[..., 0]) if p == -2 else (s[..., 0] / s[..., -1])
    return np.linalg.norm(x, p, axis=(-2, -1)) * np.linalg.norm(np.linalg.inv(x), p,
                                                                axis=(-2, -1))


@implements(np.linalg.matrix_rank)
def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    if is_traced(A):
        A.builder.read_value("np.linalg.matrix_rank read a traced value")
    M = value_of(A)
    if type(M) is np.ndarray or not on_gpu(M):
        return np.linalg.matrix_rank(M, tol, hermitian, rtol=rtol)
    return _device_matrix_rank(M, tol, hermitian, rtol)


def _device_matrix_rank(M, tol, hermitian, rtol):
    """np.linalg.matrix_rank on a CuPy array: cupy.linalg.matrix_rank(M, tol=None) takes
    neither ``hermitian`` nor ``rtol``, so with them NumPy's rule is written out (on the
    CuPy module only: scripts/coverage.py would read NumPy calls here as primitives)."""
    xp = xp_of(M)
    if not hermitian and rtol is None or M.ndim < 2:
        return xp.linalg.matrix_rank(M, tol)
    if tol is not None and rtol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    S = xp.abs(xp.linalg.eigvalsh(M)) if hermitian else xp.linalg.svd(M, compute_uv=False)
    if tol is None:
        rtol = max(M.shape[-2:]) * xp.finfo(S.dtype).eps if rtol is None else \
            xp.asarray(rtol)[..., None]
        tol = S.max(axis=-1, keepdims=True) * rtol
    else:
        tol = xp.asarray(tol)[..., None]
    return xp.count_nonzero(S > tol, axis=-1)


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


implements(np.linalg.matrix_transpose)(lambda x, /: np.swapaxes(x, -1, -2))


implements(np.linalg.diagonal)(lambda x, /, *, offset=0: np.diagonal(x, offset, -2, -1))


@implements(np.linalg.trace)
def _linalg_trace(x, /, *, offset=0, dtype=None):
    return np.sum(np.diagonal(x, offset, -2, -1), axis=-1, dtype=dtype)
