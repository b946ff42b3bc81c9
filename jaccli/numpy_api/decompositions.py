"""Matrix decompositions on the primitives of jaccli/primitives/decompositions.py: cholesky,
qr, eigh / eigvalsh, svd / svdvals, eig / eigvals, with NumPy's named results."""
import numpy as np

from ..dispatch import implements
from ..errors import TracingError
from ..primitives.decompositions import (cholesky_p, eig_v_p, eig_w_p, eigh_v_p, eigh_w_p,
                                         qr_q_p, qr_r_p, svd_s_p, svd_u_p, svd_vt_p)
from ..tracer import bind
from .common import arr, named_result, note_value_read, square_matrix, value_of


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


def _uplo(UPLO):
    """NumPy accepts 'L', 'U' and their lower-case forms."""
    uplo = UPLO.upper() if isinstance(UPLO, str) else UPLO
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return uplo


@implements(np.linalg.eigh)
def eigh(a, UPLO="L"):
    """The triangle ``UPLO`` names goes into the primitives: eigenvectors (their signs
    included) are LAPACK's for that triangle, as NumPy's are."""
    a, uplo = arr(a), _uplo(UPLO)
    square_matrix(a, "eigh")
    return EighResult(bind(eigh_w_p, a, UPLO=uplo), bind(eigh_v_p, a, UPLO=uplo))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    a, uplo = arr(a), _uplo(UPLO)
    square_matrix(a, "eigvalsh")
    return bind(eigh_w_p, a, UPLO=uplo)


@implements(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """``compute_uv=False`` or ``full_matrices=False``; the full U/V of a non-square matrix
    are not unique, so full_matrices=True (NumPy's default) works for square matrices only."""
    a = arr(a)
    if hermitian:
        return _svd_hermitian(a, compute_uv)
    if not compute_uv:
        return bind(svd_s_p, a)
    if full_matrices and a.shape[-1] != a.shape[-2]:
        raise TracingError("np.linalg.svd(full_matrices=True) of a non-square matrix is not "
                           "supported by jaccli (the extra singular vectors are not unique); "
                           "pass full_matrices=False.")
    return SVDResult(bind(svd_u_p, a), bind(svd_s_p, a), bind(svd_vt_p, a))


def _svd_hermitian(a, compute_uv):
    """NumPy's ``hermitian=True`` path, step by step: eigh of the lower triangle, singular
    values |w| sorted descending, U the eigenvectors in that order, Vh = (U * sign(w)).T."""
    square_matrix(a, "svd")
    w = bind(eigh_w_p, a, UPLO="L")
    s = np.abs(w)
    order = np.argsort(value_of(s), axis=-1)[..., ::-1]       # a decision on the values
    note_value_read(a, "np.linalg.svd(hermitian=True) sorted the singular values, which")
    s_sorted = np.take_along_axis(s, order, axis=-1)
    if not compute_uv:
        return s_sorted
    sign = np.sign(value_of(w))
    V = bind(eigh_v_p, a, UPLO="L")
    U = np.take_along_axis(V, order[..., None, :], axis=-1)
    sign = np.take_along_axis(sign, order, axis=-1)
    return SVDResult(U, s_sorted, np.swapaxes(U * sign[..., None, :], -1, -2))


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
