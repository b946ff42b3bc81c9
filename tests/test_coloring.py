"""Colourings of sparsity patterns (jaccli.sparse): validity, the colour-count targets of
DESIGN 5, and exact recovery of random Jacobians and Hessians from compressed products."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

from jaccli.sparse import orderings
from jaccli.sparse.checks import (check_acyclic, check_bicoloring, check_columns, check_rows,
                                  check_star)
from jaccli.sparse.coloring import (ORDERINGS, Coloring, acyclic_color, bicolor, color_columns,
                                    color_rows, star_color)
from patterns import arrowhead, banded, brusselator, laplacian
from jaccli.sparse.recovery import (recover_acyclic, recover_bicolor, recover_columns,
                                    recover_rows, recover_star)


# --- pattern families ---------------------------------------------------------------------------

def random_pattern(m, n, density, seed):
    return sp.csr_array(sp.random(m, n, density=density, random_state=seed) != 0)


def blocks(sizes, seed):
    """Dense diagonal blocks plus a few random couplings."""
    dense = sp.block_diag([np.ones((k, k)) for k in sizes])
    n = sum(sizes)
    return sp.csr_array((dense + random_pattern(n, n, 0.01, seed)) != 0)


def symmetric(P):
    return sp.csr_array((P + P.T + sp.identity(P.shape[0])) != 0)


FAMILIES = {
    "random_tall": lambda: random_pattern(120, 80, 0.04, 1),
    "random_wide": lambda: random_pattern(60, 150, 0.03, 2),
    "random_dense": lambda: random_pattern(40, 40, 0.3, 3),
    "banded": lambda: banded(100, [-3, -1, 0, 2, 5]),
    "blocks": lambda: blocks([5, 3, 8, 1, 6, 7], 4),
    "arrowhead": lambda: arrowhead(60),
    "laplacian": lambda: laplacian(9),
    "brusselator": lambda: brusselator(6),
    "empty_rows": lambda: sp.csr_array(sp.vstack([random_pattern(30, 40, 0.05, 5),
                                                  sp.csr_array((10, 40), dtype=bool)])),
}


def values_on(P, seed, keep=0.8):
    """Random J with a subset of P's pattern (the pattern is a superset of the nonzeros)."""
    rng = np.random.default_rng(seed)
    J = sp.csr_array(P, dtype=np.float64, copy=True)
    J.data = rng.standard_normal(J.nnz) * (rng.random(J.nnz) < keep)
    return J


def assert_exact(J_rec, J, P, rtol=0.0):
    P = orderings.pattern_csr(P)
    J_rec = sp.csr_array(J_rec)
    assert J_rec.shape == J.shape and J_rec.nnz == P.nnz
    assert np.array_equal(J_rec.indptr, P.indptr) and np.array_equal(J_rec.indices, P.indices)
    scale = max(abs(J).max(), 1.0)
    assert abs(J_rec - J).max() <= rtol * scale


# --- validity and exact recovery on every family ------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_forward_and_reverse_recover_exactly(family):
    P = FAMILIES[family]()
    J = values_on(P, 10)
    c, r = color_columns(P), color_rows(P)
    assert check_columns(P, c.colors) and check_rows(P, r.colors)
    assert c.count == min(c.tried.values()) >= c.lower_bound
    assert_exact(recover_columns(P, J @ c.seed_matrix(), c), J, P)
    assert_exact(recover_rows(P, r.seed_matrix().T @ J, r), J, P)
    assert_exact(recover_columns(P, J @ c.seed_matrix(sparse=True), c), J, P)


@pytest.mark.parametrize("family", FAMILIES)
def test_bicoloring_recovers_exactly(family):
    P = FAMILIES[family]()
    J = values_on(P, 11)
    b = bicolor(P)
    assert check_bicoloring(P, b)
    assert b.count <= min(color_columns(P).count, color_rows(P).count)
    J_rec = recover_bicolor(P, J @ b.columns.seed_matrix(), b.rows.seed_matrix().T @ J, b)
    assert_exact(J_rec, J, P)


@pytest.mark.parametrize("family", [f for f in FAMILIES if f not in ("random_tall",
                                                                     "random_wide")])
def test_star_and_acyclic_recover_hessians(family):
    P = symmetric(FAMILIES[family]())
    H = values_on(P, 12)
    H = sp.csr_array(H + H.T)
    s, a = star_color(P), acyclic_color(P)
    assert check_star(P, s.colors) and check_acyclic(P, a.colors)
    assert a.count <= s.count
    assert_exact(recover_star(P, H @ s.seed_matrix(), s), H, P)
    assert_exact(recover_acyclic(P, H @ a.seed_matrix(), a), H, P, rtol=1e-13)


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 25), n=st.integers(1, 25), density=st.floats(0.0, 0.6),
       seed=st.integers(0, 2**16))
