"""The unit of work: one chunk of seeds through one batched sweep (``sweep_chunk``), and the
flat Jacobian assembled from such chunks (``run_sweeps``). The loop over chunks is the only
loop; it exists to bound memory.

The flat layout: the outputs' entries (rows of J) and the differentiated inputs' entries
(columns), each flattened in C order and laid out one after the other (``flat_offsets``).
"""
import math

import numpy as np

from .backend import graph_module, to_host
from .interpret import jvp_sweep, vjp_sweep


def flat_offsets(shapes):
    """Where each of ``shapes`` starts in the flat layout, plus the total: len + 1 offsets."""
    offsets = [0]
    for s in shapes:
        offsets.append(offsets[-1] + math.prod(s))
    return offsets


def flat_size(shapes):
    """Total flat size of ``shapes`` (M for the outputs, N for the inputs)."""
    return sum(math.prod(s) for s in shapes)


class Seeds:
    """K seed vectors over a flat layout (inputs forward, outputs reverse): rows start:stop
    of the identity (``Seeds.identity``: never built as a matrix where a rule can skip the
    product with it), or the rows of any (K, total) matrix (``Seeds.rows``: colour groups of
    a sparse Jacobian, a task's block). ``dtype`` is the sweep's dtype."""
    __slots__ = ("start", "stop", "count", "matrix", "dtype")

    def __init__(self, start, stop, matrix, dtype):
        self.start, self.stop, self.count = start, stop, stop - start
        self.matrix, self.dtype = matrix, dtype

    @classmethod
    def identity(cls, start, stop, dtype=np.float64):
        return cls(start, stop, None, dtype)

    @classmethod
    def rows(cls, matrix, dtype=None):
        return cls(0, matrix.shape[0], matrix, matrix.dtype if dtype is None else dtype)

    def blocks(self, shapes, lead=(), xp=np):
        """Per variable, its seeds as a (K,) + lead + shape array (broadcast over the point
        axes ``lead``), or None where every seed is zero on it."""
        if self.matrix is None:
            blocks = _identity_blocks(self.start, self.stop, shapes, self.dtype, xp)
        else:
            m = xp.asarray(self.matrix, dtype=self.dtype)
            offsets = flat_offsets(shapes)
            blocks = [m[:, lo:hi].reshape((self.count,) + tuple(s))
                      for s, lo, hi in zip(shapes, offsets, offsets[1:])]
        if not lead:
            return blocks
        pad = (1,) * len(lead)
        return [None if b is None else xp.broadcast_to(
            b.reshape((self.count,) + pad + tuple(s)), (self.count,) + lead + tuple(s))
            for b, s in zip(blocks, shapes)]

    def identity_rows(self, shapes):
        """Per variable, (first, last) of its own identity rows when these seeds are exactly
        rows of its identity (an identity chunk lying inside it), else None."""
        if self.matrix is None:
            offsets = flat_offsets(shapes)
            return [(self.start - lo, self.stop - lo) if lo <= self.start and self.stop <= hi
                    else None for lo, hi in zip(offsets, offsets[1:])]
        return [None] * len(shapes)


def _identity_blocks(start, stop, shapes, dtype, xp):
    """Identity rows ``start:stop`` split per variable: (K,) + shape arrays, or None where the
    chunk has no seed in that variable."""
    k = stop - start
    if len(shapes) == 1:                                  # the common case: one call
        return [xp.eye(k, math.prod(shapes[0]), start, dtype=dtype).reshape(
            (k,) + tuple(shapes[0]))]
    blocks = []
    offsets = flat_offsets(shapes)
    for shape, lo, hi in zip(shapes, offsets, offsets[1:]):
        if max(start, lo) >= min(stop, hi):
            blocks.append(None)
            continue
        # seed r is 1 at column start + r - lo: the diagonal start - lo (no index arrays to
        # upload to a GPU on every sweep)
        seed = xp.eye(k, hi - lo, start - lo, dtype=dtype)
        blocks.append(seed.reshape((k,) + tuple(shape)))
    return blocks


def flat_blocks(blocks, shapes, lead, dtype, xp=np):
    """Per-variable ``lead + shape`` arrays (None: zero; fewer leading axes broadcast) -> one
    ``lead + (total,)`` array. ``lead`` is (K,) in a sweep, (K, P) over P points."""
    parts = [xp.zeros(lead + (math.prod(s),), dtype) if b is None else
             (b if b.shape[:len(lead)] == lead else
              xp.broadcast_to(b, lead + tuple(s))).reshape(lead + (-1,))
             for b, s in zip(blocks, shapes)]
    return parts[0] if len(parts) == 1 else xp.concatenate(parts, axis=-1)


