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
from .interpret import evaluate
from .planner import default_budget, make_plan
from .sweeps import Seeds, flat_size, sweep_chunk
from .threads import blas_threads
from .tracer import trace_function

POINTS_CHUNK_BYTES = 16 * 1024 ** 2   # per point chunk (Lorenz at 10^6 points: best of 1-32 MB)
COMPRESSED_CHUNK_BYTES = 64 * 1024 ** 2   # compressed sweeps (Brusselator n = 2048 at 200
                                          # points: 108 ms at 16 MB, 60-62 at 64-128 MB)


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


def batched_flat_jacobian(f, args, argnums, batched, mode, chunk_size, memory_limit,
                          sweeper=None, sparse="off", on_plan=None, out=None):
    """Flat Jacobians at every point: an array (B, M, N), and (output shapes, differentiated
    input shapes, mode used, number of outputs or None for a single array). ``batched``:
    indices of the arguments with a leading batch axis (a superset of ``argnums``).

    The plan (mode and seeds per sweep) is made once, from the first trace; the traces of
    other paths, if any, have the same M x N and reuse it. ``sweeper``: a stand-in for
    ``sweep_points`` with its arguments (``distributed``: the point chunks as tasks).

    ``sparse``: 'off'; 'on' (the result an object array (B,) of csr_array (M, N), from
    compressed sweeps on each trace's pattern: ``sparse.batched``); 'auto' (compressed sweeps
    where the planner finds them cheaper, the dense (B, M, N) result). ``on_plan(plan)``: once,
    with the plan made at the first trace. ``out(shape, dtype)``: makes the dense (B, M, N)
    result array (e.g. a memory-mapped .npy), which the sweeps then fill point chunk by point
    chunk: the stack is never in memory whole."""
    dense_sweeper = sweep_points if sweeper is None else sweeper
    B = batch_size(args, batched)
    traced = tuple(sorted(batched))
    wrt = [traced.index(i) for i in argnums]
    remaining = np.arange(B)
    J, groups, info, plan = None, 0, None, None
    while remaining.size:
        point = [a[remaining[0]] if i in batched else a for i, a in enumerate(args)]
        graph, n_out = trace_function(f, point, traced)
        if plan is None:
            out_shapes = [tuple(o.shape) for o in graph.outputs]
            in_shapes = [tuple(graph.inputs[k].shape) for k in wrt]
            plan = make_plan(graph, flat_size(out_shapes), flat_size(in_shapes), mode,
                             chunk_size, dense_result=sparse != "on")
            if sparse != "off":
                from .sparse.jacobian import plan_sparse
                plan = plan_sparse(graph, plan, required=sparse == "on", wrt=wrt, mode=mode,
                                   points=B)
            if on_plan is not None:
                on_plan(plan)
            info = (out_shapes, in_shapes, plan.mode, n_out)
        sweeper = _sweeper_for(graph, plan, sparse, wrt, dense_sweeper)
        everywhere = groups == 0 and not graph.point_dependent
        inputs = [args[i] if everywhere else args[i][remaining] for i in traced]
        taken = _points_on_this_path(graph, inputs, remaining.size)
        here = inputs if everywhere else [x[taken] for x in inputs]
        if J is None and out is not None and sparse != "on":
            J = out((B, plan.M, plan.N), sweep_dtype(graph, wrt))
        if everywhere and J is not None and sweeper is sweep_points:
            return sweep_points(graph, here, wrt, plan, memory_limit, dest=J), info
        part = sweeper(graph, here, wrt, plan, memory_limit)
        if everywhere and J is None:
            return part, info
        if J is None:
            J = np.zeros((B,) + part.shape[1:], part.dtype)
        J[remaining[taken]] = part
        if everywhere:
            return J, info
        remaining = remaining[~taken]
        groups += 1
    if groups > 1:
        warnings.warn(f"jaccli: the function branches on traced values; its {B} points were "
                      f"computed in {groups} groups, one trace per path they take.",
                      BranchWarning, stacklevel=3)
    return J, info


