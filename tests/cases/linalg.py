"""Derivative cases: products, norms, solve / inv / det, diagonals and triangles, and the
compositions on them (pinv, lstsq, matrix_power, cond, cross, convolve, aliases)."""
import numpy as np
from jaccli.numpy_api.products import CROSSES_2_VECTORS

from .table import M, away, case, distinct, normal, sv_distinct, until, well_conditioned


_NORM_OK = lambda x: np.min(np.abs(x)) > 0.05 and np.min(np.diff(np.sort(np.abs(x.ravel())))) > 1e-3
for _name, _fn in [("norm-vec", lambda x: np.linalg.norm(x)), ("norm-vec-ord1", lambda x: np.linalg.norm(x, 1)),
                   ("norm-vec-ord2", lambda x: np.linalg.norm(x, ord=2)),
                   ("norm-vec-inf", lambda x: np.linalg.norm(x, np.inf))]:
    case(_name, _fn, until(normal((5,)), _NORM_OK))
case("norm-mat", np.linalg.norm, normal((3, 4)))
case("norm-mat-fro", lambda x: np.linalg.norm(x, "fro"), normal((3, 4)))
case("norm-vec-axis", lambda x: np.linalg.norm(x, axis=1), normal((3, 4)))

# ---- linear algebra ------------------------------------------------------------------
case("matmul-1d2d", np.matmul, normal((3,), (3, 4)), argnums=M)
case("matmul-2d1d", np.matmul, normal((3, 4), (4,)), argnums=M)
case("matmul-2d2d", np.matmul, normal((2, 3), (3, 4)), argnums=M)
case("matmul-3d2d", np.matmul, normal((2, 3, 4), (4, 2)), argnums=M)
case("matmul-3d3d", lambda a, b: a @ b, normal((2, 3, 4), (2, 4, 2)), argnums=M)
case("matmul-1d1d", lambda a, b: a @ b, normal((4,), (4,)), argnums=M)
case("dot-1d1d", np.dot, normal((4,), (4,)), argnums=M)
case("dot-2d1d", np.dot, normal((3, 4), (4,)), argnums=M)
case("dot-2d2d", np.dot, normal((2, 3), (3, 4)), argnums=M)
case("dot-scalar", np.dot, normal((), (3,)), argnums=M)
case("dot-method", lambda a, b: a.dot(b), normal((2, 3), (3,)), argnums=M)
case("vdot", np.vdot, normal((2, 3), (2, 3)), argnums=M)
case("inner-1d", np.inner, normal((4,), (4,)), argnums=M)
case("inner-2d", np.inner, normal((2, 4), (3, 4)), argnums=M)
case("outer", np.outer, normal((3,), (4,)), argnums=M)
case("tensordot-int", lambda a, b: np.tensordot(a, b, axes=1), normal((2, 3), (3, 4)), argnums=M)
case("tensordot-int2", lambda a, b: np.tensordot(a, b, axes=2), normal((2, 3, 4), (3, 4)), argnums=M)
case("tensordot-pair", lambda a, b: np.tensordot(a, b, axes=([0, 2], [2, 0])), normal((2, 3, 4), (4, 5, 2)),
     argnums=M)
case("tensordot-pair-scalar-axes", lambda a, b: np.tensordot(a, b, axes=(1, 0)), normal((2, 3), (3, 4)),
     argnums=M)
case("einsum-matmul", lambda a, b: np.einsum("ij,jk->ik", a, b), normal((2, 3), (3, 4)), argnums=M)
case("einsum-transpose", lambda a: np.einsum("ij->ji", a), normal((2, 3)))
case("einsum-diag", lambda a: np.einsum("ii->i", a), normal((3, 3)))
case("einsum-trace", lambda a: np.einsum("ii", a), normal((3, 3)))
case("einsum-dot", lambda a, b: np.einsum("i,i->", a, b), normal((4,), (4,)), argnums=M)
case("einsum-batched", lambda a, b: np.einsum("bij,bjk->bik", a, b), normal((2, 2, 3), (2, 3, 2)), argnums=M)
case("einsum-implicit", lambda a, b: np.einsum("ij,jk", a, b), normal((2, 3), (3, 4)), argnums=M)
case("einsum-same-operand", lambda a: np.einsum("ij,ij->i", a, a), normal((2, 3)))
case("kron", np.kron, normal((2, 2), (2, 3)), argnums=M)
case("kron-1d", np.kron, normal((2,), (3,)), argnums=M)
case("solve-vec", np.linalg.solve, well_conditioned(3, (3,)), argnums=M)
case("solve-mat", np.linalg.solve, well_conditioned(3, (3, 2)), argnums=M)
# logical batch axes of different ranks (a single a against a stack of b, and the reverse):
# with points in front, NumPy's broadcasting would pair the point axis with the stack axis
case("solve-broadcast-rhs", np.linalg.solve,
     lambda r: (r.standard_normal((3, 3)) + 4 * np.eye(3), r.standard_normal((2, 3, 3))),
     argnums=M)
