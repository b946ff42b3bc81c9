"""sweep_chunk, the unit of work: any seed matrix S gives S J^T (forward) or S J (reverse),
exactly the dense Jacobian's product, at one point and at many; identity seeds are the
special case whose blocks are J's columns or rows."""
import numpy as np
import pytest

import jaccli
from jaccli.api import _prepare
from jaccli.interpret import evaluate
from jaccli.sweeps import Seeds, flat_offsets, flat_size, run_sweeps, sweep_chunk
from jaccli.tracer import trace_function

RNG = np.random.default_rng(7)
W = RNG.standard_normal((4, 3))


def two_in_two_out(x, A):
    """x (3,), A (2, 2) -> (4,) and (2, 2): every input reaches every output."""
    h = np.tanh(W @ x) * A.sum()
    return h, A @ A * x[0]


X, A = RNG.standard_normal(3), RNG.standard_normal((2, 2))
M, N = 4 + 4, 3 + 4


def dense():
    """The flat (M, N) Jacobian from identity seeds (the seed rules' fast path)."""
    return jaccli.api.flat_jacobian(two_in_two_out, (X, A), argnums=(0, 1)).matrix


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_any_seed_matrix_gives_the_dense_product(mode):
    graph = _prepare(two_in_two_out, (X, A), (0, 1))[0]
    J = dense()
    S = RNG.standard_normal((5, N if mode == "fwd" else M))
    block = sweep_chunk(graph, graph.values, mode, Seeds.rows(S))
    np.testing.assert_allclose(block, S @ J.T if mode == "fwd" else S @ J,
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_colour_groups_are_sums_of_identity_blocks(mode):
    graph = _prepare(two_in_two_out, (X, A), (0, 1))[0]
    total = N if mode == "fwd" else M
    groups = (np.arange(total) % 3 == np.arange(3)[:, None]).astype(float)   # (3, total) 0/1
    identity = sweep_chunk(graph, graph.values, mode, Seeds.identity(0, total))
    np.testing.assert_allclose(sweep_chunk(graph, graph.values, mode, Seeds.rows(groups)),
                               groups @ identity, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_identity_chunks_across_inputs_equal_the_matrix_rows(mode):
    graph = _prepare(two_in_two_out, (X, A), (0, 1))[0]
    total = N if mode == "fwd" else M
    for start, stop in ((0, total), (1, 5), (2, 3), (3, total)):
        got = sweep_chunk(graph, graph.values, mode, Seeds.identity(start, stop))
        want = sweep_chunk(graph, graph.values, mode, Seeds.rows(np.eye(total)[start:stop]))
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_seed_matrix_at_many_points_with_an_undifferentiated_input(mode):
    P = 6
    Xs, As = RNG.standard_normal((P, 3)), A          # A traced but not differentiated
    graph, _ = trace_function(two_in_two_out, [Xs[0], As], (0, 1))
    env = evaluate(graph, [Xs, np.broadcast_to(As, (P, 2, 2))])
    S = RNG.standard_normal((2, 3 if mode == "fwd" else M))
    block = sweep_chunk(graph, env, mode, Seeds.rows(S), (P,), wrt=[0])
    assert block.shape == (2, P, M if mode == "fwd" else 3)
    for p in range(P):
        Jx = np.concatenate([b.reshape(-1, 3) for b in
                             jaccli.jacobian(two_in_two_out, Xs[p], As)])
        np.testing.assert_allclose(block[:, p], S @ Jx.T if mode == "fwd" else S @ Jx,
                                   rtol=1e-13, atol=1e-13)


def test_matmul_identity_fast_path_still_taken(monkeypatch):
    """W @ x seeded by raw identity rows never multiplies by the identity."""
    from jaccli import rules
    called = []
    original = dict(rules.seed_rules)
    for prim, rule in original.items():
        monkeypatch.setitem(rules.seed_rules, prim,
                            lambda *a, rule=rule: called.append(1) or rule(*a))
    graph = _prepare(lambda x: np.sin(W @ x), (X,), 0)[0]
    J = run_sweeps(graph, "fwd", 2, np.float64)
    assert called
    np.testing.assert_allclose(J, np.cos(W @ X)[:, None] * W, rtol=1e-15)
    called.clear()
    sweep_chunk(graph, graph.values, "fwd", Seeds.rows(np.eye(3)))
    assert not called                  # an explicit matrix is multiplied, never assumed


def test_flat_layout_helpers():
    assert flat_offsets([(3,), (2, 2), ()]) == [0, 3, 7, 8]
    assert flat_size([(3,), (2, 2), ()]) == 8 and flat_size([]) == 0
