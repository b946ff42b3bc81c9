"""Matrix decompositions: cholesky, qr, eigh, svd, eig (real spectrum). Our primitives are
single-output, so each factor is its own primitive sharing one impl (``qr_q`` / ``qr_r``,
``svd_u`` / ``svd_s`` / ``svd_vt``, ...); a factor computed twice costs one more LAPACK call.

Every rule works on stacks of matrices: primal inputs carry the point axes, tangents and
cotangents the seed axes in front of those, and np.matmul broadcasts over both.

NOTE: symmetric inputs. np.linalg.cholesky and eigh read only the lower triangle of ``a``
(``UPLO='L'``); the function they compute is of S = tril(a) + tril(a, -1).T, and so are our
derivatives: entries above the diagonal get zero derivative, entries below count twice over a
symmetric perturbation (``_sym_in`` / ``_sym_ct``).

NOTE: uniqueness. eigh, svd and eig are differentiable where the spectrum is simple (distinct
eigenvalues / singular values, and nonzero singular values for the reduced SVD's extra
columns). At a degenerate point the factors are not unique and the derivative of U, V does
not exist (the 1 / (w_j - w_i) factors blow up); the eigen- and singular *values* stay
differentiable in directions that keep them simple, and symmetric functions of them (sums,
norms) everywhere. Signs of eigen/singular vectors are LAPACK's choice: locally constant, so
the derivatives are those of the vectors NumPy returns.
"""
import numpy as np

from ..backend import xp_of
from ..errors import TracingError
from ..rules import eval_on_trailing_axes, jvp_rules, mT, primitive, vjp_rules


def _diag(v):
    """Stack of vectors -> stack of diagonal matrices."""
    return v[..., :, None] * xp_of(v).eye(v.shape[-1], dtype=v.dtype)


def _diag_part(m):
    return np.diagonal(m, 0, -2, -1)


def _sym_in(t, UPLO="L"):
    """The perturbation of S = tril(a) + tril(a, -1).T caused by a perturbation t of a
    (``UPLO='U'``: of S = triu(a) + triu(a, 1).T)."""
    if UPLO == "U":
        return np.triu(t) + mT(np.triu(t, 1))
    return np.tril(t) + mT(np.tril(t, -1))


def _sym_ct(g, UPLO="L"):
    """Transpose of ``_sym_in``: a cotangent of S -> the cotangent of a."""
    if UPLO == "U":
        return np.triu(g) + np.triu(mT(g), 1)
    return np.tril(g) + np.tril(mT(g), -1)


