"""Lazy tangents (jaccli/lazy_tangents.py: elementwise chains, one-hot lines, folded products)
and the identity seeds carried through slices and reshapes (``seed_passes``): forward sweeps
that take them agree with the eager rules, with reverse mode and with central differences.

The lazy chains only run on large tangents; ``lazy_always`` sets ``LAZY_MIN_SIZE`` to 0 so
that every case of the derivative table takes them, in two forward variants (several chunks
with a partial one; one JVP). Second order: the layered loss's Hessian below."""
import numpy as np
import pytest

import jaccli
from jaccli import lazy_tangents
from cases import CASES
from checks import check_derivative, fd_jacobian

pytestmark = pytest.mark.filterwarnings(
    "ignore:Arrays of 2-dimensional vectors:DeprecationWarning")

FORWARD = ["fwd-chunk3", "jvp"]      # several chunks, a partial one; a single tangent


@pytest.fixture
def lazy_always(monkeypatch):
    monkeypatch.setattr(lazy_tangents, "LAZY_MIN_SIZE", 0)


@pytest.mark.parametrize("variant", FORWARD)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_case_forward_with_lazy_tangents(case, variant, lazy_always):
    check_derivative(case, variant)


def _fd(f, x):
    return fd_jacobian(f, (x,), 0)


CHAINS = {
    # name: (function, input shape)
    "unary-chain": (lambda x: np.exp(np.tanh(np.sin(x))) * 2.0, (7,)),
    "same-tangent-twice": (lambda x: x * x - np.tanh(x) * np.tanh(x), (6,)),
    "broadcast-operands": (lambda x: x.reshape(4, 1) * np.cos(x[:3]) + x[1:4], (4,)),
    "neg-sub-constant": (lambda x: -(1.0 - np.square(x)) / (2.0 + x), (5,)),
    "long-chain": (lambda x: (((x + np.sin(x)) * np.cos(x) - np.exp(x / 3)) * x[::-1]
                              + np.tanh(x) - np.square(x[::-1])), (5,)),
    "boolean-partials": (lambda x: np.iscomplex(x * 1j) * x + np.isreal(x) * x, (3,)),
    "seed-view-first-term": (lambda x: x[:3] + x[3:] * x[3:], (6,)),
    "reused-after-write": (lambda x: np.sum(np.sin(x) * x) * (np.sin(x) * x), (4,)),
    "float32": (lambda x: np.tanh(x) * x + np.float32(1.5) * x, (4,)),
}


@pytest.mark.parametrize("chunk", [None, 1, 2])
@pytest.mark.parametrize("name", sorted(CHAINS))
def test_chains_match_eager_rules_and_differences(name, chunk, monkeypatch):
    f, shape = CHAINS[name]
    dtype = np.float32 if name == "float32" else np.float64
    x = np.random.default_rng(len(name)).uniform(0.2, 0.9, shape).astype(dtype)
    monkeypatch.setattr(lazy_tangents, "LAZY_MIN_SIZE", 1 << 62)
    eager = jaccli.jacobian(f, x, mode="fwd", chunk_size=chunk)
    monkeypatch.setattr(lazy_tangents, "LAZY_MIN_SIZE", 0)
    lazy = jaccli.jacobian(f, x, mode="fwd", chunk_size=chunk)
    assert lazy.dtype == eager.dtype
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(lazy, eager, rtol=tol, atol=tol)
    if dtype == np.float64:
        np.testing.assert_allclose(lazy, _fd(f, x), rtol=1e-6, atol=1e-7)


def test_a_long_chain_is_written_once_it_has_too_many_terms(lazy_always):
    """Five different tangents added up: more than MAX_TERMS terms, written on the spot."""
    def f(x):
        parts = [np.sin(x[k:k + 2]) for k in range(lazy_tangents.MAX_TERMS + 1)]
        return sum(parts[1:], parts[0]) * x[:2]
    x = np.linspace(0.1, 0.9, lazy_tangents.MAX_TERMS + 2)
    np.testing.assert_allclose(jaccli.jacobian(f, x, mode="fwd"), _fd(f, x),
                               rtol=1e-6, atol=1e-8)


