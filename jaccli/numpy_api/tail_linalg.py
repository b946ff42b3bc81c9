"""The linear algebra tail: decompositions (cholesky, qr, eigh/eigvalsh, svd/svdvals,
eig/eigvals) on the primitives of jaccli/primitives/decompositions.py; compositions for
pinv, lstsq, matrix_power, cond, the SVD matrix norms, cross, convolve/correlate, multi_dot,
the np.linalg array-API aliases and the vecdot/matvec/vecmat ufuncs."""
import functools

import numpy as np

from ..errors import TracingError
from ..primitives.decompositions import (cholesky_p, eig_v_p, eig_w_p, eigh_v_p, eigh_w_p,
                                         qr_q_p, qr_r_p, svd_s_p, svd_u_p, svd_vt_p)
from ..tracer import HANDLED_FUNCTIONS, Tracer, bind
from ._dispatch import arr, implements, is_traced, ufunc
from .shape import _axis


def _value(a):
    return a.value if type(a) is Tracer else np.asarray(a)


def _square(a, name):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise np.linalg.LinAlgError(f"{name}: last 2 dimensions of the array must be square")


class _Result(tuple):
    """NumPy's named results (QRResult, EighResult, SVDResult ...): unpack or use fields."""
    _fields = ()

    def __new__(cls, *items):
        return super().__new__(cls, items)

    def __getattr__(self, name):
        if name in self._fields:
            return self[self._fields.index(name)]
        raise AttributeError(name)


def _result(*fields):
    return type("Result", (_Result,), {"_fields": fields})


QRResult = _result("Q", "R")
EighResult = _result("eigenvalues", "eigenvectors")
EigResult = _result("eigenvalues", "eigenvectors")
SVDResult = _result("U", "S", "Vh")


# ---------------------------------------------------------------- decompositions

