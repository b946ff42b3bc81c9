"""Compressed products and their decompression into CSR, vectorised over the pattern's entries.

Forward: B = J @ S (M, c) with S = coloring.seed_matrix() (N, c); reverse: B = S.T @ J (c, N) with
S (M, c). Every recovery returns a csr_array with exactly the canonical pattern of P (sorted
indices; stored zeros where J is zero on P), of the dtype of B (float64 at least for bicolouring
and Hessians).
"""
import numpy as np
import scipy.sparse as sp

from jaccli.sparse.checks import star_sources
from jaccli.sparse.orderings import pattern_csr, row_of_entry


def _on_pattern(P, data):
    return sp.csr_array((data, P.indices.copy(), P.indptr.copy()), shape=P.shape)


def _dense(B, shape, what):
    B = B.toarray() if sp.issparse(B) else np.asarray(B)
    if B.shape != shape:
        raise ValueError(f"{what} has shape {B.shape}, expected {shape}")
    return B


def recover_columns(P, B, coloring):
    """J (M, N) from B = J @ S (M, c), S the forward seeds of `coloring` (colours of N columns):
    J[i, j] = B[i, colors[j]] for each entry (i, j) of P."""
    P = pattern_csr(P)
    B = _dense(B, (P.shape[0], coloring.count), "B = J @ S")
    return _on_pattern(P, B[row_of_entry(P), coloring.colors[P.indices]])


def recover_rows(P, B, coloring):
    """J (M, N) from B = S.T @ J (c, N), S the reverse seeds of `coloring` (colours of M rows):
    J[i, j] = B[colors[i], j] for each entry (i, j) of P."""
    P = pattern_csr(P)
    B = _dense(B, (coloring.count, P.shape[1]), "B = S.T @ J")
    return _on_pattern(P, B[coloring.colors[row_of_entry(P)], P.indices])


def recover_bicolor(P, B_columns, B_rows, bicoloring):
    """J (M, N) from B_columns = J @ S_c (M, c_c) and B_rows = S_r.T @ J (c_r, N), with S_c, S_r the
    seed matrices of bicoloring.columns and bicoloring.rows; each entry read from one of them."""
    P = pattern_csr(P)
    Bc = _dense(B_columns, (P.shape[0], bicoloring.columns.count), "B_columns = J @ S_c")
    Br = _dense(B_rows, (bicoloring.rows.count, P.shape[1]), "B_rows = S_r.T @ J")
    rows, cols = row_of_entry(P), P.indices
    forward = bicoloring.forward_entries(P)
    data = np.empty(P.nnz, np.result_type(Bc, Br, np.float64))
    data[forward] = Bc[rows[forward], bicoloring.columns.colors[cols[forward]]]
    data[~forward] = Br[bicoloring.rows.colors[rows[~forward]], cols[~forward]]
    return _on_pattern(P, data)


def _symmetric_entries(P, B, coloring):
    P = pattern_csr(P)
    N = P.shape[0]
    if P.shape != (N, N):
        raise ValueError(f"a Hessian pattern is square, not of shape {P.shape}")
    P = sp.csr_array(P + P.T)
    P.sort_indices()
    B = _dense(B, (N, coloring.count), "B = H @ S")
    rows, cols, colors = row_of_entry(P), P.indices, np.asarray(coloring.colors)
    if (colors.shape != (N,) or np.any(colors < 0)
            or np.any((colors[rows] == colors[cols]) & (rows != cols))):
        raise ValueError("the colouring is not a distance-1 colouring of this pattern")
    return P, B, rows, cols, colors


def recover_star(P, B, coloring):
    """Symmetric H (N, N) on the pattern P | P.T from B = H @ S (N, c), S the seeds of a star
    colouring: H[i, j] = B[i, c(j)] when i has no other neighbour of colour c(j), else
    B[j, c(i)] (one of the two holds in a star colouring); diagonal H[i, i] = B[i, c(i)]."""
    P, B, rows, cols, colors = _symmetric_entries(P, B, coloring)
    direct, star = _direct(P, rows, cols, colors)
    if not star:
        raise ValueError("the colouring is not a star colouring of this pattern")
    return _on_pattern(P, np.where(direct, B[rows, colors[cols]], B[cols, colors[rows]]))


