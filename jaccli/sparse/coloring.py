"""Colourings of sparsity patterns: which columns (forward) or rows (reverse) may share a seed.

A pattern `P` is a bool `scipy.sparse.csr_array` (anything `csr_array` accepts) of shape (M, N),
a superset of the Jacobian's nonzeros; for Hessians it is (N, N) and is symmetrised.

    color_columns(P)  distance-1 colouring of the column intersection graph  (forward sweeps)
    color_rows(P)     the same for rows, on P.T                               (reverse sweeps)
    bicolor(P)        forward and reverse seeds together, for dense rows and columns
    star_color(P)     symmetric: every path on 4 vertices has 3 colours       (direct recovery)
    acyclic_color(P)  symmetric: every cycle has 3 colours                    (substitution)
"""
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from jaccli.sparse import orderings as order_lib

ORDERINGS = ("natural", "largest_first", "smallest_last", "incidence_degree", "dsatur")
CHEAP_ORDERINGS = ("natural", "largest_first")
# Above these sizes the Python-loop methods are skipped (measured on the 2-core box, one core:
# smallest-last / incidence degree ~0.45 us, DSATUR ~2.7 us per conflict-graph entry; star and
# acyclic greedy ~5-12 us per edge), so that each stays around a second.
DYNAMIC_LIMIT = 500_000         # conflict-graph entries (distance-1 orderings, DSATUR)
SYMMETRIC_LIMIT = 200_000       # graph edges (star and acyclic greedy)


@dataclass(frozen=True, eq=False)
class Coloring:
    """colors: (n,) int64, colour of each column (or row, or vertex), 0..count-1; -1 where a vertex
    needs no seed (bicolouring). ordering: the method that won; tried: colours per method run."""
    colors: np.ndarray
    count: int
    ordering: str
    tried: dict = field(default_factory=dict)
    lower_bound: int = 0

    def seed_matrix(self, sparse=False):
        """(n, count) float64 S with S[j, colors[j]] = 1: forward seeds J @ S (or reverse S.T @ J);
        a csr_array if `sparse`."""
        n = len(self.colors)
        seeded = np.flatnonzero(self.colors >= 0)
        S = sp.csr_array((np.ones(len(seeded)), (seeded, self.colors[seeded])),
                         shape=(n, self.count))
        return S if sparse else S.toarray()


@dataclass(frozen=True, eq=False)
class Bicoloring:
    """Forward seeds for `columns`, reverse seeds for `rows` (colour -1: in no seed).
    split "rows": entries in coloured rows come from the reverse sweeps, all others forward;
    split "columns": entries in coloured columns come from the forward sweeps, the rest reverse."""
    columns: Coloring
    rows: Coloring
    split: str
    tried: dict = field(default_factory=dict)

    @property
    def count(self):
        return self.columns.count + self.rows.count

    def forward_entries(self, P):
        """(nnz,) bool: which stored entries of the canonical pattern P the forward sweeps give."""
        if self.split == "rows":
            return self.rows.colors[order_lib.row_of_entry(P)] < 0
        return self.columns.colors[P.indices] >= 0


def _coloring(colors, name, tried, lower):
    colors = np.asarray(colors, dtype=np.int64)
    return Coloring(colors, int(colors.max()) + 1 if len(colors) else 0, name, tried, lower)


def color_columns(P, orderings=ORDERINGS, dynamic_limit=DYNAMIC_LIMIT):
    """Distance-1 colouring of the column intersection graph of P (M, N): columns j and k get
    different colours when some row of P holds both. Greedy in each of `orderings` ("natural",
    "largest_first", "smallest_last", "incidence_degree", "dsatur"), keeping the fewest colours
    (the first such). It stops as soon as the lower bound, the largest row count of P, is met, and
    skips the Python-loop methods (the last three) when the conflict graph exceeds
    `dynamic_limit` entries. -> Coloring with colors (N,)."""
    unknown = set(orderings) - set(ORDERINGS)
    if not orderings:
        raise ValueError(f"no ordering given; expected some of {ORDERINGS}")
    if unknown:
        raise ValueError(f"unknown ordering {sorted(unknown)[0]!r}; expected one of {ORDERINGS}")
    P = order_lib.pattern_csr(P)
    M, N = P.shape
    lower = int(np.diff(P.indptr).max()) if M and N else 0
    if P.nnz == 0:
        return Coloring(np.zeros(N, np.int64), min(N, 1), "natural", {"natural": min(N, 1)}, lower)
    size = order_lib.conflict_size(P)
    graph = None
    tried, best = {}, None
    for name in orderings:
        if best is not None and best.count <= lower:
            break
        if name in ("smallest_last", "incidence_degree", "dsatur") and size > dynamic_limit:
            continue
        if name in ("smallest_last", "incidence_degree", "dsatur") and graph is None:
            graph = order_lib.conflict_graph(P)
        if name == "natural":
            colors = order_lib.greedy_columns(P, order_lib.order_natural(N))
        elif name == "largest_first":
            if size <= dynamic_limit:       # the graph is needed by the next methods anyway
                graph = graph or order_lib.conflict_graph(P)
                degrees = np.diff(graph[0])
            else:
                degrees = order_lib.weighted_degrees(P)
            colors = order_lib.greedy_columns(P, order_lib.order_largest_first(degrees))
        elif name == "smallest_last":
            colors = order_lib.greedy_columns(P, order_lib.order_smallest_last(graph))
        elif name == "incidence_degree":
            colors = order_lib.greedy_columns(P, order_lib.order_incidence_degree(graph))
        else:
            colors = order_lib.dsatur(graph)
        coloring = _coloring(colors, name, tried, lower)
        tried[name] = coloring.count
        if best is None or coloring.count < best.count:
            best = coloring
    return best