def test_random_patterns_property(m, n, density, seed):
    P = random_pattern(m, n, density, seed)
    J = values_on(P, seed)
    c, r, b = color_columns(P), color_rows(P), bicolor(P)
    assert check_columns(P, c.colors) and check_rows(P, r.colors) and check_bicoloring(P, b)
    assert_exact(recover_columns(P, J @ c.seed_matrix(), c), J, P)
    assert_exact(recover_rows(P, r.seed_matrix().T @ J, r), J, P)
    assert_exact(recover_bicolor(P, J @ b.columns.seed_matrix(), b.rows.seed_matrix().T @ J, b),
                 J, P)
    S = symmetric(random_pattern(n, n, density / 2, seed))
    H = values_on(S, seed)
    H = sp.csr_array(H + H.T)
    s, a = star_color(S), acyclic_color(S)
    assert check_star(S, s.colors) and check_acyclic(S, a.colors)
    assert_exact(recover_star(S, H @ s.seed_matrix(), s), H, S)
    assert_exact(recover_acyclic(S, H @ a.seed_matrix(), a), H, S, rtol=1e-13)


# --- colour-count targets (DESIGN 5) ------------------------------------------------------------

@pytest.mark.parametrize("offsets", [[0], [-1, 0], [-1, 0, 1], [-2, 0, 1, 3], list(range(-3, 4))])
def test_banded_needs_as_many_colours_as_bands(offsets):
    P = banded(200, offsets)
    assert color_columns(P).count == color_rows(P).count == len(offsets)


def test_laplacian_gets_five_colours():
    c = color_columns(laplacian(20))
    assert c.count == 5 and c.tried["natural"] == 7


def test_brusselator_at_most_ten_colours():
    P = brusselator(32)
    assert P.shape == (2048, 2048) and np.all(np.diff(P.indptr) == 6)
    c = color_columns(P)
    assert c.tried["natural"] == 12 and c.count <= 10 and check_columns(P, c.colors)


def test_arrowhead_one_sided_needs_n_bicoloring_at_most_five():
    P = arrowhead(1000)
    assert color_columns(P).count == color_rows(P).count == 1000
    b = bicolor(P)
    assert b.count <= 5 and check_bicoloring(P, b)
    J = values_on(P, 13, keep=1.0)
    J_rec = recover_bicolor(P, J @ b.columns.seed_matrix(), b.rows.seed_matrix().T @ J, b)
    assert_exact(J_rec, J, P)


@pytest.mark.parametrize("n", [4, 10, 1000, 100_000])
def test_rosenbrock_hessian_star_three_acyclic_two(n):
    P = banded(n, [-1, 0, 1])
    assert star_color(P).count == 3
    if n <= 1000:
        assert acyclic_color(P).count == 2


def test_acyclic_fewer_colours_than_star_on_a_pentadiagonal_hessian():
    P = banded(300, [-2, -1, 0, 1, 2])
    a = acyclic_color(P)
    assert star_color(P).count == 5 and a.count == 3 and not check_star(P, a.colors)
    H = values_on(P, 14, keep=1.0)
    H = sp.csr_array(H + H.T)                        # substitution, not the direct shortcut
    assert_exact(recover_acyclic(P, H @ a.seed_matrix(), a), H, P, rtol=1e-13)


def test_arrowhead_hessian_two_colours():
    P = arrowhead(1000)
    assert star_color(P).count <= 3 and acyclic_color(P).count <= 3


def test_million_tridiagonal_stops_at_the_lower_bound():
    """The speed target rests on this: natural order meets the bound, nothing else runs."""
    c = color_columns(banded(10**6, [-1, 0, 1]))
    assert c.count == 3 and c.tried == {"natural": 3} and c.lower_bound == 3


# --- the checkers can fail; the engines agree ---------------------------------------------------

def test_invalid_colourings_are_detected():
    P = banded(10, [-1, 0, 1])
    good = color_columns(P).colors
    bad = good.copy()
    bad[1] = bad[0]                                  # columns 0 and 1 share row 0
    assert check_columns(P, good) and not check_columns(P, bad) and not check_rows(P, bad)
    assert not check_columns(P, good[:-1])           # wrong length
    path = banded(4, [-1, 0, 1])                     # 0-1-2-3 coloured 0,1,0,1
    assert check_acyclic(path, [0, 1, 0, 1]) and not check_star(path, [0, 1, 0, 1])
    assert check_star(path, [0, 1, 2, 0]) and check_star(banded(3, [-1, 0, 1]), [1, 0, 1])
    cycle = laplacian(2)                             # a 4-cycle, 2-coloured
    assert not check_acyclic(cycle, [0, 1, 1, 0]) and not check_acyclic(path, [0, 0, 1, 2])
    with pytest.raises(ValueError, match="not a star colouring"):
        recover_star(path, np.zeros((4, 2)), Coloring(np.array([0, 1, 0, 1]), 2, "bad"))
    with pytest.raises(ValueError, match="not a distance-1 colouring"):
        recover_star(path, np.zeros((4, 1)), Coloring(np.array([0, 0, 0, 0]), 1, "bad"))
    with pytest.raises(ValueError, match="not an acyclic colouring"):
        recover_acyclic(cycle, np.zeros((4, 2)), Coloring(np.array([0, 1, 1, 0]), 2, "bad"))
    b = bicolor(arrowhead(20))
    broken = Coloring(np.zeros(20, np.int64), 1, "bad")
    assert not check_bicoloring(arrowhead(20), type(b)(broken, b.rows, b.split))