def _offdiag_inverse(w):
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it."""
    d = w[..., None, :] - w[..., :, None]
    eye = xp_of(w).eye(w.shape[-1], dtype=bool)
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, d))


# ---------------------------------------------------------------- cholesky
# dL = L Phi(L^-1 dS L^-T), Phi: strictly lower part plus half the diagonal.
# Adjoint: G = L^-T Phi(L^T Lbar) L^-1 (then _sym_ct).

def _phi(x):
    return np.tril(x, -1) + 0.5 * _diag(_diag_part(x))


def _cholesky_impl(a):
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise TracingError("np.linalg.cholesky: the matrix is not positive definite.") from None


cholesky_p = primitive("cholesky", _cholesky_impl, "decomposition")


def _cholesky_jvp(e, xs, L, ts):
    Li = np.linalg.inv(L)
    return L @ _phi(Li @ _sym_in(ts[0]) @ mT(Li))


def _cholesky_vjp(e, xs, L, ct, needs):
    Li = np.linalg.inv(L)
    return (_sym_ct(mT(Li) @ _phi(mT(L) @ ct) @ Li),)


jvp_rules[cholesky_p], vjp_rules[cholesky_p] = _cholesky_jvp, _cholesky_vjp


# ---------------------------------------------------------------- qr (reduced, m >= n)
# D = dA R^-1, C = Q^T D, O = tril(C, -1) - tril(C, -1)^T:
#   dQ = Q (O - C) + D,  dR = (C - O) R.
# Adjoint: M = Q^T Qbar - Rbar R^T, Cbar = tril(M - M^T, -1) - M, Abar = (Qbar + Q Cbar) R^-T.

def _qr(a):
    if a.shape[-2] < a.shape[-1]:
        raise TracingError("qr primitive: m >= n expected (wider matrices are handled by "
                           "np.linalg.qr itself).")
    return np.linalg.qr(a, mode="reduced")


qr_q_p = primitive("qr_q", lambda a: _qr(a)[0], "decomposition")
qr_r_p = primitive("qr_r", lambda a: _qr(a)[1], "decomposition")


def _qr_tangents(a, t):
    Q, R = _qr(a)
    D = mT(np.linalg.solve(mT(R), mT(t)))        # t R^-1
    C = mT(Q) @ D
    low = np.tril(C, -1)
    O = low - mT(low)
    return Q @ (O - C) + D, (C - O) @ R


def _qr_ct(a, qbar, rbar):
    Q, R = _qr(a)
    M = 0.0
    if qbar is not None:
        M = mT(Q) @ qbar
    if rbar is not None:
        M = M - rbar @ mT(R)
    Cbar = np.tril(M - mT(M), -1) - M
    Dbar = Q @ Cbar if qbar is None else qbar + Q @ Cbar
    return mT(np.linalg.solve(R, mT(Dbar)))          # Dbar R^-T


jvp_rules[qr_q_p] = lambda e, xs, out, ts: _qr_tangents(xs[0], ts[0])[0]
jvp_rules[qr_r_p] = lambda e, xs, out, ts: _qr_tangents(xs[0], ts[0])[1]
vjp_rules[qr_q_p] = lambda e, xs, out, ct, needs: (_qr_ct(xs[0], ct, None),)
vjp_rules[qr_r_p] = lambda e, xs, out, ct, needs: (_qr_ct(xs[0], None, ct),)


# ---------------------------------------------------------------- eigh (params: UPLO)
# P = V^T dS V:  dw = diag(P),  dV = V (F o P).
# Adjoint: G = V (diag(wbar) + F o (V^T Vbar)) V^T  (then _sym_ct).

eigh_w_p = primitive("eigh_w", lambda a, UPLO="L": np.linalg.eigh(a, UPLO)[0], "decomposition")
eigh_v_p = primitive("eigh_v", lambda a, UPLO="L": np.linalg.eigh(a, UPLO)[1], "decomposition")


def _eigh_P(e, a, t):
    uplo = e.params.get("UPLO", "L")
    w, V = np.linalg.eigh(a, uplo)
    return w, V, mT(V) @ _sym_in(t, uplo) @ V


jvp_rules[eigh_w_p] = lambda e, xs, out, ts: _diag_part(_eigh_P(e, xs[0], ts[0])[2])


def _eigh_v_jvp(e, xs, out, ts):
    w, V, P = _eigh_P(e, xs[0], ts[0])
    return V @ (_offdiag_inverse(w) * P)


jvp_rules[eigh_v_p] = _eigh_v_jvp


def _eigh_ct(e, a, inner):
    uplo = e.params.get("UPLO", "L")
    w, V = np.linalg.eigh(a, uplo)
    return (_sym_ct(V @ inner(w, V) @ mT(V), uplo),)


vjp_rules[eigh_w_p] = lambda e, xs, out, ct, needs: _eigh_ct(e, xs[0], lambda w, V: _diag(ct))
vjp_rules[eigh_v_p] = lambda e, xs, out, ct, needs: _eigh_ct(
    e, xs[0], lambda w, V: _offdiag_inverse(w) * (mT(V) @ ct))


# ---------------------------------------------------------------- svd (reduced)
# k = min(m, n), P = U^T dA V, F[i, j] = 1 / (s_j^2 - s_i^2):
#   ds = diag(P),  dU = U (F o (P S + S P^T)) + [m > n] (I - U U^T) dA V S^-1,
#   dV = V (F o (S P + P^T S)) + [n > m] (I - V V^T) dA^T U S^-1.
# Adjoint: Pbar = diag(sbar) + (Ju + Ju^T) S + S (Jv + Jv^T), Ju = F o (U^T Ubar), Jv likewise,
#   Abar = U Pbar V^T + [m > n] (I - U U^T) Ubar S^-1 V^T + [n > m] U S^-1 Vbar^T (I - V V^T).

def _svd(a):
    U, s, Vt = np.linalg.svd(a, full_matrices=False)
    return U, s, mT(Vt)


svd_u_p = primitive("svd_u", lambda a: np.linalg.svd(a, full_matrices=False)[0], "decomposition")
svd_s_p = primitive("svd_s", lambda a: np.linalg.svd(a, compute_uv=False), "decomposition")
svd_vt_p = primitive("svd_vt", lambda a: np.linalg.svd(a, full_matrices=False)[2],
                     "decomposition")


def _svd_F(s):
    return _offdiag_inverse(s * s)


def _svd_tangent(a, t, which):
    U, s, V = _svd(a)
    P = mT(U) @ t @ V
    if which == "s":
        return _diag_part(P)
    S = s[..., None, :]                  # right-multiplying by diag(s) scales columns
    m, n = a.shape[-2:]
    if which == "u":
        PS = P * S
        dU = U @ (_svd_F(s) * (PS + mT(PS)))
        if m > n:
            tV = t @ V
            dU = dU + (tV - U @ (mT(U) @ tV)) / S
        return dU
    SP = mT(S) * P
    dV = V @ (_svd_F(s) * (SP + mT(SP)))
    if n > m:
        tU = mT(t) @ U
        dV = dV + (tU - V @ (mT(V) @ tU)) / S
    return mT(dV)


def _svd_ct(a, ct, which):
    U, s, V = _svd(a)
    S = s[..., None, :]
    m, n = a.shape[-2:]
    if which == "s":
        return U @ _diag(ct) @ mT(V)
    if which == "u":
        J = _svd_F(s) * (mT(U) @ ct)
        g = U @ ((J + mT(J)) * S) @ mT(V)
        if m > n:
            g = g + ((ct - U @ (mT(U) @ ct)) / S) @ mT(V)
        return g
    vbar = mT(ct)
    J = _svd_F(s) * (mT(V) @ vbar)
    g = U @ (mT(S) * (J + mT(J))) @ mT(V)
    if n > m:
        g = g + (U / S) @ (mT(vbar) - (mT(vbar) @ V) @ mT(V))
    return g


for _p, _which in ((svd_u_p, "u"), (svd_s_p, "s"), (svd_vt_p, "vt")):
    jvp_rules[_p] = lambda e, xs, out, ts, w=_which: _svd_tangent(xs[0], ts[0], w)
    vjp_rules[_p] = lambda e, xs, out, ct, needs, w=_which: (_svd_ct(xs[0], ct, w),)


# ---------------------------------------------------------------- eig (real, distinct)
# P = V^-1 dA V:  dw = diag(P),  dV0 = V (F o P),  dV = dV0 - V diag(diag(V^T dV0))
# (NumPy scales each eigenvector to unit length).
# Adjoint: Vbar0 = Vbar - V diag(diag(V^T Vbar)), Pbar = diag(wbar) + F o (V^T Vbar0),
#   Abar = V^-T Pbar V^T.

def _eig(a):
    w, V = np.linalg.eig(a)
    if w.dtype.kind == "c":
        raise TracingError("np.linalg.eig: the matrix has complex eigenvalues; jaccli "
                           "differentiates eig of real matrices with a real spectrum only.")
    return w, V


eig_w_p = primitive("eig_w", lambda a: _eig(a)[0], "decomposition")
eig_v_p = primitive("eig_v", lambda a: _eig(a)[1], "decomposition")


def _eig_P(a, t):
    w, V = _eig(a)
    return w, V, np.linalg.solve(V, t @ V)


jvp_rules[eig_w_p] = lambda e, xs, out, ts: _diag_part(_eig_P(xs[0], ts[0])[2])


def _eig_v_jvp(e, xs, out, ts):
    w, V, P = _eig_P(xs[0], ts[0])
    dV = V @ (_offdiag_inverse(w) * P)
    return dV - V * np.sum(V * dV, axis=-2, keepdims=True)


jvp_rules[eig_v_p] = _eig_v_jvp


def _eig_ct(a, pbar_of):
    w, V = _eig(a)
    Pbar = pbar_of(w, V)
    return (np.linalg.solve(mT(V), Pbar @ mT(V)),)     # V^-T Pbar V^T


def _eig_v_pbar(ct):
    def pbar(w, V):
        vbar0 = ct - V * np.sum(V * ct, axis=-2, keepdims=True)
        return _offdiag_inverse(w) * (mT(V) @ vbar0)
    return pbar


vjp_rules[eig_w_p] = lambda e, xs, out, ct, needs: _eig_ct(xs[0], lambda w, V: _diag(ct))
vjp_rules[eig_v_p] = lambda e, xs, out, ct, needs: _eig_ct(xs[0], _eig_v_pbar(ct))


# ---------------------------------------------------------------- evaluation with leading axes

for _p in (cholesky_p, qr_q_p, qr_r_p, eigh_w_p, eigh_v_p, svd_u_p, svd_s_p, svd_vt_p, eig_w_p,
           eig_v_p):
    eval_on_trailing_axes(_p)
