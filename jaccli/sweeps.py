"""The chunk loop: identity seeds in chunks of ``chunk_size`` through batched sweeps, and the
flat Jacobian assembled from the results. The loop over chunks is the only loop; it exists to
bound memory."""
import math

import numpy as np

from .backend import graph_module
from .interpret import jvp_sweep, vjp_sweep


def sizes(shapes):
    """Flat sizes of ``shapes`` and their offsets in the flat layout (len + 1 of them)."""
    counts = [math.prod(s) for s in shapes]
    offsets = [0]
    for n in counts:
        offsets.append(offsets[-1] + n)
    return counts, offsets


def _identity_rows(start, stop, shapes):
    """For each variable, (first, last) of its own identity rows when the chunk
    ``start:stop`` lies entirely inside it (its seed block is then exactly those rows of the
    identity), else None."""
    counts, offsets = sizes(shapes)
    return [(start - lo, stop - lo) if lo <= start and stop <= lo + n else None
            for n, lo in zip(counts, offsets[:-1])]


def seed_blocks(start, stop, shapes, dtype, xp=np):
    """Identity rows ``start:stop`` split per variable: arrays of shape (K,) + shape, or None
    where the chunk has no seed in that variable."""
    counts, offsets = sizes(shapes)
    k = stop - start
    if len(shapes) == 1:                                  # the common case: one call
        return [xp.eye(k, counts[0], start, dtype=dtype).reshape((k,) + tuple(shapes[0]))]
    blocks = []
    for shape, size, lo in zip(shapes, counts, offsets[:-1]):
        a, b = max(start, lo), min(stop, lo + size)
        if a >= b:
            blocks.append(None)
            continue
        seed = xp.zeros((k, size), dtype=dtype)
        seed[np.arange(a - start, b - start), np.arange(a - lo, b - lo)] = 1.0
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



def run_sweeps(graph, out_shapes, in_shapes, mode, chunk_size, dtype, out_path=None,
               progress=None):
    """The flat Jacobian (M, N): rows are outputs, columns inputs, each flattened in C order.

    ``out_path``: write J chunk by chunk into a new memory-mapped .npy there and return the
    ``np.memmap`` (forward mode stores it in Fortran order, so that a chunk of columns is one
    contiguous block of the file; ``np.load`` gives the same (M, N) array either way).
    ``progress(done, total)``: called with the seeds done so far after every chunk."""
    env = graph.values
    M, N = sizes(out_shapes)[1][-1], sizes(in_shapes)[1][-1]
    seeds_total = N if mode == "fwd" else M
    width = M if mode == "fwd" else N
    if out_path is not None:
        from numpy.lib.format import open_memmap
        J = open_memmap(out_path, mode="w+", dtype=dtype, shape=(M, N),
                        fortran_order=mode == "fwd")
        rows = J.T if mode == "fwd" else J            # one row per seed, contiguous
    elif seeds_total == 0 or M == 0 or N == 0:
        return graph_module(graph).zeros((M, N), dtype)
    else:
        J = rows = None
    if seeds_total == 0 or width == 0:
        return J
    for start in range(0, seeds_total, chunk_size):
        stop = min(start + chunk_size, seeds_total)
        block = sweep_chunk(graph, env, out_shapes, in_shapes, mode, start, stop, dtype)
        if rows is None:
            if stop - start == seeds_total:            # one chunk: no copy at all
                return block.T if mode == "fwd" else block
            rows = graph_module(graph).empty((seeds_total, width), dtype)
            J = rows.T if mode == "fwd" else rows      # forward gives J^T: return a view
        rows[start:stop] = block
        del block
        if progress is not None:
            progress(stop, seeds_total)
    if out_path is not None:
        J.flush()
    return J


def sweep_chunk(graph, env, out_shapes, in_shapes, mode, start, stop, dtype):
    """Seeds ``start:stop`` through one batched sweep: a (stop - start, width) block of J^T
    (forward: columns of J) or of J (reverse: rows)."""
    xp = graph_module(graph)
    if mode == "fwd":
        seeds = seed_blocks(start, stop, in_shapes, dtype, xp)
        identity = {v: rows for v, rows in zip(graph.inputs, _identity_rows(start, stop, in_shapes))
                    if rows is not None}
        tangents = jvp_sweep(graph, env, seeds, identity)
        return flat_blocks(tangents, out_shapes, (stop - start,), dtype, xp)
    seeds = seed_blocks(start, stop, out_shapes, dtype, xp)
    return flat_blocks(vjp_sweep(graph, env, seeds), in_shapes, (stop - start,), dtype, xp)


def measure_modes(graph, plan, out_shapes, in_shapes, dtype):
    """When ``plan.measure`` asks for it, time one chunk of ``plan.measure`` seeds in each
    mode (the better of two tries, alternating) and let the planner decide by them."""
    import time

    from .planner import decide_by_measurement
    k = plan.measure
    if not k:
        return plan
    best = {"fwd": float("inf"), "rev": float("inf")}
    for _ in range(2):
        for mode in ("fwd", "rev"):
            t0 = time.perf_counter()
            sweep_chunk(graph, graph.values, out_shapes, in_shapes, mode, 0, k, dtype)
            best[mode] = min(best[mode], time.perf_counter() - t0)
    return decide_by_measurement(plan, best, k)