@pytest.mark.parametrize("family", FAMILIES)
def test_scipy_greedy_agrees_with_ours(family, monkeypatch):
    P = orderings.pattern_csr(FAMILIES[family]())
    graph = orderings.conflict_graph(P)
    n = P.shape[1]
    for order in (np.arange(n), np.random.default_rng(0).permutation(n),
                  orderings.order_smallest_last(graph)):
        ours = orderings.greedy_python(graph, order)
        assert np.array_equal(orderings.greedy_columns(P, order), ours)
    expected = color_columns(P)
    monkeypatch.setattr(orderings, "_scipy_group_columns", None)   # the fallback path
    fallback = color_columns(P)
    assert np.array_equal(fallback.colors, expected.colors) and fallback.tried == expected.tried

    def changed_api(A, order):
        raise TypeError("group_columns() got an unexpected keyword")
    monkeypatch.setattr(orderings, "_scipy_group_columns", changed_api)
    assert np.array_equal(color_columns(P).colors, expected.colors)


@pytest.mark.parametrize("name", ["smallest_last", "incidence_degree"])
def test_orderings_are_permutations(name):
    graph = orderings.conflict_graph(orderings.pattern_csr(FAMILIES["random_tall"]()))
    order = getattr(orderings, "order_" + name)(graph)
    assert np.array_equal(np.sort(order), np.arange(len(graph[0]) - 1))


@pytest.mark.parametrize("name", ORDERINGS)
def test_each_ordering_alone_is_valid(name):
    P = FAMILIES["brusselator"]()
    c = color_columns(P, orderings=(name,))
    assert c.ordering == name and check_columns(P, c.colors)


def test_errors():
    with pytest.raises(ValueError, match="unknown ordering"):
        color_columns(random_pattern(10, 10, 0.5, 0), orderings=("random",))
    with pytest.raises(ValueError, match="no ordering"):
        color_columns(random_pattern(10, 10, 0.5, 0), orderings=())
    with pytest.raises(ValueError, match="square"):
        star_color(random_pattern(3, 4, 0.5, 0))
    with pytest.raises(ValueError, match="expected"):
        c = color_columns(banded(5, [0]))
        recover_columns(banded(5, [0]), np.zeros((5, 2)), c)


def brute_force_star(P, colors):
    """Distance-1 and no 2-coloured path a-b-c-d on 4 distinct vertices, by enumeration."""
    P = symmetric(P).tolil()
    adj = [set(r) - {i} for i, r in enumerate(P.rows)]
    if any(colors[i] == colors[j] for i in range(len(adj)) for j in adj[i]):
        return False
    return not any(colors[a] == colors[c] and colors[b] == colors[d]
                   for b in range(len(adj)) for c in adj[b] for a in adj[b] - {c}
                   for d in adj[c] - {a, b})


def brute_force_acyclic(P, colors):
    """Distance-1 and every 2-coloured subgraph a forest, by union-find over each colour pair."""
    edges = [(i, j) for i, j in zip(*sp.triu(symmetric(P), 1).nonzero())]
    if any(colors[i] == colors[j] for i, j in edges):
        return False
    for pair in {frozenset((colors[i], colors[j])) for i, j in edges}:
        parent = {}
        for i, j in edges:
            if {colors[i], colors[j]} == pair:
                ri, rj = orderings._find(parent, i), orderings._find(parent, j)
                if ri == rj:
                    return False
                parent[ri] = rj
    return True


@pytest.mark.parametrize("seed", range(60))
def test_symmetric_checkers_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    P = symmetric(random_pattern(n, n, rng.random() * 0.4, seed))
    colors = rng.integers(0, int(rng.integers(2, 5)), n)
    assert check_star(P, colors) == brute_force_star(P, colors)
    assert check_acyclic(P, colors) == brute_force_acyclic(P, colors)


def test_patterns_in_any_form_give_the_same_colouring():
    P = random_pattern(30, 20, 0.15, 7)
    expected = color_columns(P).colors
    duplicated = sp.coo_matrix((np.ones(2 * P.nnz), (np.tile(P.nonzero()[0], 2),
                                                     np.tile(P.nonzero()[1], 2))), shape=P.shape)
    with_zero = sp.csr_array(P, dtype=np.float64, copy=True)
    with_zero.data[0] = 0.0                          # a stored zero is not in the pattern
    for form in (P.toarray(), sp.csr_matrix(P), P.tocsc(), duplicated):
        assert np.array_equal(color_columns(form).colors, expected)
    assert orderings.pattern_csr(with_zero).nnz == P.nnz - 1
    before = (P.indptr.copy(), P.indices.copy())
    recover_columns(P, np.zeros((30, color_columns(P).count)), color_columns(P)).data[:] = 1.0
    assert np.array_equal(P.indptr, before[0]) and np.array_equal(P.indices, before[1])
    with pytest.raises(ValueError, match="2-D"):
        color_columns(np.ones(3))
