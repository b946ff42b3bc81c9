"""Boolean CSR patterns and the few vectorised operations the sparsity pass composes them
with: gathers of rows, unions, groupings. A pattern row lists the columns an element depends
on; every operation here is O(rows + nnz), with no Python loop over rows or entries."""
import math

import numpy as np
import scipy.sparse as sp

def empty(rows, n):
    return sp.csr_array((rows, n), dtype=bool)


def identity_block(size, offset, n):
    """Element i of an input laid out at ``offset`` depends on column offset + i."""
    return sp.csr_array((np.ones(size, bool), np.arange(offset, offset + size),
                         np.arange(size + 1)), shape=(size, n))


MAX_RUNS = 256      # a gather of fewer contiguous runs than this copies slices, no index


def gather_rows(P, rows):
    """The csr array whose row r is ``P[rows[r]]`` (an empty row where rows[r] < 0)."""
    return gather_from([P], rows)


def gather_from(sources, rows):
    """Row r of the result is row ``rows[r]`` of the sources stacked one above the other
    (an empty row where rows[r] < 0). Index maps give few contiguous runs (a slice, an
    assignment into a slice, a concatenation): those are copied as slices of the sources'
    arrays, in O(rows + nnz); anything else goes through one fancy row index."""
    rows = np.asarray(rows, dtype=np.int64).ravel()
    offsets = np.cumsum([0] + [p.shape[0] for p in sources])
    cut = np.diff(rows) != 1
    cut |= rows[:-1] < 0
    if len(sources) > 1:
        cut |= np.isin(rows[1:], offsets[1:-1])
    starts = np.concatenate([[0], np.flatnonzero(cut) + 1]) if rows.size else np.zeros(0, int)
    if starts.size > MAX_RUNS:
        return _fancy(stack_rows(sources), rows)
    if len(sources) == 1 and starts.size == 1 and rows.size == sources[0].shape[0] \
            and rows[0] == 0:
        return sources[0]                                   # the identity map
    ends = np.append(starts[1:], rows.size)
    ptrs, pieces, total = [], [], 0
    for a, b in zip(starts.tolist(), ends.tolist()):        # runs, not rows
        r0 = int(rows[a])
        if r0 < 0:
            ptrs.append(np.full(b - a, total, dtype=np.int64))
            continue
        k = int(np.searchsorted(offsets, r0, side="right")) - 1
        P, lo = sources[k], r0 - int(offsets[k])
        first = int(P.indptr[lo])
        ptrs.append(P.indptr[lo:lo + b - a] - first + total)
        pieces.append(P.indices[first:P.indptr[lo + b - a]])
        total += int(P.indptr[lo + b - a]) - first
    index = np.int32 if total < 2 ** 31 else np.int64      # one dtype: no upcast copy
    indptr = np.concatenate(ptrs + [np.array([total])]).astype(index, copy=False)
    indices = np.concatenate(pieces).astype(index, copy=False) if pieces else \
        np.zeros(0, index)
    return _canonical_flags(sp.csr_array((np.ones(total, bool), indices, indptr),
                                         shape=(rows.size, sources[0].shape[1])))


def _fancy(P, rows):
    if rows.size and rows.min() < 0:                   # an empty row at the end for -1
        P = stack_rows([P, empty(1, P.shape[1])])
        rows = np.where(rows < 0, P.shape[0] - 1, rows)
    return _canonical_flags(P[rows])


def stack_rows(pats):
    """Patterns one above the other, as one csr array (a cheap ``scipy.sparse.vstack``)."""
    if len(pats) == 1:
        return pats[0]
    nnz = np.cumsum([0] + [p.nnz for p in pats])
    indptr = np.concatenate([p.indptr[:-1] + k for p, k in zip(pats, nnz)] + [nnz[-1:]])
    indices = np.concatenate([p.indices for p in pats])
    out = sp.csr_array((np.ones(indices.size, bool), indices, indptr),
                       shape=(sum(p.shape[0] for p in pats), pats[0].shape[1]))
    return _canonical_flags(out)


def _canonical_flags(P):
    """Rows of canonical patterns stay sorted and duplicate-free: tell scipy so."""
    P.has_canonical_format = True
    return P


def group_union(P, groups, count):
    """Row g of the result: the union of the rows r of P with groups[r] == g (< 0: none)."""
    groups = np.asarray(groups, dtype=np.int64).ravel()
    keep = groups >= 0
    G = sp.csr_array((np.ones(int(keep.sum()), bool), (groups[keep], np.flatnonzero(keep))),
                     shape=(count, P.shape[0]))
    return canonical(G @ P)


def canonical(P):
    P = sp.csr_array(P, dtype=bool)
    P.sum_duplicates()
    return P


def union(parts):
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out.maximum(p) if p is not out else out
    return _canonical_flags(out)


def numbers(shape, offset=0):
    return np.arange(offset, offset + math.prod(shape), dtype=np.int64).reshape(shape)


def broadcast_rows(in_shape, out_shape):
    """For each element of ``out_shape``, the element of ``in_shape`` broadcast into it."""
    return np.broadcast_to(numbers(in_shape), out_shape)
