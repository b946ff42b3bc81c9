"""Sparse Jacobians against dense ones: every case of the derivative tables, compressed
forward, reverse and bicoloured, at the case's random point; the API's contract (shapes,
types, the pattern's kind, the plan's fields); and the structured problems of the benchmarks."""
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import jaccli
from cases import CASES
from jaccli.sparse.jacobian import compressed_jacobian, sparsity
from jaccli.tracer import trace_function

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from sparse_problems import bratu, broyden, brusselator  # noqa: E402


def _point(case):
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    args = case.sample(rng)
    nums = case.argnums if isinstance(case.argnums, tuple) else (case.argnums,)
    return args, nums


@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_sparse_equals_dense(case, mode):
    args, nums = _point(case)
    dense = np.asarray(jaccli.api.flat_jacobian(case.fn, args, nums, mode=mode).matrix)
    S = jaccli.jacobian(case.fn, *args, argnums=nums, mode=mode, sparse=True)
    assert isinstance(S, sp.csr_array) and S.shape == dense.shape
    np.testing.assert_allclose(S.toarray(), dense, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("case", CASES[::7], ids=[c.name for c in CASES[::7]])
def test_bicoloured_equals_dense(case):
    args, nums = _point(case)
    dense = np.asarray(jaccli.api.flat_jacobian(case.fn, args, nums).matrix)
    graph, _ = trace_function(case.fn, list(args), nums)
    info = sparsity(graph)
    J = compressed_jacobian(graph, graph.values, info, "bi", {"fwd": 3, "rev": 2}, np.float64)
    np.testing.assert_allclose(J.toarray(), dense, rtol=1e-12, atol=1e-13)


def _arrowhead(x):
    return x * x[0] + np.concatenate([np.sum(x * x)[None], np.zeros(x.size - 1)])


def test_arrowhead_takes_a_few_seeds_in_all():
    x = np.linspace(0.5, 1.5, 1000)
    p = jaccli.plan(_arrowhead, (x,), sparse=True)
    d = p.to_dict()
    assert d["colors"]["fwd"] == 1000 and d["colors"]["rev"] == 1000
    assert sum(d["colors"]["bi"]) <= 5 and d["compressed"] == "bi"
    S = jaccli.jacobian(_arrowhead, x, sparse=True)
    np.testing.assert_allclose(S.toarray(), jaccli.jacobian(_arrowhead, x), rtol=1e-13)


@pytest.mark.parametrize("problem, colors", [(brusselator(32), 12), (bratu(20), 7),
                                             (broyden(500), 3)])
def test_structured_problems(problem, colors):
    f, x = problem
    S = jaccli.jacobian(f, x, sparse=True)
    np.testing.assert_allclose(S.toarray(), jaccli.jacobian(f, x), rtol=1e-12, atol=1e-12)
    d = jaccli.plan(f, (x,), sparse=True).to_dict()
    assert d["pattern"] == "global" and d["nnz"] == S.nnz
    assert d["colors"]["fwd"] <= colors


def test_sparse_auto_gives_the_dense_result():
    f, x = brusselator(32)
    J = jaccli.jacobian(f, x, sparse="auto")
    assert isinstance(J, np.ndarray) and J.shape == (x.size, x.size)
    np.testing.assert_allclose(J, jaccli.jacobian(f, x), rtol=1e-12, atol=1e-12)
    assert jaccli.plan(f, (x,), sparse="auto").compressed == "fwd"


def test_flat_over_outputs_and_argnums():
    def f(x, y):
        return x * y[0], np.sin(y)
    x, y = np.ones(3), np.arange(1.0, 3.0)
    S = jaccli.jacobian(f, x, y, argnums=(0, 1), sparse=True)
    dense = jaccli.api.flat_jacobian(f, (x, y), (0, 1)).matrix
    assert S.shape == (5, 5)
    np.testing.assert_allclose(S.toarray(), dense)


def test_sparsity_pattern_and_its_kind():
    P = jaccli.sparsity(lambda x: x[1:] - x[:-1], np.ones(4))
    assert P.dtype == bool
    np.testing.assert_array_equal(P.toarray(), np.eye(3, 4, 1, dtype=bool) | np.eye(3, 4, dtype=bool))

    def branchy(x):
        return x * 2 if x[0] > 0 else x[::-1]
    assert jaccli.plan(branchy, (np.ones(20),), sparse=True).to_dict()["pattern"] == "local"


def test_small_and_dense_problems_are_not_looked_at():
    W = np.random.default_rng(0).standard_normal((10, 2000))
    d = jaccli.plan(lambda x: np.tanh(W @ x), (np.ones(2000),), sparse="auto").to_dict()
    assert d["pattern"] is None and d["compressed"] is None
    W2 = np.random.default_rng(0).standard_normal((400, 400))
    d = jaccli.plan(lambda x: np.tanh(W2 @ x), (np.ones(400),), sparse=True).to_dict()
    assert d["pattern"] == "dense"


def test_bad_sparse_value():
    with pytest.raises(jaccli.InputError, match="sparse="):
        jaccli.jacobian(np.sin, np.ones(3), sparse="yes")
