"""Conflict graphs, vertex orderings and greedy colouring engines for `coloring`.

All graphs are CSR adjacency structures `(indptr, indices)` of an undirected graph on n vertices
without self-loops; orderings are permutations of `range(n)`; colours are int64 arrays 0..c-1.
"""
import heapq

import numpy as np
import scipy.sparse as sp

try:                                                        # private SciPy API, see NOTE below
    from scipy.optimize._numdiff import group_columns as _scipy_group_columns
except ImportError:                                         # pragma: no cover - depends on SciPy
    _scipy_group_columns = None

# NOTE: the greedy engine. Sequential greedy colouring of the column intersection graph in a given
# order equals "first fit by colour classes": class 0 is the greedy independent set of all columns
# in that order, class 1 that of the rest, ... (by induction, a column gets colour k exactly when
# no earlier neighbour has colour k). SciPy's compiled `group_columns` (Curtis-Powell-Reid) does
# exactly that, straight on the pattern's rows, without forming the conflict graph, in
# O(colours * (M + N + nnz)). Measured on this 2-core box (taskset -c 1), tridiagonal n = 10^6,
# natural order: group_columns 0.094 s (0.034 s for its compiled kernel alone, without the CSC
# copy); our pure-Python greedy on the conflict graph 2.8 s, plus 0.28 s to form P.T @ P.
# A vectorised Jones-Plassmann formulation (colour, in rounds, every vertex whose earlier
# neighbours are all coloured) gives the same colouring but needs as many rounds as the longest
# increasing path of the order: n rounds for natural order on a band, so it was not pursued.
# python-igraph (not installed here, not measured) offers greedy colouring only with its own
# "colored_neighbors" (incidence degree) and DSATUR heuristics, not a given order; a compiled
# DSATUR would lift our DSATUR size limit but costs a new dependency. networkx is pure Python.
# So: group_columns when importable (a test checks that it agrees with `greedy_python`, and that
# a failing call falls back to it), our own greedy otherwise. Its cost grows with colours x
# (M + N + nnz): one-sided colouring of an arrowhead with n = 10^5 would take minutes, which is
# why `bicolor` skips candidates whose lower bound cannot win.


def pattern_csr(P):
    """P as a canonical bool csr_array (sorted indices, no duplicates, no explicit zeros)."""
    if not sp.issparse(P):
        P = np.asarray(P)
    if P.ndim != 2:
        raise ValueError(f"a sparsity pattern is 2-D, not of shape {P.shape}")
    if not sp.issparse(P):
        P = sp.csr_array(P != 0)
    if (isinstance(P, sp.csr_array) and P.dtype == bool
            and P.has_canonical_format and P.data.all()):
        return P                             # already canonical: shared, never modified here
    P = sp.csr_array(P, dtype=bool, copy=True)
    P.eliminate_zeros()
    P.sum_duplicates()
    P.sort_indices()
    return P


def row_of_entry(P):
    """(nnz,) row index of each stored entry of the csr_array P."""
    return np.repeat(np.arange(P.shape[0], dtype=np.int64), np.diff(P.indptr))


def conflict_graph(P):
    """Column intersection graph of P (M, N): columns j != k adjacent when a row holds both."""
    ones = sp.csr_array((np.ones(P.nnz, np.int32), P.indices, P.indptr), shape=P.shape)
    G = sp.csr_array(ones.T @ ones)
    G.sort_indices()
    return without_diagonal(G)


def symmetric_graph(P):
    """Adjacency graph of a square pattern: i != j adjacent when P[i, j] or P[j, i]."""
    G = sp.csr_array(P.astype(np.int8) + P.T.astype(np.int8))
    G.sort_indices()
    return without_diagonal(G)


def without_diagonal(G):
    rows = row_of_entry(G)
    keep = G.indices != rows
    counts = np.bincount(rows[keep], minlength=G.shape[0])
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return indptr, G.indices[keep].astype(np.int64)


def conflict_size(P):
    """Upper bound on the stored entries of P.T @ P: sum over rows of (row count)^2, in O(M)."""
    counts = np.diff(P.indptr).astype(np.float64)
    return float(counts @ counts)


def weighted_degrees(P):
    """Sum over a column's rows of (row count - 1): its conflict degree counted with multiplicity,
    an O(nnz) stand-in for the degree when P.T @ P would be too large (dense rows)."""
    rowcount = np.diff(P.indptr) - 1
    return np.bincount(P.indices, weights=rowcount[row_of_entry(P)], minlength=P.shape[1])


