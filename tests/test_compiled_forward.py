"""compiled.Program.evaluate_for_forward: the values a forward sweep reads, the rest left
out. On every case of the derivative table, and on each case's Hessian derivative graph
(hessian.derivative_graph), forward sweeps from those values equal forward sweeps from the
full evaluation, bit for bit, at a new point."""
import warnings

import numpy as np
import pytest

import jaccli
from cases import CASES
from checks import rng_for
from jaccli.compiled import Program
from jaccli.sweeps import Seeds

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _nums(case):
    return case.argnums if isinstance(case.argnums, tuple) else (case.argnums,)


def _compare(graph, inputs, wrt, interpreted=False):
    """evaluate_for_forward + forward against evaluate + forward at ``inputs``; with
    ``interpreted`` (``inputs`` the traced point) also against the interpreter's sweep."""
    program = Program(graph)
    full = program.evaluate(inputs)
    part = program.evaluate_for_forward(wrt)(inputs)
    assert (full is None) == (part is None)
    if full is None:
        return
    shapes = [tuple(graph.inputs[k].shape) for k in wrt]
    seeds = Seeds.identity(0, sum(int(np.prod(s)) for s in shapes))
    blocks = seeds.blocks(shapes)
    tangents = [None] * len(graph.inputs)
    for k, b in zip(wrt, blocks):
        tangents[k] = b
    # identity rows as jacfun passes them: the seed rules (W @ I is W) read values too
    identity = {graph.inputs[k]: r for k, r in zip(wrt, seeds.identity_rows(shapes))
                if r is not None}
    for rows in (None, identity):
        _equal(program.forward(part, tangents, rows), program.forward(full, tangents, rows))
    if interpreted:
        from jaccli.interpret import jvp_sweep
        outs = jvp_sweep(graph, graph.values, tangents)
        want = [np.zeros((len(blocks[0]),) + tuple(o.shape)) if t is None else t
                for o, t in zip(graph.outputs, outs)]
        got = [np.zeros_like(w) if t is None else np.broadcast_to(t, w.shape)
               for w, t in zip(want, program.forward(part, tangents, None))]
        _equal(got, want)


def _equal(got, want):
    for a, b in zip(got, want):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_forward_values_suffice(case):
    rng = rng_for(case.name + "/compiled-forward")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        args = case.sample(rng)
        nums = _nums(case)
        graph = jaccli.trace(case.fn, *args, argnums=nums)
        again = case.sample(rng)
        floats = [np.asarray(again[k], dtype=graph.inputs[j].dtype)
                  for j, k in enumerate(nums)]
        _compare(graph, floats, tuple(range(len(nums))))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_forward_values_suffice_on_derivative_graphs(case):
    """The gradient graph of a scalar projection of each case (a Hessian's derivative graph:
    setitems into zeros, broadcast products, a dead loss value): the compiled forward sweep,
    from the values it needs, equals the interpreter's bit for bit."""
    from jaccli.hessian import derivative_graph
    rng = rng_for(case.name + "/compiled-forward-2")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        args = tuple(np.asarray(a, dtype=np.float64) for a in case.sample(rng))
        w = rng.standard_normal(np.shape(case.fn(*args)))
        d = derivative_graph(lambda *a: np.sum(w * case.fn(*a)), args, _nums(case))
        g = d.dgraph
        _compare(g, [g.values[v] for v in g.inputs], tuple(range(len(g.inputs))), True)


def test_a_partial_the_graph_holds_is_read_not_recomputed():
    """tanh's partial 1 - y*y is computed by its own traced VJP in a gradient graph: the
    compiled forward sweep reads that value (no call of the partial), and H v is unchanged."""
    from jaccli.hessian import derivative_graph
    from jaccli.interpret import jvp_sweep
    rng = np.random.default_rng(21)
    A, x, v = rng.standard_normal((6, 4)), rng.standard_normal(4), rng.standard_normal(4)
    d = derivative_graph(lambda x: np.sum(np.tanh(A @ x) ** 2), (x,), (0,))
    program = Program(d.dgraph)
    values = program.evaluate_for_forward((0,))([x])
    got = program.forward(values, [v], None)[0]
    tanh = next(k for k, e in enumerate(d.dgraph.eqns) if e.prim.name == "tanh")
    assert f"Q{tanh}_0(" not in program.source["forward"]
    np.testing.assert_array_equal(got, jvp_sweep(d.dgraph, d.dgraph.values, [v])[0])


def test_symbols_refuse_comparisons():
    from jaccli.forward_analysis import Symbol as _Sym
    with pytest.raises(TypeError):
        _Sym(("v", 0), {}) > _Sym(("v", 1), {})          # noqa: B015
    with pytest.raises(TypeError):
        bool(_Sym(("v", 0), {}))