@implements(np.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    """Reads the lower triangle (``upper=True``: the upper one) as NumPy does."""
    a = arr(a)
    _square(a, "cholesky")
    if upper:
        return np.swapaxes(bind(cholesky_p, np.swapaxes(a, -1, -2)), -1, -2)
    return bind(cholesky_p, a)


@implements(np.linalg.qr)
def qr(a, mode="reduced"):
    """Reduced QR; for m < n, the QR of the leading square block and R = [R1, Q^T a2]."""
    a = arr(a)
    m, n = a.shape[-2:]
    if mode == "complete" and m > n:
        raise TracingError("np.linalg.qr(mode='complete') of a tall matrix is not supported "
                           "by jaccli (the extra columns of Q are not unique); use 'reduced'.")
    if mode not in ("reduced", "complete", "r"):
        raise TracingError(f"np.linalg.qr(mode={mode!r}) is not supported by jaccli.")
    if m >= n:
        Q, R = bind(qr_q_p, a), bind(qr_r_p, a)
    else:
        Q, R1 = bind(qr_q_p, a[..., :m]), bind(qr_r_p, a[..., :m])
        R = np.concatenate([R1, np.swapaxes(Q, -1, -2) @ a[..., m:]], axis=-1)
    return R if mode == "r" else QRResult(Q, R)


def _uplo(a, UPLO):
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return a if UPLO == "L" else np.swapaxes(a, -1, -2)


@implements(np.linalg.eigh)
def eigh(a, UPLO="L"):
    a = _uplo(arr(a), UPLO)
    _square(a, "eigh")
    return EighResult(bind(eigh_w_p, a), bind(eigh_v_p, a))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    a = _uplo(arr(a), UPLO)
    _square(a, "eigvalsh")
    return bind(eigh_w_p, a)


@implements(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """``compute_uv=False`` or ``full_matrices=False``; the full U/V of a non-square matrix
    are not unique, so full_matrices=True (NumPy's default) works for square matrices only."""
    a = arr(a)
    if not compute_uv:
        return bind(svd_s_p, a)
    if full_matrices and a.shape[-1] != a.shape[-2]:
        raise TracingError("np.linalg.svd(full_matrices=True) of a non-square matrix is not "
                           "supported by jaccli (the extra singular vectors are not unique); "
                           "pass full_matrices=False.")
    return SVDResult(bind(svd_u_p, a), bind(svd_s_p, a), bind(svd_vt_p, a))


@implements(np.linalg.svdvals)
def svdvals(x, /):
    return bind(svd_s_p, arr(x))


@implements(np.linalg.eig)
def eig(a):
    a = arr(a)
    _square(a, "eig")
    return EigResult(bind(eig_w_p, a), bind(eig_v_p, a))


@implements(np.linalg.eigvals)
def eigvals(a):
    a = arr(a)
    _square(a, "eigvals")
    return bind(eig_w_p, a)


# ---------------------------------------------------------------- built on solve / svd

def _full_rank(a, name):
    """Rank is read from the value: the derivative exists only at full rank."""
    v = _value(a)
    s = np.linalg.svd(v, compute_uv=False)
    if np.any(s[..., -1] <= s[..., 0] * max(v.shape[-2:]) * np.finfo(v.dtype).eps):
        raise TracingError(f"{name} of a rank-deficient matrix is not differentiable; jaccli "
                           "supports full rank only.")


@implements(np.linalg.pinv)
def pinv(a, rcond=None, hermitian=False, *, rtol=np._NoValue):
    """(A^T A)^-1 A^T for full column rank, A^T (A A^T)^-1 for full row rank."""
    a = arr(a)
    _full_rank(a, "np.linalg.pinv")
    aT = np.swapaxes(a, -1, -2)
    if a.shape[-2] >= a.shape[-1]:
        return np.linalg.solve(aT @ a, aT)
    return np.swapaxes(np.linalg.solve(a @ aT, a), -1, -2)


@implements(np.linalg.lstsq)
def lstsq(a, b, rcond=None):
    """Full column rank: x = (A^T A)^-1 A^T b and the squared residual norms (traced); rank
    and singular values are returned as constants (values at the traced point)."""
    a, b = arr(a), arr(b)
    m, n = a.shape
    av = _value(a)
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
    _square(a, "matrix_power")
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
    return np.linalg.matrix_rank(_value(A), tol, hermitian, rtol=rtol)


_core_norm = HANDLED_FUNCTIONS[np.linalg.norm]


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """Adds to the core norms: the matrix norms 2, -2, 'nuc' (through the singular values)
    and the vector 'norm' 0 (the count of nonzero entries, zero derivative)."""
    x = arr(x)
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        axes = tuple(axis)
    elif axis is None and x.ndim == 2 and ord is not None:
        axes = (0, 1)
    else:
        axes = None
    if axes is not None and (ord in (2, -2) or (isinstance(ord, str) and ord == "nuc")):
        r, c = (_axis(k, x.ndim) for k in axes)
        s = bind(svd_s_p, np.moveaxis(x, (r, c), (-2, -1)))
        res = {2: np.max, -2: np.min}.get(ord, np.sum)(s, axis=-1)
        if keepdims:
            res = np.expand_dims(res, tuple(sorted((r, c))))
        return res
    if ord == 0 and axes is None and (axis is not None or x.ndim == 1):
        return np.sum(np.where(x != 0, 1.0, 0.0), axis=axis, keepdims=keepdims)
    return _core_norm(x, ord, axis, keepdims)


@implements(np.linalg.vector_norm)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    x = arr(x)
    axes = tuple(range(x.ndim)) if axis is None else tuple(
        _axis(a, x.ndim) for a in ((axis,) if isinstance(axis, int) else axis))
    kept = [d for d in range(x.ndim) if d not in axes]
    flat = np.reshape(np.transpose(x, kept + list(axes)), tuple(x.shape[d] for d in kept) + (-1,))
    res = norm(flat, ord, axis=-1)
    if keepdims:
        res = np.reshape(res, tuple(1 if d in axes else x.shape[d] for d in range(x.ndim)))
    return res


@implements(np.linalg.matrix_norm)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return norm(x, ord, axis=(-2, -1), keepdims=keepdims)


# ---------------------------------------------------------------- products

@implements(np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """3-vectors (2-vectors get a zero z; two 2-vectors give the z component)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = np.moveaxis(arr(a), axisa, -1)
    b = np.moveaxis(arr(b), axisb, -1)
    da, db = a.shape[-1], b.shape[-1]
    if da not in (2, 3) or db not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if da == db == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    if da == 2:
        a = np.concatenate([a, 0.0 * a[..., :1]], axis=-1)
    if db == 2:
        b = np.concatenate([b, 0.0 * b[..., :1]], axis=-1)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    c = np.stack(np.broadcast_arrays(a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0),
                 axis=-1)
    return np.moveaxis(c, -1, axisc)


def _convolve_full(a, v):
    """Full discrete convolution of 1-D a (length n) and v (length m <= n): windows of the
    zero-padded ``a`` gathered by one index matrix, times v."""
    n, m = a.shape[0], v.shape[0]
    if m == 1:
        return a * v[0]
    pad = np.zeros(m - 1)
    padded = np.concatenate([pad, a, pad])
    k = np.arange(n + m - 1)[:, None]
    j = np.arange(m)[None, :]
    return padded[k - j + (m - 1)] @ v


@implements(np.convolve)
def convolve(a, v, mode="full"):
    a, v = np.atleast_1d(arr(a)), np.atleast_1d(arr(v))
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError("object too deep for desired array")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError("a cannot be empty" if a.shape[0] == 0 else "v cannot be empty")
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    n, m = a.shape[0], v.shape[0]
    full = _convolve_full(a, v)
    if mode == "full":
        return full
    if mode == "same":
        start = (m - 1) // 2
        return full[start:start + n]
    if mode == "valid":
        return full[m - 1:n]
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")


@implements(np.correlate)
def correlate(a, v, mode="valid"):
    return convolve(a, np.atleast_1d(arr(v))[::-1], mode)


@implements(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    if out is not None:
        raise TracingError("np.linalg.multi_dot(..., out=...) is not supported; assign.")
    return functools.reduce(np.matmul, arrays)


# ---------------------------------------------------------------- array-API aliases

implements(np.linalg.matmul)(lambda x1, x2, /: np.matmul(x1, x2))
implements(np.linalg.tensordot)(lambda x1, x2, /, *, axes=2: np.tensordot(x1, x2, axes))
implements(np.linalg.matrix_transpose)(lambda x, /: np.swapaxes(x, -1, -2))
implements(np.linalg.diagonal)(lambda x, /, *, offset=0: np.diagonal(x, offset, -2, -1))
implements(np.linalg.outer)(lambda x1, x2, /: np.outer(x1, x2))
implements(np.linalg.cross)(lambda x1, x2, /, *, axis=-1: cross(x1, x2, axis=axis))


@implements(np.linalg.trace)
def _linalg_trace(x, /, *, offset=0, dtype=None):
    return np.sum(np.diagonal(x, offset, -2, -1), axis=-1)


@implements(np.linalg.vecdot)
def _linalg_vecdot(x1, x2, /, *, axis=-1):
    return np.sum(arr(x1) * arr(x2), axis=axis)


def _gufunc(name, spec):
    def impl(x1, x2, **kwargs):
        axis = kwargs.pop("axis", None)
        bad = [k for k, v in kwargs.items() if v is not None and k not in ("dtype", "casting")]
        if bad:
            raise TracingError(f"np.{name}: keyword argument(s) {', '.join(bad)} are not "
                               "supported by jaccli on traced arrays.")
        if axis is not None:
            return np.sum(arr(x1) * arr(x2), axis=axis)
        return np.einsum(spec, x1, x2)
    return impl


for _name, _spec in (("vecdot", "...i,...i->..."), ("matvec", "...ij,...j->...i"),
                     ("vecmat", "...j,...ji->...i")):
    if hasattr(np, _name):
        ufunc(getattr(np, _name))(_gufunc(_name, _spec))
