"""The sparsity pattern never misses a nonzero: on every case of the derivative tables, at the
case's random point, every nonzero of the dense Jacobian lies in the detected pattern; and on
structured problems the pattern is exactly the known one."""
import zlib

import numpy as np
import pytest

import jaccli
from cases import CASES
from jaccli.rules import KINDS, primitives
from jaccli.sparse.pattern import DensePattern, output_pattern
from jaccli.sparse.pattern_rules import KIND_RULES, REFINED, rule_for
from jaccli.tracer import trace_function

ALL_CASES = CASES


def _argnums(c):
    return c.argnums if isinstance(c.argnums, tuple) else (c.argnums,)


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_pattern_holds_every_nonzero(case):
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    args = case.sample(rng)
    nums = _argnums(case)
    flat = jaccli.api.flat_jacobian(case.fn, args, nums)
    graph, _ = trace_function(case.fn, list(args), nums)
    P = output_pattern(graph)                   # small cases never stop as dense
    J = np.asarray(flat.matrix)
    assert P.shape == J.shape
    missed = (J != 0) & ~P.toarray()
    assert not missed.any(), f"{int(missed.sum())} nonzeros outside the pattern"
    # and it is not vacuous: the pattern is no denser than the inputs' dependence allows
    assert P.nnz <= J.size


def test_every_primitive_has_a_sparsity_rule():
    assert set(KIND_RULES) == set(KINDS)
    assert set(REFINED) <= set(primitives)
    for p in primitives.values():
        assert callable(rule_for(p)), p.name


def _tridiagonal(x):
    y = (3.0 - 2.0 * x) * x + 1.0
    y[1:] -= x[:-1]
    y[:-1] -= 2.0 * x[1:]
    return y


def _laplacian(u):
    n = 6
    g = u.reshape(n, n)
    out = 4.0 * g
    out[1:, :] -= g[:-1, :]
    out[:-1, :] -= g[1:, :]
    out[:, 1:] -= g[:, :-1]
    out[:, :-1] -= g[:, 1:]
    return out.ravel()


@pytest.mark.parametrize("f, n, expected", [
    (_tridiagonal, 50, lambda n: np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1),
    (_laplacian, 36, None),
])
def test_structured_patterns_are_exact(f, n, expected):
    x = np.random.default_rng(0).uniform(0.5, 1.5, n)
    graph, _ = trace_function(f, [x], (0,))
    P = output_pattern(graph).toarray()
    J = jaccli.jacobian(f, x) != 0
    np.testing.assert_array_equal(P, J if expected is None else expected(n))


def test_zeros_of_a_constant_are_zeros():
    W = np.zeros((4, 5))
    W[0, 1] = W[2, 3] = W[3, 0] = 1.0
    c = np.array([1.0, 0.0, 2.0, 0.0, 3.0])
    graph, _ = trace_function(lambda x: W @ np.sin(x) + (c * x)[:4], [np.ones(5)], (0,))
    P = output_pattern(graph).toarray()
    expected = (W != 0) | np.eye(4, 5, dtype=bool) & (c[:4] != 0)[:, None]
    np.testing.assert_array_equal(P, expected)


def test_constant_where_condition_picks_a_branch():
    mask = np.array([True, False, True])
    graph, _ = trace_function(lambda x: np.where(mask, x, x[::-1]), [np.ones(3)], (0,))
    np.testing.assert_array_equal(output_pattern(graph).toarray(),
                                  [[1, 0, 0], [0, 1, 0], [0, 0, 1]])


def test_dense_problem_stops_early():
    W = np.random.default_rng(1).standard_normal((600, 600))
    graph, _ = trace_function(lambda x: np.tanh(W @ x), [np.ones(600)], (0,))
    with pytest.raises(DensePattern):
        output_pattern(graph)


def test_scatter_add_of_a_traced_pullback():
    """A gradient traced from a reverse sweep holds scatter_add (getitem with repeats): its
    Jacobian (the Hessian) stays inside the pattern."""
    from jaccli.interpret import evaluate, vjp_sweep
    idx = np.array([0, 0, 2, 3, 3, 3])

    def f(x):
        return np.sum(np.sin(x[idx]) * x[idx][::-1])

    x0 = np.random.default_rng(3).uniform(-1, 1, 5)
    graph, _ = trace_function(f, [x0], (0,))

    def grad(x):
        return vjp_sweep(graph, evaluate(graph, [x]), [np.ones(())])[0]

    g_graph, _ = trace_function(grad, [x0], (0,))
    assert any(e.prim.name == "scatter_add" for e in g_graph.eqns)
    P = output_pattern(g_graph).toarray()
    H = jaccli.jacobian(grad, x0) != 0
    assert H.any() and not (H & ~P).any()
