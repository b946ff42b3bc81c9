"""Validity of colourings, vectorised over the pattern's entries (used by tests and recovery).

Each check returns True or False; none trusts the colouring algorithm that produced the colours.
"""
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from jaccli.sparse.orderings import pattern_csr, row_of_entry, symmetric_graph


def key_counts(keys, queries):
    """How often each of `queries` occurs in `keys` (int arrays), by sorting: O(k log k)."""
    values, counts = np.unique(keys, return_counts=True)
    where = np.searchsorted(values, queries)
    where = np.minimum(where, max(len(values) - 1, 0))
    found = (values[where] == queries) if len(values) else np.zeros(len(queries), bool)
    return np.where(found, counts[where] if len(values) else 0, 0)


def _unique_pairs(rows, colors, take):
    """Entries `take` (bool over entries) have a colour >= 0 and no other coloured entry of their
    row has their colour."""
    if np.any(colors[take] < 0):
        return False
    coloured = colors >= 0
    width = max(int(colors.max()) + 1, 1) if len(colors) else 1
    keys = rows[coloured] * width + colors[coloured]
    return bool(np.all(key_counts(keys, rows[take] * width + colors[take]) == 1))


def check_columns(P, colors):
    """Forward colouring: no row of P (M, N) holds two columns of one colour; colors (N,)."""
    P = pattern_csr(P)
    colors = np.asarray(colors, np.int64)
    if colors.shape != (P.shape[1],):
        return False
    return _unique_pairs(row_of_entry(P), colors[P.indices], np.ones(P.nnz, bool))


def check_rows(P, colors):
    """Reverse colouring: no column of P (M, N) holds two rows of one colour; colors (M,)."""
    return check_columns(sp.csr_array(pattern_csr(P).T), colors)


def check_bicoloring(P, bicoloring):
    """Every entry the forward sweeps give is alone of its colour in its row (among coloured
    columns), every entry the reverse sweeps give alone of its colour in its column."""
    P = pattern_csr(P)
    forward = bicoloring.forward_entries(P)
    rows = row_of_entry(P)
    if not _unique_pairs(rows, bicoloring.columns.colors[P.indices], forward):
        return False
    return _unique_pairs(P.indices, bicoloring.rows.colors[rows], ~forward)


def _edges(P):
    P = pattern_csr(P)
    if P.shape[0] != P.shape[1]:
        return None
    indptr, indices = symmetric_graph(P)
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr)), indices


def star_sources(src, dst, colors):
    """For each directed edge src -> dst: whether src has no other neighbour of dst's colour, so
    that H[src, dst] = B[src, colors[dst]] (B = H @ S). (E,) bool."""
    width = int(colors.max()) + 1 if len(colors) else 1
    keys = src * width + colors[dst]
    return key_counts(keys, keys) == 1


def check_star(P, colors):
    """Star colouring of the symmetric pattern P (N, N): distance-1, and for every edge (i, j) i
    has no other neighbour of j's colour or j none of i's -- equivalent to "no 2-coloured path on
    4 vertices" (k-i-j-l would be one)."""
    checked = _distance1_edges(P, colors)
    if checked is None:
        return False
    src, dst, colors = checked
    direct = star_sources(src, dst, colors)
    # edges come sorted by (src, dst); sorted by (dst, src) they list each edge's reverse
    mirrored = direct[np.lexsort((src, dst))]
    return bool(np.all(direct | mirrored))


def _distance1_edges(P, colors):
    """(src, dst, colors) of the symmetric pattern's edges when ``colors`` is a distance-1
    colouring of it (one colour per vertex, neighbours apart), else None."""
    edges = _edges(P)
    colors = np.asarray(colors, np.int64)
    if edges is None or colors.shape != (P.shape[0],) or np.any(colors < 0):
        return None
    src, dst = edges
    if np.any(colors[src] == colors[dst]):
        return None
    return src, dst, colors


def check_acyclic(P, colors):
    """Acyclic colouring of the symmetric pattern P (N, N): distance-1, and the subgraph of each
    pair of colours is a forest (edges = vertices - components, all pairs in one graph)."""
    checked = _distance1_edges(P, colors)
    if checked is None:
        return False
    src, dst, colors = checked
    one = src < dst
    i, j = src[one], dst[one]
    width = int(colors.max()) + 1
    pair = np.minimum(colors[i], colors[j]) * width + np.maximum(colors[i], colors[j])
    nodes, inverse = np.unique(np.concatenate([pair * len(colors) + i, pair * len(colors) + j]),
                               return_inverse=True)
    a, b = inverse[:len(i)], inverse[len(i):]
    graph = sp.coo_array((np.ones(len(a)), (a, b)), shape=(len(nodes), len(nodes)))
    components = connected_components(graph, directed=False)[0] if len(nodes) else 0
    return len(i) == len(nodes) - components
