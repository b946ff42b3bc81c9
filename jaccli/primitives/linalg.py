"""Linear algebra primitives: matmul, einsum, solve, inv, det, log|det|, diagonal.

``lmatmul`` and ``lsolve`` are np.matmul / np.linalg.solve on *logical* ranks: they accept
leading (seed / point) axes on either operand, and fold those axes into one large BLAS/LAPACK
call when the other operand has none (one GEMM for K seeds, not K small ones).
"""
import numpy as np

from ..backend import on_gpu, xp_of
from ..rules import (defnondiff, eval_as_linear, eval_on_trailing_axes, eval_rules, jvp_rules,
                     lazy_shapes, lift, mT, primitive, seed_rules, unbroadcast, vjp_rules, zeros)


# ---------------------------------------------------------------- matmul

def lmatmul(a, b, ra, rb):
    """``np.matmul(a, b)`` for operands of logical ranks ``ra``, ``rb`` plus leading axes."""
    if b.ndim == rb == 2 and ra <= 2:          # every row of a (and its leading axes) @ B
        return (a.reshape(-1, a.shape[-1]) @ b).reshape(a.shape[:-1] + b.shape[-1:])
    if a.ndim == ra == 2 and rb == 1:          # A @ every vector of b
        return (b.reshape(-1, b.shape[-1]) @ a.T).reshape(b.shape[:-1] + a.shape[:1])
    A = a[..., None, :] if ra == 1 else a
    B = b[..., :, None] if rb == 1 else b
    rA, rB = max(ra, 2), max(rb, 2)
    r = max(rA, rB)
    out = np.matmul(lift(A, rA, r), lift(B, rB, r))
    if rb == 1:
        out = out[..., 0]
    if ra == 1:
        out = out[..., 0] if rb == 1 else out[..., 0, :]
    return out


matmul_p = primitive("matmul", np.matmul, "contraction")


def _matmul_jvp(e, xs, out, ts):
    (sa, sb), (a, b) = e.in_shapes, xs
    acc = None
    if ts[0] is not None:
        acc = lmatmul(ts[0], b, len(sa), len(sb))
    if ts[1] is not None:
        term = lmatmul(a, ts[1], len(sa), len(sb))
        acc = term if acc is None else acc + term
    return acc


def _matmul_ct_a(a, b, ct, ra, rb, ro):
    if rb == 1:
        return ct[..., None] * (b if ra == 1 else lift(b, 1, ro + 1))
    if ra == 1 and rb > 2:
        return lmatmul(ct[..., None, :], mT(b), ro + 1, rb)[..., 0, :]
    return lmatmul(ct, mT(b), ro, rb)


def _matmul_ct_b(a, b, ct, ra, rb, ro):
    if ra == 1:
        return ct[..., None] * a if rb == 1 else lift(a[..., :, None], 2, ro + 1) * ct[..., None, :]
    if rb == 1:
        return lmatmul(ct, a, 1, 2) if ra == 2 else lmatmul(ct[..., None, :], a, ro + 1, ra)[..., 0, :]
    return lmatmul(mT(a), ct, ra, ro)


def _matmul_vjp(e, xs, out, ct, needs):
    (sa, sb), (a, b) = e.in_shapes, xs
    ra, rb, ro = len(sa), len(sb), len(e.out.shape)
    lead = ct.ndim - ro
    cts = []
    for need, shape, ct_fn in ((needs[0], sa, _matmul_ct_a), (needs[1], sb, _matmul_ct_b)):
        if need:
            g = ct_fn(a, b, ct, ra, rb, ro)
            cts.append(unbroadcast(g, shape, g.shape[lead:]))
        else:
            cts.append(None)
    return tuple(cts)


jvp_rules[matmul_p], vjp_rules[matmul_p] = _matmul_jvp, _matmul_vjp