def sweep_chunk(graph, env, mode, seeds, lead=(), wrt=None):
    """``seeds`` (a ``Seeds`` of K rows S) through one batched sweep in ``mode``: forward, the
    (K,) + lead + (M,) block S J^T (the columns J S^T); reverse, the (K,) + lead + (N,) block
    S J. ``env``: every Var's value, with the point axes ``lead`` in front where the graph
    was evaluated at many points (``interpret.evaluate``). ``wrt``: the indices of the graph
    inputs that are the columns of J (default: all of them)."""
    xp = graph_module(graph)
    inputs = graph.inputs if wrt is None else [graph.inputs[k] for k in wrt]
    in_shapes = [tuple(v.shape) for v in inputs]
    out_shapes = [tuple(o.shape) for o in graph.outputs]
    rows = (seeds.count,) + tuple(lead)
    if mode == "fwd":
        blocks = seeds.blocks(in_shapes, lead, xp)
        if wrt is None:
            tangents = blocks
        else:
            tangents = [None] * len(graph.inputs)
            for k, b in zip(wrt, blocks):
                tangents[k] = b
        # seed rules skip the product with raw identity rows (no point axes: they would
        # not carry them)
        identity = {} if lead else {v: r for v, r in zip(inputs, seeds.identity_rows(in_shapes))
                                    if r is not None}
        outs = jvp_sweep(graph, env, tangents, identity)
        return flat_blocks(outs, out_shapes, rows, seeds.dtype, xp)
    if not lead and seeds.matrix is None and out_shapes == [()] and seeds.count == 1:
        # a scalar f: one 0-d seed, cotangents without a seed axis (its gradient as
        # derivative_graph traces it: no unit axis in front of every value of a Hessian's
        # gradient graph, which would keep its products off the one-hot paths)
        cts = vjp_sweep(graph, env, [xp.ones((), seeds.dtype)])
    else:
        cts = vjp_sweep(graph, env, seeds.blocks(out_shapes, lead, xp))
    if wrt is not None:
        cts = [cts[k] for k in wrt]
    return flat_blocks(cts, in_shapes, rows, seeds.dtype, xp)


def run_sweeps(graph, mode, chunk_size, dtype, out_path=None, progress=None):
    """The flat Jacobian (M, N) of ``graph`` at its traced point, from identity seeds in
    chunks of ``chunk_size``: rows are outputs, columns inputs, each flattened in C order.

    ``out_path``: write J chunk by chunk into a new memory-mapped .npy there and return the
    ``np.memmap`` (forward mode stores it in Fortran order, so that a chunk of columns is one
    contiguous block of the file; ``np.load`` gives the same (M, N) array either way).
    ``progress(done, total)``: called with the seeds done so far after every chunk."""
    M = flat_size(tuple(o.shape) for o in graph.outputs)
    N = flat_size(tuple(v.shape) for v in graph.inputs)
    seeds_total, width = (N, M) if mode == "fwd" else (M, N)
    if out_path is not None:
        from numpy.lib.format import open_memmap
        J = open_memmap(out_path, mode="w+", dtype=dtype, shape=(M, N),
                        fortran_order=mode == "fwd")
        rows = J.T if mode == "fwd" else J            # one row per seed, contiguous
    elif seeds_total == 0 or width == 0:
        return graph_module(graph).zeros((M, N), dtype)
    else:
        J = rows = None
    if seeds_total == 0 or width == 0:
        return J
    for start in range(0, seeds_total, chunk_size):
        stop = min(start + chunk_size, seeds_total)
        block = sweep_chunk(graph, graph.values, mode, Seeds.identity(start, stop, dtype))
        if rows is None:
            if stop - start == seeds_total:            # one chunk: no copy at all
                return block.T if mode == "fwd" else block
            rows = graph_module(graph).empty((seeds_total, width), dtype)
            J = rows.T if mode == "fwd" else rows      # forward gives J^T: return a view
        if out_path is not None and type(block) is not np.ndarray:
            block = to_host(block)      # a CuPy block into the np.memmap: one explicit copy
        rows[start:stop] = block
        del block
        if progress is not None:
            progress(stop, seeds_total)
    if out_path is not None:
        J.flush()
    return J
