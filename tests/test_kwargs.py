"""Keyword arguments pass through to f (issue 16, item 2): constants, never differentiated;
``argnums`` counts positional arguments only. Values are checked against central differences
or closed forms, and against jaccli on a closure holding the constant (the plain path)."""
import numpy as np
import pytest

import jaccli
from jaccli.api import flat_jacobian
from jaccli.errors import InputError

RNG = np.random.default_rng(2)
X = RNG.standard_normal(3)


def f(x, scale=1.0, power=2):
    return scale * np.sin(x) ** power


def df(x, scale, power):
    """d f / dx, by hand: diagonal."""
    return np.diag(scale * power * np.sin(x) ** (power - 1) * np.cos(x))


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_jacobian_passes_keywords(mode):
    close(jaccli.jacobian(f, X, scale=3.0, mode=mode), df(X, 3.0, 2))
    close(jaccli.jacobian(f, X, scale=np.array(0.5), power=3, mode=mode), df(X, 0.5, 3))
    close(jaccli.jacobian(f, X), df(X, 1.0, 2))


def test_argnums_stays_positional():
    def g(x, y, *, z):
        return x * y + z ** 2
    J = jaccli.jacobian(g, X, 2.0, z=np.ones(3), argnums=(0, 1))
    close(J[0], 2.0 * np.eye(3))
    close(J[1], X)
    with pytest.raises(InputError, match="argnums"):
        jaccli.jacobian(g, X, 2.0, z=np.ones(3), argnums=2)


def test_keyword_pytree_and_integer_values_are_constants():
    def g(x, opts):
        return x * opts["a"] + x[opts["i"]]
    J = jaccli.jacobian(g, X, opts={"a": np.full(3, 2.0), "i": 1})
    expected = 2.0 * np.eye(3)
    expected[:, 1] += 1.0
    close(J, expected)


def test_vjp_hessian_plan_sparsity_flat_jacobian_take_keywords():
    y, vjp_fn = jaccli.vjp(f, X, scale=2.0)
    close(y, 2.0 * np.sin(X) ** 2)
    c = RNG.standard_normal(3)
    close(vjp_fn(c)[0], c @ df(X, 2.0, 2))
    H = jaccli.hessian(lambda x, k: k * np.sum(x ** 3), X, k=2.0)
    close(H, np.diag(12.0 * X))
    Hs = jaccli.hessian(lambda x, k: k * np.sum(x ** 3), X, k=2.0, sparse=True)
    close(Hs.toarray(), np.diag(12.0 * X))
    assert jaccli.plan(f, (X,), kwargs={"power": 3}).N == 3
    P = jaccli.sparsity(lambda x, n: x[:n] * 2, X, n=2)
    assert P.shape == (2, 3)
    close(flat_jacobian(f, (X,), kwargs={"scale": 4.0}).matrix, df(X, 4.0, 2))


def test_batched_with_keywords():
    Xs = RNG.standard_normal((5, 3))
    J = jaccli.jacobian(f, Xs, batched=True, scale=2.0)
    for k in range(5):
        close(J[k], df(Xs[k], 2.0, 2))


def test_jacfun_reads_keyword_arrays_afresh():
    """Never stale: a float keyword is a graph input, an int one part of the cache key."""
    jac = jaccli.jacfun(f)
    close(jac(X, scale=np.array(2.0)), df(X, 2.0, 2))
    close(jac(X, scale=np.array(5.0)), df(X, 5.0, 2))
    close(jac(X + 1, scale=5.0), df(X + 1, 5.0, 2))
    assert jac.traces == 1
    close(jac(X, scale=5.0, power=3), df(X, 5.0, 3))
    close(jac(X, scale=5.0, power=2), df(X, 5.0, 2))
    close(jac(X, scale=5.0, power=3), df(X, 5.0, 3))
    assert jac.traces == 3
    close(jac.flat(X, scale=1.5), df(X, 1.5, 2))


def test_hessfun_and_hvpfun_take_keywords():
    def loss(x, k=1.0):
        return k * np.sum(x ** 3)
    close(jaccli.hessfun(loss)(X, k=3.0), np.diag(18.0 * X))
    close(jaccli.hessfun(loss)(X, k=np.array(0.5)), np.diag(3.0 * X))
    v = RNG.standard_normal(3)
    close(jaccli.hvpfun(loss)(X, v, k=2.0), 12.0 * X * v)


def test_jvp_has_no_keywords_close_over_them():
    y, ydot = jaccli.jvp(lambda x: f(x, scale=2.0), (X,), (np.ones(3),))
    close(ydot, df(X, 2.0, 2) @ np.ones(3))
    with pytest.raises(TypeError):
        jaccli.jvp(f, (X,), (np.ones(3),), scale=2.0)