# ---------------------------------------------------------------- einsum
# ``subscripts`` is explicit ("ij,jk->ik") without ellipsis; operands with leading axes get
# "..." in front of their subscript, so the leading axes ride along.

def _einsum_lead(subs, out_sub, ops, ranks):
    parts = []
    any_lead = False
    for s, op, r in zip(subs, ops, ranks):
        lead = op.ndim > r
        any_lead = any_lead or lead
        parts.append(("..." if lead else "") + s)
    spec = ",".join(parts) + "->" + ("..." if any_lead else "") + out_sub
    return np.einsum(spec, *ops, optimize=len(ops) > 1)


def _split_subscripts(subscripts):
    ins, out = subscripts.split("->")
    return ins.split(","), out


einsum_p = primitive("einsum", lambda *ops, subscripts: np.einsum(subscripts, *ops,
                                                                  optimize=len(ops) > 1),
                     "contraction")


def _einsum_jvp(e, xs, out, ts):
    subs, out_sub = _split_subscripts(e.params["subscripts"])
    ranks = [len(s) for s in e.in_shapes]
    acc = None
    for i, t in enumerate(ts):
        if t is not None:
            ops = list(xs)
            ops[i] = t
            term = _einsum_lead(subs, out_sub, ops, ranks)
            acc = term if acc is None else acc + term
    return acc


def _einsum_ct(subs, out_sub, xs, ct, i, shapes):
    """Cotangent of operand ``i``: contract ct with the other operands; letters repeated in
    operand i become identity matrices, letters only it has become ones."""
    target = list(subs[i])
    dims = dict(zip(subs[i], shapes[i]))
    extra_subs, extra_ops = [], []
    free = iter(sorted(set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                       - set("".join(subs) + out_sub)))
    seen = set()
    for pos, ch in enumerate(target):
        if ch in seen:
            new = next(free)
            target[pos] = new
            extra_subs.append(ch + new)
            extra_ops.append(xp_of(ct).eye(dims[ch], dtype=ct.dtype))
        seen.add(ch)
    others = [s for j, s in enumerate(subs) if j != i]
    present = set(out_sub + "".join(others) + "".join(extra_subs))
    for ch in seen - present:
        extra_subs.append(ch)
        extra_ops.append(xp_of(ct).ones(dims[ch], dtype=ct.dtype))
    ops = [ct] + [x for j, x in enumerate(xs) if j != i] + extra_ops
    all_subs = [out_sub] + others + extra_subs
    ranks = [len(s) for s in all_subs]
    res = _einsum_lead(all_subs, "".join(target), ops, ranks)
    # a label of size 1 in operand i that broadcast against a larger one: sum it back
    full = {}
    for s, shape in zip(subs, shapes):
        for ch, d in zip(s, shape):
            full[ch] = max(full.get(ch, 1), d)
    axes = tuple(p - len(target) for p, (ch, d) in enumerate(zip(subs[i], shapes[i]))
                 if d == 1 and full[ch] > 1)
    return res.sum(axis=axes, keepdims=True) if axes else res


def _einsum_vjp(e, xs, out, ct, needs):
    subs, out_sub = _split_subscripts(e.params["subscripts"])
    return tuple(_einsum_ct(subs, out_sub, xs, ct, i, e.in_shapes) if need else None
                 for i, need in enumerate(needs))


jvp_rules[einsum_p], vjp_rules[einsum_p] = _einsum_jvp, _einsum_vjp


# ---------------------------------------------------------------- solve, inv, det

