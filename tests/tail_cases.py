"""The derivative case table of NumPy's long tail (issue 7): shape and indexing tail,
elementwise and statistics tail, decompositions and linear algebra compositions, and
composites of them with the core primitives. Same ``Case`` rows as derivative_cases.py, in a
table of their own (TAIL_CASES) that tests/test_tail.py runs through the same checker.
"""
import numpy as np

from derivative_cases import Case, away, fixed, normal, until

TAIL_CASES: list = []


def case(name, fn, sample, argnums=0, **tols):
    TAIL_CASES.append(Case(name, fn, sample, argnums, **tols))


M = (0, 1)


def distinct(x, gap=0.05):
    """All entries pairwise apart by more than ``gap`` (sorting is differentiable there)."""
    v = np.sort(np.ravel(x))
    return v.size < 2 or np.min(np.diff(v)) > gap


def spd(n, *rest):
    """A symmetric positive definite matrix (with a random, ignored upper triangle for the
    cases that read only the lower one) and standard normal arrays of ``rest`` shapes."""
    def sample(rng):
        B = rng.standard_normal((n, n))
        return (B @ B.T + n * np.eye(n),) + normal(*rest)(rng)
    return sample


def sym_distinct(n):
    """A symmetric matrix with eigenvalues at least 0.3 apart."""
    def sample(rng):
        Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        w = np.cumsum(rng.uniform(0.3, 1.5, n)) - 2.0
        return (Q @ np.diag(w) @ Q.T,)
    return sample


def real_spectrum(n):
    """A nonsymmetric matrix with real eigenvalues at least 0.3 apart: V diag(w) V^-1."""
    def sample(rng):
        V = rng.standard_normal((n, n)) + 2 * np.eye(n)
        w = np.cumsum(rng.uniform(0.3, 1.5, n)) - 2.0
        return (V @ np.diag(w) @ np.linalg.inv(V),)
    return sample


def sv_distinct(shape):
    """A matrix with singular values at least 0.3 apart and away from 0."""
    m, n = shape

    def sample(rng):
        k = min(m, n)
        U, _ = np.linalg.qr(rng.standard_normal((m, k)))
        V, _ = np.linalg.qr(rng.standard_normal((n, k)))
        s = 0.5 + np.cumsum(rng.uniform(0.3, 1.0, k))
        return (U @ np.diag(s[::-1]) @ V.T,)
    return sample


def signfix(V):
    """Eigen/singular vectors up to LAPACK's (locally constant) sign: make row 0 positive."""
    return V * np.sign(V[..., :1, :])


# ---- shape and indexing tail ---------------------------------------------------------
case("hsplit-2d", lambda x: np.hsplit(x, 2)[1] * 2.0, normal((3, 4)))
case("hsplit-1d-list", lambda x: np.hsplit(x, [1, 3])[1], normal((5,)))
case("vsplit", lambda x: np.vsplit(x, [1])[1] ** 2, normal((3, 2)))
case("dsplit", lambda x: np.dsplit(x, 2)[0], normal((2, 2, 4)))
case("array_split-uneven", lambda x: np.array_split(x, 3)[0] * np.array_split(x, 3)[2][0],
     normal((7,)))
case("row_stack", lambda x, y: np.vstack([x, y * x]), normal((3,), (3,)), argnums=M)
case("dstack", lambda x, y: np.dstack([x, y]), normal((2, 3), (2, 3)), argnums=M)
case("dstack-1d", lambda x: np.dstack([x, np.sin(x)]), normal((3,)))
case("atleast_3d", lambda x: np.atleast_3d(x) * 2.0, normal((2, 3)))
for _k in (1, 2, 3, -1):
    case(f"rot90-k{_k}", lambda x, k=_k: np.rot90(x, k) * np.arange(6.0).reshape(
        np.rot90(x, k).shape), normal((2, 3)))
