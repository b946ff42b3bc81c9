"""jaccli.hvpfun: H(x) @ v by forward over reverse, traced once per signature (hessvec.py),
checked against central differences of the gradient and against the dense Hessian."""
import numpy as np
import pytest

import jaccli


def _fd_hvp(f, x, v, *args, h=1e-5):
    """Central differences of the gradient along v: (g(x + h v) - g(x - h v)) / 2h."""
    g = lambda y: jaccli.jacobian(f, y, *args)            # noqa: E731
    return (g(x + h * v) - g(x - h * v)) / (2 * h)


def _mlp(X, y):
    def loss(w, scale):
        h = np.tanh(X @ w[:12].reshape(3, 4))
        return np.mean((h @ w[12:] - y) ** 2) * scale[0] + np.sum(w ** 4) * 1e-3
    return loss


def test_hvpfun_matches_differences_and_the_hessian_and_traces_once():
    rng = np.random.default_rng(11)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    loss = _mlp(X, y)
    hessp = jaccli.hvpfun(loss)
    for _ in range(4):
        w, v, s = rng.standard_normal(16), rng.standard_normal(16), rng.uniform(1, 2, 1)
        hv = hessp(w, v, s)
        assert hv.shape == w.shape
        np.testing.assert_allclose(hv, _fd_hvp(loss, w, v, s), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(hv, jaccli.hessian(loss, w, s) @ v, rtol=1e-12,
                                   atol=1e-12)
    assert hessp.traces == 1


def test_hvpfun_follows_branches():
    def f(x):
        if x[0] > 0:
            return np.sum(np.sin(x) * x ** 3)
        return np.sum(np.exp(x) * x[::-1])

    hessp = jaccli.hvpfun(f)
    rng = np.random.default_rng(12)
    for first in (1.0, -1.0, 0.5, -0.5, 2.0):
        x = np.concatenate([[first], rng.standard_normal(4)])
        v = rng.standard_normal(5)
        np.testing.assert_allclose(hessp(x, v), _fd_hvp(f, x, v), rtol=1e-6, atol=1e-7)
    assert hessp.traces == 2


def test_hvpfun_of_a_linear_or_constant_function_is_zero():
    hessp = jaccli.hvpfun(lambda x: np.sum(3.0 * x))
    for _ in range(2):
        out = hessp(np.ones(3), np.arange(3.0))
        assert out.shape == (3,) and not out.any()


def test_hvpfun_falls_back_where_it_cannot_reuse():
    """A float argument read as a number, and an argument it cannot key on (a list): the
    answers are still H @ v."""
    def f(x, c):
        return np.sum(x ** 3) * float(c)

    def g(x, items):
        return np.sum(x ** 3) * items[0]

    rng = np.random.default_rng(13)
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    expect = 6 * x * v * 2.0
    np.testing.assert_allclose(jaccli.hvpfun(f)(x, v, np.float64(2.0)), expect, rtol=1e-12)
    np.testing.assert_allclose(jaccli.hvpfun(g)(x, v, [2.0]), expect, rtol=1e-12)


def test_hvpfun_bad_input():
    hessp = jaccli.hvpfun(lambda x: np.sum(x ** 2))
    with pytest.raises(jaccli.InputError, match="shape"):
        hessp(np.ones(3), np.ones(4))
    with pytest.raises(jaccli.InputError, match="dtype int"):
        hessp(np.arange(3), np.ones(3))
    with pytest.raises(jaccli.InputError, match="scalar f"):
        jaccli.hvpfun(lambda x: x ** 2)(np.ones(3), np.ones(3))