def lsolve(a, b, vec, ra=2, rb=None):
    """``np.linalg.solve(a, b)`` with leading axes on either operand; ``vec``: b is a
    (stack of) vector(s) rather than matrices. One LU for every right-hand side when ``a``
    is a single matrix. ``ra``, ``rb``: the logical ranks of a and b (default: no logical
    batch axes on a, b's as it comes).

    NOTE: leading axes. When a and b have logical batch axes of different ranks (a (3, 3)
    against b (2, 3, 3)), NumPy's right-aligned broadcasting would pair a's leading (point)
    axes with b's logical batch axes: each operand is first lifted (``lift``) to the common
    logical batch rank, behind its leading axes."""
    n = a.shape[-1]
    if rb is not None and a.ndim + b.ndim > ra + rb:          # leading axes somewhere
        core = 1 if vec else 2
        r = max(ra - 2, rb - core)
        a, b = lift(a, ra, r + 2), lift(b, rb, r + core)
    if a.ndim == 2:
        if vec:
            return np.linalg.solve(a, b.reshape(-1, n).T).T.reshape(b.shape)
        cols = np.moveaxis(b, -2, 0)
        x = np.linalg.solve(a, cols.reshape(n, -1)).reshape(cols.shape)
        return np.moveaxis(x, 0, -2)
    if vec:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _nonsingular(a, result):
    """``result`` of inv/solve of ``a``. NOTE: CuPy gives inf/NaN for a singular matrix where
    NumPy raises LinAlgError; on a device array the CPU's error is raised (one sync, in the
    impl only: the rules run at the point the impl accepted)."""
    if type(result) is not np.ndarray and on_gpu(result):
        xp = xp_of(result)
        if not bool(xp.isfinite(result).all() | ~xp.isfinite(a).all()):
            raise np.linalg.LinAlgError("Singular matrix")
    return result


def _solve_impl(a, b, vec):
    return _nonsingular(a, lsolve(a, b, vec, np.ndim(a), np.ndim(b)))


solve_p = primitive("solve", _solve_impl, "linalg")


def _solve_jvp(e, xs, out, ts):
    a, vec = xs[0], e.params["vec"]
    ra, rb = (len(s) for s in e.in_shapes)
    rhs, r_rhs = ts[1], rb
    if ts[0] is not None:
        ro = len(e.out.shape)
        ta_x = lmatmul(ts[0], out, ra, ro)
        rhs = -ta_x if rhs is None else lift(rhs, rb, ro) - ta_x
        r_rhs = ro
    return lsolve(a, rhs, vec, ra, r_rhs)


def _solve_vjp(e, xs, out, ct, needs):
    a, vec = xs[0], e.params["vec"]
    sa, sb = e.in_shapes
    ro = len(e.out.shape)
    lead = ct.ndim - ro
    ctb = lsolve(mT(a), ct, vec, len(sa), ro)
    cta = None
    if needs[0]:
        g = -(ctb[..., :, None] * out[..., None, :]) if vec else -lmatmul(ctb, mT(out), ro, ro)
        cta = unbroadcast(g, sa, g.shape[lead:])
    return cta, (unbroadcast(ctb, sb, ctb.shape[lead:]) if needs[1] else None)


jvp_rules[solve_p], vjp_rules[solve_p] = _solve_jvp, _solve_vjp

inv_p = primitive("inv", lambda a: _nonsingular(a, np.linalg.inv(a)), "linalg")


def _sandwich(left, mid, right, r):
    return lmatmul(lmatmul(left, mid, r, r), right, r, r)


jvp_rules[inv_p] = lambda e, xs, out, ts: -_sandwich(out, ts[0], out, len(e.out.shape))
vjp_rules[inv_p] = lambda e, xs, out, ct, needs: (
    -_sandwich(mT(out), ct, mT(out), len(e.out.shape)),)


def _inv_T(a):
    return mT(np.linalg.inv(a))