case("rot90-axes", lambda x: np.rot90(x, 1, axes=(1, 2)), normal((2, 3, 4)))
case("rollaxis", lambda x: np.rollaxis(x, 2) * 1.5, normal((2, 3, 4)))
case("rollaxis-start", lambda x: np.rollaxis(x, 0, 3), normal((2, 3, 4)))
case("flipud-fliplr", lambda x: np.flipud(x) + np.fliplr(x) * 2.0, normal((3, 3)))
case("append-flat", lambda x, y: np.append(x, y), normal((2, 2), (3,)), argnums=M)
case("append-axis", lambda x, y: np.append(x, y, axis=0), normal((2, 3), (1, 3)), argnums=M)
case("select", lambda x: np.select([x < -0.5, x > 0.5], [x ** 2, np.sin(x)], default=x * 3.0),
     until(normal((6,)), lambda x: np.all(np.abs(np.abs(x) - 0.5) > 0.05)))
case("select-traced-default", lambda x, d: np.select([x > 0], [x], default=d),
     until(normal((5,), (5,)), lambda x, d: np.all(np.abs(x) > 0.05)), argnums=M)
case("take_along_axis", lambda x: np.take_along_axis(x, np.array([[0, 2], [1, 1]]), axis=1),
     normal((2, 3)))
case("take_along_axis-argsort", lambda x: np.take_along_axis(x, np.argsort(x, axis=0), axis=0),
     until(normal((4, 2)), lambda x: distinct(x[:, 0]) and distinct(x[:, 1])))
case("take_along_axis-none", lambda x: np.take_along_axis(x, np.array([5, 0, 2]), axis=None),
     normal((2, 3)))


def _put_along(x, v):
    y = x * 1.0
    np.put_along_axis(y, np.array([[1], [0]]), v, axis=1)
    return y


case("put_along_axis", _put_along, normal((2, 3), (2, 1)), argnums=M)


def _put_along_zeros(x):
    y = np.zeros_like(x)
    np.put_along_axis(y, np.array([2, 0]), x[:2] ** 2, axis=0)
    return y + x


case("put_along_axis-zeros_like", _put_along_zeros, normal((4,)))
case("triu_indices", lambda x: x[np.triu_indices(3)] * x[np.tril_indices(3, -1)].sum(),
     normal((3, 3)))
case("meshgrid-xy", lambda x, y: np.meshgrid(x, y)[0] * np.meshgrid(x, y)[1], normal((3,), (2,)),
     argnums=M)
case("meshgrid-ij-sparse", lambda x, y: np.sum(np.meshgrid(x, y, indexing="ij", sparse=True)[0]
                                               * y), normal((3,), (2,)), argnums=M)
case("meshgrid-3", lambda x: np.meshgrid(x, x[:2], x[1:])[2], normal((3,)))


def _meshgrid_write(x):
    X, Y = np.meshgrid(x, x)
    X[0, 0] = 5.0
    return X * Y


case("meshgrid-copy-writable", _meshgrid_write, normal((3,)))
case("broadcast_arrays", lambda x, y: np.broadcast_arrays(x, y)[1] * x, normal((2, 3), (3,)),
     argnums=M)
case("linspace-traced", lambda x: np.linspace(x[0], x[1], 5), normal((2,)))
case("linspace-no-endpoint-retstep",
     lambda x: np.linspace(x[0], x[1], 4, endpoint=False, retstep=True)[0] *
     np.linspace(x[0], x[1], 4, endpoint=False, retstep=True)[1], normal((2,)))
case("linspace-arrays-axis", lambda a, b: np.linspace(a, b, 3, axis=1), normal((2,), (2,)),
     argnums=M)
case("linspace-stop-only", lambda b: np.linspace(0.0, b, 4) ** 2, normal(()))
case("partition-kth", lambda x: np.partition(x, 2)[2] + np.partition(x, 2)[:2].sum(),
     until(normal((6,)), distinct))
case("partition-axis0", lambda x: np.partition(x, 1, axis=0)[1], until(normal((3, 2)), distinct))
case("tail-sort-axis0", lambda x: np.sort(x, axis=0) * np.arange(6.0).reshape(3, 2),
     until(normal((3, 2)), distinct))

