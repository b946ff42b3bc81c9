"""Sparse Jacobians at many points (``jacobian(f, X, batched=True, sparse=...)``): every case
of the derivative tables at two random points, compressed forward and reverse, against each
point's own dense Jacobian (global patterns: one colouring for both points; local ones: the
points grouped by path); bicolouring; ``sparse='auto'`` with its dense result; and that the
compressed sweeps really ran (not a dense fallback claiming to be sparse)."""
import warnings
import zlib

import numpy as np
import pytest
import scipy.sparse as sp

import jaccli
from cases import CASES as ALL_CASES
from cases.custom import ONE_POINT_ONLY
from jaccli import points
from jaccli.sparse import batched as sparse_batched

CASES = [c for c in ALL_CASES if c.name not in ONE_POINT_ONLY]   # batched= needs vectorized


def _points(case, count=2):
    """``count`` random points of the case, every argument stacked along a new axis 0."""
    rng = np.random.default_rng(zlib.crc32(("batched-sparse" + case.name).encode()))
    draws = [tuple(np.asarray(a, dtype=np.float64) for a in case.sample(rng))
             for _ in range(count)]
    nums = case.argnums if isinstance(case.argnums, tuple) else (case.argnums,)
    stacked = tuple(np.stack(col) for col in zip(*draws))
    return draws, stacked, nums


