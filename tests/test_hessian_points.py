"""Hessians at many points (``hessian(f, X, batched=...)``): every fourth case of the
derivative tables at two random points, each point's Hessian against central differences of
the gradient there and against the one-point ``flat_hessian``; shapes (scalar, vector
outputs, tuple argnums); branches; the argument errors."""
import warnings
import zlib

import numpy as np
import pytest

import jaccli
from cases import CASES as ALL_CASES
from cases.custom import ONE_POINT_ONLY
from jaccli.hessian import flat_hessian
from jaccli.hessian_points import batched_flat_hessian
from jaccli.points import BranchWarning
from test_hessian_cases import _nums, _projected, fd_hessian

CASES = [c for c in ALL_CASES if c.name not in ONE_POINT_ONLY]   # batched= needs vectorized

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _two_points(case):
    g, first = _projected(case)
    rng = np.random.default_rng(zlib.crc32(("second point" + case.name).encode()))
    second = tuple(np.asarray(a, dtype=np.float64) for a in case.sample(rng))
    return g, [first, second]


@pytest.mark.parametrize("case", CASES[::4], ids=[c.name for c in CASES[::4]])
def test_batched_hessian_per_point(case):
    g, pts = _two_points(case)
    nums = _nums(case)
    stacked = [np.stack(col) for col in zip(*pts)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BranchWarning)
        T, info = batched_flat_hessian(g, stacked, nums, set(range(len(stacked))))
    N = sum(pts[0][k].size for k in nums)
    assert T.shape == (2, 1, N, N)
    for p, args in enumerate(pts):
        H = T[p, 0]
        scale = max(1.0, float(np.max(np.abs(H), initial=0.0)))
        one = flat_hessian(g, args, nums).matrix
        np.testing.assert_allclose(H, one, rtol=1e-9, atol=1e-10 * scale,
                                   err_msg=f"{case.name} point {p}: vs one-point Hessian")
        np.testing.assert_allclose(H, fd_hessian(g, args, nums),
                                   rtol=max(case.rtol, 1e-5) * 10,
                                   atol=max(case.atol, 1e-6) * 10 * scale,
                                   err_msg=f"{case.name} point {p}: vs central differences")


rng = np.random.default_rng(21)


def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_shapes_match_the_one_point_hessian():
    X, Y = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    H = jaccli.hessian(rosenbrock, X, batched=True)
    assert H.shape == (4, 5, 5)
    for mode in ("fwd", "rev"):                       # the outer sweeps either way
        np.testing.assert_allclose(jaccli.hessian(rosenbrock, X, batched=True, mode=mode), H,
                                   rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H, [jaccli.hessian(rosenbrock, x) for x in X], rtol=1e-12)
    vec = lambda x: np.stack([np.sum(x ** 3), x[0] * x[1] * x[2]])  # noqa: E731
    assert jaccli.hessian(vec, X, batched=True).shape == (4, 2, 5, 5)
    tall = lambda x: np.outer(x, x)                           # noqa: E731  (inner forward)
    H = jaccli.hessian(tall, X[:, :3], batched=True)
    assert H.shape == (4, 3, 3, 3, 3)
    np.testing.assert_allclose(H, [jaccli.hessian(tall, x) for x in X[:, :3]], rtol=1e-12)
    two = lambda x, y: np.sum(np.sin(x) * y ** 2)             # noqa: E731
    H = jaccli.hessian(two, X, Y, argnums=(0, 1), batched=True)
    for p in range(4):
        ref = jaccli.hessian(two, X[p], Y[p], argnums=(0, 1))
        for i in range(2):
            for j in range(2):
                np.testing.assert_allclose(H[i][j][p], ref[i][j], rtol=1e-12, atol=1e-14)
    C = rng.standard_normal((4, 5))                            # per-point constants
    H = jaccli.hessian(two, X, C, batched=(1,))
    np.testing.assert_allclose(H, [jaccli.hessian(two, x, c) for x, c in zip(X, C)],
                               rtol=1e-12, atol=1e-14)


def test_chunked_over_points_equals_one_chunk(monkeypatch):
    X = rng.standard_normal((9, 6))
    whole = jaccli.hessian(rosenbrock, X, batched=True)
    from jaccli import points
    monkeypatch.setattr(points, "POINTS_CHUNK_BYTES", 1)        # one point per chunk
    np.testing.assert_array_equal(jaccli.hessian(rosenbrock, X, batched=True), whole)
    np.testing.assert_array_equal(jaccli.hessian(rosenbrock, X, batched=True, chunk_size=2),
                                  whole)


def test_branches_are_grouped():
    def branchy(x):
        if x[0] > 0:
            return np.sum(x ** 4)
        return np.sum(np.sin(x) * x[0])
    X = rng.standard_normal((6, 4))
    X[:, 0] = [1, -1, 2, -2, 1, -1]
    with pytest.warns(BranchWarning):
        H = jaccli.hessian(branchy, X, batched=True)
    for p in range(6):
        np.testing.assert_allclose(H[p], jaccli.hessian(branchy, X[p]), rtol=1e-12,
                                   atol=1e-14)


@pytest.mark.parametrize("bad, match", [
    (dict(batched=True, sparse=True), "sparse"),
    (dict(batched=True, chunk_size=0), "chunk_size"),
    (dict(batched=True, memory_limit="lots"), "memory_limit"),
])
def test_bad_arguments(bad, match):
    with pytest.raises(jaccli.InputError, match=match):
        jaccli.hessian(rosenbrock, np.ones((3, 4)), **bad)


def test_integer_points_are_refused_as_for_jacobian():
    with pytest.raises(jaccli.InputError, match="dtype int"):
        jaccli.hessian(rosenbrock, np.ones((3, 4), dtype=int), batched=True)
    with pytest.raises(jaccli.InputError, match="leading lengths"):
        jaccli.hessian(lambda x, y: np.sum(x * y), np.ones((3, 4)), np.ones((2, 4)),
                       argnums=(0, 1), batched=True)


def test_batched_hessian_of_a_container_argument_is_refused():
    loss = lambda p: np.sum(p["w"] ** 2)                                  # noqa: E731
    with pytest.raises(jaccli.InputError, match="argument 0 is a dict; this path"):
        jaccli.hessian(loss, {"w": np.ones((3, 2))}, batched=True)