# ---- elementwise tail ----------------------------------------------------------------
case("sinc", np.sinc, normal((5,)))
case("sinc-at-zero", np.sinc, fixed([0.0, 0.3, -1.2]))
case("fabs", np.fabs, away(0.2, 2.0, (4,)))
case("logaddexp2", np.logaddexp2, normal((3,), (3,)), argnums=M)
case("radians-degrees", lambda x: np.radians(x) * np.degrees(x) + np.deg2rad(x) + np.rad2deg(x),
     normal((3,)))
case("heaviside", lambda x: np.heaviside(x, 0.5) * x + x, away(0.2, 2.0, (4,)))
case("copysign", lambda x, y: np.copysign(x, y), (lambda r: (away(0.2, 2, (4,))(r)[0],
                                                             away(0.2, 2, (4,))(r)[0])),
     argnums=M)
_SPECIAL = np.array([0.0, np.nan, np.inf, -np.inf, 0.0])


case("nan_to_num", lambda x: np.nan_to_num(x + _SPECIAL, posinf=5.0, neginf=-5.0) * x,
     normal((5,)))
case("nan_to_num-values", lambda x: np.nan_to_num(x * 2.0 + _SPECIAL, nan=x[0], posinf=7.0,
                                                  neginf=-3.0), normal((5,)))

# ---- statistics tail -----------------------------------------------------------------
case("ptp", np.ptp, until(normal((5,)), distinct))
case("ptp-axis", lambda x: np.ptp(x, axis=1, keepdims=True), until(normal((2, 3)), distinct))
case("average-plain", lambda x: np.average(x, axis=0), normal((3, 2)))
case("average-weights-const", lambda x: np.average(x, weights=np.array([1.0, 2.0, 3.0])),
     normal((3,)))
case("average-weights-traced", lambda x, w: np.average(x, axis=1, weights=w),
     lambda r: (r.standard_normal((2, 3)), r.uniform(0.5, 2.0, 3)), argnums=M)
case("average-returned", lambda x, w: np.average(x, weights=w, returned=True)[0] *
     np.average(x, weights=w, returned=True)[1], lambda r: (r.standard_normal((2, 3)),
                                                            r.uniform(0.5, 2.0, (2, 3))),
     argnums=M)
case("median-odd", np.median, until(normal((5,)), distinct))
case("median-even", np.median, until(normal((6,)), distinct))
case("median-axis", lambda x: np.median(x, axis=0, keepdims=True), until(normal((4, 3)), distinct))
case("percentile", lambda x: np.percentile(x, 30.0), until(normal((7,)), distinct))
case("percentile-array-q", lambda x: np.percentile(x, [10.0, 50.0, 95.0], axis=1),
     until(normal((2, 5)), distinct))
case("quantile", lambda x: np.quantile(x, 0.37), until(normal((6,)), distinct))
case("quantile-tuple-axis", lambda x: np.quantile(x, 0.6, axis=(0, 2)),
     until(normal((2, 3, 2)), distinct))
case("quantile-traced-q", lambda x, q: np.quantile(x, q), lambda r: (
     until(normal((6,)), distinct)(r)[0], np.array(0.41)), argnums=M)

_NAN = np.array([0.3, np.nan, -1.2, 0.8, np.nan, 2.0])


def _with_nan(x):
    """NaN entries added after any nonlinear step: reverse mode multiplies the zero cotangent
    of a NaN entry by the partials of the step that made it (0 * NaN), as any AD does."""
    return x + _NAN * 0.0


case("nansum", lambda x: np.nansum(_with_nan(x ** 2)), normal((6,)))
case("nanmean", lambda x: np.nanmean(_with_nan(np.sin(x))), normal((6,)))
case("nanprod", lambda x: np.nanprod(_with_nan(x)), normal((6,)))
case("nanmax", lambda x: np.nanmax(_with_nan(x)), until(normal((6,)), distinct))
case("nanmin", lambda x: np.nanmin(_with_nan(x)), until(normal((6,)), distinct))
case("nanvar", lambda x: np.nanvar(_with_nan(x), ddof=1), normal((6,)))
case("nanstd", lambda x: np.nanstd(_with_nan(x)), normal((6,)))
case("nansum-axis", lambda x: np.nansum(np.reshape(_with_nan(x), (2, 3)), axis=0), normal((6,)))
case("nanmean-axis", lambda x: np.nanmean(np.reshape(_with_nan(x), (3, 2)), axis=1),
     normal((6,)))
