"""Sparse Jacobians at many points: ``jacobian(f, X, batched=True, sparse=True)``.

One pattern and one colouring serve every point that shares a trace (a *global* pattern: all
points; a *local* one: the points whose recorded decisions come out the same, grouped by
``points.batched_flat_jacobian``). The compressed seeds, one per colour, go through the one
chunk function with the point axis as ``lead`` (``sweeps.sweep_chunk(..., lead=(P,))``): a
forward chunk of k colours gives (k, P, M), a reverse one (k, P, N). Decompression reads
every point's entries on the pattern with one fancy index over all points at once, giving a
(P, nnz) array of values on the shared pattern -- no Python loop over points or entries.

Result layouts (``stack_result``): a list of P ``scipy.sparse.csr_array`` (M, N) in Python,
each sharing its group's pattern arrays; for files, ``vstack_points``: one csr_array
(P * M, N) whose rows p * M ... p * M + M - 1 are point p's J (the dense (P, M, N) stack
reshaped to (P * M, N)).
"""
import copy

import numpy as np
import scipy.sparse as sp

from ..interpret import evaluate
from ..sweeps import Seeds, sweep_chunk
from ..threads import blas_threads
from .jacobian import sparsity
from .orderings import pattern_csr, row_of_entry


def sweep_points_compressed(graph, inputs, wrt, plan, dtype, point_chunk, output="on"):
    """The Jacobians of the P points in ``inputs`` (which share ``graph``'s path) by
    ``plan.compressed`` sweeps (fwd, rev or bi) on ``graph``'s pattern, in ``dtype``.
    ``point_chunk(seeds, count)``: points per chunk for sweeps of that many seeds (the memory
    budget: ``points.point_chunk``). ``output`` 'on': an object array (P,) of csr_array
    (M, N); 'auto': the dense (P, M, N) array."""
    info = sparsity(graph, wrt)
    P = pattern_csr(info.pattern)
    count = inputs[0].shape[0]
    # seeds per sweep: the dense plan's chunk in each direction, at most the colours there
    colours = _colours(info, plan.compressed)
    k = {m: max(1, min(plan.modes[m]["chunk_size"], colours[m])) for m in ("fwd", "rev")}
    used = max(k[m] for m in ("fwd", "rev") if colours[m]) if any(colours.values()) else 1
    step = point_chunk(used, count)
    data = np.empty((count, P.nnz), dtype)
    seeds = _seed_blocks(info, plan.compressed, k, dtype)
    with blas_threads(graph, used * step):
        for p0 in range(0, count, step):
            part = [x[p0:p0 + step] for x in inputs]
            env = evaluate(graph, part)
            data[p0:p0 + part[0].shape[0]] = _entries(graph, env, info, P, plan.compressed,
                                                      seeds, dtype, (part[0].shape[0],), wrt)
    if output == "on":
        return csr_per_point(P, data)
    dense = np.zeros((count,) + P.shape, dtype)
    dense[:, row_of_entry(P), P.indices] = data
    return dense


def _colours(info, method):
    """{'fwd': forward seeds, 'rev': reverse seeds} of the compressed ``method``."""
    if method == "bi":
        c = info.coloring("bi")
        return {"fwd": c.columns.count, "rev": c.rows.count}
    count = info.coloring(method).count
    return {"fwd": count if method == "fwd" else 0, "rev": count if method == "rev" else 0}


def _seed_blocks(info, method, k, dtype):
    """{direction: [Seeds of up to k colours, ...]}: the compressed seeds of ``method``, made
    once for every chunk of points."""
    parts = {"fwd": [("fwd", info.coloring("fwd"))], "rev": [("rev", info.coloring("rev"))],
             "bi": [("fwd", info.coloring("bi").columns), ("rev", info.coloring("bi").rows)]}
    out = {}
    for mode, coloring in parts[method]:
        S = coloring.seed_matrix()                     # (N or M, colours), 0/1
        out[mode] = [Seeds.rows(np.ascontiguousarray(S[:, c0:c0 + k[mode]].T), dtype)
                     for c0 in range(0, S.shape[1], k[mode])]
    return out


