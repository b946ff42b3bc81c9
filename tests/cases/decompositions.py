"""Derivative cases: cholesky, qr, eigh, svd, eig and their values-only forms."""
import numpy as np

from .table import M, case, normal, real_spectrum, signfix, spd, sv_distinct, sym_distinct


# ---- linear algebra: decompositions --------------------------------------------------
case("cholesky", np.linalg.cholesky, spd(3))
case("cholesky-full-matrix", lambda a: np.linalg.cholesky(a + np.triu(a, 1) * 0.3),
     spd(3))
case("cholesky-upper", lambda a: np.linalg.cholesky(a, upper=True), spd(3))
case("cholesky-stack", np.linalg.cholesky, lambda r: (np.stack([spd(2)(r)[0], spd(2)(r)[0]]),))
case("cholesky-solve", lambda a, b: np.linalg.cholesky(a) @ b, spd(3, (3, 2)), argnums=M)
case("qr-Q", lambda a: signfix(np.linalg.qr(a)[0]), normal((4, 3)))
case("qr-R", lambda a: np.linalg.qr(a).R, normal((4, 3)))
case("qr-square", lambda a: np.linalg.qr(a)[0] @ np.diag([1.0, 2.0, 3.0]) + np.linalg.qr(a)[1],
     normal((3, 3)))
case("qr-wide", lambda a: np.linalg.qr(a)[1] * 1.0, normal((2, 4)))
case("qr-wide-Q", lambda a: np.linalg.qr(a)[0] * 1.0, normal((2, 4)))
case("qr-mode-r", lambda a: np.linalg.qr(a, mode="r"), normal((5, 2)))
case("qr-stack", lambda a: np.linalg.qr(a)[1], normal((2, 3, 2)))
case("eigh-w", lambda a: np.linalg.eigh(a)[0], sym_distinct(4))
case("eigh-V", lambda a: signfix(np.linalg.eigh(a).eigenvectors), sym_distinct(3))
case("eigh-upper", lambda a: np.linalg.eigh(a, UPLO="U")[0], sym_distinct(3))
case("eigh-lower-only", lambda a: np.linalg.eigh(a + np.triu(a, 1))[0], sym_distinct(3))
case("eigh-reconstruct", lambda a: (lambda w, V: V @ np.diag(np.exp(w)) @ V.T)(
    *np.linalg.eigh(a)), sym_distinct(3))
case("eigvalsh", np.linalg.eigvalsh, sym_distinct(4))
case("svd-s", lambda a: np.linalg.svd(a, compute_uv=False), sv_distinct((4, 3)))
case("svd-s-wide", lambda a: np.linalg.svd(a, compute_uv=False), sv_distinct((2, 4)))
case("svdvals", lambda a: np.linalg.svdvals(a), sv_distinct((3, 3)))
for _shape in ((4, 3), (3, 3), (2, 4)):
    _tag = "x".join(map(str, _shape))
    case(f"svd-U-{_tag}", lambda a: signfix(np.linalg.svd(a, full_matrices=False)[0]),
         sv_distinct(_shape))
    case(f"svd-Vh-{_tag}", lambda a: signfix(np.linalg.svd(a, full_matrices=False)[2].T),
         sv_distinct(_shape))
    case(f"svd-UsVh-{_tag}", lambda a: (lambda U, s, Vh: (U * np.sqrt(s)) @ Vh)(
        *np.linalg.svd(a, full_matrices=False)), sv_distinct(_shape))
case("svd-square-full", lambda a: np.linalg.svd(a).S, sv_distinct((3, 3)))
case("eig-w", lambda a: np.linalg.eig(a)[0], real_spectrum(3))
case("eig-V", lambda a: signfix(np.linalg.eig(a).eigenvectors), real_spectrum(3))
case("eigvals", lambda a: np.sort(np.linalg.eigvals(a)), real_spectrum(4))

# ---- issue 18: UPLO and hermitian= reach the primitives (no signfix: signs must be NumPy's)
_NONSYM = lambda r: (sym_distinct(4)(r)[0] + np.tril(r.standard_normal((4, 4)), -1),)
case("eigh-V-upper-raw", lambda a: np.linalg.eigh(a, "U")[1], _NONSYM)
case("eigh-V-lower-raw", lambda a: np.linalg.eigh(a, "L")[1], _NONSYM)
case("eigh-w-upper-nonsym", lambda a: np.linalg.eigh(a, UPLO="U").eigenvalues, _NONSYM)
case("eigvalsh-upper-nonsym", lambda a: np.linalg.eigvalsh(a, "U"), _NONSYM)
case("svd-hermitian-U", lambda a: np.linalg.svd(a, hermitian=True)[0], _NONSYM)
case("svd-hermitian-S", lambda a: np.linalg.svd(a, hermitian=True)[1], _NONSYM)
case("svd-hermitian-Vh", lambda a: np.linalg.svd(a, hermitian=True)[2], _NONSYM)
case("svd-hermitian-s-only", lambda a: np.linalg.svd(a, hermitian=True, compute_uv=False),
     _NONSYM)