case("nancumsum", lambda x: np.nancumsum(_with_nan(x)), normal((6,)))
case("nancumprod", lambda x: np.nancumprod(_with_nan(x)), normal((6,)))
case("nanmedian-no-nan", lambda x: np.nanmedian(x), until(normal((5,)), distinct))
case("nanpercentile-no-nan", lambda x: np.nanpercentile(x, 20.0), until(normal((5,)), distinct))
case("cumulative_sum", lambda x: np.cumulative_sum(x, axis=1, include_initial=True),
     normal((2, 3)))
case("cumulative_prod", lambda x: np.cumulative_prod(x), normal((4,)))
case("cumsum-axis0", lambda x: np.cumsum(x, axis=0), normal((3, 2)))
case("cumprod-axis-neg", lambda x: np.cumprod(x, axis=-2), normal((3, 2)))
case("ediff1d", lambda x: np.ediff1d(x, to_begin=x[:1], to_end=[5.0]), normal((2, 2)))
case("gradient-1d", np.gradient, normal((5,)))
case("gradient-spacing", lambda x: np.gradient(x, 0.3), normal((5,)))
case("gradient-edge2", lambda x: np.gradient(x, edge_order=2), normal((5,)))
case("gradient-2d", lambda x: np.stack(np.gradient(x)), normal((3, 4)))
case("gradient-axis", lambda x: np.gradient(x, axis=1), normal((3, 4)))
case("gradient-coords", lambda f, t: np.gradient(f, t),
     lambda r: (r.standard_normal(5), np.cumsum(r.uniform(0.5, 1.5, 5))), argnums=M)
case("gradient-coords-edge2", lambda f, t: np.gradient(f, t, edge_order=2),
     lambda r: (r.standard_normal(5), np.cumsum(r.uniform(0.5, 1.5, 5))), argnums=M)
case("trapezoid", np.trapezoid, normal((5,)))
case("trapezoid-dx-axis", lambda y: np.trapezoid(y, dx=0.5, axis=0), normal((4, 2)))
case("trapezoid-x", lambda y, x: np.trapezoid(y, x),
     lambda r: (r.standard_normal(5), np.cumsum(r.uniform(0.2, 1.0, 5))), argnums=M)
case("trapezoid-x-2d", lambda y, x: np.trapezoid(y, x, axis=0),
     lambda r: (r.standard_normal((4, 2)), np.cumsum(r.uniform(0.2, 1.0, 4))), argnums=M)

_XP = np.array([0.0, 0.5, 1.3, 2.0, 3.1])


def _interp_sample(rng):
    x = rng.uniform(-0.5, 3.5, 7)
    while np.min(np.abs(x[:, None] - _XP[None, :])) < 0.05:
        x = rng.uniform(-0.5, 3.5, 7)
    return x, rng.standard_normal(5)


case("interp-x-fp", lambda x, fp: np.interp(x, _XP, fp), _interp_sample, argnums=M)
case("interp-left-right", lambda x, fp: np.interp(x, _XP, fp, left=-1.0, right=fp[2] * 2.0),
     _interp_sample, argnums=M)
case("interp-traced-xp", lambda x, xp: np.interp(x, xp, np.sin(xp)),
     lambda r: (np.array([0.2, 0.9, 2.5]), _XP + 0.0), argnums=M)
case("interp-scalar-x", lambda x: np.interp(x, _XP, np.cos(_XP)), fixed(1.7))
case("cov", np.cov, normal((3, 5)))
case("cov-xy-cols", lambda x, y: np.cov(x, y, rowvar=False, bias=True), normal((5, 2), (5,)),
     argnums=M)
case("corrcoef", np.corrcoef, normal((3, 6)))
case("polyval", np.polyval, normal((4,), (3,)), argnums=M)
case("vander", lambda x: np.vander(x, 4), fixed([0.0, 0.5, -1.3]))
case("vander-increasing", lambda x: np.vander(x, increasing=True), normal((3,)))

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
    y = np.interp(np.cumsum(np.abs(x)) * 0.5, _XP, fp)
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