def _sweeper_for(graph, plan, sparse, wrt, dense_sweeper):
    """The sweeps for the points on ``graph``'s path: compressed ones on its own pattern (a
    local pattern differs from trace to trace), or dense ones where there is nothing to
    compress (with ``sparse`` 'on' each point's J then becomes a csr_array)."""
    compressed = sparse != "off" and plan.compressed is not None
    if compressed:
        from .sparse.jacobian import sparsity
        compressed = sparsity(graph, wrt) is not None         # None: this path is dense
    if compressed:
        from .sparse.batched import sweep_points_compressed

        def compressed_sweeps(g, x, w, p, memory_limit):
            return sweep_points_compressed(
                g, x, w, p, sweep_dtype(g, w),
                lambda seeds, count: point_chunk(g, seeds, count, memory_limit,
                                                 COMPRESSED_CHUNK_BYTES), sparse)
        return compressed_sweeps
    if sparse != "on":
        return dense_sweeper
    from .sparse.batched import dense_to_csr_per_point
    return lambda *a: dense_to_csr_per_point(dense_sweeper(*a))


def _points_on_this_path(graph, inputs, count):
    """Boolean mask of the points where the trace's decisions come out the same."""
    taken = np.zeros(count, dtype=bool)
    taken[0] = True                     # the traced point itself
    if not graph.point_dependent:
        return np.ones(count, dtype=bool)
    if not graph.verifiable or not graph.decisions:
        return taken
    ok = np.ones(count, dtype=bool)
    step = point_chunk(graph, 0, count, None)         # evaluation only: no seeds
    for p0 in range(0, count, step):
        env = evaluate(graph, [x[p0:p0 + step] for x in inputs])
        for var, value in graph.decisions:
            got = env[var]
            ok[p0:p0 + step] &= np.all(got == value, axis=tuple(range(1, got.ndim)))
    return ok | taken


def point_chunk(graph, seeds, count, memory_limit, default=None):
    """Points per chunk: what fits the memory budget (or ``default``, POINTS_CHUNK_BYTES
    unless given) with ``seeds`` seeds per sweep."""
    per_point = bytes_per_seed(graph) * (seeds + 1)
    default = POINTS_CHUNK_BYTES if default is None else default
    budget = default if memory_limit is None else min(int(memory_limit), default_budget())
    return max(1, min(count, budget // per_point))


def sweep_dtype(graph, wrt):
    """The dtype of the Jacobians: NumPy's promotion of the float outputs and the
    differentiated inputs (float32 in, float32 out)."""
    floats = [o.dtype for o in graph.outputs if o.dtype.kind == "f"]
    return np.result_type(*floats, *[graph.inputs[k].dtype for k in wrt])


def sweep_points(graph, inputs, wrt, plan, memory_limit, step=None, dest=None):
    """(P, M, N) Jacobians for P points that share ``graph``'s path, in the plan's mode and
    chunks of seeds, over chunks of ``step`` points (default: what fits the memory budget).
    ``dest``: a (P, M, N) array to fill (e.g. a memory-mapped file), chunk by chunk of
    points, and return."""
    count = inputs[0].shape[0]
    mode, K = plan.mode, plan.chunk_size
    seeds_total, width = (plan.N, plan.M) if mode == "fwd" else (plan.M, plan.N)
    step = point_chunk(graph, K, count, memory_limit) if step is None else step
    # Sweeps give (seeds, points, other): fill that layout, return a (points, M, N) view.
    dtype = sweep_dtype(graph, wrt)
    axes = (1, 2, 0) if mode == "fwd" else (1, 0, 2)
    out = np.empty((seeds_total, count if dest is None else min(step, count), width), dtype)
    with blas_threads(graph, min(K, seeds_total) * step):
        for p0 in range(0, count, step):
            part = [x[p0:p0 + step] for x in inputs]
            env = evaluate(graph, part)
            n = part[0].shape[0]
            at = p0 if dest is None else 0
            for s0 in range(0, seeds_total, K):
                s1 = min(s0 + K, seeds_total)
                out[s0:s1, at:at + n] = sweep_chunk(
                    graph, env, mode, Seeds.identity(s0, s1, dtype), (n,), wrt)
            if dest is not None:
                dest[p0:p0 + n] = out[:, :n].transpose(axes)
    return out.transpose(axes) if dest is None else dest


_point_chunk, _sweep_points = point_chunk, sweep_points        # their names before issue 15
