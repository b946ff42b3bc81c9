"""Derivative cases: composite functions (an MLP, a stencil, Lorenz, softmax, control
flow, a Kalman-like update, regression ...) and harder corners of broadcasting and
indexing."""
import numpy as np

from .statistics import INTERP_XP
from .table import M, away, case, distinct, fixed, normal, sv_distinct, until


# ---- composites ---------------------------------------------------------------------
_rng = np.random.default_rng(1234)
_W1, _b1, _W2 = _rng.standard_normal((5, 4)) / 2, _rng.standard_normal(5), _rng.standard_normal((3, 5)) / 2


def mlp(x):
    return _W2 @ np.tanh(_W1 @ x + _b1)


def mlp_params(x, W1):
    return _W2 @ np.tanh(W1 @ x + _b1)


def stencil(u):  # from /work/shared/bench/anchors.py make_fns
    n = u.shape[0]; z = u[:1] * 0
    up = np.concatenate([z, u, z])
    return (up[:-2] - 2 * up[1:-1] + up[2:]) * float(n * n) + np.exp(up[1:-1])


def lorenz(x):
    s, r, b = 10.0, 28.0, 8.0 / 3.0
    return np.stack([s * (x[1] - x[0]), x[0] * (r - x[2]) - x[1], x[0] * x[1] - b * x[2]])


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def python_if(x):
    if x.sum() > 0:
        return np.sin(x) * x.sum()
    return np.cos(x)


def row_loop(x):
    out = []
    for row in x:
        out.append(np.tanh(row) * row.sum())
    acc = x[0] * 0
    for i in range(x.shape[0]):
        acc = acc + x[i] ** (i + 1)
    return np.stack(out) + acc


def branch_on_element(x):
    y = x * 1.0
    if x[0] > 0.0:
        y = y * x[0]
    else:
        y = y - x[0]
    return y


COMPOSITES = [
    ("mlp", mlp, normal((4,)), 0),
    ("mlp_params", mlp_params, normal((4,), (5, 4)), (0, 1)),
    ("stencil", stencil, lambda r: (r.uniform(0, 0.1, 5),), 0),
    ("lorenz", lorenz, normal((3,)), 0),
    ("softmax", softmax, until(normal((5,)), lambda x: np.min(np.diff(np.sort(x))) > 1e-3), 0),
    ("logsumexp", logsumexp, until(normal((5,)), lambda x: np.min(np.diff(np.sort(x))) > 1e-3), 0),
    ("python_if_pos", python_if, lambda r: (np.abs(r.standard_normal(4)) + 0.1,), 0),
    ("python_if_neg", python_if, lambda r: (-np.abs(r.standard_normal(4)) - 0.1,), 0),
    ("for_loop_rows", row_loop, normal((3, 4)), 0),
    ("branch_on_element", branch_on_element, away(0.2, 2.0, (3,)), 0),
]
for _name, _fn, _smp, _arg in COMPOSITES:
    case(f"composite-{_name}", _fn, _smp, argnums=_arg)

# ---- harder corners: broadcasting in more dims, advanced-index axis placement, zeros ---
case("add-3d_2d", lambda x, y: x * y + x, normal((2, 1, 3), (4, 1)), argnums=(0, 1))
case("where-broadcast-cond", lambda x, y: np.where(x > 0, x * y, y), away(0.2, 2.0, (3, 1), (1, 4)), argnums=(0, 1))
case("matmul-3d1d", np.matmul, normal((2, 3, 4), (4,)), argnums=(0, 1))
case("matmul-1d3d", np.matmul, normal((3,), (2, 3, 4)), argnums=(0, 1))
case("matmul-broadcast-batch", np.matmul, normal((2, 1, 3, 2), (3, 2, 2)), argnums=(0, 1))
case("einsum-ellipsis", lambda a, b: np.einsum("...ij,jk->...ik", a, b), normal((2, 2, 3), (3, 2)), argnums=(0, 1))
case("index-advanced-split", lambda x: x[[0, 1], :, [1, 0]], normal((2, 3, 2)))
case("index-advanced-adjacent", lambda x: x[:, [0, 2], [1, 0]], normal((2, 3, 2)))
case("index-intarray-2d-shape", lambda x: x[np.array([[0, 1], [1, 1]])], normal((3,)))
case("index-boolmask-rows", lambda x: x[np.array([True, False, True])], normal((3, 2)))
case("pow_2-at-zero", lambda x: x ** 2, fixed([0.0, 1.0, -2.0]))
case("pow_3-at-zero", lambda x: x ** 3 + np.power(x, 1), fixed([0.0, 1.0, -2.0]))
case("square-at-zero", lambda x: np.square(x) + x, fixed([0.0, 1.0, -2.0]))
case("mul-self-at-zero", lambda x: x * x * x + np.prod(x[:2]), fixed([0.0, 1.0, -2.0]))
case("reduce-0d-sum-axis-none", lambda x: np.sum(x * 2.0, keepdims=True), normal(()))
case("fan_out", lambda x: np.sin(x) * x + np.cos(x) * x ** 2 - x, normal((4,)))
case("output-is-input", lambda x: x, normal((2, 3)))
case("output-partly-constant", lambda x: np.concatenate([np.ones(2), x]), normal((3,)))

