"""Jacobians at many points in one batched sweep equal a loop over the points."""
import warnings

import numpy as np
import pytest

import jaccli
from jaccli.points import BranchWarning

rng = np.random.default_rng(7)
W = rng.standard_normal((4, 3))


def lorenz(x):
    s, r, b = 10.0, 28.0, 8.0 / 3.0
    return np.stack([s * (x[1] - x[0]), x[0] * (r - x[2]) - x[1], x[0] * x[1] - b * x[2]])


CASES = {
    "elementwise": (lambda x: np.sin(x) * np.exp(-x * x) + x ** 3, (3,)),
    "matvec": (lambda x: np.tanh(W @ x + 1.0), (3,)),
    "matrix-input": (lambda A: A @ A.T + np.linalg.inv(A + 4 * np.eye(3)), (3, 3)),
    "reductions": (lambda x: np.stack([x.sum(), x.prod(), x.max(), np.linalg.norm(x),
                                       x.var(ddof=1)]), (4,)),
    "reduce-axis": (lambda A: np.cumsum(A, axis=0).mean(axis=1), (3, 2)),
    "indexing": (lambda x: np.concatenate([x[::-1], x[[0, 0, 2]], x[1:3] * x[0]]), (4,)),
    "setitem": (lambda x: _shifted(x), (4,)),
    "scalar-out": (lambda x: np.sum(x ** 2) * x[0], (3,)),
    "lorenz": (lorenz, (3,)),
    "solve": (lambda x: np.linalg.solve(np.eye(3) * 3 + np.outer(x, x), x), (3,)),
    "einsum-where": (lambda x: np.where(x > 0, np.einsum("i,i->i", x, x), -x), (4,)),
}


def _shifted(x):
    y = np.zeros_like(x)
    y[1:] = x[:-1] * 2.0
    y[0] += x[-1]
    return y


def _loop(f, X):
    return np.stack([jaccli.jacobian(f, x) for x in X])


@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_batched_equals_loop(name, mode):
    f, shape = CASES[name]
    X = rng.uniform(-1.5, 1.5, (6,) + shape)
    J = jaccli.jacobian(f, X, batched=True, mode=mode)
    np.testing.assert_allclose(J, _loop(f, X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["lorenz", "matvec", "scalar-out"])
def test_single_point_batch(name):
    f, shape = CASES[name]
    X = rng.standard_normal((1,) + shape)
    J = jaccli.jacobian(f, X, batched=True)
    expect = jaccli.jacobian(f, X[0])
    assert J.shape == (1,) + expect.shape
    np.testing.assert_allclose(J[0], expect, rtol=1e-12, atol=1e-12)


def test_shapes_scalar_output_and_tuple_argnums():
    X = rng.standard_normal((5, 3))
    Y = rng.standard_normal((5, 2))
    f = lambda x, y: np.sum(x) * np.sum(y ** 2)  # noqa: E731
    assert jaccli.jacobian(f, X, Y, batched=True).shape == (5, 3)
    Jx, Jy = jaccli.jacobian(f, X, Y, argnums=(0, 1), batched=True)
    assert Jx.shape == (5, 3) and Jy.shape == (5, 2)
    np.testing.assert_allclose(Jy, [jaccli.jacobian(f, x, y, argnums=1) for x, y in zip(X, Y)])


def test_extra_batched_argument_varies_per_point():
    X = rng.standard_normal((5, 3))
    C = rng.standard_normal((5, 3))       # per-point constants, not differentiated
    f = lambda x, c: np.sin(x * c)  # noqa: E731
    J = jaccli.jacobian(f, X, C, batched=(1,))
    np.testing.assert_allclose(J, [jaccli.jacobian(f, x, c) for x, c in zip(X, C)],
                               rtol=1e-12, atol=1e-12)


def branchy(x):
    if x[0] > 0:
        return np.sin(x) * x[1]
    return x ** 2


def test_branch_on_value_groups_points_and_warns():
    X = rng.standard_normal((40, 3))
    assert (X[:, 0] > 0).any() and (X[:, 0] <= 0).any()
    with pytest.warns(BranchWarning, match="2 groups"):
        J = jaccli.jacobian(branchy, X, batched=True)
    np.testing.assert_allclose(J, _loop(branchy, X), rtol=1e-12, atol=1e-12)


def test_value_read_without_decision_falls_back_per_point():
    f = lambda x: x * x[np.argmax(x)]  # noqa: E731
    X = rng.standard_normal((7, 3))
    with pytest.warns(BranchWarning, match="7 groups"):
        J = jaccli.jacobian(f, X, batched=True)
    np.testing.assert_allclose(J, _loop(f, X), rtol=1e-12, atol=1e-12)


def test_no_warning_without_branches():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jaccli.jacobian(lorenz, rng.standard_normal((10, 3)), batched=True)


def test_chunked_points_equal_one_chunk(monkeypatch):
    import jaccli.points as points
    X = rng.standard_normal((50, 3))
    whole = jaccli.jacobian(lorenz, X, batched=True)
    monkeypatch.setattr(points, "POINTS_CHUNK_BYTES", 1)      # one point per chunk
    np.testing.assert_array_equal(jaccli.jacobian(lorenz, X, batched=True, chunk_size=2), whole)


def test_mismatched_batch_lengths_are_refused():
    with pytest.raises(jaccli.InputError, match="leading lengths"):
        jaccli.jacobian(lambda x, y: x * y, np.ones((3, 2)), np.ones((4, 2)),
                        argnums=(0, 1), batched=True)


def test_np_any_branch_is_a_decision_not_a_per_point_fallback():
    def f(x):
        if np.any(x > 1.0):
            return np.minimum(x, 1.0) * x
        return np.sin(x)
    X = rng.uniform(-0.5, 1.5, (30, 3))
    with pytest.warns(BranchWarning, match="2 groups"):
        J = jaccli.jacobian(f, X, batched=True)
    np.testing.assert_allclose(J, _loop(f, X), rtol=1e-12, atol=1e-12)
