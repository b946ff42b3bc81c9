"""Nested differentiation: jacobian / jvp / vjp / hessian of functions that call them. The
inner trace's values are the outer trace's Tracers (tracer.bind's NOTE), so the inner sweeps
are recorded by the outer trace and the rules are traced again; tangents of different levels
never mix (perturbation confusion, as JAX's and autograd's tests check it)."""
import numpy as np
import pytest

import jaccli

MODES = ["fwd", "rev"]
X = np.array([0.3, -0.7, 1.2])


def g(x):
    return np.sum(np.sin(x) * x ** 2) + x[0] * x[2]


def g_hessian(x):
    d2 = (2 - x ** 2) * np.sin(x) + 4 * x * np.cos(x)
    H = np.diag(d2)
    H[0, 2] = H[2, 0] = 1.0
    return H


@pytest.mark.parametrize("inner", MODES)
@pytest.mark.parametrize("outer", MODES)
def test_jacobian_of_jacobian_is_the_hessian(outer, inner):
    H = jaccli.jacobian(lambda x: jaccli.jacobian(g, x, mode=inner), X, mode=outer)
    np.testing.assert_allclose(H, g_hessian(X), rtol=1e-13, atol=1e-14)


def test_perturbation_confusion():
    """d/dx [x * d/dy (x + y)] = 1: the inner derivative of x + y in y is 1 whatever x is; a
    confused implementation counts x's tangent in the inner derivative and gets 2."""
    def f(x):
        return x * jaccli.jacobian(lambda y: x + y, np.array(2.0))
    for x in (np.array(1.0), np.array(-3.0)):
        assert jaccli.jacobian(f, x) == pytest.approx(1.0, abs=1e-15)
        assert jaccli.jacobian(f, x, mode="rev") == pytest.approx(1.0, abs=1e-15)


def test_inner_derivative_closing_over_the_outer_variable():
    """d/dx [x * d/dy (x * y)] = d/dx [x^2] = 2x (autograd's nested-closure test)."""
    def f(x):
        return x * jaccli.jacobian(lambda y: x * y, np.array(2.0))
    x = np.array(1.5)
    assert jaccli.jacobian(f, x) == pytest.approx(3.0, rel=1e-15)


def test_third_order():
    x = np.array([0.4, -1.1])
    T = jaccli.jacobian(lambda x: jaccli.jacobian(lambda z: jaccli.jacobian(
        lambda w: np.sum(w ** 4) + w[0] ** 2 * w[1], z), x), x)
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0], expected[1, 1, 1] = 24 * x[0], 24 * x[1]
    expected[0, 0, 1] = expected[0, 1, 0] = expected[1, 0, 0] = 2.0
    np.testing.assert_allclose(T, expected, rtol=1e-13, atol=1e-14)


def test_jvp_and_vjp_nest():
    def gradient(x):
        _, pullback = jaccli.vjp(g, x)
        return pullback(np.ones(()))[0]
    v = np.array([1.0, 2.0, -0.5])
    np.testing.assert_allclose(jaccli.jacobian(gradient, X), g_hessian(X), rtol=1e-13)
    _, hv = jaccli.jvp(gradient, (X,), (v,))
    np.testing.assert_allclose(hv, g_hessian(X) @ v, rtol=1e-13)

    def directional(x):                 # a traced tangent of the inner jvp
        return jaccli.jvp(g, (x,), (np.sin(x),))[1]
    J = jaccli.jacobian(directional, X)
    expected = g_hessian(X) @ np.sin(X) + jaccli.jacobian(g, X) * np.cos(X)
    np.testing.assert_allclose(J, expected, rtol=1e-13)


def test_hessian_nests_in_jacobian_and_jacobian_in_hessian():
    x = np.array([0.4, -1.1])

    def f(w):
        return np.sum(np.exp(w) * w[::-1])
    T = jaccli.jacobian(lambda z: jaccli.hessian(f, z), x)
    T2 = jaccli.jacobian(lambda z: jaccli.jacobian(lambda w: jaccli.jacobian(f, w), z), x)
    np.testing.assert_allclose(T, T2, rtol=1e-13)
    H = jaccli.hessian(lambda z: np.sum(jaccli.jacobian(f, z) ** 2), x)
    H2 = jaccli.jacobian(lambda z: jaccli.jacobian(
        lambda w: np.sum(jaccli.jacobian(f, w) ** 2), z), x)
    np.testing.assert_allclose(H, H2, rtol=1e-13)


def test_nested_chunks_and_argnums():
    x, W = np.array([0.2, 0.5, -0.3, 0.9]), np.arange(8.0).reshape(2, 4) / 10

    def inner(x, W):
        return jaccli.jacobian(lambda x, W: np.tanh(W @ x), x, W, argnums=(0, 1),
                               chunk_size=1)
    Jx = jaccli.jacobian(lambda x: inner(x, W)[0], x, chunk_size=3)
    assert Jx.shape == (2, 4, 4)
    from jaccli.hessian import hessian
    np.testing.assert_allclose(Jx, hessian(lambda x: np.tanh(W @ x), x), rtol=1e-13)


def test_control_flow_in_the_inner_function_reads_outer_values():
    def f(x):
        return jaccli.jacobian(lambda y: np.sum(y ** 3) if x[0] > 0 else -np.sum(y), x)
    np.testing.assert_allclose(jaccli.jacobian(f, X), np.diag(6 * X), rtol=1e-14)
    np.testing.assert_allclose(jaccli.jacobian(f, -X), np.zeros((3, 3)), atol=0)


def test_the_outer_trace_records_the_inner_sweeps():
    graph = jaccli.trace(lambda x: jaccli.jacobian(g, x), X)
    names = {e.prim.name for e in graph.eqns}
    assert {"sin", "cos", "mul"} <= names and not graph.point_dependent


@pytest.mark.parametrize("call, what", [
    (lambda x: jaccli.jacobian(lambda y: y ** 2, x[None], batched=True),
     "jacobian(..., batched=...)"),
    (lambda x: jaccli.hessian(lambda y: np.sum(y ** 3), x, sparse=True),
     "hessian(..., sparse=True)"),
])
def test_unsupported_nesting_says_so(call, what):
    with pytest.raises(jaccli.InputError, match="nested differentiation of") as e:
        jaccli.jacobian(call, X)
    assert what in str(e.value) and "not supported yet" in str(e.value)
    assert "plain NumPy array" not in str(e.value)