def _direct(P, rows, cols, colors):
    """(nnz,) bool: entries (i, j) with H[i, j] = B[i, c(j)]; and whether every entry or its
    transpose is one (the colouring is a star colouring)."""
    off = rows != cols
    direct = np.ones(P.nnz, bool)
    direct[off] = star_sources(rows[off], cols[off], colors)
    return direct, bool(np.all(direct | direct[_transposed(P)]))


def _transposed(P):
    """Permutation t of the entries of the symmetric canonical P: entry t[e] is e transposed."""
    rows = row_of_entry(P)
    return np.lexsort((rows, P.indices))


def recover_acyclic(P, B, coloring):
    """Symmetric H (N, N) on the pattern P | P.T from B = H @ S (N, c), S the seeds of an acyclic
    colouring, by substitution: B[v, d] sums H[v, w] over v's neighbours w of colour d (and the
    diagonal when c(v) = d). The subgraph of each colour pair is a forest; rooted (one BFS over all
    of them), the edge from each vertex to its parent is its B entry minus the edges to its
    children: one unit lower-triangular sparse solve, leaves first. (Direct recovery instead when
    the colouring happens to be a star colouring.)
    Rounding: each value carries the error of the sums it was peeled from (not exact like star)."""
    P, B, rows, cols, colors = _symmetric_entries(P, B, coloring)
    direct, star = _direct(P, rows, cols, colors)
    if star:                                             # direct and exact
        return _on_pattern(P, np.where(direct, B[rows, colors[cols]], B[cols, colors[rows]]))
    N, c = B.shape
    data = np.zeros(P.nnz, np.result_type(B, np.float64))
    diag = rows == cols
    data[diag] = B[rows[diag], colors[cols[diag]]]
    upper = np.flatnonzero(rows < cols)                   # each edge once: (i, j), i < j
    i, j = rows[upper], cols[upper]
    E = len(upper)
    if E:
        pair = np.minimum(colors[i], colors[j]) * c + np.maximum(colors[i], colors[j])
        # nodes: (vertex, colour pair); edge e joins nodes a[e] and b[e] of one forest
        nodes, inverse = np.unique(np.concatenate([pair * N + i, pair * N + j]),
                                   return_inverse=True)
        a, b = inverse[:E], inverse[E:]
        n = len(nodes)
        forest = sp.coo_array((np.ones(E), (a, b)), shape=(n, n))
        from scipy.sparse.csgraph import breadth_first_order, connected_components
        components, labels = connected_components(forest, directed=False)
        if E != n - components:
            raise ValueError("the colouring is not an acyclic colouring of this pattern")
        roots = np.unique(labels, return_index=True)[1]   # one per tree, under a virtual node n
        tails = np.concatenate([a, np.full(len(roots), n)])
        rooted = sp.coo_array((np.ones(len(tails)), (tails, np.concatenate([b, roots]))),
                              shape=(n + 1, n + 1))
        order, parent = breadth_first_order(rooted, n, directed=False, return_predecessors=True)
        child = np.where(parent[a] == b, a, b)            # the endpoint farther from the root
        rhs = np.empty(n, data.dtype)
        rhs[a], rhs[b] = B[i, colors[j]], B[j, colors[i]]
        position = np.empty(n + 1, np.int64)              # leaves first: reversed BFS order
        position[order[::-1]] = np.arange(n + 1)
        up = parent[child]                                # each edge: its child's parent node
        inner = up != n                                   # ... unless that is the virtual root
        T = sp.csr_array((np.ones(np.count_nonzero(inner) + n + 1),
                          (np.concatenate([position[up[inner]], np.arange(n + 1)]),
                           np.concatenate([position[child[inner]], np.arange(n + 1)]))),
                         shape=(n + 1, n + 1))
        r = np.zeros(n + 1, data.dtype)
        r[position[child]] = rhs[child]
        from scipy.sparse.linalg import spsolve_triangular    # heavy: only acyclic recovery
        # SciPy <= 1.15's SuperLU path takes C int indices only
        T = sp.csr_array((T.data, T.indices.astype(np.intc), T.indptr.astype(np.intc)),
                         shape=T.shape)
        x = spsolve_triangular(T, r, lower=True)
        data[upper] = x[position[child]]
    t = _transposed(P)
    lower = np.flatnonzero(rows > cols)
    data[lower] = data[t[lower]]
    return _on_pattern(P, data)
