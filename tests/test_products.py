"""jmp (J @ V) and mjp (U @ J) for K tangents at once: equal to J from jaccli.jacobian
applied to the matrix and to central differences, chunked or not; bad shapes are clear."""
import numpy as np
import pytest

import jaccli
from checks import fd_jacobian

RNG = np.random.default_rng(7)
X = RNG.standard_normal(4)
W = RNG.standard_normal((3, 4))


def f(x, W):
    return np.tanh(W @ x) * np.sum(np.sin(x))


def two_outputs(x, W):
    return W @ x, np.sum(x ** 2)


def _flat_J(fn, args):
    """Central differences over all arguments: (M, N) for one output."""
    return np.concatenate([fd_jacobian(fn, args, k).reshape(-1, args[k].size)
                           for k in range(len(args))], axis=1)


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_jmp_is_J_times_V(chunk_size):
    K = 5
    Vx, VW = RNG.standard_normal((4, K)), RNG.standard_normal((3, 4, K))
    y, JV = jaccli.jmp(f, (X, W), (Vx, VW), chunk_size=chunk_size)
    np.testing.assert_allclose(y, f(X, W))
    assert JV.shape == (3, K)
    Jx, JW = jaccli.jacobian(f, X, W, argnums=(0, 1))
    np.testing.assert_allclose(JV, Jx @ Vx + np.tensordot(JW, VW, 2), rtol=1e-12, atol=1e-14)
    V = np.concatenate([Vx, VW.reshape(12, K)])
    np.testing.assert_allclose(JV, _flat_J(f, (X, W)) @ V, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("chunk_size", [None, 3])
def test_mjp_is_U_times_J(chunk_size):
    K = 4
    U = RNG.standard_normal((K, 3))
    y, (Ux, UW) = jaccli.mjp(f, (X, W), U, chunk_size=chunk_size)
    assert Ux.shape == (K, 4) and UW.shape == (K, 3, 4)
    Jx, JW = jaccli.jacobian(f, X, W, argnums=(0, 1))
    np.testing.assert_allclose(Ux, U @ Jx, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(UW, np.tensordot(U, JW, 1), rtol=1e-12, atol=1e-14)
    flat = np.concatenate([Ux, UW.reshape(K, 12)], axis=1)
    np.testing.assert_allclose(flat, U @ _flat_J(f, (X, W)), rtol=1e-6, atol=1e-8)


def test_a_small_memory_limit_chunks_and_gives_the_same(monkeypatch):
    import jaccli.products
    x = RNG.standard_normal(200)
    V = RNG.standard_normal((200, 64))
    g = lambda x: np.outer(np.sin(x), x).ravel()
    sweeps = []
    real = jaccli.products.sweep_chunk
    monkeypatch.setattr(jaccli.products, "sweep_chunk",
                        lambda *a, **k: sweeps.append(a[3].count) or real(*a, **k))
    _, whole = jaccli.jmp(g, (x,), (V,))
    assert sweeps == [64]                                  # all K in one batched sweep
    _, chunked = jaccli.jmp(g, (x,), (V,), memory_limit=8_000_000)
    assert len(sweeps) > 2 and sum(sweeps[1:]) == 64       # the budget split them
    np.testing.assert_allclose(chunked, whole, rtol=1e-14)
    np.testing.assert_allclose(whole, jaccli.jacobian(g, x) @ V, rtol=1e-12, atol=1e-12)


def test_tuple_outputs():
    V = RNG.standard_normal((4, 2))
    (y0, y1), (a, b) = jaccli.jmp(lambda x: two_outputs(x, W), (X,), (V,))
    np.testing.assert_allclose(a, W @ V, rtol=1e-12)
    np.testing.assert_allclose(b, 2 * X @ V, rtol=1e-12)
    assert b.shape == (2,)
    _, (ux,) = jaccli.mjp(lambda x: two_outputs(x, W), (X,),
                          (np.ones((2, 3)), np.array([1.0, -1.0])))
    np.testing.assert_allclose(ux, np.ones((2, 3)) @ W + np.outer([1.0, -1.0], 2 * X),
                               rtol=1e-12)


def test_nested_inside_a_jacobian():
    """d/dx of J(x) V for f = sin: J V = cos(x) * V[:, 0] -> diag(-sin(x) * V[:, 0])."""
    V = RNG.standard_normal((4, 1))
    H = jaccli.jacobian(lambda x: jaccli.jmp(np.sin, (x,), (V,))[1][:, 0], X)
    np.testing.assert_allclose(H, np.diag(-np.sin(X) * V[:, 0]), rtol=1e-12)


@pytest.mark.parametrize("call, words", [
    (lambda: jaccli.jmp(f, (X, W), (np.ones((4, 2)),)), "2 primals but 1"),
    (lambda: jaccli.jmp(f, (X, W), (np.ones((4, 2)), np.ones((3, 4, 3)))), "with K = 2"),
    (lambda: jaccli.jmp(f, (X, W), (np.ones(4), np.ones((3, 4, 1)))), r"primal.shape \+ \(K,\)"),
    (lambda: jaccli.jmp(f, (X, W), np.ones((4, 2))), "tuple with one array per primal"),
    (lambda: jaccli.mjp(f, (X, W), np.ones((2, 4))), r"\(K,\) \+ out.shape"),
    (lambda: jaccli.mjp(lambda x: two_outputs(x, W), (X,), (np.ones((2, 3)),)),
     "1 cotangent matrices for 2 outputs"),
    (lambda: jaccli.mjp(f, (X, W), np.ones((2, 3)), chunk_size=0), "chunk_size=0"),
])
def test_bad_shapes_are_clear(call, words):
    with pytest.raises(jaccli.InputError, match=words):
        call()


def test_mjp_of_a_dict_output_and_a_dict_primal():
    x = np.linspace(0.2, 1.0, 4)
    f = lambda p: {"s": np.sin(p["x"]), "q": p["x"] ** 2}
    U = {"s": np.eye(4)[:2], "q": 2 * np.eye(4)[:2]}           # K = 2 rows
    _, (UJ,) = jaccli.mjp(f, ({"x": x},), U)
    expected = np.eye(4)[:2] * (np.cos(x) + 4 * x)             # diag J: cos x and 2x, twice
    np.testing.assert_allclose(UJ["x"], expected, rtol=1e-13)
