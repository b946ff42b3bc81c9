"""A traced graph travels to another process: it pickles (primitives by name, lazy values
computed) and the unpickled graph gives bit-identical JVP and VJP sweeps."""
import pickle

import numpy as np
import pytest

from jaccli.interpret import evaluate, jvp_sweep, vjp_sweep
from jaccli.ir import Var
from jaccli.primitives.elementwise import sin_p
from jaccli.rules import primitives
from jaccli.tracer import trace_function

_W = np.arange(12.0).reshape(4, 3) / 7.0
_IDX = np.array([0, 2, 2, 1])


def _mlp(x):
    return np.tanh(_W @ x) @ _W                      # lazy matmul results


def _gather(x):
    return np.sin(x[_IDX]) * x[[1, 1, 0, 2]]         # repeated indices: scatter-add VJP


def _mixed(x):
    y = np.zeros_like(x)
    y[1:] = np.cumsum(x)[:-1] ** 2
    return np.linalg.solve(np.outer(x, x) + np.eye(3), y).sum() + np.max(x)


CASES = {"matmul": _mlp, "getitem-int-array": _gather, "setitem-solve-reductions": _mixed}


def test_primitive_pickles_by_name():
    for p in primitives.values():
        assert pickle.loads(pickle.dumps(p)) is p
    assert pickle.loads(pickle.dumps(sin_p)) is sin_p


@pytest.mark.parametrize("name", sorted(CASES))
def test_unpickled_graph_sweeps_bit_identical(name):
    x = np.array([0.3, -1.2, 0.7])
    graph, _ = trace_function(CASES[name], [x], (0,))
    if name == "matmul":
        assert graph.values.thunks, "the case should hold a lazy value"
    copy = pickle.loads(pickle.dumps(graph))
    assert str(copy) == str(graph)
    assert len(copy.eqns) == len(graph.eqns)
    seeds = np.random.default_rng(0).standard_normal((5, 3))
    for a, b in zip(jvp_sweep(graph, graph.values, [seeds]), jvp_sweep(copy, copy.values, [seeds])):
        np.testing.assert_array_equal(a, b)
    out = graph.outputs[0]
    cts = np.random.default_rng(1).standard_normal((5,) + out.shape)
    for a, b in zip(vjp_sweep(graph, graph.values, [cts]), vjp_sweep(copy, copy.values, [cts])):
        np.testing.assert_array_equal(a, b)
    x2 = x + 0.1
    env_a, env_b = evaluate(graph, [x2]), evaluate(copy, [x2])
    np.testing.assert_array_equal(env_a[graph.outputs[0]], env_b[copy.outputs[0]])


def test_pickling_leaves_lazy_values_lazy():
    graph, _ = trace_function(_mlp, [np.ones(3)], (0,))
    pending = dict(graph.values.thunks)
    pickle.dumps(graph)
    assert graph.values.thunks == pending
    assert all(type(v) is Var for v in pending)