def color_rows(P, orderings=ORDERINGS, dynamic_limit=DYNAMIC_LIMIT):
    """Distance-1 colouring of the row intersection graph of P (M, N): rows sharing a column get
    different colours. -> Coloring with colors (M,). Same methods as `color_columns`."""
    return color_columns(sp.csr_array(order_lib.pattern_csr(P).T), orderings, dynamic_limit)


# --- bicolouring --------------------------------------------------------------------------------

def _split_rows(P, dense, orderings):
    """Reverse seeds for the rows in `dense` (M,) bool, forward seeds for all other entries.
    -> (column Coloring (N,), row Coloring (M,)), -1 for whatever is in no seed."""
    M, N = P.shape
    row_colors = np.full(M, -1, np.int64)
    col_colors = np.full(N, -1, np.int64)
    rest = P[~dense] if dense.any() else P
    forward = color_columns(rest, orderings) if rest.nnz else None
    if forward is not None:                  # columns with no entry outside `dense`: no seed
        used = np.zeros(N, bool)
        used[rest.indices] = True
        col_colors[used] = forward.colors[used]
        present = np.bincount(col_colors[used], minlength=forward.count) > 0
        if not present.all():
            col_colors[used] = (np.cumsum(present) - 1)[col_colors[used]]
        forward = Coloring(col_colors, int(present.sum()), forward.ordering, forward.tried,
                           forward.lower_bound)
    reverse = color_rows(P[dense], orderings) if dense.any() else None
    if reverse is not None:
        row_colors[dense] = reverse.colors
        reverse = Coloring(row_colors, reverse.count, reverse.ordering, reverse.tried,
                           reverse.lower_bound)
    return (forward or Coloring(col_colors, 0, "none"),
            reverse or Coloring(row_colors, 0, "none"))


def _densest(counts, k):
    """(len(counts),) bool: the k largest counts."""
    mask = np.zeros(len(counts), bool)
    if k:
        mask[np.argsort(-counts, kind="stable")[:k]] = True
    return mask


def _split_bound(A, k):
    """Lower bound on the seeds of `_split_rows` with the k densest rows: the largest row count
    outside them plus the largest column count inside them."""
    dense = _densest(np.diff(A.indptr), k)
    outside = np.diff(A.indptr)[~dense]
    inside = np.bincount(A[dense].indices, minlength=A.shape[1]) if dense.any() else [0]
    return int(outside.max(initial=0)) + int(np.max(inside))


def bicolor(P, orderings=ORDERINGS, max_dense=256):
    """Forward and reverse seeds together (the arrowhead: a dense row and a dense column).

    NOTE: a dense-split bicolouring, not GMP's star bicolouring. Candidates: the k densest rows go
    to reverse sweeps (their rows coloured on P[those rows]) and all other entries to forward
    sweeps (columns coloured on P without those rows) -- or the same with columns and rows
    swapped; k = 0 is plain forward / plain reverse, k runs over 1, 2, 4, ... up to the number of
    rows (columns) above twice the mean count (at most `max_dense`). Each candidate is coloured with
    the cheap orderings, the cheapest total is recoloured with `orderings`; candidates whose lower
    bound cannot beat the best so far are skipped (they would cost colours x nnz). Recovery is
    direct (every entry read from one product). Arrowhead: 1 reverse + 2 forward seeds.
    -> Bicoloring (columns (N,), rows (M,), split)."""
    P = order_lib.pattern_csr(P)
    M, N = P.shape
    matrices = {"rows": P, "columns": sp.csr_array(P.T)}
    candidates = []
    for split, A in matrices.items():
        counts = np.diff(A.indptr)
        heavy = min(int(np.count_nonzero(counts > 2 * counts.mean())), max_dense) if A.nnz else 0
        ks = sorted({0, heavy} | {2 ** i for i in range(12) if 2 ** i <= heavy})
        candidates += [(_split_bound(A, k), split, k) for k in ks]
    tried, cheap, best = {}, {}, None
    for bound, split, k in sorted(candidates, key=lambda t: (t[0], t[1] != "rows", t[2])):
        if best is not None and bound >= best[0]:
            continue                        # e.g. one-sided on the arrowhead: >= n colours
        A = matrices[split]
        fwd, rev = cheap[split, k] = _split_rows(A, _densest(np.diff(A.indptr), k),
                                                 CHEAP_ORDERINGS)
        tried[f"{split}:{k}"] = fwd.count + rev.count
        if best is None or fwd.count + rev.count < best[0]:
            best = (fwd.count + rev.count, split, k, bound)
    # the winner recoloured with every ordering, and plain forward / reverse likewise when they
    # could still win: never worse than color_columns or color_rows alone. Reused instead when at
    # its bound, or when the patterns are too large for anything but the cheap orderings.
    small = min(order_lib.conflict_size(A) for A in matrices.values()) <= DYNAMIC_LIMIT
    count, split, k, bound = best
    result = None
    for split, k in [(split, k)] + [(s, 0) for s in matrices if (s, 0) != (split, k)]:
        A = matrices[split]
        bound = _split_bound(A, k)
        if result is not None and bound >= result.count:
            continue
        if (split, k) in cheap and (not small or sum(c.count for c in cheap[split, k]) <= bound):
            fwd, rev = cheap[split, k]
        else:
            fwd, rev = _split_rows(A, _densest(np.diff(A.indptr), k),
                                   orderings if small else CHEAP_ORDERINGS)
        candidate = (Bicoloring(fwd, rev, "rows", tried) if split == "rows"
                     else Bicoloring(rev, fwd, "columns", tried))   # on P.T roles are swapped
        if result is None or candidate.count < result.count:
            result = candidate
    return result