def test_the_lazy_path_leaves_seeds_and_inputs_untouched(lazy_always):
    """An in-place sum never writes into a base it did not make (a seed, a view of one)."""
    x = np.linspace(0.1, 0.6, 6)
    f = CHAINS["seed-view-first-term"][0]
    jf = jaccli.jacfun(f)             # its seeds are read-only: a write would raise
    first, again = jf(x), jf(x)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first, _fd(f, x), rtol=1e-6, atol=1e-8)


def test_large_tangents_take_the_lazy_path_by_default(monkeypatch):
    """A forward sweep over 200 seeds x 1000 values is lazy without any setting (a Lin is
    written out), and right."""
    writes = []
    real = lazy_tangents._write
    monkeypatch.setattr(lazy_tangents, "_write", lambda *a: writes.append(1) or real(*a))
    rng = np.random.default_rng(3)
    A = rng.standard_normal((1000, 200)) / 10

    def f(x):
        h = np.tanh(A @ x)
        return (1.0 - h * h) * h + x[:1]
    x = rng.standard_normal(200)
    J = jaccli.jacobian(f, x, mode="fwd")
    assert writes
    h = np.tanh(A @ x)
    expected = ((1 - 3 * h ** 2) * (1 - h ** 2))[:, None] * A
    expected[:, 0] += 1.0
    np.testing.assert_allclose(J, expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- identity seeds

SEEDED = {
    # slices of the seeded vector: chunks that miss a slice give it no tangent at all
    "slices": lambda x: np.concatenate([x[:3] * x[5:8], np.sin(x[8:])]),
    "matrix-at-slice": lambda x: np.arange(12.0).reshape(4, 3) @ x[2:5] + x[6:10],
    "vector-at-slice": lambda x: x[7:11] @ np.arange(8.0).reshape(4, 2),
    "const-at-reshaped": lambda x: np.tanh(np.arange(15.0).reshape(5, 3) / 7 @ x[:12].reshape(3, 4)),
    "reshaped-at-const": lambda x: x[1:13].reshape(4, 3) @ np.arange(6.0).reshape(3, 2) / 5,
    "empty-and-stepped": lambda x: np.concatenate([x[4:4] + 1.0, x[1:9:2] ** 2, x[::-1][:3]]),
    # one-hot products kept as lines (lazy_tangents.Line) through elementwise chains
    "line-chain": lambda x: np.tanh(_A @ x[:12].reshape(3, 4)) * (_A @ x[:12].reshape(3, 4))
    + x[:4],
    "line-lifted": lambda x: (_A @ x[1:13].reshape(3, 4))[None] * np.arange(1.0, 3.0)[:, None, None],
    "line-rows": lambda x: np.sin(x[:12].reshape(4, 3) @ _A.T[:3]) - x[12],
    "line-and-dense": lambda x: np.exp(_A @ x[:12].reshape(3, 4) / 9) * np.cos(x[:12].reshape(3, 4))[:1]
    + np.sum(x[:12].reshape(3, 4) ** 2, axis=0),
    # lines through a second matmul with a constant (lazy_tangents._line_product): columns
    # (A @ X) and rows (X @ B), each on either side of a matrix and of a vector
    "cols-at-matrix": lambda x: np.sin((_A @ x[:12].reshape(3, 4)) @ _C),
    "rows-at-matrix": lambda x: np.sin((x[:12].reshape(4, 3) @ _A.T[:, :3]) @ _C[:3]),
    "cols-at-vector": lambda x: np.exp((_A @ x[:12].reshape(3, 4) / 4) @ _C[:, 0]),
    "rows-at-vector": lambda x: np.exp((x[:12].reshape(4, 3) @ _A[:3] / 4) @ _C[:3, 1]),
    "matrix-at-cols": lambda x: np.tanh(_A.T @ (_A @ x[:12].reshape(3, 4))),
    "matrix-at-rows": lambda x: np.tanh(_A[:2] @ (x[:12].reshape(3, 4) @ _C)),
    "vector-at-cols": lambda x: np.cos(_A[:, 1] @ (_A @ x[1:13].reshape(3, 4))) * x[0],
    "vector-at-rows": lambda x: np.cos(_C[:, 0] @ (x[:12].reshape(4, 3) @ _A.T)),
    "dense-at-lines": lambda x: np.sin(x[8:13]) @ np.tanh(_A @ x[:12].reshape(3, 4)),
    "lines-at-dense": lambda x: np.tanh(x[:12].reshape(4, 3) @ _A.T[:, :2]) @ np.cos(x[11:13]),
}
_A = np.linspace(-1.0, 1.0, 15).reshape(5, 3)
_C = np.linspace(0.5, -1.5, 8).reshape(4, 2)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, None])
@pytest.mark.parametrize("name", sorted(SEEDED))
def test_identity_seeds_through_slices_and_reshapes(name, chunk):
    f = SEEDED[name]
    x = np.random.default_rng(7).uniform(-1, 1, 13)
    J = jaccli.jacobian(f, x, mode="fwd", chunk_size=chunk)
    np.testing.assert_allclose(J, _fd(f, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(J, jaccli.jacobian(f, x, mode="rev"), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_hot_products_keep_the_dtype(dtype):
    A = np.arange(6, dtype=dtype).reshape(2, 3)
    x = np.ones(12, dtype)
    J = jaccli.jacobian(lambda x: A @ x.reshape(3, 4), x, mode="fwd", chunk_size=5)
    assert J.dtype == dtype
    np.testing.assert_array_equal(J.reshape(2, 4, 3, 4),
                                  np.einsum("ij,kl->ikjl", A, np.eye(4, dtype=dtype)))


def test_hessian_of_a_layered_loss_uses_every_path():
    """The bench's MLP loss (a weight matrix and a vector sliced from one parameter vector):
    one-hot products, zero tangents for the other block, lazy chains -- against the Hessian
    of the same loss by forward over forward."""
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.standard_normal((300, 4)), np.ones((300, 1))], axis=1)
    y = rng.standard_normal(300)

    def loss(w):
        h = np.tanh(X @ w[:40].reshape(5, 8))
        return np.mean((h @ w[40:] - y) ** 2)
    w = 0.3 * rng.standard_normal(48)
    H = jaccli.hessian(loss, w)
    H_ff = jaccli.jacobian(lambda v: jaccli.jacobian(loss, v, mode="fwd"), w, mode="fwd")
    np.testing.assert_allclose(H, H_ff, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)


_M = np.linspace(-2.0, 1.0, 20).reshape(5, 4)
FOLDED = {
    # C @ (b * coef), b broadcast along the columns; (b * coef) @ C, b along the rows
    "matrix-at-column-broadcast": lambda x: np.sin(_A.T @ (np.sin(x[:5])[:, None] * _M)),
    "row-broadcast-at-matrix": lambda x: np.sin((np.exp(x[1:5] / 3)[None, :] * _M) @ _C),
    "with-a-line-term": lambda x: np.tanh(
        _A.T @ (x[5:10, None] * np.cos(_M) + _A @ x[:12].reshape(3, 4))),
}


@pytest.mark.parametrize("chunk", [1, 4, None])
@pytest.mark.parametrize("name", sorted(FOLDED))
def test_broadcast_terms_fold_into_one_product(name, chunk, lazy_always, monkeypatch):
    folded = []
    real = lazy_tangents._folded
    monkeypatch.setattr(lazy_tangents, "_folded",
                        lambda *a: (lambda r: folded.append(r is not None) or r)(real(*a)))
    f = FOLDED[name]
    x = np.random.default_rng(11).uniform(-1, 1, 13)
    J = jaccli.jacobian(f, x, mode="fwd", chunk_size=chunk)
    assert any(folded)
    np.testing.assert_allclose(J, _fd(f, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(J, jaccli.jacobian(f, x, mode="rev"), rtol=1e-12, atol=1e-12)


def test_float32_lines_with_float64_coefficients_promote(lazy_always):
    """Lines of a float32 product scaled by float64 values are written in float64, as the
    rules' products would promote them (not cast back to float32)."""
    A = np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)
    W = np.linspace(0.1, 2.0, 20).reshape(5, 4) * (1 + 1e-9)          # float64

    def f(x):
        return np.sin((A @ x[:12].reshape(3, 4)) * W) + x[12:] * 0
    x = np.linspace(0.2, 0.9, 13, dtype=np.float32)
    J = jaccli.jacobian(f, x, mode="fwd", chunk_size=4)
    J_rev = jaccli.jacobian(f, x, mode="rev")
    assert J.dtype == J_rev.dtype
    np.testing.assert_allclose(J, J_rev, rtol=1e-12, atol=1e-12)