case("solve-broadcast-a", np.linalg.solve,
     lambda r: (r.standard_normal((2, 3, 3)) + 4 * np.eye(3), r.standard_normal((3, 3))),
     argnums=M)
case("inv", np.linalg.inv, well_conditioned(3))
case("det", np.linalg.det, well_conditioned(3))
case("det-2x2", np.linalg.det, normal((2, 2)))
case("slogdet", lambda a: np.linalg.slogdet(a)[1], well_conditioned(3))
case("slogdet-attr", lambda a: np.linalg.slogdet(a).logabsdet, lambda r: (-well_conditioned(3)(r)[0],))
case("diag-1d", np.diag, normal((3,)))
case("diag-1d-k1", lambda x: np.diag(x, k=1), normal((3,)))
case("diag-1d-kneg", lambda x: np.diag(x, -1), normal((3,)))
case("diag-2d", np.diag, normal((3, 4)))
case("diag-2d-k1", lambda x: np.diag(x, 1), normal((3, 4)))
case("diagonal", np.diagonal, normal((3, 4)))
case("diagonal-offset", lambda x: np.diagonal(x, offset=-1), normal((3, 4)))
case("diagonal-method", lambda x: x.diagonal(), normal((3, 3)))
case("triu", np.triu, normal((3, 4)))
case("triu-k1", lambda x: np.triu(x, 1), normal((4, 3)))
case("tril", np.tril, normal((3, 4)))
case("tril-kneg", lambda x: np.tril(x, k=-1), normal((4, 4)))

# ---- linear algebra: compositions ----------------------------------------------------
case("pinv-tall", np.linalg.pinv, normal((4, 2)))
case("pinv-wide", np.linalg.pinv, normal((2, 3)))
case("pinv-square", np.linalg.pinv, lambda r: (r.standard_normal((3, 3)) + 3 * np.eye(3),))
case("lstsq-x", lambda a, b: np.linalg.lstsq(a, b)[0], normal((5, 3), (5,)), argnums=M)
case("lstsq-res", lambda a, b: np.linalg.lstsq(a, b)[1], normal((5, 2), (5, 2)), argnums=M)
case("lstsq-res-rank", lambda a, b: np.linalg.lstsq(a, b)[1] * np.linalg.lstsq(a, b)[2],
     normal((4, 2), (4,)), argnums=M)
for _n in (0, 1, 2, 3, 5, -2):
    case(f"matrix_power-{_n}", lambda a, n=_n: np.linalg.matrix_power(a, n) + a,
         lambda r: (r.standard_normal((3, 3)) * 0.5 + 2 * np.eye(3),))
case("norm-2", lambda a: np.linalg.norm(a, 2), sv_distinct((3, 4)))
case("norm-neg2", lambda a: np.linalg.norm(a, -2), sv_distinct((4, 3)))
case("norm-nuc", lambda a: np.linalg.norm(a, "nuc"), sv_distinct((3, 3)))
case("norm-2-axis-keepdims", lambda a: np.linalg.norm(a, 2, axis=(2, 0), keepdims=True),
     lambda r: (np.stack([sv_distinct((3, 2))(r)[0]] * 2, axis=-1),))
case("norm-fro-1-inf", lambda a: np.stack([np.linalg.norm(a, "fro"), np.linalg.norm(a, 1),
                                           np.linalg.norm(a, np.inf)]),
     until(normal((3, 3)), lambda a: distinct(np.abs(a).sum(0)) and distinct(np.abs(a).sum(1))))
case("norm-vector-ords", lambda x: np.stack([np.linalg.norm(x, o) for o in (1, 2, 3, np.inf,
                                                                          -np.inf, 0, -1)]),
     until(away(0.2, 2.0, (4,)), lambda x: distinct(np.abs(x))))
