"""Jacobians at many points in one batched sweep: ``jacobian(f, X, batched=True)``.

The function is traced once, at the first point; then the graph is evaluated with the point
axis as a leading axis (``interpret.evaluate``), and the sweeps run with the seed axis in front
of it: tangents of shape (K, B, ...). The same rules serve, since they only ever touch the
trailing logical axes.

NOTE: branches. A trace that read a traced value (``if x[0] > 0``, a traced index) is valid
only where those values recur. Each such read is a recorded *decision* (a Var and the value it
had); evaluating the graph at all points tells which points take the same path. Those are
computed together; the rest are traced again from the first of them, and so on: one trace per
distinct path, not per point. A value read that no decision records (np.argmax ...) falls back
to one trace per point. Either way a one-line warning says so; never a wrong answer.
"""
import warnings

import numpy as np

from .costs import bytes_per_seed
from .errors import InputError
from .interpret import evaluate, jvp_sweep, vjp_sweep
from .planner import default_budget, make_plan
from .sweeps import flat_blocks, seed_blocks, sizes
from .tracer import trace_function

POINTS_CHUNK_BYTES = 16 * 1024 ** 2   # per point chunk (Lorenz at 10^6 points: best of 1-32 MB)


class BranchWarning(UserWarning):
    """The function branched on traced values: points were grouped by the path they take."""


def batch_size(args, batched):
    """B, the common leading length of the batched arguments."""
    lengths = {np.shape(args[i])[0] if np.ndim(args[i]) else None for i in batched}
    if None in lengths:
        raise InputError("a batched argument has no leading batch axis (it is a scalar).")
    if len(lengths) != 1:
        raise InputError(f"batched arguments have different leading lengths "
                         f"{sorted(lengths)}; they must share one batch axis.")
    B = lengths.pop()
    if B == 0:
        raise InputError("the batch is empty (leading length 0): there is no point to trace "
                         "the function at.")
    return B


def batched_flat_jacobian(f, args, argnums, batched, mode, chunk_size, memory_limit):
    """Flat Jacobians at every point: an array (B, M, N), and (output shapes, differentiated
    input shapes, mode used, number of outputs or None for a single array). ``batched``:
    indices of the arguments with a leading batch axis (a superset of ``argnums``)."""
    B = batch_size(args, batched)
    traced = tuple(sorted(batched))
    diff = [traced.index(i) for i in argnums]
    remaining = np.arange(B)
    J, groups, info = None, 0, None
    while remaining.size:
        point = [a[remaining[0]] if i in batched else a for i, a in enumerate(args)]
        graph, n_out = trace_function(f, point, traced)
        out_shapes = [tuple(o.shape) for o in graph.outputs]
        in_shapes = [tuple(graph.inputs[k].shape) for k in diff]
        if info is None:
            M, N = sizes(out_shapes)[1][-1], sizes(in_shapes)[1][-1]
            info = (out_shapes, in_shapes, make_plan(graph, M, N, mode, chunk_size).mode, n_out)
        everywhere = groups == 0 and not graph.point_dependent
        inputs = [args[i] if everywhere else args[i][remaining] for i in traced]
        taken = _points_on_this_path(graph, inputs, remaining.size)
        part = _sweep_points(graph, inputs if everywhere else [x[taken] for x in inputs], diff,
                             out_shapes, in_shapes, info[2], chunk_size, memory_limit)
        if everywhere:
            return part, info
        if J is None:
            J = np.zeros((B,) + part.shape[1:])
        J[remaining[taken]] = part
        remaining = remaining[~taken]
        groups += 1
    if groups > 1:
        warnings.warn(f"jaccli: the function branches on traced values; its {B} points were "
                      f"computed in {groups} groups, one trace per path they take.",
                      BranchWarning, stacklevel=3)
    return J, info


def _points_on_this_path(graph, inputs, count):
    """Boolean mask of the points where the trace's decisions come out the same."""
    taken = np.zeros(count, dtype=bool)
    taken[0] = True                     # the traced point itself
    if not graph.point_dependent:
        return np.ones(count, dtype=bool)
    if not graph.verifiable or not graph.decisions:
        return taken
    ok = np.ones(count, dtype=bool)
    step = _point_chunk(graph, 0, count, None)         # evaluation only: no seeds
    for p0 in range(0, count, step):
        env = evaluate(graph, [x[p0:p0 + step] for x in inputs])
        for var, value in graph.decisions:
            got = env[var]
            ok[p0:p0 + step] &= np.all(got == value, axis=tuple(range(1, got.ndim)))
    return ok | taken


def _point_chunk(graph, seeds, count, memory_limit):
    per_point = bytes_per_seed(graph) * (seeds + 1)
    budget = POINTS_CHUNK_BYTES if memory_limit is None else min(int(memory_limit),
                                                                 default_budget())
    return max(1, min(count, budget // per_point))


def _sweep_points(graph, inputs, diff, out_shapes, in_shapes, mode, chunk_size, memory_limit):
    """(P, M, N) Jacobians for P points that share ``graph``'s path."""
    count = inputs[0].shape[0]
    M, N = sizes(out_shapes)[1][-1], sizes(in_shapes)[1][-1]
    seeds_total = N if mode == "fwd" else M
    K = make_plan(graph, M, N, mode, chunk_size).chunk_size
    step = _point_chunk(graph, K, count, memory_limit)
    # Sweeps give (seeds, points, other): fill that layout, return a (points, M, N) view.
    out = np.empty((N, count, M) if mode == "fwd" else (M, count, N))
    for p0 in range(0, count, step):
        part = [x[p0:p0 + step] for x in inputs]
        env = evaluate(graph, part)
        P = part[0].shape[0]
        for s0 in range(0, seeds_total, K):
            s1 = min(s0 + K, seeds_total)
            lead = (s1 - s0, P)
            if mode == "fwd":
                ts = [None] * len(graph.inputs)
                for k, t in zip(diff, _point_seeds(s0, s1, in_shapes, P)):
                    ts[k] = t
                out[s0:s1, p0:p0 + P] = flat_blocks(jvp_sweep(graph, env, ts), out_shapes,
                                                    lead, np.float64)
            else:
                cts = vjp_sweep(graph, env, _point_seeds(s0, s1, out_shapes, P))
                out[s0:s1, p0:p0 + P] = flat_blocks([cts[k] for k in diff], in_shapes, lead,
                                                    np.float64)
    return out.transpose(1, 2, 0) if mode == "fwd" else out.transpose(1, 0, 2)


def _point_seeds(start, stop, shapes, P):
    """The seed chunk of a sweep, the same at every point: (K, P) + shape broadcast views."""
    return [None if b is None else np.broadcast_to(b[:, None], (b.shape[0], P) + tuple(s))
            for b, s in zip(seed_blocks(start, stop, shapes, np.float64), shapes)]
