"""Matrix decompositions on the primitives of jaccli/primitives/decompositions.py: cholesky,
qr, eigh / eigvalsh, svd / svdvals, eig / eigvals, with NumPy's named results."""
import numpy as np

from ..dispatch import implements
from ..errors import TracingError
from ..primitives.decompositions import (cholesky_p, eig_v_p, eig_w_p, eigh_v_p, eigh_w_p,
                                         qr_q_p, qr_r_p, svd_s_p, svd_u_p, svd_vt_p)
from ..tracer import bind
from .common import arr, named_result, square_matrix


QRResult = named_result("Q", "R")


EighResult = named_result("eigenvalues", "eigenvectors")


EigResult = named_result("eigenvalues", "eigenvectors")


SVDResult = named_result("U", "S", "Vh")


@implements(np.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    """Reads the lower triangle (``upper=True``: the upper one) as NumPy does."""
    a = arr(a)
    square_matrix(a, "cholesky")
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
    square_matrix(a, "eigh")
    return EighResult(bind(eigh_w_p, a), bind(eigh_v_p, a))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    a = _uplo(arr(a), UPLO)
    square_matrix(a, "eigvalsh")
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
    square_matrix(a, "eig")
    return EigResult(bind(eig_w_p, a), bind(eig_v_p, a))


@implements(np.linalg.eigvals)
def eigvals(a):
    a = arr(a)
    square_matrix(a, "eigvals")
    return bind(eig_w_p, a)
