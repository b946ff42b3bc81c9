"""The kinds keep their promises (rules.KINDS) on every equation of the derivative tables'
graphs: what a sparsity pass may read from the kind alone matches what the JVP rule does."""
import math
import zlib

import numpy as np
import pytest

from cases import CASES

from jaccli.ir import Var
from jaccli.rules import impl_rules, jvp_rules, nondiff, reduced_axes
from jaccli.tracer import trace_function

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _equations():
    """(case name, equation, graph) for every differentiable equation of every case graph."""
    out = []
    for case in CASES:
        rng = np.random.default_rng(zlib.crc32(case.name.encode()))
        args = [np.asarray(a, dtype=np.float64) for a in case.sample(rng)]
        nums = case.argnums if isinstance(case.argnums, tuple) else (case.argnums,)
        graph, _ = trace_function(case.fn, args, nums)
        out += [(case.name, e, graph) for e in graph.eqns
                if e.prim not in nondiff and e.out.dtype.kind == "f"]
    return out


EQNS = _equations()


def _dependence(e, graph):
    """Out elements x input elements: which tangent entries the JVP rule moves (identity
    seeds through the rule), one block of columns per Var input."""
    sizes = [math.prod(s) if type(v) is Var else 0 for v, s in zip(e.inputs, e.in_shapes)]
    total, start = sum(sizes), 0
    ts = []
    for v, s, n in zip(e.inputs, e.in_shapes, sizes):
        ts.append(np.eye(total)[:, start:start + n].reshape((total,) + s) if n else None)
        start += n
    xs = [graph.values[v] if type(v) is Var else v for v in e.inputs]
    t = jvp_rules[e.prim](e, xs, graph.values[e.out], ts)
    return np.asarray(t).reshape(total, -1).T != 0, sizes


def test_copy_kinds_move_elements_as_their_impl_moves_labels():
    """view / gather / join: every out element is one input element, the one whose label the
    impl puts there (labels 1..N over the Var inputs' elements, 0 for constants)."""
    checked = 0
    for name, e, graph in EQNS:
        if e.prim.kind not in ("view", "gather", "join"):
            continue
        dep, sizes = _dependence(e, graph)
        labels, start = [], 1
        for s, n in zip(e.in_shapes, sizes):
            labels.append((np.arange(n, dtype=float) + start).reshape(s) if n else np.zeros(s))
            start += n
        moved = np.asarray(impl_rules[e.prim](*labels, **e.params)).ravel().astype(int)
        expected = np.zeros_like(dep)
        rows = np.nonzero(moved)[0]
        expected[rows, moved[rows] - 1] = True
        np.testing.assert_array_equal(dep, expected, err_msg=f"{name}: {e.prim}")
        checked += 1
    assert checked > 100


def test_elementwise_and_reductions_depend_as_promised():
    """elementwise: out[i] on the broadcast-aligned input elements only; reduction: on the
    elements sharing the other coordinates (never more)."""
    checked = 0
    for name, e, graph in EQNS:
        kind = e.prim.kind
        if kind not in ("elementwise", "reduction"):
            continue
        dep, sizes = _dependence(e, graph)
        allowed = []
        for v, s, n in zip(e.inputs, e.in_shapes, sizes):
            if not n:
                continue
            labels = np.arange(n).reshape(s)
            if kind == "elementwise":
                where = np.broadcast_to(labels, e.out.shape).ravel()
                block = np.zeros((where.size, n), bool)
                block[np.arange(where.size), where] = True
            else:
                axes = reduced_axes(e)
                keep = [labels.shape[a] if a not in axes else 1 for a in range(len(s))]
                group = np.zeros(keep, int) + np.arange(math.prod(keep)).reshape(keep)
                group = np.broadcast_to(group, s).ravel()
                block = group[None, :] == np.arange(math.prod(keep))[:, None]
            allowed.append(block)
        allowed = np.concatenate(allowed, axis=1)
        assert not np.any(dep & ~allowed), f"{name}: {e.prim} depends beyond its kind"
        checked += 1
    assert checked > 300
