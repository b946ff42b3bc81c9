"""grad and value_and_grad (one reverse sweep, scalar f, has_aux, argnums tuples) and
stop_gradient (identity value, zero derivative in both modes and at second order), against
hand-derived formulas."""
import numpy as np
import pytest

import jaccli

RNG = np.random.default_rng(3)
X = RNG.uniform(0.5, 1.5, 4)
W = RNG.standard_normal((2, 4))


def loss(x, W):
    return np.sum(np.tanh(W @ x)) + 0.5 * np.sum(x ** 2)


def loss_grads(x, W):
    s = 1 - np.tanh(W @ x) ** 2
    return W.T @ s + x, np.outer(s, x)


def test_grad_matches_the_hand_formula():
    gx, gW = loss_grads(X, W)
    np.testing.assert_allclose(jaccli.grad(loss)(X, W), gx, rtol=1e-12)
    got = jaccli.grad(loss, argnums=(0, 1))(X, W)
    assert isinstance(got, tuple) and len(got) == 2
    np.testing.assert_allclose(got[0], gx, rtol=1e-12)
    np.testing.assert_allclose(got[1], gW, rtol=1e-12)
    np.testing.assert_allclose(jaccli.grad(loss, argnums=1)(X, W), gW, rtol=1e-12)


def test_value_and_grad_and_aux():
    value, g = jaccli.value_and_grad(loss)(X, W)
    assert np.ndim(value) == 0
    np.testing.assert_allclose(value, np.sum(np.tanh(W @ X)) + 0.5 * np.sum(X ** 2))
    np.testing.assert_allclose(g, loss_grads(X, W)[0], rtol=1e-12)

    def with_aux(x, W):
        h = np.tanh(W @ x)
        return np.sum(h) + 0.5 * np.sum(x ** 2), {"hidden": h, "n": 3}
    (value, aux), g = jaccli.value_and_grad(with_aux, has_aux=True)(X, W)
    assert type(aux["hidden"]) is np.ndarray and aux["n"] == 3
    np.testing.assert_allclose(aux["hidden"], np.tanh(W @ X))
    g2, aux2 = jaccli.grad(with_aux, has_aux=True)(X, W)
    np.testing.assert_allclose(g2, loss_grads(X, W)[0], rtol=1e-12)
    np.testing.assert_allclose(aux2["hidden"], np.tanh(W @ X))


def test_keyword_arguments_pass_through():
    g = jaccli.grad(lambda x, scale=1.0: scale * np.sum(x ** 2))(X, scale=3.0)
    np.testing.assert_allclose(g, 6 * X)


def test_float32_gives_float32():
    g = jaccli.grad(lambda x: np.sum(x ** 3))(X.astype(np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 3 * X ** 2, rtol=1e-5)


def test_an_output_that_does_not_depend_on_the_argument_gives_zeros():
    np.testing.assert_array_equal(jaccli.grad(lambda x, y: np.sum(y), argnums=0)(X, X), 0 * X)


def test_grad_of_grad_is_the_hessian():
    """f = sum(x^3) / 3 + x0 x1: H = diag(2 x) + (e0 e1^T + e1 e0^T)."""
    f = lambda x: np.sum(x ** 3) / 3 + x[0] * x[1]
    H = jaccli.jacobian(jaccli.grad(f), X)
    expected = np.diag(2 * X)
    expected[0, 1] = expected[1, 0] = 1.0
    np.testing.assert_allclose(H, expected, rtol=1e-12)


@pytest.mark.parametrize("f, words", [
    (lambda x: x ** 2, "scalar-valued.*shape \\(4,\\).*jaccli.jacobian"),
    (lambda x: (np.sum(x), np.sum(x ** 2)), "2 outputs.*has_aux=True"),
])
def test_non_scalar_functions_are_refused(f, words):
    with pytest.raises(jaccli.InputError, match=words):
        jaccli.grad(f)(X)


def test_bad_has_aux_and_arguments():
    with pytest.raises(jaccli.InputError, match="has_aux=True.*\\(loss, aux\\)"):
        jaccli.grad(lambda x: np.sum(x), has_aux=True)(X)
    with pytest.raises(jaccli.InputError, match="dtype int64"):
        jaccli.grad(lambda x: np.sum(x))(np.arange(3))
    with pytest.raises(jaccli.InputError, match="argnums"):
        jaccli.grad(loss, argnums=5)(X, W)


# ---------------------------------------------------------------- stop_gradient

def test_stop_gradient_value_and_first_order_in_both_modes():
    f = lambda x: x ** 2 * jaccli.stop_gradient(x)        # d/dx = diag(2 x * x), not 3 x^2
    np.testing.assert_allclose(f(X), X ** 3)
    for mode in ("fwd", "rev"):
        np.testing.assert_allclose(jaccli.jacobian(f, X, mode=mode), np.diag(2 * X ** 2),
                                   rtol=1e-12)
    np.testing.assert_allclose(jaccli.grad(lambda x: np.sum(f(x)))(X), 2 * X ** 2, rtol=1e-12)


def test_stop_gradient_at_second_order():
    """sum(x^2 * sg(x)): gradient 2 x sg(x), Hessian diag(2 sg(x)) = diag(2 x)."""
    f = lambda x: np.sum(x ** 2 * jaccli.stop_gradient(x))
    np.testing.assert_allclose(jaccli.hessian(f, X), np.diag(2 * X), rtol=1e-12)
    np.testing.assert_allclose(jaccli.jacobian(jaccli.grad(f), X), np.diag(2 * X), rtol=1e-12)
    inner_stopped = lambda x: jaccli.jacobian(lambda y: jaccli.stop_gradient(y) * y, x)
    np.testing.assert_allclose(jaccli.jacobian(inner_stopped, X),
                               np.zeros((4, 4, 4)), atol=0)   # d diag(x) / dx would be nonzero


def test_stop_gradient_has_no_dependence():
    P = jaccli.sparsity(lambda x: jaccli.stop_gradient(x) * 2.0 + x[0], X).toarray()
    expected = np.zeros((4, 4), bool)
    expected[:, 0] = True
    np.testing.assert_array_equal(P, expected)
    np.testing.assert_allclose(jaccli.jacobian(lambda x: jaccli.stop_gradient(x), X,
                                               mode="rev"), np.zeros((4, 4)))


def test_grad_of_a_dict_of_parameters_has_their_structure():
    rng = np.random.default_rng(3)
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    g = jaccli.grad(lambda p, s: s * (p["W"] ** 2).sum() + np.sin(p["b"]).sum())(params, 1.5)
    assert set(g) == {"W", "b"}
    np.testing.assert_allclose(g["W"], 3.0 * params["W"], rtol=1e-13)
    np.testing.assert_allclose(g["b"], np.cos(params["b"]), rtol=1e-13)