# --- static orderings: permutations of range(n) ------------------------------------------------

def order_natural(n):
    return np.arange(n, dtype=np.int64)


def order_largest_first(degrees):
    return np.argsort(-np.asarray(degrees), kind="stable").astype(np.int64)


def order_smallest_last(graph):
    """Smallest-last (Matula-Beck): repeatedly remove a vertex of least remaining degree; the
    removal order reversed. Bucket queue, O(n + edges)."""
    indptr, indices = graph
    n = len(indptr) - 1
    adj = indices.tolist()
    ptr = indptr.tolist()
    degree = np.diff(indptr).tolist()
    buckets = [set() for _ in range(max(degree, default=0) + 1)]
    for v, d in enumerate(degree):
        buckets[d].add(v)
    removed = bytearray(n)
    order = []
    low = 0
    for _ in range(n):
        low = max(low - 1, 0)                # a removal lowers the least degree by at most one
        while not buckets[low]:
            low += 1
        v = buckets[low].pop()
        removed[v] = 1
        order.append(v)
        for w in adj[ptr[v]:ptr[v + 1]]:
            if not removed[w]:
                d = degree[w]
                buckets[d].remove(w)
                buckets[d - 1].add(w)
                degree[w] = d - 1
    return np.array(order[::-1], dtype=np.int64)


def order_incidence_degree(graph):
    """Incidence degree: next the vertex with most already-ordered neighbours (first the one of
    largest degree). Bucket queue, O(n + edges)."""
    indptr, indices = graph
    n = len(indptr) - 1
    if n == 0:
        return np.zeros(0, np.int64)
    adj = indices.tolist()
    ptr = indptr.tolist()
    incidence = [0] * n
    buckets = [set(range(n))]
    done = bytearray(n)
    order = []
    high = 0
    first = int(np.argmax(np.diff(indptr)))
    for step in range(n):
        if step == 0:
            v = first
            buckets[0].remove(v)
        else:
            while not buckets[high]:
                high -= 1
            v = buckets[high].pop()
        done[v] = 1
        order.append(v)
        for w in adj[ptr[v]:ptr[v + 1]]:
            if not done[w]:
                d = incidence[w]
                buckets[d].remove(w)
                if d + 1 == len(buckets):
                    buckets.append(set())
                buckets[d + 1].add(w)
                incidence[w] = d + 1
                high = max(high, d + 1)
    return np.array(order, dtype=np.int64)


# --- greedy engines -------------------------------------------------------------------------------

def greedy_python(graph, order):
    """Sequential greedy: each vertex in `order` takes the least colour its neighbours lack."""
    indptr, indices = graph
    adj = indices.tolist()
    ptr = indptr.tolist()
    colors = [-1] * (len(ptr) - 1)
    for v in order.tolist():
        used = {colors[w] for w in adj[ptr[v]:ptr[v + 1]]}
        c = 0
        while c in used:
            c += 1
        colors[v] = c
    return np.array(colors, dtype=np.int64)


def greedy_columns(P, order, graph=None):
    """Greedy colouring of the column intersection graph of P in `order`: SciPy's compiled
    first-fit when available (and the colour count stays small), else `greedy_python`."""
    if _scipy_group_columns is not None and graph is None:
        try:
            return np.asarray(_scipy_group_columns(P, order), dtype=np.int64)
        except Exception:                    # noqa: BLE001 - private API changed: use our own
            pass
    return greedy_python(graph if graph is not None else conflict_graph(P), order)


def dsatur(graph):
    """DSATUR (Brelaz): next the uncoloured vertex with most distinct neighbour colours, ties by
    degree; it takes the least colour free. Lazy heap, O(edges log n)."""
    indptr, indices = graph
    n = len(indptr) - 1
    adj = indices.tolist()
    ptr = indptr.tolist()
    degree = np.diff(indptr).tolist()
    colors = [-1] * n
    saturation = [set() for _ in range(n)]
    heap = [(0, -degree[v], v) for v in range(n)]
    heapq.heapify(heap)
    while heap:
        s, d, v = heapq.heappop(heap)
        if colors[v] >= 0 or -s != len(saturation[v]):
            continue
        c = 0
        while c in saturation[v]:
            c += 1
        colors[v] = c
        for w in adj[ptr[v]:ptr[v + 1]]:
            if colors[w] < 0 and c not in saturation[w]:
                saturation[w].add(c)
                heapq.heappush(heap, (-len(saturation[w]), -degree[w], w))
    return np.array(colors, dtype=np.int64)


