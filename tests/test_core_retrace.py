"""The rules can be traced again (Hessians as forward over reverse, DESIGN.md 6.2): for every
case of the derivative tables, the JVP sweep and the VJP sweep, as functions of the primal
inputs and the seeds, trace through jaccli itself. The traced value equals the sweep's own, and
the recorded graph, evaluated again at other seeds, equals the sweep at those seeds."""
import zlib

import numpy as np
import pytest

from cases import CASES

from jaccli.interpret import evaluate, jvp_sweep, vjp_sweep
from jaccli.ir import Var
from jaccli.tracer import trace_function

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")




def _sample(case):
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    args = [np.asarray(a, dtype=np.float64) for a in case.sample(rng)]
    nums = case.argnums if isinstance(case.argnums, tuple) else (case.argnums,)
    graph, _ = trace_function(case.fn, args, nums)
    return graph, [args[k] for k in nums], rng


def _sweep_function(graph, n, mode):
    """(x..., seed...) -> the sweep's non-zero results; and which outputs take seeds."""
    if mode == "fwd":
        def sweep(*a):
            out = jvp_sweep(graph, evaluate(graph, list(a[:n])), list(a[n:]))
            return tuple(o for o in out if o is not None)
        return sweep
    live = [i for i, o in enumerate(graph.outputs) if type(o) is Var]

    def sweep(*a):
        cts = [None] * len(graph.outputs)
        for i, c in zip(live, a[n:]):
            cts[i] = c
        out = vjp_sweep(graph, evaluate(graph, list(a[:n])), cts)
        return tuple(o for o in out if o is not None)
    return sweep


def _seeds(graph, xs, mode, rng):
    shapes = [x.shape for x in xs] if mode == "fwd" else \
        [o.shape for o in graph.outputs if type(o) is Var]
    return [rng.standard_normal(s) for s in shapes]


def _close(actual, expected, what):
    assert len(actual) == len(expected), what
    for a, b in zip(actual, expected):
        # the traced sweep calls the same NumPy functions, sometimes through another path
        # (np.linalg.svd of a tracer): equal to rounding, not always to the bit
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-13,
                                   err_msg=what)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_sweep_traces_again(case, mode):
    graph, xs, rng = _sample(case)
    n = len(xs)
    sweep = _sweep_function(graph, n, mode)
    seeds = _seeds(graph, xs, mode, rng)
    expected = sweep(*xs, *seeds)
    traced, _ = trace_function(sweep, xs + seeds, tuple(range(n + len(seeds))))
    got = [traced.values[o] if type(o) is Var else o for o in traced.outputs]
    _close(got, expected, f"{case.name} {mode}: traced value")
    if traced.point_dependent:
        return
    other = _seeds(graph, xs, mode, rng)
    env = evaluate(traced, xs + other)
    again = [env[o] if type(o) is Var else o for o in traced.outputs]
    _close(again, sweep(*xs, *other), f"{case.name} {mode}: traced graph at other seeds")


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_scatter_add_rules_through_a_traced_pullback(mode, batched):
    """getitem's VJP with repeated indices, traced, is a scatter_add; differentiating the
    traced pullback runs scatter_add's own JVP / VJP (and, at many points, eval) rules."""
    import jaccli
    idx = np.array([0, 2, 2, 1, 2])
    graph, _ = trace_function(lambda x: np.sin(x)[idx], [np.ones(3)], (0,))

    def pullback(ct, x):
        return vjp_sweep(graph, evaluate(graph, [x]), [ct])[0]
    x = np.array([0.3, -0.5, 1.1])
    gather = np.zeros((5, 3))
    gather[np.arange(5), idx] = 1.0
    expected = np.cos(x)[:, None] * gather.T
    ct = np.arange(5.0)
    if batched:
        cts = np.stack([ct, 2 * ct])
        J = jaccli.jacobian(pullback, cts, x, mode=mode, batched=True)
        np.testing.assert_allclose(J, np.stack([expected, expected]), rtol=1e-14)
    else:
        np.testing.assert_allclose(jaccli.jacobian(pullback, ct, x, mode=mode), expected,
                                   rtol=1e-14)