case("vector_norm", lambda x: np.linalg.vector_norm(x, axis=(0, 2), keepdims=True),
     normal((2, 3, 2)))
case("matrix_norm", lambda x: np.linalg.matrix_norm(x, ord="nuc"), sv_distinct((3, 2)))
case("cond", np.linalg.cond, sv_distinct((3, 3)))
case("cond-fro", lambda a: np.linalg.cond(a, "fro"), lambda r: (r.standard_normal((3, 3)) +
                                                                3 * np.eye(3),))
case("cross-3", np.cross, normal((3,), (3,)), argnums=M)
case("cross-stack", np.cross, normal((2, 3), (3,)), argnums=M)
case("cross-axis", lambda a, b: np.cross(a, b, axis=0), normal((3, 2), (3, 2)), argnums=M)
if CROSSES_2_VECTORS:          # NumPy < 2.5; 2.5 refuses 2-vectors, and so does jaccli
    case("cross-2-3", np.cross, normal((2,), (3,)), argnums=M)
case("linalg-cross", np.linalg.cross, normal((2, 3), (2, 3)), argnums=M)
for _mode in ("full", "same", "valid"):
    for _na, _nv in ((5, 3), (3, 5), (4, 4), (5, 2), (4, 1)):
        case(f"convolve-{_mode}-{_na}-{_nv}", lambda a, v, m=_mode: np.convolve(a, v, m),
             normal((_na,), (_nv,)), argnums=M)
        case(f"correlate-{_mode}-{_na}-{_nv}", lambda a, v, m=_mode: np.correlate(a, v, m),
             normal((_na,), (_nv,)), argnums=M)
case("multi_dot", lambda a, b, c: np.linalg.multi_dot([a, b, c]), normal((2, 3), (3, 3), (3,)),
     argnums=(0, 1, 2))
case("linalg-aliases", lambda a, b: np.linalg.matmul(a, b) + np.linalg.matrix_transpose(
    np.linalg.tensordot(b.T, a.T, axes=1)) + np.linalg.trace(a @ b) + np.linalg.diagonal(
    a @ b).sum() + np.linalg.vecdot(a, b.T).sum(), normal((3, 3), (3, 3)), argnums=M)
case("linalg-outer", np.linalg.outer, normal((3,), (2,)), argnums=M)
case("vecdot-ufunc", np.vecdot, normal((2, 3), (3,)), argnums=M)
case("matvec-ufunc", np.matvec, normal((2, 3, 3), (3,)), argnums=M)
case("vecmat-ufunc", np.vecmat, normal((3,), (3, 2)), argnums=M)

# ---- issue 18: pinv's hermitian= and rank, det at singular matrices
case("pinv-hermitian-nonsym", lambda a: np.linalg.pinv(a, hermitian=True),
     lambda r: (r.standard_normal((3, 3)) + 3 * np.eye(3),))
case("pinv-rank-deficient", lambda a: np.linalg.pinv(a[:, :2] @ a[:2]), normal((4, 4)))
case("pinv-rank-deficient-wide", lambda a: np.linalg.pinv(a[:, :1] @ a[:1, :3]), normal((3, 3)))
case("pinv-rcond", lambda a: np.linalg.pinv(a, rcond=1e-10), normal((3, 4)))
case("det-singular", lambda a: np.linalg.det(a[:, :2] @ a[:2]), normal((3, 3)))
case("det-singular-stack", lambda a: np.linalg.det(a[..., :3] @ a[..., :3, :] + 0 * a),
     normal((2, 4, 4)))
case("det-rank-n-2", lambda a: np.linalg.det(a[:, :2] @ a[:2]), normal((4, 4)))
case("matmul-list-right", lambda a: a @ [1.0, 2.0, -1.0], normal((2, 3)))
case("matmul-list-left", lambda a: [[1.0, 2.0]] @ a, normal((2, 3)))
case("np-matmul-list", lambda a: np.matmul(a, [[1.0], [2.0], [0.5]]), normal((2, 3)))
case("np-matmul-list-first", lambda a: np.matmul([1.0, -2.0], a), normal((2, 3)))
case("einsum-sublist", lambda a: np.einsum(a, [0, 1], a, [2, 1], [0, 2]), normal((2, 3)))
case("einsum-sublist-ellipsis", lambda a: np.einsum(a, [Ellipsis, 0], [0, Ellipsis]),
     normal((2, 3)))