# ---- composites: the tail with the core primitives -----------------------------------


def _kalman_like(P, H):
    L = np.linalg.cholesky(P @ P.T + np.eye(3))
    S = H @ L @ L.T @ H.T + np.eye(2)
    return np.concatenate([np.linalg.solve(S, H @ L).ravel(), np.linalg.eigvalsh(S)])


def _spectral(a):
    w, V = np.linalg.eigh(a @ a.T + np.diag([1.0, 2.0, 4.0]))
    return np.median(np.tanh(V @ np.diag(np.log(w)) @ V.T), axis=0)


def _signal(x, k):
    y = np.convolve(np.sin(x), k, "same")
    g = np.gradient(y, 0.1)
    return np.stack([np.trapezoid(g * g), np.percentile(y, 75.0), np.ptp(y)])


def _regression(X, y):
    beta = np.linalg.lstsq(X, y)[0]
    Q, R = np.linalg.qr(X)
    return np.concatenate([beta, np.linalg.solve(R, Q.T @ y), np.linalg.svd(X, compute_uv=False)])


def _grid(c):
    g = np.linspace(c[0], c[0] + 2.0, 4)
    X, Y = np.meshgrid(g, np.linspace(-1.0, c[1], 3))
    Z = np.exp(-(X - c[2]) ** 2 - Y ** 2)
    return np.trapezoid(np.trapezoid(Z, g, axis=1), dx=0.5)


def _shapes(x):
    A = np.rot90(np.reshape(x, (3, 4)))
    B = np.append(np.hsplit(A, 3)[1], np.vsplit(A, 2)[0].T[:1, :1], axis=0)   # (5, 1)
    return np.linalg.matrix_power(B @ B.T * 0.1 + np.eye(B.shape[0]), 3)


def _interp_stats(x, fp):
    y = np.interp(np.cumsum(np.abs(x)) * 0.5, INTERP_XP, fp)
    return np.nanmean(np.where(y > 0, y, np.nan)) + np.average(y, weights=np.exp(x))


COMPOSITES = [
    ("kalman", _kalman_like, lambda r: (r.standard_normal((3, 3)), r.standard_normal((2, 3))), M),
    ("spectral", _spectral, until(normal((3, 3)), lambda a: distinct(np.linalg.eigvalsh(
        a @ a.T + np.diag([1.0, 2.0, 4.0])), 0.3)), 0),
    ("signal", _signal, lambda r: (r.standard_normal(6), r.standard_normal(3)), M),
    ("regression", _regression, lambda r: (r.standard_normal((6, 3)), r.standard_normal(6)), M),
    ("grid", _grid, lambda r: (r.uniform(0.2, 0.8, 3),), 0),
    ("shapes", _shapes, normal((12,)), 0),
    ("interp-stats", _interp_stats, lambda r: (r.uniform(0.1, 0.6, 5), r.standard_normal(5)), M),
    ("svd-pinv", lambda a: np.linalg.pinv(a) @ np.cross(a[:, 0], a[:, 1]) * np.linalg.norm(a, 2),
     sv_distinct((3, 2)), 0),
]
for _name, _fn, _smp, _arg in COMPOSITES:
    case(f"tail-composite-{_name}", _fn, _smp, argnums=_arg)