def _cofactor(a, det):
    """d det(A) / dA = cof(A) = adj(A)^T: det(A) A^-T where A is well conditioned; through the
    SVD elsewhere (A = U S V^T: cof(A) = det(U) det(V) U diag(prod_{j != i} s_j) V^T), which
    holds at singular matrices too, where A^-1 does not exist (as JAX does). Only NumPy calls:
    a rule traced again (Hessians) gets the same formula on Tracers."""
    v = getattr(a, "value", a)                 # a Tracer's value, when the rule is traced again
    if not (type(v) is np.ndarray or on_gpu(v)) or v.shape[-1] == 0:
        return det[..., None, None] * _inv_T(a)
    s = np.linalg.svd(v, compute_uv=False)
    if np.all(s[..., -1] > s[..., 0] * 1e-8):
        return det[..., None, None] * _inv_T(a)
    U, s, Vt = np.linalg.svd(a)
    ones = xp_of(v).ones(v.shape[:-2] + (1,), v.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.linalg.det(U) * np.linalg.det(Vt)
    return sign[..., None, None] * (U * (before * after)[..., None, :]) @ Vt


det_p = primitive("det", np.linalg.det, "linalg")
jvp_rules[det_p] = lambda e, xs, out, ts: np.sum(_cofactor(xs[0], out) * ts[0], axis=(-2, -1))
vjp_rules[det_p] = lambda e, xs, out, ct, needs: (ct[..., None, None] * _cofactor(xs[0], out),)


# ---------------------------------------------------------------- pinv (locally constant rank)
# P = A^+ (NumPy's value). Where the rank is locally constant (Golub & Pereyra 1973):
#   dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P.
# Adjoint: Abar = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A).

def _pinv_impl(a, rtol):
    return np.linalg.pinv(a, rtol)         # positional: NumPy's rcond = rtol, and CuPy's rcond


pinv_p = primitive("pinv", _pinv_impl, "linalg")


def _pinv_jvp(e, xs, P, ts):
    a, t = xs[0], ts[0]
    tT, PT = mT(t), mT(P)
    return (-(P @ t @ P) + (P @ PT) @ (tT - (tT @ a) @ P)
            + (tT - (P @ a) @ tT) @ (PT @ P))


def _pinv_vjp(e, xs, P, ct, needs):
    a, gT, PT = xs[0], mT(ct), mT(P)
    return (-(PT @ ct @ PT) + (gT - (a @ P) @ gT) @ (P @ PT)
            + (PT @ P) @ (gT - (gT @ P) @ a),)


jvp_rules[pinv_p], vjp_rules[pinv_p] = _pinv_jvp, _pinv_vjp

logabsdet_p = primitive("logabsdet", lambda a: np.linalg.slogdet(a)[1], "linalg")
jvp_rules[logabsdet_p] = lambda e, xs, out, ts: np.sum(_inv_T(xs[0]) * ts[0], axis=(-2, -1))
vjp_rules[logabsdet_p] = lambda e, xs, out, ct, needs: (ct[..., None, None] * _inv_T(xs[0]),)
signdet_p = defnondiff("signdet", lambda a: np.linalg.slogdet(a)[0], "linalg")


# ---------------------------------------------------------------- diagonal of the last two axes

def _diag_index(shape, offset):
    n, m = shape[-2], shape[-1]
    length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    k = np.arange(length)
    return (k, k + offset) if offset >= 0 else (k - offset, k)


diagonal_p = primitive("diagonal", lambda x, offset: np.diagonal(x, offset, -2, -1), "view")
jvp_rules[diagonal_p] = lambda e, xs, out, ts: np.diagonal(ts[0], e.params["offset"], -2, -1)


def _diagonal_vjp(e, xs, out, ct, needs):
    (shape,) = e.in_shapes
    lead = ct.ndim - len(e.out.shape)
    z = zeros(ct, ct.shape[:lead] + tuple(shape))
    rows, cols = _diag_index(shape, e.params["offset"])
    z[..., rows, cols] = ct
    return (z,)


vjp_rules[diagonal_p] = _diagonal_vjp


# ---------------------------------------------------------------- evaluation with leading axes

eval_rules[matmul_p] = lambda e, xs: lmatmul(xs[0], xs[1], *(len(s) for s in e.in_shapes))
eval_rules[einsum_p] = lambda e, xs: _einsum_lead(
    *_split_subscripts(e.params["subscripts"]), xs, [len(s) for s in e.in_shapes])
eval_rules[solve_p] = lambda e, xs: lsolve(xs[0], xs[1], e.params["vec"],
                                           *(len(s) for s in e.in_shapes))
eval_as_linear(diagonal_p)
for _p in (inv_p, det_p, logabsdet_p, signdet_p, pinv_p):
    eval_on_trailing_axes(_p)


# ---------------------------------------------------------------- identity seeds
# W @ x with x seeded by identity rows start:stop: the tangents are W's columns start:stop,
# no product needed (it would cost a full GEMM with the identity). Only for a vector x and a
# matrix W without leading axes; anything else returns None and the JVP rule runs.

def _matmul_seeded(e, xs, i, start, stop):
    (sa, sb), (a, b) = e.in_shapes, xs
    if i == 1 and len(sb) == 1 and a.ndim == len(sa) == 2:
        cols = a[:, start:stop].T                           # later ops run faster on a copy
        # (np.ascontiguousarray does not dispatch: on a CuPy array it would convert to NumPy)
        return np.ascontiguousarray(cols) if type(cols) is np.ndarray else cols.copy()
    if i == 0 and len(sa) == 1 and b.ndim == len(sb) == 2:
        return b[start:stop]
    if one_hot_applies(e, xs, i):
        return _one_hot_product(xs[1 - i], sa if i == 0 else sb, i, start, stop)
    return None


def one_hot_applies(e, xs, i):
    """Whether input ``i`` of a matmul, seeded with identity rows, meets a constant matrix."""
    (sa, sb), c = e.in_shapes, xs[1 - i]
    return len(sa) == len(sb) == 2 and type(c) is np.ndarray and c.ndim == 2


def one_hot_lines(c, shape, i, start, stop):
    """A @ E_j (i = 1) or E_j @ B (i = 0) for the one-hot matrices E_j of ``shape``, j in
    start:stop (flat, C order), each zero but for one line: (values, index, axis, out shape)
    with seed k's product holding ``values[k]`` in column (axis 1) or row (axis 0)
    ``index[k]`` -- a column of A, or a row of B. No GEMM with the identity rows (a
    Hessian's seeds on a weight matrix)."""
    rows, cols = np.divmod(np.arange(start, stop), shape[1])
    dtype = c.dtype if c.dtype.kind in "fc" else np.float64   # as the branches above
    if i == 1:                                   # (p, n) @ E_j: A[:, rows] in column cols
        return c[:, rows].T.astype(dtype, copy=False), cols, 1, (c.shape[0], shape[1])
    return c[cols].astype(dtype, copy=False), rows, 0, (shape[0], c.shape[1])


def dense_lines(values, index, axis, shape):
    """The (K,) + shape array of ``one_hot_lines``' products."""
    k = np.arange(len(index))
    out = np.zeros((len(index),) + tuple(shape), values.dtype)
    if axis == 1:
        out[k, :, index] = values
    else:
        out[k, index, :] = values
    return out


def _one_hot_product(c, shape, i, start, stop):
    return dense_lines(*one_hot_lines(c, shape, i, start, stop))


seed_rules[matmul_p] = _matmul_seeded


# ---------------------------------------------------------------- lazy matmul results

def _matmul_shape(vals):
    """np.matmul's result (shape, dtype) without computing it; None lets NumPy compute (and
    raise its own error for operands that do not fit)."""
    a, b = vals
    sa, sb = getattr(a, "shape", ()), getattr(b, "shape", ())
    if not sa or not sb or sa[-1] != (sb[-2] if len(sb) > 1 else sb[0]):
        return None
    try:
        stack = np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        return None
    shape = stack + sa[-2:-1] + sb[-1:] if len(sb) > 1 else stack + sa[-2:-1]
    return shape, np.result_type(a.dtype, b.dtype)


lazy_shapes[matmul_p] = _matmul_shape