@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_batched_sparse_equals_dense_per_point(case, mode):
    draws, stacked, nums = _points(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", points.BranchWarning)
        S = jaccli.jacobian(case.fn, *stacked, argnums=nums, mode=mode, sparse=True,
                            batched=tuple(range(len(stacked))))
    assert isinstance(S, list) and len(S) == len(draws)
    for p, args in enumerate(draws):
        dense = np.asarray(jaccli.api.flat_jacobian(case.fn, args, nums, mode=mode).matrix)
        assert isinstance(S[p], sp.csr_array) and S[p].shape == dense.shape
        np.testing.assert_allclose(S[p].toarray(), dense, rtol=1e-12, atol=1e-13,
                                   err_msg=f"{case.name} point {p}")


def tridiagonal(x):
    """Broyden's tridiagonal residual (a global pattern: 3 colours each way)."""
    pad = np.concatenate([np.zeros(1), x, np.zeros(1)])
    return (3 - 2 * x) * x - pad[:-2] - 2 * pad[2:] + 1


def branchy(x):
    """Points with x[0] > 0 get a banded J, the others a dense lower triangle (local)."""
    if x[0] > 0:
        return x * np.concatenate([x[1:], x[:1]])
    return np.cumsum(x * x)


def arrowhead(x):
    return x * x[0] + np.concatenate([np.sum(x * x)[None], np.zeros(x.size - 1)])


def _count_compressed(monkeypatch):
    calls = []
    real = sparse_batched.sweep_points_compressed

    def counting(graph, inputs, *a, **k):
        calls.append(inputs[0].shape[0])
        return real(graph, inputs, *a, **k)
    monkeypatch.setattr(sparse_batched, "sweep_points_compressed", counting)
    return calls


@pytest.mark.parametrize("f, n", [(tridiagonal, 200), (branchy, 40), (arrowhead, 300)])
def test_compressed_sweeps_serve_all_points(f, n, monkeypatch):
    calls = _count_compressed(monkeypatch)
    X = np.random.default_rng(1).uniform(-1, 1, (7, n))
    X[:, 0] = [1, -1, 1, 1, -1, 1, -1]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        S = jaccli.jacobian(f, X, batched=True, sparse=True)
    local = f is branchy
    assert calls == ([4, 3] if local else [7]), calls          # one call per path
    assert any(issubclass(w.category, points.BranchWarning) for w in seen) == local
    for p in range(7):
        dense = jaccli.jacobian(f, X[p])
        if f is not branchy or X[p, 0] > 0:
            assert S[p].nnz < dense.size / 4
        np.testing.assert_allclose(S[p].toarray(), dense, rtol=1e-12, atol=1e-13)


def test_arrowhead_points_are_bicoloured():
    X = np.random.default_rng(2).uniform(0.5, 1.5, (3, 300))
    chosen = []
    J, _ = points.batched_flat_jacobian(arrowhead, [X], (0,), {0}, "auto", None, None,
                                        sparse="on", on_plan=chosen.append)
    assert chosen[0].compressed == "bi"
    for p in range(3):
        np.testing.assert_allclose(J[p].toarray(), jaccli.jacobian(arrowhead, X[p]),
                                   rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("mode", ["auto", "fwd", "rev"])
def test_sparse_auto_gives_the_dense_stack_from_compressed_sweeps(mode, monkeypatch):
    calls = _count_compressed(monkeypatch)
    X = np.random.default_rng(3).uniform(-1, 1, (5, 4000))
    J = jaccli.jacobian(tridiagonal, X, batched=True, sparse="auto", mode=mode)
    assert calls == [5]
    assert isinstance(J, np.ndarray) and J.shape == (5, 4000, 4000)
    for p in (0, 4):
        np.testing.assert_array_equal(J[p] != 0, jaccli.sparsity(tridiagonal, X[p]).toarray())
        np.testing.assert_allclose(J[p][:3, :3], jaccli.jacobian(tridiagonal, X[p][:3]), rtol=1e-12)


def test_auto_keeps_dense_sweeps_for_a_dense_problem(monkeypatch):
    calls = _count_compressed(monkeypatch)
    W = np.random.default_rng(4).standard_normal((30, 30))
    X = np.random.default_rng(5).standard_normal((4, 30))
    J = jaccli.jacobian(lambda x: np.tanh(W @ x), X, batched=True, sparse="auto")
    assert calls == [] and J.shape == (4, 30, 30)


def test_vstack_round_trip():
    X = np.random.default_rng(6).uniform(-1, 1, (4, 50))
    S = jaccli.jacobian(tridiagonal, X, batched=True, sparse=True)
    stacked = sparse_batched.vstack_points(S)
    assert stacked.shape == (200, 50)
    np.testing.assert_array_equal(stacked.toarray().reshape(4, 50, 50),
                                  jaccli.jacobian(tridiagonal, X, batched=True))
    back = sparse_batched.split_points(stacked, 4)
    for a, b in zip(back, S):
        np.testing.assert_array_equal(a.toarray(), b.toarray())


def test_client_with_batched_sparse_is_refused():
    with pytest.raises(jaccli.InputError, match="client"):
        jaccli.jacobian(np.sin, np.ones((3, 2)), batched=True, sparse=True, client=object())


def test_points_own_their_arrays():
    X = np.random.default_rng(7).uniform(-1, 1, (3, 30))
    S = jaccli.jacobian(tridiagonal, X, batched=True, sparse=True)
    before = [m.toarray() for m in S]
    S[1].data[:] = 0.0
    S[1].eliminate_zeros()                         # rewrites its own index arrays in place
    assert S[1].nnz == 0
    for p in (0, 2):
        np.testing.assert_array_equal(S[p].toarray(), before[p])
        assert S[p].has_canonical_format and S[p].nnz == 88


def test_auto_weighs_detection_against_all_the_points():
    """Detection is paid once for every point: a small J not worth it at one point is at
    many."""
    from jaccli.planner import make_plan
    from jaccli.sparse.jacobian import plan_sparse
    from jaccli.tracer import trace_function
    graph, _ = trace_function(tridiagonal, [np.linspace(0, 1, 40)], (0,))
    one = plan_sparse(graph, make_plan(graph, 40, 40, "auto", None), False)
    many = plan_sparse(graph, make_plan(graph, 40, 40, "auto", None), False, points=10 ** 5)
    assert one.sparse["pattern"] is None and "not looked for" in one.sparse["sparse_reason"]
    assert many.sparse["pattern"] == "global" and many.compressed is not None


@pytest.mark.parametrize("method", ["fwd", "rev", "bi"])
def test_every_method_on_table_cases(method):
    """Each compressed method forced, at three points, on a sample of the table."""
    from jaccli.sparse.batched import sweep_points_compressed
    from jaccli.planner import make_plan
    from jaccli.tracer import trace_function
    for case in CASES[::25]:
        draws, stacked, nums = _points(case, 3)
        graph, _ = trace_function(case.fn, [s[0] for s in stacked], tuple(range(len(stacked))))
        wrt = list(nums)
        if jaccli.sparse.jacobian.sparsity(graph, wrt) is None:
            continue
        M = sum(int(np.prod(o.shape)) for o in graph.outputs)
        N = sum(int(np.prod(graph.inputs[k].shape)) for k in wrt)
        plan = make_plan(graph, M, N, "auto", 2)
        plan.compressed = method
        if graph.point_dependent:
            continue
        got = sweep_points_compressed(graph, list(stacked), wrt, plan, np.float64,
                                      lambda seeds, count: 2, output="auto")
        for p, args in enumerate(draws):
            dense = np.asarray(jaccli.api.flat_jacobian(case.fn, args, nums).matrix)
            np.testing.assert_allclose(got[p], dense, rtol=1e-12, atol=1e-13,
                                       err_msg=f"{case.name} {method} point {p}")