# --- symmetric colourings (Hessians) ------------------------------------------------------------

def _symmetric(P):
    """-> (P | P.T | I, canonical csr_array; its graph (indptr, indices) without the diagonal)."""
    P = order_lib.pattern_csr(P)
    if P.shape[0] != P.shape[1]:
        raise ValueError(f"a Hessian pattern is square, not of shape {P.shape}")
    closed = order_lib.pattern_csr(P + P.T + sp.identity(P.shape[0], dtype=bool, format="csr"))
    return closed, order_lib.without_diagonal(closed)


def _symmetric_orders(graph):
    yield "natural", lambda: order_lib.order_natural(len(graph[0]) - 1)
    yield "largest_first", lambda: order_lib.order_largest_first(np.diff(graph[0]))
    yield "smallest_last", lambda: order_lib.order_smallest_last(graph)


def star_color(P, dynamic_limit=SYMMETRIC_LIMIT):
    """Star colouring of the symmetric pattern P (N, N) (P | P.T is used): distance-1 and every
    path on 4 vertices has at least 3 colours, so H is read directly from B = H @ S.
    Methods: "distance2" (colour the columns of P + I, which is a star colouring; compiled, but it
    costs (largest degree) x nnz, so it is left out for hubs when the greedy can run), then the
    greedy star colouring in natural, largest-first and smallest-last order when the graph has at
    most `dynamic_limit` edges; it stops at the lower bound (3 when some edge has two endpoints
    of degree >= 2, else 2 with an edge, else 1). -> Coloring with colors (N,)."""
    return _star(*_symmetric(P), dynamic_limit)


def _star(P, graph, dynamic_limit):
    """star_color on P = P | P.T | I and its graph without the diagonal."""
    N = P.shape[0]
    indptr, indices = graph
    degree = np.diff(indptr)
    lower = (3 if np.any((np.repeat(degree, degree) >= 2) & (degree[indices] >= 2))
             else 2 if len(indices) else min(N, 1))
    greedy_ok = len(indices) <= dynamic_limit
    tried, best = {}, None
    if not greedy_ok or (int(degree.max(initial=0)) + 1) * (2 * N + len(indices)) <= 1e9:
        d2 = color_columns(P)                # P is P | P.T | I here
        best = Coloring(d2.colors, d2.count, "distance2:" + d2.ordering, tried, lower)
        tried[best.ordering] = best.count
    if greedy_ok and (best is None or best.count > lower):
        for name, order in _symmetric_orders(graph):
            colors = order_lib.star_greedy(graph, order())
            tried[name] = int(colors.max()) + 1 if N else 0
            if best is None or tried[name] < best.count:
                best = _coloring(colors, name, tried, lower)
            if best.count <= lower:
                break
    return best


def acyclic_color(P, dynamic_limit=SYMMETRIC_LIMIT):
    """Acyclic colouring of the symmetric pattern P (N, N): distance-1 and every cycle has at
    least 3 colours (each 2-coloured subgraph is a forest); H is recovered from B = H @ S by
    substitution along those trees. Greedy in natural, largest-first and smallest-last order,
    compared with the star colouring (which is acyclic too); fewest colours wins. The Python-loop
    greedy runs when the graph has at most `dynamic_limit` edges.
    -> Coloring with colors (N,)."""
    P, graph = _symmetric(P)
    N = P.shape[0]
    star = _star(P, graph, dynamic_limit)
    lower = 2 if len(graph[1]) else min(N, 1)
    best = Coloring(star.colors, star.count, "star:" + star.ordering, {}, lower)
    tried = best.tried
    tried[best.ordering] = best.count
    if best.count > lower and len(graph[1]) <= dynamic_limit:
        for name, order in _symmetric_orders(graph):
            colors = order_lib.acyclic_greedy(graph, order())
            tried[name] = int(colors.max()) + 1 if N else 0
            if tried[name] < best.count:
                best = _coloring(colors, name, tried, lower)
            if best.count <= lower:
                break
    return best