# --- symmetric (Hessian) greedy engines -------------------------------------------------------
# A colouring is a star colouring when it is distance-1 and no path on 4 vertices is 2-coloured.
# Colouring v with c creates a 2-coloured path through v in two shapes only:
#   v-w-x-y  with c(x) = c, c(y) = c(w): forbid c(x) when x has a second neighbour of colour c(w);
#   w'-v-w-y with c(w') = c(w), c(y) = c: forbid c(y) for every y next to w when v has two
#            neighbours (w, w') of colour c(w).
# Kept up to date as vertices get coloured, counts[x][d] = coloured neighbours of x of colour d:
#   via[w]  = {c(x) : x ~ w coloured, counts[x][c(w)] >= 2}   -> the colours the first shape forbids
#   keys of counts[w]                                          -> the colours the second one forbids
# so a vertex costs O(its degree + colours) and the hub of an arrowhead no longer O(n) per leaf.

def star_greedy(graph, order):
    """Greedy star colouring in `order`, with the exact test of the two shapes above."""
    indptr, indices = graph
    adj = indices.tolist()
    ptr = indptr.tolist()
    n = len(ptr) - 1
    colors = [-1] * n
    counts = [None] * n                      # counts[x]: {colour: coloured neighbours of x}
    first = [None] * n                       # first[x]: {colour: the first such neighbour}
    via = [None] * n
    for v in order.tolist():
        neighbours = adj[ptr[v]:ptr[v + 1]]
        forbidden = set()
        for w in neighbours:
            if colors[w] >= 0:
                forbidden.add(colors[w])
                if via[w]:
                    forbidden |= via[w]
        multi = {d for d, k in counts[v].items() if k >= 2} if counts[v] else ()
        if multi:
            for w in neighbours:
                if colors[w] in multi and counts[w]:
                    forbidden |= counts[w].keys()
        c = 0
        while c in forbidden:
            c += 1
        colors[v] = c
        via[v] = via[v] or set()
        for x in neighbours:
            if counts[x] is None:
                counts[x], first[x] = {}, {}
            k = counts[x][c] = counts[x].get(c, 0) + 1
            if k == 1:
                first[x][c] = v
            elif colors[x] >= 0:
                if k == 2:
                    w0 = first[x][c]
                    via[w0] = via[w0] or set()
                    via[w0].add(colors[x])
                via[v].add(colors[x])
        for w in neighbours:                 # v itself is now an x for its neighbours
            if colors[w] in multi:
                via[w] = via[w] or set()
                via[w].add(c)
    return np.array(colors, dtype=np.int64)


def _find(parent, x):
    root = x
    while parent.get(root, root) != root:
        root = parent[root]
    while x != root:                         # path compression
        parent[x], x = root, parent.get(x, x)
    return root


def acyclic_greedy(graph, order):
    """Greedy acyclic colouring in `order`: distance-1, and every 2-coloured subgraph a forest.
    Colouring v with c closes a cycle exactly when two neighbours of v of one colour d already lie
    in one tree of the (c, d) forest; one union-find per colour pair keeps those trees."""
    indptr, indices = graph
    adj = indices.tolist()
    ptr = indptr.tolist()
    colors = [-1] * (len(ptr) - 1)
    forests = {}
    for v in order.tolist():
        by_color = {}
        for w in adj[ptr[v]:ptr[v + 1]]:
            if colors[w] >= 0:
                by_color.setdefault(colors[w], []).append(w)
        c = 0
        while True:
            while c in by_color:
                c += 1
            closes = False
            for d, ws in by_color.items():
                parent = forests.get((min(c, d), max(c, d))) if len(ws) >= 2 else None
                if parent is not None:
                    roots = {_find(parent, w) for w in ws}
                    if len(roots) < len(ws):
                        closes = True
                        break
            if not closes:
                break
            c += 1
        colors[v] = c
        for d, ws in by_color.items():
            parent = forests.setdefault((min(c, d), max(c, d)), {})
            for w in ws:
                parent[_find(parent, v)] = _find(parent, w)
    return np.array(colors, dtype=np.int64)