def _entries(graph, env, info, P, method, seeds, dtype, lead, wrt):
    """(points, nnz): every point's J on the canonical pattern ``P``."""
    rows, cols = row_of_entry(P), P.indices
    if P.nnz == 0:
        return np.zeros(lead + (0,), dtype)
    if method in ("fwd", "rev"):
        c = info.coloring(method)
        B = _swept(graph, env, method, seeds[method], lead, wrt)
        # forward B[color, point, row]; reverse B[color, point, column]
        got = B[c.colors[cols], :, rows] if method == "fwd" else B[c.colors[rows], :, cols]
        return got.T
    c = info.coloring("bi")
    forward = c.forward_entries(P)
    out = np.empty(lead + (P.nnz,), dtype)
    Bc = _swept(graph, env, "fwd", seeds["fwd"], lead, wrt)
    Br = _swept(graph, env, "rev", seeds["rev"], lead, wrt)
    f, r = forward, ~forward
    if f.any():                          # a side with no colours gives no entries
        out[:, f] = Bc[c.columns.colors[cols[f]], :, rows[f]].T
    if r.any():
        out[:, r] = Br[c.rows.colors[rows[r]], :, cols[r]].T
    return out


def _swept(graph, env, mode, seeds, lead, wrt):
    """(colours,) + lead + (M or N,): the seed chunks ``seeds`` (one seed per colour) through
    ``sweep_chunk`` at every point."""
    blocks = [np.asarray(sweep_chunk(graph, env, mode, s, lead, wrt)) for s in seeds]
    if not blocks:                                  # no colours on this side
        return None
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=0)


def csr_per_point(P, data):
    """An object array (points,) of csr_array (M, N) on the canonical pattern ``P``, point p
    holding ``data[p]``.

    NOTE: one csr_array object per point is the result's layout (a list of matrices); the
    values were computed for all points at once, this only wraps them. Each matrix is a
    shallow copy of one validated template (~6 us, where the checking constructor takes
    ~200 us a point) with its own rows of three (points, ...) arrays: its data, indices and
    indptr are views no other point shares, so changing one matrix in place (sort_indices,
    eliminate_zeros, ``S[p].data *= 2``) leaves the others as they are."""
    count = data.shape[0]
    out = np.empty(count, dtype=object)
    if not count:
        return out
    indices = np.tile(P.indices, (count, 1))
    indptr = np.tile(P.indptr, (count, 1))
    template = sp.csr_array((data[0], indices[0], indptr[0]), shape=P.shape)
    for p in range(count):
        m = copy.copy(template)
        m.data, m.indices, m.indptr = data[p], indices[p], indptr[p]
        out[p] = m
    return out


def dense_to_csr_per_point(J):
    """(P, M, N) dense Jacobians (a dense pattern: nothing to compress) as csr per point."""
    out = np.empty(J.shape[0], dtype=object)
    for p in range(J.shape[0]):
        out[p] = sp.csr_array(J[p])
    return out


def vstack_points(mats):
    """One csr_array (P * M, N) of a list of P csr_array (M, N): point p's rows are
    p * M ... p * M + M - 1 (the dense (P, M, N) stack reshaped to (P * M, N))."""
    if not len(mats):
        raise ValueError("no points to stack")
    M, N = mats[0].shape
    nnz = np.array([m.nnz for m in mats])
    starts = np.concatenate([[0], np.cumsum(nnz)])
    indptr = np.concatenate([[0]] + [m.indptr[1:] + s for m, s in zip(mats, starts)])
    data = np.concatenate([m.data for m in mats])
    indices = np.concatenate([m.indices for m in mats])
    return sp.csr_array((data, indices, indptr), shape=(len(mats) * M, N))


def split_points(S, points):
    """The inverse of ``vstack_points``: a list of ``points`` csr_array (M, N) rows blocks."""
    M = S.shape[0] // points
    return [S[p * M:(p + 1) * M] for p in range(points)]
