"""The chunk loop: identity seeds in chunks of ``chunk_size`` through batched sweeps, and the
flat Jacobian assembled from the results. The loop over chunks is the only loop; it exists to
bound memory."""
import math

import numpy as np

from .interpret import jvp_sweep, vjp_sweep


def sizes(shapes):
    """Flat sizes of ``shapes`` and their offsets in the flat layout (len + 1 of them)."""
    counts = [math.prod(s) for s in shapes]
    offsets = [0]
    for n in counts:
        offsets.append(offsets[-1] + n)
    return counts, offsets


def _seed_blocks(start, stop, shapes, dtype):
    """Identity rows ``start:stop`` split per variable: arrays of shape (K,) + shape, or None
    where the chunk has no seed in that variable."""
    counts, offsets = sizes(shapes)
    k = stop - start
    blocks = []
    for shape, size, lo in zip(shapes, counts, offsets[:-1]):
        a, b = max(start, lo), min(stop, lo + size)
        if a >= b:
            blocks.append(None)
            continue
        seed = np.zeros((k, size), dtype=dtype)
        seed[np.arange(a - start, b - start), np.arange(a - lo, b - lo)] = 1.0
        blocks.append(seed.reshape((k,) + tuple(shape)))
    return blocks


def _flat_blocks(blocks, shapes, k, dtype):
    """Per-variable (K,) + shape arrays (or None: zero) -> one (K, total) matrix."""
    parts = [np.zeros((k, math.prod(s)), dtype) if b is None else b.reshape(k, -1)
             for b, s in zip(blocks, shapes)]
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)


def run_sweeps(graph, out_shapes, in_shapes, mode, chunk_size, dtype):
    """The flat Jacobian (M, N): rows are outputs, columns inputs, each flattened in C order."""
    env = graph.values
    M, N = sizes(out_shapes)[1][-1], sizes(in_shapes)[1][-1]
    seeds_total = N if mode == "fwd" else M
    if seeds_total == 0 or M == 0 or N == 0:
        return np.zeros((M, N), dtype)
    pieces = []
    for start in range(0, seeds_total, chunk_size):
        stop = min(start + chunk_size, seeds_total)
        if mode == "fwd":
            seeds = _seed_blocks(start, stop, in_shapes, dtype)
            result = jvp_sweep(graph, env, seeds)
            pieces.append(_flat_blocks(result, out_shapes, stop - start, dtype))
        else:
            seeds = _seed_blocks(start, stop, out_shapes, dtype)
            result = vjp_sweep(graph, env, seeds)
            pieces.append(_flat_blocks(result, in_shapes, stop - start, dtype))
    stacked = pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=0)
    return stacked.T if mode == "fwd" else stacked     # forward gives J^T: return a view


